"""The audit: what a reviewer checks in the figures a unit reported.

:func:`audit` compares the input tables with the scored tables of
:func:`perfnb.scoring.score_tables` and returns one DataFrame of findings (``FINDING_COLUMNS``
of model.py), vectorised over all units at once.  Each finding has a stable ``code`` (see
:data:`CODES`), a severity (error / warning / info), a location (sheet, row, column header,
indicator) and a Chinese message that gives both figures and says what to do.

An explanation present in the data (偏差原因 for an indicator, the budget's reason) silences
the findings that ask for one (MISSING_DEVIATION_REASON, OVER_ACHIEVEMENT,
COST_BUDGET_MISMATCH, LOW_EXECUTION).

Where one cause would produce two findings, only the specific one is reported: a reported
score above its weight is SCORE_OVER_WEIGHT (not also SCORE_MISMATCH); a qualitative score
outside its band is QUALITATIVE_OUT_OF_BAND; an indicator without an actual is MISSING_VALUE.
A subtotal row whose score differs from its items is SUBTOTAL_MISMATCH, one whose weight
differs is WEIGHT_ROLLUP (the seed's 效益 合计, 10/10 against 30/30, gets both).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .model import (BUDGET_DIMENSION, FINDING_COLUMNS, KIND_QUALITATIVE, OPERATOR_SYMBOLS,
                    REVERSE_OPERATORS, STATUS_MISSING, STATUS_PARTIAL, STATUS_UNMET, UnitTables)
from .rules import RuleSet, get_rules
from .scoring import (BY_LEVEL, BY_NOTHING, BY_NUMBER, blank_column, numbers, per_unique,
                      text_column, unit_codes)

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
SEVERITY_LABELS = {ERROR: "错误", WARNING: "警告", INFO: "提示"}

# code -> (Chinese title, what it checks).  Codes are stable: notebooks and scripts key on them.
CODES: dict[str, tuple[str, str]] = {
    "SCORE_MISMATCH": ("得分与规则不符", "填报得分与按规则计算的得分不一致"),
    "SCORE_OVER_WEIGHT": ("得分超过分值", "填报得分高于该指标的分值"),
    "SUBTOTAL_MISMATCH": ("合计得分不符", "合计/小计行的得分不等于其下各项得分之和"),
    "TOTAL_MISMATCH": ("总分不符", "填报的总分与计算的总分不一致"),
    "BUDGET_MISMATCH": ("预算执行率或得分不符", "填报的执行率或预算执行得分与计算值不一致"),
    "WEIGHT_ROLLUP": ("分值不能汇总", "分值合计不等于满分，或合计/小计行的分值不等于其下各项之和"),
    "MISSING_DEVIATION_REASON": ("缺少偏差原因", "得分低于分值却未说明偏差原因"),
    "OVER_ACHIEVEMENT": ("超额完成未说明", "实际完成值远超指标值却未说明原因"),
    "LOW_EXECUTION": ("预算执行率偏低", "执行率低于规定下限且未说明原因"),
    "TEXT_ACTUAL": ("定量指标填了文字", "定量指标的实际完成值不是数值"),
    "DIRECTION_CONFLICT": ("指标方向矛盾", "正向/反向与指标值的符号或指标类型矛盾"),
    "COST_BUDGET_MISMATCH": ("成本指标与预算不符", "以万元计的成本指标与预算数不一致"),
    "GRADE_MISMATCH": ("评价等级不符", "填报的等级与总分所在的等级区间不一致"),
    "QUALITATIVE_OUT_OF_BAND": ("定性得分超出档次区间", "定性指标的填报得分不在其档次的得分区间内"),
    "MISSING_VALUE": ("缺少数据", "实际完成值、指标值、分值或得分为空"),
    "KIND_CONFLICT": ("指标性质矛盾", "指标性质（定性/定量）与指标值不一致"),
}
CODE_ORDER = {code: i for i, code in enumerate(CODES)}

# Column headers as each input layout writes them.
HEADERS = {
    "default": {"target": "年度指标值", "actual": "实际完成值", "weight": "分值", "score": "得分",
                "reason": "偏差原因分析及改进措施", "direction": "指标方向", "kind": "指标性质",
                "rate": "执行率", "budget_score": "得分", "budget_reason": "偏差原因"},
    "sichuan": {"target": "指标值", "actual": "完成值", "weight": "权重", "score": "得分",
                "reason": "未完成原因分析", "direction": "指标性质", "kind": "指标性质",
                "rate": "预算执行率", "budget_score": "得分", "budget_reason": "原因"},
}


# -- formatting helpers (vectorised over distinct values) ---------------------------------

def _fmt_number(value: float, digits: int = 2) -> str:
    if value is None or np.isnan(value):
        return "空"
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"
    return "0" if text in ("-0", "") else text


def fmt(values, digits: int = 2) -> pd.Series:
    """Numbers as short text ("3.75", "5", "1,972.41"; NaN -> "空"), as an object Series."""
    values = pd.Series(np.asarray(values, dtype=float))
    return pd.Series(per_unique(values, lambda v: _fmt_number(np.nan if v is None else v, digits),
                                len(values)), dtype=object)


def pct(values, digits: int = 2) -> pd.Series:
    """Fractions as percentages ("88.49%")."""
    values = np.asarray(values, dtype=float) * 100
    return pd.Series(per_unique(pd.Series(values),
                                lambda v: "空" if v is None or np.isnan(v)
                                else f"{v:.{digits}f}".rstrip("0").rstrip(".") + "%",
                                len(values)), dtype=object)


def txt(values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def cat(*parts) -> np.ndarray:
    """Element-wise concatenation of text Series / arrays and plain strings."""
    length = next(len(p) for p in parts if not isinstance(p, str))
    result = pd.Series([""] * length, dtype=object) if length else pd.Series([], dtype=object)
    for part in parts:
        if isinstance(part, str):
            result = result + part
        else:
            result = result + pd.Series(np.asarray(part, dtype=object), dtype=object).fillna("")
    return result.to_numpy(dtype=object)


class _Findings:
    """Collects finding pieces, each built from a row mask over a frame."""

    def __init__(self) -> None:
        self.parts: list[pd.DataFrame] = []

    def add(self, code: str, severity, mask: np.ndarray, *, unit_code: np.ndarray, sheet,
            row, column, indicator, message) -> None:
        if not mask.any():
            return
        count = int(mask.sum())

        def pick(value):
            if isinstance(value, str) or value is None:
                return np.full(count, value, dtype=object)
            return np.asarray(value)[mask] if len(value) == len(mask) else np.asarray(value)

        rows = pd.array(pick(row), dtype="Int64") if row is not None else pd.array(
            [pd.NA] * count, dtype="Int64")
        self.parts.append(pd.DataFrame({
            "_unit": pick(unit_code).astype(np.int64),
            "code": code,
            "severity": pick(severity).astype(object),
            "sheet": pick(sheet).astype(object),
            "row": rows,
            "column": pick(column).astype(object),
            "indicator": pick(indicator).astype(object),
            "message": pick(message).astype(object),
        }))


def _masked(values: np.ndarray | pd.Series, mask: np.ndarray) -> np.ndarray:
    return np.asarray(values)[mask]


# -- indicator checks -----------------------------------------------------------------

def _indicator_findings(out: _Findings, tables: UnitTables, scored: dict, rules: RuleSet,
                        unit_ids: pd.Index, layout_sichuan: np.ndarray) -> None:
    ind = scored["indicators"]
    n = len(ind)
    if not n:
        return
    codes = unit_codes(unit_ids, ind, "指标表")
    sichuan = layout_sichuan[codes]

    def header(key: str) -> np.ndarray:
        return np.where(sichuan, HEADERS["sichuan"][key], HEADERS["default"][key]).astype(object)

    target, actual = numbers(ind, "target"), numbers(ind, "actual")
    weight, reported = numbers(ind, "weight"), numbers(ind, "reported_score")
    score = ind["score"].to_numpy(float)
    completion = ind["completion_ratio"].to_numpy(float)
    status = ind["status"].to_numpy(object)
    scored_by = ind["scored_by"].to_numpy(object)
    in_band = ind["in_band"].to_numpy(bool)
    over = ind["over_achieved"].to_numpy(bool)
    operator = ind["operator_used"].to_numpy(object)
    level = ind["qualitative_level"].to_numpy(object)
    name = text_column(ind, "name")
    level2 = text_column(ind, "level2")
    target_text, actual_text = text_column(ind, "target_text"), text_column(ind, "actual_text")
    measure_unit = text_column(ind, "measure_unit")
    kind = text_column(ind, "kind")
    qualitative = kind == KIND_QUALITATIVE
    reason_blank = blank_column(ind, "deviation_reason")
    sheet = ind["sheet"].to_numpy(object) if "sheet" in ind else np.full(n, None, dtype=object)
    row = ind["row"].to_numpy(object) if "row" in ind else np.full(n, None, dtype=object)
    tol = rules.tolerance + 1e-9
    has_reported = ~np.isnan(reported)

    def at(mask):
        return {"unit_code": codes, "sheet": sheet, "row": row, "indicator": name}

    quoted = cat("“", name, "”")
    figures = cat("（", header("target"), " ", np.where(target_text == "", "空", target_text),
                  "，", header("actual"), " ", np.where(actual_text == "", "空", actual_text),
                  "，", header("weight"), " ", fmt(weight), " 分）")

    # SCORE_OVER_WEIGHT / SCORE_MISMATCH
    over_weight = has_reported & ~np.isnan(weight) & (reported > weight + tol)
    out.add("SCORE_OVER_WEIGHT", ERROR, over_weight, column=header("score"), **at(over_weight),
            message=cat(quoted, "填报得分 ", fmt(reported), " 分，超过该指标的分值 ", fmt(weight),
                        " 分；按规则应得 ", fmt(score), " 分。得分不能超过分值，请更正。"))
    mismatch = (has_reported & ~np.isnan(score) & (scored_by == BY_NUMBER)
                & (np.abs(reported - score) > tol) & ~over_weight)
    out.add("SCORE_MISMATCH", ERROR, mismatch, column=header("score"), **at(mismatch),
            message=cat(quoted, "填报得分 ", fmt(reported), " 分，按规则计算应为 ", fmt(score),
                        " 分", figures, "。请更正得分，或核对指标值与实际完成值。"))

    # QUALITATIVE_OUT_OF_BAND
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    share = np.full(n, np.nan)
    for spec in rules.qualitative_levels:
        here = level == spec.name
        low[here], high[here], share[here] = spec.low, spec.high, spec.share
    out_of_band = (scored_by == BY_LEVEL) & has_reported & ~in_band & ~over_weight
    band_text = np.where(high >= 1.0,
                         cat(fmt(low * weight), "～", fmt(weight), " 分"),
                         cat(fmt(low * weight), " 分（含）至 ", fmt(high * weight), " 分（不含）"))
    out.add("QUALITATIVE_OUT_OF_BAND", WARNING, out_of_band, column=header("score"),
            **at(out_of_band),
            message=cat(quoted, "评定为“", level, "”（", header("actual"), " ",
                        np.where(actual_text == "", "空", actual_text), "，", header("target"), " ",
                        np.where(target_text == "", "空", target_text), "），该档得分应在 ",
                        band_text, "之间（分值 ", fmt(weight), " 分），填报得分 ", fmt(reported),
                        " 分不在此区间，已按该档默认比例 ", pct(share, 0), " 计 ", fmt(score),
                        " 分。请按档次重新打分，或调整评定的档次。"))

    # MISSING_DEVIATION_REASON
    below = (np.isin(status, [STATUS_PARTIAL, STATUS_UNMET]) & (score < weight - tol)
             & reason_blank)
    out.add("MISSING_DEVIATION_REASON", WARNING, below, column=header("reason"), **at(below),
            message=cat(quoted, "得分 ", fmt(score), " 分，低于分值 ", fmt(weight), " 分", figures,
                        "，但未填写偏差原因。请在“", header("reason"),
                        "”中说明未完成的原因和改进措施。"))

    # OVER_ACHIEVEMENT
    over_mask = over & reason_blank
    cut_note = (f"按本规则，其得分已限制为分值的 {rules.over_achievement_cut_share:.0%}。"
                if rules.cut_over_achievement else "")
    out.add("OVER_ACHIEVEMENT", WARNING, over_mask, column=header("actual"), **at(over_mask),
            message=cat(quoted, header("actual"), " ", actual_text, " 达到", header("target"), " ",
                        target_text, " 的 ", pct(completion, 0), "，超过 ",
                        f"{rules.over_achievement_ratio:.0%}", "，但未说明原因。请在“",
                        header("reason"), "”中说明超额完成的原因（是否指标值设定偏低），"
                        "并在下一年度合理设定指标值。", cut_note))

    # TEXT_ACTUAL
    text_actual = ~qualitative & np.isnan(actual) & (actual_text != "")
    by_word = text_actual & (scored_by == BY_LEVEL)
    unreadable = text_actual & (scored_by == BY_NOTHING)
    unit_hint = np.where(measure_unit == "", "", cat("（", measure_unit, "）"))
    out.add("TEXT_ACTUAL", WARNING, by_word, column=header("actual"), **at(by_word),
            message=cat(quoted, "是定量指标（", header("target"), " ", target_text, "），",
                        header("actual"), "却填写为文字“", actual_text, "”，已按“", level,
                        "”计 ", fmt(score), " 分。请填写具体数值", unit_hint, "。"))
    out.add("TEXT_ACTUAL", ERROR, unreadable, column=header("actual"), **at(unreadable),
            message=cat(quoted, "是定量指标（", header("target"), " ", target_text, "），",
                        header("actual"), "“", actual_text, "”不是数值，也不是可识别的完成情况，"
                        "按 0 分计。请填写具体数值", unit_hint, "。"))

    # DIRECTION_CONFLICT
    direction = text_column(ind, "declared_direction")
    said_forward = per_unique(pd.Series(direction), lambda v: "正向" in (v or ""), n).astype(bool)
    said_reverse = per_unique(pd.Series(direction), lambda v: "反向" in (v or ""), n).astype(bool)
    is_reverse_op = np.isin(operator, REVERSE_OPERATORS) & ~qualitative
    is_forward_op = ~np.isin(operator, REVERSE_OPERATORS) & ~qualitative
    cost = per_unique(pd.Series(level2), lambda v: "成本" in (v or ""), n).astype(bool)
    symbol = pd.Series(operator, dtype=object).map(OPERATOR_SYMBOLS).fillna("").to_numpy(object)
    forward_on_ceiling = said_forward & is_reverse_op
    reverse_on_floor = said_reverse & is_forward_op & ~said_forward
    forward_on_cost = said_forward & cost & ~forward_on_ceiling
    conflict = forward_on_ceiling | reverse_on_floor | forward_on_cost
    cost_note = np.where(cost, "成本指标通常是不超过预算的上限，", "")
    message = np.select(
        [forward_on_ceiling, reverse_on_floor],
        [cat(quoted, "标为正向指标，但", header("target"), " ", target_text, "（", symbol,
             "）是上限，", cost_note, "属于反向指标（越小越好）。已按反向指标计分，"
             "请将指标方向改为反向。"),
         cat(quoted, "标为反向指标，但", header("target"), " ", target_text, "（", symbol,
             "）是下限或定值，属于正向指标。已按正向指标计分，请核对指标方向或指标值的符号。")],
        cat(quoted, "是成本指标，成本通常是不超过预算的上限（反向指标，如“≤", target_text,
            "”），却标为正向指标。请核对指标方向和指标值的符号。"))
    out.add("DIRECTION_CONFLICT", WARNING, conflict, column=header("direction"), **at(conflict),
            message=message)

    # COST_BUDGET_MISMATCH
    budgets = scored["budgets"]
    initial = budgets["initial"].to_numpy(float)[codes]
    adjusted = budgets["adjusted"].to_numpy(float)[codes]
    executed = budgets["executed"].to_numpy(float)[codes]
    in_wan = (per_unique(pd.Series(measure_unit), lambda v: "万元" in (v or ""), n).astype(bool)
              | per_unique(pd.Series(target_text), lambda v: "万元" in (v or ""), n).astype(bool))
    cost_money = cost & in_wan & ~np.isnan(target) & reason_blank & ~np.isnan(initial)
    below_executed = cost_money & ~np.isnan(executed) & (target < executed - tol)
    not_budget = (cost_money & (np.abs(target - initial) > tol)
                  & (np.isnan(adjusted) | (np.abs(target - adjusted) > tol)))
    cost_mismatch = below_executed | not_budget
    budget_text = np.where(np.isnan(adjusted), cat("年初预算数 ", fmt(initial), " 万元"),
                           cat("年初预算数 ", fmt(initial), " 万元，全年预算数 ", fmt(adjusted), " 万元"))
    out.add("COST_BUDGET_MISMATCH", WARNING, cost_mismatch, column=header("target"),
            **at(cost_mismatch),
            message=np.where(
                below_executed,
                cat("成本指标", quoted, "的上限 ", fmt(target), " 万元低于全年执行数 ", fmt(executed),
                    " 万元（", budget_text, "）。请核对指标值，或在“", header("reason"),
                    "”中说明支出超过成本上限的原因。"),
                cat("成本指标", quoted, "的指标值 ", fmt(target), " 万元与预算数（", budget_text,
                    "）不一致。若该指标是项目总成本，应与预算数一致；若只计部分成本，请在“",
                    header("reason"), "”中说明口径。")))

    # MISSING_VALUE
    actual_blank = (actual_text == "") & np.isnan(actual) & blank_column(ind, "actual_grade")
    out.add("MISSING_VALUE", ERROR, actual_blank, column=header("actual"), **at(actual_blank),
            message=cat(quoted, "的", header("actual"), "为空，无法评分，按 0 分计。请填写",
                        header("actual"), "。"))
    target_blank = (target_text == "") & np.isnan(target) & blank_column(ind, "target_grade")
    unscored = target_blank & (scored_by == BY_NOTHING) & ~actual_blank
    graded = target_blank & ~unscored & ~actual_blank
    out.add("MISSING_VALUE", ERROR, unscored, column=header("target"), **at(unscored),
            message=cat(quoted, "的", header("target"), "为空，无法判断完成情况，按 0 分计。请填写",
                        header("target"), "。"))
    out.add("MISSING_VALUE", WARNING, graded, column=header("target"), **at(graded),
            message=cat(quoted, "的", header("target"), "为空，已按最高等级作为目标评定。请填写",
                        header("target"), "。"))
    weight_blank = np.isnan(weight)
    out.add("MISSING_VALUE", ERROR, weight_blank, column=header("weight"), **at(weight_blank),
            message=cat(quoted, "的", header("weight"), "为空，无法计分。请填写", header("weight"), "。"))
    unit_reports = np.bincount(codes, has_reported, minlength=len(unit_ids)) > 0
    score_blank = ~has_reported & unit_reports[codes] & ~np.isnan(score)
    out.add("MISSING_VALUE", WARNING, score_blank, column=header("score"), **at(score_blank),
            message=cat(quoted, "的", header("score"), "为空（同表其他指标填写了得分），按规则计算为 ",
                        fmt(score), " 分。请补填得分。"))

    # KIND_CONFLICT
    declared_kind = pd.Series(text_column(ind, "declared_kind"))
    said_qualitative = per_unique(declared_kind, lambda v: "定性" in (v or ""), n).astype(bool)
    said_quantitative = per_unique(declared_kind, lambda v: "定量" in (v or ""), n).astype(bool)
    numeric_but_qualitative = said_qualitative & ~np.isnan(target)
    text_but_quantitative = said_quantitative & qualitative & np.isnan(target) & ~target_blank
    out.add("KIND_CONFLICT", INFO, numeric_but_qualitative, column=header("kind"),
            **at(numeric_but_qualitative),
            message=cat(quoted, "的指标性质写为定性，但", header("target"), " ", target_text,
                        " 是数值，已按定量指标计分。请核对指标性质。"))
    out.add("KIND_CONFLICT", INFO, text_but_quantitative, column=header("kind"),
            **at(text_but_quantitative),
            message=cat(quoted, "的指标性质写为定量，但", header("target"), "“", target_text,
                        "”不是数值，已按定性指标评定。请填写数值指标值，或将指标性质改为定性。"))


# -- budget checks ---------------------------------------------------------------------

def _budget_findings(out: _Findings, scored: dict, rules: RuleSet, unit_ids: pd.Index,
                     layout_sichuan: np.ndarray) -> None:
    budgets = scored["budgets"]
    n = len(budgets)
    if not n:
        return
    codes = np.arange(n)
    rate = budgets["rate"].to_numpy(float)
    score = budgets["score"].to_numpy(float)
    weight = budgets["effective_weight"].to_numpy(float)
    base = budgets["base"].to_numpy(float)
    initial, adjusted, executed = (budgets[c].to_numpy(float) for c in ("initial", "adjusted", "executed"))
    reported_rate = budgets["reported_rate"].to_numpy(float)
    reported_score = budgets["reported_score"].to_numpy(float)
    reason_blank = blank_column(budgets, "reason")
    sheet = budgets["sheet"].to_numpy(object) if "sheet" in budgets else np.full(n, None, object)
    row = budgets["row"].to_numpy(object) if "row" in budgets else np.full(n, None, object)
    where = {"unit_code": codes, "sheet": sheet, "row": row, "indicator": "年度资金总额"}

    def header(key: str) -> np.ndarray:
        return np.where(layout_sichuan, HEADERS["sichuan"][key], HEADERS["default"][key]).astype(object)

    base_label = np.where(np.isnan(adjusted), "年初预算数", "全年预算数")
    has_rate = ~np.isnan(rate)
    rate_off = has_rate & ~np.isnan(reported_rate) & (np.abs(reported_rate - rate) > rules.rate_tolerance + 1e-12)
    out.add("BUDGET_MISMATCH", ERROR, rate_off, column=header("rate"), **where,
            message=cat("填报的预算执行率 ", pct(reported_rate), " 与按全年执行数 ", fmt(executed),
                        " 万元 ÷ ", base_label, " ", fmt(base), " 万元计算的 ", pct(rate),
                        " 不一致。请更正执行率。"))
    score_off = ~np.isnan(reported_score) & (np.abs(reported_score - score) > rules.tolerance + 1e-9)
    out.add("BUDGET_MISMATCH", ERROR, score_off, column=header("budget_score"), **where,
            message=cat("填报的预算执行率得分 ", fmt(reported_score), " 分，按规则应为 ", fmt(score),
                        " 分（执行率 ", pct(rate), "，超过 100% 按 100% 计，乘以分值 ", fmt(weight),
                        " 分）。请更正得分。"))
    low = has_rate & (rate < rules.low_execution_rate - 1e-12) & reason_blank
    severity = ERROR if rules.low_execution_requires_reason else WARNING
    required = (f"按“{rules.title}”，执行率低于 {rules.low_execution_rate:.0%} 必须说明原因。"
                if rules.low_execution_requires_reason else "")
    out.add("LOW_EXECUTION", severity, low, column=header("budget_reason"), **where,
            message=cat("预算执行率 ", pct(rate), "（全年执行数 ", fmt(executed), " 万元 ÷ ", base_label,
                        " ", fmt(base), " 万元）低于 ", f"{rules.low_execution_rate:.0%}",
                        "，未说明原因。", required,
                        "请说明执行偏低的原因（如项目延期、采购节约、资金结转）及改进措施。"))
    no_rate = ~has_rate
    out.add("MISSING_VALUE", ERROR, no_rate, column=header("rate"), **where,
            message=cat("预算执行数据不完整（年初预算数 ", fmt(initial), " 万元，全年预算数 ",
                        fmt(adjusted), " 万元，全年执行数 ", fmt(executed),
                        " 万元），无法计算执行率，预算执行按 0 分计。请补填预算数和执行数。"))


# -- subtotals, totals, weights and grade ------------------------------------------------

def _group_sums(keys: np.ndarray, values: list[np.ndarray]):
    unique_keys, inverse = np.unique(keys, return_inverse=True)
    return unique_keys, [np.bincount(inverse, v, minlength=len(unique_keys)) for v in values]


def _lookup(unique_keys: np.ndarray, sums: list[np.ndarray], wanted: np.ndarray) -> list[np.ndarray]:
    position = np.searchsorted(unique_keys, wanted)
    position = np.clip(position, 0, max(len(unique_keys) - 1, 0))
    found = (unique_keys[position] == wanted) if len(unique_keys) else np.zeros(len(wanted), bool)
    return [np.where(found, s[position] if len(s) else 0.0, 0.0) for s in sums]


def _subtotal_findings(out: _Findings, tables: UnitTables, scored: dict, rules: RuleSet,
                       unit_ids: pd.Index) -> None:
    reported = tables.reported
    if reported is None or not len(reported):
        return
    ind = scored["indicators"]
    rows = reported[reported["level"].isin(["level1", "level2"])]
    if not len(rows):
        return
    codes_ind = unit_codes(unit_ids, ind, "指标表")
    codes_rep = unit_codes(unit_ids, rows, "合计行")
    level1_ind, level2_ind = text_column(ind, "level1"), text_column(ind, "level2")
    level1_rep, level2_rep = text_column(rows, "level1"), text_column(rows, "level2")
    names = pd.Index(pd.unique(np.concatenate([level1_ind, level2_ind, level1_rep, level2_rep])))
    l1_ind, l2_ind = names.get_indexer(level1_ind), names.get_indexer(level2_ind)
    l1_rep, l2_rep = names.get_indexer(level1_rep), names.get_indexer(level2_rep)
    size = np.int64(len(names) + 1)

    weight = np.nan_to_num(numbers(ind, "weight"), nan=0.0)
    score = np.nan_to_num(ind["score"].to_numpy(float), nan=0.0)
    reported_item = numbers(ind, "reported_score")
    item_score = np.where(np.isnan(reported_item), score, reported_item)
    values = [weight, score, item_score]

    key1_ind = codes_ind.astype(np.int64) * size * size + (l1_ind + 1) * size
    key2_ind = key1_ind + (l2_ind + 1)
    is_level2 = (rows["level"] == "level2").to_numpy() & (level2_rep != "")
    key_rep = codes_rep.astype(np.int64) * size * size + (l1_rep + 1) * size \
        + np.where(is_level2, l2_rep + 1, 0)
    keys1, sums1 = _group_sums(key1_ind, values)
    keys2, sums2 = _group_sums(key2_ind, values)
    at1 = _lookup(keys1, sums1, key_rep)
    at2 = _lookup(keys2, sums2, key_rep)
    item_weight, item_computed, item_reported = (np.where(is_level2, b, a) for a, b in zip(at1, at2))

    rep_weight, rep_score = numbers(rows, "weight"), numbers(rows, "score")
    tol = rules.tolerance + 1e-9
    label = np.where(is_level2, cat("“", level2_rep, "”小计行"), cat("“", level1_rep, "”合计行"))
    where = {"unit_code": codes_rep, "sheet": rows["sheet"].to_numpy(object),
             "row": rows["row"].to_numpy(object),
             "indicator": np.where(is_level2, cat(level2_rep, " 小计"), cat(level1_rep, " 合计"))}
    score_off = ~np.isnan(rep_score) & (np.abs(rep_score - item_reported) > tol)
    out.add("SUBTOTAL_MISMATCH", ERROR, score_off, column="得分", **where,
            message=cat(label, "填报得分 ", fmt(rep_score), " 分，但其下各项得分相加为 ",
                        fmt(item_reported), " 分（按规则计算为 ", fmt(item_computed),
                        " 分）。请更正合计得分。"))
    weight_off = ~np.isnan(rep_weight) & (np.abs(rep_weight - item_weight) > tol)
    out.add("WEIGHT_ROLLUP", ERROR, weight_off, column="分值", **where,
            message=cat(label, "填报分值 ", fmt(rep_weight), " 分，但其下各项分值相加为 ",
                        fmt(item_weight), " 分。请核对合计行或各指标的分值。"))


def _normalise_reported_grade(rules: RuleSet):
    grades = {g for scale in rules.grade_scales for g in scale} | set(rules.grades)
    words = sorted(set(rules.grade_aliases) | grades, key=len, reverse=True)

    def normalise(value) -> str | None:
        text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
        text = re.sub(r"[\s“”\"'‘’：:（）()【】]", "", text)
        text = re.sub(r"(等级|等次|级)$", "", text)
        if not text:
            return None
        if text in grades or text in rules.grade_aliases:
            return rules.grade_aliases.get(text, text)
        for word in words:   # a longer sentence: the first grade word written in it
            if len(word) > 1 and word in text:
                return rules.grade_aliases.get(word, word)
        match = re.search(r"(?:为|评为|评定为|等级)([优良中低差])", text)
        return match.group(1) if match else None

    return normalise


def _unit_findings(out: _Findings, tables: UnitTables, scored: dict, rules: RuleSet,
                   unit_ids: pd.Index) -> None:
    units = tables.units
    totals = scored["totals"]
    n = len(units)
    if not n:
        return
    codes = np.arange(n)
    total = totals["total"].to_numpy(float)
    weight = totals["weight"].to_numpy(float)
    indicator_weight = totals["indicator_weight"].to_numpy(float)
    indicator_score = totals["indicator_score"].to_numpy(float)
    budget_score = scored["budgets"]["score"].to_numpy(float)
    budget_weight = scored["budgets"]["effective_weight"].to_numpy(float)
    tol = rules.tolerance + 1e-9
    grade = totals["grade"].to_numpy(object)

    # TOTAL_MISMATCH on the 总分 the unit reported
    reported_total = numbers(units, "reported_total")
    total_off = ~np.isnan(reported_total) & (np.abs(reported_total - total) > tol)
    explain = cat("（预算执行 ", fmt(budget_score), " 分 + 各项指标 ", fmt(indicator_score), " 分）")
    out.add("TOTAL_MISMATCH", ERROR, total_off, unit_code=codes,
            sheet=units.get("reported_total_sheet", pd.Series([None] * n)).to_numpy(object),
            row=units.get("reported_total_row", pd.Series([None] * n)).to_numpy(object),
            column="总分", indicator="总分",
            message=cat("填报的总分 ", fmt(reported_total), " 分与按规则计算的总分 ", fmt(total),
                        " 分不一致", explain, "。请更正总分。"))

    # reported 'total' rows (总分 / 合计 of everything) other than the same figure
    reported = tables.reported
    if reported is not None and len(reported):
        rows = reported[reported["level"] == "total"]
        if len(rows):
            rc = unit_codes(unit_ids, rows, "合计行")
            rw, rs = numbers(rows, "weight"), numbers(rows, "score")
            # A 合计 of the indicators alone (without the budget) is compared with their sum.
            indicators_only = (~np.isnan(rw) & (np.abs(rw - indicator_weight[rc]) <= tol)
                               & (np.abs(rw - weight[rc]) > tol))
            expected_score = np.where(indicators_only, indicator_score[rc], total[rc])
            expected_weight = np.where(indicators_only, indicator_weight[rc], weight[rc])
            same_as_unit = ~np.isnan(reported_total[rc]) & (np.abs(rs - reported_total[rc]) <= tol)
            off = ~np.isnan(rs) & (np.abs(rs - expected_score) > tol) & ~same_as_unit
            where = {"unit_code": rc, "sheet": rows["sheet"].to_numpy(object),
                     "row": rows["row"].to_numpy(object), "indicator": "合计"}
            out.add("TOTAL_MISMATCH", ERROR, off, column="得分", **where,
                    message=cat("合计行填报得分 ", fmt(rs), " 分，按规则计算应为 ", fmt(expected_score),
                                " 分。请更正合计得分。"))
            woff = ~np.isnan(rw) & (np.abs(rw - expected_weight) > tol)
            out.add("WEIGHT_ROLLUP", ERROR, woff, column="分值", **where,
                    message=cat("合计行填报分值 ", fmt(rw), " 分，但各项分值相加为 ",
                                fmt(expected_weight), " 分。请核对合计行或各指标的分值。"))

    # WEIGHT_ROLLUP: indicators + budget must make the rule set's total
    has_indicators = totals["indicator_count"].to_numpy() > 0
    weight_off = has_indicators & (np.abs(weight - rules.total_weight) > tol)
    out.add("WEIGHT_ROLLUP", ERROR, weight_off, unit_code=codes, sheet=None, row=None,
            column="分值", indicator="分值合计",
            message=cat("各项指标分值 ", fmt(indicator_weight), " 分加预算执行分值 ", fmt(budget_weight),
                        " 分共 ", fmt(weight), " 分，不等于满分 ", _fmt_number(rules.total_weight),
                        " 分（", rules.title, "）。请核对各指标的分值。"))

    # GRADE_MISMATCH
    normalise = _normalise_reported_grade(rules)
    reported_grade_text = text_column(units, "reported_grade")
    reported_grade = per_unique(units.get("reported_grade"), normalise, n)
    grade_off = pd.notna(reported_grade) & pd.notna(grade) & (reported_grade != grade)
    bands = "，".join(
        f"{band.grade} ≥ {_fmt_number(band.min)}" if i < len(rules.grade_bands) - 1
        else f"{band.grade} < {_fmt_number(rules.grade_bands[i - 1].min)}"
        for i, band in enumerate(rules.grade_bands))
    out.add("GRADE_MISMATCH", ERROR, grade_off, unit_code=codes,
            sheet=units.get("reported_grade_sheet", pd.Series([None] * n)).to_numpy(object),
            row=units.get("reported_grade_row", pd.Series([None] * n)).to_numpy(object),
            column="评价等级", indicator="评价等级",
            message=cat("填报的评价等级“", reported_grade_text, "”与总分 ", fmt(total),
                        " 分对应的等级“", grade, "”不一致（", bands, "）。请更正评价等级。"))


# -- entry point -----------------------------------------------------------------------

def audit(tables: UnitTables, scored: dict[str, pd.DataFrame], rules: RuleSet | str = "central"
          ) -> pd.DataFrame:
    """All findings for all units, ordered by unit, severity, row: ``FINDING_COLUMNS``."""
    rules = get_rules(rules)
    units = tables.units
    unit_ids = pd.Index(units["unit_id"].astype(str).to_numpy(object))
    layout = text_column(units, "layout")
    layout_sichuan = layout == "sichuan"
    out = _Findings()
    _indicator_findings(out, tables, scored, rules, unit_ids, layout_sichuan)
    _budget_findings(out, scored, rules, unit_ids, layout_sichuan)
    _subtotal_findings(out, tables, scored, rules, unit_ids)
    _unit_findings(out, tables, scored, rules, unit_ids)
    columns = list(FINDING_COLUMNS)
    if not out.parts:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        frame["row"] = frame["row"].astype("Int64")
        return frame
    frame = pd.concat(out.parts, ignore_index=True)
    severity_rank = frame["severity"].map(SEVERITY_ORDER).to_numpy()
    code_rank = frame["code"].map(CODE_ORDER).to_numpy()
    row_rank = frame["row"].fillna(2**31).to_numpy(dtype=np.int64)
    order = np.lexsort((code_rank, row_rank, severity_rank, frame["_unit"].to_numpy()))
    frame = frame.iloc[order].reset_index(drop=True)
    frame.insert(0, "unit_id", np.asarray(unit_ids, dtype=object)[frame["_unit"].to_numpy()])
    return frame[columns]


__all__ = ["audit", "CODES", "SEVERITY_LABELS", "SEVERITY_ORDER", "ERROR", "WARNING", "INFO"]
