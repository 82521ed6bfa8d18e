"""After the purchase: support tickets (topic, response time, satisfaction) and public reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifecycle_lib.data._simulator.arrays import choice_rows
from lifecycle_lib.data._simulator.behaviour import BAD_SUPPORT, P_REVIEW, P_TICKET_MONTH, P_TICKET_ORDER, RATING_P
from lifecycle_lib.data._simulator.clock import DAY, H_END
from lifecycle_lib.data._simulator.vocabulary import DIS

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["first_experience", "tickets_and_reviews"]


def tickets_and_reviews(b: Business) -> None:
    """Tickets about orders (``b.tickets``) and reviews of them (``b.reviews``); dissatisfied people write most.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> b = Business(np.random.default_rng(0), "shop", 200, 1.0).run()
    >>> bool(np.isin(b.reviews["rating"], [1, 2, 3, 4, 5]).all())
    True
    """
    ty = b.ty[b.o_person]  # the type behind each order
    _tickets(b, ty)
    _reviews(b, ty)


def _ticket_chance(b: Business, ty, first):
    """The chance that an order (shop) or a monthly charge (service) leads to a ticket."""
    return P_TICKET_ORDER[ty] if b.is_shop else P_TICKET_MONTH[ty] + 0.04 * first


def _ticket_delay_days(b: Business, rng, k):
    """Days from the order (shop) or the charge (service) to the ticket."""
    return 2 + rng.random(k) * 8 if b.is_shop else 1 + rng.random(k) * 20


def _answer_and_rating(rng, opened, dissatisfied):
    """First-response hours (three times slower at weekends) and the satisfaction a person would give.

    The week starts on a Monday (the history starts on Monday 1 January 2024). A slow answer lowers the
    rating; dissatisfied people rate low whatever happens.
    """
    k = len(opened)
    weekend = np.floor(np.nan_to_num(opened) / DAY) % 7 >= 5
    resp = rng.lognormal(np.log(5.0), 0.9, k) * np.where(weekend, 3.0, 1.0)
    base = np.where(dissatisfied, 2.0, 4.0) - 0.5 * (resp > 24) - 0.5 * (resp > 72)
    sat = np.clip(np.round(base + rng.normal(0, 0.8, k)), 1, 5)
    return resp, sat


def first_experience(b: Business, first_cal) -> dict:
    """The support experience after each person's first order or charge, drawn before what follows it.

    Sets ``b.first_ticket`` (whether the first order leads to a ticket, when, its first-response hours
    and satisfaction) and ``b.bad_support``: the ticket was answered after more than a day or rated 1-2.
    The shop's later purchases and the service's cancellations read ``b.bad_support``.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> from lifecycle_lib.data._simulator.people import draw_people
    >>> b = Business(np.random.default_rng(0), "shop", 400, 1.0)
    >>> draw_people(b)
    >>> first = first_experience(b, np.zeros(400))
    >>> bool((b.bad_support <= first["has"]).all())
    True
    """
    rng, ty, n = b.rng, b.ty, b.n
    has = rng.random(n) < _ticket_chance(b, ty, 1)
    delay = _ticket_delay_days(b, rng, n) * DAY
    resp, sat = _answer_and_rating(rng, first_cal + delay, ty == DIS)
    b.first_ticket = dict(has=has, delay=delay, resp=resp, sat=sat)
    b.bad_support = has & ((resp > BAD_SUPPORT["slow_hours"]) | (sat <= BAD_SUPPORT["low_rating"]))
    return b.first_ticket


def _tickets(b: Business, ty) -> None:
    """Shop tickets follow an order; service tickets a monthly charge (the first one most).

    A person's first order or charge keeps the ticket drawn for it by :func:`first_experience`.
    """
    rng, person, cal = b.rng, b.o_person, b.o_cal
    m = len(person)
    first = (b.o_rank == 0) if b.is_shop else b.o_first
    has = rng.random(m) < _ticket_chance(b, ty, first)
    delay = _ticket_delay_days(b, rng, m) * DAY
    resp, sat = _answer_and_rating(rng, cal + delay, ty == DIS)
    pre = b.first_ticket
    fp = person[first]
    has[first], delay[first], resp[first], sat[first] = pre["has"][fp], pre["delay"][fp], pre["resp"][fp], pre["sat"][fp]
    dis = ty[has] == DIS
    k = int(has.sum())
    if b.is_shop:
        topic = np.where(dis, rng.choice([0, 1, 5], size=k, p=[0.35, 0.3, 0.35]),
                         rng.choice([2, 3, 1, 0, 4], size=k, p=[0.3, 0.3, 0.2, 0.12, 0.08]))
    else:
        topic = np.where(dis, rng.choice([5, 4, 6], size=k, p=[0.5, 0.3, 0.2]),
                         rng.choice([3, 4, 6, 5], size=k, p=[0.5, 0.3, 0.1, 0.1]))
    opened = cal[has] + delay[has]
    sat_given = rng.random(k) < 0.6
    keep = opened < H_END
    order_idx = np.flatnonzero(has)
    b.tickets = dict(person=person[has][keep], opened=opened[keep], topic=topic[keep],
                     order=order_idx[keep], resp=resp[has][keep],
                     sat=np.where(sat_given, sat[has], np.nan)[keep])


def _reviews(b: Business, ty) -> None:
    """The shop reviews an order's first line product; the service reviews its plan once."""
    rng, person, cal = b.rng, b.o_person, b.o_cal
    m = len(person)
    if b.is_shop:
        cand = np.ones(m, bool)
    else:
        cand = b.o_rank == 1  # after the second month
    rv = cand & (rng.random(m) < P_REVIEW[ty] * (1.0 if b.is_shop else 1.5))
    rating = 1 + choice_rows(rng, RATING_P[ty[rv]])
    created = cal[rv] + (5 + rng.random(rv.sum()) * 15) * DAY
    replied = rng.random(rv.sum()) < np.where(rating <= 2, 0.8, 0.5)
    reply_h = np.where(replied, rng.lognormal(np.log(18.0), 1.0, rv.sum()), np.nan)
    first_line = np.searchsorted(b.orders_raw["order"], np.flatnonzero(rv))
    keep = created < H_END
    b.reviews = dict(person=person[rv][keep], order=np.flatnonzero(rv)[keep],
                     product=b.orders_raw["product"][first_line][keep],
                     created=created[keep], rating=rating[keep], reply=reply_h[keep])
