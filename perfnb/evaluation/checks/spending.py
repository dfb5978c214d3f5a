"""Spending against results (issue 19): results claimed ahead of the money spent.

PERFORMANCE_AHEAD_OF_SPENDING and FUNDS_UNSPENT are the two warning lights of the integrated
budget systems' 自评预警 (review-practice.md §1): red when (indicator score ÷ indicator weight −
budget score ÷ budget weight) ÷ (indicator score ÷ indicator weight) exceeds 5 %, yellow when
the adjusted budget is 0 or more than 20 % of the funds stay unspent.
OUTPUT_WITHOUT_SPENDING (outputs in full on near-zero spending) and FULL_SCORE_LOW_EXECUTION
(a self-score of 100 with execution below 90 %) are findings reviewers wrote (§2).
"""
from __future__ import annotations

import numpy as np

from perfnb.evaluation.checks.basis import BASIS_10
from perfnb.evaluation.checks.registry import WARNING, Check, Choice, Hit, Parameter
from perfnb.evaluation.scoring import numbers, unit_codes
from perfnb.model import LEVEL1_OUTPUT

SYSTEM = "预算管理一体化系统绩效模块的自评预警（见 review-practice.md §1）"
REVIEW_PRACTICE = "会计师事务所项目支出绩效自评复核发现（见 review-practice.md §2）"


def _rates(ctx):
    """Per unit: indicator score rate, budget score rate (NaN where they cannot be computed)."""
    t = ctx.totals
    with np.errstate(invalid="ignore", divide="ignore"):
        indicator_rate = np.where(t.indicator_weight > 0, t.indicator_score / t.indicator_weight, np.nan)
        budget_rate = np.where(t.budget_weight > 0, t.budget_score / t.budget_weight, np.nan)
    return indicator_rate, budget_rate


def _budget_where(ctx, n):
    budgets = ctx.scored["budgets"]
    return {"unit_code": np.arange(n),
            "sheet": budgets["sheet"].to_numpy(object) if "sheet" in budgets else None,
            "row": budgets["row"] if "row" in budgets else None}


# -- PERFORMANCE_AHEAD_OF_SPENDING ---------------------------------------------------------

def _performance_ahead(ctx, params):
    t, b = ctx.totals, ctx.budgets
    if t is None or b is None:
        return
    indicator_rate, budget_rate = _rates(ctx)
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = (indicator_rate - budget_rate) / indicator_rate
        ahead = (indicator_rate > 0) & ~np.isnan(budget_rate) & b.has_rate & \
            (gap > params["margin"] + 1e-12)
    fields = {"indicator_rate": indicator_rate, "budget_rate": budget_rate, "gap": gap,
              "indicator_score": t.indicator_score, "indicator_weight": t.indicator_weight,
              "budget_score": t.budget_score, "budget_weight": t.budget_weight,
              "rate": b.rate, "margin": params["margin"]}
    yield Hit(ahead, "message", fields, column=b.header("rate"), indicator="预算执行率",
              **_budget_where(ctx, len(ahead)))


PERFORMANCE_AHEAD_OF_SPENDING = Check(
    code="PERFORMANCE_AHEAD_OF_SPENDING", severity=WARNING, table="units",
    title="绩效快于支出", summary="指标得分率明显高于预算执行得分率（一体化系统红灯）",
    what="按预算管理一体化系统的自评预警公式：（指标得分率 − 预算执行得分率）÷ 指标得分率 "
         "超过 margin（默认 5%）即报告。指标得分率 = 各项指标得分之和 ÷ 指标分值之和（通常 ÷ 90），"
         "预算执行得分率 = 预算执行得分 ÷ 其分值（÷ 10）。",
    why="钱没花出去，产出和效益却自评接近满分，说明绩效可能被高估，或指标值定得太低；"
        "一体化系统对这种自评亮红灯，复核时应优先核实。",
    example="执行率 88.49%（8.85 / 10 分），指标得分 88.75 / 90 分（98.61%）："
            "（98.61% − 88.49%）÷ 98.61% = 10.3%，超过 5%。",
    basis=f"{SYSTEM}：（指标得分 ÷ 90 − 预算得分 ÷ 10）÷（指标得分 ÷ 90）> 5% 亮红灯。",
    messages={"message": "指标得分率 {indicator_rate:pct}（{indicator_score:num} / {indicator_weight:num} 分）"
                         "高于预算执行得分率 {budget_rate:pct}（{budget_score:num} / {budget_weight:num} 分，"
                         "执行率 {rate:pct}），相差 {gap:pct}（按指标得分率计），超过 {margin:.0%}："
                         "绩效快于支出。请核实未花完资金的情况下产出和效益是否真的已经达成，"
                         "或指标值是否定得过低。"},
    parameters=(Parameter("margin", "指标得分率超出预算执行得分率的比例（0 到 1）", default=0.05,
                          low=0, high=1),),
    condition=_performance_ahead)


# -- FUNDS_UNSPENT -------------------------------------------------------------------------

def _funds_unspent(ctx, params):
    b = ctx.budgets
    if b is None:
        return
    share = params["share"]
    with np.errstate(invalid="ignore"):
        zero_budget = (b.base == 0) & ~np.isnan(b.executed)
        unspent = b.has_rate & (1 - b.rate > share + 1e-12)
    fields = {"rate": b.rate, "unspent_share": 1 - b.rate, "unspent": b.base - b.executed,
              "base": b.base, "base_label": b.base_label, "executed": b.executed, "share": share}
    yield Hit(unspent | zero_budget, Choice([(zero_budget, "zero")], "unspent"), fields,
              column=b.header("rate"), **b.where)


FUNDS_UNSPENT = Check(
    code="FUNDS_UNSPENT", severity=WARNING, table="budgets",
    title="资金结余过多", summary="超过 20% 的资金未使用，或预算数为 0（一体化系统黄灯）",
    what="预算执行率低于 1 − share（share 默认 20%，即执行率低于 80%），或全年预算数为 0。"
         "与 LOW_EXECUTION 不同，说明了原因也报告：这是资金本身的问题，不是填报的问题。",
    why="大量资金沉淀说明项目预算编得不实或执行缓慢，一体化系统对此亮黄灯；"
        "结余资金应按规定收回统筹，并在下年预算中压减。",
    example="全年预算 100 万元，执行 70 万元：30 万元（30%）未使用。",
    basis=f"{SYSTEM}：调整后预算为 0 或结余超过 20% 亮黄灯；{BASIS_10}（预算执行情况）。",
    messages={"unspent": "{base_label} {base:num} 万元中有 {unspent:num} 万元（{unspent_share:pct}）未使用"
                         "（执行率 {rate:pct}），超过 {share:.0%}。请说明资金结余的原因及处理"
                         "（收回、结转），并在下年预算中据实安排。",
              "zero": "{base_label}为 0，却有全年执行数 {executed:num} 万元：无法判断资金使用情况。"
                      "请填写调整后的预算数。"},
    parameters=(Parameter("share", "未使用资金占预算的比例上限（0 到 1）", default=0.2, low=0, high=1),),
    condition=_funds_unspent)


# -- OUTPUT_WITHOUT_SPENDING ---------------------------------------------------------------

def _output_without_spending(ctx, params):
    b = ctx.budgets
    dims = ctx.scored.get("dimensions")
    if b is None or dims is None or not len(dims):
        return
    n = len(ctx.unit_ids)
    output = dims[dims["level1"].astype(str) == LEVEL1_OUTPUT]
    if not len(output):
        return
    codes = unit_codes(ctx.unit_ids, output, "一级指标")
    rate_of_output = np.full(n, np.nan)
    rate_of_output[codes] = numbers(output, "score_rate")
    with np.errstate(invalid="ignore"):
        full = rate_of_output >= params["output_share"] - 1e-9
        idle = b.has_rate & (b.rate <= params["max_rate"] + 1e-12)
    fields = {"rate": b.rate, "executed": b.executed, "base": b.base, "base_label": b.base_label,
              "output_rate": rate_of_output, "max_rate": params["max_rate"]}
    yield Hit(full & idle, "message", fields, column=b.header("rate"), indicator=LEVEL1_OUTPUT,
              **_budget_where(ctx, n))


OUTPUT_WITHOUT_SPENDING = Check(
    code="OUTPUT_WITHOUT_SPENDING", severity=WARNING, table="units",
    title="没有支出却完成了产出", summary="执行率接近 0，产出指标却全部完成",
    what="预算执行率不超过 max_rate（默认 10%），产出指标的得分率却达到 output_share（默认 100%）。",
    why="几乎没有花钱，产出却全部完成，要么产出不是本项目资金形成的，要么完成值不实；"
        "复核中见过“预算 132.81 万元、支出 1,000 元，却服务 748 人”。",
    example="全年预算 132.81 万元、执行 0.1 万元（0.08%），产出指标全部满分。",
    basis=f"{REVIEW_PRACTICE}（资金未支出而产出完成，列为 P0 问题）。",
    messages={"message": "预算执行率只有 {rate:pct}（{base_label} {base:num} 万元，执行 {executed:num} 万元），"
                         "产出指标得分率却为 {output_rate:pct}。请核实产出是否由本项目资金形成、"
                         "完成值是否属实，并提供佐证材料。"},
    parameters=(Parameter("max_rate", "视为“几乎没有支出”的执行率上限（0 到 1）", default=0.1,
                          low=0, high=1),
                Parameter("output_share", "视为“产出全部完成”的产出指标得分率（0 到 1）", default=1.0,
                          low=0, high=1)),
    condition=_output_without_spending)


# -- FULL_SCORE_LOW_EXECUTION --------------------------------------------------------------

def _full_score_low_execution(ctx, params):
    t, b = ctx.totals, ctx.budgets
    if t is None or b is None:
        return
    with np.errstate(invalid="ignore"):
        full = ~np.isnan(t.reported_total) & (t.weight > 0) & \
            (t.reported_total >= t.weight - ctx.tol)
        low = b.has_rate & (b.rate < params["threshold"] - 1e-12)
    fields = {"reported_total": t.reported_total, "rate": b.rate, "threshold": params["threshold"],
              "total": t.total}
    yield Hit(full & low, "message", fields, unit_code=t.codes, sheet=t.column("reported_total_sheet"),
              row=t.series("reported_total_row"), column="总分", indicator="总分")


FULL_SCORE_LOW_EXECUTION = Check(
    code="FULL_SCORE_LOW_EXECUTION", severity=WARNING, table="units",
    title="满分而执行率偏低", summary="自评总分为满分，预算执行率却低于 90%",
    what="单位自评的总分为满分（100 分），而预算执行率低于 threshold（默认 90%）。",
    why="执行率低于 90% 时预算执行一项就拿不到满分，总分满分说明自评打分不实；"
        "复核中“全部项目自评 100 分”被列为自评流于形式。",
    example="自评总分 100 分，执行率 85%：预算执行最多得 8.5 分。",
    basis=f"{REVIEW_PRACTICE}；{BASIS_10}：预算执行得分 = 执行率 × 分值。",
    messages={"message": "自评总分 {reported_total:num} 分为满分，而预算执行率只有 {rate:pct}"
                         "（低于 {threshold:.0%}），按规则总分为 {total:num} 分。请按实际情况重新自评。"},
    parameters=(Parameter("threshold", "执行率下限（0 到 1）", default=0.9, low=0, high=1),),
    condition=_full_score_low_execution)


CHECKS = (PERFORMANCE_AHEAD_OF_SPENDING, FUNDS_UNSPENT, OUTPUT_WITHOUT_SPENDING,
          FULL_SCORE_LOW_EXECUTION)
