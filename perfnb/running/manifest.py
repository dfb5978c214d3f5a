"""The evidence manifest of a batch (``DIR/manifest.json``) and ``perfnb verify``.

``manifest.json`` lists every file a batch wrote (relative path, SHA-256, size); per unit,
the hashes of its inputs, its parameters, status, Chinese message, timings and where it
ran (host, pid, Dask worker); and the environment (package versions, host, time-zone
aware start and end times), the perfnb version, the rule set (name, hash) and the
template's hash.  The manifest is rewritten atomically after each unit, and a unit's
entry is only written once all its files are on disk, so a batch killed at any moment
leaves a manifest that describes complete units only.

:func:`verify` re-hashes every file (never through a symlink) and names each one that was
changed, is missing, or is not listed, and whatever else the folder holds that perfnb never
writes (symlinks, devices, FIFOs, extra folders, content in the lock file); ``perfnb
verify`` (:mod:`perfnb.running.evidence`) runs it on the manifest parsed from the bytes whose
signature it checked, then checks the run ledger and the copies of each result.  A signing
batch signs every save (:meth:`Manifest.save`, :func:`write_signed`).
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import platform
import re
import socket
import stat
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable

from perfnb.errors import PerfnbError
from perfnb.fsutil import TEMP_SUFFIX, atomic_write_bytes
from perfnb.running import archivefs
from perfnb.running.provenance import code_sha256, package_versions, sha256_file  # shared, one of each
from perfnb.textsafe import terminal_name

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.json.sig"
LEDGER_NAME = "ledger.jsonl"
LOCK_NAME = ".perfnb.lock"
# A signed save writes the new signature here before it replaces the manifest (see
# Manifest.save); it exists only while a signed batch is running or was killed.
PENDING_SIGNATURE_NAME = "manifest.json.sig.pending"
MAX_SIGNATURE_BYTES = 64 * 1024
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


def _foreign_manifest(path: Path) -> bool:
    """True for a manifest.json that perfnb did not write: a symlink or not a regular
    file, or a JSON document whose ``format`` is not perfnb's."""
    if path.is_symlink() or not path.is_file():
        return True
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False  # truncated or garbled: a damaged manifest of ours (warned, replaced)
    return not (isinstance(data, dict) and str(data.get("format", "")).startswith("perfnb-manifest"))


def temporary_target(name: str) -> str | None:
    """The file a temporary of :mod:`perfnb.fsutil` was to become (``.<target>.<random>.tmp``)."""
    match = _TEMPORARY_RE.match(name)
    return match.group(1) if match else None


_TEMPORARY_RE = re.compile(r"^\.(.+)\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX) + "$")


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
    # bytes -> armored signature; set by a signing batch so that every save stays signed
    signer: Callable[[bytes], str] | None = field(default=None, repr=False, compare=False)
    damaged: bool = False       # replaced a manifest that could not be used: nothing known ours

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
            raw = archivefs.read_bytes(directory, MANIFEST_NAME, archivefs.MAX_JSON_BYTES)
        except (OSError, archivefs.LimitError) as error:
            raise ManifestError(f"存证清单“{path}”无法读取（{error}）。"
                                "清单已损坏，请重新运行 perfnb batch --force。") from error
        return cls.from_bytes(directory, raw)

    @classmethod
    def from_bytes(cls, directory: str | os.PathLike, raw: bytes) -> "Manifest":
        """The manifest held in ``raw`` (the very bytes whose signature was checked)."""
        directory = Path(directory)
        path = directory / MANIFEST_NAME
        try:
            data = archivefs.loads(raw, MANIFEST_NAME)
        except (UnicodeDecodeError, ValueError) as error:  # LimitError is a ValueError
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
        unit runs again.  A ``manifest.json`` that is some other program's (a JSON document
        without perfnb's ``format``) is not replaced: :class:`ManifestError`."""
        try:
            return cls.load(directory), None
        except ManifestError as error:
            fresh = cls.load_or_new(directory)
            path = Path(directory) / MANIFEST_NAME
            if not path.exists() and not path.is_symlink():
                return fresh, None
            if _foreign_manifest(path):
                raise ManifestError(
                    f"输出目录“{directory}”中已有一个不是 perfnb 写出的 {MANIFEST_NAME}，"
                    "未覆盖也未改动该目录。请换一个空目录或 perfnb 用过的目录作为 --out。") from error
            fresh.damaged = True
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
        """True if each named file exists with its recorded size and hash (regular files
        only, read without following symlinks)."""
        for name in names:
            record = self.files.get(name)
            if not isinstance(record, dict):
                return False
            try:
                size, digest, _ = archivefs.hash_file(self.directory, name)
            except OSError:
                return False
            if size != record.get("size") or digest != record.get("sha256"):
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

    def serialise(self) -> bytes:
        """The bytes :meth:`save` writes (files sorted, so diffs stay readable)."""
        self.data["format"] = MANIFEST_FORMAT
        self.data["files"] = dict(sorted(self.files.items()))
        text = json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=False,
                          default=_json_default)
        return (text + "\n").encode("utf-8")

    def save(self) -> None:
        """Write ``DIR/manifest.json`` atomically; with a :attr:`signer`, signed as well.

        Signed saves keep a valid signature on disk at every moment, so that a batch
        killed half-way leaves a manifest its owner's key vouches for (and the next run can
        trust its own earlier work instead of a manifest anyone could have written): the
        signature of the new bytes goes to ``manifest.json.sig.pending`` first, then the
        manifest is replaced, then the pending signature is renamed over
        ``manifest.json.sig``.  Killed between the last two steps, the pending signature
        matches the manifest (see :func:`signature_candidates`).
        """
        data = self.serialise()
        if self.signer is None:
            atomic_write_bytes(self.directory / MANIFEST_NAME, data)
            return
        write_signed(self.directory, data, self.signer(data))


def write_signed(directory: str | os.PathLike, data: bytes, signature: str) -> None:
    """Replace the manifest by ``data`` and its signature by ``signature`` so that some
    valid signature of the manifest on disk exists at every moment (see :meth:`Manifest.save`)."""
    directory = Path(directory)
    pending = directory / PENDING_SIGNATURE_NAME
    atomic_write_bytes(pending, signature.encode("ascii"))
    atomic_write_bytes(directory / MANIFEST_NAME, data)
    os.replace(pending, directory / SIGNATURE_NAME)


def signature_candidates(directory: str | os.PathLike) -> list[bytes]:
    """The signatures that may hold for the manifest: ``manifest.json.sig`` and, after a
    kill between a signed save's last two steps, ``manifest.json.sig.pending`` (regular files
    only, never through a symlink)."""
    found = []
    for name in (SIGNATURE_NAME, PENDING_SIGNATURE_NAME):
        try:
            found.append(archivefs.read_bytes(directory, name, MAX_SIGNATURE_BYTES))
        except (OSError, archivefs.LimitError):
            continue
    return found


@contextlib.contextmanager
def directory_lock(directory: str | os.PathLike):
    """Hold ``DIR/.perfnb.lock`` (one batch or signing at a time per output folder).

    Opened without following a symlink (``O_NOFOLLOW``): a planted ``.perfnb.lock`` that
    points elsewhere is refused, never opened (let alone created) through."""
    path = Path(directory) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP or path.is_symlink():
            raise ManifestError(f"输出目录“{directory}”中的 {LOCK_NAME} 是一个符号链接，"
                                "不是 perfnb 写出的锁文件，已拒绝使用。请删除它后重新运行。") from error
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ManifestError(f"输出目录“{directory}”中的 {LOCK_NAME} 不是普通文件，已拒绝使用。"
                            "请删除它后重新运行。")
    handle = os.fdopen(fd, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            raise ManifestError(f"输出目录“{directory}”正被另一个 perfnb batch 使用。"
                                "请等它结束，或换一个 --out 目录。") from error
        yield
    finally:
        handle.close()


# Files perfnb writes at the top of an output folder (their temporaries may be removed).
ROOT_OUTPUTS = {MANIFEST_NAME, SIGNATURE_NAME, LEDGER_NAME, "summary.xlsx", "summary.ipynb",
                "summary.html", "summary.pdf"}


def remove_stray_temporaries(directory: str | os.PathLike, manifest: "Manifest") -> None:
    """Delete the temporary files interrupted atomic writes of perfnb left in ``directory``.

    Only perfnb's own: a temporary name as :mod:`perfnb.fsutil` makes them
    (``.<name>.<random>.tmp``), in a folder that holds files the manifest lists (a unit's
    or department's folder), or at the top for a file perfnb writes there.  Anything else
    that happens to end in ``.tmp`` in a folder given as ``--out`` is left alone."""
    root = Path(directory)
    folders = {root} | {(root / name).parent for name in manifest.files}
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            target = temporary_target(entry.name)
            if target is None or not entry.is_file(follow_symlinks=False):
                continue
            if folder == root and target not in ROOT_OUTPUTS:
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


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
        **({"reviewed": True} if outcome.get("reviewed") else {}),
        "started": outcome.get("started"), "finished": outcome.get("finished"),
        "seconds": outcome.get("seconds"), "host": outcome.get("host"),
        "pid": outcome.get("pid"), "worker": outcome.get("worker"),
        "out_dir": outcome.get("out_dir"), "formats": formats,
        # where the CPU went, only when PERFNB_TIMINGS is set (perfnb.running.timing)
        **({"cpu": {"planning": getattr(job, "planning_cpu", None), **outcome["cpu"]}}
           if outcome.get("cpu") else {}),
    }


def summary_entry(department: str | None, fingerprint: str,
                  outcome: dict[str, Any]) -> dict[str, Any]:
    """A summary's entry in ``manifest["summaries"]``."""
    return {"department": department, "fingerprint": fingerprint,
            "status": outcome["status"], "message": outcome.get("message", ""),
            "started": outcome.get("started"), "finished": outcome.get("finished"),
            "seconds": outcome.get("seconds"), "host": outcome.get("host"),
            "pid": outcome.get("pid"), "worker": outcome.get("worker"),
            # where the CPU went, only when PERFNB_TIMINGS is set (perfnb.running.timing)
            **({"cpu": outcome["cpu"]} if outcome.get("cpu") else {})}


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
    extra: list[str] = field(default_factory=list)     # Chinese lines: symlinks, devices …
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.unlisted or self.extra)

    def lines(self) -> list[str]:
        """One Chinese line per problem."""
        # names escaped: a newline or ESC in a file name cannot forge or hide a line
        out = [f"已被改动：{terminal_name(name)}（内容与清单记录的 SHA-256 不一致）"
               for name in self.changed]
        out += [f"缺失：{terminal_name(name)}（清单中有记录，但文件不存在）" for name in self.missing]
        out += [f"未列入清单：{terminal_name(name)}（不是本次批量运行写出的文件）"
                for name in self.unlisted]
        return out + [terminal_name(line) for line in self.extra]  # one line each


def _ancestors(name: str) -> list[str]:
    parts = name.split("/")[:-1]
    return ["/".join(parts[:index]) for index in range(1, len(parts) + 1)]


def verify(directory: str | os.PathLike, manifest: Manifest | None = None) -> VerifyReport:
    """Re-hash every file listed in the manifest and report everything else the folder holds.

    ``manifest`` is the one already parsed from the bytes whose signature was checked (read
    from disk only when not given).  Each listed file is read once, without following
    symlinks (later steps read through :func:`read_verified`, which holds what they read to
    the same recorded hash).  Besides changed, missing and unlisted files, the
    report names symlinks (to files or folders), devices, FIFOs and sockets, folders that
    hold no listed file, and a lock file ``.perfnb.lock`` that is not the empty file perfnb
    leaves.
    """
    manifest = manifest if manifest is not None else Manifest.load(directory)
    root = manifest.directory
    report = VerifyReport()
    found = archivefs.scan(root)
    for name, record in sorted(manifest.files.items()):
        report.checked += 1
        info = found.files.get(name)
        if info is None:
            if name in found.symlinks or name in found.special:
                report.changed.append(name)  # named again below as what it is
            else:
                report.missing.append(name)
            continue
        if not isinstance(record, dict) or info.st_size != record.get("size"):
            report.changed.append(name)
            continue
        try:
            size, digest, _ = archivefs.hash_file(root, name)
        except archivefs.UnsafeEntry:
            report.changed.append(name)
            continue
        except FileNotFoundError:
            report.missing.append(name)
            continue
        if size != record.get("size") or digest != record.get("sha256"):
            report.changed.append(name)
    for name in found.files:
        if name not in manifest.files and name not in NOT_LISTED:
            report.unlisted.append(name)
    for name in found.symlinks:
        report.extra.append(f"符号链接：{name}（存档中不应有符号链接，perfnb 不会跟随它；"
                            "它可能指向存档之外或把其他内容冒充为存档文件）")
    for name in found.special:
        report.extra.append(f"特殊文件：{name}（设备、管道或套接字，不是普通文件）")
    for name in found.too_deep:
        report.extra.append(f"文件夹层数超过限制（{archivefs.MAX_FOLDER_DEPTH} 层）：{name}"
                            "（其中的内容未检查；perfnb 只写三层）")
    needed = {folder for name in manifest.files for folder in _ancestors(name)}
    for name in found.directories:
        if name not in needed:
            report.extra.append(f"多出的文件夹：{name}（清单中没有任何文件在其中）")
    lock = found.files.get(LOCK_NAME)
    if lock is not None and (lock.st_size or lock.st_nlink > 1):
        report.extra.append(f"锁文件 {LOCK_NAME} 不是空文件（{lock.st_size} 字节，"
                            f"{lock.st_nlink} 个硬链接）：perfnb 从不向它写入内容，其中的内容不属于存档")
    return report


def read_verified(manifest: Manifest, name: str, limit: int, report: VerifyReport) -> bytes:
    """The bytes of a listed file for a later check (the cross-checks), held to the hash the
    manifest records: bytes that differ (the file was swapped after :func:`verify` hashed
    it) put the file among ``report.changed``, so a check never rests on bytes other than
    the signed ones.  One file at a time, never through a symlink, at most ``limit`` bytes."""
    data = archivefs.read_bytes(manifest.directory, name, limit)
    record = manifest.files.get(name)
    expected = record.get("sha256") if isinstance(record, dict) else None
    if expected is not None and sha256_bytes(data) != expected and name not in report.changed:
        report.changed.append(name)
    return data
