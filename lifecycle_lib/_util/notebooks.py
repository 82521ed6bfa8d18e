"""Notebook files in the repository's format, read and written as plain JSON.

The layout is exactly the one nbformat writes (one-space indent, sorted keys, text split into
lines), so a notebook written here and one saved by Jupyter give the same bytes; nbformat itself
is not imported, which costs seconds. Lesson, solution and exercise files share one name pattern,
:data:`LESSON_NAME` (``NN_lowercase_words.ipynb``).

>>> bool(LESSON_NAME.match("07_active_returning_at_risk.ipynb")), bool(LESSON_NAME.match("Untitled.ipynb"))
(True, False)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from lifecycle_lib._util.files import write_text_atomic

__all__ = ["LESSON_NAME", "cell_source", "read_notebook", "notebook_text", "write_notebook", "rewrite_notebooks"]

#: A lesson, solution or exercise file name: two digits (the lesson number), an underscore, lowercase words.
LESSON_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")


def _join(value):
    return "".join(value) if isinstance(value, list) else value


def cell_source(cell: dict) -> str:
    """A cell's source as one string, whether it is stored as a string or as a list of lines.

    Parameters
    ----------
    cell : dict
        A notebook cell.

    Returns
    -------
    str
        The source text ("" when the cell has none).

    Anything else a file may hold there (a number, items that are not text) reads as no text, so a
    submitted notebook cannot make a reader fail.

    >>> cell_source({"source": ["x = 1\\n", "y = 2"]}), cell_source({"source": "z"}), cell_source({})
    ('x = 1\\ny = 2', 'z', '')
    >>> cell_source({"source": 7}), cell_source({"source": ["a", 3, "b"]})
    ('', 'ab')
    """
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or mime.endswith("+json")


def _rejoin(nb: dict) -> dict:
    for cell in nb.get("cells", []):
        cell["source"] = _join(cell.get("source", ""))
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = _join(output["text"])
            for mime, value in output.get("data", {}).items():
                if not _is_json_mime(mime):
                    output["data"][mime] = _join(value)
    return nb


def _split(nb: dict) -> dict:
    nb = json.loads(json.dumps(nb))
    for cell in nb.get("cells", []):
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(True)
        for output in cell.get("outputs", []):
            if isinstance(output.get("text"), str):
                output["text"] = output["text"].splitlines(True)
            for mime, value in output.get("data", {}).items():
                if not _is_json_mime(mime) and isinstance(value, str):
                    output["data"][mime] = value.splitlines(True)
    return nb


def read_notebook(path) -> dict:
    """Read a notebook as a dict whose sources and text outputs are plain strings.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file.

    Returns
    -------
    dict
        The notebook, sources joined into one string per cell.

    >>> import json, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> cell = {"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["# Title\\n", "text"]}
    >>> nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    >>> _ = (folder / "01_x.ipynb").write_text(json.dumps(nb))
    >>> read_notebook(folder / "01_x.ipynb")["cells"][0]["source"]
    '# Title\\ntext'
    """
    return _rejoin(json.loads(Path(path).read_text(encoding="utf-8")))


def notebook_text(nb: dict) -> str:
    """The file content nbformat would write for ``nb`` (sorted keys, one-space indent, split lines).

    Parameters
    ----------
    nb : dict
        A notebook; sources may be strings or lists of lines.

    Returns
    -------
    str
        The JSON text, ending in a newline.

    >>> notebook_text({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).splitlines()[1]
    ' "cells": [],'
    """
    return json.dumps(_split(nb), indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False) + "\n"


def write_notebook(nb: dict, path) -> bool:
    """Write ``nb`` to ``path`` atomically; return True when the file changed (an unchanged file is not touched).

    Parameters
    ----------
    nb : dict
        The notebook to write.
    path : str or Path
        The ``.ipynb`` file; its folder must exist.

    Returns
    -------
    bool
        Whether the file's content changed.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "01_x.ipynb"
    >>> nb = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    >>> write_notebook(nb, path), write_notebook(nb, path)
    (True, False)
    """
    path = Path(path)
    text = notebook_text(nb)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    write_text_atomic(path, text)
    return True


def rewrite_notebooks(paths, transform, *, check: bool = False) -> list[Path]:
    """Apply ``transform`` to each notebook and write back the ones whose file would change.

    The one loop behind ``lifecycle notebooks clean`` and ``lifecycle notebooks nav``: each file is
    read once, transformed, and compared with its own text, so a notebook already in the right state
    (and in the repository's format) is not touched.

    Parameters
    ----------
    paths : iterable of str or Path
        The notebook files.
    transform : callable
        Takes a notebook (as :func:`read_notebook` returns it) and its path; returns the notebook to write.
    check : bool
        Only report: write nothing.

    Returns
    -------
    list of Path
        The notebooks that changed (or, with ``check``, would change), in the order given.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "01_x.ipynb"
    >>> _ = write_notebook({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, path)
    >>> tag = lambda nb, path: {**nb, "metadata": {"seen": True}}
    >>> [p.name for p in rewrite_notebooks([path], tag, check=True)], read_notebook(path)["metadata"]
    (['01_x.ipynb'], {})
    >>> [p.name for p in rewrite_notebooks([path], tag)], rewrite_notebooks([path], tag)
    (['01_x.ipynb'], [])
    """
    changed = []
    for path in map(Path, paths):
        text = path.read_text(encoding="utf-8")
        new = notebook_text(transform(_rejoin(json.loads(text)), path))
        if new != text:
            changed.append(path)
            if not check:
                write_text_atomic(path, new)
    return changed
