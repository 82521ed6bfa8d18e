"""The rendered course: a Sphinx site of the executed lessons, with a syllabus sidebar, search, folding
code, downloads, offline widgets and formulas, a cache, and failures that name the lesson and cell;
first on small fixture courses (fast, and the failure paths), then on the course's own lessons."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import lesson_cells, new_notebook

from lifecycle_lib._util.notebooks import write_notebook
from lifecycle_lib.errors import UsageError
from lifecycle_lib.tools.site import render
from lifecycle_lib.tools.site.navigation import add_navigation

pytestmark = pytest.mark.slow

PLOT = """import matplotlib.pyplot as plt
from IPython.display import Markdown
fig, ax = plt.subplots(figsize=(3, 2))
ax.bar(["new", "active", "lapsed"], [3, 5, 2])
plt.show()"""

# A figure made without pyplot, shown before pyplot has drawn anything: IPython shows it as text.
FIGURE_AS_TEXT = """import matplotlib.figure
fig = matplotlib.figure.Figure(figsize=(3, 2))
fig.subplots().plot([1, 2, 3])
fig"""

FORMULA = r"""The value of a customer over the years to come:

$$\mathrm{CLV} = \sum_{t=1}^{T} \frac{m \, r^{t}}{(1 + d)^{t}}$$"""

WIDGET = """import ipywidgets as widgets
explorer = widgets.interactive(lambda days: print(f"window: {days} days"),
                               days=widgets.IntSlider(value=30, min=10, max=90, step=10))
explorer"""

# A cell that only writes a sentence of the page from the data, as the lessons do.
PROSE = """display(Markdown(f"The shop has **{2 + 3}** customers in the sample."))"""

SHOWN_AS_TEXT = re.compile(r"&lt;Figure size [\d.]+x[\d.]+ with \d+ Axes&gt;")


def figures_shown_as_text(page: str) -> list[str]:
    """The ``<Figure size ...>`` texts a page shows where a figure should be an image."""
    return SHOWN_AS_TEXT.findall(page)


def write_course(root, lessons, exercises=()):
    (root / "README.md").write_text("# Course\n", encoding="utf-8")
    folder = root / "notebooks"
    folder.mkdir(parents=True)
    for name, cells in lessons.items():
        write_notebook(new_notebook(cells), folder / name)
    for name in exercises:
        (root / "exercises").mkdir(exist_ok=True)
        write_notebook(new_notebook([("markdown", "# Exercise"), ("code", "answer = ...")]), root / "exercises" / name)
    add_navigation(folder)
    return folder


def small_course(root):
    return write_course(
        root,
        {
            "00_start_here.ipynb": lesson_cells("00", "Start here", [("code", "print('ready')")], exercise=False),
            "01_plots.ipynb": lesson_cells("01", "Plots", [("markdown", FORMULA), ("code", PLOT), ("code", PROSE)]),
            "02_widgets.ipynb": lesson_cells("02", "Widgets", [("markdown", "Some **zymurgy** here."),
                                                               ("code", WIDGET)]),
        },
        exercises=["01_plots.ipynb", "02_widgets.ipynb"],
    )


def page(out: Path, name: str) -> str:
    return (out / f"{name}.html").read_text(encoding="utf-8")


def sidebar(text: str, name: str = "") -> list[tuple[str, str]]:
    """The links of the site's left sidebar (the syllabus) on page ``name``: ``(href, text)``."""
    nav = re.search(r'<nav class="bd-links[^"]*"[^>]*>(.*?)</nav>', text, flags=re.S).group(1)
    links = re.findall(r'<a class="[^"]*reference internal[^"]*" href="([^"]+)">(.*?)</a>', nav, flags=re.S)
    return [(f"{name}.html" if href == "#" else href, html.unescape(re.sub(r"<[^>]+>", "", label)).strip())
            for href, label in links]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    folder = small_course(root)
    # strict: the course's own pages (index, glossary, data dictionary, API reference) build without warnings
    rendered = render.render_course(root / "site", source=folder, workers=2, strict=True)
    return root / "site", rendered, root


def test_every_lesson_has_a_page_and_the_sidebar_lists_them_in_order(site):
    out, rendered, _ = site
    assert [lesson.name for lesson in rendered] == ["00_start_here", "01_plots", "02_widgets"]
    assert all(lesson.html == out / f"{lesson.name}.html" and lesson.html.is_file() for lesson in rendered)
    for name in ("index", "01_plots"):
        links = sidebar(page(out, name), name)
        lessons = [(href, text) for href, text in links if re.match(r"^\d\d_", href)]
        assert lessons == [("00_start_here.html", "00 · Start here"), ("01_plots.html", "01 · Plots"),
                           ("02_widgets.html", "02 · Widgets")], name
        # each title once: no "0. 00 · ..." numbering added by the site
        assert not any(re.match(r"^\d+\.\s*\d", text) for _, text in links)
        assert {href for href, _ in links} >= {"data.html", "glossary.html", "api.html"}


def test_lessons_ran_and_plots_are_image_files(site):
    out, _, _ = site
    assert "ready" in page(out, "00_start_here")
    text = page(out, "01_plots")
    images = re.findall(r'<img[^>]+src="(_images/[^"]+\.png)"', text)
    assert images, "the plot is not on the page as an image"
    assert all((out / image).read_bytes().startswith(b"\x89PNG") for image in images)
    assert figures_shown_as_text(text) == []
    assert "Traceback" not in text


def test_a_figure_shown_as_text_is_caught(tmp_path):
    lesson = lesson_cells("01", "Text figure", [("code", "x = 1"), ("code", FIGURE_AS_TEXT)], exercise=False)
    folder = write_course(tmp_path, {"01_text_figure.ipynb": lesson})
    (rendered,) = render.render_course(tmp_path / "site", source=folder, workers=1)
    # the page shows the text, the page check sees it, and the render says which cell it is
    assert figures_shown_as_text(page(tmp_path / "site", "01_text_figure")) == ["&lt;Figure size 300x200 with 1 Axes&gt;"]
    assert len(rendered.warnings) == 1
    # cell 1 is the navigation cell, 2 the title, 3 `x = 1`, 4 the figure
    assert "01_text_figure: cell 4 shows a figure as text (<Figure size 300x200 with 1 Axes>)" in rendered.warnings[0]
    with pytest.raises(render.RenderError, match=r"01_text_figure: cell 4 shows a figure as text"):
        render.render_course(tmp_path / "site", source=folder, workers=1, strict=True)


def test_code_folds_and_prose_cells_start_folded(site):
    out, _, _ = site
    text = page(out, "01_plots")
    folds = re.findall(r"<details ([^>]*)>\s*<summary[^>]*>(.*?)</summary>(.*?)</details>", text, flags=re.S)
    assert len(folds) == 2
    (plot_open, plot_summary, plot_code), (prose_open, _, prose_code) = folds
    assert plot_open.startswith("open ") and "plt.subplots" in html.unescape(re.sub(r"<[^>]+>", "", plot_code))
    assert "Hide code" in plot_summary and "Show code" in plot_summary
    assert not prose_open.startswith("open ") and "display" in prose_code
    assert "The shop has <strong>5</strong> customers" in text  # the sentence itself is shown


def test_each_lesson_offers_its_notebook_and_exercise(site):
    out, _, root = site
    for name in ("01_plots", "02_widgets"):
        text = page(out, name)
        assert f'href="notebooks/{name}.ipynb" download' in text and f'href="exercises/{name}.ipynb" download' in text
        assert (out / "notebooks" / f"{name}.ipynb").read_bytes() == (root / "notebooks" / f"{name}.ipynb").read_bytes()
        assert (out / "exercises" / f"{name}.ipynb").read_bytes() == (root / "exercises" / f"{name}.ipynb").read_bytes()
        # the lesson's own link to its exercise leads to the copy in the site
        assert 'href="../exercises/' not in text
    start = page(out, "00_start_here")
    assert 'href="notebooks/00_start_here.ipynb" download' in start and "exercises/00_start_here" not in start
    assert "btn-download-notebooks-button" in text and "btn-download-exercises-button" in text  # the header menu
    glossary = page(out, "glossary")  # a page that is not a lesson offers no download
    assert " download>" not in glossary and "dropdown-download-buttons" not in glossary


def test_search_index_and_reference_pages(site):
    out, _, _ = site
    index = (out / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(index[index.index("(") + 1:index.rindex(")")])
    found = data["terms"]["zymurgi"]  # Sphinx's stem of "zymurgy": one page number, or a list of them
    assert [data["docnames"][i] for i in (found if isinstance(found, list) else [found])] == ["02_widgets"]
    api = page(out, "api")
    for name in ("rfm_summary", "relationship_stages", "load_orders", "check"):
        assert f'<span class="pre">{name}</span>' in api, name
    assert "recency" in page(out, "glossary") and "orders" in page(out, "data")


def test_widgets_load_from_the_site_not_a_cdn(site):
    out, _, _ = site
    text = page(out, "02_widgets")
    assert "application/vnd.jupyter.widget-state+json" in text
    if render.widget_assets() is None:
        pytest.skip("the widget manager is not installed here (make setup installs it with npm)")
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', text)
    widget_scripts = [src.split("?")[0] for src in scripts if "widgets/" in src]
    assert widget_scripts == ["_static/widgets/require.js", "_static/widgets/paths.js", "_static/widgets/embed-amd.js"]
    for name in ("require.js", "paths.js", "embed-amd.js"):
        assert (out / "_static/widgets" / name).is_file(), name
    assert list((out / "_static/widgets").glob("*.woff2")), "the widgets' icon fonts are not in the site"
    assert not [src for src in scripts if re.match(r"(https?:)?//", src)]


def test_formulas_load_mathjax_from_the_site_not_a_cdn(site):
    out, _, _ = site
    text = page(out, "01_plots")
    assert "\\mathrm{CLV}" in text  # the TeX stays in the page for MathJax to typeset
    if render.mathjax_assets() is None:
        pytest.skip("MathJax is not installed here (make setup installs it with npm)")
    scripts = [src.split("?")[0] for src in re.findall(r'<script[^>]+src="([^"]*MathJax[^"]*)"', text, flags=re.I)]
    assert scripts == ["_static/mathjax/MathJax.js"]
    assert '"config": ["TeX-AMS_CHTML-full.js", "Safe.js"]' in text
    assert not re.search(r"https?://[^\s\"']*mathjax", text, flags=re.IGNORECASE)
    static = out / "_static/mathjax"
    for part in ("MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions/Safe.js",
                 "jax/output/CommonHTML/fonts/TeX/fontdata.js", "fonts/HTML-CSS/TeX/woff/MathJax_Main-Regular.woff"):
        assert (static / part).is_file(), part
    # only what CommonHTML output needs: not the SVG output, other fonts or the unminified sources
    assert not (static / "jax/output/SVG").exists() and not (static / "unpacked").exists()


def test_a_rebuild_executes_only_what_changed(site):
    out, first, root = site
    assert not any(lesson.cached for lesson in first)
    again = render.render_course(out, source=root / "notebooks", workers=2, strict=True)
    assert all(lesson.cached for lesson in again)
    lesson = root / "notebooks" / "02_widgets.ipynb"
    data = json.loads(lesson.read_text(encoding="utf-8"))
    data["cells"][2]["source"] = "Some **zymurgy** and a new word, **quixotic**, here."
    lesson.write_text(json.dumps(data, indent=1), encoding="utf-8")
    touched = render.render_course(out, source=root / "notebooks", workers=2, strict=True)
    assert [item.name for item in touched if not item.cached] == ["02_widgets"]
    assert "quixotic" in page(out, "02_widgets")
    assert len(list((out.parent / "_build/lifecycle-render/executed").glob("02_widgets-*.ipynb"))) == 1


def test_a_failing_lesson_names_the_lesson_and_cell(tmp_path):
    failing = lesson_cells("01", "Broken", [("code", "x = 1"), ("code", "ratio = 1 / 0\nprint(ratio)")])
    folder = write_course(
        tmp_path, {"00_start_here.ipynb": lesson_cells("00", "Start here", exercise=False), "01_broken.ipynb": failing}
    )
    with pytest.raises(render.RenderError) as caught:
        render.render_course(tmp_path / "site", source=folder, workers=2)
    message = str(caught.value)
    # cell 1 is the navigation cell, 2 the title, 3 `x = 1`, 4 the division
    assert "1 of 2 lessons failed" in message
    assert "01_broken.ipynb: cell 4 (`ratio = 1 / 0`) raised ZeroDivisionError: division by zero" in message
    assert not (tmp_path / "site" / "index.html").exists()


def test_the_command_exits_non_zero_on_a_failing_lesson(tmp_path):
    folder = write_course(tmp_path, {"01_broken.ipynb": lesson_cells("01", "Broken", [("code", "raise KeyError('plan')")])})
    result = subprocess.run(
        [sys.executable, "-m", "lifecycle_lib.cli", "render", "--out", str(tmp_path / "site"), str(folder / "01_broken.ipynb")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "01_broken.ipynb: cell 3 (`raise KeyError('plan')`) raised KeyError" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_the_npm_assets_pages_still_render(tmp_path, monkeypatch, capsys):
    lesson = lesson_cells("02", "Widgets", [("markdown", FORMULA), ("code", WIDGET)])
    folder = write_course(tmp_path, {"02_widgets.ipynb": lesson})
    monkeypatch.setattr(render, "widget_assets", lambda prefix=None: None)
    monkeypatch.setattr(render, "mathjax_assets", lambda prefix=None: None)
    render.render_course(tmp_path / "site", source=folder, workers=1, strict=True)
    err = capsys.readouterr().err
    assert "static views only" in err and "MathJax is not installed" in err
    text = page(tmp_path / "site", "02_widgets")
    assert "embed-amd.js" not in text and "require.js" not in text
    # formulas still typeset when the page is opened online: MathJax 2 from its CDN
    assert "_static/mathjax" not in text and re.search(r'<script[^>]+src="https://[^"]+/mathjax/', text, flags=re.I)
    assert not (tmp_path / "site" / "_static" / "widgets").exists()


def test_lessons_are_chosen_by_number_or_name(tmp_path):
    folder = small_course(tmp_path)
    assert [p.name for p in render.select_lessons(folder, ["2", "00_start_here"])] == [
        "00_start_here.ipynb",
        "02_widgets.ipynb",
    ]
    with pytest.raises(UsageError, match=r"no lesson '7' .*00_start_here.ipynb, 01_plots.ipynb, 02_widgets.ipynb"):
        render.select_lessons(folder, ["7"])


# --- the course's own lessons (rendered once per run by the ``real_course`` fixture in conftest) ---


def test_every_real_lesson_renders_with_its_figures_and_no_error(real_course):
    out, paths, rendered = real_course
    assert [lesson.name for lesson in rendered] == [path.stem for path in paths]
    links = [href for href, _ in sidebar((out / "index.html").read_text(encoding="utf-8"), "index")
             if re.match(r"^\d\d_", href)]
    assert links == [f"{path.stem}.html" for path in paths]
    problems = {}
    for lesson in rendered:
        text = lesson.html.read_text(encoding="utf-8")
        found = []
        if not re.search(r'<img[^>]+src="_images/[^"]+\.png"', text):
            found.append("no figure")
        if figures_shown_as_text(text):
            found.append(f"figures shown as text: {figures_shown_as_text(text)}")
        if "$$" in text:  # a cell's Markdown output is not typeset (there "$" means dollars): TeX belongs in a Markdown cell
            found.append("a formula shown as raw TeX ($$)")
        if "Traceback" in text:
            found.append("an error")
        found += lesson.warnings
        if found:
            problems[lesson.name] = found
    assert problems == {}


def test_real_lesson_pages_load_nothing_from_the_network(real_course):
    out, _, rendered = real_course
    loaded = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="((?:https?:)?//[^"]+)"')
    remote = {lesson.html.name: loaded.findall(lesson.html.read_text(encoding="utf-8")) for lesson in rendered}
    assert {name: urls for name, urls in remote.items() if urls} == {}
    with_widgets = [lesson for lesson in rendered
                    if "application/vnd.jupyter.widget-state+json" in lesson.html.read_text(encoding="utf-8")]
    assert with_widgets, "no lesson page carries a widget"
    if render.widget_assets() is None:
        pytest.skip("the widget manager is not installed here (make setup installs it with npm)")
    for lesson in with_widgets:
        assert "_static/widgets/embed-amd.js" in lesson.html.read_text(encoding="utf-8"), lesson.html.name
    assert (out / "_static/widgets/embed-amd.js").is_file()
