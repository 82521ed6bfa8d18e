"""The sections of the "who is my customer?" report, as plain objects: the same for the page and the lesson.

:func:`read_shop` reads an orders file (or the course's sample shop) and computes everything once
(:class:`Shop`); each section function then arranges those numbers into a :class:`Section`: a
title, a short introduction, and blocks in reading order, each one paragraph of Markdown, a table
(a DataFrame of text with plain-language column labels, every amount already written with the
shop's currency) or a matplotlib figure. The computing itself lives in
:mod:`lifecycle_lib.analytics.customers`, :mod:`~lifecycle_lib.analytics.customer_value`,
:mod:`~lifecycle_lib.analytics.purchases` and :mod:`~lifecycle_lib.analytics.rfm`; this module only
chooses the words and the layout.

``lifecycle report`` (:mod:`lifecycle_lib.tools.report`) writes the sections as one HTML page; the
capstone lesson shows the same objects in its cells (a :class:`Section` displays itself in a
notebook), so the lesson and the report cannot disagree.

=====================  =======================================================================
:func:`file_section`       1. The file: what was read, which columns, whether there is enough data
:func:`customers_section`  2. Who your customers are: stages, RFM segments and how they moved, frameworks
:func:`products_section`   3. What they buy
:func:`channels_section`   4. How they came and why they buy: first channel, discounts
:func:`value_section`      5. What they are worth: so far and over five years
:func:`actions_section`    6. What to do next: one ranked list of groups, and whom to contact in each
:func:`quality_section`    7. Data quality: every repair made to the file
:func:`summary_section`    Summary
:func:`glossary_section`   Glossary: the words and the thresholds used for this file
=====================  =======================================================================

>>> shop = read_shop()                              # the course's sample shop
>>> [section.title for section in all_sections(shop)][:2]
['1. The file', '2. Who your customers are']
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lifecycle_lib.analytics import customer_value, customers, frameworks, purchases, rfm, segments
from lifecycle_lib.data.readers import read_orders
from lifecycle_lib.errors import DataError
from lifecycle_lib.viz import plots

__all__ = [
    "currency_code",
    "Section",
    "Shop",
    "SAMPLE_NAME",
    "read_shop",
    "analyse",
    "file_section",
    "customers_section",
    "products_section",
    "channels_section",
    "value_section",
    "actions_section",
    "quality_section",
    "summary_section",
    "glossary_section",
    "all_sections",
]

#: How the report names the course's sample shop.
SAMPLE_NAME = "the course's sample shop, Cosy Paws"

#: The currency of the sample shop's amounts (the data dictionary, ``datasets/README.md``).
SAMPLE_CURRENCY = "EUR"

#: Plain words for the clean columns :func:`lifecycle_lib.data.readers.read_orders` maps a file to.
COLUMN_WORDS = {
    "customer_id": "customer",
    "order_date": "order date",
    "amount": "amount paid",
    "order_id": "order number",
    "product": "product",
    "quantity": "quantity",
    "channel": "channel",
    "discount_code": "discount code",
    "promotion": "promotion",
    "currency": "currency",
    "country": "country",
    "refunded": "refunds taken off the orders",
}

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


# --------------------------------------------------------------------------------------------
# Words and numbers
# --------------------------------------------------------------------------------------------


def _md(text) -> str:
    """A value from the user's file, safe inside Markdown: its punctuation is taken literally."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def _plain(key) -> str:
    """A stage, channel or column key in plain words: ``at_risk`` -> ``at risk``."""
    return str(key).replace("_", " ")


def _count(n: int, one: str, many: str | None = None) -> str:
    """``1 customer``, ``2,166 customers``."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _pct(share) -> str:
    """A share of 1 as a whole percentage; '-' for a value that is not a number."""
    if share is None or not math.isfinite(float(share)):
        return "-"
    return f"{100 * float(share):.0f}%"


def _whole(value) -> str:
    """A count with thousands separators; '-' for a missing value."""
    if value is None or pd.isna(value):
        return "-"
    return f"{int(value):,}"


_ERROR_NAME = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Warning): ")


def _without_error_names(text: str) -> str:
    """A message without Python's exception names: ``'fit failed (DataError: x)'`` -> ``'fit failed (x)'``."""
    return _ERROR_NAME.sub("", text)


def _first_clause(text: str, lower: bool = True) -> str:
    """The first clause of a tactic, in lower case unless told: 'Reward them: early access ...' -> 'reward them'."""
    clause = text.split(":")[0].split(";")[0].rstrip(".")
    return clause[:1].lower() + clause[1:] if lower else clause


def _text_table(columns: dict) -> pd.DataFrame:
    """A table of text from ``{label: values}``, with a plain 0..n-1 index that is never shown."""
    return pd.DataFrame({label: [str(v) for v in values] for label, values in columns.items()})


def _blank_repeats(values) -> list[str]:
    """Group labels written once, on the first row of their group."""
    out, before = [], object()
    for value in values:
        out.append("" if value == before else str(value))
        before = value
    return out


# --------------------------------------------------------------------------------------------
# The section object
# --------------------------------------------------------------------------------------------


@dataclass
class Section:
    """One section of the report: a title, an introduction and blocks in reading order.

    Each block is a paragraph of Markdown (``str``), a table (a ``pandas.DataFrame`` of text whose
    column labels are plain words; its index is not part of the table) or a matplotlib figure.
    In a notebook a section displays its blocks (the lesson's own cells give the title and the
    introduction); :mod:`lifecycle_lib.tools.report` writes all of it as HTML.

    Attributes
    ----------
    title : str
        The heading, e.g. ``"1. The file"``.
    intro : str
        What the section shows, in Markdown (may be empty).
    blocks : list
        Paragraphs, tables and figures, in order.
    key : str
        A short name for links within the page (``"file"``).

    Examples
    --------
    >>> section = Section("Summary", blocks=["- **Who:** 3 customers."], key="summary")
    >>> section.add(pd.DataFrame({"stage": ["new"], "customers": ["3"]}))
    Section('Summary': 1 paragraph(s), 1 table(s), 0 figure(s))
    >>> section.paragraphs
    ['- **Who:** 3 customers.']
    """

    title: str
    intro: str = ""
    blocks: list = field(default_factory=list)
    key: str = ""

    def add(self, *blocks) -> Section:
        """Append paragraphs, tables or figures (None is skipped); returns the section."""
        self.blocks.extend(block for block in blocks if block is not None)
        return self

    @property
    def paragraphs(self) -> list[str]:
        """The Markdown paragraphs, in order."""
        return [block for block in self.blocks if isinstance(block, str)]

    @property
    def tables(self) -> list[pd.DataFrame]:
        """The tables, in order."""
        return [block for block in self.blocks if isinstance(block, pd.DataFrame)]

    @property
    def figures(self) -> list:
        """The matplotlib figures, in order."""
        return [block for block in self.blocks if hasattr(block, "savefig")]

    def __repr__(self) -> str:
        return (f"Section({self.title!r}: {len(self.paragraphs)} paragraph(s), {len(self.tables)} table(s), "
                f"{len(self.figures)} figure(s))")

    def _ipython_display_(self):
        """Show the blocks in a notebook: paragraphs as Markdown, tables without their index, figures as PNG."""
        from IPython.display import Markdown, display

        for block in self.blocks:
            if isinstance(block, str):
                display(Markdown(block))
            elif isinstance(block, pd.DataFrame):  # the table without its index, in HTML and as text
                display({"text/html": block.style.hide(axis="index").to_html(),
                         "text/plain": block.to_string(index=False)}, raw=True)
            else:
                display(block)


# --------------------------------------------------------------------------------------------
# Reading and computing, once
# --------------------------------------------------------------------------------------------


@dataclass
class Shop:
    """An orders file read and analysed once: everything the sections arrange.

    Attributes
    ----------
    data : OrdersFile
        What :func:`lifecycle_lib.data.readers.read_orders` returned.
    name : str
        The file as the report names it, in Markdown (its name in backticks, or :data:`SAMPLE_NAME`).
    title : str
        The same in plain text, for the page title.
    currency : str or None
        The currency of every amount (None when the file does not say).
    about : Overview
        :func:`lifecycle_lib.analytics.customers.overview`.
    enough : Requirements
        :func:`lifecycle_lib.analytics.customers.requirements`: are segments and a forecast meaningful?
    people : pandas.DataFrame
        :func:`lifecycle_lib.analytics.customers.customer_table`, one row per customer.
    stages, segments : pandas.DataFrame
        :func:`~lifecycle_lib.analytics.customers.stage_summary` and
        :func:`~lifecycle_lib.analytics.customers.segment_summary`.
    value : Value
        :func:`lifecycle_lib.analytics.customer_value.value_summary`.
    actions : ActionPlan
        :func:`lifecycle_lib.analytics.customers.action_plan`: the one ranked list of groups (RFM
        segments, or relationship stages when segments are not meaningful), by expected 5-year spend
        where a forecast is made and by spend so far otherwise.
    customer_list : pandas.DataFrame
        :func:`lifecycle_lib.analytics.customer_value.customer_list`: the CSV written beside the report.
    contacts : pandas.DataFrame
        :func:`lifecycle_lib.analytics.customers.top_customers`: the first customers of each group to contact.
    movement : Movement or None
        :func:`lifecycle_lib.analytics.customers.segment_movement` since the previous quarter (its
        ``reason`` says why it is not shown); None when the file has no segments.
    products, channels, discounts : object or None
        :func:`lifecycle_lib.analytics.purchases.products_by_segment`, ``first_channels`` and
        ``discount_use``; None when the file has no such column.
    notes : list of str
        Messages that a computation raised as Python warnings, shown in the data-quality section.

    Examples
    --------
    >>> shop = analyse(read_orders(pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                                          "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})))
    >>> shop.about.customers, shop.money(110), shop.enough.segments
    (2, '110', False)
    """

    data: object
    name: str
    title: str
    currency: str | None
    about: customers.Overview
    enough: customers.Requirements
    people: pd.DataFrame
    stages: pd.DataFrame
    segments: pd.DataFrame
    value: customer_value.Value
    actions: customers.ActionPlan
    customer_list: pd.DataFrame
    contacts: pd.DataFrame
    movement: customers.Movement | None = None
    products: object = None
    channels: pd.DataFrame | None = None
    discounts: object = None
    notes: list = field(default_factory=list)

    @property
    def orders(self) -> pd.DataFrame:
        """The clean purchase lines."""
        return self.data.orders

    @property
    def as_of(self) -> pd.Timestamp:
        """The date everything is seen from."""
        return self.data.observation_period_end

    @property
    def first_group(self) -> str:
        """The group to start with: the first of :attr:`actions` (an RFM segment, or a stage key)."""
        return self.actions.first

    def group_name(self, group) -> str:
        """A group of :attr:`actions` in plain words: ``'Champions'``, ``'at risk'``."""
        return str(group) if self.actions.by == "segment" else _plain(group)

    @property
    def top_stage(self) -> str:
        """The relationship stage with the most customers (its key)."""
        return str(self.stages["customers"].idxmax())

    def money(self, amount) -> str:
        """An amount with the shop's currency: ``'1,234 EUR'``, ``'12.50 EUR'``; '-' for a missing one.

        Parameters
        ----------
        amount : float
            The amount.

        Returns
        -------
        str
            Whole units from 100 up, cents below.
        """
        if amount is None or not math.isfinite(float(amount)):
            return "-"
        amount = float(amount)
        text = f"{amount:,.0f}" if abs(amount) >= 100 else f"{amount:,.2f}"
        return f"{text} {self.currency}" if self.currency else text

    def money_column(self, amounts) -> list[str]:
        """Amounts of one table column with the shop's currency, all in whole units when any reaches 100.

        Parameters
        ----------
        amounts : iterable of float
            The column's amounts.

        Returns
        -------
        list of str
            One text per amount ('-' for a missing one).
        """
        amounts = [float(a) for a in amounts]
        finite = [abs(a) for a in amounts if math.isfinite(a)]
        whole = bool(finite) and max(finite) >= 100
        unit = f" {self.currency}" if self.currency else ""
        return [("-" if not math.isfinite(a) else (f"{a:,.0f}" if whole else f"{a:,.2f}") + unit) for a in amounts]

    def __repr__(self) -> str:
        return (f"Shop({self.title!r}: {self.about.customers:,} customers, {self.about.orders:,} orders, "
                f"sales {self.money(self.about.revenue)}, as of {self.as_of:%Y-%m-%d}; segments: "
                f"{'yes' if self.enough.segments else 'no'}, forecast: {'yes' if self.enough.forecast else 'no'})")


def _sample_orders():
    """The sample shop's orders with product names instead of ids, as a shop's export would have them."""
    from lifecycle_lib.data import datasets

    source = datasets.load_orders(business="shop")
    names = datasets.load_products().set_index("product_id")["name"]
    return source.assign(product_id=source["product_id"].map(names).fillna(source["product_id"]))


def read_shop(
    orders_file=None,
    observation_period_end=None,
    customer_id_col=None,
    datetime_col=None,
    monetary_value_col=None,
    order_col=None,
    product_col=None,
    sheet=None,
    *,
    currency_col=None,
    rates=None,
    drop_duplicates=True,
    engine="auto",
    currency=None,
) -> Shop:
    """Read an orders file with :func:`lifecycle_lib.data.readers.read_orders` and analyse it (:func:`analyse`).

    An unusable file raises the reader's :class:`~lifecycle_lib.errors.DataError` before anything is
    computed; the message names the file as it was given.

    Parameters
    ----------
    orders_file : str or Path, optional
        The orders file (CSV, Excel or Parquet); None for the course's sample shop (the column
        options are then ignored).
    observation_period_end : str or date-like, optional
        The date the analysis looks from (default: the day after the last order).
    customer_id_col, datetime_col, monetary_value_col, order_col, product_col, sheet : str, optional
        As for :func:`~lifecycle_lib.data.readers.read_orders`, when the file's names are not recognised.
    currency_col : str, optional
        The file's currency column, when its name is not recognised.
    rates : str, Path or dict, optional
        Exchange rates for a file in several currencies.
    drop_duplicates : bool, default True
        Whether exact duplicate lines are dropped.
    engine : str, default "auto"
        How the reader parses and aggregates the file, passed on to
        :func:`~lifecycle_lib.data.readers.read_orders` (``"auto"`` lets it choose).
    currency : str, optional
        The three-letter code of the amounts' currency (``"EUR"``), for a file that names none; a
        file that names another currency is refused.

    Returns
    -------
    Shop
        The file read and analysed.

    Examples
    --------
    >>> read_shop("no/such/orders.csv")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: no/such/orders.csv: the file does not exist. Fix: check the path and the file name; a relative path is read from the folder you run the command in.
    """
    # the reader chooses its engine itself unless one is named (and older readers know no engine option)
    how = {} if engine == "auto" else {"engine": engine}
    if orders_file is None:
        data = read_orders(_sample_orders(), name="the sample shop (Cosy Paws)",
                           observation_period_end=observation_period_end, **how)
        return analyse(data, name=SAMPLE_NAME, title="sample shop", currency=data.currency or SAMPLE_CURRENCY)
    code = None if currency is None else currency_code(currency)  # a misspelt code fails before the file is read
    data = read_orders(orders_file, customer_id_col=customer_id_col, datetime_col=datetime_col,
                       monetary_value_col=monetary_value_col, order_col=order_col, product_col=product_col,
                       sheet=sheet, observation_period_end=observation_period_end, currency_col=currency_col,
                       rates=rates, drop_duplicates=drop_duplicates, **how)
    return analyse(data, currency=_given_currency(code, data, orders_file))


def currency_code(currency) -> str:
    """A currency named by the user as its upper-case three-letter code, or a DataError that says how to name it.

    Parameters
    ----------
    currency : str
        What the user wrote, e.g. ``"eur"``.

    Returns
    -------
    str
        The code, e.g. ``"EUR"``.

    Examples
    --------
    >>> currency_code(" eur ")
    'EUR'
    >>> currency_code("euro")
    Traceback (most recent call last):
    ...
    lifecycle_lib.errors.DataError: the currency 'euro' is not a three-letter code. Fix: name it as ISO 4217 does, e.g. --currency EUR, USD or GBP.
    """
    code = str(currency).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise DataError(f"the currency {currency!r} is not a three-letter code",
                        fix="name it as ISO 4217 does, e.g. --currency EUR, USD or GBP")
    return code


def _given_currency(code, data, orders_file):
    """The currency code the user named for the amounts, checked against the file's own (None: not named)."""
    if code is None:
        return None
    if data.currency is not None and data.currency != code:
        raise DataError(f"the file's amounts are in {data.currency}, not {code}", file=orders_file,
                        column=data.columns.get("currency"),
                        fix=f"leave out --currency (the file names its own), or pass --rates with a rate for "
                            f"{code} to report in it")
    return code


def _code_span(text: str) -> str:
    """Markdown code for a file name, even one with a backtick in it."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def analyse(data, name: str | None = None, title: str | None = None, currency: str | None = None) -> Shop:
    """Compute everything the report shows about an orders file, once.

    Python warnings raised on the way are caught and kept as :attr:`Shop.notes` (section 7 lists
    them), so none reaches a page or a lesson's output as a bare warning; deprecation warnings,
    which are about code rather than the file, are left out.

    Parameters
    ----------
    data : OrdersFile
        What :func:`lifecycle_lib.data.readers.read_orders` returned.
    name : str, optional
        How the report names the file, in Markdown (default: the file's name in backticks).
    title : str, optional
        The same in plain text (default: the file's name).
    currency : str, optional
        The currency of the amounts (default: what the reader found in the file).

    Returns
    -------
    Shop
        The file and every table the sections need.

    Examples
    --------
    >>> table = pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                       "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})
    >>> analyse(read_orders(table), title="three orders")
    Shop('three orders': 2 customers, 3 orders, sales 110, as of 2024-03-02; segments: no, forecast: no)
    """
    file_name = Path(str(data.file).replace("\\", "/")).name
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for developers_only in (DeprecationWarning, PendingDeprecationWarning):  # about code, not about the file
            warnings.simplefilter("ignore", developers_only)
        orders, as_of = data.orders, data.observation_period_end
        about = customers.overview(orders)
        enough = customers.requirements(orders)
        people = customers.customer_table(orders, as_of)
        stages = customers.stage_summary(people)
        seg_table = customers.segment_summary(people)
        value = customer_value.value_summary(orders, people, as_of)
        actions = customers.action_plan(people, value.five_year if enough.forecast else None,
                                        by="segment" if enough.segments else "stage")
        listing = customer_value.customer_list(people, value if enough.forecast else None, segments=enough.segments)
        contacts = customers.top_customers(listing, people, actions, n=5)
        movement = customers.segment_movement(orders, as_of, enough=True) if enough.segments else None
        products = purchases.products_by_segment(orders, people, top=3) if about.has("product") else None
        channels = purchases.first_channels(orders) if about.has("channel") else None
        discounts = (purchases.discount_use(orders, people)
                     if about.has("discount_code") or about.has("promotion") else None)
    notes = list(dict.fromkeys(str(w.message).strip() for w in caught))
    return Shop(data=data, name=name or _code_span(file_name), title=title or file_name,
                currency=currency if currency is not None else data.currency, about=about, enough=enough,
                people=people, stages=stages, segments=seg_table, value=value, actions=actions, customer_list=listing,
                contacts=contacts, movement=movement, products=products, channels=channels, discounts=discounts,
                notes=notes)


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def _plain_axis(ax, axis: str = "x", integer: bool = False) -> None:
    """Tick labels as plain numbers with thousands separators (never 1e6), whole numbers for counts."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    # a narrow x axis fits about five labels like "8,000" side by side; more run into each other
    target.set_major_locator(MaxNLocator(nbins=5 if axis == "x" else "auto", integer=integer))
    target.set_major_formatter(FuncFormatter(
        lambda x, _: f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 10 else f"{x:,.1f}"))


def _stage_figure(shop: Shop):
    fig = plots.stage_bar(shop.stages["customers"], title="Customers by relationship stage", figsize=(4.9, 3.4))
    ax = fig.axes[0]
    ax.set_ylabel("customers")
    ax.margins(y=0.15)
    _plain_axis(ax, "y", integer=True)
    return fig


def _segment_figure(shop: Shop):
    fig = plots.bar(shop.segments["customers"], title="Customers by RFM segment", xlabel="customers",
                    horizontal=True, figsize=(4.9, 3.4))
    ax = fig.axes[0]
    ax.margins(x=0.15)
    _plain_axis(ax, "x", integer=True)
    return fig


def _value_figure(shop: Shop):
    totals = shop.value.by_segment["5-year value (total)"]
    unit = f" ({shop.currency})" if shop.currency else ""
    with plots.style():
        fig = plots.bar(totals, title="Expected 5-year spend by RFM segment", horizontal=True, annotate=False,
                        colors=plots.PALETTE[2], xlabel=f"expected spend of all the segment's customers{unit}",
                        figsize=(7.0, 3.6))
        ax = fig.axes[0]
        ax.bar_label(ax.containers[0], labels=shop.money_column(totals), padding=2, fontsize=9,
                     color="#3e4c59")
        ax.margins(x=0.25)
        _plain_axis(ax, "x")
    return fig


# --------------------------------------------------------------------------------------------
# The sections
# --------------------------------------------------------------------------------------------


def file_section(shop: Shop) -> Section:
    """Section 1, the file: what was read and kept, which columns were used, and whether there is enough data.

    Parameters
    ----------
    shop : Shop
        :func:`read_shop` or :func:`analyse`.

    Returns
    -------
    Section
        A paragraph on the file, the table of columns used, the verdict on the requirements and their table.

    Examples
    --------
    >>> shop = analyse(read_orders(pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                                          "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})))
    >>> file_section(shop).tables[0].to_dict("list")
    {'used as': ['customer', 'order date', 'amount paid'], 'column in the file': ['customer', 'date', 'amount']}
    """
    data, about = shop.data, shop.about
    findings = len(data.findings)
    section = Section("1. The file", key="file", intro=(
        "A shop's export is rarely ready for analysis. The reader recognises the layout of the export, maps its "
        "columns to **customer, order date and amount** (plus order, product, quantity, channel and discount code "
        "where the file has them) and cleans it. Anything it cannot use stops the report with one message that "
        "names the file, the column, example rows and the fix; anything it repairs is listed in section 7."))
    section.add(
        f"The report reads **{shop.name}**, recognised as *{_md(data.layout_name)}*. "
        f"Of {_count(data.lines_read, 'row')}, **{_count(about.lines, 'purchase line')}** remain: "
        f"{_count(about.orders, 'order')} by **{_count(about.customers, 'customer')}** worth "
        f"**{shop.money(about.revenue)}** in total, from {about.first_order:%d %b %Y} to {about.last_order:%d %b %Y} "
        f"({_count(about.days, 'day')}). Everything is seen as of **{shop.as_of:%d %b %Y}**. "
        + ("" if shop.currency else
           "The file names no currency, so amounts are shown as plain numbers in whatever currency the shop "
           "sells in; name it with `--currency` (for example `--currency EUR`) to have every amount labelled. ")
        + ("The file needed no repairs." if not findings else
           f"{_count(findings, 'data-quality finding')} {'is' if findings == 1 else 'are'} listed in section 7."),
        _text_table({"used as": [COLUMN_WORDS.get(k, _plain(k)) for k in data.columns],
                     "column in the file": list(data.columns.values())}),
        f"**Enough data?** {shop.enough.verdict}",
    )
    needs = shop.enough.table
    section.add(_text_table({
        "what is counted": needs.index.tolist(),
        "in this file": [_whole(v) for v in needs["found"]],
        "needed for RFM segments": [_whole(v) for v in needs["for segments"]],
        "needed for a 5-year forecast": [_whole(v) for v in needs["for a forecast"]],
    }))
    return section


def _framework_table(shop: Shop) -> pd.DataFrame:
    counts = customers.framework_summary(shop.people).reset_index()
    by_name = {fw.name: fw for fw in frameworks.FRAMEWORKS.values()}
    stage_names = [by_name[fw].stage(key).name for fw, key in zip(counts["framework"], counts["stage"])]
    return _text_table({"framework": _blank_repeats(counts["framework"]), "stage": stage_names,
                        "customers": [_whole(v) for v in counts["customers"]]})


def _signed(n: int) -> str:
    """A change in a count: ``'+12'``, ``'-3'``, ``'0'``."""
    return f"{n:+,}" if n else "0"


def _movement_blocks(shop: Shop) -> list:
    """How the RFM segments moved since the previous quarter: a paragraph and two tables, or one sentence."""
    moved = shop.movement
    if moved is None:
        return []
    if not moved.shown:
        return [f"**How the groups moved since the previous quarter** is not shown: {moved.reason}."]
    counts, flows, then = moved.counts, moved.flows, f"{moved.earlier:%d %b %Y}"
    before = int(counts["then"].sum())
    text = (f"**How the groups moved since the previous quarter.** Each customer is scored twice: on "
            f"{then}, on the orders placed by then, and now. Of the {_count(before, 'customer')} of {then}, "
            f"**{moved.moved:,}** ({_pct(moved.moved / before)}) are in another segment now, and "
            + (f"{_count(moved.new_customers, 'customer')} ordered for the first time since then." if moved.new_customers
               else "no customer ordered for the first time since then."))
    if len(flows):
        big = flows.iloc[0]
        text += (f" The largest move: {_count(int(big['customers']), 'customer')} who {'was' if big['customers'] == 1 else 'were'} "
                 f"{big['from']} on {then} {'is' if big['customers'] == 1 else 'are'} {big['to']} now.")
    best = next((s for s in rfm.SEGMENTS[:2] if s in counts.index and counts.loc[s, "then"] > 0), None)
    if best is not None:
        was, kept = int(counts.loc[best, "then"]), int(counts.loc[best, "stayed"])
        text += (f" Of the {was:,} {best} of {then}, {kept:,} {'is' if kept == 1 else 'are'} still {best}"
                 + ("." if kept == was else f"; the other {was - kept:,} moved to another segment."))
    table = _text_table({"RFM segment": counts.index.astype(str).tolist(),
                         f"customers on {then}": [_whole(v) for v in counts["then"]],
                         "of them, still in it": [_whole(v) for v in counts["stayed"]],
                         "customers now": [_whole(v) for v in counts["now"]],
                         "change": [_signed(int(v)) for v in counts["change"]]})
    blocks = [text, table]
    if len(flows):
        blocks += [f"**The largest moves between segments** since {then}:",
                   _text_table({f"segment on {then}": flows["from"].tolist(), "segment now": flows["to"].tolist(),
                                "customers": [_whole(v) for v in flows["customers"]]})]
    return blocks


def customers_section(shop: Shop) -> Section:
    """Section 2, who the customers are: relationship stages, RFM segments, how they moved, frameworks' stages.

    Parameters
    ----------
    shop : Shop
        :func:`read_shop` or :func:`analyse`.

    Returns
    -------
    Section
        The largest stage and the best segment in words, their bar charts and tables, how the
        segments moved since the previous quarter (or why that is not shown), and the customers in
        each lifecycle framework.

    Examples
    --------
    >>> shop = analyse(read_orders(pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                                          "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})))
    >>> section = customers_section(shop)
    >>> len(section.figures), section.tables[0].columns.tolist()
    (1, ['relationship stage', 'customers', 'share of customers'])
    """
    stages, top = shop.stages, shop.top_stage
    lapsed = float(stages["share"].get("lapsed", 0.0))
    section = Section("2. Who your customers are", key="who", intro=(
        "Three views of the same people:\n\n"
        "- the **relationship stage**: new, active, returning, at risk or lapsed, judged by how long each customer "
        "has been silent compared with their own usual gap between orders;\n"
        "- the **RFM segment**: recency, frequency and spend (R, F and M) scored 1 to 5 against the other "
        "customers, and named from R and the mean of F and M;\n"
        "- the **stage in each lifecycle framework**: the classic 5-stage lifecycle, the 6-stage lifecycle and the "
        "purchase lifecycle, translated from the relationship stage.\n\n"
        "An orders file only holds buyers, so prospects, suspects and leads (people who have not bought yet) do not "
        "appear, and advocates cannot be told apart without referrals or reviews. The glossary at the end defines "
        "each stage and segment with the thresholds used."))
    text = (f"The largest relationship stage is **{_plain(top)}** ({_pct(stages.loc[top, 'share'])} of customers)"
            + (". " if top == "lapsed" else f"; **{_pct(lapsed)}** have lapsed. " if lapsed else
               "; no customer has lapsed. "))
    if shop.enough.segments:
        best = shop.segments.index[0]
        text += (f"In RFM terms the best-ranked group present is **{best}** with "
                 f"{_count(int(shop.segments.loc[best, 'customers']), 'customer')} bringing "
                 f"{_pct(shop.segments.loc[best, 'share of revenue'])} of revenue.")
    else:
        text += "RFM segments are left out: they score each customer against the others, and there are too few others."
    section.add(text, _stage_figure(shop), _segment_figure(shop) if shop.enough.segments else None)
    section.add(_text_table({"relationship stage": [_plain(s) for s in stages.index],
                             "customers": [_whole(v) for v in stages["customers"]],
                             "share of customers": [_pct(v) for v in stages["share"]]}))
    if shop.enough.segments:
        seg = shop.segments
        section.add(_text_table({"RFM segment": seg.index.astype(str).tolist(),
                                 "customers": [_whole(v) for v in seg["customers"]],
                                 "revenue": shop.money_column(seg["revenue"]),
                                 "share of revenue": [_pct(v) for v in seg["share of revenue"]]}))
        section.add(*_movement_blocks(shop))
    section.add("**The same customers in each lifecycle framework** (stage names are the frameworks' own; each is "
                "translated from the relationship stage):", _framework_table(shop))
    return section


def products_section(shop: Shop) -> Section:
    """Section 3, what they buy: the best sellers, overall and in each RFM segment.

    Parameters
    ----------
    shop : Shop
        :func:`read_shop` or :func:`analyse`.

    Returns
    -------
    Section
        The best seller in words and the top products per segment (without segments: overall), or
        a sentence saying the file names no product.

    Examples
    --------
    >>> shop = analyse(read_orders(pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                                          "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})))
    >>> products_section(shop).paragraphs[0][:40]
    'The file has no product column, so this '
    """
    section = Section("3. What they buy", key="products", intro=(
        "Where the file names products, the top products of each RFM segment show what draws the best customers "
        "and what the drifting ones bought last: a starting point for suggesting each group's next purchase."))
    bought = shop.products
    if bought is None:
        return section.add("The file has no product column, so this section is empty. Pass `product_col=...` "
                           "(command line: `--product-col`) if one of its columns names the product.")
    overall = bought.overall
    total = float(overall.sum())
    text = (f"The file lists **{_count(bought.n_products, 'product')}**. The best seller by revenue is "
            f"**{_md(overall.index[0])}** ({_pct(overall.iloc[0] / total if total else float('nan'))} of revenue)")
    if bought.n_products > 3:
        text += f"; the top three bring {_pct(overall.head(3).sum() / total if total else float('nan'))}"
    section.add(text + ".")
    if shop.enough.segments:
        by = bought.by_segment.reset_index()
        section.add(_text_table({"RFM segment": _blank_repeats(by["segment"].astype(str)),
                                 "product": by["product"].tolist(),
                                 "revenue": shop.money_column(by["revenue"])}))
    else:  # no segments for so few customers: the best sellers of the whole shop
        top = overall.head(10)
        section.add(_text_table({"product": top.index.tolist(), "revenue": shop.money_column(top),
                                 "share of revenue": [_pct(v / total) if total else "-" for v in top]}))
    return section


def channels_section(shop: Shop) -> Section:
    """Section 4, how they came and why they buy: the channel of each first order, and discount use.

    Parameters
    ----------
    shop : Shop
        :func:`read_shop` or :func:`analyse`.

    Returns
    -------
    Section
        The first channels and the share of orders with a discount, in words and tables, or
        sentences saying which column the file lacks.

    Examples
    --------
    >>> shop = analyse(read_orders(pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                                          "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})))
    >>> channels_section(shop).paragraphs[0]
    'The file has no channel or source column, so how customers came cannot be told here.'
    """
    section = Section("4. How they came and why they buy", key="channels", intro=(
        "The channel of a customer's **first** order is the best proxy an orders file gives for how they came. "
        "Discount codes and promotions show who buys *because of* a discount (discount hunters): a segment where "
        "most orders carry a code is one to wean off blanket discounts with a second-purchase or bundle offer "
        "instead."))
    came = shop.channels
    if came is None:
        section.add("The file has no channel or source column, so how customers came cannot be told here.")
    else:
        first, share = _md(_plain(came.index[0])), float(came["share"].iloc[0])
        if share > 0.5:
            section.add(f"Most customers ({_pct(share)}) placed their first order through **{first}**.")
        else:
            section.add(f"The most common channel of a first order is **{first}**, for {_pct(share)} of customers; "
                        f"no channel brought a majority.")
        section.add(_text_table({"channel of the first order": [_plain(c) for c in came.index],
                                 "new customers": [_whole(v) for v in came["new customers"]],
                                 "share of customers": [_pct(v) for v in came["share"]],
                                 "revenue from them": shop.money_column(came["revenue from them"])}))
    promo = shop.discounts
    if promo is None:
        section.add("The file has no discount-code or promotion column, so buying on promotion cannot be measured.")
        return section
    section.add(
        f"**{_pct(promo.share_of_orders)}** of orders used a discount code or a promotion. "
        f"**{_count(promo.hunters, 'customer')}** ({_pct(promo.hunter_share)} of all customers) bought at least two "
        f"order lines and used one on at least half of them: likely discount hunters.")
    if shop.enough.segments:
        by = promo.by_segment
        section.add(_text_table({"RFM segment": by.index.astype(str).tolist(),
                                 "share of order lines with a discount or promotion": [_pct(v) for v in by]}))
    return section


def value_section(shop: Shop) -> Section:
    """Section 5, what they are worth: the top 20% of spend so far, and the 5-year value by RFM segment.

    Parameters
    ----------
    shop : Shop
        :func:`read_shop` or :func:`analyse`.

    Returns
    -------
    Section
        The concentration of revenue and the forecast in words, a bar chart and a table by segment;
        below the requirements, why no forecast is made.

    Examples
    --------
    >>> shop = analyse(read_orders(pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                                          "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})))
    >>> value_section(shop).paragraphs[0][:62]
    'The top 20% of customers (1 of 2) brought **55%** of revenue, '
    """
    value, needs = shop.value, customers.REQUIREMENTS
    section = Section("5. What they are worth", key="value", intro=(
        "**Historical value** is what each customer has spent so far. A **5-year value** needs a forecast: where "
        "enough customers have bought more than once, the BG/NBD model (how often and how long they keep buying) "
        "and the Gamma-Gamma model (how much per order) are fitted to this file; when the models cannot be "
        "trusted, the report says so and uses the simple rule *annual spend x retention* instead. Below the "
        "requirements of section 1 no forecast is made at all."))
    top = (f"The top 20% of customers ({value.top_n:,} of {shop.about.customers:,}) brought "
           f"**{_pct(value.top_share)}** of revenue")
    if not shop.enough.forecast:
        return section.add(
            f"{top}, {shop.money(shop.about.revenue)} in all so far. No 5-year forecast is made: a forecast needs at "
            f"least {needs['customers who ordered'][1]} customers, {needs['customers with two or more orders'][1]} of "
            f"them with two or more orders, and {needs['days of order history'][1]} days of history (section 1).")
    five = value.five_year
    section.add(f"{top}. The 5-year value uses {_without_error_names(value.method)}. Over five years the customers on file are expected to "
                f"spend **{shop.money(five.sum())}**, {shop.money(five.mean())} per customer on average.",
                _value_figure(shop))
    by = value.by_segment
    section.add(_text_table({"RFM segment": by.index.astype(str).tolist(),
                             "customers": [_whole(v) for v in by["customers"]],
                             **{column: shop.money_column(by[column])
                                for column in ("spent so far (mean)", "5-year value (mean)", "5-year value (total)")}}))
    return section


def actions_section(shop: Shop) -> Section:
    """Section 6, what to do next: one ranked list of groups by the value at stake, and whom to contact in each.

    The groups are the RFM segments, or the relationship stages when the file is too small for
    segments; :func:`lifecycle_lib.analytics.customers.action_plan` ranks them by the whole group's
    expected 5-year spend (without a forecast, by what the group has spent so far), and the
    section states that rule above the list.

    Parameters
    ----------
    shop : Shop
        :func:`read_shop` or :func:`analyse`.

    Returns
    -------
    Section
        The first group and its action, the ranked list (rank, group, customers, value, what to do),
        and the first five customers of every group in the list, from the list written beside the report.

    Examples
    --------
    >>> shop = analyse(read_orders(pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                                          "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})))
    >>> actions_section(shop).tables[0][["rank", "relationship stage", "customers", "spend so far (group)"]].to_dict("records")
    [{'rank': '1', 'relationship stage': 'new', 'customers': '2', 'spend so far (group)': '110'}]
    >>> actions_section(shop).tables[-1]["customer"].tolist()  # no forecast here: the biggest spenders first
    ['bob', 'ann']
    """
    plan, listing, picked = shop.actions, shop.customer_list, shop.contacts
    table, forecast = plan.table, shop.enough.forecast
    kind = "RFM segment" if plan.by == "segment" else "relationship stage"
    total, each = (("5-year value (group)", "5-year value per customer") if forecast else
                   ("spend so far (group)", "spend so far per customer"))
    section = Section("6. What to do next, group by group", key="next", intro=(
        "One list of what to do first: each group gets the action its stage calls for in the customer-lifecycle "
        "sources, and the groups are ranked by the value at stake in each, so that effort follows the numbers. "
        "Below the list are the first customers to contact in every group."))
    first = table.iloc[0]
    section.add(
        f"**First:** {shop.group_name(plan.first)} ({_count(int(first['customers']), 'customer')}, "
        f"{shop.money(first['value'])} of {plan.value}). {first['what to do']}",
        f"**The list**, {plan.rule}" + ("." if forecast else
                                         "; no 5-year forecast is made for this file (section 5)."),
        _text_table({"rank": [str(int(v)) for v in table["rank"]],
                     kind: [shop.group_name(g) for g in table.index],
                     "customers": [_whole(v) for v in table["customers"]],
                     "share of customers": [_pct(v) for v in table["share of customers"]],
                     total: shop.money_column(table["value"]),
                     each: shop.money_column(table["value per customer"]),
                     "what to do": table["what to do"].tolist()}))
    order = "highest expected 5-year spend" if forecast else "highest spend so far"
    section.add(f"**Whom to contact first in each group** (up to five per group, {order} first; the full list of "
                f"all {_count(len(listing), 'customer')}, with each one's next action, is the CSV written with this "
                f"report):")
    starts = [i == 0 or picked["group"].iloc[i] != picked["group"].iloc[i - 1] for i in range(len(picked))]
    columns = {"rank": [str(int(r)) if new else "" for r, new in zip(picked["rank"], starts)],
               kind: [shop.group_name(g) if new else "" for g, new in zip(picked["group"], starts)],
               "customer": picked["customer_id"].tolist(),
               **({"relationship stage": picked["stage"].tolist()} if plan.by == "segment" else {}),
               "last order": picked["last_order"].tolist(),
               "orders": [_whole(v) for v in picked["orders"]],
               "spend so far": shop.money_column(picked["spend"])}
    if picked["p_alive"].notna().any():  # BG/NBD was fitted: the probability is worth showing
        columns["P(alive)"] = [_pct(v) for v in picked["p_alive"]]
    if forecast:
        columns["5-year value"] = shop.money_column(picked["five_year_value"])
    # The action's first words: the ranked list above gives it whole, the CSV too.
    actions = [_first_clause(str(a), lower=False).split(" (")[0] for a in picked["next_action"]]
    columns["next action"] = [a if new or a != actions[i - 1] else "" for i, (a, new) in enumerate(zip(actions, starts))]
    return section.add(_text_table(columns))


def quality_section(shop: Shop) -> Section:
    """Section 7, data quality: what was read, kept and set apart, and every repair made to the file.

    Parameters
    ----------
    shop : Shop
        :func:`read_shop` or :func:`analyse`; its :attr:`Shop.notes` are listed too.

    Returns
    -------
    Section
        A paragraph on returns and the table of findings (what was found, on how many rows, what was done).

    Examples
    --------
    >>> shop = analyse(read_orders(pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                                          "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})))
    >>> quality_section(shop).paragraphs
    ['The file needed no repairs.']
    """
    quality = customers.data_quality(shop.data)
    section = Section("7. Data quality", key="quality", intro=(
        "Every repair made to the file is listed here: what was found, on how many rows, and what was done. "
        "Returns, refunds and cancellations are taken out of the purchases (they are kept apart, not lost); "
        "duplicate lines and lines without a customer are dropped; dates with a time zone are converted to UTC."))
    findings = quality.findings.reset_index()
    issues, rows, actions = findings["issue"].tolist(), [_whole(v) for v in findings["rows"]], findings["action"].tolist()
    for note in shop.notes:
        issues.append("a calculation reported a problem")
        rows.append("-")
        actions.append(f"{note} (the report went on; read the numbers of that calculation with care)")
    if not issues:
        return section.add("The file needed no repairs.")
    section.add(
        f"{_count(quality.lines_read, 'row')} {'was' if quality.lines_read == 1 else 'were'} read and "
        f"{_count(quality.purchase_lines, 'purchase line')} kept. "
        + (f"{_count(quality.return_lines, 'return, refund or cancellation line')} worth {shop.money(quality.returned)} "
           f"({_pct(quality.returned_share)} of gross sales) {'was' if quality.return_lines == 1 else 'were'} set apart."
           if quality.return_lines else "No line was a return, a refund or a cancellation."),
        _text_table({"what was found": issues, "rows": rows, "what was done": actions}))
    return section


def summary_section(shop: Shop) -> Section:
    """The summary: who, worth, what next and the data, in four lines.

    Parameters
    ----------
    shop : Shop
        :func:`read_shop` or :func:`analyse`.

    Returns
    -------
    Section
        One Markdown list.

    Examples
    --------
    >>> shop = analyse(read_orders(pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                                          "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})))
    >>> print(summary_section(shop).paragraphs[0])
    - **Who:** 2 customers; the largest relationship stage is new and no customer has lapsed.
    - **Worth:** the top 20% bring 55% of revenue; too little data for a 5-year forecast.
    - **Next:** start with new (2 customers, 110 of spend so far): run a welcome campaign of their own.
    - **Data:** the file needed no repairs.
    """
    top, lapsed = shop.top_stage, float(shop.stages["share"].get("lapsed", 0.0))
    value, first, findings = shop.value, shop.first_group, len(shop.data.findings)
    who = (f"the largest relationship stage is lapsed ({_pct(lapsed)})" if top == "lapsed" else
           f"the largest relationship stage is {_plain(top)} and {_pct(lapsed)} have lapsed" if lapsed else
           f"the largest relationship stage is {_plain(top)} and no customer has lapsed")
    row = shop.actions.table.loc[first]
    nxt = (f"start with {shop.group_name(first)} ({_count(int(row['customers']), 'customer')}, "
           f"{shop.money(row['value'])} of {shop.actions.value}): {_first_clause(row['what to do'])}.")
    lines = [
        f"- **Who:** {_count(shop.about.customers, 'customer')}; {who}.",
        f"- **Worth:** the top 20% bring {_pct(value.top_share)} of revenue; "
        + (f"expected 5-year spend {shop.money(value.five_year.sum())}." if shop.enough.forecast
           else "too little data for a 5-year forecast."),
        f"- **Next:** {nxt}",
        "- **Data:** " + (f"{_count(findings, 'data-quality finding')}, listed in section 7." if findings
                          else "the file needed no repairs."),
    ]
    return Section("Summary", key="summary", blocks=["\n".join(lines)])


def _times(factor: float) -> str:
    """``'1.5 x '`` before a gap, nothing for a factor of 1."""
    return "" if factor == 1 else f"{factor:g} x "


def _grid_cells(segment: str) -> str:
    """Where a segment sits in the R x FM grid, in words: ``'R 5 and FM 4-5'``."""
    def span(values):
        return f"{values[0]}" if len(values) == 1 else f"{values[0]}-{values[-1]}"

    rows = []  # (R scores, FM scores) with the same FM scores merged over neighbouring R
    for r in range(1, 6):
        fs = [f for f in range(1, 6) if rfm.SEGMENT_GRID[r - 1][f - 1] == segment]
        if not fs:
            continue
        if rows and rows[-1][1] == fs and rows[-1][0][-1] == r - 1:
            rows[-1][0].append(r)
        else:
            rows.append(([r], fs))
    return ", or ".join(f"R {span(rs)} and FM {span(fs)}" for rs, fs in rows)


def glossary_section(shop: Shop) -> Section:
    """The glossary: each relationship stage, the RFM scores and segments, P(alive), the 5-year value and the thresholds.

    Every threshold is written with the number used for this file (the typical gap between orders
    is estimated from it).

    Parameters
    ----------
    shop : Shop
        :func:`read_shop` or :func:`analyse`.

    Returns
    -------
    Section
        A table of terms and what they mean here.

    Examples
    --------
    >>> shop = analyse(read_orders(pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                                          "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})))
    >>> glossary_section(shop).tables[0]["term"].tolist()[:3]
    ['as of', 'new', 'active']
    """
    th, value, enough = segments.STAGE_THRESHOLDS, shop.value, shop.enough
    typical = float(shop.people["typical_gap_days"].median())
    repeaters = int(shop.people["usual_gap_days"].notna().sum())  # customers who bought on two days or more
    gap = f"{typical:,.0f} days"
    typical_how = (f"the median of the repeat customers' own gaps in this file ({_count(repeaters, 'repeat customer')})"
                   if repeaters else f"no customer bought twice, so the default of {th['fallback_gap_days']} days is used")
    risk_days, lapse_days = th["at_risk_factor"] * typical, max(th["lapsed_factor"] * typical, th["lapsed_min_days"])
    needs = customers.REQUIREMENTS
    terms = {
        "as of": f"{shop.as_of:%d %b %Y}: every age and gap is counted up to this day.",
        "new": f"first order at most {th['new_days']} days before the as-of date.",
        "active": f"buying within the shop's normal rhythm: a customer's usual gap between purchase days is no "
                  f"longer than {_times(th['returning_factor'])}the typical gap of {gap} (or they bought only once), "
                  f"and they are not overdue.",
        "returning": f"a repeat customer whose usual gap is longer than {_times(th['returning_factor'])}the typical "
                     f"gap of {gap}: comes back now and then.",
        "at risk": f"silent for more than {th['at_risk_factor']:g} x their own usual gap (a one-time buyer: "
                   f"{th['at_risk_factor']:g} x the typical gap, {risk_days:,.0f} days), but not yet lapsed.",
        "lapsed": f"silent for more than {th['lapsed_factor']:g} x their own usual gap and more than "
                  f"{th['lapsed_min_days']} days (a one-time buyer: more than {lapse_days:,.0f} days).",
        "which stage wins": "a customer who fits several stages gets the first of lapsed, new, at risk, active, "
                            "returning. Prospects, suspects, leads and advocates need data an orders file does not "
                            "have.",
        "usual gap, typical gap": f"a customer's usual gap is the mean time between their purchase days; the "
                                  f"typical gap, {gap}, is {typical_how}.",
        "R, F and M scores": "1 to 5, with 5 the best fifth of this file's customers: R ranks the days since the "
                             "last purchase (fewer is better), F the number of repeat purchase days, M the total "
                             "spend. Tied customers share the lower score, so every one-time buyer has F 1"
                             + (" (the second table below gives the range behind each score in this file)."
                                if enough.segments else "."),
    }
    moved = shop.movement
    if enough.segments:
        present = [str(s) for s in shop.segments.index]
        terms["RFM segments"] = ("named from R and FM, the mean of the F and M scores rounded half up (F 4 and M 1 "
                                 "give FM 3), by a widely used grid of R against FM, so that how recently, how often "
                                 "and how much a customer bought all count: "
                                 + "; ".join(f"{s}: {_grid_cells(s)}" for s in present) + ".")
        terms["movement since the previous quarter"] = (
            f"each customer's segment on {moved.earlier:%d %b %Y}, three months before the as-of date, scored on the "
            f"orders placed by then against the customers known then, compared with their segment now."
            + ("" if moved.shown else f" Not shown for this file: {moved.reason}."))
    else:
        terms["RFM segments"] = (f"not used for this file: they need at least {needs['customers who ordered'][0]} "
                                 f"customers and {needs['days of order history'][0]} days of orders (section 1).")
    terms["top 20%"] = f"the {_count(value.top_n, 'customer')} who spent most so far, a fifth of all customers."
    terms["discount hunter"] = "a customer with at least two order lines who used a discount code or a promotion on " \
                               "at least half of them."
    if value.p_alive is not None and enough.forecast:
        terms["P(alive)"] = (f"the BG/NBD model's probability that a customer has not quietly stopped buying, from "
                             f"how often they bought, when they last bought and when they first bought; fitted on "
                             f"{_count(value.fitted_on, 'customer')} of this file. The model gives every customer "
                             f"who bought only once 100%: it has seen no gap of theirs to judge a silence by, so for "
                             f"them read the stage and the days since the last order instead.")
    else:
        terms["P(alive)"] = ("the BG/NBD model's probability that a customer has not quietly stopped buying; not "
                             "computed for this file, which has too little repeat buying for the model.")
    if not enough.forecast:
        terms["5-year value"] = (f"what a customer is expected to spend over the next five years. Not forecast for "
                                 f"this file: that needs {needs['customers who ordered'][1]} customers, "
                                 f"{needs['customers with two or more orders'][1]} of them with two or more orders, "
                                 f"and {needs['days of order history'][1]} days of orders.")
    elif value.retention is not None:
        terms["5-year value"] = (f"what a customer is expected to spend over the next five years, not discounted: "
                                 f"their spend per year since their first order (a year at least) times "
                                 f"1 + r + r² + r³ + r⁴, with a yearly retention r of {_pct(value.retention)} "
                                 f"({value.retention_is}).")
    else:
        terms["5-year value"] = (f"what a customer is expected to spend over the next five years, not discounted: "
                                 f"the purchases BG/NBD expects times the spend per purchase "
                                 f"{'Gamma-Gamma expects' if value.model == customer_value.MODELS[0] else 'of their own average order'}.")
    terms["order of the list in section 6"] = (
        f"the {'RFM segments' if shop.actions.by == 'segment' else 'relationship stages'} are {shop.actions.rule}. "
        f"A group is therefore never ranked above one with more customers and more value per customer.")
    section = Section("Glossary", key="glossary",
                      intro="The words of this report, with the thresholds used for this file.")
    section.add(_text_table({"term": list(terms), "what it means here": list(terms.values())}))
    if enough.segments:
        section.add("**What each score stands for in this file** (the lowest and highest value among the customers "
                    "with that score; a score no customer has is marked -):", _score_table(shop))
    return section


def _span(low, high, write) -> str:
    """A range of values as text: ``'3-12'``, ``'5'``; '-' for an empty score."""
    if pd.isna(low) or pd.isna(high):
        return "-"
    return write(low) if write(low) == write(high) else f"{write(low)} to {write(high)}"


def _score_table(shop: Shop) -> pd.DataFrame:
    ranges = customers.score_ranges(shop.people)
    money = ranges["M"].to_numpy().ravel()  # every bound written like the others of the column
    written = dict(zip(money.tolist(), shop.money_column(money)))
    return _text_table({
        "score": [str(v) for v in ranges.index],
        "R: days since the last order": [_span(lo, hi, _whole) for lo, hi in ranges["R"].to_numpy()],
        "F: repeat purchase days": [_span(lo, hi, _whole) for lo, hi in ranges["F"].to_numpy()],
        "M: spend so far": [_span(lo, hi, written.get) for lo, hi in ranges["M"].to_numpy()],
    })


def all_sections(shop: Shop) -> list[Section]:
    """Every section of the report, in order: 1 to 7, the summary and the glossary.

    Parameters
    ----------
    shop : Shop
        :func:`read_shop` or :func:`analyse`.

    Returns
    -------
    list of Section
        Nine sections.

    Examples
    --------
    >>> shop = analyse(read_orders(pd.DataFrame({"customer": ["ann", "bob", "ann"], "amount": [30.0, 60.0, 20.0],
    ...                                          "date": ["2024-01-05", "2024-02-01", "2024-03-01"]})))
    >>> [s.key for s in all_sections(shop)]
    ['file', 'who', 'products', 'channels', 'value', 'next', 'quality', 'summary', 'glossary']
    """
    return [file_section(shop), customers_section(shop), products_section(shop), channels_section(shop),
            value_section(shop), actions_section(shop), quality_section(shop), summary_section(shop),
            glossary_section(shop)]
