"""The audit: what a reviewer checks in the figures a unit reported.

:func:`audit` compares the input tables with the scored tables of
:func:`perfnb.evaluation.scoring.score_tables` and returns one DataFrame of findings (``FINDING_COLUMNS``
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

import itertools
import re
from typing import Callable

import numpy as np
import pandas as pd

from perfnb.model import FINDING_COLUMNS, OPERATOR_SYMBOLS, STATUS_PARTIAL, STATUS_UNMET, UnitTables
from perfnb.evaluation.rules import RuleSet, get_rules
from perfnb.evaluation.scoring import (BY_LEVEL, BY_NOTHING, BY_NUMBER, factorized, map_where, numbers,
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


# -- formatting helpers: text held as codes into its distinct values ----------------------

class Texts:
    """Per-row text as codes into its distinct values: ``uniques[codes]``.

    Messages are built from few distinct pieces (indicator names, formatted numbers, column
    headers), so :func:`cat` joins each distinct *combination* of pieces once, not each row,
    and rows with the same message share one string object.  ``np.asarray`` gives the rows.
    """

    __slots__ = ("codes", "uniques")

    def __init__(self, codes: np.ndarray, uniques) -> None:
        self.codes = np.asarray(codes, dtype=np.intp)
        self.uniques = np.asarray(uniques, dtype=object)

    @classmethod
    def of(cls, values, func: Callable[[object], object] | None = None) -> "Texts":
        """The distinct values of ``values`` (missing ones as None), ``func`` of each if given."""
        if isinstance(values, Texts):
            return values.map(func) if func is not None else values
        values = np.asarray(values)
        if values.dtype.kind in "US":   # numpy text (np.where of constants): Python str
            values = values.astype(object)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        distinct = list(np.asarray(uniques, dtype=object)) + [None]   # code -1 -> missing
        codes = np.where(codes < 0, len(distinct) - 1, codes)
        if func is not None:
            distinct = [func(value) for value in distinct]
        return cls(codes, _object_array(distinct))

    def __len__(self) -> int:
        return len(self.codes)

    def map(self, func: Callable[[object], object]) -> "Texts":
        return Texts(self.codes, _object_array([func(value) for value in self.uniques]))

    def take(self, rows: np.ndarray) -> "Texts":
        return Texts(self.codes[rows], self.uniques)

    def values(self) -> np.ndarray:
        return self.uniques[self.codes]

    def __array__(self, dtype=None, copy=None):
        values = self.values()
        return values if dtype is None else values.astype(dtype)


def _object_array(values: list) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def choose(conditions: list, choices: list, default) -> Texts:
    """``np.select`` for text: the first choice whose condition holds, else ``default``."""
    parts = [Texts.of(c) if not isinstance(c, str) else c for c in [*choices, default]]
    length = next((len(p) for p in parts if not isinstance(p, str)),
                  len(np.asarray(conditions[0])) if conditions else 0)
    parts = [Texts(np.zeros(length, dtype=np.intp), [p]) if isinstance(p, str) else p for p in parts]
    offsets = np.cumsum([0] + [len(p.uniques) for p in parts])
    codes = parts[-1].codes + offsets[-2]
    for condition, part, offset in zip(reversed(conditions), reversed(parts[:-1]),
                                       reversed(offsets[:-2])):
        codes = np.where(np.asarray(condition, dtype=bool), part.codes + offset, codes)
    return Texts(codes, np.concatenate([p.uniques for p in parts]))


def cat(*parts) -> Texts:
    """Element-wise concatenation of text arrays and plain strings (no missing values);
    a list stands for its items in order (so helpers can return pieces, not joined text).

    Each distinct combination of the array parts is joined once (one ``str.join``)."""
    flat: list = []
    for part in parts:
        flat.extend(part) if isinstance(part, list) else flat.append(part)
    flat = [part if isinstance(part, str) else Texts.of(part) for part in flat]
    arrays = [part for part in flat if not isinstance(part, str)]
    length = len(arrays[0])
    # One integer key per row naming its combination of distinct pieces.
    key = np.zeros(length, dtype=np.int64)
    size = 1
    for part in arrays:
        count = len(part.uniques)
        if size * count >= 2**62:
            codes, distinct = pd.factorize(key)
            key, size = codes.astype(np.int64), len(distinct)
        key = key * count + part.codes
        size *= count
    codes, distinct = pd.factorize(key)
    # pd.factorize numbers combinations in order of appearance: a row is a combination's
    # first when its code exceeds every earlier code.
    first = np.ones(length, dtype=bool)
    if length > 1:
        first[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    rows = np.flatnonzero(first)
    columns = [itertools.repeat(part, len(rows)) if isinstance(part, str)
               else part.uniques[part.codes[rows]] for part in flat]
    return Texts(codes, _object_array(["".join(row) for row in zip(*columns)]))


def _fmt_number(value, digits: int = 2) -> str:
    if value is None or np.isnan(value):
        return "空"
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"
    return "0" if text in ("-0", "") else text


def _numbers_as_texts(values, func: Callable[[float], str]) -> Texts:
    codes, uniques = pd.factorize(np.asarray(values, dtype=float), use_na_sentinel=True)
    # Python floats format as np.float64 does (a float subclass), only faster
    distinct = [func(value) for value in uniques.tolist()] + [func(np.nan)]   # code -1 -> NaN
    return Texts(np.where(codes < 0, len(distinct) - 1, codes), _object_array(distinct))


def fmt(values, digits: int = 2) -> Texts:
    """Numbers as short text ("3.75", "5", "1,972.41"; NaN -> "空") — ``_fmt_number`` of each
    distinct value."""
    spec = f",.{digits}f"

    def one(value: float) -> str:
        if value != value:   # NaN
            return "空"
        text = format(value, spec).rstrip("0").rstrip(".") if digits else format(value, spec)
        return "0" if text in ("-0", "") else text

    return _numbers_as_texts(values, one)


def pct(values, digits: int = 2) -> Texts:
    """Fractions as percentages ("88.49%")."""
    spec = f".{digits}f"

    def one(v: float) -> str:
        if v != v:   # NaN
            return "空"
        text = format(v, spec)
        return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"

    return _numbers_as_texts(np.asarray(values, dtype=float) * 100, one)


def _blank_if_missing(value):
    return "" if value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, (float, np.floating)) and np.isnan(value)) else value


def txt(values) -> Texts:
    """Text values ('' for missing)."""
    return Texts.of(values, _blank_if_missing)


def _plain(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def or_blank(values, blank: str = "空") -> Texts:
    return Texts.of(values, lambda value: blank if isinstance(value, str) and value == "" else value)


class _Findings:
    """Collects finding pieces.  Each piece is a row mask over a table; the message is a
    function of ``take`` (which restricts an array to the masked rows), so the text is only
    ever built for the rows that have the finding."""

    def __init__(self) -> None:
        self.parts: list[dict] = []
        self._whole: dict[tuple[str, int], tuple[object, np.ndarray]] = {}

    def _converted(self, kind: str, value, convert) -> np.ndarray:
        """``convert(value)`` for a whole column, once per column (restricted per finding)."""
        hit = self._whole.get((kind, id(value)))
        if hit is None or hit[0] is not value:
            hit = (value, convert(value))   # holding the value keeps its id unique
            self._whole[(kind, id(value))] = hit
        return hit[1]

    def _objects(self, series: pd.Series) -> np.ndarray:
        return self._converted("objects", series, lambda s: np.asarray(s.array, dtype=object))

    def _row_numbers(self, row) -> np.ndarray:
        def convert(value):
            if isinstance(value, pd.Series) and value.dtype.kind in "iufb":
                return value.to_numpy(dtype=float, na_value=np.nan)
            values = np.asarray(value.array if isinstance(value, pd.Series) else value, dtype=object)
            return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
        return self._converted("rows", row, convert)

    def add(self, code: str, severity: str, mask: np.ndarray, *, unit_code: np.ndarray, sheet,
            row, column, indicator, message) -> None:
        rows_at = np.flatnonzero(np.asarray(mask, dtype=bool))   # positions: cheaper than a mask
        count = len(rows_at)
        if not count:
            return

        def take(value):
            if isinstance(value, str) or value is None:
                return value
            if isinstance(value, Texts):
                return value.take(rows_at)
            if isinstance(value, pd.Series):
                return self._objects(value)[rows_at]
            return np.asarray(value)[rows_at]

        def column_of(value):
            picked = take(value)
            if isinstance(picked, str) or picked is None:
                return np.full(count, picked, dtype=object)
            return np.asarray(picked, dtype=object)

        text = message(take) if callable(message) else take(message)
        if isinstance(text, str):
            text = np.full(count, text, dtype=object)
        rows = np.full(count, np.nan) if row is None else self._row_numbers(row)[rows_at]
        self.parts.append({
            "_unit": np.asarray(take(unit_code), dtype=np.int64),
            "_code": np.full(count, CODE_ORDER[code], dtype=np.int64),
            "_severity": np.full(count, SEVERITY_ORDER[severity], dtype=np.int64),
            "sheet": column_of(sheet),
            "row": rows,
            "column": column_of(column),
            "indicator": column_of(indicator),
            "message": np.asarray(text, dtype=object),
        })

    def frame(self, unit_ids: pd.Index) -> pd.DataFrame:
        """All pieces as one DataFrame (FINDING_COLUMNS), by unit, severity, row, code."""
        if not self.parts:
            frame = pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
            frame["row"] = frame["row"].astype("Int64")
            return frame
        joined = {key: np.concatenate([part[key] for part in self.parts]) for key in self.parts[0]}
        row_rank = np.where(np.isnan(joined["row"]), 2**31, joined["row"])
        order = np.lexsort((joined["_code"], row_rank, joined["_severity"], joined["_unit"]))
        codes_list = np.array(list(CODES), dtype=object)
        severities = np.array(sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.get), dtype=object)
        columns = {
            "unit_id": np.asarray(unit_ids, dtype=object)[joined["_unit"][order]],
            "code": codes_list[joined["_code"][order]],
            "severity": severities[joined["_severity"][order]],
            "sheet": joined["sheet"][order],
            "row": pd.array(joined["row"][order], dtype="Int64"),
            "column": joined["column"][order],
            "indicator": joined["indicator"][order],
            "message": joined["message"][order],
        }
        return pd.DataFrame({name: (values if name == "row" else pd.Series(values, dtype=object))
                             for name, values in columns.items()})[list(FINDING_COLUMNS)]


# -- indicator checks -----------------------------------------------------------------

def _indicator_findings(out: _Findings, tables: UnitTables, scored: dict, rules: RuleSet,
                        unit_ids: pd.Index, layout_sichuan: np.ndarray) -> None:
    ind = scored["indicators"]
    n = len(ind)
    if not n:
        return
    source = tables.indicators if len(tables.indicators) == n else ind   # same rows, same text
    codes = unit_codes(unit_ids, source, "指标表")
    sichuan = layout_sichuan[codes]
    any_sichuan, all_sichuan = bool(sichuan.any()), bool(sichuan.all())

    def header_full(key: str):
        if not any_sichuan or all_sichuan:
            return HEADERS["sichuan" if all_sichuan else "default"][key]
        return np.where(sichuan, np.array(HEADERS["sichuan"][key], dtype=object),
                        np.array(HEADERS["default"][key], dtype=object))

    def header(take, key: str):
        return take(header_full(key))

    target, actual = numbers(ind, "target"), numbers(ind, "actual")
    weight, reported = numbers(ind, "weight"), numbers(ind, "reported_score")
    score = ind["score"].to_numpy(float)
    completion = ind["completion_ratio"].to_numpy(float)
    # label columns compared through their distinct values (scoring leaves their codes in
    # the shared factorisation cache, so no 1.5 M-row string comparisons)
    scored_by = factorized(ind, "scored_by")
    by_number, by_level, by_nothing = (scored_by.map(lambda v, w=word: v == w, bool)
                                       for word in (BY_NUMBER, BY_LEVEL, BY_NOTHING))
    partial_or_unmet = factorized(ind, "status").map(
        lambda v: v == STATUS_PARTIAL or v == STATUS_UNMET, bool)
    in_band = ind["in_band"].to_numpy(bool)
    over = ind["over_achieved"].to_numpy(bool)
    is_reverse = ind["is_reverse"].to_numpy(bool)
    qualitative = ind["is_qualitative"].to_numpy(bool)
    operator = ind["operator_used"]
    level = ind["qualitative_level"]
    name = ind["name"]
    target_text_raw = ind["target_text"]
    actual_text_raw = ind["actual_text"]
    is_blank = lambda v: _plain(v) == ""  # noqa: E731
    # Text checks run only on the rows that can need them (cheap on 1.5 M rows).
    with np.errstate(invalid="ignore"):
        may_need_reason = over | (score < weight - rules.tolerance) | \
            factorized(source, "level2").map(lambda v: "成本" in _plain(v), bool)
    reason_blank = map_where(source, "deviation_reason", may_need_reason, is_blank, False, bool)
    actual_text_blank = map_where(source, "actual_text", np.isnan(actual), is_blank, False, bool)
    target_text_blank = map_where(source, "target_text", np.isnan(target), is_blank, False, bool)
    sheet = ind["sheet"] if "sheet" in ind else None
    row = ind["row"] if "row" in ind else None
    tol = rules.tolerance + 1e-9
    has_reported = ~np.isnan(reported)
    where = {"unit_code": codes, "sheet": sheet, "row": row, "indicator": name}

    def quoted(t):
        return ["“", txt(t(name)), "”"]

    def target_text(t):
        return or_blank(txt(t(target_text_raw)))

    def actual_text(t):
        return or_blank(txt(t(actual_text_raw)))

    def figures(t):
        return ["（", header(t, "target"), " ", target_text(t), "，", header(t, "actual"), " ",
                actual_text(t), "，", header(t, "weight"), " ", fmt(t(weight)), " 分）"]

    # SCORE_OVER_WEIGHT / SCORE_MISMATCH
    with np.errstate(invalid="ignore"):
        over_weight = has_reported & ~np.isnan(weight) & (reported > weight + tol)
        mismatch = (has_reported & ~np.isnan(score) & by_number
                    & (np.abs(reported - score) > tol) & ~over_weight)
    out.add("SCORE_OVER_WEIGHT", ERROR, over_weight, column=header_full("score"), **where,
            message=lambda t: cat(quoted(t), "填报得分 ", fmt(t(reported)), " 分，超过该指标的分值 ",
                                  fmt(t(weight)), " 分；按规则应得 ", fmt(t(score)),
                                  " 分。得分不能超过分值，请更正。"))
    out.add("SCORE_MISMATCH", ERROR, mismatch, column=header_full("score"), **where,
            message=lambda t: cat(quoted(t), "填报得分 ", fmt(t(reported)), " 分，按规则计算应为 ",
                                  fmt(t(score)), " 分", figures(t),
                                  "。请更正得分，或核对指标值与实际完成值。"))

    # QUALITATIVE_OUT_OF_BAND
    out_of_band = by_level & has_reported & ~in_band & ~over_weight
    specs = {spec.name: spec for spec in rules.qualitative_levels}

    def band_message(t):
        lv = Texts.of(t(level))
        low, high, share = (np.asarray(lv.map(lambda x, a=attribute: getattr(specs[x], a)
                                              if x in specs else np.nan), dtype=float)
                            for attribute in ("low", "high", "share"))
        w = t(weight)
        band = choose([high >= 1.0], [cat(fmt(low * w), "～", fmt(w), " 分")],
                      cat(fmt(low * w), " 分（含）至 ", fmt(high * w), " 分（不含）"))
        return cat(quoted(t), "评定为“", txt(lv), "”（", header(t, "actual"), " ", actual_text(t),
                   "，", header(t, "target"), " ", target_text(t), "），该档得分应在 ", band,
                   "之间（分值 ", fmt(w), " 分），填报得分 ", fmt(t(reported)),
                   " 分不在此区间，已按该档默认比例 ", pct(share, 0), " 计 ", fmt(t(score)),
                   " 分。请按档次重新打分，或调整评定的档次。")

    out.add("QUALITATIVE_OUT_OF_BAND", WARNING, out_of_band, column=header_full("score"), **where,
            message=band_message)

    # MISSING_DEVIATION_REASON
    with np.errstate(invalid="ignore"):
        below = partial_or_unmet & (score < weight - tol) & reason_blank
    out.add("MISSING_DEVIATION_REASON", WARNING, below, column=header_full("reason"), **where,
            message=lambda t: cat(quoted(t), "得分 ", fmt(t(score)), " 分，低于分值 ", fmt(t(weight)),
                                  " 分", figures(t), "，但未填写偏差原因。请在“", header(t, "reason"),
                                  "”中说明未完成的原因和改进措施。"))

    # OVER_ACHIEVEMENT
    cut_note = (f"按本规则，其得分已限制为分值的 {rules.over_achievement_cut_share:.0%}。"
                if rules.cut_over_achievement else "")
    out.add("OVER_ACHIEVEMENT", WARNING, over & reason_blank, column=header_full("actual"), **where,
            message=lambda t: cat(quoted(t), header(t, "actual"), " ", actual_text(t), " 达到",
                                  header(t, "target"), " ", target_text(t), " 的 ",
                                  pct(t(completion), 0), "，超过 ",
                                  f"{rules.over_achievement_ratio:.0%}", "，但未说明原因。请在“",
                                  header(t, "reason"), "”中说明超额完成的原因（是否指标值设定偏低），"
                                  "并在下一年度合理设定指标值。", cut_note))

    # TEXT_ACTUAL
    text_actual = ~qualitative & np.isnan(actual) & ~actual_text_blank
    unit_hint_all = map_where(source, "measure_unit", text_actual,
                              lambda v: f"（{_plain(v)}）" if _plain(v) else "", "")
    out.add("TEXT_ACTUAL", WARNING, text_actual & by_level, column=header_full("actual"), **where,
            message=lambda t: cat(quoted(t), "是定量指标（", header(t, "target"), " ", target_text(t),
                                  "），", header(t, "actual"), "却填写为文字“", actual_text(t),
                                  "”，已按“", txt(t(level)), "”计 ", fmt(t(score)),
                                  " 分。请填写具体数值", t(unit_hint_all), "。"))
    out.add("TEXT_ACTUAL", ERROR, text_actual & by_nothing, column=header_full("actual"), **where,
            message=lambda t: cat(quoted(t), "是定量指标（", header(t, "target"), " ", target_text(t),
                                  "），", header(t, "actual"), "“", actual_text(t),
                                  "”不是数值，也不是可识别的完成情况，按 0 分计。请填写具体数值",
                                  t(unit_hint_all), "。"))

    # DIRECTION_CONFLICT
    direction = factorized(source, "declared_direction")
    said_forward = direction.map(lambda v: "正向" in _plain(v), bool)
    said_reverse = direction.map(lambda v: "反向" in _plain(v), bool)
    cost = factorized(source, "level2").map(lambda v: "成本" in _plain(v), bool)
    forward_on_ceiling = said_forward & is_reverse
    reverse_on_floor = said_reverse & ~is_reverse & ~qualitative & ~said_forward
    forward_on_cost = said_forward & cost & ~forward_on_ceiling
    conflict = forward_on_ceiling | reverse_on_floor | forward_on_cost

    def direction_message(t):
        symbol = Texts.of(t(operator),
                          lambda o: OPERATOR_SYMBOLS.get(o, "") if isinstance(o, str) else "")
        cost_note = np.where(t(cost), "成本指标通常是不超过预算的上限，", "").astype(object)
        return choose(
            [t(forward_on_ceiling), t(reverse_on_floor)],
            [cat(quoted(t), "标为正向指标，但", header(t, "target"), " ", target_text(t), "（", symbol,
                 "）是上限，", cost_note, "属于反向指标（越小越好）。已按反向指标计分，"
                 "请将指标方向改为反向。"),
             cat(quoted(t), "标为反向指标，但", header(t, "target"), " ", target_text(t), "（", symbol,
                 "）是下限或定值，属于正向指标。已按正向指标计分，请核对指标方向或指标值的符号。")],
            cat(quoted(t), "是成本指标，成本通常是不超过预算的上限（反向指标，如“≤",
                target_text(t), "”），却标为正向指标。请核对指标方向和指标值的符号。"))

    out.add("DIRECTION_CONFLICT", WARNING, conflict, column=header_full("direction"), **where,
            message=direction_message)

    # COST_BUDGET_MISMATCH
    budgets = scored["budgets"]
    initial = budgets["initial"].to_numpy(float)[codes]
    adjusted = budgets["adjusted"].to_numpy(float)[codes]
    executed = budgets["executed"].to_numpy(float)[codes]
    in_wan = (map_where(source, "measure_unit", cost, lambda v: "万元" in _plain(v), False, bool)
              | map_where(source, "target_text", cost, lambda v: "万元" in _plain(v), False, bool))
    # Only a ceiling for the whole project is compared with the budget: not a unit cost
    # (单站/每公里/平均/人均 …), and either named as a total (总额, 经费, 资金, 预算) or at least
    # half the budget.
    per_unit_cost = map_where(source, "name", cost, lambda v: any(
        word in _plain(v) for word in ("单", "每", "平均", "人均", "均价", "单价")), False, bool)
    named_total = map_where(source, "name", cost, lambda v: any(
        word in _plain(v) for word in ("总", "经费", "资金", "预算")), False, bool)
    budget_base = np.where(np.isnan(adjusted), initial, adjusted)
    with np.errstate(invalid="ignore"):
        whole_project = ~per_unit_cost & (named_total | (target >= 0.5 * budget_base))
        cost_money = (cost & in_wan & whole_project & ~np.isnan(target) & reason_blank
                      & ~np.isnan(initial))
        below_executed = cost_money & ~np.isnan(executed) & (target < executed - tol)
        not_budget = (cost_money & (np.abs(target - initial) > tol)
                      & (np.isnan(adjusted) | (np.abs(target - adjusted) > tol)))

    def cost_message(t):
        adj = t(adjusted)
        budget_text = choose([np.isnan(adj)], [cat("年初预算数 ", fmt(t(initial)), " 万元")],
                             cat("年初预算数 ", fmt(t(initial)), " 万元，全年预算数 ", fmt(adj), " 万元"))
        return choose(
            [t(below_executed)],
            [cat("成本指标", quoted(t), "的上限 ", fmt(t(target)), " 万元低于全年执行数 ",
                fmt(t(executed)), " 万元（", budget_text, "）。请核对指标值，或在“",
                header(t, "reason"), "”中说明支出超过成本上限的原因。")],
            cat("成本指标", quoted(t), "的指标值 ", fmt(t(target)), " 万元与预算数（", budget_text,
                "）不一致。若该指标是项目总成本，应与预算数一致；若只计部分成本，请在“",
                header(t, "reason"), "”中说明口径。"))

    out.add("COST_BUDGET_MISMATCH", WARNING, below_executed | not_budget,
            column=header_full("target"), **where, message=cost_message)

    # MISSING_VALUE
    actual_blank = actual_text_blank & map_where(source, "actual_grade", actual_text_blank,
                                                 is_blank, False, bool)
    target_blank = target_text_blank & map_where(source, "target_grade", target_text_blank,
                                                 is_blank, False, bool)
    unscored = target_blank & by_nothing & ~actual_blank
    graded = target_blank & ~by_nothing & ~actual_blank
    weight_blank = np.isnan(weight)
    unit_reports = np.bincount(codes, has_reported, minlength=len(unit_ids)) > 0
    score_blank = ~has_reported & unit_reports[codes] & ~np.isnan(score)
    out.add("MISSING_VALUE", ERROR, actual_blank, column=header_full("actual"), **where,
            message=lambda t: cat(quoted(t), "的", header(t, "actual"), "为空，无法评分，按 0 分计。请填写",
                                  header(t, "actual"), "。"))
    out.add("MISSING_VALUE", ERROR, unscored, column=header_full("target"), **where,
            message=lambda t: cat(quoted(t), "的", header(t, "target"),
                                  "为空，无法判断完成情况，按 0 分计。请填写", header(t, "target"), "。"))
    out.add("MISSING_VALUE", WARNING, graded, column=header_full("target"), **where,
            message=lambda t: cat(quoted(t), "的", header(t, "target"),
                                  "为空，已按最高等级作为目标评定。请填写", header(t, "target"), "。"))
    out.add("MISSING_VALUE", ERROR, weight_blank, column=header_full("weight"), **where,
            message=lambda t: cat(quoted(t), "的", header(t, "weight"), "为空，无法计分。请填写",
                                  header(t, "weight"), "。"))
    out.add("MISSING_VALUE", WARNING, score_blank, column=header_full("score"), **where,
            message=lambda t: cat(quoted(t), "的", header(t, "score"),
                                  "为空（同表其他指标填写了得分），按规则计算为 ", fmt(t(score)),
                                  " 分。请补填得分。"))

    # KIND_CONFLICT
    declared_kind = factorized(source, "declared_kind")
    said_qualitative = declared_kind.map(lambda v: "定性" in _plain(v), bool)
    said_quantitative = declared_kind.map(lambda v: "定量" in _plain(v), bool)
    out.add("KIND_CONFLICT", INFO, said_qualitative & ~np.isnan(target), column=header_full("kind"),
            **where,
            message=lambda t: cat(quoted(t), "的指标性质写为定性，但", header(t, "target"), " ",
                                  target_text(t), " 是数值，已按定量指标计分。请核对指标性质。"))
    out.add("KIND_CONFLICT", INFO, said_quantitative & qualitative & np.isnan(target) & ~target_blank,
            column=header_full("kind"), **where,
            message=lambda t: cat(quoted(t), "的指标性质写为定量，但", header(t, "target"), "“",
                                  target_text(t), "”不是数值，已按定性指标评定。"
                                  "请填写数值指标值，或将指标性质改为定性。"))


# -- budget checks ---------------------------------------------------------------------

def _budget_findings(out: _Findings, scored: dict, rules: RuleSet, unit_ids: pd.Index,
                     layout_sichuan: np.ndarray) -> None:
    budgets = scored["budgets"]
    n = len(budgets)
    if not n:
        return
    rate = budgets["rate"].to_numpy(float)
    score = budgets["score"].to_numpy(float)
    weight = budgets["effective_weight"].to_numpy(float)
    base = budgets["base"].to_numpy(float)
    initial, adjusted, executed = (budgets[c].to_numpy(float) for c in ("initial", "adjusted", "executed"))
    reported_rate = budgets["reported_rate"].to_numpy(float)
    reported_score = budgets["reported_score"].to_numpy(float)
    reason_blank = factorized(budgets, "reason").map(lambda v: _plain(v) == "", bool)
    where = {"unit_code": np.arange(n),
             "sheet": budgets["sheet"].to_numpy(object) if "sheet" in budgets else None,
             "row": budgets["row"] if "row" in budgets else None,
             "indicator": "年度资金总额"}

    def header(key: str):
        if not layout_sichuan.any() or layout_sichuan.all():   # one layout: one header text
            return HEADERS["sichuan" if layout_sichuan.all() else "default"][key]
        return np.where(layout_sichuan, HEADERS["sichuan"][key], HEADERS["default"][key]).astype(object)

    base_label = np.where(np.isnan(adjusted), "年初预算数", "全年预算数").astype(object)
    has_rate = ~np.isnan(rate)
    with np.errstate(invalid="ignore"):
        rate_off = has_rate & ~np.isnan(reported_rate) & \
            (np.abs(reported_rate - rate) > rules.rate_tolerance + 1e-12)
        score_off = ~np.isnan(reported_score) & (np.abs(reported_score - score) > rules.tolerance + 1e-9)
        low = has_rate & (rate < rules.low_execution_rate - 1e-12) & reason_blank
    out.add("BUDGET_MISMATCH", ERROR, rate_off, column=header("rate"), **where,
            message=lambda t: cat("填报的预算执行率 ", pct(t(reported_rate)), " 与按全年执行数 ",
                                  fmt(t(executed)), " 万元 ÷ ", t(base_label), " ", fmt(t(base)),
                                  " 万元计算的 ", pct(t(rate)), " 不一致。请更正执行率。"))
    out.add("BUDGET_MISMATCH", ERROR, score_off, column=header("budget_score"), **where,
            message=lambda t: cat("填报的预算执行率得分 ", fmt(t(reported_score)), " 分，按规则应为 ",
                                  fmt(t(score)), " 分（执行率 ", pct(t(rate)),
                                  "，超过 100% 按 100% 计，乘以分值 ", fmt(t(weight)),
                                  " 分）。请更正得分。"))
    severity = ERROR if rules.low_execution_requires_reason else WARNING
    required = (f"按“{rules.title}”，执行率低于 {rules.low_execution_rate:.0%} 必须说明原因。"
                if rules.low_execution_requires_reason else "")
    out.add("LOW_EXECUTION", severity, low, column=header("budget_reason"), **where,
            message=lambda t: cat("预算执行率 ", pct(t(rate)), "（全年执行数 ", fmt(t(executed)),
                                  " 万元 ÷ ", t(base_label), " ", fmt(t(base)), " 万元）低于 ",
                                  f"{rules.low_execution_rate:.0%}", "，未说明原因。", required,
                                  "请说明执行偏低的原因（如项目延期、采购节约、资金结转）及改进措施。"))
    out.add("MISSING_VALUE", ERROR, ~has_rate, column=header("rate"), **where,
            message=lambda t: cat("预算执行数据不完整（年初预算数 ", fmt(t(initial)), " 万元，全年预算数 ",
                                  fmt(t(adjusted)), " 万元，全年执行数 ", fmt(t(executed)),
                                  " 万元），无法计算执行率，预算执行按 0 分计。请补填预算数和执行数。"))


# -- subtotals, totals, weights and grade ------------------------------------------------

def _lookup(index: pd.Index, sums: list[np.ndarray], wanted: np.ndarray) -> list[np.ndarray]:
    """The sums at each wanted key; 0 where a key has no items."""
    position = index.get_indexer(wanted) if len(index) else np.full(len(wanted), -1)
    found = position >= 0
    return [np.where(found, s[np.maximum(position, 0)], 0.0) if len(s) else np.zeros(len(wanted))
            for s in sums]


def _subtotal_findings(out: _Findings, tables: UnitTables, scored: dict, rules: RuleSet,
                       unit_ids: pd.Index) -> None:
    reported = tables.reported
    if reported is None or not len(reported):
        return
    rows = reported[reported["level"].isin(["level1", "level2"])].reset_index(drop=True)
    if not len(rows):
        return
    ind = scored["indicators"]
    source = tables.indicators if len(tables.indicators) == len(ind) else ind
    codes_ind = unit_codes(unit_ids, source, "指标表").astype(np.int64)
    codes_rep = unit_codes(unit_ids, rows, "合计行").astype(np.int64)
    # level names -> integer ids, factorising the big indicator columns once
    level1_ind, level2_ind = factorized(source, "level1"), factorized(source, "level2")
    # the reported rows' level names (stripped), as codes into their few distinct names
    level1_rep, level2_rep = (Texts.of(rows[c].to_numpy(object), _plain) if c in rows
                              else Texts(np.zeros(len(rows), dtype=np.intp), [""])
                              for c in ("level1", "level2"))
    names1 = pd.Index([_plain(v) for v in level1_ind.values])
    names2 = pd.Index([_plain(v) for v in level2_ind.values])
    id1_ind = np.where(level1_ind.codes < 0, len(names1) - 1, level1_ind.codes).astype(np.int64)
    id2_ind = np.where(level2_ind.codes < 0, len(names2) - 1, level2_ind.codes).astype(np.int64)
    id1_rep = _first_index(names1, level1_rep.uniques)[level1_rep.codes]
    id2_rep = _first_index(names2, level2_rep.uniques)[level2_rep.codes]
    size1, size2 = np.int64(len(names1) + 1), np.int64(len(names2) + 2)

    weight = np.nan_to_num(numbers(ind, "weight"), nan=0.0)
    score = np.nan_to_num(ind["score"].to_numpy(float), nan=0.0)
    reported_item = numbers(ind, "reported_score")
    values = [weight, score, np.where(np.isnan(reported_item), score, reported_item)]

    is_level2 = (rows["level"] == "level2").to_numpy() & \
        np.asarray(level2_rep.map(lambda v: v != ""), dtype=bool)
    local_rep = id1_rep * size2 + np.where(is_level2, id2_rep + 1, 0)
    # A name the indicators do not have: no items
    local_rep = np.where((id1_rep < 0) | (is_level2 & (id2_rep < 0)), -1, local_rep)
    item_weight, item_computed, item_reported = _item_sums(
        codes_ind, id1_ind * size2 + id2_ind + 1, codes_rep, local_rep, is_level2, int(size2),
        int(size1 * size2), len(unit_ids), values)

    rep_weight, rep_score = numbers(rows, "weight"), numbers(rows, "score")
    tol = rules.tolerance + 1e-9
    label = choose([is_level2], [cat("“", level2_rep, "”小计行")], cat("“", level1_rep, "”合计行"))
    where = {"unit_code": codes_rep, "sheet": rows["sheet"].to_numpy(object),
             "row": rows["row"],
             "indicator": choose([is_level2], [cat(level2_rep, " 小计")], cat(level1_rep, " 合计"))}
    score_off = ~np.isnan(rep_score) & (np.abs(rep_score - item_reported) > tol)
    out.add("SUBTOTAL_MISMATCH", ERROR, score_off, column="得分", **where,
            message=lambda t: cat(t(label), "填报得分 ", fmt(t(rep_score)), " 分，但其下各项得分相加为 ",
                                  fmt(t(item_reported)), " 分（按规则计算为 ", fmt(t(item_computed)),
                                  " 分）。请更正合计得分。"))
    weight_off = ~np.isnan(rep_weight) & (np.abs(rep_weight - item_weight) > tol)
    out.add("WEIGHT_ROLLUP", ERROR, weight_off, column="分值", **where,
            message=lambda t: cat(t(label), "填报分值 ", fmt(t(rep_weight)), " 分，但其下各项分值相加为 ",
                                  fmt(t(item_weight)), " 分。请核对合计行或各指标的分值。"))


def _item_sums(codes_ind: np.ndarray, local2_ind: np.ndarray, codes_rep: np.ndarray,
               local_rep: np.ndarray, is_level2: np.ndarray, size2: int, space: int, n_units: int,
               values: list[np.ndarray]) -> list[np.ndarray]:
    """Per reported row, the sums of ``values`` over its indicator rows (0 if none): the level2
    group for a 小计 row, the level1 group for a 合计 row.  Rows are keyed by unit and a *local*
    key < ``space`` (level1 id × size2 + level2 id + 1; level2 part 0 for a level1 group;
    ``local_rep`` -1: a name the indicators do not have).  Either path adds each group's rows
    in table order (np.bincount), so the sums do not depend on the path."""
    local1_ind = local2_ind - local2_ind % size2
    present = np.zeros(space, dtype=bool)
    present[local2_ind] = True
    present[local1_ind] = True
    count = int(present.sum())
    valid = local_rep >= 0
    if n_units * count <= max(len(codes_ind), 1_000_000):
        # few distinct (level1, level2) pairs: one bin per unit and pair, no hashing
        compact = np.full(space, -1, dtype=np.int64)
        compact[present] = np.arange(count)
        at = np.where(valid, compact[np.maximum(local_rep, 0)], -1)
        found = at >= 0
        position = np.where(found, codes_rep * count + at, 0)
        bins1, bins2 = codes_ind * count + compact[local1_ind], codes_ind * count + compact[local2_ind]
        result = []
        for value in values:
            sums1 = np.bincount(bins1, value, minlength=n_units * count)
            sums2 = np.bincount(bins2, value, minlength=n_units * count)
            result.append(np.where(found, np.where(is_level2, sums2[position], sums1[position]), 0.0))
        return result
    # many distinct pairs: group by hashing.  Level1 groups are unions of level2 groups.
    key2_ind = codes_ind * space + local2_ind
    key_rep = np.where(valid, codes_rep * space + local_rep, -1)
    group2, keys2 = pd.factorize(key2_ind)
    group1_of_group2, keys1 = pd.factorize(keys2 - keys2 % size2)
    group1 = group1_of_group2[group2]
    at1 = _lookup(pd.Index(keys1), [np.bincount(group1, v, minlength=len(keys1)) for v in values],
                  key_rep)
    at2 = _lookup(pd.Index(keys2), [np.bincount(group2, v, minlength=len(keys2)) for v in values],
                  key_rep)
    return [np.where(is_level2, b, a) for a, b in zip(at1, at2)]


def _first_index(names: pd.Index, wanted: np.ndarray) -> np.ndarray:
    """Position of each wanted name in ``names`` (first occurrence), -1 if absent."""
    if not len(names):
        return np.full(len(wanted), -1, dtype=np.int64)
    unique = names[~names.duplicated()]
    positions = pd.Series(np.arange(len(names)))[~names.duplicated()].to_numpy()
    found = unique.get_indexer(pd.Index(wanted))
    return np.where(found >= 0, positions[np.maximum(found, 0)], -1).astype(np.int64)


def _normalise_reported_grade(rules: RuleSet):
    grades = {g for scale in rules.grade_scales for g in scale} | set(rules.grades)
    words = sorted(set(rules.grade_aliases) | grades, key=len, reverse=True)

    def normalise(value) -> str | None:
        text = re.sub(r"[\s“”\"'‘’：:（）()【】。]", "", _plain(value))
        text = re.sub(r"(等级|等次|级)$", "", text)
        if not text:
            return None
        if text in grades or text in rules.grade_aliases:
            return rules.grade_aliases.get(text, text)
        for word in words:   # a longer sentence: the first two-character grade word in it
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

    def column(name: str):
        return units[name].to_numpy(object) if name in units else None

    def series(name: str):
        return units[name] if name in units else None

    # TOTAL_MISMATCH on the 总分 the unit reported
    reported_total = numbers(units, "reported_total")
    with np.errstate(invalid="ignore"):
        total_off = ~np.isnan(reported_total) & (np.abs(reported_total - total) > tol)
    out.add("TOTAL_MISMATCH", ERROR, total_off, unit_code=codes, sheet=column("reported_total_sheet"),
            row=series("reported_total_row"), column="总分", indicator="总分",
            message=lambda t: cat("填报的总分 ", fmt(t(reported_total)), " 分与按规则计算的总分 ",
                                  fmt(t(total)), " 分不一致（预算执行 ", fmt(t(budget_score)),
                                  " 分 + 各项指标 ", fmt(t(indicator_score)), " 分）。请更正总分。"))

    # reported 'total' rows (总分 / 合计 of everything), unless they repeat the 总分 above
    reported = tables.reported
    rows = reported[reported["level"] == "total"].reset_index(drop=True) \
        if reported is not None and len(reported) else None
    if rows is not None and len(rows):
        rc = unit_codes(unit_ids, rows, "合计行")
        rw, rs = numbers(rows, "weight"), numbers(rows, "score")
        with np.errstate(invalid="ignore"):
            # A 合计 of the indicators alone (without the budget) is compared with their sum.
            indicators_only = (~np.isnan(rw) & (np.abs(rw - indicator_weight[rc]) <= tol)
                               & (np.abs(rw - weight[rc]) > tol))
            expected_score = np.where(indicators_only, indicator_score[rc], total[rc])
            expected_weight = np.where(indicators_only, indicator_weight[rc], weight[rc])
            same_as_unit = ~np.isnan(reported_total[rc]) & (np.abs(rs - reported_total[rc]) <= tol)
            off = ~np.isnan(rs) & (np.abs(rs - expected_score) > tol) & ~same_as_unit
            weight_off = ~np.isnan(rw) & (np.abs(rw - expected_weight) > tol)
        where = {"unit_code": rc, "sheet": rows["sheet"].to_numpy(object),
                 "row": rows["row"], "indicator": "合计"}
        out.add("TOTAL_MISMATCH", ERROR, off, column="得分", **where,
                message=lambda t: cat("合计行填报得分 ", fmt(t(rs)), " 分，按规则计算应为 ",
                                      fmt(t(expected_score)), " 分。请更正合计得分。"))
        out.add("WEIGHT_ROLLUP", ERROR, weight_off, column="分值", **where,
                message=lambda t: cat("合计行填报分值 ", fmt(t(rw)), " 分，但各项分值相加为 ",
                                      fmt(t(expected_weight)), " 分。请核对合计行或各指标的分值。"))

    # WEIGHT_ROLLUP: indicators + budget must make the rule set's total
    has_indicators = totals["indicator_count"].to_numpy() > 0
    out.add("WEIGHT_ROLLUP", ERROR, has_indicators & (np.abs(weight - rules.total_weight) > tol),
            unit_code=codes, sheet=None, row=None, column="分值", indicator="分值合计",
            message=lambda t: cat("各项指标分值 ", fmt(t(indicator_weight)), " 分加预算执行分值 ",
                                  fmt(t(budget_weight)), " 分共 ", fmt(t(weight)), " 分，不等于满分 ",
                                  _fmt_number(rules.total_weight), " 分（", rules.title,
                                  "）。请核对各指标的分值。"))

    # GRADE_MISMATCH
    reported_grade = factorized(units, "reported_grade").map(_normalise_reported_grade(rules))
    grade_off = (reported_grade != None) & (grade != None) & (reported_grade != grade)  # noqa: E711
    last = len(rules.grade_bands) - 1
    bands = "，".join(f"{band.grade} ≥ {_fmt_number(band.min)}" if i < last
                     else f"{band.grade} < {_fmt_number(rules.grade_bands[i - 1].min)}"
                     for i, band in enumerate(rules.grade_bands))
    reported_grade_text = units["reported_grade"].to_numpy(object) if "reported_grade" in units \
        else np.full(n, "", dtype=object)
    out.add("GRADE_MISMATCH", ERROR, grade_off, unit_code=codes, sheet=column("reported_grade_sheet"),
            row=series("reported_grade_row"), column="评价等级", indicator="评价等级",
            message=lambda t: cat("填报的评价等级“", txt(t(reported_grade_text)), "”与总分 ",
                                  fmt(t(total)), " 分对应的等级“", txt(t(grade)), "”不一致（", bands,
                                  "）。请更正评价等级。"))


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
    return out.frame(unit_ids)


__all__ = ["audit", "CODES", "SEVERITY_LABELS", "SEVERITY_ORDER", "ERROR", "WARNING", "INFO"]
