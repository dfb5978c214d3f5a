"""A sheet holding several header-led blocks (a 共性 rubric above the indicator table, each
with its own headings), and the budget item such a form leaves out (h-rubric; pub32)."""
from __future__ import annotations

import math

from tests.reading.test_printed_forms import form, indicators, observations, read

FUNDS_HEADER = ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "执行率"]
FUNDS_ROWS = [["", "年度资金总额", 100, 100, 80, "80%"]]
RUBRIC_HEADER = ["项目权重", "评价内容", "分值", "自评分", "评价标准"]
INDICATOR_HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                    "偏差原因分析及改进措施"]


def _two_blocks(rubric_points=(4, 6), indicator_weights=(50, 40), between=None):
    """A rubric (项目决策/项目管理 with points in the labels) above an indicator table."""
    decision, management = rubric_points
    rows = [[f"项目决策 {decision} 分", "决策依据", decision, decision, "有依据得满分"],
            [f"项目管理 {management} 分", "财务制度", management, management, "制度健全得满分"],
            *(between or [["项目年度目标 1：测试"] * 5]),
            INDICATOR_HEADER,
            ["产出指标", "数量指标", "培训人数", "≥100人", "120人", indicator_weights[0],
             indicator_weights[0], ""],
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "45%", indicator_weights[1], 20, "宣传不足"]]
    return form(rows, header=RUBRIC_HEADER, funds_header=FUNDS_HEADER, funds=FUNDS_ROWS)


def test_a_rubric_above_the_indicator_table_is_read_with_its_own_columns():
    g, rubric_row = _two_blocks()
    tables, result = read(g)
    found = indicators(result)
    assert set(found) == {"决策依据", "财务制度", "培训人数", "群众知晓率"}
    # rubric rows: 分值 and 自评分, nothing to verify (like pub22's rubric rows)
    assert found["决策依据"]["weight"] == 4 and found["决策依据"]["reported_score"] == 4
    assert found["决策依据"]["status"] == "missing" and found["决策依据"]["score"] == 0
    assert found["财务制度"]["level1"] == "项目管理"      # the 项目权重 labels are the 一级 labels
    # the indicator rows by the second header's columns, not the rubric's
    assert found["培训人数"]["target"] == 100 and found["培训人数"]["actual"] == 120
    assert found["培训人数"]["weight"] == 50 and found["群众知晓率"]["reported_score"] == 20
    (note,) = observations(tables, "SECOND_HEADER")
    assert note["row"] == rubric_row + 4 and note["fields"]["first_row"] == rubric_row
    assert "年度指标值" in note["fields"]["columns"]
    assert not observations(tables, "SKIPPED_ROW")      # the title row between is no indicator
    finding = result.findings[result.findings["code"] == "SECOND_HEADER"]
    assert finding["severity"].eq("info").all() and "第" in finding["message"].iloc[0]


def test_parts_that_make_the_whole_total_leave_no_default_budget_item():
    g, _ = _two_blocks()                     # 4 + 6 + 50 + 40 = 100
    tables, result = read(g)
    data = result.to_dict()
    assert math.isclose(data["budget"]["rate"], 0.8)
    assert data["budget"]["score"] is None and data["budget"]["weight"] is None
    indicator_total = sum(i["score"] for i in data["indicators"])
    assert math.isclose(data["total"], indicator_total)
    (note,) = observations(tables, "NO_BUDGET_ITEM")
    assert note["fields"]["parts"] == "10 + 90" and note["fields"]["total"] == "100"
    message = result.findings[result.findings["code"] == "NO_BUDGET_ITEM"]["message"].iloc[0]
    assert "不另加预算执行分值" in message


def test_parts_short_of_the_total_keep_the_rules_budget_item():
    g, _ = _two_blocks(indicator_weights=(40, 40))     # 10 + 80 = 90: the budget's 10 is missing
    tables, result = read(g)
    data = result.to_dict()
    assert data["budget"]["weight"] == 10 and math.isclose(data["budget"]["score"], 8.0)
    assert not observations(tables, "NO_BUDGET_ITEM")
    assert math.isclose(data["total"], 8.0 + sum(i["score"] for i in data["indicators"]))


def test_a_block_after_another_project_title_is_another_forms_and_not_joined():
    g, _ = _two_blocks(between=[["项目名称", "另一个项目"]])
    tables, _ = read(g)
    assert set(tables.indicators["name"]) == {"决策依据", "财务制度"}
    assert not observations(tables, "SECOND_HEADER")
    assert not observations(tables, "NO_BUDGET_ITEM")


def test_a_header_repeated_at_a_page_break_continues_its_block():
    rows = [["产出指标", "数量指标", "培训人数", "≥100人", "120人", 50, 50, ""],
            INDICATOR_HEADER,
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 40, 40, ""]]
    g, _ = form(rows, header=INDICATOR_HEADER)
    tables, result = read(g)
    assert set(indicators(result)) == {"培训人数", "群众知晓率"}
    assert not observations(tables, "SECOND_HEADER")
