"""Chart labels in the PDF: taken out of the SVG and typeset by Typst as real text."""
from __future__ import annotations

import io
import re

import matplotlib
import pytest
from pypdf import PdfReader

matplotlib.use("agg")

from perfnb.notebook import figure_svg  # noqa: E402
from perfnb.reporting import charts, typst_markup  # noqa: E402
from perfnb.reporting.pdf import typst_to_pdf  # noqa: E402

MARKUP_NAME = r"指标#$x$*_@<b>\项"


def _chart():
    figure, ax = charts._new_axes(2.0)
    ax.barh([0, 1], [3, 5], color="#1a7f37")
    ax.set_yticks([0, 1], labels=["产出指标", MARKUP_NAME])
    ax.set_title("各一级指标得分率")
    ax.set_xlabel("得分（分）")
    ax.set_ylabel("得分率（%）")            # drawn rotated by 90°
    ax.text(5.1, 1, "5 / 5 分", ha="left", va="center", color="#ffffff")
    return charts.literal_text(figure)


@pytest.fixture(scope="module")
def chart_svg():
    return figure_svg(_chart())


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_matplotlib_labels_leave_the_svg(chart_svg):
    graphic, labels, (width, height) = typst_markup.svg_labels(chart_svg)
    assert "<text" in chart_svg and "<text" not in graphic
    assert width == pytest.approx(charts.PAGE_WIDTH_INCHES * 72, abs=0.01)
    assert height == pytest.approx(2.0 * 72, abs=0.01)
    by_text = {label.text: label for label in labels}
    assert {"各一级指标得分率", "得分（分）", "得分率（%）", "产出指标", MARKUP_NAME,
            "5 / 5 分"} <= set(by_text)
    title = by_text["各一级指标得分率"]
    assert title.anchor == 0.5 and title.angle == 0 and 0 < title.y < 30
    assert by_text["得分率（%）"].angle == -90           # SVG's rotate(-90 …): reads upwards
    assert by_text["产出指标"].anchor == 1.0              # tick labels end at the axis
    assert by_text["5 / 5 分"].fill == "#ffffff"
    assert all(0 <= label.x <= width and 0 <= label.y <= height for label in labels)


def test_chart_labels_are_text_of_the_pdf_printed_literally(chart_svg):
    typst = typst_markup.svg_image(chart_svg, alt="得分率图")
    assert typst.startswith("#perfnb-chart(")
    pdf = typst_to_pdf(typst, title="图表")
    text = _squash("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    for label in ("各一级指标得分率", "得分（分）", "产出指标", "5/5分", _squash(MARKUP_NAME)):
        assert label in text


def test_a_dollar_in_a_name_is_not_matplotlib_math(chart_svg):
    # Without charts.literal_text, "$x$" would be typeset as mathtext (italic x in <tspan>s).
    assert "<tspan" not in chart_svg
    assert any(label.text == MARKUP_NAME for label in typst_markup.svg_labels(chart_svg)[1])


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="200pt" height="100pt" viewBox="0 0 100 50">'
       '<rect width="100" height="50" fill="#eeeeee"/>{}</svg>')
PLAIN = ('<text style="font-size: 8px; font-family: \'Noto Sans SC\'; text-anchor: middle" '
         'x="50" y="20" transform="rotate(-0 50 20)">标题</text>')


def test_labels_are_placed_in_points_of_the_picture():
    _, labels, size = typst_markup.svg_labels(SVG.format(PLAIN))
    assert size == (200.0, 100.0)
    assert labels == [typst_markup.SvgLabel(x=100.0, y=40.0, size=16.0, anchor=0.5, angle=0.0,
                                            fill="#000000", bold=False, text="标题")]


@pytest.mark.parametrize("foreign", [
    '<g transform="translate(5 5)">{}</g>'.format(PLAIN),                       # moved group
    '<text x="1" y="9" style="font-size: 8px"><tspan>分</tspan>段</text>',       # tspans
    '<text x="1" y="9" style="font-size: 8px; letter-spacing: 2px">字距</text>',  # other style
    '<text x="1" y="9" style="font-size: 8px; font-family: serif">衬线</text>',   # other family
    '<defs><text id="t" x="1" y="9">引用</text></defs>',                        # not drawn here
    '<text x="1" y="9" dx="3">偏移</text>',                                     # other attribute
])
def test_text_it_does_not_understand_stays_in_the_svg(foreign):
    svg = SVG.format(foreign)
    assert typst_markup.svg_labels(svg) == (svg, [], (0.0, 0.0))
    assert typst_markup.svg_image(svg).startswith("#perfnb-image(")


def test_only_understood_labels_are_taken_out():
    svg = SVG.format(PLAIN + '<g transform="scale(2)"><text x="1" y="9">放大</text></g>')
    graphic, labels, _ = typst_markup.svg_labels(svg)
    assert [label.text for label in labels] == ["标题"]
    assert "标题" not in graphic and "放大" in graphic


def test_an_svg_without_plain_size_or_that_does_not_parse_is_drawn_as_it_is():
    for svg in (SVG.format(PLAIN).replace(' viewBox="0 0 100 50"', ""),
                SVG.format(PLAIN).replace('viewBox="0 0 100 50"', 'viewBox="10 0 100 50"'),
                SVG.format(PLAIN)[:-6]):
        assert typst_markup.svg_labels(svg) == (svg, [], (0.0, 0.0))


def test_chart_png_is_a_small_palette_image_of_the_same_picture():
    from PIL import Image

    from perfnb.notebook import FIGURE_DPI, figure_png

    png = figure_png(_chart())
    rgba = io.BytesIO()
    _chart().savefig(rgba, format="png", dpi=FIGURE_DPI)  # matplotlib's own, first drawing
    with Image.open(io.BytesIO(png)) as image, Image.open(rgba) as reference:
        assert image.mode == "P" and image.size == reference.size
        assert round(image.info["dpi"][0]) == FIGURE_DPI
        # The same picture: no pixel far from matplotlib's own rendering.
        from PIL import ImageChops
        difference = ImageChops.difference(image.convert("RGB"), reference.convert("RGB"))
        assert max(high for _, high in difference.getextrema()) < 40
    assert len(png) < 0.6 * len(rgba.getvalue())
    assert figure_png(_chart()) == png                    # the same figure, the same bytes


def test_a_displayed_chart_keeps_its_layout_engine():
    # The SVG reuses the PNG's layout, but the figure is laid out anew if changed later.
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    from perfnb.notebook import figure_bundle

    figure = _chart()
    figure_bundle(figure)
    assert isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine)


def test_a_chart_drawn_once_has_the_pixels_and_svg_savefig_gives():
    # figure_png draws once on an Agg canvas (savefig draws a laid-out figure twice) and the
    # SVG is drawn without any layout engine: the very pixels and SVG of savefig's way.
    from PIL import Image

    from perfnb.notebook import FIGURE_DPI, figure_svg
    from perfnb.reporting.figures import _rendered, kept_layout

    figure, reference = _chart(), _chart()
    pixels = _rendered(figure)
    rgba = io.BytesIO()
    reference.savefig(rgba, format="png", dpi=FIGURE_DPI)
    with Image.open(rgba) as saved:
        assert pixels.tobytes() == saved.convert("RGBA").tobytes()
    assert type(figure.canvas) is type(reference.canvas)        # its own canvas is back
    with kept_layout(figure):
        svg = figure_svg(figure)
    with kept_layout(reference):
        assert svg == figure_svg(reference)
