"""Reading a table file as it is: CSV (delimiter and encoding sniffed), Excel (.xlsx) or Parquet.

:func:`read_table` is the one entry point. What it cannot read (a missing file, a folder, an empty
file, an old ``.xls`` workbook, a PDF or image, JSON or HTML, ragged CSV lines) raises
:class:`~lifecycle_lib.errors.DataError` with a fix, before pandas has a chance to raise anything
less readable. Row numbers in messages are spreadsheet rows: the header is row 1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from lifecycle_lib.errors import MAX_EXAMPLES, DataError

__all__ = ["read_table"]

_SAMPLE = 65536  # bytes read to recognise the format, the encoding and the delimiter
_DELIMITERS = (",", ";", "\t", "|")
_NAMED_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def _missing_file(path: Path) -> DataError:
    near = ""
    if path.parent.is_dir():
        siblings = sorted(
            p.name for p in path.parent.iterdir() if p.suffix.lower() in {".csv", ".xlsx", ".parquet", ".tsv", ".txt"}
        )
        if siblings:
            near = " (tables in that folder: " + ", ".join(siblings[:8]) + ")"
    return DataError(
        f"the file does not exist{near}",
        file=path,
        fix="check the path and the file name; a relative path is read from the folder you run the command in",
    )


def _empty_file(path: Path) -> DataError:
    return DataError(
        "the file is empty: it has no header and no rows",
        file=path,
        fix="export the orders again, with a header row and at least one order per line",
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


def _csv_settings(path: Path, raw_head: bytes) -> tuple[str, str]:
    """The delimiter and encoding of a CSV file, from its first bytes; a file that reads like text raises DataError."""
    # Decode the start of the file to decide encoding and delimiter; a UTF-8 error later in the
    # file (cut in the middle of a character at the sample's end is harmless) falls back to Latin-1.
    sample = raw_head[:_SAMPLE]
    try:
        text, encoding = _decode(sample)
    except UnicodeDecodeError:
        text, encoding = sample[3:].decode("utf-8", errors="ignore"), "utf-8-sig"
    if encoding == "utf-8" and len(sample) == _SAMPLE:
        text = sample.decode("utf-8", errors="ignore")
    sep = _sniff_delimiter(text)
    if sep is None:
        sep = ","
    lines = [re.sub(r'"[^"]*"', "x", ln) for ln in text.splitlines()[:200] if ln.strip()]
    if len(lines) > 1 and len(sample) < _SAMPLE or len(lines) > 20:
        body = lines[1:-1] if len(sample) == _SAMPLE else lines[1:]
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
    return sep, encoding


def _csv_options(sep: str) -> dict:
    """How pandas reads every CSV file: each field as text, only empty fields missing, spaces after a delimiter skipped."""
    return dict(sep=sep, dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True)


def _read_csv(path: Path, raw_head: bytes, nrows: int | None = None) -> pd.DataFrame:
    sep, encoding = _csv_settings(path, raw_head)
    read = dict(_csv_options(sep), nrows=nrows)
    try:
        try:
            df = pd.read_csv(path, encoding=encoding, **read)
        except UnicodeDecodeError:
            encoding = "latin-1"
            df = pd.read_csv(path, encoding=encoding, **read)
    except pd.errors.EmptyDataError:
        raise _empty_file(path) from None
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
    return df


def _read_excel(path: Path, sheet) -> pd.DataFrame:
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
    if sheet is not None:
        return _sheet(book, sheet)
    # Without a sheet named: every sheet with the first table's header, one after the other.
    frames = [(name, _sheet(book, name)) for name in names]
    frames = [(name, df) for name, df in frames if len(df.columns)]
    if not frames:
        return _sheet(book, names[0])
    header = list(frames[0][1].columns)
    same = [(name, df) for name, df in frames if list(df.columns) == header]
    other = [name for name, df in frames if list(df.columns) != header]
    df = pd.concat([df for _, df in same], ignore_index=True) if len(same) > 1 else same[0][1]
    df.attrs["sheets"] = {"read": [name for name, _ in same], "other": other}
    return df


def _sheet(book, name) -> pd.DataFrame:
    df = pd.read_excel(book, sheet_name=name, dtype=object)
    df = df.dropna(how="all").dropna(axis=1, how="all")
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:
        raise DataError(
            f"this does not read as a Parquet file ({type(exc).__name__})",
            file=path,
            fix="write it again with DataFrame.to_parquet, or export the orders as CSV",
        ) from None
    return df.reset_index(drop=True)


def read_table(path, sheet=None) -> pd.DataFrame:
    """Read a CSV, Excel (.xlsx) or Parquet file into a DataFrame, as it is.

    CSV files may use a comma, semicolon, tab or pipe between fields (sniffed from the header) and
    be UTF-8 with or without a byte-order mark, or Latin-1; every CSV field is read as text, so
    nothing is guessed before :func:`~lifecycle_lib.data.readers.read_orders` parses dates and
    amounts. The format is recognised from the file's first bytes, then from its suffix.

    Parameters
    ----------
    path : str or Path
        The file.
    sheet : str, optional
        The sheet of an Excel workbook. By default every sheet with the same header as the first
        non-empty one, one after the other; ``DataFrame.attrs["sheets"]`` then names the sheets
        read (``read``) and those with another header, left out (``other``).

    Returns
    -------
    DataFrame
        The table with its header as column names (stripped of spaces); CSV values as text.

    Raises
    ------
    DataError
        When the file is missing, empty, a folder, or not a table in one of those formats.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "orders.csv")
    >>> _ = open(path, "w", encoding="utf-8-sig").write("Kunde;Datum;Betrag\\nA;2024-01-02;1.234,50 €\\n")
    >>> read_table(path)
      Kunde       Datum      Betrag
    0     A  2024-01-02  1.234,50 €
    """
    kind, head = _file_kind(path)
    path = Path(path)
    if kind == "parquet":
        return _read_parquet(path)
    if kind == "excel":
        return _read_excel(path, sheet)
    return _read_csv(path, head)


def _file_kind(path) -> tuple[str, bytes]:
    """``("csv" | "excel" | "parquet", first bytes)`` of a table file; what is not one raises DataError."""
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
        head = fh.read(_SAMPLE)
    if not head.strip(b" \r\n\t\xef\xbb\xbf"):
        raise _empty_file(path)
    suffix = path.suffix.lower()
    if head.startswith(b"PAR1") or suffix == ".parquet":
        return "parquet", head
    if head.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
        return "excel", head
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
    return "csv", head
