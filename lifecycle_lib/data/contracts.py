"""The column contracts of the course's tables, and the checks a frame is held to.

* :data:`TABLES` holds the contract of every sample table (``datasets/README.md``) as data, plus
  ``orders_file``, the clean frame :func:`lifecycle_lib.data.readers.read_orders` returns;
  :data:`ORDERS_FILE_COLUMNS` names that frame's columns in order.
* :func:`validate` checks a frame against one contract, value kinds included.
* :func:`require_columns` only checks that the columns are there: the analytics' one input check.

Both raise :class:`~lifecycle_lib.errors.DataError` naming the column, the rows and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lifecycle_lib.errors import MAX_EXAMPLES, DataError

__all__ = ["Column", "TABLES", "ORDERS_FILE_COLUMNS", "require_columns", "require_amounts", "validate"]


@dataclass(frozen=True)
class Column:
    """One column of a table's contract: its name, kind of values, and whether it must be there.

    Parameters
    ----------
    name : str
        The column's name.
    kind : str
        One of ``string``, ``category``, ``bool``, ``int``, ``float``, ``datetime``.
    required : bool
        Whether a frame without the column breaks the contract (default True).

    Examples
    --------
    >>> Column("amount", "float")
    Column(name='amount', kind='float', required=True)
    """

    name: str
    kind: str
    required: bool = True


def _cols(spec: str) -> tuple[Column, ...]:
    return tuple(Column(*item.split(":")) for item in spec.split())


TABLES: dict[str, tuple[Column, ...]] = {
    "products": _cols("product_id:string business:category name:string category:category partner:bool price:float"),
    "contacts": _cols("contact_id:string business:category first_seen:datetime channel:category email_opt_in:bool"),
    "events": _cols(
        "contact_id:string business:category timestamp:datetime session_id:int event:category source:category "
        "page:category product_id:string duration_s:float noticed:bool detail:string"
    ),
    "orders": _cols(
        "order_id:string contact_id:string business:category order_date:datetime product_id:string quantity:int "
        "unit_price:float discount:float amount:float promotion:category discount_code:string channel:category "
        "returned:bool"
    ),
    "promotions": _cols("promotion:string business:category start:datetime end:datetime discount:float"),
    "subscriptions": _cols(
        "subscription_id:string contact_id:string plan:category monthly_price:float start_date:datetime "
        "end_date:datetime end_reason:category"
    ),
    "tickets": _cols(
        "ticket_id:string contact_id:string business:category opened_at:datetime topic:category order_id:string "
        "first_response_hours:float satisfaction:int"
    ),
    "reviews": _cols(
        "review_id:string contact_id:string business:category product_id:string order_id:string "
        "created_at:datetime rating:int reply_hours:float"
    ),
    "referrals": _cols(
        "referral_id:string business:category referrer_id:string referred_id:string created_at:datetime"
    ),
    "true_types": _cols("contact_id:string business:category true_type:category"),
}
TABLES["orders_file"] = (
    Column("customer_id", "string"),
    Column("order_date", "datetime"),
    Column("amount", "float"),
    Column("order_id", "string", False),
    Column("product", "string", False),
    Column("quantity", "float", False),
    Column("channel", "string", False),
    Column("discount_code", "string", False),
    Column("promotion", "string", False),
    Column("country", "string", False),
)
ORDERS_FILE_COLUMNS = tuple(c.name for c in TABLES["orders_file"])


def _kind_ok(series: pd.Series, kind: str) -> bool:
    dtype = series.dtype
    api = pd.api.types
    if kind == "datetime":
        return api.is_datetime64_dtype(dtype) and not isinstance(dtype, pd.DatetimeTZDtype)
    if kind == "float":
        return api.is_numeric_dtype(dtype) and not api.is_bool_dtype(dtype)
    if kind == "int":
        if api.is_integer_dtype(dtype):
            return True
        if api.is_float_dtype(dtype):
            values = series.dropna()
            return bool((values == np.round(values)).all())
        return False
    if kind == "bool":
        return api.is_bool_dtype(dtype) or (dtype == np.dtype(object) and series.dropna().map(type).eq(bool).all())
    # string and category: text in any of pandas' containers
    return isinstance(dtype, pd.CategoricalDtype) or api.is_string_dtype(dtype) or dtype == np.dtype(object)


def _bad_rows(series: pd.Series, kind: str) -> pd.Series:
    """Boolean mask of values that do not fit ``kind`` (best effort, for the examples of a message)."""
    present = series.notna()
    if kind in ("float", "int"):
        converted = pd.to_numeric(series, errors="coerce")
        bad = present & converted.isna()
        if kind == "int":
            bad |= present & converted.notna() & (converted != np.round(converted))
        return bad
    if kind == "datetime":
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            return present
        return present & pd.to_datetime(series, errors="coerce", format="mixed").isna()
    if kind == "bool":
        return present & ~series.map(lambda v: isinstance(v, (bool, np.bool_)))
    return pd.Series(False, index=series.index)


def require_columns(frame, columns, *, what: str, fix: str | None = None) -> None:
    """Check that ``frame`` is a DataFrame with every column of ``columns``; the analytics' one input check.

    A frame missing a column raises :class:`DataError` naming the first missing column, the columns
    present and the fix; anything that is not a DataFrame is a programming error (``TypeError``).

    Parameters
    ----------
    frame : DataFrame
        The table to check.
    columns : iterable of str
        The columns it must have.
    what : str
        What the table is, for the message (``"orders"``, ``"contacts table"``).
    fix : str, optional
        The fix the message suggests; by default, to pass the right name or rename the column.

    Raises
    ------
    DataError
        When a column is missing.
    TypeError
        When ``frame`` is not a DataFrame.

    Examples
    --------
    >>> orders = pd.DataFrame({"contact_id": ["a"], "amount": [9.5]})
    >>> require_columns(orders, ["contact_id", "amount"], what="orders")
    >>> require_columns(orders, ["contact_id", "order_date"], what="orders")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: column 'order_date': not found in the orders (columns present: contact_id, amount). Fix: pass the right column name, or rename your column.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"the {what} must be a pandas DataFrame, not {type(frame).__name__}; "
            "load your file with pandas (or lifecycle_lib.data.readers.read_orders) first"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        present = ", ".join(map(str, frame.columns[:20])) + (", ..." if len(frame.columns) > 20 else "")
        raise DataError(
            f"not found in the {what} (columns present: {present})",
            column=missing[0],
            fix=fix or "pass the right column name, or rename your column",
        )


def require_amounts(frame: pd.DataFrame, column: str) -> None:
    """Check that ``frame[column]`` holds numbers (not text, not booleans): money is added up.

    Parameters
    ----------
    frame : DataFrame
        A frame that has ``column`` (see :func:`require_columns`).
    column : str
        The column of amounts.

    Raises
    ------
    DataError
        Naming the column, the type found and how to convert it.

    Examples
    --------
    >>> require_amounts(pd.DataFrame({"amount": [9.5, 3]}), "amount")
    >>> require_amounts(pd.DataFrame({"amount": ["9,50 EUR"]}), "amount")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: column 'amount': amounts must be numbers, found str. Fix: convert the column with pd.to_numeric (remove currency signs and thousands separators first).
    """
    dtype = frame[column].dtype
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        raise DataError(
            f"amounts must be numbers, found {dtype}",
            column=column,
            fix="convert the column with pd.to_numeric (remove currency signs and thousands separators first)",
        )


def validate(df: pd.DataFrame, table: str, file=None) -> pd.DataFrame:
    """Check a frame against the column contract of ``table``; return it unchanged or raise DataError.

    Columns the contract does not name are allowed.

    Parameters
    ----------
    df : DataFrame
        The frame to check.
    table : str
        One of the sample tables of :data:`TABLES` (``orders``, ``contacts``, ...) or
        ``orders_file``, the clean frame :func:`~lifecycle_lib.data.readers.read_orders` returns.
    file : str or Path, optional
        The file the frame was read from. Rows in a message are the frame's index labels, or
        spreadsheet rows (header = row 1) when ``file`` is given.

    Returns
    -------
    DataFrame
        ``df`` itself.

    Raises
    ------
    DataError
        When a required column is missing or a column holds values of another kind.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "b"], "amount": [10.0, 12.5],
    ...                        "order_date": pd.to_datetime(["2024-01-02", "2024-02-03"])})
    >>> validate(orders, "orders_file") is orders
    True
    >>> validate(orders.drop(columns="amount"), "orders_file")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: column 'amount': a required column is missing (columns found: 'customer_id', 'order_date'). Fix: add a column named 'amount' holding float values, or rename the column that holds them.
    """
    if table not in TABLES:
        raise DataError(
            f"there is no table contract called {table!r}",
            file=file,
            fix="use one of " + ", ".join(sorted(TABLES)),
        )
    if not isinstance(df, pd.DataFrame):
        raise DataError(
            f"expected a pandas DataFrame for the {table} table, got {type(df).__name__}",
            file=file,
            fix="read the file with lifecycle_lib.data.files.read_table() or pandas first",
        )
    for col in TABLES[table]:
        if col.name not in df.columns:
            if col.required:
                found = ", ".join(repr(str(c)) for c in df.columns[:30])
                raise DataError(
                    f"a required column is missing (columns found: {found})",
                    file=file,
                    column=col.name,
                    fix=f"add a column named {col.name!r} holding {col.kind} values, or rename the column that holds them",
                )
            continue
        series = df[col.name]
        if _kind_ok(series, col.kind):
            continue
        bad = _bad_rows(series, col.kind)
        labels = list(series.index[bad.to_numpy()])
        if file is not None:
            positions = np.flatnonzero(bad.to_numpy())
            labels = [int(p) + 2 for p in positions]
        values = list(series[bad].head(MAX_EXAMPLES))
        raise DataError(
            f"values should be {col.kind} but the column holds {series.dtype}",
            file=file,
            column=col.name,
            rows=labels,
            values=values,
            fix=f"convert the column to {col.kind} (e.g. with pd.to_numeric / pd.to_datetime) "
            "or correct the rows shown",
        )
    return df
