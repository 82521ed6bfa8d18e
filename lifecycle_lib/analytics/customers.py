"""Who the customers of an orders file are: the tables of sections 1, 2 and 7 of the capstone report.

Every function of the report's tables takes the clean orders that
:func:`lifecycle_lib.data.readers.read_orders` returns (``customer_id``, ``order_date``, ``amount``,
and where the file has them ``order_id``, ``product``, ``channel``, ``discount_code``,
``promotion``), or the per-customer table :func:`customer_table` builds from them, and returns plain
numbers: formatting them for a page is the caller's job. No function changes its input.

- :func:`overview`: how many customers, orders and sales, over which dates (section 1);
- :func:`customer_table`: one row per customer with relationship stage, RFM segment, framework
  stages, orders and spend; :func:`stage_summary`, :func:`segment_summary` and
  :func:`framework_summary` count it (section 2);
- :func:`data_quality`: what the reader set apart (section 7).

What the customers buy and how they came (sections 3 and 4) is in
:mod:`~lifecycle_lib.analytics.purchases`; what they are worth and what to do about each group
(sections 5 and 6) in :mod:`~lifecycle_lib.analytics.customer_value`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lifecycle_lib.analytics import frameworks, rfm, segments
from lifecycle_lib.analytics._orders import REQUIRED, has_data, require_customers, require_orders
from lifecycle_lib.data.contracts import ORDERS_FILE_COLUMNS

__all__ = [
    "Overview",
    "overview",
    "customer_table",
    "stage_summary",
    "segment_summary",
    "framework_summary",
    "DataQuality",
    "data_quality",
    "REQUIREMENTS",
    "Requirements",
    "requirements",
]

#: What segments and forecasts need before they mean anything, in the spirit of Klaviyo's RFM report
#: (500 customers who ordered, 180 days of history, some customers with 3+ orders), scaled to a small
#: shop: by requirement, what RFM segments and what a 5-year forecast need (None: not needed).
REQUIREMENTS = {
    "customers who ordered": (50, 100),
    "customers with two or more orders": (None, 20),
    "days of order history": (90, 180),
}


@dataclass(frozen=True)
class Overview:
    """The size of an orders file: customers, orders, lines, sales and the dates they span.

    Attributes
    ----------
    customers, orders, lines : int
        How many customers, orders (distinct ``order_id``, or lines without one) and order lines.
    revenue : float
        The sum of the amounts.
    first_order, last_order : Timestamp
        The dates of the first and the last order.
    days : int
        Whole days from the first order to the last.
    optional_columns : tuple of str
        The optional columns that hold data (``order_id``, ``product``, ``channel``, ...);
        :meth:`has` asks about one.

    Examples
    --------
    >>> Overview(2, 3, 4, 70.0, pd.Timestamp("2024-01-05"), pd.Timestamp("2024-03-20"), 75, ("product",))
    Overview(2 customers, 3 orders in 4 lines, sales 70.00, 2024-01-05 to 2024-03-20 (75 days); optional columns: product)
    """

    customers: int
    orders: int
    lines: int
    revenue: float
    first_order: pd.Timestamp
    last_order: pd.Timestamp
    days: int
    optional_columns: tuple

    def has(self, column: str) -> bool:
        """True when the orders have ``column`` with at least one value."""
        return column in self.optional_columns

    def __repr__(self) -> str:
        return (f"Overview({self.customers:,} customers, {self.orders:,} orders in {self.lines:,} lines, "
                f"sales {self.revenue:,.2f}, {self.first_order:%Y-%m-%d} to {self.last_order:%Y-%m-%d} "
                f"({self.days:,} days); optional columns: {', '.join(self.optional_columns) or 'none'})")


def overview(orders: pd.DataFrame) -> Overview:
    """How many customers, orders and sales the orders hold, and over which dates.

    Parameters
    ----------
    orders : pandas.DataFrame
        The clean orders (``OrdersFile.orders``). Without an ``order_id`` column every line counts
        as an order.

    Returns
    -------
    Overview
        ``customers``, ``orders``, ``lines``, ``revenue``, ``first_order``, ``last_order``, ``days``
        (whole days from the first order to the last) and ``optional_columns``.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_id": ["1", "1", "2"],
    ...                        "order_date": pd.to_datetime(["2024-01-05", "2024-01-05", "2024-03-20"]),
    ...                        "amount": [10.0, 20.0, 40.0]})
    >>> overview(orders)
    Overview(2 customers, 2 orders in 3 lines, sales 70.00, 2024-01-05 to 2024-03-20 (75 days); optional columns: order_id)
    """
    require_orders(orders)
    optional = tuple(c for c in ORDERS_FILE_COLUMNS if c not in REQUIRED and has_data(orders, c))
    first, last = orders["order_date"].min(), orders["order_date"].max()
    return Overview(
        customers=int(orders["customer_id"].nunique()),
        orders=int(orders["order_id"].nunique() if "order_id" in optional else len(orders)),
        lines=len(orders),
        revenue=float(orders["amount"].sum()),
        first_order=first,
        last_order=last,
        days=int((last - first).days),
        optional_columns=optional,
    )


def customer_table(orders: pd.DataFrame, observation_period_end) -> pd.DataFrame:
    """One row per customer: relationship stage, RFM segment and scores, framework stages, orders and spend.

    The relationship stage is :func:`lifecycle_lib.analytics.segments.relationship_stages` (judged
    on each customer's own gap between orders), the segment :func:`lifecycle_lib.analytics.rfm.rfm_segments`
    of :func:`~lifecycle_lib.analytics.rfm.rfm_scores`, and the framework stages
    :func:`lifecycle_lib.analytics.frameworks.place_contacts` of the relationship stage.

    Parameters
    ----------
    orders : pandas.DataFrame
        The clean orders (``OrdersFile.orders``).
    observation_period_end : date-like
        The date the analysis looks from (``OrdersFile.observation_period_end``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted): ``stage``, ``segment`` (ordered categoricals), ``R``,
        ``F``, ``M``, ``orders``, ``spend``, ``first_order``, ``last_order``, ``days_since_last``,
        ``usual_gap_days`` (the mean gap between the customer's purchase days; missing for one
        purchase day) and ``typical_gap_days`` (the gap a one-time buyer is judged against), one
        column per framework (``classic``, ``six_stage``, ``purchase``) and the stage's ``reason``.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                        "order_date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10", "2024-03-20"]),
    ...                        "amount": [10.0, 30.0, 25.0, 5.0]})
    >>> customer_table(orders, "2024-03-21")[["stage", "segment", "orders", "spend", "classic"]]  # doctest: +NORMALIZE_WHITESPACE
                  stage      segment  orders  spend  classic
    customer_id
    a            active      At Risk       2   40.0   retain
    b               new  Hibernating       1   25.0  nurture
    c               new    Promising       1    5.0  nurture
    """
    require_orders(orders)
    stage_input = orders.rename(columns={"customer_id": "contact_id"})
    stage_input = stage_input[["contact_id", "order_date"] + (["order_id"] if has_data(orders, "order_id") else [])]
    stages = segments.relationship_stages({"orders": stage_input}, observation_period_end=observation_period_end)
    stages = stages[stages["n_orders"] > 0]
    scores = rfm.rfm_scores(orders, customer_id_col="customer_id", datetime_col="order_date",
                            monetary_value_col="amount", observation_period_end=observation_period_end)
    segs = rfm.rfm_segments(scores)
    # Everything is put in the order of the RFM table with one positional indexer, not by aligning
    # each column on string ids (which costs a hash lookup per customer and column).
    index = segs.index
    at = stages.index.get_indexer(index)
    if (at < 0).any():  # ids typed differently by the two functions: compare them as text
        at = stages.index.astype(str).get_indexer(index.astype(str))

    def of_stage(column):
        return stages[column].take(at).to_numpy()

    stage = stages["stage"].take(at).array
    # The frameworks translate the relationship stage: translate the few stages once, then each customer's code.
    kinds = pd.Index(stage.categories, name="stage")
    placed = frameworks.place_contacts(pd.DataFrame({"stage": kinds.astype(str)}, index=kinds), framework="all")
    codes = stage.codes
    columns = {
        "stage": stage,
        "segment": segs["segment"].array,
        "R": segs["R"].array, "F": segs["F"].array, "M": segs["M"].array,
        "orders": of_stage("n_orders"),
        "spend": scores["monetary"].to_numpy(dtype="float64"),  # the total spend of each customer's orders
        "first_order": of_stage("first_order"), "last_order": of_stage("last_order"),
        "days_since_last": of_stage("days_since_last"),
        "usual_gap_days": of_stage("usual_gap_days"), "typical_gap_days": of_stage("typical_gap_days"),
    }
    for key in frameworks.FRAMEWORKS:
        translated = placed[key].array
        columns[key] = pd.Categorical.from_codes(translated.codes[codes], dtype=translated.dtype)
    columns["reason"] = stages["reason"].take(at).array
    table = pd.DataFrame(columns, index=index)
    table.index.name = "customer_id"
    return table


def stage_summary(customers: pd.DataFrame) -> pd.DataFrame:
    """How many customers are in each relationship stage, in the order of the stages.

    Parameters
    ----------
    customers : pandas.DataFrame
        :func:`customer_table` (a ``stage`` column is enough).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``stage`` (stages with customers only): ``customers`` and ``share`` (0 to 1).

    Examples
    --------
    >>> customers = pd.DataFrame({"stage": pd.Categorical(["new", "lapsed", "new", "active"],
    ...                                                   categories=segments.RELATIONSHIP_STAGES)})
    >>> stage_summary(customers)  # doctest: +NORMALIZE_WHITESPACE
            customers  share
    stage
    new             2   0.50
    active          1   0.25
    lapsed          1   0.25
    """
    require_customers(customers, ["stage"])
    counts = customers["stage"].value_counts().reindex(segments.RELATIONSHIP_STAGES).dropna()
    table = counts[counts > 0].astype(int).rename("customers").to_frame()
    table["share"] = table["customers"] / table["customers"].sum()
    return table


def segment_summary(customers: pd.DataFrame) -> pd.DataFrame:
    """How many customers and how much revenue each RFM segment holds, best segment first.

    Parameters
    ----------
    customers : pandas.DataFrame
        :func:`customer_table` (``segment`` and ``spend`` are enough).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``segment`` (segments with customers only, in the order of
        :data:`lifecycle_lib.analytics.rfm.SEGMENTS`): ``customers``, ``revenue`` and ``share of revenue``.

    Examples
    --------
    >>> customers = pd.DataFrame({"segment": pd.Categorical(["New", "Champions", "New"], categories=rfm.SEGMENTS),
    ...                           "spend": [10.0, 60.0, 30.0]})
    >>> segment_summary(customers)  # doctest: +NORMALIZE_WHITESPACE
               customers  revenue  share of revenue
    segment
    Champions          1     60.0               0.6
    New                2     40.0               0.4
    """
    require_customers(customers, ["segment", "spend"])
    table = pd.DataFrame({"customers": customers["segment"].value_counts(sort=False),
                          "revenue": customers["spend"].groupby(customers["segment"], observed=False).sum()})
    table = table[table["customers"] > 0]
    table["share of revenue"] = table["revenue"] / table["revenue"].sum()
    return table


def framework_summary(customers: pd.DataFrame) -> pd.DataFrame:
    """How many customers are in each stage of each lifecycle framework.

    Parameters
    ----------
    customers : pandas.DataFrame
        :func:`customer_table` (one column per framework key: ``classic``, ``six_stage``, ``purchase``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``framework`` (its name) and ``stage`` (the framework's stage key, stages with
        customers only, in the framework's order): ``customers``.

    Examples
    --------
    >>> rel = pd.DataFrame({"stage": ["new", "new", "lapsed"]}, index=["a", "b", "c"])
    >>> table = framework_summary(frameworks.place_contacts(rel, framework="all"))
    >>> table.index.levels[0].tolist()
    ['6-stage customer lifecycle', 'Classic 5-stage customer lifecycle', 'Customer Purchase Lifecycle + Long-term Customer phase']
    >>> table.loc["Classic 5-stage customer lifecycle"]  # doctest: +NORMALIZE_WHITESPACE
             customers
    stage
    nurture          2
    retain           1
    """
    require_customers(customers, list(frameworks.FRAMEWORKS))
    views = []
    for key, fw in frameworks.FRAMEWORKS.items():
        counts = customers[key].value_counts(sort=False)
        counts = counts[counts > 0]
        views.append(pd.DataFrame({"framework": fw.name, "stage": counts.index.astype(str),
                                   "customers": counts.to_numpy()}))
    return pd.concat(views, ignore_index=True).set_index(["framework", "stage"])


@dataclass(frozen=True)
class DataQuality:
    """What reading the file kept and set apart: purchase lines, and returns with their share of gross sales.

    Attributes
    ----------
    lines_read, purchase_lines, return_lines : int
        The rows of the file, the purchase lines kept and the lines set apart as returns.
    returned : float
        The amount of those returns.
    returned_share : float
        ``returned`` as a share of purchases plus returns (0 when both are 0).
    findings : pandas.DataFrame
        One row per repair, indexed by ``issue``: ``rows`` and ``action``.

    Examples
    --------
    >>> DataQuality(10, 8, 2, 15.0, 0.1, pd.DataFrame(columns=["issue", "rows", "action"]).set_index("issue"))
    DataQuality(10 rows read, 8 purchase lines kept, 2 return lines worth 15.00 (10% of gross sales), 0 finding(s))
    """

    lines_read: int
    purchase_lines: int
    return_lines: int
    returned: float
    returned_share: float
    findings: pd.DataFrame

    def __repr__(self) -> str:
        return (f"DataQuality({self.lines_read:,} rows read, {self.purchase_lines:,} purchase lines kept, "
                f"{self.return_lines:,} return lines worth {self.returned:,.2f} ({self.returned_share:.0%} of gross "
                f"sales), {len(self.findings)} finding(s))")


def data_quality(data) -> DataQuality:
    """What :func:`~lifecycle_lib.data.readers.read_orders` kept, set apart and repaired.

    Parameters
    ----------
    data : OrdersFile
        What :func:`~lifecycle_lib.data.readers.read_orders` returned.

    Returns
    -------
    DataQuality
        ``lines_read``, ``purchase_lines``, ``return_lines``, ``returned`` (their amount),
        ``returned_share`` (of purchases plus returns; 0 when both are 0) and ``findings`` (one row
        per repair, indexed by ``issue``).

    Examples
    --------
    >>> from lifecycle_lib.data.readers import read_orders
    >>> table = pd.DataFrame({"customer": ["ann", "bob", "ann", "bob"], "amount": [30.0, 60.0, -10.0, 20.0],
    ...                       "date": ["2024-01-05", "2024-02-01", "2024-02-03", "2024-03-01"]})
    >>> data_quality(read_orders(table))
    DataQuality(4 rows read, 3 purchase lines kept, 1 return lines worth 10.00 (8% of gross sales), 1 finding(s))
    """
    returned = float(data.returns["amount"].sum())
    gross = float(data.orders["amount"].sum()) + returned
    return DataQuality(
        lines_read=int(data.lines_read),
        purchase_lines=len(data.orders),
        return_lines=len(data.returns),
        returned=returned,
        returned_share=returned / gross if gross else 0.0,
        findings=data.quality.set_index("issue"),
    )


@dataclass(frozen=True)
class Requirements:
    """Whether a file has enough customers and history for RFM segments and for a 5-year forecast.

    Attributes
    ----------
    table : pandas.DataFrame
        By requirement (:data:`REQUIREMENTS`): ``found`` in the file, ``for segments`` and
        ``for a forecast`` (what each needs; empty when it needs nothing of the kind).
    segments, forecast : bool
        Whether every requirement of RFM segments, and of a forecast, is met.
    verdict : str
        One plain sentence saying which of the two can be trusted.

    Examples
    --------
    >>> table = pd.DataFrame({"found": [3]}, index=["customers who ordered"])
    >>> Requirements(table, False, False, "Too few.")
    Requirements(segments: no, forecast: no)
    """

    table: pd.DataFrame
    segments: bool
    forecast: bool
    verdict: str

    def __repr__(self) -> str:
        return f"Requirements(segments: {'yes' if self.segments else 'no'}, forecast: {'yes' if self.forecast else 'no'})"


def requirements(orders: pd.DataFrame) -> Requirements:
    """Check an orders table against :data:`REQUIREMENTS`: are segments and a forecast meaningful here?

    Below them the report still describes every customer (stage, orders, spend) but skips what
    needs statistics across customers: RFM segments score each customer against the others, and a
    5-year forecast needs enough repeat buying over enough time to see a rhythm.

    Parameters
    ----------
    orders : pandas.DataFrame
        Purchase lines: ``customer_id``, ``order_date`` (and ``order_id`` where there is one).

    Returns
    -------
    Requirements
        The table of requirements and the two verdicts.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                        "order_date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10"])})
    >>> found = requirements(orders)
    >>> found
    Requirements(segments: no, forecast: no)
    >>> found.table["found"].tolist()
    [2, 1, 56]
    """
    require_orders(orders, ["customer_id", "order_date"])
    # orders per customer from integer codes: one hash of the ids, then numpy (no grouping on strings)
    customer, _ = pd.factorize(orders["customer_id"])
    if has_data(orders, "order_id"):
        order, _ = pd.factorize(orders["order_id"], use_na_sentinel=False)
    else:
        order = orders["order_date"].to_numpy(dtype="datetime64[ns]").view("int64")
    known = customer >= 0
    pairs = pd.DataFrame({"customer": customer[known], "order": order[known]}).drop_duplicates()
    orders_per_customer = np.bincount(pairs["customer"].to_numpy(), minlength=int(customer.max()) + 1 if known.any() else 0)
    found = {
        "customers who ordered": int(len(orders_per_customer)),
        "customers with two or more orders": int((orders_per_customer >= 2).sum()),
        "days of order history": int((orders["order_date"].max() - orders["order_date"].min()).days),
    }
    table = pd.DataFrame({
        "found": pd.Series(found),
        "for segments": pd.Series({k: v[0] for k, v in REQUIREMENTS.items()}, dtype="Int64"),
        "for a forecast": pd.Series({k: v[1] for k, v in REQUIREMENTS.items()}, dtype="Int64"),
    }).rename_axis("requirement")

    def met(column):
        needed = table[column].dropna()
        return bool((table.loc[needed.index, "found"] >= needed).all())

    segments_ok, forecast_ok = met("for segments"), met("for a forecast")
    if forecast_ok:
        verdict = "The file has enough customers and history for RFM segments and a 5-year forecast."
    elif segments_ok:
        verdict = ("The file has enough customers for RFM segments, but too few repeat buyers or too short a "
                   "history for a 5-year forecast, so none is made.")
    else:
        verdict = (f"With {found['customers who ordered']:,} customers over {found['days of order history']:,} days, "
                   f"RFM segments and a 5-year forecast would not mean anything, so they are left out: the report "
                   f"describes each customer by stage, orders and spend only.")
    return Requirements(table, segments_ok, forecast_ok, verdict)
