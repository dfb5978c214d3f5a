"""Planning a ``perfnb batch``: inputs → units, fingerprints, resume decisions.

Nothing here starts a kernel or writes a file.  :func:`discover_inputs` finds the unit
inputs named on the command line; :func:`plan_jobs` turns each into a :class:`UnitJob`
(unit id, department, output folder key, hashed inputs, the rule set it uses) with a
fingerprint of everything its report depends on; :func:`unit_up_to_date` and
:func:`summary_up_to_date` decide, against ``DIR/manifest.json``, what a rerun may skip.
The orchestration that uses these lives in :mod:`perfnb.running.batch`.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfnb.errors import PerfnbError
from perfnb.fsutil import component_or, ensure_inside
from perfnb.running.isolation import CRASH_MESSAGE, can_fork, isolated_map
from perfnb.running.manifest import Manifest, sha256_bytes, sha256_file

class BatchError(PerfnbError):
    """A bad ``perfnb batch`` invocation (exit 2)."""


# --- discovering units --------------------------------------------------------------------

def discover_inputs(inputs: list[str], out_root: Path | None = None) -> list[Path]:
    """The unit inputs named on the command line, folders searched recursively
    (:func:`perfnb.reading.discovery.discover`, shared with ``perfnb score``); a path that
    does not exist or is no unit file is a :class:`BatchError`."""
    from perfnb.reading.discovery import DiscoveryError, discover
    try:
        return discover(inputs, out_root, strict=True)
    except DiscoveryError as error:
        raise BatchError(str(error)) from None


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
    plan: Any = None              # the runner's UnitPlan: sent to the worker, never remade there
    planning_cpu: float | None = None  # CPU seconds its input's planning took (shared by its forms)
    previous: Any = None          # earlier years' rows it links to (--previous): (units, indicators)


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


def expand_units(paths: list[Path], plan_units,
                 cpu: dict[Path, float] | None = None) -> list[tuple[Path, Any, str | None]]:
    """(input, plan, None) for every unit of every input (one per form of a multi-form
    file), or (input, None, error) for an input that cannot be planned.  ``cpu`` (if given)
    gets the CPU seconds each input's planning took (in the process that planned it).

    Planning reads the data files; with several inputs they are read in forked worker
    processes (:func:`perfnb.running.isolation.isolated_map`), so a file whose reader
    kills its process fails as that unit, and the batch plans and runs the others."""
    if len(paths) > 1 and can_fork() and plan_units is _default_plan_units():
        parts = isolated_map(_plan_path, paths, os.cpu_count() or 1, crashed=lambda path: (
            [(path, None, f"{path}：{CRASH_MESSAGE}。")], None))
    else:
        parts = [_plan_path(path, plan_units) for path in paths]
    units = []
    for path, (found, seconds) in zip(paths, parts):
        units.extend(found)
        if cpu is not None and seconds is not None:
            cpu[path] = seconds
    return units


def _default_plan_units():
    from perfnb.running.runner import plan_units
    return plan_units


def _plan_path(path: Path, plan_units=None) -> tuple[list[tuple[Path, Any, str | None]], float]:
    """The units of one input, and the CPU seconds planning it took."""
    plan_units = plan_units or _default_plan_units()
    clock = time.process_time()
    try:
        found = [(path, plan, None) for plan in plan_units(path)]
    except PerfnbError as problem:
        found = [(path, None, str(problem))]
    return found, round(time.process_time() - clock, 4)


def plan_jobs(paths: list[Path], out_root: Path, context: dict[str, Any],
              department: str | None = None, rules: str | None = None,
              review: Path | None = None) -> list[UnitJob]:
    """Unit id, department, inputs and fingerprint of each input (no kernel started).

    Each unit is scored by ``rules`` when given (--rules), else by the rule set its YAML
    names, else by central; the fingerprint hashes the rule set the unit really uses.
    """
    from perfnb.running.runner import DEFAULT_RULES, UNKNOWN_DEPARTMENT, plan_units, unit_folder

    identities: dict[str, dict[str, Any]] = {}
    jobs: list[UnitJob] = []
    reviewed: set[str] = set()
    if review is not None:   # --review 底稿.xlsx: the units it has a sheet for take it
        from perfnb.reading.workpaper import workpaper_units
        reviewed = set(workpaper_units(review))
    cpu: dict[Path, float] = {}
    for path, plan, error in expand_units(paths, plan_units, cpu):
        unit_rules = rules
        if plan is not None:
            unit_id, dept = str(plan.unit_id), str(plan.department or "")
            input_files = [Path(p) for p in (plan.input_files or [path])]
            parameters = dict(plan.parameters or {})
            unit_rules = rules or plan.rules
        else:
            unit_id, dept, input_files, parameters = path.stem, "", [path], {}
        if unit_id in reviewed:
            from perfnb.reading.discovery import REVIEW_SUFFIXES
            from perfnb.reading.review import review_evidence
            from perfnb.reading.workpaper import read_workpaper
            cut = next((i for i, p in enumerate(input_files)
                        if str(p).lower().endswith(REVIEW_SUFFIXES)), len(input_files))
            input_files = input_files[:cut] + [Path(review)]
            try:
                input_files += review_evidence(read_workpaper(review, unit_id))
            except PerfnbError as problem:   # a bad paper fails this unit, not the batch
                error = error or str(problem)
            parameters["review"] = str(review)
        unit_rules = str(unit_rules or DEFAULT_RULES)
        try:
            if unit_rules not in identities:
                identities[unit_rules] = rules_identity(unit_rules)
            unit_identity = identities[unit_rules]
        except PerfnbError as problem:
            unit_identity = {"name": unit_rules, "sha256": "", "given": unit_rules}
            error = error or str(problem)
        if department is not None and dept.strip() != department.strip():
            continue
        if plan is not None:
            key = unit_folder(plan)  # the runner's own folder; unusable names fall back per form
        else:
            key = f"{UNKNOWN_DEPARTMENT}/{component_or(path.stem, 'unit')}"
        ensure_inside(out_root, out_root / key)
        job = UnitJob(path, unit_id, dept, key, _hash_inputs(input_files), parameters,
                      plan_error=error, rules=unit_identity, plan=plan, planning_cpu=cpu.get(path))
        job.fingerprint = _fingerprint(job, {**context, "rules_sha256": unit_identity["sha256"]})
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


# --- identities of what every unit shares ----------------------------------------------

def parse_formats(text: str) -> list[str]:
    from perfnb.running.runner import SUPPORTED_FORMATS

    formats = [part.strip().lower() for part in str(text or "").split(",") if part.strip()]
    unknown = [fmt for fmt in formats if fmt not in SUPPORTED_FORMATS]
    if not formats or unknown:
        raise BatchError(f"--formats 的值“{text}”无法识别。可选：{','.join(SUPPORTED_FORMATS)}，逗号分隔。")
    return list(dict.fromkeys(formats))


def rules_identity(rules: str) -> dict[str, Any]:
    from perfnb.evaluation.checks.catalog import validate
    from perfnb.evaluation.rules import get_rules
    rule_set = validate(get_rules(rules))   # a bad checks: key fails the batch, not each unit
    return {"name": rule_set.name, "sha256": rule_set.sha256, "given": str(rules)}


def template_identity(template: str | None) -> dict[str, Any]:
    if template:
        path = Path(template)
        if not path.is_file():
            raise BatchError(f"模板笔记本“{template}”不存在。")
    else:
        from perfnb.running import runner
        path = Path(runner.default_template())
    return {"path": str(path.resolve()), "sha256": sha256_file(path)}


# --- what a rerun may skip ------------------------------------------------------------------

def unit_up_to_date(job: UnitJob, manifest: Manifest, force: bool = False) -> bool:
    """True if the manifest holds a passed run of ``job`` with the same fingerprint whose
    files still verify (so the unit need not run again)."""
    if force or job.plan_error:
        return False
    entry = manifest.units.get(f"unit:{job.key}")
    return bool(entry and entry.get("status") == "passed"
                and entry.get("fingerprint") == job.fingerprint
                and entry.get("files") and manifest.files_verify(entry["files"]))


def summary_fingerprint(manifest: Manifest, department: str | None, formats: list[str],
                        version: str, code: str, template: Path | None = None,
                        extra: dict[str, Any] | None = None) -> str:
    """What a summary depends on: its units' result.json hashes, the summary template
    (or ``template``: the 复核报告's), perfnb's version and code hash, the formats, and
    ``extra`` (e.g. the 复核口径 of a 复核报告)."""
    from perfnb.running.summaries import summary_template
    prefix = f"{department}/" if department else ""
    results = sorted((name, record["sha256"]) for name, record in manifest.files.items()
                     if name.startswith(prefix) and name.endswith("/result.json")
                     and name.count("/") == 2)
    payload = {"results": results, "template": sha256_file(template or summary_template()),
               "perfnb": version, "perfnb_code": code, "formats": formats,
               **({"extra": extra} if extra else {})}
    return sha256_bytes(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode())


def summary_up_to_date(manifest: Manifest, owner: str, fingerprint: str,
                       force: bool = False) -> bool:
    entry = manifest.summaries.get(owner)
    return bool(not force and entry and entry.get("fingerprint") == fingerprint
                and entry.get("status") == "passed" and entry.get("files")
                and manifest.files_verify(entry["files"]))
