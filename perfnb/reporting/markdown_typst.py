"""Markdown (notebook markdown cells, ``text/markdown`` outputs) -> Typst markup.

The Markdown is parsed by mistune (nbconvert's own Markdown parser) into its syntax tree
and each node written as Typst; every piece of text goes through
:func:`perfnb.reporting.typst_markup.text`, so nothing in a cell is interpreted as Typst.
Raw HTML in Markdown is dropped (its text kept for inline HTML), links keep their text,
images are left out (a report's images come from outputs).
"""
from __future__ import annotations

import functools
import html

from perfnb.reporting.typst_markup import Typst, string, text

__all__ = ["markdown_to_typst", "heading_text"]


@functools.cache
def _parser():
    import mistune

    return mistune.create_markdown(renderer=None, plugins=["strikethrough", "table"])


def markdown_to_typst(source) -> str:
    """Typst markup for a Markdown text."""
    if isinstance(source, list):
        source = "".join(source)
    tokens = _parser()(str(source or ""))
    return "".join(_block(token) for token in tokens)


def _children(token) -> list:
    return token.get("children") or []


def _inline(tokens) -> str:
    return "".join(_span(token) for token in tokens)


def _span(token) -> str:
    kind = token.get("type")
    if kind == "text":
        return text(html.unescape(token.get("raw", "")))
    if kind in ("softbreak",):
        return " "
    if kind == "linebreak":
        return " \\\n"
    if kind == "codespan":
        return f"#raw({string(token.get('raw', ''))});"
    if kind == "emphasis":
        return f"#emph[{_inline(_children(token))}];"
    if kind == "strong":
        return f"#strong[{_inline(_children(token))}];"
    if kind == "strikethrough":
        return f"#strike[{_inline(_children(token))}];"
    if kind == "link":
        return _inline(_children(token))
    if kind == "inline_html":
        return ""
    if kind == "image":
        return ""
    if _children(token):
        return _inline(_children(token))
    return text(html.unescape(token.get("raw", "") or ""))


def _block(token) -> str:
    kind = token.get("type")
    if kind == "heading":
        level = max(1, min(int(token.get("attrs", {}).get("level", 1)), 6))
        return "=" * level + " " + _inline(_children(token)) + "\n\n"
    if kind in ("paragraph", "block_text"):
        return _inline(_children(token)) + "\n\n"
    if kind == "blank_line" or kind == "thematic_break":
        return "" if kind == "blank_line" else "#line(length: 100%, stroke: 0.5pt + perfnb-color.rule)\n\n"
    if kind == "block_code":
        return f"#perfnb-pre(raw(block: true, {string(token.get('raw', '').rstrip())}))\n\n"
    if kind == "block_quote":
        return "#perfnb-quote[" + "".join(_block(t) for t in _children(token)) + "]\n\n"
    if kind == "list":
        ordered = bool(token.get("attrs", {}).get("ordered"))
        items = []
        for item in _children(token):
            body = "".join(_block(t) for t in _children(item)).strip()
            items.append("[" + body + "]")
        start = token.get("attrs", {}).get("start")
        function = f"enum(start: {int(start)}, " if ordered and start else ("enum(" if ordered else "list(")
        return "#" + function + ", ".join(items) + ")\n\n"
    if kind == "table":
        return _table(token)
    if kind == "block_html":
        return ""
    if _children(token):
        return "".join(_block(t) for t in _children(token))
    return ""


def _table(token) -> str:
    from perfnb.reporting.typst_markup import Cell, table

    header, rows = [], []
    for part in _children(token):
        if part.get("type") == "table_head":
            header = [[Cell(Typst(_inline(_children(cell))), header=True)
                       for cell in _children(part)]]
        elif part.get("type") == "table_body":
            rows = [[Cell(Typst(_inline(_children(cell)))) for cell in _children(row)]
                    for row in _children(part)]
    count = max([len(r) for r in header + rows] or [1])
    return table(count, header, rows)


def heading_text(source) -> str:
    """The plain text of the first heading of a Markdown text ('' if none)."""
    tokens = _parser()(str(source or ""))
    for token in tokens:
        if token.get("type") == "heading":
            return _plain(_children(token))
    return ""


def _plain(tokens) -> str:
    return "".join(t.get("raw", "") if t.get("type") in ("text", "codespan") else _plain(_children(t))
                   for t in tokens)
