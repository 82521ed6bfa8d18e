"""Scoring: each question of a submission compared with the reference's answer for its variant.

After every cell the harness sends the value of each answer variable as plain data; the last
value a variable held is the answer, and what was sent before a crash, a timeout or a later
tamper is kept. An answer that is not plain data scores zero whatever its ``__eq__`` says. The
comparison is the self-check's own (:func:`lifecycle_lib.exercises.compare.diagnose`); each row
gets one of the :data:`STATUSES` and a message for the student.
"""

from __future__ import annotations

from lifecycle_lib.exercises.compare import Expected, Verdict, diagnose
from lifecycle_lib.tools.grade.plain import PlainDataError, decode_plain

__all__ = ["STATUSES", "last_values", "run_notes", "score_entry"]

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


def last_values(result) -> dict:
    """The last message per snapshot label (or variable), in arrival order.

    Parameters
    ----------
    result : JobResult or None
        What a harness run sent back (:class:`lifecycle_lib.tools.grade._sandbox.JobResult`).

    Returns
    -------
    dict of str to dict
        The last snapshot message of every label; empty without a result.

    Examples
    --------
    >>> from lifecycle_lib.tools.grade._sandbox import JobResult
    >>> result = JobResult(messages=[{"cell": 0}, {"snap": "n", "label": "n", "cell": 0, "value": 1},
    ...                              {"snap": "n", "label": "n", "cell": 1, "value": 2}])
    >>> last_values(result)
    {'n': {'snap': 'n', 'label': 'n', 'cell': 1, 'value': 2}}
    """
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


def run_notes(result, timeout: float, cell_timeout: float) -> list[str]:
    """What the feedback says about a run: the cells that raised, and how the run ended if not well.

    Parameters
    ----------
    result : JobResult
        What the submission's harness run sent back, with its ``steps``.
    timeout, cell_timeout : float
        The limits per notebook and per cell, in seconds, to name them.

    Returns
    -------
    list of str
        At most 50 notes, in order.

    Examples
    --------
    >>> from lifecycle_lib.tools.grade._sandbox import JobResult
    >>> result = JobResult(messages=[{"error": 0, "ename": "NameError", "evalue": "name 'x' is not defined"}],
    ...                    ending="timeout", cell=1, steps=[{"where": "code cell 1"}, {"where": "code cell 2"}])
    >>> for note in run_notes(result, timeout=120, cell_timeout=10):
    ...     print(note)
    Code cell 1 raised NameError: name 'x' is not defined
    The run was stopped in code cell 2: the limit is 120 s per notebook and 10 s per cell.
    """
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
    elif result.ending == "memory":
        notes.append(f"The run was stopped in {cell}: its processes together used more memory than allowed.")
    elif result.ending == "processes":
        notes.append(f"The run was stopped in {cell}: it started more processes than allowed.")
    elif result.ending == "too_much":
        notes.append("The run was stopped: its answers exceeded the size limit.")
    elif result.ending == "failed_to_start":
        notes.append("The grading process could not start; ask your instructor.")
    if result.output_bytes > 20_000:
        notes.append(f"The notebook printed {result.output_bytes:,} bytes; only the first 20,000 were kept.")
    return notes[:50]


def score_entry(entry, reference, exp_last: dict, student_result, unreadable: str | None, timeout: float,
                cell_timeout: float) -> list[dict]:
    """The gradebook rows of one roster entry: every question of its reference, scored.

    Parameters
    ----------
    entry : RosterEntry
        Whose submission, which exercise.
    reference : Reference
        The exercise's reference solution.
    exp_last : dict
        The reference run's last messages for the entry's variant, labelled
        ``expected:QID`` and ``mistake:QID:N``.
    student_result : JobResult or None
        The submission's run (None when there was none).
    unreadable : str or None
        ``""`` when no submission was handed in, the reason when it could not be read, else None.
    timeout, cell_timeout : float
        The limits the run had, in seconds.

    Returns
    -------
    list of dict
        One row per question: student, exercise, question, points, max_points, status, message.

    Examples
    --------
    >>> from lifecycle_lib.exercises.format import Question
    >>> from lifecycle_lib.tools.grade.references import Reference
    >>> from lifecycle_lib.tools.grade.roster import RosterEntry
    >>> from lifecycle_lib.tools.grade._sandbox import JobResult
    >>> reference = Reference("01_demo", None, key={}, questions=(Question("q01_1", 2, "How many?", "n", "n = 3"),))
    >>> run = JobResult(messages=[{"snap": "n", "label": "n", "cell": 0, "value": 4}])
    >>> rows = score_entry(RosterEntry("ada", "01_demo", 1, "ada.ipynb"), reference,
    ...                    {"expected:q01_1": {"value": 4}}, run, None, 120, 120)
    >>> [(r["question"], r["points"], r["status"]) for r in rows]
    [('q01_1', 2, 'correct')]
    """
    rows = []
    got_last = last_values(student_result) if student_result is not None else {}
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
            try:
                status, message = _judge(question, exp_message, exp_last, got_last.get(question.answer),
                                         student_result, timeout)
            except _ReferenceUnreadable:
                status, message = "reference_error", "The reference answer could not be read; the instructor will regrade."
            except Exception as exc:  # one answer the grader cannot handle scores zero, and only here
                status, message = "invalid", (f"`{question.answer}` could not be graded "
                                              f"({type(exc).__name__}); it scores zero.")
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
        if result.ending in ("died", "too_much", "failed_to_start", "memory", "processes"):
            return "crashed", f"The notebook's process ended in {cell} before `{name}` was defined."
        return "missing", f"No variable `{name}` was defined; assign your answer to `{name}`."
    if "bad" in got or "value" not in got:
        why = got.get("bad") if isinstance(got.get("bad"), str) else "not plain data"
        return "invalid", (f"`{name}` holds {why[:120]}. Answers must be numbers, strings, lists, sets, dicts, "
                           "numpy arrays or pandas tables.")
    try:
        received = decode_plain(got["value"])
    except PlainDataError as exc:
        return "invalid", f"`{name}` could not be read as plain data ({str(exc)[:120]})."
    try:
        expected = decode_plain(exp_message["value"])
    except PlainDataError as exc:
        raise _ReferenceUnreadable() from exc
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


class _ReferenceUnreadable(Exception):
    """The reference's own answer could not be rebuilt."""


def _verdict(question, expected, mistakes: list, received):
    """The self-check's own judgement (:func:`lifecycle_lib.exercises.compare.diagnose`) of two values rebuilt here."""
    target = Expected(question.id, question.answer, expected, dict(question.compare or {}), list(mistakes),
                             question.points)
    try:
        return diagnose(target, received)
    except Exception as exc:  # a comparison that cannot even run is a wrong answer, never a pass
        return Verdict(False, f"Your answer could not be compared with the expected one ({type(exc).__name__}).")
