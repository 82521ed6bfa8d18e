"""The event log of one business: what happens in each visit, plus the marketing around the visits.

Events are drawn in a fixed order (impressions, visits and what happens in them, social
engagement, email) into an :class:`EventLog` of integer codes; the ``events`` table decodes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifecycle_lib.data._simulator import marketing
from lifecycle_lib.data._simulator.arrays import choice_rows, within
from lifecycle_lib.data._simulator.behaviour import VIDEO_RATE
from lifecycle_lib.data._simulator.clock import H_END
from lifecycle_lib.data._simulator.visits import ATTEMPT
from lifecycle_lib.data._simulator.vocabulary import EV, HUNT, RES, WAN

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["EventLog", "build_events"]

EVENT_FIELDS = ("person", "t", "session", "event", "source", "page", "product", "dur", "noticed", "detail")
#: what each field holds when an event does not have it
MISSING = {"session": -1, "source": -1, "page": -1, "product": -1, "dur": np.nan, "noticed": -1, "detail": -1}


class EventLog:
    """Events collected as arrays of codes, one batch at a time.

    >>> log = EventLog()
    >>> log.add(np.array([0, 1]), np.array([5.0, 6.0]), "visit", session=np.array([1, 2]))
    >>> log.finish()["session"].tolist()
    [1, 2]
    """

    def __init__(self):
        self.parts = {k: [] for k in EVENT_FIELDS}

    def add(self, person, t, event, **fields) -> None:
        """One batch of events of one kind: who, when, and any of the other fields (the rest missing)."""
        k = len(person)
        self.parts["person"].append(person)
        self.parts["t"].append(t)
        self.parts["event"].append(np.full(k, EV[event]))
        for name, empty in MISSING.items():
            value = fields.pop(name, None)
            self.parts[name].append(np.full(k, empty) if value is None else value)
        if fields:
            raise TypeError(f"unknown event fields: {sorted(fields)}")

    def finish(self) -> dict:
        """Every event inside the simulated history, as one array per field."""
        E = {k: np.concatenate(v) for k, v in self.parts.items()}
        ok = (E["t"] < H_END) & (E["t"] >= 0)
        return {k: v[ok] for k, v in E.items()}


def build_events(b: Business) -> None:
    """Every event of the business (``b.events_raw``), before it is decoded and sorted.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> b = Business(np.random.default_rng(0), "shop", 50, 1.0).run()
    >>> bool((b.events_raw["event"] == EV["visit"]).any())
    True
    """
    log = EventLog()
    marketing.ad_impressions(b, log)
    visit = _visits(b, log)
    _pages_and_videos(b, log, visit)
    _signups_carts_and_chats(b, log, visit)
    marketing.social_engagement(b, log)
    marketing.emails(b, log)
    b.events_raw = log.finish()


def _visits(b: Business, log: EventLog) -> dict:
    """The visit events of the kept sessions, and the ad click that starts a later paid visit."""
    rng = b.rng
    S = b.sess
    sel = S["keep"] & b.keep_events[S["person"]]
    sid = np.arange(1, len(S["person"]) + 1)
    visit = dict(person=S["person"][sel], start=S["start"][sel], dur=S["dur"][sel], n_pv=S["n_pv"][sel],
                 src=S["src"][sel], kind=S["kind"][sel], chat=S["chat"][sel], sid=sid[sel],
                 intent=S["attempt_intent"][sel])
    sp, st, ssrc = visit["person"], visit["start"], visit["src"]
    log.add(sp, st, "visit", session=visit["sid"], source=ssrc, dur=visit["dur"])
    # a later visit from an ad or a social post starts with a click on a noticed message
    first_s = np.concatenate([[True], sp[1:] != sp[:-1]]) if len(sp) else np.zeros(0, bool)
    click = np.isin(ssrc, [1, 2]) & ~first_s
    log.add(sp[click], st[click] - (1 + rng.random(click.sum()) * 19) / 60.0, "ad_impression",
            source=ssrc[click], noticed=np.ones(click.sum(), int))
    visit["first"] = first_s
    return visit


def _page_probabilities(b: Business) -> np.ndarray:
    """Chance of each page per type (rows) for this business."""
    page_p = np.tile([0.25, 0.45, 0.05, 0.08, 0.07, 0.05, 0.05], (7, 1))
    page_p[RES] = [0.08, 0.30, 0.22, 0.22, 0.10, 0.03, 0.05]
    page_p[WAN] = [0.20, 0.30, 0.03, 0.07, 0.05, 0.30, 0.05]
    page_p[HUNT] = [0.25, 0.40, 0.03, 0.05, 0.05, 0.04, 0.18]
    if not b.is_shop:  # no sizing guide for a service: plan comparison instead
        page_p[:, 6] += page_p[:, 2]
        page_p[:, 2] = 0.0
    return page_p


def _pages_and_videos(b: Business, log: EventLog, visit: dict) -> None:
    """Page views spread over each visit, and the videos watched in it."""
    rng, ty, n = b.rng, b.ty, b.n
    sp, st, sdur, snpv, sid = visit["person"], visit["start"], visit["dur"], visit["n_pv"], visit["sid"]
    pv_who = np.repeat(np.arange(len(sp)), snpv)
    j = within(snpv)
    frac = (j + rng.random(len(j)) * 0.8) / (snpv[pv_who] + 1)
    page_p = _page_probabilities(b)
    # some researchers read reviews and watch videos but skip the sizing guide
    person_p = page_p[ty].copy()
    skip = (ty == RES) & (rng.random(n) < 0.2)
    person_p[skip, 3] += person_p[skip, 2]
    person_p[skip, 2] = 0.01
    page = choice_rows(rng, person_p[sp[pv_who]])
    prod = np.where(page == 1, rng.integers(0, len(b.prod_ids), len(page)), -1)
    log.add(sp[pv_who], st[pv_who] + frac * sdur[pv_who] / 3600.0, "page_view", session=sid[pv_who], page=page, product=prod)
    # videos
    n_vid = rng.poisson(VIDEO_RATE[ty[sp]])
    vw = np.repeat(np.arange(len(sp)), n_vid)
    log.add(sp[vw], st[vw] + rng.random(len(vw)) * sdur[vw] / 3600.0, "video_view", session=sid[vw],
            product=rng.integers(0, len(b.prod_ids), len(vw)))


def _signups_carts_and_chats(b: Business, log: EventLog, visit: dict) -> None:
    """Sign-ups in the first visit; carts, checkouts and chats in checkout visits (and some idle carts)."""
    rng, ty = b.rng, b.ty
    sp, st, sdur, sid = visit["person"], visit["start"], visit["dur"], visit["sid"]
    skind, schat, sintent = visit["kind"], visit["chat"], visit["intent"]
    # sign-ups: opted-in people sign up in their first visit; researchers prefer the lead magnet
    su = visit["first"] & b.optin[sp]
    lead = rng.random(len(sp)) < np.where(ty[sp] == RES, 0.6, 0.2)
    mid = st + 0.5 * sdur / 3600.0
    log.add(sp[su & ~lead], mid[su & ~lead], "newsletter_signup", session=sid[su & ~lead])
    log.add(sp[su & lead], mid[su & lead], "lead_magnet_signup", session=sid[su & lead])
    # cart, checkout and chat
    att = skind == ATTEMPT
    end = st + sdur / 3600.0
    intent_prod = np.full(len(b.intent_person), -1)
    if b.is_shop:
        first_line = np.searchsorted(b.orders_raw["order"], np.arange(len(b.o_person)))
        intent_prod[b.o_intent] = b.orders_raw["product"][first_line]
    else:
        intent_prod[b.o_intent_first] = b.first_plan_prod
    cart_prod = np.where(att, intent_prod[np.maximum(sintent, 0)], -1)
    cart_prod = np.where(att & (cart_prod < 0), rng.integers(0, len(b.prod_ids), len(sp)), cart_prod)
    browse_cart = (skind != ATTEMPT) & (rng.random(len(sp)) < np.where(ty[sp] == WAN, 0.12, 0.04))
    c = att | browse_cart
    cart_prod = np.where(browse_cart, rng.integers(0, len(b.prod_ids), len(sp)), cart_prod)
    log.add(sp[c], end[c] - 100 / 3600, "add_to_cart", session=sid[c], product=cart_prod[c])
    log.add(sp[att], end[att] - 70 / 3600, "checkout_start", session=sid[att])
    ch_ = att & (schat >= 0)
    log.add(sp[ch_], end[ch_] - 50 / 3600, "chat_request", session=sid[ch_], detail=schat[ch_])
