"""Typst markup for the PDF report: safe text, tables, images, display bundles.

Every perfnb display output in a notebook carries, beside its ``text/html``, a Typst
representation under the MIME type :data:`MIMETYPE` (``text/x-typst``), built from the same
data as the HTML (the narrative's report context, the Evaluation, a DataFrame) — never
parsed back from HTML.  The ``perfnb_pdf`` exporter (:mod:`perfnb.reporting.exporters`)
assembles those fragments with the page template ``templates/typst/report.typ``, whose
functions (``perfnb-title``, ``perfnb-indicator``, ``perfnb-flag``, ``perfnb-th`` …) the
fragments call.

Safety: text from data never enters Typst markup.  :func:`text` writes it as a Typst string
literal embedded in markup (``#"…";``), in which only ``\\`` and ``"`` are special (both
escaped), so ``#``, ``$``, ``*``, ``_``, ``@``, ``<``, ``//``, ``[`` … print as themselves.
Fragments are :class:`Typst` strings; anything else is data and gets escaped.

This module imports nothing from perfnb, so any layer (evaluation, reporting, notebook
helpers) may use it.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from perfnb.cells import is_missing
from perfnb.textsafe import clean_text

MIMETYPE = "text/x-typst"

# Colours of report.css, used by the page template and by the fragments.
COLORS = {
    "ink": "#1f2328", "muted": "#57606a", "rule": "#8c959f", "head-bg": "#eef2f6",
    "accent": "#1f4e79", "met": "#1a7f37", "partial": "#b35900", "unmet": "#cf222e",
    "missing": "#6e7781",
}


class Typst(str):
    """A string of Typst markup that is safe as it is (not escaped again)."""

    __slots__ = ()


def plain(value) -> str:
    """The text of a value ('' for None / NaN / NA)."""
    if isinstance(value, list):
        value = "".join(map(str, value))
    return "" if is_missing(value) else str(value)


def string(value) -> Typst:
    """A Typst string literal ``"…"`` holding ``value`` as text (for code positions);
    control characters go through the shared sanitiser (:func:`perfnb.textsafe.clean_text`)."""
    body = clean_text(plain(value))
    body = (body.replace("\\", "\\\\").replace('"', '\\"')
            .replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
            .replace("\t", "\\t"))
    return Typst(f'"{body}"')


def text(value) -> Typst:
    """``value`` as literal text inside Typst markup ('' for a missing value).

    Line breaks inside the value become spaces (use :func:`paragraphs` for free text).
    """
    if isinstance(value, Typst):
        return value
    content = " ".join(plain(value).split("\n")) if "\n" in plain(value) else plain(value)
    if not content:
        return Typst("")
    return Typst("#" + string(content) + ";")


def content(value) -> Typst:
    """A Typst content block ``[…]`` holding ``value`` (markup kept, text escaped)."""
    return Typst("[" + text(value) + "]")


_BREAK_AFTER = re.compile(r"([_/\\-]|\.(?=[A-Za-z]))(?=\w)")


def breakable(value) -> Typst:
    """Text that may wrap after ``_`` ``/`` ``.`` ``-`` (a long code such as
    MISSING_DEVIATION_REASON in a narrow column), else as :func:`text`."""
    body = plain(value)
    if not body:
        return Typst("")
    pieces = _BREAK_AFTER.sub(lambda m: m.group(1) + "\x00", body).split("\x00")
    if len(pieces) == 1:
        return text(body)
    return Typst("".join(text(piece) + "#sym.zws;" for piece in pieces[:-1]) + text(pieces[-1]))


def paragraphs(value) -> Typst:
    """Free text as Typst paragraphs, one per non-empty line."""
    lines = [line.strip() for line in plain(value).splitlines() if line.strip()]
    return Typst("\n\n".join(text(line) for line in lines) + ("\n\n" if lines else ""))


def join(parts: Iterable) -> Typst:
    return Typst("".join(part if isinstance(part, Typst) else text(part) for part in parts))


def call(function: str, *args, **named) -> Typst:
    """``#function(args…)`` with strings as string literals and Typst values as content."""
    return Typst("#" + _call(function, args, named))


def _arg(value) -> str:
    if isinstance(value, Typst):
        return "[" + value + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if value is None:
        return "none"
    return string(value)


def _call(function: str, args: Sequence, named: dict) -> str:
    items = [f"{key.replace('_', '-')}: {_arg(value)}" for key, value in named.items()]
    items += [_arg(value) for value in args]
    return f"{function}({', '.join(items)})"


# --------------------------------------------------------------------------- tables

@dataclass
class Cell:
    """One table cell: its text (or markup), spans, colours and alignment."""

    body: Any = ""
    rowspan: int = 1
    colspan: int = 1
    color: str | None = None       # text colour, "#rrggbb"
    fill: str | None = None        # background, "#rrggbb"
    bold: bool = False
    align: str | None = None       # "right", "center"
    header: bool = False           # a label cell (th): shaded and bold

    def typst(self) -> str:
        named = []
        if self.rowspan > 1:
            named.append(f"rowspan: {int(self.rowspan)}, breakable: true")
        if self.colspan > 1:
            named.append(f"colspan: {int(self.colspan)}")
        fill = self.fill or (COLORS["head-bg"] if self.header else None)
        if fill:
            named.append(f'fill: rgb("{_color(fill)}")')
        if self.align:
            named.append(f"align: {self.align if self.align in ('right', 'center', 'left') else 'left'}")
        body = self.body if isinstance(self.body, Typst) else text(self.body)
        if self.color:
            body = Typst(f'#text(fill: rgb("{_color(self.color)}"))[{body}]')
        if self.bold or self.header:
            body = Typst(f"#perfnb-bold[{body}]")
        if not named:
            return f"[{body}]"
        return f"table.cell({', '.join(named)})[{body}]"


_HEX = re.compile(r"#[0-9a-fA-F]{3,8}")


def _color(value: str) -> str:
    return value if _HEX.fullmatch(value) else "#000000"


def table(columns: Sequence[str] | int | None, header: Sequence[Sequence[Cell | Any]],
          rows: Sequence[Sequence[Cell | Any]], caption: Any = None) -> Typst:
    """A Typst table: ``columns`` are Typst track sizes ("auto", "1fr", "2fr"), a count, or
    None (sized from the text, see :func:`_column_sizes`; rows with row spans should then
    list every column);
    ``header`` rows repeat on every page the table runs onto."""
    if columns is None:  # from the cells' text, as a browser would size them
        texts, spans = _grid(list(header) + list(rows))
        columns = _column_sizes(texts, spans, len(header)) or 1
    if isinstance(columns, int):
        columns = ["auto"] * columns
    def cells(row, header_row):
        return ", ".join((cell if isinstance(cell, Cell) else
                          Cell(cell, header=header_row)).typst() for cell in row)
    parts = []
    if header:
        parts.append("table.header(" + ", ".join(cells(row, True) for row in header) + ")")
    parts.extend(cells(row, False) for row in rows if row)
    source = f"#perfnb-table(columns: ({', '.join(columns)},), " + ", ".join(parts) + ")\n"
    if caption not in (None, ""):
        source = f"#perfnb-caption[{text(caption)}]\n" + source
    return Typst(source + "\n")


def _grid(rows) -> tuple[list[list[str]], list[list[int]]]:
    """The cells' text by grid column (row spans taken into account), and their colspans."""
    occupied: set[tuple[int, int]] = set()
    placed: dict[tuple[int, int], Cell] = {}
    for r, row in enumerate(rows):
        column = 0
        for cell in row:
            cell = cell if isinstance(cell, Cell) else Cell(cell)
            while (r, column) in occupied:
                column += 1
            placed[(r, column)] = cell
            for dr in range(max(1, cell.rowspan)):
                for dc in range(max(1, cell.colspan)):
                    occupied.add((r + dr, column + dc))
            column += max(1, cell.colspan)
    count = max((c + 1 for _, c in occupied), default=0)
    texts = [[""] * count for _ in rows]
    spans = [[1] * count for _ in rows]
    for (r, c), cell in placed.items():
        texts[r][c] = _cell_plain(cell)
        spans[r][c] = max(1, cell.colspan)
    return texts, spans


def dataframe(frame, index: bool | None = None, max_rows: int = 2000) -> Typst:
    """A pandas DataFrame (or Series) as a Typst table, as pandas' HTML shows it: column
    labels as header rows (repeated across pages), a named or non-default index first."""
    import pandas as pd

    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if index is None:  # as pandas shows it, but without the default 0…n-1 row labels
        default = (isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0
                   and frame.index.step == 1 and frame.index.name is None)
        index = not default
    shown = frame.head(max_rows)
    labels = [plain(name) for name in (frame.index.names if index else [])]
    if labels and not any(labels) and frame.columns.name is not None:
        labels[0] = plain(frame.columns.name)  # pandas' header corner (序号)
    header_rows = []
    if isinstance(frame.columns, pd.MultiIndex):
        for level in range(frame.columns.nlevels):
            header_rows.append([Cell("", header=True) for _ in labels]
                               + [Cell(plain(c[level]), header=True) for c in frame.columns])
    else:
        header_rows.append([Cell(label, header=True) for label in labels]
                           + [Cell(plain(c), header=True) for c in frame.columns])
    numeric = [pd.api.types.is_numeric_dtype(dtype) for dtype in frame.dtypes]
    rows = []
    for key, values in zip(shown.index, shown.itertuples(index=False, name=None)):
        row = []
        if index:
            keys = key if isinstance(key, tuple) else (key,)
            row.extend(Cell(plain(k), header=True) for k in keys)
        for value, is_number in zip(values, numeric):
            shown = _cell_text(value)
            row.append(Cell(shown, align="right") if is_number else Cell(breakable(shown)))
        rows.append(row)
    count = len(labels) + len(frame.columns)
    columns = _column_sizes(*_grid(header_rows + rows), len(header_rows))
    note = Typst("")
    if len(frame) > max_rows:
        note = text(f"（共 {len(frame)} 行，仅列出前 {max_rows} 行。）")
    return Typst(table(columns or max(count, 1), header_rows, rows) + note)


# The text width of the A4 page (210 mm less 18 mm margins each side) and of one character
# of table text (0.9 × 10.5 pt), in points.
PAGE_WIDTH_PT = (210 - 2 * 18) / 25.4 * 72
_CHAR_PT = 9.45
_CELL_PAD_PT = 11.0


def _text_width_pt(value: str) -> float:
    import unicodedata

    return sum(_CHAR_PT if unicodedata.east_asian_width(c) in "WF" else _CHAR_PT * 0.55
               for c in value)


def _cell_plain(cell: "Cell") -> str:
    body = cell.body
    if isinstance(body, Typst):  # a breakable() or text() fragment: its string literals
        return "".join(re.findall(r'#"((?:[^"\\]|\\.)*)";', body))
    return plain(body)


_TOKEN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef][，。、；：？！）》」』】%％]*"
                    r"|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef_/-]+[_/-]?|[_/-]")


def _column_sizes(rows: list[list[str]], spans: list[list[int]] | None = None,
                  header_rows: int = 0) -> list[str] | None:
    """See :func:`_sizes`: column labels (the first ``header_rows`` rows) stay on one line
    unless the table cannot then fit the page."""
    if header_rows:
        sizes = _sizes(rows, spans, header_rows)
        if sizes is not None:
            return sizes
    return _sizes(rows, spans, 0, last_resort=True)


def _sizes(rows: list[list[str]], spans: list[list[int]] | None, header_rows: int,
           last_resort: bool = False) -> list[str] | None:
    """Typst column widths for a table of text, as the CSS automatic table layout sets them:
    natural widths (auto) when the table fits the page; else each column gets its narrowest
    width (its longest unbreakable piece: a number, a code part, one CJK character with its
    punctuation) plus a share of the remaining room in proportion to how much wider its
    text would like to be.  Cells spanning columns (``spans``) are left out."""
    if not rows:
        return None
    count = max(len(row) for row in rows)
    narrowest, widest = [_CELL_PAD_PT] * count, [_CELL_PAD_PT] * count
    for r, row in enumerate(rows):
        for index, value in enumerate(row):
            if spans and spans[r][index] > 1:
                continue
            tokens = [value] if r < header_rows else (_TOKEN.findall(value) or [""])
            narrowest[index] = max(narrowest[index],
                                   max(_text_width_pt(t) for t in tokens) + _CELL_PAD_PT)
            widest[index] = max(widest[index], _text_width_pt(value) + _CELL_PAD_PT)
    if sum(widest) <= PAGE_WIDTH_PT:
        return ["auto"] * count
    if sum(narrowest) >= PAGE_WIDTH_PT:
        if not last_resort:
            return None
        widths = narrowest
    else:
        room = PAGE_WIDTH_PT - sum(narrowest)
        spread = sum(w - n for w, n in zip(widest, narrowest)) or 1.0
        widths = [n + (w - n) * room / spread for w, n in zip(widest, narrowest)]
    return [f"{width:.1f}pt" for width in widths]


def _cell_text(value) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.6g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.4g}"
    return plain(value)


# --------------------------------------------------------------------------- images

def svg_image(svg: str | bytes, alt: str = "图表") -> Typst:
    """An SVG picture inlined in the markup, at its natural size, shrunk to the text width
    if wider.

    Its plain text labels (a chart's titles, ticks, annotations: see :func:`svg_labels`) are
    taken out of the SVG and typeset by Typst over the picture, in the PDF's own font: they
    become real text in the PDF (searchable, copyable, read by screen readers), and Typst
    no longer has to turn SVG text into outlines, which for a CJK font cost about as much
    as the whole rest of the report.  An SVG whose text is not understood is drawn as it is.
    """
    svg = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    graphic, labels, size = svg_labels(svg)
    if not labels:
        return Typst(f"#perfnb-image(bytes({string(svg)}), format: \"svg\", alt: {string(alt)})\n\n")
    rows = "".join(
        f"  ({label.x:.2f}, {label.y:.2f}, {label.size:g}, {label.anchor:g}, {label.angle:g}, "
        f"{string(label.fill)}, {'true' if label.bold else 'false'}, {string(label.text)}),\n"
        for label in labels)
    return Typst(f"#perfnb-chart(bytes({string(graphic)}), width: {size[0]:.2f}pt, "
                 f"height: {size[1]:.2f}pt, alt: {string(alt)}, labels: (\n{rows}))\n\n")


@dataclass(frozen=True)
class SvgLabel:
    """One line of text of an SVG, in points from the picture's top left corner: the
    baseline's anchor point, its font size, the anchor (0 start, 0.5 middle, 1 end), the
    rotation in degrees (clockwise, as SVG's ``rotate``), colour and weight."""

    x: float
    y: float
    size: float
    anchor: float
    angle: float
    fill: str
    bold: bool
    text: str


_SVG_NS = "{http://www.w3.org/2000/svg}"
_TEXT_ELEMENT = re.compile(r"<text\b[^>]*>[^<]*</text>")
_ANCHORS = {"start": 0.0, "middle": 0.5, "end": 1.0}
_LABEL_FAMILIES = ("noto sans sc", "noto sans cjk sc", "source han sans sc", "dejavu sans",
                   "sans-serif")
_UNIT_PT = {"pt": 1.0, "px": 0.75, "": 0.75, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0}
_LENGTH = re.compile(r"\s*([0-9.]+)\s*(pt|px|mm|cm|in|)\s*$")
_NUMBER = r"(-?[0-9.]+(?:e-?[0-9]+)?)"
_ROTATE_ABOUT = re.compile(rf"^\s*rotate\({_NUMBER}\s+{_NUMBER}\s+{_NUMBER}\)\s*$")
_TRANSLATE_ROTATE = re.compile(
    rf"^\s*translate\({_NUMBER}[ ,]+{_NUMBER}\)(?:\s*rotate\({_NUMBER}\))?\s*$")


def svg_labels(svg: str) -> tuple[str, list[SvgLabel], tuple[float, float]]:
    """Split an SVG into its graphic (the SVG without the labels taken out), its labels
    and its size in points.

    A label is a ``<text>`` element with nothing but characters inside (no ``<tspan>``),
    placed by ``x``/``y`` (with ``text-anchor`` and a rotation about that point) or by
    ``translate(x y) rotate(a)``, styled only by font size, a sans-serif family, anchor,
    fill colour and weight, and inside plain groups (no transform, clip or style of their
    own): what matplotlib writes with ``svg.fonttype: none``.  Any other text stays in the
    SVG.  An SVG that does not parse, has no plain ``viewBox``/size, or no such label, is
    returned unchanged with no labels.
    """
    import xml.etree.ElementTree as ElementTree

    unchanged = (svg, [], (0.0, 0.0))
    if "<text" not in svg:
        return unchanged
    try:
        root = ElementTree.fromstring(svg.encode("utf-8"))
    except ElementTree.ParseError:
        return unchanged
    size = _svg_size(root)
    if size is None:
        return unchanged
    scale = size[2]
    # Text elements in document order, each with whether everything above it is plain.
    found: list[tuple[ElementTree.Element, bool]] = []

    def walk(element, plain_path: bool) -> None:
        # Only plain <g> groups keep the path plain: text in <defs>, <clipPath>, <a>,
        # <switch> … is not drawn where it stands, or not at all.
        for child in element:
            tag = child.tag.removeprefix(_SVG_NS)
            if tag == "text":
                found.append((child, plain_path and len(child) == 0))
                continue
            plain_child = plain_path and tag == "g" and not (
                {"transform", "clip-path", "mask", "filter", "style", "font-size",
                 "font-family", "opacity"} & set(child.attrib))
            walk(child, plain_child)

    walk(root, True)
    sources = list(_TEXT_ELEMENT.finditer(svg))
    childless = [element for element, _ in found if len(element) == 0]
    if len(sources) != len(childless):
        return unchanged
    by_element = {id(element): match for element, match in zip(childless, sources)}
    labels: list[SvgLabel] = []
    cut: list[tuple[int, int]] = []
    for element, plain_path in found:
        if not plain_path:
            continue
        label = _svg_label(element, scale)
        if label is None:
            continue
        labels.append(label)
        match = by_element[id(element)]
        cut.append(match.span())
    if not labels:
        return unchanged
    pieces, last = [], 0
    for start, end in cut:
        pieces.append(svg[last:start])
        last = end
    pieces.append(svg[last:])
    return "".join(pieces), labels, (size[0], size[1])


def _svg_size(root) -> tuple[float, float, float] | None:
    """(width pt, height pt, points per user unit) of a plain SVG: viewBox from 0 0, the
    same scale across and down."""
    if root.tag.removeprefix(_SVG_NS) != "svg":
        return None
    try:
        x0, y0, width, height = (float(v) for v in root.get("viewBox", "").replace(",", " ").split())
    except ValueError:
        return None
    lengths = [_LENGTH.match(root.get(name) or "") for name in ("width", "height")]
    if x0 or y0 or width <= 0 or height <= 0 or not all(lengths):
        return None
    width_pt, height_pt = (float(m.group(1)) * _UNIT_PT[m.group(2)] for m in lengths)
    scale = width_pt / width
    if not math.isclose(scale, height_pt / height, rel_tol=1e-3):
        return None
    return width_pt, height_pt, scale


def _svg_label(element, scale: float) -> SvgLabel | None:
    allowed = {"style", "x", "y", "transform"}
    if set(element.attrib) - allowed or not (element.text or "").strip():
        return None
    style: dict[str, str] = {}
    for item in (element.get("style") or "").split(";"):
        if item.strip():
            key, _, value = item.partition(":")
            style[key.strip()] = value.strip()
    if set(style) - {"font-size", "font-family", "text-anchor", "fill", "font-weight",
                     "font-style"}:
        return None
    families = [f.strip().strip("'\"").lower() for f in style.get("font-family", "sans-serif").split(",")]
    if families[0] not in _LABEL_FAMILIES or style.get("font-style", "normal") != "normal":
        return None
    font_size = _LENGTH.match(style.get("font-size", ""))
    anchor = _ANCHORS.get(style.get("text-anchor", "start"))
    fill = style.get("fill", "#000000")
    if font_size is None or anchor is None or not re.fullmatch(r"#[0-9a-fA-F]{6}", fill):
        return None
    weight = style.get("font-weight", "normal")
    bold = weight == "bold" or (weight.isdigit() and int(weight) >= 600)
    transform = element.get("transform") or ""
    try:
        if "x" in element.attrib or "y" in element.attrib:
            x, y = float(element.get("x", "0")), float(element.get("y", "0"))
            angle = 0.0
            if transform:
                about = _ROTATE_ABOUT.match(transform)
                if about is None or not (math.isclose(float(about.group(2)), x, abs_tol=1e-3)
                                         and math.isclose(float(about.group(3)), y, abs_tol=1e-3)):
                    return None
                angle = float(about.group(1))
        else:
            moved = _TRANSLATE_ROTATE.match(transform)
            if moved is None:
                return None
            x, y = float(moved.group(1)), float(moved.group(2))
            angle = float(moved.group(3) or 0)
    except ValueError:
        return None
    if font_size.group(2) not in ("", "px"):  # CSS px are the SVG's user units
        return None
    return SvgLabel(x=x * scale, y=y * scale, size=float(font_size.group(1)) * scale,
                    anchor=anchor, angle=angle or 0.0, fill=fill.lower(), bold=bold,
                    text=element.text)


def file_image(path: str, alt: str = "图片") -> Typst:
    """An image file of the compilation (PNG, JPEG, GIF, SVG) by its absolute path."""
    return Typst(f"#perfnb-image({string(path)}, alt: {string(alt)})\n\n")


# --------------------------------------------------------------------------- display

def bundle(html: str, typst: str, plain_text: str = "") -> dict:
    """A display bundle with HTML, Typst and plain text."""
    data = {"text/html": html, MIMETYPE: str(typst)}
    data["text/plain"] = plain_text or "<perfnb report output>"
    return data


def display(html: str, typst: str, plain_text: str = "") -> None:
    """Display an output that has both an HTML and a Typst representation."""
    from IPython.display import display as ipython_display

    ipython_display(bundle(html, typst, plain_text), raw=True)


def register_formatter(shell=None) -> bool:
    """Give IPython a ``text/x-typst`` formatter, with pandas DataFrames and Series
    rendered by :func:`dataframe`, so that every displayed table reaches the PDF as a table.
    Returns False outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.core.formatters import BaseFormatter
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = shell or get_ipython()
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters
    if MIMETYPE not in formatters:
        from traitlets import ObjectName, Unicode

        class TypstFormatter(BaseFormatter):
            format_type = Unicode(MIMETYPE)
            print_method = ObjectName("_repr_typst_")

        formatters[MIMETYPE] = TypstFormatter(parent=shell.display_formatter)
    import pandas as pd

    formatter = formatters[MIMETYPE]
    formatter.for_type(pd.DataFrame, lambda frame: str(dataframe(frame)))
    formatter.for_type(pd.Series, lambda series: str(dataframe(series)))
    return True
