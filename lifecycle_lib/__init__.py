"""Who Is My Customer? The helper package of the course.

The package is in layers, each importing only the ones below it (``tests/test_layers.py`` and the
import-linter contract in ``pyproject.toml`` keep it so)::

    cli          the ``lifecycle`` command: argument parsing only
    tools        the course's tools: exercise build, assign, grade, site, report
    exercises    what a student's kernel imports: the question format and the self-check
    viz          plots and widgets with one look
    analytics    stages, behaviour types, frameworks, RFM, cohorts, funnels, CLV models
    data         table contracts, readers of users' files, the sample data and its simulator
    _util        column kernels, notebook files, paths
    errors       the one error family

Importing the package imports none of them, so ``import lifecycle_lib`` stays fast. The modules a
lesson uses are also reachable by their short names, imported on first use::

    from lifecycle_lib import datasets, rfm, segments, clv
    from lifecycle_lib.exercises import check
"""

__version__ = "0.1.0"

# The short names a lesson uses, and the module each one stands for.
_SHORT_NAMES = {
    "datasets": "lifecycle_lib.data.datasets",
    "readers": "lifecycle_lib.data.readers",
    "frameworks": "lifecycle_lib.analytics.frameworks",
    "segments": "lifecycle_lib.analytics.segments",
    "rfm": "lifecycle_lib.analytics.rfm",
    "cohorts": "lifecycle_lib.analytics.cohorts",
    "funnel": "lifecycle_lib.analytics.funnel",
    "clv": "lifecycle_lib.analytics.clv",
    "plots": "lifecycle_lib.viz.plots",
    "widgets": "lifecycle_lib.viz.widgets",
}

__all__ = list(_SHORT_NAMES)


def __getattr__(name):
    """Import a lesson module on first use: ``lifecycle_lib.rfm`` is ``lifecycle_lib.analytics.rfm``."""
    if name in _SHORT_NAMES:
        import importlib

        module = importlib.import_module(_SHORT_NAMES[name])
        globals()[name] = module
        return module
    raise AttributeError(f"module 'lifecycle_lib' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_SHORT_NAMES])
