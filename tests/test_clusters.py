"""k-means segments: recovered when they exist, not invented when they do not, stable, and comparable."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from lifecycle_lib.analytics import clusters
from lifecycle_lib.data import datasets
from lifecycle_lib.errors import DataError

# Three kinds of customer, far apart on every feature: (recency days, repeat purchases, total spend).
GROUPS = {"champions": (5, 12, 2_000), "casual": (60, 2, 150), "gone": (400, 0, 20)}


def separated(n_per_group: int = 60, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for name, (recency, frequency, monetary) in GROUPS.items():
        rows.append(np.column_stack([
            recency * rng.lognormal(0, 0.15, n_per_group),
            rng.poisson(frequency, n_per_group),
            monetary * rng.lognormal(0, 0.15, n_per_group),
        ]))
        truth += [name] * n_per_group
    ids = pd.Index([f"C{i:04d}" for i in range(len(truth))], name="contact_id")
    features = pd.DataFrame(np.vstack(rows), columns=list(clusters.FEATURES), index=ids)
    return features, pd.Series(truth, index=ids, name="truth")


def noise(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, 3)), columns=list(clusters.FEATURES))


def test_well_separated_groups_are_recovered():
    features, truth = separated()
    found = clusters.kmeans_segments(features, k=3, seed=1)
    assert adjusted_rand_score(truth, found.labels.astype(str)) > 0.9
    assert clusters.compare_segmentations(found, truth).ari > 0.9
    assert clusters.choose_k(features, ks=range(2, 7), seed=1).k == 3


def test_clusters_are_ordered_and_named_by_their_profile():
    features, _ = separated()
    found = clusters.kmeans_segments(features, k=3)
    profile = found.profile
    assert profile["monetary"].is_monotonic_decreasing
    assert profile["size"].sum() == len(features) and math.isclose(profile["share"].sum(), 1.0)
    assert list(profile.index) == list(found.labels.cat.categories)
    assert profile.index[0] == "C1: recent, frequent, high value"
    # "casual" and "gone" are both lapsed, rare and low value; only the degree tells them apart
    assert profile.index[1:].tolist() == ["C2: lapsed, rare, low value", "C3: very lapsed, very rare, very low value"]
    # the profile holds the means of the raw features
    means = features.groupby(found.labels, observed=True).mean()
    pd.testing.assert_frame_equal(profile[list(clusters.FEATURES)], means, check_names=False)


def test_noise_has_a_low_silhouette():
    table = clusters.choose_k(noise(), ks=range(2, 7), log=False).table
    separated_best = clusters.choose_k(separated()[0], ks=range(2, 7)).table["silhouette"].max()
    assert table["silhouette"].max() < 0.4
    assert table["silhouette"].max() < separated_best - 0.3
    assert table["inertia"].is_monotonic_decreasing


def test_labels_are_the_same_for_two_seeds():
    features, _ = separated()
    first = clusters.kmeans_segments(features, k=3, seed=1)
    second = clusters.kmeans_segments(features, k=3, seed=99)
    assert first.labels.astype(str).equals(second.labels.astype(str))


def test_the_same_seed_gives_the_same_result():
    features = noise(300)
    first = clusters.kmeans_segments(features, k=4, seed=3, log=False)
    second = clusters.kmeans_segments(features, k=4, seed=3, log=False)
    assert first.labels.equals(second.labels) and first.inertia == second.inertia
    assert first.n_init == 10
    pd.testing.assert_frame_equal(clusters.choose_k(features, ks=[2, 3], seed=3, log=False).table,
                                  clusters.choose_k(features, ks=[3, 2], seed=3, log=False).table)


def test_the_suggested_k_is_explained():
    choice = clusters.choose_k(separated()[0], ks=range(2, 5))
    assert choice.table.index.tolist() == [2, 3, 4]
    assert choice.k == int(choice.table["silhouette"].idxmax())
    assert "highest silhouette" in choice.rule and "all 180 customers" in choice.rule
    sampled = clusters.choose_k(separated()[0], ks=[2, 3], sample_size=50)
    assert "a random sample of 50 of the 180 customers" in sampled.rule


def test_fewer_customers_than_k_names_the_fix():
    features, _ = separated(n_per_group=1)
    with pytest.raises(DataError, match=r"k=5 clusters need at least 5 customers, got 3.*smaller k \(at most 3\)"):
        clusters.kmeans_segments(features, k=5)
    with pytest.raises(DataError, match=r"silhouette for k=3 needs at least 4 customers, got 3"):
        clusters.choose_k(features, ks=range(2, 4))
    with pytest.raises(DataError, match="at least 2"):
        clusters.choose_k(features, ks=[1, 2])


def test_identical_customers_cannot_fill_k_clusters():
    same = pd.DataFrame({"recency": [5.0] * 6 + [9.0], "frequency": 1.0, "monetary": 10.0})
    with pytest.raises(DataError, match="with different features, got 2"):
        clusters.kmeans_segments(same, k=3)


def test_bad_feature_values_name_column_and_rows():
    features, _ = separated(n_per_group=5)
    refund = features.copy()
    refund.iloc[2, 2] = -30.0
    with pytest.raises(DataError, match=r"column 'monetary': negative values.*C0002.*leave the column out of log"):
        clusters.kmeans_segments(refund, k=3)
    assert clusters.kmeans_segments(refund, k=3, log=["recency", "frequency"]).k == 3
    gap = features.copy()
    gap.iloc[4, 0] = np.nan
    with pytest.raises(DataError, match=r"column 'recency': missing values \(index C0004\)"):
        clusters.kmeans_segments(gap, k=3)
    with pytest.raises(DataError, match="must be numbers"):
        clusters.kmeans_segments(features.assign(channel="ads"), k=3)


def test_snake_plot_data_is_the_standardised_profile_in_long_form():
    features, _ = separated()
    found = clusters.kmeans_segments(features, k=3)
    snake = clusters.snake_plot_data(found)
    assert list(snake.columns) == ["cluster", "feature", "value"] and len(snake) == 3 * 3
    assert snake["cluster"].cat.categories.tolist() == found.labels.cat.categories.tolist()
    assert snake["feature"].cat.categories.tolist() == list(clusters.FEATURES)
    # the size-weighted mean of the clusters' standardised means is the overall mean, 0
    sizes = snake["cluster"].map(found.profile["size"]).astype(float)
    weighted = (snake["value"] * sizes).groupby(snake["feature"], observed=True).sum() / len(features)
    assert np.allclose(weighted, 0.0)
    champions = snake[snake["cluster"] == found.profile.index[0]].set_index("feature")["value"]
    assert champions["recency"] < 0 < champions["monetary"]


def test_extra_behaviour_features_join_on_the_customer():
    orders = pd.DataFrame({"contact_id": ["a", "a", "b", "c"], "amount": [10.0, 20.0, 5.0, 7.0],
                           "order_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-15", "2025-03-01"])})
    visits = pd.DataFrame({"visits": [4, 1, 2]}, index=pd.Index(["a", "b", "c"], name="contact_id"))
    features = clusters.rfm_features(orders, observation_period_end="2025-03-31", extra=visits)
    assert features.columns.tolist() == ["recency", "frequency", "monetary", "visits"]
    assert features.loc["a"].tolist() == [58.0, 1.0, 30.0, 4.0]
    with pytest.raises(DataError, match=r"1 customers have no row in extra \(index c\)"):
        clusters.rfm_features(orders, extra=visits.loc[["a", "b"]])


def test_compare_segmentations_counts_what_it_leaves_out():
    a = pd.Series(["x", "x", "y", None], index=list("abcd"), name="rule")
    b = pd.Series(["q", "q", "p"], index=list("abe"), name="rule")
    result = clusters.compare_segmentations(a, b)
    assert (result.n, result.only_a, result.only_b) == (2, 1, 1)
    assert result.table.to_numpy().sum() == 2 and result.table.columns.name == "rule (b)"
    with pytest.raises(DataError, match="share no customer"):
        clusters.compare_segmentations(a, pd.Series(["p"], index=["z"]))
    with pytest.raises(DataError, match="labelled twice"):
        clusters.compare_segmentations(pd.Series(["x", "y"], index=["a", "a"]), b)


@pytest.fixture(scope="module")
def shop_clusters():
    orders = datasets.load_orders("shop")
    features = clusters.rfm_features(orders, observation_period_end=datasets.AS_OF)
    return clusters.kmeans_segments(features, k=4)


def test_sample_shop_against_the_true_types(shop_clusters):
    truth = datasets.load_true_types("shop").set_index("contact_id")["true_type"]
    result = clusters.compare_segmentations(shop_clusters, truth)
    assert math.isfinite(result.ari) and -1 <= result.ari <= 1
    assert result.n == len(shop_clusters.labels)  # every buyer has a true type
    assert result.only_a == 0 and result.only_b == len(truth) - result.n  # contacts who never bought
    assert result.table.to_numpy().sum() == result.n


def test_sample_shop_against_the_rule_based_types(shop_clusters):
    from lifecycle_lib.analytics import segments

    rules = segments.behaviour_types(datasets.load_all("shop"), observation_period_end=datasets.AS_OF)
    result = clusters.compare_segmentations(shop_clusters, rules["behaviour_type"])
    assert math.isfinite(result.ari) and -1 <= result.ari <= 1
    assert result.n == len(shop_clusters.labels)


def test_importing_the_module_does_not_import_scikit_learn():
    code = "import json, sys\nimport lifecycle_lib.analytics.clusters\nprint(json.dumps('sklearn' in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(result.stdout.strip().splitlines()[-1]) is False


def test_the_snake_and_k_choice_plots_draw_what_the_clusters_found(tmp_path):
    from lifecycle_lib.viz import plots

    features, _ = separated()
    choice = clusters.choose_k(features, ks=range(2, 6), seed=1)
    fig = plots.k_choice_plot(choice.table, chosen=choice.k)
    inertia, silhouette = fig.axes
    assert list(inertia.lines[0].get_xdata()) == [2, 3, 4, 5]
    assert list(silhouette.lines[0].get_ydata()) == pytest.approx(choice.table["silhouette"].tolist())
    assert inertia.lines[1].get_xdata()[0] == choice.k == 3  # the marked k is the one chosen
    found = clusters.kmeans_segments(features, k=choice.k, seed=1)
    snake = clusters.snake_plot_data(found)
    fig = plots.snake_plot(snake)
    lines = [line for line in fig.axes[0].lines if not line.get_label().startswith("_")]
    assert [line.get_label() for line in lines] == list(found.labels.cat.categories)
    for line in lines:
        expected = snake[snake["cluster"] == line.get_label()].set_index("feature")["value"]
        assert list(line.get_ydata()) == pytest.approx(expected.reindex(list(features.columns)).tolist())
    fig.savefig(tmp_path / "snake.png")
    with pytest.raises(ValueError, match="snake_plot_data"):
        plots.snake_plot(snake.drop(columns="value"))


def _descriptions(names) -> list[str]:
    """The words of each name, without its number ``C1: ``."""
    return [str(name).split(": ", 1)[-1] for name in names]


def test_clusters_alike_in_recency_frequency_and_value_get_different_names():
    # Two groups of lapsed one-off low spenders, told apart only by their visits: browsers and quiet buyers.
    rng = np.random.default_rng(3)
    features, _ = separated(n_per_group=60, seed=3)
    gone = features.index[120:]
    visits = pd.Series(rng.poisson(3, len(features)).astype(float) + 1, index=features.index, name="visits")
    visits.loc[gone[:30]] = 30 * rng.lognormal(0, 0.1, 30)
    found = clusters.kmeans_segments(features.join(visits), k=4, seed=1)
    names = found.profile.index.tolist()
    words = _descriptions(names)
    assert len(set(words)) == len(words), names
    lapsed = [w for w in words if w.startswith("lapsed, rare, low value")]
    assert sorted(lapsed) == ["lapsed, rare, low value, high visits", "lapsed, rare, low value, low visits"]
    assert set(found.labels.loc[gone[:30]].astype(str)) == {n for n in names if n.endswith(", high visits")}
    custom = clusters.kmeans_segments(features.join(visits), k=4, seed=1, words={"visits": ("few visits", "many visits")})
    assert any(name.endswith("lapsed, rare, low value, many visits") for name in custom.profile.index)
    with pytest.raises(DataError, match=r"column 'visits': the words for a feature must be two texts"):
        clusters.kmeans_segments(features.join(visits), k=4, words={"visits": "many"})
    with pytest.raises(DataError, match="words names columns that are not features"):
        clusters.kmeans_segments(features, k=3, words={"visits": ("few", "many")})


def test_names_of_identical_looking_centres_fall_back_to_very_then_a_number():
    # Standardised centres: three lapsed, rare, low-value clusters, two of them exactly alike.
    centres = pd.DataFrame({"recency": [1.5, 0.4, 0.4, -1.0], "frequency": [-0.5, -0.5, -0.5, 1.2],
                            "monetary": [-0.5, -0.5, -0.5, 1.3]})
    names = clusters._names([3, 0, 1, 2], centres)
    assert names == ["C1: recent, frequent, high value", "C2: very lapsed, rare, low value",
                     "C3: lapsed, rare, low value (1 of 2)", "C4: lapsed, rare, low value (2 of 2)"]
    assert len(set(_descriptions(names))) == len(names)


def test_the_elbow_is_where_the_inertia_stops_falling_steeply():
    inertia = pd.Series([100.0, 40.0, 30.0, 25.0, 22.0], index=[2, 3, 4, 5, 6])
    assert clusters.elbow_k(inertia) == 3
    assert clusters.elbow_k(inertia.iloc[::-1]) == 3  # the order of the rows does not matter
    choice = clusters.choose_k(separated()[0], ks=range(2, 7), seed=1)
    assert choice.elbow == clusters.elbow_k(choice.table) == 3
    with pytest.raises(DataError, match="at least three k"):
        clusters.elbow_k(inertia.head(2))
