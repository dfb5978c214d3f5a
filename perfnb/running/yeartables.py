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

import pandas as pd

from perfnb.errors import InputError
from perfnb.fsutil import atomic_write_bytes

from perfnb.evaluation.redflags import COMPARISON_FILE, FLAGS_FILE, INDICATORS_FILE, UNITS_FILE

__all__ = ["UNITS_FILE", "INDICATORS_FILE", "FLAGS_FILE", "write_tables", "read_previous",
           "write_batch_tables"]


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



def _results_json(folder: Path) -> list[dict]:
    documents = []
    for path in sorted(folder.rglob("result.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "unit_id" in data:
            documents.append(data)
    return documents


def write_batch_tables(out_root: str | os.PathLike, previous=None, link: str = "auto",
                       rules: str | None = None) -> list[Path]:
    """After a batch's units: the checks across its units (and ``previous`` years) over every
    result.json under ``out_root``; ``results.parquet`` (risk with the new flags),
    ``indicators.parquet`` and ``red_flags.parquet`` (those findings) in ``out_root``."""
    from perfnb.evaluation.redflags import (across_findings, findings_of_results,
                                            frames_from_results, with_risk)

    out_root = Path(out_root)
    documents = _results_json(out_root)
    units, indicators = frames_from_results(documents)
    found = across_findings(units, indicators, rules or "central", previous, link)
    if len(found):
        units = with_risk(units, findings_of_results(documents), found)
    found = found.assign(department=found["unit_id"].map(
        dict(zip(units["unit_id"], units["department"]))))
    written = write_tables(units, indicators, out_root)
    written.append(atomic_write_bytes(out_root / FLAGS_FILE, _parquet_bytes(found)))
    if previous is not None:   # this year against last year, for the summary's 与上年比较
        from perfnb.evaluation.redflags import comparison_frame, previous_year
        compared = comparison_frame(previous_year(units, indicators, previous, link,
                                                  rules or "central"), units)
        written.append(atomic_write_bytes(out_root / COMPARISON_FILE, _parquet_bytes(compared)))
    elif (out_root / COMPARISON_FILE).exists():
        (out_root / COMPARISON_FILE).unlink()   # a rerun without --previous: no stale comparison
    return written
