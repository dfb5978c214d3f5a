"""The published forms (tests/fixtures/real-forms/built/) read the same in every format they are
built into, and each form of the multi-form files reads as its own single-form file.

What a form should score is tests of the form readers; here only that .xls, .ods, .docx,
.pdf and .html (a web page: site navigation around the form, GBK or UTF-8, &nbsp; and <br>)
lose nothing the .xlsx gives: indicators, funds, total and the codes of the findings.
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from perfnb.errors import InputError
from perfnb.evaluation.evaluator import evaluate
from perfnb.reading import load_forms

BUILT = Path(__file__).resolve().parents[1] / "fixtures" / "real-forms" / "built"
# as built/manifest.yaml lists them (that file does not parse as YAML: two entries end in "}}")
MULTI = {"multi-sheets.xlsx": ["form05", "form06", "form09"],
         "multi-stacked.xlsx": ["form06", "form12"],
         "multi-forms.docx": ["form05", "form06", "form10"],
         "multi-forms.pdf": ["form05", "form06", "form10"]}
INDICATOR_FIELDS = ["level1", "level2", "name", "kind", "operator", "target", "actual",
                    "measure_unit", "weight", "reported_score"]
BUDGET_FIELDS = ["initial", "adjusted", "executed", "weight", "reported_rate", "reported_score"]
FORMS = sorted({path.stem for path in BUILT.glob("form*.xlsx")})
# every transcribed form (formNN and pubNN) is also built as a web page
PAGES = sorted(path.stem for path in BUILT.glob("*.html") if (BUILT / f"{path.stem}.xlsx").exists())


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def reading(result) -> tuple:
    """What a reviewer sees of one form: its rows, funds, total and finding codes (or its
    error's problem, without the file name)."""
    if result.error is not None:
        return ("error", str(result.error).split("：", 1)[-1])
    tables = result.tables
    scored = evaluate(tables)
    return ([[_plain(v) for v in row] for row in tables.indicators[INDICATOR_FIELDS]
             .astype(object).values.tolist()],
            [_plain(v) for v in tables.budgets[BUDGET_FIELDS].astype(object).iloc[0]],
            tables.units["project"].iloc[0],
            [_plain(v) for v in scored.totals["total"].tolist()], sorted(scored.findings["code"]))


@pytest.fixture(scope="module")
def from_xlsx():
    return {form: reading(load_forms(BUILT / f"{form}.xlsx")[0]) for form in FORMS}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("suffix", ["xls", "ods", "docx", "pdf"])
def test_each_format_reads_like_the_xlsx(form, suffix, from_xlsx):
    [result] = load_forms(BUILT / f"{form}.{suffix}")
    assert reading(result) == from_xlsx[form]


@pytest.mark.parametrize("form", PAGES)
def test_each_web_page_reads_like_the_xlsx(form):
    expected = _read(BUILT / f"{form}.xlsx")
    assert _read(BUILT / f"{form}.html") == expected


def test_a_page_saved_as_mhtml_reads_like_the_xlsx(from_xlsx):
    [result] = load_forms(BUILT / "form06.mhtml")
    assert reading(result) == from_xlsx["form06"]


def test_gbk_pages_declare_gb2312_and_are_not_utf8():
    """The builder's GBK pages are what old sites serve (else the test above proves little)."""
    data = (BUILT / "form05.html").read_bytes()
    assert b"charset=gb2312" in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def _read(path: Path):
    """reading() of a one-form file, or the problem of the error that stopped it."""
    try:
        [result] = load_forms(path)
    except InputError as error:
        return ("refused", type(error).__name__)
    return reading(result)


@pytest.mark.parametrize("name", sorted(MULTI))
def test_multi_form_files_give_each_form(name, from_xlsx):
    results = load_forms(BUILT / name)
    expected = MULTI[name]
    assert [r.index for r in results] == list(range(1, len(expected) + 1))
    assert [reading(r) for r in results] == [from_xlsx[form] for form in expected]
    stem = Path(name).stem
    assert all(r.unit_id.startswith(f"{stem}-") for r in results)
    assert len({r.unit_id for r in results}) == len(results)


def test_scanned_pdf_is_one_clear_error():
    with pytest.raises(Exception) as excinfo:
        load_forms(BUILT / "scanned.pdf")
    assert "该 PDF 没有可提取的文字（可能是扫描件）" in str(excinfo.value)
