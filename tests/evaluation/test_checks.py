"""The check registry: declarations, `perfnb checks` / `perfnb explain`, the rule set's
``checks:`` key, plug-in checks, observation checks and FUNDS_TOTAL_MISMATCH."""
from __future__ import annotations

import contextlib
import io
import json
import subprocess
from importlib import metadata

import numpy as np
import pandas as pd
import pytest

from perfnb.cli import main
from perfnb.errors import CheckError, RulesError
from perfnb.evaluation.audit import CODES, audit
from perfnb.evaluation.checks import catalog
from perfnb.evaluation.checks.catalog import all_checks, check_codes, get_check, settings
from perfnb.evaluation.checks.facts import AuditContext
from perfnb.evaluation.checks.registry import (SECTIONS, Check, Choice, Fragment, Hit, Parameter,
                                               observation_check)
from perfnb.evaluation.checks.render import parse_template
from perfnb.evaluation.rules import get_rules
from perfnb.evaluation.reviewing import apply_review
from perfnb.evaluation.scoring import factorized, score_tables
from perfnb.model import UnitTables
from tables import full_budget, indicator, make_unit, seed_tables

from test_audit import CASE_RULES, CASES

COST_REQUIRED = CASE_RULES["NO_COST_INDICATOR"]


def perfnb(*args) -> subprocess.CompletedProcess:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:
            code = exit_.code
    return subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue())


def findings(tables, rules="central"):
    rules = get_rules(rules)
    scored = score_tables(tables, rules)
    return apply_review(tables, scored, audit(tables, scored, rules), rules)[1]


def unit(main_indicator, **fields):
    return make_unit("u", [main_indicator], budget=fields.pop("budget", None) or full_budget(),
                     **fields)


def rule_file(tmp_path, text: str, name: str = "rules.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- declarations ------------------------------------------------------------------------

def test_every_builtin_code_is_a_registered_check():
    assert list(CODES) == check_codes() == list(catalog.ORDER)
    assert len(set(check_codes())) == len(check_codes())


@pytest.mark.parametrize("check", all_checks(), ids=lambda c: c.code)
def test_every_check_is_fully_declared(check):
    assert check.problems() == []
    assert check.code.isupper() and check.severity in ("error", "warning", "info")
    assert [heading for heading, _ in check.sections] == [h for _, h in SECTIONS]
    for heading, text in check.sections:
        assert len(text) >= 10 and any("\u4e00" <= ch <= "\u9fff" for ch in text), heading
    assert check.messages and all(template.strip() for template in check.messages.values())
    for parameter in check.parameters:
        assert parameter.description and parameter.default_for(get_rules("central")) is not None


def _reachable(check: Check, message, fields) -> set[str]:
    """The template names a hit renders: its message and, through its fields, fragments."""
    names = [case for _, case in message.cases] + [message.default] \
        if isinstance(message, Choice) else [message]
    seen: set[str] = set()
    while names:
        name = names.pop()
        if name is None or name in seen:
            continue
        seen.add(name)
        for _, field, _ in parse_template(check.messages[name]):
            value = fields.get(field)
            if isinstance(value, Fragment):
                names.append(value.name)
            elif isinstance(value, Choice):
                names += [case for _, case in value.cases] + [value.default]
    return seen


def _inputs():
    faulty = [bad for bad, _ in CASES.values()
              if not len(bad.reviews)]   # one review per unit: the review cases go on their own
    yield "central", UnitTables.concat([bad.with_unit_id(f"r{i}") for i, (bad, _) in
                                        enumerate(CASES.values()) if len(bad.reviews)])
    rows = unit(indicator("采购批次", 4, 4, 90), reported=[
        {"level": "level2", "level1": "产出指标", "level2": "数量指标", "weight": 80, "score": 80},
        {"level": "total", "weight": 90, "score": 95}])
    yield "central", UnitTables.concat(
        [t.with_unit_id(f"u{i}") for i, t in enumerate(faulty)] + [seed_tables(), rows])
    yield "sichuan", seed_tables()
    yield get_rules("central").with_changes(cut_over_achievement=True), CASES["OVER_ACHIEVEMENT"][0]
    yield COST_REQUIRED, CASES["NO_COST_INDICATOR"][0]


def test_every_hit_provides_the_fields_of_its_templates():
    """Run each check's condition on inputs that make every check fire, and check that each
    template a hit renders finds its fields there (and that every template is used)."""
    unit_checks = [check for check in all_checks() if check.scope == "unit"]  # across: test_redflags
    used: dict[str, set[str]] = {check.code: set() for check in unit_checks}
    fired: set[str] = set()
    for rules, tables in _inputs():
        rules = get_rules(rules)
        scored = score_tables(tables, rules)
        scored, _ = apply_review(tables, scored, audit(tables, scored, rules), rules)
        ctx = AuditContext(tables, scored, rules, settings(rules).parameters)
        for check in unit_checks:
            for hit in check.condition(ctx, ctx.parameters[check.code]):
                assert isinstance(hit, Hit)
                if np.asarray(hit.mask, dtype=bool).any():
                    fired.add(check.code)
                names = _reachable(check, hit.message, hit.fields)
                used[check.code] |= names
                for name in names:
                    for _, field, _ in parse_template(check.messages[name]):
                        assert field is None or field in hit.fields, (check.code, name, field)
    assert fired == {check.code for check in unit_checks}
    for check in unit_checks:
        assert used[check.code] == set(check.messages), check.code


def test_full_findings_frame_of_all_faulty_cases_has_every_code():
    tables = UnitTables.concat([bad.with_unit_id(code) for code, (bad, _) in CASES.items()])
    found = findings(tables, COST_REQUIRED)    # NO_COST_INDICATOR is off by default
    assert set(found["code"]) == {c.code for c in all_checks() if c.scope == "unit"}
    assert found["message"].map(lambda m: isinstance(m, str) and "{" not in m and "请" in m).all()


# -- perfnb checks / perfnb explain -----------------------------------------------------

def test_perfnb_checks_lists_every_check():
    result = perfnb("checks")
    assert result.returncode == 0
    for check in all_checks():
        assert check.code in result.stdout and check.title in result.stdout
    assert f"共 {len(all_checks())} 项检查" in result.stdout


def test_perfnb_checks_json():
    result = perfnb("checks", "--json")
    data = json.loads(result.stdout)
    assert data["rules"]["name"] == "central"
    records = {record["code"]: record for record in data["checks"]}
    assert list(records) == check_codes()
    low = records["LOW_EXECUTION"]
    assert low["severity"] == "warning" and low["severity_label"] == "警告" and low["enabled"]
    assert set(low["explanation"]) == {"检查内容", "为何重要", "示例", "依据"}
    assert {p["name"]: p["value"] for p in low["parameters"]} == {"threshold": 0.9,
                                                                  "reason_required": False}


@pytest.mark.parametrize("code", check_codes())
def test_perfnb_explain_every_code(code):
    check = get_check(code)
    result = perfnb("explain", code)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(f"{code}  {check.title}")
    for heading, _ in check.sections:
        assert f"\n{heading}\n" in out
    for parameter in check.parameters:
        assert f"  {parameter.name} = " in out
    for template in check.messages.values():
        assert template in out        # unwrapped, so a reviewer can copy and correct it
    data = json.loads(perfnb("explain", code.lower(), "--json").stdout)
    assert data["code"] == code and data["title"] == check.title


def test_explain_shows_the_values_of_a_rule_set(tmp_path):
    assert "reason_required = true（评分规则 low_execution_requires_reason）" in \
        perfnb("explain", "LOW_EXECUTION", "--rules", "sichuan").stdout
    path = rule_file(tmp_path, "extends: sichuan\nchecks:\n  LOW_EXECUTION: {threshold: 0.85}\n")
    out = perfnb("explain", "LOW_EXECUTION", "--rules", path).stdout
    assert "threshold = 0.85（评分规则 checks.LOW_EXECUTION.threshold）" in out


def test_explain_unknown_code_names_close_ones():
    result = perfnb("explain", "LOW_EXECUTON")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "没有代码为“LOW_EXECUTON”的检查项" in result.stderr and "LOW_EXECUTION" in result.stderr
    assert "perfnb checks" in result.stderr


# -- the rule set's checks: key -----------------------------------------------------------

LOW = {"initial": 100, "executed": 85}


def test_disable_switches_a_check_off(tmp_path):
    faulty = CASES["OVER_ACHIEVEMENT"][0]
    assert "OVER_ACHIEVEMENT" in set(findings(faulty)["code"])
    path = rule_file(tmp_path, "extends: central\nchecks:\n  disable: [OVER_ACHIEVEMENT]\n")
    assert findings(faulty, get_rules(path)).empty
    listed = perfnb("checks", "--rules", path).stdout
    assert "超额完成未说明（已停用）" in listed


def test_low_execution_threshold_and_reason_required(tmp_path):
    tables = unit(indicator("采购批次", 4, 4, 90), budget=LOW)        # 85 %
    assert "LOW_EXECUTION" in set(findings(tables)["code"])
    lower = rule_file(tmp_path, "extends: central\nchecks:\n  LOW_EXECUTION: {threshold: 0.8}\n")
    assert "LOW_EXECUTION" not in set(findings(tables, get_rules(lower))["code"])
    higher = rule_file(tmp_path, "extends: central\nchecks:\n  LOW_EXECUTION: {threshold: 0.95}\n",
                       "higher.yaml")
    found = findings(unit(indicator("采购批次", 4, 4, 90), budget={"initial": 100, "executed": 92}),
                     get_rules(higher)).set_index("code")
    assert "低于 95%" in found.loc["LOW_EXECUTION", "message"]
    # 四川 requires a reason (error); a rule set extending it may relax that
    assert findings(tables, "sichuan").set_index("code").loc["LOW_EXECUTION", "severity"] == "error"
    relaxed = rule_file(tmp_path, "extends: sichuan\nchecks:\n  LOW_EXECUTION: {reason_required: false}\n",
                        "relaxed.yaml")
    row = findings(tables, get_rules(relaxed)).set_index("code").loc["LOW_EXECUTION"]
    assert row["severity"] == "warning" and "必须说明原因" not in row["message"]


def test_old_rule_set_keys_still_feed_the_check_parameters():
    tables = unit(indicator("采购批次", 4, 4, 90), budget=LOW)
    rules = get_rules("central").with_changes(low_execution_rate=0.8)
    assert "LOW_EXECUTION" not in set(findings(tables, rules)["code"])
    assert settings(rules).parameters["LOW_EXECUTION"]["threshold"] == 0.8


def test_over_achievement_ratio_from_checks(tmp_path):
    tables = unit(indicator("监测次数", 100, 125, 90))                  # 125 %
    assert "OVER_ACHIEVEMENT" not in set(findings(tables)["code"])
    path = rule_file(tmp_path, "extends: central\nchecks:\n  OVER_ACHIEVEMENT: {ratio: 1.2}\n")
    message = findings(tables, get_rules(path)).set_index("code").loc["OVER_ACHIEVEMENT", "message"]
    assert "125%" in message and "超过 120%" in message
    assert "OVER_ACHIEVEMENT" not in set(findings(CASES["OVER_ACHIEVEMENT"][0], get_rules(
        rule_file(tmp_path, "extends: central\nchecks: {OVER_ACHIEVEMENT: {ratio: 3}}\n", "r3.yaml")))
        ["code"])


def test_checks_key_is_part_of_the_rule_set_content(tmp_path):
    central = get_rules("central")
    assert "checks" not in central.to_dict()          # rule sets without it keep their hash
    tuned = get_rules(rule_file(tmp_path, "extends: central\nchecks: {disable: [KIND_CONFLICT]}\n"))
    assert tuned.sha256 != central.sha256
    assert tuned.to_dict()["checks"] == {"disable": ["KIND_CONFLICT"]}
    # `perfnb rules FILE` prints a rule set file that loads back to the same rule set
    shown = perfnb("rules", tmp_path / "rules.yaml")
    assert shown.returncode == 0 and "停用 1 项：KIND_CONFLICT" in shown.stdout
    again = rule_file(tmp_path, shown.stdout, "again.yaml")
    assert get_rules(again).sha256 == tuned.sha256


def test_perfnb_rules_shows_check_parameters():
    out = perfnb("rules", "sichuan").stdout
    assert "# 审核检查项" in out
    assert "LOW_EXECUTION：threshold = 0.9（评分规则 low_execution_rate），reason_required = true" in out


@pytest.mark.parametrize("text,words", [
    ("checks:\n  disable: [OVER_ACHIEVMENT]\n", ["checks.disable", "OVER_ACHIEVMENT", "OVER_ACHIEVEMENT"]),
    ("checks:\n  LOW_EXECUTON: {threshold: 0.9}\n", ["“checks”", "LOW_EXECUTON", "LOW_EXECUTION"]),
    ("checks:\n  LOW_EXECUTION: {treshold: 0.9}\n", ["checks.LOW_EXECUTION.treshold",
                                                    "threshold、reason_required"]),
    ("checks:\n  LOW_EXECUTION: {threshold: 9}\n", ["checks.LOW_EXECUTION.threshold", "0 到 1"]),
    ("checks:\n  LOW_EXECUTION: {reason_required: 是}\n", ["reason_required", "true 或 false"]),
    ("checks:\n  KIND_CONFLICT: {threshold: 1}\n", ["没有可设置的参数"]),
    ("checks: [LOW_EXECUTION]\n", ["“checks”应为"]),
    ("checks:\n  LOW_EXECUTION: 0.9\n", ["checks.LOW_EXECUTION", "映射"]),
])
def test_bad_checks_settings_are_chinese_rules_errors(tmp_path, text, words):
    path = rule_file(tmp_path, "extends: central\n" + text)
    with pytest.raises(RulesError) as error:
        findings(CASES["OVER_ACHIEVEMENT"][1], get_rules(path))
    for word in [str(path), *words]:
        assert word in str(error.value), (word, str(error.value))
    for args in (["rules", path], ["checks", "--rules", path], ["explain", "KIND_CONFLICT", "--rules", path]):
        result = perfnb(*args)
        assert result.returncode == 2 and str(path) in result.stderr and "Traceback" not in result.stderr


def test_score_command_rejects_bad_checks_before_reading(tmp_path):
    path = rule_file(tmp_path, "extends: central\nchecks: {disable: [NO_SUCH_CHECK]}\n")
    result = perfnb("score", tmp_path / "missing.xlsx", "--rules", path)
    assert result.returncode == 2 and "NO_SUCH_CHECK" in result.stderr


# -- plug-in checks ------------------------------------------------------------------------

def _long_name(ctx, params):
    f = ctx.indicators
    if f is None:
        return
    long = factorized(f.source, "name").map(lambda v: len(str(v or "")) > params["max_length"], bool)
    yield Hit(long, "message", {"name": f.name, "max_length": params["max_length"]},
              column="三级指标", **f.where)


LONG_NAME = Check(
    code="LONG_INDICATOR_NAME", severity="info", title="指标名称过长", summary="三级指标名称太长",
    what="三级指标名称超过规定字数。", why="过长的名称在报告表格中难以阅读。",
    example="“关于进一步做好某某工作的各项保障措施落实情况”。", basis="某省填报说明（示例插件）。",
    messages={"message": "“{name:text}”的名称超过 {max_length:num0} 个字，请精简。"},
    parameters=(Parameter("max_length", "名称最多字数", default=12, kind=int, low=1),),
    condition=_long_name)


def _with_plugins(monkeypatch, **values):
    entries = [metadata.EntryPoint(name=name, value=f"fake_{name}:CHECKS", group=catalog.ENTRY_POINT_GROUP)
               for name in values]
    monkeypatch.setattr(metadata.EntryPoint, "load", lambda self: values[self.name])
    original = metadata.entry_points
    monkeypatch.setattr(metadata, "entry_points",
                        lambda **kw: list(original(**kw)) + entries
                        if kw.get("group") == catalog.ENTRY_POINT_GROUP else original(**kw))


def test_plugin_check_through_the_entry_point(monkeypatch, tmp_path):
    _with_plugins(monkeypatch, demo=lambda: [LONG_NAME])
    assert check_codes()[-1] == "LONG_INDICATOR_NAME"
    check = get_check("long_indicator_name")
    assert check.origin == "demo（fake_demo:CHECKS）"
    tables = unit(indicator("关于进一步做好某某工作的各项保障措施落实情况", 4, 4, 90, measure_unit="项"))
    found = findings(tables)
    assert list(found["code"]) == ["LONG_INDICATOR_NAME"]
    assert found["message"][0] == "“关于进一步做好某某工作的各项保障措施落实情况”的名称超过 12 个字，请精简。"
    path = rule_file(tmp_path, "extends: central\nchecks: {LONG_INDICATOR_NAME: {max_length: 30}}\n")
    assert findings(tables, get_rules(path)).empty
    assert "LONG_INDICATOR_NAME" in perfnb("checks").stdout
    explained = perfnb("explain", "LONG_INDICATOR_NAME")
    assert explained.returncode == 0 and "来源：插件 demo" in explained.stdout


def test_plugin_check_with_a_taken_code_is_an_error(monkeypatch):
    taken = Check(**{**{f: getattr(LONG_NAME, f) for f in LONG_NAME.__dataclass_fields__},
                     "code": "LOW_EXECUTION"})
    _with_plugins(monkeypatch, clash=taken)
    with pytest.raises(CheckError, match="LOW_EXECUTION.*已被perfnb 内置的检查项使用"):
        findings(CASES["LOW_EXECUTION"][0])
    result = perfnb("checks")
    assert result.returncode == 2 and "clash" in result.stderr and "Traceback" not in result.stderr


def test_plugin_giving_no_check_is_an_error(monkeypatch):
    _with_plugins(monkeypatch, broken=lambda: {"code": "X"})
    with pytest.raises(CheckError, match="broken.*应提供 Check"):
        all_checks()


def test_observation_check_declaration_is_checked():
    with pytest.raises(ValueError, match="undeclared fields"):
        observation_check(code="X_Y", severity="info", title="t", summary="s", what="w", why="y",
                          example="e", basis="b", message="{text}{missing}", fields=("text",))


# -- observation checks ------------------------------------------------------------------------

def test_observations_become_findings_at_their_location():
    observations = [
        {"code": "ACTUAL_AS_TARGET", "sheet": "自评表", "row": 21, "column": "实际完成值",
         "indicator": "新建道路长度", "fields": {"text": "≥266米", "number": 266.0}},
        {"code": "SKIPPED_ROW", "sheet": "自评表", "row": 18,
         "fields": {"text": "数量指标\n | 指标2", "reason": "模板占位行"}},
        {"code": "UNKNOWN_COLUMN", "sheet": "自评表", "row": 12, "column": "备注",
         "fields": {"header": "备注", "note": "第 H 列的内容未读取"}},
    ]
    tables = UnitTables.concat([
        unit(indicator("采购批次", 4, 4, 90), observations=observations).with_unit_id("a"),
        unit(indicator("采购批次", 4, 4, 90)).with_unit_id("b"),
        unit(indicator("采购批次", 4, 4, 90), observations=observations[1:2]).with_unit_id("c")])
    found = findings(tables)
    rows = found[["unit_id", "code", "severity", "sheet", "row", "column", "indicator"]]
    assert rows.astype(object).where(rows.notna(), None).values.tolist() == [
        ["a", "ACTUAL_AS_TARGET", "warning", "自评表", 21, "实际完成值", "新建道路长度"],
        ["a", "UNKNOWN_COLUMN", "info", "自评表", 12, "备注", None],
        ["a", "SKIPPED_ROW", "info", "自评表", 18, None, None],
        ["c", "SKIPPED_ROW", "info", "自评表", 18, None, None]]
    messages = found["message"].tolist()
    assert messages[0] == "实际完成值“≥266米”写成了指标值的形式，已按 266 读取。请填写实际完成的具体数值。"
    assert messages[1] == ("表头“备注”未能按标准栏目读取：第 H 列的内容未读取。请核对该列；"
                           "若它是指标表的栏目，请改用标准栏目名称。")
    assert messages[2] == messages[3] == ("“数量指标 | 指标2”未作为指标读入（模板占位行），不参与评分。"
                                          "若它是指标，请补全指标值、实际完成值、分值和得分。")


def test_observations_after_table_findings_of_the_same_row():
    tables = unit(indicator("采购批次", 4, 3, 90, row=18),
                  observations=[{"code": "ACTUAL_AS_TARGET", "row": 18,
                                 "fields": {"text": "≥3", "number": 3}}])
    assert list(findings(tables)["code"]) == ["MISSING_DEVIATION_REASON", "ACTUAL_AS_TARGET"]


def test_observation_checks_can_be_disabled(tmp_path):
    tables = CASES["SKIPPED_ROW"][0]
    path = rule_file(tmp_path, "extends: central\nchecks: {disable: [SKIPPED_ROW]}\n")
    assert findings(tables, get_rules(path)).empty


# -- FUNDS_TOTAL_MISMATCH ------------------------------------------------------------------------

def _funds_unit(unit_id, total, parts):
    lines = [{"label": "年度资金总额", "is_total": True, "row": 5, "sheet": "自评表", **total}]
    lines += [{"label": label, "row": 6 + i, "sheet": "自评表", **amounts}
              for i, (label, amounts) in enumerate(parts)]
    return unit(indicator("采购批次", 4, 4, 90), budget_lines=lines).with_unit_id(unit_id)


NAN = float("nan")
PARTS = [("当年财政拨款", {"initial": 120.0, "adjusted": 130.0, "executed": 100.5}),
         ("上年结转资金", {"initial": 10.0, "adjusted": NAN, "executed": 32.41})]


def test_funds_total_blank_or_zero_while_parts_carry_money():
    tables = UnitTables.concat([
        _funds_unit("zero", {"initial": 0.0, "adjusted": 0.0, "executed": 0.0}, PARTS),
        _funds_unit("blank", {"initial": NAN, "adjusted": NAN, "executed": NAN}, PARTS),
        _funds_unit("right", {"initial": 130.0, "adjusted": 130.0, "executed": 132.91}, PARTS),
        _funds_unit("empty", {"initial": 0.0, "adjusted": NAN, "executed": 0.0},
                    [("当年财政拨款", {"initial": 0.0, "adjusted": NAN, "executed": NAN})]),
        _funds_unit("alone", {"initial": 0.0, "adjusted": NAN, "executed": 0.0}, [])])
    found = findings(tables)
    funds = found[found["code"] == "FUNDS_TOTAL_MISMATCH"]
    assert funds["unit_id"].tolist() == ["zero", "blank"]
    assert funds["severity"].tolist() == ["warning", "warning"]
    assert funds["sheet"].tolist() == ["自评表", "自评表"] and funds["row"].tolist() == [5, 5]
    assert funds["message"].tolist() == [
        "年度资金总额为 0，而其中各项合计全年预算数 130 万元、全年执行数 132.91 万元；"
        "已按其中各项之和评分，请更正总额行。",
        "年度资金总额为空，而其中各项合计全年预算数 130 万元、全年执行数 132.91 万元；"
        "已按其中各项之和评分，请更正总额行。"]


def test_funds_total_message_without_adjusted_budget():
    tables = _funds_unit("u", {"initial": 0.0, "adjusted": NAN, "executed": 0.0},
                         [("当年财政拨款", {"initial": 120.0, "adjusted": NAN, "executed": 100.0})])
    message = findings(tables).set_index("code").loc["FUNDS_TOTAL_MISMATCH", "message"]
    assert "其中各项合计年初预算数 120 万元、全年执行数 100 万元" in message


def test_audit_without_budget_lines_or_observations():
    tables = CASES["SCORE_MISMATCH"][0]
    bare = UnitTables(tables.units, tables.budgets, tables.indicators, tables.reported)
    assert list(findings(bare)["code"]) == ["SCORE_MISMATCH"]
    assert pd.api.types.is_object_dtype(findings(bare)["message"])


def test_docs_list_every_check():
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    architecture = (root / "docs" / "architecture.md").read_text("utf-8")
    for check in all_checks():
        assert f"| `{check.code}` |" in architecture and check.title in architecture
    readme = (root / "README.md").read_text("utf-8")
    assert "perfnb checks" in readme and "perfnb explain" in readme and "checks:" in readme


def test_every_observation_code_a_reader_records_is_a_registered_check():
    """A reader's observation whose code no check has would vanish from the findings."""
    import re
    from pathlib import Path
    reading = Path(__file__).resolve().parents[2] / "perfnb" / "reading"
    recorded = set()
    for path in reading.glob("*.py"):
        text = path.read_text("utf-8")
        recorded |= set(re.findall(r'observe\(\s*"([A-Z_]+)"', text))
        recorded |= set(re.findall(r'"code":\s*"([A-Z_]+)"', text))
    assert recorded, "the readers record observations"
    observation_codes = {c.code for c in all_checks() if c.from_observations}
    assert recorded <= observation_codes, recorded - observation_codes


@pytest.mark.parametrize("command", ["run", "batch"])
def test_run_and_batch_reject_bad_checks_before_any_work(tmp_path, command):
    from pathlib import Path
    seed = Path(__file__).resolve().parents[2] / "params" / "nmg-rd-2022-rdlz.yaml"
    path = rule_file(tmp_path, "extends: central\nchecks: {LOW_EXECUTION: {treshold: 0.8}}\n")
    out = tmp_path / "out"
    result = perfnb(command, seed, "--rules", path, "--out", out)
    assert result.returncode == 2 and "checks.LOW_EXECUTION.treshold" in result.stderr
    assert not any(p.is_file() for p in out.rglob("*")) if out.exists() else True
