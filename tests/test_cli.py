"""The `perfnb` console script as a user meets it: real subprocesses, exit codes, stdout/stderr."""
from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perfnb.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "params" / "nmg-rd-2022-rdlz.yaml"
SICHUAN = ROOT / "params" / "sc-lx-2023-gbzn.yaml"


def perfnb(*args) -> subprocess.CompletedProcess:
    """Run the console script's main() in-process (fast), capturing what a user would see."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse usage errors
            code = exit_.code
    return subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue())


def perfnb_process(*args) -> subprocess.CompletedProcess:
    """The installed console script in a real process."""
    return subprocess.run([sys.executable, "-m", "perfnb.cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


@pytest.fixture(scope="module")
def seed_json() -> dict:
    result = perfnb("score", SEED, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_score_json_gives_the_seed_figures(seed_json):
    assert seed_json["total"] == 97.6
    assert seed_json["grade"] == "优"
    budget = seed_json["budget"]
    assert budget["rate"] == pytest.approx(0.8849)
    assert (budget["weight"], budget["score"], budget["reported_score"]) == (10.0, 8.85, 8.85)
    dimensions = {d["name"]: (d["weight"], d["score"]) for d in seed_json["dimensions"]}
    assert dimensions == {"预算执行率": (10.0, 8.85), "产出指标": (50.0, 48.75),
                          "效益指标": (30.0, 30.0), "满意度指标": (10.0, 10.0)}


def test_score_json_keeps_the_field_contract(seed_json):
    for key in ("total", "grade", "budget", "dimensions", "indicators", "findings"):
        assert key in seed_json
    for key in ("rate", "weight", "score", "reported_score"):
        assert key in seed_json["budget"]
    indicator_keys = {"level1", "level2", "name", "operator", "target", "actual", "unit", "weight",
                      "score", "reported_score", "status"}
    for indicator in seed_json["indicators"]:
        assert indicator_keys <= set(indicator)
    for finding in seed_json["findings"]:
        assert {"code", "severity", "location", "message"} <= set(finding)
        assert finding["severity"] in {"error", "warning", "info"}


def test_score_json_lists_the_seed_findings(seed_json):
    found = {(f["code"], (f["location"] or {}).get("indicator") or "") for f in seed_json["findings"]}
    codes = {code for code, _ in found}
    assert {"SCORE_MISMATCH", "SUBTOTAL_MISMATCH", "MISSING_DEVIATION_REASON", "OVER_ACHIEVEMENT",
            "DIRECTION_CONFLICT", "LOW_EXECUTION"} <= codes
    assert "TOTAL_MISMATCH" not in codes
    e1 = next(i for i in seed_json["indicators"] if i["name"].startswith("E1"))
    assert (e1["score"], e1["reported_score"]) == (10.0, 9.5)
    c14 = next(i for i in seed_json["indicators"] if i["name"].startswith("C14"))
    assert c14["score"] == 3.75


def test_score_prints_a_readable_table_and_exits_0_despite_findings():
    result = perfnb("score", SEED)
    assert result.returncode == 0, result.stderr
    assert "总分：97.60" in result.stdout and "等级：优" in result.stdout
    assert "SCORE_MISMATCH" in result.stdout


def test_unit_yaml_rules_apply_unless_overridden():
    own = json.loads(perfnb("score", SICHUAN, "--json").stdout)
    central = json.loads(perfnb("score", SICHUAN, "--json", "--rules", "central").stdout)
    assert own["rules"]["name"] == "sichuan"
    assert central["rules"]["name"] == "central"


@pytest.mark.parametrize("args, fragment", [
    (["score", "no-such-file.xlsx"], "no-such-file.xlsx"),
    # a folder is screened now (perfnb score FILE_OR_DIR ...); --form needs one file
    (["score", "params", "--form", "2"], "--form"),
    (["score", "no-such-folder/", "params"], "no-such-folder"),
    (["score", SEED, "--rules", "no-such-rules"], "no-such-rules"),
])
def test_bad_input_exits_2_in_chinese_without_traceback(args, fragment):
    result = perfnb(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert fragment in result.stderr
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.stderr)


def test_bad_yaml_names_the_line(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("unit_id: a\ndata: [unclosed\n", encoding="utf-8")
    result = perfnb("score", broken)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "broken.yaml" in result.stderr and "行" in result.stderr


def test_a_real_process_exits_2_without_traceback_and_debug_shows_one():
    plain = perfnb_process("score", "no-such-file.xlsx")
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert "no-such-file.xlsx" in plain.stderr
    debug = perfnb_process("--debug", "score", "no-such-file.xlsx")
    assert debug.returncode == 2 and "Traceback" in debug.stderr


def test_usage_error_is_exit_2():
    result = perfnb("score")
    assert result.returncode == 2 and "命令参数有误" in result.stderr


def test_template_writes_a_workbook_that_refuses_to_be_overwritten(tmp_path):
    target = tmp_path / "自评表.xlsx"
    assert perfnb("template", target).returncode == 0
    assert {"项目信息", "预算执行", "绩效指标"} <= set(load_workbook(target).sheetnames)
    again = perfnb("template", target)
    assert again.returncode == 2 and "--force" in again.stderr
    assert perfnb("template", target, "--force").returncode == 0


def test_rules_lists_the_builtin_rule_sets():
    result = perfnb("rules")
    assert result.returncode == 0
    assert "central" in result.stdout and "sichuan" in result.stdout
    shown = perfnb("rules", "sichuan")
    assert shown.returncode == 0 and "sichuan" in shown.stdout


def test_perfnb_lab_serves_the_evaluation_templates(tmp_path):
    """`perfnb lab` starts a real JupyterLab on notebooks/: its contents API lists the
    templates and hands out the evaluation notebook with its parameters cell."""
    import os
    import re
    import select
    import time
    import urllib.error
    import urllib.request

    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    token = "perfnb-test"
    process = subprocess.Popen(
        [sys.executable, "-m", "perfnb.cli", "lab", "--", "--no-browser", "--ServerApp.ip=127.0.0.1",
         "--ServerApp.port=0", f"--IdentityProvider.token={token}",
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        address, output, deadline = None, [], time.monotonic() + 90
        while address is None and time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 1)
            if ready:
                line = process.stdout.readline()
                if not line and process.poll() is not None:
                    break
                output.append(line)
                match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
                address = match.group(1) if match else None
        assert address, "JupyterLab did not start:\n" + "".join(output)

        def get(path: str) -> dict:
            request = urllib.request.Request(f"{address}{path}",
                                             headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read().decode("utf-8"))

        # The address is logged just before the server accepts connections: retry a moment.
        while True:
            try:
                listing = get("/api/contents")
                break
            except urllib.error.URLError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        names = {item["name"] for item in listing["content"]}
        assert {"evaluation.ipynb", "summary.ipynb"} <= names
        notebook = get("/api/contents/evaluation.ipynb")["content"]
        tags = [cell["metadata"].get("tags", []) for cell in notebook["cells"]]
        assert ["parameters"] in tags
        with urllib.request.urlopen(f"{address}/lab", timeout=30) as response:
            assert response.status == 200  # the JupyterLab page itself (login or app)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # Stopping `perfnb lab` stops JupyterLab: no server is left answering on its address.
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{address}/api/status", timeout=5)
