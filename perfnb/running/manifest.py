"""The evidence manifest of a batch (``DIR/manifest.json``) and ``perfnb verify``.

``manifest.json`` lists every file a batch wrote (relative path, SHA-256, size); per unit,
the hashes of its inputs, its parameters, status, Chinese message, timings and where it
ran (host, pid, Dask worker); and the environment (package versions, host, time-zone
aware start and end times), the perfnb version, the rule set (name, hash) and the
template's hash.  The manifest is rewritten atomically after each unit, and a unit's
entry is only written once all its files are on disk, so a batch killed at any moment
leaves a manifest that describes complete units only.

:func:`verify` re-hashes every file and names each one that was changed, is missing, or
is not listed; ``perfnb verify`` (:mod:`perfnb.running.evidence`) runs it after checking the
manifest's signature, then checks the run ledger and the copies of each result.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import socket
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from perfnb.errors import PerfnbError
from perfnb.fsutil import TEMP_SUFFIX, atomic_write_text
from perfnb.running.provenance import code_sha256, package_versions, sha256_file  # shared, one of each

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.json.sig"
LEDGER_NAME = "ledger.jsonl"
LOCK_NAME = ".perfnb.lock"
MANIFEST_FORMAT = "perfnb-manifest/1"
# Files of the output folder that are never listed: the manifest, its signature, the run
# ledger (written after the manifest, see perfnb.running.ledger) and the batch lock.
NOT_LISTED = {MANIFEST_NAME, SIGNATURE_NAME, LEDGER_NAME, LOCK_NAME}

ENVIRONMENT_PACKAGES = (
    "perfnb", "pandas", "numpy", "openpyxl", "PyYAML", "Jinja2", "matplotlib", "papermill",
    "nbconvert", "nbformat", "nbclient", "ipykernel", "jupyter_client", "typst",
    "fonttools", "pylopdf-fonts-zh-cn", "tqdm", "dask", "distributed",
)


class ManifestError(PerfnbError):
    """The output folder or its manifest is missing or unreadable."""


def now_iso() -> str:
    """The current time, time-zone aware, ISO 8601 (e.g. 2024-05-01T10:00:00.123+08:00)."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def relative_name(root: str | os.PathLike, path: str | os.PathLike) -> str:
    """``path`` relative to ``root``, with forward slashes (the manifest's key)."""
    return Path(os.path.relpath(Path(path).resolve(), Path(root).resolve())).as_posix()


def file_record(root: str | os.PathLike, path: str | os.PathLike) -> dict[str, Any]:
    """{"path", "sha256", "size"} of one file; ``path`` relative to ``root``."""
    path = Path(path)
    return {"path": relative_name(root, path), "sha256": sha256_file(path),
            "size": path.stat().st_size}


def is_temporary(path: Path) -> bool:
    """A temporary file left by an interrupted atomic write (see :mod:`perfnb.fsutil`)."""
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)


def walk_files(directory: str | os.PathLike) -> list[Path]:
    """Every regular file under ``directory``, sorted."""
    found = []
    for folder, _subfolders, names in os.walk(directory):
        for name in names:
            found.append(Path(folder) / name)
    return sorted(found)


def hash_tree(root: str | os.PathLike, directory: str | os.PathLike) -> list[dict[str, Any]]:
    """File records of every file under ``directory`` (temporary files excluded)."""
    return [file_record(root, path) for path in walk_files(directory) if not is_temporary(path)]


def environment_info() -> dict[str, Any]:
    """Where and with what the batch ran."""
    return {
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "timezone": datetime.now().astimezone().tzname(),
        "packages": package_versions(ENVIRONMENT_PACKAGES),
        "perfnb_code_sha256": code_sha256(),
    }


@dataclass
class Manifest:
    """``DIR/manifest.json`` in memory.

    ``files`` maps each relative path to ``{"sha256", "size", "owner"}`` where ``owner`` is
    the unit key (``<department>/<unit>``) or summary key that wrote it; ``units`` and
    ``summaries`` map keys to their entries (see :mod:`perfnb.running.batch`).
    """

    directory: Path
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "Manifest":
        """Read ``DIR/manifest.json``; raise :class:`ManifestError` if absent or unreadable."""
        directory = Path(directory)
        path = directory / MANIFEST_NAME
        if not directory.is_dir():
            raise ManifestError(f"输出目录“{directory}”不存在。请检查路径是否正确。")
        if not path.is_file():
            raise ManifestError(f"输出目录“{directory}”中没有存证清单 {MANIFEST_NAME}。"
                                "请确认这是 perfnb batch 的输出目录。")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ManifestError(f"存证清单“{path}”无法读取（{error}）。"
                                "清单已损坏，请重新运行 perfnb batch --force。") from error
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or \
                not isinstance(data.get("files"), dict):
            raise ManifestError(f"存证清单“{path}”的格式无法识别。"
                                "请重新运行 perfnb batch --force 生成新的清单。")
        data.setdefault("units", {})
        data.setdefault("summaries", {})
        return cls(directory, data)

    @classmethod
    def load_or_new(cls, directory: str | os.PathLike) -> "Manifest":
        """The existing manifest, or a fresh one if there is none or it cannot be used."""
        try:
            return cls.load(directory)
        except ManifestError:
            return cls(Path(directory), {"format": MANIFEST_FORMAT, "files": {}, "units": {},
                                         "summaries": {}})

    @classmethod
    def load_for_rerun(cls, directory: str | os.PathLike) -> tuple["Manifest", str | None]:
        """The manifest a batch resumes from, and a Chinese warning if the existing one is
        damaged (truncated, not JSON, unknown format): then nothing counts as done and every
        unit runs again."""
        try:
            return cls.load(directory), None
        except ManifestError as error:
            fresh = cls.load_or_new(directory)
            if not (Path(directory) / MANIFEST_NAME).exists():
                return fresh, None
            return fresh, (f"注意：{error}本次不跳过任何单位，全部重新运行并写出新的清单"
                           "（旧清单被替换）。")

    # -- access -------------------------------------------------------------------------
    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return self.data["files"]

    @property
    def units(self) -> dict[str, dict[str, Any]]:
        return self.data["units"]

    @property
    def summaries(self) -> dict[str, dict[str, Any]]:
        return self.data["summaries"]

    def owned_files(self, owner: str) -> list[str]:
        return [name for name, record in self.files.items() if record.get("owner") == owner]

    def files_verify(self, names: Iterable[str]) -> bool:
        """True if each named file exists with its recorded size and hash."""
        for name in names:
            record = self.files.get(name)
            path = self.directory / name
            if record is None or not path.is_file():
                return False
            if path.stat().st_size != record["size"] or sha256_file(path) != record["sha256"]:
                return False
        return True

    # -- changes ------------------------------------------------------------------------
    def drop_owner(self, owner: str) -> None:
        for name in self.owned_files(owner):
            del self.files[name]
        self.units.pop(owner, None)
        self.summaries.pop(owner, None)

    def record(self, section: str, owner: str, entry: dict[str, Any],
               records: Iterable[dict[str, Any]]) -> None:
        """Replace ``owner``'s entry in ``section`` ("units"/"summaries") and its files."""
        for name in self.owned_files(owner):
            del self.files[name]
        names = []
        for record in records:
            self.files[record["path"]] = {"sha256": record["sha256"], "size": record["size"],
                                          "owner": owner}
            names.append(record["path"])
        self.data[section][owner] = {**entry, "files": sorted(names)}

    def save(self) -> None:
        """Write ``DIR/manifest.json`` atomically (sorted keys, so diffs stay readable)."""
        self.data["format"] = MANIFEST_FORMAT
        self.data["files"] = dict(sorted(self.files.items()))
        text = json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=False,
                          default=_json_default)
        atomic_write_text(self.directory / MANIFEST_NAME, text + "\n")


@contextlib.contextmanager
def directory_lock(directory: str | os.PathLike):
    """Hold ``DIR/.perfnb.lock`` (one batch or signing at a time per output folder)."""
    handle = open(Path(directory) / LOCK_NAME, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            raise ManifestError(f"输出目录“{directory}”正被另一个 perfnb batch 使用。"
                                "请等它结束，或换一个 --out 目录。") from error
        yield
    finally:
        handle.close()


def remove_stray_temporaries(directory: str | os.PathLike) -> None:
    """Delete the temporary files interrupted atomic writes left under ``directory``."""
    for path in walk_files(directory):
        if is_temporary(path):
            try:
                path.unlink()
            except OSError:
                pass


def unit_entry(job: Any, outcome: dict[str, Any], formats: list[str]) -> dict[str, Any]:
    """A unit's entry in ``manifest["units"]``: its plan (a
    :class:`perfnb.running.planning.UnitJob`) and the outcome of its run."""
    return {
        "unit_id": job.unit_id, "department": job.department, "input": str(job.input_path),
        "inputs": job.input_files, "parameters": job.parameters, "fingerprint": job.fingerprint,
        "rules": job.rules,
        "status": outcome["status"], "message": outcome.get("message", ""),
        "total": outcome.get("total"), "grade": outcome.get("grade"),
        "reviewed_total": outcome.get("reviewed_total"),
        "reviewed_grade": outcome.get("reviewed_grade"),
        "started": outcome.get("started"), "finished": outcome.get("finished"),
        "seconds": outcome.get("seconds"), "host": outcome.get("host"),
        "pid": outcome.get("pid"), "worker": outcome.get("worker"),
        "out_dir": outcome.get("out_dir"), "formats": formats,
    }


def summary_entry(department: str | None, fingerprint: str,
                  outcome: dict[str, Any]) -> dict[str, Any]:
    """A summary's entry in ``manifest["summaries"]``."""
    return {"department": department, "fingerprint": fingerprint,
            "status": outcome["status"], "message": outcome.get("message", ""),
            "started": outcome.get("started"), "finished": outcome.get("finished"),
            "seconds": outcome.get("seconds"), "host": outcome.get("host"),
            "pid": outcome.get("pid"), "worker": outcome.get("worker")}


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


# --- verification -----------------------------------------------------------------------

@dataclass
class VerifyReport:
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.unlisted)

    def lines(self) -> list[str]:
        """One Chinese line per problem."""
        out = [f"已被改动：{name}（内容与清单记录的 SHA-256 不一致）" for name in self.changed]
        out += [f"缺失：{name}（清单中有记录，但文件不存在）" for name in self.missing]
        out += [f"未列入清单：{name}（不是本次批量运行写出的文件）" for name in self.unlisted]
        return out


def verify(directory: str | os.PathLike) -> VerifyReport:
    """Re-hash every file listed in ``DIR/manifest.json`` and look for unlisted files."""
    manifest = Manifest.load(directory)
    root = manifest.directory
    report = VerifyReport()
    for name, record in sorted(manifest.files.items()):
        path = root / name
        report.checked += 1
        if not path.is_file():
            report.missing.append(name)
        elif path.stat().st_size != record.get("size") or sha256_file(path) != record.get("sha256"):
            report.changed.append(name)
    for path in walk_files(root):
        name = relative_name(root, path)
        if name not in manifest.files and name not in NOT_LISTED:
            report.unlisted.append(name)
    return report
