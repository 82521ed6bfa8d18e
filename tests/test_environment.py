"""environment.yml must state the same dependencies as pyproject.toml: same names, same lower bounds.

Conda users and Binder get the environment from environment.yml, pip users from pyproject.toml; when
one moves without the other, somebody's course breaks. These tests name the dependency that drifted.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# conda-forge spells a few packages differently from PyPI.
CONDA_NAMES = {"duckdb": "python-duckdb"}
# Entries of environment.yml that are not dependencies of the package itself.
ENVIRONMENT_ONLY = {"pip"}

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:>=\s*([0-9][0-9A-Za-z.]*))?\s*$")


def parse_requirement(text: str) -> tuple[str, str | None]:
    """Split ``"pandas>=2.2"`` into ``("pandas", "2.2")``; names are normalised (lower case, ``-``).

    >>> parse_requirement("Pandas >= 2.2")
    ('pandas', '2.2')
    >>> parse_requirement("pip")
    ('pip', None)
    """
    match = _REQUIREMENT.match(text)
    if match is None:
        raise ValueError(
            f"cannot read the requirement {text!r}: write it as 'name' or 'name>=version' "
            "(no upper bounds or exact pins, so pip and conda resolve the same way)"
        )
    name, bound = match.groups()
    return re.sub(r"[-_.]+", "-", name).lower(), bound


def pyproject_requirements(path: Path) -> dict[str, str | None]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    project = data["project"]
    entries = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        entries.extend(extra)
    requirements = dict(parse_requirement(entry) for entry in entries)
    requirements["python"] = project["requires-python"].removeprefix(">=").strip()
    return requirements


def environment_requirements(path: Path) -> dict[str, str | None]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    requirements: dict[str, str | None] = {}
    pypi_names = {conda: pypi for pypi, conda in CONDA_NAMES.items()}
    for entry in data["dependencies"]:
        if isinstance(entry, dict):
            for pip_entry in entry.get("pip", []):
                if pip_entry.startswith("-"):
                    continue  # pip options such as "-e ." install the course itself
                name, bound = parse_requirement(pip_entry)
                requirements[name] = bound
            continue
        name, bound = parse_requirement(entry)
        if name in ENVIRONMENT_ONLY:
            continue
        requirements[pypi_names.get(name, name)] = bound
    return requirements


@pytest.fixture(scope="module")
def both():
    return (
        pyproject_requirements(ROOT / "pyproject.toml"),
        environment_requirements(ROOT / "environment.yml"),
    )


def test_every_pyproject_dependency_is_in_environment_yml(both):
    pyproject, environment = both
    missing = sorted(set(pyproject) - set(environment))
    assert not missing, f"add to environment.yml (conda-forge name, same lower bound): {missing}"


def test_environment_yml_has_nothing_pyproject_lacks(both):
    pyproject, environment = both
    extra = sorted(set(environment) - set(pyproject))
    assert not extra, f"environment.yml lists packages pyproject.toml does not: {extra}"


def test_lower_bounds_agree(both):
    pyproject, environment = both
    differ = {
        name: (pyproject[name], environment[name])
        for name in set(pyproject) & set(environment)
        if pyproject[name] != environment[name]
    }
    assert not differ, f"lower bounds differ as (pyproject.toml, environment.yml): {differ}"


def test_every_dependency_has_a_lower_bound(both):
    pyproject, _ = both
    unbounded = sorted(name for name, bound in pyproject.items() if bound is None)
    assert not unbounded, f"give these a lower bound in pyproject.toml and environment.yml: {unbounded}"


def test_the_comparison_notices_a_drifted_bound(tmp_path):
    drifted = (ROOT / "environment.yml").read_text(encoding="utf-8").replace("pandas>=2.2", "pandas>=2.0")
    (tmp_path / "environment.yml").write_text(drifted, encoding="utf-8")
    assert environment_requirements(tmp_path / "environment.yml")["pandas"] == "2.0"
    assert pyproject_requirements(ROOT / "pyproject.toml")["pandas"] == "2.2"


def test_conda_names_are_mapped_back_to_pypi_names(both):
    _, environment = both
    assert "duckdb" in environment and "python-duckdb" not in environment


def test_the_build_reads_the_spdx_license():
    """``license = "MIT"`` (an SPDX expression) needs setuptools 77; the table form is deprecated."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert data["project"]["license"] == "MIT"
    (setuptools,) = [item for item in data["build-system"]["requires"] if item.startswith("setuptools")]
    name, bound = parse_requirement(setuptools)
    assert name == "setuptools" and bound is not None and int(bound.split(".")[0]) >= 77
