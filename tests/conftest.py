"""Shared by every test folder: the helper modules beside this file (tables, xlsx_builders)
are importable from tests/<layer>/ too.

The folders mirror perfnb's layout: reading/, evaluation/, reporting/, running/; tests of the
top-level modules (the CLI, the notebook helpers, fsutil) stay here.
"""
import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

# Every result.json a test run writes (also in batch workers, which inherit it) is validated
# against the shipped schema before it is written (perfnb.running.runner.result_json).
os.environ.setdefault("PERFNB_CHECK_RESULTS", "1")


import os  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _no_user_config_for_session_fixtures(tmp_path_factory):
    """Session fixtures (the shared signed archive) run before the per-test fixture below:
    they must not write the developer's configuration either (perfnb sign remembers the
    ledger head under $XDG_CONFIG_HOME/perfnb)."""
    saved = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.getbasetemp() / "xdg-config-session")
    yield
    if saved is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = saved


@pytest.fixture(autouse=True)
def _no_user_trusted_keys(tmp_path_factory, monkeypatch):
    """Tests never read the developer's own perfnb configuration (trusted keys)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "xdg-config"))
    monkeypatch.delenv("PERFNB_TRUSTED_KEY", raising=False)
    monkeypatch.delenv("PERFNB_KEY_PASSPHRASE", raising=False)
