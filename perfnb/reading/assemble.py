"""Turn what a layout reader found into :class:`perfnb.model.UnitTables`.

Every layout reader returns a :class:`LoadedUnit` (plain dicts, plus the problems it
found); :func:`to_tables` applies the unit YAML's overrides, checks what needs the whole
unit (weights summing over 100, the year's range) and builds the DataFrames.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from perfnb.cells import as_text
from perfnb.errors import InputError, InputErrors
from perfnb.model import (BUDGET_COLUMNS, BUDGET_LINE_COLUMNS, INDICATOR_COLUMNS, NO_BUDGET_ITEM,
                          OBSERVATION_COLUMNS, REPORTED_COLUMNS, UNIT_COLUMNS, WEIGHTED, UnitTables,
                          cast)
from perfnb.reading.values import parse_value
from perfnb.reading.blocks import funds_rate

NAN = math.nan
YEAR_RANGE = (2000, 2100)


@dataclass
class LoadedUnit:
    """One unit as a layout reader found it."""

    source: str
    layout: str
    unit: dict = field(default_factory=dict)          # UNIT_COLUMNS keys (any subset)
    budget: dict | None = None                        # BUDGET_COLUMNS keys but unit_id
    budget_lines: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    reported: list[dict] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    year_location: dict = field(default_factory=dict)  # where the year was read (for errors)
    observations: list[dict] = field(default_factory=list)  # OBSERVATION_COLUMNS but unit_id
    # the indicator table's header as read: {"sheet", "row", "columns": canonical -> heading
    # as printed}; None for a source without one (a unit YAML, a report's text)
    indicator_header: dict | None = None

    def observe(self, code: str, *, sheet=None, row=None, column=None, indicator=None,
                **fields) -> None:
        """Note something the reader read past (see perfnb.model.OBSERVATION_COLUMNS)."""
        self.observations.append({"code": code, "sheet": sheet, "row": row, "column": column,
                                  "indicator": indicator, "fields": fields})


def _float(value) -> float:
    if value is None:
        return NAN
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    parsed = parse_value(value)
    return parsed.number if parsed.number is not None else NAN


def parse_year(value) -> int | None:
    """The year a cell or key gives ("2022", 2022, "2022年度"), None if none."""
    if value is None or as_text(value) == "":
        return None
    parsed = parse_value(value)
    if parsed.number is None or not float(parsed.number).is_integer():
        raise ValueError(as_text(value))
    return int(parsed.number)


def apply_overrides(loaded: LoadedUnit, overrides: dict | None, source_name: str) -> None:
    """Values from the unit YAML (non-null) replace what the data file says."""
    if not overrides:
        return
    unit = loaded.unit
    for key in ("unit_id", "department", "implementing_unit", "project"):
        if overrides.get(key) is not None:
            unit[key] = as_text(overrides[key])
    if overrides.get("year") is not None:
        unit["year"] = overrides["year"]
        loaded.year_location = {"file": source_name, "key": "year"}
    goals = overrides.get("goals") or {}
    if goals.get("planned") is not None:
        unit["goal_planned"] = as_text(goals["planned"])
    if goals.get("actual") is not None:
        unit["goal_actual"] = as_text(goals["actual"])
    reported = overrides.get("reported") or {}
    if reported.get("total") is not None:
        unit["reported_total"] = _float(reported["total"])
        unit["reported_total_sheet"], unit["reported_total_row"] = None, None
    if reported.get("grade") is not None:
        unit["reported_grade"] = as_text(reported["grade"])
        unit["reported_grade_sheet"], unit["reported_grade_row"] = None, None
    evaluation = overrides.get("evaluation") or {}
    for key in ("problems", "measures", "plans", "notes"):
        if evaluation.get(key) is not None:
            unit[key] = as_text(evaluation[key])
    budget = overrides.get("budget") or {}
    given = {k: v for k, v in budget.items() if v is not None}
    if given:
        current = loaded.budget or {"initial": NAN, "adjusted": NAN, "executed": NAN,
                                     "weight": NAN, "reported_rate": NAN, "reported_score": NAN,
                                     "reason": "", "sheet": None, "row": None}
        for key in ("initial", "adjusted", "executed", "weight", "reported_score"):
            if key in given:
                current[key] = _float(given[key])
        if "reported_rate" in given:
            rate = given["reported_rate"]
            current["reported_rate"] = funds_rate(parse_value(rate)) \
                if not isinstance(rate, (int, float)) else funds_rate(parse_value(float(rate)))
        if "reason" in given:
            current["reason"] = as_text(given["reason"])
        loaded.budget = current
        if not math.isnan(current["weight"]) and loaded.unit.get("budget_item") == NO_BUDGET_ITEM:
            # a budget weight given in the YAML is the budget's item after all
            loaded.unit["budget_item"] = None
            loaded.observations[:] = [o for o in loaded.observations
                                      if o["code"] != "NO_BUDGET_ITEM"]


def check_unit(loaded: LoadedUnit, source_name: str) -> None:
    """Checks that need the whole unit: year range, budget amounts, the weights' sum."""
    year = loaded.unit.get("year")
    where = loaded.year_location or {"file": source_name}
    if year is not None and not (isinstance(year, float) and math.isnan(year)):
        try:
            number = parse_year(year)
        except ValueError:
            number = None
            loaded.errors.append(_year_error(f"年度“{as_text(year)}”不是年份", where))
        if number is not None and not YEAR_RANGE[0] <= number <= YEAR_RANGE[1]:
            loaded.errors.append(_year_error(
                f"年度 {number} 超出范围（应在 {YEAR_RANGE[0]}–{YEAR_RANGE[1]} 之间）", where))
            number = None
        loaded.unit["year"] = number
    budget = loaded.budget
    if budget is not None:
        for key, label in (("initial", "年初预算数"), ("adjusted", "全年预算数"),
                           ("executed", "全年执行数")):
            if budget[key] < 0:
                loaded.errors.append(InputError(
                    f"{label} {budget[key]:g} 是负数", file=source_name,
                    hint=f"请更正 budget.{key}，预算金额不能为负数"))
                budget[key] = NAN
        if budget["weight"] < 0 or budget["weight"] > 100:
            loaded.errors.append(InputError(
                f"预算执行率分值 {budget['weight']:g} 超出 0–100 的范围", file=source_name,
                hint="请更正 budget.weight"))
            budget["weight"] = NAN
    # Weights that do not add up to 100 (over or under) are the audit's WEIGHT_ROLLUP: a
    # published form with them is read and reported, not refused.
    if loaded.indicators and not any(ind.get("actual_text") or not math.isnan(ind["reported_score"])
                                     for ind in loaded.indicators):
        first = loaded.indicators[0]
        # one message for a form published as a template: no per-row errors on top of it
        loaded.errors[:] = [e for e in loaded.errors if e.location.row is None
                            or e.location.sheet != first.get("sheet")]
        loaded.errors.append(unfilled_error(loaded))


# The columns a self-evaluation fills in after the year (standard names): a table with
# neither filled in anywhere was published as a template, not yet filled.
UNFILLED_COLUMNS = {"actual": "实际完成值", "score": "得分"}


def unfilled_error(loaded: LoadedUnit) -> InputError:
    """The one message for a table none of whose indicators has an actual or a score: which
    of those columns its header lacks and which it prints but left empty (quoting a heading
    printed otherwise: "考评得分"), located at the header (at the first indicator when the
    source has no header)."""
    header = loaded.indicator_header
    missing, empty, notes = [], [], []
    for key, name in UNFILLED_COLUMNS.items():
        if header is not None and key not in header["columns"]:
            missing.append(name)
            continue
        printed = "".join(str(header["columns"][key] or "").split()) if header else ""
        empty.append(name)
        notes.append(f"{name}列（表头“{printed}”）" if printed and printed != name else f"{name}列")
    parts = ([f"表中没有{'、'.join(missing)}列"] if missing else []) + \
        ([f"{'、'.join(notes)}全部为空"] if notes else [])
    unfilled = "和".join(empty or missing)
    problem = f"表格尚未填写{unfilled}（{'；'.join(parts)}），无法评价"
    hint = ("请使用含实际完成值列的绩效自评表，由单位补填各项指标的实际完成值和得分后再评价"
            if missing else "请单位补填各项指标的实际完成值和得分后再评价")
    if header is not None:
        return InputError(problem, file=loaded.source, sheet=header["sheet"], row=header["row"],
                          hint=hint)
    first = loaded.indicators[0]
    return InputError(problem, file=loaded.source, sheet=first.get("sheet"), row=first.get("row"),
                      hint=hint)


def _year_error(problem: str, where: dict) -> InputError:
    if "key" in where:
        return InputError(problem, file=where["file"], hint="请把 year 改为 2000–2100 之间的四位年份")
    return InputError(problem, file=where.get("file"), sheet=where.get("sheet"),
                      row=where.get("row"), column=where.get("column"),
                      column_letter=where.get("column_letter"),
                      hint="请填写 2000–2100 之间的四位年份")


def raise_errors(errors: list[InputError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)


def _frame(rows: list[dict], columns: dict) -> pd.DataFrame:
    """The rows as a table of the given contract, cast to its declared dtypes."""
    return cast(pd.DataFrame(rows, columns=list(columns)), columns)


def to_tables(loaded: LoadedUnit, unit_id: str) -> UnitTables:
    return to_tables_many([(loaded, unit_id)])


def to_tables_many(pairs: list[tuple[LoadedUnit, str]]) -> UnitTables:
    """The stacked tables of many units at once (one DataFrame build per table: screening
    a thousand files builds six frames, not six thousand)."""
    unit_rows, budget_rows, line_rows, indicator_rows, reported_rows, observation_rows = \
        [], [], [], [], [], []
    empty_budget = {"initial": NAN, "adjusted": NAN, "executed": NAN, "weight": NAN,
                    "reported_rate": NAN, "reported_score": NAN, "reason": "",
                    "sheet": None, "row": None}
    for loaded, unit_id in pairs:
        unit = {key: None for key in UNIT_COLUMNS}
        unit.update({"department": "", "implementing_unit": "", "project": "", "goal_planned": "",
                     "goal_actual": "", "problems": "", "measures": "", "plans": "", "notes": "",
                     "reported_total": NAN})
        unit.update({k: v for k, v in loaded.unit.items() if v is not None})
        unit["unit_id"] = unit_id
        unit["source"] = loaded.source
        unit["layout"] = loaded.layout
        unit["weighting"] = unit.get("weighting") or WEIGHTED
        unit_rows.append(unit)
        budget_rows.append({**(loaded.budget or empty_budget), "unit_id": unit_id})
        line_rows.extend({**line, "unit_id": unit_id} for line in loaded.budget_lines)
        indicator_rows.extend({**ind, "unit_id": unit_id} for ind in loaded.indicators)
        reported_rows.extend({**rep, "unit_id": unit_id} for rep in loaded.reported)
        observation_rows.extend({**obs, "unit_id": unit_id} for obs in loaded.observations)

    return UnitTables(_frame(unit_rows, UNIT_COLUMNS), _frame(budget_rows, BUDGET_COLUMNS),
                      _frame(indicator_rows, INDICATOR_COLUMNS), _frame(reported_rows, REPORTED_COLUMNS),
                      _frame(line_rows, BUDGET_LINE_COLUMNS),
                      _frame(observation_rows, OBSERVATION_COLUMNS))
