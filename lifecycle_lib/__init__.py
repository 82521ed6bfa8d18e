"""Who Is My Customer? The helper package of the course.

Small modules, one job each; importing the package imports none of them, so
``import lifecycle_lib`` stays fast. Import the module you need::

    from lifecycle_lib import datasets, rfm, segments, clv
"""

__version__ = "0.1.0"

__all__ = [
    "datasets",
    "schema",
    "frameworks",
    "segments",
    "rfm",
    "cohorts",
    "funnel",
    "clv",
    "plots",
    "widgets",
    "checks",
]


def __getattr__(name):
    """Import a submodule on first use: ``lifecycle_lib.rfm`` works without an explicit import."""
    if name in __all__:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'lifecycle_lib' has no attribute {name!r}")
