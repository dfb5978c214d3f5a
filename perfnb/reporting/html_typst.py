"""A foreign ``text/html`` output (one without perfnb's ``text/x-typst``) -> Typst markup.

perfnb's own outputs carry their Typst beside their HTML, built from the same data; this is
the fallback for what other code in a notebook displays as HTML (a DataFrame's table, a
fragment of rich text), so that the PDF still shows it: tables (with row and column spans),
headings, paragraphs, lists, line breaks, bold / italic.  Scripts and styles are dropped;
all text is escaped by :func:`perfnb.reporting.typst_markup.text`.
"""
from __future__ import annotations

from html.parser import HTMLParser

from perfnb.reporting.typst_markup import Cell, Typst, table, text

__all__ = ["html_to_typst"]

_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "blockquote", "figure",
           "figcaption", "caption", "ul", "ol", "dl", "dt", "dd", "pre", "hr"}
_SKIP = {"script", "style", "head", "title", "template", "svg", "math", "noscript"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "col", "wbr", "source"}


def _span(value) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


class _Converter(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []          # finished Typst of the top level
        self.inline: list[str] = []       # the current paragraph's pieces
        self.skip = 0
        self.styles: list[str] = []       # open inline wrappers ("strong", "emph")
        self.heading: int | None = None
        self.tables: list[dict] = []      # open tables (nested ones are flattened to text)
        self.cell: dict | None = None

    # -- helpers
    def _flush(self) -> None:
        body = "".join(self.inline).strip()
        self.inline = []
        if not body:
            return
        if self.heading:
            self.out.append("=" * self.heading + " " + body + "\n\n")
        else:
            self.out.append(body + "\n\n")

    def _target(self) -> list[str]:
        return self.cell["parts"] if self.cell is not None else self.inline

    # -- parser callbacks
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "table":
            if self.cell is None and not self.tables:
                self._flush()
            self.tables.append({"header": [], "rows": [], "row": None, "in_head": False,
                                "outer_cell": self.cell})
            self.cell = None
        elif self.tables and tag == "thead":
            self.tables[-1]["in_head"] = True
        elif self.tables and tag in ("tbody", "tfoot"):
            self.tables[-1]["in_head"] = False
        elif self.tables and tag == "tr":
            self.tables[-1]["row"] = []
        elif self.tables and tag in ("td", "th"):
            current = self.tables[-1]
            if current["row"] is None:
                current["row"] = []
            self.cell = {"parts": [], "header": tag == "th",
                         "rowspan": _span(attrs.get("rowspan")), "colspan": _span(attrs.get("colspan")),
                         "right": "num" in (attrs.get("class") or "").split()}
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.cell is None:
            self._flush()
            self.heading = int(tag[1])
        elif tag == "br":
            self._target().append(" \\\n" if self.cell is None else " ")
        elif tag == "li":
            if self.cell is None:
                self._flush()
                self.inline.append("• ")
            else:
                self.cell["parts"].append(" ")
        elif tag in ("strong", "b"):
            self._target().append("#strong[")
            self.styles.append(tag)
        elif tag in ("em", "i"):
            self._target().append("#emph[")
            self.styles.append(tag)
        elif tag in _BLOCKS:
            if self.cell is None:
                self._flush()
            else:
                self.cell["parts"].append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in ("strong", "b", "em", "i") and self.styles:
            self.styles.pop()
            self._target().append("];")
        elif self.tables and tag in ("td", "th") and self.cell is not None:
            cell = self.cell
            self.cell = None
            self.tables[-1]["row"].append(Cell(Typst("".join(cell["parts"]).strip()),
                                               rowspan=cell["rowspan"], colspan=cell["colspan"],
                                               header=cell["header"],
                                               align="right" if cell["right"] else None))
        elif self.tables and tag == "tr":
            current = self.tables[-1]
            row = current["row"] or []
            current["row"] = None
            if row:
                (current["header"] if current["in_head"] else current["rows"]).append(row)
        elif self.tables and tag == "table":
            current = self.tables.pop()
            self.cell = current["outer_cell"]
            columns = max((sum(c.colspan for c in row) for row in current["header"] + current["rows"]),
                          default=0)
            if not columns:
                return
            source = table(columns, current["header"], current["rows"])
            if self.cell is not None:  # a nested table: its cells' text only
                self.cell["parts"].append(" ".join(str(c.body) for row in current["rows"] for c in row))
            else:
                self.out.append(source)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.heading:
            self._flush()
            self.heading = None
        elif tag in _BLOCKS or tag == "li":
            if self.cell is None:
                self._flush()

    def handle_data(self, data):
        if self.skip or not data:
            return
        if self.tables and self.cell is None:
            return  # white space between cells
        collapsed = " ".join(data.split())
        if not collapsed:
            if data and self._target():
                self._target().append(" ")
            return
        if data[:1].isspace():
            collapsed = " " + collapsed
        if data[-1:].isspace():
            collapsed += " "
        self._target().append(text(collapsed))

    def result(self) -> str:
        while self.styles:
            self.styles.pop()
            self.inline.append("];")
        self._flush()
        return "".join(self.out)


def html_to_typst(html: str) -> str:
    """Typst markup showing an HTML fragment's text, tables and headings."""
    converter = _Converter()
    converter.feed(html if isinstance(html, str) else "".join(html))
    converter.close()
    return converter.result()
