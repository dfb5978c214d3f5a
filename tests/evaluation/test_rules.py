"""Rule sets: built-ins, YAML files with extends, plug-ins, validation errors in Chinese."""
from __future__ import annotations

import dataclasses
from importlib import metadata

import pytest

from perfnb.errors import RulesError
from perfnb.evaluation.rules import KEYS, RuleSet, get_rules, list_rules


def test_central_has_the_documented_values():
    rules = get_rules("central")
    assert (rules.total_weight, rules.budget_weight) == (100, 10)
    assert dict(rules.dimension_weights) == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert rules.reverse_rule == "ratio"
    assert rules.over_achievement_ratio == 1.3 and rules.low_execution_rate == 0.9
    assert rules.cut_over_achievement is False and rules.low_execution_requires_reason is False
    assert rules.tolerance == 0.01
    levels = {lv.name: (lv.low, lv.high, lv.share) for lv in rules.qualitative_levels}
    assert levels == {"达成": (0.8, 1.0, 1.0), "部分达成": (0.6, 0.8, 0.7), "未达成": (0.0, 0.6, 0.3)}
    assert ("优", "良", "中", "差") in rules.grade_scales
    assert ("优", "良", "中", "低", "差") in rules.grade_scales
    assert rules.grades == ("优", "良", "中", "差")


@pytest.mark.parametrize("total,grade", [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"),
                                         (79.99, "中"), (60, "中"), (59.99, "差"), (0, "差")])
def test_grade_bands(total, grade):
    assert get_rules().grade_of(total) == grade


def test_sichuan_extends_central_and_requires_a_reason():
    central, sichuan = get_rules("central"), get_rules("sichuan")
    assert sichuan.name == "sichuan" and sichuan.low_execution_requires_reason is True
    assert dict(sichuan.dimension_weights) == {}
    assert sichuan.budget_weight == 10 and sichuan.total_weight == 100
    assert sichuan.qualitative_levels == central.qualitative_levels
    assert sichuan.sha256 != central.sha256


def test_list_rules_names_the_builtins():
    assert list_rules()[:2] == ["central", "sichuan"]


def test_rule_set_is_frozen_and_hash_is_stable():
    rules = get_rules("central")
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.total_weight = 90
    assert rules.sha256 == get_rules("central").sha256 and len(rules.sha256) == 64
    assert get_rules(rules) is rules
    assert rules.with_changes(reverse_rule="linear").sha256 != rules.sha256


def test_yaml_file_extends_and_overrides(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("extends: central\nname: mine\ntitle: 我的规则\nreverse_rule: linear\n"
                    "qualitative_levels:\n  部分达成: {share: 0.75}\n", encoding="utf-8")
    rules = get_rules(path)
    assert rules.name == "mine" and rules.reverse_rule == "linear"
    assert rules.level("部分达成").share == 0.75 and rules.level("部分达成").low == 0.6
    assert rules.budget_weight == 10
    assert get_rules(str(path)) == rules


def test_full_yaml_file_round_trips(tmp_path):
    path = tmp_path / "copy.yaml"
    path.write_text(get_rules("central").to_yaml(), encoding="utf-8")
    assert get_rules(path).sha256 == get_rules("central").sha256


def test_unknown_name_lists_valid_ones():
    with pytest.raises(RulesError) as err:
        get_rules("beijing")
    assert "beijing" in str(err.value) and "central" in str(err.value) and "sichuan" in str(err.value)


def test_unknown_key_lists_valid_keys(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("extends: central\nname: bad\nbudget_wieght: 10\n", encoding="utf-8")
    with pytest.raises(RulesError) as err:
        get_rules(path)
    assert "budget_wieght" in str(err.value) and "budget_weight" in str(err.value)


@pytest.mark.parametrize("line,word", [
    ("tolerance: 一点", "tolerance"), ("reverse_rule: square", "ratio"),
    ("cut_over_achievement: 1", "true"), ("low_execution_rate: 1.5", "low_execution_rate"),
    ("grade_bands: [{grade: 优, min: 60}, {grade: 良, min: 80}]", "grade_bands"),
    ("qualitative_levels: {达成: {band: [0.8, 1.2]}}", "达成"),
])
def test_wrong_types_are_explained(tmp_path, line, word):
    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: central\nname: bad\n{line}\n", encoding="utf-8")
    with pytest.raises(RulesError) as err:
        get_rules(path)
    assert word in str(err.value)


def test_incomplete_file_without_extends(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text("name: short\ntitle: 短\n", encoding="utf-8")
    with pytest.raises(RulesError, match="extends: central"):
        get_rules(path)


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(RulesError, match="找不到"):
        get_rules(tmp_path / "none.yaml")
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesError, match="YAML"):
        get_rules(bad)


def test_extends_cycle(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n", encoding="utf-8")
    with pytest.raises(RulesError, match="循环"):
        get_rules(tmp_path / "a.yaml")


def test_plugin_rule_set_from_entry_point(monkeypatch):
    base = get_rules("central")
    plugin = base.with_changes(name="guangxi", title="广西", over_achievement_ratio=1.2)
    entry = metadata.EntryPoint(name="guangxi", value="fake:guangxi", group="perfnb.rulesets")
    monkeypatch.setattr(metadata.EntryPoint, "load", lambda self: (lambda: plugin))
    original = metadata.entry_points
    monkeypatch.setattr(metadata, "entry_points",
                        lambda **kw: list(original(**kw)) + [entry]
                        if kw.get("group") == "perfnb.rulesets" else original(**kw))
    assert "guangxi" in list_rules()
    rules = get_rules("guangxi")
    assert isinstance(rules, RuleSet) and rules.over_achievement_ratio == 1.2


def test_every_key_is_in_central_yaml():
    assert set(get_rules("central").to_dict()) == set(KEYS)
