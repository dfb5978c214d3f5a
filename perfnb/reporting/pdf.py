"""HTML -> PDF/A-3b with WeasyPrint: embedded font subsets, metadata and file attachments.

:func:`html_to_pdf` is the one entry point every module that makes PDFs uses (the nbconvert
exporter, office exports, batch runs).  Turning an executed notebook into reports is
:mod:`perfnb.reporting.exporters`' job (``export_html``, ``export_pdf``, ``export_reports``).

Speed: fonts are subset by HarfBuzz to the characters of the document before WeasyPrint sees
them (see :mod:`perfnb.reporting.fonts`), and WeasyPrint is told to embed those small fonts as they are
(``full_fonts``) instead of re-subsetting them with fontTools.
"""
from __future__ import annotations

import base64
import binascii
import contextlib
import gc
import io
import logging
import mimetypes
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from perfnb.reporting import fonts
from perfnb.errors import ExportError


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

    The HTML is first prepared for print (:func:`prepare_for_print`): tables get fixed column
    widths, embedded images and the font subsets are handed to WeasyPrint as bytes.
    """
    pdf_attachments = _pdf_attachments(attachments, created or datetime.now(timezone.utc))
    with _gc_paused():
        # The rendering's objects are freed when _render returns, before collection resumes.
        return _render(html, title=title, attachments=pdf_attachments, author=author,
                       lang=lang, base_url=base_url)


def _render(html: str, *, title: str, attachments: list, author: str | None, lang: str,
            base_url: str | None) -> bytes:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    try:
        prepared = prepare_for_print(html)
        fetcher = _memory_url_fetcher(prepared.resources)
        font_config = FontConfiguration()
        font_css = weasyprint.CSS(string=prepared.font_css, font_config=font_config,
                                  url_fetcher=fetcher)
        document = weasyprint.HTML(string=prepared.html, base_url=base_url,
                                   url_fetcher=fetcher).render(
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
    return document.write_pdf(
        pdf_variant=PDF_VARIANT,
        attachments=attachments,
        # The fonts are already subset to this document by perfnb.reporting.fonts: embed them as they
        # are.  WeasyPrint's own fontTools subsetting would cost more than the whole layout.
        full_fonts=True,
        hinting=False,
        finisher=_finish_pdf,
    )


def _finish_pdf(document, pdf) -> None:
    """Last touches on the pydyf PDF before it is written (WeasyPrint's ``finisher`` hook).

    * A font used both plain and in synthetic bold is embedded by WeasyPrint twice, byte for
      byte: keep one copy (some 140 KiB less per report).
    * pydyf compresses every stream while writing and then once more to compute the file
      identifier PDF/A requires: compress each stream once, here, at zlib's default level.
    """
    import pydyf

    to_bytes = getattr(pydyf, "_to_bytes", None)
    font_files: dict[bytes, bytes] = {}  # content -> reference of the copy kept
    replaced: dict[bytes, bytes] = {}    # reference of a dropped copy -> the kept one
    for item in pdf.objects:
        if not isinstance(item, pydyf.Stream) or item.extra.get("Subtype") != "/OpenType":
            continue
        content = b"".join(part for part in item.stream if isinstance(part, bytes))
        if len(item.stream) != 1 or not content:
            continue
        if content in font_files:
            replaced[item.reference] = font_files[content]
            item.stream = [b""]  # unreferenced from now on
        else:
            font_files[content] = item.reference
    if replaced:
        for item in pdf.objects:
            if isinstance(item, pydyf.Dictionary) and item.get("Type") == "/FontDescriptor":
                for key in ("FontFile", "FontFile2", "FontFile3"):
                    if item.get(key) in replaced:
                        item[key] = replaced[item[key]]
    if to_bytes is None:  # pragma: no cover - a pydyf without the helper: leave it be
        return
    for item in pdf.objects:
        if isinstance(item, pydyf.Stream) and item.compress and "Filter" not in item.extra:
            raw = b"\n".join(to_bytes(part) for part in item.stream)
            item.stream = [zlib.compress(raw, 6)]
            item.extra["Filter"] = "/FlateDecode"
            item.compress = False


def _pdf_attachments(attachments: Sequence[Attachment], when: datetime) -> list:
    import weasyprint

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
    return pdf_attachments


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while WeasyPrint builds its many small objects.

    A rendering allocates a few hundred thousand boxes, styles and layouts that all stay
    alive until it ends (some 55 000 of them in reference cycles), so collections during it
    find nothing to free: one collection after it does the work of several.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _memory_url_fetcher(resources: dict[str, tuple[bytes, str]]):
    """A WeasyPrint URL fetcher serving ``resources`` (URL -> (bytes, MIME type)) from memory.

    Any other URL goes to WeasyPrint's own fetcher.
    """
    try:
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except ImportError:  # WeasyPrint before the URLFetcher class: a function returning a dict
        from weasyprint import default_url_fetcher

        def fetch(url, *args, **kwargs):
            if url in resources:
                data, mime_type = resources[url]
                return {"string": data, "mime_type": mime_type}
            return default_url_fetcher(url, *args, **kwargs)

        return fetch

    class MemoryURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in resources:
                data, mime_type = resources[url]
                return URLFetcherResponse(url, data, {"Content-Type": mime_type})
            return super().fetch(url, headers)

    return MemoryURLFetcher()


def _describe_attachment(name: str) -> str:
    if name.lower().endswith(".ipynb"):
        return "生成本报告的已执行 Jupyter 笔记本"
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"评价所用输入数据（{kind}）"


# --------------------------------------------------------------------------- print preparation

RESOURCE_SCHEME = "perfnb-resource:"
# The A4 page of report.css: 210 mm less 18 mm margins each side, in CSS points.
PAGE_CONTENT_WIDTH_PT = (210 - 2 * 18) / 25.4 * 72
ROOT_FONT_SIZE_PT = 10.5
TABLE_FONT_SIZE_PT = ROOT_FONT_SIZE_PT * 0.9
# Horizontal room a cell takes besides its text: padding and borders (report.css: 0.55 em
# a side and 0.75 pt rules, 11.2 pt; the result object's own tables: 8 px a side, 12.8 pt),
# plus slack so that text measured to fit on one line does.  (Synthetic bold, used for
# <th>, does not widen the glyph advances, so bold text measures as regular.)
CELL_EXTRA_PT = 13.5

# The bundled fonts' family names as the PDF's @font-face rules declare them.
PRIVATE_FAMILY = "perfnb {family}"
_FAMILY_NAMES = "|".join(re.escape(font.family) for font in fonts.FONTS)
_BUNDLED_FAMILY = re.compile(rf"""(["'])({_FAMILY_NAMES})\1|(?<![\w-])({_FAMILY_NAMES})(?![\w-])""")
# Charts (opaque PNGs of at least this many pixels) are embedded as JPEG of this quality.
JPEG_QUALITY: int | None = 90
JPEG_MIN_PIXELS = 100_000

_DATA_URI = re.compile(r"data:(image/(?:png|jpeg|gif|webp));base64,(.*)", re.DOTALL)
_BLOCK_TAGS = frozenset({"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3",
                         "h4", "h5", "h6", "pre", "blockquote", "section", "figure",
                         "figcaption", "table", "tr"})
# A line may not start with closing punctuation nor end with opening punctuation (kinsoku),
# and quotation marks stick to both neighbours: in the narrowest (min-content) setting such
# characters go with their neighbours.
_CLOSING = frozenset("，。、；：？！）》」』】〕〉%％·…—,.;:?!)]}")
_OPENING = frozenset("（《「『【〔〈([{")
_QUOTES = frozenset("“”‘’\"'")  # UAX #14 class QU: no break on either side


@dataclass
class PrintDocument:
    """HTML ready for WeasyPrint, and the resources its ``perfnb-resource:`` URLs name."""

    html: str
    font_css: str
    resources: dict[str, tuple[bytes, str]] = field(default_factory=dict)


def prepare_for_print(html: str) -> PrintDocument:
    """Make report HTML cheaper to lay out, without changing what the pages show.

    * Every table (but nested ones) gets ``table-layout: fixed`` with column widths taken from
      its text, measured with the bundled font's own advance widths, and distributed like the
      CSS automatic table layout would.  WeasyPrint's automatic layout finds the narrowest
      width of each Chinese cell by breaking it after every character, which made tables
      about half of the layout time.
    * Images embedded as data URIs are served to WeasyPrint as bytes: the HTML it parses
      (in pure Python) is then a few dozen KiB instead of several hundred.  Large opaque
      PNGs (charts) become JPEGs, which WeasyPrint embeds without re-encoding them.
    * The font subsets are served as bytes too, with ``@font-face`` rules in ``font_css``.
    """
    import lxml.html

    root = lxml.html.document_fromstring(html)
    resources: dict[str, tuple[bytes, str]] = {}
    for image in root.iter("img"):
        _serve_image(image, resources)
    for table in root.iter("table"):
        if _fixable_table(table):
            _fix_table_layout(table)
    _use_private_font_families(root)
    prepared = lxml.html.tostring(root, encoding="unicode", method="html",
                                  doctype="<!DOCTYPE html>")
    characters = fonts.document_characters(prepared)
    sources = {}
    for index, font in enumerate(fonts.FONTS):
        url = f"{RESOURCE_SCHEME}font/{index}"
        resources[url] = (fonts.subset_font(font, characters), "font/otf")
        sources[PRIVATE_FAMILY.format(family=font.family)] = url
    return PrintDocument(prepared, fonts.font_face_rules(sources), resources)


def _use_private_font_families(root) -> None:
    """Name the bundled fonts in the document's CSS by families no installed font has.

    Fontconfig does not let an ``@font-face`` font hide an installed font of the same family:
    on a machine with Noto Sans SC installed, WeasyPrint picked the installed 8 MB file and,
    as it embeds fonts whole (``full_fonts``), wrote it into every PDF.
    """
    def private(match: re.Match) -> str:
        return '"' + PRIVATE_FAMILY.format(family=match.group(2) or match.group(3)) + '"'

    for style in root.iter("style"):
        if style.text:
            style.text = _BUNDLED_FAMILY.sub(private, style.text)
    for element in root.xpath("//*[@style]"):
        element.set("style", _BUNDLED_FAMILY.sub(private, element.get("style")))


def _serve_image(image, resources: dict[str, tuple[bytes, str]]) -> None:
    match = _DATA_URI.fullmatch((image.get("src") or "").strip())
    if not match:
        return
    try:
        data = base64.b64decode("".join(match.group(2).split()), validate=False)
    except (ValueError, binascii.Error):
        return  # WeasyPrint reports the broken image as it did before
    mime_type = match.group(1)
    if mime_type == "image/png":
        data, mime_type = _png_for_print(data)
    url = f"{RESOURCE_SCHEME}image/{len(resources)}"
    resources[url] = (data, mime_type)
    image.set("src", url)


def _png_for_print(data: bytes) -> tuple[bytes, str]:
    """A large opaque PNG (a chart) as a high-quality JPEG; any other PNG as it is.

    WeasyPrint embeds a JPEG as it is, but decodes every PNG and compresses it again (and
    its alpha channel as a separate mask): about 50 ms for each 944 px chart, against 15 ms
    here.  Quality 90 without chroma subsampling is indistinguishable from the PNG at print
    size.  Set ``JPEG_QUALITY = None`` to keep every PNG lossless.
    """
    if JPEG_QUALITY is None:
        return data, "image/png"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.width * picture.height < JPEG_MIN_PIXELS or \
                    picture.mode not in ("RGB", "RGBA", "L", "LA") or "transparency" in picture.info:
                return data, "image/png"
            picture.load()
            if picture.mode in ("RGBA", "LA"):
                if picture.getchannel("A").getextrema() != (255, 255):
                    return data, "image/png"  # see-through: JPEG has no alpha
                picture = picture.convert(picture.mode[:-1])
            out = io.BytesIO()
            picture.save(out, format="JPEG", quality=JPEG_QUALITY, subsampling=0,
                         dpi=picture.info.get("dpi", (96, 96)))
            return out.getvalue(), "image/jpeg"
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        return data, "image/png"  # WeasyPrint reports a broken image itself


def _fixable_table(table) -> bool:
    """A table we may give fixed column widths: not nested, not already sized."""
    if next(table.iterancestors("table"), None) is not None:
        return False
    if next(table.iterdescendants("table"), None) is not None:
        return False
    if "perfnb-fixed" in (table.get("class") or "").split():
        return False
    style = (table.get("style") or "").replace(" ", "").lower()
    if "table-layout" in style:
        return False
    return not any(col.get("width") or "width" in (col.get("style") or "")
                   for col in table.iter("col"))


def _table_rows(table):
    """The table's rows in document order (thead, tbody, tfoot or bare)."""
    for child in table:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (row for row in child if isinstance(row.tag, str) and row.tag == "tr")


def _span(cell, name: str) -> int:
    try:
        return max(1, min(int(cell.get(name) or 1), 1000))
    except ValueError:
        return 1


def _fix_table_layout(table) -> None:
    """Give ``table`` a <colgroup> of percentage widths and ``table-layout: fixed``.

    Column labels stay on one line (report.css) unless that makes the table wider than the
    page: then they may wrap, rather than overflow into each other.
    """
    widths = _column_widths(table, headers_wrap=False)
    if widths is not None and sum(widths[0]) > PAGE_CONTENT_WIDTH_PT:
        # Too wide with whole labels: let them wrap (and, through report.css's overflow-wrap,
        # break inside a word such as a unit id when even that is not enough).
        widths = _column_widths(table, headers_wrap=True)
        if widths is not None:
            for row in _table_rows(table):
                for cell in row:
                    if isinstance(cell.tag, str) and cell.tag == "th" and _nowrap_header(cell):
                        style = (cell.get("style") or "").strip().rstrip(";")
                        cell.set("style", (style + "; " if style else "") + "white-space: normal")
    if widths is None:
        return
    minimum, maximum = widths
    _apply_column_widths(table, minimum, maximum)


def _nowrap_header(cell) -> bool:
    """A column label that report.css keeps on one line (th in a thead)."""
    section = cell.getparent().getparent() if cell.getparent() is not None else None
    return cell.tag == "th" and section is not None and section.tag == "thead"


def _column_widths(table, headers_wrap: bool) -> tuple[list[float], list[float]] | None:
    """(min-content, max-content) width of each column in points, or None for no cells."""
    cells = []  # (first column, span, min width pt, max width pt)
    occupied: dict[tuple[int, int], bool] = {}
    for row_index, row in enumerate(_table_rows(table)):
        column = 0
        for cell in row:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            while occupied.get((row_index, column)):
                column += 1
            colspan, rowspan = _span(cell, "colspan"), _span(cell, "rowspan")
            for extra_row in range(rowspan):
                for extra_column in range(colspan):
                    occupied[(row_index + extra_row, column + extra_column)] = True
            narrowest, widest = _cell_widths(cell, headers_wrap)
            cells.append((column, colspan, narrowest, widest))
            column += colspan
    if not cells:
        return None
    count = max(first + span for first, span, _, _ in cells)
    minimum, maximum = [0.0] * count, [0.0] * count
    for first, span, narrowest, widest in sorted(cells, key=lambda item: item[1]):
        columns = range(first, first + span)
        for bound, value in ((minimum, narrowest), (maximum, widest)):
            have = sum(bound[i] for i in columns)
            if value > have:  # spread what a spanning cell needs beyond its columns evenly
                share = (value - have) / span
                for i in columns:
                    bound[i] += share
    maximum = [max(low, high) for low, high in zip(minimum, maximum)]
    return minimum, maximum


def _apply_column_widths(table, minimum: list[float], maximum: list[float]) -> None:
    available = PAGE_CONTENT_WIDTH_PT
    if sum(maximum) <= available:
        widths = maximum
    elif sum(minimum) >= available:
        widths = minimum
    else:  # CSS 2.1 automatic layout: min widths, then the rest in proportion to max - min
        room = available - sum(minimum)
        spread = sum(maximum) - sum(minimum)
        widths = [low + (high - low) * room / spread for low, high in zip(minimum, maximum)]
    total = sum(widths)
    colgroup = table.makeelement("colgroup", {})
    for width in widths:
        colgroup.append(table.makeelement("col", {"style": f"width: {100 * width / total:.2f}%"}))
    captions = [index for index, child in enumerate(table)
                if isinstance(child.tag, str) and child.tag == "caption"]
    for old in [child for child in table if isinstance(child.tag, str) and child.tag == "colgroup"]:
        table.remove(old)
    table.insert(captions[0] + 1 if captions else 0, colgroup)
    table.set("class", " ".join([*(table.get("class") or "").split(), "perfnb-fixed"]))
    share = min(100.0, 100 * total / available)
    style = (table.get("style") or "").strip().rstrip(";")
    table.set("style", (style + "; " if style else "") + f"width: {share:.2f}%")


def _cell_widths(cell, headers_wrap: bool = False) -> tuple[float, float]:
    """(min-content, max-content) width of a table cell in points, padding included."""
    nowrap = _nowrap_header(cell) and not headers_wrap  # report.css: thead th { nowrap }
    nowrap = nowrap or "nowrap" in (cell.get("style") or "").replace(" ", "")
    lines: list[list[str]] = [[]]
    _collect_lines(cell, lines)
    widest = narrowest = 0.0
    for line in lines:
        text = " ".join("".join(line).split())  # white space collapses as in CSS
        if not text:
            continue
        line_width = fonts.text_width(text)
        widest = max(widest, line_width)
        if nowrap:
            narrowest = max(narrowest, line_width)
        else:
            for word in _unbreakable_runs(text):
                narrowest = max(narrowest, fonts.text_width(word))
    scale = TABLE_FONT_SIZE_PT
    return narrowest * scale + CELL_EXTRA_PT, widest * scale + CELL_EXTRA_PT


def _collect_lines(element, lines: list[list[str]]) -> None:
    """Split an element's text into lines at <br> and at block elements."""
    if element.text:
        lines[-1].append(element.text)
    for child in element:
        if isinstance(child.tag, str):
            if child.tag == "br":
                lines.append([])
            elif child.tag in _BLOCK_TAGS:
                lines.append([])
                _collect_lines(child, lines)
                lines.append([])
            else:
                _collect_lines(child, lines)
        if child.tail:
            lines[-1].append(child.tail)


def _unbreakable_runs(text: str) -> list[str]:
    """The pieces ``text`` cannot be broken inside (roughly UAX #14 as Pango applies it):
    Latin words, single CJK characters, with the punctuation and quotes that stick to them."""
    runs: list[str] = []
    current = ""
    for char in text:
        if char.isspace():
            if current:
                runs.append(current)
            current = ""
            continue
        if current and _break_between(current[-1], char):
            runs.append(current)
            current = ""
        current += char
    if current:
        runs.append(current)
    return runs


def _break_between(before: str, after: str) -> bool:
    if before in _QUOTES or after in _QUOTES or before in _OPENING or after in _CLOSING:
        return False
    return _is_wide(before) or _is_wide(after)


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"
