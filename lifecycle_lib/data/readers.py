"""Reading a user's orders export: :func:`read_orders`, the public face of the data layer.

:func:`read_orders` reads the file (:mod:`~lifecycle_lib.data.files`), recognises the export and
maps its columns (:mod:`~lifecycle_lib.data.layouts`), parses dates and amounts
(:mod:`~lifecycle_lib.data.parsing`), takes out what is not a purchase, and returns an
:class:`OrdersFile`: the clean orders, the returns, and every repair as a :class:`Finding`.

Row numbers in messages and findings are the rows a user sees in a spreadsheet: the header is
row 1, so the first data row is row 2.

A large CSV file is read out of core (``engine="duckdb"``, chosen by ``"auto"`` from
:data:`~lifecycle_lib.data._engine.AUTO_MIN_BYTES`): DuckDB parses the file, finds the duplicate
lines and turns every field into a code of its column's distinct values
(:mod:`~lifecycle_lib.data._engine`); :func:`_read_with_duckdb` then applies the same rules as the
pandas steps below, once per distinct value, and carries them to the lines through the codes.
Both readers share the wording of every finding and message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lifecycle_lib.data import _engine
from lifecycle_lib.data.contracts import ORDERS_FILE_COLUMNS
from lifecycle_lib.data.files import read_table
from lifecycle_lib.data.layouts import (
    LAYOUT_NAMES,
    REVERSED_STATUSES,
    UNPAID_STATUSES,
    _compact,
    _item_columns,
    detect_layout,
    standardise,
)
from lifecycle_lib.data.parsing import _STR, parse_amounts, parse_dates, split_baskets
from lifecycle_lib.errors import MAX_EXAMPLES, DataError, UsageError

# ORDERS_FILE_COLUMNS (from contracts) names every column OrdersFile.orders may have, in order.
__all__ = ["ENGINES", "Finding", "OrdersFile", "read_orders", "read_rates", "ORDERS_FILE_COLUMNS"]

#: The values of ``read_orders(..., engine=...)``.
ENGINES = ("auto", "duckdb", "pandas")


@dataclass
class Finding:
    """One data-quality finding: what was found, how many rows, and what was done about it.

    :func:`read_orders` lists them in :attr:`OrdersFile.findings`; printed, one reads as a sentence.

    Parameters
    ----------
    issue : str
        What was found.
    rows : int
        How many rows it concerns.
    action : str
        What was done about it.
    examples : list of int
        Some of those rows, as a spreadsheet numbers them.

    Examples
    --------
    >>> print(Finding("exact duplicate lines", 2, "kept the first copy, dropped the others", [5, 9]))
    exact duplicate lines: 2 row(s) (e.g. rows 5, 9) -> kept the first copy, dropped the others
    """

    issue: str
    rows: int
    action: str
    examples: list = field(default_factory=list)

    def __str__(self) -> str:
        where = f" (e.g. rows {', '.join(map(str, self.examples[:MAX_EXAMPLES]))})" if self.examples else ""
        return f"{self.issue}: {self.rows:,} row(s){where} -> {self.action}"


@dataclass
class OrdersFile:
    """A user's orders file, read and cleaned by :func:`read_orders`.

    Parameters
    ----------
    file : str
        The file read, or the name given to a DataFrame.
    layout : str
        Which export was recognised (a key of :data:`~lifecycle_lib.data.layouts.LAYOUT_NAMES`;
        :attr:`layout_name` says it in words).
    orders : DataFrame
        One row per order line that counts as a purchase: ``customer_id`` (string), ``order_date``
        (datetime64, naive UTC), ``amount`` (float, what the customer paid for the line, net of
        partial refunds), and where the file has them ``order_id``, ``product``, ``quantity``,
        ``channel``, ``discount_code``, ``promotion``, ``country``. Text is held as Arrow-backed
        strings; the DuckDB reader (``engine="duckdb"``) gives ``customer_id``, ``product``,
        ``discount_code``, ``promotion`` and ``country`` as categoricals of the same values, a few
        bytes per line.
    returns : DataFrame
        Lines taken out as returns, refunds or cancellations, in the same columns (amount positive).
    columns : dict
        Which column of the file became which clean column (and, under ``refunded``, where the
        refunds taken off the orders came from).
    findings : list of Finding
        What was found and done; :attr:`quality` is the same as a DataFrame.
    observation_period_end : Timestamp
        The date the analysis looks from.
    lines_read : int
        How many rows the file had, before anything was taken out.
    currency : str, optional
        The currency of every amount, where the file says it (after conversion with ``rates``, the
        currency whose rate is 1).

    Attributes
    ----------
    layout_name : str
        The recognised export in words, e.g. ``'Shopify orders export'``.
    quality : DataFrame
        The findings as a table.
    customers : int
        How many customers the orders belong to.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "orders.csv")
    >>> _ = open(path, "w").write("client;date;total\\nann;2024-01-05;10,50\\nbob;2024-02-01;20\\n"
    ...                           "ann;2024-03-01;12\\nbob;2024-02-01;20\\n")
    >>> shop = read_orders(path)
    >>> shop
    OrdersFile('orders.csv', layout='a customer / date / amount table')
      4 rows read -> 3 purchase lines, 3 orders, 2 customers
      orders from 2024-01-05 to 2024-03-01, as of 2024-03-02
      columns used: customer_id <- 'client', order_date <- 'date', amount <- 'total'
      data quality (1 finding(s)):
        - exact duplicate lines: 1 row(s) (e.g. rows 5) -> kept the first copy, dropped the others (when identical lines are real repeat purchases, keep them: drop_duplicates=False, command line --keep-duplicate-lines)
    >>> shop.orders["amount"].tolist()
    [10.5, 20.0, 12.0]
    >>> shop.layout, shop.layout_name
    ('plain', 'a customer / date / amount table')
    """

    file: str
    layout: str
    orders: pd.DataFrame
    returns: pd.DataFrame
    columns: dict
    findings: list
    observation_period_end: pd.Timestamp
    lines_read: int = 0
    currency: str | None = None

    @property
    def layout_name(self) -> str:
        """The recognised export in words (``LAYOUT_NAMES[layout]``)."""
        return LAYOUT_NAMES.get(self.layout, self.layout)

    @property
    def quality(self) -> pd.DataFrame:
        """The data-quality findings as a table: issue, rows affected, action taken."""
        return pd.DataFrame(
            [{"issue": f.issue, "rows": f.rows, "action": f.action} for f in self.findings],
            columns=["issue", "rows", "action"],
        )

    @property
    def customers(self) -> int:
        """How many customers the orders belong to."""
        return int(self.orders["customer_id"].nunique())

    def __repr__(self) -> str:
        o = self.orders
        n_orders = o["order_id"].nunique() if "order_id" in o else len(o)
        lines = [
            f"OrdersFile({Path(self.file).name!r}, layout={self.layout_name!r})",
            f"  {self.lines_read:,} rows read -> {len(o):,} purchase lines, {n_orders:,} orders, "
            f"{self.customers:,} customers",
            f"  orders from {o['order_date'].min():%Y-%m-%d} to {o['order_date'].max():%Y-%m-%d}, "
            f"as of {self.observation_period_end:%Y-%m-%d}",
            "  columns used: " + ", ".join(f"{k} <- {v!r}" for k, v in self.columns.items()),
        ]
        if self.currency:
            lines.insert(3, f"  amounts in {self.currency}")
        if self.findings:
            lines.append(f"  data quality ({len(self.findings)} finding(s)):")
            lines += [f"    - {f}" for f in self.findings]
        else:
            lines.append("  data quality: nothing to report")
        return "\n".join(lines)


def read_orders(
    path,
    customer_id_col=None,
    datetime_col=None,
    monetary_value_col=None,
    order_col=None,
    product_col=None,
    sheet=None,
    observation_period_end=None,
    name=None,
    currency_col=None,
    rates=None,
    drop_duplicates=True,
    engine="auto",
) -> OrdersFile:
    """Read a user's orders export, recognise its layout, clean it, and report what was repaired.

    Recognised without options: the course's own orders columns; Shopify's orders export (order
    totals spread over line items, refunded and voided orders taken out, partial refunds netted);
    WooCommerce order exports, one row per product (as "Advanced Order Export For WooCommerce"
    writes them, with ``Order Refund Amount``) or one row per order with the line items packed into
    ``line_item_1``, ``line_item_2`` ... or ``line_items`` cells (each read into a line of its
    own); the WooCommerce Analytics orders export (``Net Sales``, refund rows merged into their
    orders, ``Product(s)`` baskets split); the UCI "Online Retail" invoices (amount = Quantity x
    UnitPrice, 'C' invoices and negative quantities are returns); and any table with a customer, a
    date and an amount under a common name in English, German, Spanish, French, Czech or Russian.
    The customer is an e-mail or a customer id wherever the file has one; a file with only names
    is read by name, and the findings say so.

    Refunds are taken off their orders: a refund equal to the order takes it out as a return, a
    refund larger than the order is refused. A product cell listing a basket (``2× Dog bed, 1×
    Chew toy``, ``Dog bed x 2``, ``Dog bed (2)``) becomes one line per product with its quantity.

    Unusable input raises :class:`DataError`; usable but dirty data (duplicate lines, returns,
    missing customer ids, dates after ``observation_period_end``, time zones) is cleaned and listed in ``.quality``.

    Parameters
    ----------
    path : str, Path or DataFrame
        The orders file (CSV, Excel .xlsx or Parquet), or a frame such as the course's sample orders.
    customer_id_col : str, optional
        The column that identifies the customer (an id or an email), when its name is not recognised.
    datetime_col : str, optional
        The column with the order dates.
    monetary_value_col : str, optional
        The column with the amounts; naming it stops an order total from being spread over its lines.
    order_col : str, optional
        The column with the order ids.
    product_col : str, optional
        The column with the products.
    sheet : str, optional
        The sheet of an Excel workbook; by default every sheet with the first one's header (the
        data-quality findings name the sheets read and those left out).
    observation_period_end : str or Timestamp, optional
        The date the analysis looks from; orders on or after it are left out. By default the day
        after the last order.
    name : str, optional
        What to call a DataFrame ``path`` in messages (default ``"the orders table"``).
    currency_col : str, optional
        The column with each order's currency, when its name is not recognised.
    rates : str, Path or dict, optional
        Exchange rates for a file in several currencies: a dict ``{currency: rate}`` or a CSV file
        with columns ``currency`` and ``rate``, the rate being what one unit is worth in the
        currency to report in (whose own rate is 1). Without it, a file in several currencies is
        refused: amounts in different currencies are never added.
    drop_duplicates : bool, default True
        Drop exact duplicate lines (an export written twice); False keeps them, for logs where two
        identical lines are two real purchases.
    engine : {"auto", "duckdb", "pandas"}, default "auto"
        How a CSV file is read. ``"duckdb"`` reads it out of core (:mod:`~lifecycle_lib.data._engine`:
        DuckDB parses the file in a memory-capped database that spills to a temporary folder, and
        the rules run once per distinct value), for files larger than memory; ``"pandas"`` reads
        it into memory; ``"auto"`` takes DuckDB for CSV files of at least
        :data:`~lifecycle_lib.data._engine.AUTO_MIN_BYTES` bytes. Both give the same result. The
        DuckDB reader handles plain tables and the course's own columns; any other export, Excel,
        Parquet and DataFrames are read with pandas, and with ``"duckdb"`` a finding says so.

    Returns
    -------
    OrdersFile
        The clean orders and returns, the columns used, and the findings.

    Raises
    ------
    DataError
        When the file cannot be read or holds no usable orders; the message names the file, the
        column, the rows and the fix.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "orders.csv")
    >>> _ = open(path, "w").write(
    ...     "client;date;total\\nann;2024-01-05;10,50\\nbob;2024-02-01;20\\nann;2024-03-01;-10,50\\n"
    ...     "bob;2024-02-01;20\\n;2024-03-03;5\\n")
    >>> result = read_orders(path)
    >>> result.orders[["customer_id", "amount"]].values.tolist()
    [['ann', 10.5], ['bob', 20.0]]
    >>> result.quality["issue"].tolist()
    ['exact duplicate lines', 'missing customer id', 'returns, refunds or cancellations (negative amounts)']
    >>> duck = read_orders(path, engine="duckdb")  # the same, read out of core (customers as a categorical)
    >>> duck.orders[["customer_id", "amount"]].values.tolist(), duck.findings == result.findings
    ([['ann', 10.5], ['bob', 20.0]], True)
    """
    if engine not in ENGINES:
        raise UsageError(f"engine={engine!r} is not one of {', '.join(map(repr, ENGINES))}")
    named = {
        "customer_id": customer_id_col,
        "order_date": datetime_col,
        "amount": monetary_value_col,
        "order_id": order_col,
        "product": product_col,
        "currency": currency_col,
    }
    why_pandas = None
    if engine == "duckdb" or (engine == "auto" and _engine.worth_it(path)):
        if isinstance(path, pd.DataFrame):
            why_pandas = "the DuckDB reader reads CSV files, and this is a table already in memory"
        else:
            try:
                return _read_with_duckdb(path, named, observation_period_end, rates, drop_duplicates)
            except _engine.Unsupported as exc:
                why_pandas = str(exc)
            finally:
                _engine.release_memory()  # what the reading used, now free, goes back before the analysis
    if isinstance(path, pd.DataFrame):
        file = str(name or "the orders table")
        raw = path.reset_index(drop=True)
    else:
        file = str(path)
        raw = read_table(path, sheet)
    _check_table(raw, file)
    lines_read = len(raw)
    findings: list[Finding] = []
    if why_pandas is not None and engine == "duckdb":
        findings.append(_pandas_finding(lines_read, why_pandas))
    sheets = raw.attrs.get("sheets") if not isinstance(path, pd.DataFrame) else None
    if sheets and (len(sheets["read"]) > 1 or sheets["other"]):
        read = ", ".join(repr(n) for n in sheets["read"])
        action = (
            f"read the sheets {read} one after the other (same header; row numbers count on from one sheet to the next)"
            if len(sheets["read"]) > 1
            else f"read the sheet {read}"
        )
        if sheets["other"]:
            action += (
                f"; left out {', '.join(repr(n) for n in sheets['other'])}, whose header differs (name one with "
                f"sheet=..., command line --sheet NAME)"
            )
        findings.append(Finding("workbook sheets", lines_read, action))
    raw = raw.reset_index(drop=True)
    row_no = pd.Series(np.arange(len(raw)) + 2, name="_row")

    dup = raw.duplicated(keep="first").to_numpy()
    if dup.any():
        findings.append(_duplicates_finding(int(dup.sum()), list(row_no[dup].head(MAX_EXAMPLES)), drop_duplicates))
    if dup.any() and drop_duplicates:
        raw = raw[~dup]
        row_no = row_no[~dup]
    found = standardise(raw, named, file=file, rows=row_no.to_numpy())
    layout, std, used, status, refunded, amount_computed = (
        found.layout,
        found.frame,
        found.columns,
        found.status,
        found.refunded,
        found.amount_computed,
    )
    if amount_computed:
        findings.append(Finding("amount computed", len(raw), f"amount = {used['amount']} for every line"))
    # a row of the file may have become several lines (packed line items) or been merged into another
    std["_row"] = row_no.loc[std.index].to_numpy()
    std = std.reset_index(drop=True)
    status = None if status is None else status.reset_index(drop=True)
    refunded = None if refunded is None else refunded.reset_index(drop=True)
    if layout == "woocommerce_items":
        findings.append(
            Finding(
                "line items packed into cells",
                int(std["_row"].nunique()),
                f"read every line item of {used['product'].split(' (')[0]} into a line of its own "
                f"({len(std):,} lines), each with its order's customer and date",
            )
        )
    for issue, labels, action in found.notes:
        findings.append(Finding(issue, len(labels), action, list(row_no.loc[labels][:MAX_EXAMPLES])))
    if found.customer_kind == "name":
        findings.append(_name_only_finding(len(std), used["customer_id"]))

    # -- status-based reversals (refunded / cancelled / failed orders) ---------------------------------
    returns_parts = []
    if status is not None:
        unpaid = status.isin(UNPAID_STATUSES).fillna(False).to_numpy()
        if unpaid.any():
            std = _set_aside(std, unpaid, findings, *_aside("unpaid", what=_counts_text(status[unpaid])))
            status = status[~unpaid]
            if refunded is not None:
                refunded = refunded[~unpaid]
        reversed_mask = status.isin(REVERSED_STATUSES).fillna(False).to_numpy()
        if reversed_mask.any():
            std = _set_aside(
                std,
                reversed_mask,
                findings,
                *_aside("reversed", what=_counts_text(status[reversed_mask])),
                returns_parts,
            )
            if refunded is not None:
                refunded = refunded[~reversed_mask]

    # -- dates -----------------------------------------------------------------------------------------
    notes: list[str] = []
    date_src = used["order_date"]
    no_date = _blank(std["order_date"])
    if no_date.all():
        raise _all_empty("order_date", file, date_src)
    if no_date.any():
        std = _set_aside(std, no_date, findings, *_aside("no_date"))
        if refunded is not None:
            refunded = refunded[~no_date]
    std["order_date"] = parse_dates(
        std["order_date"], column=date_src, file=file, rows=std["_row"].to_numpy(), notes=notes
    ).to_numpy()
    findings += [_date_note(len(std), note) for note in notes]

    # -- amounts ---------------------------------------------------------------------------------------
    amount_src = used["amount"]
    if not pd.api.types.is_float_dtype(std["amount"].dtype) or std["amount"].dtype == object:
        std["amount"] = parse_amounts(
            std["amount"], column=amount_src, file=file, rows=std["_row"].to_numpy()
        ).to_numpy()
    if refunded is not None:
        refund_src = str(refunded.name)
        ref = parse_amounts(refunded, column=refund_src, file=file, rows=std["_row"].to_numpy()).fillna(0)
        deduct = std["_refund_share"].to_numpy() * np.abs(ref.to_numpy())  # some exports write refunds negative
        std = _net_refunds(std, deduct, findings, file, refund_src, refunded.astype(object).to_numpy(), returns_parts)
    no_amount = std["amount"].isna().to_numpy()
    if no_amount.all():
        raise _all_empty("amount", file, amount_src)
    if no_amount.any():
        std = _set_aside(std, no_amount, findings, *_aside("no_amount"))
    std, currency = _one_currency(std, rates, findings, file, used.get("currency"))

    # -- customers -------------------------------------------------------------------------------------
    std["customer_id"] = _clean_ids(std["customer_id"]).to_numpy()
    no_customer = std["customer_id"].isna().to_numpy()
    if no_customer.all():
        raise _all_empty("customer_id", file, used["customer_id"])
    if no_customer.any():
        std = _set_aside(std, no_customer, findings, *_aside("no_customer", money=std["amount"][no_customer].sum()))

    # -- returns as negative lines -----------------------------------------------------------------------
    negative = (std["amount"] < 0).to_numpy().copy()
    if "_is_return" in std:
        negative = negative | std["_is_return"].to_numpy(dtype=bool)
    if negative.any():
        issue, action = _aside("negative", money=-std["amount"][negative].clip(upper=0).sum())
        if layout == "uci":
            issue = "cancellations and returns ('C' invoices, negative quantities)"
        std = _set_aside(std, negative, findings, issue, action, returns_parts)
    if "_returned" in std:
        ret = std["_returned"].fillna(False).to_numpy(dtype=bool)
        if ret.any():
            std = _set_aside(std, ret, findings, *_aside("returned"), returns_parts)

    if std.empty:
        raise _nothing_left(file, amount_src)

    # -- observation_period_end and future dates ----------------------------------------------------------------------------
    as_of_ts = _observation_end(std, observation_period_end, file, date_src)
    future = (std["order_date"] >= as_of_ts).to_numpy()
    if future.any():
        std = _set_aside(std, future, findings, *_aside("future", as_of=as_of_ts))

    _check_usable(std, file, used["customer_id"], date_src)
    returned = pd.concat(returns_parts) if returns_parts else std.iloc[0:0]
    split = split_returns = (0, 0, 0, [])
    if layout in ("woocommerce_analytics", "plain"):  # exports of one row per order (the others: one per product)
        std, split = _split_baskets(std, used.get("product"), file)
        returned, split_returns = _split_baskets(returned, used.get("product"), file)
    if split[0] or split_returns[0]:
        cells, lines, priced = split[0] + split_returns[0], split[1] + split_returns[1], split[2] + split_returns[2]
        examples = sorted(split[3] + split_returns[3])[:MAX_EXAMPLES]
        findings.append(
            Finding(
                "baskets in one product cell (revenue per product estimated)",
                cells,
                f"split into {lines:,} product lines with their quantities (purchases and returns). The file gives one "
                f"amount per basket: it is shared out by the price each product fetched where it was bought alone in this "
                f"file ({priced:,} of the {lines:,} lines), and by quantity where it never was, so each order's and "
                "customer's money is unchanged but revenue per product is an estimate",
                examples,
            )
        )
    orders = _finish(std)
    returns = _finish(returned)
    returns["amount"] = returns["amount"].abs()
    return OrdersFile(
        file=file,
        layout=layout,
        orders=orders,
        returns=returns,
        columns=dict(used),
        findings=findings,
        observation_period_end=as_of_ts,
        lines_read=lines_read,
        currency=currency,
    )


# --------------------------------------------------------------------------------------------
# The steps of read_orders
# --------------------------------------------------------------------------------------------


def _pandas_finding(lines: int, why: str) -> Finding:
    return Finding(
        "read with pandas, not DuckDB",
        lines,
        f"{why}, so the file was read in memory with pandas (the same rules and the same result, but a file "
        "larger than memory may not fit)",
    )


# --------------------------------------------------------------------------------------------
# The DuckDB reader: the same steps on integer codes of distinct values
# --------------------------------------------------------------------------------------------

_CODED_KEYS = (
    "customer_id",
    "order_date",
    "amount",
    "order_id",
    "product",
    "quantity",
    "channel",
    "discount_code",
    "promotion",
    "country",
    "currency",
)
_TEXT_KEYS = ("order_id", "product", "channel", "discount_code", "promotion", "country")
# Columns the DuckDB reader returns as categoricals (a small integer per line); order ids are mostly distinct,
# and the report fills in missing channels with a word of its own, so those two stay text.
_CATEGORY_KEYS = ("customer_id", "product", "discount_code", "promotion", "country")


def _at(per_code: np.ndarray, codes: np.ndarray, missing) -> np.ndarray:
    """The value of each line from the values of its code (``missing`` for code -1, an empty field)."""
    return np.concatenate([np.array([missing], dtype=per_code.dtype), per_code])[codes + 1]


def _with_missing(values: pd.Series) -> pd.Series:
    """The distinct values with a missing one in front, so that ``code + 1`` indexes them."""
    return pd.concat([pd.Series([None], dtype=values.dtype), values], ignore_index=True)


def _text_column(per_code: pd.Series, codes: np.ndarray) -> pd.Series:
    """``per_code[codes]`` as Arrow-backed text (missing for -1) without a Python object per line."""
    import pyarrow as pa

    values = pa.array(per_code.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    values = pa.concat_arrays([pa.nulls(1, pa.large_string()), values])
    return pd.Series(pd.arrays.ArrowStringArray(values.take(pa.array(codes + np.int32(1)))))


def _category_column(per_code: pd.Series, codes: np.ndarray) -> pd.Series:
    """``per_code[codes]`` as a categorical of the values present (categories sorted; missing for -1 and NA)."""
    used = pd.unique(codes[codes >= 0])
    merged, uniques = pd.factorize(per_code.iloc[used].reset_index(drop=True))
    uniques = pd.Index(uniques, dtype=_STR)
    by_name = uniques.argsort()
    rank = np.empty(len(uniques), dtype=np.int32)
    rank[by_name] = np.arange(len(uniques), dtype=np.int32)
    lookup = np.full(len(per_code) + 1, -1, dtype=np.int32)
    lookup[used + 1] = np.where(merged >= 0, rank[np.maximum(merged, 0)], -1)
    return pd.Series(pd.Categorical.from_codes(lookup[codes + 1], categories=uniques.take(by_name)))


def _sample(csv) -> pd.DataFrame:
    """What :func:`standardise` looks at in each column: the first 2,000 distinct values, as in the whole file."""
    columns = {}
    for col in csv.columns:
        values = csv.head[col].reset_index(drop=True)
        if csv.lines > len(csv.head):
            text = values.dropna().astype(str).str.strip()
            if text[text != ""].nunique() < 2000:
                limit = 4000
                while True:
                    first = csv.first_values(col, limit)
                    text = pd.Series(first, dtype=object).astype(str).str.strip()
                    if text[text != ""].nunique() >= 2000 or len(first) < limit:
                        break
                    limit *= 4
                values = pd.Series(first, dtype=str)
        columns[col] = values
    length = max(len(v) for v in columns.values())
    return pd.DataFrame({c: v.reindex(range(length)) for c, v in columns.items()})


def _duckdb_reads(head: pd.DataFrame) -> None:
    """Turn down, from its first lines, a file the DuckDB reader does not handle (before DuckDB reads it all)."""
    if _item_columns(head.columns):
        raise _engine.Unsupported("the DuckDB reader does not split line items packed in cells")
    layout = detect_layout(head)
    if layout not in ("plain", "course"):
        raise _engine.Unsupported(
            f"the DuckDB reader handles plain tables and the course's own columns, and this file was recognised as: "
            f"{LAYOUT_NAMES[layout]}"
        )


def _standardise_sample(sample: pd.DataFrame, named: dict, file: str):
    """:func:`standardise` on a sample; an error about values (not about the header) means: let pandas say it."""
    try:
        return standardise(sample, named, file=file)
    except DataError as exc:
        if exc.rows or exc.values:
            raise _engine.Unsupported("a column's values need the whole file in memory to be checked") from None
        raise


def _raise_at_lines(
    exc: DataError,
    order: np.ndarray,
    codes: np.ndarray,
    alive: np.ndarray,
    rows: np.ndarray,
    values: pd.Series,
    file: str,
):
    """``exc`` raised on distinct values, raised again naming the file's lines that hold them, as pandas would."""
    bad = order[np.asarray(exc.rows, dtype=np.int64)]
    lines = alive & np.isin(codes, bad)
    first = np.flatnonzero(lines)[:MAX_EXAMPLES]
    raise DataError(
        exc.problem,
        file=file,
        column=exc.column,
        rows=rows[lines].tolist(),
        values=list(_with_missing(values).iloc[codes[first] + 1]),
        fix=exc.fix,
    ) from None


def _read_with_duckdb(path, named: dict, observation_period_end, rates, drop_duplicates: bool) -> OrdersFile:
    """:func:`read_orders` of a CSV file through DuckDB (see :mod:`~lifecycle_lib.data._engine`): the same result.

    DuckDB reads the file, finds the duplicate lines and turns each field into a code of its
    column's distinct values; every rule below is the pandas reader's own, applied to the distinct
    values and carried to the lines by their codes. What this reader does not handle raises
    :class:`~lifecycle_lib.data._engine.Unsupported`, and :func:`read_orders` reads the file with pandas.
    """
    file = str(path)
    with _engine.CsvLines(path, check=_duckdb_reads) as csv:
        findings: list[Finding] = []
        count, examples = csv.duplicates()
        if count:
            findings.append(_duplicates_finding(count, examples, drop_duplicates))
        sample = _sample(csv)
        found = _standardise_sample(sample, named, file)
        layout, used = found.layout, dict(found.columns)
        if layout not in ("plain", "course"):
            raise _engine.Unsupported(
                f"the DuckDB reader handles plain tables and the course's own columns, and this file "
                f"was recognised as: {LAYOUT_NAMES[layout]}"
            )
        if found.amount_computed or found.refunded is not None or found.notes:
            raise _engine.Unsupported("the DuckDB reader does not compute amounts or take refunds off orders")
        if used["customer_id"] not in csv.columns:
            raise _engine.Unsupported("the DuckDB reader does not join first and last names")
        keys = {key: used[key] for key in _CODED_KEYS if key in used}
        status_col = None if found.status is None else str(found.status.name)
        returned_col = (
            next((c for c in csv.columns if _compact(c) == "returned"), None) if "_returned" in found.frame else None
        )
        coded = csv.encode([*keys.values(), *[c for c in (status_col, returned_col) if c]], drop_duplicates)
        lines_read = csv.lines
    rows = coded.pop("_row")

    # What standardise makes of statuses, packed coupon codes and the returned flag: run it on their distinct values.
    overrides = {col: coded[col][1] for col in (status_col, keys.get("discount_code"), returned_col) if col}
    mapped = found
    if overrides:
        length = max([len(sample), *map(len, overrides.values())])
        frame = sample.reindex(range(length))
        for col, values in overrides.items():
            frame[col] = values.reindex(range(length))
        mapped = _standardise_sample(frame, named, file)
        if mapped.layout != layout or dict(mapped.columns) != used:
            raise _engine.Unsupported("the file's columns read differently in its later lines")

    n = len(rows)
    alive = np.ones(n, dtype=bool)
    stage = np.zeros(n, dtype=np.int8)  # 0: a purchase; else the step that took the line out

    def set_aside(mask, issue, action, step):
        mask = mask & alive
        findings.append(Finding(issue, int(mask.sum()), action, rows[np.flatnonzero(mask)[:MAX_EXAMPLES]].tolist()))
        alive[mask] = False
        stage[mask] = step

    if found.customer_kind == "name":
        findings.append(_name_only_finding(n, used["customer_id"]))

    # -- statuses ---------------------------------------------------------------------------------------
    if status_col is not None:
        codes = coded[status_col][0]
        status = mapped.status.iloc[: len(coded[status_col][1])].reset_index(drop=True)
        for step, kind, statuses in ((1, "unpaid", UNPAID_STATUSES), (2, "reversed", REVERSED_STATUSES)):
            mask = _at(status.isin(statuses).fillna(False).to_numpy(dtype=bool), codes, False) & alive
            if mask.any():
                shown = _with_missing(status).iloc[codes[mask] + 1].reset_index(drop=True)
                set_aside(mask, *_aside(kind, what=_counts_text(shown)), step)

    # -- dates -------------------------------------------------------------------------------------------
    date_src = used["order_date"]
    date_codes, date_values = coded[keys["order_date"]]
    no_date = _at(_blank(date_values), date_codes, True)
    if not (alive & ~no_date).any():
        raise _all_empty("order_date", file, date_src)
    if (alive & no_date).any():
        set_aside(no_date, *_aside("no_date"), 3)
    order = pd.unique(date_codes[alive])
    notes: list[str] = []
    try:
        parsed = parse_dates(
            date_values.iloc[order].reset_index(drop=True),
            column=date_src,
            file=file,
            rows=np.arange(len(order)),
            notes=notes,
        )
    except DataError as exc:
        _raise_at_lines(exc, order, date_codes, alive, rows, date_values, file)
    per_date = np.full(len(date_values), np.datetime64("NaT"), dtype="datetime64[ns]")
    per_date[order] = parsed.to_numpy(dtype="datetime64[ns]")
    line_date = _at(per_date, date_codes, np.datetime64("NaT"))
    findings += [_date_note(int(alive.sum()), note) for note in notes]

    # -- amounts -----------------------------------------------------------------------------------------
    amount_src = used["amount"]
    amount_codes, amount_values = coded[keys["amount"]]
    order = pd.unique(amount_codes[alive])
    try:
        parsed = parse_amounts(
            _with_missing(amount_values).iloc[order + 1].reset_index(drop=True),
            column=amount_src,
            file=file,
            rows=np.arange(len(order)),
        )
    except DataError as exc:
        _raise_at_lines(exc, order, amount_codes, alive, rows, amount_values, file)
    per_amount = np.full(len(amount_values) + 1, np.nan)
    per_amount[order + 1] = parsed.to_numpy(dtype="float64")
    line_amount = per_amount[amount_codes + 1]
    no_amount = np.isnan(line_amount)
    if not (alive & ~no_amount).any():
        raise _all_empty("amount", file, amount_src)
    if (alive & no_amount).any():
        set_aside(no_amount, *_aside("no_amount"), 4)
    currency = None
    if "currency" in keys:
        codes, values = coded[keys["currency"]]
        live = np.flatnonzero(alive)
        lines = pd.DataFrame(
            {
                "currency": pd.Series(_with_missing(values).to_numpy(dtype=object)[codes[live] + 1], dtype=str),
                "amount": line_amount[live],
                "_row": rows[live],
            }
        )
        kept, currency = _one_currency(lines, rates, findings, file, used.get("currency"))
        dropped = np.ones(len(live), dtype=bool)
        dropped[kept.index.to_numpy()] = False
        alive[live[dropped]] = False
        stage[live[dropped]] = 5
        line_amount[live[~dropped]] = kept["amount"].to_numpy(dtype="float64")

    # -- customers ---------------------------------------------------------------------------------------
    customer_codes, customer_values = coded[keys["customer_id"]]
    clean, customers = pd.factorize(_clean_ids(customer_values))
    line_customer = _at(clean.astype(np.int32), customer_codes, -1)
    no_customer = line_customer < 0
    if not (alive & ~no_customer).any():
        raise _all_empty("customer_id", file, used["customer_id"])
    if (alive & no_customer).any():
        set_aside(no_customer, *_aside("no_customer", money=pd.Series(line_amount[alive & no_customer]).sum()), 6)

    # -- returns as negative lines, and lines marked returned ---------------------------------------------
    negative = alive & (line_amount < 0)
    if negative.any():
        set_aside(negative, *_aside("negative", money=-pd.Series(line_amount[negative]).clip(upper=0).sum()), 7)
    if returned_col is not None:
        flag = mapped.frame["_returned"].iloc[: len(coded[returned_col][1])].fillna(False).to_numpy(dtype=bool)
        marked = _at(flag, coded[returned_col][0], False) & alive
        if marked.any():
            set_aside(marked, *_aside("returned"), 8)
    if not alive.any():
        raise _nothing_left(file, amount_src)

    # -- observation_period_end, future dates, enough data --------------------------------------------------
    dates = line_date[alive]
    first, last = dates.min(), dates.max()
    first_row = rows[alive][dates == first][0]
    as_of_ts = _observation_end(
        pd.DataFrame({"order_date": [first, last], "_row": [first_row, first_row]}),
        observation_period_end,
        file,
        date_src,
    )
    del dates
    future = alive & (line_date >= as_of_ts.to_datetime64())
    if future.any():
        set_aside(future, *_aside("future", as_of=as_of_ts), 9)
    live = np.flatnonzero(alive)
    head = live[:MAX_EXAMPLES]
    days = pd.Series(per_date[pd.unique(date_codes[live])]).dt.normalize().nunique()
    _check_usable(
        pd.DataFrame(
            {"customer_id": customers.take(line_customer[head]), "order_date": line_date[head], "_row": rows[head]}
        ),
        file,
        used["customer_id"],
        date_src,
        customers=len(pd.unique(line_customer[live])),
        days=days,
    )
    parts = [np.flatnonzero(stage == step) for step in (2, 7, 8)]  # in the order they were taken out

    if layout == "plain" and "product" in keys:  # baskets in product cells: pandas shares their amounts out
        codes, values = coded[keys["product"]]
        listed = pd.unique(codes[np.concatenate([live, *parts])])
        try:
            baskets = split_baskets(values.iloc[listed[listed >= 0]].reset_index(drop=True))
        except DataError:
            baskets = None
        if baskets is None or not baskets.empty:
            raise _engine.Unsupported("the DuckDB reader does not split product cells that list a basket")

    # -- the clean tables ----------------------------------------------------------------------------------
    text = {}
    for key in _TEXT_KEYS:
        if key in keys:
            values = (
                mapped.frame["discount_code"].iloc[: len(coded[keys[key]][1])].reset_index(drop=True)
                if key == "discount_code"
                else coded[keys[key]][1]
            )
            text[key] = _clean_text(values)
    customer_text = pd.concat([customers.to_series(), customer_values], ignore_index=True)  # clean, then as written

    line = {"order_date": line_date, "amount": line_amount, "customer_id": line_customer}
    del line_date, line_amount, line_customer, no_date, no_amount, no_customer, negative, future
    alive = stage = rows = None  # the lines are ``live`` and ``parts`` now

    def table(index, raw_lines=0, last=False):
        """The clean columns of the lines ``index``, by date; the first ``raw_lines`` were taken out before parsing.

        Those are read as the pandas reader's ``_finish`` reads them: dates and amounts parsed on
        their own, customers as written. ``last``: each line's values are freed once used.
        """
        first = index[:raw_lines]
        columns = {}
        for key in ("order_date", "amount", "customer_id"):
            values = line.pop(key) if last else line[key]
            columns[key] = values[index]
            del values
            if not raw_lines:
                continue
            codes, values = coded[keys[key]]
            if key == "customer_id":  # as written: codes after the clean customers'
                columns[key][:raw_lines] = np.where(codes[first] < 0, -1, len(customers) + codes[first])
                continue
            order = pd.unique(codes[first])
            try:
                parsed = (parse_dates if key == "order_date" else parse_amounts)(
                    _with_missing(values).iloc[order + 1].reset_index(drop=True)
                )
            except DataError:
                raise _engine.Unsupported("a returned order's date or amount cannot be read") from None
            lookup = np.empty(len(values) + 1, dtype=columns[key].dtype)
            lookup[order + 1] = parsed.to_numpy(dtype=lookup.dtype)
            columns[key][:raw_lines] = lookup[codes[first] + 1]
        when = columns["order_date"].view(np.int64).copy()
        when[np.isnat(columns["order_date"])] = np.iinfo(np.int64).max  # missing dates last, as sort_values puts them
        by_date = np.argsort(when, kind="stable")
        del when
        index = index[by_date]
        out = {}
        for key in ("customer_id", "order_date", "amount"):
            values = columns.pop(key)[by_date]
            out[key] = _category_column(customer_text, values) if key == "customer_id" else values
            del values
        del by_date
        for key in ORDERS_FILE_COLUMNS[3:]:
            if key not in keys:
                continue
            codes, values = coded[keys[key]]
            if key in text:
                out[key] = (_category_column if key in _CATEGORY_KEYS else _text_column)(text[key], codes[index])
            elif key == "quantity":
                order = pd.unique(codes[index])
                number = pd.to_numeric(_with_missing(values).iloc[order + 1].reset_index(drop=True), errors="coerce")
                lookup = np.zeros(len(values) + 1, dtype=number.dtype)
                lookup[order + 1] = number.to_numpy()
                out[key] = lookup[codes[index] + 1]
            if last:
                coded[keys[key]] = (None, values)
        return pd.DataFrame({c: out.pop(c) for c in ORDERS_FILE_COLUMNS if c in out}, copy=False)

    returns = table(np.concatenate(parts), raw_lines=len(parts[0]))
    returns["amount"] = returns["amount"].abs()
    for key in ("order_date", "amount", "customer_id"):  # codes needed only for the returns taken out early
        coded[keys[key]] = (None, coded[keys[key]][1])
    orders = table(live, last=True)
    return OrdersFile(
        file=file,
        layout=layout,
        orders=orders,
        returns=returns,
        columns=used,
        findings=findings,
        observation_period_end=as_of_ts,
        lines_read=lines_read,
        currency=currency,
    )


# What the findings say, once for both readers (pandas and DuckDB): (issue, action) of each kind of
# line taken out, filled in with str.format.
_ASIDE = {
    "unpaid": ("orders not paid ({what})", "left out: an order is a sale once it is paid"),
    "reversed": (
        "refunded, cancelled or failed orders ({what})",
        "taken out of the purchases and listed with the returns",
    ),
    "no_date": ("missing order date", "dropped these lines"),
    "no_amount": ("missing amount", "dropped these lines"),
    "no_customer": ("missing customer id", "dropped these lines ({money:,.2f} of sales nobody can be credited with)"),
    "negative": (
        "returns, refunds or cancellations (negative amounts)",
        "taken out of the purchases ({money:,.2f} returned) and listed with the returns",
    ),
    "returned": ("lines marked returned", "taken out of the purchases and listed with the returns"),
    "future": (
        "dates on or after observation_period_end {as_of:%Y-%m-%d}",
        "left out of the analysis (orders in the future of the chosen date)",
    ),
}

# The fix when a required column has no value at all.
_ALL_EMPTY = {
    "order_date": (
        "every date cell is empty",
        "pass datetime_col=... (command line: --datetime-col) naming the column with the order dates",
    ),
    "amount": (
        "every amount cell is empty",
        "pass monetary_value_col=... (command line: --monetary-value-col) naming the column with the order amounts",
    ),
    "customer_id": (
        "every customer id cell is empty",
        "pass customer_id_col=... (command line: --customer-id-col) "
        "naming the column that identifies the customer (an id or an email)",
    ),
}


def _aside(kind: str, **numbers) -> tuple[str, str]:
    """The issue and action of a finding about lines taken out (a key of ``_ASIDE``), filled in."""
    issue, action = _ASIDE[kind]
    return issue.format(**numbers), action.format(**numbers)


def _all_empty(key: str, file, column) -> DataError:
    problem, fix = _ALL_EMPTY[key]
    return DataError(problem, file=file, column=column, fix=fix)


def _nothing_left(file, column) -> DataError:
    return DataError(
        "no purchases are left after taking out returns, cancellations and unusable lines",
        file=file,
        column=column,
        fix="check that the file holds sales, not only refunds, and that amounts are positive",
    )


def _duplicates_finding(count: int, examples: list, dropped: bool) -> Finding:
    action = (
        "kept the first copy, dropped the others (when identical lines are real repeat purchases, keep them: "
        "drop_duplicates=False, command line --keep-duplicate-lines)"
        if dropped
        else "kept, each as a purchase of its own (as asked)"
    )
    return Finding("exact duplicate lines", count, action, examples)


def _name_only_finding(lines: int, column) -> Finding:
    return Finding(
        "customers identified by name only (names are not unique)",
        lines,
        f"the file has no e-mail or customer id column, so orders are grouped by the name in {column!r}: two customers "
        "with the same name count as one, and one customer whose name is written two ways counts as two. Export the "
        "orders with the customer's e-mail or id for exact counts (or name that column: customer_id_col=..., command "
        "line --customer-id-col)",
    )


def _date_note(lines: int, note: str) -> Finding:
    return Finding("date format", lines, note)


def _counts_text(statuses: pd.Series) -> str:
    """``"pending 3, on-hold 1"``: how many lines have each status, most first."""
    return ", ".join(f"{k} {v:,}" for k, v in statuses.value_counts().items())


def _blank(values: pd.Series) -> np.ndarray:
    """Which cells are empty or only spaces."""
    return (values.isna() | values.astype(_STR).str.strip().eq("").fillna(False)).to_numpy(dtype=bool)


def _check_table(raw: pd.DataFrame, file: str) -> None:
    """A table of orders has at least two columns and one row."""
    if len(raw.columns) < 2:
        only = repr(str(raw.columns[0])) if len(raw.columns) else "none"
        raise DataError(
            f"this is not a table of orders: only one column was found ({only})",
            file=file,
            fix="save the file with a comma, semicolon or tab between columns, with a customer, a date and an amount "
            "column",
        )
    if raw.empty:
        raise DataError(
            "the file has a header but no rows (columns found: "
            + ", ".join(repr(str(c)) for c in raw.columns[:30])
            + ")",
            file=file,
            fix="export the orders again including the order rows, or choose a longer date range in the export",
        )


def read_rates(rates, file=None) -> dict:
    """Exchange rates from a dict or a CSV file of columns ``currency`` and ``rate``, checked.

    Parameters
    ----------
    rates : dict, str or Path
        ``{currency: rate}``, or the CSV file.
    file : str, optional
        The orders file, for messages.

    Returns
    -------
    dict of str to float
        Rates by upper-case currency code; exactly one of them is 1 (the currency to report in).

    Raises
    ------
    DataError
        When the file cannot be read, a rate is not a positive number, or no currency has the rate 1.

    Examples
    --------
    >>> read_rates({"eur": 1, "USD": "0.92"})
    {'EUR': 1.0, 'USD': 0.92}
    >>> read_rates({"EUR": 0.5, "USD": 0.92})
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: the rates: column 'rate': no currency has the rate 1, so the currency to report in is unknown. ...
    """
    where = "the rates"
    if not isinstance(rates, dict):
        where = str(rates)
        try:
            table = pd.read_csv(rates, dtype=str, keep_default_na=False)
        except (OSError, ValueError) as exc:
            raise DataError(
                f"the rates file cannot be read ({exc})",
                file=where,
                fix="write a CSV file with the columns currency,rate",
            ) from None
        table.columns = [str(c).strip().lower() for c in table.columns]
        if not {"currency", "rate"} <= set(table.columns):
            raise DataError(
                f"the rates file needs the columns currency and rate (found {list(table.columns)})",
                file=where,
                fix="write a CSV file with the columns currency,rate",
            )
        rates = dict(zip(table["currency"], table["rate"]))
    out = {}
    for i, (code, rate) in enumerate(rates.items()):
        try:
            value = float(str(rate).replace(",", "."))
        except ValueError:
            value = float("nan")
        if not value > 0 or value == float("inf"):
            raise DataError(
                f"the rate of {code!r} is not a positive number ({rate!r})",
                file=where,
                column="rate",
                rows=[i + 2],
                fix="give each currency what one unit of it is worth in the currency to report in",
            )
        out[str(code).strip().upper()] = value
    if sum(1 for v in out.values() if v == 1) != 1:
        raise DataError(
            "no currency has the rate 1, so the currency to report in is unknown"
            if 1 not in out.values()
            else "more than one currency has the rate 1",
            file=where,
            column="rate",
            fix="give the currency to report in the rate 1, and every other currency its value in it",
        )
    return out


def _one_currency(std: pd.DataFrame, rates, findings: list, file: str, column) -> tuple[pd.DataFrame, str | None]:
    """The lines in one currency: the file's own, or converted with ``rates``; refused when mixed without them."""
    if "currency" not in std:
        return std, None
    codes = std["currency"].astype(_STR).str.strip().str.upper()
    codes = codes.mask(codes.eq("") | codes.isna())
    present = codes.dropna().value_counts()
    if present.empty:
        return std.drop(columns="currency"), None
    blank = codes.isna().to_numpy()
    if len(present) == 1:
        only = str(present.index[0])
        if blank.any():
            findings.append(
                Finding(
                    "missing currency",
                    int(blank.sum()),
                    f"taken as {only}, the file's only currency",
                    list(std["_row"][blank][:MAX_EXAMPLES]),
                )
            )
        return std.drop(columns="currency"), only
    listed = ", ".join(f"{code} {n:,} line(s)" for code, n in present.items())
    if rates is None:
        minority = codes.ne(present.index[0]).fillna(False).to_numpy() & ~blank
        raise DataError(
            f"the orders are in {len(present)} currencies ({listed}), and amounts in different currencies cannot be added",
            file=file,
            column=column,
            rows=list(std["_row"][minority][:MAX_EXAMPLES]),
            values=list(codes[minority][:MAX_EXAMPLES]),
            fix="pass --rates rates.csv (columns currency,rate: what one unit of each is worth in the currency to "
            "report in, whose rate is 1), or split the file by currency and make one report for each",
        )
    table = read_rates(rates, file)
    missing = [code for code in present.index if code not in table]
    if missing:
        raise DataError(
            f"the rates do not give the currency {', '.join(missing)}",
            file=file,
            column=column,
            values=missing,
            fix=f"add a line for {', '.join(missing)} to the rates",
        )
    base = next(code for code, rate in table.items() if rate == 1)
    if blank.any():
        std = _set_aside(
            std,
            blank,
            findings,
            "missing currency",
            "dropped these lines (the file has several currencies, so theirs is unknown)",
        )
        codes = codes[~blank]
    factor = codes.map(table).astype("float64").to_numpy()
    before = std["amount"].to_numpy(dtype="float64")
    converted = factor != 1
    std = std.drop(columns="currency").assign(amount=before * factor)
    others = ", ".join(f"{code} at {table[code]:g}" for code in present.index if code != base)
    findings.append(
        Finding(
            "several currencies",
            int(converted.sum()),
            f"converted to {base} with the rates given ({others}): {before[converted].sum():,.2f} in "
            f"other currencies became {(before * factor)[converted].sum():,.2f} {base}",
            list(std["_row"][converted][:MAX_EXAMPLES]),
        )
    )
    return std, base


def _set_aside(std: pd.DataFrame, mask: np.ndarray, findings: list, issue: str, action: str, kept=None) -> pd.DataFrame:
    """``std`` without the lines of ``mask``, reported as one finding; ``kept`` (a list) receives those lines."""
    findings.append(Finding(issue, int(mask.sum()), action, list(std["_row"][mask][:MAX_EXAMPLES])))
    if kept is not None:
        kept.append(std[mask])
    return std[~mask]


def _observation_end(std: pd.DataFrame, observation_period_end, file: str, date_src) -> pd.Timestamp:
    """The date the analysis looks from: the one given, checked, or the day after the last order."""
    first, last = std["order_date"].min(), std["order_date"].max()
    if observation_period_end is None:
        return (last + pd.Timedelta(days=1)).normalize()
    try:
        as_of_ts = pd.Timestamp(observation_period_end)
    except (ValueError, TypeError):
        raise DataError(
            f"observation_period_end={observation_period_end!r} is not a date",
            file=file,
            column=date_src,
            fix="pass observation_period_end as YYYY-MM-DD (command line: --observation-period-end 2025-12-31)",
        ) from None
    if as_of_ts.tzinfo is not None:
        as_of_ts = as_of_ts.tz_convert("UTC").tz_localize(None)
    if as_of_ts <= first:
        raise DataError(
            f"observation_period_end={as_of_ts:%Y-%m-%d} is on or before the first order ({first:%Y-%m-%d %H:%M})",
            file=file,
            column=date_src,
            rows=list(std.loc[std["order_date"] == first, "_row"][:1]),
            values=[first.strftime("%Y-%m-%d %H:%M")],
            fix=f"pass a later observation_period_end (command line: --observation-period-end), e.g. the day after the last order, "
            f"{(last + pd.Timedelta(days=1)):%Y-%m-%d}, or leave it out",
        )
    return as_of_ts


def _check_usable(std: pd.DataFrame, file: str, customer_src, date_src, customers=None, days=None) -> None:
    """A customer analysis needs at least two customers and two days.

    ``customers`` and ``days`` count them when ``std`` holds only the first lines (the DuckDB reader).
    """
    customers = std["customer_id"].nunique() if customers is None else customers
    days = std["order_date"].dt.normalize().nunique() if days is None else days
    if customers < 2:
        who = std["customer_id"].iloc[0]
        raise DataError(
            f"every order belongs to one customer ({who!r}); a customer analysis needs at least two",
            file=file,
            column=customer_src,
            rows=list(std["_row"][:MAX_EXAMPLES]),
            values=list(std["customer_id"][:MAX_EXAMPLES]),
            fix="check that this column identifies the buyer (not the shop or the currency) and pass "
            "customer_id_col=... (command line: --customer-id-col) otherwise",
        )
    if days < 2:
        day = std["order_date"].iloc[0]
        raise DataError(
            f"all orders fall on one day ({day:%Y-%m-%d}); recency and repeat buying need a longer history",
            file=file,
            column=date_src,
            rows=list(std["_row"][:MAX_EXAMPLES]),
            values=[d.strftime("%Y-%m-%d %H:%M") for d in std["order_date"][:MAX_EXAMPLES]],
            fix="export a longer period of orders, or pass datetime_col=... (command line: --datetime-col) if this is "
            "the wrong date column",
        )


def _net_refunds(
    std: pd.DataFrame, deduct: np.ndarray, findings: list, file: str, column: str, written: np.ndarray, kept: list
) -> pd.DataFrame:
    """Take each order's refund off its lines: refused when larger than the order, set aside when the whole of it.

    ``deduct`` is each line's part of its order's refund. An order is the lines of one order id
    (or one row of the file where there is none). A refund equal to the order (within half a
    cent) takes the order out as a return; a smaller one is subtracted, from the lines it was
    made on where those lines can carry it, else in proportion to the lines' amounts.
    """
    if not (deduct > 0).any():
        return std
    if "order_id" in std:
        ids = std["order_id"].astype(object)
        key = ids.where(ids.notna(), "\x00row " + std["_row"].astype(str)).astype(str).to_numpy()
    else:
        key = std["_row"].to_numpy()
    codes, labels = pd.factorize(key)
    amount = std["amount"].to_numpy(dtype="float64")
    order_sum = np.bincount(codes, weights=np.nan_to_num(amount), minlength=len(labels))
    refund_sum = np.bincount(codes, weights=deduct, minlength=len(labels))
    tolerance = 0.005
    # an order with an empty amount is dropped later, refund and all
    unknown = np.bincount(codes, weights=np.isnan(amount).astype(float), minlength=len(labels)) > 0
    deduct = np.where(unknown[codes], 0.0, deduct)
    refund_sum = np.where(unknown, 0.0, refund_sum)
    if not (deduct > 0).any():
        return std
    over = refund_sum > order_sum + tolerance
    if over.any():
        bad = np.flatnonzero(over)
        first_line = np.array([np.flatnonzero(codes == k)[0] for k in bad[:MAX_EXAMPLES]])
        which = "; ".join(
            f"{'order ' + str(labels[k]) if 'order_id' in std else 'row ' + str(labels[k])} refunded "
            f"{refund_sum[k]:,.2f} of {order_sum[k]:,.2f}"
            for k in bad[:3]
        )
        raise DataError(
            f"a refund is larger than its order ({which}{'; ...' if len(bad) > 3 else ''})",
            file=file,
            column=column,
            rows=list(std["_row"].to_numpy()[first_line]),
            values=list(written[first_line]),
            fix="a refund cannot give back more than the order's total: correct the refund (or the order total) in "
            "these rows, or export the orders again; check in the shop's admin what was really refunded",
        )
    whole = (refund_sum > tolerance) & (refund_sum >= order_sum - tolerance)
    full = whole[codes]
    if full.any():
        std = _set_aside(
            std,
            full,
            findings,
            "fully refunded orders",
            f"the refund equals the order ({order_sum[whole].sum():,.2f} in {int(whole.sum()):,} "
            "order(s)): taken out of the purchases and listed with the returns",
            kept,
        )
        deduct, codes, amount = deduct[~full], codes[~full], amount[~full]
    if not (deduct > 0).any():
        return std
    # a line cannot give back more than it brought in: then the order's refund is shared by the lines' amounts
    uneven = np.bincount(codes, weights=(deduct > amount + tolerance).astype(float), minlength=len(labels)) > 0
    if uneven.any():
        by_amount = refund_sum[codes] * np.nan_to_num(amount) / np.where(order_sum[codes] > 0, order_sum[codes], 1)
        deduct = np.where(uneven[codes], by_amount, deduct)
    partial = deduct > 0
    findings.append(
        Finding(
            "partial refunds",
            int(partial.sum()),
            f"subtracted the {deduct.sum():,.2f} refunded from those orders' amounts "
            f"({len(np.unique(codes[partial])):,} order(s))",
            list(std["_row"][partial][:MAX_EXAMPLES]),
        )
    )
    return std.assign(amount=amount - deduct)


def _split_baskets(std: pd.DataFrame, column, file) -> tuple[pd.DataFrame, tuple]:
    """Lines whose product cell lists a basket become one line per product; returns the frame and what was split.

    The basket's amount is shared out by the price each product fetched on lines where it was
    bought alone (the median per unit), and by quantity where it never was; the second value is
    (cells split, lines made, lines priced from the file, the spreadsheet rows of the cells split).
    """
    if "product" not in std or std.empty:
        return std, (0, 0, 0, [])
    items = split_baskets(std["product"], column=column or "product", file=file, rows=std["_row"].to_numpy())
    if items.empty:
        return std, (0, 0, 0, [])
    amount = parse_amounts(std["amount"]).to_numpy(dtype="float64")
    # what each product fetched where it was bought alone: lines that are no basket, and one-product baskets
    alone = np.ones(len(std), dtype=bool)
    alone[items["position"].to_numpy()] = False
    quantity = (
        pd.to_numeric(std["quantity"], errors="coerce").to_numpy(dtype="float64")
        if "quantity" in std
        else np.ones(len(std))
    )
    single = pd.DataFrame({"product": std["product"].astype(object), "quantity": quantity, "amount": amount})[alone]
    ones = items.groupby("position")["product"].transform("size").to_numpy() == 1
    single = pd.concat(
        [single, items[ones].assign(amount=amount[items["position"][ones]])[["product", "quantity", "amount"]]]
    )
    single = single[(single["amount"] > 0) & (single["quantity"] > 0)]
    unit = (single["amount"] / single["quantity"]).groupby(single["product"].astype(str)).median()
    price = items["product"].map(unit).to_numpy(dtype="float64")
    basket_amount = amount[items["position"].to_numpy()]
    known_value = np.where(np.isnan(price), 0.0, price * items["quantity"].to_numpy())
    unknown_q = np.where(np.isnan(price), items["quantity"].to_numpy(), 0.0)
    by_pos = items["position"]
    known_sum = pd.Series(known_value).groupby(by_pos).transform("sum").to_numpy()
    unknown_sum = pd.Series(unknown_q).groupby(by_pos).transform("sum").to_numpy()
    rest = basket_amount - known_sum
    usable = (known_sum > 0) & ((unknown_sum == 0) | (rest > 0))
    weight = np.where(
        np.isnan(price),
        items["quantity"].to_numpy() * np.where(unknown_sum > 0, rest, 0) / np.where(unknown_sum > 0, unknown_sum, 1),
        known_value,
    )
    weight = np.where(usable, weight, items["quantity"].to_numpy())
    weight_sum = pd.Series(weight).groupby(by_pos).transform("sum").to_numpy()
    share = weight / np.where(weight_sum > 0, weight_sum, 1)
    lines = std.iloc[items["position"].to_numpy()].reset_index(drop=True)
    lines = lines.assign(
        product=items["product"].to_numpy(), quantity=items["quantity"].to_numpy(), amount=basket_amount * share
    )
    out = pd.concat([std[alone], lines], ignore_index=True).sort_values("_row", kind="stable").reset_index(drop=True)
    priced = int((usable & ~np.isnan(price)).sum())
    cells = np.unique(items["position"].to_numpy())
    return out, (len(cells), len(items), priced, [int(r) for r in std["_row"].to_numpy()[cells]])


def _clean_ids(values: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        text = values.astype(_STR).str.strip()
        if text.str.contains(".", regex=False).any():
            text = text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
        is_email = text.str.contains("@", regex=False).fillna(False)
        if is_email.any():
            text = text.where(~is_email, text.str.lower())
        return text.mask(text == "")
    as_obj = values.astype(object)
    text = as_obj.map(
        lambda v: (
            (str(int(v)) if isinstance(v, (float, np.floating)) and np.isfinite(v) and v == int(v) else v)
            if not isinstance(v, str)
            else v
        )
    )
    text = text.astype(_STR).str.strip()
    text = text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    is_email = text.str.contains("@", regex=False).fillna(False)
    text = text.where(~is_email, text.str.lower())
    return text.mask(text == "")


def _clean_text(values: pd.Series) -> pd.Series:
    text = _clean_ids(values) if values.dtype != "string" else values.str.strip()
    return text.astype(_STR)


def _finish(std: pd.DataFrame) -> pd.DataFrame:
    """The clean ``orders_file`` columns of ``std``, typed and sorted by date."""
    keep = [c for c in ORDERS_FILE_COLUMNS if c in std.columns]
    out = std[keep].copy()
    out["customer_id"] = out["customer_id"].astype(_STR)
    if not pd.api.types.is_datetime64_dtype(out["order_date"].dtype):  # lines set aside before parsing
        out["order_date"] = parse_dates(out["order_date"], notes=[]).to_numpy()
    out["order_date"] = out["order_date"].astype("datetime64[ns]")
    out["amount"] = parse_amounts(out["amount"]).astype("float64")
    for col in ("order_id", "product", "channel", "discount_code", "promotion", "country"):
        if col in out:
            out[col] = _clean_text(out[col])
    if "quantity" in out:
        out["quantity"] = pd.to_numeric(out["quantity"], errors="coerce")
    out = out.sort_values("order_date", kind="stable").reset_index(drop=True)
    return out
