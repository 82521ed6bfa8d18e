"""The course site's own Sphinx extension (named in ``docs/conf.py``; ``lifecycle render`` runs Sphinx).

Three things the theme and myst-nb do not do by themselves:

* **Downloads.** The theme's download menu offers the lesson's notebook and its exercise, the files
  ``render`` copies into the site (``notebooks/NN_name.ipynb``, ``exercises/NN_name.ipynb``), instead of
  the page's executed source; pages that are not lessons have no download menu.
* **Folding code.** ``render`` tags every code cell ``hide-input``, so myst-nb wraps its source in a
  ``<details>`` element (plain HTML: it folds without any script). Here they start unfolded, so a
  reader sees the code and can fold it, except cells tagged ``fold-code`` (cells that only write a
  sentence of the page from the data), which start folded.
* **Figures shown as text.** A cell whose output is ``<Figure size 640x480 with 1 Axes>`` instead of
  an image (a figure displayed without an image renderer, e.g. under a non-inline backend) is reported
  as a Sphinx warning naming the page and the cell, so a strict build fails on it.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

__all__: list[str] = []

#: How matplotlib writes a figure as text.
FIGURE_AS_TEXT = re.compile(r"<Figure size \d+(?:\.\d+)?x\d+(?:\.\d+)? with \d+ Axes>")
#: The tag of a code cell whose source starts folded.
FOLDED_TAG = "fold-code"
#: Where ``render`` puts the notebooks to download, inside the Sphinx source folder.
DOWNLOADS = "downloads"

logger = logging.getLogger(__name__)


def _downloads(app, pagename: str) -> list[tuple[str, str, str]]:
    """``(path in the site, button text, tooltip)`` of the notebooks a page offers."""
    found = []
    for folder, text, tooltip in (
        ("notebooks", "lesson .ipynb", "Download this lesson as a notebook"),
        ("exercises", "exercise .ipynb", "Download this lesson's exercise notebook"),
    ):
        if (Path(app.srcdir) / DOWNLOADS / folder / f"{pagename}.ipynb").is_file():
            found.append((f"{folder}/{pagename}.ipynb", text, tooltip))
    return found


def _download_menu(app, pagename, templatename, context, doctree) -> None:
    buttons = context.get("header_buttons")
    if not isinstance(buttons, list):
        return
    group = next((button for button in buttons if button.get("label") == "download-buttons"), None)
    if group is None:
        return
    links = _downloads(app, pagename)
    if not links:
        buttons.remove(group)
        return
    pathto = context["pathto"]
    group["buttons"] = [
        {"type": "link", "url": pathto(path, 1), "text": text, "tooltip": tooltip, "icon": "fas fa-file-code",
         "label": f"download-{path.split('/')[0]}-button"}
        for path, text, tooltip in links
    ] + [button for button in group["buttons"] if button.get("label") == "download-pdf-button"]
    group["tooltip"] = "Download this lesson"


class _UnfoldCode(SphinxPostTransform):
    """Open the ``<details>`` of code cells unless the cell is tagged :data:`FOLDED_TAG`."""

    default_priority = 200  # after myst-nb's HideInputCells (199) has wrapped the sources
    formats = ("html",)

    def run(self, **kwargs) -> None:
        from myst_nb.sphinx_ import HideCodeCellNode

        for node in self.document.findall(HideCodeCellNode):
            cell = node.parent
            tags = (cell.get("cell_metadata") or {}).get("tags", []) if cell is not None else []
            node["open"] = "above-input" in node["classes"] and FOLDED_TAG not in tags


def _visit_fold(self, node) -> None:
    from myst_nb.sphinx_ import visit_HideCellInput

    start = len(self.body)
    visit_HideCellInput(self, node)
    if node.get("open"):
        self.body[start] = self.body[start].replace("<details ", "<details open ", 1)


def _depart_fold(self, node) -> None:
    from myst_nb.sphinx_ import depart_HideCellInput

    depart_HideCellInput(self, node)


def _has_image_alternative(block) -> bool:
    """Whether the output holding ``block`` also offers an image (which the page shows instead)."""
    node = block.parent
    while node is not None and node.get("nb_element") != "mime_bundle":
        if node.get("nb_element") == "cell_code":
            return False
        node = node.parent
    return node is not None and any(str(child.get("mime_type", "")).startswith("image/") for child in node.children)


def _figures_as_text(app, doctree) -> None:
    docname = app.env.docname
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        for output in cell.findall(nodes.container):
            if output.get("nb_element") != "cell_code_output":
                continue
            for block in output.findall(nodes.literal_block):
                match = FIGURE_AS_TEXT.search(block.astext())
                if not match or _has_image_alternative(block):
                    continue
                # the cell's number in the lesson, counted from 1 (``render`` notes it before it
                # drops the navigation cells); else its place in the page
                number = (cell.get("cell_metadata") or {}).get("lifecycle", {}).get("cell")
                if not isinstance(number, int) and isinstance(cell.get("cell_index"), int):
                    number = cell["cell_index"] + 1
                where = f"cell {number}" if isinstance(number, int) else "a cell"
                logger.warning(
                    f"{docname}: {where} shows a figure as text ({match.group(0)}) instead of an image; "
                    "display it with plt.show() under the inline backend",
                    location=block, type="lifecycle", subtype="figure_as_text",
                )


def setup(app):
    """Register the hooks with Sphinx (called by Sphinx for the extension named in ``conf.py``)."""
    from myst_nb.sphinx_ import HideCodeCellNode

    app.add_node(HideCodeCellNode, override=True, html=(_visit_fold, _depart_fold))
    app.add_post_transform(_UnfoldCode)
    app.connect("doctree-read", _figures_as_text)
    app.connect("html-page-context", _download_menu, priority=502)  # after the theme's buttons (501)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
