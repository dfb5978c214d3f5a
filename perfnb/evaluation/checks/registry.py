"""What a check is: one declared unit with a stable code, its documentation and its condition.

A :class:`Check` is declared once, in the module of its family (``indicators.py``,
``budgets.py``, ``rollups.py``, ``observations.py``), with

* ``code`` — stable (notebooks, scripts and archived findings key on it), UPPER_SNAKE;
* ``severity`` — error / warning / info (a hit may say otherwise, e.g. TEXT_ACTUAL);
* ``title`` and ``summary`` — Chinese, one line each;
* ``what`` / ``why`` / ``example`` / ``basis`` — the explanation ``perfnb explain CODE`` prints
  (检查内容 / 为何重要 / 示例 / 依据), as each ruff rule carries its own documentation;
* ``parameters`` — the thresholds a rule set may set (``checks: {CODE: {name: value}}``),
  each with a default or the older rule-set key whose value is its default;
* ``messages`` — the Chinese message templates by name (see :mod:`.render` for the fields'
  format specs); the wording lives here, apart from the logic;
* ``condition`` — ``condition(ctx, params) -> iterable of Hit``: vectorised masks over a table of
  all units (:class:`perfnb.evaluation.checks.facts.AuditContext`), each with the fields its
  templates use.

:func:`observation_check` declares a check whose findings come from what a reader recorded
in the ``observations`` table (SKIPPED_ROW …): the message is filled from each row's
``fields``, the location is the row's own.

This module imports nothing of the evaluation layer: :mod:`.catalog` assembles the registry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from perfnb.evaluation.checks.render import ERROR, INFO, WARNING, Choice, Fragment, template_fields

SEVERITIES = (ERROR, WARNING, INFO)
SECTIONS = (("what", "检查内容"), ("why", "为何重要"), ("example", "示例"), ("basis", "依据"))
CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]*$")
OBSERVATIONS = "observations"


@dataclass(frozen=True)
class Parameter:
    """A threshold of a check that a rule set may set.

    ``kind`` is ``float``, ``int`` or ``bool``; ``low``/``high`` bound a number.  The default is
    the rule-set key ``rule_key`` if given (so older rule sets keep working), else ``default``.
    """

    name: str
    description: str
    default: Any = None
    rule_key: str | None = None
    kind: type = float
    low: float | None = None
    high: float | None = None

    def default_for(self, rules) -> Any:
        return getattr(rules, self.rule_key) if self.rule_key else self.default

    def describe_kind(self) -> str:
        if self.kind is bool:
            return "true 或 false"
        bounds = ""
        if self.low is not None or self.high is not None:
            low = "-∞" if self.low is None else f"{self.low:g}"
            high = "∞" if self.high is None else f"{self.high:g}"
            bounds = f"，{low} 到 {high} 之间"
        return ("整数" if self.kind is int else "数字") + bounds

    def validate(self, value: Any) -> Any:
        """The value as this parameter's kind; ValueError (Chinese) if it is not one."""
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"应为 true 或 false，实际为“{value}”")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise ValueError(f"应为{self.describe_kind()}，实际为“{value}”")
        if self.kind is int and int(value) != value:
            raise ValueError(f"应为整数，实际为“{value}”")
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            raise ValueError(f"应为{self.describe_kind()}，实际为 {value}")
        return self.kind(value)


@dataclass(frozen=True)
class Hit:
    """Rows of one table that have a finding: ``mask`` over the table, the message template
    (a name in the check's ``messages``, or a :class:`Choice` of names by row), the fields it
    uses, the location columns and, if it differs from the check's, the severity."""

    mask: Any
    message: str | Choice
    fields: Mapping[str, Any]
    unit_code: Any
    sheet: Any = None
    row: Any = None
    column: Any = None
    indicator: Any = None
    severity: str | None = None


Condition = Callable[[Any, Mapping[str, Any]], Iterable[Hit]]


@dataclass(frozen=True)
class Check:
    """One audit check (see the module docstring)."""

    code: str
    severity: str
    title: str
    summary: str
    what: str
    why: str
    example: str
    basis: str
    messages: Mapping[str, str]
    condition: Condition | None = None
    parameters: tuple[Parameter, ...] = ()
    table: str = "indicators"           # the table it looks at (documentation)
    fields: tuple[str, ...] = ()        # observation checks: the fields a reader records
    origin: str = "perfnb"              # "perfnb" or the plug-in entry point that added it
    # what the condition looks at: "unit" (the audit of each unit's tables), "batch" (the
    # units of a batch or screening together) or "years" (units linked to earlier years); see
    # perfnb.evaluation.checks.across
    scope: str = "unit"

    def __post_init__(self) -> None:
        object.__setattr__(self, "messages", MappingProxyType(dict(self.messages)))
        object.__setattr__(self, "parameters", tuple(self.parameters))
        problems = self.problems()
        if problems:
            raise ValueError(f"check {self.code!r}: " + "; ".join(problems))

    def problems(self) -> list[str]:
        """What is wrong with the declaration (empty if nothing)."""
        found = []
        if not isinstance(self.code, str) or not CODE_PATTERN.match(self.code):
            found.append("code must be UPPER_SNAKE_CASE")
        if self.severity not in SEVERITIES:
            found.append(f"severity must be one of {SEVERITIES}")
        for attribute, _ in (("title", ""), ("summary", ""), *SECTIONS):
            if not isinstance(getattr(self, attribute), str) or not getattr(self, attribute).strip():
                found.append(f"{attribute} is empty")
        if not self.messages:
            found.append("no message template")
        if self.condition is None:
            found.append("no condition")
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            found.append("duplicate parameter names")
        return found

    @property
    def sections(self) -> list[tuple[str, str]]:
        """(Chinese heading, text) of the explanation, in order."""
        return [(heading, getattr(self, attribute)) for attribute, heading in SECTIONS]

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(name)

    def template_fields(self) -> set[str]:
        """Every field name the check's templates use (fragments included)."""
        return set().union(*(template_fields(t) for t in self.messages.values()))

    @property
    def from_observations(self) -> bool:
        return self.table == OBSERVATIONS


def observation_check(*, code: str, severity: str, title: str, summary: str, what: str, why: str,
                      example: str, basis: str, message: str, fields: Iterable[str] = (),
                      origin: str = "perfnb") -> Check:
    """A check whose findings are the rows of ``observations`` with its code: the message is
    ``message`` filled from each row's ``fields`` dict (missing fields print as empty text)."""
    fields = tuple(fields)
    missing = template_fields(message) - set(fields)
    if missing:
        raise ValueError(f"check {code!r}: message uses undeclared fields {sorted(missing)}")

    def condition(ctx, params):
        facts = ctx.observations
        if facts is None:
            return
        mask = facts.rows_of(code)
        if not mask.any():
            return
        values = {name: facts.field(name, mask) for name in fields}
        yield Hit(mask, "message", values, unit_code=facts.unit_code, sheet=facts.sheet,
                  row=facts.row, column=facts.column, indicator=facts.indicator)

    return Check(code=code, severity=severity, title=title, summary=summary, what=what, why=why,
                 example=example, basis=basis, messages={"message": message}, condition=condition,
                 table=OBSERVATIONS, fields=fields, origin=origin)


__all__ = ["Check", "Parameter", "Hit", "Choice", "Fragment", "observation_check", "SECTIONS",
           "SEVERITIES", "ERROR", "WARNING", "INFO"]
