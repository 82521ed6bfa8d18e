"""The "who is my customer?" report on a user's own orders file, as one self-contained HTML page.

``lifecycle report ORDERS_FILE --out report.html`` calls :func:`make_report`, which

1. runs the capstone lesson ``notebooks/12_capstone_your_customers.ipynb`` in a fresh kernel,
   passing the file and the column options as parameters; the kernel reads the file itself with
   :func:`lifecycle_lib.data.readers.read_orders`, so it is read once, and an unusable file ends
   with that :class:`~lifecycle_lib.errors.DataError`, naming the file as it was given;
2. converts the executed notebook with nbconvert to HTML without the code cells (plots are
   embedded as images, no script or style is fetched from the network), and
3. writes the page atomically: a failed run never leaves a report file, not even a partial one.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from lifecycle_lib._util.paths import REPO_ROOT

__all__ = ["NOTEBOOK", "report_parameters", "customers_csv_path", "make_report"]

#: The capstone notebook the report is rendered from.
NOTEBOOK = REPO_ROOT / "notebooks" / "12_capstone_your_customers.ipynb"


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
) -> dict:
    """The papermill parameters of the capstone notebook for a file and its column options.

    Paths are made absolute (the notebook runs in its own folder); dates are passed as text. The
    notebook's kernel reads the file itself with these: nothing read here is handed over.

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
    }


def _html(nb, title: str) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True)
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    nb.metadata.pop("widgets", None)
    # The report is the lesson without its teaching frame: no navigation, goals, questionnaire or exercise link.
    import nbformat

    from lifecycle_lib.tools.site.navigation import is_navigation_cell

    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}", id="report-title")] + [
        cell for cell in nb.cells
        if not is_navigation_cell(cell) and "lesson-only" not in cell.get("metadata", {}).get("tags", [])
    ]
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    # Self-contained: nothing is loaded from the network (the report has no widgets and no LaTeX).
    body = re.sub(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', "", body)
    body = re.sub(r'<link[^>]*\bhref="https?://[^"]*"[^>]*>', "", body)
    body = re.sub(r"<script[^>]*>(?:(?!</script>)[\s\S])*?https?://cdn[\s\S]*?</script>", "", body)
    body = re.sub(r"<script[^>]*>\s*window\.MathJax[\s\S]*?</script>", "", body)
    return body


def _notebook_failure(exc, files: dict | None = None) -> Exception:
    """Turn a failure inside the notebook into the error the command reports.

    ``files`` maps the absolute paths the kernel was given back to the paths as the user gave them,
    so that a message names the file the way the user typed it.

    >>> class Failed(Exception):
    ...     ename, evalue = "DataError", "/home/me/orders.csv: the file is empty. Fix: export it again."
    >>> print(_notebook_failure(Failed(), {"/home/me/orders.csv": "orders.csv"}))
    orders.csv: the file is empty. Fix: export it again.
    """
    from lifecycle_lib.errors import DataError

    ename = getattr(exc, "ename", "")
    evalue = getattr(exc, "evalue", str(exc))
    if ename == "DataError":  # the message was composed inside the kernel; keep it, with the file as given
        message = str(evalue)
        for absolute, given in (files or {}).items():
            message = message.replace(absolute, given)
        return DataError(message.rstrip("."))
    return RuntimeError(f"the report notebook failed: {ename or type(exc).__name__}: {evalue}")


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
    timeout: float = 600.0,
    notebook=None,
    *,
    currency_col=None,
    rates=None,
    drop_duplicates=True,
) -> Path:
    """Write the "who is my customer?" report on ``orders_file`` to ``out``, and the list of every customer beside it.

    ``orders_file=None`` reports on the course's sample shop. The output name and folder are
    checked first; the notebook's kernel then reads the file, and an unusable file raises its
    :class:`~lifecycle_lib.errors.DataError` (the command exits with status 2) and nothing is
    written. On success the page and the CSV of every customer (:func:`customers_csv_path`,
    columns :data:`lifecycle_lib.analytics.customer_value.CUSTOMER_LIST_COLUMNS`) are written
    together.

    Parameters
    ----------
    orders_file : str or Path, optional
        The orders file (CSV, Excel or Parquet); None for the course's sample shop.
    out : str or Path, default "report.html"
        The page to write; its folder must exist.
    observation_period_end, customer_id_col, datetime_col, monetary_value_col, order_col, product_col, sheet
        As for :func:`lifecycle_lib.data.readers.read_orders`.
    timeout : float, default 600
        Seconds each cell of the notebook may take.
    notebook : str or Path, optional
        The notebook to run instead of :data:`NOTEBOOK`.
    currency_col, rates, drop_duplicates
        As for :func:`lifecycle_lib.data.readers.read_orders` (``rates`` a CSV file); the rates are
        checked before the notebook starts.

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
    notebook = Path(notebook) if notebook is not None else NOTEBOOK

    from lifecycle_lib._util.files import write_text_atomic
    from lifecycle_lib.tools.execute import NotebookError, execute_notebook

    if rates is not None:
        from lifecycle_lib.data.readers import read_rates

        read_rates(rates)  # a bad rates file fails here, in a second, not after a kernel has started
    params = report_parameters(orders_file, observation_period_end, customer_id_col, datetime_col, monetary_value_col,
                               order_col, product_col, sheet, currency_col=currency_col, rates=rates,
                               drop_duplicates=drop_duplicates)
    given = {params["orders_file"]: str(orders_file)} if orders_file is not None else {}
    with tempfile.TemporaryDirectory(prefix="lifecycle-report-") as scratch:
        params["customers_csv"] = str(Path(scratch) / "customers.csv")
        try:
            nb = execute_notebook(notebook, parameters=params, cwd=scratch, timeout=timeout)
        except NotebookError as exc:
            raise _notebook_failure(exc, given) from None
        listing = Path(params["customers_csv"])
        table = listing.read_text(encoding="utf-8") if listing.exists() else None
    body = _html(nb, title=f"Who is my customer? {Path(orders_file).name if orders_file else 'sample shop'}")
    if table is not None:
        write_text_atomic(customers_csv_path(out), table)
    return write_text_atomic(out, body)
