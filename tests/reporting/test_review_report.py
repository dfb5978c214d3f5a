"""The department's 复核报告: scope, ranked problem list with clauses and advice, the notebook."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import perfnb
from perfnb.fsutil import safe_component
from perfnb.reading.review import review_path_for
from perfnb.reporting.review_report import problem_list, review_scope

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params"
SEED_REVIEW = """\
evaluator: 张敏
date: 2024-05-06
indicators:
  - name: 办公设备采购批次
    clauses: [NOT_VERIFIABLE]
    severity: 一般
    reason: 批次无法逐一核实
  - name: 工作完成质量
    score: 2.5
    reason: 质量评价依据不足
  - name: 服务人员满意度
    clauses: [NO_SURVEY]
    reason: 无问卷
"""


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    work = tmp_path_factory.mktemp("units")
    shutil.copytree(PARAMS / "data", work / "data")
    shutil.copy(PARAMS / "nmg-rd-2022-rdlz.yaml", work)
    review_path_for(work / "nmg-rd-2022-rdlz.yaml").write_text(SEED_REVIEW, encoding="utf-8")
    root = tmp_path_factory.mktemp("outputs")
    for path in (work / "nmg-rd-2022-rdlz.yaml", PARAMS / "jtt-2023-ncgl.yaml",
                 PARAMS / "jtt-2023-gsgyh.yaml", PARAMS / "007.yaml"):
        data = perfnb.evaluate(perfnb.load_unit(path)).to_dict()
        folder = root / safe_component(data["department"]) / safe_component(data["unit_id"])
        folder.mkdir(parents=True)
        (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return root


def test_problem_list_ranks_and_advises(results_dir):
    problems = problem_list(results_dir)
    rows = problems.set_index("指标")
    # 9.5 points off the reported total: P0 by size
    assert rows.loc["E1服务人员满意度", ["级别", "调整分值"]].tolist() == ["P0", -9.5]
    assert rows.loc["E1服务人员满意度", "复核口径"] == "NO_SURVEY 满意度无调查材料"
    assert "满意度调查" in rows.loc["E1服务人员满意度", "建议"]
    # the seed goes 优 -> 良 (97.6 -> 85.85); undoing C14's 1.75 alone leaves 良: P1
    assert rows.loc["C14办公设备采购批次", "级别"] == "P1"
    assert rows.loc["C2工作完成质量", "复核口径"] == "（未引用条款）"
    assert rows.loc["群众出行安全条件改善", "复核口径"] == "复核档次“部分达成”（评分规则）"
    assert rows.loc["C2工作完成质量", "级别"] == "P2"      # 0.5 point
    assert rows.loc["实施安全生命防护工程里程", "级别"] == "P1"
    assert list(problems["级别"]) == sorted(problems["级别"])   # P0 first
    assert problems["建议"].map(bool).all() and len(problems) == 6
    only = problem_list(results_dir, "江西省交通运输厅")
    assert set(only["单位编号"]) == {"jtt-2023-ncgl"}


def test_scope(results_dir):
    scope = review_scope(results_dir).set_index("项目")
    assert scope.loc["单位（个）", ["全部", "已复核"]].tolist() == [4, 3]
    assert scope.loc["单位（个）", "覆盖率"] == "75.00%"


def test_review_report_notebook_runs(results_dir, tmp_path):
    import papermill

    out = tmp_path / "复核报告.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / "review_report.ipynb"), str(out),
                               parameters={"results_dir": str(results_dir)}, progress_bar=False,
                               kernel_name="python3", cwd=str(ROOT / "notebooks"))
    text = out.read_text(encoding="utf-8")
    for words in ("复核范围", "偏离度", "自评质量", "P0", "NO_SURVEY 满意度无调查材料", "改进建议",
                  "开展满意度调查"):
        assert words in text, words


def test_review_report_word_follows_official_layout(results_dir, tmp_path):
    from docx import Document
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    from perfnb.cli import main

    out = tmp_path / "复核报告.docx"
    assert main(["review-report", str(results_dir), "--out", str(out)]) == 0
    document = Document(str(out))
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    normal = document.styles["Normal"]
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert normal.paragraph_format.line_spacing == Pt(28)
    fonts = lambda style: style.element.rPr.rFonts.get(  # noqa: E731
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert fonts(normal) == "仿宋" and fonts(document.styles["Heading 1"]) == "黑体"
    assert fonts(document.styles["Heading 2"]) == "楷体"
    footer = "".join(r.text for r in section.footer.paragraphs[0].runs)
    assert footer.startswith("— ") and footer.endswith(" —")
    text = "\n".join(p.text for p in document.paragraphs)
    for words in ("一、复核范围", "四、存在的问题", "（一）P0 问题", "五、改进建议", "NO_SURVEY 满意度无调查材料",
                  "复核单位 3 个"):
        assert words in text, words
    assert len(document.tables) == 3
