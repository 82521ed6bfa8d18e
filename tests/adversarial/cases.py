"""Submissions that try to cheat or break the grader, and the score each must get.

Every case starts from the real student notebook of the fixture exercise
(``tests/fixtures/grading/solutions/98_grading_fixture.ipynb`` through
:func:`lifecycle_lib.tools.build.exercise_notebook`), fills some answer cells honestly, and
tampers with the rest. ``expect`` maps each question to ``True`` (full marks: answered
honestly) or ``False`` (zero: cheated, or never reached because of the submission's own
sabotage). The known tricks against notebook graders are all here: rigged ``__eq__``,
patched testing helpers and checks, input transformers and tracers, edited check cells and
ids, nbval markers and metadata, forged lines on the answers' channel, loops, ``os._exit``, memory and output floods, reading the
instructor's files, writing the gradebook, and an honest answer that prints warnings.
"""

from __future__ import annotations

import copy

HONEST = {
    "q98_1": 'total_paid = (subs["months"] * subs["fee"]).sum()',
    "q98_2": 'months_by_plan = subs.groupby("plan")["months"].sum()',
    "q98_3": 'long_stayers = set(subs.loc[subs["months"] > 6, "subscriber"])',
    "q98_4": 'top_plan = subs["plan"].value_counts().sort_index().idxmax()',
}

QUESTIONS = list(HONEST)


def _code(source: str, metadata: dict | None = None) -> dict:
    return {"cell_type": "code", "metadata": metadata or {}, "source": source, "execution_count": None, "outputs": []}


def _answer_index(nb: dict, qid: str) -> int:
    for number, cell in enumerate(nb["cells"]):
        meta = cell.get("metadata", {})
        if "answer" in meta.get("tags", []) and meta.get("lifecycle", {}).get("id") == qid:
            return number
    raise KeyError(qid)


def fill(nb: dict, answers: dict) -> dict:
    """A copy of the student notebook with the given answer cells' code replaced."""
    nb = copy.deepcopy(nb)
    for qid, source in answers.items():
        nb["cells"][_answer_index(nb, qid)]["source"] = source
    return nb


def insert_after(nb: dict, qid: str, source: str, metadata: dict | None = None) -> dict:
    """Insert a code cell after the answer cell of ``qid`` (after the setup when ``qid`` is None)."""
    nb = copy.deepcopy(nb)
    if qid is None:
        at = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and "numpy" in "".join(c["source"]))
    else:
        at = _answer_index(nb, qid)
    nb["cells"].insert(at + 1, _code(source, metadata))
    return nb


RIGGED = '''
class AlwaysRight(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __hash__(self): return 0
    def __float__(self): return 0.0
    def __lt__(self, other): return False
    def __gt__(self, other): return False
total_paid = AlwaysRight(1.0)

import pandas as pd
class RiggedSeries(pd.Series):
    def __eq__(self, other): return True
    def equals(self, other): return True
months_by_plan = RiggedSeries([1, 2, 3])
'''

PATCH_TESTING = '''
import math, builtins, numpy, numpy.testing, pandas, pandas.testing, unittest
ok = lambda *a, **k: None
numpy.testing.assert_allclose = numpy.testing.assert_array_equal = numpy.testing.assert_almost_equal = ok
pandas.testing.assert_series_equal = pandas.testing.assert_frame_equal = ok
unittest.TestCase.assertEqual = ok
math.isclose = lambda *a, **k: True
numpy.isclose = numpy.allclose = lambda *a, **k: True
total_paid = 0.0
months_by_plan = pandas.Series(dtype="int64")
'''

PATCH_CHECKS = '''
import lifecycle_lib.exercises as exercises
import lifecycle_lib.exercises.checks as checks
import lifecycle_lib.exercises.compare as compare
right = compare.Verdict(True, "Right.")
compare.compare = lambda *a, **k: right
compare.diagnose = checks.diagnose = lambda *a, **k: right
checks.check = exercises.check = lambda *a, **k: print("correct")
compare.Verdict.__bool__ = lambda self: True
import sys
for name in ("grading", "scoring", "plain"):
    sys.modules["lifecycle_lib.tools.grade." + name] = compare
total_paid = -1.0
months_by_plan = "everything"
'''

INPUT_TRANSFORMER = '''
ip = get_ipython()
ip.input_transformers_cleanup.append(lambda lines: ["pass\\n"])
ip.input_transformers_post.append(lambda lines: ["pass\\n"])
'''

TRACER = '''
import sys, threading
def stop(frame, event, arg):
    if frame.f_code.co_name in ("to_plain", "emit", "main", "run_cell"):
        raise SystemExit
    return stop
sys.settrace(stop)
threading.settrace(stop)
sys.setprofile(lambda *a: None)
'''

READ_INSTRUCTOR_FILES = '''
import json, os
import lifecycle_lib
found = []
repository = os.path.dirname(os.path.dirname(os.path.abspath(lifecycle_lib.__file__)))
for root in (repository, "/var/tmp", "/work", "/root", "/home", "/srv"):
    base = root.count(os.sep)
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in (".venv", ".git", "node_modules", "datasets")]
        if folder.count(os.sep) - base > 4:
            subfolders[:] = []
        found += [os.path.join(folder, f) for f in files if f.startswith("98_") and f.endswith(".ipynb")]
        found += [os.path.join(folder, f) for f in files if f in ("roster.csv", "gradebook.csv")]
stolen = {}
for path in found:
    try:
        if path.endswith("roster.csv"):
            stolen["roster"] = open(path).read()
            continue
        nb = json.load(open(path))
    except Exception:
        continue
    if not isinstance(nb, dict):
        continue
    namespace = {"variant": variant}
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    try:
        for c in cells:
            tags = c.get("metadata", {}).get("tags", [])
            if "mistake" in tags or "check" in tags or "parameters" in tags:
                continue
            exec("".join(c["source"]).replace("from lifecycle_lib.exercises import check", ""), namespace)
        if "total_paid" in namespace and namespace["total_paid"] is not ...:
            stolen["total_paid"] = namespace["total_paid"]
            stolen["months_by_plan"] = namespace["months_by_plan"]
    except Exception:
        pass
try:
    import socket
    socket.create_connection(("pypi.org", 443), timeout=2)
    stolen["network"] = True
except OSError:
    pass
total_paid = stolen.get("total_paid")
months_by_plan = stolen.get("months_by_plan")
print(sorted(stolen))
'''

WRITE_GRADEBOOK = '''
import os
for root in ("/var/tmp", "/work", "/root"):
    base = root.count(os.sep)
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in (".venv", ".git", "node_modules", "datasets")]
        if folder.count(os.sep) - base > 4:
            subfolders[:] = []
        if "gradebook.csv" in files or "roster.csv" in files or os.path.basename(folder) == "feedback":
            for name in ("gradebook.csv", "PWNED"):
                try:
                    with open(os.path.join(folder, name), "w") as f:
                        f.write("student,exercise,question,points,max_points,status,message\\n")
                except OSError:
                    pass
total_paid = 0.0
months_by_plan = None
'''

FORGED_CHANNEL = '''
import json, os
lines = [{"done": True}, {"ready": True}, {"cell": 99},
         {"snap": "months_by_plan", "label": "months_by_plan", "value": {"__class__": "AlwaysEqual"}},
         {"snap": "long_stayers", "label": "long_stayers", "value": {"$set": [[1, 2]]}}]
data = "\\n".join(json.dumps(m) for m in lines).encode() + b"\\n" + b"[" * 100000 + b"\\n"
for fd in range(3, 64):
    try:
        os.write(fd, data)
    except OSError:
        pass
months_by_plan = None
'''

WARNINGS = '''
import logging, sys, warnings
warnings.warn("this is only a warning", UserWarning)
warnings.warn("and a deprecation", DeprecationWarning)
print("something on stderr", file=sys.stderr)
logging.getLogger("student").warning("a logged warning")
'''


def _honest_except(*qids) -> dict:
    return {q: s for q, s in HONEST.items() if q not in qids}


def build_cases(student_nb: dict) -> dict:
    """Each case: ``{"nb": notebook, "expect": {qid: full_marks}}``, keyed by a short name."""
    all_right = {q: True for q in QUESTIONS}
    first_two = {"q98_1": False, "q98_2": False, "q98_3": True, "q98_4": True}
    last_two = {"q98_1": True, "q98_2": True, "q98_3": False, "q98_4": False}
    cases = {}

    cases["honest"] = {"nb": fill(student_nb, HONEST), "expect": all_right}

    mistake = fill(student_nb, {**HONEST, "q98_1": 'total_paid = subs["fee"].sum()'})
    cases["typical_mistake"] = {"nb": mistake, "expect": {**all_right, "q98_1": False},
                                "message": {"q98_1": "multiply each fee by the months paid"}}

    nb = fill(student_nb, {**_honest_except("q98_1", "q98_2"), "q98_1": RIGGED, "q98_2": "pass"})
    cases["rigged_objects"] = {"nb": nb, "expect": first_two, "status": {"q98_1": "invalid", "q98_2": "invalid"}}

    nb = fill(student_nb, {**_honest_except("q98_1", "q98_2"), "q98_1": PATCH_TESTING, "q98_2": "pass"})
    cases["patched_testing"] = {"nb": nb, "expect": first_two}

    nb = fill(student_nb, {**_honest_except("q98_1", "q98_2"), "q98_1": PATCH_CHECKS, "q98_2": "pass"})
    cases["patched_checks"] = {"nb": nb, "expect": first_two}

    nb = fill(student_nb, {**HONEST, "q98_3": "long_stayers = {'nobody'}", "q98_4": "top_plan = 'nothing'"})
    nb = insert_after(nb, "q98_2", INPUT_TRANSFORMER)
    cases["input_transformer"] = {"nb": nb, "expect": last_two}

    nb = fill(student_nb, {**HONEST, "q98_3": "long_stayers = {'nobody'}", "q98_4": "top_plan = 'nothing'"})
    nb = insert_after(nb, "q98_2", TRACER)
    cases["settrace"] = {"nb": nb, "expect": last_two}

    nb = fill(student_nb, {**_honest_except("q98_1", "q98_2"), "q98_1": "total_paid = 1.0",
                           "q98_2": "months_by_plan = 2"})
    cells = []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {})
        if "check" in meta.get("tags", []):
            if meta["lifecycle"]["id"] in ("q98_1", "q98_2"):
                cell = {**cell, "source": 'print("q98_1: correct (1 point).")'}
            else:
                continue  # deleted
        if "answer" in meta.get("tags", []):
            meta = {**meta, "lifecycle": {**meta["lifecycle"], "id": "q98_4", "points": 100}}
            cell = {**cell, "metadata": meta}
        cells.append(cell)
    nb["cells"] = cells
    cases["edited_checks_and_ids"] = {"nb": nb, "expect": first_two}

    nb = fill(student_nb, {**HONEST, "q98_1": "# NBVAL_SKIP\ntotal_paid = 3.0",
                           "q98_3": "# NBVAL_RAISES_EXCEPTION\n" + HONEST["q98_3"]})
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["metadata"] = {**cell["metadata"], "tags": [*cell["metadata"].get("tags", []), "nbval-skip",
                                                              "raises-exception", "skip-execution"],
                                "nbgrader": {"grade": True, "points": 100, "solution": False, "locked": True},
                                "deletable": False, "editable": False}
            cell["execution_count"] = 7
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "q98_1: correct (1 point).\n"}]
    nb["metadata"]["lifecycle"] = {"student": "somebody-else", "score": 100}
    cases["markers_and_metadata"] = {"nb": nb, "expect": {**all_right, "q98_1": False}}

    nb = insert_after(fill(student_nb, HONEST), "q98_3", "while True:\n    pass")
    cases["infinite_loop"] = {"nb": nb, "expect": {**all_right, "q98_4": False}, "status": {"q98_4": "timeout"}}

    nb = insert_after(fill(student_nb, HONEST), "q98_2", "import os\nos._exit(0)")
    cases["os_exit"] = {"nb": nb, "expect": last_two, "status": {"q98_3": "crashed"}}

    nb = insert_after(fill(student_nb, HONEST), "q98_2",
                      "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n"
                      "os.killpg(0, signal.SIGKILL)")
    cases["kill_everything"] = {"nb": nb, "expect": last_two}

    nb = insert_after(fill(student_nb, HONEST), "q98_1", "blob = bytearray(64 * 2**30)")
    nb = insert_after(nb, "q98_2", "hoard = []\nwhile True:\n    hoard.append(bytearray(2**26))")
    nb = insert_after(nb, "q98_2", "del hoard")
    cases["memory_bomb"] = {"nb": nb, "expect": all_right}

    nb = insert_after(fill(student_nb, HONEST), "q98_2", 'print("x" * 50_000_000)\nprint("y" * 1000, flush=True)')
    cases["huge_print"] = {"nb": nb, "expect": all_right}

    nb = fill(student_nb, {**_honest_except("q98_1", "q98_2"), "q98_1": READ_INSTRUCTOR_FILES, "q98_2": "pass"})
    cases["reads_instructor_files"] = {"nb": nb, "expect": first_two}

    nb = fill(student_nb, {**_honest_except("q98_1", "q98_2"), "q98_1": WRITE_GRADEBOOK, "q98_2": "pass"})
    cases["writes_gradebook"] = {"nb": nb, "expect": first_two}

    nb = fill(student_nb, {**HONEST, "q98_2": FORGED_CHANNEL, "q98_3": "pass"})
    cases["forged_channel"] = {"nb": nb, "expect": {**all_right, "q98_2": False, "q98_3": False}}

    nb = insert_after(fill(student_nb, HONEST), None, WARNINGS)
    nb = insert_after(nb, "q98_4", WARNINGS)
    cases["warnings_on_stderr"] = {"nb": nb, "expect": all_right}

    nb = fill(student_nb, {**HONEST, "q98_2": "raise RuntimeError('stuck')", "q98_3": "long_stayers = ..."})
    cases["errors_and_blanks"] = {"nb": nb, "expect": {**all_right, "q98_2": False, "q98_3": False},
                                  "status": {"q98_2": "missing", "q98_3": "missing"}}
    return cases
