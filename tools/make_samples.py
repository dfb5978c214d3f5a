"""Write the bundled sample units' data files (params/data/) reproducibly.

Each workbook is laid out the way departments really fill the forms: a title, merged
label cells, 一级/二级 cells merged down, header text with line breaks ("年度\\n指标值"),
"单位：万元" notes, 合计 and 总分 rows, percentages typed as text in some files and as
percentage-formatted numbers in others.  The figures (and the errors planted in them)
are explained per unit in tests/expected_samples.yaml.

Output is byte-for-byte reproducible: document properties and zip entry times are fixed.

    .venv/bin/python tools/make_samples.py            # writes params/data/
    .venv/bin/python tools/make_samples.py --out DIR  # writes elsewhere (tests compare)
"""
from __future__ import annotations

import argparse
import csv
import datetime
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

FIXED_TIME = datetime.datetime(2024, 3, 1, 9, 0, 0)
ZIP_TIME = (2024, 3, 1, 9, 0, 0)

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")
WRAP_LEFT = Alignment(wrap_text=True, vertical="center", horizontal="left")
TITLE_FONT = Font(name="宋体", size=16, bold=True)
HEAD_FONT = Font(name="宋体", size=10, bold=True)
BODY_FONT = Font(name="宋体", size=10)
MONEY = "#,##0.00"
PERCENT = "0.00%"


# ---------------------------------------------------------------------------------------------
# Writing helpers

def save_reproducibly(workbook: Workbook, path: Path) -> None:
    """Save ``workbook`` so that the same content always gives the same bytes."""
    workbook.properties.creator = "perfnb samples"
    workbook.properties.lastModifiedBy = "perfnb samples"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).write_data()
    repacked = io.BytesIO()
    with zipfile.ZipFile(raw) as source, \
            zipfile.ZipFile(repacked, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(repacked.getvalue())


class Sheet:
    """A worksheet with a little vocabulary: put a value, merge a range, style a box."""

    def __init__(self, worksheet, width: int):
        self.ws = worksheet
        self.width = width

    def put(self, row: int, column: int, value, *, end_column: int | None = None,
            end_row: int | None = None, font=BODY_FONT, align=WRAP, fmt: str | None = None):
        cell = self.ws.cell(row=row, column=column, value=value)
        if isinstance(value, str) and value.startswith("="):
            # A target typed as "=100%" is text in the department's file, not a formula.
            cell.data_type = "s"
        cell.font = font
        cell.alignment = align
        if fmt:
            cell.number_format = fmt
        last_column = end_column or column
        last_row = end_row or row
        for r in range(row, last_row + 1):
            for c in range(column, last_column + 1):
                self.ws.cell(row=r, column=c).border = BORDER
        if last_column != column or last_row != row:
            self.ws.merge_cells(start_row=row, start_column=column, end_row=last_row,
                                end_column=last_column)
        return cell

    def title(self, row: int, text: str, font=TITLE_FONT) -> None:
        cell = self.ws.cell(row=row, column=1, value=text)
        cell.font = font
        cell.alignment = Alignment(horizontal="center", vertical="center")
        self.ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=self.width)
        self.ws.row_dimensions[row].height = 30

    def note(self, row: int, text: str, column: int | None = None) -> None:
        cell = self.ws.cell(row=row, column=column or self.width, value=text)
        cell.font = BODY_FONT
        cell.alignment = Alignment(horizontal="right")

    def widths(self, widths: list[float]) -> None:
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width


def merge_runs(sheet: Sheet, rows: list[int], column: int, values: list[str]) -> None:
    """Write ``values`` down ``column``, merging each run of equal values into one cell."""
    start = 0
    while start < len(rows):
        end = start
        while end + 1 < len(rows) and values[end + 1] == values[start] \
                and rows[end + 1] == rows[end] + 1:
            end += 1
        sheet.put(rows[start], column, values[start], end_row=rows[end] if end > start else None)
        start = end + 1


def ind(level1, level2, name, target, actual, unit, weight, score, reason="", kind="",
        direction=""):
    """One indicator row, as the unit typed it."""
    return {"level1": level1, "level2": level2, "name": name, "kind": kind,
            "direction": direction, "target": target, "actual": actual, "unit": unit,
            "weight": weight, "score": score, "reason": reason}


def subtotal(label, weight, score):
    """A 合计/小计 row the unit typed below a dimension's indicators."""
    return {"subtotal": label, "weight": weight, "score": score}


# ---------------------------------------------------------------------------------------------
# Layout 1: the official single-sheet 项目支出绩效自评表 (财预〔2020〕10号 附件)

OFFICIAL_FIELDS = {
    "一级指标": "level1", "二级指标": "level2", "三级指标": "name", "指标性质": "kind",
    "指标方向": "direction", "年度指标值": "target", "实际完成值": "actual", "计量单位": "unit",
    "分值": "weight", "得分": "score", "偏差原因分析及改进措施": "reason",
}


def write_official(path: Path, spec: dict) -> None:
    """The official form.  spec keys: title, year_line, project, department, implementing_unit,
    funds (list of (label, initial, adjusted, executed, weight, rate, score)), rate_as_text,
    goals (planned, actual), headers (list of header texts, keys via OFFICIAL_FIELDS after
    removing whitespace), lead_column (a first column 绩效指标 merged down), rows, total
    (weight, score), conclusion (label, text) or None, percent_actuals (names whose actual is
    typed as a percentage-formatted number), signature."""
    headers = spec["headers"]
    lead = spec.get("lead_column", False)
    offset = 1 if lead else 0
    width = len(headers) + offset
    workbook = Workbook()
    ws = workbook.active
    ws.title = spec.get("sheet", "项目支出绩效自评表")
    sheet = Sheet(ws, width)
    sheet.widths(spec.get("widths") or [12] * width)

    row = 1
    sheet.title(row, spec.get("title", "项目支出绩效自评表"))
    row += 1
    cell = ws.cell(row=row, column=1, value=spec["year_line"])
    cell.font = BODY_FONT
    cell.alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    row += 1
    if spec.get("money_note"):
        sheet.note(row, spec["money_note"])
        row += 1

    middle = max(3, width // 2)
    sheet.put(row, 1, "项目名称", font=HEAD_FONT)
    sheet.put(row, 2, spec["project"], end_column=width)
    row += 1
    sheet.put(row, 1, "主管部门", font=HEAD_FONT)
    sheet.put(row, 2, spec["department"], end_column=middle)
    sheet.put(row, middle + 1, "实施单位", font=HEAD_FONT, end_column=middle + 1)
    sheet.put(row, middle + 2, spec["implementing_unit"], end_column=width)
    row += 1

    # Funds block: label column merged down, line labels in columns 2-3, amounts from 4 on.
    funds = spec["funds"]
    sheet.put(row, 1, "项目资金\n（万元）", end_row=row + len(funds), font=HEAD_FONT)
    sheet.put(row, 2, "", end_column=3)
    funds_headers = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    for index, text in enumerate(funds_headers):
        last = width if index == len(funds_headers) - 1 else None
        sheet.put(row, 4 + index, text, font=HEAD_FONT, end_column=last)
    for label, initial, adjusted, executed, weight, rate, score in funds:
        row += 1
        sheet.put(row, 2, label, end_column=3, align=WRAP_LEFT)
        sheet.put(row, 4, initial, fmt=MONEY)
        sheet.put(row, 5, adjusted, fmt=MONEY)
        sheet.put(row, 6, executed, fmt=MONEY)
        sheet.put(row, 7, weight)
        if isinstance(rate, float) and not spec.get("rate_as_text"):
            sheet.put(row, 8, rate, fmt=PERCENT)
        elif isinstance(rate, float):
            sheet.put(row, 8, f"{rate * 100:.2f}%")
        else:
            sheet.put(row, 8, rate)
        sheet.put(row, 9, score, end_column=width)
    row += 1

    # 年度总体目标
    planned, actual = spec["goals"]
    sheet.put(row, 1, "年度总\n体目标", end_row=row + 1, font=HEAD_FONT)
    sheet.put(row, 2, "预期目标", end_column=middle, font=HEAD_FONT)
    sheet.put(row, middle + 1, "实际完成情况", end_column=width, font=HEAD_FONT)
    sheet.put(row + 1, 2, planned, end_column=middle, align=WRAP_LEFT)
    sheet.put(row + 1, middle + 1, actual, end_column=width, align=WRAP_LEFT)
    ws.row_dimensions[row + 1].height = 90
    row += 2

    # Indicator block
    header_row = row
    keys = [OFFICIAL_FIELDS["".join(text.split())] for text in headers]
    for index, text in enumerate(headers):
        sheet.put(row, offset + 1 + index, text, font=HEAD_FONT)
    ws.row_dimensions[row].height = 30
    row += 1
    first_indicator_row = row
    percent_actuals = set(spec.get("percent_actuals", ()))
    indicator_rows: list[int] = []
    level1_values: list[str] = []
    level2_values: list[str] = []
    for item in spec["rows"]:
        if "subtotal" in item:
            level1_column = offset + 1 + keys.index("level1")
            sheet.put(row, level1_column, item["subtotal"], font=HEAD_FONT)
            for key in keys:
                column = offset + 1 + keys.index(key)
                if key in ("weight", "score"):
                    sheet.put(row, column, item[key])
                elif column != level1_column:
                    sheet.put(row, column, None)
            row += 1
            continue
        indicator_rows.append(row)
        level1_values.append(item["level1"])
        level2_values.append(item["level2"])
        for key in keys:
            if key in ("level1", "level2"):
                continue
            column = offset + 1 + keys.index(key)
            value = item[key]
            if key == "actual" and item["name"] in percent_actuals:
                sheet.put(row, column, value, fmt="0.0%")
            elif key == "reason":
                sheet.put(row, column, value or None, align=WRAP_LEFT)
            else:
                sheet.put(row, column, value if value != "" else None)
        row += 1
    merge_runs(sheet, indicator_rows, offset + 1 + keys.index("level1"), level1_values)
    merge_runs(sheet, indicator_rows, offset + 1 + keys.index("level2"), level2_values)
    if lead:
        sheet.put(header_row, 1, "绩效\n指标", end_row=row - 1, font=HEAD_FONT)
    assert first_indicator_row <= row

    # 总分 row: label merged up to the column before 分值.
    weight_column = offset + 1 + keys.index("weight")
    score_column = offset + 1 + keys.index("score")
    total_weight, total_score = spec["total"]
    sheet.put(row, 1, "总分", end_column=weight_column - 1, font=HEAD_FONT)
    sheet.put(row, weight_column, total_weight)
    sheet.put(row, score_column, total_score)
    if score_column < width:
        sheet.put(row, score_column + 1, None, end_column=width)
    row += 1
    if spec.get("conclusion"):
        label, text = spec["conclusion"]
        sheet.put(row, 1, label, end_column=2, font=HEAD_FONT)
        sheet.put(row, 3, text, end_column=width, align=WRAP_LEFT)
        row += 1
    if spec.get("signature"):
        row += 1
        ws.cell(row=row, column=1, value=spec["signature"]).font = BODY_FONT
    save_reproducibly(workbook, path)


# ---------------------------------------------------------------------------------------------
# Layout 2: 四川's 部门预算项目支出绩效自评表

def write_sichuan(path: Path, spec: dict) -> None:
    """四川's form: 11 columns A..K.  spec keys: report_no, year, project, department,
    implementing_unit, goal_planned, goal_actual, process, funds (list of (label, initial,
    adjusted, executed, rate, weight, score)), funds_reason, rows, total (weight, score),
    conclusion, problems, measures, signature."""
    width = 11
    workbook = Workbook()
    ws = workbook.active
    ws.title = spec.get("sheet", "项目支出绩效自评表")
    sheet = Sheet(ws, width)
    sheet.widths([12, 12, 12, 22, 8, 9, 9, 10, 8, 8, 26])

    row = 1
    if spec.get("report_no"):
        ws.cell(row=row, column=1, value=spec["report_no"]).font = BODY_FONT
        row += 1
    sheet.title(row, f"部门预算项目支出绩效自评表（{spec['year']}年度）")
    row += 1
    sheet.put(row, 1, "项目名称", font=HEAD_FONT)
    sheet.put(row, 2, spec["project"], end_column=width, align=WRAP_LEFT)
    row += 1
    sheet.put(row, 1, "主管部门", font=HEAD_FONT)
    sheet.put(row, 2, spec["department"], end_column=5)
    sheet.put(row, 6, "实施单位\n（盖章）", end_column=7, font=HEAD_FONT)
    sheet.put(row, 8, spec["implementing_unit"], end_column=width)
    row += 1

    # 项目基本情况: goals and the work done.
    sheet.put(row, 1, "项目基本情况", end_row=row + 2, font=HEAD_FONT)
    sheet.put(row, 2, "1.项目年度目标完成情况", end_row=row + 1, font=HEAD_FONT)
    sheet.put(row, 3, "项目年度目标", end_column=6, font=HEAD_FONT)
    sheet.put(row, 7, "年度目标完成情况", end_column=width, font=HEAD_FONT)
    sheet.put(row + 1, 3, spec["goal_planned"], end_column=6, align=WRAP_LEFT)
    sheet.put(row + 1, 7, spec["goal_actual"], end_column=width, align=WRAP_LEFT)
    ws.row_dimensions[row + 1].height = 80
    sheet.put(row + 2, 2, "2.项目实施内容及过程概述", font=HEAD_FONT)
    sheet.put(row + 2, 3, spec["process"], end_column=width, align=WRAP_LEFT)
    ws.row_dimensions[row + 2].height = 60
    row += 3

    # 预算执行情况（10分）
    funds = spec["funds"]
    sheet.put(row, 1, "预算执行情况\n（10分）", end_row=row + len(funds), font=HEAD_FONT)
    for column, text in enumerate(["年度预算数\n（万元）", "年初预算", "调整后预算数", "预算执行数",
                                   "预算执行率", "权重", "得分"], start=2):
        sheet.put(row, column, text, font=HEAD_FONT)
    sheet.put(row, 9, "原因", end_column=width, font=HEAD_FONT)
    first_funds_row = row + 1
    for label, initial, adjusted, executed, rate, weight, score in funds:
        row += 1
        sheet.put(row, 2, label, align=WRAP_LEFT)
        for column, value in ((3, initial), (4, adjusted), (5, executed)):
            sheet.put(row, column, value, fmt=MONEY if isinstance(value, float) else None)
        sheet.put(row, 6, rate)
        sheet.put(row, 7, weight)
        sheet.put(row, 8, score)
    reason = spec.get("funds_reason") or None
    sheet.put(first_funds_row, 9, reason, end_column=width, end_row=row, align=WRAP_LEFT)
    row += 1

    # 绩效指标（90分）
    header_row = row
    for column, text in enumerate(["一级指标", "二级指标", "三级指标", "指标性质", "指标值",
                                   "度量单位", "完成值", "权重", "得分", "未完成原因分析"], start=2):
        sheet.put(row, column, text, font=HEAD_FONT)
    row += 1
    rows: list[int] = []
    level1_values: list[str] = []
    level2_values: list[str] = []
    for item in spec["rows"]:
        rows.append(row)
        level1_values.append(item["level1"])
        level2_values.append(item["level2"])
        sheet.put(row, 4, item["name"], align=WRAP_LEFT)
        sheet.put(row, 5, item["kind"])
        sheet.put(row, 6, item["target"])
        sheet.put(row, 7, item["unit"] or None)
        sheet.put(row, 8, item["actual"])
        sheet.put(row, 9, item["weight"])
        sheet.put(row, 10, item["score"])
        sheet.put(row, 11, item["reason"] or None, align=WRAP_LEFT)
        row += 1
    merge_runs(sheet, rows, 2, level1_values)
    merge_runs(sheet, rows, 3, level2_values)
    sheet.put(header_row, 1, "绩效指标\n（90分）", end_row=row - 1, font=HEAD_FONT)

    total_weight, total_score = spec["total"]
    sheet.put(row, 1, "合计", end_column=8, font=HEAD_FONT)
    sheet.put(row, 9, total_weight)
    sheet.put(row, 10, total_score)
    sheet.put(row, 11, None)
    row += 1
    for label in ("评价结论", "存在问题", "改进措施"):
        key = {"评价结论": "conclusion", "存在问题": "problems", "改进措施": "measures"}[label]
        sheet.put(row, 1, label, font=HEAD_FONT)
        sheet.put(row, 2, spec[key], end_column=width, align=WRAP_LEFT)
        ws.row_dimensions[row].height = 60
        row += 1
    leader, finance = spec["signature"]
    sheet.put(row, 1, f"项目负责人：{leader}", end_column=4, align=WRAP_LEFT)
    sheet.put(row, 5, f"财务负责人：{finance}", end_column=width, align=WRAP_LEFT)
    save_reproducibly(workbook, path)


# ---------------------------------------------------------------------------------------------
# Layout 3: our three-sheet workbook (项目信息 / 预算执行 / 绩效指标)

WORKBOOK_INDICATOR_HEADERS = ["一级指标", "二级指标", "三级指标", "指标性质", "指标方向", "年度指标值",
                              "实际完成值", "计量单位", "分值", "得分", "偏差原因分析及改进措施"]
WORKBOOK_FUNDS_HEADERS = ["资金类别", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分",
                          "偏差原因"]


def write_workbook(path: Path, spec: dict) -> None:
    """spec keys: info (list of (项目, 内容)), funds (list of (label, initial, adjusted,
    executed, weight, rate, score, reason)), rows (indicators and subtotals), titles (bool:
    a title row above each table), merge_levels (bool: 一级/二级 merged down)."""
    workbook = Workbook()
    titles = spec.get("titles", False)

    info = Sheet(workbook.active, 2)
    info.ws.title = "项目信息"
    info.widths([16, 80])
    row = 1
    if titles:
        info.title(row, "项目基本信息")
        row += 1
    info.put(row, 1, "项目", font=HEAD_FONT)
    info.put(row, 2, "内容", font=HEAD_FONT)
    for label, value in spec["info"]:
        row += 1
        info.put(row, 1, label, font=HEAD_FONT)
        info.put(row, 2, value, align=WRAP_LEFT)
        if isinstance(value, str) and len(value) > 40:
            info.ws.row_dimensions[row].height = 15 * (len(value) // 40 + 1)

    funds = Sheet(workbook.create_sheet("预算执行"), len(WORKBOOK_FUNDS_HEADERS))
    funds.widths([20, 12, 12, 12, 8, 10, 8, 50])
    row = 1
    if titles:
        funds.title(row, "预算执行情况")
        row += 1
        funds.note(row, "单位：万元")
        row += 1
    for column, text in enumerate(WORKBOOK_FUNDS_HEADERS, start=1):
        funds.put(row, column, text, font=HEAD_FONT)
    for label, initial, adjusted, executed, weight, rate, score, reason in spec["funds"]:
        row += 1
        funds.put(row, 1, label, align=WRAP_LEFT)
        for column, value in ((2, initial), (3, adjusted), (4, executed)):
            funds.put(row, column, value, fmt=MONEY if isinstance(value, float) else None)
        funds.put(row, 5, weight)
        funds.put(row, 6, rate, fmt=PERCENT if isinstance(rate, float) else None)
        funds.put(row, 7, score)
        funds.put(row, 8, reason or None, align=WRAP_LEFT)

    table = Sheet(workbook.create_sheet("绩效指标"), len(WORKBOOK_INDICATOR_HEADERS))
    table.widths([12, 14, 28, 9, 9, 11, 11, 10, 7, 7, 40])
    row = 1
    if titles:
        table.title(row, "绩效指标完成情况")
        row += 1
    for column, text in enumerate(WORKBOOK_INDICATOR_HEADERS, start=1):
        table.put(row, column, text, font=HEAD_FONT)
    row += 1
    keys = ["level1", "level2", "name", "kind", "direction", "target", "actual", "unit", "weight",
            "score", "reason"]
    merge = spec.get("merge_levels", False)
    rows: list[int] = []
    level1_values: list[str] = []
    level2_values: list[str] = []
    for item in spec["rows"]:
        if "subtotal" in item:
            table.put(row, 1, item["subtotal"], end_column=8, font=HEAD_FONT)
            table.put(row, 9, item["weight"])
            table.put(row, 10, item["score"])
            table.put(row, 11, None)
            row += 1
            continue
        rows.append(row)
        level1_values.append(item["level1"])
        level2_values.append(item["level2"])
        for column, key in enumerate(keys, start=1):
            if merge and key in ("level1", "level2"):
                continue
            value = item[key]
            table.put(row, column, value if value != "" else None,
                      align=WRAP_LEFT if key in ("name", "reason") else WRAP)
        row += 1
    if merge:
        merge_runs(table, rows, 1, level1_values)
        merge_runs(table, rows, 2, level2_values)
    save_reproducibly(workbook, path)


# ---------------------------------------------------------------------------------------------
# Layout 4: a CSV indicator table (unit info and budget in the unit YAML)

def write_csv(path: Path, rows: list[dict], encoding: str) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(WORKBOOK_INDICATOR_HEADERS)
    keys = ["level1", "level2", "name", "kind", "direction", "target", "actual", "unit", "weight",
            "score", "reason"]
    for item in rows:
        writer.writerow([item[key] for key in keys])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))


# ---------------------------------------------------------------------------------------------
# The units.  Figures in 万元.  See tests/expected_samples.yaml for what each one plants.

NMG_HEADERS = ["一级\n指标", "二级指标", " 三级指标", "指标性质", "指标方向", "年度\n指标值", "实际\n完成值",
               "计量单位", "分值", "得分", "偏差原因分析及改进措施"]


def unit_nmg_rd_2022_rdlz(out: Path) -> None:
    """The seed: 内蒙古自治区人大常委会办公厅, 人大履职保障经费, 2022, transcribed from its report."""
    output, quantity = "C产出指标", "C1数量指标"
    rows = [
        ind(output, quantity, "C11后勤保障日常工作时间", 12, 12, "个月", 5, 5, kind="正向", direction="等于"),
        ind(output, quantity, "C12内蒙古人大汉刊编印期数", 12, 12, "期", 5, 5, kind="正向", direction="等于"),
        ind(output, quantity, "C13内蒙古人大蒙刊编印期数", 12, 12, "期", 5, 5, kind="正向", direction="等于"),
        ind(output, quantity, "C14办公设备采购批次", 4, 3, "批次", 5, 3.75, kind="正向", direction="大于等于"),
        ind(output, quantity, "C15人大新闻奖评选次数", 1, 1, "次", 5, 5, kind="正向", direction="等于"),
        ind(output, quantity, "C16人大研究会工作经费保障时间", 12, 12, "个月", 5, 5, kind="正向",
            direction="等于"),
        ind(output, quantity, "C17聘请劳务人员数量", 34, 35, "人", 5, 5, kind="正向", direction="大于等于"),
        ind(output, quantity, "C18维修改造工程个数", 3, 8, "个", 5, 5, kind="正向", direction="大于等于"),
        ind(output, "C2质量指标", "C2工作完成质量", "优良中低差", "优", "", 3, 3, kind="定性指标",
            direction="正向指标"),
        ind(output, "C3时效指标", "C3工作完成时限", 12, 12, "个月", 3, 3, kind="定量指标",
            direction="正向指标"),
        ind(output, "C4成本指标", "C4经费总额", "≤2255", 1972.41, "万元", 4, 4, kind="定量指标",
            direction="正向指标"),
        subtotal("合计", 50, 48.75),
        ind("效益指标", "D社会效益指标", "D1宣传人民代表大会制度", "优", "优", "", 10, 10, kind="定性指标"),
        ind("效益指标", "D社会效益指标", "D2提供人大基本履职保障", "优", "优", "", 10, 10, kind="定性指标"),
        ind("效益指标", "D社会效益指标", "D3完善人民代表大会制度", "优", "优", "", 10, 10, kind="定性指标"),
        subtotal("合计", 10, 10),
        ind("满意度\n指标", "E服务对象\n满意度指标", "E1服务人员满意度", "≥95%", "95%", "", 10, 9.5,
            kind="定性指标", direction="正向指标"),
    ]
    write_official(out / "nmg-rd-2022-rdlz.xlsx", {
        "year_line": "（2022年度）",
        "project": "人大履职保障经费",
        "department": "内蒙古自治区人大常委会办公厅",
        "implementing_unit": "内蒙古自治区人大常委会办公厅",
        "money_note": "单位：万元",
        "funds": [
            ("年度资金总额", 2229.00, None, 1972.41, 10, 0.8849, 8.85),
            ("其中：当年财政拨款", 2229.00, None, 1972.41, "—", None, "—"),
            ("上年结转资金", None, None, None, "—", None, "—"),
            ("其他资金", None, None, None, "—", None, "—"),
        ],
        "goals": ("完成处理机关日常工作，维护机关日常稳定运行，宣传报道人大新闻，开展理论研究等工作。",
                  "按照年初制定的工作计划及预算目标，2022年度我单位较好的完成了年初设定的绩效目标。"
                  "支出方面合法、合规、合理，不存在挤占、挪用、超范围列支等情况。"),
        "headers": NMG_HEADERS,
        "widths": [11, 14, 26, 10, 10, 11, 11, 9, 7, 7, 24],
        "rows": rows,
        "total": (100, 97.6),
        "conclusion": ("评价结论", "优"),
        "signature": "填报单位：内蒙古自治区人大常委会办公厅          填报日期：2023年6月13日",
    })


def unit_wjw_2023_jbgw(out: Path) -> None:
    """卫健委, 基本公共卫生服务补助资金: classic 10号 layout (operators and % in the values)."""
    o, b, s = "产出指标", "效益指标", "满意度指标"
    rows = [
        ind(o, "数量指标", "居民电子健康档案建档率", "≥90%", "91.2%", "", 8, 8),
        ind(o, "数量指标", "65岁及以上老年人健康管理率", "≥65%", "61.5%", "", 8, 7.57),
        ind(o, "数量指标", "高血压患者基层规范管理服务率", "≥60%", "63.8%", "", 8, 8),
        ind(o, "质量指标", "适龄儿童国家免疫规划疫苗接种率", "≥90%", "98.6%", "", 8, 8),
        ind(o, "质量指标", "孕产妇系统管理率", "≥90%", "93.1%", "", 6, 6),
        ind(o, "时效指标", "补助资金下达及时率", "=100%", "100%", "", 6, 6),
        ind(o, "成本指标", "人均基本公共卫生服务经费补助标准", "≥89元", "89元", "", 6, 6),
        ind(b, "社会效益指标", "居民健康素养水平", "≥25%", "33.7%", "", 10, 10,
            "2023年加大健康教育宣传力度，且监测样本覆盖城区比例提高，实际值明显高于目标；"
            "下年度将结合近三年监测结果科学设定目标值。"),
        ind(b, "社会效益指标", "传染病疫情报告及时率", "≥95%", "99.2%", "", 10, 10),
        ind(b, "可持续影响指标", "基层医疗卫生机构服务能力", "优", "优", "", 10, 10),
        ind(s, "服务对象满意度指标", "居民对基本公共卫生服务满意度", "≥85%", "86.4%", "", 6, 6),
        ind(s, "服务对象满意度指标", "服务投诉率", "≤1%", "1.6%", "", 4, 2.5,
            "部分乡镇家庭医生签约服务随访不及时引发投诉；已建立投诉台账，逐件回访并限期整改。"),
    ]
    write_official(out / "wjw-2023-jbgw.xlsx", {
        "year_line": "（2023年度）",
        "project": "基本公共卫生服务补助资金",
        "department": "湖北省卫生健康委员会",
        "implementing_unit": "湖北省卫生健康委员会",
        "funds": [
            ("年度资金总额", 86500.00, 86500.00, 84370.00, 10, 0.9754, 9.75),
            ("其中：当年财政拨款", 86500.00, 86500.00, 84370.00, "—", None, "—"),
            ("上年结转资金", 0.0, 0.0, 0.0, "—", None, "—"),
            ("其他资金", 0.0, 0.0, 0.0, "—", None, "—"),
        ],
        "rate_as_text": True,
        "goals": ("为城乡居民免费提供建立居民健康档案、健康教育、预防接种、老年人健康管理、慢性病患者健康管理等"
                  "基本公共卫生服务，人均基本公共卫生服务经费补助标准提高至89元，重点人群健康管理率稳步提升。",
                  "全年按标准下达补助资金84370万元，居民电子健康档案建档率91.2%，适龄儿童免疫规划疫苗接种率98.6%，"
                  "高血压患者基层规范管理服务率63.8%；65岁及以上老年人健康管理率61.5%，未达到年度目标。"),
        "headers": ["一级指标", "二级指标", "三级指标", "年度\n指标值", "实际\n完成值", "分值", "得分",
                    "偏差原因分析\n及改进措施"],
        "lead_column": True,
        "widths": [8, 11, 14, 28, 11, 11, 7, 7, 40],
        "rows": rows,
        "total": (100, 98.72),
        "conclusion": ("自评等级", "优"),
    })


def unit_jtt_2023_gsgyh(out: Path) -> None:
    """交通运输厅, 普通国省干线公路养护专项资金: low execution with a reason, 执行率 computed on the
    wrong base (年初预算), a cost ceiling exceeded, one actual typed as a percentage number."""
    o, b, s = "产出指标", "效益指标", "满意度指标"
    rows = [
        ind(o, "数量指标", "国省干线路面大中修里程", "≥420", 386, "公里", 10, 9.19,
            "受汛期强降雨影响，G320、S223两个标段延期至2024年实施；已调整施工组织，汛后集中施工。",
            kind="定量"),
        ind(o, "数量指标", "危桥改造座数", "≥35", 35, "座", 8, 8, kind="定量"),
        ind(o, "质量指标", "优良路率", "≥85%", 0.882, "%", 8, 8, kind="定量"),
        ind(o, "质量指标", "大中修工程交工验收合格率", "=100%", "100%", "%", 6, 6, kind="定量"),
        ind(o, "质量指标", "施工安全责任事故发生次数", "=0", 0, "起", 6, 6, kind="定量"),
        ind(o, "时效指标", "养护工程按期完工率", "≥90%", "92%", "%", 6, 6, kind="定量"),
        ind(o, "成本指标", "每公里路面大中修平均成本", "≤120", 130, "万元/公里", 6, 5.54, kind="定量"),
        ind(b, "社会效益指标", "公路技术状况指数（MQI）", "≥88", 90.6, "", 10, 10, kind="定量"),
        ind(b, "社会效益指标", "路况投诉处理率", "≥95%", "97.5%", "%", 10, 10, kind="定量"),
        ind(b, "可持续影响指标", "干线公路使用寿命延长", "良", "良", "", 10, 10, kind="定性"),
        ind(s, "服务对象满意度指标", "沿线群众满意度", "≥90%", "91.5%", "%", 10, 10, kind="定量"),
    ]
    write_official(out / "jtt-2023-gsgyh.xlsx", {
        "year_line": "（2023年度）",
        "project": "普通国省干线公路养护专项资金",
        "department": "江西省交通运输厅",
        "implementing_unit": "江西省公路事业发展中心",
        "money_note": "金额单位：万元",
        "funds": [
            ("年度资金总额", 62000.00, 60000.00, 49380.00, 10, 0.7965, 7.96),
            ("其中：当年财政拨款", 62000.00, 60000.00, 49380.00, "—", None, "—"),
            ("上年结转资金", None, None, None, "—", None, "—"),
            ("其他资金", None, None, None, "—", None, "—"),
        ],
        "goals": ("完成国省干线路面大中修420公里、危桥改造35座，优良路率不低于85%，保障干线公路安全畅通。",
                  "完成路面大中修386公里、危桥改造35座，优良路率88.2%，全年未发生施工安全责任事故。"
                  "部分大中修工程受汛期影响延期开工，工程款按进度拨付，年底前未能全部支付，结余资金已按规定收回统筹。"),
        "headers": ["一级指标", "二级指标", "三级指标", "指标性质", "年度\n指标值", "实际\n完成值", "计量单位",
                    "分值", "得分", "偏差原因分析及改进措施"],
        "lead_column": True,
        "widths": [8, 11, 13, 26, 8, 10, 10, 10, 7, 7, 40],
        "rows": rows,
        "percent_actuals": ["优良路率"],
        "total": (100, 96.69),
        "conclusion": ("评价结论", "优"),
        "signature": "填表人：刘建华    联系电话：0791-86xxxxxx    填报日期：2024年3月20日",
    })


def unit_jyt_2023_xqjy(out: Path) -> None:
    """教育厅, 学前教育发展资金: no satisfaction indicator (产出 60, 效益 30), a score above its
    weight, a qualitative score outside its band, a wrong total."""
    o, b = "产出指标", "效益指标"
    rows = [
        ind(o, "数量指标", "新建改扩建公办幼儿园数", "≥120所", "126所", "", 15, 15),
        ind(o, "数量指标", "新增公办学位数", "≥3.6万个", "3.72万个", "", 15, 15.2,
            "超额完成新增学位任务，加0.2分。"),
        ind(o, "质量指标", "幼儿园专任教师持证上岗率", "≥95%", "93.5%", "", 10, 9.84,
            "新招聘教师尚未取得教师资格证；已督促新招聘教师在2024年上半年考试中取证，未取证者不得独立带班。"),
        ind(o, "时效指标", "资金下达及时率", "=100%", "100%", "", 10, 10),
        ind(o, "成本指标", "公办幼儿园生均财政拨款标准", "≥600元/生·年", "600元/生·年", "", 10, 10),
        ind(b, "社会效益指标", "学前三年毛入园率", "≥91%", "92.4%", "", 10, 10),
        ind(b, "社会效益指标", "普惠性幼儿园覆盖率", "≥85%", "87.9%", "", 10, 10),
        ind(b, "可持续影响指标", "学前教育公共服务体系建设", "优", "良", "", 10, 10,
            "农村地区普惠性学前教育资源仍显不足，部分乡镇中心幼儿园师资配备不到位。"),
    ]
    write_official(out / "jyt-2023-xqjy.xlsx", {
        "title": "项目支出绩效自评表",
        "year_line": "（ 2023 年度）",
        "project": "学前教育发展资金",
        "department": "河南省教育厅",
        "implementing_unit": "河南省教育厅",
        "money_note": "单位：万元",
        "funds": [
            ("年度资金总额", 35000.00, 35000.00, 34160.00, 10, "97.60%", 9.76),
            ("其中：当年财政拨款", 35000.00, 35000.00, 34160.00, "—", "97.60%", "—"),
            ("上年结转资金", None, None, None, "—", None, "—"),
            ("其他资金", None, None, None, "—", None, "—"),
        ],
        "goals": ("支持各地新建改扩建公办幼儿园120所，新增公办学位3.6万个，学前三年毛入园率达到91%以上，"
                  "普惠性幼儿园覆盖率达到85%以上。",
                  "全年新建改扩建公办幼儿园126所，新增公办学位3.72万个，学前三年毛入园率92.4%，"
                  "普惠性幼儿园覆盖率87.9%；专任教师持证上岗率93.5%，略低于目标。"),
        "headers": ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                    "偏差原因分析及改进措施"],
        "lead_column": True,
        "widths": [8, 11, 13, 28, 14, 14, 7, 7, 40],
        "rows": rows,
        "total": (100, 99.8),
        "conclusion": ("评价结论", "优"),
    })


def unit_sc_lx_2023_gbzn(out: Path) -> None:
    """四川 county agriculture: 泸县 高标准农田建设, low execution without a reason, a text actual
    ("完成") on a numeric cost ceiling."""
    o, b, s = "产出指标", "效益指标", "满意度指标"
    rows = [
        ind(o, "数量指标", "新建高标准农田面积", 2.5, 2.5, "万亩", 15, 15, kind="≥"),
        ind(o, "数量指标", "新建（整治）灌排渠道长度", 48, 45.6, "公里", 10, 9.5,
            "2处渠道线路涉及基本农田调整需重新设计，延至2024年一季度完工。", kind="≥"),
        ind(o, "质量指标", "工程验收合格率", 100, 100, "%", 10, 10, kind="="),
        ind(o, "时效指标", "项目完工及时率", 90, 92, "%", 5, 5, kind="≥"),
        ind(o, "成本指标", "亩均财政投入", 1500, 1380, "元/亩", 5, 5, kind="≤"),
        ind(o, "成本指标", "项目管理费", 69, "完成", "万元", 5, 5, kind="≤"),
        ind(b, "经济效益指标", "项目区粮食亩均增产", 50, 62, "公斤", 10, 10, kind="≥"),
        ind(b, "社会效益指标", "受益农户数", 1.2, 1.26, "万户", 10, 10, kind="≥"),
        ind(b, "生态效益指标", "农田灌溉水有效利用系数", 0.55, 0.56, "", 5, 5, kind="≥"),
        ind(b, "可持续影响指标", "工程设计使用年限", 15, 15, "年", 5, 5, kind="≥"),
        ind(s, "服务对象满意度指标", "项目区农户满意度", 90, 95, "%", 10, 10, kind="≥"),
    ]
    write_sichuan(out / "sc-lx-2023-gbzn.xlsx", {
        "report_no": "报表编号：510521_0027zp",
        "year": 2023,
        "project": "51052123T000008712406-2023年高标准农田建设项目",
        "department": "泸县农业农村局部门",
        "implementing_unit": "泸县农业农村局",
        "goal_planned": "新建高标准农田2.5万亩，配套建设灌排渠道48公里，工程验收合格率100%，"
                        "项目区粮食亩均增产50公斤以上。",
        "goal_actual": "建成高标准农田2.5万亩，建成灌排渠道45.6公里，工程全部验收合格，项目区粮食亩均增产62公斤。",
        "process": "项目于2023年3月完成招标，4月开工，11月完工，12月通过县级初验；"
                   "涉及玄滩、云锦、牛滩等6个镇38个村。",
        "funds": [
            ("总额", 3200.00, 3450.00, 2911.80, "84.40%", 10, 8.44),
            ("其中：财政资金", 3200.00, 3450.00, 2911.80, "84.40%", "/", "/"),
            ("财政专户管理资金", 0.00, 0.00, 0.00, "0.00%", "/", "/"),
            ("单位资金", 0.00, 0.00, 0.00, "0.00%", "/", "/"),
            ("其他资金", None, None, None, None, "/", "/"),
        ],
        "funds_reason": "",
        "rows": rows,
        "total": (100, 97.94),
        "conclusion": "本项目自评得分97.94分，自评等级为优。项目建成高标准农田2.5万亩，改善了项目区农业生产条件，"
                      "粮食综合生产能力明显提升。",
        "problems": "部分渠道工程因基本农田调整重新设计，工期延后；工程尾款未能在年内全部支付。",
        "measures": "加强项目前期论证和设计审查，合理安排建设工期；督促施工单位加快结算，及时支付工程款。",
        "signature": ("王志强", "李红梅"),
    })


def unit_sc_nj_2023_ysaq(out: Path) -> None:
    """四川: 南江县 农村饮水安全工程维修养护, indicator weights adding to 88 (not 90), the form's
    printed instructions left in the 原因 cell."""
    o, b, s = "产出指标", "效益指标", "满意度指标"
    rows = [
        ind(o, "数量指标", "维修养护农村供水工程处数", 85, 88, "处", 20, 20, kind="≥"),
        ind(o, "数量指标", "受益人口", 6.5, 6.8, "万人", 15, 15, kind="≥"),
        ind(o, "质量指标", "维修养护工程验收合格率", 100, 100, "%", 10, 10, kind="="),
        ind(o, "时效指标", "汛前完成维修养护任务比例", 80, 85, "%", 5, 5, kind="≥"),
        ind(o, "成本指标", "单处工程平均补助", 6, 5.79, "万元/处", 5, 5, kind="≤"),
        ind(b, "社会效益指标", "农村自来水普及率", 88, 89.2, "%", 10, 10, kind="≥"),
        ind(b, "社会效益指标", "农村供水水质达标率", 90, 91.4, "%", 8, 8, kind="≥"),
        ind(b, "可持续影响指标", "工程良性运行长效机制", "优", "优", "", 5, 5, kind="定性"),
        ind(s, "服务对象满意度指标", "受益群众满意度", 90, 96, "%", 10, 10, kind="≥"),
    ]
    write_sichuan(out / "sc-nj-2023-ysaq.xlsx", {
        "year": 2023,
        "project": "51192223R000004418920-2023年农村饮水安全工程维修养护补助资金",
        "department": "南江县水利局部门",
        "implementing_unit": "南江县水利局",
        "goal_planned": "对全县85处以上农村供水工程开展维修养护，保障6.5万农村人口饮水安全，农村自来水普及率达到88%。",
        "goal_actual": "完成88处农村供水工程维修养护，受益人口6.8万人，农村自来水普及率89.2%，水质达标率91.4%。",
        "process": "县水利局会同各乡镇排查供水工程运行情况，建立维修养护台账，汛前完成85%的维修养护任务，"
                   "11月底全部完工并验收。",
        "funds": [
            ("总额", 450.00, 520.00, 509.60, "98.00%", 10, 9.8),
            ("其中：财政资金", 450.00, 520.00, 509.60, "98.00%", "/", "/"),
            ("财政专户管理资金", 0.00, 0.00, 0.00, "0.00%", "/", "/"),
            ("单位资金", 0.00, 0.00, 0.00, "0.00%", "/", "/"),
            ("其他资金", None, None, None, None, "/", "/"),
        ],
        "funds_reason": "1.预算执行率=预算执行数/调整后预算数，预算执行率未达到90%的需说明原因（100字以内）；"
                        "2.年中发生预算调整的（追加或调减），应单独说明理由；3.其他资金包括：社会投入资金、银行贷款。",
        "rows": rows,
        "total": (100, 97.8),
        "conclusion": "本项目自评得分97.8分，自评等级为优。全年完成88处农村供水工程维修养护，农村供水保障水平进一步提高。",
        "problems": "部分工程管护人员专业能力不足，日常巡查记录不完整。",
        "measures": "加强管护人员业务培训，落实工程管护责任和巡查制度，完善维修养护台账。",
        "signature": ("赵永刚", "陈丽"),
    })


def unit_jyt_2023_yygs(out: Path) -> None:
    """教育厅, 农村义务教育学生营养改善计划: our workbook, 一级/二级 merged, a wrong 产出 合计."""
    o, b, s = "产出指标", "效益指标", "满意度指标"
    rows = [
        ind(o, "数量指标", "受益学生人数", "≥185", 182.6, "万人", 10, 9.87,
            "部分农村学校撤并、学生随迁至城区就读，实际受益人数减少；下一步按学期动态核定受益学生名单。",
            kind="定量", direction="正向"),
        ind(o, "数量指标", "覆盖县（市、区）数", "=112", 112, "个", 10, 10, kind="定量", direction="正向"),
        ind(o, "质量指标", "膳食补助标准", "≥5", 5, "元/生·日", 10, 10, kind="定量", direction="正向"),
        ind(o, "质量指标", "食品安全事故发生次数", "=0", 0, "次", 5, 5, kind="定量", direction="正向"),
        ind(o, "时效指标", "补助资金按学期拨付及时率", "≥95%", "100%", "%", 5, 5, kind="定量", direction="正向"),
        ind(o, "成本指标", "每生每日膳食补助成本", "≤5", 5, "元", 10, 10, kind="定量", direction="反向"),
        subtotal("合计", 50, 49.78),
        ind(b, "社会效益指标", "学生营养健康状况改善程度", "优", "良", "", 10, 7,
            "部分地区以课间加餐为主，营养搭配不够均衡；下一步推广学校食堂供餐模式，配备营养指导员。",
            kind="定性", direction="正向"),
        ind(b, "社会效益指标", "学生体质健康合格率", "≥90%", "92.3%", "%", 10, 10, kind="定量", direction="正向"),
        ind(b, "可持续影响指标", "学校食堂供餐比例", "≥85%", "88.5%", "%", 10, 10, kind="定量", direction="正向"),
        subtotal("合计", 30, 27),
        ind(s, "服务对象满意度指标", "学生及家长满意度", "≥90%", "93.6%", "%", 10, 10, kind="定量",
            direction="正向"),
        subtotal("合计", 10, 10),
    ]
    write_workbook(out / "jyt-2023-yygs.xlsx", {
        "info": [
            ("单位编号", "jyt-2023-yygs"),
            ("主管部门", "河南省教育厅"),
            ("实施单位", "河南省学生资助管理中心"),
            ("项目名称", "农村义务教育学生营养改善计划膳食补助资金"),
            ("年度", 2023),
            ("预期目标", "为国家试点县农村义务教育阶段学生提供营养膳食补助，补助标准每生每天5元，"
                         "覆盖112个县（市、区）、185万名学生，改善农村学生营养健康状况。"),
            ("实际完成情况", "全年下达膳食补助资金49868.80万元，覆盖112个县（市、区）182.6万名学生，"
                           "全年未发生食品安全事故，学生体质健康合格率92.3%。"),
            ("自评总分", 96.61),
            ("自评等级", "优"),
            ("存在问题", "部分学校食堂建设滞后，仍以课间加餐为主；受益学生名单动态调整不够及时。"),
            ("改进措施", "加快学校食堂建设，推广食堂供餐；按学期核定受益学生名单，及时调整资金。"),
            ("后续工作计划", "2024年继续实施营养改善计划，开展营养健康监测评估。"),
        ],
        "funds": [
            ("年度资金总额", 48600.00, 51200.00, 49868.80, 10, 0.974, 9.74, ""),
            ("其中：当年财政拨款", 48600.00, 51200.00, 49868.80, None, None, None, ""),
            ("上年结转资金", 0.0, 0.0, 0.0, None, None, None, ""),
            ("其他资金", 0.0, 0.0, 0.0, None, None, None, ""),
        ],
        "rows": rows,
        "merge_levels": True,
    })


def unit_wjw_2023_fyjk(out: Path) -> None:
    """卫健委, 妇幼健康服务项目: the clean unit, every figure right."""
    o, b, s = "产出指标", "效益指标", "满意度指标"
    rows = [
        ind(o, "数量指标", "农村妇女“两癌”筛查人数", "≥45", 46.2, "万人", 10, 10, kind="定量", direction="正向"),
        ind(o, "数量指标", "孕产妇产前筛查人数", "≥38", 39.1, "万人", 10, 10, kind="定量", direction="正向"),
        ind(o, "质量指标", "孕产妇系统管理率", "≥90", 92.6, "%", 10, 10, kind="定量", direction="正向"),
        ind(o, "质量指标", "3岁以下儿童系统管理率", "≥85", 89.3, "%", 10, 10, kind="定量", direction="正向"),
        ind(o, "时效指标", "项目资金拨付及时率", "=100", 100, "%", 5, 5, kind="定量", direction="正向"),
        ind(o, "成本指标", "宫颈癌筛查人均补助标准", "≤60", 60, "元", 5, 5, kind="定量", direction="反向"),
        ind(b, "社会效益指标", "孕产妇死亡率", "≤10", 7.8, "1/10万", 10, 10, kind="定量", direction="反向"),
        ind(b, "社会效益指标", "婴儿死亡率", "≤5", 3.9, "‰", 10, 10, kind="定量", direction="反向"),
        ind(b, "可持续影响指标", "妇幼健康服务体系建设", "优", "优", "", 10, 10, kind="定性", direction="正向"),
        ind(s, "服务对象满意度指标", "服务对象满意度", "≥90", 94.2, "%", 10, 10, kind="定量", direction="正向"),
    ]
    write_workbook(out / "wjw-2023-fyjk.xlsx", {
        "info": [
            ("单位编号", "wjw-2023-fyjk"),
            ("主管部门", "湖北省卫生健康委员会"),
            ("实施单位", "湖北省妇幼保健院"),
            ("项目名称", "妇幼健康服务项目"),
            ("年度", 2023),
            ("预期目标", "开展农村妇女“两癌”筛查45万人、孕产妇产前筛查38万人，孕产妇系统管理率达到90%以上，"
                         "孕产妇死亡率控制在10/10万以下，婴儿死亡率控制在5‰以下。"),
            ("实际完成情况", "完成“两癌”筛查46.2万人、产前筛查39.1万人，孕产妇系统管理率92.6%，"
                           "孕产妇死亡率7.8/10万，婴儿死亡率3.9‰，各项目标全部完成。"),
            ("自评总分", 99.7),
            ("自评等级", "优"),
            ("存在问题", "基层妇幼保健机构人员力量仍较薄弱。"),
            ("改进措施", "加强基层妇幼保健人员培训，完善县乡村三级妇幼健康服务网络。"),
            ("后续工作计划", "2024年继续实施妇幼健康服务项目，扩大“两癌”筛查覆盖面。"),
        ],
        "funds": [
            ("年度资金总额", 12800.00, 12800.00, 12416.00, 10, 0.97, 9.7, ""),
            ("其中：当年财政拨款", 12800.00, 12800.00, 12416.00, None, None, None, ""),
            ("上年结转资金", 0.0, 0.0, 0.0, None, None, None, ""),
            ("其他资金", 0.0, 0.0, 0.0, None, None, None, ""),
        ],
        "rows": rows,
        "titles": True,
    })


def unit_jtt_2023_ncgl(out: Path) -> None:
    """交通运输厅, 农村公路安全生命防护工程: wrong budget score (9.28 for 9.82), an =0 target missed,
    an explained over-achievement, a reported grade 良好 for a score in the 优 band."""
    o, b, s = "产出指标", "效益指标", "满意度指标"
    rows = [
        ind(o, "数量指标", "实施安全生命防护工程里程", "≥3000", 4200, "公里", 10, 10,
            "年中争取中央车购税资金追加，实际实施里程增加；下年度将结合隐患排查结果合理设定目标值。",
            kind="定量", direction="正向"),
        ind(o, "数量指标", "危险路段整治处数", "≥600", 640, "处", 10, 10, kind="定量", direction="正向"),
        ind(o, "质量指标", "工程交工验收合格率", "=100%", "100%", "%", 10, 10, kind="定量", direction="正向"),
        ind(o, "时效指标", "当年完工率", "≥95%", "90%", "%", 10, 9.47,
            "部分山区路段受雨季影响延期施工，已于2024年2月完工。", kind="定量", direction="正向"),
        ind(o, "成本指标", "每公里平均补助", "≤4.5", 3.86, "万元/公里", 10, 10, kind="定量", direction="反向"),
        ind(b, "社会效益指标", "农村公路交通事故死亡人数同比下降", "≥5%", "6.1%", "%", 10, 10, kind="定量",
            direction="正向"),
        ind(b, "社会效益指标", "群众出行安全条件改善", "优", "优", "", 10, 10, kind="定性", direction="正向"),
        ind(b, "社会效益指标", "施工安全生产事故", "=0", 1, "起", 5, 0,
            "发生1起施工车辆侧翻事故（无人员伤亡），已约谈施工单位并开展安全生产专项整治。",
            kind="定量", direction="正向"),
        ind(b, "可持续影响指标", "防护设施设计使用年限", "≥10", 10, "年", 5, 5, kind="定量", direction="正向"),
        ind(s, "服务对象满意度指标", "沿线群众满意度", "≥90%", "92.5%", "%", 10, 10, kind="定量",
            direction="正向"),
    ]
    write_workbook(out / "jtt-2023-ncgl.xlsx", {
        "info": [
            ("单位编号", "jtt-2023-ncgl"),
            ("主管部门", "江西省交通运输厅"),
            ("实施单位", "江西省公路事业发展中心"),
            ("项目名称", "农村公路安全生命防护工程补助资金"),
            ("年度", 2023),
            ("预期目标", "实施农村公路安全生命防护工程3000公里，整治危险路段600处，工程交工验收合格率100%，"
                         "农村公路交通事故死亡人数同比下降5%以上。"),
            ("实际完成情况", "实施安全生命防护工程4200公里，整治危险路段640处，交工验收全部合格；"
                           "农村公路交通事故死亡人数同比下降6.1%；发生施工安全事故1起。"),
            ("自评总分", 93.75),
            ("自评等级", "良好"),
            ("存在问题", "个别施工单位安全管理不到位；山区路段施工受天气影响较大，完工率未达目标。"),
            ("改进措施", "加强施工安全监管，严格落实安全生产责任制；科学安排山区路段施工工期。"),
            ("后续工作计划", "2024年继续推进农村公路安全生命防护工程，重点整治临水临崖路段。"),
        ],
        "funds": [
            ("年度资金总额", 18000.00, 16500.00, 16203.00, 10, 0.982, 9.28,
             "年中根据项目实施进度调减预算1500万元。"),
            ("其中：当年财政拨款", 18000.00, 16500.00, 16203.00, None, None, None, ""),
            ("上年结转资金", None, None, None, None, None, None, ""),
            ("其他资金", None, None, None, None, None, None, ""),
        ],
        "rows": rows,
        "titles": True,
        "merge_levels": True,
    })


def unit_mzt_2023_sqyl(out: Path) -> None:
    """民政厅, 社区居家养老服务补助资金: the weak unit, grade 中 — low execution (explained),
    most targets missed (reasons given but one), full marks self-awarded for a missed
    satisfaction target, and a total and grade (良) raised to match."""
    o, b, s = "产出指标", "效益指标", "满意度指标"
    rows = [
        ind(o, "数量指标", "新建社区养老服务站", "≥120", 60, "个", 10, 5,
            "部分区县选址和配套资金落实滞后，60个站点转入2024年建设。", kind="定量", direction="正向"),
        ind(o, "数量指标", "为居家老年人提供上门服务", "≥50", 41.5, "万人次", 10, 8.3,
            "新建站点未按期运营，上门服务量相应减少。", kind="定量", direction="正向"),
        ind(o, "质量指标", "服务站运营达标率", "≥90%", "72%", "%", 10, 8,
            "新运营站点服务规范尚未健全，已开展达标评估和整改。", kind="定量", direction="正向"),
        ind(o, "时效指标", "资金拨付及时率", "=100%", "85%", "%", 10, 8.5,
            "部分区县配套资金到位晚，省级资金拨付相应延后。", kind="定量", direction="正向"),
        ind(o, "成本指标", "每个服务站建设补助标准", "≤30", 30, "万元/个", 10, 10, kind="定量",
            direction="反向"),
        ind(b, "社会效益指标", "城市社区养老服务覆盖率", "≥60%", "30%", "%", 10, 5, kind="定量",
            direction="正向"),
        ind(b, "社会效益指标", "居家养老服务便利度", "优", "良", "", 10, 7,
            "部分新建站点尚未投入运营，服务半径覆盖不足。", kind="定性", direction="正向"),
        ind(b, "可持续影响指标", "服务站持续运营率", "≥95%", "90%", "%", 10, 9.47,
            "个别站点因运营主体退出暂停服务，已重新招募运营机构。", kind="定量", direction="正向"),
        ind(s, "服务对象满意度指标", "服务对象满意度", "≥90%", "78%", "%", 10, 10, kind="定量",
            direction="正向"),
    ]
    write_workbook(out / "mzt-2023-sqyl.xlsx", {
        "info": [
            ("单位编号", "mzt-2023-sqyl"),
            ("主管部门", "山东省民政厅"),
            ("实施单位", "山东省养老服务指导中心"),
            ("项目名称", "社区居家养老服务补助资金"),
            ("年度", 2023),
            ("预期目标", "新建社区养老服务站120个，为居家老年人提供上门服务50万人次，城市社区养老服务"
                         "覆盖率达到60%以上，服务对象满意度90%以上。"),
            ("实际完成情况", "新建社区养老服务站60个，提供上门服务41.5万人次，城市社区养老服务覆盖率30%，"
                           "服务对象满意度78%。"),
            ("自评总分", 80.07),
            ("自评等级", "良"),
            ("存在问题", "项目前期工作不扎实，部分区县配套资金落实滞后，站点建设和运营进度慢。"),
            ("改进措施", "建立项目储备和配套资金落实前置审核机制，按月调度建设进度。"),
            ("后续工作计划", "2024年完成结转的60个站点建设，年底前全部投入运营。"),
        ],
        "funds": [
            ("年度资金总额", 5000.00, 4800.00, 3264.00, 10, 0.68, 6.8,
             "部分区县配套资金到位晚、站点建设滞后，结余资金1536万元按规定结转使用。"),
            ("其中：当年财政拨款", 5000.00, 4800.00, 3264.00, None, None, None, ""),
            ("上年结转资金", None, None, None, None, None, None, ""),
            ("其他资金", None, None, None, None, None, None, ""),
        ],
        "rows": rows,
        "titles": True,
        "merge_levels": True,
    })


def unit_007(out: Path) -> None:
    """生态环境厅, 环境空气质量自动监测站运行维护: a CSV exported on Chinese Windows (GB18030),
    unit id "007"; an over-achievement with no explanation."""
    o, b, s = "产出指标", "效益指标", "满意度指标"
    rows = [
        ind(o, "数量指标", "运维空气自动监测站点数", "=42", 42, "个", 10, 10, kind="定量", direction="正向"),
        ind(o, "数量指标", "开展比对监测次数", "≥84", 126, "次", 5, 5, kind="定量", direction="正向"),
        ind(o, "质量指标", "监测数据有效率", "≥90%", "96.8%", "%", 10, 10, kind="定量", direction="正向"),
        ind(o, "质量指标", "监测数据质控合格率", "≥95%", "98.2%", "%", 10, 10, kind="定量", direction="正向"),
        ind(o, "时效指标", "监测数据实时上传率", "≥95%", "99.1%", "%", 10, 10, kind="定量", direction="正向"),
        ind(o, "成本指标", "单站年均运维成本", "≤20", 19.96, "万元", 5, 5, kind="定量", direction="反向"),
        ind(b, "社会效益指标", "空气质量监测信息公开及时率", "=100%", "100%", "%", 10, 10, kind="定量",
            direction="正向"),
        ind(b, "生态效益指标", "为大气污染防治决策提供数据支撑", "优", "优", "", 10, 10, kind="定性",
            direction="正向"),
        ind(b, "可持续影响指标", "监测设备完好率", "≥95%", "97.3%", "%", 10, 10, kind="定量", direction="正向"),
        ind(s, "服务对象满意度指标", "数据使用部门满意度", "≥90%", "95%", "%", 10, 10, kind="定量",
            direction="正向"),
    ]
    write_csv(out / "007-kqjc.csv", rows, "gb18030")


UNITS = [unit_nmg_rd_2022_rdlz, unit_wjw_2023_jbgw, unit_jtt_2023_gsgyh, unit_jyt_2023_xqjy,
         unit_sc_lx_2023_gbzn, unit_sc_nj_2023_ysaq, unit_jyt_2023_yygs, unit_wjw_2023_fyjk,
         unit_jtt_2023_ncgl, unit_007, unit_mzt_2023_sqyl]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the sample units' data files.")
    default = Path(__file__).resolve().parent.parent / "params" / "data"
    parser.add_argument("--out", type=Path, default=default, help="output folder (params/data)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for write in UNITS:
        write(args.out)
    print(f"wrote {len(UNITS)} data files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
