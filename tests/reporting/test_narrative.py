"""The narrative 绩效自评报告: outline, figures equal to the Evaluation, deviations, escaping."""
from __future__ import annotations

import re

import pytest

from perfnb.reporting import narrative
from perfnb.evaluation.evaluator import evaluate

from tables import full_budget, indicator, make_unit, seed_tables


@pytest.fixture(scope="module")
def seed():
    return evaluate(seed_tables())


@pytest.fixture(scope="module")
def seed_html(seed):
    return narrative.render_report(seed)


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section class="perfnb-section" id="perfnb-{section_id}">(.*?)</section>',
                      html, re.S)
    assert match, section_id
    return match.group(1)


def _score(value) -> str:
    return f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")


def test_outline_follows_the_standard_report(seed_html):
    positions = [seed_html.index(f"<h2>{title}</h2>") for title in narrative.SECTIONS.values()]
    assert positions == sorted(positions)
    for heading in ("（一）项目概况", "（二）绩效目标设定及指标完成情况", "（一）绩效自评目的",
                    "（二）项目资金投入情况", "（三）项目资金产出（执行）情况", "（四）项目资金管理情况",
                    "产出指标完成情况", "效益指标完成情况", "满意度指标完成情况", "自评得分及等级",
                    "（一）后续工作计划", "（二）措施及办法"):
        assert heading in seed_html


def test_figures_in_the_text_equal_the_evaluation(seed, seed_html):
    result = seed.to_dict()
    conclusion = _section(seed_html, "conclusion")
    assert f"复核得分 {_score(result['total'])} 分，等级为“{result['grade']}”" in conclusion
    assert f"预算执行率 {result['budget']['rate'] * 100:.2f}%" in conclusion
    work = _section(seed_html, "work")
    assert f"{result['budget']['rate'] * 100:.2f}%" in work
    assert f"得分 {_score(result['budget']['score'])} 分" in work
    assert f"{result['budget']['executed']:,.2f} 万元" in work
    performance = _section(seed_html, "performance")
    for dimension in result["dimensions"]:
        if dimension["name"] == "预算执行率":
            continue
        assert (f"{dimension['name']}设二级指标" in performance)
        assert (f"分值 {_score(dimension['weight'])} 分，得分 {_score(dimension['score'])} 分"
                in performance)
    items = re.findall(r"<li class=\"perfnb-indicator[^\"]*\">(.*?)</li>", performance, re.S)
    assert len(items) == len(result["indicators"])
    for item, expected in zip(items, result["indicators"]):
        assert expected["name"] in item
        assert f"分值 {_score(expected['weight'])} 分，得分 {_score(expected['score'])} 分" in item
        assert f"（{expected['status_label']}）" in item
    assert f"合计 {_score(result['total'])} 分" in performance


def test_every_deviation_is_analysed_or_flagged(seed, seed_html):
    performance = _section(seed_html, "performance")
    items = re.findall(r"<li class=\"perfnb-indicator[^\"]*\">(.*?)</li>", performance, re.S)
    indicators = seed.indicators.sort_values("seq")
    flagged = 0
    for item, (_, row) in zip(items, indicators.iterrows()):
        needs = row["score"] < row["weight"] or bool(row["over_achieved"])
        assert ("偏差分析" in item) == needs, row["name"]
        if needs:
            assert narrative.NO_REASON in item
            flagged += 1
    assert flagged == 2  # C14 below full marks, C18 over-achieved: the seed explains neither

    explained = evaluate(make_unit("u", [
        indicator("未完成指标", 10, 5, 10, deviation_reason="受疫情影响，<b>采购推迟</b>"),
        indicator("完成指标", 10, 10, 10),
    ], budget=full_budget()))
    html = narrative.render_section(explained, "performance")
    assert "单位说明：受疫情影响，&lt;b&gt;采购推迟&lt;/b&gt;" in html
    assert narrative.NO_REASON not in html


def test_findings_and_evaluator_text_go_where_the_outline_puts_them(seed, seed_html):
    findings = _section(seed_html, "findings")
    assert len(seed.findings) > 0
    for message in seed.findings["message"]:
        assert str(message.replace("<", "&lt;").replace(">", "&gt;")) in findings
    tables = seed_tables()
    tables.units.loc[0, ["problems", "measures", "plans", "notes"]] = [
        "存在问题甲\n存在问题乙", "措施丙", "计划丁", "说明戊"]
    html = narrative.render_report(evaluate(tables))
    assert "<p>存在问题甲</p><p>存在问题乙</p>" in _section(html, "problems")
    other = _section(html, "other")
    assert other.index("计划丁") < other.index("措施丙") < other.index("说明戊")


def test_text_from_data_is_escaped():
    tables = make_unit("x", [indicator("<img src=x onerror=alert(2)>", 10, 10, 10)],
                       budget=full_budget(), project="<script>alert(1)</script>",
                       problems="<b>粗体</b> & 其他")
    html = narrative.render_report(evaluate(tables))
    assert "<script>" not in html and "<img" not in html and "<b>粗体" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;粗体&lt;/b&gt; &amp; 其他" in html


def test_section_without_heading_and_rich_display(seed):
    fragment = narrative.render_section(seed, "basic", heading=False)
    assert "<h2>" not in fragment and "（一）项目概况" in fragment
    shown = narrative.section(seed, "conclusion")
    assert shown._repr_html_().startswith('<section class="perfnb-section"')
    assert narrative.report_title(seed) == "内蒙古自治区人大常委会办公厅人大履职保障经费2022年度绩效自评报告"


def test_a_dimension_without_level2_headings_counts_only_its_indicators():
    # A flat list (重庆's 部门整体 form): no 二级指标, so no "设二级指标 0 个".
    flat = evaluate(make_unit("flat", [indicator("稿件数量", 10, 12, 50, level1="产出指标", level2=""),
                                       indicator("满意度", 90, 95, 50, level1="满意度指标", level2="")],
                              budget=full_budget()))
    html = _section(narrative.render_report(flat), "performance")
    assert "产出指标设三级指标 1 个" in html and "二级指标 0 个" not in html
    typst = narrative.render_report_typst(flat)           # the PDF's text: values as literals
    assert '设三级指标 #"1"; 个' in typst and '二级指标 #"0"' not in typst


def test_budget_read_from_an_indicator_row_is_reported_with_its_weight():
    """No 分值 in the funds block, 预算执行率 among the 项目管理 rows: reading makes that row the
    budget (weight 10, reported 9), so the report states its 10 points, never "分值 0 分"."""
    tables = make_unit("u", [indicator("保障人数", 100, 100, 90)],
                       budget={"initial": 80.0, "executed": 80.0, "weight": 10.0,
                               "reported_score": 9.0})
    html = narrative.render_report(evaluate(tables))
    assert "预算执行率分值 10" in html
    assert "预算执行率分值 0.00 分" not in html and "预算执行率分值 0 分" not in html


# -- the year in the title: not said twice --------------------------------------------------

@pytest.mark.parametrize("project, year_said", [
    ("2023年高标准农田建设项目", False),
    ("高标准农田建设项目（2023年度）", False),
    ("高标准农田建设 2023 年补助", False),
    ("高标准农田建设（2023）", False),
    ("高标准农田建设（２０２３）", False),         # full-width digits and brackets
    ("高标准农田建设【2023】", False),
    ("2022—2023年度高标准农田建设", False),
    ("2022年结转高标准农田建设", True),             # another year: this year is still said
    ("G2023线高标准农田道路", True),                # a number that is no year
    ("高标准农田建设", True),
])
def test_a_year_the_project_name_carries_is_not_repeated(project, year_said):
    evaluation = evaluate(make_unit("u1", [indicator("新建高标准农田面积", 2.5, 2.5, 90)],
                                    budget=full_budget(), project=project, year=2023,
                                    department="某县农业农村局", implementing_unit="某县农业农村局"))
    title = narrative.report_title(evaluation)
    assert title == f"某县农业农村局{project}{'2023年度' if year_said else ''}绩效自评报告"
    html, typst = narrative.render_report(evaluation), narrative.render_report_typst(evaluation)
    assert title in html and narrative.typst_markup.text(title) in typst
    # the sentences that name the project (一、 二、 and the conclusion) say the year alike
    project_ref = narrative.report_context(evaluation)["project_ref"]
    assert (f"{project_ref}（2023年度）的主管部门" in html) is year_said
    assert (f"对{project_ref}2023年度绩效目标" in html) is year_said
    assert f"对{project_ref}{'2023年度' if year_said else ''}绩效目标" in html


def test_the_word_report_notebook_title_and_pdf_title_follow(tmp_path):
    """Every output takes its title from one place: Word's Title paragraph and document
    property, the notebook's title (what the HTML and PDF exporters use) and its record."""
    import json
    from pathlib import Path

    from docx import Document

    from perfnb import load_unit
    from perfnb.reporting.exporters import notebook_title
    from perfnb.reporting.office.docx_report import write_docx_report
    from perfnb.running.crosscheck import notebook_record

    params = Path(__file__).resolve().parents[2] / "params"
    evaluation = evaluate(load_unit(params / "sc-lx-2023-gbzn.yaml"))
    title = "泸县农业农村局2023年高标准农田建设项目绩效自评报告"
    assert narrative.report_title(evaluation) == title
    document = Document(str(write_docx_report(evaluation, tmp_path / "r.docx", charts=False)))
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == [title]
    assert document.core_properties.title == title
    nb = _notebook_with_title(evaluation)
    assert notebook_title(nb) == title and notebook_record(nb)["title"] == title
    assert json.dumps(nb).count("2023年高标准农田建设项目2023年度") == 0


def _notebook_with_title(evaluation):
    """A notebook whose one cell ran nb.show_title(result), as the template's first cell."""
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from perfnb import notebook as helpers

    InteractiveShell.instance()
    with capture_output() as captured:
        helpers.show_title(evaluation)
    outputs = [nbformat.v4.new_output("display_data", data=o.data, metadata=o.metadata)
               for o in captured.outputs]
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("nb.show_title(result)", outputs=outputs))
    return nb
