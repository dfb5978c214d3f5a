"""The units and indicators of a batch or a screening as Parquet tables, and earlier years.

Every batch and screening writes ``results.parquet`` (one row per unit) and
``indicators.parquet`` (one row per indicator): result.json's fields flattened
(:mod:`perfnb.evaluation.redflags`), written by pyarrow, read directly by pandas
(``pd.read_parquet``) and DuckDB (``SELECT * FROM 'results.parquet'``).  ``perfnb score`` and
``perfnb batch`` take them back as earlier years (``--previous DIR_OR_PARQUET``, repeatable):
:func:`read_previous`.
"""
from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from perfnb.errors import InputError
from perfnb.fsutil import atomic_write_bytes

from perfnb.evaluation.redflags import COMPARISON_FILE, FLAGS_FILE, INDICATORS_FILE, UNITS_FILE

__all__ = ["UNITS_FILE", "INDICATORS_FILE", "FLAGS_FILE", "write_tables", "read_previous",
           "write_batch_tables", "PreviousRows", "previous_frames", "linked_previous",
           "previous_digest"]


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()


def write_tables(units: pd.DataFrame, indicators: pd.DataFrame,
                 directory: str | os.PathLike) -> list[Path]:
    """``DIR/results.parquet`` and ``DIR/indicators.parquet``, each written atomically."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for frame, name in ((units, UNITS_FILE), (indicators, INDICATORS_FILE)):
        written.append(atomic_write_bytes(directory / name, _parquet_bytes(frame)))
    return written


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path, engine="pyarrow")
    except Exception as error:   # not Parquet, truncated …: say which file
        raise InputError(f"无法读取上年数据：{type(error).__name__}", file=str(path),
                         hint="--previous 应为上年批量评价或筛查的输出目录，或其中的 results.parquet")


def _from_results_json(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    from perfnb.evaluation.redflags import frames_from_results

    documents = _results_json(folder)
    return frames_from_results(documents) if documents else None


def _screened(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """A folder of last year's forms themselves (no outputs): screen them now."""
    from perfnb.running.screen import discover_files, flat_tables, screen_files

    files = discover_files([folder])
    if not files:
        return None
    rows = screen_files(files, jobs=1)
    scored, keys, units, indicators = flat_tables(rows)
    if not scored:
        return None
    real = {key: row["unit_id"] for key, row in zip(keys, scored)}
    return (units.assign(unit_id=units["unit_id"].map(real)),
            indicators.assign(unit_id=indicators["unit_id"].map(real)))


def read_previous(paths: Iterable[str | os.PathLike]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Earlier years' flat tables from ``--previous`` arguments, stacked: each a folder holding
    results.parquet + indicators.parquet (else the result.json files under it, else last
    year's forms, screened now), or a results.parquet file (its indicators.parquet beside it)."""
    units, indicators = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and (path / UNITS_FILE).is_file():
            path = path / UNITS_FILE
        if path.is_file():
            if path.suffix.lower() != ".parquet":
                raise InputError("上年数据应为 Parquet 表或输出目录", file=str(raw),
                                 hint="请给出上年输出目录，或其中的 results.parquet")
            other = path.with_name(INDICATORS_FILE)
            if not other.is_file():
                raise InputError(f"找不到同一目录下的 {INDICATORS_FILE}", file=str(path),
                                 hint="上年的 results.parquet 与 indicators.parquet 应放在同一目录")
            units.append(_read_parquet(path))
            indicators.append(_read_parquet(other))
            continue
        if path.is_dir():
            frames = _from_results_json(path) or _screened(path)
            if frames is None:
                raise InputError(f"目录中没有 {UNITS_FILE}、result.json 或可评分的自评表", file=str(raw),
                                 hint="请给出上年批量评价（perfnb batch）或筛查的输出目录")
            units.append(frames[0])
            indicators.append(frames[1])
            continue
        raise InputError("找不到上年数据", file=str(raw), hint="请检查 --previous 的路径")
    if not units:
        raise InputError("没有给出上年数据", hint="--previous 后应跟上年的输出目录或 results.parquet")
    return pd.concat(units, ignore_index=True), pd.concat(indicators, ignore_index=True)



class PreviousRows:
    """The rows of earlier years each unit can be linked to, for that unit's notebook.

    ``perfnb batch/run --previous`` read the earlier years once, in the parent; each unit's
    worker gets only its rows (a few, not a multi-year table) as a JSON-able value
    (:func:`previous_frames` turns it back into the flat tables), which the runner writes into
    the unit's folder for its notebook's ``previous`` parameter.  With the unit's project known
    at planning: the earlier units whose link key
    (:func:`perfnb.evaluation.checks.across.link_keys` by ``link``) is this unit's; without it (a
    unit YAML naming no project): the earlier units of the same 主管部门.  The kernel then links
    exactly, by the same rule.  Keys, groups and records are made once, so picking the rows of
    10,000 units is a dictionary look-up each, not 10,000 passes over the tables."""

    def __init__(self, previous: tuple[pd.DataFrame, pd.DataFrame], link: str = "auto") -> None:
        from perfnb.evaluation.checks.across import link_keys
        from perfnb.reading.values import department_name

        units = previous[0].reset_index(drop=True)
        indicators = previous[1].reset_index(drop=True)
        self.link = link
        self.unit_columns = [str(c) for c in units.columns]
        self.indicator_columns = [str(c) for c in indicators.columns]
        self.unit_records = _records(units)
        self.indicator_records = _records(indicators)
        self.by_key: dict[str, list[int]] = {}
        self.by_department: dict[str, list[int]] = {}
        departments = units["department"] if "department" in units else pd.Series([""] * len(units))
        for at, (key, department) in enumerate(zip(link_keys(units, link), departments)):
            self.by_key.setdefault(key, []).append(at)
            name = department_name("" if department is None or department != department
                                   else str(department))
            self.by_department.setdefault(name, []).append(at)
        self.rows_of_unit: dict[str, list[int]] = {}
        for i, unit_id in enumerate(indicators["unit_id"].astype(str) if len(indicators) else []):
            self.rows_of_unit.setdefault(unit_id, []).append(i)

    def __call__(self, department: str | None, project: str | None) -> dict | None:
        return self.for_units([department], [project])[0]

    def for_units(self, departments: list, projects: list) -> list[dict | None]:
        """Each (department, project)'s rows — ``{"units": [...], "indicators": [...],
        "unit_columns": [...], "indicator_columns": [...]}`` — or None when nothing links."""
        from perfnb.evaluation.checks.across import link_keys
        from perfnb.reading.values import department_name

        keys = link_keys(pd.DataFrame({"department": [d or "" for d in departments],
                                       "project": [p or "" for p in projects]}), self.link)
        out = []
        for department, project, key in zip(departments, projects, keys):
            if project:
                at = self.by_key.get(key, []) if key else []
            else:
                wanted = department_name(department or "")
                at = self.by_department.get(wanted, []) if wanted else []
            if not at:
                out.append(None)
                continue
            units = [self.unit_records[i] for i in at]
            rows = [i for unit_id in dict.fromkeys(str(u.get("unit_id")) for u in units)
                    for i in self.rows_of_unit.get(unit_id, [])]
            out.append({"units": units, "indicators": [self.indicator_records[i] for i in rows],
                        "unit_columns": self.unit_columns,
                        "indicator_columns": self.indicator_columns})
        return out


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts (missing values None, numpy scalars as Python's): picklable and
    JSON-able, cheap to pick from."""
    if not len(frame):
        return []
    # to_dict boxes numpy scalars as Python's (maybe_box_native); NaN/NA become None
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def previous_frames(rows: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:class:`PreviousRows`' value for one unit as the flat tables (units, indicators)."""
    return (pd.DataFrame(rows["units"], columns=rows.get("unit_columns")),
            pd.DataFrame(rows["indicators"], columns=rows.get("indicator_columns")))


def linked_previous(previous: tuple[pd.DataFrame, pd.DataFrame], department: str | None,
                    project: str | None, link: str = "auto") -> tuple[pd.DataFrame, pd.DataFrame]:
    """One unit's earlier-year rows as tables (empty when nothing links; see
    :class:`PreviousRows`, built once for many units)."""
    rows = PreviousRows(previous, link)(department, project)
    if rows is None:
        return previous[0].iloc[:0], previous[1].iloc[:0]
    return previous_frames(rows)


def previous_digest(rows: dict | None, link: str = "auto") -> str:
    """SHA-256 of a unit's earlier-year rows and link rule (part of its batch fingerprint:
    other earlier-year data reruns the unit)."""
    import hashlib

    if rows is None:
        return ""
    text = json.dumps({"link": link, "units": rows["units"], "indicators": rows["indicators"]},
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _results_json(folder: Path) -> list[dict]:
    return [data for _, data in _located_results(folder)]


def _located_results(folder: Path) -> list[tuple[Path, dict]]:
    """(path, object) of every result.json under ``folder``."""
    documents = []
    for path in sorted(folder.rglob("result.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "unit_id" in data:
            documents.append((path, data))
    return documents


def _optional(value):
    return None if value is None or (isinstance(value, float) and value != value) or value is pd.NA \
        else value


def _finding(record: dict) -> dict:
    from perfnb.evaluation.risk import flag_titles

    row = _optional(record.get("row"))
    return {"code": str(record["code"]), "severity": str(record["severity"]),
            "title": flag_titles([str(record["code"])])[0],
            "location": {"sheet": _optional(record.get("sheet")) or None,
                         "row": None if row is None else int(row),
                         "column": _optional(record.get("column")),
                         "indicator": _optional(record.get("indicator"))},
            "message": str(record.get("message") or "")}


def _write_unit_flags(located: list[tuple[Path, dict]], found: pd.DataFrame, units: pd.DataFrame,
                      link: str | None) -> list[Path]:
    """``red_flags.json`` beside each unit's result.json: its findings across units (and
    years) that its own result.json does not already hold, and its risk with them.

    result.json is the kernel's own record (issue 20: verify compares it with the notebook),
    so what only the whole batch can find goes into this sidecar, never into result.json."""
    from perfnb.evaluation.redflags import FLAG_SEPARATOR
    from perfnb.evaluation.risk import flag_titles
    from perfnb.running.crosscheck import FLAGS_NAME as FLAGS_SIDECAR
    from perfnb.schemas import RED_FLAGS_FORMAT

    by_unit = {str(k): g for k, g in found.groupby(found["unit_id"].astype(str), sort=False)} \
        if len(found) else {}
    risk = units.set_index(units["unit_id"].astype(str))[["risk_score", "risk_level", "risk_flags"]]
    written = []
    for path, data in located:
        unit_id = str(data["unit_id"])
        own = {(f.get("code"), (f.get("location") or {}).get("indicator"))
               for f in data.get("findings") or [] if isinstance(f, dict)}
        rows = by_unit.get(unit_id)
        findings = [] if rows is None else [
            _finding(r) for r in rows.to_dict("records") if (r["code"], r.get("indicator")) not in own]
        score, level, flags = (risk.loc[unit_id].tolist() if unit_id in risk.index
                               else (0.0, "低", ""))
        flags = [c for c in str(flags or "").split(FLAG_SEPARATOR) if c]
        document = {"format": RED_FLAGS_FORMAT, "unit_id": unit_id,
                    "department": data.get("department"),
                    "link": link, "findings": findings,
                    "risk": {"score": round(float(score or 0), 2), "level": str(level or "低"),
                             "flags": flags, "titles": flag_titles(flags)}}
        written.append(atomic_write_bytes(path.with_name(FLAGS_SIDECAR), (json.dumps(
            document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")))
    return written


def write_batch_tables(out_root: str | os.PathLike, previous=None, link: str = "auto",
                       rules: str | None = None) -> list[Path]:
    """After a batch's units: the checks across its units (and ``previous`` years) over every
    result.json under ``out_root``; ``results.parquet`` (risk with the new flags),
    ``indicators.parquet`` and ``red_flags.parquet`` (those findings) in ``out_root``, and
    each unit's ``red_flags.json`` beside its result.json (:func:`_write_unit_flags`)."""
    from perfnb.evaluation.redflags import (across_findings, findings_of_results,
                                            frames_from_results, with_risk)

    out_root = Path(out_root)
    located = _located_results(out_root)
    documents = [data for _, data in located]
    units, indicators = frames_from_results(documents)
    found = across_findings(units, indicators, rules or "central", previous, link)
    if len(found):
        units = with_risk(units, findings_of_results(documents), found)
    found = found.assign(department=found["unit_id"].map(
        dict(zip(units["unit_id"], units["department"]))))
    written = write_tables(units, indicators, out_root)
    written.append(atomic_write_bytes(out_root / FLAGS_FILE, _parquet_bytes(found)))
    written += _write_unit_flags(located, found, units,
                                 link if previous is not None else None)
    if previous is not None:   # this year against last year, for the summary's 与上年比较
        from perfnb.evaluation.redflags import comparison_frame, previous_year
        compared = comparison_frame(previous_year(units, indicators, previous, link,
                                                  rules or "central"), units)
        written.append(atomic_write_bytes(out_root / COMPARISON_FILE, _parquet_bytes(compared)))
    elif (out_root / COMPARISON_FILE).exists():
        (out_root / COMPARISON_FILE).unlink()   # a rerun without --previous: no stale comparison
    return written
