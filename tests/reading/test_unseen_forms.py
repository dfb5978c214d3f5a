"""Forms no one here has seen (issue 17, parts 3, 4, 5, 7, 8): each phenomenon on a small
printed form of its own, built as a grid at test time (see test_printed_forms.py)."""
from __future__ import annotations

import math

import pytest

from perfnb.reading.headers import budget_column, indicator_column, inferred_role
from perfnb.reading.roles import confirm_role
from perfnb.reading.values import parse_value
from tests.reading.test_printed_forms import form, indicators, observations, read

BASIC = [["产出指标", "数量指标", "培训人数", "≥100人", "120人", 50, 50, ""],
         ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, ""],
         ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, ""]]


# --- part 3: headers never seen before ------------------------------------------------------

@pytest.mark.parametrize("heading, role", [
    ("参考分值", "weight"), ("考值参分", "weight"), ("参考分值(%)", "weight"), ("考核权重", "weight"),
    ("自评分", "score"), ("单位自评分数", "score"), ("项目得分", "score"),
    ("年终完成值", "actual"), ("实际完成量", "actual"), ("年底实现值", "actual"),
    ("年度计划目标值", "target"), ("本年指标值", "target"),
    ("指标计量单位", "measure_unit"), ("未完成的原因", "deviation_reason"),
    ("整改措施", "deviation_reason"), ("复核分", "review_score"), ("财政复评得分", "review_score"),
])
def test_a_heading_role_is_read_from_its_parts(heading, role):
    assert inferred_role(heading) == role


@pytest.mark.parametrize("heading, role", [
    ("执行率(B/A1", "rate"),            # pub33: the closing bracket OCR'd as 1
    ("执行率（B/A）", "rate"), ("得分（20分*执行率", "score"), ("预算数(A", "adjusted"),
    ("执行率", "rate"), ("资金来源", "label")])
def test_a_funds_heading_with_its_bracket_note_unclosed_is_still_that_heading(heading, role):
    assert budget_column(heading) == role


def test_listed_headings_keep_their_synonym_and_extras_stay_extras():
    assert inferred_role("分值") is None and indicator_column("分值") == "weight"
    assert indicator_column("折算得分") is None      # a listed non-data column, not a score
    assert indicator_column("复核分") is None        # a review score is kept, never the score
    assert indicator_column("得分计算方法") is None
    assert inferred_role("关于本项目年度绩效目标完成情况的说明及原因") is None   # a sentence


@pytest.mark.parametrize("heading, column", [
    ("年初预匏数", "initial"), ("调整预算将,A、", "adjusted"), ("调整后预算金额", "adjusted"),
    ("全年预算安排数", "adjusted"), ("全年执行金額", "executed"), ("实际执行资金数", "executed"),
    # not funds headings: a target row's label, a sentence, a listed non-amount
    ("年初设定目标", None), ("年初预算数与调整后预算数的差异原因说明", None), ("执行率(B/A)", "rate"),
])
def test_an_ocrd_funds_heading_is_read_by_its_first_characters(heading, column):
    assert budget_column(heading) == column


UNSEEN_HEADER = ["一级指标", "二级指标", "三级指标", "年度目标值", "年终完成值", "参考分值",
                 "自评分", "复核分", "未完成的原因"]


def _unseen_form(rows=None, header=UNSEEN_HEADER):
    rows = rows if rows is not None else [
        ["产出指标", "数量指标", "培训人数", "≥100人", "120人", 50, 50, 48, ""],
        ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, 30, ""],
        ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, 10, ""],
        ["合计", "", "", "", "", 90, 90, 88, ""]]
    return form(rows, header=header, merges=[(len(rows) + 6, 1, len(rows) + 6, 3)])


def test_an_unreadable_value_is_located_by_its_printed_heading_too():
    """Item 3 of h-textfunds: "M.8人" under the printed 年终完成值 is located by the standard
    name (实际完成值) and quotes the heading the form prints, so the reader finds the column."""
    rows = [["产出指标", "数量指标", "培训人数", "≥100人", "M.8人", 50, 50, 48, ""],
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, 30, 30, ""],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, 10, 10, ""],
            ["合计", "", "", "", "", 90, 90, 88, ""]]
    g, _ = _unseen_form(rows)
    tables, result = read(g)
    (note,) = observations(tables, "VALUE_NOT_READ")
    assert note["column"] == "实际完成值"
    assert "表头“年终完成值”一列" in note["fields"]["problem"]
    message = result.findings[result.findings["code"] == "VALUE_NOT_READ"]["message"].iloc[0]
    assert "年终完成值" in message and "M.8" in message


def test_a_form_with_headings_never_seen_is_read_and_what_was_inferred_is_said():
    g, _ = _unseen_form()
    tables, result = read(g)
    found = indicators(result)
    assert found["培训人数"]["weight"] == 50 and found["培训人数"]["reported_score"] == 50
    assert found["培训人数"]["actual"] == 120
    rows = tables.indicators.set_index("name")
    assert rows.loc["培训人数", "extra"] == {"review_score": "48"}   # kept, not the score
    notes = {o["fields"]["header"]: o["fields"] for o in observations(tables, "HEADER_INFERRED")}
    assert set(notes) == {"年终完成值", "参考分值", "自评分", "复核分", "未完成的原因"}
    assert notes["参考分值"]["role"] == "分值"
    assert "合计 90" in notes["参考分值"]["evidence"] and "相符" in notes["参考分值"]["evidence"]
    assert "均不超过同行分值" in notes["自评分"]["evidence"]
    finding = result.findings[result.findings["code"] == "HEADER_INFERRED"]
    assert finding["severity"].eq("info").all()
    assert any("参考分值" in m and "分值" in m for m in finding["message"])
    assert not observations(tables, "UNKNOWN_COLUMN")


def test_an_inferred_role_the_content_contradicts_is_not_used():
    # "自评分" holds figures far above the weights: no score column, reported as unknown
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "自评分", "备用分值"]
    rows = [r[:6] + [r[5] * 10, "见说明"] for r in BASIC]
    tables, result = read(form(rows, header=header)[0])
    assert indicators(result)["培训人数"]["weight"] == 50
    assert math.isnan(tables.indicators["reported_score"].iloc[0])
    unknown = {o["fields"]["header"]: o["fields"]["note"] for o in observations(tables, "UNKNOWN_COLUMN")}
    assert set(unknown) == {"自评分", "备用分值"}
    assert "像是“得分”列，但内容不符" in unknown["自评分"] and "超过同行分值" in unknown["自评分"]
    assert not observations(tables, "HEADER_INFERRED")


def test_scores_that_exceed_their_weights_are_no_score_column():
    cells = [parse_value(v) for v in (80, 90, 95)]
    assert not confirm_role("score", cells, [10.0, 20.0, 30.0]).confirmed
    assert confirm_role("score", cells, [80.0, 90.0, 100.0]).confirmed
    # weights are small numbers; targets carry operators or units
    assert not confirm_role("weight", [parse_value("≥90%"), parse_value("好")]).confirmed
    assert confirm_role("target", [parse_value("≥90%"), parse_value("好")]).confirmed
    assert not confirm_role("target", []).confirmed


# --- part 8: numbers from OCR'd documents --------------------------------------------------------

@pytest.mark.parametrize("text, number, unit", [("IO", 10, ""), ("l00", 100, ""), ("O", 0, ""),
                                                ("≥lO万元", 10, "万元"), ("l00%", 100, "%"),
                                                ("1O个", 10, "个")])
def test_letters_ocr_reads_for_digits_are_the_digits(text, number, unit):
    parsed = parse_value(text)
    assert (parsed.number, parsed.unit, parsed.ocr, parsed.problem) == (number, unit, text, None)


@pytest.mark.parametrize("text", ["5km", "100m2", "4A级", "III类", "II", "PM2.5", "OK", "I", "abc"])
def test_units_codes_roman_numerals_and_words_are_not_ocr_digits(text):
    parsed = parse_value(text)
    assert parsed.ocr is None and parsed.problem is None


@pytest.mark.parametrize("text, letters", [("M.8万元", "M"), ("1S0", "S"), ("9B", None)])
def test_other_letters_in_a_number_are_unreadable_never_guessed(text, letters):
    parsed = parse_value(text)
    if letters is None:                  # a letter after the number is a unit, as "3A"
        assert parsed.problem is None
        return
    assert parsed.number is None and f"“{letters}”不是数字" in parsed.problem


def test_an_ocr_d_form_is_read_with_warnings_and_its_garbled_row_located():
    rows = [["产出指标", "数量指标", "培训人数", "≥l00人", "l20人", 50, 50, ""],
            ["产出指标", "数量指标", "培训场次", "≥IO场", "M.8场", 10, 0, ""],
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", "3O", 30, ""],
            ["满意度指标", "服务对象满意度指标", "满意度", "≥90%", "92%", 10, "IO", ""]]
    tables, result = read(form(rows)[0])
    found = indicators(result)
    assert found["培训人数"]["target"] == 100 and found["培训人数"]["actual"] == 120
    assert found["群众知晓率"]["weight"] == 30 and found["满意度"]["reported_score"] == 10
    # the garbled actual is no guessed number: the row keeps its weight, scored as missing
    assert found["培训场次"]["actual"] is None and found["培训场次"]["status"] == "missing"
    assert found["培训场次"]["score"] == 0 and found["培训场次"]["weight"] == 10
    ocr = {(o["row"], o["column"]): o["fields"]["text"] for o in observations(tables, "OCR_DIGITS")}
    assert ocr == {(8, "年度指标值"): "≥l00人", (8, "实际完成值"): "l20人", (9, "年度指标值"): "≥IO场",
                   (10, "分值"): "3O", (11, "得分"): "IO"}
    # each warning quotes the column's heading, as VALUE_NOT_READ does
    ocr_messages = result.findings[result.findings["code"] == "OCR_DIGITS"].set_index("row")["message"]
    assert "表头“得分”一列的“IO”" in ocr_messages.loc[11]
    finding = result.findings[result.findings["code"] == "VALUE_NOT_READ"].iloc[0]
    assert (finding["row"], finding["column"]) == (9, "实际完成值")
    assert "“M.8场”中的“M”不是数字" in finding["message"] and "按缺少数据计分" in finding["message"]
    assert {"MISSING_VALUE", "TEXT_ACTUAL"} & set(result.findings["code"])
    assert result.to_dict()["partial_total"] is False


# --- part 4: weights written differently ---------------------------------------------------------

def test_a_weight_written_as_a_percentage_is_that_many_points():
    rows = [r[:5] + [f"{r[5]}%"] + r[6:] for r in BASIC]
    _, result = read(form(rows)[0])
    assert [i["weight"] for i in result.to_dict()["indicators"]] == [50, 30, 10]
    assert result.to_dict()["total"] == 99.5


NO_WEIGHT_HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "得分", "偏差原因分析及改进措施"]


def test_weights_only_in_the_labels_are_the_groups_weights_when_each_group_is_scored_once():
    rows = [["产出指标（60分）", "数量指标40分", "培训人数", "≥100人", "120人", 30, ""],
            ["", "", "培训场次", "≥10场", "5场", 30, "场地不足"],
            ["", "质量指标20分", "合格率", "≥90%", "95%", 20, ""],
            ["效益指标（30分）", "社会效益指标", "群众知晓率", "≥90%", "95%", 30, ""]]
    merges = [(8, 1, 10, 1), (8, 2, 9, 2), (8, 6, 9, 6)]      # one score for 数量指标's two rows
    tables, result = read(form(rows, header=NO_WEIGHT_HEADER, merges=merges)[0])
    found = indicators(result)
    assert {n: i["weight"] for n, i in found.items()} == {"培训人数": 20, "培训场次": 20, "合格率": 20,
                                                          "群众知晓率": 30}
    # the group scores its weight times its rows' mean achievement: 20 + 10 = 30 of 40
    assert found["培训人数"]["score"] + found["培训场次"]["score"] == 30
    assert found["培训场次"]["status"] == "unmet" and found["培训场次"]["level2"] == "数量指标"
    notes = {o["fields"]["label"]: o["fields"] for o in observations(tables, "WEIGHT_FROM_LABEL")}
    assert notes["数量指标40分"]["count"] == 2 and notes["数量指标40分"]["share"] == "20"
    assert set(notes) == {"数量指标40分", "质量指标20分", "效益指标（30分）"}
    assert result.to_dict()["weight_total"] == 100
    assert not len(result.findings[result.findings["code"].isin(["WEIGHT_ROLLUP", "SUBTOTAL_MISMATCH"])])


def test_group_weights_over_rows_scored_one_by_one_invent_no_row_weights():
    # the 20+80 templates: 产出指标 (40分) over rows each with the unit's own score: weights absent
    from perfnb.reading.blocks import indicator_header, weights_from_labels
    rows = [["产出指标（40分）", "数量指标", "公猪舍", "22.8", "22.8", 1, ""],
            ["", "", "种公猪", "2", "2", 2, ""]]
    g, start = form(rows, header=NO_WEIGHT_HEADER, merges=[(8, 1, 9, 1)])
    assert weights_from_labels(g, start, {"level1": 1, "level2": 2, "name": 3, "score": 6}, []) == {}
    assert "weight" not in indicator_header(g).columns      # read as an unweighted form


def test_a_form_printing_no_weight_anywhere_is_not_given_weights_here():
    from perfnb.reading.blocks import indicator_header, weights_from_labels
    rows = [["产出指标", "数量指标", "培训人数", "≥100人", "120人", 20, ""]]
    g, start = form(rows, header=NO_WEIGHT_HEADER)
    assert "weight" not in indicator_header(g).columns      # read as an unweighted form
    assert weights_from_labels(g, start, {"level1": 1, "level2": 2, "name": 3}, []) == {}


def test_one_score_merged_over_a_group_is_shared_by_its_rows_which_keep_their_achievement():
    rows = [["产出指标", "数量指标", "培训人数", "≥100人", "120人", 40, 30, ""],
            ["产出指标", "数量指标", "培训场次", "≥10场", "5场", 40, 30, "场地不足"],
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", "95%", 20, 20, ""]]
    merges = [(8, 6, 9, 6), (8, 7, 9, 7)]          # one weight and one score for the group
    tables, result = read(form(rows, merges=merges)[0])
    found = indicators(result)
    assert found["培训人数"]["weight"] == 20 and found["培训场次"]["weight"] == 20
    assert found["培训人数"]["reported_score"] == 15 and found["培训人数"]["status"] == "met"
    assert found["培训场次"]["status"] == "unmet"
    assert found["培训人数"]["score"] + found["培训场次"]["score"] == 30
    shared = observations(tables, "GROUP_SHARED")
    assert sorted(o["column"] for o in shared) == ["分值", "得分"]
    assert result.to_dict()["weight_total"] == 70      # 40 + 20 + budget 10, the 40 counted once


# --- part 7: rows that are not indicators --------------------------------------------------------

@pytest.mark.parametrize("label", ["得分合计", "总计", "合计得分", "分值合计"])
def test_a_total_row_merged_across_the_weight_column_is_the_reported_total(label):
    rows = BASIC + [[label] * 6 + [99.5, ""]]
    tables, result = read(form(rows, merges=[(11, 1, 11, 6)])[0])
    data = result.to_dict()
    assert [i["name"] for i in data["indicators"]] == ["培训人数", "群众知晓率", "满意度"]
    assert data["reported"]["total"] == 99.5 and data["total"] == 99.5
    assert not len(tables.observations) and not len(result.findings)


@pytest.mark.parametrize("cells, expected", [
    (["资金情况", "年初预算数：100万元", "全年执行数：95万元"], (100, None, 95)),
    (["资金情况", "年初预算数：100万元 全年预算数：100万元 全年执行数：95万元"], (100, 100, 95)),
    (["资金", "年度金额：208万元", "合计：109.8万元"], (None, 208, 109.8)),
    (["资金", "年初预算数：1000000元", "全年执行数：950000元"], (100, None, 95)),
])
def test_funds_written_as_label_value_pairs_along_one_row(cells, expected):
    g, _ = form(BASIC, funds_header=cells, funds=[])
    tables, result = read(g)
    budget = tables.budgets.iloc[0]
    got = tuple(None if math.isnan(budget[k]) else budget[k] for k in ("initial", "adjusted", "executed"))
    assert got == expected
    assert result.to_dict()["budget"]["rate"] == round(expected[2] / (expected[1] or expected[0]), 4)


def test_unreadable_figures_of_total_rows_and_funds_are_located_not_refusals():
    rows = BASIC + [["总分"] * 5 + [100, "九十六分", ""]]
    funds = [["", "年度资金总额", "M.8", 100, "9O", 10, "90%", 9]]
    tables, result = read(form(rows, funds=funds, merges=[(10, 1, 10, 5)])[0])
    notes = {(o["row"], o["column"]): o["fields"] for o in observations(tables, "VALUE_NOT_READ")}
    assert set(notes) == {(5, "年初预算数"), (10, "得分")}
    assert notes[(10, "得分")]["effect"] == "该数未核对"
    assert "“M”不是数字" in notes[(5, "年初预算数")]["problem"]
    assert tables.budgets.iloc[0]["executed"] == 90          # "9O" read as 90, with a warning
    assert [o["row"] for o in observations(tables, "OCR_DIGITS")] == [5]
    ocr = result.findings[result.findings["code"] == "OCR_DIGITS"].iloc[0]["message"]
    assert "表头“全年执行数”一列的“9O”" in ocr
    data = result.to_dict()
    assert data["budget"]["rate"] == 0.9 and data["partial_total"] is False


def test_a_progress_column_is_the_actual_and_a_progress_claim_is_no_measured_value():
    # pub31: 一级/二级/三级/指标值/实施进度 and every 'actual' "已完成100%" — how far the work
    # went, not the count or the satisfaction rate: a quantitative row has nothing to compare
    # (TEXT_ACTUAL, 缺失), a qualitative row keeps the claim (达成, presumed)
    rows = [["产出指标", "数量指标", "宣传次数", "至少全年完成2次宣传", "已完成100%"],
            ["", "质量指标", "创建质量", "按质按量完成", "已完成100%"],
            ["满意度指标", "满意度指标", "群众满意度", "90%", "已完成 100%"],
            ["效益指标", "社会效益指标", "受益人数", "≥90%", "95%"]]
    g, _ = form(rows, header=["一级指标", "二级指标", "三级指标", "指标值", "实施进度"])
    tables, result = read(g)
    found = indicators(result)
    assert found["宣传次数"]["status"] == "missing" and found["群众满意度"]["status"] == "missing"
    assert found["创建质量"]["status"] == "met"
    assert found["受益人数"]["actual"] == 95            # a plain figure is still the actual
    codes = list(result.findings["code"])
    assert codes.count("TEXT_ACTUAL") == 2 and "OVER_ACHIEVEMENT" not in codes


@pytest.mark.parametrize("text, claim", [("已完成100%", True), ("完成进度100%", True),
                                         ("已全部完成 80%", True), ("100%", False),
                                         ("完成率100%", False), ("≥95%", False)])
def test_what_counts_as_a_progress_claim(text, claim):
    from perfnb.vocabulary import PROGRESS_CLAIM_RE
    assert bool(PROGRESS_CLAIM_RE.match(text.replace(" ", ""))) is claim


def test_funds_listed_by_source_take_their_total_as_the_budget():
    # pub32 (广水): 来源 | 中央 | 省、地 | 本级 | 其他 | 合计 | 执行数 | 执行率, one unlabelled line
    header = ["项目资金", "来源", "中央（万元）", "省、地（万元）", "本级（万元）", "其他（万元）",
              "合计（万元）", "执行数（万元）", "执行率"]
    funds = [["", "", "", "", 309, "", 309, 280, "90.6%"]]
    g, _ = form([["产出指标", "数量指标", "养护里程", "300公里", "300公里", 90, 90, ""]],
                funds_header=header, funds=funds)
    tables, _ = read(g)
    budget = tables.budgets.iloc[0]
    assert (budget["adjusted"], budget["executed"]) == (309, 280)
    assert budget["reported_rate"] == pytest.approx(0.906)


# --- h-forms7: a target table, mirrored headings, a 考核表 -------------------------------------

@pytest.mark.parametrize("heading, role", [
    ("三級(jí)指標(biāo)", "name"),            # pub35: a mirror's traditional characters with pinyin
    ("*指標(biāo)值", "target"), ("＊指标值", "target"),   # a required-field mark before it
    ("計(jì)量單位", "measure_unit"), ("實際完成值", "actual"),
    ("考核指标", "name"), ("年度工作目标", "target"), ("权数", "weight"), ("考评得分", "score"),
])
def test_mirrored_marked_and_assessment_headings_have_their_role(heading, role):
    assert indicator_column(heading) == role


def test_simplified_drops_pinyin_readings_only_after_chinese_characters():
    from perfnb.reading.values import simplified
    assert simplified("產(chǎn)出指標(biāo)") == "产出指标"
    assert simplified("執行率(B/A)") == "执行率(B/A)"        # a bracket note is no reading
    assert simplified("全年预算数(A)") == "全年预算数(A)" and simplified("里程(km)") == "里程(km)"
    assert simplified("显著提升") == "显著提升" and simplified("著力推进") == "著力推进"
    assert simplified("年度总体目标") == "年度总体目标"
    assert inferred_role("年度总体目标") is None                # a block label, not a target column


TARGET_HEADER = ["一级指标", "二级指标", "三级指标", "指标值类型", "*指标值", "计量单位", "*指标解释",
                 "*评(扣)分标准", "备注"]


def _target_table(header=TARGET_HEADER, rows=None):
    rows = rows or [["产出指标", "数量指标", "业务工作支出安排金额", "定量", "28.8万元", "%", "说明", "酌情扣分", ""],
                    ["", "质量指标", "业务工作支出到位率", "定量", "100", "%", "说明", "酌情扣分", ""]]
    return form(rows, header=header)


def test_a_table_of_names_and_targets_only_is_a_target_table_located_at_its_header():
    from perfnb.reading.blocks import find_indicator_header, target_table_error
    g, start = _target_table()
    assert find_indicator_header(g) is None            # nothing to evaluate
    error = target_table_error(g)
    assert error is not None and "绩效目标表" in str(error)
    assert error.location.row == start
    assert "实际完成值" in str(error) and "\n" not in str(error)


@pytest.mark.parametrize("extra", ["实际完成值", "得分", "分值"])
def test_a_table_with_an_actual_score_or_weight_column_is_no_target_table(extra):
    from perfnb.reading.blocks import target_table_error
    header = TARGET_HEADER[:5] + [extra]
    rows = [["产出指标", "数量指标", "培训人数", "定量", "≥100人", "120人" if extra == "实际完成值" else 10]]
    g, _ = _target_table(header=header, rows=rows)
    assert target_table_error(g) is None


def test_a_target_table_file_is_one_clear_error_in_every_source(tmp_path):
    """A workbook and a web page holding only a target table: one message saying what it is,
    not "找不到绩效指标表" (which a reader would take for a missing table)."""
    from openpyxl import Workbook
    from perfnb.errors import InputError
    from perfnb.reading import load_unit
    rows = [["部门（单位）名称", "某某中心"], TARGET_HEADER,
            ["产出指标", "数量指标", "业务工作支出安排金额", "定量", "28.8万元", "", "说明", "酌情扣分", ""]]
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "目标表.xlsx")
    page = "<html><body><table>" + "".join(
        "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows) + "</table></body></html>"
    (tmp_path / "目标表.html").write_text(page, encoding="utf-8")
    for name in ("目标表.xlsx", "目标表.html"):
        with pytest.raises(InputError) as caught:
            load_unit(tmp_path / name)
        assert "绩效目标表" in str(caught.value) and name in str(caught.value)
        assert caught.value.location.row == 2


# --- h-polish: heading notes by what they hold, 二级 points, what an unfilled form lacks ------

@pytest.mark.parametrize("heading, role", [
    # a formula or explanation longer than a unit: stripped by what it holds, not by length
    ("执行率（全年执行数/全年预算数×100%）", "rate"),
    ("全年执行数（截至12月31日的实际支出说明）", "executed"),
    # a known heading before the bracket: whatever the note says
    ("全年预算数（含年中追加及调减的全部资金）", "adjusted"),
])
def test_a_long_bracket_note_after_a_funds_heading_is_a_note(heading, role):
    assert budget_column(heading) == role


@pytest.mark.parametrize("heading, role", [
    ("指标名称（即三级指标，按年初申报的绩效目标表填写）", "name"),
    ("实际完成值（年度终了时实际达到的数值或情况描述）", "actual"),
    ("分值（各项指标分值合计为九十分）", "weight"),
])
def test_a_long_bracket_note_after_an_indicator_heading_is_a_note(heading, role):
    assert indicator_column(heading) == role


def test_a_bracket_that_is_part_of_a_name_stays():
    from perfnb.reading.headers import header_key
    assert header_key("产床（全复合双体产床）") == "产床(全复合双体产床)"
    assert header_key("必要性（政策依据）") == "必要性(政策依据)"
    assert header_key("任务完成时限（月）") == "任务完成时限"      # a unit is a note


def test_a_rubric_column_with_a_formula_note_is_read_not_unknown():
    # pub34 (四川 2019 评分表): 指标评价内容(公式计算结果=x) holds what each item is judged by
    header = ["一级指标", "二级指标", "三级指标", "分值", "指标评价内容(公式计算结果=x)", "得分"]
    rows = [["项目决策(20分)", "科学决策(10分)", "必要性", 5, "项目符合政策依据", 5],
            ["", "", "可行性", 5, "可行性论证充分", 5],
            ["", "绩效目标(10分)", "明确性", 5, "目标明确可衡量", 5]]
    tables, result = read(form(rows, header=header,
                               merges=[(8, 1, 10, 1), (8, 2, 9, 2)])[0])
    assert observations(tables, "UNKNOWN_COLUMN") == []
    extra = tables.indicators.set_index("name")["extra"].to_dict()
    assert extra["必要性"] == {"scoring_method": "项目符合政策依据"}


def test_level2_labels_are_shown_without_their_printed_points():
    rows = [["产出指标（50分）", "数量指标（30分）", "培训人数", "≥100人", "120人", 30, 30, ""],
            ["", "质量指标(20)", "合格率", "≥90%", "95%", 20, 20, ""],   # pub34: 分 left out
            ["效益指标（40分）", "社会效益指标（40分）", "群众知晓率", "≥90%", "95%", 40, 40, ""]]
    tables, result = read(form(rows, merges=[(8, 1, 9, 1)])[0])
    got = indicators(result)
    assert [got[n]["level2"] for n in ("培训人数", "合格率", "群众知晓率")] == \
        ["数量指标", "质量指标", "社会效益指标"]
    # the 一级 points are still read where they count (the roll-up)
    reported = tables.reported.set_index("level1")["weight"].to_dict()
    assert reported == {"产出指标": 50, "效益指标": 40}


def test_an_unfilled_assessment_form_says_which_columns_are_missing_and_which_empty():
    from perfnb.errors import InputError
    header = ["一级指标", "二级指标", "考核指标", "年度工作目标", "权数", "考评得分"]
    rows = [["产出指标", "数量指标", "培训人数", "≥100人", 50, ""],
            ["效益指标", "社会效益指标", "群众知晓率", "≥90%", 40, ""]]
    g, header_row = form(rows, header=header)
    with pytest.raises(InputError) as excinfo:
        read(g)
    message = str(excinfo.value)
    assert "尚未填写" in message and "没有实际完成值列" in message
    assert "得分列（表头“考评得分”）全部为空" in message
    assert excinfo.value.location.row == header_row and "\n" not in message


def test_an_unfilled_form_with_both_columns_says_both_are_empty_at_the_header():
    from perfnb.errors import InputError
    from tests.reading.test_printed_forms import BASIC
    g, header_row = form([[*row[:4], "", row[5], "", ""] for row in BASIC])
    with pytest.raises(InputError) as excinfo:
        read(g)
    message = str(excinfo.value)
    assert "实际完成值列、得分列全部为空" in message and "没有" not in message
    assert excinfo.value.location.row == header_row
