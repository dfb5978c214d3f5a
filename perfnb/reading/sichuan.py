"""四川's 项目支出绩效自评表.

Same shape as the official form (read by :func:`perfnb.reading.official.read_form`), told apart
by its labels: a 预算执行情况 block with 年初预算 / 调整后预算数 / 预算执行数 / 权重, indicator
headers 指标值 / 度量单位 / 完成值 / 权重 / 未完成原因分析, operators (=, ≥, ≤, 定性) in 指标性质,
then 合计, 评价结论, 存在问题, 改进措施 rows.
"""
from __future__ import annotations

from perfnb.reading.values import clean_label
from perfnb.reading.assemble import LoadedUnit
from perfnb.reading.official import read_form
from perfnb.reading.sheets import Grid

SICHUAN_MARKS = ("四川", "预算执行情况", "调整后预算数", "预算执行数", "度量单位", "完成值", "权重",
                 "未完成原因分析", "评价结论")
OFFICIAL_MARKS = ("年度资金总额", "全年预算数", "全年执行数", "实际完成值", "年度指标值", "分值",
                  "偏差原因分析及改进措施", "总分", "年度总体目标")


def _marks(grid: Grid, marks) -> int:
    found = set()
    for row in grid.values:
        for value in row:
            if isinstance(value, str):
                text = clean_label(value)
                for mark in marks:
                    # a header counts when it starts the cell ("实际完成值" is no "完成值")
                    if text.startswith(mark) or (mark == "四川" and mark in text):
                        found.add(mark)
    return len(found)


def is_sichuan(grid: Grid) -> bool:
    """True when the sheet reads as 四川's form rather than the official one."""
    sichuan = _marks(grid, SICHUAN_MARKS)
    official = _marks(grid, OFFICIAL_MARKS)
    return sichuan > official


def read_sichuan(grid: Grid, header: tuple[int, dict[str, int]]) -> LoadedUnit:
    return read_form(grid, "sichuan", header)
