"""Plain-text reports (.txt): the seed 绩效自评报告 as copied from its web page.

tests/fixtures/reports/seed-report.txt is the seed (../shared/seeds/000_0367d8b2a238719a.txt)
as received: each table cell on a tab-led line, rows separated by blank lines, prose around.
domain.md §6 says what a reviewer gets from it: 97.60 优 and the findings checked below.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from perfnb.cli import main
from perfnb.errors import InputError
from perfnb.evaluation.evaluator import evaluate
from perfnb.reading import load_unit
from perfnb.reading.assemble import LoadedUnit
from perfnb.reading.reporttext import read_report_text
from perfnb.reading.sources.textreport import text_document
from perfnb.reporting.terminal import format_text

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "seed-report.txt"


@pytest.fixture(scope="module")
def seed():
    tables = load_unit(SEED)
    return tables, evaluate(tables).to_dict()


def test_seed_text_scores_as_a_reviewer_computes(seed):
    _, result = seed
    assert (result["total"], result["grade"]) == (97.6, "优")
    dimensions = {d["name"]: (d["weight"], d["score"]) for d in result["dimensions"]}
    assert dimensions == {"预算执行率": (10, 8.85), "产出指标": (50, 48.75), "效益指标": (30, 30),
                          "满意度指标": (10, 10)}
    assert result["budget"]["rate"] == pytest.approx(0.8849, abs=1e-4)
    assert result["reported"] == {"total": 97.6, "grade": "优"}
    assert len(result["indicators"]) == 15


def test_seed_text_findings_of_domain_section_6(seed):
    _, result = seed
    found = {(f["code"], f["location"].get("indicator")) for f in result["findings"]}
    codes = {code for code, _ in found}
    assert ("SCORE_MISMATCH", "E1服务人员满意度") in found          # reported 9.5, computed 10
    assert ("SUBTOTAL_MISMATCH", "效益指标 合计") in found            # 10/10 written, items 30/30
    assert ("MISSING_DEVIATION_REASON", "C14办公设备采购批次") in found
    assert ("OVER_ACHIEVEMENT", "C18维修改造工程个数") in found       # 8 against ≥3
    assert ("DIRECTION_CONFLICT", "C4经费总额") in found             # 正向 on a ceiling
    assert "LOW_EXECUTION" in codes                                  # 88.49% < 90%
    assert "TOTAL_MISMATCH" not in codes                             # 97.6 agrees


def test_seed_text_unit_from_the_prose(seed):
    tables, _ = seed
    unit = tables.units.iloc[0]
    assert unit["project"] == "人大履职保障经费"
    assert unit["department"] == "内蒙古自治区人大常委会办公厅"
    assert str(unit["year"]) == "2022" and unit["layout"] == "text"
    budget = tables.budgets.iloc[0]
    assert (budget["initial"], budget["executed"]) == (2229.0, 1972.41)
    assert "管理" in unit["problems"] and unit["plans"] and unit["measures"]


def test_perfnb_score_on_the_seed_text(capsys):
    assert main(["score", str(SEED)]) == 0
    out = capsys.readouterr().out
    assert "总分：97.60" in out and "等级：优" in out


def test_tables_rebuilt_from_lines_and_blank_lines():
    pairs, paragraphs = text_document(SEED.read_text(encoding="utf-8"), str(SEED))
    assert len(pairs) == 3                          # 产出, 效益, 满意度: one table each
    output, benefit, satisfaction = (grid for grid, _ in pairs)
    assert (output.max_column, benefit.max_column, satisfaction.max_column) == (10, 9, 10)
    assert output.values[0][0] == "一级\n指标"         # a cell over two lines
    # 合计 printed as one cell over 一级/二级/三级指标: it spans them
    total = next(r for r in range(1, output.max_row + 1) if output.get(r, 1) == "合计")
    assert [output.cell_anchor(total, c) for c in (1, 2, 3, 4)] == [(total, 1)] * 3 + [(total, 4)]
    assert output.get(total, 9) == "50" and output.get(total, 10) == "48.75"
    # 一级 printed once applies downward as a merged cell, to the 合计 row
    assert all(output.cell_anchor(r, 1) == (2, 1) for r in range(2, total))
    # 二级 C1数量指标 covers C11…C18 and stops at C2质量指标
    c2 = next(r for r in range(1, output.max_row + 1) if output.get(r, 2) == "C2质量指标")
    assert output.cell_anchor(c2 - 1, 2) == (2, 2) and output.cell_anchor(c2, 2) == (c2, 2)
    # the one-cell note under the satisfaction table is prose, not a row
    assert satisfaction.max_row == 2
    assert any(p.startswith("2022年度共召开了1次人大会议") for p in paragraphs)
    # the prose that announces a table is the text above it
    assert pairs[1][1][-1].startswith("我单位效益指标设二级指标1个")


def test_rows_written_one_per_line_with_tabs(tmp_path):
    """A table copied from a spreadsheet: one row per line, cells between tabs."""
    lines = ["人大办公厅人大履职保障经费绩效自评报告",
             "2022年年初我单位安排预算2,229.00万元，全年执行预算数为 1,972.41万元。",
             "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分",
             "产出指标\t数量指标\t刊物期数\t=12\t12\t50\t50",
             "\t\t采购批次\t≥4\t3\t20\t15",
             "效益指标\t社会效益指标\t宣传效果\t优\t优\t30\t30",
             "合计\t\t\t\t\t100\t95"]
    path = tmp_path / "report.txt"
    path.write_text("\n".join(lines) + "\n", encoding="gb18030")
    [(grid, _)], _ = text_document(path.read_text(encoding="gb18030"), str(path))
    assert grid.max_column == 7 and grid.get(3, 3) == "采购批次"
    assert grid.cell_anchor(3, 1) == (2, 1) and grid.cell_anchor(3, 2) == (2, 2)
    tables = load_unit(path)
    indicators = tables.indicators.set_index("name")
    assert indicators.loc["采购批次", "level1"] == "产出指标"
    assert indicators.loc["采购批次", "level2"] == "数量指标"
    assert indicators.loc["宣传效果", "weight"] == 30
    assert tables.budgets.iloc[0]["executed"] == 1972.41


def test_docx_and_text_share_the_sentence_reading():
    """read_report_text takes paragraphs, whatever the source: the seed's prose alone gives
    the budget, title, year, total and grade."""
    _, paragraphs = text_document(SEED.read_text(encoding="utf-8"), str(SEED))
    loaded = LoadedUnit(source=str(SEED), layout="text")
    read_report_text(paragraphs, loaded)
    assert loaded.budget["initial"] == 2229.0 and loaded.budget["executed"] == 1972.41
    assert loaded.budget["reported_rate"] == pytest.approx(0.8849)
    assert loaded.unit["project"] == "人大履职保障经费" and loaded.unit["year"] == "2022"
    assert (loaded.unit["reported_total"], loaded.unit["reported_grade"]) == (97.6, "优")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "gb18030"])
def test_seed_text_in_the_encodings_notepad_saves(tmp_path, encoding, seed):
    path = tmp_path / "report.txt"
    path.write_bytes(SEED.read_text(encoding="utf-8").encode(encoding))
    result = evaluate(load_unit(path)).to_dict()
    assert (result["total"], result["grade"]) == (97.6, "优")
    assert result["indicators"] == seed[1]["indicators"]


def test_text_in_an_unknown_encoding_names_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes("一级指标\n".encode("utf-8") + b"\x81\x20\xff\xfe\n")
    with pytest.raises(InputError, match=r"bad\.txt.*编码无法识别"):
        load_unit(path)


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_a_report_without_a_table_is_a_budget_only_evaluation(tmp_path, suffix):
    """As a Word report (tests/reading/test_unweighted.py): the funds sentences of a text or
    web-page report without an indicator table give a budget-only unweighted evaluation."""
    lines = ["某县教育局2022年度校舍维修项目绩效自评报告", "一、项目基本情况",
             "该项目年初预算数为100万元，全年执行数为85万元。"]
    path = tmp_path / f"report{suffix}"
    if suffix == ".txt":
        path.write_text("\n\n".join(lines), encoding="utf-8")
    else:
        path.write_text("<html><body>" + "".join(f"<p>{line}</p>" for line in lines) +
                        "</body></html>", encoding="utf-8")
    evaluation = evaluate(load_unit(path))
    result = evaluation.to_dict()
    assert result["weighting"] == "unweighted" and result["indicators"] == []
    # no table whose weights are missing, nothing to assess item by item: say what is evaluated
    text = format_text(evaluation)
    assert "报告中没有绩效指标表，不计算总分和等级，只评价预算执行" in text
    assert "本表未印分值" not in text and "表中未印其分值" not in text
    # and no empty dimension or indicator table under the budget line
    assert "一级指标" not in text and "三级指标" not in text
    assert result["budget"]["rate"] == 0.85 and result["total"] is None
    assert "UNWEIGHTED_FORM" in {f["code"] for f in result["findings"]}
    bare = tmp_path / f"bare{suffix}"
    bare.write_text(lines[0], encoding="utf-8")
    with pytest.raises(InputError, match="找不到绩效指标表"):
        load_unit(bare)


@pytest.mark.parametrize("first, project", [
    # pub25: an attachment's title run into its first sentence, a province-led place before it
    ("附件3四川省汶川县2021年中央食品监管专项转移支付绩效自评报告为进一步规范资金管理，现将自评情况报告如下：",
     "中央食品监管专项转移支付"),
    ("附件2：某县教育局2022年度校舍维修项目绩效自评报告", "校舍维修项目"),
])
def test_a_title_after_an_attachment_number_is_read(tmp_path, first, project):
    path = tmp_path / "report.txt"
    path.write_text(first + "\n\n该项目年初预算数为100万元，全年执行数为85万元。", encoding="utf-8")
    unit = load_unit(path).units.iloc[0]
    assert unit["project"] == project and unit["year"] == 2022 - ("2021" in first)
