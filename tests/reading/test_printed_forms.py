"""Each phenomenon of published forms on a small form of its own (issue 9, item 1).

The forms are built as grids (what every reader turns a sheet, a Word table or a PDF table
into), laid out as printed: a header block, the funds block, the indicator table.  One test per
phenomenon; tests/reading/test_real_forms.py has the whole published forms.
"""
from __future__ import annotations


import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfnb import evaluate
from perfnb.errors import InputError
from perfnb.reading import load_unit
from perfnb.reading.assemble import check_unit, raise_errors, to_tables
from perfnb.reading.blocks import find_indicator_header
from perfnb.reading.official import read_form
from perfnb.reading.sheets import Grid
from perfnb.reading.values import department_name, parse_value

FUNDS_HEADER = ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
FUNDS_ROWS = [["", "年度资金总额", 100, 100, 95, 10, "95%", 9.5],
              ["", "其中：当年财政拨款", 100, 100, 95, "", "", ""]]
HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
          "偏差原因分析及改进措施"]


def grid(rows: list[list], merges: list[tuple[int, int, int, int]] = ()) -> Grid:
    """A grid of ``rows`` (1-based merges (top, left, bottom, right) fill their range)."""
    width = max(len(row) for row in rows)
    values = [[(None if cell == "" else cell) for cell in row] + [None] * (width - len(row))
              for row in rows]
    anchor = {}
    for top, left, bottom, right in merges:
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                values[r - 1][c - 1] = values[top - 1][left - 1]
                anchor[(r, c)] = (top, left)
    return Grid("表.xlsx", "自评表", values, anchor)


def form(indicator_rows: list[list], header: list | None = None, funds: list[list] | None = None,
         funds_header: list | None = None, extra_header: list | None = None,
         merges=(), title="项目支出绩效自评表") -> tuple[Grid, int]:
    """A printed form; returns the grid and the row of the indicator header."""
    rows = [[title], ["项目名称", "测试项目"], ["主管部门", "某某局", "", "实施单位", "某某中心"],
            funds_header or FUNDS_HEADER, *(funds if funds is not None else FUNDS_ROWS),
            header or HEADER]
    if extra_header:
        rows.append(extra_header)
    start = len(rows)             # the (last) header row; indicators start below it
    rows += indicator_rows
    return grid(rows, list(merges)), start


def read(g: Grid):
    header = find_indicator_header(g)
    assert header is not None, "no indicator header found"
    loaded = read_form(g, "official", header)
    check_unit(loaded, g.file)
    raise_errors(loaded.errors)
    tables = to_tables(loaded, "u1")
    return tables, evaluate(tables)


def indicators(result) -> dict[str, dict]:
    return {i["name"]: i for i in result.to_dict()["indicators"]}


def observations(tables, code: str) -> list[dict]:
    frame = tables.observations
    return [dict(row) for _, row in frame[frame["code"] == code].iterrows()]


BASIC = [["产出指标", "数量指标", "培训人数", "≥100人", "120人", 50, 50, ""],
         ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, ""],
         ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]


# --- headers ---------------------------------------------------------------------------------

def test_header_over_two_rows_target_group_and_score_group():
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "", "", "实际完成值", "分值", "得分", "",
              "偏差原因分析及改进措施"]
    sub = ["", "", "", "指标性质", "指标值", "度量单位", "", "", "自评", "复核", ""]
    rows = [["产出指标", "数量指标", "培训人数", "≥", 100, "人", 120, 50, 50, 48, ""],
            ["效益指标", "社会效益指标", "群众知晓率", "≥", 90, "%", 95, 30, 30, 30, ""],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥", 90, "%", 80, 10, 8, 8, "宣传不足"]]
    g, start = form(rows, header=header, extra_header=sub)
    hr = start - 1  # the first header row
    merges = [(hr, 4, hr, 6), (hr, 9, hr, 10)] + [(hr, c, hr + 1, c) for c in (1, 2, 3, 7, 8, 11)]
    g = grid([list(r) for r in _rows_of(g)], merges)
    tables, result = read(g)
    got = indicators(result)
    assert got["培训人数"]["operator"] == ">=" and got["培训人数"]["target"] == 100
    assert got["培训人数"]["unit"] == "人" and got["培训人数"]["reported_score"] == 50  # 自评, not 复核
    assert got["满意度"]["score"] == pytest.approx(8.89) and got["满意度"]["deviation_reason"] == "宣传不足"
    extra = tables.indicators.set_index("name").loc["培训人数", "extra"]
    assert extra == {"review_score": "48"}      # 复核 kept as printed, not read as data


def _rows_of(g: Grid) -> list[list]:
    return [[("" if v is None else v) for v in row] for row in g.values]


def test_column_order_and_extra_columns_are_kept_not_read_as_data():
    header = ["一级指标", "二级指标", "三级指标", "分值", "年度指标值", "全年实际值", "得分",
              "未完成原因及拟采取的改进措施", "得分计算方法"]
    rows = [["产出指标", "数量指标", "培训人数", 50, "≥100人", "80人", 40, "场地不足", "完成值÷指标值×分值"],
            ["效益指标", "社会效益指标", "群众知晓率", 30, "≥90%", "95%", 30, "", ""],
            ["满意度指标", "服务对象满意度指标", "满意度", 10, "≥90%", "92%", 10, "", ""]]
    tables, result = read(form(rows, header=header)[0])
    got = indicators(result)
    assert got["培训人数"]["weight"] == 50 and got["培训人数"]["score"] == 40
    assert got["培训人数"]["deviation_reason"] == "场地不足"   # 未完成原因及拟采取的改进措施
    extra = tables.indicators.set_index("name").loc["培训人数", "extra"]
    assert extra == {"scoring_method": "完成值÷指标值×分值"}
    assert not observations(tables, "UNKNOWN_COLUMN")


@pytest.mark.parametrize("target, actual", [("目标值", "实际值"), ("指标值（A）", "实际完成值（B）"),
                                            ("年度指标值", "完成值"), ("预期指标值", "全年实际值")])
def test_header_synonyms(target, actual):
    header = ["一级指标", "二级指标", "三级指标", target, actual, "分值", "得分", "偏差原因分析及改进措施"]
    _, result = read(form(BASIC, header=header)[0])
    assert result.to_dict()["total"] == pytest.approx(99.5)


def test_funds_synonyms_without_initial_budget():
    funds_header = ["资金情况（万元）", "", "全年预算数（A）", "全年执行数（B）", "分值", "执行率（B/A）", "得分"]
    funds = [["", "年度资金总额：", 80, 76, 10, "95.0%", 9.5]]
    _, result = read(form(BASIC, funds=funds, funds_header=funds_header)[0])
    budget = result.to_dict()["budget"]
    assert (budget["initial"], budget["adjusted"], budget["executed"]) == (None, 80, 76)
    assert budget["rate"] == 0.95 and budget["score"] == 9.5 and budget["reported_rate"] == 0.95


def test_unknown_header_is_reported_never_silently_dropped():
    header = HEADER + ["佐证材料"]
    rows = [row + ["见附件"] for row in BASIC]
    tables, result = read(form(rows, header=header)[0])
    unknown = observations(tables, "UNKNOWN_COLUMN")
    assert [o["fields"]["header"] for o in unknown] == ["佐证材料"]
    codes = set(result.findings["code"])
    assert "UNKNOWN_COLUMN" in codes



def test_a_blank_header_value_is_blank_not_the_next_label():
    g, _ = form(BASIC)
    g.values[2][1] = None          # 主管部门 printed blank: the cell to its right is 实施单位's label
    tables, _ = read(g)
    unit = tables.units.iloc[0]
    assert unit["department"] in (None, "") and unit["implementing_unit"] == "某某中心"


def test_flat_indicator_list_without_levels_and_its_extra_columns():
    # 重庆's 部门整体 form: no 一级/二级/三级 columns, an adjusted target, a score coefficient
    header = ["指标名称", "计量单位", "指标性质", "年初指标值", "调整指标值", "全年完成值",
              "得分系数（%）", "指标权重（分）", "指标得分（分）", "是否核心指标"]
    rows = [["政府采购执行率", "%", "定量指标", "100%", "", "72.74%", "100%", 40, 40, "是"],
            ["资金使用合规性", "", "定性指标", "好", "", "好", "100%", 30, 30, "否"],
            ["播发稿件数量", "篇", "定量指标", "2200篇", "", "2859篇", "100%", 20, 20, "是"]]
    tables, result = read(form(rows, header=header)[0])
    got = indicators(result)
    assert list(got) == ["政府采购执行率", "资金使用合规性", "播发稿件数量"]
    assert got["政府采购执行率"]["score"] == pytest.approx(29.10)     # 72.74 ÷ 100 × 40
    assert got["政府采购执行率"]["reported_score"] == 40                # 指标得分, not 得分系数
    assert got["资金使用合规性"]["kind"] == "qualitative" and got["资金使用合规性"]["score"] == 30
    extra = tables.indicators.set_index("name").loc["政府采购执行率", "extra"]
    assert extra == {"score_coefficient": "100%", "core_indicator": "是"}
    assert not observations(tables, "UNKNOWN_COLUMN")


FLAT_HEADER = ["指标名称", "计量单位", "年初指标值", "全年完成值", "指标权重（分）", "指标得分（分）"]


def test_flat_list_dimensions_are_inferred_from_names_else_a_named_catch_all():
    rows = [["政府采购执行率", "%", "100%", "72.74%", 40, 40],
            ["播发稿件数量", "篇", "2200篇", "2859篇", 20, 20],
            ["服务对象满意度", "%", "≥90%", "95%", 10, 10],
            ["资金使用合规性", "", "好", "好", 20, 20],
            ["社会效益与群众满意度", "%", "100%", "100%", 10, 10]]   # two dimensions named: not guessed
    tables, result = read(form(rows, header=FLAT_HEADER)[0])
    data = result.to_dict()
    assert [i["level1"] for i in data["indicators"]] == [
        "未分级指标", "产出指标", "满意度指标", "未分级指标", "未分级指标"]
    dimensions = {d["name"]: d["weight"] for d in data["dimensions"]}
    assert "" not in dimensions
    assert dimensions["未分级指标"] == 70 and dimensions["产出指标"] == 20
    [seen] = observations(tables, "LEVEL1_INFERRED")
    assert seen["fields"]["note"] == "指标表没有“一级指标”列"
    [finding] = result.findings[result.findings["code"] == "LEVEL1_INFERRED"].itertuples()
    assert finding.severity == "info"
    assert "“播发稿件数量”按指标名称归入产出指标" in finding.message
    assert "其余 3 项归为“未分级指标”" in finding.message
    assert data["total"] == pytest.approx(data["budget"]["score"] + 29.10 + 20 + 10 + 20 + 10)


def test_dimensions_given_by_the_form_are_not_inferred():
    tables, result = read(form(BASIC)[0])
    assert not observations(tables, "LEVEL1_INFERRED")
    assert "LEVEL1_INFERRED" not in set(result.findings["code"])


def test_blank_level1_without_level2_is_inferred_and_said_so():
    rows = [["", "", "服务对象满意度", "≥90%", "95%", 10, 10, ""],
            ["产出指标", "数量指标", "培训人数", "≥100人", "120人", 80, 80, ""]]
    tables, result = read(form(rows)[0])
    assert [i["level1"] for i in result.to_dict()["indicators"]] == ["满意度指标", "产出指标"]
    [seen] = observations(tables, "LEVEL1_INFERRED")
    assert "1 项指标的一级指标为空" in seen["fields"]["note"]

# --- labels ----------------------------------------------------------------------------------

def test_labels_with_spaces_line_breaks_and_weights_inside():
    rows = [["产 出 指 标（50分）", "数量\n指标", "培训人数", "≥100人", "120人", 40, 40, ""],
            ["", "", "培训场次", "≥10场", "10场", 10, 10, ""],
            ["效 益 指 标(30分)", "社会效益\n指标", "群众知晓率", "≥90%", "95%", 30, 30, ""],
            ["满意度\n指标（10分）", "服务对象\n满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]
    tables, result = read(form(rows, merges=[(8, 1, 9, 1), (8, 2, 9, 2)])[0])
    got = indicators(result)
    assert {i["level1"] for i in got.values()} == {"产出指标", "效益指标", "满意度指标"}
    assert got["培训场次"]["level1"] == "产出指标" and got["培训场次"]["level2"] == "数量指标"
    reported = tables.reported.set_index("level1")["weight"].to_dict()
    assert reported == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}
    assert "WEIGHT_ROLLUP" not in set(result.findings["code"])


def test_weight_in_label_checks_the_rollup():
    rows = [["产出指标（60分）", "数量指标", "培训人数", "≥100人", "120人", 50, 50, ""],
            ["效益指标（30分）", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, ""],
            ["满意度指标（10分）", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]
    _, result = read(form(rows)[0])
    rollup = result.findings[result.findings["code"] == "WEIGHT_ROLLUP"]
    assert any("产出指标" in m and "60" in m for m in rollup["message"])


def test_level1_cell_with_only_a_weight_takes_the_dimension_from_level2():
    rows = [["（50分）", "数量指标", "培训人数", "≥100人", "120人", 50, 50, ""],
            ["（30分）", "经济效益 指标", "增收", "≥5万元", "6万元", 30, 30, ""],
            ["", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]
    _, result = read(form(rows)[0])
    assert [i["level1"] for i in result.to_dict()["indicators"]] == ["产出指标", "效益指标", "满意度指标"]


def test_level1_printed_again_lower_down_and_效果指标():
    rows = [["产出指标", "数量指标", "培训人数", "≥100人", "120人", 25, 25, ""],
            ["效果指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, ""],
            ["产出指标", "质量指标", "合格率", "≥90%", "95%", 25, 25, ""],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]
    _, result = read(form(rows)[0])
    dims = {d["name"]: d["weight"] for d in result.to_dict()["dimensions"]}
    assert dims == {"预算执行率": 10, "产出指标": 50, "效益指标": 30, "满意度指标": 10}


def test_department_codes_kept_for_display_ignored_for_grouping():
    rows = [[r for r in row] for row in BASIC]
    g, _ = form(rows)
    g.values[2][1] = "219-池州市贵池区棠溪镇人民政府"
    tables, _ = read(g)
    assert tables.units["department"].iloc[0] == "219-池州市贵池区棠溪镇人民政府"
    for printed in ("219-池州市贵池区棠溪镇人民政府", "[155]池州市贵池区棠溪镇人民政府",
                    "池州市贵池区棠溪镇人民政府"):
        assert department_name(printed) == "池州市贵池区棠溪镇人民政府"


# --- rows that are not indicators ------------------------------------------------------------

def test_placeholder_label_only_empty_and_sub_rows_are_skipped_and_noted():
    rows = [["产出指标", "数量指标", "培训人数", "≥100人", "120人", 40, 40, ""],
            ["", "", "其中：线上培训", "≥50人", "60人", "", "", ""],     # unscored 其中 sub-row
            ["", "", "指标2", "", "", "", "", ""],                         # template placeholder
            ["", "质量指标", "", "", "", "", "", ""],                      # label-only row
            ["", "", "合格率", "≥90%", "95%", 10, 10, ""],
            ["", "", "……", "", "", "", "", ""],
            ["", "-", "-", "", "", "", "", ""],
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, ""],
            ["", "生态效益指标", "", "", "", "", "", ""],                  # an empty 二级 row
            ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]
    tables, result = read(form(rows)[0])
    assert list(indicators(result)) == ["培训人数", "合格率", "群众知晓率", "满意度"]
    skipped = observations(tables, "SKIPPED_ROW")
    assert len(skipped) == 6
    reasons = [o["fields"]["reason"] for o in skipped]
    assert "模板占位行" in reasons and any("其中" in r for r in reasons)
    assert all(o["row"] and o["sheet"] == "自评表" for o in skipped)
    findings = result.findings[result.findings["code"] == "SKIPPED_ROW"]
    assert len(findings) == 6 and set(findings["severity"]) == {"info"}



def test_template_numbering_left_without_an_indicator_is_a_placeholder():
    rows = [["产出指标", "数量指标", "指标1：培训人数", "≥100人", "120人", 50, 50, ""],
            ["", "", "指标2：", "", "", "", "", ""],
            ["", "", "指标3:……", "", "", "", "", ""],
            ["效益指标", "生态效益指标", "指标1：/", "/", "/", "", "", ""],
            ["", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, ""],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]
    tables, result = read(form(rows)[0])
    assert list(indicators(result)) == ["指标1：培训人数", "群众知晓率", "满意度"]
    reasons = [o["fields"]["reason"] for o in observations(tables, "SKIPPED_ROW")]
    assert reasons[:2] == ["模板占位行", "模板占位行"] and len(reasons) == 3


def test_a_scored_row_without_target_and_actual_names_both_and_the_unchecked_score():
    rows = [["产出指标", "质量指标", "指标1：工程质量合格", "", "", 50, 50, ""]] + BASIC[1:]
    _, result = read(form(rows)[0])
    got = indicators(result)["指标1：工程质量合格"]
    assert got["score"] == 0 and got["reported_score"] == 50
    missing = result.findings[result.findings["code"] == "MISSING_VALUE"]
    assert len(missing) == 1                       # one message for the row, not one per cell
    message = missing["message"].iloc[0]
    assert "年度指标值和实际完成值均为空" in message and "50 分" in message

def test_a_row_with_only_a_name_is_skipped_not_refused():
    rows = BASIC + [["", "", "受益农户满意度", "", "", "", "", ""]]
    tables, result = read(form(rows)[0])
    assert "受益农户满意度" not in indicators(result)
    assert len(observations(tables, "SKIPPED_ROW")) == 1


def test_unfilled_form_is_one_message():
    rows = [[*row[:4], "", row[5], "", ""] for row in BASIC]
    with pytest.raises(InputError) as excinfo:
        read(form(rows)[0])
    assert "尚未填写实际完成值和得分" in str(excinfo.value)
    assert "\n" not in str(excinfo.value)


# --- values ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, operator", [
    ("≥95%", ">="), ("≧95%", ">="), (">=95%", ">="), ("=>95", ">="), ("不低于95%", ">="),
    ("不少于95%", ">="), ("大于等于95%", ">="), ("≤95", "<="), ("≦95", "<="), ("=<95", "<="),
    ("<=95", "<="), ("不超过95万元", "<="), ("不高于95", "<="), ("不大于95", "<="), ("＝100%", "="),
    ("═100%", "="), ("﹦100", "="), ("=100%", "="), ("＞5", ">"), ("＜5", "<"), ("3天以内", "<="),
    ("95%以上", ">=")])
def test_operators_as_departments_type_them(text, operator):
    parsed = parse_value(text)
    assert parsed.operator == operator and parsed.number is not None and parsed.problem is None


def test_operator_like_text_inside_a_name_is_no_operator():
    parsed = parse_value("培训(≥**人)")
    assert parsed.operator is None and parsed.problem is None


def test_bare_number_target_is_forward_unless_a_cost_ceiling():
    rows = [["产出指标", "数量指标", "培训人数", 100, 120, 40, 40, ""],
            ["", "成本指标", "项目成本", 50, 48, 10, 10, ""],
            ["效益指标", "社会效益指标", "群众知晓率", "90%", "95%", 30, 30, ""],
            ["满意度指标", "服务对象满意度指标", "满意度", "90%", "92%", 10, 10, ""]]
    _, result = read(form(rows)[0])
    got = indicators(result)
    assert got["培训人数"]["operator"] == ">=" and got["项目成本"]["operator"] == "<="



def test_rates_that_are_limits_are_ceilings_when_the_target_has_no_operator():
    rows = [["产出指标", "数量指标", "预算调整率", "3%", "0", 10, 10, ""],
            ["", "", "结转结余率", "2%", "1.5%", 10, 10, ""],
            ["", "", "公用经费控制率", "100%", "97%", 10, 10, ""],
            ["", "质量指标", "验收合格率", "100%", "97%", 20, 19.4, ""],
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, ""],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]
    _, result = read(form(rows)[0])
    got = indicators(result)
    for name in ("预算调整率", "结转结余率", "公用经费控制率"):
        assert got[name]["operator"] == "<=" and got[name]["status"] == "met", name
    assert got["验收合格率"]["operator"] == ">=" and got["验收合格率"]["score"] == 19.4


def test_an_unreadable_kind_label_is_noted_and_the_value_decides():
    header = ["一级指标", "二级指标", "三级指标", "指标性质", "年度指标值", "实际完成值", "分值", "得分",
              "偏差原因分析及改进措施"]
    rows = [["产出指标", "质量指标", "管理制度健全性", "性标定指", "高", "高", 50, 50, ""],
            ["效益指标", "社会效益指标", "群众知晓率", "定量指标", "≥90%", "95%", 30, 30, ""],
            ["满意度指标", "服务对象满意度指标", "满意度", "定量", "≥90%", "92%", 10, 10, ""]]
    tables, result = read(form(rows, header=header)[0])
    got = indicators(result)
    assert got["管理制度健全性"]["kind"] == "qualitative" and got["管理制度健全性"]["score"] == 50
    noted = observations(tables, "UNKNOWN_KIND")
    assert [o["fields"]["text"] for o in noted] == ["性标定指"]
    found = result.findings[result.findings["code"] == "UNKNOWN_KIND"]
    assert list(found["indicator"]) == ["管理制度健全性"] and set(found["severity"]) == {"warning"}

def test_sentences_and_qualitative_pairs():
    rows = [["产出指标", "质量指标", "审批规范性", "严格执行相关制度规定", "严格执行相关制度规定", 10, 10, ""],
            ["", "", "资格合规性", "合规", "达成预期指标", 10, 10, ""],
            ["", "", "资料完整性", "完整", "是", 10, 10, ""],
            ["", "", "管理有效性", "有效", "有效", 10, 10, ""],
            ["", "时效指标", "到位及时性", "及时", "已完成", 10, 10, ""],
            ["效益指标", "社会效益指标", "宣传效果", "效果明显", "基本完成", 30, 22, "宣传覆盖不足"],
            ["满意度指标", "服务对象满意度指标", "群众评价", "群众满意", "群众比较认可", 10, None, ""]]
    _, result = read(form(rows)[0])
    got = indicators(result)
    for name in ("审批规范性", "资格合规性", "资料完整性", "管理有效性", "到位及时性"):
        assert got[name]["kind"] == "qualitative" and got[name]["status"] == "met", name
    assert got["宣传效果"]["status"] == "partial" and got["宣传效果"]["score"] == 22  # in its band
    # both texts there: never "missing", scored (presumed 达成 with no score of the unit's own)
    assert got["群众评价"]["status"] != "missing" and got["群众评价"]["score"] == 10
    presumed = result.findings[result.findings["code"] == "QUALITATIVE_PRESUMED"]
    assert list(presumed["indicator"]) == ["群众评价"]      # the presumption is shown, not hidden


def test_actual_written_as_a_target_is_read_with_a_warning():
    rows = [["产出指标", "数量指标", "安装水标尺", "≥266米", "≥266米", 50, 50, ""]] + BASIC[1:]
    tables, result = read(form(rows)[0])
    assert indicators(result)["安装水标尺"]["actual"] == 266
    noted = observations(tables, "ACTUAL_AS_TARGET")
    assert len(noted) == 1 and noted[0]["fields"]["text"] == "≥266米"
    assert "ACTUAL_AS_TARGET" in set(result.findings["code"])


def test_deadlines_are_compared_as_dates():
    rows = [["产出指标", "时效指标", "完工时限", "2023年12月", "2023年10月", 20, 20, ""],
            ["", "", "验收时间", "9月前", "7月", 15, 15, ""],
            ["", "", "拨付时间", "2023年6月", "2023年9月", 15, 0, "审批延误"],
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, ""],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]
    _, result = read(form(rows)[0])
    got = indicators(result)
    assert got["完工时限"]["status"] == "met" and got["验收时间"]["status"] == "met"
    assert got["拨付时间"]["status"] == "unmet"        # three months late


def test_units_percent_words_compound_units_and_yuan():
    rows = [["产出指标", "数量指标", "覆盖率", "≥95", "98", 40, 40, ""],
            ["", "成本指标", "人均补助", "≤300元/人·月", "280元/人·月", 10, 10, ""],
            ["效益指标", "社会效益指标", "服务人次", "≥500人次", "520人次", 30, 30, ""],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
              "偏差原因分析及改进措施"]
    g, _ = form(rows, header=header,
                funds_header=["项目资金（元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
                funds=[["", "年度资金总额", 1000000, 1000000, 950000, 10, "95%", 9.5]])
    _, result = read(g)
    got = indicators(result)
    assert got["人均补助"]["unit"] == "元/人·月" and got["人均补助"]["operator"] == "<="
    assert got["服务人次"]["unit"] == "人次"
    budget = result.to_dict()["budget"]
    assert (budget["adjusted"], budget["executed"]) == (100, 95)   # 元 shown in 万元
    assert parse_value("98%(百分比)").unit == "%"


@pytest.mark.parametrize("rate, expected", [("95.8%", 0.958), (0.958, 0.958), (95.8, 0.958)])
def test_execution_rate_written_three_ways(rate, expected):
    funds = [["", "年度资金总额", 100, 100, 95.8, 20, rate, 19.16]]
    _, result = read(form(BASIC, funds=funds)[0])
    budget = result.to_dict()["budget"]
    assert budget["reported_rate"] == pytest.approx(expected) and budget["weight"] == 20
    assert "BUDGET_MISMATCH" not in set(result.findings["code"])


def test_funds_total_left_at_zero_scores_from_its_parts():
    funds = [["", "年度资金总额：", 0, 0, 0, 10, 0, 0],
             ["", "其中：本年财政拨款", 202.64, 132.912, 132.912, "", "", ""],
             ["", "上年结转资金", "", "", "", "", "", ""]]
    tables, result = read(form(BASIC, funds=funds)[0])
    budget = result.to_dict()["budget"]
    assert (budget["initial"], budget["adjusted"], budget["executed"]) == (202.64, 132.91, 132.91)
    assert budget["score"] == 10
    assert "FUNDS_TOTAL_MISMATCH" in set(result.findings["code"])
    assert tables.budget_lines.loc[tables.budget_lines["is_total"], "executed"].iloc[0] == 0



def test_funds_line_with_only_its_rate_and_score_keeps_what_was_reported():
    funds_header = ["部门预算执行情况（万元）", "", "年初预算数", "全年（调整）预算数", "全年执行数",
                    "执行率（%）", "执行率权重", "执行率得分（分）"]
    funds = [["", "", "", "", "", "76%", 10, 7.6]]      # the amounts left blank
    _, result = read(form(BASIC, funds=funds, funds_header=funds_header)[0])
    budget = result.to_dict()["budget"]
    assert (budget["reported_rate"], budget["reported_score"], budget["weight"]) == (0.76, 7.6, 10)
    codes = set(result.findings["code"])
    assert "MISSING_VALUE" in codes and "BUDGET_MISMATCH" not in codes


def test_funds_sub_rows_repeating_weight_and_score_are_not_budget_scores():
    # 贵州's 部门整体 form: 基本支出 and 项目支出 lines each print 分值 10 / 得分 10 again
    funds_header = ["部门（单位）总体资金（万元）", "资金来源", "年初预算数（A）", "全年执行数（B）",
                    "分值（10分）", "得分", "得分计算方法"]
    funds = [["", "年度资金总额：", 1172.55, 1268.72, 10, 10, "执行率*该指标分值，最高不得超过分值上限。"],
             ["", "基本支出", 985.19, 914.97, 10, 10, ""],
             ["", "项目支出", 187.36, 353.75, 10, 10, ""]]
    tables, result = read(form(BASIC, funds=funds, funds_header=funds_header)[0])
    data = result.to_dict()
    assert data["budget"]["rate"] == pytest.approx(1.082) and data["budget"]["score"] == 10
    assert data["total"] == 100             # 10 + 50 + 30 + 10: one budget score, not three
    lines = tables.budget_lines
    assert list(lines["label"]) == ["年度资金总额", "基本支出", "项目支出"]
    assert list(lines["is_total"]) == [True, False, False]

@pytest.mark.parametrize("blank", ["/", "—", "-", "无", "——"])
def test_dashes_in_number_cells_are_blanks(blank):
    funds = [["", "年度资金总额", blank, 100, 95, 10, "95%", 9.5]]
    _, result = read(form(BASIC, funds=funds)[0])
    assert result.to_dict()["budget"]["initial"] is None


def test_a_number_out_of_range_is_a_clear_error():
    rows = [["产出指标", "数量指标", "培训人数", "≥100人", "1e400", 50, 50, ""]] + BASIC[1:]
    tables, _ = read(form(rows)[0])
    noted = observations(tables, "VALUE_NOT_READ")
    assert len(noted) == 1
    message = noted[0]["fields"]["problem"]
    assert "1e400" in message and "超出" in message and noted[0]["row"] == 8
    assert noted[0]["fields"]["effect"] == "该项按缺少数据计分"


def test_a_typed_target_written_as_a_formula_is_its_text(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "自评表"
    g, _ = form(BASIC)
    for r, row in enumerate(g.values, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(r, c, value)
    sheet.cell(8, 4).value = "=4万元"            # written by a program: a formula, no cached value
    sheet.cell(8, 4).data_type = "f"
    path = tmp_path / "formula.xlsx"
    book.save(path)
    tables = load_unit(path)
    assert tables.indicators.loc[0, "target_text"] == "=4万元"
    assert tables.indicators.loc[0, "target"] == 4


# --- reading does not depend on row order or punctuation width -------------------------------

ORDERED = [["产出指标", "数量指标", "培训人数（人）", "≥100人", "120人", 10, 10, ""],
           ["", "", "培训场次：线下", "≥10场", "8场", 10, 8, "场地不足，延期"],
           ["", "", "发放手册", "≥500册", "500册", 10, 10, ""],
           ["", "质量指标", "合格率（抽检）", "≥90%", "95%", 20, 20, ""],
           ["效益指标", "社会效益指标", "知晓率；覆盖率", "≥90%", "95%", 30, 30, ""],
           ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]
FULL_TO_HALF = str.maketrans("（），：；％", "(),:;%")


def _reading(rows) -> dict:
    tables, result = read(form(rows)[0])
    data = result.to_dict()
    return {"total": data["total"], "grade": data["grade"],
            "indicators": sorted((i["level1"], i["level2"], i["name"].translate(FULL_TO_HALF),
                                  i["score"], i["status"]) for i in data["indicators"]),
            "findings": sorted(set(result.findings["code"]))}


@settings(max_examples=25, deadline=None)
@given(st.permutations(range(3)), st.booleans())
def test_reading_is_unchanged_by_row_order_within_a_group_and_punctuation_width(order, half):
    rows = [list(row) for row in ORDERED]
    group = [rows[i] for i in order]                      # the 数量指标 group, permuted
    for row in group:
        row[0], row[1] = "", ""
    group[0][0], group[0][1] = "产出指标", "数量指标"
    permuted = group + rows[3:]
    if half:
        permuted = [[c.translate(FULL_TO_HALF) if isinstance(c, str) else c for c in row]
                    for row in permuted]
    assert _reading(permuted) == _reading(ORDERED)
