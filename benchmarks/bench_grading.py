"""How fast is `lifecycle grade`? Grades a class of submissions of one exercise and prints a table.

    .venv/bin/python benchmarks/bench_grading.py [--students 40] [--workers 2] [--exercise PATH] [--unconfined]

With ``--unconfined`` the same class is graded a second time without the sandbox, in the same run, so
the table shows what the sealed sandbox costs. The progress bar (with its ETA) is the one
``lifecycle grade`` shows, on stderr.

Every student has their own data variant (as `lifecycle assign` hands them out); three in four
answer everything correctly, the others make the exercise's first typical mistake. The time
includes everything a real run pays: reading the roster and solutions, starting a confined
process per submission (and per reference computation), and writing the gradebook and the
feedback pages. The goal is under 2 s per submission on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lifecycle_lib.exercises.format import parse_solution  # noqa: E402
from lifecycle_lib.tools.build import exercise_notebook  # noqa: E402
from lifecycle_lib.tools.grade import _sandbox, grading  # noqa: E402

DEFAULT_EXERCISE = ROOT / "tests" / "fixtures" / "grading" / "solutions" / "98_grading_fixture.ipynb"


def _submission(student_nb: dict, exercise, wrong: bool) -> dict:
    nb = json.loads(json.dumps(student_nb))
    by_id = {q.id: q for q in exercise.questions}
    first = exercise.questions[0]
    for cell in nb["cells"]:
        meta = cell.get("metadata", {})
        if "answer" in meta.get("tags", []):
            question = by_id[meta["lifecycle"]["id"]]
            code = question.code
            if wrong and question is first and question.mistakes:
                code = question.mistakes[0].code
            cell["source"] = code
    return nb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--exercise", type=Path, default=DEFAULT_EXERCISE)
    parser.add_argument("--unconfined", action="store_true", help="also grade the class without the sandbox")
    args = parser.parse_args()
    modes = ["auto", "off"] if args.unconfined else ["auto"]
    print(f"{'exercise':<28} {'students':>8} {'workers':>7} {'sandbox':<18} {'total s':>8} {'s/submission':>12} "
          f"{'load before':>11}  statuses")
    for mode in modes:
        _run(args, mode)
    print("(load before: the 1-minute load average when the run started; other work on the machine slows it.)")


def _run(args, mode: str) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    exercise = parse_solution(args.exercise)
    student_nb = exercise_notebook(exercise)
    folder = Path(tempfile.mkdtemp(prefix="lifecycle-bench-grading-", dir="/var/tmp" if Path("/var/tmp").is_dir() else None))
    try:
        lines = ["student,exercise,variant,file"]
        paths = []
        for number in range(args.students):
            student = f"student{number:03d}"
            path = folder / "hand-in" / f"{student}.ipynb"
            path.parent.mkdir(exist_ok=True)
            path.write_text(json.dumps(_submission(student_nb, exercise, wrong=number % 4 == 3)))
            paths.append(path)
            lines.append(f"{student},{exercise.name},{number + 1},hand-in/{student}.ipynb")
        (folder / "roster.csv").write_text("\n".join(lines) + "\n")
        start = time.perf_counter()
        book = grading.grade(paths, roster=folder / "roster.csv", out=folder / "out", source=args.exercise.parent,
                             workers=args.workers, sandbox=mode, progress=True)
        seconds = time.perf_counter() - start
        statuses: dict[str, int] = {}
        for row in book.rows:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    sandbox = "bubblewrap" if mode == "auto" and _sandbox.bwrap_path() else "none (unconfined)"
    print(f"{exercise.name:<28} {args.students:>8} {args.workers:>7} {sandbox:<18} {seconds:>8.1f} "
          f"{seconds / args.students:>12.2f} {load:>11.1f}  " + ", ".join(f"{k}={v}" for k, v in sorted(statuses.items())),
          flush=True)


if __name__ == "__main__":
    main()
