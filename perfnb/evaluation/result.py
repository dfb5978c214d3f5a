"""The result of :func:`perfnb.evaluation.evaluator.evaluate`: scored tables and findings, for many units.

:class:`Evaluation` holds DataFrames stacked over units (see docs/architecture.md, "The result
object").  ``unit(id)`` slices one unit and ``to_dict(id)`` gives the JSON of ``perfnb score --json``:
data and small accessors, no user-facing wording.  How it looks is the reporting layer's
business, as nbconvert keeps presentation in templates and filters: the terminal text of
``perfnb score`` is :mod:`perfnb.reporting.terminal`, the HTML and Typst tables of a notebook
:mod:`perfnb.reporting.display` (registered as IPython display formatters).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from perfnb.errors import ParameterError
from perfnb.model import (STATUS_LABELS, STATUS_MET, STATUS_PARTIAL, STATUS_UNMET, UNWEIGHTED,
                          WEIGHTED, WEIGHTING_LABELS, UnitTables)
from perfnb.cells import as_text, is_missing
from perfnb.evaluation.risk import risk_dict, risk_table
from perfnb.evaluation.rules import RuleSet

SEVERITIES = ("error", "warning", "info")


# -- value helpers (missing values and text: perfnb.cells) ----------


def _number(value, digits: int = 2) -> float | None:
    if is_missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    rounded = round(number, digits)
    return 0.0 if rounded == 0 else rounded


def _achievement_label(rank) -> str | None:
    """达成 / 部分达成 / 未达成 of an achievement rank (0 / 1 / 2; None: no achievement)."""
    from perfnb.evaluation.rules import QUALITATIVE_LEVEL_NAMES

    value = _int(rank)
    return QUALITATIVE_LEVEL_NAMES[value] if value is not None and 0 <= value < 3 else None


def _int(value) -> int | None:
    if is_missing(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _optional_text(value) -> str | None:
    return as_text(value) or None


ACHIEVEMENTS = (STATUS_MET, STATUS_PARTIAL, STATUS_UNMET)
STATUS_COUNT_KEYS = ("met", "partial", "unmet", "missing")


# -- the result object ------------------------------------------------------------------

@dataclass
class Evaluation:
    """Scored tables and audit findings of one or many units (stacked by ``unit_id``)."""

    tables: UnitTables
    rules: RuleSet
    scored: dict[str, pd.DataFrame] = field(repr=False)
    findings: pd.DataFrame = field(repr=False)
    # unit id -> this year against the linked earlier year (perfnb.evaluation.redflags)
    previous_year: dict = field(default_factory=dict, repr=False)

    @property
    def units(self) -> pd.DataFrame:
        return self.tables.units

    @property
    def indicators(self) -> pd.DataFrame:
        return self.scored["indicators"]

    @property
    def budgets(self) -> pd.DataFrame:
        return self.scored["budgets"]

    @property
    def dimensions(self) -> pd.DataFrame:
        return self.scored["dimensions"]

    @property
    def totals(self) -> pd.DataFrame:
        return self.scored["totals"]

    @property
    def unit_ids(self) -> list[str]:
        return [str(u) for u in self.units["unit_id"]]

    def weighting(self, unit_id: str | None = None) -> str:
        """WEIGHTED, or UNWEIGHTED for a unit whose form prints no weights (no total)."""
        totals = self.unit(unit_id).totals
        value = totals.iloc[0].get("weighting") if len(totals) else None
        return UNWEIGHTED if value == UNWEIGHTED else WEIGHTED

    def is_unweighted(self, unit_id: str | None = None) -> bool:
        return self.weighting(unit_id) == UNWEIGHTED

    def status_counts(self, unit_id: str | None = None) -> dict[str, int]:
        """How many of the unit's indicators are 达成 / 部分达成 / 未达成 / 缺失."""
        total = self.unit(unit_id).totals.iloc[0]
        return {key: int(_int(total.get(key)) or 0) for key in STATUS_COUNT_KEYS}

    # -- the evaluator's review (复核) ------------------------------------------------------
    @property
    def final_totals(self) -> pd.DataFrame:
        """Totals and grade of the final figures (复核得分: the review's, else computed)."""
        return self.scored.get("final_totals", self.totals)

    @property
    def final_dimensions(self) -> pd.DataFrame:
        return self.scored.get("final_dimensions", self.dimensions)

    @property
    def reviews(self) -> pd.DataFrame:
        """One row per reviewed unit: evaluator, date, opinion, conclusion, source."""
        return self.scored.get("reviews", self.tables.reviews)

    def has_review(self, unit_id: str | None = None) -> bool:
        unit_id = self._resolve(unit_id)
        return bool((self.reviews["unit_id"].astype(str) == unit_id).any())

    def review_record(self, unit_id: str | None = None) -> dict | None:
        """The unit's review (evaluator, date, opinion, conclusion, source), None if none."""
        unit_id = self._resolve(unit_id)
        rows = self.reviews[self.reviews["unit_id"].astype(str) == unit_id]
        if not len(rows):
            return None
        row = rows.iloc[0]
        return {key: as_text(row.get(key)) for key in
                ("evaluator", "date", "opinion", "conclusion", "source")}

    def final_scores(self) -> np.ndarray:
        """复核得分 of every indicator row (the computed score where not reviewed)."""
        if "final_score" in self.indicators.columns:
            return self.indicators["final_score"].to_numpy(float)
        return self.indicators["score"].to_numpy(float)

    def reviewed_dict(self, unit_id: str | None = None) -> dict[str, Any] | None:
        """The ``reviewed`` block of the JSON: final total/grade, per indicator the final
        score and the reason, the decision on each finding (None: no review)."""
        one = self.unit(unit_id)
        record = one.review_record()
        if record is None:
            return None
        total = one.final_totals.iloc[0]
        indicators = []
        for r in one.indicators.to_dict("records"):
            reviewed = bool(r.get("reviewed"))
            indicators.append({
                "seq": _int(r.get("seq")), "level1": as_text(r.get("level1")),
                "level2": as_text(r.get("level2")), "name": as_text(r.get("name")),
                "weight": _number(r.get("weight")),
                "reported_score": _number(r.get("reported_score")),
                "computed_score": _number(r.get("score")),
                "final_score": _number(r.get("final_score")),
                "reviewed": reviewed,
                "level": _optional_text(r.get("review_level")) if reviewed else None,
                "reason": as_text(r.get("review_reason")) if reviewed else "",
                "clauses": list(r.get("review_clauses") or []) if reviewed else [],
                "severity": _optional_text(r.get("review_severity")) if reviewed else None,
                "actual": _optional_text(r.get("review_actual")) if reviewed else None,
                "evidence": list(r.get("review_evidence") or []) if reviewed else [],
                "deviation": {"ratio": _number(r.get("deviation"), 4),
                              "gap": _number(r.get("deviation_gap"))},
                # an unweighted unit's indicator is reviewed by achievement (达成/部分达成/未达成)
                **({"achievement": {"self": _achievement_label(r.get("achievement_rank")),
                                    "review": _achievement_label(r.get("review_achievement_rank"))}}
                   if r.get("unweighted") is True or r.get("unweighted") == 1 else {}),
            })
        findings = [{
            "code": f["code"], "severity": f["severity"],
            "location": {"sheet": _optional_text(f["sheet"]), "row": _int(f["row"]),
                         "column": _optional_text(f["column"]),
                         "indicator": _optional_text(f["indicator"])},
            "decision": _optional_text(f.get("decision")),
            "reason": as_text(f.get("decision_reason")),
        } for f in one.findings.to_dict("records")]
        decisions = [f["decision"] for f in findings]
        return {
            **record,
            "total": _number(total["total"]), "grade": _optional_text(total["grade"]),
            "computed_total": _number(one.totals.iloc[0]["total"]),
            "computed_grade": _optional_text(one.totals.iloc[0]["grade"]),
            "dimensions": [{"name": d["level1"], "weight": _number(d["weight"]),
                            "score": _number(d["score"]),
                            "score_rate": _number(d["score_rate"], 4)}
                           for d in one.final_dimensions.to_dict("records")],
            "adjusted": sum(1 for i in indicators if i["reviewed"]),
            "indicators": indicators,
            "findings": findings,
            "adopted": decisions.count("采纳"), "rejected": decisions.count("不采纳"),
            "deviation": one.deviation_dict(),
            "review_rules": one.review_rules_dict(),
        }

    def deviation_record(self, unit_id: str | None = None) -> dict | None:
        """The unit's row of the 偏离度 table (None: no review)."""
        unit_id = self._resolve(unit_id)
        table = self.scored.get("deviations")
        if table is None:
            return None
        rows = table[table["unit_id"].astype(str) == unit_id]
        return rows.iloc[0].to_dict() if len(rows) else None

    def deviation_dict(self, unit_id: str | None = None) -> dict | None:
        """Project-level 偏离度: 自评 and 复核 totals, (自评 − 复核) ÷ 自评, the gap, grades."""
        row = self.deviation_record(unit_id)
        if row is None:
            return None
        return {"self_total": _number(row["self_total"]), "review_total": _number(row["review_total"]),
                "ratio": _number(row["deviation"], 4), "gap": _number(row["gap"]),
                "self_grade": _optional_text(row["self_grade"]),
                "review_grade": _optional_text(row["review_grade"]),
                "grade_changed": bool(row["grade_changed"]),
                # "score": (自评 − 复核) ÷ 自评; "achievement" (unweighted units): the share of
                # indicators whose 达成/部分达成/未达成 the review changed (see reviewing.py)
                "basis": _optional_text(row.get("basis")) or "score",
                **({"indicators_changed": _int(row.get("changed")),
                    "indicators_compared": _int(row.get("compared"))}
                   if row.get("basis") == "achievement" else {})}

    def review_rules_dict(self, unit_id: str | None = None) -> dict | None:
        row = self.deviation_record(unit_id)
        if row is None:
            return None
        return {"name": row["review_rules"], "title": row["review_rules_title"],
                "sha256": row["review_rules_sha256"]}

    def self_evaluation_quality(self, unit_id: str | None = None) -> dict | None:
        """The unit's 自评质量 grade (from its |偏离度| and the review profile's bands)."""
        row = self.deviation_record(unit_id)
        if row is None:
            return None
        return {"grade": _optional_text(row["quality"]), "deviation": _number(row["deviation"], 4),
                "review_rules": row["review_rules"]}

    def __len__(self) -> int:
        return len(self.units)

    def __repr__(self) -> str:
        return (f"Evaluation({len(self)} 个单位, 规则 {self.rules.name}, "
                f"{len(self.findings)} 条审核发现)")

    # -- slicing --------------------------------------------------------------------------
    def _resolve(self, unit_id: str | None) -> str:
        ids = self.unit_ids
        if unit_id is None:
            if len(ids) != 1:
                raise ParameterError(f"评价结果包含 {len(ids)} 个单位，请指定单位编号"
                                     f"（如 {', '.join(ids[:3])}）。")
            return ids[0]
        unit_id = str(unit_id)
        if unit_id not in ids:
            shown = "、".join(ids[:10]) + ("……" if len(ids) > 10 else "")
            raise ParameterError(f"评价结果中没有单位“{unit_id}”。已有的单位：{shown}。")
        return unit_id

    def unit(self, unit_id: str | None = None) -> "Evaluation":
        """One unit's slice (``None``: the only unit)."""
        unit_id = self._resolve(unit_id)
        if len(self) == 1:
            return self

        def pick(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame["unit_id"].astype(str) == unit_id].reset_index(drop=True)

        scored = {name: pick(frame) for name, frame in self.scored.items()}
        return Evaluation(self.tables.select(unit_id), self.rules, scored, pick(self.findings),
                          {k: v for k, v in self.previous_year.items() if k == unit_id})

    # -- JSON -----------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        counts = self.findings["severity"].value_counts()
        return {s: int(counts.get(s, 0)) for s in SEVERITIES}

    def to_dict(self, unit_id: str | None = None) -> dict[str, Any]:
        """The JSON object of one unit (docs/architecture.md); numbers rounded, NaN -> None."""
        one = self.unit(unit_id)
        unit = one.units.iloc[0]
        total = one.totals.iloc[0]
        budget = one.budgets.iloc[0] if len(one.budgets) else pd.Series(dtype=object)
        indicators = []
        for record in one.indicators.to_dict("records"):
            status = as_text(record.get("status"))
            indicators.append({
                "seq": _int(record.get("seq")),
                "level1": as_text(record.get("level1")),
                "level2": as_text(record.get("level2")),
                "name": as_text(record.get("name")),
                "kind": as_text(record.get("kind")),
                "declared_kind": _optional_text(record.get("declared_kind")),
                "declared_direction": _optional_text(record.get("declared_direction")),
                "operator": _optional_text(record.get("operator_used")),
                "target": _number(record.get("target"), 4),
                "target_text": as_text(record.get("target_text")),
                "target_grade": _optional_text(record.get("target_grade")),
                "actual": _number(record.get("actual"), 4),
                "actual_text": as_text(record.get("actual_text")),
                "actual_grade": _optional_text(record.get("actual_grade")),
                "unit": as_text(record.get("measure_unit")),
                "weight": _number(record.get("weight")),
                "score": _number(record.get("score")),
                "reported_score": _number(record.get("reported_score")),
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "completion_ratio": _number(record.get("completion_ratio"), 4),
                "achievement": STATUS_LABELS[status] if status in ACHIEVEMENTS else None,
                "qualitative_level": _optional_text(record.get("qualitative_level")),
                "over_achieved": bool(record.get("over_achieved")),
                "deviation_reason": as_text(record.get("deviation_reason")),
                "sheet": _optional_text(record.get("sheet")),
                "row": _int(record.get("row")),
            })
        findings = [{
            "code": f["code"], "severity": f["severity"],
            "location": {"sheet": _optional_text(f["sheet"]), "row": _int(f["row"]),
                         "column": _optional_text(f["column"]),
                         "indicator": _optional_text(f["indicator"])},
            "message": f["message"],
        } for f in one.findings.to_dict("records")]
        return {
            "unit_id": as_text(unit["unit_id"]),
            "department": as_text(unit.get("department")),
            "implementing_unit": as_text(unit.get("implementing_unit")),
            "project": as_text(unit.get("project")),
            "year": _int(unit.get("year")),
            "rules": {"name": self.rules.name, "title": self.rules.title,
                      "sha256": self.rules.sha256},
            "total": _number(total["total"]),
            "grade": _optional_text(total["grade"]),
            "weight_total": _number(total["weight"]),
            "weighting": one.weighting(),
            "weighting_label": WEIGHTING_LABELS[one.weighting()],
            "achievement": one.status_counts(),
            "reported": {"total": _number(unit.get("reported_total")),
                         "grade": _optional_text(unit.get("reported_grade"))},
            "reported_score_sum": _number(total.get("reported_sum")),
            "budget": {
                "initial": _number(budget.get("initial")),
                "adjusted": _number(budget.get("adjusted")),
                "executed": _number(budget.get("executed")),
                "rate": _number(budget.get("rate"), 4),
                "weight": _number(budget.get("effective_weight")),
                "score": _number(budget.get("score")),
                "reported_rate": _number(budget.get("reported_rate"), 4),
                "reported_score": _number(budget.get("reported_score")),
                "reason": as_text(budget.get("reason")),
            },
            "dimensions": [{"name": d["level1"], "weight": _number(d["weight"]),
                            "score": _number(d["score"]),
                            "score_rate": _number(d["score_rate"], 4),
                            "indicators": _int(d.get("indicator_count")) or 0,
                            **{key: _int(d.get(key)) or 0 for key in STATUS_COUNT_KEYS}}
                           for d in one.dimensions.to_dict("records")],
            "indicators": indicators,
            "findings": findings,
            "counts": one.counts(),
            "reviewed": one.reviewed_dict(),
            "self_evaluation_quality": one.self_evaluation_quality(),
            **one._coverage(),
            "risk": risk_dict(one.findings, as_text(unit["unit_id"])),
            **({"previous_year": self.previous_year[as_text(unit["unit_id"])]}
               if as_text(unit["unit_id"]) in self.previous_year else {}),
        }

    def _coverage(self) -> dict:
        """How many of the printed indicator rows the total covers (rows that could not be
        read are left out: ROW_NOT_READ, and each table with such rows has a TOTAL_PARTIAL),
        for one unit's JSON."""
        counted = len(self.indicators)
        observations = self.tables.observations
        partial = observations[observations["code"] == "TOTAL_PARTIAL"] if len(observations) \
            else observations
        unread = sum(int(f.get("printed", 0)) - int(f.get("counted", 0)) for f in partial["fields"])
        return {"partial_total": bool(len(partial)), "indicators_counted": counted,
                "indicators_printed": counted + max(unread, 0)}

    def to_json(self, unit_id: str | None = None, indent: int | None = 2) -> str:
        """JSON text: one unit's object; with several units and no ``unit_id``, a list."""
        if unit_id is None and len(self) != 1:
            data: Any = [self.to_dict(uid) for uid in self.unit_ids]
        else:
            data = self.to_dict(unit_id)
        return json.dumps(data, ensure_ascii=False, indent=indent)

    # -- summaries ------------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """One row per unit: project, total, grade and finding counts."""
        counts = (self.findings.groupby(["unit_id", "severity"]).size().unstack(fill_value=0)
                  if len(self.findings) else pd.DataFrame())
        frame = pd.DataFrame({
            "unit_id": self.units["unit_id"].astype(str).to_numpy(),
            "department": self.units.get("department", pd.Series([""] * len(self))).to_numpy(),
            "project": self.units.get("project", pd.Series([""] * len(self))).to_numpy(),
            "total": self.totals["total"].to_numpy(),
            "grade": self.totals["grade"].to_numpy(),
            "reported_total": self.units.get("reported_total",
                                             pd.Series([np.nan] * len(self))).to_numpy(),
        })
        for severity in SEVERITIES:
            column = counts[severity] if severity in counts else pd.Series(dtype=int)
            frame[severity] = frame["unit_id"].map(column).fillna(0).astype(int).to_numpy()
        # the final figures (复核得分: the evaluator's review where given, else computed)
        frame["reviewed"] = frame["unit_id"].isin(set(self.reviews["unit_id"].astype(str))).to_numpy()
        frame["reviewed_total"] = self.final_totals["total"].to_numpy()
        frame["reviewed_grade"] = self.final_totals["grade"].to_numpy()
        risk = risk_table(self.findings, frame["unit_id"])
        frame["risk_score"] = risk["risk_score"].to_numpy()
        frame["risk_flags"] = risk["risk_flags"].to_numpy()
        return frame


__all__ = ["Evaluation", "SEVERITIES", "STATUS_COUNT_KEYS"]
