"""Keep committed notebooks clean: no outputs, no execution counts, no stray metadata.

One command cleans every notebook of the course in place::

    python -m lifecycle_lib.tools.site.hygiene              # the course's notebooks/, solutions/, exercises/
    python -m lifecycle_lib.tools.site.hygiene --check      # only report; exit 1 if any notebook is dirty

Cells pinned for nbval with ``# NBVAL_CHECK_OUTPUT`` (or the tag ``nbval-check-output``) keep
their outputs and execution count, because nbval compares only what is stored.

Notebooks are read and written with :mod:`lifecycle_lib._util.notebooks` (plain JSON in exactly the
layout nbformat writes); ``read_notebook``, ``write_notebook`` and ``notebook_text`` are importable
from here too. The default folders are the course's (:class:`~lifecycle_lib.tools.course.CourseDir`),
not the working directory's.
"""

from __future__ import annotations

import json
from pathlib import Path

from lifecycle_lib._util.notebooks import cell_source, notebook_text, read_notebook, rewrite_notebooks, write_notebook
from lifecycle_lib.tools.course import CourseDir

__all__ = [
    "COURSE_FOLDERS",
    "read_notebook",
    "write_notebook",
    "notebook_text",
    "is_pinned",
    "clean_notebook",
    "clean_paths",
    "main",
]

COURSE_FOLDERS = ("notebooks", "solutions", "exercises")

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# Notebook-level metadata a committed notebook may keep; everything else (widget state, papermill
# records, editor settings) is a by-product of running it.
NOTEBOOK_METADATA_KEPT = ("kernelspec", "language_info", "lifecycle")
# Cell-level metadata written by running or viewing a notebook, never by its author.
CELL_METADATA_DROPPED = ("execution", "ExecuteTime", "papermill", "scrolled", "collapsed", "pycharm", "vscode")
PIN_MARK = "NBVAL_CHECK_OUTPUT"
PIN_TAG = "nbval-check-output"


def is_pinned(cell: dict) -> bool:
    """True for a code cell whose stored output nbval compares (``# NBVAL_CHECK_OUTPUT`` or its tag).

    Parameters
    ----------
    cell : dict
        A notebook cell's JSON.

    Returns
    -------
    bool
        True when the cell is a code cell whose source contains ``NBVAL_CHECK_OUTPUT`` or whose
        tags include ``nbval-check-output``; False otherwise (markdown and raw cells always).

    Examples
    --------
    >>> is_pinned({"cell_type": "code", "metadata": {}, "source": "# NBVAL_CHECK_OUTPUT\\nprint(1)"})
    True
    >>> is_pinned({"cell_type": "code", "metadata": {"tags": ["nbval-check-output"]}, "source": "1"})
    True
    >>> is_pinned({"cell_type": "code", "metadata": {}, "source": "print(1)"})
    False
    """
    if cell.get("cell_type") != "code":
        return False
    return PIN_MARK in cell_source(cell) or PIN_TAG in cell.get("metadata", {}).get("tags", [])


def clean_notebook(nb: dict) -> dict:
    """Return a copy of ``nb`` without outputs, execution counts or run-time metadata.

    Pinned cells (see :func:`is_pinned`) keep their outputs and execution count. The kernelspec
    becomes the plain ``python3`` kernel and ``language_info`` keeps only the language name.

    Parameters
    ----------
    nb : dict
        The notebook's JSON; it is not changed.

    Returns
    -------
    dict
        The cleaned copy.

    Examples
    --------
    >>> nb = {"cells": [
    ...     {"cell_type": "code", "execution_count": 3, "id": "a", "source": "1 + 1",
    ...      "metadata": {"execution": {"iopub.status.idle": "2024"}, "tags": ["answer"]},
    ...      "outputs": [{"output_type": "execute_result", "data": {"text/plain": "2"},
    ...                   "execution_count": 3, "metadata": {}}]}],
    ...     "metadata": {"widgets": {"state": {}}, "kernelspec": {"name": "venv"}},
    ...     "nbformat": 4, "nbformat_minor": 5}
    >>> clean = clean_notebook(nb)
    >>> clean["cells"][0]["outputs"], clean["cells"][0]["execution_count"], clean["cells"][0]["metadata"]
    ([], None, {'tags': ['answer']})
    >>> sorted(clean["metadata"]), clean["metadata"]["kernelspec"]["name"]
    (['kernelspec', 'language_info'], 'python3')
    >>> nb["cells"][0]["execution_count"]  # the input is not changed
    3
    """
    nb = json.loads(json.dumps(nb))
    metadata = {key: value for key, value in nb.get("metadata", {}).items() if key in NOTEBOOK_METADATA_KEPT}
    metadata["kernelspec"] = dict(KERNELSPEC)
    metadata["language_info"] = {"name": "python"}
    nb["metadata"] = metadata
    for cell in nb.get("cells", []):
        cell["metadata"] = {
            key: value for key, value in cell.get("metadata", {}).items() if key not in CELL_METADATA_DROPPED
        }
        if cell.get("cell_type") != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        if is_pinned(cell):
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)
            continue
        cell["outputs"] = []
        cell["execution_count"] = None
    return nb


def _notebook_paths(paths) -> list[Path]:
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(p for p in sorted(path.glob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts)
        elif path.suffix == ".ipynb" and path.exists():
            found.append(path)
    return found


def clean_paths(paths=None, check: bool = False) -> list[Path]:
    """Clean notebooks in place and return the ones that were dirty; with ``check=True`` nothing is written.

    Parameters
    ----------
    paths : list, optional
        Notebooks or folders of notebooks (default: the course's ``notebooks/``, ``solutions/`` and
        ``exercises/``, see :class:`~lifecycle_lib.tools.course.CourseDir`).
    check : bool
        Only report.

    Returns
    -------
    list of Path
        The notebooks that were (or, with ``check``, would be) changed.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> nb = {"cells": [{"cell_type": "code", "execution_count": 1, "id": "a", "metadata": {},
    ...       "outputs": [], "source": "x = 1"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    >>> _ = write_notebook(nb, folder / "01_x.ipynb")
    >>> [p.name for p in clean_paths([folder], check=True)], [p.name for p in clean_paths([folder])]
    (['01_x.ipynb'], ['01_x.ipynb'])
    >>> clean_paths([folder])
    []
    """
    if paths is None:
        paths = [folder for folder in CourseDir.default().notebook_folders if folder.is_dir()]
    return rewrite_notebooks(_notebook_paths(paths), lambda nb, path: clean_notebook(nb), check=check)


def main(argv=None) -> int:
    """Command line: clean the given notebooks or folders (default: notebooks, solutions, exercises).

    Parameters
    ----------
    argv : list of str, optional
        The command-line arguments: notebooks or folders, and ``--check`` to only report (default:
        None, which reads ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 1 when ``--check`` found a dirty notebook, else 0.

    Examples
    --------
    >>> import tempfile
    >>> main(["--check", tempfile.mkdtemp()])
    all notebooks are clean
    0
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m lifecycle_lib.tools.site.hygiene",
        description="Strip outputs, execution counts and run-time metadata from notebooks "
        "(cells pinned with NBVAL_CHECK_OUTPUT keep theirs).",
    )
    parser.add_argument("paths", nargs="*", help="notebooks or folders (default: the course's notebooks solutions exercises)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook is dirty")
    args = parser.parse_args(argv)
    dirty = clean_paths(args.paths or None, check=args.check)
    verb = "needs cleaning" if args.check else "cleaned"
    for path in dirty:
        print(f"{verb}: {path}")
    if not dirty:
        print("all notebooks are clean")
    return 1 if (args.check and dirty) else 0


if __name__ == "__main__":
    raise SystemExit(main())
