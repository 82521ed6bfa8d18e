"""The course's own exercise sources in solutions/: their format, their variants and their hints.

Every computing question is fed each of its typical wrong answers, for two variants, and must
answer with that mistake's specific hint (never a pass); every question accepts its own answer;
and a student with another variant is asked something different.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lifecycle_lib._util.notebooks import LESSON_NAME
from lifecycle_lib.exercises.compare import diagnose
from lifecycle_lib.exercises.format import make_key, parse_solution
from lifecycle_lib.exercises.keys import expected_answers

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted(p for p in (REPO / "solutions").glob("*.ipynb") if LESSON_NAME.match(p.name))
LESSONS = {p.name for p in (REPO / "notebooks").glob("*.ipynb")}
VARIANTS = (0, 7)


@pytest.fixture(scope="module", params=SOLUTIONS, ids=lambda p: p.stem)
def solution(request):
    exercise = parse_solution(request.param)
    key = make_key(exercise)
    answers = {variant: expected_answers(key, variant=variant) for variant in VARIANTS}
    return exercise, answers


def test_every_lesson_from_01_has_a_solution_notebook():
    numbered = {name for name in LESSONS if not name.startswith("00_")}
    assert numbered == {p.name for p in SOLUTIONS}


def test_at_least_four_questions_with_points_and_a_mix_of_kinds(solution):
    exercise, _ = solution
    assert len(exercise.questions) >= 4, exercise
    assert all(q.points > 0 for q in exercise.questions)
    assert all(q.id.startswith(f"q{exercise.number}_") for q in exercise.questions)
    assert any(q.kind == "compute" for q in exercise.questions), "no computing question"


def test_every_computing_question_has_a_typical_mistake(solution):
    exercise, _ = solution
    lacking = [q.id for q in exercise.questions if q.kind == "compute" and not q.mistakes]
    assert not lacking, f"computing questions without a mistake cell: {lacking}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_answer_passes_its_own_check(solution, variant):
    _, answers = solution
    failing = [qid for qid, exp in answers[variant].items() if not diagnose(exp, exp.value).ok]
    assert not failing


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_typical_mistake_fails_with_its_own_hint(solution, variant):
    exercise, answers = solution
    for q in exercise.questions:
        expected = answers[variant][q.id]
        assert len(expected.mistakes) == len(q.mistakes), f"{q.id}: a mistake could not be computed"
        for value, hint in expected.mistakes:
            verdict = diagnose(expected, value)
            assert not verdict.ok, f"{q.id} (variant {variant}): the mistake {hint!r} passes the check"
            assert verdict.hint == hint, f"{q.id} (variant {variant}): expected the hint {hint!r}, got {verdict.hint!r}"


def test_another_variant_asks_for_other_answers(solution):
    exercise, answers = solution
    differing = [
        qid
        for qid in answers[VARIANTS[0]]
        if exercise.question(qid).kind == "compute"
        and not diagnose(answers[VARIANTS[0]][qid], answers[VARIANTS[1]][qid].value).ok
    ]
    assert differing, f"{exercise.name}: variants {VARIANTS} expect the same answers everywhere"
