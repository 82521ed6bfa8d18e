"""One simulated business: its catalogue, promotions and clock, and the steps that fill it, in order.

:class:`Business` holds the state every step reads and adds to (people, intended purchases,
orders, visits, events...). :meth:`Business.run` calls the steps in a fixed order: every step draws
from the one shared random generator, so that order is what makes a seed give the same data.
"""

from __future__ import annotations

import numpy as np

from lifecycle_lib.data._simulator import events, people, purchases, shop, subscription, support, visits
from lifecycle_lib.data._simulator.catalogue import PRODUCTS, PROMOTIONS
from lifecycle_lib.data._simulator.clock import DAY, H_END, Clock, hours

__all__ = ["Business"]


class Business:
    """The state of one business's simulation; ``Business(rng, "shop", n, event_share).run()`` fills it.

    >>> b = Business(np.random.default_rng(0), "service", 50, 1.0).run()
    >>> len(b.ty), b.prefix
    (50, 'V')
    """

    def __init__(self, rng, business: str, n: int, event_share: float):
        self.rng, self.business, self.n = rng, business, n
        self.is_shop = business == "shop"
        self.prefix = "S" if self.is_shop else "V"
        catalogue = [p for p in PRODUCTS if p[1] == business]
        self.prod_ids = np.array([p[0] for p in catalogue])
        self.prod_cat = np.array([p[3] for p in catalogue])
        self.prod_price = np.array([p[5] for p in catalogue])
        promos = [p for p in PROMOTIONS if p[1] == business]
        self.promo_names = [p[0] for p in promos]
        self.promo_a = np.array([hours(p[2]) for p in promos])
        self.promo_b = np.array([hours(p[3]) + DAY for p in promos])
        self.promo_disc = np.array([p[4] for p in promos])
        self.clock = Clock(list(zip(self.promo_a, self.promo_b)) if self.is_shop else [])
        self.event_share = event_share

    # --- promotion windows ----------------------------------------------------------------------
    def promo_at(self, cal):
        """Index of the promotion running at each calendar hour (-1 outside promotions)."""
        idx = np.searchsorted(self.promo_b, cal, side="right")
        inside = (idx < len(self.promo_a))
        inside[inside] = cal[inside] >= self.promo_a[idx[inside]]
        return np.where(inside, idx, -1)

    def snap_to_promo(self, cal, who_snaps):
        """Move chosen calendar times into the next promotion window (if one starts before the end)."""
        rng = self.rng
        idx = np.searchsorted(self.promo_b, cal)
        ok = who_snaps & (idx < len(self.promo_a))
        i = idx[ok]
        start = np.maximum(self.promo_a[i], cal[ok])
        out = cal.copy()
        out[ok] = start + rng.random(ok.sum()) * (self.promo_b[i] - start)
        return out

    # --- run ------------------------------------------------------------------------------------
    def run(self):
        """Simulate the business: people, purchases, checkout, orders, support, visits and events."""
        people.draw_people(self)
        purchases.first_purchases(self)
        support.first_experience(self, np.nan_to_num(self.first_cal))
        if self.is_shop:
            person, cal, is_first = purchases.shop_purchase_times(self)
        else:
            person = np.flatnonzero(self.buys)
            cal = self.first_cal[person]
            is_first = np.ones(len(person), bool)
        attempts, done, cal_done = purchases.checkout(self, person, cal)
        self._completed_orders(person, attempts, done, cal_done, is_first)
        if self.is_shop:
            shop.shop_orders(self)
        else:
            subscription.service_orders(self)
        support.tickets_and_reviews(self)
        visits.sessions(self)
        events.build_events(self)
        return self

    def _completed_orders(self, person, attempts, done, cal_done, is_first):
        """Keep the purchases whose checkout went through before the end, sorted by person and time."""
        ok_time = cal_done < H_END
        done &= ok_time
        # a person whose first purchase was abandoned for good is not a customer
        lost_first = np.zeros(self.n, bool)
        lost_first[person[is_first & ~done]] = True
        done &= ~lost_first[person]
        self.customer = np.zeros(self.n, bool)
        self.customer[person[done]] = True
        self.attempts = attempts
        self.intent_person = person
        self.intent_done = done
        order_person = person[done]
        order_cal = cal_done[done]
        o = np.lexsort((order_cal, order_person))
        self.o_person, self.o_cal = order_person[o], order_cal[o]
        self.o_intent = np.flatnonzero(done)[o]
