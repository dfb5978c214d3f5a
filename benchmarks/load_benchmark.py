"""Time loading one unit's workbook (target: a typical workbook in under 0.2 s).

Loads every bundled sample data file (params/data/) and every unit YAML a number of times
in one warm process and prints the median and the worst time of each.  Run from the
project root:  .venv/bin/python benchmarks/load_benchmark.py [--repeat N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from perfnb.reading import DATA_SUFFIXES, load_unit

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    data_files = sorted(p for p in (ROOT / "params" / "data").iterdir()
                        if p.suffix.lower() in DATA_SUFFIXES)
    unit_files = sorted((ROOT / "params").glob("*.yaml"))
    load_unit(unit_files[0])  # imports happen once per process; not what is measured
    medians = []
    print(f"{'file':32s} {'median':>9s} {'max':>9s}")
    for path in data_files + unit_files:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            load_unit(path)
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
        print(f"{path.relative_to(ROOT).as_posix():32s} {medians[-1] * 1000:7.1f} ms"
              f" {max(times) * 1000:7.1f} ms")
    print(f"slowest median: {max(medians) * 1000:.1f} ms (target < 200 ms); "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
