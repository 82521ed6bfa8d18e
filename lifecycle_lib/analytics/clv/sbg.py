"""The shifted-beta-geometric (sBG) model of retention in a contractual setting (subscriptions).

Fader & Hardie, "How to Project Customer Retention", Journal of Interactive Marketing 21 (2007):
at the end of every period a customer churns with their own probability ``theta``, which is
beta-distributed across customers (``alpha``, ``beta``). Because the customers most likely to churn
leave first, the retention rate of the remaining ones rises over time. The discounted expected
residual lifetime is Fader & Hardie, "Customer-Base Valuation in a Contractual Setting: The
Perils of Ignoring Heterogeneity", Marketing Science 29 (2010), eq. 6.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib.analytics.clv._inputs import as_array, distinct_rows, like, require
from lifecycle_lib.analytics.clv._special import hyp2f1_one
from lifecycle_lib.analytics.clv.base import LikelihoodModel
from lifecycle_lib.errors import DataError

__all__ = ["ShiftedBetaGeometric"]


def _check_periods(t, smallest: int, what: str) -> np.ndarray:
    t_ = as_array(t)
    if np.any(~np.isfinite(t_) | (t_ < smallest)):
        raise ValueError(f"{what} must be numbers of periods of at least {smallest}.")
    return t_


class ShiftedBetaGeometric(LikelihoodModel):
    """The sBG model: each period a customer renews with probability ``1 - theta``, where ``theta``
    (their own churn probability) is beta-distributed across customers with ``alpha`` and ``beta``.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        Adds ``penalizer_coef * sum(params ** 2)`` to the mean negative log-likelihood.

    Examples
    --------
    The "regular" customers of Fader & Hardie (2007): of 1,000 who signed up, these were still
    there at the end of years 1 to 7.

    >>> model = ShiftedBetaGeometric().fit([631, 468, 382, 326, 289, 262, 241], initial=1000)
    >>> model
    <ShiftedBetaGeometric (sBG) fitted on 1,000 customers: alpha=0.704, beta=1.182, log-likelihood=-1680.27>
    >>> model.retention_rate([1, 2, 5]).round(3).tolist()  # rises as the likely churners leave
    [0.627, 0.756, 0.88]
    """

    param_names = ("alpha", "beta")
    _label, _fitted_on = "ShiftedBetaGeometric (sBG)", "customers"
    #: log-likelihood of the geometric model (one churn chance for all) on the same data, set by the fit
    geometric_log_likelihood_: float | None = None

    @staticmethod
    def _log_likelihood(params, t, churned):
        from scipy.special import betaln

        alpha, beta = params
        churned_at_t = betaln(alpha + 1, beta + t - 1)  # P(T = t), churned at the end of period t
        still_there = betaln(alpha, beta + t)  # S(t), still a customer after t periods
        return np.where(churned > 0, churned_at_t, still_there) - betaln(alpha, beta)

    def fit(self, survivors_per_period, initial) -> ShiftedBetaGeometric:
        """Fit on a cohort: how many of ``initial`` customers were still there after each period.

        Parameters
        ----------
        survivors_per_period : sequence of numbers, or Series
            Customers still active at the end of period 1, 2, ... (never increasing).
        initial : int
            Customers at the start (period 0).

        Returns
        -------
        ShiftedBetaGeometric
            The model itself, fitted (``params_``, ``log_likelihood_``, ``summary``).

        Examples
        --------
        >>> ShiftedBetaGeometric().fit([869, 743, 653, 593, 551, 517, 491], initial=1000).params_["beta"].__round__(3)
        3.806
        """
        survivors = as_array(survivors_per_period).ravel()
        labels = (
            list(survivors_per_period.index) if isinstance(survivors_per_period, pd.Series)
            else list(range(1, len(survivors) + 1))
        )
        fix = "pass the number of customers still active at the end of each period (1, 2, ...) and initial, the number at the start"
        if not np.isfinite(initial) or initial <= 0:
            raise DataError(f"initial must be a positive number of customers, not {initial!r}", fix=fix)
        if survivors.size == 0:
            raise DataError("no periods given", fix=fix)
        before = np.concatenate([[float(initial)], survivors[:-1]])
        bad = ~np.isfinite(survivors) | (survivors < 0) | (survivors > before)
        if bad.any():
            raise DataError(
                "survivors must be numbers that never grow from one period to the next (nor above initial)",
                rows=[labels[i] for i in np.flatnonzero(bad)],
                values=survivors[bad].tolist(),
                fix=fix,
            )
        periods = np.arange(1, survivors.size + 1, dtype="float64")
        t = np.concatenate([periods, periods[-1:]])
        churned = np.concatenate([np.ones(survivors.size), [0.0]])
        weights = np.concatenate([before - survivors, survivors[-1:]])
        return self._fit_with_geometric(t, churned, weights)

    def fit_customers(self, customers: pd.DataFrame, periods_col="periods", churned_col="churned") -> ShiftedBetaGeometric:
        """Fit on one row per customer: how many periods they were observed, and whether they churned.

        A customer with ``churned`` True left at the end of period ``periods`` (at least 1); one with
        ``churned`` False was still a customer after ``periods`` periods (0 for one who just joined).

        Parameters
        ----------
        customers : pandas.DataFrame
            One row per customer.
        periods_col : str, default "periods"
            Whole periods observed.
        churned_col : str, default "churned"
            True for a customer who churned, False for one still active.

        Returns
        -------
        ShiftedBetaGeometric
            The model itself, fitted.

        Examples
        --------
        >>> customers = pd.DataFrame({"periods": [1, 1, 2, 3, 3, 3], "churned": [True, True, True, False, False, False]})
        >>> ShiftedBetaGeometric().fit_customers(customers).n_customers_
        6
        """
        require(customers, [periods_col, churned_col], "customers",
                fix="pass the names of your columns as periods_col= and churned_col=")
        periods = customers[periods_col].to_numpy(dtype="float64", na_value=np.nan)
        churned = customers[churned_col].astype("boolean").fillna(False).to_numpy(dtype=bool)
        bad = ~np.isfinite(periods) | (periods < churned) | (periods != np.round(periods))
        if bad.any():
            raise DataError(
                "periods must be whole numbers, at least 1 for a customer who churned",
                column=periods_col,
                rows=(np.flatnonzero(bad) + 2).tolist(),
                values=periods[bad][:5].tolist(),
                fix="count the periods each customer paid for",
            )
        (t, gone), weights = distinct_rows(periods, churned.astype("float64"))
        return self._fit_with_geometric(t, gone, weights)

    @property
    def polarization_(self) -> float:
        """How much the customers' churn chances differ: ``1 / (alpha + beta + 1)``, from 0 (all alike) to 1.

        Fader & Hardie's polarization index. Near 0 the fitted beta distribution is a spike at the mean
        churn chance ``alpha / (alpha + beta)``: the cohort behaves as if everyone had the same chance, the
        retention rate stays flat, and ``alpha`` and ``beta`` themselves are not identified (only their
        ratio is), so read the survival, the retention rate and the DERL, not the two parameters.

        Returns
        -------
        float
            The polarization index of the fitted model.

        Examples
        --------
        >>> model = ShiftedBetaGeometric()
        >>> model.params_ = {"alpha": 0.704, "beta": 1.182}
        >>> round(model.polarization_, 2)
        0.35
        """
        alpha, beta = self._params()
        return float(1.0 / (alpha + beta + 1.0))

    @property
    def homogeneous_(self) -> bool:
        """True when the data cannot tell the customers' churn chances apart: one chance for all fits as well.

        A likelihood-ratio test of the fit against the geometric model (everyone churns with the same
        chance each period) at the 5% level, with the boundary correction for a variance that cannot be
        below zero (critical value 2.71 instead of 3.84). When it is True, the rising retention rate of
        sBG is not supported by the data, and ``alpha`` and ``beta`` are not identified (only their ratio is).

        Returns
        -------
        bool
            Whether the geometric model is not rejected.

        Examples
        --------
        >>> model = ShiftedBetaGeometric().fit([631, 468, 382, 326, 289, 262, 241], initial=1000)
        >>> model.homogeneous_, round(model.geometric_log_likelihood_, 2)
        (False, -1794.62)
        """
        if self.geometric_log_likelihood_ is None:
            raise ValueError("the model is not fitted yet: call fit() or fit_customers() first")
        return bool(2.0 * (self.log_likelihood_ - self.geometric_log_likelihood_) < 2.706)

    def _fit_with_geometric(self, t, churned, weights):
        """Fit sBG, and the geometric model with one churn chance for all (its log-likelihood) beside it."""
        w = np.ones_like(t) if weights is None else weights
        churns, exposure = float(np.sum(w * churned)), float(np.sum(w * t))
        p = min(max(churns / exposure, 1e-12), 1 - 1e-12) if exposure > 0 else 1e-12
        ll = np.where(churned > 0, np.log(p) + (t - 1) * np.log1p(-p), t * np.log1p(-p))
        self.geometric_log_likelihood_ = float(np.sum(w * ll))
        return self._fit_likelihood(t, churned, weights=weights)

    def survival(self, t):
        """Share of a cohort still a customer after ``t`` periods: ``B(alpha, beta + t) / B(alpha, beta)``.

        Parameters
        ----------
        t : float, array or Series
            Periods since the start (0 gives 1).

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            The surviving share for each ``t``.

        Examples
        --------
        >>> model = ShiftedBetaGeometric()
        >>> model.params_ = {"alpha": 0.704, "beta": 1.182}
        >>> model.survival([0, 1, 7]).round(3).tolist()
        [1.0, 0.627, 0.239]
        """
        from scipy.special import betaln

        alpha, beta = self._params()
        t_ = _check_periods(t, 0, "t")
        return like(np.exp(betaln(alpha, beta + t_) - betaln(alpha, beta)), t, name="survival")

    def retention_rate(self, t):
        """Share of the customers of period ``t - 1`` who renew in period ``t``: ``(beta + t - 1) / (alpha + beta + t - 1)``.

        Parameters
        ----------
        t : float, array or Series
            The period (1 for the first renewal).

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            The retention rate for each ``t``, between 0 and 1.

        Examples
        --------
        >>> model = ShiftedBetaGeometric()
        >>> model.params_ = {"alpha": 0.704, "beta": 1.182}
        >>> round(model.retention_rate(1), 3)
        0.627
        """
        alpha, beta = self._params()
        t_ = _check_periods(t, 1, "t")
        return like((beta + t_ - 1) / (alpha + beta + t_ - 1), t, name="retention_rate")

    def discounted_expected_residual_lifetime(self, discount, renewals=0):
        """Discounted expected residual lifetime (DERL) of a customer who has renewed ``renewals`` times.

        The number of payments still to come, each discounted by ``1 / (1 + discount)`` per period,
        the next one not discounted (Fader & Hardie 2010, eq. 6): with ``n - 1 = renewals``,
        ``(beta + n - 1) / (alpha + beta + n - 1) * 2F1(1, beta + n; alpha + beta + n; 1 / (1 + discount))``.
        Multiply by the payment per period for a value in money.

        Parameters
        ----------
        discount : float
            Discount rate per period (0.1 for 10%), above 0.
        renewals : int, array or Series, default 0
            Renewals the customer has made so far.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            DERL for each ``renewals``; it grows with the renewals, as the customers who stay are the loyal ones.

        Examples
        --------
        >>> model = ShiftedBetaGeometric()
        >>> model.params_ = {"alpha": 0.668, "beta": 3.806}
        >>> model.discounted_expected_residual_lifetime(0.1, renewals=[0, 4]).round(2).tolist()
        [5.41, 6.9]
        """
        alpha, beta = self._params()
        if not np.isfinite(discount) or discount <= 0:
            raise ValueError("discount must be a rate per period above 0 (e.g. 0.1 for 10%).")
        n = _check_periods(renewals, 0, "renewals") + 1
        value = (beta + n - 1) / (alpha + beta + n - 1) * hyp2f1_one(beta + n, alpha + beta + n, 1 / (1 + discount))
        return like(value, renewals, name="discounted_expected_residual_lifetime")
