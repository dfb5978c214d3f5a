"""How findings are written: text held as codes into its distinct values, message templates.

A check's message is a template with named fields ("“{name:text}”填报得分 {reported:num} 分…").
:func:`render` fills it for the rows that have the finding: each field is a whole column (a
numpy array, a Series, :class:`Texts`), a scalar (the same for every row), a
:class:`Fragment` (another template of the same check) or a :class:`Choice` between
fragments by row.  The format spec after the colon says how a column is written:

=========  ===============================================  =================
spec       writes                                           e.g.
=========  ===============================================  =================
num        a number, at most 2 decimals, thousands commas   3.75, 1,972.41
num0       a whole number                                   12
pct        a fraction as a percentage (2 decimals)          88.49%
pct0       a fraction as a whole percentage                 130%
text       text, '' where missing                           采购批次
or_blank   text, “空” where empty                            空
(none)     a column as it is; a scalar by str()
=========  ===============================================  =================

A scalar takes any Python format spec as well ("{ratio:.0%}").  Text is built from few
distinct pieces, so :func:`cat` joins each distinct combination of pieces once, not each row.
"""
from __future__ import annotations

import itertools
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from perfnb.cells import is_missing
from perfnb.model import FINDING_COLUMNS
from perfnb.vocabulary import SEVERITY_LABELS  # noqa: F401 (re-exported)

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


# -- formatting helpers: text held as codes into its distinct values ----------------------

class Texts:
    """Per-row text as codes into its distinct values: ``uniques[codes]``.

    Messages are built from few distinct pieces (indicator names, formatted numbers, column
    headers), so :func:`cat` joins each distinct *combination* of pieces once, not each row,
    and rows with the same message share one string object.  ``np.asarray`` gives the rows.
    """

    __slots__ = ("codes", "uniques")

    def __init__(self, codes: np.ndarray, uniques) -> None:
        self.codes = np.asarray(codes, dtype=np.intp)
        self.uniques = np.asarray(uniques, dtype=object)

    @classmethod
    def of(cls, values, func: Callable[[object], object] | None = None) -> "Texts":
        """The distinct values of ``values`` (missing ones as None), ``func`` of each if given."""
        if isinstance(values, Texts):
            return values.map(func) if func is not None else values
        values = np.asarray(values)
        if values.dtype.kind in "US":   # numpy text (np.where of constants): Python str
            values = values.astype(object)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        distinct = list(np.asarray(uniques, dtype=object)) + [None]   # code -1 -> missing
        codes = np.where(codes < 0, len(distinct) - 1, codes)
        if func is not None:
            distinct = [func(value) for value in distinct]
        return cls(codes, _object_array(distinct))

    def __len__(self) -> int:
        return len(self.codes)

    def map(self, func: Callable[[object], object]) -> "Texts":
        return Texts(self.codes, _object_array([func(value) for value in self.uniques]))

    def take(self, rows: np.ndarray) -> "Texts":
        return Texts(self.codes[rows], self.uniques)

    def values(self) -> np.ndarray:
        return self.uniques[self.codes]

    def __array__(self, dtype=None, copy=None):
        values = self.values()
        return values if dtype is None else values.astype(dtype)


def _object_array(values: list) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def choose(conditions: list, choices: list, default) -> Texts:
    """``np.select`` for text: the first choice whose condition holds, else ``default``."""
    parts = [Texts.of(c) if not isinstance(c, str) else c for c in [*choices, default]]
    length = next((len(p) for p in parts if not isinstance(p, str)),
                  len(np.asarray(conditions[0])) if conditions else 0)
    parts = [Texts(np.zeros(length, dtype=np.intp), [p]) if isinstance(p, str) else p for p in parts]
    offsets = np.cumsum([0] + [len(p.uniques) for p in parts])
    codes = parts[-1].codes + offsets[-2]
    for condition, part, offset in zip(reversed(conditions), reversed(parts[:-1]),
                                       reversed(offsets[:-2])):
        codes = np.where(np.asarray(condition, dtype=bool), part.codes + offset, codes)
    return Texts(codes, np.concatenate([p.uniques for p in parts]))


def cat(*parts) -> Texts:
    """Element-wise concatenation of text arrays and plain strings (no missing values);
    a list stands for its items in order (so helpers can return pieces, not joined text).

    Each distinct combination of the array parts is joined once (one ``str.join``)."""
    flat: list = []
    for part in parts:
        flat.extend(part) if isinstance(part, list) else flat.append(part)
    flat = [part if isinstance(part, str) else Texts.of(part) for part in flat]
    arrays = [part for part in flat if not isinstance(part, str)]
    length = len(arrays[0])
    # One integer key per row naming its combination of distinct pieces.
    key = np.zeros(length, dtype=np.int64)
    size = 1
    for part in arrays:
        count = len(part.uniques)
        if size * count >= 2**62:
            codes, distinct = pd.factorize(key)
            key, size = codes.astype(np.int64), len(distinct)
        key = key * count + part.codes
        size *= count
    codes, distinct = pd.factorize(key)
    # pd.factorize numbers combinations in order of appearance: a row is a combination's
    # first when its code exceeds every earlier code.
    first = np.ones(length, dtype=bool)
    if length > 1:
        first[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    rows = np.flatnonzero(first)
    columns = [itertools.repeat(part, len(rows)) if isinstance(part, str)
               else part.uniques[part.codes[rows]] for part in flat]
    return Texts(codes, _object_array(["".join(row) for row in zip(*columns)]))


def _fmt_number(value, digits: int = 2) -> str:
    if value is None or np.isnan(value):
        return "空"
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:,.0f}"
    return "0" if text in ("-0", "") else text


def _numbers_as_texts(values, func: Callable[[float], str]) -> Texts:
    codes, uniques = pd.factorize(np.asarray(values, dtype=float), use_na_sentinel=True)
    # Python floats format as np.float64 does (a float subclass), only faster
    distinct = [func(value) for value in uniques.tolist()] + [func(np.nan)]   # code -1 -> NaN
    return Texts(np.where(codes < 0, len(distinct) - 1, codes), _object_array(distinct))


def fmt(values, digits: int = 2) -> Texts:
    """Numbers as short text ("3.75", "5", "1,972.41"; NaN -> "空") — ``_fmt_number`` of each
    distinct value."""
    spec = f",.{digits}f"

    def one(value: float) -> str:
        if value != value:   # NaN
            return "空"
        text = format(value, spec).rstrip("0").rstrip(".") if digits else format(value, spec)
        return "0" if text in ("-0", "") else text

    return _numbers_as_texts(values, one)


def pct(values, digits: int = 2) -> Texts:
    """Fractions as percentages ("88.49%")."""
    spec = f".{digits}f"

    def one(v: float) -> str:
        if v != v:   # NaN
            return "空"
        text = format(v, spec)
        return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"

    return _numbers_as_texts(np.asarray(values, dtype=float) * 100, one)


def _blank_if_missing(value):
    return "" if is_missing(value) else value


def txt(values) -> Texts:
    """Text values ('' for missing)."""
    return Texts.of(values, _blank_if_missing)


def _plain(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def or_blank(values, blank: str = "空") -> Texts:
    return Texts.of(values, lambda value: blank if isinstance(value, str) and value == "" else value)


class Findings:
    """Collects finding pieces.  Each piece is a row mask over a table; the message is a
    function of ``take`` (which restricts an array to the masked rows), so the text is only
    ever built for the rows that have the finding."""

    def __init__(self, code_order: Mapping[str, int]) -> None:
        self.code_order = dict(code_order)   # code -> rank: the last sort key (registry order)
        self.parts: list[dict] = []
        self._whole: dict[tuple[str, int], tuple[object, np.ndarray]] = {}

    def _converted(self, kind: str, value, convert) -> np.ndarray:
        """``convert(value)`` for a whole column, once per column (restricted per finding)."""
        hit = self._whole.get((kind, id(value)))
        if hit is None or hit[0] is not value:
            hit = (value, convert(value))   # holding the value keeps its id unique
            self._whole[(kind, id(value))] = hit
        return hit[1]

    def _objects(self, series: pd.Series) -> np.ndarray:
        return self._converted("objects", series, lambda s: np.asarray(s.array, dtype=object))

    def _row_numbers(self, row) -> np.ndarray:
        def convert(value):
            if isinstance(value, pd.Series) and value.dtype.kind in "iufb":
                return value.to_numpy(dtype=float, na_value=np.nan)
            values = np.asarray(value.array if isinstance(value, pd.Series) else value, dtype=object)
            return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(float)
        return self._converted("rows", row, convert)

    def add(self, code: str, severity: str, mask: np.ndarray, *, unit_code: np.ndarray, sheet,
            row, column, indicator, message) -> None:
        rows_at = np.flatnonzero(np.asarray(mask, dtype=bool))   # positions: cheaper than a mask
        count = len(rows_at)
        if not count:
            return

        def take(value):
            if isinstance(value, str) or value is None:
                return value
            if isinstance(value, Texts):
                return value.take(rows_at)
            if isinstance(value, pd.Series):
                return self._objects(value)[rows_at]
            return np.asarray(value)[rows_at]

        def column_of(value):
            picked = take(value)
            if isinstance(picked, str) or picked is None:
                return np.full(count, picked, dtype=object)
            return np.asarray(picked, dtype=object)

        text = message(take) if callable(message) else take(message)
        if isinstance(text, str):
            text = np.full(count, text, dtype=object)
        rows = np.full(count, np.nan) if row is None else self._row_numbers(row)[rows_at]
        self.parts.append({
            "_unit": np.asarray(take(unit_code), dtype=np.int64),
            "_code": np.full(count, self.code_order[code], dtype=np.int64),
            "_severity": np.full(count, SEVERITY_ORDER[severity], dtype=np.int64),
            "sheet": column_of(sheet),
            "row": rows,
            "column": column_of(column),
            "indicator": column_of(indicator),
            "message": np.asarray(text, dtype=object),
        })

    def frame(self, unit_ids: pd.Index) -> pd.DataFrame:
        """All pieces as one DataFrame (FINDING_COLUMNS), by unit, severity, row, code."""
        if not self.parts:
            frame = pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
            frame["row"] = frame["row"].astype("Int64")
            return frame
        joined = {key: np.concatenate([part[key] for part in self.parts]) for key in self.parts[0]}
        row_rank = np.where(np.isnan(joined["row"]), 2**31, joined["row"])
        order = np.lexsort((joined["_code"], row_rank, joined["_severity"], joined["_unit"]))
        codes_list = np.array(list(self.code_order), dtype=object)
        severities = np.array(sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.get), dtype=object)
        columns = {
            "unit_id": np.asarray(unit_ids, dtype=object)[joined["_unit"][order]],
            "code": codes_list[joined["_code"][order]],
            "severity": severities[joined["_severity"][order]],
            "sheet": joined["sheet"][order],
            "row": pd.array(joined["row"][order], dtype="Int64"),
            "column": joined["column"][order],
            "indicator": joined["indicator"][order],
            "message": joined["message"][order],
        }
        return pd.DataFrame({name: (values if name == "row" else pd.Series(values, dtype=object))
                             for name, values in columns.items()})[list(FINDING_COLUMNS)]


# -- message templates ------------------------------------------------------------------

@dataclass(frozen=True)
class Fragment:
    """Another template of the same check, filled with the same fields (a constant choice)."""

    name: str


@dataclass(frozen=True, eq=False)
class Choice:
    """Per row, the first fragment whose condition holds, else ``default`` (a fragment name,
    or None for no text).  A condition is a whole-column boolean array, or a function of
    ``take`` giving the kept rows' booleans."""

    cases: tuple[tuple[Any, str], ...]
    default: str | None = None

    def __init__(self, cases, default: str | None = None) -> None:
        object.__setattr__(self, "cases", tuple((condition, name) for condition, name in cases))
        object.__setattr__(self, "default", default)


_SPECS: dict[str, Callable[[Any], "Texts"]] = {
    "num": lambda v: fmt(v), "num0": lambda v: fmt(v, 0), "pct": lambda v: pct(v),
    "pct0": lambda v: pct(v, 0), "text": txt, "or_blank": lambda v: or_blank(txt(v)),
}
ARRAY_SPECS = tuple(_SPECS)


@lru_cache(maxsize=None)
def parse_template(template: str) -> tuple[tuple[str, str | None, str], ...]:
    """(literal text, field name or None, format spec) pieces of a template."""
    return tuple((literal, name, spec or "")
                 for literal, name, spec, _ in string.Formatter().parse(template))


def template_fields(template: str) -> set[str]:
    """The field names a template uses."""
    return {name for _, name, _ in parse_template(template) if name is not None}


def _scalar(value, spec: str) -> str:
    if spec in _SPECS:
        if isinstance(value, str):
            return value
        if spec == "num":
            return _fmt_number(float(value))
        if spec == "num0":
            return _fmt_number(float(value), 0)
        return np.asarray(_SPECS[spec](np.array([value], dtype=float if spec.startswith("pct")
                                                  else object)))[0]
    return format(value, spec) if spec else str(value)


def render(name: str, templates: Mapping[str, str], fields: Mapping[str, Any],
           take: Callable[[Any], Any]):
    """Template ``name`` of ``templates`` filled from ``fields`` for the rows ``take`` keeps:
    a :class:`Texts` (or a str when no field varies by row)."""
    pieces: list = []
    for literal, field, spec in parse_template(templates[name]):
        if literal:
            pieces.append(literal)
        if field is None:
            continue
        value = fields[field]
        if isinstance(value, Fragment):
            pieces.append(render(value.name, templates, fields, take))
        elif isinstance(value, Choice):
            rendered = [render(case, templates, fields, take) for _, case in value.cases]
            default = "" if value.default is None else render(value.default, templates, fields, take)
            if all(isinstance(piece, str) for piece in [*rendered, default]) and not value.cases:
                pieces.append(default)
            else:
                conditions = [np.asarray(condition(take) if callable(condition) else take(condition),
                                         dtype=bool) for condition, _ in value.cases]
                pieces.append(choose(conditions, rendered, default))
        elif isinstance(value, (str, int, float, np.integer, np.floating, bool)) or value is None:
            pieces.append(_scalar(value, spec))
        else:
            column = value(take) if callable(value) and not isinstance(value, Texts) else take(value)
            if spec in _SPECS:
                column = _SPECS[spec](column)
            elif spec:
                raise ValueError(f"unknown format spec {spec!r} for field {field!r} in {name!r}")
            pieces.append(column)
    if all(isinstance(piece, str) for piece in pieces):
        return "".join(pieces)
    return cat(*pieces)


def render_message(message: "str | Choice", templates: Mapping[str, str], fields: Mapping[str, Any],
                   take: Callable[[Any], Any]):
    """A hit's message: template ``message``, or per row the template a :class:`Choice` picks."""
    if isinstance(message, str):
        return render(message, templates, fields, take)
    return render("_message", {**templates, "_message": "{_choice}"}, {**fields, "_choice": message},
                  take)
