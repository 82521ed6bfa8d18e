"""Recognising an orders export and mapping its columns to the clean names of ``orders_file``.

:func:`standardise` finds which export a frame is (:func:`detect_layout`: the course's own
columns, Shopify, WooCommerce, the UCI "Online Retail" invoices, or a plain customer / date /
amount table), which of its columns holds the customer, the date, the amount and the optional
fields (names understood in English, German, Spanish, French, Czech and Russian), and where an
export writes order totals, computes each line's share. Values stay as the file wrote them;
:func:`lifecycle_lib.data.readers.read_orders` parses and cleans them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from lifecycle_lib.data.parsing import _STR, parse_amounts
from lifecycle_lib.errors import DataError

__all__ = ["LAYOUT_NAMES", "REVERSED_STATUSES", "Standardised", "detect_layout", "standardise"]

LAYOUT_NAMES = {
    "course": "the course's own orders columns",
    "shopify": "Shopify orders export",
    "woocommerce": "WooCommerce orders export",
    "uci": 'UCI "Online Retail" invoices',
    "plain": "a customer / date / amount table",
}


def _compact(name) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


_SYNONYMS = {
    "customer_id": [
        "customerid", "contactid", "customer", "customerno", "customernumber", "customeremail", "email",
        "emailaddress", "mail", "clientid", "client", "clientemail", "buyer", "buyerid", "buyeremail", "userid",
        "user", "memberid", "accountid", "kundennummer", "kundenid", "kunde", "kundenr", "idcliente", "cliente",
        "idclient", "klient", "klientid", "zakaznik", "zákazník", "klant", "klantnummer", "клиент", "покупатель",
        "idклиента", "cliente_id",
    ],
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
        "product", "productname", "productid", "item", "itemname", "description", "sku", "productsku", "title",
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
    """Which orders export a frame is, from its column names alone.

    Parameters
    ----------
    df : DataFrame
        The table as read from the file.

    Returns
    -------
    str
        A key of :data:`LAYOUT_NAMES`: ``course``, ``shopify``, ``woocommerce``, ``uci`` or, for
        anything else, ``plain``.

    Examples
    --------
    >>> detect_layout(pd.DataFrame(columns=["InvoiceNo", "StockCode", "InvoiceDate", "UnitPrice"]))
    'uci'
    >>> detect_layout(pd.DataFrame(columns=["Kunde", "Datum", "Betrag"]))
    'plain'
    """
    names = {_compact(c) for c in df.columns}
    if {"contactid", "orderdate", "amount"} <= names or {"customerid", "orderdate", "amount", "orderid"} <= names:
        return "course"
    if {"name", "financialstatus", "createdat", "total"} <= names or (
        {"name", "createdat"} <= names and any(n.startswith("lineitem") for n in names)
    ):
        return "shopify"
    if {"stockcode", "invoicedate"} <= names and ({"invoiceno", "unitprice"} <= names or {"invoice", "price"} <= names):
        return "uci"
    order_ids = {"ordernumber", "orderid", "order", "ordernumberformatted"}
    totals = {"ordertotal", "ordertotalamount", "netsales"}
    buyers = {"billingemail", "emailbilling", "customerid", "customeruser", "customeremail", "customer"}
    if names & order_ids and names & totals and names & buyers:
        return "woocommerce"
    return "plain"


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
    src.pick.update(customer_id=lookup.get("email"), order_date=lookup.get("createdat"), order_id=lookup.get("name"),
                    product=_find(lookup, ["lineitemname", "lineitemsku"]), quantity=lookup.get("lineitemquantity"),
                    discount_code=lookup.get("discountcode"), channel=lookup.get("source"),
                    country=_find(lookup, ["billingcountry", "shippingcountry"]), promotion=None)
    src.total = lookup.get("total")
    src.status = lookup.get("financialstatus")
    src.refunded = lookup.get("refundedamount")
    if lookup.get("lineitemprice") and lookup.get("lineitemquantity"):
        src.line_value = ("mul", lookup["lineitemprice"], lookup["lineitemquantity"])
    return src


def _woocommerce(lookup: dict) -> _Sources:
    src = _plain(lookup)
    src.pick.update(
        customer_id=_find(lookup, ["billingemail", "emailbilling", "customeremail", "customerid", "customeruser",
                                   "customer"]),
        order_date=_find(lookup, ["orderdate", "date", "datecreated", "createdat", "paiddate"]),
        order_id=_find(lookup, ["ordernumber", "ordernumberformatted", "orderid", "order"]),
        product=_find(lookup, ["itemname", "productname", "products", "name", "sku", "itemsku"]),
        quantity=_find(lookup, ["quantity", "qty", "itemquantity", "itemssold"]),
        discount_code=_find(lookup, ["couponcode", "couponsused", "coupons", "couponitems", "coupon"]),
        channel=_find(lookup, ["attribution", "origin", "source", "channel", "createdvia"]),
        country=_find(lookup, ["countrycodebilling", "billingcountry", "countrybilling", "country"]),
        promotion=None,
    )
    src.total = _find(lookup, ["ordertotal", "ordertotalamount", "netsales", "total"])
    src.status = _find(lookup, ["orderstatus", "status"])
    src.refunded = _find(lookup, ["orderrefundamount", "refundamount", "refunded", "ordertotalrefunded"])
    line_total = _find(lookup, ["orderlinetotal", "itemtotal", "linetotal", "orderlinewotax"])
    item_cost = _find(lookup, ["itemcost", "itemprice", "price"])
    if line_total:
        src.line_value = ("col", line_total)
    elif item_cost and src.pick["quantity"]:
        src.line_value = ("mul", item_cost, src.pick["quantity"])
    return src


def _uci(lookup: dict) -> _Sources:
    src = _plain(lookup)
    src.pick.update(customer_id=_find(lookup, ["customerid"]), order_date=lookup.get("invoicedate"),
                    order_id=_find(lookup, ["invoiceno", "invoice"]),
                    product=_find(lookup, ["description", "stockcode"]), quantity=lookup.get("quantity"),
                    country=lookup.get("country"), channel=None, discount_code=None, promotion=None, currency=None)
    src.status = None
    return src


_LAYOUTS = {"course": _course, "shopify": _shopify, "woocommerce": _woocommerce, "uci": _uci, "plain": _plain}


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
        On the raw frame's index: ``customer_id``, ``order_date``, ``amount`` and the optional
        clean columns the file has, values as the file wrote them (amounts as floats where they
        were computed or spread). Internal columns: ``_refund_share`` (a line's share of its
        order's refund), ``_is_return`` (UCI returns), ``_returned`` (the course's flag).
    columns : dict
        Which column of the file became which clean column.
    status : Series or None
        The order status in lower case with spaces as hyphens, where the layout has one.
    refunded : Series or None
        The refunded amount of each line's order, as written, where the layout has one.
    amount_computed : bool
        Whether the amount was computed as quantity x unit price.

    Examples
    --------
    >>> raw = pd.DataFrame({"Email": ["ann@x.org"], "Created at": ["2024-01-05"], "Name": ["#1"],
    ...                     "Financial Status": ["Refunded"], "Total": ["10.50"]})
    >>> found = standardise(raw)
    >>> found.layout, found.columns["customer_id"], found.status.tolist()
    ('shopify', 'Email', ['refunded'])
    """

    layout: str
    frame: pd.DataFrame
    columns: dict
    status: pd.Series | None = None
    refunded: pd.Series | None = None
    amount_computed: bool = False


def standardise(raw: pd.DataFrame, columns: dict | None = None, *, file=None, rows=None) -> Standardised:
    """Recognise the export ``raw`` comes from and map its columns to the clean names of ``orders_file``.

    Columns named in ``columns`` win over what the layout would pick; naming the amount also stops
    an order total from being spread over its lines. In Shopify and WooCommerce exports, order
    fields written only on an order's first line are copied to its other lines and the order
    total is split over the lines in proportion to their value. UCI amounts are Quantity x
    UnitPrice, and so are a plain table's when it has no amount column but both of those.

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
        The layout, the frame in clean column names, the columns used, and status and refunds.

    Raises
    ------
    DataError
        When a named column is not in the file, or no customer, date or amount column is found.

    Examples
    --------
    >>> raw = pd.DataFrame({"Client": ["ann", "bob"], "Datum": ["2024-01-05", "2024-02-01"],
    ...                     "Wert": ["10,50", "20"]})
    >>> found = standardise(raw, {"amount": "wert"})
    >>> found.layout, found.columns
    ('plain', {'customer_id': 'Client', 'order_date': 'Datum', 'amount': 'Wert'})
    >>> found.frame["amount"].tolist()
    ['10,50', '20']
    """
    columns = columns or {}
    given = {key: _option_column(raw, columns.get(key), option, what, file) for key, (option, what) in _OPTIONS.items()}
    layout = detect_layout(raw)
    lookup = {}
    for c in raw.columns:
        lookup.setdefault(_compact(c), c)
    src = _LAYOUTS[layout](lookup)
    pick, total_col, status_col, refunded_col, extra_line_value = (src.pick, src.total, src.status, src.refunded,
                                                                   src.line_value)
    std = pd.DataFrame(index=raw.index)
    used: dict = {}
    computed = False

    # explicit options win over everything the layout guessed
    for key, col in given.items():
        if col is not None:
            pick[key] = col
            if key == "amount":
                total_col = None
                extra_line_value = None

    for key in ("customer_id", "order_date"):
        if pick.get(key) is None:
            raise _missing_required(raw, key, file)

    std["customer_id"] = raw[pick["customer_id"]]
    used["customer_id"] = pick["customer_id"]
    std["order_date"] = raw[pick["order_date"]]
    used["order_date"] = pick["order_date"]
    for key in ("order_id", "product", "quantity", "channel", "discount_code", "promotion", "country", "currency"):
        col = pick.get(key)
        if col is not None and col not in used.values():
            std[key] = raw[col]
            used[key] = col

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

    if layout == "uci" and given.get("amount") is None:
        uci_price = _find(lookup, ["unitprice", "price"])
        qty = amounts(lookup["quantity"])
        std["amount"] = (qty * amounts(uci_price)).to_numpy()
        used["amount"] = f"{lookup['quantity']} x {uci_price}"
        inv = raw[pick["order_id"]].astype(_STR).str.strip().str.upper()
        std["_is_return"] = (inv.str.startswith("C").fillna(False) | (qty < 0)).to_numpy()
        computed = True
    elif total_col is not None and layout in ("shopify", "woocommerce") and "order_id" in std:
        total = amounts(total_col)
        if extra_line_value and extra_line_value[0] == "mul":
            weight = amounts(extra_line_value[1]).fillna(0) * amounts(extra_line_value[2]).fillna(1)
        elif extra_line_value:
            weight = amounts(extra_line_value[1])
        else:
            weight = pd.Series(1.0, index=raw.index)
        std["amount"] = _spread(std, "order_id", total, weight).to_numpy()
        ones = pd.Series(1.0, index=raw.index)
        std["_refund_share"] = (_spread(std, "order_id", ones, weight)).to_numpy()
        multi = std["order_id"].duplicated(keep=False)
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
        if refunded_col is not None:
            std["_refund_share"] = 1.0

    if layout == "course" and "returned" in lookup:
        flag = raw[lookup["returned"]].astype(_STR).str.strip().str.lower()
        std["_returned"] = flag.isin(["true", "1", "yes"]).fillna(False).to_numpy()

    status = None
    if status_col is not None:
        status = raw[status_col].astype(_STR).str.strip().str.lower().str.replace(r"\s+", "-", regex=True)
    refunded = raw[refunded_col] if refunded_col is not None else None
    return Standardised(layout, std, used, status, refunded, computed)
