"""Grade students' exercise notebooks: confined runs, expected answers computed apart, a gradebook.

``lifecycle grade --roster DIR/roster.csv --out OUT SUBMISSION.ipynb ...`` calls :func:`grade`.

How a submission is graded, and why it can be trusted:

- The roster (written by ``lifecycle assign``: student, exercise, variant, file) says whose
  notebook a file is and which exercise and data variant it answers. Nothing the notebook
  claims about itself counts.
- Every code cell of the submission runs, in order, in a fresh Python process of its own
  (IPython semantics, so magics work), confined where Debian's ``bubblewrap`` is available:
  no network, a read-only file system in which the solutions, the roster, the output folder
  and every submission are hidden, a memory cap, a time limit per notebook and per cell, and
  a cap on what it may print. A cell that raises does not stop the following cells. Cell
  tags, markers (``NBVAL_SKIP``...), metadata, outputs and execution counts are ignored, and
  the submission's own check cells only call a silent stand-in: the checks that count are the
  reference's, run here.
- After every cell, the value of each answer variable named by the reference is sent out as
  plain data (numbers, strings, lists, dicts, numpy arrays, pandas frames, exact types only)
  and validated again here; an object of any other class scores zero whatever its ``__eq__``
  says. The last value a variable held is the answer; what was sent before a crash, a timeout
  or a later tamper is kept.
- Expected answers come from the reference solution for the student's variant, run in a
  process of its own, never in the student's; the typical mistakes of the reference give
  hints. The comparison is :func:`lifecycle_lib.exercises.checks.compare`, the self-check's own.
- The submission file is only read. ``OUT/gradebook.csv`` (student, exercise, question,
  points, max_points, status, message) and ``OUT/feedback/STUDENT.html`` are written
  atomically, and the same inputs give the same gradebook.

Without a usable ``bwrap`` (another OS, a container without user namespaces) ``sandbox="auto"``
warns and runs submissions unconfined but still limited in time, memory and output;
``sandbox="require"`` refuses instead.
"""

from __future__ import annotations

import ast
import csv
import html
import io
import json
import math
import os
import re
import sys
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle_lib._util.paths import REPO_ROOT

from lifecycle_lib.errors import DataError

__all__ = [
    "Reference",
    "RosterEntry",
    "Gradebook",
    "load_reference",
    "read_roster",
    "decode_plain",
    "grade",
    "GRADEBOOK_COLUMNS",
    "STATUSES",
    "PlainDataError",
]

GRADEBOOK_COLUMNS = ["student", "exercise", "question", "points", "max_points", "status", "message"]

#: Every status a gradebook row can have, with its meaning.
STATUSES = {
    "correct": "the answer matches the expected one",
    "wrong": "the answer was read but does not match",
    "missing": "the notebook never defined the answer variable",
    "invalid": "the answer is not plain data (a custom object, a subclass, too large)",
    "timeout": "the notebook ran past its time limit before defining the answer",
    "crashed": "the notebook's process ended before defining the answer",
    "no_submission": "the roster lists the student but no submission was given",
    "unreadable": "the submission is not a readable notebook",
    "reference_error": "the reference solution failed for this variant; fix the solution and grade again",
}

_MAX_NOTEBOOK_BYTES = 100 * 1024 * 1024
_QUIET_MODULES = ["lifecycle_lib.exercises.checks"]


class PlainDataError(ValueError):
    """Data from a graded process that is not in the plain format."""


# ----------------------------------------------------------------------------- reference

@dataclass(frozen=True)
class Reference:
    """A reference solution as the grader uses it: the parsed exercise and its self-check key.

    ``questions`` are :class:`lifecycle_lib.tools.build.Question` objects, in notebook order.
    :func:`load_reference` reads one from a solution notebook; built by hand:

    >>> from lifecycle_lib.tools.build import Question
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

        It calls :func:`lifecycle_lib.exercises.checks.expected_answers`, the self-check's own function, on
        this reference's key, in a process of its own (one process serves several variants, so
        the imports are paid once); each value then leaves the process as plain data, exactly
        as a student's answer does, so both sides are compared in the same form. Snapshots are
        labelled ``expected:VARIANT:QID`` and ``mistake:VARIANT:QID:N``; a variant whose
        reference fails leaves its labels without a value.
        """
        steps = [{"code": ("import json as _json\n"
                           "from lifecycle_lib.exercises.checks import expected_answers as _compute_expected\n"
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


def load_reference(path) -> Reference:
    """Read a solution notebook with :func:`lifecycle_lib.tools.build.parse_solution` (the authors' format).

    No two questions may share an answer variable: a submission's answer is the last value its
    variable held.

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
    from lifecycle_lib.tools import build as exercises

    path = Path(path)
    if not path.exists():
        raise DataError("the reference solution does not exist", file=str(path),
                        fix="pass --source with the folder of solution notebooks, or check the roster's exercise names")
    exercise = exercises.parse_solution(path)
    seen: dict[str, str] = {}
    for question in exercise.questions:
        if question.answer in seen:
            raise DataError(f"questions {seen[question.answer]} and {question.id} share the answer variable "
                            f"{question.answer!r}", file=str(path), fix="give each question its own answer variable")
        seen[question.answer] = question.id
    return Reference(exercise.name, path, exercises.make_key(exercise), tuple(exercise.questions))


def _source(cell) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _read_notebook_json(path: Path) -> dict:
    """A submission as JSON, read once and never written; only its code cells' sources are used."""
    with open(path, "rb") as handle:
        data = handle.read(_MAX_NOTEBOOK_BYTES + 1)
    if len(data) > _MAX_NOTEBOOK_BYTES:
        raise ValueError("larger than 100 MB")
    notebook = json.loads(data.decode("utf-8"))
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError("no list of cells")
    return notebook


# ----------------------------------------------------------------------------- roster

@dataclass(frozen=True)
class RosterEntry:
    """One roster line: who, which exercise, which data variant, which assigned file.

    :func:`read_roster` returns one per line of the roster ``lifecycle assign`` wrote:

    >>> entry = RosterEntry("ada", "07_active_returning_at_risk", 3, "ada/07_active_returning_at_risk.ipynb")
    >>> entry.variant
    3
    """

    student: str
    exercise: str
    variant: int
    file: str


def read_roster(path) -> list[RosterEntry]:
    """Read the roster written by ``lifecycle assign`` (columns student, exercise, variant, file).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "roster.csv"
    >>> _ = p.write_text("student,exercise,variant,file\\nada,07_active_returning_at_risk,3,ada.ipynb\\n")
    >>> read_roster(p)
    [RosterEntry(student='ada', exercise='07_active_returning_at_risk', variant=3, file='ada.ipynb')]
    >>> _ = p.write_text("student,exercise\\nada,07\\n")
    >>> read_roster(p)
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: ...roster.csv: the roster has no column 'variant'...
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("the roster does not exist", file=str(path), fix="run 'lifecycle assign' first, or fix --roster")
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in (reader.fieldnames or [])]
    for column in ("student", "exercise", "variant", "file"):
        if column not in fields:
            raise DataError(f"the roster has no column {column!r}", file=str(path),
                            fix="use the roster written by 'lifecycle assign' (student, exercise, variant, file)")
    entries = []
    seen = set()
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        try:
            variant = int(row["variant"])
        except ValueError:
            raise DataError("the variant is not a whole number", file=str(path), column="variant", rows=[line],
                            values=[row["variant"]], fix="write the variant as a whole number, e.g. 3")
        for column in ("student", "exercise", "file"):
            if not row[column]:
                raise DataError("the value is empty", file=str(path), column=column, rows=[line],
                                fix=f"fill in the {column}")
        key = (row["student"], row["exercise"])
        if key in seen:
            raise DataError(f"student {row['student']!r} has exercise {row['exercise']!r} twice", file=str(path),
                            column="student", rows=[line], fix="keep one line per student and exercise")
        seen.add(key)
        exercise = row["exercise"][:-6] if row["exercise"].endswith(".ipynb") else row["exercise"]
        entries.append(RosterEntry(row["student"], exercise, variant, row["file"]))
    return entries


def _match(submissions: list[Path], roster: list[RosterEntry], roster_dir: Path) -> dict:
    """Roster entry for every submission, by the roster's ``file`` column only.

    A submission matches the entry whose file it is (same path, relative to the roster's
    folder), else the one whose file path is a tail of the submission's path (``ana/07_x.ipynb``
    matches ``collected/ana/07_x.ipynb``), else the one with the same file name if only one
    entry has it. What the notebook says about its author is never read.
    """
    by_path = {}
    for entry in roster:
        file = Path(entry.file)
        full = file if file.is_absolute() else roster_dir / file
        by_path[os.path.realpath(full)] = entry
    matched: dict[RosterEntry, Path] = {}
    for submission in submissions:
        entry = by_path.get(os.path.realpath(submission))
        if entry is None:
            parts = Path(os.path.realpath(submission)).parts
            candidates = [e for e in roster if not Path(e.file).is_absolute()
                          and parts[-len(Path(e.file).parts):] == Path(e.file).parts]
            if not candidates:
                candidates = [e for e in roster if Path(e.file).name == submission.name]
            if len(candidates) != 1:
                why = ("no roster line names this file" if not candidates
                       else "several roster lines share this file name")
                raise DataError(f"cannot tell whose submission this is: {why}", file=str(submission), column="file",
                                fix="keep the layout 'lifecycle assign' wrote (STUDENT/NN_name.ipynb) or name each "
                                    "file as in the roster's file column")
            entry = candidates[0]
        if entry in matched:
            raise DataError(f"two submissions for student {entry.student!r} ({entry.exercise})", file=str(submission),
                            fix=f"keep one of {matched[entry]} and {submission}")
        matched[entry] = submission
    return matched


# ----------------------------------------------------------------------------- plain data

_DTYPE_RE = re.compile(r"^[A-Za-z0-9\[\], :_]{1,40}$")


def decode_plain(data, _depth: int = 0):
    """Rebuild a value from the plain format sent by a graded process, refusing anything else.

    >>> decode_plain({"$tuple": [1, {"$set": ["a"]}]})
    (1, {'a'})
    >>> decode_plain({"$frame": {"columns": ["n"], "dtypes": ["int64"], "data": [[1, 2]],
    ...               "index": {"dtype": "int64", "names": [None], "data": [0, 1]}}})
       n
    0  1
    1  2
    >>> decode_plain({"__class__": "Always"})
    Traceback (most recent call last):
    ...
    lifecycle_lib.tools.grade.grading.PlainDataError: not plain data: a dict with keys ['__class__']
    """
    if _depth > 40:
        raise PlainDataError("nested too deeply")
    tp = type(data)
    if data is None or tp is bool or tp is int or tp is float or tp is str:
        return data
    if tp is list:
        return [decode_plain(v, _depth + 1) for v in data]
    if tp is not dict or len(data) != 1:
        keys = sorted(data)[:5] if tp is dict else None
        raise PlainDataError(f"not plain data: a dict with keys {keys}" if keys is not None else f"not plain data: {tp.__name__}")
    (tag, body), = data.items()
    d = _depth + 1
    if tag == "$tuple" and type(body) is list:
        return tuple(decode_plain(v, d) for v in body)
    if tag == "$set" and type(body) is list:
        try:
            return set(decode_plain(v, d) for v in body)
        except TypeError as exc:
            raise PlainDataError(f"a set of unhashable values ({exc})")
    if tag == "$dict" and type(body) is list:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise PlainDataError("a dict entry that is not a key-value pair")
            try:
                out[decode_plain(pair[0], d)] = decode_plain(pair[1], d)
            except TypeError as exc:
                raise PlainDataError(f"a dict with an unhashable key ({exc})")
        return out
    import pandas as pd

    if tag == "$ts" and type(body) is str:
        try:
            return pd.Timestamp(body)
        except (ValueError, TypeError) as exc:
            raise PlainDataError(f"a timestamp that cannot be read ({exc})")
    if tag == "$td" and type(body) is int:
        return pd.Timedelta(body, unit="ns")
    if tag == "$ellipsis" and body == 1:
        return Ellipsis
    if tag == "$nat" and body == 1:
        return pd.NaT
    if tag == "$na" and body == 1:
        return pd.NA
    if tag == "$array" and type(body) is dict:
        import numpy as np

        dtype, shape, values = body.get("dtype"), body.get("shape"), decode_plain(body.get("data"), d)
        if type(dtype) is not str or not _DTYPE_RE.match(dtype) or type(shape) is not list:
            raise PlainDataError("an array without a readable dtype and shape")
        try:
            array = np.array(values, dtype=np.dtype(dtype))
            return array.reshape([int(s) for s in shape])
        except (TypeError, ValueError) as exc:
            raise PlainDataError(f"an array that cannot be rebuilt ({exc})")
    if tag == "$index" and type(body) is dict:
        return _decode_index(body, d)
    if tag == "$series" and type(body) is dict:
        index = _decode_index(body.get("index"), d)
        values = decode_plain(body.get("data"), d)
        if type(values) is not list or len(values) != len(index):
            raise PlainDataError("a series whose values and index differ in length")
        series = _decode_column(values, body.get("dtype"))
        series.index = index
        series.name = decode_plain(body.get("name"), d)
        return series
    if tag == "$frame" and type(body) is dict:
        index = _decode_index(body.get("index"), d)
        columns = decode_plain(body.get("columns"), d)
        dtypes, data = body.get("dtypes"), body.get("data")
        if not (type(columns) is list and type(dtypes) is list and type(data) is list
                and len(columns) == len(dtypes) == len(data)):
            raise PlainDataError("a frame whose columns, dtypes and data differ in length")
        parts = []
        for values, dtype in zip(data, dtypes):
            values = decode_plain(values, d)
            if type(values) is not list or len(values) != len(index):
                raise PlainDataError("a frame column whose length differs from the index")
            column = _decode_column(values, dtype)
            column.index = index
            parts.append(column)
        frame = pd.DataFrame(dict(enumerate(parts)), index=index) if parts else pd.DataFrame(index=index)
        try:
            frame.columns = pd.Index(columns, tupleize_cols=True)
        except (TypeError, ValueError) as exc:
            raise PlainDataError(f"frame columns that cannot be rebuilt ({exc})")
        return frame
    raise PlainDataError(f"not plain data: a dict with keys {[tag]}")


def _decode_column(values: list, dtype):
    import pandas as pd

    if type(dtype) is not str or not _DTYPE_RE.match(dtype):
        raise PlainDataError("a column without a readable dtype")
    try:
        return pd.Series(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        return pd.Series(values, dtype=object if values else None)


def _decode_index(body, depth):
    import pandas as pd

    if type(body) is not dict:
        raise PlainDataError("an index that is not plain data")
    values = decode_plain(body.get("data"), depth)
    names = decode_plain(body.get("names"), depth)
    dtype = body.get("dtype")
    if type(values) is not list or type(names) is not list or not names:
        raise PlainDataError("an index without values or names")
    if len(names) > 1:
        try:
            return pd.MultiIndex.from_tuples(values, names=names) if values else pd.MultiIndex.from_arrays(
                [[] for _ in names], names=names)
        except (TypeError, ValueError) as exc:
            raise PlainDataError(f"a multi-index that cannot be rebuilt ({exc})")
    column = _decode_column(values, dtype)
    return pd.Index(column, name=names[0])


# ----------------------------------------------------------------------------- comparing

def _verdict(question, expected, mistakes: list, received):
    """The self-check's own judgement (:func:`lifecycle_lib.exercises.checks.diagnose`) of two values rebuilt here."""
    from lifecycle_lib.exercises import checks

    target = checks.Expected(question.id, question.answer, expected, dict(question.compare or {}), list(mistakes),
                             question.points)
    try:
        return checks.diagnose(target, received)
    except Exception as exc:  # a comparison that cannot even run is a wrong answer, never a pass
        return checks.Verdict(False, f"Your answer could not be compared with the expected one ({type(exc).__name__}).")


# ----------------------------------------------------------------------------- the run

@dataclass
class _Job:
    kind: str  # "reference" or "student"
    key: tuple
    steps: list
    result: object = None


def _setup_imports(reference: Reference) -> list[str]:
    """Modules the reference's setup imports: every submission will import them, so warm processes do it early."""
    import importlib.util

    names: list[str] = []
    for cell in reference.key.get("cells", []):
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


def _student_steps(notebook: dict, variant: int, answers: list[str]) -> list[dict]:
    """Every code cell of the submission, the variant pinned, each followed by a snapshot.

    The roster's variant is set after the last cell assigning ``variant`` before any cell uses
    it (the parameters cell and papermill's injected one, found by their code, not their tags),
    or first when there is none: an edited parameters cell cannot change the student's data.
    """
    sources = [_source(c) for c in notebook["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
    position = 0
    for number, source in enumerate(sources):
        assigns, reads = _variant_use(source)
        if reads and not assigns:
            break
        if assigns:
            position = number + 1
    steps = [{"code": s, "snap": list(answers), "where": f"code cell {n + 1}"} for n, s in enumerate(sources)]
    steps.insert(position, {"code": f"variant = {int(variant)}", "snap": list(answers),
                            "where": "the line setting your variant"})
    return steps


def _variant_use(source: str) -> tuple[bool, bool]:
    """Whether a cell assigns ``variant`` at top level, and whether it reads it anywhere."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False, False
    assigns = False
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        assigns = assigns or any(isinstance(t, ast.Name) and t.id == "variant" for t in targets)
    reads = any(isinstance(n, ast.Name) and n.id == "variant" and isinstance(n.ctx, ast.Load) for n in ast.walk(tree))
    return assigns, reads


def _last_values(result) -> dict:
    """The last message per snapshot label (or variable), in arrival order."""
    last: dict[str, dict] = {}
    for message in result.messages if result is not None else []:
        label = message.get("label")
        if isinstance(message.get("snap"), str) and isinstance(label, str):
            last[label] = message
    return last


def _where(result, number) -> str:
    steps = getattr(result, "steps", None) or []
    if isinstance(number, int) and 0 <= number < len(steps):
        return steps[number].get("where", f"step {number + 1}")
    return "the start"


def _run_notes(result, timeout: float, cell_timeout: float) -> list[str]:
    notes = []
    for message in result.messages:
        if isinstance(message.get("error"), int) and isinstance(message.get("ename"), str):
            evalue = message.get("evalue") if isinstance(message.get("evalue"), str) else ""
            where = _where(result, message["error"])
            notes.append(f"{where[0].upper()}{where[1:]} raised {message['ename'][:60]}: {evalue[:200]}")
    cell = _where(result, result.cell)
    if result.ending == "timeout":
        notes.append(f"The run was stopped in {cell}: the limit is {timeout:g} s per notebook and "
                     f"{cell_timeout:g} s per cell.")
    elif result.ending == "died":
        notes.append(f"The notebook's process ended in {cell} (exit status {result.exit_code}), "
                     "for example by os._exit, a crash or running out of memory.")
    elif result.ending == "too_much":
        notes.append("The run was stopped: its answers exceeded the size limit.")
    elif result.ending == "failed_to_start":
        notes.append("The grading process could not start; ask your instructor.")
    if result.output_bytes > 20_000:
        notes.append(f"The notebook printed {result.output_bytes:,} bytes; only the first 20,000 were kept.")
    return notes[:50]


def _grade_one(entry: RosterEntry, reference: Reference, exp_last: dict, student_result, unreadable: str | None,
               timeout: float, cell_timeout: float) -> list[dict]:
    rows = []
    got_last = _last_values(student_result) if student_result is not None else {}
    for question in reference.questions:
        row = {"student": entry.student, "exercise": entry.exercise, "question": question.id,
               "points": 0.0, "max_points": question.points}
        exp_message = exp_last.get(f"expected:{question.id}")
        if unreadable is not None:
            status, message = ("no_submission", "No notebook was handed in.") if unreadable == "" else (
                "unreadable", f"The file is not a readable notebook ({unreadable}).")
        elif exp_message is None or "value" not in exp_message:
            status, message = "reference_error", "The reference solution did not produce this answer; the instructor will regrade."
        else:
            status, message = _judge(question, exp_message, exp_last, got_last.get(question.answer), student_result,
                                     timeout)
        if status == "correct":
            row["points"] = question.points
        row["status"], row["message"] = status, message
        rows.append(row)
    return rows


def _judge(question, exp_message: dict, exp_last: dict, got: dict | None, result, timeout: float):
    name = question.answer
    if got is None or got.get("missing"):
        cell = _where(result, result.cell)
        if result.ending == "timeout":
            return "timeout", f"The notebook was stopped in {cell} (time limit) before `{name}` was defined."
        if result.ending in ("died", "too_much", "failed_to_start"):
            return "crashed", f"The notebook's process ended in {cell} before `{name}` was defined."
        return "missing", f"No variable `{name}` was defined; assign your answer to `{name}`."
    if "bad" in got or "value" not in got:
        why = got.get("bad") if isinstance(got.get("bad"), str) else "not plain data"
        return "invalid", (f"`{name}` holds {why[:120]}. Answers must be numbers, strings, lists, sets, dicts, "
                           "numpy arrays or pandas tables.")
    try:
        received = decode_plain(got["value"])
    except (PlainDataError, RecursionError) as exc:
        return "invalid", f"`{name}` could not be read as plain data ({str(exc)[:120]})."
    expected = decode_plain(exp_message["value"])
    mistakes = []
    for number, mistake in enumerate(question.mistakes):
        wrong = exp_last.get(f"mistake:{question.id}:{number}")
        if wrong is not None and "value" in wrong:
            try:
                mistakes.append((decode_plain(wrong["value"]), mistake.hint))
            except PlainDataError:
                continue
    if received is Ellipsis or received is None:
        return "missing", f"`{name}` is not answered yet (it holds {'...' if received is Ellipsis else 'None'})."
    verdict = _verdict(question, expected, mistakes, received)
    if verdict.ok:
        return "correct", "Correct."
    message = verdict.message
    if verdict.hint:
        message += f" Hint: {verdict.hint}"
    return "wrong", message


# ----------------------------------------------------------------------------- writing

class Gradebook:
    """The rows written to ``gradebook.csv`` and where the files went.

    :func:`grade` returns one; ``totals()`` adds up each student's points:

    >>> rows = [{"student": "ada", "exercise": "01_demo", "question": "q01_1", "points": 2.0, "max_points": 2.0},
    ...         {"student": "ada", "exercise": "01_demo", "question": "q01_2", "points": 0.0, "max_points": 1.0},
    ...         {"student": "bo", "exercise": "01_demo", "question": "q01_1", "points": 2.0, "max_points": 2.0}]
    >>> book = Gradebook(rows, Path("graded/gradebook.csv"), feedback={})
    >>> book
    Gradebook(2 students, 3 rows) -> graded/gradebook.csv
    >>> book.totals()
    {'ada': (2.0, 3.0), 'bo': (2.0, 2.0)}
    """

    def __init__(self, rows: list[dict], path: Path, feedback: dict[str, Path]):
        self.rows = rows
        self.path = path
        self.feedback = feedback

    def totals(self) -> dict[str, tuple[float, float]]:
        """Points and maximum per student, over every exercise graded."""
        out: dict[str, list[float]] = {}
        for row in self.rows:
            got = out.setdefault(row["student"], [0.0, 0.0])
            got[0] += row["points"]
            got[1] += row["max_points"]
        return {k: (v[0], v[1]) for k, v in out.items()}

    def __repr__(self) -> str:
        return f"Gradebook({len(self.totals())} students, {len(self.rows)} rows) -> {self.path}"


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _format_points(value: float) -> str:
    return f"{value:g}"


def _gradebook_text(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=GRADEBOOK_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "points": _format_points(row["points"]), "max_points": _format_points(row["max_points"])})
    return buffer.getvalue()


def _feedback_name(student: str, taken: set) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._") or "student"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name.lower())
    return name


def _feedback_html(student: str, rows: list[dict], notes: dict[str, list[str]]) -> str:
    e = html.escape
    got = sum(r["points"] for r in rows)
    total = sum(r["max_points"] for r in rows)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Feedback for {e(student)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.4rem;text-align:left;"
        "vertical-align:top}.correct{color:#1a7f37}.other{color:#b35900}</style></head><body>",
        f"<h1>Feedback for {e(student)}</h1>",
        f"<p><strong>Score: {_format_points(got)} / {_format_points(total)}</strong></p>",
    ]
    for exercise in sorted({r["exercise"] for r in rows}):
        mine = [r for r in rows if r["exercise"] == exercise]
        parts.append(f"<h2>{e(exercise)}: {_format_points(sum(r['points'] for r in mine))} / "
                     f"{_format_points(sum(r['max_points'] for r in mine))}</h2>")
        parts.append("<table><tr><th>Question</th><th>Points</th><th>Result</th><th>Feedback</th></tr>")
        for r in mine:
            css = "correct" if r["status"] == "correct" else "other"
            parts.append(f'<tr><td>{e(r["question"])}</td><td>{_format_points(r["points"])} / '
                         f'{_format_points(r["max_points"])}</td><td class="{css}">{e(r["status"])}</td>'
                         f"<td>{e(r['message'])}</td></tr>")
        parts.append("</table>")
        if notes.get(exercise):
            parts.append("<h3>About the run</h3><ul>")
            parts += [f"<li>{e(n)}</li>" for n in notes[exercise]]
            parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


# ----------------------------------------------------------------------------- entry point

def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="grading", unit="run", file=sys.stderr, leave=False)


def grade(submissions, roster, out, source=None, workers=None, timeout=120.0, *, cell_timeout=None,
          memory_mb=2048, sandbox="auto", progress=True) -> Gradebook:
    """Grade ``submissions`` against the roster and reference solutions; write the gradebook and feedback.

    ``submissions`` are notebook paths, matched to roster lines by path or file name;
    ``source`` is the folder of solution notebooks (default: ``solutions/`` of this repository);
    ``workers`` runs that many notebooks at once (default: the number of cores); ``timeout`` is
    the limit per notebook and ``cell_timeout`` per cell (default: the same), in seconds;
    ``memory_mb`` caps each run's memory; ``sandbox`` is ``"auto"`` (bubblewrap when usable,
    otherwise a warning and unconfined runs), ``"require"`` (refuse without it) or ``"off"``.

    >>> grade(["ada.ipynb"], roster="no/such/roster.csv", out="graded")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: no/such/roster.csv: the roster does not exist. Fix: ...
    """
    from lifecycle_lib.tools.grade import _sandbox

    roster_path = Path(roster)
    entries = read_roster(roster_path)
    source = Path(source) if source is not None else REPO_ROOT / "solutions"
    out = Path(out)
    paths = [Path(s) for s in submissions]
    matched = _match(paths, entries, roster_path.resolve().parent)
    references = {name: load_reference(source / f"{name}.ipynb") for name in sorted({e.exercise for e in entries})}
    timeout = float(timeout)
    cell_timeout = float(cell_timeout) if cell_timeout else timeout
    workers = max(1, int(workers or os.cpu_count() or 1))

    bwrap = None
    if sandbox not in ("auto", "require", "off"):
        raise ValueError(f"sandbox must be 'auto', 'require' or 'off', not {sandbox!r}")
    if sandbox != "off":
        bwrap = _sandbox.bwrap_path()
        if bwrap is None:
            advice = ("bubblewrap (bwrap) is not available, so submissions would run unconfined: they could read "
                      "the solutions and roster and use the network. Install it (Debian/Ubuntu: "
                      "apt-get install bubblewrap; see tests/install_system_deps.sh)")
            if sandbox == "require":
                raise DataError(advice, fix="install bubblewrap, or pass sandbox='auto' to accept unconfined runs")
            warnings.warn(advice + "; grading unconfined, with time, memory and output limits only.", RuntimeWarning,
                          stacklevel=2)

    out.mkdir(parents=True, exist_ok=True)
    package_root = REPO_ROOT
    hide = [source, source.parent / "exercises" / ".keys", package_root / "exercises" / ".keys",
            package_root / "solutions", roster_path, roster_path.parent, out, Path.home()]
    for path in paths:
        hide += [path, path.parent]
    preload = ["numpy", "pandas", *_QUIET_MODULES]
    for reference in references.values():
        preload += [m for m in _setup_imports(reference) if m not in preload]
    confinement = _sandbox.Confinement(hide=hide, memory_mb=memory_mb, bwrap=bwrap, preload=tuple(preload))

    jobs: list[_Job] = []
    for exercise in sorted(references):
        variants = sorted({e.variant for e in matched if e.exercise == exercise})  # only what will be graded
        chunks = min(workers, len(variants))
        for number in range(chunks):
            mine = variants[number::chunks]
            jobs.append(_Job("reference", (exercise, tuple(mine)), references[exercise].steps(mine)))
    unreadable: dict[RosterEntry, str] = {}
    student_jobs: dict[RosterEntry, _Job] = {}
    for entry in sorted(matched, key=lambda e: (e.student, e.exercise)):
        try:
            notebook = _read_notebook_json(matched[entry])
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            unreadable[entry] = str(exc)[:200] or type(exc).__name__
            continue
        answers = [q.answer for q in references[entry.exercise].questions]
        job = _Job("student", (entry,), _student_steps(notebook, entry.variant, answers))
        jobs.append(job)
        student_jobs[entry] = job
    for entry in entries:
        if entry not in matched:
            unreadable[entry] = ""

    bar = _progress(len(jobs), progress)
    pool = _sandbox.WarmPool(confinement, spare=workers, jobs=len(jobs))

    def run(job: _Job) -> None:
        process = pool.take()
        quiet = _QUIET_MODULES if job.kind == "student" else []
        steps = [{k: v for k, v in step.items() if k != "where"} for step in job.steps]
        share = len(job.key[1]) if job.kind == "reference" else 1
        job.result = process.run({"steps": steps, "quiet": quiet}, timeout=timeout * share,
                                 cell_timeout=timeout if job.kind == "reference" else cell_timeout)
        job.result.steps = job.steps
        if bar is not None:
            bar.update(1)

    try:
        with ThreadPoolExecutor(max_workers=workers) as executor:
            list(executor.map(run, jobs))
    finally:
        pool.close()
        if bar is not None:
            bar.close()

    expected: dict[tuple, dict] = {}
    for job in (j for j in jobs if j.kind == "reference"):
        exercise, variants = job.key
        last = _last_values(job.result)
        errors = {m["error"]: m for m in job.result.messages if isinstance(m.get("error"), int)}
        for variant in variants:
            prefix = f":{variant}:"
            mine = {label.replace(prefix, ":", 1): message for label, message in last.items()
                    if label.split(":")[1:2] == [str(variant)]}
            expected[(exercise, variant)] = mine
            if not any("value" in m for m in mine.values()):
                step = next((i for i, st in enumerate(job.steps) if st.get("where") == f"variant {variant}"), None)
                error = errors.get(step) or errors.get(0) or {}
                why = f"{error.get('ename')}: {error.get('evalue')}" if error else job.result.ending
                warnings.warn(f"The reference solution {exercise} failed for variant {variant} ({why}); its "
                              "questions are marked reference_error.", RuntimeWarning, stacklevel=2)

    rows: list[dict] = []
    notes: dict[str, dict[str, list[str]]] = {}
    for entry in sorted(entries, key=lambda e: (e.student, e.exercise)):
        reference = references[entry.exercise]
        job = student_jobs.get(entry)
        result = job.result if job is not None else None
        rows += _grade_one(entry, reference, expected.get((entry.exercise, entry.variant), {}), result,
                           unreadable.get(entry), timeout, cell_timeout)
        if result is not None:
            notes.setdefault(entry.student, {})[entry.exercise] = _run_notes(result, timeout, cell_timeout)

    gradebook_path = out / "gradebook.csv"
    _atomic_write(gradebook_path, _gradebook_text(rows))
    feedback: dict[str, Path] = {}
    taken: set = set()
    for student in sorted({r["student"] for r in rows}):
        name = _feedback_name(student, taken)
        path = out / "feedback" / f"{name}.html"
        _atomic_write(path, _feedback_html(student, [r for r in rows if r["student"] == student],
                                           notes.get(student, {})))
        feedback[student] = path
    return Gradebook(rows, gradebook_path, feedback)
