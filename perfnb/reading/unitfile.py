"""The unit YAML (``params/<unit>.yaml``): unit info, budget, evaluator's text, ``data`` path.

Text keys keep their text even when unquoted (``unit_id: 007`` stays "007", ``project: 2022``
stays "2022"): the YAML is composed into nodes and those keys take the scalar as written.
``review:`` holds the evaluator's review (perfnb.reading.review) or the path of its file.
Unknown keys are errors (a typo such as ``buget:`` must not pass silently).
"""
from __future__ import annotations

import math
from pathlib import Path

import yaml

from perfnb.errors import InputError
from perfnb.reading.sheets import check_file

TEXT_KEYS = {"unit_id", "department", "implementing_unit", "project", "data", "rules", "form",
             "review_rules"}
NUMBER_KEYS = {"year"}
SECTIONS = {
    "budget": {"initial": "number", "adjusted": "number", "executed": "number", "weight": "number",
               "reported_rate": "rate", "reported_score": "number", "reason": "text"},
    "goals": {"planned": "text", "actual": "text"},
    "reported": {"total": "number", "grade": "text"},
    "evaluation": {"problems": "text", "measures": "text", "plans": "text", "notes": "text"},
}
TOP_LEVEL_KEYS = TEXT_KEYS | NUMBER_KEYS | set(SECTIONS) | {"review"}
_NULL_TAG = "tag:yaml.org,2002:null"


def _line(node) -> int:
    return node.start_mark.line + 1


def _scalar_text(node, file, key) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL_TAG and node.style is None:
            return None
        return node.value
    raise InputError(f"“{key}”应为一段文字", file=file, row=_line(node),
                     hint=f"请把 {key} 写成一行文字，或用 | 写多行文字")


def _scalar_number(node, file, key, allow_percent=False):
    if not isinstance(node, yaml.ScalarNode):
        raise InputError(f"“{key}”应为数字", file=file, row=_line(node), hint=f"请把 {key} 改为数字")
    if node.tag == _NULL_TAG and node.style is None:
        return None
    value = yaml.safe_load(node.value) if node.style is None else node.value
    if isinstance(value, bool):
        raise InputError(f"“{key}”应为数字，不能是 {node.value}", file=file, row=_line(node),
                         hint=f"请把 {key} 改为数字")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None
        return value
    text = str(value).strip().replace(",", "")
    if allow_percent and text.endswith("%"):
        try:
            float(text[:-1])
            return text
        except ValueError:
            pass
    try:
        return float(text)
    except ValueError:
        raise InputError(f"“{key}”的值“{node.value}”不是数字", file=file, row=_line(node),
                         hint=f"请把 {key} 改为数字") from None


def read_unit_yaml(path: str | Path) -> dict:
    """The unit YAML as a dict of the known keys; InputError (or InputErrors) for bad YAML."""
    from perfnb.reading.assemble import raise_errors

    path = Path(path)
    check_file(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("YAML 文件不是 UTF-8 编码", file=path,
                         hint="请用 UTF-8 编码保存该文件") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise InputError(f"YAML 格式错误（{problem}）", file=path, row=line,
                         hint="请检查该行的缩进、冒号和引号") from None
    if root is None:
        raise InputError("YAML 文件没有内容", file=path, hint="至少需要 data: 数据文件路径")
    if not isinstance(root, yaml.MappingNode):
        raise InputError("YAML 文件的顶层应为“键: 值”形式", file=path, row=_line(root),
                         hint="请参照 params/ 中的示例单位文件")
    errors: list[InputError] = []
    result: dict = {}
    for key_node, value_node in root.value:
        key = key_node.value
        try:
            if key not in TOP_LEVEL_KEYS:
                raise InputError(f"未知的键“{key}”", file=path, row=_line(key_node),
                                 hint="可用的键有：" + "、".join(sorted(TOP_LEVEL_KEYS)) +
                                      "；请检查拼写")
            if key in TEXT_KEYS:
                result[key] = _scalar_text(value_node, path, key)
            elif key in NUMBER_KEYS:
                result[key] = _scalar_number(value_node, path, key)
            elif key == "review":
                result[key] = _read_review(value_node, path)
            else:
                result[key] = _read_section(value_node, path, key, errors)
        except InputError as error:
            errors.append(error)
    raise_errors(errors)
    return result


def _read_review(node, path: Path):
    """The ``review:`` key: the review itself (a mapping), or the path of a review file."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL_TAG and node.style is None:
            return None
        return node.value.strip() or None
    from perfnb.reading.review import review_from_node
    return review_from_node(node, path)


def _read_section(node, path: Path, section: str, errors: list[InputError]) -> dict | None:
    if isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG:
        return None
    if not isinstance(node, yaml.MappingNode):
        raise InputError(f"“{section}”应为若干“键: 值”", file=path, row=_line(node),
                         hint=f"可用的键有：{'、'.join(SECTIONS[section])}")
    fields = SECTIONS[section]
    values: dict = {}
    for key_node, value_node in node.value:
        key = key_node.value
        try:
            if key not in fields:
                raise InputError(f"“{section}”下有未知的键“{key}”", file=path, row=_line(key_node),
                                 hint=f"可用的键有：{'、'.join(fields)}；请检查拼写")
            kind = fields[key]
            if kind == "text":
                values[key] = _scalar_text(value_node, path, f"{section}.{key}")
            else:
                value = _scalar_number(value_node, path, f"{section}.{key}",
                                       allow_percent=kind == "rate")
                if kind == "number" and value is not None and value < 0:
                    raise InputError(f"“{section}.{key}”是负数（{value:g}）", file=path,
                                     row=_line(value_node), hint="请填写不小于 0 的数字")
                values[key] = value
        except InputError as error:
            errors.append(error)
    return values
