"""Shared by every test folder: the helper modules beside this file (tables, xlsx_builders)
are importable from tests/<layer>/ too.

The folders mirror perfnb's layout: reading/, evaluation/, reporting/, running/; tests of the
top-level modules (the CLI, the notebook helpers, fsutil) stay here.
"""
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))
