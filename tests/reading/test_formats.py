"""Every file format a department may send reads to the same unit as the .xlsx it was made from.

tests/fixtures/formats/official.{xlsx,xls,ods}: the seed's official form and what LibreOffice
saves of it (tools/make_format_fixtures.py), with the satisfaction actual a percentage cell
(0.95 shown as 95%).  Word and PDF versions are written at test time from the same grid
(tests/format_builders.py): real gridSpan/vMerge merges and runs, a ruled typst table.
"""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from perfnb.errors import InputError
from perfnb.evaluation.evaluator import evaluate
from perfnb.reading import load_unit

from format_builders import FORMATS, OFFICIAL, read_grid, write_docx, write_pdf, write_scanned_pdf

INDICATOR_FIELDS = ["level1", "level2", "name", "kind", "operator", "target", "actual",
                    "measure_unit", "weight", "reported_score", "target_grade", "actual_grade"]
BUDGET_FIELDS = ["initial", "adjusted", "executed", "weight", "reported_rate", "reported_score"]
UNIT_FIELDS = ["project", "department", "implementing_unit", "year", "reported_total",
               "reported_grade"]


@pytest.fixture(scope="module")
def reference():
    tables = load_unit(OFFICIAL)
    return tables, evaluate(tables)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    grid = read_grid()
    made = {
        "xls": FORMATS / "official.xls",
        "ods": FORMATS / "official.ods",
        "docx": write_docx(folder / "official.docx", [("", grid)]),
        # the table cut before C2 and continued after a page break, header repeated
        "docx-continued": write_docx(folder / "continued.docx", [("", grid)],
                                     split_at="C2工作完成质量"),
        "pdf": write_pdf(folder / "official.pdf", [("", grid)]),
        # a short page: the table runs on over the next page
        "pdf-two-pages": write_pdf(folder / "two-pages.pdf", [("", grid)], page_height="12cm"),
    }
    # WPS saves its own .et (a BIFF workbook as .xls is), and files get renamed on the way
    made["et"] = shutil.copy(FORMATS / "official.xls", folder / "official.et")
    made["xls-named-xlsx"] = shutil.copy(FORMATS / "official.xls", folder / "renamed.xlsx")
    return made


def _same(frame: pd.DataFrame, other: pd.DataFrame, fields: list[str]) -> None:
    pd.testing.assert_frame_equal(frame[fields].reset_index(drop=True).astype(object),
                                  other[fields].reset_index(drop=True).astype(object),
                                  check_dtype=False)


@pytest.mark.parametrize("kind", ["xls", "ods", "et", "xls-named-xlsx", "docx", "docx-continued",
                                  "pdf", "pdf-two-pages"])
def test_format_reads_like_the_xlsx(kind, files, reference):
    tables, scored = reference
    other = load_unit(files[kind])
    _same(other.indicators, tables.indicators, INDICATOR_FIELDS)
    _same(other.budgets, tables.budgets, BUDGET_FIELDS)
    _same(other.units, tables.units, UNIT_FIELDS)
    result = evaluate(other)
    assert result.totals["total"].tolist() == scored.totals["total"].tolist() == [97.6]
    _same(result.dimensions, scored.dimensions, ["level1", "weight", "score"])
    assert sorted(result.findings["code"]) == sorted(scored.findings["code"])


@pytest.mark.parametrize("suffix", ["xlsx", "xls", "ods"])
def test_percentage_cells_are_percent_points(suffix):
    # 0.95 formatted as 0% is the 95% the form shows: without the format it would be 0.95
    tables = load_unit(FORMATS / f"official.{suffix}")
    row = tables.indicators.set_index("name").loc["E1服务人员满意度"]
    assert (row["actual"], row["actual_text"]) == (95.0, "95%")
    assert tables.budgets["reported_rate"].iloc[0] == pytest.approx(0.8849)


def test_layout_is_kept_per_reader(files):
    assert load_unit(files["pdf"]).units["layout"].iloc[0] == "official"
    assert load_unit(files["ods"]).units["layout"].iloc[0] == "official"


def test_docx_merges_are_real_word_merges(files):
    # the fixture must exercise what office suites write, not python-docx's own shortcuts
    import zipfile
    xml = zipfile.ZipFile(files["docx"]).read("word/document.xml").decode("utf-8")
    assert "w:gridSpan" in xml and 'w:vMerge w:val="restart"' in xml and "<w:vMerge/>" in xml
    assert xml.count("<w:tbl>") == 1
    continued = zipfile.ZipFile(files["docx-continued"]).read("word/document.xml").decode("utf-8")
    assert continued.count("<w:tbl>") == 2 and 'w:type="page"' in continued


def test_pdf_continued_table_is_one_grid(files):
    from perfnb.reading.pdffile import pdf_grids
    grids = pdf_grids(files["pdf-two-pages"])
    assert [grid.sheet for grid in grids] == ["第1–2页"]


def test_scanned_pdf_says_so(tmp_path):
    path = write_scanned_pdf(tmp_path / "扫描件.pdf")
    with pytest.raises(InputError) as excinfo:
        load_unit(path)
    message = str(excinfo.value)
    assert "扫描件.pdf" in message
    assert "该 PDF 没有可提取的文字（可能是扫描件）" in message
    assert "请提供 Excel/Word 原件或带文字的 PDF" in message


def test_pdf_without_ruled_form(tmp_path):
    import typst
    from perfnb.reporting.fonts import SANS, font_path
    path = tmp_path / "letter.pdf"
    path.write_bytes(typst.compile(f'#set text(font: "{SANS.family}")\n关于报送绩效自评表的函'
                                   .encode("utf-8"), format="pdf",
                                   font_paths=[str(font_path(SANS).parent)]))
    with pytest.raises(InputError, match=r"letter\.pdf.*PDF 中找不到绩效指标表"):
        load_unit(path)


def test_broken_xls_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(InputError) as excinfo:
        load_unit(path)
    assert "broken.xls" in str(excinfo.value) and "无法读取工作簿" in str(excinfo.value)


def test_wps_file_that_cannot_be_read_gets_a_wps_hint(tmp_path):
    path = tmp_path / "表格.et"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(InputError) as excinfo:
        load_unit(path)
    assert "WPS" in str(excinfo.value) and "另存为" in str(excinfo.value)


def test_legacy_word_and_unknown_types(tmp_path):
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0old")
    with pytest.raises(InputError, match=r"old\.doc.*\.docx"):
        load_unit(tmp_path / "old.doc")
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"无法识别的文件类型.*\.pdf.*\.html.*\.txt"):
        load_unit(tmp_path / "notes.md")
