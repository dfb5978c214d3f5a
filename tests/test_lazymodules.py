"""perfnb defers jsonschema's IRI grammar (rfc3987_syntax) to its first use: same answers."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

IRIS = ["https://例子.测试/路径?q=1#片段", "http://exa mple.com/<>", "urn:isbn:0451450523",
        "//relative/ref", "not an iri at all", "mailto:评价@财政.中国"]

CHECK = r"""
import json, sys
{prelude}
import nbformat  # imports jsonschema, as papermill and nbclient do
built_on_import = "rfc3987_syntax.syntax_helpers" in sys.modules
from jsonschema import Draft202012Validator, FormatChecker
answers = {{}}
for fmt in ("iri", "iri-reference"):
    validator = Draft202012Validator({{"format": fmt}}, format_checker=FormatChecker())
    answers[fmt] = [validator.is_valid(value) for value in {iris!r}]
print(json.dumps({{"built_on_import": built_on_import, "answers": answers}}))
"""


def _run(prelude: str) -> dict:
    code = CHECK.format(prelude=prelude, iris=IRIS)
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    return json.loads(output)


def test_importing_perfnb_first_defers_the_iri_grammar_and_keeps_every_answer():
    pytest.importorskip("rfc3987_syntax")
    plain = _run("")
    deferred = _run("import perfnb")
    assert plain["built_on_import"] is True          # what every nbformat import costs
    assert deferred["built_on_import"] is False      # built only when an IRI is checked
    assert deferred["answers"] == plain["answers"]
    assert deferred["answers"]["iri"][:2] == [True, False]


def test_nothing_is_deferred_once_jsonschema_is_loaded():
    from perfnb.lazymodules import defer_iri_grammar
    import jsonschema  # noqa: F401  (loaded in this test process anyway)
    if "rfc3987_syntax" in sys.modules and type(sys.modules["rfc3987_syntax"]).__name__ == "_Deferred":
        assert defer_iri_grammar() is True     # already in place: left as it is
    else:
        assert defer_iri_grammar() is False    # too late: the real module is in use
