"""The people of one business: type, first channel, first visit, opt-in, ad attention, patience, spend level."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifecycle_lib.data._simulator.arrays import choice_rows
from lifecycle_lib.data._simulator.behaviour import CHANNEL_GIVEN_TYPE, P_OPTIN, PATIENCE_HOURS, SPEND_SPREAD, TYPE_MIX
from lifecycle_lib.data._simulator.clock import H_END

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["draw_people"]


def draw_people(b: Business) -> None:
    """Draw every person's type, channel, first visit (calendar hours), opt-in, attention, patience and spend.

    ``patience`` is how many hours the person waits for a chat answer at checkout; ``spend_level``
    scales how much they put in a basket (1 is the typical basket).

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> b = Business(np.random.default_rng(0), "shop", 5, 1.0)
    >>> draw_people(b)
    >>> b.ty.shape, b.t0.shape
    ((5,), (5,))
    """
    rng, n = b.rng, b.n
    b.ty = rng.choice(7, size=n, p=TYPE_MIX[b.business])
    b.channel = choice_rows(rng, CHANNEL_GIVEN_TYPE[b.ty])
    b.t0 = np.sort(b.clock.to_calendar(rng.random(n) * H_END))  # first visit, calendar hours
    b.t0 = b.t0[rng.permutation(n)]
    b.optin = rng.random(n) < P_OPTIN[b.ty]
    b.keep_events = rng.random(n) < b.event_share
    b.p_notice = rng.beta(24 * 0.235, 24 * 0.765, size=n)
    b.patience = PATIENCE_HOURS[b.ty] * rng.lognormal(0.0, 0.8, size=n)
    b.spend_level = rng.lognormal(0.0, SPEND_SPREAD, size=n)
