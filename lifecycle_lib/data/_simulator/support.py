"""After the purchase: support tickets (topic, response time, satisfaction) and public reviews."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifecycle_lib.data._simulator.arrays import choice_rows
from lifecycle_lib.data._simulator.behaviour import P_REVIEW, P_TICKET_MONTH, P_TICKET_ORDER, RATING_P
from lifecycle_lib.data._simulator.clock import DAY, H_END
from lifecycle_lib.data._simulator.vocabulary import DIS

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["tickets_and_reviews"]


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


def _tickets(b: Business, ty) -> None:
    """Shop tickets follow an order; service tickets a monthly charge (the first one most)."""
    rng, person, cal = b.rng, b.o_person, b.o_cal
    p = P_TICKET_ORDER[ty] if b.is_shop else P_TICKET_MONTH[ty] + 0.04 * b.o_first
    has = rng.random(len(person)) < p
    dis = ty[has] == DIS
    if b.is_shop:
        topic = np.where(dis, rng.choice([0, 1, 5], size=has.sum(), p=[0.35, 0.3, 0.35]),
                         rng.choice([2, 3, 1, 0, 4], size=has.sum(), p=[0.3, 0.3, 0.2, 0.12, 0.08]))
        opened = cal[has] + (2 + rng.random(has.sum()) * 8) * DAY
    else:
        topic = np.where(dis, rng.choice([5, 4, 6], size=has.sum(), p=[0.5, 0.3, 0.2]),
                         rng.choice([3, 4, 6, 5], size=has.sum(), p=[0.5, 0.3, 0.1, 0.1]))
        opened = cal[has] + (1 + rng.random(has.sum()) * 20) * DAY
    resp = rng.lognormal(np.log(5.0), 0.9, has.sum())
    sat_given = rng.random(has.sum()) < 0.6
    base = np.where(dis, 2.0, 4.0) - 0.5 * (resp > 24)
    sat = np.clip(np.round(base + rng.normal(0, 0.8, has.sum())), 1, 5)
    keep = opened < H_END
    order_idx = np.flatnonzero(has)
    b.tickets = dict(person=person[has][keep], opened=opened[keep], topic=topic[keep],
                     order=order_idx[keep], resp=resp[keep],
                     sat=np.where(sat_given, sat, np.nan)[keep])


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
