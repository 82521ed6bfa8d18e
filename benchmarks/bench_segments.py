"""Time the stage, behaviour-type, cohort and funnel functions on the large simulated data.

Run: .venv/bin/python benchmarks/bench_segments.py [--size large|small|tiny] [--seed 2024] [--repeat 3]

Prints two tables:

1. every public function of segments, funnel and cohorts: rows in, best time of ``--repeat`` runs;
2. two core aggregations against the same aggregation written as DuckDB SQL (DuckDB reads the
   pandas frames in place), with a check that both give the same numbers:
   - the per-contact order features of ``relationship_stages`` (orders, distinct purchase days, first
     and last order), ours from the contact ids to the arrays;
   - the monthly cohort retention matrix, ours being ``cohorts.retention_matrix`` as a user calls it,
     DuckDB's the SQL plus the pivot to the same matrix.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from lifecycle_lib._util.columns import IdCodes
from lifecycle_lib.analytics import cohorts, funnel, segments
from lifecycle_lib.analytics._inputs import datetimes
from lifecycle_lib.analytics.segments import _features
from lifecycle_lib.data import datasets

TABLES = ("contacts", "orders", "events", "subscriptions", "tickets", "reviews", "referrals")


def best_of(fn, repeat: int):
    """(best seconds, last result) of ``repeat`` runs."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def our_order_features(orders: pd.DataFrame, observation_period_end: pd.Timestamp):
    """relationship_stages' order features for the buyers, through the module's own code path."""
    od = datetimes(orders, "order_date", "orders")
    keep = od < observation_period_end.to_datetime64().astype("datetime64[ns]")
    ids = IdCodes(_features.rows(orders["contact_id"], keep))
    n_orders, n_days, first, last = _features.order_features(orders, od, keep, ids.given[0], ids.n)
    return ids.index, n_orders, n_days, first, last


ORDER_FEATURES_SQL = """
SELECT contact_id,
       count(DISTINCT order_id) AS n_orders,
       count(DISTINCT CAST(order_date AS DATE)) AS n_days,
       min(order_date) AS first_order,
       max(order_date) AS last_order
FROM orders
WHERE order_date < ?
GROUP BY contact_id
"""

RETENTION_SQL = """
WITH o AS (
    SELECT contact_id, date_trunc('month', order_date) AS month FROM orders
), f AS (
    SELECT contact_id, min(month) AS cohort FROM o GROUP BY contact_id
), active AS (
    SELECT DISTINCT o.contact_id, f.cohort, datediff('month', f.cohort, o.month) AS k
    FROM o JOIN f USING (contact_id)
)
SELECT cohort, k, count(*) AS customers FROM active GROUP BY cohort, k
"""


def duckdb_retention(con, orders: pd.DataFrame) -> pd.DataFrame:
    cells = con.execute(RETENTION_SQL).df()
    matrix = cells.pivot(index="cohort", columns="k", values="customers").sort_index()
    matrix = matrix.reindex(columns=range(int(cells["k"].max()) + 1)).fillna(0)
    last = orders["order_date"].max().to_period("M").ordinal
    cohort = pd.PeriodIndex(matrix.index, freq="M")
    future = cohort.asi8[:, None] + matrix.columns.to_numpy()[None, :] > last
    return matrix.mask(future).div(matrix[0], axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="large", choices=["tiny", "small", "large"])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    data = datasets.simulate(seed=args.seed, size=args.size)
    print(f"simulate({args.size!r}): {time.perf_counter() - start:.1f} s; "
          f"{len(data['contacts']):,} contacts, {len(data['orders']):,} order lines, {len(data['events']):,} events; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    tables = {k: data[k] for k in TABLES}
    cases = [
        ("segments.relationship_stages (all tables)", len(data["contacts"]),
         lambda: segments.relationship_stages(tables)),
        ("segments.relationship_stages (orders only)", len(data["orders"]),
         lambda: segments.relationship_stages({"orders": data["orders"]})),
        ("segments.behaviour_types", len(data["contacts"]), lambda: segments.behaviour_types(data)),
        ("cohorts.retention_matrix", len(data["orders"]), lambda: cohorts.retention_matrix(data["orders"])),
        ("cohorts.revenue_matrix", len(data["orders"]), lambda: cohorts.revenue_matrix(data["orders"])),
        ("funnel.funnel", len(data["events"]), lambda: funnel.funnel(data["events"], data["orders"])),
        ("funnel.funnel (by business)", len(data["events"]),
         lambda: funnel.funnel(data["events"], data["orders"], by="business")),
        ("funnel.micro_conversions", len(data["events"]), lambda: funnel.micro_conversions(data["events"])),
        ("funnel.touches_before_first_visit", len(data["events"]),
         lambda: funnel.touches_before_first_visit(data["events"])),
        ("funnel.abandonment", len(data["events"]), lambda: funnel.abandonment(data["events"], data["orders"])),
    ]
    print(f"\n{'function':45s} {'rows in':>10s} {'seconds':>8s}")
    for name, rows, fn in cases:
        seconds, _ = best_of(fn, args.repeat)
        print(f"{name:45s} {rows:10,d} {seconds:8.2f}")

    import duckdb

    con = duckdb.connect()
    orders = data["orders"]
    con.register("orders", orders)
    observation_period_end = pd.Timestamp(datasets.AS_OF)

    ours_t, ours = best_of(lambda: our_order_features(orders, observation_period_end), args.repeat)
    duck_t, duck = best_of(lambda: con.execute(ORDER_FEATURES_SQL, [observation_period_end.to_pydatetime()]).df(), args.repeat)
    index, n_orders, n_days, first, last = ours
    duck = duck.set_index("contact_id").reindex(index)
    same_features = (np.array_equal(duck["n_orders"].to_numpy(), n_orders)
                     and np.array_equal(duck["n_days"].to_numpy(), n_days)
                     and np.array_equal(duck["first_order"].to_numpy("datetime64[ns]"), first)
                     and np.array_equal(duck["last_order"].to_numpy("datetime64[ns]"), last))

    ours_r, ours_matrix = best_of(lambda: cohorts.retention_matrix(orders), args.repeat)
    duck_r, duck_matrix = best_of(lambda: duckdb_retention(con, orders), args.repeat)
    same_matrix = np.allclose(ours_matrix.to_numpy(), duck_matrix.to_numpy(), equal_nan=True, rtol=0, atol=1e-12)

    print(f"\n{'core aggregation':45s} {'ours s':>8s} {'DuckDB s':>9s} {'ours/DuckDB':>12s} {'same':>5s}")
    for name, a, b, same in [
        ("relationship_stages order features", ours_t, duck_t, same_features),
        ("cohort retention matrix (monthly)", ours_r, duck_r, same_matrix),
    ]:
        print(f"{name:45s} {a:8.2f} {b:9.2f} {a / b:12.2f} {'yes' if same else 'NO':>5s}")


if __name__ == "__main__":
    main()
