"""The column helpers behind segments, funnel and cohorts: every fast path gives pandas' answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle_lib._util import columns as _columns
from lifecycle_lib._util.columns import IdCodes, fmt, is_label, join, label_codes, plural, where

ARROW = "string[pyarrow]"


def _reference(*columns):
    """pd.factorize on the columns one after another, as object strings."""
    allids = pd.concat([pd.Series(c, dtype=object) for c in columns], ignore_index=True)
    return pd.factorize(allids)


def _check_same_as_factorize(columns, lookups=()):
    ids = IdCodes(*[pd.Series(c, dtype=ARROW) for c in columns])
    codes, uniques = _reference(*columns)
    assert list(ids.index) == list(uniques)
    assert ids.n == len(uniques)
    np.testing.assert_array_equal(np.concatenate(ids.given), codes)
    index = pd.Index(uniques)
    for other in lookups:
        expected = index.get_indexer(pd.Series(other, dtype=object))
        np.testing.assert_array_equal(ids.codes(pd.Series(other, dtype=ARROW)), expected)
        np.testing.assert_array_equal(ids.codes(pd.Series(other, dtype=object)), expected)
    return ids


fixed_ids = st.lists(st.sampled_from(["S-0001", "S-0002", "V-0417", "S-0910", "V-0001", "X-9999"]), min_size=1,
                     max_size=20)


@settings(max_examples=40, deadline=None)
@given(fixed_ids, fixed_ids, fixed_ids)
def test_dense_codes_match_factorize(a, b, other):
    ids = _check_same_as_factorize([a, b], lookups=[other, ["S-0001", "Z-0000", "S-01"]])
    assert ids._keys is not None and ids._keys.dense


@pytest.mark.parametrize("width", [8, 12, 16])
def test_hashed_codes_match_factorize(monkeypatch, width):
    """Key spaces too large to address directly are hashed, in one or two 64-bit words."""
    monkeypatch.setattr(_columns, "_DENSE_LIMIT", 0)
    monkeypatch.setattr(_columns, "_DENSE_PER_ROW", 0)
    rng = np.random.default_rng(width)
    pool = ["".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz0123456789"), width)) for _ in range(30)]
    a, b = list(rng.choice(pool[:25], 200)), list(rng.choice(pool, 50))
    ids = _check_same_as_factorize([a, b], lookups=[list(rng.choice(pool + ["x" * width], 40))])
    assert not ids._keys.dense


def test_other_ids_take_the_general_path():
    # different widths, missing values and non-strings all give pandas' factorisation
    for columns in ([["a1", "a22", "a1"], ["b333"]], [[3, 1, 3], [2]]):
        ids = IdCodes(*[pd.Series(c) for c in columns])
        codes, uniques = _reference(*columns)
        assert list(ids.index) == list(uniques)
        np.testing.assert_array_equal(np.concatenate(ids.given), codes)
    ids = IdCodes(pd.Series(["S-1", "S-2"], dtype=ARROW), None)
    assert ids.given[1] is None and ids.n == 2


def test_labels_compare_like_text():
    cat = pd.Series(pd.Categorical(["visit", None, "page_view", "visit"], categories=["page_view", "visit", "x"]))
    obj = cat.astype(object)
    for column in (cat, obj, cat.astype("string")):
        coded = label_codes(column, fill="")
        np.testing.assert_array_equal(is_label(coded, "visit"), [True, False, False, True])
        np.testing.assert_array_equal(is_label(coded, ["page_view", ""]), [False, True, True, False])
        assert list(coded[1][coded[0]]) == ["visit", "", "page_view", "visit"]


def test_text_kernels_write_what_python_would():
    values = np.array([0.0, 1.0, 2.5, 3.5, -0.4, 1234567.0, np.nan, 0.125, 0.999])
    expected0 = ["?" if np.isnan(v) else str(int(np.round(v))) for v in values]
    assert fmt(values).arr.to_pylist() == expected0
    expected2 = ["?" if np.isnan(v) else str(np.round(v, 2)).ljust(4, "0") for v in values]
    assert fmt(values, 2).arr.to_pylist() == expected2
    n = np.array([0, 1, 2])
    text = "saw " + fmt(n) + " " + plural(n, "visit")
    assert text.arr.to_pylist() == ["saw 0 visits", "saw 1 visit", "saw 2 visits"]
    joined = join([where(n > 0, "a", ""), where(n > 1, "b", ""), where(n >= 0, "c", "")], "; ")
    assert joined.arr.to_pylist() == ["c", "a; c", "a; b; c"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(-50, 50)), max_size=40))
def test_group_kernels_match_groupby(pairs):
    codes = np.array([c for c, _ in pairs], dtype=np.intp)
    values = np.array([v for _, v in pairs], dtype=np.int64)
    frame = pd.DataFrame({"c": codes, "v": values}).groupby("c")["v"]
    n = 6
    np.testing.assert_array_equal(_columns.group_min(codes, values, n, 999),
                                  frame.min().reindex(range(n), fill_value=999).to_numpy())
    np.testing.assert_array_equal(_columns.group_max(codes, values, n, -999),
                                  frame.max().reindex(range(n), fill_value=-999).to_numpy())
    np.testing.assert_array_equal(_columns.group_count(codes, n, values > 0),
                                  frame.apply(lambda v: (v > 0).sum()).reindex(range(n), fill_value=0).to_numpy())
    stamps = values.astype("datetime64[D]").astype("datetime64[ns]")
    far = np.datetime64("2262-01-01", "ns")
    expected = pd.Series(stamps).groupby(codes).min().reindex(range(n), fill_value=far).to_numpy()
    np.testing.assert_array_equal(_columns.group_min(codes, stamps, n, far), expected)


@pytest.mark.parametrize("width", [3, 8, 12])
def test_fixed_width_words_sort_like_the_strings(width):
    ids = sorted({f"{i * 7919 % 1000:0{width}d}"[-width:] for i in range(200)})
    shuffled = pd.Series(np.random.default_rng(1).permutation(ids), dtype=ARROW)
    words = _columns.fixed_width_words(shuffled)
    order = np.lexsort(words.T[::-1])
    assert shuffled.iloc[order].tolist() == ids
