"""The fixed names of the simulation: sizes, tables, behaviour types and every category list.

The simulation works on integer codes; these lists turn the codes into the categories of the
tables (a code is a position in its list).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SIZES", "EVENT_SHARE", "TABLES", "TYPES", "IMP", "WAN", "NEED", "HUNT", "RES", "DIS", "LOY",
    "CHANNELS", "SOURCES", "ORDER_CHANNELS", "CHANNEL_TO_SOURCE", "EVENTS", "EV", "PAGES", "CHAT",
    "EMAIL_KINDS", "SOCIAL_KINDS", "SHOP_TOPICS", "PLANS", "END_REASONS", "CATEGORIES", "BUSINESS_NAMES",
    "SPEND_CHANNELS", "SPEND_PURPOSES",
]

#: contacts per business (shop, service) for each size
SIZES = {"tiny": (300, 300), "small": (4000, 3000), "large": (260_000, 230_000)}
#: share of contacts whose events are kept, per size (events of "large" are thinned)
EVENT_SHARE = {"tiny": 1.0, "small": 1.0, "large": 0.05}

TABLES = [
    "products", "contacts", "events", "orders", "promotions", "subscriptions", "tickets", "reviews",
    "referrals", "marketing_spend", "true_types",
]

TYPES = ["impulse", "wandering", "need_based", "discount_hunter", "researcher", "dissatisfied", "loyal"]
IMP, WAN, NEED, HUNT, RES, DIS, LOY = range(7)

BUSINESS_NAMES = ["shop", "service"]
CHANNELS = ["search", "social", "ads", "word_of_mouth", "referral", "partner_email"]
SOURCES = ["search", "social", "ads", "email", "word_of_mouth", "referral", "direct", "partner_email"]
ORDER_CHANNELS = SOURCES + ["subscription"]
# contact channel -> traffic source of the first visit
CHANNEL_TO_SOURCE = np.array([0, 1, 2, 4, 5, 7])
EVENTS = [
    "ad_impression", "visit", "page_view", "video_view", "newsletter_signup", "lead_magnet_signup",
    "social_engagement", "email_open", "email_click", "add_to_cart", "checkout_start", "chat_request",
]
EV = {name: i for i, name in enumerate(EVENTS)}
PAGES = ["home", "product", "sizing_guide", "reviews", "faq", "blog", "pricing"]
CHAT = ["answered_fast", "answered_slow", "unanswered"]
EMAIL_KINDS = ["promo", "newsletter", "welcome", "winback"]
SOCIAL_KINDS = ["like", "follow", "share", "comment"]
SHOP_TOPICS = ["damaged_parcel", "late_delivery", "sizing", "product_question", "billing", "quality", "cancellation"]
PLANS = ["basic", "standard", "premium"]
END_REASONS = ["upgrade", "downgrade", "cancelled"]
CATEGORIES = ["bed", "accessory", "pet_care", "plan", "add_on"]
SPEND_CHANNELS = ["ads", "social", "search", "partner_email", "referral", "email", "loyalty", "retargeting"]
SPEND_PURPOSES = ["acquisition", "retention"]
