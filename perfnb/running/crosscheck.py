"""Cross-checks between the copies of a unit's result that an archive holds.

A figure forged in one file only is caught here, with or without a key:

* ``result.json`` against the result schema (:mod:`perfnb.schemas`), against the result
  the notebook's own kernel computed (the title
  output's metadata ``perfnb.result``, written by :func:`perfnb.notebook.show_title`) and
  against the total and grade in the unit's manifest entry;
* the input hashes in the notebook's provenance (``metadata.perfnb.inputs``) against the
  manifest entry's ``inputs`` (the paths they name are compared as strings and never
  opened: verify touches nothing outside the archive, and a tampered provenance could name
  ``/proc/self/pagemap`` or a FIFO);
* the notebook and the inputs attached to ``report.pdf`` (the standard PDF embedded-files
  name tree, ``/Names /EmbeddedFiles``) against ``evaluation.ipynb`` beside it and the
  provenance's input hashes.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from perfnb.running import archivefs
from perfnb.schemas import RESULT_SCHEMA_VERSION, red_flags_problems, result_problems

RESULT_METADATA_KEY = "perfnb"   # output.metadata["perfnb"]["result"] in the executed notebook
NOTEBOOK_NAME = "evaluation.ipynb"
RESULT_NAME = "result.json"
FLAGS_NAME = "red_flags.json"    # the batch's findings across units for this unit (runner.FLAGS_SIDECAR)
PDF_NAME = "report.pdf"


@dataclass
class CrossReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    units: int = 0


def notebook_record(nb: dict) -> dict | None:
    """What the notebook's kernel recorded about its unit (``{"result": …, "title": …}``,
    :func:`perfnb.notebook.show_title`), None if this notebook has no record."""
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            meta = output.get("metadata") or {}
            value = meta.get(RESULT_METADATA_KEY) if isinstance(meta, dict) else None
            if isinstance(value, dict) and isinstance(value.get("result"), dict):
                return value
    return None


def notebook_result(nb: dict) -> dict | None:
    """The result the notebook's kernel recorded (None if this notebook has none)."""
    record = notebook_record(nb)
    return record["result"] if record else None


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, as ``total: 97.6 ≠ 99.99`` lines (at most a few)."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in sorted(set(a) | set(b), key=str):
            found += _differences(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        found = []
        for index, (x, y) in enumerate(zip(a, b)):
            found += _differences(x, y, f"{path}[{index}]")
        return found
    if a != b:
        return [f"{path or '（整体）'}：{json.dumps(a, ensure_ascii=False)[:60]} ≠ "
                f"{json.dumps(b, ensure_ascii=False)[:60]}"]
    return []


def _attachment_items(reader):
    """(name, [bytes]) of each embedded file, once, under its Unicode name (/UF).

    pypdf's ``attachments`` lists a file under its /F name too, which for a non-ASCII name
    (a 复核底稿 called 已填底稿.xlsx) is its UTF-8 bytes read as PDFDocEncoding: a name no
    provenance lists.  ``attachment_list`` (pypdf 5+) gives each file once, with /UF."""
    entries = getattr(reader, "attachment_list", None)
    if entries is None:   # an older pypdf
        return list(reader.attachments.items())
    return [(entry.alternative_name or entry.name, [entry.content]) for entry in entries]


def pdf_attachments(source: Path | bytes) -> dict[str, bytes] | None:
    """Name → bytes of the files embedded in a PDF (None if it cannot be read).

    :class:`perfnb.running.archivefs.LimitError` if an attachment inflates beyond
    :data:`~perfnb.running.archivefs.MAX_ATTACHMENT_BYTES` (pypdf's own decompression limit
    is reported the same way).
    """
    import io

    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError, PyPdfError

    try:
        data = source if isinstance(source, bytes) else \
            archivefs.read_bytes(source.parent, source.name, archivefs.MAX_PDF_BYTES)
        reader = PdfReader(io.BytesIO(data))
        found, total = {}, 0
        for name, contents in _attachment_items(reader):
            if contents:
                total += len(contents[0])
                if len(contents[0]) > archivefs.MAX_ATTACHMENT_BYTES:
                    raise archivefs.LimitError(
                        f"附件“{name}”解压后有 {len(contents[0])} 字节，超过限制"
                        f"（{archivefs.MAX_ATTACHMENT_BYTES} 字节）")
                if total > archivefs.MAX_ATTACHMENTS_TOTAL_BYTES:
                    raise archivefs.LimitError(
                        f"全部附件解压后超过限制（{archivefs.MAX_ATTACHMENTS_TOTAL_BYTES} 字节）")
                found[name] = contents[0]
    except LimitReachedError as error:
        raise archivefs.LimitError(f"附件解压后超过限制（pypdf：{error}）") from error
    except (RecursionError, MemoryError) as error:
        raise archivefs.LimitError(f"结构嵌套或大小超过限制（{type(error).__name__}）") from error
    except (OSError, PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return found


def unit_folder(owner: str, entry: dict) -> str:
    """The folder of a unit's files, relative to the archive."""
    return str(entry.get("out_dir") or owner.split(":", 1)[-1])


def _load(raw: bytes | None, name: str, label: str, report: CrossReport) -> tuple[Any, bool]:
    """(parsed JSON or None, over a limit)."""
    if raw is None:
        return None, False
    try:
        return archivefs.loads(raw, name), False
    except archivefs.LimitError as error:
        report.problems.append(f"{label}{error}，不予比对（文件被改动）。")
        return None, True
    except (UnicodeDecodeError, ValueError):
        return None, False


def check_unit(root: Path, folder: str, entry: dict, report: CrossReport,
               reader: Callable[[str, int], bytes] | None = None) -> None:
    """Compare the copies of one unit's result under ``root/folder``.

    ``reader(name, limit)``: how a file of the archive is read (``perfnb verify`` passes one
    that holds the bytes to the manifest's signed hash); by default once, never through a
    symlink, within the limits of :mod:`perfnb.running.archivefs`.
    """
    def read(name: str, limit: int) -> bytes | None:
        key = f"{folder}/{name}"
        try:
            if reader is not None:
                return reader(key, limit)
            return archivefs.read_bytes(root, key, limit)
        except archivefs.LimitError as error:
            report.problems.append(f"{folder}：{error}，不予比对。")
        except OSError:
            pass
        return None

    label = f"{folder}："
    result_raw = read(RESULT_NAME, archivefs.MAX_JSON_BYTES)
    result, result_limit = _load(result_raw, RESULT_NAME, label, report)
    if result_raw is not None and not result_limit and not isinstance(result, dict):
        report.problems.append(f"{label}{RESULT_NAME} 不是有效的 JSON（已损坏）。")
    notebook_bytes = read(NOTEBOOK_NAME, archivefs.MAX_JSON_BYTES)
    nb, notebook_limit = _load(notebook_bytes, NOTEBOOK_NAME, label, report)
    if notebook_bytes is not None and not notebook_limit and not isinstance(nb, dict):
        report.problems.append(f"{label}{NOTEBOOK_NAME} 不是有效的笔记本（已损坏）。")
        nb = None
    if notebook_limit:
        notebook_bytes = None

    # result.json against its schema, the manifest entry and the notebook's own figures
    if isinstance(result, dict):
        broken = result_problems(result)
        if broken:
            report.problems.append(f"{label}{RESULT_NAME} 不符合结果格式（第 {RESULT_SCHEMA_VERSION} 版）："
                                   + "；".join(broken) + "（文件被改动或损坏）。")
        for key, name in (("total", "总分"), ("grade", "等级")):
            if key in entry and entry.get(key) is not None and entry.get(key) != result.get(key):
                report.problems.append(f"{label}{RESULT_NAME} 的{name}为 {result.get(key)}，"
                                       f"存证清单记载为 {entry.get(key)}（结果被单独改动）。")
        if isinstance(nb, dict):
            recorded = notebook_result(nb)
            if recorded is None:
                report.notes.append(f"{label}已执行笔记本中没有机器可读的结果"
                                    "（旧版本生成），未比对 result.json 与笔记本。")
            else:
                diffs = _differences(recorded, result)
                if diffs:
                    report.problems.append(
                        f"{label}{RESULT_NAME} 与已执行笔记本中的结果不一致（有一份被改动）："
                        + "；".join(diffs[:5]) + ("……" if len(diffs) > 5 else "")
                        + "（笔记本值 ≠ result.json 值）")
        elif notebook_bytes is None:
            report.notes.append(f"{label}没有已执行笔记本，result.json 无从比对。")

    # red_flags.json (the batch's findings across units) against its schema and its unit
    flags_raw = read(FLAGS_NAME, archivefs.MAX_JSON_BYTES)
    flags, flags_limit = _load(flags_raw, FLAGS_NAME, label, report)
    if flags_raw is not None and not flags_limit:
        broken = red_flags_problems(flags) if isinstance(flags, dict) else ["不是有效的 JSON"]
        if broken:
            report.problems.append(f"{label}{FLAGS_NAME} 不符合红旗文件格式：" + "；".join(broken)
                                   + "（文件被改动或损坏）。")
        elif isinstance(result, dict) and flags.get("unit_id") != str(result.get("unit_id")):
            report.problems.append(f"{label}{FLAGS_NAME} 的单位编号为“{flags.get('unit_id')}”，"
                                   f"{RESULT_NAME} 为“{result.get('unit_id')}”（有一份被替换）。")

    # input hashes: provenance against the manifest entry (strings only, never opened)
    provenance = (nb.get("metadata", {}).get("perfnb") if isinstance(nb, dict) else None) or {}
    inputs = provenance.get("inputs") if isinstance(provenance, dict) else None
    inputs = inputs if isinstance(inputs, list) else None
    recorded_inputs = {str(item.get("path")): item.get("sha256")
                       for item in inputs or [] if isinstance(item, dict)}
    entry_inputs = entry.get("inputs")
    for item in entry_inputs if isinstance(entry_inputs, list) else []:
        if not isinstance(item, dict):
            continue
        path, digest = str(item.get("path")), item.get("sha256")
        if inputs is not None and path in recorded_inputs and recorded_inputs[path] != digest:
            report.problems.append(f"{label}输入文件“{Path(path).name}”的哈希在存证清单与笔记本来源信息中"
                                   "不一致（其中一份被改动）。")
        elif inputs is not None and path not in recorded_inputs and digest:
            report.problems.append(f"{label}存证清单中的输入文件“{Path(path).name}”不在笔记本的来源信息中。")

    # what the PDF carries against the files beside it
    pdf_bytes = read(PDF_NAME, archivefs.MAX_PDF_BYTES)
    if pdf_bytes is not None:
        try:
            attachments = pdf_attachments(pdf_bytes)
        except archivefs.LimitError as error:
            report.problems.append(f"{label}{PDF_NAME} 的{error}，不予比对（文件被改动）。")
            return
        if attachments is None:
            report.problems.append(f"{label}{PDF_NAME} 无法读取（已损坏）。")
            return
        notebooks = {name: data for name, data in attachments.items()
                     if name.lower().endswith(".ipynb")}
        if not notebooks:
            report.problems.append(f"{label}{PDF_NAME} 中没有附加已执行笔记本。")
        elif notebook_bytes is not None:
            for name, data in notebooks.items():
                if data != notebook_bytes and _read_json_bytes(data, name) != nb:
                    report.problems.append(f"{label}{PDF_NAME} 附加的笔记本“{name}”与旁边的 "
                                           f"{NOTEBOOK_NAME} 不一致（有一份被改动或替换）。")
        by_name = {Path(path).name: (path, digest) for path, digest in recorded_inputs.items()}
        for name, data in attachments.items():
            if name in notebooks:
                continue
            if name not in by_name:
                # an input whose name clashed is attached under its folder-qualified name
                match = [key for key in by_name if name.endswith(key)]
                if not match:
                    report.problems.append(f"{label}{PDF_NAME} 附加了来源信息中没有的文件“{name}”。")
                    continue
                name = match[0]
            path, digest = by_name[name]
            if digest and hashlib.sha256(data).hexdigest() != digest:
                report.problems.append(f"{label}{PDF_NAME} 附加的输入文件“{name}”与笔记本来源信息中的哈希不符"
                                       "（附件被替换，或输入在导出前被改动）。")


def _read_json_bytes(data: bytes, name: str = "附件") -> Any:
    try:
        return archivefs.loads(data, name)
    except (UnicodeDecodeError, ValueError):  # over a limit, or not JSON: not the same notebook
        return None


def check(root: str | Path, manifest_data: dict,
          reader: Callable[[str, int], bytes] | None = None) -> CrossReport:
    """Cross-check every passed unit the manifest lists, one unit at a time.

    ``reader``: see :func:`check_unit`.
    """
    root = Path(root)
    report = CrossReport()
    units = manifest_data.get("units") or {}
    if not isinstance(units, dict):
        report.problems.append("存证清单中的 units 不是对象（清单被改动）。")
        return report
    for owner, entry in sorted(units.items()):
        if not isinstance(entry, dict) or entry.get("status") != "passed":
            continue
        report.units += 1
        folder = unit_folder(owner, entry)
        parts = folder.split("/")
        if folder.startswith("/") or ".." in parts or "" in parts or "\\" in folder:
            report.problems.append(f"{folder}：存证清单中的单位目录指向输出目录之外（清单被改动）。")
            continue
        try:
            check_unit(root, folder, entry, report, reader)
        except RecursionError:
            report.problems.append(f"{folder}：结果的嵌套层数超过限制，不予比对（文件被改动）。")
    return report
