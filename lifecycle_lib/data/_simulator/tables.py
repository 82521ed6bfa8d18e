"""One business's simulated arrays as the tables of the data dictionary (ids, dates, categories)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lifecycle_lib.data._simulator.arrays import ids
from lifecycle_lib.data._simulator.catalogue import PROMOTION_NAMES
from lifecycle_lib.data._simulator.clock import to_datetime
from lifecycle_lib.data._simulator.columns import biz, codes_to_cat, masked, str_or_na
from lifecycle_lib.data._simulator.vocabulary import (
    CHANNELS,
    CHAT,
    EMAIL_KINDS,
    END_REASONS,
    EV,
    EVENTS,
    ORDER_CHANNELS,
    PAGES,
    PLANS,
    SHOP_TOPICS,
    SOCIAL_KINDS,
    SOURCES,
    TYPES,
)

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["contact_ids", "business_tables"]


def contact_ids(b: Business) -> np.ndarray:
    """The contact id of every person of the business (``S-00001`` ... or ``V-00001`` ...)."""
    return ids(f"{b.prefix}-", b.n).to_numpy()


def business_tables(b: Business) -> dict[str, pd.DataFrame]:
    """Contacts, true types, orders, subscriptions (service), tickets, reviews and events of one business.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> b = Business(np.random.default_rng(0), "shop", 30, 1.0).run()
    >>> sorted(business_tables(b))
    ['contacts', 'events', 'orders', 'reviews', 'tickets', 'true_types']
    """
    cid = contact_ids(b)
    out = {"contacts": _contacts(b, cid), "true_types": _true_types(b, cid)}
    oid, out["orders"] = _orders(b, cid)
    if not b.is_shop:
        out["subscriptions"] = _subscriptions(b, cid)
    out["tickets"] = _tickets(b, cid, oid)
    out["reviews"] = _reviews(b, cid, oid)
    out["events"] = _events(b, cid)
    return out


def _contacts(b: Business, cid) -> pd.DataFrame:
    return pd.DataFrame({
        "contact_id": pd.array(cid, dtype="string"),
        "business": biz(b.business, b.n),
        "first_seen": to_datetime(b.t0),
        "channel": codes_to_cat(b.channel, CHANNELS),
        "email_opt_in": b.optin,
    })


def _true_types(b: Business, cid) -> pd.DataFrame:
    return pd.DataFrame({
        "contact_id": pd.array(cid, dtype="string"),
        "business": biz(b.business, b.n),
        "true_type": codes_to_cat(b.ty, TYPES),
    })


def _orders(b: Business, cid):
    """(order id of every order, the ``orders`` table): order numbers follow the calendar."""
    r = b.orders_raw
    m = len(b.o_person)
    number = np.empty(m, np.int64)
    number[np.argsort(b.o_cal, kind="stable")] = np.arange(m)
    oid = ids(f"{b.prefix}O", m, 6).to_numpy()[number]
    lo, lp = r["order"], r["product"]
    price = b.prod_price[lp]
    amount = np.round(r["qty"] * price * (1 - r["disc"]), 2)
    promo_names = np.array(b.promo_names + [None], dtype=object)
    orders = pd.DataFrame({
        "order_id": pd.array(oid[lo], dtype="string"),
        "contact_id": pd.array(cid[b.o_person[lo]], dtype="string"),
        "business": biz(b.business, len(lo)),
        "order_date": to_datetime(b.o_cal[lo]),
        "product_id": pd.array(b.prod_ids[lp], dtype="string"),
        "quantity": r["qty"].astype("int64"),
        "unit_price": price.astype("float64"),
        "discount": np.round(r["disc"], 4).astype("float64"),
        "amount": amount,
        "promotion": pd.Categorical(promo_names[r["promo"]], categories=PROMOTION_NAMES),
        "discount_code": str_or_na(r["code"], r["code"] != ""),
        "channel": codes_to_cat(b.o_channel[lo], ORDER_CHANNELS),
        "returned": r["returned"].astype(bool),
    })
    return oid, orders.iloc[np.lexsort((np.arange(len(lo)), number[lo]))].reset_index(drop=True)


def _subscriptions(b: Business, cid) -> pd.DataFrame:
    s = b.subs
    k = len(s["person"])
    plan_price = b.prod_price[b.prod_cat == "plan"]
    return pd.DataFrame({
        "subscription_id": pd.array(ids("SUB", k, 6).to_numpy(), dtype="string"),
        "contact_id": pd.array(cid[s["person"]], dtype="string"),
        "business": biz(b.business, k),
        "plan": codes_to_cat(s["plan"], PLANS),
        "monthly_price": plan_price[s["plan"]].astype("float64"),
        "start_date": to_datetime(s["start"]),
        "end_date": to_datetime(s["end"]),
        "end_reason": codes_to_cat(s["reason"], END_REASONS),
    })


def _tickets(b: Business, cid, oid) -> pd.DataFrame:
    t = b.tickets
    k = len(t["person"])
    return pd.DataFrame({
        "ticket_id": pd.array(ids(f"{b.prefix}T", k).to_numpy(), dtype="string"),
        "contact_id": pd.array(cid[t["person"]], dtype="string"),
        "business": biz(b.business, k),
        "opened_at": to_datetime(t["opened"]),
        "topic": codes_to_cat(t["topic"], SHOP_TOPICS),
        "order_id": pd.array(oid[t["order"]], dtype="string"),
        "first_response_hours": np.round(t["resp"], 2).astype("float64"),
        "satisfaction": masked(np.nan_to_num(t["sat"]).astype("int64"), ~np.isnan(t["sat"]), "Int64"),
    })


def _reviews(b: Business, cid, oid) -> pd.DataFrame:
    v = b.reviews
    k = len(v["person"])
    return pd.DataFrame({
        "review_id": pd.array(ids(f"{b.prefix}R", k).to_numpy(), dtype="string"),
        "contact_id": pd.array(cid[v["person"]], dtype="string"),
        "business": biz(b.business, k),
        "product_id": pd.array(b.prod_ids[v["product"]], dtype="string"),
        "order_id": pd.array(oid[v["order"]], dtype="string"),
        "created_at": to_datetime(v["created"]),
        "rating": v["rating"].astype("int64"),
        "reply_hours": masked(np.round(np.nan_to_num(v["reply"]), 2), ~np.isnan(v["reply"]), "Float64"),
    })


def _events(b: Business, cid) -> pd.DataFrame:
    """The event log sorted by time (and event kind within a moment), its codes decoded."""
    e = b.events_raw
    o = np.lexsort((e["event"], e["t"]))
    e = {key: val[o] for key, val in e.items()}
    ev = e["event"]
    detail = np.full(len(ev), None, dtype=object)
    chat = ev == EV["chat_request"]
    detail[chat] = np.array(CHAT, dtype=object)[e["detail"][chat]]
    soc = ev == EV["social_engagement"]
    detail[soc] = np.array(SOCIAL_KINDS, dtype=object)[e["detail"][soc] - 10]
    em = np.isin(ev, [EV["email_open"], EV["email_click"]])
    detail[em] = np.array(EMAIL_KINDS, dtype=object)[e["detail"][em]]
    return pd.DataFrame({
        "contact_id": pd.array(cid[e["person"]], dtype="string"),
        "business": biz(b.business, len(ev)),
        "timestamp": to_datetime(e["t"]),
        "session_id": masked(e["session"].astype("int64"), e["session"] >= 0, "Int64"),
        "event": codes_to_cat(ev, EVENTS),
        "source": codes_to_cat(e["source"], SOURCES),
        "page": codes_to_cat(e["page"], PAGES),
        "product_id": str_or_na(np.where(e["product"] >= 0, b.prod_ids[np.maximum(e["product"], 0)], ""), e["product"] >= 0),
        "duration_s": masked(np.round(np.nan_to_num(e["dur"]), 1), ~np.isnan(e["dur"]), "Float64"),
        "noticed": masked(e["noticed"] == 1, e["noticed"] >= 0, "boolean"),
        "detail": pd.Series(detail, dtype="string"),
    })
