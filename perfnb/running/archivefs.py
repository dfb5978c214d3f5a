"""Reading an output folder (an archive) the way ``perfnb verify`` must: without trusting it.

An archive may come from someone else's share, so every path inside it is hostile until
checked:

* files are opened component by component with ``O_NOFOLLOW`` (a symlinked folder or file
  is never followed) and ``O_NONBLOCK`` (a FIFO never blocks), and only a regular file is
  read (``fstat`` after the open, so a swap between a check and the open changes nothing);
* :func:`scan` walks the folder with ``lstat`` only and sorts what it finds into regular
  files, symlinks, special files (devices, FIFOs, sockets) and folders, so whatever is not a
  regular file can be reported instead of silently skipped or followed;
* the reads are bounded: :data:`MAX_JSON_BYTES` for a JSON file, :data:`MAX_JSON_DEPTH` for
  its nesting (checked by a scan before ``json.loads``, whose recursion would otherwise end in
  a ``RecursionError``), :data:`MAX_ATTACHMENT_BYTES` for a file embedded in a PDF once
  inflated.  Going over a limit raises :class:`LimitError`, whose Chinese text says
  "超过限制" and names the limit; ``perfnb verify`` turns it into a verdict line.

Nothing here ever opens a path outside the archive: the notebook's provenance names input
files by absolute path, and those are compared as recorded strings only.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

# Limits of what verify reads (see docs/architecture.md "Evidence").
MAX_JSON_BYTES = 256 * 1024 * 1024        # manifest.json, result.json, evaluation.ipynb
MAX_JSON_DEPTH = 200                      # nesting of [ and {; perfnb writes fewer than 20
MAX_ATTACHMENT_BYTES = 64 * 1024 * 1024   # one file embedded in report.pdf, once inflated
MAX_ATTACHMENTS_TOTAL_BYTES = 256 * 1024 * 1024  # all of them together
MAX_PDF_BYTES = 1024 * 1024 * 1024        # report.pdf itself, before it is parsed
MAX_FOLDER_DEPTH = 32                     # folder levels walked; perfnb writes 3
HASH_CHUNK = 1024 * 1024

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_DIR_FLAGS = _READ_FLAGS | getattr(os, "O_DIRECTORY", 0)


class UnsafeEntry(OSError):
    """A path of the archive that is not a regular file reached through real folders."""


class LimitError(ValueError):
    """A file that is over one of the named limits; ``str()`` is the Chinese verdict."""


def _open_no_follow(root: str | os.PathLike, name: str) -> int:
    """An fd of the regular file ``root/name``, never following a symlink on the way.

    Raises :class:`UnsafeEntry` for a symlink, a special file, or ``..`` in ``name``;
    ``FileNotFoundError`` if it does not exist.
    """
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise UnsafeEntry(errno.EINVAL, "路径不在存档之内", name)
    fd = os.open(root, _DIR_FLAGS)
    try:
        for part in parts[:-1]:
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise UnsafeEntry(error.errno, "路径中有符号链接或不是文件夹", name) from error
                raise
            os.close(fd)
            fd = child
        try:
            handle = os.open(parts[-1], _READ_FLAGS, dir_fd=fd)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise UnsafeEntry(error.errno, "是符号链接", name) from error
            raise
    finally:
        os.close(fd)
    info = os.fstat(handle)
    if not stat.S_ISREG(info.st_mode):
        os.close(handle)
        raise UnsafeEntry(errno.EINVAL, "不是普通文件", name)
    return handle


def read_bytes(root: str | os.PathLike, name: str, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``root/name`` (no symlinks), at most ``limit`` bytes.

    :class:`LimitError` if the file is larger than ``limit``.
    """
    handle = _open_no_follow(root, name)
    with os.fdopen(handle, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        if limit is not None and size > limit:
            raise LimitError(f"{name} 有 {size} 字节，超过限制（{limit} 字节）")
        data = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise LimitError(f"{name} 超过限制（{limit} 字节）")
    return data


def hash_file(root: str | os.PathLike, name: str, keep: bool = False
              ) -> tuple[int, str, bytes | None]:
    """(size, SHA-256, the bytes if ``keep``) of ``root/name``, read once, no symlinks."""
    handle = _open_no_follow(root, name)
    digest = hashlib.sha256()
    chunks: list[bytes] | None = [] if keep else None
    size = 0
    with os.fdopen(handle, "rb") as stream:
        while True:
            chunk = stream.read(HASH_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            digest.update(chunk)
            if chunks is not None:
                chunks.append(chunk)
    return size, digest.hexdigest(), (b"".join(chunks) if chunks is not None else None)


def lstat_size(root: str | os.PathLike, name: str) -> int | None:
    """The size of ``root/name`` if it is a regular file reached without symlinks, else None."""
    try:
        handle = _open_no_follow(root, name)
    except OSError:
        return None
    try:
        return os.fstat(handle).st_size
    finally:
        os.close(handle)


# --- JSON with a depth limit --------------------------------------------------------------

_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_depth(data: bytes) -> int:
    """The deepest nesting of ``[``/``{`` in a JSON text (strings skipped); linear time."""
    depth = deepest = 0
    for match in _JSON_TOKENS.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    return deepest
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def loads(data: bytes, name: str) -> Any:
    """``json.loads`` of UTF-8 bytes, refusing more than :data:`MAX_JSON_DEPTH` levels.

    :class:`LimitError` over a limit; ``ValueError`` if it is not JSON.
    """
    if len(data) > MAX_JSON_BYTES:
        raise LimitError(f"{name} 有 {len(data)} 字节，超过限制（{MAX_JSON_BYTES} 字节）")
    if json_depth(data) > MAX_JSON_DEPTH:
        raise LimitError(f"{name} 的嵌套层数超过限制（{MAX_JSON_DEPTH} 层）")
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError as error:  # never expected after the depth scan; still a verdict
        raise LimitError(f"{name} 的嵌套层数超过限制（{MAX_JSON_DEPTH} 层）") from error


# --- what a folder holds ------------------------------------------------------------------

@dataclass
class Scan:
    """What :func:`scan` found under a root, as relative POSIX names, sorted."""

    files: dict[str, os.stat_result] = field(default_factory=dict)
    symlinks: list[str] = field(default_factory=list)
    special: list[str] = field(default_factory=list)   # devices, FIFOs, sockets
    directories: list[str] = field(default_factory=list)
    too_deep: list[str] = field(default_factory=list)  # folders not entered


def _open_directory(root: str | os.PathLike, name: str) -> int:
    """An fd of the folder ``root/name`` reached through real folders only (ELOOP/ENOTDIR
    as :class:`UnsafeEntry` when a component is a symlink or not a folder)."""
    fd = os.open(root, _DIR_FLAGS)
    for part in [part for part in name.split("/") if part]:
        try:
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.ELOOP, errno.ENOTDIR):
                raise UnsafeEntry(error.errno, "路径中有符号链接或不是文件夹", name) from error
            raise
        os.close(fd)
        fd = child
    return fd


def scan(root: str | os.PathLike) -> Scan:
    """Walk ``root`` with ``lstat`` only (symlinked folders are reported, not entered).

    Each folder is opened through real folders with ``O_NOFOLLOW`` and listed from its fd,
    so a folder swapped for a symlink while the walk runs is never followed; folders deeper
    than :data:`MAX_FOLDER_DEPTH` are reported in ``too_deep`` and not entered.
    """
    found = Scan()
    pending = [""]
    while pending:
        prefix = pending.pop()
        try:
            fd = _open_directory(root, prefix)
        except UnsafeEntry:
            found.symlinks.append(prefix)
            continue
        except OSError:
            continue
        try:
            with os.scandir(fd) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
            for entry in entries:
                name = f"{prefix}/{entry.name}" if prefix else entry.name
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISLNK(info.st_mode):
                    found.symlinks.append(name)
                elif stat.S_ISDIR(info.st_mode):
                    found.directories.append(name)
                    if name.count("/") + 1 >= MAX_FOLDER_DEPTH:
                        found.too_deep.append(name)
                    else:
                        pending.append(name)
                elif stat.S_ISREG(info.st_mode):
                    found.files[name] = info
                else:
                    found.special.append(name)
        finally:
            os.close(fd)
    found.symlinks.sort()
    found.special.sort()
    found.directories.sort()
    found.files = dict(sorted(found.files.items()))
    return found
