"""Speed and memory of the analysis functions on a large order log, against lifetimes and DuckDB.

    .venv/bin/python benchmarks/bench_analytics.py [--seed 2024] [--repeat 3] [--orders FILE.parquet]

Generates the "large" sample (over 100,000 customers, about 1,000,000 order lines) with the course's
own simulator, ``datasets.simulate(size="large")``; ``--orders`` reads a saved orders table instead
(``--save-orders`` writes one), which skips the simulation for the RFM rows. Each timing is the
best of ``--repeat`` runs; peak memory is measured with tracemalloc (numpy and pandas allocations;
DuckDB's and Arrow's own allocators are invisible to it, hence "n/a"). Results are checked to agree
before anything is timed. Prints one table with the goals:

- ``rfm_summary`` at least 3x faster than ``lifetimes.utils.summary_data_from_transaction_data``;
- ``rfm_summary`` at most 1.5x the time of the same aggregation in DuckDB SQL;
- ``rfm_summary`` peak memory under 3x the size of its input frame.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from lifecycle_lib.analytics import rfm
from lifecycle_lib.data import datasets

RFM_SQL = """
WITH periods AS (
    SELECT contact_id, CAST(order_date AS DATE) AS day, SUM(amount) AS amount
    FROM orders GROUP BY 1, 2
), customers AS (
    SELECT contact_id, MIN(day) AS first_day, MAX(day) AS last_day, COUNT(*) AS n FROM periods GROUP BY 1
)
SELECT c.contact_id,
       c.n - 1 AS frequency,
       date_diff('day', c.first_day, c.last_day) AS recency,
       date_diff('day', c.first_day, (SELECT MAX(day) FROM periods)) AS "T",
       COALESCE(SUM(p.amount) FILTER (WHERE p.day > c.first_day) / NULLIF(c.n - 1, 0), 0) AS monetary_value
FROM customers c JOIN periods p USING (contact_id)
GROUP BY c.contact_id, c.n, c.first_day, c.last_day
ORDER BY c.contact_id
"""

COHORT_SQL = """
WITH months AS (
    SELECT DISTINCT contact_id, date_trunc('month', order_date) AS month FROM orders
), cohorts AS (
    SELECT contact_id, MIN(month) AS cohort FROM months GROUP BY 1
), sizes AS (
    SELECT cohort, COUNT(*) AS size FROM cohorts GROUP BY 1
)
SELECT c.cohort, date_diff('month', c.cohort, m.month) AS period, COUNT(*) / ANY_VALUE(s.size) AS share
FROM months m JOIN cohorts c USING (contact_id) JOIN sizes s USING (cohort)
GROUP BY 1, 2
"""

# The order-based core of the relationship-stage rules (new / active / returning / at risk / lapsed by
# days since the last order against the customer's own typical gap), as one SQL query. The full
# segments.relationship_stages also reads events, tickets, reviews and referrals, so it does more.
STAGES_SQL = """
WITH o AS (
    SELECT contact_id, CAST(order_date AS DATE) AS day FROM orders WHERE order_date < $as_of
), c AS (
    SELECT contact_id, MIN(day) AS first_day, MAX(day) AS last_day, COUNT(DISTINCT day) AS days FROM o GROUP BY 1
), g AS (
    SELECT contact_id,
           CASE WHEN days > 1 THEN date_diff('day', first_day, last_day) / (days - 1) ELSE 90 END AS gap,
           date_diff('day', last_day, CAST($as_of AS DATE)) AS since_last,
           date_diff('day', first_day, CAST($as_of AS DATE)) AS since_first,
           days
    FROM c
)
SELECT contact_id,
       CASE WHEN since_first <= 60 THEN 'new'
            WHEN since_last > GREATEST(3 * gap, 90) THEN 'lapsed'
            WHEN since_last > 1.5 * gap THEN 'at_risk'
            WHEN days > 1 THEN 'returning'
            ELSE 'active' END AS stage
FROM g
"""


def best_of(func, repeat):
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def peak_memory(func):
    gc.collect()
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def import_time(statement, repeat):
    def run(code):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    base = min(run("pass") for _ in range(repeat))
    return max(0.0, min(run(statement) for _ in range(repeat)) - base)  # below start-up noise shows as 0


def mb(n_bytes):
    return f"{n_bytes / 1e6:,.0f} MB"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--orders", default=None, help="read this orders Parquet file instead of simulating")
    parser.add_argument("--save-orders", default=None, help="write the simulated orders table to this Parquet file")
    args = parser.parse_args(argv)

    import duckdb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes.utils import summary_data_from_transaction_data

    tables = None
    start = time.perf_counter()
    if args.orders:
        full_orders = pd.read_parquet(args.orders)
        source = f"orders read from {args.orders}"
    else:
        tables = datasets.simulate(seed=args.seed, size="large")
        full_orders = tables["orders"]
        source = f'datasets.simulate(seed={args.seed}, size="large")'
        if args.save_orders:
            full_orders.to_parquet(args.save_orders)
    print(f"data: {source}, {time.perf_counter() - start:.1f} s")
    orders = full_orders[["contact_id", "order_date", "amount"]].copy()
    input_bytes = int(orders.memory_usage(deep=True).sum())
    print(
        f"{len(orders):,} order lines, {orders['contact_id'].nunique():,} customers, "
        f"input frame (contact_id, order_date, amount) {mb(input_bytes)}\n"
    )

    con = duckdb.connect()
    con.register("orders", orders)
    rows = []

    # --- rfm_summary and its two baselines ---
    def ours():
        return rfm.rfm_summary(orders, monetary_value_col="amount")

    def theirs():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return summary_data_from_transaction_data(orders, "contact_id", "order_date", monetary_value_col="amount")

    def sql():
        return con.execute(RFM_SQL).df()

    t_ours, summary = best_of(ours, args.repeat)
    t_lifetimes, reference = best_of(theirs, args.repeat)
    t_duckdb, from_sql = best_of(sql, args.repeat)
    pd.testing.assert_frame_equal(summary, reference, check_exact=False, rtol=1e-9, check_index_type=False)
    from_sql = from_sql.set_index("contact_id")
    np.testing.assert_allclose(
        from_sql[["frequency", "recency", "T", "monetary_value"]].to_numpy(dtype=float),
        summary.loc[from_sql.index.astype(summary.index.dtype)].to_numpy(),
        rtol=1e-9,
    )
    peak_ours = peak_memory(ours)
    peak_lifetimes = peak_memory(theirs)
    rows += [
        ("rfm_summary (lifecycle_lib)", t_ours, mb(peak_ours), ""),
        ("summary_data_from_transaction_data (lifetimes)", t_lifetimes, mb(peak_lifetimes), ""),
        ("RFM aggregation in DuckDB SQL", t_duckdb, "n/a", ""),
    ]
    goals = [
        ("rfm_summary vs lifetimes", f"{t_lifetimes / t_ours:.1f}x faster", ">= 3x faster", t_lifetimes / t_ours >= 3),
        ("rfm_summary vs DuckDB", f"{t_ours / t_duckdb:.2f}x DuckDB's time", "<= 1.5x", t_ours / t_duckdb <= 1.5),
        ("rfm_summary peak memory", f"{peak_ours / input_bytes:.2f}x input", "< 3x input", peak_ours < 3 * input_bytes),
    ]

    t_scores, _ = best_of(lambda: rfm.rfm_segments(rfm.rfm_scores(summary)), args.repeat)
    rows.append(("rfm_scores + rfm_segments (from the summary)", t_scores, "", ""))

    # --- cohort retention matrix ---
    try:
        from lifecycle_lib.analytics import cohorts
    except ImportError:
        cohorts = None
    if cohorts is not None and hasattr(cohorts, "retention_matrix"):
        t_cohort, matrix = best_of(lambda: cohorts.retention_matrix(orders, period="M"), args.repeat)
        t_cohort_sql, long = best_of(lambda: con.execute(COHORT_SQL).df(), args.repeat)
        cells = long.pivot(index="cohort", columns="period", values="share")
        agree = np.isclose(np.nansum(matrix.to_numpy(dtype=float)), np.nansum(cells.to_numpy(dtype=float)))
        rows += [
            ("cohorts.retention_matrix (monthly)", t_cohort, mb(peak_memory(lambda: cohorts.retention_matrix(orders))), ""),
            ("monthly retention in DuckDB SQL (long form)", t_cohort_sql, "n/a", "same cells" if agree else "DIFFERENT"),
        ]
    else:
        rows.append(("cohorts.retention_matrix", float("nan"), "", "module not available"))

    # --- relationship stages ---
    try:
        from lifecycle_lib.analytics import segments
    except ImportError:
        segments = None
    if segments is not None and hasattr(segments, "relationship_stages") and tables is not None:
        as_of = datasets.AS_OF

        def stages():
            return segments.relationship_stages(
                {"contacts": tables["contacts"], "orders": full_orders, "events": tables["events"], "subscriptions": tables["subscriptions"], "tickets": tables["tickets"], "reviews": tables["reviews"], "referrals": tables["referrals"]},
                observation_period_end=as_of,
            )

        def orders_only():
            return segments.relationship_stages({"orders": orders}, observation_period_end=as_of)

        t_stages, _ = best_of(stages, args.repeat)
        t_stages_orders, _ = best_of(orders_only, args.repeat)
        t_stages_sql, _ = best_of(lambda: con.execute(STAGES_SQL, {"as_of": as_of.to_pydatetime()}).df(), args.repeat)
        rows += [
            ("segments.relationship_stages (all tables)", t_stages, mb(peak_memory(stages)), ""),
            ("segments.relationship_stages (orders only)", t_stages_orders, mb(peak_memory(orders_only)), ""),
            ("order-based stage rules in DuckDB SQL", t_stages_sql, "n/a", "simpler rules, not the same output"),
        ]
    elif tables is None:
        rows.append(("segments.relationship_stages", float("nan"), "", "needs the simulated tables (no --orders)"))
    else:
        rows.append(("segments.relationship_stages", float("nan"), "", "module not available"))

    # --- import time ---
    rows += [
        ("import lifecycle_lib (fresh interpreter)", import_time("import lifecycle_lib", args.repeat), "", ""),
        (
            "import lifecycle_lib.analytics.rfm, lifecycle_lib.analytics.clv",
            import_time("import lifecycle_lib.analytics.rfm, lifecycle_lib.analytics.clv", args.repeat),
            "",
            "includes pandas",
        ),
    ]

    width = max(len(r[0]) for r in rows) + 2
    print(f"{'step':<{width}}{'best time':>12}{'peak memory':>14}  note")
    for name, seconds, memory, note in rows:
        shown = "-" if seconds != seconds else f"{seconds:.3f} s"
        print(f"{name:<{width}}{shown:>12}{memory:>14}  {note}")
    print()
    width = max(len(g[0]) for g in goals) + 2
    print(f"{'goal':<{width}}{'measured':>24}{'target':>16}  met")
    for name, measured, target, met in goals:
        print(f"{name:<{width}}{measured:>24}{target:>16}  {'yes' if met else 'NO'}")
    return 0 if all(g[3] for g in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
