"""Exercise notebooks generated from solution notebooks, with every check checked both ways.

Authors edit only ``solutions/NN_name.ipynb`` (the format is in ``solutions/README.md`` and
:mod:`lifecycle_lib.exercises.format`). :func:`build` turns each into ``exercises/NN_name.ipynb``
(answers blanked, mistake cells removed, outputs cleared) and ``exercises/.keys/NN_name.key`` (what
the self-check needs, encoded). Before writing anything it executes, each in a fresh kernel and in
parallel, every solution (all its checks must pass) and every blank exercise (all its checks must
fail, nothing else may fail); it also runs each typical mistake and makes sure its check rejects it.
Any failure stops the build with a message naming the notebook and the question.

Generation reads and writes notebooks as plain JSON, so importing this module stays light;
execution imports ``nbclient`` only when it runs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from lifecycle_lib._util.notebooks import LESSON_NAME, cell_source
from lifecycle_lib._util.paths import REPO_ROOT
from lifecycle_lib.errors import UsageError
from lifecycle_lib.exercises.compare import diagnose
from lifecycle_lib.exercises.errors import KeyProblem
from lifecycle_lib.exercises.format import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    Exercise,
    Question,
    cell_roles,
    cell_settings,
    cell_tags,
    make_key,
    parse_solution,
)
from lifecycle_lib.exercises.keys import PUBLIC_VARIANTS, check_file_text, expected_answers

__all__ = [
    "BuildError",
    "HOW_TO_CHECK_ID",
    "exercise_notebook",
    "dumps_notebook",
    "find_solutions",
    "verify",
    "build",
]

#: The id of the generated "how to check your work" cell of every exercise notebook.
HOW_TO_CHECK_ID = "how-to-check"


class BuildError(UsageError):
    """Building exercises was refused: a check passes on a blank, fails on its solution, or misses a mistake."""


def _lines(text: str) -> list:
    """Notebook-style source: a list of lines, each but the last ending in a newline."""
    return text.splitlines(keepends=True)


def _blank(q: Question) -> str:
    if q.kind == "choice":
        options = ", ".join(repr(o) for o in q.compare.get("options", []))
        blank = [f"# Choose one of: {options}", f"{q.answer} = ..."]
    else:
        blank = [f"# Your code here: compute {q.answer}", f"{q.answer} = ..."]
    lines = q.code.splitlines()
    begins = [j for j, line in enumerate(lines) if BEGIN_SOLUTION.match(line)]
    if not begins:
        return "\n".join(blank)
    start = begins[0]
    end = next(j for j, line in enumerate(lines) if END_SOLUTION.match(line))
    indent = re.match(r"^\s*", lines[start]).group(0)
    return "\n".join(lines[:start] + [indent + b for b in blank] + lines[end + 1 :])


def _how_to_check(exercise: Exercise) -> dict:
    text = (
        "### How to check your work\n"
        "\n"
        "Each question ends with a check cell, `check(\"qNN_K\", your_variable)`. Run the answer cell, then the check:\n"
        "it prints a confirmation when your answer is right, and an error that explains what differs when it is not.\n"
        "The checks know the right answers for your data variant (the `variant` in the parameters cell) only by their\n"
        "fingerprints, not the answers themselves: they tell you what kind of answer is expected and which typical\n"
        "mistake you made, but not by how much a number is off. Leave the variant as it is in a notebook your\n"
        "instructor gave you; in the course's own copy you may set it to 1 or 2 for fresh data to practise on.\n"
        "\n"
        "To check the whole notebook at once, save it and run in a terminal, in the folder of this notebook:\n"
        "\n"
        f"    pytest --nbval-lax {exercise.name}.ipynb\n"
        "\n"
        "Every failing cell is a check cell of a question still open; when nothing fails, you are done."
    )
    return {
        "cell_type": "markdown",
        "id": HOW_TO_CHECK_ID,
        "metadata": {"lifecycle": {"generated": "how-to-check"}},
        "source": _lines(text),
    }


def exercise_notebook(exercise: Exercise) -> dict:
    """The student's notebook for an exercise: answers blanked, mistakes removed, outputs cleared.

    The "how to check your work" note goes after the first heading cell (after the navigation
    cell when there is one). Navigation, question, setup and check cells stay as they are.

    Parameters
    ----------
    exercise : Exercise
        A parsed solution (:func:`lifecycle_lib.exercises.format.parse_solution`).

    Returns
    -------
    dict
        The exercise notebook's JSON.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> source = pathlib.Path(tempfile.mkdtemp())
    >>> def cell(kind, source, tags=(), **lifecycle):
    ...     return {"cell_type": kind, "metadata": {"tags": list(tags), "lifecycle": lifecycle}, "source": source}
    >>> cells = [cell("code", "variant = 0", ["parameters"]),
    ...          cell("code", "from lifecycle_lib.exercises import check"),
    ...          cell("markdown", "**q01_1** (2 points) What is 3 plus the variant?", ["question"], id="q01_1", points=2),
    ...          cell("code", "n = 3 + variant", ["answer"], id="q01_1", answer="n"),
    ...          cell("code", "n = 3 * variant", ["mistake", "nbval-skip"], id="q01_1", hint="Add, do not multiply."),
    ...          cell("code", 'check("q01_1", n)', ["check"], id="q01_1")]
    >>> _ = (source / "01_demo.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    >>> blank = exercise_notebook(parse_solution(source / "01_demo.ipynb"))
    >>> for c in blank["cells"][1:]:
    ...     print("".join(c["source"]))
    variant = 0
    from lifecycle_lib.exercises import check
    **q01_1** (2 points) What is 3 plus the variant?
    # Your code here: compute n
    n = ...
    check("q01_1", n)
    >>> blank["cells"][0]["source"][0].strip()
    '### How to check your work'
    """
    out_cells = []
    for cell in exercise.notebook.get("cells", []):
        tags = cell_tags(cell)
        if "mistake" in tags:
            continue
        new = {"cell_type": cell["cell_type"], "metadata": json.loads(json.dumps(cell.get("metadata", {}))), "source": cell_source(cell)}
        new["id"] = cell.get("id") or f"cell-{len(out_cells)}"
        if cell["cell_type"] == "code":
            new["execution_count"] = None
            new["outputs"] = []
            if "answer" in tags:
                q = exercise.question(cell_settings(cell)["id"])
                new["source"] = _blank(q)
                new["metadata"]["lifecycle"] = {"id": q.id, "answer": q.answer}
        elif cell["cell_type"] == "raw":
            pass
        if "attachments" in cell:
            new["attachments"] = cell["attachments"]
        new["source"] = _lines(new["source"])
        out_cells.append(new)
    # the note goes after the leading markdown cells (navigation and title), before the first code
    position = 0
    while position < len(out_cells) and out_cells[position]["cell_type"] == "markdown" and position < 2:
        position += 1
    out_cells.insert(position, _how_to_check(exercise))
    meta = {k: v for k, v in exercise.notebook.get("metadata", {}).items() if k in ("kernelspec", "language_info")}
    meta["lifecycle"] = {"exercise": exercise.name, "generated_from": f"solutions/{exercise.name}.ipynb"}
    return {
        "cells": out_cells,
        "metadata": meta,
        "nbformat": 4,
        "nbformat_minor": max(5, int(exercise.notebook.get("nbformat_minor", 5))),
    }


def dumps_notebook(nb: dict) -> str:
    """Serialise a notebook the way Jupyter does (sorted keys, one-space indent): same input, same bytes.

    Parameters
    ----------
    nb : dict
        A notebook's JSON.

    Returns
    -------
    str
        Its text, ending in a newline.

    Examples
    --------
    >>> print(dumps_notebook({"nbformat_minor": 5, "nbformat": 4, "metadata": {}, "cells": []}), end="")
    {
     "cells": [],
     "metadata": {},
     "nbformat": 4,
     "nbformat_minor": 5
    }
    """
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def find_solutions(source) -> list:
    """The solution notebooks of a folder (``NN_name.ipynb``), sorted; a clear error when there are none.

    Parameters
    ----------
    source : str or Path
        The folder of solution notebooks.

    Returns
    -------
    list of Path
        Its notebooks named ``NN_name.ipynb``, by name.

    Raises
    ------
    UsageError
        When the folder does not exist or holds none.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["07_at_risk.ipynb", "03_reach.ipynb", "Untitled.ipynb", "README.md"]:
    ...     _ = (folder / name).write_text("{}")
    >>> [p.name for p in find_solutions(folder)]
    ['03_reach.ipynb', '07_at_risk.ipynb']
    >>> find_solutions(folder / "missing")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.UsageError: .../missing: no such folder of solution notebooks. ...
    """
    folder = Path(source)
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder of solution notebooks. Fix: pass --source with the folder that holds NN_name.ipynb files.")
    found = sorted(p for p in folder.iterdir() if LESSON_NAME.match(p.name))
    if not found:
        raise UsageError(f"{folder}: holds no solution notebooks named NN_name.ipynb.")
    return found


def _runnable_solution(exercise: Exercise) -> dict:
    """The solution as a kernel runs it in the build: outputs cleared, mistake cells left out (as nbval skips them)."""
    nb = json.loads(json.dumps(exercise.notebook))
    cells = []
    for cell in nb["cells"]:
        if "mistake" in cell_tags(cell):
            continue
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    nb["cells"] = cells
    return nb


def _errors(cell: dict) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _judge_run(name: str, kind: str, nb: dict) -> list:
    """Problems found in an executed notebook: kind "solution" (nothing may fail) or "blank" (only checks fail)."""
    problems = []
    for i, ((role, qid), cell) in enumerate(zip(cell_roles(nb), nb["cells"])):
        if cell.get("cell_type") != "code":
            continue
        errors = _errors(cell)
        where = f"{name}.ipynb, {qid}" if qid else f"{name}.ipynb, cell {i} ({role})"
        if kind == "solution" and errors:
            e = errors[0]
            problems.append(f"{where}: the solution fails: {e.get('ename')}: {_strip_ansi(e.get('evalue', ''))}")
        elif kind == "blank" and role == "check":
            if not errors:
                problems.append(f"{where}: the check passes on the blank exercise, so the blank gives the answer away.")
            elif errors[0].get("ename") not in ("NotAnswered", "WrongAnswer"):
                e = errors[0]
                problems.append(f"{where}: on the blank exercise the check fails with {e.get('ename')}: {_strip_ansi(e.get('evalue', ''))} instead of asking for an answer.")
        elif kind == "blank" and errors:
            e = errors[0]
            problems.append(
                f"{where}: on the blank exercise this cell fails ({e.get('ename')}: {_strip_ansi(e.get('evalue', ''))}); "
                f"only check cells may fail before the student answers (does it use an answer variable?)."
            )
    return problems


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text).strip().splitlines()[0] if text.strip() else ""


def _verify_mistakes(exercise: Exercise, key: dict) -> list:
    """Run every mistake in this process and make sure its check rejects it with its own hint."""
    problems = []
    try:
        answers = expected_answers(key, variant=0)
    except KeyProblem as exc:
        return [f"{exercise.name}.ipynb: {exc}"]
    for q in exercise.questions:
        exp = answers[q.id]
        if q.kind == "choice":
            options = q.compare.get("options", [])
            if exp.value not in options:
                problems.append(f"{exercise.name}.ipynb, {q.id}: the reference answer {exp.value!r} is not one of the options {options}.")
        if len(exp.mistakes) != len(q.mistakes):
            failed = [m.hint for m in q.mistakes if m.hint not in [h for _, h in exp.mistakes]]
            problems.append(f"{exercise.name}.ipynb, {q.id}: a mistake cell raises instead of computing a wrong answer (hint {failed[0]!r}).")
            continue
        for value, hint in exp.mistakes:
            verdict = diagnose(exp, value)
            if verdict.ok:
                problems.append(f"{exercise.name}.ipynb, {q.id}: the mistake with hint {hint!r} passes the check; it is not a mistake for variant 0 (or compare is too lenient).")
            elif verdict.hint != hint:
                problems.append(f"{exercise.name}.ipynb, {q.id}: the mistake with hint {hint!r} gives the same value as an earlier mistake, so its hint is never shown.")
    return problems


def _execute_all(jobs, timeout, workers):
    """Run every (folder, notebook) job, errors kept in the outputs; a run that timed out twice is its error."""
    from lifecycle_lib.tools.execute import Run, execute_notebooks

    runs = [Run(nb, cwd=folder, name=f"{folder.name}.ipynb ({folder.parent.name})") for folder, nb in jobs]
    return execute_notebooks(runs, timeout=timeout, workers=workers, allow_errors=True, return_exceptions=True)


def verify(exercises: list, *, timeout: float = 600, workers: int | None = None) -> list:
    """Execute every solution and every blank exercise in a fresh kernel each; return the problems found.

    Every mistake must be rejected with its own hint (checked first, in this process, without
    kernels); solutions must pass all their checks and raise nowhere; blank exercises must fail every
    check (asking for an answer) and nothing else.

    Parameters
    ----------
    exercises : list of Exercise
        The parsed solutions to verify (see :func:`lifecycle_lib.exercises.format.parse_solution`).
    timeout : float, default 600
        Seconds each cell of each notebook may run.
    workers : int, optional
        Notebooks executed at once (default: None, the number of cores).

    Returns
    -------
    list of str
        One message per problem, naming the notebook and the question; an empty list means the
        exercises may be written.

    Examples
    --------
    A "mistake" that gives the right answer for variant 0 is caught by the first, kernel-free pass:

    >>> import json, pathlib, tempfile
    >>> source = pathlib.Path(tempfile.mkdtemp())
    >>> def cell(kind, source, tags=(), **lifecycle):
    ...     return {"cell_type": kind, "metadata": {"tags": list(tags), "lifecycle": lifecycle}, "source": source}
    >>> cells = [cell("code", "variant = 0", ["parameters"]),
    ...          cell("code", "from lifecycle_lib.exercises import check"),
    ...          cell("markdown", "**q01_1** (2 points) What is 3 plus the variant?", ["question"], id="q01_1", points=2),
    ...          cell("code", "n = 3 + variant", ["answer"], id="q01_1", answer="n"),
    ...          cell("code", "n = 3 * variant", ["mistake", "nbval-skip"], id="q01_1", hint="Add, do not multiply."),
    ...          cell("code", 'check("q01_1", n)', ["check"], id="q01_1")]
    >>> _ = (source / "01_demo.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    >>> exercise = parse_solution(source / "01_demo.ipynb")
    >>> exercise.notebook["cells"][4]["source"] = "n = variant + 3"  # the mistake cell, now right for variant 0
    >>> verify([exercise])
    ["01_demo.ipynb, q01_1: the mistake with hint 'Add, do not multiply.' passes the check; it is not a mistake for variant 0 (or compare is too lenient)."]
    """
    import tempfile

    # the cheap checks first: a wrong mistake or option is reported without starting any kernel
    problems: list = []
    for ex in exercises:
        problems.extend(_verify_mistakes(ex, make_key(ex)))
    if problems:
        return problems
    jobs, labels = [], []
    with tempfile.TemporaryDirectory(prefix="lifecycle-build-") as tmp:
        for ex in exercises:
            key_text = check_file_text(make_key(ex), [0])
            for kind, nb in (("solution", _runnable_solution(ex)), ("blank", exercise_notebook(ex))):
                folder = Path(tmp) / kind / ex.name
                (folder / ".keys").mkdir(parents=True)
                (folder / ".keys" / f"{ex.name}.key").write_text(key_text, encoding="utf-8")
                (folder / f"{ex.name}.ipynb").write_text(dumps_notebook(nb), encoding="utf-8")
                jobs.append((folder, nb))
                labels.append((ex.name, kind))
        executed = _execute_all(jobs, timeout, workers)
    for (name, kind), nb in zip(labels, executed):
        problems.extend([str(nb)] if isinstance(nb, Exception) else _judge_run(name, kind, nb))
    return problems


def _generate(solutions: list) -> dict:
    """{relative path: text} of everything the build writes for these parsed solutions."""
    files = {}
    for ex in solutions:
        files[f"{ex.name}.ipynb"] = dumps_notebook(exercise_notebook(ex))
        files[f".keys/{ex.name}.key"] = check_file_text(make_key(ex), PUBLIC_VARIANTS)
    return files


def _existing(out: Path) -> dict:
    files = {}
    if out.is_dir():
        for p in sorted(out.iterdir()):
            if LESSON_NAME.match(p.name):
                files[p.name] = p.read_text(encoding="utf-8")
        keys = out / ".keys"
        if keys.is_dir():
            for p in sorted(keys.glob("*.key")):
                files[f".keys/{p.name}"] = p.read_text(encoding="utf-8")
    return files


def build(source=None, out=None, check_only: bool = False, *, execute: bool = True, timeout: float = 600,
          workers: int | None = None) -> list:
    """Generate exercise notebooks and keys from solution notebooks; refuse if any check is wrong.

    ``source`` defaults to the repository's ``solutions/``, ``out`` to ``exercises/``. With
    ``execute`` (the default) every solution and blank runs first (see :func:`verify`) and a
    :class:`BuildError` listing every problem stops the build before anything is written.
    With ``check_only`` nothing is written: the return value lists the files of ``out`` that differ
    from a fresh build (empty when ``out`` is up to date). Otherwise it lists the files written.
    Output is deterministic: the same solutions give the same bytes. Exercise notebooks without a
    solution any more are left in place (``out`` may hold another source's exercises); ``check_only``
    reports them.

    Parameters
    ----------
    source : str or Path, optional
        The folder of solution notebooks (default: ``solutions/``).
    out : str or Path, optional
        The folder of exercise notebooks (default: ``exercises/``).
    check_only : bool, default False
        Write nothing; list the differences instead.
    execute : bool, default True
        Run every solution and blank in kernels first (see :func:`verify`).
    timeout : float, default 600
        Seconds a cell may run.
    workers : int, optional
        Kernels run at once (default: the number of cores).

    Returns
    -------
    list
        The files written, or with ``check_only`` the differences found.

    Raises
    ------
    BuildError
        When a check is wrong either way; nothing is written then.

    Examples
    --------
    ``execute=False`` skips the kernels (``lifecycle exercises build`` always runs them):

    >>> import json, pathlib, tempfile
    >>> source = pathlib.Path(tempfile.mkdtemp())
    >>> def cell(kind, source, tags=(), **lifecycle):
    ...     return {"cell_type": kind, "metadata": {"tags": list(tags), "lifecycle": lifecycle}, "source": source}
    >>> cells = [cell("code", "variant = 0", ["parameters"]),
    ...          cell("code", "from lifecycle_lib.exercises import check"),
    ...          cell("markdown", "**q01_1** (2 points) What is 3 plus the variant?", ["question"], id="q01_1", points=2),
    ...          cell("code", "n = 3 + variant", ["answer"], id="q01_1", answer="n"),
    ...          cell("code", "n = 3 * variant", ["mistake", "nbval-skip"], id="q01_1", hint="Add, do not multiply."),
    ...          cell("code", 'check("q01_1", n)', ["check"], id="q01_1")]
    >>> _ = (source / "01_demo.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    >>> out = source / "exercises"
    >>> [str(p.relative_to(out)) for p in build(source, out, execute=False)]
    ['.keys/01_demo.key', '01_demo.ipynb']
    >>> build(source, out, check_only=True, execute=False)
    []
    """
    source = Path(source) if source else REPO_ROOT / "solutions"
    out = Path(out) if out else REPO_ROOT / "exercises"
    solutions = [parse_solution(p) for p in find_solutions(source)]
    if execute:
        problems = verify(solutions, timeout=timeout, workers=workers)
        if problems:
            raise BuildError("exercises not written; fix the solutions first:\n  " + "\n  ".join(problems))
    files = _generate(solutions)
    existing = _existing(out)
    if check_only:
        differences = []
        for rel in sorted(set(files) | set(existing)):
            if rel not in existing:
                differences.append(f"{out / rel}: missing (run 'lifecycle exercises build')")
            elif rel not in files:
                differences.append(f"{out / rel}: has no solution in {source} (delete it, or restore the solution)")
            elif files[rel] != existing[rel]:
                differences.append(f"{out / rel}: differs from what {source} generates (run 'lifecycle exercises build')")
        return differences
    (out / ".keys").mkdir(parents=True, exist_ok=True)
    written = []
    for rel, text in sorted(files.items()):
        path = out / rel
        if existing.get(rel) != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
