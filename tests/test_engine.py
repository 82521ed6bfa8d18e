"""The DuckDB reader gives what the pandas reader gives: ``read_orders(path, engine="duckdb")``.

For every kind of file the DuckDB reader handles (plain tables and the course's own columns, with
duplicates, returns, statuses, missing ids, decimal commas, day-first dates, currencies), both
engines must return the same orders, returns, findings, columns, layout, observation date and
currency, and refuse a bad file with the same message; files it does not handle are read with
pandas, and a finding says so. Also: which engine ``engine="auto"`` takes, and the command's
``--engine`` option.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from lifecycle_lib.cli import main
from lifecycle_lib.data import _engine
from lifecycle_lib.data.readers import read_orders
from lifecycle_lib.errors import DataError, UsageError

HERE = Path(__file__).parent
DATA = HERE / "data"
EXPORTS = HERE / "fixtures" / "exports"
PANDAS_FINDING = "read with pandas, not DuckDB"


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as plain objects (None for missing), so only values are compared, not how they are stored."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col].dtype) and not pd.api.types.is_datetime64_dtype(out[col].dtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def assert_same(path, **options):
    """Both engines read ``path`` alike; returns the DuckDB result (``options`` go to both)."""
    expected = read_orders(path, engine="pandas", **options)
    got = read_orders(path, engine="duckdb", **options)
    assert PANDAS_FINDING not in got.quality["issue"].tolist(), got.quality
    pd.testing.assert_frame_equal(normalised(got.orders), normalised(expected.orders))
    pd.testing.assert_frame_equal(normalised(got.returns), normalised(expected.returns))
    assert [str(f) for f in got.findings] == [str(f) for f in expected.findings]
    assert [f.examples for f in got.findings] == [f.examples for f in expected.findings]
    assert (got.layout, got.columns, got.currency, got.lines_read, got.observation_period_end) == (
        expected.layout,
        expected.columns,
        expected.currency,
        expected.lines_read,
        expected.observation_period_end,
    )
    assert repr(got) == repr(expected)
    return got


def assert_same_error(path, **options):
    """Both engines refuse ``path`` with the same message and the same rows."""
    with pytest.raises(DataError) as pandas_error:
        read_orders(path, engine="pandas", **options)
    with pytest.raises(DataError) as duckdb_error:
        read_orders(path, engine="duckdb", **options)
    assert str(duckdb_error.value) == str(pandas_error.value)
    assert duckdb_error.value.rows == pandas_error.value.rows
    return str(duckdb_error.value)


def write(tmp_path, text: str, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Files both engines read alike
# --------------------------------------------------------------------------------------------


def test_the_sample_csv_files_read_alike():
    got = assert_same(DATA / "plain_semicolon_de.csv")
    assert got.layout == "plain"


@pytest.mark.parametrize("path", sorted(EXPORTS.glob("*.csv")) + sorted(DATA.glob("*.csv")), ids=lambda p: p.name)
def test_real_layout_exports(path):
    """Plain tables read alike; the other exports are read with pandas, and the DuckDB result says so."""
    expected = read_orders(path, engine="pandas")
    got = read_orders(path, engine="duckdb")
    if expected.layout in ("plain", "course") and "baskets" not in " ".join(expected.quality["issue"]):
        assert_same(path)
        return
    first = got.findings[0]
    assert first.issue == PANDAS_FINDING and first.rows == expected.lines_read
    assert got.findings[1:] == expected.findings
    pd.testing.assert_frame_equal(got.orders, expected.orders)
    pd.testing.assert_frame_equal(got.returns, expected.returns)


def test_the_cdnow_master_log_reads_alike(tmp_path):
    from lifecycle_lib import datasets

    log = datasets.load_cdnow_master()
    path = tmp_path / "cdnow.csv"
    log.to_csv(path, index=False)
    got = assert_same(path)
    assert got.customers == log.iloc[:, 0].nunique() or got.customers > 20_000
    assert assert_same(path, drop_duplicates=False).findings[0].action.startswith("kept, each")


def test_duplicates_returns_missing_ids_and_statuses(tmp_path):
    lines = ["customer,date,amount,product,channel,status"]
    for i in range(300):
        lines.append(
            f"c{i % 37},2024-{1 + i % 12:02d}-{1 + i % 28:02d} 10:{i % 60:02d},{10 + i % 17}.50,"
            f"Bed {i % 4},{'ads' if i % 3 else 'email'},{'paid' if i % 11 else 'Pending'}"
        )
    lines += [
        lines[5],
        lines[7],
        lines[5],  # exact duplicates
        "c1,2024-03-05,-12.50,Bed 1,ads,paid",  # a return
        ",2024-03-05,40,Bed 2,ads,paid",  # no customer
        "c2,,40,Bed 2,ads,paid",  # no date
        "c3,2024-03-06,,Bed 2,ads,paid",  # no amount
        "c4,2024-03-07,33,Bed 2,ads,Refunded",  # a reversed order, kept as a return
        "c5,2024-03-08,44,Bed 2,ads,on hold",
        "  C6@Example.org ,2024-03-09,45,Bed 3, email ,paid",
    ]
    path = write(tmp_path, "\n".join(lines) + "\n")
    got = assert_same(path)
    issues = got.quality["issue"].tolist()
    assert issues[0] == "exact duplicate lines" and got.findings[0].rows == 3
    assert any(i.startswith("orders not paid") for i in issues)
    assert "missing customer id" in issues and "missing order date" in issues and "missing amount" in issues
    assert "c6@example.org" in set(got.orders["customer_id"])
    assert len(got.returns) == 2
    assert_same(path, drop_duplicates=False)
    assert_same(path, observation_period_end="2024-06-01")


def test_european_decimal_commas_and_day_first_dates(tmp_path):
    text = "Kunde;Datum;Betrag;Produkt\n" + "".join(
        f"K{i % 9};{1 + i % 28:02d}.{1 + i % 12:02d}.2024;{i % 50 + 1}.{i % 10}34,{i % 100:02d} €;Artikel {i % 3}\n"
        for i in range(200)
    )
    got = assert_same(write(tmp_path, text))
    assert got.orders["amount"].max() > 1000  # 1.234,56 read as a thousand and more


def test_the_course_layout_with_returned_flags(tmp_path):
    text = "contact_id,order_id,order_date,amount,product_id,channel,returned\n" + "".join(
        f"k{i % 13},o{i},2024-01-{1 + i % 28:02d},{20 + i % 7},P{i % 5},ads,{'true' if i % 17 == 0 else 'false'}\n"
        for i in range(150)
    )
    got = assert_same(write(tmp_path, text))
    assert got.layout == "course"
    assert "lines marked returned" in got.quality["issue"].tolist()


def test_currencies(tmp_path):
    rows = "".join(f"c{i % 7},2024-02-{1 + i % 27:02d},{10 + i},{'EUR' if i % 4 else 'USD'}\n" for i in range(60))
    path = write(tmp_path, "customer,date,amount,currency\n" + rows + "c1,2024-03-01,5,\n")
    assert_same_error(path)
    got = assert_same(path, rates={"EUR": 1, "USD": 0.9})
    assert got.currency == "EUR"
    one = write(tmp_path, "customer,date,amount,currency\nann,2024-01-01,5,chf\nbob,2024-01-09,6,\n", "one.csv")
    assert assert_same(one).currency == "CHF"


def test_names_only_and_spaces_after_delimiters(tmp_path):
    text = "Customer Name, Date, Total\n" + "".join(
        f"Anna Novak{' Jr' * (i % 2)}, 2024-0{1 + i % 9}-1{i % 9} , {i + 1}\n" for i in range(40)
    )
    got = assert_same(write(tmp_path, text))
    assert got.findings[0].issue.startswith("customers identified by name")


ODD_FILES = {
    "quoted commas and line breaks, CRLF": (
        "customer,date,amount,product\r\n"
        + "".join(f'c{i % 7},2024-01-{1 + i % 28:02d},{i + 1},"Bed, large {i % 3}"\r\n' for i in range(50))
        + 'c1,2024-02-01,5,"two\nlines"\r\n',
        "utf-8",
    ),
    "byte-order mark": (
        "\ufeffcustomer;date;amount\n" + "".join(f"c{i % 7};2024-01-{1 + i % 28:02d};{i},5\n" for i in range(50)),
        "utf-8",
    ),
    "Latin-1": (
        "Kunde;Datum;Betrag\n" + "".join(f"M\u00fcller{i % 7};2024-01-{1 + i % 28:02d};{i},5\n" for i in range(50)),
        "latin-1",
    ),
    "short lines": (
        "customer,date,amount,product\n"
        + "".join(f"c{i % 7},2024-01-{1 + i % 28:02d},{i}" + (",x" if i % 2 else "") + "\n" for i in range(50)),
        "utf-8",
    ),
    "blank lines and a line of spaces": (
        "customer,date,amount\n"
        + "".join(f"c{i % 7},2024-01-{1 + i % 28:02d},{i}\n" + ("\n   \n" if i == 20 else "") for i in range(50)),
        "utf-8",
    ),
    "a space before a quote": (
        "customer,date,amount\n" + "".join(f'c{i % 7}, "2024-01-{1 + i % 28:02d}",{i}\n' for i in range(50)),
        "utf-8",
    ),
}


@pytest.mark.parametrize("kind", ODD_FILES)
def test_odd_csv_files_read_alike(tmp_path, kind):
    text, encoding = ODD_FILES[kind]
    path = tmp_path / "orders.csv"
    path.write_bytes(text.encode(encoding))
    assert_same(path)


def test_a_file_duckdb_reads_otherwise_is_read_with_pandas(tmp_path):
    """pandas keeps the space after a closing quote, DuckDB drops it: the first lines differ, so pandas reads it."""
    path = write(
        tmp_path, "customer,date,amount\n" + "".join(f'"c{i % 7}" ,2024-01-{1 + i % 28:02d},{i}\n' for i in range(30))
    )
    expected, got = read_orders(path, engine="pandas"), read_orders(path, engine="duckdb")
    assert got.findings[0].issue == PANDAS_FINDING and "first lines" in got.findings[0].action
    assert got.findings[1:] == expected.findings
    pd.testing.assert_frame_equal(got.orders, expected.orders)
    assert read_orders(path, engine="auto").findings == expected.findings


# --------------------------------------------------------------------------------------------
# Bad files: the same message
# --------------------------------------------------------------------------------------------


def test_a_bad_date_in_row_n_is_named_alike(tmp_path):
    lines = [f"c{i % 5},2024-01-{1 + i % 28:02d},{i}" for i in range(100)]
    lines[40] = "c1,yesterday,5"
    lines[70] = "c2,yesterday,6"
    message = assert_same_error(write(tmp_path, "customer,date,amount\n" + "\n".join(lines) + "\n"))
    assert "row 42: 'yesterday'" in message and "row 72" in message


def test_a_bad_amount_and_other_refusals_are_alike(tmp_path):
    lines = [f"c{i % 5},2024-01-{1 + i % 28:02d},{i}" for i in range(50)]
    lines[9] = "c1,2024-01-05,ten"
    assert "row 11: 'ten'" in assert_same_error(write(tmp_path, "customer,date,amount\n" + "\n".join(lines) + "\n"))
    assert_same_error(write(tmp_path, "customer,date,amount\nann,2024-01-01,5\nann,2024-01-02,6\n", "one.csv"))
    assert_same_error(write(tmp_path, "customer,date,amount\nann,2024-01-01,5\nbob,2024-01-01,6\n", "day.csv"))
    assert_same_error(write(tmp_path, "who,when,what\nann,2024-01-01,5\n", "names.csv"))
    assert_same_error(
        write(tmp_path, "customer,date,amount\nann,2024-01-01,5\n", "asked.csv"), customer_id_col="client"
    )
    assert_same_error(write(tmp_path, "customer,date,amount\nann,2024-01-01,5,7\nbob,2024-01-09,6\n", "ragged.csv"))
    assert_same_error(tmp_path / "missing.csv")


# --------------------------------------------------------------------------------------------
# Choosing the engine
# --------------------------------------------------------------------------------------------


def test_auto_takes_duckdb_for_large_csv_files_only(tmp_path, monkeypatch):
    path = write(tmp_path, "customer,date,amount\nann,2024-01-01,5\nbob,2024-01-09,6\n")
    assert not _engine.worth_it(path)
    calls = []
    original = _engine.CsvLines.__init__

    def counting(self, *args, **kwargs):
        calls.append(args)
        original(self, *args, **kwargs)

    monkeypatch.setattr(_engine.CsvLines, "__init__", counting)
    read_orders(path)
    assert calls == []
    monkeypatch.setattr(_engine, "AUTO_MIN_BYTES", 10)
    assert _engine.worth_it(path)
    read_orders(path)
    assert len(calls) == 1
    assert not _engine.worth_it(pd.DataFrame({"a": [1]}))


def test_a_table_in_memory_with_duckdb_is_read_with_pandas_and_says_so():
    table = pd.DataFrame({"customer": ["ann", "bob"], "date": ["2024-01-01", "2024-02-01"], "amount": [1.0, 2.0]})
    got = read_orders(table, engine="duckdb")
    assert got.findings[0].issue == PANDAS_FINDING and "in memory" in got.findings[0].action
    assert read_orders(table, engine="auto").findings == []


def test_an_unknown_engine_is_refused():
    with pytest.raises(UsageError, match="engine='spark'"):
        read_orders(DATA / "plain_semicolon_de.csv", engine="spark")


def test_no_warning_reaches_the_terminal(tmp_path):
    text = "customer,date,amount,product,channel\n" + "".join(
        f"c{i % 23},2024-{1 + i % 12:02d}-{1 + i % 28:02d},{5 + i % 9},P{i % 4},{'ads' if i % 2 else 'email'}\n"
        for i in range(500)
    )
    path = write(tmp_path, text)
    from lifecycle_lib.tools import report_sections

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shop = report_sections.analyse(read_orders(path, engine="duckdb"))
        pandas_shop = report_sections.analyse(read_orders(path, engine="pandas"))
    assert shop.notes == pandas_shop.notes == []
    pd.testing.assert_frame_equal(shop.customer_list, pandas_shop.customer_list)


@pytest.mark.parametrize("engine", ["duckdb", "pandas", "auto"])
def test_the_command_takes_an_engine(tmp_path, engine, capsys):
    out = tmp_path / f"report_{engine}.html"
    assert main(["report", str(DATA / "plain_semicolon_de.csv"), "--out", str(out), "--engine", engine]) == 0
    assert out.exists() and "wrote" in capsys.readouterr().out


def test_the_command_refuses_an_unknown_engine(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["report", str(DATA / "plain_semicolon_de.csv"), "--out", str(tmp_path / "r.html"), "--engine", "spark"])
    assert "invalid choice" in capsys.readouterr().err


def test_both_engines_write_the_same_page_and_list(tmp_path):
    text = "customer,date,amount,product,channel,discount_code\n" + "".join(
        f"c{i % 97},2023-{1 + i % 12:02d}-{1 + i % 28:02d} 1{i % 10}:00,{5 + i % 40}.90,P{i % 5},"
        f"{('ads', 'email', 'search')[i % 3]},{'SAVE10' if i % 7 == 0 else ''}\n"
        for i in range(2000)
    )
    path = write(tmp_path, text)
    pages = {}
    for engine in ("duckdb", "pandas"):
        out = tmp_path / f"{engine}.html"
        assert main(["report", str(path), "--out", str(out), "--engine", engine]) == 0
        pages[engine] = out.read_text(encoding="utf-8").replace(f"{engine}_customers.csv", "LIST")
        pages[engine + " list"] = (tmp_path / f"{engine}_customers.csv").read_text(encoding="utf-8")
    assert pages["duckdb"] == pages["pandas"]
    assert pages["duckdb list"] == pages["pandas list"]
