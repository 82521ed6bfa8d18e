"""What the customers of an orders file buy and how they came: sections 3 and 4 of the capstone report.

- :func:`products_by_segment`: the best-selling products overall and in each RFM segment;
- :func:`first_channels`: the channel of each customer's first order;
- :func:`discount_use`: how often orders carry a discount code or a promotion, and who the
  discount hunters are.

Each takes the clean orders of :func:`lifecycle_lib.data.readers.read_orders` (and, for the RFM
segment, :func:`lifecycle_lib.analytics.customers.customer_table`), needs the optional column it is
about, raising :class:`~lifecycle_lib.errors.DataError` when the file has none, and does not change its input.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lifecycle_lib.analytics import rfm
from lifecycle_lib.analytics._orders import has_data, require_customers, require_orders, segment_of_lines
from lifecycle_lib.errors import DataError

__all__ = ["Products", "products_by_segment", "first_channels", "Discounts", "discount_use"]


@dataclass(frozen=True)
class Products:
    """What the customers buy: revenue per product overall and the top products of each RFM segment.

    Attributes
    ----------
    n_products : int
        How many products the orders name.
    overall : pandas.Series
        Revenue per product, best first.
    by_segment : pandas.DataFrame
        The ``revenue`` of the top products of each segment, indexed by ``segment`` and ``product``.

    Examples
    --------
    >>> Products(2, pd.Series([30.0, 10.0], index=pd.Index(["bed", "toy"], name="product"), name="revenue"),
    ...          pd.DataFrame())
    Products(2 products; best seller bed with 75% of revenue)
    """

    n_products: int
    overall: pd.Series
    by_segment: pd.DataFrame

    def __repr__(self) -> str:
        share = self.overall.iloc[0] / self.overall.sum()
        return f"Products({self.n_products:,} products; best seller {self.overall.index[0]} with {share:.0%} of revenue)"


def products_by_segment(orders: pd.DataFrame, customers: pd.DataFrame, top: int = 3) -> Products:
    """The products that bring each RFM segment the most revenue, and the best sellers overall.

    Parameters
    ----------
    orders : pandas.DataFrame
        The clean orders, with a ``product`` column.
    customers : pandas.DataFrame
        :func:`~lifecycle_lib.analytics.customers.customer_table` of the same orders (its ``segment`` column is used).
    top : int, default 3
        How many products per segment.

    Returns
    -------
    Products
        ``n_products``; ``overall``, revenue per product, best first; ``by_segment``, indexed by
        ``segment`` (in the order of :data:`lifecycle_lib.analytics.rfm.SEGMENTS`) and ``product``,
        the ``revenue`` of the segment's ``top`` products, best first.

    Raises
    ------
    DataError
        When the orders name no product.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"], "product": ["bed", "toy", "toy"],
    ...                        "amount": [30.0, 5.0, 5.0]})
    >>> customers = pd.DataFrame({"segment": ["Champions", "New"]}, index=["a", "b"])
    >>> found = products_by_segment(orders, customers, top=1)
    >>> found
    Products(2 products; best seller bed with 75% of revenue)
    >>> found.by_segment  # doctest: +NORMALIZE_WHITESPACE
                       revenue
    segment   product
    Champions bed         30.0
    New       toy          5.0
    """
    if not has_data(orders, "product"):
        raise DataError("the orders name no product", column="product",
                        fix="pass product_col=... (command line: --product-col) naming the column with the products")
    require_orders(orders, ["customer_id", "amount"])
    require_customers(customers, ["segment"])
    lines = orders.assign(segment=segment_of_lines(orders, customers).astype(str))
    per = lines.groupby(["segment", "product"], observed=True)["amount"].sum().rename("revenue").reset_index()
    per = per.sort_values(["segment", "revenue"], ascending=[True, False])
    best = per.groupby("segment", observed=True).head(top)
    order_of = {s: i for i, s in enumerate(rfm.SEGMENTS)}
    best = best.sort_values("segment", key=lambda s: s.map(order_of), kind="stable")
    overall = orders.groupby("product")["amount"].sum().sort_values(ascending=False).rename("revenue")
    return Products(int(orders["product"].nunique()), overall, best.set_index(["segment", "product"]))


def first_channels(orders: pd.DataFrame) -> pd.DataFrame:
    """Through which channel customers placed their first order, and what they have spent since.

    Parameters
    ----------
    orders : pandas.DataFrame
        The clean orders, with a ``channel`` column (a missing channel counts as ``"unknown"``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``channel``, most customers first: ``new customers``, ``share`` (0 to 1) and
        ``revenue from them`` (everything those customers spent).

    Raises
    ------
    DataError
        When the orders have no channel.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "channel": ["ads", "email", "ads", None],
    ...                        "order_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-09", "2024-03-01"]),
    ...                        "amount": [10.0, 30.0, 25.0, 5.0]})
    >>> first_channels(orders)  # doctest: +NORMALIZE_WHITESPACE
             new customers     share  revenue from them
    channel
    ads                  2  0.666667               65.0
    unknown              1  0.333333                5.0
    """
    if not has_data(orders, "channel"):
        raise DataError("the orders have no channel or source", column="channel",
                        fix="add a column named channel or source to the file to see how customers came")
    require_orders(orders)
    first = orders.sort_values("order_date").drop_duplicates("customer_id")
    came = first["channel"].fillna("unknown").value_counts()
    table = pd.DataFrame({"new customers": came, "share": came / came.sum()})
    spend = orders.groupby("customer_id")["amount"].sum()
    table["revenue from them"] = spend.groupby(first.set_index("customer_id")["channel"].fillna("unknown")).sum()
    return table


@dataclass(frozen=True)
class Discounts:
    """Who buys on a discount code or a promotion.

    Attributes
    ----------
    share_of_orders : float
        The share of orders with a discount code or a promotion.
    by_segment : pandas.Series
        The share of order lines with one, per RFM segment.
    hunters : int
        The customers with two lines or more who used one at least half of the time.
    hunter_share : float
        ``hunters`` as a share of all customers.

    Examples
    --------
    >>> Discounts(0.25, pd.Series(dtype=float), 1, 0.1)
    Discounts(25% of orders with a discount or promotion; 1 likely discount hunter(s), 10% of customers)
    """

    share_of_orders: float
    by_segment: pd.Series
    hunters: int
    hunter_share: float

    def __repr__(self) -> str:
        return (f"Discounts({self.share_of_orders:.0%} of orders with a discount or promotion; "
                f"{self.hunters:,} likely discount hunter(s), {self.hunter_share:.0%} of customers)")


def discount_use(orders: pd.DataFrame, customers: pd.DataFrame) -> Discounts:
    """How often orders carry a discount code or a promotion, by RFM segment, and who the discount hunters are.

    A line is discounted when its ``discount_code`` or ``promotion`` is filled in; an order when any
    of its lines is (without ``order_id`` every line is an order). A likely discount hunter (lesson
    11) is a customer with at least two lines of whom at least half are discounted.

    Parameters
    ----------
    orders : pandas.DataFrame
        The clean orders, with a ``discount_code`` or ``promotion`` column.
    customers : pandas.DataFrame
        :func:`~lifecycle_lib.analytics.customers.customer_table` of the same orders (its ``segment`` column is used).

    Returns
    -------
    Discounts
        ``share_of_orders``, ``by_segment`` (a Series indexed by ``segment``), ``hunters`` and ``hunter_share``.

    Raises
    ------
    DataError
        When the orders have no discount code and no promotion.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "discount_code": ["SAVE10", None, None, "SAVE10"],
    ...                        "order_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-09", "2024-03-01"]),
    ...                        "amount": [10.0, 30.0, 25.0, 5.0]})
    >>> customers = pd.DataFrame({"segment": pd.Categorical(["Loyal", "New", "New"], categories=rfm.SEGMENTS)},
    ...                          index=["a", "b", "c"])
    >>> found = discount_use(orders, customers)
    >>> found
    Discounts(50% of orders with a discount or promotion; 1 likely discount hunter(s), 33% of customers)
    >>> found.by_segment.to_dict()
    {'Loyal': 0.5, 'New': 0.5}
    """
    promo_cols = [c for c in ("discount_code", "promotion") if has_data(orders, c)]
    if not promo_cols:
        raise DataError("the orders have no discount code and no promotion", column="discount_code",
                        fix="add a column named discount_code or promotion to the file to see who buys on promotion")
    require_orders(orders, ["customer_id"])
    require_customers(customers, ["segment"])
    flagged = orders[promo_cols].notna().any(axis=1)
    per_order = flagged.groupby(orders["order_id"]).any() if has_data(orders, "order_id") else flagged
    by_seg = flagged.groupby(segment_of_lines(orders, customers), observed=True).mean()
    present = customers["segment"].value_counts(sort=False)
    by_seg = by_seg[by_seg.index.isin(present.index[present > 0])]
    hunters = (flagged.groupby(orders["customer_id"]).mean() >= 0.5) & (orders.groupby("customer_id").size() >= 2)
    return Discounts(
        share_of_orders=float(per_order.mean()),
        by_segment=by_seg.rename("share of lines with a discount or promotion").rename_axis("segment"),
        hunters=int(hunters.sum()),
        hunter_share=float(hunters.mean()),
    )

