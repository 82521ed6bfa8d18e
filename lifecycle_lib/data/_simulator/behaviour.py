"""The behaviour of each hidden type: the parameters every step of the simulation draws with.

Each array is indexed by type code (impulse, wandering, need_based, discount_hunter, researcher,
dissatisfied, loyal); matrices have one row per type.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "TYPE_MIX", "CHANNEL_GIVEN_TYPE", "P_BUY", "P_OPTIN", "P2_BASE", "P2_NURTURE", "STOP_AFTER",
    "INTERVAL_DAYS", "PV_MEAN", "PAGE_SECONDS", "VIDEO_RATE", "PRE_VISITS_BUYER", "VISITS_NONBUYER",
    "POST_VISITS_YEAR", "P_CHAT", "P_RETURN", "P_TICKET_ORDER", "P_TICKET_MONTH", "P_REVIEW", "RATING_P",
    "REFERRAL_WEIGHT", "P_GIFT", "OPEN_PROMO", "OPEN_NEWS", "OPEN_WELCOME", "P_CODE", "SOCIAL_RATE",
    "HAZARD", "PLAN_P", "P_CHANGE", "P_DOWN", "P_ADDON", "PATIENCE_HOURS", "HESITATE", "SELF_SERVE", "RETRY",
    "SPEND_SPREAD", "BAD_SUPPORT",
]

TYPE_MIX = {"shop": [0.16, 0.20, 0.15, 0.14, 0.13, 0.08, 0.14], "service": [0.13, 0.14, 0.16, 0.14, 0.13, 0.10, 0.20]}
CHANNEL_GIVEN_TYPE = np.array([
    # search social ads  wom  referral partner_email
    [0.10, 0.40, 0.40, 0.05, 0.03, 0.02],
    [0.30, 0.35, 0.20, 0.08, 0.02, 0.05],
    [0.65, 0.05, 0.10, 0.10, 0.05, 0.05],
    [0.15, 0.20, 0.35, 0.05, 0.05, 0.20],
    [0.45, 0.10, 0.10, 0.20, 0.10, 0.05],
    [0.30, 0.20, 0.25, 0.10, 0.05, 0.10],
    [0.20, 0.10, 0.12, 0.28, 0.25, 0.05],
])
A = np.array  # short alias for the parameter rows below
P_BUY = {"shop": A([0.75, 0.10, 0.85, 0.70, 0.72, 0.78, 0.93]), "service": A([0.62, 0.07, 0.78, 0.68, 0.66, 0.72, 0.92])}
P_OPTIN = A([0.35, 0.45, 0.35, 0.75, 0.60, 0.45, 0.65])
P2_BASE = A([0.10, 0.10, 0.10, 0.30, 0.22, 0.25, 0.55])  # second purchase within ~60 days
P2_NURTURE = A([2.0, 1.5, 3.2, 1.6, 1.8, 1.3, 1.4])  # multiplier when a welcome email was opened
STOP_AFTER = A([0.65, 0.70, 0.60, 0.30, 0.45, 0.75, 0.08])  # chance to stop after each later order
INTERVAL_DAYS = A([150, 150, 120, 90, 120, 90, 75])
PV_MEAN = A([1.2, 7.0, 1.8, 3.0, 5.5, 3.0, 3.0])  # page views per visit beyond the first
PAGE_SECONDS = A([25, 85, 35, 40, 95, 45, 45])
VIDEO_RATE = A([0.03, 0.35, 0.05, 0.08, 0.90, 0.12, 0.20])
PRE_VISITS_BUYER = A([0.2, 3.0, 0.3, 1.5, 5.0, 1.0, 1.5])
VISITS_NONBUYER = A([1.0, 9.0, 1.0, 2.0, 3.0, 1.5, 1.5])
POST_VISITS_YEAR = A([1.0, 8.0, 0.6, 3.0, 3.0, 2.0, 4.0])
P_CHAT = A([0.35, 0.50, 0.50, 0.50, 0.75, 0.60, 0.45])
P_RETURN = A([0.10, 0.06, 0.05, 0.07, 0.015, 0.25, 0.03])
P_TICKET_ORDER = A([0.04, 0.04, 0.04, 0.04, 0.03, 0.55, 0.04])
P_TICKET_MONTH = A([0.010, 0.010, 0.010, 0.015, 0.010, 0.12, 0.010])
P_REVIEW = A([0.05, 0.10, 0.05, 0.08, 0.20, 0.40, 0.35])
RATING_P = A([
    [0.05, 0.07, 0.15, 0.35, 0.38],
    [0.05, 0.10, 0.20, 0.35, 0.30],
    [0.03, 0.05, 0.15, 0.40, 0.37],
    [0.05, 0.10, 0.25, 0.35, 0.25],
    [0.02, 0.04, 0.12, 0.42, 0.40],
    [0.45, 0.30, 0.15, 0.06, 0.04],
    [0.00, 0.01, 0.04, 0.25, 0.70],
])
REFERRAL_WEIGHT = A([0.5, 0.1, 0.5, 1.0, 1.2, 0.05, 8.0])
P_GIFT = A([0.10, 0.05, 0.05, 0.15, 0.10, 0.05, 0.40])  # extra Christmas order of an existing customer
OPEN_PROMO = A([0.20, 0.10, 0.15, 0.75, 0.30, 0.20, 0.35])
OPEN_NEWS = A([0.15, 0.25, 0.12, 0.30, 0.40, 0.15, 0.45])
OPEN_WELCOME = A([0.45, 0.40, 0.50, 0.55, 0.70, 0.45, 0.70])
P_CODE = A([0.05, 0.05, 0.04, 0.70, 0.05, 0.06, 0.06])
SOCIAL_RATE = A([2.0, 3.0, 0.3, 0.8, 0.8, 0.5, 2.5])  # engagements per person
# service
HAZARD = A([0.15, 0.30, 0.20, 0.24, 0.05, 0.14, 0.02])  # monthly cancellation chance
PLAN_P = A([[0.4, 0.4, 0.2], [0.5, 0.4, 0.1], [0.5, 0.35, 0.15], [0.7, 0.25, 0.05], [0.25, 0.45, 0.30],
            [0.35, 0.45, 0.20], [0.20, 0.45, 0.35]])
P_CHANGE = A([0.08, 0.05, 0.05, 0.15, 0.10, 0.50, 0.25])
P_DOWN = A([0.5, 0.5, 0.5, 0.8, 0.3, 0.9, 0.15])
P_ADDON = A([0.08, 0.05, 0.03, 0.03, 0.06, 0.03, 0.12])
# checkout: how long a person waits for a chat answer before giving up (median hours; each person
# draws their own around it), the chance to drop a checkout anyway (second thoughts, shipping costs),
# and the chance to find the answer on the site (FAQ, sizing guide) when no answer comes in time
PATIENCE_HOURS = A([0.05, 0.25, 0.08, 0.25, 1.0, 0.08, 0.5])
HESITATE = A([0.08, 0.15, 0.05, 0.12, 0.06, 0.10, 0.04])
SELF_SERVE = A([0.10, 0.30, 0.20, 0.30, 0.45, 0.10, 0.40])
RETRY = 0.35
# how far one person's baskets sit above or below the typical basket (sigma of a lognormal level)
SPEND_SPREAD = 0.45
# a first ticket answered after more than a day, or rated 1-2, is a bad experience: the shop's chance
# of a second purchase is multiplied by ``p2``, its chance to stop after each later order moves
# ``stop`` of the way to 1, and the service's monthly cancellation chance is multiplied by ``hazard``
BAD_SUPPORT = {"slow_hours": 24.0, "low_rating": 2, "p2": 0.5, "stop": 0.4, "hazard": 1.8}
del A
