"""Who the customers of an orders file are: the tables of sections 1, 2, 6 and 7 of the capstone report.

Every function of the report's tables takes the clean orders that
:func:`lifecycle_lib.data.readers.read_orders` returns (``customer_id``, ``order_date``, ``amount``,
and where the file has them ``order_id``, ``product``, ``channel``, ``discount_code``,
``promotion``), or the per-customer table :func:`customer_table` builds from them, and returns plain
numbers: formatting them for a page is the caller's job. No function changes its input.

- :func:`overview`: how many customers, orders and sales, over which dates (section 1);
- :func:`customer_table`: one row per customer with relationship stage, RFM segment (from the R, F
  and M scores), framework stages, orders and spend; :func:`stage_summary`, :func:`segment_summary`
  and :func:`framework_summary` count it, :func:`score_ranges` gives the thresholds behind each
  score, and :func:`segment_movement` shows how the segments moved since the previous quarter
  (section 2);
- :func:`action_plan`: one ranked list of the groups, the most value first, with the action for
  each; :func:`top_customers`: the first few customers of each group to contact (section 6);
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
from lifecycle_lib.data.contracts import ORDERS_FILE_COLUMNS, require_columns

__all__ = [
    "Overview",
    "overview",
    "customer_table",
    "stage_summary",
    "segment_summary",
    "framework_summary",
    "score_ranges",
    "Movement",
    "segment_movement",
    "ActionPlan",
    "action_plan",
    "top_customers",
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
    of :func:`~lifecycle_lib.analytics.rfm.rfm_scores` with ``by="RFM"`` (the grid's rows are R, its
    columns FM, the mean of F and M rounded half up, so recency, frequency and spend all decide), and
    the framework stages :func:`lifecycle_lib.analytics.frameworks.place_contacts` of the relationship stage.

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
        ``F``, ``M``, ``FM``, ``recency_days`` (whole days from the last purchase day to the as-of
        day, which R ranks), ``repeat_days`` (the purchase days after the first one, which F ranks),
        ``orders``, ``spend`` (which M ranks), ``first_order``, ``last_order``, ``days_since_last``
        (to the hour, which the stages use), ``usual_gap_days`` (the mean gap between the customer's purchase days;
        missing for one purchase day) and ``typical_gap_days`` (the gap a one-time buyer is judged
        against), one column per framework (``classic``, ``six_stage``, ``purchase``) and the stage's
        ``reason``.

    Examples
    --------
    Three customers seen on 21 March 2024. R ranks the days since the last order (b 40, a 20, c 1:
    scores 1, 2 and 4), F the repeat purchase days (b and c 0, tied at the lowest score 1; a 1: 4),
    M the spend (c 5, a 40, b 60: 1, 2 and 4). FM rounds the mean of F and M half up: a (4 + 2) / 2
    = 3, b (1 + 4) / 2 = 2.5 -> 3, c 1. On the grid R 2 or R 1 with FM 3 is At Risk, R 4 with FM 1
    Promising. By R and F alone b would be Hibernating: the 60 they spent moves them up.

    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                        "order_date": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-02-10", "2024-03-20"]),
    ...                        "amount": [10.0, 30.0, 60.0, 5.0]})
    >>> customer_table(orders, "2024-03-21")[["stage", "R", "F", "M", "FM", "segment", "orders", "spend", "classic"]]  # doctest: +NORMALIZE_WHITESPACE
                  stage  R  F  M  FM    segment  orders  spend  classic
    customer_id
    a            active  2  4  2   3    At Risk       2   40.0   retain
    b               new  1  1  4   3    At Risk       1   60.0  nurture
    c               new  4  1  1   1  Promising       1    5.0  nurture
    """
    require_orders(orders)
    stage_input = orders.rename(columns={"customer_id": "contact_id"})
    stage_input = stage_input[["contact_id", "order_date"] + (["order_id"] if has_data(orders, "order_id") else [])]
    stages = segments.relationship_stages({"orders": stage_input}, observation_period_end=observation_period_end)
    stages = stages[stages["n_orders"] > 0]
    scores = rfm.rfm_scores(orders, customer_id_col="customer_id", datetime_col="order_date",
                            monetary_value_col="amount", observation_period_end=observation_period_end)
    segs = rfm.rfm_segments(scores, by="RFM")
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
        "R": segs["R"].array, "F": segs["F"].array, "M": segs["M"].array, "FM": segs["FM"].to_numpy(),
        "recency_days": scores["days_since"].to_numpy(dtype="int64"),
        "repeat_days": scores["frequency"].to_numpy(dtype="int64"),
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


def score_ranges(customers: pd.DataFrame) -> pd.DataFrame:
    """What each R, F and M score stands for in this file: the range of the value it ranks.

    R ranks the days since the last order, F the repeat purchase days and M the spend so far
    (:func:`lifecycle_lib.analytics.rfm.rfm_scores`); the scores are fifths of the customers, so
    their thresholds are the file's own.

    Parameters
    ----------
    customers : pandas.DataFrame
        :func:`customer_table` (``R``, ``F``, ``M``, ``recency_days``, ``repeat_days`` and ``spend``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``score`` from 5 (best) to 1; columns ``(R, min)``, ``(R, max)`` (days since the
        last order), ``(F, min)``, ``(F, max)`` (repeat purchase days) and ``(M, min)``, ``(M, max)``
        (spend). A score no customer has (ties can leave one empty) has missing values.

    Examples
    --------
    Five customers: the three one-time buyers tie at F 1, so F 2 and F 3 are empty.

    >>> people = pd.DataFrame({"R": [5, 4, 3, 2, 1], "F": [5, 4, 1, 1, 1], "M": [4, 5, 1, 3, 2],
    ...                        "recency_days": [2, 9, 30, 61, 200], "repeat_days": [4, 2, 0, 0, 0],
    ...                        "spend": [90.0, 120.0, 10.0, 40.0, 25.0]})
    >>> score_ranges(people)  # doctest: +NORMALIZE_WHITESPACE
             R             F              M
           min    max  min  max    min    max
    score
    5      2.0    2.0  4.0  4.0  120.0  120.0
    4      9.0    9.0  2.0  2.0   90.0   90.0
    3     30.0   30.0  NaN  NaN   40.0   40.0
    2     61.0   61.0  NaN  NaN   25.0   25.0
    1    200.0  200.0  0.0  0.0   10.0   10.0
    """
    require_customers(customers, ["R", "F", "M", "recency_days", "repeat_days", "spend"])
    parts = {}
    for score, column in (("R", "recency_days"), ("F", "repeat_days"), ("M", "spend")):
        values = pd.to_numeric(customers[column], errors="coerce").astype("float64")
        by = pd.to_numeric(customers[score], errors="coerce").astype("float64")
        parts[score] = values.groupby(by).agg(["min", "max"]).reindex([5.0, 4.0, 3.0, 2.0, 1.0])
    table = pd.concat(parts, axis=1)
    table.index = pd.Index([5, 4, 3, 2, 1], name="score")
    return table


#: The row of :func:`lifecycle_lib.analytics.rfm.rfm_movement` of the customers who had not ordered yet.
NOT_YET = "(not a customer yet)"


@dataclass(frozen=True)
class Movement:
    """How customers moved between RFM segments since an earlier date, or why that is not shown.

    Attributes
    ----------
    earlier, now : Timestamp
        The two dates compared.
    table : pandas.DataFrame or None
        :func:`lifecycle_lib.analytics.rfm.rfm_movement`: customers by segment then (rows, with
        ``"(not a customer yet)"`` for those who first ordered since) and now (columns).
    counts : pandas.DataFrame or None
        By segment, in the order of :data:`~lifecycle_lib.analytics.rfm.SEGMENTS`: ``then``
        (customers on the earlier date), ``stayed`` (of them, still in the segment now), ``now``
        and ``change`` (now minus then).
    flows : pandas.DataFrame or None
        The largest moves between two different segments, largest first: ``from``, ``to`` and
        ``customers`` (customers who first ordered since are left out; they are ``new_customers``).
    new_customers : int
        Customers whose first order came after the earlier date.
    reason : str or None
        Why there is no movement to show (None when there is).

    Examples
    --------
    >>> Movement(pd.Timestamp("2024-04-01"), pd.Timestamp("2024-07-01"), None, None, None, 0, "too few customers")
    Movement(2024-04-01 to 2024-07-01: not shown, too few customers)
    """

    earlier: pd.Timestamp
    now: pd.Timestamp
    table: pd.DataFrame | None
    counts: pd.DataFrame | None
    flows: pd.DataFrame | None
    new_customers: int
    reason: str | None

    @property
    def shown(self) -> bool:
        """True when there is a movement to show."""
        return self.reason is None

    @property
    def moved(self) -> int:
        """Customers of the earlier date who are in another segment now."""
        return 0 if self.counts is None else int((self.counts["then"] - self.counts["stayed"]).sum())

    def __repr__(self) -> str:
        dates = f"{self.earlier:%Y-%m-%d} to {self.now:%Y-%m-%d}"
        if not self.shown:
            return f"Movement({dates}: not shown, {self.reason})"
        return (f"Movement({dates}: {int(self.counts['then'].sum()):,} customers then, {self.moved:,} in another "
                f"segment now, {self.new_customers:,} new)")


def segment_movement(
    orders: pd.DataFrame, observation_period_end, months_before: int = 3, top: int = 8, *, enough: bool | None = None
) -> Movement:
    """How the RFM segments moved since ``months_before`` months earlier (3: the previous quarter).

    Each date scores the customers known then against each other, on the orders placed by then
    (:func:`lifecycle_lib.analytics.rfm.rfm_movement` with ``by="RFM"``, as :func:`customer_table`
    does), so the "now" counts are those of :func:`segment_summary`. The movement is only shown
    when segments are meaningful at *both* dates by :data:`REQUIREMENTS`: the orders known on the
    earlier date must already have the customers and the days of history that segments need (with
    the defaults, at least 90 days before the earlier date, so about two quarters of orders in all).

    Parameters
    ----------
    orders : pandas.DataFrame
        The clean orders (``OrdersFile.orders``).
    observation_period_end : date-like
        "Now" (``OrdersFile.observation_period_end``).
    months_before : int, default 3
        How far back the earlier date is.
    top : int, default 8
        How many of the largest moves :attr:`Movement.flows` keeps.
    enough : bool, optional
        Whether the whole file meets the requirements of RFM segments, when the caller already knows
        (``requirements(orders).segments``); None: worked out here.

    Returns
    -------
    Movement
        The table, the counts by segment, the largest flows, or the reason nothing is shown.

    Examples
    --------
    Sixty customers, one order each, every third day from 1 January 2024: enough for segments on
    1 July, but on 1 April only the first 31 had ordered (days 0 to 90).

    >>> orders = pd.DataFrame({"customer_id": [f"c{i:02d}" for i in range(60)], "amount": 20.0,
    ...                        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(range(0, 180, 3), unit="D")})
    >>> segment_movement(orders, "2024-07-01")
    Movement(2024-04-01 to 2024-07-01: not shown, on 01 Apr 2024 the file had 31 customers and 90 days of orders, and RFM segments need at least 50 customers and 90 days)
    """
    require_orders(orders)
    now = pd.Timestamp(observation_period_end)
    earlier = now - pd.DateOffset(months=months_before)
    needs_customers, needs_days = REQUIREMENTS["customers who ordered"][0], REQUIREMENTS["days of order history"][0]
    # the lines known at the earlier date, as rfm_movement counts them (a mask: the file is not copied)
    known = (orders["order_date"] < earlier.normalize() + pd.Timedelta(days=1)).to_numpy()
    reason = None
    if not (requirements(orders).segments if enough is None else enough):
        reason = "the file has too few customers or too short a history for RFM segments"
    elif not known.any():
        reason = f"the file has no orders on or before {earlier:%d %b %Y}"
    else:
        # the two counts the segments need, without the orders-per-customer pass of requirements()
        dates = orders["order_date"].to_numpy()[known]
        then = {"customers who ordered": int(orders["customer_id"][known].nunique()),
                "days of order history": int((dates.max() - dates.min()) // np.timedelta64(1, "D"))}
        if then["customers who ordered"] < needs_customers or then["days of order history"] < needs_days:
            reason = (f"on {earlier:%d %b %Y} the file had {then['customers who ordered']:,} customers and "
                      f"{then['days of order history']:,} days of orders, and RFM segments need at least "
                      f"{needs_customers:,} customers and {needs_days:,} days")
    if reason is not None:
        return Movement(earlier, now, None, None, None, 0, reason)
    table = rfm.rfm_movement(orders, now, months_before, customer_id_col="customer_id", datetime_col="order_date",
                             monetary_value_col="amount", by="RFM")
    earlier = table.attrs["earlier"]
    before = table.drop(index=NOT_YET, errors="ignore")
    names = [s for s in rfm.SEGMENTS if s in before.index or s in table.columns]
    full = before.reindex(index=names, columns=names, fill_value=0)
    counts = pd.DataFrame({"then": full.sum(axis=1), "stayed": pd.Series(np.diag(full.to_numpy()), index=names),
                           "now": table.reindex(columns=names, fill_value=0).sum(axis=0)}).astype("int64")
    counts["change"] = counts["now"] - counts["then"]
    counts.index.name = "segment"
    pairs = full.stack().rename("customers").rename_axis(["from", "to"]).reset_index()
    pairs = pairs[(pairs["from"] != pairs["to"]) & (pairs["customers"] > 0)]
    order = {s: i for i, s in enumerate(rfm.SEGMENTS)}
    pairs = pairs.assign(_f=pairs["from"].map(order), _t=pairs["to"].map(order))
    flows = (pairs.sort_values(["customers", "_f", "_t"], ascending=[False, True, True], kind="stable")
             .head(top).drop(columns=["_f", "_t"]).reset_index(drop=True))
    flows["customers"] = flows["customers"].astype("int64")
    new = int(table.loc[NOT_YET].sum()) if NOT_YET in table.index else 0
    return Movement(earlier, now, table, counts, flows, new, None)


@dataclass(frozen=True)
class ActionPlan:
    """One ranked list of the groups to act on: the most value at stake first, with the action for each.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by ``group`` (an RFM segment, or a relationship stage key), most value first:
        ``rank`` (1, 2, ...), ``customers``, ``share of customers``, ``value`` (the whole group's),
        ``value per customer`` and ``what to do``.
    by : str
        ``"segment"`` (RFM segments) or ``"stage"`` (relationship stages).
    value : str
        What ``value`` is: ``"expected 5-year spend"`` or ``"spend so far"``.
    rule : str
        The ranking rule in words, for the page.

    Examples
    --------
    >>> table = pd.DataFrame({"rank": [1], "customers": [3], "share of customers": [1.0], "value": [900.0],
    ...                       "value per customer": [300.0], "what to do": ["Reward them."]},
    ...                      index=pd.Index(["Champions"], name="group"))
    >>> ActionPlan(table, "segment", "expected 5-year spend", "most value first")
    ActionPlan(by segment, first: Champions, 3 customers, 900 of expected 5-year spend)
    """

    table: pd.DataFrame
    by: str
    value: str
    rule: str

    @property
    def first(self) -> str:
        """The group to start with."""
        return str(self.table.index[0])

    def __repr__(self) -> str:
        row = self.table.iloc[0]
        return (f"ActionPlan(by {self.by}, first: {self.first}, {int(row['customers']):,} customers, "
                f"{float(row['value']):,.0f} of {self.value})")


def action_plan(customers: pd.DataFrame, five_year=None, *, by: str = "segment") -> ActionPlan:
    """Rank the groups by the value at stake in each: the group's customers times their value per customer.

    The value is each customer's expected 5-year spend where a forecast is made (``five_year``),
    otherwise what they have spent so far. Ranking by the whole group's value means a group is never
    ranked above one that has more customers *and* more value per customer (that one's total is
    larger); a tie goes to the larger group, then to the group listed first in
    :data:`lifecycle_lib.analytics.rfm.SEGMENTS` (or the relationship stages). The actions are
    :data:`lifecycle_lib.analytics.rfm.SEGMENT_TACTICS` and
    :data:`lifecycle_lib.analytics.segments.STAGE_TACTICS`.

    Parameters
    ----------
    customers : pandas.DataFrame
        :func:`customer_table` (``segment`` or ``stage``, and ``spend``).
    five_year : pandas.Series, optional
        Each customer's expected 5-year spend, indexed like ``customers``
        (:attr:`lifecycle_lib.analytics.customer_value.Value.five_year`); None without a forecast.
    by : {"segment", "stage"}
        Rank the RFM segments, or the relationship stages (when segments are not meaningful).

    Returns
    -------
    ActionPlan
        The ranked table, what was ranked, and the rule in words.

    Examples
    --------
    Champions: 2 customers worth 300 each (600); Hibernating: 6 worth 50 (300); At Risk: 1 worth 400.
    Hibernating has the most customers but the least value per customer; At Risk the most per customer
    but one customer. The whole groups' values rank them 600, 400, 300.

    >>> people = pd.DataFrame({"segment": ["Champions"] * 2 + ["Hibernating"] * 6 + ["At Risk"],
    ...                        "spend": [100.0] * 9}, index=[f"c{i}" for i in range(9)])
    >>> five = pd.Series([300.0] * 2 + [50.0] * 6 + [400.0], index=people.index)
    >>> action_plan(people, five).table[["rank", "customers", "value", "value per customer"]]  # doctest: +NORMALIZE_WHITESPACE
                 rank  customers  value  value per customer
    group
    Champions       1          2  600.0               300.0
    At Risk         2          1  400.0               400.0
    Hibernating     3          6  300.0                50.0
    >>> action_plan(people).rule  # no forecast: what each group has spent so far
    'ranked by what the whole group has spent so far (its customers x their spend so far per customer); a tie goes to the larger group'
    """
    if by not in ("segment", "stage"):
        raise ValueError(f"by must be 'segment' or 'stage', not {by!r}")
    require_customers(customers, [by, "spend"])
    if five_year is not None:
        values = pd.Series(pd.to_numeric(pd.Series(five_year), errors="coerce"), dtype="float64").reindex(customers.index)
        label, how = "expected 5-year spend", "the expected 5-year spend of the whole group (its customers x their expected 5-year spend per customer)"
    else:
        values = customers["spend"].astype("float64")
        label, how = "spend so far", "what the whole group has spent so far (its customers x their spend so far per customer)"
    values = values.where(np.isfinite(values))  # a value that is not a number counts as none, never as inf
    groups = customers[by].astype(str)
    table = pd.DataFrame({"customers": groups.value_counts(),
                          "value": values.groupby(groups).sum(min_count=1).fillna(0.0)})
    table["value per customer"] = table["value"] / table["customers"]
    table["share of customers"] = table["customers"] / table["customers"].sum()
    known = rfm.SEGMENTS if by == "segment" else segments.RELATIONSHIP_STAGES
    position = {name: i for i, name in enumerate(known)}
    table["_position"] = [position.get(g, len(known)) for g in table.index]
    table = table.sort_values(["value", "customers", "_position"], ascending=[False, False, True], kind="stable")
    tactics = rfm.SEGMENT_TACTICS if by == "segment" else segments.STAGE_TACTICS
    table["what to do"] = [tactics.get(g, "") for g in table.index]
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table = table[["rank", "customers", "share of customers", "value", "value per customer", "what to do"]]
    table.index.name = "group"
    return ActionPlan(table, by, label, f"ranked by {how}; a tie goes to the larger group")


def top_customers(listing: pd.DataFrame, customers: pd.DataFrame, plan: ActionPlan, n: int = 5) -> pd.DataFrame:
    """The first ``n`` customers to contact in every group of the plan, the plan's first group first.

    Within a group the customers with the highest expected 5-year spend come first (without a
    forecast, where ``five_year_value`` is empty: the highest spend so far); among equal values, the
    higher spend so far, then the order of ``listing``.

    Parameters
    ----------
    listing : pandas.DataFrame
        :func:`lifecycle_lib.analytics.customer_value.customer_list` (``customer_id``, ``spend`` and,
        where there is a forecast, ``five_year_value``).
    customers : pandas.DataFrame
        :func:`customer_table` of the same customers: the group of each (its ``segment`` or ``stage``).
    plan : ActionPlan
        :func:`action_plan`.
    n : int, default 5
        Customers per group.

    Returns
    -------
    pandas.DataFrame
        The rows of ``listing`` picked, with ``rank`` and ``group`` (the plan's) in front, group by group.

    Examples
    --------
    >>> people = pd.DataFrame({"segment": ["Loyal", "New", "Loyal", "Loyal"], "spend": [50.0, 90.0, 30.0, 70.0]},
    ...                       index=["a", "b", "c", "d"])
    >>> listing = pd.DataFrame({"customer_id": ["b", "d", "a", "c"], "spend": [90.0, 70.0, 50.0, 30.0],
    ...                         "five_year_value": [200.0, 100.0, 100.0, 150.0]})
    >>> top_customers(listing, people, action_plan(people), n=2)  # d and a tie at 100: d spent more
       rank  group customer_id  spend  five_year_value
    0     1  Loyal           c   30.0            150.0
    1     1  Loyal           d   70.0            100.0
    2     2    New           b   90.0            200.0
    """
    require_customers(customers, [plan.by])
    require_columns(listing, ["customer_id", "spend"], what="customer list",
                    fix="pass the table of lifecycle_lib.analytics.customer_value.customer_list(...)")
    keys = ["spend"]
    if "five_year_value" in listing.columns and listing["five_year_value"].notna().any():
        keys = ["five_year_value", "spend"]
    listing = listing.sort_values(keys, ascending=False, kind="stable", na_position="last")
    group_of = pd.Series(customers[plan.by].astype(str).to_numpy(), index=customers.index.astype(str))
    groups = listing["customer_id"].astype(str).map(group_of)
    picked = []
    for group, rank in zip(plan.table.index, plan.table["rank"]):
        rows = listing[(groups == group).to_numpy()].head(n)
        picked.append(rows.assign(rank=int(rank), group=group)[["rank", "group", *listing.columns]])
    if not picked:
        return pd.DataFrame(columns=["rank", "group", *listing.columns])
    return pd.concat(picked, ignore_index=True)
