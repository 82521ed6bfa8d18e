"""Simulated time: hours from ``START``, their calendar dates, and the busy calendar's clock.

Time runs in hours from ``START`` (2024-01-01 00:00). Person-driven times (arrivals, delays between
purchases) are drawn in an "operational" clock whose hours pass faster when the calendar is busy
(evenings, Sundays, late November and December); :class:`Clock` maps them to calendar time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["START", "END", "H_END", "DAY", "to_datetime", "hours", "add_months", "month_index", "Clock"]

START = pd.Timestamp("2024-01-01")
END = pd.Timestamp("2026-01-01")
H_END = float((END - START) / pd.Timedelta(hours=1))  # 17544 hours of history
DAY = 24.0


def to_datetime(hours: np.ndarray) -> np.ndarray:
    """Hours from START -> datetime64[us], rounded to the second (NaN -> NaT).

    >>> to_datetime([0.0, 36.5, float("nan")]).tolist()
    [datetime.datetime(2024, 1, 1, 0, 0), datetime.datetime(2024, 1, 2, 12, 30), None]
    """
    hours = np.asarray(hours, dtype=float)
    secs = np.round(hours * 3600.0)
    out = np.full(len(hours), np.datetime64("NaT"), dtype="datetime64[us]")
    ok = ~np.isnan(secs)
    out[ok] = np.datetime64(START, "us") + (secs[ok].astype(np.int64) * 1_000_000).astype("timedelta64[us]")
    return out


def hours(ts) -> float:
    """Hours from START to a timestamp (anything ``pd.Timestamp`` reads).

    >>> hours("2024-01-02 06:00")
    30.0
    """
    return float((pd.Timestamp(ts) - START) / pd.Timedelta(hours=1))


def add_months(cal, months):
    """Calendar hours plus whole months (same day of month, clipped to the month's length).

    >>> start = hours("2024-01-31 10:00")
    >>> to_datetime(add_months([start, start], [1, 2])).astype(str).tolist()
    ['2024-02-29T10:00:00.000000', '2024-03-31T10:00:00.000000']
    """
    cal = np.asarray(cal, float)
    months = np.asarray(months, np.int64)
    d = to_datetime(cal)
    day = d.astype("datetime64[D]")
    mon = d.astype("datetime64[M]")
    tod = (d - day.astype("datetime64[us]")).astype(np.int64) / 3.6e9
    dom = (day - mon.astype("datetime64[D]")).astype(np.int64)
    new_m = mon + months.astype("timedelta64[M]")
    length = ((new_m + np.timedelta64(1, "M")).astype("datetime64[D]") - new_m.astype("datetime64[D]")).astype(np.int64)
    new_d = new_m.astype("datetime64[D]") + np.minimum(dom, length - 1).astype("timedelta64[D]")
    return (new_d - np.datetime64(START, "D")).astype(np.int64) * DAY + tod


def month_index(hours: np.ndarray) -> np.ndarray:
    """0 for January 2024 ... 23 for December 2025.

    >>> month_index(np.array([0.0, 31 * DAY, H_END - 1])).tolist()
    [0, 1, 23]
    """
    months = to_datetime(hours).astype("datetime64[M]")
    return (months - np.datetime64("2024-01", "M")).astype(np.int64)


class Clock:
    """Maps operational hours to calendar hours through the calendar's busyness.

    >>> clock = Clock(promo_windows=[])
    >>> bool(np.isclose(clock.to_op(clock.to_calendar(1000.0)), 1000.0))
    True
    """

    def __init__(self, promo_windows):
        grid = np.arange(-120 * DAY, H_END + 500 * DAY, 1.0)
        when = START + pd.to_timedelta(grid, unit="h")
        doy = when.day_of_year.to_numpy()
        month = when.month.to_numpy()
        season = 1.0 + 0.6 * np.exp(-(((doy - 338) / 14.0) ** 2)) + 0.12 * np.isin(month, [3, 4, 5]) - 0.15 * (month == 8)
        weekday = np.array([1.05, 1.0, 0.95, 0.95, 0.88, 1.0, 1.2])[when.day_of_week.to_numpy()]
        hour = np.array([0.3, 0.15, 0.1, 0.1, 0.1, 0.15, 0.35, 0.7, 0.9, 1.0, 1.1, 1.2,
                         1.3, 1.2, 1.1, 1.1, 1.2, 1.3, 1.5, 1.8, 1.9, 1.7, 1.2, 0.7])[when.hour.to_numpy()]
        growth = 1.0 + 0.3 * np.clip(grid / H_END, 0, 1)
        promo = np.ones_like(grid)
        for a, b in promo_windows:
            promo[(grid >= a) & (grid < b)] = 1.5
        rate = season * weekday * hour * growth * promo
        inside = (grid >= 0) & (grid < H_END)
        rate = rate / rate[inside].mean()
        cum = np.concatenate([[0.0], np.cumsum(rate[:-1])])
        cum -= np.interp(0.0, grid, cum)
        self.grid, self.cum = grid, cum

    def to_calendar(self, op):
        """Calendar hours of operational hours."""
        return np.interp(op, self.cum, self.grid)

    def to_op(self, cal):
        """Operational hours of calendar hours."""
        return np.interp(cal, self.grid, self.cum)
