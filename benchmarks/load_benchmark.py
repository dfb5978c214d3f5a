"""Time loading forms, per file format (target: a typical form in under 0.2 s).

Part 1, per format: every single-form fixture file of tests/fixtures/real-forms/built/ (each
transcribed form as .xlsx, .xls, .ods, .docx, .pdf, .html, and .mhtml/-unruled.pdf where
built) and the seed report as text (tests/fixtures/reports/seed-report.txt) is loaded
(``load_forms``: read + checks + DataFrames) ``--repeat`` times in one warm process; the CPU
time (``time.process_time``) of each load is pooled per format and the median, min and max
printed.  Files refused as a whole (forms perfnb cannot read yet, narrative reports without a
table) are counted, not timed: a quick refusal would flatter the median.  Part 2 (``--samples``): the bundled sample units (params/) as before.  Run from the
project root:  .venv/bin/python benchmarks/load_benchmark.py [--repeat N] [--samples]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path

from perfnb.reading import DATA_SUFFIXES, load_forms, load_unit

ROOT = Path(__file__).resolve().parents[1]
BUILT = ROOT / "tests" / "fixtures" / "real-forms" / "built"
REPORTS = ROOT / "tests" / "fixtures" / "reports"
SINGLE_FORM = re.compile(r"^(form|pub)\d+(-unruled)?$")
ORDER = [".xlsx", ".xls", ".ods", ".docx", ".pdf", ".html", ".mhtml", ".txt"]


def fixture_files() -> dict[str, list[Path]]:
    """Format label -> the single-form fixture files of that format."""
    by_format: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(BUILT.iterdir()):
        if SINGLE_FORM.match(path.stem) and path.suffix.lower() in DATA_SUFFIXES:
            label = path.suffix.lower() + (" (unruled)" if path.stem.endswith("-unruled") else "")
            by_format[label].append(path)
    by_format[".txt"] += sorted(REPORTS.glob("*.txt"))       # the seed report
    return dict(sorted(by_format.items(), key=lambda item: (_rank(item[0]), item[0])))


def _rank(label: str) -> int:
    suffix = label.split()[0]
    return ORDER.index(suffix) if suffix in ORDER else len(ORDER)


def cpu_times(path: Path, repeat: int) -> tuple[list[float], bool]:
    times, ok = [], True
    for _ in range(repeat):
        start = time.process_time()
        try:
            load_forms(path)
        except Exception:        # a form the reader refuses (pub03) is timed all the same
            ok = False
        times.append(time.process_time() - start)
    return times, ok


def per_format(repeat: int) -> None:
    files = fixture_files()
    for paths in files.values():     # imports and first-use caches: not what is measured
        cpu_times(paths[0], 1)
    print(f"{'format':18s} {'files':>5s} {'median':>9s} {'min':>9s} {'max':>9s}   slowest file")
    for label, paths in files.items():
        pooled, slowest, refused = [], (0.0, ""), 0
        for path in paths:
            times, ok = cpu_times(path, repeat)
            if not ok:           # refused (a form perfnb cannot read yet): not in the figures
                refused += 1
                continue
            pooled += times
            if statistics.median(times) > slowest[0]:
                slowest = (statistics.median(times), path.name)
        note = f"  (+{refused} refused, not timed)" if refused else ""
        if not pooled:
            print(f"{label:18s} {0:5d} {'—':>9s} {'—':>9s} {'—':>9s}{note}")
            continue
        print(f"{label:18s} {len(paths) - refused:5d} {statistics.median(pooled) * 1000:7.1f} ms"
              f" {min(pooled) * 1000:7.1f} ms {max(pooled) * 1000:7.1f} ms   {slowest[1]}{note}")


def samples(repeat: int) -> None:
    data_files = sorted(p for p in (ROOT / "params" / "data").iterdir()
                        if p.suffix.lower() in DATA_SUFFIXES)
    unit_files = sorted((ROOT / "params").glob("*.yaml"))
    load_unit(unit_files[0])
    print(f"\n{'sample file':32s} {'median':>9s} {'max':>9s}")
    for path in data_files + unit_files:
        times = []
        for _ in range(repeat):
            start = time.process_time()
            load_unit(path)
            times.append(time.process_time() - start)
        print(f"{path.relative_to(ROOT).as_posix():32s} {statistics.median(times) * 1000:7.1f} ms"
              f" {max(times) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="loads per file (default 5)")
    parser.add_argument("--samples", action="store_true", help="also the sample units in params/")
    args = parser.parse_args()
    per_format(args.repeat)
    if args.samples:
        samples(args.repeat)
    print(f"CPU time per load (time.process_time); target < 200 ms; load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
