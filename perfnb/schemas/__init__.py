"""The JSON Schemas of what perfnb writes, shipped with the package (shared by every layer).

``result.schema.json`` describes one unit's result (``Evaluation.to_dict()``: ``result.json``,
``perfnb score --json``, the record in the executed notebook).  It is versioned: its ``$id``
ends in the version and ``x-perfnb-version`` holds it.

Extending it (e.g. a new block in ``to_dict()``): add the property under ``properties`` (and
a ``$defs`` entry for an object); objects already allow properties the schema does not name,
so older schemas still accept newer results.  Put a field in ``required`` only when every
result has it.  Renaming, removing or retyping a field is a new version: bump both the
``$id`` suffix and ``x-perfnb-version`` (and ``RESULT_SCHEMA_VERSION``'s test follows).
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["RESULT_SCHEMA_VERSION", "result_schema", "result_problems", "RED_FLAGS_FORMAT",
           "red_flags_schema", "red_flags_problems"]

RESULT_SCHEMA_NAME = "result.schema.json"
# a batch unit's findings across units and years, beside its result.json (issue 19)
RED_FLAGS_SCHEMA_NAME = "red_flags.schema.json"
RED_FLAGS_FORMAT = "perfnb-red-flags/1"


@lru_cache(maxsize=1)
def result_schema() -> dict[str, Any]:
    """The result.json JSON Schema (draft 2020-12)."""
    return json.loads(resources.files(__name__).joinpath(RESULT_SCHEMA_NAME)
                      .read_text(encoding="utf-8"))


RESULT_SCHEMA_VERSION: int = result_schema()["x-perfnb-version"]


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator
    return Draft202012Validator(result_schema())


@lru_cache(maxsize=1)
def red_flags_schema() -> dict[str, Any]:
    """The red_flags.json JSON Schema (draft 2020-12)."""
    return json.loads(resources.files(__name__).joinpath(RED_FLAGS_SCHEMA_NAME)
                      .read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _red_flags_validator():
    from jsonschema import Draft202012Validator
    return Draft202012Validator(red_flags_schema())


def red_flags_problems(data: Any, limit: int = 5) -> list[str]:
    """Where ``data`` breaks the red_flags.json schema (Chinese lines); empty if it conforms."""
    return _problems(_red_flags_validator(), data, limit)


def result_problems(data: Any, limit: int = 5) -> list[str]:
    """Where ``data`` breaks the result schema, as Chinese lines naming the field
    (``indicators[3].score：'x' 不是 number/null 类型``); empty if it conforms."""
    return _problems(_validator(), data, limit)


def _problems(validator, data: Any, limit: int) -> list[str]:
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path).lstrip(".")
        problem = f"{where or '（整体）'}：{_chinese(error)}"
        if problem not in problems:  # one missing field can break several subschemas alike
            problems.append(problem)
        if len(problems) >= limit:
            break
    return problems


def _chinese(error) -> str:
    value = json.dumps(error.instance, ensure_ascii=False)[:40]
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in (error.instance or {})]
        return "缺少字段 " + "、".join(missing)
    if error.validator == "type":
        expected = error.validator_value
        expected = "/".join(expected) if isinstance(expected, list) else expected
        return f"{value} 不是 {expected} 类型"
    if error.validator == "enum":
        return f"{value} 不是允许的取值（{'、'.join(map(str, error.validator_value))}）"
    return f"{value} 不符合结果格式（{error.validator}）"
