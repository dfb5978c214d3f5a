"""The canonical data model: what every loader produces and the scoring core consumes.

One or many units (a unit = one budget project of one department in one year) are held
as a :class:`UnitTables`: a few pandas DataFrames stacked over units and keyed by
``unit_id``.  Loaders build one unit at a time; :func:`UnitTables.concat` stacks them so
scoring and auditing run once over the whole table, however many units there are.

Column contracts are the ``*_COLUMNS`` dicts below (name -> meaning).  A loader must
produce every column (use ``None``/NaN/"" where unknown); extra columns are allowed.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Iterable

import numpy as np
import pandas as pd

# Operators, as stored in the ``operator`` column.
OPERATORS = (">=", ">", "=", "<=", "<")
FORWARD_OPERATORS = (">=", ">", "=")   # 正向: more is better
REVERSE_OPERATORS = ("<=", "<")        # 反向: less is better
OPERATOR_SYMBOLS = {">=": "≥", ">": ">", "=": "=", "<=": "≤", "<": "<"}

KIND_QUANTITATIVE = "quantitative"  # 定量
KIND_QUALITATIVE = "qualitative"    # 定性

# Indicator status after scoring.
STATUS_MET = "met"            # 达成
STATUS_PARTIAL = "partial"    # 部分达成
STATUS_UNMET = "unmet"        # 未达成
STATUS_MISSING = "missing"    # 无实际完成值，无法评分
STATUS_LABELS = {STATUS_MET: "达成", STATUS_PARTIAL: "部分达成", STATUS_UNMET: "未达成",
                 STATUS_MISSING: "缺失"}

# First-level dimensions, normalised names.  Loaders map "C产出指标", "产出" … onto these.
LEVEL1_OUTPUT = "产出指标"
LEVEL1_BENEFIT = "效益指标"
LEVEL1_SATISFACTION = "满意度指标"
LEVEL1_ORDER = (LEVEL1_OUTPUT, LEVEL1_BENEFIT, LEVEL1_SATISFACTION)
BUDGET_DIMENSION = "预算执行率"

# How a unit is evaluated (UNIT_COLUMNS ``weighting``).  A form that prints 分值/权重 is scored
# by the rules (a total and a grade); one that prints no weights at all (湖北's 20+80 template,
# 转移支付 区域 forms, several 部门整体 forms) gets an unweighted evaluation: each indicator's
# achievement and completion ratio, budget execution (scored only with the weight the funds
# block prints), the unit's printed scores checked against its printed total — no computed
# total or grade.
WEIGHTED = "weighted"
UNWEIGHTED = "unweighted"
WEIGHTING_LABELS = {WEIGHTED: "按分值计分", UNWEIGHTED: "未加权"}
NO_TOTAL = "不计算"      # what stands in the 总分 cell of an unweighted unit

UNIT_COLUMNS = {
    "unit_id": "str: unique id of the unit (YAML unit_id, else the input file's stem)",
    "department": "str: 主管部门",
    "implementing_unit": "str: 实施单位 ('' if not given)",
    "project": "str: 项目名称",
    "year": "Int64: 年度 (<NA> if unknown)",
    "goal_planned": "str: 年度总体目标 · 预期目标",
    "goal_actual": "str: 年度总体目标 · 实际完成情况",
    "reported_total": "float: the 总分 the unit reported (NaN if none)",
    "reported_total_sheet": "str|None", "reported_total_row": "Int64",
    "reported_grade": "str|None: the grade or conclusion the unit reported, as written (优, 良好 …)",
    "reported_grade_sheet": "str|None", "reported_grade_row": "Int64",
    "problems": "str: 存在问题 (unit's or evaluator's text)",
    "measures": "str: 改进措施 / 措施及办法",
    "plans": "str: 后续工作计划",
    "notes": "str: evaluator's notes",
    "source": "str: path of the data file the unit was read from",
    "layout": "str: official | sichuan | workbook | csv | docx | html | text",
    "weighting": "str: WEIGHTED, or UNWEIGHTED for a form that prints no 分值/权重 (scoring: "
                 "no total, no grade); a missing column or None means WEIGHTED",
}

BUDGET_COLUMNS = {
    "unit_id": "str",
    "initial": "float: 年初预算数 (万元)",
    "adjusted": "float: 全年预算数 / 调整后预算数 (NaN if absent)",
    "executed": "float: 全年执行数 / 预算执行数",
    "weight": "float: 分值 of budget execution (NaN -> rule set's budget_weight)",
    "reported_rate": "float: 执行率 the unit reported, as a fraction (0.8849), NaN if none",
    "reported_score": "float: 得分 the unit reported, NaN if none",
    "reason": "str: reason given for low execution ('' if none)",
    "sheet": "str|None", "row": "Int64: row of the 年度资金总额 line",
}

# Every funds line, for display: 年度资金总额 and its 其中 rows.
BUDGET_LINE_COLUMNS = {
    "unit_id": "str", "label": "str: 年度资金总额 / 当年财政拨款 / 上年结转资金 / 其他资金",
    "initial": "float", "adjusted": "float", "executed": "float", "is_total": "bool",
    "sheet": "str|None: where the line is (FUNDS_TOTAL_MISMATCH points at it)", "row": "Int64",
}

INDICATOR_COLUMNS = {
    "unit_id": "str",
    "seq": "int: order of the indicator within its unit, from 0",
    "level1": "str: 一级指标, normalised (产出指标, 效益指标, 满意度指标, or as written)",
    "level2": "str: 二级指标 as written without a leading code (数量指标 …)",
    "name": "str: 三级指标 as written",
    "declared_kind": "str|None: 指标性质 as written (定量/定性), None if absent",
    "declared_direction": "str|None: 正向 / 反向 as written, None if absent",
    "operator": "str|None: one of OPERATORS for quantitative indicators, None for qualitative",
    "kind": "str: KIND_QUANTITATIVE or KIND_QUALITATIVE (derived from the target)",
    "target_text": "str: 年度指标值 as written",
    "target": "float: its number (NaN if none)",
    "target_high": "float: the high end of a range target (\"3-5次\": target 3, target_high 5); NaN "
                   "if the target is no range",
    "target_grade": "str|None: grade word of a qualitative target (优, 达成 …)",
    "actual_text": "str: 实际完成值 as written",
    "actual": "float: its number (NaN if none or not numeric)",
    "actual_grade": "str|None: grade word found in the actual (优, 达成, 部分达成 …)",
    "measure_unit": "str: 计量单位 (from its column or the value's suffix: 个, %, 万元 …)",
    "weight": "float: 分值 / 权重",
    "reported_score": "float: 得分 the unit reported (NaN if blank)",
    "deviation_reason": "str: 偏差原因分析及改进措施 ('' if none)",
    "extra": "dict|None: the row's other printed columns (得分计算方法, 权重占比, 复核得分 …) by "
             "canonical name, as text; never read as data",
    "sheet": "str|None: sheet (or CSV file) the row came from",
    "row": "Int64: its 1-based row / line number",
}

# Subtotal and total rows the unit reported (合计, 小计, 总分).  Audited, never trusted.
REPORTED_COLUMNS = {
    "unit_id": "str",
    "level": "str: 'level1' (a dimension's 合计), 'level2', or 'total' (总分/合计 of all)",
    "level1": "str|None", "level2": "str|None",
    "weight": "float: reported 分值 of the subtotal (NaN if blank)",
    "score": "float: reported 得分 of the subtotal (NaN if blank)",
    "sheet": "str|None", "row": "Int64",
}

# Computed by perfnb.evaluation.scoring, added to the indicator table.
SCORED_INDICATOR_COLUMNS = {
    "score": "float: computed score, 2 decimals (NaN if it cannot be computed)",
    "status": "str: STATUS_*",
    "completion_ratio": "float: B/A for forward, A/B for reverse indicators (NaN if n/a)",
    "qualitative_level": "str|None: 达成 / 部分达成 / 未达成 for qualitative indicators",
    "over_achieved": "bool: forward indicator with B >= threshold x A",
}

# What a reader noticed while reading a form and chose not to refuse: a row it skipped
# (template placeholder, label-only row), a header it did not recognise, an actual written as
# a target … Each observation's ``code`` is the code of a registered check of the audit, which
# turns it into a finding (with its severity and message template); ``fields`` fill that template.
OBSERVATION_COLUMNS = {
    "unit_id": "str",
    "code": "str: the audit check that reports it, e.g. SKIPPED_ROW",
    "sheet": "str|None", "row": "Int64", "column": "str|None: header text",
    "indicator": "str|None: 三级指标 name (or label) concerned",
    "fields": "dict: named values for the check's message template (text as printed …)",
}

# The evaluator's review (复核) of a unit: perfnb.reading.review reads it from
# ``<unit>.review.yaml`` (or the unit YAML's ``review:`` section) and matches it to the unit's
# indicators; perfnb.evaluation.reviewing scores with it.  At most one review per unit.
REVIEW_COLUMNS = {
    "unit_id": "str",
    "evaluator": "str: 复核人",
    "date": "str: 复核日期, ISO (2026-11-30)",
    "opinion": "str: 复核意见 ('' if none)",
    "conclusion": "str: 复核结论 as written ('' if none)",
    "source": "str: the file the review was read from",
    "review_rules": "str: the review profile (复核口径) the review names ('' = default)",
}
REVIEW_INDICATOR_COLUMNS = {
    "unit_id": "str",
    "seq": "int: the indicator it adjusts (INDICATOR_COLUMNS seq), matched by 一级/二级/三级 name",
    "name": "str: 三级指标 as the review names it",
    "score": "float: 复核得分 (NaN: from the level)",
    "level": "str|None: 复核档次 达成 / 部分达成 / 未达成 (None: the score alone)",
    "reason": "str: the evaluator's reason (required)",
    "source": "str", "line": "Int64: line of the entry in the review file",
    "clauses": "list[str]: codes of the 复核口径 clauses it cites ([] if none)",
    "severity": "str|None: 扣分程度 as written (严重 / 一般 / 轻微 …), None if none",
    "actual": "str|None: 复核完成值, the actual as the evaluator found it (None if not given)",
    "evidence": "list[str]: 佐证材料, paths of supporting files ([] if none)",
}
REVIEW_FINDING_COLUMNS = {
    "unit_id": "str",
    "code": "str: the finding's code",
    "indicator": "str|None: the finding's indicator / location (None: any)",
    "column": "str|None: the finding's column header (None: any)",
    "decision": "str: 采纳 | 不采纳",
    "reason": "str: why (required for 不采纳)",
    "source": "str", "line": "Int64",
}
DECISION_ADOPTED = "采纳"
DECISION_REJECTED = "不采纳"
DECISIONS = (DECISION_ADOPTED, DECISION_REJECTED)

FINDING_COLUMNS = {
    "unit_id": "str",
    "code": "str: stable code, e.g. SCORE_MISMATCH",
    "severity": "str: error | warning | info",
    "sheet": "str|None", "row": "Int64", "column": "str|None: header text",
    "indicator": "str|None: 三级指标 name, or the dimension / budget line concerned",
    "message": "str: Chinese sentence",
}


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    """An empty DataFrame with the given contract's columns."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})


@dataclass
class UnitTables:
    """One or many units' input data, as stacked DataFrames keyed by ``unit_id``."""

    units: pd.DataFrame
    budgets: pd.DataFrame
    indicators: pd.DataFrame
    reported: pd.DataFrame = field(default_factory=lambda: empty_frame(REPORTED_COLUMNS))
    budget_lines: pd.DataFrame = field(default_factory=lambda: empty_frame(BUDGET_LINE_COLUMNS))
    observations: pd.DataFrame = field(default_factory=lambda: empty_frame(OBSERVATION_COLUMNS))
    # the evaluator's review (复核), if any: see REVIEW_*_COLUMNS
    reviews: pd.DataFrame = field(default_factory=lambda: empty_frame(REVIEW_COLUMNS))
    review_indicators: pd.DataFrame = field(
        default_factory=lambda: empty_frame(REVIEW_INDICATOR_COLUMNS))
    review_findings: pd.DataFrame = field(
        default_factory=lambda: empty_frame(REVIEW_FINDING_COLUMNS))

    @property
    def unit_ids(self) -> list[str]:
        return list(self.units["unit_id"])

    def __len__(self) -> int:
        return len(self.units)

    @classmethod
    def concat(cls, parts: Iterable["UnitTables"]) -> "UnitTables":
        parts = list(parts)
        if not parts:
            return cls(empty_frame(UNIT_COLUMNS), empty_frame(BUDGET_COLUMNS),
                       empty_frame(INDICATOR_COLUMNS))

        def stack(name: str) -> pd.DataFrame:
            frames = [getattr(p, name) for p in parts if len(getattr(p, name))]
            if not frames:
                return getattr(parts[0], name).iloc[0:0].copy()
            return pd.concat(frames, ignore_index=True)

        return cls(*(stack(name) for name in TABLE_NAMES))

    def select(self, unit_id: str) -> "UnitTables":
        """The tables of one unit."""
        def pick(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["unit_id"] == unit_id].reset_index(drop=True)
        return UnitTables(*(pick(getattr(self, name)) for name in TABLE_NAMES))

    def with_unit_id(self, unit_id: str) -> "UnitTables":
        """A copy whose every table carries ``unit_id`` (loaders use it; one unit only)."""
        frames = []
        for frame in (getattr(self, name) for name in TABLE_NAMES):
            frame = frame.copy()
            frame["unit_id"] = unit_id
            frames.append(frame)
        return UnitTables(*frames)


TABLE_NAMES = tuple(f.name for f in fields(UnitTables))


def is_blank(value) -> bool:
    """True for None, NaN, '' and whitespace-only strings."""
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return value is pd.NA
