"""A 自评表 printed to PDF (with a text layer): its ruled tables read as grids.

pdfplumber finds each table by its ruling lines.  A cell merged over several rows or
columns is one rectangle; every grid position it covers gets its text and points to it in
the Grid's anchor map, as merged cells of a workbook do.  Text wrapped over several lines
in a cell is joined (without a space between Chinese characters).  A table that goes on
over the next page (same column edges) is joined into one grid, and the lines of text
printed above a page's first table (title, "（2022年度）") become rows above it, so the
form readers find what they find in a workbook.  Several forms in one PDF are cut apart by
:mod:`perfnb.reading.forms` like several forms on one sheet.

A PDF without a text layer (a scan) gets one clear error: there is nothing to read.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from perfnb import limits
from perfnb.errors import InputError, PerfnbError
from perfnb.reading.forms import Form, form_spans
from perfnb.reading.pdftext import join_lines, page_table
from perfnb.reading.sources import PDF
from perfnb.reading.sheets import Grid, check_file

__all__ = ["read_pdf_forms", "pdf_grids", "PDF_SUFFIXES"]

PDF_SUFFIXES = PDF.suffixes
EDGE_TOLERANCE = 3.0            # points: column edges that match across a page break
SCANNED_MESSAGE = ("该 PDF 没有可提取的文字（可能是扫描件），无法读取表格")
SCANNED_HINT = ("请提供 Excel/Word 原件或带文字的 PDF（在 Excel、Word 或 WPS 中“导出为 PDF”，"
                "而不是打印后扫描）")


def _table_grid(table, file: str, name: str) -> tuple[Grid, list[float]]:
    """One pdfplumber table as a Grid (merged cells filled), and its column edges."""
    rows = table.rows
    xs = sorted({round(cell[0], 1) for row in rows for cell in row.cells if cell} |
                {round(cell[2], 1) for row in rows for cell in row.cells if cell})
    texts = table.extract()
    width = max((len(row.cells) for row in rows), default=0)
    values: list[list[object]] = []
    boxes: dict[tuple[int, int], tuple] = {}
    for r, row in enumerate(rows, start=1):
        values.append([None] * width)
        for c, cell in enumerate(row.cells, start=1):
            if cell is not None:
                boxes[(r, c)] = cell
                values[r - 1][c - 1] = join_lines(texts[r - 1][c - 1]) if r - 1 < len(texts) \
                    and c - 1 < len(texts[r - 1]) else None
    anchor: dict[tuple[int, int], tuple[int, int]] = {}
    # A position with no cell of its own is covered by the cell whose box holds its middle:
    # the middle of the narrowest cell starting in its column, of the lowest in its row.
    row_middles = []
    for r in range(1, len(rows) + 1):
        own = [box for (br, _), box in boxes.items() if br == r]
        row_middles.append((min(b[1] for b in own) + min(b[3] for b in own)) / 2 if own
                           else (rows[r - 1].bbox[1] + rows[r - 1].bbox[3]) / 2)
    column_middles = []
    for c in range(1, width + 1):
        own = [box for (_, bc), box in boxes.items() if bc == c]
        column_middles.append((min(b[0] for b in own) + min(b[2] for b in own)) / 2 if own
                              else None)
    for r in range(1, len(rows) + 1):
        for c in range(1, width + 1):
            if (r, c) in boxes or column_middles[c - 1] is None:
                continue
            x, y = column_middles[c - 1], row_middles[r - 1]
            for (ar, ac), box in boxes.items():
                if ar <= r and ac <= c and box[0] <= x <= box[2] and box[1] <= y <= box[3]:
                    anchor[(r, c)] = (ar, ac)
                    anchor[(ar, ac)] = (ar, ac)
                    values[r - 1][c - 1] = values[ar - 1][ac - 1]
                    break
    return Grid(file, name, values, anchor), xs


def _same_columns(first: list[float], second: list[float]) -> bool:
    return len(first) == len(second) and all(abs(a - b) <= EDGE_TOLERANCE
                                             for a, b in zip(first, second))


def _coarser_columns(first: list[float], second: list[float]) -> list[int] | None:
    """A continuation table with fewer columns than the previous page's (a column the first
    page splits for its funds rows, 未完成原因 over three, is one on the next): when both share
    their outer edges and every edge of the second is one of the first's, the first column
    of the previous page's that each column of the second starts at; else None."""
    if len(second) < 2 or len(second) >= len(first) or not _same_columns(
            [first[0], first[-1]], [second[0], second[-1]]):
        return None
    starts = []
    for edge in second:
        matches = [i for i, x in enumerate(first) if abs(x - edge) <= EDGE_TOLERANCE]
        if not matches:
            return None
        starts.append(matches[0])
    return starts


def _onto_edges(grid: Grid, starts: list[int]) -> Grid:
    """The grid's columns spread onto a finer set of columns (``_coarser_columns``): each
    column covers the previous page's columns between its edges, as a cell merged across."""
    width = starts[-1]
    values, anchor = [], {}
    for r, row in enumerate(grid.values, start=1):
        moved = [None] * width
        for c in range(1, len(starts)):
            first, last = starts[c - 1] + 1, starts[c]
            own = grid.cell_anchor(r, c)
            top = (own[0], starts[own[1] - 1] + 1)
            for cc in range(first, last + 1):
                moved[cc - 1] = grid.get(r, c)
                if last > first or own != (r, c):
                    anchor[(r, cc)] = top
        values.append(moved)
    return Grid(grid.file, grid.sheet, values, anchor)


def _columns_of_cell(grid: Grid, row: int, column: int) -> tuple[int, int]:
    """The first and last column of the cell (its ruled box) at (row, column)."""
    anchor = grid.cell_anchor(row, column)
    spanned = [c for c in range(1, grid.max_column + 1) if grid.cell_anchor(row, c) == anchor]
    return (min(spanned), max(spanned)) if spanned else (column, column)


def _split_row_tail(first: Grid, second: Grid) -> bool:
    """True when the second part starts with the rest of a row the page break cut: text only
    in cells that are filled in the first part's last row, at most half as many, no header,
    and each of its boxes as wide as the box above it (a 合计 box spanning the label columns
    under single-column boxes is a row of its own, not the rest of one)."""
    from perfnb.reading.headers import indicator_column
    last, width = first.max_row, min(first.max_column, second.max_column)
    tail = [c for c in range(1, width + 1) if not second.is_blank(1, c)
            and second.cell_anchor(1, c) == (1, c)]
    filled = [c for c in range(1, width + 1) if not first.is_blank(last, c)]
    return bool(tail) and 2 * len(tail) <= len(filled) and set(tail) <= set(filled) and \
        not any(indicator_column(second.get(1, c)) for c in tail) and \
        all(_columns_of_cell(second, 1, c) == _columns_of_cell(first, last, c) for c in tail)


def _is_heading(text) -> bool:
    from perfnb.reading.headers import indicator_column
    return isinstance(text, str) and indicator_column(text) is not None


def _label_columns(grid: Grid) -> list[int]:
    """The columns headed 一级指标 / 二级指标 in a grid (empty when it has no such header)."""
    from perfnb.reading.headers import indicator_column
    for r in range(1, grid.max_row + 1):
        found = [c for c in range(1, grid.max_column + 1)
                 if indicator_column(grid.get(r, c)) in ("level1", "level2")]
        if found:
            return found
    return []


def _merges_down(grid: Grid, column: int) -> bool:
    """Does the column hold a ruled box spanning several rows (labels merged down)?"""
    return any(grid.cell_anchor(r, column)[0] < r and grid.cell_anchor(r, column)[1] == column
               for r in range(2, grid.max_row + 1))


def _join_split_labels(first: Grid, second: Grid) -> None:
    """A merged 一级/二级 cell the page break split in two boxes, its label printed in one of
    them only: the two boxes are one cell again, so its label covers both.

    The ruling lines decide: the first part's last box in the column must be a box of its
    own (a line above it closes the cell before), the second part's first box as wide, and
    the column must merge labels down elsewhere (forms ruling every row and printing a label
    once with blanks below are left to the readers' fill-down).  Rows below a NEW merged
    cell thus take that cell's label, never the previous one's.  Changes ``first`` in place;
    the second part's box is re-anchored by :func:`_append`."""
    last = first.max_row
    columns = [c for c in _label_columns(first) if c <= second.max_column]
    for c in columns:
        if not (_merges_down(first, c) or _merges_down(second, c)):
            continue
        top = first.cell_anchor(last, c)
        if _columns_of_cell(first, last, c) != _columns_of_cell(second, 1, c) or \
                second.cell_anchor(1, c) != (1, c):
            continue
        upper, lower = first.get(*top), second.get(1, c)
        if (upper is None or str(upper).strip() == "") and lower not in (None, "") and \
                not _is_heading(lower):
            for r in range(top[0], last + 1):
                if first.cell_anchor(r, c) == top:
                    first.values[r - 1][c - 1] = lower
                    first.anchor[(r, c)] = top


def _continued_boxes(first: Grid, second: Grid) -> dict[tuple[int, int], tuple[int, int]]:
    """The second part's label boxes that continue the first part's last box (same width, a
    column that merges labels down): their positions -> the first part's anchor."""
    last = first.max_row
    moved: dict[tuple[int, int], tuple[int, int]] = {}
    for c in [c for c in _label_columns(first) if c <= second.max_column]:
        if not (_merges_down(first, c) or _merges_down(second, c)):
            continue
        if second.cell_anchor(1, c) != (1, c) or \
                _columns_of_cell(first, last, c) != _columns_of_cell(second, 1, c):
            continue
        upper, lower = first.get(last, c), second.get(1, c)
        if (lower in (None, "") or lower == upper) and not _is_heading(upper):
            rows = [r for r in range(1, second.max_row + 1) if second.cell_anchor(r, c) == (1, c)]
            for r in rows:
                moved[(r, c)] = first.cell_anchor(last, c)
                second.values[r - 1][c - 1] = upper
    return moved


def _append(first: Grid, second: Grid, name: str, ruled: bool = True) -> Grid:
    if second.max_row and first.max_row and _split_row_tail(first, second):
        # the row the page break cut in two is one row again
        last = first.max_row
        first = Grid(first.file, first.sheet, [list(row) for row in first.values],
                     dict(first.anchor), set(first.percent))
        for c in range(1, min(first.max_column, second.max_column) + 1):
            if second.is_blank(1, c) or second.cell_anchor(1, c) != (1, c):
                continue
            anchor = first.cell_anchor(last, c)
            text = join_lines(f"{first.get(*anchor)}\n{second.get(1, c)}")
            for (r, cc) in [p for p, a in first.anchor.items() if a == anchor] or [anchor]:
                first.values[r - 1][cc - 1] = text
        second = Grid(second.file, second.sheet, second.values[1:],
                      {(r - 1, c): (max(ar - 1, 1), ac) for (r, c), (ar, ac) in second.anchor.items()
                       if r > 1})
    first = Grid(first.file, first.sheet, [list(row) for row in first.values],
                 dict(first.anchor), set(first.percent))
    second = Grid(second.file, second.sheet, [list(row) for row in second.values],
                  dict(second.anchor), set(second.percent))
    moved: dict[tuple[int, int], tuple[int, int]] = {}
    if ruled and first.max_row and second.max_row:      # boxes are ruling lines only when ruled
        _join_split_labels(first, second)
        moved = _continued_boxes(first, second)
    offset = first.max_row
    width = max(first.max_column, second.max_column)
    values = [list(row) + [None] * (width - len(row)) for row in first.values + second.values]
    anchor = dict(first.anchor)
    anchor.update({(r + offset, c): (ar + offset, ac) for (r, c), (ar, ac) in second.anchor.items()})
    for (r, c), target in moved.items():
        anchor[(r + offset, c)] = target
        anchor.setdefault(target, target)
    return Grid(first.file, name, values, anchor)


def _text_rows(page, above: float, below: float) -> list[list[object]]:
    """Lines of text between two heights of a page, outside any table, as one-cell rows."""
    region = page.crop((0, max(0, above), page.width, min(page.height, below)), strict=False)
    text = region.extract_text() or ""
    return [[line.strip()] for line in text.split("\n") if line.strip()]


def _text_grid(page, file: str, name: str, centred=()):
    """A page without ruling lines: its text as one grid (rows and columns rebuilt from the
    words' positions, :mod:`perfnb.reading.pdftext`), and the table (columns' extents, where
    labels stand centred over their rows)."""
    table = page_table(page, centred)
    return Grid(file, name, table.values, table.anchor), table


def _onto_columns(grid: Grid, columns: list[tuple[float, float]],
                  onto: list[tuple[float, float]]) -> Grid | None:
    """A continuation page's text grid with its columns moved onto the previous page's
    (each onto the one it overlaps most), or None when they do not map one to one."""
    target = []
    for x0, x1 in columns:
        overlaps = [min(x1, b) - max(x0, a) for a, b in onto]
        best = max(range(len(onto)), key=lambda i: overlaps[i]) if onto else None
        if best is None or overlaps[best] <= 0:
            return None
        target.append(best)
    if len(set(target)) != len(target) or target != sorted(target):
        return None
    width = len(onto)
    values = []
    for row in grid.values:
        moved = [None] * width
        for c, value in enumerate(row):
            moved[target[c]] = value
        values.append(moved)
    anchor = {(r, target[c - 1] + 1): (ar, target[ac - 1] + 1)
              for (r, c), (ar, ac) in grid.anchor.items()}
    return Grid(grid.file, grid.sheet, values, anchor)


def pdf_grids(path: Path, text_only: bool = False) -> list[Grid]:
    """The tables of a PDF as grids named after their pages ("第1页", "第1–2页").

    A page without ruled tables (or every page, ``text_only``) is read as one table rebuilt
    from its words' positions."""
    import pdfplumber

    check_file(path)
    file = str(path)
    try:
        document = pdfplumber.open(str(path))
    except Exception as error:  # pdfminer raises many kinds on malformed files
        raise InputError(f"无法读取 PDF 文件（{type(error).__name__}: {error}）", file=path,
                         hint="请重新导出该 PDF，或提供 Excel/Word 原件") from None
    deadline = limits.Deadline(path)
    try:
        limits.pdf_pages(path, _page_count(document))
    except InputError:
        document.close()
        raise
    grids: list[Grid] = []
    pages: list[tuple[int, int]] = []          # first and last page of each grid
    edges: list[list[float]] = []
    text_columns: dict[int, list[tuple[float, float]]] = {}     # grid index -> column extents
    centred: list[tuple[float, float]] = []
    any_text = False
    try:
        for page in document.pages:
            number = page.page_number
            deadline.check(f"第 {number} 页")
            if number > limits.MAX_PDF_PAGES:  # a page tree whose /Count lies
                limits.pdf_pages(path, number)
            if page.chars:
                any_text = True
            else:
                continue
            tables = [] if text_only else page.find_tables()
            if not tables:
                grid, table = _text_grid(page, file, f"第{number}页", centred)
                columns, centred = table.columns, table.centred or centred
                if not grid.max_row:
                    continue
                previous = len(grids) - 1
                if (previous in text_columns and pages[-1][1] == number - 1
                        and not starts_form(grid)):
                    moved = _onto_columns(grid, columns, text_columns[previous])
                    if moved is not None:
                        first_page = pages[-1][0]
                        grids[-1] = _append(grids[-1], moved, f"第{first_page}–{number}页",
                                            ruled=False)
                        pages[-1] = (first_page, number)
                        continue
                grids.append(grid)
                pages.append((number, number))
                edges.append([])
                text_columns[len(grids) - 1] = columns
                continue
            top = 0.0
            for index, table in enumerate(tables):
                grid, xs = _table_grid(table, file, f"第{number}页")
                lead = _text_rows(page, top, table.bbox[1]) if index == 0 else []
                top = table.bbox[3]
                follows = (index == 0 and grids and pages[-1][1] == number - 1
                           and not lead_has_title(lead) and not starts_form(grid))
                continued = follows and _same_columns(edges[-1], xs)
                starts = _coarser_columns(edges[-1], xs) if follows and not continued else None
                if starts is not None:
                    grid, continued = _onto_edges(grid, starts), True
                if continued:
                    first_page = pages[-1][0]
                    grids[-1] = _append(grids[-1], grid, f"第{first_page}–{number}页")
                    pages[-1] = (first_page, number)
                    continue
                if lead:
                    width = grid.max_column
                    rows = [row + [None] * (width - 1) for row in lead]
                    grid = Grid(file, grid.sheet, rows + grid.values,
                                {(r + len(rows), c): (ar + len(rows), ac)
                                 for (r, c), (ar, ac) in grid.anchor.items()})
                grids.append(grid)
                pages.append((number, number))
                edges.append(xs)
    finally:
        document.close()
    if not any_text:
        raise InputError(SCANNED_MESSAGE, file=path, hint=SCANNED_HINT)
    return grids


def _page_count(document) -> int:
    """Pages of a PDF from its page tree's /Count (nothing parsed per page); if that
    cannot be read, by listing the pages."""
    from pdfminer.pdftypes import resolve1
    try:
        count = resolve1(resolve1(document.doc.catalog["Pages"])["Count"])
        if isinstance(count, int) and count >= 0:
            return count
    except Exception:  # a damaged page tree: pdfminer walks the objects instead
        pass
    return len(document.pages)


def lead_has_title(lead: list[list[object]]) -> bool:
    """Text above a table that starts a new form (its title) rather than continuing one."""
    return any("自评表" in str(row[0]) or "评价表" in str(row[0]) for row in lead)


def starts_form(grid: Grid) -> bool:
    """A table whose first rows are a form's title or header block (项目名称): a new form."""
    from perfnb.reading.forms import _is_project_row
    for r in range(1, min(grid.max_row, 5) + 1):
        if _is_project_row(grid, r) or any("自评表" in grid.text(r, c) or "评价表" in grid.text(r, c)
                                           for c in range(1, grid.max_column + 1)):
            return True
    return False


def read_pdf_forms(path: str | os.PathLike) -> list[Form]:
    """Every form of a PDF (each table with its indicator block, cut at each 项目名称 block)."""
    path = Path(path)
    grids = pdf_grids(path)
    forms = _grid_forms(grids)
    if not forms and grids:
        # ruled tables, but none is the indicator table: it may be printed without lines
        forms = _grid_forms(pdf_grids(path, text_only=True))
    if not forms:
        from perfnb.reading.blocks import unreadable_table_error
        from perfnb.reading.reporttext import budget_only
        for grid in grids:
            missing = unreadable_table_error(grid)
            if missing is not None:
                raise missing
        # a report without an indicator table whose prose gives the funds: budget only
        loaded = budget_only(pdf_paragraphs(path), str(path), "pdf")
        if loaded is not None:
            return [Form(1, None, loaded)]
        raise InputError(
            f"PDF 中找不到绩效指标表（共 {len(grids)} 个表格，没有一个包含 三级指标、"
            "年度指标值、分值 等表头）", file=path,
            hint="请确认 PDF 中是项目支出绩效自评表（带文字层）；也可提供 Excel/Word 原件")
    return forms


# A printed line reaching this close to the text's right edge (in character widths) runs on
# into the next line: Chinese prose wraps anywhere, so the paragraph goes on.
RUN_ON_CHARS = 3
_HEADING_START_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.．、](?!\d))")


def pdf_paragraphs(path: Path) -> list[str]:
    """The paragraphs of a PDF's text layer: its printed lines, a line that runs to the right
    edge joined with the next (a wrapped paragraph), a numbered heading starting a new one."""
    import pdfplumber

    paragraphs: list[str] = []
    deadline = limits.Deadline(path)
    with pdfplumber.open(str(path)) as document:
        for page in document.pages:
            deadline.check()
            lines = page.extract_text_lines()
            if not lines:
                continue
            right = max(line["x1"] for line in lines)
            runs_on = False
            for line in lines:
                text = line["text"].strip()
                if not text:
                    continue
                if runs_on and paragraphs and not _HEADING_START_RE.match(text):
                    paragraphs[-1] += text
                else:
                    paragraphs.append(text)
                width = max(line["bottom"] - line["top"], 1.0)
                runs_on = line["x1"] >= right - RUN_ON_CHARS * width
    return paragraphs


def _grid_forms(grids: list[Grid]) -> list[Form]:
    from perfnb.reading.blocks import find_indicator_header
    from perfnb.reading.official import read_form
    from perfnb.reading.sichuan import is_sichuan

    forms: list[Form] = []
    for grid in grids:
        if find_indicator_header(grid) is None:
            continue
        for top, bottom in form_spans(grid):
            sub = grid.rows_only(top, bottom)
            form = Form(len(forms) + 1, grid.sheet)
            try:
                header = find_indicator_header(sub)
                form.loaded = read_form(sub, "sichuan" if is_sichuan(sub) else "official", header)
            except PerfnbError as error:
                form.error = error
            forms.append(form)
    return forms
