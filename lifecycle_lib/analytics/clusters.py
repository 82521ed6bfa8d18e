"""Segments found by the data: k-means on recency, frequency and monetary value.

The rule-based segments (:mod:`~lifecycle_lib.analytics.segments`, :mod:`~lifecycle_lib.analytics.rfm`)
say in advance what a group is; k-means lets the customers fall into groups of their own. The steps:
:func:`rfm_features` (recency, frequency, monetary value and any extra features), then every feature
log-scaled (``log1p``: spend and counts are skewed) and standardised (mean 0, standard deviation 1) so
no feature dominates by its unit; :func:`choose_k` (elbow and silhouette by k); :func:`kmeans_segments`
(clusters ordered and named by their profile, the same labels whatever the seed); :func:`snake_plot_data`
and :func:`compare_segmentations` (contingency table and adjusted Rand index against another segmentation).

scikit-learn is imported only inside the functions that fit or score, so importing this module stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lifecycle_lib.analytics.rfm import rfm_scores
from lifecycle_lib.errors import DataError

__all__ = ["FEATURES", "rfm_features", "KChoice", "choose_k", "elbow_k", "Clusters", "kmeans_segments",
           "snake_plot_data", "Comparison", "compare_segmentations"]

#: The three features of :func:`rfm_features`, in order.
FEATURES = ("recency", "frequency", "monetary")

# How a cluster's standardised centre reads, below / above the average customer.
_WORDS = {"recency": ("recent", "lapsed"), "frequency": ("rare", "frequent"), "monetary": ("low value", "high value")}


def rfm_features(data: pd.DataFrame, customer_id_col: str = "contact_id", datetime_col: str = "order_date",
                 monetary_value_col: str = "amount", observation_period_end=None,
                 extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Recency, frequency and monetary value of every customer, the raw features of the clustering.

    Parameters
    ----------
    data : DataFrame
        Orders (one row per order or order line), or a summary from ``rfm.rfm_summary`` (then
        ``monetary`` is its ``monetary_value``, the mean repeat purchase).
    customer_id_col, datetime_col : str
        The columns naming the customer and the order time.
    monetary_value_col : str
        The column with the amount; ``monetary`` is its total per customer in the window.
    observation_period_end : date-like, optional
        The end of observation (default: the last order); later orders are ignored and recency is
        counted up to this day.
    extra : DataFrame, optional
        More numeric features, indexed by customer id; every customer of ``data`` needs a row.

    Returns
    -------
    DataFrame
        One row per customer (index: the customer id) with ``recency`` (days since the last
        purchase), ``frequency`` (purchase days after the first) and ``monetary`` (total spend), then
        the columns of ``extra``.

    Raises
    ------
    DataError
        If ``extra`` lacks customers or repeats a feature name.

    Examples
    --------
    >>> orders = pd.DataFrame({"contact_id": ["a", "a", "b"], "amount": [10.0, 30.0, 5.0],
    ...                        "order_date": pd.to_datetime(["2025-01-01", "2025-01-21", "2025-01-11"])})
    >>> rfm_features(orders, observation_period_end="2025-01-31")  # doctest: +NORMALIZE_WHITESPACE
                recency  frequency  monetary
    contact_id
    a              10.0        1.0      40.0
    b              20.0        0.0       5.0
    """
    scores = rfm_scores(data, customer_id_col=customer_id_col, datetime_col=datetime_col,
                        monetary_value_col=monetary_value_col, observation_period_end=observation_period_end)
    features = pd.DataFrame(
        {"recency": scores["days_since"], "frequency": scores["frequency"], "monetary": scores["monetary"]}
    )
    if extra is None:
        return features
    clash = sorted(set(extra.columns) & set(FEATURES))
    if clash:
        raise DataError(f"extra repeats the features {clash}", column=clash[0], fix="rename those columns of extra")
    missing = features.index.difference(extra.index)
    if len(missing):
        raise DataError(f"{len(missing)} customers have no row in extra", rows=missing.tolist(),
                        fix="index extra by the customer id and give every customer a row (fill gaps, e.g. with 0)")
    return features.join(extra)


def _scaled(features: pd.DataFrame, log: bool | Sequence[str]) -> pd.DataFrame:
    """The features log-scaled (``log1p``, those named by ``log``) and standardised; checks every value."""
    if not isinstance(features, pd.DataFrame) or features.shape[1] == 0:
        raise DataError("no features to cluster", fix="pass a DataFrame such as rfm_features(orders) returns")
    values = {}
    logged = set(features.columns) if log is True else set(log or ())
    unknown = sorted(logged - set(features.columns))
    if unknown:
        raise DataError(f"log names columns that are not features: {unknown}", fix="name columns of the features")
    for column in features.columns:
        series = features[column]
        if not pd.api.types.is_numeric_dtype(series.dtype):
            raise DataError(f"features must be numbers, found {series.dtype}", column=column,
                            fix="drop the column or encode it as numbers")
        series = series.astype("float64")
        if series.isna().any():
            raise DataError("missing values", column=column, rows=features.index[series.isna()].tolist(),
                            fix="fill them (e.g. with 0) or drop those customers")
        if column in logged:
            if (series < 0).any():
                raise DataError("negative values cannot be log-scaled", column=column,
                                rows=features.index[series < 0].tolist(), values=series[series < 0].tolist(),
                                fix=f"leave the column out of log (log=[...] without {column!r}) or correct them")
            series = np.log1p(series)
        spread = series.std(ddof=0)
        values[column] = (series - series.mean()) / (spread if spread > 0 else 1.0)
    return pd.DataFrame(values, index=features.index)


def _check_k(scaled: pd.DataFrame, k: int, *, for_silhouette: bool = False) -> None:
    n = len(scaled)
    if not isinstance(k, int | np.integer) or k < 1:
        raise DataError(f"k={k!r} is not a number of clusters", fix="pass a whole number of at least 1")
    need = k + 1 if for_silhouette else k
    if n < need:
        what = f"a silhouette for k={k} needs" if for_silhouette else f"k={k} clusters need"
        raise DataError(f"{what} at least {need} customers, got {n}",
                        fix=f"choose a smaller k (at most {max(n - for_silhouette, 1)}) or pass more customers")
    distinct = len(scaled.drop_duplicates())
    if distinct < k:
        raise DataError(f"k={k} clusters need at least {k} customers with different features, got {distinct}",
                        fix=f"choose a smaller k (at most {distinct}) or add features that tell the customers apart")


def _one_thread():
    """Run scikit-learn's kernels on one thread: on a few thousand customers and a handful of features
    the threads cost more than they save (ten times more on a busy two-core machine)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _fit(scaled: pd.DataFrame, k: int, seed: int, n_init: int):
    from sklearn.cluster import KMeans

    with _one_thread():
        return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(scaled.to_numpy())


def _silhouette(scaled: pd.DataFrame, labels, seed: int, sample_size: int | None) -> float:
    from sklearn.metrics import silhouette_score

    n_labels = len(np.unique(labels))
    if not 2 <= n_labels <= len(scaled) - 1:
        return float("nan")
    sample = sample_size if sample_size is not None and sample_size < len(scaled) else None
    with _one_thread():
        return float(silhouette_score(scaled.to_numpy(), labels, sample_size=sample, random_state=seed))


@dataclass(frozen=True)
class KChoice:
    """What :func:`choose_k` found: a table by k, the suggested k and the rule that chose it.

    Attributes
    ----------
    table : DataFrame
        One row per k tried (index ``k``): ``inertia`` and ``silhouette``.
    k : int
        The suggested number of clusters.
    rule : str
        How ``k`` was chosen, in words (and on how many customers the silhouettes were computed).
    elbow : int
        The k at the elbow of the inertia curve (:func:`elbow_k`), to set beside ``k``.

    Examples
    --------
    >>> table = pd.DataFrame({"inertia": [40.0, 12.0, 10.0], "silhouette": [0.55, 0.71, 0.6]},
    ...                      index=pd.Index([2, 3, 4], name="k"))
    >>> choice = KChoice(table, 3, "the highest silhouette")
    >>> choice
    KChoice(k=3: the highest silhouette)
    >>> choice.elbow
    3
    """

    table: pd.DataFrame
    k: int
    rule: str

    @property
    def elbow(self) -> int:
        return elbow_k(self.table)

    def __repr__(self) -> str:
        return f"KChoice(k={self.k}: {self.rule})"


def choose_k(features: pd.DataFrame, ks=range(2, 11), seed: int = 2024, n_init: int = 10,
             log: bool | Sequence[str] = True, sample_size: int | None = 5000) -> KChoice:
    """Inertia and silhouette of k-means for each k; suggests the k with the highest silhouette.

    The inertia (sum of squared distances to the cluster centres) always falls as k grows; look for
    the elbow where it stops falling steeply. The silhouette (from -1 to 1: how much closer each
    customer is to its own cluster than to the next) is highest for the k whose clusters are most
    clearly apart: the suggested k is the one with the highest silhouette, the smaller k on a tie.

    Parameters
    ----------
    features : DataFrame
        One row per customer, numeric columns (as :func:`rfm_features` returns).
    ks : iterable of int, default ``range(2, 11)``
        The numbers of clusters to try (each at least 2).
    seed : int, default 2024
        Seed of k-means' starting centres and of the silhouette's sample.
    n_init : int, default 10
        How many starts k-means makes for each k (the best is kept).
    log : bool or list of str, default True
        Log-scale (``log1p``) all features (True), none (False) or those named, before standardising.
    sample_size : int or None, default 5000
        The silhouette costs time and memory growing with the square of the customers: it is computed
        on a random sample of this many customers (all of them when fewer, or with None).

    Returns
    -------
    KChoice
        ``table`` (index ``k``; ``inertia``, ``silhouette``), the suggested ``k`` and the ``rule`` in words.

    Raises
    ------
    DataError
        If a k is below 2, or there are not more customers than the largest k (a silhouette needs k + 1).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> blobs = pd.DataFrame(np.vstack([rng.normal(m, 0.3, size=(30, 2)) for m in (0, 5, 10)]), columns=["x", "y"])
    >>> choice = choose_k(blobs, ks=range(2, 6), log=False)
    >>> choice.k
    3
    >>> choice.table.columns.tolist()
    ['inertia', 'silhouette']
    """
    scaled = _scaled(features, log)
    ks = sorted({int(k) for k in ks})
    if not ks or min(ks) < 2:
        raise DataError(f"ks={ks} must be numbers of clusters of at least 2 (a silhouette needs two clusters)",
                        fix="pass ks=range(2, 11) or similar")
    rows = []
    for k in ks:
        _check_k(scaled, k, for_silhouette=True)
        model = _fit(scaled, k, seed, n_init)
        rows.append((k, float(model.inertia_), _silhouette(scaled, model.labels_, seed, sample_size)))
    table = pd.DataFrame(rows, columns=["k", "inertia", "silhouette"]).set_index("k")
    best = int(table["silhouette"].idxmax())
    n = len(scaled)
    on = f"all {n:,} customers" if sample_size is None or n <= sample_size else \
        f"a random sample of {sample_size:,} of the {n:,} customers (seed {seed})"
    rule = (f"the highest silhouette ({table.loc[best, 'silhouette']:.2f}) of k = {', '.join(map(str, ks))}, "
            f"the smaller k on a tie; silhouettes on {on}")
    return KChoice(table, best, rule)


def elbow_k(table) -> int:
    """The k at the elbow of the inertia curve: where it is farthest below the straight line from the
    first k tried to the last.

    Both axes are first scaled to run from 0 to 1, so the answer does not depend on the units of the
    inertia (the "kneedle" idea of Satopää et al., 2011, without smoothing). A curve that bends
    sharply has its elbow far below the line; a nearly straight one has a weak elbow, and the k it
    gives is only a hint.

    Parameters
    ----------
    table : DataFrame or Series
        Inertia by k: ``choose_k(...).table`` (its ``inertia`` column is used) or a Series indexed by k.

    Returns
    -------
    int
        The k of the elbow (the smaller k on a tie).

    Raises
    ------
    DataError
        If fewer than three k are given (the first and the last always lie on the line), or an
        inertia is missing.

    Examples
    --------
    >>> elbow_k(pd.Series([40.0, 12.0, 10.0, 9.0], index=[2, 3, 4, 5]))
    3
    """
    inertia = table["inertia"] if isinstance(table, pd.DataFrame) else table
    if not isinstance(inertia, pd.Series):
        raise DataError(f"an elbow needs the inertia by k, not {type(table).__name__}",
                        fix="pass choose_k(...).table or a Series of inertia indexed by k")
    inertia = inertia.astype("float64").sort_index()
    if inertia.isna().any():
        raise DataError("missing inertia", column="inertia", rows=inertia.index[inertia.isna()].tolist(),
                        fix="compute the inertia for every k (choose_k does)")
    if len(inertia) < 3:
        raise DataError(f"an elbow needs at least three k, got {len(inertia)}", fix="try more k, e.g. ks=range(2, 11)")
    ks = inertia.index.to_numpy(dtype="float64")
    values = inertia.to_numpy()
    x = (ks - ks[0]) / (ks[-1] - ks[0])
    drop = values[0] - values[-1]
    y = (values - values[-1]) / drop if drop != 0 else np.zeros_like(values)
    return int(inertia.index[int(np.argmax((1.0 - x) - y))])


@dataclass(frozen=True)
class Clusters:
    """The clusters :func:`kmeans_segments` found, ordered and named by their profile.

    Attributes
    ----------
    labels : Series
        The cluster of each customer (categorical, ordered as ``profile``), indexed like the features.
    profile : DataFrame
        One row per cluster: ``size``, ``share`` and the mean of each raw feature.
    scaled : DataFrame
        The features as clustered: log-scaled and standardised.
    k, seed, n_init : int
        How k-means was run.
    inertia, silhouette : float
        Sum of squared distances to the centres; the silhouette (NaN for one cluster).

    Examples
    --------
    >>> features = pd.DataFrame({"monetary": [1.0, 2.0, 50.0, 60.0]}, index=list("abcd"))
    >>> clusters = kmeans_segments(features, k=2, log=False)
    >>> clusters
    Clusters(k=2, silhouette=0.90: 'C1: high value' 2, 'C2: low value' 2)
    """

    labels: pd.Series
    profile: pd.DataFrame
    scaled: pd.DataFrame
    k: int
    seed: int
    n_init: int
    inertia: float
    silhouette: float

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name!r} {size}" for name, size in self.profile["size"].items())
        return f"Clusters(k={self.k}, silhouette={self.silhouette:.2f}: {sizes})"


def _feature_words(columns, words) -> dict[str, tuple[str, str]]:
    """How each feature reads below / above the average customer: ``words`` first, then the RFM words,
    then ``low <feature>`` / ``high <feature>``."""
    words = dict(words or {})
    unknown = sorted(set(words) - set(columns))
    if unknown:
        raise DataError(f"words names columns that are not features: {unknown}", fix="name columns of the features")
    for feature, pair in words.items():
        if not (isinstance(pair, tuple | list) and len(pair) == 2 and all(isinstance(w, str) and w for w in pair)):
            raise DataError(f"the words for a feature must be two texts, (below average, above average); got {pair!r}",
                            column=feature, fix=f'pass e.g. words={{"{feature}": ("few {feature}", "many {feature}")}}')
    label = {c: str(c).replace("_", " ") for c in columns}
    return {c: tuple(words.get(c) or _WORDS.get(c) or (f"low {label[c]}", f"high {label[c]}")) for c in columns}


def _names(order: list, centres: pd.DataFrame, words=None) -> list[str]:
    """A different name for each cluster, in ``order``, read from its standardised centre.

    Every name starts with the RFM words (``C1: recent, frequent, high value``). While two clusters
    would read the same, each of them adds its most distinctive feature not named yet (the largest
    standardised mean, in absolute value), one at a time; the words stay in the features' order. If
    the features run out, ``very`` marks what lies a standard deviation or more from the average; two
    clusters that still read alike are told apart by a number, ``(1 of 2)``.
    """
    columns = list(centres.columns)
    pairs = _feature_words(columns, words)
    named = {c: {f for f in FEATURES if f in columns} for c in order}
    very = dict.fromkeys(order, False)

    def describe(cluster) -> str:
        parts = []
        for feature in columns:
            if feature in named[cluster]:
                value = float(centres.loc[cluster, feature])
                word = pairs[feature][int(value > 0)]
                parts.append(f"very {word}" if very[cluster] and abs(value) >= 1 else word)
        return ", ".join(parts)

    def alike() -> list[list]:
        groups: dict[str, list] = {}
        for cluster in order:
            groups.setdefault(describe(cluster), []).append(cluster)
        return [group for group in groups.values() if len(group) > 1]

    while (groups := alike()):
        added = False
        for cluster in (c for group in groups for c in group):
            left = [f for f in columns if f not in named[cluster]]
            if left:  # the first of the most distinctive on a tie, in the features' order
                named[cluster].add(max(left, key=lambda f: abs(float(centres.loc[cluster, f]))))
                added = True
        if not added:
            break
    for cluster in (c for group in alike() for c in group):
        very[cluster] = True
    descriptions = {c: describe(c) for c in order}
    for group in alike():
        for number, cluster in enumerate(group, start=1):
            descriptions[cluster] += f" ({number} of {len(group)})"
    return [f"C{rank}: {descriptions[c]}" if descriptions[c] else f"C{rank}" for rank, c in enumerate(order, start=1)]


def kmeans_segments(features: pd.DataFrame, k: int, seed: int = 2024, n_init: int = 10,
                    log: bool | Sequence[str] = True, order_by: str = "monetary",
                    sample_size: int | None = 5000, words: dict[str, tuple[str, str]] | None = None) -> Clusters:
    """k-means clusters of the customers, ordered by a feature's mean and named by their profile.

    The features are log-scaled and standardised as in :func:`choose_k`. The clusters are numbered by
    the mean raw ``order_by`` feature, highest first (ties: the other features' means, then size), so
    a different seed that finds the same groups gives the same labels. Each name says how the
    cluster's centre compares with the average customer: ``recent`` / ``lapsed``, ``frequent`` /
    ``rare``, ``high value`` / ``low value`` (e.g. ``"C1: recent, frequent, high value"``).

    No two clusters read the same: while two names would, each of those clusters adds its most
    distinctive feature not named yet (the largest standardised mean in absolute value; an extra
    feature reads ``low <feature>`` / ``high <feature>`` unless ``words`` says otherwise). When the
    features run out, ``very`` marks a mean a standard deviation or more from the average, and only
    then does a number tell the clusters apart (``"(1 of 2)"``).

    Parameters
    ----------
    features : DataFrame
        One row per customer, numeric columns (as :func:`rfm_features` returns).
    k : int
        The number of clusters (see :func:`choose_k`).
    seed, n_init, log, sample_size
        As for :func:`choose_k`: seed, starts of k-means, which features to log-scale, silhouette sample.
    order_by : str, default "monetary"
        The feature whose mean numbers the clusters (the first feature when it is not one of them).
    words : dict, optional
        How a feature reads below and above the average customer, e.g.
        ``{"visits": ("few visits", "many visits")}`` (default ``low visits`` / ``high visits``; the
        recency, frequency and monetary words above unless given here).

    Returns
    -------
    Clusters
        ``labels``, ``profile`` (size, share and raw means per cluster), ``scaled`` features, the
        settings, ``inertia`` and ``silhouette``.

    Raises
    ------
    DataError
        If there are fewer customers (or customers with different features) than ``k``, a
        feature is not numeric, is missing, or is negative but log-scaled, or ``words`` names a
        column that is not a feature or gives something else than two texts.

    Examples
    --------
    >>> features = pd.DataFrame({"recency": [5.0, 8, 300, 320, 10, 290], "frequency": [6.0, 8, 0, 1, 7, 0],
    ...                          "monetary": [900.0, 700, 40, 60, 800, 30]}, index=list("abcdef"))
    >>> clusters = kmeans_segments(features, k=2)
    >>> clusters.labels.astype(str).to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'a': 'C1: recent, frequent, high value', 'b': 'C1: recent, frequent, high value',
     'c': 'C2: lapsed, rare, low value', 'd': 'C2: lapsed, rare, low value',
     'e': 'C1: recent, frequent, high value', 'f': 'C2: lapsed, rare, low value'}
    >>> clusters.profile["size"].tolist()
    [3, 3]

    Two groups alike in recency, frequency and value are told apart by the feature that differs:

    >>> visits = pd.Series([3.0, 4, 30, 1, 3, 28], index=list("abcdef"), name="visits")
    >>> found = kmeans_segments(features.join(visits), k=3, words={"visits": ("few visits", "many visits")})
    >>> found.profile.index.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['C1: recent, frequent, high value', 'C2: lapsed, rare, low value, few visits',
     'C3: lapsed, rare, low value, many visits']
    >>> kmeans_segments(features.head(2), k=3)
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: k=3 clusters need at least 3 customers, got 2. Fix: choose a smaller k (at most 2) or pass more customers.
    """
    scaled = _scaled(features, log)
    _check_k(scaled, k)
    _feature_words(list(scaled.columns), words)
    model = _fit(scaled, int(k), seed, n_init)
    raw = features.astype("float64")
    key = order_by if order_by in raw.columns else raw.columns[0]
    means = raw.groupby(model.labels_).mean()
    sizes = pd.Series(np.bincount(model.labels_, minlength=k), index=range(k))
    ties = [c for c in raw.columns if c != key]
    order = sorted(range(k), key=lambda c: (-means.loc[c, key], *(-means.loc[c, t] for t in ties), -sizes[c]))
    centres = scaled.groupby(model.labels_).mean()
    names = _names(order, centres, words)
    rename = dict(zip(order, names))
    labels = pd.Series(pd.Categorical([rename[c] for c in model.labels_], categories=names),
                       index=features.index, name="cluster")
    profile = means.loc[order].set_axis(pd.CategoricalIndex(names, categories=names, name="cluster"))
    profile.insert(0, "share", (sizes[order] / len(raw)).to_numpy())
    profile.insert(0, "size", sizes[order].to_numpy())
    return Clusters(labels, profile, scaled, int(k), seed, n_init, float(model.inertia_),
                    _silhouette(scaled, model.labels_, seed, sample_size))


def snake_plot_data(clusters: Clusters) -> pd.DataFrame:
    """The standardised mean of every feature in every cluster, in long form, for a snake plot.

    A snake plot draws one line per cluster across the features (x: ``feature``, y: ``value``); 0 is
    the average customer, +1 one standard deviation above (of the log-scaled feature).

    Parameters
    ----------
    clusters : Clusters
        What :func:`kmeans_segments` returned.

    Returns
    -------
    DataFrame
        One row per cluster and feature: ``cluster`` and ``feature`` (categoricals, in the clusters'
        and features' order) and ``value``.

    Examples
    --------
    >>> features = pd.DataFrame({"frequency": [0.0, 1, 9, 10], "monetary": [1.0, 2, 50, 60]}, index=list("abcd"))
    >>> snake = snake_plot_data(kmeans_segments(features, k=2, log=False))
    >>> snake.round(2)  # doctest: +NORMALIZE_WHITESPACE
                        cluster    feature  value
    0  C1: frequent, high value  frequency   0.99
    1  C1: frequent, high value   monetary   0.99
    2       C2: rare, low value  frequency  -0.99
    3       C2: rare, low value   monetary  -0.99
    """
    means = clusters.scaled.groupby(clusters.labels, observed=False).mean()
    long = means.stack().rename("value").reset_index()
    long.columns = ["cluster", "feature", "value"]
    long["cluster"] = pd.Categorical(long["cluster"], categories=clusters.labels.cat.categories)
    long["feature"] = pd.Categorical(long["feature"], categories=list(clusters.scaled.columns))
    return long


@dataclass(frozen=True)
class Comparison:
    """Two segmentations of the same customers side by side (:func:`compare_segmentations`).

    Attributes
    ----------
    table : DataFrame
        Contingency table: customers by label of the first (rows) and of the second (columns).
    ari : float
        Adjusted Rand index: 1 for the same partition, about 0 for chance agreement (can be below 0).
    n : int
        Customers compared (labelled in both).
    only_a, only_b : int
        Customers labelled in one segmentation only, left out.

    Examples
    --------
    >>> table = pd.DataFrame({"x": [2, 0], "y": [0, 2]}, index=["p", "q"])
    >>> Comparison(table, 1.0, 4, 0, 1)
    Comparison(ARI=1.000 over 4 customers; left out: 0 and 1)
    """

    table: pd.DataFrame
    ari: float
    n: int
    only_a: int
    only_b: int

    def __repr__(self) -> str:
        return f"Comparison(ARI={self.ari:.3f} over {self.n:,} customers; left out: {self.only_a} and {self.only_b})"


def _as_labels(segmentation, default: str) -> pd.Series:
    labels = segmentation.labels if isinstance(segmentation, Clusters) else segmentation
    if not isinstance(labels, pd.Series):
        raise DataError(
            f"a segmentation must be a Series of labels indexed by customer id (or Clusters), not {type(labels).__name__}",
            fix="pass e.g. behaviour_types(...)['behaviour_type'] or true_types.set_index('contact_id')['true_type']",
        )
    if not labels.index.is_unique:
        dup = labels.index[labels.index.duplicated()].unique().tolist()
        raise DataError("customers labelled twice", rows=dup, fix="keep one label per customer id")
    return labels.dropna().rename(labels.name if labels.name is not None else default)


def compare_segmentations(a, b) -> Comparison:
    """Contingency table and adjusted Rand index of two segmentations of the same customers.

    The customers labelled in both are compared (matched by index); those labelled in only one are
    counted and left out. The adjusted Rand index (``sklearn.metrics.adjusted_rand_score``) is 1 when
    both group the customers the same way, whatever the labels' names, and about 0 for agreement by chance.

    Parameters
    ----------
    a, b : Series or Clusters
        Labels indexed by customer id: ``Clusters`` from :func:`kmeans_segments`, the
        ``behaviour_type`` column of ``segments.behaviour_types``, the true types of the sample
        (``datasets.load_true_types().set_index("contact_id")["true_type"]``), ...

    Returns
    -------
    Comparison
        ``table`` (rows: labels of ``a``, columns: labels of ``b``), ``ari``, ``n``, ``only_a``, ``only_b``.

    Raises
    ------
    DataError
        If the two share no customer, or one labels a customer twice.

    Examples
    --------
    >>> a = pd.Series(["x", "x", "y", "y"], index=list("abcd"), name="rule")
    >>> b = pd.Series(["p", "p", "q", "q", "q"], index=list("abcde"), name="truth")
    >>> compare_segmentations(a, b)
    Comparison(ARI=1.000 over 4 customers; left out: 0 and 1)
    >>> compare_segmentations(a, b).table  # doctest: +NORMALIZE_WHITESPACE
    truth  p  q
    rule
    x      2  0
    y      0  2
    """
    from sklearn.metrics import adjusted_rand_score

    left, right = _as_labels(a, "a"), _as_labels(b, "b")
    if left.name == right.name:
        right = right.rename(f"{right.name} (b)")
    common = left.index.intersection(right.index)
    if len(common) == 0:
        raise DataError(
            "the two segmentations share no customer",
            fix="index both by the same customer id (e.g. true_types.set_index('contact_id')['true_type'])",
        )
    only_a, only_b = len(left) - len(common), len(right) - len(common)
    left, right = left.loc[common], right.loc[common]
    table = pd.crosstab(left, right)
    ari = float(adjusted_rand_score(left.astype(str).to_numpy(), right.astype(str).to_numpy()))
    return Comparison(table, ari, len(common), only_a, only_b)
