"""The Sphinx side of the course site: its sources, its offline assets and the build itself.

:func:`write_sources` lays out the folder Sphinx reads: the pages of :data:`FRAME_PAGES`, each
executed lesson as the site shows it (:func:`lesson_page`) and, under ``downloads/`` (copied into the
site as they are), each lesson's notebook and exercise. A file is written only when its content
changes, so Sphinx's incremental build reads again only what changed. :func:`copy_assets` puts the
local widget manager and MathJax where Sphinx copies them into the site's ``_static/``, and
:func:`build_site` runs Sphinx's HTML builder with ``docs/conf.py`` and returns its warnings.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import sys
from pathlib import Path

from lifecycle_lib.tools.course import CourseDir

__all__: list[str] = []

#: The pages beside the lessons: the site's name for each, and the course file it comes from.
FRAME_PAGES = {"index.md": "docs/index.md", "glossary.md": "docs/glossary.md", "api.md": "docs/api.md",
               "data.md": "datasets/README.md"}
# MathJax 2 as nbconvert configures it (TeX-AMS_CHTML-full plus the Safe extension), named in the
# page's MathJax configuration, since Sphinx refuses a query string (`?config=`) on a local script.
MATHJAX_CONFIGS = ["TeX-AMS_CHTML-full.js", "Safe.js"]
MATHJAX_CDN = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
# What that configuration loads with CommonHTML output, plus the extensions its menu offers (zoom,
# accessibility): about 6 MB. The rest of the package (other outputs and their fonts, unminified
# sources, translations, 67 MB) stays out of the site.
_MATHJAX_PARTS = (
    "MathJax.js",
    "LICENSE",
    "config/TeX-AMS_CHTML-full.js",
    "config/Safe.js",
    "extensions",
    "jax/input",
    "jax/element",
    "jax/output/CommonHTML",
    "fonts/HTML-CSS/TeX/woff",
    "fonts/HTML-CSS/TeX/otf",
)
# Loaded between require.js and the widget manager: the manager looks for its icon fonts beside the
# module paths require.js gives its modules, so those paths are set to the folder the fonts are in.
_WIDGET_PATHS_JS = """// Where the widget manager's files are: beside this script, in the site itself.
(function () {
  var here = new URL(".", document.currentScript.src).href.replace(/\\/$/, "");
  require.config({paths: {"@jupyter-widgets/html-manager/dist": here, "@jupyter-widgets": here}});
})();
"""
WIDGET_SCRIPTS = ("widgets/require.js", "widgets/paths.js", "widgets/embed-amd.js")
_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^()\s]+)\)")
_PROSE_CELL = re.compile(r"^\s*display\(\s*Markdown\(")


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` unless the file already holds it (so Sphinx sees no change); True when written."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def _download_link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}" download>{text}</a>'


def relink(text: str, lessons: set[str], downloads: set[str]) -> str:
    """Markdown links of the course pointed at the site: pages, downloads, or plain text when outside it."""

    def fix(match: re.Match) -> str:
        bang, label, target = match.groups()
        stem, _, anchor = target.partition("#")
        if bang or not stem or re.match(r"^[a-z][a-z0-9+.-]*:", stem):  # images, anchors, URLs
            return match.group(0)
        name = stem.rsplit("/", 1)[-1]
        suffix = f"#{anchor}" if anchor else ""
        if stem in ("../README.md", "README.md"):
            return f"[{label}](index.md)"
        for page, origin in FRAME_PAGES.items():
            if stem in (page, origin, f"../{origin}"):
                return f"[{label}]({page}{suffix})"
        if stem in (name, f"../notebooks/{name}") and name in lessons:
            return f"[{label}]({name}{suffix})"
        if stem == f"../exercises/{name}" and f"exercises/{name}" in downloads:
            return _download_link(f"exercises/{name}", label)
        return label  # a file of the repository that is not part of the site

    return _LINK.sub(fix, text)


def _downloads_cell(name: str, downloads: set[str]) -> dict:
    if f"exercises/{name}.ipynb" in downloads:
        links = (f"{_download_link(f'notebooks/{name}.ipynb', 'this lesson')} and "
                 f"{_download_link(f'exercises/{name}.ipynb', 'its exercise')} as notebooks to run them")
    else:
        links = f"{_download_link(f'notebooks/{name}.ipynb', 'this lesson')} as a notebook to run it"
    text = f'<p class="lesson-downloads">Download {links} in JupyterLab.</p>'
    return {"cell_type": "markdown", "id": "lesson-downloads", "metadata": {}, "source": text}


def lesson_page(executed: dict, name: str, lessons: set[str], downloads: set[str]) -> dict:
    """The executed lesson as the site shows it.

    Without the navigation cells (the sidebar and the theme's previous/next links replace them),
    with the download links under the title, links pointed at the site, and every code cell
    foldable; a cell that only writes a sentence from the data starts folded. Each code cell notes
    its number in the lesson, so a warning about it names the cell as the lesson counts it.
    """
    from lifecycle_lib._util.notebooks import cell_source
    from lifecycle_lib.tools.site._sphinx import FOLDED_TAG
    from lifecycle_lib.tools.site.navigation import is_navigation_cell

    nb = json.loads(json.dumps(executed))
    cells, title_seen = [], False
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if is_navigation_cell(cell):
            continue
        metadata = cell.setdefault("metadata", {})
        metadata.pop("execution", None)  # when the cell ran: not shown, and it would make every run a change
        if cell.get("cell_type") == "code":
            tags = [tag for tag in metadata.get("tags", []) if tag not in ("hide-input", FOLDED_TAG)]
            tags.append("hide-input")
            if _PROSE_CELL.match(cell_source(cell)):
                tags.append(FOLDED_TAG)
            metadata["tags"] = tags
            metadata.setdefault("lifecycle", {})["cell"] = number
        elif cell.get("cell_type") == "markdown":
            cell["source"] = relink(cell_source(cell), lessons, downloads)
        cells.append(cell)
        if not title_seen and cell.get("cell_type") == "markdown" and re.match(r"^\s*# ", cell_source(cell)):
            title_seen = True
            cells.append(_downloads_cell(name, downloads))
    if not title_seen:
        cells.insert(0, _downloads_cell(name, downloads))
    nb["cells"] = cells
    return nb


def write_sources(paths: list[Path], executed: dict, source: Path, root: Path) -> None:
    """Write the Sphinx sources for the lessons ``paths`` (executed copies in ``executed``, by name).

    ``root`` is the course whose :data:`FRAME_PAGES` the site shows; the exercises are the ones in
    the ``exercises/`` folder beside the lessons' folder. Files of lessons no longer in the site
    are removed.
    """
    from lifecycle_lib._util.notebooks import notebook_text, read_notebook

    course = CourseDir(paths[0].resolve().parent.parent)
    names = {path.name for path in paths}
    origins = {f"notebooks/{path.name}": path for path in paths}
    origins |= {f"exercises/{path.name}": course.exercises / path.name
                for path in paths if (course.exercises / path.name).is_file()}
    downloads = set(origins)
    keep = set()
    for page, origin in FRAME_PAGES.items():
        keep.add(page)
        write_if_changed(source / page, relink((root / origin).read_text(encoding="utf-8"), names, downloads).encode())
    for item, origin in origins.items():
        keep.add(f"downloads/{item}")
        write_if_changed(source / "downloads" / item, origin.read_bytes())
    for path in paths:
        keep.add(path.name)
        page = lesson_page(read_notebook(executed[path.stem][0]), path.stem, names, downloads)
        write_if_changed(source / path.name, notebook_text(page).encode("utf-8"))
    for stale in [*source.glob("*.ipynb"), *source.glob("*.md"), *source.glob("downloads/*/*.ipynb")]:
        if stale.relative_to(source).as_posix() not in keep:
            stale.unlink()


def copy_assets(target: Path, widgets: dict | None, mathjax: Path | None) -> None:
    """Copy the local widget manager (``widgets/``) and MathJax (``mathjax/``) into ``target`` once."""
    names = ("embed-amd.js", "require.js", "paths.js")
    if widgets and not all((target / "widgets" / name).is_file() for name in names):
        folder = target / "widgets"
        folder.mkdir(parents=True, exist_ok=True)
        for item in widgets["manager"].iterdir():
            # The AMD bundle and the icon fonts it loads beside itself; not the other bundles or source maps.
            if item.name == "embed-amd.js" or item.suffix in {".woff", ".woff2", ".ttf", ".eot", ".svg"}:
                shutil.copy2(item, folder / item.name)
        shutil.copy2(widgets["require"], folder / "require.js")
        (folder / "paths.js").write_text(_WIDGET_PATHS_JS, encoding="utf-8")
    if mathjax and not (target / "mathjax" / "MathJax.js").is_file():
        for part in _MATHJAX_PARTS:
            origin, copy = mathjax / part, target / "mathjax" / part
            if origin.is_dir():
                shutil.copytree(origin, copy, dirs_exist_ok=True)
            elif origin.is_file():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, copy)


def read_again(source: Path, doctrees: Path, warnings: list[str]) -> None:
    """Make the next build read again the pages Sphinx warned about, so it shows their warnings again.

    Sphinx warns while it reads a page, and reads again only pages whose source is newer than its
    environment: each warned page's source gets a new modification time. A warning that names no
    page of ``source`` makes the next build read every page (its environment is removed).
    """
    import os
    import time

    now = time.time() + 1
    for line in warnings:
        match = re.match(r"^(.*?\.(?:ipynb|md)):\d*:? ", line)
        page = Path(match.group(1)) if match else None
        if page is not None and page.is_file() and page.resolve().is_relative_to(source.resolve()):
            os.utime(page, (now, now))
        else:
            shutil.rmtree(doctrees, ignore_errors=True)
            return


class _Warnings(io.StringIO):
    """Sphinx's warning stream: shown on stderr as they come, and kept."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        if text.strip():
            self.lines.append(text.strip())
            sys.stderr.write(text if text.endswith("\n") else text + "\n")
        return len(text)


def build_site(source: Path, doctrees: Path, out: Path, docs: Path, assets: Path | None, widgets: bool,
               mathjax: bool, force_all: bool = False) -> list[str]:
    """Run Sphinx's HTML builder on ``source`` into ``out`` with ``docs/conf.py``; return its warnings.

    ``assets`` is the folder :func:`copy_assets` filled (None: nothing to add to ``_static``);
    ``widgets`` and ``mathjax`` say whether the local widget manager and MathJax are there.
    """
    from sphinx.application import Sphinx
    from sphinx.util.console import nocolor
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    overrides = {
        "html_static_path": [str(docs / "_static"), *([str(assets)] if assets else [])],
        "html_extra_path": [str(source / "downloads")],
        "nb_ipywidgets_js": {script: {} for script in WIDGET_SCRIPTS} if widgets else {},
        "mathjax_path": "mathjax/MathJax.js" if mathjax else MATHJAX_CDN,
    }
    nocolor()
    warnings = _Warnings()
    with patch_docutils(docs), docutils_namespace():
        app = Sphinx(source, docs, out, doctrees, "html", confoverrides=overrides, status=None,
                     warning=warnings, freshenv=False, keep_going=True)
        if mathjax:  # conf.py's settings, and the configuration files the CDN's URL names
            app.config.mathjax2_config = {**(app.config.mathjax2_config or {}), "config": MATHJAX_CONFIGS}
        app.build(force_all=force_all)
    return warnings.lines
