"""How an :class:`~perfnb.evaluation.result.Evaluation` looks in a notebook: its HTML tables
(``text/html``) and their Typst counterpart for the PDF (``text/x-typst``).

The data model does not render itself (nbconvert keeps presentation in templates and
filters, and a lower layer never imports this one): :func:`register_formatters` registers
:func:`evaluation_html` and :func:`evaluation_typst` as IPython display formatters for
``Evaluation``, so ``result`` on its own in a cell shows the tables and the PDF exporter
finds their Typst.  ``import perfnb`` in IPython and :mod:`perfnb.notebook` register them.
"""
from __future__ import annotations

import html

from perfnb.evaluation.result import STATUS_COUNT_KEYS, _int
from perfnb.cells import as_text
from perfnb.model import BUDGET_DIMENSION, STATUS_LABELS
from perfnb.reporting.phrases import (UNWEIGHTED_TOTAL_TEXT, show as _show,
                                      show_percent as _show_percent, unweighted_note)
from perfnb.reporting import typst_markup as ty
from perfnb.vocabulary import SEVERITY_LABELS

__all__ = ["evaluation_html", "evaluation_typst", "register_formatters", "STATUS_COLORS",
           "SEVERITY_COLORS", "MAX_HTML_UNITS"]

# Status colours (text, background): shared meaning with the charts (green/amber/red/grey).
STATUS_COLORS = {"met": ("#1b5e20", "#e8f5e9"), "partial": ("#8a5a00", "#fff4d6"),
                 "unmet": ("#b71c1c", "#fdecea"), "missing": ("#555555", "#eeeeee")}
SEVERITY_COLORS = {"error": "#b71c1c", "warning": "#8a5a00", "info": "#1a4f8a"}
MAX_HTML_UNITS = 50
EVALUATION_TYPE = ("perfnb.evaluation.result", "Evaluation")  # registered by name: no import


def register_formatters(shell=None) -> bool:
    """Register the ``text/html`` and ``text/x-typst`` formatters of ``Evaluation`` (and
    :func:`perfnb.reporting.typst_markup.register_formatter`'s DataFrame tables) with the
    running IPython shell.  Returns False outside IPython."""
    if not ty.register_formatter(shell):
        return False
    from IPython import get_ipython
    formatters = (shell or get_ipython()).display_formatter.formatters
    formatters["text/html"].for_type_by_name(*EVALUATION_TYPE, evaluation_html)
    formatters[ty.MIMETYPE].for_type_by_name(*EVALUATION_TYPE, evaluation_typst)
    return True


def evaluation_html(evaluation, findings: bool = True) -> str:
    """Readable HTML tables (summary, dimensions, indicators and, unless ``findings`` is
    False, the audit findings); all text from the data is escaped."""
    style = ("<style>.perfnb-eval table{border-collapse:collapse;margin:4px 0 12px}"
             ".perfnb-eval th,.perfnb-eval td{border:1px solid #ccc;padding:3px 8px;"
             "text-align:left;vertical-align:top}.perfnb-eval td.num{text-align:right}"
             ".perfnb-eval th{background:#f3f3f3}.perfnb-eval h4{margin:10px 0 4px}</style>")
    if len(evaluation) != 1:
        return f'<div class="perfnb-eval">{style}{_html_summary(evaluation)}</div>'
    return f'<div class="perfnb-eval">{style}{_html_unit(evaluation, findings)}</div>'


def _html_summary(evaluation) -> str:
    summary = evaluation.summary()
    shown = summary.head(MAX_HTML_UNITS)
    rows = "".join(
        f"<tr><td>{_e(r.unit_id)}</td><td>{_e(r.department)}</td><td>{_e(r.project)}</td>"
        f"<td class='num'>{_show(r.total)}</td><td>{_e(r.grade)}</td>"
        f"<td class='num'>{r.error}</td><td class='num'>{r.warning}</td>"
        f"<td class='num'>{r.info}</td></tr>" for r in shown.itertuples())
    more = (f"<p>共 {len(evaluation)} 个单位，仅显示前 {MAX_HTML_UNITS} 个；"
            "用 <code>result.unit(单位编号)</code> 查看单个单位。</p>"
            if len(evaluation) > MAX_HTML_UNITS else f"<p>共 {len(evaluation)} 个单位。</p>")
    return (f"<h4>评分结果（{_e(evaluation.rules.title)}）</h4>"
            "<table><tr><th>单位编号</th><th>主管部门</th><th>项目</th><th>总分</th><th>等级</th>"
            f"<th>错误</th><th>警告</th><th>提示</th></tr>{rows}</table>{more}")


def _html_unit(evaluation, with_findings: bool = True) -> str:
    unit = evaluation.units.iloc[0]
    total = evaluation.totals.iloc[0]
    budget = evaluation.budgets.iloc[0]
    counts = evaluation.counts()
    review = evaluation.review_record()
    final = evaluation.final_totals.iloc[0]
    review_row = (f"<tr><th>复核</th><td class='num'><b>{_show(final['total'])}</b></td>"
                  f"<th>复核等级</th><td><b>{_e(final['grade'])}</b></td>"
                  f"<th>复核人</th><td>{_e(review['evaluator'])}（{_e(review['date'])}）</td></tr>"
                  if review else "")
    unweighted = evaluation.is_unweighted()
    head = (f"<h4>{_e(unit.get('project'))}</h4>"
            "<table>"
            f"<tr><th>单位编号</th><td>{_e(unit['unit_id'])}</td>"
            f"<th>主管部门</th><td>{_e(unit.get('department'))}</td>"
            f"<th>年度</th><td>{_e(_int(unit.get('year')) or '')}</td></tr>"
            + (f"<tr><th>总分</th><td>{UNWEIGHTED_TOTAL_TEXT}</td><th>等级</th><td>—</td>"
               if unweighted else
               f"<tr><th>总分</th><td class='num'><b>{_show(total['total'])}</b> / "
               f"{_show(total['weight'])}</td><th>等级</th><td><b>{_e(total['grade'])}</b></td>") +
            f"<th>自评</th><td>{_e(_show(unit.get('reported_total')))} "
            f"{_e(unit.get('reported_grade'))}</td></tr>"
            f"<tr><th>预算执行率</th><td class='num'>{_show_percent(budget.get('rate'))}</td>"
            f"<th>评分规则</th><td colspan='3'>{_e(evaluation.rules.title)}</td></tr>"
            f"{review_row}<tr><th>审核发现</th><td colspan='5'>错误 {counts['error']}，警告 "
            f"{counts['warning']}，提示 {counts['info']}</td></tr></table>"
            + (f"<p><b>未加权评价：</b>{_e(unweighted_note(evaluation.status_counts()))}。</p>"
               if unweighted else ""))
    dims = "".join(
        f"<tr><td>{_e(d['level1'])}</td><td class='num'>{_show(d['weight'])}</td>"
        f"<td class='num'>{_show(d['score'])}</td>"
        f"<td class='num'>{_show_percent(d['score_rate'], 1)}</td></tr>"
        for d in evaluation.dimensions.to_dict("records"))
    dims = ("<h4>一级指标得分</h4><table><tr><th>一级指标</th><th>分值</th><th>得分</th>"
            f"<th>得分率</th></tr>{dims}</table>")
    if unweighted:
        dims = "".join(
            f"<tr><td>{_e(d['level1'])}</td>" + "".join(
                f"<td class='num'>{_int(d.get(key)) or 0}</td>"
                for key in ("indicator_count", *STATUS_COUNT_KEYS)) + "</tr>"
            for d in evaluation.dimensions.to_dict("records") if d["level1"] != BUDGET_DIMENSION)
        dims = ("<h4>一级指标完成情况</h4><table><tr><th>一级指标</th><th>指标数</th><th>达成</th>"
                f"<th>部分达成</th><th>未达成</th><th>缺失</th></tr>{dims}</table>")
    records = evaluation.indicators.to_dict("records")
    level1_spans, level2_spans = _level_spans(records)
    rows = []
    for index, r in enumerate(records):
        status = as_text(r.get("status"))
        color, background = STATUS_COLORS.get(status, ("#000", "#fff"))
        cells = ""
        if level1_spans[index]:
            cells += f"<td{_rowspan(level1_spans[index])}>{_e(r.get('level1'))}</td>"
        if level2_spans[index]:
            cells += f"<td{_rowspan(level2_spans[index])}>{_e(r.get('level2'))}</td>"
        rows.append(
            f"<tr>{cells}"
            f"<td>{_e(r.get('name'))}</td><td>{_e(r.get('target_text'))}</td>"
            f"<td>{_e(r.get('actual_text'))}</td>"
            + (f"<td class='num'>{_show_percent(r.get('completion_ratio'), 0)}</td>" if unweighted
               else f"<td class='num'>{_show(r.get('weight'))}</td>"
                    f"<td class='num'>{_show(r.get('score'))}</td>") +
            f"<td class='num'>{_show(r.get('reported_score'))}</td>"
            f"<td style='color:{color};background:{background}'>"
            f"{_e(STATUS_LABELS.get(status, status))}</td>"
            + (f"<td class='num'>{_show(r.get('final_score'))}</td>"
               f"<td>{_e(r.get('review_reason')) if r.get('reviewed') else ''}</td>"
               if review else "") + "</tr>")
    indicators = ("<h4>绩效指标</h4><table><thead><tr><th>一级指标</th><th>二级指标</th>"
                  "<th>三级指标</th><th>指标值</th><th>实际完成值</th>"
                  + ("<th>完成率</th>" if unweighted else "<th>分值</th><th>得分</th>")
                  + "<th>自评得分</th><th>完成情况</th>"
                  f"{'<th>复核得分</th><th>复核理由</th>' if review else ''}</tr></thead>"
                  f"<tbody>{''.join(rows)}"
                  "</tbody></table>")
    if not with_findings:
        findings = ""
    elif len(evaluation.findings):
        items = "".join(
            f"<tr><td style='color:{SEVERITY_COLORS.get(f['severity'], '#000')}'>"
            f"{_e(SEVERITY_LABELS.get(f['severity'], f['severity']))}</td>"
            f"<td><code>{_e(f['code'])}</code></td><td>{_e(_int(f['row']) or '')}</td>"
            f"<td>{_e(f['column'])}</td><td>{_e(f['indicator'])}</td><td>{_e(f['message'])}</td>"
            + (f"<td>{_e(f.get('decision'))}</td><td>{_e(f.get('decision_reason'))}</td>"
               if review else "") + "</tr>"
            for f in evaluation.findings.to_dict("records"))
        findings = ("<h4>审核发现</h4><table><tr><th>级别</th><th>代码</th><th>行</th><th>列</th>"
                    f"<th>指标</th><th>说明</th>{'<th>复核</th><th>理由</th>' if review else ''}"
                    f"</tr>{items}</table>")
    else:
        findings = "<h4>审核发现</h4><p>未发现问题。</p>"
    return head + dims + indicators + findings


# -- Typst (the PDF's counterpart of the HTML tables) -------------------------------------

def evaluation_typst(evaluation, findings: bool = True) -> str:
    """The tables of :func:`evaluation_html` as a Typst fragment for the PDF report: 一级/二级
    cells span their rows, header rows repeat on every page; all data is escaped."""
    if len(evaluation) != 1:
        return _typst_summary(evaluation, ty)
    return _typst_unit(evaluation, ty, findings)


def _typst_summary(evaluation, ty) -> str:
    summary = evaluation.summary()
    shown = summary.head(MAX_HTML_UNITS)
    num = {"align": "right"}
    rows = [[r.unit_id, r.department, r.project, ty.Cell(_show(r.total), **num), r.grade,
             ty.Cell(str(r.error), **num), ty.Cell(str(r.warning), **num),
             ty.Cell(str(r.info), **num)] for r in shown.itertuples()]
    more = (f"共 {len(evaluation)} 个单位，仅显示前 {MAX_HTML_UNITS} 个。" if len(evaluation) > MAX_HTML_UNITS
            else f"共 {len(evaluation)} 个单位。")
    return ("=== " + ty.text(f"评分结果（{as_text(evaluation.rules.title)}）") + "\n\n"
            + ty.table(8, [["单位编号", "主管部门", "项目", "总分", "等级", "错误", "警告", "提示"]],
                       rows) + ty.text(more) + "\n\n")


def _typst_unit(evaluation, ty, with_findings: bool = True) -> str:
    Cell = ty.Cell
    unit = evaluation.units.iloc[0]
    total = evaluation.totals.iloc[0]
    budget = evaluation.budgets.iloc[0]
    counts = evaluation.counts()
    review = evaluation.review_record()
    final = evaluation.final_totals.iloc[0]
    th = {"header": True}
    unweighted = evaluation.is_unweighted()
    total_cells = ([Cell("总分", **th), UNWEIGHTED_TOTAL_TEXT, Cell("等级", **th), "—"]
                   if unweighted else
                   [Cell("总分", **th),
                    Cell(ty.Typst(f"#perfnb-bold[{ty.text(_show(total['total']))}] / "
                                  f"{ty.text(_show(total['weight']))}")),
                    Cell("等级", **th), Cell(as_text(total["grade"]), bold=True)])
    head = ty.table(["auto", "1fr", "auto", "1fr", "auto", "auto"], [], [
        [Cell("单位编号", **th), Cell(ty.breakable(as_text(unit["unit_id"]))),
         Cell("主管部门", **th), as_text(unit.get("department")),
         Cell("年度", **th), as_text(_int(unit.get("year")) or "")],
        [*total_cells,
         Cell("自评", **th), f"{_show(unit.get('reported_total'))} {as_text(unit.get('reported_grade'))}"],
        [Cell("预算执行率", **th), _show_percent(budget.get("rate")),
         Cell("评分规则", **th), Cell(as_text(evaluation.rules.title), colspan=3)],
        *([[Cell("复核", **th), Cell(_show(final["total"]), bold=True),
             Cell("复核等级", **th), Cell(as_text(final["grade"]), bold=True),
             Cell("复核人", **th), f"{review['evaluator']}（{review['date']}）"]]
          if review else []),
        [Cell("审核发现", **th), Cell(f"错误 {counts['error']}，警告 {counts['warning']}，"
                                     f"提示 {counts['info']}", colspan=5)],
    ])
    num = {"align": "right"}
    dims = ty.table(4, [["一级指标", "分值", "得分", "得分率"]], [
        [as_text(d["level1"]), Cell(_show(d["weight"]), **num), Cell(_show(d["score"]), **num),
         Cell(_show_percent(d["score_rate"], 1), **num)]
        for d in evaluation.dimensions.to_dict("records")])
    if unweighted:
        dims = ty.table(6, [["一级指标", "指标数", "达成", "部分达成", "未达成", "缺失"]], [
            [as_text(d["level1"]), *[Cell(str(_int(d.get(key)) or 0), **num)
                                   for key in ("indicator_count", *STATUS_COUNT_KEYS)]]
            for d in evaluation.dimensions.to_dict("records") if d["level1"] != BUDGET_DIMENSION])
        head += ty.text(f"{unweighted_note(evaluation.status_counts())}。") \
            + "\n\n"
    records = evaluation.indicators.to_dict("records")
    level1_spans, level2_spans = _level_spans(records)
    rows = []
    for index, r in enumerate(records):
        status = as_text(r.get("status"))
        color, background = STATUS_COLORS.get(status, ("#000000", "#ffffff"))
        cells = []
        if level1_spans[index]:
            cells.append(Cell(as_text(r.get("level1")), rowspan=level1_spans[index]))
        if level2_spans[index]:
            cells.append(Cell(as_text(r.get("level2")), rowspan=level2_spans[index]))
        cells += [as_text(r.get("name")), as_text(r.get("target_text")), as_text(r.get("actual_text")),
                  *([Cell(_show_percent(r.get("completion_ratio"), 0), **num)] if unweighted else
                    [Cell(_show(r.get("weight")), **num), Cell(_show(r.get("score")), **num)]),
                  Cell(_show(r.get("reported_score")), **num),
                  Cell(STATUS_LABELS.get(status, status), color=color, fill=background)]
        if review:
            cells += [Cell(_show(r.get("final_score")), **num),
                      as_text(r.get("review_reason")) if r.get("reviewed") else ""]
        rows.append(cells)
    indicators = ty.table(None,
                          [["一级指标", "二级指标", "三级指标", "指标值", "实际完成值",
                            *(["完成率"] if unweighted else ["分值", "得分"]), "自评得分", "完成情况"]
                           + (["复核得分", "复核理由"] if review else [])], rows)
    parts = ["=== " + ty.text(as_text(unit.get("project"))) + "\n\n", head,
             "=== 一级指标完成情况\n\n" if unweighted else "=== 一级指标得分\n\n", dims, "=== 绩效指标\n\n", indicators]
    if with_findings:
        parts.append("=== 审核发现\n\n")
        if len(evaluation.findings):
            parts.append(ty.table(None,
                                  [["级别", "代码", "行", "列", "指标", "说明"]
                                   + (["复核", "理由"] if review else [])], [
                [Cell(SEVERITY_LABELS.get(f["severity"], f["severity"]),
                      color=SEVERITY_COLORS.get(f["severity"], "#000000")),
                 Cell(ty.breakable(as_text(f["code"]))), as_text(_int(f["row"]) or ""),
                 as_text(f["column"]), as_text(f["indicator"]), as_text(f["message"])]
                + ([as_text(f.get("decision")), as_text(f.get("decision_reason"))] if review else [])
                for f in evaluation.findings.to_dict("records")]))
        else:
            parts.append("未发现问题。\n\n")
    return "".join(parts)


def _run_lengths(keys: list) -> list[int]:
    """For each position, the length of the run of equal keys it starts (0 inside a run)."""
    spans = [0] * len(keys)
    start = 0
    for index in range(1, len(keys) + 1):
        if index == len(keys) or keys[index] != keys[start]:
            spans[start] = index - start
            start = index
    return spans


def _level_spans(records: list[dict]) -> tuple[list[int], list[int]]:
    """一级/二级 cells span the rows of their group, as on the official 自评表: the rows each
    indicator's 一级 and 二级 cell spans (0 where the cell above covers it)."""
    return (_run_lengths([as_text(r.get("level1")) for r in records]),
            _run_lengths([(as_text(r.get("level1")), as_text(r.get("level2"))) for r in records]))


def _rowspan(rows: int) -> str:
    return f" rowspan='{rows}'" if rows > 1 else ""


def _e(value) -> str:
    """HTML-escaped text of a value ('' for missing)."""
    return html.escape(as_text(value))
