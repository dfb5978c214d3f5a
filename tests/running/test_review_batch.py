"""`perfnb batch … --review 底稿.xlsx`: a department with a reviewed unit gets its 复核报告 —
notebooks/review_report.ipynb executed and exported (ipynb, HTML, PDF) and its GB/T 9704 Word
version — recorded in the manifest, checked by `perfnb verify`, named in the closing listing;
a department without reviews gets none, and a review withdrawn takes its report away.

One batch of two units (one reviewed through a 底稿 an evaluator filled with openpyxl,
including a 复核档次; one of another department, not reviewed) is run once per module.
"""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perfnb.cli import main
from perfnb.fsutil import safe_component

PARAMS = Path(__file__).resolve().parents[2] / "params"
SEED = PARAMS / "nmg-rd-2022-rdlz.yaml"       # 内蒙古…: reviewed through the 底稿
OTHER = PARAMS / "jtt-2023-gsgyh.yaml"        # 江西省交通运输厅: no review
REPORT_FILES = ("review_report.ipynb", "review_report.html", "review_report.pdf",
                "review_report.docx")


def run(*args) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main([str(a) for a in args])
    return code, stdout.getvalue(), stderr.getvalue()


def _filled_paper(folder: Path) -> Path:
    paper = folder / "底稿.xlsx"
    code, _, err = run("workpaper", SEED, "--out", paper)
    assert code == 0, err
    book = load_workbook(paper)
    sheet = book["nmg-rd-2022-rdlz"]
    sheet["B3"], sheet["E3"], sheet["H3"] = "张敏", "2026-11-30", "良"
    header = {c.value: c.column for c in sheet[6]}
    rows = {sheet.cell(r, header["三级"]).value: r for r in range(7, sheet.max_row + 1)}
    row = rows["C14办公设备采购批次"]                 # weight 5, 一般: 60 % off -> 2
    sheet.cell(row, header["复核口径"]).value = "NOT_VERIFIABLE 完成情况无法核实"
    sheet.cell(row, header["扣分程度"]).value = "一般"
    row = rows["D1宣传人民代表大会制度"]              # weight 10, 部分达成: 70 % -> 7
    sheet.cell(row, header["复核档次"]).value = "部分达成"
    sheet.cell(row, header["备注"]).value = "宣传材料只覆盖上半年"
    filled = folder / "已填底稿.xlsx"
    book.save(filled)
    return filled


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    work = tmp_path_factory.mktemp("review-batch")
    paper = _filled_paper(work)
    out = work / "out"
    code, stdout, stderr = run("batch", SEED, OTHER, "--out", out, "--review", paper, "--jobs", "2")
    assert code == 0, stdout + stderr
    seed = json.loads(next(out.glob("*/nmg-rd-2022-rdlz/result.json")).read_text(encoding="utf-8"))
    other = json.loads(next(out.glob("*/jtt-2023-gsgyh/result.json")).read_text(encoding="utf-8"))
    return {"out": out, "paper": paper, "stdout": stdout, "seed": seed,
            "reviewed": out / safe_component(seed["department"]),
            "plain": out / safe_component(other["department"])}


def test_reviewed_department_gets_its_review_report(batch):
    folder = batch["reviewed"]
    for name in REPORT_FILES:
        assert (folder / name).is_file() and (folder / name).stat().st_size > 0, name
    department = folder.name
    manifest = json.loads((batch["out"] / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["summaries"][f"review:{department}"]
    assert entry["status"] == "passed" and entry["kind"] == "review_report"
    assert entry["files"] == sorted(f"{department}/{name}" for name in REPORT_FILES)
    assert all(manifest["files"][name]["owner"] == f"review:{department}" for name in entry["files"])
    # the listing says where it is
    assert f"复核报告：{department}/review_report.docx" in batch["stdout"]
    # what it says: the clause, the level, the 偏离度 section
    notebook = (folder / "review_report.ipynb").read_text(encoding="utf-8")
    for words in ("复核范围", "偏离度", "NOT_VERIFIABLE 完成情况无法核实", "复核档次“部分达成”",
                  "D1宣传人民代表大会制度"):
        assert words in notebook, words
    assert '"ename"' not in notebook   # no cell failed
    from docx import Document
    text = "\n".join(p.text for p in Document(str(folder / "review_report.docx")).paragraphs)
    assert f"{batch['seed']['department']}项目支出绩效自评复核报告" in text
    assert "D1宣传人民代表大会制度" in text and "复核单位 1 个" in text
    assert (folder / "review_report.pdf").read_bytes().startswith(b"%PDF")


def test_a_department_without_review_gets_none(batch):
    assert (batch["plain"] / "summary.ipynb").is_file()
    assert not any((batch["plain"] / name).exists() for name in REPORT_FILES)
    assert batch["stdout"].count("复核报告：") == 1


def test_level_from_the_paper_scores_the_unit(batch):
    by_name = {i["name"]: i for i in batch["seed"]["reviewed"]["indicators"]}
    assert by_name["D1宣传人民代表大会制度"]["level"] == "部分达成"
    assert by_name["D1宣传人民代表大会制度"]["final_score"] == 7.0
    assert by_name["C14办公设备采购批次"]["final_score"] == 2.0
    assert by_name["C14办公设备采购批次"]["severity"] == "一般"


def test_verify_checks_the_review_report(batch):
    code, stdout, stderr = run("verify", batch["out"])
    assert code == 0, stdout + stderr
    report = batch["reviewed"] / "review_report.docx"
    original = report.read_bytes()
    try:
        report.write_bytes(original + b"x")
        code, stdout, stderr = run("verify", batch["out"])
        assert code != 0 and "review_report.docx" in stdout + stderr
    finally:
        report.write_bytes(original)


def test_rerun_keeps_it_and_a_withdrawn_review_removes_it(batch):
    """Unchanged: the report is up to date (still listed); without --review the unit is no
    longer reviewed, so its department's old 复核报告 goes, and the archive still verifies."""
    code, stdout, _ = run("batch", SEED, OTHER, "--out", batch["out"], "--review", batch["paper"],
                          "--jobs", "2")
    assert code == 0 and "跳过 2" in stdout and "复核报告：" in stdout
    code, stdout, stderr = run("batch", SEED, OTHER, "--out", batch["out"], "--jobs", "2")
    assert code == 0, stdout + stderr
    assert "复核报告：" not in stdout
    assert not any((batch["reviewed"] / name).exists() for name in REPORT_FILES)
    manifest = json.loads((batch["out"] / "manifest.json").read_text(encoding="utf-8"))
    assert not any(key.startswith("review:") for key in manifest["summaries"])
    code, stdout, stderr = run("verify", batch["out"])
    assert code == 0, stdout + stderr


def test_closing_table_marks_a_reviewed_unweighted_unit():
    """An unweighted unit has no 复核 total: the closing table says it was reviewed by
    achievement instead of showing “—” (and a batch of only such units still has the column)."""
    from types import SimpleNamespace

    from perfnb.running.progress import UNWEIGHTED_REVIEW, format_table

    job = SimpleNamespace(unit_id="form", department="某县交通运输局", outcome={
        "status": "passed", "weighting": "unweighted", "reviewed": True, "seconds": 1.0})
    lines = format_table([job]).splitlines()
    assert "复核" in lines[0] and UNWEIGHTED_REVIEW in lines[2]
