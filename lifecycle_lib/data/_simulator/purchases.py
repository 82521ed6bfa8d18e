"""When each person means to buy, and whether the checkout goes through.

First purchases (with the welcome series that nurtures a second one), the shop's later purchases
and Christmas gifts (fewer after a bad first support experience), and the checkout attempts with the
support chat at purchase.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifecycle_lib.data._simulator.arrays import within
from lifecycle_lib.data._simulator.behaviour import (
    BAD_SUPPORT,
    HESITATE,
    INTERVAL_DAYS,
    OPEN_WELCOME,
    P2_BASE,
    P2_NURTURE,
    P_BUY,
    P_CHAT,
    P_GIFT,
    RETRY,
    SELF_SERVE,
    STOP_AFTER,
)
from lifecycle_lib.data._simulator.catalogue import WELCOME_LAUNCH
from lifecycle_lib.data._simulator.clock import DAY, H_END, hours
from lifecycle_lib.data._simulator.vocabulary import DIS, HUNT, IMP, LOY, NEED, RES, WAN

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["first_purchases", "shop_purchase_times", "checkout", "chat_wait", "FAST_ANSWER_HOURS"]

#: the support chat is staffed from 8:00 to 22:00; outside those hours most requests go unanswered
STAFFED = (8.0, 22.0)
#: an answer within this many hours counts as fast
FAST_ANSWER_HOURS = 0.1

#: per type: chance to buy in the first visit, mean days to the first purchase otherwise, gamma shape
FIRST_DELAY = {
    IMP: (0.70, 1.0, 1.0), WAN: (0.05, 45, 1.0), NEED: (0.40, 2.0, 1.0), HUNT: (0.10, 10, 1.0),
    RES: (0.0, 28, 2.5), DIS: (0.25, 6, 1.0), LOY: (0.25, 10, 1.0),
}


def _first_delay(b: Business):
    """Hours (operational) from first visit to first purchase."""
    rng, ty, n = b.rng, b.ty, b.n
    d = np.empty(n)
    same_visit = np.zeros(n, bool)
    for t, (p_same, mean_days, shape) in FIRST_DELAY.items():
        m = ty == t
        k = int(m.sum())
        same = rng.random(k) < p_same
        d[m] = np.where(same, 0.0, rng.gamma(shape, mean_days * DAY / shape, size=k) + 2.0)
        same_visit[m] = same
    return d, same_visit


def first_purchases(b: Business):
    """Who buys and when they first mean to; the welcome series and each person's own buying interval.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> from lifecycle_lib.data._simulator.people import draw_people
    >>> b = Business(np.random.default_rng(0), "shop", 20, 1.0)
    >>> draw_people(b)
    >>> buys = first_purchases(b)
    >>> bool(np.isnan(b.first_cal[~buys]).all())
    True
    """
    rng, ty, n = b.rng, b.ty, b.n
    buys = rng.random(n) < P_BUY[b.business][ty]
    d1, same_visit = _first_delay(b)
    op0 = b.clock.to_op(b.t0)
    f_op = op0 + d1
    f_cal = b.clock.to_calendar(f_op)
    f_cal = np.where(same_visit, b.t0 + 0.05 + rng.random(n) * 0.3, f_cal)
    hunt = (ty == HUNT) & (rng.random(n) < 0.8)
    f_cal = b.snap_to_promo(f_cal, hunt & buys)
    buys &= f_cal < H_END
    b.buys, b.same_visit = buys, same_visit & buys
    b.first_cal = np.where(buys, f_cal, np.nan)

    # welcome series: opted-in buyers after the launch get three emails; opening one nurtures
    launch = hours(WELCOME_LAUNCH)
    b.welcomed = buys & b.optin & (f_cal >= launch)
    opens = rng.random((n, 3)) < OPEN_WELCOME[ty][:, None]
    opens &= b.welcomed[:, None]
    b.welcome_opens = opens
    b.nurtured = opens[:, :2].any(axis=1)  # opened the day-1 or day-7 email

    b.own_interval = np.exp(rng.normal(np.log(INTERVAL_DAYS[ty] * DAY), 0.3))
    return buys


def shop_purchase_times(b: Business):
    """Every intended shop purchase: (person, calendar hours, is the first) for first, second, later and gifts."""
    rng, ty, n = b.rng, b.ty, b.n
    buys = b.buys
    bad = b.bad_support  # a first ticket answered slowly or rated low
    p2 = np.minimum(P2_BASE[ty] * np.where(b.nurtured, P2_NURTURE[ty], 1.0), 0.95)
    p2 = p2 * np.where(bad, BAD_SUPPORT["p2"], 1.0)
    stop = np.where(bad, STOP_AFTER[ty] + (1 - STOP_AFTER[ty]) * BAD_SUPPORT["stop"], STOP_AFTER[ty])
    second = buys & (rng.random(n) < p2)
    f_op = b.clock.to_op(np.where(buys, b.first_cal, 0.0))
    gap2 = np.where(ty == LOY, np.minimum(b.own_interval, 45 * DAY) * rng.lognormal(0, 0.25, n),
                    rng.gamma(3.0, 10 * DAY, n))
    s_op = f_op + gap2
    more = np.where(second, np.minimum(rng.geometric(stop) - 1, 40), 0)
    who = np.repeat(np.arange(n), more)
    k = within(more)
    jitter = np.where(ty[who] == LOY, rng.lognormal(0, 0.15, len(who)),
                      rng.exponential(1.0, len(who)))
    gaps = b.own_interval[who] * jitter
    csum = np.cumsum(gaps)
    if len(who):
        per_person = np.bincount(who, weights=gaps, minlength=n)
        base = np.repeat(np.cumsum(per_person) - per_person, more)
    else:
        base = np.zeros(0)
    later_op = s_op[who] + (csum - base)
    # Christmas gifts from existing customers
    gift_who, gift_t = [], []
    for year in (2024, 2025):
        a, c = hours(f"{year}-11-22"), hours(f"{year}-12-21")
        g = buys & (b.first_cal < a - 7 * DAY) & (rng.random(n) < P_GIFT[ty])
        gift_who.append(np.flatnonzero(g))
        gift_t.append(a + rng.random(g.sum()) * (c - a))
    person = np.concatenate([np.flatnonzero(buys), np.flatnonzero(second), who] + gift_who)
    cal = np.concatenate([
        b.first_cal[buys], b.clock.to_calendar(s_op[second]), b.clock.to_calendar(later_op),
    ] + gift_t)
    seq = np.concatenate([np.zeros(buys.sum()), np.ones(second.sum()), 2 + k] + [np.full(len(g), 50) for g in gift_who])
    # discount hunters move most later purchases into promotions
    snap = (ty[person] == HUNT) & (seq > 0) & (rng.random(len(person)) < 0.75)
    cal = b.snap_to_promo(cal, snap)
    keep = cal < H_END
    return person[keep], cal[keep], seq[keep] == 0


def chat_wait(rng, cal):
    """Hours until a chat request made at calendar hours ``cal`` is answered (``inf``: never).

    While the chat is staffed most answers come within minutes; outside those hours nine requests
    in ten are never answered, and the rest wait for the morning shift.

    >>> wait = chat_wait(np.random.default_rng(0), np.array([10.0, 3.0] * 500))
    >>> bool(np.isinf(wait[1::2]).mean() > np.isinf(wait[::2]).mean())
    True
    """
    k = len(cal)
    hour = np.mod(cal, DAY)
    staffed = (hour >= STAFFED[0]) & (hour < STAFFED[1])
    minutes_away = np.where(staffed, np.log(0.04), np.log(0.5))
    wait = np.exp(rng.normal(minutes_away, 1.1, k))
    missed = rng.random(k) < np.where(staffed, 0.05, 0.9)
    return np.where(missed, np.inf, wait)


def _outcome(wait):
    """Chat outcome codes from waits: 0 answered fast, 1 answered slowly, 2 unanswered."""
    return np.where(np.isinf(wait), 2, np.where(wait <= FAST_ANSWER_HOURS, 0, 1))


def checkout(b: Business, person, cal):
    """Each intended purchase goes through up to two checkout attempts; returns attempts and outcome.

    At each attempt some people ask the chat a question (``P_CHAT``); an answer that takes longer
    than the person's own patience loses the sale unless they find the answer on the site
    (``SELF_SERVE``), and anyone may drop the checkout on second thoughts (``HESITATE``). The
    abandonment rates by chat outcome follow from these, not from a table of rates.

    ``attempts`` holds, per attempt round, (purchase index, time, chat outcome or -1, completed);
    then whether each purchase completed and its completion time (NaN if it did not).
    """
    rng = b.rng
    m = len(person)
    attempts = []
    done = np.zeros(m, bool)
    alive = np.ones(m, bool)
    t = cal.copy()
    for _ in range(2):
        idx = np.flatnonzero(alive)
        ty = b.ty[person[idx]]
        asks = rng.random(len(idx)) < P_CHAT[ty]
        wait = np.where(asks, chat_wait(rng, t[idx]), 0.0)
        chat = np.where(asks, _outcome(wait), -1)
        gave_up = asks & (wait > b.patience[person[idx]]) & (rng.random(len(idx)) >= SELF_SERVE[ty])
        abandon = gave_up | (rng.random(len(idx)) < HESITATE[ty])
        attempts.append((idx, t[idx].copy(), chat, ~abandon))
        done[idx[~abandon]] = True
        retry = abandon & (rng.random(len(idx)) < RETRY)
        alive[:] = False
        alive[idx[retry]] = True
        t[idx[retry]] += 1.0 + rng.random(retry.sum()) * 71.0
        cal = np.where(done, cal, t)
    completed_time = np.where(done, cal, np.nan)
    return attempts, done, completed_time
