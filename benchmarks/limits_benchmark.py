"""What the input limits cost (issue 18, item 4): wall time and peak memory of each case.

Each case runs ``perfnb score FILE --json`` in a fresh process (the user's command, imports
included) and prints its exit code, wall time and peak resident memory (the child's
``ru_maxrss``).  The files are built in a temporary folder:

* ``A1048576``  — the official form with a stray value in the last row (read and scored);
* ``XFD1048576`` — the same in the last cell of the sheet (refused: 表格过大);
* ``zip bomb``  — an xlsx whose sheet inflates a thousandfold (refused from the zip directory);
* ``DTD``       — an xlsx whose sheet declares a DTD (refused);
* ``CSV 20,000 rows`` — 20,000 indicator rows (read and scored);
* ``CSV 200 MB`` — a real 200 MB CSV on disk (refused by its size);
* ``PDF 5,000 pages`` — blank pages (refused by its page count).

Targets (issue 18): A1048576 read in under 5 s; the 200 MB CSV scored or refused within 60 s
and 2 GB.  Figures are printed, never asserted.  Usage::

    .venv/bin/python benchmarks/limits_benchmark.py [--repeat 1]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from xlsx_builders import (CSV_INDICATORS, blank_pdf, build_csv, build_official,  # noqa: E402
                           official_with, rewrite_zip)


def build_cases(folder: Path) -> list[tuple[str, Path]]:
    plain = build_official(folder / "plain.xlsx")
    sheet = "xl/worksheets/sheet1.xml"
    bomb = folder / "bomb.xlsx"           # the sheet inflates to 1 GB (streamed, ~1 MB on disk)
    with zipfile.ZipFile(plain) as old, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            data = old.read(name)
            if name != sheet:
                new.writestr(name, data)
                continue
            head, tail = data.split(b"<sheetData>", 1)
            with new.open(name, "w", force_zip64=True) as member:
                member.write(head + b"<sheetData>")
                for _ in range(1024):
                    member.write(b" " * (1024 * 1024))
                member.write(tail)
    dtd = rewrite_zip(plain, folder / "dtd.xlsx", lambda name, data: data.replace(
        b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet', 1) if name == sheet else data)
    rows = [CSV_INDICATORS[index % len(CSV_INDICATORS)] for index in range(20_000)]
    long_csv = build_csv(folder / "rows20000.csv", rows=rows)
    huge_csv = build_csv(folder / "huge.csv")
    line = open(huge_csv, "rb").read().splitlines(keepends=True)[1]
    with open(huge_csv, "ab") as handle:
        while handle.tell() < 200 * 1024 * 1024:
            handle.write(line * 10_000)
    pdf = blank_pdf(folder / "pages5000.pdf", 5000)
    return [("A1048576", official_with(folder / "a1048576.xlsx", {"A1048576": "x"})),
            ("XFD1048576", official_with(folder / "xfd.xlsx", {"XFD1048576": "x"})),
            ("zip bomb (1 GB inflated)", bomb), ("DTD", dtd),
            ("CSV 20,000 rows", long_csv), ("CSV 200 MB", huge_csv),
            ("PDF 5,000 pages", pdf)]


def run_case(path: Path) -> tuple[int, float, float, float]:
    """(exit code, process seconds, score seconds, peak MB) of ``perfnb score PATH --json``
    in a new process (score seconds: the command alone, perfnb already imported)."""
    # perfnb's modules are imported first, so "score s" is the command's own work
    code = ("import resource, sys, time; from perfnb.cli import main; "
            "import perfnb.reading, perfnb.reading.official, perfnb.reading.csvfile, "
            "perfnb.reading.pdffile, perfnb.evaluation.evaluator, python_calamine, pdfplumber; "
            "t = time.perf_counter(); rc = main(['score', sys.argv[1], '--json']); "
            "t = time.perf_counter() - t; sys.stdout.flush(); "
            "print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
            "sys.exit(rc)")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                            text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    try:
        work, peak = result.stderr.strip().splitlines()[-1].split()
        work, peak = float(work), int(peak) / 1024
    except (ValueError, IndexError):
        work = peak = float("nan")
    message = next((line for line in result.stderr.splitlines() if line.startswith("perfnb：")), "")
    if message:
        print(f"      {message[:150]}")
    return result.returncode, seconds, work, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfnb-limits-") as folder:
        cases = build_cases(Path(folder))
        print(f"{'case':30s} {'size':>10s} {'exit':>5s} {'process s':>9s} {'score s':>8s} "
              f"{'peak MB':>8s}")
        for name, path in cases:
            for _ in range(args.repeat):
                size = os.path.getsize(path)
                shown = f"{size / 1024 / 1024:.1f} MB" if size > 1024 * 1024 else f"{size / 1024:.0f} KB"
                rc, seconds, work, peak = run_case(path)
                print(f"{name:30s} {shown:>10s} {rc:>5d} {seconds:9.2f} {work:8.2f} {peak:8.0f}")
    print(f"(load average {os.getloadavg()[0]:.1f}; {os.cpu_count()} cores; "
          f"process s includes Python's start and perfnb's imports)")


if __name__ == "__main__":
    main()
