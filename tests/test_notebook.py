"""The evaluation notebook template and its parameter validation (no kernel needed here)."""
from __future__ import annotations

import ast
import os
from pathlib import Path

import nbformat
import pytest

from perfnb import notebook
from perfnb.errors import ParameterError
from perfnb.running.runner import default_template

ROOT = Path(__file__).resolve().parents[1]
SEED_YAML = ROOT / "params" / "nmg-rd-2022-rdlz.yaml"
UNIT_YAML_KEYS = {"data", "rules", "review", "unit_id", "department", "implementing_unit", "project",
                  "year", "budget", "goals", "reported", "evaluation", "form", "review_rules"}


@pytest.fixture(scope="module")
def template():
    return nbformat.read(default_template(), as_version=4)


def test_template_is_output_free_and_valid(template):
    nbformat.validate(template)
    for cell in template.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None


def test_parameters_cell_declares_every_unit_yaml_key(template):
    first_code = next(cell for cell in template.cells if cell.cell_type == "code")
    assert first_code.metadata.get("tags") == ["parameters"]
    tree = ast.parse(first_code.source)
    names = {target.id for node in tree.body if isinstance(node, ast.Assign)
             for target in node.targets}
    assert names == UNIT_YAML_KEYS | {"base_dir"} == set(notebook.PARAMETER_NAMES)
    defaults = {}
    exec(compile(tree, "parameters", "exec"), {}, defaults)
    # run as it is from notebooks/: the default data is the bundled seed unit
    assert (default_template().parent / defaults["data"]).resolve() == SEED_YAML.resolve()
    # the next cell validates what papermill injected
    code_cells = [cell for cell in template.cells if cell.cell_type == "code"]
    assert "validate_parameters" in code_cells[1].source


def test_headings_follow_the_report_outline(template):
    headings = [line for cell in template.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("## ")]
    expected = ["一、项目基本情况", "二、绩效自评工作情况", "三、项目绩效情况", "四、存在问题",
                "五、其他需要说明的问题", "综合评价及结论", "审核发现"]
    found = [h[3:] for h in headings if h[3:] in expected]
    assert found == expected
    for cell in template.cells:  # no logic in the notebook: short calls only
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            assert len(cell.source.splitlines()) <= 4


def test_defaults_resolve_to_the_seed_from_the_notebooks_folder(monkeypatch):
    monkeypatch.chdir(default_template().parent)
    params = notebook.validate_parameters({"data": "../params/nmg-rd-2022-rdlz.yaml",
                                           "rules": "central"})
    assert params.data.resolve() == SEED_YAML.resolve()
    assert params.overrides == {}


def test_validation_keeps_text_and_builds_overrides(monkeypatch):
    monkeypatch.chdir(ROOT)
    params = notebook.validate_parameters({
        "data": "data/nmg-rd-2022-rdlz.xlsx", "unit_id": "007", "year": "2022",
        "budget": {"initial": "2,229.00", "reported_rate": "88.49%", "reason": None},
        "evaluation": {"problems": "问题"}, "department": "部门", "rules": None})
    assert params.unit_id == "007"
    assert params.overrides == {"unit_id": "007", "department": "部门", "year": 2022,
                                "budget": {"initial": 2229.0, "reported_rate": "88.49%"},
                                "evaluation": {"problems": "问题"}}
    assert params.rules == "central"
    assert params.data == ROOT / "params" / "data" / "nmg-rd-2022-rdlz.xlsx"


@pytest.mark.parametrize("form, expected", [(2, 2), (2.0, 2), (" 项目乙 ", "项目乙"), (None, None),
                                            ("", None)])
def test_form_parameter_picks_one_form(form, expected):
    params = notebook.validate_parameters({"data": str(SEED_YAML), "form": form})
    assert params.overrides.get("form") == expected


@pytest.mark.parametrize("values, words", [
    ({"data": None}, "缺少参数 data"),
    ({"unit_id": 7}, "-r unit_id 007"),
    ({"year": "去年"}, "四位年份"),
    ({"year": 22}, "四位年份"),
    ({"budget": {"inital": 1}}, "未知的键：inital"),
    ({"budget": {"initial": "很多"}}, "budget.initial 应为数字"),
    ({"goals": "目标"}, "参数 goals 应为"),
    ({"base_dir": "/no/such/folder"}, "不存在"),
    ({"rules": 3}, "参数 rules"),
    ({"form": 0}, "参数 form"),
    ({"form": 1.5}, "参数 form"),
    ({"form": ["甲"]}, "参数 form"),
])
def test_bad_parameters_raise_chinese_errors(values, words):
    namespace = {"data": str(SEED_YAML), **values}
    with pytest.raises(ParameterError) as caught:
        notebook.validate_parameters(namespace)
    assert words in str(caught.value)


def test_papermill_cli_with_unit_yaml(tmp_path):
    """The plain papermill CLI: -f with the seed's YAML (its keys become the parameters)."""
    import subprocess
    import sys

    output = tmp_path / "out.ipynb"
    env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "papermill"), str(default_template()), str(output),
         "-f", str(SEED_YAML), "--no-progress-bar", "-k", "python3"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, env=env)
    assert completed.returncode == 0, completed.stderr[-3000:]
    executed = nbformat.read(output, as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'unit_id = "nmg-rd-2022-rdlz"' in injected.source
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "人大履职保障经费" in html and "97.6" in html


def test_papermill_runs_an_unweighted_unit(tmp_path):
    """A form that prints no weights (湖北's template, pub12) runs through the notebook: no
    total, no grade, the report says why and shows each indicator's achievement."""
    import papermill

    form = ROOT / "tests" / "fixtures" / "real-forms" / "built" / "pub12.xlsx"
    output = tmp_path / "pub12.ipynb"
    papermill.execute_notebook(str(default_template()), str(output), parameters={"data": str(form)},
                               kernel_name="python3", progress_bar=False, cwd=str(ROOT))
    executed = nbformat.read(output, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    result = next(o.metadata["perfnb"]["result"] for o in outputs
                  if "perfnb" in o.get("metadata", {}))
    assert result["weighting"] == "unweighted" and result["total"] is None
    assert result["grade"] is None and result["achievement"]["met"] == 4
    assert result["budget"]["score"] == 20.0            # the 20 points the funds block prints
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    typst = "".join(o.get("data", {}).get("text/x-typst", "") for o in outputs)
    for text in (html, typst):
        assert "未加权评价" in text and "完成率" in text
        assert "综合绩效等级" not in text                 # no grade is claimed
    assert "UNWEIGHTED_FORM" in html
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
