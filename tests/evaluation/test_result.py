"""The Evaluation result object: slicing, JSON, HTML and plain text."""
from __future__ import annotations

import json

import pytest

from perfnb.errors import ParameterError
from perfnb.evaluation.evaluator import evaluate
from tables import seed_tables, two_units


@pytest.fixture(scope="module")
def seed():
    return evaluate(seed_tables())


@pytest.fixture(scope="module")
def two():
    return evaluate(two_units())


def test_json_matches_the_documented_shape(seed):
    data = json.loads(seed.to_json())
    assert data["unit_id"] == "nmg-rd-2022-rdlz" and data["year"] == 2022
    assert data["department"] == "内蒙古自治区人大常委会办公厅"
    assert data["rules"]["name"] == "central" and len(data["rules"]["sha256"]) == 64
    assert data["total"] == 97.6 and data["grade"] == "优" and data["weight_total"] == 100.0
    assert data["reported"] == {"total": 97.6, "grade": "优"}
    budget = data["budget"]
    assert budget["initial"] == 2229.0 and budget["adjusted"] is None
    assert budget["executed"] == 1972.41 and budget["rate"] == 0.8849
    assert budget["weight"] == 10.0 and budget["score"] == 8.85
    assert budget["reported_rate"] == 0.8849 and budget["reported_score"] == 8.85
    assert [d["name"] for d in data["dimensions"]] == ["预算执行率", "产出指标", "效益指标", "满意度指标"]
    assert [d["score"] for d in data["dimensions"]] == [8.85, 48.75, 30.0, 10.0]
    c14 = next(i for i in data["indicators"] if i["name"] == "办公设备采购批次")
    assert c14 == {**c14, "level1": "产出指标", "level2": "数量指标", "kind": "quantitative",
                   "operator": ">=", "target": 4.0, "actual": 3.0, "unit": "批次", "weight": 5.0,
                   "score": 3.75, "reported_score": 3.75, "status": "partial",
                   "status_label": "部分达成", "deviation_reason": ""}
    finding = next(f for f in data["findings"] if f["code"] == "SCORE_MISMATCH")
    assert finding["severity"] == "error"
    assert finding["location"] == {"sheet": "项目支出绩效自评表", "row": 31, "column": "得分",
                                   "indicator": "服务人员满意度"}
    # warnings: 5 of the figures + PERFORMANCE_AHEAD_OF_SPENDING (88.49 % spent, 98.61 % claimed)
    assert data["counts"] == {"error": 3, "warning": 6, "info": 1}


def test_json_has_no_nan(seed):
    assert "NaN" not in seed.to_json()


def test_unit_slicing(two):
    assert two.unit_ids == ["a", "b<x>"]
    one = two.unit("b<x>")
    assert one.unit_ids == ["b<x>"] and len(one.indicators) == 1
    assert set(one.findings["unit_id"]) == {"b<x>"}
    assert one.to_dict()["total"] == two.to_dict("b<x>")["total"] == 55.0
    assert two.to_dict("a")["total"] == 97.6
    assert isinstance(json.loads(two.to_json()), list)


def test_unit_errors_are_chinese(two):
    with pytest.raises(ParameterError, match="请指定单位编号"):
        two.unit()
    with pytest.raises(ParameterError, match="没有单位"):
        two.unit("zzz")


def test_html_escapes_data_and_colours_status(seed, two):
    from perfnb.reporting.display import evaluation_html

    page = evaluation_html(seed)
    assert "97.60" in page and "服务人员满意度" in page and "SCORE_MISMATCH" in page
    assert "#fff4d6" in page          # the partial status colour (C14)
    many = evaluation_html(two)
    assert "b&lt;x&gt;" in many and "<x>" not in many and "项目 &amp; 乙" in many
    single = evaluation_html(two.unit("b<x>"))
    assert "<script>" not in single and "&lt;script&gt;" in single


def test_the_data_model_does_not_render_itself_ipython_shows_it(seed):
    """HTML and Typst of an Evaluation come from the reporting layer, registered as IPython
    display formatters (text/html, text/x-typst): the object has no rendering methods."""
    from IPython.core.interactiveshell import InteractiveShell

    from perfnb.reporting.display import evaluation_html, evaluation_typst, register_formatters
    from perfnb.reporting.typst_markup import MIMETYPE

    assert not any(hasattr(seed, name) for name in
                   ("_repr_html_", "_repr_mimebundle_", "to_html", "to_typst"))
    shell = InteractiveShell.instance()
    assert register_formatters(shell)
    data, _ = shell.display_formatter.format(seed)
    assert data["text/html"] == evaluation_html(seed) and "服务人员满意度" in data["text/html"]
    assert data[MIMETYPE] == evaluation_typst(seed) and "table.header(" in data[MIMETYPE]
    assert data["text/plain"].startswith("Evaluation(")


def test_summary_counts(two):
    summary = two.summary().set_index("unit_id")
    assert summary.loc["a", "error"] == 3 and summary.loc["b<x>", "total"] == 55.0
