"""What kind of value an answer is, and how to name it without showing it.

The comparison's messages say "a Series with 3 rows" or "a number", never the expected value:
:func:`describe` writes those words, :func:`kind_of` sorts a value into a family (number, string,
list, frame...), and :func:`plain_item` / :func:`as_items` turn numpy scalars and collections into
plain Python values that can be hashed and compared. pandas and numpy are looked up only when the
value could be one of theirs.
"""

from __future__ import annotations

import sys

__all__ = ["kind_of", "plural", "shorten", "plain_item", "as_items", "describe"]


def _is_number(x) -> bool:
    import numbers

    if isinstance(x, bool):
        return False
    try:
        import numpy as np

        if isinstance(x, np.bool_):
            return False
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    return isinstance(x, numbers.Real)


def _is_bool(x) -> bool:
    if isinstance(x, bool):
        return True
    np = sys.modules.get("numpy")
    return np is not None and isinstance(x, np.bool_)


def kind_of(x) -> str:
    """The family a value belongs to, which decides how it is compared and described.

    Parameters
    ----------
    x : object
        Any value: an answer, an expected value, an item of either.

    Returns
    -------
    str
        One of ``number``, ``bool``, ``string``, ``list`` (also a tuple, a pandas Index or a 1-d
        array), ``set``, ``dict``, ``series``, ``frame``, ``array`` (any other array), ``none``
        (``None`` or ``...``) and ``other``.

    Examples
    --------
    >>> [kind_of(v) for v in (3, 2.5, True, "a", (1, 2), {1}, {"a": 1}, None, ...)]
    ['number', 'number', 'bool', 'string', 'list', 'set', 'dict', 'none', 'none']
    >>> import pandas as pd
    >>> kind_of(pd.Series([1, 2])), kind_of(pd.DataFrame({"a": [1]}))
    ('series', 'frame')
    """
    if x is None or x is Ellipsis:
        return "none"
    if _is_bool(x):
        return "bool"
    if _is_number(x):
        return "number"
    if isinstance(x, str):
        return "string"
    pd = sys.modules.get("pandas")
    if pd is not None:
        if isinstance(x, pd.DataFrame):
            return "frame"
        if isinstance(x, pd.Series):
            return "series"
        if isinstance(x, pd.Index):
            return "list"
    np = sys.modules.get("numpy")
    if np is not None and isinstance(x, np.ndarray):
        return "array" if x.ndim != 1 else "list"
    if isinstance(x, (set, frozenset)):
        return "set"
    if isinstance(x, (list, tuple)):
        return "list"
    if isinstance(x, dict):
        return "dict"
    return "other"


def plural(n: int, word: str) -> str:
    """A count and a word, the word in the plural unless the count is one.

    Parameters
    ----------
    n : int
        The count.
    word : str
        The word in the singular; the plural adds an ``s``.

    Returns
    -------
    str
        For example ``"1 row"`` or ``"3 rows"``.

    Examples
    --------
    >>> plural(1, "row"), plural(3, "row")
    ('1 row', '3 rows')
    """
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe(x, *, reveal: bool = False) -> str:
    """Type and shape of a value in words; its content only with ``reveal=True`` (for received answers).

    Parameters
    ----------
    x : object
        The value to describe.
    reveal : bool, default False
        Whether to show the content of a number, string or short collection too; only ever
        for what the learner gave, never for the expected value.

    Returns
    -------
    str
        Words such as ``"a number"`` or ``"a Series with 3 rows"``.

    Examples
    --------
    >>> describe(0.25)
    'a number'
    >>> describe(0.25, reveal=True)
    'a number (0.25)'
    >>> describe(["a", "b"])
    'a list of 2 items'
    >>> import pandas as pd
    >>> describe(pd.DataFrame({"a": [1, 2], "b": [3, 4]}))
    "a DataFrame with 2 rows and columns ['a', 'b']"
    """
    kind = kind_of(x)
    if x is Ellipsis:
        return "nothing yet (...)"
    if kind == "none":
        return "None"
    if kind == "number":
        return f"a number ({shorten(x)})" if reveal else "a number"
    if kind == "bool":
        return f"a boolean ({bool(x)})" if reveal else "a boolean (True or False)"
    if kind == "string":
        return f"a string ({shorten(x)})" if reveal else "a string"
    if kind == "frame":
        cols = [str(c) for c in x.columns]
        shown = cols if len(cols) <= 8 else cols[:8] + ["..."]
        return f"a DataFrame with {plural(len(x), 'row')} and columns {shown}"
    if kind == "series":
        return f"a Series with {plural(len(x), 'row')}"
    if kind == "array":
        return f"an array of shape {tuple(x.shape)}"
    if kind in ("list", "set", "dict"):
        name = {"list": type(x).__name__, "set": "set", "dict": "dict"}[kind]
        if name in ("ndarray",):
            name = "array"
        article = "an" if name[0] in "aeiou" else "a"
        items = "entry" if kind == "dict" else "item"
        text = f"{article} {name} of {plural(len(x), items)}"
        if reveal and len(x) <= 10:
            text += f" ({shorten(x)})"
        return text
    return f"an object of type {type(x).__name__}"


def shorten(x, width: int = 60) -> str:
    """The ``repr`` of a value, cut to ``width`` characters (numpy numbers shown as Python ones).

    Parameters
    ----------
    x : object
        The value to show.
    width : int, default 60
        The most characters returned; a longer text ends in ``...``.

    Returns
    -------
    str
        The shortened text.

    Examples
    --------
    >>> shorten("abc")
    "'abc'"
    >>> shorten(list(range(100)), width=20)
    '[0, 1, 2, 3, 4, 5...'
    """
    text = repr(x.item() if hasattr(x, "item") and _is_number(x) else x)
    return text if len(text) <= width else text[: width - 3] + "..."


def plain_item(v):
    """Hashable, comparable plain Python form of an element (numpy scalars become Python ones).

    Parameters
    ----------
    v : object
        One element of a collection, index or column.

    Returns
    -------
    object
        ``v.item()`` for a zero-dimensional numpy value, otherwise ``v`` itself.

    Examples
    --------
    >>> import numpy as np
    >>> type(plain_item(np.int64(3))).__name__, plain_item("a")
    ('int', 'a')
    """
    if hasattr(v, "item") and not isinstance(v, (str, bytes)) and getattr(v, "ndim", 0) == 0:
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    return v


def as_items(x):
    """The elements of a collection as plain Python values, or ``None`` when ``x`` is not one.

    Lists, tuples, sets, 1-d arrays, pandas Index and Series give their values; a dict gives its
    keys. Anything else (a number, a frame) is not a collection of items here.

    Parameters
    ----------
    x : object
        The value to take apart.

    Returns
    -------
    list or None
        The elements, each through :func:`plain_item`.

    Examples
    --------
    >>> import numpy as np
    >>> as_items(np.array([1, 2])), as_items({"a": 1}), as_items(3.5)
    ([1, 2], ['a'], None)
    """
    kind = kind_of(x)
    if kind in ("list", "set"):
        return [plain_item(v) for v in x]
    if kind == "series":
        return [plain_item(v) for v in x.tolist()]
    if kind == "dict":
        return [plain_item(v) for v in x]
    return None
