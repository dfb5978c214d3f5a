"""A column's role, read from its heading's parts, confirmed from what the column holds.

``headers.inferred_role`` says what a heading no synonym lists probably is ("参考分值" ->
weight).  Before the reader uses such a column, :func:`confirm_role` looks at its cells: weights
are small numbers (their sum is reported beside the printed total), targets carry operators,
units or dates, scores are numbers that do not exceed their row's weight, units are short
words.  The result says whether the role holds and why, in Chinese, for the HEADER_INFERRED
finding (or the UNKNOWN_COLUMN finding when it does not hold).  Pure: no grid, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass

from perfnb.reading.values import ParsedValue

# At least this share of a weight or score column's filled cells must be numbers.
CONFIRM_NUMBER_SHARE = 0.6
# At least this share of a score column's numbers must not exceed their row's weight.
CONFIRM_SCORE_WITHIN = 0.8
# A unit column's cells are short words without digits.
MAX_UNIT_LENGTH = 6
CONFIRM_UNIT_SHARE = 0.6
# A weight is a number of points between 0 and this.
MAX_ROLE_WEIGHT = 100.0
SCORE_TOLERANCE = 0.005
# Units a weight or score may be written with ("5分", "20%" meaning 20 points).
POINT_UNITS = ("", "分", "%")

ROLE_NAMES = {"weight": "分值", "score": "得分", "actual": "实际完成值", "target": "年度指标值",
              "measure_unit": "计量单位", "deviation_reason": "偏差原因分析及改进措施",
              "review_score": "复核得分"}


@dataclass(frozen=True)
class RoleCheck:
    confirmed: bool
    evidence: str          # Chinese: what in the column confirmed (or contradicted) the role


def _filled(cells: list[ParsedValue]) -> list[ParsedValue]:
    return [cell for cell in cells if not cell.is_blank and not cell.not_applicable]


def _points(cells: list[ParsedValue]) -> list[float | None]:
    return [cell.number if cell.number is not None and cell.unit in POINT_UNITS
            and cell.operator is None else None for cell in cells]


def confirm_role(role: str, cells: list[ParsedValue], weights: list[float | None] | None = None,
                 printed_total: float | None = None) -> RoleCheck:
    """Does the content of a column (``cells``, its indicator rows in order) bear out ``role``?

    ``weights`` are the same rows' weights (for a score column), ``printed_total`` the number
    the table's 合计/总分 row prints in the column (for a weight column), when known.
    """
    filled = _filled(cells)
    if role == "weight":
        points = [p for p in _points(filled)]
        numbers = [p for p in points if p is not None]
        if not filled or len(numbers) < CONFIRM_NUMBER_SHARE * len(filled):
            return RoleCheck(False, "该列大多不是数字")
        if any(not 0 <= n <= MAX_ROLE_WEIGHT for n in numbers):
            return RoleCheck(False, f"该列有超出 0–{MAX_ROLE_WEIGHT:g} 的数")
        total = round(sum(numbers), 4)
        evidence = f"{len(numbers)} 个数值，合计 {total:g}"
        if printed_total is not None:
            evidence += "，与合计行相符" if abs(total - printed_total) <= SCORE_TOLERANCE \
                else f"，合计行为 {printed_total:g}"
        return RoleCheck(True, evidence)
    if role in ("score", "review_score"):
        points = _points(cells)
        numbers = [p for p in points if p is not None]
        if not filled:
            return RoleCheck(True, "该列尚未填写")
        if len(numbers) < CONFIRM_NUMBER_SHARE * len(filled):
            return RoleCheck(False, "该列大多不是数字")
        pairs = [(p, w) for p, w in zip(points, weights or [None] * len(points))
                 if p is not None and w is not None]
        if pairs:
            within = sum(p <= w + SCORE_TOLERANCE for p, w in pairs)
            if within < CONFIRM_SCORE_WITHIN * len(pairs):
                return RoleCheck(False, f"{len(pairs)} 个数值中有 {len(pairs) - within} 个超过同行分值")
            if within == len(pairs):
                return RoleCheck(True, f"{len(numbers)} 个数值，均不超过同行分值")
            return RoleCheck(True, f"{len(numbers)} 个数值，{within} 个不超过同行分值")
        return RoleCheck(True, f"{len(numbers)} 个数值")
    if role == "target":
        if not filled:
            return RoleCheck(False, "该列为空")
        marked = sum(cell.operator is not None or bool(cell.unit) or cell.date is not None
                     or cell.range_high is not None for cell in filled)
        if marked:
            return RoleCheck(True, f"{marked} 项带比较符号、计量单位或日期")
        numbers = sum(cell.number is not None for cell in filled)
        words = len(filled) - numbers
        if words:
            return RoleCheck(True, f"{words} 项为文字指标值")
        return RoleCheck(True, f"{numbers} 个数值")
    if role == "measure_unit":
        short = sum(len(cell.text) <= MAX_UNIT_LENGTH and not any(ch.isdigit() for ch in cell.text)
                    for cell in filled)
        if filled and short < CONFIRM_UNIT_SHARE * len(filled):
            return RoleCheck(False, "该列不是计量单位（多为长文字或数字）")
        return RoleCheck(True, f"{short} 项为计量单位" if filled else "该列尚未填写")
    # actual, deviation_reason: anything written there is what the heading says
    return RoleCheck(True, f"{len(filled)} 项已填写" if filled else "该列尚未填写")
