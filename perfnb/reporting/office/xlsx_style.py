"""Cell styles shared by the Excel outputs, and a styled-table writer for any DataFrame.

Fonts follow Chinese office practice: 宋体 for the body, 黑体 for titles and headers.  Column
widths are measured in display cells (a CJK character counts two), as Excel sizes them.
"""
from __future__ import annotations

import math

import pandas as pd
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from perfnb.textsafe import spreadsheet_text
from perfnb.textwidth import longest_line_width

BODY_FONT_NAME = "宋体"
TITLE_FONT_NAME = "黑体"

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="E3E7EC")
BODY_FONT = Font(name=BODY_FONT_NAME, size=10)
BOLD_FONT = Font(name=BODY_FONT_NAME, size=10, bold=True)
HEADER_FONT = Font(name=TITLE_FONT_NAME, size=10, bold=True)
TITLE_FONT = Font(name=TITLE_FONT_NAME, size=16, bold=True)
SUBTITLE_FONT = Font(name=BODY_FONT_NAME, size=11)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center", wrap_text=False)

SCORE_FORMAT = "0.00"
PERCENT_FORMAT = "0.00%"
AMOUNT_FORMAT = "#,##0.00"
MIN_WIDTH, MAX_WIDTH = 6, 60


def text_width(value) -> int:
    """Display width of a value as shown in a cell (CJK characters count two)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0
    return longest_line_width(f"{value:,.2f}" if isinstance(value, float) else str(value))


def style_cell(cell, font=BODY_FONT, alignment=LEFT, border=True, number_format=None,
               fill=None) -> None:
    cell.font = font
    cell.alignment = alignment
    if border:
        cell.border = BORDER
    if number_format:
        cell.number_format = number_format
    if fill is not None:
        cell.fill = fill


def border_range(worksheet, first_row: int, first_column: int, last_row: int,
                 last_column: int) -> None:
    """Thin borders on every cell of a rectangle (merged cells need each cell bordered)."""
    for row in worksheet.iter_rows(min_row=first_row, max_row=last_row, min_col=first_column,
                                   max_col=last_column):
        for cell in row:
            cell.border = BORDER


def cell_value(value):
    """A Python/pandas value as openpyxl stores it (NaN/NA/None -> empty cell)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_text(cell, value) -> None:
    """Store ``value`` in an xlsx cell, the one way every Excel output writes a value.

    Text is cleaned of control characters (openpyxl refuses them), and text a spreadsheet
    would take for a formula (``= + - @``, tab, CR) is stored as text with Excel's leading
    apostrophe (``quotePrefix``), never as a formula: see :mod:`perfnb.textsafe`.  Numbers,
    negative ones too, stay numbers.
    """
    value, guarded = spreadsheet_text(cell_value(value))
    cell.value = value
    if guarded or (isinstance(value, str) and value.startswith("=")):
        cell.data_type = "s"
        cell.quotePrefix = True


def append_row(worksheet, values) -> None:
    """``worksheet.append(values)`` through :func:`write_text` (append would make "=…" a formula)."""
    row = worksheet.max_row + 1 if worksheet.max_row > 1 or worksheet.cell(1, 1).value is not None \
        else 1
    for column, value in enumerate(values, start=1):
        write_text(worksheet.cell(row=row, column=column), value)


def _number_format_for(column_name: str, series: pd.Series) -> str | None:
    name = str(column_name)
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    if "率" in name or name.endswith(("rate", "ratio")):
        return PERCENT_FORMAT
    if pd.api.types.is_integer_dtype(series):
        return "0"
    if "万元" in name or "金额" in name or "预算" in name or "执行数" in name:
        return AMOUNT_FORMAT
    return SCORE_FORMAT


def write_table_sheet(worksheet, dataframe: pd.DataFrame, title: str | None = None) -> int:
    """Write ``dataframe`` to ``worksheet`` as a styled table; return its header row.

    An optional ``title`` goes on a merged first row (黑体 14pt).  The header row is bold on a
    grey fill, every cell is bordered, text wraps, numbers are right-aligned with 2 decimals
    (columns whose name contains 率 as percentages, integer columns as integers), column
    widths follow the content (CJK-aware), panes are frozen below the header, an autofilter
    covers the table, and the sheet prints A4 landscape, fit to width, header repeated.
    """
    columns = [str(c) for c in dataframe.columns]
    width = max(len(columns), 1)
    row = 1
    if title:
        write_text(worksheet.cell(row=1, column=1), title)
        style_cell(worksheet.cell(row=1, column=1), Font(name=TITLE_FONT_NAME, size=14, bold=True),
                   CENTER, border=False)
        if width > 1:
            worksheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        worksheet.row_dimensions[1].height = 28
        row = 2
    header_row = row
    for index, name in enumerate(columns, start=1):
        cell = worksheet.cell(row=header_row, column=index)
        write_text(cell, name)  # a dimension name comes from a form
        style_cell(cell, HEADER_FONT, CENTER, fill=HEADER_FILL)
    formats = [_number_format_for(c, dataframe[c]) for c in dataframe.columns]
    for offset, record in enumerate(dataframe.itertuples(index=False, name=None), start=1):
        for index, value in enumerate(record, start=1):
            cell = worksheet.cell(row=header_row + offset, column=index)
            write_text(cell, value)
            number = isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
            style_cell(cell, BODY_FONT, RIGHT if number else LEFT,
                       number_format=formats[index - 1] if number else None)
    for index, name in enumerate(columns, start=1):
        values = [name] + list(dataframe.iloc[:, index - 1])
        shown = max(text_width(v) for v in values) + 2
        worksheet.column_dimensions[get_column_letter(index)].width = \
            min(max(shown, MIN_WIDTH), MAX_WIDTH)
    last_row = header_row + len(dataframe)
    worksheet.freeze_panes = worksheet.cell(row=header_row + 1, column=1)
    if columns:
        worksheet.auto_filter.ref = f"A{header_row}:{get_column_letter(width)}{max(last_row, header_row)}"
    setup_print(worksheet, landscape=len(columns) > 6, header_rows=(header_row, header_row))
    return header_row


def setup_print(worksheet, landscape: bool = False, header_rows: tuple[int, int] | None = None) -> None:
    """A4, fit to one page wide, header rows repeated on every printed page."""
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A4
    worksheet.page_setup.orientation = "landscape" if landscape else "portrait"
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.print_options.horizontalCentered = True
    worksheet.page_margins.left = worksheet.page_margins.right = 0.5
    worksheet.page_margins.top = worksheet.page_margins.bottom = 0.6
    if header_rows:
        worksheet.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
