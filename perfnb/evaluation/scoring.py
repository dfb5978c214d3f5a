"""The scoring core: pure, vectorised, no I/O.

:func:`score_tables` scores every unit of a stacked :class:`~perfnb.model.UnitTables` at once
(numpy/pandas over whole columns; Python only ever loops over the few *distinct* words of a
text column, never over rows or units).  :func:`perfnb.evaluation.evaluator.evaluate` scores,
audits and wraps the result in a :class:`perfnb.evaluation.result.Evaluation`.

The rules (docs: ../shared/domain.md §2) with the choices made here:

* Rounding is 四舍五入 (half away from zero) to 2 decimals, per indicator, then sums.
* Budget: rate = executed ÷ adjusted (÷ initial when adjusted is blank); score =
  round(min(rate, 1) × weight, 2); weight = the unit's 分值, else ``rules.budget_weight``.
  No usable figures -> rate NaN, score 0.
* Forward (>=, >, =): B >= A gives the full weight — also for ">" (B == A counts as met: a
  target written "> A" is read as "reach A"); otherwise round(max(B, 0) ÷ A × weight, 2).
  "=" with A = 0: B <= 0 full, else 0.
* Reverse (<=, <): B <= A full; otherwise ``ratio`` A ÷ B or ``linear`` 1 − (B − A) ÷ A
  (clipped to [0, 1]) times the weight.
* Qualitative: level from the actual grade against the target grade on the grade scale (a
  target without a grade — e.g. the scale "优良中低差" written out — means the best grade);
  achievement words (达成, 完成, 部分达成 …) give the level directly.  A reported score inside
  the level's band is kept; otherwise (or blank) the level's default share × weight.
  A quantitative indicator whose actual has no number but a grade or achievement word is
  scored the same way.  No actual at all (or an unrecognisable text) -> 0, status missing.
* Status (all kinds): met = full weight; partial = score >= 60 % of the weight; unmet;
  missing = nothing to score.  A blank weight leaves the score NaN (status missing).
* Unweighted units (``units.weighting`` = UNWEIGHTED: the form prints no 分值/权重): the
  indicators keep score NaN, their status is their achievement — quantitative: met when the
  target is reached, partial when the completion (the same fraction a weight would be
  multiplied by) is >= 60 %, else unmet; qualitative: the level (达成 / 部分达成 / 未达成).
  Budget execution is scored only with the weight the form prints (never the rule set's
  default); dimensions and totals have no weight, score, total or grade, but count the
  indicators by status, and ``reported_sum`` (the unit's printed scores added up) stands
  beside the printed total for the audit.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable

import numpy as np
import pandas as pd

from perfnb.cells import as_text
from perfnb.errors import InputError
from perfnb.model import (BUDGET_DIMENSION, FORWARD_OPERATORS, KIND_QUALITATIVE, LEVEL1_ORDER,
                    OPERATORS, STATUS_MET, STATUS_MISSING, STATUS_PARTIAL, STATUS_UNMET,
                    NO_BUDGET_ITEM, UNWEIGHTED, WEIGHTED, UnitTables)
from perfnb.evaluation.rules import QUALITATIVE_LEVEL_NAMES, RuleSet, get_rules
from perfnb.vocabulary import PARTIAL_WORDS, UNMET_WORDS

PARTIAL_SHARE = 0.6   # a score at or above 60 % of the weight is "partial", below "unmet"
_EPS = 1e-9

# How an indicator was scored (column ``scored_by``; used by the audit).
BY_NUMBER = "number"      # quantitative, from target and actual numbers
BY_LEVEL = "level"        # qualitative level (grade or achievement word)
BY_NOTHING = "none"       # nothing to score: missing actual, target or weight


# -- small vectorised helpers ----------------------------------------------------------

def round_half_up(values, digits: int = 2):
    """四舍五入 to ``digits`` decimals (0.125 -> 0.13; Python's round gives 0.12)."""
    factor = 10.0 ** digits
    values = np.asarray(values, dtype=float)
    return np.sign(values) * np.floor(np.abs(values) * factor + 0.5 + 1e-7) / factor


def numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as a float array (missing column or non-numbers -> NaN)."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    series = frame[column]
    if series.dtype.kind in "fiub":
        return series.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def per_unique(series: pd.Series | np.ndarray | None, func: Callable[[object], object], length: int) -> np.ndarray:
    """``func`` applied to each distinct value of ``series`` (None for missing), spread to rows."""
    if series is None:
        return np.full(length, func(None), dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [func(value) for value in uniques]
    mapped[-1] = func(None)
    return mapped[codes]


class Factorized:
    """A text column factorised once; functions then run on its distinct values only."""

    def __init__(self, frame: pd.DataFrame, column: str) -> None:
        if column in frame.columns and len(frame):
            values = np.asarray(frame[column].array, dtype=object)   # the object path hashes faster
            self.codes, uniques = pd.factorize(values, use_na_sentinel=True)
            self.values = list(np.asarray(uniques, dtype=object)) + [None]  # code -1 -> last
        else:
            self.codes = np.full(len(frame), -1, dtype=np.intp)
            self.values = [None]

    @classmethod
    def from_codes(cls, names, codes: np.ndarray) -> "Factorized":
        """A column known as ``names[codes]`` (a None name: missing), without hashing it."""
        self = cls.__new__(cls)
        present = [i for i, name in enumerate(names) if name is not None]
        position = np.full(len(names), -1, dtype=np.intp)
        position[present] = np.arange(len(present))
        self.codes = position[codes]
        self.values = [names[i] for i in present] + [None]
        return self

    def map(self, func: Callable[[object], object], dtype=object) -> np.ndarray:
        mapped = np.empty(len(self.values), dtype=dtype)
        mapped[:] = [func(value) for value in self.values]
        return mapped[self.codes]


_LOCAL = threading.local()


@contextmanager
def shared_factorization():
    """Within this block, :func:`factorized` factorises each (frame, column) only once
    (evaluate() scores and audits the same input columns)."""
    outer = getattr(_LOCAL, "cache", None)
    if outer is None:
        _LOCAL.cache = {}
    try:
        yield
    finally:
        if outer is None:
            _LOCAL.cache = None


def factorized(frame: pd.DataFrame, column: str) -> Factorized:
    """``Factorized(frame, column)``, reused inside :func:`shared_factorization`."""
    cache = getattr(_LOCAL, "cache", None)
    if cache is None:
        return Factorized(frame, column)
    key = (id(frame), column)
    hit = cache.get(key)
    if hit is None or hit[0] is not frame:
        hit = (frame, Factorized(frame, column))   # holding the frame keeps its id unique
        cache[key] = hit
    return hit[1]


def share_factorization(frame: pd.DataFrame, column: str, names, codes: np.ndarray) -> None:
    """Inside :func:`shared_factorization`, let :func:`factorized` answer for a column just
    built as ``names[codes]`` without hashing it again."""
    cache = getattr(_LOCAL, "cache", None)
    if cache is not None:
        cache[(id(frame), column)] = (frame, Factorized.from_codes(names, codes))


def map_where(frame: pd.DataFrame, column: str, mask: np.ndarray, func: Callable[[object], object],
              default, dtype=object) -> np.ndarray:
    """``func`` of a text column on the rows of ``mask`` only (``default`` elsewhere); the
    column is only factorised on those rows, so a rarely needed check stays cheap."""
    result = np.full(len(frame), default, dtype=dtype)
    rows = np.flatnonzero(mask)   # positions: cheaper than a mask on a long column
    if column not in frame.columns or not len(rows):
        if len(rows):
            result[rows] = func(None)
        return result
    values = np.asarray(frame[column].array, dtype=object)[rows]
    result[rows] = per_unique(values, func, len(values))
    return result


_TEXT_DTYPE: list = []


def labels(names, codes: np.ndarray):
    """``names[codes]`` (names: str or missing) as the column pandas would infer from it — its
    default text dtype when any text is present, else object — built by a take from the few
    names, without pandas' per-row inference (a tenth of a second per column on 1.5 M rows)."""
    names = np.asarray(names, dtype=object)   # (a pd.Index: without iterating it)
    if not _TEXT_DTYPE:
        _TEXT_DTYPE.append(pd.Series(["x"]).dtype)
    dtype = _TEXT_DTYPE[0]
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "python" and len(codes):
        used = np.bincount(codes, minlength=len(names)) > 0
        if any(used[i] for i, name in enumerate(names) if isinstance(name, str)):
            try:
                text = names.copy()
                text[np.asarray(pd.isna(names), dtype=bool)] = np.nan
                return pd.arrays.StringArray(text, dtype=dtype).take(codes)
            except (TypeError, ValueError):   # not only text: let pandas decide
                pass
    return names[codes]


def text_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A text column as an object array of stripped strings ('' for missing)."""
    return per_unique(frame[column] if column in frame.columns else None, as_text, len(frame))


def blank_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """True where a text column is missing, empty or whitespace."""
    return per_unique(frame[column] if column in frame.columns else None,
                      lambda v: as_text(v) == "", len(frame)).astype(bool)


def unit_codes(unit_ids: pd.Index, frame: pd.DataFrame, table: str) -> np.ndarray:
    """Position of each row's unit in ``unit_ids``; rows of unknown units raise InputError."""
    if not len(frame):
        return np.zeros(0, dtype=np.int64)
    ids = factorized(frame, "unit_id")
    known = pd.Index(np.asarray(ids.values[:-1], dtype=object)).astype(str)
    positions = np.append(unit_ids.get_indexer(known), -1)
    codes = positions[ids.codes]
    if (codes < 0).any():
        unknown = sorted({as_text(v) for v in np.asarray(frame["unit_id"], dtype=object)[codes < 0]})[:5]
        raise InputError(f"{table}中的单位编号“{'、'.join(unknown)}”不在单位表中",
                         hint="请检查单位编号是否一致")
    return codes


# -- grades and levels -----------------------------------------------------------------

def _word_classifier(rules: RuleSet):
    grades = {g for scale in rules.grade_scales for g in scale}

    def classify(value) -> tuple[str | None, str | None]:
        """(grade, achievement level) named by a word; (None, None) if it names neither."""
        text = as_text(value)
        if not text:
            return None, None
        if text in rules.achievement_words:
            return None, rules.achievement_words[text]
        text = rules.grade_aliases.get(text, text)
        if text in grades:
            return text, None
        return None, None

    return classify


def qualitative_levels(indicators: pd.DataFrame, rules: RuleSet,
                       rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the qualitative level (达成/部分达成/未达成 or None) and whether the actual
    carried a recognisable grade or achievement word at all.  Only the rows of ``rows`` (the
    qualitative ones and those without a numeric actual) are examined."""
    level_code = qualitative_level_codes(indicators, rules, rows)
    names = np.array(list(QUALITATIVE_LEVEL_NAMES) + [None], dtype=object)
    return names[level_code], level_code >= 0


def qualitative_level_codes(indicators: pd.DataFrame, rules: RuleSet,
                            rows: np.ndarray | None = None) -> np.ndarray:
    """:func:`qualitative_levels` as positions in ``QUALITATIVE_LEVEL_NAMES`` (-1: none)."""
    if rows is not None:
        full_code = np.full(len(indicators), -1, dtype=np.int64)
        if rows.any():
            columns = [c for c in ("actual_grade", "actual_text", "target_grade", "target_text")
                       if c in indicators.columns]
            positions = np.flatnonzero(rows)
            subset = pd.DataFrame({c: np.asarray(indicators[c].array, dtype=object)[positions]
                                   for c in columns}, dtype=object)   # object: no type inference
            full_code[rows] = qualitative_level_codes(subset, rules)
        return full_code
    n = len(indicators)
    classify = _word_classifier(rules)
    level_index = {name: i for i, name in enumerate(QUALITATIVE_LEVEL_NAMES)}
    scales = list(rules.grade_scales)

    seen: dict[str, Factorized] = {}

    def factorized_here(column: str) -> Factorized:
        if column not in seen:
            seen[column] = Factorized(indicators, column)
        return seen[column]

    def describe(primary: str, fallback: str):
        """Per row: has a grade, achievement level index (-1 none), rank on each scale —
        from the primary column, else from the fallback column."""
        result = []
        for column in (primary, fallback):
            fac = factorized_here(column)
            has_grade = fac.map(lambda v: classify(v)[0] is not None, bool)
            level = fac.map(lambda v: level_index.get(classify(v)[1], -1), np.int64)
            ranks = [fac.map(lambda v, sc=scale: float(sc.index(classify(v)[0]))
                             if classify(v)[0] in sc else np.nan, float) for scale in scales]
            result.append((has_grade, level, ranks))
        (g1, l1, r1), (g2, l2, r2) = result
        use_fallback = ~g1 & (l1 < 0)
        return (np.where(use_fallback, g2, g1), np.where(use_fallback, l2, l1),
                [np.where(use_fallback, b, a) for a, b in zip(r1, r2)])

    _, actual_level, actual_ranks = describe("actual_grade", "actual_text")
    target_has_grade, _, target_ranks = describe("target_grade", "target_text")

    # Which scale: a scale written out in the target text ("优良中低差") wins (the longest
    # such); otherwise the first listed scale that holds both grades.  A target without a
    # grade means the best grade.
    target_text = factorized_here("target_text")
    rank_actual = np.full(n, np.nan)
    rank_target = np.full(n, np.nan)
    decided = np.zeros(n, dtype=bool)
    order = sorted(range(len(scales)), key=lambda i: len(scales[i]), reverse=True)
    candidates = [(i, True) for i in order] + [(i, False) for i in range(len(scales))]
    for i, must_be_spelled in candidates:
        ra = actual_ranks[i]
        rt = np.where(target_has_grade, target_ranks[i], 0.0)
        take = ~decided & ~np.isnan(ra) & ~np.isnan(rt)
        if must_be_spelled:
            take &= target_text.map(lambda v, sc=scales[i]: all(g in as_text(v) for g in sc), bool)
        rank_actual = np.where(take, ra, rank_actual)
        rank_target = np.where(take, rt, rank_target)
        decided |= take

    diff = rank_actual - rank_target
    by_grade = np.select([diff <= 0, diff == 1, diff >= 2], [0, 1, 2], -1)
    return np.where(actual_level >= 0, actual_level, by_grade).astype(np.int64)


# How a qualitative level was decided (the ``level_basis`` column).
LEVEL_BASES = ("words", "text", "reported", "presumed", None)
ACHIEVED_LEVEL = QUALITATIVE_LEVEL_NAMES[0]
# Words of an actual that say the target was not, or only partly, reached.
_UNMET_WORDS, _PARTIAL_WORDS = UNMET_WORDS, PARTIAL_WORDS      # perfnb.vocabulary


def _compact(value) -> str:
    return "".join(as_text(value).split()).translate(_FULLWIDTH).rstrip("。.;；,，")


_FULLWIDTH = str.maketrans("（），：；％！？", "(),:;%!?")


def _text_level(pair) -> int:
    """The level an actual's text gives against its target's (-1: says nothing)."""
    target, actual = pair
    if actual and actual == target:
        return 0
    if any(word in actual for word in _UNMET_WORDS):
        return 2
    if any(actual.startswith(word) or f"{word}达" in actual for word in _PARTIAL_WORDS):
        return 1
    return -1


def text_level_codes(indicators: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Per row of ``rows``: the level (position in QUALITATIVE_LEVEL_NAMES) that the actual's
    text gives against the target's text — the same text is 达成, "未…" 未达成, "基本…"
    部分达成 — else -1.  Computed once per distinct (target, actual) pair."""
    codes = np.full(len(indicators), -1, dtype=np.int64)
    positions = np.flatnonzero(rows)
    if not len(positions):
        return codes
    target = np.asarray(indicators["target_text"].array, dtype=object)[positions]
    actual = np.asarray(indicators["actual_text"].array, dtype=object)[positions]
    pairs = pd.Series(list(zip(target, actual)), dtype=object)
    codes[positions] = per_unique(pairs, lambda pair: -1 if pair is None else _text_level(
        (_compact(pair[0]), _compact(pair[1]))), len(positions)).astype(np.int64)
    return codes


# -- the scoring of each table -----------------------------------------------------------

def unweighted_units(units: pd.DataFrame) -> np.ndarray:
    """Per unit: is it evaluated unweighted (its form prints no 分值/权重)?  A table without
    the ``weighting`` column (tables built before it existed) is weighted throughout."""
    if "weighting" not in units.columns or not len(units):
        return np.zeros(len(units), dtype=bool)
    return factorized(units, "weighting").map(lambda v: as_text(v) == UNWEIGHTED, bool)


def no_budget_item(units: pd.DataFrame) -> np.ndarray:
    """Per unit: do the form's printed parts already make its total (``units.budget_item`` =
    NO_BUDGET_ITEM), so that no default budget weight is added?"""
    if "budget_item" not in units.columns or not len(units):
        return np.zeros(len(units), dtype=bool)
    return factorized(units, "budget_item").map(lambda v: as_text(v) == NO_BUDGET_ITEM, bool)


def weighting_labels(unweighted: np.ndarray):
    """The ``weighting`` column of per-unit flags."""
    return labels((WEIGHTED, UNWEIGHTED), np.asarray(unweighted, dtype=np.int64))


def score_indicators(indicators: pd.DataFrame, rules: RuleSet,
                     unweighted: np.ndarray | None = None) -> pd.DataFrame:
    """The indicator table with score, status, completion_ratio, qualitative_level,
    over_achieved (and ``scored_by``, ``in_band``, ``operator_used``).

    ``unweighted``: per row, its unit prints no weights — its status is then its achievement
    (see the module docstring), its score stays NaN."""
    n = len(indicators)
    unweighted = np.zeros(n, dtype=bool) if unweighted is None else np.asarray(unweighted, bool)
    target = numbers(indicators, "target")
    actual = numbers(indicators, "actual")
    # a range target ("3-5次") is over-achieved beyond its high end, not its low end
    target_high = numbers(indicators, "target_high")
    weight = numbers(indicators, "weight")
    reported = numbers(indicators, "reported_score")

    qualitative = (np.asarray(indicators["kind"].array, dtype=object) == KIND_QUALITATIVE
                   if "kind" in indicators.columns else np.zeros(n, dtype=bool))
    said_reverse = factorized(indicators, "declared_direction").map(lambda v: "反向" in as_text(v), bool)
    operator_code = factorized(indicators, "operator").map(
        lambda v: OPERATORS.index(as_text(v)) if as_text(v) in OPERATORS else -1, np.int64)
    operator_code = np.where(operator_code >= 0, operator_code,
                             np.where(said_reverse, OPERATORS.index("<="), OPERATORS.index(">=")))
    forward = np.isin(operator_code, [OPERATORS.index(o) for o in FORWARD_OPERATORS])
    reverse = ~forward
    is_equal = operator_code == OPERATORS.index("=")

    has_target, has_actual = ~np.isnan(target), ~np.isnan(actual)
    level_code = qualitative_level_codes(indicators, rules, qualitative | ~has_actual)
    # A qualitative actual that names no level but is there: judged from its text against
    # the target's, else from the unit's own score, else presumed achieved (level_basis).
    level_basis = np.where(level_code >= 0, 0, 4)
    undecided = qualitative & (level_code < 0) & ~blank_column(indicators, "actual_text")
    if undecided.any():
        text_code = text_level_codes(indicators, undecided)
        by_text = undecided & (text_code >= 0)
        level_code = np.where(by_text, text_code, level_code)
        level_basis = np.where(by_text, 1, level_basis)
        with np.errstate(invalid="ignore", divide="ignore"):
            share_reported = reported / weight
        by_reported = undecided & ~by_text & ~np.isnan(share_reported) & (share_reported >= 0) \
            & (share_reported <= 1 + _EPS)
        reported_code = np.full(n, len(QUALITATIVE_LEVEL_NAMES) - 1, dtype=np.int64)
        for spec in sorted(rules.qualitative_levels, key=lambda s: s.low):
            reported_code = np.where(share_reported >= spec.low - _EPS,
                                     QUALITATIVE_LEVEL_NAMES.index(spec.name), reported_code)
        level_code = np.where(by_reported, reported_code, level_code)
        level_basis = np.where(by_reported, 2, level_basis)
        presumed = undecided & ~by_text & ~by_reported
        level_code = np.where(presumed, QUALITATIVE_LEVEL_NAMES.index(ACHIEVED_LEVEL), level_code)
        level_basis = np.where(presumed, 3, level_basis)
    has_word = level_code >= 0

    by_number = ~qualitative & has_target & has_actual
    by_level = (qualitative | (~qualitative & ~has_actual)) & has_word
    scored_by_code = np.select([by_number, by_level], [0, 1], 2)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # forward
        positive_actual = np.maximum(actual, 0.0)
        equal_zero = is_equal & (target == 0)
        forward_full = np.where(equal_zero, actual <= 0, actual >= target - _EPS)
        forward_fraction = np.where(target > 0, positive_actual / target, 0.0)
        # reverse
        reverse_full = actual <= target + _EPS
        if rules.reverse_rule == "linear":
            reverse_fraction = 1.0 - (actual - target) / target
        else:
            reverse_fraction = target / actual
        reverse_fraction = np.where(target > 0, reverse_fraction, 0.0)
        full = np.where(forward, forward_full, reverse_full)
        fraction = np.clip(np.where(forward, forward_fraction, reverse_fraction), 0.0, 1.0)
        fraction = np.where(full, 1.0, fraction)
        number_score = round_half_up(np.where(full, weight, fraction * weight))

        completion = np.where(forward, actual / target, target / actual)
        completion = np.where(forward & (target == 0) | reverse & (actual == 0), np.nan, completion)
        completion = np.where(by_number, completion, np.nan)

        reference = np.where(np.isnan(target_high), target, target_high)
        over_achieved = (by_number & forward & (target > 0)
                         & (actual >= rules.over_achievement_ratio * reference - _EPS))
        if rules.cut_over_achievement:
            ceiling = round_half_up(rules.over_achievement_cut_share * weight)
            number_score = np.where(over_achieved, np.minimum(number_score, ceiling), number_score)

    # qualitative levels: keep a reported score inside the level's band, else the default share
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    share = np.full(n, np.nan)
    level_index = {name: i for i, name in enumerate(QUALITATIVE_LEVEL_NAMES)}
    for spec in rules.qualitative_levels:
        at = level_code == level_index.get(spec.name, -2)
        low[at], high[at], share[at] = spec.low, spec.high, spec.share
    with np.errstate(invalid="ignore"):
        in_band = (by_level & ~np.isnan(reported)
                   & (reported >= low * weight - _EPS)
                   & ((reported < high * weight - _EPS) | ((high >= 1.0) & (reported <= weight + _EPS))))
    level_score = round_half_up(np.where(in_band, reported, share * weight))

    score = np.select([by_number, by_level], [number_score, level_score], 0.0)
    score = np.where(np.isnan(weight), np.nan, score)

    with np.errstate(invalid="ignore"):
        status_code = np.select([~(by_number | by_level) | np.isnan(weight),
                                 score >= weight - _EPS,
                                 score >= PARTIAL_SHARE * weight - _EPS], [0, 1, 2], 3)
    if unweighted.any():
        # no weight to score against: the achievement itself (达成 / 部分达成 / 未达成)
        level_status = np.array([1, 2, 3, 0])[np.where(level_code >= 0, level_code, 3)]
        with np.errstate(invalid="ignore"):
            number_status = np.select([fraction >= 1.0 - _EPS,
                                       fraction >= PARTIAL_SHARE - _EPS], [1, 2], 3)
        achievement = np.select([by_number, by_level], [number_status, level_status], 0)
        status_code = np.where(unweighted, achievement, status_code)

    # label columns: (names, codes)
    label_columns = {
        "status": ((STATUS_MISSING, STATUS_MET, STATUS_PARTIAL, STATUS_UNMET), status_code),
        "qualitative_level": ((*QUALITATIVE_LEVEL_NAMES, None),
                              np.where(by_level, level_code, len(QUALITATIVE_LEVEL_NAMES))),
        "scored_by": ((BY_NUMBER, BY_LEVEL, BY_NOTHING), scored_by_code),
        "operator_used": ((*OPERATORS, None), np.where(qualitative, len(OPERATORS), operator_code)),
        "level_basis": (LEVEL_BASES, np.where(by_level, level_basis, 4)),
    }
    scored = indicators.assign(
        score=score,
        status=labels(*label_columns["status"]),
        completion_ratio=completion,
        qualitative_level=labels(*label_columns["qualitative_level"]),
        over_achieved=over_achieved.astype(bool),
        scored_by=labels(*label_columns["scored_by"]),
        in_band=in_band.astype(bool),
        operator_used=labels(*label_columns["operator_used"]),
        is_reverse=reverse & ~qualitative,
        is_qualitative=qualitative,
        level_basis=labels(*label_columns["level_basis"]),
    )
    for column, (names, codes) in label_columns.items():
        share_factorization(scored, column, names, codes)
    return scored


def score_budgets(units: pd.DataFrame, budgets: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    """One budget row per unit (in unit order) with rate, effective_weight and score.

    An unweighted unit's budget execution is scored only with the weight its form prints:
    without one, effective_weight and score are NaN (the rate is computed all the same).
    (A 预算执行率 row of the indicator table that is the budget itself is read as the budget's
    weight and reported score: reading.blocks.is_budget_indicator — scored here, once.)"""
    unit_ids = units["unit_id"].astype(str)
    first = budgets.drop_duplicates("unit_id", keep="first") if len(budgets) else budgets
    first = first.assign(unit_id=first["unit_id"].astype(str)) if len(first) else first
    table = pd.DataFrame({"unit_id": unit_ids.to_numpy()})
    if len(first):
        table = table.merge(first, on="unit_id", how="left", sort=False)
    for column in ("initial", "adjusted", "executed", "weight", "reported_rate", "reported_score"):
        table[column] = numbers(table, column) if column in table.columns else np.nan
    if "reason" not in table.columns:
        table["reason"] = ""
    initial, adjusted, executed = (table[c].to_numpy(float) for c in ("initial", "adjusted", "executed"))
    base = np.where(np.isnan(adjusted), initial, adjusted)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(base > 0, executed / base, np.nan)
    weight = table["weight"].to_numpy(float)
    default_weight = np.where(unweighted_units(units) | no_budget_item(units), np.nan,
                              rules.budget_weight)
    effective_weight = np.where(np.isnan(weight), default_weight, weight)
    score = round_half_up(np.clip(np.nan_to_num(rate, nan=0.0), 0.0, 1.0) * effective_weight)
    return table.assign(rate=rate, base=base, effective_weight=effective_weight, score=score)


STATUS_COUNTS = (STATUS_MET, STATUS_PARTIAL, STATUS_UNMET, STATUS_MISSING)


def _status_counts(indicators: pd.DataFrame, bins: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """How many indicators of each bin (unit, or unit and dimension) have each status."""
    if "status" not in indicators.columns or not len(indicators):
        return {status: np.zeros(size, dtype=np.int64) for status in STATUS_COUNTS}
    status = factorized(indicators, "status")
    return {name: np.bincount(bins, status.map(lambda v, s=name: v == s, bool),
                              minlength=size).astype(np.int64) for name in STATUS_COUNTS}


def _dimensions(indicators: pd.DataFrame, codes: np.ndarray, budgets: pd.DataFrame,
                unit_ids: pd.Index, source: pd.DataFrame,
                unweighted: np.ndarray | None = None) -> pd.DataFrame:
    n_units = len(unit_ids)
    level1 = factorized(source, "level1")
    level1_codes = np.where(level1.codes < 0, len(level1.values) - 1, level1.codes)
    level1_names = [as_text(v) for v in level1.values]
    n_level1 = max(len(level1_names), 1)
    keys = codes.astype(np.int64) * n_level1 + level1_codes
    # np.unique sorts stably when asked for indices: first_seen is each group's first row
    group_keys, first_seen, group_of_row = np.unique(keys, return_index=True, return_inverse=True)
    weight = np.nan_to_num(numbers(indicators, "weight"), nan=0.0)
    score = np.nan_to_num(indicators["score"].to_numpy(float), nan=0.0)
    groups = len(group_keys)
    weight_sum = np.bincount(group_of_row, weight, minlength=groups)
    score_sum = np.bincount(group_of_row, score, minlength=groups)
    counts = _status_counts(indicators, group_of_row, groups)
    group_unit = group_keys // n_level1
    if unweighted is not None and unweighted.any():
        # an unweighted unit's dimensions have no weight and no score, only their counts
        weight_sum = np.where(unweighted[group_unit], np.nan, weight_sum)
        score_sum = np.where(unweighted[group_unit], np.nan, score_sum)
    group_level1_code = group_keys % n_level1
    # the order of each distinct name, spread to the groups
    name_order = {name: i + 1 for i, name in enumerate(LEVEL1_ORDER)}
    order_class = np.array([name_order.get(name, len(LEVEL1_ORDER) + 1) for name in level1_names],
                           dtype=float)[group_level1_code] if groups else np.zeros(0)

    # The budget printed as an item inside an 一级 group (pub21's 预算执行率 under 项目管理) is
    # shown in that group: its weight and score join the group's line (scored once, as the
    # budget); with no indicator of that group, the budget's own line bears the group's name.
    budget_weight = budgets["effective_weight"].to_numpy(float)
    budget_score = budgets["score"].to_numpy(float)
    budget_names, budget_name_code, merged = _budget_groups(
        budgets, level1_names, group_keys, n_level1, unweighted, n_units)
    if (merged >= 0).any():
        into = merged >= 0
        weight_sum = weight_sum.copy()
        score_sum = score_sum.copy()
        np.add.at(weight_sum, merged[into], np.nan_to_num(budget_weight[into], nan=0.0))
        np.add.at(score_sum, merged[into], np.nan_to_num(budget_score[into], nan=0.0))
    own_line = merged < 0

    # the budget row of each unit first (unless shown in its group), then its dimensions
    unit_code = np.concatenate([np.arange(n_units)[own_line], group_unit])
    name_code = np.concatenate([budget_name_code[own_line], group_level1_code + 1])
    dimension_weight = round_half_up(np.concatenate([budget_weight[own_line], weight_sum]))
    dimension_score = round_half_up(np.concatenate([budget_score[own_line], score_sum]))
    n_lines = int(own_line.sum())
    order = np.lexsort((np.concatenate([np.full(n_lines, -1), first_seen]),
                        np.concatenate([np.zeros(n_lines), order_class]), unit_code))
    unit_code, name_code = unit_code[order], name_code[order]
    dimension_weight, dimension_score = dimension_weight[order], dimension_score[order]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(dimension_weight > 0, dimension_score / dimension_weight, np.nan)
    frame = pd.DataFrame({
        "unit_id": labels(unit_ids, unit_code),
        "level1": labels([BUDGET_DIMENSION, *level1_names, *budget_names], name_code),
        "weight": dimension_weight,
        "score": dimension_score,
        "score_rate": rate,
    })
    # indicators per status (the budget row counts none): what an unweighted unit shows
    frame["indicator_count"] = np.concatenate(
        [np.zeros(n_lines, dtype=np.int64), np.bincount(group_of_row, minlength=groups)])[order]
    for status in STATUS_COUNTS:
        frame[status] = np.concatenate([np.zeros(n_lines, dtype=np.int64), counts[status]])[order]
    return frame


def _budget_groups(budgets: pd.DataFrame, level1_names: list[str], group_keys: np.ndarray,
                   n_level1: int, unweighted: np.ndarray | None, n_units: int
                   ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Per unit, where its budget line goes: (extra line names, each unit's name code for
    its own budget line — 0 is BUDGET_DIMENSION, 1 + i the i-th level1 name, then the extra
    names —, the dimension group its budget joins or -1 for a line of its own).  A budget
    joins the group its 预算执行率 item is printed in (``item_level1``) when the unit is
    weighted and has indicators in that group."""
    name_code = np.zeros(n_units, dtype=np.int64)
    merged = np.full(n_units, -1, dtype=np.int64)
    extra: list[str] = []
    if "item_level1" not in budgets.columns or not n_units:
        return extra, name_code, merged
    item = factorized(budgets, "item_level1")
    if not any(as_text(v) for v in item.values):
        return extra, name_code, merged
    position = {name: i for i, name in enumerate(level1_names)}
    weighted = np.ones(n_units, dtype=bool) if unweighted is None else ~np.asarray(unweighted, bool)
    for unit in np.flatnonzero(item.codes >= 0):
        name = as_text(item.values[item.codes[unit]])
        if not name or name == BUDGET_DIMENSION:
            continue
        code = position.get(name)
        if code is not None and weighted[unit]:
            at = np.searchsorted(group_keys, unit * n_level1 + code)
            if at < len(group_keys) and group_keys[at] == unit * n_level1 + code:
                merged[unit] = at
                continue
        if code is not None:
            name_code[unit] = code + 1
        else:
            if name not in extra:
                extra.append(name)
            name_code[unit] = 1 + len(level1_names) + extra.index(name)
    return extra, name_code, merged


def grades_of(totals: np.ndarray, rules: RuleSet) -> np.ndarray:
    """The grade band of each total (89.99 -> 良, 90 -> 优); None for NaN."""
    totals = np.asarray(totals, dtype=float)
    conditions = [totals >= band.min - _EPS for band in rules.grade_bands]
    grades = np.select(conditions, [band.grade for band in rules.grade_bands],
                       rules.grade_bands[-1].grade).astype(object)
    return np.where(np.isnan(totals), None, grades)


def aggregate(tables: UnitTables, indicators: pd.DataFrame, budgets: pd.DataFrame,
              rules: RuleSet, unit_ids: pd.Index | None = None,
              codes: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dimension scores and totals (with grade) of every unit from the indicators' ``score``
    and the budgets' ``score`` columns (the reviewed figures reuse it with final scores)."""
    if unit_ids is None:
        unit_ids = pd.Index(tables.units["unit_id"].astype(str).to_numpy(object))
    if codes is None:
        codes = unit_codes(unit_ids, tables.indicators, "指标表")
    unweighted = unweighted_units(tables.units)
    dimensions = _dimensions(indicators, codes, budgets, unit_ids, tables.indicators, unweighted)

    n_units = len(unit_ids)
    indicator_weight = np.bincount(codes, np.nan_to_num(numbers(indicators, "weight"), nan=0.0),
                                   minlength=n_units)
    indicator_score = np.bincount(codes, np.nan_to_num(indicators["score"].to_numpy(float), nan=0.0),
                                  minlength=n_units)
    indicator_count = np.bincount(codes, minlength=n_units)
    # an unweighted unit: no indicator weight or score, so no total and no grade
    indicator_weight = np.where(unweighted, np.nan, indicator_weight)
    indicator_score = np.where(unweighted, np.nan, indicator_score)
    # (a budget without an item of its own adds no weight and no score)
    total = round_half_up(np.nan_to_num(budgets["score"].to_numpy(float), nan=0.0) + indicator_score)
    total = np.where(unweighted, np.nan, total)
    # the unit's own printed scores added up (NaN where it printed none)
    reported = numbers(indicators, "reported_score")
    reported_sum = np.bincount(codes, np.nan_to_num(reported, nan=0.0), minlength=n_units)
    reported_any = np.bincount(codes, ~np.isnan(reported), minlength=n_units) > 0
    budget_reported = numbers(budgets, "reported_score")
    reported_sum = np.where(reported_any, reported_sum, np.nan)
    reported_sum = np.where(np.isnan(budget_reported), reported_sum,
                            np.nan_to_num(reported_sum, nan=0.0) + budget_reported)
    totals = pd.DataFrame({
        "unit_id": np.asarray(unit_ids, dtype=object),
        "weight": round_half_up(np.nan_to_num(budgets["effective_weight"].to_numpy(float), nan=0.0)
                                + indicator_weight),
        "total": total,
        "grade": grades_of(total, rules),
        "indicator_weight": round_half_up(indicator_weight),
        "indicator_score": round_half_up(indicator_score),
        "indicator_count": indicator_count,
        "weighting": weighting_labels(unweighted),
        "reported_sum": round_half_up(reported_sum),
        **_status_counts(indicators, codes, n_units),
    })
    return dimensions, totals


def score_tables(tables: UnitTables, rules: RuleSet | str = "central") -> dict[str, pd.DataFrame]:
    """Score every unit: ``{"indicators", "budgets", "dimensions", "totals"}`` DataFrames.

    Pure: the input tables are not modified.  See the module docstring for the rules.
    """
    rules = get_rules(rules)
    unit_ids = pd.Index(tables.units["unit_id"].astype(str).to_numpy(object))
    if unit_ids.has_duplicates:
        duplicated = sorted(set(unit_ids[unit_ids.duplicated()]))[:5]
        raise InputError(f"单位编号“{'、'.join(duplicated)}”重复", hint="每个单位的编号必须唯一")
    codes = unit_codes(unit_ids, tables.indicators, "指标表")

    indicators = score_indicators(tables.indicators, rules,
                                  unweighted_units(tables.units)[codes] if len(codes) else None)
    budgets = score_budgets(tables.units, tables.budgets, rules)
    dimensions, totals = aggregate(tables, indicators, budgets, rules, unit_ids, codes)
    return {"indicators": indicators, "budgets": budgets, "dimensions": dimensions,
            "totals": totals}
