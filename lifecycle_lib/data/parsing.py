"""Amounts and dates written as text, turned into floats and naive datetimes.

* :func:`parse_amounts` reads money as shops and spreadsheets write it: currency symbols and
  codes, thousands separators, decimal commas, negatives as ``-5``, ``5-`` or ``(5)``.
* :func:`parse_dates` decides a column's date format once (ISO, month/day, day.month ...),
  converts time-zone offsets to UTC, and says in a note what it decided.

Text that is not an amount or a date raises :class:`~lifecycle_lib.errors.DataError` naming the
column, the rows and the values.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lifecycle_lib.errors import MAX_EXAMPLES, DataError

__all__ = ["parse_amounts", "parse_dates"]

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
