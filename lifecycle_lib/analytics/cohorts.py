"""Acquisition cohorts: who keeps buying, and how much, in each period after their first purchase.

A customer's *cohort* is the period (month by default) of their first order. Period ``k`` is the
``k``-th period after that one: period 0 is the month of the first order itself, so the retention of
period 0 is always 1. Everything is computed with whole-column operations, so a million orders take
well under a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib._util.columns import IdCodes, group_min
from lifecycle_lib.errors import DataError

__all__ = ["cohort_sizes", "retention_matrix", "revenue_matrix"]


def _check_columns(orders: pd.DataFrame, columns) -> None:
    from lifecycle_lib.data.contracts import require_columns

    require_columns(orders, columns, what="orders",
                    fix="rename your column or pass its name (customer_id_col=..., datetime_col=..., monetary_value_col=...)")


def _periods(orders: pd.DataFrame, customer_id_col: str, datetime_col: str, period: str):
    """Customer codes, cohort period ordinals, period offsets k, and the cohort Period labels."""
    dates = pd.to_datetime(orders[datetime_col], errors="coerce")
    bad = dates.isna() & orders[datetime_col].notna()
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())
        raise DataError(
            "dates cannot be read",
            column=datetime_col,
            rows=list(orders.index[rows]),
            values=orders[datetime_col].iloc[rows[:5]].tolist(),
            fix="write dates as YYYY-MM-DD",
        )
    if dates.isna().any():
        rows = np.flatnonzero(dates.isna().to_numpy())
        raise DataError("dates are missing", column=datetime_col, rows=list(orders.index[rows]),
                        fix="fill in the order date or drop those rows")
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    ordinals = dates.dt.to_period(period).array.asi8
    codes = IdCodes(orders[customer_id_col], name=None, labels=False).given[0]
    first = group_min(codes, ordinals, codes.max() + 1 if len(codes) else 0, np.iinfo(np.int64).max)
    cohort = first[codes]
    return codes, cohort, ordinals - cohort, (int(ordinals.max()) if len(ordinals) else 0)


def _label(ordinals: np.ndarray, period: str) -> pd.PeriodIndex:
    return pd.PeriodIndex.from_ordinals(ordinals, freq=pd.Period("2000-01-01", period).freq)


def cohort_sizes(orders: pd.DataFrame, customer_id_col: str = "contact_id", datetime_col: str = "order_date",
                 period: str = "M") -> pd.Series:
    """Number of new customers in each acquisition cohort (period of their first order).

    Parameters
    ----------
    orders : DataFrame
        One row per order (or order line), with a customer id and an order date column.
    customer_id_col : str
        The column naming who placed the order.
    datetime_col : str
        The column with the order date (datetimes, or text such as ``"2025-01-31"``).
    period : str
        The length of a cohort, as a pandas period alias: ``"M"`` (months), ``"W"``, ``"Q"``, ``"D"``...

    Returns
    -------
    Series
        Customers per cohort, indexed by ``cohort`` (a Period), named ``customers``.

    Examples
    --------
    >>> orders = pd.DataFrame({"contact_id": ["a", "a", "b", "c"],
    ...     "order_date": pd.to_datetime(["2025-01-05", "2025-02-10", "2025-01-20", "2025-02-02"])})
    >>> cohort_sizes(orders).to_dict()
    {Period('2025-01', 'M'): 2, Period('2025-02', 'M'): 1}
    """
    _check_columns(orders, [customer_id_col, datetime_col])
    codes, cohort, _, _ = _periods(orders, customer_id_col, datetime_col, period)
    per_customer = np.full(codes.max() + 1 if len(codes) else 0, 0, dtype=np.int64)
    per_customer[codes] = cohort
    values, counts = np.unique(per_customer, return_counts=True)
    return pd.Series(counts, index=pd.Index(_label(values, period), name="cohort"), name="customers")


def _matrix(codes, cohort, k, values, period, how):
    frame = pd.DataFrame({"customer": codes, "cohort": cohort, "k": k, "value": values})
    if how == "customers":
        frame = frame.drop_duplicates(["customer", "k"])
        cells = frame.groupby(["cohort", "k"], sort=True).size()
    else:
        cells = frame.groupby(["cohort", "k"], sort=True)["value"].sum()
    matrix = cells.unstack("k")
    matrix.index = pd.Index(_label(matrix.index.to_numpy(), period), name="cohort")
    matrix.columns = pd.Index(matrix.columns.astype(int), name="period")
    return matrix


def _mask_future(matrix: pd.DataFrame, last: int) -> pd.DataFrame:
    """Blank (NaN) the cells of periods after ``last``, the last period with an order."""
    if matrix.empty:
        return matrix
    ks = matrix.columns.to_numpy()[None, :]
    available = (matrix.index.asi8[:, None] + ks) <= last
    return matrix.where(available)


def retention_matrix(orders: pd.DataFrame, customer_id_col: str = "contact_id", datetime_col: str = "order_date",
                     period: str = "M") -> pd.DataFrame:
    """Share of each acquisition cohort that bought in period ``k`` after its first period.

    Rows are cohorts (first-order period), columns ``k = 0, 1, 2, ...``; a cell is the number of the
    cohort's customers with at least one order in that period divided by the cohort size. Period 0 is
    1.0 by construction. Cells for periods that lie after the data ends are NaN, not 0, so a young
    cohort does not look as if everyone left.

    Parameters
    ----------
    orders : DataFrame
        One row per order (or order line), with a customer id and an order date column.
    customer_id_col : str
        The column naming who placed the order.
    datetime_col : str
        The column with the order date (datetimes, or text such as ``"2025-01-31"``).
    period : str
        The length of a cohort and of a step ``k``, as a pandas period alias (``"M"``, ``"W"``, ``"Q"``...).

    Returns
    -------
    DataFrame
        Shares from 0 to 1: rows are the cohorts (a PeriodIndex named ``cohort``), columns the
        periods ``k`` (named ``period``).

    Examples
    --------
    >>> orders = pd.DataFrame({"contact_id": ["a", "a", "b", "c", "c"],
    ...     "order_date": pd.to_datetime(["2025-01-05", "2025-02-10", "2025-01-20", "2025-02-02", "2025-03-01"])})
    >>> retention_matrix(orders).round(2).values.tolist()
    [[1.0, 0.5, 0.0], [1.0, 1.0, nan]]
    """
    _check_columns(orders, [customer_id_col, datetime_col])
    codes, cohort, k, last = _periods(orders, customer_id_col, datetime_col, period)
    if not len(codes):
        counts = _matrix(codes, cohort, k, None, period, "customers").fillna(0)
        sizes = cohort_sizes(orders, customer_id_col, datetime_col, period).reindex(counts.index)
        return counts.div(sizes, axis=0)
    # Customers active in (cohort, k): distinct (customer, k) pairs, marked in a customers x periods grid.
    n_customers, lo = int(codes.max()) + 1, int(cohort.min())
    width = last - lo + 1
    key = codes.astype(np.int64) * width + k
    if n_customers * width <= 8 * len(key) + (1 << 24):
        seen = np.zeros(n_customers * width, dtype=bool)
        seen[key] = True
        customer, ks = np.divmod(np.flatnonzero(seen), width)
    else:  # many short periods: hash the pairs instead of a grid
        customer, ks = np.divmod(pd.unique(key), width)
    per_customer = np.zeros(n_customers, dtype=np.int64)
    per_customer[codes] = cohort - lo
    # cohorts are the periods lo..last that have a first order; rows of the grid are the ones present
    if width <= len(key) + (1 << 16):
        sizes = np.bincount(per_customer, minlength=width)
        rows = np.flatnonzero(sizes)
        sizes = sizes[rows]
        row_of = np.full(width, -1, dtype=np.int64)
        row_of[rows] = np.arange(len(rows))
        row_of = row_of[per_customer]
    else:
        rows, row_of, sizes = np.unique(per_customer, return_inverse=True, return_counts=True)
    grid = np.bincount(row_of.reshape(-1)[customer] * width + ks, minlength=len(rows) * width)
    grid = grid.reshape(len(rows), width)
    counts = pd.DataFrame(grid, index=pd.Index(_label(rows + lo, period), name="cohort"),
                          columns=pd.Index(np.arange(width), name="period"))
    counts = _mask_future(counts, last)
    return counts.div(sizes, axis=0)


def _full_grid(matrix: pd.DataFrame, last: int) -> pd.DataFrame:
    """Every k from 0 to the oldest cohort's last period as a column (nobody buying is a 0, not a gap)."""
    if matrix.empty:
        return matrix
    full_cols = pd.Index(np.arange(0, last - matrix.index.asi8.min() + 1), name="period")
    return matrix.reindex(columns=full_cols, fill_value=0)


def revenue_matrix(orders: pd.DataFrame, customer_id_col: str = "contact_id", datetime_col: str = "order_date",
                   monetary_value_col: str = "amount", period: str = "M", per_customer: bool = False) -> pd.DataFrame:
    """Revenue of each acquisition cohort in period ``k`` after its first period.

    With ``per_customer=True`` each cell is divided by the cohort's size (revenue per acquired customer,
    whose running sum along a row is the cohort's historical value per customer). Cells after the data
    ends are NaN.

    Parameters
    ----------
    orders : DataFrame
        One row per order (or order line), with a customer id, an order date and an amount column.
    customer_id_col : str
        The column naming who placed the order.
    datetime_col : str
        The column with the order date (datetimes, or text such as ``"2025-01-31"``).
    monetary_value_col : str
        The column with the amount of each row (numbers; a missing amount is a DataError).
    period : str
        The length of a cohort and of a step ``k``, as a pandas period alias (``"M"``, ``"W"``, ``"Q"``...).
    per_customer : bool
        Divide each cell by the cohort's size.

    Returns
    -------
    DataFrame
        Revenue (or revenue per acquired customer): rows are the cohorts (a PeriodIndex named
        ``cohort``), columns the periods ``k`` (named ``period``).

    Examples
    --------
    >>> orders = pd.DataFrame({"contact_id": ["a", "a", "b", "c"],
    ...     "order_date": pd.to_datetime(["2025-01-05", "2025-02-10", "2025-01-20", "2025-02-02"]),
    ...     "amount": [10.0, 20.0, 30.0, 5.0]})
    >>> revenue_matrix(orders).values.tolist()
    [[40.0, 20.0], [5.0, nan]]
    >>> revenue_matrix(orders, per_customer=True).values.tolist()
    [[20.0, 10.0], [5.0, nan]]
    """
    _check_columns(orders, [customer_id_col, datetime_col, monetary_value_col])
    amounts = pd.to_numeric(orders[monetary_value_col], errors="coerce")
    if amounts.isna().any():
        rows = np.flatnonzero(amounts.isna().to_numpy())
        raise DataError("amounts are missing or not numbers", column=monetary_value_col, rows=list(orders.index[rows]),
                        values=orders[monetary_value_col].iloc[rows[:5]].tolist(),
                        fix="write amounts as plain numbers such as 12.50")
    codes, cohort, k, last = _periods(orders, customer_id_col, datetime_col, period)
    matrix = _matrix(codes, cohort, k, amounts.to_numpy(float), period, "sum").fillna(0.0)
    matrix = _mask_future(_full_grid(matrix, last), last)
    if per_customer:
        sizes = cohort_sizes(orders, customer_id_col, datetime_col, period).reindex(matrix.index)
        matrix = matrix.div(sizes, axis=0)
    return matrix
