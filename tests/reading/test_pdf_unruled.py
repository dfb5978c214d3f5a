"""PDF forms whose tables have a text layer but no ruling lines (Word/WPS borders off, a web
page printed): the table is rebuilt from where the words stand and reads like the ruled form.

The published forms' unruled PDFs (tests/fixtures/real-forms/built/*-unruled.pdf, LibreOffice
from the form's Word table with every border off) are also in expected.yaml, so the
reviewer's figures are checked by test_real_forms.py; here they must give what the .xlsx
gives, and typst-made tables without lines (another layout engine, labels at the top of their
merged cells or centred over them, a table running over two pages) what the seed form gives.
"""
from __future__ import annotations


import pdfplumber
import pytest

from format_builders import OFFICIAL, read_grid, write_pdf
from perfnb.errors import InputError
from perfnb.reading import load_forms, load_unit
from test_real_form_formats import BUILT, reading

UNRULED = ["form05", "form06", "form10", "pub01"]
FIELDS = ["level1", "level2", "name", "kind", "operator", "target_text", "target", "actual_text",
          "actual", "measure_unit", "weight", "reported_score", "deviation_reason"]


def _rows(tables) -> list[list[object]]:
    frame = tables.indicators[FIELDS].astype(object)
    return frame.where(frame.notna(), None).values.tolist()


@pytest.mark.parametrize("form", UNRULED)
def test_fixture_has_no_ruling_lines(form):
    with pdfplumber.open(BUILT / f"{form}-unruled.pdf") as document:
        assert all(page.chars for page in document.pages)
        assert not any(page.lines or page.rects or page.find_tables() for page in document.pages)


@pytest.mark.parametrize("form", UNRULED)
def test_unruled_pdf_reads_like_the_xlsx(form):
    [result] = load_forms(BUILT / f"{form}-unruled.pdf")
    assert reading(result) == reading(load_forms(BUILT / f"{form}.xlsx")[0])


@pytest.fixture(scope="module")
def seed():
    return _rows(load_unit(OFFICIAL))


@pytest.mark.parametrize("options", [
    {},                                                   # labels at the top, blank below
    {"align": "horizon"},                                 # labels centred over their groups
    {"page_height": "12cm"},                              # the table runs on over page 2
    {"page_height": "12cm", "align": "horizon"},
], ids=["top", "centred", "two-pages", "two-pages-centred"])
def test_typst_table_without_lines_reads_like_the_seed(tmp_path, seed, options):
    path = write_pdf(tmp_path / "form.pdf", [("", read_grid())], ruled=False, **options)
    with pdfplumber.open(path) as document:
        assert not any(page.find_tables() for page in document.pages)
        pages = len(document.pages)
    assert pages == (2 if "page_height" in options else 1)
    tables = load_unit(path)
    assert _rows(tables) == seed
    unit = tables.units.iloc[0]
    assert (unit["project"], unit["reported_total"], unit["reported_grade"]) == \
        ("人大履职保障经费", 97.6, "优")
    assert unit["goal_planned"].startswith("完成处理机关日常工作")
    budget = tables.budgets.iloc[0]
    assert (budget["initial"], budget["executed"], budget["reported_score"]) == \
        (2229, 1972.41, 8.85)


def test_merged_labels_fill_their_groups():
    """form06: 产出指标 printed once in the middle of its four rows, 效益指标 of its three;
    二级 labels wrapped over two lines, printed tight one above the other."""
    tables = load_unit(BUILT / "form06-unruled.pdf")
    levels = tables.indicators[["level1", "level2"]].values.tolist()
    assert levels == [["产出指标", "数量指标"]] * 2 + [["产出指标", "时效指标"],
                                                  ["产出指标", "质量指标"],
                                                  ["效益指标", "经济效益指标"],
                                                  ["效益指标", "社会效益指标"],
                                                  ["效益指标", "可持续影响指标"]]
    assert tables.indicators["target"].tolist()[:2] == [200, 120]      # "≥200平方\n米"


def test_text_without_a_form_is_still_refused(tmp_path):
    import typst
    from perfnb.reporting.fonts import SANS, font_path
    path = tmp_path / "minutes.pdf"
    path.write_bytes(typst.compile(
        f'#set text(font: "{SANS.family}")\n会议纪要\n\n一、关于预算执行\n\n二、关于绩效目标'
        .encode("utf-8"), format="pdf", font_paths=[str(font_path(SANS).parent)]))
    with pytest.raises(InputError, match=r"minutes\.pdf.*PDF 中找不到绩效指标表"):
        load_unit(path)


def test_scanned_pdf_is_still_one_clear_error():
    with pytest.raises(InputError) as excinfo:
        load_forms(BUILT / "scanned.pdf")
    message = str(excinfo.value)
    assert "该 PDF 没有可提取的文字（可能是扫描件）" in message and message.count("\n") == 0
