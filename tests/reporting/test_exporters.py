"""The nbconvert exporters perfnb_html and perfnb_pdf, and perfnb.reporting.pdf.typst_to_pdf.

One small notebook (markdown with Chinese, an HTML table output, PNG and SVG outputs, a code
cell, a cell tagged ``remove``) is exported once per module; the PDF tests share that file.
"""
from __future__ import annotations

import base64
import hashlib
import io
import re
import struct
import warnings
import zlib

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from pypdf import PdfReader

from perfnb.reporting import exporters, pdf as perfnb_pdf

HOSTILE = "<script>alert(1)</script>"
KNOWN_PHRASE = "本项目年度预算执行率为"
CODE_SOURCE = "secret_code_marker = compute_scores()"
REMOVED_TEXT = "这一格被标记为删除"
INPUT_BYTES = "单位编号,得分\nnmg-rd-2022,97.6\n".encode("utf-8")
LONG_CELL = ("“C14办公设备采购批次”得分 3.75 分，低于分值 5 分（年度指标值 4，实际完成值 3），"
             "但未填写偏差原因。请在“偏差原因分析及改进措施”中说明未完成的原因和改进措施。")


def _png(width: int = 40, height: int = 20) -> str:
    """A small valid RGB PNG, base64 (as a notebook stores it)."""
    raw = b"".join(b"\x00" + bytes((30, 120, 200)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return base64.encodebytes(png).decode("ascii")  # with line breaks, like nbformat


def build_notebook(project: str = HOSTILE) -> nbformat.NotebookNode:
    escaped = project.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    paragraph = (f"{KNOWN_PHRASE} 88.49%，总体绩效目标基本完成。项目实施过程中，单位严格执行预算，"
                 "加强资金监管，确保专款专用，产出、效益和满意度指标大部分达到预期。")
    nb = new_notebook()
    nb.metadata["perfnb"] = {
        "unit": {"unit_id": "nmg-rd-2022", "department": "内蒙古自治区人大常委会办公厅",
                 "project": project},
        "inputs": [{"path": "data/input.csv", "sha256": hashlib.sha256(INPUT_BYTES).hexdigest()},
                   {"path": "data/missing.xlsx", "sha256": "0" * 64}],
    }
    table = ("<table class='perfnb-indicators'><thead><tr><th>三级指标</th><th>得分</th><th>完成情况</th>"
             "<th>说明</th></tr></thead>"
             "<tbody><tr class='status-met'><td>立法调研次数</td><td class='num'>5.00</td><td>部分达成</td>"
             f"<td>{LONG_CELL}</td></tr>"
             f"<tr class='status-unmet'><td>{escaped}</td><td class='num'>3.75</td><td>未达成</td>"
             "<td>无</td></tr></tbody></table>")
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
           '<rect width="120" height="40" fill="#1a7f37"/></svg>')
    nb.cells = [
        new_markdown_cell(f"# 绩效自评报告：{escaped}\n\n{paragraph}"),
        new_code_cell(CODE_SOURCE, execution_count=1, outputs=[new_output(
            "execute_result", execution_count=1,
            data={"text/html": table, "text/plain": "DataFrame"})]),
        new_code_cell("show_chart()", execution_count=2, outputs=[
            new_output("display_data", data={"image/png": _png(), "text/plain": "<Figure>"}),
            new_output("display_data", data={"image/svg+xml": svg, "text/plain": "<SVG>"}),
            new_output("stream", name="stderr", text="DeprecationWarning: noise"),
        ]),
        new_code_cell("print('x')", execution_count=3, metadata={"tags": ["remove"]},
                      outputs=[new_output("stream", name="stdout", text=REMOVED_TEXT)]),
        new_markdown_cell("## 二、绩效目标完成情况\n\n" + "\n\n".join([paragraph] * 14)
                          + "\n\n- 审核代码 `SCORE_MISMATCH`\n- 第二项"),
        new_markdown_cell("## 三、存在问题\n\n" + "\n\n".join([paragraph] * 14)),
    ]
    return nb


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    (folder / "data").mkdir()
    (folder / "data" / "input.csv").write_bytes(INPUT_BYTES)
    nbformat.write(build_notebook(), folder / "report.ipynb")
    return folder


@pytest.fixture(scope="module")
def notebook(workdir):
    return nbformat.read(workdir / "report.ipynb", as_version=4)


@pytest.fixture(scope="module")
def html(notebook):
    return exporters.export_html(notebook)


@pytest.fixture(scope="module")
def exported_pdf(notebook, workdir):
    resources = {"metadata": {"name": "report", "path": str(workdir)}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data, out_resources = exporters.PerfnbPDFExporter().from_notebook_node(notebook, resources)
    return {"bytes": data, "resources": out_resources, "reader": PdfReader(io.BytesIO(data)),
            "warnings": [w for w in caught if issubclass(w.category, perfnb_pdf.AttachmentWarning)]}


@pytest.fixture(scope="module")
def pdf_text(exported_pdf):
    return [page.extract_text() for page in exported_pdf["reader"].pages]


# --------------------------------------------------------------------------- discovery

def test_exporters_are_found_through_the_nbconvert_entry_points():
    from nbconvert.exporters import get_exporter

    assert get_exporter("perfnb_html") is exporters.PerfnbHTMLExporter
    assert get_exporter("perfnb_pdf") is exporters.PerfnbPDFExporter


def test_jupyter_nbconvert_to_perfnb_html(workdir):
    from nbconvert.nbconvertapp import NbConvertApp

    app = NbConvertApp()
    app.initialize(["--to", "perfnb_html", "--output-dir", str(workdir / "out"),
                    str(workdir / "report.ipynb")])
    app.start()
    written = (workdir / "out" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in written
    assert KNOWN_PHRASE in written


# --------------------------------------------------------------------------- HTML

def test_html_is_chinese_and_has_no_code_or_prompts(html):
    assert '<html lang="zh-CN">' in html
    assert KNOWN_PHRASE in html
    assert "立法调研次数" in html
    assert CODE_SOURCE not in html and "show_chart" not in html
    assert REMOVED_TEXT not in html
    assert "DeprecationWarning" not in html
    assert not re.search(r"In\s*\[\d*\]|Out\s*\[\d*\]", html)
    assert "jp-InputArea" not in html and "highlight" not in html


def test_html_is_self_contained(html):
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    references = re.findall(r'(?:src|href)\s*=\s*["\']?([^"\'\s>]*)', html, flags=re.IGNORECASE)
    assert references, "the report has images"
    assert not [ref for ref in references if "http" in ref.lower() or ref.startswith("//")]
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", html)
    assert not re.search(r"@import", html)
    images = re.findall(r"<img [^>]*src=\"([^\"]*)\"", html)
    assert len(images) == 2
    assert images[0].startswith("data:image/png;base64,iVBORw0KGgo")
    assert "\n" not in images[0]
    assert images[1].startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(images[1].split(",", 1)[1]).decode()
    assert svg.startswith("<svg") and "#1a7f37" in svg
    # The fonts are embedded too.
    assert html.count('url("data:font/otf;base64,') == 2


def test_html_is_identical_across_exports(notebook, html):
    again = exporters.export_html(nbformat.reads(nbformat.writes(notebook), as_version=4))
    assert again == html


def test_export_reports_renders_the_template_once_for_both_reports(notebook, workdir, html,
                                                                  monkeypatch):
    calls = []
    render = exporters.PerfnbHTMLExporter._render

    def counting(self, *args, **kwargs):
        calls.append(type(self).__name__)
        return render(self, *args, **kwargs)

    monkeypatch.setattr(exporters.PerfnbHTMLExporter, "_render", counting)
    resources = {"metadata": {"name": "report", "path": str(workdir)}}
    reports = exporters.export_reports(notebook, resources, ("html", "pdf"))
    kind, first = next(reports)
    assert (kind, calls) == ("html", ["PerfnbPDFExporter"])  # the HTML comes before the PDF
    assert first == html  # byte for byte what --to perfnb_html writes
    kind, pdf = next(reports)
    assert kind == "pdf" and len(calls) == 1
    reader = PdfReader(io.BytesIO(pdf))
    assert "report.ipynb" in reader.attachments and "input.csv" in reader.attachments
    assert "绩效自评报告" in reader.pages[0].extract_text()
    with pytest.raises(ValueError):
        list(exporters.export_reports(notebook, resources, ("docx",)))


def test_html_escapes_the_hostile_title(html):
    assert HOSTILE not in html
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title == "绩效自评报告：&lt;script&gt;alert(1)&lt;/script&gt;"
    # The running header carries the project name as an escaped CSS string.
    assert "</style><" not in html.replace("</style>\n<", "")
    assert r"\3c script\3e alert(1)\3c /script\3e" in html


def test_html_has_a4_print_css_and_the_cjk_font_stacks(html):
    assert "size: A4" in html
    assert "break-inside: avoid" in html
    assert '"Noto Serif SC", "Noto Serif CJK SC"' in html
    assert '"Noto Sans SC", "Noto Sans CJK SC"' in html
    assert 'counter(page) " 页 / 共 " counter(pages)' in html


def test_title_comes_from_metadata_else_the_first_heading():
    nb = build_notebook("人大履职保障经费")
    assert exporters.notebook_title(nb) == "绩效自评报告：人大履职保障经费"
    nb.metadata["perfnb"]["title"] = "  自定义  标题 "
    assert exporters.notebook_title(nb) == "自定义 标题"
    nb = new_notebook(cells=[new_markdown_cell("没有标题"),
                             new_code_cell("x", outputs=[new_output(
                                 "display_data", data={"text/markdown": "## 输出中的 *标题*"})])])
    assert exporters.notebook_title(nb) == "输出中的 标题"
    assert exporters.notebook_title(new_notebook()) == exporters.DEFAULT_TITLE


def test_css_string_cannot_break_out_of_the_style_element():
    escaped = exporters.css_string('a"b\\c</style>\n')
    assert '"' not in escaped and "<" not in escaped and "\n" not in escaped
    assert escaped == r"a\22 b\5c c\3c /style\3e \a "


# --------------------------------------------------------------------------- PDF

def test_pdf_fonts_are_embedded_subsets(exported_pdf):
    reader = exported_pdf["reader"]
    seen = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert re.fullmatch(r"/[A-Z]{6}\+.+", font["/BaseFont"]), font["/BaseFont"]
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert re.fullmatch(r"/[A-Z]{6}\+.+", descriptor["/FontName"])
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)
            seen.add(str(font["/BaseFont"]).split("+", 1)[1])
    # Only the bundled fonts: body text in Noto Serif SC, headings and tables in Noto Sans SC.
    assert {"NotoSansSC-Regular-Identity-H", "NotoSerifSC-Regular-Identity-H"} <= seen
    assert all(name.startswith("NotoS") for name in seen), seen  # no fallback font slipped in
    assert len(exported_pdf["bytes"]) < 400_000  # subsets, not the 8-12 MB fonts


def test_pdf_uses_only_the_bundled_fonts_whatever_the_markup_asks_for():
    # Typst is given the font package's folder and ignores the machine's fonts: a font named
    # in the markup that is not bundled falls back to the bundled ones, never to a system
    # font (which would be embedded and differ between machines).
    body = '#text(font: "DejaVu Sans")[绩效自评 DejaVu] #text(font: "Noto Sans CJK SC")[项目支出]'
    data = perfnb_pdf.typst_to_pdf(body, title="t")
    reader = PdfReader(io.BytesIO(data))
    names = {str(f.get_object()["/BaseFont"]).split("+", 1)[1]
             for f in reader.pages[0]["/Resources"]["/Font"].values()}
    # Typst's own fallback face (Libertinus, inside the typst wheel) may set the Latin text
    # of a font that is not bundled; a font of the machine never is.
    assert names and all(name.startswith(("NotoS", "Libertinus")) for name in names), names
    assert not any("DejaVu" in name for name in names)
    assert "绩效自评" in reader.pages[0].extract_text() and len(data) < 100_000


def test_pdf_headings_are_bold_and_each_font_is_embedded_once(exported_pdf):
    # No Bold face is bundled: bold is drawn by stroking the outlines (text render mode 2),
    # with the same font file as the regular text.
    files_by_family: dict[str, set[int]] = {}
    strokes = 0
    for page in exported_pdf["reader"].pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            family = str(font["/BaseFont"]).split("+", 1)[1]
            files_by_family.setdefault(family, set()).add(descriptor.raw_get("/FontFile3").idnum)
        strokes += page.get_contents().get_data().count(b"2 Tr")
    assert strokes > 0
    assert files_by_family and all(len(files) == 1 for files in files_by_family.values()), \
        files_by_family


def test_pdf_table_cells_that_fit_stay_on_one_line(pdf_text):
    first = pdf_text[0]
    for cell in ("三级指标", "完成情况", "立法调研次数", "部分达成", "5.00", "3.75"):
        assert cell in first, cell
    # The long explanation wraps inside its (widest) column and keeps all its text.
    assert LONG_CELL.replace(" ", "") in first.replace("\n", "").replace(" ", "")


def test_pdf_text_is_extractable_chinese(pdf_text):
    assert len(pdf_text) >= 2
    assert KNOWN_PHRASE in pdf_text[0]
    assert "绩效自评报告：" + HOSTILE in pdf_text[0].replace("\n", "")
    assert "立法调研次数" in pdf_text[0]
    assert "第 1 页 / 共 {} 页".format(len(pdf_text)) in pdf_text[0]


def test_pdf_running_header_names_the_unit(pdf_text):
    second = pdf_text[1]
    assert "内蒙古自治区人大常委会办公厅" in second
    assert HOSTILE in second  # the project name, as text
    assert "单位编号：nmg-rd-2022" in second
    assert "第 2 页" in second


def test_pdf_is_pdf_a_3b_with_metadata(exported_pdf):
    reader = exported_pdf["reader"]
    assert exported_pdf["bytes"].startswith(b"%PDF-1.7")
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part(?:>|=\")3", xmp)
    assert re.search(r"pdfaid:conformance(?:>|=\")B", xmp)
    assert "绩效自评报告：&lt;script&gt;" in xmp  # the title, escaped as XML
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert reader.metadata.title == "绩效自评报告：" + HOSTILE
    assert reader.metadata.author == "内蒙古自治区人大常委会办公厅"


def test_pdf_attaches_the_notebook_and_the_inputs(exported_pdf, notebook):
    attachments = exported_pdf["reader"].attachments
    assert sorted(attachments) == ["input.csv", "report.ipynb"]
    assert attachments["report.ipynb"] == [nbformat.writes(notebook).encode("utf-8")]
    assert attachments["input.csv"] == [INPUT_BYTES]
    relationships = {}
    for ref in exported_pdf["reader"].trailer["/Root"]["/AF"]:
        spec = ref.get_object()
        relationships[spec["/F"]] = spec["/AFRelationship"]
    assert relationships == {"report.ipynb": "/Source", "input.csv": "/Data"}


def test_missing_inputs_are_reported_in_a_warning(exported_pdf):
    assert exported_pdf["resources"]["perfnb"]["missing_inputs"] == ["data/missing.xlsx"]
    messages = [str(w.message) for w in exported_pdf["warnings"]]
    assert len(messages) == 1 and "data/missing.xlsx" in messages[0]
    assert exported_pdf["resources"]["output_extension"] == ".pdf"


def test_changed_input_is_attached_with_a_warning(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "input.csv").write_bytes(INPUT_BYTES + b"changed\n")
    nb = build_notebook()
    nb.metadata["perfnb"]["inputs"] = nb.metadata["perfnb"]["inputs"][:1]
    with pytest.warns(perfnb_pdf.AttachmentWarning, match="SHA-256"):
        attachments, missing = exporters.notebook_attachments(
            nb, {"metadata": {"path": str(tmp_path), "name": "r"}})
    assert missing == []
    assert [name for name, _ in attachments] == ["r.ipynb", "input.csv"]


def test_typst_to_pdf_for_other_modules():
    from perfnb.reporting.typst_markup import text

    body = "= 部门汇总\n\n" + text("共 12 个项目，平均得分 91.3 分。")
    data = perfnb_pdf.typst_to_pdf(body, title="部门汇总", attachments=[("summary.xlsx", b"PK\x03\x04")])
    reader = PdfReader(io.BytesIO(data))
    assert "共 12 个项目，平均得分 91.3 分。" in reader.pages[0].extract_text()
    assert reader.metadata.title == "部门汇总"
    assert reader.attachments == {"summary.xlsx": [b"PK\x03\x04"]}


# --------------------------------------------------------------------------- images

def _png_bytes(width: int, height: int) -> bytes:
    from PIL import Image

    picture = Image.new("RGB", (width, height), (30, 120, 200))
    out = io.BytesIO()
    picture.save(out, format="PNG", dpi=(150, 150))
    return out.getvalue()


def test_pdf_draws_png_as_an_image_and_svg_as_vectors(tmp_path):
    import pypdfium2

    nb = new_notebook()
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">'
           '<rect width="300" height="100" fill="#cf222e"/></svg>')
    nb.cells = [new_code_cell("chart()", outputs=[
        new_output("display_data", data={"image/png": base64.b64encode(_png_bytes(944, 400)).decode(),
                                         "text/plain": "<Figure>"}),
        new_output("display_data", data={"image/svg+xml": svg, "text/plain": "<SVG>"})])]
    data = exporters.export_pdf(nb)
    page_object = PdfReader(io.BytesIO(data)).pages[0]
    images = [obj.get_object() for obj in page_object["/Resources"]["/XObject"].values()
              if obj.get_object().get("/Subtype") == "/Image"]
    assert len(images) == 1 and images[0]["/Width"] == 944  # the PNG, at its full resolution
    page = pypdfium2.PdfDocument(data)[0].render(scale=0.5).to_pil().convert("RGB")
    colours = page.getcolors(maxcolors=1_000_000)

    def painted(rgb):
        return sum(count for count, colour in colours
                   if all(abs(a - b) < 12 for a, b in zip(colour, rgb)))
    assert painted((30, 120, 200)) > 10_000  # the PNG's area is painted in its colour
    assert painted((207, 34, 46)) > 1_000    # and the SVG's rectangle
