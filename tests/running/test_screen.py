"""`perfnb score FILE_OR_DIR ...`: screening many files, one row per unit, in every output format."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perfnb.running import screen

from format_builders import FORMATS, broken_form, read_grid, write_xlsx
from test_cli import perfnb

ROOT = Path(__file__).resolve().parents[2]
CHINESE_HEADER = ["文件", "表序号", "工作表/表格", "单位编号", "主管部门", "项目名称", "年度", "评分规则",
                  "状态", "总分", "等级", "评价方式", "自评总分", "预算执行率", "产出指标", "效益指标", "满意度指标",
                  "错误数", "警告数", "提示数", "首个错误", "风险分", "风险"]
JSON_KEYS = ["file", "form", "sheet", "unit_id", "department", "project", "year", "rules", "status",
             "total", "grade", "weighting", "reported_total", "dimensions", "errors", "warnings", "infos",
             "first_error", "risk_score", "risk_flags"]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    """A department's folder: an xlsx, its .xls, a two-form workbook with one broken form
    (in a sub-folder), a sample unit YAML with its CSV, a file that is no workbook, and a YAML
    that is no unit (skipped)."""
    folder = tmp_path_factory.mktemp("inbox")
    shutil.copy(FORMATS / "official.xlsx", folder / "a-official.xlsx")
    shutil.copy(FORMATS / "official.xls", folder / "b-official.xls")
    seed = read_grid()
    broken = broken_form(seed, "项目丙")
    (folder / "sub").mkdir()
    write_xlsx(folder / "sub" / "c-two.xlsx", [("甲", [seed]), ("丙", [broken])])
    (folder / "d-fake.xlsx").write_text("不是工作簿", encoding="utf-8")
    shutil.copy(ROOT / "params" / "007.yaml", folder / "e-007.yaml")
    (folder / "data").mkdir()
    shutil.copy(ROOT / "params" / "data" / "007-kqjc.csv", folder / "data" / "007-kqjc.csv")
    (folder / "settings.yaml").write_text("colours: [red]\n", encoding="utf-8")
    return folder


def test_screen_folder_to_every_output(inbox, tmp_path):
    out_csv, out_xlsx, out_jsonl = tmp_path / "r.csv", tmp_path / "r.xlsx", tmp_path / "r.jsonl"
    result = perfnb("score", inbox, "--csv", out_csv, "--xlsx", out_xlsx, "--jsonl", out_jsonl)
    assert result.returncode == 1, result.stderr          # a form and a file failed
    assert "Traceback" not in result.stderr
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith("筛查完成：5 个文件，6 个自评表；已评分 4 个") and "读取失败 2 个" in summary
    assert str(out_csv) in summary

    rows = [json.loads(line) for line in out_jsonl.read_text(encoding="utf-8").splitlines()]
    assert [list(row) for row in rows] == [JSON_KEYS] * 6
    by_file = [(Path(r["file"]).name, r["form"], r["status"]) for r in rows]
    assert by_file == [("a-official.xlsx", None, "scored"), ("b-official.xls", None, "scored"),
                       ("d-fake.xlsx", None, "failed"), ("e-007.yaml", None, "scored"),
                       ("c-two.xlsx", 1, "scored"), ("c-two.xlsx", 2, "failed")]
    official = rows[0]
    assert (official["unit_id"], official["total"], official["grade"], official["year"]) == \
        ("a-official", 97.6, "优", 2022)
    assert official["dimensions"] == {"预算执行率": 8.85, "产出指标": 48.75, "效益指标": 30.0,
                                      "满意度指标": 10.0}
    assert rows[1]["dimensions"] == official["dimensions"]          # the .xls of the same form
    assert official["errors"] > 0 and official["first_error"].split("：")[0].isupper()
    fake = rows[2]
    assert fake["total"] is None and "d-fake.xlsx" in fake["first_error"] \
        and "不是 Excel 工作簿" in fake["first_error"]
    two_ok, two_broken = rows[4], rows[5]
    assert (two_ok["unit_id"], two_broken["unit_id"]) == ("c-two-人大履职保障经费", "c-two-项目丙")
    assert two_broken["sheet"] == "丙" and "分值“五分”不是数字" in two_broken["first_error"]
    assert rows[3]["unit_id"] == "007" and rows[3]["total"] is not None

    with out_csv.open(encoding="utf-8") as handle:
        assert handle.read(1) == "\ufeff"                # BOM: Excel opens it without garbling
    with out_csv.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == CHINESE_HEADER and len(table) == 7
    assert table[1][CHINESE_HEADER.index("状态")] == "已评分"
    assert table[3][CHINESE_HEADER.index("状态")] == "读取失败"

    sheet = load_workbook(out_xlsx).active
    assert [c.value for c in sheet[1]] == CHINESE_HEADER and sheet.max_row == 7
    assert sheet.cell(2, CHINESE_HEADER.index("总分") + 1).value == 97.6


def test_jsonl_to_stdout_and_exit_0_when_all_read(inbox):
    result = perfnb("score", inbox / "a-official.xlsx", inbox / "b-official.xls", "--jsonl")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(json.loads(line)["status"] == "scored" for line in lines)
    assert "筛查完成：2 个文件，2 个自评表；已评分 2 个（优 2 个），读取失败 0 个" in result.stderr


def test_many_inputs_without_output_print_a_table(inbox):
    result = perfnb("score", inbox / "a-official.xlsx", inbox / "d-fake.xlsx")
    assert result.returncode == 1
    header = result.stdout.splitlines()[0].split()
    assert header[:5] == ["文件", "单位编号", "项目名称", "总分", "等级"]
    assert "a-official.xlsx" in result.stdout and "d-fake.xlsx" in result.stdout


def test_single_multi_form_file_reports_each_form(inbox):
    result = perfnb("score", inbox / "sub" / "c-two.xlsx", "--json")
    documents = json.loads(result.stdout)
    assert result.returncode == 1
    assert [d["unit_id"] for d in documents] == ["c-two-人大履职保障经费", "c-two-项目丙"]
    assert documents[0]["total"] == 97.6 and "五分" in documents[1]["error"]
    picked = perfnb("score", inbox / "sub" / "c-two.xlsx", "--json", "--form", "1")
    assert picked.returncode == 0 and json.loads(picked.stdout)["unit_id"] == "c-two-人大履职保障经费"


def test_parallel_screening_gives_the_same_rows(inbox, monkeypatch):
    files = screen.discover_files([inbox]) * 3
    serial = screen.screen_files(files, jobs=1)
    monkeypatch.setattr(screen, "PARALLEL_FROM", 4)
    monkeypatch.setattr(screen, "CHUNK", 4)
    parallel = screen.screen_files(files, jobs=2)
    strip = [{k: v for k, v in row.items() if not k.startswith("_")} for row in serial]
    assert [{k: v for k, v in row.items() if not k.startswith("_")} for row in parallel] == strip
    assert len(serial) == 18


def test_rules_option_applies_to_every_unit(inbox):
    result = perfnb("score", inbox / "a-official.xlsx", "--rules", "sichuan", "--jsonl")
    assert json.loads(result.stdout)["rules"] == "sichuan"
    bad = perfnb("score", inbox / "a-official.xlsx", "--rules", "no-such-rules", "--jsonl")
    row = json.loads(bad.stdout)
    assert bad.returncode == 1 and row["status"] == "failed" and "no-such-rules" in row["first_error"]
