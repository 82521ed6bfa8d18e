"""The rendered course: executed lessons as HTML pages, an index, offline widgets, named failures;
first on small fixture courses (fast, and the failure paths), then on the course's own lessons."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import lesson_cells, new_notebook

from lifecycle_lib._util.notebooks import write_notebook
from lifecycle_lib.errors import UsageError
from lifecycle_lib.tools.site import render
from lifecycle_lib.tools.site.navigation import add_navigation

pytestmark = pytest.mark.slow

PLOT = """import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(3, 2))
ax.bar(["new", "active", "lapsed"], [3, 5, 2])
plt.show()"""

FORMULA = r"""The value of a customer over the years to come:

$$\mathrm{CLV} = \sum_{t=1}^{T} \frac{m \, r^{t}}{(1 + d)^{t}}$$"""

WIDGET = """import ipywidgets as widgets
explorer = widgets.interactive(lambda days: print(f"window: {days} days"),
                               days=widgets.IntSlider(value=30, min=10, max=90, step=10))
explorer"""


def write_course(root, lessons):
    (root / "README.md").write_text("# Course\n", encoding="utf-8")
    folder = root / "notebooks"
    folder.mkdir(parents=True)
    for name, cells in lessons.items():
        write_notebook(new_notebook(cells), folder / name)
    add_navigation(folder)
    return folder


def small_course(root):
    return write_course(
        root,
        {
            "00_start_here.ipynb": lesson_cells("00", "Start here", [("code", "print('ready')")], exercise=False),
            "01_plots.ipynb": lesson_cells("01", "Plots", [("markdown", FORMULA), ("code", PLOT)]),
            "02_widgets.ipynb": lesson_cells("02", "Widgets", [("code", WIDGET)]),
        },
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    folder = small_course(root)
    rendered = render.render_course(root / "site", source=folder, workers=2)
    return root / "site", rendered


def test_every_lesson_has_a_page_and_the_index_lists_them_in_order(site):
    out, rendered = site
    assert [lesson.name for lesson in rendered] == ["00_start_here", "01_plots", "02_widgets"]
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', index)
    assert links == [
        ("00_start_here.html", "00 · Start here"),
        ("01_plots.html", "01 · Plots"),
        ("02_widgets.html", "02 · Widgets"),
    ]
    assert all((out / href).is_file() for href, _ in links)


def test_lessons_ran_and_plots_are_embedded(site):
    out, _ = site
    assert "ready" in (out / "00_start_here.html").read_text(encoding="utf-8")
    page = (out / "01_plots.html").read_text(encoding="utf-8")
    assert re.search(r'<img[^>]+src="data:image/png;base64,', page)


def test_navigation_links_point_at_pages(site):
    out, _ = site
    page = (out / "01_plots.html").read_text(encoding="utf-8")
    assert 'href="00_start_here.html"' in page and 'href="02_widgets.html"' in page
    assert 'href="index.html"' in page
    assert ".ipynb\"" not in re.sub(r'href="\.\./exercises/[^"]+"', "", page)


def test_widgets_load_from_the_site_not_a_cdn(site):
    out, _ = site
    page = (out / "02_widgets.html").read_text(encoding="utf-8")
    assert "application/vnd.jupyter.widget-state+json" in page
    if render.widget_assets() is None:
        pytest.skip("the widget manager is not installed here (make setup installs it with npm)")
    assert "_static/widgets/embed-amd.js" in page
    assert '<script src="_static/widgets/require.js">' in page
    assert (out / "_static/widgets/embed-amd.js").is_file() and (out / "_static/widgets/require.js").is_file()
    assert "cdn.jsdelivr" not in page and "require.min.js" not in page


def test_formulas_load_mathjax_from_the_site_not_a_cdn(site):
    out, _ = site
    page = (out / "01_plots.html").read_text(encoding="utf-8")
    assert "\\mathrm{CLV}" in page  # the TeX stays in the page for MathJax to typeset
    if render.mathjax_assets() is None:
        pytest.skip("MathJax is not installed here (make setup installs it with npm)")
    scripts = re.findall(r'<script[^>]+src="([^"]*MathJax[^"]*)"', page, flags=re.IGNORECASE)
    assert scripts == ["_static/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"]
    assert not re.search(r"https?://[^\s\"']*mathjax", page, flags=re.IGNORECASE)
    static = out / "_static/mathjax"
    for part in ("MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions/Safe.js",
                 "jax/output/CommonHTML/fonts/TeX/fontdata.js", "fonts/HTML-CSS/TeX/woff/MathJax_Main-Regular.woff"):
        assert (static / part).is_file(), part
    # only what CommonHTML output needs: not the SVG output, other fonts or the unminified sources
    assert not (static / "jax/output/SVG").exists() and not (static / "unpacked").exists()


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
        [sys.executable, "-m", "lifecycle_lib.cli", "render", "--out", str(tmp_path / "site"), "--lessons", str(folder / "01_broken.ipynb")],
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
    render.render_course(tmp_path / "site", source=folder, workers=1)
    err = capsys.readouterr().err
    assert "static views only" in err and "MathJax is not installed" in err
    page = (tmp_path / "site" / "02_widgets.html").read_text(encoding="utf-8")
    assert "embed-amd.js" not in page
    # formulas still typeset when the page is opened online: nbconvert's own MathJax URL stays
    assert "_static/mathjax" not in page and re.search(r'<script src="https://[^"]+/mathjax/', page, flags=re.I)
    assert not (tmp_path / "site" / "_static").exists()


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
    index = (out / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<li><a href="([^"]+)">', index) == [f"{path.stem}.html" for path in paths]
    for lesson in rendered:
        page = lesson.html.read_text(encoding="utf-8")
        assert re.search(r'<img[^>]+src="data:image/png;base64,', page), f"{lesson.html.name} embeds no figure"
        assert "Traceback" not in page, f"{lesson.html.name} shows an error"


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
        assert '<script src="_static/widgets/require.js">' in lesson.html.read_text(encoding="utf-8"), lesson.html.name
    assert (out / "_static/widgets/embed-amd.js").is_file()
