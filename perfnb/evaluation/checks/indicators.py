"""Checks of each indicator row: its score, its explanation, its labels and its blanks.

An explanation present in the data (偏差原因) silences the findings that ask for one
(MISSING_DEVIATION_REASON, OVER_ACHIEVEMENT, COST_BUDGET_MISMATCH).  Where one cause would
produce two findings only the specific one is reported: a score above its weight is
SCORE_OVER_WEIGHT (not also SCORE_MISMATCH or QUALITATIVE_OUT_OF_BAND); an indicator without
an actual is MISSING_VALUE.
"""
from __future__ import annotations

import numpy as np

from perfnb.evaluation.checks.basis import BASIS_10, FORM_10
from perfnb.evaluation.checks.registry import (ERROR, INFO, WARNING, Check, Choice, Fragment, Hit,
                                               Parameter)
from perfnb.evaluation.checks.render import Texts, _plain
from perfnb.evaluation.scoring import factorized, map_where
from perfnb.model import OPERATOR_SYMBOLS
from perfnb.vocabulary import COST_PART_WORDS, COST_PER_UNIT_WORDS, COST_WHOLE_WORDS, WAN_YUAN_RE

FIGURES = "（{target_header} {target_text:or_blank}，{actual_header} {actual_text:or_blank}，" \
          "{weight_header} {weight:num} 分）"


def _figures(f) -> dict:
    """The fields of the FIGURES fragment."""
    return {**f.headers("target", "actual", "weight"), "target_text": f.target_text,
            "actual_text": f.actual_text, "weight": f.weight, "figures": Fragment("figures")}


# -- SCORE_OVER_WEIGHT / SCORE_MISMATCH -------------------------------------------------

def _score_over_weight(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    yield Hit(f.over_weight, "message", {"name": f.name, "reported": f.reported, "weight": f.weight,
                                         "score": f.score},
              column=f.header("score"), **f.where)


SCORE_OVER_WEIGHT = Check(
    code="SCORE_OVER_WEIGHT", severity=ERROR, table="indicators",
    title="得分超过分值", summary="填报得分高于该指标的分值",
    what="比较每个三级指标填报的得分与它的分值：得分不能高于分值。",
    why="绩效自评不设加分，超过分值的得分会抬高一级指标小计和总分，使评价等级失真。"
        "发现这种情况时不再另报“得分与规则不符”，以免同一问题报两次。",
    example="分值 90 分的“采购批次”填报得分 95 分：报告此项，并给出按规则应得的 90 分。",
    basis=f"{BASIS_10}：各指标得分不超过其分值，总分 100 分。",
    messages={"message": "“{name:text}”填报得分 {reported:num} 分，超过该指标的分值 {weight:num} 分；"
                         "按规则应得 {score:num} 分。得分不能超过分值，请更正。"},
    condition=_score_over_weight)


def _score_mismatch(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    with np.errstate(invalid="ignore"):
        mismatch = (f.has_reported & ~np.isnan(f.score) & f.by_number
                    & (np.abs(f.reported - f.score) > ctx.tol) & ~f.over_weight)
    yield Hit(mismatch, "message", {"name": f.name, "reported": f.reported, "score": f.score,
                                    **_figures(f)},
              column=f.header("score"), **f.where)


SCORE_MISMATCH = Check(
    code="SCORE_MISMATCH", severity=ERROR, table="indicators",
    title="得分与规则不符", summary="填报得分与按规则计算的得分不一致",
    what="对定量指标，按年度指标值（A）、实际完成值（B）与分值计算得分，与单位填报的得分比较，"
         "相差超过规则允许的误差（tolerance，默认 0.01 分）即报告。",
    why="定量指标的得分由公式决定：正向指标 B ≥ A 得满分，否则按 B ÷ A × 分值；反向指标 B ≤ A "
        "得满分，超出按规则计分。填报得分与公式不符，多半是算错或抄错，会直接影响总分和等级。",
    example="“采购批次”指标值 ≥4、实际完成 3、分值 90 分，按规则得 3 ÷ 4 × 90 = 67.5 分；"
            "填报 70 分即报告此项。",
    basis=f"{BASIS_10}中定量指标的计分办法（完成指标值得满分，未完成按比例计分）。",
    messages={"message": "“{name:text}”填报得分 {reported:num} 分，按规则计算应为 {score:num} 分{figures}。"
                         "请更正得分，或核对指标值与实际完成值。",
              "figures": FIGURES},
    condition=_score_mismatch)


# -- QUALITATIVE_OUT_OF_BAND -------------------------------------------------------------

def _qualitative_out_of_band(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    out_of_band = f.by_level & f.has_reported & ~f.in_band & ~f.over_weight & ~f.unweighted
    specs = {spec.name: spec for spec in ctx.rules.qualitative_levels}

    def level_attribute(attribute):
        def column(take):
            level = Texts.of(take(f.level))
            return np.asarray(level.map(lambda x: getattr(specs[x], attribute) if x in specs
                                        else np.nan), dtype=float)
        return column

    low, high, share = (level_attribute(a) for a in ("low", "high", "share"))
    fields = {"name": f.name, "level": f.level, "weight": f.weight, "reported": f.reported,
              "score": f.score, "share": share,
              "low_points": lambda t: low(t) * t(f.weight), "high_points": lambda t: high(t) * t(f.weight),
              "target_text": f.target_text, "actual_text": f.actual_text,
              **f.headers("target", "actual")}
    fields["band"] = Choice([(lambda t: high(t) >= 1.0, "band_closed")], "band_half_open")
    yield Hit(out_of_band, "message", fields, column=f.header("score"), severity=WARNING, **f.where)


QUALITATIVE_OUT_OF_BAND = Check(
    code="QUALITATIVE_OUT_OF_BAND", severity=WARNING, table="indicators",
    title="定性得分超出档次区间", summary="定性指标的填报得分不在其档次的得分区间内",
    what="定性指标按实际完成情况评为三档：达成（分值的 80%～100%）、部分达成（60%～80%）、"
         "未达成（0～60%）。单位在档次区间内自行打分；填报得分不在所评档次的区间内即报告，"
         "并按该档的默认比例计分。",
    why="定性指标的得分应与评定的档次相符，超出区间说明打分与评定的完成情况矛盾。",
    example="“工作质量”目标“优”、实际“良”（部分达成，区间 54 分（含）至 72 分（不含），分值 90 分），"
            "填报 80 分：报告此项，按默认比例 70% 计 63 分。",
    basis=f"{BASIS_10}中定性指标分档计分的做法；各档区间与默认比例由评分规则的 "
          "qualitative_levels 设定。",
    messages={
        "message": "“{name:text}”评定为“{level:text}”（{actual_header} {actual_text:or_blank}，"
                   "{target_header} {target_text:or_blank}），该档得分应在 {band}之间（分值 {weight:num} 分），"
                   "填报得分 {reported:num} 分不在此区间，已按该档默认比例 {share:pct0} 计 {score:num} 分。"
                   "请按档次重新打分，或调整评定的档次。",
        "band_closed": "{low_points:num}～{weight:num} 分",
        "band_half_open": "{low_points:num} 分（含）至 {high_points:num} 分（不含）",
    },
    condition=_qualitative_out_of_band)


# -- MISSING_DEVIATION_REASON / OVER_ACHIEVEMENT ----------------------------------------

def _missing_deviation_reason(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    with np.errstate(invalid="ignore"):
        below = f.partial_or_unmet & (f.score < f.weight - ctx.tol) & f.reason_blank
    # a form without weights: partly or not achieved is what needs the reason
    unweighted = f.unweighted & f.partial_or_unmet & f.reason_blank
    fields = {"name": f.name, "score": f.score, **_figures(f), **f.headers("reason"),
              "status": f.status_label, "completion_ratio": f.completion}
    yield Hit(below & ~f.unweighted, "message", fields, column=f.header("reason"), **f.where)
    yield Hit(unweighted, Choice([(~np.isnan(f.completion), "unweighted_ratio")], "unweighted"),
              fields, column=f.header("reason"), **f.where)


MISSING_DEVIATION_REASON = Check(
    code="MISSING_DEVIATION_REASON", severity=WARNING, table="indicators",
    title="缺少偏差原因", summary="得分低于分值却未说明偏差原因",
    what="指标得分低于分值（部分达成或未达成），而“偏差原因分析及改进措施”（四川表为"
         "“未完成原因分析”）为空。",
    why="未完成的指标必须说明原因和改进措施，这是自评结果用于改进管理、编制下年预算的依据；"
        "自评报告也要对每项未满分的指标作偏差分析。",
    example="“采购批次”指标值 ≥4、实际完成 3，得 3.75 分（分值 5 分），偏差原因栏为空。",
    basis=f"{BASIS_10}：对未完成绩效目标的指标说明偏差原因及改进措施。",
    messages={"message": "“{name:text}”得分 {score:num} 分，低于分值 {weight:num} 分{figures}，"
                         "但未填写偏差原因。请在“{reason_header}”中说明未完成的原因和改进措施。",
              "unweighted": "“{name:text}”{status:text}（{target_header} {target_text:or_blank}，"
                            "{actual_header} {actual_text:or_blank}），但未填写偏差原因。"
                            "请在“{reason_header}”中说明未完成的原因和改进措施。",
              "unweighted_ratio": "“{name:text}”{status:text}（{target_header} {target_text:or_blank}，"
                                  "{actual_header} {actual_text:or_blank}，完成 {completion_ratio:pct0}），"
                                  "但未填写偏差原因。请在“{reason_header}”中说明未完成的原因和改进措施。",
              "figures": FIGURES},
    condition=_missing_deviation_reason)


def _over_achievement(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    rules = ctx.rules
    fields = {"name": f.name, "completion": f.completion, "ratio": params["ratio"],
              "target_text": f.target_text, "actual_text": f.actual_text,
              "cut_share": rules.over_achievement_cut_share,
              "cut_note": Fragment("cut_note") if rules.cut_over_achievement else "",
              **f.headers("target", "actual", "reason")}
    yield Hit(f.over & f.reason_blank, "message", fields, column=f.header("actual"), **f.where)


OVER_ACHIEVEMENT = Check(
    code="OVER_ACHIEVEMENT", severity=WARNING, table="indicators",
    title="超额完成未说明", summary="实际完成值远超指标值却未说明原因",
    what="正向定量指标的实际完成值达到指标值的一定倍数（ratio，默认取评分规则的 "
         "over_achievement_ratio，即 130%）以上，而偏差原因栏为空。",
    why="大幅超额完成往往说明年初指标值设定偏低；管理办法允许对目标明显偏低的指标酌情扣分。"
        "需要说明超额的原因，并在下一年度合理设定指标值。本检查只提示，不扣分"
        "（扣分由评分规则的 cut_over_achievement 决定）。",
    example="“维修工程”指标值 ≥3 个、实际完成 8 个（267%），偏差原因栏为空。",
    basis=f"{BASIS_10}（指标值明显偏低的可酌情扣分）；130% 的门槛取自广西的做法，可在评分规则中调整。",
    messages={"message": "“{name:text}”{actual_header} {actual_text:or_blank} 达到{target_header} "
                         "{target_text:or_blank} 的 {completion:pct0}，超过 {ratio:.0%}，但未说明原因。"
                         "请在“{reason_header}”中说明超额完成的原因（是否指标值设定偏低），"
                         "并在下一年度合理设定指标值。{cut_note}",
              "cut_note": "按本规则，其得分已限制为分值的 {cut_share:.0%}。"},
    parameters=(Parameter("ratio", "超额完成须说明的倍数（实际完成值 ≥ 指标值 × ratio）",
                          rule_key="over_achievement_ratio", low=1),),
    condition=_over_achievement)


# -- TEXT_ACTUAL -------------------------------------------------------------------------

def _text_actual(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    text_actual = ~f.qualitative & np.isnan(f.actual) & ~f.actual_text_blank
    unit_hint = map_where(f.source, "measure_unit", text_actual,
                          lambda v: f"（{_plain(v)}）" if _plain(v) else "", "")
    fields = {"name": f.name, "target_text": f.target_text, "actual_text": f.actual_text,
              "level": f.level, "score": f.score, "unit_hint": unit_hint,
              **f.headers("target", "actual")}
    # an unweighted form scores nothing: the text only leaves the achievement undecided
    yield Hit(text_actual & f.by_level, Choice([(f.unweighted, "graded_unweighted")], "graded"),
              fields, column=f.header("actual"), severity=WARNING, **f.where)
    yield Hit(text_actual & f.by_nothing, Choice([(f.unweighted, "unscored_unweighted")],
                                                 "unscored"),
              fields, column=f.header("actual"), severity=ERROR, **f.where)


TEXT_ACTUAL = Check(
    code="TEXT_ACTUAL", severity=WARNING, table="indicators",
    title="定量指标填了文字", summary="定量指标的实际完成值不是数值",
    what="指标值是数值（定量指标），实际完成值却是文字（如“完成”“达标”）。能识别为完成情况的"
         "文字按档次计分并提示（警告）；不能识别的按 0 分计（错误）。",
    why="定量指标要用数值说明完成了多少，文字无法与指标值比较，得分也就无从核对。",
    example="“采购金额”指标值 ≤30 万元，实际完成值填“完成”：按“达成”计分，并提示填写具体数值。",
    basis=f"{BASIS_10}：定量指标以实际完成的数值与指标值比较计分。",
    messages={"graded": "“{name:text}”是定量指标（{target_header} {target_text:or_blank}），"
                        "{actual_header}却填写为文字“{actual_text:or_blank}”，已按“{level:text}”计 "
                        "{score:num} 分。请填写具体数值{unit_hint}。",
              "unscored": "“{name:text}”是定量指标（{target_header} {target_text:or_blank}），"
                          "{actual_header}“{actual_text:or_blank}”不是数值，也不是可识别的完成情况，"
                          "按 0 分计。请填写具体数值{unit_hint}。",
              "graded_unweighted": "“{name:text}”是定量指标（{target_header} {target_text:or_blank}），"
                                   "{actual_header}却填写为文字“{actual_text:or_blank}”，已评定为"
                                   "“{level:text}”。请填写具体数值{unit_hint}。",
              "unscored_unweighted": "“{name:text}”是定量指标（{target_header} {target_text:or_blank}），"
                                     "{actual_header}“{actual_text:or_blank}”不是数值，也不是可识别的"
                                     "完成情况，无法评定完成情况。请填写具体数值{unit_hint}。"},
    condition=_text_actual)


# -- DIRECTION_CONFLICT ------------------------------------------------------------------

def _direction_conflict(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    said_forward = f.words("declared_direction", "正向")
    said_reverse = f.words("declared_direction", "反向")
    forward_on_ceiling = said_forward & f.is_reverse
    reverse_on_floor = said_reverse & ~f.is_reverse & ~f.qualitative & ~said_forward
    forward_on_cost = said_forward & f.cost & ~forward_on_ceiling
    conflict = forward_on_ceiling | reverse_on_floor | forward_on_cost
    fields = {"name": f.name, "target_text": f.target_text, **f.headers("target"),
              "symbol": lambda t: Texts.of(t(f.operator), lambda o: OPERATOR_SYMBOLS.get(o, "")
                                           if isinstance(o, str) else ""),
              "cost_note": Choice([(f.cost, "cost_note")])}
    message = Choice([(forward_on_ceiling, "forward_on_ceiling"),
                      (reverse_on_floor, "reverse_on_floor")], "forward_on_cost")
    yield Hit(conflict, message, fields, column=f.header("direction"), **f.where)


DIRECTION_CONFLICT = Check(
    code="DIRECTION_CONFLICT", severity=WARNING, table="indicators",
    title="指标方向矛盾", summary="正向/反向与指标值的符号或指标类型矛盾",
    what="比较“指标方向”（四川表为“指标性质”）与指标值的符号：“≤”“<”是上限，属于反向指标"
         "（越小越好）；“≥”“>”“=”是下限或定值，属于正向指标。成本指标通常是不超过预算的上限。",
    why="方向决定计分公式：把上限标为正向，超支反而得满分。perfnb 按指标值的符号计分，"
        "并提示单位更正标注。",
    example="“经费总额”指标值 ≤2255 万元，标为正向：按反向指标计分，并提示将方向改为反向。",
    basis=f"{BASIS_10}中正向、反向指标的计分办法。",
    messages={"forward_on_ceiling": "“{name:text}”标为正向指标，但{target_header} {target_text:or_blank}"
                                    "（{symbol}）是上限，{cost_note}属于反向指标（越小越好）。"
                                    "已按反向指标计分，请将指标方向改为反向。",
              "reverse_on_floor": "“{name:text}”标为反向指标，但{target_header} {target_text:or_blank}"
                                  "（{symbol}）是下限或定值，属于正向指标。已按正向指标计分，"
                                  "请核对指标方向或指标值的符号。",
              "forward_on_cost": "“{name:text}”是成本指标，成本通常是不超过预算的上限（反向指标，如“≤"
                                 "{target_text:or_blank}”），却标为正向指标。请核对指标方向和指标值的符号。",
              "cost_note": "成本指标通常是不超过预算的上限，"},
    condition=_direction_conflict)


# -- COST_BUDGET_MISMATCH ----------------------------------------------------------------



def _cost_budget_mismatch(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    tol, cost = ctx.tol, f.cost
    initial, adjusted, executed = (f.budget_column(c) for c in ("initial", "adjusted", "executed"))
    in_wan = (map_where(f.source, "measure_unit", cost, _in_wan, False, bool)
              | map_where(f.source, "target_text", cost, _in_wan, False, bool))
    # Only a ceiling for the whole project is compared with the budget: not a unit cost
    # (单站/每公里/平均/人均 …), not a named part of the spending (维修/印刷/培训费 …), and
    # either named as a total (总额, 经费, 资金, 预算) or at least a share of the budget.
    per_unit_cost = map_where(f.source, "name", cost, lambda v: any(
        word in _plain(v) for word in COST_PER_UNIT_WORDS), False, bool)
    # a part word the project's own name carries ("培训费" of a 培训 project) is the whole
    part_word = map_where(f.source, "name", cost, _part_word, "", object)
    projects = _plain_column(ctx.tables.units, "project")[f.codes]
    named_part = np.fromiter((bool(w) and w not in p for w, p in zip(part_word, projects)),
                             bool, len(part_word))
    per_unit_cost = per_unit_cost | named_part
    named_total = map_where(f.source, "name", cost, lambda v: any(
        word in _plain(v) for word in COST_WHOLE_WORDS), False, bool)
    budget_base = np.where(np.isnan(adjusted), initial, adjusted)
    target = f.target
    with np.errstate(invalid="ignore"):
        whole_project = ~per_unit_cost & (named_total | (target >= params["whole_project_share"]
                                                         * budget_base))
        cost_money = (cost & in_wan & whole_project & ~np.isnan(target) & f.reason_blank
                      & ~np.isnan(initial))
        below_executed = cost_money & ~np.isnan(executed) & (target < executed - tol)
        not_budget = (cost_money & (np.abs(target - initial) > tol)
                      & (np.isnan(adjusted) | (np.abs(target - adjusted) > tol)))
        # the whole project's cost reported above what the funds block says was spent
        above_spent = cost_money & ~np.isnan(executed) & (f.actual > executed + tol)
    fields = {"name": f.name, "target": target, "actual": f.actual, "initial": initial,
              "adjusted": adjusted, "executed": executed, **f.headers("reason"),
              "budget": Choice([(np.isnan(adjusted), "budget_initial")], "budget_both")}
    variant = Choice([(below_executed, "below_executed"), (above_spent, "actual_above_executed")],
                     "not_budget")
    yield Hit(below_executed | not_budget | above_spent, variant, fields,
              column=f.header("target"), **f.where)


def _part_word(text) -> str:
    """The first word of a named part of the spending in a cost indicator's name, or ""."""
    name = _plain(text)
    return next((word for word in COST_PART_WORDS if word in name), "")


def _plain_column(frame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return np.asarray([_plain(v) for v in frame[column].array], dtype=object)


def _in_wan(text) -> bool:
    return bool(WAN_YUAN_RE.search(_plain(text)))


COST_BUDGET_MISMATCH = Check(
    code="COST_BUDGET_MISMATCH", severity=WARNING, table="indicators",
    title="成本指标与预算不符", summary="以万元计的成本指标与预算数不一致",
    what="以万元计、针对整个项目的成本指标（名称含“总”“经费”“资金”“预算”“投入”，或不少于预算数的"
         "一定比例 whole_project_share，默认一半；单价、人均等单位成本和维修、印刷、培训等只涉及部分"
         "资金的成本除外），其指标值应与年初"
         "预算数或全年预算数一致，且不应低于全年执行数；其实际完成值不应高于全年执行数。"
         "已填写偏差原因的不报告。",
    why="项目总成本的上限就是预算；两者不一致，说明指标值或预算数有一处填错，或成本口径需要说明。"
        "上限低于实际执行数，意味着支出超过了自己设定的成本上限。",
    example="“经费总额”指标值 ≤120 万元，而年初预算数 100 万元：提示核对口径。",
    basis=f"{BASIS_10}：成本指标反映项目的经济成本，应与预算安排相衔接。",
    messages={"below_executed": "成本指标“{name:text}”的上限 {target:num} 万元低于全年执行数 "
                                "{executed:num} 万元（{budget}）。请核对指标值，或在“{reason_header}”"
                                "中说明支出超过成本上限的原因。",
              "actual_above_executed": "成本指标“{name:text}”的实际完成值 {actual:num} 万元高于全年执行数 "
                                       "{executed:num} 万元：成本不会超过实际支出。请核对实际完成值或"
                                       "资金执行数，或在“{reason_header}”中说明口径。",
              "not_budget": "成本指标“{name:text}”的指标值 {target:num} 万元与预算数（{budget}）不一致。"
                            "若该指标是项目总成本，应与预算数一致；若只计部分成本，请在“{reason_header}”"
                            "中说明口径。",
              "budget_initial": "年初预算数 {initial:num} 万元",
              "budget_both": "年初预算数 {initial:num} 万元，全年预算数 {adjusted:num} 万元"},
    parameters=(Parameter("whole_project_share", "未写明“总额”等字样的成本指标，达到预算数的这一比例"
                          "才视为整个项目的成本", default=0.5, low=0, high=1),),
    condition=_cost_budget_mismatch)


# -- MISSING_VALUE -----------------------------------------------------------------------

def _missing_value(ctx, params):
    f = ctx.indicators
    if f is not None:
        unscored = f.target_blank & f.by_nothing & ~f.actual_blank
        graded = f.target_blank & ~f.by_nothing & ~f.actual_blank
        unit_reports = np.bincount(f.codes, f.has_reported, minlength=len(ctx.unit_ids)) > 0
        score_blank = ~f.has_reported & unit_reports[f.codes] & ~np.isnan(f.score)
        fields = {"name": f.name, "score": f.score, "reported": f.reported,
                  **f.headers("actual", "target", "weight", "score", printed=True)}
        both = f.actual_blank & f.target_blank
        # a row with a name, a weight and the unit's own score but no figures at all: one
        # message naming both blank cells and the score that is not taken
        yield Hit(both & f.has_reported, "both_reported", fields, column=f.header("actual"),
                  severity=ERROR, **f.where)
        yield Hit(both & ~f.has_reported, "both", fields, column=f.header("actual"),
                  severity=ERROR, **f.where)
        yield Hit(f.actual_blank & ~both, "actual", fields, column=f.header("actual"),
                  severity=ERROR, **f.where)
        yield Hit(unscored, "target_unscored", fields, column=f.header("target"), severity=ERROR,
                  **f.where)
        yield Hit(graded, "target_graded", fields, column=f.header("target"), severity=WARNING,
                  **f.where)
        # (a form that prints no weights at all is UNWEIGHTED_FORM's, once, not every row's)
        yield Hit(np.isnan(f.weight) & ~f.unweighted, "weight", fields, column=f.header("weight"),
                  severity=ERROR, **f.where)
        yield Hit(score_blank, "score", fields, column=f.header("score"), severity=WARNING, **f.where)
    b = ctx.budgets
    if b is not None:
        # without a weight (an unweighted form that prints none) there are no points to lose
        yield Hit(~b.has_rate, Choice([(np.isnan(b.weight), "budget_unscored")], "budget"),
                  {"initial": b.initial, "adjusted": b.adjusted, "executed": b.executed},
                  column=b.header("rate"), severity=ERROR, **b.where)


MISSING_VALUE = Check(
    code="MISSING_VALUE", severity=ERROR, table="indicators",
    title="缺少数据", summary="实际完成值、指标值、分值或得分为空",
    what="三级指标的实际完成值、年度指标值、分值为空，同表其他指标填写了得分而本指标的得分为空，"
         "或预算执行数据不全、无法计算执行率。",
    why="缺少数据就无法评分：没有实际完成值或指标值的指标按 0 分计（有等级目标的按最高等级评定），"
        "没有分值的无法计分，预算数据不全的预算执行按 0 分计。",
    example="“采购批次”指标值 ≥4，实际完成值为空：按 0 分计，请填写实际完成值。",
    basis=f"{FORM_10}的各栏均需填写。",
    messages={"actual": "“{name:text}”的{actual_header}为空，无法评分，按 0 分计。请填写{actual_header}。",
              "both": "“{name:text}”的{target_header}和{actual_header}均为空，无法评分，按 0 分计。"
                      "请填写{target_header}和{actual_header}。",
              "both_reported": "“{name:text}”的{target_header}和{actual_header}均为空，填报的得分 "
                               "{reported:num} 分无从核对，按 0 分计。请填写{target_header}和"
                               "{actual_header}。",
              "target_unscored": "“{name:text}”的{target_header}为空，无法判断完成情况，按 0 分计。"
                                 "请填写{target_header}。",
              "target_graded": "“{name:text}”的{target_header}为空，已按最高等级作为目标评定。"
                               "请填写{target_header}。",
              "weight": "“{name:text}”的{weight_header}为空，无法计分。请填写{weight_header}。",
              "score": "“{name:text}”的{score_header}为空（同表其他指标填写了得分），按规则计算为 "
                       "{score:num} 分。请补填得分。",
              "budget": "预算执行数据不完整（年初预算数 {initial:num} 万元，全年预算数 {adjusted:num} 万元，"
                        "全年执行数 {executed:num} 万元），无法计算执行率，预算执行按 0 分计。"
                        "请补填预算数和执行数。",
              "budget_unscored": "预算执行数据不完整（年初预算数 {initial:num} 万元，全年预算数 "
                                 "{adjusted:num} 万元，全年执行数 {executed:num} 万元），无法计算执行率。"
                                 "请补填预算数和执行数。"},
    condition=_missing_value)


# -- KIND_CONFLICT -----------------------------------------------------------------------

def _kind_conflict(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    said_qualitative = f.words("declared_kind", "定性")
    said_quantitative = f.words("declared_kind", "定量")
    fields = {"name": f.name, "target_text": f.target_text, **f.headers("target")}
    yield Hit(said_qualitative & ~np.isnan(f.target), "said_qualitative", fields,
              column=f.header("kind"), **f.where)
    yield Hit(said_quantitative & f.qualitative & np.isnan(f.target) & ~f.target_blank,
              "said_quantitative", fields, column=f.header("kind"), **f.where)


KIND_CONFLICT = Check(
    code="KIND_CONFLICT", severity=INFO, table="indicators",
    title="指标性质矛盾", summary="指标性质（定性/定量）与指标值不一致",
    what="“指标性质”写为定性，指标值却是数值；或写为定量，指标值却是文字（如“优”“达成”）。",
    why="定量与定性指标的计分方法不同。perfnb 按指标值本身判断并计分，提示单位核对标注。",
    example="“满意度”指标性质写“定性”，指标值 95：按定量指标计分。",
    basis=f"{BASIS_10}中定量、定性指标的区分。",
    messages={"said_qualitative": "“{name:text}”的指标性质写为定性，但{target_header} "
                                  "{target_text:or_blank} 是数值，已按定量指标计分。请核对指标性质。",
              "said_quantitative": "“{name:text}”的指标性质写为定量，但{target_header}“"
                                   "{target_text:or_blank}”不是数值，已按定性指标评定。"
                                   "请填写数值指标值，或将指标性质改为定性。"},
    condition=_kind_conflict)


# -- QUALITATIVE_PRESUMED ----------------------------------------------------------------

def _qualitative_presumed(ctx, params):
    f = ctx.indicators
    if f is None or "level_basis" not in f.ind.columns:
        return
    presumed = factorized(f.ind, "level_basis").map(lambda v: v == "presumed", bool)
    yield Hit(presumed, "presumed", {"name": f.name, "target_text": f.target_text,
                                     "actual_text": f.actual_text, **f.headers("actual")},
              column=f.header("actual"), **f.where)


QUALITATIVE_PRESUMED = Check(
    code="QUALITATIVE_PRESUMED", severity=INFO, table="indicators",
    title="定性指标按达成推定", summary="定性指标的实际完成值未写明达成程度，已按达成计分",
    what="定性指标的实际完成值是一段文字，既不同于指标值，也没有写明达成、部分达成或未达成，"
         "单位也没有填写得分，perfnb 无从判断档次，按“达成”计分。",
    why="两栏都有文字时不能按缺失记 0 分；但“达成”只是推定，评价人员应对照佐证材料复核档次。",
    example="指标值“群众满意”，实际完成值“群众比较认可”，得分栏为空：按达成计满分，并提示复核。",
    basis=f"{BASIS_10}：定性指标按达成、部分达成、未达成三档评分。",
    messages={"presumed": "“{name:text}”是定性指标，{actual_header}“{actual_text:or_blank}”"
                          "未写明达成程度（指标值“{target_text:or_blank}”），已按达成计分。"
                          "请对照佐证材料复核档次，或请单位填写得分。"},
    condition=_qualitative_presumed)

CHECKS = (SCORE_MISMATCH, SCORE_OVER_WEIGHT, MISSING_DEVIATION_REASON, OVER_ACHIEVEMENT, TEXT_ACTUAL,
          DIRECTION_CONFLICT, COST_BUDGET_MISMATCH, QUALITATIVE_OUT_OF_BAND, MISSING_VALUE,
          KIND_CONFLICT, QUALITATIVE_PRESUMED)
