"""Review profiles (复核口径): clause arithmetic for every shipped clause, validation in Chinese,
clause-cited reviews end to end (findings, 偏离度, 自评质量), `perfnb review-rules` / `explain`."""
from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import perfnb
from perfnb.cli import main
from perfnb.errors import InputError, InputErrors, RulesError
from perfnb.evaluation.review_rules import (LEVELS, NONE, POINTS, SHARE, ZERO, clause_scores,
                                            get_review_rules, list_review_rules)
from perfnb.reading.review import review_path_for

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params"
SEED = PARAMS / "nmg-rd-2022-rdlz.yaml"
PROFILES = [(name, code) for name in list_review_rules()
            for code in get_review_rules(name).clauses]


def perfnb_cli(*args) -> subprocess.CompletedProcess:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue())


def expected(kind: str, value: float, weight: float, level_share: float | None) -> float:
    """The clause rule written out by hand (as the working paper states it)."""
    return {ZERO: 0.0, NONE: weight, SHARE: weight * (1 - value), POINTS: max(0.0, weight - value),
            LEVELS: weight * (1 - (level_share or 0))}[kind]


@pytest.mark.parametrize("name,code", PROFILES)
def test_clause_arithmetic_of_every_shipped_clause(name, code):
    profile = get_review_rules(name)
    clause = profile.clauses[code]
    levels = list(profile.levels.items()) if clause.kind == LEVELS else [(None, None)]
    for weight in (10.0, 5.0, 3.0):
        for level, share in levels:
            want = round(expected(clause.kind, clause.value, weight, share), 2)
            assert clause.score(weight, share) == pytest.approx(want)
            frame = pd.DataFrame({"clauses": [[code]], "severity": [level]})
            assert clause_scores(frame, np.array([weight]), profile)[0] == pytest.approx(want)


def test_default_profile_figures():
    """The district review's rules, with their figures."""
    p = get_review_rules()
    scores = {code: p.clauses[code].score(10.0, p.levels["一般"]) for code in p.clauses}
    assert scores["NO_EVIDENCE"] == scores["UNRELATED"] == scores["NO_SURVEY"] == 0
    assert scores["DUPLICATE"] == scores["FUNDS_AS_QUANTITY"] == 0
    assert scores["OVER_130"] == scores["QUALITATIVE_QUANTITY"] == scores["QUALITATIVE_EVIDENT"] == 10
    assert scores["PARTLY_LATE"] == 7 and scores["TARGET_TOO_LOW"] == 8
    assert [p.clauses["NOT_VERIFIABLE"].score(10.0, p.levels[k]) for k in ("严重", "一般", "轻微")] == \
        [0, 4, 7]
    assert p.level("serious") == "严重" and p.level("minor") == "轻微" and p.level("很重") is None
    assert [p.quality_of(x) for x in (0.0, -0.05, 0.08, 0.2, 0.5, float("nan"))] == \
        ["好", "好", "较好", "一般", "较差", None]


def test_several_clauses_add_up_and_zero_wins():
    p = get_review_rules()
    frame = pd.DataFrame({"clauses": [["PARTLY_LATE", "TARGET_TOO_LOW"], ["PARTLY_LATE", "NO_EVIDENCE"],
                                      [], ["NOT_VERIFIABLE", "PARTLY_LATE"]],
                          "severity": [None, None, None, "严重"]})
    got = clause_scores(frame, np.array([10.0, 10.0, 10.0, 10.0]), p)
    assert got[0] == pytest.approx(5.0) and got[1] == 0 and np.isnan(got[2]) and got[3] == 0


# -- profile files ------------------------------------------------------------------------

def test_user_profile_extends_default(tmp_path):
    path = tmp_path / "firm.yaml"
    path.write_text("extends: default\nname: firm\nlevels: {严重: 1.0, 一般: 0.5, 轻微: 0.2}\n"
                    "clauses:\n  LATE_REPORT: {title: 逾期报送, text: 逾期报送的扣 1 分。, deduction: {points: 1}}\n",
                    encoding="utf-8")
    profile = get_review_rules(str(path))
    assert profile.name == "firm" and "NO_EVIDENCE" in profile.clauses
    assert profile.clauses["LATE_REPORT"].score(3.0) == 2.0
    assert profile.clauses["NOT_VERIFIABLE"].score(10.0, profile.levels["一般"]) == 5.0


@pytest.mark.parametrize("text,words", [
    ("name: x\nclauses:\n  A: {title: t, text: x, deduction: {share: 1.5}}\n", ["A", "deduction"]),
    ("name: x\nclauses:\n  A: {title: t, text: x, deduction: half}\n", ["deduction", "zero"]),
    ("name: x\nclauses:\n  A: {title: t, deduction: zero}\n", ["A", "text"]),
    ("name: x\nfoo: 1\nclauses: {}\n", ["foo"]),
    ("name: x\nlevels: {严重: 1}\nlevel_aliases: {big: 重大}\nclauses:\n  A: {title: t, text: x, deduction: zero}\n",
     ["big", "重大"]),
    ("name: x\nclauses:\n  A: {title: t, text: x, deduction: levels}\n", ["levels"]),
    ("name: x\nquality_bands: [{grade: 好, max: 0.1}, {grade: 差, max: 0.05}]\n"
     "clauses:\n  A: {title: t, text: x, deduction: zero}\n", ["max"]),
])
def test_bad_profiles_are_refused_in_chinese(tmp_path, text, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        get_review_rules(str(path))
    message = str(caught.value)
    assert str(path) in message and all(w in message for w in words), message


def test_unknown_profile_name_lists_the_shipped_ones():
    with pytest.raises(RulesError, match="default"):
        get_review_rules("nosuch")


# -- a review citing clauses, end to end --------------------------------------------------

REVIEW = """\
evaluator: 张敏
date: 2024-05-06
indicators:
  - name: 办公设备采购批次     # weight 5: 一般 -> 5 x 40 % = 2, not the 3 written
    clauses: [NOT_VERIFIABLE]
    severity: medium
    score: 3
    reason: 批次无法逐一核实
  - name: 工作完成质量         # weight 3, computed 3: a deduction with no clause
    score: 1
    reason: 质量评价无佐证
  - name: 服务人员满意度       # weight 10: no survey -> 0
    复核口径: NO_SURVEY
    reason: 无问卷
"""


def reviewed_unit(tmp_path: Path, text: str = REVIEW) -> Path:
    shutil.copytree(PARAMS / "data", tmp_path / "data", dirs_exist_ok=True)
    unit = tmp_path / SEED.name
    shutil.copy(SEED, unit)
    review_path_for(unit).write_text(text, encoding="utf-8")
    return unit


def test_clauses_score_the_review_and_disagreements_are_findings(tmp_path):
    result = perfnb.evaluate(perfnb.load_unit(reviewed_unit(tmp_path)))
    rows = result.indicators.set_index("name")
    assert rows.loc["C14办公设备采购批次", "final_score"] == pytest.approx(2.0)
    assert rows.loc["C2工作完成质量", "final_score"] == pytest.approx(1.0)
    assert rows.loc["E1服务人员满意度", "final_score"] == 0
    found = result.findings.set_index("code")
    mismatch = found.loc["REVIEW_CLAUSE_MISMATCH"]
    assert mismatch["severity"] == "error" and mismatch["sheet"] == "nmg-rd-2022-rdlz.review.yaml"
    assert mismatch["row"] == 4 and mismatch["column"] == "复核口径"
    assert "3 分" in mismatch["message"] and "2 分" in mismatch["message"] \
        and "NOT_VERIFIABLE（一般）" in mismatch["message"]
    no_clause = found.loc["REVIEW_NO_CLAUSE"]
    assert no_clause["severity"] == "warning" and no_clause["indicator"] == "C2工作完成质量"
    assert "REVIEW_CLAUSE_MISMATCH" not in set(result.findings["code"][result.findings["indicator"]
                                                                      == "E1服务人员满意度"])


def test_json_gains_clauses_deviation_and_quality(tmp_path):
    data = perfnb.evaluate(perfnb.load_unit(reviewed_unit(tmp_path))).to_dict()
    reviewed = data["reviewed"]
    by_name = {i["name"]: i for i in reviewed["indicators"]}
    assert by_name["C14办公设备采购批次"]["clauses"] == ["NOT_VERIFIABLE"]
    assert by_name["C14办公设备采购批次"]["severity"] == "一般"
    # 自评 3.75, 复核 2: (3.75 - 2) / 3.75
    assert by_name["C14办公设备采购批次"]["deviation"] == {"ratio": 0.4667, "gap": 1.75}
    assert by_name["C4经费总额"]["clauses"] == []
    # computed 97.60 - 1.75 - 2 - 10 (E1 computed 10, now 0) = 83.85 against the reported 97.6
    deviation = reviewed["deviation"]
    assert deviation["self_total"] == 97.6 and deviation["review_total"] == pytest.approx(83.85)
    assert deviation["gap"] == pytest.approx(13.75)
    assert deviation["ratio"] == pytest.approx(round(13.75 / 97.6, 4))
    assert deviation["self_grade"] == "优" and deviation["review_grade"] == "良"
    assert deviation["grade_changed"] is True
    assert data["self_evaluation_quality"] == {"grade": "一般", "deviation": 0.1409,
                                               "review_rules": "default"}
    assert reviewed["review_rules"]["name"] == "default"
    plain = perfnb.evaluate(perfnb.load_unit(SEED)).to_dict()
    assert plain["self_evaluation_quality"] is None and plain["reviewed"] is None


def test_review_names_its_own_profile_and_the_flag_overrides_it(tmp_path):
    unit = reviewed_unit(tmp_path, "evaluator: 张敏\ndate: 2024-05-06\nreview_rules: firm.yaml\n"
                                   "indicators:\n  - name: 办公设备采购批次\n    clauses: [NOT_VERIFIABLE]\n"
                                   "    severity: 一般\n    reason: 无法核实\n")
    (tmp_path / "firm.yaml").write_text("extends: default\nname: firm\nlevels: {严重: 1.0, 一般: 0.5, 轻微: 0.2}\n",
                                        encoding="utf-8")
    tables = perfnb.load_unit(unit)
    own = perfnb.evaluate(tables)
    assert own.indicators.set_index("name").loc["C14办公设备采购批次", "final_score"] == 2.5
    assert own.to_dict()["reviewed"]["review_rules"]["name"] == "firm"
    forced = perfnb.evaluate(tables, review_rules="default")
    assert forced.indicators.set_index("name").loc["C14办公设备采购批次", "final_score"] == 2.0
    out = perfnb_cli("score", unit, "--json", "--review-rules", "default")
    assert out.returncode == 0 and json.loads(out.stdout)["reviewed"]["review_rules"]["name"] == "default"


@pytest.mark.parametrize("entry,words", [
    ("    clauses: [NO_EVIDENSE]\n", ["NO_EVIDENSE", "不在复核口径", "NO_EVIDENCE"]),
    ("    clauses: [NOT_VERIFIABLE]\n", ["NOT_VERIFIABLE", "扣分程度", "严重"]),
    ("    clauses: NOT_VERIFIABLE\n    severity: 很重\n", ["很重", "无法识别"]),
])
def test_clause_errors_name_file_and_line(tmp_path, entry, words):
    unit = reviewed_unit(tmp_path, "evaluator: 张敏\ndate: 2024-05-06\nindicators:\n"
                                   f"  - name: 办公设备采购批次\n{entry}    reason: 复核\n")
    with pytest.raises((InputError, InputErrors)) as caught:
        perfnb.evaluate(perfnb.load_unit(unit))
    message = str(caught.value)
    assert "nmg-rd-2022-rdlz.review.yaml" in message and "第 4 行" in message
    assert all(w in message for w in words), message


def test_sample_reviews_cite_their_clauses_and_keep_their_figures():
    for unit, total in (("jtt-2023-ncgl", 89.29), ("007", 98.75)):
        data = perfnb.evaluate(perfnb.load_unit(PARAMS / f"{unit}.yaml")).to_dict()
        assert data["reviewed"]["total"] == pytest.approx(total)
        assert not [f for f in data["findings"] if f["code"].startswith("REVIEW_")]
        assert any(i["clauses"] == ["TARGET_TOO_LOW"] for i in data["reviewed"]["indicators"])


# -- the commands -------------------------------------------------------------------------

def test_perfnb_review_rules_lists_and_shows_a_profile():
    listed = perfnb_cli("review-rules")
    assert listed.returncode == 0 and "default" in listed.stdout
    shown = perfnb_cli("review-rules", "default")
    profile = get_review_rules()
    for clause in profile.clauses.values():
        assert clause.code in shown.stdout and clause.title in shown.stdout
    assert "严重 扣减 100%" in shown.stdout
    data = json.loads(perfnb_cli("review-rules", "default", "--json").stdout)
    assert data["clauses"]["PARTLY_LATE"]["deduction"] == {"share": 0.3}
    assert data["sha256"] == profile.sha256


def test_perfnb_explain_covers_clauses():
    out = perfnb_cli("explain", "not_verifiable")
    assert out.returncode == 0
    assert "完成情况无法核实" in out.stdout and "严重 0 分；一般 4 分；轻微 7 分" in out.stdout
    data = json.loads(perfnb_cli("explain", "NO_SURVEY", "--json").stdout)
    assert data["deduction"]["kind"] == "zero" and data["text"].startswith("满意度指标")
    bad = perfnb_cli("explain", "NO_EVIDENSE")
    assert bad.returncode == 2 and "NO_EVIDENCE" in bad.stderr and "Traceback" not in bad.stderr


def test_unit_report_quotes_clause_and_shows_deviation():
    from perfnb.reporting.narrative import render_report, render_report_typst

    result = perfnb.evaluate(perfnb.load_unit(PARAMS / "jtt-2023-ncgl.yaml"))
    for text in (render_report(result), render_report_typst(result)):
        assert "TARGET_TOO_LOW 目标值设定明显偏低（扣减分值的 20%）" in text
        assert "偏离度" in text and "4.76%" in text and "自评质量" in text


def test_notebook_parameter_review_rules(tmp_path):
    from perfnb import notebook as nb
    from perfnb.errors import ParameterError

    unit = reviewed_unit(tmp_path, "evaluator: 张敏\ndate: 2024-05-06\nindicators:\n"
                                   "  - name: 办公设备采购批次\n    clauses: [NOT_VERIFIABLE]\n"
                                   "    severity: 一般\n    reason: 无法核实\n")
    firm = tmp_path / "firm.yaml"
    firm.write_text("extends: default\nname: firm\nlevels: {严重: 1.0, 一般: 0.5, 轻微: 0.2}\n",
                    encoding="utf-8")
    params = nb.validate_parameters({"data": str(unit), "review_rules": str(firm)})
    result = nb.evaluate(nb.load(params), params)
    assert result.to_dict()["reviewed"]["review_rules"]["name"] == "firm"
    assert result.to_dict()["reviewed"]["total"] == pytest.approx(96.35)   # 97.6 - (3.75 - 2.5)
    with pytest.raises(ParameterError, match="review_rules"):
        nb.validate_parameters({"data": str(unit), "review_rules": 3})


def test_unit_yaml_names_the_review_profile(tmp_path):
    unit = reviewed_unit(tmp_path, "evaluator: 张敏\ndate: 2024-05-06\nindicators:\n"
                                   "  - name: 办公设备采购批次\n    clauses: [NOT_VERIFIABLE]\n"
                                   "    severity: 一般\n    reason: 无法核实\n")
    (tmp_path / "口径").mkdir()
    (tmp_path / "口径" / "firm.yaml").write_text(
        "extends: default\nname: firm\nlevels: {严重: 1.0, 一般: 0.5, 轻微: 0.2}\n", encoding="utf-8")
    unit.write_text(unit.read_text(encoding="utf-8") + "\nreview_rules: 口径/firm.yaml\n", encoding="utf-8")
    data = perfnb.evaluate(perfnb.load_unit(unit)).to_dict()
    assert data["reviewed"]["review_rules"]["name"] == "firm" and data["reviewed"]["total"] == 96.35


def test_text_report_shows_deviation_and_quality():
    out = perfnb_cli("score", PARAMS / "jtt-2023-ncgl.yaml")
    assert "偏离度：4.76%（自评 93.75 − 复核 89.29 = 4.46 分）    自评质量：好" in out.stdout
