"""Confined, time-limited, pre-started Python processes that run notebook code for the grader.

Each job runs in its own process of :mod:`lifecycle_lib.tools.grade._harness`. On Linux with
Debian's ``bubblewrap`` the process sees, read-only, only the system folders, the Python
installation, this package and its sample data, plus a private empty ``/tmp`` (``/var/tmp``
links to it) and ``/dev/shm``, both size-capped; everything else is read-only. No home folder,
no other checkout of the course, none of the folders the grader hides (solutions, roster,
gradebook, other submissions). It has no network, its own process and user namespaces (it runs as ``nobody``)
and dies with the grader. bubblewrap itself starts with an empty environment (inside, it
is process 1, whose ``/proc/1/environ`` anyone there can read), and while a job runs a
watchdog (:mod:`~lifecycle_lib.tools.grade._watchdog`) caps the memory and the number of all
its processes together. Without bubblewrap it runs unconfined but still time-, memory- and
output-limited (see :func:`bwrap_path` and the ``sandbox`` argument of
:func:`lifecycle_lib.tools.grade.grading.grade`).

Processes are started ahead of need (:class:`WarmPool`) so the cost of importing pandas and
IPython overlaps with other submissions' work.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle_lib._util.paths import PACKAGE_DIR, REPO_ROOT
from lifecycle_lib.tools.grade._watchdog import tree_usage

__all__ = ["bwrap_path", "Confinement", "JobResult", "HarnessProcess", "WarmPool", "START_TIMEOUT"]

HARNESS = Path(__file__).with_name("_harness.py")
#: Seconds a process may take to get ready, counted from when a job takes it (never from when it was started).
START_TIMEOUT = 120.0
_WATCH_EVERY = 0.2  # seconds between two looks at a run's process tree
_LINE_CAP = 16 * 1024 * 1024  # a longer result line is dropped unread (its JSON would cost many times its size)
_BWRAP_WORKS: dict[str, bool] = {}


def bwrap_path() -> str | None:
    """The ``bwrap`` executable if it is installed and can create a sandbox here, else ``None``.

    Containers without user namespaces have the program but cannot use it; that counts as
    unavailable.

    >>> bwrap_path() is None or bwrap_path().endswith("bwrap")
    True
    """
    path = shutil.which("bwrap")
    if path is None or sys.platform != "linux":
        return None
    if path not in _BWRAP_WORKS:
        system = [arg for folder in _SYSTEM_FOLDERS if os.path.lexists(folder) for arg in _bind(folder)]
        probe = [path, *system, *_BASE_BWRAP, "--", "/bin/true"]
        try:
            done = subprocess.run(probe, capture_output=True, timeout=20)
            _BWRAP_WORKS[path] = done.returncode == 0
        except (OSError, subprocess.SubprocessError):
            _BWRAP_WORKS[path] = False
    return path if _BWRAP_WORKS[path] else None


# Only these system folders are shown (read-only); everything else must be asked for by name.
_SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")

# Of /etc, only what the interpreter and its libraries read: never shadow, gshadow, ssh keys or the
# like (inside the sandbox the grader's root owns them, so file modes alone would not keep them out).
_ETC_ALLOWED = ("passwd", "group", "hosts", "nsswitch.conf", "host.conf", "ld.so.cache", "ld.so.conf",
                "ld.so.conf.d", "localtime", "timezone", "alternatives", "fonts", "ssl", "mime.types",
                "matplotlibrc", "os-release", "debian_version")

_BASE_BWRAP = [
    "--dev", "/dev",
    "--proc", "/proc",
    "--unshare-all",  # network, pid, ipc, uts, cgroup
    "--unshare-user", "--uid", "65534", "--gid", "65534",
    "--disable-userns",
    "--die-with-parent",
    "--new-session",
]


def _bind(folder: str) -> list[str]:
    """Show a system folder read-only; a symbolic link (``/bin`` -> ``usr/bin``) stays a link."""
    if os.path.islink(folder):
        return ["--symlink", os.readlink(folder), folder]
    return ["--ro-bind", folder, folder]


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


@dataclass
class Confinement:
    """What a harness process may see and use.

    ``hide`` lists files and folders the process must not read: a folder is replaced by an
    empty read-only one, unless it holds the Python installation or this package (then only
    the files in ``hide_files`` are blanked). ``memory_mb`` caps the address space of each
    process and the memory of all a run's processes together, ``processes`` their number;
    ``tmp_mb`` caps the private ``/tmp`` (``/var/tmp`` is a link to it) and ``shm_mb``
    ``/dev/shm``; everything else is read-only. ``bwrap`` is the sandbox program or ``None`` (unconfined).

    >>> c = Confinement(hide=[], bwrap=None)
    >>> c.command("7")[-2:]  # the result descriptor, then the process cap (none when unconfined)
    ['7', '0']

    """

    hide: list = field(default_factory=list)
    memory_mb: int = 2048
    tmp_mb: int = 256
    shm_mb: int = 64
    processes: int = 64
    bwrap: str | None = None
    preload: tuple = ("numpy", "pandas")

    def _protected(self) -> list[Path]:
        keep = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), PACKAGE_DIR,
                Path(sys.executable).resolve().parent}
        return sorted(keep)

    def _visible(self) -> list[Path]:
        """The folders shown to the process besides the system ones: Python, this package, its data.

        Outermost first, without folders already inside another (an allowlist: a home folder or
        another checkout of the course with its solutions is simply not there).
        """
        needed = sorted({p for p in [*self._protected(), REPO_ROOT / "datasets"] if p.exists()})
        shown: list[Path] = []
        for path in needed:
            if not any(_inside(path, s) for s in shown) and not any(_inside(path, Path(f)) for f in _SYSTEM_FOLDERS):
                shown.append(path)
        return shown

    def _hide_args(self, blank: Path) -> list[str]:
        protected = self._protected()
        shown = [Path(f) for f in _SYSTEM_FOLDERS] + self._visible()
        items = sorted({Path(p).resolve() for p in self.hide})
        # Only what lies inside a shown folder needs hiding; everything else is not there at all.
        items = [p for p in items if p.exists() and any(_inside(p, v) for v in shown)]
        folders = [p for p in items if p.is_dir() and not any(_inside(k, p) for k in protected)]
        args: list[str] = []
        hidden: list[Path] = []
        for folder in folders:  # sorted: a parent comes before its children, which it already hides
            if not any(_inside(folder, h) for h in hidden):
                hidden.append(folder)
                args += ["--tmpfs", str(folder), "--remount-ro", str(folder)]
        for item in items:
            if item.is_file() and not any(_inside(item, h) for h in hidden):
                args += ["--ro-bind", str(blank), str(item)]
        return args

    def command(self, result_fd: str) -> list[str]:
        """The argument list that starts one harness process writing its results to ``result_fd``."""
        nproc = str(self.processes) if self.bwrap is not None else "0"  # unconfined, it would count the grader's own
        python = [sys.executable, "-I", str(HARNESS), ",".join(self.preload), str(self.memory_mb), result_fd, nproc]
        if self.bwrap is None:
            return python
        blank = _blank_file()
        return [
            self.bwrap,
            *[arg for folder in _SYSTEM_FOLDERS if os.path.lexists(folder) for arg in _bind(folder)],
            "--dir", "/etc",
            *[arg for name in _ETC_ALLOWED if os.path.lexists(f"/etc/{name}") for arg in _bind(f"/etc/{name}")],
            *_BASE_BWRAP,
            "--size", str(self.tmp_mb * 1024 * 1024), "--tmpfs", "/tmp",
            *[arg for path in self._visible() for arg in ("--ro-bind", str(path), str(path))],
            *self._hide_args(blank),
            # Every writable place has a cap: /tmp (and /var/tmp, a link to it), /dev/shm; the rest is read-only.
            "--size", str(self.shm_mb * 1024 * 1024), "--tmpfs", "/dev/shm",
            "--dir", "/var", "--symlink", "/tmp", "/var/tmp",
            "--remount-ro", "/dev", "--remount-ro", "/",
            "--chdir", "/tmp",
            "--clearenv", *_env_args(bwrap=True),
            "--", *python,
        ]


def _env_args(bwrap: bool) -> list[str]:
    env = _child_env()
    args: list[str] = []
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args


def _child_env() -> dict[str, str]:
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "IPYTHONDIR": "/tmp/.ipython",
        "MPLCONFIGDIR": "/tmp/.matplotlib",
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "LANG": "C.UTF-8",
        "LIFECYCLE_GRADING": "1",
    }


_BLANK: list[str] = []
_BLANK_LOCK = threading.Lock()


def _blank_file() -> Path:
    """An empty read-only file, bound over every hidden file (one per grading process)."""
    with _BLANK_LOCK:
        if not _BLANK or not Path(_BLANK[0]).exists():
            fd, name = tempfile.mkstemp(prefix="lifecycle-hidden-")
            os.close(fd)
            os.chmod(name, 0o444)
            _BLANK[:] = [name]
        return Path(_BLANK[0])


@dataclass
class JobResult:
    """What came back from one run: the harness's messages and how the run ended.

    ``ending`` is one of ``done``, ``timeout`` (the notebook or a cell ran too long),
    ``died`` (the process ended before finishing: ``os._exit``, a crash, memory),
    ``too_much`` (the answers' channel exceeded its cap), ``memory`` (its processes together
    held more than the cap), ``processes`` (it started more processes than allowed) or
    ``failed_to_start``. ``peak_mb`` is the most memory its processes held together when looked at.
    """

    messages: list = field(default_factory=list)
    ending: str = "done"
    cell: int | None = None
    exit_code: int | None = None
    output: str = ""
    output_bytes: int = 0
    seconds: float = 0.0
    peak_mb: int = 0
    steps: list = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"JobResult(ending={self.ending!r}, cell={self.cell}, messages={len(self.messages)}, "
                f"output_bytes={self.output_bytes})")


class HarnessProcess:
    """One started (warming) harness process, used for exactly one job."""

    def __init__(self, confinement: Confinement):
        read_fd, write_fd = os.pipe()
        self._results = read_fd
        self.started = time.monotonic()
        self.confinement = confinement
        cmd = confinement.command(str(write_fd))
        # bwrap itself gets an empty environment: inside the sandbox it is process 1, and its
        # /proc/1/environ would show the grader's (the child's own comes from --setenv).
        env = {} if confinement.bwrap else _child_env()
        self._workdir = None
        cwd = None
        if confinement.bwrap is None:
            self._workdir = tempfile.mkdtemp(prefix="lifecycle-run-")
            cwd = self._workdir
            env = {**env, "HOME": self._workdir, "TMPDIR": self._workdir,
                   "IPYTHONDIR": os.path.join(self._workdir, ".ipython"),
                   "MPLCONFIGDIR": os.path.join(self._workdir, ".matplotlib")}
        try:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=(write_fd,), start_new_session=True, cwd=cwd, env=env,
            )
        finally:
            os.close(write_fd)

    def kill(self) -> None:
        """End the process and everything it started."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass

    def _over_caps(self, result: JobResult, memory_cap: int) -> str | None:
        """``"processes"`` or ``"memory"`` when the run's whole process tree is over a cap, else None."""
        caps = self.confinement
        extra = 2 if caps.bwrap else 0  # the sandbox's own two bwrap processes
        usage = tree_usage(self.proc.pid, limit=caps.processes + extra + 8, cap=memory_cap or None)
        result.peak_mb = max(result.peak_mb, usage.memory // 2**20)
        if usage.processes > caps.processes + extra:
            return "processes"
        if memory_cap and usage.memory > memory_cap:
            return "memory"
        return None

    def run(self, job: dict, timeout: float, cell_timeout: float | None = None,
            output_cap: int = 20_000, results_cap: int = 64 * 1024 * 1024,
            start_timeout: float | None = None) -> JobResult:
        """Wait until warm, send ``job``, collect messages until done, death or a limit.

        ``start_timeout`` (default :data:`START_TIMEOUT`) counts from this call, so a process
        that waited in the pool is never failed for having waited; ``timeout`` counts from the
        first cell. While the job runs, the process tree is watched: above the confinement's
        memory or process cap it is ended (``memory``, ``processes``).
        """
        result = JobResult()
        cell_timeout = cell_timeout or timeout
        sel = selectors.DefaultSelector()
        out = self.proc.stdout
        os.set_blocking(out.fileno(), False)
        os.set_blocking(self._results, False)
        sel.register(out, selectors.EVENT_READ, "out")
        sel.register(self._results, selectors.EVENT_READ, "res")
        pending = b""
        kept = bytearray()
        received = 0
        ready = False
        open_streams = 2
        deadline = time.monotonic() + (START_TIMEOUT if start_timeout is None else start_timeout)
        cell_deadline = deadline
        t0 = None
        first_cell = False
        memory_cap = self.confinement.memory_mb * 1024 * 1024
        next_look = 0.0
        try:
            while open_streams:
                now = time.monotonic()
                limit = min(deadline, cell_deadline)
                if now >= limit:
                    result.ending = "timeout" if ready else "failed_to_start"
                    break
                if ready and now >= next_look:
                    next_look = now + _WATCH_EVERY
                    ending = self._over_caps(result, memory_cap)
                    if ending:
                        result.ending = ending
                        break
                for key, _ in sel.select(timeout=min(limit - now, _WATCH_EVERY)):
                    fd = key.fd
                    try:
                        chunk = os.read(fd, 65536)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        sel.unregister(key.fileobj)
                        open_streams -= 1
                        continue
                    if key.data == "out":
                        result.output_bytes += len(chunk)
                        if len(kept) < output_cap:
                            kept += chunk[: output_cap - len(kept)]
                        continue
                    received += len(chunk)
                    if received > results_cap:
                        result.ending = "too_much"
                        open_streams = 0
                        break
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        message = _parse(line) if len(line) <= _LINE_CAP else None
                        if message is None:
                            continue
                        if not ready:
                            if message.get("ready") is True:
                                ready = True
                                t0 = time.monotonic()
                                deadline = t0 + timeout
                                cell_deadline = deadline
                                self.proc.stdin.write((json.dumps(job) + "\n").encode())
                                self.proc.stdin.flush()
                                self.proc.stdin.close()
                            continue
                        result.messages.append(message)
                        if isinstance(message.get("cell"), int) and "snap" not in message:
                            result.cell = message["cell"]
                            if not first_cell:  # the notebook's own time starts with its first cell
                                first_cell = True
                                t0 = time.monotonic()
                                deadline = t0 + timeout
                            cell_deadline = min(time.monotonic() + cell_timeout, deadline)
                if result.ending != "done":
                    break
            else:
                if not ready:
                    result.ending = "failed_to_start"
                elif not any(m.get("done") is True for m in result.messages):
                    result.ending = "died"
        except (BrokenPipeError, OSError):
            result.ending = "died" if ready else "failed_to_start"
        finally:
            sel.close()
            self.kill()
            try:
                result.exit_code = self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                result.exit_code = None
            for stream in (self.proc.stdout, self.proc.stdin):
                try:
                    stream.close()
                except (OSError, ValueError):
                    pass
            os.close(self._results)
            if self._workdir:
                shutil.rmtree(self._workdir, ignore_errors=True)
        result.output = kept.decode("utf-8", errors="replace")
        result.seconds = time.monotonic() - t0 if t0 else 0.0
        return result


def _parse(line: bytes):
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return message if isinstance(message, dict) else None


class WarmPool:
    """Keeps up to ``spare`` harness processes started ahead of the jobs that will need them.

    ``take()`` hands one out (starting one if none is waiting) and starts a replacement while
    jobs remain; ``close()`` ends the ones never used.
    """

    def __init__(self, confinement: Confinement, spare: int, jobs: int):
        self._confinement = confinement
        self._lock = threading.Lock()
        self._waiting: list[HarnessProcess] = []
        self._remaining = jobs
        self._spare = max(spare, 0)
        with self._lock:
            self._fill()

    def _fill(self) -> None:
        while len(self._waiting) < min(self._spare, self._remaining):
            self._waiting.append(HarnessProcess(self._confinement))

    def take(self) -> HarnessProcess:
        with self._lock:
            self._remaining -= 1
            process = self._waiting.pop(0) if self._waiting else HarnessProcess(self._confinement)
            self._fill()
            return process

    def close(self) -> None:
        with self._lock:
            for process in self._waiting:
                process.kill()
                try:
                    process.proc.wait(timeout=5)
                    process.proc.stdout.close()
                    process.proc.stdin.close()
                    os.close(process._results)
                except (OSError, ValueError, subprocess.TimeoutExpired):
                    pass
            self._waiting.clear()
