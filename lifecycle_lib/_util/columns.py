"""Fast column work shared by segments, funnel and cohorts: id codes, label codes and text columns.

The sample tables hold ids and labels as Arrow-backed strings or categoricals. Turning them into
Python objects (``.to_numpy(dtype=object)``, ``.astype(str)``) costs more than the whole analysis on
the large sample, so these helpers work on integer codes instead:

- :class:`IdCodes` gives every contact id of several tables one shared integer code. Fixed-width
  Arrow strings (``S-000123``) are read as big-endian integers, which factorise far faster than
  hashed strings; anything else goes through ``pd.factorize``. Codes and the order of the index
  are those of ``pd.factorize`` on the tables' ids one after another (order of first appearance).
- :func:`label_codes` and :func:`is_label` compare a categorical or string column with names by code.
- :func:`group_min`, :func:`group_max` and :func:`group_count` reduce values per integer code
  (the contact codes above) into one array indexed by code.
- :class:`Text` builds a reason column with Arrow string kernels instead of Python string objects;
  :func:`assemble` puts the pieces built for groups of rows back into one column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "IdCodes",
    "fixed_width_words",
    "label_codes",
    "is_label",
    "group_min",
    "group_max",
    "group_count",
    "Text",
    "fmt",
    "plural",
    "join",
    "where",
    "str_column",
    "date_text",
    "assemble",
]


# ---------------------------------------------------------------------------------------------
# Contact ids
# ---------------------------------------------------------------------------------------------
def _fixed_width_bytes(values):
    """(width, n x width uint8 matrix) for an Arrow string column of one fixed byte width <= 16, else None."""
    dtype = getattr(values, "dtype", None)
    if not (isinstance(dtype, pd.StringDtype) and getattr(dtype, "storage", None) == "pyarrow"):
        return None
    import pyarrow as pa

    arr = values.array if isinstance(values, (pd.Series, pd.Index)) else values
    arr = pa.array(arr)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or arr.null_count:
        return None
    n = len(arr)
    if n == 0:
        return None
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if pa.types.is_large_string(arr.type) else np.int32)
    offsets = offsets[arr.offset: arr.offset + n + 1]
    width = int(offsets[1] - offsets[0])
    if not 0 < width <= 16 or int(offsets[-1] - offsets[0]) != width * n or not (np.diff(offsets) == width).all():
        return None
    return width, np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]].reshape(n, width)


#: Largest key space addressed directly below 4 keys per row (two int64 tables: 64 MB).
_DENSE_LIMIT = 1 << 22
_DENSE_PER_ROW = 4


class _Keys:
    """Integer keys for fixed-width byte strings: equal keys for equal strings.

    When every byte position varies over a small range (ids such as ``S-000123``: one letter, then
    digits), the key is the mixed-radix number of the bytes' offsets from their minimum, small enough
    to address a table directly (``dense``); otherwise the bytes are read as one or two big-endian
    64-bit words, to be hashed.
    """

    def __init__(self, matrices, dense_limit: int | None = None):
        self.width = matrices[0].shape[1]
        self.lo = np.min([m.min(axis=0) for m in matrices], axis=0).astype(np.int64)
        self.hi = np.max([m.max(axis=0) for m in matrices], axis=0).astype(np.int64)
        self.radix = self.hi - self.lo + 1
        size = 1
        for r in self.radix:
            size *= int(r)
        rows = sum(len(m) for m in matrices)
        limit = max(_DENSE_LIMIT if dense_limit is None else dense_limit, _DENSE_PER_ROW * rows)
        self.dense = size <= limit
        self.size = size

    def keys(self, matrix, check: bool = True):
        """(keys, inside): key of each row; ``inside`` is False where a byte lies outside the range seen
        (only looked for with ``check``; the matrices the ranges came from are inside by definition)."""
        if self.dense:
            inside = (((matrix >= self.lo.astype(np.uint8)) & (matrix <= self.hi.astype(np.uint8))).all(axis=1)
                      if check else np.ones(len(matrix), bool))
            key = np.zeros(len(matrix), dtype=np.int64)
            for j in range(self.width):
                if self.radix[j] > 1:
                    key *= int(self.radix[j])
                    key += matrix[:, j].astype(np.int64) - self.lo[j]
            return (np.where(inside, key, 0) if check else key), inside
        return _words(matrix), np.ones(len(matrix), bool)


def _words(matrix: np.ndarray) -> np.ndarray:
    """Rows of a fixed-width uint8 matrix (width <= 16) as one or two big-endian uint64 words each.

    Zero-padded on the right, so the words' order (first word, then second) is the strings' order.
    """
    width = matrix.shape[1]
    words = (width + 7) // 8
    padded = np.zeros((len(matrix), 8 * words), dtype=np.uint8)
    padded[:, :width] = matrix
    return padded.view(">u8").astype(np.uint64)


def fixed_width_words(values):
    """Arrow strings of one fixed byte width (at most 16) as integer words that sort like the strings.

    Parameters
    ----------
    values : Series or Index
        An id column.

    Returns
    -------
    ndarray of uint64, shape (n, 1) or (n, 2), or None
        One or two big-endian words per row (see :func:`_words`); None unless ``values`` are
        Arrow-backed strings without missing values, all of the same width of 1 to 16 bytes.

    Examples
    --------
    >>> words = fixed_width_words(pd.Series(["S-02", "S-01"], dtype="string[pyarrow]"))
    >>> words.shape, bool(words[1, 0] < words[0, 0])
    ((2, 1), True)
    >>> fixed_width_words(pd.Series(["a", "bb"], dtype="string[pyarrow]")) is None
    True
    """
    fixed = _fixed_width_bytes(values)
    return None if fixed is None else _words(fixed[1])


def _dense_factorize(key: np.ndarray, size: int):
    """pd.factorize of int keys in [0, size): (codes, first row of each code, code of every key)."""
    n = len(key)
    first = group_min(key, np.arange(n, dtype=np.int64), size, n)
    present = np.flatnonzero(first < n)
    first_rows = np.sort(first[present])
    code_of = np.full(size, -1, dtype=np.int64)
    code_of[key[first_rows]] = np.arange(len(first_rows))
    return code_of[key], first_rows, code_of


def _hash_factorize(keys: np.ndarray):
    """pd.factorize of one or two uint64 words per row: (codes, first row of each code, lookup state)."""
    if keys.shape[1] == 1:
        codes, uniques = pd.factorize(keys[:, 0])
        state = (pd.Index(uniques), None, None)
    else:
        hi_codes, hi = pd.factorize(keys[:, 0])
        lo_codes, lo = pd.factorize(keys[:, 1])
        codes, pairs = pd.factorize(hi_codes.astype(np.int64) * len(lo) + lo_codes)
        state = (pd.Index(hi), pd.Index(lo), pd.Index(pairs))
    n = len(codes)
    first = group_min(codes, np.arange(n, dtype=np.int64), codes.max() + 1 if n else 0, n)
    return codes, first, state


def _strings(matrix: np.ndarray):
    """Rows of a fixed-width uint8 matrix as an Arrow string array."""
    import pyarrow as pa

    k, width = matrix.shape
    offsets = (np.arange(k + 1, dtype=np.int64) * width).astype(np.int32)
    return pa.StringArray.from_buffers(k, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(matrix).tobytes()))


class IdCodes:
    """Contact ids <-> integer codes, shared by every table.

    ``IdCodes(col_a, col_b, ...)`` factorises the given id columns together (None for a missing
    one); their codes are in ``self.given`` in the same order. ``self.index`` holds the distinct ids
    (named ``name``, in order of first appearance, as ``pd.factorize`` gives them) and ``self.n``
    their number. Ids of other tables are looked up with :meth:`codes` (-1 for an id not in the index).
    With ``labels=False`` the index is not built (for codes that only need to tell ids apart).

    >>> ids = IdCodes(pd.Series(["S-02", "S-01", "S-02"], dtype="string[pyarrow]"),
    ...               pd.Series(["S-07", "S-01"], dtype="string[pyarrow]"))
    >>> list(ids.index), [c.tolist() for c in ids.given]
    (['S-02', 'S-01', 'S-07'], [[0, 1, 0], [2, 1]])
    >>> ids.codes(pd.Series(["S-07", "S-99"], dtype="string[pyarrow]")).tolist()
    [2, -1]
    """

    def __init__(self, *id_columns, name: str | None = "contact_id", labels: bool = True):
        self._keys = None
        present = [c for c in id_columns if c is not None]
        fixed = [_fixed_width_bytes(c) for c in present]
        if present and all(f is not None for f in fixed) and len({f[0] for f in fixed}) == 1:
            matrices = [f[1] for f in fixed]
            self._keys = _Keys(matrices)
            keys = np.concatenate([self._keys.keys(m, check=False)[0] for m in matrices])
            if self._keys.dense:
                codes, first_rows, self._state = _dense_factorize(keys, self._keys.size)
            else:
                codes, first_rows, self._state = _hash_factorize(keys)
            self.n = len(first_rows)
            if labels:
                rows = np.concatenate(matrices)[first_rows] if len(matrices) > 1 else matrices[0][first_rows]
                self.index = pd.Index(pd.array(_strings(rows), dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
                                      name=name)
        elif len(present) == 1 and isinstance(getattr(present[0], "dtype", None), pd.CategoricalDtype):
            # one categorical column (how the orders reader hands over customer ids): factorizing its
            # integer codes gives the same codes and order of first appearance as its values would
            codes, uniques = pd.factorize(present[0], use_na_sentinel=True)
            self.index = pd.Index(np.asarray(uniques, dtype=object), name=name)
            self.n = len(self.index)
        else:
            objs = [pd.Series(np.asarray(c, dtype=object)) if not isinstance(c, pd.Series) else c.reset_index(drop=True)
                    for c in present]
            allids = (pd.concat([c.astype(object) for c in objs], ignore_index=True) if objs
                      else pd.Series([], dtype=object))
            codes, uniques = pd.factorize(allids, use_na_sentinel=True)
            self.index = pd.Index(np.asarray(uniques, dtype=object), name=name)
            self.n = len(self.index)
        codes = np.asarray(codes, dtype=np.intp)
        self.given, start = [], 0
        for column in id_columns:
            if column is None:
                self.given.append(None)
            else:
                self.given.append(codes[start:start + len(column)])
                start += len(column)

    def codes(self, ids) -> np.ndarray:
        """Codes of other ids (-1 where an id is not in the index)."""
        if self._keys is not None:
            fixed = _fixed_width_bytes(ids)
            if fixed is not None and fixed[0] == self._keys.width:
                keys, inside = self._keys.keys(fixed[1])
                if self._keys.dense:
                    return np.where(inside, self._state[keys], -1).astype(np.intp)
                hi, lo, pairs = self._state
                if lo is None:
                    return hi.get_indexer(keys[:, 0])
                h, low = hi.get_indexer(keys[:, 0]), lo.get_indexer(keys[:, 1])
                pair = np.where((h >= 0) & (low >= 0), h.astype(np.int64) * len(lo) + low, -1)
                return np.where(pair >= 0, pairs.get_indexer(pair), -1)
        return self.index.get_indexer(np.asarray(ids, dtype=object))


# ---------------------------------------------------------------------------------------------
# Labels (event names, pages, sources...)
# ---------------------------------------------------------------------------------------------
def label_codes(column, fill: str = "nan"):
    """(codes, labels): integer codes and the label of each code as str; a missing value has code -1.

    ``labels[-1]`` is ``fill``, the text a missing value compares as (``"nan"`` like ``astype(str)``,
    or ``""`` like ``astype("string").fillna("")``), so ``labels[codes]`` is the column as text.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = np.asarray(column.cat.codes, dtype=np.intp)
        cats = column.cat.categories
        labels = [str(x) for x in cats]
    else:
        codes, uniques = pd.factorize(column)
        codes = np.asarray(codes, dtype=np.intp)
        labels = [str(x) for x in uniques]
    return codes, np.asarray(labels + [fill], dtype=object)


def is_label(coded, names) -> np.ndarray:
    """Boolean mask: the column (as from :func:`label_codes`) equals one of ``names``."""
    codes, labels = coded
    if isinstance(names, str):
        names = [names]
    hit = np.isin(labels, list(names))
    return hit[codes]


# ---------------------------------------------------------------------------------------------
# Reductions per code
# ---------------------------------------------------------------------------------------------
def _group_reduce(ufunc, codes, values, n, fill) -> np.ndarray:
    """``ufunc.at`` per group code; datetimes go through their int64 view (the fast path of ``ufunc.at``)."""
    values = np.asarray(values)
    out = np.full(n, fill, dtype=values.dtype)
    if len(codes):
        if values.dtype.kind == "M":
            ufunc.at(out.view(np.int64), codes, values.view(np.int64))
        else:
            ufunc.at(out, codes, values)
    return out


def group_min(codes, values, n: int, fill) -> np.ndarray:
    """The smallest value of each group code ``0..n-1``; ``fill`` where a code has no value.

    Parameters
    ----------
    codes : ndarray of int
        The group code of each value, in ``0..n-1``.
    values : ndarray
        Numbers or datetimes (without NaT: their int64 view is compared), one per code.
    n : int
        Number of groups.
    fill : scalar
        The result of a group without values, and the starting point of every group (so a value
        beyond ``fill`` never wins).

    Returns
    -------
    ndarray of length ``n``, of the dtype of ``values``.

    Examples
    --------
    >>> group_min(np.array([0, 0, 2]), np.array([5, 3, 7]), 4, 99).tolist()
    [3, 99, 7, 99]
    """
    return _group_reduce(np.minimum, codes, values, n, fill)


def group_max(codes, values, n: int, fill) -> np.ndarray:
    """The largest value of each group code ``0..n-1``; ``fill`` where a code has no value.

    Parameters and result as :func:`group_min`.

    Examples
    --------
    >>> days = np.array(["2025-01-02", "2025-03-01"], dtype="datetime64[ns]")
    >>> group_max(np.array([1, 1]), days, 2, np.datetime64("1678-01-01", "ns")).astype("datetime64[D]").tolist()
    [datetime.date(1678, 1, 1), datetime.date(2025, 3, 1)]
    """
    return _group_reduce(np.maximum, codes, values, n, fill)


def group_count(codes, n: int, mask=None, weights=None) -> np.ndarray:
    """How many values (or the sum of ``weights``) each group code ``0..n-1`` has, among the rows of ``mask``.

    Parameters
    ----------
    codes : ndarray of int
        The group code of each row, in ``0..n-1``.
    n : int
        Number of groups.
    mask : ndarray of bool, optional
        The rows to count (default: all).
    weights : ndarray of float, optional
        Sum these instead of counting rows.

    Returns
    -------
    ndarray of length ``n``: int64 counts, or float sums with ``weights``.

    Examples
    --------
    >>> codes = np.array([0, 2, 2, 2])
    >>> group_count(codes, 3).tolist(), group_count(codes, 3, mask=codes > 0).tolist()
    ([1, 0, 3], [0, 0, 3])
    >>> group_count(codes, 3, weights=np.array([1.5, 1.0, 2.0, 0.5])).tolist()
    [1.5, 0.0, 3.5]
    """
    if mask is not None:
        codes = codes[mask]
        weights = None if weights is None else weights[mask]
    return np.bincount(codes, weights=weights, minlength=n)


# ---------------------------------------------------------------------------------------------
# Text columns built with Arrow kernels
# ---------------------------------------------------------------------------------------------
class Text:
    """An Arrow string array that concatenates with ``+`` (with str or another Text) element-wise."""

    __slots__ = ("arr",)

    def __init__(self, arr):
        self.arr = arr

    @staticmethod
    def _raw(x):
        return x.arr if isinstance(x, Text) else x

    def __add__(self, other):
        import pyarrow.compute as pc

        return Text(pc.binary_join_element_wise(self.arr, self._raw(other), ""))

    def __radd__(self, other):
        import pyarrow.compute as pc

        return Text(pc.binary_join_element_wise(self._raw(other), self.arr, ""))

    def __len__(self):
        return len(self.arr)

    def nonempty(self) -> np.ndarray:
        import pyarrow.compute as pc

        return pc.not_equal(pc.binary_length(self.arr), 0).to_numpy(zero_copy_only=False)


def where(mask, a, b) -> Text:
    """Element-wise ``a if mask else b`` (str or Text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = np.asarray(mask, dtype=bool)
    a, b = Text._raw(a), Text._raw(b)
    if isinstance(a, str) and isinstance(b, str):
        return Text(pa.array(np.where(mask, a, b).astype(object), type=pa.string()))
    return Text(pc.if_else(pa.array(mask), a, b))


def _as_text(values) -> Text:
    import pyarrow as pa

    return Text(pa.array(np.asarray(values, dtype=object), type=pa.string()))


def fmt(values, decimals: int = 0) -> Text:
    """Numbers as short strings ("?" for NaN): the same text as ``str(round(x))`` / numpy's ``str``.

    Each distinct rounded value is formatted once, so a column of a million counts costs a sort.
    """
    import pyarrow as pa

    arr = np.asarray(values, dtype="float64")
    nan = np.isnan(arr)
    if decimals == 0:
        key = np.nan_to_num(np.round(arr)).astype(np.int64)
        uniq, inverse = np.unique(key, return_inverse=True)
        text = uniq.astype(str)
    else:
        scaled = np.round(np.nan_to_num(arr), decimals)
        uniq, inverse = np.unique(scaled, return_inverse=True)
        text = np.char.ljust(uniq.astype(str), decimals + 2, "0")
    table = pa.array(np.append(text, "?").astype(object), type=pa.string())
    inverse = np.where(nan, len(text), inverse.reshape(-1))
    return Text(table.take(pa.array(inverse)))


def plural(n, word: str) -> Text:
    return where(np.asarray(n) == 1, word, word + "s")


def join(parts, sep: str) -> Text:
    """Join the non-empty strings of several aligned Text columns, element-wise, with ``sep``."""
    text = parts[0] if isinstance(parts[0], Text) else _as_text(parts[0])
    for part in parts[1:]:
        part = part if isinstance(part, Text) else _as_text(part)
        text = text + where(text.nonempty() & part.nonempty(), sep, "") + part
    return text


def str_column(text) -> pd.api.extensions.ExtensionArray:
    """A Text (or Arrow array) as a pandas ``str`` column (Arrow storage, NaN as missing)."""
    arr = Text._raw(text)
    return pd.array(arr, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def date_text(stamps) -> Text:
    """Datetimes as YYYY-MM-DD text, "?" where missing.

    Parameters
    ----------
    stamps : array-like of datetime64
        The moments to write.

    Returns
    -------
    Text

    Examples
    --------
    >>> date_text(np.array(["2025-03-01T10:30", "NaT"], dtype="datetime64[ns]")).arr.to_pylist()
    ['2025-03-01', '?']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(np.asarray(stamps, dtype="datetime64[ns]"), from_pandas=True)
    return Text(pc.fill_null(pc.strftime(arr, format="%Y-%m-%d"), "?"))


def assemble(pieces, positions, n: int):
    """One ``str`` column of ``n`` rows from Text pieces, each written for some of the rows.

    Parameters
    ----------
    pieces : list of Text
        The text of each group of rows.
    positions : list of ndarray of int
        The rows each piece holds, in the piece's order; together every row ``0..n-1`` once.
    n : int
        Number of rows (all empty strings when there are no pieces).

    Returns
    -------
    pandas ExtensionArray of str, as :func:`str_column` gives it.

    Examples
    --------
    >>> odd, even = where([True], "one", ""), where([True, True], "zero", "")
    >>> list(assemble([odd, even], [np.array([1]), np.array([0, 2])], 3))
    ['zero', 'one', 'zero']
    """
    import pyarrow as pa

    if not pieces:
        return str_column(pa.array([""] * n, type=pa.string()))
    order = np.concatenate(positions)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(len(order))
    combined = pa.concat_arrays([p.arr for p in pieces])
    return str_column(combined.take(pa.array(inverse)))
