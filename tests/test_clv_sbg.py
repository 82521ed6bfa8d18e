"""The shifted-beta-geometric model: the cohorts of Fader & Hardie (2007), and its predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lifecycle_lib.analytics import clv
from lifecycle_lib.errors import DataError

REGULAR = [631, 468, 382, 326, 289, 262, 241]
HIGH_END = [869, 743, 653, 593, 551, 517, 491]


@pytest.mark.parametrize(
    ("survivors", "alpha", "beta", "log_likelihood"),
    [(REGULAR, 0.704, 1.182, -1680.27), (HIGH_END, 0.668, 3.806, -1611.16)],
    ids=["regular", "high end"],
)
def test_reproduces_fader_hardie_2007(survivors, alpha, beta, log_likelihood):
    model = clv.ShiftedBetaGeometric().fit(survivors, initial=1000)
    assert (round(model.params_["alpha"], 3), round(model.params_["beta"], 3)) == (alpha, beta)
    assert round(model.log_likelihood_, 2) == log_likelihood
    assert model.n_customers_ == 1000
    assert list(model.summary.index) == ["alpha", "beta"] and (model.summary["se(coef)"] > 0).all()


def test_one_row_per_customer_gives_the_same_fit():
    before = [1000, *REGULAR[:-1]]
    rows = [(t, True) for t, (was, now) in enumerate(zip(before, REGULAR), start=1) for _ in range(was - now)]
    rows += [(len(REGULAR), False)] * REGULAR[-1]
    customers = pd.DataFrame(rows, columns=["years", "cancelled"])
    by_customer = clv.ShiftedBetaGeometric().fit_customers(customers, periods_col="years", churned_col="cancelled")
    by_count = clv.ShiftedBetaGeometric().fit(pd.Series(REGULAR, index=range(1, 8)), initial=1000)
    assert by_customer.params_ == pytest.approx(by_count.params_, rel=1e-6)
    assert by_customer.log_likelihood_ == pytest.approx(by_count.log_likelihood_, rel=1e-9)


@pytest.fixture(scope="module")
def high_end():
    return clv.ShiftedBetaGeometric().fit(HIGH_END, initial=1000)


def test_survival_and_retention(high_end):
    survival = high_end.survival(np.arange(0, 8))
    assert survival[0] == 1.0 and np.all(np.diff(survival) < 0)
    # fitted survival close to the observed shares (the paper's figure)
    np.testing.assert_allclose(survival[1:], np.array(HIGH_END) / 1000, atol=0.02)
    retention = high_end.retention_rate(np.arange(1, 13))
    np.testing.assert_allclose(retention, high_end.survival(np.arange(1, 13)) / high_end.survival(np.arange(0, 12)), rtol=1e-12)
    assert np.all(np.diff(retention) > 0)  # the heterogeneity the model is about
    series = high_end.survival(pd.Series([1.0, 2.0], index=["a", "b"]))
    assert isinstance(series, pd.Series) and list(series.index) == ["a", "b"]


@pytest.mark.parametrize("renewals", [0, 1, 4, 10])
def test_derl_is_the_discounted_sum_of_survival(high_end, renewals):
    """DERL = sum over t >= n of S(t) / S(n - 1) / (1 + d) ** (t - n), with n - 1 = renewals (Fader & Hardie 2010)."""
    discount, n = 0.1, renewals + 1
    t = np.arange(n, n + 3000)
    by_sum = np.sum(high_end.survival(t) / high_end.survival(n - 1) / (1 + discount) ** (t - n))
    assert high_end.discounted_expected_residual_lifetime(discount, renewals=renewals) == pytest.approx(by_sum, rel=1e-9)


def test_derl_grows_with_renewals_and_shrinks_with_the_discount(high_end):
    derl = high_end.discounted_expected_residual_lifetime(0.1, renewals=np.arange(0, 10))
    assert np.all(np.diff(derl) > 0)
    assert high_end.discounted_expected_residual_lifetime(0.2) < high_end.discounted_expected_residual_lifetime(0.1)


def test_mistakes():
    with pytest.raises(DataError) as info:
        clv.ShiftedBetaGeometric().fit([631, 700, 382], initial=1000)
    assert info.value.rows == [2] and info.value.values == [700.0]
    with pytest.raises(DataError):
        clv.ShiftedBetaGeometric().fit([1200], initial=1000)
    with pytest.raises(DataError):
        clv.ShiftedBetaGeometric().fit([], initial=1000)
    with pytest.raises(DataError) as info:
        clv.ShiftedBetaGeometric().fit_customers(pd.DataFrame({"periods": [1, 2]}))
    assert info.value.column == "churned"
    with pytest.raises(DataError) as info:
        clv.ShiftedBetaGeometric().fit_customers(pd.DataFrame({"periods": [1, 0, 2.5], "churned": [True, True, False]}))
    assert info.value.rows == [3, 4]
    model = clv.ShiftedBetaGeometric()
    with pytest.raises(RuntimeError, match="fit"):
        model.survival(1)
    model.params_ = {"alpha": 0.7, "beta": 1.2}
    with pytest.raises(ValueError, match="discount"):
        model.discounted_expected_residual_lifetime(0.0)
    with pytest.raises(ValueError, match="t must"):
        model.retention_rate(0)


def test_a_cohort_without_spread_in_churn_is_recognised_as_homogeneous():
    # every customer churns with the same 5% a month: survival is geometric, the fit's alpha and beta run off
    rng = np.random.default_rng(0)
    months = rng.geometric(0.05, 4000)
    observed = np.minimum(months, 24)
    customers = pd.DataFrame({"periods": observed, "churned": months <= 24})
    model = clv.ShiftedBetaGeometric().fit_customers(customers)
    assert model.homogeneous_
    alpha, beta = model.params_["alpha"], model.params_["beta"]
    assert alpha / (alpha + beta) == pytest.approx(0.05, abs=0.005)  # the ratio is still identified
    assert model.retention_rate(24) - model.retention_rate(1) < 0.005  # and the retention rate stays flat
    # the paper's regular customers differ a lot
    assert not clv.ShiftedBetaGeometric().fit([631, 468, 382, 326, 289, 262, 241], initial=1000).homogeneous_
