"""The package's layers hold: every import points down, and no modules of one folder form a circle.

The contracts are in ``pyproject.toml`` (``[tool.importlinter]``) and checked with import-linter's
``lint-imports``. The check is only worth something if it can fail, so two tests copy the package,
add an upward import or a circle to the copy, and expect the check to name it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import lifecycle_lib

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e '.[test]')")


def lint(package_parent: Path, config: Path) -> subprocess.CompletedProcess:
    """Run lint-imports on the ``lifecycle_lib`` found in ``package_parent``."""
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([str(LINT), str(config), "--no-cache", "--no-logo"], cwd=package_parent, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the package and its contracts in ``tmp_path``, importable from there."""
    shutil.copytree(Path(lifecycle_lib.__file__).parent, tmp_path / "lifecycle_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_its_layers():
    result = lint(ROOT, ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_the_copy_checked_is_the_copy(package_copy):
    """The tests below change a copy; make sure the check reads that copy, not the installed package."""
    (package_copy / "lifecycle_lib" / "data" / "_marker.py").write_text("from lifecycle_lib.errors import DataError\n")
    code = "import lifecycle_lib, sys; print(lifecycle_lib.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=package_copy, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(package_copy)}, check=True).stdout
    assert Path(out.strip()).parent == package_copy / "lifecycle_lib"


def test_an_upward_import_fails_the_check(package_copy):
    bad = package_copy / "lifecycle_lib" / "data" / "_upward.py"
    bad.write_text('"""A data module that reaches up into the course tools."""\n\n'
                   "from lifecycle_lib.tools import report  # noqa: F401\n")
    result = lint(package_copy, package_copy / "pyproject.toml")
    assert result.returncode != 0
    assert "lifecycle_lib.data is not allowed to import lifecycle_lib.tools" in result.stdout
    assert "lifecycle_lib.data._upward -> lifecycle_lib.tools.report" in result.stdout


def test_the_student_layer_may_not_import_the_plots(package_copy):
    """exercises and viz are independent: a self-check must not pull in matplotlib through viz."""
    bad = package_copy / "lifecycle_lib" / "exercises" / "_sideways.py"
    bad.write_text("from lifecycle_lib.viz import plots  # noqa: F401\n")
    result = lint(package_copy, package_copy / "pyproject.toml")
    assert result.returncode != 0
    assert "lifecycle_lib.exercises._sideways -> lifecycle_lib.viz.plots" in result.stdout


def test_a_circle_between_siblings_fails_the_check(package_copy):
    folder = package_copy / "lifecycle_lib" / "analytics"
    (folder / "_ping.py").write_text("from lifecycle_lib.analytics import _pong  # noqa: F401\n")
    (folder / "_pong.py").write_text("from lifecycle_lib.analytics import _ping  # noqa: F401\n")
    result = lint(package_copy, package_copy / "pyproject.toml")
    assert result.returncode != 0
    assert "No import circle between the modules of one folder BROKEN" in result.stdout
