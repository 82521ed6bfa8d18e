"""The exercise self-check: ``check("q07_2", churn_rate)`` in an exercise notebook.

A check compares the learner's answer with what the reference solution computes *for the data
variant of the notebook in use*, and teaches either way:

* right: it prints what was checked and, where the author wrote one, a short explanation;
* wrong or missing: it raises :class:`WrongAnswer` (or :class:`NotAnswered`) whose message says what
  kind of object was expected (type, shape), what was received and how it differs (a round factor,
  rows or items missing or extra, values off), and its likely cause: when the answer matches a typical
  mistake recorded in the solution, that mistake's hint (for a number, with whether it is too high or
  too low); otherwise the hints of the typical mistakes that differ the same way, or the question's
  own hint. When the question is computed from an earlier answer that is not right yet, it says so.
  The expected value itself is never printed.

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

__all__ = ["check", "earlier_answers_to_fix", "CheckError", "NotAnswered", "WrongAnswer", "KeyProblem"]


_CACHE: dict = {}


def _records(qid: str, variant, start=None) -> dict:
    """Every record of the check file of ``qid``'s exercise for ``variant``; ``qid`` must be one of them."""
    path = find_key(qid, start)
    stamp = (str(path), path.stat().st_mtime_ns, repr(variant))
    if stamp not in _CACHE:
        _CACHE[stamp] = records_for(path, variant)
    records = _CACHE[stamp]
    if qid not in records:
        raise KeyProblem(f"There is no question {qid} in {path.name}. Check cells must keep the id they came with.")
    return records


def earlier_answers_to_fix(rec: dict, records: dict, namespace: dict) -> list[str]:
    """What to say about the earlier answers a question is computed from, when they are not right yet.

    A question's record lists in ``uses`` the earlier questions whose answer cells assign variables
    its own answer cell reads. Each one whose answer variable in ``namespace`` (the notebook's) is
    missing an answer or is wrong gets a sentence pointing back to it.

    Parameters
    ----------
    rec : dict
        The record of the question being checked.
    records : dict
        The records of the exercise's questions for the same variant.
    namespace : dict
        The notebook's variables.

    Returns
    -------
    list of str
        One sentence per earlier question to fix first, in question order.

    Examples
    --------
    >>> from lifecycle_lib.exercises.compare import Expected, record
    >>> records = {"q01_1": record(Expected("q01_1", "n", 5), salt="0a", rounds=1),
    ...            "q01_2": record(Expected("q01_2", "m", 10, uses=[{"id": "q01_1", "answer": "n", "via": ["n"]}]),
    ...                            salt="0b", rounds=1)}
    >>> earlier_answers_to_fix(records["q01_2"], records, {"n": 5})
    []
    >>> print(earlier_answers_to_fix(records["q01_2"], records, {"n": 6})[0])
    This answer uses your answer to q01_1 (`n`), which is not right yet: that may be why. Fix q01_1 first (its check tells you how), then run this answer cell and this check again.
    """
    notes = []
    for use in rec.get("uses") or []:
        earlier, name = records.get(use.get("id")), use.get("answer")
        if earlier is None or name not in namespace:
            continue
        value = namespace[name]
        if value is Ellipsis or value is None:
            state = "is not answered yet"
        elif judge_record(earlier, value)[0].ok:
            continue
        else:
            state = "is not right yet"
        helpers = [n for n in use.get("via", []) if n != name]
        if helpers and name not in use.get("via", []):
            shown = ", ".join(f"`{n}`" for n in helpers)
            start = f"This answer builds on {shown} from your work on {use['id']}, whose answer (`{name}`) {state}"
        else:
            start = f"This answer uses your answer to {use['id']} (`{name}`), which {state}"
        notes.append(
            f"{start}: that may be why. Fix {use['id']} first (its check tells you how), "
            f"then run this answer cell and this check again."
        )
    return notes


def check(qid: str, answer, *, variant=None) -> None:
    """Check the answer to question ``qid``: print feedback when right, raise a teaching error when not.

    ``variant`` is read from the notebook (the ``variant = ...`` parameters cell) unless given.
    Raises :class:`NotAnswered` when ``answer`` is still ``...`` or ``None`` and :class:`WrongAnswer`
    when it does not match; the message says what kind of answer is expected, how yours differs and
    its likely cause, without showing the expected value. When the question is computed from an
    earlier question's answer and the notebook's answer there is wrong too, the message says so
    (see :func:`earlier_answers_to_fix`).

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
    lifecycle_lib.exercises.errors.WrongAnswer: q01_1 is not right yet. Expected a number; your number (6) is too high.
    Hint: Add, do not multiply.
    >>> check("q01_1", 4)
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.errors.WrongAnswer: q01_1 is not right yet. Expected a number; your number (4) is not the expected one.
    Likely causes (the check cannot tell whether your number is too high or too low without giving the answer away):
    - if yours is too high: Add, do not multiply.
    - if yours is too low: no typical mistake is known on that side; go through each step against the question: ...
    >>> check("q01_1", ...)
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.errors.NotAnswered: q01_1 is not answered yet: replace the ... in the answer cell ...
    >>> del os.environ["LIFECYCLE_KEYS"]
    """
    __tracebackhide__ = True  # noqa: F841 - IPython and pytest hide this frame in tracebacks
    caller = sys._getframe(1).f_globals
    if variant is None:
        variant = caller.get("variant", 0)
    records = _records(qid, variant)
    rec = records[qid]
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
        for note in earlier_answers_to_fix(rec, records, caller):
            text += f"\n{note}"
        raise WrongAnswer(text) from None
    points = rec["points"]
    print(
        f"{qid}: correct ({plural(points, 'point') if isinstance(points, int) else f'{points} points'}). {verdict.message}"
    )
    if explain:
        print(explain)
