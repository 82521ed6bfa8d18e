"""How long the own-data report takes, and how much memory it needs: DuckDB, pandas and the notebook path.

For each size it generates a plain orders CSV (customer, date, amount, product, channel, discount
code: a few heavy buyers and many one-off ones, 1% returns), then times, each in a fresh process
whose resident memory (the whole process tree, kernel included) is sampled every 50 ms:

- ``duckdb``: ``lifecycle report ORDERS.csv --out report.html --engine duckdb``: the file read out of
  core by DuckDB (:mod:`lifecycle_lib.data._engine`), the sections built in the command's own
  process and written as HTML (:mod:`lifecycle_lib.tools.report`);
- ``pandas``: the same command with ``--engine pandas``, the file read into memory by pandas;
- ``notebook``: the former way, papermill running ``notebooks/13_capstone_your_customers.ipynb`` on
  the file in a fresh kernel, then nbconvert turning the executed notebook into HTML without code.

It prints one table against the targets: 10,000 lines in under 6 s, 1,000,000 in under 25 s,
10,000,000 in under 150 s, and every run under 2 GB. The rows judged are the ``duckdb`` ones and,
for files smaller than the size from which ``--engine auto`` (the default) takes DuckDB, the
``pandas`` ones: what a user of the default gets. The exit status is 1 when a judged row misses
its target. The other rows are for comparison: such a run is stopped once it passes 2 GB or
300 s (``--stop-seconds``), and the table says so.

    .venv/bin/python benchmarks/bench_report.py                          # 10,000, 1,000,000 and 10,000,000 lines
    .venv/bin/python benchmarks/bench_report.py --sizes 10000 1000000 --paths duckdb pandas
    .venv/bin/python benchmarks/bench_report.py --sizes 10000000 --paths duckdb   # the 10M target only

Timings depend on the machine and on what else runs on it: the load average is printed with the
table, and ``CPU s`` (user and system time of the run's processes) says how much work a run was,
whatever the load; the targets are on ``seconds``, the wall-clock time.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = {10_000: 6.0, 1_000_000: 25.0, 10_000_000: 150.0}
LIMIT_BYTES = 2_000_000_000  # 2 GB, as the table prints it (MB = 10**6 bytes)
PATHS = ("duckdb", "pandas", "notebook")
STOP_SECONDS = 300.0

# The notebook path, as `lifecycle report` ran it before: papermill, then nbconvert without the code.
_NOTEBOOK_RUN = textwrap.dedent("""
    import sys
    from pathlib import Path

    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    from lifecycle_lib.tools.report import NOTEBOOK, report_parameters

    orders, out = sys.argv[1], Path(sys.argv[2])
    executed = out.with_suffix(".ipynb")
    papermill.execute_notebook(str(NOTEBOOK), str(executed), cwd=str(out.parent), progress_bar=False,
                               parameters=report_parameters(orders, customers_csv=out.with_name("customers.csv")))
    nb = nbformat.read(executed, as_version=4)
    nb.cells = [cell for cell in nb.cells
                if "lesson-only" not in cell.metadata.get("tags", []) and "lifecycle" not in cell.metadata]
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    exporter.exclude_input = exporter.exclude_input_prompt = exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    out.write_text(body, encoding="utf-8")
""")


def make_orders(n_orders: int, path: Path, seed: int = 7) -> None:
    """A plain orders export of ``n_orders`` lines, one customer in ten lines on average."""
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
    frame = pd.DataFrame(
        {
            "customer": np.char.add("C", customer.astype(str)),
            "order_date": (start + minutes.astype("timedelta64[m]")).astype("datetime64[s]"),
            "amount": amount,
            "product": products[rng.integers(0, len(products), n_orders)],
            "channel": channels[rng.integers(0, len(channels), n_orders)],
            "discount_code": codes,
        }
    )
    frame.to_csv(path, index=False)


def tree_rss(proc: psutil.Process) -> int:
    """Resident memory of a process and all its children, in bytes."""
    total = 0
    for p in [proc] + proc.children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def target_for(n_orders: int) -> float:
    """The time target of a size: that of the smallest target size at least as large (else the largest)."""
    larger = [size for size in sorted(TARGET_SECONDS) if size >= n_orders]
    return TARGET_SECONDS[larger[0] if larger else max(TARGET_SECONDS)]


def run(path: str, csv: Path, scratch: Path, stop_seconds: float | None = None, stop_bytes: int | None = None) -> dict:
    """One timed run of ``path`` ("duckdb", "pandas" or "notebook") on ``csv``, memory sampled every 50 ms.

    With ``stop_seconds`` or ``stop_bytes``, the run's whole process tree is stopped once it takes
    longer or needs more, and ``problem`` says so. Anything a successful run prints on stderr (a
    warning) is a problem too: nothing but the result may reach the terminal.
    """
    out = scratch / f"{path}.html"
    if path == "notebook":
        cmd = [sys.executable, "-c", _NOTEBOOK_RUN, str(csv), str(out)]
    else:
        cmd = [sys.executable, "-m", "lifecycle_lib.cli", "report", str(csv), "--out", str(out), "--engine", path]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    watched = psutil.Process(proc.pid)
    peak, stopped = 0, ""
    while proc.poll() is None:
        peak = max(peak, tree_rss(watched))
        took = time.perf_counter() - started
        if (stop_bytes and peak > stop_bytes) or (stop_seconds and took > stop_seconds):
            stopped = f"stopped after {took:.0f} s at {peak / 1e6:,.0f} MB (limits: {stop_bytes / 1e6:,.0f} MB, {stop_seconds:.0f} s)"
            for child in [*watched.children(recursive=True), watched]:
                try:
                    child.kill()
                except psutil.Error:
                    pass
            proc.wait()
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the run's processes, once they have ended
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    stderr = proc.stderr.read().strip()
    problem = stopped or (stderr.splitlines()[-1] if proc.returncode and stderr else "")
    if not problem and stderr and path != "notebook":
        problem = "printed on the terminal: " + stderr.splitlines()[-1]
    return {
        "seconds": elapsed,
        "CPU s": cpu,
        "peak MB": peak / 1e6,
        "exit": proc.returncode,
        "page MB": out.stat().st_size / 1e6 if out.exists() else 0.0,
        "problem": problem,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10_000, 1_000_000, 10_000_000], help="order lines per file"
    )
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS), help="which ways to render")
    parser.add_argument(
        "--stop-seconds", type=float, default=STOP_SECONDS, help="stop a comparison run after this long (or above 2 GB)"
    )
    args = parser.parse_args(argv)
    from lifecycle_lib.data._engine import AUTO_MIN_BYTES

    load_before = psutil.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        scratch = Path(folder)
        for n in args.sizes:
            csv = scratch / f"orders_{n}.csv"
            t0 = time.perf_counter()
            make_orders(n, csv)
            print(
                f"{n:,} lines: {csv.stat().st_size / 1e6:,.1f} MB generated in {time.perf_counter() - t0:.1f} s",
                file=sys.stderr,
            )
            for path in args.paths:
                judged = path == "duckdb" or (path == "pandas" and csv.stat().st_size < AUTO_MIN_BYTES)
                limits = {} if judged else {"stop_seconds": args.stop_seconds, "stop_bytes": LIMIT_BYTES}
                result = run(path, csv, scratch, **limits)
                target = target_for(n)
                ok = (
                    result["exit"] == 0
                    and not result["problem"]
                    and result["seconds"] < target
                    and result["peak MB"] * 1e6 < LIMIT_BYTES
                )
                rows.append(
                    {
                        "size": f"{n:,}",
                        "path": path,
                        "judged": "yes" if judged else "",
                        "seconds": result["seconds"],
                        "CPU s": result["CPU s"],
                        "peak MB": result["peak MB"],
                        "target s": target,
                        "under target": "yes" if ok else "no",
                        "exit": result["exit"],
                        "page MB": result["page MB"],
                        "problem": result["problem"],
                    }
                )
                print(f"  {path}: {result['seconds']:.1f} s, {result['peak MB']:,.0f} MB", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    print(
        f"lifecycle report: targets 10,000 lines < 6 s, 1,000,000 < 25 s, 10,000,000 < 150 s, all < "
        f"{LIMIT_BYTES / 1e6:,.0f} MB peak; load average {load_before:.1f} before, {psutil.getloadavg()[0]:.1f} "
        f"after, on {psutil.cpu_count()} cores; --engine auto takes DuckDB from {AUTO_MIN_BYTES / 1e6:,.0f} MB"
    )
    print(table.drop(columns="problem").to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    for row in rows:
        if row["problem"]:
            print(f"{row['size']} lines, {row['path']}: {row['problem']}")
    missed = [r for r in rows if r["judged"] and r["under target"] == "no"]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
