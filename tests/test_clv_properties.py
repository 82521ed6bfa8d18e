"""Properties of the lifetime-value models that hold for any parameters and any customer history."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle_lib.analytics import clv

positive = st.floats(min_value=0.05, max_value=50.0)
rates = st.floats(min_value=0.1, max_value=100.0)


@st.composite
def histories(draw, max_frequency=5000.0):
    """(frequency, recency, T) of one customer: recency <= T; frequency 0 only with recency 0."""
    T = draw(st.floats(min_value=0.1, max_value=5000.0))
    frequency = float(draw(st.integers(min_value=0, max_value=int(max_frequency))))
    recency = 0.0 if frequency == 0 else draw(st.floats(min_value=0.0, max_value=1.0)) * T
    return frequency, recency, T


MODELS = {"BetaGeo": ("r", "alpha", "a", "b"), "ParetoNBD": ("r", "alpha", "s", "beta")}


def _model(name, values):
    model = getattr(clv, name)()
    model.params_ = dict(zip(MODELS[name], values))
    return model


def _sbg(alpha, beta):
    model = clv.ShiftedBetaGeometric()
    model.params_ = {"alpha": alpha, "beta": beta}
    return model


@pytest.mark.parametrize("name", list(MODELS))
@settings(max_examples=60, deadline=None)
@given(params=st.tuples(positive, rates, positive, rates), history=histories(), t=st.floats(min_value=0.1, max_value=2000.0))
def test_probability_alive_is_a_probability_and_predictions_are_finite(name, params, history, t):
    model = _model(name, params)
    r, alpha = params[:2]
    x, tx, T = history
    alive = model.probability_alive(x, tx, T)
    assert 0.0 <= alive <= 1.0
    expected = model.expected_purchases(t, x, tx, T)
    assert np.isfinite(expected) and expected >= -1e-9 * max(1.0, x)
    # never more than the purchases of a customer surely alive for the whole period
    assert expected <= t * (r + x) / (alpha + T) * (1 + 1e-9)


huge = st.floats(min_value=100.0, max_value=1e9)


@settings(max_examples=60, deadline=None)
@given(r=positive, alpha=rates, a=huge, ratio=st.floats(min_value=1e2, max_value=1e5), history=histories(),
       t=st.floats(min_value=0.1, max_value=2000.0))
def test_betageo_stays_finite_when_almost_no_one_drops_out(r, alpha, a, ratio, history, t):
    """A fit can end with a and b in the millions (dropout near 0): predictions must stay finite and bounded."""
    model = _model("BetaGeo", (r, alpha, a, a * ratio))
    x, tx, T = history
    expected = model.expected_purchases(t, x, tx, T)
    assert np.isfinite(expected) and expected >= -1e-9 * max(1.0, x)
    assert expected <= t * (r + x) / (alpha + T) * (1 + 1e-9)


def test_betageo_predictions_agree_across_the_regimes_of_its_formula():
    # just below the spike threshold the general form, above it the spike limit: the same dropout chance
    # (a tenth) gives the same purchases, for a new, a regular and a frequent buyer
    t, x, tx, T = 52.0, np.array([0.0, 3.0, 50.0]), np.array([0.0, 30.0, 59.0]), np.array([40.0, 60.0, 60.0])
    general = _model("BetaGeo", (0.5, 10.0, 900.0, 8100.0)).expected_purchases(t, x, tx, T)
    spike = _model("BetaGeo", (0.5, 10.0, 1e7, 9e7)).expected_purchases(t, x, tx, T)
    assert np.all(np.isfinite(general)) and np.all(np.isfinite(spike))
    np.testing.assert_allclose(spike, general, rtol=1e-2)  # the spike is close for a in the thousands


@settings(max_examples=60, deadline=None)
@given(alpha=positive, beta=positive, t=st.lists(st.integers(min_value=0, max_value=500), min_size=2, max_size=10, unique=True))
def test_sbg_survival_decreases_and_retention_is_a_rate(alpha, beta, t):
    model = _sbg(alpha, beta)
    t = np.sort(np.array(t, dtype="float64"))
    survival = model.survival(t)
    assert np.all(np.diff(survival) < 0) and np.all((survival > 0) & (survival <= 1))
    retention = model.retention_rate(t + 1)
    assert np.all((retention > 0) & (retention < 1))


@settings(max_examples=60, deadline=None)
@given(alpha=positive, beta=positive, discount=st.floats(min_value=0.001, max_value=2.0), renewals=st.integers(0, 1000))
def test_sbg_derl_is_positive_and_below_the_undiscounted_bound(alpha, beta, discount, renewals):
    derl = _sbg(alpha, beta).discounted_expected_residual_lifetime(discount, renewals=renewals)
    # at least the next payment times its probability, at most a customer who never leaves
    assert np.isfinite(derl) and 0 < derl <= (1 + discount) / discount * (1 + 1e-9)
