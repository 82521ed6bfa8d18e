"""The service's subscriptions: plans, plan changes, cancellations, win-backs and the monthly charges."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lifecycle_lib.data._simulator.arrays import choice_rows, within
from lifecycle_lib.data._simulator.behaviour import (
    BAD_SUPPORT,
    HAZARD,
    OPEN_NEWS,
    P_ADDON,
    P_CHANGE,
    P_CODE,
    P_DOWN,
    PLAN_P,
)
from lifecycle_lib.data._simulator.catalogue import SERVICE_CODES
from lifecycle_lib.data._simulator.clock import DAY, H_END, add_months
from lifecycle_lib.data._simulator.vocabulary import NEED, WAN

if TYPE_CHECKING:
    from lifecycle_lib.data._simulator.business import Business

__all__ = ["service_orders"]


def service_orders(b: Business) -> None:
    """Subscription periods (``b.subs``), charges as orders and their lines (``b.orders_raw``).

    Each customer starts one subscription at their completed first purchase; a cancelled one may
    come back after a win-back email and start a second chain of charges.

    >>> from lifecycle_lib.data._simulator.business import Business
    >>> b = Business(np.random.default_rng(0), "service", 100, 1.0).run()
    >>> bool((b.o_rank[b.o_first] == 0).all())
    True
    """
    chains = _chains(b)
    charges = _periods_and_charges(b, chains)
    _charge_lines(b, *charges)


def _chains(b: Business):
    """One chain of monthly charges per customer, and a second for those won back; sets ``b.winback``."""
    rng = b.rng
    person, start = b.o_person, b.o_cal  # one subscription start per customer
    b.o_intent_first = b.o_intent
    m = len(person)
    ty = b.ty[person]
    hazard = HAZARD[ty] * np.where(b.nurtured[person], np.where(ty == NEED, 0.4, 0.8), 1.0)
    hazard = hazard * np.where(b.bad_support[person], BAD_SUPPORT["hazard"], 1.0)
    months = rng.geometric(np.minimum(hazard, 0.99))  # charges before cancelling
    plan = choice_rows(rng, PLAN_P[ty])
    b.first_plan_prod = np.flatnonzero(b.prod_cat == "plan")[plan]
    # win-back: cancelled customers may come back after a win-back email
    chains = [(np.arange(m), start, months, plan)]
    end1 = add_months(start, months)
    cancelled = end1 < H_END
    wb_sent = cancelled & b.optin[person]
    wb_open = wb_sent & (rng.random(m) < OPEN_NEWS[ty] + 0.15)
    back = cancelled & (rng.random(m) < np.where(wb_open, 0.22, 0.06)) & (ty != WAN)
    back_start = end1 + (45 + rng.random(m) * 150) * DAY
    back &= back_start < H_END
    b.winback = (person[wb_sent], end1[wb_sent] + 30 * DAY, wb_open[wb_sent])
    idx2 = np.flatnonzero(back)
    months2 = rng.geometric(np.minimum(hazard[idx2] * 1.2, 0.99))
    chains.append((idx2, back_start[idx2], months2, plan[idx2]))
    return chains


def _periods_and_charges(b: Business, chains):
    """Plan changes within each chain; sets ``b.subs`` and returns the charges, sorted by person and time."""
    rng = b.rng
    person = b.o_person
    sub_rows = []
    charge_person, charge_cal, charge_plan, charge_first, charge_promo, charge_code = [], [], [], [], [], []
    for c, (who, st, mo, pl) in enumerate(chains):
        pid = person[who]
        tyc = b.ty[pid]
        change = (mo >= 2) & (rng.random(len(who)) < P_CHANGE[tyc])
        at = np.where(change, 1 + (rng.random(len(who)) * (mo - 1)).astype(int), mo)
        down = rng.random(len(who)) < P_DOWN[tyc]
        new_plan = np.where(down, np.maximum(pl - 1, 0), np.minimum(pl + 1, 2))
        change &= new_plan != pl
        at = np.where(change, at, mo)
        # charges: month k uses the first plan before `at`, the second after
        k = within(mo)
        rep = np.repeat(np.arange(len(who)), mo)
        t_k = add_months(st[rep], k)
        ok = t_k < H_END
        cp = np.where(k < at[rep], pl[rep], new_plan[rep])
        first = k == 0
        promo = np.where(first, b.promo_at(t_k), -1) if c == 0 else np.full(len(k), -1)
        code = np.where(first & (promo < 0) & (rng.random(len(k)) < P_CODE[b.ty[pid[rep]]]), 0, -1)
        charge_person.append(pid[rep][ok])
        charge_cal.append(t_k[ok])
        charge_plan.append(cp[ok])
        charge_first.append(first[ok] & (c == 0))
        charge_promo.append(promo[ok])
        charge_code.append(code[ok])
        # subscription periods
        end_a = add_months(st, at)
        end_b = add_months(st, mo)
        reason_a = np.where(change, np.where(new_plan < pl, 1, 0), 2)  # upgrade, downgrade, cancelled
        sub_rows.append((pid, pl, st, end_a, reason_a))
        sub_rows.append((pid[change], new_plan[change], end_a[change], end_b[change], np.full(change.sum(), 2)))
    sp, spl, sst, sen, srs = (np.concatenate([r[i] for r in sub_rows]) for i in range(5))
    running = sen >= H_END
    keep = sst < H_END
    o = np.lexsort((sst[keep], sp[keep]))
    b.subs = dict(person=sp[keep][o], plan=spl[keep][o], start=sst[keep][o],
                  end=np.where(running, np.nan, sen)[keep][o], reason=np.where(running, -1, srs)[keep][o])

    cp = np.concatenate(charge_person)
    cc = np.concatenate(charge_cal)
    o = np.lexsort((cc, cp))
    return cp[o], cc[o], *(np.concatenate(part)[o] for part in (charge_plan, charge_first, charge_promo, charge_code))


def _charge_lines(b: Business, cp, cc, cpl, cfirst, cpromo, ccode) -> None:
    """Each charge becomes an order: its plan line, sometimes an add-on line; the code discounts the plan."""
    rng = b.rng
    b.o_person, b.o_cal = cp, cc
    b.o_first = cfirst
    b.o_promo, b.o_code = cpromo, ccode
    b.o_rank = within(np.bincount(cp, minlength=b.n)[np.unique(cp)])
    mm = len(cp)
    plan_prod = np.flatnonzero(b.prod_cat == "plan")
    addons = np.flatnonzero(b.prod_cat == "add_on")
    has_addon = rng.random(mm) < np.minimum(P_ADDON[b.ty[cp]] * b.spend_level[cp] ** 2, 0.9)
    lo = np.concatenate([np.arange(mm), np.flatnonzero(has_addon)])
    lp = np.concatenate([plan_prod[cpl], addons[rng.integers(0, len(addons), has_addon.sum())]])
    s = np.lexsort((lp, lo))
    lo, lp = lo[s], lp[s]
    is_plan = b.prod_cat[lp] == "plan"
    (code_name, code_disc), = SERVICE_CODES.items()
    disc = np.where(cpromo >= 0, b.promo_disc[np.maximum(cpromo, 0)], np.where(ccode >= 0, code_disc, 0.0))
    line_disc = np.where(is_plan, disc[lo], 0.0)
    b.orders_raw = dict(
        order=lo, product=lp, qty=np.ones(len(lp), int), disc=line_disc,
        promo=np.where(is_plan, cpromo[lo], -1),
        code=np.where(is_plan & (ccode[lo] >= 0), code_name, ""), returned=np.zeros(len(lp), bool),
    )
