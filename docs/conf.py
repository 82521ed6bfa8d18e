"""Sphinx configuration of the course site, which ``lifecycle render`` builds.

The site's sources are not in this folder. ``lifecycle render`` (``lifecycle_lib/tools/site/render.py``)
executes the lessons, writes the executed copies, this folder's pages (``index.md``, ``glossary.md``,
``api.md``) and the notebooks to download into a build folder, and runs Sphinx there with this file
as its configuration. What depends on the machine (where the local widget manager and MathJax are)
comes in as overrides from ``render.py``; everything a reader sees is set here.

Nothing is executed by Sphinx: the lessons arrive executed (``nb_execution_mode = "off"``), and no
page loads anything from outside the site.
"""

project = "Who Is My Customer?"
author = ""  # no "By ..." line under every page
html_show_copyright = False
language = "en"

extensions = [
    "myst_nb",  # notebooks and Markdown pages (MyST)
    "sphinx.ext.autodoc",  # the API reference, from the package's docstrings
    "sphinx.ext.napoleon",  # which are written in the numpydoc style
    "lifecycle_lib.tools.site._sphinx",  # download links, folding code, figures shown as text
]

# The lessons are executed by `lifecycle render` before Sphinx sees them, never by Sphinx.
nb_execution_mode = "off"
# stdout and stderr of a cell in one block, as JupyterLab shows them.
nb_merge_streams = True
# Markdown a cell displays (display(Markdown(...))) has tables, but "$" there means dollars, not maths.
nb_render_markdown_format = "gfm"
# Every code cell can be folded (the `_sphinx` extension tags them); the button says what it does.
nb_code_prompt_show = "Show code"
nb_code_prompt_hide = "Hide code"

# "$$ ... $$" in a lesson's Markdown cells is a formula, as in JupyterLab.
myst_enable_extensions = ["dollarmath"]
# Links to a section of a lesson, e.g. [the RFM table](#rfm-scores).
myst_heading_anchors = 3

exclude_patterns = ["downloads", "**.ipynb_checkpoints"]
master_doc = "index"

html_theme = "sphinx_book_theme"
html_title = "Who Is My Customer?"
html_theme_options = {
    "home_page_in_toc": True,  # the index opens the syllabus in the sidebar
    "show_toc_level": 2,  # the lesson's sections on the right: "on this page"
    "use_download_button": True,  # filled by the `_sphinx` extension with the lesson and its exercise
    "use_fullscreen_button": False,
    "use_source_button": False,
    "use_repository_button": False,
    "navigation_with_keys": False,
    "show_navbar_depth": 1,
    "navbar_persistent": [],  # search is in the sidebar; no second search bar above the page
}
html_context = {"default_mode": "light"}  # the reader's switch changes it
html_show_sourcelink = False
html_copy_source = False  # the notebooks to download are the lesson and its exercise, not the page's source
html_last_updated_fmt = None
html_static_path = ["_static"]
html_css_files = ["lifecycle.css"]

# MathJax 2 from the site itself: `render.py` sets `mathjax_path` to the local copy. MyST marks every page
# "tex2jax_ignore mathjax_ignore" (so a dollar in a cell's output stays a dollar) and its formulas "math";
# it tells MathJax 3 to typeset those, and MathJax 2 is told here, or no formula would be typeset at all.
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]], "processEscapes": True,
                "processClass": "math|tex2jax_process|mathjax_process", "ignoreClass": "tex2jax_ignore|mathjax_ignore"},
}

# The API reference: numpydoc sections (Parameters, Returns, Examples) read by napoleon.
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True  # an "Attributes" section lists the attributes; their own docstrings document them
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the docstrings say what each parameter is
add_module_names = False
