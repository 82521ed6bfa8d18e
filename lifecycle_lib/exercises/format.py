"""The question format of a solution notebook: its questions, typical mistakes and cell roles.

Authors write ``solutions/NN_name.ipynb`` (the format is in ``solutions/README.md``):
:func:`parse_solution` reads one into an :class:`Exercise`, refusing anything outside the format,
and :func:`make_key` turns it into the key the self-check runs. Notebooks are read as plain JSON,
so this module needs nothing beyond the standard library.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle_lib._util.notebooks import LESSON_NAME, cell_source
from lifecycle_lib.errors import UsageError

__all__ = [
    "SolutionError",
    "Mistake",
    "Question",
    "Exercise",
    "QUESTION_ID",
    "LIFECYCLE_TAGS",
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "cell_tags",
    "cell_settings",
    "cell_roles",
    "question_hint",
    "parse_solution",
    "make_key",
]

#: A question id: ``q`` + the exercise number + ``_`` + the question number, e.g. ``q07_2``.
QUESTION_ID = re.compile(r"^q(\d{2})_(\d+)$")

#: The tags that give a cell its role in a solution; a cell has at most one of them.
LIFECYCLE_TAGS = ("parameters", "question", "answer", "mistake", "check")

#: The lines around the part of an answer cell the exercise blanks.
BEGIN_SOLUTION = re.compile(r"^\s*#\s*BEGIN SOLUTION\s*$")
END_SOLUTION = re.compile(r"^\s*#\s*END SOLUTION\s*$")

_HINT_BLOCK = re.compile(r"<details>\s*<summary>\s*Hint\s*</summary>(.*?)</details>", re.S | re.I)

_CHECK_SOURCE = re.compile(r"""^check\(\s*["'](q\d\d_\d+)["']\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$""")


class SolutionError(UsageError):
    """A solution notebook does not follow the format; the message names the notebook, the cell and the fix."""


@dataclass
class Mistake:
    """A typical wrong answer: the code that computes it and the hint the check gives for it.

    A solution's mistake cell becomes one; the check shows the hint when an answer equals what the
    code computes.

    Parameters
    ----------
    code : str
        The mistake cell's source; it assigns the question's answer variable.
    hint : str
        The advice shown for this mistake.

    Examples
    --------
    >>> Mistake("n = 3 * variant", "Add, do not multiply.")
    Mistake(code='n = 3 * variant', hint='Add, do not multiply.')
    """

    code: str
    hint: str


@dataclass
class Question:
    """One question of a solution notebook, as its cells define it.

    Parameters
    ----------
    id : str
        The question id, e.g. ``q07_2``.
    points : float
        What the question is worth.
    text : str
        The question cell's markdown.
    answer : str
        The variable the answer cell assigns.
    code : str
        The answer cell's source.
    compare : dict, optional
        How the check compares (``lifecycle.compare`` of the answer cell).
    mistakes : list of Mistake, optional
        The question's typical mistakes, in order.
    explain : str, optional
        Shown after a right answer.
    uses : list of dict, optional
        The earlier questions whose answer cells this answer reads from: ``{"id", "answer", "via"}``
        each (see :func:`parse_solution`).

    Examples
    --------
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
    uses: list = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``"choice"`` for an interpreting question, ``"compute"`` otherwise."""
        return "choice" if self.compare.get("kind") == "choice" else "compute"

    @property
    def hint(self) -> str | None:
        """The hint of the question cell (its collapsed ``<details>`` block), or None (see :func:`question_hint`)."""
        return question_hint(self.text)

    def __repr__(self) -> str:
        return f"Question({self.id}, {self.points} pt, answer {self.answer!r}, {self.kind}, {len(self.mistakes)} mistake(s))"


@dataclass
class Exercise:
    """A parsed solution notebook: its raw JSON, its questions in order, and where it came from.

    :func:`parse_solution` makes one from a file; built by hand it looks like this.

    Parameters
    ----------
    name : str
        The notebook's name without ``.ipynb``, e.g. ``07_active_returning_at_risk``.
    number : str
        Its two digits.
    path : Path
        Where it was read from.
    notebook : dict
        Its JSON.
    questions : list of Question
        In notebook order.

    Examples
    --------
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


def cell_tags(cell: dict) -> list:
    """The tags of a notebook cell (``metadata.tags``), empty when it has none.

    Parameters
    ----------
    cell : dict
        One cell of a notebook's JSON.

    Returns
    -------
    list of str
        Its tags, in order.

    Examples
    --------
    >>> cell_tags({"metadata": {"tags": ["mistake", "nbval-skip"]}})
    ['mistake', 'nbval-skip']
    >>> cell_tags({"metadata": {}})
    []
    """
    return list(cell.get("metadata", {}).get("tags", []))


def cell_settings(cell: dict) -> dict:
    """The question settings of a cell (``metadata.lifecycle``: id, points, answer, hint, compare...).

    Parameters
    ----------
    cell : dict
        One cell of a notebook's JSON.

    Returns
    -------
    dict
        A copy of its ``lifecycle`` metadata, empty when it has none.

    Examples
    --------
    >>> cell_settings({"metadata": {"lifecycle": {"id": "q01_1", "answer": "n"}}})
    {'id': 'q01_1', 'answer': 'n'}
    """
    return dict(cell.get("metadata", {}).get("lifecycle", {}))


def cell_roles(nb: dict) -> list:
    """The role of every cell of a notebook, with the question it belongs to.

    A role is one of :data:`LIFECYCLE_TAGS`, else ``"setup"`` for a code cell and ``"text"``
    for any other.

    Parameters
    ----------
    nb : dict
        A notebook's JSON.

    Returns
    -------
    list of tuple
        ``(role, question id or None)`` per cell, in order.

    Examples
    --------
    >>> cell_roles({"cells": [{"cell_type": "markdown", "source": "# Title"},
    ...                       {"cell_type": "code", "source": "import pandas as pd"},
    ...                       {"cell_type": "code", "source": "n = 3",
    ...                        "metadata": {"tags": ["answer"], "lifecycle": {"id": "q01_1"}}}]})
    [('text', None), ('setup', None), ('answer', 'q01_1')]
    """
    roles = []
    for cell in nb["cells"]:
        tags = cell_tags(cell)
        qid = cell_settings(cell).get("id")
        role = next((t for t in LIFECYCLE_TAGS if t in tags), None)
        if role is None:
            role = "setup" if cell.get("cell_type") == "code" else "text"
        roles.append((role, qid))
    return roles


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


def question_hint(markdown: str) -> str | None:
    """The hint a question cell shows in its collapsed ``<details><summary>Hint</summary>`` block, on one line.

    Parameters
    ----------
    markdown : str
        The question cell's text.

    Returns
    -------
    str or None
        The hint's text with its white space collapsed, or None when the cell has no hint block.

    Examples
    --------
    >>> question_hint("**q01_1** What share?\\n\\n<details><summary>Hint</summary>\\n\\nDivide by all\\ncustomers.\\n</details>")
    'Divide by all customers.'
    >>> question_hint("**q01_2** Which one?") is None
    True
    """
    found = _HINT_BLOCK.search(markdown or "")
    if not found:
        return None
    text = " ".join(found.group(1).split())
    return text or None


def _bound_by_comprehensions(tree) -> set:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            for gen in node.generators:
                names |= {n.id for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Lambda):
            names |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    return names


def _reads_and_writes(code: str) -> tuple[set, set]:
    """The names a cell reads before it assigns them, and the names it assigns (not by import)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set(), set()
    local = _bound_by_comprehensions(tree)
    reads, writes = set(), set()
    for statement in tree.body:
        names = [n for n in ast.walk(statement) if isinstance(n, ast.Name) and n.id not in local]
        updated = {
            n.target.id for n in ast.walk(statement) if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)
        }
        reads |= ({n.id for n in names if isinstance(n.ctx, ast.Load)} | updated) - writes
        writes |= {n.id for n in names if isinstance(n.ctx, ast.Store)}
    return reads, writes


def parse_solution(path) -> Exercise:
    """Read a solution notebook into an :class:`Exercise`, refusing anything outside the format.

    Parameters
    ----------
    path : str or Path
        A solution notebook named ``NN_lowercase_words.ipynb``.

    Returns
    -------
    Exercise
        Its questions in notebook order, with their answers, compare settings and mistakes, and
        what each answer is computed from: ``uses`` lists the earlier questions whose answer cells
        assign a variable this answer cell reads (and that no setup cell assigns again in between).

    Raises
    ------
    SolutionError
        Naming the notebook, the cell and the fix, when the notebook is outside the format.

    Examples
    --------
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
    m = LESSON_NAME.match(path.name)
    if not m:
        raise SolutionError(
            f"{path}: solution notebooks are named NN_lowercase_words.ipynb (e.g. 07_active_returning_at_risk.ipynb)."
        )
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
    owner: dict = {}  # variable -> the question whose answer cell assigned it last
    for i, cell in enumerate(nb.get("cells", [])):
        tags = [t for t in cell_tags(cell) if t in LIFECYCLE_TAGS]
        meta = cell_settings(cell)
        src = cell_source(cell)
        if len(tags) > 1:
            fail(i, f"a cell has one of the tags {list(LIFECYCLE_TAGS)}, not several ({tags}).")
        tag = tags[0] if tags else None
        if cell.get("cell_type") == "code" and tag in (None, "parameters", "answer", "mistake"):
            for line in src.splitlines():
                if line.lstrip().startswith(("%", "!")):
                    fail(
                        i,
                        f"IPython magics and shell commands ({line.strip()!r}) cannot run in the check's namespace; write plain Python.",
                    )
        if tag is None:
            if cell.get("cell_type") == "code" and current is not None and stage in ("answer", "mistake"):
                fail(
                    i,
                    f"a plain code cell between the answer and the check of {current.id}; move it before the question or after the check.",
                )
            if cell.get("cell_type") == "code":
                for name in _reads_and_writes(src)[1]:
                    owner.pop(name, None)
            continue
        if tag == "parameters":
            params += 1
            if not _assigns(src, "variant"):
                fail(i, "the parameters cell must define the data variant: variant = 0")
            continue
        qid = meta.get("id")
        if not qid or not re.match(rf"^q{number}_\d+$", str(qid)):
            fail(
                i,
                f'a {tag} cell needs metadata {{"lifecycle": {{"id": "q{number}_K"}}}} with this notebook\'s number {number} (found {qid!r}).',
            )
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
                fail(i, f'lifecycle.compare of {qid} must be an object such as {{"rtol": 0.01}}.')
            if spec.get("kind") == "choice" and not spec.get("options"):
                fail(i, f"the choice question {qid} needs compare.options, the list the learner chooses from.")
            lines = src.splitlines()
            begins = [j for j, line in enumerate(lines) if BEGIN_SOLUTION.match(line)]
            ends = [j for j, line in enumerate(lines) if END_SOLUTION.match(line)]
            if len(begins) != len(ends) or len(begins) > 1 or (begins and begins[0] > ends[0]):
                fail(
                    i,
                    f"the answer cell of {qid} may have one '# BEGIN SOLUTION' line followed by one '# END SOLUTION' line.",
                )
            current.answer, current.code, current.compare = var, src, spec
            current.explain = meta.get("explain")
            reads, writes = _reads_and_writes(src)
            via: dict = {}
            for name in sorted(reads):
                if name in owner:
                    via.setdefault(owner[name], []).append(name)
            current.uses = [{"id": q.id, "answer": q.answer, "via": via[q.id]} for q in questions if q.id in via]
            owner.update({name: qid for name in writes})
            questions.append(current)
            stage = "answer"
        elif tag == "mistake":
            if stage not in ("answer", "mistake"):
                fail(i, f"a mistake cell of {qid} must come after its answer cell and before its check.")
            hint = meta.get("hint")
            if not hint:
                fail(i, f"the mistake cell of {qid} needs metadata lifecycle.hint: the advice for this mistake.")
            if "nbval-skip" not in cell_tags(cell):
                fail(
                    i,
                    f"the mistake cell of {qid} must also carry the tag 'nbval-skip' so running the solution does not keep the wrong value.",
                )
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
                fail(
                    i,
                    f"{qid} computes an answer but has no mistake cell; add at least one typical wrong answer with its hint.",
                )
            stage = "check"
    if params != 1:
        raise SolutionError(
            f"{path.name}: needs exactly one code cell tagged 'parameters' with variant = 0 (found {params})."
        )
    if current is not None and stage != "check":
        raise SolutionError(f"{path.name}: question {current.id} has no check cell.")
    if not questions:
        raise SolutionError(f"{path.name}: has no questions (markdown cells tagged 'question').")
    return Exercise(name=path.stem, number=number, path=path, notebook=nb, questions=questions)


def make_key(exercise: Exercise) -> dict:
    """What the self-check needs for an exercise: the code cells in order, and each question's settings.

    Contains code, never computed values; :func:`lifecycle_lib.exercises.keys.expected_answers` runs it.

    Parameters
    ----------
    exercise : Exercise
        A parsed solution.

    Returns
    -------
    dict
        ``version``, ``exercise`` (the name), ``cells`` (kind, question id, hint and source of
        every parameters, setup, answer and mistake cell, in order) and ``questions`` (answer
        variable, compare settings, points, explanation, the question's own hint and the earlier
        questions it uses, by question id).

    Examples
    --------
    A parsed solution's notebook keeps its cells; the key takes their code, not the check cells:

    >>> notebook = {"cells": [
    ...     {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "variant = 0"},
    ...     {"cell_type": "code", "metadata": {}, "source": "from lifecycle_lib.exercises import check"},
    ...     {"cell_type": "markdown", "metadata": {"tags": ["question"]}, "source": "**q01_1** What is 3 plus the variant?"},
    ...     {"cell_type": "code", "metadata": {"tags": ["answer"], "lifecycle": {"id": "q01_1"}}, "source": "n = 3 + variant"},
    ...     {"cell_type": "code", "metadata": {"tags": ["mistake"], "lifecycle": {"id": "q01_1", "hint": "Add."}},
    ...      "source": "n = 3 * variant"},
    ...     {"cell_type": "code", "metadata": {"tags": ["check"]}, "source": 'check("q01_1", n)'}]}
    >>> question = Question("q01_1", 2, "What is 3 plus the variant?", "n", "n = 3 + variant")
    >>> key = make_key(Exercise("01_demo", "01", Path("01_demo.ipynb"), notebook, [question]))
    >>> [(c["kind"], c["source"]) for c in key["cells"]]
    [('parameters', 'variant = 0'), ('setup', 'from lifecycle_lib.exercises import check'), ('answer', 'n = 3 + variant'), ('mistake', 'n = 3 * variant')]
    >>> key["questions"]
    {'q01_1': {'answer': 'n', 'compare': {}, 'points': 2, 'explain': None, 'hint': None, 'uses': []}}
    """
    cells = []
    for cell in exercise.notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tags = cell_tags(cell)
        src = cell_source(cell)
        meta = cell_settings(cell)
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
        q.id: {
            "answer": q.answer,
            "compare": q.compare,
            "points": q.points,
            "explain": q.explain,
            "hint": q.hint,
            "uses": [dict(u) for u in q.uses],
        }
        for q in exercise.questions
    }
    return {"version": 1, "exercise": exercise.name, "cells": cells, "questions": questions}
