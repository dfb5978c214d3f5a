"""The two tables every layout shares: the indicator block and the funds block.

Both are found by their header labels in a :class:`~perfnb.reading.sheets.Grid` and read
row by row into plain dicts (the canonical columns of ``perfnb.model``); problems are
collected as :class:`InputError` objects so a file's problems are reported together.
"""
from __future__ import annotations

import dataclasses

import math
import re
from dataclasses import dataclass, field

from perfnb.errors import InputError
from perfnb.model import KIND_QUALITATIVE, KIND_QUANTITATIVE, LEVEL1_ORDER
from perfnb.reading.values import (ParsedValue, clean_label, simplified, same_unit, unit_factor, deadline_level, declared_direction_of,
                                   declared_kind_of, normalise_level1, normalise_level2,
                                   is_sentence, normalise_name, normalise_text, normalise_unit,
                                   operator_of, parse_value)
from perfnb.reading.headers import (BUDGET_HEADERS, FUNDS_TITLES, INDICATOR_HEADERS,
                                    INDICATOR_SUB_HEADERS, budget_column, header_key,
                                    indicator_column, indicator_extra_column, listed_indicator_column,
                                    indicator_sub_column, inferred_budget_column, inferred_role)
from perfnb.reading.roles import POINT_UNITS, confirm_role
from perfnb.reading.sheets import Grid, label_matches
from perfnb.vocabulary import (BUDGET_RATE_INDICATOR_NAMES, CONCLUSION_GRADE_WORDS,
                               LEVEL2_DIMENSION_WORDS, NAME_DIMENSION_WORDS, PROGRESS_CLAIM_RE)

NAN = math.nan
TOTAL_LABELS = ("总分", "总计", "综合得分", "合计总分", "总得分", "自评总分")
SUBTOTAL_LABELS = ("合计", "小计")
END_LABELS = ("评价结论", "自评等级", "综合评价结论", "自评结论", "评价等级", "存在问题", "改进措施",
              "后续工作计划", "整改措施", "措施及办法", "备注", "说明", "填表说明", "填报说明",
              "其他需要说明", "偏差大或目标未完成原因", "改进措施及结果应用", "单位主要负责人",
              "项目负责人", "财务负责人", "填报人", "填表人")
# A whole-table total written with a word before or after it: 得分合计, 分值合计, 合计得分,
# 指标总分 (plain 合计 stays a subtotal label: it may close one dimension).
TOTAL_LABEL_RE = re.compile(r"^(?:得分|分值|指标|绩效指标|评分|全部|总体)(?:合计|总计|总分)(?:得分|分值|分)?$|"
                            r"^(?:合计|总计)(?:得分|分值|分)$")
# A footnote under the table: "注：1. …", "注1"
_NOTE_RE = re.compile(r"^注(?:\s*[:：\d]|$)")
MAX_WEIGHT = 100.0
# Titles printed beside or above the indicator table, never a column heading.
BLOCK_TITLES = ("绩效指标", "年度绩效指标", "绩效指标完成情况", "年度绩效指标完成情况", "项目绩效指标",
                "绩效目标", "年度绩效目标", "指标")
WEIGHT_TOLERANCE = 0.005
# Heuristic reach of the readers, named: rows looked at below a funds header, rows after a 总分
# row that may still hold indicators, the longest 预算执行率 label of an indicator-table row.
MAX_FUNDS_ROWS = 12
TOTAL_LOOKAHEAD_ROWS = 3
MAX_BUDGET_LABEL = 12


def parse_cell(grid: Grid, row: int, column: int | None) -> ParsedValue:
    """parse_value of a cell; a number in a percentage-formatted cell becomes percent points."""
    if column is None:
        return parse_value(None)
    value = grid.get(row, column)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and \
            grid.cell_anchor(row, column) in grid.percent:
        number = round(float(value) * 100, 10)
        return ParsedValue(None, number, "%", None, f"{number:g}%")
    return parse_value(value)


def number_or_nan(parsed: ParsedValue) -> float:
    return parsed.number if parsed.number is not None else NAN


# ---------------------------------------------------------------------------------------------
# Indicator block

@dataclass
class IndicatorBlock:
    header_row: int
    columns: dict[str, int]                    # canonical -> column
    indicators: list[dict] = field(default_factory=list)
    reported: list[dict] = field(default_factory=list)
    end_row: int = 0                           # last row read
    observations: list[dict] = field(default_factory=list)   # OBSERVATION_COLUMNS but unit_id
    budget_row: dict | None = None             # a 预算执行率 row inside the table
    # indicator rows that could not be read (row, name, the problems): left out of scoring
    unread: list[tuple[int, str, list[InputError]]] = field(default_factory=list)
    total_grade: str | None = None             # a grade printed in the 总分 row ("总分 | 100 | 96 | 优")
    # standard heading -> the heading the form prints instead ("年度指标值" -> "指标值(八)")
    printed_headings: dict[str, str] = field(default_factory=dict)


def header_columns(grid: Grid, row: int, lookup) -> dict[str, int]:
    """Canonical column -> column of the header at ``row``: the first heading of each role,
    except that a listed indicator heading ("分值") wins over one whose role was only read
    from its parts ("项目权重")."""
    columns: dict[str, int] = {}
    for c in range(1, grid.max_column + 1):
        key = lookup(grid.get(row, c)) if isinstance(grid.get(row, c), str) else None
        if key and key not in columns:
            columns[key] = c
        elif key and lookup is indicator_column and \
                listed_indicator_column(grid.get(row, c)) == key and \
                listed_indicator_column(grid.get(row, columns[key])) != key:
            columns[key] = c
    return columns


@dataclass
class IndicatorHeader:
    """The indicator table's header: one row, or a group row over a sub-heading row.

    ``row`` is the header's last row (data start below it); ``columns`` maps canonical data
    columns to their column, ``extras`` recognised non-data columns (得分计算方法, 权重占比,
    复核得分 …) and ``unknown`` the headings not recognised at all: column -> text as printed.
    """

    first_row: int
    row: int
    columns: dict[str, int]
    extras: dict[str, int] = field(default_factory=dict)
    unknown: dict[int, str] = field(default_factory=dict)
    # columns whose role was read from the heading's parts and confirmed by their content:
    # column -> (heading as printed, canonical, evidence); ``rejected``: not confirmed
    inferred: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    rejected: dict[int, tuple[str, str, str]] = field(default_factory=dict)


def _spans_columns(grid: Grid, row: int, column: int) -> bool:
    """True when (row, column) belongs to a merged range that covers several columns."""
    anchor = grid.cell_anchor(row, column)
    return any(grid.cell_anchor(row, c) == anchor for c in (column - 1, column + 1)
               if 1 <= c <= grid.max_column)


def _continues(grid: Grid, row: int, column: int) -> bool:
    """Is the cell below (row, column) the same heading merged down (or repeated, as Word
    tables whose vertical merges were read cell by cell show it)?"""
    below = row + 1
    return grid.cell_anchor(below, column) == grid.cell_anchor(row, column) or \
        grid.text(below, column) == grid.text(row, column)


def _sub_header_row(grid: Grid, row: int, columns: dict[str, int]) -> bool:
    """Is ``row + 1`` a second header row (sub-headings under group headings of ``row``)?"""
    below = row + 1
    if below > grid.max_row:
        return False
    found = False
    for c in range(1, grid.max_column + 1):
        value = grid.get(below, c)
        if grid.is_blank(below, c) or _continues(grid, row, c):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) or \
                isinstance(value, str) and _FIGURE_TEXT_RE.match(value.strip()):
            return False      # a figure (a CSV's "4" as well): the row below holds data
        group = indicator_column(grid.get(row, c))
        sub = indicator_sub_column(group, value)
        if sub is None:
            continue
        if sub in ("level1", "level2", "name"):
            return False  # the row below starts another header, or data
        if _spans_columns(grid, row, c) or group is None or sub != group:
            found = True
    return found


def read_indicator_header(grid: Grid, row: int) -> IndicatorHeader:
    """The header at ``row`` (and the sub-heading row below it, if there is one)."""
    first = header_columns(grid, row, indicator_column)
    two_rows = _sub_header_row(grid, row, first)
    last = row + 1 if two_rows else row
    columns: dict[str, int] = {}
    extras: dict[str, int] = {}
    unknown: dict[int, str] = {}
    inferred: dict[int, tuple[str, str]] = {}
    seen_anchors: set[tuple[int, int]] = set()
    for c in range(1, grid.max_column + 1):
        top = grid.get(row, c)
        group = indicator_column(top) if isinstance(top, str) else None
        key = group
        heading = top
        if two_rows and not grid.is_blank(last, c) and not _continues(grid, row, c):
            heading = grid.get(last, c)
            key = indicator_sub_column(group, heading)
            if key is None and group is not None and group not in columns:
                key = group
        if key is None and isinstance(top, str):
            key = indicator_extra_column(top)
        if key is None:
            anchor = grid.cell_anchor(last if heading is not top else row, c)
            text = normalise_text(heading) if isinstance(heading, str) else ""
            # a block title down the side ("绩效指标" merged over the table) is no heading
            side_title = grid.cell_anchor(last + 1, c) == anchor or \
                split_weight(text)[0] in BLOCK_TITLES
            if text and anchor not in seen_anchors and not side_title:
                unknown[c] = text
            seen_anchors.add(anchor)
            continue
        target = columns if key in INDICATOR_HEADERS else extras
        text = heading if isinstance(heading, str) else top
        guessed = inferred_role(text) == key and not (
            group in INDICATOR_SUB_HEADERS and header_key(text) in INDICATOR_SUB_HEADERS[group])
        if key not in target:
            target[key] = c
            if guessed:
                inferred[c] = (normalise_text(text), key)
        elif guessed:
            unknown[c] = normalise_text(text)     # a second column of a role already read
        elif target[key] in inferred:
            # a listed heading ("分值") after one read from its parts ("项目权重"): the listed
            # one holds the role; the other is a column of labels with points ("项目决策 2 分"),
            # the 一级 labels, when its cells say so, else an unknown column
            displaced = target[key]
            target[key] = c
            displaced_text = inferred.pop(displaced)[0]
            if "level1" not in columns and _labels_with_points(grid, last, displaced):
                columns["level1"] = displaced
            else:
                unknown[displaced] = displaced_text
    header = IndicatorHeader(row, last, columns, extras, unknown)
    _confirm_inferred(grid, header, inferred)
    return header


# How many rows below a header are looked at to confirm a column's inferred role.
ROLE_CONTENT_ROWS = 40


def _labels_with_points(grid: Grid, header_row: int, column: int) -> bool:
    """Is the first filled cell below the header in ``column`` a label carrying its points
    ("项目决策 2 分"), as an 一级 label column is?"""
    for r in range(header_row + 1, min(grid.max_row, header_row + ROLE_CONTENT_ROWS) + 1):
        if grid.is_blank(r, column):
            continue
        value = grid.get(r, column)
        if not isinstance(value, str):
            return False
        label, weight = split_weight(normalise_text(value))
        return weight is not None and bool(label)
    return False


def _confirm_inferred(grid: Grid, header: IndicatorHeader,
                      inferred: dict[int, tuple[str, str]]) -> None:
    """Columns whose role was read from their heading's parts ("参考分值") are kept only when
    their content bears the role out (``roles.confirm_role``); else they are unknown columns."""
    if not inferred:
        return
    name = header.columns.get("name")
    rows, total_row = [], None
    for r in range(header.row + 1, min(grid.max_row, header.row + ROLE_CONTENT_ROWS) + 1):
        label = grid.text(r, name) if name else ""
        if label and label_matches(label, *TOTAL_LABELS, *SUBTOTAL_LABELS) or \
                _is_label_row(grid, r, TOTAL_LABELS + SUBTOTAL_LABELS, name or 1, TOTAL_LABEL_RE):
            total_row = total_row or r
            continue
        if _starts_with_label(grid, r, END_LABELS) or _title_row(grid, r) or \
                _next_header(grid, r):
            break            # the block ends: a further block's title or header follows
        if name and not grid.is_blank(r, name):
            rows.append(r)
    weight_column = header.columns.get("weight")
    weights = [parse_cell(grid, r, weight_column) for r in rows] if weight_column else []
    weight_numbers = [w.number if w.number is not None and w.unit in POINT_UNITS else None
                      for w in weights] or None
    for column, (text, role) in sorted(inferred.items()):
        cells = [parse_cell(grid, r, column) for r in rows]
        printed = parse_cell(grid, total_row, column).number if total_row else None
        check = confirm_role(role, cells, weight_numbers, printed)
        table = header.columns if role in INDICATOR_HEADERS else header.extras
        if check.confirmed:
            header.inferred[column] = (text, role, check.evidence)
        elif table.get(role) == column:
            del table[role]
            header.rejected[column] = (text, role, check.evidence)


def find_indicator_header(grid: Grid) -> tuple[int, dict[str, int]] | None:
    """The first row that reads as an indicator table header, with its columns.

    For a header over two rows the row returned is the second (the data start below it)
    and the columns are those of both rows together; :func:`indicator_header` gives the
    whole :class:`IndicatorHeader`.
    """
    header = indicator_header(grid)
    return (header.row, header.columns) if header else None


# The columns an indicator table needs: a weighted one (分值/权重 printed), else — a form that
# prints no weights at all (湖北's 20+80 template, 转移支付 区域 forms) — names, targets and
# actuals, read for an unweighted evaluation (``UNWEIGHTED_FORM``).
WEIGHTED_HEADER = frozenset({"name", "target", "weight"})
UNWEIGHTED_HEADER = frozenset({"name", "target", "actual"})


def indicator_header(grid: Grid, rows: range | None = None) -> IndicatorHeader | None:
    """The first indicator table header of the grid (within ``rows``), or None.

    A header with a 分值/权重 column anywhere wins; only a grid with none gives the first
    header of names, targets and actuals without weights (an unweighted form)."""
    unweighted = None
    for r in rows or range(1, grid.max_row + 1):
        header, weighted = _header_at(grid, r)
        if weighted:
            return header
        if unweighted is None and header is not None:
            unweighted = header
    return unweighted


def _header_at(grid: Grid, r: int) -> tuple[IndicatorHeader | None, bool]:
    """The indicator header at row ``r`` (None if the row is none) and whether it is weighted:
    a 分值/权重 column, a rubric, or weights in the 一级/二级 labels."""
    columns = header_columns(grid, r, indicator_column)
    if not ({"name", "target"} <= columns.keys() and len(columns) >= 3 or
            {"name", "weight"} <= columns.keys() and len(columns) >= 4 or
            RUBRIC_HEADER <= columns.keys()):
        return None, False
    header = read_indicator_header(grid, r)
    if WEIGHTED_HEADER <= header.columns.keys() and len(header.columns) >= 4:
        return header, True
    if is_rubric(header):
        return header, True
    if "weight" not in header.columns and {"name", "target"} <= header.columns.keys() \
            and ({"actual", "score"} & header.columns.keys()) and \
            weights_from_labels(grid, header.row, header.columns, []):
        return header, True        # the weights stand in the 一级/二级 labels
    if "weight" not in header.columns and UNWEIGHTED_HEADER <= header.columns.keys():
        return header, False
    return None, False


def rows_before(grid: Grid, header: IndicatorHeader) -> int:
    """The last row of the block above ``header``: the row before it, less the blank rows and
    the block's own title rows ("项目年度目标 1：…" across the table) printed just above it."""
    r = header.first_row - 1
    while r > 1 and (grid.row_blank(r) or _title_row(grid, r)):
        r -= 1
    return r


def printed_points(grid: Grid, header: IndicatorHeader, block: IndicatorBlock) -> float | None:
    """The points the form gives a block: a title with points among its header cells
    ("项目绩效 85 分" beside the headings), else its 一级 labels' points ("项目管理 13 分"),
    else its rows' 分值 added up; None when it prints none of these."""
    headings = set(header.columns.values()) | set(header.extras.values())
    for r in range(header.first_row, header.row + 1):
        for c in range(1, grid.max_column + 1):
            text = grid.text(r, c)
            if c in headings or not text:
                continue
            label, weight = split_weight(text)
            if weight is not None and label:
                return weight
    level1 = [entry["weight"] for entry in block.reported
              if entry["level"] == "level1" and entry["weight"] == entry["weight"]]
    if level1:
        return sum(level1)
    weights = [indicator.get("weight") for indicator in block.indicators]
    if weights and all(isinstance(w, (int, float)) and w == w for w in weights):
        return sum(weights)
    return None


def _next_header(grid: Grid, row: int) -> bool:
    """Does ``row`` look like a further indicator header (names and at least two more roles)?"""
    columns = header_columns(grid, row, indicator_column)
    return "name" in columns and len(columns) >= 3


def _title_row(grid: Grid, row: int) -> bool:
    """Is the row one text across the table (a merged title cell, or its repeated copies)?"""
    texts = {grid.text(row, c) for c in range(1, grid.max_column + 1) if not grid.is_blank(row, c)}
    return len(texts) == 1 and sum(not grid.is_blank(row, c)
                                   for c in range(1, grid.max_column + 1)) > 1


# A rubric: names, 分值 and the unit's 得分 with no target or actual (项目决策/过程 parts,
# 部门整体 forms); with the 一级/二级 labels or its 评分标准/指标解释 beside them.
RUBRIC_HEADER = frozenset({"name", "weight", "score"})


def is_rubric(header: IndicatorHeader) -> bool:
    """Is the header a rubric's (分值 and 得分 per item, no target or actual)?"""
    keys = header.columns.keys()
    return RUBRIC_HEADER <= keys and not {"target", "actual"} & keys and \
        (len(keys) >= 4 or "scoring_method" in header.extras)


def indicator_headers(grid: Grid) -> list[IndicatorHeader]:
    """The indicator header of the grid and every further block header below it, in row order.

    A sheet may hold several header-led blocks (a 共性 rubric above the indicator table, each
    with its own headings): a further block is a weighted header (see :func:`_header_at`)
    whose column roles differ from the block above — a header repeated at a page break has
    the same roles and continues its block.  Whether the blocks belong to one form is the
    caller's to judge (nothing such as a second project title between them)."""
    first = indicator_header(grid)
    if first is None:
        return []
    headers = [first]
    for r in grid.filled_rows:       # blank rows hold no header: reading stays linear
        if r <= headers[-1].row:
            continue
        header, weighted = _header_at(grid, r)
        if weighted and header.columns != headers[-1].columns:
            headers.append(header)
    return headers


def is_unweighted(columns: dict[str, int]) -> bool:
    """Does an indicator header print no 分值/权重 column (an unweighted form)?"""
    return "weight" not in columns


def missing_weight_column(grid: Grid) -> InputError | None:
    """An indicator table whose header has names and targets but no 分值/权重 column: the
    error that says so (scores cannot be computed without weights), else None."""
    for r in range(1, grid.max_row + 1):
        columns = header_columns(grid, r, indicator_column)
        if {"name", "target"} <= columns.keys() and "weight" not in columns and \
                ({"actual", "score"} & columns.keys()):
            return grid.error("绩效指标表没有“分值”（权重）列，无法按规则计分", r,
                              hint="请在表中补上各项指标的分值（权重）列后再评价")
    return None


# The roles whose column makes a table a self-evaluation rather than a list of targets.
EVALUATION_ROLES = frozenset({"actual", "score", "weight"})


def target_table_header(grid: Grid) -> int | None:
    """The header row of a 绩效目标表 — names and targets (年度指标值) but no 完成值, 分值 or 得分
    column (read with the roles confirmed from the content) — or None.  Such a table is the
    unit's year-start target declaration, not a self-evaluation."""
    for r in range(1, grid.max_row + 1):
        columns = header_columns(grid, r, indicator_column)
        if not ({"name", "target"} <= columns.keys() and len(columns) >= 3) or \
                EVALUATION_ROLES & columns.keys():
            continue
        header = read_indicator_header(grid, r)
        if {"name", "target"} <= header.columns.keys() and \
                not EVALUATION_ROLES & header.columns.keys():
            return r
    return None


def target_table_error(grid: Grid) -> InputError | None:
    """A 绩效目标表 sent instead of a self-evaluation (see :func:`target_table_header`): the
    one error that says so, located at its header row, else None."""
    row = target_table_header(grid)
    if row is None:
        return None
    return grid.error("这是绩效目标表（只有指标值，没有实际完成值、分值和得分），不是绩效自评表，无法评价",
                      row, hint="请提供年度结束后填写的绩效自评表（含全年执行数、各项指标的实际完成值和得分）")


def unreadable_table_error(grid: Grid) -> InputError | None:
    """Why a grid with an indicator-like header cannot be evaluated — no 分值 column
    (:func:`missing_weight_column`) or only targets (:func:`target_table_error`) — else None."""
    return missing_weight_column(grid) or target_table_error(grid)


def _header_text(key: str) -> str:
    return INDICATOR_HEADERS[key][0]


def _is_label_row(grid: Grid, row: int, labels, last_column: int,
                  pattern: re.Pattern | None = None) -> int | None:
    for c in range(1, last_column + 1):
        text = grid.text(row, c)
        if text and (label_matches(text, *labels) or
                     pattern is not None and bool(pattern.match(clean_label(text)))):
            return c
    return None


def _starts_with_label(grid: Grid, row: int, labels) -> bool:
    for c in range(1, grid.max_column + 1):
        text = grid.text(row, c)
        if text:
            return any(text.startswith(label) for label in labels) or bool(_NOTE_RE.match(text))
    return False


def read_indicator_block(grid: Grid, header_row: int, columns: dict[str, int],
                         errors: list[InputError], extras: dict[str, int] | None = None,
                         last_row: int | None = None) -> IndicatorBlock:
    """Read the indicator rows, subtotal rows and the total row below ``header_row``.

    Rows that are no indicators are skipped and noted in ``block.observations`` (code
    SKIPPED_ROW): template placeholders (指标1, ……, "-"), label-only rows (a 二级 heading on
    a row of its own), an empty 二级 row, unscored "其中…" sub-rows under an indicator, and a
    row that holds nothing but an indicator's name.  A weight printed in the 一级 label
    ("产出指标（50分）") becomes that dimension's reported weight (checked by the roll-up);
    an 一级 cell that names no dimension ("（50分）" alone) takes it from the 二级 label.
    A 预算执行率 row inside the table is the budget's weight and score (``block.budget_row``).
    ``last_row``: the block ends there (a further block's header follows).
    """
    extras = dict(extras or {})
    columns = dict(columns)
    block = IndicatorBlock(header_row, columns)
    _weight_from_share(grid, header_row, columns, extras, block)
    last_label_column = max(columns.get(k, 0) for k in ("level1", "level2", "name"))
    last_label_column = max(last_label_column, min(
        columns.get("target", 1), columns.get("weight", columns.get("target", 1))) - 1)
    level1 = level2 = ""
    level1_weights: dict[str, tuple[float, int]] = {}
    group: list[dict] = []           # indicators since the last subtotal
    pending: list[tuple[dict, list[dict], str]] = []
    has_total = False
    data_keys = [k for k in ("target", "actual", "weight", "score") if k in columns]
    parent: dict | None = None     # an indicator with a weight but no figures (★…): its parts follow
    parent_parts: dict[int, tuple[dict, list]] = {}
    shared: dict[tuple[str, tuple[int, int]], int] = {}    # merged weight/score cells seen
    label_weights = {} if "weight" in columns else \
        weights_from_labels(grid, header_row, columns, block.observations)
    r = header_row
    for r in range(header_row + 1, (last_row or grid.max_row) + 1):
        if grid.row_blank(r):
            continue
        name_column = columns["name"]
        if indicator_column(grid.get(r, name_column)) == "name":
            group = []
            continue  # a repeated header row
        if _starts_with_label(grid, r, END_LABELS):
            r -= 1
            break
        total_column = _is_label_row(grid, r, TOTAL_LABELS, last_label_column, TOTAL_LABEL_RE)
        subtotal_column = _is_label_row(grid, r, SUBTOTAL_LABELS, last_label_column)
        if total_column or subtotal_column:
            entry = {"level": "total", "level1": None, "level2": None,
                     "weight": _reported_number(grid, r, columns.get("weight"), "weight",
                                                block.observations),
                     "score": _reported_number(grid, r, columns.get("score"), "score",
                                               block.observations),
                     "sheet": grid.sheet, "row": r}
            if total_column:
                has_total = True
                block.reported.append(entry)
                block.total_grade = _grade_in_row(grid, r, columns.get("score"))
                if _is_last_total(grid, r, columns):
                    break          # the 总分 row closes the table
            else:
                label = grid.text(r, subtotal_column)
                pending.append((entry, list(group), label))
                block.reported.append(entry)
                _classify_subtotal(grid, r, columns, subtotal_column, entry, label)
            group = []
            continue
        level1_text = _label_text(grid, r, columns.get("level1"))
        level2_text = _label_text(grid, r, columns.get("level2"))
        name = normalise_name(grid.get(r, name_column))
        if is_placeholder(name):
            name = ""
        has_data = any(not _blank_value(grid, r, columns[k]) for k in data_keys)

        if level1_text:
            label, label_weight = split_weight(level1_text)
            new_level1 = normalise_level1(label) if label else ""
            if new_level1 != level1:
                level2 = ""
            level1 = new_level1
            if label_weight is not None and (level1 or level2_text):
                key = level1 or _level1_of_level2(normalise_level2(level2_text))
                level1_weights.setdefault(key, (label_weight, r))
        if level2_text:
            # the label as shown, without its printed points ("科学决策(10分)"), as the 一级
            # label; the points are read where they count (weights_from_labels)
            level2 = normalise_level2(split_weight(level2_text)[0])
        row_level1 = level1 or _level1_of_level2(level2)

        if is_budget_label(level1_text) or is_budget_indicator(name, row_level1):
            # the budget's own line, or an item printed inside a group (项目管理/投入管理)
            own_line = is_budget_label(level1_text)
            block.budget_row = {
                "weight": _reported_number(grid, r, columns.get("weight"), "weight",
                                           block.observations),
                "score": _reported_number(grid, r, columns.get("score"), "score",
                                          block.observations),
                "sheet": grid.sheet, "row": r,
                "level1": "" if own_line else row_level1, "level2": "" if own_line else level2}
            continue
        skip = None
        weightless = _blank_value(grid, r, columns.get("weight")) and \
            _blank_value(grid, r, columns.get("score"))
        if name and has_data and weightless and parent is not None:
            # a part of the indicator above, which has the weight but no figures of its own
            parent_parts.setdefault(id(parent), (parent, []))[1].append(
                (parse_cell(grid, r, columns.get("target")), parse_cell(grid, r, columns.get("actual"))))
            skip = f"分项，计入上一项指标“{parent['name']}”"
        elif not name and not has_data:
            skip = _why_not_an_indicator(grid, r, columns)
            if skip is None:
                continue          # nothing of its own: an empty row inside merged labels
        elif not name and _blank_cell(grid, r, columns.get("target")) and not has_data:
            continue
        elif name and not has_data:
            skip = "只有指标名称，没有指标值、完成值、分值和得分"
        elif name and name.startswith("其中") and _blank_value(grid, r, columns.get("weight")) \
                and _blank_value(grid, r, columns.get("score")):
            skip = "“其中”分项，不单独计分"
        if skip is not None:
            block.observations.append({
                "code": "SKIPPED_ROW", "sheet": grid.sheet, "row": r, "column": None,
                "indicator": name or None,
                "fields": {"text": _row_text(grid, r), "reason": skip}})
            continue
        if not name and _blank_cell(grid, r, columns.get("target")):
            continue
        row_errors: list[InputError] = []
        row_notes: list[dict] = []
        indicator = derive_indicator(grid, r, columns, row_level1, level2, name, row_errors,
                                     row_notes, label_weights.get(r))
        weight_header = _header_text("weight")
        if any(e.location.column == weight_header for e in row_errors):
            # one bad row does not cost the form: without its weight it is left out (the total
            # is then partial), located and said
            block.unread.append((r, name, row_errors))
            continue
        if row_errors:
            # a target, actual or score that cannot be read: the row keeps its weight and is
            # scored as missing that value (never a guessed number); each cell is located
            _keep_unreadable(grid, r, name, indicator, row_errors, block.observations)
        block.observations.extend(row_notes)
        _share_merged(grid, r, columns, indicator, shared, block)
        indicator["extra"] = {key: normalise_text(grid.get(r, column))
                              for key, column in extras.items()
                              if not grid.is_blank(r, column)}
        indicator["seq"] = len(block.indicators)
        block.indicators.append(indicator)
        group.append(indicator)
        parent = indicator if (not indicator["target_text"] and not indicator["actual_text"]
                               and not math.isnan(indicator["weight"])) else None
    for indicator, parts in parent_parts.values():
        _figures_from_parts(indicator, parts)
    _unread_rows(grid, header_row, block, errors)
    _infer_dimensions(grid, header_row, columns, block)
    reported_level1 = {e["level1"] for e in block.reported if e["level"] == "level1"}
    for key, (weight, row) in level1_weights.items():
        if key and key not in reported_level1:
            block.reported.append({"level": "level1", "level1": key, "level2": None,
                                   "weight": weight, "score": NAN, "sheet": grid.sheet,
                                   "row": row})
    block.end_row = r
    # A 合计 row whose place did not say which dimension it closes: the dimension of the
    # indicators above it when they are of one dimension and the table has others (or a 总分).
    all_level1 = {ind["level1"] for ind in block.indicators}
    for entry, members, label in pending:
        if entry["level"] != "total":
            continue
        member_level1 = {m["level1"] for m in members}
        member_level2 = {m["level2"] for m in members}
        if label == "小计" and len(member_level2) == 1 and len(member_level1) == 1:
            entry.update(level="level2", level1=members[0]["level1"], level2=members[0]["level2"])
        elif len(member_level1) == 1 and (len(all_level1) > 1 or has_total):
            entry.update(level="level1", level1=members[0]["level1"])
    block.printed_headings = _quote_printed_headings(grid, header_row, columns, block.observations)
    return block


def _quote_printed_headings(grid: Grid, header_row: int, columns: dict[str, int],
                            observations: list[dict]) -> dict[str, str]:
    """A value that cannot be read is located by its column's standard name (年度指标值); where
    the form prints another heading (an OCR'd "指标值(八)", "参考分值"), the finding quotes it
    too, so the reader finds the column as printed."""
    printed = {}
    for key, column in columns.items():
        heading = grid.text(header_row, column)
        if key in INDICATOR_HEADERS and heading and header_key(heading) != _header_text(key):
            printed[_header_text(key)] = heading
    for note in observations:
        heading = printed.get(note.get("column"))
        if heading and note["code"] in ("VALUE_NOT_READ", "ROW_NOT_READ"):
            note["fields"]["problem"] = f"表头“{heading}”一列：{note['fields']['problem']}"
        elif heading and note["code"] == "OCR_DIGITS":
            note["fields"]["heading"] = heading
    return printed


def _indicator_rows_in(grid: Grid, rows: range, columns: dict[str, int]) -> list[int]:
    """The rows of ``rows`` that hold an indicator (a name of their own, no total label)."""
    name = columns["name"]
    return [r for r in rows if grid.text(r, name) and not is_placeholder(grid.text(r, name))
            and not label_matches(grid.text(r, name), *TOTAL_LABELS, *SUBTOTAL_LABELS)
            and not (grid.cell_anchor(r, name)[0] != r and r > rows.start)]


def _merged_span(grid: Grid, row: int, column: int) -> range:
    """The rows of the merged range (row, column) belongs to (just ``row`` when not merged)."""
    anchor = grid.cell_anchor(row, column)
    last = anchor[0]
    while last < grid.max_row and grid.cell_anchor(last + 1, column) == anchor:
        last += 1
    return range(anchor[0], last + 1)


def _share_merged(grid: Grid, row: int, columns: dict[str, int], indicator: dict,
                  shared: dict, block: IndicatorBlock) -> None:
    """A weight or score printed once, merged down over several indicator rows (one score
    per 二级 group): each row takes an equal share, so the group's rows add up to the printed
    figure; the rows keep their own achievement.  Noted once per merged cell (GROUP_SHARED)."""
    for key, field_name in (("weight", "weight"), ("score", "reported_score")):
        column = columns.get(key)
        if column is None or math.isnan(indicator[field_name]):
            continue
        span = _merged_span(grid, row, column)
        if len(span) < 2:
            continue
        members = _indicator_rows_in(grid, span, columns)
        if len(members) < 2:
            continue
        indicator[field_name] = round(indicator[field_name] / len(members), 6)
        anchor = (key, grid.cell_anchor(row, column))
        if anchor not in shared:
            shared[anchor] = len(members)
            block.observations.append({
                "code": "GROUP_SHARED", "sheet": grid.sheet, "row": span.start,
                "column": _header_text(key), "indicator": None,
                "fields": {"column": _header_text(key),
                           "value": normalise_text(grid.get(row, column)),
                           "count": len(members), "rows": f"第 {span.start}–{span.stop - 1} 行",
                           "share": f"{indicator[field_name]:g}"}})


def weights_from_labels(grid: Grid, header_row: int, columns: dict[str, int],
                        observations: list[dict]) -> dict[int, float]:
    """Weights printed only in the 一级/二级 labels ("数量指标15分", "产出指标（50分）") of a
    table without a 分值 column, where each labelled group is scored as one (a single row, or
    one score merged over its rows): row -> its share of its group's weight (so the group's
    score is its weight times its rows' mean achievement), one WEIGHT_FROM_LABEL per group.

    Empty ("weights absent") when no label carries a weight, or when a group's rows are scored
    one by one (the unit's own scores per row under a group weight: the 20+80 templates): no
    weight is invented for a row; such forms are the unweighted reading's."""
    groups: dict[tuple[str, str], tuple[float, str, int, list[int]]] = {}
    level1 = level2 = ""
    level1_weight = level2_weight = None
    for r in range(header_row + 1, min(grid.max_row, header_row + ROLE_CONTENT_ROWS) + 1):
        if _starts_with_label(grid, r, END_LABELS):
            break
        text1, text2 = _label_text(grid, r, columns.get("level1")), _label_text(grid, r, columns.get("level2"))
        if text1 and text1 != level1:
            level1, level1_weight = text1, split_weight(text1)[1]
            level2, level2_weight = "", None
        if text2 and text2 != level2:
            level2, level2_weight = text2, split_weight(text2)[1]
        if not _indicator_rows_in(grid, range(r, r + 1), columns):
            continue
        if level2_weight is not None:
            key, weight, label = ("level2", level1 + "/" + level2), level2_weight, level2
        elif level1_weight is not None:
            key, weight, label = ("level1", level1), level1_weight, level1
        else:
            continue
        entry = groups.setdefault(key, (weight, label, r, []))
        entry[3].append(r)
    score = columns.get("score")
    for weight, label, first, rows in groups.values():
        # the group is the unit that is scored only when it has one row, or one score merged
        # over all its rows; rows scored one by one under a group weight print no weights of
        # their own, and none is invented for them (an unweighted form: read elsewhere)
        if len(rows) > 1 and (score is None or
                              len({grid.cell_anchor(r, score) for r in rows}) != 1):
            return {}
    weights: dict[int, float] = {}
    for weight, label, first, rows in groups.values():
        share = round(weight / len(rows), 6)
        weights.update({r: share for r in rows})
        observations.append({
            "code": "WEIGHT_FROM_LABEL", "sheet": grid.sheet, "row": first, "column": None,
            "indicator": None,
            "fields": {"label": normalise_text(label), "weight": f"{weight:g}", "count": len(rows),
                       "share": f"{share:g}"}})
    return weights


def _keep_unreadable(grid: Grid, row: int, name: str, indicator: dict,
                     row_errors: list[InputError], observations: list[dict]) -> None:
    """An indicator row kept although a value of it cannot be read: the value is missing
    (a target or actual: the indicator is quantitative with that number absent, so it scores
    0 as missing; a score: not checked) and each unreadable cell a VALUE_NOT_READ."""
    headers = {_header_text(key): key for key in ("target", "actual", "score")}
    for error in row_errors:
        key = headers.get(error.location.column)
        if key in ("target", "actual"):
            indicator[key] = NAN
            indicator.update(kind=KIND_QUANTITATIVE, operator=indicator["operator"] or ">=",
                             target_grade=None)
            effect = "该项按缺少数据计分"
        else:
            effect = "该数未核对"
        note = unreadable_note(grid, row, None, error.location.column, error.problem,
                               error.hint or "", effect, name)
        note["fields"]["column_letter"] = error.location.column_letter or ""
        observations.append(note)


def _unread_rows(grid: Grid, header_row: int, block: IndicatorBlock,
                 errors: list[InputError]) -> None:
    """Indicator rows whose weight, score, target or actual cannot be read.  While other rows
    can be scored, each is a ROW_NOT_READ observation at its cell (the problem and what to fix)
    and one TOTAL_PARTIAL says the computed total covers only the rows read; a table none of
    whose rows can be read is refused with the rows' errors, as before."""
    if not block.unread:
        return
    if not block.indicators:
        for _, _, row_errors in block.unread:
            errors.extend(row_errors)
        return
    for row, name, row_errors in block.unread:
        first = row_errors[0]
        note = unreadable_note(grid, row, None, first.location.column,
                               "；".join(e.problem for e in row_errors), first.hint or "",
                               "该行未参与计分", name)
        note["code"] = "ROW_NOT_READ"
        note["fields"]["column_letter"] = first.location.column_letter or ""
        block.observations.append(note)
    rows = [row for row, _, _ in block.unread]
    block.observations.append({
        "code": "TOTAL_PARTIAL", "sheet": grid.sheet, "row": header_row, "column": None,
        "indicator": None,
        "fields": {"counted": len(block.indicators), "printed": len(block.indicators) + len(rows),
                   "rows": "、".join(f"第 {row} 行" for row in rows)}})


# ---------------------------------------------------------------------------------------------
# Rows that are not indicators

# Template placeholders departments leave in the table: 指标1, 指标2 …, ……, "-", "/".
_FILLER_RE = re.compile(r"^(?:[.。…·、]{2,}|[-—－–_/\\*＊]+|略|无)$")
# The template's numbering left without an indicator: "指标1", "指标2：", "指标1：/", "指标1：……".
_NUMBERING_RE = re.compile(r"^(?:三级)?指标\d{1,2}[:：.、]?")
# Points printed in an 一级/二级 label: "（50分）", "15分" at the end, or a bare number in a
# bracket closing the label ("绩效目标(10)", pub34: the 分 left out).
_WEIGHT_IN_LABEL_RE = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]|(\d+(?:\.\d+)?)\s*分$|"
                                 r"[(（]\s*(\d+(?:\.\d+)?)\s*[)）]$")
# 二级 headings -> their 一级 dimension, for a table whose 一级 cell names none.
# Rates that are limits by what they measure: a bare target ("3%") on one of them is a ceiling
# (预算调整率 3% met by 0, 结转结余率 2%, 公用经费控制率 100% met by 97%).
_CEILING_NAME_RE = re.compile(
    r"结余率|结转率|调整率|(?:经费|人员|支出|成本|预算|费用)(?:控制|变动)率|发生率|事故率|投诉率|"
    r"差错率|失误率|不合格率|超支率|流失率|辍学率|故障率|违规率|闲置率|超标率|损耗率")

_LEVEL2_DIMENSIONS = LEVEL2_DIMENSION_WORDS


def _weight_from_share(grid: Grid, header_row: int, columns: dict[str, int],
                       extras: dict[str, int], block: "IndicatorBlock") -> None:
    """A 分值 column that holds words (指标解释 printed under 指标分值) while a 权重占比 column
    holds the numbers: the weights are read from 权重占比, the words kept as text."""
    weight, share = columns.get("weight"), extras.get("weight_share")
    if weight is None or share is None:
        return
    rows = range(header_row + 1, min(grid.max_row, header_row + ROLE_CONTENT_ROWS) + 1)
    numbers = sum(parse_cell(grid, r, weight).number is not None for r in rows)
    words = sum(is_sentence(grid.get(r, weight)) or (
        parse_cell(grid, r, weight).number is None and not grid.is_blank(r, weight)) for r in rows)
    share_numbers = sum(parse_cell(grid, r, share).number is not None for r in rows)
    if numbers == 0 and words and share_numbers:
        columns["weight"] = extras.pop("weight_share")
        extras["weight_note"] = weight
        block.observations.append({
            "code": "UNKNOWN_COLUMN", "sheet": grid.sheet, "row": header_row, "column": None,
            "indicator": None, "fields": {
                "header": normalise_text(grid.get(header_row, weight)) or "分值",
                "note": "该列填写的是文字说明，分值取自“权重占比”列"}})


def is_placeholder(text) -> bool:
    """True for a template placeholder or filler cell (指标1, ……, "-", "/")."""
    if not text:
        return False
    cleaned = clean_label(text)
    numbering = _NUMBERING_RE.match(cleaned)
    if numbering:
        cleaned = cleaned[numbering.end():]
        if not cleaned:
            return True
    return bool(_FILLER_RE.match(cleaned))


def split_weight(label: str) -> tuple[str, float | None]:
    """An 一级 or 二级 label without the weight printed in it: "产 出 指 标 (50分)" ->
    ("产出指标", 50), "科学决策(10分)" -> ("科学决策", 10)."""
    text = clean_label(label)
    match = _WEIGHT_IN_LABEL_RE.search(text)
    if not match:
        return text, None
    weight = float(match.group(1) or match.group(2) or match.group(3))
    return (text[:match.start()] + text[match.end():]).strip(), weight


def is_budget_label(text) -> bool:
    """Does a label name budget execution (a 预算执行率 row printed inside the indicator table)?"""
    cleaned = clean_label(text)
    return cleaned.startswith(("预算执行率", "预算执行情况", "资金执行率")) and \
        len(cleaned) <= MAX_BUDGET_LABEL


def is_budget_indicator(name: str, level1: str) -> bool:
    """Is a 三级 row the budget's execution itself — an indicator named 预算执行率 (one of
    ``vocabulary.BUDGET_RATE_INDICATOR_NAMES``) outside the output, benefit and satisfaction
    dimensions (pub21: under 项目管理/投入管理)?  Its weight and score are the budget's, scored
    once from the funds' rate; the same name under 产出指标 (pub30's 数量 indicator with its own
    target and actual) is an ordinary indicator."""
    return "".join(str(name or "").split()) in BUDGET_RATE_INDICATOR_NAMES and \
        level1 not in LEVEL1_ORDER


UNGRADED_DIMENSION = "未分级指标"
# An indicator's name that says its dimension (a flat list without 一级/二级 columns):
# the words of the 二级 headings, and 及时 for 时效.
_NAME_DIMENSIONS = NAME_DIMENSION_WORDS


def _level1_of_name(name: str) -> str:
    """The dimension an indicator's name names, when it names exactly one."""
    found = {dimension for words, dimension in _NAME_DIMENSIONS
             if any(word in (name or "") for word in words)}
    return found.pop() if len(found) == 1 else ""


def _infer_dimensions(grid: Grid, header_row: int, columns: dict[str, int],
                      block: "IndicatorBlock") -> None:
    """Indicators left without a 一级 dimension (a flat list with no 一级/二级 columns, or
    an 一级 cell left blank with no 二级 heading to tell it): the dimension their name
    names (“…满意度” -> 满意度指标), else the named catch-all 未分级指标, so no dimension
    is nameless.  One LEVEL1_INFERRED observation says how many went where."""
    missing = [ind for ind in block.indicators if not ind["level1"]]
    if not missing:
        return
    by_name: dict[str, list[str]] = {}
    for indicator in missing:
        dimension = _level1_of_name(indicator["name"])
        indicator["level1"] = dimension or UNGRADED_DIMENSION
        if dimension:
            by_name.setdefault(dimension, []).append(indicator["name"])
    parts = []
    for dimension, names in by_name.items():
        first = f"“{names[0]}”" + (f"等 {len(names)} 项" if len(names) > 1 else "")
        parts.append(f"{first}按指标名称归入{dimension}")
    rest = len(missing) - sum(len(names) for names in by_name.values())
    if rest:
        parts.append(("其余" if parts else "") + f" {rest} 项归为“{UNGRADED_DIMENSION}”")
    note = ("指标表没有“一级指标”列" if "level1" not in columns and "level2" not in columns
            else f"{len(missing)} 项指标的一级指标为空，也无二级指标可以判断")
    block.observations.append({
        "code": "LEVEL1_INFERRED", "sheet": grid.sheet, "row": header_row, "column": None,
        "indicator": None,
        "fields": {"note": note, "assigned": "，".join(p.strip() for p in parts),
                   "count": len(missing)}})


def _level1_of_level2(level2: str) -> str:
    for words, dimension in _LEVEL2_DIMENSIONS:
        if any(word in level2 for word in words):
            return dimension
    return ""


def _blank_cell(grid: Grid, row: int, column: int | None) -> bool:
    """A cell with nothing in it, or a column the table does not have."""
    return column is None or grid.is_blank(row, column)


def _label_text(grid: Grid, row: int, column: int | None) -> str:
    """The text of a 一级/二级 cell, '' for blanks and placeholders."""
    if column is None:
        return ""
    text = normalise_text(grid.get(row, column))
    return "" if is_placeholder(text) else text


def _blank_value(grid: Grid, row: int, column: int | None) -> bool:
    """A data cell with nothing in it: blank, a placeholder or "/"."""
    if column is None:
        return True
    value = grid.get(row, column)
    if value is None or isinstance(value, bool):
        return value is None
    if isinstance(value, (int, float)):
        return False
    return not normalise_text(value) or is_placeholder(value)


def _own_cells(grid: Grid, row: int) -> list[str]:
    """Texts of the cells that start on ``row`` (not continued from a merge above)."""
    texts = []
    seen = set()
    for c in range(1, grid.max_column + 1):
        anchor = grid.cell_anchor(row, c)
        if anchor[0] != row or anchor in seen or grid.is_blank(row, c):
            continue
        seen.add(anchor)
        texts.append(normalise_text(grid.get(row, c)))
    return texts


def _row_text(grid: Grid, row: int) -> str:
    texts = []
    for c in range(1, grid.max_column + 1):
        if grid.cell_anchor(row, c) != (row, c) and grid.cell_anchor(row, c)[0] == row:
            continue   # the rest of a range merged across
        text = normalise_text(grid.get(row, c)) if not grid.is_blank(row, c) else ""
        texts.append(text)
    while texts and not texts[-1]:
        texts.pop()
    return " | ".join(texts)


def _why_not_an_indicator(grid: Grid, row: int, columns: dict[str, int]) -> str | None:
    """Why a row without name and data is no indicator; None if it has nothing of its own."""
    own = [text for text in _own_cells(grid, row)]
    if not own:
        return None
    if all(is_placeholder(text) for text in own):
        return "模板占位行"
    level2_column = columns.get("level2")
    if level2_column and grid.cell_anchor(row, level2_column)[0] == row and \
            not grid.is_blank(row, level2_column):
        return "只有二级指标名称的行"
    return "只有标签的行"


def _figures_from_parts(indicator: dict, parts: list[tuple[ParsedValue, ParsedValue]]) -> None:
    """An indicator whose figures stand in the rows below it (安徽's ★ rows): its target and
    actual are theirs, joined, and its level how many of them were reached (all: 达成)."""
    def met(target: ParsedValue, actual: ParsedValue) -> bool:
        if target.number is not None and actual.number is not None:
            return actual.number >= target.number if target.operator not in ("<=", "<") \
                else actual.number <= target.number
        return bool(actual.text) and clean_label(actual.text) == clean_label(target.text)
    reached = sum(met(target, actual) for target, actual in parts)
    indicator.update(
        kind=KIND_QUALITATIVE, operator=None, target=NAN, target_grade=None,
        target_text="；".join(target.text for target, _ in parts if target.text),
        actual_text="；".join(actual.text for _, actual in parts if actual.text),
        actual_grade="达成" if reached == len(parts) else "部分达成" if reached else "未达成")


_GRADE_WORDS = CONCLUSION_GRADE_WORDS


def _grade_in_row(grid: Grid, row: int, score_column: int | None) -> str | None:
    """A grade word printed right of the 总分 row's score, if any."""
    if score_column is None:
        return None
    anchor = grid.cell_anchor(row, score_column)
    for c in range(score_column + 1, grid.max_column + 1):
        if grid.cell_anchor(row, c) == anchor:
            continue
        text = grid.text(row, c)
        if text in _GRADE_WORDS:
            return text
    return None


def _is_last_total(grid: Grid, row: int, columns: dict[str, int]) -> bool:
    """Is the 总分 row at ``row`` the table's end (no indicator row follows it)?"""
    for r in range(row + 1, min(grid.max_row, row + TOTAL_LOOKAHEAD_ROWS) + 1):
        if grid.row_blank(r):
            continue
        name = columns.get("name")
        has_figures = "weight" in columns and parse_cell(grid, r, columns["weight"]).number \
            is not None
        return not (name and not grid.is_blank(r, name) and has_figures
                    and grid.cell_anchor(r, name)[0] == r)
    return True


def _classify_subtotal(grid: Grid, row: int, columns: dict[str, int], label_column: int,
                       entry: dict, label: str) -> None:
    """A subtotal row whose 一级 (or 二级) cell names its dimension (merged down over it)."""
    def own_text(key: str) -> str:
        column = columns.get(key)
        if column is None or column >= label_column:
            return ""
        if grid.cell_anchor(row, column) == grid.cell_anchor(row, label_column):
            return ""
        return normalise_text(grid.get(row, column))
    level1_text, level2_text = own_text("level1"), own_text("level2")
    if label == "小计" and level2_text:
        entry.update(level="level2", level1=normalise_level1(level1_text) if level1_text else None,
                     level2=normalise_level2(level2_text))
    elif level1_text:
        entry.update(level="level1", level1=normalise_level1(level1_text))


def _reported_number(grid: Grid, row: int, column: int | None, key: str,
                     observations: list[dict]) -> float:
    """A figure of a 合计/总分 (or 预算执行率) row; one that cannot be read is a ROW_NOT_READ
    observation (the figure is not checked), never a reason to refuse the form."""
    if column is None:
        return NAN
    parsed = parse_cell(grid, row, column)
    if parsed.number is None:
        label = clean_label(parsed.text)
        # a total label merged across the weight or score column is no figure
        if parsed.text and not parsed.not_applicable and label not in \
                TOTAL_LABELS + SUBTOTAL_LABELS and not TOTAL_LABEL_RE.match(label):
            observations.append(unreadable_note(
                grid, row, column, _header_text(key), parsed.problem or f"“{parsed.text}”不是数字",
                "请填写数字，或留空", "该数未核对"))
        return NAN
    if parsed.ocr is not None:
        observations.append(_ocr_note(grid, row, key, "", parsed))
    return parsed.number


def unreadable_note(grid: Grid, row: int, column: int | None, header: str | None, problem: str,
                    hint: str, effect: str, name: str = "") -> dict:
    """A VALUE_NOT_READ observation: a cell whose value cannot be read, what it costs
    (``effect``) and how to fix it (ROW_NOT_READ when the whole row is left out)."""
    from openpyxl.utils import get_column_letter
    return {"code": "VALUE_NOT_READ", "sheet": grid.sheet, "row": row, "column": header,
            "indicator": name or None,
            "fields": {"text": _row_text(grid, row), "problem": problem, "hint": hint,
                       "effect": effect,
                       "column_letter": get_column_letter(column) if column else ""}}


def _row_note(code: str, grid: Grid, row: int, key: str, name: str, **fields) -> dict:
    """An observation about one cell of an indicator row (see ``LoadedUnit.observations``)."""
    return {"code": code, "sheet": grid.sheet, "row": row, "column": _header_text(key),
            "indicator": name or None, "fields": fields}


def _ocr_note(grid: Grid, row: int, key: str, name: str, parsed: ParsedValue) -> dict:
    """OCR_DIGITS: letters in a number read as the digits they look like ("IO" -> 10)."""
    return _row_note("OCR_DIGITS", grid, row, key, name, text=parsed.ocr,
                     number=f"{parsed.number:g}{parsed.unit}", heading=_header_text(key))


def derive_indicator(grid: Grid, row: int, columns: dict[str, int], level1: str, level2: str,
                     name: str, errors: list[InputError],
                     observations: list[dict] | None = None,
                     label_weight: float | None = None) -> dict:
    """One indicator row -> the canonical indicator columns (see perfnb.model).

    A target that is a sentence ("严格执行相关制度规定") makes a qualitative indicator, even
    when 指标性质 says 定量 (the audit's KIND_CONFLICT reports that).  Dates ("2023年12月")
    in target and actual make a deadline: met when the actual is not later.  An actual
    written like a target ("≥266米") is read as its number and noted (ACTUAL_AS_TARGET).
    """
    observations = observations if observations is not None else []
    def cell_text(key: str) -> str:
        column = columns.get(key)
        return normalise_text(grid.get(row, column)) if column else ""

    def error(key: str, problem: str, hint: str) -> None:
        errors.append(grid.error(problem, row, columns.get(key), _header_text(key), hint=hint))

    target = parse_cell(grid, row, columns.get("target"))
    actual = parse_cell(grid, row, columns.get("actual"))
    if actual.number is not None and PROGRESS_CLAIM_RE.match(re.sub(r"\s+", "", actual.text)):
        # "已完成100%": how far the work went, not the indicator's value — kept as words (a
        # quantitative target then has no actual to compare: TEXT_ACTUAL)
        actual = dataclasses.replace(actual, operator=None, number=None, unit="")
    if target.number is None and target.grade and target.date is None and \
            actual.operator is not None and actual.number is not None and \
            actual.grade == target.grade:
        # "优" | "≥95%优": the actual cell states the grade's bar and that it was reached,
        # so the grade's bar is the target (the actual is read as its number, noted below)
        target = dataclasses.replace(target, operator=actual.operator, number=actual.number,
                                     unit=actual.unit, text=actual.text)
    kind_text, direction_text = cell_text("declared_kind"), cell_text("declared_direction")
    declared_kind = declared_kind_of(kind_text)
    declared_direction = declared_direction_of(direction_text) or declared_direction_of(kind_text)
    column_operator = operator_of(kind_text) or operator_of(direction_text)
    if kind_text and not (declared_kind or declared_direction or column_operator):
        # an advisory label the value decides anyway: noted, not a reason to refuse the form
        observations.append(_row_note("UNKNOWN_KIND", grid, row, "declared_kind", name,
                                      text=kind_text))

    if target.problem:
        error("target", target.problem, "请改为如“≥4”“≤2255万元”“=100%”“优”这样的写法")
    if actual.problem:
        error("actual", actual.problem, "请填写实际完成的数值，如“35”“95%”")

    actual_grade = actual.grade
    if target.date is not None:
        kind = KIND_QUALITATIVE   # a deadline: met when done by then
        if actual.date is not None:
            actual_grade = deadline_level(target.date, actual.date)
    elif target.number is not None:
        kind = KIND_QUANTITATIVE
    else:
        kind = KIND_QUALITATIVE
        # 定量 with words for a target: a sentence or a grade is read as qualitative (the
        # audit's KIND_CONFLICT says so); a blank or a short word is a mistake to correct.
        if (declared_kind == "定量" or column_operator) and not target.problem and \
                not (is_sentence(target.text) or target.grade):
            shown = f"“{target.text}”" if target.text else "空白"
            error("target", f"该指标标为定量指标，但年度指标值为{shown}，无法读出数值",
                  "请填写带数字的指标值，如“≥4”“=100%”，或把指标性质改为 定性")

    operator = None
    unit = normalise_unit(cell_text("measure_unit")) or target.unit or actual.unit
    if kind == KIND_QUANTITATIVE:
        ceiling = "成本" in level2 or ("成本" in name and unit in ("元", "万元", "亿元")) or \
            bool(_CEILING_NAME_RE.search(clean_label(name)))
        operator = (target.operator or column_operator
                    or ("<=" if declared_direction == "反向" else None)
                    or ("<=" if ceiling else None) or ">=")
    target_number = number_or_nan(target) if kind == KIND_QUANTITATIVE else NAN
    actual_number = number_or_nan(actual)
    if kind == KIND_QUANTITATIVE and not (math.isnan(target_number) or math.isnan(actual_number)):
        target_number, actual_number = _reconcile_units(
            grid, row, name, target, actual, target_number, actual_number, unit, observations)
    if kind == KIND_QUANTITATIVE and target.range_high is not None:
        # a range: its low end is a floor, its high end a ceiling
        if operator in ("<=", "<"):
            target_number = target.range_high
        bound = f"{operator.replace('>=', '≥').replace('<=', '≤')}{target_number:g}{unit}"
        observations.append(_row_note("RANGE_TARGET", grid, row, "target", name,
                                      text=target.text, bound=bound))
    for key, parsed in (("target", target), ("actual", actual)):
        if parsed.ocr is not None and parsed.number is not None:
            observations.append(_ocr_note(grid, row, key, name, parsed))
        if parsed.approximate and parsed.number is not None:
            observations.append(_row_note("APPROXIMATE_VALUE", grid, row, key, name,
                                          text=parsed.text, word=parsed.approximate,
                                          number=f"{parsed.number:g}{parsed.unit}"))
    if actual.operator is not None and actual.number is not None:
        observations.append(_row_note("ACTUAL_AS_TARGET", grid, row, "actual", name,
                                      text=actual.text, number=f"{actual.number:g}"))

    weight = NAN
    weight_parsed = parse_cell(grid, row, columns.get("weight"))
    if label_weight is not None and "weight" not in columns:
        weight_parsed = ParsedValue(None, label_weight, "", None, f"{label_weight:g}")
    if "weight" not in columns and label_weight is None:
        pass    # an unweighted form: no weight to read, none to ask for
    # "20%" in a 分值 column (or a cell formatted as a percentage) is 20 points
    elif weight_parsed.number is None or weight_parsed.unit not in POINT_UNITS:
        if weight_parsed.text:
            error("weight", f"分值“{weight_parsed.text}”不是数字", "请填写该指标的分值（数字）")
        else:
            error("weight", "缺少分值", "请填写该指标的分值（数字）")
    elif weight_parsed.number < 0:
        error("weight", f"分值 {weight_parsed.number:g} 是负数", "分值应为 0 到 100 之间的数字")
    elif weight_parsed.number > MAX_WEIGHT:
        error("weight", f"分值 {weight_parsed.number:g} 超过 100", "单个指标的分值不能超过 100 分")
    else:
        weight = weight_parsed.number
        if weight_parsed.ocr is not None:
            observations.append(_ocr_note(grid, row, "weight", name, weight_parsed))

    score = NAN
    if "score" in columns:
        score_parsed = parse_cell(grid, row, columns["score"])
        if score_parsed.number is not None and score_parsed.unit in ("", "分"):
            score = score_parsed.number
            if score_parsed.ocr is not None:
                observations.append(_ocr_note(grid, row, "score", name, score_parsed))
        elif score_parsed.text and not score_parsed.not_applicable:
            error("score", f"得分“{score_parsed.text}”不是数字", "请填写数字，或留空")

    return {
        "level1": level1, "level2": level2, "name": name,
        "declared_kind": declared_kind, "declared_direction": declared_direction,
        "operator": operator, "kind": kind,
        "target_text": target.text, "target": target_number,
        "target_high": (target.range_high if kind == KIND_QUANTITATIVE and operator in (">=", ">")
                        and target.range_high is not None else NAN),
        "target_grade": target.grade if kind == KIND_QUALITATIVE else None,
        "actual_text": actual.text, "actual": actual_number,
        "actual_grade": actual_grade, "measure_unit": unit,
        "weight": weight, "reported_score": score,
        "deviation_reason": cell_text("deviation_reason"),
        "sheet": grid.sheet, "row": row,
    }


def _reconcile_units(grid: Grid, row: int, name: str, target: ParsedValue, actual: ParsedValue,
                     target_number: float, actual_number: float, unit: str,
                     observations: list[dict]) -> tuple[float, float]:
    """Target and actual in one unit, each change noted (UNIT_CONVERTED); units that cannot
    be compared are noted too (UNIT_MISMATCH) and the numbers left as written.

    * an actual in another multiple of the target's unit: 1200000元 against ≥100万元 is 120万元;
    * a share written as a fraction: 0.96 against ≥95% is 96% (only when the target is 10% or
      more and the fraction at most 1.5, so that 0.5 against ≤1% stays 0.5%); and a target
      written 0.95 against an actual of 96% is 95%.
    """
    target_unit = target.unit or unit
    def note(key: str, parsed: ParsedValue, number: float, shown_unit: str) -> None:
        other = "target" if key == "actual" else "actual"
        observations.append(_row_note("UNIT_CONVERTED", grid, row, key, name,
                                      text=parsed.text, number=f"{number:g}{shown_unit}",
                                      column=_header_text(key), other=_header_text(other)))

    if target_unit == "%" and not actual.unit and target_number >= 10 and 0 <= actual_number <= 1.5:
        actual_number = round(actual_number * 100, 10)
        note("actual", actual, actual_number, "%")
    elif actual.unit == "%" and not target.unit and 0 < target_number <= 1.5 and actual_number >= 10:
        target_number = round(target_number * 100, 10)
        note("target", target, target_number, "%")
    elif target_unit and actual.unit and not same_unit(actual.unit, target_unit):
        factor = unit_factor(actual.unit, target_unit)
        if factor is not None:
            actual_number = round(actual_number * factor, 10)
            note("actual", actual, actual_number, target_unit)
        else:
            observations.append(_row_note("UNIT_MISMATCH", grid, row, "actual", name,
                                          target_text=target.text, actual_text=actual.text,
                                          target_unit=target_unit, actual_unit=actual.unit))
    return target_number, actual_number


# ---------------------------------------------------------------------------------------------
# Funds block

AMOUNT_KEYS = ("initial", "adjusted", "executed")
TOTAL_FUNDS_LABELS = ("年度资金总额", "资金总额", "预算资金总额", "合计", "总计", "项目资金总额",
                      "年度资金总额合计", "总额", "资金合计", "预算总额", "预算数", "项目总资金",
                      "资金总计", "年度资金", "年度财政资金总额", "财政资金总额",
                      "部门整体支出总额", "整体支出总额")


@dataclass
class FundsBlock:
    header_row: int
    columns: dict[str, int]
    lines: list[dict] = field(default_factory=list)     # every line, the total first
    total: dict | None = None
    total_from_lines: bool = False                      # total amounts summed from 其中 lines
    observations: list[dict] = field(default_factory=list)   # amounts unreadable or OCR'd


# Funds written as label–value pairs along one row ("年初预算数：100万元 全年执行数：95万元",
# "年度金额：208万元 | 合计：109.8万元"): labels of the funds table's columns, and these.
PAIR_LABELS = {"年度金额": "adjusted", "年度资金总额": "adjusted", "年度预算": "adjusted",
               "预算金额": "adjusted", "资金总额": "adjusted"}
# After an amount label in the same row, "合计" is what was spent in all.
PAIR_TOTAL_LABELS = ("合计", "支出合计", "执行合计")
_PAIR_RE = re.compile(r"([\u4e00-\u9fff（）()]{2,12}?)\s*[:：]\s*([-+]?[\d,]*\.?\d+)\s*(万元|元|%)?")


def read_funds_pairs(grid: Grid, rows: range) -> dict | None:
    """A funds "block" written as label–value pairs along a row, when the form has no funds
    table: the budget (BUDGET_COLUMNS but unit_id) or None.  Amounts in 元 become 万元."""
    for r in rows:
        found: dict[str, float] = {}
        seen = set()
        texts = []
        for c in range(1, grid.max_column + 1):
            anchor = grid.cell_anchor(r, c)
            if anchor in seen or grid.is_blank(r, c):
                continue
            seen.add(anchor)
            texts.append(grid.text(r, c))
        for label, number, unit in _PAIR_RE.findall(" ".join(texts)):
            label = re.sub(r"^其中", "", label)
            key = PAIR_LABELS.get(label) or budget_column(label)
            if key is None and label in PAIR_TOTAL_LABELS and found.keys() & set(AMOUNT_KEYS):
                key = "executed"
            if key is None or key in found or key in ("label", "reason", "scoring_method"):
                continue
            value = float(number.replace(",", ""))
            if key == "rate":
                value = funds_rate(parse_value(f"{value}{unit}"))
            elif unit == "元":
                value = round(value * 1e-4, 6)
            found[key] = value
        if len(found.keys() & set(AMOUNT_KEYS)) >= 2:
            return {"initial": found.get("initial", NAN), "adjusted": found.get("adjusted", NAN),
                    "executed": found.get("executed", NAN), "weight": found.get("weight", NAN),
                    "reported_rate": found.get("rate", NAN),
                    "reported_score": found.get("score", NAN), "reason": "",
                    "sheet": grid.sheet, "row": r}
    return None


# A funds header listing the money by source (中央 | 省、地 | 本级 | 其他 | 合计 | 执行数): the 合计
# before the 执行数 is the year's budget (pub32).
SOURCE_TOTAL_HEADINGS = ("合计", "资金合计", "小计")


def find_funds_header(grid: Grid, rows: range | None = None) -> tuple[int, dict[str, int]] | None:
    for r in rows or range(1, grid.max_row + 1):
        columns = header_columns(grid, r, budget_column)
        if "executed" in columns and not {"initial", "adjusted"} & columns.keys():
            total = next((c for c in range(1, columns["executed"])
                          if header_key(grid.text(r, c)) in SOURCE_TOTAL_HEADINGS), None)
            if total is not None:
                columns["adjusted"] = total
        amounts = [k for k in AMOUNT_KEYS if k in columns]
        if len(amounts) >= 2 or (amounts and len(columns) >= 3 and "name" not in columns):
            return r, columns
    return None


_FIGURE_TEXT_RE = re.compile(r"^-?\d[\d,]*(?:\.\d+)?$")


def _funds_label(grid: Grid, row: int, first_amount_column: int) -> str:
    texts = []
    seen = set()
    for c in range(1, first_amount_column):
        anchor = grid.cell_anchor(row, c)
        text = grid.text(row, c)
        if not text or anchor in seen or isinstance(grid.get(row, c), (int, float)) or \
                _FIGURE_TEXT_RE.match(text):
            continue     # a figure (typed, or text as a web page gives it) is never the label
        seen.add(anchor)
        if "情况" in text or budget_column(text) == "label" or header_key(text) in FUNDS_TITLES:
            continue
        texts.append(text)
    return texts[-1] if texts else ""


def _funds_value_columns(grid: Grid, header_row: int, columns: dict[str, int]) -> dict[str, int]:
    """A heading merged across several columns (预算安排情况 over "预算数 | 6.84"): its
    figures stand in the first column of its span that holds a number below it."""
    moved = dict(columns)
    for key in AMOUNT_KEYS + ("rate",):
        column = columns.get(key)
        if column is None:
            continue
        anchor = grid.cell_anchor(header_row, column)
        span = [c for c in range(column, grid.max_column + 1)
                if grid.cell_anchor(header_row, c) == anchor]
        if len(span) < 2:
            continue
        below = header_row + 1
        for c in span:
            value = grid.get(below, c)
            if isinstance(value, (int, float)) and not isinstance(value, bool) or \
                    parse_cell(grid, below, c).number is not None:
                moved[key] = c
                break
    return moved


def funds_scale(grid: Grid, header_row: int, columns: dict[str, int]) -> float:
    """1 for a funds block in 万元 (the rule), 1e-4 when its headings say the amounts are in 元
    ("资金情况（元）", "全年执行数(元)", "金额单位：元" above the block)."""
    texts = [grid.text(header_row, c) for c in range(1, grid.max_column + 1)]
    texts += [grid.text(r, c) for r in range(max(1, header_row - 8), header_row)
              for c in range(1, grid.max_column + 1) if "单位" in grid.text(r, c)]
    for text in texts:
        if re.search(r"[(（]元[)）]|单位[:：]?元(?![/每])", text):
            return 1e-4
        if "万元" in text:
            return 1.0
    return 1.0


def _total_from_lines(block: "FundsBlock") -> None:
    """A total line left blank or at zero while its 其中 lines carry money: the amounts of the
    total are their sums (the audit's FUNDS_TOTAL_MISMATCH reports it)."""
    total = block.total
    parts = [line for line in block.lines if not line["is_total"]]
    for key in AMOUNT_KEYS:
        values = [line[key] for line in parts if not math.isnan(line[key])]
        if values and sum(values) > 0 and (math.isnan(total[key]) or total[key] == 0):
            total[key] = round(sum(values), 6)
            block.total_from_lines = True


# "预算执行情况（万元）（20分）", "得分（20分*执行率）": the points a funds block without a 分值
# column prints in its title or its score heading.
_FUNDS_WEIGHT_RE = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分(?![值数])")


def _printed_funds_weight(grid: Grid, header_row: int, row: int, first_amount: int) -> float | None:
    """The weight of budget execution printed in the funds block's title or headings when it
    has no 分值 column (湖北's "预算执行情况（万元）（20分）" | "得分（20分*执行率）"), else None:
    never the rule set's default, which the form does not print."""
    texts = [grid.text(header_row, c) for c in range(1, grid.max_column + 1)]
    texts += [grid.text(row, c) for c in range(1, first_amount)]
    for text in texts:
        match = _FUNDS_WEIGHT_RE.search(text.replace(" ", ""))
        if match:
            return float(match.group(1))
    return None


def funds_rate(parsed: ParsedValue) -> float:
    """A reported execution rate as a fraction: "88.49%" -> 0.8849; 0.8849 stays; 88.49 -> 0.8849."""
    if parsed.number is None:
        return NAN
    if parsed.unit == "%" or parsed.number > 2:
        return round(parsed.number / 100, 10)
    return parsed.number


def read_funds_block(grid: Grid, header_row: int, columns: dict[str, int],
                     errors: list[InputError]) -> FundsBlock:
    columns = _funds_value_columns(grid, header_row, columns)
    block = FundsBlock(header_row, columns)
    for key in AMOUNT_KEYS:
        heading = grid.text(header_row, columns[key]) if key in columns else ""
        if heading and inferred_budget_column(heading) == key:
            # an unlisted (OCR'd) funds heading read by its first characters: say which
            from openpyxl.utils import get_column_letter
            block.observations.append({
                "code": "HEADER_INFERRED", "sheet": grid.sheet, "row": header_row,
                "column": heading, "indicator": None,
                "fields": {"header": heading, "role": BUDGET_HEADERS[key][0],
                           "evidence": f"资金栏表头，开头“{heading[:3]}”",
                           "column_letter": get_column_letter(columns[key])}})
    scale = funds_scale(grid, header_row, columns)
    amount_columns = [columns[k] for k in AMOUNT_KEYS if k in columns]
    first_amount = min(amount_columns)
    label_column = columns.get("label")
    for r in range(header_row + 1, min(grid.max_row, header_row + MAX_FUNDS_ROWS) + 1):
        if grid.row_blank(r):
            if block.lines:
                break
            continue
        if label_column:
            label = grid.text(r, label_column)
        else:
            label = _funds_label(grid, r, first_amount)
        if any(grid.cell_anchor(r, c) == grid.cell_anchor(r, first_amount)
               for c in range(1, first_amount) if not grid.is_blank(r, c)):
            break     # one text merged across label and figures ("年度目标1：（80分）"): no line
        # matched in simplified characters without a mirror's pinyin ("年度資金總額")
        label = re.sub(r"^其中[:：]?", "", simplified(label))
        label = re.sub(r"(?:[(（][^()（）]*[)）])+$", "", label).rstrip(":：")
        parsed = {k: parse_cell(grid, r, columns.get(k)) for k in AMOUNT_KEYS}
        has_number = any(p.number is not None for p in parsed.values())
        known = label and (label in TOTAL_FUNDS_LABELS or any(
            word in label for word in ("财政拨款", "上年结转", "其他资金", "结转", "拨款", "资金")))
        if not has_number and not known and (block.lines or label or not any(
                parse_cell(grid, r, columns.get(k)).number is not None for k in ("rate", "score"))):
            break     # (the first line may carry only its rate and score, the amounts blank)
        if indicator_column(label) is not None or header_columns(grid, r, indicator_column).keys() \
                >= {"name", "target"}:
            break
        is_total = (label in TOTAL_FUNDS_LABELS) or (not block.lines and not label)
        if not label:
            label = "年度资金总额" if is_total else ""
        line = {"label": label, "is_total": is_total, "sheet": grid.sheet, "row": r}
        for key in AMOUNT_KEYS:
            value = parsed[key]
            if value.number is None:
                if value.text and not value.not_applicable:
                    # located, not a refusal: the amount is left out (the rate then cannot be
                    # computed from it) and the rest of the form is read
                    block.observations.append(unreadable_note(
                        grid, r, columns.get(key), BUDGET_HEADERS[key][0],
                        value.problem or f"金额“{value.text}”不是数字", "请填写以万元为单位的数字",
                        "该金额未读入"))
                line[key] = NAN
            elif value.number < 0:
                errors.append(grid.error(f"金额 {value.number:g} 是负数", r, columns.get(key),
                                         BUDGET_HEADERS[key][0], hint="预算金额不能为负数，请更正"))
                line[key] = NAN
            else:
                line[key] = round(value.number * scale, 6) if scale != 1 else value.number
                if value.ocr is not None:
                    block.observations.append({
                        "code": "OCR_DIGITS", "sheet": grid.sheet, "row": r,
                        "column": BUDGET_HEADERS[key][0], "indicator": None,
                        "fields": {"text": value.ocr, "number": f"{value.number:g}{value.unit}",
                                   "heading": grid.text(header_row, columns[key])
                                   or BUDGET_HEADERS[key][0]}})
        block.lines.append(line)
        if is_total and block.total is None:
            weight = parse_cell(grid, r, columns.get("weight"))
            if weight.number is not None and weight.number < 0:
                errors.append(grid.error(f"分值 {weight.number:g} 是负数", r, columns.get("weight"),
                                         "分值", hint="预算执行率的分值应为 0 到 100 之间的数字"))
            elif weight.number is not None and weight.number > MAX_WEIGHT:
                errors.append(grid.error(f"分值 {weight.number:g} 超过 100", r, columns.get("weight"),
                                         "分值", hint="预算执行率的分值不能超过 100 分"))
            elif weight.number is not None and weight.number >= MAX_WEIGHT:
                # the whole form's points on the budget line: not the budget item's weight
                # (the indicators' weights would come on top) — left out, located, and the
                # rule set's budget weight used instead
                block.observations.append(unreadable_note(
                    grid, r, columns.get("weight"), "分值",
                    f"预算执行的分值 {weight.number:g} 等于整张表的总分，不可能只是预算执行一项的分值",
                    "请按模板填写预算执行率的分值（一般为 10 分）",
                    "该分值未采用，按评分规则的预算执行分值计分"))
                weight = ParsedValue(None, None, "", None, "")
            score = parse_cell(grid, r, columns.get("score"))
            reason = normalise_text(grid.get(r, columns["reason"])) if "reason" in columns else ""
            if "weight" not in columns:
                weight = ParsedValue(None, _printed_funds_weight(grid, header_row, r, first_amount),
                                     "", None, "")
            block.total = {
                "initial": line["initial"], "adjusted": line["adjusted"],
                "executed": line["executed"],
                "weight": weight.number if weight.number is not None and
                0 <= weight.number <= MAX_WEIGHT else NAN,
                "reported_rate": funds_rate(parse_cell(grid, r, columns.get("rate"))),
                "reported_score": number_or_nan(score),
                "reason": reason, "sheet": grid.sheet, "row": r,
            }
    if block.total is not None:
        _total_from_lines(block)
    if block.total is None and block.lines:
        first = block.lines[0]
        first["is_total"] = True
        block.total = {"initial": first["initial"], "adjusted": first["adjusted"],
                       "executed": first["executed"], "weight": NAN, "reported_rate": NAN,
                       "reported_score": NAN, "reason": "", "sheet": grid.sheet, "row": first["row"]}
    return block
