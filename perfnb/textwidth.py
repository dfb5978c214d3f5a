"""How wide Chinese text shows: one helper for terminal tables, Excel column widths and lists.

A wide or full-width character (CJK, full-width punctuation such as ，（）) takes two columns,
a combining mark none, anything else one; control characters (tab, newline) count nothing.
The widths come from wcwidth (the Unicode East Asian Width and zero-width tables, kept current
with Unicode), so no layer keeps its own copy of them.  This module imports nothing of perfnb:
every layer may use it.
"""
from __future__ import annotations

from wcwidth import wcswidth, wcwidth
from wcwidth import wrap as _wrap

ELLIPSIS = "…"


def display_width(text: object) -> int:
    """Columns ``text`` takes in a terminal or a monospaced cell: 预算ab -> 6."""
    text = "" if text is None else str(text)
    width = wcswidth(text)
    if width >= 0:
        return width
    # a control character somewhere (wcswidth gives -1): count it as nothing
    return sum(max(wcwidth(char), 0) for char in text)


def longest_line_width(text: object) -> int:
    """The display width of the widest line of ``text``."""
    lines = ("" if text is None else str(text)).splitlines() or [""]
    return max(display_width(line) for line in lines)


def pad(text: str, width: int, align: str = "left") -> str:
    """``text`` padded with spaces to ``width`` columns (left- or right-aligned)."""
    gap = max(width - display_width(text), 0)
    return " " * gap + text if align == "right" else text + " " * gap


def clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` columns, ending in … when cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = max(wcwidth(char), 0)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + ELLIPSIS


def wrap(text: str, width: int = 76, indent: str = "") -> list[str]:
    """``text`` broken into lines of at most ``width`` columns (Chinese breaks anywhere),
    each starting with ``indent``; a line break in ``text`` starts a new paragraph."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        lines += _wrap(paragraph, width, initial_indent=indent, subsequent_indent=indent) or [indent]
    return lines


__all__ = ["display_width", "longest_line_width", "pad", "clip", "wrap"]
