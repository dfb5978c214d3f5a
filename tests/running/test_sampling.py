"""`perfnb sample`: department coverage, funds coverage, risk, seeded draw, reasons per unit."""
from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perfnb.cli import main
from perfnb.running.sampling import draw_sample, units_frame

PARAMS = Path(__file__).resolve().parents[2] / "params"
WEIGHTS = {"error": 5.0, "warning": 2.0, "info": 0.0}


def perfnb(*args) -> subprocess.CompletedProcess:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue())


def result(unit_id, department, funds, error=0, warning=0, risk=None):
    data = {"unit_id": unit_id, "department": department, "project": f"项目{unit_id}",
            "total": 90.0, "grade": "优", "budget": {"adjusted": None, "initial": funds},
            "counts": {"error": error, "warning": warning, "info": 3}}
    if risk is not None:
        data["risk"] = {"score": risk}
    return data


UNITS = [result("a1", "甲", 1000, error=2), result("a2", "甲", 50, warning=1),
         result("a3", "甲", 10), result("b1", "乙", 20, warning=2), result("b2", "乙", 5),
         result("c1", "丙", 5, error=1, risk=40.0), result("c2", "丙", 10),
         result("d1", "丁", 3), result("d2", "丁", 3), result("d3", "丁", 3)]


def test_risk_from_findings_unless_the_result_has_a_risk_score():
    frame = units_frame(UNITS, WEIGHTS).set_index("unit_id")
    assert frame.loc["a1", "risk"] == 10 and frame.loc["b1", "risk"] == 4
    assert frame.loc["c1", "risk"] == 40 and frame.loc["c1", "risk_source"].startswith("风险分")


def test_every_department_funds_and_size_are_covered():
    drawn = draw_sample(units_frame(UNITS, WEIGHTS), seed=1, per_department=1, funds_share=0.9,
                        size=6)
    picked = drawn[drawn["picked"]]
    assert len(picked) == 6
    assert set(picked["department"]) == {"甲", "乙", "丙", "丁"}
    assert picked["funds"].sum() / drawn["funds"].sum() >= 0.9
    assert all(reasons for reasons in picked["reasons"])
    assert not any(drawn.loc[~drawn["picked"], "reasons"].map(len))
    by_id = picked.set_index("unit_id")
    assert "c1" in by_id.index and by_id.loc["c1", "reasons"][0].startswith("部门覆盖")   # riskiest of 丙
    assert any(r.startswith("资金覆盖") for r in by_id.loc["a1", "reasons"]) or \
        by_id.loc["a1", "reasons"][0].startswith("部门覆盖")


def test_the_seed_repeats_and_redraws_among_equals():
    frame = units_frame(UNITS, WEIGHTS)
    def picked(seed):
        d = draw_sample(frame, seed=seed, per_department=0, funds_share=0, size=8)
        return tuple(sorted(d.loc[d["picked"], "unit_id"]))
    assert picked(7) == picked(7)
    # the four risky units always, four of the six risk-0 units by the seed
    assert all({"a1", "a2", "b1", "c1"} <= set(picked(s)) for s in range(5))
    assert len({picked(s) for s in range(12)}) > 1
    d = draw_sample(frame, seed=7, per_department=0, funds_share=0, size=8)
    reasons = [r[0] for r in d.loc[d["picked"], "reasons"]]
    assert sum(r.startswith("随机抽取：随机种子 7") for r in reasons) == 4


def test_sample_command_writes_the_list_with_reasons(tmp_path):
    out = tmp_path / "抽样.xlsx"
    result_ = perfnb("sample", PARAMS, "--out", out, "--seed", "3", "--size", "9")
    assert result_.returncode == 0, result_.stderr
    assert "已抽取 9 / 11 个单位" in result_.stdout
    book = load_workbook(out)
    assert book.sheetnames == ["抽样", "未抽中", "抽样说明"]
    rows = [[c.value for c in row] for row in book["抽样"].iter_rows()][1:]
    header, body = rows[0], rows[1:]
    assert header[-1] == "抽中原因" and len(body) == 9
    assert all(r[-1] for r in body)
    assert len({r[header.index("主管部门")] for r in body}) == 9 - 1   # 8 departments, 河南 twice
    notes = {r[0]: r[1] for r in book["抽样说明"].iter_rows(min_row=3, values_only=True)}
    assert notes["随机种子"] == "3" and notes["抽中单位数"] == "9"
    again = perfnb("sample", PARAMS, "--out", out, "--seed", "3")
    assert again.returncode == 2 and "--force" in again.stderr


def test_sample_reads_a_batch_output_folder(tmp_path):
    for data in UNITS:
        folder = tmp_path / "out" / data["department"] / data["unit_id"]
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result_ = perfnb("sample", tmp_path / "out", "--out", tmp_path / "s.xlsx", "--per-department", "2",
                     "--funds-share", "0")
    assert result_.returncode == 0, result_.stderr
    body = [r for r in load_workbook(tmp_path / "s.xlsx")["抽样"].iter_rows(min_row=3, values_only=True)]
    assert len(body) == 8   # two of each of the four departments
    bad = perfnb("sample", tmp_path / "out", "--out", tmp_path / "t.xlsx", "--funds-share", "2")
    assert bad.returncode == 2 and "0 到 1" in bad.stderr


def test_a_sample_list_inside_an_archive_is_sealed_into_it(tmp_path):
    """The list is part of the evidence archive: in the manifest, in the ledger, checked by
    `perfnb verify` (a changed list is reported)."""
    from perfnb.running.evidence import seal
    from perfnb.running.manifest import Manifest

    archive = tmp_path / "outputs"
    archive.mkdir()
    seal(archive, Manifest.load_or_new(archive), None)       # an (empty) sealed archive
    result_ = perfnb("sample", PARAMS, "--out", archive / "抽样.xlsx", "--seed", "5")
    assert result_.returncode == 0, result_.stderr
    assert "已记入存证清单" in result_.stdout
    manifest = json.loads((archive / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"]["抽样.xlsx"]["owner"] == "campaign:sample"
    assert perfnb("verify", archive).returncode == 0
    with open(archive / "抽样.xlsx", "ab") as handle:
        handle.write(b"x")
    checked = perfnb("verify", archive)
    assert checked.returncode == 1 and "抽样.xlsx" in checked.stdout + checked.stderr


def test_a_signed_archive_needs_the_key(tmp_path):
    from perfnb.running import signing
    from perfnb.running.evidence import seal
    from perfnb.running.manifest import Manifest

    archive = tmp_path / "outputs"
    archive.mkdir()
    key_file = tmp_path / "key"
    assert perfnb("keygen", "--out", key_file).returncode == 0
    seal(archive, Manifest.load_or_new(archive), signing.load_private_key(key_file))
    refused = perfnb("sample", PARAMS, "--out", archive / "抽样.xlsx")
    assert refused.returncode == 2 and "--sign" in refused.stderr
    assert not (archive / "抽样.xlsx").exists()
    signed = perfnb("sample", PARAMS, "--out", archive / "抽样.xlsx", "--sign", key_file)
    assert signed.returncode == 0 and "重新签名" in signed.stdout, signed.stderr
    assert perfnb("verify", archive, "--key", f"{key_file}.pub").returncode == 0
