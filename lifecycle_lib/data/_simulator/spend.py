"""Monthly marketing spend, from what the business did: visits bought, referrals rewarded, emails
sent, discounts given to returning customers and ads shown to past customers.

Only the unit prices below are set by hand. How much is spent, and so the cost of winning a customer
against the cost of keeping one, follows from how many people came, bought, opted in and came back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lifecycle_lib.data._simulator.arrays import group_min
from lifecycle_lib.data._simulator.clock import H_END, START, hours, month_index
from lifecycle_lib.data._simulator.columns import biz, codes_to_cat
from lifecycle_lib.data._simulator.vocabulary import CHANNELS, SPEND_CHANNELS, SPEND_PURPOSES

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["UNIT_COST", "marketing_spend"]

N_MONTHS = 24
#: EUR per unit, per business. ``ads``, ``social``, ``search``: per first visit bought (a click that
#: brings a new contact, with the clicks that brought nobody averaged in); ``partner_email``: per new
#: contact from a partner's newsletter; ``referral``: the reward per referred contact who buys;
#: ``email``: per email sent; ``retargeting``: per ad shown to a past customer; ``perk``: the service's
#: monthly loyalty perk per running subscription (the shop's loyalty cost is the discount money given
#: on returning customers' orders, from the orders themselves).
UNIT_COST = {
    "shop": {"ads": 20.0, "social": 16.0, "search": 12.0, "partner_email": 8.0, "referral": 10.0,
             "email": 0.004, "retargeting": 0.012, "perk": 0.0},
    "service": {"ads": 30.0, "social": 24.0, "search": 16.0, "partner_email": 10.0, "referral": 20.0,
                "email": 0.004, "retargeting": 0.012, "perk": 2.0},
}


def _per_month(times, weights=None) -> np.ndarray:
    """Sum of ``weights`` (or a count) per month of the history, from calendar hours."""
    times = np.asarray(times, float)
    ok = (times >= 0) & (times < H_END)
    w = None if weights is None else np.asarray(weights, float)[ok]
    return np.bincount(month_index(times[ok]), weights=w, minlength=N_MONTHS)[:N_MONTHS].astype(float)


def _emails_sent(b: Business) -> np.ndarray:
    """Emails sent per month: newsletters and promotion emails to opted-in contacts, welcome and win-back."""
    sends = np.array([hours(START + pd.DateOffset(months=mo, days=2)) + 10 for mo in range(N_MONTHS)])
    promos = np.concatenate([b.promo_a - 48 + 9, b.promo_a + 9])
    t0 = np.sort(b.t0[b.optin])
    times = np.concatenate([sends, promos])
    out = _per_month(times, np.searchsorted(t0, times))  # everyone opted in before the send gets it
    welcomed = b.first_cal[b.welcomed]
    out += sum(_per_month(welcomed + d * 24) for d in (1, 7, 20))
    if not b.is_shop:
        out += _per_month(b.winback[1])
    return out


def _returning_discounts(b: Business) -> np.ndarray:
    """The shop's discount money on orders of customers who had ordered before, per month."""
    r = b.orders_raw
    given = r["qty"] * b.prod_price[r["product"]] * r["disc"]
    repeat = b.o_rank[r["order"]] >= 1
    return _per_month(b.o_cal[r["order"]][repeat], given[repeat])


def _running_subscriptions(b: Business) -> np.ndarray:
    """Charges per month (one per running subscription)."""
    return _per_month(b.o_cal[b.orders_raw["order"][b.prod_cat[b.orders_raw["product"]] == "plan"]])


def marketing_spend(b: Business) -> pd.DataFrame:
    """The ``marketing_spend`` rows of one business: one per month, channel and purpose.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> spend = marketing_spend(Business(np.random.default_rng(0), "shop", 50, 1.0).run())
    >>> len(spend) == 24 * 8
    True
    """
    rng = b.rng
    cost = UNIT_COST[b.business]
    first = group_min(b.o_person, b.o_cal, b.n, np.inf)
    customer_before = first  # a person counts as a past customer from their first order on
    amounts = {}
    for ch in ("ads", "social", "search", "partner_email"):
        arrivals = _per_month(b.t0[b.channel == CHANNELS.index(ch)])
        amounts[ch] = arrivals * cost[ch] * rng.lognormal(0, 0.15, N_MONTHS)
    referred_buyers = (b.channel == CHANNELS.index("referral")) & np.isfinite(first)
    amounts["referral"] = _per_month(first[referred_buyers]) * cost["referral"]
    amounts["email"] = _emails_sent(b) * cost["email"]
    if b.is_shop:
        amounts["loyalty"] = _returning_discounts(b)
    else:
        amounts["loyalty"] = _running_subscriptions(b) * cost["perk"]
    who, t = b.retargeting
    seen_as_customer = t > customer_before[who]
    amounts["retargeting"] = _per_month(t[seen_as_customer]) * cost["retargeting"] / max(b.event_share, 1e-9)
    chans = [SPEND_CHANNELS.index(ch) for ch in amounts]
    purposes = [0 if ch in ("ads", "social", "search", "partner_email", "referral") else 1 for ch in amounts]
    k = len(chans)
    month_start = np.arange(np.datetime64("2024-01", "M"), np.datetime64("2026-01", "M")).astype("datetime64[us]")
    return pd.DataFrame({
        "month": np.tile(month_start, k),
        "business": biz(b.business, k * N_MONTHS),
        "channel": codes_to_cat(np.repeat(chans, N_MONTHS), SPEND_CHANNELS),
        "purpose": codes_to_cat(np.repeat(purposes, N_MONTHS), SPEND_PURPOSES),
        "amount": np.round(np.concatenate(list(amounts.values())), 2),
    })
