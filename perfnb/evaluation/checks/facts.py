"""What the checks look at: the scored tables of all units, as arrays computed once.

:class:`AuditContext` is built once per :func:`perfnb.evaluation.audit.audit` call.  Its
``indicators``, ``budgets``, ``subtotals``, ``totals``, ``funds`` and ``observations`` are
facts about one table each (None when the table is empty); every fact is a
``cached_property``, so a column several checks use (a blank deviation reason, the column
header of the unit's layout …) is computed once, and one no enabled check uses not at all.
"""
from __future__ import annotations

import re
from functools import cached_property
from typing import Any, Mapping

import numpy as np
import pandas as pd

from perfnb.evaluation.checks.render import Texts, _plain, cat, choose
from perfnb.evaluation.rules import RuleSet
from perfnb.evaluation.scoring import (BY_LEVEL, BY_NOTHING, BY_NUMBER, factorized, map_where,
                                       numbers, text_column, unit_codes, unweighted_units)
from perfnb.model import (BUDGET_DIMENSION, STATUS_LABELS, STATUS_PARTIAL, STATUS_UNMET, UnitTables,
                          printed_headings_map)

# Column headers as each input layout writes them.
HEADERS = {
    "default": {"target": "年度指标值", "actual": "实际完成值", "weight": "分值", "score": "得分",
                "reason": "偏差原因分析及改进措施", "direction": "指标方向", "kind": "指标性质",
                "rate": "执行率", "budget_score": "得分", "budget_reason": "偏差原因"},
    "sichuan": {"target": "指标值", "actual": "完成值", "weight": "权重", "score": "得分",
                "reason": "未完成原因分析", "direction": "指标性质", "kind": "指标性质",
                "rate": "预算执行率", "budget_score": "得分", "budget_reason": "原因"},
}


def is_blank(value) -> bool:
    return _plain(value) == ""


def _headers(sichuan: np.ndarray, key: str):
    """The column header of each row's layout: one str when all rows share a layout."""
    any_sichuan, all_sichuan = bool(sichuan.any()), bool(sichuan.all()) if len(sichuan) else False
    if not any_sichuan or all_sichuan:
        return HEADERS["sichuan" if all_sichuan else "default"][key]
    return np.where(sichuan, np.array(HEADERS["sichuan"][key], dtype=object),
                    np.array(HEADERS["default"][key], dtype=object))


class AuditContext:
    """The tables, the rule set and the checks' parameters of one audit."""

    def __init__(self, tables: UnitTables, scored: Mapping[str, pd.DataFrame], rules: RuleSet,
                 parameters: Mapping[str, Mapping[str, Any]]) -> None:
        self.tables = tables
        self.scored = scored
        self.rules = rules
        self.parameters = parameters          # code -> {parameter: value}, resolved
        units = tables.units
        self.unit_ids = pd.Index(units["unit_id"].astype(str).to_numpy(object))
        self.layout_sichuan = text_column(units, "layout") == "sichuan"
        # per unit: its form prints no weights (an unweighted evaluation, no total)
        self.unweighted = unweighted_units(units)
        self.tol = rules.tolerance + 1e-9

    def param(self, code: str, name: str) -> Any:
        return self.parameters[code][name]

    @cached_property
    def indicators(self) -> "IndicatorFacts | None":
        return IndicatorFacts(self) if len(self.scored["indicators"]) else None

    @cached_property
    def budgets(self) -> "BudgetFacts | None":
        return BudgetFacts(self) if len(self.scored["budgets"]) else None

    @cached_property
    def subtotals(self) -> "SubtotalFacts | None":
        reported = self.tables.reported
        if reported is None or not len(reported):
            return None
        rows = reported[reported["level"].isin(["level1", "level2"])].reset_index(drop=True)
        return SubtotalFacts(self, rows) if len(rows) else None

    @cached_property
    def totals(self) -> "TotalFacts | None":
        return TotalFacts(self) if len(self.tables.units) else None

    @cached_property
    def funds(self) -> "FundsFacts | None":
        lines = self.tables.budget_lines
        return FundsFacts(self, lines) if lines is not None and len(lines) else None

    @cached_property
    def observations(self) -> "ObservationFacts | None":
        frame = self.tables.observations
        return ObservationFacts(self, frame) if frame is not None and len(frame) else None


class IndicatorFacts:
    """Facts about the scored indicator rows of all units."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        self.rules = ctx.rules
        self.ind = ind = ctx.scored["indicators"]
        n = len(ind)
        # same rows, same text: the input table's columns keep the factorisation cache
        self.source = ctx.tables.indicators if len(ctx.tables.indicators) == n else ind
        self.codes = unit_codes(ctx.unit_ids, self.source, "指标表")
        self.sichuan = ctx.layout_sichuan[self.codes]
        self.unweighted = ctx.unweighted[self.codes]
        self.target, self.actual = numbers(ind, "target"), numbers(ind, "actual")
        self.weight, self.reported = numbers(ind, "weight"), numbers(ind, "reported_score")
        self.score = ind["score"].to_numpy(float)
        self.completion = ind["completion_ratio"].to_numpy(float)
        self.in_band = ind["in_band"].to_numpy(bool)
        self.is_reverse = ind["is_reverse"].to_numpy(bool)
        self.qualitative = ind["is_qualitative"].to_numpy(bool)
        self.operator = ind["operator_used"]
        self.level = ind["qualitative_level"]
        self.name = ind["name"]
        self.target_text = ind["target_text"]
        self.actual_text = ind["actual_text"]
        self.has_reported = ~np.isnan(self.reported)
        self.where = {"unit_code": self.codes, "sheet": ind["sheet"] if "sheet" in ind else None,
                      "row": ind["row"] if "row" in ind else None, "indicator": self.name}

    def header(self, key: str):
        """The column header ``key`` as each row's layout writes it."""
        return _headers(self.sichuan, key)

    def headers(self, *keys: str, printed: bool = False) -> dict[str, Any]:
        """Template fields ``<key>_header`` for some columns.  ``printed``: the standard heading
        followed by the heading the unit's form prints where that differs ("年度指标值（表头
        “指标值(八)”）"), so a message quotes the column as printed (the findings' ``column``
        stays standard, as VALUE_NOT_READ's)."""
        fields = {}
        for key in keys:
            standard = self.header(key)
            if not printed:
                fields[f"{key}_header"] = standard
                continue
            printed_of = self._printed[self.codes] if len(self.codes) else self._printed[:0]
            if not any(printed_of):
                fields[f"{key}_header"] = standard
                continue
            base = np.broadcast_to(np.asarray(standard, dtype=object), len(self.codes))
            fields[f"{key}_header"] = np.array(
                [f"{h}（表头“{p[h]}”）" if p and h in p else h for h, p in zip(base, printed_of)],
                dtype=object)
        return fields

    @cached_property
    def _printed(self) -> np.ndarray:
        """Per unit: {standard heading: printed heading} ({} for none)."""
        units = self.ctx.tables.units
        texts = units["printed_headings"] if "printed_headings" in units.columns else [None] * len(units)
        return np.array([printed_headings_map(t) for t in texts] + [{}], dtype=object)[:-1]

    # -- label columns through their distinct values -------------------------------------
    @cached_property
    def _scored_by(self):
        return factorized(self.ind, "scored_by")

    @cached_property
    def by_number(self) -> np.ndarray:
        return self._scored_by.map(lambda v: v == BY_NUMBER, bool)

    @cached_property
    def by_level(self) -> np.ndarray:
        return self._scored_by.map(lambda v: v == BY_LEVEL, bool)

    @cached_property
    def by_nothing(self) -> np.ndarray:
        return self._scored_by.map(lambda v: v == BY_NOTHING, bool)

    @cached_property
    def partial_or_unmet(self) -> np.ndarray:
        return factorized(self.ind, "status").map(
            lambda v: v == STATUS_PARTIAL or v == STATUS_UNMET, bool)

    @cached_property
    def status_label(self) -> np.ndarray:
        """完成情况 in words (达成 / 部分达成 / 未达成 / 缺失)."""
        return factorized(self.ind, "status").map(lambda v: STATUS_LABELS.get(_plain(v), ""))

    @cached_property
    def cost(self) -> np.ndarray:
        """The indicator is a 成本 indicator (its 二级指标 says so)."""
        return factorized(self.source, "level2").map(lambda v: "成本" in _plain(v), bool)

    @cached_property
    def over(self) -> np.ndarray:
        """Over-achieved at OVER_ACHIEVEMENT's ratio (scoring's flag when it is the rule set's)."""
        ratio = self.ctx.param("OVER_ACHIEVEMENT", "ratio")
        if ratio == self.rules.over_achievement_ratio:
            return self.ind["over_achieved"].to_numpy(bool)
        with np.errstate(invalid="ignore"):
            return (self.by_number & ~self.is_reverse & (self.target > 0)
                    & (self.actual >= ratio * self.target - 1e-9))

    @cached_property
    def over_weight(self) -> np.ndarray:
        """A reported score above the weight (SCORE_OVER_WEIGHT; the other score checks yield)."""
        with np.errstate(invalid="ignore"):
            return self.has_reported & ~np.isnan(self.weight) & (self.reported > self.weight + self.ctx.tol)

    # -- text checks only on the rows that can need them (cheap on 1.5 M rows) -----------
    @cached_property
    def reason_blank(self) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            may_need_reason = self.over | (self.score < self.weight - self.rules.tolerance) | self.cost
        may_need_reason |= self.unweighted & self.partial_or_unmet
        return map_where(self.source, "deviation_reason", may_need_reason, is_blank, False, bool)

    @cached_property
    def actual_text_blank(self) -> np.ndarray:
        return map_where(self.source, "actual_text", np.isnan(self.actual), is_blank, False, bool)

    @cached_property
    def target_text_blank(self) -> np.ndarray:
        return map_where(self.source, "target_text", np.isnan(self.target), is_blank, False, bool)

    @cached_property
    def actual_blank(self) -> np.ndarray:
        return self.actual_text_blank & map_where(self.source, "actual_grade", self.actual_text_blank,
                                                  is_blank, False, bool)

    @cached_property
    def target_blank(self) -> np.ndarray:
        return self.target_text_blank & map_where(self.source, "target_grade", self.target_text_blank,
                                                  is_blank, False, bool)

    def words(self, column: str, word: str) -> np.ndarray:
        """The column's text contains ``word`` (through its distinct values)."""
        return factorized(self.source, column).map(lambda v: word in _plain(v), bool)

    def budget_column(self, column: str) -> np.ndarray:
        """A column of the unit's budget, per indicator row."""
        return self.ctx.scored["budgets"][column].to_numpy(float)[self.codes]


class BudgetFacts:
    """Facts about the scored budget rows (one per unit)."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        self.budgets = budgets = ctx.scored["budgets"]
        n = len(budgets)
        self.rate = budgets["rate"].to_numpy(float)
        self.score = budgets["score"].to_numpy(float)
        self.weight = budgets["effective_weight"].to_numpy(float)
        self.base = budgets["base"].to_numpy(float)
        self.initial, self.adjusted, self.executed = (
            budgets[c].to_numpy(float) for c in ("initial", "adjusted", "executed"))
        self.reported_rate = budgets["reported_rate"].to_numpy(float)
        self.reported_score = budgets["reported_score"].to_numpy(float)
        self.has_rate = ~np.isnan(self.rate)
        self.base_label = np.where(np.isnan(self.adjusted), "年初预算数", "全年预算数").astype(object)
        self.where = {"unit_code": np.arange(n),
                      "sheet": budgets["sheet"].to_numpy(object) if "sheet" in budgets else None,
                      "row": budgets["row"] if "row" in budgets else None,
                      "indicator": "年度资金总额"}

    @cached_property
    def score_where(self) -> dict[str, Any]:
        """Where the reported budget score was read: the indicator table's 预算执行率 row when
        the budget is printed as an item there (``score_row``), else the funds line."""
        budgets = self.budgets
        if "score_row" not in budgets or not budgets["score_row"].notna().any():
            return self.where
        on_item = budgets["score_row"].notna().to_numpy()
        rows = budgets["row"] if "row" in budgets else pd.Series(pd.NA, index=budgets.index,
                                                                 dtype="Int64")
        sheets = self.where["sheet"] if self.where["sheet"] is not None else \
            np.full(len(budgets), None, dtype=object)
        return {**self.where,
                "sheet": np.where(on_item, budgets["score_sheet"].to_numpy(object), sheets),
                "row": budgets["score_row"].astype("Int64").where(on_item, rows.astype("Int64")),
                "indicator": np.where(on_item, BUDGET_DIMENSION, "年度资金总额").astype(object)}

    @cached_property
    def reason_blank(self) -> np.ndarray:
        return factorized(self.budgets, "reason").map(lambda v: _plain(v) == "", bool)

    def header(self, key: str):
        return _headers(self.ctx.layout_sichuan, key)


class SubtotalFacts:
    """The reported 合计/小计 rows of 一级/二级 indicators and the sums of their items."""

    def __init__(self, ctx: AuditContext, rows: pd.DataFrame) -> None:
        self.ctx = ctx
        self.rows = rows
        tables, unit_ids = ctx.tables, ctx.unit_ids
        ind = ctx.scored["indicators"]
        source = tables.indicators if len(tables.indicators) == len(ind) else ind
        codes_ind = unit_codes(unit_ids, source, "指标表").astype(np.int64)
        self.codes = codes_rep = unit_codes(unit_ids, rows, "合计行").astype(np.int64)
        # level names -> integer ids, factorising the big indicator columns once
        level1_ind, level2_ind = factorized(source, "level1"), factorized(source, "level2")
        # the reported rows' level names (stripped), as codes into their few distinct names
        level1_rep, level2_rep = (Texts.of(rows[c].to_numpy(object), _plain) if c in rows
                                  else Texts(np.zeros(len(rows), dtype=np.intp), [""])
                                  for c in ("level1", "level2"))
        self.level1, self.level2 = level1_rep, level2_rep
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

        self.is_level2 = is_level2 = (rows["level"] == "level2").to_numpy() & \
            np.asarray(level2_rep.map(lambda v: v != ""), dtype=bool)
        local_rep = id1_rep * size2 + np.where(is_level2, id2_rep + 1, 0)
        # A name the indicators do not have: no items
        local_rep = np.where((id1_rep < 0) | (is_level2 & (id2_rep < 0)), -1, local_rep)
        self.item_weight, self.item_computed, self.item_reported = _item_sums(
            codes_ind, id1_ind * size2 + id2_ind + 1, codes_rep, local_rep, is_level2, int(size2),
            int(size1 * size2), len(unit_ids), values)
        self._add_budget_item(ctx.scored["budgets"], level1_rep, level2_rep, is_level2)
        self.weight, self.score = numbers(rows, "weight"), numbers(rows, "score")
        self.unweighted = ctx.unweighted[codes_rep]

    def _add_budget_item(self, budgets: pd.DataFrame, level1_rep: Texts, level2_rep: Texts,
                         is_level2: np.ndarray) -> None:
        """A budget printed as an item of a group (pub21's 预算执行率 under 项目管理/投入管理) is
        one of that group's items: its weight and score count in the group's 合计."""
        if "item_level1" not in budgets.columns or not len(self.codes):
            return
        item1 = factorized(budgets, "item_level1").map(_plain)[self.codes]
        if not any(item1):
            return
        item2 = factorized(budgets, "item_level2").map(_plain)[self.codes]
        with np.errstate(invalid="ignore"):
            match = (item1 != "") & (level1_rep.values() == item1)
            match &= ~is_level2 | (level2_rep.values() == item2)
        weight = np.nan_to_num(budgets["effective_weight"].to_numpy(float), nan=0.0)[self.codes]
        score = np.nan_to_num(budgets["score"].to_numpy(float), nan=0.0)[self.codes]
        reported = budgets["reported_score"].to_numpy(float)[self.codes]
        reported = np.where(np.isnan(reported), score, reported)
        self.item_weight = self.item_weight + np.where(match, weight, 0.0)
        self.item_computed = self.item_computed + np.where(match, score, 0.0)
        self.item_reported = self.item_reported + np.where(match, reported, 0.0)

    @cached_property
    def where(self) -> dict[str, Any]:
        return {"unit_code": self.codes, "sheet": self.rows["sheet"].to_numpy(object),
                "row": self.rows["row"],
                "indicator": choose([self.is_level2], [cat(self.level2, " 小计")],
                                    cat(self.level1, " 合计"))}


def _lookup(index: pd.Index, sums: list[np.ndarray], wanted: np.ndarray) -> list[np.ndarray]:
    """The sums at each wanted key; 0 where a key has no items."""
    position = index.get_indexer(wanted) if len(index) else np.full(len(wanted), -1)
    found = position >= 0
    return [np.where(found, s[np.maximum(position, 0)], 0.0) if len(s) else np.zeros(len(wanted))
            for s in sums]


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


class TotalFacts:
    """Per unit: the computed total, weights and grade, and the reported 总分 / 合计 rows."""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        self.units = units = ctx.tables.units
        totals = ctx.scored["totals"]
        self.n = len(units)
        self.codes = np.arange(self.n)
        self.total = totals["total"].to_numpy(float)
        self.weight = totals["weight"].to_numpy(float)
        self.indicator_weight = totals["indicator_weight"].to_numpy(float)
        self.indicator_score = totals["indicator_score"].to_numpy(float)
        self.indicator_count = totals["indicator_count"].to_numpy()
        self.budget_score = ctx.scored["budgets"]["score"].to_numpy(float)
        self.budget_weight = ctx.scored["budgets"]["effective_weight"].to_numpy(float)
        self.grade = totals["grade"].to_numpy(object)
        self.reported_total = numbers(units, "reported_total")
        self.unweighted = ctx.unweighted
        self.reported_sum = numbers(totals, "reported_sum")
        self.budget_reported = numbers(ctx.scored["budgets"], "reported_score")
        self.budget_rate = ctx.scored["budgets"]["rate"].to_numpy(float)
        self.status_counts = {status: numbers(totals, status)
                              for status in ("met", "partial", "unmet", "missing")}

    def column(self, name: str):
        return self.units[name].to_numpy(object) if name in self.units else None

    def series(self, name: str):
        return self.units[name] if name in self.units else None

    @cached_property
    def partial(self) -> np.ndarray:
        """Per unit: True when indicator rows could not be read, so the computed total covers
        only part of the form (TOTAL_PARTIAL says so; totals are not compared)."""
        partial = np.zeros(self.n, dtype=bool)
        facts = self.ctx.observations
        if facts is not None:
            partial[facts.unit_code[facts.rows_of("TOTAL_PARTIAL")]] = True
        return partial

    @cached_property
    def total_rows(self) -> "TotalRowFacts | None":
        """The reported 'total' rows (总分 / 合计 of everything)."""
        reported = self.ctx.tables.reported
        if reported is None or not len(reported):
            return None
        rows = reported[reported["level"] == "total"].reset_index(drop=True)
        return TotalRowFacts(self, rows) if len(rows) else None

    @cached_property
    def reported_grade(self) -> np.ndarray:
        return factorized(self.units, "reported_grade").map(_normalise_reported_grade(self.ctx.rules))


class TotalRowFacts:
    """Reported 合计 rows of everything, against the computed total (or the indicators' sum)."""

    def __init__(self, totals: TotalFacts, rows: pd.DataFrame) -> None:
        tol = totals.ctx.tol
        self.rows = rows
        rc = self.codes = unit_codes(totals.ctx.unit_ids, rows, "合计行")
        self.weight, self.score = rw, rs = numbers(rows, "weight"), numbers(rows, "score")
        reported_total = totals.reported_total
        with np.errstate(invalid="ignore"):
            # A 合计 of the indicators alone (without the budget) is compared with their sum.
            indicators_only = (~np.isnan(rw) & (np.abs(rw - totals.indicator_weight[rc]) <= tol)
                               & (np.abs(rw - totals.weight[rc]) > tol))
            self.expected_score = np.where(indicators_only, totals.indicator_score[rc], totals.total[rc])
            # an unweighted unit has no computed total: its printed scores added up instead
            self.expected_score = np.where(totals.unweighted[rc], totals.reported_sum[rc],
                                           self.expected_score)
            self.expected_weight = np.where(indicators_only, totals.indicator_weight[rc],
                                            totals.weight[rc])
            self.same_as_unit = ~np.isnan(reported_total[rc]) & (np.abs(rs - reported_total[rc]) <= tol)
        self.where = {"unit_code": rc, "sheet": rows["sheet"].to_numpy(object),
                      "row": rows["row"], "indicator": "合计"}


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


class FundsFacts:
    """The funds block's lines (年度资金总额 and its 其中 lines) of all units."""

    def __init__(self, ctx: AuditContext, lines: pd.DataFrame) -> None:
        self.ctx = ctx
        self.lines = lines
        self.codes = unit_codes(ctx.unit_ids, lines, "资金明细").astype(np.int64)
        self.is_total = lines["is_total"].to_numpy(bool)
        self.amounts = {c: numbers(lines, c) for c in ("initial", "adjusted", "executed")}
        n_units = len(ctx.unit_ids)
        part = ~self.is_total
        # per unit: the sum of its 其中 lines' amounts (NaN where none of them has one)
        self.part_sums = {}
        for column, values in self.amounts.items():
            sums = np.bincount(self.codes[part], np.nan_to_num(values[part], nan=0.0),
                               minlength=n_units)
            present = np.bincount(self.codes[part], ~np.isnan(values[part]), minlength=n_units)
            self.part_sums[column] = np.where(present > 0, sums, np.nan)
        self.where = {"unit_code": self.codes,
                      "sheet": lines["sheet"].to_numpy(object) if "sheet" in lines else None,
                      "row": lines["row"] if "row" in lines else None,
                      "indicator": lines["label"].to_numpy(object) if "label" in lines else "年度资金总额"}


class ObservationFacts:
    """What readers recorded while reading past something (``UnitTables.observations``)."""

    def __init__(self, ctx: AuditContext, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.unit_code = unit_codes(ctx.unit_ids, frame, "读取记录").astype(np.int64)
        self._codes = factorized(frame, "code")
        self.sheet = frame["sheet"].to_numpy(object) if "sheet" in frame else None
        self.row = frame["row"] if "row" in frame else None
        self.column = frame["column"].to_numpy(object) if "column" in frame else None
        self.indicator = frame["indicator"].to_numpy(object) if "indicator" in frame else None

    def rows_of(self, code: str) -> np.ndarray:
        return self._codes.map(lambda v: v == code, bool)

    def field(self, name: str, mask: np.ndarray) -> np.ndarray:
        """The named field of each row's ``fields`` dict ('' where absent), on masked rows."""
        values = np.full(len(self.frame), "", dtype=object)
        at = np.flatnonzero(mask)
        fields = self.frame["fields"].to_numpy(object)[at]
        values[at] = [_field_text(f.get(name) if isinstance(f, Mapping) else None) for f in fields]
        return values


def _field_text(value) -> str:
    """A recorded field as message text: numbers as the audit writes them, a cell's line
    breaks as spaces (a message is one line)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return re.sub(r"\s*[\r\n]+\s*", " ", str(value)).strip()
