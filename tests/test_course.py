"""The course folder: one CourseDir for every tool's paths, one lesson-file pattern, the repository
(not the working directory) as the default."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import ROOT, new_notebook

from lifecycle_lib._util import notebooks
from lifecycle_lib._util.paths import REPO_ROOT
from lifecycle_lib.tools import course
from lifecycle_lib.tools.course import LESSON_NAME, CourseDir, lesson_files
from lifecycle_lib.tools.site import hygiene, navigation, render


def test_the_default_course_is_the_repository_of_the_package():
    default = CourseDir.default()
    assert default.root == REPO_ROOT == ROOT
    assert (default.notebooks, default.solutions, default.exercises, default.datasets, default.keys) == (
        ROOT / "notebooks", ROOT / "solutions", ROOT / "exercises", ROOT / "datasets", ROOT / "exercises" / ".keys")
    assert all(folder.is_dir() for folder in default.notebook_folders)


def test_another_folder_is_a_course_too_and_a_course_cannot_change(tmp_path):
    other = CourseDir(str(tmp_path))
    assert other.root == tmp_path and other.notebooks == tmp_path / "notebooks"
    assert other == CourseDir(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        other.root = Path("/elsewhere")


@pytest.mark.parametrize(("name", "matches"), [
    ("07_active_returning_at_risk.ipynb", True), ("00_start_here.ipynb", True), ("7_at_risk.ipynb", False),
    ("07 at risk.ipynb", False), ("07_At_Risk.ipynb", False), ("Untitled.ipynb", False), ("07_at_risk.md", False),
])
def test_one_lesson_file_pattern(name, matches):
    assert bool(LESSON_NAME.match(name)) is matches


def test_the_tools_share_the_pattern():
    assert navigation.LESSON_NAME is course.LESSON_NAME is notebooks.LESSON_NAME


def test_lesson_files_are_sorted_and_filtered(tmp_path):
    for name in ["10_late.ipynb", "02_early.ipynb", "Untitled.ipynb", "02_early.md"]:
        (tmp_path / name).write_text("{}", encoding="utf-8")
    assert [p.name for p in lesson_files(tmp_path)] == ["02_early.ipynb", "10_late.ipynb"]


def _dirty_course(root: Path) -> Path:
    """A course in ``root`` whose one lesson has an output and no navigation."""
    nb = new_notebook([("markdown", "# 01 · Elsewhere"), ("code", "1 + 1")])
    nb["cells"][1]["execution_count"] = 3
    (root / "notebooks").mkdir(parents=True)
    path = root / "notebooks" / "01_elsewhere.ipynb"
    notebooks.write_notebook(nb, path)
    return path


def test_the_tools_default_to_the_repository_not_the_working_directory(tmp_path, monkeypatch):
    lesson = _dirty_course(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert lesson not in [path.resolve() for path in hygiene.clean_paths(check=True)]
    assert all(path.is_relative_to(ROOT) for path in navigation.add_navigation(check=True))
    assert render.select_lessons() == lesson_files(ROOT / "notebooks")
    assert (ROOT / "notebooks" / "00_start_here.ipynb") in render.select_lessons(lessons=["0"])


def test_a_folder_given_explicitly_is_used(tmp_path):
    lesson = _dirty_course(tmp_path)
    assert hygiene.clean_paths([tmp_path / "notebooks"], check=True) == [lesson]
    assert navigation.add_navigation(tmp_path / "notebooks", check=True) == [lesson]
    assert render.select_lessons(tmp_path / "notebooks") == [lesson]


def test_notebooks_are_written_in_nbformats_layout_and_atomically(tmp_path):
    import nbformat

    path = tmp_path / "01_x.ipynb"
    nb = new_notebook([("markdown", "# Title\n\ntext"), ("code", "x = 1\nprint(x)")])
    assert notebooks.write_notebook(nb, path) is True
    assert nbformat.writes(nbformat.read(path, as_version=4)) + "\n" == path.read_text(encoding="utf-8")
    assert notebooks.read_notebook(path) == nb
    assert notebooks.write_notebook(nb, path) is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_x.ipynb"]  # no temporary file left
    (tmp_path / "plain.txt").write_text("x", encoding="utf-8")
    assert path.stat().st_mode == (tmp_path / "plain.txt").stat().st_mode  # a new file's usual mode, not mkstemp's 0600


def test_hygiene_and_navigation_read_and_write_through_the_shared_module():
    assert hygiene.read_notebook is notebooks.read_notebook and hygiene.write_notebook is notebooks.write_notebook
    assert navigation.read_notebook is notebooks.read_notebook
