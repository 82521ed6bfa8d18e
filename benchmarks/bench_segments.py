"""Time the stage, behaviour-type, cohort and funnel functions on the large simulated data.

Run: .venv/bin/python benchmarks/bench_segments.py [--size large|small] [--seed 2024]
Prints one row per function: rows in, seconds.
"""

from __future__ import annotations

import argparse
import time

from lifecycle_lib import cohorts, datasets, funnel, segments

TABLES = ("contacts", "orders", "events", "subscriptions", "tickets", "reviews", "referrals")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="large", choices=["tiny", "small", "large"])
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    start = time.perf_counter()
    data = datasets.simulate(seed=args.seed, size=args.size)
    print(f"simulate({args.size!r}): {time.perf_counter() - start:.1f} s; "
          f"{len(data['contacts']):,} contacts, {len(data['orders']):,} order lines, {len(data['events']):,} events")
    tables = {k: data[k] for k in TABLES}
    cases = [
        ("segments.relationship_stages (all tables)", lambda: segments.relationship_stages(**tables)),
        ("segments.relationship_stages (orders only)", lambda: segments.relationship_stages(None, data["orders"])),
        ("segments.behaviour_types", lambda: segments.behaviour_types(data)),
        ("cohorts.retention_matrix", lambda: cohorts.retention_matrix(data["orders"])),
        ("cohorts.revenue_matrix", lambda: cohorts.revenue_matrix(data["orders"])),
        ("funnel.funnel", lambda: funnel.funnel(data["events"], data["orders"])),
        ("funnel.micro_conversions", lambda: funnel.micro_conversions(data["events"])),
        ("funnel.touches_before_first_visit", lambda: funnel.touches_before_first_visit(data["events"])),
        ("funnel.abandonment", lambda: funnel.abandonment(data["events"], data["orders"])),
    ]
    print(f"{'function':45s} {'seconds':>8s}")
    for name, fn in cases:
        start = time.perf_counter()
        fn()
        print(f"{name:45s} {time.perf_counter() - start:8.2f}")


if __name__ == "__main__":
    main()
