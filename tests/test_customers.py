"""The tables of the capstone report (lesson 13, `lifecycle report`), checked on frames small enough to work out by hand.

Five customers, as of 1 July 2024 (days since the last order in brackets):

    a  10 Jan bed 20 (SAVE10), 10 Mar toy 30, 20 Jun bed 50 (SAVE10)   3 orders, spend 100   (11)   first via ads
    b  1 Feb toy 40, 25 Jun bed 60                                     2 orders, spend 100    (6)   first via email
    c  15 Jun toy 15 (SAVE10)                                          1 order,  spend 15    (16)   first via ads
    d  5 Jan bed 80                                                    1 order,  spend 80   (178)   first via social
    e  1 Mar balm 10 (SAVE10) and toy 5, one order of two lines        1 order,  spend 15   (122)   no channel

RFM: R ranks the days since the last order (b 6 -> 5, a 11 -> 4, c 16 -> 3, e 122 -> 2, d 178 -> 1),
F the repeat days (a 2 -> 5, b 1 -> 4, the three one-day buyers tie at the lowest rank -> 1), M the
spend (c and e 15 tie at rank 1 -> 1, d 80 rank 3 -> 3, a and b 100 tie at rank 4 -> 4). With five
customers a rank is its score. FM, the mean of F and M rounded half up: a (5 + 4) / 2 = 4.5 -> 5,
b 4, c 1, d (1 + 3) / 2 = 2 and e 1. The R x FM grid makes a Loyal (R4 FM5), b Champions (R5 FM4),
c About to Sleep (R3 FM1), d and e Hibernating (R1 FM2 and R2 FM1).

Relationship stages: a and e active, b returning, c new (first order 16 days ago), d at risk.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lifecycle_lib.analytics import clv, customer_value, customers, frameworks, purchases, rfm, segments
from lifecycle_lib.data.readers import OrdersFile, read_orders
from lifecycle_lib.errors import DataError

AS_OF = pd.Timestamp("2024-07-01")
SEGMENT = {"a": "Loyal", "b": "Champions", "c": "About to Sleep", "d": "Hibernating", "e": "Hibernating"}
STAGE = {"a": "active", "b": "returning", "c": "new", "d": "at_risk", "e": "active"}

#: Requirements small enough for the five customers to get segments (the real ones need 50).
FIVE_ARE_ENOUGH = {"customers who ordered": (3, 3), "customers with two or more orders": (None, 1),
                   "days of order history": (30, 30)}


def shop() -> pd.DataFrame:
    rows = [  # customer, order, date, amount, product, channel, discount code
        ("a", "1", "2024-01-10", 20.0, "bed", "ads", "SAVE10"),
        ("a", "2", "2024-03-10", 30.0, "toy", "ads", None),
        ("a", "3", "2024-06-20", 50.0, "bed", "ads", "SAVE10"),
        ("b", "4", "2024-02-01", 40.0, "toy", "email", None),
        ("b", "5", "2024-06-25", 60.0, "bed", "email", None),
        ("c", "6", "2024-06-15", 15.0, "toy", "ads", "SAVE10"),
        ("d", "7", "2024-01-05", 80.0, "bed", "social", None),
        ("e", "8", "2024-03-01", 10.0, "balm", None, "SAVE10"),
        ("e", "8", "2024-03-01", 5.0, "toy", None, None),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount", "product", "channel",
                                        "discount_code"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    return frame.sort_values("order_date", kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return customers.customer_table(shop(), AS_OF)


def test_overview_counts_customers_orders_and_days():
    about = customers.overview(shop())
    assert (about.customers, about.orders, about.lines) == (5, 8, 9)  # order 8 has two lines
    assert about.revenue == 20 + 30 + 50 + 40 + 60 + 15 + 80 + 10 + 5 == 310
    assert (about.first_order, about.last_order) == (pd.Timestamp("2024-01-05"), pd.Timestamp("2024-06-25"))
    assert about.days == 26 + 29 + 31 + 30 + 31 + 25  # 5 Jan to 25 Jun 2024 = 172
    assert about.optional_columns == ("order_id", "product", "channel", "discount_code")
    assert about.has("product") and not about.has("promotion")
    assert customers.overview(shop().drop(columns="order_id")).orders == 9  # without order ids a line is an order


def test_customer_table_has_one_row_per_customer_with_segment_orders_and_spend(table):
    assert table.index.tolist() == list("abcde") and table.index.name == "customer_id"
    assert table["segment"].astype(str).to_dict() == SEGMENT
    assert table["R"].tolist() == [4, 5, 3, 1, 2] and table["F"].tolist() == [5, 4, 1, 1, 1]
    assert table["M"].tolist() == [4, 4, 1, 3, 1] and table["FM"].tolist() == [5, 4, 1, 2, 1]
    assert table["recency_days"].tolist() == [11, 6, 16, 178, 122] and table["repeat_days"].tolist() == [2, 1, 0, 0, 0]
    assert table["orders"].tolist() == [3, 2, 1, 1, 1]
    assert table["spend"].tolist() == [100.0, 100.0, 15.0, 80.0, 15.0]
    assert table.loc["a", "first_order"] == pd.Timestamp("2024-01-10")
    assert table.loc["a", "last_order"] == pd.Timestamp("2024-06-20")
    assert table["days_since_last"].tolist() == [11, 6, 16, 178, 122]
    assert table["stage"].astype(str).to_dict() == STAGE


def test_the_segment_uses_r_f_and_m():
    """The doctest's three customers: b bought once but spent most, and M lifts them from Hibernating to At Risk.

    As of 21 March: days since the last order a 20, b 40, c 1 -> R 2, 1, 4 (n = 3: score = 1 + floor(5 (rank - 1) / 3));
    repeat days a 1, b 0, c 0 -> F 4, 1, 1; spend a 40, b 60, c 5 -> M 2, 4, 1; FM a 3, b 2.5 -> 3, c 1.
    """
    orders = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "amount": [10.0, 30.0, 60.0, 5.0],
                           "order_date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10", "2024-03-20"])})
    table = customers.customer_table(orders, "2024-03-21")
    assert table[["R", "F", "M", "FM"]].to_numpy().tolist() == [[2, 4, 2, 3], [1, 1, 4, 3], [4, 1, 1, 1]]
    assert table["segment"].astype(str).tolist() == ["At Risk", "At Risk", "Promising"]
    by_rf = rfm.rfm_segments(table[["R", "F"]])["segment"].astype(str).tolist()
    assert by_rf == ["At Risk", "Hibernating", "Promising"]  # by R and F alone b, the biggest spender, hibernates


def test_score_ranges_give_the_values_behind_each_score(table):
    ranges = customers.score_ranges(table)
    assert ranges.index.tolist() == [5, 4, 3, 2, 1]
    assert ranges[("R", "min")].tolist() == [6, 11, 16, 122, 178] == ranges[("R", "max")].tolist()
    f, m = ranges["F"], ranges["M"]
    assert f.loc[5].tolist() == [2, 2] and f.loc[4].tolist() == [1, 1] and f.loc[1].tolist() == [0, 0]
    assert f.loc[[3, 2]].isna().all().all()  # the three one-time buyers tie at F 1: F 2 and 3 are empty
    assert m.loc[4].tolist() == [100, 100] and m.loc[3].tolist() == [80, 80] and m.loc[1].tolist() == [15, 15]
    assert m.loc[[5, 2]].isna().all().all()  # a and b tie at rank 4, c and e at rank 1


def test_customer_table_stages_are_the_relationship_stages_and_their_frameworks(table):
    orders = shop().rename(columns={"customer_id": "contact_id"})[["contact_id", "order_date", "order_id"]]
    expected = segments.relationship_stages({"orders": orders}, observation_period_end=AS_OF)
    assert table["stage"].astype(str).to_dict() == expected["stage"].astype(str).to_dict()
    assert table.loc["c", "stage"] == "new"  # first order 16 days ago
    placed = frameworks.place_contacts(expected, framework="all")
    for key in frameworks.FRAMEWORKS:
        assert table[key].astype(str).to_dict() == placed[key].astype(str).to_dict()


def test_stage_summary_counts_and_shares_in_stage_order():
    stage = pd.Categorical(["lapsed", "new", "active", "new"], categories=segments.RELATIONSHIP_STAGES)
    summary = customers.stage_summary(pd.DataFrame({"stage": stage}))
    assert summary.index.tolist() == ["new", "active", "lapsed"]  # the order of RELATIONSHIP_STAGES, empty ones left out
    assert summary["customers"].tolist() == [2, 1, 1]
    assert summary["share"].tolist() == [0.5, 0.25, 0.25]


def test_segment_summary_adds_up_spend_per_segment(table):
    summary = customers.segment_summary(table)
    assert summary.index.tolist() == ["Champions", "Loyal", "About to Sleep", "Hibernating"]
    assert summary["customers"].tolist() == [1, 1, 1, 2]
    assert summary["revenue"].tolist() == [100.0, 100.0, 15.0, 80.0 + 15.0]
    assert summary["share of revenue"].tolist() == pytest.approx([100 / 310, 100 / 310, 15 / 310, 95 / 310])


def test_framework_summary_counts_every_customer_once_per_framework(table):
    summary = customers.framework_summary(table)
    assert summary.index.names == ["framework", "stage"]
    for fw in frameworks.FRAMEWORKS.values():
        assert summary.loc[fw.name, "customers"].sum() == 5
        assert set(summary.loc[fw.name].index) <= set(fw.keys)


def test_products_by_segment_lists_the_top_products_of_each_segment(table):
    bought = purchases.products_by_segment(shop(), table, top=2)
    assert bought.n_products == 3
    assert bought.overall.to_dict() == {"bed": 20 + 50 + 60 + 80, "toy": 30 + 40 + 15 + 5, "balm": 10}
    assert bought.by_segment["revenue"].to_dict() == {
        ("Champions", "bed"): 60.0, ("Champions", "toy"): 40.0,  # b
        ("Loyal", "bed"): 20.0 + 50.0, ("Loyal", "toy"): 30.0,  # a
        ("About to Sleep", "toy"): 15.0,  # c
        ("Hibernating", "bed"): 80.0, ("Hibernating", "balm"): 10.0,  # d and e; e's toy (5) is third
    }
    assert list(bought.by_segment.index.get_level_values("segment").unique()) == [
        "Champions", "Loyal", "About to Sleep", "Hibernating"]


def test_first_channels_counts_first_orders_and_what_those_customers_spent():
    came = purchases.first_channels(shop())
    assert came["new customers"].to_dict() == {"ads": 2, "email": 1, "social": 1, "unknown": 1}
    assert came.index[0] == "ads" and came.loc["ads", "share"] == 2 / 5
    assert came["revenue from them"].to_dict() == {"ads": 100 + 15, "email": 100, "social": 80, "unknown": 15}


def test_discount_use_by_order_segment_and_hunter(table):
    promo = purchases.discount_use(shop(), table)
    assert promo.share_of_orders == 4 / 8  # orders 1, 3, 6 and 8 of 8
    assert promo.by_segment.to_dict() == pytest.approx(
        {"Loyal": 2 / 3, "About to Sleep": 1.0, "Hibernating": 1 / 3, "Champions": 0.0})  # share of lines
    assert promo.hunters == 2 and promo.hunter_share == 2 / 5  # a (2 of 3 lines) and e (1 of 2); c has one line
    assert promo.by_segment.index.name == "segment"


def test_value_summary_falls_back_to_the_rule_and_says_why(table):
    value = customer_value.value_summary(shop(), table, AS_OF)
    assert value.model == "annual spend x retention" and value.fitted_on is None
    assert value.fallback == "only 2 of 5 customers bought more than once, too few for BG/NBD"  # a and b
    assert value.retention == 2 / 5
    assert value.method == (
        "the rule annual spend x retention (each customer's spend per year since their first order, and a retention "
        "of 40%, the share of customers who bought more than once, as the file covers less than two years and cannot "
        "follow one year's customers into the next), because only 2 of 5 customers bought more than once, too few "
        "for BG/NBD")
    # everyone's first order is less than a year old, so the annual spend is the spend so far (a year at
    # least, never scaled up); then 5 years, kept with probability 0.4 each year
    per_unit_of_spend = 1 + 0.4 + 0.4**2 + 0.4**3 + 0.4**4
    assert value.five_year.to_dict() == pytest.approx(
        {"a": 100 * per_unit_of_spend, "b": 100 * per_unit_of_spend, "c": 15 * per_unit_of_spend,
         "d": 80 * per_unit_of_spend, "e": 15 * per_unit_of_spend})
    assert (value.top_n, value.top_share) == (1, 100 / 310)  # the top 20% is one customer
    by = value.by_segment
    assert by.loc["Hibernating", "customers"] == 2 and by.loc["Hibernating", "spent so far (mean)"] == 47.5
    assert by.loc["Hibernating", "5-year value (total)"] == pytest.approx(95 * per_unit_of_spend)


def test_the_rule_follows_one_years_customers_into_the_next_when_the_file_covers_two_years():
    """x, y and z bought in the year before last; x and y again in the last year, w only then: retention 2/3."""
    orders = pd.DataFrame({
        "customer_id": ["x", "y", "z", "x", "y", "w", "v"],
        "order_date": pd.to_datetime(["2023-02-01", "2023-06-01", "2023-09-01", "2024-03-01", "2024-05-01",
                                      "2024-08-01", "2022-12-01"]),
        "amount": [30.0, 40.0, 50.0, 30.0, 60.0, 20.0, 10.0],
    })
    as_of = "2025-01-01"  # the last year is 2024-01-02 to 2024-12-31, the year before last from 2023-01-02
    value = customer_value.value_summary(orders, customers.customer_table(orders, as_of), as_of)
    assert value.model == "annual spend x retention"
    assert value.retention == pytest.approx(2 / 3)  # v's order of 2022 is older than both years
    assert "the share of the 3 customers of the year before last who bought again in the last year" in value.method
    # spend per year since each customer's first order: x 60 over 700 days, w 20 over 153 days (a year at least)
    x_years = (pd.Timestamp(as_of) - pd.Timestamp("2023-02-01")).days / 365.25
    later_years = 1 + 2 / 3 + (2 / 3) ** 2 + (2 / 3) ** 3 + (2 / 3) ** 4
    assert value.five_year["x"] == pytest.approx(60 / x_years * later_years)
    assert value.five_year["w"] == pytest.approx(20 * later_years)


def repeat_buyers(n: int = 150, seed: int = 3) -> pd.DataFrame:
    """n customers over a year, most of whom buy again; spend per order as the Gamma-Gamma model has it.

    Each order is Gamma(6, nu) with nu ~ Gamma(3, 15) per customer (p, q, gamma = 6, 3, 15). With few
    orders per customer the fit can run off (seed 0 does); seed 3 recovers about 6.4, 3.1 and 15.6.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        first = rng.integers(0, 200)
        days = np.sort(np.unique(first + rng.integers(0, 365 - first, rng.poisson(3) + 1)))
        nu = rng.gamma(3.0, 1 / 15.0)
        rows += [(f"c{i:03d}", pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(d)), rng.gamma(6.0, 1 / nu))
                 for d in days]
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])


def test_value_summary_fits_the_models_when_enough_customers_buy_again():
    orders = repeat_buyers()
    table = customers.customer_table(orders, "2025-01-01")
    value = customer_value.value_summary(orders, table, "2025-01-01")
    assert value.model == "BG/NBD and Gamma-Gamma" and value.fallback is None and value.method == value.model
    assert value.fitted_on == 150 and value.retention is None
    summary = rfm.rfm_summary(orders, customer_id_col="customer_id", monetary_value_col="amount",
                              observation_period_end="2025-01-01")
    with warnings.catch_warnings():  # the optimiser's trial steps; value_summary silences them the same way
        warnings.simplefilter("ignore", RuntimeWarning)
        bg = clv.BetaGeo().fit(summary)
        gg = clv.GammaGamma().fit(summary[summary["frequency"] > 0])
    expected = clv.five_year_value(summary, bg, gg)["value"]
    assert value.five_year.to_numpy() == pytest.approx(expected.to_numpy(), rel=1e-4)  # same fit, rows shuffled
    sampled = customer_value.value_summary(orders, table, "2025-01-01", fit_sample=100)
    assert sampled.fitted_on == 100 and sampled.method.endswith(", fitted on a random sample of 100 customers")


def test_a_diverging_gamma_gamma_fit_is_replaced_by_the_own_average_and_said(monkeypatch):
    def runaway(self, summary, *args, **kwargs):
        self.params_ = {"p": 1e9, "q": 1.0, "gamma": 1.0}
        return self

    monkeypatch.setattr(clv.GammaGamma, "fit", runaway)
    orders = repeat_buyers()
    value = customer_value.value_summary(orders, customers.customer_table(orders, "2025-01-01"), "2025-01-01")
    assert value.model == "BG/NBD and own average order value"
    assert "Gamma-Gamma fit ran off to extreme parameters" in value.fallback and value.fallback in value.method


def test_a_failing_fit_falls_back_to_the_rule_and_names_the_error(monkeypatch):
    def fails(self, *args, **kwargs):
        raise RuntimeError("the likelihood did not converge")

    monkeypatch.setattr(clv.BetaGeo, "fit", fails)
    orders = repeat_buyers()
    value = customer_value.value_summary(orders, customers.customer_table(orders, "2025-01-01"), "2025-01-01")
    assert value.model == "annual spend x retention"
    assert value.fallback == "the BG/NBD fit failed (the likelihood did not converge)"


def test_priorities_put_the_most_future_value_first(table):
    value = customer_value.value_summary(shop(), table, AS_OF)
    plan = customer_value.priorities(value.by_segment, customers.stage_summary(table))
    # 5-year totals follow spend per segment: Champions 100 and Loyal 100 (a tie), Hibernating 95, About to Sleep 15
    assert plan.by_segment.index.tolist()[2:] == ["Hibernating", "About to Sleep"]
    assert plan.first in ("Champions", "Loyal")
    assert plan.by_segment.loc["Hibernating", "what to do"] == rfm.SEGMENT_TACTICS["Hibernating"]
    assert plan.by_stage.loc["new", "what to do"] == segments.STAGE_TACTICS["new"]
    assert plan.by_stage["customers"].sum() == 5


def test_data_quality_counts_what_was_set_apart():
    raw = pd.DataFrame({"customer": ["ann", "bob", "ann", "bob"], "date": ["2024-01-05", "2024-02-01", "2024-02-03",
                                                                           "2024-03-01"],
                        "amount": [30.0, 60.0, -10.0, 20.0]})
    quality = customers.data_quality(read_orders(raw))
    assert (quality.lines_read, quality.purchase_lines, quality.return_lines) == (4, 3, 1)
    assert quality.returned == 10.0 and quality.returned_share == 10 / (30 + 60 + 20 + 10)
    assert quality.findings.index.tolist() == ["returns, refunds or cancellations (negative amounts)"]
    empty = shop().iloc[0:0]
    nothing = OrdersFile("x.csv", "plain", empty, empty, {}, [], AS_OF, 0)
    assert customers.data_quality(nothing).returned_share == 0.0


def test_one_customer():
    orders = shop()[lambda o: o["customer_id"] == "a"].reset_index(drop=True)
    table = customers.customer_table(orders, AS_OF)
    assert table.index.tolist() == ["a"] and table.loc["a", "segment"] == "Hibernating"  # alone, the lowest rank
    assert customers.stage_summary(table)["share"].tolist() == [1.0]
    value = customer_value.value_summary(orders, table, AS_OF)
    assert value.retention == 0.95  # 1 of 1 bought again, capped at 95%
    assert value.top_n == 1 and value.top_share == 1.0
    assert customer_value.priorities(value.by_segment, customers.stage_summary(table)).first == "Hibernating"


def test_all_one_time_buyers():
    orders = shop().drop_duplicates("customer_id").reset_index(drop=True)  # a 20, b 40, c 15, d 80, e 10
    table = customers.customer_table(orders, AS_OF)
    assert table["F"].tolist() == [1] * 5 and table["orders"].tolist() == [1] * 5
    value = customer_value.value_summary(orders, table, AS_OF)
    assert value.retention == 0.0  # nobody bought again: the 5-year value is one year's spend
    # every first order is less than a year old: a year's spend is what each spent, not scaled up
    assert value.five_year.to_dict() == pytest.approx({"a": 20, "b": 40, "c": 15, "d": 80, "e": 10})
    promo = purchases.discount_use(orders, table)
    assert promo.hunters == 0 and promo.hunter_share == 0.0


def test_without_product_channel_or_discount_columns():
    orders = shop()[["customer_id", "order_date", "amount"]]
    table = customers.customer_table(orders, AS_OF)
    assert customers.overview(orders).optional_columns == ()
    assert customers.segment_summary(table)["revenue"].sum() == 310
    with pytest.raises(DataError, match="column 'product'.*product_col"):
        purchases.products_by_segment(orders, table)
    with pytest.raises(DataError, match="column 'channel'"):
        purchases.first_channels(orders)
    with pytest.raises(DataError, match="column 'discount_code'"):
        purchases.discount_use(orders, table)
    empty_products = orders.assign(product=pd.Series([None] * len(orders), dtype="string"))
    with pytest.raises(DataError, match="no product"):
        purchases.products_by_segment(empty_products, table)


def test_missing_columns_are_named():
    with pytest.raises(DataError, match="column 'amount'.*read_orders"):
        customers.customer_table(shop().drop(columns="amount"), AS_OF)
    with pytest.raises(DataError, match="column 'spend'.*customer_table"):
        customers.segment_summary(pd.DataFrame({"segment": ["New"]}))


def test_no_function_changes_its_input(table):
    orders, before_table = shop(), table.copy()
    kept = orders.copy()
    customers.overview(orders)
    built = customers.customer_table(orders, AS_OF)
    customers.stage_summary(table)
    customers.segment_summary(table)
    customers.framework_summary(table)
    purchases.products_by_segment(orders, table)
    purchases.first_channels(orders)
    purchases.discount_use(orders, table)
    value = customer_value.value_summary(orders, table, AS_OF)
    by_segment, stages = value.by_segment.copy(), customers.stage_summary(table)
    stages_kept = stages.copy()
    customer_value.priorities(value.by_segment, stages)
    customers.score_ranges(table)
    customers.segment_movement(orders, AS_OF)
    listing = customer_value.customer_list(table, value)
    listing_kept = listing.copy()
    customers.top_customers(listing, table, customers.action_plan(table, value.five_year))
    pd.testing.assert_frame_equal(listing, listing_kept)
    pd.testing.assert_frame_equal(orders, kept)
    pd.testing.assert_frame_equal(table, before_table)
    pd.testing.assert_frame_equal(built, before_table)
    pd.testing.assert_frame_equal(value.by_segment, by_segment)
    pd.testing.assert_frame_equal(stages, stages_kept)


def test_a_forecast_that_is_not_finite_never_reaches_the_values(monkeypatch):
    real = clv.five_year_value

    def overflowing(summary, bg, gg, *args, **kwargs):
        out = real(summary, bg, gg, *args, **kwargs)
        out.iloc[0, out.columns.get_loc("value")] = float("inf")
        return out

    monkeypatch.setattr(clv, "five_year_value", overflowing)
    orders = repeat_buyers()
    table = customers.customer_table(orders, "2025-01-01")
    value = customer_value.value_summary(orders, table, "2025-01-01")
    assert np.isfinite(value.five_year.to_numpy()).all()
    assert "no finite 5-year value for 1 customer(s)" in value.fallback and "annual spend x retention" in value.method


def test_segment_movement_since_the_previous_quarter(monkeypatch):
    """The five customers on 1 April (three months before 1 July), scored on the orders placed by then.

    Known then: a (10 Jan, 10 Mar: 50), b (1 Feb: 40), d (5 Jan: 80), e (1 Mar: 15); c had not ordered.
    Days since the last order a 22, b 60, d 87, e 31 -> R 4, 2, 1, 3 (n = 4: score = 1 + floor(5 (rank - 1) / 4));
    repeat days a 1, others 0 -> F 4, 1, 1, 1; spend e 15, b 40, a 50, d 80 -> M e 1, b 2, a 3, d 4;
    FM a 3.5 -> 4, b 1.5 -> 2, d 2.5 -> 3, e 1. So a Loyal (R4 FM4), b Hibernating (R2 FM2), d At Risk
    (R1 FM3), e About to Sleep (R3 FM1). Now (see the module docstring) a Loyal, b Champions, c About to
    Sleep, d and e Hibernating.
    """
    monkeypatch.setattr(customers, "REQUIREMENTS", FIVE_ARE_ENOUGH)
    moved = customers.segment_movement(shop(), AS_OF)
    assert moved.shown and moved.reason is None
    assert moved.earlier == pd.Timestamp("2024-04-01") and moved.now == AS_OF
    counts = moved.counts
    assert counts.index.tolist() == ["Champions", "Loyal", "About to Sleep", "At Risk", "Hibernating"]
    assert counts["then"].tolist() == [0, 1, 1, 1, 1]
    assert counts["stayed"].tolist() == [0, 1, 0, 0, 0]  # only a stayed (Loyal)
    assert counts["now"].tolist() == [1, 1, 1, 0, 2]
    assert counts["change"].tolist() == [1, 0, 0, -1, 1]
    assert moved.flows.to_dict("records") == [  # all of one customer: in the order of the segments moved from
        {"from": "About to Sleep", "to": "Hibernating", "customers": 1},  # e
        {"from": "At Risk", "to": "Hibernating", "customers": 1},  # d
        {"from": "Hibernating", "to": "Champions", "customers": 1},  # b
    ]
    assert moved.new_customers == 1 and moved.moved == 3  # c is new; b, d and e moved
    now = customers.segment_summary(customers.customer_table(shop(), AS_OF))["customers"]
    assert counts["now"][counts["now"] > 0].to_dict() == now.to_dict()  # "now" is section 2's segment table


def test_segment_movement_needs_segments_at_both_dates(monkeypatch):
    few = customers.segment_movement(shop(), AS_OF)  # five customers are too few for segments at all
    assert not few.shown and few.counts is None and few.flows is None
    assert few.reason == "the file has too few customers or too short a history for RFM segments"
    monkeypatch.setattr(customers, "REQUIREMENTS", FIVE_ARE_ENOUGH)
    # as of 20 April the earlier date is 20 January: only d (5 Jan) and a (10 Jan) had ordered, 5 days apart
    early = customers.segment_movement(shop(), "2024-04-20")
    assert not early.shown
    assert early.reason == ("on 20 Jan 2024 the file had 2 customers and 5 days of orders, and RFM segments need at "
                            "least 3 customers and 30 days")
    assert repr(early).startswith("Movement(2024-01-20 to 2024-04-20: not shown, on 20 Jan 2024")
    before_anything = customers.segment_movement(shop(), "2024-03-01")  # 1 December 2023: no order yet
    assert before_anything.reason == "the file has no orders on or before 01 Dec 2023"


def test_the_action_plan_ranks_the_groups_by_the_value_at_stake(table):
    """5-year values by the rule are proportional to spend: Champions (b) 100 and Loyal (a) 100 tie, one
    customer each, so the order of the segments decides; then Hibernating (d 80 + e 15 = 95), About to Sleep 15."""
    value = customer_value.value_summary(shop(), table, AS_OF)
    plan = customers.action_plan(table, value.five_year)
    per_unit_of_spend = 1 + 0.4 + 0.4**2 + 0.4**3 + 0.4**4
    assert plan.table.index.tolist() == ["Champions", "Loyal", "Hibernating", "About to Sleep"]
    assert plan.table["rank"].tolist() == [1, 2, 3, 4] and plan.first == "Champions"
    assert plan.table["customers"].tolist() == [1, 1, 2, 1]
    assert plan.table["value"].to_numpy() == pytest.approx(np.array([100, 100, 95, 15]) * per_unit_of_spend)
    assert plan.table.loc["Hibernating", "value per customer"] == pytest.approx(47.5 * per_unit_of_spend)
    assert plan.table["share of customers"].tolist() == [0.2, 0.2, 0.4, 0.2]
    assert plan.table.loc["Hibernating", "what to do"] == rfm.SEGMENT_TACTICS["Hibernating"]
    assert plan.value == "expected 5-year spend" and "expected 5-year spend of the whole group" in plan.rule
    by_spend = customers.action_plan(table)  # without a forecast: spend so far, the same order here
    assert by_spend.table["value"].tolist() == [100, 100, 95, 15] and by_spend.value == "spend so far"
    stages = customers.action_plan(table, by="stage")  # active a + e 115, returning b 100, at risk d 80, new c 15
    assert stages.table.index.tolist() == ["active", "returning", "at_risk", "new"]
    assert stages.table["value"].tolist() == [115, 100, 80, 15]
    assert stages.table.loc["new", "what to do"] == segments.STAGE_TACTICS["new"]


@pytest.mark.parametrize("groups, expected", [
    # (segment, customers, 5-year value per customer): the right order worked out by hand
    # Hibernating is the largest group but worth least: 10 x 5 = 50 < Champions 3 x 40 = 120
    ([("Hibernating", 10, 5.0), ("Champions", 3, 40.0)], ["Champions", "Hibernating"]),
    # Hibernating 10 x 20 = 200 beats At Risk 2 x 60 = 120: more customers, less each, more in all
    ([("At Risk", 2, 60.0), ("Hibernating", 10, 20.0), ("New", 1, 30.0)], ["Hibernating", "At Risk", "New"]),
    # a tie in value (4 x 25 = 2 x 50 = 100) goes to the larger group
    ([("Champions", 2, 50.0), ("Hibernating", 4, 25.0)], ["Hibernating", "Champions"]),
    # a tie in value and size goes to the segment listed first
    ([("Can't Lose", 2, 10.0), ("Loyal", 2, 10.0)], ["Loyal", "Can't Lose"]),
    # nothing is worth anything: the larger group first
    ([("Promising", 1, 0.0), ("About to Sleep", 3, 0.0)], ["About to Sleep", "Promising"]),
])
def test_the_action_plan_order_worked_out_by_hand(groups, expected):
    names = [name for name, n, _ in groups for _ in range(n)]
    people = pd.DataFrame({"segment": names, "spend": 1.0}, index=[f"c{i}" for i in range(len(names))])
    five = pd.Series([v for _, n, v in groups for _ in range(n)], index=people.index)
    assert customers.action_plan(people, five).table.index.tolist() == expected


def test_no_group_is_ranked_above_one_with_more_customers_and_more_value_each():
    rng = np.random.default_rng(7)
    for _ in range(50):
        names = rng.choice(list(rfm.SEGMENTS), size=int(rng.integers(5, 60)))
        people = pd.DataFrame({"segment": names, "spend": 1.0}, index=[f"c{i}" for i in range(len(names))])
        five = pd.Series(rng.gamma(1.0, 50.0, len(names)).round(-1), index=people.index)
        table = customers.action_plan(people, five).table
        assert table["value"].is_monotonic_decreasing
        rows = table[["customers", "value per customer"]].to_numpy()
        for i, (n_i, v_i) in enumerate(rows):
            for n_j, v_j in rows[i + 1:]:
                assert not (n_j >= n_i and v_j >= v_i and (n_j > n_i or v_j > v_i))


def test_the_action_plan_counts_a_value_that_is_not_a_number_as_none():
    people = pd.DataFrame({"segment": ["Loyal", "Loyal", "New"], "spend": 1.0}, index=list("abc"))
    five = pd.Series([np.inf, 30.0, np.nan], index=people.index)
    table = customers.action_plan(people, five).table
    assert table["value"].tolist() == [30.0, 0.0] and np.isfinite(table["value per customer"]).all()
    with pytest.raises(ValueError, match="'segment' or 'stage'"):
        customers.action_plan(people, by="grid")


def test_top_customers_lists_the_most_valuable_of_every_group(table):
    value = customer_value.value_summary(shop(), table, AS_OF)
    plan = customers.action_plan(table, value.five_year)
    listing = customer_value.customer_list(table, value)
    top = customers.top_customers(listing, table, plan, n=5)
    assert top["group"].tolist() == ["Champions", "Loyal", "Hibernating", "Hibernating", "About to Sleep"]
    assert top["rank"].tolist() == [1, 2, 3, 3, 4]
    assert top["customer_id"].tolist() == ["b", "a", "d", "e", "c"]  # in Hibernating d (80 spent) before e (15)
    assert list(top.columns) == ["rank", "group", *customer_value.CUSTOMER_LIST_COLUMNS]
    one_each = customers.top_customers(listing, table, plan, n=1)
    assert one_each["customer_id"].tolist() == ["b", "a", "d", "c"]
    stages = customers.action_plan(table, by="stage")
    by_stage = customers.top_customers(customer_value.customer_list(table, None, segments=False), table, stages, n=5)
    assert by_stage["group"].tolist() == ["active", "active", "returning", "at_risk", "new"]
    assert by_stage["customer_id"].tolist() == ["a", "e", "b", "d", "c"]
