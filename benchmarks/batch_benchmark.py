"""How much faster is `perfnb batch` than the loop a user would write, and where do the seconds go?

For N units (default 15: the sample units of params/, copied under new ids until there are
enough) with HTML and PDF output, this prints, from one run:

* the floor: a fresh kernel started with the template's imports (median of 3; wall and CPU);
* ``perfnb batch DIR --formats html,pdf`` (summaries included): wall time, CPU, the peak
  memory of the batch process and of its whole process tree, sampled while it runs (and at
  each quarter of the units, to show it does not grow with them), and per unit the CPU
  spent in planning, the worker's own phases, the kernel's start, each notebook cell, each
  export and the archive (``PERFNB_TIMINGS``, see perfnb/running/timing.py);
* the loop a user would write, per unit: the ``papermill`` CLI, then ``jupyter nbconvert
  --to perfnb_html`` and ``--to perfnb_pdf``: wall time and CPU of each step (the CPU of a
  step's processes and their kernels, from getrusage), and each cell's duration as papermill
  records it (wall: a papermill CLI kernel cannot be read from outside);
* the ratios: loop / batch wall time (target >= 10x) and the batch's CPU per unit against
  the floor's (target <= 1.5x).

Figures are printed, never asserted.  Usage::

    .venv/bin/python benchmarks/batch_benchmark.py [--units 15] [--jobs N] [--skip-loop]
    .venv/bin/python benchmarks/batch_benchmark.py --units 1000 --skip-loop   # memory vs units
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TEMPLATE = ROOT / "notebooks" / "evaluation.ipynb"
WORKER_PHASES = ("prepare", "notebook", "record", "export_html", "export_pdf", "result_json",
                 "archive")


def children_cpu() -> float:
    """CPU seconds of this process's waited-for descendants so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_units(folder: Path, count: int, departments: int | None = None) -> list[Path]:
    """``count`` unit YAMLs in ``folder``: the samples, cycled, each with its own unit_id.

    ``departments``: put the units in that many departments (round robin over the samples'
    department names), instead of each sample's own (the 11 samples come from 8 departments,
    so 15 units make 8 department summaries: more summaries per unit than a real batch has).
    """
    samples = sorted((ROOT / "params").glob("*.yaml"))
    names = []
    for source in samples:
        name = (yaml.safe_load(source.read_text(encoding="utf-8")) or {}).get("department")
        if name and name not in names:
            names.append(name)
    (folder / "data").mkdir(parents=True)
    units = []
    for index in range(count):
        source = samples[index % len(samples)]
        settings = yaml.safe_load(source.read_text(encoding="utf-8"))
        if departments:
            settings["department"] = (names[index % departments] if departments <= len(names)
                                      else f"部门{index % departments + 1:02d}")
        data = (source.parent / settings["data"]).resolve()
        if not (folder / "data" / data.name).exists():
            shutil.copy(data, folder / "data" / data.name)
        settings["data"] = f"data/{data.name}"
        if settings.get("review"):  # the evaluator's 复核 record travels with its unit
            review = (source.parent / settings["review"]).resolve()
            (folder / "reviews").mkdir(exist_ok=True)
            shutil.copy(review, folder / "reviews" / review.name)
            settings["review"] = f"reviews/{review.name}"
        settings["unit_id"] = f"{settings.get('unit_id') or source.stem}-{index:04d}"
        path = folder / f"unit{index:04d}.yaml"
        path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        units.append(path)
    return units


# --- the floor ---------------------------------------------------------------------------

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
    lines += ["import perfnb.reading, perfnb.evaluation.scoring, perfnb.evaluation.audit, "
              "perfnb.evaluation.result, perfnb.reporting.charts, perfnb.reporting.narrative, "
              "matplotlib.pyplot, pandas"]
    return "\n".join(dict.fromkeys(lines))


def time_floor(repeats: int = 3) -> tuple[float, float]:
    """Median wall and CPU seconds of: start a fresh kernel, run the template's imports,
    shut it down (the kernel is this process's child, so getrusage sees its CPU)."""
    from jupyter_client.manager import start_new_kernel

    code = template_imports()
    walls, cpus = [], []
    for _ in range(repeats):
        started, cpu = time.perf_counter(), children_cpu() + time.process_time()
        manager, client = start_new_kernel(kernel_name="python3", cwd=str(TEMPLATE.parent),
                                           stderr=subprocess.DEVNULL)
        reply = client.execute_interactive(code, timeout=120)
        assert reply["content"]["status"] == "ok", reply["content"]
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        walls.append(time.perf_counter() - started)
        cpus.append(children_cpu() + time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


# --- the batch -----------------------------------------------------------------------------

class MemoryWatch:
    """Samples the RSS of a process and of its whole tree while it runs (psutil, a
    dependency of dask.distributed), noting the peak so far whenever another quarter of the
    units is recorded in the manifest."""

    def __init__(self, pid: int, manifest: Path, units: int, interval: float = 0.25) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.manifest, self.units, self.interval = manifest, units, interval
        self.peak_main = self.peak_tree = 0
        self.cpu: dict[int, float] = {}   # pid -> its own CPU seconds, last seen
        self.started = time.perf_counter()
        # (units done, main peak, tree peak, wall seconds since the start)
        self.quarters: list[tuple[int, int, int, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _done(self) -> int:
        try:
            return len(json.loads(self.manifest.read_text(encoding="utf-8"))["units"])
        except (OSError, ValueError, KeyError):
            return 0

    def _run(self) -> None:
        import psutil

        quarter = 1
        while not self._stop.is_set():
            try:
                main = self.process.memory_info().rss
                tree = main
                for process in [self.process, *self.process.children(recursive=True)]:
                    try:
                        if process is not self.process:
                            tree += process.memory_info().rss
                        times = process.cpu_times()
                        self.cpu[process.pid] = max(self.cpu.get(process.pid, 0.0),
                                                    times.user + times.system)
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak_main, self.peak_tree = max(self.peak_main, main), max(self.peak_tree, tree)
            if quarter <= 4 and self.units >= 4 and self._done() >= quarter * self.units // 4:
                self.quarters.append((quarter * self.units // 4, self.peak_main, self.peak_tree,
                                      time.perf_counter() - self.started))
                done, main, tree, seconds = self.quarters[-1]
                print(f"  ... {done} units done after {seconds:.0f} s, peak so far: batch "
                      f"{main / 2**20:.0f} MiB, tree {tree / 2**20:.0f} MiB (load average "
                      f"{os.getloadavg()[0]:.1f})", flush=True)
                quarter += 1
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_batch(inputs: Path, out: Path, jobs: int | None, units: int) -> dict:
    command = [str(BIN / "perfnb"), "batch", str(inputs), "--out", str(out),
               "--formats", "html,pdf"]
    if jobs:
        command += ["--jobs", str(jobs)]
    env = dict(os.environ, PERFNB_TIMINGS="1")
    cpu, started, launched = children_cpu(), time.perf_counter(), time.time()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=env)
    watch = MemoryWatch(process.pid, out / "manifest.json", units)
    process.wait()
    wall = time.perf_counter() - started
    watch.stop()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {"wall": wall, "launched": launched, "cpu_tree": children_cpu() - cpu, "cpu_sampled": sum(watch.cpu.values()),
            "manifest": manifest,
            "peak_main": watch.peak_main, "peak_tree": watch.peak_tree, "quarters": watch.quarters}


def cell_labels(out: Path, manifest: dict) -> list[str]:
    """A short label per code cell of the executed template (its first line)."""
    import nbformat

    entry = next(u for u in manifest["units"].values() if u["status"] == "passed")
    notebook = nbformat.read(out / entry["out_dir"] / "evaluation.ipynb", as_version=4)
    labels = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            lines = [line for line in cell.source.splitlines()
                     if line.strip() and not line.startswith("#")]
            tags = cell.metadata.get("tags", [])
            label = "参数(注入)" if "injected-parameters" in tags else \
                "参数" if "parameters" in tags else "; ".join(lines)
            labels.append(label[:44])
    return labels


def unit_cpu(entry: dict) -> dict:
    """One unit's CPU by phase (seconds): planning, worker phases, kernel start and cells."""
    cpu = entry.get("cpu") or {}
    worker, kernel = cpu.get("worker") or {}, cpu.get("kernel") or {}
    cells = [c or 0.0 for c in kernel.get("cells") or []]
    row = {"planning": cpu.get("planning") or 0.0,
           **{phase: worker.get(phase, 0.0) for phase in WORKER_PHASES},
           "kernel_start": kernel.get("kernel_start") or 0.0, "cells": cells}
    row["total"] = (row["planning"] + sum(worker.get(p, 0.0) for p in WORKER_PHASES)
                    + row["kernel_start"] + sum(cells))
    return row


def stamp(text: str | None) -> float | None:
    """Seconds since the epoch of a manifest time stamp (ISO 8601), None if absent."""
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp() if text else None


def print_timeline(result: dict) -> None:
    """Where the batch's wall time goes, from the manifest's time stamps: planning, the
    pool's start, the units, the summaries (and how much they overlap the units), sealing."""
    manifest, t0 = result["manifest"], result["launched"]
    units = [(stamp(e["started"]), stamp(e["finished"])) for e in manifest["units"].values()
             if e.get("started") and e.get("finished")]
    summaries = [(stamp(e["started"]), stamp(e["finished"]), e.get("department"))
                 for e in manifest["summaries"].values() if e.get("started") and e.get("finished")]
    if not units:
        return
    planned, sealed = stamp(manifest.get("started")), stamp(manifest.get("finished"))
    first, last = min(u[0] for u in units), max(u[1] for u in units)
    rows = [("launch -> planned (CLI imports, planning)", 0.0, planned - t0),
            ("planned -> first unit starts (pool, fork servers)", planned - t0, first - t0),
            ("units, first start -> last finish", first - t0, last - t0)]
    if summaries:
        s_first, s_last = min(s[0] for s in summaries), max(s[1] for s in summaries)
        rows.append((f"summaries ({len(summaries)}), first start -> last finish",
                     s_first - t0, s_last - t0))
        whole = [s for s in summaries if s[2] is None]
        if whole:
            rows.append(("  the overall summary", whole[0][0] - t0, whole[0][1] - t0))
        end_of_work = max(last, s_last)
    else:
        end_of_work = last
    if sealed:
        rows.append(("last work -> manifest sealed", end_of_work - t0, sealed - t0))
    rows.append(("sealed -> process exit", (sealed or end_of_work) - t0, result["wall"]))
    print("  wall-time timeline, seconds from launch:")
    for label, start, end in rows:
        print(f"    {label:<52} {start:7.1f} -> {end:7.1f}  ({end - start:6.1f} s)")
    busy = sum(f - s for s, f in units)
    print(f"    unit-seconds {busy:.1f} over {last - first:.1f} s = {busy / max(1e-9, last - first):.2f} "
          f"units running on average; summary-seconds "
          f"{sum(f - s for s, f, _ in summaries):.1f}")


def print_batch(result: dict, out: Path, units: int, floor_cpu: float, cores: int) -> float:
    manifest = result["manifest"]
    entries = sorted(manifest["units"].values(), key=lambda e: e["unit_id"])
    failed = sum(1 for e in entries if e["status"] != "passed")
    rows = [unit_cpu(e) for e in entries if e.get("cpu")]
    # Forked kernels are reaped with SIGCHLD ignored and workers by multiprocessing's fork
    # server, so getrusage misses much of the tree: its CPU is sampled per process instead
    # (a process's last fraction of a second can be missed: a slight under-count).
    total_cpu = result["cpu_sampled"]
    recorded = [r["total"] for r in rows]
    wall = result["wall"]
    print(f"perfnb batch (summaries included): {wall:7.1f} s wall ({wall / units:.2f} s per unit)"
          + (f"  FAILED UNITS: {failed}" if failed else ""))
    for entry in entries:   # the batch's own output is not kept: say here why a unit failed
        if entry["status"] != "passed":
            print(f"    failed: {entry['unit_id']}: {entry.get('message', '')}")
    print(f"  CPU per unit, recorded phase by phase: median {median(recorded):.2f} s, mean "
          f"{sum(recorded) / max(1, len(recorded)):.2f} s = {median(recorded) / floor_cpu:.2f}x the "
          f"floor's CPU (target <= 1.5x)")
    print(f"  CPU of the whole process tree (sampled): {total_cpu:.1f} s = {total_cpu / units:.2f} s per "
          f"unit ({total_cpu / units / floor_cpu:.2f}x the floor), i.e. {(total_cpu - sum(recorded)) / units:.2f} s "
          "per unit outside the units' phases (batch process, workers' and fork servers' start-up "
          "and imports, summaries)")
    print(f"  peak memory: batch process {result['peak_main'] / 2**20:.0f} MiB, whole process tree "
          f"{result['peak_tree'] / 2**20:.0f} MiB ({cores} cores)")
    print_timeline(result)
    if result["quarters"]:
        print("  peak so far after " + "; ".join(
            f"{done} units ({seconds:.0f} s): batch {main / 2**20:.0f} MiB, tree {tree / 2**20:.0f} MiB"
            for done, main, tree, seconds in result["quarters"]))
    if not rows:
        return total_cpu
    labels = cell_labels(out, manifest)
    phases = ["planning", *WORKER_PHASES[:3], "kernel_start"]
    after = ["export_html", "export_pdf", "result_json", "archive"]
    print("  CPU per unit by phase, seconds (worker = the batch worker process, kernel = the unit's kernel):")
    if len(rows) <= 30:
        header = ["unit"] + phases + [f"cell{i + 1}" for i in range(len(labels))] + after + ["total"]
        print("    " + " ".join(f"{h:>9}" if i else f"{h:<26}" for i, h in enumerate(header)))
        for entry, row in zip([e for e in entries if e.get("cpu")], rows):
            cells = row["cells"] + [0.0] * (len(labels) - len(row["cells"]))
            values = [row[p] for p in phases] + cells[:len(labels)] + [row[p] for p in after] \
                + [row["total"]]
            print("    " + f"{entry['unit_id'][:26]:<26} " + " ".join(f"{v:9.3f}" for v in values))
    print("    medians over the units:")
    for phase in phases:
        print(f"      {phase:<30} {median([r[phase] for r in rows]):7.3f}")
    for index, label in enumerate(labels):
        values = [r["cells"][index] for r in rows if index < len(r["cells"])]
        print(f"      cell {index + 1:<2} {label:<44} {median(values):7.3f}")
    for phase in after:
        print(f"      {phase:<30} {median([r[phase] for r in rows]):7.3f}")
    summaries = [s for s in manifest["summaries"].values() if s.get("seconds") is not None]
    print(f"  summaries: {len(summaries)} (median {median([s['seconds'] for s in summaries]):.1f} s "
          "wall each, partly overlapping the units) and summary.xlsx")
    timed = [s for s in summaries if s.get("cpu")]
    if timed:
        print("  CPU per summary, seconds (worker phases, kernel start, all cells; the cells one by one):")
        for s in sorted(timed, key=lambda s: s.get("department") or ""):
            worker, kernel = s["cpu"].get("worker") or {}, s["cpu"].get("kernel") or {}
            cells = [c or 0.0 for c in kernel.get("cells") or []]
            total = sum(worker.values()) + (kernel.get("kernel_start") or 0.0) + sum(cells)
            print(f"    {(s.get('department') or '(全部单位)')[:16]:<16} total {total:6.2f}  "
                  + "  ".join(f"{k} {v:.2f}" for k, v in worker.items())
                  + f"  kernel_start {kernel.get('kernel_start') or 0.0:.2f}  cells {sum(cells):.2f}: "
                  + " ".join(f"{c:.2f}" for c in cells))
    return total_cpu


# --- the user's loop -------------------------------------------------------------------------

def run_step(command: list[str]) -> tuple[float, float]:
    cpu, started = children_cpu(), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, children_cpu() - cpu


def papermill_cells(notebook: Path) -> list[float]:
    """Each code cell's duration (wall seconds) as papermill recorded it."""
    data = json.loads(notebook.read_text(encoding="utf-8"))
    return [float((cell.get("metadata", {}).get("papermill") or {}).get("duration") or 0.0)
            for cell in data["cells"] if cell["cell_type"] == "code"]


def time_user_loop(units: list[Path], out: Path) -> tuple[float, list[dict]]:
    """Wall time of the loop, and each unit's steps (wall, CPU) and cell durations."""
    out.mkdir(parents=True)
    records = []
    started = time.perf_counter()
    for unit in units:
        notebook = out / f"{unit.stem}.ipynb"
        unit_id = yaml.safe_load(unit.read_text(encoding="utf-8"))["unit_id"]
        record = {"unit": unit_id}
        record["papermill"] = run_step(
            [str(BIN / "papermill"), str(TEMPLATE), str(notebook), "-p", "data", str(unit),
             "-p", "unit_id", str(unit_id), "--cwd", str(TEMPLATE.parent)])
        for exporter in ("perfnb_html", "perfnb_pdf"):
            record[exporter] = run_step([str(BIN / "jupyter"), "nbconvert", "--to", exporter,
                                         str(notebook)])
        record["cells"] = papermill_cells(notebook)
        records.append(record)
    return time.perf_counter() - started, records


def print_loop(loop: float, records: list[dict], units: int) -> float:
    cpu = sum(r[step][1] for r in records for step in ("papermill", "perfnb_html", "perfnb_pdf"))
    print(f"user loop (papermill + 2x nbconvert):  {loop:7.1f} s wall ({loop / units:.2f} s per unit), "
          f"CPU {cpu:.1f} s = {cpu / units:.2f} s per unit")
    print("  per unit, seconds wall / CPU (papermill's CPU includes its kernel's start and cells):")
    if len(records) <= 30:
        for r in records:
            print(f"    {r['unit'][:26]:<26} papermill {r['papermill'][0]:6.2f} / {r['papermill'][1]:5.2f}"
                  f"   nbconvert html {r['perfnb_html'][0]:5.2f} / {r['perfnb_html'][1]:5.2f}"
                  f"   nbconvert pdf {r['perfnb_pdf'][0]:5.2f} / {r['perfnb_pdf'][1]:5.2f}"
                  f"   cells (wall) {sum(r['cells']):5.2f}")
    cells = max(len(r["cells"]) for r in records)
    print("    cell durations, median wall seconds: " + ", ".join(
        f"{i + 1}: {median([r['cells'][i] for r in records if i < len(r['cells'])]):.2f}"
        for i in range(cells)))
    return cpu


def median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=15)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--skip-loop", action="store_true", help="time the batch only")
    parser.add_argument("--departments", type=int, default=None,
                        help="put the units in this many departments (default: the samples' own)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfnb-bench-") as temp:
        temp = Path(temp)
        units = make_units(temp / "inputs", args.units, args.departments)
        cores = os.cpu_count()
        spread = (f"{args.departments} departments" if args.departments
                  else "the samples' own departments")
        print(f"{args.units} units in {spread}, html + pdf, {cores} cores, load average "
              f"{os.getloadavg()[0]:.1f} at start")
        floor_wall, floor_cpu = time_floor()
        print(f"floor (fresh kernel + template imports, median of 3): {floor_wall:5.2f} s wall, "
              f"{floor_cpu:5.2f} s CPU per unit")
        batch = run_batch(temp / "inputs", temp / "batch", args.jobs, args.units)
        batch_cpu = print_batch(batch, temp / "batch", args.units, floor_cpu, cores)
        if not args.skip_loop:
            loop, records = time_user_loop(units, temp / "loop")
            loop_cpu = print_loop(loop, records, args.units)
            print(f"ratio loop / batch: wall {loop / batch['wall']:6.2f}x (target >= 10x), "
                  f"CPU {loop_cpu / batch_cpu:.2f}x")
        print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
