"""The course as a person meets it, in headless chromium: JupyterLab with a live widget, the rendered
site with its images, links and offline widgets, and ``make course`` serving lesson 00.

Skipped with a message when there is no chromium (tests/install_system_deps.sh installs Debian's).
Every wait is bounded; screenshots go to test-output/.
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
import urllib.request
from pathlib import Path

import pytest

from lifecycle_lib import render
from lifecycle_lib.hygiene import write_notebook
from lifecycle_lib.navigation import add_navigation

from conftest import ROOT, find_chromium, lesson_cells, new_notebook

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

WIDGET_LESSON = """import pandas as pd
from lifecycle_lib import plots, widgets
counts = lambda new_days: pd.Series({"new": new_days, "active": 40, "lapsed": 100 - new_days})
widgets.explorer(counts, {"new_days": (30, 10, 90, 10)}, plots.stage_bar, title="Stages")"""

PLOT_LESSON = """import pandas as pd
from lifecycle_lib import plots
plots.bar(pd.Series({"email": 40, "ads": 25, "referral": 10}), title="Customers by channel")"""


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
    log = open(root / "lab.log", "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"token {token}"}
    try:
        wait_for(lambda: server.poll() is not None or http_ok(f"{base}/api/status", auth), 90, "JupyterLab to start")
        assert server.poll() is None, (root / "lab.log").read_text()
        yield base, token, auth
    finally:
        # Kernels outlive the page: shut every session down through the REST API, then the server.
        with contextlib.suppress(OSError, ValueError):
            request = urllib.request.Request(f"{base}/api/sessions", headers=auth)
            with urllib.request.urlopen(request, timeout=5) as response:
                for session in json.load(response):
                    delete = urllib.request.Request(f"{base}/api/sessions/{session['id']}", headers=auth, method="DELETE")
                    urllib.request.urlopen(delete, timeout=10).close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


def test_a_slider_in_jupyterlab_redraws_its_figure(tmp_path, page):
    write_notebook(new_notebook(lesson_cells("02", "Widgets", [("code", WIDGET_LESSON)])), tmp_path / "02_widgets.ipynb")
    with jupyter_lab(tmp_path) as (base, token, auth):
        page.goto(f"{base}/lab/tree/02_widgets.ipynb?token={token}")
        page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
        page.locator("#jp-main-statusbar").get_by_text(re.compile("Idle")).first.wait_for(timeout=60_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        figure = page.locator(".jp-OutputArea-output .widget-output img").first
        figure.wait_for(timeout=60_000)
        before = figure.get_attribute("src")
        handle = page.locator(".widget-slider .noUi-handle").first
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        wait_for(lambda: page.locator(".jp-OutputArea-output .widget-output img").first.get_attribute("src") != before,
                 30, "the figure to change after the slider moved")
        assert page.locator(".widget-readout").first.inner_text().strip() == "50"
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "lab-widget.png"), full_page=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site-course")
    (root / "README.md").write_text("# Course\n", encoding="utf-8")
    folder = root / "notebooks"
    folder.mkdir()
    write_notebook(new_notebook(lesson_cells("00", "Start here", [("code", PLOT_LESSON)], exercise=False)),
                   folder / "00_start_here.ipynb")
    write_notebook(new_notebook(lesson_cells("01", "Widgets", [("code", WIDGET_LESSON)])), folder / "01_widgets.ipynb")
    add_navigation(folder)
    out = root / "site"
    render.render_course(out, source=folder, workers=2)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_rendered_site_has_working_links_and_images(site, page):
    page.goto(f"{site}/index.html")
    hrefs = page.locator("li a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["00_start_here.html", "01_widgets.html"]
    for href in hrefs:
        response = page.goto(f"{site}/{href}")
        assert response is not None and response.status == 200, href
        page.wait_for_load_state("load")
        images = page.locator("img")
        assert images.count() > 0, f"{href} shows no image"
        widths = images.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
        assert all(width > 0 for width in widths), f"{href}: images not loaded {widths}"
    page.goto(f"{site}/00_start_here.html")
    page.get_by_role("link", name=re.compile("Widgets")).first.click()
    page.wait_for_url(re.compile(r"01_widgets\.html$"))
    page.get_by_role("link", name="Contents").first.click()
    page.wait_for_url(re.compile(r"index\.html$"))


def test_widgets_on_the_rendered_site_work_offline(site, page):
    if render.widget_assets() is None:
        pytest.skip("the widget manager is not installed (make setup installs it with npm)")
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{site}/01_widgets.html")
    page.locator(".widget-slider").first.wait_for(timeout=30_000)
    assert page.locator(".widget-readout").first.inner_text().strip() == "30"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "site-widget.png"), full_page=True)
    assert not [url for url in failed if url.startswith("http://127.0.0.1")], failed


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
