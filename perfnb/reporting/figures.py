"""A matplotlib figure as the notebook shows it: PNG for the notebook and the HTML report, an
SVG in a Typst fragment (``text/x-typst``) for the PDF, both of one layout."""
from __future__ import annotations

import contextlib
import io

__all__ = ["FIGURE_DPI", "figure_png", "figure_svg", "kept_layout", "figure_bundle", "set_title"]

FIGURE_DPI = 150
# Where an axes' title sits (axes fraction): right on top of the axes, as matplotlib places
# it for axes whose x axis is at the bottom, as every perfnb chart has it.
TITLE_Y = 1.0


def set_title(ax, text: str, **kwargs):
    """``ax.set_title`` at the fixed height :data:`TITLE_Y`.

    Left to place the title itself, matplotlib re-measures every y tick label for each
    drawing and each layout pass, in case an x axis on top would overlap the title (about a
    tenth of a chart's CPU with 20 wrapped indicator names); at the bottom it never does, so
    the title lands at the same place either way and the drawing is the same.
    """
    return ax.set_title(text, y=TITLE_Y, **kwargs)


def figure_png(figure) -> bytes:
    """A matplotlib Figure as PNG bytes (150 dpi: 945 px across 16 cm), in 256 colours.

    Charts are flat colours and anti-aliased edges, so Pillow's fast octree quantiser
    (no dithering, about 20 ms a chart) leaves no visible difference and makes the PNG about
    a third of matplotlib's RGBA one: the executed notebook, its HTML report and the copy
    attached to the PDF shrink with it.  The same figure gives the same bytes.
    """
    from PIL import Image

    image = _rendered(figure)
    if image.getextrema()[3][0] < 255:  # a transparent background: shown on white
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
    palette = image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE,
                                            dither=Image.Dither.NONE)
    output = io.BytesIO()
    palette.save(output, format="PNG", dpi=(FIGURE_DPI, FIGURE_DPI))
    return output.getvalue()


def _rendered(figure):
    """The figure drawn once by Agg at :data:`FIGURE_DPI`, as an RGBA Pillow image: the
    pixels ``savefig(format="png")`` would write.  savefig draws a figure that has a layout
    engine twice (once without output, to solve the layout, then again with the layout
    fixed); drawing on the canvas solves the layout within its one drawing."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas, dpi = figure.canvas, figure.dpi
    agg = FigureCanvasAgg(figure)
    try:
        figure.dpi = FIGURE_DPI
        agg.draw()
        image = Image.frombuffer("RGBA", agg.get_width_height(physical=True),
                                 bytes(agg.buffer_rgba()), "raw", "RGBA", 0, 1)
    finally:
        figure.dpi = dpi
        figure.set_canvas(canvas)
    return image


def figure_svg(figure) -> str:
    """A matplotlib Figure as SVG text whose labels stay text (``svg.fonttype: none``), in
    the font family the PDF has (Noto Sans SC): smaller than the PNG and sharp at any zoom.
    No metadata date, so the same figure gives the same SVG."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "perfnb"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


@contextlib.contextmanager
def kept_layout(figure):
    """Within the block, drawing ``figure`` keeps the layout its last drawing solved
    (constrained / tight) instead of solving it again: about a third of a chart's drawing
    time, and the SVG drawn after the PNG gets the very same layout.  The figure's layout
    engine is back afterwards, so a figure changed later is laid out anew."""
    engine = figure.get_layout_engine()
    if engine is None:
        yield
        return
    # No engine at all, not the "none" placeholder: savefig draws a figure that has any
    # engine twice (once without output, to solve the layout), a whole wasted drawing
    # when the layout is already solved (about 15 % of a chart cell's CPU).
    import matplotlib
    with matplotlib.rc_context({"figure.autolayout": False,
                                "figure.constrained_layout.use": False}):
        figure.set_layout_engine(None)
    try:
        yield
    finally:
        figure.set_layout_engine(engine)


def figure_bundle(figure, alt: str = "图表") -> dict:
    """The display bundle of a chart: PNG for the notebook and the HTML report, and an SVG
    inside a Typst fragment (text/x-typst) for the PDF, both of one layout."""
    import base64
    from perfnb.reporting.typst_markup import MIMETYPE, svg_image
    png = figure_png(figure)           # solves the layout while drawing
    with kept_layout(figure):
        svg = figure_svg(figure)
    return {"image/png": base64.b64encode(png).decode("ascii"),
            MIMETYPE: str(svg_image(svg, alt=alt)),
            "text/plain": f"<{alt}>"}
