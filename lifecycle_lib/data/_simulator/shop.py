"""The shop's orders: what goes in each basket, the discount it gets and which lines come back."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifecycle_lib.data._simulator.arrays import choice_rows, within
from lifecycle_lib.data._simulator.behaviour import P_CODE, P_RETURN
from lifecycle_lib.data._simulator.catalogue import SHOP_CODES

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["shop_orders"]

#: how often each bed (B01 ... B08) is the bed of an order
BED_WEIGHTS = np.array([0.16, 0.2, 0.16, 0.05, 0.1, 0.09, 0.14, 0.1])


def _tilted(weights, prices, level):
    """Choice probabilities per order: ``weights`` tilted towards dearer products when ``level`` > 1.

    >>> p = _tilted(np.array([1.0, 1.0]), np.array([10.0, 40.0]), np.array([1.0, 2.0]))
    >>> p.round(2).tolist()
    [[0.5, 0.5], [0.2, 0.8]]
    """
    relative = prices / np.exp(np.mean(np.log(prices)))
    p = weights[None, :] * relative[None, :] ** np.log2(level)[:, None]
    return p / p.sum(axis=1, keepdims=True)


def shop_orders(b: Business) -> None:
    """Order lines of every completed shop order (``b.orders_raw``), with promotion, code and returns.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> b = Business(np.random.default_rng(0), "shop", 100, 1.0).run()
    >>> bool((b.prod_cat[b.orders_raw["product"]] != "plan").all())
    True
    """
    rng = b.rng
    person, cal = b.o_person, b.o_cal
    m = len(person)
    ty = b.ty[person]
    rank = within(np.bincount(person, minlength=b.n)[np.unique(person)]) if m else np.zeros(0, int)
    b.o_rank = rank
    beds = np.flatnonzero(b.prod_cat == "bed")
    acc = np.flatnonzero(b.prod_cat == "accessory")
    care = np.flatnonzero(b.prod_cat == "pet_care")
    # first line: mostly a bed on a first order, a mix later
    u = rng.random(m)
    first_kind = np.where(rank == 0, np.where(u < 0.85, 0, np.where(u < 0.93, 1, 2)),
                          np.where(u < 0.35, 0, np.where(u < 0.65, 1, 2)))
    # each person's spend level tilts the choice towards dearer or cheaper products, order by order
    level = b.spend_level[person]
    bed = beds[choice_rows(rng, _tilted(BED_WEIGHTS, b.prod_price[beds], level))]
    accessory = acc[choice_rows(rng, _tilted(np.ones(len(acc)), b.prod_price[acc], level))]
    line_prod = [np.where(first_kind == 0, bed,
                          np.where(first_kind == 1, accessory, care[rng.integers(0, len(care), m)]))]
    line_order = [np.arange(m)]
    # partner products bought alongside beds; accessories with beds
    with_bed = first_kind == 0
    n_care = np.where(with_bed, rng.binomial(2, 0.3, m), rng.binomial(1, 0.25, m))
    oi = np.repeat(np.arange(m), n_care)
    line_prod.append(care[rng.integers(0, len(care), len(oi))])
    line_order.append(oi)
    add_acc = with_bed & (rng.random(m) < np.minimum(0.2 * level, 0.8))
    line_prod.append(acc[rng.integers(0, len(acc), add_acc.sum())])
    line_order.append(np.flatnonzero(add_acc))
    lp, lo = np.concatenate(line_prod), np.concatenate(line_order)
    s = np.lexsort((lp, lo))
    lp, lo = lp[s], lo[s]
    dup = np.concatenate([[False], (lo[1:] == lo[:-1]) & (lp[1:] == lp[:-1])])
    lp, lo = lp[~dup], lo[~dup]
    more_care = np.minimum(0.25 * b.spend_level[person[lo]], 0.9)
    qty = np.where(b.prod_cat[lp] == "pet_care", 1 + rng.binomial(2, more_care), 1)
    # discounts: automatic promotion price, otherwise a typed code
    promo = b.promo_at(cal)
    code = np.full(m, -1)
    no_promo = promo < 0
    uses = no_promo & (rng.random(m) < P_CODE[ty])
    second_code = no_promo & (rank == 1) & b.nurtured[person] & (rng.random(m) < 0.4)
    code[uses] = 0
    code[second_code] = 1
    disc_codes = np.array(list(SHOP_CODES.values()))
    order_disc = np.where(promo >= 0, b.promo_disc[np.maximum(promo, 0)],
                          np.where(code >= 0, disc_codes[np.maximum(code, 0)], 0.0))
    ret = rng.random(len(lp)) < P_RETURN[b.ty[person[lo]]] * np.where(b.prod_cat[lp] == "bed", 1.3, 0.6)
    b.orders_raw = dict(
        order=lo, product=lp, qty=qty, disc=order_disc[lo], promo=promo[lo],
        code=np.array(list(SHOP_CODES) + [""])[code][lo], returned=ret,
    )
    b.o_promo, b.o_code = promo, code
