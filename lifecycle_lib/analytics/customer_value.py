"""What the customers of an orders file are worth, and what to do next: sections 5 and 6 of the capstone report.

- :func:`value_summary`: what each customer has spent, and a 5-year value from the BG/NBD and
  Gamma-Gamma models where the file has enough repeat buying, from the rule *annual spend x
  retention* where it has not; :attr:`Value.fallback` says in words why a simpler method was used;
- :func:`priorities`: the action of each RFM segment and relationship stage, the groups with the
  most future value first.

Both take plain tables (the clean orders of :func:`lifecycle_lib.data.readers.read_orders`,
:func:`lifecycle_lib.analytics.customers.customer_table` and its summaries) and do not change them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lifecycle_lib.analytics import clv, rfm, segments
from lifecycle_lib.analytics._orders import has_data, require_customers, require_orders
from lifecycle_lib.data.contracts import require_columns

__all__ = ["MODELS", "Value", "value_summary", "Priorities", "priorities", "CUSTOMER_LIST_COLUMNS", "customer_list"]

#: The columns of :func:`customer_list`, in order: the CSV a shop owner can act on.
CUSTOMER_LIST_COLUMNS = ("customer_id", "stage", "segment", "last_order", "orders", "spend", "p_alive",
                         "five_year_value", "next_action")

#: The methods of the 5-year value, as :attr:`Value.model` names them.
MODELS = ("BG/NBD and Gamma-Gamma", "BG/NBD and own average order value", "annual spend x retention")

_GAMMA_GAMMA_DIVERGED = ("the Gamma-Gamma fit ran off to extreme parameters (spend per order varies too little "
                         "between customers for it)")


@dataclass(frozen=True)
class Value:
    """What the customers are worth: so far, over five years, and by RFM segment.

    Attributes
    ----------
    historical : pandas.DataFrame
        :func:`lifecycle_lib.analytics.clv.historical_value`: spend so far per customer, best first.
    five_year : pandas.Series
        Expected spend of each customer over the next five years.
    by_segment : pandas.DataFrame
        Per RFM segment with customers: ``customers``, ``spent so far (mean)``,
        ``5-year value (mean)`` and ``5-year value (total)``.
    model : str
        Which of :data:`MODELS` gave the 5-year value.
    method : str
        The method in a sentence, with the reason for a fallback.
    fallback : str or None
        Why a simpler method than BG/NBD and Gamma-Gamma was used; None when they were.
    retention : float or None
        The yearly retention of the *annual spend x retention* rule (None when a model was used).
    fitted_on : int or None
        How many customers the models were fitted on (None when no model was fitted).
    top_n, top_share : int, float
        The top 20% of customers (``top_n`` of them) and their share of revenue.
    p_alive : pandas.Series or None
        Each customer's probability of still being a customer (BG/NBD), None when it was not fitted.
    retention_is : str or None
        What ``retention`` is, in words (None when a model was used).

    >>> Value(pd.DataFrame(), pd.Series([120.0, 30.0]), pd.DataFrame(), MODELS[2], "the rule", "too few", 0.5,
    ...       None, 1, 0.8)
    Value(5-year value 150 in total, 75 per customer, by annual spend x retention; fallback: too few)
    """

    historical: pd.DataFrame
    five_year: pd.Series
    by_segment: pd.DataFrame
    model: str
    method: str
    fallback: str | None
    retention: float | None
    fitted_on: int | None
    top_n: int
    top_share: float
    p_alive: pd.Series | None = None
    retention_is: str | None = None

    def __repr__(self) -> str:
        fallback = f"; fallback: {self.fallback}" if self.fallback else ""
        return (f"Value(5-year value {self.five_year.sum():,.0f} in total, {self.five_year.mean():,.0f} per customer, "
                f"by {self.model}{fallback})")


def _fit_models(summary: pd.DataFrame, hist: pd.DataFrame, fit_sample: int, random_state: int):
    """Five-year values from BG/NBD and Gamma-Gamma: (values, model, fallback, fitted_on); raises when a fit fails."""
    with warnings.catch_warnings():  # a diverging fit is detected below and said in words
        warnings.simplefilter("ignore", RuntimeWarning)
        # Parameters describe the population, so a random sample of customers estimates them well
        # and keeps the fit to seconds on a large shop; the values are then computed for everyone.
        fit_on = summary.sample(min(len(summary), fit_sample), random_state=random_state)
        bg = clv.BetaGeo().fit(fit_on)
        # Gamma-Gamma models positive order values: repeat buyers whose orders average zero (free
        # samples, fully discounted orders) say nothing about spend and would stop the fit.
        gg = clv.GammaGamma().fit(fit_on[(fit_on["frequency"] > 0) & (fit_on["monetary_value"] > 0)])
        value5 = clv.five_year_value(summary, bg, gg)
        alive = pd.Series(bg.probability_alive(summary["frequency"], summary["recency"], summary["T"]),
                          index=summary.index, name="p_alive").clip(0, 1)
    gg_params = np.array(list(dict(gg.params_).values()), dtype=float)
    avg_ok = (np.isfinite(gg_params).all() and (gg_params > 1e-6).all() and (gg_params < 1e6).all()
              and np.isfinite(value5["expected_average_value"]).all())
    model, fallback = MODELS[0], None
    if not avg_ok:
        value5["expected_average_value"] = np.where(summary["frequency"] > 0, summary["monetary_value"],
                                                    hist["average_order_value"].reindex(summary.index))
        value5["value"] = value5["expected_purchases"] * value5["expected_average_value"]
        model, fallback = MODELS[1], _GAMMA_GAMMA_DIVERGED
    endless = ~np.isfinite(value5["value"].to_numpy(dtype=float))
    if endless.any():  # never an inf or NaN on a page: the caller falls back to the rule and says why
        raise ValueError(f"it gave no finite 5-year value for {int(endless.sum()):,} customer(s)")
    return value5["value"], model, fallback, len(fit_on), alive


def _yearly_retention(orders: pd.DataFrame, observation_period_end, repeat_share: float) -> tuple[float, str]:
    """The share of the year-before-last's customers who bought again in the last year, and what it is, in words.

    The year before last counts as seen when the file starts within its first month. A shorter file
    cannot follow one year's customers into the next: the share of customers who bought more than
    once (``repeat_share``) stands in, and the words say so.
    """
    end = pd.Timestamp(observation_period_end)
    year = pd.Timedelta(days=365)
    day = orders["order_date"]
    if day.min() <= end - 2 * year + pd.Timedelta(days=31):
        before = pd.unique(orders.loc[(day >= end - 2 * year) & (day < end - year), "customer_id"])
        if len(before):
            recent = orders.loc[(day >= end - year) & (day < end), "customer_id"]
            kept = float(pd.Index(before).isin(pd.unique(recent)).mean())
            return kept, (f"the share of the {len(before):,} customers of the year before last who bought again "
                          "in the last year")
    return repeat_share, ("the share of customers who bought more than once, as the file covers less than two "
                          "years and cannot follow one year's customers into the next")


def value_summary(
    orders: pd.DataFrame,
    customers: pd.DataFrame,
    observation_period_end,
    *,
    min_repeaters: int = 30,
    min_customers: int = 100,
    min_days: int = 90,
    fit_sample: int = 10_000,
    random_state: int = 0,
) -> Value:
    """What each customer has spent so far and is expected to spend over five years, and both by RFM segment.

    The BG/NBD model (how often and how long customers keep buying) and the Gamma-Gamma model (how
    much per order) are fitted to :func:`lifecycle_lib.analytics.rfm.rfm_summary` (in days) when at
    least ``min_repeaters`` of at least ``min_customers`` customers bought more than once over at
    least ``min_days`` days; on a random sample of ``fit_sample`` customers when there are more.
    When the Gamma-Gamma fit runs off to extreme parameters, each customer's own average order value
    replaces it. When there is too little repeat buying, or a fit fails, the value is
    :func:`lifecycle_lib.analytics.clv.simple_five_year_value` of the customer's spend per year since
    their first order (a year at least) with a yearly retention (at most 95%): the share of the
    customers of the year before last who bought again in the last year, or, in a file shorter than
    two years, the share of customers who bought again. Every fallback is named in
    :attr:`Value.fallback` and :attr:`Value.method`.

    Parameters
    ----------
    orders : pandas.DataFrame
        The clean orders (``OrdersFile.orders``).
    customers : pandas.DataFrame
        :func:`~lifecycle_lib.analytics.customers.customer_table` of the same orders (its ``segment``).
    observation_period_end : date-like
        The date the analysis looks from.
    min_repeaters, min_customers, min_days : int
        How much repeat buying the models need.
    fit_sample : int, default 10,000
        The most customers the models are fitted on.
    random_state : int, default 0
        The seed of that sample.

    Returns
    -------
    Value
        ``historical``, ``five_year``, ``by_segment``, ``model``, ``method``, ``fallback``,
        ``retention``, ``fitted_on``, ``top_n`` and ``top_share``.

    Examples
    --------
    Two customers, one of whom bought twice, over a year: too little for the models.

    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [100.0, 100.0, 50.0],
    ...                        "order_date": pd.to_datetime(["2024-01-01", "2024-07-01", "2024-12-31"])})
    >>> customers = pd.DataFrame({"segment": pd.Categorical(["Loyal", "New"], categories=rfm.SEGMENTS)},
    ...                          index=["a", "b"])
    >>> value = value_summary(orders, customers, "2025-01-01")
    >>> value.fallback
    'only 1 of 2 customers bought more than once, too few for BG/NBD'
    >>> value.retention, value.five_year.round(2).to_dict()
    (0.5, {'a': 386.71, 'b': 96.88})
    >>> value.by_segment[["customers", "spent so far (mean)", "5-year value (total)"]].round(2)  # doctest: +NORMALIZE_WHITESPACE
             customers  spent so far (mean)  5-year value (total)
    segment
    Loyal            1                200.0                386.71
    New              1                 50.0                 96.88
    """
    require_orders(orders)
    require_customers(customers, ["segment"])
    segment = customers["segment"]
    hist = clv.historical_value(orders, customer_id_col="customer_id", returned_col=None,
                                order_col="order_id" if has_data(orders, "order_id") else None)
    top_n = max(1, int(round(0.2 * len(hist))))
    top_share = float(hist["share_of_revenue"].head(top_n).sum())
    summary = rfm.rfm_summary(orders, customer_id_col="customer_id", datetime_col="order_date",
                              monetary_value_col="amount", observation_period_end=observation_period_end)
    repeaters = int((summary["frequency"] > 0).sum())
    span_days = (orders["order_date"].max() - orders["order_date"].min()).days
    five = model = fallback = fitted_on = retention = alive = retention_is = None
    fit_problem = None
    if repeaters >= min_repeaters and len(summary) >= min_customers and span_days >= min_days:
        try:
            five, model, fallback, fitted_on, alive = _fit_models(summary, hist, fit_sample, random_state)
        except Exception as exc:  # a fit that fails is reported, not hidden
            fit_problem = str(exc) or type(exc).__name__
    if model is None:
        # each customer's spend per year since their own first order (a year at least, so one recent
        # order is not multiplied up), not the file's whole span, which undercounts recent customers
        years_known = np.maximum(summary["T"].reindex(hist.index).to_numpy() / clv.DAYS_PER_YEAR, 1.0)
        annual = hist["total_spend"] / years_known
        retention, retention_is = _yearly_retention(orders, observation_period_end, repeaters / len(summary))
        retention = min(0.95, retention)
        five = pd.Series(clv.simple_five_year_value(annual.to_numpy(), retention), index=annual.index)
        model = MODELS[2]
        fallback = (f"the BG/NBD fit failed ({fit_problem})" if fit_problem else
                    f"only {repeaters:,} of {len(summary):,} customers bought more than once, too few for BG/NBD")
        method = (f"the rule annual spend x retention (each customer's spend per year since their first order, "
                  f"and a retention of {100 * retention:.0f}%, {retention_is}), because {fallback}")
    else:
        method = model if fallback is None else (
            f"BG/NBD for the number of purchases and each customer's own average order value, because {fallback}")
        if fitted_on < len(summary):
            method += f", fitted on a random sample of {fitted_on:,} customers"
    by_segment = pd.DataFrame({
        "customers": segment.value_counts(sort=False),
        "spent so far (mean)": hist["total_spend"].groupby(segment, observed=False).mean(),
        "5-year value (mean)": five.groupby(segment, observed=False).mean(),
        "5-year value (total)": five.groupby(segment, observed=False).sum(),
    })
    by_segment = by_segment[by_segment["customers"] > 0]
    if alive is not None and not np.isfinite(alive.to_numpy(dtype=float)).all():
        alive = None  # a probability that is not a number is not shown
    return Value(hist, five.rename("five_year_value"), by_segment, model, method, fallback, retention, fitted_on,
                 top_n, top_share, alive, retention_is if model == MODELS[2] else None)


@dataclass(frozen=True)
class Priorities:
    """What to do next: the RFM segments by future value with their action, and the action of each stage.

    Attributes
    ----------
    by_segment : pandas.DataFrame
        Per RFM segment, most future value first: ``customers``, ``5-year value (total)``, ``what to do``.
    by_stage : pandas.DataFrame
        Per relationship stage: the columns of the stage summary and ``what to do``.

    Examples
    --------
    >>> plan = pd.DataFrame({"customers": [3], "5-year value (total)": [900.0], "what to do": ["Reward them."]},
    ...                     index=pd.Index(["Champions"], name="segment"))
    >>> Priorities(plan, pd.DataFrame())
    Priorities(first: Champions, 3 customers, 900 of expected 5-year spend)
    """

    by_segment: pd.DataFrame
    by_stage: pd.DataFrame

    @property
    def first(self) -> str:
        """The segment to start with: the one with the most future value."""
        return self.by_segment.index[0]

    def __repr__(self) -> str:
        row = self.by_segment.iloc[0]
        return (f"Priorities(first: {self.first}, {row['customers']:,} customers, "
                f"{row['5-year value (total)']:,.0f} of expected 5-year spend)")


def priorities(by_segment: pd.DataFrame, stages: pd.DataFrame) -> Priorities:
    """The action for each RFM segment, most future value first, and for each relationship stage.

    The actions are :data:`lifecycle_lib.analytics.rfm.SEGMENT_TACTICS` and
    :data:`lifecycle_lib.analytics.segments.STAGE_TACTICS`.

    Parameters
    ----------
    by_segment : pandas.DataFrame
        :attr:`Value.by_segment`, indexed by segment, with ``customers`` and ``5-year value (total)``.
    stages : pandas.DataFrame
        :func:`~lifecycle_lib.analytics.customers.stage_summary`, indexed by stage.

    Returns
    -------
    Priorities
        ``by_segment`` (``customers``, ``5-year value (total)``, ``what to do``; most value first),
        ``by_stage`` (the columns of ``stages`` and ``what to do``) and :attr:`Priorities.first`.

    Examples
    --------
    >>> by_segment = pd.DataFrame({"customers": [2, 5], "5-year value (total)": [300.0, 900.0]},
    ...                           index=pd.Index(["New", "Champions"], name="segment"))
    >>> stages = pd.DataFrame({"customers": [7]}, index=pd.Index(["active"], name="stage"))
    >>> plan = priorities(by_segment, stages)
    >>> plan.first, plan.by_segment["customers"].tolist()
    ('Champions', [5, 2])
    >>> plan.by_stage.loc["active", "what to do"][:30]
    'Keep nurturing them as careful'
    """
    require_columns(by_segment, ["customers", "5-year value (total)"], what="segment values",
                    fix="pass the .by_segment of value_summary(...)")
    plan = by_segment[["customers", "5-year value (total)"]].copy()
    plan["what to do"] = [rfm.SEGMENT_TACTICS[s] for s in plan.index]
    plan = plan.sort_values("5-year value (total)", ascending=False)
    by_stage = stages.copy()
    by_stage["what to do"] = [segments.STAGE_TACTICS[s] for s in by_stage.index]
    return Priorities(plan, by_stage)


def customer_list(people: pd.DataFrame, value: Value | None, *, segments: bool = True) -> pd.DataFrame:
    """Every customer in one table a shop owner can sort, filter and export: who, where, worth, what next.

    Parameters
    ----------
    people : pandas.DataFrame
        :func:`lifecycle_lib.analytics.customers.customer_table`.
    value : Value or None
        :func:`value_summary` of the same customers; None when no forecast is meaningful
        (:func:`lifecycle_lib.analytics.customers.requirements`).
    segments : bool, default True
        Whether RFM segments are meaningful for this file; when not, the segment is left empty and
        the next action is the relationship stage's.

    Returns
    -------
    pandas.DataFrame
        :data:`CUSTOMER_LIST_COLUMNS`, one row per customer, the highest 5-year value (without a
        forecast: the highest spend) first: relationship stage, RFM segment, date of the last
        order, orders, spend so far, P(alive) (empty when BG/NBD was not fitted), 5-year value, and
        the suggested next action.

    Examples
    --------
    >>> from lifecycle_lib.analytics import customers
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                        "order_date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10"]),
    ...                        "amount": [10.0, 30.0, 25.0]})
    >>> people = customers.customer_table(orders, "2024-03-21")
    >>> table = customer_list(people, value_summary(orders, people, "2024-03-21"))
    >>> table[["customer_id", "orders", "spend", "last_order"]].to_dict("records")[0]
    {'customer_id': 'a', 'orders': 2, 'spend': 40.0, 'last_order': '2024-03-01'}
    >>> bool(table["p_alive"].isna().all())  # too few customers for BG/NBD
    True
    >>> customer_list(people, None, segments=False)[["customer_id", "segment", "next_action"]].to_dict("records")[1]
    {'customer_id': 'b', 'segment': '', 'next_action': 'Run a welcome campaign of their own'}
    """
    from lifecycle_lib.analytics.rfm import SEGMENT_TACTICS
    from lifecycle_lib.analytics.segments import STAGE_TACTICS

    def first_clause(text: str) -> str:
        return text.split(":")[0].split(";")[0].rstrip(".")

    def by_group(column, words):  # a text per customer, worked out once per group, not once per customer
        values = column.astype("category")
        return values.cat.rename_categories([words(str(c)) for c in values.cat.categories]).astype(str)

    out = pd.DataFrame(index=people.index)
    out["customer_id"] = people.index.astype(str)
    out["stage"] = by_group(people["stage"], lambda stage: stage.replace("_", " "))
    out["segment"] = people["segment"].astype(str) if segments else ""
    out["last_order"] = np.datetime_as_string(pd.to_datetime(people["last_order"]).to_numpy(dtype="datetime64[D]"))
    out["orders"] = people["orders"].astype(int)
    out["spend"] = people["spend"].astype(float).round(2)
    nothing = pd.Series(np.nan, index=people.index)
    alive = value.p_alive.reindex(people.index) if value is not None and value.p_alive is not None else nothing
    out["p_alive"] = alive.astype(float).round(3)
    out["five_year_value"] = (value.five_year.reindex(people.index) if value is not None else nothing).astype(float).round(2)
    if segments:
        out["next_action"] = by_group(people["segment"], lambda seg: first_clause(SEGMENT_TACTICS.get(seg, "")))
    else:
        out["next_action"] = by_group(people["stage"], lambda stage: first_clause(STAGE_TACTICS.get(stage, "")))
    out = out.reset_index(drop=True)
    by = "five_year_value" if value is not None else "spend"
    return out.sort_values([by, "customer_id"], ascending=[False, True], kind="stable",
                           ignore_index=True)[list(CUSTOMER_LIST_COLUMNS)]
