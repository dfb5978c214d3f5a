"""The result of :func:`perfnb.evaluation.evaluator.evaluate`: scored tables and findings, for many units.

:class:`Evaluation` holds DataFrames stacked over units (see docs/architecture.md, "The result
object").  ``unit(id)`` slices one unit, ``to_dict(id)`` gives the JSON of ``perfnb score
--json`` and ``format_text`` a plain-text report in Chinese for the terminal (aligned for CJK
double-width characters).  How it looks in a notebook (HTML, and Typst for the PDF) is the
reporting layer's business: :mod:`perfnb.reporting.display`, registered as IPython display
formatters.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from perfnb.errors import ParameterError
from perfnb.model import (NO_TOTAL, STATUS_LABELS, STATUS_MET, STATUS_PARTIAL, STATUS_UNMET,
                          UNWEIGHTED, WEIGHTED, WEIGHTING_LABELS, UnitTables)
from perfnb.textwidth import clip, display_width, pad
from perfnb.evaluation.risk import risk_dict, risk_table
from perfnb.evaluation.rules import RuleSet
from perfnb.vocabulary import SEVERITY_LABELS

SEVERITIES = ("error", "warning", "info")


# -- value helpers ----------------------------------------------------------------------

def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, (float, np.floating)) and math.isnan(value))
    except TypeError:
        return False


def _number(value, digits: int = 2) -> float | None:
    if _missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    rounded = round(number, digits)
    return 0.0 if rounded == 0 else rounded


def _achievement_label(rank) -> str | None:
    """达成 / 部分达成 / 未达成 of an achievement rank (0 / 1 / 2; None: no achievement)."""
    from perfnb.evaluation.rules import QUALITATIVE_LEVEL_NAMES

    value = _int(rank)
    return QUALITATIVE_LEVEL_NAMES[value] if value is not None and 0 <= value < 3 else None


def _int(value) -> int | None:
    if _missing(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text(value) -> str:
    return "" if _missing(value) else str(value)


def _optional_text(value) -> str | None:
    text = _text(value).strip()
    return text or None


def _show(value, digits: int = 2) -> str:
    """A number for display: 2 decimals, '' for missing."""
    number = _number(value, digits)
    return "" if number is None else f"{number:.{digits}f}"


def _show_percent(value, digits: int = 2) -> str:
    number = _number(value, digits + 2)
    return "" if number is None else f"{number * 100:.{digits}f}%"


# A figure the form or report does not give, and a rate that cannot be computed without it.
NOT_STATED = "未填"
RATE_NOT_COMPUTABLE = "无法计算"


def partial_total_text(coverage: dict) -> str:
    """What a partial total is (rows not read left out), for the score text and the reports."""
    return (f"部分合计：总分只计入表中 {coverage['indicators_printed']} 项指标中读入的 "
            f"{coverage['indicators_counted']} 项（其余行无法读取，见 TOTAL_PARTIAL），不是完整的总分")


ACHIEVEMENTS = (STATUS_MET, STATUS_PARTIAL, STATUS_UNMET)
STATUS_COUNT_KEYS = ("met", "partial", "unmet", "missing")
# What an unweighted evaluation says instead of a total (reports, screening, terminal).
UNWEIGHTED_NOTE = "本表未印分值（权重），不计算总分和等级，作未加权评价：逐项评定完成情况"
UNWEIGHTED_TOTAL_TEXT = f"{NO_TOTAL}（{WEIGHTING_LABELS[UNWEIGHTED]}）"


# ... and what a budget-only evaluation says (a narrative report with no indicator table:
# pub24–26), where "本表未印分值" and "逐项评定" have nothing to refer to.
BUDGET_ONLY_NOTE = "报告中没有绩效指标表，不计算总分和等级，只评价预算执行"


def unweighted_note(counts: dict) -> str:
    """The sentence an unweighted evaluation prints in place of a total: the item-by-item
    note with its achievement counts, or the budget-only note when there are no indicators."""
    if not sum(int(counts.get(key) or 0) for key in STATUS_COUNT_KEYS):
        return BUDGET_ONLY_NOTE
    return f"{UNWEIGHTED_NOTE}（{achievement_text(counts)}）"


def achievement_text(counts: dict) -> str:
    """“16 项：达成 14，部分达成 0，未达成 1，缺失 1”."""
    total = sum(int(counts.get(key) or 0) for key in STATUS_COUNT_KEYS)
    parts = "，".join(f"{STATUS_LABELS[key]} {int(counts.get(key) or 0)}" for key in STATUS_COUNT_KEYS)
    return f"{total} 项：{parts}"


# -- text layout for CJK: perfnb.textwidth (display_width stays importable from here) -----

def text_table(headers: list[str], rows: list[list[str]], align: list[str] | None = None,
               max_width: int = 28) -> str:
    """A plain-text table with columns aligned by display width."""
    align = align or ["left"] * len(headers)
    rows = [[clip(cell, max_width) for cell in row] for row in rows]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in rows])
              for i, h in enumerate(headers)]
    lines = ["  ".join(pad(h, widths[i], align[i]) for i, h in enumerate(headers)).rstrip(),
             "  ".join("─" * widths[i] for i in range(len(headers)))]
    lines += ["  ".join(pad(cell, widths[i], align[i]) for i, cell in enumerate(row)).rstrip()
              for row in rows]
    return "\n".join(lines)


# -- the result object ------------------------------------------------------------------

@dataclass
class Evaluation:
    """Scored tables and audit findings of one or many units (stacked by ``unit_id``)."""

    tables: UnitTables
    rules: RuleSet
    scored: dict[str, pd.DataFrame] = field(repr=False)
    findings: pd.DataFrame = field(repr=False)
    # unit id -> this year against the linked earlier year (perfnb.evaluation.redflags)
    previous_year: dict = field(default_factory=dict, repr=False)

    @property
    def units(self) -> pd.DataFrame:
        return self.tables.units

    @property
    def indicators(self) -> pd.DataFrame:
        return self.scored["indicators"]

    @property
    def budgets(self) -> pd.DataFrame:
        return self.scored["budgets"]

    @property
    def dimensions(self) -> pd.DataFrame:
        return self.scored["dimensions"]

    @property
    def totals(self) -> pd.DataFrame:
        return self.scored["totals"]

    @property
    def unit_ids(self) -> list[str]:
        return [str(u) for u in self.units["unit_id"]]

    def weighting(self, unit_id: str | None = None) -> str:
        """WEIGHTED, or UNWEIGHTED for a unit whose form prints no weights (no total)."""
        totals = self.unit(unit_id).totals
        value = totals.iloc[0].get("weighting") if len(totals) else None
        return UNWEIGHTED if value == UNWEIGHTED else WEIGHTED

    def is_unweighted(self, unit_id: str | None = None) -> bool:
        return self.weighting(unit_id) == UNWEIGHTED

    def status_counts(self, unit_id: str | None = None) -> dict[str, int]:
        """How many of the unit's indicators are 达成 / 部分达成 / 未达成 / 缺失."""
        total = self.unit(unit_id).totals.iloc[0]
        return {key: int(_int(total.get(key)) or 0) for key in STATUS_COUNT_KEYS}

    # -- the evaluator's review (复核) ------------------------------------------------------
    @property
    def final_totals(self) -> pd.DataFrame:
        """Totals and grade of the final figures (复核得分: the review's, else computed)."""
        return self.scored.get("final_totals", self.totals)

    @property
    def final_dimensions(self) -> pd.DataFrame:
        return self.scored.get("final_dimensions", self.dimensions)

    @property
    def reviews(self) -> pd.DataFrame:
        """One row per reviewed unit: evaluator, date, opinion, conclusion, source."""
        return self.scored.get("reviews", self.tables.reviews)

    def has_review(self, unit_id: str | None = None) -> bool:
        unit_id = self._resolve(unit_id)
        return bool((self.reviews["unit_id"].astype(str) == unit_id).any())

    def review_record(self, unit_id: str | None = None) -> dict | None:
        """The unit's review (evaluator, date, opinion, conclusion, source), None if none."""
        unit_id = self._resolve(unit_id)
        rows = self.reviews[self.reviews["unit_id"].astype(str) == unit_id]
        if not len(rows):
            return None
        row = rows.iloc[0]
        return {key: _text(row.get(key)) for key in
                ("evaluator", "date", "opinion", "conclusion", "source")}

    def final_scores(self) -> np.ndarray:
        """复核得分 of every indicator row (the computed score where not reviewed)."""
        if "final_score" in self.indicators.columns:
            return self.indicators["final_score"].to_numpy(float)
        return self.indicators["score"].to_numpy(float)

    def reviewed_dict(self, unit_id: str | None = None) -> dict[str, Any] | None:
        """The ``reviewed`` block of the JSON: final total/grade, per indicator the final
        score and the reason, the decision on each finding (None: no review)."""
        one = self.unit(unit_id)
        record = one.review_record()
        if record is None:
            return None
        total = one.final_totals.iloc[0]
        indicators = []
        for r in one.indicators.to_dict("records"):
            reviewed = bool(r.get("reviewed"))
            indicators.append({
                "seq": _int(r.get("seq")), "level1": _text(r.get("level1")),
                "level2": _text(r.get("level2")), "name": _text(r.get("name")),
                "weight": _number(r.get("weight")),
                "reported_score": _number(r.get("reported_score")),
                "computed_score": _number(r.get("score")),
                "final_score": _number(r.get("final_score")),
                "reviewed": reviewed,
                "level": _optional_text(r.get("review_level")) if reviewed else None,
                "reason": _text(r.get("review_reason")) if reviewed else "",
                "clauses": list(r.get("review_clauses") or []) if reviewed else [],
                "severity": _optional_text(r.get("review_severity")) if reviewed else None,
                "actual": _optional_text(r.get("review_actual")) if reviewed else None,
                "evidence": list(r.get("review_evidence") or []) if reviewed else [],
                "deviation": {"ratio": _number(r.get("deviation"), 4),
                              "gap": _number(r.get("deviation_gap"))},
                # an unweighted unit's indicator is reviewed by achievement (达成/部分达成/未达成)
                **({"achievement": {"self": _achievement_label(r.get("achievement_rank")),
                                    "review": _achievement_label(r.get("review_achievement_rank"))}}
                   if r.get("unweighted") is True or r.get("unweighted") == 1 else {}),
            })
        findings = [{
            "code": f["code"], "severity": f["severity"],
            "location": {"sheet": _optional_text(f["sheet"]), "row": _int(f["row"]),
                         "column": _optional_text(f["column"]),
                         "indicator": _optional_text(f["indicator"])},
            "decision": _optional_text(f.get("decision")),
            "reason": _text(f.get("decision_reason")),
        } for f in one.findings.to_dict("records")]
        decisions = [f["decision"] for f in findings]
        return {
            **record,
            "total": _number(total["total"]), "grade": _optional_text(total["grade"]),
            "computed_total": _number(one.totals.iloc[0]["total"]),
            "computed_grade": _optional_text(one.totals.iloc[0]["grade"]),
            "dimensions": [{"name": d["level1"], "weight": _number(d["weight"]),
                            "score": _number(d["score"]),
                            "score_rate": _number(d["score_rate"], 4)}
                           for d in one.final_dimensions.to_dict("records")],
            "adjusted": sum(1 for i in indicators if i["reviewed"]),
            "indicators": indicators,
            "findings": findings,
            "adopted": decisions.count("采纳"), "rejected": decisions.count("不采纳"),
            "deviation": one.deviation_dict(),
            "review_rules": one.review_rules_dict(),
        }

    def deviation_record(self, unit_id: str | None = None) -> dict | None:
        """The unit's row of the 偏离度 table (None: no review)."""
        unit_id = self._resolve(unit_id)
        table = self.scored.get("deviations")
        if table is None:
            return None
        rows = table[table["unit_id"].astype(str) == unit_id]
        return rows.iloc[0].to_dict() if len(rows) else None

    def deviation_dict(self, unit_id: str | None = None) -> dict | None:
        """Project-level 偏离度: 自评 and 复核 totals, (自评 − 复核) ÷ 自评, the gap, grades."""
        row = self.deviation_record(unit_id)
        if row is None:
            return None
        return {"self_total": _number(row["self_total"]), "review_total": _number(row["review_total"]),
                "ratio": _number(row["deviation"], 4), "gap": _number(row["gap"]),
                "self_grade": _optional_text(row["self_grade"]),
                "review_grade": _optional_text(row["review_grade"]),
                "grade_changed": bool(row["grade_changed"]),
                # "score": (自评 − 复核) ÷ 自评; "achievement" (unweighted units): the share of
                # indicators whose 达成/部分达成/未达成 the review changed (see reviewing.py)
                "basis": _optional_text(row.get("basis")) or "score",
                **({"indicators_changed": _int(row.get("changed")),
                    "indicators_compared": _int(row.get("compared"))}
                   if row.get("basis") == "achievement" else {})}

    def review_rules_dict(self, unit_id: str | None = None) -> dict | None:
        row = self.deviation_record(unit_id)
        if row is None:
            return None
        return {"name": row["review_rules"], "title": row["review_rules_title"],
                "sha256": row["review_rules_sha256"]}

    def self_evaluation_quality(self, unit_id: str | None = None) -> dict | None:
        """The unit's 自评质量 grade (from its |偏离度| and the review profile's bands)."""
        row = self.deviation_record(unit_id)
        if row is None:
            return None
        return {"grade": _optional_text(row["quality"]), "deviation": _number(row["deviation"], 4),
                "review_rules": row["review_rules"]}

    def __len__(self) -> int:
        return len(self.units)

    def __repr__(self) -> str:
        return (f"Evaluation({len(self)} 个单位, 规则 {self.rules.name}, "
                f"{len(self.findings)} 条审核发现)")

    # -- slicing --------------------------------------------------------------------------
    def _resolve(self, unit_id: str | None) -> str:
        ids = self.unit_ids
        if unit_id is None:
            if len(ids) != 1:
                raise ParameterError(f"评价结果包含 {len(ids)} 个单位，请指定单位编号"
                                     f"（如 {', '.join(ids[:3])}）。")
            return ids[0]
        unit_id = str(unit_id)
        if unit_id not in ids:
            shown = "、".join(ids[:10]) + ("……" if len(ids) > 10 else "")
            raise ParameterError(f"评价结果中没有单位“{unit_id}”。已有的单位：{shown}。")
        return unit_id

    def unit(self, unit_id: str | None = None) -> "Evaluation":
        """One unit's slice (``None``: the only unit)."""
        unit_id = self._resolve(unit_id)
        if len(self) == 1:
            return self

        def pick(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["unit_id"].astype(str) == unit_id].reset_index(drop=True)

        scored = {name: pick(frame) for name, frame in self.scored.items()}
        return Evaluation(self.tables.select(unit_id), self.rules, scored, pick(self.findings),
                          {k: v for k, v in self.previous_year.items() if k == unit_id})

    # -- JSON -----------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        counts = self.findings["severity"].value_counts()
        return {s: int(counts.get(s, 0)) for s in SEVERITIES}

    def to_dict(self, unit_id: str | None = None) -> dict[str, Any]:
        """The JSON object of one unit (docs/architecture.md); numbers rounded, NaN -> None."""
        one = self.unit(unit_id)
        unit = one.units.iloc[0]
        total = one.totals.iloc[0]
        budget = one.budgets.iloc[0] if len(one.budgets) else pd.Series(dtype=object)
        indicators = []
        for record in one.indicators.to_dict("records"):
            status = _text(record.get("status"))
            indicators.append({
                "seq": _int(record.get("seq")),
                "level1": _text(record.get("level1")),
                "level2": _text(record.get("level2")),
                "name": _text(record.get("name")),
                "kind": _text(record.get("kind")),
                "declared_kind": _optional_text(record.get("declared_kind")),
                "declared_direction": _optional_text(record.get("declared_direction")),
                "operator": _optional_text(record.get("operator_used")),
                "target": _number(record.get("target"), 4),
                "target_text": _text(record.get("target_text")),
                "target_grade": _optional_text(record.get("target_grade")),
                "actual": _number(record.get("actual"), 4),
                "actual_text": _text(record.get("actual_text")),
                "actual_grade": _optional_text(record.get("actual_grade")),
                "unit": _text(record.get("measure_unit")),
                "weight": _number(record.get("weight")),
                "score": _number(record.get("score")),
                "reported_score": _number(record.get("reported_score")),
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "completion_ratio": _number(record.get("completion_ratio"), 4),
                "achievement": STATUS_LABELS[status] if status in ACHIEVEMENTS else None,
                "qualitative_level": _optional_text(record.get("qualitative_level")),
                "over_achieved": bool(record.get("over_achieved")),
                "deviation_reason": _text(record.get("deviation_reason")),
                "sheet": _optional_text(record.get("sheet")),
                "row": _int(record.get("row")),
            })
        findings = [{
            "code": f["code"], "severity": f["severity"],
            "location": {"sheet": _optional_text(f["sheet"]), "row": _int(f["row"]),
                         "column": _optional_text(f["column"]),
                         "indicator": _optional_text(f["indicator"])},
            "message": f["message"],
        } for f in one.findings.to_dict("records")]
        return {
            "unit_id": _text(unit["unit_id"]),
            "department": _text(unit.get("department")),
            "implementing_unit": _text(unit.get("implementing_unit")),
            "project": _text(unit.get("project")),
            "year": _int(unit.get("year")),
            "rules": {"name": self.rules.name, "title": self.rules.title,
                      "sha256": self.rules.sha256},
            "total": _number(total["total"]),
            "grade": _optional_text(total["grade"]),
            "weight_total": _number(total["weight"]),
            "weighting": one.weighting(),
            "weighting_label": WEIGHTING_LABELS[one.weighting()],
            "achievement": one.status_counts(),
            "reported": {"total": _number(unit.get("reported_total")),
                         "grade": _optional_text(unit.get("reported_grade"))},
            "reported_score_sum": _number(total.get("reported_sum")),
            "budget": {
                "initial": _number(budget.get("initial")),
                "adjusted": _number(budget.get("adjusted")),
                "executed": _number(budget.get("executed")),
                "rate": _number(budget.get("rate"), 4),
                "weight": _number(budget.get("effective_weight")),
                "score": _number(budget.get("score")),
                "reported_rate": _number(budget.get("reported_rate"), 4),
                "reported_score": _number(budget.get("reported_score")),
                "reason": _text(budget.get("reason")),
            },
            "dimensions": [{"name": d["level1"], "weight": _number(d["weight"]),
                            "score": _number(d["score"]),
                            "score_rate": _number(d["score_rate"], 4),
                            "indicators": _int(d.get("indicator_count")) or 0,
                            **{key: _int(d.get(key)) or 0 for key in STATUS_COUNT_KEYS}}
                           for d in one.dimensions.to_dict("records")],
            "indicators": indicators,
            "findings": findings,
            "counts": one.counts(),
            "reviewed": one.reviewed_dict(),
            "self_evaluation_quality": one.self_evaluation_quality(),
            **one._coverage(),
            "risk": risk_dict(one.findings, _text(unit["unit_id"])),
            **({"previous_year": self.previous_year[_text(unit["unit_id"])]}
               if _text(unit["unit_id"]) in self.previous_year else {}),
        }

    def _coverage(self) -> dict:
        """How many of the printed indicator rows the total covers (rows that could not be
        read are left out: ROW_NOT_READ, and each table with such rows has a TOTAL_PARTIAL),
        for one unit's JSON."""
        counted = len(self.indicators)
        observations = self.tables.observations
        partial = observations[observations["code"] == "TOTAL_PARTIAL"] if len(observations) \
            else observations
        unread = sum(int(f.get("printed", 0)) - int(f.get("counted", 0)) for f in partial["fields"])
        return {"partial_total": bool(len(partial)), "indicators_counted": counted,
                "indicators_printed": counted + max(unread, 0)}

    def to_json(self, unit_id: str | None = None, indent: int | None = 2) -> str:
        """JSON text: one unit's object; with several units and no ``unit_id``, a list."""
        if unit_id is None and len(self) != 1:
            data: Any = [self.to_dict(uid) for uid in self.unit_ids]
        else:
            data = self.to_dict(unit_id)
        return json.dumps(data, ensure_ascii=False, indent=indent)

    # -- summaries ------------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """One row per unit: project, total, grade and finding counts."""
        counts = (self.findings.groupby(["unit_id", "severity"]).size().unstack(fill_value=0)
                  if len(self.findings) else pd.DataFrame())
        frame = pd.DataFrame({
            "unit_id": self.units["unit_id"].astype(str).to_numpy(),
            "department": self.units.get("department", pd.Series([""] * len(self))).to_numpy(),
            "project": self.units.get("project", pd.Series([""] * len(self))).to_numpy(),
            "total": self.totals["total"].to_numpy(),
            "grade": self.totals["grade"].to_numpy(),
            "reported_total": self.units.get("reported_total",
                                             pd.Series([np.nan] * len(self))).to_numpy(),
        })
        for severity in SEVERITIES:
            column = counts[severity] if severity in counts else pd.Series(dtype=int)
            frame[severity] = frame["unit_id"].map(column).fillna(0).astype(int).to_numpy()
        # the final figures (复核得分: the evaluator's review where given, else computed)
        frame["reviewed"] = frame["unit_id"].isin(set(self.reviews["unit_id"].astype(str))).to_numpy()
        frame["reviewed_total"] = self.final_totals["total"].to_numpy()
        frame["reviewed_grade"] = self.final_totals["grade"].to_numpy()
        risk = risk_table(self.findings, frame["unit_id"])
        frame["risk_score"] = risk["risk_score"].to_numpy()
        frame["risk_flags"] = risk["risk_flags"].to_numpy()
        return frame

    # -- plain text -----------------------------------------------------------------------
    def format_text(self, unit_id: str | None = None) -> str:
        """A readable plain-text report in Chinese (all units' summary when several)."""
        if unit_id is None and len(self) != 1:
            summary = self.summary()
            rows = [[r.unit_id, _text(r.project), _show(r.total), _text(r.grade), str(r.error),
                     str(r.warning), str(r.info)] for r in summary.itertuples()]
            return (f"评分规则：{self.rules.title}\n共 {len(self)} 个单位\n\n"
                    + text_table(["单位编号", "项目", "总分", "等级", "错误", "警告", "提示"], rows,
                                 ["left", "left", "right", "left", "right", "right", "right"]))
        one = self.unit(unit_id)
        unit = one.units.iloc[0]
        total = one.totals.iloc[0]
        lines = []
        year = _int(unit.get("year"))
        title = _text(unit.get("project")) or _text(unit["unit_id"])
        where = "，".join(x for x in (_text(unit.get("department")),
                                      f"{year} 年" if year else "") if x)
        lines.append(f"{title}（{where}）" if where else title)
        lines.append(f"单位编号：{_text(unit['unit_id'])}    评分规则：{self.rules.title}")
        reported_total = _number(unit.get("reported_total"))
        reported = ""
        if reported_total is not None or _optional_text(unit.get("reported_grade")):
            reported = (f"    自评：{'' if reported_total is None else f'{reported_total:g} 分'}"
                        f"{'，' + _text(unit.get('reported_grade')) if _optional_text(unit.get('reported_grade')) else ''}")
        unweighted = one.is_unweighted()
        if unweighted:
            lines.append(f"总分：{UNWEIGHTED_TOTAL_TEXT}    等级：—{reported}")
            lines.append(unweighted_note(one.status_counts()))
            if _number(total.get("reported_sum")) is not None:
                lines.append(f"填报的各项得分之和：{_show(total.get('reported_sum'))} 分")
        else:
            lines.append(f"总分：{_show(total['total'])} / {_show(total['weight'])}    "
                         f"等级：{_text(total['grade'])}{reported}")
            coverage = one._coverage()
            if coverage["partial_total"]:
                lines.append(partial_total_text(coverage))
        review = one.review_record()
        if review is not None:
            final = one.final_totals.iloc[0]
            figure = (f"{_show(final['total'])} 分，{_text(final['grade'])}"
                      if not _missing(final.get("total")) else "按达成情况复核（未加权，不计总分）")
            lines.append(f"复核：{figure}    复核人：{review['evaluator']}（{review['date']}）")
            deviation = one.deviation_dict()
            if deviation and deviation["ratio"] is not None and deviation["basis"] == "achievement":
                quality = (one.self_evaluation_quality() or {}).get("grade")
                lines.append(f"偏离度（按达成情况）：{_show_percent(deviation['ratio'])}（复核改变了 "
                             f"{deviation['indicators_compared']} 个指标中 {deviation['indicators_changed']} "
                             "个的达成情况）" + (f"    自评质量：{quality}" if quality else ""))
            elif deviation and deviation["ratio"] is not None:
                quality = (one.self_evaluation_quality() or {}).get("grade")
                lines.append(f"偏离度：{_show_percent(deviation['ratio'])}（自评 {_show(deviation['self_total'])}"
                             f" − 复核 {_show(deviation['review_total'])} = {_show(deviation['gap'])} 分）"
                             + (f"，等级由{deviation['self_grade']}调为{deviation['review_grade']}"
                                if deviation["grade_changed"] else "")
                             + (f"    自评质量：{quality}" if quality else ""))
        budget = one.budgets.iloc[0]
        base_label = "全年预算数" if not _missing(budget.get("adjusted")) else "年初预算数"
        budget_score = (f"得分 {_show(budget.get('score'))} / {_show(budget.get('effective_weight'))}"
                        if not _missing(budget.get("effective_weight"))
                        else "不计分（表中未印其分值）" if len(one.indicators) else "不计分（报告中未列其分值）")
        base, executed = (f"{_show(budget.get(key))} 万元" if not _missing(budget.get(key))
                          else NOT_STATED for key in ("base", "executed"))
        rate = _show_percent(budget.get("rate")) or RATE_NOT_COMPUTABLE
        lines.append(f"预算执行：{base_label} {base}，全年执行数 {executed}，执行率 {rate}，"
                     f"{budget_score}")
        lines.append("")
        dimension_rows = [[_text(d["level1"]), _show(d["weight"]), _show(d["score"]),
                           _show_percent(d["score_rate"], 1)]
                          for d in one.dimensions.to_dict("records")]
        dimension_headers = ["一级指标", "分值", "得分", "得分率"]
        if unweighted:
            dimension_headers = ["一级指标", "指标数", "达成", "部分达成", "未达成", "缺失"]
            dimension_rows = [[_text(d["level1"]), *[str(_int(d.get(key)) or 0) for key in
                                                     ("indicator_count", *STATUS_COUNT_KEYS)]]
                              for d in one.dimensions.to_dict("records")
                              if d["level1"] != "预算执行率"]
        if review is not None:
            dimension_headers.append("复核得分")
            for row, d in zip(dimension_rows, one.final_dimensions.to_dict("records")):
                row.append(_show(d["score"]))
        if dimension_rows:   # a report with no indicator table has neither table
            lines.append(text_table(dimension_headers, dimension_rows,
                                    ["left"] + ["right"] * (len(dimension_headers) - 1)))
            lines.append("")
        headers = ["二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分", "自评得分", "完成情况"]
        rows = [[_text(r.get("level2")), _text(r.get("name")), _text(r.get("target_text")),
                 _text(r.get("actual_text")), _show(r.get("weight")), _show(r.get("score")),
                 _show(r.get("reported_score")), STATUS_LABELS.get(_text(r.get("status")), "")]
                for r in one.indicators.to_dict("records")]
        align = ["left", "left", "left", "left", "right", "right", "right", "left"]
        if unweighted:   # no weights, no computed scores: the completion instead
            headers = ["二级指标", "三级指标", "指标值", "实际完成值", "完成率", "自评得分", "完成情况"]
            rows = [[row[0], row[1], row[2], row[3], _show_percent(r.get("completion_ratio"), 0),
                     row[6], row[7]] for row, r in zip(rows, one.indicators.to_dict("records"))]
            align = ["left", "left", "left", "left", "right", "right", "left"]
        if review is not None:
            headers += ["复核得分", "复核理由"]
            align += ["right", "left"]
            for row, r in zip(rows, one.indicators.to_dict("records")):
                row += [_show(r.get("final_score")),
                        _text(r.get("review_reason")) if r.get("reviewed") else ""]
        if rows:
            lines.append(text_table(headers, rows, align, max_width=24))
            lines.append("")
        counts = one.counts()
        lines.append(f"审核发现：错误 {counts['error']} 条，警告 {counts['warning']} 条，"
                     f"提示 {counts['info']} 条")
        comparison = self.previous_year.get(_text(unit["unit_id"]))
        if comparison is not None:
            lines.append("")
            lines.append(previous_year_text(comparison))
        risk = risk_dict(one.findings, _text(unit["unit_id"]))
        lines.append(f"风险分：{risk['score']:g}（{risk['level']}）"
                     + (f"    红旗：{'、'.join(risk['titles'])}" if risk["flags"] else ""))
        for f in one.findings.to_dict("records"):
            place = "，".join(x for x in (
                f"第 {_int(f['row'])} 行" if _int(f["row"]) is not None else "",
                f"“{_text(f['column'])}”列" if _optional_text(f["column"]) else "") if x)
            decision = _optional_text(f.get("decision"))
            lines.append(f"  [{SEVERITY_LABELS.get(f['severity'], f['severity'])}] {f['code']}"
                         f"{'（' + place + '）' if place else ''}：{f['message']}"
                         + (f"  〔复核：{decision}"
                            f"{'，' + _text(f.get('decision_reason')) if _optional_text(f.get('decision_reason')) else ''}〕"
                            if decision else ""))
        return "\n".join(lines)


def previous_year_text(comparison: dict) -> str:
    """The 与上年比较 section of the plain-text report."""
    year = comparison.get("year")
    before = f"{year} 年" if year else "上年"
    lines = [f"与上年比较（{before}，单位编号 {comparison.get('unit_id')}；对应规则：{comparison.get('link')}）",
             f"总分：{_show(comparison.get('total'))} → {_show(comparison.get('this_total'))}    "
             f"预算执行率：{_show_percent(comparison.get('budget_rate'))} → "
             f"{_show_percent(comparison.get('this_budget_rate'))}"]
    rows = []
    for item in comparison.get("indicators", []):
        last = item.get("previous") or {}
        rows.append([item["name"], last.get("target_text", "—"), item["target_text"],
                     last.get("actual_text", "—"), item["actual_text"],
                     _show(last.get("score")) if last else "—", _show(item.get("score"))])
    lines.append(text_table(["三级指标", "上年指标值", "今年指标值", "上年完成值", "今年完成值", "上年得分",
                             "今年得分"], rows, ["left"] * 5 + ["right", "right"], max_width=24))
    return "\n".join(lines)


__all__ = ["Evaluation", "display_width", "text_table", "SEVERITY_LABELS"]
