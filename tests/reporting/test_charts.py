"""Charts: Chinese labels without missing glyphs, fixed status colours, one figure per chart."""
from __future__ import annotations

import io
import warnings

import matplotlib
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from perfnb.reporting import charts
from perfnb.evaluation.evaluator import evaluate

from tables import full_budget, indicator, make_unit, seed_tables


@pytest.fixture(scope="module")
def seed():
    return evaluate(seed_tables())


@pytest.fixture(scope="module")
def mixed():
    """One indicator per status: met, partial (forward), unmet (reverse, far over), missing."""
    tables = make_unit("mixed", [
        indicator("达成指标", 10, 12, 10),
        indicator("部分达成指标", 10, 7, 10),
        indicator("反向超支指标", 100, 400, 10, "<=", level2="成本指标", measure_unit="万元"),
        indicator("缺少实际值指标", 5, None, 10),
    ], budget=full_budget())
    return evaluate(tables)


def _render(figure: Figure) -> bytes:
    """Draw to PNG with every warning an error (a missing glyph warns at draw time)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _texts(figure: Figure) -> str:
    found = []
    for ax in figure.axes:
        found += [t.get_text() for t in ax.texts + ax.get_yticklabels() + ax.get_xticklabels()]
        found += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    for legend in figure.legends:
        found += [t.get_text() for t in legend.get_texts()]
    return "\n".join(found)


@pytest.mark.parametrize("name", ["score_vs_weight", "dimension_rates", "budget_chart",
                                  "target_vs_actual"])
def test_each_chart_draws_chinese_without_missing_glyphs(seed, name):
    figure = getattr(charts, name)(seed)
    assert isinstance(figure, Figure)
    png = _render(figure)
    assert png.startswith(b"\x89PNG")
    width_cm = figure.get_figwidth() * 2.54
    assert 15 <= width_cm <= 17  # fits the A4 text width
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans SC"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in _texts(figure))


def test_score_vs_weight_shows_each_indicator_with_its_score(seed):
    figure = charts.score_vs_weight(seed)
    texts = _texts(figure)
    c14 = seed.indicators[seed.indicators["name"].str.contains("办公设备采购批次")].iloc[0]
    assert "办公设备采购批次" in texts
    assert f"{c14['score']:g} / {c14['weight']:g}" in texts
    assert len(figure.axes[0].get_yticklabels()) == len(seed.indicators)


def test_status_colours_are_fixed(mixed):
    figure = charts.score_vs_weight(mixed)
    ax = figure.axes[0]
    statuses = list(mixed.indicators.sort_values("seq")["status"])
    assert set(statuses) == {"met", "partial", "unmet", "missing"}
    # the second barh call holds the scores, one patch per indicator, top to bottom
    score_bars = ax.patches[len(statuses):]
    colours = [to_hex(bar.get_facecolor()) for bar in score_bars]
    assert colours == [charts.STATUS_COLORS[s].lower() for s in statuses]
    legend = "".join(t.get_text() for t in figure.legends[0].get_texts())
    for label in ("达成", "部分达成", "未达成", "缺失"):
        assert label in legend
    _render(figure)


def test_target_vs_actual_marks_unmet_and_over_achieved(mixed, seed):
    texts = _texts(charts.target_vs_actual(mixed))
    assert "未达成" in texts and "部分达成" in texts
    assert "目标 ≤100万元，实际 400万元" in texts
    seed_texts = _texts(charts.target_vs_actual(seed))
    assert "超额" in seed_texts  # C18: 8 against ≥3
    assert "目标 ≥4批次，实际 3批次" in seed_texts
    # qualitative indicators are not on this chart
    assert "宣传人民代表大会制度" not in seed_texts


def test_budget_and_dimension_figures_match_the_tables(seed):
    budget_texts = _texts(charts.budget_chart(seed))
    assert "2,229 万元" in budget_texts and "1,972.41 万元" in budget_texts
    assert "执行率 88.49%" in budget_texts and "得分 8.85 / 10 分" in budget_texts
    dimension_texts = _texts(charts.dimension_rates(seed))
    for _, row in seed.dimensions.iterrows():
        assert row["level1"] in dimension_texts
        assert f"{row['score']:g} / {row['weight']:g} 分" in dimension_texts
        # the rate as the narrative writes it (97.50%, not 97.5%)
        from perfnb.reporting.narrative import format_percent

        assert format_percent(row["score_rate"]) + "\n" in dimension_texts
    assert dimension_texts.index("预算执行率") < dimension_texts.index("产出指标")


@pytest.mark.parametrize("name", ["score_vs_weight", "dimension_rates", "budget_chart",
                                  "target_vs_actual"])
def test_a_title_at_its_fixed_height_draws_what_matplotlib_places_itself(seed, name, monkeypatch):
    # Titles are set at figures.TITLE_Y (matplotlib then skips re-measuring every tick label
    # to place them); the pictures must be those of matplotlib's own placement.
    from perfnb.reporting import figures

    fixed = figures.figure_bundle(getattr(charts, name)(seed))
    monkeypatch.setattr(figures, "TITLE_Y", None)     # None: matplotlib places the title
    placed = figures.figure_bundle(getattr(charts, name)(seed))
    assert fixed == placed


def test_summary_chart_titles_at_their_fixed_height_draw_the_same(monkeypatch):
    import pandas as pd

    from perfnb.reporting import figures, summary

    results = pd.DataFrame({"unit_id": ["甲", "乙", "丙"], "grade": ["优", "良", "优"],
                            "execution_rate": [0.97, 0.82, None]})
    dimensions = pd.DataFrame({"unit_id": ["甲", "甲", "乙"], "level1": ["产出指标", "效益指标", "产出指标"],
                               "score_rate": [0.9, 0.75, 1.0]})

    def drawn():
        return [figures.figure_bundle(summary.plot_grade_distribution(results)),
                figures.figure_bundle(summary.plot_score_rate_heatmap(dimensions)),
                figures.figure_bundle(summary.plot_budget_execution(results))]

    fixed = drawn()
    monkeypatch.setattr(figures, "TITLE_Y", None)
    assert drawn() == fixed
