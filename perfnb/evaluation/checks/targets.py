"""Checks of the targets' quality (绩效目标 / 指标质量, issue 19): what a reviewer writes
about indicators that are filled in correctly but cannot be believed or verified.

MONEY_AS_OUTPUT, DUPLICATE_INDICATOR, COST_WITHOUT_CEILING, UNVERIFIABLE_TARGET,
UNIFORM_TARGETS, SATISFACTION_WITHOUT_SURVEY, NO_COST_INDICATOR, NO_UNIT.  The words they
look for are in :mod:`.vocabulary`; the review practice they follow is
shared/review-practice.md §2–3 (an accounting firm's 复核口径, the budget system's checks).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from perfnb.evaluation.checks import vocabulary as V
from perfnb.evaluation.checks.basis import BASIS_10
from perfnb.evaluation.checks.registry import INFO, WARNING, Check, Hit, Parameter
from perfnb.evaluation.checks.render import _plain
from perfnb.evaluation.scoring import factorized

REVIEW_PRACTICE = "会计师事务所项目支出绩效自评复核口径（见 review-practice.md §2）"
TARGET_GUIDE = "财预〔2021〕101号（绩效指标和指标值设置）"


def _has_any(words):
    return lambda value: any(word in _plain(value) for word in words)


def _words(f, column: str, words) -> np.ndarray:
    """Rows whose ``column`` contains one of ``words`` (through the column's distinct values)."""
    if column not in f.source.columns:
        return np.zeros(len(f.ind), dtype=bool)
    return factorized(f.source, column).map(_has_any(words), bool)


def _level1_is(f, name: str) -> np.ndarray:
    return factorized(f.source, "level1").map(lambda v: _plain(v) == name, bool)


def _quantity(f) -> np.ndarray:
    return _words(f, "level2", (V.QUANTITY_LEVEL2_WORD,))


# -- MONEY_AS_OUTPUT -----------------------------------------------------------------------

def _money_as_output(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    money_unit = factorized(f.source, "measure_unit").map(lambda v: _plain(v) in V.MONEY_UNITS, bool)
    paid = _words(f, "name", V.MONEY_NOUNS) & _words(f, "name", V.PAYMENT_WORDS)
    yield Hit(_quantity(f) & (money_unit | paid), "message",
              {"name": f.name, "target_text": f.target_text, **f.headers("target")},
              column="三级指标", **f.where)


MONEY_AS_OUTPUT = Check(
    code="MONEY_AS_OUTPUT", severity=WARNING, table="indicators",
    title="以资金代替产出", summary="数量指标只衡量资金拨付或预算执行，不是产出",
    what="二级指标为“数量指标”的三级指标，计量单位是金额（元、万元），或名称只说资金的拨付、"
         "支付、兑付、到位、执行（如“资金拨付率”“工程资金金额”）。",
    why="产出指标应说明花钱做成了什么（建成多少、服务多少人）；资金拨付和预算执行已由"
        "“预算执行率”计分，再作数量指标就重复计分，也看不出产出。复核时这类数量指标按 0 分计。",
    example="数量指标“工程资金金额”指标值 43.2（万元）：应改为工程的实物量（如改造面积、完成项目数）。",
    basis=f"{REVIEW_PRACTICE}：数量指标仅为“资金支付”“预算执行”的，不得分；{TARGET_GUIDE}。",
    messages={"message": "数量指标“{name:text}”（{target_header} {target_text:or_blank}）衡量的是资金"
                         "拨付或金额，不是产出。资金使用已由预算执行率反映，请改用实物工作量"
                         "（如完成数量、服务人数）作为数量指标。"},
    condition=_money_as_output)


# -- DUPLICATE_INDICATOR -------------------------------------------------------------------

_CODE_PREFIX = re.compile(r"^(?:指标\s*\d+\s*[:：、.．]?|[A-Za-z]\d+|\d+(?:\.\d+)*\s*[、.．:：]|"
                          r"[（(]\d+[）)]|★)+")
_PUNCTUATION = re.compile(r"[\s，,。.、；;：:“”\"'‘’（）()《》【】\[\]]")


def name_key(value) -> str:
    """An indicator name compared for duplicates and copies: no leading code (C11, 指标1：,
    ★), no spaces or punctuation."""
    text = _plain(value)
    text = _CODE_PREFIX.sub("", text)
    return _PUNCTUATION.sub("", text)


def _duplicate_indicator(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    keys = factorized(f.source, "name").map(name_key)
    name_ids, names = pd.factorize(keys)
    blank = np.asarray(names == "", dtype=bool)[name_ids] if len(names) else np.zeros(0, bool)
    codes = np.asarray(f.codes, dtype=np.int64)
    # one integer per (unit, name); groups numbered in order of first appearance
    group, _ = pd.factorize(codes * np.int64(len(names) + 1) + name_ids)
    positions = np.arange(len(keys))
    first_of_group = np.empty(group.max() + 1 if len(group) else 0, dtype=np.int64)
    first_of_group[group[::-1]] = positions[::-1]          # the last write is the first row
    source = first_of_group[group]
    mask = (source != positions) & ~blank
    level1 = f.source["level1"].to_numpy(object) if "level1" in f.source else np.full(len(keys), "")
    rows = f.ind["row"].to_numpy(dtype=float, na_value=np.nan) if "row" in f.ind else \
        np.full(len(keys), np.nan)
    other_row = rows[source]
    fields = {"name": f.name, "level1": level1, "other_level1": level1[source],
              "other_name": f.name.to_numpy(object)[source],
              "other_place": lambda take: np.array([f"（第 {int(r)} 行）" if r == r else ""
                                                    for r in take(other_row)], dtype=object)}
    yield Hit(mask, "message", fields, column="三级指标", **f.where)


DUPLICATE_INDICATOR = Check(
    code="DUPLICATE_INDICATOR", severity=WARNING, table="indicators",
    title="指标重复", summary="同一项目中同一指标出现两次（如产出与效益重复）",
    what="同一单位的三级指标名称（去掉编号、空格和标点后）相同，如产出指标与效益指标中都有"
         "“受益人数”。",
    why="同一内容计两次分，会放大其权重；复核口径是“产出与效益重复的，只计一次”。",
    example="产出指标“受益学生人数”与效益指标“受益学生人数”：保留一项，另一项换成反映效果的指标。",
    basis=f"{REVIEW_PRACTICE}：产出与效益指标重复的，按一项计分。",
    messages={"message": "{level1:text}“{name:text}”与{other_level1:text}“{other_name:text}”"
                         "{other_place}是同一指标，重复计分。请保留一项，另一项改为反映其他内容的指标。"},
    condition=_duplicate_indicator)


# -- COST_WITHOUT_CEILING ------------------------------------------------------------------

def _cost_without_ceiling(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    floor = factorized(f.ind, "operator_used").map(lambda v: v in (">=", ">"), bool)
    percent = factorized(f.source, "measure_unit").map(lambda v: "%" in _plain(v), bool)
    allowed = _words(f, "name", V.FLOOR_COST_WORDS)
    yield Hit(f.cost & floor & f.by_number & ~percent & ~allowed, "message",
              {"name": f.name, "target_text": f.target_text, **f.headers("target")},
              column=f.header("target"), **f.where)


COST_WITHOUT_CEILING = Check(
    code="COST_WITHOUT_CEILING", severity=WARNING, table="indicators",
    title="成本指标没有上限", summary="成本指标写成下限（≥），没有控制成本",
    what="成本指标的指标值用“≥”“>”或“不低于”写成下限（如“≥17.4万元”）。补助标准"
         "（人均补助标准 ≥89元）、节约率等本应是下限的除外（名称含“标准”“节约”“降低”等）。",
    why="成本指标的作用是控制花费：应写成不超过的上限（≤）。写成下限，花得越多得分越高。",
    example="成本指标“设备购置成本”指标值“≥17.4万元”：应为“≤17.4万元”。",
    basis=f"{TARGET_GUIDE}：成本指标为控制上限；{REVIEW_PRACTICE}中列为目标设置问题。",
    messages={"message": "成本指标“{name:text}”的{target_header}“{target_text:or_blank}”是下限，"
                         "不能控制成本。请改为不超过的上限（如“≤”）。"},
    condition=_cost_without_ceiling)


# -- UNVERIFIABLE_TARGET -------------------------------------------------------------------

def _unverifiable_target(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    said_quantitative = _words(f, "declared_kind", (V.QUANTITATIVE_KIND_WORD,))
    vague = _words(f, "target_text", V.VAGUE_WORDS)
    yield Hit(said_quantitative & np.isnan(f.target) & vague, "message",
              {"name": f.name, "target_text": f.target_text, **f.headers("target", "kind")},
              column=f.header("target"), **f.where)


UNVERIFIABLE_TARGET = Check(
    code="UNVERIFIABLE_TARGET", severity=WARNING, table="indicators",
    title="指标值无法核验", summary="定量指标的指标值只是“提高”“加强”等愿望，没有数值",
    what="指标性质写为定量，指标值却只有“提高”“加强”“有效”“明显”之类的词，没有数值。",
    why="无法衡量的目标无法核验完成情况，得分全凭自报；复核时不可核验的指标按程度扣 30%～100%。",
    example="定量指标“群众满意度”指标值“明显提高”：应写“≥90%”并说明调查方法。",
    basis=f"{TARGET_GUIDE}：指标值应可衡量、可核验；{REVIEW_PRACTICE}：不可核验的指标扣分。",
    messages={"message": "“{name:text}”的{kind_header}是定量，{target_header}“{target_text:or_blank}”"
                         "却没有数值，无法核验完成情况。请写明可衡量的数值（如“≥90%”）及计算方法。"},
    condition=_unverifiable_target)


# -- UNIFORM_TARGETS -----------------------------------------------------------------------

def _uniform_targets(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    n_units = len(ctx.unit_ids)
    codes = np.asarray(f.codes, dtype=np.int64)
    in_scope = np.zeros(len(codes), dtype=bool)
    for level1 in V.UNIFORM_LEVEL1:
        in_scope |= _level1_is(f, level1)
    in_scope &= f.by_number & ~np.isnan(f.target)
    count = np.bincount(codes[in_scope], minlength=n_units)
    low = np.full(n_units, np.inf)
    high = np.full(n_units, -np.inf)
    np.minimum.at(low, codes[in_scope], f.target[in_scope])
    np.maximum.at(high, codes[in_scope], f.target[in_scope])
    step = params["round_step"]
    with np.errstate(invalid="ignore"):
        round_figure = np.isclose(np.mod(low, step), 0) | np.isclose(np.mod(low, step), step)
    basis = np.zeros(len(codes), dtype=bool)
    if "extra" in f.source.columns:
        extra = f.source["extra"].to_numpy(object)
        at = np.flatnonzero(in_scope)
        basis[at] = [isinstance(e, dict) and any(_plain(e.get(k)) for k in V.BASIS_EXTRA_COLUMNS)
                     for e in extra[at]]
    stated = np.bincount(codes[basis], minlength=n_units) > 0
    uniform = (count >= params["min_count"]) & (low == high) & round_figure & ~stated
    # one finding per unit, at its first benefit/satisfaction indicator
    first = np.full(n_units, -1, dtype=np.int64)
    rows = np.flatnonzero(in_scope)
    order = rows[::-1]
    first[codes[order]] = order
    mask = np.zeros(len(codes), dtype=bool)
    mask[first[uniform & (first >= 0)]] = True
    fields = {"count": count[codes], "target_text": f.target_text, "target": low[codes],
              "unit": f.source["measure_unit"] if "measure_unit" in f.source else ""}
    yield Hit(mask, "message", fields, column=f.header("target"),
              **{**f.where, "indicator": "效益指标、满意度指标"})


UNIFORM_TARGETS = Check(
    code="UNIFORM_TARGETS", severity=INFO, table="indicators",
    title="指标值千篇一律", summary="效益、满意度指标的指标值全是同一个整数，未说明依据",
    what="一个单位的效益指标和满意度指标中，定量指标不少于 min_count 项（默认 3 项），"
         "指标值全部相同且是整数（round_step 的倍数，默认 5），表中也没有计算方法或评分标准。",
    why="指标值应按历史水平、标准和计划测算；效益指标一律写“≥95%”而不给公式，"
        "多半是套用模板，无法说明项目的实际效果。",
    example="四项效益、满意度指标的指标值都是“≥95%”，没有“得分计算方法”：提示说明测算依据。",
    basis=f"{TARGET_GUIDE}；{REVIEW_PRACTICE}：效益指标全部“≥95%”且无公式列为问题。",
    messages={"message": "效益和满意度指标中有 {count:num0} 项定量指标，指标值都是 {target:num}{unit:text}"
                         "（如“{target_text:or_blank}”），且没有说明计算方法。请按项目实际测算各项指标值，"
                         "并写明计算公式或依据。"},
    parameters=(Parameter("min_count", "至少有几项相同的指标值才报告", default=3, kind=int, low=2),
                Parameter("round_step", "整数的步长（指标值是它的倍数才算“整数”）", default=5.0,
                          low=0.0001)),
    condition=_uniform_targets)


# -- SATISFACTION_WITHOUT_SURVEY -----------------------------------------------------------

def _satisfaction_without_survey(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    satisfaction = _level1_is(f, V.SATISFACTION_LEVEL1) | _words(f, "name", (V.SATISFACTION_WORD,))
    no_complaint = _words(f, "actual_text", V.NO_SURVEY_WORDS) & ~_words(f, "actual_text",
                                                                           V.SURVEY_WORDS)
    yield Hit(satisfaction & no_complaint, "message",
              {"name": f.name, "actual_text": f.actual_text, **f.headers("actual")},
              column=f.header("actual"), **f.where)


SATISFACTION_WITHOUT_SURVEY = Check(
    code="SATISFACTION_WITHOUT_SURVEY", severity=WARNING, table="indicators",
    title="满意度不是调查结果", summary="满意度的实际完成值写“无投诉”，不是调查结果",
    what="满意度指标的实际完成值写“无投诉”“未收到投诉”之类，而不是问卷、访谈等调查得出的满意度。",
    why="没有投诉不等于满意：满意度应有调查（问卷份数、满意人数）作依据。复核口径是没有调查"
        "材料的满意度指标不得分。",
    example="“服务对象满意度”指标值“≥90%”，实际完成值“未收到投诉”。",
    basis=f"{REVIEW_PRACTICE}：满意度无调查材料的，不得分；“无投诉 = 100% 满意”列为问题。",
    messages={"message": "满意度指标“{name:text}”的{actual_header}“{actual_text:or_blank}”不是调查结果："
                         "没有投诉不等于满意。请开展满意度调查（问卷、访谈），填写调查得出的满意度并附调查材料。"},
    condition=_satisfaction_without_survey)


# -- NO_COST_INDICATOR ---------------------------------------------------------------------

def _no_cost_indicator(ctx, params):
    f = ctx.indicators
    if f is None or not params["required"]:
        return
    n_units = len(ctx.unit_ids)
    codes = np.asarray(f.codes, dtype=np.int64)
    has_cost = np.bincount(codes[f.cost], minlength=n_units) > 0
    has_rows = np.bincount(codes, minlength=n_units) > 0
    yield Hit(has_rows & ~has_cost, "message", {"rules_title": ctx.rules.title},
              unit_code=np.arange(n_units), column="二级指标", indicator="成本指标")


NO_COST_INDICATOR = Check(
    code="NO_COST_INDICATOR", severity=WARNING, table="indicators",
    title="缺少成本指标", summary="评分规则要求设成本指标，而表中没有",
    what="评分规则要求产出指标中有成本指标（required 为 true）时，单位的绩效指标中没有二级指标为"
         "“成本指标”的指标。默认不要求（中央规则 required 为 false）；要求的省份在规则中设为 true。",
    why="成本指标说明花多少钱办多少事，是衡量资金使用效率的依据；2021 年起多地要求产出指标"
        "必须包含成本指标。",
    example="规则设 checks: {NO_COST_INDICATOR: {required: true}}，而单位只有数量、质量、时效指标。",
    basis=f"{TARGET_GUIDE}（核心绩效指标含成本指标）。",
    messages={"message": "按“{rules_title}”，产出指标应包含成本指标，本表没有。请补设成本指标"
                         "（如单位成本、项目总成本，写成“≤”上限）。"},
    parameters=(Parameter("required", "是否要求每个项目设成本指标", default=False, kind=bool),),
    condition=_no_cost_indicator)


# -- NO_UNIT -------------------------------------------------------------------------------

def _name_carries_unit(value) -> bool:
    text = _plain(value)
    if text.endswith(("）", ")")) or any(word in text for word in V.DIMENSIONLESS_WORDS):
        return True
    return text.endswith(V.UNIT_IN_NAME_ENDINGS)


def _no_unit(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    no_unit = f.by_number & ~np.isnan(f.target)
    if "measure_unit" in f.source.columns:
        no_unit &= factorized(f.source, "measure_unit").map(lambda v: _plain(v) == "", bool)
    no_unit &= ~factorized(f.source, "name").map(_name_carries_unit, bool)
    yield Hit(no_unit, "message", {"name": f.name, "target_text": f.target_text,
                                   **f.headers("target")},
              column="度量单位", **f.where)


NO_UNIT = Check(
    code="NO_UNIT", severity=INFO, table="indicators",
    title="缺少计量单位", summary="定量指标没有计量单位",
    what="定量指标的指标值是数字，但计量单位栏和指标值本身都没有单位（个、人、万元、% …），"
         "名称也没有说明计量的是什么（如以“数”“率”“系数”结尾或括号中写明单位的除外）。",
    why="没有单位的数字无法核对：43.2 是万元、吨还是个？完成值与指标值也可能用了不同的单位。",
    example="“配套电力设施变压器”指标值 3、实际完成 9.3：应写明“台”。",
    basis=f"{BASIS_10}附件自评表（指标值含计量单位）；review-practice.md §3：缺少度量单位。",
    messages={"message": "定量指标“{name:text}”的{target_header}“{target_text:or_blank}”没有计量单位。"
                         "请写明单位（如个、人、万元、%），以便核对完成值。"},
    condition=_no_unit)


CHECKS = (MONEY_AS_OUTPUT, DUPLICATE_INDICATOR, COST_WITHOUT_CEILING, UNVERIFIABLE_TARGET,
          UNIFORM_TARGETS, SATISFACTION_WITHOUT_SURVEY, NO_COST_INDICATOR, NO_UNIT)


# -- ACTUALS_EQUAL_TARGETS -----------------------------------------------------------------

def _actuals_equal_targets(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    n_units = len(ctx.unit_ids)
    codes = np.asarray(f.codes, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        same_number = ~np.isnan(f.target) & (f.actual == f.target)
        differing_number = ~np.isnan(f.target) & ~np.isnan(f.actual) & (f.actual != f.target)
    # only units without a differing figure can have every actual equal to its target
    candidate = np.bincount(codes[differing_number], minlength=n_units) == 0
    texts = np.flatnonzero(~same_number & candidate[codes])
    same = same_number.copy()
    if len(texts):
        target = f.source["target_text"].to_numpy(object)[texts]
        actual = f.source["actual_text"].to_numpy(object)[texts]
        same[texts] = [_plain(a) != "" and _plain(a) == _plain(t) for t, a in zip(target, actual)]
    count = np.bincount(codes, minlength=n_units)
    differing = np.bincount(codes[~same], minlength=n_units)
    copied = (count >= params["min_count"]) & (differing == 0)
    yield Hit(copied, "message", {"count": count}, unit_code=np.arange(n_units),
              column=f.header("actual"), indicator="全部指标")


ACTUALS_EQUAL_TARGETS = Check(
    code="ACTUALS_EQUAL_TARGETS", severity=INFO, table="indicators",
    title="完成值照抄指标值", summary="每一项指标的实际完成值都与指标值相同",
    what="一个单位的全部三级指标（不少于 min_count 项，默认 5 项），实际完成值都与指标值相同"
         "（数值相等，或文字相同）。",
    why="每项指标都恰好完成、不多不少，更可能是把指标值抄进了完成值，而不是实际统计的结果；"
        "复核时应逐项查看佐证材料。",
    example="五项指标的实际完成值“≥266米”“≥50厘米”“100%”……与指标值一字不差。",
    basis=f"{REVIEW_PRACTICE}：完成值须有佐证材料，无佐证的不得分。",
    messages={"message": "全部 {count:num0} 项指标的实际完成值都与指标值相同，像是照抄了指标值。"
                         "请核对每项指标的实际完成情况，并附统计数据或佐证材料。"},
    parameters=(Parameter("min_count", "至少几项指标才报告", default=5, kind=int, low=1),),
    condition=_actuals_equal_targets)

CHECKS = CHECKS + (ACTUALS_EQUAL_TARGETS,)
