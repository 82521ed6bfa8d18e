"""Render the course as a book: the executed lessons as a Sphinx site, built offline.

::

    lifecycle render                           # every lesson in notebooks/, into _site/
    lifecycle render --out _site 0 3           # lessons 00 and 03 only
    lifecycle render --workers 2               # two kernels at once

**Execution.** Each lesson runs in a fresh kernel in its own folder through the course's one
execution path (:mod:`lifecycle_lib.tools.execute`, ``workers`` kernels at once). A lesson that fails
stops the render with an error naming the lesson and the failing cell, before any page is built.

**The site.** The executed copies go to Sphinx with myst-nb's own execution off
(``nb_execution_mode = "off"``: Sphinx never starts a kernel) and sphinx-book-theme lays them out: the
syllabus in the sidebar, Sphinx's search (its index is a file of the site, so it works offline), each
lesson's sections on the right, code cells that fold (``<details>`` elements, no script needed),
plots as image files. Beside the lessons come the index, the data dictionary (``datasets/README.md``),
the glossary and the API reference generated from the package's docstrings, and each lesson's
notebook and exercise are copied into the site (``notebooks/NN_name.ipynb``,
``exercises/NN_name.ipynb``) and linked under its title. The Sphinx configuration is
``docs/conf.py``; the sources are written by :mod:`~lifecycle_lib.tools.site._book`, and the course's
own Sphinx hooks are in :mod:`~lifecycle_lib.tools.site._sphinx`. Every Sphinx warning is shown, and one about a lesson (such
as a figure shown as ``<Figure size ...>`` text instead of an image) names the lesson and the cell;
with ``strict`` (``lifecycle render --strict``) any warning fails the render, as ``sphinx-build -W``.

**Offline.** When ``make setup`` installed the widget manager and MathJax 2 (into
``<venv>/share/lifecycle-widgets``), both are copied into the site's ``_static/`` and loaded from
there, so widgets render and formulas are typeset with no network. Without the widget manager,
pages show the static view that precedes every widget; without MathJax, pages load it from a CDN.

**Cache.** Work is kept in a cache folder, by default ``_build/lifecycle-render/`` beside the site
folder (``cache=`` moves it; deleting it forces a full build), by
:mod:`~lifecycle_lib.tools.site._cache`:

* ``executed/NN_name-KEY.ipynb``: an executed lesson. ``KEY`` is the first 16 hex digits of the
  SHA-256 of the lesson file's bytes, of every file of the sample data (``datasets/``, names and
  bytes), of the package (its version and the bytes of every file of ``lifecycle_lib`` except this
  folder, ``tools/site``, and ``cli.py``, which compute nothing a lesson shows), and of the
  versions of Python and of the package's dependencies. A lesson whose key has a file is not run
  again; editing one lesson re-executes only that lesson.
* ``SITE/source`` and ``SITE/doctrees``: the Sphinx sources and Sphinx's environment for the site
  folder named ``SITE``. A source file is rewritten only when its content changes, so Sphinx's
  incremental build reads again only the pages that changed.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle_lib.tools.course import CourseDir, lesson_files
from lifecycle_lib.tools.site._cache import lesson_key

__all__ = [
    "RenderError",
    "RenderedLesson",
    "widget_assets",
    "mathjax_assets",
    "select_lessons",
    "lesson_key",
    "render_course",
]

WIDGET_FOLDER = "lifecycle-widgets"


class RenderError(Exception):
    """A lesson failed to execute or the site failed to build; the message names each lesson and cell."""


@dataclass
class RenderedLesson:
    """One lesson of the rendered site.

    :func:`render_course` returns one per lesson, in course order.

    Parameters
    ----------
    name : str
        The lesson's file name without ``.ipynb``, e.g. ``"03_reach"``.
    title : str
        The lesson's title, its first heading.
    html : Path
        The page written for the lesson.
    seconds : float, default 0.0
        How long executing the lesson took (0 when it came from the cache).
    cached : bool, default False
        True when the executed lesson came from the cache instead of a kernel.
    warnings : list of str, optional
        What Sphinx warned about on this lesson's page (default: none).

    Examples
    --------
    >>> RenderedLesson("03_reach", "03 · Reach", Path("_site/03_reach.html"), seconds=6.4)
    RenderedLesson(03_reach: '03 · Reach' -> 03_reach.html, 6.4 s)
    >>> RenderedLesson("03_reach", "03 · Reach", Path("_site/03_reach.html"), cached=True)
    RenderedLesson(03_reach: '03 · Reach' -> 03_reach.html, cached)
    """

    name: str
    title: str
    html: Path
    seconds: float = field(default=0.0, repr=False)
    cached: bool = field(default=False, repr=False)
    warnings: list[str] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        ran = "cached" if self.cached else f"{self.seconds:.1f} s"
        warned = f", {len(self.warnings)} warning(s)" if self.warnings else ""
        return f"RenderedLesson({self.name}: {self.title!r} -> {self.html.name}, {ran}{warned})"


def widget_assets(prefix=None) -> dict[str, Path] | None:
    """The locally installed widget manager and require.js, or None when they are not installed.

    Parameters
    ----------
    prefix : str or Path, optional
        The environment to look in (default: None, the running Python's ``sys.prefix``).

    Returns
    -------
    dict of str to Path, or None
        ``"manager"``: the ``@jupyter-widgets/html-manager`` ``dist`` folder, ``"require"``: the
        ``require.js`` file; None when either is missing.

    Examples
    --------
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

    Parameters
    ----------
    prefix : str or Path, optional
        The environment to look in (default: None, the running Python's ``sys.prefix``).

    Returns
    -------
    Path or None
        The folder holding ``MathJax.js`` and its CommonHTML output; None when it is missing.

    Examples
    --------
    >>> mathjax_assets("/nonexistent") is None
    True
    """
    root = Path(prefix or sys.prefix) / "share" / WIDGET_FOLDER / "node_modules" / "mathjax"
    if (root / "MathJax.js").is_file() and (root / "jax" / "output" / "CommonHTML").is_dir():
        return root
    return None


def select_lessons(folder=None, lessons=None) -> list[Path]:
    """The lesson notebooks to render, in course order.

    Parameters
    ----------
    folder : str or Path, optional
        The folder of lessons (default: the course's ``notebooks/``, see :class:`~lifecycle_lib.tools.course.CourseDir`).
    lessons : list, optional
        File paths, file names or lesson numbers (``3``, ``"03"``); None means all.

    Returns
    -------
    list of Path
        The chosen lessons, sorted by name.

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

    folder = Path(folder) if folder is not None else CourseDir.default().notebooks
    available = lesson_files(folder)
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


def render_course(out="_site", lessons=None, workers=None, source=None, timeout: float = 120.0, cache=None,
                  strict: bool = False):
    """Execute the lessons (or take them from the cache) and build the course site in ``out``.

    A lesson that times out is run once more in a fresh kernel; every other lesson still runs when
    one fails, and then :class:`RenderError` names every lesson that failed, with its cell, and no
    page is built.

    Parameters
    ----------
    out : str or Path, default "_site"
        The site folder (created when missing); ``out/index.html`` is its first page.
    lessons : list, optional
        Lesson numbers, names or paths (default: every lesson in ``source``).
    workers : int, optional
        Lessons executed at once (default: the number of cores).
    source : str or Path, optional
        The folder of lessons (default: the course's ``notebooks/``). Their exercises are taken from
        the ``exercises/`` folder beside it.
    timeout : float
        Seconds each cell may run; each lesson may run five times that.
    cache : str or Path, optional
        The cache folder (default: ``_build/lifecycle-render`` beside ``out``; see the module's notes).
    strict : bool, default False
        Fail (after building) when Sphinx warns about anything, as ``sphinx-build -W`` does. Either
        way every warning is shown, and a lesson's are in its :attr:`RenderedLesson.warnings`.

    Returns
    -------
    list of RenderedLesson
        The lesson pages written, in course order.

    >>> render_course("/tmp/unused-site", source="/nonexistent")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.UsageError: no lesson notebooks (NN_name.ipynb) in /nonexistent/
    """
    from lifecycle_lib.tools.site import _book, _cache
    from lifecycle_lib.tools.site.navigation import notebook_title

    paths = select_lessons(source, lessons)
    out = Path(out).resolve()
    cache = Path(cache) if cache is not None else out.parent / "_build" / "lifecycle-render"
    executed, failures = _cache.executed_lessons(paths, cache / "executed", workers, timeout)
    if failures:
        raise RenderError(f"{len(failures)} of {len(paths)} lessons failed to execute:\n  " + "\n  ".join(failures))

    widgets, mathjax = widget_assets(), mathjax_assets()
    if not widgets:
        print("lifecycle render: the widget manager is not installed (run `make setup` with npm available);"
              " widgets will show their static views only.", file=sys.stderr)
    if not mathjax:
        print("lifecycle render: MathJax is not installed (run `make setup` with npm available);"
              " pages will load it from a CDN to typeset formulas.", file=sys.stderr)
    _book.copy_assets(cache / "assets", widgets, mathjax)
    work = cache / out.name
    course = CourseDir.default().root
    _book.write_sources(paths, executed, work / "source", course)
    titles = {path.stem: notebook_title(path) for path in paths}
    # The sidebar of every page lists every lesson: when the lessons or their titles change, every
    # page is written again, not only the ones whose source changed.
    manifest = json.dumps({"titles": titles, "widgets": bool(widgets), "mathjax": bool(mathjax)}, sort_keys=True)
    force_all = _book.write_if_changed(work / "manifest.json", manifest.encode())
    for stale in out.glob("[0-9][0-9]_*.html"):
        if stale.stem not in titles:
            stale.unlink()
    warnings = _book.build_site(work / "source", work / "doctrees", out, course / "docs",
                                cache / "assets" if widgets or mathjax else None, bool(widgets), bool(mathjax),
                                force_all=force_all)
    _book.read_again(work / "source", work / "doctrees", warnings)
    if warnings and strict:
        raise RenderError(
            f"the site was built with {len(warnings)} Sphinx warning(s), which a strict build refuses:\n  "
            + "\n  ".join(warnings)
        )
    return [
        RenderedLesson(path.stem, titles[path.stem], out / f"{path.stem}.html", seconds=executed[path.stem][1],
                       cached=executed[path.stem][2],
                       warnings=[line for line in warnings if f"source/{path.name}:" in line.replace(os.sep, "/")])
        for path in paths
    ]


def main(argv=None) -> int:
    """Command line (the same as ``lifecycle render``).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: None, which reads ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 when the site was built, 1 when a lesson or the build failed.
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m lifecycle_lib.tools.site.render", description=__doc__.splitlines()[0])
    parser.add_argument("lessons_positional", nargs="*", metavar="lessons")
    parser.add_argument("--out", default="_site")
    parser.add_argument("--lessons", nargs="*", default=None)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)
    try:
        render_course(args.out, lessons=[*args.lessons_positional, *(args.lessons or [])] or None, workers=args.workers,
                      strict=args.strict)
    except RenderError as exc:
        print(f"lifecycle render: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
