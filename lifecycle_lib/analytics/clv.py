"""Customer lifetime value: what customers have spent, and what they will spend.

Three levels, from the back of an envelope to a probabilistic model:

- :func:`historical_value`: what each customer has spent so far (and their share of revenue);
- :func:`simple_clv` and :func:`simple_five_year_value`: margin, retention and discount rate formulas;
- :class:`BetaGeo` (BG/NBD, Fader, Hardie & Lee 2005) for how many purchases a customer will make, and
  :class:`GammaGamma` (Fader, Hardie & Lee 2005; Fader & Hardie 2013) for how much each will be
  worth; :func:`five_year_value` combines them.

Both models are fitted by maximum likelihood on an :func:`lifecycle_lib.analytics.rfm.rfm_summary` table
(``frequency``, ``recency``, ``T``, ``monetary_value``); time is in whatever unit the summary uses.
On the CDNOW sample (first 39 weeks) they reproduce the published estimates (see ``tests/test_clv.py``).
scipy is imported only when a model is fitted or used, so importing this module stays light.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "historical_value",
    "simple_clv",
    "simple_five_year_value",
    "five_year_value",
    "BetaGeo",
    "GammaGamma",
]

DAYS_PER_YEAR = 365.25


def _data_error(problem: str, **where) -> Exception:
    from lifecycle_lib.errors import DataError

    return DataError(problem, **where)


def _require_columns(frame, columns, what):
    from lifecycle_lib.data.schema import require_columns

    require_columns(frame, columns, what=what,
                    fix="pass the right column name, or build the summary with lifecycle_lib.analytics.rfm.rfm_summary")


# --- simple values ---------------------------------------------------------------------------------


def historical_value(
    orders: pd.DataFrame,
    customer_id_col: str = "contact_id",
    amount_col: str = "amount",
    returned_col: str | None = "returned",
    order_col: str | None = "order_id",
) -> pd.DataFrame:
    """What each customer has spent so far, best customers first.

    Returned lines (``returned_col`` True, when that column exists) were refunded and do not count.
    Columns: ``total_spend``, ``orders`` (distinct ``order_col`` values when that column exists,
    otherwise lines), ``average_order_value``, ``share_of_revenue`` and ``cumulative_share`` (read
    it as "the top k customers bring this share of revenue").

    >>> orders = pd.DataFrame({"contact_id": ["a", "a", "b", "c"], "order_id": ["1", "1", "2", "3"],
    ...                        "amount": [30.0, 20.0, 40.0, 10.0], "returned": [False, False, False, True]})
    >>> historical_value(orders)[["total_spend", "orders", "cumulative_share"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
                total_spend  orders  cumulative_share
    contact_id
    a                  50.0       1             0.556
    b                  40.0       1             1.000
    c                   0.0       1             1.000
    """
    _require_columns(orders, [customer_id_col, amount_col], "orders")
    amounts = orders[amount_col]
    if not pd.api.types.is_numeric_dtype(amounts.dtype) or pd.api.types.is_bool_dtype(amounts.dtype):
        raise _data_error(
            f"amounts must be numbers, found {amounts.dtype}",
            column=amount_col,
            fix="convert the column with pd.to_numeric (remove currency signs and thousands separators first)",
        )
    paid = amounts.astype("float64")
    if returned_col and returned_col in orders.columns:
        paid = paid.where(~orders[returned_col].fillna(False).astype(bool), 0.0)
    frame = pd.DataFrame({"customer": orders[customer_id_col], "paid": paid})
    if order_col and order_col in orders.columns:
        frame["order"] = orders[order_col]
    grouped = frame.groupby("customer", sort=True, observed=True)
    out = pd.DataFrame({"total_spend": grouped["paid"].sum()})
    out["orders"] = grouped["order"].nunique() if "order" in frame.columns else grouped.size()
    out["average_order_value"] = out["total_spend"] / out["orders"]
    out = out.sort_values("total_spend", ascending=False, kind="stable")
    total = out["total_spend"].sum()
    out["share_of_revenue"] = out["total_spend"] / total if total else 0.0
    out["cumulative_share"] = out["share_of_revenue"].cumsum()
    out.index.name = customer_id_col
    return out


def simple_clv(margin, retention, discount):
    """Lifetime value of a customer from the yearly margin, retention rate and discount rate.

    ``margin * retention / (1 + discount - retention)``: the margin of every future year, kept with
    probability ``retention`` each year and discounted at ``discount`` per year, summed to infinity
    (the customer's first margin is not included). Works on numbers, arrays and Series alike.

    >>> round(simple_clv(100.0, 0.8, 0.1), 2)
    266.67
    >>> simple_clv(pd.Series([100.0, 50.0]), pd.Series([0.5, 0.9]), 0.1).round(2).tolist()
    [83.33, 225.0]
    """
    retention_arr = np.asarray(retention, dtype="float64")
    discount_arr = np.asarray(discount, dtype="float64")
    if np.any((retention_arr < 0) | (retention_arr > 1)):
        raise ValueError("retention must be a probability between 0 and 1 (e.g. 0.8 for 80%).")
    if np.any(discount_arr < 0):
        raise ValueError("discount must be a non-negative rate per year (e.g. 0.1 for 10%).")
    return margin * retention / (1 + discount - retention)


def simple_five_year_value(annual_spend, retention, years: int = 5, discount=0.0):
    """What a customer will spend over the next ``years`` years, by the annual-spend x retention rule.

    The customer spends ``annual_spend`` this year, and in each later year stays with probability
    ``retention`` (so year k is reached with probability ``retention ** k``); each year is discounted
    at ``discount``: ``sum(annual_spend * retention**k / (1 + discount)**k for k in range(years))``.
    With ``retention = 1`` and no discount it is simply ``years * annual_spend``.

    >>> simple_five_year_value(200.0, 1.0)
    1000.0
    >>> round(simple_five_year_value(200.0, 0.6), 2)
    461.12
    """
    retention = np.asarray(retention, dtype="float64") if not isinstance(retention, pd.Series) else retention
    if np.any((np.asarray(retention) < 0) | (np.asarray(retention) > 1)):
        raise ValueError("retention must be a probability between 0 and 1 (e.g. 0.8 for 80%).")
    ratio = retention / (1 + np.asarray(discount, dtype="float64"))
    factor = sum(ratio**k for k in range(int(years)))
    value = annual_spend * factor
    return float(value) if np.ndim(value) == 0 else value


# --- shared model machinery ------------------------------------------------------------------------


def _as_array(x):
    return x.to_numpy(dtype="float64") if isinstance(x, pd.Series) else np.asarray(x, dtype="float64")


def _like(result, *inputs, name=None):
    """Return a Series indexed like the first Series input, else an array (a float for scalars)."""
    for x in inputs:
        if isinstance(x, pd.Series):
            return pd.Series(result, index=x.index, name=name)
    result = np.asarray(result)
    return float(result) if result.ndim == 0 else result


def _fit(negative_log_likelihood, n_params, penalizer_coef, n):
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


def _distinct_rows(*columns):
    """Distinct rows of equal-length arrays and how often each occurs (customers often share a history)."""
    stacked = np.column_stack(columns)
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return [rows[:, i] for i in range(rows.shape[1])], counts.astype("float64")


def _standard_errors(negative_log_likelihood, params):
    """Standard errors from a central-difference Hessian of the total negative log-likelihood."""
    k = len(params)
    steps = 1e-4 * np.maximum(np.abs(params), 1e-2)
    hessian = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            def shifted(di, dj):
                p = params.copy()
                p[i] += di * steps[i]
                p[j] += dj * steps[j]
                return negative_log_likelihood(p)

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


def _check_summary(summary, columns, what="summary"):
    _require_columns(summary, columns, what)
    values = {c: summary[c].to_numpy(dtype="float64", na_value=np.nan) for c in columns}
    for c, v in values.items():
        bad = ~np.isfinite(v) | (v < 0)
        if bad.any():
            raise _data_error(
                "values must be non-negative numbers",
                column=c,
                rows=(np.flatnonzero(bad) + 2).tolist(),
                values=v[bad][:5].tolist(),
                fix="build the summary with lifecycle_lib.analytics.rfm.rfm_summary",
            )
    if "recency" in values and "T" in values:
        bad = values["recency"] > values["T"] + 1e-9
        if bad.any():
            raise _data_error(
                "recency (age at the last purchase) is larger than T (age at the end)",
                column="recency",
                rows=(np.flatnonzero(bad) + 2).tolist(),
                fix="use the same observation end for both, as lifecycle_lib.analytics.rfm.rfm_summary does",
            )
    return values


# --- BG/NBD -----------------------------------------------------------------------------------------


class _FittedModel:
    """What both models share: the fitted state, estimator style, and a readable repr."""

    param_names: tuple = ()
    _label, _fitted_on = "model", "customers"

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = float(penalizer_coef)
        self.params_: dict[str, float] | None = None
        self.log_likelihood_: float | None = None
        self.summary: pd.DataFrame | None = None
        self.n_customers_: int = 0

    def __repr__(self) -> str:
        if self.params_ is None:
            return f"<{self._label}, not fitted, penalizer_coef={self.penalizer_coef}>"
        params = ", ".join(f"{k}={v:.3f}" for k, v in self.params_.items())
        return (
            f"<{self._label} fitted on {self.n_customers_:,} {self._fitted_on}: {params}, "
            f"log-likelihood={self.log_likelihood_:.2f}>"
        )


class BetaGeo(_FittedModel):
    """The BG/NBD model: while alive, a customer buys at a Poisson rate (gamma-distributed across
    customers, shape ``r``, rate ``alpha``); after each purchase they drop out with a probability
    that is beta-distributed across customers (``a``, ``b``).

    ``penalizer_coef`` adds ``penalizer_coef * sum(params ** 2)`` to the mean negative log-likelihood
    (useful on small or odd samples; 0 gives the plain maximum-likelihood estimate).

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

    def fit(self, summary: pd.DataFrame, frequency_col="frequency", recency_col="recency", T_col="T") -> "BetaGeo":
        """Fit by maximum likelihood on a summary (one row per customer); returns the model itself."""
        v = _check_summary(summary, [frequency_col, recency_col, T_col])
        (x, tx, T), weights = _distinct_rows(v[frequency_col], v[recency_col], v[T_col])

        def nll(params):
            return -np.dot(weights, self._log_likelihood(params, x, tx, T))

        params = _fit(nll, 4, self.penalizer_coef, weights.sum())
        self.params_ = dict(zip(self.param_names, map(float, params)))
        self.log_likelihood_ = float(-nll(params))
        self.n_customers_ = int(weights.sum())
        self.summary = _summary_table(self.param_names, params, _standard_errors(nll, params))
        return self

    def _params(self):
        if self.params_ is None:
            raise RuntimeError("The model is not fitted yet. Fix: call .fit(summary) first.")
        return [self.params_[k] for k in self.param_names]

    def probability_alive(self, frequency, recency, T):
        """Probability that a customer with this history is still a customer at the end of observation.

        A customer without repeat purchases has probability 1 under BG/NBD (they cannot have dropped
        out before a first repeat purchase).
        """
        r, alpha, a, b = self._params()
        x, tx, T_ = _as_array(frequency), _as_array(recency), _as_array(T)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T_) - np.log(alpha + tx))
        p = np.where(x > 0, 1.0 / (1.0 + np.exp(np.where(x > 0, log_ratio, 0.0))), 1.0)
        return _like(p, frequency, recency, T, name="probability_alive")

    def expected_purchases(self, t, frequency, recency, T):
        """Expected number of repeat purchases in the next ``t`` time units, given the customer's history."""
        from scipy.special import hyp2f1

        r, alpha, a, b = self._params()
        x, tx, T_ = _as_array(frequency), _as_array(recency), _as_array(T)
        t = np.asarray(t, dtype="float64")
        z = t / (alpha + T_ + t)
        numerator = 1.0 - np.exp((r + x) * (np.log(alpha + T_) - np.log(alpha + T_ + t))) * hyp2f1(
            r + x, b + x, a + b + x - 1, z
        )
        numerator = (a + b + x - 1) / (a - 1) * numerator
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = np.where(
                x > 0,
                a / (b + x - 1) * np.exp((r + x) * (np.log(alpha + T_) - np.log(alpha + tx))),
                0.0,
            )
        return _like(numerator / (1.0 + odds), frequency, recency, T, name="expected_purchases")

    def expected_purchases_new(self, t):
        """Expected number of purchases in a period of length ``t`` by a new, randomly chosen customer."""
        from scipy.special import hyp2f1

        r, alpha, a, b = self._params()
        t_ = np.asarray(t, dtype="float64")
        value = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t_)) ** r * hyp2f1(r, b, a + b - 1, t_ / (alpha + t_)))
        return _like(value, t, name="expected_purchases_new")


# --- Gamma-Gamma ------------------------------------------------------------------------------------


class GammaGamma(_FittedModel):
    """The Gamma-Gamma model of spend per transaction: each customer's transaction values are gamma
    distributed around their own mean, which varies across customers (parameters ``p``, ``q``, ``gamma``).

    Fitted on customers with at least one repeat purchase (``frequency > 0``), using their average
    repeat-purchase value ``monetary_value``. It assumes spend is independent of purchase frequency:
    check ``summary[["frequency", "monetary_value"]].corr()`` is close to 0 first.

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

    def fit(self, summary: pd.DataFrame, frequency_col="frequency", monetary_value_col="monetary_value"):
        """Fit on the customers of ``summary`` with ``frequency > 0``; returns the model itself."""
        v = _check_summary(summary, [frequency_col, monetary_value_col])
        repeat = v[frequency_col] > 0
        x, m = v[frequency_col][repeat], v[monetary_value_col][repeat]
        if len(x) < 3:
            raise _data_error(
                "fewer than 3 customers with a repeat purchase", column=frequency_col, fix="use a longer history"
            )
        if np.any(m <= 0):
            raise _data_error(
                "repeat customers with a non-positive average spend",
                column=monetary_value_col,
                rows=(np.flatnonzero(repeat)[m <= 0] + 2).tolist(),
                fix="drop customers whose purchases were all free or refunded",
            )

        def nll(params):
            return -np.sum(self._log_likelihood(params, x, m))

        params = _fit(nll, 3, self.penalizer_coef, len(x))
        self.params_ = dict(zip(self.param_names, map(float, params)))
        self.log_likelihood_ = float(-nll(params))
        self.n_customers_ = int(len(x))
        self.summary = _summary_table(self.param_names, params, _standard_errors(nll, params))
        return self

    def _params(self):
        if self.params_ is None:
            raise RuntimeError("The model is not fitted yet. Fix: call .fit(summary) first.")
        return [self.params_[k] for k in self.param_names]

    def expected_average_value(self, frequency, monetary_value):
        """Expected spend per future transaction: a weighted mix of the population mean and the
        customer's own average (more weight on their own the more repeat purchases they have)."""
        p, q, gamma = self._params()
        x, m = _as_array(frequency), _as_array(monetary_value)
        value = p * (gamma + x * m) / (p * x + q - 1)
        return _like(value, frequency, monetary_value, name="expected_average_value")

    def customer_lifetime_value(
        self,
        betageo: BetaGeo,
        summary: pd.DataFrame,
        months: int = 60,
        discount_rate: float = 0.01,
        time_unit_days: float = 1.0,
        days_per_month: float = 30.0,
    ) -> pd.Series:
        """Discounted value of each customer's purchases over the next ``months`` months.

        Month i contributes (expected purchases by the end of month i minus by the end of month
        i - 1) x expected average value / (1 + discount_rate) ** i, the calculation of ``lifetimes``.
        ``time_unit_days`` is the length of the summary's time unit in days (7 for weeks) and
        ``days_per_month`` the length of a month (``lifetimes`` uses 30 for daily summaries).
        """
        _require_columns(summary, ["frequency", "recency", "T", "monetary_value"], "summary")
        x, tx, T = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
        value = _as_array(self.expected_average_value(summary["frequency"], summary["monetary_value"]))
        per_month = days_per_month / time_unit_days
        ends = np.arange(0, months + 1) * per_month
        cumulative = np.column_stack(
            [np.zeros(len(x))] + [_as_array(betageo.expected_purchases(t, x, tx, T)) for t in ends[1:]]
        )
        increments = np.diff(cumulative, axis=1)
        discount = (1 + discount_rate) ** -np.arange(1, months + 1)
        clv = value * (increments @ discount)
        return pd.Series(clv, index=summary.index, name="clv")


def five_year_value(
    summary: pd.DataFrame,
    betageo: BetaGeo,
    gammagamma: GammaGamma,
    years: float = 5,
    time_unit_days: float = 1.0,
    annual_discount_rate: float = 0.0,
) -> pd.DataFrame:
    """What each customer will spend over the next ``years`` years, from the fitted models.

    ``expected_purchases`` (BG/NBD, given the customer's history) times ``expected_average_value``
    (Gamma-Gamma). With ``annual_discount_rate`` > 0, each year's purchases are discounted to today
    (year k by ``(1 + rate) ** k``). ``time_unit_days`` is the summary's time unit in days (7 for
    weeks). For a rule of thumb without models, see :func:`simple_five_year_value`.

    Returns ``expected_purchases``, ``expected_average_value`` and ``value`` per customer.

    Three CDNOW customers (time in weeks), with the published estimates of both models set directly
    instead of fitting them (``BetaGeo().fit(summary)`` and ``GammaGamma().fit(summary)`` in a lesson):

    >>> summary = pd.DataFrame({"frequency": [2, 1, 0], "recency": [30.43, 1.71, 0.0], "T": [38.86] * 3,
    ...                         "monetary_value": [22.35, 11.77, 0.0]},
    ...                        index=pd.Index(["c1", "c2", "c3"], name="customer_id"))
    >>> betageo, gammagamma = BetaGeo(), GammaGamma()
    >>> betageo.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    >>> gammagamma.params_ = {"p": 6.25, "q": 3.744, "gamma": 15.444}
    >>> five_year_value(summary, betageo, gammagamma, time_unit_days=7).round(2)  # doctest: +NORMALIZE_WHITESPACE
                 expected_purchases  expected_average_value   value
    customer_id
    c1                         4.95                   24.66  121.95
    c2                         0.86                   18.91   16.33
    c3                         0.92                   35.18   32.29
    >>> five_year_value(summary, betageo, gammagamma, time_unit_days=7, annual_discount_rate=0.1)["value"].round(2).tolist()
    [96.45, 12.86, 25.2]
    """
    _require_columns(summary, ["frequency", "recency", "T", "monetary_value"], "summary")
    x, tx, T = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    per_year = DAYS_PER_YEAR / time_unit_days
    whole_years = int(np.ceil(years))
    ends = np.minimum(np.arange(0, whole_years + 1), years) * per_year
    cumulative = np.column_stack(
        [np.zeros(len(x))] + [_as_array(betageo.expected_purchases(t, x, tx, T)) for t in ends[1:]]
    )
    increments = np.diff(cumulative, axis=1)
    discount = (1 + annual_discount_rate) ** -np.arange(1, whole_years + 1)
    average = _as_array(gammagamma.expected_average_value(summary["frequency"], summary["monetary_value"]))
    return pd.DataFrame(
        {
            "expected_purchases": cumulative[:, -1],
            "expected_average_value": average,
            "value": average * (increments @ discount),
        },
        index=summary.index,
    )
