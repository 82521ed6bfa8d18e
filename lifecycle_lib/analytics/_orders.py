"""Input checks shared by the report's table functions (:mod:`~lifecycle_lib.analytics.customers`,
:mod:`~lifecycle_lib.analytics.purchases`, :mod:`~lifecycle_lib.analytics.customer_value`)."""

from __future__ import annotations

import pandas as pd

from lifecycle_lib.data.contracts import require_columns

__all__ = ["REQUIRED", "has_data", "require_orders", "require_customers", "segment_of_lines"]

#: The columns every clean orders frame has.
REQUIRED = ("customer_id", "order_date", "amount")


def has_data(orders: pd.DataFrame, column: str) -> bool:
    """True when ``orders`` has ``column`` and at least one value in it."""
    return column in orders.columns and bool(orders[column].notna().any())


def require_orders(orders: pd.DataFrame, columns=REQUIRED) -> None:
    """Check that ``orders`` has the clean orders columns ``columns``."""
    require_columns(orders, columns, what="orders",
                    fix="read the file with lifecycle_lib.data.readers.read_orders and pass its .orders")


def require_customers(customers: pd.DataFrame, columns) -> None:
    """Check that ``customers`` has the columns of :func:`~lifecycle_lib.analytics.customers.customer_table` it needs."""
    require_columns(customers, columns, what="customers",
                    fix="build the table with lifecycle_lib.analytics.customers.customer_table(orders, observation_period_end)")


def segment_of_lines(orders: pd.DataFrame, customers: pd.DataFrame) -> pd.Series:
    """The RFM segment of the customer of every order line."""
    return orders["customer_id"].map(customers["segment"])
