"""Amounts and dates written as text, turned into floats and naive datetimes.

* :func:`parse_amounts` reads money as shops and spreadsheets write it: currency symbols and
  codes, thousands separators, decimal commas, negatives as ``-5``, ``5-`` or ``(5)``.
* :func:`parse_dates` decides a column's date format once (ISO, month/day, day.month ...),
  converts time-zone offsets to UTC, and says in a note what it decided.
* :func:`parse_packed_items` reads line items packed into one cell (``name:Dog bed|quantity:2|total:59.90``),
  as WooCommerce order exporters write them.
* :func:`split_baskets` splits product cells that list a basket (``2× Dog bed, 1× Chew toy``).

Text that is not an amount, a date, an item or a quantity raises :class:`~lifecycle_lib.errors.DataError` naming the
column, the rows and the values.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lifecycle_lib.errors import MAX_EXAMPLES, DataError

__all__ = ["parse_amounts", "parse_dates", "parse_packed_items", "split_baskets"]

_STR = pd.StringDtype("pyarrow")  # vectorised string operations on a million rows

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
    missing. A numeric column is returned as floats without any cleaning.

    Parameters
    ----------
    values : Series or array-like
        The amounts, as text, numbers or a mix.
    column : str
        The column's name, for the message (default ``"amount"``).
    file : str or Path, optional
        The file the values came from, for the message.
    rows : array-like of int, optional
        The spreadsheet row of each value, for the message; by default the position + 2 when
        ``file`` is given, else the index labels.

    Returns
    -------
    Series
        float64 amounts on the index of ``values``; empty cells are NaN.

    Raises
    ------
    DataError
        When a value is text that is not an amount.

    Examples
    --------
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
    UTC.

    Parameters
    ----------
    values : Series or array-like
        The dates, as text, Timestamps (Excel dates) or datetimes.
    column : str
        The column's name, for the message (default ``"order_date"``).
    file : str or Path, optional
        The file the values came from, for the message.
    rows : array-like of int, optional
        The spreadsheet row of each value, for the message.
    notes : list, optional
        Receives a sentence for each decision taken (a time zone converted, day and month ambiguous).

    Returns
    -------
    Series
        Dates without a time zone (datetime64), on the index of ``values``; empty cells are NaT.

    Raises
    ------
    DataError
        When a value is text that is not a date.

    Examples
    --------
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
# Line items packed into one cell, and baskets written as text
# --------------------------------------------------------------------------------------------

# Keys of a packed item whose values are numbers (money or counts).
_ITEM_NUMBERS = ("quantity", "qty", "subtotal", "subtotal_tax", "total", "total_tax", "refunded", "refunded_qty",
                 "amount", "refund_total", "price", "cost")
_PACKED_FIX = ("write each item as key:value pairs separated by |, such as name:Dog bed|sku:DB-L|quantity:2|total:59.90 "
               "(several items in one cell separated by ;), or export the orders again with one row per line item")


def _packed_number(text: str):
    """A number as exporters write it in packed items (59.90, 1,234.50, 59,90), or None."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(?:\.\d+)?|-?\.\d+", text):
        return float(text)
    if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
        return float(text.replace(",", ""))
    if re.fullmatch(r"-?\d+,\d{1,2}", text):
        return float(text.replace(",", "."))
    return None


def _unescape(text: str) -> str:
    return text.replace("\\:", ":").replace("\\|", "|").replace("\\;", ";").strip()


def _packed_cell(cell: str, need_product: bool) -> list[dict]:
    """The items of one packed cell, each a dict of text values; ValueError says what is wrong."""
    text = cell.strip()
    if text[:1] in "[{":
        import json

        try:
            found = json.loads(text)
        except ValueError:
            raise ValueError("it starts like JSON but is not valid JSON") from None
        found = [found] if isinstance(found, dict) else found
        if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
            raise ValueError("the JSON is not a list of items")
        items = [{str(k).strip().lower(): ("" if v is None else str(v)) for k, v in item.items()} for item in found]
    else:
        items = []
        for chunk in re.split(r"(?<!\\);", text):
            if not chunk.strip():
                continue
            item = {}
            for field in re.split(r"(?<!\\)\|", chunk):
                if not field.strip():
                    continue
                parts = re.split(r"(?<!\\):", field, maxsplit=1)
                if len(parts) != 2 or not parts[0].strip():
                    raise ValueError(f"{_unescape(field)!r} is not a key:value pair")
                item[_unescape(parts[0]).lower().replace(" ", "_")] = _unescape(parts[1])
            items.append(item)
    for item in items:
        if need_product and not any(item.get(k, "").strip() for k in ("name", "sku", "product_id")):
            raise ValueError("an item has no name, sku or product_id")
        if need_product and not (item.get("quantity") or item.get("qty") or "").strip():
            raise ValueError("an item has no quantity")
        for key in _ITEM_NUMBERS:
            value = item.get(key, "").strip()
            if value:
                number = _packed_number(value)
                if number is None:
                    raise ValueError(f"{key} {value!r} is not a number")
                item[key] = number
    return items


def parse_packed_items(values, *, column="line_items", file=None, rows=None, line_items=True) -> pd.DataFrame:
    """Read items packed into cells, as WooCommerce order exporters write them, into one row per item.

    A cell holds one or more items separated by ``;``; an item is ``key:value`` pairs separated
    by ``|`` (``name:Dog bed|sku:DB-L|quantity:2|total:59.90``), with ``\\:``, ``\\|`` and
    ``\\;`` standing for those characters inside a value. A JSON list of objects is read too. Keys
    are compared in lower case; empty cells have no items.

    Parameters
    ----------
    values : Series
        The cells of one column (``line_item_1``, ``line_items``, ``refunds`` ...).
    column : str
        The column's name, for messages.
    file : str or Path, optional
        The file, for messages.
    rows : array-like of int, optional
        The spreadsheet row of each cell, for messages.
    line_items : bool, default True
        Whether the items are products: each then needs a name, sku or product id and a quantity.
        False for refund entries (``amount:5.00|reason:...``).

    Returns
    -------
    DataFrame
        ``position`` (of the cell in ``values``), ``item`` (its place in the cell, from 0) and one
        column per key found; the number keys (``quantity``, ``total``, ``refunded``,
        ``refunded_qty``, ``amount`` ...) as floats, the others as text.

    Raises
    ------
    DataError
        When a cell is not made of ``key:value`` pairs, an item has no product or quantity, or a
        number cannot be read; the message names the column, the rows and the cells.

    Examples
    --------
    >>> cells = pd.Series(["name:Dog bed large|product_id:123|sku:DB-L|quantity:2|total:59.90",
    ...                    None, "name:Chew toy|quantity:1|total:7.50;name:Paw balm\\\\: 50 ml|quantity:3|total:36"])
    >>> parse_packed_items(cells)[["position", "item", "name", "quantity", "total"]]
       position  item             name  quantity  total
    0         0     0    Dog bed large       2.0   59.9
    1         2     0         Chew toy       1.0    7.5
    2         2     1  Paw balm: 50 ml       3.0   36.0
    >>> parse_packed_items(pd.Series(["Dog bed, 2, 59.90"]), column="line_item_1", file="orders.csv")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: orders.csv: column 'line_item_1': 1 packed item cell(s) cannot be read: 'Dog bed, 2, 59.90' is not a key:value pair (row 2: 'Dog bed, 2, 59.90'; row 1 is the header). Fix: ...
    """
    series = pd.Series(values)
    records, bad, reason = [], [], None
    text = series.astype(object).where(series.notna(), None)
    for position, cell in enumerate(text.tolist()):
        if cell is None or not str(cell).strip():
            continue
        try:
            items = _packed_cell(str(cell), line_items)
        except ValueError as exc:
            bad.append(position)
            reason = reason or str(exc)
            continue
        for i, item in enumerate(items):
            records.append({"position": position, "item": i, **item})
    if bad:
        positions = np.asarray(bad)
        raise DataError(f"{len(bad)} packed item cell(s) cannot be read: {reason}", file=file, column=column,
                        rows=_where(positions, rows, file, series.index),
                        values=list(series.iloc[positions[:MAX_EXAMPLES]]), fix=_PACKED_FIX)
    out = pd.DataFrame.from_records(records, columns=None if records else ["position", "item"])
    for key in _ITEM_NUMBERS:
        if key in out:
            out[key] = pd.to_numeric(out[key].where(out[key] != ""), errors="coerce").astype("float64")
    if "qty" in out:
        out["quantity"] = out["quantity"].fillna(out["qty"]) if "quantity" in out else out["qty"]
        out = out.drop(columns="qty")
    return out.reset_index(drop=True)


_NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"}
_QTY = r"\d+(?:\.\d+)?"
# "2× Hoodie", "2 × Hoodie", "2x Hoodie", "2 x Hoodie": a quantity before the name
_PREFIX = re.compile(r"^\s*(?P<q>[^\s×✕]+?)\s*[×✕]\s+(?P<name>\S.*)$|^\s*(?P<q2>[^\s×✕xX]+)\s*[xX]\s+(?P<name2>\S.*)$")
# "Hoodie x 2", "Hoodie × 2", "Hoodie x2", "Hoodie (2)", "Hoodie (x2)": a quantity after the name. A name
# ending in a digit ("Bed 80 x 60") is a size, and "(2 pack)" or "(500 ml)" belong to the name.
_SUFFIX = re.compile(r"^(?P<name>.*?[^\d\s])\s+[×✕xX]\s*(?P<q>[^\s()]+)\s*$|^(?P<name2>.*?\S)\s*\(\s*"
                     r"(?P<q2>[×✕xX]\s*[^\s()]+|[^\s()]+)\s*\)\s*$")


def _quantity_of(piece: str):
    """(name, quantity) of one basket entry; quantity None when it has none; ValueError when unreadable."""
    for pattern, before in ((_PREFIX, True), (_SUFFIX, False)):
        match = pattern.match(piece)
        if not match:
            continue
        q = match.group("q") if match.group("q") is not None else match.group("q2")
        name = match.group("name") if match.group("name") is not None else match.group("name2")
        marked = before or match.group("q") is not None or bool(re.match(r"[×✕xX]", q))  # an x or × says "quantity"
        q = re.sub(r"^[×✕xX]\s*", "", q) if match.group("q2") is not None else q
        if re.fullmatch(_QTY, q) and float(q) > 0:
            return name.strip(), float(q)
        number_like = bool(re.fullmatch(r"[-+]?[\d.,/]+", q))
        if (marked and number_like) or q.lower() in _NUMBER_WORDS or re.fullmatch(r"[-+]?\d+", q):
            raise ValueError(f"the quantity {q!r} in {piece.strip()!r} is not a positive number")
        if before and ("×" in piece or "✕" in piece):
            raise ValueError(f"the quantity {q!r} in {piece.strip()!r} is not a positive number")
    return piece.strip(), None


def _basket(cell: str):
    """The (product, quantity) entries of a basket cell, or None when the cell names one product."""
    text = cell.strip()
    if not text:
        return None
    if ";" in text or "\n" in text:
        pieces = re.split(r"\s*[;\n]\s*", text)
    elif _PREFIX.match(text.split(",")[0]):
        # "2× Dog bed, 1× Shampoo, oat & aloe": split only where the next entry starts with a quantity
        pieces = re.split(r"\s*,\s*(?=[^\s,×✕]+?\s*[×✕]\s|\d+\s*[xX]\s)", text)
    else:
        pieces = re.split(r"\s*,\s*", text)
    entries = [_quantity_of(p) for p in pieces if p.strip()]
    if not any(q is not None for _, q in entries):
        return None
    return [(name, 1.0 if q is None else q) for name, q in entries]


def split_baskets(values, *, column="product", file=None, rows=None) -> pd.DataFrame:
    """Split product cells that list a basket (``2× Dog bed, 1× Chew toy``) into products and quantities.

    Understood: a quantity before the name (``2× Dog bed``, ``2 x Dog bed``) or after it (``Dog
    bed x 2``, ``Dog bed × 2``, ``Dog bed (2)``), entries separated by commas or semicolons; an
    entry without a quantity counts once. A cell is a basket when at least one entry carries a
    quantity, so a product name with a comma (``Shampoo, oat & aloe``) stays whole; where the
    quantities come first, commas inside names are kept as well.

    Parameters
    ----------
    values : Series
        The product cells.
    column : str
        The column's name, for messages.
    file : str or Path, optional
        The file, for messages.
    rows : array-like of int, optional
        The spreadsheet row of each cell, for messages.

    Returns
    -------
    DataFrame
        One row per product of every basket cell: ``position`` (of the cell in ``values``),
        ``product`` and ``quantity`` (float). Cells that name one product are left out.

    Raises
    ------
    DataError
        When an entry's quantity is there but is not a positive number (``two× Chew toy``,
        ``Dog bed (0)``), naming the column, the rows and the cells.

    Examples
    --------
    >>> split_baskets(pd.Series(["2× Dog bed, 1× Chew toy", "Paw balm", "Dog bed x 2, Chew toy x 1",
    ...                          "Dog bed (2); Chew toy"]))
       position   product  quantity
    0         0   Dog bed       2.0
    1         0  Chew toy       1.0
    2         2   Dog bed       2.0
    3         2  Chew toy       1.0
    4         3   Dog bed       2.0
    5         3  Chew toy       1.0
    >>> split_baskets(pd.Series(["2× Dog bed, two× Chew toy"]), column="Product(s)", file="orders.csv")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: orders.csv: column 'Product(s)': a basket of products has a quantity that cannot be read: the quantity 'two' in 'two× Chew toy' is not a positive number (row 2: '2× Dog bed, two× Chew toy'; row 1 is the header). Fix: ...
    """
    series = pd.Series(values)
    text = series.astype(object).where(series.notna(), None)
    uniques = pd.unique(pd.Series([v for v in text.tolist() if v is not None], dtype=object))
    parsed, reasons = {}, {}
    for cell in uniques:
        try:
            found = _basket(str(cell))
        except ValueError as exc:
            reasons[cell] = str(exc)
            continue
        if found is not None:
            parsed[cell] = found
    if reasons:
        positions = np.flatnonzero(text.isin(list(reasons)).to_numpy())
        first = reasons[text.iloc[positions[0]]]
        raise DataError(
            f"a basket of products has a quantity that cannot be read: {first}", file=file, column=column,
            rows=_where(positions, rows, file, series.index), values=list(series.iloc[positions[:MAX_EXAMPLES]]),
            fix="write each product of a basket with a whole number, as '2× Dog bed' or 'Dog bed x 2', separated by "
            "commas or semicolons; or pass product_col=... (command line: --product-col) to use another column")
    records = [(position, name, q) for position, cell in enumerate(text.tolist()) if cell in parsed
               for name, q in parsed[cell]]
    return pd.DataFrame(records, columns=["position", "product", "quantity"]).astype({"quantity": "float64"})
