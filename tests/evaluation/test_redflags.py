"""Red flags across units and years (issue 19): each check fires and stays silent, on the flat
tables a batch or a screening writes; linking across years; result.json's previous_year."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from perfnb.evaluation.checks.across import INDICATOR_FIELDS, UNIT_FIELDS, link_keys
from perfnb.evaluation.checks.catalog import all_checks
from perfnb.evaluation.checks.render import parse_template
from perfnb.evaluation.evaluator import evaluate
from perfnb.evaluation.redflags import (across_findings, department_risk_table, frames_from_results,
                                        indicator_frame, risk_ranking, unit_frame,
                                        with_previous_year, with_risk)
from perfnb.reporting.terminal import format_text
from tables import seed_tables

ACROSS = [c for c in all_checks() if c.scope != "unit"]


def units(*rows):
    frame = pd.DataFrame([dict(zip(UNIT_FIELDS, row)) for row in rows], columns=list(UNIT_FIELDS))
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    return frame


def indicators(unit_id, specs, start=0):
    """specs: (name, target, actual, unit) tuples; ≥ targets."""
    return pd.DataFrame([{"unit_id": unit_id, "seq": n, "level1": "产出指标", "level2": "数量指标",
                          "name": name, "operator": ">=", "target": float(target),
                          "target_text": f"≥{target:g}", "actual": float(actual),
                          "actual_text": f"{actual:g}", "unit": unit, "weight": 10.0,
                          "score": 10.0, "status": "met"}
                         for n, (name, target, actual, unit) in enumerate(specs, start)],
                        columns=list(INDICATOR_FIELDS))


SPECS = [(f"指标{chr(0x4e00 + n)}", 10 + n, 11 + n, "个") for n in range(10)]


def codes(found, unit_id=None):
    rows = found if unit_id is None else found[found["unit_id"] == unit_id]
    return list(rows["code"])


# -- across units --------------------------------------------------------------------------

def test_all_full_marks_fires_when_a_department_self_scores_100_everywhere():
    full = units(("a", "某局", "甲", 2023, 100, 100, "优", 100, 1.0),
                 ("b", "219-某局", "乙", 2023, 95, 100, "优", 100, 0.95),   # code before the name
                 ("c", "某局", "丙", 2023, 99, 100, "优", 100, 0.99))
    found = across_findings(full, indicators("a", SPECS[:1]))
    assert codes(found) == ["ALL_FULL_MARKS"] * 3
    assert "3 个项目中有 3 个（100%）自评满分" in found["message"][0]
    mixed = full.assign(reported_total=[100, 92, 88])
    assert codes(across_findings(mixed, indicators("a", SPECS[:1]))) == []


def test_copied_indicators_names_the_pair_and_only_within_a_year():
    frame = units(("a", "甲局", "村级运转经费", 2023, 90, 100, "优", 90, 0.95),
                  ("b", "乙局", "村级保障经费", 2023, 90, 100, "优", 90, 0.95),
                  ("c", "丙局", "道路养护", 2023, 90, 100, "优", 90, 0.95))
    other = [(f"养护{chr(0x4e00 + n)}", 3 + n, 3 + n, "公里") for n in range(8)]
    copied = SPECS[:9] + [("另一个指标", 5, 5, "次")]
    ind = pd.concat([indicators("a", SPECS), indicators("b", copied), indicators("c", other)])
    found = across_findings(frame, ind)
    assert codes(found) == ["COPIED_INDICATORS", "COPIED_INDICATORS"]
    message = found.set_index("unit_id").loc["a", "message"]
    assert "村级保障经费" in message and "乙局" in message and "82%" in message   # 9 / 11
    # the same sets a year apart are no copy (that is the same project next year)
    apart = frame.assign(year=pd.array([2022, 2023, 2023], dtype="Int64"))
    assert codes(across_findings(apart, ind)) == []
    # a stricter threshold from the rule set
    from perfnb.evaluation.rules import get_rules
    strict = get_rules("central").with_changes(checks={"COPIED_INDICATORS": {"similarity": 0.9}})
    assert codes(across_findings(frame, ind, strict)) == []


# -- across years --------------------------------------------------------------------------

def _years():
    last = units(("p22", "某厅", "供水维修", 2022, 90, 100, "优", 90, 0.98))
    now = units(("p23", "某厅", "供水维修", 2023, 96, 100, "优", 96, 0.80))
    before = indicators("p22", [("维修处数", 80, 95, "处"), ("受益人口", 6, 5, "万人")])
    after = indicators("p23", [("维修处数", 85, 96, "处"), ("受益人口", 6.5, 6.8, "万人")])
    return now, after, (last, before)


def test_target_below_last_actual_and_score_up_while_execution_falls():
    now, after, previous = _years()
    found = across_findings(now, after, previous=previous)
    assert codes(found) == ["TARGET_BELOW_LAST_ACTUAL", "SCORE_UP_EXECUTION_DOWN"]
    assert "≥85" in found["message"][0] and "2022 年的实际完成值“95”" in found["message"][0]
    assert "98% 降到 80%" in found["message"][1]
    assert codes(across_findings(now, after)) == []          # no earlier year: no year checks
    raised = after.assign(target=[96.0, 6.5], target_text=["≥96", "≥6.5"])
    steady = now.assign(budget_rate=[0.97])
    assert codes(across_findings(steady, raised, previous=previous)) == []


def test_targets_unchanged_needs_three_years():
    specs = [(f"培训班{n}期数", 10 + n, 10 + n, "个") for n in range(4)]
    years = {y: (units((f"p{y}", "某厅", "供水维修", y, 90, 100, "优", 90, 0.95)),
                 indicators(f"p{y}", specs)) for y in (2021, 2022, 2023)}
    two = (years[2022][0], years[2022][1])
    assert "TARGETS_UNCHANGED" not in codes(across_findings(*years[2023], previous=two))
    three = (pd.concat([years[2022][0], years[2021][0]]), pd.concat([years[2022][1], years[2021][1]]))
    found = across_findings(*years[2023], previous=three)
    assert codes(found) == ["TARGETS_UNCHANGED"] and "连续 3 年" in found["message"][0]


def test_link_rule_code_or_department_and_project():
    frame = units(("x", "219-某厅", "51000021R000000019951-工资性支出", 2023, 90, 100, "优", 90, 1),
                  ("y", "某厅", "供水 维修", 2023, 90, 100, "优", 90, 1))
    assert list(link_keys(frame)) == ["code:51000021R000000019951", "name:某厅|供水维修"]
    assert list(link_keys(frame, "name")) == ["name:某厅|工资性支出", "name:某厅|供水维修"]
    assert list(link_keys(frame, "code")) == ["code:51000021R000000019951", ""]
    now, after, (last, before) = _years()
    renamed = last.assign(project="供水维修（2022年）")
    assert codes(across_findings(now, after, previous=(renamed, before))) == []


def test_previous_year_of_an_evaluation_and_its_json():
    evaluation = evaluate(seed_tables())
    last = unit_frame(evaluation).assign(unit_id="seed-2021", year=2021, total=90.0, budget_rate=0.95)
    last_ind = indicator_frame(evaluation).assign(unit_id="seed-2021")
    compared = with_previous_year(evaluation, (last, last_ind))
    data = compared.to_dict()
    assert data["previous_year"]["year"] == 2021 and data["previous_year"]["unit_id"] == "seed-2021"
    first = data["previous_year"]["indicators"][0]
    assert first["previous"]["target_text"] == first["target_text"]
    assert "与上年比较（2021 年" in format_text(compared)
    assert "previous_year" not in evaluation.to_dict()
    assert "SCORE_UP_EXECUTION_DOWN" in data["risk"]["flags"]   # 90 → 97.6 while 95% → 88.49%


def test_flat_tables_from_results_json_match_the_evaluation():
    evaluation = evaluate(seed_tables())
    units_direct, ind_direct = unit_frame(evaluation), indicator_frame(evaluation)
    units_json, ind_json = frames_from_results([evaluation.to_dict()])
    for column in ("unit_id", "department", "risk_flags"):
        assert units_json[column][0] == units_direct[column][0], column
    for column in ("total", "budget_rate", "risk_score"):   # JSON rounds: rates to 4 places
        assert round(units_json[column][0], 4) == round(units_direct[column][0], 4), column
    assert list(ind_json["name"]) == list(ind_direct["name"])
    assert np.allclose(ind_json["score"], ind_direct["score"])


def test_risk_ranking_and_department_table():
    frame = units(("a", "某局", "甲", 2023, 100, 100, "优", 100, 1.0),
                  ("b", "某局", "乙", 2023, 95, 100, "优", 100, 0.95),
                  ("c", "某局", "丙", 2023, 99, 100, "优", 100, 0.99),
                  ("d", "他局", "丁", 2023, 80, 100, "良", 80, 0.9))
    found = across_findings(frame, indicators("a", SPECS[:1]))
    own = pd.DataFrame({"unit_id": ["d"], "code": ["OUTPUT_WITHOUT_SPENDING"], "severity": ["warning"]})
    ranked = with_risk(frame.assign(risk_score=0.0, risk_level="低", risk_flags=""), own, found)
    table = risk_ranking(ranked)
    assert list(table["单位编号"])[0] == "d" and table["红旗"][0] == "没有支出却完成了产出"
    departments = department_risk_table(ranked).set_index("主管部门")
    assert departments.loc["某局", "自评满分项目数"] == 3 and departments.loc["某局", "部门项目普遍满分"] == 3


@pytest.mark.parametrize("check", ACROSS, ids=lambda c: c.code)
def test_across_checks_are_declared_with_fields_for_their_templates(check):
    assert check.scope in ("batch", "years") and check.title and check.what
    fields = {f for t in check.messages.values() for _, f, _ in parse_template(t) if f}
    assert fields, check.code


def test_every_across_hit_provides_the_fields_of_its_templates():
    """Run each across check on inputs that make it fire; each template finds its fields."""
    from perfnb.evaluation.checks.across import AcrossContext
    from perfnb.evaluation.checks.catalog import settings
    from perfnb.evaluation.rules import get_rules

    rules = get_rules("central")
    now, after, (last, before) = _years()
    full = units(("a", "某局", "甲", 2023, 100, 100, "优", 100, 1.0),
                 ("b", "某局", "乙", 2023, 100, 100, "优", 100, 1.0),
                 ("c", "某局", "丙", 2023, 100, 100, "优", 100, 1.0))
    specs = [(f"培训班{n}期数", 10 + n, 10 + n, "个") for n in range(4)]
    three = [units((f"p{y}", "某厅", "供水维修", y, 90, 100, "优", 90, 0.95)) for y in (2021, 2022, 2023)]
    contexts = [
        AcrossContext(full, pd.concat([indicators("a", SPECS), indicators("b", SPECS)]), rules,
                      settings(rules).parameters),
        AcrossContext(now, after, rules, settings(rules).parameters, last, before),
        AcrossContext(three[2], indicators("p2023", specs), rules, settings(rules).parameters,
                      pd.concat(three[:2]), pd.concat([indicators("p2022", specs),
                                                       indicators("p2021", specs)]))]
    fired = set()
    for ctx in contexts:
        for check in ACROSS:
            for hit in check.condition(ctx, ctx.parameters[check.code]):
                if np.asarray(hit.mask, dtype=bool).any():
                    fired.add(check.code)
                for _, field, _ in parse_template(check.messages[hit.message]):
                    assert field is None or field in hit.fields, (check.code, field)
    assert fired == {check.code for check in ACROSS}
