"""The two tables every layout shares: the indicator block and the funds block.

Both are found by their header labels in a :class:`~perfnb.reading.sheets.Grid` and read
row by row into plain dicts (the canonical columns of ``perfnb.model``); problems are
collected as :class:`InputError` objects so a file's problems are reported together.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from perfnb.errors import InputError
from perfnb.model import KIND_QUALITATIVE, KIND_QUANTITATIVE
from perfnb.reading.values import (ParsedValue, clean_label, declared_direction_of, declared_kind_of,
                      normalise_level1, normalise_level2, normalise_name, normalise_text,
                      operator_of, parse_value)
from perfnb.reading.headers import BUDGET_HEADERS, INDICATOR_HEADERS, budget_column, indicator_column
from perfnb.reading.sheets import Grid, label_matches

NAN = math.nan
TOTAL_LABELS = ("总分", "总计", "综合得分", "合计总分", "总得分", "自评总分")
SUBTOTAL_LABELS = ("合计", "小计")
END_LABELS = ("评价结论", "自评等级", "综合评价结论", "自评结论", "评价等级", "存在问题", "改进措施",
              "后续工作计划", "整改措施", "措施及办法", "备注", "说明", "填表说明", "填报说明")
MAX_WEIGHT = 100.0
WEIGHT_TOLERANCE = 0.005


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


def header_columns(grid: Grid, row: int, lookup) -> dict[str, int]:
    columns: dict[str, int] = {}
    for c in range(1, grid.max_column + 1):
        key = lookup(grid.get(row, c)) if isinstance(grid.get(row, c), str) else None
        if key and key not in columns:
            columns[key] = c
    return columns


def find_indicator_header(grid: Grid) -> tuple[int, dict[str, int]] | None:
    """The first row that reads as an indicator table header, with its columns."""
    for r in range(1, grid.max_row + 1):
        columns = header_columns(grid, r, indicator_column)
        if {"name", "target", "weight"} <= columns.keys() and len(columns) >= 4:
            return r, columns
    return None


def _header_text(key: str) -> str:
    return INDICATOR_HEADERS[key][0]


def _is_label_row(grid: Grid, row: int, labels, last_column: int) -> int | None:
    for c in range(1, last_column + 1):
        text = grid.text(row, c)
        if text and label_matches(text, *labels):
            return c
    return None


def _starts_with_label(grid: Grid, row: int, labels) -> bool:
    for c in range(1, grid.max_column + 1):
        text = grid.text(row, c)
        if text:
            return any(text.startswith(label) for label in labels)
    return False


def read_indicator_block(grid: Grid, header_row: int, columns: dict[str, int],
                         errors: list[InputError]) -> IndicatorBlock:
    """Read the indicator rows, subtotal rows and the total row below ``header_row``."""
    block = IndicatorBlock(header_row, columns)
    last_label_column = max(columns.get(k, 0) for k in ("level1", "level2", "name"))
    last_label_column = max(last_label_column, min(columns.get("target", 1),
                                                   columns.get("weight", 1)) - 1)
    level1 = level2 = ""
    group: list[dict] = []           # indicators since the last subtotal
    pending: list[tuple[dict, list[dict], str]] = []
    has_total = False
    r = header_row
    for r in range(header_row + 1, grid.max_row + 1):
        if grid.row_blank(r):
            continue
        name_column = columns["name"]
        if indicator_column(grid.get(r, name_column)) == "name":
            group = []
            continue  # a repeated header row
        if _starts_with_label(grid, r, END_LABELS):
            r -= 1
            break
        total_column = _is_label_row(grid, r, TOTAL_LABELS, last_label_column)
        subtotal_column = _is_label_row(grid, r, SUBTOTAL_LABELS, last_label_column)
        if total_column or subtotal_column:
            entry = {"level": "total", "level1": None, "level2": None,
                     "weight": _reported_number(grid, r, columns.get("weight"), "weight", errors),
                     "score": _reported_number(grid, r, columns.get("score"), "score", errors),
                     "sheet": grid.sheet, "row": r}
            if total_column:
                has_total = True
                block.reported.append(entry)
            else:
                label = grid.text(r, subtotal_column)
                pending.append((entry, list(group), label))
                block.reported.append(entry)
                _classify_subtotal(grid, r, columns, subtotal_column, entry, label)
            group = []
            continue
        level1_text = normalise_text(grid.get(r, columns["level1"])) if "level1" in columns else ""
        level2_text = normalise_text(grid.get(r, columns["level2"])) if "level2" in columns else ""
        if level1_text:
            if normalise_level1(level1_text) != level1:
                level2 = ""
            level1 = normalise_level1(level1_text)
        if level2_text:
            level2 = normalise_level2(level2_text)
        name = normalise_name(grid.get(r, name_column))
        target_blank = grid.is_blank(r, columns["target"])
        if not name and target_blank:
            continue
        indicator = derive_indicator(grid, r, columns, level1, level2, name, errors)
        indicator["seq"] = len(block.indicators)
        block.indicators.append(indicator)
        group.append(indicator)
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
    return block


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
                     errors: list[InputError]) -> float:
    if column is None:
        return NAN
    parsed = parse_cell(grid, row, column)
    if parsed.number is None:
        if parsed.text and not parsed.not_applicable and clean_label(parsed.text) not in \
                TOTAL_LABELS + SUBTOTAL_LABELS:
            errors.append(grid.error(f"“{parsed.text}”不是数字", row, column, _header_text(key),
                                     hint="请填写数字，或留空"))
        return NAN
    return parsed.number


def derive_indicator(grid: Grid, row: int, columns: dict[str, int], level1: str, level2: str,
                     name: str, errors: list[InputError]) -> dict:
    """One indicator row -> the canonical indicator columns (see perfnb.model)."""
    def cell_text(key: str) -> str:
        column = columns.get(key)
        return normalise_text(grid.get(row, column)) if column else ""

    def error(key: str, problem: str, hint: str) -> None:
        errors.append(grid.error(problem, row, columns.get(key), _header_text(key), hint=hint))

    target = parse_cell(grid, row, columns.get("target"))
    actual = parse_cell(grid, row, columns.get("actual"))
    kind_text, direction_text = cell_text("declared_kind"), cell_text("declared_direction")
    declared_kind = declared_kind_of(kind_text)
    declared_direction = declared_direction_of(direction_text) or declared_direction_of(kind_text)
    column_operator = operator_of(kind_text) or operator_of(direction_text)
    if kind_text and not (declared_kind or declared_direction or column_operator):
        error("declared_kind", f"指标性质“{kind_text}”无法识别",
              "请填写 定量 或 定性（四川表式可填 =、≥、≤、定性）")

    if target.problem:
        error("target", target.problem, "请改为如“≥4”“≤2255万元”“=100%”“优”这样的写法")
    if actual.problem:
        error("actual", actual.problem, "请填写实际完成的数值，如“35”“95%”")

    if target.number is not None:
        kind = KIND_QUANTITATIVE
    else:
        kind = KIND_QUALITATIVE
        if declared_kind == "定量" or column_operator:
            if not target.problem:
                shown = f"“{target.text}”" if target.text else "空白"
                error("target", f"该指标标为定量指标，但年度指标值为{shown}，无法读出数值",
                      "请填写带数字的指标值，如“≥4”“=100%”，或把指标性质改为 定性")

    operator = None
    if kind == KIND_QUANTITATIVE:
        operator = (target.operator or column_operator
                    or ("<=" if declared_direction == "反向" else None)
                    or ("<=" if "成本" in level2 else None) or ">=")

    unit = cell_text("measure_unit") or target.unit or actual.unit

    weight = NAN
    weight_parsed = parse_cell(grid, row, columns.get("weight"))
    if weight_parsed.number is None or weight_parsed.unit not in ("", "分"):
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

    score = NAN
    if "score" in columns:
        score_parsed = parse_cell(grid, row, columns["score"])
        if score_parsed.number is not None and score_parsed.unit in ("", "分"):
            score = score_parsed.number
        elif score_parsed.text and not score_parsed.not_applicable:
            error("score", f"得分“{score_parsed.text}”不是数字", "请填写数字，或留空")

    return {
        "level1": level1, "level2": level2, "name": name,
        "declared_kind": declared_kind, "declared_direction": declared_direction,
        "operator": operator, "kind": kind,
        "target_text": target.text, "target": number_or_nan(target) if kind == KIND_QUANTITATIVE else NAN,
        "target_grade": target.grade if kind == KIND_QUALITATIVE else None,
        "actual_text": actual.text, "actual": number_or_nan(actual),
        "actual_grade": actual.grade, "measure_unit": unit,
        "weight": weight, "reported_score": score,
        "deviation_reason": cell_text("deviation_reason"),
        "sheet": grid.sheet, "row": row,
    }


# ---------------------------------------------------------------------------------------------
# Funds block

AMOUNT_KEYS = ("initial", "adjusted", "executed")
TOTAL_FUNDS_LABELS = ("年度资金总额", "资金总额", "预算资金总额", "合计", "总计", "项目资金总额",
                      "年度资金总额合计", "总额", "资金合计", "预算总额")


@dataclass
class FundsBlock:
    header_row: int
    columns: dict[str, int]
    lines: list[dict] = field(default_factory=list)     # every line, the total first
    total: dict | None = None


def find_funds_header(grid: Grid, rows: range | None = None) -> tuple[int, dict[str, int]] | None:
    for r in rows or range(1, grid.max_row + 1):
        columns = header_columns(grid, r, budget_column)
        amounts = [k for k in AMOUNT_KEYS if k in columns]
        if len(amounts) >= 2 or (amounts and len(columns) >= 3 and "name" not in columns):
            return r, columns
    return None


def _funds_label(grid: Grid, row: int, first_amount_column: int) -> str:
    texts = []
    seen = set()
    for c in range(1, first_amount_column):
        anchor = grid.cell_anchor(row, c)
        text = grid.text(row, c)
        if not text or anchor in seen or isinstance(grid.get(row, c), (int, float)):
            continue
        seen.add(anchor)
        if "情况" in text or budget_column(text) == "label":
            continue
        texts.append(text)
    return texts[-1] if texts else ""


def funds_rate(parsed: ParsedValue) -> float:
    """A reported execution rate as a fraction: "88.49%" -> 0.8849; 0.8849 stays; 88.49 -> 0.8849."""
    if parsed.number is None:
        return NAN
    if parsed.unit == "%" or parsed.number > 2:
        return round(parsed.number / 100, 10)
    return parsed.number


def read_funds_block(grid: Grid, header_row: int, columns: dict[str, int],
                     errors: list[InputError]) -> FundsBlock:
    block = FundsBlock(header_row, columns)
    amount_columns = [columns[k] for k in AMOUNT_KEYS if k in columns]
    first_amount = min(amount_columns)
    label_column = columns.get("label")
    for r in range(header_row + 1, min(grid.max_row, header_row + 12) + 1):
        if grid.row_blank(r):
            if block.lines:
                break
            continue
        if label_column:
            label = grid.text(r, label_column)
        else:
            label = _funds_label(grid, r, first_amount)
        label = re.sub(r"^其中[:：]?", "", label)
        label = re.sub(r"(?:[(（][^()（）]*[)）])+$", "", label)
        parsed = {k: parse_cell(grid, r, columns.get(k)) for k in AMOUNT_KEYS}
        has_number = any(p.number is not None for p in parsed.values())
        known = label and (label in TOTAL_FUNDS_LABELS or any(
            word in label for word in ("财政拨款", "上年结转", "其他资金", "结转", "拨款", "资金")))
        if not has_number and not known:
            break
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
                    errors.append(grid.error(f"金额“{value.text}”不是数字", r, columns.get(key),
                                             BUDGET_HEADERS[key][0], hint="请填写以万元为单位的数字"))
                line[key] = NAN
            elif value.number < 0:
                errors.append(grid.error(f"金额 {value.number:g} 是负数", r, columns.get(key),
                                         BUDGET_HEADERS[key][0], hint="预算金额不能为负数，请更正"))
                line[key] = NAN
            else:
                line[key] = value.number
        block.lines.append(line)
        if is_total and block.total is None:
            weight = parse_cell(grid, r, columns.get("weight"))
            if weight.number is not None and weight.number < 0:
                errors.append(grid.error(f"分值 {weight.number:g} 是负数", r, columns.get("weight"),
                                         "分值", hint="预算执行率的分值应为 0 到 100 之间的数字"))
            elif weight.number is not None and weight.number > MAX_WEIGHT:
                errors.append(grid.error(f"分值 {weight.number:g} 超过 100", r, columns.get("weight"),
                                         "分值", hint="预算执行率的分值不能超过 100 分"))
            score = parse_cell(grid, r, columns.get("score"))
            reason = normalise_text(grid.get(r, columns["reason"])) if "reason" in columns else ""
            block.total = {
                "initial": line["initial"], "adjusted": line["adjusted"],
                "executed": line["executed"],
                "weight": weight.number if weight.number is not None and
                0 <= weight.number <= MAX_WEIGHT else NAN,
                "reported_rate": funds_rate(parse_cell(grid, r, columns.get("rate"))),
                "reported_score": number_or_nan(score),
                "reason": reason, "sheet": grid.sheet, "row": r,
            }
    if block.total is None and block.lines:
        first = block.lines[0]
        first["is_total"] = True
        block.total = {"initial": first["initial"], "adjusted": first["adjusted"],
                       "executed": first["executed"], "weight": NAN, "reported_rate": NAN,
                       "reported_score": NAN, "reason": "", "sheet": grid.sheet, "row": first["row"]}
    return block
