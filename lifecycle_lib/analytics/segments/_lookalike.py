"""The lookalike score: how much a contact without an order engages like the buyers did before buying."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib._util.columns import group_count, is_label, label_codes

__all__ = ["ENGAGEMENT", "engagement", "lookalike"]

#: The engagement measures the score compares, one column each.
ENGAGEMENT = ("visits", "page_views", "product_views", "research_views", "video_views", "social", "email_clicks",
              "signups", "time_on_site")


def engagement(events: pd.DataFrame | None, rows, ev_codes, ev_t, first_order, n, ev=None) -> pd.DataFrame:
    """Engagement counts per contact; for buyers only what they did before their first order.

    ``rows`` are the event rows kept (before observation_period_end), ``ev_codes`` and ``ev_t`` their
    contact codes and times, ``ev`` their event names as label codes.
    """
    feats = {name: np.zeros(n) for name in ENGAGEMENT}
    if events is None or not len(ev_codes):
        return pd.DataFrame(feats)
    fo = first_order[ev_codes]
    keep = np.isnat(fo) | (ev_t < fo)
    codes = ev_codes[keep]
    # the event names, pages and durations of the rows kept
    ev = (ev[0][keep], ev[1])
    page = label_codes(events["page"], fill="") if "page" in events.columns else None
    page = (page[0][rows][keep], page[1]) if page is not None else (np.full(len(codes), -1),
                                                                     np.array([""], dtype=object))
    dur = (pd.to_numeric(events["duration_s"], errors="coerce").astype("float64").fillna(0.0).to_numpy()[rows][keep]
           if "duration_s" in events.columns else np.zeros(len(codes)))
    is_pv = is_label(ev, "page_view")
    is_visit = is_label(ev, "visit")
    feats["visits"] = group_count(codes, n, is_visit)
    feats["page_views"] = group_count(codes, n, is_pv)
    feats["product_views"] = group_count(codes, n, is_pv & is_label(page, "product"))
    feats["research_views"] = group_count(codes, n, is_pv & is_label(page, ["sizing_guide", "reviews", "faq"]))
    feats["video_views"] = group_count(codes, n, is_label(ev, "video_view"))
    feats["social"] = group_count(codes, n, is_label(ev, "social_engagement"))
    feats["email_clicks"] = group_count(codes, n, is_label(ev, "email_click"))
    feats["signups"] = group_count(codes, n, is_label(ev, ["newsletter_signup", "lead_magnet_signup"]))
    feats["time_on_site"] = group_count(codes, n, is_visit, weights=dur)
    return pd.DataFrame(feats)


def lookalike(engagement: pd.DataFrame, is_buyer: np.ndarray) -> np.ndarray:
    """Mean mid-rank percentile of each contact's engagement among buyers' pre-purchase engagement.

    A contact without any engagement has nothing to look alike: their score is 0.
    """
    n = len(engagement)
    if not is_buyer.any():
        return np.zeros(n)
    total = np.zeros(n)
    for col in engagement.columns:
        ref = np.sort(engagement[col].to_numpy()[is_buyer])
        x = engagement[col].to_numpy()
        lo = np.searchsorted(ref, x, side="left")
        hi = np.searchsorted(ref, x, side="right")
        total += (lo + hi) / 2 / len(ref)
    score = total / engagement.shape[1]
    return np.where(engagement.to_numpy().sum(axis=1) > 0, score, 0.0)
