"""The grader: confined parallel runs, plain-data answers, and an adversarial suite of submissions.

The suite (``tests/adversarial/cases.py``) is graded in one run next to honest students; each
cheating submission must score zero on what it cheats and full marks on what it answers
honestly, and nobody else's grade may move. Runs that need the sandbox skip where bubblewrap
cannot be used (``tests/install_system_deps.sh`` installs it on Debian).
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import pytest

from lifecycle_lib.errors import DataError
from lifecycle_lib.exercises.format import parse_solution
from lifecycle_lib.exercises.keys import expected_answers
from lifecycle_lib.tools.build import exercise_notebook
from lifecycle_lib.tools.grade import _sandbox, grading
from lifecycle_lib.tools.grade.gradebook import GRADEBOOK_COLUMNS
from lifecycle_lib.tools.grade.plain import NotPlain, PlainDataError, decode_plain, to_plain
from lifecycle_lib.tools.grade.roster import match_submissions, read_roster
from lifecycle_lib.tools.grade.submissions import student_steps

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "fixtures" / "grading" / "solutions"
EXERCISE = "98_grading_fixture"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from adversarial.cases import HONEST, build_cases, fill  # noqa: E402

needs_bwrap = pytest.mark.skipif(_sandbox.bwrap_path() is None,
                                 reason="bubblewrap cannot run here; tests/install_system_deps.sh installs it")


def _student_notebook() -> dict:
    return exercise_notebook(parse_solution(SOURCE / f"{EXERCISE}.ipynb"))


def _workspace() -> Path:
    """A folder outside /tmp (the sandbox's /tmp is private anyway, so hiding would prove nothing)."""
    base = "/var/tmp" if Path("/var/tmp").is_dir() else None
    return Path(tempfile.mkdtemp(prefix="lifecycle-grading-test-", dir=base))


def _write_class(folder: Path, notebooks: dict, variants: dict | None = None) -> tuple[Path, list[Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["student,exercise,variant,file"]
    paths = []
    for number, (student, nb) in enumerate(sorted(notebooks.items())):
        path = folder / "hand-in" / f"{student}.ipynb"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(nb, indent=1))
        paths.append(path)
        variant = (variants or {}).get(student, number % 3 + 1)
        lines.append(f"{student},{EXERCISE},{variant},hand-in/{student}.ipynb")
    roster = folder / "roster.csv"
    roster.write_text("\n".join(lines) + "\n")
    return roster, paths


def _rows(gradebook: Path) -> dict:
    with open(gradebook, newline="") as handle:
        return {(r["student"], r["question"]): r for r in csv.DictReader(handle)}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def adversarial_run():
    if _sandbox.bwrap_path() is None:
        pytest.skip("bubblewrap cannot run here; tests/install_system_deps.sh installs it")
    folder = _workspace()
    cases = build_cases(_student_notebook())
    notebooks = {name: case["nb"] for name, case in cases.items()}
    notebooks["zz_honest_neighbour"] = cases["honest"]["nb"]
    roster, paths = _write_class(folder, notebooks)
    before = {p: _digest(p) for p in [*paths, roster]}
    gradebook = grading.grade(paths, roster=roster, out=folder / "out", source=SOURCE, workers=2,
                              timeout=60, cell_timeout=10, progress=False)
    yield {"folder": folder, "cases": cases, "rows": _rows(folder / "out" / "gradebook.csv"),
           "gradebook": gradebook, "before": before, "roster": roster}
    shutil.rmtree(folder, ignore_errors=True)


CASE_NAMES = sorted(build_cases(_student_notebook()))


@pytest.mark.slow
@pytest.mark.parametrize("name", CASE_NAMES)
def test_each_adversarial_submission_scores_exactly_what_it_answered_honestly(adversarial_run, name):
    case = adversarial_run["cases"][name]
    rows = adversarial_run["rows"]
    for qid, honest in case["expect"].items():
        row = rows[(name, qid)]
        full = float(row["max_points"])
        assert float(row["points"]) == (full if honest else 0.0), (qid, row)
        if honest:
            assert row["status"] == "correct", (qid, row)
        if qid in case.get("status", {}):
            assert row["status"] == case["status"][qid], (qid, row)
        if qid in case.get("message", {}):
            assert case["message"][qid] in row["message"], (qid, row)


@pytest.mark.slow
def test_the_honest_neighbour_of_the_cheaters_keeps_full_marks(adversarial_run):
    rows = adversarial_run["rows"]
    for qid in HONEST:
        assert rows[("zz_honest_neighbour", qid)]["status"] == "correct"
    totals = adversarial_run["gradebook"].totals()
    assert totals["zz_honest_neighbour"] == (5.0, 5.0)


@pytest.mark.slow
def test_a_submissions_own_check_cells_call_the_silent_stand_in(adversarial_run):
    """``from lifecycle_lib.exercises import check`` gets the stand-in too: no note blames a check cell."""
    page = adversarial_run["gradebook"].feedback["honest"].read_text()
    assert "KeyProblem" not in page and " raised " not in page


@pytest.mark.slow
def test_grading_never_changes_submissions_or_roster_and_nothing_else_is_written(adversarial_run):
    for path, digest in adversarial_run["before"].items():
        assert _digest(path) == digest, path
    folder = adversarial_run["folder"]
    assert not list(folder.rglob("PWNED"))
    out = folder / "out"
    assert sorted(p.name for p in out.iterdir()) == ["feedback", "gradebook.csv"]
    with open(out / "gradebook.csv", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == GRADEBOOK_COLUMNS
        students = {row["student"] for row in reader}
    assert students == set(adversarial_run["cases"]) | {"zz_honest_neighbour"}


@pytest.mark.slow
def test_feedback_pages_show_scores_but_never_the_expected_values(adversarial_run):
    folder = adversarial_run["folder"]
    roster = {e.student: e for e in read_roster(adversarial_run["roster"])}
    for student in ("typical_mistake", "honest"):
        page = (folder / "out" / "feedback" / f"{student}.html").read_text()
        expected = expected_answers(SOURCE / f"{EXERCISE}.ipynb", roster[student].variant)
        total = float(expected["q98_1"].value)
        assert f"{total:g}" not in page and repr(total) not in page
        for subscriber in expected["q98_3"].value:
            assert subscriber not in page
        assert "Score:" in page
    assert "Score: 4 / 5" in (folder / "out" / "feedback" / "typical_mistake.html").read_text()


@needs_bwrap
@pytest.mark.slow
def test_reading_attack_is_real_and_only_the_sandbox_stops_it():
    """Unconfined, the same submission finds the solution and scores; confined it scores nothing."""
    folder = _workspace()
    try:
        nb = build_cases(_student_notebook())["reads_instructor_files"]["nb"]
        roster, paths = _write_class(folder, {"mallory": nb})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            open_run = grading.grade(paths, roster=roster, out=folder / "open", source=SOURCE, workers=1,
                                     timeout=60, sandbox="off", progress=False)
        confined = grading.grade(paths, roster=roster, out=folder / "confined", source=SOURCE, workers=1,
                                 timeout=60, progress=False)
        open_rows = {r["question"]: r for r in open_run.rows}
        confined_rows = {r["question"]: r for r in confined.rows}
        assert open_rows["q98_1"]["status"] == "correct"
        assert confined_rows["q98_1"]["status"] != "correct"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@needs_bwrap
@pytest.mark.slow
def test_same_inputs_give_the_same_gradebook_and_missing_students_get_a_row():
    folder = _workspace()
    try:
        cases = build_cases(_student_notebook())
        notebooks = {k: cases[k]["nb"] for k in ("honest", "typical_mistake", "rigged_objects")}
        roster, paths = _write_class(folder, notebooks)
        with open(roster, "a") as handle:
            handle.write(f"absent,{EXERCISE},2,hand-in/absent.ipynb\n")
        texts = []
        for run in range(2):
            grading.grade(paths, roster=roster, out=folder / f"run{run}", source=SOURCE, workers=2, timeout=60,
                          progress=False)
            texts.append((folder / f"run{run}" / "gradebook.csv").read_text())
        assert texts[0] == texts[1]
        rows = _rows(folder / "run0" / "gradebook.csv")
        assert rows[("absent", "q98_1")]["status"] == "no_submission"
        assert rows[("honest", "q98_2")]["points"] == "2"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_without_bubblewrap_require_refuses_and_auto_warns(monkeypatch):
    monkeypatch.setattr(_sandbox, "bwrap_path", lambda: None)
    folder = _workspace()
    try:
        roster, paths = _write_class(folder, {"ada": _student_notebook()})
        with pytest.raises(DataError, match="bubblewrap"):
            grading.grade(paths, roster=roster, out=folder / "out", source=SOURCE, sandbox="require", progress=False)
        assert not (folder / "out" / "gradebook.csv").exists()
        with pytest.warns(RuntimeWarning, match="unconfined"):
            book = grading.grade(paths, roster=roster, out=folder / "out", source=SOURCE, timeout=60, progress=False)
        assert {r["status"] for r in book.rows} == {"missing"}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_submission_is_attributed_by_the_roster_only(tmp_path):
    roster, paths = _write_class(tmp_path, {"ada": {"cells": []}, "bob": {"cells": []}})
    stranger = tmp_path / "elsewhere" / "eve.ipynb"
    stranger.parent.mkdir()
    stranger.write_text(json.dumps({"cells": [], "metadata": {"student": "ada"}}))
    with pytest.raises(DataError, match="cannot tell whose submission"):
        grading.grade([stranger], roster=roster, out=tmp_path / "out", source=SOURCE, progress=False)
    copy = tmp_path / "elsewhere" / "ada.ipynb"
    copy.write_text("{}")
    with pytest.raises(DataError, match="two submissions"):
        grading.grade([paths[0], copy], roster=roster, out=tmp_path / "out", source=SOURCE, progress=False)


def test_roster_errors_name_the_file_column_and_line(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(f"student,exercise,variant,file\nada,{EXERCISE},three,ada.ipynb\n")
    with pytest.raises(DataError, match=r"roster.csv.*'variant'.*2.*'three'"):
        read_roster(roster)


class _Rigged(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


def test_only_exact_plain_types_leave_the_process():
    import numpy as np
    import pandas as pd

    for value in (_Rigged(1.0), [1, _Rigged(2.0)], {"a": object()}, np.array([object()], dtype=object),
                  type("F", (pd.DataFrame,), {})({"a": [1]})):
        with pytest.raises(NotPlain):
            to_plain(value)
    frame = pd.DataFrame({"plan": ["basic", "plus"], "months": [3, 4], "fee": [9.0, float("nan")],
                          "when": pd.to_datetime(["2025-01-01", "2025-02-01"])}).set_index("plan")
    back = decode_plain(json.loads(json.dumps(to_plain(frame))))
    pd.testing.assert_frame_equal(back, frame)
    series = pd.Series([1, 2], index=pd.Index(["a", "b"], name="k"), name="n")
    pd.testing.assert_series_equal(decode_plain(to_plain(series)), series)
    assert decode_plain(to_plain({(1, "a"): {np.int64(2), 3}})) == {(1, "a"): {2, 3}}


def test_decoding_refuses_anything_outside_the_format():
    for bad in ({"$frame": {"columns": ["a"], "dtypes": [], "data": []}}, {"$set": [[1]]}, {"a": 1, "b": 2},
                {"$array": {"dtype": "object; import os", "shape": [1], "data": [1]}}):
        with pytest.raises(PlainDataError):
            decode_plain(bad)


def test_collected_copies_are_matched_by_the_assigned_layout(tmp_path):
    roster = tmp_path / "handout" / "roster.csv"
    roster.parent.mkdir()
    roster.write_text(f"student,exercise,variant,file\nana,{EXERCISE},1,ana/{EXERCISE}.ipynb\n"
                      f"bo,{EXERCISE},2,bo/{EXERCISE}.ipynb\n")
    entries = read_roster(roster)
    collected = [tmp_path / "collected" / s / f"{EXERCISE}.ipynb" for s in ("bo", "ana")]
    matched = match_submissions(collected, entries, roster.parent)
    assert {e.student: p.parent.name for e, p in matched.items()} == {"ana": "ana", "bo": "bo"}
    with pytest.raises(DataError, match="several roster lines"):
        match_submissions([tmp_path / "loose" / f"{EXERCISE}.ipynb"], entries, roster.parent)


def test_the_roster_variant_overrides_an_edited_parameters_cell():
    nb = {"cells": [{"cell_type": "code", "source": "variant = 0"},
                    {"cell_type": "code", "source": "# Parameters\nvariant = 77\n"},
                    {"cell_type": "code", "source": "data = make(seed=variant)"},
                    {"cell_type": "code", "source": "variant = 5"}]}
    steps = student_steps(nb, 3, ["x"])
    assert [s["code"] for s in steps][:4] == ["variant = 0", "# Parameters\nvariant = 77\n", "variant = 3",
                                              "data = make(seed=variant)"]
    assert steps[2]["where"] == "the line setting your variant" and steps[3]["where"] == "code cell 3"


@needs_bwrap
def test_an_unreadable_submission_scores_zero_with_a_reason(tmp_path):
    roster, paths = _write_class(tmp_path, {"ada": {"cells": []}})
    paths[0].write_text("this is not a notebook")
    book = grading.grade(paths, roster=roster, out=tmp_path / "out", source=SOURCE, workers=1, progress=False)
    assert {r["status"] for r in book.rows} == {"unreadable"}
    assert sum(r["points"] for r in book.rows) == 0


@pytest.mark.parametrize(("option", "value"), [("--memory-mb", "100"), ("--disk-mb", "0"), ("--processes", "1")])
def test_limits_too_small_for_a_kernel_are_refused_before_anything_runs(tmp_path, option, value, capsys):
    from lifecycle_lib import cli

    roster, paths = _write_class(tmp_path, {"ana": fill(_student_notebook(), HONEST)})
    out = tmp_path / "out"
    code = cli.main(["grade", "--roster", str(roster), "--out", str(out), "--source", str(SOURCE), option, value,
                     "--quiet", *map(str, paths)])
    assert code == 2
    assert option.strip("-").replace("-", "_") in capsys.readouterr().err
    assert not out.exists()
