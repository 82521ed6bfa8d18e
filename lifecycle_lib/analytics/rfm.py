"""Recency, frequency and monetary value: the summary of the Fader-Hardie literature, scores and segments.

Glossary (the conventions of Fader, Hardie & Lee 2005 and of ``lifetimes``). Purchases are first
grouped into periods (days by default): several orders on one day count as one purchase, worth their sum.

- ``frequency``: number of *repeat* periods with a purchase (all purchase periods minus the first one);
- ``recency``: age of the customer at the last purchase, first purchase to last purchase (0 without repeats);
- ``T``: age of the customer at the end of observation, first purchase to the end;
- ``monetary_value``: mean value of the repeat periods (0 for customers without repeats).

Ages are counted in periods and divided by ``freq_multiplier``. Note that "recency" here is *not*
"days since the last purchase" (that is ``T - recency``), which is what classic RFM scoring ranks.

:func:`rfm_scores` turns a summary into 1-5 scores and :func:`rfm_segments` names the R x F (or R x FM)
segments; :func:`rfm_movement` shows how customers moved between them since an earlier date;
:data:`SEGMENT_TACTICS` says what to do about each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib._util.columns import fixed_width_words
from lifecycle_lib.data.contracts import require_amounts
from lifecycle_lib.errors import DataError

__all__ = ["rfm_summary", "rfm_scores", "rfm_segments", "rfm_movement", "SEGMENTS", "SEGMENT_GRID", "SEGMENT_TACTICS"]

#: The ten named segments, from best to worst.
SEGMENTS = (
    "Champions",
    "Loyal",
    "Potential Loyalists",
    "New",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Can't Lose",
    "Hibernating",
)

#: The R x F grid: ``SEGMENT_GRID[r - 1][f - 1]`` is the segment of recency score r and frequency score f.
SEGMENT_GRID = (
    # F=1            F=2                    F=3                    F=4            F=5
    ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose"),  # R=1
    ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose"),  # R=2
    ("About to Sleep", "About to Sleep", "Need Attention", "Loyal", "Loyal"),  # R=3
    ("Promising", "Potential Loyalists", "Potential Loyalists", "Loyal", "Loyal"),  # R=4
    ("New", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"),  # R=5
)

#: What to do about each segment.
SEGMENT_TACTICS = {
    "Champions": "Reward them: early access to sales and new products, ask for reviews and referrals; "
    "they are the likeliest advocates.",
    "Loyal": "Recognise them (a loyalty tier, elite-status style perks), cross-sell and up-sell, "
    "offer partner products that fit what they already buy.",
    "Potential Loyalists": "Nurture the habit: membership or loyalty offers, recommendations based on "
    "their first purchases, a reason to come back on their usual rhythm.",
    "New": "Onboard well: welcome series, help with the first product, a reason for the second purchase "
    "within the 30-60 day window.",
    "Promising": "Build awareness of the range: content and personalised suggestions, a modest "
    "second-purchase incentive rather than a blanket discount.",
    "Need Attention": "Re-engage with a limited-time, relevant offer based on their history; ask for "
    "feedback before they drift.",
    "About to Sleep": "Share useful content and popular products, reconnect before they lapse; keep "
    "incentives small.",
    "At Risk": "Win them back personally: find out what went wrong (support tickets, reviews), fix it, "
    "then send a tailored offer.",
    "Can't Lose": "Your former best customers are slipping: reach out one to one, fix the cause, "
    "offer renewals or new products; do not lose them to a competitor.",
    "Hibernating": "Low-cost reactivation only (a relevant offer or survey); stop spending on those "
    "who do not respond.",
}

_FREQS = ("D", "W", "h")
_SUMMARY_COLUMNS = ("frequency", "recency", "T")


def _lines(mask) -> list[int]:
    """Line numbers, as in the file the frame was read from (header = line 1), of the True rows."""
    return (np.flatnonzero(np.asarray(mask)) + 2).tolist()


def _require_columns(frame: pd.DataFrame, columns, what: str = "transactions") -> None:
    from lifecycle_lib.data.contracts import require_columns

    require_columns(frame, columns, what=what,
                    fix="pass the right column names (customer_id_col=..., datetime_col=..., monetary_value_col=...) "
                    "or rename your columns")


def _as_naive_datetimes(values: pd.Series, column: str) -> np.ndarray:
    """Datetime64 numpy array of a column, parsing text; a NaT or unparseable value raises DataError."""
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(dtype):
        try:
            parsed = pd.to_datetime(values, errors="raise")
        except (ValueError, TypeError, OverflowError):
            parsed = pd.to_datetime(values, errors="coerce", format="mixed")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        bad = parsed.isna() & values.notna()
        if bad.any():
            raise DataError(
                "values that are not dates",
                column=column,
                rows=_lines(bad),
                values=values[bad].head(5).tolist(),
                fix="correct or drop those rows, or parse the column yourself with pd.to_datetime(..., format=...)",
            )
        values = parsed
    arr = values.to_numpy()
    missing = np.isnat(arr)
    if missing.any():
        raise DataError(
            "missing dates", column=column, rows=_lines(missing), fix="drop those rows or fill in the date of each order"
        )
    return arr


def _period_numbers(arr: np.ndarray, freq: str) -> np.ndarray:
    """Integer period number of each datetime: days, hours or Monday-to-Sunday weeks since the epoch."""
    if freq == "h":
        return arr.astype("datetime64[h]").view("int64")
    days = arr.astype("datetime64[D]").view("int64")
    if freq == "D":
        return days
    # pandas' "W" periods run Monday to Sunday; day 0 (1970-01-01) is a Thursday, so Monday is day -3.
    return (days + 3) // 7


def _end_period(observation_period_end, freq: str) -> int:
    try:
        end = pd.Timestamp(observation_period_end)
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"observation_period_end={observation_period_end!r} is not a date", fix="pass a date such as '2025-12-31'"
        ) from exc
    if end is pd.NaT:
        raise DataError("observation_period_end is missing (NaT)", fix="pass a date, or None for the last order")
    if end.tzinfo is not None:
        end = end.tz_localize(None)
    return int(_period_numbers(np.array([end.to_datetime64()]), freq)[0])


def _factorize_ids(ids: pd.Series):
    """Integer codes and sorted distinct ids, like ``pd.factorize(ids, sort=True)``.

    Customer ids are usually strings of one fixed width ("S-151247"). Arrow-backed strings of at most
    16 bytes each are then read as one or two big-endian integers (whose order is the strings' order)
    and factorised as numbers, which is faster than hashing the strings; anything else goes to pandas.
    """
    keys = fixed_width_words(ids)
    if keys is not None:
        n = len(keys)
        codes, uniques = pd.factorize(keys[:, 0], sort=True)
        if keys.shape[1] == 2:
            low_codes, low = pd.factorize(keys[:, 1], sort=True)
            codes, uniques = pd.factorize(codes * len(low) + low_codes, sort=True)
        first_row = np.empty(len(uniques), dtype=np.int64)
        first_row[codes[::-1]] = np.arange(n - 1, -1, -1)
        return codes, pd.Index(ids.array.take(first_row))
    codes, uniques = pd.factorize(ids, sort=True)
    return codes, uniques


def rfm_summary(
    transactions: pd.DataFrame,
    customer_id_col: str = "contact_id",
    datetime_col: str = "order_date",
    monetary_value_col: str | None = None,
    observation_period_end=None,
    freq: str = "D",
    freq_multiplier: float = 1,
) -> pd.DataFrame:
    """One row per customer with ``frequency``, ``recency``, ``T`` (and ``monetary_value``).

    Same numbers as ``lifetimes.utils.summary_data_from_transaction_data`` (see the module
    docstring for the definitions). Orders after ``observation_period_end`` (default: the last
    order) are ignored; the end is taken at the start of its period, and a period counts whole.
    ``freq`` is ``"D"`` (days), ``"W"`` (Monday-Sunday weeks) or ``"h"`` (hours); ages are divided
    by ``freq_multiplier`` (``freq="h", freq_multiplier=24`` gives days to the hour).

    The index is the customer id (sorted); all columns are floats. The input is not changed.

    Parameters
    ----------
    transactions : DataFrame
        One row per order (or order line).
    customer_id_col : str
        The column naming the customer.
    datetime_col : str
        The column with the order time (datetimes, or text such as ``"2025-01-31"``).
    monetary_value_col : str, optional
        The column with the amount; adds the ``monetary_value`` column.
    observation_period_end : date-like, optional
        The end of observation (default: the last order).
    freq : str
        The period purchases are grouped into: ``"D"``, ``"W"`` or ``"h"``.
    freq_multiplier : float
        Ages in periods are divided by this.

    Returns
    -------
    DataFrame
        One row per customer (index named ``customer_id_col``) with ``frequency``, ``recency``, ``T``
        and, with ``monetary_value_col``, ``monetary_value``.

    Examples
    --------
    >>> orders = pd.DataFrame({
    ...     "contact_id": ["a", "a", "a", "b", "c", "c"],
    ...     "order_date": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-01-11",
    ...                                   "2025-01-05", "2025-01-02", "2025-01-30"]),
    ...     "amount": [10.0, 5.0, 20.0, 8.0, 4.0, 30.0]})
    >>> rfm_summary(orders, monetary_value_col="amount", observation_period_end="2025-01-21")  # doctest: +NORMALIZE_WHITESPACE
                frequency  recency     T  monetary_value
    contact_id
    a                 1.0     10.0  20.0            20.0
    b                 0.0      0.0  16.0             0.0
    c                 0.0      0.0  19.0             0.0
    """
    if freq not in _FREQS:
        raise ValueError(f"freq={freq!r} is not supported. Fix: use one of {', '.join(_FREQS)}.")
    columns = [customer_id_col, datetime_col] + ([monetary_value_col] if monetary_value_col else [])
    _require_columns(transactions, columns)

    ids = transactions[customer_id_col]
    if ids.hasnans:
        raise DataError(
            "missing customer ids",
            column=customer_id_col,
            rows=_lines(ids.isna()),
            fix="drop those rows or fill in who placed each order",
        )
    ticks = _period_numbers(_as_naive_datetimes(transactions[datetime_col], datetime_col), freq)
    if monetary_value_col:
        require_amounts(transactions, monetary_value_col)
        money = transactions[monetary_value_col].to_numpy(dtype="float64", na_value=np.nan)
        if np.isnan(money).any():
            raise DataError(
                "missing amounts",
                column=monetary_value_col,
                rows=_lines(np.isnan(money)),
                fix="fill them (e.g. with 0 for free items) or drop those rows",
            )

    end = int(ticks.max()) if observation_period_end is None and len(ticks) else None
    if observation_period_end is not None:
        end = _end_period(observation_period_end, freq)

    codes, uniques = _factorize_ids(ids)
    n_customers = len(uniques)
    # half the memory of every array below when the numbers fit (they do for any real log)
    if n_customers < 2**31:
        codes = codes.astype(np.int32, copy=False)
    if len(ticks) and ticks.min() > -(2**31) and ticks.max() < 2**31:
        ticks = ticks.astype(np.int32, copy=False)
    if end is not None:
        keep = ticks <= end
        if not keep.all():
            codes, ticks = codes[keep], ticks[keep]
            if monetary_value_col:
                money = money[keep]
    if len(ticks) == 0:
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in _SUMMARY_COLUMNS}, index=uniques[:0])
        if monetary_value_col:
            empty["monetary_value"] = pd.Series(dtype="float64")
        empty.index.name = customer_id_col
        return empty

    # One integer key per (customer, period), sorted: its distinct values are the purchase periods,
    # grouped by customer and in time order within each customer. numpy's sort is much faster than
    # hashing here, and int32 keys (when they fit) halve the memory traffic.
    start = int(ticks.min())
    span = end - start + 1
    key_type = np.int32 if n_customers * span < 2**31 else np.int64
    key = codes.astype(key_type) * key_type(span) + (ticks - start).astype(key_type)
    key.sort()
    distinct = np.empty(len(key), dtype=bool)
    distinct[0] = True
    np.not_equal(key[1:], key[:-1], out=distinct[1:])
    periods = key[distinct]
    del key, distinct
    period_customer = periods // key_type(span)
    period_tick = (periods - period_customer * key_type(span)).astype("int64")
    n_periods = np.bincount(period_customer, minlength=n_customers)
    run_end = np.cumsum(n_periods)
    run_start = run_end - n_periods
    present_runs = n_periods > 0
    first = np.full(n_customers, span, dtype="int64")
    last = np.full(n_customers, -1, dtype="int64")
    first[present_runs] = period_tick[run_start[present_runs]]
    last[present_runs] = period_tick[run_end[present_runs] - 1]

    present = n_periods > 0
    frequency = (n_periods - 1)[present].astype("float64")
    first, last = first[present], last[present]
    summary = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first) / freq_multiplier,
            "T": (end - start - first) / freq_multiplier,
        },
        index=uniques[present] if not present.all() else uniques,
    ).astype("float64")
    summary.index.name = customer_id_col
    if monetary_value_col:
        first_of_row = np.full(n_customers, span, dtype="int64")
        first_of_row[present] = first
        repeat_money = np.where(ticks - start != first_of_row[codes], money, 0.0)
        repeat_total = np.bincount(codes, weights=repeat_money, minlength=n_customers)[present]
        with np.errstate(invalid="ignore", divide="ignore"):
            summary["monetary_value"] = np.where(frequency > 0, repeat_total / np.maximum(frequency, 1), 0.0)
    return summary


def _quantile_scores(values: pd.Series, higher_is_better: bool, bins: int) -> pd.Series:
    """Scores 1..bins by rank; tied values share the score of their lowest rank."""
    ranks = values.rank(method="min", ascending=higher_is_better, na_option="keep")
    n = ranks.notna().sum()
    scores = np.floor((ranks - 1) / max(n, 1) * bins) + 1
    return scores.astype("Int64")


def rfm_scores(
    data: pd.DataFrame,
    customer_id_col: str = "contact_id",
    datetime_col: str = "order_date",
    monetary_value_col: str | None = "amount",
    observation_period_end=None,
    freq: str = "D",
    bins: int = 5,
) -> pd.DataFrame:
    """R, F and M scores from 1 to ``bins`` (5 = best: most recent, most frequent, highest value).

    Accepts a summary from :func:`rfm_summary` (recognised by its ``frequency``, ``recency`` and ``T``
    columns) or an orders table (then summarised with the other arguments). Returns one row per customer:

    - ``days_since`` = ``T - recency``, time since the last purchase (R ranks it, smaller is better);
    - ``frequency`` (F ranks it);
    - ``monetary`` (M ranks it): from an orders table, the *total* spend in the window (classic RFM);
      from a summary, its ``monetary_value`` column (M is missing when the summary has none);
    - ``R``, ``F``, ``M`` and the strings ``RF`` and ``RFM`` (e.g. ``"55"``, ``"553"``).

    Scores are quantiles of the rank: score = 1 + floor(bins * (rank - 1) / n). Tied values get
    the same score (that of their lowest rank), so a large tied group, such as all one-time buyers,
    sits together in the lowest score instead of being split at random; some scores may then be empty.

    Parameters
    ----------
    data : DataFrame
        The frame :func:`rfm_summary` returned (recognised by its ``frequency``, ``recency`` and
        ``T`` columns), or the orders (one row per order or order line).
    customer_id_col, datetime_col : str
        With orders: the columns naming the customer and the order time.
    monetary_value_col : str, optional
        With orders: the column whose total per customer M ranks (None: no M score).
    observation_period_end : date-like, optional
        With orders: the end of observation (default: the last order); later orders are ignored.
    freq : str
        With orders: the period purchases are grouped into (``"D"``, ``"W"`` or ``"h"``).
    bins : int
        The number of scores (at least 2).

    Returns
    -------
    DataFrame
        One row per customer with ``days_since``, ``frequency``, ``monetary``, ``R``, ``F``, ``M``
        (nullable integers), ``RF`` and ``RFM``.

    Examples
    --------
    >>> summary = pd.DataFrame({"frequency": [0., 1, 2, 4, 9], "recency": [0., 5, 20, 30, 58],
    ...                         "T": [60., 60, 60, 45, 60], "monetary_value": [0., 10, 30, 20, 50]},
    ...                        index=pd.Index(list("abcde"), name="contact_id"))
    >>> rfm_scores(summary)[["days_since", "R", "F", "M", "RF"]]  # doctest: +NORMALIZE_WHITESPACE
                days_since  R  F  M  RF
    contact_id
    a                 60.0  1  1  1  11
    b                 55.0  2  2  2  22
    c                 40.0  3  3  4  33
    d                 15.0  4  4  3  44
    e                  2.0  5  5  5  55
    """
    if bins < 2:
        raise ValueError(f"bins={bins} must be at least 2.")
    if isinstance(data, pd.DataFrame) and set(_SUMMARY_COLUMNS) <= set(data.columns):
        summary = data
        monetary = summary["monetary_value"] if "monetary_value" in summary.columns else None
    else:
        summary = rfm_summary(
            data,
            customer_id_col=customer_id_col,
            datetime_col=datetime_col,
            observation_period_end=observation_period_end,
            freq=freq,
        )
        monetary = None
        if monetary_value_col:
            _require_columns(data, [monetary_value_col])
            # each customer's total spend up to the end: integer codes and one weighted count (no copy
            # of the lines, no grouping on the ids); a missing amount adds nothing, as in a groupby sum
            # (rfm_summary has refused missing ids, so every code is a customer)
            codes, ids = pd.factorize(data[customer_id_col])
            money = data[monetary_value_col].to_numpy(dtype="float64", na_value=np.nan)
            take = ~np.isnan(money)
            if observation_period_end is not None:
                cut = np.datetime64(pd.Timestamp(observation_period_end).normalize() + pd.Timedelta(days=1))
                take &= _as_naive_datetimes(data[datetime_col], datetime_col) < cut
            total = np.bincount(codes, weights=np.where(take, money, 0.0), minlength=len(ids))
            monetary = pd.Series(total, index=pd.Index(ids)).reindex(summary.index)
    out = pd.DataFrame(
        {"days_since": summary["T"] - summary["recency"], "frequency": summary["frequency"]}, index=summary.index
    )
    out["monetary"] = monetary.astype("float64") if monetary is not None else np.nan
    out["R"] = _quantile_scores(out["days_since"], higher_is_better=False, bins=bins)
    out["F"] = _quantile_scores(out["frequency"], higher_is_better=True, bins=bins)
    out["M"] = _quantile_scores(out["monetary"], higher_is_better=True, bins=bins)
    out["RF"] = out["R"].astype("string") + out["F"].astype("string")
    out["RFM"] = out["RF"] + out["M"].astype("string")
    return out


def rfm_segments(scores: pd.DataFrame, by: str = "RF") -> pd.DataFrame:
    """Name the widely used R x F segment of each customer; returns ``scores`` with a ``segment`` column.

    Needs integer columns ``R`` and ``F`` from 1 to 5 (see :func:`rfm_scores`), and ``M`` with
    ``by="RFM"``. With ``by="RFM"`` the grid's columns are ``FM``, the mean of F and M rounded half up
    (a customer who buys often *and* spends much scores high), so all three scores decide the segment;
    the ``FM`` column is added. The grid, rows R (5 = bought most recently), columns F or FM (5 = buys
    most often, or most often and for the most):

    ====  ==============  ===================  ===================  =========  ==========
    R\\F   1               2                    3                    4          5
    ====  ==============  ===================  ===================  =========  ==========
    5     New             Potential Loyalists  Potential Loyalists  Champions  Champions
    4     Promising       Potential Loyalists  Potential Loyalists  Loyal      Loyal
    3     About to Sleep  About to Sleep       Need Attention       Loyal      Loyal
    2     Hibernating     Hibernating          At Risk              At Risk    Can't Lose
    1     Hibernating     Hibernating          At Risk              At Risk    Can't Lose
    ====  ==============  ===================  ===================  =========  ==========

    The ``segment`` column is categorical, ordered as :data:`SEGMENTS`; :data:`SEGMENT_TACTICS` says
    what to do about each.

    Parameters
    ----------
    scores : DataFrame
        One row per customer with integer ``R`` and ``F`` (and, for ``by="RFM"``, ``M``) scores from 1 to 5.
    by : {"RF", "RFM"}
        Which scores place a customer in the grid: recency and frequency, or recency and the mean of
        frequency and monetary value.

    Returns
    -------
    DataFrame
        A copy of ``scores`` with the ``segment`` column added (and ``FM`` with ``by="RFM"``).

    Examples
    --------
    >>> scores = pd.DataFrame({"R": [5, 5, 1, 2, 3], "F": [5, 1, 5, 1, 3], "M": [1, 5, 5, 1, 4]}, index=list("abcde"))
    >>> rfm_segments(scores)["segment"].tolist()
    ['Champions', 'New', "Can't Lose", 'Hibernating', 'Need Attention']
    >>> rfm_segments(scores, by="RFM")[["FM", "segment"]]  # doctest: +NORMALIZE_WHITESPACE
       FM          segment
    a   3  Potential Loyalists
    b   3  Potential Loyalists
    c   5       Can't Lose
    d   1      Hibernating
    e   4            Loyal
    """
    if by not in ("RF", "RFM"):
        raise ValueError(f"by must be 'RF' or 'RFM', not {by!r}")
    needed = ["R", "F"] + (["M"] if by == "RFM" else [])
    _require_columns(scores, needed, what="scores")
    values = {name: pd.to_numeric(scores[name], errors="coerce") for name in needed}
    for name, v in values.items():
        bad = ~v.isin(range(1, 6))
        if bad.any():
            raise DataError(
                f"{'R, F and M' if by == 'RFM' else 'R and F'} must be scores from 1 to 5",
                column=name,
                rows=_lines(bad),
                fix="compute the scores with rfm_scores(..., bins=5)"
                + ("; M needs a monetary column" if name == "M" else ""),
            )
    out = scores.copy()
    across = values["F"].to_numpy(dtype="int64")
    if by == "RFM":
        across = np.floor((across + values["M"].to_numpy(dtype="int64")) / 2 + 0.5).astype("int64")
        out["FM"] = across
    grid = np.array(SEGMENT_GRID, dtype=object)
    names = grid[values["R"].to_numpy(dtype="int64") - 1, across - 1]
    out["segment"] = pd.Categorical(names, categories=list(SEGMENTS), ordered=True)
    return out


def rfm_movement(
    data: pd.DataFrame,
    observation_period_end,
    months_before: int = 3,
    customer_id_col: str = "contact_id",
    datetime_col: str = "order_date",
    monetary_value_col: str | None = "amount",
    by: str = "RF",
) -> pd.DataFrame:
    """How customers moved between segments: their segment ``months_before`` earlier against now.

    Both dates score the customers known *at that date* against each other (a customer's earlier
    segment uses only the orders placed by then). Customers who had not bought yet at the earlier date
    are in the row ``"(not a customer yet)"``.

    Parameters
    ----------
    data : DataFrame
        The orders (one row per order or order line).
    observation_period_end : date-like
        "Now": the later of the two dates.
    months_before : int
        How far back the earlier date is (3: the previous quarter).
    customer_id_col, datetime_col, monetary_value_col : str
        The columns of ``data``; ``monetary_value_col`` is needed with ``by="RFM"``.
    by : {"RF", "RFM"}
        As in :func:`rfm_segments`.

    Returns
    -------
    DataFrame
        Customers counted by earlier segment (rows) and current segment (columns), both in the order of
        :data:`SEGMENTS`; only segments with customers are shown. ``attrs["earlier"]`` and
        ``attrs["now"]`` hold the two dates.

    Examples
    --------
    >>> orders = pd.DataFrame({"contact_id": list("aabbc"), "amount": [10.0, 20, 5, 5, 8],
    ...     "order_date": pd.to_datetime(["2025-01-05", "2025-05-20", "2025-01-10", "2025-02-01", "2025-06-01"])})
    >>> moved = rfm_movement(orders, "2025-06-30")
    >>> int(moved.to_numpy().sum()), moved.attrs["earlier"].date().isoformat()
    (3, '2025-03-30')
    """
    if months_before < 1:
        raise ValueError(f"months_before={months_before} must be at least 1")
    now = pd.Timestamp(observation_period_end)
    earlier = now - pd.DateOffset(months=months_before)

    when = pd.to_datetime(data[datetime_col])

    def segments_at(end):
        # rfm_scores leaves out what came after ``end`` itself, so the lines are not copied here
        if not (when < end.normalize() + pd.Timedelta(days=1)).any():
            return pd.Series(dtype="object")
        scores = rfm_scores(data, customer_id_col=customer_id_col, datetime_col=datetime_col,
                            monetary_value_col=monetary_value_col, observation_period_end=end)
        return rfm_segments(scores, by=by)["segment"].astype("object")

    before, after = segments_at(earlier), segments_at(now)
    before = before.reindex(after.index).fillna("(not a customer yet)")
    rows = [s for s in ("(not a customer yet)", *SEGMENTS) if s in set(before)]
    cols = [s for s in SEGMENTS if s in set(after)]
    table = pd.crosstab(before.rename("segment before"), after.rename("segment now")).reindex(
        index=rows, columns=cols, fill_value=0)
    table.attrs.update(earlier=earlier, now=now)
    return table
