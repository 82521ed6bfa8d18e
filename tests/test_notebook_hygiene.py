"""Every committed notebook is clean, named, navigable and shaped like a lesson.

Each rule is a function returning the problems it finds in one notebook; the rules are first shown to
catch what they should on small fixture notebooks, then run on every notebook in notebooks/,
solutions/ and exercises/. Fix a failure with ``lifecycle notebooks clean`` (outputs, metadata) and
``lifecycle notebooks nav`` (navigation cells); the rest needs an edit by the author.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, lesson_cells, new_notebook

from lifecycle_lib._util.notebooks import notebook_text, read_notebook
from lifecycle_lib.tools.course import LESSON_NAME
from lifecycle_lib.tools.site.hygiene import (
    CELL_METADATA_DROPPED,
    NOTEBOOK_METADATA_KEPT,
    clean_notebook,
    clean_paths,
    is_pinned,
)
from lifecycle_lib.tools.site.navigation import (
    add_navigation,
    is_navigation_cell,
    navigation_cells,
    notebook_title,
    with_navigation,
)

FOLDERS = ("notebooks", "solutions", "exercises")
LESSON_HEADINGS = ("Learning goals", "Summary", "Questionnaire")
_HEADING_LINE = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*$", re.MULTILINE)
_LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|href=\"([^\"]+)\"")
_LITERAL_READ = re.compile(r"\b(read_csv|read_parquet|read_excel|read_json|read_table|loadtxt|genfromtxt)\(\s*[rbfu]?['\"]")
_URL_IN_CODE = re.compile(r"https?://|\burlopen\(|\brequests\.(get|post)\(|\burlretrieve\(")


def _code_lines(cell):
    """Lines of a code cell with comments removed, so a comment explaining a rule never trips it."""
    return [line.split("#", 1)[0] for line in cell["source"].splitlines()]


# --- the rules -----------------------------------------------------------------------------------


def name_problems(path: Path, nb: dict) -> list[str]:
    if LESSON_NAME.match(path.name):
        return []
    return [f"{path.name}: name it NN_lowercase_words.ipynb (two digits, underscores, no spaces)"]


def output_problems(path: Path, nb: dict) -> list[str]:
    problems = []
    for number, cell in enumerate(nb["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        if is_pinned(cell):
            if not cell.get("outputs"):
                problems.append(f"cell {number} is pinned with NBVAL_CHECK_OUTPUT but has no stored output to compare")
            continue
        if cell.get("outputs"):
            problems.append(f"cell {number} has outputs (run `lifecycle notebooks clean`)")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {number} has an execution count (run `lifecycle notebooks clean`)")
    return problems


def metadata_problems(path: Path, nb: dict) -> list[str]:
    problems = []
    extra = sorted(set(nb.get("metadata", {})) - set(NOTEBOOK_METADATA_KEPT))
    if extra:
        problems.append(f"notebook metadata has {extra} (run `lifecycle notebooks clean`)")
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"kernelspec is {kernel!r}, not 'python3'")
    for number, cell in enumerate(nb["cells"], start=1):
        noisy = sorted(set(cell.get("metadata", {})) & set(CELL_METADATA_DROPPED))
        if noisy:
            problems.append(f"cell {number} metadata has {noisy} (run `lifecycle notebooks clean`)")
    if clean_notebook(nb) != nb:
        problems.append("`lifecycle notebooks clean` would change this notebook")
    return problems


def code_problems(path: Path, nb: dict) -> list[str]:
    problems = []
    for number, cell in enumerate(nb["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        code = "\n".join(_code_lines(cell))
        if "../" in code or "..\\" in code:
            problems.append(f"cell {number} reaches outside its folder with '../'; use lifecycle_lib.data.datasets.load_*()")
        if _LITERAL_READ.search(code):
            problems.append(f"cell {number} reads a file by a literal path; use lifecycle_lib.data.datasets.load_*()")
        if _URL_IN_CODE.search(code):
            problems.append(f"cell {number} fetches a URL at run time; the course must run without a network")
    return problems


def navigation_problems(path: Path, nb: dict, titles: dict[str, str], kind: str) -> list[str]:
    cells = nb["cells"]
    places = [is_navigation_cell(cell) for cell in cells]
    problems = []
    if not cells or places[0] != "top":
        problems.append("the first cell is not the navigation cell")
    if kind == "lesson" and places[-1] != "bottom":
        problems.append("the last cell is not the navigation cell")
    expected = with_navigation(nb, navigation_cells(path.name, titles, kind=kind))
    if not problems and notebook_text(expected) != notebook_text(nb):
        problems.append("navigation is stale")
    if problems:
        problems[-1] += " (run `lifecycle notebooks nav`)"
    return problems


def shape_problems(path: Path, nb: dict) -> list[str]:
    markdown = "\n".join(cell["source"] for cell in nb["cells"] if cell["cell_type"] == "markdown")
    headings = [heading.lower() for heading in _HEADING_LINE.findall(markdown)]
    problems = [
        f"no '{wanted}' heading"
        for wanted in LESSON_HEADINGS
        if not any(heading.startswith(wanted.lower()) or wanted.lower() in heading for heading in headings)
    ]
    if not path.name.startswith("00_") and f"../exercises/{path.name}" not in markdown:
        problems.append(f"no link to the exercise notebook ../exercises/{path.name}")
    return problems


def link_problems(path: Path, nb: dict) -> list[str]:
    problems = []
    for number, cell in enumerate(nb["cells"], start=1):
        if cell["cell_type"] != "markdown":
            continue
        for groups in _LINK.findall(cell["source"]):
            target = next(group for group in groups if group)
            if re.match(r"^[a-z][a-z0-9+.-]*:|^#", target):
                continue  # a web page, a mail address or an anchor in this notebook
            if not (path.parent / target.split("#")[0]).exists():
                problems.append(f"cell {number} links to {target}, which does not exist")
    return problems


def _kind(path: Path) -> str:
    return {"solutions": "solution", "exercises": "exercise"}.get(path.parent.name, "lesson")


def all_problems(path: Path, titles: dict[str, str]) -> list[str]:
    nb = read_notebook(path)
    problems = name_problems(path, nb) + output_problems(path, nb) + metadata_problems(path, nb)
    problems += code_problems(path, nb) + link_problems(path, nb)
    if _kind(path) in ("lesson", "solution"):
        problems += navigation_problems(path, nb, titles, _kind(path))
    elif not any(f"../notebooks/{path.name}" in cell["source"] for cell in nb["cells"][:2]):
        problems.append(f"no link back to the lesson ../notebooks/{path.name} near the top")
    if _kind(path) == "lesson":
        problems += shape_problems(path, nb)
    return problems


def _titles(root: Path) -> dict[str, str]:
    return {p.name: notebook_title(p) for p in sorted((root / "notebooks").glob("*.ipynb")) if LESSON_NAME.match(p.name)}


# --- the rules catch what they should ---------------------------------------------------------------


def test_a_tidy_course_has_no_problems(course_tree):
    titles = _titles(course_tree)
    for folder in FOLDERS:
        for path in sorted((course_tree / folder).glob("*.ipynb")):
            assert all_problems(path, titles) == [], path


def test_outputs_and_counts_are_found_and_cleaned(course_tree):
    path = course_tree / "notebooks" / "01_first_look.ipynb"
    nb = read_notebook(path)
    code = next(cell for cell in nb["cells"] if cell["cell_type"] == "code")
    code["execution_count"] = 4
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "6\n"}]
    code["metadata"]["execution"] = {"iopub.execute_input": "2025-01-01"}
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    path.write_text(notebook_text(nb), encoding="utf-8")
    problems = all_problems(path, _titles(course_tree))
    assert any("has outputs" in p for p in problems)
    assert any("execution count" in p for p in problems)
    assert any("'widgets'" in p for p in problems)
    assert any("'execution'" in p for p in problems)
    assert clean_paths([course_tree / "notebooks"]) == [path]
    assert all_problems(path, _titles(course_tree)) == []


def test_a_pinned_cell_keeps_its_output_and_must_have_one(make_notebook):
    pinned = ("code", "# NBVAL_CHECK_OUTPUT\nprint(6)")
    path = make_notebook("notebooks/01_pin.ipynb", [pinned])
    assert output_problems(path, read_notebook(path)) == [
        "cell 1 is pinned with NBVAL_CHECK_OUTPUT but has no stored output to compare"
    ]
    nb = read_notebook(path)
    nb["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "6\n"}]
    nb["cells"][0]["execution_count"] = 1
    path.write_text(notebook_text(nb), encoding="utf-8")
    assert clean_paths([path]) == []
    assert read_notebook(path)["cells"][0]["outputs"][0]["text"] == "6\n"
    assert output_problems(path, read_notebook(path)) == []


def test_the_writer_matches_nbformat(course_tree):
    import nbformat

    path = course_tree / "notebooks" / "01_first_look.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nbformat.writes(nb) + "\n" == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "bad"),
    [("1_intro.ipynb", True), ("01 intro.ipynb", True), ("Untitled.ipynb", True), ("01_intro.ipynb", False)],
)
def test_names_must_sort(name, bad):
    assert bool(name_problems(Path(name), new_notebook([]))) is bad


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("orders = pd.read_csv('../datasets/orders.csv')", True),
        ("orders = pd.read_parquet(\"orders.parquet\")", True),
        ("html = urlopen('https://example.org/data.csv').read()", True),
        ("orders = datasets.load_orders()", False),
        ("orders = pd.read_csv(path)  # not '../data.csv'", False),
    ],
)
def test_data_must_come_from_the_package(source, bad):
    nb = new_notebook([("code", source)])
    nb["cells"][0]["source"] = source
    assert bool(code_problems(Path("01_x.ipynb"), nb)) is bad


def test_missing_and_stale_navigation_is_found(course_tree):
    titles = _titles(course_tree)
    path = course_tree / "notebooks" / "01_first_look.ipynb"
    nb = read_notebook(path)
    assert navigation_problems(path, nb, titles, "lesson") == []
    renamed = dict(titles, **{"02_second_look.ipynb": "02 · A new title"})
    assert navigation_problems(path, nb, renamed, "lesson") == ["navigation is stale (run `lifecycle notebooks nav`)"]
    nb["cells"] = nb["cells"][1:]
    assert "the first cell is not the navigation cell" in navigation_problems(path, nb, titles, "lesson")[0]


def test_navigation_is_replaced_not_added(course_tree):
    folder = course_tree / "notebooks"
    before = {p: p.read_text(encoding="utf-8") for p in folder.glob("*.ipynb")}
    assert add_navigation(folder) == []
    assert {p: p.read_text(encoding="utf-8") for p in folder.glob("*.ipynb")} == before
    nb = read_notebook(folder / "01_first_look.ipynb")
    assert [is_navigation_cell(c) for c in nb["cells"]].count("top") == 1
    top = nb["cells"][0]["source"]
    assert "(00_start_here.ipynb)" in top and "(02_second_look.ipynb)" in top and "(../README.md)" in top


def test_solutions_link_back_to_their_lesson(course_tree):
    nb = read_notebook(course_tree / "solutions" / "02_second_look.ipynb")
    assert "](../notebooks/02_second_look.ipynb)" in nb["cells"][0]["source"]
    assert "02 · Second look" in nb["cells"][0]["source"]


def test_lesson_shape_is_checked(make_notebook):
    path = make_notebook("notebooks/03_bare.ipynb", [("markdown", "# 03 · Bare\n\n## Summary")])
    problems = shape_problems(path, read_notebook(path))
    assert "no 'Learning goals' heading" in problems
    assert "no 'Questionnaire' heading" in problems
    assert "no link to the exercise notebook ../exercises/03_bare.ipynb" in problems
    start = make_notebook("notebooks/00_start.ipynb", lesson_cells("00", "Start", exercise=False))
    assert shape_problems(start, read_notebook(start)) == []


def test_broken_links_are_found(make_notebook):
    path = make_notebook("notebooks/01_x.ipynb", [("markdown", "[gone](../exercises/01_x.ipynb) [web](https://x.org)")])
    assert link_problems(path, read_notebook(path)) == ["cell 1 links to ../exercises/01_x.ipynb, which does not exist"]


# --- the committed notebooks ---------------------------------------------------------------------

COMMITTED = sorted(
    path.relative_to(ROOT).as_posix()
    for folder in FOLDERS
    for path in (ROOT / folder).glob("*.ipynb")
)


@pytest.mark.parametrize("relative", COMMITTED)
def test_committed_notebook(relative):
    problems = all_problems(ROOT / relative, _titles(ROOT))
    assert not problems, f"{relative}:\n  " + "\n  ".join(problems)


def test_no_stray_notebooks_outside_the_course_folders():
    allowed = {ROOT / folder for folder in FOLDERS}
    skipped = {".venv", "scratch", ".git", "test-output", "_site", "build"}
    stray = [
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*.ipynb")
        if path.parent not in allowed
        and not (set(path.relative_to(ROOT).parts) & skipped)
        and path.relative_to(ROOT).parts[0] != "tests"  # fixtures of the tools' own tests
        and ".ipynb_checkpoints" not in path.parts
    ]
    assert not stray, f"notebooks belong in notebooks/, solutions/ or exercises/ (scratch/ for drafts): {stray}"


def test_the_stray_check_would_notice_an_untitled_notebook(tmp_path):
    (tmp_path / "Untitled.ipynb").write_text("{}", encoding="utf-8")
    assert name_problems(tmp_path / "Untitled.ipynb", new_notebook([]))


# -- lessons 01 to 06 draw with the course's own plots and widgets ------------------------------------


def _plain_drawing(source: str) -> list[str]:
    """What in a code cell draws or explores without the course's ``plots`` and ``widgets``."""
    found = []
    if re.search(r"^\s*(import matplotlib\.pyplot|from matplotlib import pyplot)", source, re.MULTILINE):
        found.append("imports matplotlib.pyplot")
    if re.search(r"\bplt\.subplots?\(", source):
        found.append("draws with plt.subplots")
    if re.search(r"\binteract(ive)?\(", source):
        found.append("explores with ipywidgets.interact")
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("0[1-6]_*.ipynb")), ids=lambda p: p.stem)
def test_lessons_01_to_06_draw_with_the_shared_plots_and_widgets(path):
    cells = [c for c in read_notebook(path)["cells"] if c["cell_type"] == "code"]
    problems = [f"cell {c.get('id')}: {what}" for c in cells for what in _plain_drawing("".join(c["source"]))]
    assert not problems, f"{path.name} " + "; ".join(problems)


def test_plain_drawing_is_recognised():
    assert _plain_drawing("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()") == [
        "imports matplotlib.pyplot", "draws with plt.subplots"]
    assert _plain_drawing("widgets.interact(show, days=slider)") == ["explores with ipywidgets.interact"]
    assert _plain_drawing("plots.histogram(gaps, vline=60)\nwidgets.explorer(f, SLIDERS, draw)") == []
