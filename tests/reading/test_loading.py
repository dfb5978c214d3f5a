"""perfnb.reading: every layout loads to the canonical tables."""
from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path

import pytest
from openpyxl import load_workbook

from perfnb.reading import load_unit, load_units, resolve_data_path, write_template
from perfnb.model import (BUDGET_COLUMNS, BUDGET_LINE_COLUMNS, INDICATOR_COLUMNS, REPORTED_COLUMNS,
                          UNIT_COLUMNS)

from xlsx_builders import build_csv, build_official, build_sichuan, build_workbook, set_cached_values

ROOT = Path(__file__).resolve().parents[2]


def assert_contracts(tables):
    for frame, contract in ((tables.units, UNIT_COLUMNS), (tables.budgets, BUDGET_COLUMNS),
                            (tables.indicators, INDICATOR_COLUMNS),
                            (tables.reported, REPORTED_COLUMNS),
                            (tables.budget_lines, BUDGET_LINE_COLUMNS)):
        assert set(contract) <= set(frame.columns), set(contract) - set(frame.columns)
        # the dtypes are the declared ones (model.Column), not whatever pandas inferred
        wrong = {name: (str(frame[name].dtype), column.dtype) for name, column in contract.items()
                 if str(frame[name].dtype) != column.dtype}
        assert not wrong, wrong
        for name, column in contract.items():
            if column.kind in ("text", "mapping") and column.may_be_empty:
                assert not frame[name].map(lambda v: isinstance(v, float)).any(), name  # None, not NaN


def indicator(tables, name):
    rows = tables.indicators[tables.indicators["name"] == name]
    assert len(rows) == 1, name
    return rows.iloc[0]


# --- official form (the seed) ------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_tables(tmp_path_factory):
    path = build_official(tmp_path_factory.mktemp("official") / "nmg.xlsx")
    return load_unit(path)


def test_official_unit_and_budget(seed_tables):
    assert_contracts(seed_tables)
    unit = seed_tables.units.iloc[0]
    assert unit["unit_id"] == "nmg" and unit["layout"] == "official"
    assert unit["project"] == "人大履职保障经费"
    assert unit["department"] == unit["implementing_unit"] == "内蒙古自治区人大常委会办公厅"
    assert unit["year"] == 2022
    assert unit["goal_planned"].startswith("完成处理机关日常工作")
    assert unit["reported_total"] == 97.6 and unit["reported_grade"] == "优"
    budget = seed_tables.budgets.iloc[0]
    assert (budget["initial"], budget["executed"], budget["weight"]) == (2229.0, 1972.41, 10.0)
    assert math.isnan(budget["adjusted"])
    assert budget["reported_rate"] == pytest.approx(0.8849)
    assert budget["reported_score"] == 8.85 and budget["row"] == 6
    lines = seed_tables.budget_lines
    assert list(lines["label"]) == ["年度资金总额", "当年财政拨款", "上年结转资金", "其他资金"]
    assert list(lines["is_total"]) == [True, False, False, False]
    # each line says where it is (FUNDS_TOTAL_MISMATCH points at the total line)
    assert list(lines["row"]) == [6, 7, 8, 9] and set(lines["sheet"]) == {budget["sheet"]}


def test_official_indicators(seed_tables):
    frame = seed_tables.indicators
    assert len(frame) == 15 and list(frame["seq"]) == list(range(15))
    assert frame.groupby("level1")["weight"].sum().to_dict() == {"产出指标": 50, "效益指标": 30,
                                                                 "满意度指标": 10}
    c14 = indicator(seed_tables, "C14办公设备采购批次")
    assert (c14["level1"], c14["level2"], c14["operator"], c14["target"], c14["actual"]) == \
        ("产出指标", "数量指标", ">=", 4.0, 3.0)
    assert (c14["declared_direction"], c14["measure_unit"], c14["reported_score"]) == \
        ("正向", "批次", 3.75)
    assert c14["row"] == 16 and c14["sheet"] == "项目支出绩效自评表"
    c4 = indicator(seed_tables, "C4经费总额")   # labelled 正向, but a ceiling
    assert (c4["operator"], c4["target"], c4["declared_direction"], c4["level2"]) == \
        ("<=", 2255.0, "正向", "成本指标")
    c2 = indicator(seed_tables, "C2工作完成质量")
    assert (c2["kind"], c2["target_grade"], c2["actual_grade"], c2["operator"]) == \
        ("qualitative", "优", "优", None)
    assert c2["declared_kind"] == "定性"
    e1 = indicator(seed_tables, "E1服务人员满意度")   # labelled 定性, but a number
    assert (e1["kind"], e1["operator"], e1["target"], e1["actual"], e1["measure_unit"]) == \
        ("quantitative", ">=", 95.0, 95.0, "%")
    assert (e1["level1"], e1["level2"]) == ("满意度指标", "服务对象满意度指标")
    c3 = indicator(seed_tables, "C3工作完成时限")
    assert c3["operator"] == ">=" and c3["kind"] == "quantitative"


def test_official_reported_rows(seed_tables):
    reported = seed_tables.reported.set_index("row")
    assert reported.loc[24, ["level", "level1", "weight", "score"]].tolist() == \
        ["level1", "产出指标", 50.0, 48.75]
    # the free-standing 合计 under the 效益 block is the 效益 subtotal (the seed's 10/10)
    assert reported.loc[28, ["level", "level1", "weight", "score"]].tolist() == \
        ["level1", "效益指标", 10.0, 10.0]
    assert reported.loc[30, ["level", "weight", "score"]].tolist() == ["total", 100.0, 97.6]


def test_official_unmerged_blank_below_cells_carry_down(tmp_path):
    tables = load_unit(build_official(tmp_path / "plain.xlsx", merge=False))
    assert tables.indicators.groupby("level1").size().to_dict() == {"产出指标": 11, "效益指标": 3,
                                                                    "满意度指标": 1}
    assert indicator(tables, "C18维修改造工程个数")["level2"] == "数量指标"


def test_official_formula_with_cached_value_is_used(tmp_path):
    path = tmp_path / "formula.xlsx"
    build_official(path)
    workbook = load_workbook(path)
    workbook.active["J30"] = "=SUM(J24,J28,J29)+8.85"
    workbook.save(path)
    set_cached_values(path, 1, {"J30": 97.6})
    assert load_unit(path).units.iloc[0]["reported_total"] == 97.6


# --- 四川 ------------------------------------------------------------------------------------

def test_sichuan_form(tmp_path):
    tables = load_unit(build_sichuan(tmp_path / "sc-001.xlsx"))
    assert_contracts(tables)
    unit = tables.units.iloc[0]
    assert (unit["layout"], unit["year"], unit["project"], unit["department"]) == \
        ("sichuan", 2023, "基层干部培训", "四川省某某厅")
    assert (unit["reported_grade"], unit["problems"], unit["measures"]) == \
        ("良", "培训宣传不足。", "加强宣传。")
    budget = tables.budgets.iloc[0]
    assert (budget["initial"], budget["adjusted"], budget["executed"], budget["weight"]) == \
        (100.0, 120.0, 96.0, 10.0)
    assert budget["reported_rate"] == pytest.approx(0.8) and budget["reason"] == "项目进度延后"
    assert list(tables.indicators["operator"]) == [">=", ">=", "<=", "<=", None, "="]
    knowledge = indicator(tables, "群众知晓度")
    assert (knowledge["kind"], knowledge["declared_kind"], knowledge["target_grade"],
            knowledge["actual_grade"]) == ("qualitative", "定性", "优", "良")
    cost = indicator(tables, "人均培训成本")
    assert (cost["measure_unit"], cost["deviation_reason"], cost["weight"]) == \
        ("万元", "教材单价上涨", 10.0)
    total = tables.reported.iloc[-1]
    assert (total["level"], total["weight"], total["score"]) == ("total", 100.0, 90.2)


# --- our workbook ------------------------------------------------------------------------------

def test_template_is_empty_with_help(tmp_path):
    path = write_template(tmp_path / "模板.xlsx")
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["项目信息", "预算执行", "绩效指标"]
    sheet = workbook["绩效指标"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["一级指标", "二级指标", "三级指标"] and "偏差原因分析及改进措施" in headers
    assert sheet.max_row == 1                         # no example rows
    assert all(cell.comment is not None and cell.comment.text for cell in sheet[1])
    formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert '"产出指标,效益指标,满意度指标"' in formulas and '"定量,定性"' in formulas
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["C"].width >= 20
    assert [row[0].value for row in workbook["预算执行"].iter_rows(min_row=2)] == \
        ["年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"]


def test_empty_template_reports_no_indicator_rows(tmp_path):
    from perfnb.errors import PerfnbError
    with pytest.raises(PerfnbError, match="没有指标行"):
        load_unit(write_template(tmp_path / "blank.xlsx"))


def test_three_sheet_workbook(tmp_path):
    tables = load_unit(build_workbook(tmp_path / "school.xlsx"))
    assert_contracts(tables)
    unit = tables.units.iloc[0]
    assert unit["unit_id"] == "007"              # 单位编号 kept as text
    assert (unit["layout"], unit["year"], unit["reported_total"], unit["plans"]) == \
        ("workbook", 2023, 95.0, "继续维护。")
    budget = tables.budgets.iloc[0]
    assert (budget["adjusted"], budget["reported_rate"], budget["sheet"]) == (320.0, 0.95, "预算执行")
    rate = indicator(tables, "验收合格率")       # 1.0 in a percentage cell is 100 (%)
    assert (rate["operator"], rate["target"], rate["actual"], rate["measure_unit"]) == \
        ("=", 100.0, 100.0, "%")
    cost = indicator(tables, "维修成本")          # 反向 without an operator -> "<="
    assert (cost["operator"], cost["declared_direction"]) == ("<=", "反向")
    safety = indicator(tables, "安全隐患消除")
    assert (safety["kind"], safety["target_grade"], safety["actual_grade"]) == \
        ("qualitative", "达成", "部分达成")
    assert indicator(tables, "师生满意度")["target"] == 90.0


# --- CSV ------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path, encoding):
    tables = load_unit(build_csv(tmp_path / "unit.csv", encoding=encoding))
    assert_contracts(tables)
    assert tables.units.iloc[0]["layout"] == "csv"
    frame = tables.indicators
    assert list(frame["name"]) == ["维修校舍栋数", "验收合格率", "维修成本", "安全隐患消除", "师生满意度"]
    assert list(frame["row"]) == [2, 3, 4, 5, 6]
    assert indicator(tables, "验收合格率")["actual"] == 100.0


def test_csv_with_unit_yaml(tmp_path):
    build_csv(tmp_path / "data" / "u.csv", encoding="gb18030") if (tmp_path / "data").mkdir() \
        is None else None
    (tmp_path / "u.yaml").write_text(textwrap.dedent("""\
        unit_id: 007
        department: 某市教育局
        project: 校舍维修
        year: 2023
        data: data/u.csv
        budget: {initial: 300, adjusted: 320, executed: 304, weight: 10, reported_rate: "95%"}
        reported: {total: 95, grade: 优}
        evaluation: {problems: 进度偏慢。, notes: 抽查 2 栋}
        """), encoding="utf-8")
    tables = load_unit(tmp_path / "u.yaml")
    unit = tables.units.iloc[0]
    assert unit["unit_id"] == "007" and tables.indicators["unit_id"].eq("007").all()
    assert (unit["department"], unit["year"], unit["reported_total"], unit["notes"]) == \
        ("某市教育局", 2023, 95.0, "抽查 2 栋")
    budget = tables.budgets.iloc[0]
    assert (budget["initial"], budget["executed"], budget["reported_rate"]) == (300.0, 304.0, 0.95)


# --- unit YAML, overrides, several units ---------------------------------------------------------

def test_yaml_overrides_workbook(tmp_path):
    build_official(tmp_path / "seed.xlsx")
    (tmp_path / "seed.yaml").write_text(textwrap.dedent("""\
        unit_id: nmg-rd-2022-rdlz
        project: 2022    # unquoted number, kept as text
        data: seed.xlsx
        budget:
          reported_rate: 0.8849
          reason: 序时支出不足
        goals: {planned: null}
        """), encoding="utf-8")
    tables = load_unit(tmp_path / "seed.yaml", overrides={"department": "某部门", "reported":
                                                          {"grade": "良好"}})
    unit = tables.units.iloc[0]
    assert unit["unit_id"] == "nmg-rd-2022-rdlz" and unit["project"] == "2022"
    assert unit["department"] == "某部门" and unit["reported_grade"] == "良好"
    assert unit["goal_planned"].startswith("完成处理")         # null does not override
    budget = tables.budgets.iloc[0]
    assert budget["reason"] == "序时支出不足" and budget["initial"] == 2229.0


def test_load_units_concatenates(tmp_path):
    tables = load_units([build_official(tmp_path / "a.xlsx"), build_sichuan(tmp_path / "b.xlsx"),
                         build_csv(tmp_path / "c.csv")])
    assert tables.unit_ids == ["a", "b", "c"]
    assert tables.indicators.groupby("unit_id").size().to_dict() == {"a": 15, "b": 6, "c": 5}


def test_resolve_data_path(tmp_path, monkeypatch):
    assert resolve_data_path("/abs/x.xlsx") == Path("/abs/x.xlsx")
    assert resolve_data_path("d/x.xlsx", tmp_path) == tmp_path / "d" / "x.xlsx"
    (tmp_path / "params" / "data").mkdir(parents=True)
    (tmp_path / "params" / "data" / "x.xlsx").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    assert resolve_data_path("data/x.xlsx") == tmp_path / "params" / "data" / "x.xlsx"
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert resolve_data_path("data/x.xlsx") == tmp_path / "params" / "data" / "x.xlsx"
    assert resolve_data_path("none.xlsx") == tmp_path / "notebooks" / "none.xlsx"


# --- the sample units under params/ -------------------------------------------------------------

PARAMS = sorted((ROOT / "params").glob("*.yaml"))


@pytest.mark.skipif(not PARAMS, reason="no sample units in params/ yet")
@pytest.mark.parametrize("path", PARAMS, ids=lambda p: p.name)
def test_sample_units_load(path):
    tables = load_unit(path)
    assert len(tables.units) == 1 and len(tables.indicators) > 0
    assert_contracts(tables)
    weights = tables.indicators["weight"].sum() + tables.budgets["weight"].fillna(0).sum()
    assert weights <= 100.005
    assert os.path.basename(str(tables.units.iloc[0]["source"]))


def test_constant_formula_target_is_read_as_typed(tmp_path):
    # Excel turns a typed "=100%" into a formula; openpyxl saves it with no cached value.
    path = build_workbook(tmp_path / "typed.xlsx")
    workbook = load_workbook(path)
    workbook["绩效指标"]["F3"] = "=100%"
    workbook["绩效指标"]["F2"] = "=3"
    workbook.save(path)
    tables = load_unit(path)
    rate = indicator(tables, "验收合格率")
    assert (rate["operator"], rate["target"], rate["target_text"]) == ("=", 100.0, "=100%")
    assert indicator(tables, "维修校舍栋数")["operator"] == "="
