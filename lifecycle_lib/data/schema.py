"""Column contracts of the course's tables, validation, and readers for a user's own files.

Every mistake in a user's data becomes a :class:`DataError` whose message names the file, the
column, example rows and the fix, so a learner never has to read a pandas traceback.

* :data:`TABLES` holds the column contract of every sample table (``datasets/README.md``) as data;
  :func:`validate` checks a frame against one of them.
* :func:`read_table` reads a CSV (delimiter and encoding sniffed), Excel or Parquet file as it is.
* :func:`read_orders` reads a user's orders export (the course's own columns, Shopify, WooCommerce,
  the UCI "Online Retail" invoices, or any customer/date/amount table), cleans it, and reports
  every repair it made in ``.quality``.

Row numbers in messages are the rows a user sees in a spreadsheet: the header is row 1, so the
first data row is row 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lifecycle_lib.errors import MAX_EXAMPLES, DataError
from lifecycle_lib.errors import _show

__all__ = [
    "DataError",
    "Column",
    "TABLES",
    "ORDERS_FILE_COLUMNS",
    "require_columns",
    "validate",
    "read_table",
    "parse_amounts",
    "parse_dates",
    "Finding",
    "OrdersFile",
    "read_orders",
]

_STR = pd.StringDtype("pyarrow")  # vectorised string operations on a million rows


# --------------------------------------------------------------------------------------------
# Column contracts of the sample tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a table's contract: its name, kind of values, and whether it must be there.

    ``kind`` is one of ``string``, ``category``, ``bool``, ``int``, ``float``, ``datetime``.

    >>> Column("amount", "float")
    Column(name='amount', kind='float', required=True)
    """

    name: str
    kind: str
    required: bool = True


def _cols(spec: str) -> tuple[Column, ...]:
    return tuple(Column(*item.split(":")) for item in spec.split())


TABLES: dict[str, tuple[Column, ...]] = {
    "products": _cols("product_id:string business:category name:string category:category partner:bool price:float"),
    "contacts": _cols("contact_id:string business:category first_seen:datetime channel:category email_opt_in:bool"),
    "events": _cols(
        "contact_id:string business:category timestamp:datetime session_id:int event:category source:category "
        "page:category product_id:string duration_s:float noticed:bool detail:string"
    ),
    "orders": _cols(
        "order_id:string contact_id:string business:category order_date:datetime product_id:string quantity:int "
        "unit_price:float discount:float amount:float promotion:category discount_code:string channel:category "
        "returned:bool"
    ),
    "promotions": _cols("promotion:string business:category start:datetime end:datetime discount:float"),
    "subscriptions": _cols(
        "subscription_id:string contact_id:string plan:category monthly_price:float start_date:datetime "
        "end_date:datetime end_reason:category"
    ),
    "tickets": _cols(
        "ticket_id:string contact_id:string business:category opened_at:datetime topic:category order_id:string "
        "first_response_hours:float satisfaction:int"
    ),
    "reviews": _cols(
        "review_id:string contact_id:string business:category product_id:string order_id:string "
        "created_at:datetime rating:int reply_hours:float"
    ),
    "referrals": _cols(
        "referral_id:string business:category referrer_id:string referred_id:string created_at:datetime"
    ),
    "true_types": _cols("contact_id:string business:category true_type:category"),
}
TABLES["orders_file"] = (
    Column("customer_id", "string"),
    Column("order_date", "datetime"),
    Column("amount", "float"),
    Column("order_id", "string", False),
    Column("product", "string", False),
    Column("quantity", "float", False),
    Column("channel", "string", False),
    Column("discount_code", "string", False),
    Column("promotion", "string", False),
    Column("country", "string", False),
)
ORDERS_FILE_COLUMNS = tuple(c.name for c in TABLES["orders_file"])


def _kind_ok(series: pd.Series, kind: str) -> bool:
    dtype = series.dtype
    api = pd.api.types
    if kind == "datetime":
        return api.is_datetime64_dtype(dtype) and not isinstance(dtype, pd.DatetimeTZDtype)
    if kind == "float":
        return api.is_numeric_dtype(dtype) and not api.is_bool_dtype(dtype)
    if kind == "int":
        if api.is_integer_dtype(dtype):
            return True
        if api.is_float_dtype(dtype):
            values = series.dropna()
            return bool((values == np.round(values)).all())
        return False
    if kind == "bool":
        return api.is_bool_dtype(dtype) or (dtype == object and series.dropna().map(type).eq(bool).all())
    # string and category: text in any of pandas' containers
    return isinstance(dtype, pd.CategoricalDtype) or api.is_string_dtype(dtype) or dtype == object


def _bad_rows(series: pd.Series, kind: str) -> pd.Series:
    """Boolean mask of values that do not fit ``kind`` (best effort, for the examples of a message)."""
    present = series.notna()
    if kind in ("float", "int"):
        converted = pd.to_numeric(series, errors="coerce")
        bad = present & converted.isna()
        if kind == "int":
            bad |= present & converted.notna() & (converted != np.round(converted))
        return bad
    if kind == "datetime":
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            return present
        return present & pd.to_datetime(series, errors="coerce", format="mixed").isna()
    if kind == "bool":
        return present & ~series.map(lambda v: isinstance(v, (bool, np.bool_)))
    return pd.Series(False, index=series.index)


def require_columns(frame, columns, *, what: str, fix: str | None = None) -> None:
    """Check that ``frame`` is a DataFrame with every column of ``columns``; the analytics' one input check.

    A frame missing a column raises :class:`DataError` naming the first missing column, the columns
    present and the fix; anything that is not a DataFrame is a programming error (``TypeError``).

    >>> orders = pd.DataFrame({"contact_id": ["a"], "amount": [9.5]})
    >>> require_columns(orders, ["contact_id", "amount"], what="orders")
    >>> require_columns(orders, ["contact_id", "order_date"], what="orders")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: column 'order_date': not found in the orders (columns present: contact_id, amount). Fix: pass the right column name, or rename your column.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"the {what} must be a pandas DataFrame, not {type(frame).__name__}; "
            "load your file with pandas (or lifecycle_lib.data.schema.read_orders) first"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        present = ", ".join(map(str, frame.columns[:20])) + (", ..." if len(frame.columns) > 20 else "")
        raise DataError(
            f"not found in the {what} (columns present: {present})",
            column=missing[0],
            fix=fix or "pass the right column name, or rename your column",
        )


def validate(df: pd.DataFrame, table: str, file=None) -> pd.DataFrame:
    """Check a frame against the column contract of ``table``; return it unchanged or raise DataError.

    ``table`` is one of the sample tables of :data:`TABLES` (``orders``, ``contacts``, ...) or
    ``orders_file``, the clean frame :func:`read_orders` returns. Columns the contract does not
    name are allowed. Rows in a message are the frame's index labels, or spreadsheet rows
    (header = row 1) when ``file`` is given.

    >>> orders = pd.DataFrame({"customer_id": ["a", "b"], "amount": [10.0, 12.5],
    ...                        "order_date": pd.to_datetime(["2024-01-02", "2024-02-03"])})
    >>> validate(orders, "orders_file") is orders
    True
    >>> validate(orders.drop(columns="amount"), "orders_file")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: column 'amount': a required column is missing (columns found: 'customer_id', 'order_date'). Fix: add a column named 'amount' holding float values, or rename the column that holds them.
    """
    if table not in TABLES:
        raise DataError(
            f"there is no table contract called {table!r}",
            file=file,
            fix="use one of " + ", ".join(sorted(TABLES)),
        )
    if not isinstance(df, pd.DataFrame):
        raise DataError(
            f"expected a pandas DataFrame for the {table} table, got {type(df).__name__}",
            file=file,
            fix="read the file with lifecycle_lib.data.schema.read_table() or pandas first",
        )
    for col in TABLES[table]:
        if col.name not in df.columns:
            if col.required:
                found = ", ".join(repr(str(c)) for c in df.columns[:30])
                raise DataError(
                    f"a required column is missing (columns found: {found})",
                    file=file,
                    column=col.name,
                    fix=f"add a column named {col.name!r} holding {col.kind} values, or rename the column that holds them",
                )
            continue
        series = df[col.name]
        if _kind_ok(series, col.kind):
            continue
        bad = _bad_rows(series, col.kind)
        labels = list(series.index[bad.to_numpy()])
        if file is not None:
            positions = np.flatnonzero(bad.to_numpy())
            labels = [int(p) + 2 for p in positions]
        values = list(series[bad].head(MAX_EXAMPLES))
        raise DataError(
            f"values should be {col.kind} but the column holds {series.dtype}",
            file=file,
            column=col.name,
            rows=labels,
            values=values,
            fix=f"convert the column to {col.kind} (e.g. with pd.to_numeric / pd.to_datetime) "
            "or correct the rows shown",
        )
    return df


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------

_DELIMITERS = (",", ";", "\t", "|")
_NAMED_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _missing_file(path: Path):
    near = ""
    if path.parent.is_dir():
        siblings = sorted(p.name for p in path.parent.iterdir() if p.suffix.lower() in {".csv", ".xlsx", ".parquet", ".tsv", ".txt"})
        if siblings:
            near = " (tables in that folder: " + ", ".join(siblings[:8]) + ")"
    return DataError(
        f"the file does not exist{near}",
        file=path,
        fix="check the path and the file name; a relative path is read from the folder you run the command in",
    )


def _decode(raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _sniff_delimiter(text: str) -> str | None:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return None
    header = re.sub(r'"[^"]*"', "x", lines[0])
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else None


def _read_csv(path: Path, raw_head: bytes) -> tuple[pd.DataFrame, dict]:
    # Decode the start of the file to decide encoding and delimiter; a UTF-8 error later in the
    # file (cut in the middle of a character at the sample's end is harmless) falls back to Latin-1.
    sample = raw_head[:65536]
    try:
        text, encoding = _decode(sample)
    except UnicodeDecodeError:
        text, encoding = sample[3:].decode("utf-8", errors="ignore"), "utf-8-sig"
    if encoding == "utf-8" and len(sample) == 65536:
        text = sample.decode("utf-8", errors="ignore")
    sep = _sniff_delimiter(text)
    if sep is None:
        sep = ","
    lines = [re.sub(r'"[^"]*"', "x", ln) for ln in text.splitlines()[:200] if ln.strip()]
    if len(lines) > 1 and len(sample) < 65536 or len(lines) > 20:
        body = lines[1:-1] if len(sample) == 65536 else lines[1:]
        same = sum(ln.count(sep) == lines[0].count(sep) for ln in body)
        if body and same < len(body) / 2:
            raise DataError(
                f"this is not a table: the header has {lines[0].count(sep) + 1} {_NAMED_DELIMITERS[sep]}-separated "
                f"fields but most lines have a different number (it reads like text, one column per line)",
                file=path,
                rows=[i + 2 for i, ln in enumerate(body) if ln.count(sep) != lines[0].count(sep)][:MAX_EXAMPLES],
                fix="export the orders as a table: CSV with a comma, semicolon or tab between columns, Excel (.xlsx) "
                "or Parquet",
            )
    read = dict(sep=sep, dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True)
    try:
        try:
            df = pd.read_csv(path, encoding=encoding, **read)
        except UnicodeDecodeError:
            encoding = "latin-1"
            df = pd.read_csv(path, encoding=encoding, **read)
    except pd.errors.EmptyDataError:
        raise DataError(
            "the file is empty: it has no header and no rows",
            file=path,
            fix="export the orders again, with a header row and at least one order per line",
        ) from None
    except pd.errors.ParserError as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if match:
            expected, line, saw = match.groups()
            raise DataError(
                f"this does not read as a table: the header has {expected} {_NAMED_DELIMITERS[sep]}-separated "
                f"columns but a later line has {saw}",
                file=path,
                rows=[int(line)],
                fix="quote fields that contain the separator, or export the file again as CSV from your shop "
                "or spreadsheet",
            ) from None
        raise DataError(
            f"this does not read as a table ({exc})",
            file=path,
            fix="export the orders again as CSV, Excel (.xlsx) or Parquet",
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    return df, {"format": "csv", "delimiter": _NAMED_DELIMITERS[sep], "encoding": encoding}


def _read_excel(path: Path, sheet) -> tuple[pd.DataFrame, dict]:
    try:
        import openpyxl  # noqa: F401  (pandas needs it for .xlsx)
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise DataError("reading Excel needs the openpyxl package", file=path, fix="pip install openpyxl") from None
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # a damaged or mislabelled workbook
        raise DataError(
            f"this does not read as an Excel workbook ({type(exc).__name__})",
            file=path,
            fix="open it in Excel or LibreOffice and save it again as .xlsx or CSV",
        ) from None
    names = book.sheet_names
    if sheet is not None and sheet not in names:
        raise DataError(
            f"the workbook has no sheet called {sheet!r} (sheets: {', '.join(map(repr, names))})",
            file=path,
            fix="pass one of those names with sheet=... (command line: --sheet NAME)",
        )
    name = names[0] if sheet is None else sheet
    df = pd.read_excel(book, sheet_name=name, dtype=object)
    df = df.dropna(how="all").dropna(axis=1, how="all")
    df.columns = [str(c).strip() for c in df.columns]
    return df, {"format": "excel", "sheet": name}


def _read_parquet(path: Path) -> tuple[pd.DataFrame, dict]:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:
        raise DataError(
            f"this does not read as a Parquet file ({type(exc).__name__})",
            file=path,
            fix="write it again with DataFrame.to_parquet, or export the orders as CSV",
        ) from None
    return df.reset_index(drop=True), {"format": "parquet"}


def _read_any(path, sheet=None) -> tuple[pd.DataFrame, dict]:
    path = Path(path)
    if not path.exists():
        raise _missing_file(path)
    if path.is_dir():
        raise DataError(
            "this is a folder, not a file",
            file=path,
            fix="pass the orders file inside it (a .csv, .xlsx or .parquet file)",
        )
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if not head.strip(b" \r\n\t\xef\xbb\xbf"):
        raise DataError(
            "the file is empty: it has no header and no rows",
            file=path,
            fix="export the orders again, with a header row and at least one order per line",
        )
    suffix = path.suffix.lower()
    if head.startswith(b"PAR1") or suffix == ".parquet":
        return _read_parquet(path)
    if head.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return _read_excel(path, sheet)
    if head.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise DataError(
            "this is an old Excel 97-2003 (.xls) workbook, which the course does not read",
            file=path,
            fix="open it in Excel or LibreOffice and save it as .xlsx or CSV",
        )
    if b"\x00" in head[:4096] or head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise DataError(
            "this is not a table: the file holds binary data (a PDF, an image or a program file?)",
            file=path,
            fix="export the orders from your shop as CSV, Excel (.xlsx) or Parquet",
        )
    if head.lstrip().startswith((b"{", b"[", b"<")):
        kind = "JSON" if head.lstrip()[:1] in (b"{", b"[") else "HTML or XML"
        raise DataError(
            f"this is not a table: the file holds {kind}",
            file=path,
            fix="export the orders from your shop as CSV, Excel (.xlsx) or Parquet",
        )
    return _read_csv(path, head)


def read_table(path, sheet=None) -> pd.DataFrame:
    """Read a CSV, Excel (.xlsx) or Parquet file into a DataFrame, as it is.

    CSV files may use a comma, semicolon, tab or pipe between fields (sniffed from the header) and
    be UTF-8 with or without a byte-order mark, or Latin-1; every CSV field is read as text, so
    nothing is guessed before :func:`read_orders` parses dates and amounts. Excel reads the first
    sheet unless ``sheet`` names another. A missing, empty or non-table file raises DataError.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "orders.csv")
    >>> _ = open(path, "w", encoding="utf-8-sig").write("Kunde;Datum;Betrag\\nA;2024-01-02;1.234,50 €\\n")
    >>> read_table(path)
      Kunde       Datum      Betrag
    0     A  2024-01-02  1.234,50 €
    """
    df, _ = _read_any(path, sheet)
    return df


# --------------------------------------------------------------------------------------------
# Parsing amounts and dates
# --------------------------------------------------------------------------------------------

_CURRENCY = re.compile(
    r"(?i)(?:[€$£¥₹₽₺₩₪₫₴₦฿]|\b(?:eur|usd|gbp|chf|czk|pln|sek|nok|dkk|huf|cad|aud|jpy|rub|kč|kc|zł|zl|ft|kr|lei|lv)\b\.?)"
)


def _decimal_style(texts: pd.Series) -> str:
    """'comma' when the column writes 1.234,56 or 12,5; 'point' otherwise."""
    sample = texts.dropna()
    if len(sample) > 20000:
        sample = sample.sample(20000, random_state=0)
    both = sample[sample.str.contains(",", regex=False) & sample.str.contains(".", regex=False)]
    if len(both):
        comma_last = (both.str.rfind(",") > both.str.rfind(".")).mean()
        return "comma" if comma_last > 0.5 else "point"
    commas = sample[sample.str.contains(",", regex=False)]
    if len(commas):
        # "12,5" or "12,50" is a decimal comma; "1,234" (always three digits) is a thousands comma
        if (~commas.str.contains(r",\d{3}$", regex=True)).any():
            return "comma"
        dots = sample[sample.str.contains(".", regex=False)]
        return "point" if len(dots) or len(commas) < len(sample) else "point"
    dots = sample[sample.str.contains(".", regex=False)]
    if len(dots) and dots.str.fullmatch(r"-?\d{1,3}(\.\d{3})+").all() and dots.str.count(r"\.").gt(1).any():
        return "comma"  # 1.234.567 with no decimals at all
    return "point"


def parse_amounts(values, *, column="amount", file=None, rows=None) -> pd.Series:
    """Turn money written as text into floats; text that is not an amount raises DataError.

    Handles currency symbols and codes (``€``, ``$``, ``EUR``, ``Kč`` ...), thousands separators,
    decimal commas (decided for the whole column: ``1.234,50`` and ``12,5`` mean a decimal comma),
    spaces inside numbers, and negatives written ``-5``, ``5-`` or ``(5)``. Empty cells stay
    missing. ``rows`` gives the spreadsheet row of each value, for the message.

    >>> parse_amounts(pd.Series(["€1.234,50", "12,5", "-3", None])).tolist()
    [1234.5, 12.5, -3.0, nan]
    >>> parse_amounts(pd.Series(["$1,200.00", "(15.00)", "USD 7"])).tolist()
    [1200.0, -15.0, 7.0]
    >>> parse_amounts(pd.Series(["10", "ten"]), column="Total", file="shop.csv")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: shop.csv: column 'Total': text where an amount was expected (row 3: 'ten'; row 1 is the header). Fix: write plain numbers such as 1234.50 (a currency symbol is fine), or pass monetary_value_col=... (command line: --monetary-value-col) to use another column.
    """
    series = pd.Series(values)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64")
    original = series
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        # fast path: a column of plain numbers needs no cleaning at all
        text = series.astype(_STR).str.strip()
        quick = pd.to_numeric(text, errors="coerce")
        if (quick.notna() | text.isna() | text.eq("").fillna(False)).all():
            return pd.Series(quick.to_numpy(dtype="float64", na_value=np.nan), index=series.index, name=series.name)
    as_obj = series.astype(object)
    numeric_mask = as_obj.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
    text = as_obj.where(~numeric_mask).astype(_STR).str.strip()
    text = text.mask(text == "")
    cleaned = text.str.replace(_CURRENCY, "", regex=True).str.replace(r"[\s\u00a0\u202f'’]", "", regex=True)
    negative = cleaned.str.fullmatch(r"\(.*\)") | cleaned.str.endswith("-")
    cleaned = cleaned.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.replace(r"-$", "", regex=True)
    style = _decimal_style(cleaned)
    if style == "comma":
        cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        cleaned = cleaned.str.replace(",", "", regex=False)
    number = pd.to_numeric(cleaned.astype(object), errors="coerce").astype("float64")
    number = number.where(~negative.fillna(False).astype(bool), -number)
    number = number.where(~numeric_mask, pd.to_numeric(as_obj.where(numeric_mask), errors="coerce"))
    bad = (number.isna() & text.notna() & ~numeric_mask).to_numpy(dtype=bool)
    if bad.any():
        positions = np.flatnonzero(bad)
        where = _where(positions, rows, file, original.index)
        raise DataError(
            "text where an amount was expected",
            file=file,
            column=column,
            rows=where,
            values=list(original.iloc[positions[:MAX_EXAMPLES]]),
            fix="write plain numbers such as 1234.50 (a currency symbol is fine), or pass monetary_value_col=... "
            "(command line: --monetary-value-col) to use another column",
        )
    return pd.Series(number.to_numpy(dtype="float64"), index=original.index, name=original.name)


def _where(positions, rows, file, index) -> list:
    if rows is not None:
        rows = np.asarray(rows)
        return [int(r) for r in rows[positions]]
    if file is not None:
        return [int(p) + 2 for p in positions]
    return [index[p] for p in positions]


_TZ_SUFFIX = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z|\s?UTC|\s?GMT)$")
# (format, label) tried in order; for slashes the US month-first reading is tried first because
# Shopify, WooCommerce and the UCI file write it, and ambiguity is reported.
_DATE_FORMATS = [
    ("%Y-%m-%d", "YYYY-MM-DD"),
    ("%Y-%m-%d %H:%M", "YYYY-MM-DD hh:mm"),
    ("%Y-%m-%d %H:%M:%S", "YYYY-MM-DD hh:mm:ss"),
    ("%m/%d/%Y %H:%M", "month/day/year hh:mm"),
    ("%d/%m/%Y %H:%M", "day/month/year hh:mm"),
    ("%m/%d/%Y", "month/day/year"),
    ("%d/%m/%Y", "day/month/year"),
    ("%m/%d/%Y %H:%M:%S", "month/day/year hh:mm:ss"),
    ("%d/%m/%Y %H:%M:%S", "day/month/year hh:mm:ss"),
    ("%m/%d/%y %H:%M", "month/day/yy hh:mm"),
    ("%d/%m/%y", "day/month/yy"),
    ("%m/%d/%y", "month/day/yy"),
    ("%d.%m.%Y", "day.month.year"),
    ("%d.%m.%Y %H:%M", "day.month.year hh:mm"),
    ("%d.%m.%Y %H:%M:%S", "day.month.year hh:mm:ss"),
    ("%d.%m.%y", "day.month.yy"),
    ("%d-%m-%Y", "day-month-year"),
    ("%d-%m-%Y %H:%M", "day-month-year hh:mm"),
    ("%Y/%m/%d", "year/month/day"),
    ("%Y/%m/%d %H:%M", "year/month/day hh:mm"),
    ("%Y%m%d", "YYYYMMDD"),
]


def parse_dates(values, *, column="order_date", file=None, rows=None, notes=None) -> pd.Series:
    """Turn dates written as text (or Excel dates) into naive datetimes; unreadable text raises DataError.

    The format is decided once for the column (ISO ``2024-03-05 10:15``, ``03/05/2024``,
    ``05.03.2024`` ...). Where day and month could be swapped and every value fits both, the
    month-first reading is used and a note says so. Dates with a time-zone offset (``+0100``,
    ``Z``) are converted to UTC and the zone dropped; dates without one are taken as already in
    UTC. ``notes``, a list, receives a sentence for each such decision.

    >>> notes = []
    >>> parse_dates(pd.Series(["2024-03-05 10:15:00 +0100", "2024-03-06 08:00:00 -0500"]), notes=notes).tolist()
    [Timestamp('2024-03-05 09:15:00'), Timestamp('2024-03-06 13:00:00')]
    >>> notes[0]
    'dates carry time-zone offsets (+0100, -0500): converted to UTC and stored without a zone'
    >>> parse_dates(pd.Series(["31.12.2024", "01.02.2025"])).dt.strftime("%Y-%m-%d").tolist()
    ['2024-12-31', '2025-02-01']
    """
    notes = notes if notes is not None else []
    series = pd.Series(values)
    original = series
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        zones = str(series.dt.tz)
        notes.append(f"dates carry the time zone {zones}: converted to UTC and stored without a zone")
        return series.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return series
    as_obj = series.astype(object)
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        is_stamp = pd.Series(False, index=series.index)
    else:
        is_stamp = as_obj.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat"))
    text = as_obj.where(~is_stamp).astype(_STR).str.strip()
    text = text.mask(text == "")
    uniques = pd.Series(text.dropna().unique()).astype(object)
    has_tz = (uniques.astype(_STR).str.contains(_TZ_SUFFIX.pattern, regex=True).fillna(False).astype(bool)
              if len(uniques) else pd.Series([], dtype=bool))
    if len(uniques) and has_tz.any():
        fmt, utc = "ISO8601", True
        offsets = sorted(set(uniques[has_tz].str.extract(r"([+-]\d{2}:?\d{2}|Z|UTC|GMT)$")[0].dropna()))
        shown = ", ".join(offsets[:4]) + (" ..." if len(offsets) > 4 else "")
        msg = f"dates carry time-zone offsets ({shown}): converted to UTC and stored without a zone"
        if (~has_tz).any():
            msg += f"; {int((~has_tz).sum())} distinct date(s) without an offset were taken as UTC"
        notes.append(msg)
    elif len(uniques):
        probe = uniques.iloc[:2000]
        best, best_hits, label = None, -1, None
        hits_by_format = {}
        for fmt, name in _DATE_FORMATS:
            hits = int(pd.to_datetime(probe, format=fmt, errors="coerce").notna().sum())
            hits_by_format[fmt] = hits
            if hits > best_hits:
                best, best_hits, label = fmt, hits, name
        iso = pd.to_datetime(probe, format="ISO8601", errors="coerce").notna().sum()
        if iso > best_hits:
            best, label = "ISO8601", "ISO 8601"
        fmt, utc = best, False
        if "%m/%d" in best:
            swapped = best.replace("%m/%d", "%d/%m")
            if hits_by_format.get(swapped, 0) == best_hits and best_hits > 0:
                notes.append(
                    f"dates such as {uniques.iloc[0]!r} read as {label}: every date fits both month/day and "
                    "day/month, and month/day is the shop exports' convention; pass the dates as YYYY-MM-DD "
                    "if that is wrong"
                )
    result = pd.Series(pd.NaT, index=range(len(series)), dtype="datetime64[us]")
    if len(uniques):
        plain = pd.Series(text.to_numpy(dtype=object, na_value=None))
        parsed = pd.to_datetime(plain, format=fmt, utc=utc, errors="coerce")
        missed = parsed.isna() & plain.notna()
        if missed.any():  # the odd value in another format
            parsed[missed] = pd.to_datetime(plain[missed], format="mixed", utc=utc, errors="coerce")
        if utc:
            parsed = parsed.dt.tz_localize(None)
        result = pd.Series(parsed.to_numpy(), index=range(len(series)))
    if is_stamp.any():
        stamps = pd.to_datetime(as_obj[is_stamp].tolist(), utc=False)
        result.iloc[np.flatnonzero(is_stamp.to_numpy())] = stamps
    bad = (result.isna().to_numpy() & text.notna().to_numpy())
    if bad.any():
        positions = np.flatnonzero(bad)
        raise DataError(
            "these values are not dates",
            file=file,
            column=column,
            rows=_where(positions, rows, file, original.index),
            values=list(original.iloc[positions[:MAX_EXAMPLES]]),
            fix="write dates as YYYY-MM-DD (or YYYY-MM-DD hh:mm), correct the rows shown, or pass datetime_col=... "
            "(command line: --datetime-col) to use another column",
        )
    result.index = original.index
    return result.astype("datetime64[ns]")


# --------------------------------------------------------------------------------------------
# Recognising orders exports
# --------------------------------------------------------------------------------------------


def _compact(name) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


_SYNONYMS = {
    "customer_id": [
        "customerid", "contactid", "customer", "customerno", "customernumber", "customeremail", "email",
        "emailaddress", "mail", "clientid", "client", "clientemail", "buyer", "buyerid", "buyeremail", "userid",
        "user", "memberid", "accountid", "kundennummer", "kundenid", "kunde", "kundenr", "idcliente", "cliente",
        "idclient", "klient", "klientid", "zakaznik", "zákazník", "klant", "klantnummer", "клиент", "покупатель",
        "idклиента", "cliente_id",
    ],
    "order_date": [
        "orderdate", "date", "orderdatetime", "orderedat", "createdat", "purchasedate", "purchasedat",
        "transactiondate", "invoicedate", "saledate", "paiddate", "paidat", "datetime", "timestamp", "datum",
        "bestelldatum", "kaufdatum", "fecha", "fechapedido", "data", "datacompra", "dateachat", "datecommande",
        "datumobjednavky", "datumobjednávky", "дата", "датазаказа",
    ],
    "amount": [
        "amount", "total", "ordertotal", "totalamount", "grandtotal", "revenue", "value", "ordervalue",
        "sales", "netsales", "totalprice", "amountpaid", "paid", "sum", "monetaryvalue", "betrag", "umsatz",
        "gesamt", "gesamtbetrag", "importe", "total€", "montant", "totale", "valor", "castka", "částka",
        "celkem", "cena", "сумма", "bedrag", "omzet",
    ],
    "order_id": [
        "orderid", "ordernumber", "orderno", "order", "invoiceno", "invoice", "invoiceid", "invoicenumber",
        "transactionid", "receiptnumber", "bestellnummer", "bestellung", "pedido", "numpedido", "commande",
        "objednavka", "objednávka", "заказ",
    ],
    "product": [
        "product", "productname", "productid", "item", "itemname", "description", "sku", "productsku", "title",
        "article", "artikel", "produkt", "producto", "produit", "výrobek", "товар",
    ],
    "quantity": ["quantity", "qty", "units", "count", "menge", "anzahl", "cantidad", "quantité", "quantite",
                 "počet", "pocet", "množství", "количество"],
    "channel": ["channel", "source", "utmsource", "trafficsource", "referrer", "salechannel", "saleschannel",
                "kanal", "canal", "zdroj", "канал"],
    "discount_code": ["discountcode", "couponcode", "coupon", "coupons", "promocode", "vouchercode", "voucher",
                      "gutschein", "cupon", "kupon"],
    "promotion": ["promotion", "promo", "campaign", "aktion", "kampagne", "campaña", "kampaň", "акция"],
    "country": ["country", "land", "país", "pais", "pays", "země", "zeme", "страна"],
}
_UNIT_PRICE = ["unitprice", "price", "itemprice", "preis", "precio", "prix", "cena"]
_STATUS = ["status", "orderstatus", "financialstatus", "paymentstatus", "state", "stav"]

_REVERSED_STATUSES = {"refunded", "voided", "cancelled", "canceled", "failed", "void", "storniert", "cancelado",
                      "annulé", "annule", "zrušeno", "wc-refunded", "wc-cancelled", "wc-failed"}


def _find(columns: dict, candidates) -> str | None:
    for cand in candidates:
        if cand in columns:
            return columns[cand]
    return None


def _detect_layout(df: pd.DataFrame) -> str:
    names = {_compact(c) for c in df.columns}
    if {"contactid", "orderdate", "amount"} <= names or {"customerid", "orderdate", "amount", "orderid"} <= names:
        return "course"
    if {"name", "financialstatus", "createdat", "total"} <= names or (
        {"name", "createdat"} <= names and any(n.startswith("lineitem") for n in names)
    ):
        return "shopify"
    if {"stockcode", "invoicedate"} <= names and ({"invoiceno", "unitprice"} <= names or {"invoice", "price"} <= names):
        return "uci"
    order_ids = {"ordernumber", "orderid", "order", "ordernumberformatted"}
    totals = {"ordertotal", "ordertotalamount", "netsales"}
    buyers = {"billingemail", "emailbilling", "customerid", "customeruser", "customeremail", "customer"}
    if names & order_ids and names & totals and names & buyers:
        return "woocommerce"
    return "plain"


LAYOUT_NAMES = {
    "course": "the course's own orders columns",
    "shopify": "Shopify orders export",
    "woocommerce": "WooCommerce orders export",
    "uci": 'UCI "Online Retail" invoices',
    "plain": "a customer / date / amount table",
}


# --------------------------------------------------------------------------------------------
# Result object
# --------------------------------------------------------------------------------------------


@dataclass
class Finding:
    """One data-quality finding: what was found, how many rows, and what was done about it.

    :func:`read_orders` lists them in :attr:`OrdersFile.findings`; printed, one reads as a sentence:

    >>> print(Finding("exact duplicate lines", 2, "kept the first copy, dropped the others", [5, 9]))
    exact duplicate lines: 2 row(s) (e.g. rows 5, 9) -> kept the first copy, dropped the others
    """

    issue: str
    rows: int
    action: str
    examples: list = field(default_factory=list)

    def __str__(self) -> str:
        where = f" (e.g. rows {', '.join(map(str, self.examples[:MAX_EXAMPLES]))})" if self.examples else ""
        return f"{self.issue}: {self.rows:,} row(s){where} -> {self.action}"


@dataclass
class OrdersFile:
    """A user's orders file, read and cleaned by :func:`read_orders`.

    Attributes
    ----------
    orders : DataFrame
        One row per order line that counts as a purchase: ``customer_id`` (string), ``order_date``
        (datetime64, naive UTC), ``amount`` (float, what the customer paid for the line, net of
        partial refunds), and where the file has them ``order_id``, ``product``, ``quantity``,
        ``channel``, ``discount_code``, ``promotion``, ``country``.
    returns : DataFrame
        Lines taken out as returns, refunds or cancellations, in the same columns (amount positive).
    layout : str
        Which export was recognised (a key of ``LAYOUT_NAMES``).
    columns : dict
        Which column of the file became which clean column.
    findings : list of Finding
        What was found and done; :attr:`quality` is the same as a DataFrame.
    observation_period_end : Timestamp
        The date the analysis looks from.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "orders.csv")
    >>> _ = open(path, "w").write("client;date;total\\nann;2024-01-05;10,50\\nbob;2024-02-01;20\\n"
    ...                           "ann;2024-03-01;12\\nbob;2024-02-01;20\\n")
    >>> shop = read_orders(path)
    >>> shop
    OrdersFile('orders.csv', layout='a customer / date / amount table')
      4 rows read -> 3 purchase lines, 3 orders, 2 customers
      orders from 2024-01-05 to 2024-03-01, as of 2024-03-02
      columns used: customer_id <- 'client', order_date <- 'date', amount <- 'total'
      data quality (1 finding(s)):
        - exact duplicate lines: 1 row(s) (e.g. rows 5) -> kept the first copy, dropped the others
    >>> shop.orders["amount"].tolist()
    [10.5, 20.0, 12.0]
    """

    file: str
    layout: str
    orders: pd.DataFrame
    returns: pd.DataFrame
    columns: dict
    findings: list
    observation_period_end: pd.Timestamp
    lines_read: int = 0

    @property
    def quality(self) -> pd.DataFrame:
        """The data-quality findings as a table: issue, rows affected, action taken."""
        return pd.DataFrame(
            [{"issue": f.issue, "rows": f.rows, "action": f.action} for f in self.findings],
            columns=["issue", "rows", "action"],
        )

    @property
    def customers(self) -> int:
        return int(self.orders["customer_id"].nunique())

    def __repr__(self) -> str:
        o = self.orders
        n_orders = o["order_id"].nunique() if "order_id" in o else len(o)
        lines = [
            f"OrdersFile({Path(self.file).name!r}, layout={LAYOUT_NAMES.get(self.layout, self.layout)!r})",
            f"  {self.lines_read:,} rows read -> {len(o):,} purchase lines, {n_orders:,} orders, "
            f"{self.customers:,} customers",
            f"  orders from {o['order_date'].min():%Y-%m-%d} to {o['order_date'].max():%Y-%m-%d}, "
            f"as of {self.observation_period_end:%Y-%m-%d}",
            "  columns used: " + ", ".join(f"{k} <- {v!r}" for k, v in self.columns.items()),
        ]
        if self.findings:
            lines.append(f"  data quality ({len(self.findings)} finding(s)):")
            lines += [f"    - {f}" for f in self.findings]
        else:
            lines.append("  data quality: nothing to report")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# read_orders
# --------------------------------------------------------------------------------------------


def _option_column(df, given, option, what, file):
    if given is None:
        return None
    if given in df.columns:
        return given
    lookup = {_compact(c): c for c in df.columns}
    if _compact(given) in lookup:
        return lookup[_compact(given)]
    import difflib

    close = difflib.get_close_matches(str(given), [str(c) for c in df.columns], n=3)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    raise DataError(
        f"you asked for column {given!r} as the {what}, but the file has no such column "
        f"(columns found: {', '.join(map(repr, map(str, df.columns[:30])))}){hint}",
        file=file,
        column=given,
        fix=f"pass {option}=... with one of the columns found (command line: --{option.replace('_', '-')})",
    )


_REQUIRED_WHAT = {"customer_id": ("customer id", "customer_id_col"), "order_date": ("order date", "datetime_col"),
                  "amount": ("amount", "monetary_value_col")}


def _missing_required(df, key, file, layout):
    what, option = _REQUIRED_WHAT[key]
    found = ", ".join(repr(str(c)) for c in df.columns[:30])
    examples = {"customer_id": "customer, client, email, customer_id", "order_date": "date, order_date, created_at",
                "amount": "amount, total, revenue, value"}[key]
    return DataError(
        f"no {what} column was recognised (columns found: {found}; names understood include {examples})",
        file=file,
        column=what,
        fix=f"pass {option}='<column name>' (command line: --{option.replace('_', '-')} '<column name>'), "
        f"or rename the column that holds the {what}",
    )


def _spread(frame: pd.DataFrame, order_col: str, total: pd.Series, weight: pd.Series) -> pd.Series:
    """Split each order's total over its lines in proportion to ``weight`` (equal shares when all are 0)."""
    key = frame[order_col]
    order_total = total.groupby(key, sort=False).transform("first")
    w = weight.fillna(0).clip(lower=0)
    w_sum = w.groupby(key, sort=False).transform("sum")
    n = key.groupby(key, sort=False).transform("size")
    share = np.where(w_sum > 0, w / w_sum.where(w_sum > 0, 1), 1.0 / n)
    return order_total * share


def _clean_ids(values: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        text = values.astype(_STR).str.strip()
        if text.str.contains(".", regex=False).any():
            text = text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
        is_email = text.str.contains("@", regex=False).fillna(False)
        if is_email.any():
            text = text.where(~is_email, text.str.lower())
        return text.mask(text == "")
    as_obj = values.astype(object)
    text = as_obj.map(
        lambda v: (str(int(v)) if isinstance(v, (float, np.floating)) and np.isfinite(v) and v == int(v) else v)
        if not isinstance(v, str) else v
    )
    text = text.astype(_STR).str.strip()
    text = text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    is_email = text.str.contains("@", regex=False).fillna(False)
    text = text.where(~is_email, text.str.lower())
    return text.mask(text == "")


def read_orders(
    path,
    customer_id_col=None,
    datetime_col=None,
    monetary_value_col=None,
    order_col=None,
    product_col=None,
    sheet=None,
    observation_period_end=None,
    name=None,
) -> OrdersFile:
    """Read a user's orders export, recognise its layout, clean it, and report what was repaired.

    Recognised without options: the course's own orders columns; Shopify's orders export (order
    totals spread over line items, refunded and voided orders taken out, partial refunds netted);
    WooCommerce order exports; the UCI "Online Retail" invoices (amount = Quantity x UnitPrice,
    'C' invoices and negative quantities are returns); and any table with a customer, a date and
    an amount under a common name in English, German, Spanish, French, Czech or Russian. The
    ``*_col`` options name the columns when the names are not recognised. ``path`` may also be a
    DataFrame (then ``name`` labels it in messages), e.g. the course's sample orders.

    Unusable input raises :class:`DataError`; usable but dirty data (duplicate lines, returns,
    missing customer ids, dates after ``observation_period_end``, time zones) is cleaned and listed in ``.quality``.
    ``observation_period_end`` defaults to the day after the last order.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "orders.csv")
    >>> _ = open(path, "w").write(
    ...     "client;date;total\\nann;2024-01-05;10,50\\nbob;2024-02-01;20\\nann;2024-03-01;-10,50\\n"
    ...     "bob;2024-02-01;20\\n;2024-03-03;5\\n")
    >>> result = read_orders(path)
    >>> result.orders[["customer_id", "amount"]].values.tolist()
    [['ann', 10.5], ['bob', 20.0]]
    >>> result.quality["issue"].tolist()
    ['exact duplicate lines', 'missing customer id', 'returns, refunds or cancellations (negative amounts)']
    """
    if isinstance(path, pd.DataFrame):
        file = str(name or "the orders table")
        raw, info = path.reset_index(drop=True), {"format": "DataFrame"}
    else:
        file = str(path)
        raw, info = _read_any(path, sheet)
    if len(raw.columns) < 2:
        only = repr(str(raw.columns[0])) if len(raw.columns) else "none"
        raise DataError(
            f"this is not a table of orders: only one column was found ({only})",
            file=file,
            fix="save the file with a comma, semicolon or tab between columns, with a customer, a date and an amount "
            "column",
        )
    if raw.empty:
        raise DataError(
            "the file has a header but no rows (columns found: "
            + ", ".join(repr(str(c)) for c in raw.columns[:30]) + ")",
            file=file,
            fix="export the orders again including the order rows, or choose a longer date range in the export",
        )
    lines_read = len(raw)
    findings: list[Finding] = []
    raw = raw.reset_index(drop=True)
    row_no = pd.Series(np.arange(len(raw)) + 2, name="_row")

    dup = raw.duplicated(keep="first").to_numpy()
    if dup.any():
        findings.append(Finding("exact duplicate lines", int(dup.sum()), "kept the first copy, dropped the others",
                                list(row_no[dup].head(MAX_EXAMPLES))))
        raw = raw[~dup]
        row_no = row_no[~dup]

    layout = _detect_layout(raw)
    given = {
        "customer_id": _option_column(raw, customer_id_col, "customer_id_col", "customer id", file),
        "order_date": _option_column(raw, datetime_col, "datetime_col", "order date", file),
        "amount": _option_column(raw, monetary_value_col, "monetary_value_col", "amount", file),
        "order_id": _option_column(raw, order_col, "order_col", "order id", file),
        "product": _option_column(raw, product_col, "product_col", "product", file),
    }
    if any(v is not None for v in given.values()) and layout != "plain":
        # The user named columns: honour them, and only use the layout's own rules for the rest.
        pass
    std, used, status, refunded = _standardise(raw, layout, given, file, findings, row_no.to_numpy())
    std["_row"] = row_no.to_numpy()
    used_note = dict(used)

    # -- status-based reversals (refunded / cancelled / failed orders) ---------------------------------
    returns_parts = []
    if status is not None:
        st = status.astype(_STR).str.strip().str.lower().str.replace(r"\s+", "-", regex=True)
        reversed_mask = st.isin(_REVERSED_STATUSES).fillna(False).to_numpy()
        if reversed_mask.any():
            counts = st[reversed_mask].value_counts()
            what = ", ".join(f"{k} {v:,}" for k, v in counts.items())
            findings.append(Finding(f"refunded, cancelled or failed orders ({what})", int(reversed_mask.sum()),
                                    "taken out of the purchases and kept in .returns",
                                    list(std["_row"][reversed_mask][:MAX_EXAMPLES])))
            returns_parts.append(std[reversed_mask])
            std = std[~reversed_mask]
            if refunded is not None:
                refunded = refunded[~reversed_mask]

    # -- dates -----------------------------------------------------------------------------------------
    notes: list[str] = []
    date_src = used["order_date"]
    no_date = std["order_date"].isna() | std["order_date"].astype(_STR).str.strip().eq("").fillna(False)
    no_date = no_date.to_numpy(dtype=bool)
    if no_date.all():
        raise DataError("every date cell is empty", file=file, column=date_src,
                        fix="pass datetime_col=... (command line: --datetime-col) naming the column with the order dates")
    if no_date.any():
        findings.append(Finding("missing order date", int(no_date.sum()), "dropped these lines",
                                list(std["_row"][no_date][:MAX_EXAMPLES])))
        std = std[~no_date]
        if refunded is not None:
            refunded = refunded[~no_date]
    std["order_date"] = parse_dates(std["order_date"], column=date_src, file=file,
                                    rows=std["_row"].to_numpy(), notes=notes).to_numpy()
    for note in notes:
        findings.append(Finding("date format", len(std), note))

    # -- amounts ---------------------------------------------------------------------------------------
    amount_src = used["amount"]
    if not pd.api.types.is_float_dtype(std["amount"].dtype) or std["amount"].dtype == object:
        std["amount"] = parse_amounts(std["amount"], column=amount_src, file=file, rows=std["_row"].to_numpy()).to_numpy()
    if refunded is not None:
        ref = parse_amounts(refunded, column="Refunded Amount", file=file, rows=std["_row"].to_numpy()).fillna(0)
        ref = ref.to_numpy()
        deduct = std["_refund_share"].to_numpy() * ref
        partial = deduct > 0
        if partial.any():
            findings.append(Finding("partial refunds", int(partial.sum()),
                                    f"subtracted the {deduct.sum():,.2f} refunded from those orders' amounts",
                                    list(std["_row"][partial][:MAX_EXAMPLES])))
            std["amount"] = std["amount"].to_numpy() - deduct
    no_amount = std["amount"].isna().to_numpy()
    if no_amount.all():
        raise DataError("every amount cell is empty", file=file, column=amount_src,
                        fix="pass monetary_value_col=... (command line: --monetary-value-col) naming the column with the order amounts")
    if no_amount.any():
        findings.append(Finding("missing amount", int(no_amount.sum()), "dropped these lines",
                                list(std["_row"][no_amount][:MAX_EXAMPLES])))
        std = std[~no_amount]

    # -- customers -------------------------------------------------------------------------------------
    std["customer_id"] = _clean_ids(std["customer_id"]).to_numpy()
    no_customer = std["customer_id"].isna().to_numpy()
    if no_customer.all():
        raise DataError("every customer id cell is empty", file=file, column=used["customer_id"],
                        fix="pass customer_id_col=... (command line: --customer-id-col) naming the column that identifies "
                        "the customer (an id or an email)")
    if no_customer.any():
        findings.append(Finding("missing customer id", int(no_customer.sum()),
                                f"dropped these lines ({std['amount'][no_customer].sum():,.2f} of sales nobody can be "
                                "credited with)", list(std["_row"][no_customer][:MAX_EXAMPLES])))
        std = std[~no_customer]

    # -- returns as negative lines -----------------------------------------------------------------------
    negative = (std["amount"] < 0).to_numpy().copy()
    if "_is_return" in std:
        negative = negative | std["_is_return"].to_numpy(dtype=bool)
    if negative.any():
        label = "returns, refunds or cancellations (negative amounts)"
        if layout == "uci":
            label = "cancellations and returns ('C' invoices, negative quantities)"
        findings.append(Finding(label, int(negative.sum()),
                                f"taken out of the purchases ({-std['amount'][negative].clip(upper=0).sum():,.2f} "
                                "returned) and kept in .returns", list(std["_row"][negative][:MAX_EXAMPLES])))
        returns_parts.append(std[negative])
        std = std[~negative]
    if "_returned" in std:
        ret = std["_returned"].fillna(False).to_numpy(dtype=bool)
        if ret.any():
            findings.append(Finding("lines marked returned", int(ret.sum()),
                                    "taken out of the purchases and kept in .returns",
                                    list(std["_row"][ret][:MAX_EXAMPLES])))
            returns_parts.append(std[ret])
            std = std[~ret]

    if std.empty:
        raise DataError("no purchases are left after taking out returns, cancellations and unusable lines",
                        file=file, column=amount_src,
                        fix="check that the file holds sales, not only refunds, and that amounts are positive")

    # -- observation_period_end and future dates ----------------------------------------------------------------------------
    first, last = std["order_date"].min(), std["order_date"].max()
    if observation_period_end is None:
        as_of_ts = (last + pd.Timedelta(days=1)).normalize()
    else:
        try:
            as_of_ts = pd.Timestamp(observation_period_end)
        except (ValueError, TypeError):
            raise DataError(f"observation_period_end={observation_period_end!r} is not a date", file=file, column=date_src,
                            fix="pass observation_period_end as YYYY-MM-DD (command line: --observation-period-end 2025-12-31)") from None
        if as_of_ts.tzinfo is not None:
            as_of_ts = as_of_ts.tz_convert("UTC").tz_localize(None)
        if as_of_ts <= first:
            raise DataError(
                f"observation_period_end={as_of_ts:%Y-%m-%d} is on or before the first order ({first:%Y-%m-%d %H:%M})",
                file=file, column=date_src, rows=list(std.loc[std["order_date"] == first, "_row"][:1]),
                values=[first.strftime("%Y-%m-%d %H:%M")],
                fix=f"pass a later observation_period_end (command line: --observation-period-end), e.g. the day after the last order, "
                f"{(last + pd.Timedelta(days=1)):%Y-%m-%d}, or leave it out",
            )
    future = (std["order_date"] >= as_of_ts).to_numpy()
    if future.any():
        findings.append(Finding(f"dates on or after observation_period_end {as_of_ts:%Y-%m-%d}", int(future.sum()),
                                "left out of the analysis (orders in the future of the chosen date)",
                                list(std["_row"][future][:MAX_EXAMPLES])))
        std = std[~future]

    # -- usable at all? ------------------------------------------------------------------------------------
    if std["customer_id"].nunique() < 2:
        who = std["customer_id"].iloc[0]
        raise DataError(
            f"every order belongs to one customer ({who!r}); a customer analysis needs at least two",
            file=file, column=used["customer_id"], rows=list(std["_row"][:MAX_EXAMPLES]),
            values=list(std["customer_id"][:MAX_EXAMPLES]),
            fix="check that this column identifies the buyer (not the shop or the currency) and pass "
            "customer_id_col=... (command line: --customer-id-col) otherwise",
        )
    if std["order_date"].dt.normalize().nunique() < 2:
        day = std["order_date"].iloc[0]
        raise DataError(
            f"all orders fall on one day ({day:%Y-%m-%d}); recency and repeat buying need a longer history",
            file=file, column=date_src, rows=list(std["_row"][:MAX_EXAMPLES]),
            values=[d.strftime("%Y-%m-%d %H:%M") for d in std["order_date"][:MAX_EXAMPLES]],
            fix="export a longer period of orders, or pass datetime_col=... (command line: --datetime-col) if this is "
            "the wrong date column",
        )

    orders = _finish(std)
    returns = _finish(pd.concat(returns_parts)) if returns_parts else _finish(std.iloc[0:0])
    returns["amount"] = returns["amount"].abs()
    for key in ("_refund_share",):
        used_note.pop(key, None)
    return OrdersFile(
        file=file,
        layout=layout,
        orders=orders,
        returns=returns,
        columns=used_note,
        findings=findings,
        observation_period_end=as_of_ts,
        lines_read=lines_read,
    )


def _finish(std: pd.DataFrame) -> pd.DataFrame:
    keep = [c for c in ORDERS_FILE_COLUMNS if c in std.columns]
    out = std[keep].copy()
    out["customer_id"] = out["customer_id"].astype(_STR)
    if not pd.api.types.is_datetime64_dtype(out["order_date"].dtype):  # lines set aside before parsing
        out["order_date"] = parse_dates(out["order_date"], notes=[]).to_numpy()
    out["order_date"] = out["order_date"].astype("datetime64[ns]")
    out["amount"] = parse_amounts(out["amount"]).astype("float64")
    for col in ("order_id", "product", "channel", "discount_code", "promotion", "country"):
        if col in out:
            out[col] = _clean_text(out[col])
    if "quantity" in out:
        out["quantity"] = pd.to_numeric(out["quantity"], errors="coerce")
    out = out.sort_values("order_date", kind="stable").reset_index(drop=True)
    return out


def _clean_text(values: pd.Series) -> pd.Series:
    text = _clean_ids(values) if values.dtype != "string" else values.str.strip()
    return text.astype(_STR)


def _standardise(raw: pd.DataFrame, layout: str, given: dict, file, findings, rows):
    """Map a raw frame to the clean column names; returns (frame, columns used, status, refunded)."""
    lookup = {}
    for c in raw.columns:
        lookup.setdefault(_compact(c), c)
    pick = {}
    for key, cands in _SYNONYMS.items():
        pick[key] = _find(lookup, cands)
    status_col = _find(lookup, _STATUS)
    refunded_col = None
    std = pd.DataFrame(index=raw.index)
    used: dict = {}
    extra_line_value = None  # weight for spreading an order total over its lines
    total_col = None

    if layout == "course":
        pick["customer_id"] = _find(lookup, ["contactid", "customerid"])
        pick["product"] = _find(lookup, ["productid", "product"])
        pick["order_date"] = lookup.get("orderdate")
        pick["amount"] = lookup.get("amount")
        pick["channel"] = lookup.get("channel")
        pick["order_id"] = lookup.get("orderid")
        status_col = None
    elif layout == "shopify":
        pick.update(customer_id=lookup.get("email"), order_date=lookup.get("createdat"), order_id=lookup.get("name"),
                    product=_find(lookup, ["lineitemname", "lineitemsku"]), quantity=lookup.get("lineitemquantity"),
                    discount_code=lookup.get("discountcode"), channel=lookup.get("source"),
                    country=_find(lookup, ["billingcountry", "shippingcountry"]), promotion=None)
        total_col = lookup.get("total")
        status_col = lookup.get("financialstatus")
        refunded_col = lookup.get("refundedamount")
        if lookup.get("lineitemprice") and lookup.get("lineitemquantity"):
            extra_line_value = ("mul", lookup["lineitemprice"], lookup["lineitemquantity"])
    elif layout == "woocommerce":
        pick.update(
            customer_id=_find(lookup, ["billingemail", "emailbilling", "customeremail", "customerid", "customeruser",
                                       "customer"]),
            order_date=_find(lookup, ["orderdate", "date", "datecreated", "createdat", "paiddate"]),
            order_id=_find(lookup, ["ordernumber", "ordernumberformatted", "orderid", "order"]),
            product=_find(lookup, ["itemname", "productname", "products", "name", "sku", "itemsku"]),
            quantity=_find(lookup, ["quantity", "qty", "itemquantity", "itemssold"]),
            discount_code=_find(lookup, ["couponcode", "couponsused", "coupons", "couponitems", "coupon"]),
            channel=_find(lookup, ["attribution", "origin", "source", "channel", "createdvia"]),
            country=_find(lookup, ["countrycodebilling", "billingcountry", "countrybilling", "country"]),
            promotion=None,
        )
        total_col = _find(lookup, ["ordertotal", "ordertotalamount", "netsales", "total"])
        status_col = _find(lookup, ["orderstatus", "status"])
        refunded_col = _find(lookup, ["orderrefundamount", "refundamount", "refunded", "ordertotalrefunded"])
        line_total = _find(lookup, ["orderlinetotal", "itemtotal", "linetotal", "orderlinewotax"])
        item_cost = _find(lookup, ["itemcost", "itemprice", "price"])
        if line_total:
            extra_line_value = ("col", line_total)
        elif item_cost and pick["quantity"]:
            extra_line_value = ("mul", item_cost, pick["quantity"])
    elif layout == "uci":
        pick.update(customer_id=_find(lookup, ["customerid"]), order_date=lookup.get("invoicedate"),
                    order_id=_find(lookup, ["invoiceno", "invoice"]),
                    product=_find(lookup, ["description", "stockcode"]), quantity=lookup.get("quantity"),
                    country=lookup.get("country"), channel=None, discount_code=None, promotion=None)
        status_col = None

    # explicit options win over everything the layout guessed
    for key, col in given.items():
        if col is not None:
            pick[key] = col
            if key == "amount":
                total_col = None
                extra_line_value = None

    for key in ("customer_id", "order_date"):
        if pick.get(key) is None:
            raise _missing_required(raw, key, file, layout)

    std["customer_id"] = raw[pick["customer_id"]]
    used["customer_id"] = pick["customer_id"]
    std["order_date"] = raw[pick["order_date"]]
    used["order_date"] = pick["order_date"]
    for key in ("order_id", "product", "quantity", "channel", "discount_code", "promotion", "country"):
        col = pick.get(key)
        if col is not None and col not in used.values():
            std[key] = raw[col]
            used[key] = col

    # Order-level fields written only on an order's first line (Shopify) are copied to its other lines.
    if layout in ("shopify", "woocommerce") and "order_id" in std:
        firsts = [c for c in (pick["customer_id"], pick["order_date"], total_col, status_col, refunded_col,
                              pick.get("discount_code"), pick.get("channel"), pick.get("country")) if c]
        firsts = list(dict.fromkeys(firsts))
        filled = raw[firsts].groupby(raw[pick["order_id"]], sort=False).transform("first")
        for c in firsts:
            for key, src in used.items():
                if src == c and key in std:
                    std[key] = filled[c]
        raw = raw.assign(**{c: filled[c] for c in firsts})

    uci_price = _find(lookup, ["unitprice", "price"]) if layout == "uci" else None
    if layout == "uci" and given.get("amount") is None:
        qty = parse_amounts(raw[lookup["quantity"]], column=lookup["quantity"], file=file, rows=rows)
        price = parse_amounts(raw[uci_price], column=uci_price, file=file, rows=rows)
        std["amount"] = (qty * price).to_numpy()
        used["amount"] = f"{lookup['quantity']} x {uci_price}"
        inv = raw[pick["order_id"]].astype(_STR).str.strip().str.upper()
        std["_is_return"] = (inv.str.startswith("C").fillna(False) | (qty < 0)).to_numpy()
        findings.append(Finding("amount computed", len(raw), f"amount = {used['amount']} for every line"))
    elif total_col is not None and layout in ("shopify", "woocommerce") and "order_id" in std:
        total = parse_amounts(raw[total_col], column=total_col, file=file, rows=rows)
        if extra_line_value and extra_line_value[0] == "mul":
            weight = (parse_amounts(raw[extra_line_value[1]], column=extra_line_value[1], file=file, rows=rows).fillna(0)
                      * parse_amounts(raw[extra_line_value[2]], column=extra_line_value[2], file=file, rows=rows).fillna(1))
        elif extra_line_value:
            weight = parse_amounts(raw[extra_line_value[1]], column=extra_line_value[1], file=file, rows=rows)
        else:
            weight = pd.Series(1.0, index=raw.index)
        std["amount"] = _spread(std, "order_id", total, weight).to_numpy()
        ones = pd.Series(1.0, index=raw.index)
        std["_refund_share"] = (_spread(std, "order_id", ones, weight)).to_numpy()
        multi = std["order_id"].duplicated(keep=False)
        used["amount"] = total_col + (" (order total spread over its lines)" if multi.any() else "")
    else:
        if pick.get("amount") is None:
            price_col = _find(lookup, _UNIT_PRICE)
            qty_col = pick.get("quantity")
            if price_col and qty_col:
                qty = parse_amounts(raw[qty_col], column=qty_col, file=file, rows=rows)
                price = parse_amounts(raw[price_col], column=price_col, file=file, rows=rows)
                std["amount"] = (qty * price).to_numpy()
                used["amount"] = f"{qty_col} x {price_col}"
                findings.append(Finding("amount computed", len(raw), f"amount = {used['amount']} for every line"))
            else:
                raise _missing_required(raw, "amount", file, layout)
        else:
            std["amount"] = raw[pick["amount"]]
            used["amount"] = pick["amount"]
        if refunded_col is not None:
            std["_refund_share"] = 1.0

    if layout == "course" and "returned" in lookup:
        flag = raw[lookup["returned"]].astype(_STR).str.strip().str.lower()
        std["_returned"] = flag.isin(["true", "1", "yes"]).fillna(False).to_numpy()

    status = raw[status_col] if status_col is not None else None
    refunded = raw[refunded_col] if refunded_col is not None else None
    return std, used, status, refunded
