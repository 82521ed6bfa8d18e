"""Funnels, micro-conversions, touches before the first visit, abandonment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lifecycle_lib.analytics import funnel
from lifecycle_lib.data import datasets


@pytest.fixture(scope="module")
def tiny():
    return datasets.simulate(seed=4, size="tiny")


def test_steps_must_happen_in_order():
    events = pd.DataFrame({
        "contact_id": ["a", "a", "b", "b"],
        "timestamp": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 10:05", "2025-01-01 10:00", "2025-01-01 09:00"]),
        "event": ["visit", "add_to_cart", "visit", "add_to_cart"],
    })
    out = funnel.funnel(events, steps=["visit", "add_to_cart"])
    assert out["contacts"].tolist() == [2, 1]  # b's cart came before the visit
    assert out["from_previous"].tolist() == [1.0, 0.5]
    with pytest.raises(ValueError, match="orders"):
        funnel.funnel(events, steps=["visit", "purchase"])


def test_funnel_on_simulated_data(tiny):
    out = funnel.funnel(tiny["events"], tiny["orders"])
    assert out["step"].tolist() == list(funnel.DEFAULT_STEPS)
    assert (np.diff(out["contacts"]) <= 0).all()
    assert out["contacts"].iloc[-1] > 0
    by = funnel.funnel(tiny["events"], tiny["orders"], by="business")
    assert set(by["business"]) == {"shop", "service"}
    totals = by.groupby("step", sort=False)["contacts"].sum()
    assert totals.tolist() == out["contacts"].tolist()
    channel = tiny["contacts"].set_index("contact_id")["channel"]
    by_channel = funnel.funnel(tiny["events"], tiny["orders"], by=channel)
    assert by_channel.groupby("step", sort=False)["contacts"].sum().tolist() == out["contacts"].tolist()


def test_micro_conversions_and_touches(tiny):
    mc = funnel.micro_conversions(tiny["events"])
    assert mc.index.is_unique
    assert mc["micro_conversions"].between(0, 10).all()
    ev = tiny["events"]
    signups = ev[ev["event"] == "newsletter_signup"].groupby("contact_id").size()
    assert (mc.loc[signups.index, "newsletter"] == signups).all()
    assert mc["visits_above_average"].any() and not mc["visits_above_average"].all()
    touches = funnel.touches_before_first_visit(ev)
    assert (touches["noticed"] <= touches["impressions"]).all()
    visitors = ev.loc[ev["event"] == "visit", "contact_id"].unique()
    assert touches.loc[visitors, "visited"].all()


def test_abandonment(tiny):
    table = funnel.abandonment(tiny["events"], tiny["orders"])
    assert table.loc["all", "checkouts"] == (tiny["events"]["event"] == "checkout_start").sum()
    assert table.drop(index="all")["checkouts"].sum() == table.loc["all", "checkouts"]
    assert table["abandonment_rate"].between(0, 1).all()
    assert "no_chat" in table.index


def test_checkout_window_is_inclusive_and_only_looks_forward():
    t0 = pd.Timestamp("2025-01-01 10:00")
    events = pd.DataFrame({
        "contact_id": ["a", "b", "c", "d"],
        "session_id": [1, 2, 3, 4],
        "timestamp": [t0] * 4,
        "event": ["checkout_start"] * 4,
    })
    orders = pd.DataFrame({
        "contact_id": ["a", "b", "c", "c", "d", "d"],
        "order_date": [t0 + pd.Timedelta(hours=2),                       # exactly at the end of the window
                       t0 + pd.Timedelta(hours=2, microseconds=1),       # just after it
                       t0 - pd.Timedelta(minutes=1), t0 + pd.Timedelta(hours=3),  # before, and too late
                       t0 + pd.Timedelta(hours=5), t0],                  # a later one, and one at the same moment
    })
    table = funnel.abandonment(events, orders, window_hours=2)
    assert table.loc["all", "checkouts"] == 4
    assert table.loc["all", "abandoned"] == 2  # b and c


def _reference_funnel_counts(events, orders, steps):
    """Contacts reaching each step in order, by merging step times: the plain-pandas definition."""
    reached, counts = None, []
    for step in steps:
        if step == "purchase":
            times = orders[["contact_id", "order_date"]].rename(columns={"order_date": "timestamp"})
        else:
            name, _, page = step.partition(":")
            mask = events["event"].astype(str) == name
            if page:
                mask &= events["page"].astype(str) == page
            times = events.loc[mask, ["contact_id", "timestamp"]]
        times = times.astype({"contact_id": object})
        if reached is not None:
            times = times.merge(reached.rename("after"), left_on="contact_id", right_index=True)
            times = times[times["timestamp"] >= times["after"]]
        reached = times.groupby("contact_id")["timestamp"].min()
        counts.append(len(reached))
    return counts


@pytest.mark.parametrize("steps", [funnel.DEFAULT_STEPS, ("page_view:sizing_guide", "visit", "email_click", "purchase"),
                                   ("purchase", "visit", "page_view:product")])
def test_funnel_counts_match_the_merge_definition(tiny, steps):
    ours = funnel.funnel(tiny["events"], tiny["orders"], steps=steps)["contacts"].tolist()
    assert ours == _reference_funnel_counts(tiny["events"], tiny["orders"], steps)


def test_per_contact_tables_do_not_depend_on_column_types(tiny):
    ev = tiny["events"]
    plain = ev.astype({c: object for c in ev.columns if isinstance(ev[c].dtype, (pd.StringDtype, pd.CategoricalDtype))})
    pd.testing.assert_frame_equal(funnel.micro_conversions(ev), funnel.micro_conversions(plain))
    pd.testing.assert_frame_equal(funnel.touches_before_first_visit(ev), funnel.touches_before_first_visit(plain))
    pd.testing.assert_frame_equal(funnel.abandonment(ev, tiny["orders"]), funnel.abandonment(plain, tiny["orders"]))
