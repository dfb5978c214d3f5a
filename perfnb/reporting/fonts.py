"""The bundled Noto CJK fonts: where they are, matplotlib registration, CSS and subsets.

The fonts come from the PyPI package ``pylopdf-fonts-zh-cn`` (SIL Open Font License):
Noto Sans SC (headings, tables, charts) and Noto Serif SC (body text), both OpenType/CFF.
They are found with :mod:`importlib.resources`, never through a site-packages path.

The PDF (Typst, :mod:`perfnb.reporting.pdf`) is given this package's folder as its only
font path and embeds its own subsets.  The self-contained HTML report embeds subsets made
here by HarfBuzz (``uharfbuzz``): about 10-25 ms for a report's character set, against more
than a second for fontTools on these 8-12 MB fonts.  The subsets are deterministic for a
given character set, so the HTML is byte-identical across exports.
"""
from __future__ import annotations

import base64
import functools
import html
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from perfnb.errors import ExportError

FONT_PACKAGE = "pylopdf_fonts_zh_cn"


@dataclass(frozen=True)
class CJKFont:
    """One bundled font: its CSS family name, file name in the package and CSS fallback stack."""

    family: str
    filename: str
    fallbacks: tuple[str, ...]

    @property
    def css_stack(self) -> str:
        """The CSS ``font-family`` value: this font first, then look-alikes, then the generic."""
        names = (self.family, *self.fallbacks[:-1])
        return ", ".join(f'"{name}"' for name in names) + ", " + self.fallbacks[-1]


SANS = CJKFont("Noto Sans SC", "NotoSansSC-Regular.otf",
               ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "PingFang SC",
                "Microsoft YaHei", "sans-serif"))
SERIF = CJKFont("Noto Serif SC", "NotoSerifSC-Regular.otf",
                ("Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "Songti SC",
                 "SimSun", "serif"))
FONTS = (SANS, SERIF)

# Characters every subset keeps besides the document's own: printable ASCII, the no-break
# space, and what generated content (page counters, list markers) and punctuation use, so
# the browser never falls back to another font for them.
BASE_CHARACTERS = frozenset(
    "".join(chr(code) for code in range(0x20, 0x7F))
    + "\u00a0第页共／，。、；：？！“”‘’（）《》【】—–…·％×÷≥≤±→•◦▪"
)


@functools.cache
def font_path(font: CJKFont = SANS) -> Path:
    """Path of a bundled font file (a real file, extracted to the user cache if need be)."""
    try:
        resource = resources.files(FONT_PACKAGE).joinpath(font.filename)
    except ModuleNotFoundError as exc:
        raise ExportError(
            f"找不到中文字体包 pylopdf-fonts-zh-cn（需要其中的 {font.family} 字体）。"
            "请运行 pip install pylopdf-fonts-zh-cn 后重试。") from exc
    if not resource.is_file():
        raise ExportError(f"中文字体包 pylopdf-fonts-zh-cn 中缺少字体文件 {font.filename}。"
                          "请重新安装该包（pip install --force-reinstall pylopdf-fonts-zh-cn）。")
    if isinstance(resource, Path):
        return resource
    # Installed in a zip or similar: copy it once into the user cache, atomically.
    target = user_cache_dir() / "fonts" / font.filename
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{id(resource)}.part")
        with resource.open("rb") as source, partial.open("wb") as sink:
            shutil.copyfileobj(source, sink)
        partial.replace(target)
    return target


def sans_font_path() -> Path:
    """Path of Noto Sans SC."""
    return font_path(SANS)


def serif_font_path() -> Path:
    """Path of Noto Serif SC."""
    return font_path(SERIF)


def user_cache_dir() -> Path:
    """perfnb's per-user cache folder ($XDG_CACHE_HOME/perfnb, else ~/.cache/perfnb)."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "perfnb"


# --------------------------------------------------------------------------- matplotlib

def use_cjk_font() -> str:
    """Make matplotlib draw Chinese with Noto Sans SC; returns the family name.

    Registers the bundled font with the font manager (once), puts it first in
    ``font.sans-serif`` with ``font.family = sans-serif``, and turns off the Unicode minus
    (U+2212), so no Chinese glyph is drawn as a box and matplotlib never warns that a glyph
    is missing.  Safe to call many times.
    """
    import matplotlib
    from matplotlib import font_manager

    path = str(sans_font_path())
    registered = {entry.fname for entry in font_manager.fontManager.ttflist}
    if path not in registered:
        font_manager.fontManager.addfont(path)
    family = font_manager.FontProperties(fname=path).get_name()
    sans_serif = [family] + [name for name in matplotlib.rcParams["font.sans-serif"]
                             if name != family]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = sans_serif
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family


# --------------------------------------------------------------------------- subsets

# GSUB and vertical metrics are dropped: the HTML report is horizontal text and needs no
# glyph substitutions (the loss is typographic niceties such as Latin "fi" ligatures), and
# the subsets stay small.
DROPPED_TABLES = ("GSUB", "vhea", "vmtx", "VORG")


@functools.cache
def _harfbuzz_face(path: str):
    import uharfbuzz

    return uharfbuzz.Face(uharfbuzz.Blob.from_file_path(path))


def document_characters(text: str) -> frozenset[str]:
    """The characters a subset for ``text`` (HTML or plain) must hold: its own plus the base set.

    HTML character references (``&lt;``, ``&#20013;``) are resolved first.
    """
    return frozenset(html.unescape(text)) | BASE_CHARACTERS


def subset_font(font: CJKFont, characters: frozenset[str] | str) -> bytes:
    """OpenType/CFF bytes of ``font`` holding only ``characters`` (plus what layout needs).

    No hinting, desubroutinized, identity CFF charset.  Results are memoised in the process.
    """
    if isinstance(characters, str):
        characters = frozenset(characters)
    return _subset_font(font, "".join(sorted(characters)))


@functools.lru_cache(maxsize=32)
def _subset_font(font: CJKFont, characters: str) -> bytes:
    import uharfbuzz

    subset_input = uharfbuzz.SubsetInput()
    subset_input.unicode_set.update(ord(char) for char in characters)
    subset_input.flags = (uharfbuzz.SubsetFlags.DESUBROUTINIZE
                          | uharfbuzz.SubsetFlags.NO_HINTING
                          | uharfbuzz.SubsetFlags.CFF_IDENTITY_CHARSET)
    for tag in DROPPED_TABLES:
        subset_input.drop_table_tag_set.add(int.from_bytes(tag.encode("ascii"), "big"))
    subset_face = uharfbuzz.subset(_harfbuzz_face(str(font_path(font))), subset_input)
    if subset_face is None:
        raise ExportError(f"无法为 PDF 生成 {font.family} 字体子集。"
                          "请检查字体包 pylopdf-fonts-zh-cn 是否完整，或重新安装。")
    return subset_face.blob.data


# --------------------------------------------------------------------------- CSS

def font_face_rules(sources: dict[str, str]) -> str:
    """``@font-face`` rules for ``{family name: src URL}`` (OpenType fonts, normal style)."""
    return "".join(
        "@font-face {\n"
        f'  font-family: "{family}";\n'
        "  font-style: normal;\n"
        f'  src: url("{url}") format("opentype");\n'
        "}\n"
        for family, url in sources.items())


def font_face_css(text: str) -> str:
    """``@font-face`` rules for Noto Sans SC and Noto Serif SC, subset to ``text``'s characters.

    The fonts are data URIs, so a document using these rules needs no file or network access
    (self-contained HTML).  Output is deterministic for a given text.
    """
    characters = document_characters(text)
    return font_face_rules({
        font.family: "data:font/otf;base64,"
              + base64.b64encode(subset_font(font, characters)).decode("ascii")
        for font in FONTS})
