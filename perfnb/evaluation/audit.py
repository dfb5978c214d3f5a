"""The audit: what a reviewer checks in the figures a unit reported.

:func:`audit` runs every check of the registry (:mod:`perfnb.evaluation.checks.catalog`) that
the rule set enables, over the input tables and the scored tables of
:func:`perfnb.evaluation.scoring.score_tables` of all units at once, and returns one DataFrame
of findings (``FINDING_COLUMNS`` of model.py).  Each finding has a stable ``code`` (a check,
see ``perfnb checks`` / ``perfnb explain CODE``), a severity (error / warning / info), a
location (sheet, row, column header, indicator) and a Chinese message that gives both figures
and says what to do.

Findings are ordered by unit, severity, row (findings without a row last), then the check's
place in the registry; findings that tie on all four keep the order their check produced them.
"""
from __future__ import annotations

import pandas as pd

from perfnb.evaluation.checks.catalog import BUILTIN, all_checks, settings
from perfnb.evaluation.checks.facts import HEADERS, AuditContext
from perfnb.evaluation.checks.registry import Check, Hit
from perfnb.evaluation.checks.render import (ERROR, INFO, SEVERITY_LABELS, SEVERITY_ORDER, WARNING,
                                             Findings, render_message)
from perfnb.evaluation.rules import RuleSet, get_rules
from perfnb.model import UnitTables

# code -> (Chinese title, what it checks) of the built-in checks.  Codes are stable: notebooks
# and scripts key on them.  The full declarations: perfnb.evaluation.checks.catalog.
UNIT_SCOPE = "unit"
CODES: dict[str, tuple[str, str]] = {check.code: (check.title, check.summary) for check in BUILTIN}


def _add(out: Findings, check: Check, hit: Hit) -> None:
    out.add(check.code, hit.severity or check.severity, hit.mask, unit_code=hit.unit_code,
            sheet=hit.sheet, row=hit.row, column=hit.column, indicator=hit.indicator,
            message=lambda take: render_message(hit.message, check.messages, hit.fields, take))


def audit(tables: UnitTables, scored: dict[str, pd.DataFrame], rules: RuleSet | str = "central",
          only: tuple[str, ...] | None = None) -> pd.DataFrame:
    """All findings for all units, ordered by unit, severity, row: ``FINDING_COLUMNS``
    (``only``: just the checks with these codes, e.g. those of the review record)."""
    rules = get_rules(rules)
    checks = all_checks()
    config = settings(rules, checks)
    ctx = AuditContext(tables, scored, rules, config.parameters)
    out = Findings({check.code: rank for rank, check in enumerate(checks)})
    enabled = set(config.enabled) if only is None else set(config.enabled) & set(only)
    for check in checks:
        if check.code in enabled and check.scope == UNIT_SCOPE:   # batch/years: redflags.py
            for hit in check.condition(ctx, config.parameters[check.code]):
                _add(out, check, hit)
    return out.frame(ctx.unit_ids)


__all__ = ["audit", "CODES", "HEADERS", "SEVERITY_LABELS", "SEVERITY_ORDER", "ERROR", "WARNING",
           "INFO"]
