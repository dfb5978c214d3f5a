"""Forms that print no 分值/权重 at all are read for an unweighted evaluation, not refused.

湖北's 20+80 template (pub12, pub14, pub18), 湖南's 县级专项资金 form (pub09) and the like:
the indicator table has names, targets, actuals (and maybe the unit's scores) but no weight
column.  The four published forms are checked in every format by test_real_forms.py; here,
small forms built in memory pin the reading rules.
"""
from __future__ import annotations

import math

import pytest

from perfnb import evaluate
from perfnb.reading import load_unit
from perfnb.reading.sheets import Grid

from format_builders import write_xlsx


def _form(funds_title: str = "预算执行情况（万元）（20分）", score_heading: str = "得分",
          weight_column: bool = False, total: object = None) -> Grid:
    """A 湖北-style form: funds block, then 一级 | 二级 | 三级 | 年初目标值 | 实际完成值 | 得分."""
    weight = ["分值"] if weight_column else []
    rows = [
        ["2023年度项目自评表", None, None, None, None, None] + [None] * len(weight),
        ["项目名称", "乡村道路维护", None, "主管部门", "某县交通运输局", None] + [None] * len(weight),
        [funds_title, None, "预算数（A）", "执行数（B）", "执行率（B/A）", score_heading]
        + [None] * len(weight),
        [funds_title, "年度财政资金总额", 100, 80, "80%", 16] + [None] * len(weight),
        ["年度目标1：（80分）"] * (6 + len(weight)),
        ["一级指标", "二级指标", "三级指标", "年初目标值（A）", "实际完成值（B）", *weight, "得分"],
        ["产出指标", "数量指标", "维护道路里程", "≥20公里", "16公里", *([40] if weight else []), 32],
        ["效益指标", "社会效益指标", "群众出行条件", "明显改善", "明显改善", *([40] if weight else []), 40],
        ["总分", None, None, None, None, *([None] if weight else []), total],
    ]
    anchor = {}
    for r, c, last in ((3, 1, 4),):
        for row in range(r, last + 1):
            anchor[(row, c)] = (r, c)
    for c in range(1, 7 + len(weight)):
        anchor[(5, c)] = (5, 1)
    return Grid("form.xlsx", "Sheet1", rows, anchor)


@pytest.fixture
def written(tmp_path):
    def write(grid: Grid):
        return load_unit(write_xlsx(tmp_path / "form.xlsx", [("Sheet1", [grid])]))
    return write


def test_a_form_without_a_weight_column_is_read_unweighted(written):
    tables = written(_form())
    unit = tables.units.iloc[0]
    assert unit["weighting"] == "unweighted"
    assert list(tables.indicators["name"]) == ["维护道路里程", "群众出行条件"]
    assert tables.indicators["weight"].isna().all()
    assert list(tables.indicators["reported_score"]) == [32, 40]       # kept as printed
    # the funds block's printed points are its weight; "年度目标1：（80分）" is no funds line
    budget = tables.budgets.iloc[0]
    assert budget["weight"] == 20 and budget["reported_score"] == 16
    assert list(tables.budget_lines["label"]) == ["年度财政资金总额"]


def test_the_points_in_the_score_heading_are_the_funds_weight(written):
    tables = written(_form(funds_title="预算执行情况（万元）", score_heading="得分（15分*执行率）"))
    assert tables.budgets.iloc[0]["weight"] == 15


def test_no_default_budget_weight_where_the_form_prints_none(written):
    tables = written(_form(funds_title="预算执行情况（万元）"))
    assert math.isnan(tables.budgets.iloc[0]["weight"])
    result = evaluate(tables).to_dict()
    assert result["budget"]["rate"] == 0.8 and result["budget"]["weight"] is None
    assert result["budget"]["score"] is None


def test_the_unweighted_evaluation(written):
    result = evaluate(written(_form(total=88))).to_dict()
    assert result["weighting"] == "unweighted" and result["weighting_label"] == "未加权"
    assert result["total"] is None and result["grade"] is None
    road, people = result["indicators"]
    assert (road["status"], road["achievement"], road["completion_ratio"]) == ("partial", "部分达成", 0.8)
    assert (people["achievement"], people["qualitative_level"]) == ("达成", "达成")
    assert result["budget"]["score"] == 16.0            # 80% × the printed 20
    assert result["reported_score_sum"] == 88.0          # 16 + 32 + 40 = the printed 总分
    codes = [f["code"] for f in result["findings"]]
    assert "UNWEIGHTED_FORM" in codes and "TOTAL_MISMATCH" not in codes
    assert "MISSING_DEVIATION_REASON" in codes           # 部分达成 without a reason


def test_a_weighted_form_stays_weighted(written):
    tables = written(_form(weight_column=True))
    assert tables.units.iloc[0]["weighting"] == "weighted"
    assert list(tables.indicators["weight"]) == [40, 40]
    assert evaluate(tables).to_dict()["total"] is not None


def test_a_report_without_a_table_is_a_budget_only_evaluation(tmp_path):
    """A Word report whose text gives the funds but has no indicator table: the budget alone,
    unweighted (no invented weight, no total); without funds in the text it is still refused."""
    from docx import Document

    from perfnb.errors import InputError

    document = Document()
    for text in ("某县教育局2022年度校舍维修项目绩效自评报告",
                 "一、项目基本情况",
                 "该项目年初预算数为100万元，全年执行数为85万元。"):
        document.add_paragraph(text)
    path = tmp_path / "report.docx"
    document.save(path)
    result = evaluate(load_unit(path)).to_dict()
    assert result["weighting"] == "unweighted" and result["indicators"] == []
    assert result["total"] is None and result["grade"] is None
    assert result["budget"]["rate"] == 0.85 and result["budget"]["score"] is None
    codes = {f["code"]: f["message"] for f in result["findings"]}
    assert "LOW_EXECUTION" in codes
    assert "没有绩效指标表" in codes["UNWEIGHTED_FORM"] and "只评价预算执行" in codes["UNWEIGHTED_FORM"]

    bare = Document()
    bare.add_paragraph("某县教育局2022年度校舍维修项目绩效自评报告")
    bare.save(tmp_path / "bare.docx")
    with pytest.raises(InputError, match="找不到绩效指标表"):
        load_unit(tmp_path / "bare.docx")


def test_a_budget_rate_row_is_the_budget_only_outside_the_output_dimensions():
    # pub21: 预算执行率 under 项目管理 is the budget's weight and score (scored once, from the
    # funds' rate); pub30: 预算执行率 under 产出指标/数量指标 with its own target is an indicator
    from perfnb.reading.blocks import is_budget_indicator
    assert is_budget_indicator("预算执行率", "项目管理")
    assert is_budget_indicator("资金 执行率", "")
    assert not is_budget_indicator("预算执行率", "产出指标")
    assert not is_budget_indicator("预算资金拨款率", "项目管理")


def _budget_row_form(level1: str, target: str = "一") -> Grid:
    """Funds block without a 分值, then a weighted table holding a 预算执行率 row under ``level1``."""
    rows = [
        ["2023年度项目自评表", None, None, None, None, None, None],
        ["项目名称", "乡村道路维护", None, "主管部门", "某县交通运输局", None, None],
        ["预算执行情况（万元）", None, "预算数（A）", "执行数（B）", "执行率（B/A）", None, None],
        ["预算执行情况（万元）", "年度财政资金总额", 100, 80, "80%", None, None],
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        [level1, "投入管理" if level1 == "项目管理" else "数量指标", "预算执行率", target, "80%", 10, 9],
        ["产出指标", "数量指标", "维护道路里程", "≥20公里", "20公里", 90, 90],
    ]
    return Grid("form.xlsx", "Sheet1", rows, {(3, 1): (3, 1), (4, 1): (3, 1)})


def test_a_budget_rate_row_under_management_is_the_budget_scored_once(written):
    tables = written(_budget_row_form("项目管理"))
    assert list(tables.indicators["name"]) == ["维护道路里程"]
    budget = tables.budgets.iloc[0]
    assert (budget["weight"], budget["reported_score"]) == (10, 9)
    result = evaluate(tables)
    totals = result.totals.iloc[0]
    # 80 % of 10 = 8 for the budget, once; 90 for the output: 98 of 100
    assert (totals["weight"], totals["total"]) == (100, 98)
    # shown in the group it is printed in (项目管理, its only item), not as a line of its own
    assert "预算执行率" not in set(result.dimensions["level1"])
    budget_lines = result.dimensions[result.dimensions["level1"] == "项目管理"]
    assert list(budget_lines["weight"]) == [10] and list(budget_lines["score"]) == [8]


def test_a_budget_rate_row_under_outputs_stays_an_indicator(written):
    # pub30: 预算执行率 as a 数量 indicator with its own target; the budget besides it
    tables = written(_budget_row_form("产出指标", target="100%"))
    assert list(tables.indicators["name"]) == ["预算执行率", "维护道路里程"]
    assert math.isnan(tables.budgets.iloc[0]["weight"])
