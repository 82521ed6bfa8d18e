"""Funnels, micro-conversions, touches before the first visit, abandonment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lifecycle_lib import datasets, funnel


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
