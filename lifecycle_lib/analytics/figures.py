"""Key figures under one name, and the words that judge numbers, chosen from the numbers.

A lesson that shows "2,219 buyers" and another that shows "2,048 buyers" confuse a reader unless
each says why. A lesson that writes "more" beside two numbers is wrong as soon as another data
variant turns them round. This module keeps both honest:

* :func:`figure` gives a quantity its course-wide name ("shop buyers") and, when two lessons must
  count it differently (another date, another definition), the reason, which the lesson shows;
* :func:`compare`, :func:`interval` and :func:`level` choose the judging word of a sentence from the
  numbers it judges, by a rule stated in the call;
* :func:`key_counts` is the one call that counts contacts, buyers, orders and the people in each
  relationship stage.

Every call is recorded: in this process (:func:`recorded`) and, when the environment variable
``LIFECYCLE_FIGURES_LOG`` names a file, as one JSON line there, with the number of the notebook cell
that made it. The course's tests run every lesson with that log and fail when one name has two
values without a reason shown in the lesson, or when a shown sentence does not carry the word its
numbers call for.
"""

from __future__ import annotations

import json
import math
import os
from numbers import Real

import numpy as np
import pandas as pd

from lifecycle_lib.analytics import segments

__all__ = ["LOG_VARIABLE", "figure", "compare", "interval", "level", "difference", "rate_ratio", "key_counts",
           "recorded", "forget"]

#: The environment variable naming the file the records are appended to (one JSON object per line).
LOG_VARIABLE = "LIFECYCLE_FIGURES_LOG"

_RECORDS: list[dict] = []


def _cell() -> int | None:
    """The execution count of the notebook cell running now (its ``In [n]``), or None outside IPython.

    IPython counts the cell on before running it, so the running cell's own number is one less.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with every kernel
        return None
    shell = get_ipython()
    return None if shell is None else int(shell.execution_count) - 1


def _plain(value):
    """A number as a JSON-friendly float or int (numpy scalars included); anything else unchanged."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, Real | np.number):
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    return value


def _record(kind: str, name: str, **fields) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a key figure or verdict needs a name, not {name!r}")
    entry = {"kind": kind, "name": name, "cell": _cell(), **{k: _plain(v) for k, v in fields.items()}}
    _RECORDS.append(entry)
    path = os.environ.get(LOG_VARIABLE)
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry, default=str) + "\n")


def _number(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a number, not {type(value).__name__} {value!r}") from None
    if math.isnan(number):
        raise ValueError(f"{what} is not a number (nan): a verdict needs numbers to judge")
    return number


def figure(name: str, value, *, why: str | None = None):
    """Record a key figure under its course-wide name and return it unchanged.

    Parameters
    ----------
    name : str
        The quantity, the same in every lesson that shows it: ``"shop buyers"``, ``"shop new customers"``.
    value : number
        Its value here.
    why : str, optional
        When this lesson counts the quantity differently from the others (another date, another
        definition): the reason, in the words the lesson shows beside the number.

    Returns
    -------
    number
        ``value``, so the call can sit inside a sentence.

    Examples
    --------
    >>> forget()
    >>> figure("shop buyers", 2219)
    2219
    >>> figure("shop buyers", 2048, why="counted on 1 July 2025, before the second half-year")
    2048
    >>> [(r["name"], r["value"], r["why"]) for r in recorded()]
    [('shop buyers', 2219, None), ('shop buyers', 2048, 'counted on 1 July 2025, before the second half-year')]
    """
    _number(value, f"the key figure {name!r}")
    _record("figure", name, value=value, why=why)
    return value


def compare(
    name: str, a, b, words=("more", "less", "about the same"), *, tolerance: float = 0.0, relative: bool = False
) -> str:
    """The word that says how ``a`` stands against ``b``: ``words[0]`` above, ``words[1]`` below, ``words[2]`` level.

    ``a`` and ``b`` count as level when they differ by no more than ``tolerance`` (in their own
    unit, or as a share of ``abs(b)`` when ``relative``).

    Parameters
    ----------
    name : str
        What is compared, e.g. ``"advocates' spend vs other customers'"``.
    a, b : number
        The two numbers the sentence shows.
    words : tuple of three str
        The words for above, below and level, as the sentence reads them.
    tolerance : float, default 0
        The largest difference still called level.
    relative : bool, default False
        Read ``tolerance`` as a share of ``abs(b)``.

    Returns
    -------
    str
        One of ``words``.

    Examples
    --------
    >>> compare("repeat rate, email vs none", 0.31, 0.25, ("higher than", "lower than", "the same as"))
    'higher than'
    >>> compare("orders a month", 0.46, 0.61)
    'less'
    >>> compare("spend", 101.0, 100.0, tolerance=0.05, relative=True)
    'about the same'
    """
    above, below, same = words
    x, y = _number(a, f"{name}: the first number"), _number(b, f"{name}: the second number")
    allowed = tolerance * abs(y) if relative else tolerance
    word = above if x - y > allowed else below if y - x > allowed else same
    _record("compare", name, a=x, b=y, tolerance=float(allowed), word=word, words=list(words))
    return word


def interval(name: str, low, high, words=("above", "below", "cannot be told apart from"), *, null: float = 0.0) -> str:
    """The word a confidence interval calls for: ``words[0]`` when it lies above ``null``, ``words[1]`` below, else ``words[2]``.

    Parameters
    ----------
    name : str
        What the interval is of, e.g. ``"lift of a late delivery"``.
    low, high : number
        The interval's ends.
    words : tuple of three str
        The words for wholly above, wholly below and containing ``null``.
    null : float, default 0
        The value of "no difference" (0 for a difference, 1 for a ratio or lift).

    Returns
    -------
    str
        One of ``words``.

    Examples
    --------
    >>> interval("lift", 1.2, 2.5, ("above 1 beyond chance", "below 1 beyond chance", "not clear of 1"), null=1)
    'above 1 beyond chance'
    >>> interval("difference in points", -3.0, 4.0)
    'cannot be told apart from'
    """
    above, below, unclear = words
    lo, hi = _number(low, f"{name}: the interval's low end"), _number(high, f"{name}: the interval's high end")
    if lo > hi:
        raise ValueError(f"{name}: the interval runs from {lo} down to {hi}; give the low end first")
    word = above if lo > null else below if hi < null else unclear
    _record("interval", name, low=lo, high=hi, null=float(null), word=word, words=list(words))
    return word


def difference(a, b) -> pd.Series:
    """The mean of ``a`` minus the mean of ``b``, with a 95% interval, for :func:`interval` to read.

    For True/False values (shares) the interval is Agresti and Caffo's: one success and one failure are
    added to each group first, which keeps it honest for small groups and for shares of 0 or 1. For
    other numbers it is the normal approximation with each group's own variance (Welch's).

    Parameters
    ----------
    a, b : array-like of bool or number
        The two groups' values, one per person (missing values are left out).

    Returns
    -------
    pandas.Series
        ``first`` and ``second`` (the two means), ``n first``, ``n second``, ``difference``, ``low``
        and ``high``; the ends are missing when a group is empty.

    Examples
    --------
    >>> d = difference([True] * 30 + [False] * 70, [True] * 15 + [False] * 85)
    >>> d[["difference", "low", "high"]].round(3).tolist()
    [0.15, 0.033, 0.261]
    >>> interval("share, a minus b", d["low"], d["high"])
    'above'
    >>> difference([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])[["difference", "low", "high"]].round(2).tolist()
    [2.0, -0.53, 4.53]
    """
    a = pd.Series(a, dtype=float).dropna()
    b = pd.Series(b, dtype=float).dropna()
    gap = a.mean() - b.mean()  # missing when a group is empty, and so are the ends
    if pd.concat([a, b]).isin([0, 1]).all():
        pa, pb = (a.sum() + 1) / (len(a) + 2), (b.sum() + 1) / (len(b) + 2)
        centre, margin = pa - pb, 1.96 * math.sqrt(pa * (1 - pa) / (len(a) + 2) + pb * (1 - pb) / (len(b) + 2))
    else:
        spread = (a.var() / len(a) if len(a) > 1 else 0.0) + (b.var() / len(b) if len(b) > 1 else 0.0)
        centre, margin = gap, 1.96 * math.sqrt(spread)
    if not (len(a) and len(b)):
        centre = float("nan")
    return pd.Series({"first": a.mean(), "second": b.mean(), "n first": len(a), "n second": len(b),
                      "difference": gap, "low": centre - margin, "high": centre + margin})


def rate_ratio(events_a: int, n_a: int, events_b: int, n_b: int) -> pd.Series:
    """The ratio of two rates (``events_a / n_a`` over ``events_b / n_b``) with its 95% interval on the log scale.

    The interval is Katz's, as :func:`scipy.stats.contingency.relative_risk` computes it; read it
    with :func:`interval` and ``null=1``.

    Parameters
    ----------
    events_a, n_a : int
        Events (e.g. customers who lapsed) and people in the first group.
    events_b, n_b : int
        The same for the group compared against.

    Returns
    -------
    pandas.Series
        ``ratio``, ``low`` and ``high``: the ratio is missing when a group is empty or the second has no
        event; the ends are missing also when the first has none.

    Examples
    --------
    >>> r = rate_ratio(10, 100, 5, 100)
    >>> r.round(3).tolist()
    [2.0, 0.709, 5.642]
    >>> interval("lift", r["low"], r["high"], ("above 1", "below 1", "not clear of 1"), null=1)
    'not clear of 1'
    >>> rate_ratio(0, 50, 5, 100).tolist()
    [0.0, nan, nan]
    """
    from scipy.stats.contingency import relative_risk

    counts = [int(events_a), int(n_a), int(events_b), int(n_b)]
    if min(counts[1:]) == 0:
        return pd.Series({"ratio": float("nan"), "low": float("nan"), "high": float("nan")})
    if counts[0] == 0:  # a ratio of 0 has no interval on the log scale
        return pd.Series({"ratio": 0.0, "low": float("nan"), "high": float("nan")})
    result = relative_risk(*counts)
    ci = result.confidence_interval(confidence_level=0.95)
    return pd.Series({"ratio": float(result.relative_risk), "low": float(ci.low), "high": float(ci.high)})


def level(name: str, value, levels) -> str:
    """The word of the highest level ``value`` reaches: ``levels`` is ``[(bound, word), ..., (None, word)]``, highest first.

    Parameters
    ----------
    name : str
        What is judged, e.g. ``"top tenth's share of referrals"``.
    value : number
        The number the sentence shows.
    levels : list of (float or None, str)
        Bounds from the highest down, each with the word for values at or above it; the last bound
        is ``None``, the word for everything below.

    Returns
    -------
    str
        The word of the first bound that ``value`` reaches.

    Examples
    --------
    >>> levels = [(0.5, "most of the referrals"), (0.2, "more than their share"), (None, "about their share")]
    >>> level("top tenth's share", 0.22, levels)
    'more than their share'
    >>> level("top tenth's share", 0.61, levels)
    'most of the referrals'
    """
    levels = list(levels)
    bounds = [bound for bound, _ in levels]
    if not levels or bounds[-1] is not None or any(b is None for b in bounds[:-1]):
        raise ValueError(f"{name}: levels are [(bound, word), ..., (None, word)], the highest bound first")
    if any(x < y for x, y in zip(bounds[:-2], bounds[1:-1])):
        raise ValueError(f"{name}: the bounds must go from the highest down, not {bounds[:-1]}")
    x = _number(value, name)
    word = next(w for bound, w in levels if bound is None or x >= bound)
    _record("level", name, value=x, word=word, levels=[[b, w] for b, w in levels])
    return word


def key_counts(tables: dict, observation_period_end=None, *, why: str | None = None) -> pd.DataFrame:
    """Contacts, buyers, orders and the people in each relationship stage, per business: the course's one count of each.

    Each value is also recorded as a key figure named ``"<business> <quantity>"`` (``"shop buyers"``,
    ``"service new customers"``), so a lesson that shows one of them with another value must say why.

    Parameters
    ----------
    tables : dict
        The course's tables (``datasets.load_all()``): every table the stages are judged from
        (``contacts``, ``orders``, ``events``, ``subscriptions``, ``tickets``, ``reviews``,
        ``referrals``), so that no lesson counts leads as prospects for want of the web events.
    observation_period_end : date-like, optional
        The date everything is counted on: contacts first seen before it, orders placed before it
        and the stages as of it. By default the day after the last order or event (everything).
    why : str, optional
        When these counts differ from the course's usual ones (another date): the reason the
        lesson shows, recorded with every figure.

    Returns
    -------
    pandas.DataFrame
        One column per business, rows ``contacts``, ``buyers`` (contacts with at least one order,
        returned ones included), ``orders`` (distinct order ids) and one row per relationship stage
        (``new customers``, ``active customers``, ... ``leads``, ``suspects``).

    Examples
    --------
    >>> from lifecycle_lib import datasets
    >>> forget()
    >>> counts = key_counts(datasets.load_all())
    >>> bool(counts.loc["buyers", "shop"] == datasets.load_orders().query("business == 'shop'")["contact_id"].nunique())
    True
    >>> recorded()[1]["name"]
    'shop buyers'
    >>> earlier = key_counts(datasets.load_all(), "2025-01-01", why="a year earlier")
    >>> bool(earlier.loc["contacts", "shop"] == earlier["shop"].drop(["contacts", "buyers", "orders"]).sum())
    True
    """
    missing = [name for name in segments.STAGE_TABLES if name not in tables]
    if missing:
        raise ValueError(
            f"key_counts judges the stages from every table; {', '.join(missing)} missing: pass "
            "datasets.load_all() (or the same tables of a simulation)"
        )
    contacts, orders = tables["contacts"], tables["orders"]
    stages = segments.relationship_stages(tables, observation_period_end=observation_period_end)
    if observation_period_end is not None:
        # As of a past date: the contacts the stages kept (already seen) and the orders already placed.
        contacts = contacts[contacts["contact_id"].isin(stages.index)]
        orders = orders[pd.to_datetime(orders["order_date"]) < pd.Timestamp(observation_period_end)]
    rows = {}
    for business, people in contacts.groupby("business", observed=True):
        bought = orders[orders["business"] == business]
        column = {
            "contacts": len(people),
            "buyers": int(bought["contact_id"].nunique()),
            "orders": int(bought["order_id"].nunique()),
        }
        placed = stages[stages.index.isin(people["contact_id"])]["stage"]
        for stage, n in placed.value_counts().reindex(placed.cat.categories, fill_value=0).items():
            column[_stage_row(stage)] = int(n)
        rows[str(business)] = column
    table = pd.DataFrame(rows)
    for business, column in table.items():
        for quantity, value in column.items():
            figure(f"{business} {quantity}", int(value), why=why)
    return table


def _stage_row(stage: str) -> str:
    """``new`` -> ``new customers``; the stages before a purchase keep their plural names."""
    people = {"suspect": "suspects", "prospect": "prospects", "lead": "leads", "advocate": "advocates"}
    return people.get(stage, f"{str(stage).replace('_', '-')} customers")


def recorded() -> list[dict]:
    """The figures and verdicts recorded in this process so far, oldest first (copies).

    Returns
    -------
    list of dict
        Each with ``kind`` (``figure``, ``compare``, ``interval``, ``level``), ``name``, ``cell`` and the
        numbers and word of the call.

    Examples
    --------
    >>> forget(); _ = compare("a vs b", 2, 1)
    >>> recorded()[0]["word"]
    'more'
    """
    return [dict(entry) for entry in _RECORDS]


def forget() -> None:
    """Clear the records of this process (not the log file).

    Examples
    --------
    >>> forget()
    >>> recorded()
    []
    """
    _RECORDS.clear()
