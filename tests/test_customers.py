"""The tables of the capstone report (lesson 12, `lifecycle report`), checked on frames small enough to work out by hand.

Five customers, as of 1 July 2024 (days since the last order in brackets):

    a  10 Jan bed 20 (SAVE10), 10 Mar toy 30, 20 Jun bed 50 (SAVE10)   3 orders, spend 100   (11)   first via ads
    b  1 Feb toy 40, 25 Jun bed 60                                     2 orders, spend 100    (6)   first via email
    c  15 Jun toy 15 (SAVE10)                                          1 order,  spend 15    (16)   first via ads
    d  5 Jan bed 80                                                    1 order,  spend 80   (178)   first via social
    e  1 Mar balm 10 (SAVE10) and toy 5, one order of two lines        1 order,  spend 15   (122)   no channel

RFM: R ranks the days since the last order (b 5, a 4, c 3, e 2, d 1), F the repeat days (a 2 -> 5,
b 1 -> 4, the three one-day buyers tie at the lowest rank -> 1). The grid makes a Loyal (R4 F5),
b Champions (R5 F4), c About to Sleep (R3 F1), d and e Hibernating (R1 and R2, F1).
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
    assert table["orders"].tolist() == [3, 2, 1, 1, 1]
    assert table["spend"].tolist() == [100.0, 100.0, 15.0, 80.0, 15.0]
    assert table.loc["a", "first_order"] == pd.Timestamp("2024-01-10")
    assert table.loc["a", "last_order"] == pd.Timestamp("2024-06-20")
    assert table["days_since_last"].tolist() == [11, 6, 16, 178, 122]


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
    assert value.method == ("the rule annual spend x retention (40%, the share of customers who bought again), "
                            "because only 2 of 5 customers bought more than once, too few for BG/NBD")
    # annual spend = spend over 172 days scaled to a year; then 5 years kept with probability 0.4 each year
    per_unit_of_spend = 365.25 / 172 * (1 + 0.4 + 0.4**2 + 0.4**3 + 0.4**4)
    assert value.five_year.to_dict() == pytest.approx(
        {"a": 100 * per_unit_of_spend, "b": 100 * per_unit_of_spend, "c": 15 * per_unit_of_spend,
         "d": 80 * per_unit_of_spend, "e": 15 * per_unit_of_spend})
    assert (value.top_n, value.top_share) == (1, 100 / 310)  # the top 20% is one customer
    by = value.by_segment
    assert by.loc["Hibernating", "customers"] == 2 and by.loc["Hibernating", "spent so far (mean)"] == 47.5
    assert by.loc["Hibernating", "5-year value (total)"] == pytest.approx(95 * per_unit_of_spend)


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
    assert value.fallback == "the BG/NBD fit failed (RuntimeError: the likelihood did not converge)"


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
    days = (pd.Timestamp("2024-06-15") - pd.Timestamp("2024-01-05")).days  # c's order is the last one
    assert value.five_year.to_dict() == pytest.approx(
        {k: v * 365.25 / days for k, v in {"a": 20, "b": 40, "c": 15, "d": 80, "e": 10}.items()})
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
