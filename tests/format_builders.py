"""Write a form, held as a :class:`perfnb.reading.sheets.Grid` (values + merged ranges), into
the files a department sends: a Word table as office suites save it (gridSpan / vMerge,
text split over runs, line breaks), a text-layer PDF (typst, ruled table with row/column
spans), workbooks with one form per sheet or several stacked on one sheet, and an
image-only ("scanned") PDF."""
from __future__ import annotations

import re
from pathlib import Path

from perfnb.reading.sheets import Grid, open_workbook

FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"
OFFICIAL = FORMATS / "official.xlsx"


def read_grid(path: Path = OFFICIAL, sheet: str | None = None) -> Grid:
    book = open_workbook(Path(path))
    try:
        return book.grid(sheet or book.sheetnames[0])
    finally:
        book.close()


def merged_ranges(grid: Grid) -> dict[tuple[int, int], tuple[int, int]]:
    """top-left (row, column) -> bottom-right of every merged range."""
    ranges: dict[tuple[int, int], tuple[int, int]] = {}
    for (r, c), (ar, ac) in grid.anchor.items():
        bottom, right = ranges.get((ar, ac), (ar, ac))
        ranges[(ar, ac)] = (max(bottom, r), max(right, c))
    return ranges


def covered(grid: Grid) -> set[tuple[int, int]]:
    return {position for position, anchor in grid.anchor.items() if position != anchor}


def _shown(grid: Grid, r: int, c: int) -> str:
    """The cell as a spreadsheet shows it (a percentage cell's 0.95 as "95%")."""
    value = grid.get(r, c)
    if value is None:
        return ""
    if isinstance(value, (int, float)) and grid.cell_anchor(r, c) in grid.percent:
        return f"{round(value * 100, 6):g}%"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _runs(text: str) -> list[str]:
    """Text cut where digits, Latin, CJK and symbols meet ("≥", "95", "%"), as Word does."""
    def kind(ch):
        if ch.isdigit() or ch == ".":
            return "d"
        if "\u4e00" <= ch <= "\u9fff":
            return "c"
        return "o"
    runs: list[str] = []
    for ch in text:
        if runs and kind(runs[-1][-1]) == kind(ch):
            runs[-1] += ch
        else:
            runs.append(ch)
    return runs


# --- Word ---------------------------------------------------------------------------------

def add_docx_table(document, grid: Grid, rows: range | None = None):
    """Append ``grid`` (or some of its rows) as a Table Grid table with real merges."""
    rows = list(rows or range(1, grid.max_row + 1))
    first = rows[0]
    table = document.add_table(rows=len(rows), cols=grid.max_column)
    table.style = "Table Grid"
    ranges = merged_ranges(grid)
    hidden = covered(grid)
    for (top, left), (bottom, right) in ranges.items():
        top_, bottom_ = max(top, first), min(bottom, rows[-1])
        if top_ > bottom_ or (top_, left) == (bottom_, right):
            continue
        table.cell(top_ - first, left - 1).merge(table.cell(bottom_ - first, right - 1))
    for r in rows:
        for c in range(1, grid.max_column + 1):
            if (r, c) in hidden and not (r == first and grid.cell_anchor(r, c)[1] == c):
                continue
            text = _shown(grid, r, c)
            cell = table.cell(r - first, c - 1)
            paragraph = cell.paragraphs[0]
            for index, line in enumerate(text.split("\n")):
                if index:
                    paragraph.add_run().add_break()
                for piece in _runs(line):
                    paragraph.add_run(piece)
    return table


def write_docx(path: Path, grids: list[tuple[str, Grid]], split_at: str | None = None) -> Path:
    """One table per grid, each after a heading, a page break between them.  ``split_at``
    (a 三级指标 name): that grid's table is cut before the row naming it, and the rest goes
    in a second table after a page break, its first row the indicator header again."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    document = Document()
    for index, (heading, grid) in enumerate(grids):
        if index:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        if heading:
            document.add_paragraph(heading)
        split = None
        if split_at:
            split = next((r for r in range(1, grid.max_row + 1)
                          for c in range(1, grid.max_column + 1) if grid.text(r, c) == split_at),
                         None)
        if split is None:
            add_docx_table(document, grid)
            continue
        header = next(r for r in range(1, grid.max_row + 1) if grid.text(r, 3) == "三级指标")
        add_docx_table(document, grid, range(1, split))
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        rest = Grid(grid.file, grid.sheet, [grid.values[header - 1]] + grid.values[split - 1:],
                    {(r - split + 2, c): (max(ar - split + 2, 2), ac)
                     for (r, c), (ar, ac) in grid.anchor.items() if r >= split},
                    {(r - split + 2, c) for r, c in grid.percent if r >= split})
        add_docx_table(document, rest)
    document.save(path)
    return path


# --- web pages ----------------------------------------------------------------------------

NAV = ('<table class="nav"><tr><td><a href="/">首页</a></td><td><a href="/zwgk/">政务公开</a></td>'
       '<td><a href="/czyjs/">财政预决算</a></td></tr></table>'
       '<div class="crumb"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>')
FOOTER = ('<table class="footer"><tr><td>主办单位：人民政府办公室</td><td><a href="/map/">网站地图</a>'
          '</td></tr></table>')


def html_table(grid: Grid, rows: range | None = None, blank: str = "&nbsp;") -> str:
    """``grid`` (or some of its rows) as one <table>: rowspan/colspan for merged ranges,
    ``blank`` in empty cells, <br> between a cell's lines."""
    import html as html_lib

    rows = list(rows or range(1, grid.max_row + 1))
    first, last = rows[0], rows[-1]
    ranges = merged_ranges(grid)
    out = ['<table border="1" cellspacing="0" style="border-collapse:collapse">']
    for r in rows:
        out.append("<tr>")
        for c in range(1, grid.max_column + 1):
            top, left = grid.cell_anchor(r, c)
            if (top, left) != (r, c) and not (r == first and left == c):
                continue                 # covered by a cell to the left or above
            bottom, right = ranges.get((top, left), (top, left))
            rowspan = min(bottom, last) - r + 1
            colspan = right - c + 1
            attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + \
                (f' colspan="{colspan}"' if colspan > 1 else "")
            text = _shown(grid, top, left)
            body = "<br>".join(html_lib.escape(line) for line in text.split("\n")) if text else blank
            out.append(f"<td{attrs}>{body}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


def html_page(body: str, charset: str | None = "utf-8", title: str = "绩效自评表") -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' \
        if charset else ""
    return (f"<!DOCTYPE html>\n<html><head>{meta}<title>{title}</title></head>\n<body>\n"
            f"{body}\n</body></html>\n")


def write_html(path: Path, grid: Grid, *, encoding: str = "utf-8", charset: str | None = "utf-8",
               around: bool = True, parts: list[range] | None = None,
               above: str = "<h2>项目支出绩效自评表</h2>") -> Path:
    """A web page holding ``grid`` as one table (or one table per range of ``parts``, one
    right after another), site navigation and footer tables around it when ``around``."""
    tables = [html_table(grid, rows) for rows in parts] if parts else [html_table(grid)]
    body = above + "\n" + "\n".join(tables)
    if around:
        body = f"{NAV}\n{body}\n{FOOTER}"
    path.write_bytes(html_page(body, charset).encode(encoding, "xmlcharrefreplace"))
    return path


def write_mhtml(path: Path, page: bytes, transfer: str = "base64") -> Path:
    """``page`` saved by a browser as one .mhtml file (MIME multipart/related)."""
    import base64
    import quopri

    boundary = "----MultipartBoundary--test----"
    body = base64.encodebytes(page) if transfer == "base64" else quopri.encodestring(page)
    head = ("From: <Saved by Blink>\r\nMIME-Version: 1.0\r\n"
            f'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="{boundary}"'
            f"\r\n\r\n--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: {transfer}\r\n"
            "Content-Location: https://www.example.gov.cn/a.html\r\n\r\n")
    path.write_bytes(head.encode("ascii") + body + f"\r\n--{boundary}--\r\n".encode("ascii"))
    return path


# --- PDF ----------------------------------------------------------------------------------

def _typst_text(text: str) -> str:
    """Text as typst string literals, line breaks kept."""
    return "#linebreak()".join('#"' + line.replace("\\", "\\\\").replace('"', '\\"') + '"'
                               for line in text.split("\n"))


def typst_table(grid: Grid, ruled: bool = True, align: str | None = None) -> str:
    """The grid as a typst table: ruled (0.5pt lines) or without any line; ``align`` as
    typst's cell alignment ("horizon": merged cells centred over their rows)."""
    ranges = merged_ranges(grid)
    hidden = covered(grid)
    cells = []
    for r in range(1, grid.max_row + 1):
        for c in range(1, grid.max_column + 1):
            if (r, c) in hidden:
                continue
            text = _shown(grid, r, c)
            bottom, right = ranges.get((r, c), (r, c))
            body = "[" + _typst_text(text) + "]" if text else "[]"
            if (bottom, right) != (r, c):
                cells.append(f"table.cell(rowspan: {bottom - r + 1}, colspan: {right - c + 1}){body}")
            else:
                cells.append(body)
    stroke = "0.5pt" if ruled else "none"
    options = f", align: {align}" if align else ""
    return f"#table(columns: {grid.max_column}, stroke: {stroke}, inset: 3pt{options},\n" + \
        ",\n".join(cells) + ")\n"


def write_pdf(path: Path, grids: list[tuple[str, Grid]], page_height: str = "29.7cm",
              ruled: bool = True, align: str | None = None) -> Path:
    """A text-layer PDF: each grid a ruled table after its heading, a page break between.
    A short ``page_height`` makes a table run on over the next page; ``ruled=False`` prints
    the table without a single line (borders off), ``align`` as in :func:`typst_table`."""
    import typst
    from perfnb.reporting.fonts import SANS, font_path

    source = [f'#set page(width: 29.7cm, height: {page_height}, margin: 1cm)',
              f'#set text(font: "{SANS.family}", size: 7pt)']
    for index, (heading, grid) in enumerate(grids):
        if index:
            source.append("#pagebreak()")
        if heading:
            source.append(_typst_text(heading) + "\n")
        source.append(typst_table(grid, ruled=ruled, align=align))
    data = typst.compile("\n".join(source).encode("utf-8"), format="pdf",
                         font_paths=[str(font_path(SANS).parent)], ignore_system_fonts=True)
    Path(path).write_bytes(data)
    return path


def write_scanned_pdf(path: Path) -> Path:
    """An image-only PDF (a table drawn as pixels): what a scanner gives."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (850, 1100), 255)
    draw = ImageDraw.Draw(image)
    for y in range(100, 700, 40):
        draw.line((60, y, 790, y), fill=0, width=2)
    for x in (60, 200, 420, 600, 790):
        draw.line((x, 100, x, 660), fill=0, width=2)
    image.save(path, "PDF", resolution=100)
    return path


# --- workbooks with several forms -----------------------------------------------------------

def write_xlsx(path: Path, sheets: list[tuple[str, list[Grid]]], gap: int = 2) -> Path:
    """A workbook: per sheet, its grids one below another with ``gap`` blank rows between."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, grids in sheets:
        sheet = workbook.create_sheet(title)
        offset = 0
        for grid in grids:
            hidden = covered(grid)
            for r in range(1, grid.max_row + 1):
                for c in range(1, grid.max_column + 1):
                    value = grid.get(r, c)
                    if (r, c) not in hidden and value is not None:
                        cell = sheet.cell(r + offset, c)
                        cell.value = value
                        if isinstance(value, str) and value.startswith("="):
                            cell.data_type = "s"
                        if (r, c) in grid.percent:
                            cell.number_format = "0%"
            for (top, left), (bottom, right) in merged_ranges(grid).items():
                if (top, left) != (bottom, right):
                    sheet.merge_cells(f"{get_column_letter(left)}{top + offset}:"
                                      f"{get_column_letter(right)}{bottom + offset}")
            offset += grid.max_row + gap
    workbook.save(path)
    return path


def with_texts(grid: Grid, replacements: dict[str, object]) -> Grid:
    """A copy of ``grid`` with every cell whose text is a key replaced (merged ranges too)."""
    values = [[replacements.get(v, v) if isinstance(v, str) else v for v in row]
              for row in grid.values]
    return Grid(grid.file, grid.sheet, values, dict(grid.anchor), set(grid.percent))


def broken_form(grid: Grid, project: str) -> Grid:
    """A copy of the seed form for ``project`` whose every weight (column 9) is the word "五分":
    a form no row of which can be read, so the form fails (one bad row alone is a finding)."""
    values = [list(row) for row in with_texts(grid, {"人大履职保障经费": project}).values]
    for row in values[12:]:
        if len(row) > 8 and isinstance(row[2], str) and row[8] is not None and \
                row[2] not in ("总分", "合计"):
            row[8] = "五分"
    return Grid(grid.file, grid.sheet, values, dict(grid.anchor), set(grid.percent))


def with_cell(grid: Grid, name: str, column: int, value) -> Grid:
    """A copy with column ``column`` of the row of indicator ``name`` set to ``value``."""
    values = [list(row) for row in grid.values]
    for row in values:
        if len(row) > 2 and isinstance(row[2], str) and re.sub(r"\s", "", row[2]) == name:
            row[column - 1] = value
    return Grid(grid.file, grid.sheet, values, dict(grid.anchor), set(grid.percent))


def unweighted_form() -> Grid:
    """A 湖北-style form without a weight column (an unweighted evaluation): three indicators,
    all printed as achieved (道路 16 of ≥20 公里 is 部分达成 by its completion)."""
    rows = [
        ["2023年度项目自评表", None, None, None, None, None],
        ["项目名称", "乡村道路维护", None, "主管部门", "某县交通运输局", None],
        ["预算执行情况（万元）（20分）", None, "预算数（A）", "执行数（B）", "执行率（B/A）", "得分"],
        ["预算执行情况（万元）（20分）", "年度财政资金总额", 100, 80, "80%", 16],
        ["年度目标1：（80分）"] * 6,
        ["一级指标", "二级指标", "三级指标", "年初目标值（A）", "实际完成值（B）", "得分"],
        ["产出指标", "数量指标", "维护道路里程", "≥20公里", "16公里", 24],
        ["产出指标", "质量指标", "验收合格率", "≥95%", "100%", 20],
        ["效益指标", "社会效益指标", "群众出行条件", "明显改善", "明显改善", 20],
        ["总分", None, None, None, None, None],
    ]
    anchor = {(row, 1): (3, 1) for row in (3, 4)}
    anchor.update({(5, c): (5, 1) for c in range(1, 7)})
    return Grid("form.xlsx", "Sheet1", rows, anchor)


# A review of unweighted_form(): one achievement lowered, one indicator without evidence.
UNWEIGHTED_REVIEW = """\
evaluator: 张敏
date: 2026-11-30
indicators:
  - name: 群众出行条件
    level: 部分达成
    reason: 仅有问卷摘要，佐证不足
  - name: 验收合格率
    clauses: [NO_EVIDENCE]
    reason: 无验收记录
"""
