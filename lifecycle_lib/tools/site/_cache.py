"""Executed lessons for the site, each run once per version of itself, its data and its package.

:func:`executed_lessons` gives the executed copy of each lesson: from ``<folder>/NN_name-KEY.ipynb``
when that file exists, else from a fresh kernel through :mod:`lifecycle_lib.tools.execute` (several
at once), written there for the next build. ``KEY`` is :func:`lesson_key` of the lesson and of
:func:`environment_digest`: the first 16 hex digits of the SHA-256 of the lesson file's bytes, of
every file of the sample data (``datasets/``, names and bytes), of the package (its version and the
bytes of every file of ``lifecycle_lib`` except ``tools/site`` and ``cli.py``, which compute nothing
a lesson shows), and of the versions of Python and of the package's dependencies. One executed copy
is kept per lesson: a newer one replaces it.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from lifecycle_lib.tools.course import CourseDir

__all__: list[str] = []


def _digest_files(digest, root: Path, skip=()) -> None:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or "__pycache__" in path.parts or relative.startswith(tuple(skip)):
            continue
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")


def environment_digest() -> str:
    """What every lesson's key shares: the sample data, the package and the versions it runs with."""
    import importlib.metadata
    import platform

    from lifecycle_lib import __version__
    from lifecycle_lib._util.paths import PACKAGE_DIR

    digest = hashlib.sha256()
    _digest_files(digest, CourseDir.default().datasets)
    digest.update(f"lifecycle_lib {__version__}\0".encode())
    _digest_files(digest, PACKAGE_DIR, skip=("tools/site/", "cli.py"))
    digest.update(f"python {platform.python_version()}\0".encode())
    try:
        requirements = importlib.metadata.requires("lifecycle-lib") or []
    except importlib.metadata.PackageNotFoundError:
        requirements = []
    for requirement in sorted(requirements):
        if "extra ==" in requirement:
            continue
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
        try:
            digest.update(f"{name} {importlib.metadata.version(name)}\0".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name} missing\0".encode())
    return digest.hexdigest()


def lesson_key(lesson, environment: str = "") -> str:
    """The cache key of an executed lesson: 16 hex digits of a SHA-256.

    Parameters
    ----------
    lesson : str or Path
        The lesson's ``.ipynb`` file; its bytes go into the key.
    environment : str, optional
        What else the lesson's outputs depend on (:func:`environment_digest`).

    Returns
    -------
    str
        The key; it changes when the lesson's bytes or ``environment`` change.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> lesson = pathlib.Path(tempfile.mkdtemp()) / "01_a.ipynb"
    >>> _ = lesson.write_text('{"cells": []}')
    >>> key = lesson_key(lesson, "data v1")
    >>> len(key), key == lesson_key(lesson, "data v1"), key == lesson_key(lesson, "data v2")
    (16, True, False)
    """
    digest = hashlib.sha256(Path(lesson).read_bytes())
    digest.update(b"\0" + environment.encode())
    return digest.hexdigest()[:16]


def executed_lessons(paths: list[Path], folder: Path, workers, timeout: float):
    """The executed copy of each lesson, from ``folder`` or from a fresh kernel.

    Returns ``(done, failures)``: ``done`` maps each lesson's name (without ``.ipynb``) that has an
    executed copy to ``(file, seconds it ran, True when it came from the cache)``; ``failures`` has
    one message per lesson that failed, naming it and its cell.
    """
    from tqdm import tqdm

    from lifecycle_lib._util.notebooks import write_notebook
    from lifecycle_lib.tools.execute import Run, execute_notebooks

    environment = environment_digest()
    folder.mkdir(parents=True, exist_ok=True)
    done: dict[str, tuple[Path, float, bool]] = {}
    todo = []
    for path in paths:
        target = folder / f"{path.stem}-{lesson_key(path, environment)}.ipynb"
        if target.is_file():
            done[path.stem] = (target, 0.0, True)
        else:
            todo.append((path, target))
    failures: list[str] = []
    if not todo:
        return done, failures
    with tqdm(total=len(todo), desc="executing lessons", unit="lesson", file=sys.stderr) as bar:

        def finished(index, result, seconds):
            path, target = todo[index]
            if isinstance(result, Exception):
                failure = str(result) if path.name in str(result) else f"{path.name}: {type(result).__name__}: {result}"
                failures.append(failure)
                bar.write(f"failed: {failure}", file=sys.stderr)
            else:
                for old in folder.glob(f"{path.stem}-*.ipynb"):
                    old.unlink()
                write_notebook(result, target)
                done[path.stem] = (target, seconds, False)
            bar.update()

        execute_notebooks([Run(path) for path, _ in todo], workers=workers, timeout=timeout,
                          return_exceptions=True, on_done=finished)
    return done, sorted(failures)
