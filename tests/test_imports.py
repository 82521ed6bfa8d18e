"""Importing the package, or its analysis modules, must not pull in the heavy libraries.

A structural guard, not a timing: each import runs in a fresh interpreter and we look at
``sys.modules`` afterwards. scipy is needed only when a model is fitted; matplotlib, ipywidgets and
nbformat only by plots, widgets and the course tools.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("scipy", "matplotlib", "ipywidgets", "nbformat")


def loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


@pytest.mark.parametrize(
    "statement",
    [
        "import lifecycle_lib",
        "import lifecycle_lib.analytics.rfm",
        "import lifecycle_lib.analytics.clv",
        "from lifecycle_lib import rfm, clv",
    ],
)
def test_import_stays_light(statement):
    modules = loaded_after(statement)
    assert "lifecycle_lib" in modules
    assert heavy(modules) == []


def test_the_guard_can_fail():
    """The check sees a heavy import when there is one (so a pass above means something)."""
    assert "scipy" in heavy(loaded_after("import lifecycle_lib.analytics.clv, scipy.special"))


def test_using_a_model_loads_scipy_only_then():
    statement = (
        "import pandas as pd\n"
        "from lifecycle_lib import clv\n"
        "before = 'scipy' in sys.modules\n"
        "clv.GammaGamma(); assert not before and 'scipy' not in sys.modules"
    )
    assert heavy(loaded_after(statement)) == []
