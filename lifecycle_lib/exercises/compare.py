"""Judging an answer against a question's fingerprint, in words that teach without giving the answer away.

A question's expected value is turned into a *fingerprint* (:func:`fingerprint`): its type and
shape in words, plus salted digests of its tokens (:mod:`lifecycle_lib.exercises.tokens`), so that
the value itself cannot be read back. :func:`judge` compares a received answer with a fingerprint
and returns a :class:`Verdict` whose message says what kind of object was expected (type, shape),
what was received, which items or rows differ and, for a number, whether it is off by a round
factor (100, 1000, 7, 12, the sign). It cannot say *how far* a number is off, because nothing
stored knows.

:func:`record` makes the whole check of one question (the fingerprint of the right answer, of each
typical mistake with its hint, and the explanation, readable only with the right answer);
:func:`judge_record` runs it. The self-check, the exercise builder and the grader all judge this way,
so a check in a notebook and the grade agree. :func:`compare` and :func:`diagnose` do the same
for values at hand::

    from lifecycle_lib.exercises.compare import diagnose
    from lifecycle_lib.exercises.keys import expected_answers
    answers = expected_answers("solutions/07_active_returning_at_risk.ipynb", variant=3)
    verdict = diagnose(answers["q07_2"], received_value)   # Verdict(ok=..., message=..., hint=...)
"""

from __future__ import annotations

import hashlib
import math
import sys
from dataclasses import dataclass, field
from typing import Any

from lifecycle_lib.exercises.kinds import as_items, describe, kind_of, plural, shorten
from lifecycle_lib.exercises.tokens import (
    SLOW_ROUNDS,
    Tolerance,
    digest,
    item_token,
    number_candidates,
    number_token,
    seal,
    unseal,
    value_candidates,
    value_token,
)

__all__ = ["Verdict", "Expected", "fingerprint", "judge", "record", "judge_record", "compare", "diagnose"]

#: Factors a number answer is commonly off by, and what each suggests.
_FACTORS = (
    (100.0, "is about 100 times too large (a percentage instead of a fraction?)"),
    (0.01, "is about 100 times too small (a fraction where a percentage was asked?)"),
    (1000.0, "is about 1000 times too large (a unit mixed up: thousands and units, or grams and kilograms?)"),
    (0.001, "is about 1000 times too small (a unit mixed up: thousands and units, or grams and kilograms?)"),
    (7.0, "is about 7 times too large (weeks and days mixed up?)"),
    (1 / 7, "is about 7 times too small (weeks and days mixed up?)"),
    (12.0, "is about 12 times too large (months and years mixed up?)"),
    (1 / 12, "is about 12 times too small (months and years mixed up?)"),
    (-1.0, "has the wrong sign"),
)


@dataclass(frozen=True)
class Verdict:
    """Outcome of comparing a received answer with the expected one.

    ``message`` describes the received answer against the expected type and shape, never the
    expected value, and when the answer is wrong, its likely cause; ``hint`` is the specific advice
    for a recognised typical mistake, if any. ``differs`` says in tags how a wrong answer differs
    (``"number"``: a number, direction unknown; ``"high"``/``"low"``: a number known to be too
    high or too low; ``"missing"``/``"extra"``: items or rows missing or that do not belong;
    ``"values"``: the right rows with other values; and ``"type"``, ``"factor"``, ``"order"``,
    ``"labels"``, ``"columns"``, ``"length"``, ``"duplicates"``, ``"other"``).

    Parameters
    ----------
    ok : bool
        Whether the answer is right; the verdict's truth value.
    message : str
        What was checked, and how the answer differs when it is wrong.
    hint : str, optional
        The advice of the typical mistake the answer matches.
    differs : tuple of str, optional
        How a wrong answer differs from the expected one (empty for a right one).

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
    differs: tuple = ()

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        hint = f", hint={self.hint!r}" if self.hint else ""
        return f"Verdict(ok={self.ok}, message={self.message!r}{hint})"


@dataclass
class Expected:
    """What one question expects for one variant: the value, how to compare, and the typical mistakes.

    Only the course's tools hold one (the builder, ``assign`` and the grader compute it from the
    solution); what leaves them is its :func:`record`. ``mistakes`` is a list of ``(value, hint)``
    pairs computed by the solution's mistake cells; ``unrun`` lists ``(hint, error)`` of those that
    raised for this variant instead. Its printed form describes the value without showing it, like
    every message of the checks.

    Parameters
    ----------
    qid : str
        The question id.
    answer : str
        The answer variable's name.
    value : object
        The expected value for this variant.
    spec : dict, optional
        The question's compare settings (see :func:`fingerprint`).
    mistakes : list of tuple, optional
        ``(value, hint)`` of every typical mistake that could be computed for this variant.
    points : float, default 1
        What the question is worth.
    explain : str, optional
        Shown after a right answer.
    question_hint : str, optional
        The hint of the question cell (its collapsed ``<details>`` block, which the student sees):
        the likely cause a check names when no typical mistake explains a wrong answer.
    uses : list of dict, optional
        The earlier questions the answer is computed from: ``{"id", "answer", "via"}`` each (the
        earlier question, its answer variable, and the variables of its answer cell this one reads).
    unrun : list of tuple, optional
        ``(hint, error)`` of every typical mistake that raised for this variant.

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
    question_hint: str | None = None
    uses: list = field(default_factory=list)
    unrun: list = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"Expected({self.qid}: {self.answer} = {describe(self.value)}, "
            f"{len(self.mistakes)} typical mistake(s), {self.points} point(s))"
        )


# --------------------------------------------------------------------------------------------------
# fingerprints


class _Hasher:
    """Digests of one salt, remembered: a received token is hashed once however often it is looked up."""

    def __init__(self, salt: str, rounds: int):
        self.salt, self.rounds, self._memo = salt, int(rounds), {}

    def __call__(self, token: str, slow: bool = False) -> str:
        key = (token, slow)
        if key not in self._memo:
            self._memo[key] = digest(self.salt, token, self.rounds if slow else 1)
        return self._memo[key]


def _norm_text(s: str, fold: bool) -> str:
    s = " ".join(str(s).split())
    return s.lower() if fold else s


def _labels(frame_or_series, ignore_index: bool) -> list[str]:
    if ignore_index:
        return [f"n:{i}" for i in range(len(frame_or_series))]
    return [item_token(v) for v in frame_or_series.index]


def _kind_for(value, spec: dict) -> str:
    wanted = spec.get("kind", "auto")
    if wanted in ("choice", "set"):
        return wanted
    kind = kind_of(value)
    if kind == "list" and getattr(value, "ndim", 1) != 1:
        kind = "array"
    if kind == "other" and item_token(value)[:2] in ("t:", "d:"):
        kind = "time"
    return kind


def fingerprint(value, spec: dict | None = None, *, salt: str, rounds: int = SLOW_ROUNDS) -> dict:
    """What a check needs to recognise ``value``, with ``value`` itself not readable from it.

    ``spec`` keys: ``kind`` (``"auto"`` by default, ``"set"`` for an unordered collection,
    ``"choice"`` with ``options``), ``rtol``/``atol`` for numbers (defaults 1e-6 / 1e-9),
    ``ignore_index`` (compare Series/DataFrame rows by position), ``ordered`` (rows must also be
    in the same order), ``ignore_case`` for strings (default True).

    Parameters
    ----------
    value : object
        The value to recognise: a number, boolean, string, set, list, 1-d or n-d array, dict,
        Series or DataFrame.
    spec : dict, optional
        The question's compare settings.
    salt : str
        Hexadecimal salt of the digests.
    rounds : int, default SLOW_ROUNDS
        PBKDF2 rounds for a value that stands alone (1 for a fingerprint kept in memory).

    Returns
    -------
    dict
        Plain JSON: ``kind``, ``describe`` (type and shape in words), the tolerance, and digests.

    Raises
    ------
    TypeError
        When a value of this type cannot be checked without storing it.

    Examples
    --------
    >>> fp = fingerprint(0.25, {"rtol": 0.01}, salt="00", rounds=1)
    >>> sorted(fp), fp["describe"]
    (['d', 'describe', 'kind', 'tol', 'x'], 'a number')
    >>> "0.25" in str(fp)
    False
    """
    spec = dict(spec or {})
    tol = Tolerance.of(spec)
    h = _Hasher(salt, rounds)
    kind = _kind_for(value, spec)
    fp: dict = {"kind": kind, "describe": describe(value)}
    if kind == "number":
        fp["tol"] = tol.as_list()
        fp["d"] = h(number_token(value, tol), slow=True)
        fp["x"] = []
        number = float(value)
        if number != 0 and math.isfinite(number):  # a factor of zero, NaN or infinity is the same value
            fp["x"] = [[h(number_token(number * factor, tol), slow=True), message] for factor, message in _FACTORS]
    elif kind == "bool":
        fp["d"] = h(f"b:{bool(value)}", slow=True)
    elif kind == "time":
        fp["describe"] = "a date or time" if item_token(value).startswith("t:") else "a duration"
        fp["d"] = h(item_token(value), slow=True)
    elif kind == "string":
        fold = bool(spec.get("ignore_case", True))
        fp["fold"] = fold
        fp["d"] = h("s:" + _norm_text(value, fold), slow=True)
    elif kind == "choice":
        options = list(spec.get("options", []))
        if value not in options:
            raise TypeError(f"the expected choice {shorten(value)} is not one of the options {options}")
        fp.update(options=options, fold=bool(spec.get("ignore_case", True)), d=h(item_token(value), slow=True))
    elif kind == "set":
        items = as_items(value)
        if items is None:
            raise TypeError(f"a set question needs a collection as its answer, not {describe(value)}")
        tokens = {item_token(v) for v in items}
        fp.update(n=len(tokens), items=sorted(h(t) for t in tokens))
    elif kind in ("list", "array"):
        import numpy as np

        flat = list(np.asarray(value).ravel()) if kind == "array" else as_items(value)
        tokens = [value_token(v, tol) for v in flat]
        fp.update(
            n=len(flat),
            tol=tol.as_list(),
            at=sorted(h(f"{i}={t}") for i, t in enumerate(tokens)),
            bag=sorted({h(t) for t in tokens}),
        )
        if kind == "array":
            fp["shape"] = list(np.asarray(value).shape)
    elif kind == "dict":
        fp.update(
            n=len(value),
            tol=tol.as_list(),
            keys=sorted(h(item_token(k)) for k in value),
            at=sorted(h(f"{item_token(k)}={value_token(v, tol)}") for k, v in value.items()),
        )
    elif kind in ("series", "frame"):
        ignore_index = bool(spec.get("ignore_index")) or not value.index.is_unique
        labels = _labels(value, ignore_index)
        pd = sys.modules["pandas"]
        fp.update(
            n=len(value),
            tol=tol.as_list(),
            ignore_index=ignore_index,
            ordered=bool(spec.get("ordered")),
            index_names=[None if n is None else str(n) for n in value.index.names],
            range_index=isinstance(value.index, pd.RangeIndex),
            labels=sorted(h(t) for t in labels),
            order=hashlib.sha256("\n".join(h(t) for t in labels).encode()).hexdigest()[:24],
        )
        if kind == "series":
            fp["at"] = sorted(h(f"{lab}={value_token(v, tol)}") for lab, v in zip(labels, value.tolist()))
        else:
            fp["columns"] = [str(c) for c in value.columns]
            fp["at"] = {
                str(c): sorted(h(f"{lab}={value_token(v, tol)}") for lab, v in zip(labels, value[c].tolist()))
                for c in value.columns
            }
    else:
        raise TypeError(
            f"{describe(value)} cannot be checked without storing it: answer with a number, text, "
            f"boolean, collection, dict, Series or DataFrame"
        )
    return fp


# --------------------------------------------------------------------------------------------------
# judging: each returns (Verdict, secret); the secret (the matched tokens) opens the explanation


def _wrong(message: str, *differs: str):
    return Verdict(False, message, None, tuple(differs)), None


def judge(fp: dict, received, *, salt: str, rounds: int = SLOW_ROUNDS, hasher=None) -> tuple[Verdict, str | None]:
    """Compare a received answer with a :func:`fingerprint`.

    Parameters
    ----------
    fp : dict
        The fingerprint of the expected value.
    received : object
        The learner's answer.
    salt : str
        The fingerprint's salt.
    rounds : int, default SLOW_ROUNDS
        The fingerprint's PBKDF2 rounds.
    hasher : callable, optional
        A shared digest memo of this salt, so that judging one answer against several fingerprints
        hashes each of its tokens once.

    Returns
    -------
    tuple of (Verdict, str or None)
        The verdict, and when it is right the answer's tokens (which open a sealed explanation).

    Examples
    --------
    >>> fp = fingerprint(0.25, {"rtol": 0.01}, salt="00", rounds=1)
    >>> judge(fp, 0.2501, salt="00", rounds=1)[0]
    Verdict(ok=True, message='Right: a number that matches.')
    >>> judge(fp, 25.0, salt="00", rounds=1)[0].message
    'Expected a number; your number (25.0) is about 100 times too large (a percentage instead of a fraction?).'
    >>> judge(fp, 0.3, salt="00", rounds=1)[0].differs
    ('number',)
    """
    h = hasher or _Hasher(salt, rounds)
    if received is Ellipsis or received is None:
        return _wrong(f"Not answered yet: expected {fp['describe']}; the answer is {describe(received)}.", "type")
    kind = fp["kind"]
    try:
        verdict, secret = _JUDGES[kind](fp, received, h)
    except (TypeError, ValueError, AttributeError, KeyError, OverflowError, RecursionError) as exc:
        return _wrong(f"Expected {fp['describe']}; your answer could not be compared ({type(exc).__name__}).", "type")
    if verdict.ok and not verdict.message:
        verdict = Verdict(True, f"Right: {fp['describe']} that matches.")
    return verdict, secret


def _tolerance_words(tol: Tolerance) -> str:
    if tol.rtol >= 1e-4:
        return f" (within {tol.rtol:g} relative tolerance)"
    if tol.atol >= 1e-3:
        return f" (within {tol.atol:g})"
    return ""


def _number_message(fp: dict, received, words: str = "is not the expected one") -> str:
    return f"Expected a number{_tolerance_words(Tolerance(*fp['tol']))}; your number ({shorten(received)}) {words}."


def _judge_number(fp, received, h):
    rkind = kind_of(received)
    if rkind != "number":
        if rkind in ("series", "list", "array", "frame"):
            return _wrong(
                f"Expected a single number; you gave {describe(received)}. Reduce it to one value "
                f"(an aggregate such as .sum(), .mean() or len(), or pick one with .iloc[0]).",
                "type",
            )
        if rkind == "string":
            return _wrong(
                f"Expected a number; you gave a string ({shorten(received)}). "
                f"Compute the number instead of writing text (no quotes).",
                "type",
            )
        return _wrong(f"Expected a number; you gave {describe(received, reveal=True)}.", "type")
    tol = Tolerance(*fp["tol"])
    found = {h(c, slow=True): c for c in number_candidates(received, tol)}
    if fp["d"] in found:
        return Verdict(True, ""), found[fp["d"]]
    shown = shorten(received)
    if found and next(iter(found.values())) == "na":
        return _wrong(
            f"Expected a number; your number ({shown}) is NaN (not a number): "
            f"look for a division by zero or missing values.",
            "type",
        )
    if found and next(iter(found.values())) in ("+inf", "-inf"):
        return _wrong(f"Expected a number; your number ({shown}) is infinite: look for a division by zero.", "type")
    for d, words in fp.get("x", []):
        if d in found:
            return _wrong(f"Expected a number; your number ({shown}) {words}.", "factor")
    return _wrong(_number_message(fp, received), "number")


def _judge_bool(fp, received, h):
    if kind_of(received) != "bool":
        return _wrong(f"Expected a boolean (True or False); you gave {describe(received, reveal=True)}.", "type")
    token = f"b:{bool(received)}"
    if h(token, slow=True) == fp["d"]:
        return Verdict(True, ""), token
    return _wrong(f"Expected a boolean (True or False); your {bool(received)} is not right for this data.", "other")


def _judge_time(fp, received, h):
    token = item_token(received)
    if token[:2] not in ("t:", "d:"):
        return _wrong(f"Expected {fp['describe']}; you gave {describe(received, reveal=True)}.", "type")
    if h(token, slow=True) == fp["d"]:
        return Verdict(True, ""), token
    return _wrong(f"Expected {fp['describe']}; yours ({shorten(received)}) is not the expected one.", "other")


def _judge_string(fp, received, h):
    if kind_of(received) != "string":
        return _wrong(f"Expected a string; you gave {describe(received, reveal=True)}.", "type")
    token = "s:" + _norm_text(received, fp["fold"])
    if h(token, slow=True) == fp["d"]:
        return Verdict(True, ""), token
    return _wrong(f"Expected a string; your text ({shorten(received)}) is not the expected one.", "other")


def _judge_choice(fp, received, h):
    options = fp["options"]
    listed = ", ".join(repr(o) for o in options)
    if isinstance(received, str):
        wanted = _norm_text(received, fp["fold"])
        matches = [o for o in options if isinstance(o, str) and _norm_text(o, fp["fold"]) == wanted]
    else:
        matches = [o for o in options if not isinstance(o, str) and item_token(o) == item_token(received)]
    if not matches:
        return _wrong(f"{shorten(received)} is not one of the options: {listed}.", "type")
    token = item_token(matches[0])
    if h(token, slow=True) == fp["d"]:
        return Verdict(True, f"Right: {matches[0]!r} is the best of the options."), token
    return _wrong(
        f"{matches[0]!r} is one of the options, but not the best one for this data. Options: {listed}.", "choice"
    )


def _judge_set(fp, received, h):
    got = as_items(received)
    if got is None:
        return _wrong(
            f"Expected a collection of items (any order); you gave {describe(received, reveal=True)}.", "type"
        )
    tokens = {}
    for v in got:
        tokens.setdefault(item_token(v), v)
    found = {h(t): t for t in tokens}
    wanted = set(fp["items"])
    if set(found) == wanted:
        if len(got) != len(tokens):
            return _wrong(
                "Your collection has the right items but some of them more than once: "
                "remove the duplicates (e.g. with set() or .unique()).",
                "duplicates",
            )
        return Verdict(True, f"Right: the {plural(fp['n'], 'expected item')}, in any order."), "\n".join(sorted(tokens))
    missing = len(wanted - set(found))
    extra = sorted((tokens[t] for d, t in found.items() if d not in wanted), key=repr)
    parts = [
        f"Expected a collection of {plural(fp['n'], 'distinct item')} (any order); "
        f"you gave {plural(len(tokens), 'distinct item')}."
    ]
    if missing:
        parts.append(f"{plural(missing, 'expected item')} {'is' if missing == 1 else 'are'} missing.")
    if extra:
        parts.append(f"{'This item does' if len(extra) == 1 else 'These items do'} not belong: {_listed(extra)}.")
    return _wrong(" ".join(parts), *(["missing"] if missing else []), *(["extra"] if extra else []))


def _listed(values: list, most: int = 8) -> str:
    return ", ".join(shorten(v, 30) for v in values[:most]) + (", ..." if len(values) > most else "")


def _matched(entries: list[tuple[str, object]], wanted: set, tol: Tolerance, h) -> tuple[list[str], int]:
    """For ``(label token, value)`` pairs: the matched entry tokens and how many pairs did not match."""
    matched, missed = [], 0
    for label, value in entries:
        for candidate in value_candidates(value, tol):
            entry = f"{label}={candidate}"
            if h(entry) in wanted:
                matched.append(entry)
                break
        else:
            missed += 1
    return matched, missed


def _judge_list(fp, received, h):
    rkind = kind_of(received)
    if rkind == "set":
        return _wrong(
            f"Expected {fp['describe']} in a specific order; you gave a set, which has no order. Use a sorted list.",
            "type",
        )
    if rkind not in ("list", "series", "array"):
        return _wrong(f"Expected {fp['describe']}; you gave {describe(received, reveal=True)}.", "type")
    np = sys.modules.get("numpy")
    if fp["kind"] == "array" or rkind == "array":
        arr = np.asarray(received)
        if "shape" in fp and list(arr.shape) != fp["shape"]:
            return _wrong(f"Expected {fp['describe']}; you gave an array of shape {tuple(arr.shape)}.", "length")
        got = list(arr.ravel())
    else:
        got = as_items(received)
    if len(got) != fp["n"]:
        return _wrong(
            f"Expected {fp['describe']}; you gave {plural(len(got), 'item')}.",
            "missing" if len(got) < fp["n"] else "extra",
        )
    tol = Tolerance(*fp["tol"])
    wanted = set(fp["at"])
    matched, missed = _matched([(str(i), v) for i, v in enumerate(got)], wanted, tol, h)
    if not missed:
        return Verdict(True, ""), "\n".join(matched)
    bag = set(fp["bag"])
    if all(any(h(c) in bag for c in value_candidates(v, tol)) for v in got):
        return _wrong(
            f"Your {len(got)} items are the right ones but in the wrong order: sort them as the question asks.", "order"
        )
    are = "is" if missed == 1 else "are"
    return _wrong(
        f"Expected {fp['describe']}; {plural(missed, 'item')} of yours {are} not the expected one{'s' if missed != 1 else ''}.",
        "values",
    )


def _judge_dict(fp, received, h):
    if kind_of(received) != "dict":
        return _wrong(f"Expected {fp['describe']}; you gave {describe(received, reveal=True)}.", "type")
    keys = {item_token(k): k for k in received}
    found = {h(t): t for t in keys}
    wanted = set(fp["keys"])
    if set(found) != wanted:
        missing = len(wanted - set(found))
        extra = sorted((keys[t] for d, t in found.items() if d not in wanted), key=repr)
        text = f"Expected {fp['describe']}; you gave {plural(len(keys), 'entry')}."
        if missing:
            text += f" {plural(missing, 'expected key')} missing."
        if extra:
            text += f" Keys that do not belong: {_listed(extra)}."
        return _wrong(text, *(["missing"] if missing else []), *(["extra"] if extra else []))
    tol = Tolerance(*fp["tol"])
    matched, missed = _matched([(item_token(k), v) for k, v in received.items()], set(fp["at"]), tol, h)
    if missed:
        are = "is" if missed == 1 else "are"
        return _wrong(
            f"Expected {fp['describe']}; the keys are right, but {plural(missed, 'value')} {are} not.", "values"
        )
    return Verdict(True, ""), "\n".join(sorted(matched))


def _judge_labels(fp, received, h) -> Verdict | list[str]:
    """The received rows' label tokens, or a Verdict saying which rows are missing or do not belong."""
    pd = sys.modules["pandas"]
    labels = _labels(received, fp["ignore_index"])
    found = [h(t) for t in labels]
    if sorted(found) == fp["labels"]:
        if fp["ordered"] and hashlib.sha256("\n".join(found).encode()).hexdigest()[:24] != fp["order"]:
            return Verdict(
                False,
                "Your rows are the right ones but in a different order: sort them as the question asks.",
                None,
                ("order",),
            )
        return labels
    rows = plural(len(received), "row")
    if fp["ignore_index"]:  # rows compared by position: only their number can differ
        fewer = len(received) < fp["n"]
        return Verdict(
            False,
            f"Expected {fp['describe']}; you gave {rows}, {'fewer' if fewer else 'more'} than expected.",
            None,
            ("missing" if fewer else "extra",),
        )
    wanted = set(fp["labels"])
    known = [d in wanted for d in found]
    if any(known):
        missing = len(wanted - set(found))
        extra = [received.index[i] for i, k in enumerate(known) if not k]
        parts = [f"Expected {fp['describe']}; you gave {rows}."]
        if missing:
            parts.append(f"{plural(missing, 'expected row')} {'is' if missing == 1 else 'are'} missing.")
        if extra:
            parts.append(f"{'This row does' if len(extra) == 1 else 'These rows do'} not belong: {_listed(extra)}.")
        if not missing and not extra:
            parts.append("Some row labels appear more than once: keep one row per label.")
            return Verdict(False, " ".join(parts), None, ("duplicates",))
        return Verdict(False, " ".join(parts), None, tuple(["missing"] * bool(missing) + ["extra"] * bool(extra)))
    names = [n for n in fp["index_names"] if n is not None]
    hint = ""
    if isinstance(received, pd.DataFrame) and names and all(n in map(str, received.columns) for n in names):
        if len(names) == 1:
            hint = f" The expected rows are labelled by {names}: use .set_index({names[0]!r})."
        else:
            hint = f" Use .set_index({names})."
    elif names and [None if n is None else str(n) for n in received.index.names] != fp["index_names"]:
        hint = f" The expected rows are labelled by {names}; yours by {list(received.index.names)}."
    elif not names and fp["range_index"]:
        hint = " The expected rows are numbered 0, 1, 2, ...: use .reset_index(drop=True) on yours."
    return Verdict(False, f"The row labels (index) of your answer are not the expected ones.{hint}", None, ("labels",))


def _judge_series(fp, received, h):
    pd = sys.modules["pandas"]
    if isinstance(received, pd.DataFrame) and received.shape[1] == 1:
        return _wrong(
            f"Expected {fp['describe']}; you gave a DataFrame with one column. "
            f"Select the column to get a Series (frame['{received.columns[0]}']).",
            "type",
        )
    if not isinstance(received, pd.Series):
        return _wrong(f"Expected {fp['describe']}; you gave {describe(received, reveal=True)}.", "type")
    labels = _judge_labels(fp, received, h)
    if isinstance(labels, Verdict):
        return labels, None
    matched, missed = _matched(list(zip(labels, received.tolist())), set(fp["at"]), Tolerance(*fp["tol"]), h)
    if missed:
        return _wrong(
            f"Expected {fp['describe']}; the rows are the right ones, but {plural(missed, 'value')} of yours "
            f"differ{'s' if missed == 1 else ''}.",
            "values",
        )
    return Verdict(True, ""), "\n".join(sorted(matched))


def _judge_frame(fp, received, h):
    pd = sys.modules["pandas"]
    if not isinstance(received, pd.DataFrame):
        extra = " Turn it into a frame with .to_frame() or .reset_index()." if isinstance(received, pd.Series) else ""
        return _wrong(f"Expected {fp['describe']}; you gave {describe(received, reveal=True)}.{extra}", "type")
    got_cols = [str(c) for c in received.columns]
    missing = [c for c in fp["columns"] if c not in got_cols]
    extra = [c for c in got_cols if c not in fp["columns"]]
    if missing or extra or len(set(got_cols)) != len(got_cols):
        text = f"Expected {fp['describe']}; you gave {describe(received)}."
        if missing:
            text += f" Missing column(s): {missing}."
        if extra:
            text += f" Column(s) that do not belong: {extra}."
        idx_names = [str(n) for n in received.index.names if n is not None]
        if missing and set(missing) <= set(idx_names):
            text += " They are in your index: use .reset_index()."
        return _wrong(text, "columns")
    labels = _judge_labels(fp, received, h)
    if isinstance(labels, Verdict):
        return labels, None
    tol = Tolerance(*fp["tol"])
    received = received.set_axis(got_cols, axis=1)
    secret = []
    for column in fp["columns"]:
        matched, missed = _matched(list(zip(labels, received[column].tolist())), set(fp["at"][column]), tol, h)
        if missed:
            return _wrong(
                f"Expected {fp['describe']}; the rows are the right ones, but column {column!r} differs in "
                f"{plural(missed, 'row')}.",
                "values",
            )
        secret.append(column + "\n" + "\n".join(sorted(matched)))
    return Verdict(True, ""), "\n\n".join(secret)


_JUDGES = {
    "number": _judge_number,
    "bool": _judge_bool,
    "time": _judge_time,
    "string": _judge_string,
    "choice": _judge_choice,
    "set": _judge_set,
    "list": _judge_list,
    "array": _judge_list,
    "dict": _judge_dict,
    "series": _judge_series,
    "frame": _judge_frame,
}


# --------------------------------------------------------------------------------------------------
# likely causes: how each typical mistake differs from the answer, and what a wrong answer has in common with it

#: The words for a number known to be off in one direction.
_SIDES = {"high": "too high", "low": "too low"}

#: Ways of differing whose message already says what to do; no cause is added to them.
_SELF_EXPLAINED = frozenset({"type", "factor", "order", "labels", "columns", "duplicates", "choice"})

#: An honest general cause for each way of differing, when no typical mistake and no question hint explains it.
_GENERAL_CAUSES = {
    "number": "go through each step against the question: which rows it counts (customers or orders, which "
    "period), the measure (a sum, a mean, a count or a share) and the unit.",
    "missing": "a filter is probably too strict (a > where >= was meant, a date cut too early), or a join or a "
    "drop of missing values loses rows the question counts.",
    "extra": "a filter is probably too loose or missing (a period, a status, a segment), or duplicates were "
    "kept, so rows the question leaves out stay in.",
    "values": "the rows are the right ones, so look at how each value is computed: the measure (a sum, a mean, "
    "a count or a share) and what it is divided by.",
    "length": "the shape differs: compare your grouping and filters with what the question asks for.",
    "other": "go through each step against the question: what it counts, over which rows and which period.",
}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _mistake_differs(expected: Expected, value, fp: dict, h) -> list[str]:
    """How a typical mistake's value differs from the expected one, in :class:`Verdict` ``differs`` tags.

    A number records only whether it is above or below the answer (and neither when it lies so close
    that an answer matching it could fall on either side); other values, how their check sees them.
    """
    verdict = judge(fp, value, salt=h.salt, rounds=h.rounds, hasher=h)[0]
    if fp["kind"] == "number" and kind_of(value) == "number" and kind_of(expected.value) == "number":
        e, m = float(expected.value), float(value)
        if math.isfinite(e) and math.isfinite(m):
            tol = Tolerance(*fp["tol"])
            band = 8 * max(tol.rtol * max(abs(e), abs(m)), tol.atol)  # beyond what can match either
            if abs(m - e) > band:
                return ["high" if m > e else "low"]
            return ["number"]
    return list(verdict.differs) or ["other"]


def _causes(rec: dict, differs: tuple) -> str:
    """The likely causes of a wrong answer that matches no typical mistake, in lines for the learner.

    Typical mistakes that differ the same way come first; where there is none, the question's own
    hint, else an honest general cause. Empty when the message already says what to do.
    """
    tags = set(differs)
    if not tags or tags <= _SELF_EXPLAINED:
        return ""
    mistakes = rec.get("mistakes") or []
    question_hint = rec.get("question_hint")
    first = next((t for t in ("number", "missing", "extra", "values", "length", "other") if t in tags), "other")
    fallback = f"the question's hint says: {_one_line(question_hint)}" if question_hint else _GENERAL_CAUSES[first]
    if "question_hint" not in rec:  # a record of format 2 knows neither the mistakes' sides nor the question's hint
        return f"Likely cause: {fallback}"
    if tags == {"number"}:
        sided = {side: [m["hint"] for m in mistakes if side in m.get("differs", [])] for side in _SIDES}
        either = [m["hint"] for m in mistakes if "number" in m.get("differs", [])]
        if not (sided["high"] or sided["low"] or either):
            return f"Likely cause: {fallback}"
        lines = [
            "Likely causes (the check cannot tell whether your number is too high or too low without giving "
            "the answer away):"
        ]
        for side, words in _SIDES.items():
            if sided[side]:
                lines += [f"- if yours is {words}: {hint}" for hint in sided[side]]
            else:
                lines.append(f"- if yours is {words}: no typical mistake is known on that side; {fallback}")
        lines += [f"- either way: {hint}" for hint in either]
        return "\n".join(lines)
    hints = [m["hint"] for m in mistakes if tags & set(m.get("differs", []))]
    if len(hints) == 1:
        return f"Likely cause: {hints[0]}"
    if hints:
        return "\n".join(["Likely causes:", *(f"- {hint}" for hint in hints)])
    return f"Likely cause: no typical mistake differs this way; {fallback}"


# --------------------------------------------------------------------------------------------------
# one question's check: the right answer, the typical mistakes, the explanation


def record(expected: Expected, *, salt: str, rounds: int = SLOW_ROUNDS) -> dict:
    """The check of one question for one variant, as a check file stores it: no value, no code.

    Parameters
    ----------
    expected : Expected
        The question's expected value, compare settings, mistakes and explanation.
    salt : str
        Hexadecimal salt of the digests (one per question and variant).
    rounds : int, default SLOW_ROUNDS
        PBKDF2 rounds for values that stand alone.

    Returns
    -------
    dict
        Plain JSON: ``answer``, ``points``, ``salt``, ``rounds``, ``fp`` (the right answer's
        :func:`fingerprint`), ``mistakes`` (fingerprint, hint and ``differs`` of each typical
        mistake: how it differs from the answer, for a number only whether it is above or below),
        ``question_hint`` (the question's own hint, or None), ``uses`` (the earlier questions the
        answer is computed from) and ``explain`` (sealed under the right answer, or None).

    Raises
    ------
    TypeError
        When the expected value cannot be checked without storing it.

    Examples
    --------
    >>> rec = record(Expected("q01_1", "n", 5, mistakes=[(6, "Add, do not multiply.")], explain="Five."), salt="0a", rounds=1)
    >>> judge_record(rec, 6)[0].hint, judge_record(rec, 5)[1]
    ('Add, do not multiply.', 'Five.')
    >>> rec["mistakes"][0]["differs"], "Five" in str(rec)
    (['high'], False)
    """
    h = _Hasher(salt, rounds)
    fp = fingerprint(expected.value, expected.spec, salt=salt, rounds=rounds)
    verdict, secret = judge(fp, expected.value, salt=salt, rounds=rounds, hasher=h)
    if not verdict.ok:
        raise TypeError(
            f"{expected.qid}: {describe(expected.value)} does not match itself once fingerprinted ({verdict.message})"
        )
    mistakes = []
    for value, hint in expected.mistakes:
        try:
            mistake_fp = fingerprint(value, expected.spec, salt=salt, rounds=rounds)
            differs = _mistake_differs(expected, value, fp, h)
        except (TypeError, ValueError):  # a mistake that cannot be fingerprinted is simply not recognised
            continue
        mistakes.append({"fp": mistake_fp, "hint": hint, "differs": differs})
    return {
        "answer": expected.answer,
        "points": expected.points,
        "salt": salt,
        "rounds": rounds,
        "fp": fp,
        "mistakes": mistakes,
        "question_hint": expected.question_hint,
        "uses": [dict(u) for u in expected.uses],
        "explain": seal(expected.explain, salt, secret) if expected.explain else None,
    }


def judge_record(rec: dict, received) -> tuple[Verdict, str | None]:
    """Judge an answer with a question's :func:`record`: the verdict, with a cause or a mistake's hint, and the explanation.

    A wrong answer that matches a typical mistake gets that mistake's hint (and, for a number, whether
    it is too high or too low: the mistake's recorded direction). One that matches none gets the
    likely causes in its message: the hints of the typical mistakes that differ the same way (for a
    number, those above and those below the answer, since the check cannot tell which side an
    unknown number is on without giving the answer away), else the question's own hint, else a
    general cause.

    Parameters
    ----------
    rec : dict
        The question's record.
    received : object
        The learner's answer.

    Returns
    -------
    tuple of (Verdict, str or None)
        The verdict (with the hint of the typical mistake it matches, if any) and, when it is
        right, the question's explanation.

    Examples
    --------
    >>> rec = record(Expected("q01_1", "ids", {"c1", "c2"}, {"kind": "set"}, explain="Both bought twice."), salt="0b", rounds=1)
    >>> judge_record(rec, ["c2", "c1"])
    (Verdict(ok=True, message='Right: the 2 expected items, in any order.'), 'Both bought twice.')
    >>> print(judge_record(rec, ["c1", "c9"])[0].message)
    Expected a collection of 2 distinct items (any order); you gave 2 distinct items. 1 expected item is missing. This item does not belong: 'c9'.
    Likely cause: no typical mistake differs this way; a filter is probably too strict (a > where >= was meant, a date cut too early), or a join or a drop of missing values loses rows the question counts.

    A number that matches a typical mistake is told its direction and the mistake's hint:

    >>> rec = record(Expected("q01_2", "n", 5, mistakes=[(6, "Add, do not multiply.")]), salt="0c", rounds=1)
    >>> judge_record(rec, 6)[0]
    Verdict(ok=False, message='Expected a number; your number (6) is too high.', hint='Add, do not multiply.')
    """
    h = _Hasher(rec["salt"], rec["rounds"])
    verdict, secret = judge(rec["fp"], received, salt=rec["salt"], rounds=rec["rounds"], hasher=h)
    if verdict.ok:
        explain = unseal(rec["explain"], rec["salt"], secret) if rec.get("explain") and secret is not None else None
        return verdict, explain
    if received is Ellipsis or received is None:
        return verdict, None
    for mistake in rec["mistakes"]:
        if judge(mistake["fp"], received, salt=rec["salt"], rounds=rec["rounds"], hasher=h)[0].ok:
            differs = tuple(mistake.get("differs") or verdict.differs)
            message = verdict.message
            side = next((s for s in _SIDES if s in differs), None)
            if side and verdict.differs == ("number",):
                message = _number_message(rec["fp"], received, f"is {_SIDES[side]}")
            return Verdict(False, message, mistake["hint"], differs), None
    causes = _causes(rec, verdict.differs)
    if causes:
        verdict = Verdict(False, f"{verdict.message}\n{causes}", None, verdict.differs)
    return verdict, None


_LOCAL_SALT = "6c6f63616c"  # for fingerprints that never leave memory


def compare(expected, received, spec: dict | None = None) -> Verdict:
    """Compare a received answer with an expected value at hand, as a check would (see :func:`fingerprint`).

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
    >>> compare(0.25, 0.2501, {"rtol": 0.01}).ok, compare(0.25, 0.26, {"rtol": 0.01}).ok
    (True, False)
    >>> compare("loyal", "bargain", {"kind": "choice", "options": ["loyal", "impulse"]}).message
    "'bargain' is not one of the options: 'loyal', 'impulse'."
    >>> compare({1, 2, 3}, [3, 2, 1], {"kind": "set"}).ok
    True
    """
    fp = fingerprint(expected, spec, salt=_LOCAL_SALT, rounds=1)
    return judge(fp, received, salt=_LOCAL_SALT, rounds=1)[0]


def diagnose(expected: Expected, received) -> Verdict:
    """Judge ``received`` against an :class:`Expected` as its check would: the hint of a matching typical mistake included.

    Parameters
    ----------
    expected : Expected
        The question's expected value, compare settings and typical mistakes.
    received : object
        The learner's answer.

    Returns
    -------
    Verdict
        As :func:`judge_record` gives it.

    Examples
    --------
    >>> exp = Expected("q01_1", "share", 0.4, mistakes=[(0.6, "You took the share of the others.")])
    >>> diagnose(exp, 0.6).hint
    'You took the share of the others.'
    >>> diagnose(exp, 0.4).ok
    True
    """
    return judge_record(record(expected, salt=_LOCAL_SALT, rounds=1), received)[0]
