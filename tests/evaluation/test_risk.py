"""The risk score per unit (issue 19): weights from risk_weights.yaml, each code once, capped."""
from __future__ import annotations

import pandas as pd

from perfnb.evaluation.evaluator import evaluate
from perfnb.evaluation.risk import risk_table, risk_weights
from perfnb.model import UnitTables
from perfnb.reporting.terminal import format_text
from tables import seed_tables
from test_audit import CASES


def _findings(rows):
    return pd.DataFrame(rows, columns=["unit_id", "code", "severity"])


def test_weights_are_data_with_flags_and_levels():
    weights = risk_weights()
    assert weights["flags"]["OUTPUT_WITHOUT_SPENDING"] > weights["flags"]["NO_UNIT"] > 0
    assert weights["severity"]["error"] > weights["severity"]["warning"] >= weights["severity"]["info"]
    assert [level for level, _ in weights["levels"]] == ["高", "中", "低"]


def test_each_code_counts_once_and_flags_are_named_by_weight():
    flags = risk_weights()["flags"]
    found = _findings([("a", "NO_UNIT", "info"), ("a", "NO_UNIT", "info"),
                       ("a", "PERFORMANCE_AHEAD_OF_SPENDING", "warning"),
                       ("a", "MISSING_DEVIATION_REASON", "warning"), ("b", "NO_UNIT", "info")])
    table = risk_table(found, ["a", "b", "c"]).set_index("unit_id")
    assert table.loc["a", "risk_score"] == flags["NO_UNIT"] + flags["PERFORMANCE_AHEAD_OF_SPENDING"] + \
        risk_weights()["severity"]["warning"]
    assert table.loc["a", "risk_flags"] == ["PERFORMANCE_AHEAD_OF_SPENDING", "NO_UNIT"]
    assert table.loc["b", "risk_score"] == flags["NO_UNIT"]
    assert table.loc["c", "risk_score"] == 0 and table.loc["c", "risk_flags"] == []
    assert table.loc["c", "risk_level"] == "低"


def test_score_is_capped():
    codes = list(risk_weights()["flags"])
    table = risk_table(_findings([("a", code, "warning") for code in codes]), ["a"])
    assert table["risk_score"][0] == risk_weights()["max_score"]
    assert table["risk_level"][0] == "高"


def test_result_json_and_summary_rank_by_risk():
    faulty, fixed = CASES["OUTPUT_WITHOUT_SPENDING"]
    tables = UnitTables.concat([faulty.with_unit_id("idle"), fixed.with_unit_id("spent"),
                                seed_tables()])
    result = evaluate(tables)
    idle = result.to_dict("idle")["risk"]
    assert idle["flags"][0] == "OUTPUT_WITHOUT_SPENDING" and idle["titles"][0] == "没有支出却完成了产出"
    assert idle["score"] >= risk_weights()["flags"]["OUTPUT_WITHOUT_SPENDING"]
    assert result.to_dict("spent")["risk"] == {"score": 0.0, "level": "低", "flags": [], "titles": []}
    summary = result.summary().set_index("unit_id")
    assert summary.loc["idle", "risk_score"] > summary.loc["spent", "risk_score"]
    assert "风险分" in format_text(result, "idle") and "没有支出却完成了产出" in format_text(result, "idle")


def test_a_finding_the_review_rejected_does_not_count():
    found = _findings([("a", "FUNDS_UNSPENT", "warning"), ("a", "NO_UNIT", "info")])
    found["decision"] = ["不采纳", None]
    table = risk_table(found, ["a"])
    assert table["risk_flags"][0] == ["NO_UNIT"]
    assert table["risk_score"][0] == risk_weights()["flags"]["NO_UNIT"]
