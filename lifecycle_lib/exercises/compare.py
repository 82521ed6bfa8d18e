"""Comparing an answer with the expected one, in words that teach without giving the answer away.

:func:`compare` judges a received value against the expected one under a question's compare
settings and returns a :class:`Verdict` whose message says what kind of object was expected
(type, shape), what was received and in which direction the value is off (too high, too low, off
by a factor). :func:`diagnose` adds the hint of a matching typical mistake of an :class:`Expected`.
No message ever shows the expected value. The self-check and the grader both judge with these::

    from lifecycle_lib.exercises.compare import diagnose
    from lifecycle_lib.exercises.keys import expected_answers
    answers = expected_answers("solutions/07_active_returning_at_risk.ipynb", variant=3)
    verdict = diagnose(answers["q07_2"], received_value)   # Verdict(ok=..., message=..., hint=...)
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any

from lifecycle_lib.exercises.kinds import as_items, describe, kind_of, plain_item, plural, shorten

__all__ = ["Verdict", "Expected", "compare", "diagnose"]

_DEFAULT_RTOL = 1e-6
_DEFAULT_ATOL = 1e-9


@dataclass(frozen=True)
class Verdict:
    """Outcome of comparing a received answer with the expected one.

    ``message`` describes the received answer against the expected type and shape, never the
    expected value; ``hint`` is the specific advice for a recognised typical mistake, if any.

    Parameters
    ----------
    ok : bool
        Whether the answer is right; the verdict's truth value.
    message : str
        What was checked, and how the answer differs when it is wrong.
    hint : str, optional
        The advice of the typical mistake the answer matches.

    Examples
    --------
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
    Its printed form describes the value without showing it, like every message of the checks.

    Parameters
    ----------
    qid : str
        The question id.
    answer : str
        The answer variable's name.
    value : object
        The expected value for this variant.
    spec : dict, optional
        The question's compare settings (see :func:`compare`).
    mistakes : list of tuple, optional
        ``(value, hint)`` of every typical mistake that could be computed for this variant.
    points : float, default 1
        What the question is worth.
    explain : str, optional
        Shown after a right answer.

    Examples
    --------
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
# comparing


def compare(expected, received, spec: dict | None = None) -> Verdict:
    """Compare a received answer with the expected one under a question's compare ``spec``.

    ``spec`` keys: ``kind`` (``"auto"`` by default, ``"set"`` for an unordered collection,
    ``"choice"`` with ``options``), ``rtol``/``atol`` for numbers (defaults 1e-6 / 1e-9),
    ``ignore_index`` (compare Series/DataFrame rows by position), ``ordered`` (rows must also be
    in the same order), ``ignore_case`` for strings. The message never shows the expected value.

    Parameters
    ----------
    expected : object
        What the reference solution computes.
    received : object
        The learner's answer.
    spec : dict, optional
        The question's compare settings (``lifecycle.compare`` of its answer cell).

    Returns
    -------
    Verdict
        ``ok`` and the message explaining it.

    Examples
    --------
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
        return Verdict(False, f"{shorten(received)} is not one of the options: {listed}.")
    if matches[0] == expected:
        return Verdict(True, f"Right: {matches[0]!r} is the best of the options.")
    return Verdict(False, f"{matches[0]!r} is one of the options, but not the best one for this data. Options: {listed}.")


def _compare_set(expected, received, spec) -> Verdict:
    exp = as_items(expected)
    got = as_items(received)
    if got is None:
        return Verdict(False, f"Expected a collection of items (any order); you gave {describe(received, reveal=True)}.")
    exp_set, got_set = set(exp), set(got)
    if exp_set == got_set:
        if len(got) != len(got_set) and len(exp) == len(exp_set):
            return Verdict(False, "Your collection has the right items but some of them more than once: remove the duplicates (e.g. with set() or .unique()).")
        return Verdict(True, f"Right: the {len(exp_set)} expected items, in any order.")
    missing = exp_set - got_set
    extra = sorted(got_set - exp_set, key=repr)
    parts = [f"Expected a collection of {plural(len(exp_set), 'distinct item')} (any order); you gave {plural(len(got_set), 'distinct item')}."]
    if missing:
        parts.append(f"{plural(len(missing), 'expected item')} {'is' if len(missing) == 1 else 'are'} missing.")
    if extra:
        shown = ", ".join(shorten(v, 30) for v in extra[:8]) + (", ..." if len(extra) > 8 else "")
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
    return Verdict(False, f"Expected {where or 'a number'}{tolerance}; your number ({shorten(received)}) {_direction(e, r)}.")


def _compare_auto(expected, received, spec, where) -> Verdict:
    ekind, rkind = kind_of(expected), kind_of(received)
    label = where or describe(expected)
    if ekind == "number":
        if rkind == "number":
            return _compare_number(expected, received, spec, where)
        if rkind in ("series", "list", "array", "frame"):
            return Verdict(False, f"Expected a single number; you gave {describe(received)}. Reduce it to one value (an aggregate such as .sum(), .mean() or len(), or pick one with .iloc[0]).")
        if rkind == "string":
            return Verdict(False, f"Expected a number; you gave a string ({shorten(received)}). Compute the number instead of writing text (no quotes).")
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
        return Verdict(ok, "" if ok else f"Expected {label}; your text ({shorten(received)}) is not the expected one.")
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
    rkind = kind_of(received)
    ekind = kind_of(expected)
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
    exp = [plain_item(v) for v in expected]
    got = as_items(received)
    if len(exp) != len(got):
        return Verdict(False, f"Expected {describe(expected)}; you gave {plural(len(got), 'item')}.")
    for i, (e, r) in enumerate(zip(exp, got)):
        v = _compare_auto(e, r, spec, where=f"item {i} to be {describe(e)}")
        if not v.ok:
            if set(map(repr, exp)) == set(map(repr, got)):
                return Verdict(False, f"Your {len(got)} items are the right ones but in the wrong order (item {i} differs): sort them as the question asks.")
            return Verdict(False, f"{describe(expected)[0].upper()}{describe(expected)[1:]} was expected; {v.message[0].lower()}{v.message[1:]}")
    return Verdict(True, "")


def _compare_dict(expected, received, spec) -> Verdict:
    if kind_of(received) != "dict":
        return Verdict(False, f"Expected {describe(expected)}; you gave {describe(received, reveal=True)}.")
    exp_keys, got_keys = set(map(plain_item, expected)), set(map(plain_item, received))
    if exp_keys != got_keys:
        missing, extra = len(exp_keys - got_keys), sorted(got_keys - exp_keys, key=repr)
        text = f"Expected {describe(expected)}; you gave {plural(len(got_keys), 'entry')}."
        if missing:
            text += f" {plural(missing, 'expected key')} missing."
        if extra:
            text += f" Keys that do not belong: {', '.join(shorten(k, 30) for k in extra[:8])}."
        return Verdict(False, text)
    for k in expected:
        v = _compare_auto(expected[k], received[plain_item(k)], spec, where=f"the entry {k!r} to be {describe(expected[k])}")
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
    if set(map(plain_item, exp_idx)) == set(map(plain_item, got_idx)) and exp_idx.is_unique and got_idx.is_unique:
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
        return Verdict(False, f"Expected {describe(expected)}; you gave a Series with {plural(len(received), 'row')}.")
    aligned = _align(expected, received, spec)
    if isinstance(aligned, Verdict):
        return aligned
    exp, got = aligned
    diff, delta = _values_differ(exp, got, spec)
    if diff.any():
        return Verdict(False, f"Expected {describe(expected)}; {plural(int(diff.sum()), 'value')} of yours differ{'s' if diff.sum() == 1 else ''}{_delta_words(delta, diff)}.")
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
        return Verdict(False, f"Expected {describe(expected)}; you gave {plural(len(received), 'row')}.")
    aligned = _align(expected, received, spec)
    if isinstance(aligned, Verdict):
        return aligned
    exp, got = aligned
    got = got.set_axis([str(c) for c in got.columns], axis=1)
    for col, name in zip(exp.columns, exp_cols):
        diff, delta = _values_differ(exp[col], got[name], spec)
        if diff.any():
            return Verdict(False, f"Expected {describe(expected)}; column {name!r} differs in {plural(int(diff.sum()), 'row')}{_delta_words(delta, diff)}.")
    return Verdict(True, "")


def diagnose(expected: Expected, received) -> Verdict:
    """Compare ``received`` with an :class:`Expected`, adding the hint of a matching typical mistake.

    Parameters
    ----------
    expected : Expected
        The question's expected value, compare settings and typical mistakes.
    received : object
        The learner's answer.

    Returns
    -------
    Verdict
        As :func:`compare` gives it; when the answer equals a typical mistake, with that
        mistake's ``hint``.

    Examples
    --------
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
