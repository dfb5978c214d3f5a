"""``evaluate``: score and audit a stacked table of units into one Evaluation.

This is the one place that joins the two pure steps of the evaluation layer: scoring
(:mod:`perfnb.evaluation.scoring`) and the audit checks (:mod:`perfnb.evaluation.audit`),
then the evaluator's review (:mod:`perfnb.evaluation.reviewing`) where the tables carry one;
none of them imports this module.
"""
from __future__ import annotations

from perfnb.evaluation.audit import audit
from perfnb.evaluation.result import Evaluation
from perfnb.evaluation.review_rules import ReviewProfile
from perfnb.evaluation.reviewing import apply_review
from perfnb.evaluation.rules import RuleSet, get_rules
from perfnb.evaluation.scoring import score_tables, shared_factorization
from perfnb.model import UnitTables

__all__ = ["evaluate"]


def evaluate(tables: UnitTables, rules: RuleSet | str = "central",
             review_rules: "ReviewProfile | str | None" = None) -> Evaluation:
    """Score and audit every unit of ``tables``: a :class:`perfnb.evaluation.result.Evaluation`.

    ``review_rules``: the review profile (复核口径) of every review (None: the one a review
    names, else ``default``)."""
    rules = get_rules(rules)
    with shared_factorization():
        scored = score_tables(tables, rules)
        findings = audit(tables, scored, rules)
        scored, findings = apply_review(tables, scored, findings, rules, review_rules)
    return Evaluation(tables=tables, rules=rules, scored=scored, findings=findings)
