"""Who recommended whom: every referral-channel contact gets a referrer among earlier customers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lifecycle_lib.data._simulator.arrays import group_min, ids
from lifecycle_lib.data._simulator.behaviour import REFERRAL_WEIGHT
from lifecycle_lib.data._simulator.clock import DAY, to_datetime
from lifecycle_lib.data._simulator.columns import biz, codes_to_cat
from lifecycle_lib.data._simulator.tables import contact_ids
from lifecycle_lib.data._simulator.vocabulary import CHANNELS

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["add_referrals"]


def add_referrals(b: Business, tables: dict[str, pd.DataFrame]) -> None:
    """Add the ``referrals`` table to one business's tables; referrals nobody could make become word of mouth.

    A "referral" contact seen before any customer existed to recommend them came by word of mouth:
    ``contacts.channel``, and the ``referral`` sources of their events and orders, say so.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> from lifecycle_lib.data._simulator.tables import business_tables
    >>> b = Business(np.random.default_rng(0), "shop", 300, 1.0).run()
    >>> tables = business_tables(b)
    >>> add_referrals(b, tables)
    >>> set(tables["referrals"]["referred_id"]) == set(tables["contacts"].query("channel == 'referral'")["contact_id"])
    True
    """
    before = b.channel.copy()
    tables["referrals"] = _referrals(b)
    tables["contacts"]["channel"] = codes_to_cat(b.channel, CHANNELS)
    changed = tables["contacts"]["contact_id"][before != b.channel].tolist()
    for table, col in (("events", "source"), ("orders", "channel")):
        frame = tables[table]
        fix = (frame[col] == "referral").to_numpy().copy()
        fix[fix] = frame["contact_id"][fix].isin(changed).to_numpy()
        frame.loc[fix, col] = "word_of_mouth"


def _referrals(b: Business) -> pd.DataFrame:
    """Give every referral-channel contact a referrer among earlier customers (loyal ones by far the most)."""
    rng = b.rng
    first = group_min(b.o_person, np.round(b.o_cal * 3600) / 3600, b.n, np.inf)
    cust_idx = np.flatnonzero(np.isfinite(first))
    o = np.argsort(first[cust_idx], kind="stable")
    cust_idx = cust_idx[o]
    cust_first = first[cust_idx]
    w = REFERRAL_WEIGHT[b.ty[cust_idx]] * rng.lognormal(0, 0.5, len(cust_idx))
    cumw = np.cumsum(w)
    referred = np.flatnonzero(b.channel == CHANNELS.index("referral"))
    seen = np.round(b.t0[referred] * 3600) / 3600
    cutoff = np.searchsorted(cust_first, seen - DAY)
    ok = cutoff > 0
    pick = np.searchsorted(cumw, rng.random(len(referred)) * np.where(ok, cumw[np.maximum(cutoff - 1, 0)], 0), side="right")
    pick = np.minimum(pick, np.maximum(cutoff - 1, 0))
    referred_ok, referrer = referred[ok], cust_idx[pick[ok]]
    # with nobody to recommend them yet, early "referrals" were plain word of mouth
    b.channel[referred[~ok]] = CHANNELS.index("word_of_mouth")
    k = len(referred_ok)
    created = b.t0[referred_ok]
    o = np.argsort(created, kind="stable")
    cid = contact_ids(b)
    return pd.DataFrame({
        "referral_id": pd.array(ids(f"{b.prefix}F", k).to_numpy(), dtype="string"),
        "business": biz(b.business, k),
        "referrer_id": pd.array(cid[referrer][o], dtype="string"),
        "referred_id": pd.array(cid[referred_ok][o], dtype="string"),
        "created_at": to_datetime(created[o]),
    })
