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
    assert "is too high" in text and "Hint: That is the total revenue." in text  # the mistake's recorded side
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
    assert set(answers["q99_3"].value) and not any(
        f'"{item}"' in text or f"s:{item}" in text for item in answers["q99_3"].value
    )


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
        (
            lambda cells: _cell(cells, "c1").update(source='check("q99_1", aov)\nprint(aov)'),
            r'must read exactly: check\("q99_1", aov\)',
        ),
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
    code = (
        "import json, sys\n"
        "from lifecycle_lib.exercises import check\n"
        "import pandas as pd\n"
        "try:\n"
        "    check('q99_1', 0.0, variant=0)\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True
    )
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


# ---------------------------------------------------------------- likely causes


QUESTION_HINT = "Divide the repeat buyers by all buyers of the period."
TOO_HIGH = "You divided by the repeat buyers only."
TOO_LOW = "You divided by every contact, buyers or not."


def _messages(expected: Expected, answers) -> list[str]:
    """The messages a handed-out record gives (slow digests, a student's salt), and the grader's."""
    from lifecycle_lib.exercises.compare import judge_record, record

    rec = record(expected, salt="5eed", rounds=20)
    texts = []
    for answer in answers:
        verdict = judge_record(rec, answer)[0]
        assert not verdict.ok and verdict == diagnose(expected, answer)
        texts.append(verdict.message + (f"\nHint: {verdict.hint}" if verdict.hint else ""))
    return texts


def _no_value(expected_value, *texts):
    for text in texts:
        for shown in (repr(expected_value), f"{expected_value:.2f}", f"{expected_value:.3f}", f"{expected_value:.4g}"):
            assert shown not in text, (shown, text)


def test_a_number_that_matches_a_mistake_is_told_its_side_and_the_mistake():
    exp = Expected("q01_1", "share", 0.4137, {"rtol": 1e-3}, mistakes=[(0.6311, TOO_HIGH), (0.2093, TOO_LOW)])
    high, low = _messages(exp, [0.6311, 0.2093])
    assert "is too high." in high and f"Hint: {TOO_HIGH}" in high and TOO_LOW not in high
    assert "is too low." in low and f"Hint: {TOO_LOW}" in low and TOO_HIGH not in low
    _no_value(0.4137, high, low)


def test_a_wrong_number_above_or_below_names_the_causes_on_each_side():
    """Whether an unknown number is above or below cannot be said (a few tries would find the answer):
    answers above and below get the same message, which names what each side usually comes from."""
    both = Expected(
        "q01_1",
        "share",
        0.4137,
        {"rtol": 1e-3},
        mistakes=[(0.6311, TOO_HIGH), (0.2093, TOO_LOW)],
        question_hint=QUESTION_HINT,
    )
    above, below = _messages(both, [0.5, 0.3])
    assert above.replace("0.5", "X") == below.replace("0.3", "X")
    for text in (above, below):
        assert "cannot tell whether your number is too high or too low" in text
        assert f"- if yours is too high: {TOO_HIGH}" in text and f"- if yours is too low: {TOO_LOW}" in text
        assert "Hint:" not in text  # no typical mistake matched
    _no_value(0.4137, above, below)


def test_a_side_without_a_typical_mistake_names_the_question_hint_or_a_general_cause():
    one_side = Expected(
        "q01_1", "share", 0.4137, {"rtol": 1e-3}, mistakes=[(0.6311, TOO_HIGH)], question_hint=QUESTION_HINT
    )
    for text in _messages(one_side, [0.5, 0.3]):
        assert f"- if yours is too high: {TOO_HIGH}" in text
        assert (
            f"- if yours is too low: no typical mistake is known on that side; the question's hint says: {QUESTION_HINT}"
            in text
        )
    no_hint = Expected("q01_1", "share", 0.4137, {"rtol": 1e-3}, mistakes=[(0.2093, TOO_LOW)])
    for text in _messages(no_hint, [0.5, 0.3]):
        assert f"- if yours is too low: {TOO_LOW}" in text
        assert "- if yours is too high: no typical mistake is known on that side; go through each step" in text
    nothing = Expected("q01_1", "n", 12, {"atol": 0.5}, mistakes=[])
    (text,) = _messages(nothing, [15])
    assert "Likely cause: go through each step against the question" in text


def test_every_wrong_answer_of_the_fixture_names_a_cause(answers):
    """Whatever a wrong answer to a computing question looks like, its message says what usually causes it."""
    revenue, repeaters = answers["q99_2"].value, sorted(answers["q99_3"].value)
    wrong = {
        "q99_1": [
            answers["q99_1"].value * 1.3,
            answers["q99_1"].value * 0.7,
            *(v for v, _ in answers["q99_1"].mistakes),
        ],
        "q99_2": [
            revenue * 1.1,
            revenue.iloc[:2],
            pd.concat([revenue, pd.Series({"email": 3.0})]),
            answers["q99_2"].mistakes[0][0],
        ],
        "q99_3": [set(repeaters[:-1]), {*repeaters, "c99"}, *(v for v, _ in answers["q99_3"].mistakes)],
    }
    hints = {q.id: q.hint for q in parse_solution(FIXTURE).questions}
    for qid, values in wrong.items():
        for text in _messages(answers[qid], values):
            assert "Likely cause" in text or "Hint:" in text, (qid, text)
            _no_value(answers["q99_1"].value, text)
    (extra_row,) = _messages(answers["q99_2"], [pd.concat([revenue, pd.Series({"email": 3.0})])])
    assert "This row does not belong: 'email'" in extra_row and hints["q99_2"] in extra_row
    (values_off,) = _messages(answers["q99_2"], [revenue * 1.1])
    assert "3 values of yours differ" in values_off and answers["q99_2"].mistakes[0][1] in values_off
    missing, extra = _messages(answers["q99_3"], [set(repeaters[:-1]), {*repeaters, "c99"}])
    assert "1 expected item is missing" in missing and "keep the counts above three (> 3), not above four" in missing
    assert "'c99'" in extra and "use > 3, not >= 3" in extra


def test_the_check_file_records_only_the_side_each_mistake_errs_on(answers):
    ex = parse_solution(FIXTURE)
    data = json.loads(check_file_text(make_key(ex), [0]))
    q1 = data["variants"]["0"]["q99_1"]
    assert [m["differs"] for m in q1["mistakes"]] == [["high"], ["high"]]
    assert q1["question_hint"] == ex.question("q99_1").hint and q1["uses"] == []
    assert [m["differs"] for m in data["variants"]["0"]["q99_3"]["mistakes"]] == [["extra"], ["missing"]]
    assert data["variants"]["0"]["q99_4"]["uses"] == [{"id": "q99_2", "answer": "revenue", "via": ["revenue"]}]
    text = json.dumps(data)
    for value, _ in answers["q99_1"].mistakes + [(answers["q99_1"].value, None)]:
        assert f"{value:.2f}" not in text and f"{value:.4g}" not in text


def test_a_check_file_of_format_2_still_checks_and_other_formats_are_refused_clearly(tmp_path, answers):
    ex = parse_solution(FIXTURE)
    data = json.loads(check_file_text(make_key(ex), [0]))
    for rec in data["variants"]["0"].values():  # what a format 2 record lacked
        del rec["question_hint"], rec["uses"]
        for mistake in rec["mistakes"]:
            del mistake["differs"]
    data["format"] = "lifecycle-check 2"
    path = tmp_path / "99_small_shop.key"
    path.write_text(json.dumps(data))
    records = records_for(path, 0)
    from lifecycle_lib.exercises.compare import judge_record

    assert judge_record(records["q99_1"], answers["q99_1"].value)[0].ok
    verdict = judge_record(records["q99_1"], answers["q99_1"].value * 1.3)[0]
    assert "Likely cause:" in verdict.message and not verdict.ok
    assert judge_record(records["q99_1"], answers["q99_1"].mistakes[0][0])[0].hint == answers["q99_1"].mistakes[0][1]
    for other in ("lifecycle-check 1", "lifecycle-check 9"):
        path.write_text(json.dumps(dict(data, format=other)))
        with pytest.raises(KeyProblem, match=rf"another version of the course's tools \(format '{other}'"):
            read_check_file(path)


# ---------------------------------------------------------------- answers built on earlier answers


def _run_check(namespace: dict, qid: str, answer_name: str) -> str | None:
    """Run a check cell as a notebook does (its globals are the notebook's); the error text, or None."""
    ns = {"check": check, "variant": 0, **namespace}
    try:
        exec(f'check("{qid}", {answer_name})', ns)
    except WrongAnswer as exc:
        return str(exc)
    return None


def test_the_solution_format_knows_which_earlier_answers_a_question_uses():
    ex = parse_solution(FIXTURE)
    assert [(q.id, q.uses) for q in ex.questions if q.uses] == [
        ("q99_4", [{"id": "q99_2", "answer": "revenue", "via": ["revenue"]}])
    ]


def test_a_check_built_on_a_wrong_earlier_answer_points_back_to_it(keyed_folder, answers):
    revenue = answers["q99_2"].value
    wrong_option = next(o for o in ("ad", "search", "referral") if o != answers["q99_4"].value)
    text = _run_check({"revenue": revenue * 2, "best_channel": wrong_option}, "q99_4", "best_channel")
    assert "uses your answer to q99_2 (`revenue`), which is not right yet" in text and "Fix q99_2 first" in text
    text = _run_check({"revenue": ..., "best_channel": wrong_option}, "q99_4", "best_channel")
    assert "which is not answered yet" in text
    text = _run_check({"revenue": revenue, "best_channel": wrong_option}, "q99_4", "best_channel")
    assert text is not None and "q99_2" not in text  # the earlier answer is right: nothing to say about it
    assert _run_check({"revenue": revenue * 2, "best_channel": answers["q99_4"].value}, "q99_4", "best_channel") is None


def test_a_check_names_helper_variables_taken_from_an_earlier_answer_cell(tmp_path, monkeypatch):
    """q07_8-style: the answer reads a helper the earlier answer cell assigned, not the earlier answer itself."""
    nb = json.loads(FIXTURE.read_text())
    for cell in nb["cells"]:
        if cell["id"] == "a2":
            cell["source"] = 'per_channel = orders.groupby("channel")["amount"]\nrevenue = per_channel.sum()'
        if cell["id"] == "a4":
            cell["source"] = "best_channel = per_channel.sum().idxmax()"
    path = tmp_path / FIXTURE.name
    path.write_text(json.dumps(nb))
    ex = parse_solution(path)
    assert ex.question("q99_4").uses == [{"id": "q99_2", "answer": "revenue", "via": ["per_channel"]}]
    (tmp_path / ".keys").mkdir()
    (tmp_path / ".keys" / FIXTURE.name.replace(".ipynb", ".key")).write_text(check_file_text(make_key(ex), [0]))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LIFECYCLE_KEYS", raising=False)
    checks._CACHE.clear()
    a = expected_answers(path, 0)
    wrong_option = next(o for o in ("ad", "search", "referral") if o != a["q99_4"].value)
    text = _run_check({"revenue": a["q99_2"].value + 1, "best_channel": wrong_option}, "q99_4", "best_channel")
    assert "builds on `per_channel` from your work on q99_2, whose answer (`revenue`) is not right yet" in text
