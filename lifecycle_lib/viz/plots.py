"""The course's figures, all with one look: each function takes a Series or DataFrame and returns a Figure.

The look lives in :data:`STYLE` and is applied only while a figure is built (``with style():``), so
importing or using this module never changes matplotlib's global settings. Figures are built without
pyplot: a lesson shows one by leaving it as the cell's last expression (it appears once, not twice),
and a script saves it with ``fig.savefig(...)``.

>>> from lifecycle_lib import plots
>>> fig = plots.bar(pd.Series({"email": 40, "ads": 25, "referral": 10}), title="Customers by channel")
>>> len(fig.axes[0].patches)
3
>>> fig._repr_png_()[:4]  # how a notebook shows it
b'\x89PNG'
"""

from __future__ import annotations

import functools
import io
from contextlib import contextmanager

import pandas as pd

__all__ = [
    "STYLE",
    "PALETTE",
    "STAGE_COLORS",
    "style",
    "bar",
    "grouped_bar",
    "histogram",
    "line_chart",
    "stage_bar",
    "funnel_chart",
    "cohort_heatmap",
    "rfm_grid",
    "clv_curve",
    "timeline",
    "snake_plot",
    "k_choice_plot",
]

PALETTE = ["#1f5f8b", "#e07a1f", "#3a8d5c", "#b33a3a", "#7b5ea7", "#8c6d46", "#c2589a", "#6b7b8c", "#b8a229"]

STYLE = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10.5,
    "axes.titlesize": 12.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "x",
    "grid.color": "#d9dee3",
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "axes.edgecolor": "#52606d",
    "axes.prop_cycle": f"cycler(color={PALETTE!r})",
    "xtick.color": "#3e4c59",
    "ytick.color": "#3e4c59",
    "legend.frameon": False,
}

# Relationship stages in lifecycle order, coloured from cold (grey-blue) through warm (green) to
# warning (orange, red) and the advocates (purple).
STAGE_COLORS = {
    "prospect": "#9fb3c8",
    "suspect": "#829ab1",
    "lead": "#486581",
    "new": "#7bc47f",
    "active": "#3a8d5c",
    "returning": "#1f6e43",
    "at_risk": "#e07a1f",
    "lapsed": "#b33a3a",
    "advocate": "#7b5ea7",
}


@contextmanager
def style(**overrides):
    """Apply the course look (and any ``overrides`` of rc settings) inside a ``with`` block only.

    Parameters
    ----------
    **overrides
        matplotlib rc settings to use instead of (or on top of) :data:`STYLE`.

    Yields
    ------
    None
        The look holds inside the block; matplotlib's settings are restored after it.

    Examples
    --------
    >>> import matplotlib
    >>> before = matplotlib.rcParams["axes.titleweight"]
    >>> with style():
    ...     matplotlib.rcParams["axes.titleweight"]
    'bold'
    >>> matplotlib.rcParams["axes.titleweight"] == before
    True
    """
    import matplotlib

    with matplotlib.rc_context({**STYLE, **overrides}):
        yield


@functools.cache
def _figure_class():
    from matplotlib.figure import Figure

    class CourseFigure(Figure):
        """A Figure that shows itself as a PNG in a notebook without pyplot or a %matplotlib backend."""

        def _repr_png_(self):
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", bbox_inches="tight")
            return buffer.getvalue()

    return CourseFigure


def _figure(figsize=None):
    fig = _figure_class()(figsize=figsize or STYLE["figure.figsize"], layout="constrained")
    return fig, fig.add_subplot()


def _labels(ax, title=None, xlabel=None, ylabel=None):
    if title:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)


def _category_axis(ax, names, horizontal: bool) -> None:
    """The category axis of a bar chart: top-down order when horizontal, a grid along the values only,
    and slanted labels when they would crowd a vertical chart."""
    if horizontal:
        ax.invert_yaxis()
    ax.grid(axis="x" if horizontal else "y")
    ax.grid(axis="y" if horizontal else "x", visible=False)
    if not horizontal and max((len(item) for item in names), default=0) * len(names) > 60:
        ax.tick_params(axis="x", labelrotation=30)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")


def _as_series(data, value=None, label=None) -> pd.Series:
    if isinstance(data, pd.Series):
        return data
    if isinstance(data, pd.DataFrame):
        if label is not None:
            data = data.set_index(label)
        if value is None:
            numeric = data.select_dtypes("number").columns
            if len(numeric) == 0:
                raise ValueError("the frame has no numeric column to plot; name one with value=...")
            value = numeric[0]
        return data[value]
    return pd.Series(data)


def _number(value: float, percent: bool) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return ""  # a missing or infinite value gets no label
    if percent:
        return f"{value:.0%}"
    return f"{value:,.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:,.2f}"


def bar(data, title=None, xlabel=None, ylabel=None, *, value=None, label=None, horizontal=False,
        highlight=None, colors=None, percent=False, annotate=True, reference=None, figsize=None):
    """Bar chart of a Series (index = bars) or of column ``value`` of a frame (bars labelled by ``label``).

    Parameters
    ----------
    data : Series or DataFrame
        The values to draw: a Series (index = bars), or a frame (see ``value`` and ``label``).
    title, xlabel, ylabel : str, optional
        The title and axis labels.
    value : str, optional
        With a frame: the column to draw (default: its first numeric column).
    label : str, optional
        With a frame: the column that labels the bars (default: its index).
    horizontal : bool
        Draw horizontal bars, the first at the top.
    highlight : str or list of str, optional
        Bars to draw in the accent colour; the others are grey.
    colors : str or list of str, optional
        The bars' colours (instead of the palette, or of ``highlight``).
    percent : bool
        Write the values (and the value axis) as percentages of 1.
    annotate : bool
        Write each bar's value next to it.
    reference : float or (float, str), optional
        A value to mark with a dashed line across the bars (e.g. 1 for a ratio), with an optional label.
    figsize : tuple of float, optional
        Width and height in inches.

    Returns
    -------
    Figure
        A matplotlib Figure (shown as a PNG when it is a cell's last expression).

    Examples
    --------
    >>> fig = bar(pd.Series({"a": 3, "b": 5}), highlight=["b"], horizontal=True)
    >>> [round(p.get_width()) for p in fig.axes[0].patches]
    [3, 5]
    >>> fig = bar(pd.Series({"email": 1.4, "social": 0.8}), reference=(1, "no difference"))
    >>> len(fig.axes[0].lines), [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    (1, ['no difference'])
    """
    series = _as_series(data, value, label)
    labels = [str(item) for item in series.index]
    if colors is None:
        if highlight is not None:
            wanted = {str(item) for item in ([highlight] if isinstance(highlight, str) else highlight)}
            colors = [PALETTE[1] if item in wanted else "#9aa5b1" for item in labels]
        else:
            colors = PALETTE[0]
    with style():
        fig, ax = _figure(figsize)
        bars = (ax.barh if horizontal else ax.bar)(labels, series.to_numpy(dtype=float), color=colors)
        _category_axis(ax, labels, horizontal)
        if annotate:
            ax.bar_label(bars, labels=[_number(v, percent) for v in series.to_numpy(dtype=float)], padding=2,
                         fontsize=9, color="#3e4c59")
        _value_axis(ax.xaxis if horizontal else ax.yaxis, percent)
        if reference is not None:
            _mark(ax, reference, "x" if horizontal else "y")
            _legend(ax)
        _labels(ax, title, xlabel, ylabel)
    return fig


def _mark(ax, where, axis):
    """A dashed reference line at ``where`` (a number or ``(number, label)``) across the ``axis`` values.

    The label goes into the legend, where it cannot overlap the data.
    """
    value, text = where if isinstance(where, tuple) else (where, None)
    line = (ax.axvline if axis == "x" else ax.axhline)(float(value), color="#52606d", linestyle="--", linewidth=1.2,
                                                        zorder=0.9)  # behind bars and their labels
    line.set_label(str(text) if text else "_reference")


def _legend(ax, **options):
    """A legend of the labelled lines and bars, when there is any."""
    handles, names = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, names, **options)


def _percent_axis(axis):
    """Ticks as percentages of 1, with as few decimals as the ticks need (10%, 2.5%, 0.25%)."""
    from matplotlib.ticker import FuncFormatter

    def percent(value, _):
        ticks = [tick * 100 for tick in axis.get_majorticklocs()] or [value * 100]
        places = next((n for n in range(4) if all(abs(round(t, n) - t) < 1e-6 for t in ticks)), 4)
        text = f"{value * 100:.{places}f}"
        return ("0" if float(text) == 0 else text) + "%"

    axis.set_major_formatter(FuncFormatter(percent))


def _value_axis(axis, percent):
    """Percentages of 1, or numbers with thousands separators on a few round ticks."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    if percent:
        _percent_axis(axis)
    else:
        axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}" if abs(value) >= 1000 or value == 0
                                               else f"{value:,.10g}"))


def grouped_bar(data, title=None, xlabel=None, ylabel=None, *, horizontal=False, percent=False, annotate=True,
                colors=None, reference=None, figsize=None):
    """Bars side by side: one group per row of a frame, one bar (and legend entry) per column.

    Use it to compare two or more series on the same categories, such as the share of contacts per
    stage in the shop and in the service.

    Parameters
    ----------
    data : DataFrame
        Rows are the groups along the axis (in their order), columns the bars within each group.
    title, xlabel, ylabel : str, optional
        The title and axis labels.
    horizontal : bool
        Draw horizontal bars, the first group at the top.
    percent : bool
        Write the values (and the value axis) as percentages of 1.
    annotate : bool
        Write each bar's value next to it.
    colors : list of str, optional
        One colour per column (default: the palette).
    reference : float or (float, str), optional
        A value to mark with a dashed line across the bars, with an optional label.
    figsize : tuple of float, optional
        Width and height in inches (default: wider or taller with more groups).

    Returns
    -------
    Figure
        A matplotlib Figure with a legend naming the columns.

    Raises
    ------
    ValueError
        When ``data`` is not a frame with at least one row and one numeric column.

    Examples
    --------
    >>> shares = pd.DataFrame({"shop": [0.6, 0.3, 0.1], "service": [0.5, 0.2, 0.3]},
    ...                       index=["prospect", "active", "lapsed"])
    >>> fig = grouped_bar(shares, title="Contacts by stage", ylabel="share of contacts", percent=True)
    >>> len(fig.axes[0].patches), [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    (6, ['shop', 'service'])
    """
    if not isinstance(data, pd.DataFrame):
        raise ValueError("grouped_bar needs a DataFrame (rows = groups, columns = bars in a group); "
                         "for a single Series use bar(...)")
    frame = data.select_dtypes("number")
    if frame.empty or frame.shape[1] == 0:
        raise ValueError(f"grouped_bar needs at least one row and one numeric column; got columns {list(data.columns)} "
                         f"and {len(data)} rows")
    import numpy as np

    names = [str(item) for item in frame.index]
    columns = list(frame.columns)
    palette = colors or [PALETTE[number % len(PALETTE)] for number in range(len(columns))]
    width = 0.8 / len(columns)
    positions = np.arange(len(frame))
    if figsize is None:
        size = 0.35 * len(frame) * max(1, len(columns) / 2)
        figsize = (7.0, max(3.0, size + 1.4)) if horizontal else (max(7.0, size * 1.3 + 1.5), 4.0)
    with style():
        fig, ax = _figure(figsize)
        for number, column in enumerate(columns):
            offset = positions - 0.4 + width * (number + 0.5)
            values = frame[column].to_numpy(dtype=float)
            draw = ax.barh if horizontal else ax.bar
            bars = draw(offset, values, width * 0.95, color=palette[number % len(palette)], label=str(column))
            if annotate:
                ax.bar_label(bars, labels=[_number(v, percent) for v in values], padding=2,
                             fontsize=8, color="#3e4c59")
        (ax.set_yticks if horizontal else ax.set_xticks)(positions, names)
        _category_axis(ax, names, horizontal)
        _value_axis(ax.xaxis if horizontal else ax.yaxis, percent)
        if reference is not None:
            _mark(ax, reference, "x" if horizontal else "y")
        ax.margins(**({"x": 0.12} if horizontal else {"y": 0.12}))
        _legend(ax, loc="best")
        _labels(ax, title, xlabel, ylabel)
    return fig


def _groups(data, what) -> dict:
    """Named groups of values from a Series, a frame (one per column) or a dict of sequences."""
    if isinstance(data, pd.Series):
        groups = {str(data.name) if data.name is not None else "": data}
    elif isinstance(data, pd.DataFrame):
        groups = {str(column): data[column] for column in data.columns}
    elif isinstance(data, dict):
        groups = {str(name): pd.Series(values) for name, values in data.items()}
    else:
        raise ValueError(f"{what} needs a Series, a DataFrame or a dict of name -> values; got {type(data).__name__}")
    if not groups:
        raise ValueError(f"{what} got no groups to draw")
    for name, values in groups.items():
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            raise ValueError(f"{what}: the values of {name or 'the series'!r} are not numbers ({values.dtype})")
    return groups


def histogram(data, title=None, xlabel=None, ylabel="count", *, bins=None, vline=None, figsize=None):
    """Histograms of one or more groups of numbers, overlaid on the same bins.

    Whole numbers (counts such as noticed messages or visits) get one bar per value, centred on it.

    Parameters
    ----------
    data : Series, DataFrame or dict
        The values: one Series, a frame (one group per column, missing values left out), or a dict of
        group name -> values (the groups may differ in size).
    title, xlabel : str, optional
        The title and the label of the value axis.
    ylabel : str
        The label of the count axis.
    bins : int or sequence of float, optional
        The number of bins or their edges (default: one per whole number for whole numbers, else 20).
    vline : float, (float, str) or list of them, optional
        Values to mark with dashed vertical lines, each with an optional label (e.g. ``(7, "the rule: 7")``,
        or ``[(30, "30 days"), (60, "60 days")]``).
    figsize : tuple of float, optional
        Width and height in inches.

    Returns
    -------
    Figure
        A matplotlib Figure, with a legend when there is more than one group.

    Raises
    ------
    ValueError
        When ``data`` holds no numbers to count.

    Examples
    --------
    >>> fig = histogram({"ads": [5, 7, 7, 9], "word of mouth": [0, 0, 1]}, xlabel="noticed messages",
    ...                 vline=(7, "the rule: 7"))
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['ads', 'word of mouth', 'the rule: 7']
    >>> float(sum(p.get_height() for p in fig.axes[0].patches))  # every value counted once
    7.0
    >>> fig = histogram(pd.Series([3, 40, 41, 75]), bins=[0, 30, 60, 90], vline=[(30, "30 days"), (60, "60 days")])
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['30 days', '60 days']
    """
    import numpy as np

    groups = {name: values.dropna().astype(float) for name, values in _groups(data, "histogram").items()}
    every = np.concatenate([values.to_numpy() for values in groups.values()])
    if every.size == 0:
        raise ValueError("histogram got no values to count (all groups are empty or missing)")
    if bins is None:
        if np.all(np.equal(np.mod(every, 1), 0)) and every.max() - every.min() <= 200:
            bins = np.arange(every.min(), every.max() + 2) - 0.5
        else:
            bins = 20
    edges = np.histogram_bin_edges(every, bins=bins)
    whole = bool(np.allclose(np.diff(edges), 1.0) and np.allclose(np.mod(edges, 1), 0.5))
    with style(**{"axes.grid.axis": "y"}):
        fig, ax = _figure(figsize)
        if whole:  # one bar per whole number: ticks on whole numbers only
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for number, (name, values) in enumerate(groups.items()):
            ax.hist(values.to_numpy(), bins=edges, alpha=0.6 if len(groups) > 1 else 0.9,
                    color=PALETTE[number % len(PALETTE)], label=name if len(groups) > 1 and name else "_" + name,
                    edgecolor="white", linewidth=0.5)
        for where in vline if isinstance(vline, list) else [] if vline is None else [vline]:
            _mark(ax, where, "x")
        _legend(ax, loc="upper right")
        _labels(ax, title, xlabel, ylabel)
    return fig


def line_chart(data, title=None, xlabel=None, ylabel=None, *, percent=False, vline=None, hline=None, ylim=None,
               markers=True, figsize=None):
    """Lines of a value against a number (hour of the day, number of messages, a threshold): one line
    per column, or side-by-side panels.

    Parameters
    ----------
    data : Series, DataFrame or dict
        A Series (one line) or a frame (one line per column), indexed by the number on the x axis.
        A dict of panel name -> Series or frame draws one panel per entry, side by side, each with
        its name as the y-axis label.
    title, xlabel, ylabel : str, optional
        The title and axis labels (``ylabel`` is not used with panels: each panel's name is its label).
    percent : bool or collection of str
        Write the y axis as percentages of 1: for every panel (True) or for the panels named.
    vline : float or (float, str), optional
        An x value to mark with a dashed vertical line in every panel, with an optional label.
    hline : float or (float, str), optional
        A y value to mark with a dashed horizontal line in every panel, with an optional label.
    ylim : tuple of float, optional
        The limits of the y axis.
    markers : bool
        Mark each point with a dot.
    figsize : tuple of float, optional
        Width and height in inches.

    Returns
    -------
    Figure
        A matplotlib Figure, one axes per panel, with a legend where a panel has several lines.

    Raises
    ------
    ValueError
        When a line's index is not numbers (draw categories with :func:`bar`) or a panel is empty.

    Examples
    --------
    >>> by_hour = pd.DataFrame({"shop": [0.02, 0.05, 0.09], "service": [0.03, 0.04, 0.08]}, index=[8, 14, 20])
    >>> fig = line_chart(by_hour, xlabel="hour of the day", ylabel="share of orders", percent=True,
    ...                  hline=(1 / 24, "even spread"))
    >>> [line.get_label() for line in fig.axes[0].lines][:2]
    ['shop', 'service']
    >>> fig = line_chart({"suspects": pd.Series([90, 40], index=[0.3, 0.6]),
    ...                   "bought": pd.Series([0.1, 0.2], index=[0.3, 0.6])}, percent=["bought"], vline=0.5)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['suspects', 'bought']
    """
    panels = dict(data) if isinstance(data, dict) else {ylabel or "": data}
    if not panels:
        raise ValueError("line_chart got no panels to draw")
    frames = {}
    for name, values in panels.items():
        frame = values.to_frame(values.name if values.name is not None else name) if isinstance(values, pd.Series)             else pd.DataFrame(values)
        if frame.empty:
            raise ValueError(f"line_chart: the panel {name!r} has no values")
        index = frame.index
        if not (pd.api.types.is_numeric_dtype(index) or pd.api.types.is_datetime64_any_dtype(index)):
            raise ValueError(f"line_chart draws values against a number, but the index of {name or 'the data'!r} "
                             f"holds {index.dtype} values such as {index[0]!r}; draw categories with bar(...)")
        frames[name] = frame
    wanted = set(panels) if percent is True else set() if percent is False else {str(p) for p in percent}
    with style(**{"axes.grid.axis": "y"}):
        size = figsize or ((7.0, 3.6) if len(frames) == 1 else (4.6 * len(frames), 3.4))
        fig = _figure_class()(figsize=size, layout="constrained")
        axes = fig.subplots(1, len(frames), squeeze=False)[0]
        for ax, (name, frame) in zip(axes, frames.items()):
            for number, column in enumerate(frame.columns):
                ax.plot(frame.index, frame[column].to_numpy(dtype=float), marker="o" if markers else None,
                        markersize=4, linewidth=2, color=PALETTE[number % len(PALETTE)], label=str(column))
            index = frame.index
            if pd.api.types.is_integer_dtype(index) and index.nunique() <= 25:
                ax.set_xticks(sorted(set(index)))
            if name in wanted:
                _percent_axis(ax.yaxis)
            if ylim is not None:
                ax.set_ylim(*ylim)
            elif (frame.min(numeric_only=True) >= 0).all():
                ax.set_ylim(bottom=0)
            if vline is not None:
                _mark(ax, vline, "x")
            if hline is not None:
                _mark(ax, hline, "y")
            if len(frame.columns) == 1:
                ax.get_lines()[0].set_label("_" + str(frame.columns[0]))
            _legend(ax, loc="best")
            _labels(ax, None, xlabel, name if len(frames) > 1 else ylabel)
        if title:
            if len(frames) == 1:
                axes[0].set_title(title)
            else:
                fig.suptitle(title, fontweight="bold", x=0.01, ha="left")
    return fig


def stage_bar(counts, title="Contacts by relationship stage", *, value="count", order=None, percent=False,
              figsize=None):
    """Bars of contacts per relationship stage, in lifecycle order and the stage colours.

    ``counts`` is a Series indexed by stage, or a frame indexed by stage with a ``value`` column
    (such as the output of ``segments.stage_counts``). Stages missing from ``counts`` are left out;
    stages the colours do not know are drawn grey.

    Parameters
    ----------
    counts : Series or DataFrame
        Contacts (or shares) per stage: a Series indexed by stage, or a frame indexed by stage.
    title : str
        The title.
    value : str
        With a frame: the column to draw.
    order : list of str, optional
        The stages in the order to draw them (default: the lifecycle order of :data:`STAGE_COLORS`).
    percent : bool
        The values are shares: write them as percentages.
    figsize : tuple of float, optional
        Width and height in inches.

    Returns
    -------
    Figure
        A matplotlib Figure (shown as a PNG when it is a cell's last expression).

    Examples
    --------
    >>> fig = stage_bar(pd.Series({"lapsed": 4, "new": 7, "at_risk": 2, "active": 12}))
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['new', 'active', 'at risk', 'lapsed']
    """
    series = _as_series(counts, value if isinstance(counts, pd.DataFrame) and value in counts else None)
    series.index = series.index.astype(str)
    known = [stage for stage in (order or STAGE_COLORS) if stage in series.index]
    rest = [stage for stage in series.index if stage not in known]
    series = series.reindex(known + rest)
    colors = [STAGE_COLORS.get(stage, "#9aa5b1") for stage in series.index]
    series.index = [stage.replace("_", " ") for stage in series.index]
    return bar(series, title=title, ylabel="share of contacts" if percent else "contacts", colors=colors,
               percent=percent, figsize=figsize)


def funnel_chart(steps, title="Funnel", *, value=None, label=None, figsize=None):
    """A funnel: one centred bar per step, labelled with the count, the share of the first step and
    the conversion from the step before.

    ``steps`` is a Series (index = step names, in order) or a frame with a ``label`` column and a
    ``value`` column (default: its first numeric column).

    Parameters
    ----------
    steps : Series or DataFrame
        Contacts per step, in funnel order.
    title : str
        The title.
    value : str, optional
        With a frame: the column of counts (default: its first numeric column).
    label : str, optional
        With a frame: the column naming the steps (default: its index).
    figsize : tuple of float, optional
        Width and height in inches.

    Returns
    -------
    Figure
        A matplotlib Figure (shown as a PNG when it is a cell's last expression).

    Examples
    --------
    >>> fig = funnel_chart(pd.Series({"visit": 1000, "cart": 200, "purchase": 50}))
    >>> len(fig.axes[0].patches), fig.axes[0].texts[-1].get_text()
    (3, '50 · 5% of visit · 25% of previous')
    """
    series = _as_series(steps, value, label).astype(float)
    first = series.iloc[0] if len(series) and series.iloc[0] else float("nan")
    with style():
        fig, ax = _figure(figsize)
        widths = series.to_numpy()
        names = [str(item) for item in series.index]
        positions = range(len(series))
        ax.barh(positions, widths, left=-widths / 2, color=PALETTE[0], height=0.72)
        for position, count in enumerate(widths):
            text = f"{count:,.0f}"
            if position > 0:
                previous = widths[position - 1]
                text += f" · {count / first:.0%} of {names[0]}"
                text += f" · {count / previous:.0%} of previous" if previous else ""
            ax.text(max(widths.max() / 2 * 1.02, count / 2 + widths.max() * 0.02), position, text,
                    va="center", ha="left", fontsize=9, color="#3e4c59")
        ax.set_yticks(list(positions), names)
        ax.tick_params(axis="y", length=0)
        ax.invert_yaxis()
        ax.set_xticks([])
        ax.grid(False)
        ax.spines[["left", "bottom"]].set_visible(False)
        ax.set_xlim(-widths.max() / 2 * 1.05, widths.max() * 1.25)
        _labels(ax, title)
    return fig


def _heatmap(matrix: pd.DataFrame, title, xlabel, ylabel, fmt, cmap, figsize, colorbar_label):
    import numpy as np

    values = matrix.to_numpy(dtype=float)
    with style(**{"axes.grid": False}):
        height = max(2.5, 0.38 * len(matrix) + 1.2)
        fig, ax = _figure(figsize or (max(5.0, 0.62 * matrix.shape[1] + 2.2), height))
        image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, aspect="auto")
        ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns])
        ax.set_yticks(range(matrix.shape[0]), [str(r) for r in matrix.index])
        finite = values[np.isfinite(values)]
        middle = (finite.min() + finite.max()) / 2 if finite.size else 0
        if fmt:
            for (row, column), cell in np.ndenumerate(values):
                if np.isfinite(cell):
                    ax.text(column, row, fmt.format(cell), ha="center", va="center", fontsize=8,
                            color="white" if cell > middle else "#1f2933")
        fig.colorbar(image, ax=ax, label=colorbar_label, shrink=0.85)
        ax.spines[["left", "bottom"]].set_visible(False)
        _labels(ax, title, xlabel, ylabel)
    return fig


def cohort_heatmap(matrix, title="Retention by cohort", *, fmt="{:.0%}", xlabel="periods since first purchase",
                   ylabel="cohort", cmap="Blues", figsize=None, colorbar_label="share still buying"):
    """Heatmap of a cohort matrix (rows = cohorts, columns = periods since the start); missing cells
    (periods not yet reached) stay blank.

    Parameters
    ----------
    matrix : DataFrame
        Rows are cohorts, columns periods, as ``cohorts.retention_matrix`` or ``revenue_matrix`` return them.
    title : str
        The title.
    fmt : str or None
        The format of the number written in each cell (None: no numbers).
    xlabel, ylabel : str
        The axis labels.
    cmap : str
        The matplotlib colour map.
    figsize : tuple of float, optional
        Width and height in inches (default: from the matrix's size).
    colorbar_label : str
        The label of the colour bar.

    Returns
    -------
    Figure
        A matplotlib Figure (shown as a PNG when it is a cell's last expression).

    Examples
    --------
    >>> m = pd.DataFrame([[1.0, 0.4, 0.3], [1.0, 0.5, float("nan")]], index=["2024-01", "2024-02"])
    >>> fig = cohort_heatmap(m)
    >>> len(fig.axes[0].texts)  # one label per known cell
    5
    """
    return _heatmap(pd.DataFrame(matrix), title, xlabel, ylabel, fmt, cmap, figsize, colorbar_label)


def rfm_grid(scores, title="Customers by recency and frequency score", *, x="R", y="F", value=None, aggfunc="count", fmt="{:,.0f}", cmap="Greens", figsize=None):
    """Grid of customers by two RFM scores: the count per cell, or ``aggfunc`` of column ``value``
    (e.g. ``value="monetary_value", aggfunc="mean"``). Highest scores sit top right.

    ``scores`` has one row per customer with the score columns ``x`` and ``y`` (by default ``R``
    and ``F``, as ``rfm.rfm_scores`` returns them).

    Parameters
    ----------
    scores : DataFrame
        One row per customer with the score columns ``x`` and ``y``.
    title : str
        The title.
    x, y : str
        The score columns across and up.
    value : str, optional
        A column to aggregate per cell instead of counting customers.
    aggfunc : str
        How to aggregate ``value`` (``"mean"``, ``"sum"``, ...).
    fmt : str
        The format of the number written in each cell.
    cmap : str
        The matplotlib colour map.
    figsize : tuple of float, optional
        Width and height in inches (default: from the grid's size).

    Returns
    -------
    Figure
        A matplotlib Figure (shown as a PNG when it is a cell's last expression).

    Examples
    --------
    >>> s = pd.DataFrame({"R": [1, 5, 5, 3], "F": [1, 5, 4, 3]})
    >>> fig = rfm_grid(s)
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['1', '1', '1', '1']
    """
    if value is None:
        grid = pd.crosstab(scores[y], scores[x])
        label = "customers"
    else:
        grid = scores.pivot_table(index=y, columns=x, values=value, aggfunc=aggfunc)
        label = f"{aggfunc} of {value}"
    grid = grid.sort_index(ascending=False).sort_index(axis=1)
    if value is None:
        grid = grid.where(grid > 0)
    names = {"R": "R score (recency)", "F": "F score (frequency)", "M": "M score (monetary value)"}
    return _heatmap(grid, title, names.get(x, x.replace("_", " ")), names.get(y, y.replace("_", " ")), fmt, cmap,
                    figsize, label)


def clv_curve(values, title="Cumulative value per customer", *, xlabel="year", ylabel="EUR", figsize=None):
    """Lines of value over time: a Series (one line) or a frame (one line per column), indexed by
    period (e.g. year 1..5). The last value of each line is written at its end.

    Parameters
    ----------
    values : Series or DataFrame
        The value so far per period: one line, or one per column.
    title : str
        The title.
    xlabel, ylabel : str
        The axis labels.
    figsize : tuple of float, optional
        Width and height in inches.

    Returns
    -------
    Figure
        A matplotlib Figure (shown as a PNG when it is a cell's last expression).

    Examples
    --------
    >>> fig = clv_curve(pd.DataFrame({"loyal": [200, 380, 540], "discount hunter": [80, 120, 140]},
    ...                              index=[1, 2, 3]))
    >>> len(fig.axes[0].lines)
    2
    """
    frame = values.to_frame(values.name or "value") if isinstance(values, pd.Series) else pd.DataFrame(values)
    with style(**{"axes.grid.axis": "y"}):
        fig, ax = _figure(figsize)
        for column in frame.columns:
            line = frame[column].astype(float)
            ax.plot(line.index, line.to_numpy(), marker="o", linewidth=2, label=str(column))
            ax.annotate(f"{line.iloc[-1]:,.0f}", (line.index[-1], line.iloc[-1]), textcoords="offset points",
                        xytext=(6, 0), va="center", fontsize=9)
        if len(frame.columns) > 1:
            ax.legend()
        ax.set_ylim(bottom=0)
        _labels(ax, title, xlabel, ylabel)
    return fig


def timeline(events, time="timestamp", label="event", title="Timeline", *, color_by=None, figsize=None):
    """One row per kind of event (``label``) and a mark at each time: a contact's journey at a glance.

    Parameters
    ----------
    events : DataFrame
        One row per event, such as one contact's rows of the events table.
    time : str
        The column with the event times.
    label : str
        The column naming the kind of event (one row of the chart each, in order of first appearance).
    title : str
        The title.
    color_by : str, optional
        A column whose values get one colour each (e.g. the channel), with a legend.
    figsize : tuple of float, optional
        Width and height in inches (default: from the number of rows).

    Returns
    -------
    Figure
        A matplotlib Figure (shown as a PNG when it is a cell's last expression).

    Examples
    --------
    >>> ev = pd.DataFrame({"timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-04"]),
    ...                    "event": ["ad_impression", "visit", "purchase"]})
    >>> fig = timeline(ev)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['ad_impression', 'visit', 'purchase']
    """
    frame = events.sort_values(time)
    rows = list(dict.fromkeys(frame[label].astype(str)))
    position = {name: number for number, name in enumerate(rows)}
    with style(**{"axes.grid.axis": "x"}):
        fig, ax = _figure(figsize or (7.0, max(2.0, 0.45 * len(rows) + 1.2)))
        ys = frame[label].astype(str).map(position)
        if color_by is None:
            ax.scatter(frame[time], ys, s=36, color=PALETTE[0], zorder=3)
        else:
            for number, (group, part) in enumerate(frame.groupby(color_by, sort=True, observed=True)):
                ax.scatter(part[time], part[label].astype(str).map(position), s=36, zorder=3,
                           color=PALETTE[number % len(PALETTE)], label=str(group))
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_yticks(range(len(rows)), rows)
        ax.invert_yaxis()
        ax.set_ylim(len(rows) - 0.5, -0.5)
        fig.autofmt_xdate()
        _labels(ax, title)
    return fig


def snake_plot(data, title="Clusters across the features", *, cluster="cluster", feature="feature", value="value",
               figsize=None):
    """A snake plot: one line per cluster across the features, 0 being the average customer.

    Parameters
    ----------
    data : DataFrame
        Long form, one row per cluster and feature, as
        :func:`lifecycle_lib.analytics.clusters.snake_plot_data` returns it.
    title : str
        The title.
    cluster, feature, value : str
        The columns with the cluster, the feature and the standardised mean.
    figsize : tuple of float, optional
        Width and height in inches.

    Returns
    -------
    Figure
        A matplotlib Figure, the clusters in the legend in their order.

    Raises
    ------
    ValueError
        When ``data`` lacks one of the three columns.

    Examples
    --------
    >>> snake = pd.DataFrame({"cluster": ["C1", "C1", "C2", "C2"], "feature": ["frequency", "monetary"] * 2,
    ...                       "value": [0.9, 1.1, -0.9, -1.1]})
    >>> fig = snake_plot(snake)
    >>> [line.get_label() for line in fig.axes[0].lines if not line.get_label().startswith("_")]
    ['C1', 'C2']
    """
    missing = [c for c in (cluster, feature, value) if c not in getattr(data, "columns", [])]
    if missing:
        raise ValueError(f"a snake plot needs the columns {cluster!r}, {feature!r} and {value!r}; missing {missing} "
                         f"(pass clusters.snake_plot_data(...))")
    wide = data.pivot_table(index=feature, columns=cluster, values=value, observed=False, sort=False)
    with style(**{"axes.grid.axis": "y"}):
        fig, ax = _figure(figsize)
        positions = range(len(wide.index))
        for name in wide.columns:
            ax.plot(list(positions), wide[name].to_numpy(dtype=float), marker="o", linewidth=2, label=str(name))
        ax.axhline(0, color="#888888", linewidth=1, linestyle="--", label="_average")
        ax.set_xticks(list(positions), [str(f) for f in wide.index])
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
        _labels(ax, title, "feature", "standardised mean (0 = average)")
    return fig


def k_choice_plot(table, title="Choosing the number of clusters", *, chosen=None, figsize=None):
    """The elbow (inertia) and the silhouette for each number of clusters tried, side by side.

    Parameters
    ----------
    table : DataFrame
        Indexed by ``k``, with ``inertia`` and ``silhouette``, as ``choose_k(...).table``.
    title : str
        The title over both panels.
    chosen : int, optional
        The k to mark on both panels (``choose_k(...).k``).
    figsize : tuple of float, optional
        Width and height in inches.

    Returns
    -------
    Figure
        A matplotlib Figure with two axes.

    Raises
    ------
    ValueError
        When ``table`` lacks ``inertia`` or ``silhouette``.

    Examples
    --------
    >>> table = pd.DataFrame({"inertia": [40.0, 12.0, 10.0], "silhouette": [0.55, 0.71, 0.5]},
    ...                      index=pd.Index([2, 3, 4], name="k"))
    >>> fig = k_choice_plot(table, chosen=3)
    >>> len(fig.axes), [ax.get_ylabel() for ax in fig.axes]
    (2, ['inertia (lower: tighter clusters)', 'silhouette (higher: better separated)'])
    """
    missing = [c for c in ("inertia", "silhouette") if c not in getattr(table, "columns", [])]
    if missing:
        raise ValueError(f"a k-choice plot needs the columns 'inertia' and 'silhouette'; missing {missing} "
                         f"(pass clusters.choose_k(...).table)")
    with style(**{"axes.grid.axis": "y"}):
        fig = _figure_class()(figsize=figsize or (9, 3.4), layout="constrained")
        axes = fig.subplots(1, 2)
        ks = [int(k) for k in table.index]
        for ax, column, label, color in ((axes[0], "inertia", "inertia (lower: tighter clusters)", PALETTE[0]),
                                         (axes[1], "silhouette", "silhouette (higher: better separated)", PALETTE[1])):
            ax.plot(ks, table[column].to_numpy(dtype=float), marker="o", linewidth=2, color=color)
            if chosen is not None:
                ax.axvline(int(chosen), color="#888888", linestyle="--", linewidth=1)
            ax.set_xticks(ks)
            _labels(ax, None, "number of clusters k", label)
        if chosen is not None:
            axes[1].annotate(f"k = {int(chosen)}", (int(chosen), float(table["silhouette"].max())),
                             textcoords="offset points", xytext=(6, -4), fontsize=9)
        fig.suptitle(title)
    return fig
