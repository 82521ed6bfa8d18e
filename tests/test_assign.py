"""Per-student variants: the roster, the injected variant, and checks that follow the variant."""

import json
from pathlib import Path

import pandas as pd
import pytest

from lifecycle_lib import cli
from lifecycle_lib.errors import DataError
from lifecycle_lib.exercises.compare import diagnose
from lifecycle_lib.exercises.format import parse_solution
from lifecycle_lib.exercises.keys import expected_answers
from lifecycle_lib.tools import assign

FIXTURES = Path(__file__).parent / "fixtures" / "solutions"
NAME = "99_small_shop"


def write_roster(folder: Path, text: str) -> Path:
    path = folder / "roster.csv"
    path.write_text(text)
    return path


@pytest.fixture()
def handout(tmp_path):
    roster = write_roster(tmp_path, "student,exercise,variant\nana,99,3\nbo,99_small_shop,5\ncy,99_small_shop.ipynb,\n")
    out = tmp_path / "handout"
    assert cli.main(["assign", "--roster", str(roster), "--out", str(out), "--source", str(FIXTURES)]) == 0
    return out


def test_roster_records_student_exercise_variant_and_file(handout):
    table = pd.read_csv(handout / "roster.csv")
    assert list(table.columns) == ["student", "exercise", "variant", "file"]
    assert table["student"].tolist() == ["ana", "bo", "cy"]
    assert table["exercise"].tolist() == [NAME] * 3
    assert table["variant"].tolist()[:2] == [3, 5]
    assert table["variant"].iloc[2] == assign.derive_variant("cy", NAME) != 0
    for rel in table["file"]:
        assert (handout / rel).is_file()
        assert (handout / rel).parent.joinpath(".keys", f"{NAME}.key").is_file()


def test_the_variant_is_injected_after_the_parameters_cell(handout):
    nb = json.loads((handout / "bo" / f"{NAME}.ipynb").read_text())
    sources = ["".join(c["source"]) for c in nb["cells"]]
    at = next(i for i, c in enumerate(nb["cells"]) if "parameters" in c["metadata"].get("tags", []))
    assert sources[at] == "variant = 0"
    assert nb["cells"][at + 1]["metadata"]["tags"] == ["injected-parameters"]
    assert "variant = 5" in sources[at + 1]
    assert "papermill" not in nb["metadata"]


def test_two_variants_expect_different_answers_and_each_passes_its_own_solution():
    solution = FIXTURES / f"{NAME}.ipynb"
    a3, a5 = expected_answers(solution, 3), expected_answers(solution, 5)
    assert a3["q99_1"].value != pytest.approx(a5["q99_1"].value, rel=1e-3)
    assert not a3["q99_2"].value.equals(a5["q99_2"].value)
    for mine, other in ((a3, a5), (a5, a3)):
        for qid, exp in mine.items():
            assert diagnose(exp, exp.value).ok, qid
        assert not diagnose(mine["q99_1"], other["q99_1"].value).ok


@pytest.mark.slow
def test_an_assigned_notebook_checks_against_its_own_variant(handout):
    """Run bo's notebook (variant 5) in a kernel: the solution's code passes, variant 0's value fails."""
    import nbformat
    from nbclient import NotebookClient

    solution = parse_solution(FIXTURES / f"{NAME}.ipynb")
    v0 = expected_answers(FIXTURES / f"{NAME}.ipynb", 0)["q99_1"].value
    path = handout / "bo" / f"{NAME}.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        meta = cell["metadata"]
        if "answer" in meta.get("tags", []):
            qid = meta["lifecycle"]["id"]
            cell["source"] = f"aov = {v0!r}" if qid == "q99_1" else solution.question(qid).code
    node = nbformat.reads(json.dumps(nb), as_version=4)
    NotebookClient(node, timeout=300, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = {}
    for cell in node.cells:
        if cell.cell_type == "code" and "check" in cell.metadata.get("tags", []):
            errs = [o for o in cell.outputs if o.output_type == "error"]
            errors[cell.metadata["lifecycle"]["id"]] = errs[0].ename if errs else None
    assert errors == {"q99_1": "WrongAnswer", "q99_2": None, "q99_3": None, "q99_4": None}


def test_derived_variants_are_stable_and_differ_between_students():
    variants = {assign.derive_variant(f"student{i}", NAME) for i in range(50)}
    assert len(variants) > 45 and 0 not in variants
    assert assign.derive_variant("ana", NAME) == assign.derive_variant("ana", NAME)
    assert assign.derive_variant("ana", NAME) != assign.derive_variant("ana", "98_other")


@pytest.mark.parametrize(
    ("text", "column", "line"),
    [
        ("student,exercise\nana,99\nbo b,99\n", "student", 3),
        ("student,exercise\nana,42\n", "exercise", 2),
        ("student,exercise,variant\nana,99,three\n", "variant", 2),
        ("student,exercise\nana,99\nana,99_small_shop\n", "exercise", 2),
        ("name,exercise\nana,99\n", "student", None),
    ],
)
def test_roster_mistakes_name_the_column_and_the_line(tmp_path, text, column, line):
    roster = write_roster(tmp_path, text)
    with pytest.raises(DataError) as info:
        assign.read_roster(roster, FIXTURES)
    assert info.value.column == column
    if line is not None:
        assert line in info.value.rows
    assert info.value.fix
    assert cli.main(["assign", "--roster", str(roster), "--out", str(tmp_path / "out"), "--source", str(FIXTURES)]) == 2
    assert not (tmp_path / "out").exists()
