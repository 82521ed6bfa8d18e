"""Render the course as a static HTML site: execute every lesson, convert it, write an index.

::

    lifecycle render --out _site                 # every lesson in notebooks/
    lifecycle render --out _site --lessons 0 3   # lessons 00 and 03 only

Each lesson runs in a fresh kernel in its own folder (:mod:`lifecycle_lib.tools.execute`, several at
once), then becomes an HTML page with its plots embedded as images. Widgets stay interactive and formulas are typeset offline when the
widget manager and MathJax were installed by ``make setup`` (into ``<venv>/share/lifecycle-widgets``):
both are copied into the site and referenced by relative URLs, so the pages work opened from disk.
Without the widget manager, pages show the static view that precedes every widget; without MathJax,
they load it from nbconvert's default CDN. A lesson that fails stops the render with an error naming
the lesson and the failing cell.
"""

from __future__ import annotations

import html
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle_lib.tools.course import CourseDir, lesson_files

__all__ = ["RenderError", "RenderedLesson", "widget_assets", "mathjax_assets", "select_lessons", "render_course"]

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
        How long executing the lesson took.

    Examples
    --------
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


def _write_page(nb, path: Path, out: Path, site_names: set[str], widgets: bool, mathjax: bool) -> Path:
    """Convert an executed lesson to ``out/<lesson>.html`` (plots embedded, links pointing at pages)."""
    from nbconvert import HTMLExporter

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
    return target


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


def render_course(out, lessons=None, workers=None, source=None, timeout: float = 120.0):
    """Execute the lessons and write an HTML site to ``out``; return the rendered lessons.

    A lesson that times out is run once more in a fresh kernel; every other lesson still renders
    when one fails, and then :class:`RenderError` names every lesson that failed, with its cell.

    Parameters
    ----------
    out : str or Path
        The site folder (created when missing).
    lessons : list, optional
        Lesson numbers, names or paths (default: every lesson in ``source``).
    workers : int, optional
        Lessons executed at once (default: the number of cores).
    source : str or Path, optional
        The folder of lessons (default: the course's ``notebooks/``).
    timeout : float
        Seconds each cell may run; each lesson may run five times that.

    Returns
    -------
    list of RenderedLesson
        The pages written, in course order (``out/index.html`` lists them).

    >>> render_course("/tmp/unused-site", source="/nonexistent")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.UsageError: no lesson notebooks (NN_name.ipynb) in /nonexistent/
    """
    from tqdm import tqdm

    from lifecycle_lib.tools.execute import Run, execute_notebooks
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

    site_names = {path.name for path in paths}
    failures: list[str] = []
    rendered: list[RenderedLesson] = []
    with tqdm(total=len(paths), desc="rendering lessons", unit="lesson", file=sys.stderr) as bar:

        def page(index, result, seconds):
            path = paths[index]
            started = time.perf_counter()
            try:
                if isinstance(result, Exception):
                    raise result
                html_path = _write_page(result, path, out, site_names, bool(assets), bool(mathjax))
                seconds += time.perf_counter() - started
                rendered.append(RenderedLesson(path.stem, notebook_title(path), html_path, seconds))
            except Exception as exc:  # an execution or conversion problem, reported with the lesson
                failure = str(exc) if path.name in str(exc) else f"{path.name}: {type(exc).__name__}: {exc}"
                failures.append(failure)
                bar.write(f"failed: {failure}", file=sys.stderr)
            bar.update()

        execute_notebooks([Run(path) for path in paths], workers=workers, timeout=timeout,
                          return_exceptions=True, on_done=page)
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
