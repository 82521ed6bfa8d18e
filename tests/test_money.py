"""Right money or a clear refusal: currencies, unpaid orders and duplicate lines in real export layouts.

The files are built from the committed Shopify and WooCommerce exports (their real column layouts), with
the currencies and statuses changed; every expected amount below is worked out by hand from those lines.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from lifecycle_lib import cli
from lifecycle_lib.data.readers import read_orders, read_rates
from lifecycle_lib.errors import DataError

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> tuple[list[str], list[dict]]:
    with open(DATA / name, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


def _write(path: Path, header: list[str], rows: list[dict]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture()
def shopify_mixed(tmp_path):
    """The Shopify export with its second order in USD and its third in GBP (on every line of each)."""
    header, rows = _rows("shopify_orders.csv")
    names = list(dict.fromkeys(r["Name"] for r in rows))
    for row in rows:
        if row["Name"] == names[1]:
            row["Currency"] = "USD"
        elif row["Name"] == names[2]:
            row["Currency"] = "gbp"  # lower case, as some exports write it
    return _write(tmp_path / "orders_export.csv", header, rows), names


def test_a_file_in_several_currencies_is_refused_naming_them_and_the_fix(shopify_mixed):
    path, _ = shopify_mixed
    with pytest.raises(DataError) as info:
        read_orders(path)
    error = info.value
    assert error.column == "Currency" and error.rows and "--rates" in error.fix
    assert "3 currencies" in error.problem and "EUR" in error.problem and "USD" in error.problem and "GBP" in error.problem


def test_rates_convert_each_currency_and_the_finding_says_how_much(shopify_mixed, tmp_path):
    path, names = shopify_mixed
    plain = read_orders(DATA / "shopify_orders.csv")
    assert plain.currency == "EUR"
    per_order = plain.orders.groupby("order_id")["amount"].sum()
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,rate\nEUR,1\nUSD,0.5\nGBP,2\n")
    mixed = read_orders(path, rates=rates)
    assert mixed.currency == "EUR"
    got = mixed.orders.groupby("order_id")["amount"].sum()
    assert got[names[1]] == pytest.approx(per_order[names[1]] * 0.5)
    assert got[names[2]] == pytest.approx(per_order[names[2]] * 2)
    assert got.drop([names[1], names[2]]).equals(per_order.drop([names[1], names[2]]))
    finding = next(f for f in mixed.findings if f.issue == "several currencies")
    moved = per_order[names[1]] + per_order[names[2]]
    assert f"{moved:,.2f} in other currencies became {per_order[names[1]] * 0.5 + per_order[names[2]] * 2:,.2f} EUR" in finding.action


def test_rates_missing_a_currency_or_without_a_base_are_refused(shopify_mixed, tmp_path):
    path, _ = shopify_mixed
    with pytest.raises(DataError, match="do not give the currency GBP"):
        read_orders(path, rates={"EUR": 1, "USD": 0.5})
    with pytest.raises(DataError, match="no currency has the rate 1"):
        read_rates({"EUR": 0.9, "USD": 0.5})
    with pytest.raises(DataError, match="not a positive number"):
        read_rates({"EUR": 1, "USD": "-2"})
    bad = tmp_path / "rates.csv"
    bad.write_text("code;value\nEUR;1\n")
    with pytest.raises(DataError, match="columns currency and rate"):
        read_rates(bad)


def test_pending_authorized_and_on_hold_orders_are_not_sales(tmp_path):
    header, rows = _rows("woocommerce_orders.csv")
    numbers = list(dict.fromkeys(r["Order Number"] for r in rows))
    for row in rows:
        if row["Order Number"] == numbers[0]:
            row["Order Status"] = "On hold"
        elif row["Order Number"] == numbers[1]:
            row["Order Status"] = "Pending payment"
    path = _write(tmp_path / "orders-export.csv", header, rows)
    before = read_orders(DATA / "woocommerce_orders.csv")
    after = read_orders(path)
    kept = set(before.orders["order_id"]) - {numbers[0], numbers[1]}
    assert set(after.orders["order_id"]) == kept
    assert after.orders["amount"].sum() == pytest.approx(
        before.orders.loc[before.orders["order_id"].isin(kept), "amount"].sum())
    finding = next(f for f in after.findings if f.issue.startswith("orders not paid"))
    assert "on-hold" in finding.issue and "pending-payment" in finding.issue
    assert not after.returns["order_id"].isin([numbers[0], numbers[1]]).any()  # not returns either


def test_duplicate_lines_are_counted_and_can_be_kept(tmp_path):
    path = tmp_path / "cdnow_like.csv"
    path.write_text("customer;date;amount\n00001;1997-01-01;11.77\n00001;1997-01-01;11.77\n00002;1997-01-12;12.00\n")
    dropped = read_orders(path)
    assert dropped.orders["amount"].sum() == pytest.approx(23.77)
    assert "--keep-duplicate-lines" in next(f for f in dropped.findings if f.issue == "exact duplicate lines").action
    kept = read_orders(path, drop_duplicates=False)
    assert kept.orders["amount"].sum() == pytest.approx(35.54)
    assert "kept" in next(f for f in kept.findings if f.issue == "exact duplicate lines").action


def test_the_report_refuses_mixed_currencies_in_a_second_with_a_bad_rates_file(shopify_mixed, tmp_path, capsys):
    path, _ = shopify_mixed
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,rate\nEUR,0.9\n")
    out = tmp_path / "report.html"
    assert cli.main(["report", str(path), "--out", str(out), "--rates", str(rates)]) == 2
    assert "rate 1" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_the_report_shows_converted_money_in_the_shops_currency(shopify_mixed, tmp_path):
    path, _ = shopify_mixed
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,rate\nEUR,1\nUSD,0.5\nGBP,2\n")
    out = tmp_path / "report.html"
    assert cli.main(["report", str(path), "--out", str(out), "--rates", str(rates)]) == 0
    page = out.read_text()
    assert "several currencies" in page and " EUR" in page
    assert cli.main(["report", str(path), "--out", str(tmp_path / "refused.html")]) == 2
    assert not (tmp_path / "refused.html").exists()


def test_every_sheet_with_the_same_header_is_read_and_the_others_are_named(tmp_path):
    import pandas as pd

    header, rows = _rows("woocommerce_orders.csv")
    frame = pd.DataFrame(rows, columns=header)
    numbers = list(dict.fromkeys(frame["Order Number"]))
    first = frame[frame["Order Number"].isin(numbers[:2])]
    second = frame[~frame["Order Number"].isin(numbers[:2])]
    path = tmp_path / "orders.xlsx"
    with pd.ExcelWriter(path) as writer:
        first.to_excel(writer, sheet_name="January", index=False)
        second.to_excel(writer, sheet_name="February", index=False)
        pd.DataFrame({"Month": ["January"], "Sales": [1]}).to_excel(writer, sheet_name="Summary", index=False)
    whole = read_orders(DATA / "woocommerce_orders.csv")
    book = read_orders(path)
    assert book.orders["amount"].sum() == pytest.approx(whole.orders["amount"].sum())
    assert set(book.orders["order_id"]) == set(whole.orders["order_id"])
    finding = next(f for f in book.findings if f.issue == "workbook sheets")
    assert "'January', 'February'" in finding.action and "'Summary'" in finding.action and "--sheet" in finding.action
    only = read_orders(path, sheet="February")
    assert set(only.orders["order_id"]) == set(whole.orders["order_id"]) - set(numbers[:2])
    assert not any(f.issue == "workbook sheets" for f in only.findings)


def test_a_refused_report_writes_neither_the_page_nor_the_customer_list(shopify_mixed, tmp_path):
    path, _ = shopify_mixed
    out = tmp_path / "report.html"
    assert cli.main(["report", str(path), "--out", str(out)]) == 2
    assert list(tmp_path.glob("report*")) == []
