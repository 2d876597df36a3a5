"""Calendar-time portfolios (Jaffe 1974; Mandelker 1974; Fama 1998; Lyon, Barber & Tsai 1999).

Each trading day the portfolio holds every firm with an event whose holding
window ``[day0 + h0, day0 + h1]`` covers that day (a firm is held once however
many of its events overlap).  Its daily return, in excess of the risk-free rate,
is regressed on the market or on Fama-French / Carhart factors; the intercept
(alpha) is the average daily abnormal return, with a Newey-West (1987) HAC
t-statistic.  Because every day is one observation, cross-correlation between
events that overlap in calendar time is handled by construction — the standard
answer to clustered event dates.  The long-short portfolio (e.g. buys minus
sales) is regressed on the same factors without subtracting the risk-free rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..days import day_index
from ..errors import DataError
from ..prices.panel import ReturnsPanel
from .results import Estimates

__all__ = ["CalendarTimeResult", "calendar_time", "portfolio_returns"]

_FACT = {"market": ("mkt_rf",), "ff3": ("mkt_rf", "smb", "hml"), "carhart": ("mkt_rf", "smb", "hml", "mom")}


@dataclass(repr=False)
class CalendarTimeResult(Estimates):
    """Alphas of the calendar-time portfolios (``table``, ``summary()``) and their daily returns (``returns``).

    In the results protocol the estimates are the daily alphas of the ``long``, ``short`` and ``long_short``
    portfolios (``params``, ``std_errors``, ``pvalues``, ``conf_int(level)``: Newey-West standard errors,
    normal intervals; ``nobs``: the days of each regression).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> ct = ik.calendar_time(study.events, study.panel, model="market", holding=(1, 20))
    >>> ct.returns.columns.tolist()[:3]
    ['long', 'short', 'long_short']
    """

    _percent = ("alpha_daily", "alpha_annual", "ci_low_annual", "ci_high_annual")
    _count = ("n_days",)
    _stat = ("t_nw", "avg_firms", "r2")
    _pvalue = ("p",)
    _title = "Calendar-time portfolios"

    table: pd.DataFrame
    returns: pd.DataFrame
    n_firms: pd.DataFrame
    model: str
    holding: tuple[int, int]
    weighting: str
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def params(self) -> pd.Series:
        """Each portfolio's daily alpha."""
        return self.table["alpha_daily"].astype(float).rename("alpha_daily")

    @property
    def std_errors(self) -> pd.Series:
        """Their Newey-West standard errors."""
        se = self.table["se_daily"] if "se_daily" in self.table else pd.Series(np.nan, index=self.table.index)
        return se.astype(float).rename("std_error")

    @property
    def pvalues(self) -> pd.Series:
        """Their two-sided normal p-values."""
        return self.table["p"].astype(float).rename("p")

    @property
    def nobs(self) -> pd.Series:
        """Days in each portfolio's regression."""
        return self.table["n_days"].astype(int).rename("nobs")

    @property
    def ci_method(self) -> str:
        """How the intervals are made."""
        return f"Newey-West HAC standard errors ({self.meta.get('lags', '?')} lags), normal"

    def summary(self) -> pd.DataFrame:
        """Alphas with their CI, Newey-West t and p, days and firms held (betas: ``table``)."""
        cols = ["alpha_annual", "ci_low_annual", "ci_high_annual", "t_nw", "p", "n_days", "avg_firms", "r2"]
        return self.table[[c for c in cols if c in self.table.columns]]

    def _head(self) -> str:
        return (f"{self.weighting}-weighted, holding days {self.holding}, factors {self.model}, Newey-West t; "
                "alphas annualised")


def _size_matrix(size: pd.DataFrame | pd.Series, panel: ReturnsPanel) -> np.ndarray:
    """Weights known before each day: a dates x tickers size panel lagged one day, or a static per-ticker size."""
    if isinstance(size, pd.Series):
        w = size.reindex(panel.tickers).to_numpy(float)
        return np.broadcast_to(w, panel.values.shape)
    s = size.reindex(index=panel.dates, columns=panel.tickers).ffill()
    return s.shift(1).to_numpy(float)


def portfolio_returns(events: pd.DataFrame, panel: ReturnsPanel, *, holding: tuple[int, int] = (1, 126),
                      weighting: Literal["equal", "value"] = "equal", size: pd.DataFrame | pd.Series | None = None,
                      min_firms: int = 1, date_col: str = "date", ticker_col: str = "ticker") -> tuple[pd.Series, pd.Series]:
    """Daily return of the calendar-time portfolio of *events* and the number of firms held each day.

    Each event's firm is held from trading day ``holding[0]`` to ``holding[1]`` after its day 0; the
    portfolio's return each day is the equal- or value-weighted mean of the held firms' returns (a firm
    held through two events counts once).  Days with fewer than *min_firms* firms (with a return that day)
    are NaN.

    Parameters
    ----------
    events
        Events with a ticker and a date.
    panel
        The returns panel.
    holding
        First and last trading day held, relative to day 0.
    weighting
        ``equal``, or ``value`` (by *size*: the previous day's market value).
    size
        Market values (a frame of tickers x days, or one value per ticker); needed for ``value``.
    min_firms
        Fewest firms for a day's return.
    date_col, ticker_col
        The events' column names.

    Returns
    -------
    (returns, n_firms)
        Two Series on the panel's trading days.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> ret, n = portfolio_returns(study.events[study.events["direction"] == "buy"], study.panel, holding=(1, 20))
    >>> bool((n[ret.notna()] >= 1).all())
    True
    """
    h0, h1 = holding
    if h0 > h1:
        raise DataError(f"bad holding window {holding}")
    if weighting == "value" and size is None:
        raise DataError("value weighting needs a size proxy (market capitalisation per ticker, or per day and ticker)",
                        hint="pass size= (e.g. shares outstanding x price); for the teaching market firms.csv has "
                             "shares_outstanding")
    T, N = panel.values.shape
    col = pd.Series(np.arange(N), index=panel.tickers)
    col = col[~col.index.duplicated()]
    j = events[ticker_col].astype(str).map(col)
    d0 = day_index(panel.dates, events[date_col])
    ok = j.notna().to_numpy() & (d0 < T)
    jj = j.to_numpy(float)[ok].astype(np.int64)
    start = np.clip(d0[ok] + h0, 0, T)
    stop = np.clip(d0[ok] + h1 + 1, 0, T)
    H = np.zeros((T + 1, N), dtype=np.int32)
    np.add.at(H, (start, jj), 1)
    np.add.at(H, (stop, jj), -1)
    held = np.cumsum(H, axis=0)[:T] > 0
    R = panel.values
    valid = held & np.isfinite(R)
    if weighting == "value":
        assert size is not None
        W = np.where(valid, _size_matrix(size, panel), 0.0)
        W = np.where(np.isfinite(W) & (W > 0), W, 0.0)
    else:
        W = valid.astype(float)
    wsum = W.sum(axis=1)
    n = (W > 0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (np.where(W > 0, R, 0.0) * W).sum(axis=1) / wsum
    r[n < min_firms] = np.nan
    return pd.Series(r, index=panel.dates, name="ret"), pd.Series(n, index=panel.dates, name="n_firms")


def _alpha(y: pd.Series, X: pd.DataFrame | None, lags: int) -> dict[str, float]:
    import statsmodels.api as sm

    d = pd.concat([y.rename("y"), X], axis=1) if X is not None else y.rename("y").to_frame()
    d = d.dropna()
    if len(d) < 30:
        return {"alpha_daily": np.nan, "t_nw": np.nan, "p": np.nan, "n_days": len(d), "r2": np.nan}
    Xc = sm.add_constant(d.drop(columns="y"), has_constant="add")
    fit = sm.OLS(d["y"], Xc).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    out = {"alpha_daily": float(fit.params["const"]), "se_daily": float(fit.bse["const"]),
           "t_nw": float(fit.tvalues["const"]), "p": float(fit.pvalues["const"]), "n_days": int(fit.nobs),
           "r2": float(fit.rsquared)}
    for k in Xc.columns[1:]:
        out[f"beta_{k}"] = float(fit.params[k])
    return out


def calendar_time(events: pd.DataFrame, panel: ReturnsPanel, *, holding: tuple[int, int] = (1, 126),
                  weighting: Literal["equal", "value"] = "equal", model: Literal["market", "ff3", "carhart"] = "ff3",
                  by: str = "direction", long: str = "buy", short: str = "sell",
                  size: pd.DataFrame | pd.Series | None = None, min_firms: int = 5, lags: int = 5,
                  periods_per_year: int = 252) -> CalendarTimeResult:
    r"""Long, short and long-short calendar-time portfolios with factor alphas and Newey-West t-statistics.

    Parameters
    ----------
    events
        Events with ``ticker``, ``date`` and the *by* column (``long``/``short`` values).
    panel
        Returns panel; ``model="market"`` needs its market series (risk-free from its factors when
        present, else zero), ``ff3``/``carhart`` its factors.
    holding
        Trading days relative to day 0 during which a firm is held (inclusive).
    model
        The factor model of the alphas: ``"market"`` (CAPM), ``"ff3"`` or ``"carhart"``.
    by, long, short
        The column of *events* and its values that make the long and the short portfolio.
    min_firms
        Days on which a portfolio holds fewer firms are left out.
    periods_per_year
        Trading days per year, for the annualised alpha.
    weighting
        ``"equal"``, or ``"value"`` with *size*.
    size
        Market capitalisation per ticker, or per day and ticker (:meth:`Study.market_caps`), used with a
        one-day lag so weights are known in advance.
    lags
        Newey-West lags.

    Returns
    -------
    CalendarTimeResult
        ``table``: rows ``long``, ``short``, ``long_short``; columns ``alpha_daily``, ``alpha_annual``
        (x periods_per_year), its 95% CI, ``t_nw``, ``p``, ``n_days``, ``avg_firms``, betas, ``r2``.

    Notes
    -----
    The portfolio's daily return :math:`R_{pt}` (equal- or lagged-value-weighted over the firms held on day
    t) in excess of :math:`r_{ft}` is regressed on the factors, :math:`R_{pt} - r_{ft} = \alpha + \beta'f_t +
    e_t`; :math:`\alpha` is the average daily abnormal return, its t-statistic Newey-West (1987) with
    *lags* lags.  Jaffe (1974), Mandelker (1974), Fama (1998), Lyon, Barber & Tsai (1999); the long-short
    portfolio is regressed without subtracting the risk-free rate.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> ct = ik.calendar_time(study.events, study.panel, model="ff3", holding=(1, 60))
    >>> ct.table.index.tolist()
    ['long', 'short', 'long_short']
    """
    if by not in events.columns:
        raise DataError(f"events lack the column {by!r} that says which side each event is on")
    F = panel.factors
    if model == "market":
        if panel.market is None:
            raise DataError("model 'market' needs a market series in the returns panel")
        rf = F["rf"] if F is not None and "rf" in F.columns else pd.Series(0.0, index=panel.dates)
        X = pd.DataFrame({"mkt_rf": panel.market - rf.to_numpy()}, index=panel.dates)
    else:
        need = _FACT.get(model)
        if need is None:
            raise DataError(f"unknown model {model!r}; choose market, ff3 or carhart")
        if F is None or not set(need) | {"rf"} <= set(F.columns):
            raise DataError(f"model {model!r} needs factors {(*need, 'rf')} in the returns panel",
                            hint="load_factors(...) and returns_panel(..., factors=...)")
        rf = F["rf"]
        X = F.loc[:, list(need)]
    rets, counts, rows = {}, {}, {}
    for name, val in (("long", long), ("short", short)):
        sub = events[events[by].astype(str) == val]
        if sub.empty:
            raise DataError(f"no events with {by} == {val!r} for the {name} portfolio")
        r, n = portfolio_returns(sub, panel, holding=holding, weighting=weighting, size=size, min_firms=min_firms)
        rets[name], counts[name] = r, n
        rows[name] = _alpha(r - rf.to_numpy(), X, lags) | {"avg_firms": float(n[n > 0].mean())}
    ls = rets["long"] - rets["short"]
    rets["long_short"] = ls
    rows["long_short"] = _alpha(ls, X, lags) | {"avg_firms": float((counts["long"] + counts["short"])[ls.notna()].mean())}
    tab = pd.DataFrame(rows).T
    tab["alpha_annual"] = tab["alpha_daily"] * periods_per_year
    if "se_daily" in tab:
        tab["ci_low_annual"] = (tab["alpha_daily"] - 1.96 * tab["se_daily"]) * periods_per_year
        tab["ci_high_annual"] = (tab["alpha_daily"] + 1.96 * tab["se_daily"]) * periods_per_year
    first = ["alpha_daily", "alpha_annual", "ci_low_annual", "ci_high_annual", "t_nw", "p", "n_days", "avg_firms"]
    tab = tab[[c for c in first if c in tab] + [c for c in tab.columns if c not in first]]
    tab.index.name = "portfolio"
    return CalendarTimeResult(tab, pd.DataFrame(rets), pd.DataFrame(counts), model, holding, weighting,
                              {"lags": lags, "periods_per_year": periods_per_year})
