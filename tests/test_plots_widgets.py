"""Figures and explorers: light to import, no global side effects, and wired to the analysis modules."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest


def test_importing_plots_and_widgets_loads_neither_matplotlib_nor_ipywidgets():
    code = (
        "import sys, lifecycle_lib.viz.plots, lifecycle_lib.viz.widgets; "
        "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"


def test_figures_leave_global_settings_alone():
    import matplotlib

    from lifecycle_lib.viz import plots

    before = dict(matplotlib.rcParams)
    plots.bar(pd.Series({"a": 1, "b": 2}))
    plots.cohort_heatmap(pd.DataFrame([[1.0, 0.5]], index=["2024-01"]))
    assert dict(matplotlib.rcParams) == before


def test_the_clv_calculator_redraws_with_the_real_value_rule():
    from lifecycle_lib.analytics import clv
    from lifecycle_lib.viz import widgets

    box = widgets.clv_calculator()
    sliders = {w.description: w for w in box.children[0].children[1:]}
    line = box.figure.axes[0].lines[0]
    assert line.get_ydata()[-1] == pytest.approx(clv.simple_five_year_value(200.0, 0.6, years=5, discount=0.1))
    sliders["retention"].value = 0.9
    assert box.figure.axes[0].lines[0].get_ydata()[-1] == pytest.approx(
        clv.simple_five_year_value(200.0, 0.9, years=5, discount=0.1)
    )


def test_an_error_in_the_analysis_is_kept_off_the_figure():
    from lifecycle_lib.viz import plots, widgets

    def compute(n):
        if n > 3:
            raise ValueError("n must be at most 3")
        return pd.Series({"a": n})

    box = widgets.explorer(compute, {"n": (2, 1, 5, 1)}, plots.bar)
    assert box.figure is not None
    box.children[0].children[0].value = 5
    assert box.figure is None


def test_the_static_view_matches_the_explorer_default():
    from lifecycle_lib.viz import plots, widgets

    compute = lambda days: pd.Series({"new": days, "active": 100 - days})  # noqa: E731
    view = widgets.explorer_view(compute, {"days": (30, 10, 90, 10)}, plots.stage_bar)
    box = widgets.explorer(compute, {"days": (30, 10, 90, 10)}, plots.stage_bar)
    heights = lambda fig: [float(p.get_height()) for p in fig.axes[0].patches]  # noqa: E731
    assert heights(view) == heights(box.figure) == [30.0, 70.0]


# --- the general figures the lessons share ----------------------------------------------------------


def test_grouped_bars_draw_one_bar_per_cell_with_a_legend():
    from lifecycle_lib.viz import plots

    shares = pd.DataFrame({"shop": [0.5, 0.3, 0.2], "service": [0.4, 0.4, 0.2]}, index=["reach", "acquire", "retain"])
    fig = plots.grouped_bar(shares, horizontal=True, percent=True, title="Stages", xlabel="share of contacts")
    ax = fig.axes[0]
    assert sorted(round(p.get_width(), 2) for p in ax.patches) == sorted(shares.to_numpy().ravel().round(2).tolist())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["reach", "acquire", "retain"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["shop", "service"]
    assert {t.get_text() for t in ax.texts} >= {"50%", "40%", "20%"}
    assert ax.get_title(loc="left") == "Stages" and ax.get_xlabel() == "share of contacts"


def test_grouped_bars_refuse_a_series_or_a_frame_without_numbers():
    from lifecycle_lib.viz import plots

    with pytest.raises(ValueError, match="for a single Series use bar"):
        plots.grouped_bar(pd.Series({"a": 1}))
    with pytest.raises(ValueError, match="numeric column"):
        plots.grouped_bar(pd.DataFrame({"name": ["a", "b"]}))


def test_histograms_overlay_the_groups_on_whole_number_bins():
    from lifecycle_lib.viz import plots

    groups = {"ads": pd.Series([5, 7, 7, 9, 12]), "word of mouth": pd.Series([0, 0, 1, None])}
    fig = plots.histogram(groups, xlabel="noticed messages", ylabel="contacts", vline=(7, "the rule: 7"))
    ax = fig.axes[0]
    assert sum(p.get_height() for p in ax.patches) == 5 + 3  # every value once, the missing one left out
    widths = {round(p.get_width(), 6) for p in ax.patches}
    assert widths == {1.0}  # one bar per whole number
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ads", "word of mouth", "the rule: 7"]
    assert ax.get_xlabel() == "noticed messages" and ax.get_ylabel() == "contacts"


def test_a_histogram_names_what_it_cannot_count():
    from lifecycle_lib.viz import plots

    with pytest.raises(ValueError, match="'channel' are not numbers"):
        plots.histogram(pd.DataFrame({"channel": ["ads", "search"]}))
    with pytest.raises(ValueError, match="no values to count"):
        plots.histogram({"empty": pd.Series([None, None], dtype=float)})
    with pytest.raises(ValueError, match="a Series, a DataFrame or a dict"):
        plots.histogram([1, 2, 3])


def test_line_charts_draw_one_line_per_column_and_mark_references():
    from lifecycle_lib.viz import plots

    by_hour = pd.DataFrame({"shop": [0.1, 0.5, 0.4], "service": [0.2, 0.3, 0.5]}, index=[8, 14, 20])
    fig = plots.line_chart(by_hour, title="When", xlabel="hour", ylabel="share of orders", percent=True,
                           hline=(1 / 3, "even spread"), vline=14)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["shop", "service", "_reference", "even spread"]
    assert ax.lines[0].get_ydata().tolist() == [0.1, 0.5, 0.4]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["shop", "service", "even spread"]
    assert [tick for tick in ax.get_xticks()] == [8, 14, 20]
    assert ax.get_ylim()[0] == 0 and ax.yaxis.get_major_formatter()(0.5, 0).endswith("%")


def test_line_chart_panels_get_their_own_label_and_scale():
    from lifecycle_lib.viz import plots

    grid = [0.3, 0.5, 0.7]
    fig = plots.line_chart({"suspects": pd.Series([90, 40, 10], index=grid),
                            "bought": pd.DataFrame({"suspects": [0.1, 0.2, 0.3], "prospects": [0.05] * 3}, index=grid)},
                           title="Threshold", xlabel="threshold", percent=["bought"])
    left, right = fig.axes
    assert (left.get_ylabel(), right.get_ylabel()) == ("suspects", "bought")
    assert left.get_legend() is None and len(right.get_legend().get_texts()) == 2
    assert not left.yaxis.get_major_formatter()(40, 0).endswith("%")
    assert right.yaxis.get_major_formatter()(0.2, 0).endswith("%")


def test_a_line_chart_of_categories_points_to_bar():
    from lifecycle_lib.viz import plots

    with pytest.raises(ValueError, match="draw categories with bar"):
        plots.line_chart(pd.Series({"search": 0.3, "ads": 0.2}))
    with pytest.raises(ValueError, match="has no values"):
        plots.line_chart({"empty": pd.Series(dtype=float)})


def test_bars_mark_a_reference_and_leave_missing_values_unlabelled():
    from lifecycle_lib.viz import plots

    fig = plots.bar(pd.Series({"opt in": 1.6, "social": 0.8, "never done": float("nan")}), horizontal=True,
                    reference=(1, "no difference"))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["1.60", "0.80", ""]
    assert ax.lines[0].get_xdata()[0] == 1 and ax.get_legend().get_texts()[0].get_text() == "no difference"


# --- explorers with a table -------------------------------------------------------------------------


def test_an_explorer_keeps_its_table_in_step_with_the_figure():
    from lifecycle_lib.viz import plots, widgets

    compute = lambda n: pd.Series({"a": n, "b": 10 - n})  # noqa: E731
    share = lambda s: (s / s.sum()).to_frame("share")  # noqa: E731
    box = widgets.explorer(compute, {"n": (2, 0, 10, 1)}, plots.bar, table=share)
    assert box.table["share"].tolist() == [0.2, 0.8]
    box.children[0].children[0].value = 5
    assert box.table["share"].tolist() == [0.5, 0.5]
    assert [float(p.get_height()) for p in box.figure.axes[0].patches] == [5.0, 5.0]
    view = widgets.explorer_view(compute, {"n": (2, 0, 10, 1)}, plots.bar, table=share)
    assert view.table.equals(share(compute(2)))
    assert [float(p.get_height()) for p in view.figure.axes[0].patches] == [2.0, 8.0]


def test_a_failing_table_is_reported_like_a_failing_analysis():
    from lifecycle_lib.viz import plots, widgets

    def table(series):
        raise KeyError("share")

    box = widgets.explorer(lambda n: pd.Series({"a": n}), {"n": (2, 0, 10, 1)}, plots.bar, table=table)
    assert box.figure is None and box.table is None


def test_the_static_view_shows_the_figure_then_the_table(monkeypatch):
    import IPython.display

    from lifecycle_lib.viz import plots, widgets

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    view = widgets.explorer_view(lambda n: pd.Series({"a": n}), {"n": (3, 1, 5, 1)}, plots.bar,
                                 table=lambda s: s.to_frame("n"))
    view._ipython_display_()
    assert shown == [view.figure, view.table]
    assert shown[0]._repr_png_()[:4] == b"\x89PNG"
    assert repr(view) == "FigureAndTable(figure with 1 axes, table of 1 rows x 1 columns)"
