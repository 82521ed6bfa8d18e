"""The BG/NBD model (Fader, Hardie & Lee 2005): how many purchases a customer will make."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib.analytics.clv._inputs import as_array, check_summary, distinct_rows, like
from lifecycle_lib.analytics.clv.base import LikelihoodModel

__all__ = ["BetaGeo"]


class BetaGeo(LikelihoodModel):
    """The BG/NBD model: while alive, a customer buys at a Poisson rate (gamma-distributed across
    customers, shape ``r``, rate ``alpha``); after each purchase they drop out with a probability
    that is beta-distributed across customers (``a``, ``b``).

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        Adds ``penalizer_coef * sum(params ** 2)`` to the mean negative log-likelihood (useful on
        small or odd samples; 0 gives the plain maximum-likelihood estimate).

    Examples
    --------
    On CDNOW's first 39 weeks (time in weeks) it gives the estimates of Fader, Hardie & Lee (2005):

    >>> from lifecycle_lib import datasets, rfm
    >>> summary = rfm.rfm_summary(datasets.load_cdnow(), "customer_id", "date",
    ...                           observation_period_end="1997-09-30", freq_multiplier=7)
    >>> model = BetaGeo().fit(summary)
    >>> model
    <BetaGeo (BG/NBD) fitted on 2,357 customers: r=0.243, alpha=4.414, a=0.793, b=2.426, log-likelihood=-9582.43>
    >>> round(model.expected_purchases(39, frequency=2, recency=30.43, T=38.86), 3)
    1.226
    >>> round(model.probability_alive(frequency=2, recency=30.43, T=38.86), 3)
    0.727
    """

    param_names = ("r", "alpha", "a", "b")
    _label, _fitted_on = "BetaGeo (BG/NBD)", "customers"

    @staticmethod
    def _log_likelihood(params, x, tx, T):
        from scipy.special import betaln, gammaln

        r, alpha, a, b = params
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = betaln(a, b + x) - betaln(a, b)
        a3 = -(r + x) * np.log(alpha + T)
        repeat = x > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            a4 = np.where(
                repeat, np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + tx), -np.inf
            )
        return a1 + a2 + np.logaddexp(a3, a4)

    def fit(self, summary: pd.DataFrame, frequency_col="frequency", recency_col="recency", T_col="T") -> BetaGeo:
        """Fit by maximum likelihood on a summary with one row per customer.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer, as :func:`lifecycle_lib.analytics.rfm.rfm_summary` builds it.
        frequency_col, recency_col, T_col : str
            The columns holding the number of repeat purchases, the age at the last purchase and
            the age at the end of observation (all in the same time unit).

        Returns
        -------
        BetaGeo
            The model itself, fitted (``params_``, ``log_likelihood_``, ``summary``).

        Examples
        --------
        >>> summary = pd.DataFrame({"frequency": [0, 1, 2, 5, 0, 3] * 20, "recency": [0, 4, 9, 30, 0, 12] * 20,
        ...                         "T": [10, 20, 30, 40, 12, 35] * 20})
        >>> BetaGeo().fit(summary).n_customers_
        120
        """
        v = check_summary(summary, [frequency_col, recency_col, T_col])
        (x, tx, T), weights = distinct_rows(v[frequency_col], v[recency_col], v[T_col])
        return self._fit_likelihood(x, tx, T, weights=weights)

    def probability_alive(self, frequency, recency, T):
        """Probability that a customer with this history is still a customer at the end of observation.

        A customer without repeat purchases has probability 1 under BG/NBD (they cannot have dropped
        out before a first repeat purchase).

        Parameters
        ----------
        frequency, recency, T : float, array or Series
            The customer's number of repeat purchases, age at the last purchase and age now.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            A probability per customer, indexed like the first Series given.

        Examples
        --------
        >>> model = BetaGeo()
        >>> model.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> round(model.probability_alive(2, 30.43, 38.86), 3)
        0.727
        """
        r, alpha, a, b = self._params()
        x, tx, T_ = as_array(frequency), as_array(recency), as_array(T)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T_) - np.log(alpha + tx))
        p = np.where(x > 0, 1.0 / (1.0 + np.exp(np.where(x > 0, log_ratio, 0.0))), 1.0)
        return like(p, frequency, recency, T, name="probability_alive")

    def expected_purchases(self, t, frequency, recency, T):
        """Expected number of repeat purchases in the next ``t`` time units, given the customer's history.

        Fader, Hardie & Lee (2005), eq. 10. Its hypergeometric factor is taken through Euler's
        transformation, ``(1 - z) ** (r + x) * 2F1(r + x, b + x; a + b + x - 1; z) = (1 - z) ** (a - 1)
        * 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z)``, so the value stays finite for customers with
        thousands of purchases, where the plain form overflows.

        Parameters
        ----------
        t : float or array
            Length of the period ahead, in the summary's time unit.
        frequency, recency, T : float, array or Series
            The customer's number of repeat purchases, age at the last purchase and age now.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Expected purchases per customer, indexed like the first Series given.

        Examples
        --------
        >>> model = BetaGeo()
        >>> model.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> round(model.expected_purchases(39, 2, 30.43, 38.86), 3)
        1.226
        >>> round(model.expected_purchases(365, 1500, 1500, 1500), 1)  # a daily buyer, in days
        333.2
        """
        from scipy.special import hyp2f1

        r, alpha, a, b = self._params()
        x, tx, T_ = as_array(frequency), as_array(recency), as_array(T)
        t = np.asarray(t, dtype="float64")
        log_kept = np.log(alpha + T_) - np.log(alpha + T_ + t)  # log(1 - z)
        z = t / (alpha + T_ + t)
        numerator = 1.0 - np.exp((a - 1) * log_kept) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        numerator = (a + b + x - 1) / (a - 1) * numerator
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # odds of inf: surely gone
            odds = np.where(
                x > 0,
                a / (b + x - 1) * np.exp((r + x) * (np.log(alpha + T_) - np.log(alpha + tx))),
                0.0,
            )
        return like(numerator / (1.0 + odds), frequency, recency, T, name="expected_purchases")

    def expected_purchases_new(self, t):
        """Expected number of purchases in a period of length ``t`` by a new, randomly chosen customer.

        Parameters
        ----------
        t : float, array or Series
            Length of the period, in the summary's time unit.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Expected purchases for each ``t``.

        Examples
        --------
        >>> model = BetaGeo()
        >>> model.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> round(model.expected_purchases_new(39), 3)
        1.197
        """
        from scipy.special import hyp2f1

        r, alpha, a, b = self._params()
        t_ = np.asarray(t, dtype="float64")
        value = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t_)) ** r * hyp2f1(r, b, a + b - 1, t_ / (alpha + t_)))
        return like(value, t, name="expected_purchases_new")
