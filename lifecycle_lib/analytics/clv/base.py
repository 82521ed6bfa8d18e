"""What every lifetime-value model shares: maximum-likelihood fitting and the fitted state.

A model defines only its parameter names, its log-likelihood and its predictions; the fit (on log
parameters, so every parameter stays positive), the standard errors, the ``params_`` dict, the
summary table, the readable ``repr`` and the "fit first" guard are :class:`LikelihoodModel`'s.
scipy is imported only when a model is fitted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib.analytics.clv._inputs import as_array, check_summary, distinct_rows, like

__all__ = ["LikelihoodModel", "PurchaseModel"]


class LikelihoodModel:
    """Base of the lifetime-value models: a fit by maximum likelihood and the fitted state.

    A model names its parameters in ``param_names`` and defines ``_log_likelihood(params, *data)``,
    the log-likelihood of each row of its data. Its ``fit`` checks the user's table, turns it into
    arrays and hands them to ``_fit_likelihood``, which maximises the likelihood and fills in
    ``params_``, ``log_likelihood_``, ``n_customers_`` and ``summary``.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        Adds ``penalizer_coef * sum(params ** 2)`` to the mean negative log-likelihood (useful on
        small or odd samples; 0 gives the plain maximum-likelihood estimate).

    Attributes
    ----------
    params_ : dict of str to float, or None
        The estimates, by name (None until fitted).
    log_likelihood_ : float or None
        The log-likelihood at the estimates.
    n_customers_ : int
        How many customers (rows, counting repeated ones) the model was fitted on.
    summary : pandas.DataFrame or None
        One row a parameter: ``coef``, ``se(coef)`` and the 95% bounds.

    Examples
    --------
    A one-parameter model of waiting times (exponential with rate ``rate``) needs nothing more:

    >>> class Waiting(LikelihoodModel):
    ...     param_names = ("rate",)
    ...     _label, _fitted_on = "Waiting", "waits"
    ...     @staticmethod
    ...     def _log_likelihood(params, waits):
    ...         return np.log(params[0]) - params[0] * waits
    >>> model = Waiting()._fit_likelihood(np.array([1.0, 2.0, 3.0]))
    >>> model
    <Waiting fitted on 3 waits: rate=0.500, log-likelihood=-5.08>
    >>> model.summary.round(3)  # doctest: +NORMALIZE_WHITESPACE
                coef  se(coef)  lower 95% bound  upper 95% bound
    parameter
    rate         0.5     0.289            -0.066            1.066
    """

    param_names: tuple[str, ...] = ()
    _label, _fitted_on = "model", "customers"

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = float(penalizer_coef)
        self.params_: dict[str, float] | None = None
        self.log_likelihood_: float | None = None
        self.summary: pd.DataFrame | None = None
        self.n_customers_: int = 0

    @staticmethod
    def _log_likelihood(params, *data):
        raise NotImplementedError

    def _fit_likelihood(self, *data, weights=None):
        """Maximise the likelihood of ``data`` (arrays, one entry a row); ``weights`` counts repeated rows."""
        if weights is None:
            n = len(data[0])

            def nll(params):
                return -np.sum(self._log_likelihood(params, *data))

        else:
            n = weights.sum()

            def nll(params):
                return -np.dot(weights, self._log_likelihood(params, *data))

        params = _maximise(nll, len(self.param_names), self.penalizer_coef, n)
        self.params_ = dict(zip(self.param_names, map(float, params)))
        self.log_likelihood_ = float(-nll(params))
        self.n_customers_ = int(n)
        self.summary = _summary_table(self.param_names, params, _standard_errors(nll, params))
        return self

    def _params(self) -> list[float]:
        """The fitted parameters in the order of ``param_names``; refuses an unfitted model."""
        if self.params_ is None:
            raise RuntimeError("The model is not fitted yet. Fix: call .fit(summary) first.")
        return [self.params_[k] for k in self.param_names]

    def __repr__(self) -> str:
        if self.params_ is None:
            return f"<{self._label}, not fitted, penalizer_coef={self.penalizer_coef}>"
        params = ", ".join(f"{k}={v:.3f}" for k, v in self.params_.items())
        return (
            f"<{self._label} fitted on {self.n_customers_:,} {self._fitted_on}: {params}, "
            f"log-likelihood={self.log_likelihood_:.2f}>"
        )


class PurchaseModel(LikelihoodModel):
    """Base of the models of how many purchases a customer makes (BG/NBD, Pareto/NBD).

    They are fitted on a per-customer summary, each customer's log-likelihood depending on their
    ``frequency``, ``recency`` and ``T`` only; customers with the same three count once, weighted.
    A model defines its predictions on float arrays, ``_probability_alive(params, x, tx, T)``,
    ``_expected_purchases(params, t, x, tx, T)`` and ``_expected_purchases_new(params, t)``; the
    public methods here take numbers, arrays or Series and answer in kind.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        Adds ``penalizer_coef * sum(params ** 2)`` to the mean negative log-likelihood.

    Examples
    --------
    >>> from lifecycle_lib.analytics.clv import BetaGeo, ParetoNBD
    >>> issubclass(BetaGeo, PurchaseModel) and issubclass(ParetoNBD, PurchaseModel)
    True
    """

    def fit(self, summary: pd.DataFrame, frequency_col="frequency", recency_col="recency", T_col="T"):
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
        PurchaseModel
            The model itself, fitted (``params_``, ``log_likelihood_``, ``summary``).

        Examples
        --------
        >>> from lifecycle_lib import datasets, rfm
        >>> from lifecycle_lib.analytics.clv import BetaGeo, ParetoNBD
        >>> summary = rfm.rfm_summary(datasets.load_cdnow(), "customer_id", "date",
        ...                           observation_period_end="1997-09-30", freq_multiplier=7)
        >>> [model.fit(summary.sample(500, random_state=1)).n_customers_ for model in (BetaGeo(), ParetoNBD())]
        [500, 500]
        """
        v = check_summary(summary, [frequency_col, recency_col, T_col])
        (x, tx, T), weights = distinct_rows(v[frequency_col], v[recency_col], v[T_col])
        return self._fit_likelihood(x, tx, T, weights=weights)

    def probability_alive(self, frequency, recency, T):
        """Probability that a customer with this history is still a customer at the end of observation.

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
        >>> from lifecycle_lib.analytics.clv import BetaGeo
        >>> model = BetaGeo()
        >>> model.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> round(model.probability_alive(2, 30.43, 38.86), 3)
        0.727
        """
        p = self._probability_alive(self._params(), as_array(frequency), as_array(recency), as_array(T))
        return like(p, frequency, recency, T, name="probability_alive")

    def expected_purchases(self, t, frequency, recency, T):
        """Expected number of repeat purchases in the next ``t`` time units, given the customer's history.

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
        >>> from lifecycle_lib.analytics.clv import BetaGeo, ParetoNBD
        >>> betageo, paretonbd = BetaGeo(), ParetoNBD()
        >>> betageo.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> paretonbd.params_ = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
        >>> [round(m.expected_purchases(39, 2, 30.43, 38.86), 3) for m in (betageo, paretonbd)]
        [1.226, 1.455]
        """
        t_ = np.asarray(t, dtype="float64")
        value = self._expected_purchases(self._params(), t_, as_array(frequency), as_array(recency), as_array(T))
        return like(value, frequency, recency, T, name="expected_purchases")

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
        >>> from lifecycle_lib.analytics.clv import BetaGeo, ParetoNBD
        >>> betageo, paretonbd = BetaGeo(), ParetoNBD()
        >>> betageo.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
        >>> paretonbd.params_ = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
        >>> [round(m.expected_purchases_new(39), 3) for m in (betageo, paretonbd)]
        [1.197, 1.213]
        """
        value = self._expected_purchases_new(self._params(), np.asarray(t, dtype="float64"))
        return like(value, t, name="expected_purchases_new")


def _maximise(negative_log_likelihood, n_params, penalizer_coef, n):
    """Minimise the mean negative log-likelihood over log-parameters; returns natural parameters."""
    from scipy.optimize import minimize

    def objective(log_params):
        params = np.exp(log_params)
        return negative_log_likelihood(params) / n + penalizer_coef * np.sum(params**2)

    start = np.zeros(n_params)
    result = minimize(objective, start, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-10, "maxiter": 5000})
    result = minimize(objective, result.x, method="BFGS", options={"gtol": 1e-9})
    if not np.all(np.isfinite(result.x)):
        raise RuntimeError("The fit did not converge. Fix: check the summary, or try penalizer_coef=0.001.")
    return np.exp(result.x)


def _standard_errors(negative_log_likelihood, params):
    """Standard errors from a central-difference Hessian of the total negative log-likelihood."""
    k = len(params)
    steps = 1e-4 * np.maximum(np.abs(params), 1e-2)
    hessian = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):

            def shifted(di, dj, i=i, j=j):  # called at once, within this iteration
                p = params.copy()
                p[i] += di * steps[i]
                p[j] += dj * steps[j]
                return negative_log_likelihood(p)

            with np.errstate(invalid="ignore"):  # at the edge of the parameter space: NaN, no standard error
                value = (shifted(1, 1) - shifted(1, -1) - shifted(-1, 1) + shifted(-1, -1)) / (4 * steps[i] * steps[j])
            hessian[i, j] = hessian[j, i] = value
    try:
        covariance = np.linalg.inv(hessian)
        return np.sqrt(np.clip(np.diag(covariance), 0, None))
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)


def _summary_table(names, params, se):
    table = pd.DataFrame({"coef": params, "se(coef)": se}, index=pd.Index(names, name="parameter"))
    table["lower 95% bound"] = table["coef"] - 1.96 * table["se(coef)"]
    table["upper 95% bound"] = table["coef"] + 1.96 * table["se(coef)"]
    return table
