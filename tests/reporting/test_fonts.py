"""The bundled Noto CJK fonts: lookup, matplotlib registration, subsets, CSS."""
from __future__ import annotations

import io
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from fontTools.ttLib import TTFont  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from perfnb.reporting import fonts  # noqa: E402

CHINESE_TITLE = "预算执行率与绩效指标完成情况"


def _draw_chinese_figure() -> tuple[plt.Figure, list[warnings.WarningMessage]]:
    """Draw a figure with Chinese title, labels and a negative tick; return the warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.bar(["产出指标", "效益指标", "满意度指标"], [-5.0, 28.5, 9.3])
        ax.set_title(CHINESE_TITLE)
        ax.set_xlabel("一级指标")
        ax.set_ylabel("得分（分）")
        fig.canvas.draw()
        fig.savefig(io.BytesIO(), format="png")
    return fig, list(caught)


def test_fonts_are_found_in_the_installed_package():
    for font in fonts.FONTS:
        path = fonts.font_path(font)
        assert path.is_file()
        assert "pylopdf_fonts_zh_cn" in path.parts
        assert path.read_bytes()[:4] == b"OTTO"  # OpenType with CFF outlines
    assert fonts.sans_font_path().name == "NotoSansSC-Regular.otf"
    assert fonts.serif_font_path().name == "NotoSerifSC-Regular.otf"


def test_matplotlib_without_the_font_warns_about_missing_glyphs():
    # The control for the test below: the default font really lacks Chinese glyphs.
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        fig, caught = _draw_chinese_figure()
        plt.close(fig)
    assert any("missing from font" in str(w.message) for w in caught)


def test_use_cjk_font_draws_chinese_with_noto_and_no_glyph_warning():
    with matplotlib.rc_context():
        family = fonts.use_cjk_font()
        assert family == "Noto Sans SC"
        assert fonts.use_cjk_font() == family  # idempotent
        fig, caught = _draw_chinese_figure()
        try:
            assert [str(w.message) for w in caught if "Glyph" in str(w.message)] == []
            title = fig.axes[0].title
            assert title.get_text() == CHINESE_TITLE
            assert title.get_fontname() == "Noto Sans SC"
            used = font_manager.findfont(title.get_fontproperties(), fallback_to_default=False)
            assert used == str(fonts.sans_font_path())
            assert matplotlib.rcParams["axes.unicode_minus"] is False
            tick_labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
            assert any(label.startswith("-") for label in tick_labels)  # ASCII minus
            assert not any("\u2212" in label for label in tick_labels)
        finally:
            plt.close(fig)
    registered = [entry.fname for entry in font_manager.fontManager.ttflist]
    assert registered.count(str(fonts.sans_font_path())) == 1


@pytest.mark.parametrize("font", fonts.FONTS, ids=lambda f: f.family)
def test_subset_holds_exactly_the_requested_characters(font):
    text = "绩效自评报告：预算执行率 88.49%"
    data = fonts.subset_font(font, fonts.document_characters(text))
    subset = TTFont(io.BytesIO(data))
    cmap = subset.getBestCmap()
    for char in text:
        assert ord(char) in cmap, char
    assert ord("第") in cmap and ord("页") in cmap  # page counters
    assert ord("龘") not in cmap and ord("国") not in cmap  # not in the text
    assert len(data) < fonts.font_path(font).stat().st_size / 50
    # Identity CFF charset (CID == glyph id) and no glyph substitution table.
    order = subset.getGlyphOrder()
    assert all(name == f"cid{index:05d}" for index, name in enumerate(order) if index)
    assert "GSUB" not in subset
    assert "CFF " in subset
    # Deterministic (the memo is bypassed by asking with a new, equal character set).
    fonts._subset_font.cache_clear()
    assert fonts.subset_font(font, set(fonts.document_characters(text))) == data


def test_subset_keeps_the_outlines_of_the_full_font():
    from fontTools.pens.recordingPen import RecordingPen

    full = TTFont(str(fonts.serif_font_path()), lazy=True)
    subset = TTFont(io.BytesIO(fonts.subset_font(fonts.SERIF, "绩效")))
    for char in "绩效":
        drawn = []
        for font in (full, subset):
            pen = RecordingPen()
            font.getGlyphSet()[font.getBestCmap()[ord(char)]].draw(pen)
            drawn.append(pen.value)
        assert drawn[0] == drawn[1] and drawn[0]


def test_document_characters_resolve_html_references():
    chars = fonts.document_characters("&lt;b&gt; &#20013;&#x56fd;")
    assert {"<", ">", "中", "国"} <= chars
    assert "&" in chars  # part of the base set anyway


def test_font_face_css_embeds_both_fonts_as_data_uris():
    css = fonts.font_face_css("<p>项目支出绩效自评</p>")
    families = re.findall(r'font-family: "([^"]+)"', css)
    assert families == ["Noto Sans SC", "Noto Serif SC"]
    assert css.count('url("data:font/otf;base64,') == 2
    assert "http" not in css.split("base64,")[0]
    assert fonts.font_face_css("<p>项目支出绩效自评</p>") == css


def test_css_stacks_start_with_the_bundled_families():
    assert fonts.SANS.css_stack.startswith('"Noto Sans SC", ')
    assert fonts.SANS.css_stack.endswith(", sans-serif")
    assert fonts.SERIF.css_stack.startswith('"Noto Serif SC", ')
    assert fonts.SERIF.css_stack.endswith(", serif")
