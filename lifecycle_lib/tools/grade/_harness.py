"""The process that runs one notebook's code for the grader, inside the confinement.

Run as a script (``python _harness.py PRELOAD MEMORY_MB FD``), never imported by the grader's own
process for execution. It is started ahead of time ("warm"): it sets its resource limits,
imports the modules named in ``PRELOAD`` (comma separated), creates an IPython shell and
writes ``{"ready": true}`` on file descriptor ``FD``. Then it reads one job, a JSON line on
stdin::

    {"steps": [{"code": "...", "snap": ["churn_rate"], "label": "q1", "always": false}, ...],
    (or ``"labels": {"variable": "label", ...}`` for several snapshots with their own labels)
     "memory_mb": 2048, "quiet": ["lifecycle_lib.exercises.checks"]}

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
the right answer is worth nothing. Plain data is: ``None``, exact ``bool``/``int``/``float``/
``str``, lists, tuples, sets and dicts of plain data, exact numpy scalars and arrays, and
exact pandas ``DataFrame``/``Series``/``Index``/``Timestamp``/``Timedelta`` values. Any
subclass, any other object (however its ``__eq__`` or ``__float__`` behaves), is refused.
"""

from __future__ import annotations

import os
import sys

__all__ = ["to_plain", "main"]

_MAX_ITEMS = 2_000_000
_MAX_DEPTH = 12


class NotPlain(Exception):
    """The value is not plain data; the message says what it is."""


def _type_name(value) -> str:
    tp = type(value)
    return f"{tp.__module__}.{tp.__qualname__}" if tp.__module__ != "builtins" else tp.__qualname__


def to_plain(value, _depth: int = 0, _budget: list | None = None):
    """Turn an answer into JSON-ready plain data, refusing anything that is not plain.

    Tagged dicts keep the types JSON lacks (tuples, sets, dicts with any keys, frames).

    >>> to_plain([1, 2.5, "a", None, (True,)])
    [1, 2.5, 'a', None, {'$tuple': [True]}]
    >>> class Always(float):
    ...     def __eq__(self, other): return True
    >>> to_plain(Always(1.0))
    Traceback (most recent call last):
    ...
    lifecycle_lib.tools.grade._harness.NotPlain: a ...Always object, which is not plain data
    """
    if _budget is None:
        _budget = [_MAX_ITEMS]
    _budget[0] -= 1
    if _budget[0] < 0:
        raise NotPlain("too large (more than two million values)")
    if _depth > _MAX_DEPTH:
        raise NotPlain("nested too deeply")
    tp = type(value)
    if value is None or tp is bool or tp is int or tp is str or tp is float:
        return value
    if value is Ellipsis:  # the blank an exercise ships with: "not answered yet"
        return {"$ellipsis": 1}
    d = _depth + 1
    if tp is list:
        return [to_plain(v, d, _budget) for v in value]
    if tp is tuple:
        return {"$tuple": [to_plain(v, d, _budget) for v in value]}
    if tp is set or tp is frozenset:
        return {"$set": [to_plain(v, d, _budget) for v in value]}
    if tp is dict:
        return {"$dict": [[to_plain(k, d, _budget), to_plain(v, d, _budget)] for k, v in value.items()]}
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")
    if np is not None:
        if _is_one_of(tp, (np.float64, np.float32, np.float16)):
            return float(value)
        if _is_one_of(tp, (np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8)):
            return int(value)
        if tp is np.bool_:
            return bool(value)
        if tp is np.str_:
            return str.__str__(value)
        if tp is np.datetime64:
            return {"$ts": str(value)} if not np.isnat(value) else {"$nat": 1}
        if tp is np.timedelta64:
            return {"$td": int(value.astype("timedelta64[ns]").astype(np.int64))} if not np.isnat(value) else {"$nat": 1}
        if tp is np.ndarray:
            if value.dtype.kind not in "biufUSOMm":
                raise NotPlain(f"a numpy array of dtype {value.dtype}, which is not plain data")
            if value.size > _MAX_ITEMS:
                raise NotPlain("too large (more than two million values)")
            data = value.tolist() if value.dtype.kind not in "Mm" else [to_plain(v, d, _budget) for v in value.ravel()]
            return {"$array": {"dtype": str(value.dtype), "shape": list(value.shape), "data": to_plain(data, d, _budget)}}
    if pd is not None:
        if value is pd.NaT:
            return {"$nat": 1}
        if value is pd.NA:
            return {"$na": 1}
        if tp is pd.Timestamp:
            return {"$ts": value.isoformat()}
        if tp is pd.Timedelta:
            return {"$td": int(value.value)}
        if tp is pd.DataFrame:
            if value.size > _MAX_ITEMS:
                raise NotPlain("too large (more than two million values)")
            columns = [to_plain(c, d, _budget) for c in value.columns.tolist()]
            dtypes = [str(t) for t in value.dtypes.tolist()]
            data = [_column(value.iloc[:, i], d, _budget) for i in range(value.shape[1])]
            return {"$frame": {"columns": columns, "dtypes": dtypes, "data": data, "index": _index(value.index, d, _budget)}}
        if tp is pd.Series:
            if value.size > _MAX_ITEMS:
                raise NotPlain("too large (more than two million values)")
            return {"$series": {"name": to_plain(value.name, d, _budget), "dtype": str(value.dtype),
                                "data": _column(value, d, _budget), "index": _index(value.index, d, _budget)}}
        if _is_one_of(tp, (pd.Index, pd.RangeIndex, pd.DatetimeIndex, pd.MultiIndex, pd.CategoricalIndex)):
            return {"$index": _index(value, d, _budget)}
    import datetime as _dt

    if tp is _dt.datetime or tp is _dt.date:
        return {"$ts": value.isoformat()}
    raise NotPlain(f"a {_type_name(value)} object, which is not plain data")


def _is_one_of(tp, types) -> bool:
    """Identity, not equality: a class with a rigged metaclass ``__eq__`` matches nothing."""
    return any(tp is t for t in types)


def _column(series, depth, budget):
    dtype = series.dtype
    if str(dtype) == "category":
        values = series.astype(object).tolist()
    else:
        values = series.tolist()
    return [to_plain(v, depth, budget) for v in values]


def _index(index, depth, budget):
    values = index.tolist()
    names = [to_plain(n, depth, budget) for n in index.names]
    return {"dtype": str(index.dtype), "names": names, "data": [to_plain(v, depth, budget) for v in values]}


def _set_limits(memory_mb: int) -> None:
    import resource

    def limit(kind, value):
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass

    if memory_mb:
        limit(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
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
    _set_limits(memory_mb)
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
