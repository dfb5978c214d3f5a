"""The department's 复核报告: its tables, from a batch's result.json files.

* :func:`review_scope` — units reviewed of all, funds and indicators they cover;
* :func:`problem_list` — every 复核 adjustment as a problem, ranked P0 / P1 / P2 by the review
  profile's ``problem_ranks`` (P0: the adjustment moves the total by ≥ ``p0_points``, or undoing
  it alone would give the unit another grade; P1: ≥ ``p1_points``; else P2), with the clause it rests on and
  a recommendation (the clause's ``advice``, else a general one): at least one per problem.
  An unweighted unit (no 分值) has no points to move: each indicator whose 达成 / 部分达成 / 未达成
  the review changed is a problem (自评达成 / 复核达成), P1 when lowered by two levels, else P2.

``notebooks/review_report.ipynb`` shows them with :func:`perfnb.reporting.summary.review_table`
(自评 vs 复核, 偏离度, 自评质量) and :func:`perfnb.reporting.summary.department_review_table`.
"""
from __future__ import annotations

import math

import pandas as pd

from perfnb.reporting.summary import _results

__all__ = ["review_scope", "problem_list", "RANKS"]

RANKS = ("P0", "P1", "P2")
# An unweighted unit's indicator has no points: its problem is a changed achievement (达成 /
# 部分达成 / 未达成), P1 when the review lowered it by this many levels (达成 → 未达成), else P2.
UNWEIGHTED_P1_LEVELS = 2
ACHIEVEMENT_ORDER = ("达成", "部分达成", "未达成")


def _number(value) -> float:
    try:
        return float(value) if value is not None else math.nan
    except (TypeError, ValueError):
        return math.nan


def review_scope(results_dir, department: str | None = None) -> pd.DataFrame:
    """One row per measure: 单位, 资金（万元）, 指标 — all, reviewed, share (Chinese labels)."""
    units = funds_all = funds_done = indicators_all = indicators_done = reviewed = 0
    for _, data in _results(results_dir, department):
        budget = data.get("budget") or {}
        funds = _number(budget.get("adjusted"))
        funds = funds if funds == funds else _number(budget.get("initial"))
        funds = 0.0 if funds != funds else funds
        count = len(data.get("indicators") or [])
        units += 1
        funds_all += funds
        indicators_all += count
        if data.get("reviewed"):
            reviewed += 1
            funds_done += funds
            indicators_done += count
    rows = [("单位（个）", units, reviewed), ("资金（万元）", round(funds_all, 2), round(funds_done, 2)),
            ("指标（个）", indicators_all, indicators_done)]
    return pd.DataFrame([{"项目": name, "全部": total, "已复核": done,
                          "覆盖率": f"{done / total:.2%}" if total else "—"} for name, total, done in rows])


def _rules(name):
    from perfnb.errors import PerfnbError
    from perfnb.evaluation.rules import get_rules

    try:
        return get_rules(name or "central")
    except PerfnbError:   # a rule file not at hand: the central grade bands
        return get_rules("central")


def problem_list(results_dir, department: str | None = None, profile=None) -> pd.DataFrame:
    """Every adjusted indicator of every reviewed unit as a ranked problem (see the module)."""
    from perfnb.evaluation.review_rules import DEFAULT_ADVICE, get_review_rules

    profile = get_review_rules(profile)
    p0, p1 = profile.problem_ranks["p0_points"], profile.problem_ranks["p1_points"]
    rows = []
    for _, data in _results(results_dir, department):
        reviewed = data.get("reviewed") or {}
        deviation = reviewed.get("deviation") or {}
        grade_changed = bool(deviation.get("grade_changed"))
        review_total = _number(deviation.get("review_total", reviewed.get("total")))
        rules = _rules((data.get("rules") or {}).get("name"))
        for item in reviewed.get("indicators") or []:
            if not item.get("reviewed"):
                continue
            reported = _number(item.get("reported_score"))
            base = reported if reported == reported else _number(item.get("computed_score"))
            gap = base - _number(item.get("final_score"))
            achievement = item.get("achievement") or {}
            own, judged = achievement.get("self"), achievement.get("review")
            if achievement:   # an unweighted unit: the review changed the achievement, or not
                if own not in ACHIEVEMENT_ORDER or judged not in ACHIEVEMENT_ORDER or own == judged:
                    continue
                steps = ACHIEVEMENT_ORDER.index(judged) - ACHIEVEMENT_ORDER.index(own)
                rank = "P1" if steps >= UNWEIGHTED_P1_LEVELS else "P2"
                gap = math.nan
            elif gap != gap or abs(gap) < 0.005:
                continue
            else:
                # P0 also when undoing this adjustment alone would give the unit another grade
                pivotal = grade_changed and review_total == review_total and \
                    rules.grade_of(review_total + gap) != rules.grade_of(review_total)
                rank = "P0" if abs(gap) >= p0 - 1e-9 or pivotal else \
                    "P1" if abs(gap) >= p1 - 1e-9 else "P2"
            clauses = [profile.clause(code) for code in item.get("clauses") or []]
            clauses = [c for c in clauses if c is not None]
            advice = "；".join(dict.fromkeys(c.advice for c in clauses if c.advice)) or DEFAULT_ADVICE
            rows.append({
                "级别": rank, "主管部门": data.get("department") or "", "单位编号": data.get("unit_id"),
                "指标": item.get("name"), "自评得分": round(base, 2),
                "复核得分": round(_number(item.get("final_score")), 2), "调整分值": round(-gap, 2),
                "自评达成": own or "", "复核达成": judged or "",
                "复核口径": "；".join(f"{c.code} {c.title}" for c in clauses)
                or (f"复核档次“{item['level']}”（评分规则）" if item.get("level") else "（未引用条款）"),
                "问题": item.get("reason") or "", "建议": advice})
    frame = pd.DataFrame(rows, columns=["级别", "主管部门", "单位编号", "指标", "自评得分", "复核得分",
                                        "调整分值", "自评达成", "复核达成", "复核口径", "问题", "建议"])
    if len(frame):
        frame["_rank"] = frame["级别"].map(RANKS.index)
        frame["_size"] = -frame["调整分值"].abs().fillna(0)
        frame = frame.sort_values(["_rank", "_size", "单位编号"]).drop(columns=["_rank", "_size"])
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame
