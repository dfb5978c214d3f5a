"""The audit: every code fires on a faulty case and stays silent once it is fixed; the seed."""
from __future__ import annotations

import pytest

from perfnb.evaluation.audit import CODES, audit
from perfnb.evaluation.checks.catalog import get_check
from perfnb.model import FINDING_COLUMNS, KIND_QUANTITATIVE
from perfnb.evaluation.evaluator import evaluate
from perfnb.evaluation.reviewing import apply_review
from perfnb.evaluation.rules import get_rules
from perfnb.evaluation.scoring import score_tables
from perfnb.reading.review import Review, ReviewIndicator, attach_review
from tables import NAN, full_budget, indicator, make_unit, seed_tables

REASON = "采购计划调整，已在下一年度补足。"


def findings(tables, rules="central"):
    """The audit's findings, and those of a review record the tables carry (REVIEW_*)."""
    rules = get_rules(rules)
    scored = score_tables(tables, rules)
    found = audit(tables, scored, rules)
    return apply_review(tables, scored, found, rules)[1].drop(columns=["decision", "decision_reason"])


def reviewed(main: dict, **entry):
    """A unit (budget 10 + one indicator of 90) with a review of that indicator."""
    review = Review(evaluator="张敏", date="2026-11-30", source="u.review.yaml",
                    indicators=[ReviewIndicator(name=main["name"], reason="复核", line=4, **entry)])
    return attach_review(unit(main), review)


def codes(tables, rules="central") -> set[str]:
    return set(findings(tables, rules)["code"])


def unit(main: dict, *, budget=None, **fields):
    """A unit of budget 10 + one indicator weighing 90 (weights add up to 100)."""
    return make_unit("u", [main], budget=budget or full_budget(), **fields)


# (code, faulty unit, fixed unit)
CASES = {
    "SCORE_MISMATCH": (
        unit(indicator("采购批次", 4, 3, 90, reported_score=70, deviation_reason=REASON)),
        unit(indicator("采购批次", 4, 3, 90, reported_score=67.5, deviation_reason=REASON))),
    "SCORE_OVER_WEIGHT": (
        unit(indicator("采购批次", 4, 4, 90, reported_score=95)),
        unit(indicator("采购批次", 4, 4, 90, reported_score=90))),
    "SUBTOTAL_MISMATCH": (
        unit(indicator("采购批次", 4, 4, 90, reported_score=90),
             reported=[{"level": "level1", "level1": "产出指标", "weight": 90, "score": 80}]),
        unit(indicator("采购批次", 4, 4, 90, reported_score=90),
             reported=[{"level": "level1", "level1": "产出指标", "weight": 90, "score": 90}])),
    "TOTAL_MISMATCH": (
        unit(indicator("采购批次", 4, 4, 90), reported_total=99.0),
        unit(indicator("采购批次", 4, 4, 90), reported_total=100.0)),
    "BUDGET_MISMATCH": (  # indicators at the execution rate: not ahead of spending
        unit(indicator("采购批次", 4, 3.54, 90, deviation_reason=REASON),
             budget={"initial": 2229, "executed": 1972.41, "reported_rate": 0.90,
                     "reported_score": 9.0, "reason": REASON}),
        unit(indicator("采购批次", 4, 3.54, 90, deviation_reason=REASON),
             budget={"initial": 2229, "executed": 1972.41, "reported_rate": 0.8849,
                     "reported_score": 8.85, "reason": REASON})),
    "WEIGHT_ROLLUP": (
        unit(indicator("采购批次", 4, 4, 80)),
        unit(indicator("采购批次", 4, 4, 90))),
    "MISSING_DEVIATION_REASON": (
        unit(indicator("采购批次", 4, 3, 90)),
        unit(indicator("采购批次", 4, 3, 90, deviation_reason=REASON))),
    "OVER_ACHIEVEMENT": (
        unit(indicator("维修工程", 3, 8, 90, measure_unit="个")),
        unit(indicator("维修工程", 3, 8, 90, measure_unit="个", deviation_reason="新增应急维修任务。"))),
    "LOW_EXECUTION": (
        unit(indicator("采购批次", 4, 4, 90), budget={"initial": 100, "executed": 85}),
        unit(indicator("采购批次", 4, 3.4, 90, deviation_reason=REASON),
             budget={"initial": 100, "executed": 85, "reason": "项目延期至次年。"})),
    "TEXT_ACTUAL": (
        unit(indicator("采购金额", 30, "完成", 90, "<=", kind=KIND_QUANTITATIVE, level2="成本指标",
                       measure_unit="万元")),
        unit(indicator("采购金额", 30, 28, 90, "<=", level2="成本指标", measure_unit="万元"))),
    "DIRECTION_CONFLICT": (
        unit(indicator("故障率", 5, 3, 90, "<=", declared_direction="正向")),
        unit(indicator("故障率", 5, 3, 90, "<=", declared_direction="反向"))),
    "COST_BUDGET_MISMATCH": (
        unit(indicator("经费总额", 120, 100, 90, "<=", level2="成本指标", measure_unit="万元",
                       declared_direction="反向")),
        unit(indicator("经费总额", 100, 100, 90, "<=", level2="成本指标", measure_unit="万元",
                       declared_direction="反向"))),
    "GRADE_MISMATCH": (
        unit(indicator("采购批次", 4, 4, 90), reported_grade="良好"),
        unit(indicator("采购批次", 4, 4, 90), reported_grade="优秀")),
    "QUALITATIVE_OUT_OF_BAND": (
        unit(indicator("工作质量", "优", "良", 90, reported_score=80, deviation_reason=REASON)),
        unit(indicator("工作质量", "优", "良", 90, reported_score=70, deviation_reason=REASON))),
    "MISSING_VALUE": (
        unit(indicator("采购批次", 4, None, 90)),
        unit(indicator("采购批次", 4, 4, 90))),
    "KIND_CONFLICT": (
        unit(indicator("满意度", 95, 96, 90, declared_kind="定性", measure_unit="%")),
        unit(indicator("满意度", 95, 96, 90, declared_kind="定量", measure_unit="%"))),
    "QUALITATIVE_PRESUMED": (
        unit(indicator("群众评价", "群众满意", "群众比较认可", 90)),
        unit(indicator("群众评价", "群众满意", "群众满意", 90))),
    # a form that prints no weights: one info finding saying why there is no total
    "UNWEIGHTED_FORM": (
        unit(indicator("采购批次", 4, 4, NAN), weighting="unweighted"),
        unit(indicator("采购批次", 4, 4, 90))),
    "FUNDS_TOTAL_MISMATCH": (
        unit(indicator("采购批次", 4, 4, 90), budget_lines=[
            {"label": "年度资金总额", "initial": 0, "executed": 0, "is_total": True, "row": 5},
            {"label": "当年财政拨款", "initial": 100, "executed": 100, "row": 6}]),
        unit(indicator("采购批次", 4, 4, 90), budget_lines=[
            {"label": "年度资金总额", "initial": 100, "executed": 100, "is_total": True, "row": 5},
            {"label": "当年财政拨款", "initial": 100, "executed": 100, "row": 6}])),
    # -- red flags (issue 19): target quality ------------------------------------------
    "MONEY_AS_OUTPUT": (
        unit(indicator("工程资金拨付金额", 43.2, 43.2, 90, measure_unit="万元")),
        unit(indicator("改造校舍面积", 4300, 4300, 90, measure_unit="平方米"))),
    "DUPLICATE_INDICATOR": (
        make_unit("u", [indicator("受益学生人数", 500, 500, 45, measure_unit="人"),
                        indicator("受益学生人数", 500, 500, 45, level1="效益指标",
                                  level2="社会效益指标", measure_unit="人")], budget=full_budget()),
        make_unit("u", [indicator("受益学生人数", 500, 500, 45, measure_unit="人"),
                        indicator("学生营养状况改善率", 5, 5, 45, level1="效益指标",
                                  level2="社会效益指标", measure_unit="%")], budget=full_budget())),
    "COST_WITHOUT_CEILING": (
        unit(indicator("设备购置成本", 17.4, 17.4, 90, level2="成本指标", measure_unit="万元")),
        unit(indicator("设备购置成本", 17.4, 17.4, 90, "<=", level2="成本指标", measure_unit="万元"))),
    "UNVERIFIABLE_TARGET": (
        unit(indicator("群众满意度", "明显提高", "明显提高", 90, level1="满意度指标",
                       level2="服务对象满意度指标", declared_kind="定量")),
        unit(indicator("群众满意度", 90, 92, 90, level1="满意度指标", level2="服务对象满意度指标",
                       declared_kind="定量", measure_unit="%"))),
    "UNIFORM_TARGETS": (
        make_unit("u", [indicator("受益群众覆盖率", 95, 96, 30, level1="效益指标",
                                  level2="社会效益指标", measure_unit="%"),
                        indicator("政策知晓率", 95, 97, 30, level1="效益指标", level2="社会效益指标",
                                  measure_unit="%"),
                        indicator("服务对象满意度", 95, 98, 30, level1="满意度指标",
                                  level2="服务对象满意度指标", measure_unit="%")],
                  budget=full_budget()),
        make_unit("u", [indicator("受益群众覆盖率", 92, 96, 30, level1="效益指标",
                                  level2="社会效益指标", measure_unit="%"),
                        indicator("政策知晓率", 85, 97, 30, level1="效益指标", level2="社会效益指标",
                                  measure_unit="%"),
                        indicator("服务对象满意度", 90, 98, 30, level1="满意度指标",
                                  level2="服务对象满意度指标", measure_unit="%")],
                  budget=full_budget())),
    "SATISFACTION_WITHOUT_SURVEY": (
        unit(indicator("服务对象满意度", "满意", "未收到投诉", 90, level1="满意度指标",
                       level2="服务对象满意度指标")),
        unit(indicator("服务对象满意度", "满意", "满意（问卷调查 120 份）", 90, level1="满意度指标",
                       level2="服务对象满意度指标", actual_grade="达成"))),
    "NO_COST_INDICATOR": (
        unit(indicator("采购批次", 4, 4, 90)),
        make_unit("u", [indicator("采购批次", 4, 4, 60),
                        indicator("单批次采购成本", 5, 5, 30, "<=", level2="成本指标",
                                  measure_unit="万元")], budget=full_budget())),
    "NO_UNIT": (
        unit(indicator("配套电力设施变压器", 3, 3, 90)),
        unit(indicator("配套电力设施变压器", 3, 3, 90, measure_unit="台"))),
    "ACTUALS_EQUAL_TARGETS": (
        make_unit("u", [indicator(f"工程{n}完成量", 10 + n, 10 + n, 18, measure_unit="个")
                        for n in range(5)], budget=full_budget()),
        make_unit("u", [indicator(f"工程{n}完成量", 10 + n, 10 + n + (n == 2), 18, measure_unit="个")
                        for n in range(5)], budget=full_budget())),
    # -- spending against results ----------------------------------------------------------
    "PERFORMANCE_AHEAD_OF_SPENDING": (
        unit(indicator("采购批次", 4, 4, 90),
             budget={"initial": 100, "executed": 90, "reason": REASON}),
        unit(indicator("采购批次", 4, 4, 90),
             budget={"initial": 100, "executed": 96, "reason": REASON})),
    "FUNDS_UNSPENT": (
        unit(indicator("采购批次", 4, 3.2, 90, deviation_reason=REASON),
             budget={"initial": 100, "executed": 70, "reason": REASON}),
        unit(indicator("采购批次", 4, 3.4, 90, deviation_reason=REASON),
             budget={"initial": 100, "executed": 85, "reason": REASON})),
    "OUTPUT_WITHOUT_SPENDING": (
        unit(indicator("服务人数", 748, 748, 90, measure_unit="人"),
             budget={"initial": 132.81, "executed": 0.1, "reason": REASON}),
        unit(indicator("服务人数", 748, 748, 90, measure_unit="人"),
             budget={"initial": 132.81, "executed": 132.81})),
    "FULL_SCORE_LOW_EXECUTION": (
        unit(indicator("采购批次", 4, 3.4, 90, deviation_reason=REASON),
             budget={"initial": 100, "executed": 85, "reason": REASON}, reported_total=100.0),
        unit(indicator("采购批次", 4, 3.4, 90, deviation_reason=REASON),
             budget={"initial": 100, "executed": 85, "reason": REASON}, reported_total=85.0)),
    **{code: (unit(indicator("采购批次", 4, 4, 90),
                   observations=[{"code": code, "row": 18, "fields": fields}]),
              unit(indicator("采购批次", 4, 4, 90)))
       for code, fields in (("SKIPPED_ROW", {"text": "指标1", "reason": "模板占位行"}),
                            ("UNKNOWN_COLUMN", {"header": "备注（补充）", "note": ""}),
                            ("ACTUAL_AS_TARGET", {"text": "≥266米", "number": 266}),
                            ("UNKNOWN_KIND", {"text": "性标定指"}),
                            ("APPROXIMATE_VALUE", {"text": "约95%", "word": "约", "number": "95%"}),
                            ("RANGE_TARGET", {"text": "3-5次", "bound": "≥3次"}),
                            ("UNIT_CONVERTED", {"text": "1200000元", "number": "120万元",
                                                "column": "实际完成值", "other": "年度指标值"}),
                            ("UNIT_MISMATCH", {"target_text": "≥30公里", "actual_text": "28个",
                                               "target_unit": "公里", "actual_unit": "个"}),
                            ("LEVEL1_INFERRED", {"note": "指标表没有“一级指标”列",
                                                 "assigned": " 1 项归为“未分级指标”"}),
                            ("HEADER_INFERRED", {"header": "参考分值", "role": "分值",
                                                 "evidence": "8 个数值，合计 90，与合计行相符",
                                                 "column_letter": "F"}),
                            ("ROW_NOT_READ", {"text": "数量指标 | 培训人数 | ≥100人", "problem": "缺少分值",
                                              "hint": "请填写该指标的分值（数字）", "effect": "该行未参与计分",
                                              "column_letter": "F"}),
                            ("VALUE_NOT_READ", {"text": "培训场次 | M.8场", "problem": "“M.8场”中的“M”不是数字",
                                                "hint": "请填写实际完成的数值", "effect": "该项按缺少数据计分",
                                                "column_letter": "E"}),
                            ("TOTAL_PARTIAL", {"counted": 1, "printed": 2, "rows": "第 18 行"}),
                            ("OCR_DIGITS", {"text": "IO", "number": "10"}),
                            ("WEIGHT_FROM_LABEL", {"label": "数量指标15分", "weight": "15", "count": 3,
                                                   "share": "5"}),
                            ("GROUP_SHARED", {"column": "得分", "value": "20", "count": 4,
                                              "rows": "第 9–12 行", "share": "5"}),
                            ("FUNDS_FROM_TEXT", {"figure": "全年预算数", "amount": "239", "paragraph": 2,
                                                 "sentence": "我校2022年按生均1000元安排,共计239万元",
                                                 "reason": "报告没有区分年初预算与调整后（全年）预算，"
                                                           "按全年预算数读取"}),
                            ("SECOND_HEADER", {"first_row": 11,
                                               "columns": "一级指标、二级指标、三级指标、年度指标值"}),
                            ("NO_BUDGET_ITEM", {"parts": "15 + 85", "total": "100"}))},
    # the review record: 90 x (1 - 60 %) = 36 by NOT_VERIFIABLE (一般), not the 50 written
    "REVIEW_CLAUSE_MISMATCH": (
        reviewed(indicator("采购批次", 4, 4, 90, reported_score=90), score=50,
                 clauses=["NOT_VERIFIABLE"], severity="一般"),
        reviewed(indicator("采购批次", 4, 4, 90, reported_score=90), score=36,
                 clauses=["NOT_VERIFIABLE"], severity="一般")),
    "REVIEW_NO_CLAUSE": (
        reviewed(indicator("采购批次", 4, 4, 90, reported_score=90), score=72),
        reviewed(indicator("采购批次", 4, 4, 90, reported_score=90), score=72,
                 clauses=["TARGET_TOO_LOW"])),
}


# Codes whose cases need a rule set other than central (a check that is off by default).
CASE_RULES = {"NO_COST_INDICATOR": get_rules("central").with_changes(
    checks={"NO_COST_INDICATOR": {"required": True}})}


def test_every_code_has_a_case():
    # the checks across units and years have their cases in test_redflags.py
    assert set(CASES) == {code for code in CODES if get_check(code).scope == "unit"}


@pytest.mark.parametrize("code", sorted(CASES))
def test_code_fires_and_is_silent_when_fixed(code):
    faulty, fixed = CASES[code]
    rules = CASE_RULES.get(code, "central")
    found = findings(faulty, rules)
    assert code in set(found["code"]), found[["code", "message"]]
    row = found[found["code"] == code].iloc[0]
    assert row["message"] and row["severity"] in ("error", "warning", "info")
    assert code not in codes(fixed, rules)


@pytest.mark.parametrize("code", sorted(CASES))
def test_fixed_cases_are_clean(code):
    """The fixed units have no finding at all (so each case tests only its own code)."""
    fixed = CASES[code][1]
    rules = CASE_RULES.get(code, "central")
    assert findings(fixed, rules).empty, findings(fixed, rules)[["code", "message"]]


def test_findings_frame_contract():
    found = findings(CASES["SCORE_MISMATCH"][0])
    assert list(found.columns) == list(FINDING_COLUMNS)
    row = found.iloc[0]
    assert row["unit_id"] == "u" and row["column"] == "得分" and row["indicator"] == "采购批次"
    assert row["row"] == 10
    assert "70" in row["message"] and "67.5" in row["message"]   # both figures


def test_low_execution_severity_depends_on_rule_set():
    faulty = CASES["LOW_EXECUTION"][0]
    low = lambda rules: findings(faulty, rules).set_index("code").loc["LOW_EXECUTION", "severity"]  # noqa: E731
    assert low("central") == "warning" and low("sichuan") == "error"


def test_direction_conflict_variants():
    reverse_on_floor = unit(indicator("培训人次", 100, 120, 90, ">=", declared_direction="反向"))
    forward_on_cost = unit(indicator("单位成本", 50, 40, 90, ">=", level2="成本指标",
                                     declared_direction="正向"))
    assert "DIRECTION_CONFLICT" in codes(reverse_on_floor)
    assert "DIRECTION_CONFLICT" in codes(forward_on_cost)


def test_cost_ceiling_below_executed_is_explained():
    tables = unit(indicator("经费总额", 80, 100, 90, "<=", level2="成本指标", measure_unit="万元",
                            declared_direction="反向", deviation_reason=""))
    message = findings(tables).set_index("code").loc["COST_BUDGET_MISMATCH", "message"]
    assert "低于全年执行数" in message and "80" in message and "100" in message


def test_cost_actual_above_what_was_spent_is_reported():
    # the whole project's cost reported as 100 万元 while the funds block spent 80 (pub30)
    spent = {"initial": 100.0, "executed": 80.0, "weight": 10.0}
    tables = unit(indicator("运行维护费", 100, 100, 90, "<=", level2="成本指标",
                            target_text="100万", actual_text="100万"), budget=spent)
    message = findings(tables).set_index("code").loc["COST_BUDGET_MISMATCH", "message"]
    assert "高于全年执行数" in message and "80" in message
    within = unit(indicator("运行维护费", 100, 80, 90, "<=", level2="成本指标",
                            target_text="100万", actual_text="80万"), budget=spent)
    assert "COST_BUDGET_MISMATCH" not in codes(within)
    # '100万人' is not money: no comparison with the budget
    people = unit(indicator("服务人数", 100, 100, 90, "<=", level2="成本指标",
                            target_text="100万人", actual_text="100万人"), budget=spent)
    assert "COST_BUDGET_MISMATCH" not in codes(people)


def test_unit_costs_are_not_compared_with_the_budget():
    tables = unit(indicator("单站年均运维成本", 20, 18, 90, "<=", level2="成本指标", measure_unit="万元",
                            declared_direction="反向"))
    assert "COST_BUDGET_MISMATCH" not in codes(tables)


def test_cost_of_a_named_part_of_the_money_is_not_compared_with_the_budget():
    # pub21: '维修（维护）所需成本 ≤35万元' of 64.8 spent: a part, not the whole (even above half)
    spent = {"initial": 100.0, "executed": 100.0, "weight": 10.0}
    part = unit(indicator("维修（维护）所需成本", 60, 30, 90, "<=", level2="成本指标",
                          measure_unit="万元", declared_direction="反向"), budget=spent)
    assert "COST_BUDGET_MISMATCH" not in codes(part)
    # the same ceiling named as the whole project's cost is compared
    whole = unit(indicator("项目总成本", 35, 30, 90, "<=", level2="成本指标",
                           measure_unit="万元", declared_direction="反向"), budget=spent)
    assert "COST_BUDGET_MISMATCH" in codes(whole)
    # a part word the project itself is named after is the whole project's cost
    training = unit(indicator("培训费", 60, 30, 90, "<=", level2="成本指标", measure_unit="万元",
                              declared_direction="反向"), budget=spent, project="教师培训项目")
    assert "COST_BUDGET_MISMATCH" in codes(training)


def test_over_achievement_percentage_text():
    message = findings(unit(indicator("监测次数", 84, 126, 90))).iloc[0]["message"]
    assert "150%" in message and "130%" in message


def test_missing_reported_score_where_others_have_one():
    tables = make_unit("u", [indicator("a", 4, 4, 45, reported_score=45, measure_unit="个"),
                             indicator("b", 4, 4, 45, measure_unit="个")], budget=full_budget())
    found = findings(tables)
    assert list(found["code"]) == ["MISSING_VALUE"] and found["indicator"][0] == "b"


def test_subtotal_compared_with_reported_items_and_weight():
    # items reported 40 + 45 = 85; a subtotal of 85 is right even though 40 is itself wrong
    tables = make_unit("u", [indicator("a", 4, 4, 45, reported_score=40),
                             indicator("b", 4, 4, 45, reported_score=45)], budget=full_budget(),
                       reported=[{"level": "level1", "level1": "产出指标", "weight": 80, "score": 85}])
    found = codes(tables)
    assert "SUBTOTAL_MISMATCH" not in found and "SCORE_MISMATCH" in found
    assert "WEIGHT_ROLLUP" in found


def test_sichuan_layout_uses_its_headers():
    tables = unit(indicator("采购批次", 4, 3, 90), layout="sichuan")
    row = findings(tables, "sichuan").set_index("code").loc["MISSING_DEVIATION_REASON"]
    assert row["column"] == "未完成原因分析"


def test_messages_escape_nothing_and_are_chinese():
    found = findings(CASES["OVER_ACHIEVEMENT"][0])
    message = found.iloc[0]["message"]
    assert "267%" in message and "130%" in message and "请" in message


# -- the seed ---------------------------------------------------------------------------

def test_seed_findings():
    result = evaluate(seed_tables())
    found = result.findings
    by = {(r.code, r.indicator) for r in found.itertuples()}
    assert ("SCORE_MISMATCH", "服务人员满意度") in by
    assert ("SUBTOTAL_MISMATCH", "效益指标 合计") in by
    assert ("MISSING_DEVIATION_REASON", "办公设备采购批次") in by
    assert ("OVER_ACHIEVEMENT", "维修改造工程个数") in by
    assert ("DIRECTION_CONFLICT", "经费总额") in by
    assert ("LOW_EXECUTION", "年度资金总额") in by
    assert "TOTAL_MISMATCH" not in set(found["code"]) and "GRADE_MISMATCH" not in set(found["code"])
    # 产出 合计 (50 / 48.75) is right; only 效益's is wrong
    assert not any(ind == "产出指标 合计" for ind in found["indicator"])
    score = found.set_index("code").loc["SCORE_MISMATCH"]
    assert "9.5" in score["message"] and "10" in score["message"] and score["row"] == 31
    low = found.set_index("code").loc["LOW_EXECUTION"]
    assert "88.49%" in low["message"] and low["severity"] == "warning"
    # the seed spent 88.49 % with indicators at 98.61 %: the budget system's red light
    ahead = found.set_index("code").loc["PERFORMANCE_AHEAD_OF_SPENDING"]
    assert "98.61%" in ahead["message"] and "10.25%" in ahead["message"]
    assert result.counts() == {"error": 3, "warning": 6, "info": 1}


def test_seed_under_sichuan_rules_requires_the_budget_reason():
    found = evaluate(seed_tables(), "sichuan").findings.set_index("code")
    assert found.loc["LOW_EXECUTION", "severity"] == "error"


def test_budget_reason_silences_low_execution():
    tables = seed_tables()
    tables.budgets.loc[0, "reason"] = "部分采购项目延至下年度支付。"
    assert "LOW_EXECUTION" not in set(evaluate(tables).findings["code"])


def test_nan_budget_is_a_missing_value():
    tables = unit(indicator("采购批次", 4, 4, 90), budget={"initial": NAN, "executed": NAN})
    assert "MISSING_VALUE" in codes(tables)


# -- a form that prints no weights ---------------------------------------------------------

def _unweighted(*specs, **fields):
    return make_unit("w", [dict(spec, weight=NAN) for spec in specs], budget=full_budget(NAN),
                     weighting="unweighted", **fields)


def test_unweighted_form_is_one_info_finding_not_a_missing_weight_per_row():
    found = findings(_unweighted(indicator("采购批次", 4, 4), indicator("满意度", 90, 95, measure_unit="%")))
    assert list(found["code"]) == ["UNWEIGHTED_FORM"]
    message = found.iloc[0]["message"]
    assert found.iloc[0]["severity"] == "info"
    assert "无法按规则计算" in message and "总分" in message
    assert "达成 2 项" in message and "不计分" in message       # the budget prints no weight


def test_unweighted_reasons_and_over_achievement_still_apply():
    found = findings(_unweighted(indicator("采购批次", 4, 3), indicator("维修工程", 3, 8, measure_unit="个")))
    by_code = {code: group for code, group in found.groupby("code")}
    assert set(by_code) == {"UNWEIGHTED_FORM", "MISSING_DEVIATION_REASON", "OVER_ACHIEVEMENT"}
    reason = by_code["MISSING_DEVIATION_REASON"].iloc[0]["message"]
    assert "“采购批次”部分达成" in reason and "完成 75%" in reason and "分值" not in reason
    fixed = findings(_unweighted(indicator("采购批次", 4, 3, deviation_reason=REASON),
                                 indicator("维修工程", 3, 8, measure_unit="个", deviation_reason=REASON)))
    assert list(fixed["code"]) == ["UNWEIGHTED_FORM"]


def test_unweighted_printed_total_is_checked_against_the_printed_scores():
    specs = (indicator("采购批次", 4, 4, reported_score=40), indicator("满意度", 90, 95, measure_unit="%",
                                                                     reported_score=50))
    found = findings(_unweighted(*specs, reported_total=100.0))
    total = found[found["code"] == "TOTAL_MISMATCH"]
    assert len(total) == 1 and "各项得分之和 90 分" in total.iloc[0]["message"]
    assert "TOTAL_MISMATCH" not in codes(_unweighted(*specs, reported_total=90.0))


def _labelled(*weights, budget_weight=NAN):
    """One indicator per dimension, each dimension's points printed in its 一级 label."""
    names = ("产出指标", "效益指标")
    specs = [indicator(f"指标{i}", 4, 4, level1=name, measure_unit="个")
             for i, name in enumerate(names[:len(weights)])]
    tables = _unweighted(*specs, reported=[
        {"level": "level1", "level1": name, "weight": weight, "score": NAN}
        for name, weight in zip(names, weights)])
    tables.budgets.loc[0, "weight"] = budget_weight
    return tables


def test_unweighted_label_weights_are_no_subtotal_rollup_but_must_make_the_total():
    """湖北's "产出指标（60分）" over rows without weights: nothing to add up under it, but the
    labels' points and the budget's must make 100 (pub14: 60 + 40 + 20 = 120)."""
    assert codes(_labelled(60, 20, budget_weight=20)) == {"UNWEIGHTED_FORM"}
    found = findings(_labelled(60, 40, budget_weight=20))
    rollup = found[found["code"] == "WEIGHT_ROLLUP"]
    assert len(rollup) == 1 and "共 120 分" in rollup.iloc[0]["message"]
    # a label weight on one of two dimensions says nothing about the total
    one_label = _labelled(60, 40, budget_weight=20)
    one_label.reported = one_label.reported.iloc[:1]
    assert "WEIGHT_ROLLUP" not in codes(one_label)


def test_unweighted_budget_without_figures_loses_no_points():
    tables = _unweighted(indicator("采购批次", 4, 4))
    tables.budgets.loc[0, "executed"] = NAN
    found = findings(tables)
    missing = found[found["code"] == "MISSING_VALUE"].iloc[0]["message"]
    assert "无法计算执行率" in missing and "0 分" not in missing


def test_missing_value_quotes_the_printed_heading():
    # pub21 prints '指标值(八)' (OCR'd) for 年度指标值: the finding names both, located as standard
    blank_target = indicator("采购批次", None, 3, 90)
    plain = findings(unit(blank_target)).set_index("code").loc["MISSING_VALUE"]
    assert "表头" not in plain["message"]
    printed = findings(unit(blank_target, printed_headings="年度指标值=指标值(八)")) \
        .set_index("code").loc["MISSING_VALUE"]
    assert "年度指标值（表头“指标值(八)”）为空" in printed["message"]
    assert printed["column"] == "年度指标值"


def test_the_reader_records_the_printed_headings_of_a_form():
    from pathlib import Path
    from perfnb.model import printed_headings_map
    from perfnb.reading import load_unit
    built = Path(__file__).resolve().parents[1] / "fixtures" / "real-forms" / "built" / "pub21.xlsx"
    headings = printed_headings_map(load_unit(built).units.iloc[0]["printed_headings"])
    assert headings["年度指标值"] == "指标值(八)"
