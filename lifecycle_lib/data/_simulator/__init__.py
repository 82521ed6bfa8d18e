"""The engine behind :func:`lifecycle_lib.data.datasets.simulate` (private: use ``datasets.simulate``).

One seeded, vectorised simulation of the two sample businesses. Every person gets a hidden behaviour
type; the type sets the parameters of every step, so the type leaves its signature in the data.
Person-driven times run on a clock whose hours pass faster when the calendar is busy, which gives
every table its weekly and seasonal pattern.

The modules, in the order a business is simulated:

- ``vocabulary``, ``catalogue``, ``behaviour``: the fixed lists, what is sold, the parameters per type;
- ``clock``: simulated time; ``arrays``, ``columns``: small array and column kernels;
- ``business``: the state of one business and the order of its steps;
- ``people``, ``purchases``, ``shop``, ``subscription``, ``support``, ``visits``, ``marketing``,
  ``events``: the steps (who, when they buy, orders, subscriptions, tickets and reviews, visits,
  marketing contacts, the event log);
- ``tables``, ``referrals``, ``spend``: the tables of the data dictionary.

All steps draw from one random generator in a fixed order: the same seed and size give the same
tables, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib.data._simulator.business import Business
from lifecycle_lib.data._simulator.catalogue import products_table, promotions_table
from lifecycle_lib.data._simulator.columns import concat
from lifecycle_lib.data._simulator.referrals import add_referrals
from lifecycle_lib.data._simulator.spend import marketing_spend
from lifecycle_lib.data._simulator.tables import business_tables
from lifecycle_lib.data._simulator.vocabulary import BUSINESS_NAMES, EVENT_SHARE, SIZES, TABLES, TYPES

__all__ = ["simulate", "SIZES", "TYPES", "TABLES"]


def simulate(seed: int = 2024, size: str = "small") -> dict[str, pd.DataFrame]:
    """Simulate both businesses as a dict of DataFrames; see :func:`lifecycle_lib.data.datasets.simulate`.

    >>> tables = simulate(seed=0, size="tiny")
    >>> list(tables) == TABLES
    True
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, not {size!r}")
    rng = np.random.default_rng(seed)
    parts = {t: [] for t in TABLES if t not in ("products", "promotions")}
    for business, n in zip(BUSINESS_NAMES, SIZES[size]):
        b = Business(rng, business, n, EVENT_SHARE[size]).run()
        tables = business_tables(b)
        add_referrals(b, tables)
        tables["marketing_spend"] = marketing_spend(b)
        for name, frame in tables.items():
            parts[name].append(frame)
    out = {name: concat(frames) for name, frames in parts.items()}
    out["products"] = products_table()
    out["promotions"] = promotions_table()
    # events of both businesses in one timeline (stable: a visit stays before its page views)
    ev = out["events"]
    out["events"] = ev.iloc[np.argsort(ev["timestamp"].to_numpy(), kind="stable")].reset_index(drop=True)
    return {t: out[t] for t in TABLES}
