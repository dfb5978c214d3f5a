"""Charts of one unit's evaluation (matplotlib, Agg, Chinese labels).

Every function takes an :class:`perfnb.evaluation.result.Evaluation` (or anything with the same
``unit()`` method and DataFrame attributes) and returns a :class:`matplotlib.figure.Figure`
sized for an A4 page (16 cm wide).  Figures are built without pyplot, so nothing is shown
twice in a notebook and no global figure state is kept; display them with
:func:`perfnb.notebook.show_figure` or save them with ``fig.savefig``.

Status colours are fixed (:data:`STATUS_COLORS`) so that 达成 / 部分达成 / 未达成 / 缺失 look
the same in every chart and report.
"""
from __future__ import annotations

import functools
import math
import textwrap

import matplotlib

matplotlib.use("Agg", force=False)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from perfnb.reporting.figures import set_title  # noqa: E402
from perfnb.model import (BUDGET_DIMENSION, KIND_QUANTITATIVE, STATUS_LABELS, STATUS_MET,  # noqa: E402
                    STATUS_MISSING, STATUS_PARTIAL, STATUS_UNMET)

__all__ = ["STATUS_COLORS", "score_vs_weight", "dimension_rates", "budget_chart",
           "target_vs_actual", "all_charts", "PAGE_WIDTH_INCHES"]

# Colour-blind friendly, print-safe.
STATUS_COLORS = {
    STATUS_MET: "#2E7D32",       # 达成: green
    STATUS_PARTIAL: "#F2A900",   # 部分达成: amber
    STATUS_UNMET: "#C62828",     # 未达成: red
    STATUS_MISSING: "#9E9E9E",   # 缺失: grey
}
WEIGHT_COLOR = "#E3E7EC"        # the full weight, behind the score
WEIGHT_EDGE = "#8A96A3"
NEUTRAL_COLOR = "#1F5A96"       # amounts and rates that carry no status
LIGHT_NEUTRAL = "#5B8DC2"
PAGE_WIDTH_INCHES = 16 / 2.54   # 16 cm: the text width of an A4 page
BASE_FONT_SIZE = 9
LABEL_WIDTH = 16                # characters per line of a wrapped indicator name


def _use_font() -> None:
    """Register the bundled CJK font with matplotlib (perfnb.reporting.fonts owns the details)."""
    from perfnb.reporting.fonts import use_cjk_font

    use_cjk_font()


def literal_text(figure: Figure) -> Figure:
    """Print every text of ``figure`` as written: a ``$`` in an indicator or unit name is a
    dollar sign, never the start of matplotlib's mathtext."""
    for artist in figure.findobj(Text):
        artist.set_parse_math(False)
    return figure


def _text_as_written(chart):
    """Decorator: the chart's texts are printed as written (see :func:`literal_text`)."""
    @functools.wraps(chart)
    def drawn(*args, **kwargs) -> Figure:
        return literal_text(chart(*args, **kwargs))
    return drawn


def _unit(evaluation, unit_id):
    return evaluation.unit(unit_id) if hasattr(evaluation, "unit") else evaluation


def _new_figure(height_inches: float) -> Figure:
    _use_font()
    figure = Figure(figsize=(PAGE_WIDTH_INCHES, height_inches), dpi=150, layout="constrained")
    return figure


def _new_axes(height_inches: float):
    """A page-wide figure with one styled axes: (figure, ax)."""
    figure = _new_figure(height_inches)
    ax = figure.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=BASE_FONT_SIZE)
    return figure, ax


def _wrap(text: str, width: int = LABEL_WIDTH) -> str:
    return "\n".join(textwrap.wrap(str(text), width=width)) or str(text)


def _number(value: float, digits: int = 2) -> str:
    """Format like the tables: at most ``digits`` decimals, no trailing zeros."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text


def _percent(fraction) -> str:
    """A rate as the narrative writes it (68.00%, 79.60%), so charts and text agree."""
    from perfnb.reporting.narrative import format_percent

    return format_percent(fraction)


def _status_legend(figure: Figure, statuses, extra: list[Patch] = ()) -> None:
    """One legend row under the plot: the statuses present (in fixed order), then extras."""
    order = [s for s in STATUS_COLORS if s in set(statuses)]
    handles = [Patch(facecolor=STATUS_COLORS[s], label=STATUS_LABELS[s]) for s in order]
    handles += list(extra)
    if handles:
        figure.legend(handles=handles, loc="outside lower center", ncol=len(handles),
                      fontsize=BASE_FONT_SIZE - 1, frameon=False)


def _empty(figure: Figure, ax, message: str) -> Figure:
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=BASE_FONT_SIZE + 1,
            transform=ax.transAxes)
    return figure


@_text_as_written
def score_vs_weight(evaluation, unit_id=None) -> Figure:
    """Per indicator: the weight as a light bar, the score as a coloured bar inside it."""
    unit = _unit(evaluation, unit_id)
    indicators = unit.indicators.sort_values("seq")
    if _unweighted(unit):
        figure, ax = _new_axes(1.6)
        return _empty(figure, ax, "自评表未印分值（权重），各项指标不计分（未加权评价）；\n"
                                  "完成情况见“各一级指标完成情况”和“定量指标：目标与实际完成”")
    rows = max(len(indicators), 1)
    figure, ax = _new_axes(1.3 + 0.34 * rows)
    if indicators.empty:
        return _empty(figure, ax, "没有绩效指标")
    positions = np.arange(len(indicators))[::-1]
    weights = indicators["weight"].astype(float).fillna(0).to_numpy()
    scores = indicators["score"].astype(float).to_numpy()
    statuses = indicators["status"].fillna(STATUS_MISSING).to_numpy()
    ax.barh(positions, weights, height=0.72, color=WEIGHT_COLOR, edgecolor=WEIGHT_EDGE,
            linewidth=0.6, label="分值")
    colors = [STATUS_COLORS.get(s, STATUS_COLORS[STATUS_MISSING]) for s in statuses]
    ax.barh(positions, np.nan_to_num(scores), height=0.42, color=colors)
    largest = float(np.nanmax(weights)) if len(weights) else 1.0
    for y, weight, score in zip(positions, weights, scores):
        ax.text(weight + largest * 0.015, y, f"{_number(score)} / {_number(weight)}",
                va="center", fontsize=BASE_FONT_SIZE - 1)
    labels = [_wrap(name) for name in indicators["name"]]
    ax.set_yticks(positions, labels, fontsize=BASE_FONT_SIZE - 1)
    ax.set_xlim(0, largest * 1.25)
    ax.set_xlabel("分值（浅色）与得分（彩色）", fontsize=BASE_FONT_SIZE)
    set_title(ax, "各项指标得分与分值", fontsize=BASE_FONT_SIZE + 2)
    _status_legend(figure, statuses, [Patch(facecolor=WEIGHT_COLOR, edgecolor=WEIGHT_EDGE,
                                            label="分值")])
    return figure


@_text_as_written
def dimension_rates(evaluation, unit_id=None) -> Figure:
    """Score rate (得分率) per 一级指标, 预算执行率 first, with the score and weight."""
    unit = _unit(evaluation, unit_id)
    dimensions = unit.dimensions
    if _unweighted(unit):
        return _dimension_achievement(dimensions)
    figure, ax = _new_axes(2.6)
    if dimensions.empty:
        return _empty(figure, ax, "没有一级指标")
    names = list(dimensions["level1"])
    rates = dimensions["score_rate"].astype(float).to_numpy() * 100
    positions = np.arange(len(names))
    colors = [LIGHT_NEUTRAL if name == BUDGET_DIMENSION else NEUTRAL_COLOR for name in names]
    ax.bar(positions, np.nan_to_num(rates), width=0.6, color=colors)
    for x, rate, score, weight in zip(positions, rates, dimensions["score"], dimensions["weight"]):
        label = f"{_percent(rate / 100)}\n{_number(_float(score))} / {_number(_float(weight))} 分"
        height = 0.0 if math.isnan(rate) else rate
        if height >= 30:  # inside the bar, below the 100% line
            ax.text(x, height - 3, label, ha="center", va="top", color="white",
                    fontsize=BASE_FONT_SIZE - 1)
        else:
            ax.text(x, height + 2, label, ha="center", va="bottom", fontsize=BASE_FONT_SIZE - 1)
    ax.axhline(100, color=WEIGHT_EDGE, linewidth=0.8, linestyle="--")
    ax.set_xticks(positions, names, fontsize=BASE_FONT_SIZE)
    ax.set_ylim(0, 110)
    ax.set_ylabel("得分率（%）", fontsize=BASE_FONT_SIZE)
    set_title(ax, "各一级指标得分率", fontsize=BASE_FONT_SIZE + 2)
    return figure


def _unweighted(unit) -> bool:
    """Is the unit evaluated unweighted (its form prints no weights)?"""
    return bool(getattr(unit, "is_unweighted", lambda: False)())


def _dimension_achievement(dimensions: pd.DataFrame) -> Figure:
    """An unweighted unit's dimensions: how many indicators each has 达成 / 部分达成 / 未达成 /
    缺失, stacked in the status colours (there are no scores to rate)."""
    rows = dimensions[dimensions["level1"] != BUDGET_DIMENSION]
    figure, ax = _new_axes(2.6)
    if rows.empty or "indicator_count" not in rows:
        return _empty(figure, ax, "没有一级指标")
    names = list(rows["level1"])
    positions = np.arange(len(names))
    bottom = np.zeros(len(names))
    present = []
    for status in STATUS_COLORS:
        if status not in rows:
            continue
        counts = rows[status].fillna(0).astype(float).to_numpy()
        if counts.any():
            present.append(status)
        ax.bar(positions, counts, width=0.6, bottom=bottom, color=STATUS_COLORS[status])
        for x, count, base in zip(positions, counts, bottom):
            if count:
                ax.text(x, base + count / 2, f"{_number(count)}", ha="center", va="center",
                        color="white" if status != STATUS_MISSING else "black",
                        fontsize=BASE_FONT_SIZE - 1)
        bottom = bottom + counts
    ax.set_xticks(positions, names, fontsize=BASE_FONT_SIZE)
    ax.set_ylim(0, max(bottom.max(), 1) * 1.15)
    ax.set_ylabel("指标个数", fontsize=BASE_FONT_SIZE)
    set_title(ax, "各一级指标完成情况（未印分值，未加权）", fontsize=BASE_FONT_SIZE + 2)
    _status_legend(figure, present)
    return figure


@_text_as_written
def budget_chart(evaluation, unit_id=None) -> Figure:
    """年初预算数, 全年预算数 and 全年执行数 (万元), with 执行率 and its score."""
    unit = _unit(evaluation, unit_id)
    budgets = unit.budgets
    figure, ax = _new_axes(2.6)
    if budgets.empty:
        return _empty(figure, ax, "没有预算执行数据")
    budget = budgets.iloc[0]
    bars = [("年初预算数", budget.get("initial")), ("全年预算数", budget.get("adjusted")),
            ("全年执行数", budget.get("executed"))]
    bars = [(label, float(value)) for label, value in bars
            if value is not None and not pd.isna(value)]
    positions = np.arange(len(bars))[::-1]
    values = [value for _, value in bars]
    colors = [NEUTRAL_COLOR if label == "全年执行数" else LIGHT_NEUTRAL for label, _ in bars]
    ax.barh(positions, values, height=0.55, color=colors)
    largest = max(values) if values else 1.0
    for y, value in zip(positions, values):
        ax.text(value + largest * 0.01, y, f"{_number(value)} 万元", va="center",
                fontsize=BASE_FONT_SIZE - 1)
    ax.set_yticks(positions, [label for label, _ in bars], fontsize=BASE_FONT_SIZE)
    ax.set_xlim(0, largest * 1.3)
    ax.set_xlabel("金额（万元）", fontsize=BASE_FONT_SIZE)
    rate = budget.get("rate")
    score = budget.get("score")
    weight = budget.get("effective_weight", budget.get("weight"))
    rate_text = _percent(rate)
    scored = (f"得分 {_number(_float(score))} / {_number(_float(weight))} 分"
              if not math.isnan(_float(weight)) else "表中未印分值，不计分")
    set_title(ax, f"预算执行情况：执行率 {rate_text}，{scored}", fontsize=BASE_FONT_SIZE + 2)
    return figure


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


@_text_as_written
def target_vs_actual(evaluation, unit_id=None, over_achievement: float | None = None) -> Figure:
    """Quantitative indicators: completion (实际 ÷ 目标, inverted for 反向) against 100%.

    Bars are coloured by status, so unmet ones stand out; over-achieved ones (at or above
    the rule set's threshold, 130% by default) are marked 超额.  Completions beyond the
    axis are clipped and labelled with their value.
    """
    unit = _unit(evaluation, unit_id)
    indicators = unit.indicators
    indicators = indicators[indicators["kind"] == KIND_QUANTITATIVE].sort_values("seq")
    if over_achievement is None:
        rules = getattr(unit, "rules", None)
        over_achievement = float(getattr(rules, "over_achievement_ratio", 1.3) or 1.3)
    rows = max(len(indicators), 1)
    figure, ax = _new_axes(1.4 + 0.42 * rows)
    if indicators.empty:
        return _empty(figure, ax, "没有定量指标")
    positions = np.arange(len(indicators))[::-1]
    completion = indicators["completion_ratio"].astype(float).to_numpy() * 100
    statuses = indicators["status"].fillna(STATUS_MISSING).to_numpy()
    limit = max(over_achievement * 100 + 40, 160)
    shown = np.clip(np.nan_to_num(completion), 0, limit)
    colors = [STATUS_COLORS.get(s, STATUS_COLORS[STATUS_MISSING]) for s in statuses]
    ax.barh(positions, shown, height=0.6, color=colors)
    over = indicators["over_achieved"].fillna(False).astype(bool).to_numpy()
    for y, value, bar, status, is_over in zip(positions, completion, shown, statuses, over):
        label = "完成程度无法计算" if math.isnan(value) else f"{_number(value, 1)}%"
        color = "black"
        if is_over:
            label += "  超额"
        elif status in (STATUS_UNMET, STATUS_PARTIAL, STATUS_MISSING):
            label += f"  {STATUS_LABELS[status]}"
            color = STATUS_COLORS[STATUS_UNMET] if status == STATUS_UNMET else "black"
        ax.text(bar + limit * 0.01, y, label, va="center", fontsize=BASE_FONT_SIZE - 1,
                color=color)
    ax.axvline(100, color="#333333", linewidth=0.9, linestyle="-")
    ax.axvline(over_achievement * 100, color=WEIGHT_EDGE, linewidth=0.8, linestyle="--")
    ax.text(over_achievement * 100, positions.max() + 0.6,
            f"{_number(over_achievement * 100)}%", ha="center", va="bottom",
            fontsize=BASE_FONT_SIZE - 2, color=WEIGHT_EDGE)
    from perfnb.reporting.narrative import actual_display, target_display
    labels = [_wrap(f"{row['name']}") + f"\n目标 {target_display(row)}，实际 {actual_display(row)}"
              for _, row in indicators.iterrows()]
    ax.set_yticks(positions, labels, fontsize=BASE_FONT_SIZE - 2)
    ax.set_xlim(0, limit * 1.18)
    ax.set_ylim(positions.min() - 0.6, positions.max() + 1.2)
    ax.set_xlabel("完成程度（%，反向指标为 目标 ÷ 实际）", fontsize=BASE_FONT_SIZE)
    set_title(ax, "定量指标：目标与实际完成", fontsize=BASE_FONT_SIZE + 2)
    _status_legend(figure, statuses)
    return figure


def all_charts(evaluation, unit_id=None) -> dict[str, Figure]:
    """Every chart of one unit, keyed by function name."""
    return {"dimension_rates": dimension_rates(evaluation, unit_id),
            "budget_chart": budget_chart(evaluation, unit_id),
            "score_vs_weight": score_vs_weight(evaluation, unit_id),
            "target_vs_actual": target_vs_actual(evaluation, unit_id)}
