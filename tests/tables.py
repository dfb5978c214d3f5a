"""Build canonical UnitTables directly in memory, for tests (no loader involved).

``make_unit(indicators=[...], **fields)`` builds one unit from short indicator dicts
(missing columns get the contract's defaults); ``seed_tables()`` transcribes the seed report
(../shared/seeds/000_0367d8b2a238719a.txt, 内蒙古人大 2022) as a loader would read it.
"""
from __future__ import annotations


import pandas as pd

from perfnb.model import (BUDGET_COLUMNS, BUDGET_LINE_COLUMNS, INDICATOR_COLUMNS,
                          KIND_QUALITATIVE, KIND_QUANTITATIVE, OBSERVATION_COLUMNS,
                          REPORTED_COLUMNS, UNIT_COLUMNS, UnitTables)

NAN = float("nan")

UNIT_DEFAULTS = {
    "department": "测试部门", "implementing_unit": "测试单位", "project": "测试项目", "year": 2022,
    "goal_planned": "", "goal_actual": "", "reported_total": NAN, "reported_total_sheet": None,
    "reported_total_row": pd.NA, "reported_grade": None, "reported_grade_sheet": None,
    "reported_grade_row": pd.NA, "problems": "", "measures": "", "plans": "", "notes": "",
    "source": "memory", "layout": "official",
}
BUDGET_DEFAULTS = {
    "initial": 100.0, "adjusted": NAN, "executed": 100.0, "weight": 10.0, "reported_rate": NAN,
    "reported_score": NAN, "reason": "", "sheet": "Sheet1", "row": 5,
}
INDICATOR_DEFAULTS = {
    "level1": "产出指标", "level2": "数量指标", "name": "指标", "declared_kind": None,
    "declared_direction": None, "operator": ">=", "kind": KIND_QUANTITATIVE, "target_text": "",
    "target": NAN, "target_grade": None, "actual_text": "", "actual": NAN, "actual_grade": None,
    "measure_unit": "", "weight": 10.0, "reported_score": NAN, "deviation_reason": "",
    "sheet": "Sheet1", "row": pd.NA,
}
SYMBOL = {">=": "≥", ">": ">", "=": "=", "<=": "≤", "<": "<"}


def _fmt(x: float) -> str:
    return f"{x:g}"


def indicator(name: str, target=None, actual=None, weight: float = 10.0, operator: str | None = ">=",
              **fields) -> dict:
    """One indicator row.  Numbers given as ``target``/``actual`` fill the texts too;
    a string target/actual is a grade or word (qualitative unless ``kind`` says otherwise)."""
    row = dict(INDICATOR_DEFAULTS, name=name, weight=weight, operator=operator)
    if isinstance(target, str):
        row.update(target_text=target, target_grade=target, kind=KIND_QUALITATIVE, operator=None)
    elif target is not None:
        row.update(target=float(target),
                   target_text=(SYMBOL.get(operator or "", "") + _fmt(float(target))))
    if isinstance(actual, str):
        row.update(actual_text=actual, actual_grade=actual)
    elif actual is not None:
        row.update(actual=float(actual), actual_text=_fmt(float(actual)))
    row.update(fields)
    return row


def make_unit(unit_id: str = "u1", indicators: list[dict] | None = None, *,
              budget: dict | None = None, reported: list[dict] | None = None,
              budget_lines: list[dict] | None = None, observations: list[dict] | None = None,
              **unit_fields) -> UnitTables:
    """A one-unit UnitTables from indicator rows (see :func:`indicator`); ``budget_lines``
    (default: one 年度资金总额 line repeating the budget) and ``observations`` as a reader
    would record them (``{"code": …, "row": …, "fields": {…}}``)."""
    units = pd.DataFrame([dict(UNIT_DEFAULTS, unit_id=unit_id, **unit_fields)],
                         columns=list(UNIT_COLUMNS))
    budgets = pd.DataFrame([dict(BUDGET_DEFAULTS, unit_id=unit_id, **(budget or {}))],
                           columns=list(BUDGET_COLUMNS))
    rows = []
    for seq, spec in enumerate(indicators or []):
        row = dict(INDICATOR_DEFAULTS)
        row.update(spec)
        row.update(unit_id=unit_id, seq=seq)
        if row.get("row") is pd.NA:
            row["row"] = 10 + seq
        rows.append(row)
    indicator_frame = pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))
    for column in ("target", "actual", "weight", "reported_score"):
        indicator_frame[column] = indicator_frame[column].astype(float)
    indicator_frame["row"] = indicator_frame["row"].astype("Int64")
    reported_rows = [dict({"level1": None, "level2": None, "weight": NAN, "score": NAN,
                           "sheet": "Sheet1", "row": pd.NA}, unit_id=unit_id, **r)
                     for r in (reported or [])]
    reported_frame = pd.DataFrame(reported_rows, columns=list(REPORTED_COLUMNS))
    if budget_lines is None:
        budget_lines = [{"label": "年度资金总额", "initial": budgets["initial"][0],
                         "adjusted": budgets["adjusted"][0], "executed": budgets["executed"][0],
                         "is_total": True, "sheet": "Sheet1", "row": 5}]
    lines = pd.DataFrame([dict({"adjusted": NAN, "is_total": False, "sheet": "Sheet1"}, **line,
                               unit_id=unit_id) for line in budget_lines],
                         columns=list(BUDGET_LINE_COLUMNS))
    for column in ("initial", "adjusted", "executed"):
        lines[column] = lines[column].astype(float)
    lines["is_total"] = lines["is_total"].astype(bool)
    lines["row"] = lines["row"].astype("Int64")
    observed = pd.DataFrame([dict({"sheet": "Sheet1", "row": pd.NA, "column": None,
                                   "indicator": None, "fields": {}}, **obs, unit_id=unit_id)
                             for obs in (observations or [])], columns=list(OBSERVATION_COLUMNS))
    observed["row"] = observed["row"].astype("Int64")
    return UnitTables(units, budgets, indicator_frame, reported_frame, lines, observed)


def full_budget(weight: float = 10.0) -> dict:
    """A budget executed in full (rate 1, full score), so tests can focus on indicators."""
    return {"initial": 100.0, "executed": 100.0, "weight": weight}


def seed_tables(unit_id: str = "nmg-rd-2022-rdlz") -> UnitTables:
    """The seed report's tables, transcribed as a loader reads them.

    C11–C18 carry 正向 in 指标性质 and the operator word (等于 / 大于等于) in 指标方向, as the
    report swaps them; C4's target is the ceiling "≤2255" 万元 though labelled 正向; E1's target
    is "≥95%", actual "95%", reported 9.5, labelled 定性.  The 产出 合计 reads 50/48.75, the 效益
    合计 10/10; the report's total is 97.6, grade 优.  Budget 2229.00 initial, 1972.41 executed.
    """
    sheet = "项目支出绩效自评表"
    out, benefit, satisfaction = "产出指标", "效益指标", "满意度指标"

    def c(name, op, target, actual, unit, weight, score, row, level2="数量指标", **extra):
        spec = indicator(name, target, actual, weight, op, level1=out, level2=level2,
                         declared_direction="正向", measure_unit=unit, reported_score=score,
                         sheet=sheet, row=row, target_text=str(target), actual_text=str(actual))
        spec.update(extra)
        return spec

    indicators = [
        c("后勤保障日常工作时间", "=", 12, 12, "个月", 5, 5, 12),
        c("内蒙古人大汉刊编印期数", "=", 12, 12, "期", 5, 5, 13),
        c("内蒙古人大蒙刊编印期数", "=", 12, 12, "期", 5, 5, 14),
        c("办公设备采购批次", ">=", 4, 3, "批次", 5, 3.75, 15),
        c("人大新闻奖评选次数", "=", 1, 1, "次", 5, 5, 16),
        c("人大研究会工作经费保障时间", "=", 12, 12, "个月", 5, 5, 17),
        c("聘请劳务人员数量", ">=", 34, 35, "人", 5, 5, 18),
        c("维修改造工程个数", ">=", 3, 8, "个", 5, 5, 19),
        indicator("工作完成质量", None, "优", 3, None, level1=out, level2="质量指标",
                  declared_kind="定性", declared_direction="正向", kind=KIND_QUALITATIVE,
                  target_text="优良中低差", target_grade="优", reported_score=3.0,
                  sheet=sheet, row=20),
        c("工作完成时限", ">=", 12, 12, "个月", 3, 3, 21, level2="时效指标", declared_kind="定量"),
        c("经费总额", "<=", 2255, 1972.41, "万元", 4, 4, 22, level2="成本指标", declared_kind="定量",
          target_text="≤2255"),
    ]
    for offset, name in enumerate(("宣传人民代表大会制度", "提供人大基本履职保障", "完善人民代表大会制度")):
        indicators.append(indicator(name, "优", "优", 10, None, level1=benefit, level2="社会效益指标",
                                    declared_kind="定性", reported_score=10.0, sheet=sheet,
                                    row=26 + offset))
    indicators.append(indicator("服务人员满意度", 95, 95, 10, ">=", level1=satisfaction,
                                level2="服务对象满意度指标", declared_kind="定性",
                                declared_direction="正向", target_text="≥95%", actual_text="95%",
                                measure_unit="%", reported_score=9.5, sheet=sheet, row=31))
    reported = [
        {"level": "level1", "level1": out, "weight": 50.0, "score": 48.75, "row": 23},
        {"level": "level1", "level1": benefit, "weight": 10.0, "score": 10.0, "row": 29},
    ]
    reported = [dict(r, sheet=sheet) for r in reported]
    return make_unit(
        unit_id, indicators,
        budget={"initial": 2229.0, "adjusted": NAN, "executed": 1972.41, "weight": 10.0,
                "reported_rate": 0.8849, "reported_score": 8.85, "reason": "", "sheet": sheet,
                "row": 6},
        reported=reported,
        department="内蒙古自治区人大常委会办公厅", implementing_unit="内蒙古自治区人大常委会办公厅",
        project="人大履职保障经费", year=2022, reported_total=97.6, reported_total_sheet=sheet,
        reported_total_row=32, reported_grade="优", reported_grade_sheet=sheet,
        reported_grade_row=33, source="seeds/000_0367d8b2a238719a.txt",
    )


def stack(*parts: UnitTables) -> UnitTables:
    return UnitTables.concat(parts)


def two_units() -> UnitTables:
    """The seed as unit "a" and a one-indicator unit whose id, project and indicator hold
    markup ("b<x>", "项目 & 乙", a <script>): escaping and several-unit summaries."""
    other = make_unit("b<x>", [indicator("<script>alert(1)</script>", 4, 2, 90)],
                      budget=full_budget(), project="项目 & 乙")
    return stack(seed_tables("a"), other)


__all__ = ["indicator", "make_unit", "seed_tables", "full_budget", "stack", "two_units", "NAN"]
