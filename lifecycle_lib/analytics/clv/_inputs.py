"""Input checks and array plumbing shared by the lifetime-value models and value functions.

Every check on a user's table ends in a :class:`lifecycle_lib.errors.DataError` naming the column,
the rows (as a spreadsheet shows them: the header is row 1) and the fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib.data.contracts import require_columns
from lifecycle_lib.errors import DataError

__all__ = ["SUMMARY_FIX", "require", "check_summary", "as_array", "like", "distinct_rows"]

SUMMARY_FIX = "build the summary with lifecycle_lib.analytics.rfm.rfm_summary"


def require(frame: pd.DataFrame, columns, what: str, fix: str | None = None) -> None:
    """Check that ``frame`` has every column of ``columns`` (the analytics' one column check)."""
    require_columns(frame, columns, what=what, fix=fix or f"pass the right column name, or {SUMMARY_FIX}")


def check_summary(summary: pd.DataFrame, columns, what: str = "summary") -> dict[str, np.ndarray]:
    """The ``columns`` of a per-customer summary as float arrays, after checking they hold valid values.

    Values must be finite and non-negative, and ``recency`` (age at the last purchase) may not
    exceed ``T`` (age at the end of observation) when both are among ``columns``.
    """
    require(summary, columns, what)
    values = {c: summary[c].to_numpy(dtype="float64", na_value=np.nan) for c in columns}
    for c, v in values.items():
        bad = ~np.isfinite(v) | (v < 0)
        if bad.any():
            raise DataError(
                "values must be non-negative numbers",
                column=c,
                rows=(np.flatnonzero(bad) + 2).tolist(),
                values=v[bad][:5].tolist(),
                fix=SUMMARY_FIX,
            )
    if "recency" in values and "T" in values:
        bad = values["recency"] > values["T"] + 1e-9
        if bad.any():
            raise DataError(
                "recency (age at the last purchase) is larger than T (age at the end)",
                column="recency",
                rows=(np.flatnonzero(bad) + 2).tolist(),
                fix="use the same observation end for both, as lifecycle_lib.analytics.rfm.rfm_summary does",
            )
    return values


def as_array(x) -> np.ndarray:
    """``x`` (a number, list, array or Series) as a float array."""
    return x.to_numpy(dtype="float64") if isinstance(x, pd.Series) else np.asarray(x, dtype="float64")


def like(result, *inputs, name=None):
    """Return a Series indexed like the first Series input, else an array (a float for scalars)."""
    for x in inputs:
        if isinstance(x, pd.Series):
            return pd.Series(result, index=x.index, name=name)
    result = np.asarray(result)
    return float(result) if result.ndim == 0 else result


def distinct_rows(*columns):
    """Distinct rows of equal-length arrays and how often each occurs (customers often share a history)."""
    stacked = np.column_stack(columns)
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return [rows[:, i] for i in range(rows.shape[1])], counts.astype("float64")
