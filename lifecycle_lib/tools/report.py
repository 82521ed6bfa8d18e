"""The "who is my customer?" report on a user's own orders file, as one self-contained HTML page.

``lifecycle report ORDERS_FILE --out report.html`` calls :func:`make_report`, which

1. reads and checks the file with :func:`lifecycle_lib.data.schema.read_orders` first, so an unusable
   file ends with one :class:`~lifecycle_lib.errors.DataError` before any notebook runs;
2. runs the capstone lesson ``notebooks/12_capstone_your_customers.ipynb`` with papermill in a
   fresh kernel, passing the file and the column options as parameters;
3. converts the executed notebook with nbconvert to HTML without the code cells (plots are
   embedded as images, no script or style is fetched from the network), and
4. writes the page atomically: a failed run never leaves a report file, not even a partial one.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from lifecycle_lib._util.paths import REPO_ROOT

__all__ = ["NOTEBOOK", "report_parameters", "make_report"]

#: The capstone notebook the report is rendered from.
NOTEBOOK = REPO_ROOT / "notebooks" / "12_capstone_your_customers.ipynb"


def report_parameters(
    orders_file=None,
    observation_period_end=None,
    customer_id_col=None,
    datetime_col=None,
    monetary_value_col=None,
    order_col=None,
    product_col=None,
    sheet=None,
) -> dict:
    """The papermill parameters of the capstone notebook for a file and its column options.

    Paths are made absolute (the notebook runs in its own folder); dates are passed as text.

    Parameters
    ----------
    orders_file : str or Path, optional
        The user's orders export; None means the course's sample shop.
    observation_period_end : date-like, optional
        The date of the analysis; None means the day after the last order.
    customer_id_col, datetime_col, monetary_value_col, order_col, product_col : str, optional
        The columns to use when the reader does not recognise them (see
        :func:`lifecycle_lib.data.readers.read_orders`); None lets the reader find them.
    sheet : str, optional
        The Excel sheet to read; None means the first.

    Returns
    -------
    dict
        The parameters by name, as the capstone notebook's parameters cell names them.

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
    }


def _html(nb, title: str) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True)
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    nb.metadata.pop("widgets", None)
    # The report is the lesson without its teaching frame: no navigation, goals, questionnaire or exercise link.
    from lifecycle_lib.tools.site.navigation import is_navigation_cell

    nb.cells = [
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


def _notebook_failure(exc) -> Exception:
    """Turn a failure inside the notebook into the error the command reports."""
    from lifecycle_lib.errors import DataError

    ename = getattr(exc, "ename", "")
    evalue = getattr(exc, "evalue", str(exc))
    if ename == "DataError":  # the message was composed inside the kernel; keep it as it is
        return DataError(str(evalue).rstrip("."))
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
) -> Path:
    """Write the "who is my customer?" report on ``orders_file`` to ``out`` (one HTML file).

    ``orders_file=None`` reports on the course's sample shop. The file is checked first; an
    unusable file raises :class:`~lifecycle_lib.errors.DataError` (the command exits with status 2)
    and no report is written.

    Parameters
    ----------
    orders_file : str or Path, optional
        The user's orders export; None means the course's sample shop.
    out : str or Path
        The HTML file to write; its folder must exist.
    observation_period_end : date-like, optional
        The date of the analysis; None means the day after the last order.
    customer_id_col, datetime_col, monetary_value_col, order_col, product_col : str, optional
        The columns to use when the reader does not recognise them (see
        :func:`lifecycle_lib.data.readers.read_orders`); None lets the reader find them.
    sheet : str, optional
        The Excel sheet to read; None means the first.
    timeout : float
        Seconds each cell of the notebook may run.
    notebook : str or Path, optional
        The notebook to render; None means the capstone lesson.

    Returns
    -------
    Path
        The report file written.

    Examples
    --------
    >>> make_report("no/such/orders.csv", out="never-written.html")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: no/such/orders.csv: the file does not exist. Fix: check the path and the file name; a relative path is read from the folder you run the command in.
    >>> Path("never-written.html").exists()
    False
    """
    from lifecycle_lib.data.schema import DataError, read_orders

    checked = None
    if orders_file is not None:
        checked = read_orders(
            orders_file,
            customer_id_col=customer_id_col,
            datetime_col=datetime_col,
            monetary_value_col=monetary_value_col,
            order_col=order_col,
            product_col=product_col,
            sheet=sheet,
            observation_period_end=observation_period_end,
        )
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

    import nbformat
    import papermill

    params = report_parameters(orders_file, observation_period_end, customer_id_col, datetime_col, monetary_value_col, order_col, product_col, sheet)
    with tempfile.TemporaryDirectory(prefix="lifecycle-report-") as scratch:
        executed = Path(scratch) / notebook.name
        if checked is not None:  # read once: the kernel takes the checked file instead of reading it again
            params["prepared"] = str(Path(scratch) / "checked_orders.pkl")
            import pickle

            with open(params["prepared"], "wb") as fh:
                pickle.dump(checked, fh, protocol=pickle.HIGHEST_PROTOCOL)
            del checked
        try:
            papermill.execute_notebook(
                str(notebook),
                str(executed),
                parameters=params,
                kernel_name="python3",
                cwd=scratch,
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                execution_timeout=timeout,
            )
        except papermill.PapermillExecutionError as exc:
            raise _notebook_failure(exc) from None
        nb = nbformat.read(executed, as_version=4)
    body = _html(nb, title=f"Who is my customer? {Path(orders_file).name if orders_file else 'sample shop'}")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return out
