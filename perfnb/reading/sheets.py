"""Shared helpers: open a workbook, read a worksheet into a grid with merged cells filled,
find labels.

Rows and columns are 1-based everywhere, as Excel shows them.
"""
from __future__ import annotations

import functools
import html
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from perfnb.errors import InputError
from perfnb.reading.values import clean_label

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

    @property
    def max_column(self) -> int:
        return max((len(row) for row in self.values), default=0)

    def get(self, row: int, column: int):
        if 1 <= row <= len(self.values):
            cells = self.values[row - 1]
            if 1 <= column <= len(cells):
                return cells[column - 1]
        return None

    def text(self, row: int, column: int) -> str:
        """The cell's text with whitespace removed ('' for blanks)."""
        return clean_label(self.get(row, column))

    def cell_anchor(self, row: int, column: int) -> tuple[int, int]:
        return self.anchor.get((row, column), (row, column))

    def is_blank(self, row: int, column: int) -> bool:
        value = self.get(row, column)
        return value is None or (isinstance(value, str) and not value.strip())

    def row_blank(self, row: int) -> bool:
        return all(self.is_blank(row, c) for c in range(1, self.max_column + 1))

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

    def find(self, predicate, rows: range | None = None) -> list[tuple[int, int]]:
        """Cells (row, column) whose cleaned text satisfies ``predicate``; one per merged range."""
        found = []
        seen = set()
        for r in rows or range(1, self.max_row + 1):
            cells = self.values[r - 1] if r <= len(self.values) else []
            for c, value in enumerate(cells, start=1):
                if not isinstance(value, str):
                    continue
                anchor = self.cell_anchor(r, c)
                if anchor in seen:
                    continue
                if predicate(clean_label(value)):
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
    text = re.sub(r"(?:[(（][^()（）]*[)）])+$", "", label).rstrip(":：")
    return text in names or clean_label(label) in _cleaned(names)


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


class Book:
    """An .xlsx/.xlsm opened for reading: its sheet names and, per sheet, a :class:`Grid`.

    Sheets are streamed with openpyxl's read-only mode (cached values of formulas), merged
    ranges are read from the sheet XML: far faster than openpyxl's full mode, which styles
    every merged cell.  ``uncached`` maps sheet title -> cells (row, column) holding a formula
    with no cached value (a workbook saved by a program that does not compute formulas).  A
    formula that is only a constant ("=100%", "=12": a target typed with its "=" sign) is read
    as the text typed, whether or not a value was cached.
    """

    def __init__(self, path: Path, workbook, archive: zipfile.ZipFile) -> None:
        self.path = path
        self.file = str(path)
        self._workbook = workbook
        self._archive = archive
        self._grids: dict[str, Grid] = {}
        self.uncached: dict[str, set[tuple[int, int]]] = {}
        self.sheetnames: list[str] = list(workbook.sheetnames)

    def _xml(self, title: str) -> bytes:
        member = getattr(self._workbook[title], "_worksheet_path", None)
        try:
            return self._archive.read(member) if member else b""
        except KeyError:
            return b""

    def grid(self, title: str) -> Grid:
        if title in self._grids:
            return self._grids[title]
        worksheet = self._workbook[title]
        worksheet.reset_dimensions()
        values: list[list[object]] = []
        percent: set[tuple[int, int]] = set()
        for r, row in enumerate(worksheet.iter_rows(), start=1):
            cells = []
            for c, cell in enumerate(row, start=1):
                value = cell.value
                cells.append(value)
                if isinstance(value, (int, float)) and "%" in (cell.number_format or ""):
                    percent.add((r, c))
            values.append(cells)
        xml = self._xml(title)
        if b"<f" in xml:
            self._read_formulas(xml, title, values)
        width = max((len(row) for row in values), default=0)
        for row in values:
            row.extend([None] * (width - len(row)))
        while values and all(v is None or (isinstance(v, str) and not v.strip())
                             for v in values[-1]):
            values.pop()
        grid = Grid(self.file, title, values, percent=percent)
        for match in _MERGE_RE.finditer(xml):
            _fill_merged(grid, match.group(1).decode("ascii"))
        self._grids[title] = grid
        return grid

    def _read_formulas(self, xml: bytes, title: str, values: list[list[object]]) -> None:
        """Constant formulas become the text typed; others without a cached value are noted.

        Formulas are read from the sheet XML (``<c r="F17"><f>100%</f></c>``: stored without
        the "=" sign), which is far cheaper than a second openpyxl pass.
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
        self._archive.close()


# A cell holding a formula: its column letters, row, and formula text (None when the element
# is empty, as the follower cells of a shared formula are).
_FORMULA_CELL_RE = re.compile(
    rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]+)(\d+)"[^>]*(?<!/)>(?:(?!</(?:\w+:)?c>|<(?:\w+:)?c[\s>]).)*?'
    rb'<(?:\w+:)?f(?:\s[^>/]*)?(?:/>|>([^<]*)</(?:\w+:)?f>)', re.S)
_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')


def _fill_merged(grid: Grid, reference: str) -> None:
    from openpyxl.utils.cell import range_boundaries

    left, top, right, bottom = range_boundaries(reference)
    if top > grid.max_row:
        return
    value = grid.get(top, left)
    width = grid.max_column
    for r in range(top, min(bottom, grid.max_row) + 1):
        for c in range(left, min(right, width) + 1):
            grid.values[r - 1][c - 1] = value
            grid.anchor[(r, c)] = (top, left)


def open_workbook(path: Path) -> Book:
    """Open an .xlsx/.xlsm for reading; InputError if it is not a readable workbook."""
    import openpyxl  # imported here: the CLI's start-up stays cheap

    check_file(path)
    if not zipfile.is_zipfile(path):
        raise InputError("不是 Excel 工作簿（.xlsx）文件，无法打开", file=path,
                         hint="请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（*.xlsx）；"
                              "旧版 .xls 文件也需另存为 .xlsx")
    try:
        archive = zipfile.ZipFile(path)
        if "xl/workbook.xml" not in archive.namelist():
            archive.close()
            raise InputError("这是一个压缩文件，但不是 Excel 工作簿（缺少 xl/workbook.xml）",
                             file=path, hint="请在 Excel 或 WPS 中另存为 Excel 工作簿（*.xlsx）")
    except zipfile.BadZipFile as error:
        raise InputError(f"工作簿文件已损坏，无法解压（{error}）", file=path,
                         hint="请重新保存或重新导出该文件") from None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on malformed files
        archive.close()
        raise InputError(f"无法读取工作簿（{type(error).__name__}: {error}）", file=path,
                         hint="请在 Excel 或 WPS 中打开并重新保存为 .xlsx") from None
    return Book(path, workbook, archive)
