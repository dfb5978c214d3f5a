"""The completed 项目支出绩效自评表 as an Excel workbook, in the official single-sheet layout.

Sheet 1 (项目支出绩效自评表): title, 年度, header block (项目名称 / 主管部门 / 实施单位), funds
block, target block, indicator block (一级/二级 merged down, 合计/小计 rows where the unit
reported them), 总分 row, 评价结论 and the unit's text.  Sheet 2 (审核发现): the findings.

Round trip.  The unit's own figures stay in the columns the loader reads (自评得分 is a header
synonym of 得分; the funds block's 执行率 and 得分); the reviewer's figures go into columns
the loader ignores (复核得分, 复核执行率).  Targets, actuals, 指标性质 and 指标方向 are written
so that reading the file back yields the same operator, kind and direction.  So loading the
written file and scoring it with the same rule set gives the same evaluation as the original
input: the same scores, total, grade, and the same findings (except their sheet/row).
"""
from __future__ import annotations

import math
import os
from io import BytesIO
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill

from perfnb.fsutil import atomic_write_bytes
from perfnb.cells import as_text, is_missing
from perfnb.model import KIND_QUANTITATIVE, LEVEL1_ORDER, OPERATOR_SYMBOLS, STATUS_LABELS
from perfnb.reading.values import parse_value
from perfnb.reporting.phrases import unweighted_note
from perfnb.vocabulary import SEVERITY_LABELS
from perfnb.reporting.office.xlsx_style import (BODY_FONT, BOLD_FONT, CENTER, HEADER_FILL, HEADER_FONT, LEFT,
                         PERCENT_FORMAT, SCORE_FORMAT, SUBTITLE_FONT, TITLE_FONT, border_range,
                         setup_print, style_cell, text_width, write_table_sheet, write_text)

FORM_SHEET = "项目支出绩效自评表"
FINDINGS_SHEET = "审核发现"
REVIEW_SHEET = "复核记录"
FORM_TITLE = "项目支出绩效自评表"
REPORTED_SCORE_HEADER = "自评得分"    # read back by the loader as 得分 (a header synonym)
REVIEWED_SCORE_HEADER = "复核得分"    # ignored by the loader
REVIEWED_RATE_HEADER = "复核执行率"
OPERATOR_WORDS = {">=": "大于等于", ">": "大于", "=": "等于", "<=": "小于等于", "<": "小于"}

# Column layout (1-based): the indicator block defines the sheet's 12 columns.
INDICATOR_HEADERS = ("一级指标", "二级指标", "三级指标", "指标性质", "指标方向", "年度指标值",
                     "实际完成值", "计量单位", "分值", REPORTED_SCORE_HEADER,
                     REVIEWED_SCORE_HEADER, "偏差原因分析及改进措施")
(C_LEVEL1, C_LEVEL2, C_NAME, C_KIND, C_DIRECTION, C_TARGET, C_ACTUAL, C_UNIT, C_WEIGHT,
 C_REPORTED, C_REVIEWED, C_REASON) = range(1, 13)
LAST_COLUMN = C_REASON
FUNDS_HEADERS = {4: "年初预算数", 5: "全年预算数", 6: "全年执行数", 7: "分值", 8: "执行率",
                 9: "得分", 10: REVIEWED_RATE_HEADER, 11: REVIEWED_SCORE_HEADER, 12: "偏差原因"}
COLUMN_WIDTHS = (10, 13, 26, 9, 10, 12, 12, 8, 7, 9, 9, 26)
REVIEW_FILL = PatternFill("solid", fgColor="FFF4D6")
LINE_HEIGHT = 14.0


def _number(value):
    return None if is_missing(value) else float(value)


def _as_written(text: str):
    """A value as the unit wrote it: a plain number when it reads back as the same text."""
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return number if parse_value(number).text == text else text


class _Form:
    """Writes the form row by row; keeps the current row and the merges to border."""

    def __init__(self, sheet) -> None:
        self.sheet = sheet
        self.row = 0

    def cell(self, row: int, column: int, value=None, font=BODY_FONT, alignment=LEFT,
             number_format=None, fill=None, border=True):
        cell = self.sheet.cell(row=row, column=column)
        write_text(cell, value)
        style_cell(cell, font, alignment, border=border, number_format=number_format, fill=fill)
        return cell

    def merge(self, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
        border_range(self.sheet, first_row, first_column, last_row, last_column)
        if (first_row, first_column) != (last_row, last_column):
            self.sheet.merge_cells(start_row=first_row, start_column=first_column,
                                   end_row=last_row, end_column=last_column)

    def fit_height(self, row: int, texts: list[tuple[str, int]]) -> None:
        """Row height for wrapped texts: (text, width in character cells) pairs."""
        lines = 1
        for text, width in texts:
            if text:
                needed = sum(max(1, math.ceil(text_width(part) / max(width - 1, 4)))
                             for part in str(text).splitlines() or [""])
                lines = max(lines, needed)
        self.sheet.row_dimensions[row].height = max(20.0, lines * LINE_HEIGHT + 6)


def _span_width(first: int, last: int) -> int:
    return sum(COLUMN_WIDTHS[first - 1:last])


def _unit_frames(evaluation, unit_id):
    one = evaluation.unit(unit_id)
    return one, one.units.iloc[0]


def _write_title(form: _Form, unit) -> None:
    sheet = form.sheet
    form.row = 1
    form.cell(1, 1, FORM_TITLE, TITLE_FONT, CENTER, border=False)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=LAST_COLUMN)
    sheet.row_dimensions[1].height = 30
    year = unit.get("year")
    form.cell(2, 1, f"（{int(year)}年度）" if not is_missing(year) else "（年度：未填写）",
              SUBTITLE_FONT, CENTER, border=False)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=LAST_COLUMN)
    form.cell(3, LAST_COLUMN, "单位：万元", BODY_FONT, Alignment(horizontal="right"), border=False)
    form.row = 4


def _write_header_block(form: _Form, unit) -> None:
    row = form.row
    form.cell(row, 1, "项目名称", BOLD_FONT, CENTER)
    form.cell(row, 2, as_text(unit.get("project")))
    form.merge(row, 2, row, LAST_COLUMN)
    form.merge(row, 1, row, 1)
    row += 1
    form.cell(row, 1, "主管部门", BOLD_FONT, CENTER)
    form.cell(row, 2, as_text(unit.get("department")))
    form.merge(row, 2, row, 6)
    form.cell(row, 7, "实施单位", BOLD_FONT, CENTER)
    form.cell(row, 8, as_text(unit.get("implementing_unit")))
    form.merge(row, 8, row, LAST_COLUMN)
    form.merge(row, 1, row, 1)
    form.merge(row, 7, row, 7)
    form.fit_height(row, [(as_text(unit.get("department")), _span_width(2, 6)),
                          (as_text(unit.get("implementing_unit")), _span_width(8, LAST_COLUMN))])
    form.row = row + 1


def _write_funds_block(form: _Form, one) -> None:
    budget = one.budgets.iloc[0] if len(one.budgets) else pd.Series(dtype=object)
    lines = one.tables.budget_lines
    lines = lines[lines["unit_id"].astype(str) == str(one.units.iloc[0]["unit_id"])]
    header = form.row
    form.cell(header, 1, "项目资金\n（万元）", BOLD_FONT, CENTER)
    form.cell(header, 2, "", HEADER_FONT, CENTER)
    form.merge(header, 2, header, 3)
    for column, label in FUNDS_HEADERS.items():
        reviewed = label in (REVIEWED_RATE_HEADER, REVIEWED_SCORE_HEADER)
        form.cell(header, column, label, HEADER_FONT, CENTER,
                  fill=REVIEW_FILL if reviewed else HEADER_FILL)
    row = header + 1
    # The 年度资金总额 line (scored) first, then the 其中 lines as the unit listed them.
    total = {"label": "年度资金总额", "initial": budget.get("initial"),
             "adjusted": budget.get("adjusted"), "executed": budget.get("executed")}
    others = [r for _, r in lines.iterrows() if not bool(r.get("is_total"))]
    weight = budget.get("weight")
    if is_missing(weight):
        weight = budget.get("effective_weight")
    form.cell(row, 2, total["label"], BOLD_FONT, LEFT)
    form.merge(row, 2, row, 3)
    for column, key in ((4, "initial"), (5, "adjusted"), (6, "executed")):
        form.cell(row, column, _number(total[key]), number_format="#,##0.00",
                  alignment=CENTER)
    form.cell(row, 7, _number(weight), alignment=CENTER)
    form.cell(row, 8, _number(budget.get("reported_rate")), alignment=CENTER,
              number_format=PERCENT_FORMAT)
    form.cell(row, 9, _number(budget.get("reported_score")), alignment=CENTER)
    form.cell(row, 10, _number(budget.get("rate")), alignment=CENTER,
              number_format=PERCENT_FORMAT, fill=REVIEW_FILL)
    form.cell(row, 11, _number(budget.get("score")), alignment=CENTER,
              number_format=SCORE_FORMAT, fill=REVIEW_FILL)
    form.cell(row, 12, as_text(budget.get("reason")))
    form.fit_height(row, [(as_text(budget.get("reason")), COLUMN_WIDTHS[11])])
    for index, line in enumerate(others):
        row += 1
        label = as_text(line.get("label"))
        form.cell(row, 2, ("其中：" if index == 0 else "") + label)
        form.merge(row, 2, row, 3)
        for column, key in ((4, "initial"), (5, "adjusted"), (6, "executed")):
            form.cell(row, column, _number(line.get(key)), number_format="#,##0.00",
                      alignment=CENTER)
        for column in range(7, LAST_COLUMN + 1):
            form.cell(row, column, "—" if column in (7, 9, 11) else None, alignment=CENTER)
    form.merge(header, 1, row, 1)
    form.row = row + 1


def _write_goal_block(form: _Form, unit) -> None:
    row = form.row
    form.cell(row, 1, "年度总\n体目标", BOLD_FONT, CENTER)
    form.cell(row, 2, "预期目标", HEADER_FONT, CENTER, fill=HEADER_FILL)
    form.merge(row, 2, row, 6)
    form.cell(row, 7, "实际完成情况", HEADER_FONT, CENTER, fill=HEADER_FILL)
    form.merge(row, 7, row, LAST_COLUMN)
    planned, actual = as_text(unit.get("goal_planned")), as_text(unit.get("goal_actual"))
    form.cell(row + 1, 2, planned, alignment=Alignment(vertical="top", wrap_text=True))
    form.merge(row + 1, 2, row + 1, 6)
    form.cell(row + 1, 7, actual, alignment=Alignment(vertical="top", wrap_text=True))
    form.merge(row + 1, 7, row + 1, LAST_COLUMN)
    form.merge(row, 1, row + 1, 1)
    form.fit_height(row + 1, [(planned, _span_width(2, 6)), (actual, _span_width(7, LAST_COLUMN))])
    form.row = row + 2


def _kind_direction_target(indicator) -> tuple[str, str, str]:
    """(指标性质, 指标方向, 年度指标值) cells that read back as the same kind, direction and
    operator: the operator goes where the unit had it, else where it fits without changing
    the declared values (an operator symbol in 指标性质, a word in 指标方向, or a prefix)."""
    declared_kind = as_text(indicator.get("declared_kind"))
    declared_direction = as_text(indicator.get("declared_direction"))
    target = as_text(indicator.get("target_text"))
    quantitative = indicator.get("kind") == KIND_QUANTITATIVE
    kind_label = declared_kind or ("定量" if quantitative else "定性")
    operator = as_text(indicator.get("operator"))
    if not quantitative or operator not in OPERATOR_SYMBOLS or \
            parse_value(target).operator == operator:
        return kind_label, declared_direction, target
    if not declared_direction:
        return kind_label, OPERATOR_WORDS[operator], target
    if not declared_kind:
        return OPERATOR_SYMBOLS[operator], declared_direction, target
    return kind_label, declared_direction, OPERATOR_SYMBOLS[operator] + target


# An unweighted unit (its form prints no weights) gets no 分值 column: the 完成情况 (达成 …)
# stands there, a heading the loader keeps as a note, so the form reads back unweighted.
UNWEIGHTED_WEIGHT_HEADER = "完成情况"


def _write_indicator_block(form: _Form, one) -> None:
    header = form.row
    unweighted = one.is_unweighted()
    for column, label in enumerate(INDICATOR_HEADERS, start=1):
        if column == C_WEIGHT and unweighted:
            label = UNWEIGHTED_WEIGHT_HEADER
        form.cell(header, column, label, HEADER_FONT, CENTER,
                  fill=REVIEW_FILL if label == REVIEWED_SCORE_HEADER else HEADER_FILL)
    form.sheet.row_dimensions[header].height = 30
    form.header_row = header
    indicators = one.indicators.sort_values("seq")
    reported = one.tables.reported
    reported = reported[reported["unit_id"].astype(str) == str(one.units.iloc[0]["unit_id"])]
    # 复核得分: the evaluator's review where given, else the computed score
    indicators = indicators.assign(score=_final_scores(indicators))
    dimensions = {r["level1"]: r for _, r in one.final_dimensions.iterrows()}

    def reported_entry(level: str, level1: str, level2: str | None = None):
        rows = reported[(reported["level"] == level) & (reported["level1"] == level1)]
        if level2 is not None:
            rows = rows[rows["level2"] == level2]
        return rows.iloc[-1] if len(rows) else None

    order = list(dict.fromkeys(indicators["level1"]))
    order.sort(key=lambda name: LEVEL1_ORDER.index(name) if name in LEVEL1_ORDER else 99)
    row = header
    for level1 in order:
        first_of_level1 = row + 1
        members = indicators[indicators["level1"] == level1]
        for level2 in dict.fromkeys(members["level2"]):
            first_of_level2 = row + 1
            group = members[members["level2"] == level2]
            for _, indicator in group.iterrows():
                row += 1
                _write_indicator_row(form, row, indicator)
                if unweighted:
                    form.cell(row, C_WEIGHT, STATUS_LABELS.get(as_text(indicator.get("status"))),
                              alignment=CENTER)
            subtotal = reported_entry("level2", level1, level2)
            if subtotal is not None:
                row += 1
                form.cell(row, C_NAME, "小计", BOLD_FONT, CENTER)
                _write_sum_cells(form, row, subtotal["weight"], subtotal["score"],
                                 group["score"].sum(min_count=1))
            form.cell(first_of_level2, C_LEVEL2, as_text(level2), alignment=CENTER)
            form.merge(first_of_level2, C_LEVEL2, row, C_LEVEL2)
        subtotal = reported_entry("level1", level1)
        if subtotal is not None:
            row += 1
            form.cell(row, C_LEVEL2, "合计", BOLD_FONT, CENTER)
            form.merge(row, C_LEVEL2, row, C_NAME)
            dimension = dimensions.get(level1)
            _write_sum_cells(form, row, subtotal["weight"], subtotal["score"],
                             dimension["score"] if dimension is not None else math.nan)
        form.cell(first_of_level1, C_LEVEL1, as_text(level1), alignment=CENTER)
        form.merge(first_of_level1, C_LEVEL1, row, C_LEVEL1)
    form.row = row + 1


def _write_sum_cells(form: _Form, row: int, weight, score, reviewed) -> None:
    for column in range(C_KIND, LAST_COLUMN + 1):
        form.cell(row, column, None, alignment=CENTER)
    form.cell(row, C_WEIGHT, _number(weight), BOLD_FONT, CENTER)
    form.cell(row, C_REPORTED, _number(score), BOLD_FONT, CENTER)
    form.cell(row, C_REVIEWED, _number(reviewed), BOLD_FONT, CENTER, SCORE_FORMAT, REVIEW_FILL)


def _write_indicator_row(form: _Form, row: int, indicator) -> None:
    kind, direction, target = _kind_direction_target(indicator)
    name = as_text(indicator.get("name"))
    reason = as_text(indicator.get("deviation_reason"))
    form.cell(row, C_NAME, name)
    form.cell(row, C_KIND, kind, alignment=CENTER)
    form.cell(row, C_DIRECTION, direction, alignment=CENTER)
    form.cell(row, C_TARGET, _as_written(target), alignment=CENTER)
    form.cell(row, C_ACTUAL, _as_written(as_text(indicator.get("actual_text"))), alignment=CENTER)
    form.cell(row, C_UNIT, as_text(indicator.get("measure_unit")), alignment=CENTER)
    form.cell(row, C_WEIGHT, _number(indicator.get("weight")), alignment=CENTER)
    form.cell(row, C_REPORTED, _number(indicator.get("reported_score")), alignment=CENTER)
    form.cell(row, C_REVIEWED, _number(indicator.get("score")), alignment=CENTER,  # final
              number_format=SCORE_FORMAT, fill=REVIEW_FILL)
    form.cell(row, C_REASON, reason)
    form.fit_height(row, [(name, COLUMN_WIDTHS[C_NAME - 1]), (reason, COLUMN_WIDTHS[C_REASON - 1]),
                          (target, COLUMN_WIDTHS[C_TARGET - 1])])


def _final_scores(indicators):
    if "final_score" in indicators.columns:
        return indicators["final_score"].to_numpy(float)
    return indicators["score"].to_numpy(float)


def _write_total_and_text(form: _Form, one, unit) -> None:
    totals = one.final_totals.iloc[0]
    computed = one.totals.iloc[0]
    record = one.review_record()
    reported = one.tables.reported
    reported = reported[(reported["unit_id"].astype(str) == str(unit["unit_id"]))
                        & (reported["level"] == "total")]
    reported_weight = reported.iloc[-1]["weight"] if len(reported) else totals.get("weight")
    row = form.row
    form.cell(row, 1, "总分", BOLD_FONT, CENTER)
    _write_sum_cells(form, row, reported_weight, unit.get("reported_total"), totals.get("total"))
    form.merge(row, 1, row, C_UNIT)
    form.merge(row, C_REASON, row, C_REASON)

    texts = [("评价结论", as_text(unit.get("reported_grade")))]
    counts = one.counts()
    if one.is_unweighted():
        outcome = unweighted_note(one.status_counts())
    else:
        outcome = (f"总分 {float(computed['total']):.2f} 分，等级为“{as_text(computed.get('grade'))}”")
    review = (f"按“{as_text(one.rules.title) or one.rules.name}”复核：{outcome}；审核发现错误 "
              f"{counts['error']} 项、警告 {counts['warning']} 项、提示 {counts['info']} 项"
              f"{'，详见“审核发现”工作表' if sum(counts.values()) else ''}。")
    if record is not None:
        adjusted = int(one.indicators["reviewed"].sum()) if "reviewed" in one.indicators else 0
        decisions = list(one.findings.get("decision", []))
        review = (f"评价人员复核（复核人 {record['evaluator']}，{record['date']}）：复核得分 "
                  f"{float(totals['total']):.2f} 分，等级为“{as_text(totals.get('grade'))}”"
                  f"（{review.rstrip('。')}）；调整指标 {adjusted} 个，审核发现采纳 "
                  f"{decisions.count('采纳')} 项、不采纳 {decisions.count('不采纳')} 项。"
                  + (f"复核结论：{record['conclusion']}。" if record["conclusion"] else "")
                  + (f"复核意见：{record['opinion']}" if record["opinion"] else ""))
    texts.append(("复核结论", review))
    for label, key in (("存在问题", "problems"), ("改进措施", "measures"),
                       ("后续工作计划", "plans")):
        if as_text(unit.get(key)):
            texts.append((label, as_text(unit.get(key))))
    for label, text in texts:
        row += 1
        form.cell(row, 1, label, BOLD_FONT, CENTER)
        form.merge(row, 1, row, 2)
        form.cell(row, 3, text, BOLD_FONT if label == "评价结论" else BODY_FONT,
                  fill=REVIEW_FILL if label == "复核结论" else None)
        form.merge(row, 3, row, LAST_COLUMN)
        form.fit_height(row, [(text, _span_width(3, LAST_COLUMN))])
    row += 2
    note = (f"说明：“{REPORTED_SCORE_HEADER}”“执行率”“得分”为单位填报数；“{REVIEWED_SCORE_HEADER}”"
            f"“{REVIEWED_RATE_HEADER}”为复核计算结果"
            + ("（评价人员调整的指标为其复核得分，理由见“复核记录”工作表）"
               if record is not None else "") + "。")
    form.cell(row, 1, note, BODY_FONT, Alignment(horizontal="left", vertical="center"),
              border=False)
    form.sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=LAST_COLUMN)
    form.row = row + 1


def _location(finding) -> str:
    parts = []
    if as_text(finding.get("sheet")):
        parts.append(f"工作表“{as_text(finding.get('sheet'))}”")
    if not is_missing(finding.get("row")):
        parts.append(f"第 {int(finding['row'])} 行")
    if as_text(finding.get("column")):
        parts.append(f"“{as_text(finding.get('column'))}”列")
    if as_text(finding.get("indicator")):
        parts.append(as_text(finding.get("indicator")))
    return "，".join(parts)


def findings_frame(evaluation, unit_id=None) -> pd.DataFrame:
    """The findings of one unit as the 审核发现 sheet shows them."""
    one = evaluation.unit(unit_id)
    rows = [{"序号": index, "代码": as_text(f.get("code")),
             "类别": SEVERITY_LABELS.get(f.get("severity"), as_text(f.get("severity"))),
             "位置": _location(f), "说明": as_text(f.get("message"))}
            for index, (_, f) in enumerate(one.findings.iterrows(), start=1)]
    frame = pd.DataFrame(rows, columns=["序号", "代码", "类别", "位置", "说明"])
    if one.review_record() is not None:
        frame["复核决定"] = [as_text(v) or "未决定" for v in one.findings.get("decision", [])]
        frame["复核理由"] = [as_text(v) for v in one.findings.get("decision_reason", [])]
    return frame


def review_frame(evaluation, unit_id=None) -> pd.DataFrame:
    """Every indicator's 自评 / 计算 / 复核 score and the evaluator's reason (复核记录 sheet)."""
    one = evaluation.unit(unit_id)
    indicators = one.indicators.sort_values("seq")
    return pd.DataFrame({
        "一级指标": [as_text(v) for v in indicators["level1"]],
        "二级指标": [as_text(v) for v in indicators["level2"]],
        "三级指标": [as_text(v) for v in indicators["name"]],
        "分值": indicators["weight"].to_numpy(float),
        "自评得分": pd.to_numeric(indicators["reported_score"], errors="coerce").to_numpy(float),
        "计算得分": indicators["score"].to_numpy(float),
        "复核得分": _final_scores(indicators),
        "复核档次": [as_text(v) for v in indicators.get("review_level", [""] * len(indicators))],
        "复核理由": [as_text(v) for v in indicators.get("review_reason", [""] * len(indicators))],
    })


def build_workbook(evaluation, unit_id=None) -> Workbook:
    """The form workbook of one unit (in memory)."""
    one, unit = _unit_frames(evaluation, unit_id)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = FORM_SHEET
    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    form = _Form(sheet)
    _write_title(form, unit)
    _write_header_block(form, unit)
    _write_funds_block(form, one)
    _write_goal_block(form, unit)
    _write_indicator_block(form, one)
    _write_total_and_text(form, one, unit)
    setup_print(sheet, landscape=False, header_rows=(form.header_row, form.header_row))
    sheet.print_area = f"A1:{chr(64 + LAST_COLUMN)}{form.row}"
    sheet.sheet_view.showGridLines = False

    findings = workbook.create_sheet(FINDINGS_SHEET)
    source = as_text(unit.get("source"))
    title = "审核发现" + (f"（位置指原始文件 {Path(source).name}）" if source else "")
    write_table_sheet(findings, findings_frame(one), title=title)
    findings.column_dimensions["E"].width = 60
    findings.column_dimensions["D"].width = min(findings.column_dimensions["D"].width, 36)
    record = one.review_record()
    if record is not None:
        sheet = workbook.create_sheet(REVIEW_SHEET)
        write_table_sheet(sheet, review_frame(one),
                          title=f"复核记录（复核人 {record['evaluator']}，{record['date']}）")
    return workbook


def write_xlsx_form(evaluation, path: str | os.PathLike, unit_id=None) -> Path:
    """Write the completed 项目支出绩效自评表 of one unit to ``path`` (atomically)."""
    workbook = build_workbook(evaluation, unit_id)
    buffer = BytesIO()
    workbook.save(buffer)
    target = Path(path)
    atomic_write_bytes(target, buffer.getvalue())
    return target
