"""The review record (复核记录): reading, validation with file and line, matching by name."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import perfnb
from perfnb.errors import InputError, InputErrors
from perfnb.reading.review import (Review, ReviewFinding, ReviewIndicator, read_review,
                                   review_path_for, write_review)

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params"
SEED = PARAMS / "nmg-rd-2022-rdlz.yaml"

GOOD = """\
evaluator: 张敏
date: 2024-05-06
conclusion: 优
opinion: |
  第一行意见。
  第二行意见。
indicators:
  - name: 办公设备采购批次
    score: 3
    reason: 采购批次减少系集中采购所致
  - level1: 效益指标
    name: D2提供人大基本履职保障
    level: 部分达成
    reason: 佐证材料不足
findings:
  - code: OVER_ACHIEVEMENT
    indicator: 维修改造工程个数
    decision: 不采纳
    reason: 维修工程增加系应急抢修，已另行说明
"""


def unit_with_review(tmp_path: Path, text: str) -> Path:
    """A copy of the seed unit with ``<unit>.review.yaml`` beside its YAML."""
    shutil.copytree(PARAMS / "data", tmp_path / "data")
    unit = tmp_path / SEED.name
    shutil.copy(SEED, unit)
    review_path_for(unit).write_text(text, encoding="utf-8")
    return unit


def messages(error) -> list[str]:
    return [e.message for e in error.errors] if isinstance(error, InputErrors) else [str(error)]


def test_review_beside_the_unit_yaml_is_found_and_matched_by_name(tmp_path):
    tables = perfnb.load_unit(unit_with_review(tmp_path, GOOD))
    review = tables.reviews.iloc[0]
    assert (review["evaluator"], review["date"], review["conclusion"]) == ("张敏", "2024-05-06", "优")
    assert review["opinion"] == "第一行意见。\n第二行意见。"
    matched = tables.review_indicators
    names = dict(zip(tables.indicators["seq"], tables.indicators["name"]))
    assert [names[s] for s in matched["seq"]] == ["C14办公设备采购批次", "D2提供人大基本履职保障"]
    assert list(matched["line"]) == [8, 11]
    assert tables.review_findings.iloc[0]["decision"] == "不采纳"
    assert tables.units["review_path"].iloc[0] == str(review_path_for(tmp_path / SEED.name))


def test_matching_survives_rows_moving(tmp_path):
    unit = unit_with_review(tmp_path, GOOD)
    before = perfnb.load_unit(unit)
    shuffled = before.indicators.sample(frac=1, random_state=3)
    moved = {n: s for n, s in zip(shuffled["name"], shuffled["seq"])}
    from dataclasses import replace
    from perfnb.reading.review import attach_review
    again = attach_review(replace(before, indicators=shuffled.reset_index(drop=True)),
                          read_review(review_path_for(unit)))
    assert list(again.review_indicators["seq"]) == [moved["C14办公设备采购批次"],
                                                     moved["D2提供人大基本履职保障"]]


def test_chinese_keys_are_accepted(tmp_path):
    text = ("复核人: 李四\n复核日期: 2024/5/6\n复核意见: 同意\n指标:\n"
            "  - 三级指标: 办公设备采购批次\n    复核得分: 4.5\n    理由: 核实后调整\n")
    tables = perfnb.load_unit(unit_with_review(tmp_path, text.replace("2024/5/6", "2024-05-06")))
    assert tables.review_indicators.iloc[0]["score"] == 4.5


@pytest.mark.parametrize("text, problem, line", [
    (GOOD.replace("name: 办公设备采购批次", "name: 不存在的指标"), "不存在的指标", 8),
    (GOOD.replace("score: 3", "score: 6"), "超过其分值 5", 8),
    (GOOD.replace("    reason: 采购批次减少系集中采购所致\n", ""), "没有写理由", 8),
    (GOOD.replace("    reason: 维修工程增加系应急抢修，已另行说明\n", ""), "不采纳，但没有写理由", 16),
    (GOOD.replace("level: 部分达成", "level: 基本达成"), "无法识别", 13),
    (GOOD.replace("decision: 不采纳", "decision: 同意"), "复核决定", 16),
    (GOOD.replace("evaluator: 张敏\n", ""), "缺少复核人", 1),
    (GOOD.replace("date: 2024-05-06", "date: 明天"), "不是有效的日期", 2),
    (GOOD.replace("    score: 3\n", ""), "既没有复核得分", 8),
    (GOOD.replace("score: 3", "score: 三分"), "不是数字", 9),
    (GOOD.replace("indicators:", "indicatros:"), "未知的键", 7),
    (GOOD.replace("findings:", "  - name: C14办公设备采购批次\n    score: 1\n    reason: 再次\nfindings:"),
     "复核了两次（另见第 8 行）", 15),
])
def test_bad_reviews_name_file_and_line(tmp_path, text, problem, line):
    with pytest.raises((InputError, InputErrors)) as info:
        perfnb.load_unit(unit_with_review(tmp_path, text))
    found = [m for m in messages(info.value) if problem in m]
    assert found, messages(info.value)
    assert "seed" not in found[0]
    assert f"nmg-rd-2022-rdlz.review.yaml" in found[0] and f"第 {line} 行" in found[0]


def test_ambiguous_name_asks_for_levels(tmp_path):
    unit = unit_with_review(tmp_path, GOOD)
    tables = perfnb.load_unit(unit, review=False)
    from dataclasses import replace
    from perfnb.reading.review import attach_review
    doubled = tables.indicators.copy()
    doubled.loc[doubled["seq"] == 4, "name"] = "C14办公设备采购批次"
    with pytest.raises(InputError, match="对应本单位的 2 个指标"):
        attach_review(replace(tables, indicators=doubled), read_review(review_path_for(unit)))


def test_cli_error_for_a_bad_review_is_chinese_exit_2(tmp_path, capsys):
    from perfnb.cli import main
    unit = unit_with_review(tmp_path, GOOD.replace("score: 3", "score: 9"))
    assert main(["score", str(unit)]) == 2
    err = capsys.readouterr().err
    assert "复核得分 9 超过其分值 5" in err and "第 8 行" in err and "Traceback" not in err


def test_write_then_read_round_trips(tmp_path):
    review = Review(evaluator="张敏", date="2024-05-06", opinion="意见\n两行", conclusion="良",
                    indicators=[ReviewIndicator(name="办公设备采购批次", score=2.5, reason="理由"),
                                ReviewIndicator(name="工作完成质量", level="部分达成", reason="理由二")],
                    findings=[ReviewFinding(code="LOW_EXECUTION", decision="采纳")])
    path = write_review(review, tmp_path / "x.review.yaml")
    back = read_review(path)
    assert (back.evaluator, back.date, back.opinion, back.conclusion) == \
        ("张敏", "2024-05-06", "意见\n两行", "良")
    assert [(i.name, i.score, i.level, i.reason) for i in back.indicators] == \
        [("办公设备采购批次", 2.5, None, "理由"), ("工作完成质量", None, "部分达成", "理由二")]
    assert [(f.code, f.decision) for f in back.findings] == [("LOW_EXECUTION", "采纳")]
    assert not list(tmp_path.glob(".*.tmp"))


def test_write_refuses_an_invalid_review(tmp_path):
    bad = Review(evaluator="张敏", date="2024-05-06",
                 indicators=[ReviewIndicator(name="办公设备采购批次", score=1, reason="")])
    with pytest.raises(InputError, match="没有写理由"):
        write_review(bad, tmp_path / "x.review.yaml")
    assert not (tmp_path / "x.review.yaml").exists()


def test_inline_review_section_of_the_unit_yaml(tmp_path):
    shutil.copytree(PARAMS / "data", tmp_path / "data")
    text = SEED.read_text("utf-8") + (
        "review:\n  evaluator: 张敏\n  date: 2024-05-06\n  indicators:\n"
        "    - name: 办公设备采购批次\n      score: 8\n      reason: 超\n")
    unit = tmp_path / "inline.yaml"
    unit.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        perfnb.load_unit(unit)
    lines = text.count("\n")
    assert "inline.yaml" in str(info.value) and f"第 {lines - 2} 行" in str(info.value)
