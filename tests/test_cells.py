"""perfnb.cells: the one helper for a missing value, a blank one and a value as text, which
the data model, the terminal text, the HTML/Typst tables, the narrative report, the Office
files, scoring, the panel and the runner all use (each once had its own, and they disagreed:
the Word report took pandas.NA for a value, the narrative report took NaT and float32 NaN for
text, three of them took the text "nan" for a missing number)."""
from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from perfnb.cells import as_text, is_blank, is_missing

# value, is_missing, is_blank, as_text
EDGES = [
    (None, True, True, ""),
    (float("nan"), True, True, ""),
    (np.nan, True, True, ""),
    (np.float32("nan"), True, True, ""),
    (pd.NA, True, True, ""),
    (pd.NaT, True, True, ""),
    (np.datetime64("NaT"), True, True, ""),
    (Decimal("NaN"), True, True, ""),
    ("", False, True, ""),
    ("  \t\n", False, True, ""),
    ("\u3000", False, True, ""),                 # an ideographic space is whitespace too
    ("nan", False, False, "nan"),                # text a unit wrote is shown as written
    ("None", False, False, "None"),
    (" 达成 ", False, False, "达成"),
    (0, False, False, "0"),
    (0.0, False, False, "0.0"),
    (False, False, False, "False"),
    (float("inf"), False, False, "inf"),
    (Decimal("1.50"), False, False, "1.50"),
    (pd.Timestamp("2024-04-20"), False, False, "2024-04-20 00:00:00"),
    (["a", "b"], False, False, "['a', 'b']"),    # a list is a value, not an array of cells
]


@pytest.mark.parametrize("value, missing, blank, text", EDGES, ids=[repr(e[0]) for e in EDGES])
def test_each_edge(value, missing, blank, text):
    assert (is_missing(value), is_blank(value), as_text(value)) == (missing, blank, text)


def test_a_numpy_array_is_no_missing_value():
    assert not is_missing(np.array([np.nan, 1.0])) and not is_missing(np.array([]))


def test_the_light_modules_stay_free_of_pandas():
    """The Typst markup and the PDF writer use the helper in nbconvert's export, which never
    loads pandas (half a second a process): importing them must not load it."""
    code = ("import sys, perfnb.cells, perfnb.reporting.typst_markup, perfnb.reporting.pdf; "
            "print('pandas' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
