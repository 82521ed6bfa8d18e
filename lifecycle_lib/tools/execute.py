"""Execute notebooks: the one way the course tools run a notebook (render, report, exercise build).

Each notebook runs in a fresh kernel in its own working folder. Parameters go in as papermill
puts them (:func:`papermill.parameterize.parameterize_notebook`: a new cell right after the cell
tagged ``parameters``, so lessons keep papermill's semantics); the cells are executed by nbclient.
:func:`execute_notebooks` runs many at once, at most ``workers`` kernels at a time.

Why every run is bounded twice. Without a cell timeout, nbclient sometimes waits forever for an
``execute_reply`` the kernel has already sent: measured on lesson 01 under load, 4 runs in 30
hung without a timeout, none in 20 with one. So ``timeout`` (seconds per cell) is required and never
None, a ``deadline`` (seconds per notebook, default five times ``timeout``) kills the kernel when it
expires, whatever the client is waiting for, and a notebook stopped by either runs once more in a
fresh kernel before its :class:`NotebookTimeout` is raised.

Errors. With ``allow_errors=False`` (render, report) the first failing cell stops the notebook with
a :class:`NotebookError` naming the notebook, the cell (counted from 1, as in JupyterLab) and the
error line. With ``allow_errors=True`` (the exercise build) every cell runs and errors stay in the
outputs of the executed notebook.

Quiet. Kernels talk over local sockets (``ipc``) where the system has them, so ipykernel does not
warn about unencrypted TCP, and cells without an ``id`` get one before execution (on a copy; the
file is not changed), so nbformat does not warn about missing ids either.

>>> nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
...                  "source": "print(6 * 7)"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
>>> execute_notebook(nb, timeout=60).cells[0].outputs[0].text
'42\\n'
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NotebookError", "NotebookTimeout", "Run", "execute_notebook", "execute_notebooks"]

KERNEL = "python3"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class NotebookError(Exception):
    """A notebook failed: the message names the notebook, the cell and the error line.

    ``notebook`` is the notebook's name, ``cell`` the failing cell counted from 1 (None when the
    notebook failed outside a cell), ``ename``/``evalue`` the error's type and message.
    """

    def __init__(self, message: str, *, notebook: str = "", cell: int | None = None, ename: str = "",
                 evalue: str = "", source: str = ""):
        super().__init__(message)
        self.notebook, self.cell, self.ename, self.evalue, self.source = notebook, cell, ename, evalue, source


class NotebookTimeout(NotebookError):
    """A notebook was stopped: a cell ran past the cell timeout, or the notebook past its deadline."""


@dataclass(frozen=True)
class Run:
    """One notebook to execute with :func:`execute_notebooks`.

    Parameters
    ----------
    notebook : str, Path or dict
        The ``.ipynb`` file, or a notebook already read.
    cwd : str or Path, optional
        The folder the kernel runs in (default: None, the notebook's folder, or the current one
        for a dict).
    parameters : dict, optional
        Values papermill injects after the cell tagged ``parameters`` (default: None, nothing is
        injected).
    name : str, optional
        The notebook's name in messages and errors (default: None, the file name, or
        ``"notebook"`` for a dict); see :attr:`label`.

    Examples
    --------
    >>> Run("notebooks/07_active_returning_at_risk.ipynb").label
    '07_active_returning_at_risk.ipynb'
    >>> Run({"cells": []}, name="blank 07").label
    'blank 07'
    """

    notebook: object
    cwd: object = None
    parameters: dict | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        """The notebook's name in messages."""
        if self.name:
            return self.name
        return Path(self.notebook).name if isinstance(self.notebook, (str, os.PathLike)) else "notebook"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:120]
    return "(empty cell)"


def _plain(text) -> str:
    lines = _ANSI.sub("", str(text or "")).strip().splitlines()
    return lines[0] if lines else ""


def _prepared(run: Run):
    """The run's notebook as an nbformat node, ids filled in and parameters injected."""
    import json

    import nbformat
    from nbformat.v4.rwbase import rejoin_lines, strip_transient
    from nbformat.validator import normalize

    if isinstance(run.notebook, (str, os.PathLike)):
        data = json.loads(Path(run.notebook).read_text(encoding="utf-8"))
    else:
        data = json.loads(json.dumps(run.notebook))
    if (data.get("nbformat"), data.get("nbformat_minor", 0)) >= (4, 5):
        taken = {cell["id"] for cell in data.get("cells", []) if "id" in cell}
        for number, cell in enumerate(data.get("cells", []), start=1):
            if "id" not in cell:
                cell["id"] = f"cell-{number}"
                while cell["id"] in taken:
                    cell["id"] += "-"
                taken.add(cell["id"])
    _, data = normalize(data)
    node = rejoin_lines(strip_transient(nbformat.from_dict(data)))
    if run.parameters is not None:
        from papermill.parameterize import parameterize_notebook

        node.metadata.setdefault("papermill", nbformat.from_dict({}))
        for cell in node.cells:  # as papermill's own loader leaves them, so it can look for the tag
            cell.metadata.setdefault("tags", [])
        node = parameterize_notebook(node, run.parameters, kernel_name=KERNEL, language="python")
    return node


def _kernel_manager(scratch: str):
    from jupyter_client.manager import AsyncKernelManager

    if os.name == "posix":
        # Unix sockets in a private folder: no TCP port, so no "running over TCP without encryption" warning.
        return AsyncKernelManager(kernel_name=KERNEL, transport="ipc", ip=os.path.join(scratch, "kernel"))
    return AsyncKernelManager(kernel_name=KERNEL)


async def _execute_once(run: Run, timeout: float, deadline: float, allow_errors: bool):
    import asyncio
    import json
    import shutil
    import tempfile

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    name = run.label
    node = _prepared(run)
    if run.cwd is not None:
        cwd = Path(run.cwd)
    elif isinstance(run.notebook, (str, os.PathLike)):
        cwd = Path(run.notebook).resolve().parent
    else:
        cwd = Path.cwd()
    started: list[int] = []
    scratch = tempfile.mkdtemp(prefix="lk-")  # short: a Unix socket path has at most ~100 characters
    km = _kernel_manager(scratch)
    client = NotebookClient(node, km=km, timeout=timeout, allow_errors=allow_errors, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(cwd)}},
                            on_cell_start=lambda cell, cell_index: started.append(cell_index))
    client.owns_km = True  # nbclient shuts the kernel down and closes its channels when it is done

    def cell_of_failure():
        index = started[-1] if started else None
        source = node.cells[index].source if index is not None else ""
        return (None if index is None else index + 1), source

    task = asyncio.ensure_future(client.async_execute())
    try:
        done, _ = await asyncio.wait({task}, timeout=deadline)
        if not done:  # the kernel is killed below, whatever the client is waiting for
            raise NotebookTimeout(f"{name}: still running after {deadline:g} s (the notebook's deadline); stopped",
                                  notebook=name, ename="NotebookTimeout", evalue=f"deadline of {deadline:g} s")
        try:
            task.result()
        except CellTimeoutError:
            cell, source = cell_of_failure()
            raise NotebookTimeout(
                f"{name}: cell {cell} (`{_first_line(source)}`) still running after {timeout:g} s (the cell timeout); stopped",
                notebook=name, cell=cell, ename="CellTimeoutError", evalue=f"timeout of {timeout:g} s", source=source,
            ) from None
        except CellExecutionError as exc:
            cell, source = cell_of_failure()
            message = f"{name}: cell {cell} (`{_first_line(source)}`) raised {exc.ename}: {_plain(exc.evalue)}".rstrip(": ")
            raise NotebookError(message, notebook=name, cell=cell, ename=exc.ename, evalue=str(exc.evalue),
                                source=source) from None
        except DeadKernelError as exc:
            cell, source = cell_of_failure()
            raise NotebookError(f"{name}: the kernel died in cell {cell} (`{_first_line(source)}`): {_plain(exc)}",
                                notebook=name, cell=cell, ename="DeadKernelError", evalue=str(exc), source=source) from None
        except (TimeoutError, RuntimeError) as exc:
            if not isinstance(exc, TimeoutError) and "didn't respond" not in str(exc):
                raise
            raise NotebookTimeout(f"{name}: the kernel did not start in time ({_plain(exc)})",
                                  notebook=name, ename=type(exc).__name__, evalue=str(exc)) from None
        # with its keys sorted, as a saved and reloaded notebook has them (widget state, outputs, pages alike)
        return nbformat.from_dict(json.loads(json.dumps(node, sort_keys=True)))
    finally:
        if not task.done():  # past the deadline, or the caller stopped (another notebook failed first)
            with contextlib.suppress(Exception):  # kill the kernel's whole process group, if it still runs
                await km.shutdown_kernel(now=True)
            task.cancel()
            await asyncio.wait({task}, timeout=10)
        if task.done() and not task.cancelled():
            task.exception()  # retrieved, so asyncio does not print it as "never retrieved" at exit
        # nbclient drops its exit hook only when its own clean-up finishes; a notebook stopped here has
        # had its kernel killed already, and the hook would fail at exit on the manager it has let go.
        atexit.unregister(client._cleanup_kernel)
        shutil.rmtree(scratch, ignore_errors=True)


async def _execute(run: Run, timeout, deadline, allow_errors, retries):
    from lifecycle_lib.errors import UsageError

    if timeout is None or timeout <= 0:
        raise UsageError("a notebook needs a cell timeout in seconds (timeout=None would let a lost reply hang it forever).")
    deadline = 5 * timeout if deadline is None else deadline
    for attempt in range(retries + 1):
        try:
            return await _execute_once(run, timeout, deadline, allow_errors)
        except NotebookTimeout as exc:
            if attempt == retries:
                raise
            print(f"retrying in a fresh kernel: {exc}", file=sys.stderr)
        except NotebookError:
            raise
        except Exception as exc:  # an unreadable notebook, a kernel that cannot start: named like a failing cell
            raise NotebookError(f"{run.label}: {type(exc).__name__}: {_plain(exc) or 'the notebook did not run'}",
                                notebook=run.label, ename=type(exc).__name__, evalue=str(exc)) from exc


def _run_sync(coro):
    """Run ``coro`` to the end, also when called from code that already runs an event loop."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def execute_notebook(notebook, *, parameters=None, cwd=None, timeout: float = 120.0, deadline: float | None = None,
                     allow_errors: bool = False, retries: int = 1, name: str | None = None):
    """Execute one notebook in a fresh kernel and return the executed notebook.

    Parameters
    ----------
    notebook : str, Path or dict
        The ``.ipynb`` file, or a notebook already read.
    parameters : dict, optional
        Values papermill injects after the cell tagged ``parameters``; None injects nothing.
    cwd : str or Path, optional
        The kernel's working folder (default: the notebook's folder; the current one for a dict).
    timeout : float
        Seconds each cell may run; required (see the module's notes on hangs).
    deadline : float, optional
        Seconds the whole notebook may run before its kernel is killed (default ``5 * timeout``).
    allow_errors : bool
        True runs every cell and keeps errors in the outputs; False raises on the first.
    retries : int
        Fresh-kernel reruns of a notebook that timed out (default 1).
    name : str, optional
        The notebook's name in messages (default: the file name).

    Returns
    -------
    nbformat.NotebookNode
        The executed notebook (a dict), with parameters injected and outputs filled in.

    Raises
    ------
    NotebookError
        A cell failed (``allow_errors=False``); the message names the notebook, cell and error.
    NotebookTimeout
        A cell or the notebook ran too long, twice.

    >>> nb = {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
    ...                  "source": "x = 1 / 0"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    >>> execute_notebook(nb, timeout=60, name="01_demo.ipynb")
    Traceback (most recent call last):
    ...
    lifecycle_lib.tools.execute.NotebookError: 01_demo.ipynb: cell 1 (`x = 1 / 0`) raised ZeroDivisionError: division by zero
    >>> execute_notebook(nb, timeout=60, allow_errors=True).cells[0].outputs[0].ename
    'ZeroDivisionError'
    """
    run = Run(notebook, cwd=cwd, parameters=parameters, name=name)
    return _run_sync(_execute(run, timeout, deadline, allow_errors, retries))


async def _execute_many(runs, workers, timeout, deadline, allow_errors, retries, return_exceptions, on_done):
    import asyncio

    limit = asyncio.Semaphore(workers)

    async def one(index: int, run: Run):
        async with limit:
            started = time.perf_counter()
            try:
                result = await _execute(run, timeout, deadline, allow_errors, retries)
            except NotebookError as exc:
                if not return_exceptions:
                    raise
                result = exc
            seconds = time.perf_counter() - started
        if on_done is not None:  # in a thread, so the other kernels' messages keep flowing meanwhile
            await asyncio.to_thread(on_done, index, result, seconds)
        return result

    tasks = [asyncio.ensure_future(one(index, run)) for index, run in enumerate(runs)]
    try:
        return await asyncio.gather(*tasks)
    finally:
        for task in tasks:  # the first error stops the rest (return_exceptions=False)
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def execute_notebooks(runs, *, workers: int | None = None, timeout: float = 120.0, deadline: float | None = None,
                      allow_errors: bool = False, retries: int = 1, return_exceptions: bool = False,
                      on_done=None) -> list:
    """Execute many notebooks, at most ``workers`` at a time, each in a fresh kernel; results in order.

    Parameters
    ----------
    runs : list of Run
        The notebooks with their working folders, parameters and names (a path or dict is taken as
        ``Run(it)``).
    workers : int, optional
        Kernels running at once (default: the number of cores).
    timeout, deadline, allow_errors, retries
        As for :func:`execute_notebook`, the same for every run.
    return_exceptions : bool
        False raises the first :class:`NotebookError`; True puts each failure in the result list
        in place of its notebook and runs the others to the end.
    on_done : callable, optional
        Called as ``on_done(index, result, seconds)`` when each run ends (a notebook or an error),
        in a worker thread while the other notebooks go on.

    Returns
    -------
    list
        The executed notebooks (or errors) in the order of ``runs``.

    >>> cells = lambda source: {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
    ...     "execution_count": None, "source": source}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    >>> done = execute_notebooks([Run(cells("print('a')")), Run(cells("b = ["), name="02_b.ipynb")],
    ...                          workers=2, timeout=60, return_exceptions=True)
    >>> done[0].cells[0].outputs[0].text, type(done[1]).__name__, done[1].cell
    ('a\\n', 'NotebookError', 1)
    """
    runs = [run if isinstance(run, Run) else Run(run) for run in runs]
    if not runs:
        return []
    workers = max(1, min(workers or os.cpu_count() or 1, len(runs)))
    return _run_sync(_execute_many(runs, workers, timeout, deadline, allow_errors, retries, return_exceptions, on_done))
