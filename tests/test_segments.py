"""Relationship stages and behaviour types: the rules, their invariants, and the sample data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle_lib.analytics import segments
from lifecycle_lib.data import datasets
from lifecycle_lib.errors import DataError

BASE = pd.Timestamp("2025-01-01")
IDS = [f"c{i}" for i in range(8)]
TABLES = ("contacts", "orders", "events", "subscriptions", "tickets", "reviews", "referrals")


def _orders(rows):
    return pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(rows))],
            "contact_id": [IDS[c] for c, _ in rows],
            "order_date": [BASE + pd.Timedelta(days=d) for _, d in rows],
        }
    ).astype({"order_id": object, "contact_id": object})


CONTACTS = pd.DataFrame({"contact_id": IDS})
order_rows = st.lists(st.tuples(st.integers(0, len(IDS) - 1), st.integers(0, 500)), max_size=30)
FIXED = {"typical_gap_days": 40}


def _stages(orders, as_of_day, **kw):
    return segments.relationship_stages({"contacts": CONTACTS, "orders": orders}, observation_period_end=BASE + pd.Timedelta(days=as_of_day), **kw)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order_rows, st.integers(1, 600))
def test_every_contact_gets_exactly_one_stage(rows, as_of_day):
    out = _stages(_orders(rows), as_of_day)
    assert out.index.is_unique
    assert set(out.index) == set(IDS)
    assert out["stage"].notna().all()
    assert set(out["stage"].astype(str)) <= set(segments.RELATIONSHIP_STAGES)
    assert (out["reason"].str.len() > 0).all()


@settings(max_examples=25, deadline=None)
@given(order_rows, st.integers(1, 600), st.integers(30, 90))
def test_prospects_have_no_orders_and_new_customers_are_recent(rows, as_of_day, new_days):
    out = _stages(_orders(rows), as_of_day, new_days=new_days)
    assert (out.loc[out["stage"] == "prospect", "n_orders"] == 0).all()
    new = out[out["stage"] == "new"]
    assert (new["days_since_first"] <= new_days).all()
    assert (new["n_orders"] > 0).all()


@settings(max_examples=25, deadline=None)
@given(order_rows, st.integers(0, len(IDS) - 1), st.integers(0, 500), st.integers(1, 600))
def test_adding_an_order_never_makes_a_prospect(rows, who, day, as_of_day):
    before = _stages(_orders(rows), as_of_day)
    after = _stages(_orders(rows + [(who, day)]), as_of_day)
    if day < as_of_day:
        assert after.loc[IDS[who], "stage"] not in ("prospect", "suspect", "lead")
    was_customer = before["n_orders"] > 0
    assert not (after.loc[was_customer, "stage"] == "prospect").any()


@settings(max_examples=40, deadline=None)
@given(order_rows, st.integers(1, 500), st.integers(1, 400))
def test_moving_as_of_forward_never_revives_a_lapsed_customer_without_an_order(rows, as_of_day, step):
    later_day = as_of_day + step
    # no order between the two dates
    rows = [(c, d) for c, d in rows if not (as_of_day <= d < later_day)]
    early = _stages(_orders(rows), as_of_day, **FIXED)
    late = _stages(_orders(rows), later_day, **FIXED)
    lapsed = early.index[early["stage"] == "lapsed"]
    assert (late.loc[lapsed, "stage"] == "lapsed").all()


@settings(max_examples=20, deadline=None)
@given(order_rows, st.integers(1, 600))
def test_thresholds_move_results_in_the_documented_direction(rows, as_of_day):
    orders = _orders(rows)

    def members(stage, **kw):
        out = _stages(orders, as_of_day, **FIXED, **kw)
        return set(out.index[out["stage"] == stage])

    assert members("new", new_days=30) <= members("new", new_days=60)
    assert members("lapsed", lapsed_factor=4.0) <= members("lapsed", lapsed_factor=2.0)
    assert members("lapsed", lapsed_min_days=200) <= members("lapsed", lapsed_min_days=90)


def test_hand_made_signals():
    orders = _orders([(0, 0), (0, 30), (0, 60), (1, 0), (1, 30), (1, 60), (2, 0), (2, 30), (2, 60),
                      (3, 10), (4, 0), (4, 300)])
    observation_period_end = BASE + pd.Timedelta(days=80)
    tickets = pd.DataFrame({"contact_id": ["c1"], "opened_at": [BASE + pd.Timedelta(days=70)]})
    referrals = pd.DataFrame({"referrer_id": ["c2", "c3"], "created_at": [BASE + pd.Timedelta(days=65)] * 2})
    events = pd.DataFrame({"contact_id": ["c5", "c6", "c6"], "timestamp": [BASE] * 3,
                           "event": ["lead_magnet_signup", "visit", "page_view"], "page": [None, None, "home"]})
    out = segments.relationship_stages(
                                       {"contacts": CONTACTS, "orders": orders, "events": events, "tickets": tickets, "referrals": referrals},
                                       observation_period_end=observation_period_end, typical_gap_days=30)
    stage = out["stage"].astype(str)
    assert stage["c0"] == "active"  # every 30 days, last 20 days ago
    assert stage["c1"] == "at_risk"  # same rhythm, but a ticket 10 days ago
    assert "1 support ticket" in out.loc["c1", "reason"]
    assert stage["c2"] == "advocate"
    assert stage["c3"] == "advocate"  # one order 70 days ago: overdue, but advocacy comes first
    assert stage["c4"] == "at_risk"  # the order on day 300 is after observation_period_end and does not count
    assert out.loc["c4", "n_orders"] == 1
    assert stage["c5"] == "lead"
    assert stage["c7"] == "prospect"


def test_lapsed_beats_advocate_and_cancellation_lapses():
    orders = _orders([(0, 0), (0, 30), (1, 0), (1, 30), (1, 60)])
    referrals = pd.DataFrame({"referrer_id": ["c0"], "created_at": [BASE + pd.Timedelta(days=5)]})
    subs = pd.DataFrame({"contact_id": ["c1", "c2"], "start_date": [BASE, BASE],
                         "end_date": [BASE + pd.Timedelta(days=61), pd.NaT], "end_reason": ["cancelled", None]})
    out = segments.relationship_stages(
                                       {"contacts": CONTACTS, "orders": orders, "subscriptions": subs, "referrals": referrals},
                                       observation_period_end=BASE + pd.Timedelta(days=200), typical_gap_days=30)
    assert out.loc["c0", "stage"] == "lapsed"
    assert out.loc["c1", "stage"] == "lapsed"
    assert "cancelled" in out.loc["c1", "reason"] or "last order" in out.loc["c1", "reason"]
    assert bool(out.loc["c2", "subscribed"])


def test_running_subscription_keeps_a_customer_active():
    orders = _orders([(0, 0), (0, 30), (0, 60), (0, 90)])
    subs = pd.DataFrame({"contact_id": ["c0"], "start_date": [BASE], "end_date": [pd.NaT], "end_reason": [None]})
    out = segments.relationship_stages({"contacts": CONTACTS, "orders": orders, "subscriptions": subs}, observation_period_end=BASE + pd.Timedelta(days=100))
    assert out.loc["c0", "stage"] == "active"
    assert "subscription running" in out.loc["c0", "reason"]


def test_inputs_are_not_changed_and_errors_name_the_column():
    orders = _orders([(0, 0), (1, 5)])
    copy = orders.copy()
    segments.relationship_stages({"contacts": CONTACTS, "orders": orders}, observation_period_end="2025-03-01")
    pd.testing.assert_frame_equal(orders, copy)
    with pytest.raises(DataError, match="order_date"):
        segments.relationship_stages({"contacts": CONTACTS, "orders": orders.rename(columns={"order_date": "date"})})
    bad = orders.astype({"order_date": object})
    bad.loc[1, "order_date"] = "yesterday"
    with pytest.raises(DataError, match="yesterday"):
        segments.relationship_stages({"contacts": CONTACTS, "orders": bad})


@pytest.fixture(scope="module")
def tiny():
    return datasets.simulate(seed=3, size="tiny")


def test_stages_on_simulated_data(tiny):
    tables = {k: tiny[k] for k in TABLES}
    out = segments.relationship_stages(tables)
    assert set(out.index) == set(tiny["contacts"]["contact_id"])
    counts = out["stage"].value_counts()
    for stage in ("prospect", "lead", "new", "active", "lapsed", "advocate"):
        assert counts[stage] > 0, stage
    buyers = set(tiny["orders"]["contact_id"])
    non_buyer_stages = out.loc[~out.index.isin(buyers), "stage"].astype(str)
    assert set(non_buyer_stages) <= {"prospect", "suspect", "lead"}
    assert all(r.startswith(s.replace("_", "-")) for r, s in zip(out["reason"], out["stage"].astype(str)))
    # a stricter lookalike threshold only removes suspects
    strict = segments.relationship_stages(tables, suspect_threshold=0.7)
    assert set(strict.index[strict["stage"] == "suspect"]) <= set(out.index[out["stage"] == "suspect"])
    table = segments.stage_counts(out)
    assert table["contacts"].sum() == len(out)
    assert segments.stage_counts(out, by="business").to_numpy().sum() == len(out)
    assert set(segments.STAGE_TACTICS) == set(segments.RELATIONSHIP_STAGES)


def test_behaviour_types_on_simulated_data(tiny):
    bt = segments.behaviour_types(tiny)
    assert bt.index.is_unique and set(bt.index) == set(tiny["contacts"]["contact_id"])
    assert bt["behaviour_type"].notna().all()
    assert set(segments.BEHAVIOUR_TACTICS) == set(segments.BEHAVIOUR_TYPES)
    with pytest.raises(TypeError, match="unknown threshold"):
        segments.behaviour_types(tiny, promo_open=3)
    # a stricter researcher rule finds fewer researchers
    strict = segments.behaviour_types(tiny, research_views=50, research_videos=50)
    assert (strict["behaviour_type"] == "researcher").sum() < (bt["behaviour_type"] == "researcher").sum()


def test_behaviour_rules_on_the_committed_data_beat_chance_but_are_not_perfect():
    tables = {"orders": datasets.load_orders(), "events": datasets.load_events(),
              "contacts": datasets.load_contacts(), "tickets": datasets.load_tickets(),
              "reviews": datasets.load_reviews(), "referrals": datasets.load_referrals(),
              "subscriptions": datasets.load_subscriptions()}
    truth = datasets.load_true_types()
    score = segments.score_rules(segments.behaviour_types(tables), truth)
    assert score.accuracy > 2.5 * score.chance
    assert score.accuracy < 0.9
    assert (score.per_type["recall"] > 0.3).all()
    assert (score.per_type["precision"] > 0.3).all()
    assert "accuracy" in repr(score) and "researcher" in repr(score)
    assert score.confusion.to_numpy().sum() == len(truth)


def test_score_rules_counts():
    pred = pd.DataFrame({"contact_id": list("abcde"), "behaviour_type": ["loyal", "loyal", "impulse", "impulse", "x"]})
    truth = pd.DataFrame({"contact_id": list("abcdz"), "true_type": ["loyal", "impulse", "impulse", "loyal", "loyal"]})
    score = segments.score_rules(pred, truth)
    assert score.n == 4
    assert score.accuracy == 0.5
    assert score.confusion.loc["loyal", "impulse"] == 1
    np.testing.assert_allclose(score.per_type.loc["impulse", ["precision", "recall"]].to_numpy(float), [0.5, 0.5])


def _as_objects(tables):
    """The same tables with every text and categorical column as plain Python objects (as from a CSV)."""
    out = {}
    for name, frame in tables.items():
        kinds = {c: object for c in frame.columns if isinstance(frame[c].dtype, (pd.StringDtype, pd.CategoricalDtype))}
        out[name] = frame.astype(kinds)
    return out


def test_results_do_not_depend_on_column_types(tiny):
    """Arrow ids and categoricals take faster paths; plain object columns must give the same frames."""
    tables = {k: tiny[k] for k in TABLES}
    plain = _as_objects(tables)
    for kwargs in ({}, {"observation_period_end": "2025-06-15"}):
        pd.testing.assert_frame_equal(segments.relationship_stages(tables, **kwargs),
                                      segments.relationship_stages(plain, **kwargs))
    pd.testing.assert_frame_equal(segments.behaviour_types(tiny), segments.behaviour_types(_as_objects(dict(tiny))))


@pytest.mark.parametrize("call, valid", [
    (lambda tables, **kw: segments.relationship_stages(tables, **kw), segments.STAGE_THRESHOLDS),
    (lambda tables, **kw: segments.behaviour_types(tables, **kw), segments.BEHAVIOUR_THRESHOLDS),
    (lambda tables, **kw: segments.stage_counts(tables, **kw), segments.STAGE_THRESHOLDS),
])
def test_an_unknown_threshold_is_a_type_error_that_lists_the_valid_names(call, valid):
    tables = {"contacts": CONTACTS, "orders": _orders([(0, 0), (1, 5)]),
              "events": pd.DataFrame({"contact_id": ["c0"], "timestamp": [BASE], "event": ["visit"]})}
    with pytest.raises(TypeError, match="unknown threshold 'new_day'") as caught:
        call(tables, new_day=30)
    message = str(caught.value)
    assert all(name in message for name in valid), message
    with pytest.raises(TypeError, match="unknown thresholds 'a', 'b'"):
        call(tables, a=1, b=2)


def test_a_close_misspelling_is_pointed_out():
    with pytest.raises(TypeError, match="did you mean 'promo_opens'"):
        segments.behaviour_types({"orders": _orders([(0, 0)])}, promo_open=3)
    with pytest.raises(TypeError, match="did you mean 'lapsed_factor'"):
        segments.relationship_stages({"orders": _orders([(0, 0)])}, lapse_factor=3)


def test_stage_thresholds_have_the_documented_defaults():
    orders = _orders([(0, 0), (0, 30), (1, 0), (2, 200)])
    tables = {"contacts": CONTACTS, "orders": orders}
    end = BASE + pd.Timedelta(days=220)
    pd.testing.assert_frame_equal(segments.relationship_stages(tables, observation_period_end=end),
                                  segments.relationship_stages(tables, observation_period_end=end,
                                                               **segments.STAGE_THRESHOLDS))
    # stage_counts passes the end and the thresholds on
    counts = segments.stage_counts(tables, observation_period_end=end, new_days=10)
    assert counts.loc["new", "contacts"] == 0
    assert segments.stage_counts(tables, observation_period_end=end).loc["new", "contacts"] == 1


def test_an_ad_shown_before_someone_is_first_seen_does_not_make_them_a_prospect_yet():
    contacts = pd.DataFrame({"contact_id": ["a", "b"], "first_seen": [BASE, BASE + pd.Timedelta(days=30)]})
    events = pd.DataFrame({"contact_id": ["a", "b", "b"], "event": ["visit", "ad_impression", "visit"],
                           "timestamp": [BASE + pd.Timedelta(days=1), BASE + pd.Timedelta(days=2),
                                         BASE + pd.Timedelta(days=31)]})
    orders = pd.DataFrame({"order_id": ["o1"], "contact_id": ["a"], "order_date": [BASE + pd.Timedelta(days=40)]})
    tables = {"contacts": contacts, "orders": orders, "events": events}
    before = segments.relationship_stages(tables, observation_period_end=BASE + pd.Timedelta(days=10))
    assert list(before.index) == ["a"]
    later = segments.relationship_stages(tables, observation_period_end=BASE + pd.Timedelta(days=60))
    assert sorted(later.index) == ["a", "b"]


def test_the_course_counts_at_a_past_date_add_up():
    from lifecycle_lib.analytics import figures

    tables = datasets.load_all()
    end = pd.Timestamp("2025-06-01")
    counts = figures.key_counts(tables, end, why="a past date")
    contacts, orders = tables["contacts"], tables["orders"]
    for business, column in counts.items():
        assert column["contacts"] == ((contacts["business"] == business) & (contacts["first_seen"] < end)).sum()
        bought = orders[(orders["business"] == business) & (orders["order_date"] < end)]
        assert column["buyers"] == bought["contact_id"].nunique()
        assert column["contacts"] == column.drop(["contacts", "buyers", "orders"]).sum()
    figures.forget()
