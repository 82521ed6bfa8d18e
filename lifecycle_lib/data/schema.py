"""The data layer's former single module, kept only so that existing imports keep working.

It re-exports the public names of the modules that now hold them, and nothing else:

* :mod:`lifecycle_lib.data.contracts`: ``Column``, ``TABLES``, ``ORDERS_FILE_COLUMNS``,
  ``require_columns``, ``validate``;
* :mod:`lifecycle_lib.data.files`: ``read_table``;
* :mod:`lifecycle_lib.data.parsing`: ``parse_amounts``, ``parse_dates``;
* :mod:`lifecycle_lib.data.layouts`: ``LAYOUT_NAMES``;
* :mod:`lifecycle_lib.data.readers`: ``Finding``, ``OrdersFile``, ``read_orders``;
* :mod:`lifecycle_lib.errors`: ``DataError``.

Lesson 12 still calls ``schema.read_orders``; once it imports ``lifecycle_lib.readers`` instead,
this module goes. New code imports from the modules above.

>>> from lifecycle_lib.data import readers
>>> read_orders is readers.read_orders
True
"""

from lifecycle_lib.data.contracts import ORDERS_FILE_COLUMNS, TABLES, Column, require_columns, validate
from lifecycle_lib.data.files import read_table
from lifecycle_lib.data.layouts import LAYOUT_NAMES
from lifecycle_lib.data.parsing import parse_amounts, parse_dates
from lifecycle_lib.data.readers import Finding, OrdersFile, read_orders
from lifecycle_lib.errors import DataError

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
    "LAYOUT_NAMES",
    "Finding",
    "OrdersFile",
    "read_orders",
]
