"""The course as a person meets it, in headless chromium: a real lesson in JupyterLab with its
slider, the real lessons rendered as a site (syllabus sidebar, search, figures and a widget, with
every request outside the site blocked and recorded), and ``make course`` serving lesson 00 quietly.

Skipped with a message when there is no chromium (tests/install_system_deps.sh installs Debian's).
Every wait is bounded; screenshots go to test-output/. JupyterLab works on a copy of notebooks/, so
saving never touches the committed lessons.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, find_chromium

from lifecycle_lib.tools.site import render
from lifecycle_lib.viz import widgets

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-output"

# The lesson whose explorer both tests move: relationship stages, with a slider for "new" (in days).
SLIDER_LESSON = "07_active_returning_at_risk"
SLIDER_DEFAULT = widgets.SEGMENT_CONTROLS["new_days"][0]
TRACEBACK_OUTPUTS = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"gave up after {seconds:.0f} s waiting for {what}")


def http_ok(url: str, headers=None) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def browser():
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no chromium: run tests/install_system_deps.sh (Debian: apt-get install chromium) "
                    "or set LIFECYCLE_CHROMIUM=/path/to/chrome")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def ensure_lab_settings() -> None:
    """The settings ``make setup`` installs: start a kernel without asking, no news or update checks."""
    target = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    source = ROOT / "lifecycle_lib" / "assets" / "lab-overrides.json"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def api(base: str, path: str, auth: dict, method: str = "GET"):
    request = urllib.request.Request(f"{base}{path}", headers=auth, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def shut_down_sessions(base: str, auth: dict) -> int:
    """Delete every session (and so its kernel) through the REST API; return how many there were."""
    sessions = api(base, "/api/sessions", auth)
    for session in sessions:
        api(base, f"/api/sessions/{session['id']}", auth, method="DELETE")
    return len(sessions)


@contextlib.contextmanager
def jupyter_lab(root: Path):
    ensure_lab_settings()
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = open(root / "lab.log", "w")  # noqa: SIM115 (open while the server runs; closed after it stops)
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"token {token}"}
    try:
        wait_for(lambda: server.poll() is not None or http_ok(f"{base}/api/status", auth), 90, "JupyterLab to start")
        assert server.poll() is None, (root / "lab.log").read_text()
        yield base, token, auth
    finally:
        # Kernels outlive the page: a test that stopped early still leaves no kernel behind.
        with contextlib.suppress(OSError, ValueError):
            shut_down_sessions(base, auth)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


# Prompts of every code cell and the tracebacks shown; JupyterLab keeps all cells in the DOM
# (windowing mode "contentVisibility", its default), so this sees the whole notebook.
NOTEBOOK_STATE = """() => ({
    prompts: [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
        .map(prompt => prompt.textContent.trim()),
    tracebacks: [...document.querySelectorAll('.jp-Notebook %s')]
        .map(output => output.textContent).filter(text => text.includes('Traceback')),
})""" % TRACEBACK_OUTPUTS  # noqa: UP031 (the JavaScript is full of braces)
EXECUTED = re.compile(r"^\[\d+\]:$")


def test_a_real_lesson_runs_in_jupyterlab_and_its_slider_redraws_the_figure(tmp_path, page):
    lesson = ROOT / "notebooks" / f"{SLIDER_LESSON}.ipynb"
    if not lesson.exists():
        pytest.skip(f"{lesson.relative_to(ROOT)} is not written yet")
    committed = lesson.read_bytes()
    code_cells = sum(cell["cell_type"] == "code" for cell in json.loads(committed)["cells"])
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")

    with jupyter_lab(tmp_path) as (base, token, auth):
        page.goto(f"{base}/lab/tree/notebooks/{lesson.name}?token={token}")
        page.locator(".jp-Notebook .jp-CodeCell").first.wait_for(timeout=60_000)
        page.locator("#jp-main-statusbar").get_by_text(re.compile("Idle")).first.wait_for(timeout=60_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()

        def finished():
            state = page.evaluate(NOTEBOOK_STATE)
            prompts = state["prompts"]
            done = prompts and "[*]:" not in prompts and (state["tracebacks"] or EXECUTED.match(prompts[-1]))
            return state if done else None

        state = wait_for(finished, 300, f"every cell of {lesson.name} to run")
        assert state["tracebacks"] == [], f"{lesson.name} shows an error:\n{state['tracebacks'][0][-2000:]}"
        assert len(state["prompts"]) == code_cells
        unrun = [number for number, prompt in enumerate(state["prompts"], 1) if not EXECUTED.match(prompt)]
        assert unrun == [], f"code cells {unrun} of {lesson.name} did not run"
        (session,) = api(base, "/api/sessions", auth)
        kernel = f"/api/kernels/{session['kernel']['id']}"
        wait_for(lambda: api(base, kernel, auth)["execution_state"] == "idle", 60, "the kernel to be idle")

        cell = page.locator(".jp-CodeCell", has=page.locator(".widget-slider")).first
        figure = cell.locator(".widget-output img").first
        figure.wait_for(timeout=60_000)
        before = figure.get_attribute("src")
        # Off-screen cells are not laid out (content-visibility), so bring the explorer into view.
        cell.scroll_into_view_if_needed()
        readout = cell.locator(".widget-readout").first
        assert readout.text_content().strip() == str(SLIDER_DEFAULT)
        handle = cell.locator(".widget-slider .noUi-handle").first
        handle.focus()
        page.keyboard.press("PageUp")
        wait_for(lambda: readout.text_content().strip() != str(SLIDER_DEFAULT), 10, "the slider to move")
        moved = int(readout.text_content().strip())
        assert moved > SLIDER_DEFAULT
        wait_for(lambda: cell.locator(".widget-output img").first.get_attribute("src") not in (None, before),
                 60, f"the figure to change after the slider moved to {moved}")
        assert page.evaluate(NOTEBOOK_STATE)["tracebacks"] == []
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"lab-{SLIDER_LESSON}.png"))

        assert shut_down_sessions(base, auth) == 1
        assert api(base, "/api/sessions", auth) == []
        assert api(base, "/api/kernels", auth) == []
    assert lesson.read_bytes() == committed


# --- the real lessons rendered as a site ------------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def course_site(browser, real_course):
    # chromium first: without it the tests skip before paying for the render
    out, paths, rendered = real_course
    handler = functools.partial(QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", out, paths, rendered
    server.shutdown()
    server.server_close()


@pytest.fixture
def site_page(browser, course_site):
    """A page that may load only the site: every other request is blocked and recorded in ``outside``."""
    base = course_site[0]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    outside: list[str] = []

    def only_the_site(route) -> None:
        url = route.request.url
        if url.startswith(f"{base}/") or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", only_the_site)
    page = context.new_page()
    yield page, outside
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"site-{name}.png"))


def lesson_title(rendered, name: str) -> str:
    return next(lesson.title for lesson in rendered if lesson.name == name)


def a_term_of_one_lesson(out: Path, name: str) -> str:
    """A word of lesson ``name`` whose stem Sphinx's search index holds for that page alone."""
    from sphinx.search.en import SearchEnglish

    index = (out / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(index[index.index("(") + 1:index.rindex(")")])
    doc = data["docnames"].index(name)
    stemmer = SearchEnglish({})
    words = set(re.findall(r"\b[a-z]{7,}\b", (out / f"{name}.html").read_text(encoding="utf-8").lower()))
    for word in sorted(words, key=lambda w: (-len(w), w)):
        stem = stemmer.stem(word)
        if data["terms"].get(stem) == doc and data["titleterms"].get(stem, doc) == doc:
            return word
    raise AssertionError(f"no word of {name} is indexed for that page alone")


def test_the_index_shows_the_syllabus_in_the_sidebar(course_site, site_page):
    base, out, paths, rendered = course_site
    page, outside = site_page
    page.goto(f"{base}/index.html")
    links = page.locator("nav.bd-docs-nav a.reference")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert [href for href in hrefs if re.match(r"^\d\d_", href)] == [f"{path.stem}.html" for path in paths]
    texts = [text.strip() for text, href in zip(links.all_inner_texts(), hrefs) if re.match(r"^\d\d_", href)]
    assert texts == [lesson.title for lesson in rendered]
    assert not any(re.match(r"^\d+\.\s*\d", text) for text in texts)  # each number once
    screenshot(page, "index")
    assert outside == []


def test_the_sidebar_leads_to_the_next_lesson(course_site, site_page):
    base, out, paths, rendered = course_site
    page, outside = site_page
    if len(paths) < 2:
        pytest.skip("the course has a single lesson")
    first, second = paths[0].stem, paths[1].stem
    page.goto(f"{base}/{first}.html")
    assert page.locator("article h1").first.inner_text().strip().rstrip("#") == lesson_title(rendered, first)
    assert page.locator("a.right-next").first.get_attribute("href") == f"{second}.html"
    page.locator(f"nav.bd-docs-nav a[href='{second}.html']").click()
    page.wait_for_url(f"{base}/{second}.html")
    assert page.locator("article h1").first.inner_text().strip().rstrip("#") == lesson_title(rendered, second)
    # its contents on the right: the lesson's sections
    assert page.locator("nav[aria-label='Page'] li.toc-h2 a").count() >= 3
    screenshot(page, "lesson")
    assert outside == []


def test_search_finds_a_term_of_one_lesson(course_site, site_page):
    base, out, paths, rendered = course_site
    page, outside = site_page
    name = SLIDER_LESSON if SLIDER_LESSON in [path.stem for path in paths] else paths[-1].stem
    term = a_term_of_one_lesson(out, name)
    page.goto(f"{base}/index.html")
    page.locator("button.search-button-field").first.click()
    field = page.locator("input[name='q']:visible").first
    field.fill(term)
    field.press("Enter")
    page.wait_for_url(re.compile(r"/search\.html\?q="))
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=30_000)
    hrefs = results.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs[0].split("?")[0].split("#")[0] == f"{name}.html", (term, hrefs)
    screenshot(page, "search")
    assert outside == []


def test_every_real_lesson_page_shows_its_figures(course_site, site_page):
    base, out, paths, rendered = course_site
    page, outside = site_page
    problems = []
    for path in paths:
        response = page.goto(f"{base}/{path.stem}.html")
        assert response is not None and response.status == 200, path.stem
        page.wait_for_load_state("load")
        widths = page.locator("article img").evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
        if not widths:
            problems.append(f"{path.stem}: no figure")
        elif not all(width > 0 for width in widths):
            problems.append(f"{path.stem}: figures not loaded (natural widths {widths})")
        if re.search(r"<Figure size [\d.]+x[\d.]+ with \d+ Axes>", page.locator("article").inner_text()):
            problems.append(f"{path.stem}: a figure is shown as text")
    assert problems == []
    assert outside == []


def test_a_real_lesson_widget_works_offline(course_site, site_page):
    base, out, paths, rendered = course_site
    page, outside = site_page
    if render.widget_assets() is None:
        pytest.skip("the widget manager is not installed (make setup installs it with npm)")
    if SLIDER_LESSON not in [path.stem for path in paths]:
        pytest.skip(f"lesson {SLIDER_LESSON} is not written yet")
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{base}/{SLIDER_LESSON}.html")
    slider = page.locator(".widget-slider").first
    slider.wait_for(timeout=30_000)
    assert page.locator(".widget-readout").first.inner_text().strip() == str(SLIDER_DEFAULT)
    figure = page.locator(".widget-output img").first
    figure.wait_for(timeout=30_000)
    assert figure.evaluate("img => img.complete && img.naturalWidth") > 0
    page.wait_for_load_state("networkidle")
    slider.scroll_into_view_if_needed()
    screenshot(page, "widget")
    assert any(url.endswith("_static/widgets/embed-amd.js") or "_static/widgets/embed-amd.js?" in url for url in requested)
    assert outside == []


def test_make_course_serves_lesson_00_without_a_browser(tmp_path):
    if not (ROOT / "notebooks" / "00_start_here.ipynb").exists():
        pytest.skip("notebooks/00_start_here.ipynb is not written yet")
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    ensure_lab_settings()
    port = free_port()
    log_path = tmp_path / "course.log"
    with open(log_path, "w") as log:
        course = subprocess.Popen(
            ["make", "--no-print-directory", "course"],
            cwd=ROOT,
            env={**os.environ, "NO_BROWSER": "1", "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            def token():
                match = re.search(rf"127\.0\.0\.1:{port}/\S*\?token=(\w+)", log_path.read_text())
                return match.group(1) if match else (course.poll() is not None and "exited")

            found = wait_for(token, 240, "make course to print the server's address")
            assert found != "exited", log_path.read_text()
            url = f"http://127.0.0.1:{port}/api/contents/notebooks/00_start_here.ipynb?content=0"
            auth = {"Authorization": f"token {found}"}
            assert wait_for(lambda: http_ok(url, auth), 30, "lesson 00 to be served")
            # a kernel starts without a warning (its connection is encrypted), and the server says
            # nothing but where to open the course and how to stop it
            base = f"http://127.0.0.1:{port}"
            kernel = api(base, "/api/kernels", auth, method="POST")
            time.sleep(8)  # ipykernel warns, if it does, as it opens its sockets, a second or two after start
            api(base, f"/api/kernels/{kernel['id']}", auth, method="DELETE")
            printed = [line for line in log_path.read_text().splitlines() if line.strip()]
            assert printed == [
                f"The course is at http://127.0.0.1:{port}/lab/tree/notebooks/00_start_here.ipynb?token={found}",
                "Press Ctrl+C twice to stop it.",
            ]
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(course.pid, signal.SIGTERM)
            try:
                course.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(course.pid, signal.SIGKILL)
                course.wait(timeout=10)


def test_every_formula_of_the_site_is_typeset(course_site, site_page):
    """MathJax turns each formula of a lesson's Markdown into typeset maths: none is left as TeX on the page."""
    from lifecycle_lib.tools.site import render

    if render.mathjax_assets() is None:
        pytest.skip("MathJax is not installed here (make setup installs it with npm)")
    base, out, paths, rendered = course_site
    page, outside = site_page
    with_math = [lesson.name for lesson in rendered if 'class="math' in lesson.html.read_text(encoding="utf-8")]
    assert with_math, "no lesson has a formula to typeset"
    for name in with_math:
        page.goto(f"{base}/{name}.html")
        formulas = page.locator("article div.math, article span.math")
        count = formulas.count()
        page.wait_for_function("n => document.querySelectorAll('article .MathJax_CHTML').length >= n", arg=count,
                               timeout=30_000)
        raw = page.evaluate("() => [...document.querySelectorAll('article div.math, article span.math')]"
                            ".filter(e => !e.querySelector('.MathJax_CHTML')).map(e => e.textContent.slice(0, 60))")
        assert raw == [], f"{name}: formulas left as TeX"
    screenshot(page, "formula")
    assert outside == []
