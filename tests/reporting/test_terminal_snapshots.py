"""What `perfnb score` prints, byte for byte, pinned by snapshots taken before the terminal
text moved out of the data model (evaluation/result.py) into reporting/terminal.py.

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


def format_text(evaluation, unit_id=None):   # the old code's method, before the move
    return evaluation.format_text(unit_id)

from format_builders import write_xlsx
from tables import full_budget, indicator, make_unit, seed_tables, stack
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

def _unweighted_form():
    from perfnb.reading.sheets import Grid

    rows = [
        ["2023年度项目自评表", None, None, None, None, None],
        ["项目名称", "乡村道路维护", None, "主管部门", "某县交通运输局", None],
        ["预算执行情况（万元）（20分）", None, "预算数（A）", "执行数（B）", "执行率（B/A）", "得分"],
        ["预算执行情况（万元）（20分）", "年度财政资金总额", 100, 80, "80%", 16],
        ["年度目标1：（80分）"] * 6,
        ["一级指标", "二级指标", "三级指标", "年初目标值（A）", "实际完成值（B）", "得分"],
        ["产出指标", "数量指标", "维护道路里程", "≥20公里", "16公里", 24],
        ["产出指标", "质量指标", "验收合格率", "≥95%", "100%", 20],
        ["效益指标", "社会效益指标", "群众出行条件", "明显改善", "明显改善", 20],
        ["总分", None, None, None, None, None],
    ]
    anchor = {(row, 1): (3, 1) for row in (3, 4)}
    anchor.update({(5, c): (5, 1) for c in range(1, 7)})
    return Grid("form.xlsx", "Sheet1", rows, anchor)


UNWEIGHTED_REVIEW = """\
evaluator: 张敏
date: 2026-11-30
indicators:
  - name: 群众出行条件
    level: 部分达成
    reason: 仅有问卷摘要，佐证不足
  - name: 验收合格率
    clauses: [NO_EVIDENCE]
    reason: 无验收记录
"""


def test_unweighted_review(tmp_path):
    form = write_xlsx(tmp_path / "form.xlsx", [("Sheet1", [_unweighted_form()])])
    review_path_for(form).write_text(UNWEIGHTED_REVIEW, encoding="utf-8")
    check("unweighted-reviewed", score(form), tmp_path)


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


def test_several_units():
    other = make_unit("b<x>", [indicator("<script>alert(1)</script>", 4, 2, 90)],
                      budget=full_budget(), project="项目 & 乙")
    two = evaluate(stack(seed_tables("a"), other))
    check("several-units", format_text(two) + "\n" + format_text(two, "b<x>") + "\n")
