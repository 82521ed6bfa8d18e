"""Check files: what a notebook's checks need, with no answer in them; and the answers they are made from.

Two things are called a key here. The *code key* (:func:`lifecycle_lib.exercises.format.make_key`)
holds a solution's setup, answer and mistake code; it exists only inside the course's tools.
:func:`expected_answers` runs it for a data variant into the :class:`~lifecycle_lib.exercises.compare.Expected`
of every question. The *check file* (``.keys/NN_name.key``, written by :func:`check_file_text`)
is what is handed out: for each variant it carries, the :func:`~lifecycle_lib.exercises.compare.record`
of each question (salted digests, type and shape, typical mistakes' fingerprints, hints and the side
of the answer they err on, the question's own hint and the earlier questions it uses), and no line of
code and no expected value. :func:`find_key` says which file a check uses and
:func:`records_for` gives its records for a variant.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
import sys
from pathlib import Path

from lifecycle_lib.exercises.compare import Expected, record
from lifecycle_lib.exercises.errors import KeyProblem
from lifecycle_lib.exercises.format import QUESTION_ID, make_key, parse_solution

__all__ = [
    "KEY_FORMAT",
    "READABLE_FORMATS",
    "PUBLIC_VARIANTS",
    "check_file_text",
    "read_check_file",
    "records_for",
    "find_key",
    "expected_answers",
]

#: The ``format`` of every check file written. Format 3 adds to each question the way each typical
#: mistake differs from the answer, the question's own hint and the earlier questions it uses.
KEY_FORMAT = "lifecycle-check 3"

#: The formats a check reads: this one, and format 2, whose records lack what format 3 added (a check
#: with one names the question's hint or a general cause instead of the typical mistakes' sides).
READABLE_FORMATS = ("lifecycle-check 2", KEY_FORMAT)

#: The variants the public ``exercises/`` carry: 0 as handed out, 1 and 2 for a fresh try.
PUBLIC_VARIANTS = (0, 1, 2)


def _salt(exercise: str, variant: int, qid: str, owner: str) -> str:
    return hashlib.sha256(f"{KEY_FORMAT}\n{owner}\n{exercise}\n{variant}\n{qid}".encode()).hexdigest()[:32]


def check_file_text(key: dict, variants, *, owner: str = "", answers: dict | None = None) -> str:
    """The text of the check file for ``variants`` of an exercise: records only, no code, no values.

    Parameters
    ----------
    key : dict
        The exercise's code key (:func:`lifecycle_lib.exercises.format.make_key`); it is run for
        each variant here and not written.
    variants : iterable of int
        The variants the file serves.
    owner : str, default ""
        Whose file it is (a student's name), mixed into every salt.
    answers : dict, optional
        ``{variant: expected_answers(key, variant)}`` already computed (the build and ``assign``
        compute them once to check the mistakes too); a variant missing from it is run here.

    Returns
    -------
    str
        JSON: ``format``, ``exercise``, and by variant the record of every question.

    Raises
    ------
    KeyProblem
        When the reference code fails for a variant, or an answer cannot be checked without storing it.

    Examples
    --------
    >>> key = {"exercise": "01_demo",
    ...        "cells": [{"kind": "parameters", "source": "variant = 0"},
    ...                  {"kind": "answer", "id": "q01_1", "source": "n = 3 + variant"}],
    ...        "questions": {"q01_1": {"answer": "n", "compare": {}, "points": 1, "explain": None}}}
    >>> text = check_file_text(key, [0, 1])
    >>> sorted(json.loads(text)["variants"]), "3 + variant" in text
    (['0', '1'], False)
    """
    variants_out = {}
    for variant in variants:
        computed = (answers or {}).get(int(variant))
        if computed is None:
            computed = expected_answers(key, int(variant))
        records = {}
        for qid, expected in computed.items():
            try:
                records[qid] = record(expected, salt=_salt(key["exercise"], int(variant), qid, owner))
            except TypeError as exc:
                raise KeyProblem(f"{qid} cannot be checked: {exc}") from exc
        variants_out[str(int(variant))] = records
    data = {"format": KEY_FORMAT, "exercise": key["exercise"], "variants": variants_out}
    return json.dumps(data, sort_keys=True, indent=1, ensure_ascii=True) + "\n"


def read_check_file(path) -> dict:
    """Read a check file (see :func:`check_file_text`).

    Parameters
    ----------
    path : str or Path
        The ``.key`` file.

    Returns
    -------
    dict
        Its content.

    Raises
    ------
    KeyProblem
        When the file is not a check file, or one of a format this version cannot read (see
        :data:`READABLE_FORMATS`); the message says which and what to do.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "01_demo.key"
    >>> _ = path.write_text("not a key")
    >>> read_check_file(path)
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.errors.KeyProblem: 01_demo.key is not a check file of this course ...
    >>> _ = path.write_text('{"format": "lifecycle-check 1", "variants": {}}')
    >>> read_check_file(path)
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.errors.KeyProblem: 01_demo.key is a check file of another version of the course's tools (format 'lifecycle-check 1'; this version reads 'lifecycle-check 2' and 'lifecycle-check 3'). ...
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        data = None
    fix = "Regenerate it with 'lifecycle exercises build', or ask for the .keys folder that came with the notebook."
    found = data.get("format") if isinstance(data, dict) else None
    if isinstance(found, str) and found.startswith("lifecycle-check") and found not in READABLE_FORMATS:
        readable = " and ".join(repr(f) for f in READABLE_FORMATS)
        raise KeyProblem(
            f"{path.name} is a check file of another version of the course's tools (format {found!r}; "
            f"this version reads {readable}). {fix} If the notebook came with it, update the course "
            f"package (lifecycle_lib) to the version of the notebook."
        )
    if found not in READABLE_FORMATS or not isinstance(data.get("variants"), dict):
        raise KeyProblem(f"{path.name} is not a check file of this course (format {KEY_FORMAT!r}). {fix}")
    return data


def records_for(path, variant) -> dict:
    """The record of every question of a check file, or of a solution notebook, for ``variant``.

    Parameters
    ----------
    path : str or Path
        A check file or a solution notebook (the authors' own runs compute it from the solution).
    variant : int
        The notebook's data variant.

    Returns
    -------
    dict of str to dict
        Records by question id (see :func:`lifecycle_lib.exercises.compare.record`).

    Raises
    ------
    KeyProblem
        When the file does not carry this variant.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> key = {"exercise": "01_demo",
    ...        "cells": [{"kind": "parameters", "source": "variant = 0"},
    ...                  {"kind": "answer", "id": "q01_1", "source": "n = 3 + variant"}],
    ...        "questions": {"q01_1": {"answer": "n", "compare": {}, "points": 1, "explain": None}}}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "01_demo.key"
    >>> _ = path.write_text(check_file_text(key, [4]))
    >>> sorted(records_for(path, 4)["q01_1"])
    ['answer', 'explain', 'fp', 'mistakes', 'points', 'question_hint', 'rounds', 'salt', 'uses']
    >>> records_for(path, 0)
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.errors.KeyProblem: 01_demo.key can check variant 4 only, not variant 0. ...
    """
    path = Path(path)
    if path.suffix == ".ipynb":
        answers = expected_answers(path, variant)
        return {qid: record(exp, salt="61757468", rounds=1) for qid, exp in answers.items()}
    data = read_check_file(path)
    try:
        return data["variants"][str(int(variant))]
    except (KeyError, TypeError, ValueError):
        have = ", ".join(sorted(data["variants"], key=lambda v: int(v) if v.isdigit() else -1))
        raise KeyProblem(
            f"{path.name} can check variant {have} only, not variant {variant!r}. Set variant back in the "
            f"parameters cell (the first code cell), or ask your instructor for the check file of your variant."
        ) from None


def _number_of(qid: str) -> str:
    m = QUESTION_ID.match(str(qid))
    if not m:
        raise KeyProblem(
            f"{qid!r} is not a question id (expected the form 'q07_2'). Check cells must read exactly check(\"qNN_K\", variable)."
        )
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

    Parameters
    ----------
    qid : str
        A question id such as ``"q07_2"``; its number names the exercise.
    start : str or Path, optional
        The notebook's folder (default: the working folder).

    Returns
    -------
    Path
        The key file, or the solution notebook, to read.

    Raises
    ------
    KeyProblem
        When ``qid`` is not a question id, or no key is found.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> notebook_folder = pathlib.Path(tempfile.mkdtemp())
    >>> (notebook_folder / ".keys").mkdir()
    >>> _ = (notebook_folder / ".keys" / "01_demo.key").write_text("{}")
    >>> find_key("q01_1", start=notebook_folder).name
    '01_demo.key'
    >>> find_key("question 1", start=notebook_folder)
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.errors.KeyProblem: 'question 1' is not a question id (expected the form 'q07_2'). ...
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

    ``source`` is a code key (:func:`lifecycle_lib.exercises.format.make_key`) or a solution
    notebook; check files hold no code, so they cannot be run. Setup and answer cells run in
    order in one namespace (with ``variant`` set after the parameters cell); each mistake cell runs in
    a copy of it, so it cannot change what later questions see, and one that raises is listed in
    ``unrun`` with its error instead of ``mistakes``. Output the code prints is discarded and figures
    it opens are closed.

    Parameters
    ----------
    source : dict, str or Path
        A code key or a solution notebook.
    variant : int, default 0
        The data variant to compute the answers for.

    Returns
    -------
    dict of str to Expected
        By question id, in the order of the key.

    Raises
    ------
    KeyProblem
        When the reference code fails for this variant, or an answer cell does not assign its
        variable.

    Examples
    --------
    A key with one question whose answer depends on the variant, and one typical mistake:

    >>> key = {"exercise": "01_demo",
    ...        "cells": [{"kind": "parameters", "source": "variant = 0"},
    ...                  {"kind": "answer", "id": "q01_1", "source": "n = 3 + variant"},
    ...                  {"kind": "mistake", "id": "q01_1", "source": "n = 3 * variant", "hint": "Add, do not multiply."}],
    ...        "questions": {"q01_1": {"answer": "n", "compare": {}, "points": 1, "explain": None}}}
    >>> answers = expected_answers(key, variant=2)
    >>> answers
    {'q01_1': Expected(q01_1: n = a number, 1 typical mistake(s), 1 point(s))}
    >>> answers["q01_1"].value, answers["q01_1"].mistakes, answers["q01_1"].unrun
    (5, [(6, 'Add, do not multiply.')], [])
    """
    key = source if isinstance(source, dict) else make_key(parse_solution(Path(source)))
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
                    question_hint=q.get("hint"),
                    uses=[dict(u) for u in q.get("uses") or []],
                )
            elif kind == "mistake":
                q = questions[cell["id"]]
                forked = _fork(namespace)
                try:
                    exec(compile(code, f"<{cell['id']} mistake>", "exec"), forked)
                    value = forked.get(q["answer"])
                except Exception as exc:  # a mistake that cannot run for this variant is not recognised
                    results[cell["id"]].unrun.append((cell["hint"], f"{type(exc).__name__}: {exc}"))
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
