"""Which files are units: the one input discovery of ``perfnb batch`` and ``perfnb score``,
and the one place a unit YAML's ``data`` paths are resolved.

:func:`unit_data_paths` resolves a unit YAML's ``data`` (one path or a list, relative to the
YAML's folder, :func:`perfnb.reading.resolve_data_path`).  :func:`discover` finds the unit
inputs among the paths given on a command line, folders searched recursively:

* a folder's data files (the suffixes of the registered sources, :mod:`perfnb.reading.sources`,
  that the source wants in a folder: a .txt only when it opens like a report) and unit YAMLs are
  units; a
  YAML is a unit YAML when it has one of :data:`UNIT_YAML_KEYS` or cannot be read (its run
  then says what is wrong); an evaluator's review (``*.review.yaml``) is an input of its unit;
* a data file that a unit YAML among the inputs points to is that YAML's, not a unit of its
  own (also when named explicitly: it would be the same unit twice);
* hidden files and folders, ``_…`` folders, Excel lock files (``~$…``), ``__pycache__``,
  ``node_modules``, ``outputs`` and the output folder itself are skipped.

What a path that does not exist or is no unit file becomes depends on the caller:
``strict=True`` (batch) raises :class:`DiscoveryError`, otherwise (screening) the path is
kept, so that its row tells the user what is wrong.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from perfnb.errors import PerfnbError

__all__ = ["UNIT_YAML_KEYS", "REVIEW_SUFFIXES", "SKIPPED_FOLDERS", "DiscoveryError",
           "read_yaml_mapping", "is_unit_yaml", "unit_data_paths", "discover"]

UNIT_YAML_KEYS = frozenset({"unit_id", "data", "department", "project", "indicators", "form"})
REVIEW_SUFFIXES = (".review.yaml", ".review.yml")
SKIPPED_FOLDERS = frozenset({"__pycache__", "node_modules", "outputs"})
BROKEN = object()     # what read_yaml_mapping returns for a YAML that cannot be read


class DiscoveryError(PerfnbError):
    """An input named on the command line that does not exist or is no unit file."""


def read_yaml_mapping(path: Path) -> Any:
    """The YAML's top-level value, or :data:`BROKEN` if it cannot be read or parsed."""
    import yaml
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return BROKEN


def is_unit_yaml(path: Path, data: Any = None) -> bool:
    data = read_yaml_mapping(path) if data is None else data
    return data is BROKEN or (isinstance(data, dict) and bool(UNIT_YAML_KEYS & set(data)))


def unit_data_paths(path: Path, data: Any = None) -> list[Path]:
    """The data files a unit YAML's ``data`` names (one path or a list), resolved against
    the YAML's folder; [] if it names none."""
    from perfnb.reading import resolve_data_path

    data = read_yaml_mapping(path) if data is None else data
    values = data.get("data") if isinstance(data, dict) else None
    found = []
    for value in values if isinstance(values, list) else [values]:
        if isinstance(value, (str, os.PathLike)) and str(value).strip():
            found.append(Path(resolve_data_path(str(value).strip(), Path(path).parent)).resolve())
    return found


def _data_suffixes() -> set[str]:
    from perfnb.reading.sources import data_suffixes
    return set(data_suffixes())      # every format a registered source reads, plug-ins included


def discover(inputs: Iterable[str | os.PathLike], out_root: Path | None = None,
             strict: bool = True) -> list[Path]:
    """The unit inputs among ``inputs`` (see the module's docstring), in order, each once."""
    from perfnb.reading import YAML_SUFFIXES
    from perfnb.reading.sources import formats_hint, wanted_in_folder

    data_kinds = _data_suffixes()
    explicit: list[Path] = []
    found: list[Path] = []
    yamls: dict[Path, Any] = {}
    out_resolved = Path(out_root).resolve() if out_root else None
    for raw in inputs:
        path = Path(raw)
        if not path.exists():
            if strict:
                raise DiscoveryError(f"输入“{raw}”不存在。请检查文件或文件夹路径。")
            explicit.append(path)
            continue
        if path.is_file():
            if strict and path.suffix.lower() not in data_kinds | set(YAML_SUFFIXES):
                raise DiscoveryError(f"输入“{raw}”不是可识别的单位文件（应为单位参数 .yaml、"
                                     f"{formats_hint()}）。")
            path = path.resolve()
            explicit.append(path)
            if path.suffix.lower() in YAML_SUFFIXES:
                yamls[path] = read_yaml_mapping(path)
            continue
        for folder, subfolders, names in os.walk(path):
            folder_path = Path(folder).resolve()
            subfolders[:] = sorted(
                name for name in subfolders
                if not name.startswith((".", "_")) and name not in SKIPPED_FOLDERS
                and (out_resolved is None or (folder_path / name).resolve() != out_resolved))
            for name in sorted(names):
                if name.startswith((".", "~$")) or name.lower().endswith(REVIEW_SUFFIXES):
                    continue   # hidden, a lock file, or an evaluator's review (an input of its unit)
                candidate = folder_path / name
                suffix = candidate.suffix.lower()
                if suffix in YAML_SUFFIXES:
                    yamls[candidate] = read_yaml_mapping(candidate)
                    if is_unit_yaml(candidate, yamls[candidate]):
                        found.append(candidate)
                elif suffix in data_kinds and wanted_in_folder(candidate):
                    found.append(candidate)
    referenced: set[Path] = set()
    for yaml_path, data in yamls.items():
        referenced.update(unit_data_paths(yaml_path, data))
    units: list[Path] = []
    seen: set[Path] = set()
    for candidate in explicit + found:
        if candidate in seen:
            continue
        if candidate.suffix.lower() in data_kinds and candidate in referenced:
            continue
        seen.add(candidate)
        units.append(candidate)
    return units
