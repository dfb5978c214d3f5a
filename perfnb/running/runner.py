"""`perfnb run`: execute the evaluation notebook for one unit and export its reports.

:func:`run_unit` executes ``notebooks/evaluation.ipynb`` (or another template) with
papermill's Python API into ``<out_root>/<department>/<unit_id>/`` and writes there:

``evaluation.ipynb``  the executed notebook, with provenance in ``metadata["perfnb"]``
``report.html``       the HTML report (perfnb_html exporter)
``report.pdf``        the PDF/A report (perfnb_pdf exporter)
``result.json``       :meth:`Evaluation.to_dict` of the unit, as the notebook's kernel recorded it
                      (the unit is read and evaluated once, in the kernel; see
                      docs/architecture.md, "One pass per unit")

A unit whose notebook fails keeps its executed notebook (with papermill's error cell) and
gets status ``failed`` and a Chinese message; nothing else is exported for it.  Every file
is written atomically (:mod:`perfnb.fsutil`).
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from perfnb.cells import as_text
from perfnb.errors import InputError, ParameterError, PerfnbError
from perfnb.reading.values import department_name
from perfnb.running import kernels
from perfnb.running.crosscheck import FLAGS_NAME, notebook_record
from perfnb.fsutil import TEMP_SUFFIX, atomic_path, atomic_write_bytes, atomic_write_text, \
    component_or, ensure_inside

__all__ = ["UnitRun", "UnitPlan", "default_template", "plan_unit", "plan_units", "run_unit", "run_command",
           "SUPPORTED_FORMATS", "NOTEBOOK_NAME", "OUTPUT_NAMES", "PREVIOUS_DIR", "FLAGS_SIDECAR"]

NOTEBOOK_NAME = "evaluation.ipynb"
OUTPUT_NAMES = {"html": "report.html", "pdf": "report.pdf", "docx": "report.docx",
                "xlsx": "form.xlsx", "json": "result.json"}
SUPPORTED_FORMATS = ("html", "pdf", "docx", "xlsx")
# The earlier years' rows a unit is compared with (--previous): written by the run into the
# unit's folder, named by the notebook's ``previous`` parameter, archived with the unit.
PREVIOUS_DIR = "previous"
# Written beside result.json after the whole batch (its findings across units; see
# running/yeartables.py): removed before a unit reruns, never part of the unit's own files.
FLAGS_SIDECAR = FLAGS_NAME
DEFAULT_RULES = "central"
UNKNOWN_DEPARTMENT = "未识别部门"


@dataclass
class UnitPlan:
    """What :func:`run_unit` would do for an input, found without starting a kernel."""

    unit_id: str
    department: str
    input_files: list[Path]
    parameters: dict
    rules: str | None = None           # the unit YAML's own rule set, if it names one
    project: str = ""                  # the project name where planning saw it ('' unknown):
                                       # links the unit to earlier years (--previous)


@dataclass
class UnitRun:
    """The outcome of one unit's run."""

    unit_id: str
    department: str
    status: str                        # "passed" | "failed"
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    message: str | None = None         # Chinese; None if passed
    started: datetime | None = None
    finished: datetime | None = None
    host: str = ""
    cpu: dict | None = None            # where the CPU went (PERFNB_TIMINGS; perfnb.running.timing)

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def default_template() -> Path:
    """notebooks/evaluation.ipynb next to the perfnb package."""
    import perfnb
    return Path(perfnb.__file__).resolve().parents[1] / "notebooks" / NOTEBOOK_NAME


def plan_units(input_path, form=None) -> list[UnitPlan]:
    """The plans of every unit an input holds: one, or one per form of a multi-form file.

    The unit id is the YAML's ``unit_id``, else the workbook's 单位编号, else the input
    file's stem (``<stem>-<project>`` / ``<stem>-<number>`` for the forms of a multi-form
    file); the department is the YAML's ``department``, else the data file's 主管部门.
    The data file is read only when the YAML does not name both.  A form that cannot be
    read still gets a plan (its notebook then fails with the form's error, the other forms
    run).  ``form`` picks one form (as a unit YAML's ``form`` key does).  Raises
    :class:`InputError` for an input that cannot be used at all.
    """
    from perfnb.reading import YAML_SUFFIXES, read_unit_yaml
    from perfnb.reading.discovery import unit_data_paths

    path = Path(input_path)
    if not path.exists():
        raise InputError("输入文件不存在", file=path, hint="请检查路径是否正确")
    if path.is_dir():
        raise InputError("这是一个文件夹，不是单位文件", file=path,
                         hint="perfnb run 需要一个单位 YAML、Excel 工作簿或 CSV 文件；"
                              "批量评价文件夹请用 perfnb batch")
    path = path.resolve()
    unit_id = department = project = ""
    unit_rules = None
    input_files = [path]
    if path.suffix.lower() in YAML_SUFFIXES:
        settings = read_unit_yaml(path)
        unit_id = as_text(settings.get("unit_id"))
        department = as_text(settings.get("department"))
        project = as_text(settings.get("project"))
        unit_rules = as_text(settings.get("rules")) or None
        form = form if form is not None else (as_text(settings.get("form")) or None)
        for data_path in unit_data_paths(path, settings):
            if not data_path.is_file():
                raise InputError(f"data 指向的数据文件“{settings['data']}”不存在（查找位置：{data_path}）",
                                 file=path, hint="请检查 data 的路径；相对路径以本 YAML 所在文件夹为准")
            input_files.append(data_path)
    from perfnb.reading import review_file
    review = review_file(path)
    if review is not None:
        # the evaluator's review is an input like the data: hashed in the provenance and the
        # manifest, attached to the PDF, part of the batch fingerprint (a changed review reruns)
        input_files.append(review.resolve())
        if review.suffix.lower() in YAML_SUFFIXES:
            # the 佐证材料 it cites are inputs too: hashed, attached, part of the fingerprint
            from perfnb.reading.review import read_review, review_evidence
            input_files += [p for p in review_evidence(read_review(review)) if p not in input_files]
    # units group by department without the budget-system code some forms print before it
    if department and unit_id:
        department = department_name(department)
        parameters = {"data": str(path), "unit_id": unit_id}
        if form is not None:
            parameters["form"] = form
        return [UnitPlan(unit_id=unit_id, department=department, input_files=input_files,
                         parameters=parameters, rules=unit_rules, project=project)]
    from perfnb.reading import prepare_forms
    _, prepared = prepare_forms(path, {"form": form} if form is not None else None)
    plans = []
    for result, loaded in prepared:
        if result.error is not None and len(prepared) == 1:
            raise result.error
        own_id = unit_id if (result.count == 1 or form is not None) and unit_id else result.unit_id
        own_department = department_name(department or as_text(
            (loaded.unit if loaded else {}).get("department") or result.department))
        parameters = {"data": str(path), "unit_id": own_id or path.stem}
        if form is not None:
            parameters["form"] = form
        elif result.count > 1:
            parameters["form"] = result.index
        own_project = project or as_text((loaded.unit if loaded else {}).get("project"))
        plans.append(UnitPlan(unit_id=own_id or path.stem, department=own_department,
                              input_files=input_files, parameters=parameters, rules=unit_rules,
                              project=own_project))
    return plans


def _data_inputs(plan: UnitPlan) -> int:
    """How many of a plan's input files are the unit's own (YAML, data), before its review."""
    for i, path in enumerate(plan.input_files):
        if str(path).lower().endswith((".review.yaml", ".review.yml")):
            return i
    return len(plan.input_files)


def unit_folder(plan: UnitPlan) -> str:
    """``<主管部门>/<单位编号>`` as folder names (:func:`perfnb.fsutil.safe_component`).

    A department that cannot be a folder ("/", "..") falls back to 未识别部门; a unit id that
    cannot, to the input's name and the form's number: per form, so two such forms of one
    file never share a folder."""
    department = component_or(plan.department or UNKNOWN_DEPARTMENT, UNKNOWN_DEPARTMENT)
    stem = Path(str(plan.parameters.get("data") or "单位")).stem
    form = plan.parameters.get("form")
    unit = component_or(plan.unit_id, f"{stem}-{form}" if form is not None else stem)
    return f"{department}/{unit}"


def plan_unit(input_path, form=None) -> UnitPlan:
    """The plan of one unit (see :func:`plan_units`); a multi-form file needs ``form``
    (number from 1, or project name), else the error that lists its forms is raised."""
    plans = plan_units(input_path, form)
    if len(plans) > 1:
        from perfnb.reading import load_unit
        load_unit(input_path)            # raises the error that lists the forms
    return plans[0]


def _formats(formats) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = formats.split(",")
    result = tuple(dict.fromkeys(f.strip().lower() for f in formats if f and f.strip()))
    unknown = [f for f in result if f not in SUPPORTED_FORMATS]
    if unknown:
        raise ParameterError(f"不支持的导出格式：{'、'.join(unknown)}。"
                             f"perfnb run 可导出：{','.join(SUPPORTED_FORMATS)}（逗号分隔）。")
    return result


def _failure_message(unit_id: str, error: Exception, notebook: Path) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, PapermillExecutionError):
        evalue = (error.evalue or "").strip()
        if error.ename in {"InputError", "InputErrors", "ParameterError", "RulesError",
                           "PerfnbError", "ExportError"} and evalue:
            reason = evalue
        else:
            reason = f"笔记本第 {error.exec_count} 个代码单元出错（{error.ename}：{evalue}）"
    else:
        reason = f"笔记本未能执行完毕（{type(error).__name__}：{error}）"
    reason = reason.rstrip("。")
    return f"单位“{unit_id}”评价失败：{reason}。出错的笔记本见 {notebook}。"


def _execute(template: Path, temp: Path, parameters: dict, kernel_name: str | None,
             kernel: dict | None = None, hooks: dict | None = None) -> dict:
    """Execute the template into ``temp`` in a fresh kernel; note in ``kernel`` how it started.

    With a :class:`perfnb.running.kernels.KernelForkServer` running in this process (``perfnb batch`` starts one per
    worker), the kernel is forked from it: a new process that has imported the template's
    modules but run no code of any unit.  Otherwise papermill starts the kernel as usual.
    """
    import papermill

    kernel = {} if kernel is None else kernel
    kernel.update(process="new", start="launched")
    engine_kwargs = {}
    manager = kernels.forking_kernel_manager(kernel)
    if manager is not None:
        engine_kwargs["kernel_manager_class"] = manager
    engine_kwargs.update(hooks or {})   # nbclient's cell hooks (timing.KernelCells)
    with warnings.catch_warnings():
        # The temporary output name does not end in .ipynb; papermill only warns about it.
        warnings.filterwarnings("ignore", message=r"The specified file .* does not end in")
        papermill.execute_notebook(
            str(template), str(temp), parameters=parameters, kernel_name=kernel_name,
            cwd=str(template.parent), progress_bar=False, log_output=False,
            request_save_on_cell_execute=False,
            # nbclient's graceful shutdown idles ~1.5 s per unit; the kernel has nothing to save
            shutdown_kernel="immediate",
            # the kernel's own start-up chatter (e.g. its TCP transport warning) is not
            # for our users; errors still show in the executed notebook
            extra_arguments=["--log-level=ERROR"], **engine_kwargs)
    return kernel


CHECK_RESULTS_ENV = ("PERFNB_CHECK_RESULTS", "PERFNB_DEBUG")


def result_json(result: dict) -> str:
    """The text of result.json: the kernel's record, as the notebook holds it.

    With ``PERFNB_CHECK_RESULTS`` or ``PERFNB_DEBUG`` set (the test suite sets the first),
    the record is validated against the shipped schema (:mod:`perfnb.schemas`) first, and a
    record that breaks it fails the unit instead of being archived.
    """
    if any(os.environ.get(name) for name in CHECK_RESULTS_ENV):
        from perfnb.schemas import RESULT_SCHEMA_VERSION, result_problems
        problems = result_problems(result)
        if problems:
            raise PerfnbError(f"笔记本记录的评价结果不符合 result.json 的格式（第 {RESULT_SCHEMA_VERSION} 版）："
                              + "；".join(problems))
    return json.dumps(result, ensure_ascii=False, indent=2) + "\n"


def _office_evaluation(plan: UnitPlan, rule_set, parameters: dict):
    """The Evaluation the Word and Excel writers need (they take the tables, not the JSON):
    only for --formats docx/xlsx is the unit read again in this process."""
    from perfnb.reading import load_unit
    from perfnb.evaluation.evaluator import evaluate
    selector = {"unit_id": plan.unit_id}
    if plan.parameters.get("form") is not None:
        selector["form"] = plan.parameters["form"]
    return evaluate(load_unit(plan.input_files[0], selector, review=plan.parameters.get("review")),
                    rule_set, review_rules=parameters.get("review_rules"))


def run_unit(input_path, out_root="outputs", formats=("html", "pdf"), rules=None,
             template=None, kernel_name=None, form=None, plan: UnitPlan | None = None,
             review=None, review_rules=None, previous=None, link: str = "auto") -> UnitRun:
    """Execute the evaluation notebook for one unit and export its reports.

    ``rules``: a rule-set name or file; None takes the unit YAML's ``rules``, else central.
    ``form``: which form of a multi-form file (number from 1, or project name); ``plan``: a
    plan already made (one of :func:`plan_units`).  ``previous``: earlier years' rows already
    narrowed to the ones this unit can link to (:class:`perfnb.running.yeartables.PreviousRows`'
    JSON-able value, or (units, indicators) tables); they are written to
    ``<unit folder>/previous/`` and the notebook's ``previous``/``link`` parameters name them,
    so the kernel compares with last year (result.json ``previous_year``, 与上年比较).

    Raises :class:`PerfnbError` for bad input (no such file, unreadable YAML, unknown
    format or rule set, missing template); a notebook that fails to run is not raised but
    reported as status ``failed`` with a Chinese message.
    """
    import nbformat

    from perfnb.running.provenance import attach, build_provenance, now
    from perfnb.running import timing
    from perfnb.evaluation.checks.catalog import validate as validate_checks
    from perfnb.evaluation.rules import get_rules

    clock = timing.Clock() if timing.enabled() else None

    formats = _formats(formats)
    template = Path(template) if template else default_template()
    if not template.is_file():
        raise ParameterError(f"模板笔记本“{template}”不存在。请用 --template 指定评价笔记本。")
    template = template.resolve()
    if plan is None:
        plan = plan_unit(input_path, form)
    if review:
        # a 复核底稿 (perfnb batch --review 底稿.xlsx): the unit's review record, and an input
        from perfnb.reading.review import review_evidence
        from perfnb.reading.workpaper import read_workpaper
        review_path = Path(review).resolve()
        paper = read_workpaper(review_path, plan.unit_id)
        evidence = review_evidence(paper) if paper is not None else []
        plan = UnitPlan(unit_id=plan.unit_id, department=plan.department,
                        input_files=[p for p in plan.input_files[:_data_inputs(plan)]]
                        + [review_path] + evidence,
                        parameters={**plan.parameters, "review": str(review_path)}, rules=plan.rules,
                        project=plan.project)
    rules = rules or plan.rules or DEFAULT_RULES
    rule_set = validate_checks(get_rules(rules))
    # a relative --out is the working folder's (ensure_inside resolves a relative path
    # against the root: "outputs" gave outputs/outputs/…)
    out_root = Path(out_root).resolve()
    out_dir = ensure_inside(out_root, out_root / unit_folder(plan))
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook_path = out_dir / NOTEBOOK_NAME
    # outputs of an earlier run must not outlive this one
    for name in OUTPUT_NAMES.values():
        with contextlib.suppress(FileNotFoundError):
            (out_dir / name).unlink()
    _remove_previous(out_dir)

    parameters = dict(plan.parameters, rules=str(rules))
    if review_rules:
        from perfnb.evaluation.review_rules import get_review_rules
        get_review_rules(review_rules)        # a bad profile: exit 2 now, not in the kernel
        parameters["review_rules"] = str(Path(review_rules).resolve()) \
            if str(review_rules).lower().endswith((".yaml", ".yml")) else str(review_rules)
    if previous is not None:
        parameters.update(previous=str(_write_previous(out_dir, previous)), link=link)
    # created here with O_EXCL under an unpredictable name (mkstemp): papermill then writes
    # into perfnb's own new file, never through a planted symlink
    handle, temp_name = tempfile.mkstemp(dir=out_dir, prefix=f".{NOTEBOOK_NAME}.",
                                         suffix=TEMP_SUFFIX)
    os.close(handle)
    temp = Path(temp_name)
    started = now()
    error: Exception | None = None
    kernel: dict = {}
    cells = timing.KernelCells(kernel) if clock else None
    if clock:
        clock.mark("prepare")
    try:
        _execute(template, temp, parameters, kernel_name, kernel, cells.hooks() if cells else None)
    except Exception as problem:  # papermill/kernel failures: the unit failed, not perfnb
        error = problem
    finished = now()
    if clock:
        clock.mark("notebook")

    import socket
    host = socket.gethostname()
    run = UnitRun(unit_id=plan.unit_id, department=plan.department, status="passed",
                  out_dir=out_dir, started=started, finished=finished, host=host)
    if clock:
        run.cpu = {"worker": clock.phases, "kernel": cells.record()}
    unit_info = {"unit_id": plan.unit_id, "department": plan.department, "project": ""}
    if not temp.exists() or temp.stat().st_size == 0:  # papermill wrote nothing
        with contextlib.suppress(OSError):
            temp.unlink()
        run.status = "failed"
        run.message = _failure_message(plan.unit_id, error or RuntimeError("无输出"), notebook_path)
        return run
    nb = nbformat.read(temp, as_version=4)
    # The kernel's evaluation is the one that counts: result.json, the manifest and the
    # summaries are written from what the notebook recorded (show_title), never from a
    # second reading in this process, so the notebook and result.json cannot drift.
    record = notebook_record(nb)
    result = record.get("result") if record else None
    if error is None and not isinstance(result, dict):
        error = RuntimeError("笔记本没有记录评价结果（模板须调用 nb.show_title(result)）")
    if isinstance(result, dict):
        unit_info["project"] = as_text(result.get("project"))
    title = as_text((record or {}).get("title")) or f"{plan.unit_id}绩效自评报告"
    provenance = build_provenance(template=template, input_files=plan.input_files,
                                  rules=rule_set, unit=unit_info, title=title,
                                  started=started, finished=finished, parameters=parameters,
                                  status="failed" if error else "passed")
    provenance["kernel"] = kernel  # a fresh kernel per unit; forked ones list their imports
    attach(nb, provenance)
    atomic_write_text(notebook_path, nbformat.writes(nb))
    temp.unlink()
    run.files.append(notebook_path)
    if clock:
        clock.mark("record")
    if error is not None:
        run.status = "failed"
        run.message = _failure_message(plan.unit_id, error, notebook_path)
        return run

    try:
        resources = {"metadata": {"path": str(out_dir), "name": "report"}}
        reports = [kind for kind in ("html", "pdf") if kind in formats]
        if reports:
            from perfnb.reporting.exporters import export_reports
            for kind, report in export_reports(nb, dict(resources), reports):
                path = out_dir / OUTPUT_NAMES[kind]
                if kind == "pdf":
                    atomic_write_bytes(path, report)
                else:
                    atomic_write_text(path, report)
                run.files.append(path)
                if clock:
                    clock.mark(f"export_{kind}")
        evaluation = _office_evaluation(plan, rule_set, parameters) if {"docx", "xlsx"} & set(formats) else None
        if "docx" in formats:
            from perfnb.reporting.office import write_docx_report
            path = out_dir / OUTPUT_NAMES["docx"]
            with atomic_path(path) as temp:
                write_docx_report(evaluation, temp, plan.unit_id)
            run.files.append(path)
        if "xlsx" in formats:
            from perfnb.reporting.office import write_xlsx_form
            path = out_dir / OUTPUT_NAMES["xlsx"]
            with atomic_path(path) as temp:
                write_xlsx_form(evaluation, temp, plan.unit_id)
            run.files.append(path)
    except PerfnbError as problem:
        run.status = "failed"
        run.message = f"单位“{plan.unit_id}”的报告导出失败：{problem}"
        return run
    path = out_dir / OUTPUT_NAMES["json"]
    try:
        text = result_json(result)
    except PerfnbError as problem:
        run.status = "failed"
        run.message = f"单位“{plan.unit_id}”的结果未写出：{problem}"
        return run
    atomic_write_text(path, text)
    run.files.append(path)
    run.finished = now()
    if clock:
        clock.mark("result_json")
    return run


def _remove_previous(out_dir: Path) -> None:
    """What an earlier run wrote into the unit's folder besides OUTPUT_NAMES: the earlier
    years' rows and the batch's red-flag sidecar."""
    from perfnb.evaluation.redflags import INDICATORS_FILE, UNITS_FILE
    with contextlib.suppress(FileNotFoundError):
        (out_dir / FLAGS_SIDECAR).unlink()
    folder = out_dir / PREVIOUS_DIR
    if folder.is_dir() and not folder.is_symlink():
        for name in (UNITS_FILE, INDICATORS_FILE):
            with contextlib.suppress(FileNotFoundError):
                (folder / name).unlink()
        with contextlib.suppress(OSError):
            folder.rmdir()


def _write_previous(out_dir: Path, previous) -> Path:
    """``previous`` (:class:`perfnb.running.yeartables.PreviousRows`' value for this unit, or
    the (units, indicators) tables) as Parquet in ``<unit folder>/previous/``."""
    from perfnb.running.yeartables import previous_frames, write_tables
    frames = previous_frames(previous) if isinstance(previous, dict) else previous
    folder = ensure_inside(out_dir, out_dir / PREVIOUS_DIR)
    write_tables(frames[0], frames[1], folder)
    return folder


def run_command(args) -> int:
    """`perfnb run INPUT [--out DIR] [--formats html,pdf] [--rules NAME] [--template NB] [--form N]`.

    A file holding several forms runs every form (each its own unit and folder) unless
    ``--form`` picks one.  Exit status: 0 passed, 1 a unit failed (its notebook shows why),
    2 bad input (raised as PerfnbError and printed by the CLI).
    """
    import sys

    form = getattr(args, "form", None)
    plans = [plan_unit(args.input, form)] if form is not None else plan_units(args.input)
    link = getattr(args, "link", None) or "auto"
    rows_of = None
    if getattr(args, "previous", None):   # read once (a bad path: exit 2 before any kernel)
        from perfnb.running.yeartables import PreviousRows, read_previous
        rows_of = PreviousRows(read_previous(args.previous), link)
    status = 0
    for plan in plans:
        own = None
        if rows_of is not None:
            own = rows_of(plan.department, plan.project)   # None: nothing to compare with
        run = run_unit(args.input, out_root=args.out, formats=args.formats, rules=args.rules,
                       template=args.template, plan=plan,
                       review_rules=getattr(args, "review_rules", None), previous=own, link=link)
        if run.passed:
            print(f"单位“{run.unit_id}”（{run.department or UNKNOWN_DEPARTMENT}）评价完成，报告保存在 {run.out_dir}：")
            for path in run.files:
                print(f"  {path}")
        else:
            print(f"perfnb：{run.message}", file=sys.stderr)
            status = 1
    return status
