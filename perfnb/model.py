"""The canonical data model: what every loader produces and the scoring core consumes.

One or many units (a unit = one budget project of one department in one year) are held
as a :class:`UnitTables`: a few pandas DataFrames stacked over units and keyed by
``unit_id``.  Loaders build one unit at a time; :func:`UnitTables.concat` stacks them so
scoring and auditing run once over the whole table, however many units there are.

Column contracts are the ``*_COLUMNS`` dicts below: name -> :class:`Column` (its kind, hence
its pandas dtype, whether it may be empty, and what it means).  A loader must produce every
column (use ``None``/NaN/"" where unknown); extra columns are allowed.  :func:`cast` gives a
frame the declared dtypes (``reading.assemble.to_tables`` builds every table through it).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Iterable

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
# units.budget_item: the form's printed parts already make its whole total, so the budget has
# no item of its own (no default 预算执行率 weight added on top); None: the rules decide.
NO_BUDGET_ITEM = "none"
WEIGHTING_LABELS = {WEIGHTED: "按分值计分", UNWEIGHTED: "未加权"}
NO_TOTAL = "不计算"      # what stands in the 总分 cell of an unweighted unit

# Kinds of column: the pandas dtype each is held in, and what "empty" is.
TEXT = "text"        # pandas' str dtype ("" when unknown); object holding None when nullable
INT = "int"          # Int64 when nullable (<NA>), else int64
FLOAT = "float"      # float64; NaN when unknown (always nullable)
BOOL = "bool"        # bool
MAPPING = "mapping"  # object holding dicts (None when nullable)
LIST = "list"        # object holding lists (of text)
DTYPES = {TEXT: "str", FLOAT: "float64", BOOL: "bool", MAPPING: "object", LIST: "object"}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table: its kind, what it means, whether it may be empty."""

    kind: str
    doc: str = ""
    nullable: bool | None = None   # None: the kind's default (INT and FLOAT nullable, others not)

    @property
    def may_be_empty(self) -> bool:
        return self.nullable if self.nullable is not None else self.kind in (INT, FLOAT)

    @property
    def dtype(self) -> str:
        if self.kind == INT:
            return "Int64" if self.may_be_empty else "int64"
        if self.kind == TEXT and self.may_be_empty:
            return "object"          # None stays None (pandas' str dtype would make it NaN)
        return DTYPES[self.kind]


def cast(frame: pd.DataFrame, columns: dict[str, Column]) -> pd.DataFrame:
    """``frame`` with every declared column in its declared dtype (in place; returned).
    Empty nullable text and mapping cells hold None, not NaN."""
    for name, column in columns.items():
        if name not in frame.columns:
            continue
        if column.dtype == "object":
            if column.may_be_empty:
                frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
        elif str(frame[name].dtype) != column.dtype:
            frame[name] = frame[name].astype(column.dtype)
    return frame


UNIT_COLUMNS = {
    "unit_id": Column(TEXT, "unique id of the unit (YAML unit_id, else the input file's stem)"),
    "department": Column(TEXT, "主管部门"),
    "implementing_unit": Column(TEXT, "实施单位 ('' if not given)"),
    "project": Column(TEXT, "项目名称"),
    "year": Column(INT, "年度 (<NA> if unknown)"),
    "goal_planned": Column(TEXT, "年度总体目标 · 预期目标"),
    "goal_actual": Column(TEXT, "年度总体目标 · 实际完成情况"),
    "reported_total": Column(FLOAT, "the 总分 the unit reported (NaN if none)"),
    "reported_total_sheet": Column(TEXT, nullable=True),
    "reported_total_row": Column(INT),
    "reported_grade": Column(TEXT, "the grade or conclusion the unit reported, as "
                                   "written (优, 良好 …)", nullable=True),
    "reported_grade_sheet": Column(TEXT, nullable=True),
    "reported_grade_row": Column(INT),
    "problems": Column(TEXT, "存在问题 (unit's or evaluator's text)"),
    "measures": Column(TEXT, "改进措施 / 措施及办法"),
    "plans": Column(TEXT, "后续工作计划"),
    "notes": Column(TEXT, "evaluator's notes"),
    "source": Column(TEXT, "path of the data file the unit was read from"),
    "layout": Column(TEXT, "official | sichuan | workbook | csv | docx | html | text"),
    "weighting": Column(TEXT, "WEIGHTED, or UNWEIGHTED for a form that prints no 分值/权重 (scoring: "
                              "no total, no grade); a missing column or None means WEIGHTED"),
    "budget_item": Column(TEXT, "NO_BUDGET_ITEM when the form's printed parts already make its "
                                "total (no default budget weight added), else None", nullable=True),
    "printed_headings": Column(TEXT, "indicator columns whose printed heading differs from the "
                                     "standard one: '年度指标值=指标值(八)；…' ('' or None: none)",
                               nullable=True),
}
HEADING_PAIR_SEP, HEADING_SEP = "=", "；"


def printed_headings_text(printed: dict[str, str]) -> str:
    """The ``printed_headings`` unit field of {standard heading: printed heading}."""
    return HEADING_SEP.join(f"{k}{HEADING_PAIR_SEP}{v}" for k, v in printed.items())


def printed_headings_map(text) -> dict[str, str]:
    """The {standard heading: printed heading} of a ``printed_headings`` unit field."""
    if not isinstance(text, str) or not text:
        return {}
    pairs = (part.split(HEADING_PAIR_SEP, 1) for part in text.split(HEADING_SEP))
    return {p[0]: p[1] for p in pairs if len(p) == 2}

BUDGET_COLUMNS = {
    "unit_id": Column(TEXT),
    "initial": Column(FLOAT, "年初预算数 (万元)"),
    "adjusted": Column(FLOAT, "全年预算数 / 调整后预算数 (NaN if absent)"),
    "executed": Column(FLOAT, "全年执行数 / 预算执行数"),
    "weight": Column(FLOAT, "分值 of budget execution (NaN -> rule set's budget_weight)"),
    "reported_rate": Column(FLOAT, "执行率 the unit reported, as a fraction (0.8849), NaN if none"),
    "reported_score": Column(FLOAT, "得分 the unit reported, NaN if none"),
    "reason": Column(TEXT, "reason given for low execution ('' if none)"),
    "sheet": Column(TEXT, nullable=True),
    "row": Column(INT, "row of the 年度资金总额 line"),
    # the budget printed as an item of the indicator table (a 预算执行率 row; reading.blocks.
    # is_budget_indicator): where its 得分 was read, and the 一级/二级 group it stands in
    # (None: its own line); findings on the score point there, dimensions show it in the group
    "score_sheet": Column(TEXT, "sheet of the row the reported score was read from, when "
                                "not the funds line", nullable=True),
    "score_row": Column(INT, "row the reported score was read from, when not the funds line"),
    "item_level1": Column(TEXT, "一级指标 the budget's 预算执行率 row is printed under "
                                "(项目管理 …), None when it is a line of its own", nullable=True),
    "item_level2": Column(TEXT, "二级指标 of that row (投入管理 …)", nullable=True),
}

# Every funds line, for display: 年度资金总额 and its 其中 rows.
BUDGET_LINE_COLUMNS = {
    "unit_id": Column(TEXT),
    "label": Column(TEXT, "年度资金总额 / 当年财政拨款 / 上年结转资金 / 其他资金"),
    "initial": Column(FLOAT),
    "adjusted": Column(FLOAT),
    "executed": Column(FLOAT),
    "is_total": Column(BOOL),
    "sheet": Column(TEXT, "where the line is (FUNDS_TOTAL_MISMATCH points at it)", nullable=True),
    "row": Column(INT),
}

INDICATOR_COLUMNS = {
    "unit_id": Column(TEXT),
    "seq": Column(INT, "order of the indicator within its unit, from 0", nullable=False),
    "level1": Column(TEXT, "一级指标, normalised (产出指标, 效益指标, 满意度指标, or as written)"),
    "level2": Column(TEXT, "二级指标 as written without a leading code (数量指标 …)"),
    "name": Column(TEXT, "三级指标 as written"),
    "declared_kind": Column(TEXT, "指标性质 as written (定量/定性), None if absent", nullable=True),
    "declared_direction": Column(TEXT, "正向 / 反向 as written, None if absent", nullable=True),
    "operator": Column(TEXT, "one of OPERATORS for quantitative indicators, None "
                             "for qualitative", nullable=True),
    "kind": Column(TEXT, "KIND_QUANTITATIVE or KIND_QUALITATIVE (derived from the target)"),
    "target_text": Column(TEXT, "年度指标值 as written"),
    "target": Column(FLOAT, "its number (NaN if none)"),
    "target_high": Column(FLOAT, "the high end of a range target (\"3-5次\": target 3, "
                                 "target_high 5); NaN if the target is no range"),
    "target_grade": Column(TEXT, "grade word of a qualitative target (优, 达成 …)", nullable=True),
    "actual_text": Column(TEXT, "实际完成值 as written"),
    "actual": Column(FLOAT, "its number (NaN if none or not numeric)"),
    "actual_grade": Column(TEXT, "grade word found in the actual (优, 达成, 部分达成 …)", nullable=True),
    "measure_unit": Column(TEXT, "计量单位 (from its column or the value's suffix: 个, %, 万元 …)"),
    "weight": Column(FLOAT, "分值 / 权重"),
    "reported_score": Column(FLOAT, "得分 the unit reported (NaN if blank)"),
    "deviation_reason": Column(TEXT, "偏差原因分析及改进措施 ('' if none)"),
    "extra": Column(MAPPING, "the row's other printed columns (得分计算方法, 权重占比, 复核得分 "
                             "…) by canonical name, as text; never read as data", nullable=True),
    "sheet": Column(TEXT, "sheet (or CSV file) the row came from", nullable=True),
    "row": Column(INT, "its 1-based row / line number"),
}

# Subtotal and total rows the unit reported (合计, 小计, 总分).  Audited, never trusted.
REPORTED_COLUMNS = {
    "unit_id": Column(TEXT),
    "level": Column(TEXT, "'level1' (a dimension's 合计), 'level2', or 'total' (总分/合计 of all)"),
    "level1": Column(TEXT, nullable=True),
    "level2": Column(TEXT, nullable=True),
    "weight": Column(FLOAT, "reported 分值 of the subtotal (NaN if blank)"),
    "score": Column(FLOAT, "reported 得分 of the subtotal (NaN if blank)"),
    "sheet": Column(TEXT, nullable=True),
    "row": Column(INT),
}

# Computed by perfnb.evaluation.scoring, added to the indicator table.
SCORED_INDICATOR_COLUMNS = {
    "score": Column(FLOAT, "computed score, 2 decimals (NaN if it cannot be computed)"),
    "status": Column(TEXT, "STATUS_*"),
    "completion_ratio": Column(FLOAT, "B/A for forward, A/B for reverse indicators (NaN if n/a)"),
    "qualitative_level": Column(TEXT, "达成 / 部分达成 / 未达成 for qualitative indicators", nullable=True),
    "over_achieved": Column(BOOL, "forward indicator with B >= threshold x A"),
}

# What a reader noticed while reading a form and chose not to refuse: a row it skipped
# (template placeholder, label-only row), a header it did not recognise, an actual written as
# a target … Each observation's ``code`` is the code of a registered check of the audit, which
# turns it into a finding (with its severity and message template); ``fields`` fill that template.
OBSERVATION_COLUMNS = {
    "unit_id": Column(TEXT),
    "code": Column(TEXT, "the audit check that reports it, e.g. SKIPPED_ROW"),
    "sheet": Column(TEXT, nullable=True),
    "row": Column(INT),
    "column": Column(TEXT, "header text", nullable=True),
    "indicator": Column(TEXT, "三级指标 name (or label) concerned", nullable=True),
    "fields": Column(MAPPING, "named values for the check's message template (text as printed …)"),
}

# The evaluator's review (复核) of a unit: perfnb.reading.review reads it from
# ``<unit>.review.yaml`` (or the unit YAML's ``review:`` section) and matches it to the unit's
# indicators; perfnb.evaluation.reviewing scores with it.  At most one review per unit.
REVIEW_COLUMNS = {
    "unit_id": Column(TEXT),
    "evaluator": Column(TEXT, "复核人"),
    "date": Column(TEXT, "复核日期, ISO (2026-11-30)"),
    "opinion": Column(TEXT, "复核意见 ('' if none)"),
    "conclusion": Column(TEXT, "复核结论 as written ('' if none)"),
    "source": Column(TEXT, "the file the review was read from"),
    "review_rules": Column(TEXT, "the review profile (复核口径) the review names ('' = default)"),
}
REVIEW_INDICATOR_COLUMNS = {
    "unit_id": Column(TEXT),
    "seq": Column(INT, "the indicator it adjusts (INDICATOR_COLUMNS seq), "
                       "matched by 一级/二级/三级 name", nullable=False),
    "name": Column(TEXT, "三级指标 as the review names it"),
    "score": Column(FLOAT, "复核得分 (NaN: from the level)"),
    "level": Column(TEXT, "复核档次 达成 / 部分达成 / 未达成 (None: the score alone)", nullable=True),
    "reason": Column(TEXT, "the evaluator's reason (required)"),
    "source": Column(TEXT),
    "line": Column(INT, "line of the entry in the review file (the row of a 复核底稿)"),
    "sheet": Column(TEXT, "worksheet of the 复核底稿 the entry was read from (None: a review "
                          "file)", nullable=True),
    "clauses": Column(LIST, "codes of the 复核口径 clauses it cites ([] if none)"),
    "severity": Column(TEXT, "扣分程度 as written (严重 / 一般 / 轻微 …), None if none", nullable=True),
    "actual": Column(TEXT, "复核完成值, the actual as the evaluator found it (None if "
                           "not given)", nullable=True),
    "evidence": Column(LIST, "佐证材料, paths of supporting files ([] if none)"),
}
REVIEW_FINDING_COLUMNS = {
    "unit_id": Column(TEXT),
    "code": Column(TEXT, "the finding's code"),
    "indicator": Column(TEXT, "the finding's indicator / location (None: any)", nullable=True),
    "column": Column(TEXT, "the finding's column header (None: any)", nullable=True),
    "decision": Column(TEXT, "采纳 | 不采纳"),
    "reason": Column(TEXT, "why (required for 不采纳)"),
    "source": Column(TEXT),
    "line": Column(INT),
}
DECISION_ADOPTED = "采纳"
DECISION_REJECTED = "不采纳"
DECISIONS = (DECISION_ADOPTED, DECISION_REJECTED)

FINDING_COLUMNS = {
    "unit_id": Column(TEXT),
    "code": Column(TEXT, "stable code, e.g. SCORE_MISMATCH"),
    "severity": Column(TEXT, "error | warning | info"),
    "sheet": Column(TEXT, nullable=True),
    "row": Column(INT),
    "column": Column(TEXT, "header text", nullable=True),
    "indicator": Column(TEXT, "三级指标 name, or the dimension / budget line concerned", nullable=True),
    "message": Column(TEXT, "Chinese sentence"),
}


def empty_frame(columns: dict[str, Column]) -> pd.DataFrame:
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
