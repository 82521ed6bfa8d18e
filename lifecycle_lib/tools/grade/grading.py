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
  hints. The comparison is :func:`lifecycle_lib.exercises.compare.diagnose`, the self-check's own.
- The submission file is only read. ``OUT/gradebook.csv`` (student, exercise, question,
  points, max_points, status, message) and ``OUT/feedback/STUDENT.html`` are written
  atomically, and the same inputs give the same gradebook.
- One submission cannot stop the batch: whatever fails while reading, running, decoding,
  comparing or reporting one notebook becomes that student's result (``unreadable``,
  ``crashed`` or ``invalid``, with a short reason), and everybody is still graded.
- Each submission's limits are its own: its memory cap is for all its processes together
  (a watchdog adds up the tree's memory), its process count is capped, every writable place
  in the sandbox has a size cap, and its time starts with its first cell, however long its
  process waited to be used. ``grade`` says on stderr, in one line, which limits it enforces.

The parts: :mod:`~lifecycle_lib.tools.grade.roster` (whose file is which),
:mod:`~lifecycle_lib.tools.grade.references` (the reference solutions and their jobs),
:mod:`~lifecycle_lib.tools.grade.submissions` (a submission's steps),
:mod:`~lifecycle_lib.tools.grade.plain` (answers as plain data, both ways),
:mod:`~lifecycle_lib.tools.grade.scoring` (rows and notes), :mod:`~lifecycle_lib.tools.grade.gradebook`
(the files written) and :mod:`~lifecycle_lib.tools.grade._sandbox` (the confined processes).

Without a usable ``bwrap`` (another OS, a container without user namespaces) ``sandbox="auto"``
warns and runs submissions unconfined but still limited in time, memory and output;
``sandbox="require"`` refuses instead.
"""

from __future__ import annotations

import os
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lifecycle_lib._util.paths import REPO_ROOT
from lifecycle_lib.errors import DataError, UsageError
from lifecycle_lib.tools.grade._watchdog import enforced_limits
from lifecycle_lib.tools.grade.gradebook import Gradebook, write_gradebook
from lifecycle_lib.tools.grade.references import load_reference
from lifecycle_lib.tools.grade.roster import RosterEntry, match_submissions, read_roster
from lifecycle_lib.tools.grade.scoring import last_values, run_notes, score_entry
from lifecycle_lib.tools.grade.submissions import read_submission, student_steps

__all__ = ["grade"]

# The modules whose ``check`` a graded process replaces with a silent stand-in: the module itself
# and the package, which holds its own reference to it (``from lifecycle_lib.exercises import check``).
_QUIET_MODULES = ["lifecycle_lib.exercises.checks", "lifecycle_lib.exercises"]


@dataclass
class _Job:
    kind: str  # "reference" or "student"
    key: tuple
    steps: list
    result: object = None


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="grading", unit="run", file=sys.stderr, leave=False)


def grade(submissions, roster, out, source=None, workers=None, timeout=120.0, *, cell_timeout=None,
          memory_mb=2048, disk_mb=256, processes=64, sandbox="auto", progress=True) -> Gradebook:
    """Grade ``submissions`` against the roster and reference solutions; write the gradebook and feedback.

    ``submissions`` are notebook paths, matched to roster lines by path or file name;
    ``source`` is the folder of solution notebooks (default: ``solutions/`` of this repository);
    ``workers`` runs that many notebooks at once (default: the number of cores); ``timeout`` is
    the limit per notebook and ``cell_timeout`` per cell (default: the same), in seconds;
    ``memory_mb`` caps each run's memory (all its processes together), ``disk_mb`` what it may
    write (``/tmp``; ``/dev/shm`` gets a quarter of it) and ``processes`` how many processes it
    may have; ``sandbox`` is ``"auto"`` (bubblewrap when usable,
    otherwise a warning and unconfined runs), ``"require"`` (refuse without it) or ``"off"``.

    Parameters
    ----------
    submissions : list of str or Path
        The notebooks handed in.
    roster : str or Path
        The roster written by ``lifecycle assign``.
    out : str or Path
        The folder for ``gradebook.csv`` and ``feedback/``.
    source : str or Path, optional
        The folder of solution notebooks.
    workers : int, optional
        Notebooks run at once.
    timeout : float, default 120
        Seconds per notebook.
    cell_timeout : float, optional
        Seconds per cell (default: ``timeout``).
    memory_mb : int, default 2048
        The memory cap of each run.
    disk_mb : int, default 256
        The size cap of each run's writable ``/tmp``.
    processes : int, default 64
        The process cap of each run.
    sandbox : {"auto", "require", "off"}
        Whether runs are confined with bubblewrap.
    progress : bool, default True
        Show a progress bar on stderr.

    Returns
    -------
    Gradebook
        The rows written and where the files went.

    Raises
    ------
    DataError
        For a roster or submission that cannot be graded (named with the fix), or when
        ``sandbox="require"`` and bubblewrap cannot run.

    Examples
    --------
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
    matched = match_submissions(paths, entries, roster_path.resolve().parent)
    references = {name: load_reference(source / f"{name}.ipynb") for name in sorted({e.exercise for e in entries})}
    timeout = float(timeout)
    cell_timeout = float(cell_timeout) if cell_timeout else timeout
    workers = max(1, int(workers or os.cpu_count() or 1))
    for name, value, least in (("memory_mb", memory_mb, 256), ("disk_mb", disk_mb, 1), ("processes", processes, 4)):
        if int(value) < least:
            raise UsageError(f"{name} must be at least {least} (a notebook's kernel needs it), not {value}.")

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
        preload += [m for m in reference.setup_imports() if m not in preload]
    confinement = _sandbox.Confinement(hide=hide, memory_mb=memory_mb, tmp_mb=int(disk_mb),
                                       shm_mb=max(1, int(disk_mb) // 4), processes=int(processes), bwrap=bwrap,
                                       preload=tuple(preload))
    print(enforced_limits(memory_mb, confinement.processes, bwrap), file=sys.stderr)

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
        answers = [q.answer for q in references[entry.exercise].questions]
        try:
            notebook = read_submission(matched[entry])
            job = _Job("student", (entry,), student_steps(notebook, entry.variant, answers))
        except Exception as exc:  # anything wrong with one file is that student's result
            unreadable[entry] = str(exc)[:200] or type(exc).__name__
            continue
        jobs.append(job)
        student_jobs[entry] = job
    for entry in entries:
        if entry not in matched:
            unreadable[entry] = ""

    bar = _progress(len(jobs), progress)
    pool = _sandbox.WarmPool(confinement, spare=workers, jobs=len(jobs))

    def run(job: _Job) -> None:
        quiet = _QUIET_MODULES if job.kind == "student" else []
        steps = [{k: v for k, v in step.items() if k != "where"} for step in job.steps]
        share = len(job.key[1]) if job.kind == "reference" else 1
        for attempt in range(2):  # a process that never got ready is replaced once, never held against the job
            try:
                process = pool.take() if attempt == 0 else _sandbox.HarnessProcess(confinement)
                job.result = process.run({"steps": steps, "quiet": quiet}, timeout=timeout * share,
                                         cell_timeout=timeout if job.kind == "reference" else cell_timeout)
            except Exception:
                job.result = _sandbox.JobResult(ending="failed_to_start")
            if job.result.ending != "failed_to_start" or job.result.messages:
                break
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
        last = last_values(job.result)
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
        try:
            mine = score_entry(entry, reference, expected.get((entry.exercise, entry.variant), {}), result,
                               unreadable.get(entry), timeout, cell_timeout)
            if result is not None:
                notes.setdefault(entry.student, {})[entry.exercise] = run_notes(result, timeout, cell_timeout)
        except Exception as exc:  # scoring one notebook failed: zero for it, everybody else still graded
            mine = [{"student": entry.student, "exercise": entry.exercise, "question": q.id, "points": 0.0,
                     "max_points": q.points, "status": "invalid",
                     "message": f"This notebook's answers could not be graded ({type(exc).__name__})."}
                    for q in reference.questions]
        rows += mine

    return write_gradebook(out, rows, notes)
