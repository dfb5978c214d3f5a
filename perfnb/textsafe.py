"""Text at the edges: what comes from a form never controls a writer, a spreadsheet or a terminal.

Every string perfnb writes comes from somebody's form, and a form can carry anything a
keyboard, Word or a program can put in a cell.  Three hazards, one function each, used by
every writer:

* :func:`clean_text` — control characters.  A vertical tab (what Excel stores for a line
  break pasted from Word), a form feed, CR, NEL and the Unicode line/paragraph separators
  become ``\\n``; every other C0/C1 control character (BEL, ESC, NUL, …) and DEL is removed.
  Tab and newline stay.  openpyxl refuses the removed ones (``IllegalCharacterError``), XML
  1.0 (docx, xlsx) cannot hold them, and in a Typst string or a file name they are noise.
* :func:`spreadsheet_text` / :func:`csv_cell` — formula injection.  A cell whose text starts
  with ``= + - @`` (or a tab or CR, which spreadsheet programs strip before looking) is a
  formula to Excel, LibreOffice and WPS when they open a CSV, and ``=HYPERLINK(…)`` in an
  xlsx cell typed as a formula is live.  CSV cells get the conventional leading apostrophe
  (OWASP's "CSV injection" advice); xlsx cells are written as text with Excel's own form of
  that apostrophe, the ``quotePrefix`` cell style (what Excel stores when one types
  ``'=1+1``: the text shows without the apostrophe and editing the cell keeps it text).
  Numbers are never touched (a negative number stays a number), nor is text that is a
  plain number ("-12.5", "+3", "-" alone): no spreadsheet reads a formula there.
* :func:`terminal_text` / :func:`terminal_name` — terminal output.  Control characters are
  shown escaped (``\\u001b``, ``\\r``), so an ESC sequence in a file name or a project name
  cannot recolour, erase or overwrite the line that says a check failed;
  :func:`terminal_name` escapes newlines and tabs as well (a name is one line).

Shared layer: imported by reading, reporting and running alike.
"""
from __future__ import annotations

import re

__all__ = ["clean_text", "clean", "needs_formula_guard", "spreadsheet_text", "csv_cell",
           "terminal_text", "terminal_name", "TerminalStream", "FORMULA_PREFIXES"]

# Characters that become a line break (Excel's VT for a pasted line break, FF, CR, NEL,
# LINE SEPARATOR, PARAGRAPH SEPARATOR); CRLF is one break.
_BREAKS_RE = re.compile("\r\n|[\x0b\x0c\r\x85\u2028\u2029]")
# Every other C0 control but tab and newline, DEL, and the C1 controls.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# What a spreadsheet program reads as the start of a formula (after stripping tab/CR).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Text that is a number as typed ("-12.5", "+3", "-1,972.41", "-5%") or only dashes.
_PLAIN_NUMBER_RE = re.compile(r"^[-+]?(?:\d[\d,]*(?:\.\d+)?|\.\d+)%?$|^-+$")
# For the terminal: controls (also bidi overrides and isolates, which reorder what is shown).
_TERMINAL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_TERMINAL_NAME_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """``text`` with line-break controls as ``\\n`` and every other control character removed."""
    if text.isprintable():  # the usual case, and fast
        return text
    return _CONTROL_RE.sub("", _BREAKS_RE.sub("\n", text))


def clean(value):
    """:func:`clean_text` for a string; any other value unchanged."""
    return clean_text(value) if isinstance(value, str) else value


def needs_formula_guard(text: str) -> bool:
    """True when a spreadsheet program would take ``text`` for a formula: it starts with
    a tab or CR, or (after leading line breaks, which importers may drop) with = + - @ and
    is not a plain number."""
    if text.startswith(("\t", "\r")):
        return True
    core = text.lstrip("\n")
    return core.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER_RE.match(core)


# Excel's limit of characters in one cell; a longer text is cut with an ellipsis (Excel
# would otherwise "repair" the workbook and drop the cell).
MAX_CELL_CHARACTERS = 32_767


def spreadsheet_text(value) -> tuple[object, bool]:
    """(value cleaned, whether it must be stored as quoted text) for an xlsx cell."""
    if not isinstance(value, str):
        return value, False
    text = clean_text(value)
    if len(text) > MAX_CELL_CHARACTERS:
        text = text[:MAX_CELL_CHARACTERS - 1] + "…"
    return text, needs_formula_guard(text)


def csv_cell(value):
    """A value for a CSV cell: text cleaned, a formula-like text with a leading apostrophe."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return "'" + text if needs_formula_guard(text) else text


def _escape(match: re.Match) -> str:
    # \\uXXXX: readable, and still valid inside a JSON string (``perfnb score --jsonl -``)
    code = ord(match.group())
    return {9: "\\t", 10: "\\n", 13: "\\r"}.get(code) or f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """Text for a terminal: controls but tab and newline shown escaped (``\\u001b``)."""
    text = str(text)
    return text if text.isprintable() else _TERMINAL_RE.sub(_escape, text)


def terminal_name(text) -> str:
    """A file or unit name for a terminal line: every control escaped, newlines too."""
    text = str(text)
    return text if text.isprintable() else _TERMINAL_NAME_RE.sub(_escape, text)


class TerminalStream:
    """A text stream (stdout, stderr) that shows control characters escaped
    (:func:`terminal_text`); ``keep`` lists the ones passed through (stderr keeps CR for
    the progress bar, which redraws its own line)."""

    def __init__(self, stream, keep: str = "") -> None:
        self._stream = stream
        self._pattern = re.compile("[" + "".join(
            c for c in map(chr, [*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0)])
            if c not in keep).replace("\\", "\\\\").replace("]", "\\]").replace("^", "\\^")
            .replace("-", "\\-") + "\u202a-\u202e\u2066-\u2069]")

    def write(self, text: str) -> int:
        if not text.isprintable():
            text = self._pattern.sub(_escape, text)
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)
