"""Exercise notebooks generated from solution notebooks, with every check checked both ways.

Authors edit only ``solutions/NN_name.ipynb`` (the format is in ``solutions/README.md``).
:func:`build` turns each into ``exercises/NN_name.ipynb`` (answers blanked, mistake cells removed,
outputs cleared) and ``exercises/.keys/NN_name.key`` (what the self-check needs, encoded). Before
writing anything it executes, each in a fresh kernel and in parallel, every solution (all its checks
must pass) and every blank exercise (all its checks must fail, nothing else may fail); it also runs
each typical mistake and makes sure its check rejects it. Any failure stops the build with a
message naming the notebook and the question.

Parsing, key making and generation read and write notebooks as plain JSON, so importing this
module and parsing a solution stays light; execution imports ``nbclient`` only when it runs.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle_lib.errors import UsageError

__all__ = [
    "SolutionError",
    "BuildError",
    "Mistake",
    "Question",
    "Exercise",
    "NOTEBOOK_NAME",
    "parse_solution",
    "make_key",
    "exercise_notebook",
    "dumps_notebook",
    "find_solutions",
    "verify",
    "build",
]

#: A solution/exercise file name: two digits, an underscore, lowercase words.
NOTEBOOK_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")

_CHECK_SOURCE = re.compile(r"""^check\(\s*["'](q\d\d_\d+)["']\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$""")
_BEGIN = re.compile(r"^\s*#\s*BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*#\s*END SOLUTION\s*$")
_LIFECYCLE_TAGS = ("parameters", "question", "answer", "mistake", "check")

HOW_TO_CHECK_ID = "how-to-check"


class SolutionError(UsageError):
    """A solution notebook does not follow the format; the message names the notebook, the cell and the fix."""


class BuildError(UsageError):
    """Building exercises was refused: a check passes on a blank, fails on its solution, or misses a mistake."""


@dataclass
class Mistake:
    """A typical wrong answer: the code that computes it and the hint the check gives for it.

    A solution's mistake cell becomes one; the check shows the hint when an answer equals what the
    code computes.

    >>> Mistake("n = 3 * variant", "Add, do not multiply.")
    Mistake(code='n = 3 * variant', hint='Add, do not multiply.')
    """

    code: str
    hint: str


@dataclass
class Question:
    """One question of a solution notebook, as its cells define it.

    >>> q = Question("q01_1", 2, "What is 3 plus the variant?", "n", "n = 3 + variant",
    ...              mistakes=[Mistake("n = 3 * variant", "Add, do not multiply.")])
    >>> q
    Question(q01_1, 2 pt, answer 'n', compute, 1 mistake(s))
    >>> Question("q01_2", 1, "Which is larger?", "pick", "pick = 'a'", {"kind": "choice", "options": ["a", "b"]}).kind
    'choice'
    """

    id: str
    points: float
    text: str
    answer: str
    code: str
    compare: dict = field(default_factory=dict)
    mistakes: list = field(default_factory=list)
    explain: str | None = None

    @property
    def kind(self) -> str:
        """``"choice"`` for an interpreting question, ``"compute"`` otherwise."""
        return "choice" if self.compare.get("kind") == "choice" else "compute"

    def __repr__(self) -> str:
        return f"Question({self.id}, {self.points} pt, answer {self.answer!r}, {self.kind}, {len(self.mistakes)} mistake(s))"


@dataclass
class Exercise:
    """A parsed solution notebook: its raw JSON, its questions in order, and where it came from.

    :func:`parse_solution` makes one from a file; built by hand it looks like this:

    >>> questions = [Question("q01_1", 2, "What is 3 plus the variant?", "n", "n = 3 + variant"),
    ...              Question("q01_2", 1, "And times two?", "m", "m = 2 * n")]
    >>> exercise = Exercise("01_demo", "01", Path("solutions/01_demo.ipynb"), {"cells": []}, questions)
    >>> exercise
    Exercise(01_demo: 2 question(s) [q01_1, q01_2], 3 points)
    >>> exercise.question("q01_2").answer
    'm'
    """

    name: str
    number: str
    path: Path
    notebook: dict
    questions: list

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def __repr__(self) -> str:
        ids = ", ".join(q.id for q in self.questions)
        return f"Exercise({self.name}: {len(self.questions)} question(s) [{ids}], {self.points:g} points)"


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell: dict) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def _meta(cell: dict) -> dict:
    return dict(cell.get("metadata", {}).get("lifecycle", {}))


def _assigns(code: str, name: str) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name) and sub.id == name:
                    return True
    return False


def parse_solution(path) -> Exercise:
    """Read a solution notebook into an :class:`Exercise`, refusing anything outside the format.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> cells = [
    ...     {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "variant = 0"},
    ...     {"cell_type": "markdown", "metadata": {"tags": ["question"], "lifecycle": {"id": "q01_1", "points": 1}},
    ...      "source": "**q01_1** (1 point) What is 6 x 7?"},
    ...     {"cell_type": "code", "metadata": {"tags": ["answer"], "lifecycle": {"id": "q01_1", "answer": "x"}},
    ...      "source": "x = 6 * 7"},
    ...     {"cell_type": "code", "metadata": {"tags": ["mistake", "nbval-skip"], "lifecycle": {"id": "q01_1", "hint": "Multiply."}},
    ...      "source": "x = 6 + 7"},
    ...     {"cell_type": "code", "metadata": {"tags": ["check"], "lifecycle": {"id": "q01_1"}},
    ...      "source": 'check("q01_1", x)'},
    ... ]
    >>> _ = (folder / "01_demo.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    >>> parse_solution(folder / "01_demo.ipynb")
    Exercise(01_demo: 1 question(s) [q01_1], 1 points)
    """
    path = Path(path)
    m = NOTEBOOK_NAME.match(path.name)
    if not m:
        raise SolutionError(f"{path}: solution notebooks are named NN_lowercase_words.ipynb (e.g. 07_active_returning_at_risk.ipynb).")
    number = m.group(1)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SolutionError(f"{path}: not a readable notebook ({exc}).") from exc

    def fail(i, text):
        raise SolutionError(f"{path.name}, cell {i}: {text}")

    questions: list[Question] = []
    current: Question | None = None
    stage = None  # the last lifecycle tag seen for the current question
    params = 0
    for i, cell in enumerate(nb.get("cells", [])):
        tags = [t for t in _tags(cell) if t in _LIFECYCLE_TAGS]
        meta = _meta(cell)
        src = _source(cell)
        if len(tags) > 1:
            fail(i, f"a cell has one of the tags {list(_LIFECYCLE_TAGS)}, not several ({tags}).")
        tag = tags[0] if tags else None
        if cell.get("cell_type") == "code" and tag in (None, "parameters", "answer", "mistake"):
            for line in src.splitlines():
                if line.lstrip().startswith(("%", "!")):
                    fail(i, f"IPython magics and shell commands ({line.strip()!r}) cannot run in the check's namespace; write plain Python.")
        if tag is None:
            if cell.get("cell_type") == "code" and current is not None and stage in ("answer", "mistake"):
                fail(i, f"a plain code cell between the answer and the check of {current.id}; move it before the question or after the check.")
            continue
        if tag == "parameters":
            params += 1
            if not _assigns(src, "variant"):
                fail(i, "the parameters cell must define the data variant: variant = 0")
            continue
        qid = meta.get("id")
        if not qid or not re.match(rf"^q{number}_\d+$", str(qid)):
            fail(i, f"a {tag} cell needs metadata {{\"lifecycle\": {{\"id\": \"q{number}_K\"}}}} with this notebook's number {number} (found {qid!r}).")
        if tag == "question":
            if cell.get("cell_type") != "markdown":
                fail(i, f"the question cell of {qid} must be a markdown cell.")
            if current is not None and stage != "check":
                fail(i, f"question {current.id} has no check cell before the next question.")
            if any(q.id == qid for q in questions):
                fail(i, f"the id {qid} is used twice; every question needs its own id.")
            points = meta.get("points", 1)
            if not isinstance(points, (int, float)) or points <= 0:
                fail(i, f"points of {qid} must be a positive number (found {points!r}).")
            current = Question(id=qid, points=points, text=src, answer="", code="")
            stage = "question"
            continue
        if current is None or qid != current.id:
            fail(i, f"a {tag} cell for {qid} must follow the question cell of {qid}.")
        if cell.get("cell_type") != "code":
            fail(i, f"the {tag} cell of {qid} must be a code cell.")
        if tag == "answer":
            if stage != "question":
                fail(i, f"{qid} has more than one answer cell, or the answer comes after a mistake/check cell.")
            var = meta.get("answer")
            if not var or not str(var).isidentifier():
                fail(i, f"the answer cell of {qid} needs metadata lifecycle.answer naming the variable it assigns.")
            if not _assigns(src, var):
                fail(i, f"the answer cell of {qid} must assign {var!r} (or fix lifecycle.answer).")
            spec = meta.get("compare") or {}
            if not isinstance(spec, dict):
                fail(i, f"lifecycle.compare of {qid} must be an object such as {{\"rtol\": 0.01}}.")
            if spec.get("kind") == "choice" and not spec.get("options"):
                fail(i, f"the choice question {qid} needs compare.options, the list the learner chooses from.")
            lines = src.splitlines()
            begins = [j for j, line in enumerate(lines) if _BEGIN.match(line)]
            ends = [j for j, line in enumerate(lines) if _END.match(line)]
            if len(begins) != len(ends) or len(begins) > 1 or (begins and begins[0] > ends[0]):
                fail(i, f"the answer cell of {qid} may have one '# BEGIN SOLUTION' line followed by one '# END SOLUTION' line.")
            current.answer, current.code, current.compare = var, src, spec
            current.explain = meta.get("explain")
            questions.append(current)
            stage = "answer"
        elif tag == "mistake":
            if stage not in ("answer", "mistake"):
                fail(i, f"a mistake cell of {qid} must come after its answer cell and before its check.")
            hint = meta.get("hint")
            if not hint:
                fail(i, f"the mistake cell of {qid} needs metadata lifecycle.hint: the advice for this mistake.")
            if "nbval-skip" not in _tags(cell):
                fail(i, f"the mistake cell of {qid} must also carry the tag 'nbval-skip' so running the solution does not keep the wrong value.")
            if not _assigns(src, current.answer):
                fail(i, f"the mistake cell of {qid} must assign the same variable as the answer, {current.answer!r}.")
            current.mistakes.append(Mistake(code=src, hint=str(hint)))
            stage = "mistake"
        elif tag == "check":
            if stage not in ("answer", "mistake"):
                fail(i, f"the check cell of {qid} must come after its answer (and mistake) cells.")
            expected_src = f'check("{qid}", {current.answer})'
            cm = _CHECK_SOURCE.match(src.strip())
            if not cm or cm.group(1) != qid or cm.group(2) != current.answer:
                fail(i, f"the check cell of {qid} must read exactly: {expected_src}")
            if current.kind == "compute" and not current.mistakes:
                fail(i, f"{qid} computes an answer but has no mistake cell; add at least one typical wrong answer with its hint.")
            stage = "check"
    if params != 1:
        raise SolutionError(f"{path.name}: needs exactly one code cell tagged 'parameters' with variant = 0 (found {params}).")
    if current is not None and stage != "check":
        raise SolutionError(f"{path.name}: question {current.id} has no check cell.")
    if not questions:
        raise SolutionError(f"{path.name}: has no questions (markdown cells tagged 'question').")
    return Exercise(name=path.stem, number=number, path=path, notebook=nb, questions=questions)


def make_key(exercise: Exercise) -> dict:
    """What the self-check needs for an exercise: the code cells in order, and each question's settings.

    Contains code, never computed values; :func:`lifecycle_lib.exercises.checks.encode_key` writes it.

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
    >>> key = make_key(parse_solution(source / "01_demo.ipynb"))
    >>> [c["kind"] for c in key["cells"]]
    ['parameters', 'setup', 'answer', 'mistake']
    >>> key["questions"]
    {'q01_1': {'answer': 'n', 'compare': {}, 'points': 2, 'explain': None}}
    """
    cells = []
    for cell in exercise.notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tags = _tags(cell)
        src = _source(cell)
        meta = _meta(cell)
        if "parameters" in tags:
            cells.append({"kind": "parameters", "source": src})
        elif "answer" in tags:
            cells.append({"kind": "answer", "id": meta["id"], "source": src})
        elif "mistake" in tags:
            cells.append({"kind": "mistake", "id": meta["id"], "hint": str(meta["hint"]), "source": src})
        elif "check" in tags:
            continue
        elif src.strip():
            cells.append({"kind": "setup", "source": src})
    questions = {
        q.id: {"answer": q.answer, "compare": q.compare, "points": q.points, "explain": q.explain}
        for q in exercise.questions
    }
    return {"version": 1, "exercise": exercise.name, "cells": cells, "questions": questions}


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
    begins = [j for j, line in enumerate(lines) if _BEGIN.match(line)]
    if not begins:
        return "\n".join(blank)
    start = begins[0]
    end = next(j for j, line in enumerate(lines) if _END.match(line))
    indent = re.match(r"^\s*", lines[start]).group(0)
    return "\n".join(lines[:start] + [indent + b for b in blank] + lines[end + 1 :])


def _how_to_check(exercise: Exercise) -> dict:
    text = (
        "### How to check your work\n"
        "\n"
        "Each question ends with a check cell, `check(\"qNN_K\", your_variable)`. Run the answer cell, then the check:\n"
        "it prints a confirmation when your answer is right, and an error that explains what differs when it is not.\n"
        "The checks compute the expected answers for your own data variant (the `variant` in the parameters cell),\n"
        "so leave that cell as it is.\n"
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
        tags = _tags(cell)
        if "mistake" in tags:
            continue
        new = {"cell_type": cell["cell_type"], "metadata": json.loads(json.dumps(cell.get("metadata", {}))), "source": _source(cell)}
        new["id"] = cell.get("id") or f"cell-{len(out_cells)}"
        if cell["cell_type"] == "code":
            new["execution_count"] = None
            new["outputs"] = []
            if "answer" in tags:
                q = exercise.question(_meta(cell)["id"])
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
    found = sorted(p for p in folder.iterdir() if NOTEBOOK_NAME.match(p.name))
    if not found:
        raise UsageError(f"{folder}: holds no solution notebooks named NN_name.ipynb.")
    return found


def _roles(nb: dict) -> list:
    """(role, question id) of every cell: parameters, setup, question, answer, mistake, check, text."""
    roles = []
    for cell in nb["cells"]:
        tags = _tags(cell)
        qid = _meta(cell).get("id")
        role = next((t for t in _LIFECYCLE_TAGS if t in tags), None)
        if role is None:
            role = "setup" if cell.get("cell_type") == "code" else "text"
        roles.append((role, qid))
    return roles


def _runnable_solution(exercise: Exercise) -> dict:
    """The solution as a kernel runs it in the build: outputs cleared, mistake cells left out (as nbval skips them)."""
    nb = json.loads(json.dumps(exercise.notebook))
    cells = []
    for cell in nb["cells"]:
        if "mistake" in _tags(cell):
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
    for i, ((role, qid), cell) in enumerate(zip(_roles(nb), nb["cells"])):
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
    from lifecycle_lib.exercises import checks

    problems = []
    try:
        answers = checks.expected_answers(key, variant=0)
    except checks.KeyProblem as exc:
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
            verdict = checks.diagnose(exp, value)
            if verdict.ok:
                problems.append(f"{exercise.name}.ipynb, {q.id}: the mistake with hint {hint!r} passes the check; it is not a mistake for variant 0 (or compare is too lenient).")
            elif verdict.hint != hint:
                problems.append(f"{exercise.name}.ipynb, {q.id}: the mistake with hint {hint!r} gives the same value as an earlier mistake, so its hint is never shown.")
    return problems


async def _execute_all(jobs, timeout, workers):
    import asyncio

    import nbformat
    from nbclient import NotebookClient

    limit = asyncio.Semaphore(workers)

    async def run(folder, nb):
        async with limit:
            node = nbformat.reads(dumps_notebook(nb), as_version=4)
            client = NotebookClient(node, timeout=timeout, allow_errors=True, kernel_name="python3",
                                    resources={"metadata": {"path": str(folder)}})
            await client.async_execute()
            return json.loads(nbformat.writes(node))

    return await asyncio.gather(*(run(folder, nb) for folder, nb in jobs))


def verify(exercises: list, *, timeout: float = 600, workers: int | None = None) -> list:
    """Execute every solution and every blank exercise in a fresh kernel each; return the problems found.

    Every mistake must be rejected with its own hint (checked first, in this process, without
    kernels); solutions must pass all their checks and raise nowhere; blank exercises must fail every
    check (asking for an answer) and nothing else.
    An empty list means the exercises may be written.

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
    import asyncio
    import os
    import tempfile

    from lifecycle_lib.exercises import checks

    # the cheap checks first: a wrong mistake or option is reported without starting any kernel
    problems: list = []
    for ex in exercises:
        problems.extend(_verify_mistakes(ex, make_key(ex)))
    if problems:
        return problems
    jobs, labels = [], []
    with tempfile.TemporaryDirectory(prefix="lifecycle-build-") as tmp:
        for ex in exercises:
            key_text = checks.encode_key(make_key(ex))
            for kind, nb in (("solution", _runnable_solution(ex)), ("blank", exercise_notebook(ex))):
                folder = Path(tmp) / kind / ex.name
                (folder / ".keys").mkdir(parents=True)
                (folder / ".keys" / f"{ex.name}.key").write_text(key_text, encoding="utf-8")
                (folder / f"{ex.name}.ipynb").write_text(dumps_notebook(nb), encoding="utf-8")
                jobs.append((folder, nb))
                labels.append((ex.name, kind))
        workers = workers or os.cpu_count() or 1
        executed = asyncio.run(_execute_all(jobs, timeout, workers))
    for (name, kind), nb in zip(labels, executed):
        problems.extend(_judge_run(name, kind, nb))
    return problems


def _generate(solutions: list) -> dict:
    """{relative path: text} of everything the build writes for these parsed solutions."""
    from lifecycle_lib.exercises import checks

    files = {}
    for ex in solutions:
        files[f"{ex.name}.ipynb"] = dumps_notebook(exercise_notebook(ex))
        files[f".keys/{ex.name}.key"] = checks.encode_key(make_key(ex))
    return files


def _existing(out: Path) -> dict:
    files = {}
    if out.is_dir():
        for p in sorted(out.iterdir()):
            if NOTEBOOK_NAME.match(p.name):
                files[p.name] = p.read_text(encoding="utf-8")
        keys = out / ".keys"
        if keys.is_dir():
            for p in sorted(keys.glob("*.key")):
                files[f".keys/{p.name}"] = p.read_text(encoding="utf-8")
    return files


def _repo_root() -> Path:
    from lifecycle_lib._util.paths import REPO_ROOT

    return REPO_ROOT


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
    source = Path(source) if source else _repo_root() / "solutions"
    out = Path(out) if out else _repo_root() / "exercises"
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
