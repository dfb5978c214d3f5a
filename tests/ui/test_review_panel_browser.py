"""The review panel in a real JupyterLab, driven in headless Chromium (issue 21).

tests/test_panel.py drives the panel's widgets from a kernel; this one clicks and types in the
page a person sees: run all cells, fill the panel (a 复核得分, a 复核档次, a 复核口径 clause with
its 扣分程度, a decision on a finding), save, run again.  Skipped without chromium /
chromedriver, failed instead under CI=true (see conftest.py).
"""
from __future__ import annotations

import perfnb
from perfnb.reading.review import read_review

import lab_driver

TITLE = "内蒙古自治区人大常委会办公厅人大履职保障经费2022年度绩效自评报告"
REVIEWED_TITLE = "内蒙古自治区人大常委会办公厅人大履职保障经费2022年度绩效自评复核报告"


def test_review_recorded_in_the_browser_panel_is_saved_and_reported(page, lab):
    # 97.60 + (5 - 3.75) + (7 - 10) + (2 - 5): C18's 2 points come from the clause
    # NOT_VERIFIABLE at 一般 (60 % of its weight 5 deducted), nobody typed them
    out = lab_driver.record_review(page, lab, "复核总分 92.85（优）", REVIEWED_TITLE, say=print)

    assert out.first_title == TITLE
    # every 三级指标 and finding is shown whole (wrapped), and the grids fit the notebook
    assert out.cut_off == [], out.cut_off
    assert "复核总分 98.85" in out.totals_after_score
    assert "调整指标 3 项" in out.totals and "不采纳 1 条" in out.totals, out.totals
    assert "已保存到" in out.status and out.review_file.name in out.status

    review = read_review(out.review_file)
    assert review.evaluator == "张敏" and review.opinion == lab_driver.OPINION
    assert [(i.name, i.score, i.level, i.clauses, i.severity, i.reason) for i in review.indicators] == [
        ("C14办公设备采购批次", 5.0, None, [], None, "第四批次已于12月完成招标"),
        ("C18维修改造工程个数", None, None, ["NOT_VERIFIABLE"], "一般",
         "维修改造工程验收单未提供，个数无法核实"),
        ("E1服务人员满意度", None, "部分达成", [], None, "样本量不足")]
    assert [(f.code, f.decision, f.reason) for f in review.findings] == [
        ("DIRECTION_CONFLICT", "不采纳", "方向已与单位核实")]

    # the record as perfnb reads it back: the clause's computed 复核得分 and the total
    reviewed = perfnb.evaluate(perfnb.load_unit(out.review_file.with_name(
        f"{lab_driver.UNIT}.yaml"))).to_dict()["reviewed"]
    by_name = {i["name"]: i for i in reviewed["indicators"]}
    assert by_name["C18维修改造工程个数"]["final_score"] == 2.0
    assert by_name["C18维修改造工程个数"]["clauses"] == ["NOT_VERIFIABLE"]
    assert by_name["C14办公设备采购批次"]["final_score"] == 5.0
    assert by_name["E1服务人员满意度"]["final_score"] == 7.0
    assert (reviewed["total"], reviewed["grade"], reviewed["adjusted"], reviewed["rejected"]) == \
        (92.85, "优", 3, 1)

    # the notebook run again in the page is the reviewed report with that total
    assert out.reviewed_title == REVIEWED_TITLE
    assert "复核得分合计 92.85 分" in out.reviewed_total, out.reviewed_total
