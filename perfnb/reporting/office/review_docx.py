"""The department's 复核报告 as a Word document (GB/T 9704), from a batch's result.json files.

The same tables as ``notebooks/review_report.ipynb`` (:mod:`perfnb.reporting.review_report`,
:func:`perfnb.reporting.summary.review_table` / ``department_review_table``), laid out as an
official document with the unit report's styles (:mod:`.docx_report`: A4, GB/T 9704 margins,
宋体 title, 黑体 一、 headings, 楷体 （一） headings, 仿宋 body, page numbers "— N —"), here with a
fixed 28 pt line spacing as the firm's report rules ask.
"""
from __future__ import annotations

import os
from pathlib import Path

from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.shared import Pt

from perfnb.model import UNWEIGHTED
from perfnb.reporting.office.docx_report import (FONTS, STYLE_TITLE, _add_run, _caption, add_table,
                                                 save_docx, setup_page, setup_styles)

__all__ = ["write_review_report_docx", "LINE_SPACING"]

LINE_SPACING = Pt(28)   # fixed line spacing of the body text


def _fixed_spacing(document) -> None:
    for name in ("Normal", "Heading 1", "Heading 2"):
        fmt = document.styles[name].paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE_SPACING


def _table(document, frame, number: int, caption: str, widths: list[float], left=()) -> None:
    _caption(document, f"表{number}  {caption}")
    rows = [["" if v is None or v != v else (f"{v:g}" if isinstance(v, float) else str(v))
             for v in record] for record in frame.itertuples(index=False, name=None)]
    add_table(document, [str(c) for c in frame.columns], rows, widths, left_columns=tuple(left))


def build_review_document(results_dir, department: str | None = None, profile=None):
    from perfnb.evaluation.review_rules import get_review_rules
    from perfnb.reporting.review_report import problem_list, review_scope
    from perfnb.reporting.summary import department_review_table, load_results, review_table

    profile = get_review_rules(profile)
    results = load_results(results_dir, department)
    problems = problem_list(results_dir, department, profile)
    scope = review_scope(results_dir, department)
    document = Document()
    setup_styles(document)
    setup_page(document)
    _fixed_spacing(document)
    title = f"{department or '各主管部门'}项目支出绩效自评复核报告"
    document.core_properties.title = title
    document.core_properties.subject = "绩效自评复核报告"
    document.core_properties.comments = "perfnb"
    _add_run(document.add_paragraph(style=STYLE_TITLE), title, FONTS["song"])

    def heading(text: str, level: int = 1) -> None:
        document.add_heading(text, level=level)

    def paragraph(text: str) -> None:
        document.add_paragraph(text)

    units = scope.set_index("项目")
    count = lambda row, column: int(units.loc[row, column])   # noqa: E731
    heading("一、复核范围")
    paragraph(f"本次复核依据复核口径“{profile.title}”，复核单位 {count('单位（个）', '已复核')} 个，"
              f"占 {count('单位（个）', '全部')} 个单位的 {units.loc['单位（个）', '覆盖率']}；覆盖资金 "
              f"{float(units.loc['资金（万元）', '已复核']):,.2f} 万元（{units.loc['资金（万元）', '覆盖率']}），"
              f"指标 {count('指标（个）', '已复核')} 个（{units.loc['指标（个）', '覆盖率']}）。")
    scope = scope.astype({"全部": object, "已复核": object})
    for row in ("单位（个）", "指标（个）"):
        at = scope["项目"] == row
        scope.loc[at, ["全部", "已复核"]] = scope.loc[at, ["全部", "已复核"]].map(int)
    at = scope["项目"] == "资金（万元）"   # amounts as the text writes them: 16,500.00
    scope.loc[at, ["全部", "已复核"]] = scope.loc[at, ["全部", "已复核"]].map(lambda v: f"{float(v):,.2f}")
    _table(document, scope, 1, "复核范围", [4.0, 3.5, 3.5, 3.0])
    heading("二、自评与复核对比")
    unweighted = bool(len(results)) and (results["weighting"] == UNWEIGHTED).any()
    paragraph("偏离度 =（自评总分 − 复核总分）÷ 自评总分；"
              + ("未印分值（未加权）的单位没有总分，偏离度按达成情况计算：复核改变了达成情况的指标数 ÷ "
                 "有达成情况的指标数（标“按达成”）；" if unweighted else "")
              + "等级有变化的单位列在前面。")
    compact = review_table(results)[["单位编号", "自评", "计算", "复核", "等级变化", "偏离度", "自评质量"]]
    _table(document, compact, 2, "各单位自评与复核", [2.6, 2.9, 2.5, 2.5, 1.8, 1.7, 1.6], left=(0,))
    heading("三、自评质量")
    quality = department_review_table(results)[["主管部门", "已复核单位数", "等级变化单位数", "偏离度", "自评质量"]]
    _table(document, quality, 3, "各主管部门自评质量", [4.2, 2.8, 3.2, 2.6, 2.8], left=(0,))
    heading("四、存在的问题")
    counts = problems["级别"].value_counts()
    paragraph(f"复核发现问题 {len(problems)} 个，其中 P0 {int(counts.get('P0', 0))} 个、P1 "
              f"{int(counts.get('P1', 0))} 个、P2 {int(counts.get('P2', 0))} 个（P0：调整 ≥ "
              f"{profile.problem_ranks['p0_points']:g} 分或单凭该项调整即改变等级；P1：≥ "
              f"{profile.problem_ranks['p1_points']:g} 分）。")
    present = [rank for rank in ("P0", "P1", "P2") if (problems["级别"] == rank).any()]
    for number, rank in enumerate(present):   # （一）（二）… in order, whichever ranks occur
        group = problems[problems["级别"] == rank]
        heading(f"（{'一二三'[number]}）{rank} 问题", level=2)
        for _, row in group.iterrows():
            figures = (f"自评“{row['自评达成']}”，复核“{row['复核达成']}”（未加权，按达成情况）"
                       if row["自评达成"] else
                       f"自评 {row['自评得分']:g} 分，复核 {row['复核得分']:g} 分")
            paragraph(f"{row['单位编号']}“{row['指标']}”：{figures}，"
                      + (f"依据{row['复核口径']}。" if not row["复核口径"].startswith("（") else "未写明依据的复核口径条款。")
                      + row["问题"])
    heading("五、改进建议")
    for number, (_, row) in enumerate(problems.iterrows(), start=1):
        paragraph(f"{number}. {row['单位编号']}“{row['指标']}”：{row['建议']}")
    if not len(problems):
        paragraph("本次复核未调整任何指标。")
    return document


def write_review_report_docx(results_dir, path: str | os.PathLike, department: str | None = None,
                             profile=None) -> Path:
    """Write the department's 复核报告 (.docx) to ``path`` atomically."""
    return save_docx(build_review_document(results_dir, department, profile), path)
