"""Checks of what adds up: 合计/小计 rows, the 总分, the weights, and the grade of the total.

A subtotal row whose score differs from its items is SUBTOTAL_MISMATCH, one whose weight
differs is WEIGHT_ROLLUP (the seed's 效益 合计, 10/10 against 30/30, gets both).
"""
from __future__ import annotations

import numpy as np

from perfnb.evaluation.checks.basis import BASIS_10
from perfnb.evaluation.checks.registry import ERROR, INFO, Check, Choice, Hit
from perfnb.evaluation.checks.render import _fmt_number
from perfnb.evaluation.scoring import unit_codes
from perfnb.model import BUDGET_DIMENSION




def _label(s) -> Choice:
    return Choice([(s.is_level2, "label_level2")], "label_level1")


LABELS = {"label_level2": "“{level2}”小计行", "label_level1": "“{level1}”合计行"}


def _subtotal_mismatch(ctx, params):
    s = ctx.subtotals
    if s is None:
        return
    off = ~np.isnan(s.score) & (np.abs(s.score - s.item_reported) > ctx.tol)
    yield Hit(off, "message", {"label": _label(s), "level1": s.level1, "level2": s.level2,
                               "score": s.score, "item_reported": s.item_reported,
                               "item_computed": s.item_computed},
              column="得分", **s.where)


SUBTOTAL_MISMATCH = Check(
    code="SUBTOTAL_MISMATCH", severity=ERROR, table="reported",
    title="合计得分不符", summary="合计/小计行的得分不等于其下各项得分之和",
    what="一级指标的合计行、二级指标的小计行填报的得分，与其下各三级指标填报得分之和比较"
         "（未填报得分的指标用计算得分）。",
    why="合计与小计是读表人最先看的数字；它们与明细不符，说明表内有抄写或计算错误。",
    example="“效益指标”合计行填报 10 分，而其下三项得分相加为 30 分。",
    basis=f"{BASIS_10}：三级指标得分汇总为二级、一级指标得分。",
    messages={"message": "{label}填报得分 {score:num} 分，但其下各项得分相加为 {item_reported:num} 分"
                         "（按规则计算为 {item_computed:num} 分）。请更正合计得分。", **LABELS},
    condition=_subtotal_mismatch)


def _total_mismatch(ctx, params):
    t = ctx.totals
    if t is None:
        return
    tol = ctx.tol
    with np.errstate(invalid="ignore"):
        total_off = ~np.isnan(t.reported_total) & (np.abs(t.reported_total - t.total) > tol) & \
            ~t.partial
    yield Hit(total_off, "unit", {"reported_total": t.reported_total, "total": t.total,
                                  "budget_score": np.nan_to_num(t.budget_score, nan=0.0),  # no item: 0
                                  "indicator_score": t.indicator_score},
              unit_code=t.codes, sheet=t.column("reported_total_sheet"),
              row=t.series("reported_total_row"), column="总分", indicator="总分")
    # an unweighted form: no total to compute, but its printed scores must make its printed total
    with np.errstate(invalid="ignore"):
        sum_off = t.unweighted & ~np.isnan(t.reported_total) & ~np.isnan(t.reported_sum) & \
            (np.abs(t.reported_total - t.reported_sum) > tol)
    yield Hit(sum_off, "unweighted", {"reported_total": t.reported_total,
                                      "reported_sum": t.reported_sum,
                                      "budget_reported": np.nan_to_num(t.budget_reported, nan=0.0),
                                      "indicator_reported": t.reported_sum
                                      - np.nan_to_num(t.budget_reported, nan=0.0)},
              unit_code=t.codes, sheet=t.column("reported_total_sheet"),
              row=t.series("reported_total_row"), column="总分", indicator="总分")
    r = t.total_rows
    if r is not None:
        with np.errstate(invalid="ignore"):
            off = ~np.isnan(r.score) & (np.abs(r.score - r.expected_score) > tol) & ~r.same_as_unit
        yield Hit(off, "row", {"score": r.score, "expected": r.expected_score}, column="得分", **r.where)


TOTAL_MISMATCH = Check(
    code="TOTAL_MISMATCH", severity=ERROR, table="units",
    title="总分不符", summary="填报的总分与计算的总分不一致",
    what="单位填报的总分（及表末合计行的得分）与按规则计算的总分（预算执行得分 + 各项指标得分）比较；"
         "只合计指标、不含预算执行的合计行与指标得分之和比较。未印分值的表（未加权评价）"
         "没有计算的总分，填报的总分与表中填报的各项得分之和比较。",
    why="总分决定评价等级；填报的总分与明细不符，等级和结论就可能有误。",
    example="填报总分 99 分，按规则计算为 100 分。",
    basis=f"{BASIS_10}：总分 100 分，由预算执行率与各项指标得分相加。",
    messages={"unit": "填报的总分 {reported_total:num} 分与按规则计算的总分 {total:num} 分不一致（预算执行 "
                      "{budget_score:num} 分 + 各项指标 {indicator_score:num} 分）。请更正总分。",
              "row": "合计行填报得分 {score:num} 分，按规则计算应为 {expected:num} 分。请更正合计得分。",
              "unweighted": "填报的总分 {reported_total:num} 分与表中填报的各项得分之和 {reported_sum:num} 分"
                            "不一致（预算执行 {budget_reported:num} 分 + 各项指标 {indicator_reported:num} 分；"
                            "本表未印分值，总分无法按规则计算，只能核对填报数）。请更正总分或各项得分。"},
    condition=_total_mismatch)


def _weight_rollup(ctx, params):
    tol = ctx.tol
    s = ctx.subtotals
    if s is not None:
        # an unweighted form's items have no weights to add up (a weight printed in an 一级
        # label, 湖北's "产出指标（60分）", stands alone)
        off = ~np.isnan(s.weight) & (np.abs(s.weight - s.item_weight) > tol) & ~s.unweighted
        yield Hit(off, "subtotal", {"label": _label(s), "level1": s.level1, "level2": s.level2,
                                    "weight": s.weight, "item_weight": s.item_weight},
                  column="分值", **s.where)
    t = ctx.totals
    if t is None:
        return
    r = t.total_rows
    if r is not None:
        with np.errstate(invalid="ignore"):
            off = ~np.isnan(r.weight) & (np.abs(r.weight - r.expected_weight) > tol)
        yield Hit(off, "total_row", {"weight": r.weight, "expected": r.expected_weight},
                  column="分值", **r.where)
    if s is not None and t.unweighted.any():
        yield _unweighted_label_weights(ctx, s, t, tol)
    # indicators + budget must make the rule set's total
    has_indicators = t.indicator_count > 0
    yield Hit(has_indicators & (np.abs(t.weight - ctx.rules.total_weight) > tol) & ~t.partial, "unit",
              {"indicator_weight": t.indicator_weight,
               "budget_weight": np.nan_to_num(t.budget_weight, nan=0.0),   # no budget item: 0
               "weight": t.weight, "total_weight": _fmt_number(ctx.rules.total_weight),
               "rules_title": ctx.rules.title},
              unit_code=t.codes, sheet=None, row=None, column="分值", indicator="分值合计")


def _unweighted_label_weights(ctx, s, t, tol) -> Hit:
    """A form without indicator weights that prints each dimension's points in its 一级 label
    (湖北's "产出指标（60分）"): those points and the budget's must still make the total."""
    level1 = ~s.is_level2 & ~np.isnan(s.weight) & s.unweighted
    n = t.n
    printed = np.bincount(s.codes[level1], s.weight[level1], minlength=n)
    labelled = np.bincount(s.codes[level1], minlength=n)
    dimensions = ctx.scored["dimensions"]
    rows = (dimensions["level1"] != BUDGET_DIMENSION).to_numpy() & \
        (dimensions["indicator_count"].to_numpy() > 0)
    codes = unit_codes(ctx.unit_ids, dimensions[rows].reset_index(drop=True), "一级指标")
    dimension_count = np.bincount(codes, minlength=n)
    budget = np.nan_to_num(t.budget_weight, nan=0.0)
    total = printed + budget
    with np.errstate(invalid="ignore"):
        off = t.unweighted & (labelled > 0) & (labelled == dimension_count) & \
            (np.abs(total - ctx.rules.total_weight) > tol)
    return Hit(off, "unweighted", {"label_weight": printed, "budget_weight": budget,
                                   "weight": total,
                                   "total_weight": _fmt_number(ctx.rules.total_weight),
                                   "rules_title": ctx.rules.title},
               unit_code=t.codes, sheet=None, row=None, column="分值", indicator="分值合计")


WEIGHT_ROLLUP = Check(
    code="WEIGHT_ROLLUP", severity=ERROR, table="reported",
    title="分值不能汇总", summary="分值合计不等于满分，或合计/小计行的分值不等于其下各项之和",
    what="各项指标的分值加预算执行的分值应等于满分（total_weight，默认 100 分）；"
         "合计行、小计行填报的分值应等于其下各项分值之和。未印各项指标分值的表，"
         "各一级指标标签中标明的分值（如“产出指标（60分）”）加预算执行的分值应等于满分。",
    why="分值是评分的权重，汇总不上说明有指标漏填、多填或分值填错，总分也就失去可比性。",
    example="一项指标分值 80 分加预算执行 10 分共 90 分，不等于满分 100 分。",
    basis=f"{BASIS_10}：总分 100 分；原则上预算执行率 10 分、产出 50 分、效益 30 分、满意度 10 分"
          "（四川：预算执行 10 分 + 绩效指标 90 分）。",
    messages={"subtotal": "{label}填报分值 {weight:num} 分，但其下各项分值相加为 {item_weight:num} 分。"
                          "请核对合计行或各指标的分值。",
              "total_row": "合计行填报分值 {weight:num} 分，但各项分值相加为 {expected:num} 分。"
                           "请核对合计行或各指标的分值。",
              "unit": "各项指标分值 {indicator_weight:num} 分加预算执行分值 {budget_weight:num} 分共 "
                      "{weight:num} 分，不等于满分 {total_weight} 分（{rules_title}）。请核对各指标的分值。",
              "unweighted": "各一级指标标明的分值 {label_weight:num} 分加预算执行分值 {budget_weight:num} 分"
                            "共 {weight:num} 分，不等于满分 {total_weight} 分（{rules_title}；本表未印各项"
                            "指标的分值）。请核对一级指标和预算执行的分值。",
              **LABELS},
    condition=_weight_rollup)


def _grade_bands_text(rules) -> str:
    last = len(rules.grade_bands) - 1
    return "，".join(f"{band.grade} ≥ {_fmt_number(band.min)}" if i < last
                     else f"{band.grade} < {_fmt_number(rules.grade_bands[i - 1].min)}"
                     for i, band in enumerate(rules.grade_bands))


def _grade_mismatch(ctx, params):
    t = ctx.totals
    if t is None:
        return
    reported = t.reported_grade
    off = (reported != None) & (t.grade != None) & (reported != t.grade) & ~t.partial  # noqa: E711
    reported_text = t.column("reported_grade")
    if reported_text is None:
        reported_text = np.full(t.n, "", dtype=object)
    yield Hit(off, "message", {"reported_grade": reported_text, "total": t.total, "grade": t.grade,
                               "bands": _grade_bands_text(ctx.rules)},
              unit_code=t.codes, sheet=t.column("reported_grade_sheet"),
              row=t.series("reported_grade_row"), column="评价等级", indicator="评价等级")


GRADE_MISMATCH = Check(
    code="GRADE_MISMATCH", severity=ERROR, table="units",
    title="评价等级不符", summary="填报的等级与总分所在的等级区间不一致",
    what="单位填报的评价等级或结论（如“优”“良好”“评定为良”）与按规则计算的总分所在的等级比较"
         "（默认：优 ≥ 90，良 80 至 90，中 60 至 80，差 < 60）。",
    why="等级由总分决定；填报的等级与总分不符，自评结论就站不住。",
    example="总分 100 分（优），填报的评价等级为“良好”。",
    basis="财政部预算司的绩效评价等级划分：90 分（含）以上为优，80（含）至 90 分为良，"
          "60（含）至 80 分为中，60 分以下为差；等级区间由评分规则的 grade_bands 设定。",
    messages={"message": "填报的评价等级“{reported_grade:text}”与总分 {total:num} 分对应的等级"
                         "“{grade:text}”不一致（{bands}）。请更正评价等级。"},
    condition=_grade_mismatch)

def _unweighted_form(ctx, params):
    t = ctx.totals
    if t is None or not t.unweighted.any():
        return
    budget = Choice([(~np.isnan(t.budget_weight) & ~np.isnan(t.budget_rate), "budget_scored"),
                     (~np.isnan(t.budget_weight), "budget_no_rate"),
                     (~np.isnan(t.budget_rate) & (t.indicator_count == 0), "budget_rate_report"),
                     (~np.isnan(t.budget_rate), "budget_rate")], "budget_none")
    counts = t.status_counts
    message = Choice([(t.indicator_count == 0, "budget_only")], "message")
    yield Hit(t.unweighted, message,
              {"budget": budget, "budget_weight": t.budget_weight, "budget_score": t.budget_score,
               "rate": t.budget_rate, "count": t.indicator_count, "met": counts["met"],
               "partial": counts["partial"], "unmet": counts["unmet"], "missing": counts["missing"],
               "reported": Choice([(~np.isnan(t.reported_total), "reported_total")],
                                  "reported_none"),
               "reported_total": t.reported_total},
              unit_code=t.codes, sheet=None, row=None, column="分值", indicator="分值")


UNWEIGHTED_FORM = Check(
    code="UNWEIGHTED_FORM", severity=INFO, table="units",
    title="未印分值，未加权评价", summary="表中没有分值（权重），不计算总分和等级，改作未加权评价",
    what="绩效指标表没有“分值”“权重”栏（湖北的“预算执行 20 分 + 年度绩效目标 80 分”表式、转移支付"
         "区域绩效表、部分部门整体支出表），各项指标没有分值。此时不按规则计算指标得分、总分和等级，"
         "而作未加权评价：逐项判断达成、部分达成或未达成并给出完成率（实际完成值 ÷ 指标值，反向指标"
         "相反；定性指标按完成情况的文字评定），预算执行率照算，只有表中印出了预算执行的分值时才计分"
         "（不套用默认的 10 分）；单位填报的各项得分与总分相互核对，超额完成、偏差原因等检查照常进行。",
    why="总分是各项得分按分值加权的和；表中没有分值，任何总分都只能是评价人员自己假设的权重，"
        "不是单位报表能支持的结论。未加权评价只给出报表能支持的内容，让评价人员据此复核。",
    example="湖北某区《项目自评表》：预算执行情况（20分）执行率 100%，得 20 分；4 项绩效指标只列"
            "年初目标值、实际完成值和得分，没有分值栏：不计算总分，4 项指标均为达成。",
    basis=f"{BASIS_10}：总分由预算执行率和各项指标按分值计分汇总；未印分值的表无法按此计算。",
    messages={
        "message": "本表没有“分值/权重”栏，无法按规则计算各项指标得分、总分和等级，已作未加权评价："
                   "{budget}；{count:num0} 项指标中达成 {met:num0} 项、部分达成 {partial:num0} 项、"
                   "未达成 {unmet:num0} 项、缺失 {missing:num0} 项{reported}。如需总分和等级，"
                   "请单位补报各项指标的分值（权重）。",
        "budget_only": "报告中没有绩效指标表，也没有分值（权重），无法按规则计算得分、总分和等级，只评价"
                       "预算执行：{budget}{reported}。如需总分和等级，请单位提供附有分值的绩效自评表。",
        "budget_scored": "预算执行率 {rate:pct}，按表中印出的 {budget_weight:num} 分计 {budget_score:num} 分",
        "budget_no_rate": "表中印出预算执行 {budget_weight:num} 分，但执行率无法计算",
        "budget_rate": "预算执行率 {rate:pct}（表中未印其分值，不计分）",
        "budget_rate_report": "预算执行率 {rate:pct}（报告中未列其分值，不计分）",
        "budget_none": "预算执行率无法计算（表中也未印其分值）",
        "reported_total": "；填报的总分 {reported_total:num} 分只与填报的各项得分之和核对",
        "reported_none": "；表中没有填报总分",
    },
    condition=_unweighted_form)


CHECKS = (SUBTOTAL_MISMATCH, TOTAL_MISMATCH, WEIGHT_ROLLUP, GRADE_MISMATCH, UNWEIGHTED_FORM)
