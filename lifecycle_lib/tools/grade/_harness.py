"""The process that runs one notebook's code for the grader, inside the confinement.

Run as a script (``python _harness.py PRELOAD MEMORY_MB FD [NPROC]``), never imported by the grader's own
process for execution. It is started ahead of time ("warm"): it sets its resource limits,
imports the modules named in ``PRELOAD`` (comma separated), creates an IPython shell and
writes ``{"ready": true}`` on file descriptor ``FD``. Then it reads one job, a JSON line on
stdin::

    {"steps": [{"code": "...", "snap": ["churn_rate"], "label": "q1", "always": false}, ...],
    (or ``"labels": {"variable": "label", ...}`` for several snapshots with their own labels)
     "memory_mb": 2048, "quiet": ["lifecycle_lib.exercises.checks", "lifecycle_lib.exercises"]}

and runs every step's code in one IPython namespace, in order, whatever happens in earlier
steps (an error in a cell is reported and the next cell runs). After each step it serialises
the variables named in ``snap`` to plain data and writes one JSON line per variable on ``FD``::

    {"cell": 4}                                        a step starts
    {"error": 4, "ename": "NameError", "evalue": "..."} the step raised
    {"snap": "churn_rate", "label": "q1", "cell": 4, "value": ...}  plain data
    {"snap": "churn_rate", "label": "q1", "cell": 4, "bad": "why it is not plain data"}
    {"done": true}

With ``"always": false`` a variable is written only when its serialised value changed since
the last time it was written, so a notebook's answers cost little to follow cell by cell.

Nothing this process writes is trusted by the grader: the student's code shares the process
and can forge any line. The grader therefore accepts only plain data (validated again on
its side), compares it with expected values computed elsewhere, and every forgery short of
the right answer is worth nothing. Plain data, in both directions, is defined in
:mod:`lifecycle_lib.tools.grade.plain`.
"""

from __future__ import annotations

import os
import sys

# Run as a script (``python -I _harness.py``), so the codec comes in by its absolute name: the
# installed package is on the path, this file's folder is not.
from lifecycle_lib.tools.grade.plain import NotPlain, to_plain

__all__ = ["main"]


def _set_limits(memory_mb: int, processes: int = 0) -> None:
    import resource

    def limit(kind, value):
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass

    if memory_mb:
        limit(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
    if processes:  # counted per user namespace: the sandbox's own, so only this run's processes
        limit(resource.RLIMIT_NPROC, processes)
    limit(resource.RLIMIT_CORE, 0)
    limit(resource.RLIMIT_FSIZE, 256 * 1024 * 1024)


def main(argv: list[str]) -> int:
    """Warm up, take one job from stdin, run it and report on the result descriptor."""
    import json

    dumps = json.dumps
    out_fd = int(argv[2]) if len(argv) > 2 else 3
    write = os.write

    def emit(message: dict) -> None:
        data = (dumps(message) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[write(out_fd, view):]

    preload = [m for m in (argv[0].split(",") if argv else []) if m]
    memory_mb = int(argv[1]) if len(argv) > 1 else 0
    processes = int(argv[3]) if len(argv) > 3 else 0
    _set_limits(memory_mb, processes)
    import importlib

    for name in preload:
        try:
            importlib.import_module(name)
        except Exception:  # a module missing here fails in the notebook, where it is reported
            pass
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"
    config.InteractiveShell.xmode = "Plain"
    shell = InteractiveShell.instance(config=config)
    emit({"ready": True})

    line = sys.stdin.buffer.readline()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    job = json.loads(line)
    for name in job.get("quiet", []):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "check"):
            module.check = _quiet_check
    namespace = shell.user_ns
    sent: dict[str, str] = {}
    for number, step in enumerate(job["steps"]):
        emit({"cell": number})
        try:
            result = shell.run_cell(step["code"], store_history=False, silent=False)
            error = result.error_before_exec or result.error_in_exec
        except BaseException as exc:  # SystemExit and friends raised past IPython
            error = exc
        if error is not None:
            emit({"error": number, "ename": type(error).__name__, "evalue": _safe_str(error)[:500]})
        sys.stdout.flush()
        sys.stderr.flush()
        for name in step.get("snap", []):
            label = (step.get("labels") or {}).get(name, step.get("label", name))
            message = {"snap": name, "label": label, "cell": number}
            if name not in namespace:
                if step.get("always"):
                    message["missing"] = True
                    emit(message)
                continue
            try:
                message["value"] = to_plain(namespace[name])
                text = dumps(message["value"])
            except NotPlain as exc:
                message["bad"] = str(exc)
                text = "bad:" + str(exc)
            except BaseException:
                # Only exact plain types reach code that can raise here, so the process itself was
                # tampered with (a patched pandas, a tracer): keep what was sent before.
                continue
            if step.get("always") or sent.get(name) != text:
                sent[name] = text
                emit(message)
    emit({"done": True})
    sys.stdout.flush()
    os._exit(0)


def _quiet_check(question, answer=None, *args, **kwargs):
    """Stands in for the self-check while grading: the grader checks answers outside."""
    return None


def _safe_str(exc) -> str:
    try:
        return str(exc)
    except BaseException:
        return type(exc).__name__


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
