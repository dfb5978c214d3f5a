"""Values written in words departments use: Chinese numerals, approximate values, ranges,
units with endings (issue 9's "read odd but readable forms, with findings")."""
from __future__ import annotations

import pytest

from perfnb.reading.values import chinese_number, parse_value

from tests.reading.test_printed_forms import form, indicators, observations, read

SATISFACTION = ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 50, 50, ""]


def _read_one(target, actual, name="巡查次数", level2="数量指标"):
    tables, result = read(form([["产出指标", level2, name, target, actual, 50, 50, ""],
                                SATISFACTION])[0])
    return tables, result, indicators(result)[name]


@pytest.mark.parametrize("numeral, number", [
    ("十二", 12), ("二十", 20), ("一百零五", 105), ("两", 2), ("三千", 3000), ("一二", 12)])
def test_chinese_numerals(numeral, number):
    assert chinese_number(numeral) == number


@pytest.mark.parametrize("text, number, unit", [
    ("十二个月", 12, "个月"), ("两次", 2, "次"), ("不少于三次", 3, "次"), ("十万元", 10, "万元")])
def test_a_count_in_chinese_numerals_is_a_number(text, number, unit):
    parsed = parse_value(text)
    assert (parsed.number, parsed.unit) == (number, unit)


@pytest.mark.parametrize("text", ["第四季度", "十分满意", "一般", "一次性补助资金全部发放到位"])
def test_numerals_that_are_not_counts_stay_words(text):
    assert parse_value(text).number is None


def test_chinese_numeral_targets_score_like_digits():
    _, _, row = _read_one("十二次", "10次")
    assert row["target"] == 12 and row["actual"] == 10
    assert row["score"] == pytest.approx(50 * 10 / 12, abs=0.005)


@pytest.mark.parametrize("target", ["约95%", "95%左右", "≈95%"])
def test_an_approximate_target_is_read_and_said_not_refused(target):
    tables, result, row = _read_one(target, "96%", name="数据有效率", level2="质量指标")
    assert row["target"] == 95 and row["operator"] == ">=" and row["score"] == 50
    noted = observations(tables, "APPROXIMATE_VALUE")
    assert [n["fields"]["number"] for n in noted] == ["95%"]
    finding = result.findings[result.findings["code"] == "APPROXIMATE_VALUE"].iloc[0]
    assert target in finding["message"] and "确切" in finding["message"]


def test_an_approximate_actual_is_read_and_said():
    tables, _, row = _read_one("≥4次", "约3次")
    assert row["actual"] == 3 and row["status"] == "partial"
    assert observations(tables, "APPROXIMATE_VALUE")[0]["column"] == "实际完成值"


@pytest.mark.parametrize("target, low, high", [
    ("3-5次", 3, 5), ("3~5次", 3, 5), ("3～5次", 3, 5), ("3至5次", 3, 5), ("90%-95%", 90, 95)])
def test_a_range_is_read_with_both_ends(target, low, high):
    parsed = parse_value(target)
    assert (parsed.number, parsed.range_high) == (low, high) and parsed.problem is None


def test_a_range_target_scores_from_its_low_end_or_for_a_ceiling_its_high_end():
    tables, result, row = _read_one("3-5次", "4次")
    assert row["target"] == 3 and row["operator"] == ">=" and row["score"] == 50
    # 4 is inside the range: no over-achievement (4 ÷ 3 is 133 %, but the range goes to 5)
    assert not row["over_achieved"] and "OVER_ACHIEVEMENT" not in set(result.findings["code"])
    _, result, row = _read_one("3-5次", "7次")
    assert row["over_achieved"] and "OVER_ACHIEVEMENT" in set(result.findings["code"])
    assert observations(tables, "RANGE_TARGET")[0]["fields"]["bound"] == "≥3次"
    tables, _, row = _read_one("50-60万元", "58万元", name="项目成本", level2="成本指标")
    assert row["operator"] == "<=" and row["target"] == 60 and row["score"] == 50
    assert observations(tables, "RANGE_TARGET")[0]["fields"]["bound"] == "≤60万元"


@pytest.mark.parametrize("text, operator, unit", [
    ("12个月内", "<=", "个月"), ("3天之内", "<=", "天"), ("1万㎡", None, "万平方米"),
    ("≥1.2万m2", ">=", "万平方米"), ("500m3", None, "立方米")])
def test_units_lose_their_endings_and_square_metres_their_digit(text, operator, unit):
    parsed = parse_value(text)
    assert (parsed.operator, parsed.unit) == (operator, unit)


def test_a_target_within_months_compares_with_an_actual_in_months():
    _, result, row = _read_one("12个月内", "11个月", name="完成时间", level2="时效指标")
    assert row["unit"] == "个月" and row["status"] == "met"
    assert "UNIT_MISMATCH" not in set(result.findings["code"])


@pytest.mark.parametrize("target, actual, number, shown", [
    ("≥95%", "0.96", 96, "96%"),             # a share written as a fraction
    ("≥95%", 0.96, 96, "96%"),               # … or as Excel's number without a % format
    ("≥100万元", "1200000元", 120, "120万元"),  # another multiple of the target's unit
    ("≥30公里", "32000米", 32, "32公里"),
])
def test_an_actual_in_another_unit_is_converted_and_said(target, actual, number, shown):
    tables, result, row = _read_one(target, actual, name="覆盖率")
    assert row["actual"] == pytest.approx(number) and row["status"] == "met"
    assert [n["fields"]["number"] for n in observations(tables, "UNIT_CONVERTED")] == [shown]
    assert "OVER_ACHIEVEMENT" not in set(result.findings["code"])


def test_a_fraction_target_against_a_percent_actual_is_a_percent():
    tables, _, row = _read_one("≥0.95", "96%", name="合格率")
    assert row["target"] == 95 and row["status"] == "met"


def test_a_small_actual_against_a_small_ceiling_stays_as_written():
    # 0.5 against ≤1% may well be 0.5 %: not converted
    tables, _, row = _read_one("≤1%", "0.5", name="差错率")
    assert row["actual"] == 0.5 and not observations(tables, "UNIT_CONVERTED")


def test_units_that_cannot_be_compared_are_said():
    tables, result, row = _read_one("≥30公里", "28个", name="道路里程")
    noted = observations(tables, "UNIT_MISMATCH")
    assert [(n["fields"]["target_unit"], n["fields"]["actual_unit"]) for n in noted] == [("公里", "个")]
    assert "UNIT_MISMATCH" in set(result.findings["code"])


@pytest.mark.parametrize("target, actual", [("≥12个月", "12月"), ("≥20场", "25场次"), ("≤3天", "2日")])
def test_spellings_of_one_unit_are_no_mismatch(target, actual):
    tables, _, _ = _read_one(target, actual, name="完成情况")
    assert not observations(tables, "UNIT_MISMATCH") and not observations(tables, "UNIT_CONVERTED")
