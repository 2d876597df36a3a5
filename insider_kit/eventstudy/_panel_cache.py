"""What the engine derives from a returns panel and keeps between studies (the panel itself stays a plain
data container).

A :class:`~insider_kit.prices.ReturnsPanel` is immutable (read-only arrays, frozen fields), so what is
derived from one of its fields can be kept for as long as that field's object lives: the ticker-major copy
of the returns (each event's days are one contiguous run of it) per values array, the market's running sum
per market array, the calendar's day table per date index.  An entry goes when its object is collected; a
panel made with :func:`dataclasses.replace` shares the entries of the fields it did not change.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..days import day_index as _day_index
from ..days import midnight_table
from ..prices.panel import ReturnsPanel

__all__ = ["by_ticker", "day_index", "market_cumsum", "series_span"]

_CACHE: dict[tuple[str, int], Any] = {}
_LOCK = threading.Lock()


def _cached(source: object, key: str, make: Callable[[], Any]) -> Any:
    """The value derived from *source* under *key*, made once (the entry is removed when *source* is collected,
    so the id in the key cannot be reused while the entry exists)."""
    k = (key, id(source))
    with _LOCK:
        if k in _CACHE:
            return _CACHE[k]
    value = make()  # outside the lock: the copy takes a while and uses every core
    with _LOCK:
        if k not in _CACHE:
            _CACHE[k] = value
            weakref.finalize(source, _CACHE.pop, k, None)
        return _CACHE[k]


def by_ticker(panel: ReturnsPanel, lead: int = 0) -> np.ndarray:
    """The returns as a read-only C-contiguous ``tickers x (lead + dates)`` copy, built once per panel (on all
    cores) and *lead*: the first *lead* columns are missing days before the panel's first date, so an
    estimation window that starts before the data reads them as missing (day ``t`` of the panel is column
    ``lead + t``)."""
    def make() -> np.ndarray:
        from ._kernels import transpose

        out = transpose(panel.values, lead)
        out.flags.writeable = False
        return out
    return _cached(panel.values, f"by_ticker_{lead}", make)


def market_cumsum(panel: ReturnsPanel) -> np.ndarray:
    """Running sum of the market returns, missing days as 0, with a leading 0 (``len(dates) + 1`` values)."""
    def make() -> np.ndarray:
        out = np.zeros(len(panel.dates) + 1)
        if panel.market is not None:
            np.cumsum(np.where(np.isnan(panel.market), 0.0, panel.market), out=out[1:])
        out.flags.writeable = False
        return out
    return _cached(panel.market if panel.market is not None else panel.dates, "market_cumsum", make)


def day_index(panel: ReturnsPanel, dates: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
    """:func:`insider_kit.days.day_index` on the panel's calendar, with the calendar's day table kept."""
    table = _cached(panel.dates, "day_table", lambda: midnight_table(panel.dates.to_numpy("datetime64[ns]")))
    return _day_index(panel.dates, dates, table=table)


def series_span(panel: ReturnsPanel) -> tuple[np.ndarray, np.ndarray]:
    """Each ticker's own first and last day with a return (calendar indices; -1 for a ticker with none): the
    span of the stock's *own* price history, which decides whether an event's windows are covered (the
    market's or the panel's calendar never stands in for it)."""
    def make() -> tuple[np.ndarray, np.ndarray]:
        v = panel.values
        T = v.shape[0]
        has = np.isfinite(v)
        anyv = has.any(axis=0)
        first = np.where(anyv, np.argmax(has, axis=0), -1).astype(np.int64)
        last = np.where(anyv, T - 1 - np.argmax(has[::-1], axis=0), -1).astype(np.int64)
        first.flags.writeable = False
        last.flags.writeable = False
        return first, last
    return _cached(panel.values, "series_span", make)
