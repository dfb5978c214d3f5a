"""The registry: every check perfnb knows, built in or added by another package.

Built-in checks are listed in :data:`BUILTIN` (their order is the order ``perfnb checks``
lists them and the last key findings sort by).  Another installed package adds checks through
the ``perfnb.checks`` entry-point group, as rule sets come through ``perfnb.rulesets``::

    [project.entry-points."perfnb.checks"]
    guangxi = "perfnb_guangxi.checks:CHECKS"      # a Check, a list of them, or a function

A plug-in check whose code is already taken is a :class:`perfnb.errors.CheckError`.

A rule set tunes the checks under its ``checks`` key (validated here, against the registry):

    checks:
      disable: [KIND_CONFLICT]             # switch checks off
      LOW_EXECUTION: {threshold: 0.85}     # set a check's parameters
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Iterable, Mapping

from perfnb.errors import CheckError, RulesError
from perfnb.evaluation.checks import (across, budgets, indicators, observations, reviews, rollups,
                                     spending, targets)
from perfnb.evaluation.checks.registry import Check
from perfnb.evaluation.rules import RuleSet

ENTRY_POINT_GROUP = "perfnb.checks"
DISABLE = "disable"

_ALL = {check.code: check for family in (indicators, budgets, rollups, observations, reviews,
                                           targets, spending, across)
        for check in family.CHECKS}
# The codes of perfnb 1 first, in their historical order (findings of one row sort by it),
# then the later ones.
ORDER = ("SCORE_MISMATCH", "SCORE_OVER_WEIGHT", "SUBTOTAL_MISMATCH", "TOTAL_MISMATCH",
         "BUDGET_MISMATCH", "WEIGHT_ROLLUP", "MISSING_DEVIATION_REASON", "OVER_ACHIEVEMENT",
         "LOW_EXECUTION", "TEXT_ACTUAL", "DIRECTION_CONFLICT", "COST_BUDGET_MISMATCH",
         "GRADE_MISMATCH", "QUALITATIVE_OUT_OF_BAND", "MISSING_VALUE", "KIND_CONFLICT",
         "FUNDS_TOTAL_MISMATCH", "SKIPPED_ROW", "UNKNOWN_COLUMN", "ACTUAL_AS_TARGET",
         "QUALITATIVE_PRESUMED", "UNKNOWN_KIND", "APPROXIMATE_VALUE", "RANGE_TARGET",
         "UNIT_CONVERTED", "UNIT_MISMATCH", "LEVEL1_INFERRED", "UNWEIGHTED_FORM",
         "REVIEW_CLAUSE_MISMATCH", "REVIEW_NO_CLAUSE", "HEADER_INFERRED",
         "ROW_NOT_READ", "VALUE_NOT_READ", "TOTAL_PARTIAL", "OCR_DIGITS",
         "WEIGHT_FROM_LABEL", "GROUP_SHARED", "FUNDS_FROM_TEXT", "SECOND_HEADER", "NO_BUDGET_ITEM",
         # red flags (issue 19): target quality, spending against results
         "MONEY_AS_OUTPUT", "DUPLICATE_INDICATOR", "COST_WITHOUT_CEILING", "UNVERIFIABLE_TARGET",
         "UNIFORM_TARGETS", "SATISFACTION_WITHOUT_SURVEY", "NO_COST_INDICATOR", "NO_UNIT",
         "ACTUALS_EQUAL_TARGETS", "PERFORMANCE_AHEAD_OF_SPENDING", "FUNDS_UNSPENT",
         "OUTPUT_WITHOUT_SPENDING", "FULL_SCORE_LOW_EXECUTION",
         # across units of a batch, across years (scope "batch" / "years": not in audit())
         "ALL_FULL_MARKS", "COPIED_INDICATORS", "TARGET_BELOW_LAST_ACTUAL", "TARGETS_UNCHANGED",
         "SCORE_UP_EXECUTION_DOWN")
if set(ORDER) != set(_ALL):  # a check declared but not listed, or listed but not declared
    raise RuntimeError(f"checks catalog out of step: {sorted(set(ORDER) ^ set(_ALL))}")
BUILTIN: tuple[Check, ...] = tuple(_ALL[code] for code in ORDER)


def _plugin_checks(builtin: Iterable[Check]) -> list[Check]:
    seen = {check.code: check.origin for check in builtin}
    found: list[Check] = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        where = f"插件检查项“{ep.name}”（{ep.value}）"
        try:
            value = ep.load()
            if callable(value) and not isinstance(value, Check):
                value = value()
        except Exception as err:  # a third-party plug-in failed: say which
            raise CheckError(f"加载{where}时出错：{err}。")
        items = [value] if isinstance(value, Check) else list(value) \
            if isinstance(value, (list, tuple)) else None
        if items is None or not all(isinstance(item, Check) for item in items):
            raise CheckError(f"{where}应提供 Check、Check 的列表或返回它们的函数，"
                             f"实际为 {type(value).__name__}。")
        for check in items:
            if check.code in seen:
                raise CheckError(f"{where}的检查项代码“{check.code}”已被{_origin(seen[check.code])}"
                                 "使用。请为插件的检查项另取一个代码。")
            origin = f"{ep.name}（{ep.value}）"
            seen[check.code] = origin
            found.append(Check(**{**{f: getattr(check, f) for f in check.__dataclass_fields__},
                                  "origin": origin}))
    return found


def _origin(origin: str) -> str:
    return "perfnb 内置的检查项" if origin == "perfnb" else f"插件“{origin}”"


def all_checks() -> tuple[Check, ...]:
    """Every registered check: the built-in ones in :data:`ORDER`, then the plug-ins'."""
    return BUILTIN + tuple(_plugin_checks(BUILTIN))


def check_codes() -> list[str]:
    return [check.code for check in all_checks()]


def close_codes(code: str, codes: Iterable[str]) -> list[str]:
    """Codes that look like ``code`` (a typo, another case, a part of the name)."""
    codes = list(codes)
    wanted = str(code).strip().upper().replace("-", "_")
    near = difflib.get_close_matches(wanted, codes, n=4, cutoff=0.6)
    near += [c for c in codes if wanted and wanted in c and c not in near]
    return near[:5]


def get_check(code: str, checks: Iterable[Check] | None = None) -> Check:
    """The check with this code (case-insensitive); a Chinese CheckError naming close ones."""
    checks = tuple(all_checks() if checks is None else checks)
    by_code = {check.code: check for check in checks}
    key = str(code).strip().upper().replace("-", "_")
    if key in by_code:
        return by_code[key]
    near = close_codes(code, by_code)
    hint = f"相近的代码：{'、'.join(near)}。" if near else ""
    raise CheckError(f"没有代码为“{code}”的检查项。{hint}运行 perfnb checks 可列出全部检查项。")


@dataclass(frozen=True)
class Settings:
    """The checks a rule set runs and their parameters (resolved: every parameter has a value)."""

    enabled: tuple[str, ...]
    disabled: tuple[str, ...]
    parameters: Mapping[str, Mapping[str, Any]]   # code -> {name: value}
    given: Mapping[str, Mapping[str, Any]]        # code -> {name: value} the rule set set itself


def _where(rules: RuleSet) -> str:
    return f"评分规则“{rules.source or rules.name}”"


def _unknown_code(rules: RuleSet, key: str, code: str, codes: list[str]) -> RulesError:
    near = close_codes(code, codes)
    hint = f"相近的代码：{'、'.join(near)}；" if near else ""
    return RulesError(f"{_where(rules)}中“{key}”的“{code}”不是已知的检查项代码。{hint}"
                      f"可用的代码：{'、'.join(codes)}（perfnb checks 列出全部）。")


def settings(rules: RuleSet, checks: Iterable[Check] | None = None) -> Settings:
    """The checks ``rules`` enables and their parameters; a RulesError (naming the rule set's
    file and key) for an unknown code or parameter, or a value of the wrong kind."""
    checks = tuple(all_checks() if checks is None else checks)
    by_code = {check.code: check for check in checks}
    codes = list(by_code)
    config = rules.checks or {}
    disabled = []
    for code in config.get(DISABLE, ()):
        if code not in by_code:
            raise _unknown_code(rules, f"checks.{DISABLE}", code, codes)
        disabled.append(code)
    given: dict[str, dict[str, Any]] = {}
    for code, values in config.items():
        if code == DISABLE:
            continue
        if code not in by_code:
            raise _unknown_code(rules, "checks", code, codes)
        check = by_code[code]
        names = [p.name for p in check.parameters]
        given[code] = {}
        for name, value in values.items():
            if name not in names:
                valid = f"可用的参数：{'、'.join(names)}。" if names else "该检查项没有可设置的参数。"
                raise RulesError(f"{_where(rules)}中“checks.{code}.{name}”无法识别：{name} 不是检查项"
                                 f" {code} 的参数。{valid}")
            try:
                given[code][name] = check.parameter(name).validate(value)
            except ValueError as err:
                raise RulesError(f"{_where(rules)}中“checks.{code}.{name}”{err}。") from None
    parameters = {check.code: {p.name: given.get(check.code, {}).get(p.name, p.default_for(rules))
                               for p in check.parameters} for check in checks}
    return Settings(enabled=tuple(c for c in codes if c not in disabled), disabled=tuple(disabled),
                    parameters=parameters, given=given)


def validate(rules: RuleSet) -> RuleSet:
    """``rules`` itself once its ``checks`` settings are valid (for commands that check early)."""
    settings(rules)
    return rules


__all__ = ["BUILTIN", "ORDER", "ENTRY_POINT_GROUP", "Settings", "all_checks", "check_codes",
           "close_codes", "get_check", "settings", "validate"]
