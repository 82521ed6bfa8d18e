"""Every visit (session): before buying, each checkout attempt and browsing afterwards, with its source.

The source of the visit that completed a purchase becomes the order's channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifecycle_lib.data._simulator.arrays import group_min
from lifecycle_lib.data._simulator.behaviour import (
    PAGE_SECONDS,
    POST_VISITS_YEAR,
    PRE_VISITS_BUYER,
    PV_MEAN,
    VISITS_NONBUYER,
)
from lifecycle_lib.data._simulator.clock import DAY, H_END
from lifecycle_lib.data._simulator.vocabulary import CHANNEL_TO_SOURCE, HUNT, IMP, ORDER_CHANNELS, SOURCES, WAN

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["sessions"]

SESSION_FIELDS = ("person", "start", "end", "kind", "attempt_intent", "chat", "done")
#: session kinds: a visit, the first visit, a checkout attempt
BROWSE, FIRST_VISIT, ATTEMPT = 0, 1, 2


def sessions(b: Business) -> None:
    """Every visit of every person (``b.sess``, sorted by person and start) and each order's channel.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> b = Business(np.random.default_rng(0), "shop", 100, 1.0).run()
    >>> len(b.o_channel) == len(b.o_person)
    True
    """
    S = _visit_rows(b)
    _visit_details(b, S)
    _order_channels(b)


def _visit_rows(b: Business) -> dict:
    """Who visits when: the first visit, visits before and after the first purchase, checkout attempts."""
    rng, ty, n = b.rng, b.ty, b.n
    S = {k: [] for k in SESSION_FIELDS}

    def add(person, start=None, end=None, kind=BROWSE, intent=None, chat=None, done=None):
        k = len(person)
        S["person"].append(person)
        S["start"].append(np.full(k, np.nan) if start is None else start)
        S["end"].append(np.full(k, np.nan) if end is None else end)
        S["kind"].append(np.full(k, kind))
        S["attempt_intent"].append(np.full(k, -1) if intent is None else intent)
        S["chat"].append(np.full(k, -2) if chat is None else chat)
        S["done"].append(np.zeros(k, bool) if done is None else done)

    cust = b.customer
    # first purchase actually completed, per customer
    first_cal = group_min(b.intent_person[b.intent_done], _done_time(b), n)
    # the first visit: its own session unless the first purchase happened in it
    first_is_order = cust & b.same_visit & (np.abs(first_cal - b.first_cal) < 1.0)
    add(np.flatnonzero(~first_is_order), start=b.t0[~first_is_order], kind=FIRST_VISIT)
    # visits between the first visit and the first purchase
    keen = rng.gamma(2.0, 0.5, n)  # how much browsing this person does, around the type's mean
    n_pre = np.where(cust, rng.poisson(PRE_VISITS_BUYER[ty] * keen), rng.poisson(VISITS_NONBUYER[ty] * keen))
    n_pre = np.where(first_is_order, 0, n_pre)
    who = np.repeat(np.arange(n), n_pre)
    span = np.where(cust, first_cal - b.t0, rng.exponential(np.where(ty == WAN, 150, 40) * DAY, n))
    span = np.maximum(span, 0.5)
    add(who, start=b.t0[who] + rng.random(len(who)) * span[who] * 0.98)
    # browsing after the first purchase
    life = np.where(cust, np.maximum(H_END - np.nan_to_num(first_cal, nan=H_END), 0) / (365 * DAY), 0)
    n_post = rng.poisson(POST_VISITS_YEAR[ty] * life)
    who = np.repeat(np.arange(n), n_post)
    add(who, start=first_cal[who] + rng.random(len(who)) * (H_END - first_cal[who]))
    # checkout attempts (each its own visit); the attempt time is the end of the visit
    for idx, t, chat, ok in b.attempts:
        p = b.intent_person[idx]
        good = (t < H_END) & ((~ok) | b.intent_done[idx])
        add(p[good], end=t[good], kind=ATTEMPT, intent=idx[good], chat=chat[good], done=ok[good])
    # service renewals are automatic and leave no visit
    return {k: np.concatenate(v) for k, v in S.items()}


def _visit_details(b: Business, S: dict) -> None:
    """Page views, duration and traffic source of each visit; sets ``b.sess``."""
    rng, ty, n = b.rng, b.ty, b.n
    m = len(S["person"])
    sty = ty[S["person"]]
    n_pv = 1 + rng.poisson(PV_MEAN[sty])
    page_s = rng.exponential(1.0, m) * 0 + PAGE_SECONDS[sty]  # the draw keeps the seed's stream in place
    dur = n_pv * page_s * rng.lognormal(0, 0.35, m) + 15
    is_att = S["kind"] == ATTEMPT
    dur = np.where(is_att, dur + 120, dur)
    start = np.where(is_att, S["end"] - dur / 3600.0, S["start"])
    # the first-visit session of a same-visit buyer is the purchase attempt itself
    first_visit = S["kind"] == FIRST_VISIT
    src = rng.choice(len(SOURCES), size=m, p=[0.25, 0.1, 0.15, 0.12, 0.02, 0.0, 0.36, 0.0])
    src = np.where(~b.optin[S["person"]] & (src == 3), 6, src)
    own_source = CHANNEL_TO_SOURCE[b.channel[S["person"]]]
    src = np.where(first_visit, own_source, src)
    # a same-visit first purchase arrives through the person's channel
    earliest = group_min(S["person"], start, n, np.inf)
    is_earliest = start <= earliest[S["person"]]
    src = np.where(is_att & is_earliest, own_source, src)
    # impulse buyers come back through an ad or a social post
    imp_att = is_att & (sty == IMP) & ~is_earliest
    src = np.where(imp_att, np.where(rng.random(m) < 0.5, 1, 2), src)
    hunt_att = is_att & (sty == HUNT) & ~is_earliest & b.optin[S["person"]] & (rng.random(m) < 0.5)
    src = np.where(hunt_att, 3, src)
    o = np.lexsort((start, S["person"]))
    b.sess = {k: v[o] for k, v in S.items()}
    b.sess.update(start=start[o], dur=dur[o], n_pv=n_pv[o], src=src[o])
    b.sess["keep"] = (b.sess["start"] < H_END) & (b.sess["start"] > -DAY * 400)


def _order_channels(b: Business) -> None:
    """The visit source of each completed order (``b.o_channel``); service renewals are ``subscription``."""
    att_done = (b.sess["kind"] == ATTEMPT) & b.sess["done"]
    intent_src = np.full(len(b.intent_person), 6)
    intent_src[b.sess["attempt_intent"][att_done]] = b.sess["src"][att_done]
    if b.is_shop:
        b.o_channel = intent_src[b.o_intent]
    else:
        # first charge through the visit, renewals are automatic
        first_src = np.full(b.n, 6)
        first_src[b.intent_person[b.o_intent_first]] = intent_src[b.o_intent_first]
        b.o_channel = np.where(b.o_rank == 0, first_src[b.o_person], ORDER_CHANNELS.index("subscription"))


def _done_time(b: Business):
    """Completion time of every completed intended purchase (in intent order)."""
    t = np.full(len(b.intent_person), np.nan)
    for idx, tt, _chat, ok in b.attempts:
        t[idx[ok]] = np.where(np.isnan(t[idx[ok]]), tt[ok], t[idx[ok]])
    return t[b.intent_done]
