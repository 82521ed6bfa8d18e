"""Interactive explorers for the lessons: move a slider, see the figure change.

Every explorer comes with a companion ``*_view`` that draws the same default view as a plain
figure. A lesson shows the view in the cell before the widget, so a reader of the rendered HTML (or
of a notebook without a kernel) still sees the content::

    widgets.segment_view(tables)          # the static figure
    widgets.segment_explorer(tables)      # the same, with sliders for the thresholds

Explorers take data frames and, where the analysis lives in another module, the function to call
(``compute=``), so a lesson can pass any function with the same contract. Each control is described
by ``(default, min, max, step)`` or given as a ready ipywidgets control. An explorer can also show a
table under its figure (``table=``, a function of the same result); its static view then shows both.
"""

from __future__ import annotations

__all__ = [
    "explorer",
    "explorer_view",
    "FigureAndTable",
    "SEGMENT_CONTROLS",
    "segment_explorer",
    "segment_view",
    "funnel_explorer",
    "funnel_view",
    "RFM_CONTROLS",
    "rfm_explorer",
    "rfm_view",
    "CLV_CONTROLS",
    "clv_calculator",
    "clv_view",
]

# Relationship-stage thresholds (the keyword arguments of segments.relationship_stages).
SEGMENT_CONTROLS = {
    "new_days": (60, 7, 180, 1),
    "at_risk_factor": (1.5, 1.0, 4.0, 0.1),
    "lapsed_factor": (3.0, 1.5, 8.0, 0.25),
}
RFM_CONTROLS = {"bins": (5, 2, 5, 1)}
CLV_CONTROLS = {
    "annual_spend": (200.0, 10.0, 2000.0, 10.0),
    "retention": (0.6, 0.0, 0.99, 0.01),
    "discount": (0.1, 0.0, 0.3, 0.01),
    "years": (5, 1, 10, 1),
}


def _defaults(controls) -> dict:
    values = {}
    for name, spec in controls.items():
        values[name] = spec[0] if isinstance(spec, tuple) else spec.value
    return values


def _control(name: str, spec):
    import ipywidgets

    if not isinstance(spec, tuple):
        return spec
    default, low, high, step = spec
    label = name.replace("_", " ")
    style = {"description_width": "initial"}
    layout = ipywidgets.Layout(width="26rem")
    if all(isinstance(v, int) and not isinstance(v, bool) for v in spec):
        return ipywidgets.IntSlider(value=default, min=low, max=high, step=step, description=label,
                                    style=style, layout=layout, continuous_update=False)
    return ipywidgets.FloatSlider(value=default, min=low, max=high, step=step, description=label,
                                  style=style, layout=layout, continuous_update=False)


class FigureAndTable:
    """A figure with a table under it: what :func:`explorer_view` returns when given ``table``.

    In a notebook it shows as the figure's PNG followed by the table, two plain outputs that a page
    without a kernel still displays. ``figure`` and ``table`` hold the two parts.

    Parameters
    ----------
    figure : Figure
        The figure, shown first.
    table : DataFrame or Series
        The table, shown under the figure.

    Examples
    --------
    >>> import pandas as pd
    >>> from lifecycle_lib import plots
    >>> shown = FigureAndTable(plots.bar(pd.Series({"a": 1})), pd.DataFrame({"n": [1]}, index=["a"]))
    >>> shown
    FigureAndTable(figure with 1 axes, table of 1 rows x 1 columns)
    """

    def __init__(self, figure, table):
        self.figure, self.table = figure, table

    def _ipython_display_(self):
        from IPython.display import display

        display(self.figure)
        display(self.table)

    def __repr__(self):
        shape = getattr(self.table, "shape", (len(self.table),))
        size = f"{shape[0]} rows x {shape[1]} columns" if len(shape) > 1 else f"{shape[0]} rows"
        return f"FigureAndTable(figure with {len(self.figure.axes)} axes, table of {size})"


def explorer_view(compute, controls, draw, table=None, **values):
    """The figure an explorer shows for its default control values (or the ``values`` given).

    Parameters
    ----------
    compute : callable
        Called with one keyword argument per control; returns what ``draw`` takes.
    controls : dict
        Control name -> ``(default, min, max, step)`` or a ready ipywidgets control (its value is the default).
    draw : callable
        Turns the result of ``compute`` into a Figure.
    table : callable, optional
        Turns the result of ``compute`` into a table shown under the figure (as the explorer does).
    **values
        Values to use instead of the controls' defaults.

    Returns
    -------
    Figure or FigureAndTable
        ``draw(compute(**values))``; with ``table``, that figure and ``table(...)`` of the same result.

    Examples
    --------
    >>> import pandas as pd
    >>> from lifecycle_lib import plots
    >>> fig = explorer_view(lambda n: pd.Series({"a": n, "b": 2 * n}), {"n": (3, 1, 10, 1)}, plots.bar)
    >>> [float(p.get_height()) for p in fig.axes[0].patches]
    [3.0, 6.0]
    >>> shown = explorer_view(lambda n: pd.Series({"a": n}), {"n": (3, 1, 10, 1)}, plots.bar,
    ...                       table=lambda s: s.to_frame("n"))
    >>> shown.table["n"].tolist()
    [3]
    """
    result = compute(**{**_defaults(controls), **values})
    if table is None:
        return draw(result)
    return FigureAndTable(draw(result), table(result))


def explorer(compute, controls, draw, title=None, table=None):
    """A widget: one control per entry of ``controls``, and the figure ``draw(compute(**values))``
    redrawn whenever a control moves. Errors raised by ``compute`` are shown in place of the figure.
    The current figure is also kept as the widget's ``figure`` attribute (and the table, if any, as
    its ``table`` attribute).

    Parameters
    ----------
    compute : callable
        Called with one keyword argument per control; returns what ``draw`` takes.
    controls : dict
        Control name -> ``(default, min, max, step)`` (an integer or float slider) or a ready
        ipywidgets control.
    draw : callable
        Turns the result of ``compute`` into a Figure.
    title : str, optional
        A bold heading above the controls.
    table : callable, optional
        Turns the result of ``compute`` into a table shown under the figure.

    Returns
    -------
    ipywidgets.VBox
        The controls above the figure; the current figure is its ``figure`` attribute, the current
        table its ``table`` attribute (None without ``table``).

    Examples
    --------
    >>> import pandas as pd
    >>> from lifecycle_lib import plots
    >>> box = explorer(lambda n: pd.Series({"a": n}), {"n": (3, 1, 10, 1)}, plots.bar,
    ...                table=lambda s: s.to_frame("n"))
    >>> [type(child).__name__ for child in box.children]
    ['VBox', 'Output']
    >>> box.children[0].children[0].value
    3
    >>> box.children[0].children[0].value = 7
    >>> float(box.figure.axes[0].patches[0].get_height()), box.table["n"].tolist()
    (7.0, [7])
    """
    import ipywidgets
    from IPython.display import display

    widgets = {name: _control(name, spec) for name, spec in controls.items()}
    output = ipywidgets.Output()
    header = [ipywidgets.HTML(f"<b>{title}</b>")] if title else []
    box = ipywidgets.VBox([ipywidgets.VBox(header + list(widgets.values())), output])

    def update(change=None):
        values = {name: widget.value for name, widget in widgets.items()}
        try:
            result = compute(**values)
            box.figure, message = draw(result), None
            box.table = None if table is None else table(result)
        except Exception as exc:  # the learner sees the reason next to the slider, not a traceback
            box.figure, box.table, message = None, None, f"{type(exc).__name__}: {exc}"
        if not _in_kernel():
            return  # outside a notebook there is nowhere to draw; ``box.figure`` holds the figure
        output.clear_output(wait=True)
        with output:
            if message is not None:
                print(message)
            else:
                display(box.figure)
                if box.table is not None:
                    display(box.table)

    for widget in widgets.values():
        widget.observe(update, names="value")
    update()
    return box


def _in_kernel() -> bool:
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


# --- relationship stages --------------------------------------------------------------------------


def _stage_counts(tables):
    def compute(**thresholds):
        from lifecycle_lib.analytics import segments

        return segments.stage_counts(tables, **thresholds)

    return compute


def segment_view(tables, compute=None, controls=None, **values):
    """Static view of :func:`segment_explorer`: contacts per stage at the default thresholds.

    ``compute(**thresholds)`` returns counts per stage (a Series, or a frame with a ``count``
    column); by default it is ``segments.stage_counts(tables, **thresholds)``.

    Parameters
    ----------
    tables : dict of DataFrames
        The tables by name, for ``segments.stage_counts`` (unused with ``compute``).
    compute : callable, optional
        Returns the counts per stage for the thresholds given as keywords.
    controls : dict, optional
        The thresholds' sliders (default :data:`SEGMENT_CONTROLS`).
    **values
        Threshold values to use instead of the defaults.

    Returns
    -------
    Figure
        The figure the explorer shows first.

    Examples
    --------
    >>> import pandas as pd
    >>> fake = lambda new_days, **_: pd.Series({"new": new_days // 10, "active": 5})
    >>> fig = segment_view(None, compute=fake)
    >>> [float(p.get_height()) for p in fig.axes[0].patches]
    [6.0, 5.0]
    """
    from lifecycle_lib.viz import plots

    return explorer_view(compute or _stage_counts(tables), controls or SEGMENT_CONTROLS, plots.stage_bar, **values)


def segment_explorer(tables, compute=None, controls=None):
    """Sliders for the relationship-stage thresholds (how recent is "new", how late is "at risk" and
    "lapsed") and the stage bars they give.

    Parameters
    ----------
    tables : dict of DataFrames
        The tables by name, for ``segments.stage_counts`` (unused with ``compute``).
    compute : callable, optional
        Returns the counts per stage for the thresholds given as keywords.
    controls : dict, optional
        The thresholds' sliders (default :data:`SEGMENT_CONTROLS`).

    Returns
    -------
    ipywidgets.VBox
        The controls above the figure; the current figure is its ``figure`` attribute.

    Examples
    --------
    >>> import pandas as pd
    >>> box = segment_explorer(None, compute=lambda new_days, **_: pd.Series({"new": new_days}))
    >>> [w.description for w in box.children[0].children[1:]]
    ['new days', 'at risk factor', 'lapsed factor']
    """
    from lifecycle_lib.viz import plots

    return explorer(compute or _stage_counts(tables), controls or SEGMENT_CONTROLS, plots.stage_bar,
                    title="Relationship stages")


# --- funnel ---------------------------------------------------------------------------------------


def _funnel_parts(events, orders, compute, by):
    import pandas as pd

    groups = ["all"]
    if by is not None and by in events:
        groups += [str(g) for g in pd.unique(events[by].dropna().astype(str))]

    def default(events, orders):
        from lifecycle_lib.analytics import funnel

        return funnel.funnel(events, orders).set_index("step")["contacts"]

    compute = compute or default

    def run(group="all"):
        if group == "all" or by is None:
            return compute(events, orders)
        keep_events = events[events[by].astype(str) == group]
        keep_orders = orders[orders[by].astype(str) == group] if orders is not None and by in orders else orders
        return compute(keep_events, keep_orders)

    return groups, run


def funnel_view(events, orders=None, compute=None, by="business", group="all"):
    """Static view of :func:`funnel_explorer`: the funnel of one group (default: everybody).

    ``compute(events, orders)`` returns contacts per step (a Series indexed by step); by default
    ``funnel.funnel(events, orders)``.

    Parameters
    ----------
    events : DataFrame
        The events table.
    orders : DataFrame, optional
        The orders table (for the ``purchase`` step).
    compute : callable, optional
        ``compute(events, orders)`` returns contacts per step.
    by : str, optional
        The column of the events (and orders) that names the groups.
    group : str
        The group to draw, or ``"all"``.

    Returns
    -------
    Figure
        The figure the explorer shows first.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"business": ["shop", "shop", "service"], "contact_id": ["a", "b", "c"]})
    >>> count = lambda e, o: pd.Series({"visit": len(e), "purchase": len(e) // 2})
    >>> len(funnel_view(ev, compute=count, group="shop").axes[0].patches)
    2
    """
    from lifecycle_lib.viz import plots

    _, run = _funnel_parts(events, orders, compute, by)
    return plots.funnel_chart(run(group), title=f"Funnel: {group}")


def funnel_explorer(events, orders=None, compute=None, by="business"):
    """A drop-down to choose the group (column ``by`` of the events, e.g. the business) and its funnel.

    Parameters
    ----------
    events : DataFrame
        The events table.
    orders : DataFrame, optional
        The orders table (for the ``purchase`` step).
    compute : callable, optional
        ``compute(events, orders)`` returns contacts per step; by default ``funnel.funnel``.
    by : str, optional
        The column of the events (and orders) that names the groups.

    Returns
    -------
    ipywidgets.VBox
        The controls above the figure; the current figure is its ``figure`` attribute.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"business": ["shop", "service"], "contact_id": ["a", "c"]})
    >>> box = funnel_explorer(ev, compute=lambda e, o: pd.Series({"visit": len(e), "purchase": 0}))
    >>> box.children[0].children[1].options
    ('all', 'shop', 'service')
    """
    import ipywidgets

    from lifecycle_lib.viz import plots

    groups, run = _funnel_parts(events, orders, compute, by)
    choose = ipywidgets.Dropdown(options=groups, value="all", description=by or "group")
    return explorer(lambda group: run(group), {"group": choose},
                    lambda steps: plots.funnel_chart(steps, title="Funnel"), title="Funnel explorer")


# --- RFM ------------------------------------------------------------------------------------------


def _rfm_scores(data):
    def compute(bins):
        from lifecycle_lib.analytics import rfm

        return rfm.rfm_scores(data, bins=bins)

    return compute


def rfm_view(data, compute=None, controls=None, **values):
    """Static view of :func:`rfm_explorer`: customers per R and F score at the default number of bins.

    ``compute(bins)`` returns one row per customer with ``R`` and ``F`` score columns; by default
    ``rfm.rfm_scores(data, bins=bins)``.

    Parameters
    ----------
    data : DataFrame
        The orders, or the frame ``rfm.rfm_summary`` returned (unused with ``compute``).
    compute : callable, optional
        ``compute(bins)`` returns the scores.
    controls : dict, optional
        The slider of the number of bins (default :data:`RFM_CONTROLS`).
    **values
        Values to use instead of the defaults (``bins``).

    Returns
    -------
    Figure
        The figure the explorer shows first.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = lambda bins: pd.DataFrame({"R": [1, bins, bins], "F": [1, 1, bins]})
    >>> sorted(t.get_text() for t in rfm_view(None, compute=scores).axes[0].texts)
    ['1', '1', '1']
    """
    from lifecycle_lib.viz import plots

    return explorer_view(compute or _rfm_scores(data), controls or RFM_CONTROLS, plots.rfm_grid,
                         **values)


def rfm_explorer(data, compute=None, controls=None):
    """A slider for the number of score bins and the R x F grid it gives.

    Parameters
    ----------
    data : DataFrame
        The orders, or the frame ``rfm.rfm_summary`` returned (unused with ``compute``).
    compute : callable, optional
        ``compute(bins)`` returns the scores; by default ``rfm.rfm_scores(data, bins=bins)``.
    controls : dict, optional
        The slider of the number of bins (default :data:`RFM_CONTROLS`).

    Returns
    -------
    ipywidgets.VBox
        The controls above the figure; the current figure is its ``figure`` attribute.

    Examples
    --------
    >>> import pandas as pd
    >>> box = rfm_explorer(None, compute=lambda bins: pd.DataFrame({"R": [1, bins], "F": [1, 1]}))
    >>> box.children[0].children[1].max
    5
    """
    from lifecycle_lib.viz import plots

    return explorer(compute or _rfm_scores(data), controls or RFM_CONTROLS, plots.rfm_grid,
                    title="RFM grid")


# --- customer lifetime value ----------------------------------------------------------------------


def _cumulative_value(annual_spend, retention, discount, years):
    import pandas as pd

    from lifecycle_lib.analytics import clv

    return pd.Series(
        [clv.simple_five_year_value(annual_spend, retention, years=k, discount=discount) for k in range(1, years + 1)],
        index=range(1, years + 1),
        name="value so far",
    )


def _clv_draw(values):
    from lifecycle_lib.viz import plots

    return plots.clv_curve(values, title=f"Value of one customer over {len(values)} years")


def clv_view(compute=None, controls=None, **values):
    """Static view of :func:`clv_calculator`: a customer's cumulative value year by year.

    ``compute(annual_spend, retention, discount, years)`` returns the cumulative value indexed by
    year; by default it sums ``clv.simple_five_year_value`` year by year.

    Parameters
    ----------
    compute : callable, optional
        Returns the cumulative value per year for the values given as keywords.
    controls : dict, optional
        The sliders (default :data:`CLV_CONTROLS`).
    **values
        Values to use instead of the defaults.

    Returns
    -------
    Figure
        The figure the explorer shows first.

    Examples
    --------
    >>> flat = lambda annual_spend, retention, discount, years: pd.Series(
    ...     [annual_spend * k for k in range(1, years + 1)], index=range(1, years + 1))
    >>> import pandas as pd
    >>> fig = clv_view(compute=flat)
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [200.0, 400.0, 600.0, 800.0, 1000.0]
    """
    return explorer_view(compute or _cumulative_value, controls or CLV_CONTROLS, _clv_draw, **values)


def clv_calculator(compute=None, controls=None):
    """Sliders for annual spend, retention, discount rate and horizon, and the value curve they give.

    Parameters
    ----------
    compute : callable, optional
        Returns the cumulative value per year for the values given as keywords.
    controls : dict, optional
        The sliders (default :data:`CLV_CONTROLS`).

    Returns
    -------
    ipywidgets.VBox
        The controls above the figure; the current figure is its ``figure`` attribute.

    Examples
    --------
    >>> box = clv_calculator(compute=lambda **v: __import__("pandas").Series([1.0, 2.0], index=[1, 2]))
    >>> [w.description for w in box.children[0].children[1:]]
    ['annual spend', 'retention', 'discount', 'years']
    """
    return explorer(compute or _cumulative_value, controls or CLV_CONTROLS, _clv_draw, title="Lifetime value")
