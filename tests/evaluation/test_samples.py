"""The bundled sample units (params/*.yaml) against their hand-computed results.

tests/expected_samples.yaml holds, per unit, the budget rate and score, the score per 一级指标,
the total, the grade and the audit findings each sample was built to contain; the arithmetic
is written out in its comments.  The data files are written by tools/make_samples.py.
"""
from __future__ import annotations

import functools
import importlib.util
import math
from pathlib import Path

import openpyxl
import pytest
import yaml

import perfnb

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params"
DATA = PARAMS / "data"
EXPECTED = yaml.safe_load((Path(__file__).parents[1] / "expected_samples.yaml").read_text("utf-8"))
UNITS = EXPECTED["units"]
UNIT_IDS = list(UNITS)
SEVERE = ("error", "warning")


def load_params(path: Path) -> dict:
    return yaml.safe_load(path.read_text("utf-8"))


# ---------------------------------------------------------------------------------------------
# The sample set itself (no scoring needed)

def test_every_unit_yaml_has_expected_results():
    yaml_ids = {str(load_params(path)["unit_id"]) for path in PARAMS.glob("*.yaml")}
    assert yaml_ids == set(UNIT_IDS)
    assert len(UNIT_IDS) >= 10


def test_samples_span_departments_and_layouts():
    departments = {load_params(PARAMS / Path(UNITS[u]["params"]).name)["department"] for u in UNITS}
    assert len(departments) >= 3
    suffixes = {Path(load_params(PARAMS / Path(UNITS[u]["params"]).name)["data"]).suffix
                for u in UNITS}
    assert {".xlsx", ".csv"} <= suffixes
    kinds = set()
    for path in DATA.glob("*.xlsx"):
        workbook = openpyxl.load_workbook(path, read_only=True)
        names = workbook.sheetnames
        if names == ["项目信息", "预算执行", "绩效指标"]:
            kinds.add("workbook")
        elif len(names) == 1:
            title = " ".join(str(workbook.active.cell(r, 1).value) for r in range(1, 3))
            kinds.add("sichuan" if "部门预算项目支出绩效自评表" in title else "official")
    assert kinds == {"workbook", "sichuan", "official"}
    assert any(UNITS[u]["rules"] == "sichuan" for u in UNITS)
    assert sum(1 for u in UNITS if UNITS[u].get("clean")) >= 1


@pytest.mark.parametrize("unit_id", UNIT_IDS)
def test_unit_yaml_is_complete(unit_id):
    path = ROOT / UNITS[unit_id]["params"]
    params = load_params(path)
    assert params["unit_id"] == unit_id and isinstance(params["unit_id"], str)
    for key in ("department", "project", "implementing_unit"):
        assert isinstance(params[key], str) and params[key].strip()
    assert isinstance(params["year"], int)
    assert (path.parent / params["data"]).is_file()
    assert not Path(params["data"]).is_absolute()
    evaluation = params["evaluation"]
    assert evaluation["problems"].strip() and evaluation["measures"].strip()


def test_unit_id_007_stays_a_string():
    params = load_params(PARAMS / "007.yaml")
    assert params["unit_id"] == "007"


def test_make_samples_reproduces_the_committed_files(tmp_path):
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "tools" / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in DATA.iterdir() if p.is_file())
    assert written == committed
    for name in written:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_official_seed_workbook_reads_back():
    sheet = openpyxl.load_workbook(DATA / "nmg-rd-2022-rdlz.xlsx").active
    values = {cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None}
    assert {"项目支出绩效自评表", "年度资金总额", "年初预算数", "总分", "一级\n指标", "年度\n指标值",
            "C14办公设备采购批次", "≤2255", "≥95%", "95%", 97.6, 2229, 1972.41} <= values
    merged = [str(r) for r in sheet.merged_cells.ranges]
    assert any(r.startswith("A14:") for r in merged)   # C产出指标 merged down
    assert any(r.startswith("B14:") for r in merged)   # C1数量指标 merged down


def test_csv_sample_is_gb18030():
    raw = (DATA / "007-kqjc.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gb18030").startswith("一级指标,二级指标,三级指标")


# ---------------------------------------------------------------------------------------------
# Scoring and audit against the expected file

@functools.lru_cache(maxsize=None)
def evaluated(unit_id: str):
    expected = UNITS[unit_id]
    tables = perfnb.load_unit(str(ROOT / expected["params"]))
    return perfnb.evaluate(tables, rules=expected["rules"]).unit(unit_id)


def rounded(value, digits: int = 2):
    value = float(value)
    return None if math.isnan(value) else round(value, digits)


@pytest.mark.parametrize("unit_id", UNIT_IDS)
def test_budget_rate_and_score(unit_id):
    expected = UNITS[unit_id]["budget"]
    budget = evaluated(unit_id).budgets.iloc[0]
    assert rounded(budget["rate"], 4) == round(expected["rate"], 4)
    assert rounded(budget["score"]) == round(expected["score"], 2)


@pytest.mark.parametrize("unit_id", UNIT_IDS)
def test_dimension_scores(unit_id):
    expected = UNITS[unit_id]["dimensions"]
    dimensions = evaluated(unit_id).dimensions
    got = {row.level1: rounded(row.score) for row in dimensions.itertuples()
           if row.level1 != "预算执行率"}
    assert got == {name: round(score, 2) for name, score in expected.items()}


@pytest.mark.parametrize("unit_id", UNIT_IDS)
def test_total_and_grade(unit_id):
    expected = UNITS[unit_id]
    totals = evaluated(unit_id).totals.iloc[0]
    assert rounded(totals["total"]) == round(expected["total"], 2)
    assert totals["grade"] == expected["grade"]
    assert rounded(totals["weight"]) == expected.get("weight_total", 100)


def _matches(finding, wanted: dict) -> bool:
    if finding["code"] != wanted["code"]:
        return False
    for key in ("indicator", "column", "message"):
        if key in wanted and not (isinstance(finding[key], str) and wanted[key] in finding[key]):
            return False
    return True


def _describe(findings) -> str:
    return "\n".join(f"{f['severity']} {f['code']} [{f['indicator']}|{f['column']}] {f['message']}"
                     for f in findings)


@pytest.mark.parametrize("unit_id", UNIT_IDS)
def test_planted_findings_are_found(unit_id):
    findings = evaluated(unit_id).findings.to_dict("records")
    missing = [w for w in UNITS[unit_id]["findings"] if not any(_matches(f, w) for f in findings)]
    assert not missing, f"not found: {missing}\nfindings:\n{_describe(findings)}"


@pytest.mark.parametrize("unit_id", UNIT_IDS)
def test_no_unexpected_findings(unit_id):
    expected = UNITS[unit_id]
    findings = [f for f in evaluated(unit_id).findings.to_dict("records")
                if f["severity"] in SEVERE]
    if expected.get("clean"):
        assert not findings, _describe(findings)
    wrong = [f for f in findings if any(_matches(f, w) for w in expected["absent"])]
    assert not wrong, _describe(wrong)


# ---------------------------------------------------------------------------------------------
# The evaluator's review (复核) of the units that ship one

REVIEWED = [u for u in UNIT_IDS if "reviewed" in UNITS[u]]


def test_samples_ship_reviews_and_one_changes_the_grade():
    assert len(REVIEWED) >= 2
    assert any(UNITS[u]["reviewed"]["grade"] != UNITS[u]["grade"] for u in REVIEWED)
    for unit_id in UNIT_IDS:
        assert evaluated(unit_id).has_review() == (unit_id in REVIEWED)


@pytest.mark.parametrize("unit_id", REVIEWED)
def test_reviewed_figures(unit_id):
    expected = UNITS[unit_id]["reviewed"]
    result = evaluated(unit_id)
    final = result.final_totals.iloc[0]
    assert rounded(final["total"]) == round(expected["total"], 2)
    assert final["grade"] == expected["grade"]
    got = {row.level1: rounded(row.score) for row in result.final_dimensions.itertuples()
           if row.level1 != "预算执行率"}
    assert got == {name: round(score, 2) for name, score in expected["dimensions"].items()}
    # the computed figures are untouched by the review
    assert rounded(result.totals.iloc[0]["total"]) == round(UNITS[unit_id]["total"], 2)
    reviewed = result.to_dict()["reviewed"]
    assert reviewed["total"] == round(expected["total"], 2) and reviewed["grade"] == expected["grade"]
    assert reviewed["adjusted"] == expected["adjusted"]
    decisions = {f["code"]: f["decision"] for f in reviewed["findings"]}
    assert {code: decisions.get(code) for code in expected["decisions"]} == expected["decisions"]
    for item in reviewed["indicators"]:
        assert bool(item["reason"]) == item["reviewed"]
