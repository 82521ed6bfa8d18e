"""Behaviour types: impulse, wandering, need-based, discount hunter, researcher, dissatisfied, loyal, by rules.

:func:`behaviour_types` works in named steps: keep what came before the end of observation
(:func:`_before`), then per contact the order habits, the event habits and the complaint and
loyalty signals; the rules pick a type and the reasons say why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib._util.columns import (
    IdCodes,
    Text,
    assemble,
    fmt,
    group_count,
    group_min,
    is_label,
    join,
    label_codes,
    plural,
    str_column,
    where,
)
from lifecycle_lib.analytics._inputs import datetimes, require_table, resolve_thresholds
from lifecycle_lib.analytics.segments._features import first_of_pairs, id_codes

__all__ = ["BEHAVIOUR_TYPES", "BEHAVIOUR_TACTICS", "BEHAVIOUR_THRESHOLDS", "behaviour_types"]

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

#: The rules in the order they are tried; then any buyer is need-based and anyone left wandering.
_BEHAVIOUR_ORDER = ("dissatisfied", "loyal", "discount_hunter", "researcher", "wandering", "impulse", "need_based")
_LABELS = list(_BEHAVIOUR_ORDER) + ["need_based", "wandering"]

_COLUMNS = {
    "orders": ["contact_id", "order_date"],
    "events": ["contact_id", "timestamp", "event"],
    "contacts": ["contact_id"],
    "tickets": ["contact_id", "opened_at"],
    "reviews": ["contact_id", "created_at", "rating"],
    "referrals": ["referrer_id", "created_at"],
    "subscriptions": ["contact_id", "start_date", "end_date", "end_reason"],
}
_TIME_COLUMNS = {"orders": "order_date", "events": "timestamp", "tickets": "opened_at", "reviews": "created_at",
                 "referrals": "created_at"}


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
        The tables by name: ``orders`` and ``events`` at least; ``tickets``, ``reviews``,
        ``referrals``, ``subscriptions`` and ``contacts`` when available (as returned by
        ``datasets.simulate``).
    observation_period_end : date-like, optional
        Only what happened before counts (default: everything).
    **thresholds
        Any key of :data:`BEHAVIOUR_THRESHOLDS`; another name is a ``TypeError`` that lists them.

    Returns
    -------
    DataFrame
        Indexed by contact_id: ``behaviour_type`` (categorical over :data:`BEHAVIOUR_TYPES`),
        ``reason``, and the features used.

    Examples
    --------
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
    >>> behaviour_types({"orders": orders, "events": events}, promo_open=2)
    Traceback (most recent call last):
    ...
    TypeError: behaviour_types() got an unknown threshold 'promo_open' (did you mean 'promo_opens'?); ...
    """
    th = resolve_thresholds(thresholds, BEHAVIOUR_THRESHOLDS, "behaviour_types")
    if not isinstance(tables, dict) or "orders" not in tables:
        raise TypeError("behaviour_types takes a dict of tables with at least 'orders' (as from datasets.simulate)")
    frames = {name: tables.get(name) for name in _COLUMNS}
    for name, columns in _COLUMNS.items():
        require_table(frames[name], columns, name)
    frames = _before(frames, observation_period_end)
    ids = IdCodes(None if frames["contacts"] is None else frames["contacts"]["contact_id"],
                  frames["orders"]["contact_id"], None if frames["events"] is None else frames["events"]["contact_id"])
    f = _order_habits(frames["orders"], ids)
    f.update(_event_habits(frames["events"], ids))
    f.update(_complaints_and_loyalty(frames, ids, th))
    chosen = _choose_types(f, th)
    reason = _reasons(chosen, f, th)
    return _type_frame(chosen, reason, f, ids.index)


def _before(frames: dict, observation_period_end) -> dict:
    """The tables cut to what happened before ``observation_period_end`` (all of them without one).

    Subscriptions count once they have ended before it (the downgrades are their end reasons).
    """
    if observation_period_end is None:
        return frames
    cutoff = pd.Timestamp(observation_period_end).to_datetime64().astype("datetime64[ns]")
    out = dict(frames)
    for name, column in _TIME_COLUMNS.items():
        if frames[name] is not None:
            out[name] = frames[name].loc[datetimes(frames[name], column, name) < cutoff]
    subscriptions = frames["subscriptions"]
    if subscriptions is not None:
        s_end = datetimes(subscriptions, "end_date", "subscriptions")
        out["subscriptions"] = subscriptions.loc[~np.isnat(s_end) & (s_end < cutoff)]
    return out


def _order_habits(orders: pd.DataFrame, ids: IdCodes) -> dict:
    """Orders (by hand and subscription renewals), the share of order lines on a deal, and returns."""
    n, o_codes = ids.n, ids.given[1]
    renewal = (is_label(label_codes(orders["channel"], fill=""), "subscription")
               if "channel" in orders.columns else np.zeros(len(orders), bool))
    oid = (id_codes(orders["order_id"]) if "order_id" in orders.columns
           else pd.factorize(datetimes(orders, "order_date", "orders"))[0])
    first_line = first_of_pairs(o_codes, oid)
    n_orders = np.bincount(o_codes[first_line], minlength=n)
    renewals = group_count(o_codes[first_line], n, renewal[first_line])
    deal = np.zeros(len(orders), bool)
    if "discount" in orders.columns:
        deal |= pd.to_numeric(orders["discount"], errors="coerce").fillna(0).to_numpy() > 0
    for col in ("promotion", "discount_code"):
        if col in orders.columns:
            deal |= orders[col].notna().to_numpy()
    lines = group_count(o_codes, n, ~renewal)
    deal_share = np.where(lines > 0, group_count(o_codes, n, deal & ~renewal) / np.maximum(lines, 1), np.nan)
    returns = (group_count(o_codes, n, orders["returned"].fillna(False).to_numpy(bool))
               if "returned" in orders.columns else np.zeros(n))
    return {"n_orders": n_orders, "renewals": renewals, "by_hand": n_orders - renewals, "deal_share": deal_share,
            "returns": returns, "buyer": n_orders > 0}


def _event_habits(events, ids: IdCodes) -> dict:
    """Visits, page views, research page views, videos, promotional emails opened, and the first visit's source.

    The source is a code into ``source_labels`` (-1, the last label "", where there is none).
    """
    n = ids.n
    f = {"visits": np.zeros(n), "page_views": np.zeros(n), "research": np.zeros(n), "videos": np.zeros(n),
         "promo_opens": np.zeros(n), "source_labels": np.array([""], dtype=object),
         "first_source": np.full(n, -1, dtype=np.intp)}
    if events is None or not len(events):
        return f
    e_codes = ids.given[2]
    ev = label_codes(events["event"])
    no_column = (np.full(len(events), -1), np.array([""], dtype=object))
    page = label_codes(events["page"], fill="") if "page" in events.columns else no_column
    detail = label_codes(events["detail"], fill="") if "detail" in events.columns else no_column
    is_visit = is_label(ev, "visit")
    is_pv = is_label(ev, "page_view")
    f["visits"] = group_count(e_codes, n, is_visit)
    f["page_views"] = group_count(e_codes, n, is_pv)
    f["research"] = group_count(e_codes, n, is_pv & is_label(page, ["sizing_guide", "reviews", "faq"]))
    f["videos"] = group_count(e_codes, n, is_label(ev, "video_view"))
    f["promo_opens"] = group_count(e_codes, n, is_label(ev, "email_open") & is_label(detail, "promo"))
    if "source" in events.columns and is_visit.any():
        # the source of each contact's earliest visit (the first row among equally early ones)
        rows = np.flatnonzero(is_visit)
        vc = e_codes[rows]
        vt = datetimes(events, "timestamp", "events")[rows].view(np.int64)
        earliest = group_min(vc, vt, n, np.iinfo(np.int64).max)
        rows = rows[vt == earliest[vc]]
        rows = rows[~pd.Series(e_codes[rows]).duplicated().to_numpy()]
        src_codes, f["source_labels"] = label_codes(events["source"], fill="")
        f["first_source"][e_codes[rows]] = src_codes[rows]
    return f


def _complaints_and_loyalty(frames: dict, ids: IdCodes, th: dict) -> dict:
    """Complaint tickets, low and good reviews, referrals made, and plan downgrades."""
    n = ids.n
    tickets, reviews, referrals, subscriptions = (frames[k] for k in ("tickets", "reviews", "referrals", "subscriptions"))
    f = {"complaints": np.zeros(n), "low_reviews": np.zeros(n), "good_reviews": np.zeros(n),
         "n_referrals": np.zeros(n), "downgrades": np.zeros(n)}
    if tickets is not None and len(tickets):
        t_codes = ids.codes(tickets["contact_id"])
        topic = (label_codes(tickets["topic"], fill="") if "topic" in tickets.columns
                 else (np.full(len(tickets), -1), np.array([""], dtype=object)))
        ok = (t_codes >= 0) & is_label(topic, list(th["complaint_topics"]))
        f["complaints"] = group_count(t_codes[ok], n)
    if reviews is not None and len(reviews):
        r_codes = ids.codes(reviews["contact_id"])
        rating = pd.to_numeric(reviews["rating"], errors="coerce").to_numpy()
        ok = r_codes >= 0
        f["low_reviews"] = group_count(r_codes[ok & (rating <= th["low_rating"])], n)
        f["good_reviews"] = group_count(r_codes[ok & (rating >= th["loyal_rating"])], n)
    if referrals is not None and len(referrals):
        f_codes = ids.codes(referrals["referrer_id"])
        f["n_referrals"] = group_count(f_codes[f_codes >= 0], n)
    if subscriptions is not None and len(subscriptions):
        s_codes = ids.codes(subscriptions["contact_id"])
        down = (s_codes >= 0) & is_label(label_codes(subscriptions["end_reason"], fill=""), "downgrade")
        f["downgrades"] = group_count(s_codes[down], n)
    return f


def _choose_types(f: dict, th: dict) -> np.ndarray:
    """The position in ``_LABELS`` of each contact's type: the first rule that matches."""
    f["research_share"] = f["research"] / np.maximum(f["page_views"], 1)
    source = (f["first_source"], f["source_labels"])
    buyer, n_orders, visits = f["buyer"], f["n_orders"], f["visits"]
    rules = {
        "dissatisfied": (f["complaints"] > 0) | (f["low_reviews"] > 0) | (f["returns"] > 0) | (f["downgrades"] > 0),
        "loyal": (f["n_referrals"] > 0) | ((f["good_reviews"] > 0) & (n_orders >= 2))
        | (f["by_hand"] >= th["loyal_min_orders"]) | (f["renewals"] >= th["loyal_min_renewals"]),
        "discount_hunter": (buyer & (np.nan_to_num(f["deal_share"]) >= th["discount_share"]))
        | (f["promo_opens"] >= th["promo_opens"]),
        "researcher": (f["research_share"] >= th["research_share"])
        & ((f["research"] >= th["research_views"]) | (f["videos"] >= th["research_videos"])),
        "wandering": (visits >= th["wandering_visits"]) & (n_orders <= visits * th["wandering_orders_per_visit"]),
        "impulse": is_label(source, ["ads", "social"]) & (visits <= th["quick_visits"]),
        "need_based": is_label(source, "search") & (visits <= th["quick_visits"]),
    }
    conds = [rules[k] for k in _BEHAVIOUR_ORDER] + [buyer]
    return np.select(conds, list(range(len(conds))), default=len(conds))


_REASON_FEATURES = ("complaints", "low_reviews", "returns", "downgrades", "n_referrals", "good_reviews", "n_orders",
                    "by_hand", "renewals", "buyer", "deal_share", "promo_opens", "research", "research_share",
                    "videos", "visits", "first_source")


def _reasons(chosen, f: dict, th: dict):
    """``"<type>: <why>"`` for every contact, each rule's text built on its own rows."""
    import pyarrow as pa

    labels = f["source_labels"]
    source_text = pa.array(labels.astype(str).tolist(), type=pa.string())
    builders = [
        lambda v: join([
            where(v["complaints"] > 0, fmt(v["complaints"]) + " complaint " + plural(v["complaints"], "ticket"), ""),
            where(v["low_reviews"] > 0, fmt(v["low_reviews"]) + " " + plural(v["low_reviews"], "review")
                  + f" of {th['low_rating']} stars or less", ""),
            where(v["returns"] > 0, fmt(v["returns"]) + " returned " + plural(v["returns"], "item"), ""),
            where(v["downgrades"] > 0, "downgraded their plan", "")], "; "),
        lambda v: join([
            where(v["n_referrals"] > 0, "referred " + fmt(v["n_referrals"]) + " " + plural(v["n_referrals"], "contact"), ""),
            where((v["good_reviews"] > 0) & (v["n_orders"] >= 2), fmt(v["good_reviews"]) + " good "
                  + plural(v["good_reviews"], "review") + " and repeat orders", ""),
            where(v["by_hand"] >= th["loyal_min_orders"], fmt(v["by_hand"]) + " orders", ""),
            where(v["renewals"] >= th["loyal_min_renewals"], fmt(v["renewals"]) + " subscription renewals", "")], "; "),
        lambda v: join([
            where(v["buyer"] & (np.nan_to_num(v["deal_share"]) >= th["discount_share"]),
                  fmt(100 * np.nan_to_num(v["deal_share"])) + "% of order lines on a deal", ""),
            where(v["promo_opens"] >= th["promo_opens"], fmt(v["promo_opens"]) + " promotional emails opened", "")],
            "; "),
        lambda v: (fmt(v["research"]) + " research page views (" + fmt(100 * v["research_share"])
                   + "% of page views), " + fmt(v["videos"]) + " " + plural(v["videos"], "video")),
        lambda v: (fmt(v["visits"]) + " " + plural(v["visits"], "visit") + " and " + fmt(v["n_orders"]) + " "
                   + plural(v["n_orders"], "order")),
        lambda v: ("first came from " + Text(source_text.take(pa.array(v["first_source"] % len(labels))))
                   + ", " + fmt(v["visits"]) + " " + plural(v["visits"], "visit")),
        lambda v: "first came from search, " + fmt(v["visits"]) + " " + plural(v["visits"], "visit"),
        lambda v: "bought (" + fmt(v["n_orders"]) + " " + plural(v["n_orders"], "order") + ") without a stronger signal",
        lambda v: "no order and no stronger signal (" + fmt(v["visits"]) + " " + plural(v["visits"], "visit") + ")",
    ]
    pieces, positions = [], []
    for index, build in enumerate(builders):
        rows = np.flatnonzero(chosen == index)
        if len(rows):
            v = {k: np.asarray(f[k])[rows] for k in _REASON_FEATURES}
            pieces.append(_LABELS[index] + ": " + build(v))
            positions.append(rows)
    return assemble(pieces, positions, len(chosen))


def _type_frame(chosen, reason, f: dict, index) -> pd.DataFrame:
    """The result of :func:`behaviour_types`: type, reason and the features used."""
    import pyarrow as pa

    labels = f["source_labels"]
    first_source_text = pa.array(labels.astype(str).tolist(), type=pa.string()).take(
        pa.array(f["first_source"] % len(labels)))
    type_codes = np.array([BEHAVIOUR_TYPES.index(x) for x in _LABELS])[chosen]
    return pd.DataFrame(
        {
            "behaviour_type": pd.Categorical.from_codes(type_codes, categories=list(BEHAVIOUR_TYPES)),
            "reason": reason,
            "n_orders": f["n_orders"].astype(np.int64),
            "orders_by_hand": f["by_hand"].astype(np.int64),
            "renewals": f["renewals"].astype(np.int64),
            "deal_share": f["deal_share"],
            "returns": np.asarray(f["returns"], dtype=np.int64),
            "visits": np.asarray(f["visits"], dtype=np.int64),
            "page_views": np.asarray(f["page_views"], dtype=np.int64),
            "research_views": np.asarray(f["research"], dtype=np.int64),
            "research_share": f["research_share"],
            "videos": np.asarray(f["videos"], dtype=np.int64),
            "promo_opens": np.asarray(f["promo_opens"], dtype=np.int64),
            "first_source": str_column(first_source_text),
            "complaints": np.asarray(f["complaints"], dtype=np.int64),
            "low_reviews": np.asarray(f["low_reviews"], dtype=np.int64),
            "good_reviews": np.asarray(f["good_reviews"], dtype=np.int64),
            "referrals": np.asarray(f["n_referrals"], dtype=np.int64),
            "downgrades": np.asarray(f["downgrades"], dtype=np.int64),
        },
        index=index,
    )
