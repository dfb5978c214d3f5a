"""The completed 自评表 (.xlsx): round trip through the loader, layout, and the table writer."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import perfnb
from perfnb.reporting.office.xlsx_form import (FINDINGS_SHEET, FORM_SHEET, REPORTED_SCORE_HEADER,
                                     REVIEWED_SCORE_HEADER, write_xlsx_form)
from perfnb.reporting.office.xlsx_style import write_table_sheet

ROOT = Path(__file__).resolve().parents[2]
UNITS = {"nmg-rd-2022-rdlz": "central", "sc-lx-2023-gbzn": "sichuan"}


@pytest.fixture(scope="module")
def round_trips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forms")
    result = {}
    for unit_id, rules in UNITS.items():
        original = perfnb.evaluate(perfnb.load_unit(ROOT / "params" / f"{unit_id}.yaml"), rules)
        path = write_xlsx_form(original, folder / f"{unit_id}.xlsx")
        again = perfnb.evaluate(perfnb.load_unit(path), rules)
        result[unit_id] = (original.to_dict(), again.to_dict(), path)
    return result


@pytest.mark.parametrize("unit_id", list(UNITS))
def test_round_trip_gives_the_same_scores(round_trips, unit_id):
    original, again, _ = round_trips[unit_id]
    for key in ("total", "grade", "weight_total", "dimensions", "budget", "reported"):
        assert again[key] == original[key], key
    scores = lambda d: [(i["level1"], i["level2"], i["name"], i["weight"], i["score"],
                         i["reported_score"], i["status"], i["operator"], i["kind"])
                        for i in d["indicators"]]
    assert scores(again) == scores(original)
    assert {i["level1"] for i in original["indicators"]} >= {"产出指标", "效益指标", "满意度指标"}


@pytest.mark.parametrize("unit_id", list(UNITS))
def test_round_trip_keeps_the_findings(round_trips, unit_id):
    original, again, _ = round_trips[unit_id]
    key = lambda d: sorted((f["code"], f["severity"], f["location"]["indicator"] or "")
                           for f in d["findings"])
    assert key(again) == key(original)
    assert original["findings"], "the samples plant findings; an empty list tests nothing"


def test_seed_figures(round_trips):
    original, again, _ = round_trips["nmg-rd-2022-rdlz"]
    assert again["total"] == 97.6 and again["grade"] == "优"
    by_name = {i["name"]: i for i in again["indicators"]}
    assert by_name["C14办公设备采购批次"]["score"] == 3.75
    assert by_name["E1服务人员满意度"]["reported_score"] == 9.5
    assert by_name["E1服务人员满意度"]["score"] == 10.0
    assert by_name["C4经费总额"]["declared_direction"] == "正向"   # kept as the unit declared it


def _cells(sheet) -> dict[str, tuple[int, int]]:
    found = {}
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                found.setdefault(cell.value, (cell.row, cell.column))
    return found


def test_form_layout(round_trips):
    _, _, path = round_trips["nmg-rd-2022-rdlz"]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [FORM_SHEET, FINDINGS_SHEET]
    sheet = book[FORM_SHEET]
    cells = _cells(sheet)
    for label in ("项目支出绩效自评表", "（2022年度）", "项目名称", "主管部门", "实施单位", "年度资金总额",
                  "其中：当年财政拨款", "预期目标", "实际完成情况", "一级指标", "二级指标", "三级指标",
                  "指标性质", "指标方向", "年度指标值", "实际完成值", "计量单位", "分值",
                  REPORTED_SCORE_HEADER, REVIEWED_SCORE_HEADER, "偏差原因分析及改进措施", "总分",
                  "评价结论", "复核结论"):
        assert label in cells, label
    header_row, _ = cells["一级指标"]
    # 一级 merged down over its indicators and its 合计 row; 二级 over its indicators.
    merged = {str(r) for r in sheet.merged_cells.ranges}
    first = header_row + 1
    assert f"A{first}:A{first + 11}" in merged          # 产出: 11 indicators + 合计
    assert f"B{first}:B{first + 7}" in merged           # 数量指标: C11..C18
    assert sheet.cell(row=first + 11, column=2).value == "合计"
    total_row, _ = cells["总分"]
    assert sheet.cell(row=total_row, column=10).value == 97.6
    assert sheet.cell(row=total_row, column=11).value == 97.6
    assert sheet.cell(row=first, column=1).font.name == "宋体"
    assert sheet.cell(row=header_row, column=1).border.left.style == "thin"
    assert sheet.cell(row=first + 3, column=3).alignment.wrap_text
    # Print: A4 portrait, one page wide, indicator header repeated.
    assert int(sheet.page_setup.paperSize) == 9   # A4
    assert sheet.page_setup.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    findings = book[FINDINGS_SHEET]
    rows = list(findings.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("序号", "代码", "类别", "位置", "说明")
    codes = {row[1] for row in rows[1:]}
    assert {"SCORE_MISMATCH", "SUBTOTAL_MISMATCH", "LOW_EXECUTION"} <= codes


def test_write_table_sheet_styles_a_frame():
    frame = pd.DataFrame({"单位": ["甲单位", "乙"], "总分": [97.6, 81.0], "预算执行率": [0.8849, 1.0],
                          "错误": [1, 0]})
    book = openpyxl.Workbook()
    sheet = book.active
    header = write_table_sheet(sheet, frame, title="汇总表")
    assert header == 2
    assert sheet["A1"].value == "汇总表" and "A1:D1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[2]] == ["单位", "总分", "预算执行率", "错误"]
    assert sheet["B3"].number_format == "0.00" and sheet["C3"].number_format == "0.00%"
    assert sheet["D3"].number_format == "0"
    assert sheet["A2"].font.bold and sheet["A3"].border.bottom.style == "thin"
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width >= 8
