"""Customer value without a fitted model, and the five-year value from fitted ones.

- :func:`historical_value`: what each customer has spent so far (and their share of revenue);
- :func:`simple_clv` and :func:`simple_five_year_value`: margin, retention and discount rate formulas;
- :func:`five_year_value`: a purchase model (BG/NBD or Pareto/NBD) times the Gamma-Gamma spend model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib.analytics.clv._inputs import as_array, require
from lifecycle_lib.data.contracts import require_amounts

__all__ = ["DAYS_PER_YEAR", "historical_value", "simple_clv", "simple_five_year_value", "five_year_value"]

DAYS_PER_YEAR = 365.25


def historical_value(
    orders: pd.DataFrame,
    customer_id_col: str = "contact_id",
    monetary_value_col: str = "amount",
    returned_col: str | None = "returned",
    order_col: str | None = "order_id",
) -> pd.DataFrame:
    """What each customer has spent so far, best customers first.

    Returned lines (``returned_col`` True, when that column exists) were refunded and do not count.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order line.
    customer_id_col : str, default "contact_id"
        The column naming the customer.
    monetary_value_col : str, default "amount"
        The column holding what the line cost (numbers).
    returned_col : str or None, default "returned"
        A column of True/False for refunded lines; ignored when None or absent.
    order_col : str or None, default "order_id"
        The column naming the order; when None or absent, every line counts as an order.

    Returns
    -------
    pandas.DataFrame
        One row per customer, best first: ``total_spend``, ``orders``, ``average_order_value``,
        ``share_of_revenue`` and ``cumulative_share`` (read it as "the top k customers bring this
        share of revenue").

    Examples
    --------
    >>> orders = pd.DataFrame({"contact_id": ["a", "a", "b", "c"], "order_id": ["1", "1", "2", "3"],
    ...                        "amount": [30.0, 20.0, 40.0, 10.0], "returned": [False, False, False, True]})
    >>> historical_value(orders)[["total_spend", "orders", "cumulative_share"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
                total_spend  orders  cumulative_share
    contact_id
    a                  50.0       1             0.556
    b                  40.0       1             1.000
    c                   0.0       1             1.000
    """
    require(orders, [customer_id_col, monetary_value_col], "orders",
            fix="pass the names of your columns as customer_id_col= and monetary_value_col=")
    require_amounts(orders, monetary_value_col)
    paid = orders[monetary_value_col].astype("float64")
    if returned_col and returned_col in orders.columns:
        paid = paid.where(~orders[returned_col].fillna(False).astype(bool), 0.0)
    frame = pd.DataFrame({"customer": orders[customer_id_col], "paid": paid})
    if order_col and order_col in orders.columns:
        frame["order"] = orders[order_col]
    grouped = frame.groupby("customer", sort=True, observed=True)
    out = pd.DataFrame({"total_spend": grouped["paid"].sum()})
    out["orders"] = grouped["order"].nunique() if "order" in frame.columns else grouped.size()
    out["average_order_value"] = out["total_spend"] / out["orders"]
    out = out.sort_values("total_spend", ascending=False, kind="stable")
    total = out["total_spend"].sum()
    out["share_of_revenue"] = out["total_spend"] / total if total else 0.0
    out["cumulative_share"] = out["share_of_revenue"].cumsum()
    out.index.name = customer_id_col
    return out


def _check_retention(retention) -> None:
    if np.any((np.asarray(retention) < 0) | (np.asarray(retention) > 1)):
        raise ValueError("retention must be a probability between 0 and 1 (e.g. 0.8 for 80%).")


def simple_clv(margin, retention, discount):
    """Lifetime value of a customer from the yearly margin, retention rate and discount rate.

    ``margin * retention / (1 + discount - retention)``: the margin of every future year, kept with
    probability ``retention`` each year and discounted at ``discount`` per year, summed to infinity
    (the customer's first margin is not included).

    Parameters
    ----------
    margin : float, array or Series
        Margin per customer and year.
    retention : float, array or Series
        Probability that a customer stays from one year to the next.
    discount : float, array or Series
        Discount rate per year (0.1 for 10%).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        The lifetime value, shaped like the inputs.

    Examples
    --------
    >>> round(simple_clv(100.0, 0.8, 0.1), 2)
    266.67
    >>> simple_clv(pd.Series([100.0, 50.0]), pd.Series([0.5, 0.9]), 0.1).round(2).tolist()
    [83.33, 225.0]
    """
    _check_retention(retention)
    if np.any(np.asarray(discount, dtype="float64") < 0):
        raise ValueError("discount must be a non-negative rate per year (e.g. 0.1 for 10%).")
    return margin * retention / (1 + discount - retention)


def simple_five_year_value(annual_spend, retention, years: int = 5, discount=0.0):
    """What a customer will spend over the next ``years`` years, by the annual-spend x retention rule.

    The customer spends ``annual_spend`` this year, and in each later year stays with probability
    ``retention`` (so year k is reached with probability ``retention ** k``); each year is discounted
    at ``discount``: ``sum(annual_spend * retention**k / (1 + discount)**k for k in range(years))``.
    With ``retention = 1`` and no discount it is simply ``years * annual_spend``.

    Parameters
    ----------
    annual_spend : float, array or Series
        What the customer spends in a year.
    retention : float, array or Series
        Probability that a customer stays from one year to the next.
    years : int, default 5
        How many years, this one included.
    discount : float, default 0.0
        Discount rate per year.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        The value, shaped like the inputs (a float for numbers).

    Examples
    --------
    >>> simple_five_year_value(200.0, 1.0)
    1000.0
    >>> round(simple_five_year_value(200.0, 0.6), 2)
    461.12
    """
    retention = np.asarray(retention, dtype="float64") if not isinstance(retention, pd.Series) else retention
    _check_retention(retention)
    ratio = retention / (1 + np.asarray(discount, dtype="float64"))
    factor = sum(ratio**k for k in range(int(years)))
    value = annual_spend * factor
    return float(value) if np.ndim(value) == 0 else value


def discounted_purchases(transaction_prediction_model, summary: pd.DataFrame, ends, discount):
    """Expected purchases by the end of the period ``ends[-1]``, and the same with period i discounted.

    ``ends`` are the period ends in the summary's time unit (the first period starts at 0) and
    ``discount`` the factor of each period; returns two arrays, one value per customer.
    """
    x, tx, T = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    cumulative = np.column_stack(
        [np.zeros(len(x))] + [as_array(transaction_prediction_model.expected_purchases(t, x, tx, T)) for t in ends]
    )
    return cumulative[:, -1], np.diff(cumulative, axis=1) @ discount


def five_year_value(
    summary: pd.DataFrame,
    transaction_prediction_model,
    gammagamma,
    years: float = 5,
    time_unit_days: float = 1.0,
    annual_discount_rate: float = 0.0,
) -> pd.DataFrame:
    """What each customer will spend over the next ``years`` years, from the fitted models.

    ``expected_purchases`` (BG/NBD or Pareto/NBD, given the customer's history) times
    ``expected_average_value`` (Gamma-Gamma). With ``annual_discount_rate`` > 0, each year's
    purchases are discounted to today (year k by ``(1 + rate) ** k``). For a rule of thumb without
    models, see :func:`simple_five_year_value`.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``frequency``, ``recency``, ``T`` and ``monetary_value`` per customer.
    transaction_prediction_model : BetaGeo or ParetoNBD
        A fitted model of the number of purchases.
    gammagamma : GammaGamma
        A fitted model of the spend per purchase.
    years : float, default 5
        How many years ahead.
    time_unit_days : float, default 1.0
        The summary's time unit in days (7 for weeks).
    annual_discount_rate : float, default 0.0
        Discount rate per year.

    Returns
    -------
    pandas.DataFrame
        ``expected_purchases``, ``expected_average_value`` and ``value`` per customer.

    Examples
    --------
    Three CDNOW customers (time in weeks), with the published estimates of both models set directly
    instead of fitting them (``BetaGeo().fit(summary)`` and ``GammaGamma().fit(summary)`` in a lesson):

    >>> from lifecycle_lib.analytics.clv import BetaGeo, GammaGamma
    >>> summary = pd.DataFrame({"frequency": [2, 1, 0], "recency": [30.43, 1.71, 0.0], "T": [38.86] * 3,
    ...                         "monetary_value": [22.35, 11.77, 0.0]},
    ...                        index=pd.Index(["c1", "c2", "c3"], name="customer_id"))
    >>> betageo, gammagamma = BetaGeo(), GammaGamma()
    >>> betageo.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> gammagamma.params_ = {"p": 6.25, "q": 3.744, "gamma": 15.444}
    >>> five_year_value(summary, betageo, gammagamma, time_unit_days=7).round(2)  # doctest: +NORMALIZE_WHITESPACE
                 expected_purchases  expected_average_value   value
    customer_id
    c1                         4.95                   24.66  121.95
    c2                         0.86                   18.91   16.33
    c3                         0.92                   35.18   32.29
    >>> five_year_value(summary, betageo, gammagamma, time_unit_days=7, annual_discount_rate=0.1)["value"].round(2).tolist()
    [96.45, 12.86, 25.2]
    """
    require(summary, ["frequency", "recency", "T", "monetary_value"], "summary")
    per_year = DAYS_PER_YEAR / time_unit_days
    whole_years = int(np.ceil(years))
    ends = np.minimum(np.arange(1, whole_years + 1), years) * per_year
    discount = (1 + annual_discount_rate) ** -np.arange(1, whole_years + 1)
    purchases, discounted = discounted_purchases(transaction_prediction_model, summary, ends, discount)
    average = as_array(gammagamma.expected_average_value(summary["frequency"], summary["monetary_value"]))
    return pd.DataFrame(
        {"expected_purchases": purchases, "expected_average_value": average, "value": average * discounted},
        index=summary.index,
    )
