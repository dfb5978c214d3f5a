"""Our three-sheet workbook: 项目信息 / 预算执行 / 绩效指标, and :func:`write_template`."""
from __future__ import annotations

from pathlib import Path

from perfnb.errors import InputError
from perfnb.reading.values import normalise_text, parse_value
from perfnb.reading.assemble import LoadedUnit
from perfnb.reading.blocks import find_funds_header, indicator_header, read_funds_block
from perfnb.reading.indicatortable import read_indicator_table
from perfnb.reading.sheets import Book, Grid, label_matches

INFO_SHEET, BUDGET_SHEET, INDICATOR_SHEET = "项目信息", "预算执行", "绩效指标"

# 项目信息 labels -> unit columns, with the comment shown in the template.
INFO_FIELDS = [
    ("单位编号", "unit_id", "本单位（项目）的编号，如 007；留空则用文件名"),
    ("主管部门", "department", "主管部门全称"),
    ("实施单位", "implementing_unit", "实施单位全称"),
    ("项目名称", "project", "项目名称，与预算批复一致"),
    ("年度", "year", "预算年度，四位数字，如 2022"),
    ("预期目标", "goal_planned", "年度总体目标：年初设定的预期目标"),
    ("实际完成情况", "goal_actual", "年度总体目标：全年实际完成情况"),
    ("自评总分", "reported_total", "本单位自评的总分（0–100）"),
    ("自评等级", "reported_grade", "本单位自评的等级：优、良、中、差"),
    ("存在问题", "problems", "项目立项、实施和资金管理中存在的问题"),
    ("改进措施", "measures", "针对问题的改进措施"),
    ("后续工作计划", "plans", "后续工作计划"),
]
BUDGET_FIELDS = [
    ("资金类别", "年度资金总额，及其中的当年财政拨款、上年结转资金、其他资金"),
    ("年初预算数", "年初预算数，单位：万元"),
    ("全年预算数", "调整后的全年预算数，单位：万元；无调整可留空"),
    ("全年执行数", "全年实际执行数，单位：万元"),
    ("分值", "预算执行率的分值，一般为 10 分（只填年度资金总额行）"),
    ("执行率", "本单位填报的预算执行率，如 88.49%（只填年度资金总额行）"),
    ("得分", "本单位填报的预算执行率得分（只填年度资金总额行）"),
    ("偏差原因", "执行率偏低（如低于 90%）的原因"),
]
BUDGET_ROWS = ["年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"]
INDICATOR_FIELDS = [
    ("一级指标", "产出指标、效益指标或满意度指标", 12),
    ("二级指标", "如 数量指标、质量指标、时效指标、成本指标、社会效益指标、服务对象满意度指标", 16),
    ("三级指标", "具体指标名称，每行一个", 28),
    ("指标性质", "定量 或 定性", 10),
    ("指标方向", "正向（越大越好）或 反向（越小越好，如成本）", 10),
    ("年度指标值", "年初设定的目标值，可带比较符号和单位，如 ≥4、≤2255万元、=100%、优", 14),
    ("实际完成值", "全年实际完成的数值或等级，如 3、95%、优", 14),
    ("计量单位", "如 个、期、万元、%；已写在指标值中的可留空", 10),
    ("分值", "该指标的分值（权重），各指标分值与预算执行率分值之和应为 100", 8),
    ("得分", "本单位自评的得分", 8),
    ("偏差原因分析及改进措施", "未达到目标或大幅超出目标时，说明原因及改进措施", 36),
]
LEVEL1_CHOICES = ["产出指标", "效益指标", "满意度指标"]
KIND_CHOICES = ["定量", "定性"]
DIRECTION_CHOICES = ["正向", "反向"]


def is_workbook(sheet_names: list[str]) -> bool:
    return INDICATOR_SHEET in sheet_names and (INFO_SHEET in sheet_names or
                                               BUDGET_SHEET in sheet_names)


def read_workbook(book: Book) -> LoadedUnit:
    file = book.file
    loaded = LoadedUnit(source=file, layout="workbook")
    errors = loaded.errors
    unit = loaded.unit
    if INFO_SHEET in book.sheetnames:
        grid = book.grid(INFO_SHEET)
        labels = {label: key for label, key, _ in INFO_FIELDS}
        for r in range(1, grid.max_row + 1):
            for c in range(1, grid.max_column + 1):
                text = grid.text(r, c)
                if not text:
                    continue
                key = next((k for label, k in labels.items() if label_matches(text, label)), None)
                if key is not None:
                    value, value_column = grid.value_right_of(r, c)
                    if value is not None:
                        _set_info(loaded, grid, key, value, r, value_column)
                break  # only the first non-empty cell of a row is a label
    if BUDGET_SHEET in book.sheetnames:
        grid = book.grid(BUDGET_SHEET)
        header = find_funds_header(grid)
        if header is not None:
            block = read_funds_block(grid, header[0], header[1], errors)
            loaded.observations.extend(block.observations)
            loaded.budget = block.total
            loaded.budget_lines = list(block.lines)
    grid = book.grid(INDICATOR_SHEET)
    header = indicator_header(grid)
    if header is None:
        errors.append(InputError(
            "找不到绩效指标表头（一级指标、二级指标、三级指标、年度指标值、分值 …）", file=file,
            sheet=INDICATOR_SHEET, hint="请用 perfnb template 生成的模板填写，保留第一行表头"))
        return loaded
    # every header-led block of the sheet, the budget row and item, as the printed forms' tables
    block = read_indicator_table(grid, header, loaded)
    loaded.reported = block.reported
    if not block.indicators and not block.unread:
        errors.append(InputError("绩效指标表只有表头，没有指标行", file=file, sheet=INDICATOR_SHEET,
                                 row=header.row, hint="请在表头下方逐行填写三级指标"))
    totals = [entry for entry in block.reported if entry["level"] == "total"]
    if totals and unit.get("reported_total") is None:
        unit["reported_total"] = totals[-1]["score"]
        unit["reported_total_sheet"], unit["reported_total_row"] = grid.sheet, totals[-1]["row"]
    return loaded


def _set_info(loaded: LoadedUnit, grid: Grid, key: str, value, row: int, column: int) -> None:
    unit = loaded.unit
    if key == "unit_id":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        unit[key] = normalise_text(value)
    elif key == "year":
        unit["year"] = value
        from openpyxl.utils import get_column_letter
        loaded.year_location = {"file": grid.file, "sheet": grid.sheet, "row": row,
                                "column": "内容", "column_letter": get_column_letter(column)}
    elif key == "reported_total":
        number = parse_value(value).number
        if number is None:
            loaded.errors.append(grid.error(f"自评总分“{normalise_text(value)}”不是数字", row,
                                            column, "内容", hint="请填写数字，或留空"))
        else:
            unit[key] = number
            unit["reported_total_sheet"], unit["reported_total_row"] = grid.sheet, row
    elif key == "reported_grade":
        unit[key] = normalise_text(value)
        unit["reported_grade_sheet"], unit["reported_grade_row"] = grid.sheet, row
    else:
        unit[key] = normalise_text(value)


def write_template(path: str | Path) -> Path:
    """Write the empty three-sheet workbook (headers, comments, validation lists) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    template_workbook().save(path)
    return path


def template_workbook():
    """The empty three-sheet workbook as an openpyxl Workbook (see :func:`write_template`)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")

    def comment(text: str) -> Comment:
        note = Comment(text, "perfnb")
        note.width, note.height = 260, 90
        return note

    workbook = Workbook()
    info = workbook.active
    info.title = INFO_SHEET
    info.append(["项目", "内容"])
    info["A1"].comment = comment("左列是填报项目，请勿修改；在右列“内容”中填写")
    info["B1"].comment = comment("在此列填写各项内容")
    for row, (label, _, help_text) in enumerate(INFO_FIELDS, start=2):
        info.cell(row, 1, label).comment = comment(help_text)
        info.cell(row, 2).alignment = wrap
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 80

    budget = workbook.create_sheet(BUDGET_SHEET)
    budget.append([label for label, _ in BUDGET_FIELDS])
    for column, (_, help_text) in enumerate(BUDGET_FIELDS, start=1):
        budget.cell(1, column).comment = comment(help_text)
        budget.column_dimensions[get_column_letter(column)].width = 22 if column == 1 else 13
    for label in BUDGET_ROWS:
        budget.append([label])
    budget.column_dimensions[get_column_letter(len(BUDGET_FIELDS))].width = 36

    indicators = workbook.create_sheet(INDICATOR_SHEET)
    indicators.append([label for label, _, _ in INDICATOR_FIELDS])
    for column, (_, help_text, width) in enumerate(INDICATOR_FIELDS, start=1):
        indicators.cell(1, column).comment = comment(help_text)
        indicators.column_dimensions[get_column_letter(column)].width = width
    for values, column, prompt in ((LEVEL1_CHOICES, "A", "请选择一级指标"),
                                   (KIND_CHOICES, "D", "请选择 定量 或 定性"),
                                   (DIRECTION_CHOICES, "E", "请选择 正向 或 反向")):
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"',
                                    allow_blank=True, showErrorMessage=True,
                                    errorTitle="输入有误", error=prompt, promptTitle="提示",
                                    prompt=prompt, showInputMessage=True)
        validation.add(f"{column}2:{column}500")
        indicators.add_data_validation(validation)

    for sheet in (info, budget, indicators):
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
        sheet.freeze_panes = "A2" if sheet is not info else "B2"
    for cell in info["A"]:
        cell.font = bold
    for row in budget.iter_rows(min_row=2, max_col=1):
        row[0].font = bold
    return workbook
