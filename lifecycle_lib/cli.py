"""The ``lifecycle`` command: data, rendering, exercises, grading and the own-data report.

Each subcommand imports its module only when it runs, so ``lifecycle --help`` is instant.
A user's mistake (a :class:`lifecycle_lib.errors.DataError` or :class:`UsageError`) ends with one
message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from lifecycle_lib.errors import DataError, UsageError

__all__ = ["main", "UsageError"]


def _data_generate(args):
    from lifecycle_lib.data import datasets

    datasets.generate(seed=args.seed, size=args.size, out=args.out)


def _render(args):
    from pathlib import Path

    from lifecycle_lib.tools.site import render

    lessons = [*args.lesson, *(args.lessons or [])] or None
    try:
        rendered = render.render_course(out=args.out, lessons=lessons, workers=args.workers, strict=args.strict)
    except render.RenderError as exc:
        print(f"lifecycle render: {exc}", file=sys.stderr)
        return 1
    ran = sum(not lesson.cached for lesson in rendered)
    warned = [lesson.name for lesson in rendered if lesson.warnings]
    print(
        f"lifecycle render: wrote {Path(args.out) / 'index.html'} ({len(rendered)} lessons, "
        f"{ran} executed, {len(rendered) - ran} unchanged from the cache"
        + (f"; Sphinx warned about {', '.join(warned)}" if warned else "")
        + ")"
    )
    return 0


def _notebooks_nav(args):
    from lifecycle_lib.tools.site import navigation

    return navigation.main([*args.folders, *(["--check"] if args.check else [])])


def _notebooks_clean(args):
    from lifecycle_lib.tools.site import hygiene

    return hygiene.main([*args.paths, *(["--check"] if args.check else [])])


def _exercises_build(args):
    from lifecycle_lib.tools import build as exercises

    result = exercises.build(source=args.source, out=args.out, check_only=args.check)
    if args.check:
        for line in result:
            print(f"lifecycle exercises build --check: {line}", file=sys.stderr)
        return 1 if result else 0
    print(f"lifecycle exercises build: wrote {len(result)} files, every check verified both ways")
    return 0


def _assign(args):
    from lifecycle_lib.tools import assign

    assign.assign(roster=args.roster, out=args.out, source=args.source, workers=args.workers)


def _grade(args):
    from lifecycle_lib.tools.grade import grading

    grading.grade(
        submissions=args.submissions,
        roster=args.roster,
        out=args.out,
        source=args.source,
        workers=args.workers,
        timeout=args.timeout,
        cell_timeout=args.cell_timeout,
        memory_mb=args.memory_mb,
        disk_mb=args.disk_mb,
        processes=args.processes,
        sandbox=args.sandbox,
        progress=not args.quiet,
    )


def _report(args):
    from lifecycle_lib.data import _engine
    from lifecycle_lib.tools import report

    _engine.free_large_blocks_promptly()  # memory freed between the report's steps goes back at once
    page = report.make_report(
        args.orders_file,
        out=args.out,
        observation_period_end=args.observation_period_end,
        customer_id_col=args.customer_id_col,
        datetime_col=args.datetime_col,
        monetary_value_col=args.monetary_value_col,
        order_col=args.order_col,
        product_col=args.product_col,
        sheet=args.sheet,
        currency_col=args.currency_col,
        rates=args.rates,
        drop_duplicates=not args.keep_duplicate_lines,
        engine=args.engine,
        currency=args.currency,
    )
    listing = report.customers_csv_path(page)
    print(
        f"lifecycle report: wrote {page}"
        + (f" and {listing} (every customer, with the next action)" if listing.exists() else "")
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lifecycle",
        description="Who Is My Customer? course tools: sample data, rendering, exercises, grading, reports.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="sample data").add_subparsers(dest="data_command", required=True)
    gen = data.add_parser("generate", help="regenerate the sample businesses (bit-for-bit for a seed)")
    gen.add_argument("--seed", type=int, default=2024)
    gen.add_argument("--size", choices=["tiny", "small", "large"], default="small")
    gen.add_argument("--out", required=True, help="folder to write the Parquet files to")
    gen.set_defaults(func=_data_generate)

    ren = sub.add_parser("render", help="execute the lessons and build the course site (Sphinx, offline)")
    ren.add_argument("lesson", nargs="*", help="lesson files, names or numbers (default: all)")
    ren.add_argument("--out", default="_site", help="the site folder (default: _site)")
    ren.add_argument("--lessons", nargs="*", default=None, help="the same as the lesson arguments")
    ren.add_argument("--workers", type=int, default=None, help="lessons executed at once (default: cores)")
    ren.add_argument("--strict", action="store_true", help="fail on any Sphinx warning (as sphinx-build -W)")
    ren.set_defaults(func=_render)

    nbs = sub.add_parser("notebooks", help="notebook upkeep").add_subparsers(dest="nb_command", required=True)
    nav = nbs.add_parser("nav", help="write the '< previous | contents | next >' cells, replacing old ones")
    nav.add_argument("folders", nargs="*", help="default: notebooks solutions")
    nav.add_argument("--check", action="store_true", help="only report; exit 1 if navigation is stale")
    nav.set_defaults(func=_notebooks_nav)
    cln = nbs.add_parser("clean", help="strip outputs and run-time metadata (pinned cells keep theirs)")
    cln.add_argument("paths", nargs="*", help="default: notebooks solutions exercises")
    cln.add_argument("--check", action="store_true", help="only report; exit 1 if a notebook is dirty")
    cln.set_defaults(func=_notebooks_clean)

    ex = sub.add_parser("exercises", help="exercise notebooks").add_subparsers(dest="ex_command", required=True)
    build = ex.add_parser("build", help="generate exercises/ from solutions/, checking every check both ways")
    build.add_argument("--source", default=None, help="folder of solution notebooks (default: solutions/)")
    build.add_argument("--out", default=None, help="folder for exercise notebooks (default: exercises/)")
    build.add_argument("--check", action="store_true", help="only compare with the folder; exit 1 on a difference")
    build.set_defaults(func=_exercises_build)

    asg = sub.add_parser("assign", help="one exercise notebook per student, each with its data variant")
    asg.add_argument("--roster", required=True, help="CSV with columns student, exercise[, variant]")
    asg.add_argument("--out", required=True)
    asg.add_argument("--source", default=None, help="folder of solution notebooks (default: solutions/)")
    asg.add_argument(
        "--workers", type=int, default=None, help="students' check files computed at once (default: cores)"
    )
    asg.set_defaults(func=_assign)

    grd = sub.add_parser("grade", help="grade submissions into a gradebook and feedback pages")
    grd.add_argument("submissions", nargs="+")
    grd.add_argument("--roster", required=True, help="the roster written by 'lifecycle assign'")
    grd.add_argument("--out", required=True)
    grd.add_argument("--source", default=None, help="folder of solution notebooks (default: solutions/)")
    grd.add_argument("--workers", type=int, default=None, help="submissions graded at once (default: cores)")
    grd.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per notebook")
    grd.add_argument(
        "--cell-timeout", type=float, default=None, help="seconds allowed per cell (default: the notebook's limit)"
    )
    grd.add_argument("--memory-mb", type=int, default=2048, help="memory of one submission's whole process tree, in MB")
    grd.add_argument("--disk-mb", type=int, default=256, help="size of each writable place inside the sandbox, in MB")
    grd.add_argument("--processes", type=int, default=64, help="processes one submission may run at once")
    grd.add_argument("--quiet", action="store_true", help="no progress bar")
    grd.add_argument(
        "--sandbox",
        choices=["auto", "require", "off"],
        default="auto",
        help="confine submissions with bubblewrap: auto (warn if unavailable), require, or off",
    )
    grd.set_defaults(func=_grade)

    rep = sub.add_parser("report", help="'who is my customer?' report on your own orders file")
    rep.add_argument("orders_file")
    rep.add_argument("--out", required=True, help="HTML file to write")
    # The long option names are the API's parameter names (see docs/glossary.md); the short ones are aliases.
    rep.add_argument(
        "--observation-period-end",
        "--as-of",
        default=None,
        metavar="DATE",
        help="date of the analysis (default: the day after the last order)",
    )
    rep.add_argument(
        "--customer-id-col",
        "--customer-col",
        default=None,
        metavar="COLUMN",
        help="the column that identifies the customer",
    )
    rep.add_argument("--datetime-col", "--date-col", default=None, metavar="COLUMN", help="the order date column")
    rep.add_argument(
        "--monetary-value-col", "--amount-col", default=None, metavar="COLUMN", help="the amount paid column"
    )
    rep.add_argument("--order-col", default=None, metavar="COLUMN")
    rep.add_argument("--product-col", default=None, metavar="COLUMN")
    rep.add_argument("--sheet", default=None, help="Excel sheet name (default: the first)")
    rep.add_argument("--currency-col", default=None, metavar="COLUMN", help="the column with each order's currency")
    rep.add_argument(
        "--currency", default=None, metavar="CODE", help="the currency of the amounts (e.g. EUR), for a file that names none"
    )
    rep.add_argument(
        "--rates",
        default=None,
        metavar="CSV",
        help="exchange rates (columns currency,rate; the currency to report in has rate 1) for a file "
        "in several currencies, which is refused without them",
    )
    rep.add_argument(
        "--keep-duplicate-lines",
        action="store_true",
        help="keep exact duplicate lines as separate purchases (by default they are dropped)",
    )
    rep.add_argument(
        "--engine",
        choices=["auto", "duckdb", "pandas"],
        default="auto",
        help="how to read a CSV file: duckdb reads it out of core (for files larger than memory), "
        "pandas in memory, auto (the default) DuckDB for large CSV files and pandas for small ones",
    )
    rep.set_defaults(func=_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``lifecycle`` with ``argv`` (default: the command line); return the exit status.

    The same call the terminal makes, from Python.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``lifecycle``, e.g. ``["notebooks", "clean", "--check"]`` (default:
        None, which reads the command line, ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 means done, 1 a check that found something (``--check``) or a lesson
        that failed, 2 a user's mistake, reported in one line on stderr.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ran = {"cell_type": "code", "id": "a1", "metadata": {}, "source": "1 + 1", "execution_count": 4,
    ...        "outputs": [{"output_type": "execute_result", "execution_count": 4, "metadata": {},
    ...                     "data": {"text/plain": "2"}}]}
    >>> _ = (folder / "00_demo.ipynb").write_text(json.dumps({"cells": [ran], "metadata": {}, "nbformat": 4,
    ...                                                       "nbformat_minor": 5}))
    >>> main(["notebooks", "clean", "--check", str(folder)])
    needs cleaning: .../00_demo.ipynb
    1
    >>> main(["notebooks", "clean", str(folder)])
    cleaned: .../00_demo.ipynb
    0
    >>> main(["notebooks", "clean", "--check", str(folder)])
    all notebooks are clean
    0
    >>> main(["assign", "--roster", str(folder / "missing.csv"), "--out", str(folder / "handout")])
    2
    """
    args = build_parser().parse_args(argv)

    try:
        status = args.func(args)
    except (DataError, UsageError) as exc:
        print(f"lifecycle: {exc}", file=sys.stderr)
        return 2
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
