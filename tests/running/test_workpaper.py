"""The 复核底稿 round trip: `perfnb workpaper` writes it, an evaluator fills it in (openpyxl, as
Excel or WPS would), `perfnb score --review 底稿.xlsx` reads it back as the review record."""
from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from perfnb.cli import main
from perfnb.reading.workpaper import COLUMNS, KEY_HEADER

PARAMS = Path(__file__).resolve().parents[2] / "params"
SEED = PARAMS / "nmg-rd-2022-rdlz.yaml"
UNITS = [PARAMS / "jtt-2023-ncgl.yaml", PARAMS / "007.yaml", SEED]


def perfnb(*args) -> subprocess.CompletedProcess:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue())


@pytest.fixture(scope="module")
def paper(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("paper") / "底稿.xlsx"
    result = perfnb("workpaper", *UNITS, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "3 个单位" in result.stdout
    return out


def rows_of(sheet) -> tuple[dict[str, int], dict[str, int]]:
    header = {c.value: c.column for c in sheet[6]}
    return header, {sheet.cell(r, header["三级"]).value: r for r in range(7, sheet.max_row + 1)
                    if sheet.cell(r, header[KEY_HEADER]).value}


def test_paper_layout(paper):
    book = load_workbook(paper)
    assert book.sheetnames == ["索引", "jtt-2023-ncgl", "007", "nmg-rd-2022-rdlz", "复核口径"]
    index = [[c.value for c in row] for row in book["索引"].iter_rows()]
    assert index[0][:3] == ["序号", "主管部门", "单位编号"] and len(index) == 4
    sheet = book["nmg-rd-2022-rdlz"]
    header, rows = rows_of(sheet)
    assert [sheet.cell(6, c).value for c in range(1, len(COLUMNS) + 1)] == list(COLUMNS)
    row = rows["C14办公设备采购批次"]
    figures = {name: sheet.cell(row, header[name]).value for name in
               ("一级", "二级", "指标性质", "指标值", "权重", "自评完成值", "自评得分")}
    assert figures == {"一级": "产出指标", "二级": "数量指标", "指标性质": "≥", "指标值": "4",
                       "权重": 5, "自评完成值": "3", "自评得分": 3.75}
    assert sheet.cell(row, header["偏离度"]).value.startswith("=IF(")
    # protected: figures locked, the evaluator's columns open
    assert sheet.protection.sheet
    assert sheet.cell(row, header["权重"]).protection.locked
    assert not sheet.cell(row, header["复核得分"]).protection.locked
    assert not sheet.cell(row, header["复核口径"]).protection.locked
    assert sheet.column_dimensions[get_column_letter(len(COLUMNS) + 1)].hidden   # the 行键
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert any("复核口径" in f for f in lists.values()) and '"严重,一般,轻微"' in lists.values()
    # an existing review fills the evaluator's cells: the paper is one view of the record
    jtt = book["jtt-2023-ncgl"]
    header, rows = rows_of(jtt)
    assert jtt["B3"].value == "李静"
    assert jtt.cell(rows["实施安全生命防护工程里程"], header["复核口径"]).value == "TARGET_TOO_LOW"
    assert jtt.cell(rows["实施安全生命防护工程里程"], header["复核得分"]).value == 8
    clauses = [c.value for c in book["复核口径"]["A"]][1:12]
    assert clauses[0] == "NO_EVIDENCE 无佐证材料"


def fill(paper: Path, out: Path, change=None) -> Path:
    """An evaluator's work on the seed's sheet: a clause with a wrong share, a row moved."""
    book = load_workbook(paper)
    sheet = book["nmg-rd-2022-rdlz"]
    sheet["B3"], sheet["E3"], sheet["H3"] = "张敏", "2026-11-30", "良"
    sheet["B4"] = "抽查佐证材料后调整两项指标。"
    header, rows = rows_of(sheet)
    row = rows["C14办公设备采购批次"]   # weight 5: 一般 -> 2 points; the evaluator wrote 3
    sheet.cell(row, header["复核口径"]).value = "NOT_VERIFIABLE 完成情况无法核实"
    sheet.cell(row, header["扣分程度"]).value = "一般"
    sheet.cell(row, header["复核得分"]).value = 3
    sheet.cell(row, header["佐证材料"]).value = "佐证/采购合同.pdf"
    row = rows["E1服务人员满意度"]
    sheet.cell(row, header["复核口径"]).value = "NO_SURVEY 满意度无调查材料"
    sheet.cell(row, header["备注"]).value = "未提供问卷"
    # move a row: the first two indicators swap places, keys and all
    first, second = 7, 8
    values = [[sheet.cell(r, c).value for c in range(1, len(COLUMNS) + 2)] for r in (first, second)]
    for r, row_values in zip((second, first), values):
        for c, value in enumerate(row_values, start=1):
            sheet.cell(r, c).value = value
    if change:
        change(sheet, header, rows_of(sheet)[1])
    book.save(out)
    return out


def test_round_trip(paper, tmp_path):
    filled = fill(paper, tmp_path / "已填.xlsx")
    result = perfnb("score", SEED, "--review", filled, "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    reviewed = data["reviewed"]
    assert reviewed["evaluator"] == "张敏" and reviewed["date"] == "2026-11-30"
    by_name = {i["name"]: i for i in reviewed["indicators"]}
    assert by_name["C14办公设备采购批次"]["final_score"] == 2.0          # the clause, not the 3
    assert by_name["C14办公设备采购批次"]["clauses"] == ["NOT_VERIFIABLE"]
    assert by_name["C14办公设备采购批次"]["evidence"] == ["佐证/采购合同.pdf"]
    assert by_name["E1服务人员满意度"]["final_score"] == 0
    # the moved rows were not reviewed and keep their computed scores
    moved = [i for i in reviewed["indicators"] if i["seq"] in (0, 1)]
    assert all(not i["reviewed"] and i["final_score"] == i["computed_score"] for i in moved)
    mismatch = [f for f in data["findings"] if f["code"] == "REVIEW_CLAUSE_MISMATCH"]
    assert len(mismatch) == 1 and mismatch[0]["location"]["indicator"] == "C14办公设备采购批次"
    # 97.60 - (3.75 - 2) - 10 = 85.85
    assert reviewed["total"] == pytest.approx(85.85)
    assert data["self_evaluation_quality"]["grade"] == "一般"     # 11.75 ÷ 97.6 = 12.04 %


def test_moved_row_applies_to_its_own_indicator(paper, tmp_path):
    def review_a_moved_row(sheet, header, rows):
        row = rows["C11后勤保障日常工作时间"]          # now on the second data row
        assert row == 8
        sheet.cell(row, header["复核口径"]).value = "NO_EVIDENCE"
        sheet.cell(row, header["备注"]).value = "无考勤记录"
    filled = fill(paper, tmp_path / "移动.xlsx", review_a_moved_row)
    data = json.loads(perfnb("score", SEED, "--review", filled, "--json").stdout)
    by_name = {i["name"]: i for i in data["reviewed"]["indicators"]}
    assert by_name["C11后勤保障日常工作时间"]["final_score"] == 0
    assert not by_name["C12内蒙古人大汉刊编印期数"]["reviewed"]


def test_renamed_indicator_is_refused_with_its_place(paper, tmp_path):
    def rename(sheet, header, rows):
        sheet.cell(rows["C13内蒙古人大蒙刊编印期数"], header["三级"]).value = "C13蒙刊编印期数"
    filled = fill(paper, tmp_path / "改名.xlsx", rename)
    result = perfnb("score", SEED, "--review", filled)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "工作表“nmg-rd-2022-rdlz”" in result.stderr and "“三级”列" in result.stderr
    assert "C13蒙刊编印期数" in result.stderr and "行键不符" in result.stderr


def test_missing_reason_and_unit_not_in_paper(paper, tmp_path):
    def no_reason(sheet, header, rows):
        sheet.cell(rows["C15人大新闻奖评选次数"], header["复核得分"]).value = 1
    filled = fill(paper, tmp_path / "无理由.xlsx", no_reason)
    result = perfnb("score", SEED, "--review", filled)
    assert result.returncode == 2 and "“备注”列" in result.stderr and "C15人大新闻奖评选次数" in result.stderr
    other = perfnb("score", PARAMS / "jtt-2023-gsgyh.yaml", "--review", paper)
    assert other.returncode == 2 and "没有单位“jtt-2023-gsgyh”的工作表" in other.stderr


def test_paper_is_not_overwritten(paper):
    result = perfnb("workpaper", SEED, "--out", paper)
    assert result.returncode == 2 and "--force" in result.stderr


def test_batch_review_plans_the_paper_for_the_units_it_has(paper, tmp_path):
    """`perfnb batch … --review 底稿.xlsx`: a unit with a sheet reads its review from the paper
    (a notebook parameter and a hashed input, so a changed paper reruns it); others do not."""
    from perfnb.running.planning import plan_jobs

    context = {"perfnb": "test"}
    units = [SEED, PARAMS / "jtt-2023-gsgyh.yaml"]
    plain = {j.unit_id: j for j in plan_jobs(units, tmp_path, context)}
    jobs = {j.unit_id: j for j in plan_jobs(units, tmp_path, context, review=paper)}
    assert jobs["nmg-rd-2022-rdlz"].parameters["review"] == str(paper)
    assert str(Path(paper).resolve()) in [r["path"] for r in jobs["nmg-rd-2022-rdlz"].input_files]
    assert jobs["nmg-rd-2022-rdlz"].fingerprint != plain["nmg-rd-2022-rdlz"].fingerprint
    assert "review" not in jobs["jtt-2023-gsgyh"].parameters
    assert jobs["jtt-2023-gsgyh"].fingerprint == plain["jtt-2023-gsgyh"].fingerprint


def test_evidence_files_are_inputs_of_the_unit(tmp_path):
    """佐证材料 a review cites are hashed with the unit (manifest, provenance, PDF attachments,
    fingerprint: a changed file reruns the unit); a missing one is refused with its line."""
    import shutil

    from perfnb.errors import InputError, InputErrors
    from perfnb.running.planning import plan_jobs
    from perfnb.running.runner import plan_unit

    shutil.copytree(PARAMS / "data", tmp_path / "data")
    unit = tmp_path / SEED.name
    shutil.copy(SEED, unit)
    (tmp_path / "佐证").mkdir()
    evidence = tmp_path / "佐证" / "采购合同.pdf"
    evidence.write_bytes(b"%PDF-1.4 contract")
    review = tmp_path / "nmg-rd-2022-rdlz.review.yaml"
    review.write_text("evaluator: 张敏\ndate: 2026-11-30\nindicators:\n  - name: 办公设备采购批次\n"
                      "    clauses: [OVER_130]\n    evidence: [佐证/采购合同.pdf]\n    reason: 已核实\n",
                      encoding="utf-8")
    plan = plan_unit(unit)
    assert evidence.resolve() in plan.input_files and review.resolve() in plan.input_files
    before = plan_jobs([unit], tmp_path / "out", {"perfnb": "t"})[0]
    assert str(evidence.resolve()) in [r["path"] for r in before.input_files]
    evidence.write_bytes(b"%PDF-1.4 another contract")
    after = plan_jobs([unit], tmp_path / "out", {"perfnb": "t"})[0]
    assert after.fingerprint != before.fingerprint
    data = json.loads(perfnb("score", unit, "--json").stdout)
    item = next(i for i in data["reviewed"]["indicators"] if i["reviewed"])
    assert item["evidence"] == ["佐证/采购合同.pdf"] and item["clauses"] == ["OVER_130"]
    evidence.unlink()
    with pytest.raises((InputError, InputErrors)) as caught:
        plan_unit(unit)
    assert "佐证材料“佐证/采购合同.pdf”不存在" in str(caught.value) and "第 4 行" in str(caught.value)


def test_review_findings_and_errors_name_the_sheet(paper, tmp_path):
    """REVIEW_* findings from a 底稿 point at its worksheet and row (not only the file), and an
    entry's error names sheet, row and column."""
    filled = fill(paper, tmp_path / "已填.xlsx")
    data = json.loads(perfnb("score", SEED, "--review", filled, "--json").stdout)
    mismatch = next(f for f in data["findings"] if f["code"] == "REVIEW_CLAUSE_MISMATCH")
    book = load_workbook(filled)
    header, rows = rows_of(book["nmg-rd-2022-rdlz"])
    assert mismatch["location"]["sheet"] == "[已填.xlsx]nmg-rd-2022-rdlz"
    assert mismatch["location"]["row"] == rows["C14办公设备采购批次"]

    def bad_severity(sheet, header, rows):
        sheet.cell(rows["C14办公设备采购批次"], header["扣分程度"]).value = "很严重"
    result = perfnb("score", SEED, "--review", fill(paper, tmp_path / "程度.xlsx", bad_severity))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "工作表“nmg-rd-2022-rdlz”" in result.stderr and "“扣分程度”列" in result.stderr
    assert f"第 {rows['C14办公设备采购批次']} 行" in result.stderr and "很严重" in result.stderr


def test_level_round_trips_and_the_score_follows_it(paper, tmp_path):
    """复核档次: a review scored by level (jtt's 群众出行安全条件改善: 部分达成) is written as the level
    with an empty 复核得分, reads back as the same level and score, and a level changed in the
    sheet changes the 复核得分 (central bands: 部分达成 70 %, 未达成 30 % of the weight)."""
    unit = PARAMS / "jtt-2023-ncgl.yaml"
    book = load_workbook(paper)
    sheet = book["jtt-2023-ncgl"]
    header, rows = rows_of(sheet)
    row = rows["群众出行安全条件改善"]
    assert sheet.cell(row, header["复核档次"]).value == "部分达成"
    assert sheet.cell(row, header["复核得分"]).value is None
    # the clause entry keeps its clause (and its score)
    assert sheet.cell(rows["实施安全生命防护工程里程"], header["复核档次"]).value is None
    assert any(v.formula1 == '"达成,部分达成,未达成"' for v in sheet.data_validations.dataValidation)
    # the 偏离度 formula takes the level's score when 复核得分 is empty
    assert '="部分达成",7' in sheet.cell(row, header["偏离度"]).value

    def indicator(path):
        result = perfnb("score", unit, "--review", path, "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        return {i["name"]: i for i in data["reviewed"]["indicators"]}, data

    from_file, _ = indicator(PARAMS / "reviews" / "jtt-2023-ncgl.review.yaml")
    from_paper, _ = indicator(paper)
    for name in ("群众出行安全条件改善", "实施安全生命防护工程里程"):
        for key in ("level", "final_score", "clauses", "severity"):
            assert from_paper[name][key] == from_file[name][key], (name, key)
    assert from_paper["群众出行安全条件改善"]["level"] == "部分达成"
    weight = from_paper["群众出行安全条件改善"]["weight"]
    assert from_paper["群众出行安全条件改善"]["final_score"] == pytest.approx(0.7 * weight)
    sheet.cell(row, header["复核档次"]).value = "未达成"
    sheet["B3"], sheet["E3"] = "李静", "2024-04-18"
    changed = tmp_path / "改档次.xlsx"
    book.save(changed)
    after, data = indicator(changed)
    assert after["群众出行安全条件改善"]["level"] == "未达成"
    assert after["群众出行安全条件改善"]["final_score"] == pytest.approx(0.3 * weight)
    assert not [f for f in data["findings"] if f["code"].startswith("REVIEW_")]
    # an unknown level is refused at its cell
    sheet.cell(row, header["复核档次"]).value = "基本达成"
    book.save(changed)
    result = perfnb("score", unit, "--review", changed)
    assert result.returncode == 2 and "“复核档次”列" in result.stderr and "基本达成" in result.stderr


def test_paper_without_the_level_column_still_reads(paper, tmp_path):
    """A 底稿 written before 复核档次 existed (its column absent) is read as before."""
    def old_layout(sheet, header, rows):
        sheet.delete_cols(header["复核档次"])
    filled = fill(paper, tmp_path / "旧底稿.xlsx", old_layout)
    assert "复核档次" not in [c.value for c in load_workbook(filled)["nmg-rd-2022-rdlz"][6]]
    result = perfnb("score", SEED, "--review", filled, "--json")
    assert result.returncode == 0, result.stderr
    by_name = {i["name"]: i for i in json.loads(result.stdout)["reviewed"]["indicators"]}
    assert by_name["C14办公设备采购批次"]["final_score"] == 2.0
    assert by_name["E1服务人员满意度"]["final_score"] == 0
