"""Checking what the analytics functions are given: tables with their columns, datetimes, thresholds.

One message for each kind of mistake, whichever function it is made with:

- :func:`require_table`: a table lacks a column the function reads;
- :func:`datetimes`: a datetime column holds text that is not a date;
- :func:`resolve_thresholds`: a keyword argument names no threshold of the function.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from lifecycle_lib.errors import DataError

__all__ = ["require_table", "datetimes", "resolve_thresholds"]


def require_table(frame, columns, table: str) -> None:
    """Raise a DataError naming the missing columns of ``frame``, the ``table`` table; None passes.

    Parameters
    ----------
    frame : DataFrame or None
        The table, or None for an optional table left out.
    columns : list of str
        The columns the function reads.
    table : str
        The table's name, as the message shows it ("orders", "events", ...).

    Examples
    --------
    >>> require_table(pd.DataFrame({"contact_id": []}), ["contact_id", "order_date"], "orders")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: column 'order_date': ...
    """
    from lifecycle_lib.data.contracts import require_columns

    if frame is not None:
        require_columns(frame, columns, what=f"{table} table",
                        fix=f"add or rename it (the {table} table needs {list(columns)})")


def datetimes(frame: pd.DataFrame, column: str, table: str) -> np.ndarray:
    """A datetime column as naive ``datetime64[ns]``; text that is not a date is a DataError naming the rows.

    Parameters
    ----------
    frame : DataFrame
        The table.
    column : str
        The column to read (datetimes, or text such as ``"2025-01-31"``); missing values become NaT.
    table : str
        The table's name, for the message.

    Returns
    -------
    ndarray of datetime64[ns]
        Time-zone aware times are given in their own local time.

    Examples
    --------
    >>> datetimes(pd.DataFrame({"at": ["2025-01-31 10:30", None]}), "at", "events").astype(str).tolist()
    ['2025-01-31T10:30:00.000000000', 'NaT']
    """
    raw = frame[column]
    parsed = pd.to_datetime(raw, errors="coerce")
    bad = parsed.isna() & raw.notna()
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())
        raise DataError(
            f"dates in the {table} table cannot be read",
            column=column,
            rows=list(frame.index[rows]),
            values=raw.iloc[rows[:5]].tolist(),
            fix="write dates as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS",
        )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.to_numpy("datetime64[ns]")


def resolve_thresholds(given: dict, defaults: dict, function: str) -> dict:
    """The ``defaults`` updated with the thresholds ``given``; a name not among them is a TypeError.

    Parameters
    ----------
    given : dict
        The keyword arguments a function received as thresholds.
    defaults : dict
        Every threshold the function knows, with its default value.
    function : str
        The function's name, for the message.

    Returns
    -------
    dict
        Every threshold with its value.

    Raises
    ------
    TypeError
        Naming the unknown thresholds, the closest valid name, and every valid name.

    Examples
    --------
    >>> resolve_thresholds({"b": 5}, {"a": 1, "b": 2}, "f")
    {'a': 1, 'b': 5}
    >>> resolve_thresholds({"bb": 5}, {"a": 1, "b": 2}, "f")
    Traceback (most recent call last):
    ...
    TypeError: f() got an unknown threshold 'bb' (did you mean 'b'?); the thresholds are: a, b
    """
    unknown = [name for name in given if name not in defaults]
    if unknown:
        close = difflib.get_close_matches(unknown[0], list(defaults), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        names = ", ".join(repr(name) for name in unknown)
        raise TypeError(
            f"{function}() got an unknown threshold{'s' if len(unknown) > 1 else ''} {names}{hint}; "
            f"the thresholds are: {', '.join(sorted(defaults))}"
        )
    return {**defaults, **given}
