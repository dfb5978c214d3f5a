"""The result.json JSON Schema shipped with the package (perfnb/schemas/result.schema.json)."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import perfnb
from perfnb.schemas import RESULT_SCHEMA_VERSION, result_problems, result_schema

PARAMS = sorted((Path(__file__).resolve().parents[1] / "params").glob("*.yaml"))


@pytest.fixture(scope="module")
def results():
    found = {}
    for path in PARAMS:
        evaluation = perfnb.evaluate(perfnb.load_unit(path))
        found[path.name] = json.loads(json.dumps(evaluation.to_dict(evaluation.unit_ids[0])))
    return found


def test_the_schema_is_a_valid_versioned_draft_2020_12_schema():
    from jsonschema import Draft202012Validator

    schema = result_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(f"/{RESULT_SCHEMA_VERSION}") and RESULT_SCHEMA_VERSION >= 1


@pytest.mark.parametrize("name", [p.name for p in PARAMS])
def test_every_sample_units_result_conforms(results, name):
    assert result_problems(results[name]) == []


def test_the_schema_names_what_is_wrong_and_allows_added_fields(results):
    data = copy.deepcopy(results["nmg-rd-2022-rdlz.yaml"])
    data["risk"] = {"level": "低"}                     # another helper's new block: allowed
    data["indicators"][0]["previous_year"] = 95.0
    assert result_problems(data) == []
    data["indicators"][2]["score"] = "十"
    data["findings"][0]["severity"] = "fatal"
    del data["budget"]["rate"]
    problems = result_problems(data)
    assert any(p.startswith("indicators[2].score：") for p in problems)
    assert any(p.startswith("findings[0].severity：") for p in problems)
    assert "budget：缺少字段 rate" in problems


def test_the_cross_check_names_a_result_json_that_breaks_the_schema(results, tmp_path):
    from perfnb.running.crosscheck import CrossReport, check_unit

    folder = tmp_path / "部门" / "单位"
    folder.mkdir(parents=True)
    data = copy.deepcopy(results["007.yaml"])
    (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = CrossReport()
    check_unit(tmp_path, "部门/单位", {}, report)
    assert not [p for p in report.problems if "结果格式" in p]
    data["counts"]["error"] = -1
    (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    check_unit(tmp_path, "部门/单位", {}, report)
    assert [p for p in report.problems if "不符合结果格式" in p and "counts.error" in p]
