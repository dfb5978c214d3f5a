"""The narrative 绩效自评报告 of one unit, from an Evaluation, through Jinja2 templates.

The outline follows the standard self-evaluation report (domain.md §5)::

    一、项目基本情况        basic
    二、绩效自评工作情况    work
    三、项目绩效情况        performance
    四、存在问题            problems
    五、其他需要说明的问题  other
    综合评价及结论          conclusion
    审核发现                findings

Each section is an HTML fragment rendered from ``perfnb/reporting/templates/narrative/<id>.html.j2``
with autoescaping on: text that comes from the data (project names, reasons, the
evaluator's notes) is always shown as text, never interpreted as HTML.  Every number in the
text goes through the filters below, which round exactly as :meth:`Evaluation.to_dict`
does (scores 2 decimals, rates 4 decimals shown as a percentage with 2), so the text and
the tables always agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from perfnb.reporting import typst_markup

from perfnb.model import (BUDGET_DIMENSION, KIND_QUANTITATIVE, LEVEL1_ORDER, OPERATOR_SYMBOLS,
                    STATUS_LABELS,
                    STATUS_MET, STATUS_MISSING, STATUS_PARTIAL, STATUS_UNMET)
from perfnb.cells import as_text, is_blank, is_missing
from perfnb.vocabulary import SEVERITY_LABELS, named_years
from perfnb.reporting.phrases import partial_total_text

__all__ = ["SECTIONS", "NO_REASON", "Narrative", "report_context", "report_title", "year_ref",
           "render_section", "render_report", "section", "report"]

# section id -> heading, in report order
SECTIONS = {
    "basic": "一、项目基本情况",
    "work": "二、绩效自评工作情况",
    "performance": "三、项目绩效情况",
    "problems": "四、存在问题",
    "other": "五、其他需要说明的问题",
    "conclusion": "综合评价及结论",
    "findings": "审核发现",
}
NO_REASON = "单位未说明偏差原因"
NO_BUDGET_REASON = "单位未说明预算执行率偏低的原因"
LOW_EXECUTION_RATE = 0.9
CHINESE_ORDINALS = "一二三四五六七八九十"


# --- number formats (the single place where figures become text) ----------------------


def format_score(value) -> str:
    """A score or weight: rounded to 2 decimals, trailing zeros dropped (3.75, 5, 97.6)."""
    if is_missing(value):
        return "—"
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_amount(value) -> str:
    """An amount in 万元 with thousands separators and 2 decimals (2,229.00)."""
    if is_missing(value):
        return "—"
    return f"{round(float(value), 2):,.2f}"


def format_percent(value) -> str:
    """A fraction as a percentage: rounded to 4 decimals first, shown with 2 (88.49%)."""
    if is_missing(value):
        return "—"
    return f"{round(float(value), 4) * 100:.2f}%"


def format_value(value) -> str:
    """A measured value (target or actual) without trailing zeros (12, 1,972.41)."""
    if is_missing(value):
        return "—"
    text = f"{round(float(value), 4):,.4f}".rstrip("0").rstrip(".")
    return text


def paragraphs(text) -> Markup:
    """Free text from the data as escaped HTML paragraphs, one per non-empty line."""
    if is_blank(text):
        return Markup("")
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(line) for line in lines)


# --- indicator values as shown --------------------------------------------------------

def _with_unit(text: str, row) -> str:
    """Add the measure unit to a bare number ("3" -> "3批次"); percentages stay as written."""
    measure_unit = as_text(row.get("measure_unit"))
    if measure_unit and text and measure_unit != "%" and not text.endswith(measure_unit) \
            and row.get("kind") == KIND_QUANTITATIVE:
        return f"{text}{measure_unit}"
    return text


def target_display(row) -> str:
    """年度指标值 as shown in the report: as written, with its operator and unit (≥4批次)."""
    text = as_text(row.get("target_text"))
    operator = row.get("operator")
    if operator in (">=", ">", "<=", "<") and text \
            and not text.startswith(tuple(OPERATOR_SYMBOLS.values()) + ("<", ">", "＞", "＜")):
        text = OPERATOR_SYMBOLS[operator] + text
    return _with_unit(text, row) or "—"


def actual_display(row) -> str:
    """实际完成值 as shown in the report: as written, with its unit (3批次)."""
    return _with_unit(as_text(row.get("actual_text")), row) or "—"


# --- context ---------------------------------------------------------------------------

def _indicator_context(row, unweighted: bool = False) -> dict:
    weight = row.get("weight")
    score = row.get("score")
    status = row.get("status") or STATUS_MISSING
    below_full = (not is_missing(weight)) and (is_missing(score) or round(float(score), 2)
                                              < round(float(weight), 2))
    # without weights, what needs a word is an indicator not (fully) achieved
    below_full = below_full or (unweighted and status in (STATUS_PARTIAL, STATUS_UNMET,
                                                          STATUS_MISSING))
    over = bool(row.get("over_achieved")) if not is_missing(row.get("over_achieved")) else False
    reason = as_text(row.get("deviation_reason"))
    reviewed = bool(row.get("reviewed")) if not is_missing(row.get("reviewed")) else False
    final = row.get("final_score")
    return {
        # 复核得分: the evaluator's where reviewed, else the computed score
        "final_score": score if is_missing(final) else final, "reviewed": reviewed,
        "review_reason": as_text(row.get("review_reason")) if reviewed else "",
        "review_level": as_text(row.get("review_level")) if reviewed else "",
        "review_clauses": as_text(row.get("review_clause_text")) if reviewed else "",
        "level1": as_text(row.get("level1")), "level2": as_text(row.get("level2")),
        "name": as_text(row.get("name")), "kind": row.get("kind"),
        "target": target_display(row), "actual": actual_display(row),
        "weight": weight, "score": score, "reported_score": row.get("reported_score"),
        "status": status, "status_label": STATUS_LABELS.get(status, status),
        "completion_ratio": row.get("completion_ratio"),
        "over_achieved": over, "below_full": bool(below_full),
        "needs_analysis": bool(below_full or over),
        "reason": reason,
    }


def _dimension_contexts(unit_indicators: list[dict], dimensions: pd.DataFrame) -> list[dict]:
    names = [n for n in LEVEL1_ORDER]
    names += [n for n in dict.fromkeys(i["level1"] for i in unit_indicators) if n not in names]
    rows = {r["level1"]: r for _, r in dimensions.iterrows()}
    # a group that holds only the budget printed in it (its 预算执行率 row) is a line of its own
    names += [n for n in rows if n not in names and n != BUDGET_DIMENSION]
    result = []
    for name in names:
        items = [i for i in unit_indicators if i["level1"] == name]
        if not items and name not in rows:
            continue
        level2 = list(dict.fromkeys(i["level2"] for i in items if i["level2"]))
        groups = [{"name": l2, "indicators": [i for i in items if i["level2"] == l2]}
                  for l2 in level2]
        ungrouped = [i for i in items if not i["level2"]]
        if ungrouped:
            groups.append({"name": "", "indicators": ungrouped})
        row = rows.get(name)
        result.append({
            "name": name, "groups": groups, "count": len(items),
            **{status: sum(1 for i in items if i["status"] == status)
               for status in (STATUS_MET, STATUS_PARTIAL, STATUS_UNMET, STATUS_MISSING)},
            "weight": row["weight"] if row is not None else sum(_nz(i["weight"]) for i in items),
            "score": row["score"] if row is not None else sum(_nz(i["score"]) for i in items),
            "score_rate": row["score_rate"] if row is not None else float("nan"),
        })
    return result


def _budget_score(unit) -> float:
    """The unit's scored budget execution (NaN when it has none)."""
    budgets = unit.budgets
    return float(budgets["score"].iloc[0]) if len(budgets) and "score" in budgets else float("nan")


def _budget_group(unit, dimensions: list[dict]) -> str:
    """The 一级 group whose line includes the budget (printed as its 预算执行率 item), else ''."""
    if any(d["name"] == BUDGET_DIMENSION for d in dimensions) or "item_level1" not in unit.budgets:
        return ""
    return as_text(unit.budgets["item_level1"].iloc[0]) if len(unit.budgets) else ""


def _nz(value) -> float:
    return 0.0 if is_missing(value) else float(value)


def _location(finding) -> str:
    parts = []
    if not is_blank(finding.get("sheet")):
        parts.append(f"工作表“{finding['sheet']}”")
    if not is_missing(finding.get("row")):
        parts.append(f"第 {int(finding['row'])} 行")
    if not is_blank(finding.get("column")):
        parts.append(f"“{finding['column']}”列")
    if not is_blank(finding.get("indicator")):
        parts.append(f"{finding['indicator']}")
    return "，".join(parts)


def report_context(evaluation, unit_id=None) -> dict:
    """Everything the templates need for one unit, as plain Python values."""
    unit = evaluation.unit(unit_id)
    info = unit.units.iloc[0]
    budget = unit.budgets.iloc[0] if len(unit.budgets) else pd.Series(dtype=object)
    totals = unit.totals.iloc[0] if len(unit.totals) else pd.Series(dtype=object)
    unweighted = unit.is_unweighted() if hasattr(unit, "is_unweighted") else False
    indicators = [_indicator_context(row, unweighted) for _, row in
                  unit.indicators.sort_values("seq").iterrows()]
    dimensions = _dimension_contexts(indicators, unit.dimensions)
    budget_dimension = next((r for _, r in unit.dimensions.iterrows()
                             if r["level1"] == BUDGET_DIMENSION), None)
    counts = {status: sum(1 for i in indicators if i["status"] == status)
              for status in (STATUS_MET, STATUS_PARTIAL, STATUS_UNMET, STATUS_MISSING)}
    findings = []
    for _, finding in unit.findings.iterrows():
        findings.append({"code": finding.get("code"), "severity": finding.get("severity"),
                         "severity_label": SEVERITY_LABELS.get(finding.get("severity"),
                                                               finding.get("severity")),
                         "location": _location(finding), "message": as_text(finding.get("message")),
                         "decision": as_text(finding.get("decision")),
                         "decision_reason": as_text(finding.get("decision_reason"))})
    severity_counts = {s: sum(1 for f in findings if f["severity"] == s) for s in SEVERITY_LABELS}
    lines = [{"label": as_text(r.get("label")), "initial": r.get("initial"),
              "adjusted": r.get("adjusted"), "executed": r.get("executed")}
             for _, r in unit.tables.budget_lines[
                 unit.tables.budget_lines["unit_id"] == info["unit_id"]].iterrows()
             if not bool(r.get("is_total"))
             and not all(is_missing(r.get(k)) for k in ("initial", "adjusted", "executed"))
             ] if hasattr(unit, "tables") else []
    rate = budget.get("rate")
    year = info.get("year")
    rules = getattr(unit, "rules", None)
    context = {
        "unit_id": str(info["unit_id"]),
        "department": as_text(info.get("department")),
        "implementing_unit": as_text(info.get("implementing_unit")),
        "project": as_text(info.get("project")),
        "year": "" if is_missing(year) else str(int(year)),
        "goal_planned": as_text(info.get("goal_planned")),
        "goal_actual": as_text(info.get("goal_actual")),
        "problems": as_text(info.get("problems")), "measures": as_text(info.get("measures")),
        "plans": as_text(info.get("plans")), "notes": as_text(info.get("notes")),
        "reported_total": info.get("reported_total"),
        "reported_grade": as_text(info.get("reported_grade")),
        "budget": {
            "initial": budget.get("initial"), "adjusted": budget.get("adjusted"),
            "executed": budget.get("executed"), "rate": rate,
            "weight": budget.get("effective_weight", budget.get("weight")),
            "score": budget.get("score"),
            "reported_rate": budget.get("reported_rate"),
            "reported_score": budget.get("reported_score"),
            "reason": as_text(budget.get("reason")),
            "low": (not is_missing(rate)) and float(rate) < LOW_EXECUTION_RATE,
            "base_label": "全年预算数" if not is_missing(budget.get("adjusted")) else "年初预算数",
        },
        "budget_lines": lines,
        # the 一级 group whose line includes the budget (its 预算执行率 item printed there)
        "budget_in": _budget_group(unit, [{"name": r["level1"]} for _, r in
                                          unit.dimensions.iterrows()]),
        "budget_dimension": None if budget_dimension is None else {
            "weight": budget_dimension["weight"], "score": budget_dimension["score"],
            "score_rate": budget_dimension["score_rate"]},
        "indicators": indicators,
        "dimensions": dimensions,
        "counts": counts,
        "analysed": [i for i in indicators if i["needs_analysis"]],
        "total": totals.get("total"), "grade": as_text(totals.get("grade")),
        "weight_total": totals.get("weight"),
        # a form that prints no weights: what was evaluated instead of a total
        "unweighted": unweighted,
        "reported_score_sum": totals.get("reported_sum"),
        "findings": findings, "severity_counts": severity_counts,
        "rules_title": as_text(getattr(rules, "title", "")) or as_text(getattr(rules, "name", "")),
        "sections": SECTIONS,
        "no_reason": NO_REASON, "no_budget_reason": NO_BUDGET_REASON,
        "low_rate_threshold": LOW_EXECUTION_RATE,
    }
    if unweighted:
        context["unweighted_text"] = _unweighted_text(context)
    # rows not read are left out of the total: the report says so where it gives the total
    coverage = unit._coverage() if hasattr(unit, "_coverage") else {"partial_total": False}
    context["partial_total_text"] = partial_total_text(coverage) if coverage["partial_total"] else ""
    context["review"] = _review_context(unit, indicators, findings)
    # issue 19: the risk score and, when an earlier year was linked, 与上年比较
    from perfnb.evaluation.risk import risk_dict
    context["risk"] = risk_dict(unit.findings, context["unit_id"])
    context["previous_year"] = getattr(unit, "previous_year", {}).get(context["unit_id"])
    context["title"] = _title(context)
    project = context["project"]
    context["project_ref"] = f"“{project}”" + ("" if project.endswith("项目") else "项目")
    context["year_ref"] = year_ref(project, context["year"])
    return context


UNWEIGHTED_INTRO = ("自评表未印各项指标的分值（权重），无法按评分规则计算指标得分、总分和等级，"
                    "本报告作未加权评价：逐项评定达成、部分达成或未达成，并计算完成率"
                    "（实际完成值 ÷ 年度指标值，反向指标相反；定性指标按完成情况的文字评定）。")


def _unweighted_text(context: dict) -> dict:
    """The sentences an unweighted report says instead of a total (plain text: the HTML and
    Typst templates both print them, escaped)."""
    budget, counts = context["budget"], context["counts"]
    if is_missing(budget["rate"]):
        budget_text = "预算执行率无法计算"
    elif is_missing(budget["weight"]):
        where = "表中未印其分值" if context["indicators"] else "报告中未列其分值"
        budget_text = f"预算执行率 {format_percent(budget['rate'])}（{where}，不计分）"
    else:
        budget_text = (f"预算执行率 {format_percent(budget['rate'])}，按表中印出的 "
                       f"{format_score(budget['weight'])} 分计 {format_score(budget['score'])} 分")
    if is_missing(budget["rate"]) and not is_missing(budget["weight"]):
        budget_text += f"（表中印出其分值 {format_score(budget['weight'])} 分，计 {format_score(budget['score'])} 分）"
    achievement = (f"{len(context['indicators'])} 个三级指标中，达成 {counts['met']} 个、部分达成 "
                   f"{counts['partial']} 个、未达成 {counts['unmet']} 个"
                   + (f"、无法评定 {counts['missing']} 个" if counts["missing"] else "")
                   if context["indicators"] else "没有绩效指标表，只评价预算执行")
    reported_sum, reported_total = context["reported_score_sum"], context["reported_total"]
    if is_missing(reported_sum) and is_missing(reported_total):
        reported = "单位未填报得分和总分。"
    elif is_missing(reported_total):
        reported = f"单位填报的各项得分（含预算执行）合计 {format_score(reported_sum)} 分，未填报总分。"
    elif is_missing(reported_sum):
        reported = f"单位填报总分 {format_score(reported_total)} 分，但未填报各项得分，无从核对。"
    else:
        same = format_score(reported_sum) == format_score(reported_total)
        reported = (f"单位填报的各项得分合计 {format_score(reported_sum)} 分，填报总分 "
                    f"{format_score(reported_total)} 分，" + ("二者一致。" if same else
                                                           "二者不一致，见“审核发现”。"))
    return {"intro": UNWEIGHTED_INTRO, "budget": budget_text, "achievement": achievement,
            "reported": reported,
            "summary": f"{budget_text}；{achievement}。{reported}"}


def _review_context(unit, indicators: list[dict], findings: list[dict]) -> dict | None:
    """The evaluator's review (复核) for the templates, None when the unit has none."""
    record = unit.review_record() if hasattr(unit, "review_record") else None
    if record is None:
        return None
    final = unit.final_totals.iloc[0]
    computed = unit.totals.iloc[0]
    dimensions = [{"name": r["level1"], "weight": r["weight"], "score": r["score"],
                   "score_rate": r["score_rate"]}
                  for _, r in unit.final_dimensions.iterrows()]
    decisions = [f["decision"] for f in findings]
    return {
        **record,
        "total": final["total"], "grade": as_text(final["grade"]), "weight_total": final["weight"],
        "computed_total": computed["total"], "computed_grade": as_text(computed["grade"]),
        "grade_changed": as_text(final["grade"]) != as_text(computed["grade"]),
        "dimensions": [d for d in dimensions if d["name"] != BUDGET_DIMENSION],
        # (a budget printed inside an 一级 group has no line of its own: its scored figure)
        "budget_score": next((d["score"] for d in dimensions if d["name"] == BUDGET_DIMENSION),
                             _budget_score(unit)),
        "budget_in": _budget_group(unit, dimensions),
        "adjusted": [i for i in indicators if i["reviewed"]],
        "adopted": decisions.count("采纳"), "rejected": decisions.count("不采纳"),
        "rejected_findings": [f for f in findings if f["decision"] == "不采纳"],
        # 偏离度 and 自评质量 (issue 21); None when the unit reported no total
        "deviation": unit.deviation_dict() if hasattr(unit, "deviation_dict") else None,
        "quality": (unit.self_evaluation_quality() or {}).get("grade")
        if hasattr(unit, "self_evaluation_quality") else None,
    }


REPORT_KIND = "绩效自评报告"
REVIEWED_REPORT_KIND = "绩效自评复核报告"


def year_ref(name: str, year) -> str:
    """“2023年度” to follow a project's name in a title or sentence; "" without a year or when
    the name already carries that year (“2023年高标准农田建设项目”, “…（2023）”)."""
    if not year:
        return ""
    return "" if int(year) in named_years(name) else f"{int(year)}年度"


def _title(context: dict) -> str:
    owner = context["implementing_unit"] or context["department"]
    project = context["project"] or context["unit_id"]
    year = year_ref(project, context["year"])
    kind = REVIEWED_REPORT_KIND if context.get("review") else REPORT_KIND
    return f"{owner}{project}{year}{kind}" if owner != project else f"{project}{year}{kind}"


def report_title(evaluation, unit_id=None) -> str:
    """The report's title: 实施单位 + 项目 + 年度 + 绩效自评报告 (plain text)."""
    return _title(report_context(evaluation, unit_id))


# --- rendering -------------------------------------------------------------------------

@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("perfnb.reporting", "templates/narrative"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=False)
    env.filters.update(score=format_score, amount=format_amount, percent=format_percent,
                       value=format_value, paragraphs=paragraphs)
    env.globals["missing"] = is_missing
    env.globals["no_reason"] = NO_REASON
    env.globals["ordinal"] = _ordinal
    return env


def _ordinal(n: int) -> str:
    return CHINESE_ORDINALS[n - 1] if 0 < n <= 10 else str(n)


def _typst_finalize(value):
    """Every ``{{ … }}`` of a Typst template: data becomes literal text, fragments stay."""
    return value if isinstance(value, typst_markup.Typst) else typst_markup.text(value)


@lru_cache(maxsize=1)
def typst_environment() -> Environment:
    """The Jinja environment of the ``*.typ.j2`` templates (the PDF's Typst fragments).

    Its ``finalize`` escapes whatever a template prints unless it is a
    :class:`~perfnb.reporting.typst_markup.Typst` fragment, the Typst counterpart of HTML
    autoescaping: data (project names, reasons, notes) always prints as text.
    """
    env = Environment(loader=PackageLoader("perfnb.reporting", "templates/narrative"),
                      autoescape=False, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=False,
                      finalize=_typst_finalize)
    env.filters.update(score=format_score, amount=format_amount, percent=format_percent,
                       value=format_value, paragraphs=typst_markup.paragraphs,
                       typst_string=typst_markup.string)
    env.globals["missing"] = is_missing
    env.globals["no_reason"] = NO_REASON
    env.globals["ordinal"] = _ordinal
    env.globals["findings_table"] = findings_table_typst
    env.globals["review_table"] = review_table_typst
    env.globals["previous_year_table"] = previous_year_table_typst
    return env


def previous_year_table_typst(comparison: dict) -> typst_markup.Typst:
    """与上年比较: 三级指标 | 上年指标值 | 今年指标值 | 上年完成值 | 今年完成值 | 上年得分 | 今年得分."""
    Cell = typst_markup.Cell
    num = {"align": "right"}
    rows = []
    for item in comparison["indicators"]:
        last = item.get("previous") or {}
        rows.append([item["name"], last.get("target_text", "—"), item["target_text"],
                     last.get("actual_text", "—"), item["actual_text"],
                     Cell(format_score(last.get("score")) if last else "—", **num),
                     Cell(format_score(item.get("score")), **num)])
    return typst_markup.table(["1.6fr", "1fr", "1fr", "1fr", "1fr", "auto", "auto"],
                              [["三级指标", "上年指标值", "今年指标值", "上年完成值", "今年完成值",
                                "上年得分", "今年得分"]], rows)


def review_table_typst(indicators: list[dict], weight_total, reported_total, total,
                       review: dict) -> typst_markup.Typst:
    """三级指标 | 分值 | 自评得分 | 计算得分 | 复核得分 | 复核理由, and the 总分 row (Typst)."""
    Cell = typst_markup.Cell
    num = {"align": "right"}
    rows = [[item["name"], Cell(format_score(item["weight"]), **num),
             Cell(format_score(item["reported_score"]), **num),
             Cell(format_score(item["score"]), **num),
             Cell(format_score(item["final_score"]), **num, bold=item["reviewed"]),
             item["review_reason"]] for item in indicators]
    rows.append([Cell("总分", bold=True), Cell(format_score(weight_total), **num),
                 Cell(format_score(reported_total), **num), Cell(format_score(total), **num),
                 Cell(format_score(review["total"]), **num, bold=True), ""])
    return typst_markup.table(["1.4fr", "auto", "auto", "auto", "auto", "2fr"],
                              [["三级指标", "分值", "自评得分", "计算得分", "复核得分", "复核理由"]],
                              rows)


def findings_table_typst(findings: list[dict], review: dict | None = None) -> typst_markup.Typst:
    """The 审核发现 table as Typst, each row in its severity's colour (as report.css)."""
    colors = {"error": typst_markup.COLORS["unmet"], "warning": typst_markup.COLORS["partial"],
              "info": typst_markup.COLORS["muted"]}
    Cell = typst_markup.Cell
    rows = []
    for index, finding in enumerate(findings, 1):
        color = colors.get(finding.get("severity"))
        rows.append([Cell(str(index), color=color), Cell(finding.get("severity_label"), color=color),
                     Cell(finding.get("location"), color=color),
                     Cell(finding.get("message"), color=color),
                     Cell(typst_markup.breakable(finding.get("code")), color=color)])
        if review:
            decision = finding.get("decision") or "—"
            reason = finding.get("decision_reason")
            rows[-1].append(Cell(f"{decision}：{reason}" if reason else decision, color=color))
    if review:
        return typst_markup.table(["auto", "auto", "1fr", "2.2fr", "0.9fr", "1fr"],
                                  [["序号", "类别", "位置", "说明", "代码", "复核"]], rows)
    return typst_markup.table(["auto", "auto", "1.1fr", "2.6fr", "0.9fr"],
                              [["序号", "类别", "位置", "说明", "代码"]], rows)


def render_section_typst(evaluation, section_id: str, unit_id=None, context: dict | None = None,
                         heading: bool = True) -> str:
    """One section of the report as a Typst fragment (the PDF's counterpart of
    :func:`render_section`, from the same context)."""
    if section_id not in SECTIONS:
        raise KeyError(f"unknown report section {section_id!r}; one of {list(SECTIONS)}")
    context = context if context is not None else report_context(evaluation, unit_id)
    template = typst_environment().get_template(f"{section_id}.typ.j2")
    return template.render(**context, section_title=SECTIONS[section_id],
                           heading=heading).strip() + "\n\n"


def render_title_typst(context: dict) -> str:
    """The report title as a Typst fragment."""
    return typst_environment().get_template("title.typ.j2").render(**context).strip() + "\n\n"


def render_section(evaluation, section_id: str, unit_id=None, context: dict | None = None,
                   heading: bool = True) -> str:
    """One section of the report as an HTML fragment.

    With ``heading=False`` the section's ``<h2>`` is left out (the notebook has its own
    Markdown heading above the output).
    """
    if section_id not in SECTIONS:
        raise KeyError(f"unknown report section {section_id!r}; one of {list(SECTIONS)}")
    context = context if context is not None else report_context(evaluation, unit_id)
    template = environment().get_template(f"{section_id}.html.j2")
    return template.render(**context, section_title=SECTIONS[section_id],
                           heading=heading).strip() + "\n"


def render_report(evaluation, unit_id=None) -> str:
    """The whole 绩效自评报告 as one HTML fragment (title, then every section in order)."""
    context = report_context(evaluation, unit_id)
    title = environment().get_template("title.html.j2").render(**context).strip()
    return "\n".join([title] + [render_section(evaluation, s, context=context)
                                for s in SECTIONS])


def render_report_typst(evaluation, unit_id=None) -> str:
    """The whole report as one Typst fragment (title, then every section in order)."""
    context = report_context(evaluation, unit_id)
    return render_title_typst(context) + "".join(
        render_section_typst(evaluation, s, context=context) for s in SECTIONS)


@dataclass(frozen=True)
class Narrative:
    """An HTML fragment that JupyterLab (and nbconvert) display as rich text, with its
    Typst counterpart for the PDF (``text/x-typst`` in the output bundle)."""

    html: str
    typst: str = ""

    def _repr_html_(self) -> str:
        return self.html

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {typst_markup.MIMETYPE: self.typst} if self.typst else {}

    def __str__(self) -> str:
        return self.html


def section(evaluation, section_id: str, unit_id=None) -> Narrative:
    """One section, for display in a notebook cell."""
    context = report_context(evaluation, unit_id)
    return Narrative(render_section(evaluation, section_id, context=context),
                     render_section_typst(evaluation, section_id, context=context))


def report(evaluation, unit_id=None) -> Narrative:
    """The whole report, for display in a notebook cell."""
    return Narrative(render_report(evaluation, unit_id), render_report_typst(evaluation, unit_id))
