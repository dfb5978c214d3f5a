"""Score and audit 100,000 units × 15 indicators (1.5 M indicator rows) in memory.

    .venv/bin/python benchmarks/score_benchmark.py [--units 100000]

Prints the time to build the tables (not counted), the wall and CPU time to score and to audit,
the peak memory of the process (resource.getrusage: the maximum resident set size), the load
average (other processes slow the wall time down, the CPU time much less) and whether the
target is met: scoring + audit < 5 s wall and < 2 GB on a 2-core machine.  Exits 0 either way.

The data are random but realistic: a seed-like indicator mix (forward, equal, reverse cost
ceilings, grades, a satisfaction percentage), about 10 % of actuals short of target, some
over-achievement, some reported scores that disagree, some blank reasons and budgets below
90 %, so every part of the audit has work to do.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np
import pandas as pd

from perfnb.evaluation.audit import audit
from perfnb.model import KIND_QUALITATIVE, KIND_QUANTITATIVE, UnitTables
from perfnb.evaluation.rules import get_rules
from perfnb.evaluation.scoring import score_tables, shared_factorization

# One unit's indicator template: (level1, level2, name, operator, kind, target, weight)
TEMPLATE = [
    ("产出指标", "数量指标", "后勤保障日常工作时间", "=", KIND_QUANTITATIVE, 12, 5),
    ("产出指标", "数量指标", "刊物编印期数", "=", KIND_QUANTITATIVE, 12, 5),
    ("产出指标", "数量指标", "办公设备采购批次", ">=", KIND_QUANTITATIVE, 4, 5),
    ("产出指标", "数量指标", "新闻奖评选次数", ">=", KIND_QUANTITATIVE, 1, 5),
    ("产出指标", "数量指标", "聘请劳务人员数量", ">=", KIND_QUANTITATIVE, 34, 5),
    ("产出指标", "数量指标", "维修改造工程个数", ">=", KIND_QUANTITATIVE, 3, 5),
    ("产出指标", "数量指标", "培训人次", ">=", KIND_QUANTITATIVE, 200, 5),
    ("产出指标", "数量指标", "设备故障率", "<=", KIND_QUANTITATIVE, 5, 5),
    ("产出指标", "质量指标", "工作完成质量", None, KIND_QUALITATIVE, None, 3),
    ("产出指标", "时效指标", "工作完成时限", ">=", KIND_QUANTITATIVE, 12, 3),
    ("产出指标", "成本指标", "经费总额", "<=", KIND_QUANTITATIVE, 2255, 4),
    ("效益指标", "社会效益指标", "宣传人民代表大会制度", None, KIND_QUALITATIVE, None, 10),
    ("效益指标", "社会效益指标", "提供基本履职保障", None, KIND_QUALITATIVE, None, 10),
    ("效益指标", "可持续影响指标", "制度完善程度", None, KIND_QUALITATIVE, None, 10),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", ">=", KIND_QUANTITATIVE, 95, 10),
]
SYMBOL = {">=": "≥", "=": "", "<=": "≤"}
TARGET_WALL_SECONDS = 5.0     # issue 2: score + audit of 1.5 M rows
TARGET_PEAK_MB = 2048


def build_tables(n_units: int, seed: int = 7) -> UnitTables:
    rng = np.random.default_rng(seed)
    k = len(TEMPLATE)
    n = n_units * k
    unit_ids = np.array([f"u{i:06d}" for i in range(n_units)], dtype=object)
    columns = list(zip(*TEMPLATE))
    level1, level2, name, operator, kind = (np.tile(np.array(c, dtype=object), n_units)
                                            for c in columns[:5])
    target = np.tile(np.array([np.nan if t is None else t for t in columns[5]], dtype=float), n_units)
    weight = np.tile(np.array(columns[6], dtype=float), n_units)
    quantitative = kind == KIND_QUANTITATIVE

    # actuals: mostly on target, ~10 % short, ~5 % far above, reverse ones sometimes over
    factor = rng.choice([1.0, 1.0, 1.0, 1.1, 0.75, 1.6], size=n, p=[.6, .1, .1, .05, .1, .05])
    actual = np.where(quantitative, np.round(target * factor, 2), np.nan)
    grades = np.array(["优", "良", "中", "差"], dtype=object)
    actual_grade = np.where(quantitative, None, grades[rng.choice(4, size=n, p=[.8, .12, .05, .03])])
    target_grade = np.where(quantitative, None, "优")
    target_text = np.where(quantitative,
                           pd.Series(operator).map(SYMBOL).fillna("").astype(object)
                           + pd.Series(target).map("{:g}".format).astype(object), "优")
    actual_text = np.where(quantitative, pd.Series(actual).map("{:g}".format).astype(object),
                           actual_grade)
    # reported scores: right most of the time (a rough copy of the rule), sometimes off
    with np.errstate(divide="ignore", invalid="ignore"):
        rough = np.where(quantitative, np.minimum(np.nan_to_num(actual / target, nan=1), 1) * weight,
                         weight)
    reported = np.round(np.where(rng.random(n) < 0.05, rough - 0.5, rough), 2)
    reported[rng.random(n) < 0.01] = np.nan
    reason = np.where(rng.random(n) < 0.5, "", "因采购延期，部分任务顺延至下一年度。")

    indicators = pd.DataFrame({
        "unit_id": np.repeat(unit_ids, k), "seq": np.tile(np.arange(k), n_units),
        "level1": level1, "level2": level2, "name": name,
        "declared_kind": np.where(quantitative, "定量", "定性"),
        "declared_direction": np.where(np.isin(operator, ["<="]), "反向", "正向"),
        "operator": operator, "kind": kind, "target_text": target_text, "target": target,
        "target_grade": target_grade, "actual_text": actual_text, "actual": actual,
        "actual_grade": actual_grade, "measure_unit": "", "weight": weight,
        "reported_score": reported, "deviation_reason": reason, "sheet": "绩效指标",
        "row": pd.array(np.tile(np.arange(k) + 2, n_units), dtype="Int64"),
    })
    initial = np.full(n_units, 2229.0)
    executed = np.round(initial * rng.uniform(0.8, 1.0, n_units), 2)
    budgets = pd.DataFrame({
        "unit_id": unit_ids, "initial": initial, "adjusted": np.nan, "executed": executed,
        "weight": 10.0, "reported_rate": np.round(executed / initial, 4),
        "reported_score": np.round(np.minimum(executed / initial, 1) * 10, 2),
        "reason": np.where(rng.random(n_units) < 0.5, "", "项目延期"), "sheet": "预算执行",
        "row": pd.array(np.full(n_units, 3), dtype="Int64"),
    })
    units = pd.DataFrame({
        "unit_id": unit_ids, "department": "测试部门", "implementing_unit": "测试单位",
        "project": "测试项目", "year": pd.array(np.full(n_units, 2022), dtype="Int64"),
        "goal_planned": "", "goal_actual": "", "reported_total": np.nan,
        "reported_total_sheet": "绩效指标", "reported_total_row": pd.array([pd.NA] * n_units, dtype="Int64"),
        "reported_grade": np.where(rng.random(n_units) < 0.9, "优", "良好"),
        "reported_grade_sheet": "项目信息", "reported_grade_row": pd.array([pd.NA] * n_units, dtype="Int64"),
        "problems": "", "measures": "", "plans": "", "notes": "", "source": "memory",
        "layout": "workbook",
    })
    # subtotals: the sum of the reported items, with an addition slip in 3 % of them
    per_unit = np.nan_to_num(reported, nan=0.0).reshape(n_units, k)
    subtotals = np.stack([per_unit[:, :11].sum(1), per_unit[:, 11:14].sum(1), per_unit[:, 14]], axis=1)
    subtotals = np.round(subtotals + np.where(rng.random(subtotals.shape) < 0.03, 1.0, 0.0), 2)
    reported_rows = pd.DataFrame({
        "unit_id": np.repeat(unit_ids, 3), "level": "level1",
        "level1": np.tile(np.array(["产出指标", "效益指标", "满意度指标"], dtype=object), n_units),
        "level2": None, "weight": np.tile([50.0, 30.0, 10.0], n_units),
        "score": subtotals.ravel(), "sheet": "绩效指标",
        "row": pd.array(np.tile([13, 17, 19], n_units), dtype="Int64"),
    })
    return UnitTables(units, budgets, indicators, reported_rows)


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100_000)
    args = parser.parse_args(argv)
    rules = get_rules("central")

    start = time.perf_counter()
    tables = build_tables(args.units)
    built = time.perf_counter()
    rss_before = peak_rss_mb()
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    with shared_factorization():      # as evaluate() does
        scored = score_tables(tables, rules)
        wall_scored, cpu_scored = time.perf_counter(), time.process_time()
        findings = audit(tables, scored, rules)
    wall_end, cpu_end = time.perf_counter(), time.process_time()
    wall, cpu, peak = wall_end - wall_start, cpu_end - cpu_start, peak_rss_mb()

    print(f"units: {args.units:,}  indicator rows: {len(tables.indicators):,}  "
          f"findings: {len(findings):,}")
    print(f"build tables: {built - start:.2f} s (not counted)")
    print(f"score:        {wall_scored - wall_start:.2f} s wall, {cpu_scored - cpu_start:.2f} s CPU")
    print(f"audit:        {wall_end - wall_scored:.2f} s wall, {cpu_end - cpu_scored:.2f} s CPU")
    print(f"score+audit:  {wall:.2f} s wall, {cpu:.2f} s CPU")
    print(f"peak RSS:     {peak:,.0f} MB (after building the tables: {rss_before:,.0f} MB)")
    if hasattr(os, "getloadavg"):   # wall time grows with what else runs on the machine
        print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    met = wall < TARGET_WALL_SECONDS and peak < TARGET_PEAK_MB
    print(f"target (< {TARGET_WALL_SECONDS:g} s wall, < {TARGET_PEAK_MB:,} MB): "
          f"{'met' if met else 'NOT met'}")
    # the evaluator's review (复核) on one unit in ten: one re-scored indicator and a decision
    # on that unit's first finding each; then evaluate() applies it to the whole table
    from dataclasses import replace
    from perfnb.evaluation.reviewing import apply_review
    reviewed_units = tables.units["unit_id"].iloc[::10].astype(str).to_numpy(object)
    first = tables.indicators.drop_duplicates("unit_id")
    first = first[first["unit_id"].astype(str).isin(set(reviewed_units))]
    firsts = findings.drop_duplicates("unit_id")
    firsts = firsts[firsts["unit_id"].astype(str).isin(set(reviewed_units))]
    review_tables = replace(
        tables,
        reviews=pd.DataFrame({"unit_id": reviewed_units, "evaluator": "评价人员", "date": "2026-12-01",
                              "opinion": "", "conclusion": "", "source": "benchmark"}),
        review_indicators=pd.DataFrame({
            "unit_id": first["unit_id"].to_numpy(object), "seq": first["seq"].to_numpy(),
            "name": first["name"].to_numpy(object),
            "score": (pd.to_numeric(first["weight"]) * 0.5).to_numpy(float), "level": None,
            "reason": "复核", "source": "benchmark", "line": pd.array([1] * len(first), "Int64")}),
        review_findings=pd.DataFrame({
            "unit_id": firsts["unit_id"].to_numpy(object), "code": firsts["code"].to_numpy(object),
            "indicator": firsts["indicator"].to_numpy(object), "column": None,
            "decision": "不采纳", "reason": "复核", "source": "benchmark",
            "line": pd.array([1] * len(firsts), "Int64")}))
    wall_start = time.perf_counter()
    with shared_factorization():
        apply_review(tables, scored, findings, rules)
    print(f"no review:    {time.perf_counter() - wall_start:.2f} s wall (evaluate()'s review step "
          "when no unit has one)")
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    with shared_factorization():
        apply_review(review_tables, scored, findings, rules)
    print(f"review:       {time.perf_counter() - wall_start:.2f} s wall, "
          f"{time.process_time() - cpu_start:.2f} s CPU ({len(reviewed_units):,} reviewed units, "
          f"{len(first):,} indicators, {len(firsts):,} decisions; peak RSS {peak_rss_mb():,.0f} MB)")
    print(findings["code"].value_counts().to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
