"""The three frameworks as data, the crosswalk, and placing contacts."""

from __future__ import annotations

import pandas as pd
import pytest

from lifecycle_lib.analytics import frameworks, segments
from lifecycle_lib.data import datasets


def test_the_three_frameworks_have_their_stages_in_order():
    assert frameworks.FRAMEWORKS["classic"].keys == ("reach", "acquire", "nurture", "retain", "advocacy")
    assert frameworks.FRAMEWORKS["six_stage"].keys == (
        "awareness", "engagement", "evaluation", "purchase", "product_support", "bonding")
    assert frameworks.FRAMEWORKS["purchase"].keys == ("pre_purchase", "action", "long_term")
    for fw in frameworks.FRAMEWORKS.values():
        assert [s.order for s in fw.stages] == list(range(1, len(fw.stages) + 1))
        for s in fw.stages:
            assert s.definition and s.metrics and s.tactics and s.source_term


def test_source_terms_are_in_the_source_language():
    assert frameworks.FRAMEWORKS["classic"].stage("reach").source_term == "Достичь"
    assert frameworks.FRAMEWORKS["six_stage"].stage("bonding").source_term == "lepení"
    table = frameworks.stages("six_stage")
    assert list(table.index) == [1, 2, 3, 4, 5, 6]
    assert set(table["source_language"]) == {"cs"}
    with pytest.raises(ValueError, match="unknown framework"):
        frameworks.stages("seven")


def test_crosswalk_covers_every_stage_of_every_framework():
    cw = frameworks.crosswalk()
    assert tuple(cw.index) == segments.RELATIONSHIP_STAGES
    for key, fw in frameworks.FRAMEWORKS.items():
        assert set(cw[key]) == set(fw.keys), key
        # along the relationship stages up to advocate, framework stages never go backwards
        order = {k: i for i, k in enumerate(fw.keys)}
        ranks = [order[k] for k in cw[key]]
        assert ranks == sorted(ranks), key


def test_place_contacts_on_simulated_data():
    data = datasets.simulate(seed=5, size="tiny")
    placed = frameworks.place_contacts(data, framework="all")
    assert set(placed.index) == set(data["contacts"]["contact_id"])
    for key in frameworks.FRAMEWORKS:
        assert placed[key].notna().all()
        assert placed[key].cat.ordered
    leads = placed[placed["relationship_stage"] == "lead"]
    assert (leads["classic"] == "acquire").all() and (leads["six_stage"] == "evaluation").all()
    one = frameworks.place_contacts(data, framework="six_stage")
    assert list(one.columns) == ["relationship_stage", "six_stage"]
    with pytest.raises(TypeError):
        frameworks.place_contacts(["not", "tables"])
    with pytest.raises(ValueError, match="unknown relationship stage"):
        frameworks.place_contacts(pd.DataFrame({"stage": ["fan"]}))


def test_place_contacts_passes_thresholds_on_and_refuses_unknown_ones():
    orders = pd.DataFrame({"contact_id": ["a", "b"], "order_date": pd.to_datetime(["2025-01-01", "2025-03-20"])})
    placed = frameworks.place_contacts({"orders": orders}, observation_period_end="2025-04-01")
    assert placed["relationship_stage"].to_dict() == {"a": "active", "b": "new"}
    placed = frameworks.place_contacts({"orders": orders}, observation_period_end="2025-04-01", new_days=10)
    assert placed["relationship_stage"].to_dict() == {"a": "active", "b": "active"}
    with pytest.raises(TypeError, match="unknown threshold 'new_day'.*new_days"):
        frameworks.place_contacts({"orders": orders}, new_day=20)
