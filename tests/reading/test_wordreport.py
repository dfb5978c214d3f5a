"""Reading a department's Word report: tables (merged, nested, split headers) and text."""
from __future__ import annotations

from pathlib import Path

import docx
import pytest

import perfnb
from perfnb.errors import InputError
from perfnb.reading.wordreport import load_docx, read_docx

ROOT = Path(__file__).resolve().parents[2]

# The seed report (../shared/seeds/000_0367d8b2a238719a.txt) as the department wrote it:
# title, narrative, one table per 一级指标 with a two-row header ("一级" over "指标", "年度"
# over "指标值"), 一级/二级 merged down, a 合计 row per table, the signature and the date.
# Figures as in the seed workbook (params/data/nmg-rd-2022-rdlz.xlsx).
OUTPUT_HEADER = (("一级", "指标"), ("二级指标", None), ("三级指标", None), ("指标性质", None),
                 ("指标方向", None), ("年度", "指标值"), ("实际", "完成值"), ("计量单位", None),
                 ("分值", None), ("得分", None))
OUTPUT_ROWS = [
    ("C1数量指标", "C11后勤保障日常工作时间", "正向", "等于", "12", "12", "个月", "5", "5"),
    ("C1数量指标", "C12内蒙古人大汉刊编印期数", "正向", "等于", "12", "12", "期", "5", "5"),
    ("C1数量指标", "C13内蒙古人大蒙刊编印期数", "正向", "等于", "12", "12", "期", "5", "5"),
    ("C1数量指标", "C14办公设备采购批次", "正向", "大于等于", "4", "3", "批次", "5", "3.75"),
    ("C1数量指标", "C15人大新闻奖评选次数", "正向", "等于", "1", "1", "次", "5", "5"),
    ("C1数量指标", "C16人大研究会工作经费保障时间", "正向", "等于", "12", "12", "个月", "5", "5"),
    ("C1数量指标", "C17聘请劳务人员数量", "正向", "大于等于", "34", "35", "人", "5", "5"),
    ("C1数量指标", "C18维修改造工程个数", "正向", "大于等于", "3", "8", "个", "5", "5"),
    ("C2质量指标", "C2工作完成质量", "定性指标", "正向指标", "优良中低差", "优", "", "3", "3"),
    ("C3时效指标", "C3工作完成时限", "定量指标", "正向指标", "12", "12", "个月", "3", "3"),
    ("C4成本指标", "C4经费总额", "定量指标", "正向指标", "≤2255", "1972.41", "万元", "4", "4"),
]
BENEFIT_HEADER = (("一级", "指标"), ("二级指标", None), ("三级指标", None), ("指标性质", None),
                  ("年度", "指标值"), ("实际", "完成值"), ("计量单位", None), ("分值", None),
                  ("得分", None))
BENEFIT_ROWS = [
    ("D社会效益指标", "D1宣传人民代表大会制度", "定性指标", "优", "优", "", "10", "10"),
    ("D社会效益指标", "D2提供人大基本履职保障", "定性指标", "优", "优", "", "10", "10"),
    ("D社会效益指标", "D3完善人民代表大会制度", "定性指标", "优", "优", "", "10", "10"),
]
SATISFACTION_ROWS = [
    ("E服务对象\n满意度指标", "E1服务人员满意度", "定性指标", "正向指标", "≥95%", "95%", "", "10", "9.5"),
]
NARRATIVE = [
    ("h1", "一、项目基本情况"),
    ("h2", "（一）项目基本情况简介。"),
    ("p", "“人大履职障经费”项目，是根据自治区人大常委会办公厅的职能职责设立，保障人大常委会办公厅正常开展业务的必要支出。"),
    ("h2", "（二）绩效目标设定及指标完成情况。"),
    ("p", "1. 绩效目标设定"),
    ("p", "人民代表大会常务委员会办公厅设定目标：完成处理机关日常工作，维护机关日常稳定运行，宣传报道人大新闻，开展理论研究等工作。"),
    ("p", "2. 指标完成情况"),
    ("p", "按照年初制定的工作计划及预算目标，2022年度我单位较好的完成了年初设定的绩效目标。"),
    ("h1", "二、绩效自评工作情况"),
    ("h2", "（二）项目资金投入情况。"),
    ("p", "2022年年初我单位安排人大履职障经费绩效项目预算2,229.00万元，全年执行预算数为 1,972.41万元。其来源为一般公共预算。"),
    ("p", "2022年综合业务运转保障经费全年执行数1,972.41万元，预算执行率88.49%。"),
    ("h1", "三、项目绩效情况"),
    ("h2", "（一）产出指标完成情况。"),
    ("table", "output"),
    ("p", "C11后勤保障、日常办公时间，评价分值5分，评价得分5分。"),
    ("h2", "（二）效益指标完成情况"),
    ("table", "benefit"),
    ("h2", "（三）满意度指标完成情况"),
    ("table", "satisfaction"),
    ("h2", "（四）自评得分情况。"),
    ("p", "我们通过对机关2022年依据项目绩效评价指标体系进行打分，该项目绩效评价得分为 97.6分，综合绩效级别为“优”。"),
    ("h1", "四、存在问题"),
    ("h2", "（一）项目立项、实施存在问题。"),
    ("p", "1. 对人员、资金的管理有待于进一步完善。"),
    ("h1", "五、其他需要说明的问题"),
    ("h2", "（一）后续工作计划。"),
    ("p", "1.该项目为延续性项目，我单位每年均按照项目内容开展相关工作。"),
    ("h2", "（二）措施及办法。"),
    ("p", "1.进一步提高预算精准度，保证预算执行力度，加快经费支出进度。"),
    ("p", "内蒙古自治区人大常委会办公厅"),
    ("p", "              2023年6月13日"),
]


def _indicator_table(container, header, level1, rows, subtotal=None):
    """A table like the seed's: two header rows, 一级 and 二级 merged down."""
    width = len(header)
    count = 2 + len(rows) + (1 if subtotal else 0)
    table = container.add_table(rows=count, cols=width)
    table.style = "Table Grid"
    for c, (upper, lower) in enumerate(header):
        if lower is None:
            table.cell(0, c).merge(table.cell(1, c)).text = upper
        else:
            table.cell(0, c).text, table.cell(1, c).text = upper, lower
    table.cell(2, 0).merge(table.cell(1 + len(rows), 0)).text = level1
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row[1:], start=2):
            table.cell(r, c).text = value
    # 二级 merged down over its run of rows
    r = 2
    while r < 2 + len(rows):
        end = r
        while end + 1 < 2 + len(rows) and rows[end + 1 - 2][0] == rows[r - 2][0]:
            end += 1
        table.cell(r, 1).merge(table.cell(end, 1)).text = rows[r - 2][0]
        r = end + 1
    if subtotal:
        last = count - 1
        table.cell(last, 0).text = "合计"
        table.cell(last, width - 2).text, table.cell(last, width - 1).text = subtotal
    return table


def build_seed_report(path: Path, nested_satisfaction: bool = True) -> Path:
    document = docx.Document()
    document.add_paragraph("人大办公厅人大履职保障经费绩效自评报告")
    for kind, text in NARRATIVE:
        if kind != "table":
            document.add_paragraph(text)
        elif text == "output":
            _indicator_table(document, OUTPUT_HEADER, "C产出指标", OUTPUT_ROWS, ("50", "48.75"))
        elif text == "benefit":
            _indicator_table(document, BENEFIT_HEADER, "效益指标", BENEFIT_ROWS, ("10", "10"))
        elif nested_satisfaction:
            # a layout table holding the indicator table in its cell (nested table)
            outer = document.add_table(rows=1, cols=1)
            cell = outer.cell(0, 0)
            cell.paragraphs[0].text = "满意度指标情况如下："
            _indicator_table(cell, OUTPUT_HEADER, "满意度\n指标", SATISFACTION_ROWS)
        else:
            _indicator_table(document, OUTPUT_HEADER, "满意度\n指标", SATISFACTION_ROWS)
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def seed_workbook():
    tables = perfnb.load_unit(ROOT / "params" / "nmg-rd-2022-rdlz.yaml")
    return perfnb.evaluate(tables, "central").to_dict()


@pytest.fixture(scope="module")
def seed_docx(tmp_path_factory):
    path = build_seed_report(tmp_path_factory.mktemp("word") / "seed-report.docx")
    tables = load_docx(path)
    return tables, perfnb.evaluate(tables, "central").to_dict()


def test_seed_report_scores_like_the_workbook(seed_docx, seed_workbook):
    _, result = seed_docx
    assert result["total"] == 97.6 and result["grade"] == "优"
    assert result["dimensions"] == seed_workbook["dimensions"]
    assert result["budget"]["rate"] == 0.8849 and result["budget"]["score"] == 8.85
    scores = lambda d: [(i["level1"], i["level2"], i["name"], i["weight"], i["score"],
                         i["reported_score"]) for i in d["indicators"]]
    assert scores(result) == scores(seed_workbook)


def test_seed_report_unit_information_from_the_text(seed_docx):
    tables, result = seed_docx
    unit = tables.units.iloc[0]
    assert unit["project"] == "人大履职保障经费"
    assert unit["department"] == "内蒙古自治区人大常委会办公厅"
    assert int(unit["year"]) == 2022
    assert unit["layout"] == "docx"
    assert result["reported"] == {"total": 97.6, "grade": "优"}
    assert result["budget"]["initial"] == 2229.0 and result["budget"]["executed"] == 1972.41
    assert result["budget"]["reported_rate"] == 0.8849
    assert unit["goal_planned"].startswith("人民代表大会常务委员会办公厅设定目标")
    assert "对人员、资金的管理" in unit["problems"]
    assert unit["plans"].startswith("1.该项目为延续性项目")
    assert unit["measures"].startswith("1.进一步提高预算精准度")
    assert "2023年6月13日" not in unit["measures"]


def test_each_tables_subtotal_closes_its_dimension(seed_docx):
    tables, result = seed_docx
    reported = tables.reported
    assert set(reported["level"]) == {"level1"}
    assert sorted(reported["level1"]) == ["产出指标", "效益指标"]
    codes = {(f["code"], f["location"]["indicator"]) for f in result["findings"]}
    assert ("SUBTOTAL_MISMATCH", "效益指标 合计") in codes        # 10 written, items sum to 30
    assert any(code == "SCORE_MISMATCH" and "服务人员满意度" in (ind or "")
               for code, ind in codes)


def test_nested_table_is_read(tmp_path, seed_docx):
    flat = load_docx(build_seed_report(tmp_path / "flat.docx", nested_satisfaction=False))
    nested, _ = seed_docx
    assert list(flat.indicators["name"]) == list(nested.indicators["name"])
    assert nested.indicators["sheet"].iloc[-1] == "表格4"     # the nested table, after its parent


def test_read_docx_is_what_load_unit_dispatches_to(tmp_path):
    loaded = read_docx(build_seed_report(tmp_path / "r.docx"))
    assert loaded.layout == "docx" and len(loaded.indicators) == 15 and not loaded.errors


def test_docx_without_an_indicator_table_names_the_file(tmp_path):
    document = docx.Document()
    document.add_paragraph("某单位某项目绩效自评报告")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "姓名", "职务"
    path = tmp_path / "没有表格.docx"
    document.save(str(path))
    with pytest.raises(InputError) as caught:
        load_docx(path)
    assert "没有表格.docx" in str(caught.value) and "绩效指标表" in str(caught.value)


def test_not_a_docx_is_an_input_error(tmp_path):
    path = tmp_path / "report.docx"
    path.write_text("这不是 Word 文档", encoding="utf-8")
    with pytest.raises(InputError, match="不是 Word 文档"):
        load_docx(path)
