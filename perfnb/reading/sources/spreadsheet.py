"""The spreadsheet source: .xlsx/.xlsm, legacy .xls, .ods and WPS .et through
:class:`perfnb.reading.sheets.Book`.

A workbook is our three-sheet template (``workbook.read_workbook``), or sheets of printed
forms: every sheet with an indicator header, cut into its forms (``forms.form_spans``: one
per 项目名称 block), each read as the official form or 四川's.  Formulas the file saved
without a computed value are errors of the form whose rows hold them.
"""
from __future__ import annotations

from pathlib import Path

from perfnb.errors import InputError, PerfnbError
from perfnb.reading.forms import Form

__all__ = ["read_spreadsheet_forms"]


def read_spreadsheet_forms(path: Path) -> list[Form]:
    """Every form of a workbook (see the module doc); InputError when it holds none."""
    from perfnb.reading.official import read_form
    from perfnb.reading.blocks import find_indicator_header, unreadable_table_error
    from perfnb.reading.forms import form_spans
    from perfnb.reading.sheets import open_workbook
    from perfnb.reading.sichuan import is_sichuan
    from perfnb.reading.workbook import is_workbook, read_workbook

    book = open_workbook(path)
    file = str(path)
    forms: list[Form] = []
    spans: list[tuple[str, int, int]] = []
    try:
        if is_workbook(book.sheetnames):
            try:
                forms.append(Form(1, None, read_workbook(book)))
            except PerfnbError as error:
                forms.append(Form(1, None, error=error))
            spans.append(("", 1, 10 ** 9))
        else:
            for title in book.sheetnames:
                grid = book.grid(title)
                if find_indicator_header(grid) is None:
                    continue
                for top, bottom in form_spans(grid):
                    sub = grid.rows_only(top, bottom)
                    form = Form(len(forms) + 1, title)
                    try:
                        header = find_indicator_header(sub)
                        layout = "sichuan" if is_sichuan(sub) else "official"
                        form.loaded = read_form(sub, layout, header)
                    except PerfnbError as error:
                        form.error = error
                    forms.append(form)
                    spans.append((title, top, bottom))
            if not forms:
                for title in book.sheetnames:
                    missing = unreadable_table_error(book.grid(title))
                    if missing is not None:
                        raise missing
                raise InputError(
                    "找不到绩效指标表（没有包含 三级指标、年度指标值、分值 等表头的行）", file=file,
                    hint="请使用官方《项目支出绩效自评表》、四川自评表，或 perfnb template 生成的模板")
    finally:
        book.close()
    if book.uncached:
        from openpyxl.utils import get_column_letter
        for form, (title, top, bottom) in zip(forms, spans):
            if form.loaded is None:
                continue
            form.loaded.errors[:0] = [
                InputError("该单元格是公式，但文件中没有保存计算结果", file=file, sheet=sheet,
                           row=row, column_letter=get_column_letter(column),
                           hint="请在 Excel 或 WPS 中打开该文件并保存一次（让公式算出结果），或把公式改为数值")
                for sheet, cells in book.uncached.items() for row, column in sorted(cells)
                if (not title or sheet == title) and top <= row <= bottom]
    return forms
