"""The unit report's 审核发现 section shows the risk score and, with an earlier year, 与上年比较
(issue 19), in the HTML and in the PDF's Typst; the notebook parameter ``previous`` brings it."""
from __future__ import annotations

from pathlib import Path

import pytest

from perfnb import notebook as nb
from perfnb.errors import ParameterError
from perfnb.reporting.narrative import render_section, render_section_typst
from perfnb.reporting.pdf import typst_to_pdf

ROOT = Path(__file__).resolve().parents[2]
YEARS = ROOT / "params" / "_two-years"


@pytest.fixture(scope="module")
def compared():
    parameters = nb.validate_parameters({"data": str(YEARS / "2023" / "sl-2023-gsyh.yaml"),
                                         "previous": str(YEARS / "2022")})
    return nb.evaluate(nb.load(parameters), parameters)


def test_html_section_with_risk_and_previous_year(compared):
    html = render_section(compared, "findings")
    assert "风险分：" in html and "目标设置偏低" in html
    assert "<h3>与上年比较</h3>" in html and "96.25 → 98 分" in html and "98.00% → 80.00%" in html
    assert "<td>受益人口</td><td>≥6</td><td>≥6.5</td><td>5</td><td>6.8</td><td>16.67</td><td>20</td>" in html


def test_typst_section_compiles_to_a_pdf(compared):
    typst = render_section_typst(compared, "findings")
    assert "与上年比较" in typst and "上年指标值" in typst
    assert typst_to_pdf(typst, title="与上年比较").startswith(b"%PDF")


def test_without_previous_year_no_section():
    parameters = nb.validate_parameters({"data": str(YEARS / "2023" / "sl-2023-gsyh.yaml")})
    evaluation = nb.evaluate(nb.load(parameters), parameters)
    html = render_section(evaluation, "findings")
    assert "风险分：" in html and "与上年比较" not in html


def test_previous_parameter_is_checked():
    with pytest.raises(ParameterError, match="previous"):
        nb.validate_parameters({"data": str(YEARS / "2023" / "sl-2023-gsyh.yaml"),
                                "previous": str(YEARS / "2019")})
    with pytest.raises(ParameterError, match="previous"):
        nb.validate_parameters({"data": str(YEARS / "2023" / "sl-2023-gsyh.yaml"), "previous": 2022})
