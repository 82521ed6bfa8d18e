"""Building exercises: notebooks run in real kernels, under nbval as a student runs them.

The fixture solution (tests/fixtures/solutions/) is built into a temporary folder; the built
exercise must fail exactly its check cells under ``pytest --nbval-lax``, the solution must pass, and
the build must refuse a blank that passes or a solution that fails.
"""

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from lifecycle_lib import cli
from lifecycle_lib._util.notebooks import LESSON_NAME
from lifecycle_lib.exercises.format import parse_solution
from lifecycle_lib.tools import build

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures" / "solutions"
REPO = Path(__file__).resolve().parent.parent
NAME = "99_small_shop"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("exercises")
    written = build.build(source=FIXTURES, out=out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == [f".keys/{NAME}.key", f"{NAME}.ipynb"]
    return out


def nbval(notebook: Path, tmp_path: Path) -> tuple[int, dict]:
    """Run ``pytest --nbval-lax`` on a notebook in a subprocess; (exit status, {"Cell N": passed?})."""
    report = tmp_path / f"report-{notebook.stem}.xml"
    env = {k: v for k, v in os.environ.items() if k != "LIFECYCLE_KEYS"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-cell-timeout=300",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            f"--junitxml={report}",
            str(notebook),
        ],
        cwd=notebook.parent,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    results = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = case.get("name").split("::")[-1]
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        results[name] = "skipped" if skipped else ("failed" if failed else "passed")
    return proc.returncode, results


def code_cells(path: Path) -> list:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def test_the_blank_exercise_fails_exactly_its_check_cells_under_nbval(built, tmp_path):
    notebook = built / f"{NAME}.ipynb"
    status, results = nbval(notebook, tmp_path)
    checks_at = {f"Cell {i}" for i, c in enumerate(code_cells(notebook)) if "check" in c["metadata"].get("tags", [])}
    assert status == 1
    assert len(checks_at) == 4
    assert {name for name, r in results.items() if r == "failed"} == checks_at
    assert len(results) == len(code_cells(notebook))


def test_an_answered_question_passes_and_only_the_open_ones_fail(built, tmp_path):
    solution = parse_solution(FIXTURES / f"{NAME}.ipynb")
    work = tmp_path / "student"
    shutil.copytree(built, work)
    path = work / f"{NAME}.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:  # the student answers q99_1 and q99_2, leaves q99_3 and q99_4 open
        if cell.get("metadata", {}).get("lifecycle", {}).get("id") in ("q99_1", "q99_2") and "answer" in cell[
            "metadata"
        ].get("tags", []):
            cell["source"] = solution.question(cell["metadata"]["lifecycle"]["id"]).code
    path.write_text(json.dumps(nb))
    status, results = nbval(path, tmp_path)
    failed = {name for name, r in results.items() if r == "failed"}
    cells = code_cells(path)
    open_checks = {
        f"Cell {i}"
        for i, c in enumerate(cells)
        if "check" in c["metadata"].get("tags", []) and c["metadata"]["lifecycle"]["id"] in ("q99_3", "q99_4")
    }
    assert status == 1 and failed == open_checks


def test_the_solution_passes_under_nbval_with_mistakes_skipped(tmp_path):
    folder = tmp_path / "solutions"
    shutil.copytree(FIXTURES, folder)
    status, results = nbval(folder / f"{NAME}.ipynb", tmp_path)
    assert status == 0
    assert list(results.values()).count("skipped") == 5  # the five mistake cells
    assert "failed" not in results.values()


def test_check_mode_finds_no_difference_then_finds_an_edit(built, capsys):
    assert build.build(source=FIXTURES, out=built, check_only=True) == []
    notebook = built / f"{NAME}.ipynb"
    original = notebook.read_text()
    try:
        notebook.write_text(original.replace("How to check your work", "How to check"))
        differences = build.build(source=FIXTURES, out=built, check_only=True, execute=False)
        assert differences and f"{NAME}.ipynb: differs" in differences[0]
        assert cli.main(["exercises", "build", "--source", str(FIXTURES), "--out", str(built), "--check"]) == 1
        assert "differs" in capsys.readouterr().err
    finally:
        notebook.write_text(original)


def test_a_second_build_writes_the_same_bytes(built, tmp_path):
    again = tmp_path / "again"
    build.build(source=FIXTURES, out=again, execute=False)
    for rel in (f"{NAME}.ipynb", f".keys/{NAME}.key"):
        assert (again / rel).read_bytes() == (built / rel).read_bytes()


def _variant_of_fixture(tmp_path, edit) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    nb = json.loads((FIXTURES / f"{NAME}.ipynb").read_text())
    edit({c["id"]: c for c in nb["cells"]})
    (source / f"{NAME}.ipynb").write_text(json.dumps(nb))
    return source


def test_a_blank_that_passes_its_check_makes_the_build_refuse(tmp_path):
    def leak(cells):  # the line after END SOLUTION stays in the blank and computes the answer
        cells["a1"]["source"] = (
            '# BEGIN SOLUTION\naov = orders["amount"].mean()\n# END SOLUTION\naov = orders["amount"].sum() / len(orders)'
        )

    source = _variant_of_fixture(tmp_path, leak)
    out = tmp_path / "out"
    with pytest.raises(build.BuildError, match=rf"{NAME}.ipynb, q99_1: the check passes on the blank exercise"):
        build.build(source=source, out=out)
    assert not out.exists()
    status = cli.main(["exercises", "build", "--source", str(source), "--out", str(out)])
    assert status == 2 and not out.exists()


def test_a_solution_that_fails_its_check_makes_the_build_refuse(tmp_path):
    def kernel_only(cells):  # computes another value in the kernel than in the check's own run
        cells["a1"]["source"] = 'aov = orders["amount"].mean() * (2 if "get_ipython" in globals() else 1)'

    source = _variant_of_fixture(tmp_path, kernel_only)
    with pytest.raises(build.BuildError, match=rf"{NAME}.ipynb, q99_1: the solution fails: WrongAnswer"):
        build.build(source=source, out=tmp_path / "out")


def test_a_mistake_that_is_not_wrong_makes_the_build_refuse(tmp_path):
    def harmless(cells):
        cells["m2"]["source"] = 'revenue = orders.groupby("channel")["amount"].sum() * 1.0000001'

    source = _variant_of_fixture(tmp_path, harmless)
    with pytest.raises(build.BuildError, match=r"q99_2, variant 0: the mistake with hint .* passes the check"):
        build.build(source=source, out=tmp_path / "out")


def _refused_without_kernels(source: Path, tmp_path: Path, monkeypatch) -> str:
    """The build's refusal, from its kernel-free pass: no kernel may start, nothing may be written."""
    monkeypatch.setattr(build, "_execute_all", lambda *args, **kwargs: pytest.fail("a kernel was started"))
    out = tmp_path / "out"
    with pytest.raises(build.BuildError) as info:
        build.build(source=source, out=out)
    assert not out.exists()
    return str(info.value)


def test_a_mistake_that_is_right_on_another_public_variant_makes_the_build_refuse(tmp_path, monkeypatch):
    def right_on_variant_2(cells):
        cells["m1a"]["source"] = 'aov = orders["amount"].sum() if variant != 2 else orders["amount"].mean()'

    text = _refused_without_kernels(_variant_of_fixture(tmp_path, right_on_variant_2), tmp_path, monkeypatch)
    assert f"{NAME}.ipynb, q99_1, variant 2: the mistake with hint 'That is the total revenue." in text
    assert "passes the check" in text and "variant 0" not in text and "variant 1" not in text


def test_two_mistakes_that_coincide_on_a_public_variant_make_the_build_refuse(tmp_path, monkeypatch):
    def twins_on_variant_1(cells):  # the per-customer mistake lands on the total revenue for variant 1 only
        cells["m1b"]["source"] = (
            'aov = orders["amount"].sum() * 1.0002 if variant == 1 else '
            'orders.groupby("customer")["amount"].sum().mean()'
        )

    text = _refused_without_kernels(_variant_of_fixture(tmp_path, twins_on_variant_1), tmp_path, monkeypatch)
    assert f"{NAME}.ipynb, q99_1, variant 1: the mistake with hint 'That is the average revenue per customer" in text
    assert "the earlier mistake with hint 'That is the total revenue." in text and "never shown" in text


def test_a_mistake_that_raises_on_a_public_variant_makes_the_build_refuse(tmp_path, monkeypatch):
    def fails_on_variant_1(cells):
        cells["m2"]["source"] = 'revenue = orders.groupby("channel")["amount" if variant != 1 else "price"].count()'

    text = _refused_without_kernels(_variant_of_fixture(tmp_path, fails_on_variant_1), tmp_path, monkeypatch)
    assert f"{NAME}.ipynb, q99_2, variant 1: the mistake with hint 'You counted the orders" in text
    assert "raises (KeyError" in text


def test_committed_exercises_are_what_the_solutions_generate():
    """What CI runs: regenerate into a temporary folder and compare with exercises/."""
    if not any(LESSON_NAME.match(p.name) for p in (REPO / "solutions").iterdir()):
        pytest.skip("solutions/ holds no solution notebooks yet")
    assert build.build(source=REPO / "solutions", out=REPO / "exercises", check_only=True) == []
