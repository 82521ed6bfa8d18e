"""The course folder and its parts: where the tools find lessons, solutions, exercises and data.

Every course tool takes its folders from a :class:`CourseDir`. :meth:`CourseDir.default` is the
course the installed package came with (a checkout or an editable install), whatever the
working directory; ``CourseDir(path)`` is another course laid out the same way::

    course/
        notebooks/    NN_name.ipynb lessons
        solutions/    NN_name.ipynb exercise sources
        exercises/    generated student versions, with .keys/ for the self-check
        datasets/     the sample data

Lesson, solution and exercise files share one name pattern, :data:`LESSON_NAME`.

>>> CourseDir("/srv/course").solutions.as_posix()
'/srv/course/solutions'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lifecycle_lib._util.notebooks import LESSON_NAME

__all__ = ["LESSON_NAME", "CourseDir", "lesson_files"]


def lesson_files(folder) -> list[Path]:
    """The ``NN_name.ipynb`` notebooks of ``folder``, in course order (none for a missing folder).

    Parameters
    ----------
    folder : str or Path
        A folder of lessons, solutions or exercises.

    Returns
    -------
    list of Path
        The matching files sorted by name; other notebooks (``Untitled.ipynb``) are left out.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["03_reach.ipynb", "00_start.ipynb", "notes.ipynb", "01_a.md"]:
    ...     _ = (folder / name).write_text("{}")
    >>> [p.name for p in lesson_files(folder)]
    ['00_start.ipynb', '03_reach.ipynb']
    >>> lesson_files(folder / "missing")
    []
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.glob("*.ipynb") if LESSON_NAME.match(path.name))


@dataclass(frozen=True)
class CourseDir:
    """A course folder: ``root`` and the folders the tools read and write under it.

    Parameters
    ----------
    root : str or Path
        The course folder (the one holding ``notebooks/``).

    Examples
    --------
    >>> course = CourseDir("/srv/course")
    >>> course.root.as_posix(), course.notebooks.name, course.keys.as_posix()
    ('/srv/course', 'notebooks', '/srv/course/exercises/.keys')
    >>> (CourseDir.default().notebooks / "00_start_here.ipynb").is_file()
    True
    """

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @classmethod
    def default(cls) -> CourseDir:
        """The course the installed package belongs to (not the working directory).

        Returns
        -------
        CourseDir
            The folder above the ``lifecycle_lib`` package.

        >>> CourseDir.default().root == CourseDir.default().notebooks.parent
        True
        """
        from lifecycle_lib._util.paths import REPO_ROOT

        return cls(REPO_ROOT)

    @property
    def notebooks(self) -> Path:
        """The lessons, ``root/notebooks``."""
        return self.root / "notebooks"

    @property
    def solutions(self) -> Path:
        """The exercise sources authors edit, ``root/solutions``."""
        return self.root / "solutions"

    @property
    def exercises(self) -> Path:
        """The generated student notebooks, ``root/exercises``."""
        return self.root / "exercises"

    @property
    def keys(self) -> Path:
        """The self-check keys of the exercises, ``root/exercises/.keys``."""
        return self.exercises / ".keys"

    @property
    def datasets(self) -> Path:
        """The sample data, ``root/datasets``."""
        return self.root / "datasets"

    @property
    def notebook_folders(self) -> tuple[Path, Path, Path]:
        """The folders of committed notebooks: lessons, solutions, exercises."""
        return (self.notebooks, self.solutions, self.exercises)
