"""Submissions that tried to stop the whole batch or to escape the sandbox's caps, graded beside honest ones.

Each attack is a real notebook graded in one batch next to an honest neighbour who must keep
full marks; the gradebook and every other student's feedback must be complete and the
submissions unchanged. These runs need bubblewrap (an attack kills every process it can reach).
"""

from __future__ import annotations

import html
import resource
import shutil
import time

import pytest
from adversarial.breakers import LOOP, SECRET_ENV, breakers
from adversarial.cases import HONEST, fill, insert_after
from test_grading import SOURCE, _digest, _rows, _student_notebook, _workspace, _write_class

from lifecycle_lib.tools.grade import _sandbox, grading
from lifecycle_lib.tools.grade.plain import PlainDataError, decode_plain

pytestmark = pytest.mark.skipif(_sandbox.bwrap_path() is None,
                                reason="bubblewrap cannot run here; tests/install_system_deps.sh installs it")

SECRET = "s3cr3t-value-7f2a9c"
DISK_MB, HOARD_MB, MEMORY_MB, PROCESSES = 16, 200, 700, 12


@pytest.fixture(scope="module")
def breaker_run():
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv(SECRET_ENV, SECRET)
    folder = _workspace()
    cases = breakers(_student_notebook(), DISK_MB, HOARD_MB, PROCESSES)
    notebooks = {name: case["nb"] for name, case in cases.items()}
    notebooks["zz_honest_neighbour"] = fill(_student_notebook(), HONEST)
    roster, paths = _write_class(folder, notebooks)
    before = {p: _digest(p) for p in [*paths, roster]}
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    books = []
    for run in range(2):  # a rerun gives the same grades
        books.append(grading.grade(paths, roster=roster, out=folder / f"out{run}", source=SOURCE, workers=2,
                                   timeout=60, cell_timeout=20, memory_mb=MEMORY_MB, disk_mb=DISK_MB,
                                   processes=PROCESSES, progress=False))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    yield {"folder": folder, "cases": cases, "books": books, "before": before, "grown_mb": grown_mb,
           "rows": _rows(folder / "out0" / "gradebook.csv")}
    monkeypatch.undo()
    shutil.rmtree(folder, ignore_errors=True)


def _page(run, student):
    return html.unescape(run["books"][0].feedback[student].read_text())


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(breakers(_student_notebook(), DISK_MB, HOARD_MB,
                                   PROCESSES)))
def test_each_breaker_scores_what_it_answered_and_the_batch_goes_on(breaker_run, name):
    case = breaker_run["cases"][name]
    for qid, honest in case["expect"].items():
        row = breaker_run["rows"][(name, qid)]
        assert float(row["points"]) == (float(row["max_points"]) if honest else 0.0), (qid, row)
        if qid in case.get("status", {}):
            assert row["status"] == case["status"][qid], (qid, row)


@pytest.mark.slow
def test_the_honest_neighbour_keeps_full_marks_and_everyone_gets_feedback(breaker_run):
    for book in breaker_run["books"]:
        assert book.totals()["zz_honest_neighbour"] == (5.0, 5.0)
        assert set(book.feedback) == set(breaker_run["cases"]) | {"zz_honest_neighbour"}
        assert all(path.exists() for path in book.feedback.values())
    folder = breaker_run["folder"]
    assert (folder / "out0" / "gradebook.csv").read_text() == (folder / "out1" / "gradebook.csv").read_text()
    for path, digest in breaker_run["before"].items():
        assert _digest(path) == digest, path


@pytest.mark.slow
def test_a_forged_line_never_makes_the_grader_allocate_its_size(breaker_run):
    assert breaker_run["grown_mb"] < 1000
    assert "could not be read" in breaker_run["rows"][("forged_big", "q98_3")]["message"]


@pytest.mark.slow
def test_the_graders_environment_never_reaches_the_sandbox(breaker_run):
    page = _page(breaker_run, "reads_environ")
    assert "read " in page and "environ files" in page  # the attack ran and its error was reported
    for book in breaker_run["books"]:
        for path in [book.path, *book.feedback.values()]:
            assert SECRET not in path.read_text(), path


@pytest.mark.slow
def test_no_host_secret_and_no_other_students_file_is_visible_and_nobody_is_root(breaker_run):
    page = _page(breaker_run, "reads_host")
    assert "host secrets: [('uid', 65534, 65534)]" in page, page[page.find("host secrets"):][:600]


@pytest.mark.slow
def test_every_writable_place_has_a_cap_and_the_overflow_is_the_notebooks_error(breaker_run):
    page = _page(breaker_run, "fills_disks")
    assert page.count("raised OSError") == 4, page


@pytest.mark.slow
def test_memory_and_processes_are_capped_for_the_whole_submission(breaker_run):
    assert "more memory than allowed" in _page(breaker_run, "fork_hoard")
    assert "more processes than allowed" in _page(breaker_run, "fork_many")


def test_decoding_refuses_forged_sizes_before_allocating():
    for bad in ({"$array": {"dtype": "S1000000000", "shape": [3], "data": ["a", "b", "c"]}},
                {"$array": {"dtype": "int64", "shape": [1], "data": [10**30]}},
                {"$array": {"dtype": "float64", "shape": [10**6, 10**6], "data": []}},
                {"$array": {"dtype": "f8, f8", "shape": [1], "data": [1]}},
                {"$td": 10**30},
                {"$series": {"name": {"$set": ["a"]}, "dtype": "float64", "data": [1.0],
                             "index": {"dtype": "int64", "names": [None], "data": [0]}}}):
        with pytest.raises(PlainDataError):
            decode_plain(bad)


def test_a_warm_process_is_never_failed_for_having_waited():
    process = _sandbox.HarnessProcess(_sandbox.Confinement(hide=[], bwrap=_sandbox.bwrap_path()))
    time.sleep(3)
    result = process.run({"steps": [{"code": "n = 1", "snap": ["n"]}]}, timeout=20, start_timeout=2)
    assert result.ending == "done", result


@pytest.mark.slow
def test_hanging_notebooks_do_not_use_up_an_honest_students_time(monkeypatch):
    monkeypatch.setattr(_sandbox, "START_TIMEOUT", 5.0)
    folder = _workspace()
    try:
        looping = insert_after(fill(_student_notebook(), HONEST), "q98_1", LOOP)
        notebooks = {"a_loop1": looping, "a_loop2": looping, "z_honest": fill(_student_notebook(), HONEST)}
        roster, paths = _write_class(folder, notebooks, variants={"a_loop1": 1, "a_loop2": 1, "z_honest": 1})
        book = grading.grade(paths, roster=roster, out=folder / "out", source=SOURCE, workers=1, timeout=30,
                             cell_timeout=7, progress=False)
        assert book.totals()["z_honest"] == (5.0, 5.0)
        assert book.totals()["a_loop1"] == (1.0, 5.0)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


