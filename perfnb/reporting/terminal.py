"""An :class:`~perfnb.evaluation.result.Evaluation` as terminal text: what `perfnb score`
prints (and screening's table layout).  Tables are aligned by display width, so columns of
Chinese (double-width) text line up (:mod:`perfnb.textwidth`); long cells are clipped.

The data model does not render itself: this module reads an Evaluation's tables and
accessors and words them, as :mod:`perfnb.reporting.display` does for HTML and Typst.
"""
from __future__ import annotations

from perfnb.evaluation.result import STATUS_COUNT_KEYS, _int, _number, _optional_text
from perfnb.evaluation.risk import risk_dict
from perfnb.cells import as_text, is_missing
from perfnb.model import BUDGET_DIMENSION, STATUS_LABELS
from perfnb.reporting.phrases import (NOT_STATED, RATE_NOT_COMPUTABLE, UNWEIGHTED_TOTAL_TEXT,
                                      partial_total_text, show, show_percent, unweighted_note)
from perfnb.textwidth import clip, display_width, pad
from perfnb.vocabulary import SEVERITY_LABELS

__all__ = ["format_text", "text_table", "previous_year_text"]


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


def format_text(evaluation, unit_id: str | None = None) -> str:
    """What `perfnb score` prints: a readable plain-text report in Chinese, tables aligned
    for CJK double-width characters (all units' summary when several)."""
    if unit_id is None and len(evaluation) != 1:
        summary = evaluation.summary()
        rows = [[r.unit_id, as_text(r.project), show(r.total), as_text(r.grade), str(r.error),
                 str(r.warning), str(r.info)] for r in summary.itertuples()]
        return (f"评分规则：{evaluation.rules.title}\n共 {len(evaluation)} 个单位\n\n"
                + text_table(["单位编号", "项目", "总分", "等级", "错误", "警告", "提示"], rows,
                             ["left", "left", "right", "left", "right", "right", "right"]))
    one = evaluation.unit(unit_id)
    unit = one.units.iloc[0]
    total = one.totals.iloc[0]
    lines = []
    year = _int(unit.get("year"))
    title = as_text(unit.get("project")) or as_text(unit["unit_id"])
    where = "，".join(x for x in (as_text(unit.get("department")),
                                  f"{year} 年" if year else "") if x)
    lines.append(f"{title}（{where}）" if where else title)
    lines.append(f"单位编号：{as_text(unit['unit_id'])}    评分规则：{evaluation.rules.title}")
    reported_total = _number(unit.get("reported_total"))
    reported = ""
    if reported_total is not None or _optional_text(unit.get("reported_grade")):
        reported = (f"    自评：{'' if reported_total is None else f'{reported_total:g} 分'}"
                    f"{'，' + as_text(unit.get('reported_grade')) if _optional_text(unit.get('reported_grade')) else ''}")
    unweighted = one.is_unweighted()
    if unweighted:
        lines.append(f"总分：{UNWEIGHTED_TOTAL_TEXT}    等级：—{reported}")
        lines.append(unweighted_note(one.status_counts()))
        if _number(total.get("reported_sum")) is not None:
            lines.append(f"填报的各项得分之和：{show(total.get('reported_sum'))} 分")
    else:
        lines.append(f"总分：{show(total['total'])} / {show(total['weight'])}    "
                     f"等级：{as_text(total['grade'])}{reported}")
        coverage = one._coverage()
        if coverage["partial_total"]:
            lines.append(partial_total_text(coverage))
    review = one.review_record()
    if review is not None:
        final = one.final_totals.iloc[0]
        figure = (f"{show(final['total'])} 分，{as_text(final['grade'])}"
                  if not is_missing(final.get("total")) else "按达成情况复核（未加权，不计总分）")
        lines.append(f"复核：{figure}    复核人：{review['evaluator']}（{review['date']}）")
        deviation = one.deviation_dict()
        if deviation and deviation["ratio"] is not None and deviation["basis"] == "achievement":
            quality = (one.self_evaluation_quality() or {}).get("grade")
            lines.append(f"偏离度（按达成情况）：{show_percent(deviation['ratio'])}（复核改变了 "
                         f"{deviation['indicators_compared']} 个指标中 {deviation['indicators_changed']} "
                         "个的达成情况）" + (f"    自评质量：{quality}" if quality else ""))
        elif deviation and deviation["ratio"] is not None:
            quality = (one.self_evaluation_quality() or {}).get("grade")
            lines.append(f"偏离度：{show_percent(deviation['ratio'])}（自评 {show(deviation['self_total'])}"
                         f" − 复核 {show(deviation['review_total'])} = {show(deviation['gap'])} 分）"
                         + (f"，等级由{deviation['self_grade']}调为{deviation['review_grade']}"
                            if deviation["grade_changed"] else "")
                         + (f"    自评质量：{quality}" if quality else ""))
    budget = one.budgets.iloc[0]
    base_label = "全年预算数" if not is_missing(budget.get("adjusted")) else "年初预算数"
    budget_score = (f"得分 {show(budget.get('score'))} / {show(budget.get('effective_weight'))}"
                    if not is_missing(budget.get("effective_weight"))
                    else "不计分（表中未印其分值）" if len(one.indicators) else "不计分（报告中未列其分值）")
    base, executed = (f"{show(budget.get(key))} 万元" if not is_missing(budget.get(key))
                      else NOT_STATED for key in ("base", "executed"))
    rate = show_percent(budget.get("rate")) or RATE_NOT_COMPUTABLE
    lines.append(f"预算执行：{base_label} {base}，全年执行数 {executed}，执行率 {rate}，"
                 f"{budget_score}")
    lines.append("")
    dimension_rows = [[as_text(d["level1"]), show(d["weight"]), show(d["score"]),
                       show_percent(d["score_rate"], 1)]
                      for d in one.dimensions.to_dict("records")]
    dimension_headers = ["一级指标", "分值", "得分", "得分率"]
    if unweighted:
        dimension_headers = ["一级指标", "指标数", "达成", "部分达成", "未达成", "缺失"]
        dimension_rows = [[as_text(d["level1"]), *[str(_int(d.get(key)) or 0) for key in
                                                 ("indicator_count", *STATUS_COUNT_KEYS)]]
                          for d in one.dimensions.to_dict("records")
                          if d["level1"] != BUDGET_DIMENSION]
    if review is not None and not unweighted:   # an unweighted unit is reviewed by achievement
        dimension_headers.append("复核得分")
        final = {as_text(d["level1"]): d["score"] for d in one.final_dimensions.to_dict("records")}
        for row in dimension_rows:
            row.append(show(final.get(row[0])))
    if dimension_rows:   # a report with no indicator table has neither table
        lines.append(text_table(dimension_headers, dimension_rows,
                                ["left"] + ["right"] * (len(dimension_headers) - 1)))
        lines.append("")
    headers = ["二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分", "自评得分", "完成情况"]
    rows = [[as_text(r.get("level2")), as_text(r.get("name")), as_text(r.get("target_text")),
             as_text(r.get("actual_text")), show(r.get("weight")), show(r.get("score")),
             show(r.get("reported_score")), STATUS_LABELS.get(as_text(r.get("status")), "")]
            for r in one.indicators.to_dict("records")]
    align = ["left", "left", "left", "left", "right", "right", "right", "left"]
    if unweighted:   # no weights, no computed scores: the completion instead
        headers = ["二级指标", "三级指标", "指标值", "实际完成值", "完成率", "自评得分", "完成情况"]
        rows = [[row[0], row[1], row[2], row[3], show_percent(r.get("completion_ratio"), 0),
                 row[6], row[7]] for row, r in zip(rows, one.indicators.to_dict("records"))]
        align = ["left", "left", "left", "left", "right", "right", "left"]
    if review is not None:
        headers += ["复核得分", "复核理由"]
        align += ["right", "left"]
        for row, r in zip(rows, one.indicators.to_dict("records")):
            row += [show(r.get("final_score")),
                    as_text(r.get("review_reason")) if r.get("reviewed") else ""]
    if rows:
        lines.append(text_table(headers, rows, align, max_width=24))
        lines.append("")
    counts = one.counts()
    lines.append(f"审核发现：错误 {counts['error']} 条，警告 {counts['warning']} 条，"
                 f"提示 {counts['info']} 条")
    comparison = evaluation.previous_year.get(as_text(unit["unit_id"]))
    if comparison is not None:
        lines.append("")
        lines.append(previous_year_text(comparison))
    risk = risk_dict(one.findings, as_text(unit["unit_id"]))
    lines.append(f"风险分：{risk['score']:g}（{risk['level']}）"
                 + (f"    红旗：{'、'.join(risk['titles'])}" if risk["flags"] else ""))
    for f in one.findings.to_dict("records"):
        place = "，".join(x for x in (
            f"第 {_int(f['row'])} 行" if _int(f["row"]) is not None else "",
            f"“{as_text(f['column'])}”列" if _optional_text(f["column"]) else "") if x)
        decision = _optional_text(f.get("decision"))
        lines.append(f"  [{SEVERITY_LABELS.get(f['severity'], f['severity'])}] {f['code']}"
                     f"{'（' + place + '）' if place else ''}：{f['message']}"
                     + (f"  〔复核：{decision}"
                        f"{'，' + as_text(f.get('decision_reason')) if _optional_text(f.get('decision_reason')) else ''}〕"
                        if decision else ""))
    return "\n".join(lines)


def previous_year_text(comparison: dict) -> str:
    """The 与上年比较 section of the plain-text report."""
    year = comparison.get("year")
    before = f"{year} 年" if year else "上年"
    lines = [f"与上年比较（{before}，单位编号 {comparison.get('unit_id')}；对应规则：{comparison.get('link')}）",
             f"总分：{show(comparison.get('total'))} → {show(comparison.get('this_total'))}    "
             f"预算执行率：{show_percent(comparison.get('budget_rate'))} → "
             f"{show_percent(comparison.get('this_budget_rate'))}"]
    rows = []
    for item in comparison.get("indicators", []):
        last = item.get("previous") or {}
        rows.append([item["name"], last.get("target_text", "—"), item["target_text"],
                     last.get("actual_text", "—"), item["actual_text"],
                     show(last.get("score")) if last else "—", show(item.get("score"))])
    lines.append(text_table(["三级指标", "上年指标值", "今年指标值", "上年完成值", "今年完成值", "上年得分",
                             "今年得分"], rows, ["left"] * 5 + ["right", "right"], max_width=24))
    return "\n".join(lines)
