"""Hand each student their own exercise notebooks, each with its own data variant.

``lifecycle assign --roster roster.csv --out handout/`` reads a roster (columns ``student``,
``exercise`` and optionally ``variant``) and writes, for every row,
``handout/<student>/<NN_name>.ipynb``: the exercise notebook with ``variant = <n>`` injected after
its parameters cell (papermill's parameter injection), and in ``handout/<student>/.keys/`` the
check file of that variant alone: the solution is run here for each student's variant, and only the
fingerprints of its answers are written (:func:`lifecycle_lib.exercises.keys.check_file_text`), never
its code or its values. ``handout/roster.csv`` records student,
exercise, variant and file, and is what the grader reads.

A missing variant is derived from the student and the exercise (:func:`derive_variant`), so
re-running an assignment gives every student the same data again. The solution runs for every
student's variant with its typical mistakes, as the build does for the public variants: where a
derived variant would let a mistake pass its check (or take it for another mistake, or fail to
compute it), the student gets the next variant where every mistake is recognised
(:func:`next_variant`), silently, and the roster written records it; a variant the roster gives is
kept, with a warning naming the student, the exercise, the question and the mistake's hint.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from lifecycle_lib._util.files import write_text_atomic
from lifecycle_lib._util.paths import REPO_ROOT
from lifecycle_lib.errors import DataError
from lifecycle_lib.exercises.errors import KeyProblem
from lifecycle_lib.exercises.format import make_key, parse_solution
from lifecycle_lib.exercises.keys import check_file_text, expected_answers
from lifecycle_lib.tools.build import dumps_notebook, exercise_notebook, find_solutions, mistake_clashes

__all__ = ["STUDENT_NAME", "derive_variant", "next_variant", "read_roster", "assign"]

#: How many variants after a derived one ``assign`` tries before it gives up finding one where every
#: typical mistake is recognised.
MOVE_LIMIT = 200

#: Student names become folder names: letters, digits, dot, underscore, hyphen, @.
STUDENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")


def derive_variant(student: str, exercise: str) -> int:
    """A variant between 1 and 9999 that depends only on the student and the exercise name.

    Variant 0 is the public one of ``exercises/``, so it is never handed out.

    Parameters
    ----------
    student : str
        The student's name as in the roster.
    exercise : str
        The exercise's full name, e.g. ``07_active_returning_at_risk``.

    Returns
    -------
    int
        The variant, the same on every run.

    Examples
    --------
    >>> derive_variant("ana", "07_active_returning_at_risk") == derive_variant("ana", "07_active_returning_at_risk")
    True
    >>> 1 <= derive_variant("ana", "07_active_returning_at_risk") <= 9999
    True
    """
    digest = hashlib.sha256(f"{student}\n{exercise}".encode()).hexdigest()
    return int(digest[:12], 16) % 9999 + 1


def next_variant(variant: int) -> int:
    """The variant tried after ``variant`` when a derived one does not suit: the next, within 1..9999.

    Parameters
    ----------
    variant : int
        A derived variant.

    Returns
    -------
    int
        ``variant + 1``, or 1 after 9999 (variant 0 is the public one, never handed out).

    Examples
    --------
    >>> next_variant(41), next_variant(9999)
    (42, 1)
    """
    return int(variant) % 9999 + 1


def _solutions_by_number(source: Path) -> dict:
    return {p.name[:2]: p for p in find_solutions(source)}


def read_roster(roster, source) -> pd.DataFrame:  # noqa: F821 - pandas is imported inside
    """Read and validate a roster: one row per student and exercise, with the exercise resolved.

    ``exercise`` may be the number (``7`` or ``07``), the name (``07_active_returning_at_risk``)
    or the file name. Returns columns ``student``, ``exercise`` (the full name), ``variant``
    (given or derived) and ``file`` (relative to the output folder). A mistake in the roster raises
    :class:`lifecycle_lib.errors.DataError` naming the row and the fix.

    Parameters
    ----------
    roster : str or Path
        The CSV file: columns ``student``, ``exercise`` and optionally ``variant``.
    source : str or Path
        The folder of solution notebooks the exercises are resolved against.

    Returns
    -------
    pandas.DataFrame
        One row per student and exercise, sorted by both.

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "07_demo.ipynb").write_text(json.dumps({"cells": []}))
    >>> _ = (folder / "roster.csv").write_text("student,exercise,variant\\nana,7,3\\nbo,07_demo,\\n")
    >>> read_roster(folder / "roster.csv", folder)[["student", "exercise", "variant"]].to_dict("records")[0]
    {'student': 'ana', 'exercise': '07_demo', 'variant': 3}
    """
    import pandas as pd

    roster = Path(roster)
    if not roster.exists():
        raise DataError(
            "the roster file does not exist",
            file=roster,
            fix="pass --roster with a CSV file of columns student, exercise[, variant]",
        )
    frame = pd.read_csv(roster, dtype=str, keep_default_na=False)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for column in ("student", "exercise"):
        if column not in frame.columns:
            raise DataError(
                f"the roster has no column '{column}' (found {list(frame.columns)})",
                file=roster,
                column=column,
                fix="the first line must name the columns: student,exercise (and optionally variant)",
            )
    solutions = _solutions_by_number(Path(source))
    rows = []
    for i, rec in enumerate(frame.to_dict("records")):
        line = i + 2
        student = rec["student"].strip()
        if not STUDENT_NAME.match(student):
            raise DataError(
                "a student name cannot be used as a folder name",
                file=roster,
                column="student",
                rows=[line],
                values=[student],
                fix="use letters, digits, '.', '_', '-' or '@' only, starting with a letter or digit",
            )
        wanted = rec["exercise"].strip()
        m = re.match(r"^(\d{1,2})(?:_[a-z0-9_]+)?(?:\.ipynb)?$", wanted)
        number = f"{int(m.group(1)):02d}" if m else None
        path = solutions.get(number)
        if path is None or (m and "_" in wanted and Path(wanted).stem != path.stem):
            raise DataError(
                "no solution notebook for this exercise",
                file=roster,
                column="exercise",
                rows=[line],
                values=[wanted],
                fix=f"use one of {sorted(p.stem for p in solutions.values())} (or just its number)",
            )
        given = str(rec.get("variant", "")).strip()
        if given:
            if not re.match(r"^\d+$", given):
                raise DataError(
                    "a variant must be a whole number, 0 or more",
                    file=roster,
                    column="variant",
                    rows=[line],
                    values=[given],
                    fix="write a number, or leave the cell empty to derive one",
                )
            variant = int(given)
        else:
            variant = derive_variant(student, path.stem)
        rows.append(
            {
                "student": student,
                "exercise": path.stem,
                "variant": variant,
                "file": f"{student}/{path.stem}.ipynb",
                "_line": line,
                "_given": bool(given),
            }
        )
    out = pd.DataFrame(rows, columns=["student", "exercise", "variant", "file", "_line", "_given"])
    dup = out[out.duplicated(["student", "exercise"], keep=False)]
    if len(dup):
        raise DataError(
            "a student has the same exercise twice",
            file=roster,
            column="exercise",
            rows=dup["_line"].tolist(),
            values=dup["exercise"].tolist(),
            fix="keep one row per student and exercise",
        )
    out = out.drop(columns="_line").sort_values(["student", "exercise"], ignore_index=True)
    out.attrs["given"] = out.pop("_given").tolist()  # which variants the roster gave, row by row
    return out


def _with_variant(notebook: dict, variant: int) -> dict:
    """The notebook with ``variant = <n>`` injected after its parameters cell, by papermill."""
    import nbformat
    from papermill.parameterize import parameterize_notebook

    node = nbformat.reads(dumps_notebook(notebook), as_version=4)
    node.metadata["papermill"] = {}  # papermill records the parameters there
    for cell in node.cells:  # papermill looks for tags on every cell
        cell.metadata.setdefault("tags", [])
    node = parameterize_notebook(node, {"variant": int(variant)}, kernel_name="python3", language="python")
    result = json.loads(nbformat.writes(node))
    for cell in result["cells"]:
        meta = cell.setdefault("metadata", {})
        if "injected-parameters" in meta.get("tags", []):
            cell["id"] = "injected-parameters"
        if meta.get("tags") == []:
            del meta["tags"]
    # papermill records the run's parameters in the notebook metadata; the roster is the record
    result.get("metadata", {}).pop("papermill", None)
    return result


def _check_file(job) -> tuple:
    """One student's check file: ``(text or the problem that stopped the solution, variant, clashes)``.

    A derived variant on which a typical mistake is not recognised moves on to the next one
    (:func:`next_variant`) until every mistake is; a given variant stays, with its clashes returned
    for a warning. A problem is returned, not raised, so one student's cannot hide another's.
    """
    key, variant, student, given = job
    tried = int(variant)
    for _ in range(1 if given else MOVE_LIMIT):
        try:
            answers = expected_answers(key, tried)
        except KeyProblem as exc:
            return exc, tried, []
        clashes = mistake_clashes(answers, tried)
        if clashes and not given:
            tried = next_variant(tried)
            continue
        try:
            return check_file_text(key, [tried], owner=student, answers={tried: answers}), tried, clashes
        except KeyProblem as exc:
            return exc, tried, []
    return (
        KeyProblem(
            f"none of the {MOVE_LIMIT} variants from {variant} on lets every typical mistake be recognised by its check"
        ),
        int(variant),
        [],
    )


def _warning(rec: dict, clash) -> str:
    what = {
        "passes": "its check accepts it as right",
        "collides": f"its check takes it for the mistake {clash.other!r}",
        "raises": f"its code fails on this variant ({clash.other})",
    }[clash.problem]
    return (
        f"lifecycle assign: warning: {rec['student']}, {rec['exercise']}, variant {rec['variant']} (given in the "
        f"roster): on this variant the typical mistake of {clash.qid} with hint {clash.hint!r} is not "
        f"recognised ({what}), so {rec['student']} would not get that hint. Keep the variant if you mean "
        f"to, or leave the roster's variant empty to get one where every mistake is recognised."
    )


def assign(roster, out, source=None, workers=None) -> pd.DataFrame:  # noqa: F821
    """Write one exercise notebook per student and exercise, with that student's variant, and the roster.

    Returns the roster written to ``out/roster.csv`` (student, exercise, variant, file).
    ``source`` is the folder of solution notebooks (default: the repository's ``solutions/``).
    Every student's variant is checked as the build checks the public ones: a derived variant on
    which a typical mistake would not be recognised moves on to the next one where every mistake is
    (the roster written records the variant used); a variant the roster gives is kept, with a
    warning on standard error naming the student, the exercise, the question and the mistake's hint.

    Parameters
    ----------
    roster : str or Path
        The class's roster (see :func:`read_roster`).
    out : str or Path
        The folder to write the hand-out to.
    source : str or Path, optional
        The folder of solution notebooks.
    workers : int, optional
        Check files computed at once (default: the number of cores); each runs the solution for
        one student's variant.

    Returns
    -------
    pandas.DataFrame
        The roster written to ``out/roster.csv``, with the variants used.

    Examples
    --------
    The roster is checked before anything is written; a line naming an exercise without a solution
    stops the assignment with the line and the fix:

    >>> import pathlib, tempfile
    >>> course = pathlib.Path(tempfile.mkdtemp())
    >>> (course / "solutions").mkdir()
    >>> _ = (course / "solutions" / "07_at_risk.ipynb").write_text("{}")
    >>> _ = (course / "roster.csv").write_text("student,exercise,variant\\nana,7,3\\nbo,8,\\n")
    >>> assign(course / "roster.csv", course / "handout", source=course / "solutions")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: .../roster.csv: column 'exercise': no solution notebook for this exercise (row 3: '8'; ...). Fix: use one of ['07_at_risk'] (or just its number).

    Once the roster names only existing exercises, the same call writes
    ``handout/ana/07_at_risk.ipynb`` (variant 3), ``handout/bo/...`` (a variant from
    :func:`derive_variant`), each student's ``.keys/`` and ``handout/roster.csv``.
    """
    source = Path(source) if source else REPO_ROOT / "solutions"
    out = Path(out)
    table = read_roster(roster, source)
    parsed = {}
    for name in sorted(set(table["exercise"])):
        parsed[name] = parse_solution(source / f"{name}.ipynb")
    blanks = {name: exercise_notebook(ex) for name, ex in parsed.items()}
    code = {name: make_key(ex) for name, ex in parsed.items()}
    records = table.to_dict("records")
    given = table.attrs.get("given") or [False] * len(records)
    jobs = [(code[rec["exercise"]], int(rec["variant"]), rec["student"], g) for rec, g in zip(records, given)]
    workers = max(1, min(int(workers or os.cpu_count() or 1), len(jobs)))
    # the solution runs once per student, so this is where assigning a class takes its time
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_check_file, jobs))
    else:
        results = [_check_file(job) for job in jobs]
    texts = [text for text, _, _ in results]
    for rec, (text, variant, _) in zip(records, results):
        if not isinstance(text, KeyProblem):
            rec["variant"] = variant  # a derived variant may have moved on
    for rec, exc in zip(records, texts):
        if not isinstance(exc, KeyProblem):
            continue
        raise DataError(
            f"the solution cannot compute the answers of variant {rec['variant']} ({exc})",
            file=source / f"{rec['exercise']}.ipynb",
            fix=f"make the solution work for variant {rec['variant']}, or give {rec['student']} "
            f"another variant in the roster's variant column",
        ) from None
    files = {}  # everything is computed before anything is written
    for rec, text in zip(records, texts):
        folder = Path(rec["student"])
        files[folder / f"{rec['exercise']}.ipynb"] = dumps_notebook(
            _with_variant(blanks[rec["exercise"]], rec["variant"])
        )
        files[folder / ".keys" / f"{rec['exercise']}.key"] = text
    for rec, (_, _, clashes) in zip(records, results):
        for clash in clashes:
            print(_warning(rec, clash), file=sys.stderr)
    for rel, text in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / rel, text)
    out.mkdir(parents=True, exist_ok=True)
    table = table.assign(variant=[int(rec["variant"]) for rec in records])
    table.to_csv(out / "roster.csv", index=False)
    print(f"lifecycle assign: {len(table)} notebooks for {table['student'].nunique()} students in {out}")
    return table
