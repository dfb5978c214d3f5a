"""HTML -> PDF/A-3b with WeasyPrint: embedded font subsets, metadata and file attachments.

:func:`html_to_pdf` is the one entry point every module that makes PDFs uses (the nbconvert
exporter, office exports, batch runs).  :func:`export_html` / :func:`export_pdf` turn an
executed notebook into the report with the perfnb exporters.

Speed: fonts are subset by HarfBuzz to the characters of the document before WeasyPrint sees
them (see :mod:`perfnb.fonts`), and WeasyPrint is told to embed those small fonts as they are
(``full_fonts``) instead of re-subsetting them with fontTools.
"""
from __future__ import annotations

import logging
import mimetypes
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from perfnb import fonts
from perfnb.errors import ExportError

if TYPE_CHECKING:  # pragma: no cover
    from nbformat import NotebookNode

PDF_VARIANT = "pdf/a-3b"
DEFAULT_LANG = "zh-CN"
# PDF/A-3 AFRelationship of an attachment, by kind.
RELATIONSHIP_SOURCE = "Source"   # the executed notebook the report was made from
RELATIONSHIP_DATA = "Data"       # input data files

Attachment = tuple[str, bytes] | tuple[str, bytes, str]


class AttachmentWarning(UserWarning):
    """An input file listed in the notebook could not be attached (missing or changed)."""


class _DropLogRecords(logging.Filter):
    """Silence WeasyPrint messages that say nothing about the document."""

    noise = ("Using fontTools instead of HarfBuzz-Subset",)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(text in message for text in self.noise)


_weasyprint_logger = logging.getLogger("weasyprint")
_weasyprint_logger.addFilter(_DropLogRecords())


def html_to_pdf(html: str, *, title: str, attachments: Sequence[Attachment] = (),
                author: str | None = None, lang: str = DEFAULT_LANG,
                base_url: str | None = None, created: datetime | None = None) -> bytes:
    """Render ``html`` as a PDF/A-3b document and return its bytes.

    ``attachments`` are ``(name, bytes)`` or ``(name, bytes, relationship)`` tuples embedded
    as associated files (relationship ``Source`` for ``.ipynb`` files, else ``Data``, unless
    given).  The document's fonts are the bundled Noto Sans SC / Noto Serif SC, declared by
    ``@font-face`` rules added here and subset to the document's characters; the HTML should
    name them in its CSS (the perfnb template does).  ``title``, ``author`` and ``lang`` go
    into the PDF's metadata (XMP and document information).
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    try:
        font_css = weasyprint.CSS(string=fonts.font_face_css(html), font_config=font_config)
        document = weasyprint.HTML(string=html, base_url=base_url).render(
            stylesheets=[font_css], font_config=font_config)
    except ExportError:
        raise
    except Exception as exc:  # WeasyPrint raises many kinds; the user needs one message
        raise ExportError(f"无法将报告“{title}”排版为 PDF：{exc}。"
                          "请检查报告的 HTML 内容，或以 --debug 运行查看详情。") from exc

    document.metadata.title = title
    document.metadata.lang = lang
    if author:
        document.metadata.authors = [author]
    document.metadata.generator = "perfnb (WeasyPrint)"

    when = created or datetime.now(timezone.utc)
    pdf_attachments = []
    for item in attachments:
        name, data = item[0], item[1]
        relationship = item[2] if len(item) > 2 else (
            RELATIONSHIP_SOURCE if name.lower().endswith(".ipynb") else RELATIONSHIP_DATA)
        if not isinstance(data, bytes | bytearray):
            raise TypeError(f"attachment {name!r} must be bytes, not {type(data).__name__}")
        pdf_attachments.append(weasyprint.Attachment(
            string=bytes(data), name=name, description=_describe_attachment(name),
            created=when, modified=when, relationship=relationship))

    return document.write_pdf(
        pdf_variant=PDF_VARIANT,
        attachments=pdf_attachments,
        # The fonts are already subset to this document by perfnb.fonts: embed them as they
        # are.  WeasyPrint's own fontTools subsetting would cost more than the whole layout.
        full_fonts=True,
        hinting=False,
    )


def _describe_attachment(name: str) -> str:
    if name.lower().endswith(".ipynb"):
        return "生成本报告的已执行 Jupyter 笔记本"
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"评价所用输入数据（{kind}）"


def export_html(nb: NotebookNode, resources: dict | None = None, **config) -> str:
    """The perfnb HTML report of an executed notebook (one self-contained file)."""
    from perfnb.exporters import PerfnbHTMLExporter

    html, _ = PerfnbHTMLExporter(**config).from_notebook_node(nb, resources)
    return html


def export_pdf(nb: NotebookNode, resources: dict | None = None, **config) -> bytes:
    """The perfnb PDF/A-3b report of an executed notebook, with the notebook and inputs attached.

    Input files listed in ``nb.metadata.perfnb.inputs`` are read relative to
    ``resources["metadata"]["path"]`` (else the current folder).
    """
    from perfnb.exporters import PerfnbPDFExporter

    pdf, _ = PerfnbPDFExporter(**config).from_notebook_node(nb, resources)
    return pdf
