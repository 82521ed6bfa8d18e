"""The course's data: the two sample businesses and the real CDNOW sample.

Every lesson reaches data through this module, never through a relative path.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

__all__ = ["AS_OF", "DATA_DIR", "load_cdnow"]

#: The moment the sample data ends; the default "as of" date of every analysis.
AS_OF = pd.Timestamp("2026-01-01")

#: The committed sample tables (the repository's ``datasets/`` folder).
DATA_DIR = Path(__file__).resolve().parent.parent / "datasets"


def _lifetimes_data_file(name: str) -> Path:
    """Path of a file shipped in the installed ``lifetimes`` distribution, found without importing it."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "The CDNOW sample comes with the 'lifetimes' package, which is not installed. "
            "Fix: run 'make setup' (or 'pip install lifetimes')."
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / name
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing from the installed 'lifetimes' package. Fix: reinstall it.")
    return path


def load_cdnow() -> pd.DataFrame:
    """The CDNOW sample of Fader & Hardie: one row per customer and day with purchases.

    Read at run time from the package data of the installed ``lifetimes`` distribution
    (``datasets/CDNOW_sample.txt``: master id, customer id, date, number of CDs, dollar value).

    Returns columns ``customer_id`` (int), ``date`` (datetime64), ``cds`` (int) and ``amount``
    (float, US dollars).

    >>> cdnow = load_cdnow()
    >>> len(cdnow), cdnow["customer_id"].nunique()
    (6919, 2357)
    >>> cdnow["date"].min().date(), cdnow["date"].max().date()
    (datetime.date(1997, 1, 1), datetime.date(1998, 6, 30))
    """
    raw = pd.read_csv(
        _lifetimes_data_file("CDNOW_sample.txt"),
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
        dtype={"master_id": "int64", "customer_id": "int64", "date": "string", "cds": "int64", "amount": "float64"},
    )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw[["customer_id", "date", "cds", "amount"]]
