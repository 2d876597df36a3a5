"""The returns panel: a dense ``dates x tickers`` float array with labels and the market on the same axis."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["ReturnsPanel", "day_index", "returns_panel"]


_DAY = np.int64(86_400 * 10**9)
# what ReturnsPanel caches, by the field it is derived from (assigning the field drops it)
_DERIVED_FROM = {"values": ("by_ticker",), "dates": ("day_table", "market_cumsum"), "market": ("market_cumsum",)}


def _midnight_table(cal: np.ndarray) -> tuple[int, np.ndarray] | None:
    """For a calendar of midnights (datetime64[ns]) spanning under 200,000 days: its first day number and, for
    every calendar day from there to its last, the index of the first trading day on or after it."""
    ci = cal.view(np.int64)
    if not len(ci) or (ci % _DAY).any() or (ci[-1] - ci[0]) // _DAY >= 200_000:
        return None
    first = int(ci[0] // _DAY)
    span = int(ci[-1] // _DAY - first) + 1
    return first, np.searchsorted(cal, (first + np.arange(span)) * _DAY)


def day_index(calendar: pd.DatetimeIndex, dates: pd.Series | pd.DatetimeIndex | np.ndarray, *,
              table: tuple[int, np.ndarray] | None = None) -> np.ndarray:
    """Index of the first trading day on or after each date (``len(calendar)`` when beyond the last).

    This is the kit's one day-0 rule: an event dated on a weekend or holiday starts on the next trading day.
    *table*: the calendar's :func:`_midnight_table` when the caller keeps one (a gather instead of a binary
    search per date; built here for large inputs).
    """
    if isinstance(dates, np.ndarray) and dates.dtype.kind == "M":
        d = dates.astype("datetime64[ns]", copy=False)
    elif isinstance(dates, (pd.Series, pd.Index)) and getattr(dates.dtype, "kind", "") == "M":
        d = dates.to_numpy("datetime64[ns]")  # already dates (the usual case): skip to_datetime's inference
    else:
        with warnings.catch_warnings():  # pandas' "could not infer format" note: the strings are parsed anyway
            warnings.simplefilter("ignore", UserWarning)
            d = pd.to_datetime(dates).to_numpy("datetime64[ns]")
    cal = calendar.to_numpy("datetime64[ns]")
    if table is None and len(d) > 10_000:
        table = _midnight_table(cal)
    if table is not None:
        first, tab = table
        span = len(tab)
        di = d.view(np.int64)
        nat = np.isnat(d)
        up = -(-di // _DAY) - first  # a date with a time of day counts from the next midnight
        out = np.where(up < 0, 0, len(cal))
        inside = (up >= 0) & (up < span) & ~nat
        out[inside] = tab[up[inside]]
        out[nat] = len(cal)
        return out
    return np.searchsorted(cal, d, side="left")


@dataclass
class ReturnsPanel:
    """Daily simple returns in one dense array.

    Attributes
    ----------
    values
        ``float64`` array of shape ``(n_dates, n_tickers)``; gaps are NaN.  Held read-only
        (assign a new array rather than writing into it).
    dates, tickers
        The labels of the two axes.
    market
        Market returns on the same date axis (NaN where unknown), or None.
    factors
        Optional factor returns (decimals) on the same date axis.
    suspicious
        Returns beyond +/-100% in a day: (date, ticker, ret), kept in the panel and reported here.
    """

    values: np.ndarray
    dates: pd.DatetimeIndex
    tickers: pd.Index
    market: np.ndarray | None = None
    market_name: str | None = None
    factors: pd.DataFrame | None = None
    suspicious: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["date", "ticker", "ret"]))
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __setattr__(self, name: str, value: object) -> None:
        # ``values`` and ``market`` are held as read-only float64 views, so what is derived from them and
        # cached in ``_derived`` (the ticker-major copy of :meth:`by_ticker`, the market's running sum, the
        # calendar's day table) cannot silently go stale; assigning a field drops what was derived from it.
        if name == "values":
            arr = np.ascontiguousarray(value, dtype=np.float64)
            if arr.ndim != 2:
                raise DataError(f"a returns panel needs a 2-D dates x tickers array, got shape {arr.shape}")
            arr = arr.view()
            arr.flags.writeable = False
            value = arr
        elif name == "market" and value is not None:
            mk = np.ascontiguousarray(value, dtype=np.float64).view()
            mk.flags.writeable = False
            value = mk
        derived = self.__dict__.get("_derived", {})  # (absent while __init__ assigns the fields)
        for key in _DERIVED_FROM.get(name, ()):
            derived.pop(key, None)
        object.__setattr__(self, name, value)

    def _cached(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def day_index(self, dates: pd.Series | pd.DatetimeIndex | np.ndarray) -> np.ndarray:
        """:func:`day_index` on this panel's calendar, with the calendar's day table kept between calls."""
        table = self._cached("day_table", lambda: _midnight_table(self.dates.to_numpy("datetime64[ns]")))
        return day_index(self.dates, dates, table=table)

    def market_cumsum(self) -> np.ndarray:
        """Running sum of the market returns, missing days as 0, with a leading 0 (``len(dates) + 1`` values)."""
        def make() -> np.ndarray:
            out = np.zeros(len(self.dates) + 1)
            if self.market is not None:
                np.cumsum(np.where(np.isnan(self.market), 0.0, self.market), out=out[1:])
            out.flags.writeable = False
            return out
        return self._cached("market_cumsum", make)

    def by_ticker(self) -> np.ndarray:
        """The returns as a C-contiguous ``tickers x dates`` copy, built once (on all cores) and cached.

        The engine reads each event's days as one contiguous run of this copy.
        """
        def make() -> np.ndarray:
            from ..eventstudy._kernels import transpose

            return transpose(self.values)
        return self._cached("by_ticker", make)

    def frame(self) -> pd.DataFrame:
        """The panel as a labelled DataFrame."""
        return pd.DataFrame(self.values, index=self.dates, columns=self.tickers)

    def market_series(self) -> pd.Series:
        if self.market is None:
            raise DataError("this returns panel has no market series")
        return pd.Series(self.market, index=self.dates, name=self.market_name)

    def __repr__(self) -> str:
        return (f"ReturnsPanel({len(self.dates)} dates x {len(self.tickers)} tickers, "
                f"{self.dates[0]:%Y-%m-%d}..{self.dates[-1]:%Y-%m-%d}, market={self.market_name!r}, "
                f"{np.isnan(self.values).mean():.1%} missing)")


def returns_panel(prices: pd.DataFrame, *, market: str | pd.Series | None = "SPY", kind: str = "price",
                  factors: pd.DataFrame | None = None) -> ReturnsPanel:
    """Build a :class:`ReturnsPanel` from adjusted closes (or returns, ``kind='return'``).

    Returns are simple: ``r_t = P_t / P_{t-1} - 1`` between consecutive *available*
    prices of the same ticker on the common trading calendar (union of dates);
    a missing price leaves NaN (no filling).  ``market`` names a column of
    *prices* (removed from the tickers) or is a separate price series.
    """
    if prices.empty:
        raise DataError("no prices to build a returns panel from")
    px = prices.sort_index()
    px = px[~px.index.duplicated(keep="last")]
    mkt = None
    name = None
    if isinstance(market, str):
        if market in px.columns:
            mkt = px[market]
            px = px.drop(columns=market)
            name = market
        else:
            raise DataError(f"market index {market!r} is not among the prices",
                            hint=f"fetch it: insider-kit fetch prices --tickers {market}")
    elif isinstance(market, pd.Series):
        mkt = market.reindex(px.index)
        name = str(market.name or "market")
    if kind == "price":
        vals = px.to_numpy(float)
        prev_direct = np.vstack([np.full((1, vals.shape[1]), np.nan), vals[:-1]])
        rets = vals / prev_direct - 1.0
        m = None
        if mkt is not None:
            mv = mkt.to_numpy(float)
            m = np.concatenate([[np.nan], mv[1:] / mv[:-1] - 1.0])
    else:
        rets = px.to_numpy(float)
        m = mkt.to_numpy(float) if mkt is not None else None
    with np.errstate(invalid="ignore"):
        bad = np.abs(rets) > 1.0
    susp = pd.DataFrame(columns=["date", "ticker", "ret"])
    if bad.any():
        i, j = np.nonzero(bad)
        susp = pd.DataFrame({"date": px.index[i], "ticker": px.columns[j], "ret": rets[i, j]})
    f = factors.reindex(px.index) if factors is not None else None
    return ReturnsPanel(np.ascontiguousarray(rets), pd.DatetimeIndex(px.index), pd.Index(px.columns), m, name, f, susp)
