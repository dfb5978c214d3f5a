"""The Word report: outline, tables, images, official-document styling, and what it says."""
from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm

import perfnb
from perfnb.reporting import narrative
from perfnb.reading.wordreport import load_docx
from perfnb.reporting.office.docx_report import FONTS, html_blocks, write_docx_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seed_evaluation():
    return perfnb.evaluate(perfnb.load_unit(ROOT / "params" / "nmg-rd-2022-rdlz.yaml"), "central")


@pytest.fixture(scope="module")
def report(seed_evaluation, tmp_path_factory):
    path = write_docx_report(seed_evaluation, tmp_path_factory.mktemp("docx") / "seed.docx")
    return path, docx.Document(str(path))


def _east_asia(element) -> str | None:
    rpr = element.rPr
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def _table_with(document, header: str):
    for table in document.tables:
        if header in [cell.text for cell in table.rows[0].cells]:
            return table
    raise AssertionError(f"no table with header {header}")


def test_outline_headings(report):
    _, document = report
    by_style = {}
    for paragraph in document.paragraphs:
        by_style.setdefault(paragraph.style.name, []).append(paragraph.text)
    assert by_style["Title"] == ["内蒙古自治区人大常委会办公厅人大履职保障经费2022年度绩效自评报告"]
    assert by_style["Heading 1"][:5] == ["一、项目基本情况", "二、绩效自评工作情况", "三、项目绩效情况",
                                         "四、存在问题", "五、其他需要说明的问题"]
    assert "审核发现" in by_style["Heading 1"]
    assert by_style["Heading 2"][0] == "（一）项目概况"
    assert all(re.match(r"^（[一二三四五六七八九十]+）", text) for text in by_style["Heading 2"])


def test_indicator_table_has_both_scores_and_a_repeated_header(report):
    _, document = report
    table = _table_with(document, "三级指标")
    header = [cell.text for cell in table.rows[0].cells]
    assert header == ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "自评得分",
                      "复核得分", "完成情况"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    rows = {row.cells[2].text: [c.text for c in row.cells] for row in table.rows[1:]}
    assert rows["C14办公设备采购批次"][3:] == ["≥4批次", "3批次", "5", "3.75", "3.75", "部分达成"]
    assert rows["E1服务人员满意度"][6:8] == ["9.5", "10"]
    assert rows["C11后勤保障日常工作时间"][0] == "产出指标"         # 一级 merged down
    total = [c.text for c in table.rows[-1].cells]
    assert total[0] == "总分" and total[-3:] == ["97.6", "97.6", "优"]


def test_budget_and_findings_tables(report):
    _, document = report
    budget = _table_with(document, "年初预算数")
    first = [c.text for c in budget.rows[1].cells]
    assert first[:4] == ["年度资金总额", "2,229.00", "—", "1,972.41"]
    assert first[-2:] == ["88.49%", "8.85"]
    findings = _table_with(document, "代码")
    codes = {row.cells[4].text for row in findings.rows[1:]}
    assert {"SCORE_MISMATCH", "SUBTOTAL_MISMATCH", "LOW_EXECUTION"} <= codes


def test_charts_are_inline_png_images_15cm_wide(report):
    _, document = report
    shapes = document.inline_shapes
    assert len(shapes) == 4
    for shape in shapes:
        assert abs(shape.width - Cm(15)) < Cm(0.05)
    image_parts = [p for p in document.part.package.parts if p.partname.endswith(".png")]
    assert len(image_parts) == 4 and all(p.blob[:8] == b"\x89PNG\r\n\x1a\n" for p in image_parts)
    captions = [p.text for p in document.paragraphs if p.style.name == "题注文字"]
    assert [c.split()[0] for c in captions if c.startswith("图")] == ["图1", "图2", "图3", "图4"]


def test_east_asian_fonts_on_styles_and_runs(report):
    _, document = report
    styles = document.styles
    assert _east_asia(styles["Normal"].element) == FONTS["body"]
    assert _east_asia(styles["Heading 1"].element) == FONTS["hei"]
    assert _east_asia(styles["Heading 2"].element) == FONTS["kai"]
    assert _east_asia(styles["Title"].element) == FONTS["song"]
    for name in ("Normal", "Heading 1", "Heading 2"):
        fonts = styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsiaTheme")) is None and fonts.get(qn("w:asciiTheme")) is None
    assert styles["Normal"].font.size.pt == 16 and styles["Title"].font.size.pt == 22
    assert styles["Normal"].paragraph_format.line_spacing == 1.5
    indent = styles["Normal"].element.pPr.find(qn("w:ind"))
    assert indent.get(qn("w:firstLineChars")) == "200"
    runs = [run for p in document.paragraphs for run in p.runs if run.text.strip()]
    runs += [run for t in document.tables for row in t.rows for cell in row.cells
             for p in cell.paragraphs for run in p.runs if run.text.strip()]
    assert runs and all(_east_asia(run._r) for run in runs)


def test_page_a4_margins_and_page_number_field(report):
    _, document = report
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.01)
    assert abs(section.page_height - Cm(29.7)) < Cm(0.01)
    assert abs(section.top_margin - Cm(3.7)) < Cm(0.01)
    assert abs(section.left_margin - Cm(2.8)) < Cm(0.01)
    footer = section.footer.paragraphs[0]
    xml = footer._p.xml
    assert "PAGE" in "".join(t.text for t in footer._p.iter(qn("w:instrText")))
    assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
    assert footer.text.startswith("— ") and footer.text.endswith(" —")


def test_says_what_the_html_report_says(report, seed_evaluation):
    _, document = report
    words = "\n".join(p.text for p in document.paragraphs)
    html = narrative.render_report(seed_evaluation)
    paragraphs = [b for b in html_blocks(html) if b[0] == "paragraph"]
    assert len(paragraphs) > 20
    for block in paragraphs:
        text = "".join(t for t, _ in block[1])
        assert text in words, text


def test_word_report_reads_back_with_the_same_scores(report, seed_evaluation):
    path, _ = report
    again = perfnb.evaluate(load_docx(path), "central").to_dict()
    original = seed_evaluation.to_dict()
    assert again["total"] == 97.6 and again["grade"] == "优"
    assert again["dimensions"] == original["dimensions"]
    assert [(i["name"], i["score"]) for i in again["indicators"]] == \
        [(i["name"], i["score"]) for i in original["indicators"]]


def test_chart_choices(seed_evaluation, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    without = docx.Document(str(write_docx_report(seed_evaluation, tmp_path / "a.docx",
                                                  charts=False)))
    assert len(without.inline_shapes) == 0
    figure = plt.figure(figsize=(2, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    given = docx.Document(str(write_docx_report(seed_evaluation, tmp_path / "b.docx",
                                                charts={"自定义图": buffer.getvalue()})))
    assert len(given.inline_shapes) == 1
    assert any(p.text == "图1  自定义图" for p in given.paragraphs)


def test_sichuan_word_report_reads_back_with_the_same_scores(tmp_path):
    original = perfnb.evaluate(perfnb.load_unit(ROOT / "params" / "sc-lx-2023-gbzn.yaml"), "sichuan")
    path = write_docx_report(original, tmp_path / "sc.docx", charts=False)
    again = perfnb.evaluate(load_docx(path), "sichuan").to_dict()
    expected = original.to_dict()
    assert (again["total"], again["grade"]) == (expected["total"], expected["grade"]) == (97.94, "优")
    assert again["budget"]["score"] == expected["budget"]["score"]
    assert [i["score"] for i in again["indicators"]] == [i["score"] for i in expected["indicators"]]
