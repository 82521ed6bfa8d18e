"""Monthly marketing spend: acquisition paid per new contact of a paid channel, retention per person reached."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lifecycle_lib.data._simulator.arrays import group_min
from lifecycle_lib.data._simulator.clock import month_index
from lifecycle_lib.data._simulator.columns import biz, codes_to_cat
from lifecycle_lib.data._simulator.vocabulary import CHANNELS, SPEND_CHANNELS, SPEND_PURPOSES

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["ACQ_COST", "RET_COST", "marketing_spend"]

# EUR per new contact of a paid channel, and per opted-in contact (email) or existing customer per month
ACQ_COST = {"shop": {"ads": 25.0, "social": 20.0, "search": 14.0, "partner_email": 9.0, "referral": 21.0},
            "service": {"ads": 36.0, "social": 28.0, "search": 20.0, "partner_email": 12.0, "referral": 30.0}}
RET_COST = {"shop": {"email": 0.04, "loyalty": 0.20, "retargeting": 0.08},
            "service": {"email": 0.8, "loyalty": 2.4, "retargeting": 0.6}}


def marketing_spend(b: Business) -> pd.DataFrame:
    """The ``marketing_spend`` rows of one business: one per month, channel and purpose.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> spend = marketing_spend(Business(np.random.default_rng(0), "shop", 50, 1.0).run())
    >>> len(spend) == 24 * 8
    True
    """
    rng = b.rng
    n_months = 24
    month = month_index(b.t0)
    first = group_min(b.o_person, b.o_cal, b.n, np.inf)
    buyers = np.isfinite(first)
    customers = np.cumsum(np.bincount(month_index(first[buyers]), minlength=n_months)[:n_months])
    customers_before = np.concatenate([[0], customers[:-1]])
    opted_in = np.cumsum(np.bincount(month[b.optin], minlength=n_months)[:n_months])
    chans, purposes, amounts = [], [], []
    for ch, cost in ACQ_COST[b.business].items():
        count = np.bincount(month[b.channel == CHANNELS.index(ch)], minlength=n_months)[:n_months]
        amounts.append(count * cost * rng.lognormal(0, 0.15, n_months))
        chans.append(SPEND_CHANNELS.index(ch))
        purposes.append(0)
    for ch, cost in RET_COST[b.business].items():
        base = opted_in if ch == "email" else customers_before
        amounts.append(base * cost * rng.lognormal(0, 0.15, n_months))
        chans.append(SPEND_CHANNELS.index(ch))
        purposes.append(1)
    k = len(chans)
    month_start = np.arange(np.datetime64("2024-01", "M"), np.datetime64("2026-01", "M")).astype("datetime64[us]")
    return pd.DataFrame({
        "month": np.tile(month_start, k),
        "business": biz(b.business, k * n_months),
        "channel": codes_to_cat(np.repeat(chans, n_months), SPEND_CHANNELS),
        "purpose": codes_to_cat(np.repeat(purposes, n_months), SPEND_PURPOSES),
        "amount": np.round(np.concatenate(amounts), 2),
    })
