"""The self-check: comparisons, teaching messages, mistake hints, keys, and the solution format.

Everything here runs in this process (no kernels); the notebook runs are in test_exercises.py.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lifecycle_lib.exercises import checks
from lifecycle_lib.exercises.checks import check
from lifecycle_lib.exercises.compare import Expected, compare, diagnose
from lifecycle_lib.exercises.errors import CheckError, KeyProblem, NotAnswered, WrongAnswer
from lifecycle_lib.exercises.format import SolutionError, make_key, parse_solution
from lifecycle_lib.exercises.keys import KEY_FORMAT, check_file_text, expected_answers, read_check_file, records_for
from lifecycle_lib.tools import build

FIXTURE = Path(__file__).parent / "fixtures" / "solutions" / "99_small_shop.ipynb"


@pytest.fixture(scope="module")
def answers():
    return expected_answers(FIXTURE, variant=0)


@pytest.fixture()
def keyed_folder(tmp_path, monkeypatch):
    """A folder laid out like exercises/: the key in .keys/, the kernel's working folder set to it."""
    ex = parse_solution(FIXTURE)
    (tmp_path / ".keys").mkdir()
    (tmp_path / ".keys" / "99_small_shop.key").write_text(check_file_text(make_key(ex), [0, 7]))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LIFECYCLE_KEYS", raising=False)
    checks._CACHE.clear()
    return tmp_path


# ---------------------------------------------------------------- compare


def test_numbers_within_tolerance_pass_and_outside_fail():
    assert compare(0.25, 0.2524, {"rtol": 0.01}).ok
    assert not compare(0.25, 0.26, {"rtol": 0.01}).ok
    assert compare(0.25, 0.2500001).ok  # the default tolerance (1e-6 relative) absorbs rounding
    assert not compare(0.25, 0.2501).ok
    assert compare(10, 10.0).ok


def test_number_messages_name_round_factors_but_never_the_value_or_its_direction():
    wrong = compare(0.123456, 0.5).message
    assert "not the expected one" in wrong and "0.123456" not in wrong and "0.12" not in wrong
    assert "too high" not in wrong and "too low" not in compare(0.123456, 0.1).message  # nothing stored knows
    assert "100 times too large" in compare(0.123456, 12.3456).message
    assert "100 times too small" in compare(12.3456, 0.123456).message
    assert "7 times too small" in compare(70.0, 10.0).message
    assert "wrong sign" in compare(0.123456, -0.123456).message
    assert "NaN" in compare(0.123456, float("nan")).message
    assert "infinite" in compare(0.123456, float("inf")).message


@pytest.mark.parametrize("rtol", [1e-6, 1e-3, 5e-3])
@pytest.mark.parametrize("expected", [0.123456, -3.5, 2219, 1e-7, 7.25e9])
def test_the_fingerprint_accepts_everything_within_the_tolerance_and_nothing_beyond_three_times_it(expected, rtol):
    spec = {"rtol": rtol, "atol": 0}
    for step in (0.0, 0.3, 0.6, 0.99):
        for sign in (1, -1):
            assert compare(expected, expected * (1 + sign * step * rtol), spec).ok, (expected, step, sign)
    for step in (3.01, 5, 100):
        for sign in (1, -1):
            assert not compare(expected, expected * (1 + sign * step * rtol), spec).ok, (expected, step, sign)


def test_an_absolute_tolerance_is_a_grid_of_whole_units():
    spec = {"atol": 0.5}
    assert compare(34, 34.0, spec).ok and compare(34, 34.49, spec).ok and compare(34, 33.51, spec).ok
    assert not compare(34, 35, spec).ok and not compare(34, 33, spec).ok
    assert compare(0, 0.2, spec).ok and not compare(0, 1.0, spec).ok
    assert compare(0, 0.0, {"atol": 0}).ok and not compare(0, 1e-12, {"atol": 0}).ok


def test_answers_the_grader_could_not_compare_are_wrong_not_errors():
    assert not compare(0.5, 10**400).ok  # too large for a float
    assert not compare(pd.Series([1.0], name="a"), pd.Series([1.0], name=frozenset({"a"}), index=[1])).ok
    assert not compare({"a", "b"}, [[1, 2], {3: 4}], {"kind": "set"}).ok


def test_type_mismatches_name_expected_type_and_received_type():
    msg = compare(3.5, "3.5").message
    assert "Expected a number" in msg and "string" in msg
    msg = compare(3.5, pd.Series([1.0, 2.0])).message
    assert "single number" in msg and "Series with 2 rows" in msg
    msg = compare(pd.Series([1.0], index=["a"]), 1.0).message
    assert "Series with 1 row" in msg


def test_frames_report_shape_and_columns():
    exp = pd.DataFrame({"channel": ["ad", "search"], "revenue": [10.0, 20.0]})
    v = compare(exp, exp[["channel"]])
    assert not v.ok and "Missing column(s): ['revenue']" in v.message
    v = compare(exp, exp.iloc[:1])
    assert not v.ok and "1 row" in v.message
    v = compare(exp, exp.assign(revenue=[10.0, 25.0]))
    assert not v.ok and "column 'revenue' differs in 1 row" in v.message and "25" not in v.message.replace("25.0", "")
    assert compare(exp, exp.iloc[::-1]).ok  # rows matched by label, any order
    assert not compare(exp, exp.iloc[::-1], {"ordered": True}).ok


def test_series_index_mistakes_are_explained():
    exp = pd.Series([10.0, 20.0], index=pd.Index(["ad", "search"], name="channel"), name="amount")
    v = compare(exp, exp.reset_index())
    assert not v.ok and "Series" in v.message
    v = compare(exp, exp.reset_index(drop=True))
    assert not v.ok and "index" in v.message
    assert compare(exp, exp.reset_index(drop=True), {"ignore_index": True}).ok


def test_sets_ignore_order_and_name_only_the_received_extras():
    v = compare({"c01", "c02", "c03"}, ["c03", "c01", "c09"], {"kind": "set"})
    assert not v.ok
    assert "1 expected item is missing" in v.message and "'c09'" in v.message
    assert "c02" not in v.message
    assert compare({"c01", "c02"}, pd.Series(["c02", "c01"]), {"kind": "set"}).ok


def test_choice_rejects_answers_outside_the_options_with_the_list():
    spec = {"kind": "choice", "options": ["ad", "search", "referral"]}
    v = compare("ad", "email", spec)
    assert not v.ok and "'ad', 'search', 'referral'" in v.message
    assert compare("ad", " AD ", spec).ok
    v = compare("ad", "search", spec)
    assert not v.ok and "not the best" in v.message


def test_diagnose_adds_the_hint_of_the_matching_mistake_only():
    exp = Expected("q01_1", "x", 0.4, mistakes=[(0.6, "first hint"), (4.0, "second hint")])
    assert diagnose(exp, 0.6).hint == "first hint"
    assert diagnose(exp, 4.0).hint == "second hint"
    assert diagnose(exp, 0.5).hint is None
    assert diagnose(exp, 0.4).ok


# ---------------------------------------------------------------- the fixture's questions


def test_every_typical_mistake_of_the_fixture_gets_its_own_hint(answers):
    solution = parse_solution(FIXTURE)
    computing = [q for q in solution.questions if q.kind == "compute"]
    assert computing
    for q in computing:
        exp = answers[q.id]
        assert [h for _, h in exp.mistakes] == [m.hint for m in q.mistakes]
        for value, hint in exp.mistakes:
            verdict = diagnose(exp, value)
            assert not verdict.ok and verdict.hint == hint, q.id


def test_check_prints_on_success(keyed_folder, answers, capsys):
    variant = 0  # noqa: F841 - check reads it from the caller's globals, as in a notebook
    check("q99_1", answers["q99_1"].value)
    out = capsys.readouterr().out
    assert out.startswith("q99_1: correct (1 point).")
    assert "average order value" in out  # the author's explanation


def test_check_raises_a_teaching_error_with_the_mistake_hint(keyed_folder, answers):
    total = answers["q99_1"].mistakes[0][0]
    with pytest.raises(WrongAnswer) as info:
        check("q99_1", total, variant=0)
    text = str(info.value)
    assert "not the expected one" in text and "Hint: That is the total revenue." in text
    assert f"{answers['q99_1'].value:.4}" not in text


def test_check_on_a_blank_says_what_to_compute(keyed_folder):
    with pytest.raises(NotAnswered, match=r"q99_2 is not answered yet.*revenue \(a Series with 3 rows is expected\)"):
        check("q99_2", ..., variant=0)
    assert issubclass(NotAnswered, CheckError) and not issubclass(NotAnswered, AssertionError)


def test_check_uses_the_variant_of_the_notebook(keyed_folder):
    v0 = expected_answers(FIXTURE, 0)["q99_1"].value
    v7 = expected_answers(FIXTURE, 7)["q99_1"].value
    assert v0 != pytest.approx(v7, rel=1e-3)
    check("q99_1", v7, variant=7)
    with pytest.raises(WrongAnswer):
        check("q99_1", v7, variant=0)


def test_check_without_a_key_explains_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LIFECYCLE_KEYS", raising=False)
    with pytest.raises(KeyProblem, match=r"\.keys/99_\*\.key"):
        check("q99_1", 1.0, variant=0)


def test_check_in_a_solution_folder_reads_the_solution_itself(tmp_path, monkeypatch, answers):
    shutil.copy(FIXTURE, tmp_path / FIXTURE.name)
    monkeypatch.chdir(tmp_path)
    checks._CACHE.clear()
    check("q99_3", set(answers["q99_3"].value), variant=0)


def test_mistakes_do_not_leak_into_later_questions():
    # q99_3's answer uses `counts`; a mistake that mutated shared frames would change q99_4
    a = expected_answers(FIXTURE, 0)
    assert a["q99_4"].value == a["q99_2"].value.idxmax()


# ---------------------------------------------------------------- keys and generated notebooks


def test_the_check_file_holds_neither_code_nor_values(answers):
    ex = parse_solution(FIXTURE)
    text = check_file_text(make_key(ex), [0])
    data = json.loads(text)
    assert data["format"] == KEY_FORMAT and list(data["variants"]) == ["0"]
    for cell in make_key(ex)["cells"]:
        for line in cell["source"].splitlines():
            assert len(line.strip()) < 8 or line.strip() not in text, line
    aov = answers["q99_1"].value
    for shown in (f"{aov:.2f}", f"{aov:.3f}", repr(aov)):
        assert shown not in text
    for value in answers["q99_2"].value:
        assert f"{value:.2f}" not in text
    assert "average order value" not in text  # the explanation is sealed under the right answer
    assert set(answers["q99_3"].value) and not any(f"\"{item}\"" in text or f"s:{item}" in text for item in answers["q99_3"].value)


def test_the_check_file_serves_its_variants_only(tmp_path):
    ex = parse_solution(FIXTURE)
    path = tmp_path / "99_small_shop.key"
    path.write_text(check_file_text(make_key(ex), [3]))
    assert set(records_for(path, 3)) == {"q99_1", "q99_2", "q99_3", "q99_4"}
    with pytest.raises(KeyProblem, match="variant 3 only, not variant 0"):
        records_for(path, 0)
    path.write_text("lifecycle-key 1\neJwLycxLVUhUKM/PS1EoLkkFABRbA8o=\n")
    with pytest.raises(KeyProblem, match="not a check file"):
        read_check_file(path)


def test_exercise_notebook_hides_answers_mistakes_and_outputs():
    ex = parse_solution(FIXTURE)
    nb = build.exercise_notebook(ex)
    text = "\n".join("".join(c["source"]) for c in nb["cells"]) + json.dumps(nb["metadata"])
    for q in ex.questions:
        solution_line = [line for line in q.code.splitlines() if q.answer + " =" in line][-1]
        assert solution_line not in text
        for m in q.mistakes:
            assert m.hint not in text and m.code not in text
    assert 'counts = orders["customer"].value_counts()' in text  # the scaffold outside the markers stays
    assert "# Choose one of: 'ad', 'search', 'referral'" in text
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert [c["id"] for c in nb["cells"]].count("how-to-check") == 1
    assert sum(1 for c in code if "".join(c["source"]).startswith("check(")) == 4


def test_generation_is_byte_for_byte_repeatable():
    first = build._generate([parse_solution(FIXTURE)])
    second = build._generate([parse_solution(FIXTURE)])
    assert first == second and set(first) == {"99_small_shop.ipynb", ".keys/99_small_shop.key"}


# ---------------------------------------------------------------- the solution format


def _edited(tmp_path, edit):
    nb = json.loads(FIXTURE.read_text())
    edit(nb["cells"])
    path = tmp_path / FIXTURE.name
    path.write_text(json.dumps(nb))
    return path


def _cell(cells, cell_id):
    return next(c for c in cells if c["id"] == cell_id)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda cells: cells.remove(_cell(cells, "c2")), r"cell \d+: question q99_2 has no check cell"),
        (lambda cells: _cell(cells, "m2")["metadata"]["tags"].remove("nbval-skip"), r"tag 'nbval-skip'"),
        (lambda cells: cells.remove(_cell(cells, "m2")), r"q99_2 computes an answer but has no mistake cell"),
        (lambda cells: _cell(cells, "c1").update(source='check("q99_1", aov)\nprint(aov)'), r'must read exactly: check\("q99_1", aov\)'),
        (lambda cells: _cell(cells, "a1")["metadata"]["lifecycle"].update(id="q07_1"), r"this notebook's number 99"),
        (lambda cells: _cell(cells, "setup").update(source="%matplotlib inline"), r"magics"),
        (lambda cells: _cell(cells, "a1")["metadata"]["lifecycle"].update(answer="avg"), r"must assign 'avg'"),
    ],
)
def test_format_mistakes_are_refused_with_the_cell_and_the_fix(tmp_path, edit, message):
    with pytest.raises(SolutionError, match=message) as info:
        parse_solution(_edited(tmp_path, edit))
    assert str(info.value).startswith("99_small_shop.ipynb")


def test_question_ids_follow_the_documented_pattern():
    ex = parse_solution(FIXTURE)
    assert all(re.match(r"^q99_\d+$", q.id) for q in ex.questions)
    assert [q.points for q in ex.questions] == [1, 2, 1, 1]


# ---------------------------------------------------------------- the student's kernel


def test_the_self_check_imports_nothing_of_the_course_tools(tmp_path):
    """A student's kernel runs only the exercises layer: no builder, no grader, no notebook libraries."""
    shutil.copy(FIXTURE, tmp_path / FIXTURE.name)
    code = ("import json, sys\n"
            "from lifecycle_lib.exercises import check\n"
            "import pandas as pd\n"
            "try:\n"
            "    check('q99_1', 0.0, variant=0)\n"
            "except Exception as exc:\n"
            "    print(type(exc).__name__)\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            check=True)
    *printed, modules = result.stdout.strip().splitlines()
    assert printed == ["WrongAnswer"]  # the check really ran, from the solution in its folder
    loaded = set(json.loads(modules))
    assert "lifecycle_lib.exercises.checks" in loaded
    assert sorted(m for m in loaded if m.startswith("lifecycle_lib.tools")) == []
    assert sorted(m for m in loaded if m.split(".")[0] in ("nbformat", "nbclient", "matplotlib")) == []


def test_dates_and_durations_are_checked_whatever_their_type():
    import datetime as dt

    import numpy as np

    day = pd.Timestamp("2024-01-02")
    assert compare(day, np.datetime64("2024-01-02")).ok and compare(day, dt.date(2024, 1, 2)).ok
    assert not compare(day, pd.Timestamp("2024-01-03")).ok
    assert "a date or time" in compare(day, "2024-01-02").message
    assert compare(pd.Timedelta("3D"), dt.timedelta(days=3)).ok and not compare(pd.Timedelta("3D"), 3).ok
    column = pd.Series(pd.to_datetime(["2024-01-02", None]), index=["a", "b"])
    assert compare(column, column.copy()).ok and not compare(column, column + pd.Timedelta("1D")).ok


def test_the_check_file_and_the_grader_give_the_same_verdicts():
    """A handed-out record (slow digests, a student's salt) and the grader's in-memory judgement agree."""
    import random

    from lifecycle_lib.exercises.compare import judge_record, record

    rng = random.Random(7)
    for _ in range(200):
        value = rng.choice([rng.uniform(-1e4, 1e4), rng.uniform(0, 1), float(rng.randint(0, 500))])
        spec = rng.choice([{}, {"rtol": 1e-3}, {"atol": 0.5}, {"rtol": 5e-3, "atol": 0}])
        expected = Expected("q01_1", "x", value, spec, mistakes=[(value * 2 + 1, "doubled")])
        handed_out = record(expected, salt=f"{rng.getrandbits(64):016x}", rounds=50)
        for received in (value, value * (1 + rng.uniform(-4e-3, 4e-3)), value + rng.uniform(-1.5, 1.5), value * 2 + 1):
            assert judge_record(handed_out, received)[0] == diagnose(expected, received), (value, spec, received)
