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

The first check of a notebook finds the exercise's check file
(:func:`lifecycle_lib.exercises.keys.find_key`) and reads the records of the notebook's ``variant``
(:func:`lifecycle_lib.exercises.keys.records_for`); the judgement is
:func:`lifecycle_lib.exercises.compare.judge_record`. A check file holds no expected value and no
solution code: salted digests, the expected type and shape, and the typical mistakes' hints.
"""

from __future__ import annotations

import sys

from lifecycle_lib.exercises.compare import judge_record
from lifecycle_lib.exercises.errors import CheckError, KeyProblem, NotAnswered, WrongAnswer
from lifecycle_lib.exercises.keys import find_key, records_for
from lifecycle_lib.exercises.kinds import plural

__all__ = ["check", "CheckError", "NotAnswered", "WrongAnswer", "KeyProblem"]


_CACHE: dict = {}


def _record_for(qid: str, variant, start=None) -> dict:
    path = find_key(qid, start)
    stamp = (str(path), path.stat().st_mtime_ns, repr(variant))
    if stamp not in _CACHE:
        _CACHE[stamp] = records_for(path, variant)
    records = _CACHE[stamp]
    if qid not in records:
        raise KeyProblem(f"There is no question {qid} in {path.name}. Check cells must keep the id they came with.")
    return records[qid]


def check(qid: str, answer, *, variant=None) -> None:
    """Check the answer to question ``qid``: print feedback when right, raise a teaching error when not.

    ``variant`` is read from the notebook (the ``variant = ...`` parameters cell) unless given.
    Raises :class:`NotAnswered` when ``answer`` is still ``...`` or ``None`` and :class:`WrongAnswer`
    when it does not match; the message says what kind of answer is expected and how yours differs,
    without showing the expected value.

    Parameters
    ----------
    qid : str
        The question id, e.g. ``"q07_2"``.
    answer : object
        The learner's answer variable.
    variant : int, optional
        The data variant; by default the ``variant`` of the calling notebook (0 when it has none).

    Returns
    -------
    None
        A right answer prints its confirmation.

    Raises
    ------
    NotAnswered, WrongAnswer, KeyProblem
        See :mod:`lifecycle_lib.exercises.errors`.

    Examples
    --------
    In a notebook the key sits in ``.keys/`` next to it; here ``$LIFECYCLE_KEYS`` points at one, and
    ``variant = 2`` plays the notebook's parameters cell:

    >>> import os, tempfile
    >>> from lifecycle_lib.exercises.keys import check_file_text
    >>> folder = tempfile.mkdtemp()
    >>> key = {"exercise": "01_demo",
    ...        "cells": [{"kind": "parameters", "source": "variant = 0"},
    ...                  {"kind": "answer", "id": "q01_1", "source": "n = 3 + variant"},
    ...                  {"kind": "mistake", "id": "q01_1", "source": "n = 3 * variant", "hint": "Add, do not multiply."}],
    ...        "questions": {"q01_1": {"answer": "n", "compare": {}, "points": 1, "explain": None}}}
    >>> _ = open(os.path.join(folder, "01_demo.key"), "w").write(check_file_text(key, [2]))
    >>> os.environ["LIFECYCLE_KEYS"] = folder
    >>> variant = 2
    >>> check("q01_1", 5)
    q01_1: correct (1 point). Right: a number that matches.
    >>> check("q01_1", 6)
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.errors.WrongAnswer: q01_1 is not right yet. Expected a number; your number (6) is not the expected one.
    Hint: Add, do not multiply.
    >>> check("q01_1", ...)
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.errors.NotAnswered: q01_1 is not answered yet: replace the ... in the answer cell ...
    >>> del os.environ["LIFECYCLE_KEYS"]
    """
    __tracebackhide__ = True  # noqa: F841 - IPython and pytest hide this frame in tracebacks
    if variant is None:
        caller = sys._getframe(1).f_globals
        variant = caller.get("variant", 0)
    rec = _record_for(qid, variant)
    if answer is Ellipsis or answer is None:
        raise NotAnswered(
            f"{qid} is not answered yet: replace the ... in the answer cell with code that computes "
            f"{rec['answer']} ({rec['fp']['describe']} is expected), run that cell, then this one."
        ) from None
    verdict, explain = judge_record(rec, answer)
    if not verdict.ok:
        text = f"{qid} is not right yet. {verdict.message}"
        if verdict.hint:
            text += f"\nHint: {verdict.hint}"
        raise WrongAnswer(text) from None
    points = rec["points"]
    print(f"{qid}: correct ({plural(points, 'point') if isinstance(points, int) else f'{points} points'}). {verdict.message}")
    if explain:
        print(explain)
