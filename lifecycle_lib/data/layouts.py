"""Recognising an orders export and mapping its columns to the clean names of ``orders_file``.

:func:`standardise` finds which export a frame is (:func:`detect_layout`: the course's own
columns, Shopify, the WooCommerce order exports (one row per product, or one row per order with
its line items packed into ``line_item_1``, ``line_item_2`` ... cells), the WooCommerce Analytics
orders report, the UCI "Online Retail" invoices, or a plain customer / date / amount table),
which of its columns holds the customer, the date, the amount and the optional fields (names
understood in English, German, Spanish, French, Czech and Russian), and where an export writes
order totals, computes each line's share. The customer is an e-mail or a customer id wherever
the file has one, a name only when it has nothing else. Values stay as the file wrote them;
:func:`lifecycle_lib.data.readers.read_orders` parses and cleans them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from lifecycle_lib.data.parsing import _STR, parse_amounts, parse_packed_items
from lifecycle_lib.errors import DataError

__all__ = ["LAYOUT_NAMES", "REVERSED_STATUSES", "Standardised", "detect_layout", "standardise"]

LAYOUT_NAMES = {
    "course": "the course's own orders columns",
    "shopify": "Shopify orders export",
    "woocommerce": "WooCommerce orders export",
    "woocommerce_items": "WooCommerce orders export, one row per order with its line items packed in cells",
    "woocommerce_analytics": "WooCommerce Analytics orders export",
    "uci": 'UCI "Online Retail" invoices',
    "plain": "a customer / date / amount table",
}


def _compact(name) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


# Where the customer is, best first: e-mails, then customer ids, then columns that may hold either
# (or a name: their values decide), then names, which are not unique.
_EMAILS = ["billingemail", "emailbilling", "customeremail", "customeruseremail", "useremail", "email", "emailaddress",
           "mail", "clientemail", "buyeremail", "kundenemail", "emailadresse", "correo", "correoelectronico", "courriel",
           "adresseemail", "emailzakaznika"]
_IDS = ["customerid", "contactid", "customeruserid", "customeruser", "customerno", "customernumber", "clientid",
        "buyerid", "userid", "memberid", "accountid", "kundennummer", "kundenid", "kundenr", "idcliente", "clienteid",
        "idclient", "klientid", "klantnummer", "idklienta", "idклиента"]
_EITHER = ["customer", "client", "buyer", "user", "kunde", "cliente", "klient", "zakaznik", "zákazník", "klant",
           "клиент", "покупатель"]
_PERSON_NAMES = ["customername", "billingfullname", "fullnamebilling", "billingname", "fullname", "clientname",
                 "buyername", "kundenname", "nombrecliente", "nomclient", "jmenozakaznika"]
_FIRST_LAST = [("billingfirstname", "billinglastname"), ("firstnamebilling", "lastnamebilling"),
               ("firstname", "lastname"), ("vorname", "nachname")]

_SYNONYMS = {
    "customer_id": _EMAILS + _IDS + _EITHER,
    "order_date": [
        "orderdate", "date", "orderdatetime", "orderedat", "createdat", "purchasedate", "purchasedat",
        "transactiondate", "invoicedate", "saledate", "paiddate", "paidat", "datetime", "timestamp", "datum",
        "bestelldatum", "kaufdatum", "fecha", "fechapedido", "data", "datacompra", "dateachat", "datecommande",
        "datumobjednavky", "datumobjednávky", "дата", "датазаказа",
    ],
    "amount": [
        "amount", "total", "ordertotal", "totalamount", "grandtotal", "revenue", "value", "ordervalue",
        "sales", "netsales", "totalprice", "amountpaid", "paid", "sum", "monetaryvalue", "betrag", "umsatz",
        "gesamt", "gesamtbetrag", "importe", "total€", "montant", "totale", "valor", "castka", "částka",
        "celkem", "cena", "сумма", "bedrag", "omzet",
    ],
    "order_id": [
        "orderid", "ordernumber", "orderno", "order", "invoiceno", "invoice", "invoiceid", "invoicenumber",
        "transactionid", "receiptnumber", "bestellnummer", "bestellung", "pedido", "numpedido", "commande",
        "objednavka", "objednávka", "заказ",
    ],
    "product": [
        "product", "products", "productname", "productid", "item", "items", "itemname", "description", "sku", "productsku",
        "title",
        "article", "artikel", "produkt", "producto", "produit", "výrobek", "товар",
    ],
    "quantity": ["quantity", "qty", "units", "count", "menge", "anzahl", "cantidad", "quantité", "quantite",
                 "počet", "pocet", "množství", "количество"],
    "channel": ["channel", "source", "utmsource", "trafficsource", "referrer", "salechannel", "saleschannel",
                "kanal", "canal", "zdroj", "канал"],
    "discount_code": ["discountcode", "couponcode", "coupon", "coupons", "promocode", "vouchercode", "voucher",
                      "gutschein", "cupon", "kupon"],
    "promotion": ["promotion", "promo", "campaign", "aktion", "kampagne", "campaña", "kampaň", "акция"],
    "country": ["country", "land", "país", "pais", "pays", "země", "zeme", "страна"],
    "currency": ["currency", "ordercurrency", "currencycode", "curr", "währung", "wahrung", "moneda", "devise",
                 "měna", "mena", "валюта"],
}
_UNIT_PRICE = ["unitprice", "price", "itemprice", "preis", "precio", "prix", "cena"]
_STATUS = ["status", "orderstatus", "financialstatus", "paymentstatus", "state", "stav"]

# Order statuses (lower case, spaces as hyphens) of orders not paid (yet): not sales, and not returns either.
UNPAID_STATUSES = {"pending", "authorized", "authorised", "on-hold", "wc-pending", "wc-on-hold", "pending-payment",
                   "payment-pending", "awaiting-payment", "unpaid", "expired", "draft", "checkout-draft",
                   "wc-checkout-draft"}

# Order statuses (lower case, spaces as hyphens) that mean the order was not a purchase.
REVERSED_STATUSES = {"refunded", "voided", "cancelled", "canceled", "failed", "void", "storniert", "cancelado",
                     "annulé", "annule", "zrušeno", "wc-refunded", "wc-cancelled", "wc-failed"}


# The options that name a column, by the clean column they fill: (option, what the column holds).
_OPTIONS = {
    "customer_id": ("customer_id_col", "customer id"),
    "order_date": ("datetime_col", "order date"),
    "amount": ("monetary_value_col", "amount"),
    "order_id": ("order_col", "order id"),
    "product": ("product_col", "product"),
    "currency": ("currency_col", "currency"),
}


def _find(columns: dict, candidates) -> str | None:
    for cand in candidates:
        if cand in columns:
            return columns[cand]
    return None


def detect_layout(df: pd.DataFrame) -> str:
    """Which orders export a frame is, from its column names (and, for packed line items, a look at the cells).

    Parameters
    ----------
    df : DataFrame
        The table as read from the file.

    Returns
    -------
    str
        A key of :data:`LAYOUT_NAMES`: ``course``, ``shopify``, ``woocommerce``,
        ``woocommerce_items`` (one row per order, line items packed as ``name:...|quantity:...`` in
        ``line_item_1``, ``line_item_2`` ... or ``line_items``), ``woocommerce_analytics`` (Analytics > Orders,
        with ``Order #``, ``Net Sales`` and ``Product(s)``), ``uci`` or, for anything else, ``plain``.

    Examples
    --------
    >>> detect_layout(pd.DataFrame(columns=["InvoiceNo", "StockCode", "InvoiceDate", "UnitPrice"]))
    'uci'
    >>> detect_layout(pd.DataFrame(columns=["Kunde", "Datum", "Betrag"]))
    'plain'
    >>> detect_layout(pd.DataFrame(columns=["Date", "Order #", "Status", "Customer", "Product(s)", "Net Sales"]))
    'woocommerce_analytics'
    >>> detect_layout(pd.DataFrame({"order_id": ["7"], "date": ["2024-03-01"], "order_total": ["20.00"],
    ...                             "billing_email": ["ann@x.org"], "line_item_1": ["name:Dog bed|quantity:1|total:20"]}))
    'woocommerce_items'
    """
    names = {_compact(c) for c in df.columns}
    if {"contactid", "orderdate", "amount"} <= names or {"customerid", "orderdate", "amount", "orderid"} <= names:
        return "course"
    dates = {"date", "orderdate", "createdat", "datecreated", "paiddate", "orderdatetime"}
    if names & dates and _looks_packed(df, _item_columns(df.columns)):
        return "woocommerce_items"
    if "netsales" in names and names & {"order", "ordernumber"} and names & {"products", "itemssold", "customertype",
                                                                          "nrevenueformatted"}:
        return "woocommerce_analytics"
    if {"name", "financialstatus", "createdat", "total"} <= names or (
        {"name", "createdat"} <= names and any(n.startswith("lineitem") for n in names)
    ):
        return "shopify"
    if {"stockcode", "invoicedate"} <= names and ({"invoiceno", "unitprice"} <= names or {"invoice", "price"} <= names):
        return "uci"
    order_ids = {"ordernumber", "orderid", "order", "ordernumberformatted"}
    totals = {"ordertotal", "ordertotalamount", "netsales", "ordertotalamountrefund"}
    buyers = {"billingemail", "emailbilling", "customerid", "customeruser", "customeruserid", "customeremail",
              "customer"}
    if names & order_ids and names & totals and names & buyers:
        return "woocommerce"
    return "plain"


def _looks_packed(df: pd.DataFrame, columns) -> bool:
    """Whether the cells of ``columns`` hold packed line items (``name:...|quantity:...``, or JSON items)."""
    for col in columns:
        cells = df[col].dropna().astype(str).str.strip()
        cells = cells[cells != ""].head(50)
        if cells.str.contains(r"(?:^|\|)\s*(?:name|sku|product_id|quantity|qty)\s*:|^\[?\s*\{", regex=True).any():
            return True
    return False


def _item_columns(columns) -> list:
    """The columns holding packed line items (``line_item_1``, ``line_item_2`` ..., or ``line_items``), in order."""
    found = []
    for col in columns:
        match = re.fullmatch(r"lineitems?(\d*)", _compact(col))
        if match:
            found.append((int(match.group(1) or 0), col))
    return [col for _, col in sorted(found, key=lambda pair: pair[0])]


# --------------------------------------------------------------------------------------------
# Where each layout keeps what
# --------------------------------------------------------------------------------------------


@dataclass
class _Sources:
    """The raw columns one layout reads: ``pick`` maps each clean column to a raw one (or None)."""

    pick: dict
    status: str | None = None
    total: str | None = None  # an order total written on the order's lines, to be spread over them
    refunded: str | None = None
    line_value: tuple | None = None  # the weight of a line in its order: ("col", c) or ("mul", price, quantity)
    customer_first: tuple = ()  # compact names to try first for the customer
    refund_weight: str | None = None  # the money refunded on each line, to share an order's refund out
    packed_refunds: str | None = None  # a column of refund entries ("amount:5.00|reason:..."), when no total is given
    notes: list = field(default_factory=list)


def _plain(lookup: dict) -> _Sources:
    return _Sources({key: _find(lookup, cands) for key, cands in _SYNONYMS.items()}, status=_find(lookup, _STATUS))


def _course(lookup: dict) -> _Sources:
    src = _plain(lookup)
    src.pick.update(customer_id=_find(lookup, ["contactid", "customerid"]), product=_find(lookup, ["productid", "product"]),
                    order_date=lookup.get("orderdate"), amount=lookup.get("amount"), channel=lookup.get("channel"),
                    order_id=lookup.get("orderid"))
    src.status = None
    return src


def _shopify(lookup: dict) -> _Sources:
    src = _plain(lookup)
    src.customer_first = ("email",)
    src.pick.update(order_date=lookup.get("createdat"), order_id=lookup.get("name"),
                    product=_find(lookup, ["lineitemname", "lineitemsku"]), quantity=lookup.get("lineitemquantity"),
                    discount_code=lookup.get("discountcode"), channel=lookup.get("source"),
                    country=_find(lookup, ["billingcountry", "shippingcountry"]), promotion=None)
    src.total = lookup.get("total")
    src.status = lookup.get("financialstatus")
    src.refunded = lookup.get("refundedamount")
    if lookup.get("lineitemprice") and lookup.get("lineitemquantity"):
        src.line_value = ("mul", lookup["lineitemprice"], lookup["lineitemquantity"])
    return src


# Order-level refund columns of the WooCommerce order exporters, and packed refund entries.
_WOO_REFUNDED = ["orderrefundamount", "refundamount", "refunded", "ordertotalrefunded", "refundedtotal", "totalrefunded",
                 "refundtotal", "orderrefund", "refundsum"]
_WOO_PACKED_REFUNDS = ["refunds", "refunditems", "refunditem", "refundlines"]


def _woocommerce(lookup: dict) -> _Sources:
    src = _plain(lookup)
    src.customer_first = ("billingemail", "emailbilling", "customeremail", "customeruseremail")
    src.pick.update(
        order_date=_find(lookup, ["orderdate", "date", "datecreated", "createdat", "paiddate"]),
        order_id=_find(lookup, ["ordernumber", "ordernumberformatted", "orderid", "order"]),
        product=_find(lookup, ["itemname", "productname", "products", "name", "sku", "itemsku"]),
        quantity=_find(lookup, ["quantity", "qty", "itemquantity", "quantityrefund", "itemssold"]),
        discount_code=_find(lookup, ["couponcode", "couponsused", "coupons", "couponitems", "coupon"]),
        channel=_find(lookup, ["attribution", "origin", "source", "channel", "createdvia"]),
        country=_find(lookup, ["countrycodebilling", "billingcountry", "countrybilling", "country"]),
        currency=_find(lookup, ["currency", "ordercurrency", "currencycode"]),
        promotion=None,
    )
    src.total = _find(lookup, ["ordertotal", "ordertotalamount", "netsales", "total", "ordertotalamountrefund"])
    src.status = _find(lookup, ["orderstatus", "status"])
    if src.total is not None and _compact(src.total) == "ordertotalamountrefund":
        src.refunded = None  # "Order Total Amount (- Refund)": refunds are already taken off
    else:
        src.refunded = _find(lookup, _WOO_REFUNDED)
        if src.refunded is None:
            src.packed_refunds = _find(lookup, _WOO_PACKED_REFUNDS)
    line_total = _find(lookup, ["orderlinetotal", "itemtotal", "linetotal", "orderlinewotax"])
    item_cost = _find(lookup, ["itemcost", "itemprice", "price"])
    if line_total:
        src.line_value = ("col", line_total)
    elif item_cost and src.pick["quantity"]:
        src.line_value = ("mul", item_cost, src.pick["quantity"])
    return src


def _woocommerce_items(lookup: dict) -> _Sources:
    """One row per order, exploded to one row per packed line item (the ``_item_*`` columns)."""
    src = _woocommerce(lookup)
    made = set(lookup.values())
    src.pick.update(product="_item_product", quantity="_item_quantity")
    src.line_value = ("col", "_item_total") if "_item_total" in made else None
    if "_item_refunded" in made:
        src.refund_weight = "_item_refunded"
    return src


def _woocommerce_analytics(lookup: dict) -> _Sources:
    """Analytics > Orders: one row per order, a refund as a row of its own with a negative Net Sales."""
    src = _plain(lookup)
    src.customer_first = ("email", "customeremail", "billingemail", "emailbilling")
    src.pick.update(
        order_date=_find(lookup, ["date", "datecreated", "orderdate"]), order_id=_find(lookup, ["order", "ordernumber"]),
        amount=lookup.get("netsales"), product=_find(lookup, ["products", "product"]), quantity=lookup.get("itemssold"),
        discount_code=_find(lookup, ["coupons", "coupon"]), channel=_find(lookup, ["attribution", "origin"]),
        promotion=None, country=None,
    )
    src.status = lookup.get("status")
    return src


def _uci(lookup: dict) -> _Sources:
    src = _plain(lookup)
    src.pick.update(customer_id=_find(lookup, ["customerid"]), order_date=lookup.get("invoicedate"),
                    order_id=_find(lookup, ["invoiceno", "invoice"]),
                    product=_find(lookup, ["description", "stockcode"]), quantity=lookup.get("quantity"),
                    country=lookup.get("country"), channel=None, discount_code=None, promotion=None, currency=None)
    src.status = None
    return src


_LAYOUTS = {"course": _course, "shopify": _shopify, "woocommerce": _woocommerce, "woocommerce_items": _woocommerce_items,
            "woocommerce_analytics": _woocommerce_analytics, "uci": _uci, "plain": _plain}


# --------------------------------------------------------------------------------------------
# The customer: an e-mail or an id wherever there is one, a name only as the last resort
# --------------------------------------------------------------------------------------------


def _text_sample(values: pd.Series) -> pd.Series:
    text = values.dropna().astype(str).str.strip()
    return pd.Series(pd.unique(text[text != ""])[:2000], dtype=object)


def _customer_kind(values: pd.Series, compact: str = "") -> str | None:
    """What a customer column holds, from its values: ``email``, ``name`` or ``id`` (None when empty)."""
    sample = _text_sample(values)
    if sample.empty:
        return None
    if sample.str.contains("@", regex=False).mean() >= 0.5:
        return "email"
    if compact in _PERSON_NAMES:
        return "name"
    person = sample.str.fullmatch(r"[^\W\d_]+(?:[ '’.\-]+[^\W\d_]+)+")
    return "name" if person.mean() >= 0.6 else "id"


def _pick_customer(raw: pd.DataFrame, lookup: dict, first=()) -> tuple:
    """(column, kind, values): the best customer column; values is set when first and last names were joined."""
    candidates = []
    for key in [*first, *_EMAILS, *_IDS, *_EITHER, *_PERSON_NAMES]:
        col = lookup.get(key)
        if col is not None and col not in candidates:
            candidates.append(col)
    fallback = None
    for col in candidates:
        kind = _customer_kind(raw[col], _compact(col))
        if kind in ("email", "id"):
            return col, kind, None
        if kind == "name" and fallback is None:
            fallback = (col, "name", None)
    if fallback is not None:
        return fallback
    for first_name, last_name in _FIRST_LAST:
        if first_name in lookup and last_name in lookup:
            a, b = raw[lookup[first_name]], raw[lookup[last_name]]
            joined = (a.astype(object).where(a.notna(), "").astype(str).str.strip() + " "
                      + b.astype(object).where(b.notna(), "").astype(str).str.strip()).str.strip()
            label = f"{lookup[first_name]} + {lookup[last_name]}"
            return label, "name", joined.mask(joined == "")
    return None, None, None


# --------------------------------------------------------------------------------------------
# Line items packed into cells, and refund entries packed into one
# --------------------------------------------------------------------------------------------


def _explode_line_items(raw: pd.DataFrame, file, rows) -> tuple[pd.DataFrame, np.ndarray, str]:
    """One row per packed line item, the order's other columns repeated; an order without items keeps one row.

    Returns the new frame (on a fresh index), the position in ``raw`` of each of its rows, and the
    item columns read (for the column list).
    """
    item_cols = _item_columns(raw.columns)
    parts = []
    for rank, col in enumerate(item_cols):
        items = parse_packed_items(raw[col], column=col, file=file, rows=rows)
        if len(items):
            parts.append(items.assign(_rank=rank))
    items = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["position", "item", "_rank"])
    empty = np.setdiff1d(np.arange(len(raw)), items["position"].to_numpy(dtype=int))
    items = pd.concat([items, pd.DataFrame({"position": empty, "item": 0, "_rank": -1})], ignore_index=True)
    items = items.sort_values(["position", "_rank", "item"], kind="stable").reset_index(drop=True)
    positions = items["position"].to_numpy(dtype=int)

    def text(key):
        return items[key].astype(object).where(items[key].notna() & items[key].astype(str).str.strip().ne(""), None) \
            if key in items else pd.Series(None, index=items.index, dtype=object)

    def number(key):
        return items[key].astype("float64") if key in items else pd.Series(np.nan, index=items.index)

    product = text("name").fillna(text("sku")).fillna(text("product_id"))
    quantity = number("quantity")
    refunded_qty = number("refunded_qty").fillna(0).abs()
    exploded = raw.drop(columns=item_cols).iloc[positions].reset_index(drop=True)
    exploded = exploded.assign(_item_product=product.to_numpy(), _item_quantity=(quantity - refunded_qty).to_numpy(),
                               _item_sku=text("sku").to_numpy())
    if "total" in items:
        exploded["_item_total"] = number("total").to_numpy()
    if "refunded" in items and number("refunded").abs().gt(0).any():
        exploded["_item_refunded"] = number("refunded").abs().fillna(0).to_numpy()
    shown = item_cols[0] if len(item_cols) == 1 else f"{item_cols[0]} ... {item_cols[-1]}"
    return exploded, positions, shown


def _packed_refund_amounts(values: pd.Series, column, file, rows) -> pd.Series:
    """The money refunded on each order from a packed refunds column (``amount:5.00|reason:...;amount:...``)."""
    entries = parse_packed_items(values, column=column, file=file, rows=rows, line_items=False)
    out = np.zeros(len(values))
    for key in ("amount", "refund_total", "total"):
        if key in entries and entries[key].notna().any():
            money = entries[key].abs().fillna(0).groupby(entries["position"]).sum()
            out[money.index.to_numpy(dtype=int)] = money.to_numpy()
            break
    return pd.Series(out, index=values.index, name=column)


# --------------------------------------------------------------------------------------------
# Columns named by the user, and columns not found
# --------------------------------------------------------------------------------------------


def _option_column(df, given, option, what, file):
    if given is None:
        return None
    if given in df.columns:
        return given
    lookup = {_compact(c): c for c in df.columns}
    if _compact(given) in lookup:
        return lookup[_compact(given)]
    import difflib

    close = difflib.get_close_matches(str(given), [str(c) for c in df.columns], n=3)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    raise DataError(
        f"you asked for column {given!r} as the {what}, but the file has no such column "
        f"(columns found: {', '.join(map(repr, map(str, df.columns[:30])))}){hint}",
        file=file,
        column=given,
        fix=f"pass {option}=... with one of the columns found (command line: --{option.replace('_', '-')})",
    )


def _missing_required(df, key, file):
    option, what = _OPTIONS[key]
    found = ", ".join(repr(str(c)) for c in df.columns[:30])
    examples = {"customer_id": "customer, client, email, customer_id", "order_date": "date, order_date, created_at",
                "amount": "amount, total, revenue, value"}[key]
    return DataError(
        f"no {what} column was recognised (columns found: {found}; names understood include {examples})",
        file=file,
        column=what,
        fix=f"pass {option}='<column name>' (command line: --{option.replace('_', '-')} '<column name>'), "
        f"or rename the column that holds the {what}",
    )


def _spread(frame: pd.DataFrame, order_col: str, total: pd.Series, weight: pd.Series) -> pd.Series:
    """Split each order's total over its lines in proportion to ``weight`` (equal shares when all are 0)."""
    key = frame[order_col]
    order_total = total.groupby(key, sort=False).transform("first")
    w = weight.fillna(0).clip(lower=0)
    w_sum = w.groupby(key, sort=False).transform("sum")
    n = key.groupby(key, sort=False).transform("size")
    share = np.where(w_sum > 0, w / w_sum.where(w_sum > 0, 1), 1.0 / n)
    return order_total * share


# --------------------------------------------------------------------------------------------
# standardise
# --------------------------------------------------------------------------------------------


class Standardised(NamedTuple):
    """A raw orders table mapped to the clean column names, as :func:`standardise` returns it.

    Parameters
    ----------
    layout : str
        The export recognised (a key of :data:`LAYOUT_NAMES`).
    frame : DataFrame
        ``customer_id``, ``order_date``, ``amount`` and the optional clean columns the file has,
        values as the file wrote them (amounts as floats where they were computed or spread). Its
        index holds the raw frame's label of each line: a label repeats where one row of the file
        became several lines (packed line items), and is missing where a row was merged into
        another (a refund row of the WooCommerce Analytics export). Internal columns:
        ``_refund_share`` (a line's share of its order's refund), ``_is_return`` (UCI returns),
        ``_returned`` (the course's flag).
    columns : dict
        Which column of the file became which clean column.
    status : Series or None
        The order status of each line of ``frame`` (same index), in lower case with spaces as
        hyphens, where the layout has one.
    refunded : Series or None
        The refunded amount of each line's order (same index), as written, where the layout has one.
    amount_computed : bool
        Whether the amount was computed as quantity x unit price.
    customer_kind : str or None
        What the customer column holds: ``email``, ``id`` or ``name`` (names are not unique).
    notes : tuple
        Repairs made while mapping, each ``(issue, raw labels concerned, action)``.

    Examples
    --------
    >>> raw = pd.DataFrame({"Email": ["ann@x.org"], "Created at": ["2024-01-05"], "Name": ["#1"],
    ...                     "Financial Status": ["Refunded"], "Total": ["10.50"]})
    >>> found = standardise(raw)
    >>> found.layout, found.columns["customer_id"], found.status.tolist(), found.customer_kind
    ('shopify', 'Email', ['refunded'], 'email')
    """

    layout: str
    frame: pd.DataFrame
    columns: dict
    status: pd.Series | None = None
    refunded: pd.Series | None = None
    amount_computed: bool = False
    customer_kind: str | None = None
    notes: tuple = ()


def standardise(raw: pd.DataFrame, columns: dict | None = None, *, file=None, rows=None) -> Standardised:
    """Recognise the export ``raw`` comes from and map its columns to the clean names of ``orders_file``.

    Columns named in ``columns`` win over what the layout would pick; naming the amount also stops
    an order total from being spread over its lines. In Shopify and WooCommerce exports, order
    fields written only on an order's first line are copied to its other lines and the order
    total is split over the lines in proportion to their value; line items packed into cells
    (``line_item_1``, ``line_item_2`` ...) become one line each. In the WooCommerce Analytics
    export a refund is a row of its own with a negative Net Sales: it is merged into its order
    as that order's refund. UCI amounts are Quantity x UnitPrice, and so are a plain table's
    when it has no amount column but both of those. The customer is an e-mail column where there
    is one, else a customer id, and a name only when the file has nothing else.

    Parameters
    ----------
    raw : DataFrame
        The table as read from the file.
    columns : dict, optional
        The columns the user named, by clean column: ``customer_id``, ``order_date``, ``amount``,
        ``order_id``, ``product`` (values None where not given). Names are matched ignoring case,
        spaces and punctuation.
    file : str or Path, optional
        The file, for messages.
    rows : array-like of int, optional
        The spreadsheet row of each line of ``raw``, for messages.

    Returns
    -------
    Standardised
        The layout, the frame in clean column names, the columns used, status and refunds, what
        the customer column holds, and the repairs made.

    Raises
    ------
    DataError
        When a named column is not in the file, no customer or date column is found, no amount
        column either, or a packed line item cannot be read.

    Examples
    --------
    >>> raw = pd.DataFrame({"Client": ["ann", "bob"], "Datum": ["2024-01-05", "2024-02-01"],
    ...                     "Wert": ["10,50", "20"]})
    >>> found = standardise(raw, {"amount": "wert"})
    >>> found.layout, found.columns
    ('plain', {'customer_id': 'Client', 'order_date': 'Datum', 'amount': 'Wert'})
    >>> found.frame["amount"].tolist()
    ['10,50', '20']
    >>> items = pd.DataFrame({"order_id": ["7"], "date": ["2024-03-01"], "billing_email": ["ann@x.org"],
    ...                       "order_total": ["30.00"], "line_item_1": ["name:Dog bed|quantity:1|total:20.00"],
    ...                       "line_item_2": ["name:Chew toy|quantity:2|total:10.00"]})
    >>> found = standardise(items)
    >>> found.layout, found.frame[["product", "quantity", "amount"]].values.tolist()
    ('woocommerce_items', [['Dog bed', 1.0, 20.0], ['Chew toy', 2.0, 10.0]])
    """
    columns = columns or {}
    given = {key: _option_column(raw, columns.get(key), option, what, file) for key, (option, what) in _OPTIONS.items()}
    layout = detect_layout(raw)
    origin = raw.index.to_numpy()  # the raw label of each line
    rows = None if rows is None else np.asarray(rows)
    items_from = None
    if layout == "woocommerce_items":
        raw, positions, items_from = _explode_line_items(raw, file, rows)
        origin = origin[positions]
        rows = None if rows is None else rows[positions]
    else:
        raw = raw.reset_index(drop=True)
    lookup = {}
    for c in raw.columns:
        lookup.setdefault(_compact(c), c)
    src = _LAYOUTS[layout](lookup)
    pick, total_col, status_col, refunded_col, extra_line_value = (src.pick, src.total, src.status, src.refunded,
                                                                   src.line_value)
    notes: list = []
    std = pd.DataFrame(index=raw.index)
    used: dict = {}
    computed = False

    # explicit options win over everything the layout guessed
    for key, col in given.items():
        if col is not None:
            pick[key] = col
            if key == "amount" and layout == "woocommerce_items":
                total_col = col  # one row per order: the amount named is the order's, shared by its items
            elif key == "amount":
                total_col = None
                extra_line_value = None

    # the customer: an e-mail or an id before a name
    kind = "id"
    if given["customer_id"] is not None:
        kind = _customer_kind(raw[pick["customer_id"]], _compact(pick["customer_id"])) or "id"
    elif layout not in ("course", "uci"):
        col, kind, joined = _pick_customer(raw, lookup, src.customer_first)
        pick["customer_id"] = col
        if joined is not None:
            raw = raw.assign(**{col: joined.to_numpy()})

    for key in ("customer_id", "order_date"):
        if pick.get(key) is None:
            raise _missing_required(raw, key, file)

    std["customer_id"] = raw[pick["customer_id"]]
    used["customer_id"] = pick["customer_id"]
    if kind == "id" and layout.startswith("woocommerce"):  # WooCommerce writes customer id 0 for a guest
        std["customer_id"] = std["customer_id"].mask(std["customer_id"].astype(str).str.strip().isin(["0", "0.0"]))
    std["order_date"] = raw[pick["order_date"]]
    used["order_date"] = pick["order_date"]
    for key in ("order_id", "product", "quantity", "channel", "discount_code", "promotion", "country", "currency"):
        col = pick.get(key)
        if col is not None and col not in used.values():
            std[key] = raw[col]
            used[key] = col

    if "discount_code" in std:  # coupons packed as "code:spring10|amount:14.90;code:..." keep their codes
        codes = std["discount_code"].astype(object).where(std["discount_code"].notna(), None)
        packed = codes.astype(str).str.contains(r"(?:^|[|;])code:", regex=True).to_numpy()
        if packed.any():
            found = codes[packed].astype(str).str.findall(r"(?:^|(?<!\\)[|;])code:((?:\\.|[^|;])+)").str.join(", ")
            std["discount_code"] = codes.where(~packed, found)

    # Order-level fields written only on an order's first line (Shopify) are copied to its other lines.
    if layout in ("shopify", "woocommerce") and "order_id" in std:
        firsts = [c for c in (pick["customer_id"], pick["order_date"], total_col, status_col, refunded_col,
                              pick.get("discount_code"), pick.get("channel"), pick.get("country"), pick.get("currency"))
                  if c]
        firsts = list(dict.fromkeys(firsts))
        filled = raw[firsts].groupby(raw[pick["order_id"]], sort=False).transform("first")
        for c in firsts:
            for key, source in used.items():
                if source == c and key in std:
                    std[key] = filled[c]
        raw = raw.assign(**{c: filled[c] for c in firsts})

    def amounts(col):
        return parse_amounts(raw[col], column=col, file=file, rows=rows)

    refunded = raw[refunded_col] if refunded_col is not None else None
    if refunded is None and src.packed_refunds is not None:
        refunded = _packed_refund_amounts(raw[src.packed_refunds], src.packed_refunds, file, rows)
    if refunded is None and src.refund_weight is not None:  # the items' own refunds, summed over the order
        refunded = pd.Series(raw[src.refund_weight].groupby(origin).transform("sum").to_numpy(), index=raw.index,
                             name=f"{items_from} (refunded)")
    keep = np.ones(len(raw), dtype=bool)

    if layout == "uci" and given.get("amount") is None:
        uci_price = _find(lookup, ["unitprice", "price"])
        qty = amounts(lookup["quantity"])
        std["amount"] = (qty * amounts(uci_price)).to_numpy()
        used["amount"] = f"{lookup['quantity']} x {uci_price}"
        inv = raw[pick["order_id"]].astype(_STR).str.strip().str.upper()
        std["_is_return"] = (inv.str.startswith("C").fillna(False) | (qty < 0)).to_numpy()
        computed = True
    elif total_col is not None and layout in ("shopify", "woocommerce", "woocommerce_items") and "order_id" in std:
        total = amounts(total_col)
        if extra_line_value and extra_line_value[0] == "mul":
            weight = amounts(extra_line_value[1]).fillna(0) * amounts(extra_line_value[2]).fillna(1)
        elif extra_line_value:
            weight = amounts(extra_line_value[1])
        else:
            weight = pd.Series(1.0, index=raw.index)
        key = pd.Series(origin, index=raw.index) if layout == "woocommerce_items" else std["order_id"]
        frame = pd.DataFrame({"key": key})
        std["amount"] = _spread(frame, "key", total, weight).to_numpy()
        ones = pd.Series(1.0, index=raw.index)
        share = _spread(frame, "key", ones, weight).to_numpy()
        if src.refund_weight is not None:  # a refund goes to the items it was made on
            item_refund = raw[src.refund_weight].fillna(0).clip(lower=0)
            item_sum = item_refund.groupby(key, sort=False).transform("sum")
            share = np.where(item_sum > 0, item_refund / item_sum.where(item_sum > 0, 1), share)
        std["_refund_share"] = share
        multi = key.duplicated(keep=False)
        used["amount"] = total_col + (" (order total spread over its lines)" if multi.any() else "")
    else:
        if pick.get("amount") is None:
            price_col = _find(lookup, _UNIT_PRICE)
            qty_col = pick.get("quantity")
            if not (price_col and qty_col):
                raise _missing_required(raw, "amount", file)
            std["amount"] = (amounts(qty_col) * amounts(price_col)).to_numpy()
            used["amount"] = f"{qty_col} x {price_col}"
            computed = True
        else:
            std["amount"] = raw[pick["amount"]]
            used["amount"] = pick["amount"]
        if layout == "woocommerce_analytics" and "order_id" in std and not computed:
            refunded, keep = _merge_refund_rows(std, amounts(used["amount"]), origin, notes)
        if refunded is not None:
            std["_refund_share"] = 1.0
            if layout == "woocommerce_analytics":
                sales = pd.Series(keep, index=raw.index).groupby(std["order_id"], sort=False).transform("sum")
                std["_refund_share"] = (1.0 / sales.where(sales > 0, 1)).to_numpy()
        if layout == "woocommerce_analytics" and given.get("amount") is None:
            notes.append(("amounts without shipping and tax", list(origin[keep]),
                          f"the amount is the export's {used['amount']!r}: what the products sold for after coupons, "
                          "before shipping and tax, so it is lower than what customers paid in all"))

    if refunded is not None:
        used["refunded"] = {"woocommerce_analytics": f"{refunded.name} (its negative rows)"}.get(layout, str(refunded.name))
    if items_from is not None:
        used["product"] = f"{items_from} (name, else sku)"
        if "quantity" in used:
            used["quantity"] = f"{items_from} (quantity less refunded_qty)"

    if layout == "course" and "returned" in lookup:
        flag = raw[lookup["returned"]].astype(_STR).str.strip().str.lower()
        std["_returned"] = flag.isin(["true", "1", "yes"]).fillna(False).to_numpy()

    status = None
    if status_col is not None:
        status = raw[status_col].astype(_STR).str.strip().str.lower().str.replace(r"\s+", "-", regex=True)
    std.index = origin
    std = std[keep]
    if status is not None:
        status = pd.Series(status.to_numpy()[keep], index=std.index, name=status_col)
    if refunded is not None:
        refunded = pd.Series(np.asarray(refunded.to_numpy(), dtype=object)[keep], index=std.index, name=refunded.name)
    return Standardised(layout, std, used, status, refunded, computed, kind, tuple(notes))


def _merge_refund_rows(std: pd.DataFrame, amount: pd.Series, origin: np.ndarray, notes: list) -> tuple:
    """WooCommerce Analytics: a refund row (negative Net Sales) becomes the refund of its order, when the order is there.

    Returns the refunded amount of each line's order and the lines to keep (refund rows merged
    into an order of the file are dropped; those of orders outside the file stay, as returns).
    """
    order = std["order_id"].astype(_STR).str.strip()
    negative = (amount < 0).fillna(False).to_numpy()
    sold = set(order[~negative & amount.notna().to_numpy()].dropna())
    merged = negative & order.isin(sold).fillna(False).to_numpy()
    if not merged.any():
        return None, np.ones(len(std), dtype=bool)
    refund_of = (-amount[merged]).groupby(order[merged]).sum()
    refunded = order.map(refund_of).fillna(0.0).where(~merged, 0.0).astype("float64")
    refunded = pd.Series(refunded.to_numpy(), index=std.index, name=amount.name)
    notes.append(("refund rows merged into their orders", list(origin[merged]),
                  f"{refund_of.sum():,.2f} taken off the orders they refund, matched by order number: the export "
                  f"lists each refund as a row of its own with a negative {amount.name} (see partial refunds; a "
                  "refund of an order outside the file stays a return)"))
    return refunded, ~merged
