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

from pathlib import Path

from perfnb.errors import InputError, InputErrors
from perfnb.evaluation.audit import audit
from perfnb.evaluation.checks.reviews import CODES as REVIEW_CHECK_CODES, REVIEW_ENTRIES
from perfnb.evaluation.review_rules import (LEVELS, POINTS, ReviewProfile, clause_scores,
                                            get_review_rules)
from perfnb.evaluation.rules import QUALITATIVE_LEVEL_NAMES, RuleSet
from perfnb.evaluation.scoring import (PARTIAL_SHARE, aggregate, numbers, round_half_up,
                                       unweighted_units)
from perfnb.model import STATUS_MET, STATUS_PARTIAL, STATUS_UNMET, UnitTables

__all__ = ["apply_review", "REVIEW_INDICATOR_FIELDS", "review_profiles"]

_EPS = 1e-9
# columns added to the scored indicator table
# Unweighted units (no 分值 to score against) are reviewed by achievement: a rank per indicator,
# 0 达成, 1 部分达成, 2 未达成 (NaN: no achievement, e.g. no actual)
ACHIEVEMENT_RANKS = {STATUS_MET: 0, STATUS_PARTIAL: 1, STATUS_UNMET: 2}
# 偏离度 basis: by points (weighted units) or by achievement (unweighted units)
BASIS_SCORE, BASIS_ACHIEVEMENT = "score", "achievement"
REVIEW_INDICATOR_FIELDS = ("review_score", "review_level", "review_reason", "reviewed",
                           "final_score", "review_clauses", "review_severity", "review_clause_text",
                           "review_actual", "review_evidence", "deviation", "deviation_gap")


def _sheet(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _where(entry, column: str | None = None) -> dict:
    """An InputError's location for one review entry: the review file and line, or the
    复核底稿, its worksheet, row and ``column`` (the 底稿's column of the value at fault)."""
    line = entry.get("line")
    sheet = _sheet(entry.get("sheet"))
    return {"file": entry.get("source") or None, "sheet": sheet,
            "row": None if line is None or pd.isna(line) else int(line),
            "column": column if sheet else None}


def _entry_place(source, sheet) -> str | None:
    """Where a REVIEW_* finding points (its location's sheet): the review file's name, or
    ``[底稿.xlsx]工作表`` (Excel's own way of naming a sheet of another workbook)."""
    name = Path(str(source)).name if source else None
    sheet = _sheet(sheet)
    return f"[{name}]{sheet}" if name and sheet else sheet or name


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
    by_clause = column("clause_score", np.nan, float).astype(float)
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
    score = np.where(~np.isnan(by_clause), by_clause, np.where(np.isnan(given), from_level, given))
    # a hand-entered score beside cited clauses is checked against them (REVIEW_CLAUSE_MISMATCH)
    has_both = reviewed & ~np.isnan(given) & ~np.isnan(low) & np.isnan(by_clause)
    with np.errstate(invalid="ignore"):
        inside = ((given >= low * weight - _EPS)
                  & ((given < high * weight - _EPS) | ((high >= 1.0) & (given <= weight + _EPS))))
    errors = []
    for row in np.flatnonzero(has_both & ~inside):   # only the (few) wrong entries
        entry = review.iloc[where[row]]
        errors.append(InputError(
            f"指标“{entry['name']}”的复核得分 {given[row]:g} 不在复核档次“{level[row]}”的得分区间"
            f"（{low[row] * weight[row]:g} 至 {high[row] * weight[row]:g} 分）内",
            hint="请改正复核得分，或改为与得分相符的复核档次，或只填写其中一项",
            **_where(entry, "复核得分")))
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
            hint=f"请按本单位的审核发现填写代码与指标（本单位的审核发现：{known}）", **_where(item)))
    _raise(errors)
    # a later entry wins over an earlier one for the same finding
    matched = matched.sort_values("entry").drop_duplicates("at", keep="last")
    at = matched["at"].to_numpy(np.int64)
    decision[at] = review["decision"].to_numpy(object)[matched["entry"].to_numpy()]
    reason[at] = review["reason"].fillna("").to_numpy(object)[matched["entry"].to_numpy()]
    return decision, reason


def review_profiles(tables: UnitTables, profile: "ReviewProfile | str | None" = None
                    ) -> dict[str, ReviewProfile]:
    """unit_id -> the review profile (复核口径) of each reviewed unit: ``profile`` when given
    (``--review-rules``), else the one its review names, else the default."""
    reviews = tables.reviews
    named = (reviews["review_rules"] if "review_rules" in reviews.columns
             else pd.Series([""] * len(reviews), index=reviews.index)).fillna("").astype(str)
    out = {}
    for unit_id, spec in zip(reviews["unit_id"].astype(str), named):
        out[unit_id] = get_review_rules(profile if profile is not None else (spec or None))
    return out


def _clause_entries(tables: UnitTables, indicators: pd.DataFrame,
                    profiles: dict[str, ReviewProfile]) -> pd.DataFrame:
    """The review entries with their clauses checked (codes known, 扣分程度 given where a
    clause needs it) and ``clause_score`` (NaN: no clause cited) computed."""
    entries = tables.review_indicators.reset_index(drop=True).copy()
    n = len(entries)
    if "clauses" not in entries.columns:
        entries["clauses"] = [[] for _ in range(n)]
    if "severity" not in entries.columns:
        entries["severity"] = None
    entries["clauses"] = [list(v) if isinstance(v, (list, tuple, np.ndarray)) else [] for v in entries["clauses"]]
    keys = pd.MultiIndex.from_arrays([indicators["unit_id"].astype(str).to_numpy(object),
                                      numbers(indicators, "seq").astype(np.int64)])
    at = keys.get_indexer(pd.MultiIndex.from_arrays(
        [entries["unit_id"].astype(str).to_numpy(object), numbers(entries, "seq").astype(np.int64)]))
    weight = numbers(indicators, "weight")[at] if n else np.zeros(0)
    entries["weight"] = weight
    entries["computed"] = indicators["score"].to_numpy(float)[at] if n else np.zeros(0)
    entries["indicator_name"] = indicators["name"].to_numpy(object)[at] if n else []
    errors: list[InputError] = []
    severity = np.full(n, None, dtype=object)
    texts = np.full(n, "", dtype=object)
    if "sheet" not in entries.columns:
        entries["sheet"] = None
    for i, (unit_id, codes, word, name) in enumerate(zip(
            entries["unit_id"].astype(str), entries["clauses"], entries["severity"], entries["name"])):
        if not codes and (word is None or word != word or not str(word).strip()):
            continue
        profile = profiles[unit_id]
        entry = entries.iloc[i]
        unknown = [c for c in codes if profile.clause(c) is None]
        if unknown:
            errors.append(InputError(
                f"指标“{name}”引用的复核口径条款“{'、'.join(unknown)}”不在复核口径“{profile.name}”中",
                hint=f"可用的条款：{'、'.join(profile.clauses)}（perfnb review-rules {profile.name} 列出条文）",
                **_where(entry, "复核口径")))
            continue
        level = profile.level(word) if word is not None and word == word and str(word).strip() else None
        if word is not None and word == word and str(word).strip() and level is None:
            errors.append(InputError(
                f"指标“{name}”的扣分程度“{word}”无法识别", hint=f"扣分程度应为 {'、'.join(profile.levels)}",
                **_where(entry, "扣分程度")))
            continue
        needs = [c for c in codes if profile.clause(c).kind == LEVELS]
        if needs and level is None:
            errors.append(InputError(
                f"指标“{name}”引用的条款 {'、'.join(needs)} 按扣分程度扣分，但没有写扣分程度（severity）",
                hint=f"请写 severity: {'、'.join(profile.levels)} 之一", **_where(entry, "扣分程度")))
            continue
        severity[i] = level
        texts[i] = "、".join(f"{c}（{level}）" if profile.clause(c).kind == LEVELS else c for c in codes)
    _raise(errors)
    entries["severity"] = severity
    entries["clause_text"] = texts
    clause = np.full(n, np.nan)
    share = np.full(n, np.nan)
    units = entries["unit_id"].astype(str).to_numpy(object)
    for name in {p.sha256 for p in profiles.values()}:   # one pass per distinct profile
        profile = next(p for p in profiles.values() if p.sha256 == name)
        mask = np.array([profiles[u].sha256 == name for u in units], dtype=bool)
        if mask.any():
            clause[mask] = clause_scores(entries[mask], weight[mask], profile)
            # the share of a weight of 1 the clauses leave: an unweighted indicator's achievement
            share[mask] = clause_scores(entries[mask], np.ones(int(mask.sum())), profile)
            only_points = np.array([bool(codes) and all(profile.clauses[c].kind == POINTS for c in codes)
                                    for codes in entries.loc[mask, "clauses"]], dtype=bool)
            # a fixed number of points has no weight to come off: it counts as 部分达成
            share[np.flatnonzero(mask)[only_points]] = PARTIAL_SHARE
    entries["clause_score"] = clause
    entries["clause_share"] = share
    return entries


def _review_entries_table(entries: pd.DataFrame, final: np.ndarray) -> pd.DataFrame:
    """What the review-record checks look at (one row per reviewed indicator)."""
    return pd.DataFrame({
        "unit_id": entries["unit_id"].astype(str).to_numpy(object),
        "name": entries["indicator_name"].to_numpy(object),
        "file": [_entry_place(source, sheet) for source, sheet in zip(
            entries["source"], entries["sheet"] if "sheet" in entries.columns
            else [None] * len(entries))],
        "line": entries["line"].astype("Int64").to_numpy(),
        "given": entries["score"].to_numpy(float), "clause_score": entries["clause_score"].to_numpy(float),
        "computed": entries["computed"].to_numpy(float), "level": entries["level"].to_numpy(object),
        "clause_text": entries["clause_text"].to_numpy(object), "final": final})


def _achievement(tables: UnitTables, indicators: pd.DataFrame, entries: pd.DataFrame,
                 level: np.ndarray, reviewed: np.ndarray):
    """Per indicator row of an unweighted unit: the self-evaluation's achievement rank (its
    status), the review's (its 复核档次, else the share of the weight its clauses leave, ranked
    as a weighted score would be: ≥ 100 % 达成, ≥ 60 % 部分达成, else 未达成; unchanged when it
    gives neither) and whether the row belongs to an unweighted unit."""
    n = len(indicators)
    flags = pd.Series(unweighted_units(tables.units),
                      index=tables.units["unit_id"].astype(str).to_numpy(object))
    unweighted = flags.reindex(indicators["unit_id"].astype(str).to_numpy(object)
                               ).fillna(False).to_numpy(bool) if n else np.zeros(0, bool)
    status = indicators["status"].astype(object).to_numpy(object) if "status" in indicators else \
        np.full(n, None, dtype=object)
    own = np.array([ACHIEVEMENT_RANKS.get(s, np.nan) for s in status], dtype=float)
    by_level = np.array([QUALITATIVE_LEVEL_NAMES.index(v) if v in QUALITATIVE_LEVEL_NAMES
                         else np.nan for v in level], dtype=float)
    by_clause = np.full(n, np.nan)
    at = _entry_rows(indicators, entries)
    if len(at):
        share = entries["clause_share"].to_numpy(float)
        with np.errstate(invalid="ignore"):
            ranks = np.select([share >= 1.0 - _EPS, share >= PARTIAL_SHARE - _EPS], [0.0, 1.0], 2.0)
        by_clause[at] = np.where(np.isnan(share), np.nan, ranks)
    review = np.where(~np.isnan(by_level), by_level, np.where(~np.isnan(by_clause), by_clause, own))
    review = np.where(reviewed & unweighted, review, own)
    return own, review, unweighted


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.abs(denominator) > _EPS, numerator / denominator, np.nan)


def deviation_table(tables: UnitTables, final_totals: pd.DataFrame, rules: RuleSet,
                    profiles: dict[str, ReviewProfile],
                    indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per reviewed unit: 自评 and 复核 totals, 偏离度 ((自评 − 复核) ÷ 自评), the absolute gap,
    the grades before and after and the 自评质量 grade of the unit's review profile.

    An unweighted unit has no totals: its 偏离度 is by achievement (``basis`` "achievement"):
    the share of its indicators with an achievement whose 达成 / 部分达成 / 未达成 the review
    changed, positive when the review lowered more of them than it raised (the self-evaluation
    was too generous), negative otherwise; its gap and grades stay empty.  ``indicators``: the
    scored indicators with ``achievement_rank`` / ``review_achievement_rank`` (see
    :func:`apply_review`)."""
    reviews = tables.reviews
    ids = reviews["unit_id"].astype(str).to_numpy(object)
    units = tables.units.assign(unit_id=tables.units["unit_id"].astype(str)).set_index("unit_id")
    totals = final_totals.assign(unit_id=final_totals["unit_id"].astype(str)).set_index("unit_id")
    self_total = pd.to_numeric(units["reported_total"].reindex(ids), errors="coerce").to_numpy(float)
    review_total = pd.to_numeric(totals["total"].reindex(ids), errors="coerce").to_numpy(float)
    gap = np.round(self_total - review_total, 2)
    deviation = np.round(_ratio(self_total - review_total, self_total), 4)
    self_grade = np.array([rules.normalise_grade(g) if isinstance(g, str) else None
                           for g in units["reported_grade"].reindex(ids)], dtype=object)
    self_grade = np.where(pd.isna(self_grade),
                          np.array([rules.grade_of(t) if t == t else None for t in self_total], dtype=object),
                          self_grade)
    review_grade = totals["grade"].reindex(ids).to_numpy(object)
    basis = np.full(len(ids), BASIS_SCORE, dtype=object)
    changed = np.full(len(ids), np.nan)
    compared = np.full(len(ids), np.nan)
    if indicators is not None and "review_achievement_rank" in indicators and len(ids):
        rows = indicators[indicators["unweighted"].to_numpy(bool)]
        own = rows["achievement_rank"].to_numpy(float)
        review = rows["review_achievement_rank"].to_numpy(float)
        frame = pd.DataFrame({"unit_id": rows["unit_id"].astype(str).to_numpy(object),
                              "compared": ~np.isnan(own),
                              "changed": ~np.isnan(own) & (review != own),
                              "net": np.nan_to_num(np.sign(review - own))})
        counts = frame.groupby("unit_id", sort=False)[["compared", "changed", "net"]].sum()
        flags = pd.Series(unweighted_units(tables.units),
                          index=tables.units["unit_id"].astype(str).to_numpy(object))
        unweighted = flags.reindex(ids).fillna(False).to_numpy(bool)
        counts = counts.reindex(ids).fillna(0)
        basis[unweighted] = BASIS_ACHIEVEMENT
        changed = np.where(unweighted, counts["changed"].to_numpy(float), np.nan)
        compared = np.where(unweighted, counts["compared"].to_numpy(float), np.nan)
        sign = np.where(counts["net"].to_numpy(float) < 0, -1.0, 1.0)
        by_achievement = np.round(sign * _ratio(changed, compared), 4)
        deviation = np.where(unweighted, by_achievement, deviation)
    quality = np.full(len(ids), None, dtype=object)
    for i, unit_id in enumerate(ids):
        quality[i] = profiles[unit_id].quality_of(float(deviation[i]))
    return pd.DataFrame({
        "unit_id": ids, "self_total": self_total, "review_total": review_total,
        "deviation": deviation, "gap": gap, "self_grade": self_grade, "review_grade": review_grade,
        "grade_changed": [a is not None and b is not None and a != b
                          for a, b in zip(self_grade, review_grade)],
        "quality": quality, "basis": basis, "changed": changed, "compared": compared,
        "review_rules": [profiles[u].name for u in ids],
        "review_rules_title": [profiles[u].title for u in ids],
        "review_rules_sha256": [profiles[u].sha256 for u in ids]})


def apply_review(tables: UnitTables, scored: dict[str, pd.DataFrame], findings: pd.DataFrame,
                 rules: RuleSet, profile: "ReviewProfile | str | None" = None
                 ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """``scored`` with the review's columns and the ``final_dimensions`` / ``final_totals`` /
    ``reviews`` / ``review_entries`` / ``deviations`` tables added, and ``findings`` with the
    review record's own findings (REVIEW_*) and ``decision`` / ``decision_reason``.

    ``profile``: the review profile (复核口径) for every unit (None: each review's own, else the
    default); cited clauses give the 复核得分 (:func:`perfnb.evaluation.review_rules.clause_scores`).
    """
    indicators = scored["indicators"]
    profiles = review_profiles(tables, profile)
    entries = _clause_entries(tables, indicators, profiles)
    review_score, level, reason, reviewed = _review_scores(indicators, entries, rules)
    computed = indicators["score"].to_numpy(float)
    final = np.where(reviewed, review_score, computed)
    indicators = indicators.copy(deep=False)   # new columns only: no copy of the data
    clauses, severity, actual, evidence = _per_indicator(indicators, entries, reviewed)
    clause_text = _clause_text(indicators, clauses, severity, profiles)
    reported = numbers(indicators, "reported_score")
    own_rank, review_rank, unweighted = _achievement(tables, indicators, entries, level, reviewed)
    with np.errstate(invalid="ignore"):
        # an unweighted indicator's 偏离度: +1 the review lowered its achievement, −1 raised, 0 kept
        by_achievement = np.where(np.isnan(own_rank), np.nan, np.sign(review_rank - own_rank))
    ratio = np.where(unweighted & reviewed, by_achievement, np.round(_ratio(reported - final, reported), 4))
    for name, values in (("review_score", review_score), ("review_level", level),
                         ("review_reason", reason), ("reviewed", reviewed), ("final_score", final),
                         ("review_clauses", clauses), ("review_severity", severity),
                         ("review_clause_text", clause_text), ("review_actual", actual),
                         ("review_evidence", evidence),
                         ("deviation", ratio),
                         ("deviation_gap", np.round(reported - final, 2)),
                         ("unweighted", unweighted), ("achievement_rank", own_rank),
                         ("review_achievement_rank", review_rank)):
        indicators[name] = values
    if reviewed.any():
        final_dimensions, final_totals = aggregate(tables, indicators.assign(score=final),
                                                   scored["budgets"], rules)
    else:   # nothing re-scored: the final figures are the computed ones
        final_dimensions, final_totals = scored["dimensions"], scored["totals"]
    reviews = tables.reviews.copy()
    reviews["unit_id"] = reviews["unit_id"].astype(str)
    at = _entry_rows(indicators, entries)
    result = dict(scored, indicators=indicators, final_dimensions=final_dimensions,
                  final_totals=final_totals, reviews=reviews.reset_index(drop=True),
                  deviations=deviation_table(tables, final_totals, rules, profiles, indicators))
    result[REVIEW_ENTRIES] = _review_entries_table(entries, final[at] if len(at) else np.zeros(0))
    if len(entries):
        extra = audit(tables, result, rules, only=REVIEW_CHECK_CODES)
        if len(extra):
            order = {u: i for i, u in enumerate(tables.units["unit_id"].astype(str))}
            findings = pd.concat([findings.drop(columns=["decision", "decision_reason"], errors="ignore"),
                                  extra], ignore_index=True)
            findings = findings.iloc[np.argsort(
                findings["unit_id"].astype(str).map(order).to_numpy(), kind="stable")
            ].reset_index(drop=True)
    decision, decision_reason = _decisions(findings, tables.review_findings)
    findings = findings.copy(deep=False)
    findings["decision"] = decision
    findings["decision_reason"] = decision_reason
    return result, findings


def _entry_rows(indicators: pd.DataFrame, entries: pd.DataFrame) -> np.ndarray:
    if not len(entries):
        return np.zeros(0, dtype=np.intp)
    keys = pd.MultiIndex.from_arrays([indicators["unit_id"].astype(str).to_numpy(object),
                                      numbers(indicators, "seq").astype(np.int64)])
    return keys.get_indexer(pd.MultiIndex.from_arrays(
        [entries["unit_id"].astype(str).to_numpy(object), numbers(entries, "seq").astype(np.int64)]))


def _clause_text(indicators: pd.DataFrame, clauses: np.ndarray, severity: np.ndarray,
                 profiles: dict[str, ReviewProfile]) -> np.ndarray:
    """Per indicator the clauses as a report quotes them: "NOT_VERIFIABLE 完成情况无法核实
    （一般，扣减分值的 60%）" ('' where none is cited)."""
    out = np.full(len(indicators), "", dtype=object)
    units = indicators["unit_id"].astype(str).to_numpy(object)
    for row in np.flatnonzero([len(c) > 0 for c in clauses]):
        profile = profiles[units[row]]
        parts = []
        for code in clauses[row]:
            clause = profile.clauses[code]
            how = (f"{severity[row]}，扣减分值的 {profile.levels[severity[row]] * 100:g}%"
                   if clause.kind == LEVELS else clause.describe())
            parts.append(f"{code} {clause.title}（{how}）")
        out[row] = "；".join(parts)
    return out


def _per_indicator(indicators: pd.DataFrame, entries: pd.DataFrame, reviewed: np.ndarray):
    """Per indicator row: the clause codes cited (a list; [] if none) and the 扣分程度."""
    n = len(indicators)
    clauses = np.empty(n, dtype=object)
    clauses[:] = [[] for _ in range(n)]
    evidence = np.empty(n, dtype=object)
    evidence[:] = [[] for _ in range(n)]
    severity = np.full(n, None, dtype=object)
    actual = np.full(n, None, dtype=object)
    at = _entry_rows(indicators, entries)
    for i, row in enumerate(at):
        entry = entries.iloc[i]
        clauses[row] = list(entry["clauses"])
        severity[row] = entry["severity"]
        actual[row] = entry.get("actual") if isinstance(entry.get("actual"), str) else None
        evidence[row] = list(entry.get("evidence")) if isinstance(entry.get("evidence"), list) else []
    return clauses, severity, actual, evidence
