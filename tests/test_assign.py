"""Per-student variants: the roster, the injected variant, and checks that follow the variant."""

import functools
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
    NotebookClient(
        node, timeout=300, allow_errors=True, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    errors = {}
    for cell in node.cells:
        if cell.cell_type == "code" and "check" in cell.metadata.get("tags", []):
            errs = [o for o in cell.outputs if o.output_type == "error"]
            errors[cell.metadata["lifecycle"]["id"]] = errs[0].ename if errs else None
    assert errors == {"q99_1": "WrongAnswer", "q99_2": None, "q99_3": None, "q99_4": None}


@functools.cache
def _clashes(variant: int) -> list:
    from lifecycle_lib.exercises.format import make_key
    from lifecycle_lib.tools.build import mistake_clashes

    return mistake_clashes(expected_answers(make_key(parse_solution(FIXTURES / f"{NAME}.ipynb")), variant), variant)


def _student_with_a_clashing_derived_variant() -> tuple[str, int]:
    """A student whose derived variant lets the fixture's "> 4" mistake pass (no customer with four orders)."""
    for i in range(5000):
        student = f"s{i}"
        variant = assign.derive_variant(student, NAME)
        if _clashes(variant):
            return student, variant
    raise AssertionError("no derived variant of the fixture clashes")


def test_the_fixture_has_a_mistake_that_passes_on_some_variant_but_not_on_the_public_ones():
    assert [c for v in (0, 1, 2) for c in _clashes(v)] == []
    clash = _clashes(66)
    assert [(c.qid, c.problem) for c in clash] == [("q99_3", "passes")] and "not above four" in clash[0].hint


def test_a_derived_variant_that_lets_a_mistake_pass_moves_silently_to_the_next_good_one(tmp_path, capsys):
    student, derived = _student_with_a_clashing_derived_variant()
    expected = assign.next_variant(derived)
    while _clashes(expected):
        expected = assign.next_variant(expected)
    roster = write_roster(tmp_path, f"student,exercise\n{student},99\nbo,99\n")
    out = tmp_path / "handout"
    table = assign.assign(roster, out, source=FIXTURES, workers=1)
    printed = capsys.readouterr()
    assert "warning" not in printed.out + printed.err
    written = pd.read_csv(out / "roster.csv").set_index("student")
    assert written.loc[student, "variant"] == expected != derived
    assert written.loc["bo", "variant"] == assign.derive_variant("bo", NAME)  # a good derived variant stays
    assert table.set_index("student").loc[student, "variant"] == expected
    key = json.loads((out / student / ".keys" / f"{NAME}.key").read_text())
    assert list(key["variants"]) == [str(expected)]
    assert f"variant = {expected}" in (out / student / f"{NAME}.ipynb").read_text()
    again = tmp_path / "again"  # deterministic: the same roster gives the same variants
    assign.assign(roster, again, source=FIXTURES, workers=1)
    assert (again / "roster.csv").read_text() == (out / "roster.csv").read_text()


def test_a_given_variant_that_lets_a_mistake_pass_is_kept_with_a_warning(tmp_path, capsys):
    roster = write_roster(tmp_path, "student,exercise,variant\nana,99,66\nbo,99,5\n")
    out = tmp_path / "handout"
    assert cli.main(["assign", "--roster", str(roster), "--out", str(out), "--source", str(FIXTURES)]) == 0
    err = capsys.readouterr().err
    assert pd.read_csv(out / "roster.csv")["variant"].tolist() == [66, 5]
    (line,) = [line for line in err.splitlines() if "warning" in line]
    assert "ana" in line and NAME in line and "variant 66" in line and "q99_3" in line
    assert "not above four" in line  # the mistake's hint
    assert "bo" not in line.replace("above", "")


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


def _every_text_in(path: Path) -> list[str]:
    """The file's text, and everything the package or a plain decoder can turn any part of it into."""
    import base64
    import binascii
    import re
    import zlib

    from lifecycle_lib.exercises import keys

    raw = path.read_bytes()
    texts = [raw.decode("utf-8", "replace")]
    for blob in re.findall(rb"[A-Za-z0-9+/=]{16,}(?:\n[A-Za-z0-9+/=]+)*", raw):
        try:
            decoded = base64.b64decode(blob.replace(b"\n", b""))
        except (binascii.Error, ValueError):
            continue
        texts.append(decoded.decode("utf-8", "replace"))
        try:
            texts.append(zlib.decompress(decoded).decode("utf-8", "replace"))
        except zlib.error:
            pass

    def strings(node):
        if isinstance(node, dict):
            return [s for k, v in node.items() for s in (str(k), *strings(v))]
        if isinstance(node, list):
            return [s for v in node for s in strings(v)]
        return [str(node)]

    for text in list(texts):
        try:
            texts.append("\n".join(strings(json.loads(text))))
        except ValueError:
            pass
    if path.suffix == ".key":
        data = keys.read_check_file(path)
        texts.append(json.dumps(data))
        for variant in data["variants"]:
            texts.append(repr(keys.records_for(path, int(variant))))
    return texts


def test_no_file_of_a_handout_gives_back_a_line_of_an_answer_or_a_mistake(handout):
    from lifecycle_lib.tools.build import exercise_notebook

    solution = parse_solution(FIXTURES / f"{NAME}.ipynb")
    given = {line.strip() for c in exercise_notebook(solution)["cells"] for line in "".join(c["source"]).splitlines()}
    secret_lines = set()
    for question in solution.questions:
        for code in [question.code, *(m.code for m in question.mistakes)]:
            secret_lines |= {line.strip() for line in code.splitlines() if len(line.strip()) >= 8} - given
    assert len(secret_lines) >= 4
    files = [p for p in handout.rglob("*") if p.is_file()]
    assert any(p.suffix == ".key" for p in files) and any(p.suffix == ".ipynb" for p in files)
    for path in files:
        for text in _every_text_in(path):
            leaked = [line for line in secret_lines if line in text]
            assert not leaked, (path.relative_to(handout), leaked)


def test_a_handout_key_holds_no_expected_value_of_its_variant(handout):
    key = handout / "bo" / ".keys" / f"{NAME}.key"
    text = key.read_text()
    answers = expected_answers(FIXTURES / f"{NAME}.ipynb", 5)
    aov = answers["q99_1"].value
    assert f"{aov:.2f}" not in text and f"{aov:.4g}" not in text
    for value in answers["q99_2"].value:
        assert f"{value:.2f}" not in text
    assert not any(f'"{item}"' in text or f"s:{item}" in text for item in answers["q99_3"].value)
    assert list(json.loads(text)["variants"]) == ["5"]


def test_the_leak_detector_finds_code_hidden_the_way_old_keys_hid_it(tmp_path):
    import base64
    import zlib

    from lifecycle_lib.exercises.format import make_key

    solution = parse_solution(FIXTURES / f"{NAME}.ipynb")
    hidden = base64.b64encode(zlib.compress(json.dumps(make_key(solution)).encode())).decode()
    path = tmp_path / "old.txt"
    path.write_text("lifecycle-key 1\n" + "\n".join(hidden[i : i + 76] for i in range(0, len(hidden), 76)))
    answer_line = solution.questions[0].code.strip().splitlines()[-1].strip()
    assert answer_line not in path.read_text()
    assert any(answer_line in text for text in _every_text_in(path))


def test_no_file_of_the_public_exercises_gives_back_a_line_of_a_solution():
    from lifecycle_lib._util.paths import REPO_ROOT
    from lifecycle_lib.tools.build import exercise_notebook, find_solutions

    keys = sorted((REPO_ROOT / "exercises" / ".keys").glob("*.key"))
    assert len(keys) >= 13
    texts = [text for path in keys for text in _every_text_in(path)]
    solutions = [parse_solution(path) for path in find_solutions(REPO_ROOT / "solutions")]
    handed_out = "\n".join("".join(c["source"]) for solution in solutions for c in exercise_notebook(solution)["cells"])
    checked = 0
    for solution in solutions:
        for question in solution.questions:
            for code in [question.code, *(m.code for m in question.mistakes)]:
                for line in {line.strip() for line in code.splitlines() if len(line.strip()) >= 12}:
                    if line in handed_out:  # a scaffold or a hint some exercise shows on purpose
                        continue
                    checked += 1
                    assert not any(line in text for text in texts), (solution.name, question.id, line)
    assert checked > 100
