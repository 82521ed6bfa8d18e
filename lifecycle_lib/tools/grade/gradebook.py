"""What grading writes: ``OUT/gradebook.csv`` and one feedback page per student.

The gradebook has the columns :data:`GRADEBOOK_COLUMNS`; ``OUT/feedback/STUDENT.html`` shows a
student their score, every question's result and message, and notes about the run. Both are
written atomically, and the same rows give the same bytes.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

from lifecycle_lib._util.files import write_text_atomic

__all__ = ["GRADEBOOK_COLUMNS", "Gradebook", "write_gradebook"]

GRADEBOOK_COLUMNS = ["student", "exercise", "question", "points", "max_points", "status", "message"]


class Gradebook:
    """The rows written to ``gradebook.csv`` and where the files went.

    :func:`~lifecycle_lib.tools.grade.grading.grade` returns one; ``totals()`` adds up each
    student's points.

    Parameters
    ----------
    rows : list of dict
        The gradebook's rows (:data:`GRADEBOOK_COLUMNS`).
    path : Path
        Where the gradebook was written.
    feedback : dict of str to Path
        Each student's feedback page.

    Examples
    --------
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


def write_gradebook(out, rows: list[dict], notes: dict) -> Gradebook:
    """Write ``out/gradebook.csv`` and ``out/feedback/STUDENT.html`` for every student of ``rows``.

    Parameters
    ----------
    out : str or Path
        The output folder.
    rows : list of dict
        The gradebook rows, in the order to write them.
    notes : dict
        Notes about each run, by student and then exercise.

    Returns
    -------
    Gradebook
        The rows, the gradebook's path and each student's feedback page.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> rows = [{"student": "ada", "exercise": "01_demo", "question": "q01_1", "points": 2.0, "max_points": 2.0,
    ...          "status": "correct", "message": "Correct."}]
    >>> book = write_gradebook(out, rows, {"ada": {"01_demo": ["Code cell 3 raised NameError: x"]}})
    >>> print(book.path.read_text(), end="")
    student,exercise,question,points,max_points,status,message
    ada,01_demo,q01_1,2,2,correct,Correct.
    >>> book.feedback["ada"].name
    'ada.html'
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    gradebook_path = out / "gradebook.csv"
    write_text_atomic(gradebook_path, _gradebook_text(rows))
    feedback: dict[str, Path] = {}
    taken: set = set()
    for student in sorted({r["student"] for r in rows}):
        name = _feedback_name(student, taken)
        path = out / "feedback" / f"{name}.html"
        path.parent.mkdir(exist_ok=True)
        write_text_atomic(path, _feedback_html(student, [r for r in rows if r["student"] == student],
                                               notes.get(student, {})))
        feedback[student] = path
    return Gradebook(rows, gradebook_path, feedback)
