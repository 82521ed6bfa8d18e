"""How long `lifecycle report` takes on a large orders file, and how much memory it needs.

Generates a plain orders CSV (customer, date, amount, product, channel, discount code) of the
requested size, runs the report command as a subprocess, samples the resident memory of the whole
process tree (the command and its notebook kernel) every 50 ms, and prints a table.

    .venv/bin/python benchmarks/bench_report.py                 # 1,000,000 orders
    .venv/bin/python benchmarks/bench_report.py --orders 100000

Targets: under 60 s and under 2 GB peak for 1,000,000 orders.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

LIMIT_SECONDS = 60.0
LIMIT_BYTES = 2 * 1024**3


def make_orders(n_orders: int, path: Path, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    n_customers = max(10, n_orders // 10)
    # A few heavy buyers and many one-off ones, as in real shops.
    weights = rng.pareto(1.5, n_customers) + 0.2
    customer = rng.choice(n_customers, size=n_orders, p=weights / weights.sum())
    start = np.datetime64("2023-01-01T00:00")
    minutes = rng.integers(0, 3 * 365 * 24 * 60, n_orders)
    products = np.array(["Donut Bed S", "Cloud Bed M", "Orthopaedic Bed L", "Paw Balm", "Chew Toy", "Blanket"])
    channels = np.array(["search", "social", "ads", "email", "word_of_mouth", "direct"])
    codes = np.where(rng.random(n_orders) < 0.2, "SAVE10", "")
    amount = np.round(rng.gamma(2.0, 40.0, n_orders), 2)
    amount[rng.random(n_orders) < 0.01] *= -1  # returns
    frame = pd.DataFrame({
        "customer": np.char.add("C", customer.astype(str)),
        "order_date": (start + minutes.astype("timedelta64[m]")).astype("datetime64[s]"),
        "amount": amount,
        "product": products[rng.integers(0, len(products), n_orders)],
        "channel": channels[rng.integers(0, len(channels), n_orders)],
        "discount_code": codes,
    })
    frame.to_csv(path, index=False)


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(n_orders: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        csv = Path(scratch) / "orders.csv"
        t0 = time.perf_counter()
        make_orders(n_orders, csv)
        generated = time.perf_counter() - t0
        out = Path(scratch) / "report.html"
        cmd = [sys.executable, "-m", "lifecycle_lib.cli", "report", str(csv), "--out", str(out)]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ps = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(ps))
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        stderr = proc.stderr.read()
        return {
            "orders": n_orders,
            "file MB": csv.stat().st_size / 1e6,
            "generate s": generated,
            "report s": elapsed,
            "peak RSS MB": peak / 1e6,
            "exit": proc.returncode,
            "report MB": out.stat().st_size / 1e6 if out.exists() else 0.0,
            "ok": proc.returncode == 0 and elapsed < LIMIT_SECONDS and peak < LIMIT_BYTES,
            "stderr": stderr.strip().splitlines()[-1] if proc.returncode else "",
        }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="*", default=[1_000_000])
    args = parser.parse_args(argv)
    rows = [run(n) for n in args.orders]
    table = pd.DataFrame(rows)
    print(f"lifecycle report: limits {LIMIT_SECONDS:.0f} s and {LIMIT_BYTES / 1e6:,.0f} MB "
          f"(load average at the end: {psutil.getloadavg()[0]:.1f} on {psutil.cpu_count()} cores)")
    print(table.drop(columns="stderr").to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    for row in rows:
        if row["stderr"]:
            print(f"{row['orders']:,} orders: {row['stderr']}")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
