"""Where the package and the course folder it came with live on disk.

The course folder (``notebooks/``, ``solutions/``, ``exercises/``, ``datasets/``) is the parent of
the package folder in a checkout or an editable install. :mod:`lifecycle_lib.tools.course` builds
its :class:`~lifecycle_lib.tools.course.CourseDir` on this; the data layer finds ``datasets/`` here.

>>> (PACKAGE_DIR / "__init__.py").is_file()
True
>>> PACKAGE_DIR.parent == REPO_ROOT
True
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PACKAGE_DIR", "REPO_ROOT"]

PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = PACKAGE_DIR.parent
