"""Bad input: every problem is an InputError in Chinese naming file, sheet, row and column."""
from __future__ import annotations

import math
import textwrap
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from perfnb.errors import InputError, InputErrors, PerfnbError
from perfnb import evaluate
from perfnb.reading import load_unit
from perfnb.reporting.terminal import format_text

from xlsx_builders import CSV_INDICATORS, WORKBOOK_INDICATORS, build_csv, build_official, build_workbook


def errors_of(excinfo) -> list[InputError]:
    error = excinfo.value
    return error.errors if isinstance(error, InputErrors) else [error]


def only_error(excinfo) -> InputError:
    errors = errors_of(excinfo)
    assert len(errors) == 1, [e.message for e in errors]
    return errors[0]


def replace_indicator(rows, index, **changes):
    """A copy of workbook indicator rows with one row's fields changed."""
    fields = ["level1", "level2", "name", "kind", "direction", "target", "actual", "unit", "weight",
              "score", "reason"]
    rows = [list(r) for r in rows]
    for key, value in changes.items():
        rows[index][fields.index(key)] = value
    return [tuple(r) for r in rows]


# --- files that cannot be read ---------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(InputError) as excinfo:
        load_unit(tmp_path / "无此文件.xlsx")
    assert "找不到该文件" in str(excinfo.value) and "无此文件.xlsx" in str(excinfo.value)


def test_empty_file(tmp_path):
    (tmp_path / "empty.xlsx").write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.xlsx.*0 字节"):
        load_unit(tmp_path / "empty.xlsx")


def test_text_file_named_xlsx(tmp_path):
    (tmp_path / "fake.xlsx").write_text("一级指标,二级指标\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"fake\.xlsx.*不是 Excel 工作簿"):
        load_unit(tmp_path / "fake.xlsx")


def test_zip_that_is_not_xlsx(tmp_path):
    with zipfile.ZipFile(tmp_path / "archive.xlsx", "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match=r"archive\.xlsx.*不是 Excel 工作簿"):
        load_unit(tmp_path / "archive.xlsx")


def test_directory_instead_of_file(tmp_path):
    (tmp_path / "units.xlsx").mkdir()
    with pytest.raises(InputError, match="文件夹"):
        load_unit(tmp_path / "units.xlsx")


def test_unknown_suffix(tmp_path):
    (tmp_path / "unit.rtf").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="无法识别的文件类型"):
        load_unit(tmp_path / "unit.rtf")


def test_text_without_a_table_names_the_file(tmp_path):
    (tmp_path / "unit.txt").write_text("会议纪要\n\n今年完成了预算。", encoding="utf-8")
    with pytest.raises(InputError, match=r"unit\.txt.*文本中找不到绩效指标表"):
        load_unit(tmp_path / "unit.txt")


def test_workbook_without_indicator_table(tmp_path):
    workbook = Workbook()
    workbook.active["A1"] = "会议纪要"
    workbook.save(tmp_path / "minutes.xlsx")
    with pytest.raises(InputError, match=r"minutes\.xlsx.*找不到绩效指标表"):
        load_unit(tmp_path / "minutes.xlsx")


def test_headers_only(tmp_path):
    path = build_official(tmp_path / "headers.xlsx", indicators=[], total_row=False,
                          conclusion=None)
    with pytest.raises(InputError) as excinfo:
        load_unit(path)
    error = only_error(excinfo)
    assert "没有指标行" in error.message
    assert (error.location.sheet, error.location.row) == ("项目支出绩效自评表", 12)


def test_formula_without_cached_value(tmp_path):
    path = build_official(tmp_path / "formula.xlsx")
    workbook = load_workbook(path)
    workbook.active["J30"] = "=SUM(J24,J28,J29)"
    workbook.save(path)
    with pytest.raises(InputError) as excinfo:
        load_unit(path)
    error = only_error(excinfo)
    assert "公式" in error.message
    assert (error.location.sheet, error.location.row, error.location.column_letter) == \
        ("项目支出绩效自评表", 30, "J")


# --- weights -----------------------------------------------------------------------------------

@pytest.mark.parametrize("weight, words", [(None, "缺少分值"), ("五分", "不是数字"), (-5, "负数"),
                                           (120, "超过 100")])
def test_bad_weight_located(tmp_path, weight, words):
    # one bad row does not cost the form: the other rows are scored, the row is a finding
    rows = replace_indicator(WORKBOOK_INDICATORS, 2, weight=weight)
    tables = load_unit(build_workbook(tmp_path / "w.xlsx", indicators=rows))
    assert 4 not in set(tables.indicators["row"]) and len(tables.indicators) == len(rows) - 1
    result = evaluate(tables)
    findings = result.findings
    located = findings[findings["code"] == "ROW_NOT_READ"]
    assert len(located) == 1 and words in located["message"].iloc[0]
    assert located["severity"].iloc[0] == "error"
    assert (located["sheet"].iloc[0], located["row"].iloc[0], located["column"].iloc[0]) == \
        ("绩效指标", 4, "分值")
    partial = findings[findings["code"] == "TOTAL_PARTIAL"]
    assert len(partial) == 1 and f"{len(rows)} 项指标中的 {len(rows) - 1} 项" in partial["message"].iloc[0]
    data = result.to_dict()
    assert (data["partial_total"], data["indicators_counted"], data["indicators_printed"]) == \
        (True, len(rows) - 1, len(rows))
    # the score text and the report say plainly that the total is partial, where they give it
    plain = f"部分合计：总分只计入表中 {len(rows)} 项指标中读入的 {len(rows) - 1} 项"
    text = format_text(result)
    assert plain in text and text.index(plain) < text.index("预算执行：")
    from perfnb.reporting.narrative import render_report
    assert plain in render_report(result)


def test_a_whole_total_is_not_called_partial(tmp_path):
    result = evaluate(load_unit(build_workbook(tmp_path / "w.xlsx")))
    assert "部分合计" not in format_text(result)


def test_a_table_no_row_of_which_can_be_read_is_refused_with_each_row_located(tmp_path):
    rows = [replace_indicator(WORKBOOK_INDICATORS, i, weight=None)[i]
            for i in range(len(WORKBOOK_INDICATORS))]
    with pytest.raises(InputErrors) as excinfo:
        load_unit(build_workbook(tmp_path / "w.xlsx", indicators=rows))
    errors = errors_of(excinfo)
    assert sorted(e.location.row for e in errors) == list(range(2, len(rows) + 2))
    assert all("缺少分值" in e.message and e.location.column_letter == "I" for e in errors)


def test_weights_summing_over_100_are_read_and_reported(tmp_path):
    # Published forms do this (weights of 110, 120): read, and the roll-up check says so.
    rows = replace_indicator(WORKBOOK_INDICATORS, 0, weight=35)     # 95 + budget 10 = 105
    tables = load_unit(build_workbook(tmp_path / "sum.xlsx", indicators=rows))
    findings = evaluate(tables).findings
    rollup = findings[findings["code"] == "WEIGHT_ROLLUP"]
    assert len(rollup) == 1 and "105" in rollup["message"].iloc[0]
    assert rollup["severity"].iloc[0] == "error"


def test_weights_summing_over_100_with_yaml_budget_weight(tmp_path):
    build_csv(tmp_path / "u.csv")                                  # indicators sum to 90
    (tmp_path / "u.yaml").write_text("data: u.csv\nbudget: {weight: 20}\n", encoding="utf-8")
    findings = evaluate(load_unit(tmp_path / "u.yaml")).findings
    assert "共 110 分" in " ".join(findings.loc[findings["code"] == "WEIGHT_ROLLUP", "message"])


# --- values ------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["≈5", "约5"])
def test_an_approximate_target_is_read_with_a_finding_not_refused(tmp_path, target):
    rows = replace_indicator(WORKBOOK_INDICATORS, 0, target=target)
    tables = load_unit(build_workbook(tmp_path / "op.xlsx", indicators=rows))
    noted = tables.observations[tables.observations["code"] == "APPROXIMATE_VALUE"]
    assert len(noted) == 1 and (noted.iloc[0]["row"], noted.iloc[0]["column"]) == (2, "年度指标值")
    assert tables.indicators.iloc[0]["target"] == 5


@pytest.mark.parametrize("target", ["较好", None])
def test_unparsable_target_on_quantitative(tmp_path, target):
    rows = replace_indicator(WORKBOOK_INDICATORS, 1, target=target, kind="定量")
    tables = load_unit(build_workbook(tmp_path / "t.xlsx", indicators=rows))
    noted = tables.observations[tables.observations["code"] == "VALUE_NOT_READ"]
    assert len(noted) == 1 and (noted.iloc[0]["row"], noted.iloc[0]["column"]) == (3, "年度指标值")
    assert "定量" in noted.iloc[0]["fields"]["problem"]
    kept = tables.indicators.set_index("row").loc[3]        # kept, scored as missing its target
    assert kept["kind"] == "quantitative" and kept["target"] != kept["target"]


def test_descriptive_target_on_qualitative_is_fine(tmp_path):
    rows = replace_indicator(WORKBOOK_INDICATORS, 3, target="有效提升")
    tables = load_unit(build_workbook(tmp_path / "q.xlsx", indicators=rows))
    assert tables.indicators.loc[3, "kind"] == "qualitative"


def test_negative_actual_is_not_an_error(tmp_path):
    rows = replace_indicator(WORKBOOK_INDICATORS, 0, actual=-2)
    tables = load_unit(build_workbook(tmp_path / "n.xlsx", indicators=rows))
    assert tables.indicators.loc[0, "actual"] == -2.0


def test_negative_budget_amount(tmp_path):
    funds = [("年度资金总额", 300, -320, 304, 10, "95%", 9.5, None)]
    with pytest.raises(InputError) as excinfo:
        load_unit(build_workbook(tmp_path / "b.xlsx", funds=funds))
    error = only_error(excinfo)
    assert "负数" in error.message
    assert (error.location.sheet, error.location.row, error.location.column_letter) == \
        ("预算执行", 2, "C")


def test_year_out_of_range_in_form(tmp_path):
    with pytest.raises(InputError) as excinfo:
        load_unit(build_official(tmp_path / "y.xlsx", year_text="（1999年度）"))
    error = only_error(excinfo)
    assert "1999" in error.message and "2000" in error.message
    assert (error.location.sheet, error.location.row) == ("项目支出绩效自评表", 2)


def test_several_bad_rows_are_each_a_finding_and_the_rest_is_scored(tmp_path):
    rows = replace_indicator(WORKBOOK_INDICATORS, 0, target="≥3≤5")
    rows = replace_indicator(rows, 2, weight="十")
    tables = load_unit(build_workbook(tmp_path / "many.xlsx", indicators=rows))
    noted = tables.observations[tables.observations["code"].isin(["ROW_NOT_READ", "VALUE_NOT_READ"])]
    assert sorted(zip(noted["row"], noted["code"])) == [(2, "VALUE_NOT_READ"), (4, "ROW_NOT_READ")]
    assert len(tables.indicators) == len(rows) - 1            # only the row without a weight


# --- CSV ---------------------------------------------------------------------------------------

def test_csv_broken_encoding(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("一级指标,三级指标\n".encode("utf-8") + b"\xff\xfe\x80\x80abc\n")
    with pytest.raises(InputError) as excinfo:
        load_unit(path)
    assert "编码" in str(excinfo.value) and "bad.csv" in str(excinfo.value)
    assert excinfo.value.location.row == 2


def test_csv_error_names_line_and_column(tmp_path):
    rows = [tuple(r) for r in CSV_INDICATORS]
    rows[1] = rows[1][:8] + ("abc",) + rows[1][9:]
    tables = load_unit(build_csv(tmp_path / "w.csv", rows=rows))
    findings = evaluate(tables).findings
    located = findings[findings["code"] == "ROW_NOT_READ"]
    assert (located["row"].iloc[0], located["column"].iloc[0]) == (3, "分值")
    assert "“abc”不是数字" in located["message"].iloc[0]
    # every row bad: refused, each error naming file, line and column
    bad = [r[:8] + ("abc",) + r[9:] for r in rows]
    with pytest.raises(InputErrors) as excinfo:
        load_unit(build_csv(tmp_path / "w.csv", rows=bad))
    error = errors_of(excinfo)[1]
    assert (error.location.row, error.location.column) == (3, "分值")
    assert "w.csv" in error.message and "第 3 行" in error.message


def test_csv_without_indicator_headers(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("姓名,年龄\n张三,30\n", encoding="utf-8")
    with pytest.raises(InputError, match="表头"):
        load_unit(path)


# --- unit YAML ---------------------------------------------------------------------------------

def write_yaml(tmp_path, text, name="unit.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_invalid_yaml_names_line(tmp_path):
    path = write_yaml(tmp_path, """\
        unit_id: a
        department: [未闭合
        data: a.csv
        """)
    with pytest.raises(InputError) as excinfo:
        load_unit(path)
    assert "YAML" in str(excinfo.value) and excinfo.value.location.row in (2, 3, 4)
    assert "unit.yaml" in str(excinfo.value)


def test_yaml_without_data(tmp_path):
    with pytest.raises(InputError, match="缺少 data"):
        load_unit(write_yaml(tmp_path, "unit_id: a\nyear: 2023\n"))


def test_yaml_with_missing_data_file(tmp_path):
    with pytest.raises(InputError, match="不存在"):
        load_unit(write_yaml(tmp_path, "data: data/none.xlsx\n"))


def test_yaml_unknown_keys_are_typos(tmp_path):
    build_csv(tmp_path / "u.csv")
    path = write_yaml(tmp_path, """\
        data: u.csv
        buget: {initial: 1}
        budget: {intial: 1}
        """)
    with pytest.raises(InputErrors) as excinfo:
        load_unit(path)
    messages = [(e.location.row, e.message) for e in excinfo.value.errors]
    assert [row for row, _ in messages] == [2, 3]
    assert "buget" in messages[0][1] and "intial" in messages[1][1]


def test_yaml_year_out_of_range(tmp_path):
    build_csv(tmp_path / "u.csv")
    with pytest.raises(InputError, match="2101"):
        load_unit(write_yaml(tmp_path, "data: u.csv\nyear: 2101\n"))


def test_yaml_negative_budget(tmp_path):
    build_csv(tmp_path / "u.csv")
    with pytest.raises(InputError) as excinfo:
        load_unit(write_yaml(tmp_path, "data: u.csv\nbudget:\n  initial: -5\n"))
    assert "负数" in str(excinfo.value) and excinfo.value.location.row == 3


def test_yaml_non_numeric_budget(tmp_path):
    build_csv(tmp_path / "u.csv")
    with pytest.raises(InputError, match="不是数字"):
        load_unit(write_yaml(tmp_path, "data: u.csv\nbudget:\n  executed: 很多\n"))


def test_every_error_is_a_perfnb_error_without_traceback_text(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(PerfnbError) as excinfo:
        load_unit(tmp_path / "empty.csv")
    assert "Traceback" not in str(excinfo.value) and str(excinfo.value).endswith("。")


def test_a_csv_keeps_what_its_reader_noted(tmp_path):
    # The CSV and template-workbook readers used to drop the block's observations.
    rows = [tuple(r) for r in CSV_INDICATORS]
    rows[0] = rows[0][:6] + ("约" + str(rows[0][6]),) + rows[0][7:]      # 实际完成值 "约3"
    tables = load_unit(build_csv(tmp_path / "noted.csv", rows=rows))
    noted = tables.observations[tables.observations["code"] == "APPROXIMATE_VALUE"]
    assert list(noted["row"]) == [2] and list(noted["column"]) == ["实际完成值"]


def test_funds_weight_of_the_whole_form_is_not_the_budget_weight(tmp_path):
    # pub30: the funds row prints 分值 100 (the form's total): the budget item cannot be worth the
    # whole form, so the rule set's budget weight is used and the cell is a located finding
    funds = [("年度资金总额", 150, 150, 125.25, 100, 0.835, 98),
             ("其中：当年财政拨款", 150, 150, 125.25, None, None, None)]
    tables = load_unit(build_official(tmp_path / "w100.xlsx", funds=funds))
    assert math.isnan(tables.budgets["weight"].iloc[0])
    result = evaluate(tables)
    budget = result.to_dict()["budget"]
    assert budget["weight"] == 10 and budget["score"] == pytest.approx(8.35)
    note = result.findings[result.findings["code"] == "VALUE_NOT_READ"].iloc[0]
    assert (note["row"], note["column"]) == (6, "分值") and "总分" in note["message"]
    # a plausible weight is still read as printed
    funds[0] = ("年度资金总额", 150, 150, 125.25, 20, 0.835, 16.7)
    tables = load_unit(build_official(tmp_path / "w20.xlsx", funds=funds))
    assert tables.budgets["weight"].iloc[0] == 20
