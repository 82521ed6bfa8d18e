"""The course as a person meets it, in headless chromium: a real lesson in JupyterLab with its
slider, the real lessons rendered as a site with their images, links and offline widgets, and
``make course`` serving lesson 00.

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

# Requests a page may make when the site is read offline: the site's own server and inline data.
LOCAL = re.compile(r"^(https?://(127\.0\.0\.1|localhost)(:\d+)?/|file:|data:|blob:|about:)")


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
    yield f"http://127.0.0.1:{server.server_address[1]}", out, paths
    server.shutdown()
    server.server_close()


def page_links(page) -> list[str]:
    return page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_the_index_links_every_real_lesson_in_syllabus_order(course_site, page):
    base, out, paths = course_site
    page.goto(f"{base}/index.html")
    links = page.locator("ol li a")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == [f"{path.stem}.html" for path in paths]
    numbers = [text.split(".")[0].split(" ")[0] for text in links.all_inner_texts()]
    assert numbers == [path.name[:2] for path in paths]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_every_real_lesson_page_loads_its_images_and_its_links_resolve(course_site, page):
    base, out, paths = course_site
    problems = []
    for path in paths:
        name = f"{path.stem}.html"
        response = page.goto(f"{base}/{name}")
        assert response is not None and response.status == 200, name
        page.wait_for_load_state("load")
        widths = page.locator("img").evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
        if not widths:
            problems.append(f"{name}: no image")
        elif not all(width > 0 for width in widths):
            problems.append(f"{name}: images not loaded (natural widths {widths})")
        for href in page_links(page):
            if href.startswith(("#", "http://", "https://", "mailto:")):
                continue
            target = urllib.parse.urlparse(href).path
            if target.startswith("../exercises/"):
                # Exercises are notebooks of the repository, opened in JupyterLab, not pages of the site.
                if not (ROOT / "exercises" / Path(target).name).is_file():
                    problems.append(f"{name}: {href} names no exercises/{Path(target).name}")
            elif "/" in target or not (out / target).is_file():
                problems.append(f"{name}: link {href} leads to no page of the site")
    assert problems == []


def test_every_real_lesson_page_links_its_neighbours(course_site, page):
    base, out, paths = course_site
    pages = [f"{path.stem}.html" for path in paths]
    problems = []
    for place, name in enumerate(pages):
        expected = [*pages[max(place - 1, 0):place], "index.html", *pages[place + 1:place + 2]]
        page.goto(f"{base}/{name}")
        bars = page.locator("p:has(> a[href='index.html'])").evaluate_all(
            "bars => bars.map(p => [...p.querySelectorAll('a')].map(a => a.getAttribute('href')))"
        )
        if len(bars) != 2 or any(bar != expected for bar in bars):
            problems.append(f"{name}: navigation {bars}, expected {expected} at the top and the bottom")
    assert problems == [], "run `lifecycle notebooks nav`:\n" + "\n".join(problems)


def test_a_real_lesson_widget_works_offline(course_site, page):
    base, out, paths = course_site
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
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"site-{SLIDER_LESSON}.png"))
    assert any("_static/widgets/embed-amd.js" in url for url in requested)
    assert [url for url in requested if not LOCAL.match(url)] == []


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
            assert wait_for(lambda: http_ok(url, {"Authorization": f"token {found}"}), 30, "lesson 00 to be served")
            assert "notebooks/00_start_here.ipynb" in log_path.read_text()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(course.pid, signal.SIGTERM)
            try:
                course.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(course.pid, signal.SIGKILL)
                course.wait(timeout=10)
