"""The sentences and figure formats every output of an evaluation shares: the terminal text
(:mod:`perfnb.reporting.terminal`), the HTML/Typst tables (:mod:`perfnb.reporting.display`),
the narrative report and the Office files.  Declared once, so the outputs never word the same
fact differently.  The data model (:mod:`perfnb.evaluation.result`) holds no user-facing text.
"""
from __future__ import annotations

from perfnb.evaluation.result import STATUS_COUNT_KEYS, _number
from perfnb.model import NO_TOTAL, STATUS_LABELS, UNWEIGHTED, WEIGHTING_LABELS

__all__ = ["NOT_STATED", "RATE_NOT_COMPUTABLE", "UNWEIGHTED_NOTE", "UNWEIGHTED_TOTAL_TEXT",
           "BUDGET_ONLY_NOTE", "show", "show_percent", "partial_total_text", "unweighted_note",
           "achievement_text"]


def show(value, digits: int = 2) -> str:
    """A number for display: 2 decimals, '' for missing."""
    number = _number(value, digits)
    return "" if number is None else f"{number:.{digits}f}"


def show_percent(value, digits: int = 2) -> str:
    """A ratio as a percentage with ``digits`` decimals, '' for missing."""
    number = _number(value, digits + 2)
    return "" if number is None else f"{number * 100:.{digits}f}%"


# A figure the form or report does not give, and a rate that cannot be computed without it.
NOT_STATED = "未填"
RATE_NOT_COMPUTABLE = "无法计算"


def partial_total_text(coverage: dict) -> str:
    """What a partial total is (rows not read left out), for the score text and the reports."""
    return (f"部分合计：总分只计入表中 {coverage['indicators_printed']} 项指标中读入的 "
            f"{coverage['indicators_counted']} 项（其余行无法读取，见 TOTAL_PARTIAL），不是完整的总分")


# What an unweighted evaluation says instead of a total (reports, screening, terminal).
UNWEIGHTED_NOTE = "本表未印分值（权重），不计算总分和等级，作未加权评价：逐项评定完成情况"
UNWEIGHTED_TOTAL_TEXT = f"{NO_TOTAL}（{WEIGHTING_LABELS[UNWEIGHTED]}）"

# ... and what a budget-only evaluation says (a narrative report with no indicator table:
# pub24–26), where "本表未印分值" and "逐项评定" have nothing to refer to.
BUDGET_ONLY_NOTE = "报告中没有绩效指标表，不计算总分和等级，只评价预算执行"


def unweighted_note(counts: dict) -> str:
    """The sentence an unweighted evaluation prints in place of a total: the item-by-item
    note with its achievement counts, or the budget-only note when there are no indicators."""
    if not sum(int(counts.get(key) or 0) for key in STATUS_COUNT_KEYS):
        return BUDGET_ONLY_NOTE
    return f"{UNWEIGHTED_NOTE}（{achievement_text(counts)}）"


def achievement_text(counts: dict) -> str:
    """“16 项：达成 14，部分达成 0，未达成 1，缺失 1”."""
    total = sum(int(counts.get(key) or 0) for key in STATUS_COUNT_KEYS)
    parts = "，".join(f"{STATUS_LABELS[key]} {int(counts.get(key) or 0)}" for key in STATUS_COUNT_KEYS)
    return f"{total} 项：{parts}"
