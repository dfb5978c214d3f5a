"""Summaries of a batch: ``load_results``, the summary notebook, ``summary.xlsx``.

A batch folder holds ``DIR/<主管部门>/<单位编号>/result.json`` per unit (the JSON of
``perfnb score --json``).  :func:`load_results` reads them into one DataFrame, one row per
unit; :func:`load_dimensions` and :func:`load_findings` give the long tables behind the
heat map and the findings table.  ``notebooks/summary.ipynb`` (parameters ``results_dir``
and ``department``) shows the ranking, grade distribution, score-rate heat map, budget
execution and audit findings (:func:`perfnb.running.summaries.run_summary` executes it);
:func:`write_summary_workbook` writes ``DIR/summary.xlsx``.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from perfnb.errors import PerfnbError
from perfnb.model import UNWEIGHTED, WEIGHTED, WEIGHTING_LABELS
from perfnb.reading.values import department_name
from perfnb.reporting.figures import set_title
from perfnb.fsutil import atomic_write_bytes
from perfnb.schemas import RESULT_SCHEMA_VERSION, result_problems
from perfnb.textwidth import display_width
from perfnb.vocabulary import SEVERITY_LABELS

__all__ = ["load_results", "load_dimensions", "load_findings", "ranking_table",
           "grade_distribution", "score_rate_matrix", "score_rate_table", "budget_table",
           "findings_by_severity", "findings_by_code", "findings_detail", "findings_matrix",
           "show_findings_detail", "use_report_display",
           "plot_grade_distribution",
           "plot_score_rate_heatmap", "plot_budget_execution",
           "write_summary_workbook", "show_figure", "summary_title", "percent_text",
           "review_comparison", "review_table", "department_review_table"]

GRADES = ("优", "良", "中", "差")
SEVERITIES = ("error", "warning", "info")
LEVEL1_DEFAULT_ORDER = ("预算执行率", "产出指标", "效益指标", "满意度指标")
RESULT_COLUMNS = [
    "unit_id", "department", "implementing_unit", "project", "year", "rules", "total", "grade",
    "weight_total", "reported_total", "reported_grade", "budget_initial", "budget_adjusted",
    "budget_executed", "execution_rate", "budget_weight", "budget_score",
    "findings_error", "findings_warning", "findings_info", "folder", "result_path",
    # the evaluator's review (复核): final figures (= computed where the unit has no review)
    "reviewed", "reviewed_total", "reviewed_grade", "adjusted_indicators", "adopted_findings",
    "rejected_findings", "evaluator",
    # "unweighted": the form prints no weights (total and grade empty); older results: weighted
    "weighting",
    # issue 21: 偏离度 ((自评 − 复核) ÷ 自评), its gap and the 自评质量 grade (NaN/None: no review)
    "deviation", "deviation_gap", "self_evaluation_quality", "review_rules",
    # an unweighted unit's 偏离度 is by achievement: indicators it changed, of those compared
    "deviation_changed", "deviation_compared",
]


class SummaryError(PerfnbError):
    """A summary that cannot be produced."""


def _result_files(results_dir: Path, department: str | None) -> list[Path]:
    files = sorted(Path(results_dir).glob("*/*/result.json"))
    if department is None:
        return files
    return [path for path in files if path.parent.parent.name == department
            or department_name(_department_of(path) or "") == department_name(department)]


# A summary notebook asks for the same result.json files up to five times (results,
# dimensions, findings, red flags, year comparison), and a department's summary also opens
# every other department's files to read their 主管部门: each file is parsed and checked
# against the schema once per process, while its size and modification time stay the same.
_PARSED: dict[str, tuple[tuple[int, int], Any, list[str] | None]] = {}


def _parsed(path: Path, check: bool) -> tuple[Any, list[str] | None]:
    """(the file's JSON or None if unreadable, its schema problems if ``check``)."""
    try:
        stat = path.stat()
    except OSError:
        return None, None
    key, stamp = str(path), (stat.st_mtime_ns, stat.st_size)
    cached = _PARSED.get(key)
    if cached is None or cached[0] != stamp:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        cached = (stamp, data, None)
    if check and cached[2] is None and cached[1] is not None:
        cached = (stamp, cached[1], result_problems(cached[1]))
    _PARSED[key] = cached
    return cached[1], cached[2]


def _department_of(path: Path) -> str | None:
    data, _ = _parsed(path, check=False)
    return data.get("department") if isinstance(data, dict) else None


def _read(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """A result file's JSON (None if unreadable or not a unit's result) and its problems."""
    data, _ = _parsed(path, check=False)
    if not (isinstance(data, dict) and "unit_id" in data):
        return None, []
    return data, _parsed(path, check=True)[1] or []


def _results(results_dir, department) -> list[tuple[Path, dict]]:
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise SummaryError(f"结果目录“{results_dir}”不存在。请先运行 perfnb batch。")
    pairs = []
    for path in _result_files(results_dir, department):
        data, problems = _read(path)   # the one schema the writer keeps to (perfnb.schemas)
        if data is None:
            continue
        if problems:
            raise SummaryError(f"结果文件“{path}”不符合 result.json 的格式（第 {RESULT_SCHEMA_VERSION} 版）："
                               + "；".join(problems) + "。请重新运行该单位（perfnb batch --force），"
                               "或恢复被改动的文件。")
        pairs.append((path, data))
    return pairs


def _number(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def load_results(results_dir: str | os.PathLike, department: str | None = None) -> pd.DataFrame:
    """One row per unit from each ``DIR/<部门>/<单位>/result.json``.

    ``department`` (a 主管部门 name or its folder name) keeps one department.  Columns:
    :data:`RESULT_COLUMNS`, then ``score:<一级指标>`` and ``weight:<一级指标>`` per dimension.
    Sorted by total (descending), then unit id.
    """
    rows = []
    for path, data in _results(results_dir, department):
        budget = data.get("budget") or {}
        reported = data.get("reported") or {}
        counts = data.get("counts") or {}
        rules = data.get("rules") or {}
        review = data.get("reviewed") or {}
        row = {
            "unit_id": str(data.get("unit_id")), "department": data.get("department") or "",
            "implementing_unit": data.get("implementing_unit") or "",
            "project": data.get("project") or "", "year": data.get("year"),
            "rules": rules.get("name"), "total": _number(data.get("total")),
            "grade": data.get("grade"), "weight_total": _number(data.get("weight_total")),
            "reported_total": _number(reported.get("total")),
            "reported_grade": reported.get("grade"),
            "budget_initial": _number(budget.get("initial")),
            "budget_adjusted": _number(budget.get("adjusted")),
            "budget_executed": _number(budget.get("executed")),
            "execution_rate": _number(budget.get("rate")),
            "budget_weight": _number(budget.get("weight")),
            "budget_score": _number(budget.get("score")),
            **{f"findings_{severity}": int(counts.get(severity) or 0) for severity in SEVERITIES},
            "folder": Path(path).parent.relative_to(Path(results_dir)).as_posix(),
            "result_path": str(path),
            "reviewed": bool(review),
            "reviewed_total": _number(review.get("total", data.get("total"))),
            "reviewed_grade": review.get("grade", data.get("grade")),
            "adjusted_indicators": int(review.get("adjusted") or 0),
            "adopted_findings": int(review.get("adopted") or 0),
            "rejected_findings": int(review.get("rejected") or 0),
            "evaluator": review.get("evaluator") or "",
            "weighting": data.get("weighting") or WEIGHTED,
            "deviation": _number((review.get("deviation") or {}).get("ratio")),
            "deviation_gap": _number((review.get("deviation") or {}).get("gap")),
            "deviation_changed": _number((review.get("deviation") or {}).get("indicators_changed")),
            "deviation_compared": _number((review.get("deviation") or {}).get("indicators_compared")),
            "self_evaluation_quality": (data.get("self_evaluation_quality") or {}).get("grade"),
            "review_rules": (review.get("review_rules") or {}).get("name"),
        }
        for dimension in data.get("dimensions") or []:
            row[f"score:{dimension.get('name')}"] = _number(dimension.get("score"))
            row[f"weight:{dimension.get('name')}"] = _number(dimension.get("weight"))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=None if rows else RESULT_COLUMNS)
    if rows:
        dimension_columns = sorted({c for c in frame.columns if ":" in c},
                                   key=lambda c: (_level1_rank(c.split(":", 1)[1]), c))
        frame = frame[RESULT_COLUMNS + dimension_columns]
        frame = frame.sort_values(["total", "unit_id"], ascending=[False, True],
                                  na_position="last").reset_index(drop=True)
    return frame


def _level1_rank(name: str) -> int:
    return LEVEL1_DEFAULT_ORDER.index(name) if name in LEVEL1_DEFAULT_ORDER else len(
        LEVEL1_DEFAULT_ORDER)


def load_dimensions(results_dir, department: str | None = None) -> pd.DataFrame:
    """Long table: unit_id, department, level1, weight, score, score_rate (score / weight)."""
    rows = []
    for _path, data in _results(results_dir, department):
        for dimension in data.get("dimensions") or []:
            weight, score = _number(dimension.get("weight")), _number(dimension.get("score"))
            rows.append({"unit_id": str(data["unit_id"]), "department": data.get("department"),
                         "level1": dimension.get("name"), "weight": weight, "score": score,
                         "score_rate": score / weight if weight and weight > 0 else math.nan})
    return pd.DataFrame(rows, columns=["unit_id", "department", "level1", "weight", "score",
                                       "score_rate"])


def load_findings(results_dir, department: str | None = None) -> pd.DataFrame:
    """Long table: one row per audit finding (unit_id, department, code, severity, message …)."""
    rows = []
    for _path, data in _results(results_dir, department):
        for finding in data.get("findings") or []:
            location = finding.get("location") or {}
            rows.append({"unit_id": str(data["unit_id"]), "department": data.get("department"),
                         "code": finding.get("code"), "severity": finding.get("severity"),
                         "indicator": location.get("indicator"), "sheet": location.get("sheet"),
                         "row": location.get("row"), "column": location.get("column"),
                         "message": finding.get("message")})
    return pd.DataFrame(rows, columns=["unit_id", "department", "code", "severity", "indicator",
                                       "sheet", "row", "column", "message"])


# --- tables for the notebook ----------------------------------------------------------

def ranking_table(results: pd.DataFrame) -> pd.DataFrame:
    """The ranking, with Chinese headers: 名次, 单位编号, 主管部门, 项目名称, 总分, 等级 …"""
    frame = results.sort_values(["total", "unit_id"], ascending=[False, True],
                                na_position="last").reset_index(drop=True)
    table = pd.DataFrame({
        "名次": frame["total"].rank(method="min", ascending=False).astype("Int64"),
        "单位编号": frame["unit_id"], "主管部门": frame["department"],
        "项目名称": frame["project"], "总分": frame["total"].round(2),
        "等级": grade_or_weighting(frame),
        "预算执行率": frame["execution_rate"].map(percent_text),
        "错误": frame["findings_error"], "警告": frame["findings_warning"],
    })
    # The rank is the row label (no second 1..n column); its name sits in the header's corner
    # (columns.name) rather than on a header row of its own.
    return table.set_index("名次").rename_axis(index=None, columns="名次")


def grade_or_weighting(frame: pd.DataFrame) -> pd.Series:
    """The grade, or 未加权 for a unit whose form prints no weights (it has no grade)."""
    if "weighting" not in frame:
        return frame["grade"]
    return frame["grade"].where(frame["weighting"] != UNWEIGHTED, WEIGHTING_LABELS[UNWEIGHTED])


def unweighted_note(results: pd.DataFrame) -> str | None:
    """A sentence naming the units whose forms print no weights (None when there are none):
    they have no total or grade, so no rank and no place in the grade distribution."""
    if results.empty or "weighting" not in results:
        return None
    ids = list(results.loc[results["weighting"] == UNWEIGHTED, "unit_id"].astype(str))
    if not ids:
        return None
    shown = "、".join(ids[:10]) + ("等" if len(ids) > 10 else "")
    return (f"其中 {len(ids)} 个单位（{shown}）的自评表未印分值（权重），作未加权评价：只评定各项指标的"
            "完成情况（达成、部分达成、未达成）和预算执行率，不计算总分和等级，不参加排名和等级分布。")


def grade_distribution(results: pd.DataFrame) -> pd.Series:
    """Number of units per grade (优, 良, 中, 差 — all four, zeros included)."""
    counts = results["grade"].value_counts()
    return pd.Series([int(counts.get(grade, 0)) for grade in GRADES], index=list(GRADES),
                     name="单位数")


def score_rate_matrix(dimensions: pd.DataFrame) -> pd.DataFrame:
    """Units × 一级指标 score rate (score / weight, 0–1)."""
    if dimensions.empty:
        return pd.DataFrame()
    matrix = dimensions.pivot_table(index="unit_id", columns="level1", values="score_rate",
                                    aggfunc="mean")
    order = sorted(matrix.columns, key=lambda name: (_level1_rank(name), name))
    return matrix[order]


def score_rate_table(dimensions: pd.DataFrame) -> pd.DataFrame:
    """:func:`score_rate_matrix` for reading: percentages as in the unit reports, "—" where a unit
    has no such 一级指标, rows 单位编号 and columns 一级指标."""
    matrix = score_rate_matrix(dimensions)
    if matrix.empty:
        return matrix
    shown = matrix.map(percent_text)
    return shown.rename_axis(index="单位编号", columns="一级指标")


def percent_text(value) -> str:
    """A rate as the unit reports write it: rounded to 4 decimals, shown with 2 (97.50%, 68.00%);
    "—" when missing."""
    if value is None or pd.isna(value):
        return "—"
    return f"{round(float(value), 4) * 100:.2f}%"


def _amount(value) -> str:
    """万元 amount as a report shows it: 2,229.00; "—" when missing."""
    return "—" if value is None or pd.isna(value) else f"{value:,.2f}"


def budget_table(results: pd.DataFrame) -> pd.DataFrame:
    """Budget execution per unit, with Chinese headers (万元 with two decimals, "—" where the
    unit gave no figure; rate as text with %)."""
    table = pd.DataFrame({
        "单位编号": results["unit_id"],
        "年初预算数（万元）": results["budget_initial"].map(_amount),
        "全年预算数（万元）": results["budget_adjusted"].map(_amount),
        "全年执行数（万元）": results["budget_executed"].map(_amount),
        "预算执行率": results["execution_rate"].map(percent_text),
        "得分": results["budget_score"],
    }).sort_values("单位编号").reset_index(drop=True)
    return _numbered(table)


def _grade_word(value) -> str | None:
    """A reported grade or conclusion as one of 优/良/中/差 (良好 -> 良, 优秀 -> 优)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text[0] if text[:1] in GRADES else (text or None)


def review_comparison(results: pd.DataFrame) -> pd.DataFrame:
    """Per unit: 自评 (reported) vs 计算 vs 复核 total and grade, adjusted indicators, adopted
    and rejected findings, and whether the grade changed (复核 vs 自评, or vs 计算); units whose
    grade changed first, then by department and unit id.  Plain values (for summary.xlsx)."""
    if results.empty:
        return pd.DataFrame(columns=["department", "unit_id", "project", "reviewed",
                                     "reported_total", "reported_grade", "total", "grade",
                                     "reviewed_total", "reviewed_grade", "adjusted_indicators",
                                     "adopted_findings", "rejected_findings", "grade_changed",
                                     "deviation", "deviation_gap", "self_evaluation_quality"])
    frame = results.copy()
    for column in ("deviation", "deviation_gap", "self_evaluation_quality", "review_rules"):
        if column not in frame.columns:   # results loaded by an older perfnb
            frame[column] = None
    if "weighting" not in frame.columns:
        frame["weighting"] = WEIGHTED
    for column in ("deviation_changed", "deviation_compared"):
        if column not in frame.columns:
            frame[column] = math.nan
    reported_grade = frame["reported_grade"].map(_grade_word)
    # only between grades that exist: an unweighted unit has none, and None != None is no change
    review_grade = frame["reviewed_grade"].notna()
    frame["grade_changed"] = (review_grade & frame["grade"].notna()
                              & (frame["reviewed_grade"] != frame["grade"])) | (
        review_grade & reported_grade.notna() & (frame["reviewed_grade"] != reported_grade))
    frame = frame.sort_values(["grade_changed", "department", "unit_id"],
                              ascending=[False, True, True]).reset_index(drop=True)
    return frame[["department", "unit_id", "project", "reviewed", "reported_total",
                  "reported_grade", "total", "grade", "reviewed_total", "reviewed_grade",
                  "adjusted_indicators", "adopted_findings", "rejected_findings",
                  "grade_changed", "deviation", "deviation_gap", "self_evaluation_quality",
                  "review_rules", "weighting", "deviation_changed", "deviation_compared"]]


def review_table(results: pd.DataFrame, split: bool = False) -> pd.DataFrame:
    """:func:`review_comparison` for reading, with Chinese headers: 自评 / 计算 / 复核 side by
    side as "总分（等级）" (``split``: total and grade in columns of their own, for summary.xlsx)."""
    frame = review_comparison(results)
    if split:
        table = pd.DataFrame({
            "主管部门": frame["department"], "单位编号": frame["unit_id"],
            "自评总分": frame["reported_total"].round(2),
            "自评等级": frame["reported_grade"].fillna("—"),
            "计算总分": frame["total"].round(2), "计算等级": frame["grade"],
            "复核总分": frame["reviewed_total"].round(2), "复核等级": frame["reviewed_grade"],
            "调整指标数": frame["adjusted_indicators"].astype(int),
            "采纳审核发现": frame["adopted_findings"].astype(int),
            "已复核": frame["reviewed"].map({True: "是", False: "否"}),
            "等级变化": frame["grade_changed"].map({True: "是", False: ""}),
            "偏离度": [percent_text(v) if r else "" for v, r in zip(frame["deviation"], frame["reviewed"])],
            "偏离分值": pd.to_numeric(frame["deviation_gap"], errors="coerce").round(2),
            "自评质量": frame["self_evaluation_quality"].fillna(""),
        })
        return _numbered(table)

    def figure(total, grade) -> str:
        if total is None or pd.isna(total):
            return "—" if grade is None or pd.isna(grade) else str(grade)
        return f"{total:.2f}" + ("" if grade is None or pd.isna(grade) else f"（{grade}）")

    table = pd.DataFrame({
        "主管部门": frame["department"], "单位编号": frame["unit_id"],
        "自评": [figure(t, g) for t, g in zip(frame["reported_total"], frame["reported_grade"])],
        "计算": [figure(t, g) for t, g in zip(frame["total"], frame["grade"])],
        "复核": [figure(t, g) if r else "未复核" for t, g, r in
                 zip(frame["reviewed_total"], frame["reviewed_grade"], frame["reviewed"])],
        "调整指标": frame["adjusted_indicators"].astype(int),
        "采纳发现": frame["adopted_findings"].astype(int),
        "等级变化": frame["grade_changed"].map({True: "是", False: ""}),
        "偏离度": [_deviation_text(v, r, w) for v, r, w in
                   zip(frame["deviation"], frame["reviewed"], frame["weighting"])],
        "自评质量": frame["self_evaluation_quality"].fillna(""),
    })
    return _numbered(table)


def _deviation_text(value, reviewed: bool, weighting) -> str:
    """偏离度 as a report shows it; an unweighted unit's is by achievement (the share of its
    indicators whose 达成/部分达成/未达成 the review changed), and says so."""
    if not reviewed:
        return ""
    shown = percent_text(value)
    return f"{shown}（按达成）" if weighting == UNWEIGHTED and shown else shown


def department_deviation(frame: pd.DataFrame) -> pd.DataFrame:
    """Per department, over its reviewed units: 偏离度 = Σ|自评 − 复核| ÷ Σ自评 and the 自评质量
    grade of that figure (bands of the units' review profile, else ``default``).  A department
    whose reviewed units are all unweighted (no totals) gets the achievement figure instead:
    Σ indicators whose achievement the review changed ÷ Σ indicators compared."""
    from perfnb.errors import PerfnbError
    from perfnb.evaluation.review_rules import get_review_rules

    reviewed = frame[frame["reviewed"].astype(bool)].copy()
    reviewed["gap_abs"] = (pd.to_numeric(reviewed["reported_total"], errors="coerce")
                           - pd.to_numeric(reviewed["reviewed_total"], errors="coerce")).abs()
    reviewed["self"] = pd.to_numeric(reviewed["reported_total"], errors="coerce").where(
        reviewed["gap_abs"].notna())
    groups = reviewed.groupby("department", sort=True)
    table = pd.DataFrame({"gap": groups["gap_abs"].sum(min_count=1), "self": groups["self"].sum(min_count=1)})
    table["deviation"] = (table["gap"] / table["self"].where(table["self"] > 0)).round(4)
    if "deviation_changed" in reviewed.columns:
        changed = pd.to_numeric(reviewed["deviation_changed"], errors="coerce")
        compared = pd.to_numeric(reviewed["deviation_compared"], errors="coerce")
        counts = pd.DataFrame({"changed": changed, "compared": compared,
                               "department": reviewed["department"]}).groupby("department", sort=True)
        by_achievement = (counts["changed"].sum(min_count=1)
                          / counts["compared"].sum(min_count=1).where(lambda v: v > 0)).round(4)
        by_achievement = by_achievement.reindex(table.index)
        table["by_achievement"] = table["deviation"].isna() & by_achievement.notna()
        table["deviation"] = table["deviation"].fillna(by_achievement)
    else:
        table["by_achievement"] = False
    names = groups["review_rules"].agg(lambda v: next((x for x in v if isinstance(x, str) and x), None))

    def quality(department, value):
        try:
            profile = get_review_rules(names.get(department))
        except PerfnbError:   # a user's profile file not at hand: the default bands
            profile = get_review_rules()
        return profile.quality_of(float(value)) if value == value else None

    table["quality"] = [quality(d, v) for d, v in zip(table.index, table["deviation"])]
    return table[["deviation", "quality", "by_achievement"]]


def department_review_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per department: units, reviewed units, average 自评 / 计算 / 复核 total, units whose grade
    changed, adjusted indicators and adopted findings (Chinese headers)."""
    frame = review_comparison(results)
    if frame.empty:
        return pd.DataFrame(columns=["主管部门", "单位数", "已复核单位数", "自评平均分", "计算平均分",
                                     "复核平均分", "等级变化单位数", "调整指标数", "采纳审核发现",
                                     "偏离度", "自评质量"])
    groups = frame.groupby("department", sort=True)
    table = pd.DataFrame({
        "单位数": groups.size(),
        "已复核单位数": groups["reviewed"].sum().astype(int),
        "自评平均分": groups["reported_total"].mean().round(2),
        "计算平均分": groups["total"].mean().round(2),
        "复核平均分": groups["reviewed_total"].mean().round(2),
        "等级变化单位数": groups["grade_changed"].sum().astype(int),
        "调整指标数": groups["adjusted_indicators"].sum().astype(int),
        "采纳审核发现": groups["adopted_findings"].sum().astype(int),
    })
    deviation = department_deviation(frame).reindex(table.index)
    table["偏离度"] = [(percent_text(v) + ("（按达成）" if a == a and bool(a) else "")) if v == v and v is not None
                    else "" for v, a in zip(deviation["deviation"], deviation["by_achievement"])]
    table["自评质量"] = deviation["quality"].astype(object).fillna("")
    table = table.rename_axis("主管部门").reset_index()
    table = table.sort_values(["等级变化单位数", "主管部门"], ascending=[False, True])
    return _numbered(table.reset_index(drop=True))


def _numbered(table: pd.DataFrame) -> pd.DataFrame:
    """Rows labelled 1..n under a 序号 header corner (not pandas' 0..n-1)."""
    table = table.copy()
    table.index = pd.RangeIndex(1, len(table) + 1)
    return table.rename_axis(index=None, columns="序号")


def findings_by_severity(findings: pd.DataFrame) -> pd.DataFrame:
    """Units × severity (错误/警告/提示): number of findings."""
    return pd.crosstab(findings["unit_id"], findings["severity"].map(SEVERITY_LABELS)) \
        .rename_axis(index="单位编号", columns="严重程度")


def findings_detail(findings: pd.DataFrame) -> pd.DataFrame:
    """Every finding, with Chinese headers."""
    detail = findings.assign(severity=findings["severity"].map(SEVERITY_LABELS))[
        ["unit_id", "code", "severity", "indicator", "message"]]
    detail.columns = ["单位编号", "问题代码", "严重程度", "指标", "说明"]
    return _numbered(detail.reset_index(drop=True))


# The whole-batch summary lists at most this many findings; summary.xlsx has them all.
MAX_DETAIL_ROWS = 300
# findings_by_code names at most this many units per code.
MAX_UNITS_NAMED = 12


def use_report_display() -> None:
    """pandas display options for a report: every row and column, no cell text cut short;
    and, in IPython, DataFrames displayed with a Typst table for the PDF report.

    pandas' defaults show 60 rows (the middle replaced by "…") and 50 characters of a cell,
    which silently drops rankings and audit messages from a printed summary.
    """
    pd.set_option("display.max_rows", None)
    pd.set_option("display.max_columns", None)
    pd.set_option("display.max_colwidth", None)
    # Every displayed DataFrame also gets a Typst table (text/x-typst) for the PDF.
    from perfnb.reporting.typst_markup import register_formatter

    register_formatter()


def show_findings_detail(findings: pd.DataFrame, limit: int = MAX_DETAIL_ROWS) -> None:
    """Display :func:`findings_detail`, errors first; beyond ``limit`` rows, the first ones
    and a note that ``summary.xlsx`` (sheet 审核发现) lists them all."""
    from IPython.display import Markdown, display

    rank = findings["severity"].map({severity: i for i, severity in enumerate(SEVERITIES)})
    detail = findings_detail(findings.iloc[rank.argsort(kind="stable")])
    if len(detail) > limit:
        display(Markdown(f"共 {len(detail)} 条审核发现，此处列出前 {limit} 条（错误在前）；"
                         "全部明细见批量输出目录下 summary.xlsx 的“审核发现”工作表。"))
        detail = detail.head(limit)
    display(detail)


def _code_titles() -> dict[str, str]:
    """The Chinese title of each registered check (built in or a plug-in's)."""
    from perfnb.evaluation.checks.catalog import BUILTIN, all_checks

    try:
        checks = all_checks()
    except PerfnbError:   # a broken plug-in must not stop a summary
        checks = BUILTIN
    return {check.code: check.title for check in checks}


def _code_title(code: str, titles: dict[str, str] | None = None) -> str:
    """The Chinese title of an audit code (the code itself for one perfnb does not know)."""
    return (titles if titles is not None else _code_titles()).get(code, code)


def findings_by_code(findings: pd.DataFrame) -> pd.DataFrame:
    """One row per finding code, most frequent first: 问题代码, 问题 (its Chinese title), 条数,
    涉及单位数, 涉及单位.  Unlike :func:`findings_matrix` it stays narrow however many units
    a batch has, so it fits an A4 page."""
    columns = ["问题代码", "问题", "条数", "涉及单位数", "涉及单位"]
    if findings.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    titles = _code_titles()
    for code, group in findings.groupby("code", sort=False):
        units = sorted(set(group["unit_id"].astype(str)))
        named = "、".join(units[:MAX_UNITS_NAMED])
        if len(units) > MAX_UNITS_NAMED:
            named += f" 等 {len(units)} 个单位"
        rows.append((code, _code_title(code, titles), len(group), len(units), named))
    table = pd.DataFrame(rows, columns=columns).sort_values(
        ["条数", "问题代码"], ascending=[False, True]).reset_index(drop=True)
    return _numbered(table)


def findings_matrix(findings: pd.DataFrame) -> pd.DataFrame:
    """Audit findings counted by code (rows) and unit (columns), with a 合计 column."""
    if findings.empty:
        return pd.DataFrame()
    matrix = pd.crosstab(findings["code"], findings["unit_id"])
    matrix["合计"] = matrix.sum(axis=1)
    return matrix.sort_values("合计", ascending=False)


# --- figures --------------------------------------------------------------------------

def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    try:
        from perfnb.reporting.fonts import use_cjk_font
        use_cjk_font()
    except Exception:  # a missing font must not stop the summary; labels may show boxes
        pass
    return Figure(figsize=(width, height), dpi=150, layout="constrained")


PAGE_WIDTH_INCHES = 16 / 2.54
GRADE_COLORS = {"优": "#2E7D32", "良": "#5B8DC2", "中": "#F2A900", "差": "#C62828"}


def plot_grade_distribution(results: pd.DataFrame):
    counts = grade_distribution(results)
    figure = _figure(PAGE_WIDTH_INCHES, 2.4)
    ax = figure.add_subplot()
    bars = ax.bar(counts.index, counts.values, color=[GRADE_COLORS[g] for g in counts.index])
    ax.bar_label(bars, fontsize=9)
    ax.set_ylabel("单位数", fontsize=9)
    set_title(ax, "自评等级分布", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(0, max(1, counts.max()) * 1.2)
    return figure


# Charts with a row per unit show at most this many (the ones needing attention most), so
# that each fits on an A4 page; the tables beside them list every unit.
MAX_CHART_UNITS = 25


def _chart_title(title: str, shown: int, total: int, which: str) -> str:
    return title if shown == total else f"{title}（{which}的 {shown} 个单位，共 {total} 个）"


def plot_score_rate_heatmap(dimensions: pd.DataFrame, limit: int = MAX_CHART_UNITS):
    """Score rate per unit and 一级指标; beyond ``limit`` units, those with the lowest mean
    score rate."""
    matrix = score_rate_matrix(dimensions)
    total = len(matrix)
    if total > limit:
        matrix = matrix.loc[matrix.mean(axis=1).sort_values(kind="stable").index[:limit]]
    height = 1.2 + 0.3 * max(1, len(matrix))
    figure = _figure(PAGE_WIDTH_INCHES, height)
    ax = figure.add_subplot()
    if matrix.empty:
        ax.axis("off")
        ax.text(0.5, 0.5, "没有可显示的得分率", ha="center", va="center")
        return figure
    image = ax.imshow(matrix.to_numpy(dtype=float), cmap="RdYlGn", vmin=0.5, vmax=1.0,
                      aspect="auto")
    ax.set_xticks(range(len(matrix.columns)), list(matrix.columns), fontsize=9)
    ax.set_yticks(range(len(matrix.index)), list(matrix.index), fontsize=8)
    for row, unit in enumerate(matrix.index):
        for column, level1 in enumerate(matrix.columns):
            value = matrix.loc[unit, level1]
            if not pd.isna(value):
                ax.text(column, row, f"{value * 100:.0f}%", ha="center", va="center", fontsize=7)
    figure.colorbar(image, ax=ax, label="得分率", shrink=0.8)
    set_title(ax, _chart_title("各单位一级指标得分率", len(matrix), total, "平均得分率最低"),
                 fontsize=10)
    return figure


def plot_budget_execution(results: pd.DataFrame, threshold: float = 0.9,
                          limit: int = MAX_CHART_UNITS):
    """Budget execution rate per unit, lowest at the bottom; beyond ``limit`` units, the
    lowest ones (units without a rate first)."""
    frame = results.sort_values("execution_rate", na_position="first", kind="stable")
    total = len(frame)
    frame = frame.head(limit)
    height = 1.0 + 0.3 * max(1, len(frame))
    figure = _figure(PAGE_WIDTH_INCHES, height)
    ax = figure.add_subplot()
    rates = (frame["execution_rate"].fillna(0) * 100).to_numpy()
    colors = ["#C62828" if rate < threshold * 100 else "#1F5A96" for rate in rates]
    bars = ax.barh(list(frame["unit_id"]), rates, color=colors)
    ax.bar_label(bars, labels=[f"{rate:.2f}%" for rate in rates], fontsize=7, padding=2)
    ax.axvline(threshold * 100, color="#8A96A3", linestyle="--", linewidth=1)
    ax.set_xlabel("预算执行率（%）", fontsize=9)
    set_title(ax, _chart_title("各单位预算执行率", len(frame), total, "执行率最低"), fontsize=10)
    ax.set_xlim(0, max(110, rates.max() * 1.15 if len(rates) else 110))
    ax.tick_params(labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return figure


def show_figure(figure) -> None:
    """Display a Figure in a notebook as a PNG, with its SVG for the PDF (no pyplot state,
    nothing shown twice)."""
    from IPython.display import display

    from perfnb.reporting.figures import figure_bundle
    from perfnb.reporting.charts import literal_text

    literal_text(figure)  # a "$" in a unit id or name prints as itself
    titles = [ax.get_title() for ax in figure.get_axes() if ax.get_title()]
    display(figure_bundle(figure, titles[0] if titles else "图表"), raw=True)


def summary_title(results: pd.DataFrame, department: str | None) -> str:
    """“某部门 项目支出绩效自评汇总” or “全部单位 …” for the notebook's heading."""
    if department and len(results):
        names = sorted(set(results["department"]))
        scope = "、".join(names) if names else department
    else:
        scope = department or "全部单位"
    return f"{scope}项目支出绩效自评汇总（共 {len(results)} 个单位）"


def write_summary_workbook(results_dir: str | os.PathLike,
                           path: str | os.PathLike | None = None) -> Path:
    """``DIR/summary.xlsx``: one row per unit, Chinese headers, widths, frozen header."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from perfnb.reporting.office.xlsx_style import append_row

    results_dir = Path(results_dir)
    results = load_results(results_dir)
    level1_names = [c.split(":", 1)[1] for c in results.columns if c.startswith("score:")]
    headers = (["主管部门", "单位编号", "项目名称", "总分", "等级"]
               + [f"{name}得分" for name in level1_names]
               + ["预算执行率"] + [f"审核发现（{SEVERITY_LABELS[s]}）" for s in SEVERITIES]
               + ["复核总分", "复核等级"])
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "汇总"
    append_row(sheet, headers)
    ordered = results.sort_values(["department", "total", "unit_id"],
                                  ascending=[True, False, True]) if len(results) else results
    for _, row in ordered.iterrows():
        unweighted = row.get("weighting") == UNWEIGHTED
        values = [row["department"], row["unit_id"], row["project"], _cell(row["total"]),
                  WEIGHTING_LABELS[UNWEIGHTED] if unweighted else row["grade"]]
        values += [_cell(row[f"score:{name}"]) for name in level1_names]
        values += [_cell(row["execution_rate"])]
        values += [int(row[f"findings_{s}"]) for s in SEVERITIES]
        values += [_cell(row["reviewed_total"]), row["reviewed_grade"]]
        append_row(sheet, values)  # text cleaned, "=…" never a live formula
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E3E7EC")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    rate_column = headers.index("预算执行率") + 1
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.column == rate_column:
                cell.number_format = "0.00%"
            elif isinstance(cell.value, float):
                cell.number_format = "0.00"
    for index, header in enumerate(headers, start=1):
        values = [header] + [sheet.cell(row=r, column=index).value for r in range(2, sheet.max_row + 1)]
        width = max(_text_width(v) for v in values) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 50)
    sheet.freeze_panes = "A2"
    _findings_sheet(workbook, results_dir)
    _review_sheets(workbook, results)
    _risk_sheets(workbook, results_dir)
    buffer = BytesIO()
    workbook.save(buffer)
    target = Path(path) if path else results_dir / "summary.xlsx"
    atomic_write_bytes(target, buffer.getvalue())
    return target


def _findings_sheet(workbook, results_dir: Path) -> None:
    """Sheet 审核发现: every finding of the batch, in full (the PDF summary may list fewer)."""
    from perfnb.reporting.office import write_table_sheet

    findings = load_findings(results_dir)
    columns = ["主管部门", "单位编号", "问题代码", "问题", "严重程度", "工作表", "行", "列", "指标", "说明"]
    table = pd.DataFrame({
        "主管部门": findings["department"], "单位编号": findings["unit_id"],
        "问题代码": findings["code"],
        "问题": findings["code"].map(lambda code, titles=_code_titles(): titles.get(code, code)),
        "严重程度": findings["severity"].map(SEVERITY_LABELS), "工作表": findings["sheet"],
        "行": pd.to_numeric(findings["row"], errors="coerce").astype("Int64"),
        "列": findings["column"], "指标": findings["indicator"], "说明": findings["message"],
    }, columns=columns)
    write_table_sheet(workbook.create_sheet("审核发现"), table)


def red_flags(results_dir: str | os.PathLike, department: str | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(units with risk, findings across units and years) of a batch.

    For the whole batch: the tables the batch wrote once all units were done
    (results.parquet, red_flags.parquet), else computed now from the result.json files (the
    checks across units only).  For one ``department``: always computed from that
    department's own result.json files, comparing its units with each other.  A department's
    summary runs as soon as its own units are done, while other departments' units may still
    be running, so anything wider would depend on timing; the same summary re-run later gives
    the same tables.  Copies across departments are in the batch's summary.
    """
    from perfnb.evaluation.redflags import (FLAGS_FILE, UNITS_FILE, across_findings,
                                            findings_of_results, frames_from_results,
                                            with_risk, year_findings_of_results)

    results_dir = Path(results_dir)
    if department is None and (results_dir / UNITS_FILE).is_file() \
            and (results_dir / FLAGS_FILE).is_file():
        return pd.read_parquet(results_dir / UNITS_FILE), pd.read_parquet(results_dir / FLAGS_FILE)
    documents = [data for _, data in _results(results_dir, department)]
    units, indicators = frames_from_results(documents)
    found = across_findings(units, indicators)
    if len(found):
        units = with_risk(units, findings_of_results(documents), found)
    years = year_findings_of_results(documents)   # already in the units' own risk
    if len(years):
        found = pd.concat([found.astype(object), years], ignore_index=True)
    return units, found


def year_comparison(results_dir: str | os.PathLike, department: str | None = None) -> pd.DataFrame:
    """与上年比较 of a batch run with --previous (empty without): Chinese headers."""
    from perfnb.evaluation.redflags import COMPARISON_FILE

    path = Path(results_dir) / COMPARISON_FILE
    if not path.is_file():
        return pd.DataFrame()
    frame = pd.read_parquet(path)
    if department is not None:
        keep = set(load_results(results_dir, department)["unit_id"].astype(str))
        frame = frame[frame["unit_id"].astype(str).isin(keep)]
    return pd.DataFrame({
        "单位编号": frame["unit_id"], "上年单位编号": frame["previous_unit_id"],
        "上年度": frame["previous_year"], "上年总分": frame["previous_total"], "今年总分": frame["total"],
        "总分变化": (frame["total"] - frame["previous_total"]).round(2),
        "上年执行率": frame["previous_budget_rate"].map(percent_text),
        "今年执行率": frame["budget_rate"].map(percent_text),
        "上年等级": frame["previous_grade"], "今年等级": frame["grade"],
        "对应指标数": frame["indicators"], "指标值变动数": frame["targets_changed"]}).reset_index(drop=True)


def red_flag_detail(found: pd.DataFrame) -> pd.DataFrame:
    """Findings across units and years, Chinese headers."""
    titles = _code_titles()   # once: each call scans the installed packages' entry points
    return pd.DataFrame({"单位编号": found["unit_id"], "代码": found["code"],
                         "问题": found["code"].map(lambda c: _code_title(c, titles)),
                         "严重程度": found["severity"].map(SEVERITY_LABELS),
                         "指标": found["indicator"], "说明": found["message"]})


def _risk_sheets(workbook, results_dir: Path) -> None:
    from perfnb.evaluation.redflags import department_risk_table, risk_ranking
    from perfnb.reporting.office import write_table_sheet

    units, found = red_flags(results_dir)
    plain = lambda frame: frame.astype(object).where(lambda f: f.notna(), None)  # noqa: E731
    write_table_sheet(workbook.create_sheet("风险排序"), plain(risk_ranking(units)),
                      title="各单位风险分（由高到低）")
    write_table_sheet(workbook.create_sheet("部门风险"), plain(department_risk_table(units)),
                      title="各主管部门风险汇总")
    write_table_sheet(workbook.create_sheet("跨单位与跨年发现"), plain(red_flag_detail(found)))
    compared = year_comparison(results_dir)
    if len(compared):
        write_table_sheet(workbook.create_sheet("与上年比较"), plain(compared), title="与上年比较")


def _review_sheets(workbook, results: pd.DataFrame) -> None:
    """Sheets 自评与复核 (per unit, grade changes first) and 部门复核汇总 (per department)."""
    from perfnb.reporting.office import write_table_sheet

    units = review_table(results, split=True).reset_index(drop=True)
    write_table_sheet(workbook.create_sheet("自评与复核"), units,
                      title="自评与复核对比（等级有变化的单位在前）")
    departments = department_review_table(results).reset_index(drop=True)
    write_table_sheet(workbook.create_sheet("部门复核汇总"), departments, title="各主管部门自评与复核")


def _cell(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _text_width(value) -> int:
    if value is None:
        return 0
    return display_width(f"{value:.2f}" if isinstance(value, float) else str(value))
