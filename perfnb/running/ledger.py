"""The run ledger ``DIR/ledger.jsonl``: one record per batch run (or signing), hash-chained.

Each line is one JSON object::

    {"format": "perfnb-ledger/1", "seq": 3, "kind": "batch", "time": "…+08:00",
     "host": "…", "perfnb_version": "0.1.0", "perfnb_code_sha256": "…",
     "signer": "SHA256:…" | null, "manifest_sha256": "…", "previous": "<sha256 of line 2>",
     "units": {"passed": 2, "failed": 1, "skipped": 0}, "signature": "-----BEGIN SSH SIGNATURE-----…"}

``previous`` is the SHA-256 of the previous line's bytes (``null`` for the first), so a
deleted, reordered or rewritten record breaks the chain; ``manifest_sha256`` is the hash of
the ``manifest.json`` that run left, and the manifest names the record before its run
(``manifest["ledger"]``), so the manifest and the ledger vouch for each other.  A signed
record's ``signature`` is an SSHSIG signature (namespace ``perfnb-ledger``) of the record's
canonical bytes: the object without ``signature``, keys sorted, no spaces, UTF-8 (what
``jq -cjS 'del(.signature)'`` prints).  The whole file is rewritten atomically on each
append, so a killed run leaves the old ledger or the new one.
"""
from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfnb import __version__
from perfnb.errors import PerfnbError
from perfnb.fsutil import atomic_write_bytes, atomic_write_text
from perfnb.running import archivefs, signing
from perfnb.running.manifest import LEDGER_NAME, now_iso, sha256_bytes
from perfnb.running.provenance import code_sha256

LEDGER_FORMAT = "perfnb-ledger/1"


class LedgerError(PerfnbError):
    """``ledger.jsonl`` cannot be read as a ledger (exit 2)."""


def canonical(record: dict[str, Any]) -> bytes:
    """The bytes a record's signature covers."""
    body = {key: value for key, value in record.items() if key != "signature"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


@dataclass
class Entry:
    line: bytes                 # the line's bytes, without its newline
    record: dict[str, Any]

    @property
    def sha256(self) -> str:
        return sha256_bytes(self.line)


def read(directory: str | os.PathLike) -> list[Entry]:
    """The ledger's records ([] if there is none); :class:`LedgerError` if it is damaged."""
    path = Path(directory) / LEDGER_NAME
    try:
        data = archivefs.read_bytes(directory, LEDGER_NAME, archivefs.MAX_JSON_BYTES)
    except FileNotFoundError:
        return []
    except archivefs.LimitError as error:
        raise LedgerError(f"运行记录“{path}”{error}。") from error
    except OSError as error:
        raise LedgerError(f"运行记录“{path}”无法读取：{error.strerror or error}。") from error
    entries = []
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        raise LedgerError(f"运行记录“{path}”的最后一行不完整（文件被截断或改动）。"
                          "请先用 perfnb verify 检查该目录；原记录不可修复时，"
                          f"把 {LEDGER_NAME} 改名留存后再运行。")
    for number, line in enumerate(lines, start=1):
        try:
            record = archivefs.loads(line, f"第 {number} 行")
        except archivefs.LimitError as error:
            raise LedgerError(f"运行记录“{path}”{error}。") from error
        except (UnicodeDecodeError, ValueError) as error:
            raise LedgerError(f"运行记录“{path}”第 {number} 行已损坏（不是完整的 JSON）。"
                              "请先用 perfnb verify 检查该目录；原记录不可修复时，"
                              f"把 {LEDGER_NAME} 改名留存后再运行。") from error
        if not isinstance(record, dict) or record.get("format") != LEDGER_FORMAT:
            raise LedgerError(f"运行记录“{path}”第 {number} 行的格式无法识别。")
        entries.append(Entry(line, record))
    return entries


def head(entries: list[Entry]) -> dict[str, Any]:
    """What the manifest records about the ledger before a run: the count and last hash."""
    return {"records": len(entries), "previous": entries[-1].sha256 if entries else None}


def append(directory: str | os.PathLike, kind: str, manifest_bytes: bytes, key=None,
           extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Append one record (signed with ``key`` if given) and rewrite the file atomically."""
    directory = Path(directory)
    entries = read(directory)
    record: dict[str, Any] = {
        "format": LEDGER_FORMAT, "seq": len(entries) + 1, "kind": kind, "time": now_iso(),
        "host": socket.gethostname(), "perfnb_version": __version__,
        "perfnb_code_sha256": code_sha256(),
        "signer": signing.fingerprint(key.public_key()) if key is not None else None,
        "manifest_sha256": sha256_bytes(manifest_bytes),
        "previous": entries[-1].sha256 if entries else None,
        **(extra or {}),
    }
    if key is not None:
        record["signature"] = signing.sign(key, canonical(record), signing.LEDGER_NAMESPACE)
    line = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
    atomic_write_bytes(directory / LEDGER_NAME,
                       b"".join(entry.line + b"\n" for entry in entries) + line + b"\n")
    return record


@dataclass
class LedgerReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    records: int = 0
    signed_by_trusted: bool = False   # the last record is signed by a trusted key
    signers: list[str] = field(default_factory=list)


def check(directory: str | os.PathLike, manifest_bytes: bytes, manifest_data: dict,
          trusted: list, entries: list[Entry] | LedgerError | None = None) -> LedgerReport:
    """Check the chain, each signature, and that the ledger and the manifest agree.

    ``entries``: the ledger as already read (or the error reading it gave), so that every
    step of one verification looks at the same bytes; read here when not given.
    """
    report = LedgerReport()
    if entries is None:
        try:
            entries = read(directory)
        except LedgerError as error:
            entries = error
    if isinstance(entries, LedgerError):
        report.problems.append(f"运行记录已损坏：{entries}")
        return report
    report.records = len(entries)
    pointer = manifest_data.get("ledger") if isinstance(manifest_data, dict) else None
    if not entries:
        if pointer:
            report.problems.append(f"运行记录 {LEDGER_NAME} 缺失或为空，但存证清单记载此前已有 "
                                   f"{pointer.get('records')} 条记录（运行记录被删除）。")
        else:
            report.notes.append(f"没有运行记录 {LEDGER_NAME}（旧版本 perfnb 生成的目录）。")
        return report
    previous = None
    for number, entry in enumerate(entries, start=1):
        record = entry.record
        label = f"运行记录第 {number} 行（{record.get('time') or '时间不明'}）"
        if record.get("seq") != number:
            report.problems.append(f"{label}的序号是 {record.get('seq')}，应为 {number}"
                                   "（有记录被删除或调换了顺序）。")
        if record.get("previous") != previous:
            report.problems.append(f"{label}与前一条记录的哈希链不符"
                                   "（之前的记录被删除、调换顺序或改写）。")
        previous = entry.sha256
        signature = record.get("signature")
        if signature:
            try:
                parsed = signing.verify_signature(signature, canonical(record),
                                                  signing.LEDGER_NAMESPACE)
            except signing.SignatureError as error:
                report.problems.append(f"{label}的签名无效：{error}（该记录被改写）。")
                continue
            if record.get("signer") != parsed.fingerprint:
                report.problems.append(f"{label}记载的签名者 {record.get('signer')} 与签名密钥 "
                                       f"{parsed.fingerprint} 不符。")
            if parsed.fingerprint not in report.signers:
                report.signers.append(parsed.fingerprint)
            if number == len(entries):
                report.signed_by_trusted = any(
                    signing.same_key(parsed.public_key, key)
                    and (not isinstance(key, signing.TrustedKey)
                         or key.refusal(signing.LEDGER_NAMESPACE) is None)
                    for key in trusted)
        elif record.get("signer"):
            report.problems.append(f"{label}记载了签名者 {record.get('signer')}，但签名被删除。")
    last = entries[-1].record
    if last.get("manifest_sha256") != sha256_bytes(manifest_bytes):
        report.problems.append("存证清单与最后一条运行记录不符：清单在最后一次记录的运行之后被改动，"
                               "或最后一次运行未完成（被中断）或其记录被删除。"
                               "如为中断，重新运行同一 perfnb batch 命令即可补齐。")
    if pointer:
        expected = pointer.get("records")
        if isinstance(expected, int) and len(entries) != expected + 1:
            report.problems.append(f"存证清单记载本次运行之前有 {expected} 条运行记录，现有 "
                                   f"{len(entries)} 条（应为 {expected + 1} 条：有记录被删除或被添加）。")
        elif isinstance(expected, int) and expected and \
                entries[expected - 1].sha256 != pointer.get("previous"):
            report.problems.append("存证清单记载的上一条运行记录与运行记录文件不符（运行记录被改写）。")
    return report


# --- the remembered head (rollback detection) -------------------------------------------------
#
# A signed archive replaced as a whole by an older signed copy of itself passes every other
# check: its manifest, signature and ledger agree with each other.  What the older copy
# cannot have is a record it never had, so perfnb remembers, per archive folder and on the
# user's machine only ($XDG_CONFIG_HOME/perfnb/ledger_heads.json), how many records the
# ledger had and the hash of the last one: ``perfnb verify DIR --remember`` stores it after a
# successful check, ``perfnb sign`` and ``perfnb batch --sign`` store it after sealing, and
# every later verify, sign or signed batch of that folder compares.

HEADS_NAME = "ledger_heads.json"


def _heads_path() -> Path:
    return signing.config_dir() / HEADS_NAME


def _load_heads() -> dict[str, Any]:
    try:
        data = json.loads(_heads_path().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _archive_key(directory: str | os.PathLike) -> str:
    return str(Path(directory).resolve())


def remembered_problems(directory: str | os.PathLike, entries: list[Entry]) -> list[str]:
    """Chinese problems if the ledger is behind, or forks from, the head remembered for this
    folder (empty when none is remembered)."""
    head_record = _load_heads().get(_archive_key(directory))
    if not isinstance(head_record, dict):
        return []
    count, digest = head_record.get("records"), head_record.get("head")
    when = head_record.get("time") or "此前"
    if not isinstance(count, int) or count < 1:
        return []
    if len(entries) < count:
        return [f"运行记录只有 {len(entries)} 条，但本机在 {when} 记住本目录已有 {count} 条"
                f"（记在 {_heads_path()}）：存档被回滚到较早的状态，或有记录被删除。"]
    if entries[count - 1].sha256 != digest:
        return [f"运行记录第 {count} 条与本机在 {when} 记住的不同（记在 {_heads_path()}）："
                "存档被替换为另一份或较早的副本，或运行记录被改写。"]
    return []


def remember(directory: str | os.PathLike, entries: list[Entry] | None = None) -> Path | None:
    """Store the ledger's head for this folder in the user's configuration; returns the file
    (None when there is no ledger, or the configuration cannot be written)."""
    if entries is None:
        entries = read(directory)
    if not entries:
        return None
    heads = _load_heads()
    heads[_archive_key(directory)] = {"records": len(entries), "head": entries[-1].sha256,
                                      "time": now_iso()}
    try:
        return atomic_write_text(_heads_path(), json.dumps(heads, ensure_ascii=False, indent=1,
                                                           sort_keys=True) + "\n")
    except OSError:
        return None
