"""Per-contact features that relationship stages and behaviour types share, as arrays indexed by contact code.

The contacts of all tables share one integer code (:class:`~lifecycle_lib._util.columns.IdCodes`);
every function here returns arrays with one entry per code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib._util.columns import IdCodes, group_max, group_min

__all__ = ["LATEST", "EARLIEST", "NAT", "id_codes", "rows", "default_end", "distinct_count", "first_of_pairs", "order_features"]

#: Fills of :func:`~lifecycle_lib._util.columns.group_min` / ``group_max`` on datetimes: beyond every date.
LATEST = np.datetime64("2262-01-01", "ns")
EARLIEST = np.datetime64("1678-01-01", "ns")
NAT = np.datetime64("NaT", "ns")


def id_codes(column) -> np.ndarray:
    """Integer codes of an id column (order ids...), equal codes for equal ids; no labels kept."""
    return IdCodes(column, name=None, labels=False).given[0]


def rows(column: pd.Series, keep) -> pd.Series:
    """The rows of a column where ``keep`` is True (the column itself when all are)."""
    return column if keep is None or keep.all() else column[np.asarray(keep)]


def default_end(*stamps) -> pd.Timestamp:
    """The day after the latest time seen (midnight), the moment the data ends."""
    latest = [s.max() for s in stamps if s is not None and len(s) and not np.isnat(s.max())]
    if not latest:
        raise ValueError("cannot infer observation_period_end from empty tables; pass observation_period_end='YYYY-MM-DD'")
    return pd.Timestamp(max(latest)).normalize() + pd.Timedelta(days=1)


def distinct_count(codes, values, n) -> np.ndarray:
    """Per group code, the number of distinct non-negative integer ``values``.

    When every value belongs to one group only (an order id to one buyer), that is a count of the
    values' owners; otherwise distinct (group, value) pairs are found by hashing.
    """
    if not len(codes):
        return np.zeros(n, np.int64)
    v = np.asarray(values).astype(np.int64)
    if v.min() >= 0 and v.max() < 4 * len(v) + 1024:
        owner = np.full(int(v.max()) + 1, -1, dtype=np.int64)
        owner[v] = codes
        if np.array_equal(owner[v], codes):
            return np.bincount(owner[owner >= 0], minlength=n)
    v = v - v.min()
    width = int(v.max()) + 1
    uniq = pd.unique(codes.astype(np.int64) * width + v)
    return np.bincount(uniq // width, minlength=n)


def first_of_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct (a, b) pair of non-negative int codes."""
    key = a.astype(np.int64) * (int(b.max()) + 1 if len(b) else 1) + b.astype(np.int64)
    return np.flatnonzero(~pd.Series(key).duplicated().to_numpy())


def order_features(orders: pd.DataFrame, od: np.ndarray, o_keep: np.ndarray, o_codes: np.ndarray, n: int):
    """Per contact code: orders (distinct order ids), distinct purchase days, first and last order (NaT if none).

    ``od`` are the order dates as datetime64[ns], ``o_keep`` the rows before observation_period_end, ``o_codes`` the
    contact codes of those rows.
    """
    o_t = od[o_keep]
    if "order_id" in orders.columns:
        n_orders = distinct_count(o_codes, id_codes(orders["order_id"])[o_keep], n)
    else:
        n_orders = np.bincount(o_codes, minlength=n)
    n_days = distinct_count(o_codes, o_t.astype("datetime64[D]").view(np.int64), n)
    first_order = group_min(o_codes, o_t, n, LATEST)
    last_order = group_max(o_codes, o_t, n, EARLIEST)
    buyer = n_orders > 0
    return n_orders, n_days, np.where(buyer, first_order, NAT), np.where(buyer, last_order, NAT)
