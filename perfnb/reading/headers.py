"""Header synonyms -> canonical column names.

Headers are matched after removing whitespace (newlines inside cells are common), a
trailing unit in brackets ("（万元）", "(分)", "(%)") and a trailing colon.
"""
from __future__ import annotations

import re

from perfnb.reading.values import clean_label

# Indicator table: canonical name -> accepted header texts (cleaned).  The first is the display name.
INDICATOR_HEADERS: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标", "一级"),
    "level2": ("二级指标", "二级"),
    "name": ("三级指标", "三级", "指标名称", "绩效指标名称"),
    "declared_kind": ("指标性质", "指标类型", "指标属性"),
    "declared_direction": ("指标方向", "方向", "指标方向性"),
    "target": ("年度指标值", "指标值", "年度目标值", "目标值", "预期指标值", "年度计划值"),
    "actual": ("实际完成值", "完成值", "全年实际值", "实际值", "全年完成值", "实际完成情况值"),
    "measure_unit": ("计量单位", "度量单位", "单位"),
    "weight": ("分值", "权重", "指标分值", "指标权重"),
    "score": ("得分", "自评得分", "评分"),
    "deviation_reason": ("偏差原因分析及改进措施", "未完成原因分析", "偏差说明", "偏差原因分析",
                         "偏差原因", "偏差原因及改进措施", "未完成原因", "原因分析及改进措施",
                         "偏差原因分析及改进措施说明", "未完成原因分析及改进措施"),
}

# Funds (budget) table.
BUDGET_HEADERS: dict[str, tuple[str, ...]] = {
    "label": ("资金类别", "资金来源", "项目"),
    "initial": ("年初预算数", "年初预算", "年初预算金额"),
    "adjusted": ("全年预算数", "调整后预算数", "调整后预算", "全年预算"),
    "executed": ("全年执行数", "预算执行数", "执行数", "实际执行数", "全年执行"),
    "weight": ("分值", "权重"),
    "rate": ("执行率", "预算执行率"),
    "score": ("得分",),
    "reason": ("偏差原因", "原因", "未完成原因", "原因分析", "执行率偏低原因", "偏差原因分析"),
}

_TRAILING_RE = re.compile(r"(?:[(（][^()（）]{0,8}[)）])+$")


def header_key(text) -> str:
    """A header cell's text in the form used for matching."""
    cleaned = clean_label(text)
    cleaned = _TRAILING_RE.sub("", cleaned)
    return cleaned.rstrip(":：")


def _build_lookup(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    lookup = {}
    for canonical, names in table.items():
        for name in names:
            lookup[name] = canonical
    return lookup


_INDICATOR_LOOKUP = _build_lookup(INDICATOR_HEADERS)
_BUDGET_LOOKUP = _build_lookup(BUDGET_HEADERS)


def indicator_column(text) -> str | None:
    """The canonical indicator column a header names, or None."""
    return _INDICATOR_LOOKUP.get(header_key(text))


def budget_column(text) -> str | None:
    """The canonical funds column a header names, or None."""
    return _BUDGET_LOOKUP.get(header_key(text))


def display_name(canonical: str, table: dict[str, tuple[str, ...]] = INDICATOR_HEADERS) -> str:
    return table[canonical][0]
