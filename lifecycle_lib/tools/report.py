"""The "who is my customer?" report on a user's own orders file, as one self-contained HTML page.

``lifecycle report ORDERS_FILE --out report.html`` calls :func:`make_report`, which, in the
command's own process (no notebook kernel),

1. checks the output name and folder, and the rates file when one is given;
2. reads the file with :func:`lifecycle_lib.data.readers.read_orders` (a large CSV file out of
   core with DuckDB, ``engine``); an unusable file ends here, before any analysis, with that
   :class:`~lifecycle_lib.errors.DataError`, naming the file as it was given;
3. builds the sections of :mod:`lifecycle_lib.tools.report_sections` (the same objects the
   capstone lesson ``notebooks/13_capstone_your_customers.ipynb`` shows) and writes them with
   :func:`render_page`: Markdown through mistune, tables as plain HTML tables, figures drawn on
   matplotlib's Agg canvas and embedded as PNG, one small inline stylesheet, nothing fetched from
   the network;
4. writes the page and the list of every customer together and atomically: a failed run leaves
   neither file, not even a partial one.
"""

from __future__ import annotations

import base64
import io
import os
import re
import struct
import uuid
from pathlib import Path

from lifecycle_lib._util.paths import REPO_ROOT

__all__ = ["NOTEBOOK", "report_parameters", "customers_csv_path", "render_page", "make_report"]

#: The capstone notebook: the lesson that shows the report's sections one cell at a time.
NOTEBOOK = REPO_ROOT / "notebooks" / "13_capstone_your_customers.ipynb"

_NUMBER = re.compile(r"^(-|[-+]?[\d,]+(\.\d+)?%?( \S+)?)$")

_STYLE = """
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1f2933; background: #fff; max-width: 64rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
header { border-bottom: 3px solid #1f5f8b; margin-bottom: 1.5rem; }
h1 { font-size: 1.9rem; margin: 0.2rem 0 0.3rem; }
h2 { font-size: 1.35rem; margin: 2.4rem 0 0.6rem; padding-bottom: 0.2rem; border-bottom: 1px solid #d9dee3; }
.meta { color: #52606d; margin: 0 0 0.8rem; }
nav { font-size: 0.95rem; margin: 0 0 1rem; }
nav ul { margin: 0.2rem 0; padding-left: 0; list-style: none; columns: 2; }
.intro { color: #3e4c59; }
code { font-size: 0.92em; background: #f0f4f8; padding: 0 0.2em; border-radius: 3px; }
.table { overflow-x: auto; margin: 0.6rem 0 1.4rem; }
table { border-collapse: collapse; font-size: 0.92rem; }
th, td { padding: 0.3rem 0.7rem; text-align: left; vertical-align: top; border-bottom: 1px solid #e4e7eb; }
th { background: #f5f7fa; border-bottom: 2px solid #9aa5b1; vertical-align: bottom; }
td:first-child { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.wide { min-width: 16rem; }
td.tight { white-space: nowrap; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; margin: 0.6rem 0 1rem; }
img { max-width: 100%; height: auto; }
footer { margin-top: 3rem; color: #52606d; font-size: 0.9rem; border-top: 1px solid #d9dee3; padding-top: 0.6rem; }
@media print { body { max-width: none; } nav { display: none; } h2 { break-after: avoid; } }
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ style }}</style>
</head>
<body>
<header>
<h1>{{ title }}</h1>
{% if meta %}<p class="meta">{{ meta }}</p>{% endif %}
<nav aria-label="sections"><strong>In this report</strong>
<ul>{% for section in sections %}<li><a href="#{{ section.key }}">{{ section.title }}</a></li>{% endfor %}</ul>
</nav>
</header>
<main>
{% for section in sections %}
<section id="{{ section.key }}">
<h2>{{ section.title }}</h2>
{% if section.intro %}<div class="intro">{{ section.intro }}</div>{% endif %}
{% for block in section.blocks %}
{% if block.kind == "text" %}{{ block.html }}
{% elif block.kind == "figures" %}<div class="figures">{% for img in block.images %}
<img src="data:image/png;base64,{{ img.data }}" width="{{ img.width }}" height="{{ img.height }}" alt="{{ img.alt }}">
{% endfor %}</div>
{% else %}<div class="table"><table>
<thead><tr>{% for column in block.columns %}<th{% if column.num %} class="num"{% endif %} scope="col">{{ column.label }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in block.rows %}<tr>{% for cell in row %}<td{% if cell.css %} class="{{ cell.css }}"{% endif %}>{{ cell.text }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table></div>
{% endif %}
{% endfor %}
</section>
{% endfor %}
</main>
{% if footer %}<footer>{{ footer }}</footer>{% endif %}
</body>
</html>
"""


def customers_csv_path(out) -> Path:
    """Where the list of every customer goes beside a report: ``report.html`` -> ``report_customers.csv``.

    Parameters
    ----------
    out : str or Path
        The report's HTML file.

    Returns
    -------
    Path
        The CSV file in the same folder.

    Examples
    --------
    >>> customers_csv_path("reports/may.html").as_posix()
    'reports/may_customers.csv'
    """
    out = Path(out)
    return out.with_name(f"{out.stem}_customers.csv")


def report_parameters(
    orders_file=None,
    observation_period_end=None,
    customer_id_col=None,
    datetime_col=None,
    monetary_value_col=None,
    order_col=None,
    product_col=None,
    sheet=None,
    *,
    currency_col=None,
    rates=None,
    drop_duplicates=True,
    customers_csv=None,
    currency=None,
) -> dict:
    """The parameters of the capstone notebook (papermill's) for a file and its column options.

    The report itself no longer runs the notebook; these are for running the lesson on one's own
    file with papermill (``benchmarks/bench_report.py`` does, to compare). Paths are made absolute
    (the notebook runs in its own folder); dates are passed as text.

    Parameters
    ----------
    orders_file : str or Path, optional
        The orders file; None for the course's sample shop.
    observation_period_end : str or date-like, optional
        The date the analysis looks from.
    customer_id_col, datetime_col, monetary_value_col, order_col, product_col : str, optional
        The file's columns for the customer, the date, the amount, the order and the product, when
        their names are not recognised.
    sheet : str, optional
        The sheet of an Excel workbook.
    currency_col : str, optional
        The file's currency column, when its name is not recognised.
    rates : str or Path, optional
        A CSV file of exchange rates (columns ``currency``, ``rate``) for a file in several currencies.
    drop_duplicates : bool, default True
        Whether exact duplicate lines are dropped.
    customers_csv : str or Path, optional
        Where the notebook writes the list of every customer.
    currency : str, optional
        The currency of the amounts, for a file that names none (``"EUR"``).

    Returns
    -------
    dict
        One entry per variable of the notebook's ``parameters`` cell.

    Examples
    --------
    >>> report_parameters("orders.csv", observation_period_end="2025-01-01")["orders_file"].endswith("orders.csv")
    True
    >>> report_parameters()["orders_file"] is None
    True
    """
    return {
        "orders_file": None if orders_file is None else str(Path(orders_file).resolve()),
        "observation_period_end": None if observation_period_end is None else str(observation_period_end),
        "customer_id_col": customer_id_col,
        "datetime_col": datetime_col,
        "monetary_value_col": monetary_value_col,
        "order_col": order_col,
        "product_col": product_col,
        "sheet": sheet,
        "currency_col": currency_col,
        "rates": None if rates is None else str(Path(rates).resolve()),
        "drop_duplicates": bool(drop_duplicates),
        "customers_csv": None if customers_csv is None else str(Path(customers_csv).resolve()),
        "currency": currency,
    }


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


def _png(fig) -> dict:
    """A figure drawn on an Agg canvas as base64 PNG, with its size in CSS pixels and its title as alt text."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # whatever backend the session has, the page is drawn by Agg
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, facecolor="white")  # the figure lays itself out (constrained)
    data = buffer.getvalue()
    width, height = struct.unpack(">II", data[16:24])  # the PNG header's IHDR chunk
    titles = [ax.get_title(loc=loc) for ax in fig.axes for loc in ("left", "center", "right")]
    alt = next((t for t in titles if t), "chart")
    return {
        "data": base64.b64encode(data).decode("ascii"),
        "width": round(width / 1.5),
        "height": round(height / 1.5),
        "alt": alt,
    }


def _table(frame) -> dict:
    """A table of text as columns (label, numeric?) and rows of cells; numbers are right-aligned."""
    columns, css = [str(c) for c in frame.columns], []
    for column in frame.columns:
        values = [str(v) for v in frame[column] if str(v) not in ("",)]
        if values and all(_NUMBER.match(v) for v in values):
            css.append("num")
        elif values and max(len(v) for v in values) > 80:
            css.append("wide")
        elif values and all(len(v) <= 16 and " " not in v for v in values):
            css.append("tight")  # dates and ids: never broken at a hyphen
        else:
            css.append("")
    numeric = [c == "num" for c in css]
    columns = [c.replace("-", "\u2011") for c in columns]  # "5-year" is not broken after its hyphen
    rows = [[{"text": str(cell), "css": css[i]} for i, cell in enumerate(row)] for row in frame.itertuples(index=False, name=None)]
    return {"kind": "table", "columns": [{"label": c, "num": n} for c, n in zip(columns, numeric)], "rows": rows}


def render_page(sections, title: str, meta: str = "", footer: str = "", close_figures: bool = True) -> str:
    """One self-contained HTML page of report sections.

    Parameters
    ----------
    sections : list of Section
        :func:`lifecycle_lib.tools.report_sections.all_sections`, or any list of
        :class:`~lifecycle_lib.tools.report_sections.Section`.
    title : str
        The page's title and heading.
    meta : str, optional
        One line under the heading.
    footer : str, optional
        One line at the end of the page.
    close_figures : bool, default True
        Clear each figure once it is embedded, so its memory is freed (a figure is drawn once).

    Returns
    -------
    str
        The HTML page: text, tables and PNG images, with an inline stylesheet and no script.

    Examples
    --------
    >>> import pandas as pd
    >>> from lifecycle_lib.tools.report_sections import Section
    >>> page = render_page([Section("Summary", "Two *customers*.", ["**3** orders", pd.DataFrame({"a": ["1"]})],
    ...                             key="summary")], title="Who is my customer? test")
    >>> "<strong>3</strong> orders" in page and '<td class="num">1</td>' in page and "<script" not in page
    True
    """
    import jinja2
    import mistune

    markdown = mistune.create_markdown(escape=True)
    out = []
    for section in sections:
        blocks = []
        for block in section.blocks:
            if isinstance(block, str):
                blocks.append({"kind": "text", "html": markdown(block)})
            elif hasattr(block, "savefig"):
                image = _png(block)
                if close_figures:
                    block.clear()
                if blocks and blocks[-1]["kind"] == "figures":  # figures in a row sit side by side
                    blocks[-1]["images"].append(image)
                else:
                    blocks.append({"kind": "figures", "images": [image]})
            else:
                blocks.append(_table(block))
        out.append(
            {
                "key": section.key or f"section-{len(out) + 1}",
                "title": section.title,
                "intro": markdown(section.intro) if section.intro else "",
                "blocks": blocks,
            }
        )
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    for section in out:  # mistune's output is already escaped HTML
        section["intro"] = jinja2.utils.markupsafe.Markup(section["intro"])
        for block in section["blocks"]:
            if block["kind"] == "text":
                block["html"] = jinja2.utils.markupsafe.Markup(block["html"])
    return env.from_string(_TEMPLATE).render(
        title=title, meta=meta, footer=footer, sections=out, style=jinja2.utils.markupsafe.Markup(_STYLE)
    )


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _write_together(files: dict) -> None:
    """Write every ``{path: text}`` through temporary files, then rename them all: all or nothing.

    A failure at any point (a full disk, an interrupt, a rename refused) removes the temporary
    files, puts back what the paths held before (a file from an earlier run is kept aside until
    the end) and removes what did not exist before, so every path is left as it was.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _write_together({folder / "a.csv": "x\\n", folder / "a.html": "<p>x</p>"})
    >>> sorted(p.name for p in folder.iterdir())
    ['a.csv', 'a.html']
    """
    tag = f"{os.getpid()}.{uuid.uuid4().hex[:8]}"
    temporary, kept, done = {}, {}, []
    try:
        for path, text in files.items():
            temporary[path] = path.with_name(f".{path.name}.{tag}.part")
            with open(temporary[path], "x", encoding="utf-8", newline="") as handle:
                handle.write(text)
        for path in files:
            if path.exists():
                kept[path] = path.with_name(f".{path.name}.{tag}.old")
                os.replace(path, kept[path])
            done.append(path)
            os.replace(temporary[path], path)
    except BaseException:
        for path in done:
            if path.exists() and not temporary[path].exists():
                path.unlink()  # the new file had arrived: take it away again
            if path in kept and kept[path].exists():
                os.replace(kept[path], path)
        for tmp in temporary.values():
            if tmp.exists():
                tmp.unlink()
        raise
    for old in kept.values():
        old.unlink()


def make_report(
    orders_file=None,
    out="report.html",
    observation_period_end=None,
    customer_id_col=None,
    datetime_col=None,
    monetary_value_col=None,
    order_col=None,
    product_col=None,
    sheet=None,
    *,
    currency_col=None,
    rates=None,
    drop_duplicates=True,
    engine="auto",
    currency=None,
) -> Path:
    """Write the "who is my customer?" report on ``orders_file`` to ``out``, and the list of every customer beside it.

    ``orders_file=None`` reports on the course's sample shop. The output name and folder and the
    rates are checked first, then the file is read; an unusable file raises its
    :class:`~lifecycle_lib.errors.DataError` (the command exits with status 2) before anything is
    computed, and nothing is written. On success the page and the CSV of every customer
    (:func:`customers_csv_path`, columns
    :data:`lifecycle_lib.analytics.customer_value.CUSTOMER_LIST_COLUMNS`) are written together.

    Parameters
    ----------
    orders_file : str or Path, optional
        The orders file (CSV, Excel or Parquet); None for the course's sample shop.
    out : str or Path, default "report.html"
        The page to write; its folder must exist.
    observation_period_end, customer_id_col, datetime_col, monetary_value_col, order_col, product_col, sheet
        As for :func:`lifecycle_lib.data.readers.read_orders`.
    currency_col, rates, drop_duplicates
        As for :func:`lifecycle_lib.data.readers.read_orders` (``rates`` a CSV file, checked first).
    engine : {"auto", "duckdb", "pandas"}, default "auto"
        How a CSV file is read, as for :func:`lifecycle_lib.data.readers.read_orders`: ``"duckdb"``
        out of core (for files larger than memory), ``"pandas"`` in memory, ``"auto"`` DuckDB for
        large CSV files only. The page is the same either way.
    currency : str, optional
        The three-letter code of the amounts' currency for a file that names none, so every amount
        is labelled; a file that names another currency is refused.

    Returns
    -------
    Path
        The page written.

    Raises
    ------
    DataError
        When the file is unusable, or ``out`` is not an HTML name in an existing folder.

    Examples
    --------
    >>> make_report("no/such/orders.csv", out="never-written.html")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: no/such/orders.csv: the file does not exist. Fix: check the path and the file name; a relative path is read from the folder you run the command in.
    >>> Path("never-written.html").exists()
    False
    """
    from lifecycle_lib.errors import DataError

    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise DataError(
            "the report is an HTML page, but the output name does not end in .html",
            file=out,
            fix="pass --out with a name such as report.html",
        )
    if not out.parent.exists():
        raise DataError(
            "the folder for the report does not exist",
            file=out,
            fix=f"create the folder {out.parent} first, or write the report somewhere else with --out",
        )
    if rates is not None:
        from lifecycle_lib.data.readers import read_rates

        read_rates(rates)  # a bad rates file fails here, before the orders are read

    from lifecycle_lib.tools import report_sections

    shop = report_sections.read_shop(
        orders_file,
        observation_period_end,
        customer_id_col,
        datetime_col,
        monetary_value_col,
        order_col,
        product_col,
        sheet,
        currency_col=currency_col,
        rates=rates,
        drop_duplicates=drop_duplicates,
        engine=engine,
        currency=currency,
    )
    listing = customers_csv_path(out)
    page = render_page(
        report_sections.all_sections(shop),
        title=f"Who is my customer? {shop.title}",
        meta=(
            f"{shop.about.customers:,} customers, {shop.about.orders:,} orders, "
            f"{shop.about.first_order:%d %b %Y} to {shop.about.last_order:%d %b %Y}, seen as of "
            f"{shop.as_of:%d %b %Y}"
        ),
        footer=f"Every customer, with the next action for each, is in {listing.name} beside this page.",
    )
    _write_together({listing: shop.customer_list.to_csv(index=False), out: page})
    return out
