"""`perfnb run` / `perfnb batch` on a file that holds several forms: each form is a unit."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from perfnb.errors import InputError
from perfnb.running.batch import discover_inputs, plan_jobs
from perfnb.running.runner import plan_unit, plan_units, run_unit

from format_builders import broken_form, read_grid, with_texts, write_xlsx


@pytest.fixture(scope="module")
def two_forms(tmp_path_factory):
    """Two good forms and a broken one, one per sheet."""
    seed = read_grid()
    second = with_texts(seed, {"人大履职保障经费": "项目乙"})
    broken = broken_form(seed, "项目丙")
    folder = tmp_path_factory.mktemp("multi")
    return write_xlsx(folder / "部门.xlsx", [("甲", [seed]), ("乙", [second]), ("丙", [broken])])


def test_plan_units_gives_each_form(two_forms):
    plans = plan_units(two_forms)
    assert [p.unit_id for p in plans] == ["部门-人大履职保障经费", "部门-项目乙", "部门-项目丙"]
    assert [p.parameters["form"] for p in plans] == [1, 2, 3]
    assert {p.department for p in plans} == {"内蒙古自治区人大常委会办公厅"}
    with pytest.raises(InputError, match="该文件包含 3 个自评表"):
        plan_unit(two_forms)
    assert plan_unit(two_forms, "项目乙").parameters["form"] == "项目乙"


def test_batch_plans_one_job_per_form(two_forms, tmp_path):
    jobs = plan_jobs(discover_inputs([str(two_forms.parent)], tmp_path / "out"), tmp_path / "out",
                     {"perfnb": "test"})
    assert [job.key.split("/")[1] for job in jobs] == ["部门-人大履职保障经费", "部门-项目乙",
                                                       "部门-项目丙"]
    assert len({job.fingerprint for job in jobs}) == 3
    assert [job.parameters["form"] for job in jobs] == [1, 2, 3]


def test_unit_yaml_with_form_plans_that_form(two_forms):
    yaml_path = two_forms.parent / "乙.yaml"
    yaml_path.write_text(textwrap.dedent(f"""\
        data: {two_forms.name}
        form: 2
        """), encoding="utf-8")
    [plan] = plan_units(yaml_path)
    assert plan.unit_id == "部门-项目乙" and plan.parameters["form"] == "2"


def test_run_one_form_of_a_multi_form_file(two_forms, tmp_path):
    # the notebook gets the form parameter and scores that form only
    run = run_unit(two_forms, out_root=tmp_path, formats=(), form=2)
    assert run.passed, run.message
    result = json.loads((Path(run.out_dir) / "result.json").read_text(encoding="utf-8"))
    assert (result["unit_id"], result["project"], result["total"]) == ("部门-项目乙", "项目乙", 97.6)
    assert Path(run.out_dir).name == "部门-项目乙"
