"""CPU of the charts and of the summary notebook's cells, measured in one process.

A batch's kernels are forked from a server that has imported the template's modules and
warmed their caches (perfnb/running/kernels.py); this script does the same imports and
warm-up first, then prints:

* per unit chart (the sample units of params/): building the figure and its display bundle
  (PNG + SVG in Typst, :func:`perfnb.reporting.figures.figure_bundle`), the minimum over
  ``--repeat`` rounds, in ms per unit, and the three-chart cell of the unit template;
* with ``--summary DIR`` (the output folder of a ``perfnb batch``): each code cell of
  notebooks/summary.ipynb run in an in-process IPython shell (display formatters included, as
  in a kernel), for the whole batch and for each department, the minimum over the rounds.

Figures are printed, never asserted.  Usage::

    .venv/bin/perfnb batch params/ --out /tmp/batch
    .venv/bin/python benchmarks/chart_benchmark.py [--repeat 5] [--summary /tmp/batch]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNIT_CHARTS = ("dimension_rates", "score_vs_weight", "target_vs_actual", "budget_chart")
CHART_CELL = UNIT_CHARTS[:3]   # the unit template's three-chart cell


def warm_like_the_kernel_server() -> None:
    from perfnb.running.kernels import KERNEL_PRELOAD, _warm_kernel_caches

    for name in KERNEL_PRELOAD:
        __import__(name)
    _warm_kernel_caches()


def unit_charts(repeat: int) -> None:
    from perfnb import notebook as nb
    from perfnb.reporting import charts
    from perfnb.reporting.figures import figure_bundle

    results = []
    for path in sorted((ROOT / "params").glob("*.yaml")):
        params = nb.validate_parameters({"data": str(path), "rules": "central"})
        results.append(nb.evaluate(nb.load(params), params))
    best = dict.fromkeys(UNIT_CHARTS, float("inf"))
    for round_ in range(repeat + 1):           # round 0 warms up
        for name in UNIT_CHARTS:
            start = time.process_time()
            for result in results:
                figure_bundle(getattr(charts, name)(result))
            if round_:
                best[name] = min(best[name], (time.process_time() - start) / len(results))
    print(f"unit charts, CPU per unit (min of {repeat} rounds over {len(results)} sample units):")
    for name in UNIT_CHARTS:
        print(f"  {name:18s} {best[name] * 1000:7.1f} ms")
    print(f"  three-chart cell   {sum(best[n] for n in CHART_CELL) * 1000:7.1f} ms")


def summary_cells(results_dir: Path, repeat: int) -> None:
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.display_pub.publish = lambda *args, **kwargs: None   # formatted, not printed
    shell.displayhook.write_format_data = lambda *args, **kwargs: None
    shell.displayhook.write_output_prompt = lambda: None
    notebook = nbformat.read(ROOT / "notebooks" / "summary.ipynb", as_version=4)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"
             and "parameters" not in cell.metadata.get("tags", [])]
    departments = sorted({p.parent.parent.name for p in results_dir.glob("*/*/result.json")})
    print(f"summary.ipynb cells, CPU in s: the first round (it also pays the imports a kernel "
          f"pays once, in the first folder that needs them) and the min of {repeat} rounds:")
    for department in [None, *departments]:
        best = [float("inf")] * len(cells)
        first = []
        for round_ in range(repeat + 1):
            shell.run_cell(f"results_dir = {str(results_dir)!r}\ndepartment = {department!r}\n")
            for index, cell in enumerate(cells):
                start = time.process_time()
                outcome = shell.run_cell(cell.source, store_history=False)
                spent = time.process_time() - start
                if not outcome.success:
                    raise SystemExit(f"cell {index + 1} failed: {outcome.error_in_exec}")
                if round_:
                    best[index] = min(best[index], spent)
                else:
                    first.append(spent)
        print(f"  {department or '(全部单位)':16s} first {sum(first):5.2f}  min {sum(best):5.2f}: "
              + " ".join(f"{b:.3f}" for b in best))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--summary", type=Path, help="a perfnb batch output folder")
    args = parser.parse_args()
    warm_like_the_kernel_server()
    unit_charts(args.repeat)
    if args.summary:
        summary_cells(args.summary.resolve(), args.repeat)


if __name__ == "__main__":
    main()
