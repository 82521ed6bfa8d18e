"""Large CSV orders files read out of core with DuckDB, for ``read_orders(..., engine="duckdb")``.

:class:`CsvLines` does the part of reading that grows with the file and needs no rule of the
course: DuckDB reads the CSV file itself (every field as text, as
:func:`~lifecycle_lib.data.files.read_table` reads it with pandas) into a database whose memory
is capped (:data:`MEMORY_LIMIT`) and which spills to a temporary folder, removed afterwards, so a
file larger than memory is read all the same. In SQL it then

* finds exact duplicate lines (a hash of each line grouped first, then the candidate lines
  compared field by field, so the count is exact);
* lists the distinct values of each column the reader needs, in the order they first appear in
  the file, and replaces every field by the number of its value (a dictionary code, -1 for an
  empty field).

What comes back is one small integer per field and the distinct values, so the rules of
:mod:`~lifecycle_lib.data.readers`, :mod:`~lifecycle_lib.data.parsing` and
:mod:`~lifecycle_lib.data.layouts` (date formats, decimal commas, the customer column,
statuses, findings) run on the distinct values only, once each, and reach every line through its
code: one truth for both readers, at a cost that grows with the number of distinct values rather
than the number of lines.

A file this reader does not read exactly as pandas would raises :class:`Unsupported`, and the
caller reads it with pandas instead: DuckDB failing to parse it (a ragged line, a stray byte),
the first :data:`HEAD_ROWS` lines coming out differently from pandas' reading, or anything the
caller decides from the header and the values.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from lifecycle_lib.data.files import _csv_options, _csv_settings, _file_kind

__all__ = [
    "AUTO_MIN_BYTES",
    "HEAD_ROWS",
    "MEMORY_LIMIT",
    "CsvLines",
    "Unsupported",
    "free_large_blocks_promptly",
    "release_memory",
    "worth_it",
]

#: With ``engine="auto"``, CSV files at least this large are read with DuckDB (smaller ones with pandas,
#: which starts faster; benchmarks/README.md has the measurements behind the choice).
AUTO_MIN_BYTES = 10_000_000
#: The memory DuckDB may use before it spills to its temporary folder.
MEMORY_LIMIT = "400MB"
#: Lines read by pandas as well, to check that DuckDB reads the file the same way.
HEAD_ROWS = 5000


class Unsupported(Exception):
    """This file is not one the DuckDB reader reads exactly as pandas does; the message says why, in plain words."""


def worth_it(path) -> bool:
    """Whether ``engine="auto"`` reads ``path`` with DuckDB: a CSV file of at least :data:`AUTO_MIN_BYTES`.

    Parameters
    ----------
    path : str, Path or DataFrame
        What :func:`~lifecycle_lib.data.readers.read_orders` was given.

    Returns
    -------
    bool
        False for a DataFrame, a small file, a file that is not CSV, or a path that is not a
        readable file (pandas then reports the problem).

    Examples
    --------
    >>> worth_it("no/such/file.csv"), worth_it(pd.DataFrame({"a": [1]}))
    (False, False)
    """
    if isinstance(path, pd.DataFrame):
        return False
    try:
        if os.path.getsize(path) < AUTO_MIN_BYTES:
            return False
        return _file_kind(path)[0] == "csv"
    except (OSError, TypeError, ValueError):  # DataError is a ValueError: pandas will say what is wrong
        return False


def free_large_blocks_promptly(threshold: int = 1 << 20) -> bool:
    """Have the C library map every block of ``threshold`` bytes or more on its own, so freeing it returns it at once.

    By default glibc raises that threshold as large blocks are freed, and later arrays of a few
    tens of MB then come from the heap, where what is freed stays with the process: on a file of
    ten million lines the report's resident size grew by several hundred MB that way between its
    steps. Call it once, before the large arrays are made (``lifecycle report`` does). Elsewhere
    than glibc it does nothing and returns False.

    Examples
    --------
    >>> free_large_blocks_promptly() in (True, False)
    True
    """
    try:
        import ctypes

        return bool(ctypes.CDLL("libc.so.6").mallopt(-3, int(threshold)))  # -3: M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # not glibc
        return False


def release_memory() -> None:
    """Give the memory freed after a large read back to the system (Arrow's pool, and the C library's heap on Linux).

    Without it the process keeps hundreds of megabytes it no longer uses while the report is
    computed; nothing changes but the resident size.

    Examples
    --------
    >>> release_memory()
    """
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _text(value: str) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


class CsvLines:
    """A CSV orders file in a temporary DuckDB database: duplicate lines found, fields replaced by codes.

    Use it as a context manager; leaving it closes the database and removes its folder.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    memory_limit : str, default :data:`MEMORY_LIMIT`
        DuckDB's memory limit (``"500MB"``, ``"2GB"``); what does not fit spills to disk.
    check : callable, optional
        Called with :attr:`head` before DuckDB reads the file; it raises :class:`Unsupported` to
        turn the file down early (an export the caller does not handle).

    Attributes
    ----------
    columns : list of str
        The file's column names, as pandas reads them (stripped of spaces).
    head : DataFrame
        The first :data:`HEAD_ROWS` lines as pandas reads them.
    lines : int
        How many lines the file has, after the header.

    Raises
    ------
    DataError
        When the file is not a CSV table at all (missing, empty, binary ...), as pandas' reader says.
    Unsupported
        When DuckDB cannot read the file exactly as pandas does.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "orders.csv")
    >>> _ = open(path, "w").write("client,date,total\\nann,2024-01-05,10\\nbob,2024-02-01,20\\nann,2024-01-05,10\\n")
    >>> with CsvLines(path) as csv:
    ...     print(csv.lines, csv.duplicates())
    ...     coded = csv.encode(["client", "total"], drop_duplicates=True)
    3 (1, [4])
    >>> coded["_row"].tolist(), coded["client"][0].tolist(), coded["client"][1].tolist()
    ([2, 3], [0, 1], ['ann', 'bob'])
    """

    def __init__(self, path, memory_limit: str = MEMORY_LIMIT, check=None):
        self.path = Path(path)
        self.memory_limit = memory_limit
        self.check = check
        self._folder = None
        self._con = None
        self._dups = 0

    # -- opening and closing ----------------------------------------------------------------------

    def __enter__(self) -> CsvLines:
        kind, first_bytes = _file_kind(self.path)
        if kind != "csv":
            raise Unsupported(
                f"the DuckDB reader reads CSV files, and this is {'an Excel' if kind == 'excel' else 'a Parquet'} file"
            )
        sep, encoding = _csv_settings(self.path, first_bytes)
        try:
            head = pd.read_csv(self.path, encoding=encoding, nrows=HEAD_ROWS, **_csv_options(sep))
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
            raise Unsupported("the first lines of the file do not read as a table") from None
        head.columns = [str(c).strip() for c in head.columns]
        if len(head.columns) < 2 or head.empty:
            raise Unsupported("the file has fewer than two columns or no rows")
        self.columns, self.head = list(head.columns), head
        if self.check is not None:  # the caller may turn the file down from its first lines, before DuckDB reads it
            self.check(head)
        try:
            import duckdb
        except ImportError:  # pragma: no cover - duckdb is a dependency
            raise Unsupported("the duckdb package is not installed") from None
        self._duckdb = duckdb
        self._folder = tempfile.mkdtemp(prefix="lifecycle-duckdb-")
        try:
            self._con = duckdb.connect(":memory:")
            self._con.execute(f"SET memory_limit = {_text(self.memory_limit)}")
            self._con.execute(f"SET temp_directory = {_text(os.path.join(self._folder, 'spill'))}")
            self._con.execute("SET preserve_insertion_order = true")
            self._con.execute("SET enable_progress_bar = false")  # nothing on the terminal
            self._load(sep, "latin-1" if encoding == "latin-1" else "utf-8")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _load(self, sep: str, encoding: str) -> None:
        """The file as table ``raw`` (fields as pandas reads them), its row order as ``rowid``; checked against pandas."""
        n = len(self.columns)
        spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n)) + "}"
        # pandas skips the spaces after a delimiter (skipinitialspace) and reads an empty field as missing
        fields = ", ".join(f"nullif(ltrim(c{i}, ' '), '') AS c{i}" for i in range(n))
        # pandas skips a line of spaces only; DuckDB reads it as a line whose first field is spaces
        spaces = " AND ".join(["regexp_full_match(c0, ' +')"] + [f"c{i} IS NULL" for i in range(1, n)])
        last_error = None
        for padded in (False, True):  # lines with fewer fields (pandas fills them) need DuckDB's serial reader
            source = (
                f"read_csv({_text(self.path)}, delim={_text(sep)}, quote='\"', escape='\"', header=true, "
                f"auto_detect=false, columns={spec}, encoding={_text(encoding)}, "
                f"null_padding={str(padded).lower()}, parallel={str(not padded).lower()})"
            )
            try:
                self._con.execute("DROP TABLE IF EXISTS raw")
                self._con.execute(
                    f"CREATE TABLE raw AS SELECT {fields} FROM {source} WHERE NOT coalesce({spaces}, false)"
                )
                break
            except self._duckdb.Error as exc:
                last_error = exc
        else:
            first = str(last_error).strip().splitlines()[0] if str(last_error).strip() else type(last_error).__name__
            raise Unsupported(f"DuckDB does not read this file as pandas does ({first})")
        self.lines = int(self._con.execute("SELECT count(*) FROM raw").fetchone()[0])
        top = self._con.execute(f"SELECT * FROM raw ORDER BY rowid LIMIT {len(self.head)}").fetchall()
        expected = [
            tuple(None if isinstance(v, float) else v for v in row)
            for row in self.head.astype(object).where(self.head.notna(), None).itertuples(index=False)
        ]
        if top != expected:
            raise Unsupported(
                "DuckDB and pandas read the first lines of this file differently (quotes after spaces, "
                "odd line breaks or blank lines)"
            )

    # -- what the reader asks --------------------------------------------------------------------

    def _column(self, name: str) -> str:
        return f"c{self.columns.index(name)}"

    def duplicates(self) -> tuple[int, list]:
        """How many lines repeat an earlier line exactly, and the first of them as spreadsheet rows.

        Returns
        -------
        tuple
            ``(count, rows)``: ``rows`` the first :data:`~lifecycle_lib.errors.MAX_EXAMPLES` such lines.
        """
        from lifecycle_lib.errors import MAX_EXAMPLES

        every = ", ".join(f"c{i}" for i in range(len(self.columns)))
        self._con.execute(f"""
            CREATE OR REPLACE TABLE dup AS
            WITH hashed AS (SELECT hash({every}) AS h FROM raw),
                 repeated AS (SELECT h FROM hashed GROUP BY h HAVING count(*) > 1)
            SELECT r FROM (
                SELECT rowid AS r, row_number() OVER (PARTITION BY {every} ORDER BY rowid) AS k
                FROM raw WHERE hash({every}) IN (SELECT h FROM repeated))
            WHERE k > 1""")
        self._dups = int(self._con.execute("SELECT count(*) FROM dup").fetchone()[0])
        rows = [
            int(r) + 2 for (r,) in self._con.execute(f"SELECT r FROM dup ORDER BY r LIMIT {MAX_EXAMPLES}").fetchall()
        ]
        return self._dups, rows

    def first_values(self, column: str, limit: int) -> list:
        """The first ``limit`` distinct values of ``column`` (empty fields left out), in the order they appear."""
        c = self._column(column)
        found = self._con.execute(
            f"SELECT v FROM (SELECT {c} AS v, min(rowid) AS first FROM raw WHERE {c} IS NOT NULL "
            f"GROUP BY {c}) ORDER BY first LIMIT {int(limit)}"
        ).fetchall()
        return [v for (v,) in found]

    def encode(self, columns, drop_duplicates: bool) -> dict:
        """Every line's spreadsheet row, and each of ``columns`` as codes into its distinct values.

        The database is closed afterwards: what is left is in memory, a few bytes per field.

        Parameters
        ----------
        columns : list of str
            Columns of the file.
        drop_duplicates : bool
            Leave out the lines :meth:`duplicates` found.

        Returns
        -------
        dict
            ``"_row"``: int64 spreadsheet rows in file order; for each column, ``(codes, values)``:
            int32 codes (-1 for an empty field) and the distinct values (a ``str`` Series) in the
            order they first appear, code 0 first.
        """
        columns = list(dict.fromkeys(columns))
        con = self._con
        skip = "WHERE raw.rowid NOT IN (SELECT r FROM dup)" if drop_duplicates and self._dups else ""
        values, joins, codes = {}, [], []
        for k, name in enumerate(columns):
            c = self._column(name)
            con.execute(f"""CREATE OR REPLACE TABLE d{k} AS
                SELECT v, CAST(row_number() OVER (ORDER BY first) - 1 AS INTEGER) AS code
                FROM (SELECT {c} AS v, min(rowid) AS first FROM raw WHERE {c} IS NOT NULL GROUP BY {c})""")
            found = con.execute(f"SELECT v FROM d{k} ORDER BY code").fetchnumpy()["v"]
            values[name] = pd.Series(np.asarray(found, dtype=object), dtype=str, name=name)
            joins.append(f"LEFT JOIN d{k} ON raw.{c} = d{k}.v")
            codes.append(f"coalesce(d{k}.code, -1) AS k{k}")
        con.execute(
            f"CREATE OR REPLACE TABLE lines AS SELECT raw.rowid AS r, {', '.join(codes) or '0 AS none'} "
            f"FROM raw {' '.join(joins)} {skip}"
        )
        con.execute("DROP TABLE raw")
        out = {}
        row = con.execute("SELECT r FROM lines").fetchnumpy()["r"]
        order = None if (np.diff(row) > 0).all() else np.argsort(row, kind="stable")
        out["_row"] = (row if order is None else row[order]).astype(np.int64) + 2
        del row
        for k, name in enumerate(columns):
            code = con.execute(f"SELECT k{k} FROM lines").fetchnumpy()[f"k{k}"].astype(np.int32, copy=False)
            out[name] = (code if order is None else code[order], values[name])
        self.__exit__(None, None, None)
        return out
