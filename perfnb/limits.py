"""Resource limits of every input perfnb opens, and the checks that enforce them.

A form is a page or two of a table; a file many times larger than any real form is either
an accident (a stray value at the bottom right of a sheet, a CSV exported with a million
empty lines) or an attack (a zip bomb, a PDF of 5,000 pages).  Each limit below is checked
*before* the memory or time it guards is spent — from the zip directory, the sheet XML's
cell references, the file size, the PDF's page count — and refused with a Chinese error
that names the file and says what to do.  The figures are far above any published form
(the largest seen: 3 forms, 180 rows, 14 columns, 40 KB) and far below what would hurt
the 2 GB a batch worker may take.

Shared layer: imported by perfnb.reading (and benchmarks/limits_benchmark.py prints the
time and peak memory of each refused or accepted case).
"""
from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

from perfnb.errors import InputError

# --- sheets (xlsx / xls / ods / CSV / Word and PDF tables) -------------------------------------
# Excel's own maxima: a value at A1048576 is legal and is read (linearly, in seconds).
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_COLUMNS = 16_384
# Rows × columns of a sheet's used range: python-calamine builds a dense grid (one 32-byte
# cell per position) before Python sees any value, so a value at XFD1048576 would ask for
# 17 billion cells (512 GiB) and abort the process.  Twenty million cells (~640 MB in
# calamine, for a moment) admit a stray value in row 1,048,576 of a form up to 19 columns
# wide; blank rows cost Python an empty list each.
MAX_SHEET_CELLS = 20_000_000

# Positions a web page's table may cover once its rowspan/colspan are laid out (each costs a
# dictionary entry, ~150 bytes, while the table is built): a form's table is under 2,000;
# 60 KB of <td rowspan=1000 colspan=1000> would otherwise lay out two billion.
MAX_SPANNED_CELLS = 1_000_000

# --- compressed containers (xlsx / ods / docx are zip files) -----------------------------------
# Sum of the members' declared uncompressed sizes, read from the zip's central directory.
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
# Largest ratio uncompressed : compressed of one member, for members larger than
# BOMB_CHECK_FROM_BYTES (tiny XML parts compress extremely well and are harmless).  Apache
# POI's ZipSecureFile refuses below the same 1 % inflate ratio; real sheets stay under 30.
MAX_COMPRESSION_RATIO = 100
BOMB_CHECK_FROM_BYTES = 1024 * 1024

# --- plain text (CSV, unit YAML, review YAML) ---------------------------------------------------
# A CSV of 20,000 indicator rows is ~2 MB; a form's CSV is a few KB.  Checked by the size
# on disk, so a 200 MB CSV is refused at once instead of parsed.
MAX_TEXT_BYTES = 32 * 1024 * 1024

# --- PDF ------------------------------------------------------------------------------------
# A printed form is 1–3 pages; a department's file of many forms a few dozen.
MAX_PDF_PAGES = 500
# Wall-clock seconds one PDF may take to be read (checked between pages): a page of
# pathological drawing operators is refused, not waited for.
MAX_READ_SECONDS = 120.0

TOO_LARGE_HINT = "请删除表格外的空行空列（选中多余的行或列后“删除”，而不是“清除内容”）后另存，再重新运行"


def sheet_extent(file, sheet: str | None, rows: int, columns: int) -> None:
    """InputError when a sheet's used range (``rows`` × ``columns``) is over a limit."""
    if rows <= MAX_SHEET_ROWS and columns <= MAX_SHEET_COLUMNS \
            and rows * columns <= MAX_SHEET_CELLS:
        return
    raise InputError(
        f"表格过大：已用区域 {rows:,} 行 × {columns:,} 列（{rows * columns:,} 个单元格），"
        f"超过可读取的上限（{MAX_SHEET_ROWS:,} 行、{MAX_SHEET_COLUMNS:,} 列、"
        f"共 {MAX_SHEET_CELLS:,} 个单元格）；通常是表格右下方远处有一个误填的值或空格",
        file=file, sheet=sheet, hint=TOO_LARGE_HINT)


def spanned_cells(file, sheet: str | None, cells: int) -> None:
    """InputError when a table's merged cells (HTML rowspan/colspan) cover more positions
    than :data:`MAX_SPANNED_CELLS` (counted as they are laid out, before the grid is built)."""
    if cells <= MAX_SPANNED_CELLS:
        return
    raise InputError(
        f"表格过大：合并单元格展开后超过可读取的上限（共 {MAX_SPANNED_CELLS:,} 个单元格）",
        file=file, sheet=sheet, hint="请检查表格的合并单元格（跨行、跨列数）是否异常，修正后另存")


def archive_sizes(archive: zipfile.ZipFile, file) -> None:
    """InputError for a zip (xlsx/ods/docx) whose declared sizes make it a zip bomb.

    Only the central directory is read: nothing is decompressed.  Python's zipfile then
    never returns more than a member's declared size (it stops there and checks the CRC),
    and :func:`read_member` caps what is read in any case.
    """
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > BOMB_CHECK_FROM_BYTES and \
                info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise InputError(
                f"文件中的“{info.filename}”压缩比异常（{info.compress_size:,} 字节解压后为 "
                f"{info.file_size:,} 字节，超过 {MAX_COMPRESSION_RATIO} 倍），疑似“压缩炸弹”，未读取",
                file=file, hint="请用 Excel、WPS 或 Word 打开该文件后重新另存，再重新运行")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise InputError(
            f"文件解压后共 {total / 1024 / 1024:,.0f} MB，超过可读取的上限 "
            f"{MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB", file=file, hint=TOO_LARGE_HINT)


def read_member(archive: zipfile.ZipFile, name: str, file) -> bytes:
    """A zip member's bytes, streamed, never more than :data:`MAX_UNCOMPRESSED_BYTES`."""
    chunks, size = [], 0
    with archive.open(name) as stream:
        while True:
            chunk = stream.read(1024 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_UNCOMPRESSED_BYTES:
                raise InputError(f"文件中的“{name}”解压后超过 "
                                 f"{MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB，未读取",
                                 file=file, hint=TOO_LARGE_HINT)
            chunks.append(chunk)
    return b"".join(chunks)


def text_size(path: str | os.PathLike, what: str = "文本文件") -> None:
    """InputError for a CSV/YAML file larger than :data:`MAX_TEXT_BYTES` (by its size on disk)."""
    size = Path(path).stat().st_size
    if size > MAX_TEXT_BYTES:
        raise InputError(
            f"{what}过大：{size / 1024 / 1024:,.0f} MB，超过可读取的上限 "
            f"{MAX_TEXT_BYTES // 1024 // 1024} MB（一个自评表的 CSV 通常只有几 KB）",
            file=path, hint="请确认选对了文件；如果是导出时带出了大量空行，请删除后重新导出")


def pdf_pages(path, pages: int) -> None:
    if pages > MAX_PDF_PAGES:
        raise InputError(
            f"PDF 共 {pages:,} 页，超过可读取的上限 {MAX_PDF_PAGES} 页（一个自评表通常只有 1–3 页）",
            file=path, hint="请只导出自评表所在的页，或分成几个文件后再运行")


class Deadline:
    """Wall-clock budget of reading one file: ``check()`` between pages or tables."""

    def __init__(self, file, seconds: float = MAX_READ_SECONDS) -> None:
        self.file, self.seconds = file, seconds
        self.until = time.monotonic() + seconds

    def check(self, where: str = "") -> None:
        if time.monotonic() > self.until:
            raise InputError(
                f"读取超过 {self.seconds:g} 秒仍未完成{('（读到' + where + '）') if where else ''}，已停止",
                file=self.file, hint="该文件可能含有异常复杂的图形或大量内容；"
                                     "请另存为只含自评表的 Excel/Word/PDF 后重新运行")
