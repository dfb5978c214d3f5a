"""The review panel (nb.review) driven in a real IPython kernel, as JupyterLab would run it."""
from __future__ import annotations

import json
import os
import queue
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

import perfnb
from perfnb.reading.review import read_review, review_path_for

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params"


@pytest.fixture(scope="module")
def kernel():
    from jupyter_client.manager import start_new_kernel
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PERFNB_REVIEW_PANEL", None)
    manager, client = start_new_kernel(kernel_name="python3", env=env,
                                       extra_arguments=["--log-level=ERROR"])
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def run(client, code: str, allow_stdin: bool = True) -> tuple[str, list[dict]]:
    """Execute ``code``; its stdout and display data.  ``allow_stdin`` True is what
    JupyterLab sends, False what nbclient (papermill) sends."""
    out: list[str] = []
    shown: list[dict] = []

    def hook(message):
        kind, content = message["header"]["msg_type"], message["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind in ("display_data", "execute_result"):
            shown.append(content["data"])
        elif kind == "error":
            out.append("\n".join(content["traceback"]))

    reply = client.execute_interactive(textwrap.dedent(code), allow_stdin=allow_stdin,
                                       output_hook=hook, timeout=120,
                                       stdin_hook=lambda m: None)
    assert reply["content"]["status"] == "ok", "".join(out)
    return "".join(out), shown


@pytest.fixture
def unit(tmp_path):
    shutil.copytree(PARAMS / "data", tmp_path / "data")
    shutil.copy(PARAMS / "nmg-rd-2022-rdlz.yaml", tmp_path)
    return tmp_path / "nmg-rd-2022-rdlz.yaml"


def test_record_two_indicators_and_a_finding_then_save(kernel, unit):
    out, shown = run(kernel, f"""
        from perfnb import notebook as nb
        params = nb.validate_parameters({{"data": {str(unit)!r}}})
        result = nb.evaluate(nb.load(params), params)
        panel = nb.review(result)
        panel.evaluator.value = "张敏"
        panel.date.value = "2024-05-06"
        row = panel.row("办公设备采购批次")
        row["score"].value = "5"
        row["reason"].value = "第四批次已于 12 月完成招标"
        row = panel.row("服务人员满意度")
        row["level"].value = "部分达成"
        print("BEFORE", panel.totals.value)
        panel.save_button.click()
        print("FIRST", panel.status.value)
        row["reason"].value = "样本量不足"
        item = panel.finding("DIRECTION_CONFLICT")
        item["decision"].value = "不采纳"
        item["reason"].value = "方向已与单位核实"
        panel.opinion.value = "复核意见：两项调整。"
        panel.conclusion.value = "优"
        print("LIVE", panel.totals.value)
        panel.save_button.click()
        print("SAVED", panel.status.value)
    """)
    assert any("application/vnd.jupyter.widget-view+json" in data for data in shown)
    # the reason of 服务人员满意度 was missing: nothing written, the panel says why
    first = out.split("FIRST", 1)[1].split("LIVE", 1)[0]
    assert "未保存" in first and "没有写理由" in first
    live = out.split("LIVE", 1)[1]
    # 97.60 + (5 - 3.75) + (7 - 10) = 95.85
    assert "复核总分 95.85（优）" in live and "调整指标 2 项" in live and "不采纳 1 条" in live
    assert "已保存到" in out.split("SAVED", 1)[1]
    path = review_path_for(unit)
    review = read_review(path)
    assert review.evaluator == "张敏" and review.opinion == "复核意见：两项调整。"
    assert [(i.name, i.score, i.level) for i in review.indicators] == [
        ("C14办公设备采购批次", 5.0, None), ("E1服务人员满意度", None, "部分达成")]
    assert [(f.code, f.decision) for f in review.findings] == [("DIRECTION_CONFLICT", "不采纳")]
    # re-running the notebook's cells gives the reviewed result
    reviewed = perfnb.evaluate(perfnb.load_unit(unit)).to_dict()["reviewed"]
    assert (reviewed["total"], reviewed["grade"], reviewed["adjusted"]) == (95.85, "优", 2)
    # reopening the panel shows what was saved
    out, _ = run(kernel, f"""
        result = nb.evaluate(nb.load(params), params)
        panel = nb.review(result)
        print(panel.row("办公设备采购批次")["score"].value, panel.finding("DIRECTION_CONFLICT")["decision"].value,
              panel.evaluator.value)
    """)
    assert out.split() == ["5.00", "不采纳", "张敏"]


def test_panel_is_inert_when_papermill_runs_the_notebook(kernel, unit):
    out, shown = run(kernel, f"""
        from perfnb import notebook as nb
        params = nb.validate_parameters({{"data": {str(unit)!r}}})
        result = nb.evaluate(nb.load(params), params)
        print(nb.review(result))
    """, allow_stdin=False)
    assert out.strip() == "None"
    assert len(shown) == 1 and "application/vnd.jupyter.widget-view+json" not in shown[0]
    assert "批量运行时不显示" in shown[0]["text/html"]
    assert not review_path_for(unit).exists()


def test_clause_pickers_score_by_clause_and_save_the_clauses(kernel, unit):
    """The 复核口径 picker (TagsInput limited to the profile's clauses) and 扣分程度 dropdown:
    the live total follows the clause, the file records it, a wrong hand score is a finding."""
    out, _ = run(kernel, f"""
        from perfnb import notebook as nb
        params = nb.validate_parameters({{"data": {str(unit)!r}}})
        result = nb.evaluate(nb.load(params), params)
        panel = nb.review(result)
        panel.evaluator.value = "张敏"
        panel.date.value = "2024-05-06"
        row = panel.row("办公设备采购批次")
        print("ALLOWED", len(row["clauses"].allowed_tags), row["severity"].options)
        row["clauses"].value = ["NOT_VERIFIABLE"]
        row["severity"].value = "一般"
        row["score"].value = "3"
        row["reason"].value = "批次无法核实"
        print("LIVE", panel.totals.value)
        panel.save_button.click()
        print("SAVED", panel.status.value)
    """)
    allowed = out.split("ALLOWED", 1)[1].split("LIVE", 1)[0]
    assert allowed.split()[0] == "11" and "严重" in allowed
    # 97.60 - (3.75 - 2): the clause's 2 points, not the 3 typed
    assert "复核总分 95.85（优）" in out.split("LIVE", 1)[1]
    assert "已保存到" in out.split("SAVED", 1)[1]
    review = read_review(review_path_for(unit))
    assert [(i.clauses, i.severity, i.score) for i in review.indicators] == \
        [(["NOT_VERIFIABLE"], "一般", 3.0)]
    result = perfnb.evaluate(perfnb.load_unit(unit))
    assert "REVIEW_CLAUSE_MISMATCH" in set(result.findings["code"])


def test_names_are_shown_whole_wrapped_and_escaped(tmp_path):
    """Long 三级指标 names wrap in their column instead of being cut off (a Label clips at the
    column's edge); text from the form is escaped; the grid's name columns take the width
    that is left, so the grid fits the notebook without a horizontal scroll bar."""
    import html
    import re

    from perfnb.panel import FINDING_COLUMNS, INDICATOR_COLUMNS, ReviewPanel

    from tables import full_budget, indicator, make_unit

    name = "C16人大研究会工作经费保障时间及<b>各专门委员会</b>调研活动经费的及时足额到位情况"
    evaluation = perfnb.evaluate(make_unit("u1", [indicator(name, 4, 3, 90)], budget=full_budget(),
                                           project="人大履职保障经费"))
    panel = ReviewPanel(evaluation, path=tmp_path / "u1.review.yaml")
    headers = 11
    heads = [c.value for c in panel.indicator_grid.children[:headers]]
    cell = panel.indicator_grid.children[headers + heads.index("<b>三级指标</b>")]
    assert html.escape(name) in cell.value and "<b>各专门" not in cell.value
    assert "white-space:normal" in cell.value and "overflow-wrap:anywhere" in cell.value
    # the columns of names grow (fr), the inputs fill theirs (auto: no overflow by margins)
    tracks = re.findall(r"minmax\([^)]*\)|\S+", INDICATOR_COLUMNS)
    assert len(tracks) == headers and "fr" in tracks[2] and "fr" in tracks[-1]
    assert panel.indicator_grid.layout.grid_template_columns == INDICATOR_COLUMNS
    assert panel.finding_grid.layout.grid_template_columns == FINDING_COLUMNS
    assert {panel.row(name[:8])[key].layout.width for key in ("score", "reason")} == {"auto"}
    # a finding's message: the first characters in the grid, the whole on hover, escaped
    finding = panel.findings[0]["record"]
    message_cells = [c.value for c in panel.finding_grid.children[5:] if "title=" in c.value]
    assert message_cells and html.escape(finding["message"], quote=True) in message_cells[0]
