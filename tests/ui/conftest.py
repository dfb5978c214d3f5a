"""Fixtures of the browser tests: a JupyterLab server and headless Chromium, both always
stopped; on a failure the page's screenshot, HTML, browser console and state are kept in the
test's tmp dir (LabPage.save_failure) and the server log's tail is printed."""
from __future__ import annotations

import os

import pytest

import lab_driver


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the item, so fixtures can tell a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.fixture
def browser_paths():
    """Chromium and chromedriver; without them the test is skipped locally, but fails under
    CI=true (.ci/run installs them, so a missing browser there is a broken CI, not a skip)."""
    try:
        return lab_driver.find_browser()
    except lab_driver.BrowserMissing as missing:
        if _ci():
            pytest.fail(f"CI=true, but {missing}", pytrace=False)
        pytest.skip(str(missing))


@pytest.fixture
def lab(tmp_path, browser_paths):
    """The seed unit and evaluation notebook in tmp_path, served by ``jupyter lab``."""
    lab_driver.prepare_unit(tmp_path)
    server = lab_driver.JupyterLab(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def page(request, tmp_path, lab, browser_paths):
    driver = lab_driver.start_browser(tmp_path, *browser_paths)
    page_ = lab_driver.LabPage(driver)
    yield page_
    try:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            kept = page_.save_failure(tmp_path)
            print(f"browser test failed: kept {', '.join(map(str, kept))}; "
                  f"server log {lab.log}:\n{lab.log_tail()}")
    finally:
        driver.quit()
