"""Many forms in one file: each form is a unit, a broken form does not stop the others."""
from __future__ import annotations

import textwrap

import pytest

from perfnb.errors import InputError, InputErrors
from perfnb.evaluation.evaluator import evaluate
from perfnb.reading import load_forms, load_unit, load_units
from perfnb.reading.forms import form_spans

from format_builders import broken_form, read_grid, with_texts, write_docx, write_pdf, write_xlsx

SEED_PROJECT = "人大履职保障经费"


@pytest.fixture(scope="module")
def grids():
    seed = read_grid()
    second = with_texts(seed, {SEED_PROJECT: "项目乙"})
    # a form whose weights are all words: that form fails, with its own sheet/row/column (one
    # bad row alone would be a finding, not a failure: tests/reading/test_bad_input.py)
    broken = broken_form(seed, "项目丙")
    return seed, second, broken


def _ok(results):
    return [r for r in results if r.error is None]


def _error_text(error) -> str:
    return "\n".join(str(e) for e in error.errors) if isinstance(error, InputErrors) else str(error)


def _check_three(results, file_stem, broken_where):
    assert [r.index for r in results] == [1, 2, 3] and {r.count for r in results} == {3}
    assert [r.unit_id for r in results] == [f"{file_stem}-{SEED_PROJECT}", f"{file_stem}-项目乙",
                                            f"{file_stem}-项目丙"]
    first, second, third = results
    assert first.tables is not None and second.tables is not None and third.tables is None
    assert [r.title for r in results] == [SEED_PROJECT, "项目乙", "项目丙"]
    for result in (first, second):
        scored = evaluate(result.tables)
        assert scored.totals["total"].tolist() == [97.6]
        assert len(result.tables.indicators) == 15
        assert result.tables.units["unit_id"].tolist() == [result.unit_id]
    assert second.tables.units["project"].iloc[0] == "项目乙"
    message = _error_text(third.error)
    assert "分值“五分”不是数字" in message and broken_where in message


def test_one_form_per_sheet(tmp_path, grids):
    seed, second, broken = grids
    path = write_xlsx(tmp_path / "部门.xlsx", [("甲", [seed]), ("乙", [second]), ("丙", [broken]),
                                              ("说明", [])])
    results = load_forms(path)
    _check_three(results, "部门", "工作表“丙”，第 13 行")
    assert [r.sheet for r in results] == ["甲", "乙", "丙"]


@pytest.mark.parametrize("gap", [2, 0])
def test_forms_stacked_on_one_sheet(tmp_path, grids, gap):
    seed, second, broken = grids
    path = write_xlsx(tmp_path / "stacked.xlsx", [("全部", [seed, second, broken])], gap=gap)
    results = load_forms(path)
    # rows are the sheet's own: the third form starts 2 × (rows + gap) further down
    row = 13 + 2 * (seed.max_row + gap)
    _check_three(results, "stacked", f"工作表“全部”，第 {row} 行")
    indicators = results[1].tables.indicators
    assert indicators["row"].min() == 13 + seed.max_row + gap


def test_form_spans_keep_title_rows_with_their_form(grids):
    seed, second, _ = grids
    from perfnb.reading.sheets import Grid
    values = [list(r) for r in seed.values] + [[None] * seed.max_column] + \
        [list(r) for r in second.values]
    offset = seed.max_row + 1
    anchor = dict(seed.anchor)
    anchor.update({(r + offset, c): (ar + offset, ac) for (r, c), (ar, ac) in second.anchor.items()})
    grid = Grid("x.xlsx", "s", values, anchor)
    spans = form_spans(grid)
    # the second form's title "项目支出绩效自评表" and "（2022年度）" rows start its span
    assert spans == [(1, offset), (offset + 1, grid.max_row)]
    assert grid.text(offset + 1, 1) == "项目支出绩效自评表"


def test_word_document_with_forms_one_after_another(tmp_path, grids):
    seed, second, broken = grids
    path = write_docx(tmp_path / "附件.docx", [("附件1：人大履职保障经费绩效自评表", seed),
                                              ("附件2：项目乙绩效自评表", second),
                                              ("附件3：项目丙绩效自评表", broken)])
    results = load_forms(path)
    _check_three(results, "附件", "表格3，第 13 行")
    assert results[0].tables.units["year"].iloc[0] == 2022


def test_pdf_with_forms_one_after_another(tmp_path, grids):
    seed, second, broken = grids
    path = write_pdf(tmp_path / "公开.pdf", [("", seed), ("", second), ("", broken)])
    results = load_forms(path)
    _check_three(results, "公开", "第3页的表格，第 13 行")
    assert [r.sheet for r in results] == ["第1页", "第2页", "第3页"]


def test_load_unit_asks_which_form(tmp_path, grids):
    seed, second, broken = grids
    path = write_xlsx(tmp_path / "两表.xlsx", [("甲", [seed]), ("乙", [second])])
    with pytest.raises(InputError) as excinfo:
        load_unit(path)
    message = str(excinfo.value)
    assert "该文件包含 2 个自评表" in message and "1. 人大履职保障经费" in message and "2. 项目乙" in message
    assert "form" in message
    assert load_unit(path, {"form": 2}).units["project"].iloc[0] == "项目乙"
    assert load_unit(path, {"form": "项目乙"}).units["unit_id"].iloc[0] == "两表-项目乙"
    with pytest.raises(InputError, match="没有“9”这个表"):
        load_unit(path, {"form": 9})


def test_unit_yaml_picks_a_form(tmp_path, grids):
    seed, second, _ = grids
    write_xlsx(tmp_path / "两表.xlsx", [("甲", [seed]), ("乙", [second])])
    yaml_path = tmp_path / "乙.yaml"
    yaml_path.write_text(textwrap.dedent("""\
        unit_id: "yi-001"
        data: 两表.xlsx
        form: 项目乙
        """), encoding="utf-8")
    tables = load_unit(yaml_path)
    assert tables.units[["unit_id", "project"]].iloc[0].tolist() == ["yi-001", "项目乙"]
    assert [r.unit_id for r in load_forms(yaml_path)] == ["yi-001"]


def test_load_units_takes_every_form(tmp_path, grids):
    seed, second, _ = grids
    path = write_xlsx(tmp_path / "两表.xlsx", [("甲", [seed]), ("乙", [second])])
    tables = load_units([path])
    assert tables.unit_ids == ["两表-人大履职保障经费", "两表-项目乙"]
    assert evaluate(tables).totals["total"].tolist() == [97.6, 97.6]


def test_repeated_or_missing_project_names_number_the_forms(tmp_path, grids):
    seed, _, _ = grids
    unnamed = with_texts(seed, {SEED_PROJECT: None})
    path = write_xlsx(tmp_path / "同名.xlsx", [("a", [seed]), ("b", [seed]), ("c", [unnamed])])
    assert [r.unit_id for r in load_forms(path)] == ["同名-1", "同名-2", "同名-3"]


def test_single_form_file_keeps_its_unit_id(tmp_path, grids):
    seed, _, _ = grids
    path = write_xlsx(tmp_path / "one.xlsx", [("甲", [seed])])
    [result] = load_forms(path)
    assert (result.unit_id, result.count, result.index) == ("one", 1, 1)
    assert load_unit(path).units["unit_id"].iloc[0] == "one"
