"""nbconvert exporters ``perfnb_html`` and ``perfnb_pdf`` (entry points in pyproject.toml).

``jupyter nbconvert --to perfnb_html report.ipynb`` writes the 绩效自评报告 as one
self-contained HTML file: outputs and markdown only (no code, no prompts, cells tagged
``remove`` left out), no scripts, no URLs, images as data URIs, fonts embedded as subsets.
``--to perfnb_pdf`` renders the notebook with Typst as PDF/A-3b (see :mod:`perfnb.reporting.pdf`) with
page numbers, a running header naming the unit, and the executed notebook plus its input files
attached.  Each perfnb output carries a Typst representation (MIME type ``text/x-typst``, see
:mod:`perfnb.reporting.typst_markup`) beside its HTML; markdown cells are converted.

Notebook metadata read (all optional), under ``metadata.perfnb``::

    title:  "…"                                   # else the first heading
    unit:   {"unit_id": …, "department": …, "project": …}
    inputs: [{"path": "data/x.xlsx", "sha256": "…"}]   # attached to the PDF
"""
from __future__ import annotations

import base64
import hashlib
import html as html_lib
import re
import threading
import warnings
from pathlib import Path
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import nbformat
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from traitlets import Bool, default

from perfnb.reporting import fonts

TEMPLATE_BASEDIR = Path(__file__).parent / "templates" / "nbconvert"
TEMPLATE_NAME = "perfnb"
DEFAULT_TITLE = "绩效自评报告"
REMOVE_CELL_TAGS = ("remove", "remove-cell", "remove_cell")
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")
# Replaced by the @font-face rules once the whole document (and so its characters) is known.
FONT_MARKER = "/* perfnb:font-faces */"

_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_HTML_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


# --------------------------------------------------------------------------- metadata

def perfnb_metadata(nb) -> dict:
    """``nb.metadata.perfnb`` as a plain dict ({} if absent or malformed)."""
    meta = nb.get("metadata", {}).get("perfnb", {})
    return dict(meta) if isinstance(meta, dict) else {}


def _html_to_text(fragment: str) -> str:
    return " ".join(html_lib.unescape(_TAG.sub("", fragment)).split())


def _cell_removed(cell) -> bool:
    return any(tag in REMOVE_CELL_TAGS for tag in cell.get("metadata", {}).get("tags", []))


def notebook_title(nb) -> str:
    """The report title as plain text (not HTML-escaped).

    ``metadata.perfnb.title`` if set, else the first heading of a markdown cell or of a
    markdown/HTML output (in document order, skipping removed cells), else 绩效自评报告.
    Markdown and HTML character references are resolved, so an upstream-escaped
    ``&lt;script&gt;`` becomes the text ``<script>`` (the template escapes it again).
    """
    title = perfnb_metadata(nb).get("title")
    if isinstance(title, str) and title.strip():
        return " ".join(title.split())
    for cell in nb.get("cells", []):
        if _cell_removed(cell):
            continue
        sources: list[tuple[str, str]] = []
        if cell.get("cell_type") == "markdown":
            sources.append(("markdown", cell.get("source", "")))
        elif cell.get("cell_type") == "code":
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/markdown" in data:
                    sources.append(("markdown", data["text/markdown"]))
                elif "text/html" in data:
                    sources.append(("html", data["text/html"]))
        for kind, text in sources:
            if isinstance(text, list):
                text = "".join(text)
            if kind == "markdown":
                match = _ATX_HEADING.search(text)
                found = _html_to_text(markdown2html_mistune(match.group(1))) if match else ""
            else:
                match = _HTML_HEADING.search(text)
                found = _html_to_text(match.group(1)) if match else ""
            if found:
                return found
    return DEFAULT_TITLE


def unit_header(nb, title: str) -> tuple[str, str]:
    """(left, right) text of the PDF running header: department · project | unit id."""
    unit = perfnb_metadata(nb).get("unit") or {}
    if not isinstance(unit, dict):
        unit = {}
    left = " · ".join(str(unit[key]).strip() for key in ("department", "project")
                      if unit.get(key) not in (None, ""))
    right = str(unit.get("unit_id") or "").strip()
    return (left or title), (f"单位编号：{right}" if right else "")


def _subject(nb) -> str:
    """The PDF's subject (XMP dc:description): what the report is, for which unit."""
    unit = perfnb_metadata(nb).get("unit") or {}
    unit = unit if isinstance(unit, dict) else {}
    parts = [str(unit[key]).strip() for key in ("department", "project") if unit.get(key)]
    subject = "项目支出绩效自评报告"
    if parts:
        subject += "：" + " · ".join(parts)
    if unit.get("unit_id"):
        subject += f"（单位编号 {str(unit['unit_id']).strip()}）"
    return subject


# --------------------------------------------------------------------------- filters

def css_string(value: Any) -> str:
    """Escape text for a double-quoted CSS string inside an HTML ``<style>`` element."""
    escaped = []
    for char in str(value):
        if char in '\\"\'<>&' or ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return "".join(escaped)


def clean_base64(value: Any) -> str:
    """Base64 text of a notebook image output, without line breaks or spaces."""
    if isinstance(value, list):
        value = "".join(value)
    return "".join(str(value).split())


def to_base64(value: Any) -> str:
    """Base64 of a text output (e.g. SVG markup), UTF-8 encoded."""
    if isinstance(value, list):
        value = "".join(value)
    return base64.b64encode(str(value).encode("utf-8")).decode("ascii")


# --------------------------------------------------------------------------- exporters

class PerfnbHTMLExporter(HTMLExporter):
    """The 绩效自评报告 as one self-contained HTML file (``--to perfnb_html``)."""

    export_from_notebook = "绩效自评报告 HTML"

    embed_fonts = Bool(
        True, help="Embed Noto Sans SC / Noto Serif SC, subset to the report's characters, "
                   "as data URIs (the file then looks the same on every machine).",
    ).tag(config=True)

    @default("template_name")
    def _template_name_default(self):
        return TEMPLATE_NAME

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self):
        return [str(TEMPLATE_BASEDIR), *super()._default_extra_template_basedirs()]

    @default("exclude_input")
    def _exclude_input_default(self):
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self):
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self):
        return True

    @default("exclude_anchor_links")
    def _exclude_anchor_links_default(self):
        return True

    @default("embed_images")
    def _embed_images_default(self):
        return True

    def default_filters(self):
        yield from super().default_filters()
        yield ("css_string", css_string)
        yield ("clean_base64", clean_base64)
        yield ("to_base64", to_base64)

    def _perfnb_resources(self, nb) -> dict:
        title = notebook_title(nb)
        header_left, header_right = unit_header(nb, title)
        unit = perfnb_metadata(nb).get("unit") or {}
        author = str(unit.get("department") or "") if isinstance(unit, dict) else ""
        return {
            "title": title,
            "author": author,
            "header_left": header_left,
            "header_right": header_right,
            "sans_stack": fonts.SANS.css_stack,
            "serif_stack": fonts.SERIF.css_stack,
            "remove_cell_tags": list(REMOVE_CELL_TAGS),
            "remove_output_tags": list(REMOVE_OUTPUT_TAGS),
            "font_marker": FONT_MARKER,
            "subject": _subject(nb),
        }

    def _render(self, nb, resources: dict | None, **kw) -> tuple[str, dict]:
        """HTML with the font marker still in place, and the resources.

        This is ``HTMLExporter.from_notebook_node`` without its final BeautifulSoup pass,
        which only adds ``tabindex`` to JupyterLab classes our template does not use and
        ``alt`` to images (ours have one): it re-parsed the whole report, images included,
        and its CSS selector engine compiled for 0.1-0.3 s on first use in a process.
        """
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        resources = dict(resources or {})
        resources["perfnb"] = self._perfnb_resources(nb)
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name", None))
        highlight_code = self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = self._render(nb, resources, **kw)
        return self._finish_html(html), resources

    def _finish_html(self, html: str) -> str:
        """The rendered template with its font subsets in place of the marker."""
        font_css = fonts.font_face_css(html) if self.embed_fonts else ""
        return html.replace(FONT_MARKER, font_css, 1)


class PerfnbPDFExporter(PerfnbHTMLExporter):
    """The 绩效自评报告 as PDF/A-3b (``--to perfnb_pdf``), notebook and inputs attached.

    Rendered by Typst from the notebook's cells: each output's ``text/x-typst``
    representation (perfnb's display helpers put one beside the HTML), else its
    Markdown, SVG, PNG/JPEG or plain text; markdown cells through
    :mod:`perfnb.reporting.markdown_typst`.  The HTML template is not used.
    """

    export_from_notebook = "绩效自评报告 PDF/A"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _file_extension_default(self):
        return ".pdf"

    @default("template_extension")
    def _template_extension_default(self):
        return ".html.j2"  # iter_reports renders the perfnb_html template for "html"

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = self._init_resources(dict(resources or {}))
        resources["perfnb"] = self._perfnb_resources(nb)
        return self._finish_pdf(nb, resources), resources

    def iter_reports(self, nb, resources=None, formats=("html", "pdf"), **kw):
        """Yield ``(format, report)`` for ``formats`` ("html" → str, "pdf" → bytes), each
        as soon as it is ready.  The HTML equals ``--to perfnb_html``'s byte for byte, the PDF
        ``--to perfnb_pdf``'s."""
        html_resources = None
        for kind in formats:
            if kind == "html":
                html, html_resources = self._render(nb, dict(resources or {}), **kw)
                yield kind, self._finish_html(html)
            elif kind == "pdf":
                pdf_resources = self._init_resources(dict(resources or {}))
                pdf_resources["perfnb"] = self._perfnb_resources(nb)
                yield kind, self._finish_pdf(nb, pdf_resources)
            else:
                raise ValueError(f"unknown report format {kind!r}")

    def _finish_pdf(self, nb, resources: dict) -> bytes:
        from perfnb.reporting.pdf import typst_to_pdf

        info = resources["perfnb"]
        attachments, missing = notebook_attachments(nb, resources)
        info["missing_inputs"] = missing
        body, files = notebook_typst(nb)
        pdf = typst_to_pdf(body, title=info["title"], author=info["author"] or None,
                           subject=info["subject"], header_left=info["header_left"],
                           header_right=info["header_right"], date=notebook_date(nb, resources),
                           attachments=attachments, files=files)
        resources["output_extension"] = ".pdf"
        return pdf


# --------------------------------------------------------------------------- notebook -> Typst

def notebook_date(nb, resources: dict | None = None) -> datetime:
    """The PDF's date, never the clock (so re-exporting gives the same bytes): when the
    notebook was executed (metadata.perfnb finished / started, else papermill's end / start
    time), else the notebook file's modification time (``resources["metadata"]`` path and
    name), else 1970-01-01 (PDF/A requires a date)."""
    meta = perfnb_metadata(nb)
    papermill = nb.get("metadata", {}).get("papermill", {}) or {}
    for value in (meta.get("finished"), meta.get("started"),
                  papermill.get("end_time"), papermill.get("start_time")):
        if isinstance(value, str) and value.strip():
            try:
                when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                continue
            return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    location = (resources or {}).get("metadata", {}) or {}
    if location.get("path") and location.get("name"):
        candidate = Path(location["path"]) / f"{location['name']}.ipynb"
        if candidate.is_file():
            return datetime.fromtimestamp(int(candidate.stat().st_mtime), timezone.utc)
    from perfnb.reporting.pdf import UNKNOWN_DATE

    return UNKNOWN_DATE


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def notebook_typst(nb) -> tuple[str, dict[str, bytes]]:
    """The report body as Typst, and the image files it reads (path -> bytes).

    Cells tagged ``remove`` (and outputs of cells tagged ``remove-output``), code, prompts
    and stderr are left out, as in the HTML report.
    """
    from perfnb.reporting import typst_markup as ty
    from perfnb.reporting.markdown_typst import markdown_to_typst

    parts: list[str] = []
    files: dict[str, bytes] = {}
    for cell in nb.get("cells", []):
        if _cell_removed(cell):
            continue
        kind = cell.get("cell_type")
        if kind == "markdown":
            parts.append(markdown_to_typst(_joined(cell.get("source"))))
            continue
        if kind != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if any(tag in REMOVE_OUTPUT_TAGS for tag in tags):
            continue
        for output in cell.get("outputs", []):
            output_type = output.get("output_type")
            if output_type == "stream":
                if output.get("name") == "stdout":
                    parts.append("#perfnb-pre[" + _pre(ty, _strip_ansi(_joined(output.get("text"))))
                                 + "]\n\n")
                continue
            if output_type == "error":
                parts.append("#perfnb-error[" + ty.text(
                    f"执行出错：{output.get('ename', '')}：{_strip_ansi(output.get('evalue', ''))}")
                    + "]\n\n")
                continue
            parts.append(_output_typst(output, files, ty, markdown_to_typst))
    return "".join(parts), files


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", str(text))


def _output_typst(output, files: dict[str, bytes], ty, markdown_to_typst) -> str:
    data = output.get("data", {}) or {}
    alt = str(output.get("metadata", {}).get("alt") or "图表")
    if ty.MIMETYPE in data:
        return _joined(data[ty.MIMETYPE]) + "\n\n"
    if "text/markdown" in data:
        return markdown_to_typst(_joined(data["text/markdown"]))
    if "text/html" in data:
        from perfnb.reporting.html_typst import html_to_typst

        return html_to_typst(_joined(data["text/html"]))
    if "image/svg+xml" in data:
        return ty.svg_image(_joined(data["image/svg+xml"]), alt=alt)
    for mimetype, suffix in (("image/png", "png"), ("image/jpeg", "jpg"), ("image/gif", "gif")):
        if mimetype in data:
            try:
                raw = base64.b64decode("".join(_joined(data[mimetype]).split()))
            except (ValueError, TypeError):
                return ""
            path = f"/images/{len(files)}.{suffix}"
            files[path] = raw
            return ty.file_image(path, alt=alt)
    for mimetype in ("text/latex", "text/plain"):
        if mimetype in data:
            return "#perfnb-pre[" + _pre(ty, _strip_ansi(_joined(data[mimetype]))) + "]\n\n"
    return ""


def _pre(ty, text: str) -> str:
    """Preformatted text: each line literal, line breaks kept."""
    return " \\\n".join(ty.text(line.replace(" ", "\u00a0")) for line in text.rstrip("\n").split("\n"))


def notebook_attachments(nb, resources: dict | None = None
                         ) -> tuple[list[tuple[str, bytes]], list[str]]:
    """Files to attach to the PDF: the notebook itself, then its input files.

    Returns ``(attachments, missing)``.  Inputs come from ``metadata.perfnb.inputs``
    (``[{"path": …, "sha256": …}]``), relative paths resolved against the notebook's folder
    (``resources["metadata"]["path"]``) else the current folder.  A missing input is not
    attached; it is listed in ``missing`` and reported with an :class:`AttachmentWarning`, as
    is an input whose SHA-256 differs from the recorded one (that one is still attached).
    """
    from perfnb.reporting.pdf import AttachmentWarning

    meta = (resources or {}).get("metadata", {}) or {}
    base = Path(meta.get("path") or ".")
    unit = perfnb_metadata(nb).get("unit") or {}
    stem = meta.get("name") or (unit.get("unit_id") if isinstance(unit, dict) else None)
    notebook_name = f"{stem or 'notebook'}.ipynb"
    attachments: list[tuple[str, bytes]] = [
        (notebook_name, nbformat.writes(nb).encode("utf-8"))]
    used_names = {notebook_name}

    missing: list[str] = []
    inputs = perfnb_metadata(nb).get("inputs") or []
    for entry in inputs if isinstance(inputs, list) else []:
        if isinstance(entry, str):
            entry = {"path": entry}
        if not isinstance(entry, dict) or not entry.get("path"):
            continue
        given = str(entry["path"])
        path = Path(given)
        if not path.is_absolute():
            path = base / path
        if not path.is_file():
            missing.append(given)
            continue
        data = path.read_bytes()
        expected = str(entry.get("sha256") or "").lower()
        if expected and hashlib.sha256(data).hexdigest() != expected:
            warnings.warn(f"输入文件“{given}”的内容与运行时记录的 SHA-256 不一致（文件在运行后被修改过），"
                          "已附加当前内容；如需与评价结果一致，请重新运行评价。",
                          AttachmentWarning, stacklevel=2)
        name = path.name
        if name in used_names:
            name = given.replace("\\", "/").strip("/").replace("/", "_")
        used_names.add(name)
        attachments.append((name, data))
    if missing:
        warnings.warn("以下输入文件不存在，未附加到 PDF：" + "、".join(f"“{p}”" for p in missing)
                      + "。请确认文件位置（相对路径以笔记本所在文件夹为准）。",
                      AttachmentWarning, stacklevel=2)
    return attachments, missing


# --------------------------------------------------------------------------- one-call exports

def export_html(nb, resources: dict | None = None, **config) -> str:
    """The perfnb HTML report of an executed notebook (one self-contained file)."""
    html, _ = _exporter(PerfnbHTMLExporter, config).from_notebook_node(nb, resources)
    return html


def export_pdf(nb, resources: dict | None = None, **config) -> bytes:
    """The perfnb PDF/A-3b report of an executed notebook, with the notebook and inputs attached.

    Input files listed in ``nb.metadata.perfnb.inputs`` are read relative to
    ``resources["metadata"]["path"]`` (else the current folder).
    """
    pdf, _ = _exporter(PerfnbPDFExporter, config).from_notebook_node(nb, resources)
    return pdf


def export_reports(nb, resources: dict | None = None,
                   formats: Sequence[str] = ("html", "pdf"), **config):
    """Yield ``(format, report)`` for ``formats`` ("html" → str, "pdf" → bytes), the
    template rendered once for all of them: the same reports as :func:`export_html` and
    :func:`export_pdf`, one nbconvert pass cheaper, each yielded as soon as it is ready."""
    yield from _exporter(PerfnbPDFExporter, config).iter_reports(nb, resources, tuple(formats))


_exporters = threading.local()


def _exporter(kind: type, config: dict):
    """An exporter of ``kind``; without ``config``, one kept per thread.

    Reusing it keeps its Jinja environment, so the templates are compiled once per thread
    (about 40 ms) rather than for every report of a batch or every format of a unit.
    """
    if config:
        return kind(**config)
    cache = _exporters.__dict__.setdefault("by_kind", {})
    if kind not in cache:
        cache[kind] = kind()
    return cache[kind]
