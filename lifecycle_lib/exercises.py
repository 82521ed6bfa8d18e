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

from lifecycle_lib.cli import UsageError

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
    """A typical wrong answer: the code that computes it and the hint the check gives for it."""

    code: str
    hint: str


@dataclass
class Question:
    """One question of a solution notebook, as its cells define it."""

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
    """A parsed solution notebook: its raw JSON, its questions in order, and where it came from."""

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

    Contains code, never computed values; :func:`lifecycle_lib.checks.encode_key` writes it.
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
    parts = text.splitlines(keepends=True)
    return parts


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
        "To check the whole notebook at once, save it and run in a terminal, from the course folder:\n"
        "\n"
        f"    pytest --nbval-lax exercises/{exercise.name}.ipynb\n"
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
    """
    out_cells = []
    for cell in exercise.notebook.get("cells", []):
        tags = _tags(cell)
        if "mistake" in tags:
            continue
        new = {"cell_type": cell["cell_type"], "metadata": json.loads(json.dumps(cell.get("metadata", {}))), "source": _source(cell)}
        if "id" in cell:
            new["id"] = cell["id"]
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
    """Serialise a notebook the way Jupyter does (sorted keys, one-space indent): same input, same bytes."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
