"""Reports of a reviewed unit: 复核 column, 复核意见, title 绩效自评复核报告 (HTML, Word, form.xlsx)."""
from __future__ import annotations

import re
from pathlib import Path

import docx
import openpyxl
import pytest

import perfnb
from perfnb.reporting.narrative import render_report, report_context, report_title
from perfnb.reporting.office import write_docx_report, write_xlsx_form
from perfnb.reporting.office.xlsx_form import FORM_SHEET, REVIEW_SHEET, REVIEWED_SCORE_HEADER

ROOT = Path(__file__).resolve().parents[2]
REVIEWED = ROOT / "params" / "jtt-2023-ncgl.yaml"       # 94.29 优 -> 复核 89.29 良
PLAIN = ROOT / "params" / "wjw-2023-jbgw.yaml"


@pytest.fixture(scope="module")
def reviewed():
    return perfnb.evaluate(perfnb.load_unit(REVIEWED))


@pytest.fixture(scope="module")
def plain():
    return perfnb.evaluate(perfnb.load_unit(PLAIN))


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_title_says_review_only_when_there_is_one(reviewed, plain):
    assert report_title(reviewed).endswith("2023年度绩效自评复核报告")
    assert report_title(plain).endswith("绩效自评报告") and "复核报告" not in report_title(plain)
    assert report_context(plain)["review"] is None


def test_html_report_has_the_three_figures_and_the_review_opinion(reviewed, plain):
    text = text_of(render_report(reviewed))
    assert "三级指标分值自评得分计算得分复核得分复核理由" in text
    assert "实施安全生命防护工程里程1010108目标值 3000 公里" in text
    assert "总分10093.7594.2989.29" in text
    assert "复核得分合计 89.29 分，等级为“良”（按评分规则计算为“优”，复核后调整）" in text
    assert "复核意见" in text and "复核人：李静" in text and "复核结论：良" in text
    assert "不采纳：复核后总分 89.29 分" in text                   # the finding stays, marked
    assert "复核：复核得分 7 分（计算得分 10 分，自评得分 10 分，复核档次“部分达成”）" in text
    plain_text = text_of(render_report(plain))
    assert "复核意见" not in plain_text and "计算得分" not in plain_text


def test_word_report_title_style_and_review_column(reviewed, tmp_path):
    path = write_docx_report(reviewed, tmp_path / "r.docx", charts=False)
    document = docx.Document(path)
    titles = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert titles == [report_title(reviewed)]
    assert document.styles["Title"].builtin
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "一级指标")
    headers = [c.text for c in table.rows[0].cells]
    assert headers[6:10] == ["自评得分", "计算得分", "复核得分", "完成情况"]
    rows = {r.cells[2].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows["实施安全生命防护工程里程"][6:9] == ["10", "10", "8"]
    assert rows["群众出行安全条件改善"][6:9] == ["10", "10", "7"]
    total = [c.text for c in table.rows[-1].cells]
    assert total[-3:] == ["94.29", "89.29", "良"]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "复核意见" in body and "复核人：李静" in body


def test_form_xlsx_fills_review_score_and_conclusion(reviewed, plain, tmp_path):
    book = openpyxl.load_workbook(write_xlsx_form(reviewed, tmp_path / "f.xlsx"))
    sheet = book[FORM_SHEET]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(cells) if REVIEWED_SCORE_HEADER in r)
    column = cells[header].index(REVIEWED_SCORE_HEADER)
    by_name = {r[2]: r[column] for r in cells[header + 1:] if r[2]}
    assert by_name["实施安全生命防护工程里程"] == 8 and by_name["群众出行安全条件改善"] == 7
    total = next(r for r in cells if r[0] == "总分")
    assert total[column] == pytest.approx(89.29)
    conclusion = next(r[2] for r in cells if r[0] == "复核结论")
    assert conclusion.startswith("评价人员复核（复核人 李静，2024-04-18）：复核得分 89.29 分，等级为“良”")
    assert "复核结论：良" in conclusion
    review = [[c.value for c in row] for row in book[REVIEW_SHEET].iter_rows()]
    assert review[1][:9] == ["一级指标", "二级指标", "三级指标", "分值", "自评得分", "计算得分",
                             "复核得分", "复核档次", "复核理由"]
    decisions = [[c.value for c in row] for row in book["审核发现"].iter_rows()]
    assert decisions[1][-2:] == ["复核决定", "复核理由"] and decisions[2][-2] == "采纳"
    assert REVIEW_SHEET not in openpyxl.load_workbook(
        write_xlsx_form(plain, tmp_path / "p.xlsx")).sheetnames


def test_typst_pdf_source_has_the_review(reviewed, plain):
    from perfnb.reporting.narrative import render_report_typst

    typst = render_report_typst(reviewed)
    for words in ("复核意见", "计算得分", "复核得分", "复核理由", "绩效自评复核报告", "复核人",
                  '"不采纳：复核后总分 89.29 分'):
        assert words in typst, words
    assert "复核意见" not in render_report_typst(plain)
    from perfnb.reporting.display import evaluation_typst

    tables = evaluation_typst(reviewed)
    assert '"复核得分"' in tables and '"复核等级"' in tables and '"89.29"' in tables
    assert '"复核得分"' not in evaluation_typst(plain)


def test_problems_section_lists_the_reviewed_score_of_an_adjusted_indicator(reviewed):
    # 计算得分 10 (over-achieved), reviewed to 8: the 存在问题 text must not still say 10/10
    from perfnb.reporting.narrative import render_section

    text = text_of(render_section(reviewed, "problems"))
    assert "实施安全生命防护工程里程（得分 8/10 分，经复核调整，超额完成）" in text
    assert "实施安全生命防护工程里程（得分 10/10 分" not in text
