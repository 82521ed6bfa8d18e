"""rfm_summary against lifetimes, customer by customer; scores, segments and the user's mistakes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle_lib.analytics import rfm
from lifecycle_lib.data import datasets
from lifecycle_lib.errors import DataError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from lifetimes.utils import summary_data_from_transaction_data


def lifetimes_summary(frame, customer_id_col, datetime_col, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return summary_data_from_transaction_data(frame, customer_id_col, datetime_col, **kwargs)


def assert_same(ours, theirs):
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-12, atol=1e-9, check_index_type=False)


@pytest.fixture(scope="module")
def cdnow():
    return datasets.load_cdnow()


@pytest.fixture(scope="module")
def synthetic():
    """20,000 orders with times of day, several orders per customer per day, string ids."""
    rng = np.random.default_rng(7)
    n = 20_000
    return pd.DataFrame(
        {
            "contact_id": rng.integers(0, 3_000, n).astype(str),
            "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700 * 24 * 60, n), unit="min"),
            "amount": rng.gamma(2.0, 20.0, n).round(2),
        }
    )


CDNOW_CASES = [
    {},
    {"monetary_value_col": "amount"},
    {"monetary_value_col": "amount", "observation_period_end": "1997-09-30"},
    {"freq": "W", "monetary_value_col": "amount", "observation_period_end": "1997-09-30"},
    {"freq": "W"},
    {"freq": "D", "freq_multiplier": 7, "observation_period_end": "1997-09-30"},
    {"observation_period_end": pd.Timestamp("1997-03-31 18:00")},
]


@pytest.mark.parametrize("kwargs", CDNOW_CASES, ids=str)
def test_cdnow_equals_lifetimes(cdnow, kwargs):
    ours = rfm.rfm_summary(cdnow, "customer_id", "date", **kwargs)
    assert_same(ours, lifetimes_summary(cdnow, "customer_id", "date", **kwargs))


SYNTHETIC_CASES = [
    {},
    {"monetary_value_col": "amount"},
    {"freq": "W", "monetary_value_col": "amount", "observation_period_end": "2024-02-03 17:00"},
    {"freq": "W", "observation_period_end": "2024-02-05"},  # a Monday: the week starting that day counts
    {"freq": "h", "freq_multiplier": 24, "monetary_value_col": "amount", "observation_period_end": "2024-05-05 13:30"},
    {"observation_period_end": "2030-01-01", "monetary_value_col": "amount"},
]


@pytest.mark.parametrize("kwargs", SYNTHETIC_CASES, ids=str)
def test_synthetic_equals_lifetimes(synthetic, kwargs):
    ours = rfm.rfm_summary(synthetic, **kwargs)
    assert_same(ours, lifetimes_summary(synthetic, "contact_id", "order_date", **kwargs))


def test_sample_orders_equal_lifetimes():
    load_orders = getattr(datasets, "load_orders", None)
    if load_orders is None:
        pytest.skip("the sample orders table is not available")
    orders = load_orders()
    ours = rfm.rfm_summary(orders, monetary_value_col="amount")
    assert_same(ours, lifetimes_summary(orders, "contact_id", "order_date", monetary_value_col="amount"))
    assert len(ours) == orders["contact_id"].nunique()


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 60 * 24 * 40), st.floats(0, 500, allow_nan=False)),
        min_size=1,
        max_size=40,
    ),
    end_minutes=st.one_of(st.none(), st.integers(0, 60 * 24 * 45)),
    freq=st.sampled_from(["D", "W", "h"]),
)
def test_any_small_log_equals_lifetimes(rows, end_minutes, freq):
    frame = pd.DataFrame(
        {
            "contact_id": [f"c{c}" for c, _, _ in rows],
            "order_date": [pd.Timestamp("2024-03-01") + pd.Timedelta(minutes=m) for _, m, _ in rows],
            "amount": [a for _, _, a in rows],
        }
    )
    end = None if end_minutes is None else pd.Timestamp("2024-03-01") + pd.Timedelta(minutes=end_minutes)
    kwargs = {"monetary_value_col": "amount", "observation_period_end": end, "freq": freq}
    ours = rfm.rfm_summary(frame, **kwargs)
    theirs = lifetimes_summary(frame, "contact_id", "order_date", **kwargs)
    if len(theirs) == 0:
        assert len(ours) == 0
    else:
        assert_same(ours, theirs)


def test_hand_worked_example():
    orders = pd.DataFrame(
        {
            "contact_id": ["a", "a", "a", "a", "b"],
            "order_date": pd.to_datetime(
                ["2025-01-01 09:00", "2025-01-01 17:00", "2025-01-04", "2025-01-09", "2025-01-03"], format="ISO8601"
            ),
            "amount": [10.0, 5.0, 7.0, 9.0, 4.0],
        }
    )
    summary = rfm.rfm_summary(orders, monetary_value_col="amount", observation_period_end="2025-01-08")
    # a: first day 1 Jan (two orders, one period), one repeat on 4 Jan; 9 Jan is after the end.
    assert summary.loc["a"].tolist() == [1.0, 3.0, 7.0, 7.0]
    assert summary.loc["b"].tolist() == [0.0, 0.0, 5.0, 0.0]


def test_input_not_changed_and_text_dates_parsed(synthetic):
    frame = synthetic.head(500).copy()
    frame["order_date"] = frame["order_date"].dt.strftime("%Y-%m-%d %H:%M")
    before = frame.copy()
    parsed = rfm.rfm_summary(frame, monetary_value_col="amount")
    pd.testing.assert_frame_equal(frame, before)
    assert_same(parsed, rfm.rfm_summary(synthetic.head(500), monetary_value_col="amount"))


def test_timezone_aware_dates_use_local_days():
    frame = pd.DataFrame(
        {"contact_id": ["a", "a"], "order_date": pd.to_datetime(["2025-01-01 23:30", "2025-01-02 00:30"])}
    )
    aware = frame.assign(order_date=frame["order_date"].dt.tz_localize("Europe/Prague"))
    assert rfm.rfm_summary(aware)["frequency"].tolist() == [1.0]


def test_missing_column_is_a_data_error(synthetic):
    with pytest.raises(DataError, match="customer_id"):
        rfm.rfm_summary(synthetic, customer_id_col="customer_id")
    with pytest.raises(DataError) as info:
        rfm.rfm_summary(synthetic, monetary_value_col="revenue")
    assert info.value.column == "revenue"


def test_unparseable_dates_are_a_data_error_naming_the_lines():
    frame = pd.DataFrame(
        {"contact_id": ["a", "b", "c"], "order_date": ["2025-01-01", "yesterday", "2025-01-03"], "amount": [1, 2, 3]}
    )
    with pytest.raises(DataError) as info:
        rfm.rfm_summary(frame)
    assert info.value.column == "order_date"
    assert info.value.rows == [3]
    assert "yesterday" in str(info.value)


@pytest.mark.parametrize(
    "column, values",
    [
        ("order_date", [pd.Timestamp("2025-01-01"), pd.NaT, pd.Timestamp("2025-01-02")]),
        ("contact_id", ["a", None, "c"]),
        ("amount", [1.0, np.nan, 3.0]),
    ],
)
def test_missing_values_are_a_data_error(column, values):
    frame = pd.DataFrame(
        {"contact_id": ["a", "b", "c"], "order_date": pd.to_datetime(["2025-01-01"] * 3), "amount": [1.0, 2.0, 3.0]}
    )
    frame[column] = values
    with pytest.raises(DataError) as info:
        rfm.rfm_summary(frame, monetary_value_col="amount")
    assert info.value.column == column
    assert info.value.rows == [3]


def test_text_amounts_are_a_data_error():
    frame = pd.DataFrame({"contact_id": ["a"], "order_date": ["2025-01-01"], "amount": ["12,50 EUR"]})
    with pytest.raises(DataError, match="pd.to_numeric"):
        rfm.rfm_summary(frame, monetary_value_col="amount")


def test_unknown_freq_is_refused(synthetic):
    with pytest.raises(ValueError, match="freq"):
        rfm.rfm_summary(synthetic, freq="M")


# --- scores and segments -----------------------------------------------------------------------


def test_scores_rank_the_right_way_and_share_ties(cdnow):
    summary = rfm.rfm_summary(cdnow, "customer_id", "date", monetary_value_col="amount")
    scores = rfm.rfm_scores(summary)
    assert scores[["R", "F", "M"]].min().min() == 1 and scores[["R", "F", "M"]].max().max() == 5
    # equal inputs, equal scores
    assert scores.groupby("frequency")["F"].nunique().max() == 1
    assert scores.groupby("days_since")["R"].nunique().max() == 1
    # more is better for F and M, fewer days since the last purchase is better for R
    assert scores.groupby("F")["frequency"].max().is_monotonic_increasing
    assert scores.groupby("R")["days_since"].min().is_monotonic_decreasing
    # a one-time buyer never outscores a repeat buyer on F
    assert scores.loc[scores["frequency"] == 0, "F"].max() < scores.loc[scores["frequency"] > 0, "F"].min()


def test_scores_are_quintiles_without_ties():
    summary = pd.DataFrame(
        {"frequency": np.arange(100.0), "recency": np.arange(100.0), "T": np.full(100, 200.0)},
        index=pd.RangeIndex(100, name="contact_id"),
    )
    scores = rfm.rfm_scores(summary)
    assert scores["F"].value_counts().sort_index().tolist() == [20] * 5
    assert scores["M"].isna().all()


def test_scores_from_orders_use_total_spend(synthetic):
    scores = rfm.rfm_scores(synthetic)
    totals = synthetic.groupby("contact_id")["amount"].sum()
    pd.testing.assert_series_equal(scores["monetary"], totals.rename("monetary"), check_index_type=False)
    assert (scores["RFM"].str.len() == 3).all()


def test_segment_grid_covers_every_cell_with_a_tactic():
    named = {name for row in rfm.SEGMENT_GRID for name in row}
    assert named == set(rfm.SEGMENTS) == set(rfm.SEGMENT_TACTICS)
    r, f = np.meshgrid(np.arange(1, 6), np.arange(1, 6))
    cells = pd.DataFrame({"R": r.ravel(), "F": f.ravel()})
    segments = rfm.rfm_segments(cells).set_index(["R", "F"])["segment"]
    assert segments[(5, 5)] == "Champions" and segments[(5, 1)] == "New" and segments[(4, 1)] == "Promising"
    assert segments[(1, 5)] == "Can't Lose" and segments[(2, 3)] == "At Risk" and segments[(1, 1)] == "Hibernating"
    assert segments[(3, 3)] == "Need Attention" and segments[(3, 2)] == "About to Sleep"
    assert segments[(3, 4)] == "Loyal" and segments[(4, 5)] == "Loyal" and segments[(5, 3)] == "Potential Loyalists"


def test_segments_refuse_scores_outside_the_grid():
    with pytest.raises(DataError) as info:
        rfm.rfm_segments(pd.DataFrame({"R": [1, 6], "F": [2, 2]}))
    assert info.value.rows == [3]


@pytest.mark.parametrize("width", [3, 8, 12])
def test_fixed_width_string_ids_give_the_same_summary(synthetic, width):
    """Fixed-width ids take a faster path; the result must not depend on it."""
    frame = synthetic.assign(contact_id=synthetic["contact_id"].astype("int64").map(f"{{:0{width}d}}".format))
    frame["contact_id"] = frame["contact_id"].astype("string[pyarrow]")
    ours = rfm.rfm_summary(frame, monetary_value_col="amount")
    assert ours.index.is_monotonic_increasing and ours.index.is_unique
    assert_same(ours, lifetimes_summary(frame, "contact_id", "order_date", monetary_value_col="amount"))
    plain = rfm.rfm_summary(frame.astype({"contact_id": object}), monetary_value_col="amount")
    np.testing.assert_array_equal(ours.to_numpy(), plain.to_numpy())
    assert list(ours.index) == list(plain.index)


def test_rfm_segments_by_rfm_let_monetary_value_decide():
    # same recency and frequency, different spend: only the RFM grid tells them apart
    scores = pd.DataFrame({"R": [4, 4], "F": [3, 3], "M": [1, 5]}, index=["thrifty", "big spender"])
    by_rf = rfm.rfm_segments(scores)["segment"]
    by_rfm = rfm.rfm_segments(scores, by="RFM")
    assert by_rf.nunique() == 1
    assert by_rfm["FM"].tolist() == [2, 4]
    assert by_rfm["segment"].tolist() == ["Potential Loyalists", "Loyal"]


def test_rfm_segments_by_rfm_needs_valid_m_scores():
    scores = pd.DataFrame({"R": [4, 4], "F": [3, 3], "M": [1, None]}, index=["a", "b"])
    with pytest.raises(DataError) as err:
        rfm.rfm_segments(scores, by="RFM")
    assert err.value.column == "M"
    with pytest.raises(ValueError):
        rfm.rfm_segments(scores, by="FM")


def _movement_orders():
    # "steady" buys every month; "faded" bought a lot early and then stopped; "late" starts in May
    dates = {"steady": pd.date_range("2025-01-15", "2025-06-15", freq="MS") + pd.Timedelta(days=14),
             "faded": pd.to_datetime(["2025-01-02", "2025-01-20", "2025-02-10", "2025-03-01"]),
             "late": pd.to_datetime(["2025-05-20"])}
    for i in range(6):  # one-off buyers spread over the half year, so scores have something to rank against
        dates[f"once{i}"] = pd.to_datetime([f"2025-0{i + 1}-10"])
    rows = [(who, d, 20.0) for who, ds in dates.items() for d in ds]
    return pd.DataFrame(rows, columns=["contact_id", "order_date", "amount"])


def test_rfm_movement_scores_each_date_on_what_was_known_then():
    orders = _movement_orders()
    moved = rfm.rfm_movement(orders, "2025-06-30", months_before=3)
    assert moved.attrs["earlier"] == pd.Timestamp("2025-03-30")
    # every current customer is counted once; "late" and the one-off buyers of April to June were not customers yet
    assert moved.to_numpy().sum() == orders["contact_id"].nunique()
    assert moved.loc["(not a customer yet)"].sum() == 1 + 3
    # segments at each date, computed directly, agree with the table's margins
    earlier = orders[orders["order_date"] < "2025-03-31"]
    seg_then = rfm.rfm_segments(rfm.rfm_scores(earlier, observation_period_end="2025-03-30"))["segment"]
    seg_now = rfm.rfm_segments(rfm.rfm_scores(orders, observation_period_end="2025-06-30"))["segment"]
    assert moved.loc[seg_then["faded"], seg_now["faded"]] >= 1
    assert seg_then["faded"] != seg_now["faded"]  # the early big buyer has drifted
    assert moved.sum(axis=0).to_dict() == seg_now.value_counts().loc[list(moved.columns)].to_dict()
