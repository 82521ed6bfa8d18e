"""Render the course as a static HTML site: execute every lesson, convert it, write an index.

::

    lifecycle render --out _site                 # every lesson in notebooks/
    lifecycle render --out _site --lessons 0 3   # lessons 00 and 03 only

Each lesson runs with papermill in a fresh kernel, several at once, then becomes an HTML page with
its plots embedded as images. Widgets stay interactive and formulas are typeset offline when the
widget manager and MathJax were installed by ``make setup`` (into ``<venv>/share/lifecycle-widgets``):
both are copied into the site and referenced by relative URLs, so the pages work opened from disk.
Without the widget manager, pages show the static view that precedes every widget; without MathJax,
they load it from nbconvert's default CDN. A lesson that fails stops the render with an error naming
the lesson and the failing cell.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["RenderError", "RenderedLesson", "widget_assets", "mathjax_assets", "select_lessons", "render_course"]

LESSON_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
WIDGET_FOLDER = "lifecycle-widgets"
_STATIC = "_static/widgets"
_MATHJAX = "_static/mathjax"
# The configuration nbconvert's own default URL asks for (nbconvert's templates configure MathJax 2).
_MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"
# What that configuration loads with CommonHTML output, plus the extensions its menu offers (zoom,
# accessibility): about 6 MB. The rest of the package (other outputs and their fonts, unminified
# sources, translations, 67 MB) stays out of the site.
_MATHJAX_PARTS = (
    "MathJax.js",
    "LICENSE",
    f"config/{_MATHJAX_CONFIG.split(',')[0]}.js",
    "config/Safe.js",
    "extensions",
    "jax/input",
    "jax/element",
    "jax/output/CommonHTML",
    "fonts/HTML-CSS/TeX/woff",
    "fonts/HTML-CSS/TeX/otf",
)


class RenderError(Exception):
    """One or more lessons failed to execute; the message names each lesson and failing cell."""


@dataclass
class RenderedLesson:
    """One lesson of the rendered site.

    :func:`render_course` returns one per lesson, in course order:

    >>> RenderedLesson("03_reach", "03 · Reach", Path("_site/03_reach.html"), seconds=6.4)
    RenderedLesson(03_reach: '03 · Reach' -> 03_reach.html, 6.4 s)
    """

    name: str
    title: str
    html: Path
    seconds: float = field(default=0.0, repr=False)

    def __repr__(self) -> str:
        return f"RenderedLesson({self.name}: {self.title!r} -> {self.html.name}, {self.seconds:.1f} s)"


def widget_assets(prefix=None) -> dict[str, Path] | None:
    """The locally installed widget manager and require.js, or None when they are not installed.

    ``prefix`` is the environment (default: the running Python's ``sys.prefix``).

    >>> widget_assets("/nonexistent") is None
    True
    """
    base = Path(prefix or sys.prefix) / "share" / WIDGET_FOLDER / "node_modules"
    manager = base / "@jupyter-widgets" / "html-manager" / "dist"
    require = base / "requirejs" / "require.js"
    if (manager / "embed-amd.js").is_file() and require.is_file():
        return {"manager": manager, "require": require}
    return None


def mathjax_assets(prefix=None) -> Path | None:
    """The folder of the locally installed MathJax 2, or None when it is not installed.

    ``prefix`` is the environment (default: the running Python's ``sys.prefix``).

    >>> mathjax_assets("/nonexistent") is None
    True
    """
    root = Path(prefix or sys.prefix) / "share" / WIDGET_FOLDER / "node_modules" / "mathjax"
    if (root / "MathJax.js").is_file() and (root / "jax" / "output" / "CommonHTML").is_dir():
        return root
    return None


def select_lessons(folder="notebooks", lessons=None) -> list[Path]:
    """The lesson notebooks to render, in course order.

    ``lessons`` holds file paths, file names or lesson numbers (``3``, ``"03"``); None means all.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["00_start.ipynb", "03_reach.ipynb", "notes.ipynb"]:
    ...     _ = (folder / name).write_text("{}")
    >>> [p.name for p in select_lessons(folder)]
    ['00_start.ipynb', '03_reach.ipynb']
    >>> [p.name for p in select_lessons(folder, ["3"])]
    ['03_reach.ipynb']
    """
    from lifecycle_lib.errors import UsageError

    folder = Path(folder)
    available = sorted(p for p in folder.glob("*.ipynb") if LESSON_NAME.match(p.name))
    if lessons is None or len(lessons) == 0:
        if not available:
            raise UsageError(f"no lesson notebooks (NN_name.ipynb) in {folder}/")
        return available
    chosen = []
    for wanted in lessons:
        wanted = str(wanted)
        if Path(wanted).is_file():
            chosen.append(Path(wanted))
            continue
        if wanted.isdigit():
            matches = [p for p in available if p.name.startswith(f"{int(wanted):02d}_")]
        else:
            matches = [p for p in available if p.name in (wanted, f"{wanted}.ipynb")]
        if not matches:
            names = ", ".join(p.name for p in available) or "none"
            raise UsageError(f"no lesson {wanted!r} in {folder}/ (lessons there: {names})")
        chosen.extend(matches)
    return sorted(dict.fromkeys(chosen), key=lambda p: p.name)


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:120]
    return "(empty cell)"


def _failure(name: str, exc: BaseException) -> str:
    cell_index = getattr(exc, "cell_index", None)
    if cell_index is not None:
        return (
            f"{name}: cell {cell_index + 1} (`{_first_line(exc.source)}`) raised "
            f"{exc.ename}: {str(exc.evalue).splitlines()[0] if exc.evalue else ''}".rstrip()
        )
    message = str(exc).strip().splitlines()
    return f"{name}: {type(exc).__name__}: {message[0] if message else 'the kernel stopped'}"


def _link_fixes(site_names: set[str]):
    def fix(match: re.Match) -> str:
        target = match.group(1)
        stem, _, anchor = target.partition("#")
        name = stem.rsplit("/", 1)[-1]
        if stem in ("../README.md", "README.md"):
            return 'href="index.html"'
        if name in site_names and (stem == name or stem == f"../notebooks/{name}"):
            return f'href="{name[:-len(".ipynb")]}.html{"#" + anchor if anchor else ""}"'
        return match.group(0)

    return fix


def _execute_and_convert(path: Path, out: Path, site_names: set[str], widgets: bool, timeout: float,
                         mathjax: bool = False):
    """Run one lesson in a fresh kernel and write its page (runs in a worker process)."""
    # ``timeout`` bounds each cell, and it must never be None: nbclient then waits for each
    # execute_reply without a deadline, and about one run in ten under load waits forever for a
    # reply the kernel has already sent (measured on lesson 01: 4 hangs in 30 runs without a
    # timeout, none in 20 with one). Should a cell still time out, the caller retries once.
    import tempfile

    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lifecycle-render-") as scratch:
        executed = Path(scratch) / path.name
        try:
            papermill.execute_notebook(
                str(path),
                str(executed),
                kernel_name="python3",
                cwd=str(path.parent),
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,
                execution_timeout=timeout,
            )
        except Exception as exc:  # reported with the lesson and cell, never as a worker traceback
            return None, _failure(path.name, exc), "Timeout" in type(exc).__name__
        nb = nbformat.read(executed, as_version=4)
    if not widgets:
        nb.metadata.pop("widgets", None)
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    exporter.require_js_url = f"{_STATIC}/require.js"
    exporter.widget_renderer_url = f"{_STATIC}/embed-amd.js"
    if mathjax:
        exporter.mathjax_url = f"{_MATHJAX}/MathJax.js?config={_MATHJAX_CONFIG}"
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    body = re.sub(r'href="([^"]+)"', _link_fixes(site_names), body)
    target = out / f"{path.stem}.html"
    target.write_text(body, encoding="utf-8")
    return time.perf_counter() - started, None, False


def _worker(send, path, out, site_names, widgets, timeout, mathjax=False):
    os.setpgrp()  # the lesson's kernel joins this process group, so a stuck lesson is stopped whole
    try:
        result = _execute_and_convert(path, out, site_names, widgets, timeout, mathjax)
    except Exception as exc:  # a conversion problem, reported like an execution failure
        result = (None, _failure(path.name, exc), False)
    send.send(result)
    send.close()


def _stop_group(process) -> None:
    import signal

    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


def _copy_widget_assets(assets: dict[str, Path], out: Path) -> None:
    static = out / _STATIC
    static.mkdir(parents=True, exist_ok=True)
    for item in assets["manager"].iterdir():
        # The AMD bundle and the icon fonts it loads beside itself; not the other bundles or source maps.
        if item.name == "embed-amd.js" or item.suffix in {".woff", ".woff2", ".ttf", ".eot", ".svg"}:
            shutil.copy2(item, static / item.name)
    shutil.copy2(assets["require"], static / "require.js")


def _copy_mathjax(root: Path, out: Path) -> None:
    target = out / _MATHJAX
    for part in _MATHJAX_PARTS:
        source = root / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True)
        elif source.is_file():
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)


def _index_page(lessons: list[RenderedLesson]) -> str:
    rows = "\n".join(
        f'    <li><a href="{html.escape(lesson.html.name)}">{html.escape(lesson.title)}</a></li>' for lesson in lessons
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Who Is My Customer? The course</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 46rem; margin: 2.5rem auto; padding: 0 1rem;
         line-height: 1.5; color: #1f2933; }}
  h1 {{ margin-bottom: 0.2rem; }}
  ol {{ padding-left: 1.2rem; }} li {{ margin: 0.35rem 0; }}
  a {{ color: #1f5f8b; }}
  p.note {{ color: #52606d; font-size: 0.9rem; }}
</style>
</head>
<body>
<h1>Who Is My Customer?</h1>
<p>A hands-on course on the customer lifecycle and customer types, on two sample businesses.
These pages are the lessons as they ran; open the notebooks in JupyterLab to move the sliders
and do the exercises.</p>
<h2>Syllabus</h2>
<ol start="0">
{rows}
</ol>
<p class="note">Rendered {time.strftime("%Y-%m-%d")} from the notebooks in the course repository.</p>
</body>
</html>
"""


def render_course(out, lessons=None, workers=None, source="notebooks", timeout: float = 120.0):
    """Execute the lessons and write an HTML site to ``out``; return the rendered lessons.

    ``lessons`` selects lessons (numbers, names or paths; default all in ``source``), ``workers`` is
    how many run at once (default: the number of cores). ``timeout`` bounds each cell in seconds,
    five times that each lesson; a lesson that times out is run once more in a fresh kernel.
    Raises :class:`RenderError` naming every lesson that failed, with its failing cell.

    >>> render_course("/tmp/unused-site", source="/nonexistent")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.UsageError: no lesson notebooks (NN_name.ipynb) in /nonexistent/
    """
    import multiprocessing
    import multiprocessing.connection

    from lifecycle_lib.tools.site.navigation import notebook_title

    paths = select_lessons(source, lessons)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    assets = widget_assets()
    if assets:
        _copy_widget_assets(assets, out)
    else:
        print(
            "lifecycle render: the widget manager is not installed (run `make setup` with npm available);"
            " widgets will show their static views only.",
            file=sys.stderr,
        )
    mathjax = mathjax_assets()
    if mathjax:
        _copy_mathjax(mathjax, out)
    else:
        print(
            "lifecycle render: MathJax is not installed (run `make setup` with npm available);"
            " pages will load it from a CDN to typeset formulas.",
            file=sys.stderr,
        )

    # Import the notebook stack once here; forked workers inherit it instead of paying seconds each.
    import nbconvert  # noqa: F401
    import nbformat  # noqa: F401
    import papermill  # noqa: F401
    from tqdm import tqdm

    site_names = {path.name for path in paths}
    workers = max(1, min(workers or os.cpu_count() or 1, len(paths)))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    failures: list[str] = []
    rendered: list[RenderedLesson] = []
    waiting = list(paths)
    retried: set[Path] = set()
    lesson_timeout = 5 * timeout
    running: dict = {}  # receiving end of a pipe -> (process, lesson, deadline)
    with tqdm(total=len(paths), desc="rendering lessons", unit="lesson", file=sys.stderr) as bar:
        while waiting or running:
            while waiting and len(running) < workers:
                # One fresh process per lesson: no kernel-client state carries over between lessons.
                path = waiting.pop(0)
                receive, send = context.Pipe(duplex=False)
                process = context.Process(
                    target=_worker, args=(send, path, out, site_names, bool(assets), timeout, bool(mathjax)),
                    daemon=True,
                )
                process.start()
                send.close()
                running[receive] = (process, path, time.monotonic() + lesson_timeout)
            ready = multiprocessing.connection.wait(list(running), timeout=1.0)
            now = time.monotonic()
            for receive in list(running):
                process, path, deadline = running[receive]
                if receive in ready:
                    try:
                        seconds, failure, retry = receive.recv()
                    except EOFError:
                        seconds, failure, retry = None, f"{path.name}: the worker died (exit code {process.exitcode})", False
                elif now > deadline:
                    _stop_group(process)
                    seconds, failure, retry = None, f"{path.name}: still running after {lesson_timeout:.0f} s; stopped", True
                else:
                    continue
                process.join(timeout=10)
                _stop_group(process)  # a kernel left behind by a failed run goes with its worker
                receive.close()
                del running[receive]
                if failure and retry and path not in retried:
                    retried.add(path)
                    waiting.insert(0, path)
                    bar.write(f"retrying once: {failure}", file=sys.stderr)
                    continue
                if failure:
                    failures.append(failure)
                    bar.write(f"failed: {failure}", file=sys.stderr)
                else:
                    rendered.append(RenderedLesson(path.stem, notebook_title(path), out / f"{path.stem}.html", seconds))
                bar.update()
    if failures:
        raise RenderError(
            f"{len(failures)} of {len(paths)} lessons failed to execute:\n  " + "\n  ".join(sorted(failures))
        )
    rendered.sort(key=lambda lesson: lesson.name)
    (out / "index.html").write_text(_index_page(rendered), encoding="utf-8")
    return rendered


def main(argv=None) -> int:
    """Command line (the same as ``lifecycle render``)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m lifecycle_lib.tools.site.render", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--lessons", nargs="*", default=None)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        render_course(args.out, lessons=args.lessons, workers=args.workers)
    except RenderError as exc:
        print(f"lifecycle render: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
