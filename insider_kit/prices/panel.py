"""The returns panel: a dense ``dates x tickers`` float array with labels and the market on the same axis.

Data errors do not reach estimates
----------------------------------
:func:`returns_panel` excludes from the returns, by a documented rule (:class:`PriceErrorRule`, configurable),
the one-day moves that are errors in the data rather than returns, and lists each in
``ReturnsPanel.suspicious`` with its reason:

* a **zero or negative price** (an error in the file, not a -100% return): the price is left out;
* a **bad print**: a one-day jump by a factor of at least ``print_factor`` (x2 by default) that reverses
  within ``reversal_days`` trading days to within ``reversal_tolerance`` of the price before it — the prices
  in between are left out (so the returns on both sides of them are);
* a **likely unadjusted split**: a one-day price ratio within ``split_tolerance`` (in log terms) of a common
  split ratio (2, 3, 4, 5, 10 to 1, or the reverse) — the day's return is left out (a split in a series that
  was not adjusted for it; its level afterwards is on another scale, which returns do not see);
* an **implausible move**: a one-day price ratio beyond ``max_factor`` (x10 or /10 by default) — the day's
  return is left out.

A file of returns (``kind="return"``) gets the last rule and one more: a return below -100% is impossible
and left out.  ``PriceErrorRule(enabled=False)`` keeps every return (each still listed, marked "kept").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["PriceErrorRule", "ReturnsPanel", "returns_panel"]


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


@dataclass(frozen=True)
class PriceErrorRule:
    """The rule that decides which one-day moves are data errors (module docstring), and its thresholds.

    Attributes
    ----------
    enabled
        Exclude what the rule finds (False: list it, keep it).
    max_factor
        A one-day price ratio beyond this factor, up or down, is implausible (10: above +900% or below -90%).
    split_ratios, split_tolerance
        One-day price ratios within a tolerance of one of these ratios or its inverse are likely unadjusted
        splits: the day's own return moves the ratio off the split's, so the tolerance is 2.5 of the stock's
        robust daily standard deviations (1.4826 x its median absolute log return), at least *split_tolerance*
        and at most 0.1 log points (*split_tolerance* 0 disables the check).  A genuine move of about -50%, -67%, -75% ... is excluded
        too: each exclusion is listed with the events it touches and what it would have done to the mean CARs
        (:func:`insider_kit.quality.data_quality`).
    print_factor, reversal_days, reversal_tolerance
        A jump by at least *print_factor* that comes back within *reversal_days* days to within
        *reversal_tolerance* (log points) of the price before it is a bad print.

    Examples
    --------
    >>> PriceErrorRule().max_factor, PriceErrorRule(split_tolerance=0.0).split_tolerance
    (10.0, 0.0)
    """

    enabled: bool = True
    max_factor: float = 10.0
    split_ratios: tuple[float, ...] = (2.0, 3.0, 4.0, 5.0, 10.0)
    split_tolerance: float = 0.03
    print_factor: float = 2.0
    reversal_days: int = 5
    reversal_tolerance: float = 0.1


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
        What the panel's builder flagged: ``date, ticker, value, reason`` — the data errors its rule excluded
        (module docstring; the reason ends in "(excluded)") and what it kept (ends in "(kept)").
    delisted
        Per ticker: True when its series ends with a known delisting return (the last return of the series;
        the engine then treats the stock as held in the market after it).
    """

    values: np.ndarray
    dates: pd.DatetimeIndex
    tickers: pd.Index
    market: np.ndarray | None = None
    market_name: str | None = None
    factors: pd.DataFrame | None = None
    suspicious: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["date", "ticker", "value", "reason"]))
    delisted: np.ndarray | None = None

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
        if self.delisted is not None:
            flags = np.asarray(self.delisted, dtype=bool)
            if flags.shape != (len(self.tickers),):
                raise DataError(f"delisted flags of shape {flags.shape} do not match {len(self.tickers)} tickers")
            object.__setattr__(self, "delisted", flags)
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


_COLUMNS = ["date", "ticker", "value", "reason"]


def _flagged(dates: pd.Index, columns: pd.Index, mask: np.ndarray, values: np.ndarray, reason: str) -> pd.DataFrame:
    i, j = np.nonzero(mask)
    return pd.DataFrame({"date": dates[i], "ticker": columns[j], "value": values[i, j], "reason": reason})


def _bad_prints(px: np.ndarray, rule: PriceErrorRule) -> np.ndarray:
    """Prices that jump by at least ``print_factor`` and come back within ``reversal_days`` to within
    ``reversal_tolerance`` (log points) of the price before the jump (module docstring: bad prints)."""
    bad = np.zeros(px.shape, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        lr = np.log(px[1:] / px[:-1])
    big = np.abs(lr) >= np.log(rule.print_factor)
    T = px.shape[0]
    for t1, j in zip(*np.nonzero(big), strict=True):  # (rare: a few per thousand series-years)
        t = t1 + 1  # the first suspect price; px[t1] is the one before the jump
        before = px[t1, j]
        for k in range(1, rule.reversal_days + 1):
            if t + k >= T:
                break
            after = px[t + k, j]
            if np.isfinite(after) and abs(np.log(after / before)) < rule.reversal_tolerance:
                bad[t: t + k, j] = True
                break
    return bad


def _error_masks(lr: np.ndarray, rule: PriceErrorRule, *, split: bool) -> list[tuple[np.ndarray, str]]:
    """The one-day moves (log price ratios *lr*) the rule calls data errors, each with its reason."""
    out = []
    a = np.abs(lr)
    sp = np.zeros(lr.shape, dtype=bool)
    if split and rule.split_tolerance > 0:
        # the day's own return moves the ratio off the split's: the tolerance widens with the stock's own daily
        # volatility (2.5 robust standard deviations: 1.4826 x the median absolute log return), up to 0.1
        with np.errstate(invalid="ignore"):
            near = np.zeros(lr.shape, dtype=bool)
            for k in rule.split_ratios:
                near |= np.abs(a - np.log(k)) < 0.1
        cols = np.flatnonzero(near.any(axis=0))  # (few: the volatility is measured for these series only)
        if len(cols):
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # (a series without returns)
                sd = 1.4826 * np.nanmedian(a[:, cols], axis=0)
            tol = np.clip(np.nan_to_num(2.5 * sd, nan=0.0), rule.split_tolerance, 0.1)
            sub = np.zeros((lr.shape[0], len(cols)), dtype=bool)
            with np.errstate(invalid="ignore"):
                for k in rule.split_ratios:
                    sub |= np.abs(a[:, cols] - np.log(k)) < tol
            sp[:, cols] = sub
        out.append((sp, "likely unadjusted split (a one-day price ratio of a split, e.g. 1:2 or 4:1)"))
    out.append(((a > np.log(rule.max_factor)) & ~sp, f"implausible one-day move (beyond x{rule.max_factor:g} or "
                                                    f"/{rule.max_factor:g})"))
    return out


def _apply_delistings(rets: np.ndarray, dates: pd.DatetimeIndex, columns: pd.Index,
                      delistings: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Put each known delisting return on the trading day after the stock's last price (CRSP's DLRET: the
    return realised at delisting); the tickers it applies to, and a table of the rows that could not be used."""
    flags = np.zeros(len(columns), dtype=bool)
    notes = []
    pos = {t: k for k, t in enumerate(columns)}
    for t_, d_, r_ in zip(delistings["ticker"], delistings["date"], delistings["dlret"], strict=True):
        t, day, dl = str(t_), pd.Timestamp(d_), float(r_)
        j = pos.get(t)
        if j is None:
            continue
        have = np.flatnonzero(np.isfinite(rets[:, j]))
        last = int(have[-1]) if len(have) else -1
        at = int(dates.searchsorted(day, side="right"))  # the first trading day after the delisting date
        if not (np.isfinite(dl) and dl >= -1.0) or last < 0 or at != last + 1 or at >= len(dates):
            notes.append({"date": day, "ticker": t, "value": dl,
                          "reason": "delisting return not used (its date is not the stock's last price, the "
                                    "calendar ends there, or it is not a return)"})
            continue
        rets[at, j] = dl
        flags[j] = True
    return flags, pd.DataFrame(notes, columns=_COLUMNS)


def returns_panel(prices: pd.DataFrame, *, market: str | pd.Series | None = "SPY", kind: str = "price",
                  factors: pd.DataFrame | None = None, delistings: pd.DataFrame | None = None,
                  errors: PriceErrorRule | None = None) -> ReturnsPanel:
    """Build a :class:`ReturnsPanel` from adjusted closes (or returns, ``kind='return'``).

    Returns are simple: ``r_t = P_t / P_{t-1} - 1`` on the common trading calendar (union of
    dates); a return needs the prices of its day and of the previous trading day, so a missing
    price leaves NaN on its day and the next (no filling, no multi-day return put on one day).  ``market`` names
    a column of *prices* (removed from the tickers) or is a separate price series.  Data errors are excluded
    by *errors*' rule and listed in ``suspicious`` (module docstring).

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
    delistings
        Known delisting returns, ``ticker, date, dlret`` (``date``: the stock's last trading day with a price;
        ``dlret``: the return realised at delisting, put on the next trading day; CRSP's convention).
    errors
        The data-error rule (default :class:`PriceErrorRule`).

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
    >>> split = pd.DataFrame({"BBB": [40.0, 40.4, 10.2, 10.3], "MKT": [100.0] * 4},
    ...                      index=pd.bdate_range("2024-01-01", periods=4))
    >>> p2 = ik.returns_panel(split, market="MKT")  # a 4:1 split left unadjusted: that day is not a -75% return
    >>> p2.frame()["BBB"].round(4).tolist(), p2.suspicious["reason"].str[:26].tolist()
    ([nan, 0.01, nan, 0.0098], ['likely unadjusted split (a'])
    """
    rule = errors or PriceErrorRule()
    if prices.empty:
        raise DataError("no prices to build a returns panel from")
    px = prices
    if not (px.index.is_monotonic_increasing and px.index.is_unique):  # (already so from load_prices: no copy)
        px = px.sort_index()
        px = px[~px.index.duplicated(keep="last")]
    mkt, name = _market_of(px, market)
    keep = np.ones(px.shape[1], dtype=bool)
    if isinstance(market, str):
        keep &= px.columns != market
    columns = px.columns[keep]
    vals = px.to_numpy(float)  # (a view of a single float block; the market's column is left out below)
    if not keep.all():
        vals = vals[:, keep]
    dates = pd.DatetimeIndex(px.index)
    if kind == "price":
        rets, parts = _price_returns(vals, dates, columns, rule)
        m = None
        if mkt is not None:
            m, mparts = _price_returns(mkt.to_numpy(float).reshape(-1, 1), dates, pd.Index([name]), rule,
                                       split=False)
            m = m[:, 0]
            parts += mparts
    elif kind == "return":
        rets, parts = _checked_returns(np.array(vals, dtype=float), dates, columns, rule)
        m = None
        if mkt is not None:
            m2, mparts = _checked_returns(mkt.to_numpy(float).reshape(-1, 1), dates, pd.Index([name]), rule)
            m, parts = m2[:, 0], parts + mparts
    else:
        raise DataError(f"kind={kind!r}: say 'price' or 'return'")
    if m is not None:
        _refuse_percent_market(m, name)
    flags = None
    if delistings is not None and len(delistings):
        flags, notes = _apply_delistings(rets, dates, columns, delistings)
        parts.append(notes)
    parts = [p_ for p_ in parts if len(p_)]
    susp = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_COLUMNS)
    f = factors.reindex(px.index) if factors is not None else None
    return ReturnsPanel(rets, dates, pd.Index(columns), m, name, f, susp, flags)


def _market_of(px: pd.DataFrame, market: str | pd.Series | None) -> tuple[pd.Series | None, str | None]:
    if isinstance(market, str):
        if market in px.columns:
            return px[market], market
        raise DataError(f"market index {market!r} is not among the prices",
                        hint=f"fetch it: insider-kit fetch prices --tickers {market}")
    if isinstance(market, pd.Series):
        return market.reindex(px.index), str(market.name or "market")
    return None, None


def _price_returns(vals: np.ndarray, dates: pd.DatetimeIndex, columns: pd.Index, rule: PriceErrorRule, *,
                   split: bool = True) -> tuple[np.ndarray, list[pd.DataFrame]]:
    """Simple returns of the price columns *vals* with the data errors of *rule* left out, and what was found."""
    parts = []
    with np.errstate(invalid="ignore"):
        nonpos = vals <= 0  # a zero or negative price is an error in the file, not a -100% return
    if nonpos.any():
        parts.append(_flagged(dates, columns, nonpos, vals, "price <= 0 (excluded)"))
        vals = np.where(nonpos, np.nan, vals)
    del nonpos
    bad = _bad_prints(vals, rule)
    if bad.any():
        parts.append(_flagged(dates, columns, bad, vals, "bad print: a one-day jump that reverses within "
                              f"{rule.reversal_days} days ({'excluded' if rule.enabled else 'kept'})"))
        if rule.enabled:
            vals = np.where(bad, np.nan, vals)
    # r_t = P_t / P_{t-1} - 1, written into one new array (the panel is ~dates x tickers x 8 bytes: at
    # universe scale each temporary copy costs a fraction of a second and hundreds of MB)
    rets = np.empty(vals.shape)
    rets[:1] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(vals[1:], vals[:-1], out=rets[1:])
        lr = np.log(rets)
    rets -= 1.0
    for mask, why in _error_masks(lr, rule, split=split):
        if mask.any():
            parts.append(_flagged(dates, columns, mask, rets, f"{why} ({'excluded' if rule.enabled else 'kept'})"))
            if rule.enabled:
                rets[mask] = np.nan
    with np.errstate(invalid="ignore"):
        big = rets > 1.0
    if big.any():  # (kept, and listed: large real moves happen; the rule's bounds say what is implausible)
        parts.append(_flagged(dates, columns, big, rets, "daily return beyond +100% (kept)"))
    return rets, parts


def _checked_returns(rets: np.ndarray, dates: pd.DatetimeIndex, columns: pd.Index,
                     rule: PriceErrorRule) -> tuple[np.ndarray, list[pd.DataFrame]]:
    """A file's returns with the impossible (below -100%) and implausible ones left out, and what was found."""
    parts = []
    with np.errstate(invalid="ignore"):
        impossible = rets < -1.0
    if impossible.any():
        parts.append(_flagged(dates, columns, impossible, rets, "return below -100% (excluded)"))
        rets[impossible] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        lr = np.log1p(rets)
    for mask, why in _error_masks(lr, rule, split=False):
        if mask.any():
            parts.append(_flagged(dates, columns, mask, rets, f"{why} ({'excluded' if rule.enabled else 'kept'})"))
            if rule.enabled:
                rets[mask] = np.nan
    return rets, parts


def _refuse_percent_market(m: np.ndarray, name: str | None) -> None:
    """A market series of daily returns whose typical size is that of percent units, not decimals: refused
    (a 1.2 meaning 1.2% read as +120% a day turns every verdict around)."""
    fin = m[np.isfinite(m)]
    if len(fin) >= 20 and np.median(np.abs(fin)) > 0.05:
        raise DataError(f"the market series {name!r} has a median daily return of {np.median(np.abs(fin)):.0%}: "
                        "these look like percent units or prices read as returns, not daily returns",
                        hint="import the market with --market-kind price|return (returns as decimals, e.g. 0.012)")
