"""``perfnb batch``: evaluate many units in parallel, resumable, with an evidence manifest.

Each unit runs in a fresh Jupyter kernel through :func:`perfnb.running.runner.run_unit`, inside a
pool of long-lived worker processes that import papermill, nbconvert and WeasyPrint once
(forkserver with preloaded modules), so a unit costs its kernel and its exports, not a
Python start-up.  Each worker also forks every unit's kernel, a new process per unit, from
a server that has already imported ipykernel and the template's modules
(:class:`perfnb.running.kernels.KernelForkServer`; the notebook's provenance records it under
``kernel``), so a unit does not pay ~3 s of kernel start-up and imports either.  Set
``PERFNB_NO_FORKED_KERNELS=1`` to launch every kernel the usual way.  With ``--scheduler tcp://HOST:PORT`` the units go to an existing Dask
distributed cluster instead; everything else (progress, failure isolation, manifest,
summaries) is the same.

Resume: a unit is skipped when the fingerprint of its inputs, the template, the rule set,
the formats and the perfnb version and code (:func:`perfnb.running.provenance.code_sha256`: an
updated checkout reruns everything) equals the one in ``DIR/manifest.json`` and its files
still verify; ``--force`` reruns everything.  Before a unit is rerun its manifest entry is
dropped and its folder emptied; the entry is written back only after all its files are on
disk.  Every file is written atomically (:mod:`perfnb.fsutil`), so ``kill -9`` at any
moment leaves nothing half-written that passes as complete, and a rerun finishes the job.

Running on a Dask cluster
-------------------------
Start a scheduler and workers yourself (``dask scheduler``; ``dask worker tcp://HOST:8786``
on each machine), then ``perfnb batch params/ --out /shared/outputs --scheduler
tcp://HOST:8786``.  Each worker needs:

* the same perfnb version installed in the Python environment it runs in (with its
  dependencies: papermill, nbconvert, ipykernel, WeasyPrint and the Noto CJK fonts), and
  a Jupyter kernel of that environment (``python3``);
* the input files and the output folder on a shared path, under the same absolute path
  as on the machine that runs ``perfnb batch`` (e.g. an NFS mount): workers read the
  inputs and write ``DIR/<主管部门>/<单位编号>/`` directly; the submitting machine hashes
  nothing it did not see and writes ``manifest.json`` and the summaries;
* one thread per worker process is recommended (``dask worker --nthreads 1 --nworkers N``):
  each unit starts its own kernel process anyway.

The manifest records the Dask worker address that ran each unit.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import json
import multiprocessing
import os
import shutil
import socket
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from perfnb import __version__
from perfnb.errors import InputError, PerfnbError
from perfnb.fsutil import ensure_inside, safe_component
from perfnb.running.manifest import (LOCK_NAME, Manifest, environment_info, hash_tree, is_temporary,
                       now_iso, relative_name, sha256_bytes, sha256_file, walk_files)
from perfnb.running.provenance import code_sha256

UNIT_YAML_SUFFIXES = {".yaml", ".yml"}
DATA_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".docx"}
REVIEW_SUFFIXES = (".review.yaml", ".review.yml")
UNIT_YAML_KEYS = {"unit_id", "data", "department", "project", "indicators"}
SKIPPED_FOLDERS = {"__pycache__", "node_modules", "outputs"}
DASK_CONNECT_TIMEOUT = 20  # seconds; the whole "unreachable scheduler" path stays under 30 s
STATUS_LABELS = {"passed": "完成", "failed": "失败", "skipped": "跳过（未变化）"}
# Modules the worker processes import once, before the first unit.
PRELOAD_MODULES = ["perfnb.running.runner", "perfnb.reporting.summary", "papermill", "nbconvert", "nbformat",
                   "nbclient", "jupyter_client", "weasyprint", "pandas", "matplotlib"]


class BatchError(PerfnbError):
    """A bad ``perfnb batch`` invocation (exit 2)."""


# --- discovering units --------------------------------------------------------------------

def _yaml_mapping(path: Path) -> dict | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def _is_unit_yaml(path: Path) -> bool:
    data = _yaml_mapping(path)
    # A broken YAML counts as a unit: its run then reports the problem in Chinese.
    return data is None or bool(UNIT_YAML_KEYS & set(data))


def _referenced_data(path: Path) -> set[Path]:
    """Data files a unit YAML points to (``data:`` relative to the YAML's folder)."""
    data = _yaml_mapping(path) or {}
    found = set()
    values = data.get("data")
    for value in values if isinstance(values, list) else [values]:
        if isinstance(value, str) and value.strip():
            candidate = Path(value)
            if not candidate.is_absolute():
                candidate = path.parent / candidate
            found.add(candidate.resolve())
    return found


def discover_inputs(inputs: list[str], out_root: Path | None = None) -> list[Path]:
    """The unit inputs named on the command line, folders searched recursively.

    A folder's data files that a unit YAML in the same tree references are not separate
    units; hidden files, Excel lock files (``~$…``) and the output folder are skipped.
    """
    explicit: list[Path] = []
    from_folders: list[Path] = []
    yaml_files: list[Path] = []
    out_resolved = out_root.resolve() if out_root else None
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            raise BatchError(f"输入“{raw}”不存在。请检查文件或文件夹路径。")
        if path.is_file():
            suffix = path.suffix.lower()
            if suffix not in UNIT_YAML_SUFFIXES | DATA_SUFFIXES:
                raise BatchError(f"输入“{raw}”不是可识别的单位文件（应为 .yaml、.xlsx、.csv 或 .docx）。")
            explicit.append(path.resolve())
            if suffix in UNIT_YAML_SUFFIXES:
                yaml_files.append(path.resolve())
            continue
        for folder, subfolders, names in os.walk(path):
            folder_path = Path(folder).resolve()
            subfolders[:] = sorted(
                name for name in subfolders
                if not name.startswith((".", "_")) and name not in SKIPPED_FOLDERS
                and (out_resolved is None or (folder_path / name).resolve() != out_resolved))
            for name in sorted(names):
                if name.startswith((".", "~$")):
                    continue
                candidate = folder_path / name
                suffix = candidate.suffix.lower()
                if name.lower().endswith(REVIEW_SUFFIXES):
                    continue   # an evaluator's review (复核记录): an input of its unit, not a unit
                if suffix in UNIT_YAML_SUFFIXES:
                    yaml_files.append(candidate)
                    if _is_unit_yaml(candidate):
                        from_folders.append(candidate)
                elif suffix in DATA_SUFFIXES:
                    from_folders.append(candidate)
    referenced: set[Path] = set()
    for yaml_file in yaml_files:
        referenced |= _referenced_data(yaml_file)
    units: list[Path] = []
    seen: set[Path] = set()
    for candidate in explicit + from_folders:
        if candidate in seen:
            continue
        if candidate.suffix.lower() in DATA_SUFFIXES and candidate in referenced:
            continue
        seen.add(candidate)
        units.append(candidate)
    return units


# --- planning -------------------------------------------------------------------------

@dataclass
class UnitJob:
    input_path: Path
    unit_id: str
    department: str
    key: str                      # "<department folder>/<unit folder>", relative to DIR
    input_files: list[dict[str, Any]] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    plan_error: str | None = None
    outcome: dict[str, Any] | None = None
    rules: dict[str, Any] = field(default_factory=dict)  # identity of the rule set it uses


def _hash_inputs(paths: list[Path]) -> list[dict[str, Any]]:
    records = []
    for path in paths:
        path = Path(path)
        if path.is_file():
            records.append({"path": str(path.resolve()), "sha256": sha256_file(path),
                            "size": path.stat().st_size})
        else:
            records.append({"path": str(path), "sha256": None, "size": None})
    return records


def _fingerprint(job: UnitJob, context: dict[str, Any]) -> str:
    payload = {"inputs": [(r["sha256"], Path(r["path"]).name) for r in job.input_files],
               "unit_id": job.unit_id, "department": job.department, **context}
    return sha256_bytes(json.dumps(payload, sort_keys=True, ensure_ascii=False,
                                   default=str).encode("utf-8"))


def plan_jobs(paths: list[Path], out_root: Path, context: dict[str, Any],
              department: str | None = None, rules: str | None = None) -> list[UnitJob]:
    """Unit id, department, inputs and fingerprint of each input (no kernel started).

    Each unit is scored by ``rules`` when given (--rules), else by the rule set its YAML
    names, else by central; the fingerprint hashes the rule set the unit really uses.
    """
    from perfnb.running.runner import DEFAULT_RULES, plan_unit

    identities: dict[str, dict[str, Any]] = {}
    jobs: list[UnitJob] = []
    for path in paths:
        unit_rules = rules
        try:
            plan = plan_unit(path)
            unit_id, dept = str(plan.unit_id), str(plan.department or "")
            input_files = [Path(p) for p in (plan.input_files or [path])]
            parameters = dict(plan.parameters or {})
            unit_rules = rules or plan.rules
            error = None
        except PerfnbError as problem:
            unit_id, dept, input_files, parameters = path.stem, "", [path], {}
            error = str(problem)
        unit_rules = str(unit_rules or DEFAULT_RULES)
        try:
            if unit_rules not in identities:
                identities[unit_rules] = _rules_identity(unit_rules)
            rules_identity = identities[unit_rules]
        except PerfnbError as problem:
            rules_identity = {"name": unit_rules, "sha256": "", "given": unit_rules}
            error = error or str(problem)
        if department is not None and dept.strip() != department.strip():
            continue
        try:
            department_folder = safe_component(dept or "未识别部门")
            unit_folder = safe_component(unit_id)
        except InputError as problem:
            department_folder, unit_folder = "未识别部门", safe_component(path.stem)
            error = error or str(problem)
        key = f"{department_folder}/{unit_folder}"
        ensure_inside(out_root, out_root / key)
        job = UnitJob(path, unit_id, dept, key, _hash_inputs(input_files), parameters,
                      plan_error=error, rules=rules_identity)
        job.fingerprint = _fingerprint(job, {**context, "rules_sha256": rules_identity["sha256"]})
        jobs.append(job)
    by_key: dict[str, list[UnitJob]] = {}
    for job in jobs:
        by_key.setdefault(job.key, []).append(job)
    duplicates = {key: group for key, group in by_key.items() if len(group) > 1}
    if duplicates:
        lines = [f"“{key}”：" + "、".join(str(j.input_path) for j in group)
                 for key, group in duplicates.items()]
        raise BatchError("以下输入的主管部门与单位编号相同，输出会相互覆盖：\n" + "\n".join(lines)
                         + "\n请为每个单位设置不同的 unit_id。")
    return jobs


# --- work done in the worker processes --------------------------------------------------

def _worker_identity() -> dict[str, Any]:
    identity = {"host": socket.gethostname(), "pid": os.getpid(), "worker": None}
    try:
        from distributed import get_worker
        identity["worker"] = get_worker().address
    except (ImportError, ValueError):
        pass
    return identity


def _read_result(out_dir: Path) -> dict[str, Any]:
    path = out_dir / "result.json"
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {"total": result.get("total"), "grade": result.get("grade")}


def execute_unit(task: dict[str, Any]) -> dict[str, Any]:
    """Run one unit (in a worker process or on a Dask worker) and hash what it wrote.

    Never raises for a unit's own failure: the outcome carries status and message.
    """
    started, clock = now_iso(), time.perf_counter()
    out_root = Path(task["out_root"])
    out_dir = out_root / task["key"]
    status, message = "failed", ""
    try:
        from perfnb.running.runner import run_unit
        run = run_unit(task["input_path"], out_root, task["formats"], task["rules"],
                       template=task.get("template"), kernel_name=task.get("kernel_name"))
        status, message = run.status, run.message or ""
        out_dir = Path(run.out_dir)
    except PerfnbError as error:
        message = str(error)
    except Exception as error:  # a bug must not stop the other units
        message = f"内部错误：{type(error).__name__}: {error}"
    out_dir = ensure_inside(out_root, out_dir)
    files = hash_tree(out_root, out_dir) if out_dir.is_dir() else []
    return {"status": "passed" if status == "passed" else "failed", "message": message,
            "out_dir": relative_name(out_root, out_dir), "files": files,
            "started": started, "finished": now_iso(),
            "seconds": round(time.perf_counter() - clock, 2), **_worker_identity(),
            **_read_result(out_dir)}


def execute_summary(task: dict[str, Any]) -> dict[str, Any]:
    """Run the summary notebook of one department (or of the whole batch)."""
    started, clock = now_iso(), time.perf_counter()
    out_root = Path(task["out_root"])
    status, message = "failed", ""
    try:
        from perfnb.running.summaries import run_summary
        run_summary(out_root, task["department"], task["formats"],
                    kernel_name=task.get("kernel_name"))
        status = "passed"
    except PerfnbError as error:
        message = str(error)
    except Exception as error:
        message = f"内部错误：{type(error).__name__}: {error}"
    # Whatever was written (also the executed notebook of a failed summary) is listed.
    folder = out_root / task["department"] if task["department"] else out_root
    files = [_record(out_root, folder / f"summary.{suffix}") for suffix in ("ipynb", "html", "pdf")
             if (folder / f"summary.{suffix}").is_file()]
    return {"status": status, "message": message, "files": files, "started": started,
            "finished": now_iso(), "seconds": round(time.perf_counter() - clock, 2),
            **_worker_identity()}


def _record(root: Path, path: Path) -> dict[str, Any]:
    return {"path": relative_name(root, path), "sha256": sha256_file(path),
            "size": Path(path).stat().st_size}


def _warm_up() -> None:
    """Worker initializer: die with the parent, and import the heavy modules once."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes
            import signal
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if not os.environ.get("PERFNB_DEBUG"):
        # Kernels inherit the worker's stderr; their start-up chatter would break the
        # progress bar.  A unit's errors reach the user through its outcome instead.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
    for name in PRELOAD_MODULES:
        with contextlib.suppress(Exception):
            __import__(name)
    if not os.environ.get("PERFNB_NO_FORKED_KERNELS"):
        # Each unit still gets a new kernel process, forked from one that has imported the
        # template's modules (see perfnb.running.kernels.KernelForkServer); its provenance says so.
        from multiprocessing.util import Finalize

        from perfnb.running import kernels
        with contextlib.suppress(OSError):
            kernels.start_kernel_fork_server()
            Finalize(kernels, kernels.stop_kernel_fork_server, exitpriority=100)


# --- executors ----------------------------------------------------------------------------

class LocalExecutor:
    """A pool of long-lived worker processes on this machine."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool = self._new_pool()

    def _new_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD_MODULES)
        return concurrent.futures.ProcessPoolExecutor(self.jobs, mp_context=context,
                                                      initializer=_warm_up)

    def submit(self, function: Callable, task: dict[str, Any]):
        try:
            return self._pool.submit(function, task)
        except concurrent.futures.process.BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return self._pool.submit(function, task)

    @staticmethod
    def wait(futures) -> set:
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        return done

    @staticmethod
    def where() -> str:
        return "本机"

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Units go to an existing Dask distributed cluster."""

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError as error:  # pragma: no cover - dask is a dependency
            raise BatchError("未安装 dask[distributed]，无法使用 --scheduler。") from error
        self.address = address
        try:
            self.client = Client(address, timeout=f"{DASK_CONNECT_TIMEOUT}s",
                                 set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise BatchError(
                f"无法连接 Dask 调度器“{address}”（{DASK_CONNECT_TIMEOUT} 秒内未响应：{error}）。"
                "请确认调度器已启动、地址和端口正确（如 tcp://10.0.0.5:8786），且本机可以访问。"
            ) from error

    def submit(self, function: Callable, task: dict[str, Any]):
        return self.client.submit(function, task, pure=False,
                                  key=f"perfnb-{task.get('key', 'summary')}-{time.time_ns()}")

    def wait(self, futures) -> set:
        from distributed import wait

        with self.client.as_current():  # our client is not the global default
            return set(wait(list(futures), return_when="FIRST_COMPLETED").done)

    def where(self) -> str:
        return f"Dask 集群 {self.address}"

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()


# --- the batch ----------------------------------------------------------------------------

def _parse_formats(text: str) -> list[str]:
    from perfnb.running.runner import SUPPORTED_FORMATS

    formats = [part.strip().lower() for part in str(text or "").split(",") if part.strip()]
    unknown = [fmt for fmt in formats if fmt not in SUPPORTED_FORMATS]
    if not formats or unknown:
        raise BatchError(f"--formats 的值“{text}”无法识别。可选：{','.join(SUPPORTED_FORMATS)}，逗号分隔。")
    return list(dict.fromkeys(formats))


def _rules_identity(rules: str) -> dict[str, Any]:
    from perfnb.evaluation.rules import get_rules
    rule_set = get_rules(rules)
    return {"name": rule_set.name, "sha256": rule_set.sha256, "given": str(rules)}


def _template_identity(template: str | None) -> dict[str, Any]:
    if template:
        path = Path(template)
        if not path.is_file():
            raise BatchError(f"模板笔记本“{template}”不存在。")
    else:
        from perfnb.running import runner
        path = Path(runner.default_template())
    return {"path": str(path.resolve()), "sha256": sha256_file(path)}


def _remove_stray_temporaries(out_root: Path) -> None:
    for path in walk_files(out_root):
        if is_temporary(path):
            with contextlib.suppress(OSError):
                path.unlink()


@contextlib.contextmanager
def _batch_lock(out_root: Path):
    handle = open(out_root / LOCK_NAME, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            raise BatchError(f"输出目录“{out_root}”正被另一个 perfnb batch 使用。"
                             "请等它结束，或换一个 --out 目录。") from error
        yield
    finally:
        handle.close()


def _progress(total: int, stream=None):
    """A tqdm bar on a terminal; one plain line per finished item when stderr is a log file
    or a pipe (a bar redrawn with carriage returns makes a log unreadable)."""
    stream = stream or sys.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return _LineProgress(total, stream)
    from tqdm import tqdm
    return tqdm(total=total, file=stream, unit="项", desc="批量评价", dynamic_ncols=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                           "[已用 {elapsed}，预计剩余 {remaining}{postfix}]")


class _LineProgress:
    """The part of tqdm's interface the batch uses, printing a line per update."""

    def __init__(self, total: int, stream) -> None:
        self.total, self.count, self.postfix, self.stream = total, 0, "", stream
        self.started = time.monotonic()

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        self.postfix = text

    def update(self, count: int = 1) -> None:
        self.count += count
        elapsed = int(time.monotonic() - self.started)
        line = f"批量评价：{self.count}/{self.total}，已用 {elapsed // 60:02d}:{elapsed % 60:02d}"
        print(line + (f"，{self.postfix}" if self.postfix else ""), file=self.stream, flush=True)

    def close(self) -> None:
        pass


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


def format_table(jobs: list[UnitJob]) -> str:
    """The closing table: unit, department, total, grade, status, seconds."""
    header = ["单位", "主管部门", "总分", "等级", "状态", "用时（秒）"]
    rows = []
    for job in jobs:
        outcome = job.outcome or {}
        total = outcome.get("total")
        rows.append([job.unit_id, job.department or "—",
                     f"{total:.2f}" if isinstance(total, (int, float)) else "—",
                     str(outcome.get("grade") or "—"),
                     STATUS_LABELS.get(outcome.get("status"), "—"),
                     f"{outcome['seconds']:.1f}" if outcome.get("seconds") is not None else "—"])
    widths = [max(_display_width(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in [header] + rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _unit_entry(job: UnitJob, outcome: dict[str, Any], context: dict[str, Any]) -> dict:
    return {
        "unit_id": job.unit_id, "department": job.department, "input": str(job.input_path),
        "inputs": job.input_files, "parameters": job.parameters, "fingerprint": job.fingerprint,
        "rules": job.rules,
        "status": outcome["status"], "message": outcome.get("message", ""),
        "total": outcome.get("total"), "grade": outcome.get("grade"),
        "started": outcome.get("started"), "finished": outcome.get("finished"),
        "seconds": outcome.get("seconds"), "host": outcome.get("host"),
        "pid": outcome.get("pid"), "worker": outcome.get("worker"),
        "out_dir": outcome.get("out_dir"), "formats": context["formats"],
    }


class Batch:
    """One ``perfnb batch`` invocation (see :func:`batch_command`)."""

    def __init__(self, args) -> None:
        self.inputs: list[str] = list(args.inputs)
        self.out_root = Path(args.out).resolve()
        self.formats = _parse_formats(getattr(args, "formats", "html,pdf"))
        jobs = getattr(args, "jobs", None)
        if jobs is not None and jobs < 1:
            raise BatchError(f"--jobs 必须是正整数，收到“{jobs}”。")
        self.jobs = jobs or os.cpu_count() or 1
        self.rules = getattr(args, "rules", None) or None  # None: each unit's own, else central
        self.template = getattr(args, "template", None)
        self.department = getattr(args, "department", None)
        self.scheduler = getattr(args, "scheduler", None)
        self.force = bool(getattr(args, "force", False))
        self.kernel_name = getattr(args, "kernel_name", None)
        self.failed_summaries: list[tuple[str, str]] = []
        self._executor_instance = None
        self._units_to_run = 0

    def run(self) -> int:
        paths = discover_inputs(self.inputs, self.out_root)
        if not paths:
            raise BatchError("在给定的输入中没有找到单位文件（.yaml、.xlsx、.csv）。")
        rules = _rules_identity(self.rules or "central")
        template = _template_identity(self.template)
        context = {"perfnb": __version__, "perfnb_code": code_sha256(),
                   "rules_sha256": rules["sha256"],
                   "template_sha256": template["sha256"], "formats": self.formats}
        jobs = plan_jobs(paths, self.out_root, context, self.department, self.rules)
        if not jobs:
            raise BatchError(f"没有主管部门为“{self.department}”的单位。请检查 --department 的写法。")
        started = now_iso()
        if self.scheduler:  # connect first: an unreachable scheduler must change nothing
            self._executor_instance = DaskExecutor(self.scheduler)
        try:
            return self._run_locked(jobs, rules, template, context, started)
        finally:
            if self._executor_instance is not None:
                self._executor_instance.close()
                self._executor_instance = None

    def _run_locked(self, jobs, rules, template, context, started) -> int:
        self.out_root.mkdir(parents=True, exist_ok=True)
        with _batch_lock(self.out_root):
            _remove_stray_temporaries(self.out_root)
            manifest = Manifest.load_or_new(self.out_root)
            manifest.data.update({"perfnb_version": __version__, "rules": rules,
                                  "template": template, "formats": self.formats,
                                  "started": started, "finished": None,
                                  "environment": environment_info()})
            to_run = [job for job in jobs if not self._up_to_date(job, manifest)]
            self._units_to_run = len(to_run)
            for job in jobs:
                if job not in to_run:
                    entry = manifest.units[f"unit:{job.key}"]
                    job.outcome = {**entry, "status": "skipped"}
            for job in to_run:  # forget, then empty, the folders of units about to rerun
                manifest.drop_owner(f"unit:{job.key}")
            manifest.save()
            for job in to_run:
                unit_dir = ensure_inside(self.out_root, self.out_root / job.key)
                if unit_dir != self.out_root and unit_dir.is_dir():
                    shutil.rmtree(unit_dir)
            self._execute(jobs, to_run, manifest, context)
            manifest.data["finished"] = now_iso()
            manifest.save()
        print(format_table(jobs))
        failed = [job for job in jobs if (job.outcome or {}).get("status") == "failed"]
        for job in failed:
            print(f"失败：{job.unit_id}（{job.input_path}）：{job.outcome.get('message') or '原因未知'}")
        for key, message in self.failed_summaries:
            print(f"汇总失败：{key}：{message}")
        skipped = sum(1 for job in jobs if job.outcome.get("status") == "skipped")
        print(f"共 {len(jobs)} 个单位：完成 {len(jobs) - len(failed) - skipped}，"
              f"失败 {len(failed)}，跳过 {skipped}。输出目录：{self.out_root}")
        return 1 if failed or self.failed_summaries else 0

    def _up_to_date(self, job: UnitJob, manifest: Manifest) -> bool:
        if self.force or job.plan_error:
            return False
        entry = manifest.units.get(f"unit:{job.key}")
        return bool(entry and entry.get("status") == "passed"
                    and entry.get("fingerprint") == job.fingerprint
                    and entry.get("files") and manifest.files_verify(entry["files"]))

    def _task(self, job: UnitJob) -> dict[str, Any]:
        return {"input_path": str(job.input_path), "out_root": str(self.out_root),
                "key": job.key, "formats": self.formats, "rules": job.rules.get("given"),
                "template": self.template, "kernel_name": self.kernel_name}

    def _execute(self, jobs: list[UnitJob], to_run: list[UnitJob], manifest: Manifest,
                 context: dict[str, Any]) -> None:
        departments = sorted({job.key.split("/")[0] for job in jobs})
        pending_by_department = {d: sum(1 for j in to_run if j.key.split("/")[0] == d)
                                 for d in departments}
        self._bar = bar = _progress(len(to_run) + len(departments) + 1)
        counts = {"passed": 0, "failed": 0}
        running: dict[Any, tuple[str, Any]] = {}
        # department by department, so that each department's summary can start early
        waiting = sorted(to_run, key=lambda job: job.key.split("/")[0])

        def submit_units() -> None:
            # Locally, only as many units as workers are handed out at a time, so that a
            # department's summary, submitted when its last unit is done, runs next instead
            # of after every remaining unit (the batch no longer ends in a tail of summaries).
            limit = len(waiting) if self.scheduler else self._executor().jobs
            in_flight = sum(1 for kind, _ in running.values() if kind == "unit")
            while waiting and in_flight < limit:
                job = waiting.pop(0)
                running[self._executor().submit(execute_unit, self._task(job))] = ("unit", job)
                in_flight += 1

        try:
            for department in departments:  # departments with nothing to run: summary now
                if pending_by_department[department] == 0:
                    self._submit_summary(running, manifest, department)
            whole_submitted = False
            while True:
                submit_units()
                if not whole_submitted and not waiting \
                        and not any(k == "unit" for k, _ in running.values()):
                    whole_submitted = True
                    self._write_summary_workbook(manifest)
                    self._submit_summary(running, manifest, None)
                if not running:
                    break
                for future in self._executor().wait(list(running)):
                    kind, item = running.pop(future)
                    outcome = self._outcome(future, kind, item, running)
                    if outcome is None:
                        continue
                    if kind == "unit":
                        counts[outcome["status"]] += 1
                        item.outcome = outcome
                        self._record_unit(manifest, item, outcome, context)
                        department = item.key.split("/")[0]
                        pending_by_department[department] -= 1
                        if pending_by_department[department] == 0:
                            self._submit_summary(running, manifest, department)
                    else:
                        self._record_summary(manifest, item, outcome)
                    bar.set_postfix_str(f"成功 {counts['passed']}，失败 {counts['failed']}",
                                        refresh=False)
                    bar.update(1)
        finally:
            bar.close()

    def _executor(self):
        """The executor, started on first use (a batch with nothing to do starts none)."""
        if self._executor_instance is None:
            self._executor_instance = DaskExecutor(self.scheduler) if self.scheduler else \
                LocalExecutor(min(self.jobs, max(1, self._units_to_run)))
        return self._executor_instance

    def _outcome(self, future, kind: str, item, running) -> dict[str, Any] | None:
        """The outcome of a finished future; a crashed worker process gets one retry."""
        try:
            return future.result()
        except concurrent.futures.process.BrokenProcessPool:
            retries = getattr(item, "_retries", 0) if kind == "unit" else 1
            if kind == "unit" and retries < 1:
                item._retries = retries + 1
                running[self._executor().submit(execute_unit, self._task(item))] = (kind, item)
                return None
            message = "工作进程意外退出（可能内存不足或程序崩溃），该项未完成。"
        except Exception as error:  # e.g. a Dask worker that died
            message = f"运行该项的工作进程出错：{type(error).__name__}: {error}"
        now = now_iso()
        return {"status": "failed", "message": message, "files": [], "started": now,
                "finished": now, "seconds": None, "host": None, "pid": None, "worker": None,
                "out_dir": item.key if kind == "unit" else None}

    def _record_unit(self, manifest: Manifest, job: UnitJob, outcome: dict[str, Any],
                     context: dict[str, Any]) -> None:
        owner = f"unit:{job.key}"
        if outcome.get("out_dir") and outcome["out_dir"] != job.key:
            # The runner chose another folder: follow it, but keep the manifest honest.
            manifest.drop_owner(f"unit:{outcome['out_dir']}")
            owner = f"unit:{outcome['out_dir']}"
        manifest.record("units", owner, _unit_entry(job, outcome, context), outcome["files"])
        manifest.save()

    # -- summaries -------------------------------------------------------------------------
    def _summary_fingerprint(self, manifest: Manifest, department: str | None) -> str:
        from perfnb.running.summaries import summary_template
        prefix = f"{department}/" if department else ""
        results = sorted((name, record["sha256"]) for name, record in manifest.files.items()
                         if name.startswith(prefix) and name.endswith("/result.json")
                         and name.count("/") == 2)
        payload = {"results": results, "template": sha256_file(summary_template()),
                   "perfnb": __version__, "perfnb_code": code_sha256(), "formats": self.formats}
        return sha256_bytes(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode())

    def _submit_summary(self, running, manifest: Manifest, department: str | None) -> None:
        owner = f"summary:{department or ''}"
        fingerprint = self._summary_fingerprint(manifest, department)
        entry = manifest.summaries.get(owner)
        if (not self.force and entry and entry.get("fingerprint") == fingerprint
                and entry.get("status") == "passed" and entry.get("files")
                and manifest.files_verify(entry["files"])):
            self._bar.update(1)  # unchanged since the last run
            return
        manifest.drop_owner(owner)
        task = {"out_root": str(self.out_root), "department": department,
                "formats": self.formats, "kernel_name": self.kernel_name,
                "key": f"summary-{department or 'all'}"}
        running[self._executor().submit(execute_summary, task)] = (
            "summary", {"owner": owner, "department": department, "fingerprint": fingerprint})

    def _record_summary(self, manifest: Manifest, item: dict, outcome: dict) -> None:
        if outcome["status"] != "passed":
            self.failed_summaries.append((item["department"] or "全部单位", outcome["message"]))
        entry = {"department": item["department"], "fingerprint": item["fingerprint"],
                 "status": outcome["status"], "message": outcome.get("message", ""),
                 "started": outcome.get("started"), "finished": outcome.get("finished"),
                 "seconds": outcome.get("seconds"), "host": outcome.get("host"),
                 "pid": outcome.get("pid"), "worker": outcome.get("worker")}
        manifest.record("summaries", item["owner"], entry, outcome["files"])
        manifest.save()

    def _write_summary_workbook(self, manifest: Manifest) -> None:
        from perfnb.reporting.summary import write_summary_workbook
        owner = "summary:workbook"
        manifest.drop_owner(owner)
        try:
            path = write_summary_workbook(self.out_root)
        except PerfnbError as error:
            self.failed_summaries.append(("summary.xlsx", str(error)))
            return
        manifest.record("summaries", owner, {"status": "passed", "finished": now_iso()},
                        [_record(self.out_root, path)])
        manifest.save()


def batch_command(args) -> int:
    """``perfnb batch``: exit 0 if every unit passed, 1 if any failed, 2 on a bad invocation."""
    return Batch(args).run()
