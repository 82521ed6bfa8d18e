"""The people of one business: hidden type, first channel, first visit, email opt-in and ad attention."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifecycle_lib.data._simulator.arrays import choice_rows
from lifecycle_lib.data._simulator.behaviour import CHANNEL_GIVEN_TYPE, P_OPTIN, TYPE_MIX
from lifecycle_lib.data._simulator.clock import H_END

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["draw_people"]


def draw_people(b: Business) -> None:
    """Draw every person's type, channel, first visit (calendar hours), opt-in and ad attention.

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
