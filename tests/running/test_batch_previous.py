"""Last year in every batch unit (issue 19): ``perfnb batch 2023/ --previous <2022 batch out>``
gives each unit's result.json ``previous_year``, its report 与上年比较 and its findings the year
checks (located on this year's form); the findings across units reach each unit through
``red_flags.json`` beside result.json (listed in the manifest, checked by verify); DuckDB reads
the batch's Parquet tables directly.

Two small batches (the README's two-year sample, two units each) are run once per module."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from perfnb.cli import main
from perfnb.running.manifest import Manifest, verify
from perfnb.running.yeartables import linked_previous, read_previous
from perfnb.schemas import red_flags_problems, result_problems

ROOT = Path(__file__).resolve().parents[2]
YEARS = ROOT / "params" / "_two-years"
UNIT = "某省水利厅/sl-2023-gsyh"
YEAR_CODES = {"TARGET_BELOW_LAST_ACTUAL", "TARGETS_UNCHANGED", "SCORE_UP_EXECUTION_DOWN"}


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    root = tmp_path_factory.mktemp("years")
    out22, out23 = root / "out2022", root / "out2023"
    assert main(["batch", str(YEARS / "2022"), "--out", str(out22), "--formats", "html",
                 "--jobs", "2"]) == 0
    assert main(["batch", str(YEARS / "2023"), "--out", str(out23), "--formats", "html,pdf",
                 "--jobs", "2", "--previous", str(out22)]) == 0
    return {"out22": out22, "out23": out23}


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_each_unit_result_has_previous_year_and_located_year_findings(batches):
    result = _json(batches["out23"] / UNIT / "result.json")
    assert result_problems(result) == []
    compared = result["previous_year"]
    assert compared["year"] == 2022 and compared["unit_id"] == "sl-2022-gsyh"
    assert compared["total"] == 96.25 and compared["this_total"] == 98.0
    by_name = {i["name"]: i for i in compared["indicators"]}
    assert by_name["受益人口"]["previous"] == {"target_text": "≥6", "actual_text": "5", "score": 16.67}
    year = [f for f in result["findings"] if f["code"] in YEAR_CODES]
    assert {f["code"] for f in year} >= {"TARGET_BELOW_LAST_ACTUAL", "SCORE_UP_EXECUTION_DOWN"}
    below = {f["location"]["indicator"]: f["location"] for f in year
             if f["code"] == "TARGET_BELOW_LAST_ACTUAL"}
    # this year's row of the indicator on the form (the CSV's line), like every other finding
    assert below["维修养护工程处数"]["row"] == 2 and below["农村自来水普及率"]["row"] == 6
    assert "TARGET_BELOW_LAST_ACTUAL" in result["risk"]["flags"]


def test_unit_report_shows_the_comparison(batches):
    html = (batches["out23"] / UNIT / "report.html").read_text(encoding="utf-8")
    assert "与上年比较" in html and "96.25 → 98 分" in html and "目标设置偏低" in html
    from pypdf import PdfReader
    text = "".join(page.extract_text() or "" for page in
                   PdfReader(batches["out23"] / UNIT / "report.pdf").pages)
    assert "与上年比较" in text.replace(" ", "")


def test_worker_got_only_its_linked_rows_and_they_are_archived(batches):
    unit = batches["out23"] / UNIT
    earlier = pd.read_parquet(unit / "previous" / "results.parquet")
    assert list(earlier["unit_id"]) == ["sl-2022-gsyh"]     # not the other project's rows
    indicators = pd.read_parquet(unit / "previous" / "indicators.parquet")
    assert set(indicators["unit_id"]) == {"sl-2022-gsyh"} and len(indicators) == 6
    nb = _json(unit / "evaluation.ipynb")
    parameters = nb["metadata"]["perfnb"]["parameters"]
    assert Path(parameters["previous"]).name == "previous" and parameters["link"] == "auto"
    manifest = Manifest.load(batches["out23"])
    assert f"{UNIT}/previous/results.parquet" in manifest.files


def test_red_flags_sidecar_per_unit_in_manifest_and_verified(batches):
    out = batches["out23"]
    for unit in (UNIT, "某省卫生健康委员会/wj-2023-jcnl"):
        sidecar = _json(out / unit / "red_flags.json")
        assert red_flags_problems(sidecar) == []
        assert sidecar["unit_id"] == unit.split("/")[1] and sidecar["link"] == "auto"
        assert f"{unit}/red_flags.json" in Manifest.load(out).files
    report = verify(out)
    assert report.ok, report
    # changed afterwards: the hash check fails, and the cross-check names what is wrong
    broken = out.parent / "broken"
    shutil.copytree(out, broken)
    path = broken / UNIT / "red_flags.json"
    path.write_text(json.dumps({"unit_id": 7}), encoding="utf-8")
    assert not verify(broken).ok
    from perfnb.running.crosscheck import CrossReport, check_unit
    entry = next(e for k, e in Manifest.load(broken).units.items() if k == f"unit:{UNIT}")
    report = CrossReport()
    check_unit(broken, UNIT, entry, report)
    assert any("red_flags.json 不符合红旗文件格式" in p and "unit_id" in p for p in report.problems)
    other = dict(_json(out / UNIT / "red_flags.json"), unit_id="别的单位")
    path.write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    report = CrossReport()
    check_unit(broken, UNIT, entry, report)
    assert any("单位编号为“别的单位”" in p for p in report.problems)


def test_cross_unit_findings_reach_the_unit_not_its_result_json(tmp_path):
    """Two copies of one project in a batch: COPIED_INDICATORS is in each unit's red_flags.json
    and in the summary's risk, while result.json stays the kernel's record."""
    import yaml
    source = YEARS / "2023" / "sl-2023-gsyh.yaml"
    settings = yaml.safe_load(source.read_text(encoding="utf-8"))
    (tmp_path / "in" / "data").mkdir(parents=True)
    shutil.copy(YEARS / "2023" / settings["data"], tmp_path / "in" / "data")
    for n, department in ((1, "甲县水利局"), (2, "乙县水利局")):
        copy = dict(settings, unit_id=f"copy-{n}", department=department,
                    project=f"供水工程维修养护{n}")
        (tmp_path / "in" / f"copy-{n}.yaml").write_text(
            yaml.safe_dump(copy, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path / "in"), "--out", str(out), "--formats", "html",
                 "--jobs", "2"]) == 0
    sidecar = _json(out / "甲县水利局" / "copy-1" / "red_flags.json")
    copied = [f for f in sidecar["findings"] if f["code"] == "COPIED_INDICATORS"]
    assert copied and "copy-2" in copied[0]["message"] and copied[0]["title"] == "指标照搬其他项目"
    assert "COPIED_INDICATORS" in sidecar["risk"]["flags"]
    result = _json(out / "甲县水利局" / "copy-1" / "result.json")
    assert "COPIED_INDICATORS" not in {f["code"] for f in result["findings"]}
    units = pd.read_parquet(out / "results.parquet").set_index("unit_id")
    assert "COPIED_INDICATORS" in units.loc["copy-1", "risk_flags"]
    assert sidecar["risk"]["score"] == units.loc["copy-1", "risk_score"]
    assert verify(out).ok


def test_duckdb_reads_the_batch_tables(batches):
    duckdb = pytest.importorskip("duckdb")
    out = batches["out23"]
    units = duckdb.sql(f"select unit_id, department, total, budget_rate, risk_score, year "
                       f"from '{out / 'results.parquet'}' order by unit_id")
    assert units.fetchall()[0][0] == "sl-2023-gsyh"
    types = dict(zip(units.columns, map(str, units.types)))
    assert types == {"unit_id": "VARCHAR", "department": "VARCHAR", "total": "DOUBLE",
                     "budget_rate": "DOUBLE", "risk_score": "DOUBLE", "year": "BIGINT"}
    indicators = duckdb.sql(f"select name, target_text, target, actual, score, sheet, row "
                            f"from '{out / 'indicators.parquet'}' where unit_id = 'sl-2023-gsyh'")
    types = dict(zip(indicators.columns, map(str, indicators.types)))
    assert types["name"] == types["target_text"] == types["sheet"] == "VARCHAR"
    assert types["target"] == types["actual"] == types["score"] == "DOUBLE"
    assert types["row"] == "BIGINT"
    assert len(indicators.fetchall()) == 6
    flags = duckdb.sql(f"select unit_id, code, severity, message, row "
                       f"from '{out / 'red_flags.parquet'}' where code = 'TARGET_BELOW_LAST_ACTUAL'")
    types = dict(zip(flags.columns, map(str, flags.types)))
    assert types["code"] == types["message"] == types["unit_id"] == "VARCHAR"
    assert "BLOB" not in types.values()
    assert "sl-2023-gsyh" in {row[0] for row in flags.fetchall()}


def test_linked_previous_selects_by_link_key_or_department():
    previous = read_previous([YEARS / "2022"])
    units, indicators = linked_previous(previous, "某省水利厅", "农村供水工程维修养护")
    assert list(units["unit_id"]) == ["sl-2022-gsyh"] and set(indicators["unit_id"]) == {"sl-2022-gsyh"}
    units, _ = linked_previous(previous, "某省水利厅", None)        # project unknown at planning
    assert list(units["unit_id"]) == ["sl-2022-gsyh"]
    units, indicators = linked_previous(previous, "某省水利厅", "别的项目")
    assert units.empty and indicators.empty
    units, _ = linked_previous(previous, "某省水利厅", "农村供水工程维修养护", link="code")
    assert units.empty                                               # no project codes printed


def test_perfnb_run_with_previous(batches, tmp_path):
    result = subprocess.run([sys.executable, "-m", "perfnb.cli", "run",
                             str(YEARS / "2023" / "wj-2023-jcnl.yaml"), "--out", str(tmp_path),
                             "--formats", "html", "--previous", str(batches["out22"])],
                            capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode == 0, result.stderr
    data = _json(next(tmp_path.rglob("result.json")))
    assert data["previous_year"]["unit_id"] == "wj-2022-jcnl"


def test_papermill_cli_takes_previous_as_a_path(batches, tmp_path):
    papermill = Path(sys.executable).with_name("papermill")
    out = tmp_path / "out.ipynb"
    result = subprocess.run([str(papermill), str(ROOT / "notebooks" / "evaluation.ipynb"), str(out),
                             "-p", "data", str(YEARS / "2023" / "sl-2023-gsyh.yaml"),
                             "-p", "previous", str(batches["out22"] / "results.parquet"),
                             "-p", "link", "name", "--cwd", str(ROOT / "notebooks")],
                            capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    from perfnb.running.crosscheck import notebook_result
    recorded = notebook_result(_json(out))
    assert recorded["previous_year"]["year"] == 2022
    assert recorded["previous_year"]["link"] == "主管部门 + 项目名称"


def test_bad_link_parameter_is_a_chinese_error():
    from perfnb import notebook as nb
    from perfnb.errors import ParameterError
    with pytest.raises(ParameterError, match="link"):
        nb.validate_parameters({"data": str(YEARS / "2023" / "sl-2023-gsyh.yaml"), "link": "year"})
