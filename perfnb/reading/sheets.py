"""Shared helpers: open a workbook, read a worksheet into a grid with merged cells filled,
find labels.

Rows and columns are 1-based everywhere, as Excel shows them.
"""
from __future__ import annotations

import bisect
import functools
import gc
import html
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from perfnb import limits
from perfnb.errors import InputError
from perfnb.reading.values import clean_label, simplified

LABEL_HINT = "请检查该单元格。"
# A "formula" that is only a constant, as Excel makes of a typed target "=100%" or "=12".
# Also a "formula" that a program wrote for a typed target with its unit ("=4万元", "=100%"):
# no cell reference or function can look like that, so it is the text typed.
CONSTANT_FORMULA_RE = re.compile(r"^=\s*[-+]?\d+(?:\.\d+)?\s*(?:%|[^\x00-\x7f]{1,6})?\s*$")


@dataclass
class Grid:
    """A worksheet (or CSV file) as a rectangular grid of cell values.

    ``values[r-1][c-1]`` is the value of cell (r, c); cells of a merged range all hold the
    range's value.  ``anchor`` maps every cell of a merged range to its top-left cell.
    ``percent`` holds the cells formatted as percentages (their numbers are fractions).
    """

    file: str
    sheet: str | None
    values: list[list[object]]
    anchor: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    percent: set[tuple[int, int]] = field(default_factory=set)

    @property
    def max_row(self) -> int:
        return len(self.values)

    @functools.cached_property
    def max_column(self) -> int:
        # Computed once: rows are never added or widened after a Grid is built (cells are
        # only replaced), and the readers ask for it per row (a million-row sheet read
        # quadratically took minutes).
        return max(map(len, self.values), default=0)

    def get(self, row: int, column: int):
        if 1 <= row <= len(self.values):
            cells = self.values[row - 1]
            if 1 <= column <= len(cells):
                return cells[column - 1]
        return None

    def text(self, row: int, column: int) -> str:
        """The cell's text with whitespace removed ('' for blanks)."""
        value = self.get(row, column)
        if value is None:
            return ""
        cache = self.__dict__.setdefault("_clean", {})
        key = value if isinstance(value, str) else None
        if key is None:
            return clean_label(value)
        text = cache.get(key)
        if text is None:
            text = cache[key] = clean_label(value)
        return text

    def cell_anchor(self, row: int, column: int) -> tuple[int, int]:
        return self.anchor.get((row, column), (row, column))

    def is_blank(self, row: int, column: int) -> bool:
        value = self.get(row, column)
        return value is None or (isinstance(value, str) and not value.strip())

    def row_blank(self, row: int) -> bool:
        if not 1 <= row <= len(self.values):
            return True
        return all(v is None or (isinstance(v, str) and not v.strip())
                   for v in self.values[row - 1])

    def value_right_of(self, row: int, column: int) -> tuple[object, int | None]:
        """The next non-empty cell to the right that is not part of the label's own merged range."""
        own = self.cell_anchor(row, column)
        for c in range(column + 1, self.max_column + 1):
            if self.cell_anchor(row, c) == own:
                continue
            if not self.is_blank(row, c):
                return self.get(row, c), c
        return None, None

    def value_below(self, row: int, column: int, stop_rows: int = 3) -> tuple[object, int | None]:
        """The next non-empty cell below (within ``stop_rows`` rows), outside the label's range."""
        own = self.cell_anchor(row, column)
        for r in range(row + 1, min(self.max_row, row + stop_rows) + 1):
            if self.cell_anchor(r, column) == own:
                continue
            if not self.is_blank(r, column):
                return self.get(r, column), r
        return None, None

    def rows_only(self, top: int, bottom: int) -> "Grid":
        """This grid with every row outside ``top``…``bottom`` blank: one form of a sheet
        that holds several, read with the sheet's own row numbers."""
        if top <= 1 and bottom >= self.max_row:
            return self
        values = [row if top <= r <= bottom else [] for r, row in enumerate(self.values, 1)]
        while values and not values[-1]:
            values.pop()
        return Grid(self.file, self.sheet, values,
                    {k: v for k, v in self.anchor.items() if top <= k[0] <= bottom},
                    {k for k in self.percent if top <= k[0] <= bottom})

    @functools.cached_property
    def filled_rows(self) -> list[int]:
        """Numbers of the rows that hold any value (a sheet with a stray value in its last
        row is a million rows, almost all blank: loops over rows go through these)."""
        return [r for r, cells in enumerate(self.values, 1)
                if cells and cells.count(None) != len(cells)]

    def filled(self, row: int) -> list[tuple[int, object]]:
        """(column, value) of the row's cells that are not None, left to right."""
        cells = self.values[row - 1] if 1 <= row <= len(self.values) else ()
        return [(c, v) for c, v in enumerate(cells, 1) if v is not None] if cells else []

    def find(self, predicate, rows: range | None = None) -> list[tuple[int, int]]:
        """Cells (row, column) whose cleaned text satisfies ``predicate``; one per merged range."""
        found = []
        seen = set()
        filled = self.filled_rows
        if not rows:  # None, or an empty range: every row (as it always was)
            rows = filled
        elif isinstance(rows, range) and rows.step == 1 and len(rows) > len(filled):
            rows = filled[bisect.bisect_left(filled, rows.start):
                          bisect.bisect_left(filled, rows.stop)]
        for r in rows:
            cells = self.values[r - 1] if r <= len(self.values) else []
            for c, value in enumerate(cells, start=1):
                if not isinstance(value, str):
                    continue
                anchor = self.cell_anchor(r, c)
                if anchor in seen:
                    continue
                if predicate(self.text(r, c)):
                    seen.add(anchor)
                    found.append((r, c))
        return found

    def error(self, problem: str, row: int | None = None, column: int | None = None,
              header: str | None = None, hint: str | None = None) -> InputError:
        """An InputError located at a cell of this grid."""
        letter = get_column_letter(column) if column and self.sheet is not None else None
        return InputError(problem, file=self.file, sheet=self.sheet, row=row, column=header,
                          column_letter=letter, hint=hint)


def label_matches(label: str, *names: str) -> bool:
    """True when a cleaned cell text is one of ``names``, optionally followed by a colon or
    a bracketed note ("年度资金总额（万元）")."""
    bare, clean = _label_keys(label)
    return bare in names or clean in _cleaned(names)


@functools.lru_cache(maxsize=8192)
def _label_keys(label: str) -> tuple[str, str]:
    # a mirror's traditional characters with pinyin readings ("項(xiàng)目名稱") are the label
    label = simplified(label)
    return _NOTE_RE.sub("", label).rstrip(":："), clean_label(label)


_NOTE_RE = re.compile(r"(?:[(（][^()（）]*[)）])+$")


@functools.lru_cache(maxsize=256)
def _cleaned(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(clean_label(name) for name in names)


# ---------------------------------------------------------------------------------------------
# Workbooks

def check_file(path: Path) -> None:
    """Raise InputError unless ``path`` is a non-empty regular file."""
    if not path.exists():
        raise InputError("找不到该文件", file=path, hint="请检查文件路径和文件名是否正确")
    if path.is_dir():
        raise InputError("这是一个文件夹，不是文件", file=path,
                         hint="请给出 Excel 工作簿、CSV 文件或单位参数 YAML 文件的路径")
    if path.stat().st_size == 0:
        raise InputError("文件是空的（0 字节）", file=path, hint="请重新保存或重新导出该文件")


SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".et", ".ett", ".xlt", ".xltx")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"    # xls / WPS .et (compound document)


class Book:
    """A spreadsheet opened for reading (.xlsx/.xlsm, legacy .xls, .ods, WPS .et): its sheet
    names and, per sheet, a :class:`Grid`.

    Cell values come from python-calamine (one Rust reader for every format, ~50× faster
    than openpyxl's read-only mode on our forms: see docs/architecture.md).  What calamine
    does not give is read beside it, per format:

    * xlsx: merged ranges (calamine), and from the sheet XML the formulas and the cells
      formatted as percentages (styles.xml's number formats).  A formula that is only a
      constant ("=100%", "=12": a target typed with its "=" sign) is read as the text typed,
      whether or not a value was cached; ``uncached`` maps sheet title -> cells (row, column)
      of other formulas with no cached value (a workbook saved by a program that does not
      compute formulas).
    * xls / .et: merged ranges (calamine); percentage formats from xlrd (formatting_info).
    * ods: merged ranges and percentage cells from content.xml (calamine gives neither).
    """

    def __init__(self, path: Path, kind: str, workbook, archive: zipfile.ZipFile | None) -> None:
        self.path = path
        self.file = str(path)
        self.kind = kind                      # "xlsx" | "xls" | "ods"
        self._workbook = workbook
        self._archive = archive
        self._grids: dict[str, Grid] = {}
        self.uncached: dict[str, set[tuple[int, int]]] = {}
        self.sheetnames: list[str] = list(workbook.sheet_names)
        self._extra: dict[str, dict] | None = None

    # -- per-format extras ------------------------------------------------------------------

    def _extras(self) -> dict[str, dict]:
        """sheet title -> {"percent": set, "merges": list|None, "xml": bytes}."""
        if self._extra is None:
            try:
                if self.kind == "xlsx":
                    self._extra = _xlsx_extras(self._archive)
                elif self.kind == "ods":
                    self._extra = _ods_extras(self._archive)
                else:
                    self._extra = _xls_extras(self.path)
            except Exception:  # extras refine a readable sheet; never fail the read for them
                self._extra = {}
        return self._extra

    def grid(self, title: str) -> Grid:
        if title in self._grids:
            return self._grids[title]
        extra = self._extras().get(title, {})
        xml = extra.get("xml", b"")
        # The used range is checked before calamine builds its dense grid (one cell object
        # per position: a value at XFD1048576 would ask for 512 GiB and abort the process).
        if self.kind == "xlsx":
            limits.sheet_extent(self.file, title, *_xlsx_extent(xml))
        elif "extent" in extra:
            limits.sheet_extent(self.file, title, *extra["extent"])
        try:
            sheet = self._workbook.get_sheet_by_name(title)
            if self.kind != "xlsx":
                limits.sheet_extent(self.file, title, sheet.total_height, sheet.total_width)
            values = _sheet_values(sheet)
        except InputError:
            raise
        except Exception as error:  # calamine: malformed XML, undefined entities, bad records
            raise InputError(f"无法读取该工作表（{type(error).__name__}: {error}）", file=self.file,
                             sheet=title, hint="请在 Excel 或 WPS 中打开并重新保存为 .xlsx") from None
        if b"<f" in xml:
            self._read_formulas(xml, title, values)
        width = max(map(len, values), default=0)
        for row in values:
            if row:  # blank rows stay empty lists: a million of them cost 56 MB, not 90
                row.extend([None] * (width - len(row)))
        while values and all(v is None or (isinstance(v, str) and not v.strip())
                             for v in values[-1]):
            values.pop()
        grid = Grid(self.file, title, values, percent=set(extra.get("percent", ())))
        merges = sheet.merged_cell_ranges
        if merges is None:
            merges = extra.get("merges", [])
        for (top, left), (bottom, right) in merges:
            _fill_merged(grid, top + 1, left + 1, bottom + 1, right + 1)
        self._grids[title] = grid
        return grid

    def _read_formulas(self, xml: bytes, title: str, values: list[list[object]]) -> None:
        """Constant formulas become the text typed; others without a cached value are noted.

        Formulas are read from the sheet XML (``<c r="F17"><f>100%</f></c>``: stored without
        the "=" sign).
        """
        from openpyxl.utils.cell import column_index_from_string

        for match in _FORMULA_CELL_RE.finditer(xml):
            letters, row_text, formula = match.group(1), match.group(2), match.group(3)
            r, c = int(row_text), column_index_from_string(letters.decode("ascii"))
            text = "=" + html.unescape(formula.decode("utf-8")) if formula is not None else ""
            cached = values[r - 1][c - 1] if r <= len(values) and c <= len(values[r - 1]) \
                else None
            if text and CONSTANT_FORMULA_RE.match(text):
                while len(values) < r:
                    values.append([])
                row = values[r - 1]
                row.extend([None] * (c - len(row)))
                row[c - 1] = text.strip()
            elif cached is None:
                self.uncached.setdefault(title, set()).add((r, c))

    def close(self) -> None:
        self._workbook.close()
        if self._archive is not None:
            self._archive.close()


def _sheet_values(sheet) -> list[list[object]]:
    """A calamine sheet's values from A1, blanks None, whole floats int.

    ``iter_rows`` (8× faster than ``to_python(skip_empty_area=False)`` on a million rows)
    starts at row 1 but at the used range's first column: the columns left of it are
    prepended here.  Blank rows are empty lists.
    """
    if not sheet.height:
        return []
    left = [None] * sheet.start[1]
    blank = [""] * sheet.width
    collecting = gc.isenabled()
    gc.disable()  # a million rows are a million new lists: no cycles, nothing to collect
    try:
        filled = [(index, row) for index, row in enumerate(sheet.iter_rows()) if row != blank]
        # rows before the used range hold nothing: a first filled row above it means this
        # calamine counts its rows from the used range's first row
        offset = sheet.start[0] if filled and filled[0][0] < sheet.start[0] else 0
        values: list[list[object]] = [[] for _ in range(filled[-1][0] + 1 + offset)] \
            if filled else []
        for index, row in filled:
            values[index + offset] = left + [_cell(v) for v in row]
    finally:
        if collecting:
            gc.enable()
    return values


# A cell that has content (not self-closing: Excel writes formatted empty cells as
# <c r="B5" s="3"/>, which calamine leaves out of the used range too).
_CELL_REF_RE = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?(/?)>')


def _xlsx_extent(xml: bytes) -> tuple[int, int]:
    """Rows and columns of a sheet XML's used range (the furthest cells that have content)."""
    from openpyxl.utils.cell import column_index_from_string

    rows, letters = 0, b""
    for column, row, empty in _CELL_REF_RE.findall(xml):
        if empty:
            continue
        rows = max(rows, int(row))
        if (len(column), column) > (len(letters), letters):
            letters = column
    return rows, column_index_from_string(letters.decode("ascii")) if letters else 0


def _cell(value):
    """A calamine value as openpyxl gives it: blanks None, whole floats int."""
    if value == "" or value is None:
        return None
    if type(value) is float and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


_SHEET_RE = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"'
                       rb'|<(?:\w+:)?sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL_RE = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"'
                     rb'|<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_NUMFMT_RE = re.compile(rb'<(?:\w+:)?numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"')
_CELLXFS_RE = re.compile(rb'<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>', re.S)
_XF_RE = re.compile(rb'<(?:\w+:)?xf\b([^>]*)>')
_ATTR_RE = re.compile(rb'\b(numFmtId|s|r)="([^"]*)"')
_STYLED_CELL_RE = re.compile(rb'<(?:\w+:)?c\s([^>]*\bs="\d+"[^>]*)>')
PERCENT_FORMAT_IDS = {9, 10}


def _xlsx_extras(archive: zipfile.ZipFile) -> dict[str, dict]:
    """Per sheet title: its XML (formulas are read from it) and its percentage cells."""
    names = set(archive.namelist())
    workbook_xml = limits.read_member(archive, "xl/workbook.xml", archive.filename)
    rels_xml = archive.read("xl/_rels/workbook.xml.rels") \
        if "xl/_rels/workbook.xml.rels" in names else b""
    targets = {}
    for m in _REL_RE.finditer(rels_xml):
        rel_id, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        target = target.decode("utf-8").lstrip("/")
        targets[rel_id] = target if target.startswith("xl/") else "xl/" + target
    percent_styles: set[int] = set()
    if "xl/styles.xml" in names:
        styles = limits.read_member(archive, "xl/styles.xml", archive.filename)
        percent_ids = set(PERCENT_FORMAT_IDS)
        for m in _NUMFMT_RE.finditer(styles):
            code = re.sub(r'"[^"]*"|\\.', "", html.unescape(m.group(2).decode("utf-8")))
            if "%" in code:
                percent_ids.add(int(m.group(1)))
        block = _CELLXFS_RE.search(styles)
        for index, xf in enumerate(_XF_RE.finditer(block.group(1) if block else b"")):
            attrs = dict(_ATTR_RE.findall(xf.group(1)))
            if int(attrs.get(b"numFmtId", b"0") or 0) in percent_ids:
                percent_styles.add(index)
    extras: dict[str, dict] = {}
    for m in _SHEET_RE.finditer(workbook_xml):
        name, rel_id = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(4), m.group(3))
        member = targets.get(rel_id)
        xml = limits.read_member(archive, member, archive.filename) if member in names else b""
        percent: set[tuple[int, int]] = set()
        if percent_styles and xml:
            from openpyxl.utils.cell import coordinate_from_string, column_index_from_string
            for cell in _STYLED_CELL_RE.finditer(xml):
                attrs = dict(_ATTR_RE.findall(cell.group(1)))
                if int(attrs[b"s"]) in percent_styles and b"r" in attrs:
                    letters, row = coordinate_from_string(attrs[b"r"].decode("ascii"))
                    percent.add((row, column_index_from_string(letters)))
        extras[html.unescape(name.decode("utf-8"))] = {"xml": xml, "percent": percent}
    return extras


def _ods_extras(archive: zipfile.ZipFile) -> dict[str, dict]:
    """Merged ranges and percentage cells of each table of an .ods's content.xml."""
    from lxml import etree

    table_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    office_ns = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    T = "{%s}" % table_ns
    extras: dict[str, dict] = {}
    with archive.open("content.xml") as stream:
        for _, table in etree.iterparse(stream, events=("end",), tag=T + "table"):
            merges, percent = [], set()
            row = 0
            extent = (0, 0)
            for element in table.iter(T + "table-row"):
                repeat = int(element.get(T + "number-rows-repeated", "1"))
                column = 0
                for cell in element:
                    if cell.tag not in (T + "table-cell", T + "covered-table-cell"):
                        continue
                    span = int(cell.get(T + "number-columns-repeated", "1"))
                    if cell.tag == T + "table-cell" and (
                            len(cell) or cell.get("{%s}value-type" % office_ns)):
                        # calamine repeats a repeated cell that has content: the used range
                        extent = (max(extent[0], row + repeat), max(extent[1], column + span))
                    if cell.tag == T + "table-cell":
                        rows = int(cell.get(T + "number-rows-spanned", "1"))
                        columns = int(cell.get(T + "number-columns-spanned", "1"))
                        if rows > 1 or columns > 1:
                            merges.append(((row, column), (row + rows - 1, column + columns - 1)))
                        if cell.get("{%s}value-type" % office_ns) == "percentage" and span < 1000:
                            for r in range(row, row + min(repeat, 1000)):
                                percent.update((r + 1, c + 1) for c in range(column, column + span))
                    column += span
                row += repeat
            extras[table.get(T + "name")] = {"merges": merges, "percent": percent,
                                             "extent": extent}
            table.clear()
    return extras


def _xls_extras(path: Path) -> dict[str, dict]:
    """Percentage-formatted number cells of an .xls (xlrd reads the XF records)."""
    import xlrd

    book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True,
                              logfile=open(os.devnull, "w"))
    try:
        percent_xf = set()
        for index, xf in enumerate(book.xf_list):
            fmt = book.format_map.get(xf.format_key)
            code = re.sub(r'"[^"]*"|\\.', "", fmt.format_str) if fmt else ""
            if "%" in code:
                percent_xf.add(index)
        extras = {}
        for index, name in enumerate(book.sheet_names()):
            percent = set()
            if percent_xf:
                sheet = book.sheet_by_index(index)
                for r in range(sheet.nrows):
                    for c, kind in enumerate(sheet.row_types(r)):
                        if kind == xlrd.XL_CELL_NUMBER and sheet.cell_xf_index(r, c) in percent_xf:
                            percent.add((r + 1, c + 1))
                book.unload_sheet(index)
            extras[name] = {"percent": percent}
        return extras
    finally:
        book.release_resources()


# A cell holding a formula: its column letters, row, and formula text (None when the element
# is empty, as the follower cells of a shared formula are).
_FORMULA_CELL_RE = re.compile(
    rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]+)(\d+)"[^>]*(?<!/)>(?:(?!</(?:\w+:)?c>|<(?:\w+:)?c[\s>]).)*?'
    rb'<(?:\w+:)?f(?:\s[^>/]*)?(?:/>|>([^<]*)</(?:\w+:)?f>)', re.S)


def _fill_merged(grid: Grid, top: int, left: int, bottom: int, right: int) -> None:
    if top > grid.max_row:
        return
    value = grid.get(top, left)
    width = grid.max_column
    for r in range(top, min(bottom, grid.max_row) + 1):
        row = grid.values[r - 1]
        if len(row) < width:  # a blank row is kept as an empty list
            row.extend([None] * (width - len(row)))
        for c in range(left, min(right, width) + 1):
            grid.values[r - 1][c - 1] = value
            grid.anchor[(r, c)] = (top, left)


def _refuse_dtd(archive: zipfile.ZipFile, path: Path) -> None:
    """InputError for an XML part that declares a DTD.

    Office Open XML and OpenDocument forbid DTDs (ECMA-376 Part 2, §8.1.4), so no
    spreadsheet program writes one; a DTD is how entity-expansion ("billion laughs") and
    external-entity attacks start, and calamine stops at its entities with an XmlError.
    Only each part's prolog (before its first element) is looked at.
    """
    for info in archive.infolist():
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        with archive.open(info) as stream:
            head = stream.read(4096)
        if _DOCTYPE_RE.search(head):
            raise InputError(f"文件中的“{info.filename}”含有 DTD（文档类型声明），"
                             "正规的 Excel/WPS/LibreOffice 文件不会有，出于安全原因不读取",
                             file=path, hint="请用 Excel 或 WPS 打开该文件后另存为 .xlsx，再重新运行")


_DOCTYPE_RE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def open_workbook(path: Path) -> Book:
    """Open a spreadsheet for reading; InputError if it is not a readable workbook.

    The format is told by content, not by the suffix (WPS and mail gateways rename files):
    an OLE compound document is a legacy .xls (or WPS .et), a zip with xl/workbook.xml an
    .xlsx, a zip with an OpenDocument spreadsheet mimetype an .ods.
    """
    import python_calamine  # imported here: the CLI's start-up stays cheap

    check_file(path)
    with open(path, "rb") as handle:
        magic = handle.read(8)
    archive = None
    suffix = path.suffix.lower()
    if magic == OLE_MAGIC:
        kind = "xls"
    elif zipfile.is_zipfile(path):
        try:
            archive = zipfile.ZipFile(path)
            names = set(archive.namelist())
        except zipfile.BadZipFile as error:
            raise InputError(f"工作簿文件已损坏，无法解压（{error}）", file=path,
                             hint="请重新保存或重新导出该文件") from None
        try:
            limits.archive_sizes(archive, path)
            _refuse_dtd(archive, path)
        except InputError:
            archive.close()
            raise
        if "xl/workbook.xml" in names:
            kind = "xlsx"
        elif "content.xml" in names and b"spreadsheet" in (archive.read("mimetype")
                                                           if "mimetype" in names else b""):
            kind = "ods"
        else:
            archive.close()
            what = "OpenDocument 表格（.ods）" if suffix == ".ods" else "Excel 工作簿"
            raise InputError(f"这是一个压缩文件，但不是 {what}（缺少 xl/workbook.xml）",
                             file=path, hint="请在 Excel 或 WPS 中另存为 Excel 工作簿（*.xlsx）")
    else:
        raise InputError("不是 Excel 工作簿（.xlsx/.xls）或 .ods 表格文件，无法打开", file=path,
                         hint="请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（*.xlsx）")
    try:
        # by content, not by suffix (calamine's from_path goes by the suffix)
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    except Exception as error:  # calamine raises several kinds on malformed files
        if archive is not None:
            archive.close()
        hint = "请在 Excel 或 WPS 中打开并重新保存为 .xlsx"
        if suffix in (".et", ".ett"):
            hint = "这是 WPS 表格文件，请在 WPS 中“另存为”Excel 工作簿（*.xlsx）或 Excel 97-2003 工作簿（*.xls）"
        if "password" in str(error).lower() or type(error).__name__ == "PasswordError":
            raise InputError("工作簿设有打开密码，无法读取", file=path,
                             hint="请去掉打开密码后重新保存") from None
        raise InputError(f"无法读取工作簿（{type(error).__name__}: {error}）", file=path,
                         hint=hint) from None
    return Book(path, kind, workbook, archive)
