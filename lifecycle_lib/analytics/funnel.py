"""Funnels over events, micro-conversions, touches before the first visit, and checkout abandonment.

A *step* is an event name from the events table (``"visit"``, ``"add_to_cart"``, ...), an event on a
given page written ``"page_view:product"``, or ``"purchase"`` (an order in the orders table, the macro
conversion). A contact reaches step ``i`` when they do it at or after the moment they reached step
``i - 1``, so the counts can only fall from one step to the next.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib._util.columns import IdCodes, group_count, group_max, group_min, is_label, label_codes
from lifecycle_lib.analytics._inputs import require_table

__all__ = ["DEFAULT_STEPS", "funnel", "micro_conversions", "touches_before_first_visit", "abandonment"]

#: Visit -> product page -> cart -> checkout -> purchase.
DEFAULT_STEPS = ("visit", "page_view:product", "add_to_cart", "checkout_start", "purchase")


def _ns(values) -> np.ndarray:
    """Datetimes as int64 nanoseconds (NaT stays the smallest int64)."""
    return np.asarray(pd.to_datetime(values).to_numpy("datetime64[ns]")).view(np.int64)


_NAT = np.iinfo(np.int64).min
_NEVER = np.iinfo(np.int64).max


def _no_column(n):
    """Codes and labels of an absent text column: every row empty."""
    return np.full(n, -1), np.array([""], dtype=object)


def _reached(events, orders, steps) -> pd.DataFrame:
    """One column per step: whether each contact reached it in order (one column per distinct step
    name, the last occurrence winning); rows are the contacts who reached a step."""
    ev = label_codes(events["event"])
    page = label_codes(events["page"], fill="") if "page" in events.columns else None
    needs_orders = "purchase" in steps
    if needs_orders and orders is not None:
        require_table(orders, ["contact_id", "order_date"], "orders")
    ids = IdCodes(events["contact_id"], orders["contact_id"] if needs_orders and orders is not None else None)
    n = ids.n
    e_codes = ids.given[0]
    e_t = _ns(events["timestamp"])
    reached = None
    out = {}
    for step in steps:
        if step == "purchase":
            if orders is None:
                raise ValueError("the step 'purchase' needs the orders table: funnel(events, orders, ...)")
            codes, t = ids.given[1], _ns(orders["order_date"])
        else:
            name, _, page_name = step.partition(":")
            mask = is_label(ev, name)
            if page_name:
                mask &= is_label(page, page_name)
            codes, t = e_codes[mask], e_t[mask]
        ok = t != _NAT
        if reached is not None:
            ok &= t >= reached[codes]
        first = group_min(codes[ok], t[ok], n, _NEVER)
        reached = first
        out[step] = first != _NEVER
    hit = pd.DataFrame(out)
    hit.index = ids.index
    # contacts who reached any step (those who reached the first step, unless a step name repeats)
    return hit[hit.to_numpy().any(axis=1)]


def funnel(events: pd.DataFrame, orders: pd.DataFrame | None = None, steps=DEFAULT_STEPS, by=None) -> pd.DataFrame:
    """Contacts reaching each step of a funnel in order, and the conversion between steps.

    Parameters
    ----------
    events, orders : DataFrame
        The events table (contact_id, timestamp, event, page) and, for the ``"purchase"`` step, the
        orders table (contact_id, order_date).
    steps : sequence of str
        Step names (see the module docstring); default :data:`DEFAULT_STEPS`.
    by : str or Series, optional
        Split the funnel by a group: the name of a column of ``events`` that is constant per contact
        (such as ``"business"``), or a Series mapping contact_id to a group (such as the contacts'
        acquisition ``channel``).

    Returns
    -------
    DataFrame
        One row per step (and group): ``step``, ``contacts``, ``from_previous`` (share of the
        previous step's contacts who went on) and ``from_first`` (share of the first step's contacts).

    Examples
    --------
    >>> events = pd.DataFrame({
    ...     "contact_id": ["a", "a", "a", "b", "b", "c"],
    ...     "timestamp": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 10:05", "2025-01-01 10:09",
    ...                                  "2025-01-02 09:00", "2025-01-02 09:01", "2025-01-03 12:00"]),
    ...     "event": ["visit", "add_to_cart", "checkout_start", "visit", "add_to_cart", "visit"],
    ...     "page": [None] * 6})
    >>> orders = pd.DataFrame({"contact_id": ["a"], "order_date": pd.to_datetime(["2025-01-01 10:12"])})
    >>> funnel(events, orders, steps=["visit", "add_to_cart", "checkout_start", "purchase"]).round(3)
                 step  contacts  from_previous  from_first
    0           visit         3          1.000       1.000
    1     add_to_cart         2          0.667       0.667
    2  checkout_start         1          0.500       0.333
    3        purchase         1          1.000       0.333
    """
    require_table(events, ["contact_id", "timestamp", "event"] + (["page"] if any(":" in s for s in steps) else []),
             "events")
    steps = list(steps)
    if not steps:
        raise ValueError("give at least one step")
    hit = _reached(events, orders, steps)
    if by is None:
        counts = hit.sum().to_frame("contacts").T
        counts.index = [None]
    else:
        if isinstance(by, str):
            require_table(events, [by], "events")
            groups = events.drop_duplicates("contact_id").set_index("contact_id")[by]
            name = by
        else:
            groups = pd.Series(by)
            name = groups.name or "group"
        counts = hit.groupby(groups.reindex(hit.index).to_numpy(), observed=True).sum()
    long = counts.stack().rename("contacts").reset_index()
    long.columns = ["group", "step", "contacts"]
    long["contacts"] = long["contacts"].astype("int64")
    prev = long.groupby("group", sort=False, dropna=False)["contacts"].shift(1)
    first = long.groupby("group", sort=False, dropna=False)["contacts"].transform("first")
    # The first step converts from itself (1.0); a step after an empty one has no rate (NaN).
    long["from_previous"] = (long["contacts"] / prev.where(prev > 0)).where(prev.notna(), 1.0)
    long["from_first"] = long["contacts"] / first.where(first > 0)
    if by is None:
        return long.drop(columns="group")
    return long.rename(columns={"group": name})


def micro_conversions(events: pd.DataFrame, observation_period_end=None) -> pd.DataFrame:
    """The source's micro-conversions for each contact: flags and counts.

    Columns (one row per contact in ``events``):

    - ``link_click`` (email clicks), ``opt_in`` (lead-magnet sign-ups), ``product_interest`` (product
      page views and add-to-cart), ``newsletter`` (newsletter sign-ups), ``specific_pages`` (sizing
      guide, reviews, FAQ and pricing page views), ``video`` (video views), ``social`` (likes, follows,
      shares, comments): counts;
    - ``time_on_site`` (total visit seconds), ``visits``, ``days_since_visit`` (as of ``observation_period_end``, default
      the day after the last event);
    - ``time_above_average``, ``visits_above_average``, ``recency_above_average`` (more recent than the
      average contact with a visit): flags;
    - ``micro_conversions``: how many of the ten kinds the contact did at least once.

    Parameters
    ----------
    events : DataFrame
        The events table: ``contact_id``, ``timestamp``, ``event`` (and ``page``, ``duration_s`` if
        present).
    observation_period_end : date-like, optional
        The moment ``days_since_visit`` is counted to (default: the day after the last event).

    Returns
    -------
    DataFrame
        One row per contact of ``events`` (indexed by contact_id) with the columns above.

    Examples
    --------
    >>> events = pd.DataFrame({
    ...     "contact_id": ["a", "a", "a", "b", "b"],
    ...     "timestamp": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-01-02", "2025-01-05", "2025-01-05"]),
    ...     "event": ["visit", "page_view", "newsletter_signup", "visit", "video_view"],
    ...     "page": [None, "sizing_guide", None, None, None],
    ...     "duration_s": [300.0, None, None, 60.0, None]})
    >>> mc = micro_conversions(events, observation_period_end="2025-01-10")
    >>> mc[["newsletter", "specific_pages", "video", "time_above_average", "recency_above_average",
    ...     "micro_conversions"]].values.tolist()
    [[1, 1, 0, True, False, 3], [0, 0, 1, False, True, 2]]
    """
    require_table(events, ["contact_id", "timestamp", "event"], "events")
    ev = label_codes(events["event"])
    page = label_codes(events["page"], fill="") if "page" in events.columns else _no_column(len(events))
    ids = IdCodes(events["contact_id"])
    codes, n = ids.given[0], ids.n

    def count(mask):
        return group_count(codes, n, mask)

    is_pv = is_label(ev, "page_view")
    out = pd.DataFrame(index=ids.index)
    out["link_click"] = count(is_label(ev, "email_click"))
    out["opt_in"] = count(is_label(ev, "lead_magnet_signup"))
    out["product_interest"] = count((is_pv & is_label(page, "product")) | is_label(ev, "add_to_cart"))
    out["newsletter"] = count(is_label(ev, "newsletter_signup"))
    out["specific_pages"] = count(is_pv & is_label(page, ["sizing_guide", "reviews", "faq", "pricing"]))
    out["video"] = count(is_label(ev, "video_view"))
    out["social"] = count(is_label(ev, "social_engagement"))
    is_visit = is_label(ev, "visit")
    if "duration_s" in events.columns:
        dur = pd.to_numeric(events["duration_s"], errors="coerce").astype("float64").fillna(0.0).to_numpy()
    else:
        dur = np.zeros(len(events))
    out["time_on_site"] = group_count(codes, n, is_visit, weights=dur)
    out["visits"] = count(is_visit)
    ts = pd.to_datetime(events["timestamp"])
    observation_period_end = ts.max().normalize() + pd.Timedelta(days=1) if observation_period_end is None else pd.Timestamp(observation_period_end)
    stamps = ts.to_numpy()
    vt = stamps[is_visit].view(np.int64)
    ok = vt != _NAT
    last = group_max(codes[is_visit][ok], vt[ok], n, _NAT)
    seen = np.flatnonzero(last != _NAT)
    days = (observation_period_end - pd.Series(last[seen].view(stamps.dtype))).dt.total_seconds() / 86400
    days_since = np.full(n, np.nan)
    days_since[seen] = days.to_numpy()
    out["days_since_visit"] = days_since
    visitors = out["visits"] > 0
    out["time_above_average"] = out["time_on_site"] > out.loc[visitors, "time_on_site"].mean()
    out["visits_above_average"] = out["visits"] > out.loc[visitors, "visits"].mean()
    out["recency_above_average"] = (out["days_since_visit"] < out.loc[visitors, "days_since_visit"].mean()).fillna(False)
    kinds = ["link_click", "opt_in", "product_interest", "newsletter", "specific_pages", "video", "social"]
    flags = ["time_above_average", "visits_above_average", "recency_above_average"]
    out["micro_conversions"] = (out[kinds] > 0).sum(axis=1) + out[flags].sum(axis=1)
    return out


def touches_before_first_visit(events: pd.DataFrame) -> pd.DataFrame:
    """Ad impressions each contact was shown, and noticed, before their first visit.

    For the 7-touch lesson: an old rule says a message must be seen about seven times before it
    registers. Columns: ``impressions`` and ``noticed`` (before the first visit, or in all for contacts
    who never visited), ``first_visit`` (NaT if none), ``visited``, and ``first_visit_source``.

    Parameters
    ----------
    events : DataFrame
        The events table: ``contact_id``, ``timestamp``, ``event`` (and ``noticed``, ``source`` if
        present).

    Returns
    -------
    DataFrame
        One row per contact of ``events`` (indexed by contact_id) with the columns above
        (``first_visit_source`` only when the events have a ``source``).

    Examples
    --------
    >>> events = pd.DataFrame({
    ...     "contact_id": ["a", "a", "a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-01"]),
    ...     "event": ["ad_impression", "ad_impression", "visit", "ad_impression", "ad_impression"],
    ...     "source": ["ads", "social", "ads", "ads", "ads"],
    ...     "noticed": [True, False, None, True, True]})
    >>> touches_before_first_visit(events)[["impressions", "noticed", "visited"]].values.tolist()
    [[2, 1, True], [1, 1, False]]
    """
    require_table(events, ["contact_id", "timestamp", "event"], "events")
    ev = label_codes(events["event"])
    ts = pd.to_datetime(events["timestamp"]).to_numpy()
    ids = IdCodes(events["contact_id"])
    codes, n = ids.given[0], ids.n
    is_visit = is_label(ev, "visit")
    order = np.flatnonzero(is_visit & ~np.isnat(ts))
    first_int = group_min(codes[order], ts[order].view(np.int64), n, _NEVER)
    first = np.where(first_int == _NEVER, _NAT, first_int).view(ts.dtype)
    before = np.isnat(first[codes]) | (ts < first[codes])
    is_imp = is_label(ev, "ad_impression") & before
    noticed = events["noticed"].astype("boolean").fillna(False).to_numpy(bool) if "noticed" in events.columns \
        else np.zeros(len(events), bool)
    out = pd.DataFrame(index=ids.index)
    out["impressions"] = group_count(codes, n, is_imp)
    out["noticed"] = group_count(codes, n, is_imp & noticed)
    out["first_visit"] = first
    out["visited"] = ~np.isnat(first)
    if "source" in events.columns and is_visit.any():
        import pyarrow as pa

        # the source of the first row (in table order) among each contact's earliest visits
        rows = order[ts[order] == first[codes[order]]]
        rows = rows[~pd.Series(codes[rows]).duplicated().to_numpy()]
        src_codes, src_labels = label_codes(events["source"])
        per_contact = np.full(n, -1, dtype=np.int64)
        per_contact[codes[rows]] = src_codes[rows]
        labels = pa.array(list(src_labels[:-1]) + [None], type=pa.string())
        text = labels.take(pa.array(np.where(per_contact < 0, len(src_labels) - 1, per_contact)))
        out["first_visit_source"] = pd.Series(pd.array(text, dtype="string"), index=out.index)
    return out


def abandonment(events: pd.DataFrame, orders: pd.DataFrame, window_hours: float = 24.0) -> pd.DataFrame:
    """Checkouts with and without chat help, and how many of each were abandoned.

    A checkout is a ``checkout_start`` event. It is *completed* when the same contact places an order
    within ``window_hours`` after it, otherwise *abandoned*. Its chat help is the outcome of a
    ``chat_request`` in the same session (``answered_fast``, ``answered_slow``, ``unanswered``), or
    ``no_chat``.

    Parameters
    ----------
    events : DataFrame
        The events table: ``contact_id``, ``session_id``, ``timestamp``, ``event`` (and ``detail``,
        the chat outcome, if present).
    orders : DataFrame
        The orders table: ``contact_id``, ``order_date``.
    window_hours : float
        How long after a checkout an order still completes it.

    Returns
    -------
    DataFrame
        One row per kind of chat help (index ``chat``): ``checkouts``, ``abandoned`` and
        ``abandonment_rate``, plus a final ``all`` row.

    Examples
    --------
    >>> events = pd.DataFrame({
    ...     "contact_id": ["a", "a", "b", "b", "c"],
    ...     "session_id": [1, 1, 2, 2, 3],
    ...     "timestamp": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 10:01", "2025-01-02 10:00",
    ...                                  "2025-01-02 10:02", "2025-01-03 09:00"]),
    ...     "event": ["checkout_start", "chat_request", "checkout_start", "chat_request", "checkout_start"],
    ...     "detail": [None, "answered_fast", None, "unanswered", None]})
    >>> orders = pd.DataFrame({"contact_id": ["a"], "order_date": pd.to_datetime(["2025-01-01 10:05"])})
    >>> abandonment(events, orders)["abandonment_rate"].to_dict()
    {'answered_fast': 0.0, 'no_chat': 1.0, 'unanswered': 1.0, 'all': 0.6666666666666666}
    """
    require_table(events, ["contact_id", "timestamp", "event", "session_id"], "events")
    require_table(orders, ["contact_id", "order_date"], "orders")
    ev = label_codes(events["event"])
    checkouts = events.loc[is_label(ev, "checkout_start"), ["contact_id", "session_id", "timestamp"]].copy()
    checkouts["timestamp"] = pd.to_datetime(checkouts["timestamp"])
    checkouts["row"] = np.arange(len(checkouts))
    is_chat = is_label(ev, "chat_request")
    chats = events.loc[is_chat, ["session_id", "detail"]] if "detail" in events.columns else \
        events.loc[is_chat, ["session_id"]].assign(detail="answered")
    chats = chats.dropna(subset=["session_id"]).drop_duplicates("session_id", keep="first")
    checkouts = checkouts.merge(chats, on="session_id", how="left")
    checkouts["chat"] = checkouts["detail"].astype("string").fillna("no_chat")
    # A checkout is completed when the contact's first order at or after it falls within the window.
    ids = IdCodes(checkouts["contact_id"], orders["contact_id"])
    c_t, o_t = _ns(checkouts["timestamp"]), _ns(orders["order_date"])
    o_ok, c_ok = o_t != _NAT, c_t != _NAT
    left = pd.DataFrame({"c": ids.given[0][c_ok], "t": c_t[c_ok], "row": checkouts["row"].to_numpy()[c_ok]})
    right = pd.DataFrame({"c": ids.given[1][o_ok], "next_order": o_t[o_ok]})
    right["j"] = np.arange(len(right))
    nxt = pd.merge_asof(left.sort_values("t", kind="stable"), right.sort_values("next_order", kind="stable"),
                        left_on="t", right_on="next_order", by="c", direction="forward")
    found = nxt["j"].notna().to_numpy()
    # exact integer times of the matched orders (the merged column may have turned to float)
    gap = right["next_order"].to_numpy()[nxt["j"].to_numpy()[found].astype(np.int64)] - nxt["t"].to_numpy()[found]
    done = np.zeros(len(nxt), bool)
    done[found] = gap <= pd.Timedelta(hours=window_hours).value
    completed_rows = np.unique(nxt["row"].to_numpy()[done])
    checkouts["abandoned"] = ~checkouts["row"].isin(completed_rows)
    table = checkouts.groupby("chat", sort=True).agg(checkouts=("row", "size"), abandoned=("abandoned", "sum"))
    table.loc["all"] = [len(checkouts), int(checkouts["abandoned"].sum())]
    table = table.astype("int64")
    table["abandonment_rate"] = table["abandoned"] / table["checkouts"].where(table["checkouts"] > 0)
    table.index.name = "chat"
    return table
