"""Published 绩效自评表, built into the files departments send, read and scored as a reviewer would.

tests/fixtures/real-forms/expected.yaml holds, per form, what a careful reviewer computes by the
default rules (hand-computed, with the arithmetic in comments) and the findings that must and must
not appear; built/ holds each form as xlsx, docx, xls, ods and pdf (tools/make_real_forms.py).
Every file of a form must give the same figures.
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from perfnb import evaluate
from perfnb.errors import InputError
from perfnb.reading import load_unit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "real-forms"
BUILT = FIXTURES / "built"
EXPECTED = yaml.safe_load((FIXTURES / "expected.yaml").read_text("utf-8"))


def known_gap(form: dict, file: str) -> str | None:
    """The phenomenon perfnb does not read right yet in this file of the form, or None.

    A form's ``known_gap`` names it (``known_gap_files`` limits it to some of the form's
    files); the file's test is then an xfail(strict=True): it must still fail, and the fix that
    closes the gap makes it pass and so flips the test, which then loses its ``known_gap``."""
    reason = form.get("known_gap")
    if reason and file in form.get("known_gap_files", form["files"]):
        return reason
    return None


def _case(name: str, *args, scoring: bool = True):
    """A test case of a form (and file); ``scoring=False`` for the tests of reading alone
    (header, the files agreeing), which a gap marked ``known_gap_scoring_only`` leaves passing."""
    form = EXPECTED[name]
    gap = known_gap(form, args[0] if args else form["files"][0])
    if not scoring and form.get("known_gap_scoring_only"):
        gap = None
    marks = [pytest.mark.xfail(strict=True, reason=f"known gap: {gap}")] if gap else []
    return pytest.param(name, *args, marks=marks, id="-".join([name, *args]))


CASES = [_case(name, file) for name, form in EXPECTED.items() for file in form["files"]]


def _name(text: str) -> str:
    """An indicator's name without the spaces a line wrap left in some transcriptions."""
    return "".join(str(text).split())


def _close(actual, expected, places: int = 2) -> bool:
    if expected is None:
        return actual is None or (isinstance(actual, float) and math.isnan(actual))
    return actual is not None and round(float(actual), places) == round(float(expected), places)


@pytest.fixture(scope="module")
def results():
    cache: dict[str, object] = {}

    def result(file: str):
        if file not in cache:
            try:
                tables = load_unit(BUILT / file)
            except InputError as error:
                cache[file] = error
            else:
                cache[file] = (tables, evaluate(tables))
        return cache[file]
    return result


@pytest.mark.parametrize("name, file", CASES)
def test_published_form_scores_as_a_reviewer_computes(results, name, file):
    form = EXPECTED[name]
    result = results(file)
    if form.get("unfilled") or form.get("error"):
        assert isinstance(result, InputError), f"{file} should be one clear error"
        message = str(result)
        assert file in message
        assert (form.get("error") or "尚未填写") in message
        assert message.count("\n") == 0, "one message, not one per row"
        return
    assert not isinstance(result, InputError), f"{file}: {result}"
    tables, evaluation = result
    data = evaluation.to_dict()
    assert _close(data["total"], form["total"]), (file, data["total"], form["total"])
    assert data["grade"] == form["grade"]
    dimensions = {d["name"]: d["score"] for d in data["dimensions"]}
    for dimension, score in form["dimensions"].items():
        assert _close(dimensions.get(dimension), score), (file, dimension, dimensions)
    unweighted = form.get("weighting") == "unweighted"
    assert data["weighting"] == ("unweighted" if unweighted else "weighted"), file
    if unweighted:
        # no total, no grade: each indicator's achievement, the printed scores added up
        assert data["total"] is None and data["grade"] is None and data["weight_total"] is None
        assert data["achievement"] == form["achievement"], (file, data["achievement"])
        assert _close(data["reported_score_sum"], form["reported_score_sum"]), \
            (file, data["reported_score_sum"])
        assert all(i["score"] is None and i["weight"] is None for i in data["indicators"])
    budget = data["budget"]
    for key, value in form["budget"].items():
        if key in ("weight",) and not unweighted:
            continue
        places = 4 if key in ("rate", "reported_rate") else 2
        assert _close(budget[key], value, places), (file, key, budget[key], value)
    indicators = {_name(i["name"]): i for i in data["indicators"]}
    if form.get("indicators") and all("level1" in i for i in form["indicators"]):
        # a complete list: exactly these indicators, nothing skipped row read as one
        assert len(data["indicators"]) == len(form["indicators"]), \
            (file, [i["name"] for i in data["indicators"]])
    for wanted in form.get("indicators", []):
        got = indicators.get(_name(wanted["name"]))
        assert got is not None, (file, wanted["name"], list(indicators))
        for key in ("level1", "level2", "kind", "operator", "status"):
            if key in wanted:
                assert got[key] == wanted[key], (file, wanted["name"], key, got[key])
        for key in ("weight", "score", "reported_score", "target", "actual"):
            if key in wanted and not isinstance(wanted[key], str):
                assert _close(got[key], wanted[key]), (file, wanted["name"], key, got[key])
        if "completion" in wanted:
            assert _close(got["completion_ratio"], wanted["completion"], 4), \
                (file, wanted["name"], got["completion_ratio"])
        if unweighted and got["status"] != "missing":
            assert got["achievement"] == {"met": "达成", "partial": "部分达成",
                                          "unmet": "未达成"}[got["status"]]
    skipped = tables.observations[tables.observations["code"] == "SKIPPED_ROW"]
    assert len(skipped) == form["skipped_rows"], (file, list(skipped["fields"]))
    codes = set(evaluation.findings["code"])
    for code in form["findings_present"]:
        assert code in codes, (file, code, sorted(codes))
    for code in form["findings_absent"]:
        assert code not in codes, (file, code, evaluation.findings[
            evaluation.findings["code"] == code]["message"].tolist())
    budget = tables.budgets.iloc[0]
    for code in form.get("findings_on_budget_item", []):   # the 预算执行率 row, not the funds line
        rows = evaluation.findings.loc[evaluation.findings["code"] == code, "row"].tolist()
        assert rows == [budget["score_row"]] and budget["score_row"] != budget["row"], \
            (file, code, rows, budget["score_row"], budget["row"])


@pytest.mark.parametrize("name", [_case(n, scoring=False) for n, f in EXPECTED.items()
                                  if "unit" in f and not f.get("unfilled")])
def test_published_form_header_is_read(results, name):
    form = EXPECTED[name]
    result = results(form["files"][0])
    assert not isinstance(result, InputError), f"{form['files'][0]}: {result}"
    tables, _ = result
    unit = tables.units.iloc[0]
    for key, value in form["unit"].items():
        assert unit[key] == value, (name, key, unit[key])


def test_every_file_of_a_form_reads_the_same(results):
    """The same form as xlsx, docx, xls, ods and pdf gives the same indicators and scores."""
    for name, form in EXPECTED.items():
        if form.get("unfilled") or form.get("error") or form.get("known_gap"):
            continue     # known gaps: test_known_gap_form_reads_the_same_in_every_file
        _assert_files_agree(results, name, form)


def _assert_files_agree(results, name: str, form: dict) -> None:
    seen = {}
    for file in form["files"]:
        result = results(file)
        assert not isinstance(result, InputError), f"{file}: {result}"
        tables, evaluation = result
        seen[file] = [(_name(i["name"]), i["weight"], i["score"], i["status"],
                       i["completion_ratio"]) for i in evaluation.to_dict()["indicators"]]
    first = next(iter(seen.values()))
    for file, indicators in seen.items():
        assert indicators == first, (name, file)


@pytest.mark.parametrize("name", [_case(n, scoring=False) for n, f in EXPECTED.items()
                                  if f.get("known_gap") and not (f.get("unfilled") or f.get("error"))])
def test_known_gap_form_reads_the_same_in_every_file(results, name):
    _assert_files_agree(results, name, EXPECTED[name])
