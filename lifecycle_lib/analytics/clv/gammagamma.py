"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie 2013)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib.analytics.clv._inputs import as_array, check_summary, like, require
from lifecycle_lib.analytics.clv.base import LikelihoodModel
from lifecycle_lib.analytics.clv.value import discounted_purchases
from lifecycle_lib.errors import DataError

__all__ = ["GammaGamma"]


class GammaGamma(LikelihoodModel):
    """The Gamma-Gamma model of spend per transaction: each customer's transaction values are gamma
    distributed around their own mean, which varies across customers (parameters ``p``, ``q``, ``gamma``).

    Fitted on customers with at least one repeat purchase (``frequency > 0``), using their average
    repeat-purchase value ``monetary_value``. It assumes spend is independent of purchase frequency:
    check ``summary[["frequency", "monetary_value"]].corr()`` is close to 0 first.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        Adds ``penalizer_coef * sum(params ** 2)`` to the mean negative log-likelihood.

    Examples
    --------
    On CDNOW's first 39 weeks it gives the published estimates:

    >>> from lifecycle_lib import datasets, rfm
    >>> summary = rfm.rfm_summary(datasets.load_cdnow(), "customer_id", "date", monetary_value_col="amount",
    ...                           observation_period_end="1997-09-30", freq_multiplier=7)
    >>> model = GammaGamma().fit(summary)
    >>> model
    <GammaGamma fitted on 946 repeat customers: p=6.250, q=3.744, gamma=15.444, log-likelihood=-4055.92>
    >>> round(model.expected_average_value(2, 20.0), 2)  # two repeat purchases averaging $20
    22.73
    """

    param_names = ("p", "q", "gamma")
    _label, _fitted_on = "GammaGamma", "repeat customers"

    @staticmethod
    def _log_likelihood(params, x, m):
        from scipy.special import gammaln

        p, q, gamma = params
        px = p * x
        return (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(gamma)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(gamma + m * x)
        )

    def fit(self, summary: pd.DataFrame, frequency_col="frequency", monetary_value_col="monetary_value") -> GammaGamma:
        """Fit on the customers of ``summary`` with ``frequency > 0``.

        Parameters
        ----------
        summary : pandas.DataFrame
            One row per customer, as :func:`lifecycle_lib.analytics.rfm.rfm_summary` builds it with
            ``monetary_value_col``; customers without a repeat purchase are left out of the fit.
        frequency_col, monetary_value_col : str
            The columns holding the number of repeat purchases and their average value.

        Returns
        -------
        GammaGamma
            The model itself, fitted.

        Examples
        --------
        >>> from lifecycle_lib import datasets, rfm
        >>> summary = rfm.rfm_summary(datasets.load_cdnow(), "customer_id", "date", monetary_value_col="amount",
        ...                           observation_period_end="1997-09-30", freq_multiplier=7)
        >>> GammaGamma().fit(summary.sample(500, random_state=1)).n_customers_  # the repeat customers among them
        191
        """
        v = check_summary(summary, [frequency_col, monetary_value_col])
        repeat = v[frequency_col] > 0
        x, m = v[frequency_col][repeat], v[monetary_value_col][repeat]
        if len(x) < 3:
            raise DataError(
                "fewer than 3 customers with a repeat purchase", column=frequency_col, fix="use a longer history"
            )
        if np.any(m <= 0):
            raise DataError(
                "repeat customers with a non-positive average spend",
                column=monetary_value_col,
                rows=(np.flatnonzero(repeat)[m <= 0] + 2).tolist(),
                fix="drop customers whose purchases were all free or refunded",
            )
        return self._fit_likelihood(x, m)

    def expected_average_value(self, frequency, monetary_value):
        """Expected spend per future transaction: a weighted mix of the population mean and the
        customer's own average (more weight on their own the more repeat purchases they have).

        Parameters
        ----------
        frequency, monetary_value : float, array or Series
            The customer's number of repeat purchases and their average value.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Expected value of a future transaction, indexed like the first Series given.

        Examples
        --------
        >>> model = GammaGamma()
        >>> model.params_ = {"p": 6.25, "q": 3.744, "gamma": 15.444}
        >>> round(model.expected_average_value(2, 20.0), 2)
        22.73
        """
        p, q, gamma = self._params()
        x, m = as_array(frequency), as_array(monetary_value)
        value = p * (gamma + x * m) / (p * x + q - 1)
        return like(value, frequency, monetary_value, name="expected_average_value")

    def customer_lifetime_value(
        self,
        transaction_prediction_model,
        summary: pd.DataFrame,
        months: int = 60,
        discount_rate: float = 0.01,
        time_unit_days: float = 1.0,
        days_per_month: float = 30.0,
    ) -> pd.Series:
        """Discounted value of each customer's purchases over the next ``months`` months.

        Month i contributes (expected purchases by the end of month i minus by the end of month
        i - 1) x expected average value / (1 + discount_rate) ** i, the calculation of ``lifetimes``.

        Parameters
        ----------
        transaction_prediction_model : BetaGeo or ParetoNBD
            A fitted model of the number of purchases (anything with ``expected_purchases(t, x, tx, T)``).
        summary : pandas.DataFrame
            ``frequency``, ``recency``, ``T`` and ``monetary_value`` per customer.
        months : int, default 60
            How many months ahead.
        discount_rate : float, default 0.01
            Discount rate per month.
        time_unit_days : float, default 1.0
            Length of the summary's time unit in days (7 for weeks).
        days_per_month : float, default 30.0
            Length of a month in days (``lifetimes`` uses 30 for daily summaries).

        Returns
        -------
        pandas.Series
            ``clv`` per customer, indexed like ``summary``.

        Examples
        --------
        >>> from lifecycle_lib.analytics.clv.betageo import BetaGeo
        >>> betageo, gammagamma = BetaGeo(), GammaGamma()
        >>> betageo.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> gammagamma.params_ = {"p": 6.25, "q": 3.744, "gamma": 15.444}
        >>> summary = pd.DataFrame({"frequency": [2.0], "recency": [30.43], "T": [38.86], "monetary_value": [22.35]})
        >>> gammagamma.customer_lifetime_value(betageo, summary, months=12, time_unit_days=7).round(2).tolist()
        [35.87]
        """
        require(summary, ["frequency", "recency", "T", "monetary_value"], "summary")
        value = as_array(self.expected_average_value(summary["frequency"], summary["monetary_value"]))
        ends = np.arange(1, months + 1) * (days_per_month / time_unit_days)
        discount = (1 + discount_rate) ** -np.arange(1, months + 1)
        clv = value * discounted_purchases(transaction_prediction_model, summary, ends, discount)[1]
        return pd.Series(clv, index=summary.index, name="clv")
