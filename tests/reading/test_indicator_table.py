"""One indicator-table reader for every grid layout (reading/indicatortable.py).

The official form, 四川's form, our workbook's 绩效指标 sheet and a CSV read a second
header-led block (a 共性 rubric: 分值/自评分/评价标准, no target or actual) the same way; a form
whose printed weights already make 100 gets no default budget item whether it has one block or
several (NO_BUDGET_ITEM); the budget printed as a 预算执行率 row is located on that row and shown
inside the 一级 group it is printed in.
"""
from __future__ import annotations

import math
import re
import textwrap

from openpyxl import load_workbook

from perfnb import evaluate
from perfnb.reading import load_unit
from perfnb.reporting.narrative import render_report, report_context
from perfnb.reporting.terminal import format_text

from tests.reading.test_printed_forms import form, observations, read
from xlsx_builders import CSV_HEADER, build_csv, build_sichuan, build_workbook

RUBRIC_HEADER = ["项目权重", "评价内容", "分值", "自评分", "评价标准"]
RUBRIC_ROWS = [["项目决策 4 分", "决策依据", 4, 4, "有依据得满分"],
               ["项目管理 6 分", "财务制度", 6, 5, "制度健全得满分"]]
# the indicator rows: 一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因
INDICATORS = [("产出指标", "数量指标", "培训人数", "≥100人", "120人", 50, 50, ""),
              ("效益指标", "社会效益指标", "群众知晓率", "≥90%", "45%", 40, 20, "宣传不足")]
FUNDS_HEADER = ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "执行率"]
FUNDS_ROWS = [["", "年度资金总额", 100, 100, 80, "80%"]]


def _summary(result) -> dict:
    """What a reviewer compares: each indicator's reading and score, the dimension lines, the
    budget item and the codes saying how the table was read."""
    data = result.to_dict()
    return {
        "indicators": {i["name"]: (i["level1"], i["weight"], i["reported_score"], i["score"],
                                   i["status"]) for i in data["indicators"]},
        "dimensions": {d["level1"]: (d["weight"], d["score"])
                       for d in result.dimensions.to_dict("records") if d["level1"] != "预算执行率"},
        "budget": (data["budget"]["weight"], data["budget"]["score"]),
        "codes": {c for c in result.findings["code"] if c in ("SECOND_HEADER", "NO_BUDGET_ITEM")},
    }


def _official(rubric_below: bool = False, funds_header=FUNDS_HEADER, funds=FUNDS_ROWS):
    """The official layout: the rubric above (or below) the indicator table."""
    indicators = [list(row) for row in INDICATORS]
    rubric = [RUBRIC_HEADER, *RUBRIC_ROWS]
    if rubric_below:
        g, _ = form([*indicators, [], *rubric], funds_header=funds_header, funds=funds)
    else:
        g, _ = form([*RUBRIC_ROWS, [], ["一级指标", "二级指标", "三级指标", "年度指标值",
                                        "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
                     *indicators], header=RUBRIC_HEADER, funds_header=funds_header, funds=funds)
    return read(g)


def test_the_workbook_reads_a_rubric_block_like_the_official_form(tmp_path):
    path = build_workbook(tmp_path / "wb.xlsx", funds=[("年度资金总额", 100, 100, 80, None, "80%",
                                                       None, None)],
                          indicators=[(l1, l2, name, None, None, target, actual, None, weight,
                                       score, reason or None)
                                      for l1, l2, name, target, actual, weight, score, reason
                                      in INDICATORS], percent_actual_row=None)
    workbook = load_workbook(path)
    sheet = workbook["绩效指标"]
    first = sheet.max_row + 2                      # a blank row, then the rubric block
    for offset, row in enumerate([RUBRIC_HEADER, *RUBRIC_ROWS]):
        for column, value in enumerate(row, start=1):
            sheet.cell(first + offset, column, value)
    workbook.save(path)
    tables = load_unit(path)
    result = evaluate(tables)
    got = _summary(result)
    assert got == _summary(_official(rubric_below=True)[1])
    assert got["indicators"]["财务制度"] == ("项目管理", 6, 5, 0, "missing")
    assert got["codes"] == {"SECOND_HEADER", "NO_BUDGET_ITEM"} and got["budget"] == (None, None)
    (note,) = observations(tables, "SECOND_HEADER")
    assert (note["sheet"], note["row"]) == ("绩效指标", first)


def test_a_csv_reads_a_rubric_block_like_the_official_form(tmp_path):
    rows = [(l1, l2, name, None, None, target, actual, None, weight, score, reason)
            for l1, l2, name, target, actual, weight, score, reason in INDICATORS]
    build_csv(tmp_path / "t.csv", rows=[*rows, [], RUBRIC_HEADER, *RUBRIC_ROWS])
    (tmp_path / "u.yaml").write_text(textwrap.dedent("""\
        unit_id: u1
        data: t.csv
        budget: {initial: 100, adjusted: 100, executed: 80}
        """), encoding="utf-8")
    tables = load_unit(tmp_path / "u.yaml")
    got = _summary(evaluate(tables))
    assert got == _summary(_official(rubric_below=True)[1])
    assert "决策依据" in got["indicators"] and got["codes"] == {"SECOND_HEADER", "NO_BUDGET_ITEM"}
    (note,) = observations(tables, "SECOND_HEADER")
    assert note["row"] == len(rows) + 3               # header line, rows, blank line, rubric


def test_a_budget_weight_given_in_the_unit_yaml_is_the_budget_item(tmp_path):
    rows = [(l1, l2, name, None, None, target, actual, None, weight, score, reason)
            for l1, l2, name, target, actual, weight, score, reason in INDICATORS]
    build_csv(tmp_path / "t.csv", rows=[*rows, [], RUBRIC_HEADER, *RUBRIC_ROWS])
    (tmp_path / "u.yaml").write_text(
        "unit_id: u1\ndata: t.csv\nbudget: {initial: 100, executed: 80, weight: 10}\n",
        encoding="utf-8")
    tables = load_unit(tmp_path / "u.yaml")
    assert tables.units.iloc[0]["budget_item"] is None
    assert not observations(tables, "NO_BUDGET_ITEM")
    assert evaluate(tables).to_dict()["budget"]["weight"] == 10


def test_a_sichuan_form_reads_a_rubric_block_like_the_official_form(tmp_path):
    path = build_sichuan(tmp_path / "sc.xlsx", indicators=[
        (l1, l2, name, None, target, None, actual, weight - 5, min(score, weight - 5), reason or None)
        for l1, l2, name, target, actual, weight, score, reason in INDICATORS])
    workbook = load_workbook(path)
    sheet = workbook.active
    sheet.insert_rows(6, 3)                         # the rubric between funds and indicators
    for offset, row in enumerate([RUBRIC_HEADER, *RUBRIC_ROWS]):
        for column, value in enumerate(row, start=1):
            sheet.cell(6 + offset, column, value)
    workbook.save(path)
    tables = load_unit(path)
    assert tables.units.iloc[0]["layout"] == "sichuan"
    got = _summary(evaluate(tables))
    # the official form with the same parts: rubric 10 + indicators 80 + a printed budget 10
    official = [["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率"],
                [["", "年度资金总额", 100, 100, 80, 10, "80%"]]]
    g, _ = form([*RUBRIC_ROWS, [], ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值",
                                    "分值", "得分", "偏差原因分析及改进措施"],
                 *[[l1, l2, name, target, actual, weight - 5, min(score, weight - 5), reason]
                   for l1, l2, name, target, actual, weight, score, reason in INDICATORS]],
                header=RUBRIC_HEADER, funds_header=official[0], funds=official[1])
    expected = _summary(read(g)[1])
    assert got["indicators"] == expected["indicators"]
    assert got["dimensions"] == expected["dimensions"]
    assert got["codes"] == expected["codes"] == {"SECOND_HEADER"}
    assert got["budget"][0] == 10


# -- the budget item of a single block ---------------------------------------------------------

def test_a_single_block_whose_weights_make_100_leaves_no_default_budget_item():
    # no budget weight printed anywhere; the indicators' 分值 already make 100
    g, header_row = form([["产出指标", "数量指标", "培训人数", "≥100人", "120人", 60, 60, ""],
                          ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, ""],
                          ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]],
                         funds_header=FUNDS_HEADER, funds=FUNDS_ROWS)
    tables, result = read(g)
    data = result.to_dict()
    assert math.isclose(data["budget"]["rate"], 0.8)
    assert data["budget"]["weight"] is None and data["budget"]["score"] is None
    assert data["total"] == 100 and data["weight_total"] == 100
    assert "WEIGHT_ROLLUP" not in set(result.findings["code"])      # was 110 against 100
    (note,) = observations(tables, "NO_BUDGET_ITEM")
    assert note["row"] == header_row and note["fields"]["parts"] == "60 + 30 + 10"
    finding = result.findings[result.findings["code"] == "NO_BUDGET_ITEM"].iloc[0]
    assert finding["row"] == header_row and "60 + 30 + 10" in finding["message"]


def test_a_single_block_whose_label_weights_make_100_leaves_no_default_budget_item():
    # no 分值 column: the weights stand in the 一级/二级 labels ('产出指标（50分）')
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "得分"]
    g, _ = form([["产出指标（60分）", "数量指标（60分）", "培训人数", "≥100人", "120人", 60],
                 ["效益指标（40分）", "社会效益指标（40分）", "群众知晓率", "≥90%", "95%", 40]],
                header=header, funds_header=FUNDS_HEADER, funds=FUNDS_ROWS)
    tables, result = read(g)
    assert observations(tables, "WEIGHT_FROM_LABEL")
    data = result.to_dict()
    assert data["budget"]["weight"] is None and data["total"] == 100
    (note,) = observations(tables, "NO_BUDGET_ITEM")
    assert note["fields"]["parts"] == "60 + 40"


def test_a_single_block_short_of_100_or_a_printed_budget_weight_keeps_the_budget_item():
    rows = [["产出指标", "数量指标", "培训人数", "≥100人", "120人", 50, 50, ""],
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 40, 40, ""]]
    tables, result = read(form(rows, funds_header=FUNDS_HEADER, funds=FUNDS_ROWS)[0])
    assert not observations(tables, "NO_BUDGET_ITEM")
    assert result.to_dict()["budget"]["weight"] == 10 and result.to_dict()["total"] == 98
    # the official funds block prints 分值 10: the budget item is the form's own
    rows = [["产出指标", "数量指标", "培训人数", "≥100人", "120人", 60, 60, ""],
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 40, 40, ""]]
    tables, result = read(form(rows)[0])
    assert not observations(tables, "NO_BUDGET_ITEM")
    assert "WEIGHT_ROLLUP" in set(result.findings["code"])           # 100 + 10


# -- the budget printed as a 预算执行率 row inside an 一级 group (pub21) --------------------------

def _budget_in_management(reported_budget_score=9):
    rows = [["项目管理（25分）", "投入管理", "预算执行率", "一", "80%", 10, reported_budget_score, ""],
            ["项目管理（25分）", "财务管理", "财务制度有效性", "健全", "健全", 15, 15, ""],
            ["产出指标", "数量指标", "培训人数", "≥100人", "120人", 45, 45, ""],
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, ""]]
    return form(rows, funds_header=FUNDS_HEADER, funds=FUNDS_ROWS)


def test_a_budget_mismatch_is_located_on_the_row_the_score_was_read_from():
    g, header_row = _budget_in_management(reported_budget_score=9)
    tables, result = read(g)
    budget = tables.budgets.iloc[0]
    assert budget["row"] == 5 and budget["score_row"] == header_row + 1
    finding = result.findings[result.findings["code"] == "BUDGET_MISMATCH"]
    (row,) = finding.to_dict("records")
    assert row["row"] == header_row + 1 and row["column"] == "得分"   # not the funds line (row 5)
    assert "9 分" in row["message"] and "8 分" in row["message"]


def test_a_budget_printed_inside_a_group_is_shown_in_that_group_and_scored_once():
    g, _ = _budget_in_management(reported_budget_score=8)
    tables, result = read(g)
    assert tables.budgets.iloc[0]["item_level1"] == "项目管理"
    dimensions = {d["level1"]: (d["weight"], d["score"])
                  for d in result.dimensions.to_dict("records")}
    # 15 of the group's indicator + the budget's 10 (80 % executed: 8); no line of its own
    assert dimensions == {"产出指标": (45, 45), "效益指标": (30, 30), "项目管理": (25, 23)}
    data = result.to_dict()
    assert (data["budget"]["weight"], data["budget"]["score"]) == (10, 8)
    assert data["total"] == 98 and data["weight_total"] == 100           # the budget once
    # the group's printed 25 points are its items' 15 + the budget's 10: no roll-up finding
    assert "WEIGHT_ROLLUP" not in set(result.findings["code"])
    assert "预算执行率" not in format_text(result).split("二级指标")[0]
    context = report_context(result)
    shown = {d["name"]: (d["weight"], d["score"]) for d in context["dimensions"]}
    assert shown["项目管理"] == (25, 23) and context["budget"]["score"] == 8
    # the report says where the budget's points went, so they are not read as extra points
    text = re.sub(r"<[^>]+>", "", render_report(result))
    assert "得分 8/10 分（计入项目管理）" in text and "项目管理得分 23/25 分" in text


# -- OVER_ACHIEVEMENT does not depend on weights ---------------------------------------------

def test_over_achievement_is_reported_on_an_unweighted_form_as_on_a_weighted_one():
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "得分",
              "偏差原因分析及改进措施"]
    rows = [["产出指标", "数量指标", "医疗收入", "5亿元", "6.5亿元", 10, ""],      # 130 %
            ["产出指标", "数量指标", "门诊人次", "≥10万人次", "12.9万人次", 10, ""]]  # 129 %
    tables, result = read(form(rows, header=header, funds_header=FUNDS_HEADER,
                               funds=FUNDS_ROWS)[0])
    assert tables.units.iloc[0]["weighting"] == "unweighted"
    over = result.findings[result.findings["code"] == "OVER_ACHIEVEMENT"]
    assert list(over["indicator"]) == ["医疗收入"]
    weighted = [row[:5] + [50] + row[5:] for row in rows]
    _, result = read(form(weighted, header=header[:5] + ["分值"] + header[5:],
                          funds_header=FUNDS_HEADER, funds=FUNDS_ROWS)[0])
    assert list(result.findings[result.findings["code"] == "OVER_ACHIEVEMENT"]["indicator"]) == \
        ["医疗收入"]


def test_a_group_holding_only_the_budget_is_a_line_of_that_group_in_tables_and_report():
    g, _ = form([["项目管理（10分）", "投入管理", "预算执行率", "一", "80%", 10, 8, ""],
                 ["产出指标", "数量指标", "培训人数", "≥100人", "120人", 60, 60, ""],
                 ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, ""]],
                funds_header=FUNDS_HEADER, funds=FUNDS_ROWS)
    _, result = read(g)
    dimensions = {d["level1"]: (d["weight"], d["score"])
                  for d in result.dimensions.to_dict("records")}
    assert dimensions == {"项目管理": (10, 8), "产出指标": (60, 60), "效益指标": (30, 30)}
    assert "WEIGHT_ROLLUP" not in set(result.findings["code"])
    shown = {d["name"]: (d["weight"], d["score"], d["count"])
             for d in report_context(result)["dimensions"]}
    assert shown["项目管理"] == (10, 8, 0)
