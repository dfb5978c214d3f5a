"""The batch summary of reviewed units: 自评 vs 计算 vs 复核, grade changes first, per department."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

import perfnb
from perfnb.fsutil import safe_component
from perfnb.reporting.summary import (department_review_table, load_results, percent_text,
                                      ranking_table, review_table, write_summary_workbook)

PARAMS = Path(__file__).resolve().parents[2] / "params"
UNITS = ("007.yaml", "jtt-2023-ncgl.yaml", "jtt-2023-gsgyh.yaml", "nmg-rd-2022-rdlz.yaml")


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("reviewed")
    for name in UNITS:
        evaluation = perfnb.evaluate(perfnb.load_unit(PARAMS / name))
        data = evaluation.to_dict()
        folder = root / safe_component(data["department"]) / safe_component(data["unit_id"])
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return root


def test_unit_table_puts_grade_changes_first(results_dir):
    results = load_results(results_dir)
    compact = review_table(results)
    assert list(compact.columns) == ["主管部门", "单位编号", "自评", "计算", "复核", "调整指标",
                                     "采纳发现", "等级变化", "偏离度", "自评质量"]
    assert compact.iloc[0][["自评", "计算", "复核", "等级变化"]].tolist() == \
        ["93.75（良好）", "94.29（优）", "89.29（良）", "是"]
    assert compact.set_index("单位编号").loc["nmg-rd-2022-rdlz", "复核"] == "未复核"
    table = review_table(results, split=True)
    assert list(table.columns) == ["主管部门", "单位编号", "自评总分", "自评等级", "计算总分", "计算等级",
                                   "复核总分", "复核等级", "调整指标数", "采纳审核发现", "已复核",
                                   "等级变化", "偏离度", "偏离分值", "自评质量"]
    first = table.iloc[0]
    assert (first["单位编号"], first["自评总分"], first["计算总分"], first["复核总分"]) == \
        ("jtt-2023-ncgl", 93.75, 94.29, 89.29)
    assert (first["计算等级"], first["复核等级"], first["调整指标数"], first["采纳审核发现"],
            first["等级变化"]) == ("优", "良", 2, 1, "是")
    rows = table.set_index("单位编号")
    assert rows.loc["007", ["复核总分", "复核等级", "调整指标数", "已复核", "等级变化"]].tolist() == \
        [98.75, "优", 1, "是", ""]
    assert rows.loc["nmg-rd-2022-rdlz", ["复核总分", "已复核"]].tolist() == [97.6, "否"]
    assert list(table.index) == [1, 2, 3, 4]
    # 偏离度 = (自评 − 复核) ÷ 自评: (93.75 − 89.29) ÷ 93.75, (99.75 − 98.75) ÷ 99.75
    assert rows.loc["jtt-2023-ncgl", ["偏离度", "偏离分值", "自评质量"]].tolist() == ["4.76%", 4.46, "好"]
    assert rows.loc["007", ["偏离度", "偏离分值", "自评质量"]].tolist() == ["1.00%", 1.0, "好"]
    assert rows.loc["nmg-rd-2022-rdlz", ["偏离度", "自评质量"]].tolist() == ["", ""]


def test_department_table(results_dir):
    table = department_review_table(load_results(results_dir)).set_index("主管部门")
    jtt = table.loc["江西省交通运输厅"]
    assert (jtt["单位数"], jtt["已复核单位数"], jtt["等级变化单位数"], jtt["调整指标数"],
            jtt["采纳审核发现"]) == (2, 1, 1, 2, 1)
    assert table.index[0] == "江西省交通运输厅"     # departments with grade changes first
    # over its reviewed units only: |93.75 − 89.29| ÷ 93.75
    assert (jtt["偏离度"], jtt["自评质量"]) == ("4.76%", "好")


def test_rates_are_written_as_in_unit_reports(results_dir):
    results = load_results(results_dir)
    rates = set(ranking_table(results)["预算执行率"])
    assert "97.50%" in rates and all(r.endswith("%") and len(r.split(".")[1]) == 3 for r in rates)
    assert (percent_text(0.68), percent_text(0.975376), percent_text(float("nan"))) == \
        ("68.00%", "97.54%", "—")


def test_summary_workbook_has_review_sheets(results_dir):
    book = load_workbook(write_summary_workbook(results_dir))
    assert {"汇总", "审核发现", "自评与复核", "部门复核汇总"} <= set(book.sheetnames)
    main = [[c.value for c in row] for row in book["汇总"].iter_rows()]
    header = main[0]
    rows = {r[header.index("单位编号")]: r for r in main[1:]}
    assert rows["jtt-2023-ncgl"][header.index("复核总分")] == pytest.approx(89.29)
    assert rows["jtt-2023-ncgl"][header.index("复核等级")] == "良"
    review = [[c.value for c in row] for row in book["自评与复核"].iter_rows()]
    assert review[1][:4] == ["主管部门", "单位编号", "自评总分", "自评等级"]
    assert review[2][1] == "jtt-2023-ncgl"
