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

import numpy as np
import pandas as pd

from lifecycle_lib.analytics import rfm
from lifecycle_lib.analytics._orders import has_data, require_customers, require_orders
from lifecycle_lib.errors import DataError

__all__ = ["Products", "products_by_segment", "first_channels", "Discounts", "discount_use"]

# Every function below works on integer codes (one hash of the ids, then numpy), never by aligning
# or grouping on the string ids line by line: on a million lines that is the difference between a
# tenth of a second and several seconds.


def _codes(values):
    """``pd.factorize`` of a column: integer codes (-1 for a missing value) and the distinct values."""
    codes, uniques = pd.factorize(values)
    return np.asarray(codes, dtype=np.intp), uniques


def _segments_of_lines(orders: pd.DataFrame, customers: pd.DataFrame):
    """The RFM segment of every order line as a code into the segment categories (-1: customer not listed).

    Returns ``(codes, categories, customer codes of the lines)``; a segment column that is not
    categorical is ordered by name, as a groupby on it would be.
    """
    segment = customers["segment"]
    segment = segment.array if isinstance(segment.dtype, pd.CategoricalDtype) else pd.Categorical(segment)
    line_customer, uniques = _codes(orders["customer_id"])
    row = customers.index.get_indexer(uniques)
    if len(row) and (row < 0).any():  # ids typed differently (numbers in one, text in the other)
        row = customers.index.astype(str).get_indexer(pd.Index(uniques).astype(str))
    of_customer = np.where(row >= 0, np.asarray(segment.codes)[np.maximum(row, 0)], -1)
    codes = np.where(line_customer >= 0, of_customer[np.maximum(line_customer, 0)], -1)
    return codes, segment.categories, line_customer


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
    segment, categories, _ = _segments_of_lines(orders, customers)
    product, products = _codes(orders["product"])
    amount = orders["amount"].to_numpy(dtype="float64")
    n = len(products)
    names = pd.Index(products).astype(str)
    # revenue per product overall, best first (ties by name)
    sold = np.bincount(product[product >= 0], minlength=n) > 0
    revenue = np.bincount(product[product >= 0], weights=amount[product >= 0], minlength=n)
    by_name = np.argsort(names.to_numpy(dtype=object), kind="stable")
    best_first = by_name[np.argsort(-revenue[by_name], kind="stable")]
    best_first = best_first[sold[best_first]]
    overall = pd.Series(revenue[best_first], index=pd.Index(products.take(best_first), name="product"),
                        name="revenue")
    # revenue per (segment, product) pair that occurs, the segment's best ``top`` products first
    ok = (segment >= 0) & (product >= 0)
    pair = segment[ok].astype(np.int64) * n + product[ok]
    size = len(categories) * n
    if size <= 20_000_000:  # few segments x products: one dense count, no sort of the lines
        keys = np.flatnonzero(np.bincount(pair, minlength=size))
        pair_revenue = np.bincount(pair, weights=amount[ok], minlength=size)[keys]
    else:
        keys, inverse = np.unique(pair, return_inverse=True)
        pair_revenue = np.bincount(inverse, weights=amount[ok], minlength=len(keys))
    seg_of, prod_of = keys // n, keys % n
    rank = np.empty(n, dtype=np.int64)
    rank[by_name] = np.arange(n)
    order_of = {str(s): i for i, s in enumerate(rfm.SEGMENTS)}
    place = np.array([order_of.get(str(c), len(order_of)) for c in categories], dtype=np.int64)
    seg_names = np.asarray(categories.astype(str), dtype=object)
    name_rank = np.argsort(np.argsort(seg_names, kind="stable"), kind="stable")  # ties in place: by name
    order = np.lexsort((rank[prod_of], -pair_revenue, name_rank[seg_of], place[seg_of]))
    seg_sorted = seg_of[order]
    first_of_group = np.r_[True, seg_sorted[1:] != seg_sorted[:-1]]
    group_start = np.maximum.accumulate(np.where(first_of_group, np.arange(len(order)), 0))
    keep = order[(np.arange(len(order)) - group_start) < top]
    best = pd.DataFrame({"revenue": pair_revenue[keep]},
                        index=pd.MultiIndex.from_arrays([pd.Index(seg_names[seg_of[keep]], dtype=str),
                                                         products.take(prod_of[keep])], names=["segment", "product"]))
    return Products(n, overall, best)


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
    customer, _ = _codes(orders["customer_id"])
    when = np.argsort(orders["order_date"].to_numpy(), kind="stable")  # ties: the line that comes first
    by_date = customer[when]
    known = np.flatnonzero(by_date >= 0)
    first_rank = np.empty(int(by_date.max()) + 1 if len(known) else 0, dtype=np.int64)
    first_rank[by_date[known[::-1]]] = known[::-1]  # written last by the earliest line: each customer's first
    firsts = when[np.sort(first_rank)]  # each customer's first line, customers in the order they first bought
    channel = orders["channel"].iloc[firsts].fillna("unknown").reset_index(drop=True)
    came = channel.value_counts()
    table = pd.DataFrame({"new customers": came, "share": came / came.sum()})
    spend = np.bincount(customer[customer >= 0], weights=orders["amount"].to_numpy(dtype="float64")[customer >= 0])
    table["revenue from them"] = pd.Series(spend[customer[firsts]]).groupby(channel).sum()
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
    flagged = orders[promo_cols].notna().any(axis=1).to_numpy()
    if has_data(orders, "order_id"):
        order, _ = _codes(orders["order_id"])
        per_order = np.bincount(order[order >= 0], weights=flagged[order >= 0]) > 0
    else:
        per_order = flagged
    segment, categories, customer = _segments_of_lines(orders, customers)
    listed = segment >= 0
    lines_in = np.bincount(segment[listed], minlength=len(categories))
    flagged_in = np.bincount(segment[listed], weights=flagged[listed], minlength=len(categories))
    present = customers["segment"].value_counts(sort=False)
    shown = (lines_in > 0) & np.isin(np.asarray(categories, dtype=object), present.index[present > 0].to_numpy(dtype=object))
    by_seg = pd.Series(flagged_in[shown] / lines_in[shown],
                       index=pd.CategoricalIndex(categories[shown], categories=categories,
                                                 ordered=getattr(customers["segment"].dtype, "ordered", False)))
    lines = np.bincount(customer[customer >= 0])
    discounted = np.bincount(customer[customer >= 0], weights=flagged[customer >= 0], minlength=len(lines))
    hunters = (discounted >= 0.5 * lines) & (lines >= 2)
    return Discounts(
        share_of_orders=float(np.mean(per_order)),
        by_segment=by_seg.rename("share of lines with a discount or promotion").rename_axis("segment"),
        hunters=int(hunters.sum()),
        hunter_share=float(hunters.mean()),
    )

