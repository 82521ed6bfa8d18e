"""The plain data an answer travels in between a graded process and the grader, both directions.

A graded notebook runs in a process of its own (:mod:`lifecycle_lib.tools.grade._harness`);
its answers leave that process as JSON made by :func:`to_plain` and are rebuilt here by
:func:`decode_plain`. Plain data is: ``None``, exact ``bool``/``int``/``float``/``str``, lists,
tuples, sets and dicts of plain data, exact numpy scalars and arrays, and exact pandas
``DataFrame``/``Series``/``Index``/``Timestamp``/``Timedelta`` values. Any subclass, any other
object (however its ``__eq__`` or ``__float__`` behaves), is refused on the way out, and anything
outside the format is refused on the way in: the graded side can forge any line, so the grader
trusts only what it rebuilds itself.

Tagged dicts keep the types JSON lacks (``{"$tuple": [...]}``, ``{"$set": [...]}``,
``{"$frame": {...}}``...). Importing this module imports neither numpy nor pandas; the harness
runs it as part of a plain script.
"""

from __future__ import annotations

import re
import sys

__all__ = ["NotPlain", "PlainDataError", "to_plain", "decode_plain"]

_MAX_ITEMS = 2_000_000
_MAX_DEPTH = 12
_MAX_BYTES = 256 * 1024 * 1024  # the most one rebuilt array or column may allocate


class PlainDataError(ValueError):
    """Data from a graded process that is not in the plain format."""


class NotPlain(Exception):
    """The value is not plain data; the message says what it is."""


def _type_name(value) -> str:
    tp = type(value)
    return f"{tp.__module__}.{tp.__qualname__}" if tp.__module__ != "builtins" else tp.__qualname__


def to_plain(value):
    """Turn an answer into JSON-ready plain data, refusing anything that is not plain.

    Tagged dicts keep the types JSON lacks (tuples, sets, dicts with any keys, frames).

    Parameters
    ----------
    value : object
        An answer variable's value.

    Returns
    -------
    object
        JSON-ready data: ``None``, bools, numbers, strings, lists and tagged dicts.

    Raises
    ------
    NotPlain
        When the value, or anything in it, is not plain data, or it is too large or too deep.

    Examples
    --------
    >>> to_plain([1, 2.5, "a", None, (True,)])
    [1, 2.5, 'a', None, {'$tuple': [True]}]
    >>> class Always(float):
    ...     def __eq__(self, other): return True
    >>> to_plain(Always(1.0))
    Traceback (most recent call last):
    ...
    lifecycle_lib.tools.grade.plain.NotPlain: a ...Always object, which is not plain data
    """
    return _encode(value, 0, [_MAX_ITEMS])


def _encode(value, _depth: int, _budget: list):
    _budget[0] -= 1
    if _budget[0] < 0:
        raise NotPlain("too large (more than two million values)")
    if _depth > _MAX_DEPTH:
        raise NotPlain("nested too deeply")
    tp = type(value)
    if value is None or tp is bool or tp is int or tp is str or tp is float:
        return value
    if value is Ellipsis:  # the blank an exercise ships with: "not answered yet"
        return {"$ellipsis": 1}
    d = _depth + 1
    if tp is list:
        return [_encode(v, d, _budget) for v in value]
    if tp is tuple:
        return {"$tuple": [_encode(v, d, _budget) for v in value]}
    if tp is set or tp is frozenset:
        return {"$set": [_encode(v, d, _budget) for v in value]}
    if tp is dict:
        return {"$dict": [[_encode(k, d, _budget), _encode(v, d, _budget)] for k, v in value.items()]}
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")
    if np is not None:
        if _is_one_of(tp, (np.float64, np.float32, np.float16)):
            return float(value)
        if _is_one_of(tp, (np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8)):
            return int(value)
        if tp is np.bool_:
            return bool(value)
        if tp is np.str_:
            return str.__str__(value)
        if tp is np.datetime64:
            return {"$ts": str(value)} if not np.isnat(value) else {"$nat": 1}
        if tp is np.timedelta64:
            return {"$td": int(value.astype("timedelta64[ns]").astype(np.int64))} if not np.isnat(value) else {"$nat": 1}
        if tp is np.ndarray:
            if value.dtype.kind not in "biufUSOMm":
                raise NotPlain(f"a numpy array of dtype {value.dtype}, which is not plain data")
            if value.size > _MAX_ITEMS:
                raise NotPlain("too large (more than two million values)")
            data = value.tolist() if value.dtype.kind not in "Mm" else [_encode(v, d, _budget) for v in value.ravel()]
            return {"$array": {"dtype": str(value.dtype), "shape": list(value.shape), "data": _encode(data, d, _budget)}}
    if pd is not None:
        if value is pd.NaT:
            return {"$nat": 1}
        if value is pd.NA:
            return {"$na": 1}
        if tp is pd.Timestamp:
            return {"$ts": value.isoformat()}
        if tp is pd.Timedelta:
            return {"$td": int(value.value)}
        if tp is pd.DataFrame:
            if value.size > _MAX_ITEMS:
                raise NotPlain("too large (more than two million values)")
            columns = [_encode(c, d, _budget) for c in value.columns.tolist()]
            dtypes = [str(t) for t in value.dtypes.tolist()]
            data = [_column(value.iloc[:, i], d, _budget) for i in range(value.shape[1])]
            return {"$frame": {"columns": columns, "dtypes": dtypes, "data": data, "index": _index(value.index, d, _budget)}}
        if tp is pd.Series:
            if value.size > _MAX_ITEMS:
                raise NotPlain("too large (more than two million values)")
            return {"$series": {"name": _encode(value.name, d, _budget), "dtype": str(value.dtype),
                                "data": _column(value, d, _budget), "index": _index(value.index, d, _budget)}}
        if _is_one_of(tp, (pd.Index, pd.RangeIndex, pd.DatetimeIndex, pd.MultiIndex, pd.CategoricalIndex)):
            return {"$index": _index(value, d, _budget)}
    import datetime as _dt

    if tp is _dt.datetime or tp is _dt.date:
        return {"$ts": value.isoformat()}
    raise NotPlain(f"a {_type_name(value)} object, which is not plain data")


def _is_one_of(tp, types) -> bool:
    """Identity, not equality: a class with a rigged metaclass ``__eq__`` matches nothing."""
    return any(tp is t for t in types)


def _column(series, depth, budget):
    dtype = series.dtype
    if str(dtype) == "category":
        values = series.astype(object).tolist()
    else:
        values = series.tolist()
    return [_encode(v, depth, budget) for v in values]


def _index(index, depth, budget):
    values = index.tolist()
    names = [_encode(n, depth, budget) for n in index.names]
    return {"dtype": str(index.dtype), "names": names, "data": [_encode(v, depth, budget) for v in values]}


# ----------------------------------------------------------------------------- the way back

_DTYPE_RE = re.compile(r"^[<>|=]?[A-Za-z0-9\[\], :_]{1,40}$")


def decode_plain(data):
    """Rebuild a value from the plain format sent by a graded process, refusing anything else.

    Parameters
    ----------
    data : object
        JSON as :func:`to_plain` writes it.

    Returns
    -------
    object
        The value: built-in types, numpy arrays, pandas objects.

    Raises
    ------
    PlainDataError
        When ``data`` is outside the format, too large to rebuild (checked before anything
        is allocated), or cannot be rebuilt for any other reason.

    Examples
    --------
    >>> decode_plain(to_plain({"n": (1, 2)}))
    {'n': (1, 2)}
    >>> decode_plain({"$tuple": [1, {"$set": ["a"]}]})
    (1, {'a'})
    >>> decode_plain({"$frame": {"columns": ["n"], "dtypes": ["int64"], "data": [[1, 2]],
    ...               "index": {"dtype": "int64", "names": [None], "data": [0, 1]}}})
       n
    0  1
    1  2
    >>> decode_plain({"__class__": "Always"})
    Traceback (most recent call last):
    ...
    lifecycle_lib.tools.grade.plain.PlainDataError: not plain data: a dict with keys ['__class__']
    >>> decode_plain({"$array": {"dtype": "S1000000000", "shape": [3], "data": ["a", "b", "c"]}})
    Traceback (most recent call last):
    ...
    lifecycle_lib.tools.grade.plain.PlainDataError: an array too large to rebuild (3000000000 bytes)
    """
    try:
        return _decode(data, 0)
    except PlainDataError:
        raise
    except RecursionError as exc:
        raise PlainDataError("nested too deeply") from exc
    except Exception as exc:  # whatever pandas or numpy raise on forged input: not plain data either
        raise PlainDataError(f"a value that cannot be rebuilt ({type(exc).__name__}: {str(exc)[:80]})") from exc


def _checked_dtype(name, count: int, what: str):
    """The numpy or pandas dtype named ``name`` (None if unknown), refused when ``count`` values would be too large."""
    if type(name) is not str or not _DTYPE_RE.match(name):
        raise PlainDataError(f"{what} without a readable dtype")
    import numpy as np
    import pandas as pd

    try:
        dtype = pd.api.types.pandas_dtype(name)
    except (TypeError, ValueError):
        return None
    if isinstance(dtype, np.dtype):
        if dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in "biufcUSOMm":
            raise PlainDataError(f"{what} of dtype {name}, which is not plain data")
        if count * dtype.itemsize > _MAX_BYTES:
            raise PlainDataError(f"{what} too large to rebuild ({count * dtype.itemsize} bytes)")
    return dtype


def _leaves(values, depth: int = 0) -> int:
    """How many values a nested list holds (its innermost non-list items)."""
    if type(values) is not list:
        return 1
    if depth > _MAX_DEPTH:
        raise PlainDataError("nested too deeply")
    return sum(_leaves(v, depth + 1) for v in values) if values and type(values[0]) is list else len(values)


def _decode(data, _depth: int):
    if _depth > 40:
        raise PlainDataError("nested too deeply")
    tp = type(data)
    if data is None or tp is bool or tp is int or tp is float or tp is str:
        return data
    if tp is list:
        return [_decode(v, _depth + 1) for v in data]
    if tp is not dict or len(data) != 1:
        keys = sorted(data)[:5] if tp is dict else None
        raise PlainDataError(f"not plain data: a dict with keys {keys}" if keys is not None else f"not plain data: {tp.__name__}")
    (tag, body), = data.items()
    d = _depth + 1
    if tag == "$tuple" and type(body) is list:
        return tuple(_decode(v, d) for v in body)
    if tag == "$set" and type(body) is list:
        try:
            return set(_decode(v, d) for v in body)
        except TypeError as exc:
            raise PlainDataError(f"a set of unhashable values ({exc})") from exc
    if tag == "$dict" and type(body) is list:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise PlainDataError("a dict entry that is not a key-value pair")
            try:
                out[_decode(pair[0], d)] = _decode(pair[1], d)
            except TypeError as exc:
                raise PlainDataError(f"a dict with an unhashable key ({exc})") from exc
        return out
    import pandas as pd

    if tag == "$ts" and type(body) is str:
        try:
            return pd.Timestamp(body)
        except (ValueError, TypeError) as exc:
            raise PlainDataError(f"a timestamp that cannot be read ({exc})") from exc
    if tag == "$td" and type(body) is int:
        return pd.Timedelta(body, unit="ns")
    if tag == "$ellipsis" and body == 1:
        return Ellipsis
    if tag == "$nat" and body == 1:
        return pd.NaT
    if tag == "$na" and body == 1:
        return pd.NA
    if tag == "$array" and type(body) is dict:
        import numpy as np

        dtype, shape = body.get("dtype"), body.get("shape")
        if (type(shape) is not list or len(shape) > 32
                or not all(type(n) is int and 0 <= n <= _MAX_ITEMS for n in shape)):
            raise PlainDataError("an array without a readable shape")
        size = 1
        for n in shape:
            size = min(size * n, _MAX_ITEMS + 1)
        if size > _MAX_ITEMS:
            raise PlainDataError("an array too large to rebuild (more than two million values)")
        dtype = _checked_dtype(dtype, size, "an array")
        if dtype is None:
            raise PlainDataError("an array with an unknown dtype")
        values = _decode(body.get("data"), d)
        if _leaves(values) != size:
            raise PlainDataError("an array whose values do not fill its shape")
        try:
            array = np.array(values, dtype=dtype)
            return array.reshape(shape)
        except (TypeError, ValueError, OverflowError) as exc:
            raise PlainDataError(f"an array that cannot be rebuilt ({str(exc)[:80]})") from exc
    if tag == "$index" and type(body) is dict:
        return _decode_index(body, d)
    if tag == "$series" and type(body) is dict:
        index = _decode_index(body.get("index"), d)
        values = _decode(body.get("data"), d)
        if type(values) is not list or len(values) != len(index):
            raise PlainDataError("a series whose values and index differ in length")
        series = _decode_column(values, body.get("dtype"))
        series.index = index
        series.name = _decode(body.get("name"), d)
        return series
    if tag == "$frame" and type(body) is dict:
        index = _decode_index(body.get("index"), d)
        columns = _decode(body.get("columns"), d)
        dtypes, data = body.get("dtypes"), body.get("data")
        if not (type(columns) is list and type(dtypes) is list and type(data) is list
                and len(columns) == len(dtypes) == len(data)):
            raise PlainDataError("a frame whose columns, dtypes and data differ in length")
        parts = []
        for values, dtype in zip(data, dtypes):
            values = _decode(values, d)
            if type(values) is not list or len(values) != len(index):
                raise PlainDataError("a frame column whose length differs from the index")
            column = _decode_column(values, dtype)
            column.index = index
            parts.append(column)
        frame = pd.DataFrame(dict(enumerate(parts)), index=index) if parts else pd.DataFrame(index=index)
        try:
            frame.columns = pd.Index(columns, tupleize_cols=True)
        except (TypeError, ValueError) as exc:
            raise PlainDataError(f"frame columns that cannot be rebuilt ({exc})") from exc
        return frame
    raise PlainDataError(f"not plain data: a dict with keys {[tag]}")


def _decode_column(values: list, dtype):
    import pandas as pd

    if len(values) > _MAX_ITEMS:
        raise PlainDataError("a column too large to rebuild (more than two million values)")
    dtype = _checked_dtype(dtype, len(values), "a column")
    if dtype is None:  # a dtype this pandas does not know: the values as they are
        return pd.Series(values, dtype=object if values else None)
    try:
        return pd.Series(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        return pd.Series(values, dtype=object if values else None)


def _decode_index(body, depth):
    import pandas as pd

    if type(body) is not dict:
        raise PlainDataError("an index that is not plain data")
    values = _decode(body.get("data"), depth)
    names = _decode(body.get("names"), depth)
    dtype = body.get("dtype")
    if type(values) is not list or type(names) is not list or not names:
        raise PlainDataError("an index without values or names")
    if len(names) > 1:
        try:
            return pd.MultiIndex.from_tuples(values, names=names) if values else pd.MultiIndex.from_arrays(
                [[] for _ in names], names=names)
        except (TypeError, ValueError) as exc:
            raise PlainDataError(f"a multi-index that cannot be rebuilt ({exc})") from exc
    column = _decode_column(values, dtype)
    return pd.Index(column, name=names[0])
