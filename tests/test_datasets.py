"""The committed sample tables: the data dictionary, dtypes, loaders and referential integrity."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lifecycle_lib.data import datasets

README = datasets.DATA_DIR / "README.md"


def _dictionary() -> dict[str, dict[str, str]]:
    """Table name -> {column: documented type}, parsed from the data dictionary's markdown tables."""
    tables: dict[str, dict[str, str]] = {}
    current = None
    for line in README.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\w+)", line)
        if heading:
            current = heading.group(1)
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current and line.startswith("|") and len(cells) == 3 and cells[0] not in ("column",) and not cells[0].startswith("-"):
            tables.setdefault(current, {})[cells[0]] = cells[1]
    return tables


DICTIONARY = _dictionary()


def _dtype_matches(dtype, documented: str) -> bool:
    if documented == "string":
        return isinstance(dtype, pd.StringDtype)
    if documented == "category":
        return isinstance(dtype, pd.CategoricalDtype)
    if documented == "datetime64":
        return pd.api.types.is_datetime64_dtype(dtype) and getattr(dtype, "tz", None) is None
    if documented == "bool":
        return str(dtype) == "bool"
    return str(dtype) == documented  # Int64, Float64, boolean, int64, float64


def test_dictionary_documents_every_table():
    assert set(datasets.TABLES) <= set(DICTIONARY), set(datasets.TABLES) - set(DICTIONARY)


@pytest.mark.parametrize("table", datasets.TABLES)
def test_columns_and_dtypes_match_the_dictionary(table):
    frame = getattr(datasets, f"load_{table}")()
    documented = DICTIONARY[table]
    assert list(frame.columns) == list(documented), f"{table}: columns differ from datasets/README.md"
    wrong = {c: str(frame[c].dtype) for c, t in documented.items() if not _dtype_matches(frame[c].dtype, t)}
    assert not wrong, f"{table}: dtypes differ from datasets/README.md: {wrong}"


def test_simulated_tables_have_the_committed_dtypes():
    tiny = datasets.simulate(seed=5, size="tiny")
    for table in datasets.TABLES:
        committed = getattr(datasets, f"load_{table}")()
        assert tiny[table].dtypes.astype(str).to_dict() == committed.dtypes.astype(str).to_dict(), table


def test_small_size_and_files():
    contacts = datasets.load_contacts()
    counts = contacts["business"].value_counts()
    assert counts["shop"] == 4000 and counts["service"] == 3000
    total = sum(p.stat().st_size for p in datasets.DATA_DIR.glob("*.parquet"))
    assert total < 25 * 1024**2
    assert {p.stem for p in datasets.DATA_DIR.glob("*.parquet")} == set(datasets.TABLES)


def test_history_window():
    orders, events = datasets.load_orders(), datasets.load_events()
    assert orders["order_date"].min() >= pd.Timestamp("2024-01-01")
    assert orders["order_date"].max() < datasets.AS_OF
    assert events["timestamp"].max() < datasets.AS_OF
    assert events["timestamp"].is_monotonic_increasing


@pytest.mark.parametrize("business", datasets.BUSINESSES)
def test_business_filter(business):
    data = datasets.load_all(business)
    for name, frame in data.items():
        assert (frame["business"] == business).all(), name
        assert frame.index.equals(pd.RangeIndex(len(frame))), name
    assert len(data["contacts"]) < len(datasets.load_contacts())


@pytest.mark.parametrize("loader", [f"load_{t}" for t in datasets.TABLES] + ["load_all"])
def test_bad_business_names_the_allowed_values(loader):
    with pytest.raises(ValueError, match="'shop', 'service'"):
        getattr(datasets, loader)("Shop")


def test_referential_integrity():
    d = datasets.load_all()
    contacts = set(d["contacts"]["contact_id"])
    products = d["products"].set_index("product_id")
    orders = d["orders"]
    for table, col in [("orders", "contact_id"), ("events", "contact_id"), ("tickets", "contact_id"),
                       ("reviews", "contact_id"), ("subscriptions", "contact_id"), ("referrals", "referrer_id"),
                       ("referrals", "referred_id"), ("true_types", "contact_id")]:
        assert set(d[table][col]) <= contacts, (table, col)
    assert set(orders["product_id"]) <= set(products.index)
    assert set(d["reviews"]["product_id"]) <= set(products.index)
    # each line's business is its product's business, and list prices come from the catalogue
    prod = products.loc[orders["product_id"]]
    assert (prod["business"].to_numpy() == orders["business"].to_numpy()).all()
    assert (prod["price"].to_numpy() == orders["unit_price"].to_numpy()).all()
    order_ids = set(orders["order_id"])
    assert set(d["tickets"]["order_id"].dropna()) <= order_ids
    assert set(d["reviews"]["order_id"]) <= order_ids
    assert d["true_types"]["contact_id"].is_unique and len(d["true_types"]) == len(d["contacts"])
    # a referral contact is referred exactly once, by someone who bought before
    ref = d["referrals"]
    referral_contacts = d["contacts"].loc[d["contacts"]["channel"] == "referral", "contact_id"]
    assert set(ref["referred_id"]) == set(referral_contacts)
    first_order = orders.groupby("contact_id")["order_date"].min()
    assert (first_order.reindex(ref["referrer_id"]).to_numpy() < ref["created_at"].to_numpy()).all()


def test_order_amounts():
    orders = datasets.load_orders()
    expected = (orders["quantity"] * orders["unit_price"] * (1 - orders["discount"])).round(2)
    assert (orders["amount"] - expected).abs().max() < 0.011
    assert orders["discount"].between(0, 1).all()
    service = orders[orders["business"] == "service"]
    assert not service["returned"].any()
    plan_lines = service.merge(datasets.load_products(), on="product_id")["category"] == "plan"
    assert plan_lines.mean() > 0.8


def test_subscription_periods_are_consistent():
    subs = datasets.load_subscriptions()
    ended = subs.dropna(subset=["end_date"])
    assert (ended["end_date"] > ended["start_date"]).all()
    assert subs["end_reason"].isna().equals(subs["end_date"].isna())
    # a plan change ends one row and starts the next on the same day
    changed = subs[subs["end_reason"].isin(["upgrade", "downgrade"])]
    nxt = subs.groupby("contact_id")["start_date"].shift(-1).loc[changed.index]
    assert (nxt == changed["end_date"]).all()
