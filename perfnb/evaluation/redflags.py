"""Red flags across units and years (issue 19): the flat tables and the checks run on them.

* :func:`unit_frame` / :func:`indicator_frame` — one row per unit / per indicator of an
  :class:`Evaluation`, result.json's fields flattened (``budget_rate``, ``risk_score`` …): the
  tables a batch and a screening write as ``results.parquet`` / ``indicators.parquet``.
  :func:`frames_from_results` builds the same tables from result.json objects.
* :func:`across_findings` — the checks of scope ``batch`` (ALL_FULL_MARKS, COPIED_INDICATORS)
  and, given earlier years' tables, ``years`` (TARGET_BELOW_LAST_ACTUAL, TARGETS_UNCHANGED,
  SCORE_UP_EXECUTION_DOWN): findings with the audit's columns.
* :func:`previous_year` — per unit linked to an earlier year, result.json's ``previous_year``
  (this year against last year: totals, execution, each indicator's target, actual, score).
* :func:`with_risk` — the flat units' risk columns recomputed with more findings.

Pure: no files (running/yeartables.py reads and writes the Parquet tables).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from perfnb.evaluation.checks.across import BATCH, LINK_RULES, YEARS, AcrossContext, project_code
from perfnb.evaluation.checks.catalog import all_checks, settings
from perfnb.evaluation.checks.registry import Check, Hit
from perfnb.evaluation.checks.render import Findings, render_message
from perfnb.evaluation.risk import risk_table
from perfnb.evaluation.rules import RuleSet, get_rules
from perfnb.model import FINDING_COLUMNS, STATUS_LABELS

UNIT_TABLE_COLUMNS = [
    "unit_id", "department", "implementing_unit", "project", "project_code", "year", "rules",
    "total", "grade", "weight_total", "reported_total", "reported_grade", "budget_initial",
    "budget_adjusted", "budget_executed", "budget_rate", "budget_score", "budget_weight",
    "indicator_score", "indicator_weight", "errors", "warnings", "infos", "risk_score",
    "risk_level", "risk_flags"]
INDICATOR_TABLE_COLUMNS = [
    "unit_id", "department", "project", "year", "seq", "level1", "level2", "name", "kind",
    "operator", "target", "target_text", "actual", "actual_text", "unit", "weight", "score",
    "reported_score", "status", "status_label", "sheet", "row"]
FLAG_SEPARATOR = ","
# the flat tables as a batch / screening writes them (running/yeartables.py)
UNITS_FILE = "results.parquet"
INDICATORS_FILE = "indicators.parquet"
FLAGS_FILE = "red_flags.parquet"      # a batch's findings across units and years
COMPARISON_FILE = "previous_year.parquet"   # a batch given --previous: each unit against last year
COMPARISON_COLUMNS = ["unit_id", "previous_unit_id", "previous_year", "total", "previous_total",
                      "budget_rate", "previous_budget_rate", "grade", "previous_grade",
                      "indicators", "targets_changed", "link"]


def _column(frame: pd.DataFrame, name: str, default=None) -> pd.Series:
    if name in frame:
        return frame[name].reset_index(drop=True)
    return pd.Series([default] * len(frame), dtype=object)


def unit_frame(evaluation) -> pd.DataFrame:
    """One row per unit of ``evaluation`` (UNIT_TABLE_COLUMNS; risk_flags joined by ",")."""
    units = evaluation.units.reset_index(drop=True)
    totals = evaluation.totals.reset_index(drop=True)
    budgets = evaluation.budgets.reset_index(drop=True)
    summary = evaluation.summary()
    frame = pd.DataFrame({
        "unit_id": units["unit_id"].astype(str),
        "department": _column(units, "department", ""),
        "implementing_unit": _column(units, "implementing_unit", ""),
        "project": _column(units, "project", ""),
        "year": pd.array(pd.to_numeric(_column(units, "year"), errors="coerce"), dtype="Int64"),
        "rules": evaluation.rules.name,
        "total": totals["total"].astype(float),
        "grade": totals["grade"],
        "weight_total": totals["weight"].astype(float),
        "reported_total": pd.to_numeric(_column(units, "reported_total"), errors="coerce"),
        "reported_grade": _column(units, "reported_grade"),
        "budget_initial": _column(budgets, "initial").astype(float),
        "budget_adjusted": _column(budgets, "adjusted").astype(float),
        "budget_executed": _column(budgets, "executed").astype(float),
        "budget_rate": _column(budgets, "rate").astype(float),
        "budget_score": _column(budgets, "score").astype(float),
        "budget_weight": _column(budgets, "effective_weight").astype(float),
        "indicator_score": _column(totals, "indicator_score").astype(float),
        "indicator_weight": _column(totals, "indicator_weight").astype(float),
        "errors": summary["error"].to_numpy(int), "warnings": summary["warning"].to_numpy(int),
        "infos": summary["info"].to_numpy(int),
    })
    frame["project_code"] = [project_code(p) for p in frame["project"]]
    risk = risk_table(evaluation.findings, frame["unit_id"])
    frame["risk_score"] = risk["risk_score"].to_numpy(float)
    frame["risk_level"] = risk["risk_level"].to_numpy(object)
    frame["risk_flags"] = [FLAG_SEPARATOR.join(f) for f in risk["risk_flags"]]
    return frame[UNIT_TABLE_COLUMNS]


def indicator_frame(evaluation) -> pd.DataFrame:
    """One row per indicator of ``evaluation`` (INDICATOR_TABLE_COLUMNS)."""
    ind = evaluation.indicators.reset_index(drop=True)
    units = evaluation.units.set_index(evaluation.units["unit_id"].astype(str))
    unit_ids = ind["unit_id"].astype(str)
    status = _column(ind, "status", "")
    frame = pd.DataFrame({
        "unit_id": unit_ids,
        "department": unit_ids.map(_column(units, "department", "").set_axis(units.index)),
        "project": unit_ids.map(_column(units, "project", "").set_axis(units.index)),
        "year": pd.array(pd.to_numeric(unit_ids.map(_column(units, "year").set_axis(units.index)),
                                       errors="coerce"), dtype="Int64"),
        "seq": pd.to_numeric(_column(ind, "seq"), errors="coerce"),
        "level1": _column(ind, "level1", ""), "level2": _column(ind, "level2", ""),
        "name": _column(ind, "name", ""), "kind": _column(ind, "kind", ""),
        "operator": _column(ind, "operator_used"),
        "target": pd.to_numeric(_column(ind, "target"), errors="coerce"),
        "target_text": _column(ind, "target_text", ""),
        "actual": pd.to_numeric(_column(ind, "actual"), errors="coerce"),
        "actual_text": _column(ind, "actual_text", ""),
        "unit": _column(ind, "measure_unit", ""),
        "weight": pd.to_numeric(_column(ind, "weight"), errors="coerce"),
        "score": pd.to_numeric(_column(ind, "score"), errors="coerce"),
        "reported_score": pd.to_numeric(_column(ind, "reported_score"), errors="coerce"),
        "status": status, "status_label": status.map(lambda s: STATUS_LABELS.get(s, s or "")),
        # where the indicator was read: the findings across years point at it
        "sheet": _column(ind, "sheet", ""),
        "row": pd.array(pd.to_numeric(_column(ind, "row"), errors="coerce"), dtype="Int64"),
    })
    for column in ("department", "project", "level1", "level2", "name", "kind", "target_text",
                   "actual_text", "unit", "sheet"):
        frame[column] = frame[column].map(lambda v: "" if v is None or v != v else str(v))
    return frame[INDICATOR_TABLE_COLUMNS]


def frames_from_results(results: Iterable[Mapping[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The flat tables from result.json objects (``perfnb score --json`` / a batch's units)."""
    unit_rows, indicator_rows = [], []
    for data in results:
        budget = data.get("budget") or {}
        risk = data.get("risk") or {}
        counts = data.get("counts") or {}
        reported = data.get("reported") or {}
        project = data.get("project") or ""
        unit_rows.append({
            "unit_id": str(data.get("unit_id")), "department": data.get("department") or "",
            "implementing_unit": data.get("implementing_unit") or "", "project": project,
            "project_code": project_code(project), "year": data.get("year"),
            "rules": (data.get("rules") or {}).get("name"), "total": data.get("total"),
            "grade": data.get("grade"), "weight_total": data.get("weight_total"),
            "reported_total": reported.get("total"), "reported_grade": reported.get("grade"),
            **{f"budget_{k}": budget.get(k) for k in ("initial", "adjusted", "executed", "rate",
                                                       "score", "weight")},
            "indicator_score": sum(i.get("score") or 0 for i in data.get("indicators", [])),
            "indicator_weight": sum(i.get("weight") or 0 for i in data.get("indicators", [])),
            "errors": counts.get("error", 0), "warnings": counts.get("warning", 0),
            "infos": counts.get("info", 0), "risk_score": risk.get("score"),
            "risk_level": risk.get("level"), "risk_flags": FLAG_SEPARATOR.join(risk.get("flags") or []),
        })
        for item in data.get("indicators", []):
            indicator_rows.append({
                "unit_id": str(data.get("unit_id")), "department": data.get("department") or "",
                "project": project, "year": data.get("year"),
                **{k: item.get(k) for k in ("seq", "level1", "level2", "name", "kind", "operator",
                                            "target", "target_text", "actual", "actual_text",
                                            "unit", "weight", "score", "reported_score", "status",
                                            "status_label", "sheet", "row")}})
    units = pd.DataFrame(unit_rows, columns=UNIT_TABLE_COLUMNS)
    indicators = pd.DataFrame(indicator_rows, columns=INDICATOR_TABLE_COLUMNS)
    for frame in (units, indicators):
        frame["year"] = pd.array(pd.to_numeric(frame["year"], errors="coerce"), dtype="Int64")
    for column in UNIT_TABLE_COLUMNS[7:]:
        if column not in ("grade", "reported_grade", "risk_level", "risk_flags"):
            units[column] = pd.to_numeric(units[column], errors="coerce")
    for column in ("seq", "target", "actual", "weight", "score", "reported_score"):
        indicators[column] = pd.to_numeric(indicators[column], errors="coerce")
    indicators["row"] = pd.array(pd.to_numeric(indicators["row"], errors="coerce"), dtype="Int64")
    indicators["sheet"] = indicators["sheet"].map(lambda v: "" if v is None or v != v else str(v))
    return units, indicators


def findings_of_results(results: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """unit_id, code, severity of every finding in result.json objects (for :func:`with_risk`)."""
    return pd.DataFrame([(str(d["unit_id"]), f.get("code"), f.get("severity"))
                         for d in results for f in d.get("findings") or []],
                        columns=["unit_id", "code", "severity"])


def year_findings_of_results(results: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The year checks' findings (FINDING_COLUMNS) that units recorded themselves: a unit run
    with ``--previous`` compares itself with last year in its own notebook."""
    year_codes = {check.code for check in all_checks() if check.scope == YEARS}
    rows = [{**f, "unit_id": str(d["unit_id"])} for d in results
            for f in d.get("findings") or [] if f.get("code") in year_codes]
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS)).astype(object)


def _add(out: Findings, check: Check, hit: Hit) -> None:
    out.add(check.code, hit.severity or check.severity, hit.mask, unit_code=hit.unit_code,
            sheet=hit.sheet, row=hit.row, column=hit.column, indicator=hit.indicator,
            message=lambda take: render_message(hit.message, check.messages, hit.fields, take))


def across_findings(units: pd.DataFrame, indicators: pd.DataFrame,
                    rules: RuleSet | str = "central",
                    previous: tuple[pd.DataFrame, pd.DataFrame] | None = None,
                    link: str = "auto") -> pd.DataFrame:
    """Findings (FINDING_COLUMNS) of the batch checks over these units and, with ``previous``
    (earlier years' flat tables), of the year checks; ``link`` is the rule of LINK_RULES."""
    rules = get_rules(rules)
    checks = all_checks()
    config = settings(rules, checks)
    previous_units, previous_indicators = previous if previous is not None else (None, None)
    ctx = AcrossContext(units, indicators, rules, config.parameters, previous_units,
                        previous_indicators, link)
    out = Findings({check.code: rank for rank, check in enumerate(checks)})
    enabled = set(config.enabled)
    scopes = {BATCH} | ({YEARS} if previous is not None else set())
    for check in checks:
        if check.code in enabled and check.scope in scopes:
            for hit in check.condition(ctx, config.parameters[check.code]):
                _add(out, check, hit)
    return out.frame(ctx.unit_ids)


def with_risk(units: pd.DataFrame, unit_findings: pd.DataFrame, more: pd.DataFrame) -> pd.DataFrame:
    """``units`` (flat) with risk_score / risk_level / risk_flags from ``unit_findings`` (at
    least unit_id, code, severity of every unit's own findings) and ``more`` (across findings)."""
    joined = pd.concat([unit_findings[["unit_id", "code", "severity"]],
                        more[["unit_id", "code", "severity"]]], ignore_index=True)
    risk = risk_table(joined, units["unit_id"].astype(str))
    units = units.copy()
    units["risk_score"] = risk["risk_score"].to_numpy(float)
    units["risk_level"] = risk["risk_level"].to_numpy(object)
    units["risk_flags"] = [FLAG_SEPARATOR.join(f) for f in risk["risk_flags"]]
    return units


def previous_year(units: pd.DataFrame, indicators: pd.DataFrame,
                  previous: tuple[pd.DataFrame, pd.DataFrame], link: str = "auto",
                  rules: RuleSet | str = "central") -> dict[str, dict[str, Any]]:
    """Per unit linked to an earlier year: result.json's ``previous_year``."""
    rules = get_rules(rules)
    ctx = AcrossContext(units, indicators, rules, settings(rules).parameters, previous[0],
                        previous[1], link)
    history = ctx.history
    if history is None or not len(history):
        return {}
    last = history[history["back"] == 1]
    linked = ctx.indicator_history
    by_i = {}
    if linked is not None and len(linked):
        for record in linked[linked["back"] == 1].to_dict("records"):
            by_i[int(record["i"])] = record
    out = {}
    ind = indicators.reset_index(drop=True)
    positions = pd.Series(np.arange(len(ind))).groupby(ctx.codes).apply(list).to_dict() \
        if len(ind) else {}
    for record in last.to_dict("records"):
        at = int(record["at"])
        unit = units.iloc[at]
        items = []
        for i in positions.get(at, []):
            row = ind.iloc[i]
            before = by_i.get(i)
            items.append({"name": _plain_text(row.get("name")),
                          "target_text": _plain_text(row.get("target_text")),
                          "actual_text": _plain_text(row.get("actual_text")),
                          "score": _rounded(row.get("score")),
                          "previous": None if before is None else {
                              "target_text": before["prev_target_text"],
                              "actual_text": before["prev_actual_text"],
                              "score": _rounded(before["prev_score"])}})
        out[str(unit["unit_id"])] = {
            "year": _int(record.get("prev_year")), "unit_id": str(record.get("unit_id")),
            "project": _plain_text(record.get("project_prev", record.get("project"))),
            "link": LINK_RULES[link],
            "total": _rounded(record.get("total_prev", record.get("total"))),
            "grade": record.get("grade_prev", record.get("grade")),
            "budget_rate": _rounded(record.get("budget_rate_prev", record.get("budget_rate")), 4),
            "this_total": _rounded(unit.get("total")),
            "this_budget_rate": _rounded(unit.get("budget_rate"), 4),
            "indicators": items}
    return out


def _plain_text(value) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _rounded(value, digits: int = 2):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else round(number, digits)


def _int(value):
    number = _rounded(value, 0)
    return None if number is None else int(number)




def risk_ranking(units: pd.DataFrame) -> pd.DataFrame:
    """Units by risk, highest first (Chinese headers): 风险分, 风险等级, 红旗 (titles)."""
    from perfnb.evaluation.risk import flag_titles

    if not len(units):
        return pd.DataFrame(columns=["单位编号", "主管部门", "项目名称", "总分", "风险分", "风险等级", "红旗"])
    order = units.assign(_score=pd.to_numeric(units["risk_score"], errors="coerce").fillna(0))
    order = order.sort_values(["_score", "unit_id"], ascending=[False, True], kind="stable")
    return pd.DataFrame({
        "单位编号": order["unit_id"].astype(str).to_numpy(),
        "主管部门": order["department"].to_numpy(object),
        "项目名称": order["project"].to_numpy(object),
        "总分": order["total"].to_numpy(float),
        "风险分": order["_score"].to_numpy(float),
        "风险等级": order["risk_level"].to_numpy(object),
        "红旗": ["、".join(flag_titles([c for c in str(f or "").split(FLAG_SEPARATOR) if c]))
               for f in order["risk_flags"]]})


def department_risk_table(units: pd.DataFrame) -> pd.DataFrame:
    """Per 主管部门: units, units at full self-score, mean and highest risk, units per red flag."""
    from perfnb.evaluation.risk import flag_titles, risk_weights

    if not len(units):
        return pd.DataFrame(columns=["主管部门", "项目数", "自评满分项目数", "平均风险分", "最高风险分",
                                     "高风险项目数"])
    frame = units.copy()
    reported = pd.to_numeric(frame["reported_total"], errors="coerce")
    own = reported.where(reported.notna(), pd.to_numeric(frame["total"], errors="coerce"))
    weight = pd.to_numeric(frame["weight_total"], errors="coerce").fillna(100)
    frame["_full"] = (own >= weight - 0.01).astype(int)
    frame["_score"] = pd.to_numeric(frame["risk_score"], errors="coerce").fillna(0)
    frame["_high"] = (frame["risk_level"] == risk_weights()["levels"][0][0]).astype(int)
    grouped = frame.groupby("department", sort=True)
    table = pd.DataFrame({"项目数": grouped.size(), "自评满分项目数": grouped["_full"].sum(),
                          "平均风险分": grouped["_score"].mean().round(2),
                          "最高风险分": grouped["_score"].max(), "高风险项目数": grouped["_high"].sum()})
    flags = frame[["department", "risk_flags"]].assign(
        flag=frame["risk_flags"].map(lambda f: [c for c in str(f or "").split(FLAG_SEPARATOR) if c]))
    flags = flags.explode("flag").dropna(subset=["flag"])
    if len(flags):
        counts = flags.groupby(["department", "flag"]).size().unstack(fill_value=0)
        counts.columns = flag_titles(counts.columns)
        table = table.join(counts).fillna(0)
    table = table.sort_values(["平均风险分"], ascending=False, kind="stable")
    return table.reset_index().rename(columns={"department": "主管部门"})


def with_previous_year(evaluation, previous: tuple[pd.DataFrame, pd.DataFrame],
                       link: str = "auto"):
    """``evaluation`` with its units compared with earlier years: the year checks' findings
    added to its findings, and ``previous_year`` per linked unit (result.json, reports)."""
    from dataclasses import replace

    units, indicators = unit_frame(evaluation), indicator_frame(evaluation)
    found = across_findings(units, indicators, evaluation.rules, previous, link)
    findings = evaluation.findings
    if len(found):
        findings = pd.concat([findings, found], ignore_index=True)
        order = {u: n for n, u in enumerate(evaluation.units["unit_id"].astype(str))}
        findings = findings.iloc[np.argsort(findings["unit_id"].astype(str).map(order).to_numpy(),
                                            kind="stable")].reset_index(drop=True)
    comparison = previous_year(units, indicators, previous, link, evaluation.rules)
    return replace(evaluation, findings=findings, previous_year=comparison)


def comparison_frame(comparisons: Mapping[str, Mapping[str, Any]], units: pd.DataFrame) -> pd.DataFrame:
    """``previous_year`` dicts as one row per unit (COMPARISON_COLUMNS)."""
    grades = dict(zip(units["unit_id"].astype(str), units["grade"])) if len(units) else {}
    rows = []
    for unit_id, item in comparisons.items():
        linked = [i for i in item["indicators"] if i.get("previous")]
        rows.append({"unit_id": unit_id, "previous_unit_id": item["unit_id"],
                     "previous_year": item["year"], "total": item["this_total"],
                     "previous_total": item["total"], "budget_rate": item["this_budget_rate"],
                     "previous_budget_rate": item["budget_rate"], "grade": grades.get(unit_id),
                     "previous_grade": item["grade"], "indicators": len(linked),
                     "targets_changed": sum(i["previous"]["target_text"] != i["target_text"]
                                            for i in linked),
                     "link": item["link"]})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


__all__ = ["UNIT_TABLE_COLUMNS", "INDICATOR_TABLE_COLUMNS", "unit_frame", "indicator_frame",
           "frames_from_results", "findings_of_results", "across_findings", "with_risk",
           "previous_year", "with_previous_year", "comparison_frame", "risk_ranking",
           "department_risk_table", "FINDING_COLUMNS"]
