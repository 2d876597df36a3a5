"""The returns panel: a dense ``dates x tickers`` float array with labels and the market on the same axis."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["ReturnsPanel", "returns_panel"]


def _read_only(a: object, *, ndim: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype == np.float64 and arr.flags.c_contiguous and not arr.flags.writeable and arr.ndim == ndim:
        return arr
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if arr.ndim != ndim:
        raise DataError(f"a returns panel needs a {ndim}-D array here, got shape {arr.shape}")
    arr = arr.view()
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class ReturnsPanel:
    """Daily simple returns in one dense array (a data container: nothing here computes a statistic).

    The panel is immutable: ``values`` and ``market`` are held as read-only float64 arrays and the fields
    cannot be reassigned (use :func:`dataclasses.replace` for a panel with other factors or values), so
    whatever a consumer derives from a panel and keeps (the engine's ticker-major copy, for one) cannot go
    stale.

    Attributes
    ----------
    values
        ``float64`` array of shape ``(n_dates, n_tickers)``; gaps are NaN.
    dates, tickers
        The labels of the two axes.
    market
        Market returns on the same date axis (NaN where unknown), or None.
    market_name
        The market series' name (a ticker such as ``SPY``).
    factors
        Optional factor returns (decimals) on the same date axis.
    suspicious
        What the panel's builder flagged: ``date, ticker, value, reason`` — prices at or below zero (left out:
        a zero price is a data error, not a -100% return) and daily returns beyond +/-100% (kept).
    """

    values: np.ndarray
    dates: pd.DatetimeIndex
    tickers: pd.Index
    market: np.ndarray | None = None
    market_name: str | None = None
    factors: pd.DataFrame | None = None
    suspicious: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["date", "ticker", "value", "reason"]))

    def __post_init__(self) -> None:
        # (an array that is already a read-only float64 C-contiguous array is kept as it is: a panel made by
        # dataclasses.replace shares its unchanged fields, and whatever was derived from them)
        object.__setattr__(self, "values", _read_only(self.values, ndim=2))
        if self.market is not None:
            object.__setattr__(self, "market", _read_only(self.market, ndim=1))
        if not isinstance(self.dates, pd.DatetimeIndex):
            object.__setattr__(self, "dates", pd.DatetimeIndex(self.dates))
        if not isinstance(self.tickers, pd.Index):
            object.__setattr__(self, "tickers", pd.Index(self.tickers))
        if self.market is not None and len(self.market) != len(self.dates):
            raise DataError(f"the market series has {len(self.market)} values for {len(self.dates)} dates")
        if self.values.shape != (len(self.dates), len(self.tickers)):
            raise DataError(f"returns of shape {self.values.shape} do not match {len(self.dates)} dates x "
                            f"{len(self.tickers)} tickers")

    def frame(self) -> pd.DataFrame:
        """The panel as a labelled DataFrame."""
        return pd.DataFrame(self.values, index=self.dates, columns=self.tickers)

    def market_series(self) -> pd.Series:
        """The market's returns as a Series on the panel's dates (DataError when the panel has none)."""
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

    Returns are simple: ``r_t = P_t / P_{t-1} - 1`` on the common trading calendar (union of
    dates); a return needs the prices of its day and of the previous trading day, so a missing
    price leaves NaN on its day and the next (no filling, no multi-day return put on one day).  ``market`` names a column of
    *prices* (removed from the tickers) or is a separate price series.

    Parameters
    ----------
    prices
        Adjusted closes, dates x tickers (or returns with ``kind="return"``).
    market
        A column of *prices* to use as the market (removed from the tickers), a separate series, or None.
    kind
        ``"price"`` or ``"return"``.
    factors
        Daily Fama-French factors (:func:`insider_kit.load_factors`), aligned to the panel's dates.

    Returns
    -------
    ReturnsPanel

    Examples
    --------
    >>> import pandas as pd
    >>> import insider_kit as ik
    >>> px = pd.DataFrame({"AAA": [10.0, 11.0, None, 12.1], "MKT": [100.0, 101.0, 102.01, 103.0301]},
    ...                   index=pd.bdate_range("2024-01-01", periods=4))
    >>> panel = ik.returns_panel(px, market="MKT")
    >>> panel.tickers.tolist()
    ['AAA']
    >>> panel.frame()["AAA"].round(4).tolist()
    [nan, 0.1, nan, nan]
    """
    if prices.empty:
        raise DataError("no prices to build a returns panel from")
    px = prices
    if not (px.index.is_monotonic_increasing and px.index.is_unique):  # (already so from load_prices: no copy)
        px = px.sort_index()
        px = px[~px.index.duplicated(keep="last")]
    mkt = None
    name = None
    if isinstance(market, str):
        if market in px.columns:
            mkt = px[market]
            name = market
        else:
            raise DataError(f"market index {market!r} is not among the prices",
                            hint=f"fetch it: insider-kit fetch prices --tickers {market}")
    elif isinstance(market, pd.Series):
        mkt = market.reindex(px.index)
        name = str(market.name or "market")
    keep = np.ones(px.shape[1], dtype=bool)
    if isinstance(market, str):
        keep &= px.columns != market
    columns = px.columns[keep]
    vals = px.to_numpy(float)  # (a view of a single float block; the market's column is left out below)
    if not keep.all():
        vals = vals[:, keep]
    bad_px = None
    if kind == "price":
        # r_t = P_t / P_{t-1} - 1, written into one new array (the panel is ~dates x tickers x 8 bytes: at
        # universe scale each temporary copy costs a fraction of a second and hundreds of MB)
        with np.errstate(invalid="ignore"):
            nonpos = vals <= 0  # a zero or negative price is an error in the file, not a -100% return
        if nonpos.any():
            i, j = np.nonzero(nonpos)
            bad_px = pd.DataFrame({"date": px.index[i], "ticker": columns[j], "value": vals[i, j],
                                   "reason": "price <= 0 (dropped)"})
            vals = np.where(nonpos, np.nan, vals)
        del nonpos
        rets = np.empty(vals.shape)
        rets[:1] = np.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(vals[1:], vals[:-1], out=rets[1:])
        rets -= 1.0
        m = None
        if mkt is not None:
            mv = mkt.to_numpy(float)
            m = np.concatenate([[np.nan], mv[1:] / mv[:-1] - 1.0])
        with np.errstate(invalid="ignore"):
            bad = rets > 1.0  # (a return of positive prices is above -100%)
    else:
        rets = np.array(vals, dtype=float)
        m = mkt.to_numpy(float) if mkt is not None else None
        with np.errstate(invalid="ignore"):
            bad = np.abs(rets) > 1.0
    parts = [] if bad_px is None else [bad_px]
    if bad.any():
        i, j = np.nonzero(bad)
        parts.append(pd.DataFrame({"date": px.index[i], "ticker": columns[j], "value": rets[i, j],
                                   "reason": "daily return beyond +/-100% (kept)"}))
    del bad
    susp = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["date", "ticker", "value", "reason"])
    f = factors.reindex(px.index) if factors is not None else None
    return ReturnsPanel(rets, pd.DatetimeIndex(px.index), pd.Index(columns), m, name, f, susp)
