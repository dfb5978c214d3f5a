"""偏离度 and 自评质量 of an unweighted unit (its form prints no 分值): by achievement.

With no points to compare, the review of such a unit changes achievements (达成 / 部分达成 /
未达成); its 偏离度 is the share of its indicators with an achievement whose achievement the
review changed (positive when the review lowered more than it raised), and its 自评质量 comes
from that share and the profile's bands.
"""
from __future__ import annotations

import html
import json
import re

import pytest
from ipywidgets import HTML

import perfnb
from perfnb.reading.review import review_path_for
from perfnb.reporting.terminal import format_text

from format_builders import UNWEIGHTED_REVIEW, unweighted_form, write_xlsx


@pytest.fixture
def unit(tmp_path):
    form = write_xlsx(tmp_path / "form.xlsx", [("Sheet1", [unweighted_form()])])
    review_path_for(form).write_text(UNWEIGHTED_REVIEW, encoding="utf-8")
    return form


def test_deviation_by_achievement(unit):
    data = perfnb.evaluate(perfnb.load_unit(unit)).to_dict()
    assert data["weighting"] == "unweighted"
    deviation = data["reviewed"]["deviation"]
    # 2 of 3 indicators' achievements lowered by the review: 达成 → 部分达成, 达成 → 未达成
    assert deviation["basis"] == "achievement"
    assert deviation["indicators_compared"] == 3 and deviation["indicators_changed"] == 2
    assert deviation["ratio"] == pytest.approx(0.6667)
    assert deviation["gap"] is None and deviation["grade_changed"] is False
    quality = data["self_evaluation_quality"]
    assert quality["deviation"] == pytest.approx(0.6667) and quality["grade"] == "较差"
    by_name = {i["name"]: i for i in data["reviewed"]["indicators"]}
    assert by_name["群众出行条件"]["achievement"] == {"self": "达成", "review": "部分达成"}
    assert by_name["验收合格率"]["achievement"] == {"self": "达成", "review": "未达成"}   # zero clause
    assert by_name["维护道路里程"]["achievement"] == {"self": "部分达成", "review": "部分达成"}
    assert by_name["群众出行条件"]["deviation"]["ratio"] == 1.0      # lowered
    assert by_name["维护道路里程"]["deviation"]["ratio"] is None     # not reviewed


def test_raising_an_achievement_is_a_negative_deviation(unit):
    review_path_for(unit).write_text(
        "evaluator: 张敏\ndate: 2026-11-30\nindicators:\n  - name: 维护道路里程\n"
        "    level: 达成\n    reason: 另有 5 公里由乡镇完成，已核实\n", encoding="utf-8")
    data = perfnb.evaluate(perfnb.load_unit(unit)).to_dict()
    deviation = data["reviewed"]["deviation"]
    assert deviation["ratio"] == pytest.approx(-0.3333) and deviation["indicators_changed"] == 1
    assert data["self_evaluation_quality"]["grade"] == "较差"     # |−33 %| over the 20 % band


def test_weighted_units_keep_the_score_basis():
    from pathlib import Path

    params = Path(__file__).resolve().parents[2] / "params"
    data = perfnb.evaluate(perfnb.load_unit(params / "jtt-2023-ncgl.yaml")).to_dict()
    deviation = data["reviewed"]["deviation"]
    assert deviation["basis"] == "score" and "indicators_changed" not in deviation
    assert deviation["ratio"] == pytest.approx(round((93.75 - 89.29) / 93.75, 4))


def test_text_report_problem_list_and_panel(unit, tmp_path):
    from perfnb.fsutil import safe_component
    from perfnb.panel import UNWEIGHTED_WEIGHT, ReviewPanel
    from perfnb.reporting.review_report import problem_list

    evaluation = perfnb.evaluate(perfnb.load_unit(unit))
    text = format_text(evaluation)
    assert "偏离度（按达成情况）：66.67%（复核改变了 3 个指标中 2 个的达成情况）" in text
    assert "复核：按达成情况复核（未加权，不计总分）" in text
    data = evaluation.to_dict()
    folder = tmp_path / "out" / safe_component(data["department"]) / safe_component(data["unit_id"])
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    problems = problem_list(tmp_path / "out").set_index("指标")
    assert problems.loc["验收合格率", ["级别", "自评达成", "复核达成"]].tolist() == ["P1", "达成", "未达成"]
    assert problems.loc["群众出行条件", "级别"] == "P2"
    assert len(problems) == 2
    from perfnb.reporting.summary import load_results, review_table
    row = review_table(load_results(tmp_path / "out")).iloc[0]
    assert row["偏离度"] == "66.67%（按达成）" and row["自评质量"] == "较差"
    assert row["等级变化"] == ""      # no grades at all: nothing changed
    from perfnb.reporting.summary import department_review_table
    department = department_review_table(load_results(tmp_path / "out")).iloc[0]
    assert department["偏离度"] == "66.67%（按达成）" and department["自评质量"] == "较差"
    assert department["等级变化单位数"] == 0
    from docx import Document

    from perfnb.reporting.office.review_docx import write_review_report_docx
    word = write_review_report_docx(tmp_path / "out", tmp_path / "复核报告.docx")
    text = "\n".join(p.text for p in Document(str(word)).paragraphs)
    assert "（一）P1 问题" in text and "（二）P2 问题" in text     # numbered as they occur
    assert "自评“达成”，复核“未达成”（未加权，按达成情况）" in text and "按达成情况计算" in text
    panel = ReviewPanel(evaluation, tmp_path / "form.review.yaml")
    # the text each read-only cell shows (wrapping HTML cells)
    labels = [html.unescape(re.sub(r"<[^>]+>", "", child.value)) for child in
              panel.indicator_grid.children if isinstance(child, HTML)]
    assert labels.count(UNWEIGHTED_WEIGHT) == 3
