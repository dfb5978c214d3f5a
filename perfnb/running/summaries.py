"""Running the summary notebook (notebooks/summary.ipynb) for a department or a whole batch.

:func:`run_summary` executes it with papermill and exports it next to the units, through
perfnb's own HTML / PDF exporters; the tables and charts it shows come from
:mod:`perfnb.reporting.summary`.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Iterable

from perfnb.fsutil import atomic_path, atomic_write_bytes
from perfnb.reporting.summary import SummaryError

__all__ = ["run_summary", "summary_template"]


def summary_template() -> Path:
    """notebooks/summary.ipynb (from the source tree, or as packaged data)."""
    here = Path(__file__).resolve().parents[1]
    for candidate in (here.parent / "notebooks" / "summary.ipynb",
                      here / "notebooks" / "summary.ipynb"):
        if candidate.is_file():
            return candidate
    raise SummaryError("找不到汇总笔记本模板 summary.ipynb。请重新安装 perfnb。")


def _export(notebook_path: Path, fmt: str, target: Path) -> None:
    """Export an executed notebook like a unit's report (perfnb's HTML / PDF exporters)."""
    import nbformat

    from perfnb.reporting import exporters

    notebook = nbformat.read(notebook_path, as_version=4)
    resources = {"metadata": {"path": str(notebook_path.parent), "name": notebook_path.stem}}
    if fmt == "html":
        atomic_write_bytes(target, exporters.export_html(notebook, resources).encode("utf-8"))
    else:
        atomic_write_bytes(target, exporters.export_pdf(notebook, resources))


def run_summary(results_dir: str | os.PathLike, department: str | None,
                formats: Iterable[str] = ("html", "pdf"), kernel_name: str | None = None,
                cpu: dict | None = None) -> list[Path]:
    """Execute summary.ipynb for one department folder (or all units) and export it.

    Writes ``DIR/<department>/summary.{ipynb,html,pdf}`` or ``DIR/summary.*``; returns
    the paths written.  Every file is written atomically.  With ``PERFNB_TIMINGS`` set,
    ``cpu`` (a dict) receives where the CPU went, as a unit's does
    (:mod:`perfnb.running.timing`): this process's phases, the kernel's start and cells.
    """
    import nbformat
    import papermill

    from perfnb.running import kernels, timing

    clock = timing.Clock() if timing.enabled() and cpu is not None else None
    kernel: dict = {}
    engine_kwargs: dict = {}
    if clock:
        cells = timing.KernelCells(kernel)
        engine_kwargs.update(cells.hooks())
        manager = kernels.forking_kernel_manager(kernel)
        if manager is not None:
            engine_kwargs["kernel_manager_class"] = manager

    results_dir = Path(results_dir).resolve()
    out_dir = results_dir / department if department else results_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook_path = out_dir / "summary.ipynb"
    parameters = {"results_dir": str(results_dir), "department": department}
    with atomic_path(notebook_path) as temporary, warnings.catch_warnings():
        # papermill warns that the temporary name does not end in .ipynb: expected.
        warnings.filterwarnings("ignore", message=".*does not end in one of.*")
        try:
            papermill.execute_notebook(
                str(summary_template()), str(temporary), parameters=parameters,
                kernel_name=kernel_name or "python3", progress_bar=False, log_output=False,
                cwd=str(out_dir), language="python", **engine_kwargs)
        except papermill.PapermillExecutionError as error:
            failure = error
        else:
            failure = None
    if failure is not None:  # the executed notebook, with the error, is kept
        raise SummaryError(f"汇总笔记本执行出错（{department or '全部单位'}）："
                           f"{failure.ename}：{failure.evalue}")
    written = [notebook_path]
    if clock:
        clock.mark("notebook")
    nbformat.read(notebook_path, as_version=4)  # must be a readable notebook
    for fmt in formats:
        if fmt in ("html", "pdf"):
            target = out_dir / f"summary.{fmt}"
            _export(notebook_path, fmt, target)
            written.append(target)
            if clock:
                clock.mark(f"export_{fmt}")
    if clock:
        cpu.update(worker=clock.phases, kernel=cells.record())
    return written
