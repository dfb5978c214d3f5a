"""The official single-sheet 项目支出绩效自评表 (财预〔2020〕10号 attachment).

Everything is found by its label: header block (项目名称, 主管部门, 实施单位), funds block,
target block (预期目标 | 实际完成情况), indicator block with 合计/小计 rows and a 总分 row,
评价结论/自评等级.  四川's form (``sichuan.py``) is read by the same reader.
"""
from __future__ import annotations

import functools
import re

from openpyxl.utils import get_column_letter

from perfnb.errors import InputError
from perfnb.reading.values import clean_label, normalise_text
from perfnb.reading.assemble import LoadedUnit
from perfnb.reading.blocks import (END_LABELS, IndicatorHeader, find_funds_header,
                                   find_indicator_header, indicator_header, read_funds_block,
                                   read_funds_pairs)
from perfnb.reading.indicatortable import FORM_TITLE_LABELS, read_indicator_table
from perfnb.reading.sheets import Grid, label_matches
from perfnb.vocabulary import GRADE_WORD_PATTERN, YEAR_RE

UNIT_LABELS = {
    "project": FORM_TITLE_LABELS,
    "department": ("主管部门", "主管部门名称", "部门名称", "主管单位", "实施（主管）单位",
                   "主管（实施）单位", "预算单位", "单位名称", "县级主管部门"),
    "implementing_unit": ("实施单位", "实施单位名称", "项目实施单位", "实施（主管）单位",
                          "主管（实施）单位"),
}
# Labels naming the filing unit in general: they give the 主管部门 only where no specific label
# (主管部门, 主管单位 …) is printed — "单位名称：襄阳市中心医院" above a form whose 主管部门 is
# 襄阳市卫生健康委 names the implementing hospital, not its department.
GENERIC_UNIT_LABELS = ("预算单位", "单位名称")
TEXT_LABELS = {
    "reported_grade": ("评价结论", "自评等级", "综合评价结论", "自评结论", "评价等级", "绩效等级"),
    "problems": ("存在问题", "存在的问题", "主要问题"),
    "measures": ("改进措施", "整改措施", "措施及办法", "改进措施及建议"),
    "plans": ("后续工作计划",),
}
GOAL_PLANNED_LABELS = ("预期目标", "项目年度目标", "年度目标", "年初设定目标")
GOAL_ACTUAL_LABELS = ("实际完成情况", "年度目标完成情况", "目标完成情况", "全年实际完成情况")
# "本项目自评得分97.94分，自评等级为优。" -> 优
_GRADE_IN_SENTENCE_RE = re.compile(
    r"(?:等级|等次|结论|级别)\s*(?:为|是|[:：])\s*[“\"「]?" + GRADE_WORD_PATTERN)
_YEAR_RE = YEAR_RE
YEAR_LABELS = ("年度", "项目年度", "预算年度", "填报年度", "评价年度")
YEAR_TITLE_ROWS = 5            # a year printed without a label counts in the first rows only
# Labels of the header block: a cell right of a label holding one of these is the next label,
# not the first one's value (主管部门 left blank, then 实施单位 | …).
HEADER_LABELS = tuple(label for labels in UNIT_LABELS.values() for label in labels) + (
    "项目负责人及电话", "项目负责人", "联系电话", "项目类别", "项目属性", "项目类型", "财政处室",
    "部门联系人", "联系人", "自评总分", "自评得分") + YEAR_LABELS


@functools.lru_cache(maxsize=64)
def _inline_label_re(labels: tuple[str, ...]) -> re.Pattern:
    """"项目名称：…" — a label and its value in one cell."""
    return re.compile("(?:" + "|".join(re.escape(label) for label in labels) + ")[:：]")


def _labelled_value(grid: Grid, labels, rows: range | None = None):
    """(value, row, column) of the first cell labelled one of ``labels``: the text after a
    colon in the same cell, else the next non-empty cell to the right."""
    inline_label = _inline_label_re(tuple(labels))
    for row, column in grid.find(lambda text: label_matches(text, *labels) or
                                 bool(inline_label.match(text)), rows):
        text = normalise_text(grid.get(row, column))
        inline = re.split(r"[:：]", text, maxsplit=1)
        if len(inline) == 2 and inline[1].strip():
            return inline[1].strip(), row, column
        value, value_column = grid.value_right_of(row, column)
        if value is not None and label_matches(clean_label(str(value)), *HEADER_LABELS):
            return None, None, None     # printed blank: the next cell is the next label
        if value is not None:
            return value, row, value_column
    return None, None, None


def read_form(grid: Grid, layout: str, header: tuple[int, dict[str, int]]) -> LoadedUnit:
    """Read an official-style form (official or sichuan) from one sheet."""
    loaded = LoadedUnit(source=grid.file, layout=layout)
    header_row, columns = header
    errors = loaded.errors
    unit = loaded.unit
    full = indicator_header(grid, range(max(1, header_row - 1), header_row + 1))
    if full is not None and full.first_row <= header_row <= full.row:
        header_row, columns = full.row, full.columns   # the whole header, over two rows
    else:
        full = None
    above = range(1, full.first_row if full is not None else header_row)

    read_header_block(grid, loaded, above)

    funds = find_funds_header(grid, above)
    if funds is not None:
        block = read_funds_block(grid, funds[0], funds[1], errors)
        loaded.budget = block.total
        loaded.budget_lines = list(block.lines)
        loaded.observations.extend(block.observations)
    else:
        loaded.budget = read_funds_pairs(grid, above)

    for key, labels in (("goal_planned", GOAL_PLANNED_LABELS), ("goal_actual", GOAL_ACTUAL_LABELS)):
        for row, column in grid.find(lambda text: label_matches(text, *labels), above):
            value, _ = grid.value_below(row, column)
            if value is not None and not label_matches(clean_label(value), *GOAL_PLANNED_LABELS,
                                                       *GOAL_ACTUAL_LABELS):
                unit[key] = normalise_text(value)
                break

    block = read_indicator_table(grid, full or IndicatorHeader(header_row, header_row, columns),
                                 loaded)
    if not block.indicators and not block.unread:
        errors.append(InputError(
            "绩效指标表只有表头，没有指标行", file=grid.file, sheet=grid.sheet, row=header_row,
            hint="请在表头下方逐行填写三级指标"))
    loaded.reported = [dict(entry) for entry in block.reported if entry["level"] != "total"]
    totals = [entry for entry in block.reported if entry["level"] == "total"]
    if totals:
        total = totals[-1]
        loaded.reported.append(dict(total))
        unit["reported_total"] = total["score"]
        unit["reported_total_sheet"], unit["reported_total_row"] = grid.sheet, total["row"]
        if block.total_grade:
            unit["reported_grade"] = block.total_grade
            unit["reported_grade_sheet"], unit["reported_grade_row"] = grid.sheet, total["row"]

    below = range(block.end_row + 1, grid.max_row + 1)
    for key, labels in TEXT_LABELS.items():
        value, row, _ = _labelled_value(grid, labels, below)
        if value is not None:
            unit[key] = normalise_text(value)
            if key == "reported_grade":
                unit[key] = grade_in_conclusion(unit[key])
                unit["reported_grade_sheet"], unit["reported_grade_row"] = grid.sheet, row
    if unit.get("reported_total") is None:
        value, row, _ = _labelled_value(grid, ("自评总分", "总分", "自评得分"), below)
        if value is not None:
            number = _number(value)
            if number is not None:
                unit["reported_total"] = number
                unit["reported_total_sheet"], unit["reported_total_row"] = grid.sheet, row
    return loaded


def read_header_block(grid: Grid, loaded: LoadedUnit, rows: range | None = None) -> None:
    """The header block's 项目名称 / 主管部门 / 实施单位 and the year (a 年度 label, else a year
    in the first rows: the title's "（2022年度）"), within ``rows``; values found replace the
    unit's.  Also the whole reading of a header block printed as a table of its own."""
    unit = loaded.unit
    rows = rows or range(1, grid.max_row + 1)
    for key, labels in UNIT_LABELS.items():
        specific = tuple(label for label in labels if label not in GENERIC_UNIT_LABELS)
        value, _, _ = _labelled_value(grid, specific, rows)
        if value is None and len(specific) < len(labels) and \
                not grid.find(lambda text: label_matches(text, *specific), rows):
            value, _, _ = _labelled_value(grid, GENERIC_UNIT_LABELS, rows)
        if value is not None:
            unit[key] = normalise_text(value)

    year_value, year_row, year_column = _labelled_value(grid, YEAR_LABELS, rows)
    if year_value is None:
        for row, column in grid.find(lambda text: bool(_YEAR_RE.search(text)),
                                     range(rows.start, min(rows.stop, YEAR_TITLE_ROWS + 1))):
            match = _YEAR_RE.search(grid.text(row, column))
            year_value, year_row, year_column = match.group(1), row, column
            break
    if year_value is not None:
        unit["year"] = year_value
        loaded.year_location = {"file": grid.file, "sheet": grid.sheet, "row": year_row,
                                "column_letter": get_column_letter(year_column)}


def grade_in_conclusion(text: str) -> str:
    """The grade a 评价结论 states: the text itself when short ("优", "良好"), else the grade
    word of a sentence such as "…自评等级为优。" (the sentence as written if it names none)."""
    if len(text) <= 4:
        return text
    match = _GRADE_IN_SENTENCE_RE.search(text)
    return match.group(1) if match else text


def _number(value) -> float | None:
    from perfnb.reading.values import parse_value
    return parse_value(value).number


def detect(grid: Grid) -> tuple[int, dict[str, int]] | None:
    """The indicator header of a form sheet, None if the sheet has no indicator table."""
    return find_indicator_header(grid)


__all__ = ["read_form", "read_header_block", "detect", "END_LABELS"]
