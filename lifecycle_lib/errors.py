"""The course's error family, importing nothing of the package: every layer may raise these.

* :class:`DataError`: a problem in a user's data, named by file, column, rows and fix.
* :class:`UsageError`: a mistake in how a command or tool was called.

Both end a ``lifecycle`` command with one message and exit status 2, never a traceback.
"""

from __future__ import annotations

import math

__all__ = ["DataError", "UsageError", "MAX_EXAMPLES"]

MAX_EXAMPLES = 5  # offending rows shown in one message


class UsageError(Exception):
    """A mistake in how a command or tool was called, reported without a traceback.

    Examples
    --------
    >>> str(UsageError("no lesson matches '99'"))
    "no lesson matches '99'"
    """


class DataError(ValueError):
    """A problem in a user's data, explained in one message: what, where, and how to fix it.

    Attributes
    ----------
    problem : str
        What is wrong.
    file : str or None
        The file the data came from (None for an in-memory frame).
    column : str or None
        The column concerned (None when the problem is not about one column).
    rows : list of int
        Where: rows as a spreadsheet shows them (the header is row 1, the first data row is
        row 2); for a frame that came from no file, its index labels.
    values : list
        The offending values at those rows (same order as ``rows``, or empty).
    fix : str
        What to do about it.

    Examples
    --------
    >>> err = DataError("dates cannot be read", file="orders.csv", column="order_date",
    ...                 rows=[3, 7], values=["31/02/2024", "yesterday"],
    ...                 fix="write dates as YYYY-MM-DD")
    >>> print(err)
    orders.csv: column 'order_date': dates cannot be read (row 3: '31/02/2024'; row 7: 'yesterday'; row 1 is the header). Fix: write dates as YYYY-MM-DD.
    >>> err.rows
    [3, 7]
    """

    def __init__(self, problem, *, file=None, column=None, rows=None, values=None, fix=None):
        self.problem = str(problem)
        self.file = None if file is None else str(file)
        self.column = column
        self.rows = [r if isinstance(r, str) else int(r) for r in (rows if rows is not None else [])]
        self.values = list(values) if values is not None else []
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"{self.file}: " if self.file else ""
        if self.column is not None:
            text += f"column {self.column!r}: "
        text += self.problem
        if self.rows:
            word = "row" if self.file else "index"
            shown = self.rows[:MAX_EXAMPLES]
            vals = self.values[:MAX_EXAMPLES]
            parts = [f"{word} {r}: {_show(v)}" for r, v in zip(shown, vals)] if vals else [f"{word} {r}" for r in shown]
            if len(self.rows) > len(shown):
                parts.append(f"and {len(self.rows) - len(shown)} more")
            if self.file:
                parts.append("row 1 is the header")
            text += " (" + "; ".join(parts) + ")"
        text += f". Fix: {self.fix.rstrip('.')}." if self.fix else "."
        return text

    def __str__(self) -> str:
        return self._message()


def _show(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(empty)"
    text = repr(value.item() if hasattr(value, "item") else value)
    return text if len(text) <= 40 else text[:37] + "...'"
