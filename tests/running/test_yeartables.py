"""Across years as a user runs it (issue 19): screening writes results.parquet and
indicators.parquet, which the next year's screening or score takes as --previous."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from perfnb.running.yeartables import read_previous, write_batch_tables
from test_cli import perfnb

ROOT = Path(__file__).resolve().parents[2]
YEARS = ROOT / "params" / "_two-years"


@pytest.fixture(scope="module")
def last_year(tmp_path_factory):
    out = tmp_path_factory.mktemp("y2022")
    result = perfnb("score", YEARS / "2022", "--xlsx", out / "筛查.xlsx")
    assert result.returncode == 0, result.stderr
    return out


def test_screening_writes_parquet_tables_pandas_reads(last_year):
    units = pd.read_parquet(last_year / "results.parquet")
    indicators = pd.read_parquet(last_year / "indicators.parquet")
    assert sorted(units["unit_id"]) == ["sl-2022-gsyh", "wj-2022-jcnl"]
    assert {"total", "budget_rate", "risk_score", "risk_flags", "file"} <= set(units.columns)
    assert len(indicators) == 12 and set(indicators["unit_id"]) == set(units["unit_id"])
    assert indicators.set_index("name").loc["维修养护工程处数", "actual"] == 95


def test_next_year_screening_with_previous_shows_year_flags_and_risk(last_year, tmp_path):
    result = perfnb("score", YEARS / "2023", "--xlsx", tmp_path / "筛查.xlsx",
                    "--previous", last_year / "results.parquet")
    assert result.returncode == 0, result.stderr
    book = load_workbook(tmp_path / "筛查.xlsx")
    assert book.sheetnames == ["筛查结果", "风险排序", "部门风险", "跨单位与跨年发现"]
    rows = list(book["筛查结果"].iter_rows(values_only=True))
    header = list(rows[0])
    row = dict(zip(header, next(r for r in rows[1:] if r[header.index("单位编号")] == "sl-2023-gsyh")))
    assert "目标设置偏低" in row["风险"] and "得分升而执行降" in row["风险"] and row["风险分"] >= 40
    detail = [r for r in book["跨单位与跨年发现"].iter_rows(values_only=True)]
    assert any(r[2] == "TARGET_BELOW_LAST_ACTUAL" and "维修养护工程处数" in r[5] for r in detail)
    ranking = list(book["风险排序"].iter_rows(values_only=True))
    assert ranking[1][0] == "sl-2023-gsyh"      # highest risk first
    units = pd.read_parquet(tmp_path / "results.parquet")
    assert "SCORE_UP_EXECUTION_DOWN" in units.set_index("unit_id").loc["sl-2023-gsyh", "risk_flags"]


def test_score_one_unit_with_previous_folder_of_forms():
    result = perfnb("score", YEARS / "2023" / "sl-2023-gsyh.yaml", "--previous", YEARS / "2022")
    assert result.returncode == 0, result.stderr
    assert "与上年比较（2022 年，单位编号 sl-2022-gsyh" in result.stdout
    assert "96.25 → 98.00" in result.stdout and "TARGET_BELOW_LAST_ACTUAL" in result.stdout
    data = json.loads(perfnb("score", YEARS / "2023" / "sl-2023-gsyh.yaml", "--previous",
                             YEARS / "2022", "--json").stdout)
    assert data["previous_year"]["year"] == 2022
    assert data["previous_year"]["link"].startswith("项目编码")
    by_name = {i["name"]: i for i in data["previous_year"]["indicators"]}
    assert by_name["受益人口"]["previous"] == {"target_text": "≥6", "actual_text": "5", "score": 16.67}
    assert "TARGET_BELOW_LAST_ACTUAL" in data["risk"]["flags"]


def test_link_by_code_finds_nothing_without_codes():
    result = perfnb("score", YEARS / "2023" / "sl-2023-gsyh.yaml", "--previous", YEARS / "2022",
                    "--link", "code", "--json")
    assert "previous_year" not in json.loads(result.stdout)


def test_bad_previous_is_a_chinese_error(tmp_path):
    (tmp_path / "results.parquet").write_text("不是 Parquet", encoding="utf-8")
    for target, words in ((tmp_path / "nothing", "找不到上年数据"),
                          (tmp_path / "results.parquet", "indicators.parquet"),
                          (tmp_path / "x.csv", "找不到上年数据")):
        result = perfnb("score", YEARS / "2023" / "sl-2023-gsyh.yaml", "--previous", target)
        assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "indicators.parquet").write_text("也不是", encoding="utf-8")
    result = perfnb("score", YEARS / "2023" / "sl-2023-gsyh.yaml", "--previous", tmp_path)
    assert result.returncode == 2 and "无法读取上年数据" in result.stderr


def test_batch_tables_from_result_json(tmp_path, last_year):
    """write_batch_tables over result.json files (what a batch leaves) with an earlier year."""
    for stem in ("sl-2023-gsyh", "wj-2023-jcnl"):
        data = json.loads(perfnb("score", YEARS / "2023" / f"{stem}.yaml", "--json").stdout)
        folder = tmp_path / data["department"] / stem
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    written = write_batch_tables(tmp_path, read_previous([last_year]))
    assert [p.name for p in written] == ["results.parquet", "indicators.parquet",
                                         "red_flags.parquet", "red_flags.json", "red_flags.json",
                                         "previous_year.parquet"]
    sidecar = json.loads((tmp_path / "某省水利厅" / "sl-2023-gsyh" / "red_flags.json").read_text("utf-8"))
    # result.json came from `perfnb score` without --previous: the year findings are only here
    assert {"TARGET_BELOW_LAST_ACTUAL", "SCORE_UP_EXECUTION_DOWN"} <= {f["code"] for f in sidecar["findings"]}
    assert "SCORE_UP_EXECUTION_DOWN" in sidecar["risk"]["flags"]
    flags = pd.read_parquet(tmp_path / "red_flags.parquet")
    assert "SCORE_UP_EXECUTION_DOWN" in set(flags["code"])
    from perfnb.reporting.summary import red_flags, year_comparison
    compared = year_comparison(tmp_path).set_index("单位编号")
    assert compared.loc["sl-2023-gsyh", "上年总分"] == 96.25 and compared.loc["sl-2023-gsyh", "今年执行率"] == "80.00%"
    units, found = red_flags(tmp_path)
    assert units.set_index("unit_id").loc["sl-2023-gsyh", "risk_score"] >= 40


def test_department_red_flags_do_not_depend_on_what_else_has_finished(tmp_path, last_year):
    """A department's summary runs once its own units are done, while other departments may
    still be running: its red flags compare its own units only, before and after the batch's
    tables exist, and keep the year findings its units recorded themselves."""
    from perfnb.reporting.summary import red_flags

    runs = {"sl-2023-gsyh": ("--previous", str(last_year)), "wj-2023-jcnl": ()}
    for stem, extra in runs.items():
        data = json.loads(perfnb("score", YEARS / "2023" / f"{stem}.yaml", *extra, "--json").stdout)
        folder = tmp_path / data["department"] / stem
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    before_units, before_found = red_flags(tmp_path, "某省水利厅")
    write_batch_tables(tmp_path, read_previous([last_year]))
    after_units, after_found = red_flags(tmp_path, "某省水利厅")
    pd.testing.assert_frame_equal(before_units, after_units)
    pd.testing.assert_frame_equal(before_found, after_found)
    assert set(after_units["unit_id"]) == {"sl-2023-gsyh"}
    assert set(after_found["unit_id"]) <= {"sl-2023-gsyh"}
    assert "TARGET_BELOW_LAST_ACTUAL" in set(after_found["code"])
    # the whole batch's view is the batch's tables
    all_units, _ = red_flags(tmp_path)
    assert set(all_units["unit_id"]) == {"sl-2023-gsyh", "wj-2023-jcnl"}
