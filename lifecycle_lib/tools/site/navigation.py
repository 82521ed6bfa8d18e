"""Navigation cells for the course notebooks: ``< previous | contents | next >``.

Every lesson in ``notebooks/`` gets a marked markdown cell at its top and at its bottom linking the
neighbouring lessons and the contents (the README). Solution and exercise notebooks get one cell at
the top linking back to their lesson. Re-running replaces the marked cells, so the tool can run after
every edit::

    python -m lifecycle_lib.tools.site.navigation          # the course's notebooks/ and solutions/
    lifecycle notebooks nav                     # the same

Link texts are the lessons' titles, taken from each notebook's first heading.
"""

from __future__ import annotations

import re
from pathlib import Path

from lifecycle_lib._util.notebooks import cell_source, read_notebook, rewrite_notebooks
from lifecycle_lib.tools.course import LESSON_NAME, CourseDir, lesson_files

__all__ = [
    "LESSON_NAME",
    "MARKER",
    "CONTENTS",
    "notebook_title",
    "navigation_cells",
    "with_navigation",
    "is_navigation_cell",
    "add_navigation",
    "main",
]

MARKER = "<!-- navigation: written by `lifecycle notebooks nav`; edits here are replaced -->"
CONTENTS = "../README.md"
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def is_navigation_cell(cell: dict) -> str | None:
    """Return ``"top"``/``"bottom"`` for a navigation cell written by this module, else None.

    Parameters
    ----------
    cell : dict
        A notebook cell's JSON.

    Returns
    -------
    str or None
        ``"top"`` or ``"bottom"``, where the cell sits; ``"marked"`` for an older navigation
        cell recognised only by :data:`MARKER`; None for any other cell.

    Examples
    --------
    >>> is_navigation_cell({"cell_type": "markdown", "metadata": {"lifecycle": {"navigation": "top"}}, "source": ""})
    'top'
    >>> is_navigation_cell({"cell_type": "markdown", "metadata": {}, "source": "# Title"}) is None
    True
    """
    if cell.get("cell_type") != "markdown":
        return None
    place = cell.get("metadata", {}).get("lifecycle", {}).get("navigation")
    if place:
        return place
    return "marked" if cell_source(cell).startswith(MARKER) else None


def notebook_title(nb_or_path) -> str:
    """The text of the first markdown heading of a notebook (a dict or a path), ignoring navigation.

    Parameters
    ----------
    nb_or_path : dict, str or Path
        The notebook's JSON, or its ``.ipynb`` file.

    Returns
    -------
    str
        The heading's text; when there is no heading, the file name with underscores as spaces
        (``"03 reach and awareness"``), or ``"Untitled"`` for a dict.

    Examples
    --------
    >>> notebook_title({"cells": [{"cell_type": "markdown", "metadata": {}, "source": "intro\\n## 03 · Reach"}]})
    '03 · Reach'
    >>> notebook_title({"cells": []})
    'Untitled'
    """
    fallback = "Untitled"
    if not isinstance(nb_or_path, dict):
        fallback = Path(nb_or_path).stem.replace("_", " ")
        nb_or_path = read_notebook(nb_or_path)
    for cell in nb_or_path.get("cells", []):
        if cell.get("cell_type") != "markdown" or is_navigation_cell(cell):
            continue
        match = _HEADING.search(cell_source(cell))
        if match:
            return match.group(1).strip()
    return fallback


def _cell(place: str, text: str) -> dict:
    return {
        "cell_type": "markdown",
        "id": f"navigation-{place}",
        "metadata": {"lifecycle": {"navigation": place}},
        "source": f"{MARKER}\n{text}",
    }


def _link(text: str, target: str) -> str:
    text = text.replace("[", "(").replace("]", ")")
    return f"[{text}]({target})"


def navigation_cells(name: str, titles: dict[str, str], kind: str = "lesson") -> list[dict]:
    """The navigation cells for notebook ``name`` given the titles of every lesson by file name.

    Parameters
    ----------
    name : str
        The notebook's file name, e.g. ``"02_b.ipynb"`` (a solution or exercise has its lesson's name).
    titles : dict of str to str
        Every lesson's title by file name; the previous and next lessons are the neighbours of
        ``name`` in sorted order.
    kind : {"lesson", "solution", "exercise"}, default "lesson"
        ``"lesson"`` gives a top and a bottom cell linking the neighbours, the contents and the
        glossary; ``"solution"`` or ``"exercise"`` give one top cell linking back to the lesson.

    Returns
    -------
    list of dict
        The markdown cells' JSON, top first (then bottom, for a lesson).

    Examples
    --------
    >>> titles = {"01_a.ipynb": "01 A", "02_b.ipynb": "02 B", "03_c.ipynb": "03 C"}
    >>> print(navigation_cells("02_b.ipynb", titles)[0]["source"].splitlines()[1])
    [&lt; 01 A](01_a.ipynb) | [Contents](../README.md) | [03 C &gt;](03_c.ipynb)
    >>> print(navigation_cells("01_a.ipynb", titles)[1]["source"].splitlines()[1])
    [Contents](../README.md) | [02 B &gt;](02_b.ipynb)
    >>> print(navigation_cells("03_c.ipynb", titles, kind="exercise")[0]["source"].splitlines()[1])
    [&lt; Back to the lesson: 03 C](../notebooks/03_c.ipynb) | [Contents](../README.md)
    """
    contents = _link("Contents", CONTENTS)
    if kind != "lesson":
        title = titles.get(name, Path(name).stem.replace("_", " "))
        text = f"{_link('&lt; Back to the lesson: ' + title, '../notebooks/' + name)} | {contents}"
        return [_cell("top", text)]
    names = sorted(titles)
    parts = []
    if name in names:
        index = names.index(name)
        if index > 0:
            previous = names[index - 1]
            parts.append(_link(f"&lt; {titles[previous]}", previous))
        parts.append(contents)
        if index + 1 < len(names):
            following = names[index + 1]
            parts.append(_link(f"{titles[following]} &gt;", following))
    else:
        parts.append(contents)
    text = " | ".join(parts)
    return [_cell("top", text), _cell("bottom", text)]


def with_navigation(nb: dict, cells: list[dict]) -> dict:
    """Return a copy of ``nb`` whose old navigation cells are replaced by ``cells`` (top first, bottom last).

    Parameters
    ----------
    nb : dict
        The notebook's JSON; it is not changed.
    cells : list of dict
        The new navigation cells, as :func:`navigation_cells` returns them.

    Returns
    -------
    dict
        The copy, with the ``"top"`` cells before the other cells and the ``"bottom"`` ones after;
        running it again on its result changes nothing.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "# T"}], "metadata": {}}
    >>> cells = navigation_cells("01_a.ipynb", {"01_a.ipynb": "T", "02_b.ipynb": "U"})
    >>> once = with_navigation(nb, cells)
    >>> [c.get("id") for c in once["cells"]]
    ['navigation-top', None, 'navigation-bottom']
    >>> with_navigation(once, cells) == once
    True
    """
    import copy

    nb = copy.deepcopy(nb)
    body = [cell for cell in nb.get("cells", []) if not is_navigation_cell(cell)]
    top = [cell for cell in cells if cell["metadata"]["lifecycle"]["navigation"] == "top"]
    bottom = [cell for cell in cells if cell["metadata"]["lifecycle"]["navigation"] == "bottom"]
    nb["cells"] = copy.deepcopy(top) + body + copy.deepcopy(bottom)
    return nb


def _lesson_titles(lessons_folder: Path) -> dict[str, str]:
    return {path.name: notebook_title(path) for path in lesson_files(lessons_folder)}


def _kind(folder: Path) -> str:
    return {"solutions": "solution", "exercises": "exercise"}.get(folder.name, "lesson")


def add_navigation(folder=None, lessons=None, check: bool = False) -> list[Path]:
    """Write (or replace) the navigation cells of every ``NN_name.ipynb`` in ``folder``.

    Parameters
    ----------
    folder : str or Path, optional
        The notebooks to update (default: the course's ``notebooks/``, see
        :class:`~lifecycle_lib.tools.course.CourseDir`). A folder named ``solutions`` or
        ``exercises`` gets back-links to the lessons.
    lessons : str or Path, optional
        The folder of lesson notebooks whose titles the links show (default: ``folder`` for
        lessons, ``../notebooks`` beside a ``solutions`` or ``exercises`` folder).
    check : bool
        Only report.

    Returns
    -------
    list of Path
        The notebooks that changed (or, with ``check``, would change).

    >>> import tempfile, pathlib
    >>> from lifecycle_lib._util.notebooks import write_notebook
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "notebooks"
    >>> folder.mkdir()
    >>> for name in ["01_a", "02_b"]:
    ...     nb = {"cells": [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": f"# {name}"}],
    ...           "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ...     _ = write_notebook(nb, folder / f"{name}.ipynb")
    >>> [p.name for p in add_navigation(folder)]
    ['01_a.ipynb', '02_b.ipynb']
    >>> add_navigation(folder)
    []
    """
    folder = Path(folder) if folder is not None else CourseDir.default().notebooks
    kind = _kind(folder)
    lessons_folder = Path(lessons) if lessons is not None else (folder if kind == "lesson" else folder.parent / "notebooks")
    titles = _lesson_titles(lessons_folder) if lessons_folder.is_dir() else {}
    return rewrite_notebooks(
        lesson_files(folder), lambda nb, path: with_navigation(nb, navigation_cells(path.name, titles, kind=kind)),
        check=check)


def main(argv=None) -> int:
    """Command line: add or refresh the navigation cells (default folders: notebooks, solutions).

    Parameters
    ----------
    argv : list of str, optional
        The command-line arguments: folders of notebooks, and ``--check`` to only report (default:
        None, which reads ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 1 when ``--check`` found a missing or stale navigation cell, else 0.

    Examples
    --------
    >>> import tempfile
    >>> main(["--check", tempfile.mkdtemp()])
    navigation is current
    0
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m lifecycle_lib.tools.site.navigation",
        description="Write the '< previous | contents | next >' cells of the lessons and the "
        "back-links of solutions and exercises, replacing earlier ones.",
    )
    parser.add_argument("folders", nargs="*", help="folders of notebooks (default: the course's notebooks solutions)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a cell is missing or stale")
    args = parser.parse_args(argv)
    course = CourseDir.default()
    folders = args.folders or [folder for folder in (course.notebooks, course.solutions) if folder.is_dir()]
    stale = []
    for folder in folders:
        stale.extend(add_navigation(folder, check=args.check))
    verb = "navigation is stale in" if args.check else "navigation updated in"
    for path in stale:
        print(f"{verb}: {path}")
    if not stale:
        print("navigation is current")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
