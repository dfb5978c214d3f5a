"""perfnb batch: failure isolation, resume, --force, kill -9 and rerun, security, summaries.

Executing notebooks costs seconds, so one small batch (three units, HTML only) is run once
per module and shared; the kill -9 test runs its own two-unit batch in a subprocess.
"""
from __future__ import annotations

import ast
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook

from perfnb.cli import main
from perfnb.fsutil import safe_component
from perfnb.running.manifest import MANIFEST_NAME, Manifest, verify

PARAMS = Path(__file__).resolve().parents[2] / "params"
# A unit id that tries to escape the output folder and carries quotes, a backslash, a newline.
NASTY_UNIT_ID = '../../逃逸"单位\'\\x\n第二行'
NASTY_TEXT = '引号"与\'单引号\'、反斜杠\\n 不是换行\n真换行\t制表'


def _copy_unit(source: str, folder: Path, name: str, **changes) -> Path:
    """Copy a sample unit YAML (and its data file and its review, if any) into ``folder``,
    with changed keys."""
    import yaml

    settings = yaml.safe_load((PARAMS / source).read_text(encoding="utf-8"))
    data = PARAMS / settings["data"]
    (folder / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy(data, folder / "data" / data.name)
    settings["data"] = f"data/{data.name}"
    if settings.get("review"):
        review = PARAMS / settings["review"]
        (folder / "reviews").mkdir(parents=True, exist_ok=True)
        shutil.copy(review, folder / "reviews" / review.name)
        settings["review"] = f"reviews/{review.name}"
    settings.update(changes)
    path = folder / name
    path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _broken_unit(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "data" / "broken.csv").write_text("毫无关系的列,另一列\n1,2\n", encoding="utf-8")
    path = folder / "broken.yaml"
    path.write_text('unit_id: "broken-1"\ndepartment: 测试厅\nproject: 坏数据\nyear: 2023\n'
                    "data: data/broken.csv\nbudget: {initial: 10, executed: 9, weight: 10}\n",
                    encoding="utf-8")
    return path


def _batch(*argv) -> int:
    return main(["batch", *map(str, argv)])


def _build_batch(root: Path) -> dict:
    inputs = root / "inputs"
    _copy_unit("007.yaml", inputs, "nasty.yaml", unit_id=NASTY_UNIT_ID,
               evaluation={"problems": NASTY_TEXT, "measures": "", "plans": "", "notes": ""})
    _copy_unit("nmg-rd-2022-rdlz.yaml", inputs, "nmg.yaml")
    _broken_unit(inputs)
    out = root / "out"
    code = _batch(inputs, "--out", out, "--formats", "html", "--jobs", "2")
    (root / "exit_code").write_text(str(code))
    return {"inputs": inputs, "out": out, "code": code}


@pytest.fixture(scope="session")
def batch(tmp_path_factory, worker_id):
    """One three-unit batch per test session, shared by all xdist workers (built once)."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if worker_id != "master" else base) / "perfnb-shared-batch"
    root.mkdir(exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / "exit_code").exists():
            built = {"inputs": root / "inputs", "out": root / "out",
                     "code": int((root / "exit_code").read_text())}
        else:
            built = _build_batch(root)
    built["manifest"] = json.loads((built["out"] / MANIFEST_NAME).read_text(encoding="utf-8"))
    return built


@pytest.fixture
def batch_copy(batch, tmp_path):
    """A private copy of the shared batch (inputs and outputs) for tests that change it."""
    shutil.copytree(batch["inputs"], tmp_path / "inputs")
    shutil.copytree(batch["out"], tmp_path / "out")
    return {"inputs": tmp_path / "inputs", "out": tmp_path / "out",
            "manifest": batch["manifest"]}


def _unit(manifest: dict, unit_id: str) -> dict:
    (entry,) = [e for e in manifest["units"].values() if e["unit_id"] == unit_id]
    return entry


def test_broken_unit_fails_alone(batch):
    assert batch["code"] == 1
    manifest = batch["manifest"]
    broken = _unit(manifest, "broken-1")
    assert broken["status"] == "failed" and "broken-1" in broken["message"]
    # its executed notebook, with the error, is kept and listed
    notebook_name = "测试厅/broken-1/evaluation.ipynb"
    assert notebook_name in broken["files"]
    notebook = nbformat.read(batch["out"] / notebook_name, as_version=4)
    assert any(o.get("output_type") == "error" for c in notebook.cells for o in c.get("outputs", []))
    for unit_id in (NASTY_UNIT_ID, "nmg-rd-2022-rdlz"):
        entry = _unit(manifest, unit_id)
        assert entry["status"] == "passed", entry["message"]
        assert {Path(f).name for f in entry["files"]} == {"evaluation.ipynb", "report.html",
                                                         "result.json"}


def test_manifest_records_inputs_environment_and_where(batch):
    manifest = batch["manifest"]
    entry = _unit(manifest, "nmg-rd-2022-rdlz")
    assert [Path(i["path"]).name for i in entry["inputs"]] == ["nmg.yaml", "nmg-rd-2022-rdlz.xlsx"]
    assert all(len(i["sha256"]) == 64 for i in entry["inputs"])
    assert entry["host"] and entry["pid"] and entry["seconds"] > 0
    assert entry["started"].endswith(("+00:00", "Z")) or "+" in entry["started"][19:] \
        or "-" in entry["started"][19:]
    assert manifest["rules"]["name"] == "central" and len(manifest["rules"]["sha256"]) == 64
    assert len(manifest["template"]["sha256"]) == 64
    assert manifest["environment"]["packages"]["papermill"]
    assert manifest["perfnb_version"]
    assert verify(batch["out"]).ok


def test_nasty_unit_id_stays_inside_and_reaches_the_notebook_unchanged(batch):
    out = batch["out"]
    entry = _unit(batch["manifest"], NASTY_UNIT_ID)
    folder = out / entry["out_dir"]
    assert folder.parent.parent == out.resolve() or folder.parent.parent.resolve() == out.resolve()
    assert folder.name == safe_component(NASTY_UNIT_ID)
    assert not any(p.name == "逃逸" or "逃逸" in p.name for p in out.parent.iterdir())
    notebook = nbformat.read(folder / "evaluation.ipynb", as_version=4)
    (injected,) = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    values = {}
    for node in ast.parse(injected.source).body:
        values[node.targets[0].id] = ast.literal_eval(node.value)
    assert values["unit_id"] == NASTY_UNIT_ID
    result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    assert result["unit_id"] == NASTY_UNIT_ID
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "引号" in html  # the evaluator's text with quotes made it into the report


def test_summaries_equal_the_units_results(batch):
    out = batch["out"]
    results = {}
    for entry in batch["manifest"]["units"].values():
        path = out / entry["out_dir"] / "result.json"
        if path.exists():
            results[entry["unit_id"]] = json.loads(path.read_text(encoding="utf-8"))
    assert set(results) == {NASTY_UNIT_ID, "nmg-rd-2022-rdlz"}
    sheet = load_workbook(out / "summary.xlsx").active
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2" and header[:5] == ["主管部门", "单位编号", "项目名称", "总分", "等级"]
    rows = {row[1]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == set(results)
    for unit_id, result in results.items():
        row = rows[unit_id]
        assert row["总分"] == pytest.approx(result["total"]) and row["等级"] == result["grade"]
        assert row["预算执行率"] == pytest.approx(result["budget"]["rate"])
        for dimension in result["dimensions"]:
            assert row[f"{dimension['name']}得分"] == pytest.approx(dimension["score"])
        for severity, label in (("error", "错误"), ("warning", "警告"), ("info", "提示")):
            assert row[f"审核发现（{label}）"] == result["counts"][severity]
    # the executed department and batch summaries show the same totals
    for notebook_path in (out / "summary.ipynb", out / "内蒙古自治区人大常委会办公厅" / "summary.ipynb"):
        notebook = nbformat.read(notebook_path, as_version=4)
        text = "".join(o.get("data", {}).get("text/plain", "") for c in notebook.cells
                       for o in c.get("outputs", []) if o.get("output_type") == "execute_result")
        assert f"{results['nmg-rd-2022-rdlz']['total']:.2f}".rstrip("0") in text
        assert (notebook_path.with_suffix(".html")).stat().st_size > 1000
    batch_notebook = nbformat.read(out / "summary.ipynb", as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in batch_notebook.cells], ensure_ascii=False)
    assert "共 2 个单位" in outputs


def test_rerun_skips_unchanged_units(batch_copy, capsys):
    batch = batch_copy
    out = batch["out"]
    capsys.readouterr()
    assert _batch(batch["inputs"], "--out", out, "--formats", "html") == 1  # broken still fails
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert _unit(manifest, "nmg-rd-2022-rdlz")["pid"] == _unit(batch["manifest"],
                                                                "nmg-rd-2022-rdlz")["pid"]
    assert capsys.readouterr().out.count("跳过（未变化）") == 2
    # a changed input changes that unit's fingerprint only (so only it would rerun)
    from perfnb.running.batch import Batch, discover_inputs, plan_jobs

    def fingerprints():
        args = type("Args", (), {"inputs": [batch["inputs"]], "out": out, "formats": "html"})()
        runner = Batch(args)
        context = {"perfnb": manifest["perfnb_version"],
                   "perfnb_code": manifest["environment"]["perfnb_code_sha256"],
                   "rules_sha256": manifest["rules"]["sha256"],
                   "template_sha256": manifest["template"]["sha256"], "formats": ["html"]}
        return {job.unit_id: job.fingerprint
                for job in plan_jobs(discover_inputs(runner.inputs, out), out, context)}

    before = fingerprints()
    assert before["nmg-rd-2022-rdlz"] == _unit(manifest, "nmg-rd-2022-rdlz")["fingerprint"]
    nmg = batch["inputs"] / "data" / "nmg-rd-2022-rdlz.xlsx"
    nmg.write_bytes(nmg.read_bytes())  # same bytes: still up to date
    assert fingerprints() == before
    (batch["inputs"] / "nmg.yaml").write_text(
        (batch["inputs"] / "nmg.yaml").read_text(encoding="utf-8") + "# 修改\n", encoding="utf-8")
    after = fingerprints()
    assert after["nmg-rd-2022-rdlz"] != before["nmg-rd-2022-rdlz"]
    assert after[NASTY_UNIT_ID] == before[NASTY_UNIT_ID]


def test_updated_perfnb_code_reruns_every_unit(batch_copy, capsys, monkeypatch):
    """A checkout updated in place keeps its version number; its code hash changes, and no
    report made by the old code may pass as up to date."""
    import perfnb.running.batch
    from perfnb.running.provenance import code_sha256

    out = batch_copy["out"]
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["environment"]["perfnb_code_sha256"] == code_sha256()
    monkeypatch.setattr(perfnb.running.batch, "code_sha256", lambda: "0" * 64)
    capsys.readouterr()
    assert _batch(batch_copy["inputs"], "--out", out, "--formats", "html") == 1  # broken fails
    assert "跳过（未变化）" not in capsys.readouterr().out
    rerun = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert _unit(rerun, "nmg-rd-2022-rdlz")["fingerprint"] != _unit(
        manifest, "nmg-rd-2022-rdlz")["fingerprint"]


def test_tampering_is_detected_on_a_real_batch(batch, tmp_path, capsys):
    out = tmp_path / "copy"
    shutil.copytree(batch["out"], out)
    assert main(["verify", str(out)]) == 0
    report = next(out.rglob("report.html"))
    data = bytearray(report.read_bytes())
    data[len(data) // 2] ^= 0x20
    report.write_bytes(bytes(data))
    (out / "summary.html").unlink()
    (out / "新增.txt").write_text("x", encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "已被改动：" in printed and report.name in printed
    assert "缺失：summary.html" in printed and "未列入清单：新增.txt" in printed


def test_bad_invocations_exit_2(tmp_path, capsys):
    assert _batch(tmp_path / "nowhere.yaml", "--out", tmp_path / "o") == 2
    assert "不存在" in capsys.readouterr().err
    assert _batch(PARAMS / "007.yaml", "--out", tmp_path / "o", "--formats", "html,gif") == 2
    assert "--formats" in capsys.readouterr().err
    assert _batch(PARAMS / "007.yaml", "--out", tmp_path / "o", "--jobs", "0") == 2
    assert _batch(PARAMS, "--out", tmp_path / "o", "--department", "不存在的部门") == 2
    assert "不存在的部门" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _batch(empty, "--out", tmp_path / "o") == 2


def test_folder_discovery_skips_referenced_data_files():
    from perfnb.running.batch import discover_inputs

    found = discover_inputs([str(PARAMS)])
    assert all(p.suffix == ".yaml" for p in found) and len(found) == len(list(PARAMS.glob("*.yaml")))


def test_force_killed_with_kill_9_then_rerun_finishes_the_job(batch_copy):
    """--force reruns every unit; kill -9 after its first unit; the rerun completes the rest."""
    inputs, out, before = batch_copy["inputs"], batch_copy["out"], batch_copy["manifest"]
    command = [sys.executable, "-m", "perfnb.cli", "batch", str(inputs), "--out", str(out),
               "--formats", "html", "--jobs", "1", "--force"]
    launched = time.time()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)

    def fresh_results():
        return [p for p in out.glob("*/*/result.json") if p.stat().st_mtime >= launched]

    try:
        deadline = time.monotonic() + 180
        while not fresh_results() and time.monotonic() < deadline:
            assert process.poll() is None, "the batch ended before it could be killed"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        with pytest.raises(ProcessLookupError):  # leave no orphans behind
            for _ in range(50):
                os.killpg(process.pid, signal.SIGKILL)
                time.sleep(0.1)
    # nothing half-written passes as complete: every unit the manifest lists verifies,
    # and the units not finished by the killed run are not listed
    killed = Manifest.load(out)
    for entry in killed.units.values():
        assert killed.files_verify(entry["files"])
    assert len(killed.units) < 3
    assert main(["batch", str(inputs), "--out", str(out), "--formats", "html"]) == 1  # broken unit
    assert not verify(out).changed and not verify(out).missing and not verify(out).unlisted
    final = Manifest.load(out)
    assert sorted(e["unit_id"] for e in final.units.values()) == sorted(
        [NASTY_UNIT_ID, "broken-1", "nmg-rd-2022-rdlz"])
    for entry in final.units.values():  # every unit ran again (forced, or after the kill)
        assert entry["started"] > _unit(before, entry["unit_id"])["started"]
    assert _unit(final.data, "nmg-rd-2022-rdlz")["status"] == "passed"
    assert not [p for p in out.rglob("*.tmp")]


def test_progress_is_one_line_per_item_in_a_log_and_a_bar_on_a_terminal():
    import io

    from perfnb.running.batch import _progress

    log = io.StringIO()
    bar = _progress(3, log)
    bar.set_postfix_str("成功 1，失败 0", refresh=False)
    bar.update(1)
    bar.update(1)
    bar.close()
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in log.getvalue()
    assert lines[0].startswith("批量评价：1/3，已用 00:0") and lines[0].endswith("成功 1，失败 0")
    assert lines[1].startswith("批量评价：2/3")

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    bar = _progress(2, terminal)
    bar.update(2)
    bar.close()
    assert "\r" in terminal.getvalue() and "2/2" in terminal.getvalue()


def test_reviewed_unit_archives_its_review(batch):
    """The sample 007 ships a review: the batch hashes it as an input of the unit, the
    executed notebook's provenance names it, and the result carries the reviewed figures."""
    from perfnb.running.manifest import sha256_file

    entry = _unit(batch["manifest"], NASTY_UNIT_ID)
    review = batch["inputs"] / "reviews" / "007.review.yaml"
    assert {"path": str(review.resolve()), "sha256": sha256_file(review),
            "size": review.stat().st_size} in entry["inputs"]
    folder = batch["out"] / Path(next(f for f in entry["files"] if f.endswith("result.json"))).parent
    notebook = nbformat.read(folder / "evaluation.ipynb", as_version=4)
    assert notebook.metadata["perfnb"]["review"]["sha256"] == sha256_file(review)
    assert json.loads((folder / "result.json").read_text("utf-8"))["reviewed"]["total"] == 98.75
    assert "绩效自评复核报告" in (folder / "report.html").read_text("utf-8")
    # the panel cell stayed inert under papermill: no widget in the executed notebook
    outputs = [o for c in notebook.cells for o in c.get("outputs", [])]
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert any("批量运行时不显示" in o.get("data", {}).get("text/html", "") for o in outputs)


def test_every_sample_units_result_json_is_its_kernels_own_record(tmp_path):
    """A batch of every sample unit: each result.json is the record the unit's kernel made
    (nothing evaluated again in the batch), conforms to the shipped schema, and the manifest
    entry carries the same total and grade."""
    from perfnb.running.crosscheck import notebook_result
    from perfnb.schemas import result_problems

    out = tmp_path / "out"
    assert _batch(PARAMS, "--out", out, "--formats", "html", "--jobs", "2") == 0
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    units = {owner: entry for owner, entry in manifest["units"].items()}
    assert len(units) == len(list(PARAMS.glob("*.yaml")))
    for owner, entry in units.items():
        folder = out / entry["out_dir"]
        result = json.loads((folder / "result.json").read_text(encoding="utf-8"))
        recorded = notebook_result(nbformat.read(folder / "evaluation.ipynb", as_version=4))
        assert result == recorded, owner
        assert result_problems(result) == [], owner
        assert (entry["total"], entry["grade"]) == (result["total"], result["grade"]), owner
