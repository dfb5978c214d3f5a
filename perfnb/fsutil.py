"""File-system helpers: atomic writes and safe path components.

Every file perfnb produces is written through :func:`atomic_write_bytes` /
:func:`atomic_write_text` (or :func:`atomic_path` for third-party writers): the data go to
a temporary file in the same folder, are flushed and fsync'ed, and the temporary file is
renamed over the final name with :func:`os.replace`.  A process killed at any moment
therefore leaves either the old file, the new file, or a stray ``.*.tmp`` file — never a
half-written file under the final name.

Unit ids and department names become folder names; :func:`safe_component` turns any such
string into one harmless path component, and :func:`ensure_inside` checks that a path
stays inside the output folder.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Iterator

from perfnb.errors import InputError, OutputError

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_path", "safe_component",
           "component_or", "ensure_inside", "write_failure", "TEMP_SUFFIX"]

TEMP_SUFFIX = ".tmp"


def _current_umask() -> int:
    # os.umask can only be read by setting it; do it once, at import, before any threads.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable (POSIX); silently skipped where directories cannot be opened."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _new_temp(path: Path) -> tuple[int, Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Hidden, clearly temporary name in the same folder (same file system: rename is atomic).
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:80]}.",
                                     suffix=TEMP_SUFFIX)
    os.chmod(temp_name, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual mode
    return fd, Path(temp_name)


def _commit(temp: Path, path: Path) -> None:
    os.replace(temp, path)
    _fsync_directory(path.parent)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, fsync, rename)."""
    path = Path(path)
    fd, temp = _new_temp(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _commit(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8 by default, newlines kept as given)."""
    return atomic_write_bytes(path, text.encode(encoding))


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path`` for a writer that wants a file name.

    On a normal exit the temporary file is fsync'ed and renamed to ``path``; on an
    exception it is removed and ``path`` is left untouched::

        with atomic_path(out_dir / "report.pdf") as temp:
            document.write_pdf(temp)
    """
    path = Path(path)
    fd, temp = _new_temp(path)
    os.close(fd)
    try:
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        _commit(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def write_failure(directory: str | os.PathLike, error: OSError) -> OutputError:
    """A Chinese :class:`OutputError` for an OSError met while writing into ``directory``."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = "磁盘空间已满"
        fix = "请腾出空间后重新运行同一命令：已完成的单位会被跳过，未完成的会补做"
    elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason = "目录只读或没有写入权限"
        fix = "请换一个可写的目录（--out），或修改目录权限后重新运行"
    else:
        reason = error.strerror or str(error)
        fix = "请排除问题后重新运行同一命令"
    where = f"（{error.filename}）" if getattr(error, "filename", None) else ""
    return OutputError(f"无法写入“{directory}”{where}：{reason}。"
                       f"写到一半的文件不会被当作完成的结果；{fix}。")


# --- safe path components -------------------------------------------------------------

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{stem}{digit}" for stem in ("COM", "LPT") for digit in "123456789¹²³"}
# Separators, characters Windows forbids in names, and every control / format character.
_UNSAFE_CHARACTERS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
MAX_COMPONENT_BYTES = 120  # UTF-8 bytes; well under the usual 255-byte name limit


def _is_unsafe_character(character: str) -> bool:
    if _UNSAFE_CHARACTERS.match(character):
        return True
    # Cc control, Cf format (bidi overrides, zero-width), Cs/Co surrogates and private use,
    # Zl/Zp line and paragraph separators.
    return unicodedata.category(character) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def safe_component(name: str) -> str:
    """Turn a unit id or department name into one safe, portable path component.

    Deterministic: the same name always gives the same component.  Separators, Windows'
    forbidden characters (``<>:"/\\|?*``) and control characters become ``_``; leading
    and trailing dots and spaces are dropped (no ``.``, ``..`` or hidden names); names
    Windows reserves (CON, NUL, COM1, LPT1 …, also with an extension) get a ``_`` prefix;
    the result is at most :data:`MAX_COMPONENT_BYTES` UTF-8 bytes.  Whenever the name had
    to be changed, a short hash of the original is appended so that two different names
    can never share a folder.  Chinese and other letters are kept as they are.

    Raises :class:`InputError` if nothing usable is left (e.g. ``""``, ``".."``).
    """
    if not isinstance(name, str):
        name = "" if name is None else str(name)
    original = name
    text = unicodedata.normalize("NFC", name)
    text = "".join("_" if _is_unsafe_character(c) else c for c in text)
    text = text.strip(" .\t")
    if not text.strip("_"):
        raise InputError(f"名称“{repr(original)[1:-1]}”不能用作文件夹名：去掉不安全的字符后为空",
                         hint="请为单位编号或主管部门填写由文字、数字组成的名称")
    stem = text.split(".", 1)[0].rstrip(" ").upper()
    if stem in _WINDOWS_RESERVED:
        text = "_" + text
    changed = text != original
    encoded = text.encode("utf-8")
    if len(encoded) > MAX_COMPONENT_BYTES:
        changed = True
        encoded = encoded[:MAX_COMPONENT_BYTES - 9]
        text = encoded.decode("utf-8", errors="ignore").rstrip(" .")
    if changed:
        digest = hashlib.sha256(original.encode("utf-8", errors="surrogatepass")).hexdigest()[:8]
        text = f"{text}-{digest}"
    return text


def component_or(name: str, fallback: str) -> str:
    """:func:`safe_component` of ``name``, or of ``fallback`` when nothing of ``name`` can
    be a folder name ("/", "..", ".", ""): a 主管部门 written as "/" puts its unit under the
    fallback folder instead of failing it (or the whole batch)."""
    try:
        return safe_component(name)
    except InputError:
        return safe_component(fallback)


def ensure_inside(root: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Return ``path`` resolved, or raise if it (following symlinks) escapes ``root``.

    A relative ``path`` is taken relative to ``root``.
    """
    root_resolved = Path(root).resolve()
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = root_resolved / candidate
    resolved = candidate.resolve()
    if resolved != root_resolved and root_resolved not in resolved.parents:
        raise InputError(f"路径“{path}”指向输出目录“{root}”之外，已拒绝写入",
                         hint="请检查单位编号、主管部门名称中是否含有“..”或绝对路径")
    return resolved
