"""perfnb run: the seed unit executed once in a real kernel, and one failing unit."""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from perfnb import cli
from perfnb.errors import InputError
from perfnb.running.provenance import KEY_PACKAGES, code_sha256, sha256_file, tree_sha256
from perfnb.running.runner import default_template, plan_unit, run_unit

ROOT = Path(__file__).resolve().parents[2]
SEED_YAML = ROOT / "params" / "nmg-rd-2022-rdlz.yaml"
SEED_DATA = ROOT / "params" / "data" / "nmg-rd-2022-rdlz.xlsx"
DEPARTMENT = "内蒙古自治区人大常委会办公厅"


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    out_root = tmp_path_factory.mktemp("outputs")
    return run_unit(SEED_YAML, out_root=out_root, formats=("html", "pdf", "docx", "xlsx"))


@pytest.fixture(scope="module")
def seed_notebook(seed_run):
    return nbformat.read(seed_run.out_dir / "evaluation.ipynb", as_version=4)


def _outputs(nb):
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]


def test_seed_unit_passes_and_writes_every_file(seed_run):
    assert seed_run.status == "passed", seed_run.message
    assert seed_run.message is None
    assert seed_run.out_dir.parent.name == DEPARTMENT
    assert seed_run.out_dir.name == "nmg-rd-2022-rdlz"
    names = sorted(path.name for path in seed_run.files)
    assert names == ["evaluation.ipynb", "form.xlsx", "report.docx", "report.html", "report.pdf",
                     "result.json"]
    assert all(path.is_file() and path.stat().st_size > 0 for path in seed_run.files)
    assert not [p for p in seed_run.out_dir.iterdir() if p.name.startswith(".")]
    assert (seed_run.out_dir / "report.pdf").read_bytes().startswith(b"%PDF")
    assert seed_run.started.tzinfo is not None and seed_run.finished >= seed_run.started


def test_office_formats_open_and_the_form_scores_like_the_input(seed_run):
    from docx import Document

    from perfnb.reading import load_unit
    from perfnb.evaluation.evaluator import evaluate

    document = Document(str(seed_run.out_dir / "report.docx"))
    assert document.tables and document.inline_shapes
    original = evaluate(load_unit(SEED_YAML)).to_dict()
    again = evaluate(load_unit(seed_run.out_dir / "form.xlsx")).to_dict()
    assert (again["total"], again["grade"]) == (original["total"], original["grade"])
    assert [i["score"] for i in again["indicators"]] == [i["score"] for i in original["indicators"]]


def test_result_json_is_the_evaluation(seed_run):
    from perfnb.reading import load_unit
    from perfnb.evaluation.evaluator import evaluate

    result = json.loads((seed_run.out_dir / "result.json").read_text(encoding="utf-8"))
    assert result == json.loads(json.dumps(evaluate(load_unit(SEED_YAML)).to_dict()))
    assert result["total"] == 97.6 and result["grade"] == "优"


def test_executed_notebook_shows_report_charts_and_no_errors(seed_notebook):
    outputs = _outputs(seed_notebook)
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    for words in ("人大履职保障经费", "预算执行率 88.49%", "办公设备采购批次", "单位未说明偏差原因",
                  "综合绩效等级为“优”", "perfnb-findings"):
        assert words in html
    streams = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Glyph" not in streams and "missing from" not in streams
    assert "Warning" not in streams


def test_executed_notebook_carries_provenance(seed_run, seed_notebook):
    meta = seed_notebook.metadata["perfnb"]
    assert meta["perfnb_version"]
    assert meta["perfnb_code_sha256"] == code_sha256()  # which code made the report
    assert meta["template"]["sha256"] == sha256_file(default_template())
    inputs = {Path(item["path"]): item["sha256"] for item in meta["inputs"]}
    assert inputs == {SEED_YAML.resolve(): sha256_file(SEED_YAML),
                      SEED_DATA.resolve(): sha256_file(SEED_DATA)}
    assert meta["rules"]["name"] == "central" and len(meta["rules"]["sha256"]) == 64
    assert set(meta["packages"]) == set(KEY_PACKAGES) and all(meta["packages"].values())
    assert meta["python"] and meta["host"] == seed_run.host
    started = datetime.fromisoformat(meta["started"])
    finished = datetime.fromisoformat(meta["finished"])
    assert started.tzinfo is not None and finished >= started
    assert meta["unit"] == {"unit_id": "nmg-rd-2022-rdlz", "department": DEPARTMENT,
                            "project": "人大履职保障经费"}
    assert meta["title"] == f"{DEPARTMENT}人大履职保障经费2022年度绩效自评报告"
    assert meta["status"] == "passed"


def test_report_html_has_no_glyph_boxes_and_escaped_title(seed_run):
    html = (seed_run.out_dir / "report.html").read_text(encoding="utf-8")
    assert "人大履职保障经费" in html and "\ufffd" not in html


def test_plan_unit_is_cheap_and_keeps_text_ids(tmp_path):
    plan = plan_unit(SEED_YAML)
    assert (plan.unit_id, plan.department) == ("nmg-rd-2022-rdlz", DEPARTMENT)
    assert plan.input_files == [SEED_YAML.resolve(), SEED_DATA.resolve()]
    assert plan.parameters == {"data": str(SEED_YAML.resolve()), "unit_id": "nmg-rd-2022-rdlz"}
    unit = tmp_path / "u.yaml"
    unit.write_text(f"unit_id: 007\ndepartment: 测试部门\ndata: {SEED_DATA}\n", encoding="utf-8")
    assert plan_unit(unit).unit_id == "007"
    # a workbook alone: the unit id is the file's stem, the department the workbook's
    plan = plan_unit(SEED_DATA)
    assert (plan.unit_id, plan.department) == ("nmg-rd-2022-rdlz", DEPARTMENT)
    with pytest.raises(InputError):
        plan_unit(tmp_path / "missing.yaml")


def test_failing_unit_keeps_its_error_notebook(tmp_path, capsys):
    broken = tmp_path / "broken.csv"
    broken.write_text("这不是指标表\n1,2,3\n", encoding="utf-8")
    unit = tmp_path / "bad-unit.yaml"
    unit.write_text("unit_id: \"bad-unit\"\ndepartment: 测试部门\nproject: <script>x</script>\n"
                    "data: broken.csv\n", encoding="utf-8")
    out_root = tmp_path / "out"
    code = cli.main(["run", str(unit), "--out", str(out_root), "--formats", "html"])
    assert code == 1
    err = capsys.readouterr().err
    assert "bad-unit" in err and "评价失败" in err and "Traceback" not in err
    out_dir = out_root / "测试部门" / "bad-unit"
    assert sorted(p.name for p in out_dir.iterdir()) == ["evaluation.ipynb"]
    nb = nbformat.read(out_dir / "evaluation.ipynb", as_version=4)
    errors = [o for o in _outputs(nb) if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename in ("InputError", "InputErrors")
    assert re.search(r"broken\.csv", errors[0].evalue)
    assert any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in nb.cells)
    assert nb.metadata["perfnb"]["status"] == "failed"


def test_bad_input_exits_2(tmp_path, capsys):
    assert cli.main(["run", str(tmp_path / "nothing.yaml"), "--out", str(tmp_path)]) == 2
    assert "不存在" in capsys.readouterr().err
    assert cli.main(["run", str(SEED_YAML), "--out", str(tmp_path), "--formats", "odt"]) == 2


def test_code_hash_follows_the_files_that_make_a_report(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "scoring.py").write_text("RULE = 1\n", encoding="utf-8")
    (tmp_path / "templates" / "report.css").write_text("p { color: red }\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not code", encoding="utf-8")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "cached.py").write_text("x", encoding="utf-8")
    first = tree_sha256(tmp_path)
    (tmp_path / "notes.txt").write_text("changed", encoding="utf-8")
    (tmp_path / "__pycache__" / "cached.py").write_text("y", encoding="utf-8")
    assert tree_sha256(tmp_path) == first  # neither shapes a report
    (tmp_path / "templates" / "report.css").write_text("p { color: blue }\n", encoding="utf-8")
    assert tree_sha256(tmp_path) != first
    (tmp_path / "templates" / "report.css").write_text("p { color: red }\n", encoding="utf-8")
    assert tree_sha256(tmp_path) == first
    (tmp_path / "templates" / "report.css").rename(tmp_path / "report.css")
    assert tree_sha256(tmp_path) != first  # a moved file counts too


def test_notebook_carries_its_own_figures_and_they_equal_result_json(seed_run, seed_notebook):
    from perfnb.running.crosscheck import notebook_result

    result = json.loads((seed_run.out_dir / "result.json").read_text(encoding="utf-8"))
    assert notebook_result(seed_notebook) == result  # computed by the kernel, written apart
    assert "weight_total" not in (seed_run.out_dir / "report.html").read_text(encoding="utf-8")


def _pdf_with(source: Path, target: Path, replace: dict) -> None:
    """A copy of ``source`` whose embedded files named in ``replace`` carry other bytes."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(str(source))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    for name, contents in reader.attachments.items():
        writer.add_attachment(name, replace.get(name, contents[0]))
    with open(target, "wb") as handle:
        writer.write(handle)


def test_crosscheck_names_a_swapped_pdf_attachment(seed_run, seed_notebook, tmp_path):
    """The PDF carries the notebook and the inputs; a PDF whose copy differs from the files
    beside it is named, whichever attachment was swapped."""
    import shutil

    from perfnb.running.crosscheck import CrossReport, check_unit, pdf_attachments

    unit = tmp_path / "unit"
    shutil.copytree(seed_run.out_dir, unit)
    result = json.loads((unit / "result.json").read_text(encoding="utf-8"))
    entry = {"inputs": list(seed_notebook.metadata["perfnb"]["inputs"]),
             "total": result["total"], "grade": result["grade"]}
    attached = pdf_attachments(unit / "report.pdf")
    assert set(attached) == {"report.ipynb", SEED_YAML.name, SEED_DATA.name}
    clean = CrossReport()
    check_unit(tmp_path, "unit", entry, clean)
    assert clean.problems == [], clean.problems

    forged_nb = json.loads(attached["report.ipynb"])
    forged_nb["metadata"]["perfnb"]["title"] = "另一份报告"
    _pdf_with(seed_run.out_dir / "report.pdf", unit / "report.pdf",
              {"report.ipynb": json.dumps(forged_nb).encode()})
    swapped = CrossReport()
    check_unit(tmp_path, "unit", entry, swapped)
    assert swapped.problems == ["unit：report.pdf 附加的笔记本“report.ipynb”与旁边的 evaluation.ipynb "
                                "不一致（有一份被改动或替换）。"]

    _pdf_with(seed_run.out_dir / "report.pdf", unit / "report.pdf",
              {SEED_DATA.name: SEED_YAML.read_bytes()})
    swapped = CrossReport()
    check_unit(tmp_path, "unit", entry, swapped)
    assert len(swapped.problems) == 1
    assert f"report.pdf 附加的输入文件“{SEED_DATA.name}”与笔记本来源信息中的哈希不符" in swapped.problems[0]


def test_reexporting_the_archived_notebook_reproduces_the_archived_pdf(seed_run, seed_notebook):
    # The PDF's date is the run's provenance time, not the clock: the evidence's hash of
    # report.pdf can be reproduced from evaluation.ipynb at any later time.
    from perfnb.reporting.exporters import export_pdf

    again = export_pdf(seed_notebook, {"metadata": {"path": str(seed_run.out_dir), "name": "report"}})
    assert again == (seed_run.out_dir / "report.pdf").read_bytes()
    from perfnb.reporting.typst_markup import MIMETYPE
    shown = [o for o in _outputs(seed_notebook) if o.get("output_type") == "display_data"]
    assert shown and [list(o.data) for o in shown if MIMETYPE not in o.data] == []


def test_the_unit_is_evaluated_once_in_the_kernel(tmp_path, monkeypatch):
    """perfnb run neither reads nor evaluates the unit after the notebook: result.json is the
    kernel's own record (evaluating in this process would raise here)."""
    import perfnb.evaluation.evaluator as evaluator
    import perfnb.reading as reading
    from perfnb.running.crosscheck import notebook_result

    def refuse(*args, **kwargs):
        raise AssertionError("the parent evaluated the unit again")

    monkeypatch.setattr(evaluator, "evaluate", refuse)
    monkeypatch.setattr(reading, "load_unit", refuse)
    plan = plan_unit(SEED_YAML)
    run = run_unit(SEED_YAML, out_root=tmp_path, formats=("html",), plan=plan)
    assert run.passed, run.message
    nb = nbformat.read(run.out_dir / "evaluation.ipynb", as_version=4)
    result = json.loads((run.out_dir / "result.json").read_text(encoding="utf-8"))
    assert result == notebook_result(nb) and result["total"] == 97.6
    assert nb.metadata["perfnb"]["title"].endswith("绩效自评报告")
    assert nb.metadata["perfnb"]["unit"]["project"] == result["project"] != ""
