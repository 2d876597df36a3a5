"""The returns panel: a dense ``dates x tickers`` float array with labels and the market on the same axis."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["ReturnsPanel", "day_index", "returns_panel"]


def day_index(calendar: pd.DatetimeIndex, dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Index of the first trading day on or after each date (``len(calendar)`` when beyond the last).

    This is the kit's one day-0 rule: an event dated on a weekend or holiday starts on the next trading day.
    """
    d = pd.to_datetime(dates).to_numpy("datetime64[ns]")
    return np.searchsorted(calendar.to_numpy("datetime64[ns]"), d, side="left")


@dataclass
class ReturnsPanel:
    """Daily simple returns in one dense array.

    Attributes
    ----------
    values
        ``float64`` array of shape ``(n_dates, n_tickers)``; gaps are NaN.
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
