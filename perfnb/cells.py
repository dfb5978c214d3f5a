"""One cell's value: missing, blank, as text — the single helper every layer uses.

A value is *missing* when it is not there at all: None, NaN (Python and numpy floats,
Decimal), pandas' NA and NaT.  Text is never missing, not even "" or "nan": a unit may write
that, and a report shows what was written.  A value is *blank* when it is missing or text
with nothing but whitespace; :func:`as_text` gives the trimmed text of a value, "" for a
blank one.

Shared layer, and free of pandas on purpose: the Typst markup and the PDF exporter use it
in processes that never load pandas (nbconvert's export), so pandas' NA and NaT are known by
their type names and NaN as the value unequal to itself.
"""
from __future__ import annotations

__all__ = ["is_missing", "is_blank", "as_text"]

# pandas.NA and pandas.NaT, recognised without importing pandas
_MISSING_TYPE_NAMES = frozenset({"NAType", "NaTType"})


def is_missing(value) -> bool:
    """True for None, NaN (float, numpy floating, Decimal; numpy's NaT), pandas.NA, pandas.NaT."""
    if value is None:
        return True
    if isinstance(value, (str, bytes, int)):   # int covers bool
        return False
    if type(value).__name__ in _MISSING_TYPE_NAMES:
        return True
    try:
        return bool(value != value)   # NaN is the one value unequal to itself
    except (TypeError, ValueError, ArithmeticError):   # arrays, a signalling Decimal NaN
        return False


def is_blank(value) -> bool:
    """True for a missing value (:func:`is_missing`), "" and whitespace-only text."""
    if isinstance(value, str):
        return not value.strip()
    return is_missing(value)


def as_text(value) -> str:
    """A value as text for a report: trimmed, "" for a blank or missing value."""
    return "" if is_blank(value) else str(value).strip()
