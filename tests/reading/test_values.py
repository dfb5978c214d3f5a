"""perfnb.reading.values: parsing targets, actuals and labels as departments write them."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfnb.reading.values import (clean_label, declared_direction_of, declared_kind_of, normalise_level1,
                           normalise_level2, normalise_name, operator_of, parse_value)


@pytest.mark.parametrize("text, operator, number, unit, grade", [
    ("≥4", ">=", 4.0, "", None),
    ("≤2255万元", "<=", 2255.0, "万元", None),
    ("=100%", "=", 100.0, "%", None),
    ("12个月", None, 12.0, "个月", None),
    ("95%", None, 95.0, "%", None),
    ("≥95%优", ">=", 95.0, "%", "优"),
    ("1,972.41", None, 1972.41, "", None),
    ("优", None, None, "", "优"),
    ("达成", None, None, "", "达成"),
    ("达成预期指标", None, None, "", "达成"),
    ("完成", None, None, "", "达成"),
    ("≥ 4", ">=", 4.0, "", None),
    (">=4", ">=", 4.0, "", None),
    ("大于等于4", ">=", 4.0, "", None),
    ("不低于95%", ">=", 95.0, "%", None),
    ("不高于2255万元", "<=", 2255.0, "万元", None),
    ("≤30万元", "<=", 30.0, "万元", None),
    ("小于等于30", "<=", 30.0, "", None),
    ("等于12", "=", 12.0, "", None),
    ("大于0", ">", 0.0, "", None),
    ("<5天", "<", 5.0, "天", None),
    ("35人", None, 35.0, "人", None),
    ("１２个月", None, 12.0, "个月", None),      # full-width digits
    ("≥95％", ">=", 95.0, "%", None),            # full-width percent sign
    ("-3", None, -3.0, "", None),
])
def test_parse_value_text(text, operator, number, unit, grade):
    parsed = parse_value(text)
    assert (parsed.operator, parsed.number, parsed.unit, parsed.grade) == (operator, number, unit,
                                                                            grade)
    assert parsed.problem is None
    assert not parsed.not_applicable


@pytest.mark.parametrize("value, number", [(12, 12.0), (1972.41, 1972.41), (0, 0.0), (-1.5, -1.5)])
def test_parse_value_excel_numbers(value, number):
    parsed = parse_value(value)
    assert parsed.number == number and parsed.operator is None and parsed.grade is None


@pytest.mark.parametrize("text, grade", [
    ("优秀", "优"), ("良好", "良"), ("良", "良"), ("中等", "中"), ("一般", "中"), ("低", "低"),
    ("较差", "差"), ("差", "差"),
    ("未达成", "未达成"), ("未完成", "未达成"), ("未达到预期", "未达成"),
    ("部分达成", "部分达成"), ("基本达成", "部分达成"), ("基本完成", "部分达成"),
    ("达到", "达成"), ("实现", "达成"), ("已完成", "达成"),
])
def test_grade_words_negatives_first(text, grade):
    assert parse_value(text).grade == grade


def test_scale_targets_best_grade():
    for text in ("优良中低差", "优良中差", "优、良、中、差"):
        parsed = parse_value(text)
        assert parsed.scale and parsed.grade == "优" and parsed.number is None


@pytest.mark.parametrize("text", ["/", "／", "-", "无", "  "])
def test_not_applicable_and_blank(text):
    parsed = parse_value(text)
    assert parsed.number is None and parsed.grade is None
    assert parsed.not_applicable == bool(text.strip())


def test_none_and_nan_are_blank():
    assert parse_value(None).is_blank and parse_value(math.nan).is_blank


@pytest.mark.parametrize("text, word", [("≈5", "≈"), ("约5", "约"), ("5左右", "左右"), ("~5", "~"),
                                        ("大约5个", "大约"), ("5个上下", "上下")])
def test_an_approximate_value_is_its_number_marked_approximate(text, word):
    parsed = parse_value(text)
    assert parsed.problem is None and parsed.number == 5 and parsed.operator is None
    assert parsed.approximate == word


def test_approximate_words_inside_a_sentence_are_text():
    assert parse_value("厉行节约，降低行政成本").approximate is None


def test_grade_word_inside_other_words_is_no_grade():
    assert parse_value("其中").grade is None
    assert parse_value("中国").grade is None


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_numbers_round_trip_through_text(number):
    text = f"{number:.2f}"
    assert parse_value(text).number == pytest.approx(float(text))
    assert parse_value("≥" + f"{abs(number):,.2f}").number == pytest.approx(abs(float(text)))


@pytest.mark.parametrize("label, level1", [
    ("C产出指标", "产出指标"), ("产出", "产出指标"), ("满意度\n指标", "满意度指标"),
    ("效益指标", "效益指标"), ("D效益", "效益指标"), ("其他指标", "其他指标"),
])
def test_normalise_level1(label, level1):
    assert normalise_level1(label) == level1


@pytest.mark.parametrize("label, level2", [
    ("C1数量指标", "数量指标"), ("E服务对象\n满意度指标", "服务对象满意度指标"),
    ("D社会效益指标", "社会效益指标"), ("（一）质量指标", "质量指标"), ("1.时效指标", "时效指标"),
    ("成本指标", "成本指标"),
])
def test_normalise_level2(label, level2):
    assert normalise_level2(label) == level2


def test_labels_lose_whitespace():
    assert clean_label(" 年度\n指标值 ") == "年度指标值"
    assert normalise_name("C14办公设备\n采购批次") == "C14办公设备采购批次"


def test_declared_columns():
    assert declared_kind_of("定性指标") == "定性" and declared_kind_of("定量") == "定量"
    assert declared_kind_of("正向") is None
    assert declared_direction_of("正向指标") == "正向" and declared_direction_of("反向") == "反向"
    assert operator_of("大于等于") == ">=" and operator_of("≤") == "<=" and operator_of("等于") == "="
    assert operator_of("正向") is None and operator_of("定性") is None
