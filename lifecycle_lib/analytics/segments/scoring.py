"""How well rule-based behaviour types match the true ones: confusion matrix, per-type scores, accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib.analytics.segments.behaviour import BEHAVIOUR_TYPES

__all__ = ["RuleScore", "score_rules"]


class RuleScore:
    """How well rule-based types match the true types: confusion matrix, per-type scores, accuracy.

    Parameters
    ----------
    confusion : DataFrame
        Rows are the true types, columns the predicted ones (in the same order), cells are counts.

    Attributes
    ----------
    confusion : DataFrame
        The confusion matrix given.
    per_type : DataFrame
        ``precision`` (of those the rules call X, the share truly X), ``recall`` (of the true X, the
        share the rules found) and ``support`` (how many are truly X), per type.
    accuracy : float
        Share of contacts whose predicted type is the true one.
    chance : float
        Accuracy of always guessing the most common true type, for comparison.
    n : int
        Number of contacts compared.

    Examples
    --------
    Usually made by :func:`score_rules`; built directly from a confusion matrix:

    >>> confusion = pd.DataFrame([[3, 1], [0, 4]], index=["loyal", "impulse"], columns=["loyal", "impulse"])
    >>> score = RuleScore(confusion)
    >>> score.accuracy, score.chance
    (0.875, 0.5)
    >>> print(score)
    RuleScore: 8 contacts, accuracy 87.5% (always guessing the commonest type: 50.0%)
            precision recall  support
    loyal        100%    75%        4
    impulse       80%   100%        4
    """

    def __init__(self, confusion: pd.DataFrame):
        self.confusion = confusion
        total = confusion.to_numpy().sum()
        diag = np.diag(confusion.to_numpy())
        predicted = confusion.sum(axis=0).to_numpy()
        support = confusion.sum(axis=1).to_numpy()
        self.per_type = pd.DataFrame(
            {
                "precision": np.where(predicted > 0, diag / np.maximum(predicted, 1), np.nan),
                "recall": np.where(support > 0, diag / np.maximum(support, 1), np.nan),
                "support": support.astype(np.int64),
            },
            index=confusion.index,
        )
        self.accuracy = float(diag.sum() / total) if total else float("nan")
        self.chance = float(support.max() / total) if total else float("nan")
        self.n = int(total)

    def __repr__(self) -> str:
        lines = [f"RuleScore: {self.n} contacts, accuracy {self.accuracy:.1%} "
                 f"(always guessing the commonest type: {self.chance:.1%})"]
        table = self.per_type.copy()
        table["precision"] = table["precision"].map(lambda v: "-" if np.isnan(v) else f"{v:.0%}")
        table["recall"] = table["recall"].map(lambda v: "-" if np.isnan(v) else f"{v:.0%}")
        lines.append(table.to_string())
        return "\n".join(lines)


def score_rules(predicted, truth) -> RuleScore:
    """Compare predicted behaviour types with the true ones; only contacts in both are compared.

    Parameters
    ----------
    predicted : Series or DataFrame
        The predicted type per contact: a Series indexed by contact_id, or a frame with a
        ``behaviour_type`` column (as :func:`behaviour_types` returns), indexed by contact_id or with
        a ``contact_id`` column.
    truth : Series or DataFrame
        The true type per contact, likewise (a frame's column is ``true_type``, as in the simulator's
        answer key).

    Returns
    -------
    RuleScore
        The confusion matrix, precision and recall per type, accuracy and the accuracy of chance.

    Examples
    --------
    >>> pred = pd.Series(["loyal", "loyal", "impulse", "wandering"], index=list("abcd"))
    >>> true = pd.Series(["loyal", "impulse", "impulse", "wandering"], index=list("abcd"))
    >>> score = score_rules(pred, true)
    >>> score.accuracy
    0.75
    >>> score.per_type.loc["loyal", ["precision", "recall"]].tolist()
    [0.5, 1.0]
    """

    def as_series(obj, column):
        if isinstance(obj, pd.DataFrame):
            frame = obj.set_index("contact_id") if "contact_id" in obj.columns else obj
            if column not in frame.columns:
                raise ValueError(f"expected a {column!r} column, found {list(frame.columns)}")
            obj = frame[column]
        return pd.Series(obj).astype(str)

    p = as_series(predicted, "behaviour_type")
    t = as_series(truth, "true_type")
    common = p.index.intersection(t.index)
    if len(common) == 0:
        raise ValueError("predicted and truth share no contact ids; index both by contact_id")
    p, t = p.loc[common], t.loc[common]
    labels = [x for x in BEHAVIOUR_TYPES if x in set(p) | set(t)] + sorted((set(p) | set(t)) - set(BEHAVIOUR_TYPES))
    confusion = pd.crosstab(pd.Categorical(t, categories=labels), pd.Categorical(p, categories=labels), dropna=False)
    confusion.index.name = "true"
    confusion.columns.name = "predicted"
    return RuleScore(confusion)
