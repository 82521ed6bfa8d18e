"""The BG/NBD model (Fader, Hardie & Lee 2005): how many purchases a customer will make."""

from __future__ import annotations

import numpy as np

from lifecycle_lib.analytics.clv._special import hyp2f1_finite
from lifecycle_lib.analytics.clv.base import PurchaseModel

__all__ = ["BetaGeo"]


#: Above this ``a`` the dropout chance is treated as one number (see ``_expected_purchases``).
SPIKE = 1e3


def _regular(formula, a, b):
    """``formula(a, b)``, or near ``a = 1`` or ``a + b = 1``, where it is 0 / 0, the mean on both sides.

    The expectations divide by ``a - 1`` and (for customers without repeat purchases) have a
    hypergeometric factor with ``c = a + b - 1``; both have finite limits there.
    """
    shift_a = (0.0,) if abs(a - 1) >= 1e-6 else (-1e-6, 1e-6)
    shift_b = (0.0,) if abs(a + b - 1) >= 1e-5 else (-3e-5, 3e-5)
    values = [formula(a + da, b + db) for da in shift_a for db in shift_b]
    return sum(values) / len(values)


class BetaGeo(PurchaseModel):
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

    A customer without repeat purchases has probability 1 of being alive under BG/NBD (they cannot
    have dropped out before a first repeat purchase). The expected purchases (Fader, Hardie & Lee
    2005, eq. 10) take their hypergeometric factor through Euler's transformation,
    ``(1 - z) ** (r + x) * 2F1(r + x, b + x; a + b + x - 1; z) = (1 - z) ** (a - 1) * 2F1(a + b - 1 - r,
    a - 1; a + b + x - 1; z)``, so they stay finite for customers with thousands of purchases, where
    the plain form overflows:

    >>> round(model.expected_purchases(52, 1500, 1500 / 7, 1500 / 7), 1)  # a daily buyer, in weeks
    327.1
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

    @staticmethod
    def _probability_alive(params, x, tx, T):
        r, alpha, a, b = params
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # odds of inf: surely gone
            log_ratio = np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
            return np.where(x > 0, 1.0 / (1.0 + np.exp(np.where(x > 0, log_ratio, 0.0))), 1.0)

    @staticmethod
    def _expected_purchases(params, t, x, tx, T):
        r, alpha, a, b = params
        log_kept = np.log(alpha + T) - np.log(alpha + T + t)  # log(1 - z)
        z = t / (alpha + T + t)

        def purchases_if_alive(a, b):
            shape = np.broadcast(x, t, T).shape
            xb, tb, Tb, zb, kb = (np.broadcast_to(np.asarray(v, dtype="float64"), shape) for v in (x, t, T, z, log_kept))
            value = np.full(shape, np.nan)
            if a <= SPIKE:
                with np.errstate(over="ignore", invalid="ignore", under="ignore"):
                    kept = np.array(np.exp((a - 1) * kb) * hyp2f1_finite(a + b - 1 - r, a - 1, a + b + xb - 1, zb), dtype="float64")
                    # the same factor by Euler's transformation; finite where the first overflows to 0 * inf
                    # (a few hundred and more, with z near 1), though not for frequencies in the thousands
                    bad = ~np.isfinite(kept)
                    if np.any(bad):
                        kept[bad] = np.exp((xb[bad] + r) * kb[bad]) * hyp2f1_finite(
                            xb[bad] + r, b + xb[bad], a + b + xb[bad] - 1, zb[bad])
                    value = np.array((a + b + xb - 1) / (a - 1) * (1.0 - kept), dtype="float64")
            # for a in the thousands (a fit where almost no one drops out), or where both forms overflow, the
            # beta distribution of the dropout chance is close to a spike at p = a / (a + b + x): the purchases of
            # a customer alive now are then, averaged over the gamma distribution of their rate,
            # (1 - ((alpha + T) / (alpha + T + p t)) ** (r + x)) / p, exact to about 1 / a
            spike = ~np.isfinite(value)
            if np.any(spike):
                p = a / (a + b + xb[spike])
                value[spike] = -np.expm1((r + xb[spike]) * (np.log(alpha + Tb[spike]) - np.log(alpha + Tb[spike] + p * tb[spike]))) / p
            return value if shape else value[()]

        numerator = _regular(purchases_if_alive, a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # odds of inf: surely gone
            odds = np.where(x > 0, a / (b + x - 1) * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + tx))), 0.0)
        return numerator / (1.0 + odds)

    @staticmethod
    def _expected_purchases_new(params, t):
        r, alpha, a, b = params

        def purchases(a, b):
            return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1_finite(r, b, a + b - 1, t / (alpha + t)))

        return _regular(purchases, a, b)
