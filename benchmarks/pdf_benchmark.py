"""How long one unit's PDF/A report takes with Typst (target: seed <= 0.15 s CPU, <= 1.2x HTML).

Run:  PYTHONPATH=$PWD .venv/bin/python benchmarks/pdf_benchmark.py [--repeat 9] [--out DIR]
      [--notebooks DIR]

The notebooks are the evaluation notebooks of every bundled unit (params/*.yaml), executed
once with ``perfnb run``'s own code (papermill) into the user cache
(``~/.cache/perfnb/benchmark-typst``); ``--notebooks`` takes a ``perfnb batch`` output folder
instead.  For each unit, in one process, it prints the CPU (and wall) time of

* ``perfnb.reporting.exporters.export_pdf`` (what ``perfnb run`` / ``perfnb_pdf`` call),
  median of ``--repeat`` rounds after one warm-up export;
* nbconvert's own ``HTMLExporter`` on the same executed notebook, the same way;

and their ratio, the figure that survives a noisy machine.  The first PDF of the process is
reported apart ("cold": imports, Typst loading the fonts).  CPU time is the figure to compare.

Then the issue's figure for the seed (``--fresh``, default 9): its *first* export — a new
document, what each unit of a batch costs, since Typst memoises only what it has seen — in
that many fresh processes, each of which has first exported another unit (as a batch worker
has its previous one) and measured nbconvert's ``HTMLExporter`` on the seed; the median, the
spread and the median ratio.  ``--fresh 0`` skips it.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
SEED = "nmg-rd-2022-rdlz"


def _timed(function):
    cpu, wall = time.process_time(), time.perf_counter()
    result = function()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def executed_notebooks(folder: Path | None) -> dict[str, Path]:
    """unit id -> executed evaluation notebook."""
    if folder is None:
        from perfnb.reporting.fonts import user_cache_dir
        from perfnb.running.runner import run_unit

        folder = user_cache_dir() / "benchmark-typst"
        for params in sorted((REPO / "params").glob("*.yaml")):
            if not list(folder.glob(f"*/{params.stem}/evaluation.ipynb")):
                print(f"executing the evaluation notebook for {params.name} once (cached in {folder}) …",
                      file=sys.stderr)
                run = run_unit(params, out_root=folder, formats=("html",))
                if run.status != "passed":
                    print(f"  {params.stem}: {run.status} {run.message}", file=sys.stderr)
    found = {}
    for path in sorted(Path(folder).glob("**/evaluation.ipynb")):
        found[path.parent.name] = path
    return found


def _resources(path: Path) -> dict:
    return {"metadata": {"path": str(path.parent), "name": "report"}}


def one_fresh_process(seed: Path, previous: Path) -> dict:
    """In this (fresh) process: export ``previous`` (warm-up), measure HTMLExporter on the
    seed (median of 5 after one), then the seed's first PDF export."""
    from nbconvert.exporters import HTMLExporter

    from perfnb.reporting.exporters import export_pdf
    from perfnb.reporting.pdf import AttachmentWarning
    warnings.simplefilter("ignore", AttachmentWarning)
    export_pdf(nbformat.read(previous, as_version=4), _resources(previous))
    nb = nbformat.read(seed, as_version=4)
    html_exporter = HTMLExporter()
    html_exporter.from_notebook_node(nb, _resources(seed))
    html = statistics.median(
        _timed(lambda: html_exporter.from_notebook_node(nb, _resources(seed)))[1] for _ in range(5))
    _, cpu, wall = _timed(lambda: export_pdf(nb, _resources(seed)))
    return {"pdf_cpu": cpu, "pdf_wall": wall, "html_cpu": html}


def fresh_seed_figures(notebooks: dict[str, Path], rounds: int) -> None:
    seed = notebooks.get(SEED)
    previous = next((path for unit, path in notebooks.items() if unit != SEED), None)
    if seed is None or previous is None:
        print(f"\n(no {SEED} notebook and another unit: the fresh-process figure is skipped)")
        return
    runs = []
    for _ in range(rounds):
        out = subprocess.run([sys.executable, __file__, "--one-process", str(seed), str(previous)],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    cpu = sorted(run["pdf_cpu"] for run in runs)
    ratios = sorted(run["pdf_cpu"] / run["html_cpu"] for run in runs)
    print(f"\nseed {SEED}, first export in {rounds} fresh processes (each after exporting "
          f"{previous.parent.name}):")
    print(f"  CPU median {statistics.median(cpu):.3f} s (min {cpu[0]:.3f}, max {cpu[-1]:.3f}); "
          f"HTMLExporter median {statistics.median(run['html_cpu'] for run in runs):.3f} s; "
          f"ratio median {statistics.median(ratios):.2f} (min {ratios[0]:.2f}, max {ratios[-1]:.2f})")
    print("  targets: CPU <= 0.150 s (goal 0.100), ratio <= 1.20")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--fresh", type=int, default=9,
                        help="fresh processes for the seed's first-export figure (0: skip)")
    parser.add_argument("--out", type=Path, help="write each unit's PDF here")
    parser.add_argument("--notebooks", type=Path, help="a perfnb batch output folder")
    parser.add_argument("--one-process", nargs=2, type=Path, metavar=("SEED", "PREVIOUS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one_process:
        print(json.dumps(one_fresh_process(*args.one_process)))
        return 0

    t0 = time.perf_counter()
    from nbconvert.exporters import HTMLExporter

    from perfnb.reporting.exporters import export_pdf
    from perfnb.reporting.pdf import AttachmentWarning
    print(f"imports (perfnb, nbconvert, typst): {time.perf_counter() - t0:.3f} s")
    warnings.simplefilter("ignore", AttachmentWarning)

    notebooks = executed_notebooks(args.notebooks)
    if SEED in notebooks and len(notebooks) > 1:
        # The seed second: the process's first export ("cold") pays for imports and Typst
        # loading the fonts; the seed's "first" is then a new document in a warm process,
        # what every unit of a batch costs.
        seed = notebooks.pop(SEED)
        first_unit = next(iter(notebooks))
        notebooks = {first_unit: notebooks.pop(first_unit), SEED: seed, **notebooks}
    html_exporter = HTMLExporter()
    rows = []
    cold = None
    for unit_id, path in notebooks.items():
        nb = nbformat.read(path, as_version=4)
        resources = {"metadata": {"path": str(path.parent), "name": "report"}}
        pdf, cpu, wall = _timed(lambda: export_pdf(nb, dict(resources)))
        if cold is None:
            cold = (unit_id, cpu, wall)
        html_exporter.from_notebook_node(nb, dict(resources))  # warm-up
        pdf_runs = [_timed(lambda: export_pdf(nb, dict(resources)))[1:] for _ in range(args.repeat)]
        html_runs = [_timed(lambda: html_exporter.from_notebook_node(nb, dict(resources)))[1:]
                     for _ in range(args.repeat)]
        again = export_pdf(nb, dict(resources))
        pdf_cpu = statistics.median(c for c, _ in pdf_runs)
        html_cpu = statistics.median(c for c, _ in html_runs)
        from pypdf import PdfReader
        import io
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        rows.append((unit_id, pages, len(pdf), cpu, pdf_cpu, statistics.median(w for _, w in pdf_runs),
                     html_cpu, cpu / html_cpu, pdf_cpu / html_cpu, again == pdf))
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{unit_id}.pdf").write_bytes(pdf)

    if cold:
        print(f"export_pdf, cold (first in process, {cold[0]}): CPU {cold[1]:.3f} s  wall {cold[2]:.3f} s")
    print(f"\nCPU s, one process.  first: the unit's first export (a new document; for the first"
          f" unit the cold one);\nrepeat: median of {args.repeat} more exports of the same notebook"
          " (Typst memoises unchanged parts, so this is a lower bound);\nHTMLExporter: nbconvert's own,"
          f" median of {args.repeat} after a warm-up; ratios = PDF / HTMLExporter.")
    print(f"{'unit':<18} {'pages':>5} {'KiB':>5} {'first':>6} {'repeat':>7} {'(wall)':>7} "
          f"{'HTMLExp':>8} {'ratio1':>6} {'ratioR':>6}  same bytes")
    for unit_id, pages, size, first, pdf_cpu, pdf_wall, html_cpu, ratio1, ratio, same in rows:
        print(f"{unit_id:<18} {pages:>5} {size / 1024:>5.0f} {first:>6.3f} {pdf_cpu:>7.3f} ({pdf_wall:>5.3f}) "
              f"{html_cpu:>8.3f} {ratio1:>6.2f} {ratio:>6.2f}  {'yes' if same else 'NO'}")
    warm = rows[1:] or rows
    if rows:
        print(f"\nunits after the first: first-export CPU median {statistics.median(r[3] for r in warm):.3f} s"
              f" (max {max(r[3] for r in warm):.3f}), ratio to HTMLExporter median "
              f"{statistics.median(r[7] for r in warm):.2f} (max {max(r[7] for r in warm):.2f})")
    if args.fresh:
        fresh_seed_figures(executed_notebooks(args.notebooks), args.fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
