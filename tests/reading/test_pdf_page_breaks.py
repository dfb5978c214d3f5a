"""PDF: merged cells split by a page break (issue 17, part 9).  The ruling lines (pdfplumber's
cell boxes, the Grid's anchors) say where a merged cell ends, so rows below a NEW merged cell
never inherit the previous label, and a row of its own is never joined to the row above."""
from __future__ import annotations

import pytest

from perfnb.evaluation.evaluator import evaluate
from perfnb.reading import load_forms
from perfnb.reading.pdffile import _append
from perfnb.reading.sheets import Grid

from format_builders import read_grid, write_pdf


@pytest.mark.parametrize("height", ["10cm", "13cm"])
def test_the_seed_split_over_pages_reads_like_its_workbook(tmp_path, height):
    # 13cm puts the page break under the 效益指标 group: the next page starts with its 合计
    # row, a box spanning the label columns, which is a row of its own (before: joined into
    # the row above, "效益指标合计" and a weight of 1010)
    path = write_pdf(tmp_path / "split.pdf", [("", read_grid())], page_height=height, align="bottom")
    [form] = load_forms(path)
    assert form.error is None, form.error
    indicators = form.tables.indicators
    assert len(indicators) == 15
    assert indicators.groupby("level1")["weight"].sum().to_dict() == \
        {"产出指标": 50.0, "效益指标": 30.0, "满意度指标": 10.0}
    assert evaluate(form.tables).totals["total"].tolist() == [97.6]


def _part(rows, anchors):
    values = [list(r) for r in rows]
    anchor = {}
    for (top, bottom, column) in anchors:
        for r in range(top, bottom + 1):
            anchor[(r, column)] = (top, column)
            values[r - 1][column - 1] = values[top - 1][column - 1]
    return Grid("f.pdf", "第1页", values, anchor)


HEADER = ["一级指标", "三级指标", "分值"]


def test_a_new_merged_cell_whose_label_is_printed_on_the_next_page_takes_that_label():
    # page 1: 产出指标 over two rows, then a NEW box (a line above it) left blank: its label,
    # 效益指标, is printed in the part of the cell on page 2
    first = _part([HEADER, ["产出指标", "甲", 10], [None, "乙", 10], [None, "丙", 10]],
                  [(2, 3, 1)])                     # row 4's box is its own, blank
    second = _part([["效益指标", "丁", 10], ["满意度指标", "戊", 10], [None, "己", 10]], [(2, 3, 1)])
    joined = _append(first, second, "第1–2页")
    assert [joined.text(r, 1) for r in range(2, 8)] == \
        ["产出指标", "产出指标", "效益指标", "效益指标", "满意度指标", "满意度指标"]
    assert joined.cell_anchor(5, 1) == joined.cell_anchor(4, 1) == (4, 1)


def test_a_label_printed_on_the_first_page_only_covers_the_rest_of_its_cell():
    first = _part([HEADER, ["产出指标", "甲", 10], [None, "乙", 10]], [(2, 3, 1)])
    second = _part([[None, "丙", 10], [None, "丁", 10], ["效益指标", "戊", 10]], [(1, 2, 1)])
    second.values[0][0] = second.values[1][0] = None
    joined = _append(first, second, "第1–2页")
    assert [joined.text(r, 1) for r in range(2, 7)] == ["产出指标"] * 4 + ["效益指标"]
    assert joined.cell_anchor(5, 1) == (2, 1)


def test_a_blank_box_in_a_form_that_rules_every_row_is_left_to_fill_down():
    # no box spans rows in the column: a label printed once with blanks below; nothing joined
    first = _part([HEADER, ["产出指标", "甲", 10], [None, "乙", 10]], [])
    second = _part([["效益指标", "丙", 10]], [])
    joined = _append(first, second, "第1–2页")
    assert joined.get(3, 1) is None and joined.text(4, 1) == "效益指标"
