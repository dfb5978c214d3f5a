"""Property tests (Hypothesis) of the scoring core."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfnb.model import UnitTables
from perfnb.evaluation.rules import get_rules
from perfnb.evaluation.scoring import score_tables
from tables import full_budget, indicator, make_unit

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
RULES = {name: get_rules("central").with_changes(reverse_rule=name) for name in ("ratio", "linear")}

numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
targets = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
weights = st.sampled_from([0.5, 1, 2, 3, 4, 5, 10, 20, 30, 50, 90])
operators = st.sampled_from([">=", ">", "=", "<=", "<"])
grades = st.sampled_from(["优", "良", "中", "低", "差", "达成", "部分达成", "未达成", "优秀", "良好"])
reported = st.one_of(st.none(), st.floats(min_value=-5, max_value=100, allow_nan=False))


@st.composite
def any_indicator(draw):
    if draw(st.booleans()):
        return indicator("q", draw(st.sampled_from(["优", "良", "中"])), draw(grades), draw(weights),
                         reported_score=draw(reported) if draw(st.booleans()) else float("nan"))
    return indicator("x", draw(targets), draw(numbers), draw(weights), draw(operators),
                     reported_score=float("nan") if draw(st.booleans()) else draw(numbers))


def scores(specs, rules=RULES["ratio"]) -> np.ndarray:
    tables = make_unit("u", specs, budget=full_budget())
    return score_tables(tables, rules)["indicators"]["score"].to_numpy()


@SETTINGS
@given(st.lists(any_indicator(), min_size=1, max_size=12), st.sampled_from(["ratio", "linear"]))
def test_score_stays_within_zero_and_weight(specs, rule):
    result = scores(specs, RULES[rule])
    weight = np.array([s["weight"] for s in specs])
    assert (result >= 0).all() and (result <= weight + 1e-9).all()


@SETTINGS
@given(targets, numbers, numbers, weights, st.sampled_from([">=", ">", "="]))
def test_forward_score_never_falls_when_actual_rises(target, a, b, weight, op):
    low, high = sorted((a, b))
    first, second = scores([indicator("x", target, low, weight, op),
                            indicator("x", target, high, weight, op)])
    # "=" with A = 0 is the one exception: any actual above 0 scores 0 (domain rule)
    if not (op == "=" and target == 0):
        assert second >= first


@SETTINGS
@given(targets, numbers, numbers, weights, st.sampled_from(["<=", "<"]), st.sampled_from(["ratio", "linear"]))
def test_reverse_score_never_rises_when_actual_rises(target, a, b, weight, op, rule):
    low, high = sorted((a, b))
    first, second = scores([indicator("x", target, low, weight, op),
                            indicator("x", target, high, weight, op)], RULES[rule])
    assert second <= first


@st.composite
def units(draw):
    count = draw(st.integers(min_value=1, max_value=4))
    parts = []
    for i in range(count):
        specs = draw(st.lists(any_indicator(), min_size=0, max_size=6))
        budget = {"initial": draw(st.floats(1, 1000)), "executed": draw(st.floats(0, 1200)),
                  "weight": 10.0}
        level1 = draw(st.lists(st.sampled_from(["产出指标", "效益指标", "满意度指标", "其他"]),
                               min_size=len(specs), max_size=len(specs)))
        specs = [dict(s, level1=l1) for s, l1 in zip(specs, level1)]
        parts.append(make_unit(f"u{i}", specs, budget=budget))
    return parts


@SETTINGS
@given(units())
def test_stacked_units_score_as_each_alone(parts):
    together = score_tables(UnitTables.concat(parts), "central")
    each = [score_tables(p, "central") for p in parts]
    for name in ("totals", "dimensions", "budgets"):
        alone = pd.concat([scored[name] for scored in each], ignore_index=True)
        pd.testing.assert_frame_equal(together[name].reset_index(drop=True), alone,
                                      check_dtype=False)
    alone_scores = np.concatenate([scored["indicators"]["score"].to_numpy(float) for scored in each])
    np.testing.assert_array_equal(together["indicators"]["score"].to_numpy(float), alone_scores)
