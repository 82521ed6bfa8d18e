"""Exercise notebooks generated from solution notebooks, with every check checked both ways.

Authors edit only ``solutions/NN_name.ipynb`` (the format is in ``solutions/README.md`` and
:mod:`lifecycle_lib.exercises.format`). :func:`build` turns each into ``exercises/NN_name.ipynb``
(answers blanked, mistake cells removed, outputs cleared) and ``exercises/.keys/NN_name.key`` (what
the self-check needs, encoded). Before writing anything it runs, in this process and without a
kernel, every solution for every variant the keys carry (:data:`PUBLIC_VARIANTS`) with each typical
mistake, and makes sure every check rejects every mistake with that mistake's own hint on every one
of those variants (:func:`mistake_clashes`); then it executes, each in a fresh kernel and in
parallel, every solution (all its checks must pass) and every blank exercise (all its checks must
fail, nothing else may fail). Any failure stops the build with a message naming the notebook, the
question, the mistake's hint and the variant.

Generation reads and writes notebooks as plain JSON, so importing this module stays light;
execution imports ``nbclient`` only when it runs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from lifecycle_lib._util.notebooks import LESSON_NAME, cell_source
from lifecycle_lib._util.paths import REPO_ROOT
from lifecycle_lib.errors import UsageError
from lifecycle_lib.exercises.compare import judge_record, record
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
    "MistakeClash",
    "mistake_clashes",
    "public_answers",
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
        'Each question ends with a check cell, `check("qNN_K", your_variable)`. Run the answer cell, then the check:\n'
        "it prints a confirmation when your answer is right, and an error that explains what differs when it is not.\n"
        "The checks know the right answers for your data variant (the `variant` in the parameters cell) only by their\n"
        "fingerprints, not the answers themselves: they tell you what kind of answer is expected, how yours differs\n"
        "and what usually causes that (the typical mistake you made, when it is one they know), and when an answer\n"
        "builds on an earlier one that is not right yet; not by how much a number is off. Leave the variant as it is\n"
        "in a notebook your instructor gave you; in the course's own copy you may set it to 1 or 2 for fresh data to\n"
        "practise on.\n"
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
        new = {
            "cell_type": cell["cell_type"],
            "metadata": json.loads(json.dumps(cell.get("metadata", {}))),
            "source": cell_source(cell),
        }
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
        raise UsageError(
            f"{folder}: no such folder of solution notebooks. Fix: pass --source with the folder that holds NN_name.ipynb files."
        )
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
                problems.append(
                    f"{where}: on the blank exercise the check fails with {e.get('ename')}: {_strip_ansi(e.get('evalue', ''))} instead of asking for an answer."
                )
        elif kind == "blank" and errors:
            e = errors[0]
            problems.append(
                f"{where}: on the blank exercise this cell fails ({e.get('ename')}: {_strip_ansi(e.get('evalue', ''))}); "
                f"only check cells may fail before the student answers (does it use an answer variable?)."
            )
    return problems


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text).strip().splitlines()[0] if text.strip() else ""


_LOCAL_SALT = "6275696c64"  # for records that never leave this process


@dataclass(frozen=True)
class MistakeClash:
    """A typical mistake that its check does not recognise for one variant.

    ``problem`` is ``"passes"`` (the check accepts the mistake's value), ``"collides"`` (its value is
    taken for the earlier mistake whose hint is ``other``, so its own hint is never shown) or
    ``"raises"`` (the mistake's code fails for this variant; ``other`` holds the error).

    Parameters
    ----------
    qid : str
        The question.
    hint : str
        The mistake's hint, which names it.
    variant : int
        The data variant.
    problem : str
        ``"passes"``, ``"collides"`` or ``"raises"``.
    other : str, optional
        The hint it collides with, or the error it raises.

    Examples
    --------
    >>> clash = MistakeClash("q01_1", "Add, do not multiply.", 3, "passes")
    >>> clash.describe("01_demo")
    "01_demo.ipynb, q01_1, variant 3: the mistake with hint 'Add, do not multiply.' passes the check; it is not a mistake for this variant (or compare is too lenient)."
    """

    qid: str
    hint: str
    variant: int
    problem: str
    other: str | None = None

    def describe(self, exercise: str) -> str:
        """The sentence that names the notebook, the question, the mistake's hint, the variant and the problem.

        Parameters
        ----------
        exercise : str
            The exercise's name, e.g. ``07_active_returning_at_risk``.

        Returns
        -------
        str
            One line for the author.
        """
        where = f"{exercise}.ipynb, {self.qid}, variant {self.variant}: the mistake with hint {self.hint!r}"
        if self.problem == "passes":
            return f"{where} passes the check; it is not a mistake for this variant (or compare is too lenient)."
        if self.problem == "collides":
            return (
                f"{where} gives a value the check takes for the earlier mistake with hint {self.other!r}, "
                f"so its own hint is never shown; make the two mistakes differ on this variant."
            )
        return f"{where} raises ({self.other}) instead of computing a wrong answer."


def mistake_clashes(answers: dict, variant: int) -> list:
    """Every typical mistake of an exercise that its check does not recognise with its own hint, for one variant.

    Parameters
    ----------
    answers : dict of str to Expected
        :func:`lifecycle_lib.exercises.keys.expected_answers` of the exercise for ``variant``.
    variant : int
        The variant they were computed for (named in each clash).

    Returns
    -------
    list of MistakeClash
        In question order; empty when every mistake is recognised.

    Examples
    --------
    >>> key = {"exercise": "01_demo",
    ...        "cells": [{"kind": "parameters", "source": "variant = 0"},
    ...                  {"kind": "answer", "id": "q01_1", "source": "n = 3 + variant"},
    ...                  {"kind": "mistake", "id": "q01_1", "source": "n = 3 * variant", "hint": "Add, do not multiply."}],
    ...        "questions": {"q01_1": {"answer": "n", "compare": {}, "points": 1, "explain": None}}}
    >>> mistake_clashes(expected_answers(key, 2), 2)
    []

    Made "right" for variant 1, the same mistake passes there:

    >>> key["cells"][2]["source"] = "n = 3 * variant if variant != 1 else 4"
    >>> mistake_clashes(expected_answers(key, 1), 1)
    [MistakeClash(qid='q01_1', hint='Add, do not multiply.', variant=1, problem='passes', other=None)]
    """
    clashes = []
    for qid, exp in answers.items():
        for hint, error in exp.unrun:
            clashes.append(MistakeClash(qid, hint, int(variant), "raises", error))
        if not exp.mistakes:
            continue
        rec = record(exp, salt=_LOCAL_SALT, rounds=1)
        for value, hint in exp.mistakes:
            verdict = judge_record(rec, value)[0]
            if verdict.ok:
                clashes.append(MistakeClash(qid, hint, int(variant), "passes"))
            elif verdict.hint != hint:
                clashes.append(MistakeClash(qid, hint, int(variant), "collides", verdict.hint))
    return clashes


def public_answers(exercise: Exercise, variants=PUBLIC_VARIANTS) -> dict | KeyProblem:
    """The expected answers of an exercise for each variant its public key carries, computed once.

    Parameters
    ----------
    exercise : Exercise
        A parsed solution.
    variants : iterable of int, default PUBLIC_VARIANTS
        The variants to compute.

    Returns
    -------
    dict or KeyProblem
        ``{variant: {question id: Expected}}``, or the problem that stopped the solution for a
        variant (returned, not raised, so that a build can report every notebook at once).

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> source = pathlib.Path(tempfile.mkdtemp())
    >>> def cell(kind, source, tags=(), **lifecycle):
    ...     return {"cell_type": kind, "metadata": {"tags": list(tags), "lifecycle": lifecycle}, "source": source}
    >>> cells = [cell("code", "variant = 0", ["parameters"]),
    ...          cell("markdown", "**q01_1** (2 points) What is 3 plus the variant?", ["question"], id="q01_1", points=2),
    ...          cell("code", "n = 3 + variant", ["answer"], id="q01_1", answer="n"),
    ...          cell("code", "n = 3 * variant", ["mistake", "nbval-skip"], id="q01_1", hint="Add, do not multiply."),
    ...          cell("code", 'check("q01_1", n)', ["check"], id="q01_1")]
    >>> _ = (source / "01_demo.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    >>> answers = public_answers(parse_solution(source / "01_demo.ipynb"))
    >>> {variant: found["q01_1"].value for variant, found in answers.items()}
    {0: 3, 1: 4, 2: 5}
    """
    key = make_key(exercise)
    try:
        return {int(v): expected_answers(key, int(v)) for v in variants}
    except KeyProblem as exc:
        return exc


def _verify_mistakes(exercise: Exercise, answers: dict | KeyProblem) -> list:
    """Problems of the mistakes and options of one exercise, on every variant of ``answers``."""
    if isinstance(answers, KeyProblem):
        return [f"{exercise.name}.ipynb: {answers}"]
    problems = []
    for variant, found in answers.items():
        for q in exercise.questions:
            if q.kind != "choice":
                continue
            options = q.compare.get("options", [])
            if found[q.id].value not in options:
                problems.append(
                    f"{exercise.name}.ipynb, {q.id}, variant {variant}: the reference answer "
                    f"{found[q.id].value!r} is not one of the options {options}."
                )
        problems.extend(clash.describe(exercise.name) for clash in mistake_clashes(found, variant))
    return problems


def _execute_all(jobs, timeout, workers):
    """Run every (folder, notebook) job, errors kept in the outputs; a run that timed out twice is its error."""
    from lifecycle_lib.tools.execute import Run, execute_notebooks

    runs = [Run(nb, cwd=folder, name=f"{folder.name}.ipynb ({folder.parent.name})") for folder, nb in jobs]
    return execute_notebooks(runs, timeout=timeout, workers=workers, allow_errors=True, return_exceptions=True)


def verify(exercises: list, *, timeout: float = 600, workers: int | None = None, answers: dict | None = None) -> list:
    """Execute every solution and every blank exercise in a fresh kernel each; return the problems found.

    Every mistake must be rejected with its own hint on every public variant (checked first, in
    this process, without kernels: see :func:`mistake_clashes`); solutions must pass all their checks
    and raise nowhere; blank exercises must fail every check (asking for an answer) and nothing else.

    Parameters
    ----------
    exercises : list of Exercise
        The parsed solutions to verify (see :func:`lifecycle_lib.exercises.format.parse_solution`).
    timeout : float, default 600
        Seconds each cell of each notebook may run.
    workers : int, optional
        Notebooks executed at once (default: None, the number of cores).
    answers : dict, optional
        ``{exercise name: public_answers(exercise)}`` when already computed.

    Returns
    -------
    list of str
        One message per problem, naming the notebook, the question and (for a mistake) its hint
        and the variant; an empty list means the exercises may be written.

    Examples
    --------
    A "mistake" that gives the right answer for a variant is caught by the first, kernel-free pass:

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
    >>> exercise.notebook["cells"][4]["source"] = "n = 3 * variant if variant != 0 else 3"  # now right for variant 0
    >>> verify([exercise])
    ["01_demo.ipynb, q01_1, variant 0: the mistake with hint 'Add, do not multiply.' passes the check; it is not a mistake for this variant (or compare is too lenient)."]

    One that is right for one of the other public variants only is caught too:

    >>> exercise.notebook["cells"][4]["source"] = "n = 3 * variant if variant != 1 else 4"
    >>> verify([exercise])
    ["01_demo.ipynb, q01_1, variant 1: the mistake with hint 'Add, do not multiply.' passes the check; it is not a mistake for this variant (or compare is too lenient)."]
    """
    import tempfile

    # the cheap checks first: a wrong mistake or option, on any public variant, is reported without starting any kernel
    if answers is None:
        answers = {ex.name: public_answers(ex) for ex in exercises}
    problems: list = []
    for ex in exercises:
        problems.extend(_verify_mistakes(ex, answers[ex.name]))
    if problems:
        return problems
    jobs, labels = [], []
    with tempfile.TemporaryDirectory(prefix="lifecycle-build-") as tmp:
        for ex in exercises:
            key_text = check_file_text(make_key(ex), [0], answers=answers[ex.name])
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


def _generate(solutions: list, answers: dict | None = None) -> dict:
    """{relative path: text} of everything the build writes for these parsed solutions."""
    files = {}
    for ex in solutions:
        computed = (answers or {}).get(ex.name)
        if isinstance(computed, KeyProblem):
            raise computed
        files[f"{ex.name}.ipynb"] = dumps_notebook(exercise_notebook(ex))
        files[f".keys/{ex.name}.key"] = check_file_text(make_key(ex), PUBLIC_VARIANTS, answers=computed)
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


def build(
    source=None,
    out=None,
    check_only: bool = False,
    *,
    execute: bool = True,
    timeout: float = 600,
    workers: int | None = None,
) -> list:
    """Generate exercise notebooks and keys from solution notebooks; refuse if any check is wrong.

    ``source`` defaults to the repository's ``solutions/``, ``out`` to ``exercises/``. Every
    typical mistake is first checked on every public variant, without kernels (see
    :func:`mistake_clashes`); with ``execute`` (the default) every solution and blank then runs in a
    kernel (see :func:`verify`). A :class:`BuildError` listing every problem stops the build before
    anything is written.
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
        Run every solution and blank in kernels first (see :func:`verify`); without it only the
        kernel-free checks of the mistakes run.
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
    ``execute=False`` skips the kernels (``lifecycle exercises build`` always runs them), not the
    checks of the mistakes:

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
    answers = {ex.name: public_answers(ex) for ex in solutions}  # once: for the checks and for the keys
    if execute:
        problems = verify(solutions, timeout=timeout, workers=workers, answers=answers)
    else:
        problems = [problem for ex in solutions for problem in _verify_mistakes(ex, answers[ex.name])]
    if problems:
        raise BuildError("exercises not written; fix the solutions first:\n  " + "\n  ".join(problems))
    files = _generate(solutions, answers)
    existing = _existing(out)
    if check_only:
        differences = []
        for rel in sorted(set(files) | set(existing)):
            if rel not in existing:
                differences.append(f"{out / rel}: missing (run 'lifecycle exercises build')")
            elif rel not in files:
                differences.append(f"{out / rel}: has no solution in {source} (delete it, or restore the solution)")
            elif files[rel] != existing[rel]:
                differences.append(
                    f"{out / rel}: differs from what {source} generates (run 'lifecycle exercises build')"
                )
        return differences
    (out / ".keys").mkdir(parents=True, exist_ok=True)
    written = []
    for rel, text in sorted(files.items()):
        path = out / rel
        if existing.get(rel) != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
