"""The plain-text source (.txt): a 绩效自评报告 copied from its web page or saved as text.

Copied from a browser, a report's tables lose their borders but keep their shape: each table
cell starts a line with a tab (a line without the tab continues the cell above: "一级" /
"指标" is the cell 一级指标 with its line break), each table row ends at a blank line, and the
prose around the tables stays as lines of text.  This source rebuilds the tables as
:class:`~perfnb.reading.sheets.Grid` from that structure and hands them, with the prose, to
the document reader Word reports and web pages share (:func:`perfnb.reading.wordreport.
read_document_forms`: indicator tables, a 合计 per table closing its dimension, and the
budget sentences, title, year and total of the prose, :mod:`perfnb.reading.reporttext`).

* A table starts at a row whose cells are a header (an indicator header: 三级指标, 年度指标值,
  分值 …; or a funds header: 年初预算数, 全年执行数 …); the number of header cells is the
  table's column count.  Rows of cells before any header are prose.
* Each blank-line-separated group of cells is a row.  A row with fewer cells than the table
  has columns printed its first cell merged across (合计 over 一级/二级/三级指标), so that cell
  spans the missing columns; a row of a single cell (a note under the table) and any line of
  prose end the table.
* An 一级/二级 label printed once and left blank below applies downward, as a merged cell
  does: the blank cells are anchored to it, down to the next label (an 二级 label also stops
  at a new 一级 label) or to a row whose first cell spans those columns (合计).
* Rows written on one line with tabs between the cells (copied from a spreadsheet) are read
  the same way: a line with a tab inside it is a row of its own.

Encoding: UTF-16 with a BOM (Notepad's "Unicode"), UTF-8 (with or without BOM), else GB18030
(GBK/GB2312).
"""
from __future__ import annotations

from pathlib import Path

from perfnb import limits
from perfnb.errors import InputError
from perfnb.reading.forms import Form
from perfnb.reading.sheets import Grid, check_file
from perfnb.reading.values import normalise_text

__all__ = ["read_text_forms", "text_document", "looks_like_report", "MIN_ROW_CELLS"]

CELL_MARK = "\t"
MIN_ROW_CELLS = 2              # a group of fewer cells is a note, not a table row
MERGED_DOWN_KEYS = ("level1", "level2")


def _groups(text: str) -> list[list[str]]:
    """The text's blank-line-separated groups of lines."""
    groups: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip() or CELL_MARK in line:      # a lone tab is a blank cell, not a break
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    return [group for group in groups if group]


def _split(group: list[str]) -> tuple[list[str], list[list[str]]]:
    """A group's prose lines (before its first cell) and its rows of cells."""
    prose: list[str] = []
    rows: list[list[str]] = []
    cells: list[str] | None = None
    for line in group:
        if line.rstrip().count(CELL_MARK) > int(line.startswith(CELL_MARK)):
            # a whole row on one line: cells between tabs
            if cells:
                rows.append(cells)
            cells = None
            rows.append([cell.strip() for cell in line.rstrip().split(CELL_MARK)])
            continue
        if line.startswith(CELL_MARK):
            if cells is None:
                cells = []
            cells.append(line.strip())
        elif cells:                                            # the cell goes on
            cells[-1] = f"{cells[-1]}\n{line.strip()}" if cells[-1] else line.strip()
        else:
            prose.append(line.strip())
    if cells:
        rows.append(cells)
    return prose, rows


def _is_header(cells: list[str], file: str) -> bool:
    from perfnb.reading.blocks import find_funds_header
    from perfnb.reading.wordreport import indicator_table

    grid = Grid(file, None, [[cell or None for cell in cells]])
    return indicator_table(grid) is not None or find_funds_header(grid) is not None


class _Table:
    def __init__(self, header: list[str]) -> None:
        self.width = len(header)
        self.rows: list[list[str]] = [header]

    def add(self, cells: list[str]) -> None:
        self.rows.append(cells)
        self.width = max(self.width, len(cells))

    def grid(self, file: str, name: str) -> Grid:
        from perfnb.reading.headers import indicator_column

        values: list[list[object]] = []
        anchor: dict[tuple[int, int], tuple[int, int]] = {}
        for r, cells in enumerate(self.rows, start=1):
            span = self.width - len(cells) + 1     # the first cell covers the missing columns
            row = [cells[0] or None] * span + [cell or None for cell in cells[1:]]
            values.append(row)
            if span > 1:
                for c in range(1, span + 1):
                    anchor[(r, c)] = (r, 1)
        header = values[0]
        keys = {indicator_column(text): c for c, text in enumerate(header, start=1)
                if isinstance(text, str)}
        columns = [keys[key] for key in MERGED_DOWN_KEYS if key in keys]
        for position, column in enumerate(columns):
            label = None
            for r in range(2, len(values) + 1):
                if (r, column) in anchor:           # a row merged across: 合计
                    label = None
                    continue
                if any(values[r - 1][c - 1] is not None and (r, c) not in anchor
                       for c in columns[:position]):
                    label = None                    # a new 一级 label ends the 二级 one
                if values[r - 1][column - 1] is not None:
                    label = (r, column)
                elif label is not None:
                    values[r - 1][column - 1] = values[label[0] - 1][column - 1]
                    anchor[(r, column)] = label
                    anchor[label] = label
        return Grid(file, name, values, anchor)


def text_document(text: str, file: str) -> tuple[list[tuple[Grid, list[str]]], list[str]]:
    """The text as a document: (grid, prose above it) per table, and all the prose."""
    pairs: list[tuple[Grid, list[str]]] = []
    paragraphs: list[str] = []
    above: list[str] = []
    table: _Table | None = None

    def close() -> None:
        nonlocal table, above
        if table is not None:
            pairs.append((table.grid(file, f"表格{len(pairs) + 1}"), above))
            table, above = None, []

    def prose(lines: list[str]) -> None:
        for line in lines:
            line = normalise_text(line)
            if line:
                paragraphs.append(line)
                above.append(line)

    for group in _groups(text):
        lines, rows = _split(group)
        if lines:
            close()
            prose(lines)
        for cells in rows:
            if len(cells) < MIN_ROW_CELLS:
                close()
                prose(cells)
            elif _is_header(cells, file):
                close()
                table = _Table(cells)
            elif table is not None:
                table.add(cells)
            else:
                prose(cells)
    close()
    return pairs, paragraphs


# Words a report's first lines hold (its title, the first section): a .txt found in a folder
# without any of them is a note or a read-me, not a report.
REPORT_WORDS = ("绩效", "自评", "指标", "预算")


def looks_like_report(head: bytes) -> bool:
    """The text source's folder check (``Source.in_folders``): the first bytes name a report."""
    encodings = ("utf-16",) if head.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8", "gb18030")
    for encoding in encodings:
        text = head.removeprefix(b"\xef\xbb\xbf").decode(encoding, "ignore")
        if any(word in text for word in REPORT_WORDS):
            return True
    return False


def decode_text(path: Path) -> str:
    """The file's text: UTF-16 with its BOM (Notepad's "Unicode"), UTF-8 (BOM or not), else
    GB18030; InputError naming the line else."""
    from perfnb.reading.csvfile import ENCODINGS

    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass                 # not UTF-16 after all: the checks below say where it fails
    data = data.removeprefix(b"\xef\xbb\xbf")
    failure = None
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            failure = failure or error
    line = data[: failure.start].count(b"\n") + 1 if failure else None
    raise InputError(f"文本文件的编码无法识别（既不是 UTF-8，也不是 GB18030/GBK），第 {line} 行附近有"
                     "无法解码的字节", file=path, row=line,
                     hint="请用记事本打开该文件，“另存为”时编码选 UTF-8")


def read_text_forms(path: str | Path) -> list[Form]:
    """The forms of a plain-text report (see the module doc)."""
    from perfnb.reading.wordreport import read_document_forms

    path = Path(path)
    check_file(path)
    limits.text_size(path, "文本文件")           # by its size on disk, before reading it
    pairs, paragraphs = text_document(decode_text(path), str(path))
    try:
        # a report without a table whose prose gives the funds is a budget-only form
        return read_document_forms(pairs, paragraphs, str(path), "text")
    except InputError:
        if pairs:
            raise
    raise InputError(
            "文本中找不到绩效指标表（没有以 一级指标、三级指标、年度指标值、分值 等表头开始的表格）",
            file=path, hint="从网页复制自评报告时请连同表格一起复制（每个单元格一行、各行之间空一行），"
                            "或直接保存网页（.html）、提供 Word/Excel 原件")
