"""Sources: one per file format, each turning a file into the forms it holds.

A :class:`Source` declares the suffixes it reads, an optional content sniff (the first bytes
of a file -> "this is mine") and its reader (``path -> list[Form]``), given as
``"module:function"`` so that declaring a source imports nothing heavy: the CLI starts fast
and a reader's libraries load only when a file of its format is read.  This is papermill's
I/O-handler registry (``register`` / ``register_entry_points`` / ``get_handler``) applied to
input formats, and, as frictionless separates its format plugins from detection, a source
only reads: finding forms, headers and rows stays with the layout readers it hands grids to.

Built-in sources are registered below; another installed package adds one through the
``perfnb.sources`` entry-point group (the entry point's value is a :class:`Source`, or a
function returning one).  Everything that discovers inputs (``perfnb score`` folders,
``perfnb batch`` planning, :data:`perfnb.reading.DATA_SUFFIXES`) asks :func:`data_suffixes`,
so a new format is one module and one registration, no edit elsewhere.

Folders: :func:`wanted_in_folder` takes every file of a source's suffixes, except where the
source says which of them are its (a folder's .txt files are mostly notes; the text source
takes those that speak of 绩效/指标/预算).

Dispatch (:func:`source_for`): by suffix first; when that source's sniff rejects the bytes
and another source's sniff accepts them, the other one reads it (web systems export HTML
tables named ``.xls``; mail gateways rename files).  A suffix no source claims is read by
the source whose sniff accepts the bytes, if any.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable

from perfnb.errors import InputError
from perfnb.reading.forms import Form
from perfnb.reading.sheets import OLE_MAGIC, SPREADSHEET_SUFFIXES, check_file

__all__ = ["Source", "register", "register_entry_points", "sources", "source_for",
           "data_suffixes", "wanted_in_folder", "read_forms", "formats_hint", "ENTRY_POINT_GROUP", "SNIFF_BYTES"]

ENTRY_POINT_GROUP = "perfnb.sources"
LEGACY_WORD_SUFFIXES = (".doc", ".wps")
SNIFF_BYTES = 4096           # how much of a file a sniff sees


@dataclass(frozen=True)
class Source:
    """One input format.

    ``reader`` / ``sniff``: a callable, or ``"module:function"`` imported on first use.
    ``label``: how a user names the format in Chinese ("网页（.html/.htm/.mhtml）"), used in
    the hint of an unknown file type.  ``in_folders``: for a suffix that other files share
    (.txt: read-me files, notes), whether a file found in a searched folder is one to read,
    by its first bytes; None takes every file of the suffixes (a file the user names is
    always read).
    """

    name: str
    suffixes: tuple[str, ...]
    reader: str | Callable[[Path], list[Form]]
    label: str
    sniff: str | Callable[[bytes], bool] | None = None
    in_folders: str | Callable[[bytes], bool] | None = None

    def read(self, path: Path) -> list[Form]:
        return _resolve(self.reader)(Path(path))

    def sniffs(self, head: bytes) -> bool:
        return self.sniff is not None and bool(_resolve(self.sniff)(head))


def _resolve(target):
    if callable(target):
        return target
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


_REGISTRY: dict[str, Source] = {}
_entry_points_loaded = False


def register(source: Source, replace: bool = False) -> Source:
    """Add ``source`` to the registry (a later one with the same name replaces it only with
    ``replace``); its suffixes are lower-cased and must start with a dot."""
    if not isinstance(source, Source):
        raise TypeError(f"not a perfnb Source: {source!r}")
    bad = [s for s in source.suffixes if not s.startswith(".") or s != s.lower()]
    if bad:
        raise ValueError(f"source {source.name!r}: suffixes must be lower-case and start with "
                         f"a dot: {bad}")
    if source.name in _REGISTRY and not replace:
        return _REGISTRY[source.name]
    _REGISTRY[source.name] = source
    return source


def register_entry_points() -> None:
    """Register the sources other packages declare in the ``perfnb.sources`` group (once).

    A plug-in that fails to load is skipped with a warning on stderr: one broken package
    must not stop perfnb from reading the formats it knows."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in _REGISTRY:
            continue
        try:
            value = entry.load()
            register(value() if callable(value) and not isinstance(value, Source) else value)
        except Exception as error:  # a third party's package: report, keep going
            import sys
            print(f"perfnb: 无法加载输入格式插件“{entry.name}”（{entry.value}）："
                  f"{type(error).__name__}: {error}", file=sys.stderr)


def sources() -> list[Source]:
    """Every registered source, built-ins first, plug-ins after."""
    register_entry_points()
    return list(_REGISTRY.values())


def data_suffixes() -> tuple[str, ...]:
    """Every suffix some source reads (what input discovery looks for)."""
    seen: dict[str, None] = {}
    for source in sources():
        seen.update(dict.fromkeys(source.suffixes))
    return tuple(seen)


def wanted_in_folder(path: str | Path) -> bool:
    """Whether a file found while searching a folder is an input: its suffix is a source's,
    and that source's ``in_folders`` check (if any) accepts its first bytes."""
    path = Path(path)
    source = next((s for s in sources() if path.suffix.lower() in s.suffixes), None)
    if source is None:
        return False
    return source.in_folders is None or bool(_resolve(source.in_folders)(_head(path)))


def formats_hint() -> str:
    """The readable formats in words, for an error's hint."""
    return "、".join(source.label for source in sources())


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(SNIFF_BYTES)
    except OSError:
        return b""


def source_for(path: str | Path) -> Source | None:
    """The source that reads ``path``: by suffix, corrected by content (see module doc)."""
    path = Path(path)
    suffix = path.suffix.lower()
    known = sources()
    by_suffix = next((s for s in known if suffix in s.suffixes), None)
    if by_suffix is not None and by_suffix.sniff is None:
        return by_suffix
    if not path.is_file():
        return by_suffix
    head = _head(path)
    if by_suffix is not None and by_suffix.sniffs(head):
        return by_suffix
    other = next((s for s in known if s is not by_suffix and s.sniffs(head)), None)
    return other or by_suffix


def read_forms(path: str | Path) -> list[Form]:
    """Every form of a data file, read by its source; InputError when no source reads it."""
    path = Path(path)
    if path.suffix.lower() in LEGACY_WORD_SUFFIXES:   # an OLE file, but no workbook
        check_file(path)
        raise InputError("不支持旧版 Word 97-2003 / WPS 文字文档（.doc/.wps）", file=path,
                         hint="请在 Word 或 WPS 中“另存为”Word 文档（*.docx）")
    source = source_for(path)
    if source is not None:
        return source.read(path)
    check_file(path)
    raise InputError(f"无法识别的文件类型“{path.suffix or '（无扩展名）'}”", file=path,
                     hint=f"请提供 {formats_hint()}，或单位参数 .yaml 文件")


# --- built-in sources ------------------------------------------------------------------------

ZIP_MAGIC = b"PK\x03\x04"


def sniff_spreadsheet(head: bytes) -> bool:
    return head.startswith(OLE_MAGIC) or head.startswith(ZIP_MAGIC)


def sniff_pdf(head: bytes) -> bool:
    return b"%PDF-" in head[:1024]


def sniff_docx(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC)


SPREADSHEET = register(Source(
    "spreadsheet", SPREADSHEET_SUFFIXES,
    "perfnb.reading.sources.spreadsheet:read_spreadsheet_forms",
    "Excel 工作簿（.xlsx/.xls）、OpenDocument 表格（.ods）、WPS 表格（.et）", sniff_spreadsheet))
CSV = register(Source("csv", (".csv",), "perfnb.reading.csvfile:read_csv_forms",
                      "CSV 文件（.csv）"))
DOCX = register(Source("docx", (".docx", ".docm"), "perfnb.reading.wordreport:read_docx_forms",
                       "Word 文档（.docx）", sniff_docx))
PDF = register(Source("pdf", (".pdf",), "perfnb.reading.pdffile:read_pdf_forms",
                      "带文字的 PDF（.pdf）", sniff_pdf))
HTML = register(Source("html", (".html", ".htm", ".mhtml", ".mht", ".xhtml"),
                       "perfnb.reading.sources.webpage:read_html_forms",
                       "网页（.html/.htm/.mhtml）", "perfnb.reading.sources.webpage:sniff_html"))
TEXT = register(Source("text", (".txt",), "perfnb.reading.sources.textreport:read_text_forms",
                       "纯文本自评报告（.txt）",
                       in_folders="perfnb.reading.sources.textreport:looks_like_report"))
