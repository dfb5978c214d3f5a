"""The terminal text of an Evaluation (reporting/terminal.py): what `perfnb score` prints,
byte for byte, pinned by snapshots taken before it moved out of the data model
(evaluation/result.py); CJK alignment; the table helper.

Each case's stdout is compared with ``snapshots/terminal/<case>.txt``.  A deliberate change of
the text is recorded by running this file with ``PERFNB_UPDATE_SNAPSHOTS=1`` and reviewing the
diff of the snapshot files; without it a difference fails and shows the first differing line.
"""
from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

from perfnb import evaluate, load_unit
from perfnb.cli import main
from perfnb.evaluation.redflags import indicator_frame, unit_frame, with_previous_year
from perfnb.reading.review import review_path_for
from perfnb.reporting.terminal import format_text, text_table
from perfnb.textwidth import display_width

from format_builders import UNWEIGHTED_REVIEW, unweighted_form, write_xlsx
from tables import seed_tables, two_units
from xlsx_builders import WORKBOOK_INDICATORS, build_workbook

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params"
BUILT = ROOT / "tests" / "fixtures" / "real-forms" / "built"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "terminal"
UPDATE = os.environ.get("PERFNB_UPDATE_SNAPSHOTS") == "1"


def score(*args) -> str:
    """`perfnb score ARGS` in-process: its stdout (exit code 0 or 1 checked)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["score", *map(str, args)])
    assert code in (0, 1), stderr.getvalue()
    return stdout.getvalue()


def check(case: str, text: str, tmp_path: Path | None = None) -> None:
    if tmp_path is not None:   # a built file's folder is no part of the snapshot
        text = text.replace(str(tmp_path), "<tmp>")
    path = SNAPSHOTS / f"{case}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        got, want = text.splitlines(), expected.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        pytest.fail(f"{case}: line {first + 1} differs\n got: {got[first] if first < len(got) else '<end>'}"
                    f"\nwant: {want[first] if first < len(want) else '<end>'}")


# -- sample units, through the CLI -----------------------------------------------------------

@pytest.mark.parametrize("case, path", [
    ("seed", PARAMS / "nmg-rd-2022-rdlz.yaml"),        # weighted, errors and warnings
    ("reviewed", PARAMS / "jtt-2023-ncgl.yaml"),       # 复核: 复核得分 columns, 偏离度
    ("csv-reviewed", PARAMS / "007.yaml"),             # CSV form with a review
    ("sichuan", PARAMS / "sc-lx-2023-gbzn.yaml"),      # 四川 rules
    ("unweighted", BUILT / "pub09.xlsx"),              # no 分值: achievement counts
    ("multi-forms", BUILT / "multi-sheets.xlsx"),      # several forms in one file
])
def test_score_prints_what_it_printed(case, path):
    check(case, score(path))


def test_screening_table(tmp_path):
    """A folder is screened: one row per unit (the same CJK table layout)."""
    text = score(PARAMS / "_two-years" / "2023")
    # the closing line says how long it took: not part of the snapshot
    check("screening", "\n".join(line for line in text.splitlines() if "用时" not in line) + "\n")


# -- units built for the edges of the text ----------------------------------------------------

def test_unweighted_review(tmp_path):
    form = write_xlsx(tmp_path / "form.xlsx", [("Sheet1", [unweighted_form()])])
    review_path_for(form).write_text(UNWEIGHTED_REVIEW, encoding="utf-8")
    text = score(form)
    check("unweighted-reviewed", text, tmp_path)
    # the 一级指标 table counts achievements: no 复核得分 column (it once showed the budget's
    # 复核得分 16.00 in 产出指标's row, the two lists zipped out of step)
    dimensions = text.split("\n\n")[1]
    assert dimensions.startswith("一级指标  指标数") and "复核得分" not in dimensions


def test_budget_only_report(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("\n\n".join(["某县教育局2022年度校舍维修项目绩效自评报告", "一、项目基本情况",
                                 "该项目年初预算数为100万元，全年执行数为85万元。"]), encoding="utf-8")
    check("budget-only", score(path), tmp_path)


def test_partial_total(tmp_path):
    rows = [list(r) for r in WORKBOOK_INDICATORS]
    rows[2][8] = "五分"   # the weight column: one row that cannot be read
    path = build_workbook(tmp_path / "w.xlsx", indicators=[tuple(r) for r in rows])
    check("partial-total", score(path), tmp_path)


# -- the API: previous year, several units ----------------------------------------------------

def test_previous_year():
    evaluation = evaluate(seed_tables())
    last = unit_frame(evaluation).assign(unit_id="seed-2021", year=2021, total=90.0, budget_rate=0.95)
    compared = with_previous_year(evaluation, (last, indicator_frame(evaluation).assign(unit_id="seed-2021")))
    check("previous-year", format_text(compared) + "\n")


@pytest.fixture(scope="module")
def two():
    return evaluate(two_units())


def test_several_units(two):
    check("several-units", format_text(two) + "\n" + format_text(two, "b<x>") + "\n")


# -- layout -----------------------------------------------------------------------------------

def test_format_text_is_aligned_for_cjk():
    seed = evaluate(seed_tables())
    text = format_text(seed)
    assert "总分：97.60 / 100.00" in text and "等级：优" in text and "88.49%" in text
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("一级指标"))
    rows = lines[header + 2: header + 6]
    # right-aligned numbers end at the same display column
    assert len({display_width(row) for row in rows}) == 1
    assert "[错误] SCORE_MISMATCH" in text


def test_format_text_summary_for_many_units(two):
    text = format_text(two)
    assert "共 2 个单位" in text and "97.60" in text and "55.00" in text
    assert "b<x>" in format_text(two, "b<x>")


def test_text_table_and_display_width():
    assert display_width("预算ab") == 6
    table = text_table(["名称", "分"], [["产出指标", "1"], ["x", "10"]], ["left", "right"])
    widths = {display_width(line) for line in table.splitlines()}
    assert len(widths) == 1
