"""Scoring with the evaluator's review (复核): pure, vectorised, no I/O.

Three figures stand side by side for every indicator: 自评得分 (``reported_score``, what the
unit reported), 计算得分 (``score``, by the rules) and 复核得分 (``final_score``: the review's
score where the evaluator gave one, else the computed score).  The review's score is the
evaluator's 复核得分; a 复核档次 alone (达成 / 部分达成 / 未达成) scores the rule set's default
share of the weight for that level, and a 复核得分 given together with a 复核档次 must lie in
that level's band.  Dimension scores, totals and the grade of the final figures are computed
exactly as the computed ones (:func:`perfnb.evaluation.scoring.aggregate`).

Findings get the evaluator's ``decision`` (采纳 / 不采纳, None when the review says nothing)
and ``decision_reason``; a decision that names no finding of the unit is an error naming the
review file and line.  Units without a review get final figures equal to the computed ones.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from perfnb.errors import InputError, InputErrors
from perfnb.evaluation.rules import RuleSet
from perfnb.evaluation.scoring import aggregate, numbers, round_half_up
from perfnb.model import UnitTables

__all__ = ["apply_review", "REVIEW_INDICATOR_FIELDS"]

_EPS = 1e-9
# columns added to the scored indicator table
REVIEW_INDICATOR_FIELDS = ("review_score", "review_level", "review_reason", "reviewed",
                           "final_score")


def _raise(errors: list[InputError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)


def _review_scores(indicators: pd.DataFrame, review: pd.DataFrame, rules: RuleSet):
    """Per indicator row: the review's score (NaN: not reviewed), level, reason, reviewed."""
    n = len(indicators)
    if not len(review):
        return (np.full(n, np.nan), np.full(n, None, dtype=object), np.full(n, "", dtype=object),
                np.zeros(n, dtype=bool))
    if len(review):
        keys = pd.MultiIndex.from_arrays([indicators["unit_id"].astype(str).to_numpy(object),
                                          numbers(indicators, "seq").astype(np.int64)])
        review_keys = pd.MultiIndex.from_arrays([review["unit_id"].astype(str).to_numpy(object),
                                                 numbers(review, "seq").astype(np.int64)])
        where = review_keys.get_indexer(keys)
    else:
        where = np.full(n, -1, dtype=np.intp)
    reviewed = where >= 0
    pick = np.where(reviewed, where, 0)
    weight = numbers(indicators, "weight")

    def column(name, default, dtype=object):
        if not len(review):
            return np.full(n, default, dtype=dtype)
        values = np.asarray(review[name].to_numpy(), dtype=dtype)[pick]
        return np.where(reviewed, values, default)

    given = column("score", np.nan, float).astype(float)
    level = column("level", None)
    level = np.where(pd.isna(level), None, level)
    reason = column("reason", "")
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    share = np.full(n, np.nan)
    for spec in rules.qualitative_levels:
        at = level == spec.name
        low[at], high[at], share[at] = spec.low, spec.high, spec.share
    from_level = round_half_up(share * weight)
    score = np.where(np.isnan(given), from_level, given)
    has_both = reviewed & ~np.isnan(given) & ~np.isnan(low)
    with np.errstate(invalid="ignore"):
        inside = ((given >= low * weight - _EPS)
                  & ((given < high * weight - _EPS) | ((high >= 1.0) & (given <= weight + _EPS))))
    errors = []
    for row in np.flatnonzero(has_both & ~inside):   # only the (few) wrong entries
        entry = review.iloc[where[row]]
        errors.append(InputError(
            f"指标“{entry['name']}”的复核得分 {given[row]:g} 不在复核档次“{level[row]}”的得分区间"
            f"（{low[row] * weight[row]:g} 至 {high[row] * weight[row]:g} 分）内",
            file=entry["source"] or None, row=None if pd.isna(entry["line"]) else int(entry["line"]),
            hint="请改正复核得分，或改为与得分相符的复核档次，或只填写其中一项"))
    _raise(errors)
    return np.where(reviewed, score, np.nan), level, reason, reviewed


def _decisions(findings: pd.DataFrame, review: pd.DataFrame):
    """Per finding: decision (None: none) and reason; errors for decisions naming no finding."""
    n = len(findings)
    decision = np.full(n, None, dtype=object)
    reason = np.full(n, "", dtype=object)
    if not len(review):
        return decision, reason
    left = pd.DataFrame({"at": np.arange(n), "unit_id": findings["unit_id"].astype(str).to_numpy(object),
                         "code": findings["code"].astype(str).to_numpy(object),
                         "f_indicator": findings["indicator"].to_numpy(object),
                         "f_column": findings["column"].to_numpy(object)})
    right = pd.DataFrame({"entry": np.arange(len(review)),
                          "unit_id": review["unit_id"].astype(str).to_numpy(object),
                          "code": review["code"].astype(str).str.upper().to_numpy(object),
                          "r_indicator": review["indicator"].to_numpy(object),
                          "r_column": review["column"].to_numpy(object)})
    pairs = right.merge(left, on=["unit_id", "code"], how="left")

    def contains(wanted: pd.Series, actual: pd.Series) -> np.ndarray:
        w = wanted.fillna("").astype(str).str.replace(r"\s+", "", regex=True).to_numpy(object)
        a = actual.fillna("").astype(str).str.replace(r"\s+", "", regex=True).to_numpy(object)
        return np.array([x in y for x, y in zip(w, a)], dtype=bool)   # over the few pairs

    found = pairs["at"].notna().to_numpy()
    ok = found & contains(pairs["r_indicator"], pairs["f_indicator"]) \
        & contains(pairs["r_column"], pairs["f_column"])
    matched = pairs[ok]
    unmatched = sorted(set(range(len(review))) - set(matched["entry"]))
    errors = []
    for entry in unmatched:
        item = review.iloc[entry]
        indicator, column = (v if isinstance(v, str) and v else None
                             for v in (item["indicator"], item["column"]))
        where = "，".join(x for x in (f"指标“{indicator}”" if indicator else "",
                                      f"“{column}”列" if column else "") if x)
        known = "、".join(dict.fromkeys(
            f"{c}（{i}）" if isinstance(i, str) and i else str(c)
            for c, i in zip(findings.loc[findings["unit_id"].astype(str) == item["unit_id"], "code"],
                            findings.loc[findings["unit_id"].astype(str) == item["unit_id"],
                                         "indicator"]))) or "无"
        errors.append(InputError(
            f"复核的审核发现 {item['code']}{'（' + where + '）' if where else ''}"
            f"不在单位“{item['unit_id']}”的审核发现中",
            file=item["source"] or None, row=None if pd.isna(item["line"]) else int(item["line"]),
            hint=f"请按本单位的审核发现填写代码与指标（本单位的审核发现：{known}）"))
    _raise(errors)
    # a later entry wins over an earlier one for the same finding
    matched = matched.sort_values("entry").drop_duplicates("at", keep="last")
    at = matched["at"].to_numpy(np.int64)
    decision[at] = review["decision"].to_numpy(object)[matched["entry"].to_numpy()]
    reason[at] = review["reason"].fillna("").to_numpy(object)[matched["entry"].to_numpy()]
    return decision, reason


def apply_review(tables: UnitTables, scored: dict[str, pd.DataFrame], findings: pd.DataFrame,
                 rules: RuleSet) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """``scored`` with the review's columns and the ``final_dimensions`` / ``final_totals`` /
    ``reviews`` tables added, and ``findings`` with ``decision`` / ``decision_reason``."""
    indicators = scored["indicators"]
    review_score, level, reason, reviewed = _review_scores(indicators, tables.review_indicators,
                                                           rules)
    computed = indicators["score"].to_numpy(float)
    final = np.where(reviewed, review_score, computed)
    indicators = indicators.copy(deep=False)   # new columns only: no copy of the data
    for name, values in (("review_score", review_score), ("review_level", level),
                         ("review_reason", reason), ("reviewed", reviewed), ("final_score", final)):
        indicators[name] = values
    if reviewed.any():
        final_dimensions, final_totals = aggregate(tables, indicators.assign(score=final),
                                                   scored["budgets"], rules)
    else:   # nothing re-scored: the final figures are the computed ones
        final_dimensions, final_totals = scored["dimensions"], scored["totals"]
    decision, decision_reason = _decisions(findings, tables.review_findings)
    findings = findings.copy(deep=False)
    findings["decision"] = decision
    findings["decision_reason"] = decision_reason
    reviews = tables.reviews.copy()
    reviews["unit_id"] = reviews["unit_id"].astype(str)
    result = dict(scored, indicators=indicators, final_dimensions=final_dimensions,
                  final_totals=final_totals, reviews=reviews.reset_index(drop=True))
    return result, findings
