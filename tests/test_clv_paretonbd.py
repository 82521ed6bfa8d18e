"""Pareto/NBD: the estimates of Fader & Hardie's note on CDNOW, agreement with lifetimes, and heavy buyers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lifecycle_lib.analytics import clv, rfm
from lifecycle_lib.analytics.clv._special import _continued_fraction, hyp2f1_one
from lifecycle_lib.data import datasets
from lifecycle_lib.errors import DataError

PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}  # lifetimes' test, the note's to 2 digits


@pytest.fixture(scope="module")
def calibration():
    """CDNOW, first 39 weeks, time in weeks: the sample of tests/test_clv.py."""
    return rfm.rfm_summary(
        datasets.load_cdnow(), "customer_id", "date", observation_period_end="1997-09-30", freq="D", freq_multiplier=7
    )


@pytest.fixture(scope="module")
def paretonbd(calibration):
    return clv.ParetoNBD().fit(calibration)


def test_reproduces_the_estimates_of_the_note(paretonbd):
    # Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions", p. 3
    p = paretonbd.params_
    assert (round(p["r"], 2), round(p["alpha"], 2), round(p["s"], 2), round(p["beta"], 2)) == (0.55, 10.58, 0.61, 11.67)
    assert round(paretonbd.log_likelihood_, 2) == -9594.98
    assert list(paretonbd.summary.index) == ["r", "alpha", "s", "beta"]
    assert paretonbd.n_customers_ == 2357
    assert "s=0.606" in repr(paretonbd)


def _lifetimes_model(params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes
    model = lifetimes.ParetoNBDFitter()
    model.params_ = pd.Series(params)
    return model


def test_same_predictions_as_lifetimes_for_the_same_parameters(calibration, paretonbd):
    theirs = _lifetimes_model(paretonbd.params_)
    x, tx, T = (calibration[c] for c in ("frequency", "recency", "T"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(
            paretonbd.probability_alive(x, tx, T), theirs.conditional_probability_alive(x, tx, T), rtol=1e-9
        )
        np.testing.assert_allclose(
            paretonbd.expected_purchases(39, x, tx, T),
            theirs.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T),
            rtol=1e-9,
        )
        t = np.array([1.0, 10.0, 39.0, 78.0])
        np.testing.assert_allclose(paretonbd.expected_purchases_new(t), theirs.expected_number_of_purchases_up_to_time(t), rtol=1e-9)
        nll = theirs._negative_log_likelihood(list(paretonbd.params_.values()), x, tx, T, np.ones(len(x)), 0.0)
    assert paretonbd.log_likelihood_ == pytest.approx(-nll, rel=1e-12)


def test_predictions_behave(calibration, paretonbd):
    x, tx, T = (calibration[c] for c in ("frequency", "recency", "T"))
    alive = paretonbd.probability_alive(x, tx, T)
    assert isinstance(alive, pd.Series) and alive.index.equals(calibration.index)
    assert alive.between(0, 1).all()
    # unlike BG/NBD, a one-time buyer may be gone, the more likely the longer ago they came
    assert paretonbd.probability_alive(0, 0, 30) < paretonbd.probability_alive(0, 0, 5) < 1
    assert paretonbd.probability_alive(3, 30, 38) > paretonbd.probability_alive(3, 5, 38)
    assert (paretonbd.expected_purchases(20, x, tx, T) > paretonbd.expected_purchases(10, x, tx, T)).all()


def test_the_spend_model_and_five_year_value_take_it(calibration, paretonbd):
    summary = rfm.rfm_summary(
        datasets.load_cdnow(), "customer_id", "date", monetary_value_col="amount",
        observation_period_end="1997-09-30", freq="D", freq_multiplier=7,
    )
    gammagamma = clv.GammaGamma().fit(summary)
    five = clv.five_year_value(summary, paretonbd, gammagamma, time_unit_days=7)
    assert np.isfinite(five["value"]).all() and (five["value"] >= 0).all()
    months = gammagamma.customer_lifetime_value(paretonbd, summary, months=12, time_unit_days=7)
    assert np.isfinite(months).all()


DAILY = {"x": 1825.0, "tx": 1825.0, "T": 1826.0, "t": 1826.0}  # bought every day for five years; five years ahead


def test_a_daily_buyer_gets_finite_predictions_from_both_models():
    """scipy's hyp2f1 overflows for BG/NBD from about 1,000 purchases on: the predictions must not."""
    betageo, paretonbd = clv.BetaGeo(), clv.ParetoNBD()
    betageo.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    paretonbd.params_ = dict(PUBLISHED)
    for model, (r, alpha) in ((betageo, (0.243, 4.414)), (paretonbd, (0.553, 10.578))):
        x, tx, T, t = DAILY["x"], DAILY["tx"], DAILY["T"], DAILY["t"]
        expected = model.expected_purchases(t, x, tx, T)
        # at most the posterior purchase rate for the whole period, and most of it as they are surely alive
        ceiling = t * (r + x) / (alpha + T)
        assert 0.5 * ceiling < expected < ceiling
        assert 0.99 < model.probability_alive(x, tx, T) <= 1
        heavy = model.expected_purchases(t, np.array([1000.0, 2000.0, 5000.0]), 1826.0, 1826.0)
        assert np.all(np.isfinite(heavy)) and np.all(np.diff(heavy) > 0)
        # the same buyer silent for four years is probably gone
        assert model.probability_alive(x, 365.0, T) < 1e-6
        assert np.isfinite(model.expected_purchases(t, x, 365.0, T))


def test_betageo_expected_purchases_is_the_plain_formula_where_that_is_finite():
    from scipy.special import hyp2f1

    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    model = clv.BetaGeo()
    model.params_ = {"r": r, "alpha": alpha, "a": a, "b": b}
    x = np.array([0.0, 1.0, 5.0, 50.0, 300.0])
    tx, T, t = np.array([0.0, 10.0, 30.0, 38.0, 38.5]), 38.86, 78.0
    z = t / (alpha + T + t)
    plain = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    plain /= 1 + np.where(x > 0, a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x), 0.0)
    np.testing.assert_allclose(model.expected_purchases(t, x, tx, T), plain, rtol=1e-10)


def test_the_hypergeometric_function_where_scipy_gives_up():
    from scipy.special import hyp2f1

    b, c, z = np.exp(10.74) + np.arange(3.0), np.exp(10.74) + np.exp(0.16) + 1 + np.arange(3.0), 0.99976
    assert np.isnan(hyp2f1(1.0, b, c, z)).all()  # what the continued fraction is for
    assert np.isfinite(hyp2f1_one(b, c, z)).all()
    rng = np.random.default_rng(3)
    c = rng.uniform(1, 500, 400)
    b, z = rng.uniform(0.01, 1, 400) * c, rng.uniform(0, 0.99, 400)
    np.testing.assert_allclose(_continued_fraction(b, c, z), hyp2f1(1.0, b, c, z), rtol=1e-12)
    # closed form: 2F1(1, 1; 2; z) = -log(1 - z) / z
    np.testing.assert_allclose(hyp2f1_one(1.0, 2.0, 0.999999), -np.log1p(-0.999999) / 0.999999, rtol=1e-12)


def test_a_homogeneous_sample_fits_in_reasonable_time_without_running_to_nonsense():
    """Everyone buying at nearly one rate sends r and alpha off to large values: the fit must still end."""
    rng = np.random.default_rng(0)
    n = 300
    T = rng.uniform(20, 60, n)
    x = rng.poisson(0.3 * T)
    tx = np.where(x > 0, T * rng.uniform(0.8, 1.0, n), 0.0)
    model = clv.ParetoNBD().fit(pd.DataFrame({"frequency": x, "recency": tx, "T": T}))
    assert np.isfinite(model.log_likelihood_) and model.log_likelihood_ < 0
    assert model.params_["r"] / model.params_["alpha"] == pytest.approx(x.sum() / T.sum(), rel=0.1)


def test_mistakes_are_data_errors(calibration):
    with pytest.raises(DataError) as info:
        clv.ParetoNBD().fit(calibration.drop(columns="recency"))
    assert info.value.column == "recency"
    with pytest.raises(RuntimeError, match="fit"):
        clv.ParetoNBD().expected_purchases(10, 1, 1, 2)
