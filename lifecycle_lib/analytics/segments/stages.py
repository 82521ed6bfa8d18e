"""Relationship stages: the nine stages of every contact as of a date, by rules, with the reason.

:func:`relationship_stages` works in named steps, each a function below: read the past
(:func:`_past`), then the order rhythm, the typical gap per business, the subscription, support,
review and referral signals and the event signals; then the rules pick a stage
(:func:`_choose_stages`) and :mod:`._stage_reasons` writes why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lifecycle_lib._util.columns import IdCodes, group_count, group_max, is_label, label_codes, str_column
from lifecycle_lib.analytics._inputs import datetimes, require_table, resolve_thresholds
from lifecycle_lib.analytics.segments._features import EARLIEST, NAT, default_end, order_features, rows
from lifecycle_lib.analytics.segments._lookalike import engagement, lookalike
from lifecycle_lib.analytics.segments._stage_reasons import REASON_FEATURES, stage_reasons
from lifecycle_lib.errors import DataError

__all__ = [
    "RELATIONSHIP_STAGES",
    "PRIORITY",
    "STAGE_TACTICS",
    "STAGE_THRESHOLDS",
    "STAGE_TABLES",
    "relationship_stages",
    "stage_counts",
]

#: The nine relationship stages, from first contact to fan (the order of the categorical).
RELATIONSHIP_STAGES = ("prospect", "suspect", "lead", "new", "active", "returning", "at_risk", "lapsed", "advocate")

#: Which rule wins when several match (first wins).
PRIORITY = ("lapsed", "advocate", "new", "at_risk", "active", "returning", "lead", "suspect", "prospect")

#: What the sources advise for each stage.
STAGE_TACTICS = {
    "prospect": "Make a first impression and start a relationship: find your newest sign-ups, welcome them "
    "and give them a reason to engage.",
    "suspect": "Give them extra attention to convert them; they also make the seed of lookalike audiences "
    "for targeted advertising.",
    "lead": "Act quickly: follow up on the product they showed interest in, pass them to sales if you have "
    "a sales team.",
    "new": "Run a welcome campaign of their own: onboarding, how-to help, suggestions that lead to the "
    "second purchase.",
    "active": "Keep nurturing them as carefully as prospects: extra value, exclusive material, new plans; "
    "they expect quality and are your sharpest critics.",
    "returning": "Keep the range up to date and offer exclusive deals or a returning-customer discount so "
    "the next visit comes sooner.",
    "at_risk": "Watch support channels and social media, find what disappointed them and fix it before "
    "they leave.",
    "lapsed": "Fix the problem first, then announce it with a sale or a new product and invite them back; "
    "timing matters and there is rarely a third chance.",
    "advocate": "Help them recommend you (referral links, reviews, shareable content) and thank them; "
    "their value continues after their last purchase.",
}

#: Default thresholds of :func:`relationship_stages` (each described there).
STAGE_THRESHOLDS = {
    "new_days": 60,
    "at_risk_factor": 1.5,
    "lapsed_factor": 3.0,
    "lapsed_min_days": 90,
    "returning_factor": 1.0,
    "typical_gap_days": None,
    "fallback_gap_days": 90,
    "risk_window_days": 90,
    "risk_tickets": 1,
    "low_rating": 2,
    "advocate_referrals": 1,
    "advocate_rating": 5,
    "advocate_reviews": 1,
    "lead_events": ("lead_magnet_signup", "add_to_cart", "checkout_start"),
    "suspect_threshold": 0.5,
}

#: The tables :func:`relationship_stages` reads.
STAGE_TABLES = ("contacts", "orders", "events", "subscriptions", "tickets", "reviews", "referrals")

#: The columns each table must have.
_COLUMNS = {
    "orders": ["contact_id", "order_date"],
    "contacts": ["contact_id"],
    "events": ["contact_id", "timestamp", "event"],
    "subscriptions": ["contact_id", "start_date", "end_date", "end_reason"],
    "tickets": ["contact_id", "opened_at"],
    "reviews": ["contact_id", "created_at", "rating"],
    "referrals": ["referrer_id", "created_at"],
}

_DAY = np.timedelta64(1, "D")


def relationship_stages(tables, *, observation_period_end=None, **thresholds) -> pd.DataFrame:
    """The relationship stage of every contact as of a date, with the reason in plain words.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        The tables by name, as :func:`lifecycle_lib.data.datasets.load_all` returns them; only
        ``orders`` is required, other names (products, promotions, ...) are ignored:

        - ``orders``: ``contact_id``, ``order_date`` (``order_id``, ``business`` if present);
        - ``contacts``: ``contact_id`` (and ``first_seen``, ``business`` if present). Contacts first
          seen at or after ``observation_period_end`` are left out, and so are their earlier events
          (ads they were shown before they noticed the business). Without it, the contacts are
          those found in orders and events;
        - ``events``, ``subscriptions``, ``tickets``, ``reviews``, ``referrals``: the other sample
          tables (see ``datasets/README.md``); a missing table simply contributes no signals.
    observation_period_end : date-like, optional
        Only what happened before this moment counts. Default: the day after the latest order or event.
    **thresholds
        Any of the thresholds below (defaults in :data:`STAGE_THRESHOLDS`); another name is a
        ``TypeError`` that lists them.

        - ``new_days`` (60): a customer whose first order is at most this many days old is *new*
          (source: 30-60);
        - ``at_risk_factor`` (1.5): *at risk* when the time since the last order exceeds this
          multiple of their usual gap;
        - ``lapsed_factor`` (3.0), ``lapsed_min_days`` (90): *lapsed* when the time since the last
          order exceeds both this multiple of their usual gap and ``lapsed_min_days``; a cancelled
          subscription with no order since also counts as lapsed;
        - ``returning_factor`` (1.0): a repeat buyer without a subscription whose usual gap exceeds
          this multiple of the typical gap is *returning* rather than *active*;
        - ``typical_gap_days`` (None): fix the typical gap (per business with a dict) instead of
          estimating it from the data;
        - ``fallback_gap_days`` (90): typical gap used when a business has no repeat customers yet;
        - ``risk_window_days`` (90), ``risk_tickets`` (1), ``low_rating`` (2): at-risk signals count
          when they fall within the last ``risk_window_days``: a downgrade, at least ``risk_tickets``
          support tickets, or a review of ``low_rating`` stars or fewer;
        - ``advocate_referrals`` (1), ``advocate_rating`` (5), ``advocate_reviews`` (1): *advocate*
          with at least ``advocate_referrals`` referrals, or at least ``advocate_reviews`` reviews of
          ``advocate_rating`` stars or more;
        - ``lead_events`` (lead_magnet_signup, add_to_cart, checkout_start): events that count as a
          sales-related micro-conversion (make a non-buyer a *lead*);
        - ``suspect_threshold`` (0.5): a non-buyer with a lookalike score at or above this is a
          *suspect*. The score (0-1) is the mean, over engagement measures (visits, page views,
          product and research page views, videos, social engagement, email clicks, sign-ups, time
          on site), of the share of buyers whose engagement before their first order was below this
          contact's (ties count half). 0.5 means "engages like the median buyer did before buying".

    Returns
    -------
    DataFrame
        Indexed by ``contact_id``, with ``stage`` (ordered categorical over
        :data:`RELATIONSHIP_STAGES`), ``reason``, ``business`` (when the tables tell it), and the
        features used: ``n_orders``, ``first_order``, ``last_order``, ``days_since_first``,
        ``days_since_last``, ``usual_gap_days``, ``typical_gap_days``, ``subscribed``, ``cancelled``,
        ``downgrades``, ``tickets``, ``low_ratings``, ``referrals``, ``strong_reviews``,
        ``lead_actions`` and ``lookalike``.

    Examples
    --------
    >>> orders = pd.DataFrame({
    ...     "contact_id": ["a", "b", "b", "b", "c"],
    ...     "order_date": pd.to_datetime(["2025-12-01", "2025-01-10", "2025-02-10", "2025-03-10", "2025-11-20"])})
    >>> contacts = pd.DataFrame({"contact_id": ["a", "b", "c", "d"]})
    >>> st = relationship_stages({"contacts": contacts, "orders": orders}, observation_period_end="2026-01-01",
    ...                          typical_gap_days=30)
    >>> st["stage"].astype(str).to_dict()
    {'a': 'new', 'b': 'lapsed', 'c': 'new', 'd': 'prospect'}
    >>> print(st.loc["b", "reason"])
    lapsed: last order 297 days ago, more than 3.0 x their usual gap of 30 days and more than 90 days
    >>> relationship_stages({"contacts": contacts, "orders": orders}, observation_period_end="2026-01-01", new_days=35,
    ...                     typical_gap_days=30)["stage"].astype(str).to_dict()
    {'a': 'new', 'b': 'lapsed', 'c': 'active', 'd': 'prospect'}
    >>> relationship_stages({"orders": orders}, new_day=35)
    Traceback (most recent call last):
    ...
    TypeError: relationship_stages() got an unknown threshold 'new_day' (did you mean 'new_days'?); ...
    """
    th = resolve_thresholds(thresholds, STAGE_THRESHOLDS, "relationship_stages")
    frames = _stage_tables(tables)
    past = _past(frames, observation_period_end, th["risk_window_days"])
    f = _order_rhythm(frames["orders"], past)
    business, business_labels = _business(frames, past)
    f["typical"] = _typical_gaps(business, business_labels, f["usual_gap"], th["typical_gap_days"],
                                 th["fallback_gap_days"])
    f["expected_gap"] = np.where(np.isnan(f["usual_gap"]), f["typical"], f["usual_gap"])
    f.update(_subscription_signals(frames["subscriptions"], past, f["last_order"]))
    f.update(_support_and_advocacy(frames, past, th["low_rating"], th["advocate_rating"]))
    f.update(_event_signals(frames["events"], past, f["first_order"], f["n_orders"] > 0, th["lead_events"]))
    choice = _choose_stages(f, th)
    reason = stage_reasons(choice, PRIORITY, {k: f[k] for k in REASON_FEATURES + f["lead_names"]},
                           f["lead_names"], th)
    return _stage_frame(choice, reason, f, business, business_labels, past.ids.index)


def _stage_tables(tables) -> dict:
    """The tables ``relationship_stages`` reads, from a mapping of table name to frame, their columns checked."""
    if isinstance(tables, pd.DataFrame) or not hasattr(tables, "get"):
        raise TypeError(
            "tables must be a mapping of table name to DataFrame, such as datasets.load_all() or "
            "{'orders': orders}; got " + type(tables).__name__
        )
    if tables.get("orders") is None:
        raise DataError("no orders table", fix="pass the orders as tables['orders'], e.g. {'orders': orders}")
    frames = {name: tables.get(name) for name in STAGE_TABLES}
    for name, columns in _COLUMNS.items():
        require_table(frames[name], columns, name)
    return frames


@dataclass(frozen=True)
class _Past:
    """What counts: the moment observation ends, the rows before it, and the contacts' shared codes."""

    end: np.datetime64  # observation_period_end as datetime64[ns]
    window_start: np.datetime64  # start of the window in which at-risk signals count
    ids: IdCodes  # codes of the contacts, orders and events kept (``ids.given``, in that order)
    order_dates: np.ndarray
    order_rows: np.ndarray  # orders before the end
    contact_rows: np.ndarray | None  # contacts first seen before the end
    event_times: np.ndarray | None
    event_rows: np.ndarray | None  # events before the end


def _past(frames, observation_period_end, risk_window_days) -> _Past:
    """The end of observation (default: the day after the last order or event), and who and what came before."""
    contacts, orders, events = frames["contacts"], frames["orders"], frames["events"]
    od = datetimes(orders, "order_date", "orders")
    et = datetimes(events, "timestamp", "events") if events is not None else None
    end = default_end(od, et) if observation_period_end is None else pd.Timestamp(observation_period_end)
    end64 = end.to_datetime64().astype("datetime64[ns]")
    o_keep = od < end64
    c_ids, c_keep = None, None
    if contacts is not None:
        c_keep = np.ones(len(contacts), bool)
        if "first_seen" in contacts.columns:
            fs = datetimes(contacts, "first_seen", "contacts")
            c_keep = np.isnat(fs) | (fs < end64)
        c_ids = rows(contacts["contact_id"], c_keep)
    e_keep = et < end64 if et is not None else None
    if e_keep is not None and c_keep is not None and not c_keep.all():
        # An ad shown to someone before they noticed the business (first_seen) does not make them a
        # contact yet: their events before the end are left out with them.
        e_keep &= ~events["contact_id"].isin(contacts["contact_id"][~c_keep]).to_numpy()
    ids = IdCodes(c_ids, rows(orders["contact_id"], o_keep),
                  rows(events["contact_id"], e_keep) if events is not None else None)
    window_start = end64 - np.timedelta64(int(risk_window_days * 86400), "s")
    return _Past(end64, window_start, ids, od, o_keep, c_keep, et, e_keep)


def _order_rhythm(orders, past: _Past) -> dict:
    """Orders, purchase days, first and last order, days since each, and the usual gap between purchase days."""
    n = past.ids.n
    n_orders, n_days, first_order, last_order = order_features(orders, past.order_dates, past.order_rows,
                                                               past.ids.given[1], n)
    return {
        "n_orders": n_orders,
        "n_days": n_days,
        "first_order": first_order,
        "last_order": last_order,
        "days_since_first": (past.end - first_order) / _DAY,
        "days_since_last": (past.end - last_order) / _DAY,
        "usual_gap": np.where(n_days >= 2, (last_order - first_order) / _DAY / np.maximum(n_days - 1, 1), np.nan),
    }


def _business(frames, past: _Past):
    """(code of each contact's business, labels of the codes): code 0 is "" (unknown).

    Read from the orders, then the contacts (which win); a missing value reads "nan", like ``astype(str)``.
    """
    labels = [""]
    business = np.zeros(past.ids.n, dtype=np.intp)

    def put(target, column, keep):
        col_codes, col_labels = label_codes(column)
        for label in col_labels:
            if label not in labels:
                labels.append(label)
        lut = np.array([labels.index(label) for label in col_labels], dtype=np.intp)
        business[target] = lut[col_codes[keep]]

    orders, contacts = frames["orders"], frames["contacts"]
    if "business" in orders.columns:
        put(past.ids.given[1], orders["business"], past.order_rows)
    if contacts is not None and "business" in contacts.columns:
        put(past.ids.given[0], contacts["business"], past.contact_rows)
    return business, np.asarray(labels, dtype=object)


def _typical_gaps(business, labels, usual_gap, typical_gap_days, fallback_gap_days) -> np.ndarray:
    """The typical gap of each contact's business: given, or the median usual gap of its repeat buyers."""
    typical = np.full(len(business), np.nan)
    for code in pd.unique(business):
        in_business = business == code
        if isinstance(typical_gap_days, dict):
            value = typical_gap_days.get(labels[code], np.nan)
        elif typical_gap_days is not None:
            value = float(typical_gap_days)
        else:
            gaps = usual_gap[in_business & ~np.isnan(usual_gap)]
            value = float(np.median(gaps)) if len(gaps) else np.nan
        typical[in_business] = fallback_gap_days if np.isnan(value) else value
    return typical


def _subscription_signals(subscriptions, past: _Past, last_order) -> dict:
    """Running subscriptions, the last cancellation, recent downgrades, and cancelled without an order since."""
    n = past.ids.n
    subscribed = np.zeros(n, bool)
    cancelled_at = np.full(n, NAT)
    downgrades = np.zeros(n, np.int64)
    if subscriptions is not None and len(subscriptions):
        s_codes = past.ids.codes(subscriptions["contact_id"])
        s_start = datetimes(subscriptions, "start_date", "subscriptions")
        s_end = datetimes(subscriptions, "end_date", "subscriptions")
        reason = label_codes(subscriptions["end_reason"], fill="")
        ok = (s_codes >= 0) & (s_start < past.end)
        ended = ~np.isnat(s_end) & (s_end < past.end)
        subscribed[s_codes[ok & ~ended]] = True
        canc = ok & ended & is_label(reason, "cancelled")
        cancelled_at = group_max(s_codes[canc], s_end[canc], n, EARLIEST)
        cancelled_at = np.where(cancelled_at == EARLIEST, NAT, cancelled_at)
        down = ok & ended & is_label(reason, "downgrade") & (s_end >= past.window_start)
        downgrades = group_count(s_codes[down], n)
    cancelled = ~np.isnat(cancelled_at) & ~subscribed & (np.isnat(last_order) | (last_order <= cancelled_at))
    return {"subscribed": subscribed, "cancelled_at": cancelled_at, "downgrades": downgrades, "cancelled": cancelled}


def _support_and_advocacy(frames, past: _Past, low_rating, advocate_rating) -> dict:
    """Recent support tickets and low reviews (in the risk window), strong reviews and referrals (ever)."""
    n = past.ids.n

    def counts(frame, id_column, time_column, table, recent, mask=None):
        if frame is None or not len(frame):
            return np.zeros(n, np.int64)
        codes = past.ids.codes(frame[id_column])
        t = datetimes(frame, time_column, table)
        keep = (codes >= 0) & (t < past.end)
        if recent:
            keep &= t >= past.window_start
        if mask is not None:
            keep &= mask
        return group_count(codes[keep], n)

    reviews = frames["reviews"]
    rating = (pd.to_numeric(reviews["rating"], errors="coerce").to_numpy()
              if reviews is not None and len(reviews) else None)
    return {
        "n_tickets": counts(frames["tickets"], "contact_id", "opened_at", "tickets", recent=True),
        "low": counts(reviews, "contact_id", "created_at", "reviews", True, None if rating is None else rating <= low_rating),
        "strong": counts(reviews, "contact_id", "created_at", "reviews", False,
                         None if rating is None else rating >= advocate_rating),
        "n_referrals": counts(frames["referrals"], "referrer_id", "created_at", "referrals", recent=False),
    }


def _event_signals(events, past: _Past, first_order, buyer, lead_events) -> dict:
    """Sales-related actions per lead event (``lead:<event>``), their total, and the lookalike score."""
    n = past.ids.n
    out = {"lead_names": []}
    if events is None:
        eng = engagement(None, None, np.array([], np.int64), None, first_order, n)
    else:
        e_codes = past.ids.given[2]
        ev_name = label_codes(events["event"])
        ev_name = (ev_name[0][past.event_rows], ev_name[1])
        for name in lead_events:
            if "lead:" + name not in out:
                out["lead_names"].append("lead:" + name)
            out["lead:" + name] = group_count(e_codes, n, is_label(ev_name, name))
        eng = engagement(events, past.event_rows, e_codes, past.event_times[past.event_rows], first_order, n, ev_name)
    leads = [out[k] for k in out["lead_names"]]
    out["lead_actions"] = sum(leads) if leads else np.zeros(n, np.int64)
    out["lookalike"] = lookalike(eng, buyer)
    return out


def _choose_stages(f: dict, th: dict) -> np.ndarray:
    """The rules, in :data:`PRIORITY` order: the position in PRIORITY of each contact's stage.

    Also adds ``overdue`` and ``lapsed_gap`` to ``f`` (the reasons name them).
    """
    buyer = f["n_orders"] > 0
    f["overdue"] = buyer & (f["days_since_last"] > th["at_risk_factor"] * f["expected_gap"])
    f["lapsed_gap"] = buyer & (f["days_since_last"] > np.maximum(th["lapsed_factor"] * f["expected_gap"],
                                                                 th["lapsed_min_days"]))
    rules = {
        "lapsed": f["lapsed_gap"] | (buyer & f["cancelled"]),
        "advocate": buyer & ((f["n_referrals"] >= th["advocate_referrals"]) | (f["strong"] >= th["advocate_reviews"])),
        "new": buyer & (f["days_since_first"] <= th["new_days"]),
        "at_risk": buyer & (f["overdue"] | (f["downgrades"] > 0) | (f["n_tickets"] >= th["risk_tickets"])
                            | (f["low"] > 0)),
        "active": buyer & (f["subscribed"] | (f["n_days"] < 2) | (f["usual_gap"] <= th["returning_factor"] * f["typical"])),
        "returning": buyer,
        "lead": ~buyer & (f["lead_actions"] > 0),
        "suspect": ~buyer & (f["lookalike"] >= th["suspect_threshold"]),
        "prospect": np.ones(len(buyer), bool),
    }
    return np.select([rules[s] for s in PRIORITY], list(range(len(PRIORITY))), default=len(PRIORITY) - 1)


def _stage_frame(choice, reason, f: dict, business, business_labels, index) -> pd.DataFrame:
    """The result of :func:`relationship_stages`: stage, reason, business (if known) and the features."""
    out = pd.DataFrame(
        {
            "stage": pd.Categorical.from_codes(np.array([RELATIONSHIP_STAGES.index(x) for x in PRIORITY])[choice],
                                               categories=list(RELATIONSHIP_STAGES), ordered=True),
            "reason": reason,
            "n_orders": f["n_orders"].astype(np.int64),
            "first_order": f["first_order"],
            "last_order": f["last_order"],
            "days_since_first": f["days_since_first"],
            "days_since_last": f["days_since_last"],
            "usual_gap_days": f["usual_gap"],
            "typical_gap_days": f["typical"],
            "subscribed": f["subscribed"],
            "cancelled": f["cancelled"],
            "downgrades": f["downgrades"].astype(np.int64),
            "tickets": f["n_tickets"].astype(np.int64),
            "low_ratings": f["low"].astype(np.int64),
            "referrals": f["n_referrals"].astype(np.int64),
            "strong_reviews": f["strong"].astype(np.int64),
            "lead_actions": np.asarray(f["lead_actions"], dtype=np.int64),
            "lookalike": f["lookalike"],
        },
        index=index,
    )
    if (business_labels[business] != "").any():
        import pyarrow as pa

        out.insert(2, "business", str_column(pa.array(business_labels.astype(str).tolist(), type=pa.string())
                                             .take(pa.array(business))))
    return out


def stage_counts(data, by=None, *, observation_period_end=None, **thresholds) -> pd.DataFrame:
    """How many contacts are in each relationship stage, and what share.

    Parameters
    ----------
    data : dict of DataFrames, or DataFrame
        The tables by name (then the stages are computed with :func:`relationship_stages`), or
        the frame :func:`relationship_stages` returned.
    by : str, optional
        A column of the stages frame to split the counts by, such as ``"business"``.
    observation_period_end : date-like, optional
        With tables: passed to :func:`relationship_stages`.
    **thresholds
        With tables: thresholds of :func:`relationship_stages` (see :data:`STAGE_THRESHOLDS`).

    Returns
    -------
    DataFrame
        Indexed by stage (every stage of :data:`RELATIONSHIP_STAGES`, in order): ``contacts`` and
        ``share`` of all contacts; with ``by``, one column of counts per group instead.

    Examples
    --------
    >>> st = pd.DataFrame({"stage": pd.Categorical(["new", "new", "lead"], categories=list(RELATIONSHIP_STAGES))})
    >>> stage_counts(st).loc[["lead", "new", "advocate"]].values.tolist()
    [[1.0, 0.3333333333333333], [2.0, 0.6666666666666666], [0.0, 0.0]]
    """
    if isinstance(data, dict):
        st = relationship_stages(data, observation_period_end=observation_period_end, **thresholds)
    else:
        st = data
    stage = pd.Categorical(st["stage"].astype(str), categories=list(RELATIONSHIP_STAGES), ordered=True)
    if by is None:
        counts = pd.Series(stage).value_counts(sort=False).reindex(list(RELATIONSHIP_STAGES), fill_value=0)
        out = pd.DataFrame({"contacts": counts.astype(float)})
        out["share"] = out["contacts"] / max(out["contacts"].sum(), 1)
        out.index.name = "stage"
        return out
    groups = st[by].to_numpy()
    table = pd.crosstab(pd.Series(stage, name="stage"), pd.Series(groups, name=by), dropna=False)
    return table.reindex(list(RELATIONSHIP_STAGES), fill_value=0)
