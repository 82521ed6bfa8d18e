"""The course's data: the two sample businesses and the real CDNOW sample.

Every lesson reaches data through this module, never through a relative path:

- ``load_<table>(business=None)`` reads one committed sample table from ``DATA_DIR``
  (``business="shop"`` or ``"service"`` keeps one business), ``load_all()`` reads them all;
- ``simulate(seed, size)`` makes the tables in memory (``size="tiny"`` is the fast per-student variant);
- ``generate(seed, size, out)`` writes them as Parquet, bit-for-bit the same for the same seed and size;
- ``load_cdnow()`` reads the real CDNOW sample; ``load_cdnow_master()`` and ``load_telco()`` the two real data
  sets of :mod:`lifecycle_lib.data.real` (the full CDNOW log, IBM's Telco churn table).

The columns of every table are described in ``datasets/README.md``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from lifecycle_lib._util.paths import REPO_ROOT

__all__ = [
    "AS_OF",
    "DATA_DIR",
    "SEED_VARIABLE",
    "data_dir",
    "BUSINESSES",
    "TABLES",
    "TRUE_TYPES",
    "SampleData",
    "simulate",
    "generate",
    "load_products",
    "load_contacts",
    "load_events",
    "load_orders",
    "load_promotions",
    "load_subscriptions",
    "load_tickets",
    "load_reviews",
    "load_referrals",
    "load_marketing_spend",
    "load_true_types",
    "load_all",
    "load_cdnow",
    "load_cdnow_master",
    "load_telco",
]

#: The moment the sample data ends; the default "as of" date of every analysis.
AS_OF = pd.Timestamp("2026-01-01")

#: The committed sample tables (the repository's ``datasets/`` folder).
DATA_DIR = REPO_ROOT / "datasets"

#: The two sample businesses: the pet-bed shop and the pet-care subscription service.
BUSINESSES = ("shop", "service")

#: The sample tables, in the order of the data dictionary (one Parquet file each).
TABLES = (
    "products",
    "contacts",
    "events",
    "orders",
    "promotions",
    "subscriptions",
    "tickets",
    "reviews",
    "referrals",
    "marketing_spend",
    "true_types",
)

#: The hidden behaviour types of the simulated people (the answer key's categories).
TRUE_TYPES = ("impulse", "wandering", "need_based", "discount_hunter", "researcher", "dissatisfied", "loyal")

_SIZES = ("tiny", "small", "large")


class SampleData(dict):
    """The sample tables by name: a dict whose tables are also attributes (``data.orders``).

    >>> data = SampleData(orders=pd.DataFrame({"order_id": ["SO000001"]}))
    >>> data.orders is data["orders"]
    True
    >>> data
    SampleData: orders (1 rows)
    """

    def __getattr__(self, name: str) -> pd.DataFrame:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no table {name!r}; the tables are: {', '.join(self)}") from None

    def __dir__(self):
        return list(super().__dir__()) + list(self)

    def __repr__(self) -> str:
        parts = ", ".join(f"{name} ({len(frame):,} rows)" for name, frame in self.items())
        return f"SampleData: {parts}"


def _check_business(business: str | None) -> None:
    if business is not None and business not in BUSINESSES:
        raise ValueError(f"business must be one of {BUSINESSES} or None (both), not {business!r}")


def _only(table: pd.DataFrame, business: str | None) -> pd.DataFrame:
    """Rows of one business (all rows for None), with a fresh index."""
    if business is None or "business" not in table.columns:
        return table
    return table[table["business"] == business].reset_index(drop=True)


def simulate(seed: int = 2024, size: str = "small") -> SampleData:
    """Simulate both sample businesses in memory: a dict of table name -> DataFrame.

    The result is a :class:`SampleData`, a dict whose tables are also attributes
    (``data["orders"]`` and ``data.orders`` are the same table).

    The same ``seed`` and ``size`` always give the same tables. ``size`` is ``"tiny"``
    (about 300 contacts per business, well under a second: the per-student variants of the
    exercises), ``"small"`` (about 4,000 shop and 3,000 service contacts: the committed files) or
    ``"large"`` (over 100,000 customers and 1,000,000 orders; ``events`` are kept for a 5% random
    sample of contacts only). The tables and their columns are those of ``datasets/README.md``.

    Parameters
    ----------
    seed : int, default 2024
        Seed of the random generator; 2024 with ``size="small"`` gives the committed files.
    size : {"tiny", "small", "large"}, default "small"
        How many contacts each business has.

    Returns
    -------
    SampleData
        Every table of ``TABLES``, in that order, for both businesses.

    Raises
    ------
    ValueError
        If ``size`` is not one of ``"tiny"``, ``"small"``, ``"large"``.

    Examples
    --------
    >>> data = simulate(seed=1, size="tiny")
    >>> sorted(data) == sorted(TABLES)
    True
    >>> data["contacts"]["business"].value_counts().to_dict()
    {'shop': 300, 'service': 300}
    >>> simulate(seed=1, size="tiny").orders.equals(data["orders"])
    True
    """
    if size not in _SIZES:
        raise ValueError(f"size must be one of {_SIZES}, not {size!r}")
    from lifecycle_lib.data import _simulator

    return SampleData(_simulator.simulate(seed=seed, size=size))


def generate(seed: int = 2024, size: str = "small", out: str | Path = DATA_DIR) -> list[Path]:
    """Simulate and write every table as ``<out>/<table>.parquet``; returns the paths written.

    The files are the same, byte for byte, for the same seed and size (this is how the committed
    ``datasets/`` folder is made: ``lifecycle data generate --seed 2024 --size small --out datasets``).

    Parameters
    ----------
    seed : int, default 2024
        Seed of the random generator, as for :func:`simulate`.
    size : {"tiny", "small", "large"}, default "small"
        How many contacts each business has, as for :func:`simulate`.
    out : str or pathlib.Path, default ``DATA_DIR``
        Folder to write to (made if missing); existing files of the same names are replaced.

    Returns
    -------
    list of pathlib.Path
        The files written, one per table in the order of ``TABLES``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = generate(seed=1, size="tiny", out=tmp)
    ...     [p.name for p in paths][:3]
    ['products.parquet', 'contacts.parquet', 'events.parquet']
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = simulate(seed=seed, size=size)
    paths = []
    for name in TABLES:
        arrow = pa.Table.from_pandas(tables[name], preserve_index=False)
        path = out / f"{name}.parquet"
        pq.write_table(arrow, path, compression="zstd", compression_level=9, write_statistics=False)
        paths.append(path)
    return paths


#: Set to a seed to run the lessons on another sample: the ``load_*`` functions then read that seed's
#: tables (generated once into a cache folder, with the committed tables' size and types).
SEED_VARIABLE = "LIFECYCLE_SAMPLE_SEED"
COMMITTED_SEED = 2024


def _simulator_digest() -> str:
    """A short digest of the simulator's source, so a changed simulator never reuses an old seed's tables."""
    import hashlib

    digest = hashlib.blake2b(digest_size=6)
    for path in sorted((Path(__file__).parent / "_simulator").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def data_dir() -> Path:
    """The folder the ``load_*`` functions read: ``DATA_DIR``, or another seed's tables.

    With the environment variable ``LIFECYCLE_SAMPLE_SEED`` set to a seed other than 2024, that seed's
    sample is generated once into ``<temp>/lifecycle-sample-<seed>-<digest of the simulator>`` and read from there, so a lesson
    can be run on a second sample without any change to its code.

    Returns
    -------
    pathlib.Path
        The folder holding one Parquet file per table of ``TABLES``.

    Raises
    ------
    ValueError
        When the variable is set to something that is not a whole number.

    Examples
    --------
    >>> data_dir() == DATA_DIR
    True
    """
    text = os.environ.get(SEED_VARIABLE, "").strip()
    if not text:
        return DATA_DIR
    if not text.isdigit():
        raise ValueError(f"{SEED_VARIABLE}={text!r} is not a seed. Fix: set it to a whole number such as 7, or unset it.")
    seed = int(text)
    if seed == COMMITTED_SEED:
        return DATA_DIR
    folder = Path(tempfile.gettempdir()) / f"lifecycle-sample-{seed}-{_simulator_digest()}"
    if not all((folder / f"{t}.parquet").exists() for t in TABLES):
        partial = Path(tempfile.mkdtemp(prefix=f"lifecycle-sample-{seed}-"))
        generate(seed=seed, size="small", out=partial)
        try:
            partial.rename(folder)
        except OSError:  # another process got there first: use its copy
            shutil.rmtree(partial, ignore_errors=True)
    return folder


def _read(name: str, business: str | None) -> pd.DataFrame:
    _check_business(business)
    path = data_dir() / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing. Fix: regenerate the sample data with "
            "'lifecycle data generate --seed 2024 --size small --out datasets' in the repository folder."
        )
    return _only(pd.read_parquet(path), business)


def load_products(business: str | None = None) -> pd.DataFrame:
    """The catalogue: shop beds, accessories and the partner's pet-care products; service plans and add-ons.

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per product: ``product_id``, ``business``, ``name``, ``category``, ``partner``, ``price``.

    Examples
    --------
    >>> products = load_products()
    >>> products.groupby("business", observed=True).size().to_dict()
    {'shop': 18, 'service': 7}
    >>> load_products("service")["category"].value_counts().to_dict()
    {'add_on': 4, 'plan': 3, 'bed': 0, 'accessory': 0, 'pet_care': 0}
    """
    return _read("products", business)


def load_contacts(business: str | None = None) -> pd.DataFrame:
    """One row per known person: first seen, acquisition channel, email opt-in.

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per contact: ``contact_id``, ``business``, ``first_seen``, ``channel``, ``email_opt_in``.

    Examples
    --------
    >>> contacts = load_contacts("shop")
    >>> contacts["contact_id"].str.startswith("S-").all()
    np.True_
    >>> list(contacts.columns)
    ['contact_id', 'business', 'first_seen', 'channel', 'email_opt_in']
    """
    return _read("contacts", business)


def load_events(business: str | None = None) -> pd.DataFrame:
    """Everything a contact did or was shown (ad impressions, visits, page views, sign-ups, carts, chats...).

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per event, sorted by ``timestamp`` (columns in ``datasets/README.md``).

    Examples
    --------
    >>> events = load_events("service")
    >>> events["timestamp"].is_monotonic_increasing
    True
    >>> "ad_impression" in set(events["event"])
    True
    """
    return _read("events", business)


def load_orders(business: str | None = None) -> pd.DataFrame:
    """One row per order line; the service's monthly charges are lines of category ``plan``.

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per order line: ids, ``order_date``, product, quantity, price, discount, ``amount``, channel, ``returned``.

    Examples
    --------
    >>> orders = load_orders("shop")
    >>> bool((orders["amount"] <= orders["quantity"] * orders["unit_price"] + 1e-9).all())
    True
    """
    return _read("orders", business)


def load_promotions(business: str | None = None) -> pd.DataFrame:
    """The sales and offers of both businesses, with first and last day and the discount.

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per promotion: ``promotion``, ``business``, ``start``, ``end`` (last second) and ``discount``.

    Examples
    --------
    >>> load_promotions("shop")["promotion"].head(2).tolist()
    ['Spring Sale 2024', 'Summer Sale 2024']
    """
    return _read("promotions", business)


def load_subscriptions(business: str | None = None) -> pd.DataFrame:
    """The service's subscription periods, one row per period on one plan (the shop has none).

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per subscription period: plan, ``monthly_price``, ``start_date``, ``end_date`` (missing
        while running) and ``end_reason``.

    Examples
    --------
    >>> subs = load_subscriptions()
    >>> subs["plan"].cat.categories.tolist()
    ['basic', 'standard', 'premium']
    >>> len(load_subscriptions("shop"))
    0
    """
    return _read("subscriptions", business)


def load_tickets(business: str | None = None) -> pd.DataFrame:
    """Support tickets: topic, order concerned, time to first response and satisfaction.

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per ticket: ``opened_at``, ``topic``, ``order_id``, ``first_response_hours``, ``satisfaction`` (1-5, may be missing).

    Examples
    --------
    >>> tickets = load_tickets()
    >>> set(tickets["business"]) == {"shop", "service"}
    True
    """
    return _read("tickets", business)


def load_reviews(business: str | None = None) -> pd.DataFrame:
    """Public reviews with a 1-5 rating and how long the business took to reply.

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per review: product, order, ``created_at``, ``rating`` (1-5) and ``reply_hours`` (missing without a reply).

    Examples
    --------
    >>> reviews = load_reviews("shop")
    >>> reviews["rating"].between(1, 5).all()
    np.True_
    """
    return _read("reviews", business)


def load_referrals(business: str | None = None) -> pd.DataFrame:
    """Who recommended whom: each referred contact came through the ``referral`` channel.

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per referral: ``referral_id``, ``business``, ``referrer_id``, ``referred_id``, ``created_at``.

    Examples
    --------
    >>> referrals = load_referrals("shop")
    >>> referrals["referred_id"].is_unique
    True
    """
    return _read("referrals", business)


def load_marketing_spend(business: str | None = None) -> pd.DataFrame:
    """Monthly marketing spend in EUR by channel and purpose (``acquisition`` or ``retention``).

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per month, channel and purpose, with the ``amount`` in EUR.

    Examples
    --------
    >>> spend = load_marketing_spend("service")
    >>> spend.groupby("purpose", observed=True)["amount"].sum().gt(0).all()
    np.True_
    """
    return _read("marketing_spend", business)


def load_true_types(business: str | None = None) -> pd.DataFrame:
    """The answer key: the hidden behaviour type of every contact (for checking rules, not for rules).

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per contact: ``contact_id``, ``business``, ``true_type`` (categories ``TRUE_TYPES``).

    Examples
    --------
    >>> types = load_true_types()
    >>> sorted(types["true_type"].cat.categories) == sorted(TRUE_TYPES)
    True
    """
    return _read("true_types", business)


def load_all(business: str | None = None) -> SampleData:
    """Every sample table at once, as a dict of table name -> DataFrame (the shape ``simulate`` returns).

    Parameters
    ----------
    business : {"shop", "service"}, optional
        Keep the rows of one business; both businesses when omitted.

    Returns
    -------
    SampleData
        Every table of ``TABLES``, in that order, read from ``DATA_DIR``.

    Raises
    ------
    ValueError
        If ``business`` is neither ``"shop"``, ``"service"`` nor None.

    Examples
    --------
    >>> data = load_all("shop")
    >>> list(data) == list(TABLES)
    True
    >>> data.orders["business"].unique().tolist()
    ['shop']
    >>> load_all("pets")
    Traceback (most recent call last):
    ...
    ValueError: business must be one of ('shop', 'service') or None (both), not 'pets'
    """
    _check_business(business)
    loaders = {
        "products": load_products, "contacts": load_contacts, "events": load_events, "orders": load_orders,
        "promotions": load_promotions, "subscriptions": load_subscriptions, "tickets": load_tickets,
        "reviews": load_reviews, "referrals": load_referrals, "marketing_spend": load_marketing_spend,
        "true_types": load_true_types,
    }
    return SampleData({name: loaders[name](business) for name in TABLES})


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

    Returns
    -------
    pandas.DataFrame
        One row per customer and day with purchases: ``customer_id`` (int), ``date`` (datetime64),
        ``cds`` (int) and ``amount`` (float, US dollars).

    Raises
    ------
    FileNotFoundError
        If the ``lifetimes`` package (which ships the file) is not installed.

    Examples
    --------
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


def load_cdnow_master() -> pd.DataFrame:
    """The full CDNOW log: every purchase line of the 23,570 customers that ``load_cdnow()`` samples a tenth of.

    Read from the package data of the installed ``lifetimes`` distribution; provenance and quirks
    (repeated lines, free lines) in ``datasets/README.md``. The reading, and its errors, are those of
    :func:`lifecycle_lib.data.real.read_cdnow_master`.

    Returns
    -------
    pandas.DataFrame
        One row per line of the log: ``customer_id`` (int), ``date`` (datetime64), ``cds`` (int) and
        ``amount`` (float, US dollars), like ``load_cdnow()``.

    Examples
    --------
    >>> cdnow = load_cdnow_master()
    >>> int(cdnow.duplicated().sum()), int((cdnow["amount"] == 0).sum())
    (255, 80)
    """
    from lifecycle_lib.data import real

    return real.read_cdnow_master()


def load_telco() -> pd.DataFrame:
    """IBM's Telco customer churn table: one row per subscriber (7,043), booleans, categories, tenure in months.

    Read from the committed ``datasets/real/telco_churn.parquet``; provenance, licence and quirks in
    ``datasets/README.md``. The reading, and its errors, are those of :func:`lifecycle_lib.data.real.read_telco`.

    Returns
    -------
    pandas.DataFrame
        One row per subscriber with ``subscriber_id``, ``churn`` (bool), ``tenure`` (int months), the
        services, contract and billing, ``monthly_charges`` and ``total_charges`` (missing for tenure 0).

    Examples
    --------
    >>> telco = load_telco()
    >>> len(telco), int(telco["churn"].sum()), int(telco["total_charges"].isna().sum())
    (7043, 1869, 11)
    """
    from lifecycle_lib.data import real

    return real.read_telco()
