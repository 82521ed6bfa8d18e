"""What the business puts in front of people outside its site: ad impressions, social engagement, email."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lifecycle_lib.data._simulator.arrays import within
from lifecycle_lib.data._simulator.behaviour import OPEN_NEWS, OPEN_PROMO, SOCIAL_RATE
from lifecycle_lib.data._simulator.clock import DAY, H_END, START, hours
from lifecycle_lib.data._simulator.vocabulary import HUNT, IMP, LOY

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business
    from lifecycle_lib.data._simulator.events import EventLog

__all__ = ["ad_impressions", "social_engagement", "emails"]


def ad_impressions(b: Business, log: EventLog) -> None:
    """Impressions before the first visit (about 7 noticed for ads and social people), then retargeting.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> from lifecycle_lib.data._simulator.events import EventLog
    >>> b = Business(np.random.default_rng(0), "shop", 50, 1.0).run()
    >>> log = EventLog()
    >>> ad_impressions(b, log)
    >>> set(log.finish()["source"].tolist()) <= {1, 2}
    True
    """
    rng, ty, n = b.rng, b.ty, b.n
    keep_p = b.keep_events
    ch = b.channel
    need = np.select(
        [np.isin(ch, [1, 2]), ch == 0, np.isin(ch, [3, 4])],
        [np.where(ty == IMP, 2 + rng.poisson(3.0, n), 3 + rng.poisson(5.0, n)), rng.poisson(0.8, n), rng.poisson(0.5, n)],
        rng.poisson(1.0, n),
    )
    need = np.where(keep_p, need, 0)
    missed = np.where(need > 0, rng.negative_binomial(np.maximum(need, 1), b.p_notice), rng.poisson(1.0, n))
    missed = np.where(keep_p, missed, 0)
    total = need + missed
    who = np.repeat(np.arange(n), total)
    k = within(total)
    # noticed: the last impression (it brought the visit) plus need-1 of the others, at random
    key = rng.random(len(who))
    last = k == total[who] - 1
    key[last] = -1.0
    order = np.lexsort((key, who))
    rank = np.empty(len(who), np.int64)
    rank[order] = within(total)
    noticed = rank < need[who]
    window = np.minimum(40 * DAY, b.t0 - (-60 * DAY))
    paid = np.isin(ch[who], [1, 2])
    last &= paid  # an ads or social person arrives by clicking the last message
    t = np.where(last, b.t0[who] - (2 + rng.random(len(who)) * 25) / 60.0,
                 b.t0[who] - 1.0 - rng.random(len(who)) * window[who])
    # the last one comes from the channel (ads or social); the others from either
    src = np.where(last & (ch[who] == 1), 1, np.where(last & (ch[who] == 2), 2, np.where(rng.random(len(who)) < 0.5, 1, 2)))
    log.add(who, t, "ad_impression", source=src, noticed=noticed.astype(int))
    # retargeting and brand impressions after the first visit
    n_after = np.where(keep_p, rng.poisson(6.0, n), 0)
    who = np.repeat(np.arange(n), n_after)
    t = b.t0[who] + rng.random(len(who)) * 120 * DAY
    log.add(who, t, "ad_impression", source=np.where(rng.random(len(who)) < 0.5, 1, 2),
            noticed=(rng.random(len(who)) < b.p_notice[who]).astype(int))
    b.retargeting = (who, t)  # what the retention spend pays for, once a person is a customer


def social_engagement(b: Business, log: EventLog) -> None:
    """Likes, follows, shares and comments on the business's posts, outside visits (loyal people share)."""
    rng, ty, n = b.rng, b.ty, b.n
    n_soc = np.where(b.keep_events, rng.poisson(SOCIAL_RATE[ty]), 0)
    sw = np.repeat(np.arange(n), n_soc)
    kind = np.where(ty[sw] == LOY, rng.choice(4, len(sw), p=[0.3, 0.2, 0.35, 0.15]), rng.choice(4, len(sw), p=[0.6, 0.25, 0.05, 0.1]))
    log.add(sw, b.t0[sw] + rng.random(len(sw)) * (H_END - b.t0[sw]), "social_engagement", detail=10 + kind)


def emails(b: Business, log: EventLog) -> None:
    """Opens and clicks of newsletters (monthly), promotion emails, the welcome series and win-back emails."""
    rng, ty = b.rng, b.ty
    keep = b.keep_events & b.optin
    # the opt-in happens in the first visit
    months = np.arange(24)
    sends = np.array([hours(START + pd.DateOffset(months=int(mo), days=2)) + 10 for mo in months])
    promos = np.concatenate([b.promo_a - 2 * DAY + 9, b.promo_a + 9])
    for times, kind, open_p in ((sends, 1, OPEN_NEWS), (promos, 0, OPEN_PROMO)):
        p_idx = np.flatnonzero(keep)
        got = b.t0[p_idx][:, None] < times[None, :]
        opened = got & (rng.random(got.shape) < open_p[ty[p_idx]][:, None])
        pi, ti = np.nonzero(opened)
        who = p_idx[pi]
        t = times[ti] + rng.exponential(6.0, len(pi))
        log.add(who, t, "email_open", detail=np.full(len(who), kind))
        clicked = rng.random(len(who)) < np.where(kind == 0, np.where(ty[who] == HUNT, 0.5, 0.2), 0.15)
        log.add(who[clicked], t[clicked] + 0.05, "email_click", detail=np.full(clicked.sum(), kind))
    # welcome series: day 1, 7 and 20 after the first purchase
    fw = np.flatnonzero(b.welcome_opens.any(axis=1) & b.keep_events)
    for j, d in enumerate((1, 7, 20)):
        w = fw[b.welcome_opens[fw, j]]
        t = b.first_cal[w] + d * DAY + rng.exponential(8.0, len(w))
        log.add(w, t, "email_open", detail=np.full(len(w), 2))
    if not b.is_shop:
        wp, wt, wo = b.winback
        sel = wo & b.keep_events[wp]
        log.add(wp[sel], wt[sel] + rng.exponential(8.0, sel.sum()), "email_open", detail=np.full(sel.sum(), 3))
