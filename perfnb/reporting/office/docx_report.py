"""The 绩效自评报告 as a Word document, styled like a Chinese official document (GB/T 9704).

The text is the HTML report's: every section is rendered by :mod:`perfnb.reporting.narrative` and its
HTML (headings, paragraphs, indicator items, the findings table) is carried over into Word
paragraphs and tables, so the Word and HTML reports never say different things.  Added in
Word: the budget table (in 二、), the indicator table with the unit's and the computed scores
(at the start of 三、), and the charts as PNG images (end of 三、).

Styling: A4 with GB/T 9704 margins (top 3.7 cm, bottom 3.5 cm, inside 2.8 cm, outside
2.6 cm); title 宋体 bold 22 pt (二号) centred; 一、 headings 黑体, （一） headings 楷体, body
仿宋 16 pt (三号) with 1.5 line spacing and a two-character first-line indent; tables 仿宋 /
黑体 10.5 pt (五号) with their header row repeated on every page; page numbers "— 1 —" in the
footer (a PAGE field).  Every style and run carries its East Asian font (``w:rFonts
w:eastAsia``), which Word on Windows needs to use it.  Font names are those every Windows and
WPS installation has (仿宋, 楷体, 黑体, 宋体); change ``FONTS`` for 仿宋_GB2312 / 楷体_GB2312.
"""
from __future__ import annotations

import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from perfnb.errors import ExportError
from perfnb.fsutil import atomic_write_bytes
from perfnb.cells import is_missing
from perfnb.model import NO_TOTAL, STATUS_LABELS, UNWEIGHTED, WEIGHTING_LABELS
from perfnb.textsafe import clean_text

FONTS = {"body": "仿宋", "kai": "楷体", "hei": "黑体", "song": "宋体", "latin": "Times New Roman"}
BODY_SIZE = Pt(16)       # 三号
TITLE_SIZE = Pt(22)      # 二号
TABLE_SIZE = Pt(10.5)    # 五号
FOOTER_SIZE = Pt(14)     # 四号
CHART_WIDTH = Cm(15)
CHART_TITLES = {"dimension_rates": "各一级指标得分率", "budget_chart": "预算执行情况",
                "score_vs_weight": "三级指标得分与分值", "target_vs_actual": "定量指标目标与实际完成"}

STYLE_TITLE = "Title"            # built-in
STYLE_TABLE_TEXT = "表格文字"
STYLE_CAPTION = "题注文字"
TABLE_TEXT_STYLE_ID = "perfnbTableText"


# --- fonts and styles --------------------------------------------------------------------

def set_fonts(element, east_asia: str, latin: str | None = None) -> None:
    """Set the fonts of a style's or a run's rPr: East Asian and Latin, no theme fonts."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    latin = latin or FONTS["latin"]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _first_line_chars(paragraph_format_element, chars: int) -> None:
    """A first-line indent in characters (w:firstLineChars), which Word keeps when the font
    size changes; the absolute indent is set too for programs that ignore it."""
    ppr = paragraph_format_element.get_or_add_pPr()
    indent = ppr.find(qn("w:ind"))
    if indent is None:
        indent = OxmlElement("w:ind")
        ppr.append(indent)
    indent.set(qn("w:firstLineChars"), str(chars * 100))


def _style(document, name: str, base: str | None = "Normal", kind=WD_STYLE_TYPE.PARAGRAPH):
    styles = document.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, kind)
        if base:
            style.base_style = styles[base]
    return style


def _format(style, east_asia: str, size, bold=False, align=None, indent_chars=0,
            line_spacing=1.5, before=0, after=0, keep_with_next=False) -> None:
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(style.element, east_asia)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.line_spacing = line_spacing
    fmt.line_spacing_rule = WD_LINE_SPACING.MULTIPLE if line_spacing != 1 else WD_LINE_SPACING.SINGLE
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.keep_with_next = keep_with_next
    fmt.first_line_indent = Pt(size.pt * indent_chars) if indent_chars else Pt(0)
    _first_line_chars(style.element, indent_chars)
    ppr = style.element.pPr
    if ppr is not None:
        border = ppr.find(qn("w:pBdr"))
        if border is not None:
            ppr.remove(border)


def setup_styles(document) -> None:
    normal = document.styles["Normal"]
    _format(normal, FONTS["body"], BODY_SIZE, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent_chars=2)
    # Word's own Title style: the navigation pane, a table of contents and Word's PDF export
    # (document outline / tagged title) recognise it
    title = document.styles[STYLE_TITLE]
    _format(title, FONTS["song"], TITLE_SIZE, bold=True,
            align=WD_ALIGN_PARAGRAPH.CENTER, line_spacing=1.5, after=16)
    rpr = title.element.rPr
    for name in ("w:spacing", "w:kern", "w:szCs"):   # the built-in's letter spacing and CS size
        for element in rpr.findall(qn(name)):
            rpr.remove(element)
    _format(document.styles["Heading 1"], FONTS["hei"], BODY_SIZE, indent_chars=2,
            keep_with_next=True)
    _format(document.styles["Heading 2"], FONTS["kai"], BODY_SIZE, indent_chars=2,
            keep_with_next=True)
    _format(document.styles["Heading 3"], FONTS["body"], BODY_SIZE, bold=True, indent_chars=2,
            keep_with_next=True)
    table_text = _style(document, STYLE_TABLE_TEXT)
    table_text.element.styleId = TABLE_TEXT_STYLE_ID
    _format(table_text, FONTS["body"], TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER,
            line_spacing=1)
    _format(_style(document, STYLE_CAPTION), FONTS["hei"], Pt(12),
            align=WD_ALIGN_PARAGRAPH.CENTER, line_spacing=1, before=6, after=6, keep_with_next=True)
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        document.styles[name].font.size = BODY_SIZE


def setup_page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.footer_distance = Cm(2.5)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.paragraph_format.first_line_indent = Pt(0)
    _first_line_chars(footer._p, 0)
    _add_run(footer, "— ", FONTS["song"], FOOTER_SIZE)
    _page_field(footer)
    _add_run(footer, " —", FONTS["song"], FOOTER_SIZE)


def _add_run(paragraph, text: str, east_asia: str | None = None, size=None, bold=None):
    run = paragraph.add_run(clean_text(text))  # XML 1.0 cannot hold BEL, ESC, VT …
    if east_asia:
        set_fonts(run._r, east_asia)
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.bold = bold
    return run


def _page_field(paragraph) -> None:
    """A PAGE field: begin, instruction, separate, current value, end."""
    def field_char(kind: str):
        run = _add_run(paragraph, "", FONTS["song"], FOOTER_SIZE)
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)

    field_char("begin")
    run = _add_run(paragraph, "", FONTS["song"], FOOTER_SIZE)
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    run._r.append(instruction)
    field_char("separate")
    _add_run(paragraph, "1", FONTS["song"], FOOTER_SIZE)
    field_char("end")


# --- the narrative's HTML as blocks --------------------------------------------------------

class _Blocks(HTMLParser):
    """HTML of the narrative templates -> ("heading", level, runs) / ("paragraph", runs) /
    ("table", rows) blocks; runs are (text, bold) pairs."""

    HEADINGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple] = []
        self.runs: list[list] | None = None
        self.kind: tuple | None = None
        self.bold = 0
        self.table: list[list[str]] | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.HEADINGS:
            self._open(("heading", self.HEADINGS[tag]))
        elif tag == "p":
            self._open(("paragraph",))
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag == "table":
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in self.HEADINGS or tag == "p":
            self._close()
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(_squash("".join(self.cell)))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.table is not None:
            self.table.append(self.row)
            self.row = None
        elif tag == "table" and self.table is not None:
            self.blocks.append(("table", self.table))
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        elif self.runs is not None:
            self.runs.append([data, self.bold > 0])

    def _open(self, kind: tuple) -> None:
        self._close()
        self.kind, self.runs = kind, []

    def _close(self) -> None:
        if self.runs is None:
            return
        runs = _tidy(self.runs)
        if runs:
            self.blocks.append(self.kind + (runs,))
        self.kind, self.runs = None, None


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _tidy(runs: list[list]) -> list[tuple[str, bool]]:
    merged: list[tuple[str, bool]] = []
    for text, bold in runs:
        text = re.sub(r"\s+", " ", text)
        if merged and merged[-1][1] == bold:
            merged[-1] = (merged[-1][0] + text, bold)
        elif text:
            merged.append((text, bold))
    if merged:
        merged[0] = (merged[0][0].lstrip(), merged[0][1])
        merged[-1] = (merged[-1][0].rstrip(), merged[-1][1])
    return [(text, bold) for text, bold in merged if text]


def html_blocks(html: str) -> list[tuple]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    parser._close()
    return parser.blocks


# --- tables -------------------------------------------------------------------------------


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
    cant_split = OxmlElement("w:cantSplit")
    properties.append(cant_split)


def _set_style(paragraph, style_id: str) -> None:
    """Set a paragraph's style by id (python-docx's name lookup is slow in big tables)."""
    paragraph._p.get_or_add_pPr().get_or_add_pStyle().val = style_id


def _set_cell(cell, text: str, bold: bool = False, align=WD_ALIGN_PARAGRAPH.CENTER) -> None:
    paragraph = cell.paragraphs[0]
    _set_style(paragraph, TABLE_TEXT_STYLE_ID)
    paragraph.alignment = align
    for run in list(paragraph.runs):
        run._r.getparent().remove(run._r)
    _add_run(paragraph, text, FONTS["hei"] if bold else FONTS["body"], TABLE_SIZE, bold or None)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _merge(table, first_row: int, first_column: int, last_row: int, last_column: int,
           text: str, bold: bool = False) -> None:
    """Merge a rectangle of cells and give it ``text`` (the cells' own texts are dropped,
    which Word's merge would otherwise stack one under the other)."""
    rows = table.rows
    for r in range(first_row, last_row + 1):
        cells = rows[r].cells
        for c in range(first_column, last_column + 1):
            cell = cells[c]
            for paragraph in cell.paragraphs[1:]:
                paragraph._p.getparent().remove(paragraph._p)
            for run in list(cell.paragraphs[0].runs):
                run._r.getparent().remove(run._r)
    merged = table.cell(first_row, first_column).merge(table.cell(last_row, last_column))
    _set_cell(merged, text, bold=bold)


def add_table(document, headers: list[str], rows: list[list[str]], widths_cm: list[float],
              left_columns: tuple[int, ...] = ()):
    """A bordered table: 黑体 header row repeated on each page, 仿宋 10.5 pt cells."""
    table = document.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    matrix = [row.cells for row in table.rows]     # table.cell() rescans the whole table
    for column, header in enumerate(headers):
        _set_cell(matrix[0][column], header, bold=True)
    _repeat_header(table.rows[0])
    for r, values in enumerate(rows, start=1):
        for column, value in enumerate(values):
            _set_cell(matrix[r][column], value,
                      align=WD_ALIGN_PARAGRAPH.LEFT if column in left_columns
                      else WD_ALIGN_PARAGRAPH.CENTER)
    for cells in matrix:
        for column, width in enumerate(widths_cm):
            cells[column].width = Cm(width)
    # the table grid too: Word reads the cells' widths, LibreOffice and WPS the grid's
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)
    return table


def _caption(document, text: str) -> None:
    _add_run(document.add_paragraph(style=STYLE_CAPTION), text, FONTS["hei"])


def _budget_table(document, context: dict, number: int) -> None:
    from perfnb.reporting.narrative import format_amount, format_percent, format_score

    budget = context["budget"]
    rows = [["年度资金总额", format_amount(budget["initial"]), format_amount(budget["adjusted"]),
             format_amount(budget["executed"]), format_score(budget["weight"]),
             format_percent(budget["reported_rate"]), format_score(budget["reported_score"]),
             format_percent(budget["rate"]), format_score(budget["score"])]]
    for index, line in enumerate(context["budget_lines"]):
        rows.append([("其中：" if index == 0 else "") + line["label"],
                     format_amount(line["initial"]), format_amount(line["adjusted"]),
                     format_amount(line["executed"]), "—", "—", "—", "—", "—"])
    _caption(document, f"表{number}  预算执行情况（万元）")
    add_table(document, ["资金类别", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率",
                         "得分", "复核执行率", "复核得分"], rows,
              [3.0, 1.8, 1.8, 1.8, 1.1, 1.6, 1.3, 1.7, 1.5], left_columns=(0,))


def _indicator_table(document, context: dict, number: int):
    """一级 | 二级 | 三级 | 年度指标值 | 实际完成值 | 分值 | 自评得分 | 复核得分 | 完成情况, with
    一级/二级 merged down, a 合计 row per dimension (computed) and the 总分 row."""
    from perfnb.reporting.narrative import format_percent, format_score

    review = context.get("review")
    unweighted = context.get("unweighted", False)   # no weights: completion, not scores
    rows: list[list[str]] = []
    spans: list[tuple[int, int, int]] = []          # (column, first row, last row) to merge
    final_dimensions = {d["name"]: d for d in review["dimensions"]} if review else {}
    for dimension in context["dimensions"]:
        first = len(rows) + 1
        for group in dimension["groups"]:
            group_first = len(rows) + 1
            for item in group["indicators"]:
                rows.append([dimension["name"], group["name"], item["name"], item["target"],
                             item["actual"], format_score(item["weight"]),
                             format_score(item["reported_score"]),
                             format_percent(item["completion_ratio"]) if unweighted
                             else format_score(item["score"]),
                             STATUS_LABELS.get(item["status"], item["status_label"])])
                if review:
                    rows[-1].insert(8, format_score(item["final_score"]))
            if len(rows) + 1 - group_first > 1:
                spans.append((1, group_first, len(rows)))
        rows.append([dimension["name"], "合计", "合计", "", "", format_score(dimension["weight"]),
                     "", "" if unweighted else format_score(dimension["score"]),
                     f"达成 {dimension['met']}/{dimension['count']}" if unweighted else ""])
        if review:
            final = final_dimensions.get(dimension["name"], dimension)
            rows[-1].insert(8, format_score(final["score"]))
        spans.append((0, first, len(rows)))
        spans.append((1, len(rows), len(rows)))
    reported_total = context["reported_total"]
    rows.append(["总分", "", "", "", "", format_score(context["weight_total"]),
                 format_score(reported_total) if not is_missing(reported_total) else "",
                 NO_TOTAL if unweighted else format_score(context["total"]),
                 WEIGHTING_LABELS[UNWEIGHTED] if unweighted else context["grade"]])
    _caption(document, f"表{number}  绩效指标完成情况")
    if review:
        rows[-1][8:9] = [format_score(review["total"]), review["grade"]]
        headers = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值",
                   "自评得分", "计算得分", "复核得分", "完成情况"]
        widths = [1.4, 1.5, 3.0, 1.8, 1.8, 1.0, 1.2, 1.2, 1.2, 1.4]
    else:
        headers = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值",
                   "自评得分", "完成率" if unweighted else "复核得分", "完成情况"]
        widths = [1.5, 1.7, 3.4, 2.0, 1.9, 1.1, 1.3, 1.3, 1.4]
    table = add_table(document, headers, rows, widths, left_columns=(2,))
    for column, first, last in spans:
        if column == 1 and first == last:     # 合计 across 二级 and 三级
            _merge(table, first, 1, first, 2, rows[first - 1][1], bold=True)
        else:
            _merge(table, first, column, last, column, rows[first - 1][column])
    last = len(rows)
    _merge(table, last, 0, last, 4, "总分", bold=True)
    return table


# --- charts -------------------------------------------------------------------------------

def _chart_images(evaluation, unit_id, charts) -> list[tuple[str, bytes]]:
    """(caption, PNG bytes) of each chart: ``charts`` None -> all of perfnb.reporting.charts; a dict of
    name -> matplotlib Figure, PNG bytes or a PNG file path; False or {} -> none."""
    if charts is False:
        return []
    owned = charts is None
    if charts is None:
        from perfnb.reporting.charts import all_charts
        charts = all_charts(evaluation, unit_id)
    images = []
    try:
        for name, chart in dict(charts).items():
            caption = CHART_TITLES.get(name, str(name))
            if isinstance(chart, (bytes, bytearray)):
                images.append((caption, bytes(chart)))
            elif isinstance(chart, (str, os.PathLike)):
                images.append((caption, Path(chart).read_bytes()))
            elif hasattr(chart, "savefig"):
                buffer = io.BytesIO()
                chart.savefig(buffer, format="png", dpi=200, bbox_inches="tight",
                              metadata={"Software": None})
                images.append((caption, buffer.getvalue()))
            else:
                raise ExportError(f"图表“{name}”既不是 matplotlib 图，也不是 PNG 数据或文件路径。")
    finally:
        if owned:
            import matplotlib.pyplot as plt
            for figure in charts.values():
                plt.close(figure)
    return images


# --- the document -------------------------------------------------------------------------

def _add_blocks(document, blocks: list[tuple]) -> None:
    for block in blocks:
        kind = block[0]
        if kind == "heading":
            level, runs = block[1], block[2]
            text = "".join(text for text, _ in runs)
            if level == 0:
                _add_run(document.add_paragraph(style=STYLE_TITLE), text, FONTS["song"])
            else:
                paragraph = document.add_paragraph(style=f"Heading {level}")
                _add_run(paragraph, text, {1: FONTS["hei"], 2: FONTS["kai"]}.get(level, FONTS["body"]),
                         bold=level == 3)
        elif kind == "paragraph":
            paragraph = document.add_paragraph()
            for text, bold in block[1]:
                _add_run(paragraph, text, FONTS["body"], bold=True if bold else None)
        elif kind == "table":
            rows = block[1]
            if rows:
                width = len(rows[0])
                widths = [1.1, 1.3, 4.0, 6.4, 2.8][:width] if width == 5 else \
                    [15.6 / width] * width
                add_table(document, rows[0], rows[1:], widths, left_columns=(2, 3))


def build_document(evaluation, unit_id=None, charts=None):
    """The report as a python-docx Document (in memory)."""
    from perfnb.reporting.narrative import SECTIONS, environment, render_section, report_context

    context = report_context(evaluation, unit_id)
    images = _chart_images(evaluation.unit(unit_id), unit_id, charts)
    document = Document()
    setup_styles(document)
    setup_page(document)
    properties = document.core_properties
    properties.title = clean_text(context["title"])
    properties.author = clean_text(context["implementing_unit"] or context["department"] or "perfnb")
    properties.subject = "绩效自评复核报告" if context.get("review") else "绩效自评报告"
    properties.keywords = clean_text(str(context["unit_id"]))
    properties.comments = "perfnb"

    title = environment().get_template("title.html.j2").render(**context)
    _add_blocks(document, html_blocks(title))
    table_number = 0
    for section_id in SECTIONS:
        blocks = html_blocks(render_section(evaluation, section_id, context=context))
        if section_id == "work":
            # the budget table closes （二）项目资金投入情况, before （三）
            split = next((i for i, b in enumerate(blocks) if b[0] == "heading" and b[1] == 2
                          and "".join(t for t, _ in b[2]).startswith("（三）")), len(blocks))
            _add_blocks(document, blocks[:split])
            table_number += 1
            _budget_table(document, context, table_number)
            _add_blocks(document, blocks[split:])
        elif section_id == "performance":
            # the indicator table opens 三、; the charts close it, before 自评得分及等级
            _add_blocks(document, blocks[:1])
            table_number += 1
            _indicator_table(document, context, table_number)
            last = max((i for i, b in enumerate(blocks) if b[0] == "heading" and b[1] == 2),
                       default=len(blocks))
            _add_blocks(document, blocks[1:last])
            for number, (caption, png) in enumerate(images, start=1):
                paragraph = document.add_paragraph()
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                paragraph.paragraph_format.first_line_indent = Pt(0)
                _first_line_chars(paragraph._p, 0)
                paragraph.paragraph_format.keep_with_next = True
                paragraph.add_run().add_picture(io.BytesIO(png), width=CHART_WIDTH)
                _caption(document, f"图{number}  {caption}")
            _add_blocks(document, blocks[last:])
        else:
            _add_blocks(document, blocks)
    return document


def write_docx_report(evaluation, path: str | os.PathLike, unit_id=None, charts=None) -> Path:
    """Write the 绩效自评报告 of one unit as .docx to ``path`` (atomically).

    ``charts``: None draws every chart of :mod:`perfnb.reporting.charts`; a dict name -> matplotlib
    Figure / PNG bytes / PNG path uses those; False leaves the charts out.
    """
    return save_docx(build_document(evaluation, unit_id, charts), path)


def save_docx(document, path: str | os.PathLike) -> Path:
    """Save a python-docx Document to ``path`` atomically."""
    buffer = io.BytesIO()
    document.save(buffer)
    target = Path(path)
    atomic_write_bytes(target, buffer.getvalue())
    return target


__all__ = ["write_docx_report", "build_document", "html_blocks", "set_fonts", "FONTS", "save_docx"]
