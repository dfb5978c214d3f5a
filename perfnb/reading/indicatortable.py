"""A form's indicator table, read the same way by every grid layout: the official form and
every printed form like it, 四川's, our workbook's 绩效指标 sheet and a CSV.

The table is the block under the first indicator header and every further header-led block of
the same form (a 共性 rubric — 分值/自评分/评价标准, no target or actual — above or below the
indicator block; no project title or funds block between): each block is read by its own
column roles (``blocks.read_indicator_block``) and joined to the first (SECOND_HEADER).  Then:

* a 预算执行率 row of the table is the budget's weight and reported score, read once
  (``blocks.is_budget_indicator``); the budget remembers the row and the 一级/二级 group it was
  printed in (``item_row``, ``item_level1`` …: findings on its score point there, and the scored
  tables show it inside that group);
* when no budget weight is printed (funds block or 预算执行率 row) and the points the table
  prints (``blocks.printed_points`` of each block: a title with points beside the headings,
  else the 一级 labels' points, else the rows' 分值) already make the whole 100, the form has no
  budget item: ``units.budget_item`` = NO_BUDGET_ITEM and scoring adds no default budget weight
  (one rule for a single block and for several);
* a table without a 分值/权重 column (and no weights in its labels) is an unweighted form.
"""
from __future__ import annotations

from openpyxl.utils import get_column_letter

from perfnb.model import NO_BUDGET_ITEM, UNWEIGHTED, printed_headings_text
from perfnb.reading.assemble import LoadedUnit
from perfnb.reading.blocks import (MAX_WEIGHT, WEIGHT_TOLERANCE, IndicatorBlock, IndicatorHeader,
                                   find_funds_header, indicator_headers, is_unweighted,
                                   printed_points, read_indicator_block, rows_before)
from perfnb.reading.headers import INDICATOR_HEADERS
from perfnb.reading.roles import ROLE_NAMES
from perfnb.reading.sheets import Grid, label_matches

__all__ = ["FORM_TITLE_LABELS", "read_indicator_table", "further_blocks", "observe_header"]

# The labels of a form's title line (项目名称 …): one printed between two header-led blocks
# makes the lower block another form's.
FORM_TITLE_LABELS = ("项目名称", "专项资金名称")
_INLINE_TITLES = tuple(f"{label}{colon}" for label in FORM_TITLE_LABELS for colon in ":：")
_NAN = float("nan")


def read_indicator_table(grid: Grid, header: IndicatorHeader, loaded: LoadedUnit) -> IndicatorBlock:
    """Read the indicator table under ``header`` (and the further blocks of the same form)
    into ``loaded``: indicators, observations, weighting, the budget row and budget item,
    printed headings.  ``loaded.budget`` holds the funds block's budget (if any) beforehand.
    Returns the joined block (its ``reported`` rows and ``end_row`` are the caller's)."""
    errors = loaded.errors
    observe_header(loaded, grid, header)
    loaded.indicator_header = {"sheet": grid.sheet, "row": header.first_row,
                               "columns": _printed_headings(grid, header)}
    further = further_blocks(grid, header.row)
    block = read_indicator_block(grid, header.row, header.columns, errors, header.extras,
                                 last_row=rows_before(grid, further[0]) if further else None)
    points = [printed_points(grid, header, block)]
    parts = [_level1_points(block)]
    for i, extra in enumerate(further):
        # a further header-led block of the same form (a 共性 rubric above or below the
        # indicator table): read with its own column roles and joined to the first
        observe_header(loaded, grid, extra)
        for key, heading in _printed_headings(grid, extra).items():
            loaded.indicator_header["columns"].setdefault(key, heading)
        loaded.observe("SECOND_HEADER", sheet=grid.sheet, row=extra.first_row,
                       first_row=header.row, columns="、".join(
                           INDICATOR_HEADERS[key][0] for key in extra.columns))
        stop = rows_before(grid, further[i + 1]) if i + 1 < len(further) else None
        more = read_indicator_block(grid, extra.row, extra.columns, errors, extra.extras,
                                    last_row=stop)
        points.append(printed_points(grid, extra, more))
        _join_blocks(block, more)
    if is_unweighted(header.columns) and \
            not any(o["code"] == "WEIGHT_FROM_LABEL" for o in block.observations):
        loaded.unit["weighting"] = UNWEIGHTED      # (weights in the labels make a weighted form)
    else:
        # one block: its parts are its 一级 groups' points where they make its whole
        shown = parts[0] if not further and parts[0] and points[0] is not None and \
            abs(sum(parts[0]) - points[0]) <= WEIGHT_TOLERANCE else points
        _budget_item(loaded, grid, header.row, points, shown, block.budget_row)
    loaded.observations.extend(block.observations)
    if block.budget_row is not None:
        _take_budget_row(loaded, block.budget_row)
    loaded.indicators = block.indicators
    if block.printed_headings:
        loaded.unit["printed_headings"] = printed_headings_text(block.printed_headings)
    return block


def _printed_headings(grid: Grid, header: IndicatorHeader) -> dict[str, str]:
    """Each data column of ``header`` -> its heading as printed (the sub-heading of a two-row
    header, else the group heading above it)."""
    return {key: grid.text(header.row, column) or grid.text(header.first_row, column)
            for key, column in header.columns.items()}


def observe_header(loaded: LoadedUnit, grid: Grid, header: IndicatorHeader) -> None:
    """UNKNOWN_COLUMN and HEADER_INFERRED observations of an indicator header."""
    for column, text in header.unknown.items():
        loaded.observe("UNKNOWN_COLUMN", sheet=grid.sheet, row=header.first_row,
                       column=text, header=text,
                       note=f"第 {get_column_letter(column)} 列的内容未读取")
    for column, (text, role, evidence) in header.rejected.items():
        loaded.observe("UNKNOWN_COLUMN", sheet=grid.sheet, row=header.first_row,
                       column=text, header=text,
                       note=f"表头像是“{ROLE_NAMES[role]}”列，但内容不符（{evidence}），"
                            f"第 {get_column_letter(column)} 列的内容未读取")
    for column, (text, role, evidence) in header.inferred.items():
        loaded.observe("HEADER_INFERRED", sheet=grid.sheet, row=header.first_row,
                       column=text, header=text, role=ROLE_NAMES[role], evidence=evidence,
                       column_letter=get_column_letter(column))


def _form_title_between(grid: Grid, rows: range) -> bool:
    """Is a form title line (项目名称 …, its value beside it or after a colon) printed in ``rows``?"""
    return bool(grid.find(lambda text: label_matches(text, *FORM_TITLE_LABELS) or
                          text.startswith(_INLINE_TITLES), rows))


def further_blocks(grid: Grid, header_row: int) -> list[IndicatorHeader]:
    """The further header-led indicator blocks below the header at ``header_row`` that belong
    to the same form: up to the first one with a project title or a funds block printed
    between it and the block above (that is another form's)."""
    found = []
    start = header_row
    for header in indicator_headers(grid):
        if header.first_row <= header_row:
            continue
        between = range(start + 1, header.first_row)
        if find_funds_header(grid, between) is not None or _form_title_between(grid, between):
            break
        found.append(header)
        start = header.row
    return found


def _number(value) -> bool:
    return isinstance(value, (int, float)) and value == value


def _level1_points(block: IndicatorBlock) -> list[float]:
    """A block's points per 一级 group, in table order: the labels' points where printed,
    else the group's 分值 added up (empty when a row has no weight)."""
    printed = {e["level1"]: e["weight"] for e in block.reported
               if e["level"] == "level1" and _number(e["weight"])}
    sums: dict[str, float] = {}
    for indicator in block.indicators:
        weight = indicator.get("weight")
        if not _number(weight):
            return []
        sums[indicator["level1"]] = sums.get(indicator["level1"], 0.0) + weight
    return [printed.get(level1, total) for level1, total in sums.items()]


def _budget_item(loaded: LoadedUnit, grid: Grid, header_row: int, points: list[float | None],
                 parts: list[float], budget_row: dict | None) -> None:
    """When no budget weight is printed and the table's printed points already make the form's
    whole total, the budget has no item of its own: no default budget weight is added on top."""
    printed = loaded.budget["weight"] if loaded.budget is not None else None
    if _number(printed) or budget_row is not None and _number(budget_row["weight"]):
        return                        # the budget's item is printed (funds block or its row)
    if any(p is None for p in points) or abs(sum(points) - MAX_WEIGHT) > WEIGHT_TOLERANCE:
        return
    loaded.unit["budget_item"] = NO_BUDGET_ITEM
    loaded.observe("NO_BUDGET_ITEM", sheet=grid.sheet, row=header_row,
                   parts=" + ".join(f"{p:g}" for p in parts), total=f"{MAX_WEIGHT:g}")


def _join_blocks(block: IndicatorBlock, more: IndicatorBlock) -> None:
    """Add a further block's rows to the first block's (one form's indicator table)."""
    for indicator in more.indicators:
        indicator["seq"] = len(block.indicators)
        block.indicators.append(indicator)
    block.reported.extend(more.reported)
    block.observations.extend(more.observations)
    block.unread.extend(more.unread)
    block.budget_row = block.budget_row or more.budget_row
    block.total_grade = more.total_grade or block.total_grade
    block.end_row = more.end_row


def _take_budget_row(loaded: LoadedUnit, row: dict) -> None:
    """A 预算执行率 row of the indicator table gives the budget's weight and reported score,
    and the budget remembers where it was printed (the row, its 一级/二级 group)."""
    budget = loaded.budget or {"initial": _NAN, "adjusted": _NAN, "executed": _NAN,
                               "weight": _NAN, "reported_rate": _NAN, "reported_score": _NAN,
                               "reason": "", "sheet": row["sheet"], "row": row["row"]}
    for key, value in (("weight", row["weight"]), ("reported_score", row["score"])):
        if value == value and budget.get(key) != budget.get(key):   # a number over a NaN
            budget[key] = value
            if key == "reported_score":
                budget["score_sheet"], budget["score_row"] = row["sheet"], row["row"]
    budget["item_level1"], budget["item_level2"] = row.get("level1") or None, \
        row.get("level2") or None
    loaded.budget = budget
