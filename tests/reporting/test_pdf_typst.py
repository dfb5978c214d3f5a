"""The Typst PDF: perfnb outputs' text/x-typst, escaping, tags, reproducibility, PDF/A-3b.

Exports a notebook whose outputs come from perfnb's own display helpers (the narrative,
the Evaluation's tables, a chart) for an evaluation whose data is full of Typst and HTML
markup characters, plus markdown cells and a foreign HTML output.
"""
from __future__ import annotations

import io
import re

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from pypdf import PdfReader

from perfnb.evaluation.evaluator import evaluate
from perfnb.reporting import exporters, narrative, typst_markup
from perfnb.reporting.markdown_typst import markdown_to_typst

from tables import full_budget, indicator, make_unit, seed_tables

HOSTILE = "<script>alert(1)</script>"
MARKUP = r"#set text(red) $x^2$ *粗* _斜_ @ref <lbl> \ `raw` [链接] // 注释 /* c */ = - + 1. ~"
LONG_CODE = "MISSING_DEVIATION_REASON_FOR_A_VERY_LONG_INDICATOR_CODE_X"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _outputs(evaluation) -> list:
    """The outputs perfnb.notebook's helpers display, captured as notebook outputs."""
    from IPython.core.interactiveshell import InteractiveShell

    from perfnb import notebook as nb_helpers

    shell = InteractiveShell.instance()
    captured = []
    shell.display_pub.publish = lambda data, metadata=None, **kw: captured.append(
        new_output("display_data", data=data, metadata=metadata or {}))
    try:
        nb_helpers.show_title(evaluation)
        nb_helpers.show_section(evaluation, "basic", heading=True)
        nb_helpers.show_section(evaluation, "performance", heading=True)
        nb_helpers.show_findings(evaluation)
        nb_helpers.show_chart(evaluation, "score_vs_weight")
        nb_helpers.show_tables(evaluation)
    finally:
        del shell.display_pub.publish
    return captured


@pytest.fixture(scope="module")
def hostile_evaluation():
    tables = make_unit("u-1", [indicator(MARKUP, 10, 10, 5), indicator(HOSTILE, 10, 10, 10)],
                       budget=full_budget(), project=HOSTILE + MARKUP,
                       department="部门#$*_@<\\", problems=MARKUP)
    return evaluate(tables)


@pytest.fixture(scope="module")
def hostile_notebook(hostile_evaluation):
    nb = new_notebook()
    nb.metadata["perfnb"] = {"unit": {"unit_id": "u-1", "department": "部门#$*_@<\\",
                                      "project": HOSTILE}, "finished": "2026-03-04T05:06:07+00:00"}
    # The title (show_title, level 1) comes first: PDF/UA-1 wants the first heading at level 1.
    nb.cells = [new_code_cell("...", outputs=_outputs(hostile_evaluation)),
                new_markdown_cell("## 一、" + MARKUP.replace("*", "\\*").replace("_", "\\_")
                                  .replace("`", "\\`").replace("[", "\\[").replace("<", "&lt;")
                                  .replace("\\ ", "\\\\ ")),
                new_code_cell("df", outputs=[new_output(
                    "execute_result", execution_count=1,
                    data={"text/html": f"<table><tr><th>代码</th></tr><tr><td>{LONG_CODE}</td></tr>"
                                       "</table>", "text/plain": "df"})])]
    return nb


@pytest.fixture(scope="module")
def hostile_pdf(hostile_notebook):
    return exporters.export_pdf(hostile_notebook)


@pytest.fixture(scope="module")
def hostile_text(hostile_pdf):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(hostile_pdf)).pages)


def test_perfnb_outputs_carry_a_typst_representation(hostile_notebook):
    outputs = hostile_notebook.cells[0].outputs
    assert outputs and all(typst_markup.MIMETYPE in o.data for o in outputs)
    assert all("text/html" in o.data or "image/png" in o.data for o in outputs)
    chart = next(o for o in outputs if "image/png" in o.data)
    typst = chart.data[typst_markup.MIMETYPE]
    # The chart's SVG without its text; the labels are typeset by Typst over it.
    assert typst.startswith("#perfnb-chart(bytes(") and "<svg" in typst
    graphic = typst.split("labels: (", 1)[0]
    assert "<text" not in graphic and "labels: (" in typst


def test_markup_characters_in_data_print_literally(hostile_text):
    text = _squash(hostile_text)
    assert _squash(HOSTILE + MARKUP) in text          # the project name in the narrative
    assert _squash("部门#$*_@<\\") in text            # the department in the running header
    assert _squash(MARKUP) in text                    # an indicator name, the problems text
    assert _squash("一、" + MARKUP) in text            # the markdown heading, escaped in Markdown
    assert text.count(_squash(HOSTILE)) >= 4


def test_markdown_is_converted_safely():
    typst = markdown_to_typst("# 标题 #x\n\n正文 *强调* **加粗** `a_b` $y$ @z <w>\n\n- 一\n- 二\n")
    assert typst.startswith("= ")
    assert '#emph[#"强调";]' in typst and '#strong[#"加粗";]' in typst
    assert '#raw("a_b")' in typst
    for literal in ("#x", "$y$ @z "):
        assert literal in typst and f'"{literal}' in typst or literal in typst
    assert "#list(" in typst
    # No markup character of the text outside a string literal.
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', typst)
    assert "$" not in outside and "@" not in outside


def test_text_escapes_into_a_string_literal():
    assert typst_markup.text('a"b\\c#') == '#"a\\"b\\\\c#";'
    assert typst_markup.text(None) == "" and typst_markup.text(float("nan")) == ""
    assert typst_markup.string("x\ny\x07") == '"x\\ny"'


def test_two_exports_are_byte_identical(hostile_notebook, hostile_pdf):
    again = exporters.export_pdf(nbformat.from_dict(hostile_notebook))
    assert again == hostile_pdf


def test_pdf_date_comes_from_the_provenance(hostile_pdf):
    reader = PdfReader(io.BytesIO(hostile_pdf))
    assert reader.metadata["/CreationDate"].startswith("D:20260304050607")
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert "2026-03-04T05:06:07" in xmp


def test_pdf_without_a_level_1_heading_first_is_still_pdf_a_3b():
    nb = new_notebook()
    nb.cells = [new_markdown_cell("## 二级标题在前\n\n正文")]
    reader = PdfReader(io.BytesIO(exporters.export_pdf(nb)))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part(?:>|=\")3", xmp) and "pdfuaid" not in xmp
    assert "二级标题在前" in reader.pages[0].extract_text()


def test_pdf_is_tagged_pdf_a_3b_and_ua(hostile_pdf):
    reader = PdfReader(io.BytesIO(hostile_pdf))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] is True or root["/MarkInfo"]["/Marked"] == True  # noqa: E712
    tree = root["/StructTreeRoot"].get_object()
    kinds = set()

    def walk(node, depth=0):
        node = node.get_object()
        if depth > 60:
            return
        if isinstance(node, dict) or hasattr(node, "get"):
            if "/S" in node:
                kinds.add(str(node["/S"]))
            kids = node.get("/K")
            if kids is None:
                return
            for kid in (kids if isinstance(kids, list) else [kids]):
                if hasattr(kid, "get_object") and not isinstance(kid.get_object(), int):
                    walk(kid, depth + 1)
    walk(tree)
    assert {"/H1", "/Table", "/Figure"} <= kinds or {"/H1", "/Table"} <= kinds, kinds
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part(?:>|=\")3", xmp) and re.search(r"pdfaid:conformance(?:>|=\")B", xmp)
    assert re.search(r"pdfuaid:part(?:>|=\")1", xmp)
    assert root["/Lang"] == "zh-CN"


def test_long_codes_wrap_inside_the_page(hostile_pdf):
    reader = PdfReader(io.BytesIO(hostile_pdf))
    width = float(reader.pages[0].mediabox.width)
    rightmost = []
    for page in reader.pages:
        def visit(text, cm, tm, font, size):
            if text.strip():
                x = tm[4] * cm[0] + cm[4]
                rightmost.append(x + len(text.strip()) * 0.3 * size)
        page.extract_text(visitor_text=visit)
    assert _squash(LONG_CODE) in _squash("".join(p.extract_text() for p in reader.pages))
    assert rightmost and max(rightmost) < width


def _capture(function, *args, **kwargs) -> list:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    captured = []
    shell.display_pub.publish = lambda data, metadata=None, **kw: captured.append(
        new_output("display_data", data=data, metadata=metadata or {}))
    try:
        function(*args, **kwargs)
    finally:
        del shell.display_pub.publish
    return captured


@pytest.fixture(scope="module")
def seed_report():
    """The seed unit's report laid out as notebooks/evaluation.ipynb lays it out: markdown
    headings (level 2) above the outputs of perfnb.notebook's helpers."""
    from perfnb import notebook as helpers

    evaluation = evaluate(seed_tables())
    nb = new_notebook()
    nb.cells = [new_code_cell("", outputs=_capture(helpers.show_title, evaluation))]
    for section_id, heading in narrative.SECTIONS.items():
        nb.cells.append(new_markdown_cell(f"## {heading}"))
        show = helpers.show_findings if section_id == "findings" else \
            (lambda e, s=section_id: helpers.show_section(e, s))
        nb.cells.append(new_code_cell("", outputs=_capture(show, evaluation)))
        if section_id == "performance":
            nb.cells.append(new_code_cell("", outputs=_capture(
                helpers.show_chart, evaluation, "dimension_rates")))
    nb.cells.append(new_markdown_cell("## 附表：评分明细"))
    nb.cells.append(new_code_cell("", outputs=_capture(helpers.show_tables, evaluation)))
    return evaluation, PdfReader(io.BytesIO(exporters.export_pdf(nb)))


def test_chinese_text_is_extractable_in_reading_order(seed_report):
    evaluation, reader = seed_report
    text = _squash("".join(page.extract_text() for page in reader.pages))
    title = narrative.report_title(evaluation)
    order = [title, "一、项目基本情况", "（一）项目概况", "（二）绩效目标设定及指标完成情况",
             "三、项目绩效情况", "序号类别位置说明代码", "附表：评分明细", "一级指标二级指标三级指标"]
    positions = [text.index(_squash(item)) for item in order]
    assert positions == sorted(positions)
    # A justified paragraph of the narrative reads as one run of text.
    context = narrative.report_context(evaluation)
    assert _squash(f"年初预算数{narrative.format_amount(context['budget']['initial'])}万元") in text


def test_the_report_as_the_template_lays_it_out_is_pdf_ua(seed_report):
    _, reader = seed_report
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfuaid:part(?:>|=\")1", xmp), "Typst refused PDF/UA-1 (heading levels?)"
    assert len(reader.outline) >= 1  # bookmarks from the headings


def test_dataframes_get_a_typst_table_through_the_ipython_formatter():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    assert typst_markup.register_formatter(shell)
    frame = pd.DataFrame({"单位": ["a#b", HOSTILE], "得分": [97.6, 88.0]})
    data, _ = shell.display_formatter.format(frame)
    assert "text/html" in data and typst_markup.MIMETYPE in data
    typst = data[typst_markup.MIMETYPE]
    assert "table.header(" in typst and '#"a#b";' in typst and "97.6" in typst


def test_dataframe_tables_show_labelled_rows_and_wrap_long_codes():
    from perfnb.reporting.summary import _numbered

    frame = _numbered(pd.DataFrame({"问题代码": [LONG_CODE], "说明": ["长" * 120], "得分": [97.6]}))
    typst = typst_markup.dataframe(frame)
    assert '#"序号";' in typst and '#"1";' in typst         # 1..n under the 序号 corner
    assert '#"97.6";' in typst                               # numbers stay whole
    assert "#sym.zws;" in typst                              # the code may wrap after "_"
    # Too wide for the page at natural widths: explicit widths filling the text width, the
    # long text getting the most; the numbers' column at least as wide as "97.6".
    widths = [float(w) for w in re.search(r"columns: \(([^)]*)\)", typst).group(1)
              .replace("pt", "").strip(", ").split(", ")]
    assert len(widths) == 4 and abs(sum(widths) - typst_markup.PAGE_WIDTH_PT) < 1
    assert max(widths) == widths[2] and widths[3] >= typst_markup._text_width_pt("97.6")
