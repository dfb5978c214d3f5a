"""Provenance of an executed evaluation notebook: what made it, from what, where and when.

:func:`build_provenance` collects it; :func:`attach` writes it into ``nb.metadata["perfnb"]``
of the executed notebook, where the exporters read ``title``, ``unit`` and ``inputs`` (the
PDF exporter attaches each listed input file) and a reviewer can check every hash.
"""
from __future__ import annotations

import functools
import hashlib
import platform
import socket
import sys
from datetime import datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Iterable

__all__ = ["KEY_PACKAGES", "sha256_file", "package_versions", "code_sha256", "now",
           "build_provenance", "attach", "METADATA_KEY"]

METADATA_KEY = "perfnb"
REVIEW_SUFFIXES = (".review.yaml", ".review.yml")
KEY_PACKAGES = ("pandas", "papermill", "nbconvert", "matplotlib", "typst", "openpyxl")


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def package_versions(names: Iterable[str] = KEY_PACKAGES) -> dict[str, str | None]:
    """Installed versions of the given distributions (None if one is not installed)."""
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


# perfnb's own files that shape a report: code, templates, style sheets, rule sets.
CODE_SUFFIXES = (".py", ".j2", ".css", ".yaml", ".json")


@functools.cache
def code_sha256() -> str:
    """SHA-256 over perfnb's own code and templates (paths and contents), hex.

    The version number alone does not change when a checkout installed with ``pip install -e``
    is updated; this does, so batch resume reruns units made by other code, and every report
    records exactly which code produced it.
    """
    return tree_sha256(Path(__file__).resolve().parents[1])


def tree_sha256(root: Path, suffixes: tuple[str, ...] = CODE_SUFFIXES) -> str:
    """SHA-256 over the relative paths and contents of the files under ``root`` that end in
    one of ``suffixes`` (``__pycache__`` left out), hex."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*")
                       if p.suffix in suffixes and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(sha256_file(path).encode("ascii") + b"\n")
    return digest.hexdigest()


def now() -> datetime:
    """The current local time, timezone-aware."""
    return datetime.now().astimezone()


def build_provenance(*, template: str | Path, input_files: Iterable[str | Path], rules,
                     unit: dict, title: str, started: datetime, finished: datetime,
                     parameters: dict | None = None, status: str | None = None) -> dict:
    """The ``nb.metadata["perfnb"]`` dict (JSON-serialisable).

    ``rules`` is a :class:`perfnb.evaluation.rules.RuleSet` (name, title, sha256); ``unit`` holds
    ``unit_id``, ``department`` and ``project``.  ``started``/``finished`` must be aware.
    """
    from perfnb import __version__

    if started.tzinfo is None or finished.tzinfo is None:
        raise ValueError("started and finished must be timezone-aware datetimes")
    inputs = []
    for path in input_files:
        path = Path(path).resolve()
        inputs.append({"path": str(path), "sha256": sha256_file(path)})
    record = {
        "perfnb_version": __version__,
        "perfnb_code_sha256": code_sha256(),
        "title": title,
        "unit": {"unit_id": unit.get("unit_id"), "department": unit.get("department"),
                 "project": unit.get("project")},
        "template": {"path": str(Path(template).resolve()), "sha256": sha256_file(template)},
        "inputs": inputs,
        "input_sha256": {item["path"]: item["sha256"] for item in inputs},
        "rules": {"name": getattr(rules, "name", None), "title": getattr(rules, "title", None),
                  "sha256": getattr(rules, "sha256", None)},
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "host": socket.gethostname(),
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "seconds": round((finished - started).total_seconds(), 3),
        "executable": sys.executable,
    }
    reviews = [item for item in inputs if item["path"].lower().endswith(REVIEW_SUFFIXES)]
    if reviews:
        record["review"] = reviews[0]   # the evaluator's review (复核记录), also among the inputs
    if parameters is not None:
        record["parameters"] = parameters
    if status is not None:
        record["status"] = status
    return record


def attach(nb, provenance: dict) -> None:
    """Write ``provenance`` into ``nb.metadata["perfnb"]`` (in place)."""
    import nbformat

    nb.metadata[METADATA_KEY] = nbformat.from_dict(provenance)
