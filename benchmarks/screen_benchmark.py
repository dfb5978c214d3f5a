"""Time `perfnb score` screening 1,000 workbooks of the real layouts (target: under 30 s wall).

Builds the workbooks in a temporary folder from the forms at hand: the sample units' data
files (params/data/*.xlsx: our three-sheet workbook, the official form, 四川's form), the
format fixtures (tests/fixtures/formats/official.xlsx/.xls/.ods) and, when present, the
published forms built into files (tests/fixtures/real-forms/built/*.xlsx/.xls/.ods).  Each
.xlsx source is varied a few times (project name, one actual value, one score) with openpyxl;
the 1,000 files are copies of the sources and variants, round robin.  Then runs
``python -m perfnb.cli score DIR --jsonl OUT`` as a user would (a new process: start-up and
imports count) and prints the wall time, the CPU time of all its processes (what the wall
time would be on idle cores: the machine is often shared), the units scored and failed, and per-format load
medians (xlsx, xls, ods, docx, pdf, csv: ``prepare_forms`` of one file, warm process; the
docx and PDF are written from the official form by tests/format_builders.py).

Run from the project root:
    .venv/bin/python benchmarks/screen_benchmark.py [--count 1000] [--jobs N] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
SPREADSHEETS = (".xlsx", ".xls", ".ods")
VARIANTS = 4


def sources() -> list[Path]:
    found = sorted((ROOT / "params" / "data").glob("*.xlsx"))
    found += sorted((ROOT / "tests" / "fixtures" / "formats").glob("official.*"))
    built = ROOT / "tests" / "fixtures" / "real-forms" / "built"
    if built.is_dir():
        found += sorted(p for p in built.iterdir() if p.suffix in SPREADSHEETS)
    return [p for p in found if p.suffix in SPREADSHEETS]


def variants(source: Path, folder: Path) -> list[Path]:
    """The source and a few copies with another project name, actual and score."""
    made = [source]
    if source.suffix != ".xlsx":
        return made
    from openpyxl import load_workbook
    for index in range(1, VARIANTS + 1):
        workbook = load_workbook(source)
        for sheet in workbook.worksheets:
            changed = 0
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.strip() in ("项目名称", "项目名称："):
                        target = sheet.cell(cell.row, cell.column + 1)
                        while target.coordinate in sheet.merged_cells and target.value is None \
                                and target.column < cell.column + 4:
                            target = sheet.cell(cell.row, target.column + 1)
                        if isinstance(target.value, str):
                            target.value = f"{target.value}（{index}）"
                    elif isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool) \
                            and 1 < cell.value < 100 and changed < 2 and cell.row > 12:
                        cell.value = max(cell.value - index * 0.5, 0)
                        changed += 1
        path = folder / f"{source.stem}-v{index}.xlsx"
        workbook.save(path)
        made.append(path)
    return made


def load_medians(folder: Path, repeat: int) -> dict[str, tuple[float, int]]:
    """Median prepare_forms time per format (ms) and how many files were timed."""
    from format_builders import read_grid, write_docx, write_pdf
    from perfnb.reading import prepare_forms

    grid = read_grid()
    files: dict[str, list[Path]] = {suffix: [] for suffix in
                                    ("xlsx", "xls", "ods", "docx", "pdf", "csv")}
    for path in sources():
        files[path.suffix.lstrip(".")].append(path)
    files["docx"].append(write_docx(folder / "official.docx", [("", grid)]))
    files["pdf"].append(write_pdf(folder / "official.pdf", [("", grid)]))
    built = ROOT / "tests" / "fixtures" / "real-forms" / "built"
    if built.is_dir():
        files["docx"] += sorted(built.glob("form*.docx"))
        files["pdf"] += sorted(built.glob("form*.pdf"))
    files["csv"] += sorted((ROOT / "params" / "data").glob("*.csv"))
    prepare_forms(files["xlsx"][0])          # imports are not what is measured
    medians = {}
    for kind, paths in files.items():
        times = []
        for path in paths:
            for _ in range(repeat):
                started = time.perf_counter()
                try:
                    prepare_forms(path)
                except Exception:
                    pass
                times.append(time.perf_counter() - started)
        if times:
            medians[kind] = (statistics.median(times) * 1000, len(paths))
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5, help="timings per file for the medians")
    parser.add_argument("--keep", default=None, metavar="DIR", help="build the files here and keep them")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="perfnb-screen-"))
    inbox = work / "inbox"
    if inbox.exists():
        shutil.rmtree(inbox)
    (work / "variants").mkdir(parents=True, exist_ok=True)
    inbox.mkdir(parents=True)
    pool = [v for source in sources() for v in variants(source, work / "variants")]
    for index in range(args.count):
        source = pool[index % len(pool)]
        shutil.copy(source, inbox / f"unit-{index:04d}-{source.stem}{source.suffix}")
    kinds = {}
    for path in inbox.iterdir():
        kinds[path.suffix] = kinds.get(path.suffix, 0) + 1
    print(f"{args.count} files from {len(pool)} sources/variants: "
          + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))

    out = work / "rows.jsonl"
    command = [sys.executable, "-m", "perfnb.cli", "score", str(inbox), "--jsonl", str(out)]
    if args.jobs:
        command += ["--jobs", str(args.jobs)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] \
        if out.exists() else []
    scored = sum(row["status"] == "scored" for row in rows)
    print(f"perfnb score: {wall:.1f} s wall for {args.count} files (target < 30 s), "
          f"{len(rows)} units: {scored} scored, {len(rows) - scored} failed; exit {process.returncode}")
    print("  " + (process.stderr.strip().splitlines() or [""])[-1])
    print(f"  {wall / max(args.count, 1) * 1000:.1f} ms a file; CPU {cpu:.1f} s in all processes "
          f"(= {cpu / (os.cpu_count() or 1):.1f} s wall on {os.cpu_count()} idle cores); "
          f"load average {os.getloadavg()[0]:.2f}")

    print("load medians (prepare_forms, one file, warm process):")
    for kind, (median, count) in load_medians(work, args.repeat).items():
        print(f"  {kind:5s} {median:7.1f} ms  ({count} file{'s' if count != 1 else ''})")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
