"""The checks as a reader sees them: the list (``perfnb checks``) and one explained
(``perfnb explain CODE``), as text or JSON, with a rule set's settings."""
from __future__ import annotations

from typing import Any

from perfnb.evaluation.checks.catalog import Settings, settings
from perfnb.evaluation.checks.registry import Check
from perfnb.evaluation.checks.render import SEVERITY_LABELS
from perfnb.evaluation.rules import RuleSet
from perfnb.textwidth import display_width, pad, wrap

WIDTH = 76   # columns of the explanation text
TABLE_LABELS = {"indicators": "指标表", "budgets": "预算执行", "budget_lines": "资金明细",
                "reported": "合计行", "units": "单位", "observations": "读取记录",
                "review_entries": "复核记录"}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


_width = display_width


def parameter_rows(check: Check, rules: RuleSet, config: Settings) -> list[dict[str, Any]]:
    rows = []
    for parameter in check.parameters:
        given = parameter.name in config.given.get(check.code, {})
        source = (f"评分规则 checks.{check.code}.{parameter.name}" if given
                  else f"评分规则 {parameter.rule_key}" if parameter.rule_key else "默认值")
        rows.append({"name": parameter.name, "value": config.parameters[check.code][parameter.name],
                     "default": parameter.default_for(rules), "rule_key": parameter.rule_key,
                     "description": parameter.description, "kind": parameter.describe_kind(),
                     "source": source})
    return rows


def check_record(check: Check, rules: RuleSet, config: Settings) -> dict[str, Any]:
    """One check as plain data (``perfnb checks --json`` / ``perfnb explain CODE --json``)."""
    return {
        "code": check.code, "severity": check.severity,
        "severity_label": SEVERITY_LABELS[check.severity],
        "title": check.title, "summary": check.summary, "table": check.table,
        "origin": check.origin, "enabled": check.code in config.enabled,
        "explanation": {heading: text for heading, text in check.sections},
        "parameters": parameter_rows(check, rules, config),
        "messages": dict(check.messages),
        "fields": list(check.fields),
    }


def list_text(checks: tuple[Check, ...], rules: RuleSet, config: Settings | None = None) -> str:
    """One line per check: code, severity, title (and 已停用 where the rule set switched it off)."""
    config = config or settings(rules, checks)
    width = max(_width(c.code) for c in checks) + 2
    lines = []
    for check in checks:
        state = "" if check.code in config.enabled else "（已停用）"
        origin = "" if check.origin == "perfnb" else f"  [插件 {check.origin}]"
        lines.append(f"{pad(check.code, width)}{pad(SEVERITY_LABELS[check.severity], 6)}"
                     f"{check.title}{state}{origin}")
    lines.append("")
    lines.append(f"共 {len(checks)} 项检查（评分规则“{rules.name}”）。"
                 "运行 perfnb explain 代码 查看某项检查的说明。")
    return "\n".join(lines)


# checks that look at more than one unit's form (perfnb.evaluation.checks.across)
SCOPE_LABELS = {"batch": "批量评价或筛查的全部单位（perfnb batch、perfnb score 文件夹）",
                "years": "与上年比较（perfnb score / batch 给出 --previous 时）"}


def _block(text: str, indent: str = "  ") -> str:
    return "\n".join(wrap(text, WIDTH, indent))


def explain_text(check: Check, rules: RuleSet, config: Settings | None = None) -> str:
    """One check explained in Chinese: title, severity, sections, parameters, messages."""
    config = config or settings(rules)
    lines = [f"{check.code}  {check.title}", "",
             f"严重程度：{SEVERITY_LABELS[check.severity]}（{check.severity}）",
             f"检查对象：{TABLE_LABELS.get(check.table, check.table)}",
             f"在评分规则“{rules.name}”中：" + ("已启用" if check.code in config.enabled
                                              else "已停用（checks.disable）")]
    if check.scope in SCOPE_LABELS:
        lines.append(f"检查范围：{SCOPE_LABELS[check.scope]}")
    if check.origin != "perfnb":
        lines.append(f"来源：插件 {check.origin}")
    lines += ["", check.summary]
    for heading, text in check.sections:
        lines += ["", heading, _block(text)]
    lines += ["", "参数"]
    rows = parameter_rows(check, rules, config)
    if rows:
        for row in rows:
            lines.append(f"  {row['name']} = {_value(row['value'])}（{row['source']}）")
            lines.append(_block(f"{row['description']}；取值：{row['kind']}。", "    "))
        lines.append(_block(f"在评分规则 YAML 中设置，例如 checks: {{{check.code}: "
                            f"{{{rows[0]['name']}: {_value(rows[0]['value'])}}}}}。"))
    else:
        lines.append("  （无可设置的参数）")
    if check.fields:
        lines += ["", "读取时记录的字段", "  " + "、".join(check.fields)]
    lines += ["", "消息模板"]
    for name, template in check.messages.items():   # unwrapped: a reviewer copies them
        lines.append(f"  {name}：{template}")
    lines += ["", f"停用此项检查：在评分规则 YAML 中写 checks: {{disable: [{check.code}]}}。"]
    return "\n".join(lines)


__all__ = ["check_record", "explain_text", "list_text", "parameter_rows"]
