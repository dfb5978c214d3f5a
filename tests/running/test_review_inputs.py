"""The evaluator's review is an input like the data: planned, hashed, fingerprinted, attached."""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from perfnb.running.batch import discover_inputs, plan_jobs
from perfnb.running.provenance import build_provenance, sha256_file
from perfnb.running.runner import default_template, plan_unit

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params"


def copy_unit(tmp_path: Path, name: str = "jtt-2023-ncgl") -> Path:
    folder = tmp_path / "in"
    (folder / "data").mkdir(parents=True)
    (folder / "reviews").mkdir()
    shutil.copy(PARAMS / f"{name}.yaml", folder)
    data = next(PARAMS.glob(f"data/{name}.*"))
    shutil.copy(data, folder / "data")
    shutil.copy(PARAMS / "reviews" / f"{name}.review.yaml", folder / "reviews")
    return folder


def test_plan_lists_the_review_as_an_input(tmp_path):
    plan = plan_unit(PARAMS / "jtt-2023-ncgl.yaml")
    assert plan.input_files[-1] == (PARAMS / "reviews" / "jtt-2023-ncgl.review.yaml").resolve()
    assert not any(p.name.endswith(".review.yaml") for p in plan_unit(PARAMS / "wjw-2023-jbgw.yaml").input_files)


def test_review_beside_a_data_file_is_an_input(tmp_path):
    shutil.copy(PARAMS / "data" / "nmg-rd-2022-rdlz.xlsx", tmp_path)
    review = tmp_path / "nmg-rd-2022-rdlz.review.yaml"
    review.write_text("evaluator: 张敏\ndate: 2024-05-06\n", encoding="utf-8")
    assert plan_unit(tmp_path / "nmg-rd-2022-rdlz.xlsx").input_files[-1] == review.resolve()


def test_review_files_are_not_units_and_a_changed_review_changes_the_fingerprint(tmp_path):
    folder = copy_unit(tmp_path)
    found = discover_inputs([str(folder)])
    assert [p.name for p in found] == ["jtt-2023-ncgl.yaml"]
    context = {"template_sha256": "t", "code_sha256": "c"}
    out = tmp_path / "out"
    first = plan_jobs(found, out, context)[0]
    review = folder / "reviews" / "jtt-2023-ncgl.review.yaml"
    assert any(r["path"] == str(review.resolve()) and r["sha256"] == sha256_file(review)
               for r in first.input_files)
    assert plan_jobs(found, out, context)[0].fingerprint == first.fingerprint
    review.write_text(review.read_text("utf-8").replace("score: 8", "score: 7"), encoding="utf-8")
    assert plan_jobs(found, out, context)[0].fingerprint != first.fingerprint


def test_provenance_and_pdf_attachments_carry_the_review(tmp_path):
    from perfnb.reporting.exporters import notebook_attachments

    plan = plan_unit(PARAMS / "jtt-2023-ncgl.yaml")
    when = datetime.now(timezone.utc)
    record = build_provenance(template=default_template(), input_files=plan.input_files,
                              rules=None, unit={"unit_id": plan.unit_id}, title="t",
                              started=when, finished=when)
    review = PARAMS / "reviews" / "jtt-2023-ncgl.review.yaml"
    assert record["review"] == {"path": str(review.resolve()), "sha256": sha256_file(review)}
    assert record["input_sha256"][str(review.resolve())] == sha256_file(review)
    nb = nbformat.v4.new_notebook()
    nb.metadata["perfnb"] = record
    attachments, missing = notebook_attachments(nb)
    assert not missing
    assert ("jtt-2023-ncgl.review.yaml", review.read_bytes()) in attachments
