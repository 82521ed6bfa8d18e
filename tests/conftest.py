"""Shared fixtures: the repository root and small, fast course trees built from notebook specs.

A test that needs notebooks builds them with ``make_notebook`` (cells as ``("markdown"|"code", source)``
pairs, optionally with metadata) and ``course_tree`` (a README, lessons, solutions and exercises in a
temporary folder), so tool tests never depend on the real lessons being finished. The one exception
is ``real_course``: the repository's own lessons rendered once per run, for the tests that check the
course a reader actually gets.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from lifecycle_lib.tools.site.hygiene import write_notebook

ROOT = Path(__file__).resolve().parents[1]

# In CI the property tests draw the same examples every run, so a red build always reproduces;
# on a developer's machine they keep exploring new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def new_notebook(cells) -> dict:
    """A clean nbformat 4.5 notebook from ``(kind, source[, metadata])`` tuples."""
    built = []
    for number, spec in enumerate(cells):
        kind, source, *rest = spec
        cell = {"cell_type": kind, "id": f"cell-{number}", "metadata": rest[0] if rest else {}, "source": source}
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        built.append(cell)
    return {
        "cells": built,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def lesson_cells(number: str, title: str, body=(), exercise: bool = True):
    """The cells of a lesson in the course's shape around ``body`` (a list of cell specs)."""
    cells = [
        ("markdown", f"# {number} · {title}\n\n## Learning goals\n- read a small table"),
        *body,
        ("markdown", "## Summary\n- tables have rows"),
        ("markdown", "## Questionnaire\n1. What is a row?"),
    ]
    if exercise:
        slug = f"{number}_{title.lower().replace(' ', '_')}"
        cells.append(("markdown", f"Practise in [the exercise](../exercises/{slug}.ipynb)."))
    return cells


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def make_notebook(tmp_path):
    """``make_notebook(path, cells)`` writes a notebook (relative paths land in ``tmp_path``)."""

    def make(path, cells) -> Path:
        path = Path(path)
        if not path.is_absolute():
            path = tmp_path / path
        path.parent.mkdir(parents=True, exist_ok=True)
        write_notebook(new_notebook(cells), path)
        return path

    return make


@pytest.fixture
def course_tree(tmp_path, make_notebook):
    """A three-lesson course with one solution and its exercise, navigation added: the happy path."""
    from lifecycle_lib.tools.site.navigation import add_navigation

    (tmp_path / "README.md").write_text("# Course\n", encoding="utf-8")
    make_notebook("notebooks/00_start_here.ipynb", lesson_cells("00", "Start here", exercise=False))
    make_notebook(
        "notebooks/01_first_look.ipynb",
        lesson_cells("01", "First look", [("code", "total = sum(range(4))\nprint(total)")]),
    )
    make_notebook(
        "notebooks/02_second_look.ipynb",
        lesson_cells("02", "Second look", [("code", "values = [1, 2, 3]\nvalues")]),
    )
    for folder in ("solutions", "exercises"):
        for slug in ("01_first_look", "02_second_look"):
            make_notebook(f"{folder}/{slug}.ipynb", [("markdown", "# Exercise"), ("code", "variant = 0")])
    for folder in ("notebooks", "solutions", "exercises"):
        add_navigation(tmp_path / folder)
    return tmp_path


def find_chromium() -> str | None:
    """The chromium the browser tests drive: $LIFECYCLE_CHROMIUM, else Debian's, else none."""
    for candidate in (os.environ.get("LIFECYCLE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def real_course(tmp_path_factory):
    """The repository's own lessons rendered once per run: ``(site folder, lesson paths, rendered lessons)``.

    Takes whatever lessons ``notebooks/`` holds at the start of the run; a lesson that fails to
    render fails every test using this fixture with the lesson and cell named.
    """
    from lifecycle_lib.tools.site import render

    source = ROOT / "notebooks"
    paths = render.select_lessons(source)
    out = tmp_path_factory.mktemp("real-site")
    try:
        rendered = render.render_course(out, source=source)
    except render.RenderError as exc:
        pytest.fail(f"the course's own lessons do not render:\n{exc}", pytrace=False)
    return out, paths, rendered
