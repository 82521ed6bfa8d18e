"""One truth per quantity, and verdicts that agree with their numbers, in every lesson as committed.

Every lesson runs once in a fresh kernel with its key figures and verdicts logged
(:mod:`lesson_claims`). A key figure (``"shop buyers"``) must have the same value in every lesson that
shows it, unless the lesson that differs says why; every judging word chosen by
``figures.compare`` / ``interval`` / ``level`` must be the one its numbers call for and be shown by
the cell that chose it. ``test_second_seed.py`` applies the verdict check to another sample.
"""

from __future__ import annotations

import math

import nbformat
import pytest
from lesson_claims import figure_problems, run_lesson, verdict_problems

from lifecycle_lib._util.paths import REPO_ROOT
from lifecycle_lib.tools.course import lesson_files

LESSONS = lesson_files(REPO_ROOT / "notebooks")

#: Quantities that several lessons show: each of these lessons must name them, so the test compares them.
SHARED = {
    "shop buyers": ("01_", "05_", "13_"),
    "shop new customers": ("02_", "06_"),
    "shop leads": ("02_", "07_"),
}

pytestmark = pytest.mark.slow


class _Runs(dict):
    """Each lesson run once, when a test first asks for it (so ``-k 07_active`` runs lesson 07 only)."""

    def __missing__(self, stem):
        self[stem] = run_lesson(next(path for path in LESSONS if path.stem == stem))
        return self[stem]

    def every(self) -> dict:
        return {path.stem: self[path.stem] for path in LESSONS}


@pytest.fixture(scope="module")
def runs():
    return _Runs()


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_verdicts_agree_with_their_numbers(path, runs):
    nb, records = runs[path.stem]
    problems = verdict_problems(path.stem, nb, records)
    assert not problems, "\n".join(problems)


def test_one_value_per_key_figure(runs):
    problems = figure_problems(runs.every())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(SHARED))
def test_shared_quantities_are_named_where_they_are_shown(name, runs):
    for prefix in SHARED[name]:
        lesson = next(path.stem for path in LESSONS if path.stem.startswith(prefix))
        names = {r["name"] for r in runs[lesson][1] if r["kind"] == "figure"}
        assert name in names, f"{lesson} shows {name} without naming it as a key figure"


def test_most_lessons_choose_their_words_from_numbers(runs):
    every = runs.every()
    judged = {stem for stem, (_, records) in every.items() if any(r["kind"] != "figure" for r in records)}
    assert len(judged) >= len(every) - 2, f"lessons without a computed verdict: {sorted(set(every) - judged)}"


# -- the checks themselves catch what they are for ---------------------------------------------------


def _lesson(tmp_path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_word_the_cell_does_not_show_is_caught(tmp_path):
    path = _lesson(
        tmp_path,
        "from lifecycle_lib.analytics import figures\n"
        "word = figures.compare('repeat rate', 0.31, 0.25, ('higher', 'lower', 'level'))\n"
        "print('The repeat rate is lower with an email.')",
    )
    nb, records = run_lesson(path)
    assert records[0]["word"] == "higher"
    assert any("not in any output" in p for p in verdict_problems("lesson", nb, records))


def test_a_shown_word_passes_and_a_forged_record_fails(tmp_path):
    path = _lesson(
        tmp_path,
        "from lifecycle_lib.analytics import figures\n"
        "low, high = 1.3, 2.0\n"
        "word = figures.interval('lift', low, high, ('above 1', 'below 1', 'unclear'), null=1)\n"
        "print(f'The lift is {word} (interval {low} to {high}).')",
    )
    nb, records = run_lesson(path)
    assert verdict_problems("lesson", nb, records) == []
    forged = [dict(records[0], low=0.8)]  # the same word, for numbers that call for another
    assert any("call for 'unclear'" in p for p in verdict_problems("lesson", nb, forged))


def test_two_counts_of_one_quantity_need_a_shown_reason(tmp_path):
    first = run_lesson(
        _lesson(tmp_path, "from lifecycle_lib.analytics import figures\nfigures.figure('shop buyers', 2219)")
    )
    second = run_lesson(
        _lesson(tmp_path, "from lifecycle_lib.analytics import figures\nfigures.figure('shop buyers', 2048)")
    )
    assert any("without a reason" in p for p in figure_problems({"01": first, "05": second}))
    hidden = run_lesson(
        _lesson(
            tmp_path,
            "from lifecycle_lib.analytics import figures\nfigures.figure('shop buyers', 2048, why='counted on 1 July')",
        )
    )
    assert any("not shown" in p for p in figure_problems({"01": first, "05": hidden}))
    shown = run_lesson(
        _lesson(
            tmp_path,
            "from lifecycle_lib.analytics import figures\n"
            "n = figures.figure('shop buyers', 2048, why='counted on 1 July')\n"
            "print(f'{n} buyers, counted on 1 July')",
        )
    )
    assert figure_problems({"01": first, "05": shown}) == []


def test_difference_and_rate_ratio_match_their_formulas_by_hand():
    from lifecycle_lib.analytics import figures

    # 12 of 40 against 5 of 50: Agresti-Caffo adds one success and one failure to each group.
    d = figures.difference([1] * 12 + [0] * 28, [1] * 5 + [0] * 45)
    pa, pb = 13 / 42, 6 / 52
    margin = 1.96 * (pa * (1 - pa) / 42 + pb * (1 - pb) / 52) ** 0.5
    assert d["difference"] == pytest.approx(12 / 40 - 5 / 50)
    assert (d["low"], d["high"]) == pytest.approx((pa - pb - margin, pa - pb + margin))
    r = figures.rate_ratio(12, 40, 5, 50)
    se = (1 / 12 - 1 / 40 + 1 / 5 - 1 / 50) ** 0.5
    assert r["ratio"] == pytest.approx(3.0)
    assert (r["low"], r["high"]) == pytest.approx((3.0 * math.exp(-1.96 * se), 3.0 * math.exp(1.96 * se)), rel=1e-3)
    assert figures.difference([], [1, 0])[["low", "high"]].isna().all()
    figures.forget()
