"""nbconvert exporters ``perfnb_html`` and ``perfnb_pdf`` (entry points in pyproject.toml).

``jupyter nbconvert --to perfnb_html report.ipynb`` writes the 绩效自评报告 as one
self-contained HTML file: outputs and markdown only (no code, no prompts, cells tagged
``remove`` left out), no scripts, no URLs, images as data URIs, fonts embedded as subsets.
``--to perfnb_pdf`` renders that HTML as PDF/A-3b (see :mod:`perfnb.reporting.pdf`) with page numbers,
a running header naming the unit, and the executed notebook plus its input files attached.

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
    """The 绩效自评报告 as PDF/A-3b (``--to perfnb_pdf``), notebook and inputs attached."""

    export_from_notebook = "绩效自评报告 PDF/A"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _file_extension_default(self):
        return ".pdf"

    @default("template_extension")
    def _template_extension_default(self):
        return ".html.j2"  # the same template as perfnb_html

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = self._render(nb, resources, **kw)
        return self._finish_pdf(nb, html, resources), resources

    def iter_reports(self, nb, resources=None, formats=("html", "pdf"), **kw):
        """Yield ``(format, report)`` for ``formats`` ("html" → str, "pdf" → bytes) from one
        rendering of the template, each as soon as it is ready.

        ``perfnb run`` writes both: the template (nbconvert, about 35 ms) runs once, and the
        HTML is written before the PDF is laid out.  The HTML equals ``--to perfnb_html``'s
        byte for byte.
        """
        html, resources = self._render(nb, resources, **kw)
        for kind in formats:
            if kind == "html":
                yield kind, self._finish_html(html)
            elif kind == "pdf":
                yield kind, self._finish_pdf(nb, html, dict(resources))
            else:
                raise ValueError(f"unknown report format {kind!r}")

    def _finish_pdf(self, nb, html: str, resources: dict) -> bytes:
        from perfnb.reporting.pdf import html_to_pdf

        html = html.replace(FONT_MARKER, "", 1)  # html_to_pdf adds its own font subsets
        info = resources["perfnb"]
        attachments, missing = notebook_attachments(nb, resources)
        info["missing_inputs"] = missing
        pdf = html_to_pdf(html, title=info["title"], author=info["author"] or None,
                          attachments=attachments)
        resources["output_extension"] = ".pdf"
        return pdf


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
