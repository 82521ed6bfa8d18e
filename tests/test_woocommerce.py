"""WooCommerce exports and baskets read right: the money, the customer and the products.

The fixtures in ``tests/fixtures/exports/`` use the real column headers of each export:

* ``woocommerce_advanced_order_export.csv``: "Advanced Order Export For WooCommerce", its default
  fields, one row per product (``Order Refund Amount``, ``Quantity (- Refund)``, ``Item Cost``);
* ``woocommerce_order_export_line_items.csv``: the Customer/Order/Coupon CSV Import Suite order
  layout, one row per order with ``line_item_1`` ... ``line_item_4`` cells
  (``name:...|product_id:...|sku:...|quantity:...|total:...|refunded:...``) and ``refunded_total``;
* ``woocommerce_customer_order_csv_export.csv``: the Customer/Order CSV Export default format, every
  line item of an order in one ``line_items`` cell (separated by ``;``) and a ``refunds`` cell;
* ``woocommerce_analytics_orders.csv``: Analytics > Orders > Download (``Date``, ``Order #``,
  ``Customer`` (a name), ``Product(s)`` written ``2× Hoodie, 1× Beanie``, ``Net Sales``), where a
  refund is a row of its own with a negative Net Sales; ``..._with_email.csv`` adds an ``Email``
  column, as a shop can with the report's export-columns filter;
* ``orders_with_baskets.csv``: one row per order whose product column lists the basket in three
  notations (``2× Dog bed``, ``Dog bed x 2``, ``Dog bed (2)``).

Every expected amount is worked out by hand from those rows; the bad inputs are variants of the
fixtures, each refused with one message naming the file, the column, the row and the fix.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from lifecycle_lib.cli import main
from lifecycle_lib.data.layouts import LAYOUT_NAMES
from lifecycle_lib.data.readers import read_orders
from lifecycle_lib.errors import DataError

EXPORTS = Path(__file__).parent / "fixtures" / "exports"
AOE = EXPORTS / "woocommerce_advanced_order_export.csv"
LINE_ITEMS = EXPORTS / "woocommerce_order_export_line_items.csv"
LINE_ITEMS_CELL = EXPORTS / "woocommerce_customer_order_csv_export.csv"
ANALYTICS = EXPORTS / "woocommerce_analytics_orders.csv"
ANALYTICS_EMAIL = EXPORTS / "woocommerce_analytics_orders_with_email.csv"
BASKETS = EXPORTS / "orders_with_baskets.csv"


def _variant(source: Path, path: Path, change) -> Path:
    """A copy of a fixture with ``change(header, rows)`` applied to its rows (lists of cells)."""
    with open(source, newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    change(header, rows)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def _set(column, value, where):
    """A change setting ``column`` to ``value`` in the rows for which ``where(header, row)`` holds."""
    def change(header, rows):
        for row in rows:
            if where(header, row):
                row[header.index(column)] = value
    return change


def _per_order(result) -> dict:
    return result.orders.groupby("order_id")["amount"].sum().round(2).to_dict()


def _finding(result, issue):
    return next(f for f in result.findings if f.issue == issue)


def _assert_one_clear_message(error: DataError, path: Path, column: str, rows: list):
    assert error.file == str(path) and error.column == column and error.rows == rows
    assert error.fix and "Traceback" not in str(error)
    assert str(error).startswith(f"{path}: column {column!r}: ")


# ------------------------------------------------------------------------------------------------
# Advanced Order Export For WooCommerce: one row per product, order refunds in "Order Refund Amount"
# ------------------------------------------------------------------------------------------------


def test_the_order_export_plugin_layout_takes_refunds_off_the_orders():
    result = read_orders(AOE)
    assert result.layout == "woocommerce" and result.layout_name == LAYOUT_NAMES["woocommerce"]
    assert result.columns["customer_id"] == "Email (Billing)" and result.columns["refunded"] == "Order Refund Amount"
    # Completed and processing orders, net of their refunds:
    #   3001 79.00 + 3002 103.20 + 3003 (174.00 - 12.50 for one Paw Balm) 161.50
    #   + 3005 (141.50 - 5.00 shipping given back) 136.50 + 3007 134.10 = 614.30
    assert result.orders["amount"].sum() == pytest.approx(614.30)
    assert _per_order(result) == {"3001": 79.00, "3002": 103.20, "3003": 161.50, "3005": 136.50, "3007": 134.10}
    # the refund lands on the line it was made on: the bed keeps its 149.00, one balm of two is left
    order = result.orders[result.orders["order_id"] == "3003"].set_index("product")
    assert order.loc["Orthopaedic Bed L", "amount"] == pytest.approx(149.00)
    assert order.loc["Paw Balm", "amount"] == pytest.approx(12.50) and order.loc["Paw Balm", "quantity"] == 1
    # LENA@example.org and lena@example.org are one customer
    assert result.customers == 4
    assert sorted(result.returns["order_id"].unique()) == ["3004", "3006"]  # refunded, cancelled
    refunds = _finding(result, "partial refunds")
    assert refunds.rows == 4 and "17.50" in refunds.action and "2 order(s)" in refunds.action


def test_a_refund_of_the_whole_order_takes_it_out_even_when_its_status_says_processing(tmp_path):
    path = _variant(AOE, tmp_path / "orders.csv",
                    _set("Order Refund Amount", "141.50", lambda h, r: r[0] == "3005"))
    result = read_orders(path)
    assert "3005" not in set(result.orders["order_id"])
    assert result.returns.loc[result.returns["order_id"] == "3005", "amount"].sum() == pytest.approx(141.50)
    full = _finding(result, "fully refunded orders")
    assert full.rows == 2 and "141.50" in full.action and full.examples == [8, 9]
    assert result.orders["amount"].sum() == pytest.approx(614.30 - 136.50)


def test_a_refund_larger_than_its_order_is_refused(tmp_path):
    path = _variant(AOE, tmp_path / "orders.csv",
                    _set("Order Refund Amount", "500.00", lambda h, r: r[0] == "3005"))
    with pytest.raises(DataError) as info:
        read_orders(path)
    error = info.value
    _assert_one_clear_message(error, path, "Order Refund Amount", [8])  # row 8: the order's first line
    assert "larger than its order" in error.problem and "order 3005 refunded 500.00 of 141.50" in error.problem
    assert error.values == ["500.00"] and "refund" in error.fix


# ------------------------------------------------------------------------------------------------
# One row per order, line items packed into line_item_1 ... line_item_4 (or one line_items cell)
# ------------------------------------------------------------------------------------------------


def test_every_packed_line_item_becomes_a_line_with_its_orders_customer_and_date():
    result = read_orders(LINE_ITEMS)
    assert result.layout == "woocommerce_items"
    assert "line items packed in cells" in result.layout_name and result.currency == "EUR"
    assert result.columns["customer_id"] == "billing_email"  # not customer_id, which is 0 for a guest
    assert result.columns["product"].startswith("line_item_1 ... line_item_4")
    orders = result.orders
    assert len(orders) == 8 and orders["order_id"].value_counts().to_dict() == {"4102": 4, "4101": 2, "4103": 1,
                                                                                 "4105": 1}
    # 4101: the 158.90 paid (4.90 of it shipping) is shared by the two items' totals, 129.00 and 25.00
    # 4102: 243.00 less the 7.50 refunded for one chew toy of three = 235.50; 4103 134.10; 4105 258.00
    # 158.90 + 235.50 + 134.10 + 258.00 = 786.50 (4104 was refunded in full and is a return)
    assert orders["amount"].sum() == pytest.approx(786.50)
    assert _per_order(result) == {"4101": 158.90, "4102": 235.50, "4103": 134.10, "4105": 258.00}
    tom = orders[orders["order_id"] == "4102"].set_index("product")
    assert tom["amount"].round(2).to_dict() == {"Chew Toy": 15.00, "Donut Bed S": 59.00, "Paw Balm": 12.50,
                                                "Orthopaedic Bed L": 149.00}
    assert tom.loc["Chew Toy", "quantity"] == 2  # three bought, one refunded
    assert (tom["customer_id"] == "tom@example.net").all()
    assert (tom["order_date"] == pd.Timestamp("2024-04-15 14:30:00")).all()
    assert orders.loc[orders["order_id"] == "4103", "discount_code"].tolist() == ["spring10"]
    assert result.customers == 3
    assert result.returns.groupby("order_id")["amount"].sum().round(2).to_dict() == {"4104": 63.90}
    packed = _finding(result, "line items packed into cells")
    assert packed.rows == 5 and "9 lines" in packed.action
    assert _finding(result, "partial refunds").action.startswith("subtracted the 7.50 refunded")


def test_a_line_items_cell_and_a_refunds_cell_are_read_too(tmp_path):
    result = read_orders(LINE_ITEMS_CELL)
    assert result.layout == "woocommerce_items" and result.columns["refunded"] == "refunded_total"
    # 5001: 79.00 - 7.50 (a torn toy) = 71.50; 5002: 129.00; 5003: 50.00 + 7.50 = 57.50; in all 258.00
    assert _per_order(result) == {"5001": 71.50, "5002": 129.00, "5003": 57.50}
    assert "Cloud Bed M: grey" in set(result.orders["product"])  # "\:" inside a packed value is a colon
    assert result.orders.groupby("product")["quantity"].sum().to_dict() == {
        "Chew Toy": 2.0, "Cloud Bed M: grey": 1.0, "Donut Bed S": 1.0, "Paw Balm": 4.0}

    def drop_refunded_total(header, rows):
        at = header.index("refunded_total")
        for row in [header, *rows]:
            del row[at]
    without = read_orders(_variant(LINE_ITEMS_CELL, tmp_path / "orders.csv", drop_refunded_total))
    assert without.columns["refunded"] == "refunds"  # the refund entries: amount:7.50|reason:...
    assert _per_order(without) == _per_order(result)


@pytest.mark.parametrize("cell, reason", [
    ("Donut Bed S, 1, 59.00", "'Donut Bed S, 1, 59.00' is not a key:value pair"),
    ("name:Donut Bed S|product_id:101|sku:DB-S|quantity:one|total:59.00", "quantity 'one' is not a number"),
    ("name:Donut Bed S|product_id:101|sku:DB-S|total:59.00", "an item has no quantity"),
])
def test_a_malformed_line_item_cell_is_refused_with_its_column_and_row(cell, reason, tmp_path):
    path = _variant(LINE_ITEMS, tmp_path / "orders.csv", _set("line_item_2", cell, lambda h, r: r[0] == "4102"))
    with pytest.raises(DataError) as info:
        read_orders(path)
    error = info.value
    _assert_one_clear_message(error, path, "line_item_2", [3])
    assert reason in error.problem and error.values == [cell] and "key:value" in error.fix


# ------------------------------------------------------------------------------------------------
# WooCommerce Analytics orders export: names, refund rows, baskets
# ------------------------------------------------------------------------------------------------


def test_the_analytics_export_merges_refund_rows_and_splits_its_baskets():
    result = read_orders(ANALYTICS)
    assert result.layout == "woocommerce_analytics" and result.layout_name == "WooCommerce Analytics orders export"
    assert result.columns["amount"] == "Net Sales" and result.columns["product"] == "Product(s)"
    # 6101 74.00 + 6102 103.20 + 6103 (174.00 - 12.50 refunded two days later) 161.50 + 6105 136.50
    # + 6106 59.00 + 6107 134.10 + 6108 24.90 = 693.20; 6104 was refunded in full
    assert result.orders["amount"].sum() == pytest.approx(693.20)
    assert _per_order(result)["6103"] == pytest.approx(161.50)
    assert result.returns.groupby("order_id")["amount"].sum().to_dict() == {"6104": 59.00}
    merged = _finding(result, "refund rows merged into their orders")
    assert merged.rows == 2 and merged.examples == [6, 8] and "71.50" in merged.action
    assert _finding(result, "partial refunds").action.startswith("subtracted the 12.50 refunded")
    assert "before shipping and tax" in _finding(result, "amounts without shipping and tax").action
    # "1× Donut Bed S, 2× Chew Toy": one line per product with its quantity; "Shampoo, Oat & Aloe" stays whole
    orders = result.orders
    assert len(orders) == 11
    assert orders.groupby("product")["quantity"].sum().to_dict() == {
        "Chew Toy": 5.0, "Cloud Bed M": 2.0, "Donut Bed S": 2.0, "Orthopaedic Bed L": 2.0, "Paw Balm": 2.0,
        "Shampoo, Oat & Aloe": 1.0}
    # the basket's one amount is shared by the price each product fetched alone in the file: the
    # Donut Bed S sold alone for 59.00 (order 6106), so of 6101's 74.00 the two chew toys get 15.00
    first = orders[orders["order_id"] == "6101"].set_index("product")["amount"]
    assert first.to_dict() == pytest.approx({"Donut Bed S": 59.00, "Chew Toy": 15.00})
    # nothing sold alone in 6108: 24.90 is shared by quantity, two chew toys and one shampoo
    last = orders[orders["order_id"] == "6108"].set_index("product")["amount"]
    assert last.to_dict() == pytest.approx({"Chew Toy": 16.60, "Shampoo, Oat & Aloe": 8.30})
    baskets = _finding(result, "baskets in one product cell (revenue per product estimated)")
    assert baskets.rows == 8 and "12 product lines" in baskets.action and "estimate" in baskets.action


def test_a_file_with_only_names_is_read_by_name_and_says_so():
    result = read_orders(ANALYTICS)
    assert result.columns["customer_id"] == "Customer" and result.customers == 4
    names = _finding(result, "customers identified by name only (names are not unique)")
    assert "'Customer'" in names.action and "same name count as one" in names.action
    assert "--customer-id-col" in names.action


def test_an_email_column_is_used_before_the_name():
    by_name, by_email = read_orders(ANALYTICS), read_orders(ANALYTICS_EMAIL)
    assert by_email.columns["customer_id"] == "Email"
    assert by_email.customers == 5 and by_name.customers == 4  # two different Jana Novakovas
    assert not any(f.issue == "customers identified by name only (names are not unique)" for f in by_email.findings)
    assert by_email.orders["amount"].sum() == pytest.approx(by_name.orders["amount"].sum())


def test_a_plain_table_prefers_the_email_and_falls_back_to_joined_first_and_last_names(tmp_path):
    both = tmp_path / "both.csv"
    both.write_text("Customer,Email,Date,Total\nAnn Smith,ann@x.org,2024-01-05,10\nAnn Smith,ann.s@y.org,2024-02-01,20\n"
                    "Bob Jones,bob@x.org,2024-03-01,5\n", encoding="utf-8")
    result = read_orders(both)
    assert result.columns["customer_id"] == "Email" and result.customers == 3
    names = tmp_path / "names.csv"
    names.write_text("First Name,Last Name,Date,Total\nAnn,Smith,2024-01-05,10\nAnn,Smith,2024-02-01,20\n"
                     "Bob,Jones,2024-03-01,5\n", encoding="utf-8")
    result = read_orders(names)
    assert result.columns["customer_id"] == "First Name + Last Name"
    assert set(result.orders["customer_id"]) == {"Ann Smith", "Bob Jones"}
    assert any(f.issue == "customers identified by name only (names are not unique)" for f in result.findings)


def test_a_refund_row_of_an_order_outside_the_file_stays_a_return(tmp_path):
    def drop_the_sale(header, rows):
        rows[:] = [r for r in rows if not (r[1] == "6103" and not r[header.index("Net Sales")].startswith("-"))]
    result = read_orders(_variant(ANALYTICS, tmp_path / "orders.csv", drop_the_sale))
    assert result.returns.groupby("order_id")["amount"].sum().round(2).to_dict() == {"6103": 12.50, "6104": 59.00}
    assert _finding(result, "refund rows merged into their orders").rows == 1
    assert any(f.issue.startswith("returns, refunds or cancellations") for f in result.findings)


def test_refund_rows_larger_than_their_order_are_refused(tmp_path):
    path = _variant(ANALYTICS, tmp_path / "orders.csv",
                    _set("Net Sales", "-200.00", lambda h, r: r[1] == "6103" and r[h.index("Net Sales")].startswith("-")))
    with pytest.raises(DataError) as info:
        read_orders(path)
    _assert_one_clear_message(info.value, path, "Net Sales", [9])  # the order's own row
    assert "order 6103 refunded 200.00 of 174.00" in info.value.problem


# ------------------------------------------------------------------------------------------------
# A basket written in one product cell
# ------------------------------------------------------------------------------------------------


def test_basket_strings_become_products_with_quantities():
    result = read_orders(BASKETS)
    orders = result.orders
    assert len(orders) == 12 and orders["order_id"].nunique() == 8
    in_baskets = orders.dropna(subset=["quantity"])  # the lines that were not baskets have no quantity column
    assert in_baskets.groupby("product")["quantity"].sum().to_dict() == {"Chew toy": 4.0, "Dog bed": 6.0,
                                                                        "Paw balm": 3.0}
    # "Travel bed 60×40" and "Shampoo, oat & aloe" are one product each, not baskets
    assert {"Travel bed 60×40", "Shampoo, oat & aloe"} <= set(orders["product"]) - set(in_baskets["product"])
    # every order keeps its money: 3 x 139.00 + 12.50 + 64.00 + 59.00 + 9.90 + 58.50 = 620.90
    assert orders["amount"].sum() == pytest.approx(620.90)
    assert _per_order(result) == {"A-1001": 139.0, "A-1002": 139.0, "A-1003": 139.0, "A-1004": 12.5, "A-1005": 64.0,
                                  "A-1006": 59.0, "A-1007": 9.9, "A-1008": 58.5}
    # a dog bed alone fetched 59.00 (A-1006), a paw balm 12.50 (A-1004): the rest of a basket goes to the chew toy
    revenue = orders.groupby("product")["amount"].sum().round(2).to_dict()
    assert revenue == {"Dog bed": 413.00, "Chew toy": 84.00, "Paw balm": 50.00, "Travel bed 60×40": 64.00,
                       "Shampoo, oat & aloe": 9.90}
    found = _finding(result, "baskets in one product cell (revenue per product estimated)")
    assert found.rows == 4 and "8 product lines" in found.action and found.examples == [2, 3, 4, 9]


def test_a_basket_with_an_unreadable_quantity_is_refused(tmp_path):
    bad = "two× Chew Toy, 1× Shampoo, Oat & Aloe"
    path = _variant(ANALYTICS, tmp_path / "orders.csv", _set("Product(s)", bad, lambda h, r: r[1] == "6108"))
    with pytest.raises(DataError) as info:
        read_orders(path)
    error = info.value
    _assert_one_clear_message(error, path, "Product(s)", [2])
    assert "the quantity 'two' in 'two× Chew Toy'" in error.problem and error.values == [bad]
    assert "2× Dog bed" in error.fix and "--product-col" in error.fix


# ------------------------------------------------------------------------------------------------
# The command: one message and no report for the bad inputs; the layout and the repairs in the report
# ------------------------------------------------------------------------------------------------

BAD = {
    "malformed_line_item": (LINE_ITEMS, _set("line_item_2", "Donut Bed S, 1, 59.00", lambda h, r: r[0] == "4102"),
                            "column 'line_item_2'"),
    "refund_larger_than_order": (AOE, _set("Order Refund Amount", "500.00", lambda h, r: r[0] == "3005"),
                                 "column 'Order Refund Amount'"),
    "unreadable_basket_quantity": (ANALYTICS, _set("Product(s)", "two× Chew Toy", lambda h, r: r[1] == "6108"),
                                   "column 'Product(s)'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_report_refuses_bad_exports_with_one_message(case, tmp_path, capsys):
    source, change, column = BAD[case]
    path = _variant(source, tmp_path / f"{case}.csv", change)
    out = tmp_path / "report.html"
    assert main(["report", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lifecycle: {path}: {column}: ") and err.count("\n") == 1
    assert "Fix:" in err and "row 1 is the header" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def _text(html: str) -> str:
    body = re.sub(r"<style[\s\S]*?</style>|<script[\s\S]*?</script>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.mark.slow
@pytest.mark.parametrize("fixture, layout, repairs", [
    (AOE, "WooCommerce orders export", ["partial refunds", "refunded, cancelled or failed orders"]),
    (LINE_ITEMS, LAYOUT_NAMES["woocommerce_items"], ["line items packed into cells", "partial refunds"]),
    (LINE_ITEMS_CELL, LAYOUT_NAMES["woocommerce_items"], ["line items packed into cells", "partial refunds"]),
    (ANALYTICS, "WooCommerce Analytics orders export", ["refund rows merged into their orders",
                                                        "customers identified by name only (names are not unique)",
                                                        "baskets in one product cell (revenue per product estimated)"]),
    (ANALYTICS_EMAIL, "WooCommerce Analytics orders export", ["refund rows merged into their orders"]),
    (BASKETS, "a customer / date / amount table", ["baskets in one product cell (revenue per product estimated)"]),
], ids=lambda v: v.stem if isinstance(v, Path) else None)
def test_the_report_names_the_layout_and_states_the_repairs(fixture, layout, repairs, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", str(fixture), "--out", str(out)]) == 0
    text = _text(out.read_text(encoding="utf-8"))
    assert f"recognised as {layout}" in text
    for repair in repairs:
        assert repair in text
    assert "Traceback" not in text and "Warning" not in text
