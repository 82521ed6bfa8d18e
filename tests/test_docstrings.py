"""Every public function and class of lifecycle_lib shows, in its own docstring, how to call it.

Public means: listed in the ``__all__`` of a module whose name does not start with ``_``. Exception
classes are exempt (their message is their documentation); constants are data, not calls. Whether
the examples pass is checked by ``pytest --doctest-modules lifecycle_lib``; this test makes sure
there is one to run, and names each function or class that has none.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import lifecycle_lib
from lifecycle_lib.exercises.compare import Expected


def _public_modules() -> list[str]:
    """Every module of the package whose dotted name has no part starting with ``_``.

    A subpackage counts when its ``__init__`` exports names itself (``lifecycle_lib.exercises``);
    one that only groups modules is a folder, not an API.
    """
    found = []
    for info in pkgutil.walk_packages(lifecycle_lib.__path__, prefix="lifecycle_lib."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        if info.ispkg and not getattr(importlib.import_module(info.name), "__all__", None):
            continue
        found.append(info.name)
    return sorted(found)


def _callables(module) -> list[tuple[str, object]]:
    """The functions and non-exception classes a module exports."""
    found = []
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name)
        if inspect.isclass(obj):
            if issubclass(obj, BaseException):
                continue
        elif not inspect.isfunction(obj):
            continue
        found.append((name, obj))
    return found


MODULES = _public_modules()
PUBLIC = [
    (module_name, name, obj)
    for module_name in MODULES
    for name, obj in _callables(importlib.import_module(module_name))
]


def _has_example(obj) -> bool:
    # The object's own docstring only: a class without one must not borrow its base class's.
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
    return isinstance(doc, str) and ">>>" in doc


def test_the_package_has_public_modules_and_names():
    assert "lifecycle_lib.exercises.checks" in MODULES and "lifecycle_lib.tools.grade._sandbox" not in MODULES
    assert len(PUBLIC) > 50


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_module_lists_its_names(module_name):
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    assert names, f"{module_name} has no __all__: list its public names explicitly"
    missing = [name for name in names if not hasattr(module, name)]
    assert not missing, f"{module_name}.__all__ names what the module does not define: {missing}"


@pytest.mark.parametrize(
    "module_name, name, obj", PUBLIC, ids=[f"{m.removeprefix('lifecycle_lib.')}.{n}" for m, n, _ in PUBLIC]
)
def test_every_public_function_and_class_has_an_example(module_name, name, obj):
    kind = "class" if inspect.isclass(obj) else "function"
    assert _has_example(obj), (
        f"{module_name}.{name}: this public {kind} has no '>>>' example in its docstring; "
        f"add a short one that runs in under a second (it runs with pytest --doctest-modules)"
    )


def test_the_check_catches_a_missing_example():
    def documented():
        """Adds nothing.

        >>> documented()
        """

    def undocumented():
        """Adds nothing, and does not show how."""

    class Borrowing(Expected):
        pass

    assert _has_example(documented)
    assert not _has_example(undocumented)
    assert _has_example(Expected)
    assert not _has_example(Borrowing)


# --- numpydoc sections ------------------------------------------------------------------------------
# numpydoc's own validator, limited to the checks that matter to a reader of the API: every parameter
# documented (PR01), no documented parameter that does not exist (PR02), and a Returns section on a
# function that returns something (RT01).
NUMPYDOC_CHECKS = ("PR01", "PR02", "RT01")


def numpydoc_problems(obj) -> list[str]:
    """numpydoc's findings for ``obj`` among NUMPYDOC_CHECKS (a class: its constructor's parameters)."""
    from numpydoc.docscrape import get_doc_object
    from numpydoc.validate import validate

    doc = get_doc_object(obj)
    if not inspect.isclass(obj):
        return [f"{code}: {text}" for code, text in validate(doc)["errors"] if code in NUMPYDOC_CHECKS]
    # A result class may document its fields as Attributes instead of constructor Parameters.
    documented = {name for entry in doc["Parameters"] + doc["Attributes"] for name in entry.name.split(", ")}
    try:
        signature = inspect.signature(obj)
    except ValueError:  # a subclass of a builtin (dict) has no signature of its own to document
        return []
    wanted = [name for name, p in signature.parameters.items() if not name.startswith("_")
              and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    missing = [name for name in wanted if name not in documented]
    return [f"PR01: Parameters {missing} not documented"] if missing else []


@pytest.mark.parametrize(
    "module_name, name, obj", PUBLIC, ids=[f"{m.removeprefix('lifecycle_lib.')}.{n}" for m, n, _ in PUBLIC]
)
def test_every_public_function_documents_its_parameters_and_result(module_name, name, obj):
    pytest.importorskip("numpydoc")
    problems = numpydoc_problems(obj)
    assert not problems, (
        f"{module_name}.{name}: " + "; ".join(problems)
        + ". Give it numpydoc 'Parameters' and 'Returns' sections (see lifecycle_lib.analytics.rfm.rfm_summary)"
    )


def test_the_numpydoc_check_catches_an_undocumented_parameter():
    pytest.importorskip("numpydoc")
    from lifecycle_lib.errors import UsageError

    assert numpydoc_problems(UsageError) == []

    class Point:
        """A point.

        Attributes
        ----------
        x : float
            Across.
        """

        def __init__(self, x, y):
            self.x, self.y = x, y

    assert numpydoc_problems(Point) == ["PR01: Parameters ['y'] not documented"]

    def half(x, *, places=2):
        """Half of x, rounded.

        Parameters
        ----------
        x : float
            The number.

        Returns
        -------
        float
        """
        return round(x / 2, places)

    def shout(text):
        """The text in capitals."""
        return text.upper()

    assert [p[:4] for p in numpydoc_problems(half)] == ["PR01"]  # places is not documented
    assert sorted(p[:4] for p in numpydoc_problems(shout)) == ["PR01", "RT01"]
