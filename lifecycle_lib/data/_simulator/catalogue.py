"""What the two businesses sell and when they discount: the catalogue, promotions and discount codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lifecycle_lib.data._simulator.columns import cat
from lifecycle_lib.data._simulator.vocabulary import BUSINESS_NAMES, CATEGORIES

__all__ = [
    "PRODUCTS", "PROMOTIONS", "PROMOTION_NAMES", "WELCOME_LAUNCH", "SHOP_CODES", "SERVICE_CODES",
    "products_table", "promotions_table",
]

PRODUCTS = [
    # product_id, business, name, category, partner, price
    ("B01", "shop", "Cloud Donut Bed S", "bed", False, 59.0),
    ("B02", "shop", "Cloud Donut Bed M", "bed", False, 79.0),
    ("B03", "shop", "Cloud Donut Bed L", "bed", False, 99.0),
    ("B04", "shop", "Nordic Oak Frame Bed", "bed", False, 249.0),
    ("B05", "shop", "Velvet Bolster Bed", "bed", False, 129.0),
    ("B06", "shop", "Orthopaedic Memory Foam Bed", "bed", False, 179.0),
    ("B07", "shop", "Hooded Cave Bed", "bed", False, 89.0),
    ("B08", "shop", "Travel Roll-Up Bed", "bed", False, 49.0),
    ("A01", "shop", "Fleece Throw", "accessory", False, 24.0),
    ("A02", "shop", "Spare Washable Cover", "accessory", False, 34.0),
    ("A03", "shop", "Waterproof Liner", "accessory", False, 19.0),
    ("A04", "shop", "Bolster Cushion Insert", "accessory", False, 29.0),
    ("C01", "shop", "Oat Shampoo (partner)", "pet_care", True, 12.0),
    ("C02", "shop", "Deshedding Brush (partner)", "pet_care", True, 18.0),
    ("C03", "shop", "Dental Chews (partner)", "pet_care", True, 9.0),
    ("C04", "shop", "Paw Balm (partner)", "pet_care", True, 11.0),
    ("C05", "shop", "Calming Spray (partner)", "pet_care", True, 16.0),
    ("C06", "shop", "Grooming Wipes (partner)", "pet_care", True, 7.0),
    ("PL1", "service", "Basic Care Plan", "plan", False, 19.0),
    ("PL2", "service", "Standard Care Plan", "plan", False, 35.0),
    ("PL3", "service", "Premium Care Plan", "plan", False, 59.0),
    ("AD1", "service", "Home Grooming Visit", "add_on", False, 35.0),
    ("AD2", "service", "Vet Video Call", "add_on", False, 29.0),
    ("AD3", "service", "Dental Care Kit", "add_on", False, 15.0),
    ("AD4", "service", "Travel Care Pack", "add_on", False, 22.0),
]

PROMOTIONS = [
    # name, business, first day, last day, discount
    ("Spring Sale 2024", "shop", "2024-03-15", "2024-03-24", 0.15),
    ("Summer Sale 2024", "shop", "2024-07-05", "2024-07-21", 0.20),
    ("Black Friday 2024", "shop", "2024-11-29", "2024-12-02", 0.25),
    ("Christmas 2024", "shop", "2024-12-09", "2024-12-15", 0.10),
    ("Spring Sale 2025", "shop", "2025-03-14", "2025-03-23", 0.15),
    ("Summer Sale 2025", "shop", "2025-07-04", "2025-07-20", 0.20),
    ("Black Friday 2025", "shop", "2025-11-28", "2025-12-01", 0.25),
    ("Christmas 2025", "shop", "2025-12-08", "2025-12-14", 0.10),
    ("New Year Offer 2024", "service", "2024-01-02", "2024-01-14", 0.50),
    ("Summer Offer 2024", "service", "2024-06-14", "2024-06-30", 0.30),
    ("Black Friday 2024", "service", "2024-11-29", "2024-12-02", 0.40),
    ("New Year Offer 2025", "service", "2025-01-02", "2025-01-14", 0.50),
    ("Summer Offer 2025", "service", "2025-06-13", "2025-06-29", 0.30),
    ("Black Friday 2025", "service", "2025-11-28", "2025-12-01", 0.40),
]
PROMOTION_NAMES = sorted({p[0] for p in PROMOTIONS})
#: the welcome email series (nurture) started on this day; buyers before it got none
WELCOME_LAUNCH = pd.Timestamp("2024-07-01")
#: codes typed at checkout outside promotions: newsletter code, second-purchase code (welcome emails)
SHOP_CODES = {"NEWS10": 0.10, "SECOND15": 0.15}
SERVICE_CODES = {"PAWS20": 0.20}


def products_table() -> pd.DataFrame:
    """The ``products`` table: the catalogue of both businesses.

    >>> products_table()["product_id"].tolist()[:2]
    ['B01', 'B02']
    """
    return pd.DataFrame({
        "product_id": pd.array([p[0] for p in PRODUCTS], dtype="string"),
        "business": cat([p[1] for p in PRODUCTS], BUSINESS_NAMES),
        "name": pd.array([p[2] for p in PRODUCTS], dtype="string"),
        "category": cat([p[3] for p in PRODUCTS], CATEGORIES),
        "partner": np.array([p[4] for p in PRODUCTS], dtype=bool),
        "price": np.array([p[5] for p in PRODUCTS], dtype="float64"),
    })


def promotions_table() -> pd.DataFrame:
    """The ``promotions`` table: each promotion from its first day 00:00 to its last day 23:59:59.

    >>> str(promotions_table()["end"].iloc[0])
    '2024-03-24 23:59:59'
    """
    return pd.DataFrame({
        "promotion": pd.array([p[0] for p in PROMOTIONS], dtype="string"),
        "business": cat([p[1] for p in PROMOTIONS], BUSINESS_NAMES),
        "start": pd.to_datetime([p[2] for p in PROMOTIONS]).astype("datetime64[us]"),
        "end": (pd.to_datetime([p[3] for p in PROMOTIONS]) + pd.Timedelta(hours=23, minutes=59, seconds=59)).astype("datetime64[us]"),
        "discount": np.array([p[4] for p in PROMOTIONS], dtype="float64"),
    })
