"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): how many purchases a customer will make.

Formulas as in Fader & Hardie, "A Note on Deriving the Pareto/NBD Model and Related Expressions"
(2005): the likelihood (eq. 18 to 20), the probability of being alive (eq. 11) and the expected
purchases (eq. 17 and 41).
"""

from __future__ import annotations

import numpy as np

from lifecycle_lib.analytics.clv._special import hyp2f1_one
from lifecycle_lib.analytics.clv.base import PurchaseModel

__all__ = ["ParetoNBD"]


def _log_terms(r, alpha, s, beta, x, tx, T):
    """The two parts of a customer's likelihood, as logarithms, without their common ``Gamma(r + x) / Gamma(r)``.

    ``alive``: still a customer at ``T`` (``alpha ** r * beta ** s / ((alpha + T) ** (r + x) * (beta + T) ** s)``);
    ``left``: left between ``tx`` and ``T`` (``s / (r + s + x) * alpha ** r * beta ** s * A_0``, eq. 18 to 20).
    ``A_0 = F(tx) - F(T)`` with ``F(y) = 2F1(r + s + x, b; r + s + x + 1; |alpha - beta| / (m + y)) / (m + y) ** (r + s + x)``,
    where ``m`` is the larger of ``alpha`` and ``beta`` and ``b`` is ``s + 1`` when ``alpha >= beta``
    and ``r + x`` otherwise: the branch that keeps the argument in [0, 1). With Euler's
    transformation of ``2F1``, ``log(alpha ** r * beta ** s * F(y))`` is :func:`_log_alive` at ``y``
    plus a bounded term, so no large logarithms cancel, even where the fit tries large parameters.
    """
    rsx = r + s + x
    if alpha >= beta:
        larger, b = alpha, s + 1
    else:
        larger, b = beta, r + x

    def log_f(y):  # log(alpha ** r * beta ** s * F(y))
        z = abs(alpha - beta) / (larger + y)
        value = _log_alive(r, alpha, s, beta, x, y) + np.log(hyp2f1_one(rsx + 1 - b, rsx + 1, z))
        return value if alpha >= beta else value + np.log(alpha + y) - np.log(beta + y)

    at_tx, at_T = log_f(tx), log_f(T)
    with np.errstate(divide="ignore"):  # tx == T: nothing to integrate, log 0
        left = np.log(s) - np.log(rsx) + at_tx + np.log(-np.expm1(np.minimum(at_T - at_tx, 0.0)))
    return _log_alive(r, alpha, s, beta, x, T), left


def _log_alive(r, alpha, s, beta, x, y):
    """``log(alpha ** r * beta ** s / ((alpha + y) ** (r + x) * (beta + y) ** s))``, stable for large ``r`` and ``s``."""
    return -r * np.log1p(y / alpha) - x * np.log(alpha + y) - s * np.log1p(y / beta)


def _exposure(s, start, t):
    """``start / (s - 1) * (1 - (start / (start + t)) ** (s - 1))``: expected time alive in ``t`` per unit rate.

    Written with ``expm1`` so that it stays exact near ``s = 1``, where it tends to ``start * log(1 + t / start)``.
    """
    log_kept = np.log(start) - np.log(start + t)
    shape = s - 1
    if abs(shape) < 1e-12:
        return -start * log_kept
    return -start * np.expm1(shape * log_kept) / shape


class ParetoNBD(PurchaseModel):
    """The Pareto/NBD model: while alive, a customer buys at a Poisson rate (gamma-distributed across
    customers, shape ``r``, rate ``alpha``), and their lifetime is exponential with a rate that is
    gamma-distributed across customers (shape ``s``, rate ``beta``).

    Unlike BG/NBD, a customer may leave at any moment, also before a repeat purchase.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        Adds ``penalizer_coef * sum(params ** 2)`` to the mean negative log-likelihood.

    Examples
    --------
    On CDNOW's first 39 weeks (time in weeks) it gives the estimates of Fader & Hardie's note:

    >>> from lifecycle_lib import datasets, rfm
    >>> summary = rfm.rfm_summary(datasets.load_cdnow(), "customer_id", "date",
    ...                           observation_period_end="1997-09-30", freq_multiplier=7)
    >>> model = ParetoNBD().fit(summary)
    >>> model
    <ParetoNBD fitted on 2,357 customers: r=0.553, alpha=10.578, s=0.606, beta=11.669, log-likelihood=-9594.98>
    >>> round(model.probability_alive(frequency=2, recency=30.43, T=38.86), 3)
    0.869
    """

    param_names = ("r", "alpha", "s", "beta")
    _label, _fitted_on = "ParetoNBD", "customers"

    @staticmethod
    def _log_likelihood(params, x, tx, T):
        from scipy.special import gammaln

        r, alpha, s, beta = params
        with np.errstate(all="ignore"):  # parameters at the edge (s or beta near 0) give no finite value
            value = gammaln(r + x) - gammaln(r) + np.logaddexp(*_log_terms(r, alpha, s, beta, x, tx, T))
        return np.where(np.isnan(value) | (value == np.inf), -np.inf, value)  # such a point is ruled out, not chosen

    @staticmethod
    def _probability_alive(params, x, tx, T):
        """Eq. 11: the share of the likelihood that comes from still being a customer."""
        from scipy.special import expit

        alive, left = _log_terms(*params, x, tx, T)
        return expit(alive - left)

    @classmethod
    def _expected_purchases(cls, params, t, x, tx, T):
        """Eq. 41."""
        r, alpha, s, beta = params
        return (r + x) / (alpha + T) * _exposure(s, beta + T, t) * cls._probability_alive(params, x, tx, T)

    @staticmethod
    def _expected_purchases_new(params, t):
        """Eq. 17."""
        r, alpha, s, beta = params
        return r / alpha * _exposure(s, beta, t)
