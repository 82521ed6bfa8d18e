"""A submission as the grader runs it: read once, never written, every code cell a step.

Every code cell of the submission runs, in order, in a fresh Python process of its own (IPython
semantics, so magics work). Cell tags, markers (``NBVAL_SKIP``...), metadata, outputs and
execution counts are ignored; the roster's variant is pinned, and after every cell the value of
each answer variable is sent out as plain data.
"""

from __future__ import annotations

import ast
import json

from lifecycle_lib._util.notebooks import cell_source

__all__ = ["MAX_NOTEBOOK_BYTES", "read_submission", "student_steps"]

#: A submission larger than this is not read.
MAX_NOTEBOOK_BYTES = 100 * 1024 * 1024


def read_submission(path) -> dict:
    """A submission as JSON, read once and never written; only its code cells' sources are used.

    Parameters
    ----------
    path : str or Path
        The notebook handed in.

    Returns
    -------
    dict
        Its JSON.

    Raises
    ------
    ValueError
        When it is larger than :data:`MAX_NOTEBOOK_BYTES`, not JSON or has no list of cells;
        ``OSError`` and ``UnicodeDecodeError`` when it cannot be read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ada.ipynb"
    >>> _ = path.write_text('{"cells": [], "nbformat": 4}')
    >>> read_submission(path)
    {'cells': [], 'nbformat': 4}
    >>> _ = path.write_text('{"cells": "none"}')
    >>> read_submission(path)
    Traceback (most recent call last):
    ...
    ValueError: no list of cells
    """
    with open(path, "rb") as handle:
        data = handle.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise ValueError("larger than 100 MB")
    notebook = json.loads(data.decode("utf-8"))
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError("no list of cells")
    return notebook


def student_steps(notebook: dict, variant: int, answers: list[str]) -> list[dict]:
    """Every code cell of the submission, the variant pinned, each followed by a snapshot.

    The roster's variant is set after the last cell assigning ``variant`` before any cell uses
    it (the parameters cell and papermill's injected one, found by their code, not their tags),
    or first when there is none: an edited parameters cell cannot change the student's data.

    Parameters
    ----------
    notebook : dict
        The submission's JSON (:func:`read_submission`).
    variant : int
        The student's variant from the roster.
    answers : list of str
        The answer variables to follow.

    Returns
    -------
    list of dict
        The harness's steps: ``code``, ``snap`` (the answer variables) and ``where`` (how the
        feedback names the step).

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "code", "source": "variant = 0"},
    ...                 {"cell_type": "markdown", "source": "Compute n."},
    ...                 {"cell_type": "code", "source": "n = 3 + variant"}]}
    >>> [(s["where"], s["code"]) for s in student_steps(nb, 7, ["n"])]
    [('code cell 1', 'variant = 0'), ('the line setting your variant', 'variant = 7'), ('code cell 2', 'n = 3 + variant')]
    """
    sources = [cell_source(c) for c in notebook["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
    position = 0
    for number, source in enumerate(sources):
        assigns, reads = _variant_use(source)
        if reads and not assigns:
            break
        if assigns:
            position = number + 1
    steps = [{"code": s, "snap": list(answers), "where": f"code cell {n + 1}"} for n, s in enumerate(sources)]
    steps.insert(position, {"code": f"variant = {int(variant)}", "snap": list(answers),
                            "where": "the line setting your variant"})
    return steps


def _variant_use(source: str) -> tuple[bool, bool]:
    """Whether a cell assigns ``variant`` at top level, and whether it reads it anywhere."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False, False
    assigns = False
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        assigns = assigns or any(isinstance(t, ast.Name) and t.id == "variant" for t in targets)
    reads = any(isinstance(n, ast.Name) and n.id == "variant" and isinstance(n.ctx, ast.Load) for n in ast.walk(tree))
    return assigns, reads
