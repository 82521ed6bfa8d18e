"""Executing notebooks: parameters, named failures, kept errors, timeouts, deadlines, many at once, quiet."""

from __future__ import annotations

import os
import time
import warnings

import pytest
from conftest import new_notebook

from lifecycle_lib.errors import UsageError
from lifecycle_lib.tools.execute import NotebookError, NotebookTimeout, Run, execute_notebook, execute_notebooks

pytestmark = pytest.mark.slow


def outputs_text(cell) -> str:
    return "".join(output.get("text", "") for output in cell["outputs"])


def test_parameters_are_injected_after_the_parameters_cell():
    nb = new_notebook([
        ("markdown", "# 01 · Demo"),
        ("code", "variant = 0\nlabel = 'sample'", {"tags": ["parameters"]}),
        ("code", "print(variant, label)"),
    ])
    done = execute_notebook(nb, parameters={"variant": 3, "label": "own"}, timeout=60)
    injected = done.cells[2]
    assert "injected-parameters" in injected.metadata.tags
    assert "variant = 3" in injected.source and "label = \"own\"" in injected.source
    assert outputs_text(done.cells[3]) == "3 own\n"
    assert done.cells[1].source.startswith("variant = 0")  # the defaults stay, overridden after


def test_without_parameters_nothing_is_injected():
    nb = new_notebook([("code", "variant = 0", {"tags": ["parameters"]}), ("code", "print(variant)")])
    done = execute_notebook(nb, timeout=60)
    assert len(done.cells) == 2 and outputs_text(done.cells[1]) == "0\n"


def test_a_failing_cell_raises_naming_the_notebook_and_the_cell(tmp_path):
    path = tmp_path / "03_broken.ipynb"
    nb = new_notebook([("markdown", "# 03"), ("code", "x = 1"), ("code", "ratio = x / 0\nprint(ratio)"),
                       ("code", "print('never')")])
    from lifecycle_lib._util.notebooks import write_notebook

    write_notebook(nb, path)
    with pytest.raises(NotebookError) as caught:
        execute_notebook(path, timeout=60)
    assert str(caught.value) == "03_broken.ipynb: cell 3 (`ratio = x / 0`) raised ZeroDivisionError: division by zero"
    assert (caught.value.notebook, caught.value.cell, caught.value.ename) == ("03_broken.ipynb", 3, "ZeroDivisionError")


def test_allow_errors_runs_every_cell_and_keeps_the_errors():
    nb = new_notebook([("code", "raise KeyError('plan')"), ("code", "print('after')")])
    done = execute_notebook(nb, timeout=60, allow_errors=True)
    assert done.cells[0].outputs[0].output_type == "error" and done.cells[0].outputs[0].ename == "KeyError"
    assert outputs_text(done.cells[1]) == "after\n"


def test_the_kernel_runs_in_the_notebook_folder_or_cwd(tmp_path):
    from lifecycle_lib._util.notebooks import write_notebook

    (tmp_path / "lesson").mkdir()
    path = tmp_path / "lesson" / "01_here.ipynb"
    write_notebook(new_notebook([("code", "import os; print(os.getcwd())")]), path)
    assert outputs_text(execute_notebook(path, timeout=60).cells[0]) == f"{path.parent.resolve()}\n"
    assert outputs_text(execute_notebook(path, cwd=tmp_path, timeout=60).cells[0]) == f"{tmp_path}\n"


def test_a_cell_past_the_cell_timeout_is_stopped_and_reported_within_the_deadline():
    nb = new_notebook([("code", "x = 1"), ("code", "import time\ntime.sleep(60)")])
    started = time.monotonic()
    with pytest.raises(NotebookTimeout) as caught:
        execute_notebook(nb, timeout=2, deadline=30, retries=0, name="05_slow.ipynb")
    assert time.monotonic() - started < 30
    assert str(caught.value) == "05_slow.ipynb: cell 2 (`import time`) still running after 2 s (the cell timeout); stopped"
    assert caught.value.cell == 2


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return "\nState:\tZ" not in fh.read()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads the kernel's state from /proc")
def test_the_deadline_kills_the_kernel(tmp_path):
    cells = [("code", "import os, time\nopen('kernel.pid', 'w').write(str(os.getpid()))")]
    cells += [("code", "time.sleep(1.5)")] * 10  # every cell within the cell timeout, the notebook not
    started = time.monotonic()
    with pytest.raises(NotebookTimeout, match=r"^06_long.ipynb: still running after 4 s \(the notebook's deadline\); stopped$"):
        execute_notebook(new_notebook(cells), cwd=tmp_path, timeout=3, deadline=4, retries=0, name="06_long.ipynb")
    assert time.monotonic() - started < 20
    assert not _alive(int((tmp_path / "kernel.pid").read_text()))


def test_a_notebook_that_timed_out_runs_once_more_in_a_fresh_kernel(tmp_path, capsys):
    first_run_hangs = ("import os, time\n"
                       "if not os.path.exists('ran-once'):\n"
                       "    open('ran-once', 'w').close()\n"
                       "    time.sleep(60)\n"
                       "print('second run')")
    done = execute_notebook(new_notebook([("code", first_run_hangs)]), cwd=tmp_path, timeout=2, name="07_flaky.ipynb")
    assert outputs_text(done.cells[0]) == "second run\n"
    assert "retrying in a fresh kernel: 07_flaky.ipynb: cell 1" in capsys.readouterr().err


def test_many_notebooks_run_two_at_a_time_and_come_back_in_order(tmp_path):
    record = ("import time, pathlib\nstart = time.time()\ntime.sleep(1.0)\n"
              "pathlib.Path('{n}.span').write_text(f'{{start}} {{time.time()}}')\nprint({n})")
    runs = [Run(new_notebook([("code", record.format(n=n))]), cwd=tmp_path, name=f"0{n}_x.ipynb") for n in range(5)]
    finished = []
    done = execute_notebooks(runs, workers=2, timeout=60, on_done=lambda index, result, seconds: finished.append(index))
    assert [outputs_text(nb.cells[0]) for nb in done] == [f"{n}\n" for n in range(5)]
    assert sorted(finished) == list(range(5))
    spans = [tuple(map(float, (tmp_path / f"{n}.span").read_text().split())) for n in range(5)]
    most = max(sum(start <= moment < end for start, end in spans) for moment, _ in spans)
    assert most == 2


def test_many_notebooks_report_each_failure_or_raise_the_first():
    runs = [Run(new_notebook([("code", "print('fine')")]), name="01_ok.ipynb"),
            Run(new_notebook([("code", "1 / 0")]), name="02_bad.ipynb")]
    done = execute_notebooks(runs, workers=2, timeout=60, return_exceptions=True)
    assert outputs_text(done[0].cells[0]) == "fine\n"
    assert isinstance(done[1], NotebookError) and str(done[1]).startswith("02_bad.ipynb: cell 1 (`1 / 0`)")
    with pytest.raises(NotebookError, match="02_bad.ipynb"):
        execute_notebooks(runs, workers=2, timeout=60)


def test_a_cell_timeout_is_required():
    with pytest.raises(UsageError, match="cell timeout"):
        execute_notebook(new_notebook([("code", "1")]), timeout=None)


def test_execution_prints_no_tcp_warning_and_no_missing_id_warning(capfd):
    nb = new_notebook([("code", "print('quiet')"), ("markdown", "text")])
    for cell in nb["cells"]:
        del cell["id"]  # as in a notebook saved by an older Jupyter
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        done = execute_notebook(nb, parameters={"variant": 1}, timeout=60)
        execute_notebooks([Run(nb), Run(nb)], workers=2, timeout=60)
    assert outputs_text(done.cells[-2]) == "quiet\n"
    assert [str(w.message) for w in caught if "id field" in str(w.message) or "MissingID" in type(w.message).__name__] == []
    err = capfd.readouterr().err
    assert "without encryption" not in err and "MissingIDFieldWarning" not in err
    assert "id" not in nb["cells"][0]  # the caller's notebook is not changed
