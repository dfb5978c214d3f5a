"""Executing a ``perfnb batch``: the work done for each unit, and where it is done.

:func:`execute_unit` and :func:`execute_summary` run in the worker processes (or on Dask
workers): each runs one unit (:func:`perfnb.running.runner.run_unit`) or one summary and
returns an outcome with the hashes of what it wrote; a unit's own failure is an outcome,
never an exception.  :class:`LocalExecutor` is a pool of long-lived worker processes on
this machine (forkserver with the heavy modules preloaded, a kernel fork server per
worker, see :mod:`perfnb.running.kernels`); :class:`DaskExecutor` sends the same calls to an
existing Dask distributed cluster.  Both offer ``submit``, ``wait``, ``where``, ``close``.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import json
import multiprocessing
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any, Callable

from perfnb.errors import PerfnbError
from perfnb.fsutil import ensure_inside, write_failure
from perfnb.running.manifest import file_record, hash_tree, now_iso, relative_name
from perfnb.running.planning import BatchError

DASK_CONNECT_TIMEOUT = 20  # seconds; the whole "unreachable scheduler" path stays under 30 s
# Modules the worker processes import once, before the first unit.
PRELOAD_MODULES = ["perfnb.running.execution", "perfnb.running.runner", "perfnb.reporting.summary",
                   "papermill", "nbconvert", "nbformat", "nbclient", "jupyter_client",
                   "typst", "pandas", "matplotlib",
                   # nbformat validates every notebook the worker reads or writes with it:
                   # imported once in the fork server, not once per worker
                   "jsonschema"]


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
    reviewed = result.get("reviewed") or {}
    return {"total": result.get("total"), "grade": result.get("grade"),
            "reviewed_total": reviewed.get("total"), "reviewed_grade": reviewed.get("grade"),
            "weighting": result.get("weighting"), "reviewed": bool(reviewed)}


def execute_unit(task: dict[str, Any]) -> dict[str, Any]:
    """Run one unit (in a worker process or on a Dask worker) and hash what it wrote.

    ``task["plan"]`` is the unit's plan made by the batch (resolved inputs, form, unit id):
    the worker does not plan (read the input) again.

    Never raises for a unit's own failure: the outcome carries status and message.
    """
    started, clock = now_iso(), time.perf_counter()
    out_root = Path(task["out_root"])
    out_dir = out_root / task["key"]
    status, message, cpu, write_error = "failed", "", None, None
    try:
        from perfnb.running.runner import run_unit
        run = run_unit(task["input_path"], out_root, task["formats"], task["rules"],
                       template=task.get("template"), kernel_name=task.get("kernel_name"),
                       form=task.get("form"), review=task.get("review"),
                       review_rules=task.get("review_rules"), plan=task.get("plan"),
                       previous=task.get("previous"), link=task.get("link") or "auto")
        status, message, cpu = run.status, run.message or "", run.cpu
        out_dir = Path(run.out_dir)
    except PerfnbError as error:
        message = str(error)
    except OSError as error:  # e.g. the disk filled up while the unit wrote its files
        message = f"单位的输出未写完：{write_failure(out_dir, error)}"
        write_error = error.errno
    except Exception as error:  # a bug must not stop the other units
        message = f"内部错误：{type(error).__name__}: {error}"
    out_dir = ensure_inside(out_root, out_dir)
    hashing = time.process_time()
    files = hash_tree(out_root, out_dir) if out_dir.is_dir() else []
    if cpu is not None:
        cpu["worker"]["archive"] = round(time.process_time() - hashing, 4)
    return {"status": "passed" if status == "passed" else "failed", "message": message,
            **({"cpu": cpu} if cpu is not None else {}),
            "out_dir": relative_name(out_root, out_dir), "files": files,
            "started": started, "finished": now_iso(),
            "seconds": round(time.perf_counter() - clock, 2), **_worker_identity(),
            **_read_result(out_dir), "write_error": write_error}


def execute_summary(task: dict[str, Any]) -> dict[str, Any]:
    """Run the summary notebook of one department (or of the whole batch); with
    ``task["kind"] == "review"``, the department's 复核报告 instead."""
    started, clock = now_iso(), time.perf_counter()
    out_root = Path(task["out_root"])
    status, message, write_error = "failed", "", None
    cpu: dict = {}
    review = task.get("kind") == "review"
    try:
        from perfnb.running.summaries import run_review_report, run_summary
        if review:
            run_review_report(out_root, task["department"], task["formats"],
                              kernel_name=task.get("kernel_name"),
                              review_rules=task.get("review_rules"), cpu=cpu)
        else:
            run_summary(out_root, task["department"], task["formats"],
                        kernel_name=task.get("kernel_name"), cpu=cpu)
        status = "passed"
    except PerfnbError as error:
        message = str(error)
    except OSError as error:
        message = f"{'复核报告' if review else '汇总'}的输出未写完：{write_failure(out_root, error)}"
        write_error = error.errno
    except Exception as error:
        message = f"内部错误：{type(error).__name__}: {error}"
    # Whatever was written (also the executed notebook of a failed summary) is listed.
    from perfnb.running.summaries import REVIEW_REPORT_STEM
    folder = out_root / task["department"] if task["department"] else out_root
    stem, suffixes = (REVIEW_REPORT_STEM, ("ipynb", "html", "pdf", "docx")) if review else \
        ("summary", ("ipynb", "html", "pdf"))
    files = [file_record(out_root, folder / f"{stem}.{suffix}") for suffix in suffixes
             if (folder / f"{stem}.{suffix}").is_file()]
    return {"status": status, "message": message, "files": files, "started": started,
            "finished": now_iso(), "seconds": round(time.perf_counter() - clock, 2),
            **({"cpu": cpu} if cpu else {}), **_worker_identity(), "write_error": write_error}


def _watch_batch(batch_pid: int, interval: float = 1.0) -> None:
    """End this worker as soon as the ``perfnb batch`` process that started it is gone.

    The worker's parent is multiprocessing's fork server, not the batch, and the fork server
    stays alive as long as any worker holds its "alive" pipe, so a batch killed with
    ``kill -9`` would otherwise leave its workers (and their kernels) running on, still
    writing into the output folder while the next run starts.  Exiting here also ends the
    kernel fork server and its kernels (they die with their parent), then the fork server.
    """
    import threading

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                os.kill(batch_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # the pid now belongs to someone else's process
                os._exit(1)

    threading.Thread(target=watch, name="perfnb-batch-watch", daemon=True).start()


def _warm_up(batch_pid: int | None = None, fork_socket: str | None = None) -> None:
    """Worker initializer: die with the batch, and import the heavy modules once.

    ``fork_socket``: the batch's kernel fork server, where this worker forks its kernels;
    without one the worker starts a fork server of its own."""
    if batch_pid:
        _watch_batch(batch_pid)
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
    with contextlib.suppress(Exception):
        from perfnb.reporting.pdf import warm_up
        warm_up()  # Typst reads the bundled fonts once per worker, not in its first PDF
    if not os.environ.get("PERFNB_NO_FORKED_KERNELS"):
        # Each unit still gets a new kernel process, forked from one that has imported the
        # template's modules (see perfnb.running.kernels.KernelForkServer); its provenance says so.
        from multiprocessing.util import Finalize

        from perfnb.running import kernels
        if fork_socket:
            kernels.connect_kernel_fork_server(fork_socket)
            return
        with contextlib.suppress(OSError):
            kernels.start_kernel_fork_server()
            Finalize(kernels, kernels.stop_kernel_fork_server, exitpriority=100)


# --- executors ----------------------------------------------------------------------------

def prestart_local_workers() -> None:
    """Start the workers' forkserver now (it imports :data:`PRELOAD_MODULES`, ~1.5 s of CPU,
    in its own process) so that the pool made later forks ready workers at once."""
    from multiprocessing import forkserver
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD_MODULES)
    forkserver.ensure_running()


class LocalExecutor:
    """A pool of long-lived worker processes on this machine."""

    def __init__(self, jobs: int, fork_socket: str | None = None) -> None:
        self.jobs = jobs
        self.fork_socket = fork_socket   # the batch's kernel fork server, shared by the workers
        self._pool = self._new_pool()

    def _new_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD_MODULES)
        return concurrent.futures.ProcessPoolExecutor(self.jobs, mp_context=context,
                                                      initializer=_warm_up,
                                                      initargs=(os.getpid(), self.fork_socket))

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
