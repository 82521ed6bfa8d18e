"""Cohort retention and revenue matrices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lifecycle_lib.analytics import cohorts
from lifecycle_lib.data import datasets
from lifecycle_lib.errors import DataError


def test_hand_made_retention():
    orders = pd.DataFrame({
        "contact_id": ["a", "a", "a", "b", "c", "c"],
        "order_date": pd.to_datetime(["2025-01-05", "2025-01-20", "2025-03-01", "2025-01-09", "2025-02-02",
                                      "2025-02-03"]),
    })
    r = cohorts.retention_matrix(orders)
    assert list(r.columns) == [0, 1, 2]
    np.testing.assert_allclose(r.loc[pd.Period("2025-01", "M")].to_numpy(), [1.0, 0.0, 0.5])
    feb = r.loc[pd.Period("2025-02", "M")]
    assert feb[0] == 1.0 and feb[1] == 0.0 and np.isnan(feb[2])
    weekly = cohorts.retention_matrix(orders, period="W")
    assert (weekly[0] == 1.0).all()


def test_matrices_on_simulated_data():
    orders = datasets.simulate(seed=2, size="tiny")["orders"]
    r = cohorts.retention_matrix(orders)
    assert (r[0] == 1.0).all()
    values = r.to_numpy()
    assert np.nanmin(values) >= 0 and np.nanmax(values) <= 1
    sizes = cohorts.cohort_sizes(orders)
    assert sizes.sum() == orders["contact_id"].nunique()
    rev = cohorts.revenue_matrix(orders)
    assert rev.sum().sum() == pytest.approx(orders["amount"].sum())
    per = cohorts.revenue_matrix(orders, per_customer=True)
    np.testing.assert_allclose(per.mul(sizes, axis=0).to_numpy(), rev.to_numpy())
    # the last cohort has only period 0 observed
    assert r.iloc[-1, 1:].isna().all()


def test_other_column_names_and_errors():
    orders = pd.DataFrame({"cust": [1, 1, 2], "when": ["2025-01-01", "2025-02-01", "2025-01-15"], "paid": [1, 2, 3]})
    r = cohorts.retention_matrix(orders, customer_id_col="cust", datetime_col="when")
    assert r.loc[pd.Period("2025-01", "M"), 1] == 0.5
    with pytest.raises(DataError, match="contact_id"):
        cohorts.retention_matrix(orders)
    bad = orders.assign(when=["2025-01-01", "soon", "2025-01-15"])
    with pytest.raises(DataError, match="soon"):
        cohorts.retention_matrix(bad, customer_id_col="cust", datetime_col="when")
    with pytest.raises(DataError, match="amount"):
        cohorts.revenue_matrix(orders, customer_id_col="cust", datetime_col="when")


@pytest.mark.parametrize("period", ["M", "W", "D"])
def test_retention_matches_a_plain_groupby(period):
    """Monthly cells come from a grid, daily ones from hashing: both must equal the groupby definition."""
    orders = datasets.simulate(seed=6, size="tiny")["orders"]
    r = cohorts.retention_matrix(orders, period=period)
    p = orders["order_date"].dt.to_period(period)
    cohort = p.groupby(orders["contact_id"]).transform("min")
    k = (p.array.asi8 - cohort.array.asi8)
    cells = pd.DataFrame({"c": orders["contact_id"], "cohort": cohort, "k": k}).drop_duplicates()
    counts = cells.groupby(["cohort", "k"]).size().unstack(fill_value=0)
    sizes = cells.drop_duplicates("c").groupby("cohort").size()
    expected = counts.div(sizes, axis=0)
    got = r.loc[expected.index, expected.columns]
    observed = got.notna().to_numpy()
    np.testing.assert_allclose(got.to_numpy()[observed], expected.to_numpy()[observed])
    # cells without any order inside the observed range are 0, not missing
    assert (r.fillna(0).to_numpy() >= 0).all() and r.notna().to_numpy().sum() >= observed.sum()
