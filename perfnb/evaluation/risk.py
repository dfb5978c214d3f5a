"""A risk score per unit from its findings and red flags (issue 19), so the evaluator — and a
sampler — can start where the risk is.

The weights are data: ``risk_weights.yaml`` beside this module.  A unit's score is the sum of
the points of the distinct codes among its findings (a code counts once, however many rows it
hits; a finding the evaluator's review rejected (不采纳) does not count), capped at
``max_score``; the red flags are the codes listed under ``flags``, named in
``risk.flags`` (by weight, highest first).  Vectorised over all units of a findings frame.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
import yaml

from perfnb.model import DECISION_REJECTED

WEIGHTS_FILE = Path(__file__).with_name("risk_weights.yaml")
RISK_COLUMNS = ["unit_id", "risk_score", "risk_level", "risk_flags"]


@lru_cache(maxsize=1)
def risk_weights() -> Mapping[str, Any]:
    """The weights of risk_weights.yaml: max_score, levels, severity points, flag points."""
    data = yaml.safe_load(WEIGHTS_FILE.read_text("utf-8"))
    return {"max_score": float(data["max_score"]),
            "levels": tuple((str(item["level"]), float(item["min"])) for item in data["levels"]),
            "severity": {str(k): float(v) for k, v in data["severity"].items()},
            "flags": {str(k): float(v) for k, v in data["flags"].items()},
            "codes": {str(k): float(v) for k, v in (data.get("codes") or {}).items()}}


def risk_level(score: float) -> str:
    for level, low in risk_weights()["levels"]:
        if score >= low:
            return level
    return risk_weights()["levels"][-1][0]


def risk_table(findings: pd.DataFrame, unit_ids: Iterable[str]) -> pd.DataFrame:
    """One row per unit of ``unit_ids`` (in that order): ``RISK_COLUMNS``; ``risk_flags`` is a
    list of codes, highest weight first."""
    weights = risk_weights()
    ids = pd.Index([str(u) for u in unit_ids])
    score = np.zeros(len(ids))
    flags: list[list[str]] = [[] for _ in range(len(ids))]
    if len(findings) and "decision" in findings.columns:   # the evaluator rejected it (复核)
        findings = findings[findings["decision"].astype(object) != DECISION_REJECTED]
    if len(findings):
        pairs = findings[["unit_id", "code", "severity"]].astype({"unit_id": str})
        pairs = pairs.drop_duplicates(["unit_id", "code"])
        codes = pairs["code"].astype(str).to_numpy(object)
        flag_points = pd.Series(codes).map(weights["flags"]).to_numpy(float)
        severity_points = pairs["severity"].map(weights["severity"]).fillna(0).to_numpy(float)
        code_points = pd.Series(codes).map(weights["codes"]).to_numpy(float)
        points = np.where(~np.isnan(flag_points), flag_points,
                          np.where(~np.isnan(code_points), code_points, severity_points))
        at = ids.get_indexer(pairs["unit_id"])
        known = at >= 0
        np.add.at(score, at[known], points[known])
        is_flag = ~np.isnan(flag_points) & known
        order = np.lexsort((codes[is_flag], -flag_points[is_flag]))
        for unit_at, code in zip(at[is_flag][order], codes[is_flag][order]):
            flags[unit_at].append(code)
    score = np.minimum(score, weights["max_score"])
    return pd.DataFrame({"unit_id": ids.to_numpy(object), "risk_score": score,
                         "risk_level": [risk_level(s) for s in score], "risk_flags": flags})


def flag_titles(codes: Iterable[str]) -> list[str]:
    """The Chinese titles of some finding codes (the code itself for an unknown one)."""
    from perfnb.evaluation.checks.catalog import BUILTIN
    titles = {check.code: check.title for check in BUILTIN}
    return [titles.get(code, code) for code in codes]


def risk_dict(findings: pd.DataFrame, unit_id: str) -> dict[str, Any]:
    """result.json's ``risk`` of one unit: {"score", "level", "flags", "titles"}."""
    row = risk_table(findings, [unit_id]).iloc[0]
    return {"score": round(float(row["risk_score"]), 2), "level": row["risk_level"],
            "flags": list(row["risk_flags"]), "titles": flag_titles(row["risk_flags"])}


__all__ = ["RISK_COLUMNS", "risk_weights", "risk_level", "risk_table", "risk_dict", "flag_titles"]
