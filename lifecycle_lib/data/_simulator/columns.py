"""Typed pandas columns from the simulation's arrays: categoricals from codes, nullable columns from masks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib.data._simulator.vocabulary import BUSINESS_NAMES

__all__ = ["cat", "biz", "codes_to_cat", "str_or_na", "masked", "concat"]


def cat(values, categories) -> pd.Categorical:
    """A categorical with a fixed category list (also when a category does not occur).

    >>> list(cat(["a"], ["a", "b"]).categories)
    ['a', 'b']
    """
    return pd.Categorical(values, categories=categories)


def biz(business: str, n: int) -> pd.Categorical:
    """A categorical column holding one business name n times.

    >>> biz("service", 2).tolist()
    ['service', 'service']
    """
    return pd.Categorical.from_codes(np.full(n, BUSINESS_NAMES.index(business)), categories=BUSINESS_NAMES)


def codes_to_cat(codes, categories) -> pd.Categorical:
    """A categorical from codes into ``categories`` (negative codes are missing).

    >>> codes_to_cat([1, -1], ["a", "b"]).tolist()
    ['b', nan]
    """
    codes = np.asarray(codes, dtype=np.int64)
    return pd.Categorical.from_codes(np.where(codes < 0, -1, codes), categories=categories)


def str_or_na(values, mask) -> pd.Series:
    """A pandas string column, missing where ``mask`` is False.

    >>> str_or_na(["x", "y"], [True, False]).tolist()
    ['x', <NA>]
    """
    out = pd.Series(values, dtype="string")
    out[~np.asarray(mask, bool)] = pd.NA
    return out


def masked(values, keep, dtype):
    """A nullable pandas array with missing values where ``keep`` is False.

    >>> masked([1, 2], [True, False], "Int64").tolist()
    [1, <NA>]
    """
    arr = pd.array(values, dtype=dtype)
    arr[~np.asarray(keep, bool)] = pd.NA
    return arr


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack the businesses' parts; every categorical has one fixed category list, so it stays categorical.

    >>> both = concat([pd.DataFrame({"business": biz("shop", 1)}), pd.DataFrame({"business": biz("service", 1)})])
    >>> both["business"].cat.categories.tolist()
    ['shop', 'service']
    """
    out = pd.concat(frames, ignore_index=True)
    if not (out.dtypes == frames[0].dtypes).all():
        raise RuntimeError("a column changed dtype when the businesses were stacked")
    return out
