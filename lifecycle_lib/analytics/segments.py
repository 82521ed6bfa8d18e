"""Who is each contact to the business? Relationship stages and behaviour types, by rules.

Relationship stage (:func:`relationship_stages`)
------------------------------------------------
Every contact gets exactly one of nine stages, computed from what happened *before* ``observation_period_end``:

=========== ====================================================================================
prospect    on the list, no order and no sales-related action yet (the default)
suspect     no order, but engages like the buyers did before their first purchase (a lookalike)
lead        no order, but took a sales-related step (lead-magnet sign-up, cart, checkout)
new         first order within the last ``new_days`` (30-60 days in the source; default 60)
active      buying within the normal rhythm: a running subscription, or repeat gaps no longer than
            ``returning_factor`` x the typical gap, and not overdue
returning   comes back now and then: repeat buyer, no subscription, gaps longer than typical
at_risk     still a customer, but signalling: overdue against their own rhythm, a downgrade, recent
            support tickets or low ratings
lapsed      gone far beyond their usual interval, or cancelled and not bought since
advocate    referred someone or left strong reviews, and has not lapsed
=========== ====================================================================================

When several rules match, the first in :data:`PRIORITY` wins:
lapsed > advocate > new > at_risk > active > returning for customers, then lead > suspect >
prospect for contacts without an order. So an advocate who has gone quiet for a year is lapsed, and
a new customer who filed a ticket is still new (the ``reason`` column mentions the ticket).

The *usual gap* of a repeat customer is the mean time between their purchase days; a one-time buyer
is measured against the *typical gap*, the median usual gap of the business's repeat customers
(estimated from the data as of the date, or fixed with ``typical_gap_days``).

Behaviour types (:func:`behaviour_types`)
-----------------------------------------
Impulse, wandering, need-based, discount hunter, researcher, dissatisfied and loyal, by rules on
events, orders, tickets and reviews; :func:`score_rules` compares them with the simulator's answer key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib._util.columns import IdCodes, Text, fmt as _fmt, is_label, join as _join, label_codes
from lifecycle_lib._util.columns import plural as _plural, str_column, where as _where

__all__ = [
    "RELATIONSHIP_STAGES",
    "PRIORITY",
    "STAGE_TACTICS",
    "BEHAVIOUR_TYPES",
    "BEHAVIOUR_TACTICS",
    "relationship_stages",
    "stage_counts",
    "behaviour_types",
    "score_rules",
    "RuleScore",
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

#: The seven behaviour types of the sources.
BEHAVIOUR_TYPES = ("impulse", "wandering", "need_based", "discount_hunter", "researcher", "dissatisfied", "loyal")

#: What the sources advise for each behaviour type.
BEHAVIOUR_TACTICS = {
    "impulse": "Put the offer where they already are (ads, social posts) and make buying on the spot easy.",
    "wandering": "Spark their interest with something new or personal; many browse for the experience, so "
    "do not spend much on them.",
    "need_based": "Be found when the need arises and deliver fast; nurture them after the purchase, since "
    "competitors lure them easily and they often become loyal.",
    "discount_hunter": "Avoid plain discounts: a discount on the second purchase, bulk discounts, or a "
    "cheaper version with fewer features.",
    "researcher": "Give them everything to decide: dimensions, instructions, sizing guides, photos and videos "
    "(white papers and downloads in B2B).",
    "dissatisfied": "Answer bad reviews quickly, understand the complaint before replying, and fix the root "
    "cause (damaged parcels mean fixing fulfilment, not blaming the carrier).",
    "loyal": "They are the bread, the rest is the butter: recognise them (elite-status style perks, early "
    "access to sales).",
}

_DAY = np.timedelta64(1, "D")


# ---------------------------------------------------------------------------------------------
# Input checks and helpers
# ---------------------------------------------------------------------------------------------
def _need(frame, columns, table: str) -> None:
    from lifecycle_lib.data.schema import require_columns

    if frame is not None:  # optional tables may be left out
        require_columns(frame, columns, what=f"{table} table",
                        fix=f"add or rename it (the {table} table needs {list(columns)})")


def _times(frame: pd.DataFrame, column: str, table: str) -> np.ndarray:
    """A datetime column as datetime64[ns] (naive), with a DataError naming unreadable rows."""
    from lifecycle_lib.errors import DataError

    raw = frame[column]
    parsed = pd.to_datetime(raw, errors="coerce")
    bad = parsed.isna() & raw.notna()
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())
        raise DataError(
            f"dates in the {table} table cannot be read",
            column=column,
            rows=list(frame.index[rows]),
            values=raw.iloc[rows[:5]].tolist(),
            fix="write dates as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS",
        )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.to_numpy("datetime64[ns]")


def _default_as_of(*stamps) -> pd.Timestamp:
    """The day after the latest time seen (midnight), the moment the data ends."""
    latest = [s.max() for s in stamps if s is not None and len(s) and not np.isnat(s.max())]
    if not latest:
        raise ValueError("cannot infer observation_period_end from empty tables; pass observation_period_end='YYYY-MM-DD'")
    return pd.Timestamp(max(latest)).normalize() + pd.Timedelta(days=1)


def _ids_codes(column) -> np.ndarray:
    """Integer codes of an id column (order ids...), equal codes for equal ids; no labels kept."""
    return IdCodes(column, name=None, labels=False).given[0]


def _distinct_count(codes, values, n) -> np.ndarray:
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


def _rows(column: pd.Series, keep) -> pd.Series:
    """The rows of a column where ``keep`` is True (the column itself when all are)."""
    return column if keep is None or keep.all() else column[np.asarray(keep)]


def _dates(stamps) -> Text:
    """Datetimes as YYYY-MM-DD text, "?" where missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(np.asarray(stamps, dtype="datetime64[ns]"), from_pandas=True)
    return Text(pc.fill_null(pc.strftime(arr, format="%Y-%m-%d"), "?"))


def _assemble(pieces, positions, n):
    """One str column from Text pieces that hold the rows ``positions`` each."""
    import pyarrow as pa

    if not pieces:
        return str_column(pa.array([""] * n, type=pa.string()))
    order = np.concatenate(positions)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(len(order))
    combined = pa.concat_arrays([p.arr for p in pieces])
    return str_column(combined.take(pa.array(inverse)))


def _first_of_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct (a, b) pair of non-negative int codes."""
    key = a.astype(np.int64) * (int(b.max()) + 1 if len(b) else 1) + b.astype(np.int64)
    return np.flatnonzero(~pd.Series(key).duplicated().to_numpy())


def _count(codes, n, mask=None, weights=None) -> np.ndarray:
    if mask is not None:
        codes = codes[mask]
        weights = None if weights is None else weights[mask]
    return np.bincount(codes, weights=weights, minlength=n)


def _group_reduce(ufunc, codes, values, n, fill) -> np.ndarray:
    """``ufunc.at`` per group code; datetimes go through their int64 view (the fast path of ``ufunc.at``).

    The values hold no NaT (callers drop them first), so the int64 order is the datetime order.
    """
    out = np.full(n, fill, dtype=values.dtype)
    if len(codes):
        if values.dtype.kind == "M":
            ufunc.at(out.view(np.int64), codes, values.view(np.int64))
        else:
            ufunc.at(out, codes, values)
    return out


def _group_max(codes, values, n, fill) -> np.ndarray:
    return _group_reduce(np.maximum, codes, values, n, fill)


def _group_min(codes, values, n, fill) -> np.ndarray:
    return _group_reduce(np.minimum, codes, values, n, fill)


# ---------------------------------------------------------------------------------------------
# Relationship stages
# ---------------------------------------------------------------------------------------------
_ENGAGEMENT = ("visits", "page_views", "product_views", "research_views", "video_views", "social", "email_clicks",
               "signups", "time_on_site")


def _engagement(events: pd.DataFrame | None, rows, ev_codes, ev_t, first_order, n, ev=None) -> pd.DataFrame:
    """Engagement counts per contact; for buyers only what they did before their first order."""
    feats = {name: np.zeros(n) for name in _ENGAGEMENT}
    if events is None or not len(ev_codes):
        return pd.DataFrame(feats)
    fo = first_order[ev_codes]
    keep = np.isnat(fo) | (ev_t < fo)
    codes = ev_codes[keep]
    # ev: event codes and labels of the rows kept (before observation_period_end); page and duration likewise
    ev = (ev[0][keep], ev[1])
    page = label_codes(events["page"], fill="") if "page" in events.columns else None
    page = (page[0][rows][keep], page[1]) if page is not None else (np.full(len(codes), -1),
                                                                     np.array([""], dtype=object))
    dur = (pd.to_numeric(events["duration_s"], errors="coerce").astype("float64").fillna(0.0).to_numpy()[rows][keep]
           if "duration_s" in events.columns else np.zeros(len(codes)))
    is_pv = is_label(ev, "page_view")
    is_visit = is_label(ev, "visit")
    feats["visits"] = _count(codes, n, is_visit)
    feats["page_views"] = _count(codes, n, is_pv)
    feats["product_views"] = _count(codes, n, is_pv & is_label(page, "product"))
    feats["research_views"] = _count(codes, n, is_pv & is_label(page, ["sizing_guide", "reviews", "faq"]))
    feats["video_views"] = _count(codes, n, is_label(ev, "video_view"))
    feats["social"] = _count(codes, n, is_label(ev, "social_engagement"))
    feats["email_clicks"] = _count(codes, n, is_label(ev, "email_click"))
    feats["signups"] = _count(codes, n, is_label(ev, ["newsletter_signup", "lead_magnet_signup"]))
    feats["time_on_site"] = _count(codes, n, is_visit, weights=dur)
    return pd.DataFrame(feats)


def _order_features(orders: pd.DataFrame, od: np.ndarray, o_keep: np.ndarray, o_codes: np.ndarray, n: int):
    """Per contact code: orders (distinct order ids), distinct purchase days, first and last order (NaT if none).

    ``od`` are the order dates as datetime64[ns], ``o_keep`` the rows before observation_period_end, ``o_codes`` the
    contact codes of those rows.
    """
    o_t = od[o_keep]
    if "order_id" in orders.columns:
        n_orders = _distinct_count(o_codes, _ids_codes(orders["order_id"])[o_keep], n)
    else:
        n_orders = np.bincount(o_codes, minlength=n)
    n_days = _distinct_count(o_codes, o_t.astype("datetime64[D]").view(np.int64), n)
    nat = np.datetime64("NaT", "ns")
    first_order = _group_min(o_codes, o_t, n, np.datetime64("2262-01-01", "ns"))
    last_order = _group_max(o_codes, o_t, n, np.datetime64("1678-01-01", "ns"))
    buyer = n_orders > 0
    return n_orders, n_days, np.where(buyer, first_order, nat), np.where(buyer, last_order, nat)


def _lookalike(engagement: pd.DataFrame, is_buyer: np.ndarray) -> np.ndarray:
    """Mean mid-rank percentile of each contact's engagement among buyers' pre-purchase engagement."""
    n = len(engagement)
    if not is_buyer.any():
        return np.zeros(n)
    total = np.zeros(n)
    for col in engagement.columns:
        ref = np.sort(engagement[col].to_numpy()[is_buyer])
        x = engagement[col].to_numpy()
        lo = np.searchsorted(ref, x, side="left")
        hi = np.searchsorted(ref, x, side="right")
        total += (lo + hi) / 2 / len(ref)
    return total / engagement.shape[1]


STAGE_TABLES = ("contacts", "orders", "events", "subscriptions", "tickets", "reviews", "referrals")


def _stage_tables(tables) -> dict:
    """The tables ``relationship_stages`` reads, from a mapping of table name to frame."""
    if isinstance(tables, pd.DataFrame) or not hasattr(tables, "get"):
        raise TypeError(
            "tables must be a mapping of table name to DataFrame, such as datasets.load_all() or "
            "{'orders': orders}; got " + type(tables).__name__
        )
    if tables.get("orders") is None:
        from lifecycle_lib.errors import DataError

        raise DataError("no orders table", fix="pass the orders as tables['orders'], e.g. {'orders': orders}")
    return {name: tables.get(name) for name in STAGE_TABLES}


def relationship_stages(
    tables,
    *,
    observation_period_end=None,
    new_days: float = 60,
    at_risk_factor: float = 1.5,
    lapsed_factor: float = 3.0,
    lapsed_min_days: float = 90,
    returning_factor: float = 1.0,
    typical_gap_days=None,
    fallback_gap_days: float = 90,
    risk_window_days: float = 90,
    risk_tickets: int = 1,
    low_rating: int = 2,
    advocate_referrals: int = 1,
    advocate_rating: int = 5,
    advocate_reviews: int = 1,
    lead_events=("lead_magnet_signup", "add_to_cart", "checkout_start"),
    suspect_threshold: float = 0.5,
) -> pd.DataFrame:
    """The relationship stage of every contact as of a date, with the reason in plain words.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        The tables by name, as :func:`lifecycle_lib.data.datasets.load_all` returns them; only
        ``orders`` is required, other names (products, promotions, ...) are ignored:

        - ``orders``: ``contact_id``, ``order_date`` (``order_id``, ``business`` if present);
        - ``contacts``: ``contact_id`` (and ``first_seen``, ``business`` if present). Contacts first
          seen at or after ``observation_period_end`` are left out. Without it, the contacts are
          those found in orders and events;
        - ``events``, ``subscriptions``, ``tickets``, ``reviews``, ``referrals``: the other sample
          tables (see ``datasets/README.md``); a missing table simply contributes no signals.
    observation_period_end : date-like, optional
        Only what happened before this moment counts. Default: the day after the latest order or event.
    new_days : float
        A customer whose first order is at most this many days old is *new* (source: 30-60).
    at_risk_factor : float
        *At risk* when the time since the last order exceeds this multiple of their usual gap.
    lapsed_factor, lapsed_min_days : float
        *Lapsed* when the time since the last order exceeds both this multiple of their usual gap and
        ``lapsed_min_days``; a cancelled subscription with no order since also counts as lapsed.
    returning_factor : float
        A repeat buyer without a subscription whose usual gap exceeds this multiple of the typical gap
        is *returning* rather than *active*.
    typical_gap_days : float or dict, optional
        Fix the typical gap (per business with a dict) instead of estimating it from the data.
    fallback_gap_days : float
        Typical gap used when a business has no repeat customers yet.
    risk_window_days, risk_tickets, low_rating : number
        At-risk signals count when they fall within the last ``risk_window_days``: a downgrade, at least
        ``risk_tickets`` support tickets, or a review of ``low_rating`` stars or fewer.
    advocate_referrals, advocate_rating, advocate_reviews : int
        *Advocate* with at least ``advocate_referrals`` referrals, or at least ``advocate_reviews``
        reviews of ``advocate_rating`` stars or more.
    lead_events : tuple of str
        Events that count as a sales-related micro-conversion (make a non-buyer a *lead*).
    suspect_threshold : float
        A non-buyer with a lookalike score at or above this is a *suspect*. The score (0-1) is the mean,
        over engagement measures (visits, page views, product and research page views, videos, social
        engagement, email clicks, sign-ups, time on site), of the share of buyers whose engagement
        before their first order was below this contact's (ties count half). 0.5 means "engages like
        the median buyer did before buying".

    Returns
    -------
    DataFrame indexed by ``contact_id`` with ``stage`` (ordered categorical over
    :data:`RELATIONSHIP_STAGES`), ``reason``, and the features used: ``n_orders``, ``first_order``,
    ``last_order``, ``days_since_first``, ``days_since_last``, ``usual_gap_days``, ``typical_gap_days``,
    ``subscribed``, ``cancelled``, ``downgrades``, ``tickets``, ``low_ratings``, ``referrals``,
    ``strong_reviews``, ``lead_actions`` and ``lookalike``.

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
    """
    frames = _stage_tables(tables)
    contacts, orders, events = frames["contacts"], frames["orders"], frames["events"]
    subscriptions, tickets, reviews, referrals = (frames[k] for k in ("subscriptions", "tickets", "reviews", "referrals"))
    _need(orders, ["contact_id", "order_date"], "orders")
    _need(contacts, ["contact_id"], "contacts")
    _need(events, ["contact_id", "timestamp", "event"], "events")
    _need(subscriptions, ["contact_id", "start_date", "end_date", "end_reason"], "subscriptions")
    _need(tickets, ["contact_id", "opened_at"], "tickets")
    _need(reviews, ["contact_id", "created_at", "rating"], "reviews")
    _need(referrals, ["referrer_id", "created_at"], "referrals")

    od = _times(orders, "order_date", "orders")
    et = _times(events, "timestamp", "events") if events is not None else None
    observation_period_end = _default_as_of(od, et) if observation_period_end is None else pd.Timestamp(observation_period_end)
    as_of64 = observation_period_end.to_datetime64().astype("datetime64[ns]")

    # Only the past counts.
    o_keep = od < as_of64
    c_ids = None
    if contacts is not None:
        c_keep = np.ones(len(contacts), bool)
        if "first_seen" in contacts.columns:
            fs = _times(contacts, "first_seen", "contacts")
            c_keep = np.isnat(fs) | (fs < as_of64)
        c_ids = _rows(contacts["contact_id"], c_keep)
    e_keep = et < as_of64 if et is not None else None
    ids = IdCodes(c_ids, _rows(orders["contact_id"], o_keep),
                  _rows(events["contact_id"], e_keep) if events is not None else None)
    n = ids.n

    # ---- orders ----
    o_codes = ids.given[1]
    n_orders, n_days, first_order, last_order = _order_features(orders, od, o_keep, o_codes, n)
    nat = np.datetime64("NaT", "ns")
    buyer = n_orders > 0
    days_since_first = (as_of64 - first_order) / _DAY
    days_since_last = (as_of64 - last_order) / _DAY
    usual_gap = np.where(n_days >= 2, (last_order - first_order) / _DAY / np.maximum(n_days - 1, 1), np.nan)

    # Business of each contact (for the typical gap), when known.
    # As codes into biz_labels; code 0 is "" (unknown), a missing value reads "nan" like astype(str).
    biz_labels = [""]
    business = np.zeros(n, dtype=np.intp)

    def put_business(target, column, keep):
        col_codes, col_labels = label_codes(column)
        for label in col_labels:
            if label not in biz_labels:
                biz_labels.append(label)
        lut = np.array([biz_labels.index(label) for label in col_labels], dtype=np.intp)
        business[target] = lut[col_codes[keep]]

    if "business" in orders.columns:
        put_business(o_codes, orders["business"], o_keep)
    if contacts is not None and "business" in contacts.columns:
        put_business(ids.given[0], contacts["business"], c_keep)
    biz_labels = np.asarray(biz_labels, dtype=object)
    typical = np.full(n, np.nan)
    for code in pd.unique(business):
        biz = biz_labels[code]
        in_biz = business == code
        if isinstance(typical_gap_days, dict):
            value = typical_gap_days.get(biz, np.nan)
        elif typical_gap_days is not None:
            value = float(typical_gap_days)
        else:
            gaps = usual_gap[in_biz & ~np.isnan(usual_gap)]
            value = float(np.median(gaps)) if len(gaps) else np.nan
        typical[in_biz] = fallback_gap_days if np.isnan(value) else value
    expected_gap = np.where(np.isnan(usual_gap), typical, usual_gap)

    # ---- subscriptions ----
    subscribed = np.zeros(n, bool)
    cancelled_at = np.full(n, nat)
    downgrades = np.zeros(n, np.int64)
    window_start = as_of64 - np.timedelta64(int(risk_window_days * 86400), "s")
    if subscriptions is not None and len(subscriptions):
        s_codes = ids.codes(subscriptions["contact_id"])
        s_start = _times(subscriptions, "start_date", "subscriptions")
        s_end = _times(subscriptions, "end_date", "subscriptions")
        reason = label_codes(subscriptions["end_reason"], fill="")
        ok = (s_codes >= 0) & (s_start < as_of64)
        ended = ~np.isnat(s_end) & (s_end < as_of64)
        running = ok & ~ended
        subscribed[s_codes[running]] = True
        canc = ok & ended & is_label(reason, "cancelled")
        cancelled_at = _group_max(s_codes[canc], s_end[canc], n, np.datetime64("1678-01-01", "ns"))
        cancelled_at = np.where(cancelled_at == np.datetime64("1678-01-01", "ns"), nat, cancelled_at)
        down = ok & ended & is_label(reason, "downgrade") & (s_end >= window_start)
        downgrades = _count(s_codes[down], n)
    cancelled = ~np.isnat(cancelled_at) & ~subscribed & (np.isnat(last_order) | (last_order <= cancelled_at))

    # ---- tickets, reviews, referrals ----
    def recent_count(frame, col, table, mask_fn=None):
        if frame is None or not len(frame):
            return np.zeros(n, np.int64)
        codes = ids.codes(frame["contact_id"])
        t = _times(frame, col, table)
        keep = (codes >= 0) & (t < as_of64) & (t >= window_start)
        if mask_fn is not None:
            keep &= mask_fn(frame)
        return _count(codes[keep], n)

    n_tickets = recent_count(tickets, "opened_at", "tickets")
    low = recent_count(reviews, "created_at", "reviews",
                       lambda f: pd.to_numeric(f["rating"], errors="coerce").to_numpy() <= low_rating)
    strong = np.zeros(n, np.int64)
    if reviews is not None and len(reviews):
        r_codes = ids.codes(reviews["contact_id"])
        r_t = _times(reviews, "created_at", "reviews")
        good = (r_codes >= 0) & (r_t < as_of64) & (pd.to_numeric(reviews["rating"], errors="coerce").to_numpy()
                                                    >= advocate_rating)
        strong = _count(r_codes[good], n)
    n_referrals = np.zeros(n, np.int64)
    if referrals is not None and len(referrals):
        f_codes = ids.codes(referrals["referrer_id"])
        f_t = _times(referrals, "created_at", "referrals")
        keep = (f_codes >= 0) & (f_t < as_of64)
        n_referrals = _count(f_codes[keep], n)

    # ---- events: lead actions and the lookalike score ----
    lead_counts = {}
    if events is not None:
        e_codes = ids.given[2]
        ev_name = label_codes(events["event"])
        ev_name = (ev_name[0][e_keep], ev_name[1])
        for name in lead_events:
            lead_counts[name] = _count(e_codes, n, is_label(ev_name, name))
        eng = _engagement(events, e_keep, e_codes, et[e_keep], first_order, n, ev_name)
    else:
        eng = _engagement(None, None, np.array([], np.int64), None, first_order, n)
    lead_actions = sum(lead_counts.values()) if lead_counts else np.zeros(n, np.int64)
    # Without any engagement there is nothing to look alike: the score is 0.
    lookalike = np.where(eng.to_numpy().sum(axis=1) > 0, _lookalike(eng, buyer), 0.0)

    # ---- the rules ----
    overdue = buyer & (days_since_last > at_risk_factor * expected_gap)
    lapsed_gap = buyer & (days_since_last > np.maximum(lapsed_factor * expected_gap, lapsed_min_days))
    rules = {
        "lapsed": lapsed_gap | (buyer & cancelled),
        "advocate": buyer & ((n_referrals >= advocate_referrals) | (strong >= advocate_reviews)),
        "new": buyer & (days_since_first <= new_days),
        "at_risk": buyer & (overdue | (downgrades > 0) | (n_tickets >= risk_tickets) | (low > 0)),
        "active": buyer & (subscribed | (n_days < 2) | (usual_gap <= returning_factor * typical)),
        "returning": buyer,
        "lead": ~buyer & (lead_actions > 0),
        "suspect": ~buyer & (lookalike >= suspect_threshold),
        "prospect": np.ones(n, bool),
    }
    choice = np.select([rules[s] for s in PRIORITY], list(range(len(PRIORITY))), default=len(PRIORITY) - 1)

    # ---- reasons: built per stage on that stage's rows only ----
    pieces, positions = [], []
    arrays = {
        "days_since_last": days_since_last, "days_since_first": days_since_first, "expected_gap": expected_gap,
        "typical": typical, "usual_gap": usual_gap, "cancelled": cancelled, "lapsed_gap": lapsed_gap,
        "cancelled_at": cancelled_at, "n_referrals": n_referrals, "strong": strong, "overdue": overdue,
        "downgrades": downgrades, "n_tickets": n_tickets, "low": low, "subscribed": subscribed, "n_days": n_days,
        "n_orders": n_orders, "lookalike": lookalike, **{"lead:" + k: v for k, v in lead_counts.items()},
    }
    window = f"in the last {risk_window_days:g} days"

    def signals(v):
        gap_word = _where(np.isnan(v["usual_gap"]), "the typical gap", "their usual gap")
        return _join([
            _where(v["overdue"], _fmt(v["days_since_last"]) + " days since the last order, more than "
                     + f"{at_risk_factor:.1f} x " + gap_word + " of " + _fmt(v["expected_gap"]) + " days", ""),
            _where(v["downgrades"] > 0, "downgraded their plan " + window, ""),
            _where(v["n_tickets"] >= risk_tickets, _fmt(v["n_tickets"]) + " support "
                     + _plural(v["n_tickets"], "ticket") + " " + window, ""),
            _where(v["low"] > 0, _fmt(v["low"]) + " " + _plural(v["low"], "review")
                     + f" of {low_rating} stars or less " + window, ""),
        ], "; ")

    def text_for(name, v):
        last = _fmt(v["days_since_last"])
        if name == "lapsed":
            gap_word = _where(np.isnan(v["usual_gap"]), "the typical gap", "their usual gap")
            when = _dates(v["cancelled_at"])
            return _where(
                v["cancelled"] & ~v["lapsed_gap"],
                "cancelled their subscription on " + when + " and has not bought since",
                "last order " + last + f" days ago, more than {lapsed_factor:.1f} x " + gap_word + " of "
                + _fmt(v["expected_gap"]) + f" days and more than {lapsed_min_days:g} days")
        if name == "advocate":
            refs, good = v["n_referrals"], v["strong"]
            adv = _where(refs >= advocate_referrals,
                           "referred " + _fmt(refs) + _where(refs == 1, " person", " people"), "")
            rev = _where(good >= advocate_reviews,
                           "left " + _fmt(good) + " " + _plural(good, "review") + f" of {advocate_rating}+ stars", "")
            return _join([adv, rev], " and ") + "; last order " + last + " days ago"
        if name == "new":
            sig = signals(v)
            return ("first order " + _fmt(v["days_since_first"]) + f" days ago (within {new_days:g} days)"
                    + _where(sig.nonempty(), "; note: " + sig, ""))
        if name == "at_risk":
            return signals(v)
        if name == "active":
            return _where(
                v["subscribed"], "subscription running; last order " + last + " days ago",
                _where(v["n_days"] < 2,
                         "one order, " + last + f" days ago, within {at_risk_factor:g} x the typical gap of "
                         + _fmt(v["typical"]) + " days",
                         _fmt(v["n_orders"]) + " orders every " + _fmt(v["expected_gap"]) + " days on average (typical "
                         + _fmt(v["typical"]) + "); last order " + last + " days ago"))
        if name == "returning":
            return (_fmt(v["n_orders"]) + " orders every " + _fmt(v["expected_gap"])
                    + " days on average, longer than the typical " + _fmt(v["typical"])
                    + " days; no subscription; last order " + last + " days ago")
        if name == "lead":
            return "no order yet; sales-related action: " + _join(
                [_where(v["lead:" + k] > 0, k, "") for k in lead_counts], ", ")
        if name == "suspect":
            return ("no order yet; engages like buyers did before buying (lookalike score " + _fmt(v["lookalike"], 2)
                    + f" >= {suspect_threshold:g})")
        return ("no order and no sales-related action yet; lookalike score " + _fmt(v["lookalike"], 2)
                + f" below {suspect_threshold:g}")

    for number, name in enumerate(PRIORITY):
        rows = np.flatnonzero(choice == number)
        if len(rows):
            v = {k: np.asarray(a)[rows] for k, a in arrays.items()}
            text = text_for(name, v)
            if not isinstance(text, Text):
                text = _where(np.ones(len(rows), bool), text, "")
            pieces.append(name.replace("_", "-") + ": " + text)
            positions.append(rows)
    reason = _assemble(pieces, positions, n)

    out = pd.DataFrame(
        {
            "stage": pd.Categorical.from_codes(np.array([RELATIONSHIP_STAGES.index(x) for x in PRIORITY])[choice],
                                               categories=list(RELATIONSHIP_STAGES), ordered=True),
            "reason": reason,
            "n_orders": n_orders.astype(np.int64),
            "first_order": first_order,
            "last_order": last_order,
            "days_since_first": days_since_first,
            "days_since_last": days_since_last,
            "usual_gap_days": usual_gap,
            "typical_gap_days": typical,
            "subscribed": subscribed,
            "cancelled": cancelled,
            "downgrades": downgrades.astype(np.int64),
            "tickets": n_tickets.astype(np.int64),
            "low_ratings": low.astype(np.int64),
            "referrals": n_referrals.astype(np.int64),
            "strong_reviews": strong.astype(np.int64),
            "lead_actions": np.asarray(lead_actions, dtype=np.int64),
            "lookalike": lookalike,
        },
        index=ids.index,
    )
    if (biz_labels[business] != "").any():
        import pyarrow as pa

        out.insert(2, "business", str_column(pa.array(biz_labels.astype(str).tolist(), type=pa.string())
                                             .take(pa.array(business))))
    return out


def stage_counts(stages_or_tables, by=None, **kwargs) -> pd.DataFrame:
    """How many contacts are in each relationship stage, and what share.

    Takes the output of :func:`relationship_stages`, or the tables as a dict (then ``kwargs`` go to
    :func:`relationship_stages`). With ``by="business"`` the counts are split by business.

    >>> st = pd.DataFrame({"stage": pd.Categorical(["new", "new", "lead"], categories=list(RELATIONSHIP_STAGES))})
    >>> stage_counts(st).loc[["lead", "new", "advocate"]].values.tolist()
    [[1.0, 0.3333333333333333], [2.0, 0.6666666666666666], [0.0, 0.0]]
    """
    if isinstance(stages_or_tables, dict):
        st = relationship_stages(stages_or_tables, **kwargs)
    else:
        st = stages_or_tables
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


# ---------------------------------------------------------------------------------------------
# Behaviour types
# ---------------------------------------------------------------------------------------------
#: Default thresholds of :func:`behaviour_types` (tuned on the sample data so the rules are useful
#: but, like any rules, far from perfect).
BEHAVIOUR_THRESHOLDS = {
    "complaint_topics": ("damaged_parcel", "late_delivery", "quality", "cancellation"),
    "low_rating": 2,
    "loyal_min_orders": 3,
    "loyal_min_renewals": 10,
    "loyal_rating": 4,
    "discount_share": 0.5,
    "promo_opens": 3,
    "research_share": 0.25,
    "research_views": 5,
    "research_videos": 3,
    "wandering_visits": 5,
    "wandering_orders_per_visit": 0.1,
    "quick_visits": 3,
}
__all__.append("BEHAVIOUR_THRESHOLDS")

_BEHAVIOUR_ORDER = ("dissatisfied", "loyal", "discount_hunter", "researcher", "wandering", "impulse", "need_based")


def behaviour_types(tables: dict, observation_period_end=None, **thresholds) -> pd.DataFrame:
    """A behaviour type for every contact, by rules, with the reason.

    The rules are tried in this order and the first that matches wins (names of the thresholds in
    brackets, defaults in :data:`BEHAVIOUR_THRESHOLDS`):

    1. **dissatisfied**: a complaint ticket (``complaint_topics``), a review of ``low_rating`` stars or
       fewer, a returned item, or a plan downgrade;
    2. **loyal**: referred someone, or a review of ``loyal_rating``+ stars with a repeat order, or at
       least ``loyal_min_orders`` orders placed by hand, or ``loyal_min_renewals`` subscription renewals;
    3. **discount_hunter**: at least ``discount_share`` of the order lines bought on a discount,
       promotion or code, or at least ``promo_opens`` promotional emails opened;
    4. **researcher**: at least ``research_share`` of page views on sizing-guide, review and FAQ pages,
       with ``research_views`` such views or ``research_videos`` videos;
    5. **wandering**: ``wandering_visits`` visits or more, with at most ``wandering_orders_per_visit``
       orders per visit;
    6. **impulse**: first visit from an ad or social post and at most ``quick_visits`` visits;
    7. **need_based**: first visit from search and at most ``quick_visits`` visits, or any other buyer;
       contacts left over without an order are **wandering**.

    Parameters
    ----------
    tables : dict of DataFrames
        ``orders`` and ``events`` at least; ``tickets``, ``reviews``, ``referrals``, ``subscriptions``
        and ``contacts`` when available (as returned by ``datasets.simulate``).
    observation_period_end : date-like, optional
        Only what happened before counts (default: everything).
    **thresholds
        Any key of :data:`BEHAVIOUR_THRESHOLDS`.

    Returns
    -------
    DataFrame indexed by contact_id: ``behaviour_type`` (categorical over :data:`BEHAVIOUR_TYPES`),
    ``reason``, and the features used.

    >>> orders = pd.DataFrame({"order_id": ["1", "2", "3", "4"], "contact_id": ["a", "a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-05-01", "2025-02-01"]),
    ...     "discount": [0.0, 0.0, 0.0, 0.2], "returned": [False] * 4})
    >>> events = pd.DataFrame({"contact_id": ["a", "b", "c", "c", "c", "c", "c"],
    ...     "timestamp": pd.to_datetime(["2025-01-01"] * 2 + ["2025-02-0%d" % d for d in range(1, 6)]),
    ...     "event": ["visit"] * 7, "source": ["search", "ads", "social", "direct", "direct", "direct", "direct"]})
    >>> bt = behaviour_types({"orders": orders, "events": events})
    >>> bt["behaviour_type"].astype(str).to_dict()
    {'a': 'loyal', 'b': 'discount_hunter', 'c': 'wandering'}
    >>> print(bt.loc["c", "reason"])
    wandering: 5 visits and 0 orders
    """
    unknown = sorted(set(thresholds) - set(BEHAVIOUR_THRESHOLDS))
    if unknown:
        raise TypeError(f"unknown threshold(s) {unknown}; the thresholds are {sorted(BEHAVIOUR_THRESHOLDS)}")
    th = {**BEHAVIOUR_THRESHOLDS, **thresholds}
    if not isinstance(tables, dict) or "orders" not in tables:
        raise TypeError("behaviour_types takes a dict of tables with at least 'orders' (as from datasets.simulate)")
    orders, events = tables["orders"], tables.get("events")
    contacts, tickets, reviews = tables.get("contacts"), tables.get("tickets"), tables.get("reviews")
    referrals, subscriptions = tables.get("referrals"), tables.get("subscriptions")
    _need(orders, ["contact_id", "order_date"], "orders")
    _need(events, ["contact_id", "timestamp", "event"], "events")
    _need(contacts, ["contact_id"], "contacts")
    _need(tickets, ["contact_id", "opened_at"], "tickets")
    _need(reviews, ["contact_id", "created_at", "rating"], "reviews")
    _need(referrals, ["referrer_id", "created_at"], "referrals")
    _need(subscriptions, ["contact_id", "start_date", "end_date", "end_reason"], "subscriptions")
    cutoff = None if observation_period_end is None else pd.Timestamp(observation_period_end).to_datetime64().astype("datetime64[ns]")

    def before(frame, col, table):
        if frame is None:
            return None
        if cutoff is None:
            return frame
        return frame.loc[_times(frame, col, table) < cutoff]

    orders = before(orders, "order_date", "orders")
    events = before(events, "timestamp", "events")
    tickets, reviews = before(tickets, "opened_at", "tickets"), before(reviews, "created_at", "reviews")
    referrals = before(referrals, "created_at", "referrals")
    if subscriptions is not None and cutoff is not None:
        s_end = _times(subscriptions, "end_date", "subscriptions")
        subscriptions = subscriptions.loc[~np.isnat(s_end) & (s_end < cutoff)]
    ids = IdCodes(None if contacts is None else contacts["contact_id"], orders["contact_id"],
                  None if events is None else events["contact_id"])
    n = ids.n

    # orders
    o_codes = ids.given[1]
    renewal = (is_label(label_codes(orders["channel"], fill=""), "subscription")
               if "channel" in orders.columns else np.zeros(len(orders), bool))
    oid = (_ids_codes(orders["order_id"]) if "order_id" in orders.columns
           else pd.factorize(_times(orders, "order_date", "orders"))[0])
    first_line = _first_of_pairs(o_codes, oid)
    n_orders = np.bincount(o_codes[first_line], minlength=n)
    renewals = _count(o_codes[first_line], n, renewal[first_line])
    by_hand = n_orders - renewals
    deal = np.zeros(len(orders), bool)
    if "discount" in orders.columns:
        deal |= pd.to_numeric(orders["discount"], errors="coerce").fillna(0).to_numpy() > 0
    for col in ("promotion", "discount_code"):
        if col in orders.columns:
            deal |= orders[col].notna().to_numpy()
    lines = _count(o_codes, n, ~renewal)
    deal_share = np.where(lines > 0, _count(o_codes, n, deal & ~renewal) / np.maximum(lines, 1), np.nan)
    returns = (_count(o_codes, n, orders["returned"].fillna(False).to_numpy(bool))
               if "returned" in orders.columns else np.zeros(n))

    # events
    visits = np.zeros(n)
    page_views = np.zeros(n)
    research = np.zeros(n)
    videos = np.zeros(n)
    promo_opens = np.zeros(n)
    # first source as a code into source_labels (whose last entry, "", is "no visit or no source")
    source_labels = np.array([""], dtype=object)
    first_source = np.full(n, -1, dtype=np.intp)
    if events is not None and len(events):
        e_codes = ids.given[2]
        ev = label_codes(events["event"])
        no_column = (np.full(len(events), -1), np.array([""], dtype=object))
        page = label_codes(events["page"], fill="") if "page" in events.columns else no_column
        detail = label_codes(events["detail"], fill="") if "detail" in events.columns else no_column
        is_visit = is_label(ev, "visit")
        is_pv = is_label(ev, "page_view")
        visits = _count(e_codes, n, is_visit)
        page_views = _count(e_codes, n, is_pv)
        research = _count(e_codes, n, is_pv & is_label(page, ["sizing_guide", "reviews", "faq"]))
        videos = _count(e_codes, n, is_label(ev, "video_view"))
        promo_opens = _count(e_codes, n, is_label(ev, "email_open") & is_label(detail, "promo"))
        if "source" in events.columns and is_visit.any():
            # the source of each contact's earliest visit (the first row among equally early ones)
            rows = np.flatnonzero(is_visit)
            vc = e_codes[rows]
            vt = _times(events, "timestamp", "events")[rows].view(np.int64)
            earliest = np.full(n, np.iinfo(np.int64).max)
            np.minimum.at(earliest, vc, vt)
            rows = rows[vt == earliest[vc]]
            rows = rows[~pd.Series(e_codes[rows]).duplicated().to_numpy()]
            src_codes, source_labels = label_codes(events["source"], fill="")
            first_source[e_codes[rows]] = src_codes[rows]
    research_share = research / np.maximum(page_views, 1)
    source_coded = (first_source, source_labels)

    # tickets, reviews, referrals, subscriptions
    complaints = np.zeros(n)
    if tickets is not None and len(tickets):
        t_codes = ids.codes(tickets["contact_id"])
        topic = (label_codes(tickets["topic"], fill="") if "topic" in tickets.columns
                 else (np.full(len(tickets), -1), np.array([""], dtype=object)))
        ok = (t_codes >= 0) & is_label(topic, list(th["complaint_topics"]))
        complaints = _count(t_codes[ok], n)
    low_reviews = np.zeros(n)
    good_reviews = np.zeros(n)
    if reviews is not None and len(reviews):
        r_codes = ids.codes(reviews["contact_id"])
        rating = pd.to_numeric(reviews["rating"], errors="coerce").to_numpy()
        ok = r_codes >= 0
        low_reviews = _count(r_codes[ok & (rating <= th["low_rating"])], n)
        good_reviews = _count(r_codes[ok & (rating >= th["loyal_rating"])], n)
    n_referrals = np.zeros(n)
    if referrals is not None and len(referrals):
        f_codes = ids.codes(referrals["referrer_id"])
        n_referrals = _count(f_codes[f_codes >= 0], n)
    downgrades = np.zeros(n)
    if subscriptions is not None and len(subscriptions):
        s_codes = ids.codes(subscriptions["contact_id"])
        down = (s_codes >= 0) & is_label(label_codes(subscriptions["end_reason"], fill=""), "downgrade")
        downgrades = _count(s_codes[down], n)

    buyer = n_orders > 0
    rules = {
        "dissatisfied": (complaints > 0) | (low_reviews > 0) | (returns > 0) | (downgrades > 0),
        "loyal": (n_referrals > 0) | ((good_reviews > 0) & (n_orders >= 2)) | (by_hand >= th["loyal_min_orders"])
        | (renewals >= th["loyal_min_renewals"]),
        "discount_hunter": (buyer & (np.nan_to_num(deal_share) >= th["discount_share"]))
        | (promo_opens >= th["promo_opens"]),
        "researcher": (research_share >= th["research_share"])
        & ((research >= th["research_views"]) | (videos >= th["research_videos"])),
        "wandering": (visits >= th["wandering_visits"]) & (n_orders <= visits * th["wandering_orders_per_visit"]),
        "impulse": is_label(source_coded, ["ads", "social"]) & (visits <= th["quick_visits"]),
        "need_based": is_label(source_coded, "search") & (visits <= th["quick_visits"]),
    }
    conds = [rules[k] for k in _BEHAVIOUR_ORDER] + [buyer]
    labels = list(_BEHAVIOUR_ORDER) + ["need_based"]
    chosen = np.select(conds, list(range(len(conds))), default=len(conds))
    labels_all = labels + ["wandering"]
    type_codes = np.array([BEHAVIOUR_TYPES.index(x) for x in labels_all])[chosen]

    import pyarrow as pa

    source_text = pa.array(source_labels.astype(str).tolist(), type=pa.string())
    arrays = {"complaints": complaints, "low_reviews": low_reviews, "returns": returns, "downgrades": downgrades,
              "n_referrals": n_referrals, "good_reviews": good_reviews, "n_orders": n_orders, "by_hand": by_hand,
              "renewals": renewals, "buyer": buyer, "deal_share": deal_share, "promo_opens": promo_opens,
              "research": research, "research_share": research_share, "videos": videos, "visits": visits,
              "first_source": first_source}
    pieces, positions = [], []

    def put(index, build):
        rows = np.flatnonzero(chosen == index)
        if len(rows):
            v = {k: np.asarray(a)[rows] for k, a in arrays.items()}
            pieces.append(labels_all[index] + ": " + build(v))
            positions.append(rows)

    put(0, lambda v: _join([
        _where(v["complaints"] > 0, _fmt(v["complaints"]) + " complaint " + _plural(v["complaints"], "ticket"), ""),
        _where(v["low_reviews"] > 0, _fmt(v["low_reviews"]) + " " + _plural(v["low_reviews"], "review")
               + f" of {th['low_rating']} stars or less", ""),
        _where(v["returns"] > 0, _fmt(v["returns"]) + " returned " + _plural(v["returns"], "item"), ""),
        _where(v["downgrades"] > 0, "downgraded their plan", "")], "; "))
    put(1, lambda v: _join([
        _where(v["n_referrals"] > 0, "referred " + _fmt(v["n_referrals"]) + " "
               + _plural(v["n_referrals"], "contact"), ""),
        _where((v["good_reviews"] > 0) & (v["n_orders"] >= 2), _fmt(v["good_reviews"]) + " good "
               + _plural(v["good_reviews"], "review") + " and repeat orders", ""),
        _where(v["by_hand"] >= th["loyal_min_orders"], _fmt(v["by_hand"]) + " orders", ""),
        _where(v["renewals"] >= th["loyal_min_renewals"], _fmt(v["renewals"]) + " subscription renewals", "")],
        "; "))
    put(2, lambda v: _join([
        _where(v["buyer"] & (np.nan_to_num(v["deal_share"]) >= th["discount_share"]),
               _fmt(100 * np.nan_to_num(v["deal_share"])) + "% of order lines on a deal", ""),
        _where(v["promo_opens"] >= th["promo_opens"], _fmt(v["promo_opens"]) + " promotional emails opened", "")],
        "; "))
    put(3, lambda v: _fmt(v["research"]) + " research page views (" + _fmt(100 * v["research_share"])
        + "% of page views), " + _fmt(v["videos"]) + " " + _plural(v["videos"], "video"))
    put(4, lambda v: _fmt(v["visits"]) + " " + _plural(v["visits"], "visit") + " and " + _fmt(v["n_orders"]) + " "
        + _plural(v["n_orders"], "order"))
    put(5, lambda v: "first came from " + Text(source_text.take(pa.array(v["first_source"] % len(source_labels))))
        + ", " + _fmt(v["visits"]) + " " + _plural(v["visits"], "visit"))
    put(6, lambda v: "first came from search, " + _fmt(v["visits"]) + " " + _plural(v["visits"], "visit"))
    put(7, lambda v: "bought (" + _fmt(v["n_orders"]) + " " + _plural(v["n_orders"], "order")
        + ") without a stronger signal")
    put(8, lambda v: "no order and no stronger signal (" + _fmt(v["visits"]) + " " + _plural(v["visits"], "visit")
        + ")")
    reason = _assemble(pieces, positions, n)
    first_source_text = source_text.take(pa.array(first_source % len(source_labels)))

    return pd.DataFrame(
        {
            "behaviour_type": pd.Categorical.from_codes(type_codes, categories=list(BEHAVIOUR_TYPES)),
            "reason": reason,
            "n_orders": n_orders.astype(np.int64),
            "orders_by_hand": by_hand.astype(np.int64),
            "renewals": renewals.astype(np.int64),
            "deal_share": deal_share,
            "returns": np.asarray(returns, dtype=np.int64),
            "visits": np.asarray(visits, dtype=np.int64),
            "page_views": np.asarray(page_views, dtype=np.int64),
            "research_views": np.asarray(research, dtype=np.int64),
            "research_share": research_share,
            "videos": np.asarray(videos, dtype=np.int64),
            "promo_opens": np.asarray(promo_opens, dtype=np.int64),
            "first_source": str_column(first_source_text),
            "complaints": np.asarray(complaints, dtype=np.int64),
            "low_reviews": np.asarray(low_reviews, dtype=np.int64),
            "good_reviews": np.asarray(good_reviews, dtype=np.int64),
            "referrals": np.asarray(n_referrals, dtype=np.int64),
            "downgrades": np.asarray(downgrades, dtype=np.int64),
        },
        index=ids.index,
    )


class RuleScore:
    """How well rule-based types match the true types: confusion matrix, per-type scores, accuracy.

    Attributes
    ----------
    confusion : DataFrame
        Rows are the true types, columns the predicted ones, cells are counts.
    per_type : DataFrame
        ``precision`` (of those the rules call X, the share truly X), ``recall`` (of the true X, the
        share the rules found) and ``support`` (how many are truly X), per type.
    accuracy : float
        Share of contacts whose predicted type is the true one.
    chance : float
        Accuracy of always guessing the most common true type, for comparison.

    Usually made by :func:`score_rules`; built directly from a confusion matrix:

    >>> confusion = pd.DataFrame([[3, 1], [0, 4]], index=["loyal", "impulse"], columns=["loyal", "impulse"])
    >>> score = RuleScore(confusion)
    >>> score.accuracy, score.chance
    (0.875, 0.5)
    >>> print(score)
    RuleScore: 8 contacts, accuracy 87.5% (always guessing the commonest type: 50.0%)
            precision recall  support
    loyal        100%    75%        4
    impulse       80%   100%        4
    """

    def __init__(self, confusion: pd.DataFrame):
        self.confusion = confusion
        total = confusion.to_numpy().sum()
        diag = np.diag(confusion.to_numpy())
        predicted = confusion.sum(axis=0).to_numpy()
        support = confusion.sum(axis=1).to_numpy()
        self.per_type = pd.DataFrame(
            {
                "precision": np.where(predicted > 0, diag / np.maximum(predicted, 1), np.nan),
                "recall": np.where(support > 0, diag / np.maximum(support, 1), np.nan),
                "support": support.astype(np.int64),
            },
            index=confusion.index,
        )
        self.accuracy = float(diag.sum() / total) if total else float("nan")
        self.chance = float(support.max() / total) if total else float("nan")
        self.n = int(total)

    def __repr__(self) -> str:
        lines = [f"RuleScore: {self.n} contacts, accuracy {self.accuracy:.1%} "
                 f"(always guessing the commonest type: {self.chance:.1%})"]
        table = self.per_type.copy()
        table["precision"] = table["precision"].map(lambda v: "-" if np.isnan(v) else f"{v:.0%}")
        table["recall"] = table["recall"].map(lambda v: "-" if np.isnan(v) else f"{v:.0%}")
        lines.append(table.to_string())
        return "\n".join(lines)


def score_rules(predicted, truth) -> RuleScore:
    """Compare predicted behaviour types with the true ones.

    ``predicted`` and ``truth`` are Series indexed by contact_id (or frames with a ``behaviour_type`` /
    ``true_type`` column, indexed by contact_id or with a ``contact_id`` column); only contacts in
    both are compared.

    >>> pred = pd.Series(["loyal", "loyal", "impulse", "wandering"], index=list("abcd"))
    >>> true = pd.Series(["loyal", "impulse", "impulse", "wandering"], index=list("abcd"))
    >>> score = score_rules(pred, true)
    >>> score.accuracy
    0.75
    >>> score.per_type.loc["loyal", ["precision", "recall"]].tolist()
    [0.5, 1.0]
    """

    def as_series(obj, column):
        if isinstance(obj, pd.DataFrame):
            frame = obj.set_index("contact_id") if "contact_id" in obj.columns else obj
            if column not in frame.columns:
                raise ValueError(f"expected a {column!r} column, found {list(frame.columns)}")
            obj = frame[column]
        return pd.Series(obj).astype(str)

    p = as_series(predicted, "behaviour_type")
    t = as_series(truth, "true_type")
    common = p.index.intersection(t.index)
    if len(common) == 0:
        raise ValueError("predicted and truth share no contact ids; index both by contact_id")
    p, t = p.loc[common], t.loc[common]
    labels = [x for x in BEHAVIOUR_TYPES if x in set(p) | set(t)] + sorted((set(p) | set(t)) - set(BEHAVIOUR_TYPES))
    confusion = pd.crosstab(pd.Categorical(t, categories=labels), pd.Categorical(p, categories=labels), dropna=False)
    confusion.index.name = "true"
    confusion.columns.name = "predicted"
    return RuleScore(confusion)
