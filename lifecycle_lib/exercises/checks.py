"""The exercise self-check: ``check("q07_2", churn_rate)`` in an exercise notebook.

A check compares the learner's answer with what the reference solution computes *for the data
variant of the notebook in use*, and teaches either way:

* right: it prints what was checked and, where the author wrote one, a short explanation;
* wrong or missing: it raises :class:`WrongAnswer` (or :class:`NotAnswered`) whose message says what
  kind of object was expected (type, shape), what was received, in which direction the value is off
  (too high, too low, off by a factor) and, when the answer matches a typical mistake recorded in the
  solution, that mistake's specific hint. The expected value itself is never printed.

Because the check cell raises, ``pytest --nbval-lax exercises/07_....ipynb`` fails exactly the check
cells of the questions that are unanswered or wrong.

Expected answers are not stored anywhere. The exercise builder writes a key
(``exercises/.keys/NN_name.key``, compressed and encoded) holding the solution's setup, answer and
mistake *code*; the first check of a notebook runs that code once, in a separate namespace, for the
notebook's ``variant``, and caches the result.

The same comparison serves the grader::

    from lifecycle_lib.exercises.checks import compare, expected_answers, diagnose
    answers = expected_answers("solutions/07_active_returning_at_risk.ipynb", variant=3)
    verdict = diagnose(answers["q07_2"], received_value)   # Verdict(ok=..., message=..., hint=...)
"""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import math
import os
import re
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CheckError",
    "NotAnswered",
    "WrongAnswer",
    "KeyProblem",
    "Verdict",
    "Expected",
    "check",
    "compare",
    "diagnose",
    "describe",
    "expected_answers",
    "encode_key",
    "decode_key",
    "read_key",
    "find_key",
    "QUESTION_ID",
    "KEY_HEADER",
]

#: A question id: ``q`` + the exercise number + ``_`` + the question number, e.g. ``q07_2``.
QUESTION_ID = re.compile(r"^q(\d{2})_(\d+)$")

#: First line of every key file; the rest is base64 of zlib-compressed JSON.
KEY_HEADER = "lifecycle-key 1"

_DEFAULT_RTOL = 1e-6
_DEFAULT_ATOL = 1e-9


class CheckError(Exception):
    """Base class of everything a check raises; the message is written for the learner.

    In Jupyter the error shows as its message alone, without the check's own code in a traceback.
    """

    def _render_traceback_(self):
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {line}" if i == 0 else line
                for i, line in enumerate(str(self).splitlines())]


class NotAnswered(CheckError):
    """The answer variable still holds ``...`` (or ``None``)."""


class WrongAnswer(CheckError):
    """The answer does not match what the solution computes for this variant."""


class KeyProblem(CheckError):
    """The check cannot find or run the exercise's key (the notebook was moved, or the key is stale)."""


@dataclass(frozen=True)
class Verdict:
    """Outcome of comparing a received answer with the expected one.

    ``message`` describes the received answer against the expected type and shape, never the
    expected value; ``hint`` is the specific advice for a recognised typical mistake, if any.

    >>> Verdict(False, "Expected a number; you gave a string ('12').")
    Verdict(ok=False, message="Expected a number; you gave a string ('12').")
    >>> bool(Verdict(True, "Right."))
    True
    """

    ok: bool
    message: str
    hint: str | None = None

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        hint = f", hint={self.hint!r}" if self.hint else ""
        return f"Verdict(ok={self.ok}, message={self.message!r}{hint})"


@dataclass
class Expected:
    """What one question expects for one variant: the value, how to compare, and the typical mistakes.

    ``mistakes`` is a list of ``(value, hint)`` pairs computed by the solution's mistake cells.
    Its printed form describes the value without showing it, like every message of the checks:

    >>> expected = Expected("q01_1", "share", 0.4, mistakes=[(0.6, "You took the share of the others.")])
    >>> expected
    Expected(q01_1: share = a number, 1 typical mistake(s), 1 point(s))
    >>> diagnose(expected, 0.6).hint
    'You took the share of the others.'
    """

    qid: str
    answer: str
    value: Any
    spec: dict = field(default_factory=dict)
    mistakes: list = field(default_factory=list)
    points: float = 1
    explain: str | None = None

    def __repr__(self) -> str:
        return (
            f"Expected({self.qid}: {self.answer} = {describe(self.value)}, "
            f"{len(self.mistakes)} typical mistake(s), {self.points} point(s))"
        )


# --------------------------------------------------------------------------------------------------
# describing values without revealing them


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


def _kind(x) -> str:
    """A short family name: number, bool, string, list, set, dict, series, frame, array, none, other."""
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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe(x, *, reveal: bool = False) -> str:
    """Type and shape of a value in words; its content only with ``reveal=True`` (for received answers).

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
    kind = _kind(x)
    if x is Ellipsis:
        return "nothing yet (...)"
    if kind == "none":
        return "None"
    if kind == "number":
        return f"a number ({_short(x)})" if reveal else "a number"
    if kind == "bool":
        return f"a boolean ({bool(x)})" if reveal else "a boolean (True or False)"
    if kind == "string":
        return f"a string ({_short(x)})" if reveal else "a string"
    if kind == "frame":
        cols = [str(c) for c in x.columns]
        shown = cols if len(cols) <= 8 else cols[:8] + ["..."]
        return f"a DataFrame with {_plural(len(x), 'row')} and columns {shown}"
    if kind == "series":
        return f"a Series with {_plural(len(x), 'row')}"
    if kind == "array":
        return f"an array of shape {tuple(x.shape)}"
    if kind in ("list", "set", "dict"):
        name = {"list": type(x).__name__, "set": "set", "dict": "dict"}[kind]
        if name in ("ndarray",):
            name = "array"
        article = "an" if name[0] in "aeiou" else "a"
        items = "entry" if kind == "dict" else "item"
        text = f"{article} {name} of {_plural(len(x), items)}"
        if reveal and len(x) <= 10:
            text += f" ({_short(x)})"
        return text
    return f"an object of type {type(x).__name__}"


def _short(x, width: int = 60) -> str:
    text = repr(x.item() if hasattr(x, "item") and _is_number(x) else x)
    return text if len(text) <= width else text[: width - 3] + "..."


# --------------------------------------------------------------------------------------------------
# comparing


def compare(expected, received, spec: dict | None = None) -> Verdict:
    """Compare a received answer with the expected one under a question's compare ``spec``.

    ``spec`` keys: ``kind`` (``"auto"`` by default, ``"set"`` for an unordered collection,
    ``"choice"`` with ``options``), ``rtol``/``atol`` for numbers (defaults 1e-6 / 1e-9),
    ``ignore_index`` (compare Series/DataFrame rows by position), ``ordered`` (rows must also be
    in the same order), ``ignore_case`` for strings. The message never shows the expected value.

    >>> compare(0.25, 0.25)
    Verdict(ok=True, message='Right: a number that matches.')
    >>> compare(0.25, 25.0).message
    'Expected a number; your number (25.0) is too high, about 100 times too large (a percentage instead of a fraction?).'
    >>> compare(0.25, 0.2501, {"rtol": 0.01}).ok
    True
    >>> compare("loyal", "bargain", {"kind": "choice", "options": ["loyal", "impulse"]}).message
    "'bargain' is not one of the options: 'loyal', 'impulse'."
    >>> compare({1, 2, 3}, [3, 2, 1], {"kind": "set"}).ok
    True
    """
    spec = dict(spec or {})
    kind = spec.get("kind", "auto")
    if received is Ellipsis or received is None:
        return Verdict(False, f"Not answered yet: expected {describe(expected)}; the answer is {describe(received)}.")
    if kind == "choice":
        return _compare_choice(expected, received, spec)
    if kind == "set":
        return _compare_set(expected, received, spec)
    verdict = _compare_auto(expected, received, spec, where="")
    if verdict.ok:
        return Verdict(True, f"Right: {describe(expected)} that matches.")
    return verdict


def _norm_text(s: str, spec: dict) -> str:
    s = " ".join(str(s).split())
    return s.lower() if spec.get("ignore_case", True) else s


def _compare_choice(expected, received, spec) -> Verdict:
    options = list(spec.get("options", []))
    listed = ", ".join(repr(o) for o in options)
    if isinstance(received, str):
        matches = [o for o in options if isinstance(o, str) and _norm_text(o, spec) == _norm_text(received, spec)]
    else:
        matches = [o for o in options if not isinstance(o, str) and o == received]
    if not matches:
        return Verdict(False, f"{_short(received)} is not one of the options: {listed}.")
    if matches[0] == expected:
        return Verdict(True, f"Right: {matches[0]!r} is the best of the options.")
    return Verdict(False, f"{matches[0]!r} is one of the options, but not the best one for this data. Options: {listed}.")


def _plain(v):
    """Hashable, comparable plain Python form of an element (numpy scalars become Python ones)."""
    if hasattr(v, "item") and not isinstance(v, (str, bytes)) and getattr(v, "ndim", 0) == 0:
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    return v


def _as_collection(x):
    kind = _kind(x)
    if kind in ("list", "set"):
        return [_plain(v) for v in x]
    if kind == "series":
        return [_plain(v) for v in x.tolist()]
    if kind == "dict":
        return [_plain(v) for v in x]
    return None


def _compare_set(expected, received, spec) -> Verdict:
    exp = _as_collection(expected)
    got = _as_collection(received)
    if got is None:
        return Verdict(False, f"Expected a collection of items (any order); you gave {describe(received, reveal=True)}.")
    exp_set, got_set = set(exp), set(got)
    if exp_set == got_set:
        if len(got) != len(got_set) and len(exp) == len(exp_set):
            return Verdict(False, "Your collection has the right items but some of them more than once: remove the duplicates (e.g. with set() or .unique()).")
        return Verdict(True, f"Right: the {len(exp_set)} expected items, in any order.")
    missing = exp_set - got_set
    extra = sorted(got_set - exp_set, key=repr)
    parts = [f"Expected a collection of {_plural(len(exp_set), 'distinct item')} (any order); you gave {_plural(len(got_set), 'distinct item')}."]
    if missing:
        parts.append(f"{_plural(len(missing), 'expected item')} {'is' if len(missing) == 1 else 'are'} missing.")
    if extra:
        shown = ", ".join(_short(v, 30) for v in extra[:8]) + (", ..." if len(extra) > 8 else "")
        parts.append(f"{'This item does' if len(extra) == 1 else 'These items do'} not belong: {shown}.")
    return Verdict(False, " ".join(parts))


def _direction(expected: float, received: float) -> str:
    """'too high'/'too low', plus a factor when the ratio is a round one; never the expected value."""
    if math.isnan(received):
        return "is NaN (not a number): look for a division by zero or missing values"
    if math.isinf(received):
        return "is infinite: look for a division by zero"
    if expected != 0 and received != 0 and (expected > 0) != (received > 0):
        return "has the wrong sign"
    text = "is too high" if received > expected else "is too low"
    if expected != 0 and received != 0:
        ratio = abs(received / expected)
        big = ratio if ratio >= 1 else 1 / ratio
        for factor, why in ((100, " (a percentage instead of a fraction?)"), (1000, ""), (7, " (weeks and days mixed up?)"), (12, " (months and years mixed up?)")):
            if math.isclose(big, factor, rel_tol=1e-3):
                return f"{text}, about {factor} times too {'large' if ratio > 1 else 'small'}{why if ratio > 1 or factor != 100 else ' (a fraction where a percentage was asked?)'}"
        rounded = round(big)
        if 2 <= rounded <= 20 and math.isclose(big, rounded, rel_tol=1e-3):
            return f"{text}, off by a factor of {rounded}"
    return text


def _compare_number(expected, received, spec, where) -> Verdict:
    rtol = float(spec.get("rtol", _DEFAULT_RTOL))
    atol = float(spec.get("atol", _DEFAULT_ATOL))
    e, r = float(expected), float(received)
    if math.isnan(e) and math.isnan(r):
        return Verdict(True, "")
    if not math.isnan(e) and not math.isnan(r) and math.isclose(e, r, rel_tol=rtol, abs_tol=atol):
        return Verdict(True, "")
    tolerance = f" (within {rtol:g} relative tolerance)" if rtol >= 1e-4 else ""
    return Verdict(False, f"Expected {where or 'a number'}{tolerance}; your number ({_short(received)}) {_direction(e, r)}.")


def _compare_auto(expected, received, spec, where) -> Verdict:
    ekind, rkind = _kind(expected), _kind(received)
    label = where or describe(expected)
    if ekind == "number":
        if rkind == "number":
            return _compare_number(expected, received, spec, where)
        if rkind in ("series", "list", "array", "frame"):
            return Verdict(False, f"Expected a single number; you gave {describe(received)}. Reduce it to one value (an aggregate such as .sum(), .mean() or len(), or pick one with .iloc[0]).")
        if rkind == "string":
            return Verdict(False, f"Expected a number; you gave a string ({_short(received)}). Compute the number instead of writing text (no quotes).")
        return Verdict(False, f"Expected a number; you gave {describe(received, reveal=True)}.")
    if ekind == "bool":
        if rkind != "bool":
            return Verdict(False, f"Expected a boolean (True or False); you gave {describe(received, reveal=True)}.")
        ok = bool(expected) == bool(received)
        return Verdict(ok, "" if ok else f"Expected {label}; your {bool(received)} is not right for this data.")
    if ekind == "string":
        if rkind != "string":
            return Verdict(False, f"Expected a string; you gave {describe(received, reveal=True)}.")
        ok = _norm_text(expected, spec) == _norm_text(received, spec)
        return Verdict(ok, "" if ok else f"Expected {label}; your text ({_short(received)}) is not the expected one.")
    if ekind == "series":
        return _compare_series(expected, received, spec, where)
    if ekind == "frame":
        return _compare_frame(expected, received, spec)
    if ekind in ("list", "array"):
        return _compare_sequence(expected, received, spec, where)
    if ekind == "set":
        return _compare_set(expected, received, spec)
    if ekind == "dict":
        return _compare_dict(expected, received, spec)
    try:
        ok = bool(expected == received)
    except Exception:  # an object without a plain equality
        ok = False
    return Verdict(ok, "" if ok else f"Expected {describe(expected)}; you gave {describe(received, reveal=True)}.")


def _compare_sequence(expected, received, spec, where) -> Verdict:
    rkind = _kind(received)
    ekind = _kind(expected)
    if ekind == "array":
        np = sys.modules["numpy"]
        if rkind not in ("array", "list", "series", "frame"):
            return Verdict(False, f"Expected {describe(expected)}; you gave {describe(received, reveal=True)}.")
        got = np.asarray(received)
        if got.shape != expected.shape:
            return Verdict(False, f"Expected {describe(expected)}; you gave an array of shape {got.shape}.")
        return _compare_sequence(list(expected.ravel()), list(got.ravel()), spec, where)
    if rkind not in ("list", "series", "set"):
        return Verdict(False, f"Expected {describe(expected)}; you gave {describe(received, reveal=True)}.")
    if rkind == "set":
        return Verdict(False, f"Expected {describe(expected)} in a specific order; you gave a set, which has no order. Use a sorted list.")
    exp = [_plain(v) for v in expected]
    got = _as_collection(received)
    if len(exp) != len(got):
        return Verdict(False, f"Expected {describe(expected)}; you gave {_plural(len(got), 'item')}.")
    for i, (e, r) in enumerate(zip(exp, got)):
        v = _compare_auto(e, r, spec, where=f"item {i} to be {describe(e)}")
        if not v.ok:
            if set(map(repr, exp)) == set(map(repr, got)):
                return Verdict(False, f"Your {len(got)} items are the right ones but in the wrong order (item {i} differs): sort them as the question asks.")
            return Verdict(False, f"{describe(expected)[0].upper()}{describe(expected)[1:]} was expected; {v.message[0].lower()}{v.message[1:]}")
    return Verdict(True, "")


def _compare_dict(expected, received, spec) -> Verdict:
    if _kind(received) != "dict":
        return Verdict(False, f"Expected {describe(expected)}; you gave {describe(received, reveal=True)}.")
    exp_keys, got_keys = set(map(_plain, expected)), set(map(_plain, received))
    if exp_keys != got_keys:
        missing, extra = len(exp_keys - got_keys), sorted(got_keys - exp_keys, key=repr)
        text = f"Expected {describe(expected)}; you gave {_plural(len(got_keys), 'entry')}."
        if missing:
            text += f" {_plural(missing, 'expected key')} missing."
        if extra:
            text += f" Keys that do not belong: {', '.join(_short(k, 30) for k in extra[:8])}."
        return Verdict(False, text)
    for k in expected:
        v = _compare_auto(expected[k], received[_plain(k)], spec, where=f"the entry {k!r} to be {describe(expected[k])}")
        if not v.ok:
            return Verdict(False, f"Entry {k!r}: {v.message}")
    return Verdict(True, "")


def _values_differ(exp, got, spec):
    """Boolean numpy mask of positions where two aligned 1-d value arrays differ (NaN equals NaN)."""
    import numpy as np
    import pandas as pd

    e, g = pd.Series(exp).reset_index(drop=True), pd.Series(got).reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(e) and pd.api.types.is_numeric_dtype(g) and not pd.api.types.is_bool_dtype(e):
        ef, gf = e.astype("float64").to_numpy(), g.astype("float64").to_numpy()
        close = np.isclose(ef, gf, rtol=float(spec.get("rtol", _DEFAULT_RTOL)), atol=float(spec.get("atol", _DEFAULT_ATOL)), equal_nan=True)
        return ~close, (gf - ef)
    both_na = e.isna().to_numpy() & g.isna().to_numpy()
    same = (e.astype("object") == g.astype("object")).fillna(False).to_numpy(dtype=bool)
    return ~(same | both_na), None


def _align(expected, received, spec):
    """Return (expected, received) aligned row for row, or a Verdict explaining why they cannot be."""
    if spec.get("ignore_index"):
        return expected.reset_index(drop=True), received.reset_index(drop=True)
    exp_idx, got_idx = expected.index, received.index
    if exp_idx.equals(got_idx):
        return expected, received
    if set(map(_plain, exp_idx)) == set(map(_plain, got_idx)) and exp_idx.is_unique and got_idx.is_unique:
        if spec.get("ordered"):
            return Verdict(False, "Your rows are the right ones but in a different order: sort them as the question asks.")
        return expected, received.reindex(exp_idx)
    names = [n for n in exp_idx.names if n is not None]
    hint = ""
    pd = sys.modules["pandas"]
    if isinstance(received, pd.DataFrame) and names and all(n in received.columns for n in names):
        hint = f" The expected rows are labelled by {names}: use .set_index({names[0]!r})." if len(names) == 1 else f" Use .set_index({names})."
    elif names and list(got_idx.names) != list(exp_idx.names):
        hint = f" The expected rows are labelled by {names}; yours by {[n for n in got_idx.names]}."
    elif all(n is None for n in exp_idx.names) and isinstance(exp_idx, pd.RangeIndex):
        hint = " The expected rows are numbered 0, 1, 2, ...: use .reset_index(drop=True) on yours."
    return Verdict(False, f"The row labels (index) of your answer are not the expected ones.{hint}")


def _compare_series(expected, received, spec, where) -> Verdict:
    pd = sys.modules["pandas"]
    if isinstance(received, pd.DataFrame) and received.shape[1] == 1:
        return Verdict(False, f"Expected {describe(expected)}; you gave a DataFrame with one column. Select the column to get a Series (frame['{received.columns[0]}']).")
    if not isinstance(received, pd.Series):
        return Verdict(False, f"Expected {describe(expected)}; you gave {describe(received, reveal=True)}.")
    if len(received) != len(expected):
        return Verdict(False, f"Expected {describe(expected)}; you gave a Series with {_plural(len(received), 'row')}.")
    aligned = _align(expected, received, spec)
    if isinstance(aligned, Verdict):
        return aligned
    exp, got = aligned
    diff, delta = _values_differ(exp, got, spec)
    if diff.any():
        return Verdict(False, f"Expected {describe(expected)}; {_plural(int(diff.sum()), 'value')} of yours differ{'s' if diff.sum() == 1 else ''}{_delta_words(delta, diff)}.")
    return Verdict(True, "")


def _delta_words(delta, diff) -> str:
    if delta is None:
        return ""
    d = delta[diff]
    d = d[~(d != d)]
    if len(d) and (d > 0).all():
        return " (all too high)"
    if len(d) and (d < 0).all():
        return " (all too low)"
    return ""


def _compare_frame(expected, received, spec) -> Verdict:
    pd = sys.modules["pandas"]
    if not isinstance(received, pd.DataFrame):
        extra = " Turn it into a frame with .to_frame() or .reset_index()." if isinstance(received, pd.Series) else ""
        return Verdict(False, f"Expected {describe(expected)}; you gave {describe(received, reveal=True)}.{extra}")
    exp_cols, got_cols = [str(c) for c in expected.columns], [str(c) for c in received.columns]
    missing = [c for c in exp_cols if c not in got_cols]
    extra = [c for c in got_cols if c not in exp_cols]
    if missing or extra:
        text = f"Expected {describe(expected)}; you gave {describe(received)}."
        if missing:
            text += f" Missing column(s): {missing}."
        if extra:
            text += f" Column(s) that do not belong: {extra}."
        idx_names = [n for n in received.index.names if n is not None]
        if missing and set(missing) <= set(map(str, idx_names)):
            text += " They are in your index: use .reset_index()."
        return Verdict(False, text)
    if len(received) != len(expected):
        return Verdict(False, f"Expected {describe(expected)}; you gave {_plural(len(received), 'row')}.")
    aligned = _align(expected, received, spec)
    if isinstance(aligned, Verdict):
        return aligned
    exp, got = aligned
    got = got.set_axis([str(c) for c in got.columns], axis=1)
    for col, name in zip(exp.columns, exp_cols):
        diff, delta = _values_differ(exp[col], got[name], spec)
        if diff.any():
            return Verdict(False, f"Expected {describe(expected)}; column {name!r} differs in {_plural(int(diff.sum()), 'row')}{_delta_words(delta, diff)}.")
    return Verdict(True, "")


def diagnose(expected: Expected, received) -> Verdict:
    """Compare ``received`` with an :class:`Expected`, adding the hint of a matching typical mistake.

    >>> exp = Expected("q01_1", "share", 0.4, mistakes=[(0.6, "You took the share of the others.")])
    >>> diagnose(exp, 0.6).hint
    'You took the share of the others.'
    >>> diagnose(exp, 0.4).ok
    True
    """
    verdict = compare(expected.value, received, expected.spec)
    if verdict.ok or received is Ellipsis or received is None:
        return verdict
    for value, hint in expected.mistakes:
        try:
            if compare(value, received, expected.spec).ok:
                return Verdict(False, verdict.message, hint)
        except Exception:  # a mistake value that cannot be compared teaches nothing here
            continue
    return verdict


# --------------------------------------------------------------------------------------------------
# keys: what the check needs, stored without plain text


def encode_key(key: dict) -> str:
    """Encode a key (plain JSON-able dict) as the text of a ``.key`` file: deterministic, not plain text.

    >>> text = encode_key({"exercise": "01_x", "cells": []})
    >>> text.splitlines()[0]
    'lifecycle-key 1'
    >>> decode_key(text)
    {'cells': [], 'exercise': '01_x'}
    """
    raw = json.dumps(key, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    body = base64.b64encode(zlib.compress(raw, 9)).decode("ascii")
    lines = [body[i : i + 76] for i in range(0, len(body), 76)]
    return "\n".join([KEY_HEADER, *lines]) + "\n"


def decode_key(text: str) -> dict:
    """Decode the text of a ``.key`` file (see :func:`encode_key`).

    >>> decode_key(encode_key({"exercise": "01_demo", "cells": []}))["exercise"]
    '01_demo'
    >>> decode_key("not a key")
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.checks.KeyProblem: This is not an exercise key file (wrong first line). ...
    """
    lines = text.strip().splitlines()
    if not lines or lines[0].strip() != KEY_HEADER:
        raise KeyProblem("This is not an exercise key file (wrong first line). Regenerate it with 'lifecycle exercises build'.")
    return json.loads(zlib.decompress(base64.b64decode("".join(lines[1:]))).decode())


def read_key(path) -> dict:
    """Read a ``.key`` file, or build the key from a solution notebook (``.ipynb``).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "01_demo.key"
    >>> _ = path.write_text(encode_key({"exercise": "01_demo", "cells": [], "questions": {}}))
    >>> read_key(path)
    {'cells': [], 'exercise': '01_demo', 'questions': {}}
    """
    path = Path(path)
    if path.suffix == ".ipynb":
        from lifecycle_lib.tools import build as exercises

        return exercises.make_key(exercises.parse_solution(path))
    return decode_key(path.read_text(encoding="utf-8"))


def _number_of(qid: str) -> str:
    m = QUESTION_ID.match(str(qid))
    if not m:
        raise KeyProblem(f"{qid!r} is not a question id (expected the form 'q07_2'). Check cells must read exactly check(\"qNN_K\", variable).")
    return m.group(1)


def _is_solution(path: Path) -> bool:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any("answer" in c.get("metadata", {}).get("tags", []) for c in nb.get("cells", []))


def find_key(qid: str, start=None) -> Path:
    """Where the key for question ``qid`` is: the file the check will use.

    Looked for, in order: the folder in ``$LIFECYCLE_KEYS``; ``.keys/NN_*.key`` next to the
    notebook (the kernel's working folder); a solution notebook ``NN_*.ipynb`` in that folder (the
    authors' own runs); ``exercises/.keys/NN_*.key`` in that folder's parents.

    >>> import pathlib, tempfile
    >>> notebook_folder = pathlib.Path(tempfile.mkdtemp())
    >>> (notebook_folder / ".keys").mkdir()
    >>> _ = (notebook_folder / ".keys" / "01_demo.key").write_text(encode_key({"exercise": "01_demo"}))
    >>> find_key("q01_1", start=notebook_folder).name
    '01_demo.key'
    >>> find_key("question 1", start=notebook_folder)
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.checks.KeyProblem: 'question 1' is not a question id (expected the form 'q07_2'). ...
    """
    number = _number_of(qid)
    here = Path(start or os.getcwd()).resolve()
    pattern = f"{number}_*.key"
    candidates = []
    if os.environ.get("LIFECYCLE_KEYS"):
        candidates.append(Path(os.environ["LIFECYCLE_KEYS"]))
    candidates.append(here / ".keys")
    for folder in candidates:
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
    solutions = [p for p in sorted(here.glob(f"{number}_*.ipynb")) if _is_solution(p)]
    if solutions:
        return solutions[0]
    for parent in [here, *here.parents]:
        found = sorted((parent / "exercises" / ".keys").glob(pattern))
        if found:
            return found[0]
    raise KeyProblem(
        f"Cannot find the key of exercise {number} (looked for .keys/{pattern} next to this notebook and in "
        f"exercises/.keys of the folders above). Open the notebook from its folder in the course, or ask for "
        f"the .keys folder that came with it."
    )


def _fork(namespace: dict) -> dict:
    """A copy of a namespace in which a mistake can run without changing the original's objects."""
    forked = {}
    for name, value in namespace.items():
        try:
            forked[name] = copy.deepcopy(value)
        except Exception:  # modules, open files, kernels: shared, a mistake cell should not touch them
            forked[name] = value
    return forked


def _run(code: str, namespace: dict, label: str) -> None:
    try:
        exec(compile(code, f"<{label}>", "exec"), namespace)
    except Exception as exc:
        raise KeyProblem(f"The reference code of {label} failed for this variant: {type(exc).__name__}: {exc}") from exc


def expected_answers(source, variant: int = 0) -> dict[str, Expected]:
    """Run a solution's code for ``variant`` in a fresh namespace: the :class:`Expected` of every question.

    ``source`` is a key dict, a ``.key`` file or a solution notebook. Setup and answer cells run in
    order in one namespace (with ``variant`` set after the parameters cell); each mistake cell runs in
    a copy of it, so it cannot change what later questions see. Output the code prints is discarded
    and figures it opens are closed.

    A key with one question whose answer depends on the variant, and one typical mistake:

    >>> key = {"exercise": "01_demo",
    ...        "cells": [{"kind": "parameters", "source": "variant = 0"},
    ...                  {"kind": "answer", "id": "q01_1", "source": "n = 3 + variant"},
    ...                  {"kind": "mistake", "id": "q01_1", "source": "n = 3 * variant", "hint": "Add, do not multiply."}],
    ...        "questions": {"q01_1": {"answer": "n", "compare": {}, "points": 1, "explain": None}}}
    >>> answers = expected_answers(key, variant=2)
    >>> answers
    {'q01_1': Expected(q01_1: n = a number, 1 typical mistake(s), 1 point(s))}
    >>> answers["q01_1"].value, answers["q01_1"].mistakes
    (5, [(6, 'Add, do not multiply.')])
    """
    key = source if isinstance(source, dict) else read_key(source)
    namespace: dict = {"__name__": "__lifecycle_key__"}
    results: dict[str, Expected] = {}
    questions = key["questions"]
    figures_before = _open_figures()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        for cell in key["cells"]:
            kind, code = cell["kind"], cell["source"]
            if kind == "parameters":
                _run(code, namespace, f"{key['exercise']} parameters")
                namespace["variant"] = variant
            elif kind == "setup":
                _run(code, namespace, f"{key['exercise']} setup")
            elif kind == "answer":
                q = questions[cell["id"]]
                _run(code, namespace, f"{cell['id']} answer")
                if q["answer"] not in namespace:
                    raise KeyProblem(f"The reference answer of {cell['id']} does not assign {q['answer']!r}.")
                results[cell["id"]] = Expected(
                    qid=cell["id"],
                    answer=q["answer"],
                    value=copy.deepcopy(namespace[q["answer"]]),
                    spec=q.get("compare") or {},
                    points=q.get("points", 1),
                    explain=q.get("explain"),
                )
            elif kind == "mistake":
                q = questions[cell["id"]]
                forked = _fork(namespace)
                try:
                    exec(compile(code, f"<{cell['id']} mistake>", "exec"), forked)
                    value = forked.get(q["answer"])
                except Exception:  # a mistake that cannot run for this variant is simply not recognised
                    continue
                results[cell["id"]].mistakes.append((value, cell["hint"]))
    _close_new_figures(figures_before)
    if "variant" not in namespace:
        namespace["variant"] = variant
    return results


def _open_figures():
    plt = sys.modules.get("matplotlib.pyplot")
    return set(plt.get_fignums()) if plt is not None else set()


def _close_new_figures(before) -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        for num in set(plt.get_fignums()) - before:
            plt.close(num)


# --------------------------------------------------------------------------------------------------
# the notebook entry point

_CACHE: dict = {}


def _expected_for(qid: str, variant, start=None) -> Expected:
    path = find_key(qid, start)
    stamp = (str(path), path.stat().st_mtime_ns, repr(variant))
    if stamp not in _CACHE:
        _CACHE[stamp] = expected_answers(path, variant)
    answers = _CACHE[stamp]
    if qid not in answers:
        raise KeyProblem(f"There is no question {qid} in {path.name}. Check cells must keep the id they came with.")
    return answers[qid]


def check(qid: str, answer, *, variant=None) -> None:
    """Check the answer to question ``qid``: print feedback when right, raise a teaching error when not.

    ``variant`` is read from the notebook (the ``variant = ...`` parameters cell) unless given.
    Raises :class:`NotAnswered` when ``answer`` is still ``...`` or ``None`` and :class:`WrongAnswer`
    when it does not match; the message says what kind of answer is expected and how yours differs,
    without showing the expected value.

    In a notebook the key sits in ``.keys/`` next to it; here ``$LIFECYCLE_KEYS`` points at one, and
    ``variant = 2`` plays the notebook's parameters cell:

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> key = {"exercise": "01_demo",
    ...        "cells": [{"kind": "parameters", "source": "variant = 0"},
    ...                  {"kind": "answer", "id": "q01_1", "source": "n = 3 + variant"},
    ...                  {"kind": "mistake", "id": "q01_1", "source": "n = 3 * variant", "hint": "Add, do not multiply."}],
    ...        "questions": {"q01_1": {"answer": "n", "compare": {}, "points": 1, "explain": None}}}
    >>> _ = open(os.path.join(folder, "01_demo.key"), "w").write(encode_key(key))
    >>> os.environ["LIFECYCLE_KEYS"] = folder
    >>> variant = 2
    >>> check("q01_1", 5)
    q01_1: correct (1 point). Right: a number that matches.
    >>> check("q01_1", 6)
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.checks.WrongAnswer: q01_1 is not right yet. Expected a number; your number (6) is too high.
    Hint: Add, do not multiply.
    >>> check("q01_1", ...)
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.checks.NotAnswered: q01_1 is not answered yet: replace the ... in the answer cell ...
    >>> del os.environ["LIFECYCLE_KEYS"]
    """
    __tracebackhide__ = True  # noqa: F841 - IPython and pytest hide this frame in tracebacks
    if variant is None:
        caller = sys._getframe(1).f_globals
        variant = caller.get("variant", 0)
    expected = _expected_for(qid, variant)
    if answer is Ellipsis or answer is None:
        raise NotAnswered(
            f"{qid} is not answered yet: replace the ... in the answer cell with code that computes "
            f"{expected.answer} ({describe(expected.value)} is expected), run that cell, then this one."
        ) from None
    verdict = diagnose(expected, answer)
    if not verdict.ok:
        text = f"{qid} is not right yet. {verdict.message}"
        if verdict.hint:
            text += f"\nHint: {verdict.hint}"
        raise WrongAnswer(text) from None
    points = expected.points
    print(f"{qid}: correct ({_plural(points, 'point') if isinstance(points, int) else f'{points} points'}). {verdict.message}")
    if expected.explain:
        print(expected.explain)
