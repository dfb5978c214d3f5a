"""Checks of the evaluator's review record itself (复核记录), against its review profile.

They look at ``scored["review_entries"]``, which :func:`perfnb.evaluation.reviewing.apply_review`
builds (one row per reviewed indicator: the hand-entered score, the score its cited clauses
give, the computed score); before the review is applied that table is absent and they find
nothing.  A finding points at the review file and the entry's line.
"""
from __future__ import annotations

import numpy as np

from perfnb.evaluation.checks.registry import ERROR, WARNING, Check, Hit
from perfnb.evaluation.scoring import unit_codes

REVIEW_ENTRIES = "review_entries"
CLAUSE_COLUMN = "复核口径"
BASIS_REVIEW = ("会计师事务所自评复核的质量要求：每项扣分须写明所依据的复核口径条款及扣分比例，"
                "且比例与得分相符（见 docs/architecture.md “复核口径”）")


def _entries(ctx):
    frame = ctx.scored.get(REVIEW_ENTRIES)
    if frame is None or not len(frame):
        return None
    return frame


def _where(ctx, frame):
    return {"unit_code": unit_codes(ctx.unit_ids, frame, "复核记录"),
            "sheet": frame["file"], "row": frame["line"], "indicator": frame["name"]}


def _clause_mismatch(ctx, params):
    frame = _entries(ctx)
    if frame is None:
        return
    given = frame["given"].to_numpy(float)
    clause = frame["clause_score"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        mask = ~np.isnan(given) & ~np.isnan(clause) & (np.abs(given - clause) > ctx.tol)
    yield Hit(mask, "message", {"name": frame["name"], "given": given, "clause": clause,
                                "clauses": frame["clause_text"]},
              column=CLAUSE_COLUMN, **_where(ctx, frame))


def _no_clause(ctx, params):
    frame = _entries(ctx)
    if frame is None:
        return
    given = frame["given"].to_numpy(float)
    computed = frame["computed"].to_numpy(float)
    cited = frame["clause_text"].astype(str).str.len().to_numpy() > 0
    has_level = frame["level"].notna().to_numpy()
    with np.errstate(invalid="ignore"):
        mask = ~cited & ~has_level & ~np.isnan(given) & (given < np.nan_to_num(computed) - ctx.tol)
    yield Hit(mask, "message", {"name": frame["name"], "given": given, "computed": computed},
              column=CLAUSE_COLUMN, **_where(ctx, frame))


REVIEW_CLAUSE_MISMATCH = Check(
    code="REVIEW_CLAUSE_MISMATCH", severity=ERROR, table="review_entries",
    title="复核得分与所引口径不符", summary="复核记录手填的复核得分与所引复核口径条款算出的得分不一致",
    what="复核记录的一项指标引用了复核口径条款（clauses / 复核口径），同时手填了复核得分；"
         "按条款计算（不得分、不扣分、扣减分值的一定比例或分数、按扣分程度扣减）的得分与手填的"
         "得分相差超过规则允许的误差。复核得分按条款计算的结果采用。",
    why="复核底稿的每项扣分都要写明依据的条款和扣分比例，而且比例要与得分一致；"
        "二者不符，说明条款引错了或得分算错了，复核报告不能据以定稿。",
    example="“服务人员满意度”分值 10 分，引用 NOT_VERIFIABLE（无法核实）、扣分程度“一般”"
            "（扣减 60%），应得 4 分；复核记录手填 7 分，即报告此项。",
    basis=BASIS_REVIEW,
    messages={"message": "复核记录中“{name:text}”手填复核得分 {given:num} 分，按所引复核口径 "
                         "{clauses:text}计算应为 {clause:num} 分，已按口径计算的得分采用。"
                         "请改正复核得分，或改引与得分相符的条款、扣分程度。"},
    condition=_clause_mismatch)

REVIEW_NO_CLAUSE = Check(
    code="REVIEW_NO_CLAUSE", severity=WARNING, table="review_entries",
    title="复核扣分未引用口径", summary="复核记录扣了分，但没有引用复核口径条款",
    what="复核记录的一项指标手填的复核得分低于按规则计算的得分（即复核扣了分），却既没有引用"
         "复核口径条款（clauses / 复核口径），也没有给出复核档次（level）。",
    why="每项扣分都应有据可查：引用复核口径条款后，扣分比例由条款决定，报告可以引述条文；"
        "没有条款的扣分无法核对，也无法在部门之间保持同一尺度。",
    example="“开展比对监测次数”计算得分 5 分，复核记录填 4 分，只写了理由，没有引用条款"
            "（如 TARGET_TOO_LOW 目标值设定明显偏低）。",
    basis=BASIS_REVIEW,
    messages={"message": "复核记录中“{name:text}”的复核得分 {given:num} 分低于计算得分 {computed:num} 分，"
                         "但没有引用复核口径条款。请在 clauses（复核口径）中写明扣分所依据的条款"
                         "（perfnb review-rules 列出可用的条款）。"},
    condition=_no_clause)

CHECKS = (REVIEW_CLAUSE_MISMATCH, REVIEW_NO_CLAUSE)
CODES = tuple(check.code for check in CHECKS)
