"""``perfnb batch``: evaluate many units in parallel, resumable, with an evidence manifest.

Each unit runs in a fresh Jupyter kernel through :func:`perfnb.running.runner.run_unit`, inside a
pool of long-lived worker processes that import papermill, nbconvert and Typst once
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
  dependencies: papermill, nbconvert, ipykernel, Typst and the Noto CJK fonts), and
  a Jupyter kernel of that environment (``python3``);
* the input files and the output folder on a shared path, under the same absolute path
  as on the machine that runs ``perfnb batch`` (e.g. an NFS mount): workers read the
  inputs and write ``DIR/<主管部门>/<单位编号>/`` directly; the submitting machine hashes
  nothing it did not see and writes ``manifest.json`` and the summaries;
* one thread per worker process is recommended (``dask worker --nthreads 1 --nworkers N``):
  each unit starts its own kernel process anyway.

The manifest records the Dask worker address that ran each unit.

Layout: this module orchestrates; :mod:`perfnb.running.planning` turns inputs into units,
fingerprints and resume decisions, :mod:`perfnb.running.execution` holds the work done per
unit and the executors, :mod:`perfnb.running.progress` what the user sees, and
:mod:`perfnb.running.manifest` the manifest and its entries.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import errno
import json
import os
import sys
from pathlib import Path
from typing import Any

from perfnb import __version__
from perfnb.errors import OutputError, PerfnbError
from perfnb.fsutil import ensure_inside, write_failure
from perfnb.running import ledger, signing
from perfnb.running.evidence import drop_signature, resume_manifest, seal
from perfnb.running.execution import (DaskExecutor, LocalExecutor, execute_summary,
                                      execute_unit, prestart_local_workers)
from perfnb.running.manifest import (Manifest, directory_lock, environment_info, file_record,
                                     now_iso, relative_name, remove_stray_temporaries,
                                     summary_entry, temporary_target, unit_entry, walk_files)
from perfnb.running.planning import (BatchError, UnitJob, discover_inputs, parse_formats,
                                     plan_jobs, rules_identity, summary_fingerprint,
                                     summary_up_to_date, template_identity, unit_up_to_date)
from perfnb.running.progress import closing_lines, format_table
from perfnb.running.progress import progress as _progress
from perfnb.running.provenance import code_sha256

# Manifest section: unit folders a batch has started to write and not yet recorded (so a
# rerun after kill -9 knows them as perfnb's own)
RUNNING = "running"
# Manifest owner of a department's 复核报告 (in "summaries"), followed by the department folder
REVIEW_OWNER = "review:"
# OSError numbers of a folder that cannot be written (as fsutil.write_failure words them)
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}

__all__ = ["Batch", "BatchError", "batch_command", "discover_inputs", "plan_jobs", "UnitJob",
           "format_table"]


class Batch:
    """One ``perfnb batch`` invocation (see :func:`batch_command`)."""

    def __init__(self, args) -> None:
        self.inputs: list[str] = list(args.inputs)
        self.out_root = Path(args.out).resolve()
        self.formats = parse_formats(getattr(args, "formats", "html,pdf"))
        jobs = getattr(args, "jobs", None)
        if jobs is not None and jobs < 1:
            raise BatchError(f"--jobs 必须是正整数，收到“{jobs}”。")
        # One worker more than cores: a worker alternates with its unit's kernel and waits on
        # their messages, so cores-many workers left ~30 % of the CPU idle (15 sample units
        # on 2 cores: 22.6 s with 2 workers, 19.5 s with 3; see docs/architecture.md).
        self.jobs = jobs or default_jobs()
        self.rules = getattr(args, "rules", None) or None  # None: each unit's own, else central
        review = getattr(args, "review", None)   # a 复核底稿 for the units it has a sheet for
        if review is not None and not Path(review).is_file():
            raise BatchError(f"复核底稿“{review}”不存在。请检查 --review 的路径。")
        self.review = Path(review).resolve() if review else None
        self.review_rules = getattr(args, "review_rules", None)
        if self.review_rules:
            from perfnb.evaluation.review_rules import get_review_rules
            profile = get_review_rules(self.review_rules)   # a bad profile: exit 2 before any unit
            self.review_rules_sha256 = profile.sha256
        self.template = getattr(args, "template", None)
        self.department = getattr(args, "department", None)
        self.scheduler = getattr(args, "scheduler", None)
        self.force = bool(getattr(args, "force", False))
        self.kernel_name = getattr(args, "kernel_name", None)
        sign = getattr(args, "sign", None)
        self.sign_key = signing.load_private_key(sign) if sign else None  # bad key: exit 2 now
        self.failed_summaries: list[tuple[str, str]] = []
        self.review_reports: list[str] = []   # departments whose 复核报告 is on disk
        # issue 19: earlier years (--previous, read now: a bad path exits 2 before any work)
        self.link = getattr(args, "link", None) or "auto"
        previous = getattr(args, "previous", None)
        if previous:
            from perfnb.running.yeartables import read_previous
            self.previous = read_previous(previous)
        else:
            self.previous = None
        self.write_failures: list[str] = []   # a unit or summary that could not be written
        self._executor_instance = None
        self._units_to_run = 0
        self._kernel_server = None

    def run(self) -> int:
        try:
            return self._run()
        finally:
            if self._kernel_server is not None:
                self._kernel_server.close()
                self._kernel_server = None

    def _start_servers(self) -> None:
        """Start, as the batch starts, the two processes that prepare its local workers, so
        that their imports overlap the planning: the workers' forkserver and one kernel fork
        server for the whole batch (ipykernel, pandas, matplotlib, perfnb: ~2 s of CPU),
        where every local worker forks its units' and summaries' kernels.  Not for Dask
        workers (other machines); no kernel server with PERFNB_NO_FORKED_KERNELS."""
        if self.scheduler:
            return
        with contextlib.suppress(OSError, ValueError):
            prestart_local_workers()
        if os.environ.get("PERFNB_NO_FORKED_KERNELS"):
            return
        from perfnb.running import kernels
        with contextlib.suppress(OSError):
            self._kernel_server = kernels.start_shared_kernel_fork_server()

    def _run(self) -> int:
        self._start_servers()
        paths = discover_inputs(self.inputs, self.out_root)
        if not paths:
            raise BatchError("在给定的输入中没有找到单位文件（.yaml、.xlsx、.csv）。")
        rules = rules_identity(self.rules or "central")
        template = template_identity(self.template)
        context = {"perfnb": __version__, "perfnb_code": code_sha256(),
                   "rules_sha256": rules["sha256"],
                   "template_sha256": template["sha256"], "formats": self.formats}
        if self.review_rules:   # another 复核口径 reruns every unit
            context["review_rules_sha256"] = self.review_rules_sha256
        jobs = plan_jobs(paths, self.out_root, context, self.department, self.rules,
                         review=self.review)
        if not jobs:
            raise BatchError(f"没有主管部门为“{self.department}”的单位。请检查 --department 的写法。")
        if self.previous is not None:
            self._link_previous(jobs)
        started = now_iso()
        if self.scheduler:  # connect first: an unreachable scheduler must change nothing
            self._executor_instance = DaskExecutor(self.scheduler)
        try:
            return self._run_locked(jobs, rules, template, context, started)
        except OSError as error:  # disk full, read-only folder: nothing half-done is kept as done
            raise write_failure(self.out_root, error) from error
        finally:
            if self._executor_instance is not None:
                self._executor_instance.close()
                self._executor_instance = None

    def _link_previous(self, jobs: list[UnitJob]) -> None:
        """Each unit's own rows of the earlier years (read once, in this process): handed to
        its worker with the task (a few rows, not the multi-year tables) and part of its
        fingerprint, so other earlier-year data reruns the unit."""
        from perfnb.running.manifest import sha256_bytes
        from perfnb.running.yeartables import PreviousRows, previous_digest

        planned = [job for job in jobs if job.plan is not None]
        linked = PreviousRows(self.previous, self.link).for_units(
            [job.department for job in planned],
            [getattr(job.plan, "project", "") for job in planned])
        for job, own in zip(planned, linked):
            if own is not None:
                job.previous = own
                job.fingerprint = sha256_bytes(
                    (job.fingerprint + "|previous:" + previous_digest(own, self.link)).encode())

    def _run_locked(self, jobs, rules, template, context, started) -> int:
        self.out_root.mkdir(parents=True, exist_ok=True)
        with directory_lock(self.out_root):
            ledger.read(self.out_root)  # a damaged ledger stops the batch before any change
            # "unchanged, skip" rests on a manifest whose signature holds, never on its own word
            manifest, warning = resume_manifest(self.out_root, self.sign_key, self.force)
            remove_stray_temporaries(self.out_root, manifest)  # perfnb's own, nothing else
            if warning:
                print(warning, file=sys.stderr)
            if self.sign_key is not None:  # every save signed: a kill leaves a signed manifest
                key = self.sign_key
                manifest.signer = lambda data: signing.sign(key, data, signing.MANIFEST_NAMESPACE)
            else:
                drop_signature(self.out_root)  # the manifest is about to change
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
            # A folder perfnb did not make is never emptied or written into: its unit fails.
            blocked = {job.key: foreign for job in to_run
                       if (foreign := self._foreign_files(job, manifest))}
            stale: dict[str, list[str]] = {}
            for job in to_run:  # forget, then empty, the folders of units about to rerun
                owner = f"unit:{job.key}"
                stale[job.key] = manifest.owned_files(owner)
                manifest.drop_owner(owner)
                if job.key not in blocked:
                    # the folder stays perfnb's while the unit runs (also after a kill -9)
                    manifest.data.setdefault(RUNNING, {})[job.key] = started
            manifest.save()
            for job in to_run:
                if job.key not in blocked:
                    self._empty_unit_folder(job, stale[job.key])
            for job in [job for job in to_run if job.key in blocked]:
                to_run.remove(job)
                now = now_iso()
                shown = "、".join(blocked[job.key][:3]) + ("等" if len(blocked[job.key]) > 3 else "")
                job.outcome = {"status": "failed", "files": [], "started": now, "finished": now,
                               "seconds": None, "host": None, "pid": None, "worker": None,
                               "out_dir": job.key, "message":
                               f"输出文件夹“{self.out_root / job.key}”已存在，其中有不是 perfnb "
                               f"写出的文件（{shown}），为免覆盖或删除，该单位未运行。"
                               "请移走这些文件，或换一个 --out 目录。"}
                self._record_unit(manifest, job, job.outcome, context)
            self._units_to_run = len(to_run)
            self._execute(jobs, to_run, manifest, context)
            if self.write_failures:
                # Disk full / read-only while a worker wrote: exit 2 as for any write failure,
                # and seal nothing (no signature, no ledger record over an unfinished archive).
                raise OutputError(self.write_failures[0])
            manifest.data["finished"] = now_iso()
            counts = {status: sum(1 for job in jobs if (job.outcome or {}).get("status") == status)
                      for status in ("passed", "failed", "skipped")}
            record = seal(self.out_root, manifest, self.sign_key, "batch", {"units": counts})
        print(format_table(jobs))
        for line in closing_lines(jobs, self.failed_summaries, self.out_root,
                                  sorted(self.review_reports)):
            print(line)
        print(f"存证：清单已签名，签名者密钥 {record['signer']}；运行记录第 {record['seq']} 条。"
              if record.get("signer") else
              f"存证：清单未签名（加 --sign 私钥 可签名）；运行记录第 {record['seq']} 条。")
        failed = [job for job in jobs if (job.outcome or {}).get("status") == "failed"]
        return 1 if failed or self.failed_summaries else 0

    def _foreign_files(self, job: UnitJob, manifest: Manifest) -> list[str]:
        """Files in the unit's folder that perfnb did not write: the folder exists but the
        manifest never had this unit (nor any file under it).  Empty for perfnb's folders
        (after a damaged manifest was replaced, every existing folder counts as perfnb's)."""
        unit_dir = self.out_root / job.key
        if unit_dir.is_symlink() or (unit_dir.exists() and not unit_dir.is_dir()):
            return [job.key]
        if not unit_dir.is_dir() or manifest.damaged or f"unit:{job.key}" in manifest.units \
                or job.key in manifest.data.get(RUNNING, {}) \
                or any(name.startswith(job.key + "/") for name in manifest.files):
            return []
        return [relative_name(self.out_root, path) for path in walk_files(unit_dir)
                if temporary_target(path.name) is None]

    def _empty_unit_folder(self, job: UnitJob, listed: list[str]) -> None:
        """Remove what perfnb wrote for the unit before: the files the manifest listed, and
        files under perfnb's own output names (a run killed before it was recorded).  Other
        files in the folder are left as they are."""
        from perfnb.evaluation.redflags import INDICATORS_FILE, UNITS_FILE
        from perfnb.running.runner import FLAGS_SIDECAR, NOTEBOOK_NAME, OUTPUT_NAMES, PREVIOUS_DIR

        unit_dir = ensure_inside(self.out_root, self.out_root / job.key)
        if unit_dir == self.out_root or not unit_dir.is_dir():
            return
        names = {NOTEBOOK_NAME, *OUTPUT_NAMES.values(), FLAGS_SIDECAR,
                 f"{PREVIOUS_DIR}/{UNITS_FILE}", f"{PREVIOUS_DIR}/{INDICATORS_FILE}"}
        doomed = [self.out_root / name for name in listed] + \
            [unit_dir / name for name in names]
        for path in doomed:
            if path.is_symlink() or not path.is_file():
                continue
            try:
                ensure_inside(self.out_root, path)  # a tampered manifest names no outside file
            except PerfnbError:
                continue
            path.unlink()
        previous_dir = unit_dir / PREVIOUS_DIR
        if previous_dir.is_dir() and not previous_dir.is_symlink():
            with contextlib.suppress(OSError):
                previous_dir.rmdir()  # only when nothing else is in it
        with contextlib.suppress(OSError):
            unit_dir.rmdir()  # only when nothing else is in it

    def _up_to_date(self, job: UnitJob, manifest: Manifest) -> bool:
        return unit_up_to_date(job, manifest, self.force)

    def _task(self, job: UnitJob) -> dict[str, Any]:
        return {"input_path": str(job.input_path), "out_root": str(self.out_root),
                "key": job.key, "formats": self.formats, "rules": job.rules.get("given"),
                "template": self.template, "kernel_name": self.kernel_name,
                "form": job.parameters.get("form"), "review": job.parameters.get("review"),
                "review_rules": self.review_rules, "plan": job.plan,
                "previous": job.previous, "link": self.link}

    def _execute(self, jobs: list[UnitJob], to_run: list[UnitJob], manifest: Manifest,
                 context: dict[str, Any]) -> None:
        departments = sorted({job.key.split("/")[0] for job in jobs})
        pending_by_department = {d: sum(1 for j in to_run if j.key.split("/")[0] == d)
                                 for d in departments}
        # per department its summary and a place for its 复核报告 (passed over when none)
        self._bar = bar = _progress(len(to_run) + 2 * len(departments) + 1)
        if to_run:
            _warm_closing_imports()
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
                    self._submit_review_report(running, manifest, department)
            whole_submitted = False
            while True:
                submit_units()
                if not whole_submitted and not waiting \
                        and not any(k == "unit" for k, _ in running.values()):
                    whole_submitted = True
                    tables = self._write_batch_tables()   # the batch's summary reads them
                    self._submit_summary(running, manifest, None)
                    # while that summary runs in a worker, not before it
                    self._write_summary_workbook(manifest, tables)
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
                            self._submit_review_report(running, manifest, department)
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
                LocalExecutor(min(self.jobs, max(1, self._units_to_run)),
                              fork_socket=self._kernel_server.socket_path
                              if self._kernel_server is not None and self._kernel_server.alive
                              else None)
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
        if outcome.get("write_error") in WRITE_ERRNOS:
            self.write_failures.append(outcome["message"])
        manifest.data.get(RUNNING, {}).pop(job.key, None)
        owner = f"unit:{job.key}"
        if outcome.get("out_dir") and outcome["out_dir"] != job.key:
            # The runner chose another folder: follow it, but keep the manifest honest.
            manifest.drop_owner(f"unit:{outcome['out_dir']}")
            owner = f"unit:{outcome['out_dir']}"
        manifest.record("units", owner, unit_entry(job, outcome, context["formats"]), outcome["files"])
        manifest.save()

    # -- summaries -------------------------------------------------------------------------
    def _summary_fingerprint(self, manifest: Manifest, department: str | None) -> str:
        return summary_fingerprint(manifest, department, self.formats, __version__,
                                   code_sha256())

    def _submit_summary(self, running, manifest: Manifest, department: str | None) -> None:
        owner = f"summary:{department or ''}"
        fingerprint = self._summary_fingerprint(manifest, department)
        if summary_up_to_date(manifest, owner, fingerprint, self.force):
            self._bar.update(1)  # unchanged since the last run
            return
        manifest.drop_owner(owner)
        task = {"out_root": str(self.out_root), "department": department,
                "formats": self.formats, "kernel_name": self.kernel_name,
                "key": f"summary-{department or 'all'}"}
        running[self._executor().submit(execute_summary, task)] = (
            "summary", {"owner": owner, "department": department, "fingerprint": fingerprint})

    def _record_summary(self, manifest: Manifest, item: dict, outcome: dict) -> None:
        if outcome.get("write_error") in WRITE_ERRNOS:
            self.write_failures.append(outcome["message"])
        review = item.get("kind") == "review"
        if outcome["status"] != "passed":
            self.failed_summaries.append((f"{item['department']} 复核报告" if review else
                                          item["department"] or "全部单位", outcome["message"]))
        elif review:
            self.review_reports.append(item["department"])
        entry = summary_entry(item["department"], item["fingerprint"], outcome)
        if review:
            entry["kind"] = "review_report"
        manifest.record("summaries", item["owner"], entry, outcome["files"])
        manifest.save()

    # -- the department's 复核报告 -------------------------------------------------------------
    def _reviewed(self, manifest: Manifest, department: str) -> bool:
        """True if a unit of ``department`` (its folder) has a review record: its result.json
        has a ``reviewed`` block (from ``--review``, a review file beside it, or its YAML)."""
        for name in manifest.files:
            if not (name.startswith(department + "/") and name.endswith("/result.json")
                    and name.count("/") == 2):
                continue
            try:
                path = ensure_inside(self.out_root, self.out_root / name)
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, PerfnbError):
                continue
            if isinstance(data, dict) and data.get("reviewed"):
                return True
        return False

    def _submit_review_report(self, running, manifest: Manifest, department: str) -> None:
        """Run notebooks/review_report.ipynb for a department with reviewed units (through the
        summaries' path: :func:`perfnb.running.execution.execute_summary`); a department
        without any gets none, and a report left from an earlier run with reviews is removed."""
        from perfnb.running.summaries import review_report_template

        owner = f"{REVIEW_OWNER}{department}"
        if not self._reviewed(manifest, department):
            self._remove_owned(manifest, owner)
            self._bar.update(1)   # no reviewed unit: no 复核报告
            return
        extra = {"review_rules": getattr(self, "review_rules_sha256", None)}
        fingerprint = summary_fingerprint(manifest, department, self.formats, __version__,
                                          code_sha256(), template=review_report_template(),
                                          extra=extra)
        if summary_up_to_date(manifest, owner, fingerprint, self.force):
            self.review_reports.append(department)
            self._bar.update(1)  # unchanged since the last run
            return
        manifest.drop_owner(owner)
        task = {"out_root": str(self.out_root), "department": department, "kind": "review",
                "formats": self.formats, "kernel_name": self.kernel_name,
                "review_rules": self.review_rules, "key": f"review-{department}"}
        running[self._executor().submit(execute_summary, task)] = (
            "summary", {"owner": owner, "department": department, "fingerprint": fingerprint,
                        "kind": "review"})

    def _remove_owned(self, manifest: Manifest, owner: str) -> None:
        """Delete the files ``owner`` wrote (as the manifest lists them) and forget it."""
        if owner not in manifest.summaries:
            return
        for name in manifest.owned_files(owner):
            try:
                path = ensure_inside(self.out_root, self.out_root / name)
            except PerfnbError:
                continue
            if path.is_file() and not path.is_symlink():
                path.unlink()
        manifest.drop_owner(owner)
        manifest.save()

    def _write_batch_tables(self) -> list[Path] | None:
        """results/indicators/red_flags.parquet (None when they could not be made)."""
        from perfnb.running.yeartables import write_batch_tables
        try:
            return write_batch_tables(self.out_root, self.previous, self.link, self.rules)
        except PerfnbError as error:
            self.failed_summaries.append(("summary.xlsx", str(error)))
            return None

    def _write_summary_workbook(self, manifest: Manifest, tables: list[Path] | None) -> None:
        from perfnb.reporting.summary import write_summary_workbook
        owner = "summary:workbook"
        manifest.drop_owner(owner)
        if tables is None:   # summary.xlsx shows the red flags of those tables
            return
        try:
            path = write_summary_workbook(self.out_root)
        except PerfnbError as error:
            self.failed_summaries.append(("summary.xlsx", str(error)))
            return
        manifest.record("summaries", owner, {"status": "passed", "finished": now_iso()},
                        [file_record(self.out_root, p) for p in [path, *tables]])
        manifest.save()


# What the batch process itself needs once every unit is done (the batch's tables, summary.xlsx
# and the result.json schema): imported while the units run, off the batch's serial tail.
CLOSING_IMPORTS = ("perfnb.running.yeartables", "perfnb.evaluation.redflags",
                   "perfnb.reporting.summary", "pyarrow.parquet", "openpyxl")


def default_jobs() -> int:
    """Workers of a local batch without --jobs: the CPU cores plus one."""
    return (os.cpu_count() or 1) + 1


def _warm_closing_imports() -> None:
    """Import :data:`CLOSING_IMPORTS` and build the schema validator in a background thread
    (the batch process only waits while the units run): pyarrow, openpyxl and the validator
    otherwise came after the last unit and before the overall summary."""
    import threading

    def warm() -> None:
        for name in CLOSING_IMPORTS:
            with contextlib.suppress(Exception):
                __import__(name)
        with contextlib.suppress(Exception):
            from perfnb.schemas import result_problems
            result_problems({})

    threading.Thread(target=warm, name="perfnb-warm-closing", daemon=True).start()


def batch_command(args) -> int:
    """``perfnb batch``: exit 0 if every unit passed, 1 if any failed, 2 on a bad invocation."""
    return Batch(args).run()
