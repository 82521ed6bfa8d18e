"""Run a lesson with its key figures and verdicts logged, and find where they disagree.

Lessons name their key figures with ``figures.figure`` / ``figures.key_counts`` and choose their
judging words with ``figures.compare`` / ``interval`` / ``level`` (:mod:`lifecycle_lib.analytics.figures`).
Run with ``LIFECYCLE_FIGURES_LOG`` set, every such call leaves a record with the number of the cell
that made it. This module runs a lesson that way and checks the records against the executed
notebook, independently of the library's own rules:

- :func:`verdict_problems`: each chosen word is the one its numbers call for (the rule worked out
  again here) and is shown in an output of the cell that chose it;
- :func:`figure_problems`: a name has one value across the lessons, or each differing value carries
  a reason that its lesson shows.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections import defaultdict
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from lifecycle_lib.analytics.figures import LOG_VARIABLE

WIDGET = "application/vnd.jupyter.widget-view+json"


def run_lesson(path: Path, timeout: int = 300):
    """Execute a lesson in a fresh kernel with the records logged: (executed notebook, records)."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "figures.jsonl"
        before = os.environ.get(LOG_VARIABLE)
        os.environ[LOG_VARIABLE] = str(log)
        try:
            NotebookClient(
                nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
            ).execute()
        finally:
            if before is None:
                os.environ.pop(LOG_VARIABLE, None)
            else:
                os.environ[LOG_VARIABLE] = before
        records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    return nb, records


def _flat(text: str) -> str:
    """Text as a reader sees it: no Markdown emphasis or backticks, spaces collapsed, lower case."""
    text = re.sub(r"[*_`]", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def _output_text(output) -> str:
    if output.get("output_type") == "stream":
        return "".join(output.get("text", ""))
    data = output.get("data", {})
    return " ".join("".join(data[kind]) for kind in ("text/markdown", "text/plain", "text/html") if kind in data)


def cell_outputs(nb) -> dict:
    """Execution count -> (shown text, whether the cell shows a widget) for every executed code cell."""
    shown = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            outputs = cell.get("outputs", [])
            shown[cell.execution_count] = (
                _flat(" ".join(_output_text(o) for o in outputs)),
                any(WIDGET in o.get("data", {}) for o in outputs),
            )
    return shown


def visible_text(nb) -> str:
    """Everything a reader of the executed lesson sees: the Markdown cells and every output."""
    parts = [cell.source for cell in nb.cells if cell.cell_type == "markdown"]
    parts += [_output_text(o) for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    return _flat(" ".join(parts))


def expected_word(record: dict) -> str:
    """The word a verdict's numbers call for, by the rule its kind states (worked out here, not by the library)."""
    kind = record["kind"]
    if kind == "compare":
        above, below, same = record["words"]
        gap = record["a"] - record["b"]
        return above if gap > record["tolerance"] else below if -gap > record["tolerance"] else same
    if kind == "interval":
        above, below, unclear = record["words"]
        return above if record["low"] > record["null"] else below if record["high"] < record["null"] else unclear
    if kind == "level":
        for bound, word in record["levels"]:
            if bound is None or record["value"] >= bound:
                return word
    raise ValueError(f"unknown verdict kind {kind!r}")


def verdict_problems(name: str, nb, records: list) -> list[str]:
    """Verdicts whose word is not what their numbers call for, or that no output of their cell shows."""
    shown = cell_outputs(nb)
    problems = []
    for record in records:
        if record["kind"] == "figure":
            continue
        where = f"{name}, cell [{record['cell']}], {record['name']!r}"
        want = expected_word(record)
        if record["word"] != want:
            problems.append(f"{where}: chose {record['word']!r} where its numbers call for {want!r}")
        text, has_widget = shown.get(record["cell"], ("", False))
        if not has_widget and _flat(record["word"]) not in text:
            problems.append(f"{where}: the word {record['word']!r} is not in any output of the cell that chose it")
    return problems


def figure_problems(runs: dict) -> list[str]:
    """Key figures with several values across lessons where a differing value gives no reason its lesson shows.

    ``runs`` maps a lesson's name to (executed notebook, records).
    """
    by_name = defaultdict(list)
    for lesson, (_, records) in runs.items():
        for record in records:
            if record["kind"] == "figure":
                by_name[record["name"]].append((lesson, record["value"], record.get("why")))
    seen_text = {lesson: visible_text(nb) for lesson, (nb, _) in runs.items()}
    problems = []
    for name, rows in sorted(by_name.items()):
        values = [value for _, value, _ in rows]
        if all(math.isclose(v, values[0], rel_tol=1e-9, abs_tol=1e-12) for v in values):
            continue
        reasons = defaultdict(set)
        for lesson, value, why in rows:
            reasons[why].add(value)
            if why is None:
                continue
            if _flat(why) not in seen_text[lesson]:
                problems.append(f"{name!r} = {value} in {lesson}: its reason {why!r} is not shown in the lesson")
        for why, group in reasons.items():
            if len({round(v, 9) for v in group}) > 1:
                listing = "; ".join(f"{lesson}: {value}" for lesson, value, w in rows if w == why)
                label = "without a reason" if why is None else f"under one reason {why!r}"
                problems.append(f"{name!r} has several values {label} ({listing})")
    return problems
