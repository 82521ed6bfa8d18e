"""The simulator: determinism, sizes, and the behaviour each hidden type and each mechanism leaves in the data.

The signature tests read the committed tables (the data the lessons use), so a change to the
simulator that blurs a type or a mechanism fails here before a lesson's conclusion silently changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lifecycle_lib.data import datasets

TYPES = list(datasets.TRUE_TYPES)


@pytest.fixture(scope="module")
def data():
    return datasets.load_all()


def _orders(data, business):
    """One row per order: contact, date, whether it carried a promotion or a code, its channel."""
    lines = data["orders"][data["orders"]["business"] == business]
    lines = lines.assign(deal=lines["discount"] > 0)
    return lines.groupby("order_id", sort=False).agg(
        contact_id=("contact_id", "first"),
        date=("order_date", "first"),
        deal=("deal", "max"),
        channel=("channel", "first"),
    )


def _per_contact(data, business):
    contacts = data["contacts"][data["contacts"]["business"] == business].set_index("contact_id")
    types = data["true_types"].set_index("contact_id")["true_type"]
    events = data["events"][data["events"]["business"] == business]
    orders = _orders(data, business)
    first = orders.groupby("contact_id")["date"].min()
    res = pd.DataFrame(index=contacts.index)
    res["type"] = types.reindex(res.index).astype(str)
    res["buyer"] = res.index.isin(first.index)
    res["orders"] = orders.groupby("contact_id").size().reindex(res.index, fill_value=0)
    visits = events[events["event"] == "visit"]
    res["visits"] = visits.groupby("contact_id").size().reindex(res.index, fill_value=0)
    res["page_views"] = events[events["event"] == "page_view"].groupby("contact_id").size().reindex(res.index, fill_value=0)
    res["visit_minutes"] = (visits.groupby("contact_id")["duration_s"].mean() / 60).reindex(res.index)
    res["deal_share"] = orders.groupby("contact_id")["deal"].mean().reindex(res.index)
    first_at = first.reindex(res.index)
    res["days_to_first"] = (first_at - contacts["first_seen"]).dt.total_seconds() / 86400
    ev = events.join(first.rename("first_order"), on="contact_id")
    before = ev[ev["timestamp"] < ev["first_order"]]
    sizing = before[(before["event"] == "page_view") & (before["page"] == "sizing_guide")]
    res["sizing_before"] = sizing.groupby("contact_id").size().reindex(res.index, fill_value=0)
    last_ad = before[before["event"] == "ad_impression"].groupby("contact_id")["timestamp"].max()
    res["hours_after_ad"] = (first_at - last_ad.reindex(res.index)).dt.total_seconds() / 3600
    tickets = data["tickets"][data["tickets"]["business"] == business]
    res["tickets"] = tickets.groupby("contact_id").size().reindex(res.index, fill_value=0)
    reviews = data["reviews"][data["reviews"]["business"] == business]
    res["rating"] = reviews.groupby("contact_id")["rating"].mean().reindex(res.index)
    refs = data["referrals"][data["referrals"]["business"] == business]
    res["referrals"] = refs.groupby("referrer_id").size().reindex(res.index, fill_value=0)
    lines = data["orders"][data["orders"]["business"] == business]
    res["returns"] = lines.groupby("contact_id")["returned"].mean().reindex(res.index)
    return res


@pytest.fixture(scope="module")
def shop(data):
    return _per_contact(data, "shop")


@pytest.fixture(scope="module")
def service(data):
    return _per_contact(data, "service")


def _by_type(frame, column, buyers_only=True, how="mean"):
    rows = frame[frame["buyer"]] if buyers_only else frame
    return getattr(rows.groupby("type")[column], how)()


def _others(series, kind):
    return series.drop(kind)


# --- determinism and sizes -------------------------------------------------------------------
def test_same_seed_same_tables_and_other_seeds_differ():
    a = datasets.simulate(seed=11, size="tiny")
    b = datasets.simulate(seed=11, size="tiny")
    c = datasets.simulate(seed=12, size="tiny")
    for name in datasets.TABLES:
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["orders"].equals(c["orders"])
    assert not a["true_types"]["true_type"].equals(c["true_types"]["true_type"])


def test_regenerating_small_gives_the_committed_bytes(tmp_path):
    paths = datasets.generate(seed=2024, size="small", out=tmp_path)
    assert [p.name for p in paths] == [f"{t}.parquet" for t in datasets.TABLES]
    for path in paths:
        assert path.read_bytes() == (datasets.DATA_DIR / path.name).read_bytes(), path.name


def test_tiny_size():
    tiny = datasets.simulate(seed=3, size="tiny")
    assert tiny["contacts"]["business"].value_counts().to_dict() == {"shop": 300, "service": 300}
    buyers = tiny["orders"].groupby("business", observed=True)["contact_id"].nunique()
    assert (buyers > 100).all()


def test_unknown_size_is_refused():
    with pytest.raises(ValueError, match="tiny"):
        datasets.simulate(size="medium")


@pytest.mark.slow
def test_large_size_has_100k_customers_and_a_million_orders():
    large = datasets.simulate(seed=1, size="large")
    orders = large["orders"]
    assert orders["contact_id"].nunique() >= 100_000
    assert orders["order_id"].nunique() >= 1_000_000
    # events are kept for a sample of contacts only
    assert large["events"]["contact_id"].nunique() < 0.1 * len(large["contacts"])


# --- every type leaves its signature (shop; service where it applies) ------------------------
def test_every_type_is_present(shop, service):
    for frame in (shop, service):
        shares = frame["type"].value_counts(normalize=True)
        assert set(shares.index) == set(TYPES)
        assert shares.min() > 0.05


def test_discount_hunters_buy_with_deals(shop, service):
    for frame in (shop, service):
        share = _by_type(frame, "deal_share")
        assert share["discount_hunter"] > 2 * _others(share, "discount_hunter").max()
    share = _by_type(shop, "deal_share")
    assert 0.6 < share["discount_hunter"] < 1.0  # noisy: some full-price orders remain


def test_researchers_read_the_sizing_guide_and_take_time(shop):
    sizing = _by_type(shop, "sizing_before")
    assert sizing["researcher"] > 3 * _others(sizing, "researcher").max()
    assert (shop.loc[shop["buyer"] & (shop["type"] == "researcher"), "sizing_before"] == 0).mean() > 0.02
    days = _by_type(shop, "days_to_first", how="median")
    assert days["researcher"] > 14
    returns = _by_type(shop, "returns")
    assert returns["researcher"] < 0.5 * _others(returns, "researcher").median()


def test_wanderers_browse_a_lot_and_rarely_buy(shop, service):
    for frame in (shop, service):
        visits = _by_type(frame, "visits", buyers_only=False)
        buy = _by_type(frame, "buyer", buyers_only=False)
        minutes = _by_type(frame, "visit_minutes", buyers_only=False)
        assert visits.idxmax() == "wandering"
        assert buy.idxmin() == "wandering" and 0 < buy["wandering"] < 0.2
        assert minutes["wandering"] > 2 * minutes[["impulse", "need_based", "discount_hunter", "loyal"]].max()


def test_dissatisfied_complain_rate_low_and_return(shop, service):
    for frame in (shop, service):
        tickets = _by_type(frame, "tickets")
        rating = _by_type(frame, "rating", buyers_only=False)
        assert tickets["dissatisfied"] > 3 * _others(tickets, "dissatisfied").max()
        assert rating.idxmin() == "dissatisfied" and rating["dissatisfied"] < 2.5
    assert _by_type(shop, "returns").idxmax() == "dissatisfied"


def test_loyal_repeat_refer_and_rate_highly(shop, service):
    for frame in (shop, service):
        rows = frame[frame["buyer"]]
        repeat = (rows["orders"] >= 2).groupby(rows["type"]).mean()
        refs = _by_type(frame, "referrals")
        assert repeat.idxmax() == "loyal"
        assert refs["loyal"] > 3 * _others(refs, "loyal").max()
        rating = _by_type(frame, "rating", buyers_only=False)
        assert rating["loyal"] > _others(rating, "loyal").median() + 0.3
    assert _by_type(shop, "orders")["loyal"] > 1.5 * _others(_by_type(shop, "orders"), "loyal").max()


def test_impulse_buy_fastest_after_first_visit_and_an_ad(shop):
    days = _by_type(shop, "days_to_first", how="mean")
    hours = _by_type(shop, "hours_after_ad", how="median")
    assert days.idxmin() == "impulse"
    assert hours.idxmin() == "impulse" and hours["impulse"] < 1
    rows = shop[shop["buyer"]]
    repeat = (rows["orders"] >= 2).groupby(rows["type"]).mean()
    assert repeat["impulse"] < repeat[["discount_hunter", "researcher", "loyal"]].min()


def test_need_based_buy_quickly_then_leave(data, shop):
    days = _by_type(shop, "days_to_first", how="median")
    assert days["need_based"] < 2
    search = data["contacts"].set_index("contact_id")["channel"].reindex(shop.index) == "search"
    assert search[shop["type"] == "need_based"].mean() > 0.5
    rows = shop[shop["buyer"]]
    repeat = (rows["orders"] >= 2).groupby(rows["type"]).mean()
    assert repeat["need_based"] < 0.5 * repeat["loyal"]


def test_no_type_is_perfectly_separable_by_its_signature(shop):
    hunters = shop[shop["buyer"] & (shop["type"] == "discount_hunter")]
    assert (hunters["deal_share"] < 1).any()
    others = shop[shop["buyer"] & (shop["type"] != "discount_hunter")]
    assert (others["deal_share"] == 1).mean() > 0.05
    loyal = shop[shop["buyer"] & (shop["type"] == "loyal")]
    assert (loyal["orders"] == 1).mean() > 0.1


def test_service_dissatisfied_downgrade_and_loyal_stay(data):
    subs = data["subscriptions"].join(data["true_types"].set_index("contact_id")["true_type"], on="contact_id")
    down = subs.groupby("contact_id").agg(t=("true_type", "first"), down=("end_reason", lambda x: (x == "downgrade").any()))
    assert down.groupby("t", observed=True)["down"].mean().idxmax() == "dissatisfied"
    end = subs["end_date"].fillna(datasets.AS_OF)
    subs = subs.assign(months=(end - subs["start_date"]).dt.days / 30.4)
    tenure = subs.groupby(["true_type", "contact_id"], observed=True)["months"].sum().groupby(level=0, observed=True).mean()
    assert tenure.idxmax() in ("loyal", "researcher")
    assert tenure["loyal"] > 2 * tenure["discount_hunter"]


# --- mechanisms behind the sources' claims ---------------------------------------------------
def test_about_seven_noticed_messages_before_an_ads_visit(data):
    events, contacts = data["events"], data["contacts"].set_index("contact_id")
    first_visit = events[events["event"] == "visit"].groupby("contact_id")["timestamp"].min()
    imp = events[events["event"] == "ad_impression"].join(first_visit.rename("first_visit"), on="contact_id")
    before = imp[imp["timestamp"] < imp["first_visit"]]
    noticed = before[before["noticed"].fillna(False)].groupby("contact_id").size().reindex(contacts.index, fill_value=0)
    median = noticed.groupby(contacts["channel"], observed=True).median()
    assert 5 <= median["ads"] <= 9 and 5 <= median["social"] <= 9
    assert median["word_of_mouth"] <= 1 and median["referral"] <= 1
    share = imp["noticed"].mean()
    assert 0.2 < share < 0.3  # about 86 of 362


def test_support_at_purchase_and_abandonment(data):
    events = data["events"]
    checkout = events[events["event"] == "checkout_start"][["contact_id", "session_id", "timestamp"]]
    chat = events[events["event"] == "chat_request"][["session_id", "detail"]]
    checkout = checkout.merge(chat, on="session_id", how="left")
    orders = data["orders"].groupby("order_id").agg(contact_id=("contact_id", "first"), date=("order_date", "first"))
    done = pd.merge_asof(
        checkout.sort_values("timestamp").assign(key=lambda f: f["contact_id"].astype(str)),
        orders.sort_values("date").assign(key=lambda f: f["contact_id"].astype(str))[["key", "date"]],
        left_on="timestamp", right_on="date", by="key", direction="forward", tolerance=pd.Timedelta("10min"),
    )
    assert done["detail"].notna().mean() > 0.4  # a large share of checkouts ask for help
    abandon = 1 - done["date"].notna().groupby(done["detail"].fillna("none")).mean()
    assert abandon["unanswered"] > 2.5 * abandon["answered_fast"]
    assert abandon["answered_slow"] > 2 * abandon["answered_fast"]


def test_second_purchases_cluster_early_and_welcome_emails_help(data):
    orders = _orders(data, "shop").sort_values(["contact_id", "date"])
    k = orders.groupby("contact_id").cumcount()
    first = orders[k == 0].set_index("contact_id")["date"]
    second = orders[k == 1].set_index("contact_id")["date"]
    gap = (second - first.reindex(second.index)).dt.days
    assert gap.median() < 90 and (gap <= 60).mean() > 0.4
    eligible = first[(first >= pd.Timestamp("2024-07-01")) & (first < pd.Timestamp("2025-10-01"))]
    opted = data["contacts"].set_index("contact_id")["email_opt_in"].reindex(eligible.index)
    events = data["events"]
    welcomed = set(events.loc[(events["event"] == "email_open") & (events["detail"] == "welcome"), "contact_id"])
    within = eligible.index.isin(gap[gap <= 60].index)
    opened = eligible.index.isin(list(welcomed))
    assert within[opened].mean() > 1.3 * within[opted.to_numpy() & ~opened].mean()


def test_seasonality_and_promotions(data):
    orders = _orders(data, "shop")
    day = orders["date"].dt.normalize()
    per_day = day.value_counts().reindex(pd.date_range("2024-01-01", "2025-12-31"), fill_value=0)
    peak = per_day[(per_day.index.month == 12) | ((per_day.index.month == 11) & (per_day.index.day >= 20))]
    rest = per_day[(per_day.index.month >= 2) & (per_day.index.month <= 10)]
    assert peak.mean() > 1.5 * rest.mean()
    weekday = per_day.groupby(per_day.index.day_of_week).mean()
    assert weekday[6] > weekday[4]  # Sundays busier than Fridays
    promos = data["promotions"]
    assert set(orders.join(data["orders"].groupby("order_id")["promotion"].first(), how="left")["promotion"].dropna()) <= set(promos["promotion"])


def test_partner_products_sold_alongside_beds(data):
    lines = data["orders"].merge(data["products"][["product_id", "category"]], on="product_id")
    shop = lines[lines["business"] == "shop"]
    kinds = pd.crosstab(shop["order_id"], shop["category"]) > 0
    with_bed = kinds[kinds["bed"]]
    assert 0.2 < with_bed["pet_care"].mean() < 0.8


def test_marketing_spend_follows_what_the_business_did(data):
    """Only unit prices are set by hand: each line of spend moves with the activity it pays for."""
    spend = data["marketing_spend"]
    contacts = data["contacts"]
    for business in datasets.BUSINESSES:
        s = spend[spend["business"] == business]
        c = contacts[contacts["business"] == business]
        arrivals = c.groupby([c["first_seen"].dt.to_period("M"), "channel"], observed=True).size().unstack(fill_value=0)
        for channel in ("ads", "social", "search"):
            rows = s[s["channel"] == channel]
            paid = rows.set_index(rows["month"].dt.to_period("M"))["amount"]
            per_arrival = paid / arrivals[channel].reindex(paid.index)
            # one price per first visit, with a month-to-month spread of about 15%
            assert per_arrival.std() / per_arrival.mean() < 0.3, (business, channel)
        # a referral reward is paid once per referred contact who buys, in the month of the first order
        orders = _orders(data, business)
        first = orders.groupby("contact_id")["date"].min()
        referred = c.loc[c["channel"] == "referral", "contact_id"]
        buyers = first.reindex(referred).dropna()
        reward = s.loc[s["channel"] == "referral", "amount"].sum()
        assert reward == pytest.approx(len(buyers) * (10.0 if business == "shop" else 20.0))
    # the shop's loyalty spend is the discount money on orders of customers who had ordered before
    lines = data["orders"][data["orders"]["business"] == "shop"]
    first_order = lines.sort_values("order_date").drop_duplicates("contact_id")["order_id"]
    repeat = lines[~lines["order_id"].isin(first_order)]
    given = (repeat["quantity"] * repeat["unit_price"] * repeat["discount"]).sum()
    loyalty = spend.loc[(spend["business"] == "shop") & (spend["channel"] == "loyalty"), "amount"].sum()
    assert loyalty == pytest.approx(given, rel=0.01)


def test_service_charges_are_monthly_plan_orders(data):
    service = data["orders"][data["orders"]["business"] == "service"]
    plans = service[service["product_id"].str.startswith("PL")]
    assert (plans.groupby("order_id").size() == 1).all()
    renewals = plans[plans["channel"] == "subscription"]
    assert len(renewals) > 0.6 * len(plans)
    gaps = plans.sort_values("order_date").groupby("contact_id")["order_date"].diff().dt.days.dropna()
    assert gaps.between(28, 31).mean() > 0.9
    assert np.isin(plans["unit_price"], [19.0, 35.0, 59.0]).all()


def _shop_business(seed=3, n=4000):
    from lifecycle_lib.data._simulator.business import Business

    return Business(np.random.default_rng(seed), "shop", n, 1.0).run()


def test_checkout_abandonment_follows_the_wait_and_each_persons_patience():
    """No table of abandonment rates: a longer wait loses more sales, and patient people fewer."""
    b = _shop_business()
    idx, _t, chat, ok = b.attempts[0]
    abandoned = {c: 1 - ok[chat == c].mean() for c in (-1, 0, 1, 2)}
    assert abandoned[-1] < abandoned[1] < abandoned[2]
    assert abandoned[0] < abandoned[1]
    slow = chat == 1
    patience = b.patience[b.intent_person[idx]]
    patient = patience > np.median(patience[slow])
    assert 1 - ok[slow & patient].mean() < 1 - ok[slow & ~patient].mean()


def test_the_chat_is_answered_less_outside_staffed_hours():
    from lifecycle_lib.data._simulator.purchases import chat_wait

    wait = chat_wait(np.random.default_rng(0), np.array([12.0, 2.0] * 2000))
    assert np.isinf(wait[1::2]).mean() > 0.8 > 0.1 > np.isinf(wait[::2]).mean()


def test_a_bad_first_support_experience_lowers_later_buying(monkeypatch):
    """The same people and draws with and without the effect: only the effect differs."""
    from lifecycle_lib.data._simulator import behaviour

    def repeat_share(effect):
        monkeypatch.setitem(behaviour.BAD_SUPPORT, "p2", effect["p2"])
        monkeypatch.setitem(behaviour.BAD_SUPPORT, "stop", effect["stop"])
        b = _shop_business()
        orders = np.bincount(b.o_person, minlength=b.n)
        bad = b.bad_support & b.customer
        return (orders[bad] > 1).mean(), (orders[b.customer & ~bad] > 1).mean(), bad.sum()

    with_effect, others, n_bad = repeat_share({"p2": 0.5, "stop": 0.4})
    without_effect, _, _ = repeat_share({"p2": 1.0, "stop": 0.0})
    assert n_bad > 30
    assert with_effect < without_effect
    assert with_effect < others


def test_service_cancellations_rise_after_a_bad_first_ticket(monkeypatch):
    from lifecycle_lib.data._simulator import behaviour
    from lifecycle_lib.data._simulator.business import Business

    def charges_of_bad(hazard):
        monkeypatch.setitem(behaviour.BAD_SUPPORT, "hazard", hazard)
        b = Business(np.random.default_rng(5), "service", 3000, 1.0).run()
        charges = np.bincount(b.o_person, minlength=b.n)
        return charges[b.bad_support & b.customer].mean()

    assert charges_of_bad(1.8) < charges_of_bad(1.0)


def test_order_values_vary_within_and_between_shop_customers(data):
    """Gamma-Gamma needs both: with one basket per customer its p runs off to the edge."""
    import warnings

    from lifecycle_lib.analytics import rfm
    from lifecycle_lib.analytics.clv import GammaGamma

    lines = data["orders"][data["orders"]["business"] == "shop"]
    per_order = lines.groupby("order_id").agg(
        contact_id=("contact_id", "first"), order_date=("order_date", "first"), amount=("amount", "sum")).reset_index()
    summary = rfm.rfm_summary(per_order, "contact_id", "order_date", monetary_value_col="amount")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GammaGamma().fit(summary[summary["frequency"] > 0])
    assert 0.5 < model.params_["p"] < 50
