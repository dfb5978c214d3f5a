"""First read: run ``perfnb score FILE --json`` on each built file of the named forms, as a new
user would, and compare what comes back with what a reviewer concludes (expected.yaml).

The fixtures' README keeps, for every newly found published form, the result of this first read
made BEFORE any change to perfnb (issue 17: first-read accuracy as a habit).  This prints one
markdown row per file — ``right`` or what failed (refused with which message, wrong total, a
missing or unwanted finding) — and the totals: N of M files read right, K of L indicator scores
agreed (each form's indicators with a hand-computed ``score`` in expected.yaml, counted on the
form's first file).

"Right" is the reviewer's conclusion as expected.yaml states it: for a form whose answer is an
error (``error:`` / ``unfilled:``) one message containing that phrase; otherwise the total,
grade, budget figures, each listed indicator's fields, the skipped-row count and the findings
that must / must not appear.  ``known_gap`` is ignored: a first read is taken before the gap is
known.

    .venv/bin/python tools/first_read.py pub20 pub21 … [--expected FILE] [--built DIR]
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "real-forms"
UNFILLED_PHRASE = "尚未填写"       # the phrase the test expects for a form published unfilled
PLACES = {"rate": 4, "reported_rate": 4}
TEXT_FIELDS = ("level1", "level2", "kind", "operator", "status")
NUMBER_FIELDS = ("weight", "score", "reported_score", "target", "actual")


def close(actual, expected, places: int = 2) -> bool:
    if expected is None:
        return actual is None or (isinstance(actual, float) and math.isnan(actual))
    try:
        return actual is not None and round(float(actual), places) == round(float(expected), places)
    except (TypeError, ValueError):
        return False


def score_file(perfnb: list[str], built: Path, file: str) -> tuple[dict | None, str]:
    """(the unit's JSON, "") or (None, the one-line message perfnb printed when it refused).
    Run inside ``built`` so that messages name the file as a user would see it."""
    done = subprocess.run([*perfnb, "score", file, "--json"], capture_output=True, cwd=built,
                          text=True, encoding="utf-8", timeout=600)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        message = (lines[-1] if lines else f"exit {done.returncode}").strip()
        return None, message.removeprefix("perfnb：")
    data = json.loads(done.stdout)
    return (data[0] if isinstance(data, list) else data), ""


def judge(form: dict, unit: dict | None, message: str) -> str:
    """"right", or the first way the file's reading differs from the reviewer's conclusion."""
    phrase = form.get("error") or (UNFILLED_PHRASE if form.get("unfilled") else None)
    if phrase:
        if unit is not None:
            return f"read, but a reviewer expects one message “{phrase}”"
        return "right" if phrase in message else f"refused: {message}"
    if unit is None:
        return f"refused: {message}"
    if not close(unit.get("total"), form.get("total")):
        return f"total {unit.get('total')} (reviewer {form.get('total')})"
    if unit.get("grade") != form.get("grade"):
        return f"grade {unit.get('grade')} (reviewer {form.get('grade')})"
    budget = unit.get("budget") or {}
    for key, value in (form.get("budget") or {}).items():
        if key != "weight" and not close(budget.get(key), value, PLACES.get(key, 2)):
            return f"budget {key} {budget.get(key)} (reviewer {value})"
    indicators = {i["name"]: i for i in unit.get("indicators", [])}
    for wanted in form.get("indicators") or []:
        got = indicators.get(wanted["name"])
        if got is None:
            return f"indicator {wanted['name']} not read"
        for key in TEXT_FIELDS:
            if key in wanted and got.get(key) != wanted[key]:
                return f"{wanted['name']}: {key} {got.get(key)} (reviewer {wanted[key]})"
        for key in NUMBER_FIELDS:
            if key in wanted and not isinstance(wanted[key], str) and \
                    not close(got.get(key), wanted[key]):
                return f"{wanted['name']}: {key} {got.get(key)} (reviewer {wanted[key]})"
    codes = [f["code"] for f in unit.get("findings", [])]
    if "skipped_rows" in form and codes.count("SKIPPED_ROW") != form["skipped_rows"]:
        return f"{codes.count('SKIPPED_ROW')} rows skipped (reviewer {form['skipped_rows']})"
    missing = [c for c in form.get("findings_present", []) if c not in codes]
    if missing:
        return "missing finding " + ", ".join(missing)
    unwanted = [c for c in form.get("findings_absent", []) if c in codes]
    if unwanted:
        return "unwanted finding " + ", ".join(unwanted)
    return "right"


def agreed_scores(form: dict, unit: dict | None) -> tuple[int, int]:
    """(agreed, checkable): indicators with a hand-computed score whose score perfnb matches."""
    wanted = [i for i in form.get("indicators") or [] if isinstance(i.get("score"), (int, float))]
    if unit is None:
        return 0, len(wanted)
    got = {i["name"]: i for i in unit.get("indicators", [])}
    agreed = sum(1 for i in wanted if i["name"] in got and close(got[i["name"]].get("score"),
                                                                   i["score"]))
    return agreed, len(wanted)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("forms", nargs="*", help="form names in expected.yaml (default: all)")
    parser.add_argument("--expected", type=Path, default=FIXTURES / "expected.yaml")
    parser.add_argument("--built", type=Path, default=FIXTURES / "built")
    parser.add_argument("--perfnb", default=None,
                        help="the perfnb command (default: the one beside this Python)")
    args = parser.parse_args(argv)
    expected = yaml.safe_load(args.expected.read_text(encoding="utf-8"))
    names = args.forms or list(expected)
    unknown = [n for n in names if n not in expected]
    if unknown:
        parser.error("not in expected.yaml: " + ", ".join(unknown))
    beside = Path(sys.executable).with_name("perfnb")
    perfnb = (args.perfnb.split() if args.perfnb else
              [str(beside.absolute())] if beside.exists() else [shutil.which("perfnb") or "perfnb"])
    right = files = agreed = checkable = 0
    print("| form | file | first read |\n|---|---|---|")
    for name in names:
        form = expected[name]
        for index, file in enumerate(form["files"]):
            unit, message = score_file(perfnb, args.built, file)
            verdict = judge(form, unit, message)
            files += 1
            right += verdict == "right"
            if index == 0:
                a, c = agreed_scores(form, unit)
                agreed, checkable = agreed + a, checkable + c
            print(f"| {name} | {file} | {verdict.replace('|', '/')} |")
    print(f"\n{right} of {files} files read right; {agreed} of {checkable} indicator scores agreed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
