"""The reference solutions as the grader uses them: the parsed exercise, its key, and its jobs.

Expected answers come from the reference solution for the student's variant, run in a process
of its own, never in the student's; the typical mistakes of the reference give hints.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle_lib.errors import DataError
from lifecycle_lib.exercises.format import make_key, parse_solution

__all__ = ["Reference", "load_reference"]


@dataclass(frozen=True)
class Reference:
    """A reference solution as the grader uses it: the parsed exercise and its self-check key.

    ``questions`` are :class:`lifecycle_lib.exercises.format.Question` objects, in notebook order.
    :func:`load_reference` reads one from a solution notebook; built by hand below.

    Parameters
    ----------
    exercise : str
        The exercise's name.
    path : Path
        The solution notebook.
    key : dict
        Its self-check key (:func:`lifecycle_lib.exercises.format.make_key`).
    questions : tuple of Question
        In notebook order.

    Examples
    --------
    >>> from lifecycle_lib.exercises.format import Question
    >>> reference = Reference("01_demo", Path("solutions/01_demo.ipynb"), key={},
    ...                       questions=(Question("q01_1", 2, "How many?", "n", "n = 3 + variant"),
    ...                                  Question("q01_2", 1, "Which?", "pick", "pick = 'a'")))
    >>> reference
    Reference('01_demo', 2 questions: q01_1, q01_2)
    >>> reference.max_points
    3
    """

    exercise: str
    path: Path
    key: dict = field(repr=False)
    questions: tuple = field(repr=False)

    def __repr__(self) -> str:
        ids = ", ".join(q.id for q in self.questions)
        return f"Reference({self.exercise!r}, {len(self.questions)} questions: {ids})"

    @property
    def max_points(self) -> float:
        """Points available in the whole exercise."""
        return sum(q.points for q in self.questions)

    def steps(self, variants) -> list[dict]:
        """The harness job computing every expected answer and typical mistake for ``variants``.

        It calls :func:`lifecycle_lib.exercises.keys.expected_answers`, the self-check's own function, on
        this reference's key, in a process of its own (one process serves several variants, so
        the imports are paid once); each value then leaves the process as plain data, exactly
        as a student's answer does, so both sides are compared in the same form. Snapshots are
        labelled ``expected:VARIANT:QID`` and ``mistake:VARIANT:QID:N``; a variant whose
        reference fails leaves its labels without a value.
        """
        steps = [{"code": ("import json as _json\n"
                           "from lifecycle_lib.exercises.keys import expected_answers as _compute_expected\n"
                           f"_key = _json.loads({json.dumps(json.dumps(self.key))})"),
                  "where": "loading the key"}]
        for variant in variants:
            lines = ["for _name in [n for n in globals() if n.startswith(('_expected_', '_mistake_'))]:",
                     "    del globals()[_name]",
                     f"_answers = _compute_expected(_key, {int(variant)})"]
            labels = {}
            for number, question in enumerate(self.questions):
                name = f"_expected_{number}"
                lines.append(f"{name} = _answers[{question.id!r}].value")
                labels[name] = f"expected:{int(variant)}:{question.id}"
                for m, mistake in enumerate(question.mistakes):
                    wrong = f"_mistake_{number}_{m}"
                    lines.append(f"_found = [v for v, h in _answers[{question.id!r}].mistakes if h == {mistake.hint!r}]")
                    lines.append(f"if _found: {wrong} = _found[0]")
                    labels[wrong] = f"mistake:{int(variant)}:{question.id}:{m}"
            steps.append({"code": "\n".join(lines), "snap": list(labels), "labels": labels, "always": True,
                          "where": f"variant {int(variant)}"})
        return steps

    def setup_imports(self) -> list[str]:
        """Modules the reference's setup imports: every submission will import them, so warm processes do it early."""
        import importlib.util

        names: list[str] = []
        for cell in self.key.get("cells", []):
            if cell.get("kind") not in ("parameters", "setup"):
                continue
            try:
                tree = ast.parse(cell.get("source", ""))
            except (SyntaxError, ValueError):
                continue
            for node in tree.body:
                if isinstance(node, ast.Import):
                    names += [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.append(node.module)
        found = []
        for name in dict.fromkeys(names):
            try:
                if importlib.util.find_spec(name.split(".")[0]) is not None:
                    found.append(name)
            except (ImportError, ValueError):
                continue
        return found


def load_reference(path) -> Reference:
    """Read a solution notebook with :func:`lifecycle_lib.exercises.format.parse_solution` (the authors' format).

    No two questions may share an answer variable: a submission's answer is the last value its
    variable held.

    Parameters
    ----------
    path : str or Path
        A solution notebook.

    Returns
    -------
    Reference
        Its name, key and questions.

    Raises
    ------
    DataError
        When the notebook does not exist or two questions share an answer variable.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> cells = [
    ...   {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": "variant = 0"},
    ...   {"cell_type": "code", "metadata": {}, "source": "from lifecycle_lib.exercises import check"},
    ...   {"cell_type": "markdown", "metadata": {"tags": ["question"], "lifecycle": {"id": "q01_1", "points": 2}},
    ...    "source": "**q01_1** (2 points) How many?"},
    ...   {"cell_type": "code", "metadata": {"tags": ["answer"], "lifecycle": {"id": "q01_1", "answer": "n"}},
    ...    "source": "n = 3 + variant"},
    ...   {"cell_type": "code", "metadata": {"tags": ["mistake", "nbval-skip"], "lifecycle": {"id": "q01_1", "hint": "Add."}},
    ...    "source": "n = 3 * variant"},
    ...   {"cell_type": "code", "metadata": {"tags": ["check"], "lifecycle": {"id": "q01_1"}},
    ...    "source": 'check("q01_1", n)'}]
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "01_demo.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
    ...                                                      "nbformat_minor": 5}))
    >>> load_reference(folder / "01_demo.ipynb")
    Reference('01_demo', 1 questions: q01_1)
    """
    path = Path(path)
    if not path.exists():
        raise DataError("the reference solution does not exist", file=str(path),
                        fix="pass --source with the folder of solution notebooks, or check the roster's exercise names")
    exercise = parse_solution(path)
    seen: dict[str, str] = {}
    for question in exercise.questions:
        if question.answer in seen:
            raise DataError(f"questions {seen[question.answer]} and {question.id} share the answer variable "
                            f"{question.answer!r}", file=str(path), fix="give each question its own answer variable")
        seen[question.answer] = question.id
    return Reference(exercise.name, path, make_key(exercise), tuple(exercise.questions))
