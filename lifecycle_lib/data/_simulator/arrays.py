"""Small vectorised kernels of the simulation: positions within groups, row-wise draws, group minima, ids."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["within", "choice_rows", "group_min", "ids"]


def within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., c-1 for each group of a flattened array with the given group sizes.

    >>> within([2, 0, 3]).tolist()
    [0, 1, 0, 1, 2]
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def choice_rows(rng, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a probability matrix.

    >>> choice_rows(np.random.default_rng(0), np.array([[1.0, 0.0], [0.0, 1.0]])).tolist()
    [0, 1]
    """
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(probs))[:, None]
    return (u > cum).sum(axis=1)


def group_min(groups: np.ndarray, values: np.ndarray, n: int, empty: float = np.nan) -> np.ndarray:
    """Smallest value per group 0..n-1 (``empty`` for groups without values); a fast ``np.minimum.at``.

    >>> group_min(np.array([2, 0, 2]), np.array([5.0, 1.0, 3.0]), 3).tolist()
    [1.0, nan, 3.0]
    """
    out = np.full(n, empty, dtype=float)
    if len(groups):
        order = np.lexsort((values, groups))
        g = groups[order]
        first = np.concatenate([[True], g[1:] != g[:-1]])
        out[g[first]] = values[order][first]
    return out


def ids(prefix: str, n: int, width: int = 5) -> pd.Series:
    """Ids ``<prefix>00001`` ... ``<prefix><n>``, zero-padded to ``width`` digits (more when n needs them).

    >>> ids("S-", 2).tolist()
    ['S-00001', 'S-00002']
    """
    width = max(width, len(str(n)))
    return prefix + pd.Series(np.arange(1, n + 1)).astype("string").str.zfill(width)
