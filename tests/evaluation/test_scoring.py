"""Scoring rules with hand-computed figures, and the seed unit's figures (domain.md §6)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from perfnb.errors import InputError
from perfnb.model import KIND_QUANTITATIVE, UnitTables
from perfnb.evaluation.rules import get_rules
from perfnb.evaluation.evaluator import evaluate
from perfnb.evaluation.scoring import round_half_up, score_tables
from tables import NAN, full_budget, indicator, make_unit, seed_tables, stack


def scored_row(spec: dict, rules="central") -> pd.Series:
    tables = make_unit("u", [spec], budget=full_budget())
    return score_tables(tables, rules)["indicators"].iloc[0]


def score_of(spec: dict, rules="central") -> float:
    return float(scored_row(spec, rules)["score"])


# -- rounding -------------------------------------------------------------------------

def test_round_half_up():
    assert list(round_half_up([0.125, 2.675, 8.8488, 4.1666, -0.125, 3.745])) == \
        [0.13, 2.68, 8.85, 4.17, -0.13, 3.75]
    assert math.isnan(round_half_up([np.nan])[0])


# -- budget ---------------------------------------------------------------------------

@pytest.mark.parametrize("budget,rate,score", [
    ({"initial": 2229.0, "executed": 1972.41, "weight": 10.0}, 0.8849, 8.85),
    ({"initial": 100.0, "adjusted": 80.0, "executed": 60.0, "weight": 10.0}, 0.75, 7.5),
    ({"initial": 100.0, "executed": 120.0, "weight": 10.0}, 1.2, 10.0),       # capped at 1
    ({"initial": 100.0, "executed": 50.0, "weight": NAN}, 0.5, 5.0),          # rules' weight
    ({"initial": 100.0, "executed": 95.0, "weight": 20.0}, 0.95, 19.0),       # unit's weight
    ({"initial": NAN, "executed": 95.0, "weight": 10.0}, NAN, 0.0),           # no base
    ({"initial": 0.0, "executed": 0.0, "weight": 10.0}, NAN, 0.0),
])
def test_budget_rate_and_score(budget, rate, score):
    tables = make_unit("u", [indicator("a", 1, 1, 90)], budget=budget)
    row = score_tables(tables, "central")["budgets"].iloc[0]
    if math.isnan(rate):
        assert math.isnan(row["rate"])
    else:
        assert row["rate"] == pytest.approx(rate, abs=5e-5)
    assert row["score"] == score


# -- quantitative forward ---------------------------------------------------------------

@pytest.mark.parametrize("op,target,actual,weight,score,status", [
    (">=", 4, 3, 5, 3.75, "partial"),
    (">=", 4, 4, 5, 5.0, "met"),
    (">=", 4, 9, 5, 5.0, "met"),            # no bonus above the weight
    (">=", 3, 1, 5, 1.67, "unmet"),
    (">=", 10, -2, 5, 0.0, "unmet"),       # negative actual counts as 0
    (">", 10, 10, 5, 5.0, "met"),          # documented: B == A counts as met for ">"
    (">", 10, 9, 5, 4.5, "partial"),
    ("=", 12, 12, 5, 5.0, "met"),
    ("=", 12, 6, 5, 2.5, "unmet"),
    ("=", 0, 0, 5, 5.0, "met"),            # "=" with A = 0: B <= 0 full
    ("=", 0, 1, 5, 0.0, "unmet"),
    (">=", 95, 95, 10, 10.0, "met"),
    (">=", 100, 60, 10, 6.0, "partial"),   # exactly 60 % is partial
])
def test_forward(op, target, actual, weight, score, status):
    row = scored_row(indicator("x", target, actual, weight, op))
    assert row["score"] == score and row["status"] == status
    assert row["scored_by"] == "number"


# -- quantitative reverse ---------------------------------------------------------------

@pytest.mark.parametrize("rule,actual,score", [
    ("ratio", 60, 4.17), ("linear", 60, 4.0), ("ratio", 100, 2.5), ("linear", 100, 0.0),
    ("ratio", 50, 5.0), ("linear", 40, 5.0), ("linear", 150, 0.0),
])
def test_reverse_domain_example(rule, actual, score):
    rules = get_rules("central").with_changes(reverse_rule=rule)
    assert score_of(indicator("故障率", 50, actual, 5, "<="), rules) == score


def test_reverse_strict_and_completion_ratio():
    row = scored_row(indicator("成本", 50, 40, 5, "<"))
    assert row["score"] == 5 and row["completion_ratio"] == pytest.approx(1.25)
    row = scored_row(indicator("成本", 50, 100, 5, "<="))
    assert row["completion_ratio"] == pytest.approx(0.5) and row["status"] == "unmet"


def test_operator_defaults_from_direction_when_missing():
    assert score_of(indicator("x", 50, 100, 5, None, declared_direction="反向")) == 2.5
    assert score_of(indicator("x", 50, 100, 5, None, declared_direction="正向")) == 5.0


# -- over-achievement ------------------------------------------------------------------

def test_over_achieved_flag_and_optional_cut():
    row = scored_row(indicator("工程", 3, 8, 5, ">="))
    assert bool(row["over_achieved"]) and row["score"] == 5
    assert row["completion_ratio"] == pytest.approx(8 / 3)
    assert not bool(scored_row(indicator("工程", 10, 12.9, 5, ">="))["over_achieved"])
    assert bool(scored_row(indicator("工程", 10, 13, 5, ">="))["over_achieved"])
    cut = get_rules().with_changes(cut_over_achievement=True, over_achievement_cut_share=0.8)
    assert score_of(indicator("工程", 3, 8, 5, ">="), cut) == 4.0


# -- qualitative ---------------------------------------------------------------------

@pytest.mark.parametrize("target,actual,reported,weight,level,score", [
    ("优", "优", NAN, 10, "达成", 10.0),
    ("优", "良", NAN, 10, "部分达成", 7.0),
    ("优", "中", NAN, 10, "未达成", 3.0),
    ("良", "优", NAN, 10, "达成", 10.0),
    ("优", "良", 7.5, 10, "部分达成", 7.5),      # reported inside [6, 8): kept
    ("优", "良", 8.0, 10, "部分达成", 7.0),      # 8 is outside [6, 8): default share
    ("优", "优", 8.0, 10, "达成", 8.0),          # [8, 10] closed at the top
    ("优", "优", 7.9, 10, "达成", 10.0),
    ("优", "差", 5.0, 10, "未达成", 5.0),
    ("优", "优秀", NAN, 10, "达成", 10.0),        # aliases
    ("中", "差", NAN, 10, "部分达成", 7.0),       # 优/良/中/差: one below
    ("达成", "部分达成", NAN, 10, "部分达成", 7.0),  # achievement words map directly
    ("达成", "未完成", NAN, 10, "未达成", 3.0),
])
def test_qualitative_levels(target, actual, reported, weight, level, score):
    row = scored_row(indicator("q", target, actual, weight, reported_score=reported))
    assert row["qualitative_level"] == level and row["score"] == score


def test_scale_written_in_target_uses_five_levels():
    # 优良中低差 written out: target is 优; 中 is two below (未达成) on either scale, 低 is
    # three below.  With target 中: 差 is one below on 优/良/中/差 but two below on 5 levels.
    spec = indicator("q", "中", "差", 10, target_text="优良中低差中", target_grade="中")
    assert scored_row(spec)["qualitative_level"] == "未达成"
    spec = indicator("q", None, "优", 3, None, kind="qualitative", target_text="优良中低差")
    assert scored_row(spec)["qualitative_level"] == "达成" and scored_row(spec)["score"] == 3


def test_text_actual_on_quantitative_is_scored_by_the_word():
    row = scored_row(indicator("采购", 30, "完成", 5, "<=", kind=KIND_QUANTITATIVE))
    assert row["scored_by"] == "level" and row["qualitative_level"] == "达成" and row["score"] == 5
    row = scored_row(indicator("采购", 30, "基本完成", 5, "<=", kind=KIND_QUANTITATIVE))
    assert row["score"] == 3.5


def test_missing_actual_scores_zero_and_missing_weight_is_nan():
    row = scored_row(indicator("x", 4, None, 5, ">="))
    assert row["score"] == 0 and row["status"] == "missing"
    row = scored_row(indicator("x", 4, "随便写写", 5, ">=", actual_grade=None))
    assert row["score"] == 0 and row["status"] == "missing"
    row = scored_row(indicator("x", 4, 4, NAN, ">="))
    assert math.isnan(row["score"]) and row["status"] == "missing"


# -- dimensions, totals, grade ------------------------------------------------------------

def test_dimension_order_and_totals():
    tables = make_unit("u", [
        indicator("s", 90, 90, 10, level1="满意度指标"),
        indicator("x", "优", "优", 5, level1="其他指标"),
        indicator("b", 1, 1, 30, level1="效益指标"),
        indicator("o", 4, 3, 40, level1="产出指标"),
        indicator("y", "优", "良", 5, level1="管理指标"),
    ], budget={"initial": 100.0, "executed": 90.0, "weight": 10.0})
    scored = score_tables(tables, "central")
    dims = scored["dimensions"]
    assert list(dims["level1"]) == ["预算执行率", "产出指标", "效益指标", "满意度指标", "其他指标", "管理指标"]
    assert list(dims["score"]) == [9.0, 30.0, 30.0, 10.0, 5.0, 3.5]
    total = scored["totals"].iloc[0]
    assert total["total"] == 87.5 and total["weight"] == 100 and total["grade"] == "良"


@pytest.mark.parametrize("actual,total,grade", [(79.99, 89.99, "良"), (80, 90.0, "优")])
def test_grade_boundary(actual, total, grade):
    # budget 10 + one indicator (target 90, weight 90) scoring 79.99 or 80
    tables = make_unit("u", [indicator("x", 90, actual, 90, ">=")], budget=full_budget())
    row = score_tables(tables, "central")["totals"].iloc[0]
    assert row["total"] == total and row["grade"] == grade


def test_score_tables_is_pure():
    tables = seed_tables()
    before = tables.indicators.copy()
    score_tables(tables, "central")
    pd.testing.assert_frame_equal(tables.indicators, before)


def test_unknown_unit_in_indicators_is_an_input_error():
    tables = make_unit("u", [indicator("x", 1, 1, 90)])
    tables.indicators["unit_id"] = "other"
    with pytest.raises(InputError, match="other"):
        score_tables(tables, "central")


def test_empty_tables():
    result = evaluate(UnitTables.concat([]))
    assert len(result.totals) == 0 and len(result.findings) == 0


# -- the seed ----------------------------------------------------------------------------

def test_seed_figures():
    scored = score_tables(seed_tables(), "central")
    budget = scored["budgets"].iloc[0]
    assert round(budget["rate"], 4) == 0.8849 and budget["score"] == 8.85
    dims = dict(zip(scored["dimensions"]["level1"], scored["dimensions"]["score"]))
    assert dims == {"预算执行率": 8.85, "产出指标": 48.75, "效益指标": 30.0, "满意度指标": 10.0}
    total = scored["totals"].iloc[0]
    assert total["total"] == 97.60 and total["grade"] == "优" and total["weight"] == 100
    ind = scored["indicators"].set_index("name")
    assert ind.loc["办公设备采购批次", "score"] == 3.75
    assert ind.loc["办公设备采购批次", "status"] == "partial"
    assert ind.loc["服务人员满意度", "score"] == 10 and ind.loc["服务人员满意度", "status"] == "met"
    assert ind.loc["经费总额", "score"] == 4 and ind.loc["经费总额", "operator_used"] == "<="
    assert ind.loc["工作完成质量", "qualitative_level"] == "达成"
    assert bool(ind.loc["维修改造工程个数", "over_achieved"])


def test_stacked_units_score_like_single_units():
    a, b = seed_tables("a"), make_unit("b", [indicator("x", 4, 2, 90)], budget=full_budget())
    both = score_tables(stack(a, b), "central")
    alone = [score_tables(a, "central"), score_tables(b, "central")]
    assert list(both["totals"]["total"]) == [alone[0]["totals"]["total"][0],
                                             alone[1]["totals"]["total"][0]]
    assert list(both["dimensions"]["unit_id"]) == ["a"] * 4 + ["b"] * 2


# -- unweighted units (a form that prints no 分值/权重) -----------------------------------

def _unweighted(indicators, budget_weight=NAN, unit_id="w", **fields) -> UnitTables:
    """A unit whose form prints no weights: indicator weights blank, weighting unweighted."""
    return make_unit(unit_id, [dict(spec, weight=NAN) for spec in indicators],
                     budget=full_budget(weight=budget_weight), weighting="unweighted", **fields)


UNWEIGHTED_CASES = [
    # (indicator, status, completion) — hand computed: completion B ÷ A (A ÷ B reverse)
    (indicator("采购批次", 4, 4), "met", 1.0),
    (indicator("采购批次", 4, 5), "met", 1.25),
    (indicator("采购批次", 4, 3), "partial", 0.75),            # 75% ≥ 60%
    (indicator("采购批次", 10, 5), "unmet", 0.5),              # 50% < 60%
    (indicator("故障率", 5, 4, operator="<="), "met", 1.25),    # 5 ÷ 4
    (indicator("故障率", 5, 8, operator="<="), "partial", 0.625),  # 5 ÷ 8
    (indicator("故障率", 2, 8, operator="<="), "unmet", 0.25),
    (indicator("工作质量", "优", "优"), "met", None),           # qualitative: by the grade words
    (indicator("工作质量", "优", "良"), "partial", None),
    (indicator("工作质量", "达成", "未达成"), "unmet", None),
    (indicator("采购批次", 4, None), "missing", None),
]


@pytest.mark.parametrize("spec, status, completion", UNWEIGHTED_CASES)
def test_unweighted_indicator_is_its_achievement(spec, status, completion):
    row = score_tables(_unweighted([spec]))["indicators"].iloc[0]
    assert row["status"] == status
    assert math.isnan(row["score"])
    if completion is None:
        assert math.isnan(row["completion_ratio"])
    else:
        assert round(row["completion_ratio"], 4) == completion


@pytest.mark.parametrize("spec, status, completion", UNWEIGHTED_CASES)
def test_the_same_indicator_with_a_weight_is_scored(spec, status, completion):
    """Both ways: the weighted unit scores the same indicator by the rules (the same status)."""
    row = score_tables(make_unit("u", [dict(spec, weight=10.0)], budget=full_budget()))[
        "indicators"].iloc[0]
    assert not math.isnan(row["score"])
    assert row["status"] == status


def test_unweighted_unit_has_no_total_or_grade_and_no_default_budget_weight():
    scored = score_tables(_unweighted([indicator("采购批次", 4, 4), indicator("满意度", 90, 80)]))
    totals, budget = scored["totals"].iloc[0], scored["budgets"].iloc[0]
    assert totals["weighting"] == "unweighted"
    assert math.isnan(totals["total"]) and totals["grade"] is None and math.isnan(totals["weight"])
    assert (totals["met"], totals["partial"], totals["unmet"], totals["missing"]) == (1, 1, 0, 0)
    # no weight printed for the funds block: the rate is computed, nothing scored
    assert budget["rate"] == 1.0
    assert math.isnan(budget["effective_weight"]) and math.isnan(budget["score"])
    dimensions = scored["dimensions"].set_index("level1")
    assert math.isnan(dimensions.loc["产出指标", "score"])
    assert dimensions.loc["产出指标", "indicator_count"] == 2
    assert dimensions.loc["产出指标", "met"] == 1 and dimensions.loc["产出指标", "partial"] == 1


def test_unweighted_budget_is_scored_with_the_weight_the_form_prints():
    tables = _unweighted([indicator("采购批次", 4, 4)], budget_weight=20.0)
    tables.budgets.loc[0, ["initial", "executed"]] = [100.0, 90.0]
    budget = score_tables(tables)["budgets"].iloc[0]
    assert budget["effective_weight"] == 20.0 and budget["score"] == 18.0   # 0.9 × 20


def test_printed_scores_are_added_up_beside_the_printed_total():
    tables = _unweighted([indicator("采购批次", 4, 4, reported_score=30),
                          indicator("满意度", 90, 95, reported_score=50)], budget_weight=20.0,
                         reported_total=100.0)
    tables.budgets.loc[0, "reported_score"] = 20.0
    totals = score_tables(tables)["totals"].iloc[0]
    assert totals["reported_sum"] == 100.0                # 20 + 30 + 50
    assert math.isnan(totals["total"])


def test_weighted_units_beside_an_unweighted_one_are_unchanged():
    weighted = seed_tables()
    alone = score_tables(weighted)["totals"].iloc[0]
    both = score_tables(UnitTables.concat([weighted, _unweighted([indicator("采购批次", 4, 3)])]))
    again = both["totals"].set_index("unit_id").loc[alone["unit_id"]]
    assert again["total"] == alone["total"] == 97.6 and again["grade"] == "优"
    assert again["weighting"] == "weighted"


# -- a form whose printed parts already make the total (units.budget_item = none) -------------

def test_a_budget_without_an_item_of_its_own_adds_no_default_weight():
    """90 points of indicators fully met and a 95% budget printing no 分值: with the rules'
    default item (10) the total is 90 + 9.5; with ``budget_item`` none the rate is kept, the
    weight and score are none, and the total and weight are the indicators' alone."""
    spec = indicator("采购批次", 4, 4, 90)
    budget = {"initial": 100.0, "executed": 95.0, "weight": NAN}
    with_item = score_tables(make_unit("a", [spec], budget=budget), "central")
    assert with_item["totals"]["total"][0] == 99.5 and with_item["totals"]["weight"][0] == 100
    scored = score_tables(make_unit("b", [spec], budget=budget, budget_item="none"), "central")
    row = scored["budgets"].iloc[0]
    assert math.isclose(row["rate"], 0.95)
    assert math.isnan(row["effective_weight"]) and math.isnan(row["score"])
    assert scored["totals"]["total"][0] == 90 and scored["totals"]["weight"][0] == 90
