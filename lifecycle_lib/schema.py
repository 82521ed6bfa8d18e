"""Column contracts of the course's tables, validation, and readers for a user's own files.

Every mistake in a user's data becomes a :class:`DataError` whose message names the file, the
column, example rows and the fix, so a learner never has to read a pandas traceback.
"""

from __future__ import annotations

__all__ = ["DataError"]


class DataError(ValueError):
    """A problem in a user's data, explained in one message: what, where, and how to fix it.

    Attributes
    ----------
    file : str or None
        The file the data came from (None for an in-memory frame).
    column : str or None
        The column concerned (None when the problem is not about one column).
    rows : list of int
        Line numbers as seen in the file: the header is line 1, so the first data row is line 2.
    values : list
        The offending values at those rows (same length as ``rows``, or empty).
    fix : str
        What to do about it.

    Examples
    --------
    >>> err = DataError("dates cannot be read", file="orders.csv", column="order_date",
    ...                 rows=[3, 7], values=["31/02/2024", "yesterday"],
    ...                 fix="write dates as YYYY-MM-DD")
    >>> print(err)
    orders.csv: dates cannot be read in column 'order_date' (line 3: '31/02/2024'; line 7: 'yesterday'; lines count the header as line 1). Fix: write dates as YYYY-MM-DD.
    >>> err.rows
    [3, 7]
    """

    MAX_EXAMPLES = 5

    def __init__(self, problem, *, file=None, column=None, rows=None, values=None, fix=None):
        self.problem = str(problem)
        self.file = None if file is None else str(file)
        self.column = column
        self.rows = [int(r) for r in (rows or [])]
        self.values = list(values) if values is not None else []
        self.fix = fix
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.file}: " if self.file else ""
        text = where + self.problem
        if self.column is not None:
            text += f" in column {self.column!r}"
        if self.rows:
            shown = self.rows[: self.MAX_EXAMPLES]
            if self.values:
                parts = [f"line {r}: {v!r}" for r, v in zip(shown, self.values[: self.MAX_EXAMPLES])]
            else:
                parts = [f"line {r}" for r in shown]
            more = len(self.rows) - len(shown)
            if more > 0:
                parts.append(f"and {more} more")
            text += " (" + "; ".join(parts) + "; lines count the header as line 1)"
        if self.fix:
            text += f". Fix: {self.fix.rstrip('.')}."
        else:
            text += "."
        return text

    def __str__(self) -> str:
        return self._message()
