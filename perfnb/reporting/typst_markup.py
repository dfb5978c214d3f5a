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


def _missing(value) -> bool:
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    import numbers

    return isinstance(value, numbers.Real) and not isinstance(value, bool | int) \
        and math.isnan(value)


def plain(value) -> str:
    """The text of a value ('' for None / NaN / NA)."""
    if isinstance(value, list):
        value = "".join(map(str, value))
    return "" if _missing(value) else str(value)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def string(value) -> Typst:
    """A Typst string literal ``"…"`` holding ``value`` as text (for code positions)."""
    body = _CONTROL.sub("", plain(value))
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
    """An SVG picture inlined in the markup (its text drawn with the PDF's own fonts), at
    its natural size, shrunk to the text width if wider."""
    svg = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    return Typst(f"#perfnb-image(bytes({string(svg)}), format: \"svg\", alt: {string(alt)})\n\n")


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
