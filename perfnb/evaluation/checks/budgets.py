"""Checks of the funds block: the reported 执行率 and its score, low execution, the total line.

A reason present in the data (the budget's 偏差原因 / 原因) silences LOW_EXECUTION.
"""
from __future__ import annotations

import numpy as np

from perfnb.evaluation.checks.basis import BASIS_10, FORM_10
from perfnb.evaluation.checks.registry import ERROR, WARNING, Check, Choice, Fragment, Hit, Parameter


def _budget_mismatch(ctx, params):
    b = ctx.budgets
    if b is None:
        return
    with np.errstate(invalid="ignore"):
        rate_off = b.has_rate & ~np.isnan(b.reported_rate) & \
            (np.abs(b.reported_rate - b.rate) > params["rate_tolerance"] + 1e-12)
        # no rate to compute (amounts blank): MISSING_VALUE says so, not a mismatch
        score_off = b.has_rate & ~np.isnan(b.reported_score) & \
            (np.abs(b.reported_score - b.score) > params["tolerance"] + 1e-9)
    fields = {"reported_rate": b.reported_rate, "rate": b.rate, "executed": b.executed,
              "base_label": b.base_label, "base": b.base, "reported_score": b.reported_score,
              "score": b.score, "weight": b.weight}
    yield Hit(rate_off, "rate", fields, column=b.header("rate"), **b.where)
    # the score where it was read (a 预算执行率 row of the indicator table, else the funds line)
    yield Hit(score_off, "score", fields, column=b.header("budget_score"), **b.score_where)


BUDGET_MISMATCH = Check(
    code="BUDGET_MISMATCH", severity=ERROR, table="budgets",
    title="预算执行率或得分不符", summary="填报的执行率或预算执行得分与计算值不一致",
    what="按全年执行数 ÷ 全年预算数（未填全年预算数时用年初预算数）计算预算执行率，"
         "按执行率（超过 100% 按 100% 计）× 分值计算预算执行得分，与填报的执行率、得分比较。",
    why="预算执行率是自评表唯一由金额直接算出的指标，填报值与计算值不符，说明金额或计算有误，"
        "也会使总分不准。",
    example="年初预算 2229 万元、执行 1972.41 万元，执行率应为 88.49%、得分 8.85 分（分值 10 分）；"
            "填报 90%、9 分即报告。",
    basis=f"{BASIS_10}：预算执行率 = 全年执行数 ÷ 全年预算数，得分 = 执行率 × 分值（不超过分值）。",
    messages={"rate": "填报的预算执行率 {reported_rate:pct} 与按全年执行数 {executed:num} 万元 ÷ "
                      "{base_label} {base:num} 万元计算的 {rate:pct} 不一致。请更正执行率。",
              "score": "填报的预算执行率得分 {reported_score:num} 分，按规则应为 {score:num} 分（执行率 "
                       "{rate:pct}，超过 100% 按 100% 计，乘以分值 {weight:num} 分）。请更正得分。"},
    parameters=(Parameter("rate_tolerance", "执行率比对允许误差", rule_key="rate_tolerance", low=0),
                Parameter("tolerance", "得分比对允许误差（分）", rule_key="tolerance", low=0)),
    condition=_budget_mismatch)


def _low_execution(ctx, params):
    b = ctx.budgets
    if b is None:
        return
    threshold, required = params["threshold"], params["reason_required"]
    with np.errstate(invalid="ignore"):
        low = b.has_rate & (b.rate < threshold - 1e-12) & b.reason_blank
    fields = {"rate": b.rate, "executed": b.executed, "base_label": b.base_label, "base": b.base,
              "threshold": threshold, "rules_title": ctx.rules.title,
              "required": Fragment("required") if required else ""}
    yield Hit(low, "message", fields, column=b.header("budget_reason"),
              severity=ERROR if required else WARNING, **b.where)


LOW_EXECUTION = Check(
    code="LOW_EXECUTION", severity=WARNING, table="budgets",
    title="预算执行率偏低", summary="执行率低于规定下限且未说明原因",
    what="预算执行率低于下限（threshold，默认取评分规则的 low_execution_rate，即 90%），"
         "而预算执行的偏差原因栏为空。规则要求必须说明原因时（reason_required，四川为 true）"
         "报错误，否则报警告。",
    why="执行率偏低说明资金没有按计划使用，可能影响绩效目标的实现和下一年度的预算安排；"
        "需要说明原因（项目延期、采购节约、资金结转等）和改进措施。",
    example="年初预算 100 万元、执行 85 万元（85%），原因栏为空。",
    basis=f"{BASIS_10}（预算执行情况）；四川省项目支出绩效自评表要求执行率低于 90% 时填写原因。",
    messages={"message": "预算执行率 {rate:pct}（全年执行数 {executed:num} 万元 ÷ {base_label} {base:num} "
                         "万元）低于 {threshold:.0%}，未说明原因。{required}"
                         "请说明执行偏低的原因（如项目延期、采购节约、资金结转）及改进措施。",
              "required": "按“{rules_title}”，执行率低于 {threshold:.0%} 必须说明原因。"},
    parameters=(Parameter("threshold", "须说明原因的执行率下限（0 到 1）", rule_key="low_execution_rate",
                          low=0, high=1),
                Parameter("reason_required", "执行率低于下限时是否必须说明原因（是则报错误）",
                          rule_key="low_execution_requires_reason", kind=bool)),
    condition=_low_execution)


def _funds_total_mismatch(ctx, params):
    funds = ctx.funds
    if funds is None:
        return
    total = funds.is_total
    amounts = [funds.amounts[c] for c in ("initial", "adjusted", "executed")]
    blank = np.all([np.isnan(a) for a in amounts], axis=0)
    blank_or_zero = np.all([np.isnan(a) | (a == 0) for a in amounts], axis=0)
    sums = {c: s[funds.codes] for c, s in funds.part_sums.items()}
    parts_carry_money = np.any([s > 0 for s in sums.values()], axis=0)
    fields = {**sums, "state": Choice([(blank, "blank")], "zero"),
              "budget": Choice([(~np.isnan(sums["adjusted"]), "adjusted")], "initial")}
    yield Hit(total & blank_or_zero & parts_carry_money, "message", fields, column=None,
              **funds.where)


FUNDS_TOTAL_MISMATCH = Check(
    code="FUNDS_TOTAL_MISMATCH", severity=WARNING, table="budget_lines",
    title="资金总额行为空或为 0", summary="年度资金总额行为空或为 0，而其中各项填有金额",
    what="资金表的“年度资金总额”行的年初预算数、全年预算数、全年执行数都为空或为 0，"
         "而其下“其中：当年财政拨款 / 上年结转资金 / 其他资金”各行填有金额。",
    why="只有年度资金总额行参与评分；总额行漏填时，预算执行率要按其中各项之和计算。"
        "总额应等于其中各项之和，请更正总额行，使表内数字一致。",
    example="年度资金总额行全为 0，其中当年财政拨款全年执行数 132.91 万元：提示更正总额行。",
    basis=f"{FORM_10}：年度资金总额 = 当年财政拨款 + 上年结转资金 + 其他资金。",
    messages={"message": "年度资金总额{state}，而其中各项合计{budget}、全年执行数 {executed:num} 万元；"
                         "已按其中各项之和评分，请更正总额行。",
              "blank": "为空", "zero": "为 0",
              "adjusted": "全年预算数 {adjusted:num} 万元", "initial": "年初预算数 {initial:num} 万元"},
    condition=_funds_total_mismatch)

CHECKS = (BUDGET_MISMATCH, LOW_EXECUTION, FUNDS_TOTAL_MISMATCH)
