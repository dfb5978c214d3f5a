"""How much faster is `perfnb batch` than the loop a user would write?

For N units (default 15: the sample units of params/, copied under new ids until there are
enough) with HTML and PDF output, this prints

* the wall time of ``perfnb batch DIR --formats html,pdf`` (summaries included);
* the wall time of the loop a user would write, per unit: the ``papermill`` CLI, then
  ``jupyter nbconvert --to perfnb_html`` and ``jupyter nbconvert --to perfnb_pdf``;
* their ratio (target: at least 4x);
* the per-unit cost of the batch against the floor: a bare kernel start plus the
  template's imports (median of 3).

Figures are printed, never asserted.  Usage::

    .venv/bin/python benchmarks/batch_benchmark.py [--units 15] [--jobs N] [--skip-loop]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TEMPLATE = ROOT / "notebooks" / "evaluation.ipynb"


def batch_phases(out: Path) -> dict:
    """From the manifest: the unit phase, each unit's seconds and the summaries' seconds."""
    import json
    from datetime import datetime

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    started = datetime.fromisoformat(manifest["started"])
    units = list(manifest["units"].values())
    finished = max(datetime.fromisoformat(u["finished"]) for u in units)
    summaries = [s for s in manifest["summaries"].values() if s.get("seconds") is not None]
    return {"units_phase": (finished - started).total_seconds(),
            "unit_seconds": [u["seconds"] for u in units if u.get("seconds") is not None],
            "summary_seconds": [s["seconds"] for s in summaries],
            "failed": sum(1 for u in units if u["status"] != "passed")}


def summary_count(out: Path) -> int:
    return len(list(out.glob("**/summary.ipynb")))


def make_units(folder: Path, count: int) -> list[Path]:
    """``count`` unit YAMLs in ``folder``: the samples, cycled, each with its own unit_id."""
    samples = sorted((ROOT / "params").glob("*.yaml"))
    (folder / "data").mkdir(parents=True)
    units = []
    for index in range(count):
        source = samples[index % len(samples)]
        settings = yaml.safe_load(source.read_text(encoding="utf-8"))
        data = (source.parent / settings["data"]).resolve()
        shutil.copy(data, folder / "data" / data.name)
        settings["data"] = f"data/{data.name}"
        if settings.get("review"):  # the evaluator's 复核 record travels with its unit
            review = (source.parent / settings["review"]).resolve()
            (folder / "reviews").mkdir(exist_ok=True)
            shutil.copy(review, folder / "reviews" / review.name)
            settings["review"] = f"reviews/{review.name}"
        settings["unit_id"] = f"{settings.get('unit_id') or source.stem}-{index:02d}"
        path = folder / f"unit{index:02d}.yaml"
        path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        units.append(path)
    return units


def run(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - started


def time_batch(inputs: Path, out: Path, jobs: int | None) -> float:
    command = [str(BIN / "perfnb"), "batch", str(inputs), "--out", str(out),
               "--formats", "html,pdf"]
    if jobs:
        command += ["--jobs", str(jobs)]
    return run(command)


def time_user_loop(units: list[Path], out: Path) -> tuple[float, dict[str, list[float]]]:
    """Wall time of the loop, and each step's seconds per unit."""
    out.mkdir(parents=True)
    steps: dict[str, list[float]] = {"papermill": [], "nbconvert html": [], "nbconvert pdf": []}
    started = time.perf_counter()
    for unit in units:
        notebook = out / f"{unit.stem}.ipynb"
        unit_id = yaml.safe_load(unit.read_text(encoding="utf-8"))["unit_id"]
        clock = time.perf_counter()
        subprocess.run([str(BIN / "papermill"), str(TEMPLATE), str(notebook), "-p", "data",
                        str(unit), "-p", "unit_id", str(unit_id), "--cwd", str(TEMPLATE.parent)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        steps["papermill"].append(time.perf_counter() - clock)
        for exporter, step in (("perfnb_html", "nbconvert html"), ("perfnb_pdf", "nbconvert pdf")):
            clock = time.perf_counter()
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", exporter, str(notebook)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            steps[step].append(time.perf_counter() - clock)
    return time.perf_counter() - started, steps


def template_imports() -> str:
    """The import statements of the template's code cells."""
    import nbformat

    notebook = nbformat.read(TEMPLATE, as_version=4)
    lines = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            lines += [line for line in cell.source.splitlines()
                      if re.match(r"^(import|from)\s+\S+", line)]
    # The template imports perfnb.notebook, which imports the rest lazily: count what it uses.
    lines += ["import perfnb.reading, perfnb.evaluation.scoring, perfnb.evaluation.audit, perfnb.evaluation.result, perfnb.reporting.charts,"
              " perfnb.reporting.narrative, matplotlib.pyplot, pandas"]
    return "\n".join(dict.fromkeys(lines))


def time_floor(repeats: int = 3) -> float:
    """Median time of: start a fresh kernel, run the template's imports, shut it down."""
    from jupyter_client.manager import start_new_kernel

    code = template_imports()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        manager, client = start_new_kernel(kernel_name="python3", cwd=str(TEMPLATE.parent),
                                           stderr=subprocess.DEVNULL)
        reply = client.execute_interactive(code, timeout=120)
        assert reply["content"]["status"] == "ok", reply["content"]
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--skip-loop", action="store_true", help="time the batch only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfnb-bench-") as temp:
        temp = Path(temp)
        units = make_units(temp / "inputs", args.units)
        cores = os.cpu_count()
        print(f"{args.units} units, html + pdf, {cores} cores, load average "
              f"{os.getloadavg()[0]:.1f} at start")
        floor = time_floor()
        print(f"floor (bare kernel start + template imports, median of 3): {floor:6.1f} s per unit")
        batch = time_batch(temp / "inputs", temp / "batch", args.jobs)
        phases = batch_phases(temp / "batch")
        print(f"perfnb batch (summaries included):          {batch:6.1f} s "
              f"({batch / args.units:.1f} s per unit, {batch * cores / args.units:.1f} core-s per unit,"
              f" {batch * cores / args.units / floor:.1f}x the floor)"
              + (f"  FAILED UNITS: {phases['failed']}" if phases["failed"] else ""))
        print(f"  units phase (start to last unit recorded):  {phases['units_phase']:6.1f} s; "
              f"a unit in its worker: median {median(phases['unit_seconds']):.1f} s")
        print(f"  then {summary_count(temp / 'batch')} summary notebooks (median "
              f"{median(phases['summary_seconds']):.1f} s each, partly overlapping the units) "
              f"and summary.xlsx")
        if not args.skip_loop:
            loop, steps = time_user_loop(units, temp / "loop")
            print(f"user loop (papermill + 2x nbconvert):       {loop:6.1f} s "
                  f"({loop / args.units:.1f} s per unit: "
                  + ", ".join(f"{name} {median(values):.1f} s" for name, values in steps.items())
                  + ", medians)")
            print(f"ratio loop / batch:                         {loop / batch:6.2f}x (target >= 4x)")
        print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
