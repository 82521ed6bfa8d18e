"""Exercise keys: what the self-check needs, stored without plain text, and the answers they compute.

Expected answers are not stored anywhere. The exercise builder writes a key
(``exercises/.keys/NN_name.key``, compressed and encoded, see :func:`encode_key`) holding the
solution's setup, answer and mistake *code*; :func:`find_key` says which key a check uses, and
:func:`expected_answers` runs that code for a data variant, in a namespace of its own, into the
:class:`~lifecycle_lib.exercises.compare.Expected` of every question.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import os
import sys
import zlib
from pathlib import Path

from lifecycle_lib.exercises.compare import Expected
from lifecycle_lib.exercises.errors import KeyProblem
from lifecycle_lib.exercises.format import QUESTION_ID, make_key, parse_solution

__all__ = ["KEY_HEADER", "encode_key", "decode_key", "read_key", "find_key", "expected_answers"]

#: First line of every key file; the rest is base64 of zlib-compressed JSON.
KEY_HEADER = "lifecycle-key 1"


def encode_key(key: dict) -> str:
    """Encode a key (plain JSON-able dict) as the text of a ``.key`` file: deterministic, not plain text.

    Parameters
    ----------
    key : dict
        A key as :func:`lifecycle_lib.exercises.format.make_key` makes it.

    Returns
    -------
    str
        :data:`KEY_HEADER`, then base64 of the compressed JSON in lines of 76 characters.

    Examples
    --------
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

    Parameters
    ----------
    text : str
        The file's text.

    Returns
    -------
    dict
        The key.

    Raises
    ------
    KeyProblem
        When the text is not a key.

    Examples
    --------
    >>> decode_key(encode_key({"exercise": "01_demo", "cells": []}))["exercise"]
    '01_demo'
    >>> decode_key("not a key")
    Traceback (most recent call last):
    ...
    lifecycle_lib.exercises.errors.KeyProblem: This is not an exercise key file (wrong first line). ...
    """
    lines = text.strip().splitlines()
    if not lines or lines[0].strip() != KEY_HEADER:
        raise KeyProblem("This is not an exercise key file (wrong first line). Regenerate it with 'lifecycle exercises build'.")
    return json.loads(zlib.decompress(base64.b64decode("".join(lines[1:]))).decode())


def read_key(path) -> dict:
    """Read a ``.key`` file, or build the key from a solution notebook (``.ipynb``).

    Parameters
    ----------
    path : str or Path
        A ``.key`` file or a solution notebook.

    Returns
    -------
    dict
        The key.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "01_demo.key"
    >>> _ = path.write_text(encode_key({"exercise": "01_demo", "cells": [], "questions": {}}))
    >>> read_key(path)
    {'cells': [], 'exercise': '01_demo', 'questions': {}}
    """
    path = Path(path)
    if path.suffix == ".ipynb":
        return make_key(parse_solution(path))
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
    >>> _ = (notebook_folder / ".keys" / "01_demo.key").write_text(encode_key({"exercise": "01_demo"}))
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

    ``source`` is a key dict, a ``.key`` file or a solution notebook. Setup and answer cells run in
    order in one namespace (with ``variant`` set after the parameters cell); each mistake cell runs in
    a copy of it, so it cannot change what later questions see. Output the code prints is discarded
    and figures it opens are closed.

    Parameters
    ----------
    source : dict, str or Path
        A key, a ``.key`` file or a solution notebook.
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
