"""A CSV file holding the 绩效指标 table alone (unit info and budget come from the unit YAML).

Excel on Chinese Windows saves CSV in GB18030/GBK; we try UTF-8, UTF-8 with BOM, then GB18030.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from perfnb import limits
from perfnb.errors import InputError
from perfnb.reading.assemble import LoadedUnit
from perfnb.reading.blocks import indicator_header
from perfnb.reading.indicatortable import read_indicator_table
from perfnb.reading.sheets import Grid, check_file

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")


def decode(path: Path) -> str:
    """The file's text in the first encoding that decodes it; InputError if none does."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    failure = None
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            failure = failure or error
    line = data[: failure.start].count(b"\n") + 1 if failure else None
    raise InputError(
        f"文件编码无法识别（既不是 UTF-8，也不是 GB18030/GBK），第 {line} 行附近有无法解码的字节",
        file=path, row=line, hint="请在 Excel 中“另存为”CSV UTF-8（逗号分隔）格式")


def read_csv(path: Path) -> LoadedUnit:
    check_file(path)
    limits.text_size(path, "CSV 文件")          # by its size on disk, before reading it
    text = decode(path)
    lines = text.count("\n") + 1
    if lines > limits.MAX_SHEET_ROWS:
        limits.sheet_extent(path, None, lines, 1)
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    values: list[list[object]] = []
    width = cells = 0
    try:
        for row in reader:
            width = max(width, len(row))
            cells += len(row)
            if width > limits.MAX_SHEET_COLUMNS or cells > limits.MAX_SHEET_CELLS:
                limits.sheet_extent(path, None, max(lines, len(values) + 1), width)
            # blank lines stay empty lists (the grid pads nothing it does not need)
            values.append([cell if cell.strip() else None for cell in row]
                          if any(cell.strip() for cell in row) else [])
    except csv.Error as error:  # e.g. a field over the field size limit, a NUL byte
        raise InputError(f"CSV 格式有误，无法读取（{error}）", file=path, row=reader.line_num,
                         hint="请在 Excel 中打开后“另存为”CSV UTF-8（逗号分隔）格式") from None
    for row in values:
        if row:
            row.extend([None] * (width - len(row)))
    grid = Grid(str(path), None, values)
    loaded = LoadedUnit(source=str(path), layout="csv")
    header = indicator_header(grid)
    if header is None:
        raise InputError("找不到绩效指标表头（需要 三级指标、年度指标值、分值 等列）", file=path,
                         row=1, hint="CSV 第一行应为表头：一级指标,二级指标,三级指标,指标性质,"
                                     "指标方向,年度指标值,实际完成值,计量单位,分值,得分,"
                                     "偏差原因分析及改进措施")
    # every header-led block of the file, the budget row and item, as the printed forms' tables
    block = read_indicator_table(grid, header, loaded)
    if not block.indicators and not block.unread:
        loaded.errors.append(InputError("只有表头，没有指标行", file=path, row=header.row,
                                        hint="请在表头下方逐行填写三级指标"))
    for indicator in block.indicators:
        indicator["sheet"] = None
    loaded.reported = block.reported
    totals = [entry for entry in block.reported if entry["level"] == "total"]
    if totals:
        loaded.unit["reported_total"] = totals[-1]["score"]
        loaded.unit["reported_total_row"] = totals[-1]["row"]
    return loaded


def read_csv_forms(path: Path) -> list:
    """The CSV source's reader (:mod:`perfnb.reading.sources`): one form, the file itself."""
    from perfnb.reading.forms import Form
    return [Form(1, None, read_csv(Path(path)))]
