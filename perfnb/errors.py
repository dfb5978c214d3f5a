"""Exceptions raised by perfnb.

Every error a user can cause is a :class:`PerfnbError` whose ``str()`` is a complete
Chinese sentence: where (file, sheet, row, column) and what to fix.  The CLI prints it
and exits with status 2, without a traceback (``--debug`` shows one).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class PerfnbError(Exception):
    """Base class of all errors perfnb reports to a user."""

    exit_code = 2


@dataclass
class Location:
    """Where in an input something is: any part may be unknown."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None          # 1-based, as Excel or a text editor shows it
    column: str | None = None       # the header text, e.g. "分值"
    column_letter: str | None = None  # Excel column letter, e.g. "E"

    def describe(self) -> str:
        """Chinese description, e.g. 文件“a.xlsx”，工作表“绩效指标”，第 5 行，“分值”列（E 列）."""
        parts: list[str] = []
        if self.file:
            parts.append(f"文件“{self.file}”")
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column or self.column_letter:
            if self.column and self.column_letter:
                parts.append(f"“{self.column}”列（{self.column_letter} 列）")
            elif self.column:
                parts.append(f"“{self.column}”列")
            else:
                parts.append(f"{self.column_letter} 列")
        return "，".join(parts)


class InputError(PerfnbError):
    """Bad input data: a file that cannot be read, or a value that cannot be used.

    ``problem`` says what is wrong, ``hint`` what to do about it; both in Chinese.
    """

    def __init__(self, problem: str, *, file: str | Path | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None,
                 column_letter: str | None = None, hint: str | None = None) -> None:
        self.problem = problem
        self.hint = hint
        self.location = Location(str(file) if file is not None else None, sheet, row, column,
                                 column_letter)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = self.location.describe()
        text = f"{where}：{self.problem}" if where else self.problem
        if not text.endswith(("。", "！", "？")):
            text += "。"
        if self.hint:
            text += self.hint if self.hint.endswith("。") else self.hint + "。"
        return text

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class RulesError(PerfnbError):
    """A rule set that cannot be found or is malformed."""


class ParameterError(PerfnbError):
    """A notebook or command parameter that is missing or of the wrong kind."""


class ExportError(PerfnbError):
    """An HTML, PDF or office export that could not be produced."""


class InputErrors(PerfnbError):
    """Several input errors found in one file, reported together (one per line)."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(e.message for e in self.errors)


class OutputError(PerfnbError):
    """The output folder cannot be written (disk full, read-only, no permission)."""
