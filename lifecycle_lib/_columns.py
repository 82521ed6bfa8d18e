"""Fast column work shared by segments, funnel and cohorts: id codes, label codes and text columns.

The sample tables hold ids and labels as Arrow-backed strings or categoricals. Turning them into
Python objects (``.to_numpy(dtype=object)``, ``.astype(str)``) costs more than the whole analysis on
the large sample, so these helpers work on integer codes instead:

- :class:`IdCodes` gives every contact id of several tables one shared integer code. Fixed-width
  Arrow strings (``S-000123``) are read as big-endian integers, which factorise far faster than
  hashed strings; anything else goes through ``pd.factorize``. Codes and the order of the index
  are those of ``pd.factorize`` on the tables' ids one after another (order of first appearance).
- :func:`label_codes` and :func:`is_label` compare a categorical or string column with names by code.
- :class:`Text` builds a reason column with Arrow string kernels instead of Python string objects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["IdCodes", "label_codes", "is_label", "Text", "fmt", "plural", "join", "where", "str_column"]


# ---------------------------------------------------------------------------------------------
# Contact ids
# ---------------------------------------------------------------------------------------------
def _fixed_width(values):
    """(width, n x words uint64 keys) for an Arrow string column of one fixed width <= 16 bytes, else None."""
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
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]].reshape(n, width)
    words = (width + 7) // 8
    padded = np.zeros((n, 8 * words), dtype=np.uint8)
    padded[:, :width] = data
    return width, padded.view(">u8").astype(np.uint64)


def _decode(keys: np.ndarray, width: int):
    """Fixed-width keys back to an Arrow string array."""
    import pyarrow as pa

    k = len(keys)
    raw = np.ascontiguousarray(keys.astype(">u8")).view(np.uint8).reshape(k, -1)[:, :width]
    offsets = (np.arange(k + 1, dtype=np.int64) * width).astype(np.int32)
    return pa.StringArray.from_buffers(k, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(raw).tobytes()))


class IdCodes:
    """Contact ids <-> integer codes, shared by every table.

    ``IdCodes(col_a, col_b, ...)`` factorises the given id columns together (None for a missing
    one); their codes are in ``self.given`` in the same order. ``self.index`` holds the distinct ids
    (named ``contact_id``, in order of first appearance) and ``self.n`` their number. Ids of other
    tables are looked up with :meth:`codes` (-1 for an id not in the index).
    """

    def __init__(self, *id_columns, name: str = "contact_id"):
        self._fast = None
        present = [c for c in id_columns if c is not None]
        fixed = [_fixed_width(c) for c in present]
        if present and all(f is not None for f in fixed) and len({f[0] for f in fixed}) == 1:
            width = fixed[0][0]
            keys = np.concatenate([f[1] for f in fixed]) if len(fixed) > 1 else fixed[0][1]
            if keys.shape[1] == 1:
                codes, uniques = pd.factorize(keys[:, 0])
                word_uniques = (uniques,)
                combined_uniques = None
                uniq_keys = uniques[:, None]
            else:
                hi_codes, hi = pd.factorize(keys[:, 0])
                lo_codes, lo = pd.factorize(keys[:, 1])
                pair = hi_codes.astype(np.int64) * len(lo) + lo_codes
                codes, combined_uniques = pd.factorize(pair)
                word_uniques = (hi, lo)
                uniq_keys = np.column_stack([hi[combined_uniques // len(lo)], lo[combined_uniques % len(lo)]])
            self._fast = (width, word_uniques, combined_uniques)
            labels = _decode(uniq_keys, width)
            self.index = pd.Index(pd.array(labels, dtype=pd.StringDtype("pyarrow", na_value=np.nan)), name=name)
        else:
            objs = [pd.Series(np.asarray(c, dtype=object)) if not isinstance(c, pd.Series) else c.reset_index(drop=True)
                    for c in present]
            allids = (pd.concat([c.astype(object) for c in objs], ignore_index=True) if objs
                      else pd.Series([], dtype=object))
            codes, uniques = pd.factorize(allids, use_na_sentinel=True)
            self.index = pd.Index(np.asarray(uniques, dtype=object), name=name)
        codes = np.asarray(codes, dtype=np.intp)
        self.n = len(self.index)
        self.given, start = [], 0
        for column in id_columns:
            if column is None:
                self.given.append(None)
            else:
                self.given.append(codes[start:start + len(column)])
                start += len(column)

    def codes(self, ids) -> np.ndarray:
        """Codes of other ids (-1 where an id is not in the index)."""
        if self._fast is not None:
            fixed = _fixed_width(ids)
            width, word_uniques, combined = self._fast
            if fixed is not None and fixed[0] == width:
                keys = fixed[1]
                if combined is None:
                    return pd.Index(word_uniques[0]).get_indexer(keys[:, 0])
                hi = pd.Index(word_uniques[0]).get_indexer(keys[:, 0])
                lo = pd.Index(word_uniques[1]).get_indexer(keys[:, 1])
                pair = np.where((hi >= 0) & (lo >= 0), hi.astype(np.int64) * len(word_uniques[1]) + lo, -1)
                out = pd.Index(combined).get_indexer(pair)
                return np.where(pair >= 0, out, -1)
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
