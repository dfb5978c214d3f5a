"""The web-page source: .html/.htm, and .mhtml/.mht (a page saved by a browser).

Most forms and reports are published as government web pages: the form is an HTML
``<table>`` with rowspan/colspan, often among navigation and layout tables, in GB2312/GBK,
GB18030 or UTF-8.  A page becomes what a Word document becomes (:mod:`perfnb.reading.
wordreport`): its tables as :class:`~perfnb.reading.sheets.Grid` (merged cells filled and
anchored, as a spreadsheet's merged cells) with the paragraphs printed above each, plus the
page's paragraphs; the same document reader then finds the forms, joins tables continued,
and takes the title, year and budget sentences from the prose.

* **Parser**: lxml.html (libxml2's HTML parser, already a dependency): it reads real-world
  tag soup (unclosed ``<td>``/``<tr>``, ``<p>`` inside cells, stray ``</table>``) the way a
  browser recovers, is fast, and keeps the element tree a table walk needs.  html5lib would
  be closer to a browser but is ten times slower and a new dependency; the stdlib parser
  gives events only and leaves the table model (rowspan/colspan) to be rebuilt.
* **Encoding**: a BOM, else the charset the page declares (``<meta charset>``, ``http-equiv
  content-type``, an XHTML page's ``<?xml encoding>``, an MHTML part's ``Content-Type``); GB2312/GBK are read as GB18030 (their
  superset: pages declared GB2312 routinely hold GBK characters).  Undeclared, or declared
  wrongly (the bytes do not decode): UTF-8 when it decodes, else charset-normalizer's guess.
* **Tables**: a table that holds another table is a layout table: its cells are read as the
  page's flow (their paragraphs and tables), not as a grid — unless its own rows hold an
  indicator header (a form with a small table inside a cell).  Of the other tables only those
  that belong to a form are kept: an indicator header, a funds block, a header block label
  (项目名称 …) or a total row — navigation and link tables are not.  Tables printed one right
  after another with no text between (a header table, a funds table and an indicator table)
  are one form's parts and are stacked into one grid; a table that starts a new 项目名称 block
  after an indicator table starts the next form.
* **Cells**: ``<br>`` and block elements (``<p>``, ``<div>``) inside a cell are in-cell line
  breaks; ``&nbsp;`` is a space (a cell of only ``&nbsp;`` is blank); whitespace runs are one
  space, and a source line break between two Chinese characters is none (CSS's rule).
* **Text**: blocks outside the form tables are the page's paragraphs; a block that is all
  link text (menus, breadcrumbs) is navigation, not prose.
"""
from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from perfnb import limits
from perfnb.errors import InputError
from perfnb.reading.forms import Form
from perfnb.reading.sheets import Grid, check_file
from perfnb.reading.values import normalise_text

__all__ = ["read_html_forms", "html_document", "sniff_html", "decode_html", "table_grid"]

# Charsets read as their superset.
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
                   "cp936": "gb18030", "euc-cn": "gb18030", "hz-gb-2312": "hz"}
CHINESE_GUESSES = ("gb2312", "gbk", "gb18030", "hz", "cp936")
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)"""
                              rb"""|<\?xml[^>]+encoding\s*=\s*["']([-\w.:]+)""", re.I)
_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HTML_START_RE = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                            rb"<(?:!doctype\s+html|html|head|body|meta|table|title)\b", re.I | re.S)
_MIME_START_RE = re.compile(rb"^(?:[\w-]+:[^\n]*\n)*?(?:mime-version|content-type):", re.I)
BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))

BLOCK_TAGS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr",
                        "td", "th", "table", "section", "article", "header", "footer", "br",
                        "blockquote", "pre", "center", "dd", "dt", "dl", "caption", "form",
                        "hr", "address", "main", "aside", "tbody", "thead", "tfoot"})
SKIPPED_TAGS = frozenset({"script", "style", "head", "noscript", "template", "nav", "iframe",
                          "object", "select", "button", "svg"})
SKIPPED_TAGS_IN_CELL = frozenset({"script", "style", "noscript", "template"})
LINK_TAGS = frozenset({"a"})
MAX_SPAN = 1000               # a rowspan/colspan larger than this is a page's mistake
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK_RE = re.compile(rf"(?<=[{_CJK}])[ \t\r\f\v]*\n\s*(?=[{_CJK}])")
_SPACES_RE = re.compile(r"[ \t\r\n\f\v\u00a0\u3000\u200b]+")


def sniff_html(head: bytes) -> bool:
    """A web page or a saved MHTML page, by its first bytes (whatever its suffix says)."""
    for bom, encoding in BOMS[1:]:
        if head.startswith(bom):
            head = head.decode(encoding, "ignore").encode("utf-8")
            break
    head = head.removeprefix(b"\xef\xbb\xbf")
    if _MIME_START_RE.match(head) and b"multipart/related" in head.lower():
        return True
    return bool(_HTML_START_RE.match(head[:2048]))


# --- bytes -> text ----------------------------------------------------------------------------

def _charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    return CHARSET_ALIASES.get(name, name)


def decode_html(data: bytes, declared: str | None = None, path: Path | None = None) -> str:
    """The page's text: by BOM, else the declared charset (``declared``, else the page's
    own ``<meta>``) when the bytes decode in it, else UTF-8, else charset-normalizer's guess."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace")
    if declared is None:
        match = _META_CHARSET_RE.search(data[:8192])
        declared = (match.group(1) or match.group(2)).decode("ascii", "ignore") if match else None
    for encoding in dict.fromkeys(filter(None, (_charset(declared), "utf-8"))):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        encoding = best.encoding.lower()
        return data.decode("gb18030" if encoding in CHINESE_GUESSES else encoding, "replace")
    raise InputError("网页的文字编码无法识别（既不是 UTF-8，也不是 GB18030/GBK）", file=path,
                     hint="请在浏览器中打开该网页，“另存为”网页（HTML）并选用 UTF-8 编码")


def _mhtml_html(data: bytes, path: Path) -> tuple[bytes, str | None]:
    """The HTML part of a saved MHTML page (quoted-printable or base64) and its charset."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if payload:
                return payload, part.get_content_charset()
    raise InputError("这个 MHTML 文件中没有网页（text/html）部分", file=path,
                     hint="请在浏览器中重新打开该网页，“另存为”网页（.html 或 .mhtml）")


def _load(path: Path):
    import lxml.html

    check_file(path)
    limits.text_size(path, "网页文件")           # by its size on disk, before reading it
    data = path.read_bytes()
    declared = None
    if _MIME_START_RE.match(data[:4096]) and b"multipart/" in data[:4096].lower():
        data, declared = _mhtml_html(data, path)
    text = _XML_DECLARATION_RE.sub("", decode_html(data, declared, path), count=1)
    if not text.strip():
        raise InputError("网页是空的，没有任何内容", file=path, hint="请重新保存或重新下载该网页")
    try:
        return lxml.html.document_fromstring(text)
    except Exception as error:  # lxml raises ParserError/ValueError on hopeless input
        raise InputError(f"无法解析该网页（{type(error).__name__}: {error}）", file=path,
                         hint="请在浏览器中打开该网页，“另存为”网页（HTML）后再读取") from None


# --- a table -> Grid --------------------------------------------------------------------------

def _tag(element) -> str:
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else ""


def _own_rows(table) -> list:
    """The table's own rows (not those of tables nested in its cells)."""
    rows = []
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if _tag(c) == "tr")
    return rows


def _clean(text: str) -> str:
    text = _CJK_BREAK_RE.sub("", text)
    return _SPACES_RE.sub(" ", text)


def cell_text(cell) -> str:
    """A cell's text: ``<br>`` and blocks inside it are line breaks, whitespace collapsed."""
    lines: list[str] = [""]

    def walk(element) -> None:
        tag = _tag(element)
        if tag in SKIPPED_TAGS_IN_CELL:
            return
        if tag == "br":
            lines.append("")
        else:
            block = tag in BLOCK_TAGS and element is not cell
            if block and lines[-1].strip():
                lines.append("")
            if element.text and tag:
                lines[-1] += element.text
            for child in element:
                walk(child)
                if child.tail:
                    lines[-1] += child.tail
            if block and lines[-1].strip():
                lines.append("")

    walk(cell)
    return "\n".join(line for line in (_clean(x).strip() for x in lines) if line)


def _span(cell, name: str) -> int:
    try:
        return min(max(int(str(cell.get(name, "1")).strip() or 1), 1), MAX_SPAN)
    except ValueError:
        return 1


def table_grid(table, file: str, name: str) -> Grid:
    """One ``<table>`` as a Grid: the HTML table model (each cell takes the first free slot
    of its row; rowspan/colspan cover the slots below/right), merged cells filled and
    anchored to their top-left cell."""
    taken: dict[tuple[int, int], tuple[int, int]] = {}
    values: dict[tuple[int, int], object] = {}
    rows = _own_rows(table)
    slots = 0
    for r, row in enumerate(rows, start=1):
        c = 1
        for cell in row:
            if _tag(cell) not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            text = cell_text(cell) or None
            rowspan, colspan = _span(cell, "rowspan"), _span(cell, "colspan")
            rowspan = min(rowspan, len(rows) - r + 1)
            slots += rowspan * colspan
            limits.spanned_cells(file, name, slots)   # before the slots are laid out
            for rr in range(r, r + rowspan):
                for cc in range(c, c + colspan):
                    taken[(rr, cc)] = (r, c)
                    values[(rr, cc)] = text
            c += colspan
    height = len(rows)
    width = max((c for _, c in taken), default=0)
    grid_values = [[values.get((r, c)) for c in range(1, width + 1)] for r in range(1, height + 1)]
    anchor = {}
    for position, origin in taken.items():
        if position != origin:
            anchor[position] = origin
            anchor[origin] = origin
    while grid_values and all(v is None for v in grid_values[-1]):
        grid_values.pop()          # blank rows closing the table (spacers)
    kept = len(grid_values)
    return Grid(file, name, grid_values, {k: v for k, v in anchor.items() if k[0] <= kept})


# --- the page -> tables and paragraphs -------------------------------------------------------

class _Flow:
    """The page read in order: form and leaf tables, and the text blocks outside them."""

    def __init__(self, holds_form) -> None:
        self.holds_form = holds_form                    # table element -> has its own form?
        self.items: list[tuple[str, object]] = []     # ("text", str) | ("table", element)
        self.line: list[str] = []
        self.plain = False                              # the line holds text outside links

    def add(self, text: str | None, link: bool) -> None:
        if text:
            self.line.append(text)
            if not link and text.strip():
                self.plain = True

    def flush(self) -> None:
        text = normalise_text(_clean("".join(self.line)))
        if text and self.plain:
            self.items.append(("text", text))
        self.line, self.plain = [], False

    def walk(self, element, link: bool = False) -> None:
        tag = _tag(element)
        if tag in SKIPPED_TAGS or not tag:
            return
        if tag == "table" and (not element.xpath(".//table") or self.holds_form(element)):
            # a table (not a layout table holding others), or a form table with a small
            # table inside one of its cells (that cell's text is the inner table's); its
            # caption (a title, "（2022年度）") is the text just above it
            self.flush()
            for caption in element.iterchildren("caption"):
                self.add(cell_text(caption), link=False)
                self.flush()
            self.items.append(("table", element))
            return
        if tag == "br":
            self.flush()
            return
        block = tag in BLOCK_TAGS
        link = link or tag in LINK_TAGS
        if block:
            self.flush()
        self.add(element.text, link)
        for child in element:
            self.walk(child, link)
            self.add(child.tail, link)
        if block:
            self.flush()


def _is_form_part(grid: Grid) -> bool:
    """A table that belongs to a form: an indicator header (also a 绩效目标表's: names and
    targets only), funds block, header block label or total row (navigation and link tables
    have none)."""
    from perfnb.reading.blocks import (SUBTOTAL_LABELS, TOTAL_LABELS, find_funds_header,
                                       target_table_header)
    from perfnb.reading.official import HEADER_LABELS, GOAL_PLANNED_LABELS
    from perfnb.reading.sheets import label_matches
    from perfnb.reading.wordreport import indicator_table

    if indicator_table(grid) is not None or find_funds_header(grid) is not None or \
            target_table_header(grid) is not None:
        return True
    labels = HEADER_LABELS + GOAL_PLANNED_LABELS + TOTAL_LABELS + SUBTOTAL_LABELS
    return bool(grid.find(lambda text: label_matches(text, *labels) or
                          text.startswith(("项目名称:", "项目名称：", "年度总体目标"))))


def _stack(first: Grid, second: Grid) -> Grid:
    offset = first.max_row
    width = max(first.max_column, second.max_column)
    values = [list(row) + [None] * (width - len(row)) for row in first.values + second.values]
    anchor = dict(first.anchor)
    anchor.update({(r + offset, c): (ar + offset, ac) for (r, c), (ar, ac) in second.anchor.items()})
    return Grid(first.file, first.sheet, values, anchor)


def html_document(path: str | Path) -> tuple[list[tuple[Grid, list[str]]], list[str]]:
    """A page as a document: (grid, paragraphs above it) per form table — consecutive
    parts of one form stacked — and the page's paragraphs."""
    from perfnb.reading.wordreport import indicator_table

    path = Path(path)
    root = _load(path)
    file = str(path)
    flow = _Flow(lambda table: indicator_table(table_grid(table, file, "")) is not None)
    body = root.find("body")
    flow.walk(body if body is not None else root)
    flow.flush()
    pairs: list[tuple[Grid, list[str]]] = []
    paragraphs: list[str] = []
    above: list[str] = []
    index = 0
    adjacent = False          # nothing but markup since the last kept table
    for kind, item in flow.items:
        if kind == "text":
            paragraphs.append(item)
            above.append(item)
            adjacent = False
            continue
        index += 1
        grid = table_grid(item, file, f"表格{index}")
        if not grid.max_row:
            continue
        continuation = adjacent and pairs and grid.max_column == pairs[-1][0].max_column
        if not (_is_form_part(grid) or continuation):
            continue          # navigation, links, layout: not part of a form
        if adjacent and pairs and indicator_table(pairs[-1][0]) is None:
            # the form's header or funds table, and now its next part: one grid
            pairs[-1] = (_stack(pairs[-1][0], grid), pairs[-1][1])
            continue
        pairs.append((grid, above))
        above = []
        adjacent = True
    return pairs, paragraphs


def read_html_forms(path: str | Path) -> list[Form]:
    """Every form of a web page (see the module doc)."""
    from perfnb.reading.wordreport import read_document_forms

    path = Path(path)
    pairs, paragraphs = html_document(path)
    try:
        # a report page without a table whose prose gives the funds is a budget-only form
        return read_document_forms(pairs, paragraphs, str(path), "html")
    except InputError:
        if pairs:
            raise
    raise InputError("网页中找不到绩效指标表（页面上没有包含 三级指标、年度指标值、分值 等表头的表格）",
                     file=path, hint="请确认该网页就是项目支出绩效自评表或自评报告的正文页"
                                     "（不是列表页或附件下载页）；表格是图片时请找原件")
