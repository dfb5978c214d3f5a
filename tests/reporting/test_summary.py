"""load_results, the summary tables and figures, and summary.xlsx, from result.json files."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from openpyxl import load_workbook

import perfnb
from perfnb.reporting.summary import (findings_matrix, grade_distribution, load_dimensions, load_findings,
                            load_results, plot_budget_execution, plot_grade_distribution,
                            plot_score_rate_heatmap, ranking_table, score_rate_matrix,
                            write_summary_workbook)

PARAMS = Path(__file__).resolve().parents[2] / "params"


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    """A batch-shaped folder whose result.json files come from really scoring sample units."""
    from perfnb.fsutil import safe_component

    root = tmp_path_factory.mktemp("results")
    for name in ("007.yaml", "nmg-rd-2022-rdlz.yaml", "wjw-2023-fyjk.yaml", "wjw-2023-jbgw.yaml"):
        evaluation = perfnb.evaluate(perfnb.load_unit(PARAMS / name))
        data = evaluation.to_dict(evaluation.unit_ids[0])
        folder = root / safe_component(data["department"]) / safe_component(data["unit_id"])
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (root / "某部门" / "坏单位").mkdir(parents=True)
    (root / "某部门" / "坏单位" / "result.json").write_text("{截断", encoding="utf-8")  # ignored
    return root


def _results(root: Path) -> dict[str, dict]:
    return {d["unit_id"]: d for d in (json.loads(p.read_text(encoding="utf-8"))
                                       for p in root.glob("*/*/result.json")
                                       if p.parent.name != "坏单位")}


def test_load_results_has_one_row_per_unit_with_its_figures(results_dir):
    frame = perfnb.load_results(results_dir)
    expected = _results(results_dir)
    assert sorted(frame["unit_id"]) == sorted(expected)
    assert list(frame["total"]) == sorted(frame["total"], reverse=True)
    for _, row in frame.iterrows():
        result = expected[row["unit_id"]]
        assert row["total"] == pytest.approx(result["total"]) and row["grade"] == result["grade"]
        assert row["department"] == result["department"]
        assert row["execution_rate"] == pytest.approx(result["budget"]["rate"])
        assert row["findings_error"] == result["counts"]["error"]
        for dimension in result["dimensions"]:
            assert row[f"score:{dimension['name']}"] == pytest.approx(dimension["score"])


def test_department_filter_by_name_or_folder(results_dir):
    by_name = load_results(results_dir, "湖北省卫生健康委员会")
    assert sorted(by_name["unit_id"]) == ["wjw-2023-fyjk", "wjw-2023-jbgw"]
    assert list(load_results(results_dir, by_name["folder"][0].split("/")[0])["unit_id"]) == list(
        by_name["unit_id"])
    assert load_results(results_dir, "没有的部门").empty


def test_tables_agree_with_the_results(results_dir):
    results = load_results(results_dir)
    expected = _results(results_dir)
    ranking = ranking_table(results)
    assert list(ranking["总分"]) == sorted((r["total"] for r in expected.values()), reverse=True)
    assert ranking.columns.name == "名次" and ranking.index[0] == 1  # one header row
    assert ranking.to_html().count("<tr") == len(ranking) + 1
    distribution = grade_distribution(results)
    assert list(distribution.index) == ["优", "良", "中", "差"]
    assert distribution.sum() == len(expected)
    for grade in distribution.index:
        assert distribution[grade] == sum(r["grade"] == grade for r in expected.values())
    matrix = score_rate_matrix(load_dimensions(results_dir))
    for unit_id, result in expected.items():
        for dimension in result["dimensions"]:
            if dimension["weight"]:
                assert matrix.loc[unit_id, dimension["name"]] == pytest.approx(
                    dimension["score"] / dimension["weight"])
    findings = load_findings(results_dir)
    assert len(findings) == sum(len(r["findings"]) for r in expected.values())
    counts = findings_matrix(findings)
    assert counts["合计"].sum() == len(findings)


def test_figures_render(results_dir):
    results = load_results(results_dir)
    for figure in (plot_grade_distribution(results), plot_budget_execution(results),
                   plot_score_rate_heatmap(load_dimensions(results_dir))):
        figure.canvas.draw()
        assert figure.axes


def test_summary_workbook(results_dir, tmp_path):
    path = write_summary_workbook(results_dir, tmp_path / "summary.xlsx")
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["主管部门", "单位编号", "项目名称", "总分", "等级"]
    assert "预算执行率" in header and "审核发现（错误）" in header and "产出指标得分" in header
    assert sheet.freeze_panes == "A2"
    assert all(sheet.column_dimensions[c].width >= 8 for c in "ABCDE")
    rows = {r[1]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    for unit_id, result in _results(results_dir).items():
        assert rows[unit_id]["总分"] == pytest.approx(result["total"])
        assert rows[unit_id]["预算执行率"] == pytest.approx(result["budget"]["rate"])
        assert rows[unit_id]["审核发现（警告）"] == result["counts"]["warning"]
    assert not math.isnan(rows["007"]["总分"])


def test_missing_results_dir_is_a_chinese_error(tmp_path):
    with pytest.raises(perfnb.PerfnbError, match="不存在"):
        load_results(tmp_path / "nowhere")
    assert load_results(tmp_path).empty


def test_budget_and_findings_tables_follow_the_results(results_dir):
    from perfnb.reporting.summary import budget_table, findings_by_severity, findings_detail

    results = load_results(results_dir)
    budget = budget_table(results)
    assert list(budget["单位编号"]) == sorted(results["unit_id"])
    assert list(budget.index) == list(range(1, len(budget) + 1)) and budget.columns.name == "序号"
    seed = budget.set_index("单位编号").loc["nmg-rd-2022-rdlz"]
    assert (seed["年初预算数（万元）"], seed["全年预算数（万元）"]) == ("2,229.00", "—")  # no NaN
    for row in budget.itertuples(index=False):
        expected = results.set_index("unit_id").loc[row[0]]
        assert row[-1] == expected["budget_score"]
        assert row[4] == f"{round(expected['execution_rate'], 4) * 100:.2f}%"   # as the unit reports
    findings = load_findings(results_dir)
    by_severity = findings_by_severity(findings)
    assert int(by_severity.to_numpy().sum()) == len(findings)
    assert len(findings_detail(findings)) == len(findings)
    assert set(findings_detail(findings)["严重程度"]) <= {"错误", "警告", "提示"}


def test_findings_by_code_stays_narrow_and_names_the_units(results_dir, monkeypatch):
    from perfnb.reporting import summary
    from perfnb.evaluation.audit import CODES

    findings = load_findings(results_dir)
    table = summary.findings_by_code(findings)
    assert list(table.columns) == ["问题代码", "问题", "条数", "涉及单位数", "涉及单位"]
    assert table["条数"].sum() == len(findings) and list(table["条数"]) == sorted(table["条数"],
                                                                                reverse=True)
    for row in table.itertuples(index=False):
        codes = findings[findings["code"] == row.问题代码]
        assert row.问题 == CODES[row.问题代码][0]
        assert row.涉及单位数 == codes["unit_id"].nunique()
        assert row.涉及单位.split("、") == sorted(codes["unit_id"].unique())
    monkeypatch.setattr(summary, "MAX_UNITS_NAMED", 1)
    many = summary.findings_by_code(findings)
    assert any(text.endswith("个单位") for text in many["涉及单位"])


def test_score_rate_table_reads_as_percentages(results_dir):
    from perfnb.reporting.summary import score_rate_table

    dimensions = load_dimensions(results_dir)
    table = score_rate_table(dimensions)
    assert table.loc["nmg-rd-2022-rdlz", "预算执行率"] == "88.50%"   # score rate 8.85 / 10
    assert table.loc["wjw-2023-fyjk", "产出指标"] == "100.00%"
    assert (table.index.name, table.columns.name) == ("单位编号", "一级指标")


def test_findings_detail_in_a_report_is_complete_or_says_where_the_rest_is(results_dir,
                                                                            monkeypatch):
    from html import escape

    import IPython.display

    from perfnb.reporting import summary

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objects: shown.extend(objects))
    findings = load_findings(results_dir)
    summary.show_findings_detail(findings)
    assert len(shown) == 1 and len(shown[0]) == len(findings)
    assert list(shown[0]["严重程度"])[0] == "错误"  # errors first
    shown.clear()
    summary.show_findings_detail(findings, limit=3)
    note, table = shown
    assert len(table) == 3 and f"共 {len(findings)} 条" in note.data and "summary.xlsx" in note.data
    import pandas as pd

    try:
        summary.use_report_display()
        html = summary.findings_detail(findings)._repr_html_()
    finally:
        for option in ("display.max_rows", "display.max_columns", "display.max_colwidth"):
            pd.reset_option(option)
    longest = max(findings["message"], key=len)
    assert len(longest) > 50  # pandas would cut it at 50 characters by default
    assert escape(longest, quote=False) in html


def test_summary_workbook_lists_every_finding(results_dir, tmp_path):
    path = write_summary_workbook(results_dir, tmp_path / "summary.xlsx")
    sheet = load_workbook(path)["审核发现"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header == ["主管部门", "单位编号", "问题代码", "问题", "严重程度", "工作表", "行", "列",
                      "指标", "说明"]
    findings = load_findings(results_dir)
    assert len(rows) - 1 == len(findings)
    messages = {row[header.index("说明")] for row in rows[1:]}
    assert messages == set(findings["message"])  # in full, nothing cut


def test_per_unit_charts_of_a_big_batch_fit_a_page_and_show_the_weakest_units():
    import pandas as pd

    from perfnb.reporting.summary import MAX_CHART_UNITS

    count = 120
    units = [f"u{index:03d}" for index in range(count)]
    rates = [0.5 + 0.5 * index / count for index in range(count)]  # u000 is the weakest
    results = pd.DataFrame({"unit_id": units, "execution_rate": rates[::-1]})  # u119 lowest
    dimensions = pd.DataFrame([{"unit_id": unit, "level1": level1, "score_rate": rate}
                               for unit, rate in zip(units, rates)
                               for level1 in ("预算执行率", "产出指标", "效益指标")])
    a4_height_inches = 297 / 25.4
    budget = plot_budget_execution(results)
    heat = plot_score_rate_heatmap(dimensions)
    for figure in (budget, heat):
        assert figure.get_figheight() < a4_height_inches - 2
    budget_units = [t.get_text() for t in budget.axes[0].get_yticklabels()]
    assert len(budget_units) == MAX_CHART_UNITS
    assert set(budget_units) == set(units[-MAX_CHART_UNITS:])  # the lowest execution rates
    assert f"共 {count} 个" in budget.axes[0].get_title()
    heat_units = [t.get_text() for t in heat.axes[0].get_yticklabels()]
    assert set(heat_units) == set(units[:MAX_CHART_UNITS])  # the lowest score rates
    assert f"共 {count} 个" in heat.axes[0].get_title()
    # a small batch shows every unit under the plain title
    small = plot_budget_execution(results.head(5))
    assert small.axes[0].get_title() == "各单位预算执行率"


def test_unweighted_units_are_summarised_without_a_rank_or_grade(tmp_path):
    """pub12 (湖北's template, no weights) beside a scored unit: no total, 未加权 for its grade,
    the note names it, summary.xlsx says 未加权."""
    from perfnb.reporting.summary import unweighted_note

    built = Path(__file__).resolve().parents[1] / "fixtures" / "real-forms" / "built"
    for source in (PARAMS / "007.yaml", built / "pub12.xlsx"):
        data = perfnb.evaluate(perfnb.load_unit(source)).to_dict()
        folder = tmp_path / "部门" / data["unit_id"]
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    results = load_results(tmp_path).set_index("unit_id")
    assert results.loc["pub12", "weighting"] == "unweighted"
    assert math.isnan(results.loc["pub12", "total"]) and results.loc["007", "weighting"] == "weighted"
    ranking = ranking_table(load_results(tmp_path)).set_index("单位编号")
    assert ranking.loc["pub12", "等级"] == "未加权" and ranking.loc["007", "等级"] != "未加权"
    assert list(grade_distribution(load_results(tmp_path))).count(1) == 1   # 007 only
    note = unweighted_note(load_results(tmp_path))
    assert "1 个单位（pub12）" in note and "不计算总分和等级" in note
    sheet = load_workbook(write_summary_workbook(tmp_path)).active
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["pub12"][3] is None and rows["pub12"][4] == "未加权"


def test_a_result_json_that_breaks_the_schema_is_named_not_summarised(results_dir, tmp_path):
    import shutil

    from perfnb.reporting.summary import SummaryError

    root = tmp_path / "results"
    shutil.copytree(results_dir, root)
    path = next(root.glob("*/007/result.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["total"] = "九十七"
    del data["counts"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SummaryError) as raised:
        perfnb.load_results(root)
    message = str(raised.value)
    assert str(path) in message and "total" in message and "缺少字段 counts" in message


def test_a_result_json_rewritten_after_it_was_summarised_is_read_again(results_dir, tmp_path):
    """Each result.json is parsed and checked once per process (a summary asks for the same
    files five times), but a file that changed since is read again, a broken one refused."""
    import shutil

    from perfnb.reporting.summary import SummaryError

    root = tmp_path / "results"
    shutil.copytree(results_dir, root)
    path = next(root.glob("*/007/result.json"))
    before = perfnb.load_results(root)
    data = json.loads(path.read_text(encoding="utf-8"))
    old_total = before.set_index("unit_id").loc["007", "total"]
    data["total"] = round(old_total - 12.5, 2)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    after = perfnb.load_results(root).set_index("unit_id")
    assert after.loc["007", "total"] == pytest.approx(old_total - 12.5)
    assert list(perfnb.load_results(root)["unit_id"]) == list(after.index)   # cached: the same
    data["total"] = "九十七"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SummaryError, match="total"):
        perfnb.load_results(root)
