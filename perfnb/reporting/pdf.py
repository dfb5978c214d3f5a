"""Typst -> PDF/A-3b: the page template, bundled fonts, metadata and file attachments.

:func:`typst_to_pdf` is the one entry point every module that makes PDFs uses (the nbconvert
exporter, summaries, benchmarks).  Turning an executed notebook into the Typst body is
:mod:`perfnb.reporting.exporters`' job (``export_pdf``, ``export_reports``).

The PDF is compiled by Typst (the ``typst`` wheel from PyPI, no system dependency):

* fonts: only the bundled Noto Sans SC / Noto Serif SC (``font_paths`` = the font package's
  folder, system fonts ignored), embedded by Typst as subsets;
* PDF/A-3b with tagged structure (headings, paragraphs, tables, figures with alt text) and
  language zh-CN; PDF/UA-1 is claimed too when the document passes Typst's UA-1 checks
  (every perfnb report does; a foreign image without alt text falls back to PDF/A-3b alone);
* byte-identical output for the same input: the document date is passed in (the exporter
  takes it from the notebook's provenance), never read from the clock.
"""
from __future__ import annotations

import functools
import mimetypes
import tempfile
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from perfnb.errors import ExportError
from perfnb.reporting import fonts, typst_markup
from perfnb.textwidth import clip

PDF_STANDARDS = ("a-3b", "ua-1")
FALLBACK_STANDARDS = ("a-3b",)
DEFAULT_LANG = "zh-CN"
# PDF/A-3 AFRelationship of an attachment, by kind.
RELATIONSHIP_SOURCE = "Source"   # the executed notebook the report was made from
RELATIONSHIP_DATA = "Data"       # input data files
TEMPLATE = Path(__file__).parent / "templates" / "typst" / "report.typ"
# PDF/A requires a document date; without one given, this fixed one (never the clock).
UNKNOWN_DATE = datetime(1970, 1, 1, tzinfo=timezone.utc)

Attachment = tuple[str, bytes] | tuple[str, bytes, str]

_MIME_TYPES = {".ipynb": "application/x-ipynb+json", ".yaml": "application/yaml",
               ".yml": "application/yaml", ".csv": "text/csv", ".json": "application/json",
               ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               ".xls": "application/vnd.ms-excel",
               ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class AttachmentWarning(UserWarning):
    """An input file listed in the notebook could not be attached (missing or changed)."""


@functools.cache
def page_template() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


def font_dirs() -> list[str]:
    """The folders of the bundled fonts (the only fonts Typst may use)."""
    return sorted({str(fonts.font_path(font).parent) for font in fonts.FONTS})


_compilers = threading.local()


def _compiler():
    """One Typst compiler per thread: the fonts are loaded once, not for every PDF."""
    compiler = getattr(_compilers, "compiler", None)
    if compiler is None:
        import typst

        compiler = typst.Compiler(font_paths=font_dirs(), ignore_system_fonts=True)
        _compilers.compiler = compiler
    return compiler


def warm_up() -> None:
    """Load Typst and the bundled fonts now (a batch worker's start), not in the first PDF:
    one tiny document through the page template, in both fonts."""
    typst_to_pdf("= 预热\n\n预热 #text(font: perfnb-sans)[预热]", title="预热")


def mime_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return _MIME_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _describe_attachment(name: str) -> str:
    if name.lower().endswith(".ipynb"):
        return "生成本报告的已执行 Jupyter 笔记本"
    return f"评价所用输入数据（{mime_type(name)}）"


def typst_date(when: datetime | None) -> str:
    """A Typst ``datetime(…)`` (UTC) for ``when``, or ``none``."""
    if when is None:
        return "none"
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return (f"datetime(year: {when.year}, month: {when.month}, day: {when.day}, "
            f"hour: {when.hour}, minute: {when.minute}, second: {when.second})")


def typst_document(body: str, *, title: str, author: str | None = None, subject: str = "",
                   header_left: str = "", header_right: str = "",
                   date: datetime | None = None, attachments: Sequence[str] = ()) -> str:
    """The whole Typst source: page template, document settings, body, attachments.

    Metadata and the running header are shortened with an ellipsis: PDF/A allows no PDF
    string over 32,767 bytes (a 10,000-character project name in the title failed the
    export), and the header is one line."""
    named = {"title": clip(title, MAX_METADATA_WIDTH), "author": clip(author or "", MAX_METADATA_WIDTH),
             "subject": clip(subject, MAX_METADATA_WIDTH),
             "header-left": clip(header_left, MAX_HEADER_WIDTH),
             "header-right": clip(header_right, MAX_HEADER_WIDTH // 2)}
    settings = ("perfnb-report.with(" + ", ".join(
        f"{key}: {typst_markup.string(value)}" for key, value in named.items())
        + f", date: {typst_date(date)})")
    return (page_template() + f"\n#show: {settings}\n\n" + body + "\n" + "".join(attachments))


def typst_to_pdf(body: str, *, title: str, attachments: Sequence[Attachment] = (),
                 author: str | None = None, subject: str = "", header_left: str = "",
                 header_right: str = "", date: datetime | None = None,
                 files: Mapping[str, bytes] | None = None, lang: str = DEFAULT_LANG) -> bytes:
    """Compile a Typst ``body`` (markup using the page template's functions) as PDF/A-3b.

    ``attachments`` are ``(name, bytes)`` or ``(name, bytes, relationship)`` tuples embedded
    as associated files (relationship ``Source`` for ``.ipynb`` files, else ``Data``, unless
    given), each with its MIME type and a description.  ``files`` are extra files the body
    reads by absolute path (``image("/images/0.png")``).  ``date`` is the document's date
    (XMP and info dictionary); None gives :data:`UNKNOWN_DATE` (PDF/A requires one, and the
    clock would make every export differ).  The same arguments give the same bytes.
    """
    if lang != DEFAULT_LANG:  # the template sets zh-CN; other languages are not supported
        raise ValueError(f"unsupported language {lang!r}")
    with tempfile.TemporaryDirectory(prefix="perfnb-typst-") as root:
        root_path = Path(root)
        attach_calls = []
        for index, item in enumerate(attachments):
            name, data = item[0], item[1]
            if not isinstance(data, bytes | bytearray):
                raise TypeError(f"attachment {name!r} must be bytes, not {type(data).__name__}")
            relationship = item[2] if len(item) > 2 else (
                RELATIONSHIP_SOURCE if name.lower().endswith(".ipynb") else RELATIONSHIP_DATA)
            (root_path / f"attachment-{index}").write_bytes(bytes(data))
            attach_calls.append(
                f"#pdf.attach({typst_markup.string(name)}, "
                f"read(\"/attachment-{index}\", encoding: none), "
                f"relationship: {typst_markup.string(relationship.lower())}, "
                f"mime-type: {typst_markup.string(mime_type(name))}, "
                f"description: {typst_markup.string(_describe_attachment(name))})\n")
        for name, data in (files or {}).items():
            target = root_path / name.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        source = typst_document(body, title=title, author=author, subject=subject,
                                header_left=header_left, header_right=header_right,
                                date=date or UNKNOWN_DATE, attachments=attach_calls)
        (root_path / "report.typ").write_text(source, encoding="utf-8")
        return _compile(root_path, title)


# Display columns (a CJK character counts two) of the document's title, author and subject
# (PDF strings: PDF/A caps each at 32,767 bytes), and of the running header's parts.
MAX_METADATA_WIDTH = 400
MAX_HEADER_WIDTH = 90


def _compile(root: Path, title: str) -> bytes:
    import typst

    compiler = _compiler()
    try:
        try:
            return compiler.compile(input=str(root / "report.typ"), root=str(root),
                                    format="pdf", pdf_standards=list(PDF_STANDARDS))
        except typst.TypstError as exc:
            if "PDF/UA" not in str(exc):
                raise
            # A foreign output the UA-1 checks reject (an image without alt text …).
            return compiler.compile(input=str(root / "report.typ"), root=str(root),
                                    format="pdf", pdf_standards=list(FALLBACK_STANDARDS))
    except typst.TypstError as exc:
        message = " ".join(str(exc).split())[:400]
        raise ExportError(f"无法将报告“{clip(title, 80)}”排版为 PDF：{message}。"
                          "请检查笔记本中的输出内容，或以 --debug 运行查看详情。") from exc
