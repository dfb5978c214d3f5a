"""Load a unit's data, whatever the layout, into :class:`perfnb.model.UnitTables`.

``load_unit(path)`` dispatches by suffix: ``.yaml``/``.yml`` is a unit file (its ``data`` file
is loaded and its keys override the data), ``.xlsx``/``.xlsm`` is read by content (our
three-sheet workbook, 四川's form, or the official form), ``.csv`` is an indicator table,
``.docx`` is a department's Word report whose tables are read like the official form.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from perfnb.errors import InputError
from perfnb.model import UnitTables
from perfnb.reading.assemble import LoadedUnit, apply_overrides, check_unit, raise_errors, to_tables
from perfnb.reading.workbook import write_template

__all__ = ["load_unit", "load_units", "unit_review", "review_file", "resolve_data_path", "write_template", "read_unit_yaml",
           "WORKBOOK_SUFFIXES", "YAML_SUFFIXES", "CSV_SUFFIXES", "DOCX_SUFFIXES", "DATA_SUFFIXES"]

YAML_SUFFIXES = (".yaml", ".yml")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
DOCX_SUFFIXES = (".docx", ".docm")
DATA_SUFFIXES = WORKBOOK_SUFFIXES + CSV_SUFFIXES + DOCX_SUFFIXES


def read_unit_yaml(path):
    from perfnb.reading.unitfile import read_unit_yaml as read
    return read(path)


def resolve_data_path(data: str | os.PathLike, base_dir: str | os.PathLike | None = None) -> Path:
    """Where a unit YAML's ``data`` file is.

    An absolute path is kept.  A relative one is resolved against ``base_dir`` (the YAML's
    folder) when given; otherwise (papermill ``-f`` gives no YAML path) against the current
    folder, then ``params/`` and ``../params/``: the first that exists wins, and if none
    exists the current-folder path is returned (the loader then reports it missing).
    """
    path = Path(data).expanduser()
    if path.is_absolute():
        return path
    if base_dir is not None:
        return Path(base_dir) / path
    candidates = [Path.cwd() / path, Path.cwd() / "params" / path, Path.cwd().parent / "params" / path]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return candidates[0]


def _read_data(path: Path) -> LoadedUnit:
    from perfnb.reading.sheets import check_file
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        from perfnb.reading.csvfile import read_csv
        return read_csv(path)
    if suffix in WORKBOOK_SUFFIXES:
        return _read_xlsx(path)
    if suffix in DOCX_SUFFIXES:
        from perfnb.reading.wordreport import read_docx
        return read_docx(path)
    check_file(path)
    if suffix == ".doc":
        raise InputError("不支持旧版 Word 97-2003 文档（.doc）", file=path,
                         hint="请在 Word 或 WPS 中“另存为”Word 文档（*.docx）")
    if suffix == ".xls":
        raise InputError("不支持旧版 Excel 97-2003 工作簿（.xls）", file=path,
                         hint="请在 Excel 或 WPS 中“另存为”Excel 工作簿（*.xlsx）")
    raise InputError(f"无法识别的文件类型“{path.suffix or '（无扩展名）'}”", file=path,
                     hint="请提供 .xlsx 工作簿、.csv 文件、.docx 自评报告或单位参数 .yaml 文件")


def _read_xlsx(path: Path) -> LoadedUnit:
    from perfnb.reading.official import read_form
    from perfnb.reading.blocks import find_indicator_header, missing_weight_column
    from perfnb.reading.sheets import open_workbook
    from perfnb.reading.sichuan import is_sichuan
    from perfnb.reading.workbook import is_workbook, read_workbook

    book = open_workbook(path)
    file = str(path)
    try:
        if is_workbook(book.sheetnames):
            loaded = read_workbook(book)
        else:
            loaded = None
            for title in book.sheetnames:
                grid = book.grid(title)
                header = find_indicator_header(grid)
                if header is None:
                    continue
                layout = "sichuan" if is_sichuan(grid) else "official"
                loaded = read_form(grid, layout, header)
                break
            if loaded is None:
                for title in book.sheetnames:
                    missing = missing_weight_column(book.grid(title))
                    if missing is not None:
                        raise missing
                raise InputError(
                    "找不到绩效指标表（没有包含 三级指标、年度指标值、分值 等表头的行）", file=file,
                    hint="请使用官方《项目支出绩效自评表》、四川自评表，或 perfnb template 生成的模板")
    finally:
        book.close()
    from openpyxl.utils import get_column_letter
    formula_errors = [
        InputError("该单元格是公式，但文件中没有保存计算结果", file=file, sheet=sheet, row=row,
                   column_letter=get_column_letter(column),
                   hint="请在 Excel 或 WPS 中打开该文件并保存一次（让公式算出结果），或把公式改为数值")
        for sheet, cells in book.uncached.items() for row, column in sorted(cells)]
    loaded.errors[:0] = formula_errors
    return loaded


def unit_review(path: str | os.PathLike, settings: dict | None = None,
                data_path: str | os.PathLike | None = None, review=None):
    """The review of the unit read from ``path``, or None.

    ``review``: None looks for it (the unit YAML's ``review:`` section or file, else
    ``<stem>.review.yaml`` beside the YAML, else beside the data file); False: no review;
    a path: that file; a mapping: the review itself; a :class:`Review`: as is.
    """
    from perfnb.reading.review import (Review, find_review_file, read_review,
                                       review_from_mapping)

    if review is False:
        return None
    if isinstance(review, Review):
        return review
    if isinstance(review, dict):
        return review_from_mapping(review)
    path = Path(path)
    if review is None and settings and settings.get("review") is not None:
        review = settings["review"]
        if isinstance(review, Review):
            return review
        review = resolve_data_path(review, path.parent)
        if not Path(review).is_file():
            raise InputError(f"review 指向的复核文件“{settings['review']}”不存在（查找位置：{review}）",
                             file=path, hint="请检查 review 的路径；相对路径以本 YAML 所在文件夹为准")
    if review is None:
        review = find_review_file(path, data_path)
        if review is None:
            return None
    return read_review(review)


def review_file(path: str | os.PathLike) -> Path | None:
    """The review *file* of the unit read from ``path`` (None: none, or written inline in
    the unit YAML); the batch and the provenance hash it as an input."""
    from perfnb.reading.review import find_review_file

    path = Path(path)
    data_path = None
    if path.suffix.lower() in YAML_SUFFIXES:
        settings = read_unit_yaml(path)
        value = settings.get("review")
        if isinstance(value, str):
            candidate = resolve_data_path(value, path.parent)
            return candidate if candidate.is_file() else None
        if value is not None:
            return None
        if settings.get("data"):
            data_path = resolve_data_path(settings["data"], path.parent)
    return find_review_file(path, data_path)


def load_unit(path: str | os.PathLike, overrides: dict | None = None, review=None) -> UnitTables:
    """Load one unit from a unit YAML, an Excel workbook or a CSV file.

    ``review``: see :func:`unit_review` (by default the unit's review is found and attached:
    ``tables.reviews``, ``tables.review_indicators``, ``tables.review_findings``).
    ``overrides`` are unit-YAML keys (unit_id, department, implementing_unit, project, year,
    budget {...}, goals {...}, reported {...}, evaluation {...}); non-null values replace what
    the data file says (and what the YAML says, when ``path`` is a YAML).  The unit id is the
    YAML's ``unit_id``, else the workbook's 单位编号, else the data file's stem.
    """
    path = Path(path)
    settings: dict = {}
    source_name = str(path)
    if path.suffix.lower() in YAML_SUFFIXES:
        settings = read_unit_yaml(path)
        data = settings.get("data")
        if not data:
            raise InputError("缺少 data（数据文件路径）", file=path,
                             hint="请加一行 data: 数据文件路径（相对于本 YAML 文件所在文件夹）")
        data_path = resolve_data_path(data, path.parent)
        if not data_path.exists():
            raise InputError(f"data 指向的数据文件“{data}”不存在（查找位置：{data_path}）",
                             file=path, hint="请检查 data 的路径；相对路径以本 YAML 所在文件夹为准")
    else:
        data_path = path
    if overrides:
        settings = _merge(settings, overrides)
    loaded = _read_data(data_path)
    apply_overrides(loaded, settings, source_name)
    check_unit(loaded, source_name)
    raise_errors(loaded.errors)
    unit_id = (settings.get("unit_id") or loaded.unit.get("unit_id") or data_path.stem)
    tables = to_tables(loaded, str(unit_id))
    found = unit_review(path, settings, data_path if data_path != path else None, review)
    from perfnb.reading.review import REVIEW_SUFFIX, attach_review, review_path_for
    if found is not None:
        tables = attach_review(tables, found)
    # where the review panel saves this unit's review: its review file, else beside the input
    if found is not None and found.source.lower().endswith(REVIEW_SUFFIX):
        target = Path(found.source)
    elif isinstance(settings.get("review"), str):
        target = resolve_data_path(settings["review"], path.parent)
    else:
        target = review_path_for(path)
    tables.units["review_path"] = str(target)
    return tables


def _merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        if value is None:
            continue
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **{k: v for k, v in value.items() if v is not None}}
        else:
            merged[key] = value
    return merged


def load_units(paths: Iterable[str | os.PathLike]) -> UnitTables:
    """Load several units and stack them; unit ids must be unique."""
    parts = [load_unit(path) for path in paths]
    seen: dict[str, str] = {}
    for part in parts:
        unit_id = part.unit_ids[0]
        source = part.units["source"].iloc[0]
        if unit_id in seen:
            raise InputError(f"单位编号“{unit_id}”重复（另见文件“{seen[unit_id]}”）", file=source,
                             hint="请给每个单位不同的 unit_id")
        seen[unit_id] = source
    return UnitTables.concat(parts)
