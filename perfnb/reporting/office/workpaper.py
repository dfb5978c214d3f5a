"""The 复核底稿 (review working paper) as an Excel workbook: ``perfnb workpaper``.

One sheet per unit: 单位编号 / 主管部门 / 项目, the cells the evaluator fills (复核人, 复核日期,
复核结论, 复核意见), then the table of :data:`perfnb.reading.workpaper.COLUMNS` with the unit's
figures filled in, one row per indicator, and the hidden 行键 (the row's stable key); a 合计 row.
Only the evaluator's cells are unlocked (the sheet is protected without a password, so the
figures, names and keys are not changed by accident); 复核口径, 扣分程度 and 复核档次 have dropdowns
(openpyxl ``DataValidation``): the clauses from a 复核口径 sheet listing every clause with its
text, the profile's severity levels, and the rule set's 达成 / 部分达成 / 未达成.  An entry scored
by its 复核档次 is written with the level and an empty 复核得分, so the score follows the level
(also in the sheet's 偏离度 formula) when the evaluator changes it.  With
several units an 索引 sheet comes first.  An existing review fills the evaluator's cells, so a
paper can be written again from a review file (and read back by
:func:`perfnb.reading.workpaper.read_workpaper`): the three views of one record.

Every data value goes through :func:`_put` (one place to make cell writing injection-safe).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from perfnb.evaluation.scoring import round_half_up
from perfnb.reading.review import LEVELS
from perfnb.reading.workpaper import COLUMNS, EDITABLE, KEY_HEADER, row_key
from perfnb.reporting.office.xlsx_style import (BODY_FONT, BOLD_FONT, CENTER, HEADER_FILL,
                                                HEADER_FONT, LEFT, PERCENT_FORMAT, SCORE_FORMAT,
                                                TITLE_FONT, setup_print, style_cell, write_text)

__all__ = ["write_workpaper", "CLAUSE_SHEET", "INDEX_SHEET"]

CLAUSE_SHEET = "复核口径"
INDEX_SHEET = "索引"
HEADER_ROW = 6
KIND_LABELS = {"quantitative": "定量", "qualitative": "定性"}
OPERATOR_SYMBOLS = {">=": "≥", ">": ">", "=": "=", "<=": "≤", "<": "<"}
WIDTHS = {"一级": 10, "二级": 10, "三级": 26, "指标性质": 7, "指标值": 14, "度量单位": 8, "权重": 7,
          "自评完成值": 14, "自评得分": 8, "复核完成值": 14, "复核档次": 9, "复核得分": 8, "偏离度": 8,
          "复核口径": 26, "扣分程度": 8, "佐证材料": 20, "备注": 30, KEY_HEADER: 14}
EDIT_FILL_COLOR = "FFF8E1"
UNLOCKED = Protection(locked=False)


def _put(cell, value, *, font=BODY_FONT, alignment=LEFT, number_format=None, fill=None,
         editable=False) -> None:
    """Write one cell (text never becomes a formula) and style it."""
    write_text(cell, value)
    style_cell(cell, font=font, alignment=alignment, number_format=number_format, fill=fill)
    if editable:
        cell.protection = UNLOCKED


def _sheet_name(unit_id: str, taken: set[str]) -> str:
    name = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(unit_id))[:31] or "单位"
    base, n = name, 2
    while name in taken:
        suffix = f"~{n}"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _review_values(result: dict) -> tuple[dict, dict]:
    """The review's header values and its entries by row key (to write a paper again)."""
    reviewed = result.get("reviewed") or {}
    header = {k: reviewed.get(k) or "" for k in ("evaluator", "date", "conclusion", "opinion")}
    entries = {}
    for item in reviewed.get("indicators") or []:
        if item.get("reviewed"):
            key = row_key(result["unit_id"], item.get("level1"), item.get("level2"), item.get("name"))
            entries[key] = item
    return header, entries


def _level_scores(result: dict) -> dict[str, float]:
    """复核档次 -> share of the weight it scores (the unit's rule set; central if unknown)."""
    from perfnb.errors import PerfnbError
    from perfnb.evaluation.rules import get_rules

    try:
        rules = get_rules((result.get("rules") or {}).get("name") or "central")
    except PerfnbError:
        rules = get_rules("central")
    return {level.name: level.share for level in rules.qualitative_levels}


def _clause_sheet(book: Workbook, profile) -> str:
    sheet = book.create_sheet(CLAUSE_SHEET)
    for column, (title, width) in enumerate((("条款", 44), ("扣分", 30), ("条文", 80)), start=1):
        _put(sheet.cell(1, column), title, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)
        sheet.column_dimensions[get_column_letter(column)].width = width
    for row, clause in enumerate(profile.clauses.values(), start=2):
        _put(sheet.cell(row, 1), f"{clause.code} {clause.title}")
        _put(sheet.cell(row, 2), clause.describe(profile.levels))
        _put(sheet.cell(row, 3), clause.text)
    last = len(profile.clauses) + 1
    _put(sheet.cell(last + 2, 1), f"复核口径：{profile.name}（{profile.title}）", font=BOLD_FONT,
         alignment=LEFT)
    sheet.protection.sheet = True
    return f"'{CLAUSE_SHEET}'!$A$2:$A${last}"


def _unit_sheet(book: Workbook, result: dict, profile, clause_range: str, name: str,
                profile_file: str = "") -> None:
    sheet = book.create_sheet(name)
    header, entries = _review_values(result)
    last_col = len(COLUMNS) + 1
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    _put(sheet.cell(1, 1), f"{result.get('project') or result['unit_id']} 绩效自评复核底稿",
         font=TITLE_FONT, alignment=CENTER)
    sheet.row_dimensions[1].height = 28
    for column, (label, value) in zip((1, 4, 7), (("单位编号", result["unit_id"]),
                                                  ("主管部门", result.get("department") or ""),
                                                  ("项目", result.get("project") or ""))):
        _put(sheet.cell(2, column), label, font=HEADER_FONT, fill=HEADER_FILL)
        _put(sheet.cell(2, column + 1), value)
    sheet.merge_cells(start_row=2, start_column=5, end_row=2, end_column=6)
    sheet.merge_cells(start_row=2, start_column=8, end_row=2, end_column=len(COLUMNS))
    edit_fill = _fill()
    for column, (label, key) in zip((1, 4, 7), (("复核人", "evaluator"), ("复核日期", "date"),
                                                ("复核结论", "conclusion"))):
        _put(sheet.cell(3, column), label, font=HEADER_FONT, fill=HEADER_FILL)
        _put(sheet.cell(3, column + 1), header[key], fill=edit_fill, editable=True)
    _put(sheet.cell(3, 10), "复核口径文件", font=HEADER_FONT, fill=HEADER_FILL)
    _put(sheet.cell(3, 11), profile_file, fill=edit_fill, editable=True)
    _put(sheet.cell(4, 1), "复核意见", font=HEADER_FONT, fill=HEADER_FILL)
    sheet.merge_cells(start_row=4, start_column=2, end_row=4, end_column=len(COLUMNS))
    _put(sheet.cell(4, 2), header["opinion"], fill=edit_fill, editable=True)
    sheet.row_dimensions[4].height = 48
    _put(sheet.cell(5, 1), "黄色单元格由复核人填写；复核得分留空即同计算得分，选了复核档次（达成、部分达成、"
                           "未达成）则按该档次计分。复核口径从下拉列表选择（可写多条，以顿号分隔），"
                           "按程度扣分的条款须选扣分程度；perfnb 按条款计算复核得分。",
         alignment=LEFT)
    sheet.merge_cells(start_row=5, start_column=1, end_row=5, end_column=len(COLUMNS))
    for column, title in enumerate((*COLUMNS, KEY_HEADER), start=1):
        _put(sheet.cell(HEADER_ROW, column), title, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS[title]
    sheet.column_dimensions[get_column_letter(last_col)].hidden = True
    index = {name: i + 1 for i, name in enumerate(COLUMNS)}
    shares = _level_scores(result)
    row = HEADER_ROW
    for item in result.get("indicators") or []:
        row += 1
        key = row_key(result["unit_id"], item.get("level1"), item.get("level2"), item.get("name"))
        entry = entries.get(key, {})
        operator = OPERATOR_SYMBOLS.get(item.get("operator") or "", "")
        weight = item.get("weight")
        by_level = {name: float(round_half_up(share * weight)) for name, share in shares.items()} \
            if isinstance(weight, (int, float)) and weight == weight else {}
        level = entry.get("level")
        final = entry.get("final_score") if entry else None
        if level and not entry.get("clauses") and final == by_level.get(level):
            final = None   # scored by its level: the score follows the level
        values: dict[str, Any] = {
            "一级": item.get("level1"), "二级": item.get("level2"), "三级": item.get("name"),
            "指标性质": KIND_LABELS.get(item.get("kind"), "") if not operator or item.get("kind") != "quantitative"
            else operator,
            "指标值": item.get("target_text"), "度量单位": item.get("unit"), "权重": item.get("weight"),
            "自评完成值": item.get("actual_text"), "自评得分": item.get("reported_score"),
            "复核完成值": entry.get("actual"), "复核档次": level, "复核得分": final,
            "复核口径": "、".join(entry.get("clauses") or []), "扣分程度": entry.get("severity"),
            "佐证材料": "；".join(entry.get("evidence") or []), "备注": entry.get("reason"),
        }
        for name, value in values.items():
            numeric = name in ("权重", "自评得分", "复核得分")
            _put(sheet.cell(row, index[name]), value, number_format=SCORE_FORMAT if numeric else None,
                 alignment=CENTER if numeric or name in ("指标性质", "度量单位", "扣分程度", "复核档次")
                 else LEFT,
                 fill=edit_fill if name in EDITABLE else None, editable=name in EDITABLE)
        # 偏离度 = (自评 − 复核) ÷ 自评, the 复核得分 defaulting to the 复核档次's score, else to
        # the computed score
        reported, final, chosen = (get_column_letter(index[n]) for n in ("自评得分", "复核得分", "复核档次"))
        computed = item.get("score")
        fallback = "" if computed is None else f"{computed:g}"
        fallback = fallback or "0"
        for name, points in reversed(list(by_level.items())):
            fallback = f'IF({chosen}{row}="{name}",{points:g},{fallback})'
        review_value = f'IF({final}{row}="",{fallback},{final}{row})'
        cell = sheet.cell(row, index["偏离度"])
        cell.value = (f'=IF(OR({reported}{row}="",{reported}{row}=0),"",'
                      f'({reported}{row}-{review_value})/{reported}{row})')
        style_cell(cell, alignment=CENTER, number_format=PERCENT_FORMAT)
        _put(sheet.cell(row, last_col), key)
    first, last = HEADER_ROW + 1, row
    row += 1
    _put(sheet.cell(row, 1), "合计", font=BOLD_FONT, alignment=CENTER)
    for name in ("权重", "自评得分"):
        letter = get_column_letter(index[name])
        cell = sheet.cell(row, index[name])
        cell.value = f"=SUM({letter}{first}:{letter}{last})" if last >= first else 0
        style_cell(cell, font=BOLD_FONT, alignment=CENTER, number_format=SCORE_FORMAT)
    clause_list = DataValidation(type="list", formula1=f"={clause_range}", allow_blank=True,
                                 showErrorMessage=True, errorStyle="warning",
                                 errorTitle="复核口径", error="请从列表中选择条款；多条以顿号分隔时可点“是”保留。",
                                 promptTitle="复核口径", prompt="选择扣分所依据的复核口径条款",
                                 showInputMessage=True)
    levels = DataValidation(type="list", formula1='"' + ",".join(profile.levels) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="扣分程度",
                            error="扣分程度应为 " + "、".join(profile.levels))
    achievement = DataValidation(type="list", formula1='"' + ",".join(shares or LEVELS) + '"',
                                 allow_blank=True, showErrorMessage=True, errorTitle="复核档次",
                                 error="复核档次应为 " + "、".join(shares or LEVELS),
                                 promptTitle="复核档次", showInputMessage=True,
                                 prompt="按评分规则的档次计分时选择；复核得分可留空")
    for validation, name in ((clause_list, "复核口径"), (levels, "扣分程度"), (achievement, "复核档次")):
        letter = get_column_letter(index[name])
        if last >= first:
            validation.add(f"{letter}{first}:{letter}{last}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 4)
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False   # the evaluator may widen columns
    setup_print(sheet, landscape=True, header_rows=(HEADER_ROW, HEADER_ROW))


def _fill():
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor=EDIT_FILL_COLOR)


def _index_sheet(book: Workbook, results: list[dict], names: list[str]) -> None:
    sheet = book.create_sheet(INDEX_SHEET, 0)
    headers = ("序号", "主管部门", "单位编号", "项目", "指标数", "自评总分", "计算总分", "工作表")
    for column, title in enumerate(headers, start=1):
        _put(sheet.cell(1, column), title, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)
        sheet.column_dimensions[get_column_letter(column)].width = (6, 22, 24, 36, 8, 10, 10, 24)[column - 1]
    for row, (result, name) in enumerate(zip(results, names), start=2):
        values = (row - 1, result.get("department"), result["unit_id"], result.get("project"),
                  len(result.get("indicators") or []), (result.get("reported") or {}).get("total"),
                  result.get("total"), name)
        for column, value in enumerate(values, start=1):
            _put(sheet.cell(row, column), value,
                 number_format=SCORE_FORMAT if column in (6, 7) else None,
                 alignment=CENTER if column in (1, 5, 6, 7) else LEFT)
        sheet.cell(row, 8).hyperlink = f"#'{name}'!A1"
    sheet.freeze_panes = "A2"
    setup_print(sheet, landscape=True, header_rows=(1, 1))


def write_workpaper(results: list[dict], path: str | Path, profile, profile_file: str = "") -> Path:
    """Write the 复核底稿 of ``results`` (``Evaluation.to_dict()`` of each unit) to ``path``
    (atomically); an 索引 sheet first when there are several units."""
    from perfnb.fsutil import atomic_write_bytes

    book = Workbook()
    book.remove(book.active)
    taken = {CLAUSE_SHEET, INDEX_SHEET}
    names = [_sheet_name(r["unit_id"], taken) for r in results]
    clause_range = f"'{CLAUSE_SHEET}'!$A$2:$A${len(profile.clauses) + 1}"
    for result, name in zip(results, names):
        _unit_sheet(book, result, profile, clause_range, name, profile_file)
    _clause_sheet(book, profile)
    if len(results) > 1:
        _index_sheet(book, results, names)
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    return atomic_write_bytes(path, buffer.getvalue())
