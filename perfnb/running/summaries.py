"""Running the summary notebook (notebooks/summary.ipynb) for a department or a whole batch,
and the department's 复核报告 (notebooks/review_report.ipynb).

:func:`run_summary` executes the summary with papermill and exports it next to the units, through
perfnb's own HTML / PDF exporters; the tables and charts it shows come from
:mod:`perfnb.reporting.summary`.  :func:`run_review_report` does the same for the 复核报告 of a
department with reviewed units, and adds its GB/T 9704 Word version
(:mod:`perfnb.reporting.office.review_docx`).
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Iterable

from perfnb.fsutil import atomic_path, atomic_write_bytes
from perfnb.reporting.summary import SummaryError

__all__ = ["run_summary", "summary_template", "run_review_report", "review_report_template",
           "REVIEW_REPORT_STEM"]

# DIR/<部门>/review_report.{ipynb,html,pdf,docx}: the department's 复核报告
REVIEW_REPORT_STEM = "review_report"


def _template(name: str, label: str) -> Path:
    here = Path(__file__).resolve().parents[1]
    for candidate in (here.parent / "notebooks" / name, here / "notebooks" / name):
        if candidate.is_file():
            return candidate
    raise SummaryError(f"找不到{label}模板 {name}。请重新安装 perfnb。")


def summary_template() -> Path:
    """notebooks/summary.ipynb (from the source tree, or as packaged data)."""
    return _template("summary.ipynb", "汇总笔记本")


def review_report_template() -> Path:
    """notebooks/review_report.ipynb (from the source tree, or as packaged data)."""
    return _template("review_report.ipynb", "复核报告笔记本")


def _run_and_export(template: Path, out_dir: Path, stem: str, parameters: dict,
                    formats: Iterable[str], kernel_name: str | None, what: str, who: str,
                    cpu: dict | None = None) -> list[Path]:
    """Execute ``template`` into ``out_dir/<stem>.ipynb`` (atomically; a failing cell keeps
    the executed notebook and raises :class:`SummaryError` naming ``what`` and ``who``) and
    export it as ``<stem>.html`` / ``.pdf`` as ``formats`` ask; the paths written.  With
    ``PERFNB_TIMINGS`` set, ``cpu`` (a dict) receives where the CPU went, as a unit's does
    (:mod:`perfnb.running.timing`): this process's phases, the kernel's start and cells."""
    import nbformat
    import papermill

    from perfnb.reporting import exporters
    from perfnb.running import kernels, timing

    clock = timing.Clock() if timing.enabled() and cpu is not None else None
    kernel: dict = {}
    engine_kwargs: dict = {}
    # forked from the worker's kernel fork server when there is one (a batch), timed or not
    manager = kernels.forking_kernel_manager(kernel)
    if manager is not None:
        engine_kwargs["kernel_manager_class"] = manager
    if clock:
        cells = timing.KernelCells(kernel)
        engine_kwargs.update(cells.hooks())

    out_dir.mkdir(parents=True, exist_ok=True)
    notebook_path = out_dir / f"{stem}.ipynb"
    with atomic_path(notebook_path) as temporary, warnings.catch_warnings():
        # papermill warns that the temporary name does not end in .ipynb: expected.
        warnings.filterwarnings("ignore", message=".*does not end in one of.*")
        try:
            papermill.execute_notebook(
                str(template), str(temporary), parameters=parameters,
                kernel_name=kernel_name or "python3", progress_bar=False, log_output=False,
                # written once at the end, not after every cell (each write validates and
                # serialises the whole notebook, charts included), as a unit's notebook is
                request_save_on_cell_execute=False,
                # as a unit's kernel: nothing to save, so no graceful shutdown (~0.2 s idle
                # a summary), and no start-up chatter (its TCP transport warning)
                shutdown_kernel="immediate", extra_arguments=["--log-level=ERROR"],
                cwd=str(out_dir), language="python", **engine_kwargs)
        except papermill.PapermillExecutionError as error:
            failure = error
        else:
            failure = None
    if failure is not None:  # the executed notebook, with the error, is kept
        raise SummaryError(f"{what}执行出错（{who}）：{failure.ename}：{failure.evalue}")
    written = [notebook_path]
    if clock:
        clock.mark("notebook")
    # must be a readable notebook; read once, and exported like a unit's report: perfnb's
    # HTML / PDF exporters, the template rendered once for both formats
    notebook = nbformat.read(notebook_path, as_version=4)
    resources = {"metadata": {"path": str(notebook_path.parent), "name": notebook_path.stem}}
    reports = [fmt for fmt in formats if fmt in ("html", "pdf")]
    for fmt, report in (exporters.export_reports(notebook, resources, reports) if reports else ()):
        target = out_dir / f"{stem}.{fmt}"
        atomic_write_bytes(target, report.encode("utf-8") if fmt == "html" else report)
        written.append(target)
        if clock:
            clock.mark(f"export_{fmt}")
    if clock:
        cpu.update(worker=clock.phases, kernel=cells.record())
    return written


def run_summary(results_dir: str | os.PathLike, department: str | None,
                formats: Iterable[str] = ("html", "pdf"), kernel_name: str | None = None,
                cpu: dict | None = None) -> list[Path]:
    """Execute summary.ipynb for one department folder (or all units) and export it.

    Writes ``DIR/<department>/summary.{ipynb,html,pdf}`` or ``DIR/summary.*``; returns
    the paths written.  Every file is written atomically.  ``cpu``: see
    :func:`_run_and_export`.
    """
    results_dir = Path(results_dir).resolve()
    out_dir = results_dir / department if department else results_dir
    parameters = {"results_dir": str(results_dir), "department": department}
    return _run_and_export(summary_template(), out_dir, "summary", parameters, formats,
                           kernel_name, "汇总笔记本", department or "全部单位", cpu)


def run_review_report(results_dir: str | os.PathLike, department: str,
                      formats: Iterable[str] = ("html", "pdf"), kernel_name: str | None = None,
                      review_rules: str | None = None, cpu: dict | None = None) -> list[Path]:
    """Execute review_report.ipynb for one department folder and export it.

    Writes ``DIR/<department>/review_report.{ipynb,html,pdf}`` (HTML and PDF as ``formats``
    ask, like the summary) and always ``review_report.docx``, the GB/T 9704 Word version;
    returns the paths written.  Every file is written atomically.
    """
    from perfnb.reporting.office.review_docx import write_review_report_docx

    results_dir = Path(results_dir).resolve()
    out_dir = results_dir / department
    parameters = {"results_dir": str(results_dir), "department": department,
                  "review_rules": review_rules}
    written = _run_and_export(review_report_template(), out_dir, REVIEW_REPORT_STEM, parameters,
                              formats, kernel_name, "复核报告笔记本", department, cpu)
    written.append(write_review_report_docx(results_dir, out_dir / f"{REVIEW_REPORT_STEM}.docx",
                                            department, review_rules))
    return written
