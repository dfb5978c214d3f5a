"""`perfnb run`: execute the evaluation notebook for one unit and export its reports.

:func:`run_unit` executes ``notebooks/evaluation.ipynb`` (or another template) with
papermill's Python API into ``<out_root>/<department>/<unit_id>/`` and writes there:

``evaluation.ipynb``  the executed notebook, with provenance in ``metadata["perfnb"]``
``report.html``       the HTML report (perfnb_html exporter)
``report.pdf``        the PDF/A report (perfnb_pdf exporter)
``result.json``       :meth:`Evaluation.to_dict` of the unit

A unit whose notebook fails keeps its executed notebook (with papermill's error cell) and
gets status ``failed`` and a Chinese message; nothing else is exported for it.  Every file
is written atomically (:mod:`perfnb.fsutil`).
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .errors import InputError, ParameterError, PerfnbError
from .fsutil import TEMP_SUFFIX, atomic_path, atomic_write_bytes, atomic_write_text, \
    ensure_inside, safe_component

__all__ = ["UnitRun", "UnitPlan", "default_template", "plan_unit", "run_unit", "run_command",
           "SUPPORTED_FORMATS", "NOTEBOOK_NAME", "OUTPUT_NAMES"]

NOTEBOOK_NAME = "evaluation.ipynb"
OUTPUT_NAMES = {"html": "report.html", "pdf": "report.pdf", "docx": "report.docx",
                "xlsx": "form.xlsx", "json": "result.json"}
SUPPORTED_FORMATS = ("html", "pdf", "docx", "xlsx")
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

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def default_template() -> Path:
    """notebooks/evaluation.ipynb next to the perfnb package."""
    import perfnb
    return Path(perfnb.__file__).resolve().parents[1] / "notebooks" / NOTEBOOK_NAME


def _text(value) -> str:
    if value is None:
        return ""
    try:
        import pandas as pd
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def plan_unit(input_path) -> UnitPlan:
    """Unit id, department, input files and notebook parameters of one input.

    The unit id is the YAML's ``unit_id``, else the workbook's 单位编号, else the input
    file's stem; the department is the YAML's ``department``, else the data file's 主管部门.
    The data file is read only when the YAML does not name both.  Raises
    :class:`InputError` for an input that cannot be used.
    """
    from .loading import YAML_SUFFIXES, read_unit_yaml, resolve_data_path

    path = Path(input_path)
    if not path.exists():
        raise InputError("输入文件不存在", file=path, hint="请检查路径是否正确")
    if path.is_dir():
        raise InputError("这是一个文件夹，不是单位文件", file=path,
                         hint="perfnb run 需要一个单位 YAML、Excel 工作簿或 CSV 文件；"
                              "批量评价文件夹请用 perfnb batch")
    path = path.resolve()
    unit_id = department = ""
    unit_rules = None
    input_files = [path]
    if path.suffix.lower() in YAML_SUFFIXES:
        settings = read_unit_yaml(path)
        unit_id = _text(settings.get("unit_id"))
        department = _text(settings.get("department"))
        unit_rules = _text(settings.get("rules")) or None
        if settings.get("data"):
            data_path = resolve_data_path(settings["data"], path.parent)
            if not data_path.is_file():
                raise InputError(f"data 指向的数据文件“{settings['data']}”不存在（查找位置：{data_path}）",
                                 file=path, hint="请检查 data 的路径；相对路径以本 YAML 所在文件夹为准")
            input_files.append(data_path.resolve())
    if not department or not unit_id:
        from .loading import load_unit
        tables = load_unit(path)
        unit = tables.units.iloc[0]
        unit_id = unit_id or _text(unit.get("unit_id"))
        department = department or _text(unit.get("department"))
    unit_id = unit_id or path.stem
    parameters = {"data": str(path), "unit_id": unit_id}
    return UnitPlan(unit_id=unit_id, department=department, input_files=input_files,
                    parameters=parameters, rules=unit_rules)


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
             kernel: dict | None = None) -> dict:
    """Execute the template into ``temp`` in a fresh kernel; note in ``kernel`` how it started.

    With a :class:`KernelForkServer` running in this process (``perfnb batch`` starts one per
    worker), the kernel is forked from it: a new process that has imported the template's
    modules but run no code of any unit.  Otherwise papermill starts the kernel as usual.
    """
    import papermill

    kernel = {} if kernel is None else kernel
    kernel.update(process="new", start="launched")
    engine_kwargs = {}
    server = _fork_server
    if server is not None and server.alive:
        engine_kwargs["kernel_manager_class"] = _forking_kernel_manager(server, kernel)
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


# --- kernels forked from a pre-imported process ------------------------------------------
#
# A kernel start costs ~1 s of CPU for ipykernel and ~2 s for the template's imports
# (pandas, openpyxl, matplotlib, perfnb), more than the notebook's own work.  In a batch each
# worker keeps a fork server: a process that has imported ipykernel and those modules and
# nothing else.  For each unit it forks a child that becomes the unit's kernel: a new
# process, so no state of one unit reaches another, with the imports already done
# (copy-on-write).  The provenance of the executed notebook records that the kernel was
# forked and which modules it had imported before the unit's parameters were injected.

# Not perfnb.charts: importing it selects matplotlib's Agg backend, which a kernel does only
# when the notebook first draws a chart.  What it imports is here.
KERNEL_PRELOAD = ("IPython.display", "pandas", "openpyxl", "matplotlib", "matplotlib.figure",
                  "matplotlib.patches", "perfnb.notebook", "perfnb.loading", "perfnb.scoring",
                  "perfnb.audit", "perfnb.result", "perfnb.narrative", "perfnb.fonts",
                  "perfnb.summary")
_fork_server: "KernelForkServer | None" = None


class KernelForkServer:
    """A process that imports ipykernel and ``modules`` once, then forks one kernel per request.

    Requests and replies are JSON lines on the server's stdin/stdout.  The server dies with
    the process that started it (Linux parent-death signal, and end of its stdin), and each
    kernel dies with the server.  Thread-safe.
    """

    def __init__(self, modules=KERNEL_PRELOAD) -> None:
        import subprocess
        import threading

        code = ("import sys\n"
                "if sys.path and sys.path[0] == '': del sys.path[0]\n"
                "from perfnb.runner import _fork_server_main\n"
                "_fork_server_main(sys.argv[1:])\n")
        self._lock = threading.Lock()
        self._process = subprocess.Popen([sys.executable, "-c", code, *modules],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True, encoding="utf-8", bufsize=1)
        self._ready: dict | None = None

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._process.pid

    def _reply(self) -> dict:
        line = self._process.stdout.readline()
        if not line:
            raise OSError("the kernel fork server has exited")
        return json.loads(line)

    def ready(self) -> dict:
        """Wait until the server has imported its modules; its ready message."""
        with self._lock:
            if self._ready is None:
                self._ready = self._reply()
            return self._ready

    def can_fork(self, kernel_cmd: list[str]) -> bool:
        """Whether ``kernel_cmd`` starts an ipykernel of this very Python (what we can fork)."""
        return (len(kernel_cmd) >= 3 and os.path.realpath(kernel_cmd[0]) == os.path.realpath(
                    sys.executable) and kernel_cmd[1:3] == ["-m", "ipykernel_launcher"]
                and self.alive)

    def fork(self, argv: list[str], cwd: str | None, env: dict | None) -> int:
        """Fork a kernel with ipykernel's command-line ``argv``; its process id."""
        self.ready()
        request = {"argv": list(argv), "cwd": str(cwd or os.getcwd()),
                   "env": dict(env if env is not None else os.environ)}
        with self._lock:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            return int(self._reply()["pid"])

    def close(self) -> None:
        # The server holds nothing worth a clean exit (its kernels have their own managers).
        with contextlib.suppress(OSError):
            self._process.kill()
        self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()


def start_kernel_fork_server(modules=KERNEL_PRELOAD) -> KernelForkServer:
    """Let this process's notebooks run in kernels forked from a pre-imported server.

    Units (:func:`run_unit`) and every other papermill execution in this process that uses
    papermill's default engine (the batch summaries) then get forked kernels.
    """
    global _fork_server
    if _fork_server is None or not _fork_server.alive:
        _fork_server = KernelForkServer(modules)
        _install_default_engine()
    return _fork_server


def stop_kernel_fork_server() -> None:
    global _fork_server
    server, _fork_server = _fork_server, None
    if server is not None:
        server.close()


def _install_default_engine() -> None:
    """Make papermill's default engine fork its kernels while a fork server runs here."""
    from papermill.engines import NBClientEngine, papermill_engines

    class ForkedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            server = _fork_server
            if server is not None and server.alive:
                kwargs.setdefault("kernel_manager_class", _forking_kernel_manager(server, {}))
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(None, ForkedKernelEngine)


def _set_parent_death_signal(signum: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signum)  # PR_SET_PDEATHSIG


def _fork_server_main(modules: list[str]) -> None:
    """The fork server's main loop (runs in its own process; see :class:`KernelForkServer`)."""
    import signal
    import threading

    _set_parent_death_signal(signal.SIGKILL)
    # As ipykernel does before the notebook imports matplotlib.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import builtins

    import ipykernel_launcher
    from ipykernel import kernelapp  # noqa: F401

    # Some modules look at import time whether they run in a Jupyter kernel (pandas shows
    # at most 20 columns there, and fits the terminal otherwise): answer as a kernel would.
    class KernelShell:
        kernel = None

    builtins.get_ipython = KernelShell
    # ... and see the kernel's stdout (pandas takes its display.encoding from it)
    import io
    stdout, sys.stdout = sys.stdout, io.TextIOWrapper(io.BytesIO(), encoding="UTF-8")
    loaded = []
    try:
        for name in modules:
            try:
                __import__(name)
            except Exception:  # a module that fails here fails in the kernel, where it shows
                continue
            loaded.append(name)
    finally:
        del builtins.get_ipython
        sys.stdout = stdout
    warmed = _warm_kernel_caches()
    # Forking is only safe from a single-threaded process.
    forkable = threading.active_count() == 1
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernels are reaped as they exit
    reply = sys.stdout
    reply.write(json.dumps({"ready": forkable, "modules": loaded, "warmed": warmed,
                            "pid": os.getpid()}) + "\n")
    reply.flush()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _become_kernel(request, ipykernel_launcher.__file__)
        reply.write(json.dumps({"pid": pid}) + "\n")
        reply.flush()


def _warm_kernel_caches() -> list[str]:
    """Fill the caches every unit's first use would fill, from files of perfnb only.

    No unit's data is read: the narrative's Jinja templates are compiled and the chart font
    is loaded by drawing a blank figure (matplotlib's settings and font list are restored
    afterwards).
    Saves ~0.5 s per unit.  Returns what was warmed, for the provenance.
    """
    warmed = []
    with contextlib.suppress(Exception):
        from perfnb.narrative import environment
        templates = environment()
        for name in templates.list_templates():
            templates.get_template(name)
        warmed.append("narrative templates compiled")
    with contextlib.suppress(Exception):
        import matplotlib
        from matplotlib.figure import Figure

        from perfnb.fonts import use_cjk_font
        from perfnb.notebook import figure_png
        from matplotlib import font_manager
        fonts = list(font_manager.fontManager.ttflist)
        with matplotlib.rc_context():
            use_cjk_font()
            figure = Figure(figsize=(2, 1))
            figure.text(0.1, 0.5, "项目支出绩效自评 0123456789.%")
            figure_png(figure)
        # keep the parsed font file (matplotlib's font cache), not its registration
        font_manager.fontManager.ttflist[:] = fonts
        font_manager.fontManager._findfont_cached.cache_clear()
        warmed.append("chart font loaded")
    return warmed


def _become_kernel(request: dict, launcher: str) -> None:
    """In a freshly forked child: run ipykernel as ``python -m ipykernel_launcher`` would."""
    import signal
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _set_parent_death_signal(signal.SIGKILL)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(2, 1)  # fd 1 is the server's reply pipe
        os.close(devnull)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # ipykernel exits when the server does (it read JPY_PARENT_PID at import, unset then)
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = [launcher, *argv]
        from ipykernel import kernelapp
        kernelapp.launch_new_instance(argv=argv)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        import atexit
        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


class _ForkedKernelProcess:
    """A Popen-like handle of a kernel forked by the fork server (not our child)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self._pidfd = None

    def poll(self) -> int | None:
        return self.wait(timeout=0) if self.returncode is None else self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        import select
        import time
        if self.returncode is not None:
            return self.returncode
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if self._pidfd is not None:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                exited = bool(select.select([self._pidfd], [], [], remaining)[0])
            else:
                try:
                    os.kill(self.pid, 0)
                    exited = False
                except ProcessLookupError:
                    exited = True
            if exited:
                self.returncode = 0  # the exit status belongs to the fork server
                if self._pidfd is not None:
                    os.close(self._pidfd)
                    self._pidfd = None
                return self.returncode
            if deadline is not None and time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        import signal
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        import signal
        self.send_signal(signal.SIGKILL)


def _forking_kernel_manager(server: KernelForkServer, record: dict):
    """An AsyncKernelManager class whose kernels ``server`` forks; notes how in ``record``."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    class ForkingKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            if not (isinstance(self.provisioner, LocalProvisioner) and server.can_fork(kernel_cmd)
                    and server.ready().get("ready")):
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            try:
                pid = server.fork(kernel_cmd[3:], kw.get("cwd"), kw.get("env"))
            except (OSError, ValueError):  # the server is gone: start the kernel as usual
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            provisioner = self.provisioner
            provisioner.process = _ForkedKernelProcess(pid)
            provisioner.pid = provisioner.pgid = pid  # the kernel leads its own session
            provisioner.cwd = kw.get("cwd") or os.getcwd()
            self._reconcile_connection_info(provisioner.connection_info)
            record.update(process="new", start="forked from a pre-imported fork server",
                          preloaded_modules=server.ready().get("modules", []),
                          prewarmed=server.ready().get("warmed", []),
                          fork_server_pid=server.pid, pid=pid)

    return ForkingKernelManager


def run_unit(input_path, out_root="outputs", formats=("html", "pdf"), rules=None,
             template=None, kernel_name=None) -> UnitRun:
    """Execute the evaluation notebook for one unit and export its reports.

    ``rules``: a rule-set name or file; None takes the unit YAML's ``rules``, else central.

    Raises :class:`PerfnbError` for bad input (no such file, unreadable YAML, unknown
    format or rule set, missing template); a notebook that fails to run is not raised but
    reported as status ``failed`` with a Chinese message.
    """
    import nbformat

    from .provenance import attach, build_provenance, now
    from .rules import get_rules

    formats = _formats(formats)
    template = Path(template) if template else default_template()
    if not template.is_file():
        raise ParameterError(f"模板笔记本“{template}”不存在。请用 --template 指定评价笔记本。")
    template = template.resolve()
    plan = plan_unit(input_path)
    rules = rules or plan.rules or DEFAULT_RULES
    rule_set = get_rules(rules)
    out_root = Path(out_root)
    out_dir = ensure_inside(out_root, out_root / safe_component(plan.department or UNKNOWN_DEPARTMENT)
                            / safe_component(plan.unit_id))
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook_path = out_dir / NOTEBOOK_NAME
    # outputs of an earlier run must not outlive this one
    for name in OUTPUT_NAMES.values():
        with contextlib.suppress(FileNotFoundError):
            (out_dir / name).unlink()

    parameters = dict(plan.parameters, rules=str(rules))
    temp = out_dir / f".{NOTEBOOK_NAME}.{os.getpid()}{TEMP_SUFFIX}"
    started = now()
    error: Exception | None = None
    kernel: dict = {}
    try:
        _execute(template, temp, parameters, kernel_name, kernel)
    except Exception as problem:  # papermill/kernel failures: the unit failed, not perfnb
        error = problem
    finished = now()

    import socket
    host = socket.gethostname()
    run = UnitRun(unit_id=plan.unit_id, department=plan.department, status="passed",
                  out_dir=out_dir, started=started, finished=finished, host=host)
    unit_info = {"unit_id": plan.unit_id, "department": plan.department, "project": ""}
    title = f"{plan.unit_id}绩效自评报告"
    evaluation = None
    if error is None:
        try:
            from .loading import load_unit
            from .narrative import report_title
            from .scoring import evaluate
            evaluation = evaluate(load_unit(plan.input_files[0], {"unit_id": plan.unit_id}),
                                  rule_set)
            unit = evaluation.units.iloc[0]
            unit_info["project"] = _text(unit.get("project"))
            title = report_title(evaluation)
        except Exception as problem:  # the notebook ran, so this cannot normally happen
            error = problem

    if not temp.exists():
        run.status = "failed"
        run.message = _failure_message(plan.unit_id, error or RuntimeError("无输出"), notebook_path)
        return run
    nb = nbformat.read(temp, as_version=4)
    provenance = build_provenance(template=template, input_files=plan.input_files,
                                  rules=rule_set, unit=unit_info, title=title,
                                  started=started, finished=finished, parameters=parameters,
                                  status="failed" if error else "passed")
    provenance["kernel"] = kernel  # a fresh kernel per unit; forked ones list their imports
    attach(nb, provenance)
    atomic_write_text(notebook_path, nbformat.writes(nb))
    temp.unlink()
    run.files.append(notebook_path)
    if error is not None:
        run.status = "failed"
        run.message = _failure_message(plan.unit_id, error, notebook_path)
        return run

    try:
        resources = {"metadata": {"path": str(out_dir), "name": "report"}}
        reports = [kind for kind in ("html", "pdf") if kind in formats]
        if reports:
            from .pdf import export_reports
            for kind, report in export_reports(nb, dict(resources), reports):
                path = out_dir / OUTPUT_NAMES[kind]
                if kind == "pdf":
                    atomic_write_bytes(path, report)
                else:
                    atomic_write_text(path, report)
                run.files.append(path)
        if "docx" in formats:
            from .office import write_docx_report
            path = out_dir / OUTPUT_NAMES["docx"]
            with atomic_path(path) as temp:
                write_docx_report(evaluation, temp, plan.unit_id)
            run.files.append(path)
        if "xlsx" in formats:
            from .office import write_xlsx_form
            path = out_dir / OUTPUT_NAMES["xlsx"]
            with atomic_path(path) as temp:
                write_xlsx_form(evaluation, temp, plan.unit_id)
            run.files.append(path)
    except PerfnbError as problem:
        run.status = "failed"
        run.message = f"单位“{plan.unit_id}”的报告导出失败：{problem}"
        return run
    path = out_dir / OUTPUT_NAMES["json"]
    atomic_write_text(path, json.dumps(evaluation.to_dict(plan.unit_id), ensure_ascii=False,
                                       indent=2) + "\n")
    run.files.append(path)
    run.finished = now()
    return run


def run_command(args) -> int:
    """`perfnb run INPUT [--out DIR] [--formats html,pdf] [--rules NAME] [--template NB]`.

    Exit status: 0 passed, 1 the unit failed (its notebook shows why), 2 bad input
    (raised as PerfnbError and printed by the CLI).
    """
    run = run_unit(args.input, out_root=args.out, formats=args.formats, rules=args.rules,
                   template=args.template)
    if run.passed:
        print(f"单位“{run.unit_id}”（{run.department or UNKNOWN_DEPARTMENT}）评价完成，报告保存在 {run.out_dir}：")
        for path in run.files:
            print(f"  {path}")
        return 0
    import sys
    print(f"perfnb：{run.message}", file=sys.stderr)
    return 1
