"""Load a unit's data, whatever the layout, into :class:`perfnb.model.UnitTables`.

``load_unit(path)``: a ``.yaml``/``.yml`` is a unit file (its ``data`` file is loaded and its
keys override the data); any other file is read by the source of its format
(:mod:`perfnb.reading.sources`: spreadsheet, csv, docx, pdf, html, text, and plug-ins of the
``perfnb.sources`` entry-point group), which hands grids to the layout readers (our
three-sheet workbook, 四川's form, the official form and every printed form like it).  A file
may hold several forms (one per sheet, stacked on a sheet, one after another in a document:
:mod:`perfnb.reading.forms`): :func:`load_forms` gives each as its own unit,
:func:`load_unit` needs ``form`` to pick one.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from dataclasses import dataclass

from perfnb.errors import InputError, PerfnbError
from perfnb.model import UnitTables
from perfnb.reading.assemble import LoadedUnit, apply_overrides, check_unit, raise_errors, to_tables
from perfnb.reading.forms import Form
from perfnb.reading import sources
from perfnb.reading.sheets import SPREADSHEET_SUFFIXES
from perfnb.reading.workbook import write_template

__all__ = ["load_unit", "load_units", "load_forms", "load_unit_or_forms", "prepare_forms", "read_forms", "FormResult",
           "unit_review", "review_file", "resolve_data_path", "write_template", "read_unit_yaml",
           "WORKBOOK_SUFFIXES", "SPREADSHEET_SUFFIXES", "YAML_SUFFIXES", "CSV_SUFFIXES",
           "DOCX_SUFFIXES", "PDF_SUFFIXES", "HTML_SUFFIXES", "TEXT_SUFFIXES", "DATA_SUFFIXES",
           "data_suffixes"]

YAML_SUFFIXES = (".yaml", ".yml")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = sources.CSV.suffixes
DOCX_SUFFIXES = sources.DOCX.suffixes
PDF_SUFFIXES = sources.PDF.suffixes
HTML_SUFFIXES = sources.HTML.suffixes
TEXT_SUFFIXES = sources.TEXT.suffixes
data_suffixes = sources.data_suffixes


def __getattr__(name: str):
    # DATA_SUFFIXES: every suffix a registered source reads, plug-ins included; computed on
    # first use so that importing perfnb.reading does not scan the installed packages.
    if name == "DATA_SUFFIXES":
        return sources.data_suffixes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def read_forms(path: Path) -> list[Form]:
    """Every form of a data file, read (each :class:`~perfnb.reading.forms.Form` holds its
    :class:`LoadedUnit` or the error that stopped it).  Raises InputError when the file
    itself cannot be read or holds no form at all.  The file's format picks the reader
    (:mod:`perfnb.reading.sources`: by suffix, corrected by content)."""
    return sources.read_forms(Path(path))


def unit_review(path: str | os.PathLike, settings: dict | None = None,
                data_path: str | os.PathLike | None = None, review=None, unit_id: str | None = None):
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
    if Path(review).suffix.lower() in (".xlsx", ".xlsm"):
        # a 复核底稿 (perfnb workpaper): this unit's sheet
        from perfnb.reading.workpaper import read_workpaper, workpaper_units

        found = read_workpaper(review, unit_id)
        if found is None:
            known = "、".join(workpaper_units(review)) or "无"
            raise InputError(f"复核底稿中没有单位“{unit_id}”的工作表", file=review,
                             hint=f"底稿中的单位：{known}；请用 perfnb workpaper 为该单位生成底稿")
        return found
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


@dataclass
class FormResult:
    """One form of a file (see :func:`load_forms`): its unit tables, or the error of that form."""

    file: str
    index: int                 # 1-based position in the file
    count: int                 # how many forms the file holds
    sheet: str | None          # sheet, 表格N or 第N页 it was read from
    title: str                 # project name, else heading/sheet
    unit_id: str
    tables: UnitTables | None = None
    error: PerfnbError | None = None
    department: str = ""       # as read, also when the form failed later

    @property
    def ok(self) -> bool:
        return self.tables is not None


def _checked(form: Form, settings: dict, source_name: str) -> LoadedUnit:
    """One read form with the unit YAML's overrides and the whole-unit checks (raises its errors)."""
    if form.error is not None:
        raise form.error
    loaded = form.loaded
    apply_overrides(loaded, settings, source_name)
    check_unit(loaded, source_name)
    raise_errors(loaded.errors)
    return loaded


def _finish(form: Form, settings: dict, source_name: str, unit_id: str) -> UnitTables:
    """Overrides, whole-unit checks and DataFrames of one read form (raises its errors)."""
    return to_tables(_checked(form, settings, source_name), unit_id)


def _unit_ids(data_path: Path, forms: list[Form], settings: dict) -> list[str]:
    from perfnb.reading.forms import form_unit_ids
    if len(forms) == 1:
        form = forms[0]
        own = form.loaded.unit.get("unit_id") if form.loaded is not None else None
        return [str(settings.get("unit_id") or own or data_path.stem)]
    return form_unit_ids(data_path.stem, forms)


def _settings_and_data(path: Path, overrides: dict | None) -> tuple[dict, Path]:
    settings: dict = {}
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
    return settings, data_path


def _select(forms: list[Form], selector, data_path: Path, source_name: str) -> Form:
    from perfnb.reading.forms import describe_forms, pick_form
    if selector is not None and str(selector).strip():
        form = pick_form(forms, selector)
        if form is None:
            raise InputError(f"文件中没有“{selector}”这个表（共 {len(forms)} 个：{describe_forms(forms)}）",
                             file=source_name, hint="form 可写表的序号（从 1 起）或项目名称")
        return form
    if len(forms) > 1:
        raise InputError(
            f"该文件包含 {len(forms)} 个自评表：{describe_forms(forms)}", file=data_path,
            hint="请指定其中一个：单位 YAML 中写 form: 序号 或 form: 项目名称"
                 "（papermill -p form 2；Python 中 load_unit(路径, {\"form\": 2})），"
                 "或用 perfnb.reading.load_forms / perfnb score / perfnb batch 读取全部")
    return forms[0]


def load_unit(path: str | os.PathLike, overrides: dict | None = None, review=None) -> UnitTables:
    """Load one unit from a unit YAML or a data file (Excel .xlsx/.xls/.ods, CSV, Word, PDF,
    web page .html/.mhtml, plain-text report .txt, or a plug-in format).

    ``overrides`` are unit-YAML keys (unit_id, department, implementing_unit, project, year,
    budget {...}, goals {...}, reported {...}, evaluation {...}, form); non-null values
    replace what the data file says (and what the YAML says, when ``path`` is a YAML).  The
    unit id is the YAML's ``unit_id``, else the workbook's 单位编号, else the data file's stem
    (for one form of a multi-form file: ``<stem>-<project>`` or ``<stem>-<number>``).  A file
    holding several forms needs ``form`` (number from 1, or project name) to say which.

    ``review``: see :func:`unit_review` (by default the unit's review is found and attached:
    ``tables.reviews``, ``tables.review_indicators``, ``tables.review_findings``).
    """
    path = Path(path)
    source_name = str(path)
    settings, data_path = _settings_and_data(path, overrides)
    forms = read_forms(data_path)
    form = _select(forms, settings.get("form"), data_path, source_name)
    unit_id = _unit_ids(data_path, forms, settings)[forms.index(form)]
    if len(forms) > 1 and settings.get("unit_id"):
        unit_id = str(settings["unit_id"])
    tables = _finish(form, settings, source_name, unit_id)
    return _with_review(tables, path, settings, data_path, review, unit_id)


def _with_review(tables: UnitTables, path: Path, settings: dict, data_path: Path,
                 review, unit_id: str) -> UnitTables:
    """The unit's review attached (see :func:`load_unit`), and where the panel saves it."""
    found = unit_review(path, settings, data_path if data_path != path else None, review,
                        unit_id=unit_id)
    from perfnb.reading.review import REVIEW_SUFFIX, attach_review, review_path_for
    if found is not None and not found.review_rules and settings.get("review_rules"):
        # the unit YAML names the review profile (复核口径); a file relative to the YAML
        named = str(settings["review_rules"]).strip()
        if named.lower().endswith((".yaml", ".yml")):
            named = str(resolve_data_path(named, path.parent))
        found.review_rules = named
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


def prepare_forms(path: str | os.PathLike, overrides: dict | None = None) \
        -> tuple[dict, list[tuple[FormResult, LoadedUnit | None]]]:
    """What :func:`load_forms` does short of building DataFrames: the unit settings (YAML and
    overrides), and per form its :class:`FormResult` (no tables yet; ``error`` set when the
    form failed) with its checked :class:`LoadedUnit`.  ``perfnb score`` stacks the loaded
    units of many files into one set of tables (:func:`perfnb.reading.assemble.to_tables_many`)."""
    path = Path(path)
    source_name = str(path)
    settings, data_path = _settings_and_data(path, overrides)
    forms = read_forms(data_path)
    ids = _unit_ids(data_path, forms, settings)
    chosen = list(zip(forms, ids))
    if settings.get("form") is not None and str(settings.get("form")).strip():
        form = _select(forms, settings["form"], data_path, source_name)
        unit_id = str(settings.get("unit_id") or ids[forms.index(form)])
        chosen = [(form, unit_id)]
    elif len(forms) > 1:
        settings = {k: v for k, v in settings.items() if k != "unit_id"}
    prepared = []
    for form, unit_id in chosen:
        result = FormResult(file=str(data_path), index=form.index, count=len(forms),
                            sheet=form.sheet, title=form.title, unit_id=unit_id)
        if form.loaded is not None:
            result.department = str(form.loaded.unit.get("department") or "")
        loaded = None
        try:
            loaded = _checked(form, settings, source_name)
        except PerfnbError as error:
            result.error = error
        prepared.append((result, loaded))
    return settings, prepared


def load_unit_or_forms(path: str | os.PathLike, review=None) -> UnitTables | list[FormResult]:
    """The file read once (``perfnb score``): a file of one form gives what
    :func:`load_unit` gives (its review attached; its error raised), a file of several
    forms what :func:`load_forms` gives.  (Reading twice doubled the time of a large file.)"""
    results = load_forms(path)
    if len(results) != 1:
        return results
    if results[0].error is not None:
        raise results[0].error
    settings, data_path = _settings_and_data(Path(path), None)
    return _with_review(results[0].tables, Path(path), settings, data_path, review,
                        results[0].unit_id)


def load_forms(path: str | os.PathLike, overrides: dict | None = None) -> list[FormResult]:
    """Every form of a file as its own unit: a :class:`FormResult` per form, holding the
    form's tables or the error of that form (a form that fails does not stop the others).

    ``path`` is a data file or a unit YAML (whose keys apply to every form; with ``form`` it
    selects one).  Raises InputError only when the file itself cannot be read.
    """
    _, prepared = prepare_forms(path, overrides)
    for result, loaded in prepared:
        if loaded is not None:
            result.tables = to_tables(loaded, result.unit_id)
    return [result for result, _ in prepared]


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
    """Load several units and stack them; unit ids must be unique.  A file holding several
    forms gives one unit per form (any form that fails raises its error)."""
    parts = []
    for path in paths:
        for result in load_forms(path):
            if result.error is not None:
                raise result.error
            parts.append(result.tables)
    seen: dict[str, str] = {}
    for part in parts:
        unit_id = part.unit_ids[0]
        source = part.units["source"].iloc[0]
        if unit_id in seen:
            raise InputError(f"单位编号“{unit_id}”重复（另见文件“{seen[unit_id]}”）", file=source,
                             hint="请给每个单位不同的 unit_id")
        seen[unit_id] = source
    return UnitTables.concat(parts)
