"""Build input files in a test's tmp_path with openpyxl: the official single-sheet form (the
seed unit), 四川's form, our three-sheet workbook and CSV files.  Other tests may reuse them.

Every builder returns the path it wrote.  Keyword arguments change one thing so a test can
make a bad variant (``indicators=…``, ``funds=…``).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

# The seed unit (内蒙古自治区人大常委会办公厅, 人大履职保障经费, 2022) as its tables say, with E1
# as the sample unit writes it (target ≥95%, actual 95%).
# (level1, level2, name, 指标性质, 指标方向, target, actual, unit, weight, score)
SEED_OUTPUT = [
    ("C产出指标", "C1数量指标", "C11后勤保障日常工作时间", "正向", "等于", 12, 12, "个月", 5, 5),
    (None, None, "C12内蒙古人大汉刊编印期数", "正向", "等于", 12, 12, "期", 5, 5),
    (None, None, "C13内蒙古人大蒙刊编印期数", "正向", "等于", 12, 12, "期", 5, 5),
    (None, None, "C14办公设备采购批次", "正向", "大于等于", 4, 3, "批次", 5, 3.75),
    (None, None, "C15人大新闻奖评选次数", "正向", "等于", 1, 1, "次", 5, 5),
    (None, None, "C16人大研究会工作经费保障时间", "正向", "等于", 12, 12, "个月", 5, 5),
    (None, None, "C17聘请劳务人员数量", "正向", "大于等于", 34, 35, "人", 5, 5),
    (None, None, "C18维修改造工程个数", "正向", "大于等于", 3, 8, "个", 5, 5),
    (None, "C2质量指标", "C2工作完成质量", "定性指标", "正向指标", "优良中低差", "优", None, 3, 3),
    (None, "C3时效指标", "C3工作完成时限", "定量指标", "正向指标", 12, 12, "个月", 3, 3),
    (None, "C4成本指标", "C4经费总额", "定量指标", "正向指标", "≤2255", 1972.41, "万元", 4, 4),
]
SEED_BENEFIT = [
    ("效益指标", "D社会效益指标", "D1宣传人民代表大会制度", "定性指标", None, "优", "优", None, 10, 10),
    (None, None, "D2提供人大基本履职保障", "定性指标", None, "优", "优", None, 10, 10),
    (None, None, "D3完善人民代表大会制度", "定性指标", None, "优", "优", None, 10, 10),
]
SEED_SATISFACTION = [
    ("满意度\n指标", "E服务对象\n满意度指标", "E1服务人员满意度", "定性指标", "正向指标", "≥95%", "95%",
     None, 10, 9.5),
]
INDICATOR_HEADER = ["一级指标", "二级指标", "三级指标", "指标性质", "指标方向", "年度\n指标值",
                    "实际\n完成值", "计量单位", "分值", "得分", "偏差原因分析及改进措施"]


def put(sheet, row: int, column: int, value) -> None:
    """Write a value; text starting with "=" (as in "=100%") stays text, not a formula."""
    cell = sheet.cell(row, column, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"


def _merge_down(sheet, column: int, first: int, last: int) -> None:
    if last > first:
        sheet.merge_cells(start_row=first, start_column=column, end_row=last, end_column=column)


def build_official(path: Path, *, indicators=None, funds=None, year_text="（2022年度）",
                   total_row=True, conclusion="优", merge=True) -> Path:
    """The official single-sheet 项目支出绩效自评表 with the seed's figures.

    一级/二级 cells are merged down (``merge=False`` leaves them blank below); the 产出
    block ends with a 合计 row under its merged 一级 cell, the 效益 block with a free-standing
    合计 row (10/10, the seed's error), then a 总分 row and a 评价结论 row.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "项目支出绩效自评表"
    sheet["A1"] = "项目支出绩效自评表"
    sheet.merge_cells("A1:K1")
    sheet["A2"] = year_text
    sheet.merge_cells("A2:K2")
    sheet["A3"], sheet["B3"] = "项目名称", "人大履职保障经费"
    sheet.merge_cells("B3:K3")
    sheet["A4"], sheet["B4"] = "主管部门", "内蒙古自治区人大常委会办公厅"
    sheet.merge_cells("B4:E4")
    sheet["F4"], sheet["G4"] = "实施单位", "内蒙古自治区人大常委会办公厅"
    sheet.merge_cells("G4:K4")
    sheet["A5"] = "项目资金\n（万元）"
    sheet.merge_cells("A5:A9")
    for column, text in zip("CDEFGH", ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]):
        sheet[f"{column}5"] = text
    funds = funds or [
        ("年度资金总额", 2229.00, None, 1972.41, 10, 0.8849, 8.85),
        ("其中：当年财政拨款", 2229.00, None, 1972.41, None, None, None),
        ("上年结转资金", None, None, None, None, None, None),
        ("其他资金", None, None, None, None, None, None),
    ]
    for offset, (label, *numbers) in enumerate(funds):
        row = 6 + offset
        sheet.cell(row, 2, label)
        for column, number in zip(range(3, 9), numbers):
            sheet.cell(row, column, number)
        sheet.cell(row, 7).number_format = "0.00%"
    sheet["A10"] = "年度总体目标"
    sheet.merge_cells("A10:A11")
    sheet["B10"], sheet["F10"] = "预期目标", "实际完成情况"
    sheet.merge_cells("B10:E10")
    sheet.merge_cells("F10:K10")
    sheet["B11"] = "完成处理机关日常工作，维护机关日常稳定运行，宣传报道人大新闻，开展理论研究等工作。"
    sheet["F11"] = "较好地完成了年初设定的绩效目标。"
    sheet.merge_cells("B11:E11")
    sheet.merge_cells("F11:K11")
    header_row = 12
    for column, text in enumerate(INDICATOR_HEADER, start=1):
        sheet.cell(header_row, column, text)

    row = header_row + 1
    blocks = indicators if indicators is not None else [
        (SEED_OUTPUT, ("B", 50, 48.75)), (SEED_BENEFIT, ("A", 10, 10)), (SEED_SATISFACTION, None)]
    for rows, subtotal in blocks:
        first = row
        level2_start = row
        for record in rows:
            if record[0] is not None or record[1] is not None:
                if merge and record[1] is not None and row > level2_start:
                    _merge_down(sheet, 2, level2_start, row - 1)
                if record[1] is not None:
                    level2_start = row
            for column, value in enumerate(record, start=1):
                if value is not None:
                    put(sheet, row, column, value)
            row += 1
        if merge:
            _merge_down(sheet, 2, level2_start, row - 1)
        if subtotal is not None:
            place, weight, score = subtotal
            if place == "B":   # 一级 merged down over its 合计 row
                sheet.cell(row, 2, "合计")
                sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=8)
                if merge:
                    _merge_down(sheet, 1, first, row)
            else:
                sheet.cell(row, 1, "合计")
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
                if merge:
                    _merge_down(sheet, 1, first, row - 1)
            sheet.cell(row, 9, weight)
            sheet.cell(row, 10, score)
            row += 1
        elif merge:
            _merge_down(sheet, 1, first, row - 1)
    if total_row:
        sheet.cell(row, 1, "总分")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
        sheet.cell(row, 9, 100)
        sheet.cell(row, 10, 97.6)
        row += 1
    if conclusion is not None:
        sheet.cell(row, 1, "评价结论")
        sheet.cell(row, 2, conclusion)
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=11)
    workbook.save(path)
    return path


SICHUAN_INDICATORS = [
    # level1, level2, name, 指标性质, 指标值, 度量单位, 完成值, 权重, 得分, 未完成原因分析
    ("产出指标", "数量指标", "培训人次", "≥", 500, "人次", 520, 20, 20, None),
    (None, "质量指标", "培训合格率", "≥", 95, "%", 97, 20, 20, None),
    (None, "时效指标", "完成时间", "≤", 12, "月", 11, 10, 10, None),
    (None, "成本指标", "人均培训成本", "≤", 0.2, "万元", 0.25, 10, 8, "教材单价上涨"),
    ("效益指标", "社会效益指标", "群众知晓度", "定性", "优", None, "良", 20, 15, "宣传不足"),
    ("满意度指标", "服务对象满意度指标", "学员满意度", "=", 100, "%", 92, 10, 9.2, "个别学员不满意"),
]


def build_sichuan(path: Path, *, indicators=SICHUAN_INDICATORS) -> Path:
    """四川's form: 预算执行情况 block, operators in 指标性质, 合计 / 评价结论 / 存在问题 / 改进措施."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "自评表"
    sheet["A1"] = "四川省省级项目支出绩效自评表（2023年度）"
    sheet.merge_cells("A1:J1")
    sheet["A2"], sheet["B2"], sheet["E2"], sheet["F2"] = "项目名称", "基层干部培训", "主管部门", "四川省某某厅"
    sheet.merge_cells("B2:D2")
    sheet["A3"], sheet["B3"] = "实施单位", "四川省某某培训中心"
    sheet["A4"] = "预算执行情况（10分）"
    sheet.merge_cells("A4:A5")
    for column, text in zip("BCDEFGH", ["年初预算", "调整后预算数", "预算执行数", "预算执行率",
                                        "权重", "得分", "原因"]):
        sheet[f"{column}4"] = text
    for column, value in zip("BCDEFGH", [100, 120, 96, "80%", 10, 8, "项目进度延后"]):
        sheet[f"{column}5"] = value
    header = ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重",
              "得分", "未完成原因分析"]
    for column, text in enumerate(header, start=1):
        sheet.cell(6, column, text)
    row = 7
    for record in indicators:
        for column, value in enumerate(record, start=1):
            if value is not None:
                put(sheet, row, column, value)
        row += 1
    sheet.cell(row, 1, "合计")   # 四川's 合计 includes the 预算执行 10 points
    sheet.cell(row, 8, 10 + sum(r[7] for r in indicators if isinstance(r[7], (int, float))))
    sheet.cell(row, 9, 90.2)
    sheet.cell(row + 1, 1, "评价结论")
    sheet.cell(row + 1, 2, "良")
    sheet.cell(row + 2, 1, "存在问题")
    sheet.cell(row + 2, 2, "培训宣传不足。")
    sheet.cell(row + 3, 1, "改进措施")
    sheet.cell(row + 3, 2, "加强宣传。")
    workbook.save(path)
    return path


WORKBOOK_INFO = {
    "单位编号": "007", "主管部门": "某市教育局", "实施单位": "某市第一中学", "项目名称": "校舍维修",
    "年度": 2023, "预期目标": "完成 3 栋校舍维修。", "实际完成情况": "完成 3 栋。", "自评总分": 95,
    "自评等级": "优", "存在问题": "进度偏慢。", "改进措施": "提前招标。", "后续工作计划": "继续维护。",
}
WORKBOOK_FUNDS = [
    ("年度资金总额", 300, 320, 304, 10, "95%", 9.5, None),
    ("其中：当年财政拨款", 300, 320, 304, None, None, None, None),
    ("上年结转资金", None, None, None, None, None, None, None),
    ("其他资金", None, None, None, None, None, None, None),
]
WORKBOOK_INDICATORS = [
    # 一级, 二级, 三级, 性质, 方向, 指标值, 完成值, 单位, 分值, 得分, 偏差
    ("产出指标", "数量指标", "维修校舍栋数", "定量", "正向", "≥3", 3, "栋", 30, 30, None),
    ("产出指标", "质量指标", "验收合格率", "定量", "正向", "=100%", 1.0, None, 10, 10, None),
    ("产出指标", "成本指标", "维修成本", "定量", "反向", 320, 304, "万元", 10, 10, None),
    ("效益指标", "社会效益指标", "安全隐患消除", "定性", "正向", "达成", "基本完成", None, 30, 24,
     "个别屋面待修"),
    ("满意度指标", "服务对象满意度指标", "师生满意度", "定量", "正向", "不低于90%", "93%", None, 10, 10,
     None),
]


def build_workbook(path: Path, *, info=None, funds=None, indicators=None,
                   percent_actual_row: int | None = 2) -> Path:
    """Our three-sheet workbook, written by write_template and filled in.

    ``percent_actual_row`` (1-based among the indicators) gets a 0–1 actual in a
    percentage-formatted cell, as Excel stores "100%".
    """
    from perfnb.reading.workbook import template_workbook

    workbook = template_workbook()
    sheet = workbook["项目信息"]
    info = WORKBOOK_INFO if info is None else info
    for row in range(2, sheet.max_row + 1):
        label = sheet.cell(row, 1).value
        if label in info:
            sheet.cell(row, 2, info[label])
    sheet = workbook["预算执行"]
    for offset, record in enumerate(funds if funds is not None else WORKBOOK_FUNDS):
        for column, value in enumerate(record, start=1):
            sheet.cell(2 + offset, column, value)
    sheet = workbook["绩效指标"]
    for offset, record in enumerate(indicators if indicators is not None else WORKBOOK_INDICATORS):
        for column, value in enumerate(record, start=1):
            put(sheet, 2 + offset, column, value)
    if percent_actual_row:
        sheet.cell(1 + percent_actual_row, 7).number_format = "0%"
    workbook.save(path)
    return path


# As a CSV holds them: text as typed ("100%", not Excel's 1.0 in a percentage cell).
CSV_INDICATORS = [tuple("100%" if value == 1.0 and index == 6 else value
                        for index, value in enumerate(record)) for record in WORKBOOK_INDICATORS]
CSV_HEADER = ["一级指标", "二级指标", "三级指标", "指标性质", "指标方向", "年度指标值", "实际完成值",
              "计量单位", "分值", "得分", "偏差原因分析及改进措施"]


def build_csv(path: Path, *, encoding="utf-8", rows=None, header=CSV_HEADER) -> Path:
    """The 绩效指标 table as CSV (Excel's way: CRLF line ends) in ``encoding``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for record in rows if rows is not None else CSV_INDICATORS:
        writer.writerow(["" if value is None else value for value in record])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def set_cached_values(path: Path, sheet_index: int, values: dict[str, object]) -> Path:
    """Give formula cells a cached value, as Excel does on saving (openpyxl writes none).

    ``values`` maps a cell reference ("J20") to the value to store after its formula.
    """
    member = f"xl/worksheets/sheet{sheet_index}.xml"
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    xml = contents[member].decode("utf-8")
    for reference, value in values.items():
        pattern = re.compile(rf'(<c r="{reference}"[^>]*>)(<f>.*?</f>)(<v\s*/>|<v>\s*</v>)?')
        xml, count = pattern.subn(lambda m: f"{m.group(1)}{m.group(2)}<v>{value}</v>", xml)
        assert count == 1, f"no formula cell {reference}"
    contents[member] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    return path


def official_with(path: Path, cells: dict[str, object]) -> Path:
    """The official form (seed figures) with extra cells set, e.g. {"A1048576": "x"}."""
    from openpyxl import load_workbook

    build_official(path)
    workbook = load_workbook(path)
    for ref, value in cells.items():
        workbook.active[ref] = value
    workbook.save(path)
    return path


def rewrite_zip(source: Path, target: Path, change) -> Path:
    """A copy of a zip (xlsx, docx) with ``change(name, bytes) -> bytes`` applied to every member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            new.writestr(name, change(name, old.read(name)))
    return target


def blank_pdf(path: Path, pages: int) -> Path:
    """A PDF of ``pages`` blank pages (small on disk: one shared page content)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=72, height=72)
    with open(path, "wb") as handle:
        writer.write(handle)
    return path
