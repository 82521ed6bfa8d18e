"""How long `lifecycle render` takes: a full build, a rebuild with nothing changed, and one after an edit.

The lessons are copied (with their exercises) into a temporary course folder, so the committed
notebooks are never touched, and each build runs in a fresh process, as the command does:

- ``full``: an empty cache, so every lesson is executed and every page is built;
- ``unchanged``: the same again, nothing edited: no lesson runs, Sphinx reads no page again;
- ``one lesson edited``: a sentence added to one lesson's last Markdown cell: that lesson runs again
  and its page is read again, the others come from the cache.

It prints one table with the wall-clock seconds of each build, the CPU seconds of its processes
(kernels included), how many lessons were executed, and the full build against its target (under
180 s with two kernels at once, the size of the course's machines). The exit status is 1 when the
full build misses it. Timings depend on what else the machine runs: the load average is printed too.

    .venv/bin/python benchmarks/bench_render.py                # every lesson, 2 workers
    .venv/bin/python benchmarks/bench_render.py --workers 1 --edit 07
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 180.0

_BUILD = """
import json, sys
from lifecycle_lib.tools.site import render
rendered = render.render_course(sys.argv[1], source=sys.argv[2], workers=int(sys.argv[3]))
print(json.dumps({"lessons": len(rendered), "executed": sum(not lesson.cached for lesson in rendered)}))
"""


def build(site: Path, lessons: Path, workers: int) -> dict:
    """One build in a fresh process: seconds, CPU seconds of the process tree, lessons executed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _BUILD, str(site), str(lessons), str(workers)],
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"the build failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": seconds, "cpu": cpu, **result}


def edit_lesson(path: Path) -> None:
    """Add a sentence to the lesson's last Markdown cell before its navigation cell (a real edit)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [cell for cell in nb["cells"] if cell["cell_type"] == "markdown"
             and not cell.get("metadata", {}).get("lifecycle", {}).get("navigation")]
    source = "".join(cells[-1]["source"]) if isinstance(cells[-1]["source"], list) else cells[-1]["source"]
    cells[-1]["source"] = source + "\n\nA sentence added by the render benchmark."
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="kernels at once (default: 2)")
    parser.add_argument("--edit", default=None, help="number of the lesson to edit (default: the middle one)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print where it is")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-render-"))
    try:
        shutil.copytree(ROOT / "notebooks", work / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        if (ROOT / "exercises").is_dir():
            shutil.copytree(ROOT / "exercises", work / "exercises", ignore=shutil.ignore_patterns(".keys"))
        lessons = sorted((work / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        edited = (next(p for p in lessons if p.name.startswith(f"{int(args.edit):02d}_")) if args.edit
                  else lessons[len(lessons) // 2])
        site = work / "site"
        rows = [("full", build(site, work / "notebooks", args.workers))]
        rows.append(("unchanged", build(site, work / "notebooks", args.workers)))
        edit_lesson(edited)
        rows.append((f"one lesson edited ({edited.stem[:2]})", build(site, work / "notebooks", args.workers)))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"lifecycle render, {len(lessons)} lessons, {args.workers} workers, {os.cpu_count()} cores, "
          f"load average {load}")
    print(f"{'build':<26} {'seconds':>8} {'CPU s':>8} {'executed':>9}  target")
    missed = False
    for name, row in rows:
        target = ""
        if name == "full":
            missed = row["seconds"] >= TARGET_SECONDS
            target = f"< {TARGET_SECONDS:.0f} s: {'missed' if missed else 'met'}"
        print(f"{name:<26} {row['seconds']:>8.1f} {row['cpu']:>8.1f} {row['executed']:>4} of {row['lessons']:<2}  {target}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
