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
