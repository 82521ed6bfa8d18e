"""Every lesson runs on a second sample, so no sentence or verdict depends on the committed seed.

The lessons compute their numbers, and the words that judge them, from the data. Run on the sample of
another seed (``LIFECYCLE_SAMPLE_SEED``), every cell must still run: a verdict that was written for
one seed's numbers (an ``idxmax`` assumed to be one group, a share assumed above a threshold) fails
here, no shown sentence may contain ``nan`` or ``inf``, and every judging word chosen with
``figures.compare`` / ``interval`` / ``level`` must still be the one its numbers call for and be shown
by its cell (:func:`lesson_claims.verdict_problems`).
"""

from __future__ import annotations

import re

import pytest
from lesson_claims import run_lesson, verdict_problems

from lifecycle_lib._util.paths import REPO_ROOT
from lifecycle_lib.data import datasets
from lifecycle_lib.tools.course import lesson_files

SECOND_SEED = 7
LESSONS = lesson_files(REPO_ROOT / "notebooks")
NOT_A_NUMBER = re.compile(r"\b(nan|NaN|inf|-inf)\b")

pytestmark = pytest.mark.slow


def test_the_seed_variable_switches_the_tables(monkeypatch):
    monkeypatch.setenv(datasets.SEED_VARIABLE, str(SECOND_SEED))
    other = datasets.load_orders()
    monkeypatch.delenv(datasets.SEED_VARIABLE)
    committed = datasets.load_orders()
    assert list(other.columns) == list(committed.columns)
    assert other.dtypes.equals(committed.dtypes)
    assert len(other) != len(committed)


def test_a_bad_seed_is_named(monkeypatch):
    monkeypatch.setenv(datasets.SEED_VARIABLE, "seven")
    with pytest.raises(ValueError, match="LIFECYCLE_SAMPLE_SEED='seven' is not a seed"):
        datasets.load_orders()


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_the_lesson_runs_on_a_second_sample(path, monkeypatch):
    monkeypatch.setenv(datasets.SEED_VARIABLE, str(SECOND_SEED))
    datasets.data_dir()  # generate the second sample once, before the kernel reads it
    nb, records = run_lesson(path)
    shown = [
        "".join(out["data"]["text/markdown"])
        for cell in nb.cells if cell.cell_type == "code"
        for out in cell.get("outputs", []) if "text/markdown" in out.get("data", {})
    ]
    bad = [text[:200] for text in shown if NOT_A_NUMBER.search(text)]
    assert not bad, f"{path.name} shows a missing number on seed {SECOND_SEED}: {bad}"
    problems = verdict_problems(f"{path.stem} (seed {SECOND_SEED})", nb, records)
    assert not problems, "\n".join(problems)
