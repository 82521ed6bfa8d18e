"""What a graded run's whole process tree uses, read from ``/proc``, and which limits this machine enforces.

The memory cap of a submission is for all its processes together: a notebook that forks four
children holds four times what one process may. :func:`tree_usage` adds up the proportional
resident memory (PSS, so pages that forked children share are counted once) of every process
descended from the run's first process, and counts them; the grader polls it while a job
runs and ends the whole tree above the caps (see
:meth:`lifecycle_lib.tools.grade._sandbox.HarnessProcess.run`).
"""

from __future__ import annotations

import os

__all__ = ["TreeUsage", "tree_usage", "enforced_limits"]

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class TreeUsage:
    """Processes and memory (bytes) of a process tree at one moment.

    >>> TreeUsage(3, 5 * 2**20)
    TreeUsage(processes=3, memory_mb=5)
    """

    __slots__ = ("processes", "memory")

    def __init__(self, processes: int, memory: int):
        self.processes = processes
        self.memory = memory

    def __repr__(self) -> str:
        return f"TreeUsage(processes={self.processes}, memory_mb={self.memory // 2**20})"


def _read(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(65536).decode("ascii", "replace")
    except OSError:
        return ""


def _parent(pid: str) -> int:
    stat = _read(f"/proc/{pid}/stat")
    fields = stat[stat.rfind(")") + 1:].split()
    return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0


def _children_map() -> dict[int, list[int]]:
    """Every process's children, from each one's parent in ``/proc/PID/stat`` (works on any kernel)."""
    children: dict[int, list[int]] = {}
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return children
    for pid in pids:
        children.setdefault(_parent(pid), []).append(int(pid))
    return children


def _resident(pid: int) -> int:
    statm = _read(f"/proc/{pid}/statm").split()
    return int(statm[1]) * _PAGE if len(statm) > 1 and statm[1].isdigit() else 0


def _proportional(pid: int) -> int:
    rollup = _read(f"/proc/{pid}/smaps_rollup")
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                return int(parts[1]) * 1024
    return _resident(pid)


def tree_usage(root: int, limit: int = 100_000, cap: int | None = None) -> TreeUsage:
    """Count the processes descended from ``root`` (itself included) and add up their memory.

    Resident memory is added up first (cheap); only when it is above ``cap`` is the
    proportional memory (PSS, slower to read) added up instead, so that pages forked
    children share count once.

    Parameters
    ----------
    root : int
        The process id of the run's first process.
    limit : int, default 100000
        Stop walking after this many processes (the count is then at least ``limit``).
    cap : int, optional
        Bytes above which the proportional memory is read; without it, it always is.

    Returns
    -------
    TreeUsage
        ``processes`` and ``memory`` (bytes of proportional resident memory); zero for a
        process that has ended or where ``/proc`` cannot be read.

    Examples
    --------
    >>> usage = tree_usage(os.getpid())
    >>> usage.processes >= 1 or not os.path.isdir("/proc")
    True
    """
    children = _children_map()
    seen: set[int] = set()
    todo = [root]
    memory = 0
    while todo and len(seen) < limit:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        used = _resident(pid)
        if not used and not os.path.exists(f"/proc/{pid}"):
            seen.discard(pid)
            continue
        memory += used
        todo += children.get(pid, [])
    if cap is None or memory > cap:
        memory = sum(_proportional(pid) for pid in seen)
    return TreeUsage(len(seen), memory)


def enforced_limits(memory_mb: int, processes: int, bwrap: str | None) -> str:
    """One line saying which per-submission limits the grader can enforce on this machine.

    Parameters
    ----------
    memory_mb : int
        The memory cap of a submission (all its processes together).
    processes : int
        The cap on a submission's process count.
    bwrap : str or None
        The sandbox program, or ``None`` for unconfined runs.

    Returns
    -------
    str
        For example ``"grading limits: no cgroup v2 here; ..."``.

    Examples
    --------
    >>> enforced_limits(2048, 64, None).startswith("grading limits:")
    True
    """
    cgroup = "/sys/fs/cgroup/cgroup.controllers"
    usable = os.path.exists(cgroup) and os.access(os.path.dirname(cgroup), os.W_OK)
    parts = ["cgroup v2 available but not used" if usable else "no usable cgroup v2 here"]
    if bwrap is None:
        parts.append("UNCONFINED (no bubblewrap)")
    nproc = "RLIMIT_NPROC and a watchdog" if bwrap and os.geteuid() != 0 else "a watchdog (RLIMIT_NPROC has no effect as root)"
    parts.append(f"at most {processes} processes per submission by {nproc}")
    parts.append(f"{memory_mb} MB per submission by a watchdog summing its process tree's memory, "
                 f"plus {memory_mb} MB of address space per process")
    return "grading limits: " + "; ".join(parts) + "."
