"""The ``reason`` column of the relationship stages: why each contact is in their stage, in plain words.

Each stage's text is built for that stage's rows only, from the features named in
:data:`REASON_FEATURES` (plus one ``lead:<event>`` count per lead event), with Arrow string kernels.
"""

from __future__ import annotations

import numpy as np

from lifecycle_lib._util.columns import Text, assemble, date_text, fmt, join, plural, where

__all__ = ["REASON_FEATURES", "stage_reasons"]

#: The features the reasons quote (keys of the features of ``relationship_stages``).
REASON_FEATURES = [
    "days_since_last", "days_since_first", "expected_gap", "typical", "usual_gap", "cancelled", "lapsed_gap",
    "cancelled_at", "n_referrals", "strong", "overdue", "downgrades", "n_tickets", "low", "subscribed", "n_days",
    "n_orders", "lookalike",
]


def stage_reasons(choice, priority, features: dict, lead_names, th: dict):
    """One reason per contact: ``"<stage>: <why>"``.

    ``choice`` is each contact's position in ``priority`` (the stages), ``features`` the arrays of
    :data:`REASON_FEATURES` and ``lead_names`` (``lead:<event>``), ``th`` the thresholds in force.
    """
    pieces, positions = [], []
    for number, name in enumerate(priority):
        rows = np.flatnonzero(choice == number)
        if len(rows):
            v = {k: np.asarray(a)[rows] for k, a in features.items()}
            text = _text(name, v, lead_names, th)
            if not isinstance(text, Text):
                text = where(np.ones(len(rows), bool), text, "")
            pieces.append(name.replace("_", "-") + ": " + text)
            positions.append(rows)
    return assemble(pieces, positions, len(choice))


def _gap_word(v) -> Text:
    return where(np.isnan(v["usual_gap"]), "the typical gap", "their usual gap")


def _signals(v, th) -> Text:
    """The at-risk signals of each row, joined with "; " (empty where there are none)."""
    window = f"in the last {th['risk_window_days']:g} days"
    return join([
        where(v["overdue"], fmt(v["days_since_last"]) + " days since the last order, more than "
              + f"{th['at_risk_factor']:.1f} x " + _gap_word(v) + " of " + fmt(v["expected_gap"]) + " days", ""),
        where(v["downgrades"] > 0, "downgraded their plan " + window, ""),
        where(v["n_tickets"] >= th["risk_tickets"], fmt(v["n_tickets"]) + " support "
              + plural(v["n_tickets"], "ticket") + " " + window, ""),
        where(v["low"] > 0, fmt(v["low"]) + " " + plural(v["low"], "review")
              + f" of {th['low_rating']} stars or less " + window, ""),
    ], "; ")


def _text(name, v, lead_names, th):
    """The reason text of the rows ``v`` of stage ``name`` (Text, or one str for all rows)."""
    last = fmt(v["days_since_last"])
    if name == "lapsed":
        return where(
            v["cancelled"] & ~v["lapsed_gap"],
            "cancelled their subscription on " + date_text(v["cancelled_at"]) + " and has not bought since",
            "last order " + last + f" days ago, more than {th['lapsed_factor']:.1f} x " + _gap_word(v) + " of "
            + fmt(v["expected_gap"]) + f" days and more than {th['lapsed_min_days']:g} days")
    if name == "advocate":
        refs, good = v["n_referrals"], v["strong"]
        adv = where(refs >= th["advocate_referrals"], "referred " + fmt(refs) + where(refs == 1, " person", " people"), "")
        rev = where(good >= th["advocate_reviews"],
                    "left " + fmt(good) + " " + plural(good, "review") + f" of {th['advocate_rating']}+ stars", "")
        return join([adv, rev], " and ") + "; last order " + last + " days ago"
    if name == "new":
        sig = _signals(v, th)
        return ("first order " + fmt(v["days_since_first"]) + f" days ago (within {th['new_days']:g} days)"
                + where(sig.nonempty(), "; note: " + sig, ""))
    if name == "at_risk":
        return _signals(v, th)
    if name == "active":
        return where(
            v["subscribed"], "subscription running; last order " + last + " days ago",
            where(v["n_days"] < 2,
                  "one order, " + last + f" days ago, within {th['at_risk_factor']:g} x the typical gap of "
                  + fmt(v["typical"]) + " days",
                  fmt(v["n_orders"]) + " orders every " + fmt(v["expected_gap"]) + " days on average (typical "
                  + fmt(v["typical"]) + "); last order " + last + " days ago"))
    if name == "returning":
        return (fmt(v["n_orders"]) + " orders every " + fmt(v["expected_gap"])
                + " days on average, longer than the typical " + fmt(v["typical"])
                + " days; no subscription; last order " + last + " days ago")
    if name == "lead":
        return "no order yet; sales-related action: " + join(
            [where(v[k] > 0, k.removeprefix("lead:"), "") for k in lead_names], ", ")
    if name == "suspect":
        return ("no order yet; engages like buyers did before buying (lookalike score " + fmt(v["lookalike"], 2)
                + f" >= {th['suspect_threshold']:g})")
    return ("no order and no sales-related action yet; lookalike score " + fmt(v["lookalike"], 2)
            + f" below {th['suspect_threshold']:g}")
