"""The engine behind :func:`lifecycle_lib.data.datasets.simulate` (private: use ``datasets.simulate``).

One seeded, vectorised simulation of the two sample businesses. Every person gets a hidden behaviour
type; the type sets the parameters of every step below, so the type leaves its signature in the data.

Time runs in hours from ``START`` (2024-01-01 00:00). Person-driven times (arrivals, delays between
purchases) are drawn in an "operational" clock whose hours pass faster when the calendar is busy
(evenings, Sundays, late November and December), then mapped to calendar time: that one step gives
every table its weekly and seasonal pattern.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["simulate", "SIZES", "TYPES", "TABLES"]

START = pd.Timestamp("2024-01-01")
END = pd.Timestamp("2026-01-01")
H_END = float((END - START) / pd.Timedelta(hours=1))  # 17544 hours of history
DAY = 24.0

#: contacts per business (shop, service) for each size
SIZES = {"tiny": (300, 300), "small": (4000, 3000), "large": (260_000, 230_000)}
#: share of contacts whose events are kept, per size (events of "large" are thinned)
EVENT_SHARE = {"tiny": 1.0, "small": 1.0, "large": 0.05}

TYPES = ["impulse", "wandering", "need_based", "discount_hunter", "researcher", "dissatisfied", "loyal"]
IMP, WAN, NEED, HUNT, RES, DIS, LOY = range(7)
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
CATEGORIES = ["bed", "accessory", "pet_care", "plan", "add_on"]
TABLES = [
    "products", "contacts", "events", "orders", "promotions", "subscriptions", "tickets", "reviews",
    "referrals", "marketing_spend", "true_types",
]

# ---------------------------------------------------------------------------------------------
# Catalogue and promotions
# ---------------------------------------------------------------------------------------------
PRODUCTS = [
    # product_id, business, name, category, partner, price
    ("B01", "shop", "Cloud Donut Bed S", "bed", False, 59.0),
    ("B02", "shop", "Cloud Donut Bed M", "bed", False, 79.0),
    ("B03", "shop", "Cloud Donut Bed L", "bed", False, 99.0),
    ("B04", "shop", "Nordic Oak Frame Bed", "bed", False, 249.0),
    ("B05", "shop", "Velvet Bolster Bed", "bed", False, 129.0),
    ("B06", "shop", "Orthopaedic Memory Foam Bed", "bed", False, 179.0),
    ("B07", "shop", "Hooded Cave Bed", "bed", False, 89.0),
    ("B08", "shop", "Travel Roll-Up Bed", "bed", False, 49.0),
    ("A01", "shop", "Fleece Throw", "accessory", False, 24.0),
    ("A02", "shop", "Spare Washable Cover", "accessory", False, 34.0),
    ("A03", "shop", "Waterproof Liner", "accessory", False, 19.0),
    ("A04", "shop", "Bolster Cushion Insert", "accessory", False, 29.0),
    ("C01", "shop", "Oat Shampoo (partner)", "pet_care", True, 12.0),
    ("C02", "shop", "Deshedding Brush (partner)", "pet_care", True, 18.0),
    ("C03", "shop", "Dental Chews (partner)", "pet_care", True, 9.0),
    ("C04", "shop", "Paw Balm (partner)", "pet_care", True, 11.0),
    ("C05", "shop", "Calming Spray (partner)", "pet_care", True, 16.0),
    ("C06", "shop", "Grooming Wipes (partner)", "pet_care", True, 7.0),
    ("PL1", "service", "Basic Care Plan", "plan", False, 19.0),
    ("PL2", "service", "Standard Care Plan", "plan", False, 35.0),
    ("PL3", "service", "Premium Care Plan", "plan", False, 59.0),
    ("AD1", "service", "Home Grooming Visit", "add_on", False, 35.0),
    ("AD2", "service", "Vet Video Call", "add_on", False, 29.0),
    ("AD3", "service", "Dental Care Kit", "add_on", False, 15.0),
    ("AD4", "service", "Travel Care Pack", "add_on", False, 22.0),
]

PROMOTIONS = [
    # name, business, first day, last day, discount
    ("Spring Sale 2024", "shop", "2024-03-15", "2024-03-24", 0.15),
    ("Summer Sale 2024", "shop", "2024-07-05", "2024-07-21", 0.20),
    ("Black Friday 2024", "shop", "2024-11-29", "2024-12-02", 0.25),
    ("Christmas 2024", "shop", "2024-12-09", "2024-12-15", 0.10),
    ("Spring Sale 2025", "shop", "2025-03-14", "2025-03-23", 0.15),
    ("Summer Sale 2025", "shop", "2025-07-04", "2025-07-20", 0.20),
    ("Black Friday 2025", "shop", "2025-11-28", "2025-12-01", 0.25),
    ("Christmas 2025", "shop", "2025-12-08", "2025-12-14", 0.10),
    ("New Year Offer 2024", "service", "2024-01-02", "2024-01-14", 0.50),
    ("Summer Offer 2024", "service", "2024-06-14", "2024-06-30", 0.30),
    ("Black Friday 2024", "service", "2024-11-29", "2024-12-02", 0.40),
    ("New Year Offer 2025", "service", "2025-01-02", "2025-01-14", 0.50),
    ("Summer Offer 2025", "service", "2025-06-13", "2025-06-29", 0.30),
    ("Black Friday 2025", "service", "2025-11-28", "2025-12-01", 0.40),
]
PROMOTION_NAMES = sorted({p[0] for p in PROMOTIONS})
#: the welcome email series (nurture) started on this day; buyers before it got none
WELCOME_LAUNCH = pd.Timestamp("2024-07-01")
#: codes typed at checkout outside promotions: newsletter code, second-purchase code (welcome emails)
SHOP_CODES = {"NEWS10": 0.10, "SECOND15": 0.15}
SERVICE_CODES = {"PAWS20": 0.20}

# ---------------------------------------------------------------------------------------------
# Behaviour of each true type (index by type: impulse, wandering, need_based, discount_hunter,
# researcher, dissatisfied, loyal)
# ---------------------------------------------------------------------------------------------
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
# checkout: chat outcome probabilities and the chance to abandon after each outcome (none first)
CHAT_OUTCOME_P = A([0.55, 0.25, 0.20])
ABANDON = A([0.12, 0.10, 0.40, 0.65])  # no chat, answered_fast, answered_slow, unanswered
RETRY = 0.35


# ---------------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------------
def _within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., c-1 for each group of a flattened array with the given group sizes."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def _choice_rows(rng, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a probability matrix."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(probs))[:, None]
    return (u > cum).sum(axis=1)


def _group_min(groups: np.ndarray, values: np.ndarray, n: int, empty: float = np.nan) -> np.ndarray:
    """Smallest value per group 0..n-1 (``empty`` for groups without values); a fast ``np.minimum.at``."""
    out = np.full(n, empty, dtype=float)
    if len(groups):
        order = np.lexsort((values, groups))
        g = groups[order]
        first = np.concatenate([[True], g[1:] != g[:-1]])
        out[g[first]] = values[order][first]
    return out


def _ids(prefix: str, n: int, width: int = 5) -> pd.Series:
    width = max(width, len(str(n)))
    return prefix + pd.Series(np.arange(1, n + 1)).astype("string").str.zfill(width)


def _to_datetime(hours: np.ndarray) -> np.ndarray:
    """Hours from START -> datetime64[us], rounded to the second (NaN -> NaT)."""
    hours = np.asarray(hours, dtype=float)
    secs = np.round(hours * 3600.0)
    out = np.full(len(hours), np.datetime64("NaT"), dtype="datetime64[us]")
    ok = ~np.isnan(secs)
    out[ok] = np.datetime64(START, "us") + (secs[ok].astype(np.int64) * 1_000_000).astype("timedelta64[us]")
    return out


def _hours(ts) -> float:
    return float((pd.Timestamp(ts) - START) / pd.Timedelta(hours=1))


class _Clock:
    """Maps operational hours to calendar hours through the calendar's busyness."""

    def __init__(self, promo_windows):
        grid = np.arange(-120 * DAY, H_END + 500 * DAY, 1.0)
        when = START + pd.to_timedelta(grid, unit="h")
        doy = when.day_of_year.to_numpy()
        month = when.month.to_numpy()
        season = 1.0 + 0.6 * np.exp(-(((doy - 338) / 14.0) ** 2)) + 0.12 * np.isin(month, [3, 4, 5]) - 0.15 * (month == 8)
        weekday = np.array([1.05, 1.0, 0.95, 0.95, 0.88, 1.0, 1.2])[when.day_of_week.to_numpy()]
        hour = np.array([0.3, 0.15, 0.1, 0.1, 0.1, 0.15, 0.35, 0.7, 0.9, 1.0, 1.1, 1.2,
                         1.3, 1.2, 1.1, 1.1, 1.2, 1.3, 1.5, 1.8, 1.9, 1.7, 1.2, 0.7])[when.hour.to_numpy()]
        growth = 1.0 + 0.3 * np.clip(grid / H_END, 0, 1)
        promo = np.ones_like(grid)
        for a, b in promo_windows:
            promo[(grid >= a) & (grid < b)] = 1.5
        rate = season * weekday * hour * growth * promo
        inside = (grid >= 0) & (grid < H_END)
        rate = rate / rate[inside].mean()
        cum = np.concatenate([[0.0], np.cumsum(rate[:-1])])
        cum -= np.interp(0.0, grid, cum)
        self.grid, self.cum = grid, cum

    def to_calendar(self, op):
        return np.interp(op, self.cum, self.grid)

    def to_op(self, cal):
        return np.interp(cal, self.grid, self.cum)


# ---------------------------------------------------------------------------------------------
# One business
# ---------------------------------------------------------------------------------------------
class _Business:
    def __init__(self, rng, business: str, n: int, event_share: float):
        self.rng, self.business, self.n = rng, business, n
        self.is_shop = business == "shop"
        self.prefix = "S" if self.is_shop else "V"
        cat = [p for p in PRODUCTS if p[1] == business]
        self.prod_ids = np.array([p[0] for p in cat])
        self.prod_cat = np.array([p[3] for p in cat])
        self.prod_price = np.array([p[5] for p in cat])
        promos = [p for p in PROMOTIONS if p[1] == business]
        self.promo_names = [p[0] for p in promos]
        self.promo_a = np.array([_hours(p[2]) for p in promos])
        self.promo_b = np.array([_hours(p[3]) + DAY for p in promos])
        self.promo_disc = np.array([p[4] for p in promos])
        self.clock = _Clock(list(zip(self.promo_a, self.promo_b)) if self.is_shop else [])
        self.event_share = event_share

    # --- people -------------------------------------------------------------------------------
    def people(self):
        rng, n = self.rng, self.n
        self.ty = rng.choice(7, size=n, p=TYPE_MIX[self.business])
        self.channel = _choice_rows(rng, CHANNEL_GIVEN_TYPE[self.ty])
        self.t0 = np.sort(self.clock.to_calendar(rng.random(n) * H_END))  # first visit, calendar hours
        self.t0 = self.t0[rng.permutation(n)]
        self.optin = rng.random(n) < P_OPTIN[self.ty]
        self.keep_events = rng.random(n) < self.event_share
        self.p_notice = rng.beta(24 * 0.235, 24 * 0.765, size=n)

    # --- purchases ----------------------------------------------------------------------------
    def _first_delay(self):
        """Hours (operational) from first visit to first purchase."""
        rng, ty, n = self.rng, self.ty, self.n
        d = np.empty(n)
        same_visit = np.zeros(n, bool)
        for t, (p_same, mean_days, shape) in {
            IMP: (0.70, 1.0, 1.0), WAN: (0.05, 45, 1.0), NEED: (0.40, 2.0, 1.0), HUNT: (0.10, 10, 1.0),
            RES: (0.0, 28, 2.5), DIS: (0.25, 6, 1.0), LOY: (0.25, 10, 1.0),
        }.items():
            m = ty == t
            k = int(m.sum())
            same = rng.random(k) < p_same
            d[m] = np.where(same, 0.0, rng.gamma(shape, mean_days * DAY / shape, size=k) + 2.0)
            same_visit[m] = same
        return d, same_visit

    def _snap_to_promo(self, cal, who_snaps):
        """Move chosen calendar times into the next promotion window (if one starts before the end)."""
        rng = self.rng
        idx = np.searchsorted(self.promo_b, cal)
        ok = who_snaps & (idx < len(self.promo_a))
        i = idx[ok]
        start = np.maximum(self.promo_a[i], cal[ok])
        out = cal.copy()
        out[ok] = start + rng.random(ok.sum()) * (self.promo_b[i] - start)
        return out

    def purchases(self):
        """Intended purchase times for every buyer: first, second (nurture), later, Christmas gifts."""
        rng, ty, n = self.rng, self.ty, self.n
        buys = rng.random(n) < P_BUY[self.business][ty]
        d1, same_visit = self._first_delay()
        op0 = self.clock.to_op(self.t0)
        f_op = op0 + d1
        f_cal = self.clock.to_calendar(f_op)
        f_cal = np.where(same_visit, self.t0 + 0.05 + rng.random(n) * 0.3, f_cal)
        hunt = (ty == HUNT) & (rng.random(n) < 0.8)
        f_cal = self._snap_to_promo(f_cal, hunt & buys)
        buys &= f_cal < H_END
        self.buys, self.same_visit = buys, same_visit & buys
        self.first_cal = np.where(buys, f_cal, np.nan)

        # welcome series: opted-in buyers after the launch get three emails; opening one nurtures
        launch = _hours(WELCOME_LAUNCH)
        self.welcomed = buys & self.optin & (f_cal >= launch)
        opens = rng.random((n, 3)) < OPEN_WELCOME[ty][:, None]
        opens &= self.welcomed[:, None]
        self.welcome_opens = opens
        self.nurtured = opens[:, :2].any(axis=1)  # opened the day-1 or day-7 email

        self.own_interval = np.exp(rng.normal(np.log(INTERVAL_DAYS[ty] * DAY), 0.3))
        return buys

    def shop_order_times(self):
        rng, ty, n = self.rng, self.ty, self.n
        buys = self.buys
        p2 = np.minimum(P2_BASE[ty] * np.where(self.nurtured, P2_NURTURE[ty], 1.0), 0.95)
        second = buys & (rng.random(n) < p2)
        f_op = self.clock.to_op(np.where(buys, self.first_cal, 0.0))
        gap2 = np.where(ty == LOY, np.minimum(self.own_interval, 45 * DAY) * rng.lognormal(0, 0.25, n),
                        rng.gamma(3.0, 10 * DAY, n))
        s_op = f_op + gap2
        more = np.where(second, np.minimum(rng.geometric(STOP_AFTER[ty]) - 1, 40), 0)
        who = np.repeat(np.arange(n), more)
        k = _within(more)
        jitter = np.where(ty[who] == LOY, rng.lognormal(0, 0.15, len(who)),
                          rng.exponential(1.0, len(who)))
        gaps = self.own_interval[who] * jitter
        csum = np.cumsum(gaps)
        base = np.repeat(np.cumsum(np.bincount(who, weights=gaps, minlength=n)) - np.bincount(who, weights=gaps, minlength=n), more) if len(who) else np.zeros(0)
        later_op = s_op[who] + (csum - base)
        # Christmas gifts from existing customers
        gift_who, gift_t = [], []
        for year in (2024, 2025):
            a, b = _hours(f"{year}-11-22"), _hours(f"{year}-12-21")
            g = buys & (self.first_cal < a - 7 * DAY) & (rng.random(n) < P_GIFT[ty])
            gift_who.append(np.flatnonzero(g))
            gift_t.append(a + rng.random(g.sum()) * (b - a))
        person = np.concatenate([np.flatnonzero(buys), np.flatnonzero(second), who] + gift_who)
        cal = np.concatenate([
            self.first_cal[buys], self.clock.to_calendar(s_op[second]), self.clock.to_calendar(later_op),
        ] + gift_t)
        seq = np.concatenate([np.zeros(buys.sum()), np.ones(second.sum()), 2 + k] + [np.full(len(g), 50) for g in gift_who])
        # discount hunters move most later purchases into promotions
        snap = (ty[person] == HUNT) & (seq > 0) & (rng.random(len(person)) < 0.75)
        cal = self._snap_to_promo(cal, snap)
        keep = cal < H_END
        return person[keep], cal[keep], seq[keep] == 0

    # --- checkout, with support at purchase ---------------------------------------------------
    def checkout(self, person, cal):
        """Each intended purchase goes through up to two checkout attempts; returns attempts and outcome."""
        rng = self.rng
        m = len(person)
        attempts = []
        done = np.zeros(m, bool)
        alive = np.ones(m, bool)
        t = cal.copy()
        for attempt in range(2):
            idx = np.flatnonzero(alive)
            chat = np.where(rng.random(len(idx)) < P_CHAT[self.ty[person[idx]]],
                            rng.choice(3, size=len(idx), p=CHAT_OUTCOME_P), -1)
            abandon = rng.random(len(idx)) < ABANDON[chat + 1]
            attempts.append((idx, t[idx].copy(), chat, ~abandon))
            done[idx[~abandon]] = True
            retry = abandon & (rng.random(len(idx)) < RETRY)
            alive[:] = False
            alive[idx[retry]] = True
            t[idx[retry]] += 1.0 + rng.random(retry.sum()) * 71.0
            cal = np.where(done, cal, t)
        completed_time = np.where(done, cal, np.nan)
        return attempts, done, completed_time

    # --- run ----------------------------------------------------------------------------------
    def run(self):
        rng = self.rng
        self.people()
        self.purchases()
        if self.is_shop:
            person, cal, is_first = self.shop_order_times()
        else:
            person = np.flatnonzero(self.buys)
            cal = self.first_cal[person]
            is_first = np.ones(len(person), bool)
        attempts, done, cal_done = self.checkout(person, cal)
        ok_time = cal_done < H_END
        done &= ok_time
        # a person whose first purchase was abandoned for good is not a customer
        lost_first = np.zeros(self.n, bool)
        lost_first[person[is_first & ~done]] = True
        done &= ~lost_first[person]
        self.customer = np.zeros(self.n, bool)
        self.customer[person[done]] = True
        self.attempts = attempts
        self.intent_person = person
        self.intent_done = done
        order_person = person[done]
        order_cal = cal_done[done]
        o = np.lexsort((order_cal, order_person))
        self.o_person, self.o_cal = order_person[o], order_cal[o]
        self.o_intent = np.flatnonzero(done)[o]
        if self.is_shop:
            self.shop_orders()
        else:
            self.service_orders()
        self.tickets_and_reviews()
        self.sessions()
        self.build_events()
        return self

    # --- shop orders --------------------------------------------------------------------------
    def _promo_at(self, cal):
        idx = np.searchsorted(self.promo_b, cal, side="right")
        inside = (idx < len(self.promo_a))
        inside[inside] = cal[inside] >= self.promo_a[idx[inside]]
        return np.where(inside, idx, -1)

    def shop_orders(self):
        rng = self.rng
        person, cal = self.o_person, self.o_cal
        m = len(person)
        ty = self.ty[person]
        rank = _within(np.bincount(person, minlength=self.n)[np.unique(person)]) if m else np.zeros(0, int)
        self.o_rank = rank
        is_bed_cat = self.prod_cat == "bed"
        beds = np.flatnonzero(is_bed_cat)
        acc = np.flatnonzero(self.prod_cat == "accessory")
        care = np.flatnonzero(self.prod_cat == "pet_care")
        bed_w = np.array([0.16, 0.2, 0.16, 0.05, 0.1, 0.09, 0.14, 0.1])
        # first line: mostly a bed on a first order, a mix later
        u = rng.random(m)
        first_kind = np.where(rank == 0, np.where(u < 0.85, 0, np.where(u < 0.93, 1, 2)),
                              np.where(u < 0.35, 0, np.where(u < 0.65, 1, 2)))
        line_prod = [np.where(first_kind == 0, beds[rng.choice(len(beds), m, p=bed_w)],
                              np.where(first_kind == 1, acc[rng.integers(0, len(acc), m)], care[rng.integers(0, len(care), m)]))]
        line_order = [np.arange(m)]
        # partner products bought alongside beds; accessories with beds
        with_bed = first_kind == 0
        n_care = np.where(with_bed, rng.binomial(2, 0.3, m), rng.binomial(1, 0.25, m))
        oi = np.repeat(np.arange(m), n_care)
        line_prod.append(care[rng.integers(0, len(care), len(oi))])
        line_order.append(oi)
        add_acc = with_bed & (rng.random(m) < 0.2)
        line_prod.append(acc[rng.integers(0, len(acc), add_acc.sum())])
        line_order.append(np.flatnonzero(add_acc))
        lp, lo = np.concatenate(line_prod), np.concatenate(line_order)
        s = np.lexsort((lp, lo))
        lp, lo = lp[s], lo[s]
        dup = np.concatenate([[False], (lo[1:] == lo[:-1]) & (lp[1:] == lp[:-1])])
        lp, lo = lp[~dup], lo[~dup]
        qty = np.where(self.prod_cat[lp] == "pet_care", 1 + rng.binomial(2, 0.25, len(lp)), 1)
        # discounts: automatic promotion price, otherwise a typed code
        promo = self._promo_at(cal)
        code = np.full(m, -1)
        no_promo = promo < 0
        uses = no_promo & (rng.random(m) < P_CODE[ty])
        second_code = no_promo & (rank == 1) & self.nurtured[person] & (rng.random(m) < 0.4)
        code[uses] = 0
        code[second_code] = 1
        disc_codes = np.array(list(SHOP_CODES.values()))
        order_disc = np.where(promo >= 0, self.promo_disc[np.maximum(promo, 0)],
                              np.where(code >= 0, disc_codes[np.maximum(code, 0)], 0.0))
        ret = rng.random(len(lp)) < P_RETURN[self.ty[person[lo]]] * np.where(self.prod_cat[lp] == "bed", 1.3, 0.6)
        self.orders_raw = dict(
            order=lo, product=lp, qty=qty, disc=order_disc[lo], promo=promo[lo],
            code=np.array(list(SHOP_CODES) + [""])[code][lo], returned=ret,
        )
        self.o_promo, self.o_code = promo, code

    # --- service subscriptions and charges ----------------------------------------------------
    def service_orders(self):
        rng = self.rng
        person, start = self.o_person, self.o_cal  # one subscription start per customer
        self.o_intent_first = self.o_intent
        m = len(person)
        ty = self.ty[person]
        hazard = HAZARD[ty] * np.where(self.nurtured[person], np.where(ty == NEED, 0.4, 0.8), 1.0)
        months = rng.geometric(np.minimum(hazard, 0.99))  # charges before cancelling
        plan = _choice_rows(rng, PLAN_P[ty])
        self._first_plan_prod = np.flatnonzero(self.prod_cat == "plan")[plan]
        # win-back: cancelled customers may come back after a win-back email
        start_ts = pd.DatetimeIndex(_to_datetime(start))
        chains = [(np.arange(m), start, months, plan)]
        end1 = self._add_months(start, months)
        cancelled = end1 < H_END
        wb_sent = cancelled & self.optin[person]
        wb_open = wb_sent & (rng.random(m) < OPEN_NEWS[ty] + 0.15)
        back = cancelled & (rng.random(m) < np.where(wb_open, 0.22, 0.06)) & (ty != WAN)
        back_start = end1 + (45 + rng.random(m) * 150) * DAY
        back &= back_start < H_END
        self.winback = (person[wb_sent], end1[wb_sent] + 30 * DAY, wb_open[wb_sent])
        idx2 = np.flatnonzero(back)
        months2 = rng.geometric(np.minimum(hazard[idx2] * 1.2, 0.99))
        chains.append((idx2, back_start[idx2], months2, plan[idx2]))
        del start_ts

        sub_rows = []
        charge_person, charge_cal, charge_plan, charge_first, charge_promo, charge_code = [], [], [], [], [], []
        for c, (who, st, mo, pl) in enumerate(chains):
            pid = person[who]
            tyc = self.ty[pid]
            change = (mo >= 2) & (rng.random(len(who)) < P_CHANGE[tyc])
            at = np.where(change, 1 + (rng.random(len(who)) * (mo - 1)).astype(int), mo)
            down = rng.random(len(who)) < P_DOWN[tyc]
            new_plan = np.where(down, np.maximum(pl - 1, 0), np.minimum(pl + 1, 2))
            change &= new_plan != pl
            at = np.where(change, at, mo)
            # charges: month k uses the first plan before `at`, the second after
            k = _within(mo)
            rep = np.repeat(np.arange(len(who)), mo)
            t_k = self._add_months(st[rep], k)
            ok = t_k < H_END
            cp = np.where(k < at[rep], pl[rep], new_plan[rep])
            first = k == 0
            promo = np.where(first, self._promo_at(t_k), -1) if c == 0 else np.full(len(k), -1)
            code = np.where(first & (promo < 0) & (rng.random(len(k)) < P_CODE[self.ty[pid[rep]]]), 0, -1)
            charge_person.append(pid[rep][ok]); charge_cal.append(t_k[ok]); charge_plan.append(cp[ok])
            charge_first.append(first[ok] & (c == 0)); charge_promo.append(promo[ok]); charge_code.append(code[ok])
            # subscription periods
            end_a = self._add_months(st, at)
            end_b = self._add_months(st, mo)
            reason_a = np.where(change, np.where(new_plan < pl, 1, 0), 2)  # upgrade, downgrade, cancelled
            sub_rows.append((pid, pl, st, end_a, reason_a))
            sub_rows.append((pid[change], new_plan[change], end_a[change], end_b[change], np.full(change.sum(), 2)))
        sp = np.concatenate([r[0] for r in sub_rows])
        spl = np.concatenate([r[1] for r in sub_rows])
        sst = np.concatenate([r[2] for r in sub_rows])
        sen = np.concatenate([r[3] for r in sub_rows])
        srs = np.concatenate([r[4] for r in sub_rows])
        running = sen >= H_END
        keep = sst < H_END
        o = np.lexsort((sst[keep], sp[keep]))
        self.subs = dict(person=sp[keep][o], plan=spl[keep][o], start=sst[keep][o],
                         end=np.where(running, np.nan, sen)[keep][o], reason=np.where(running, -1, srs)[keep][o])

        cp = np.concatenate(charge_person)
        cc = np.concatenate(charge_cal)
        o = np.lexsort((cc, cp))
        cp, cc = cp[o], cc[o]
        cpl = np.concatenate(charge_plan)[o]
        cfirst = np.concatenate(charge_first)[o]
        cpromo = np.concatenate(charge_promo)[o]
        ccode = np.concatenate(charge_code)[o]
        self.o_person, self.o_cal = cp, cc
        self.o_first = cfirst
        self.o_promo, self.o_code = cpromo, ccode
        self.o_rank = _within(np.bincount(cp, minlength=self.n)[np.unique(cp)])
        mm = len(cp)
        plan_prod = np.flatnonzero(self.prod_cat == "plan")
        addons = np.flatnonzero(self.prod_cat == "add_on")
        has_addon = rng.random(mm) < P_ADDON[self.ty[cp]]
        lo = np.concatenate([np.arange(mm), np.flatnonzero(has_addon)])
        lp = np.concatenate([plan_prod[cpl], addons[rng.integers(0, len(addons), has_addon.sum())]])
        s = np.lexsort((lp, lo))
        lo, lp = lo[s], lp[s]
        is_plan = self.prod_cat[lp] == "plan"
        disc = np.where(cpromo >= 0, self.promo_disc[np.maximum(cpromo, 0)],
                        np.where(ccode >= 0, list(SERVICE_CODES.values())[0], 0.0))
        line_disc = np.where(is_plan, disc[lo], 0.0)
        self.orders_raw = dict(
            order=lo, product=lp, qty=np.ones(len(lp), int), disc=line_disc,
            promo=np.where(is_plan, cpromo[lo], -1),
            code=np.where(is_plan & (ccode[lo] >= 0), list(SERVICE_CODES)[0], ""), returned=np.zeros(len(lp), bool),
        )

    @staticmethod
    def _add_months(cal, months):
        """Calendar hours plus whole months (same day of month, clipped to the month's length)."""
        cal = np.asarray(cal, float)
        months = np.asarray(months, np.int64)
        d = _to_datetime(cal)
        day = d.astype("datetime64[D]")
        mon = d.astype("datetime64[M]")
        tod = (d - day.astype("datetime64[us]")).astype(np.int64) / 3.6e9
        dom = (day - mon.astype("datetime64[D]")).astype(np.int64)
        new_m = mon + months.astype("timedelta64[M]")
        length = ((new_m + np.timedelta64(1, "M")).astype("datetime64[D]") - new_m.astype("datetime64[D]")).astype(np.int64)
        new_d = new_m.astype("datetime64[D]") + np.minimum(dom, length - 1).astype("timedelta64[D]")
        return (new_d - np.datetime64(START, "D")).astype(np.int64) * DAY + tod

    # --- support tickets and reviews ----------------------------------------------------------
    def tickets_and_reviews(self):
        rng = self.rng
        person, cal = self.o_person, self.o_cal
        m = len(person)
        ty = self.ty[person]
        if self.is_shop:
            p = P_TICKET_ORDER[ty]
            has = rng.random(m) < p
            dis = ty[has] == DIS
            topic = np.where(dis, rng.choice([0, 1, 5], size=has.sum(), p=[0.35, 0.3, 0.35]),
                             rng.choice([2, 3, 1, 0, 4], size=has.sum(), p=[0.3, 0.3, 0.2, 0.12, 0.08]))
            opened = cal[has] + (2 + rng.random(has.sum()) * 8) * DAY
        else:
            first_charge = self.o_first
            p = P_TICKET_MONTH[ty] + 0.04 * first_charge
            has = rng.random(m) < p
            dis = ty[has] == DIS
            topic = np.where(dis, rng.choice([5, 4, 6], size=has.sum(), p=[0.5, 0.3, 0.2]),
                             rng.choice([3, 4, 6, 5], size=has.sum(), p=[0.5, 0.3, 0.1, 0.1]))
            opened = cal[has] + (1 + rng.random(has.sum()) * 20) * DAY
        resp = rng.lognormal(np.log(5.0), 0.9, has.sum())
        sat_given = rng.random(has.sum()) < 0.6
        base = np.where(dis, 2.0, 4.0) - 0.5 * (resp > 24)
        sat = np.clip(np.round(base + rng.normal(0, 0.8, has.sum())), 1, 5)
        keep = opened < H_END
        order_idx = np.flatnonzero(has)
        self.tickets = dict(person=person[has][keep], opened=opened[keep], topic=topic[keep],
                            order=order_idx[keep], resp=resp[keep],
                            sat=np.where(sat_given, sat, np.nan)[keep])
        # reviews: shop reviews an order's first line product; service reviews its plan once
        if self.is_shop:
            cand = np.ones(m, bool)
        else:
            cand = self.o_rank == 1  # after the second month
        rv = cand & (rng.random(m) < P_REVIEW[ty] * (1.0 if self.is_shop else 1.5))
        rating = 1 + _choice_rows(rng, RATING_P[ty[rv]])
        created = cal[rv] + (5 + rng.random(rv.sum()) * 15) * DAY
        replied = rng.random(rv.sum()) < np.where(rating <= 2, 0.8, 0.5)
        reply_h = np.where(replied, rng.lognormal(np.log(18.0), 1.0, rv.sum()), np.nan)
        first_line = np.searchsorted(self.orders_raw["order"], np.flatnonzero(rv))
        keep = created < H_END
        self.reviews = dict(person=person[rv][keep], order=np.flatnonzero(rv)[keep],
                            product=self.orders_raw["product"][first_line][keep],
                            created=created[keep], rating=rating[keep], reply=reply_h[keep])

    # --- visits -------------------------------------------------------------------------------
    def sessions(self):
        """Every visit: before buying, each checkout attempt, and browsing afterwards."""
        rng, ty, n = self.rng, self.ty, self.n
        S = {k: [] for k in ("person", "start", "end", "kind", "attempt_intent", "chat", "done")}

        def add(person, start=None, end=None, kind=0, intent=None, chat=None, done=None):
            k = len(person)
            S["person"].append(person)
            S["start"].append(np.full(k, np.nan) if start is None else start)
            S["end"].append(np.full(k, np.nan) if end is None else end)
            S["kind"].append(np.full(k, kind))
            S["attempt_intent"].append(np.full(k, -1) if intent is None else intent)
            S["chat"].append(np.full(k, -2) if chat is None else chat)
            S["done"].append(np.zeros(k, bool) if done is None else done)

        cust = self.customer
        first_cal = np.where(cust, np.nan, np.nan)
        # first purchase actually completed, per customer
        first_cal = _group_min(self.intent_person[self.intent_done], self._done_time(), n)
        # the first visit: its own session unless the first purchase happened in it
        first_is_order = cust & self.same_visit & (np.abs(first_cal - self.first_cal) < 1.0)
        add(np.flatnonzero(~first_is_order), start=self.t0[~first_is_order], kind=1)
        # visits between the first visit and the first purchase
        keen = rng.gamma(2.0, 0.5, n)  # how much browsing this person does, around the type's mean
        n_pre = np.where(cust, rng.poisson(PRE_VISITS_BUYER[ty] * keen), rng.poisson(VISITS_NONBUYER[ty] * keen))
        n_pre = np.where(first_is_order, 0, n_pre)
        who = np.repeat(np.arange(n), n_pre)
        span = np.where(cust, first_cal - self.t0, rng.exponential(np.where(ty == WAN, 150, 40) * DAY, n))
        span = np.maximum(span, 0.5)
        add(who, start=self.t0[who] + rng.random(len(who)) * span[who] * 0.98, kind=0)
        # browsing after the first purchase
        life = np.where(cust, np.maximum(H_END - np.nan_to_num(first_cal, nan=H_END), 0) / (365 * DAY), 0)
        n_post = rng.poisson(POST_VISITS_YEAR[ty] * life)
        who = np.repeat(np.arange(n), n_post)
        add(who, start=first_cal[who] + rng.random(len(who)) * (H_END - first_cal[who]), kind=0)
        # checkout attempts (each its own visit); the attempt time is the end of the visit
        for idx, t, chat, ok in self.attempts:
            p = self.intent_person[idx]
            good = (t < H_END) & ((~ok) | self.intent_done[idx])
            add(p[good], end=t[good], kind=2, intent=idx[good], chat=chat[good], done=ok[good])
        # service renewals are automatic and leave no visit
        for k in S:
            S[k] = np.concatenate(S[k])
        m = len(S["person"])
        sty = ty[S["person"]]
        n_pv = 1 + rng.poisson(PV_MEAN[sty])
        page_s = rng.exponential(1.0, m) * 0 + PAGE_SECONDS[sty]
        dur = n_pv * page_s * rng.lognormal(0, 0.35, m) + 15
        is_att = S["kind"] == 2
        dur = np.where(is_att, dur + 120, dur)
        start = np.where(is_att, S["end"] - dur / 3600.0, S["start"])
        # the first-visit session of a same-visit buyer is the purchase attempt itself
        first_visit = S["kind"] == 1
        src = rng.choice(len(SOURCES), size=m, p=[0.25, 0.1, 0.15, 0.12, 0.02, 0.0, 0.36, 0.0])
        src = np.where(~self.optin[S["person"]] & (src == 3), 6, src)
        src = np.where(first_visit, CHANNEL_TO_SOURCE[self.channel[S["person"]]], src)
        # a same-visit first purchase arrives through the person's channel
        earliest = _group_min(S["person"], start, n, np.inf)
        is_earliest = start <= earliest[S["person"]]
        src = np.where(is_att & is_earliest, CHANNEL_TO_SOURCE[self.channel[S["person"]]], src)
        # impulse buyers come back through an ad or a social post
        imp_att = is_att & (sty == IMP) & ~is_earliest
        src = np.where(imp_att, np.where(rng.random(m) < 0.5, 1, 2), src)
        hunt_att = is_att & (sty == HUNT) & ~is_earliest & self.optin[S["person"]] & (rng.random(m) < 0.5)
        src = np.where(hunt_att, 3, src)
        o = np.lexsort((start, S["person"]))
        self.sess = {k: v[o] for k, v in S.items()}
        self.sess.update(start=start[o], dur=dur[o], n_pv=n_pv[o], src=src[o])
        self.sess["keep"] = (self.sess["start"] < H_END) & (self.sess["start"] > -DAY * 400)
        # the visit source of each completed order
        att_done = is_att[o] & self.sess["done"]
        intent_src = np.full(len(self.intent_person), 6)
        intent_src[self.sess["attempt_intent"][att_done]] = self.sess["src"][att_done]
        order_src = intent_src[self.o_intent] if self.is_shop else None
        if self.is_shop:
            self.o_channel = order_src
        else:
            # first charge through the visit, renewals are automatic
            first_src = np.full(n, 6)
            first_src[self.intent_person[self.o_intent_first]] = intent_src[self.o_intent_first]
            self.o_channel = np.where(self.o_rank == 0, first_src[self.o_person], ORDER_CHANNELS.index("subscription"))

    def _done_time(self):
        """Completion time of every completed intended purchase (in intent order)."""
        t = np.full(len(self.intent_person), np.nan)
        for idx, tt, chat, ok in self.attempts:
            t[idx[ok]] = np.where(np.isnan(t[idx[ok]]), tt[ok], t[idx[ok]])
        return t[self.intent_done]

    # --- events -------------------------------------------------------------------------------
    def build_events(self):
        rng, ty, n = self.rng, self.ty, self.n
        keep_p = self.keep_events
        E = {k: [] for k in ("person", "t", "session", "event", "source", "page", "product", "dur", "noticed", "detail")}

        def add(person, t, event, session=None, source=None, page=None, product=None, dur=None, noticed=None, detail=None):
            k = len(person)
            E["person"].append(person)
            E["t"].append(t)
            E["event"].append(np.full(k, EV[event]))
            E["session"].append(np.full(k, -1) if session is None else session)
            E["source"].append(np.full(k, -1) if source is None else source)
            E["page"].append(np.full(k, -1) if page is None else page)
            E["product"].append(np.full(k, -1) if product is None else product)
            E["dur"].append(np.full(k, np.nan) if dur is None else dur)
            E["noticed"].append(np.full(k, -1) if noticed is None else noticed)
            E["detail"].append(np.full(k, -1) if detail is None else detail)

        # ---- ad impressions before the first visit: about 7 noticed for ads and social people
        ch = self.channel
        need = np.select(
            [np.isin(ch, [1, 2]), ch == 0, np.isin(ch, [3, 4])],
            [np.where(ty == IMP, 2 + rng.poisson(3.0, n), 3 + rng.poisson(5.0, n)), rng.poisson(0.8, n), rng.poisson(0.5, n)],
            rng.poisson(1.0, n),
        )
        need = np.where(keep_p, need, 0)
        missed = np.where(need > 0, rng.negative_binomial(np.maximum(need, 1), self.p_notice), rng.poisson(1.0, n))
        missed = np.where(keep_p, missed, 0)
        total = need + missed
        who = np.repeat(np.arange(n), total)
        k = _within(total)
        # noticed: the last impression (it brought the visit) plus need-1 of the others, at random
        key = rng.random(len(who))
        last = k == total[who] - 1
        key[last] = -1.0
        order = np.lexsort((key, who))
        rank = np.empty(len(who), np.int64)
        rank[order] = _within(total)
        noticed = rank < need[who]
        window = np.minimum(40 * DAY, self.t0 - (-60 * DAY))
        paid = np.isin(ch[who], [1, 2])
        last &= paid  # an ads or social person arrives by clicking the last message
        t = np.where(last, self.t0[who] - (2 + rng.random(len(who)) * 25) / 60.0,
                     self.t0[who] - 1.0 - rng.random(len(who)) * window[who])
        # the last one comes from the channel (ads or social); the others from either
        src = np.where(last & (ch[who] == 1), 1, np.where(last & (ch[who] == 2), 2, np.where(rng.random(len(who)) < 0.5, 1, 2)))
        add(who, t, "ad_impression", source=src, noticed=noticed.astype(int))
        # retargeting and brand impressions after the first visit
        n_after = np.where(keep_p, rng.poisson(6.0, n), 0)
        who = np.repeat(np.arange(n), n_after)
        t = self.t0[who] + rng.random(len(who)) * 120 * DAY
        add(who, t, "ad_impression", source=np.where(rng.random(len(who)) < 0.5, 1, 2),
            noticed=(rng.random(len(who)) < self.p_notice[who]).astype(int))

        # ---- sessions
        S = self.sess
        sel = S["keep"] & keep_p[S["person"]]
        sid = np.arange(1, len(S["person"]) + 1)
        sp, st, sdur, snpv = S["person"][sel], S["start"][sel], S["dur"][sel], S["n_pv"][sel]
        ssrc, skind, schat, sid = S["src"][sel], S["kind"][sel], S["chat"][sel], sid[sel]
        sintent = S["attempt_intent"][sel]
        add(sp, st, "visit", session=sid, source=ssrc, dur=sdur)
        # a later visit from an ad or a social post starts with a click on a noticed message
        first_s = np.concatenate([[True], sp[1:] != sp[:-1]]) if len(sp) else np.zeros(0, bool)
        click = np.isin(ssrc, [1, 2]) & ~first_s
        add(sp[click], st[click] - (1 + rng.random(click.sum()) * 19) / 60.0, "ad_impression",
            source=ssrc[click], noticed=np.ones(click.sum(), int))
        # page views spread over the visit
        pv_who = np.repeat(np.arange(len(sp)), snpv)
        j = _within(snpv)
        frac = (j + rng.random(len(j)) * 0.8) / (snpv[pv_who] + 1)
        pty = ty[sp[pv_who]]
        page_p = np.tile([0.25, 0.45, 0.05, 0.08, 0.07, 0.05, 0.05], (7, 1))
        page_p[RES] = [0.08, 0.30, 0.22, 0.22, 0.10, 0.03, 0.05]
        page_p[WAN] = [0.20, 0.30, 0.03, 0.07, 0.05, 0.30, 0.05]
        page_p[HUNT] = [0.25, 0.40, 0.03, 0.05, 0.05, 0.04, 0.18]
        if not self.is_shop:  # no sizing guide for a service: plan comparison instead
            page_p[:, 6] += page_p[:, 2]
            page_p[:, 2] = 0.0
        # some researchers read reviews and watch videos but skip the sizing guide
        person_p = page_p[ty].copy()
        skip = (ty == RES) & (rng.random(n) < 0.2)
        person_p[skip, 3] += person_p[skip, 2]
        person_p[skip, 2] = 0.01
        page = _choice_rows(rng, person_p[sp[pv_who]])
        prod = np.where(page == 1, rng.integers(0, len(self.prod_ids), len(page)), -1)
        add(sp[pv_who], st[pv_who] + frac * sdur[pv_who] / 3600.0, "page_view", session=sid[pv_who], page=page, product=prod)
        # videos
        n_vid = rng.poisson(VIDEO_RATE[ty[sp]])
        vw = np.repeat(np.arange(len(sp)), n_vid)
        add(sp[vw], st[vw] + rng.random(len(vw)) * sdur[vw] / 3600.0, "video_view", session=sid[vw],
            product=rng.integers(0, len(self.prod_ids), len(vw)))
        # sign-ups: opted-in people sign up in their first visit; researchers prefer the lead magnet
        su = first_s & self.optin[sp]
        lead = rng.random(len(sp)) < np.where(ty[sp] == RES, 0.6, 0.2)
        mid = st + 0.5 * sdur / 3600.0
        add(sp[su & ~lead], mid[su & ~lead], "newsletter_signup", session=sid[su & ~lead])
        add(sp[su & lead], mid[su & lead], "lead_magnet_signup", session=sid[su & lead])
        # cart, checkout and chat
        att = skind == 2
        end = st + sdur / 3600.0
        if self.is_shop:
            first_line = np.searchsorted(self.orders_raw["order"], np.arange(len(self.o_person)))
            intent_prod = np.full(len(self.intent_person), -1)
            intent_prod[self.o_intent] = self.orders_raw["product"][first_line]
        else:
            intent_prod = np.full(len(self.intent_person), -1)
            plans = np.flatnonzero(self.prod_cat == "plan")
            intent_prod[self.o_intent_first] = self._first_plan_prod
        cart_prod = np.where(att, intent_prod[np.maximum(sintent, 0)], -1)
        cart_prod = np.where(att & (cart_prod < 0), rng.integers(0, len(self.prod_ids), len(sp)), cart_prod)
        browse_cart = (skind != 2) & (rng.random(len(sp)) < np.where(ty[sp] == WAN, 0.12, 0.04))
        c = att | browse_cart
        cart_prod = np.where(browse_cart, rng.integers(0, len(self.prod_ids), len(sp)), cart_prod)
        add(sp[c], end[c] - 100 / 3600, "add_to_cart", session=sid[c], product=cart_prod[c])
        add(sp[att], end[att] - 70 / 3600, "checkout_start", session=sid[att])
        ch_ = att & (schat >= 0)
        add(sp[ch_], end[ch_] - 50 / 3600, "chat_request", session=sid[ch_], detail=schat[ch_])
        # social engagement outside visits
        n_soc = np.where(keep_p, rng.poisson(SOCIAL_RATE[ty]), 0)
        sw = np.repeat(np.arange(n), n_soc)
        kind = np.where(ty[sw] == LOY, rng.choice(4, len(sw), p=[0.3, 0.2, 0.35, 0.15]), rng.choice(4, len(sw), p=[0.6, 0.25, 0.05, 0.1]))
        add(sw, self.t0[sw] + rng.random(len(sw)) * (H_END - self.t0[sw]), "social_engagement", detail=10 + kind)
        # email: newsletters (monthly), promotions, welcome series, win-back
        self._emails(add)
        for k in E:
            E[k] = np.concatenate(E[k])
        ok = (E["t"] < H_END) & (E["t"] >= 0)
        self.events_raw = {k: v[ok] for k, v in E.items()}

    def _emails(self, add):
        rng, ty, n = self.rng, self.ty, self.n
        keep = self.keep_events & self.optin
        # the opt-in happens in the first visit
        months = np.arange(24)
        sends = np.array([_hours(START + pd.DateOffset(months=int(mo), days=2)) + 10 for mo in months])
        promos = np.concatenate([self.promo_a - 2 * DAY + 9, self.promo_a + 9])
        for times, kind, open_p in ((sends, 1, OPEN_NEWS), (promos, 0, OPEN_PROMO)):
            p_idx = np.flatnonzero(keep)
            got = self.t0[p_idx][:, None] < times[None, :]
            opened = got & (rng.random(got.shape) < open_p[ty[p_idx]][:, None])
            pi, ti = np.nonzero(opened)
            who = p_idx[pi]
            t = times[ti] + rng.exponential(6.0, len(pi))
            add(who, t, "email_open", detail=np.full(len(who), kind))
            clicked = rng.random(len(who)) < np.where(kind == 0, np.where(ty[who] == HUNT, 0.5, 0.2), 0.15)
            add(who[clicked], t[clicked] + 0.05, "email_click", detail=np.full(clicked.sum(), kind))
        # welcome series: day 1, 7 and 20 after the first purchase
        fw = np.flatnonzero(self.welcome_opens.any(axis=1) & self.keep_events)
        for j, d in enumerate((1, 7, 20)):
            w = fw[self.welcome_opens[fw, j]]
            t = self.first_cal[w] + d * DAY + rng.exponential(8.0, len(w))
            add(w, t, "email_open", detail=np.full(len(w), 2))
        if not self.is_shop:
            wp, wt, wo = self.winback
            sel = wo & self.keep_events[wp]
            add(wp[sel], wt[sel] + rng.exponential(8.0, sel.sum()), "email_open", detail=np.full(sel.sum(), 3))


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------
def _cat(values, categories) -> pd.Categorical:
    return pd.Categorical(values, categories=categories)


def _biz(business: str, n: int) -> pd.Categorical:
    """A categorical column holding one business name n times."""
    return pd.Categorical.from_codes(np.full(n, ["shop", "service"].index(business)), categories=["shop", "service"])


def _codes_to_cat(codes, categories) -> pd.Categorical:
    codes = np.asarray(codes, dtype=np.int64)
    return pd.Categorical.from_codes(np.where(codes < 0, -1, codes), categories=categories)


def _str_or_na(values, mask) -> pd.Series:
    out = pd.Series(values, dtype="string")
    out[~np.asarray(mask, bool)] = pd.NA
    return out


def _masked(values, keep, dtype):
    """A nullable pandas array with missing values where ``keep`` is False."""
    arr = pd.array(values, dtype=dtype)
    arr[~np.asarray(keep, bool)] = pd.NA
    return arr


def _tables(b: _Business) -> dict[str, pd.DataFrame]:
    rng = b.rng
    biz = b.business
    n = b.n
    cid = _ids(f"{b.prefix}-", n).to_numpy()
    out = {}
    out["contacts"] = pd.DataFrame({
        "contact_id": pd.array(cid, dtype="string"),
        "business": _biz(biz, n),
        "first_seen": _to_datetime(b.t0),
        "channel": _codes_to_cat(b.channel, CHANNELS),
        "email_opt_in": b.optin,
    })
    out["true_types"] = pd.DataFrame({
        "contact_id": pd.array(cid, dtype="string"),
        "business": _biz(biz, n),
        "true_type": _codes_to_cat(b.ty, TYPES),
    })

    # orders
    r = b.orders_raw
    m = len(b.o_person)
    number = np.empty(m, np.int64)  # order numbers follow the calendar
    number[np.argsort(b.o_cal, kind="stable")] = np.arange(m)
    oid = _ids(f"{b.prefix}O", m, 6).to_numpy()[number]
    lo, lp = r["order"], r["product"]
    price = b.prod_price[lp]
    amount = np.round(r["qty"] * price * (1 - r["disc"]), 2)
    promo_names = np.array(b.promo_names + [None], dtype=object)
    out["orders"] = pd.DataFrame({
        "order_id": pd.array(oid[lo], dtype="string"),
        "contact_id": pd.array(cid[b.o_person[lo]], dtype="string"),
        "business": _biz(biz, len(lo)),
        "order_date": _to_datetime(b.o_cal[lo]),
        "product_id": pd.array(b.prod_ids[lp], dtype="string"),
        "quantity": r["qty"].astype("int64"),
        "unit_price": price.astype("float64"),
        "discount": np.round(r["disc"], 4).astype("float64"),
        "amount": amount,
        "promotion": pd.Categorical(promo_names[r["promo"]], categories=PROMOTION_NAMES),
        "discount_code": _str_or_na(r["code"], r["code"] != ""),
        "channel": _codes_to_cat(b.o_channel[lo], ORDER_CHANNELS),
        "returned": r["returned"].astype(bool),
    })
    out["orders"] = out["orders"].iloc[np.lexsort((np.arange(len(lo)), number[lo]))].reset_index(drop=True)

    # subscriptions
    if not b.is_shop:
        s = b.subs
        k = len(s["person"])
        plan_price = b.prod_price[b.prod_cat == "plan"]
        out["subscriptions"] = pd.DataFrame({
            "subscription_id": pd.array(_ids("SUB", k, 6).to_numpy(), dtype="string"),
            "contact_id": pd.array(cid[s["person"]], dtype="string"),
            "business": _biz(biz, k),
            "plan": _codes_to_cat(s["plan"], PLANS),
            "monthly_price": plan_price[s["plan"]].astype("float64"),
            "start_date": _to_datetime(s["start"]),
            "end_date": _to_datetime(s["end"]),
            "end_reason": _codes_to_cat(s["reason"], ["upgrade", "downgrade", "cancelled"]),
        })

    t = b.tickets
    k = len(t["person"])
    out["tickets"] = pd.DataFrame({
        "ticket_id": pd.array(_ids(f"{b.prefix}T", k).to_numpy(), dtype="string"),
        "contact_id": pd.array(cid[t["person"]], dtype="string"),
        "business": _biz(biz, k),
        "opened_at": _to_datetime(t["opened"]),
        "topic": _codes_to_cat(t["topic"], SHOP_TOPICS),
        "order_id": pd.array(oid[t["order"]], dtype="string"),
        "first_response_hours": np.round(t["resp"], 2).astype("float64"),
        "satisfaction": _masked(np.nan_to_num(t["sat"]).astype("int64"), ~np.isnan(t["sat"]), "Int64"),
    })

    v = b.reviews
    k = len(v["person"])
    out["reviews"] = pd.DataFrame({
        "review_id": pd.array(_ids(f"{b.prefix}R", k).to_numpy(), dtype="string"),
        "contact_id": pd.array(cid[v["person"]], dtype="string"),
        "business": _biz(biz, k),
        "product_id": pd.array(b.prod_ids[v["product"]], dtype="string"),
        "order_id": pd.array(oid[v["order"]], dtype="string"),
        "created_at": _to_datetime(v["created"]),
        "rating": v["rating"].astype("int64"),
        "reply_hours": _masked(np.round(np.nan_to_num(v["reply"]), 2), ~np.isnan(v["reply"]), "Float64"),
    })

    # events
    e = b.events_raw
    o = np.lexsort((e["event"], e["t"]))
    e = {key: val[o] for key, val in e.items()}
    ev = e["event"]
    detail = np.full(len(ev), None, dtype=object)
    chat = ev == EV["chat_request"]
    detail[chat] = np.array(CHAT, dtype=object)[e["detail"][chat]]
    soc = ev == EV["social_engagement"]
    detail[soc] = np.array(SOCIAL_KINDS, dtype=object)[e["detail"][soc] - 10]
    em = np.isin(ev, [EV["email_open"], EV["email_click"]])
    detail[em] = np.array(EMAIL_KINDS, dtype=object)[e["detail"][em]]
    out["events"] = pd.DataFrame({
        "contact_id": pd.array(cid[e["person"]], dtype="string"),
        "business": _biz(biz, len(ev)),
        "timestamp": _to_datetime(e["t"]),
        "session_id": _masked(e["session"].astype("int64"), e["session"] >= 0, "Int64"),
        "event": _codes_to_cat(ev, EVENTS),
        "source": _codes_to_cat(e["source"], SOURCES),
        "page": _codes_to_cat(e["page"], PAGES),
        "product_id": _str_or_na(np.where(e["product"] >= 0, b.prod_ids[np.maximum(e["product"], 0)], ""), e["product"] >= 0),
        "duration_s": _masked(np.round(np.nan_to_num(e["dur"]), 1), ~np.isnan(e["dur"]), "Float64"),
        "noticed": _masked(e["noticed"] == 1, e["noticed"] >= 0, "boolean"),
        "detail": pd.Series(detail, dtype="string"),
    })
    out["_first_order"] = b
    return out


def _referrals(b: _Business) -> pd.DataFrame:
    """Give every referral-channel contact a referrer among earlier customers (loyal ones by far the most)."""
    rng = b.rng
    first = _group_min(b.o_person, np.round(b.o_cal * 3600) / 3600, b.n, np.inf)
    cust_idx = np.flatnonzero(np.isfinite(first))
    o = np.argsort(first[cust_idx], kind="stable")
    cust_idx = cust_idx[o]
    cust_first = first[cust_idx]
    w = REFERRAL_WEIGHT[b.ty[cust_idx]] * rng.lognormal(0, 0.5, len(cust_idx))
    cumw = np.cumsum(w)
    referred = np.flatnonzero(b.channel == CHANNELS.index("referral"))
    seen = np.round(b.t0[referred] * 3600) / 3600
    cutoff = np.searchsorted(cust_first, seen - DAY)
    ok = cutoff > 0
    pick = np.searchsorted(cumw, rng.random(len(referred)) * np.where(ok, cumw[np.maximum(cutoff - 1, 0)], 0), side="right")
    pick = np.minimum(pick, np.maximum(cutoff - 1, 0))
    referred_ok, referrer = referred[ok], cust_idx[pick[ok]]
    # with nobody to recommend them yet, early "referrals" were plain word of mouth
    b.channel[referred[~ok]] = CHANNELS.index("word_of_mouth")
    k = len(referred_ok)
    created = b.t0[referred_ok]
    o = np.argsort(created, kind="stable")
    cid = _ids(f"{b.prefix}-", b.n).to_numpy()
    return pd.DataFrame({
        "referral_id": pd.array(_ids(f"{b.prefix}F", k).to_numpy(), dtype="string"),
        "business": _biz(b.business, k),
        "referrer_id": pd.array(cid[referrer][o], dtype="string"),
        "referred_id": pd.array(cid[referred_ok][o], dtype="string"),
        "created_at": _to_datetime(created[o]),
    })


# EUR per new contact of a paid channel, and per opted-in contact (email) or existing customer per month
ACQ_COST = {"shop": {"ads": 25.0, "social": 20.0, "search": 14.0, "partner_email": 9.0, "referral": 21.0},
            "service": {"ads": 36.0, "social": 28.0, "search": 20.0, "partner_email": 12.0, "referral": 30.0}}
RET_COST = {"shop": {"email": 0.04, "loyalty": 0.20, "retargeting": 0.08},
            "service": {"email": 0.8, "loyalty": 2.4, "retargeting": 0.6}}


def _month_index(hours: np.ndarray) -> np.ndarray:
    """0 for January 2024 ... 23 for December 2025."""
    months = _to_datetime(hours).astype("datetime64[M]")
    return (months - np.datetime64("2024-01", "M")).astype(np.int64)


def _marketing_spend(b: _Business) -> pd.DataFrame:
    """Monthly spend: acquisition paid per new contact of a paid channel; retention per existing customer."""
    rng = b.rng
    n_months = 24
    month = _month_index(b.t0)
    first = _group_min(b.o_person, b.o_cal, b.n, np.inf)
    buyers = np.isfinite(first)
    customers = np.cumsum(np.bincount(_month_index(first[buyers]), minlength=n_months)[:n_months])
    customers_before = np.concatenate([[0], customers[:-1]])
    opted_in = np.cumsum(np.bincount(month[b.optin], minlength=n_months)[:n_months])
    chans, purposes, amounts = [], [], []
    for ch, cost in ACQ_COST[b.business].items():
        count = np.bincount(month[b.channel == CHANNELS.index(ch)], minlength=n_months)[:n_months]
        amounts.append(count * cost * rng.lognormal(0, 0.15, n_months))
        chans.append(SPEND_CHANNELS.index(ch)); purposes.append(0)
    for ch, cost in RET_COST[b.business].items():
        base = opted_in if ch == "email" else customers_before
        amounts.append(base * cost * rng.lognormal(0, 0.15, n_months))
        chans.append(SPEND_CHANNELS.index(ch)); purposes.append(1)
    k = len(chans)
    month_start = np.arange(np.datetime64("2024-01", "M"), np.datetime64("2026-01", "M")).astype("datetime64[us]")
    return pd.DataFrame({
        "month": np.tile(month_start, k),
        "business": _biz(b.business, k * n_months),
        "channel": _codes_to_cat(np.repeat(chans, n_months), SPEND_CHANNELS),
        "purpose": _codes_to_cat(np.repeat(purposes, n_months), ["acquisition", "retention"]),
        "amount": np.round(np.concatenate(amounts), 2),
    })


SPEND_CHANNELS = ["ads", "social", "search", "partner_email", "referral", "email", "loyalty", "retargeting"]


def _products() -> pd.DataFrame:
    return pd.DataFrame({
        "product_id": pd.array([p[0] for p in PRODUCTS], dtype="string"),
        "business": _cat([p[1] for p in PRODUCTS], ["shop", "service"]),
        "name": pd.array([p[2] for p in PRODUCTS], dtype="string"),
        "category": _cat([p[3] for p in PRODUCTS], CATEGORIES),
        "partner": np.array([p[4] for p in PRODUCTS], dtype=bool),
        "price": np.array([p[5] for p in PRODUCTS], dtype="float64"),
    })


def _promotions() -> pd.DataFrame:
    return pd.DataFrame({
        "promotion": pd.array([p[0] for p in PROMOTIONS], dtype="string"),
        "business": _cat([p[1] for p in PROMOTIONS], ["shop", "service"]),
        "start": pd.to_datetime([p[2] for p in PROMOTIONS]).astype("datetime64[us]"),
        "end": (pd.to_datetime([p[3] for p in PROMOTIONS]) + pd.Timedelta(hours=23, minutes=59, seconds=59)).astype("datetime64[us]"),
        "discount": np.array([p[4] for p in PROMOTIONS], dtype="float64"),
    })


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack the businesses' parts; every categorical has one fixed category list, so it stays categorical."""
    out = pd.concat(frames, ignore_index=True)
    if not (out.dtypes == frames[0].dtypes).all():
        raise RuntimeError("a column changed dtype when the businesses were stacked")
    return out


def simulate(seed: int = 2024, size: str = "small") -> dict[str, pd.DataFrame]:
    """Simulate both businesses as a dict of DataFrames; see :func:`lifecycle_lib.data.datasets.simulate`.

    >>> tables = simulate(seed=0, size="tiny")
    >>> list(tables) == TABLES
    True
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, not {size!r}")
    rng = np.random.default_rng(seed)
    parts = {t: [] for t in TABLES if t not in ("products", "promotions")}
    for biz, n in zip(("shop", "service"), SIZES[size]):
        b = _Business(rng, biz, n, EVENT_SHARE[size]).run()
        tabs = _tables(b)
        tabs.pop("_first_order")
        before = b.channel.copy()
        ref = _referrals(b)
        tabs["contacts"]["channel"] = _codes_to_cat(b.channel, CHANNELS)
        # early "referrals" with nobody to refer them came by word of mouth: say so everywhere
        changed = tabs["contacts"]["contact_id"][before != b.channel].tolist()
        for table, col in (("events", "source"), ("orders", "channel")):
            frame = tabs[table]
            fix = (frame[col] == "referral").to_numpy().copy()
            fix[fix] = frame["contact_id"][fix].isin(changed).to_numpy()
            frame.loc[fix, col] = "word_of_mouth"
        tabs["referrals"] = ref
        tabs["marketing_spend"] = _marketing_spend(b)
        for k, v in tabs.items():
            parts[k].append(v)
    out = {"products": _products()}
    for t in TABLES:
        if t == "products":
            continue
        if t == "promotions":
            out[t] = _promotions()
        else:
            out[t] = _concat(parts[t])
    # events of both businesses in one timeline (stable: a visit stays before its page views)
    ev = out["events"]
    out["events"] = ev.iloc[np.argsort(ev["timestamp"].to_numpy(), kind="stable")].reset_index(drop=True)
    return {t: out[t] for t in TABLES}
