"""Reading users' orders files: every unusable input is one DataError naming file, column, rows and
fix; every repair of usable-but-dirty data is listed in ``.quality`` and visible in the result.

Covers the data layer's readers (``lifecycle_lib.data``: contracts, files, parsing, layouts,
readers)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lifecycle_lib.data import readers
from lifecycle_lib.data.contracts import TABLES, validate
from lifecycle_lib.data.files import read_table
from lifecycle_lib.data.layouts import LAYOUT_NAMES, standardise
from lifecycle_lib.data.parsing import parse_amounts, parse_dates
from lifecycle_lib.data.readers import OrdersFile, read_orders
from lifecycle_lib.errors import DataError

DATA = Path(__file__).parent / "data"

GOOD = "customer,date,amount\nann,2024-01-05,10.50\nbob,2024-02-01,20\nann,2024-03-01,7\ncid,2024-03-09,12\n"


def write(tmp_path, text, name="orders.csv", encoding="utf-8"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding=encoding)
    return path


def raises(path, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        read_orders(path, **kwargs)
    return info.value


def assert_names(err: DataError, path, column=None, fix_words=()):
    message = str(err)
    assert str(path) in message and err.file == str(path)
    if column is not None:
        assert err.column == column
        assert repr(column) in message
    assert "Fix:" in message and err.fix
    for word in fix_words:
        assert word in message
    assert "\n" not in message


# ------------------------------------------------------------------------------------------------
# DataError itself
# ------------------------------------------------------------------------------------------------


def test_dataerror_shows_at_most_five_examples_and_counts_the_rest():
    err = DataError("bad", file="f.csv", column="c", rows=list(range(2, 12)), values=list("abcdefghij"), fix="do x")
    text = str(err)
    assert "row 6: 'e'" in text and "row 7" not in text
    assert "and 5 more" in text and "row 1 is the header" in text
    assert isinstance(err, ValueError) and err.rows == list(range(2, 12))


# ------------------------------------------------------------------------------------------------
# Unusable input: one message naming file, column, rows and fix
# ------------------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    err = raises(path)
    assert_names(err, path, fix_words=["path"])
    assert "does not exist" in str(err)


def test_empty_file(tmp_path):
    path = write(tmp_path, "")
    err = raises(path)
    assert_names(err, path, fix_words=["header"])
    assert "empty" in str(err)


def test_header_only(tmp_path):
    path = write(tmp_path, "customer,date,amount\n")
    err = raises(path)
    assert_names(err, path)
    assert "no rows" in str(err) and "'customer'" in str(err)


def test_no_recognisable_customer_column_lists_columns_and_options(tmp_path):
    path = write(tmp_path, "who_bought,date,amount\nann,2024-01-05,10\nbob,2024-02-01,20\n")
    err = raises(path)
    assert_names(err, path, column="customer id", fix_words=["customer_id_col", "--customer-id-col"])
    assert "'who_bought'" in str(err)
    # ... and the option it names makes the file readable
    assert read_orders(path, customer_id_col="who_bought").customers == 2


def test_no_recognisable_amount_column(tmp_path):
    path = write(tmp_path, "customer,date,euros_spent\nann,2024-01-05,10\nbob,2024-02-01,20\n")
    err = raises(path)
    assert_names(err, path, column="amount", fix_words=["monetary_value_col", "--monetary-value-col"])
    assert "'euros_spent'" in str(err)


def test_no_recognisable_date_column(tmp_path):
    path = write(tmp_path, "customer,when,amount\nann,2024-01-05,10\nbob,2024-02-01,20\n")
    err = raises(path)
    assert_names(err, path, column="order date", fix_words=["datetime_col", "--datetime-col"])


def test_option_naming_a_column_that_is_not_there(tmp_path):
    path = write(tmp_path, GOOD)
    err = raises(path, customer_id_col="Customer_Name")
    assert_names(err, path, column="Customer_Name", fix_words=["customer_id_col"])
    assert "'customer'" in str(err)


def test_unparseable_dates_name_rows_and_values(tmp_path):
    path = write(tmp_path, "customer,date,amount\nann,2024-01-05,10\nbob,yesterday,20\ncid,2024-13-45,5\n")
    err = raises(path)
    assert_names(err, path, column="date", fix_words=["YYYY-MM-DD"])
    assert err.rows == [3, 4]
    assert "row 3: 'yesterday'" in str(err)


def test_text_in_amounts_names_rows_and_values(tmp_path):
    path = write(tmp_path, "customer,date,amount\nann,2024-01-05,10\nbob,2024-02-01,twenty\ncid,2024-03-01,n/a\n")
    err = raises(path)
    assert_names(err, path, column="amount", fix_words=["plain numbers"])
    assert err.rows == [3, 4]
    assert "row 3: 'twenty'" in str(err)


def test_a_single_customer(tmp_path):
    path = write(tmp_path, "customer,date,amount\nann,2024-01-05,10\nann,2024-02-01,20\n")
    err = raises(path)
    assert_names(err, path, column="customer", fix_words=["customer_id_col"])
    assert "one customer" in str(err) and "'ann'" in str(err)


def test_all_orders_on_one_day(tmp_path):
    path = write(tmp_path, "customer,date,amount\nann,2024-01-05 10:00,10\nbob,2024-01-05 15:00,20\n")
    err = raises(path)
    assert_names(err, path, column="date", fix_words=["longer period"])
    assert "one day (2024-01-05)" in str(err)


def test_as_of_before_the_first_order(tmp_path):
    path = write(tmp_path, GOOD)
    err = raises(path, observation_period_end="2023-12-31")
    assert_names(err, path, column="date", fix_words=["--observation-period-end", "2024-03-10"])
    assert err.rows == [2]


@pytest.mark.parametrize(
    "content, what",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b'{"orders": [{"customer": "ann"}]}', "JSON"),
        (b"Dear shop owner,\nplease find our orders attached.\nKind regards\n", "one column per line"),
    ],
)
def test_a_file_that_is_not_a_table(tmp_path, content, what):
    path = write(tmp_path, content, name="orders.csv")
    err = raises(path)
    assert_names(err, path, fix_words=["CSV"] if what != "one column" else ["comma"])
    assert "not a table" in str(err) and what in str(err)


def test_ragged_csv_names_the_line(tmp_path):
    path = write(tmp_path, "customer,date,amount\nann,2024-01-05,10\nbob,2024-02-01,20,extra,more\n")
    err = raises(path)
    assert_names(err, path, fix_words=["quote"])
    assert err.rows == [3]


def test_missing_excel_sheet_lists_sheets(tmp_path):
    path = tmp_path / "orders.xlsx"
    pd.read_csv(DATA / "online_retail.csv").to_excel(path, sheet_name="Year 2010", index=False)
    err = raises(path, sheet="2011")
    assert_names(err, path, fix_words=["--sheet"])
    assert "'Year 2010'" in str(err)


def test_old_xls_is_refused_with_a_fix(tmp_path):
    path = write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, name="orders.xls")
    err = raises(path)
    assert_names(err, path, fix_words=[".xlsx"])


# ------------------------------------------------------------------------------------------------
# Recognised layouts
# ------------------------------------------------------------------------------------------------


def test_shopify_export():
    result = read_orders(DATA / "shopify_orders.csv")
    assert result.layout == "shopify"
    orders = result.orders
    assert set(orders["customer_id"]) == {"anna@example.com", "ben@example.com", "dan@example.com",
                                          "erin@example.com", "carla@example.com"}
    # the order total is spread over its line items and the order sums back to it
    assert orders.loc[orders["order_id"] == "#1002", "amount"].sum() == pytest.approx(84.00)
    assert set(orders.loc[orders["order_id"] == "#1002", "product"]) == {"Donut Bed S", "Paw Balm"}
    # a partial refund of 59.00 is netted from order #1006 (188.00)
    assert orders.loc[orders["order_id"] == "#1006", "amount"].sum() == pytest.approx(129.00)
    # the refunded order is a return, not a purchase
    assert "#1004" not in set(orders["order_id"]) and list(result.returns["order_id"]) == ["#1004"]
    # "+0100" is converted to UTC
    first = orders.loc[orders["order_id"] == "#1001", "order_date"].iloc[0]
    assert first == pd.Timestamp("2024-01-08 09:01:55")
    assert orders["discount_code"].dropna().tolist() == ["WELCOME10", "WELCOME10", "SPRING15", "BLACKFRIDAY"]
    assert set(orders["channel"]) == {"web", "pos"}
    issues = " | ".join(result.quality["issue"])
    assert "partial refunds" in issues and "missing customer id" in issues and "date format" in issues
    assert "time-zone offsets (+0100, +0200)" in " ".join(result.quality["action"])


def test_woocommerce_export():
    result = read_orders(DATA / "woocommerce_orders.csv")
    assert result.layout == "woocommerce"
    assert result.columns["customer_id"] == "Billing Email"  # not "Customer ID", which is 0 for guests
    orders = result.orders
    assert orders.loc[orders["order_id"] == "2101", "amount"].sum() == pytest.approx(79.00)
    assert orders["customer_id"].nunique() == 3
    assert set(result.returns["order_id"]) == {"2103", "2106"}
    row = result.quality[result.quality["issue"].str.startswith("refunded, cancelled")].iloc[0]
    assert row["rows"] == 2 and "cancelled 1" in row["issue"] and "refunded 1" in row["issue"]


def test_uci_online_retail():
    result = read_orders(DATA / "online_retail.csv")
    assert result.layout == "uci"
    orders = result.orders
    assert orders.loc[orders["order_id"] == "536365", "amount"].tolist() == pytest.approx([15.30, 20.34])
    assert not orders["order_id"].str.startswith("C").any()
    assert set(result.returns["order_id"]) == {"C536379", "C537251", "C541433"}
    assert (result.returns["amount"] > 0).all()
    assert "12346" in set(orders["customer_id"])  # an id read as a number keeps no '.0'
    q = result.quality.set_index("issue")
    assert q.loc["exact duplicate lines", "rows"] == 1
    assert q.loc["missing customer id", "rows"] == 2


def test_plain_german_semicolon_bom_decimal_comma():
    result = read_orders(DATA / "plain_semicolon_de.csv")
    assert result.layout == "plain"
    assert result.columns == {"customer_id": "Kunde", "order_date": "Bestelldatum", "product": "Produkt",
                              "amount": "Betrag"}
    assert result.orders["amount"].tolist() == [1234.5, 59.0, 12.5, 129.0, 25.0]
    assert result.orders["order_date"].iloc[0] == pd.Timestamp("2024-01-05")
    assert result.returns["amount"].tolist() == [59.0]


def test_course_layout_from_parquet_and_excel(tmp_path):
    course = pd.DataFrame(
        {
            "order_id": ["O1", "O2", "O3", "O4"],
            "contact_id": ["S-00001", "S-00002", "S-00001", "S-00003"],
            "business": "shop",
            "order_date": pd.to_datetime(["2024-01-02", "2024-01-09", "2024-03-01", "2024-04-01"]),
            "product_id": ["B01", "C01", "B02", "B01"],
            "quantity": [1, 2, 1, 1],
            "amount": [59.0, 25.0, 129.0, 59.0],
            "channel": ["search", "social", "email", "ads"],
            "returned": [False, False, True, False],
        }
    )
    for name, write_it in (("o.parquet", course.to_parquet), ("o.xlsx", lambda p: course.to_excel(p, index=False))):
        path = tmp_path / name
        write_it(path)
        result = read_orders(path)
        assert result.layout == "course"
        assert result.orders["order_id"].tolist() == ["O1", "O2", "O4"]
        assert result.returns["order_id"].tolist() == ["O3"]
        assert result.orders["product"].tolist() == ["B01", "C01", "B01"]
        assert pd.api.types.is_datetime64_dtype(result.orders["order_date"])


def test_latin1_tab_separated_with_currency_and_thousands(tmp_path):
    text = "Client\tDate\tMontant\nRené\t2024-01-05\tEUR 1.234,50\nZoë\t2024-02-01\t99,90 EUR\nRené\t2024-03-01\t£12,00\n"
    path = write(tmp_path, text, encoding="latin-1")
    result = read_orders(path)
    assert set(result.orders["customer_id"]) == {"René", "Zoë"}
    assert result.orders["amount"].tolist() == [1234.5, 99.9, 12.0]


def test_plain_amount_from_quantity_and_unit_price(tmp_path):
    path = write(tmp_path, "email,date,qty,unit price\nA@x.org,2024-01-05,2,3.5\nb@x.org,2024-02-01,1,10\n")
    result = read_orders(path)
    assert result.orders["amount"].tolist() == [7.0, 10.0]
    assert result.orders["customer_id"].tolist() == ["a@x.org", "b@x.org"]  # emails compared lower-case
    assert "amount computed" in set(result.quality["issue"])


# ------------------------------------------------------------------------------------------------
# Usable but dirty data: cleaned, and reported
# ------------------------------------------------------------------------------------------------


def test_exact_duplicates_dropped_and_reported(tmp_path):
    path = write(tmp_path, GOOD + "bob,2024-02-01,20\nbob,2024-02-01,20\n")
    result = read_orders(path)
    assert len(result.orders) == 4
    finding = result.findings[0]
    assert finding.issue == "exact duplicate lines" and finding.rows == 2 and finding.examples == [6, 7]


def test_negative_amounts_are_returns(tmp_path):
    path = write(tmp_path, GOOD + "bob,2024-02-10,-20\n")
    result = read_orders(path)
    assert (result.orders["amount"] > 0).all() and len(result.orders) == 4
    assert result.returns["amount"].tolist() == [20.0]
    assert "20.00 returned" in result.quality["action"].iloc[-1]


def test_missing_customer_ids_dropped_and_counted(tmp_path):
    path = write(tmp_path, GOOD + ",2024-02-10,8\n  ,2024-02-11,9\n")
    result = read_orders(path)
    q = result.quality.set_index("issue")
    assert q.loc["missing customer id", "rows"] == 2
    assert "17.00" in q.loc["missing customer id", "action"]
    assert len(result.orders) == 4


def test_future_dates_left_out_after_as_of(tmp_path):
    path = write(tmp_path, GOOD + "bob,2030-01-01,20\n")
    result = read_orders(path, observation_period_end="2024-06-01")
    assert result.orders["order_date"].max() < pd.Timestamp("2024-06-01")
    assert result.observation_period_end == pd.Timestamp("2024-06-01")
    finding = [f for f in result.findings if f.issue.startswith("dates on or after")][0]
    assert finding.rows == 1 and finding.examples == [6]


def test_default_as_of_is_the_day_after_the_last_order(tmp_path):
    result = read_orders(write(tmp_path, GOOD))
    assert result.observation_period_end == pd.Timestamp("2024-03-10")


def test_mixed_time_zones_normalised_to_naive_utc(tmp_path):
    path = write(tmp_path, "customer,date,amount\nann,2024-01-05T10:00:00+01:00,1\nbob,2024-01-06T10:00:00-05:00,2\n"
                 "cid,2024-01-07T10:00:00Z,3\n")
    result = read_orders(path)
    assert result.orders["order_date"].tolist() == [pd.Timestamp("2024-01-05 09:00"),
                                                   pd.Timestamp("2024-01-06 15:00"),
                                                   pd.Timestamp("2024-01-07 10:00")]
    assert result.orders["order_date"].dt.tz is None
    assert "converted to UTC" in " ".join(result.quality["action"])


def test_ambiguous_day_month_is_reported(tmp_path):
    path = write(tmp_path, "customer,date,amount\nann,03/04/2024,1\nbob,05/06/2024,2\n")
    result = read_orders(path)
    assert result.orders["order_date"].tolist() == [pd.Timestamp("2024-03-04"), pd.Timestamp("2024-05-06")]
    assert "month/day" in " ".join(result.quality["action"])


def test_day_first_when_a_day_exceeds_twelve(tmp_path):
    path = write(tmp_path, "customer,date,amount\nann,03/04/2024,1\nbob,25/06/2024,2\n")
    result = read_orders(path)
    assert result.orders["order_date"].tolist() == [pd.Timestamp("2024-04-03"), pd.Timestamp("2024-06-25")]


def test_input_file_is_not_changed_and_repr_is_readable(tmp_path):
    path = write(tmp_path, GOOD + "bob,2024-02-01,20\n")
    before = path.read_bytes()
    result = read_orders(path)
    assert path.read_bytes() == before
    text = repr(result)
    assert text.startswith("OrdersFile('orders.csv'") and "3 customers" in text and "duplicate" in text
    assert isinstance(result, OrdersFile)


# ------------------------------------------------------------------------------------------------
# Parsing, table reading and contracts
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "texts, expected",
    [
        (["1,234.50", "99.90"], [1234.5, 99.9]),
        (["1.234,50", "99,90"], [1234.5, 99.9]),
        (["1 234,50 Kč", "12,5 Kč"], [1234.5, 12.5]),
        (["£5", "(3.20)", "4-"], [5.0, -3.2, -4.0]),
        (["1,200", "3,400"], [1200.0, 3400.0]),
    ],
)
def test_parse_amounts(texts, expected):
    assert parse_amounts(pd.Series(texts)).tolist() == pytest.approx(expected)


def test_parse_dates_keeps_excel_dates():
    values = pd.Series([pd.Timestamp("2024-01-02 10:00"), "2024-01-03"], dtype=object)
    assert parse_dates(values).tolist() == [pd.Timestamp("2024-01-02 10:00"), pd.Timestamp("2024-01-03")]


def test_read_table_sniffs_delimiters(tmp_path):
    for sep in (",", ";", "\t"):
        path = write(tmp_path, f"a{sep}b\n1{sep}2\n", name="t.csv")
        assert list(read_table(path).columns) == ["a", "b"]


def test_validate_names_the_bad_rows():
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "order_date": pd.to_datetime(["2024-01-01"] * 3),
                          "amount": ["1", "x", "3"]})
    with pytest.raises(DataError) as info:
        validate(frame, "orders_file", file="mine.csv")
    assert info.value.column == "amount" and info.value.rows == [3] and "'x'" in str(info.value)


def test_every_sample_table_contract_is_complete():
    assert set(TABLES) >= {"products", "contacts", "events", "orders", "promotions", "subscriptions", "tickets",
                           "reviews", "referrals", "true_types"}
    assert [c.name for c in TABLES["orders"]][:4] == ["order_id", "contact_id", "business", "order_date"]
    kinds = {c.kind for cols in TABLES.values() for c in cols}
    assert kinds <= {"string", "category", "bool", "int", "float", "datetime"}


def test_validate_accepts_the_committed_sample_tables():
    folder = Path(__file__).parents[1] / "datasets"
    found = sorted(folder.glob("*.parquet"))
    if not found:
        pytest.skip("the sample tables are not generated yet")
    for file in found:
        if file.stem in TABLES:
            validate(pd.read_parquet(file), file.stem, file=file)


def test_a_frame_can_be_read_like_a_file():
    frame = pd.read_csv(DATA / "online_retail.csv", dtype=str)
    before = frame.copy()
    result = read_orders(frame, name="invoices")
    assert result.file == "invoices" and result.layout == "uci"
    pd.testing.assert_frame_equal(frame, before)  # the input is not changed


# ------------------------------------------------------------------------------------------------
# The modules of the data layer
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "file, layout",
    [("shopify_orders.csv", "shopify"), ("woocommerce_orders.csv", "woocommerce"), ("online_retail.csv", "uci"),
     ("plain_semicolon_de.csv", "plain")],
)
def test_the_recognised_layout_is_named_in_words(file, layout):
    result = read_orders(DATA / file)
    assert result.layout == layout and result.layout_name == LAYOUT_NAMES[layout]
    assert f"layout={LAYOUT_NAMES[layout]!r}" in repr(result)


def test_named_columns_win_over_the_layout():
    raw = pd.read_csv(DATA / "shopify_orders.csv", dtype=str)
    found = standardise(raw, {"amount": "subtotal"})
    assert found.layout == "shopify" and found.columns["amount"] == "Subtotal"
    assert "_refund_share" in found.frame  # refunds are still netted, per line
    assert found.frame["amount"].tolist() == raw["Subtotal"].tolist()  # not spread: the values as written


def test_lessons_reach_the_readers_by_their_short_name():
    import lifecycle_lib

    assert lifecycle_lib.readers is readers
