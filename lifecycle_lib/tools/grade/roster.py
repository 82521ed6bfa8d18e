"""The roster the grader reads, and whose submission each file is.

``lifecycle assign`` writes ``roster.csv`` (student, exercise, variant, file); it says whose
notebook a file is and which exercise and data variant it answers. Nothing a notebook claims
about itself counts.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from lifecycle_lib.errors import DataError

__all__ = ["RosterEntry", "read_roster", "match_submissions"]


@dataclass(frozen=True)
class RosterEntry:
    """One roster line: who, which exercise, which data variant, which assigned file.

    :func:`read_roster` returns one per line of the roster ``lifecycle assign`` wrote.

    Parameters
    ----------
    student : str
        The student's name.
    exercise : str
        The exercise's name, without ``.ipynb``.
    variant : int
        The student's data variant.
    file : str
        The assigned notebook, relative to the roster's folder.

    Examples
    --------
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

    Parameters
    ----------
    path : str or Path
        The roster's CSV file.

    Returns
    -------
    list of RosterEntry
        One per line, in file order (blank lines skipped; ``.ipynb`` dropped from exercise names).

    Raises
    ------
    DataError
        Naming the file, column, line and fix: a missing column, a variant that is not a whole
        number, an empty cell, a student with the same exercise twice.

    Examples
    --------
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
        raise DataError("the roster does not exist", file=str(path), fix="run 'lifecycle assign' first, or fix --roster") from None
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
                            values=[row["variant"]], fix="write the variant as a whole number, e.g. 3") from None
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


def match_submissions(submissions: list, roster: list, roster_dir) -> dict:
    """Roster entry for every submission, by the roster's ``file`` column only.

    A submission matches the entry whose file it is (same path, relative to the roster's
    folder), else the one whose file path is a tail of the submission's path (``ana/07_x.ipynb``
    matches ``collected/ana/07_x.ipynb``), else the one with the same file name if only one
    entry has it. What the notebook says about its author is never read.

    Parameters
    ----------
    submissions : list of Path
        The notebooks handed in.
    roster : list of RosterEntry
        The roster's lines (:func:`read_roster`).
    roster_dir : str or Path
        The roster's folder, which its ``file`` paths are relative to.

    Returns
    -------
    dict of RosterEntry to Path
        The submission of every entry that has one.

    Raises
    ------
    DataError
        When a submission matches no entry or several, or two submissions match one entry.

    Examples
    --------
    >>> entries = [RosterEntry("ada", "07_x", 3, "ada/07_x.ipynb"), RosterEntry("bo", "07_x", 5, "bo/07_x.ipynb")]
    >>> match_submissions([Path("/collected/bo/07_x.ipynb")], entries, "/class")
    {RosterEntry(student='bo', exercise='07_x', variant=5, file='bo/07_x.ipynb'): PosixPath('/collected/bo/07_x.ipynb')}
    """
    by_path = {}
    for entry in roster:
        file = Path(entry.file)
        full = file if file.is_absolute() else Path(roster_dir) / file
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
