"""Time the checks across units and across years (issue 19; target: under 10 s for 10,000 units).

Builds synthetic flat tables as a batch or a screening writes them (results.parquet /
indicators.parquet): ``--units`` units (default 10,000) in 200 departments with 12–18
indicators each (about 150,000 indicator rows) drawn from a vocabulary of 400 indicator
names, so sets overlap the way real forms do (满意度 ≥90% everywhere); 2 % of the units are
near copies of another unit (one indicator changed), a few departments self-score 100
everywhere.  The same projects one and two years earlier are the previous years (targets
moved for most, kept for some).  Then times, in this process:

* ``across_findings`` over the units alone (ALL_FULL_MARKS, COPIED_INDICATORS: MinHash LSH);
* ``across_findings`` with the two earlier years (+ TARGET_BELOW_LAST_ACTUAL,
  TARGETS_UNCHANGED, SCORE_UP_EXECUTION_DOWN);
* writing and reading the Parquet tables;
* ``batch --previous``: indexing the two earlier years once (``PreviousRows``) and picking
  each unit's own earlier-year rows (with their fingerprint digest), as the batch does for
  its workers;

and prints the seconds (wall and CPU), the rows and the findings by code.

Run from the project root:
    .venv/bin/python benchmarks/redflags_benchmark.py [--units 10000] [--seed 7]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from perfnb.evaluation.redflags import across_findings
from perfnb.running.yeartables import PreviousRows, previous_digest, read_previous, write_tables

NAMES = 400


def build(units: int, seed: int, year: int, base: tuple | None = None):
    """Flat tables of ``units`` units of ``year``; ``base`` (an earlier build) gives the same
    projects with targets moved."""
    rng = np.random.default_rng(seed + year)
    ids = [f"u{n:05d}-{year}" for n in range(units)]
    departments = [f"部门{n % 200:03d}" for n in range(units)]
    projects = [f"项目{n:05d}" for n in range(units)]
    budget_rate = np.clip(rng.normal(0.93, 0.06, units), 0.3, 1.0)
    sizes = np.random.default_rng(seed).integers(12, 19, units)   # the same projects every year
    unit_of = np.repeat(np.arange(units), sizes)
    rows = len(unit_of)
    name_id = rng.integers(0, NAMES, rows)
    target = (rng.integers(1, 40, rows) * 5).astype(float)
    if base is not None:   # the same projects a year later: most targets move up
        prev = base[1]
        take = min(rows, len(prev))
        name_id[:take] = prev["_name_id"].to_numpy()[:take]
        moved = (rng.random(take) < 0.8) & (unit_of[:take] % 33 != 0)   # 3 %: targets kept
        target[:take] = np.where(moved, np.ceil(prev["actual"].to_numpy()[:take] / 5) * 5,
                                 prev["target"].to_numpy()[:take])
    actual = target * rng.uniform(0.9, 1.2, rows)
    # 2 % of the units copy another unit's indicators (first indicator changed)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    for victim in rng.choice(units, units // 50, replace=False):
        source = (victim + 1 + rng.integers(0, units - 1)) % units
        n = min(sizes[victim], sizes[source])
        a, b = starts[victim], starts[source]
        name_id[a + 1:a + n] = name_id[b + 1:b + n]
        target[a + 1:a + n] = target[b + 1:b + n]
    total = np.round(budget_rate * 10 + rng.uniform(80, 90, units), 2)
    full_departments = np.arange(units) % 200 < 4          # four departments at 100 everywhere
    reported = np.where(full_departments, 100.0, total)
    unit_table = pd.DataFrame({
        "unit_id": ids, "department": departments, "project": projects, "year": year,
        "total": total, "weight_total": 100.0, "grade": "优", "reported_total": reported,
        "budget_rate": budget_rate})
    names = np.array([f"指标名称{k:03d}" for k in range(NAMES)], dtype=object)
    indicators = pd.DataFrame({
        "unit_id": np.array(ids, dtype=object)[unit_of], "seq": np.arange(rows),
        "level1": "产出指标", "level2": "数量指标", "name": names[name_id], "operator": ">=",
        "target": target, "target_text": ["≥%g" % t for t in target], "actual": actual,
        "actual_text": ["%g" % a for a in np.round(actual, 1)], "unit": "个", "weight": 5.0,
        "score": 5.0, "status": "met", "_name_id": name_id})
    return unit_table, indicators


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    two_back = build(args.units, args.seed, 2021)
    one_back = build(args.units, args.seed, 2022, two_back)
    now = build(args.units, args.seed, 2023, one_back)
    units, indicators = now[0], now[1].drop(columns="_name_id")
    previous = (pd.concat([one_back[0], two_back[0]], ignore_index=True),
                pd.concat([one_back[1], two_back[1]], ignore_index=True).drop(columns="_name_id"))
    print(f"单位 {len(units):,} 个，指标 {len(indicators):,} 行；上两年 {len(previous[0]):,} 个单位、"
          f"{len(previous[1]):,} 行")

    def timed(label, function):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        print(f"{label}：{time.perf_counter() - wall:.2f} 秒（CPU {time.process_time() - cpu:.2f} 秒）")
        return result

    across_findings(units.head(50), indicators[indicators["unit_id"].isin(units["unit_id"].head(50))])
    batch = timed("跨单位检查（部门普遍满分、指标照搬）", lambda: across_findings(units, indicators))
    both = timed("跨单位 + 跨年检查（含上两年）",
                 lambda: across_findings(units, indicators, previous=previous))
    for name, found in (("跨单位", batch), ("跨单位 + 跨年", both)):
        counts = found["code"].value_counts().to_dict() if len(found) else {}
        print(f"  {name}发现：{sum(counts.values()):,} 条 {counts}")
    with tempfile.TemporaryDirectory() as folder:
        timed("写 results.parquet + indicators.parquet", lambda: write_tables(units, indicators, folder))
        size = sum(p.stat().st_size for p in Path(folder).iterdir())
        back = timed("读回（--previous）", lambda: read_previous([folder]))
        print(f"  Parquet 共 {size / 1e6:.1f} MB，读回 {len(back[0]):,} 个单位、{len(back[1]):,} 行")
    # batch --previous: each unit's own earlier-year rows, picked in the parent for its worker
    rows_of = timed("上年记录建索引（batch --previous）", lambda: PreviousRows(previous))
    picked = timed(f"为 {len(units):,} 个单位各取对应的上年记录（含指纹）", lambda: [
        previous_digest(rows) for rows in rows_of.for_units(list(units["department"]),
                                                            list(units["project"]))])
    print(f"  有上年记录的单位：{sum(1 for d in picked if d):,} 个")


if __name__ == "__main__":
    main()
