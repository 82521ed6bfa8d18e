"""CLV: published CDNOW estimates, agreement with lifetimes, and the simple formulas."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lifecycle_lib.analytics import clv, rfm
from lifecycle_lib.data import datasets
from lifecycle_lib.errors import DataError


@pytest.fixture(scope="module")
def calibration():
    """CDNOW, first 39 weeks (to 1997-09-30 inclusive), daily repeat purchases, time in weeks."""
    return rfm.rfm_summary(
        datasets.load_cdnow(),
        "customer_id",
        "date",
        monetary_value_col="amount",
        observation_period_end="1997-09-30",
        freq="D",
        freq_multiplier=7,
    )


@pytest.fixture(scope="module")
def betageo(calibration):
    return clv.BetaGeo().fit(calibration)


@pytest.fixture(scope="module")
def gammagamma(calibration):
    return clv.GammaGamma().fit(calibration)


def test_calibration_sample_is_the_published_one(calibration):
    assert len(calibration) == 2357
    assert (calibration["frequency"] > 0).sum() == 946
    assert calibration["frequency"].sum() == 2457  # repeat purchase-days in weeks 1-39


def test_betageo_reproduces_fader_hardie_lee_2005(betageo):
    p = betageo.params_
    assert (round(p["r"], 3), round(p["alpha"], 3), round(p["a"], 3), round(p["b"], 3)) == (0.243, 4.414, 0.793, 2.426)
    assert round(betageo.log_likelihood_, 1) == -9582.4
    assert list(betageo.summary.index) == ["r", "alpha", "a", "b"]
    assert (betageo.summary["se(coef)"] > 0).all()
    assert "r=0.243" in repr(betageo) and "2,357 customers" in repr(betageo)


def test_betageo_conditional_expectation_of_the_paper(betageo):
    # Fader, Hardie & Lee (2005), section 5: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in 39 weeks.
    assert round(betageo.expected_purchases(39, 2, 30.43, 38.86), 3) == 1.226


def test_gammagamma_reproduces_the_published_estimates(gammagamma):
    p = gammagamma.params_
    assert (round(p["p"], 2), round(p["q"], 2), round(p["gamma"], 2)) == (6.25, 3.74, 15.44)
    assert gammagamma.n_customers_ == 946
    assert "p=6.250" in repr(gammagamma)


def test_predictions_behave(betageo, calibration):
    alive = betageo.probability_alive(calibration["frequency"], calibration["recency"], calibration["T"])
    assert isinstance(alive, pd.Series) and alive.index.equals(calibration.index)
    assert alive.between(0, 1).all()
    assert (alive[calibration["frequency"] == 0] == 1).all()
    # same frequency, a later last purchase: more likely alive
    assert betageo.probability_alive(3, 30, 38) > betageo.probability_alive(3, 5, 38)
    expected = betageo.expected_purchases(10, calibration["frequency"], calibration["recency"], calibration["T"])
    longer = betageo.expected_purchases(20, calibration["frequency"], calibration["recency"], calibration["T"])
    assert (expected >= 0).all() and (longer > expected).all()
    new = betageo.expected_purchases_new(np.array([13.0, 26.0, 39.0]))
    assert np.all(np.diff(new) > 0)


def _lifetimes():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes
    return lifetimes


def test_same_fit_as_lifetimes(calibration, betageo, gammagamma):
    lifetimes = _lifetimes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bgf = lifetimes.BetaGeoFitter().fit(calibration["frequency"], calibration["recency"], calibration["T"])
        repeat = calibration[calibration["frequency"] > 0]
        ggf = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    for name in ("r", "alpha", "a", "b"):
        assert betageo.params_[name] == pytest.approx(bgf.params_[name], rel=2e-3)
    assert gammagamma.params_["p"] == pytest.approx(ggf.params_["p"], rel=2e-3)
    assert gammagamma.params_["q"] == pytest.approx(ggf.params_["q"], rel=2e-3)
    assert gammagamma.params_["gamma"] == pytest.approx(ggf.params_["v"], rel=2e-3)


def test_same_predictions_as_lifetimes_for_the_same_parameters(calibration, betageo, gammagamma):
    """With the parameters copied over, every prediction formula agrees with lifetimes to rounding."""
    lifetimes = _lifetimes()
    bgf = lifetimes.BetaGeoFitter()
    bgf.params_ = pd.Series(betageo.params_)
    bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time  # set by lifetimes' fit
    ggf = lifetimes.GammaGammaFitter()
    p = gammagamma.params_
    ggf.params_ = pd.Series({"p": p["p"], "q": p["q"], "v": p["gamma"]})
    x, tx, T, m = (calibration[c] for c in ("frequency", "recency", "T", "monetary_value"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(
            betageo.expected_purchases(39, x, tx, T), bgf.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T), rtol=1e-9
        )
        np.testing.assert_allclose(
            betageo.probability_alive(x, tx, T), bgf.conditional_probability_alive(x, tx, T), rtol=1e-9
        )
        t = np.array([1.0, 10.0, 39.0, 78.0])
        np.testing.assert_allclose(betageo.expected_purchases_new(t), bgf.expected_number_of_purchases_up_to_time(t), rtol=1e-9)
        np.testing.assert_allclose(
            gammagamma.expected_average_value(x, m), ggf.conditional_expected_average_profit(x, m), rtol=1e-9
        )
        theirs = ggf.customer_lifetime_value(bgf, x, tx, T, m, time=12, discount_rate=0.01, freq="W")
    ours = gammagamma.customer_lifetime_value(
        betageo, calibration, months=12, discount_rate=0.01, time_unit_days=7, days_per_month=4.345 * 7
    )
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-9)


def test_holdout_purchases_are_predicted_in_aggregate(betageo, calibration):
    """Weeks 40-78 of CDNOW: the total is close, and customers expected to buy more do buy more."""
    cdnow = datasets.load_cdnow()
    holdout = cdnow[(cdnow["date"] > "1997-09-30") & (cdnow["date"] <= "1998-06-30")]
    actual = holdout.groupby("customer_id")["date"].nunique().reindex(calibration.index, fill_value=0)
    predicted = betageo.expected_purchases(39, calibration["frequency"], calibration["recency"], calibration["T"])
    assert predicted.sum() == pytest.approx(actual.sum(), rel=0.15)
    by_group = actual.groupby(pd.qcut(predicted.rank(method="first"), 5, labels=False)).mean()
    # the bottom three fifths are mostly one-time buyers with near-equal predictions
    assert by_group.iloc[4] > by_group.iloc[3] > by_group.iloc[:3].max()
    assert by_group.iloc[4] > 5 * by_group.iloc[:3].mean()


def test_five_year_value(betageo, gammagamma, calibration):
    five = clv.five_year_value(calibration, betageo, gammagamma, years=5, time_unit_days=7)
    one = clv.five_year_value(calibration, betageo, gammagamma, years=1, time_unit_days=7)
    discounted = clv.five_year_value(calibration, betageo, gammagamma, years=5, time_unit_days=7, annual_discount_rate=0.1)
    assert list(five.columns) == ["expected_purchases", "expected_average_value", "value"]
    assert (five["value"] > one["value"]).all()
    assert (discounted["value"] < five["value"]).all()
    expected = five["expected_purchases"] * five["expected_average_value"]
    np.testing.assert_allclose(five["value"], expected, rtol=1e-12)
    weeks = 5 * clv.DAYS_PER_YEAR / 7
    np.testing.assert_allclose(
        five["expected_purchases"],
        betageo.expected_purchases(weeks, calibration["frequency"], calibration["recency"], calibration["T"]),
        rtol=1e-12,
    )


def test_simple_formulas():
    assert clv.simple_clv(100.0, 0.8, 0.1) == pytest.approx(100 * 0.8 / 0.3)
    values = clv.simple_clv(np.array([100.0, 100.0]), np.array([0.5, 0.9]), 0.0)
    np.testing.assert_allclose(values, [100.0, 900.0])
    with pytest.raises(ValueError, match="retention"):
        clv.simple_clv(100.0, 1.2, 0.1)
    assert clv.simple_five_year_value(100.0, 0.5) == pytest.approx(100 * (1 + 0.5 + 0.25 + 0.125 + 0.0625))
    assert clv.simple_five_year_value(100.0, 1.0, discount=0.1) == pytest.approx(sum(100 / 1.1**k for k in range(5)))
    series = clv.simple_five_year_value(pd.Series([100.0, 50.0], index=["a", "b"]), pd.Series([1.0, 0.0], index=["a", "b"]))
    assert series.tolist() == [500.0, 50.0]


def test_historical_value_nets_out_returns():
    orders = pd.DataFrame(
        {
            "contact_id": ["a", "a", "b", "b", "c"],
            "order_id": ["1", "2", "3", "3", "4"],
            "amount": [10.0, 30.0, 25.0, 5.0, 99.0],
            "returned": [False, False, False, True, True],
        }
    )
    before = orders.copy()
    value = clv.historical_value(orders)
    pd.testing.assert_frame_equal(orders, before)
    assert value.index.tolist() == ["a", "b", "c"]
    assert value["total_spend"].tolist() == [40.0, 25.0, 0.0]
    assert value["orders"].tolist() == [2, 1, 1]
    assert value["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    # the amount column is named as in rfm_summary and lifetimes
    renamed = clv.historical_value(orders.rename(columns={"amount": "paid"}), monetary_value_col="paid")
    pd.testing.assert_frame_equal(renamed, value)


def test_mistakes_are_data_errors(calibration):
    with pytest.raises(DataError) as info:
        clv.BetaGeo().fit(calibration.drop(columns="T"))
    assert info.value.column == "T"
    broken = calibration.copy()
    broken.iloc[3, broken.columns.get_loc("recency")] = broken["T"].iloc[3] + 1
    with pytest.raises(DataError) as info:
        clv.BetaGeo().fit(broken)
    assert info.value.rows == [5]
    with pytest.raises(DataError):
        clv.historical_value(pd.DataFrame({"contact_id": ["a"], "amount": ["12 EUR"]}))
    with pytest.raises(DataError, match="monetary_value_col") as info:
        clv.historical_value(pd.DataFrame({"contact_id": ["a"], "paid": [12.0]}))
    assert info.value.column == "amount"
    with pytest.raises(RuntimeError, match="fit"):
        clv.BetaGeo().probability_alive(1, 1, 2)
