"""The one display-width helper every layer uses for Chinese text."""
from __future__ import annotations

from perfnb import textwidth
from perfnb.reporting import terminal
from perfnb.reporting import summary
from perfnb.reporting.office import xlsx_style
from perfnb.running import progress
from perfnb.textwidth import clip, display_width, longest_line_width, pad, wrap


def test_widths():
    assert display_width("预算ab") == 6
    assert display_width("（，）％") == 8            # full-width punctuation is wide
    assert display_width("“良”") == 4               # curly quotes are narrow (ambiguous → 1)
    assert display_width("e\u0301") == 1             # a combining accent takes no column
    assert display_width("a\tb") == 2 and display_width("") == 0 and display_width(None) == 0
    assert longest_line_width("短\n长一些的行") == 10


def test_pad_clip_wrap():
    assert pad("预算", 6) == "预算  " and pad("预算", 6, "right") == "  预算"
    assert clip("年度资金总额", 7) == "年度资…" and display_width(clip("年度资金总额", 7)) <= 7
    assert clip("预算", 4) == "预算"
    lines = wrap("预算执行率低于下限而预算执行的偏差原因栏为空" * 3, 20, "  ")
    assert len(lines) > 1 and all(display_width(line) <= 20 and line.startswith("  ") for line in lines)


def test_every_layer_uses_the_same_helper():
    assert terminal.display_width is textwidth.display_width and terminal.pad is textwidth.pad
    assert progress.display_width is textwidth.display_width and progress.pad is textwidth.pad
    assert summary.display_width is textwidth.display_width
    assert xlsx_style.longest_line_width is textwidth.longest_line_width
    assert xlsx_style.text_width("年度资金总额\nab") == 12 and xlsx_style.text_width(1972.41) == 8
