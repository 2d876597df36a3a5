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
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..days import day_index
from ..errors import DataError
from ..prices.panel import ReturnsPanel
from .results import Estimates, ResultsBase

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CalendarTimeResult", "Side", "TradedPortfolio", "calendar_time", "corwin_schultz_spread", "held_weights",
           "portfolio_returns", "traded_portfolio"]

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
        return self._display(self.table[[c for c in cols if c in self.table.columns]])

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


# ---------------------------------------------------------------------------------------- an investor's view
#: A position's side: +1 long, -1 short.
Side = Literal[1, -1]


@dataclass(repr=False)
class TradedPortfolio(ResultsBase):
    """Daily record of an event-driven portfolio that trades at closes and pays costs (:func:`traded_portfolio`).

    ``returns`` holds, per trading day: ``gross`` (the positions' return), ``cost`` (of the trades made at the
    previous close), ``net`` (gross - cost), ``rf`` (risk-free return, 0 without factors), ``excess`` (net in
    excess of the risk-free rate on the capital at risk), ``turnover`` (sum of absolute weight changes traded
    at the previous close), ``n_positions`` and ``invested`` (the day held a position or paid a trade).

    Examples
    --------
    >>> import insider_kit as ik
    >>> from insider_kit.eventstudy.calendar import traded_portfolio
    >>> study = ik.load_study("sample")
    >>> p = traded_portfolio(study.events[study.events["direction"] == "buy"], study.panel, horizon=20)
    >>> p.returns.columns.tolist()[:3]
    ['gross', 'cost', 'net']
    """

    _percent = ("ann_return_gross", "ann_return_net", "ann_vol", "max_drawdown", "alpha_annual",
                "alpha_ci_low", "alpha_ci_high", "invested_share")
    _count = ("n_events", "n_days")
    _stat = ("sharpe", "turnover_annual", "avg_positions", "alpha_t_nw")
    _pvalue = ("alpha_p",)
    _title = "Traded portfolio"

    returns: pd.DataFrame
    stats: dict[str, float]
    side: int
    horizon: int
    cost_bps: float
    model: str

    def summary(self) -> pd.DataFrame:
        """The portfolio's statistics as one row."""
        return pd.DataFrame([self.stats], index=pd.Index(["portfolio"]))

    def _head(self) -> str:
        return (f"{'long' if self.side > 0 else 'short'}, held {self.horizon} trading days from the first close "
                f"after the filing was public, {self.cost_bps:g} bp per unit traded; alpha vs {self.model} "
                "(Newey-West)")

    def cumulative(self) -> pd.Series:
        """Growth of 1 invested (net of costs; cash earns nothing on days without a position)."""
        return (1.0 + self.returns["net"]).cumprod().rename("cumulative")

    def drawdown(self) -> pd.Series:
        """Fall from the running peak of :meth:`cumulative`."""
        c = self.cumulative()
        return (c / c.cummax() - 1.0).rename("drawdown")

    def plot(self, ax: Axes | None = None) -> Axes:
        """Cumulative net return (:func:`insider_kit.plots.plot_cumulative`); its drawdown below it
        (:func:`insider_kit.plots.plot_drawdown`) when no *ax* is given."""
        from ..plots import plot_cumulative, plot_drawdown, two_panels

        cum, dd = self.cumulative().to_frame("portfolio"), self.drawdown().to_frame("portfolio")
        if ax is not None:
            return plot_cumulative(cum, ax=ax)
        top, bottom = two_panels()
        plot_drawdown(dd, ax=bottom)
        return plot_cumulative(cum, ax=top)


def held_weights(events: pd.DataFrame, panel: ReturnsPanel, *, horizon: int, entry_lag: int = 0,
                 date_col: str = "date", ticker_col: str = "ticker") -> np.ndarray:
    """The portfolio's target weights, dates x tickers: each event's firm is held from the close of day
    ``day0 + entry_lag`` (bought there, so it earns the returns of days ``day0 + entry_lag + 1`` ..
    ``day0 + entry_lag + horizon``), equal weights over the firms held each day (a firm held through two
    events counts once).

    Parameters
    ----------
    events
        Events with a ticker and a date (day 0: the first trading day on or after the date).
    panel
        The returns panel.
    horizon
        Trading days held.
    entry_lag
        Trading days after day 0 at whose close the position is bought (0: day 0's close).
    date_col, ticker_col
        The events' column names.

    Returns
    -------
    numpy.ndarray
        ``(n_dates, n_tickers)`` weights summing to 1 on days with a position, 0 otherwise.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> w = held_weights(study.events.head(50), study.panel, horizon=5)
    >>> bool(np.allclose(w.sum(axis=1)[w.sum(axis=1) > 0], 1.0))
    True
    """
    if horizon < 1 or entry_lag < 0:
        raise DataError(f"a portfolio needs horizon >= 1 and entry_lag >= 0, got {horizon} and {entry_lag}")
    T, N = panel.values.shape
    col = pd.Series(np.arange(N), index=panel.tickers.astype(str))
    col = col[~col.index.duplicated()]
    j = events[ticker_col].astype(str).map(col)
    d0 = day_index(panel.dates, events[date_col])
    ok = j.notna().to_numpy() & (d0 + entry_lag + 1 < T)
    jj = j.to_numpy(float)[ok].astype(np.int64)
    start = d0[ok] + entry_lag + 1
    stop = np.minimum(start + horizon, T)
    H = np.zeros((T + 1, N), dtype=np.int32)
    np.add.at(H, (start, jj), 1)
    np.add.at(H, (stop, jj), -1)
    held = (np.cumsum(H, axis=0)[:T] > 0).astype(float)
    n = held.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, held / n, 0.0)


def corwin_schultz_spread(high: pd.DataFrame, low: pd.DataFrame, *, days: int = 21) -> pd.DataFrame:
    r"""Bid-ask spread estimated from daily highs and lows (Corwin & Schultz 2012), averaged over *days*.

    Parameters
    ----------
    high, low
        Daily high and low prices, dates x tickers (same labels).
    days
        The rolling window (trading days) over which the two-day estimates are averaged (negative ones set
        to zero first, as Corwin & Schultz do).

    Returns
    -------
    pandas.DataFrame
        The estimated proportional spread (full spread: half of it is paid on each trade), dates x tickers,
        known at each day's close (it uses that day and the day before).

    Notes
    -----
    For two consecutive days, with :math:`\beta = \sum_{j=0}^{1} \ln(H_{t+j}/L_{t+j})^2` and
    :math:`\gamma = \ln(H_{t,t+1}/L_{t,t+1})^2` (the two days' highest high and lowest low),
    :math:`\alpha = \frac{\sqrt{2\beta} - \sqrt{\beta}}{3 - 2\sqrt2} - \sqrt{\frac{\gamma}{3 - 2\sqrt2}}` and
    :math:`S = \frac{2(e^\alpha - 1)}{1 + e^\alpha}` (Corwin & Schultz 2012, J. Finance 67, eq. 14; the
    overnight-return adjustment of their section II is not applied).

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=3)
    >>> hi = pd.DataFrame({"A": [10.1, 10.2, 10.15]}, index=idx)
    >>> lo = pd.DataFrame({"A": [9.9, 10.0, 9.95]}, index=idx)
    >>> s = corwin_schultz_spread(hi, lo, days=2)
    >>> bool(0 <= s["A"].iloc[-1] < 0.05)
    True
    """
    if days < 1:
        raise DataError(f"the spread's window needs at least one day, got {days}")
    if not (high.index.equals(low.index) and high.columns.equals(low.columns)):
        raise DataError("highs and lows must have the same dates and tickers")
    H, L = high.to_numpy(float), low.to_numpy(float)
    nan = np.full((1, H.shape[1]), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        lh2 = np.log(H / L) ** 2
        beta = lh2 + np.vstack([nan, lh2[:-1]])
        gamma = np.log(np.maximum(H, np.vstack([nan, H[:-1]])) / np.minimum(L, np.vstack([nan, L[:-1]]))) ** 2
        k = 3.0 - 2.0 * np.sqrt(2.0)
        alpha = (np.sqrt(2.0 * beta) - np.sqrt(beta)) / k - np.sqrt(gamma / k)
        s = 2.0 * (np.exp(alpha) - 1.0) / (1.0 + np.exp(alpha))
    two_day = pd.DataFrame(np.where(np.isnan(s), np.nan, np.maximum(s, 0.0)), index=high.index, columns=high.columns)
    return two_day.rolling(days, min_periods=max(1, days // 2)).mean()


# long: the trading arithmetic (drift, turnover, costs) and the statistics, each step named for the test's loop
def traded_portfolio(events: pd.DataFrame, panel: ReturnsPanel, *, horizon: int = 20, side: Side = 1,
                     cost_bps: float = 10.0, half_spread: pd.DataFrame | None = None, entry_lag: int = 0,
                     model: Literal["market", "ff3", "carhart"] = "ff3", lags: int = 5,
                     periods_per_year: int = 252) -> TradedPortfolio:
    r"""An investor's portfolio of *events*: bought (or sold short) at the first close after each filing
    became public, held *horizon* trading days, equal-weighted and rebalanced daily, paying costs on every
    trade; its daily net returns, turnover, cumulative return, drawdown and factor alpha.

    Parameters
    ----------
    events
        Events whose ``date`` is the day the filing became public (the kit's events: the acceptance-time rule
        of :func:`insider_kit.days.public_date` moves a filing accepted after 16:00 to the next day, so day 0's
        close comes after the filing was public).
    panel
        The returns panel (factors needed for ``ff3``/``carhart``; the market for ``market``).
    horizon
        Trading days each position is held.
    side
        ``1`` long, ``-1`` short (a short earns the risk-free rate on its proceeds; borrowing fees are not
        charged).
    cost_bps
        Cost per unit of value traded, in basis points (commission and impact), paid on buys and sells.
    half_spread
        Optional proportional half-spread per day and ticker (e.g. half of :func:`corwin_schultz_spread`),
        added to the cost of trading that ticker at that day's close.
    entry_lag
        Extra trading days after day 0 before buying (0: buy at day 0's close).
    model
        Factor model of the alpha: ``market``, ``ff3`` or ``carhart``.
    lags
        Newey-West lags of the alpha's standard error.
    periods_per_year
        Trading days per year (annualisation).

    Returns
    -------
    TradedPortfolio
        Daily ``returns`` and ``stats``: ``n_events``, ``avg_positions``, ``invested_share`` (share of days
        with a position), ``ann_return_gross`` and ``ann_return_net`` (compounded over every day of the panel,
        cash days earning nothing), ``ann_vol`` and ``sharpe`` (of the days invested), ``max_drawdown``,
        ``turnover_annual``, ``alpha_annual`` (the daily alpha of the days invested times
        *periods_per_year*: what the strategy earns per year while it holds positions) with its CI,
        ``alpha_t_nw``, ``alpha_p``, ``n_days`` (days in the regression).

    Notes
    -----
    Weights :math:`w_t` (:func:`held_weights`) are set at the close of day *t* - 1 and earn day *t*'s returns:
    gross :math:`g_t = s \sum_i w_{it} r_{it}` (a missing return counts as zero: the position is carried
    flat).  Before trading, the weights have drifted to :math:`\tilde w_{i,t-1} = w_{i,t-1}(1 + r_{i,t-1}) /
    (1 + \sum_j w_{j,t-1} r_{j,t-1})`; the trade is :math:`|w_{it} - \tilde w_{i,t-1}|` per ticker
    (entering from cash or leaving to cash included), turnover its sum, and its cost
    :math:`c_t = \sum_i (\text{cost\_bps}/10^4 + hs_{i,t-1}) |w_{it} - \tilde w_{i,t-1}|`, charged to day *t*:
    net :math:`= g_t - c_t`.  The alpha is the intercept of the net return in excess of the risk-free rate
    (:math:`s (\sum_i w_{it} r_{it} - r_{ft}) - c_t` on days with a position or a trade) on the factors, with
    :func:`~insider_kit.eventstudy.regression.hac_ols` (Newey & West 1987) standard errors.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> buys = study.events[study.events["direction"] == "buy"]
    >>> free = traded_portfolio(buys, study.panel, horizon=20, cost_bps=0.0)
    >>> paid = traded_portfolio(buys, study.panel, horizon=20, cost_bps=25.0)
    >>> bool(paid.stats["ann_return_net"] < free.stats["ann_return_net"])
    True
    """
    from .regression import hac_ols

    if side not in (1, -1):
        raise DataError(f"side must be 1 (long) or -1 (short), got {side!r}")
    if cost_bps < 0:
        raise DataError(f"cost_bps must be >= 0, got {cost_bps}")
    W = held_weights(events, panel, horizon=horizon, entry_lag=entry_lag)
    R = np.nan_to_num(panel.values, nan=0.0)
    T = len(W)
    port = (W * R).sum(axis=1)  # the positions' (long) return on each day
    drift = np.zeros_like(W)
    with np.errstate(invalid="ignore", divide="ignore"):
        drift[1:] = np.where((1.0 + port[:-1, None]) != 0, W[:-1] * (1.0 + R[:-1]) / (1.0 + port[:-1, None]), 0.0)
    trade = np.abs(W - drift)
    unit = np.full((T, W.shape[1]), cost_bps / 1e4)
    if half_spread is not None:
        hs = half_spread.reindex(index=panel.dates, columns=panel.tickers).to_numpy(float)
        unit[1:] += np.nan_to_num(hs[:-1], nan=0.0)  # the spread at the close the trade is made
    cost = (unit * trade).sum(axis=1)
    gross = side * port
    net = gross - cost
    F = panel.factors
    rf = F["rf"].to_numpy(float) if F is not None and "rf" in F.columns else np.zeros(T)
    rf = np.nan_to_num(rf, nan=0.0)
    npos = (W > 0).sum(axis=1)
    invested = (npos > 0) | (cost > 0)
    excess = side * (port - rf * (npos > 0)) - cost
    out = pd.DataFrame({"gross": gross, "cost": cost, "net": net, "rf": rf, "excess": excess,
                        "turnover": trade.sum(axis=1), "n_positions": npos, "invested": invested},
                       index=panel.dates)
    stats: dict[str, float] = {"n_events": float(len(events)), "avg_positions": float(npos[npos > 0].mean())
                               if (npos > 0).any() else 0.0, "invested_share": float((npos > 0).mean())}
    days = out[invested]
    years = len(out) / periods_per_year
    cum = float(np.prod(1.0 + net))
    stats["ann_return_gross"] = float(np.prod(1.0 + gross) ** (1 / years) - 1) if years > 0 else np.nan
    stats["ann_return_net"] = float(cum ** (1 / years) - 1) if years > 0 and cum > 0 else np.nan
    vol = float(days["net"].std(ddof=1) * np.sqrt(periods_per_year)) if len(days) > 1 else np.nan
    stats["ann_vol"] = vol
    stats["sharpe"] = float(days["excess"].mean() * periods_per_year / vol) if vol and np.isfinite(vol) else np.nan
    c = np.cumprod(1.0 + net)
    stats["max_drawdown"] = float((c / np.maximum.accumulate(c) - 1.0).min()) if len(c) else np.nan
    stats["turnover_annual"] = float(out["turnover"].sum() / years) if years > 0 else np.nan
    X = _factor_frame(panel, model)
    d = pd.concat([days["excess"].rename("y"), X.loc[days.index]], axis=1).dropna()
    if len(d) >= 30:
        fit = hac_ols(d["y"].to_numpy(), d.drop(columns="y").assign(const=1.0)[["const", *X.columns]], lags=lags)
        a, se = float(fit.params["const"]), float(fit.bse["const"])
        stats |= {"alpha_annual": a * periods_per_year, "alpha_ci_low": (a - 1.96 * se) * periods_per_year,
                  "alpha_ci_high": (a + 1.96 * se) * periods_per_year, "alpha_t_nw": float(fit.tvalues["const"]),
                  "alpha_p": float(fit.pvalues["const"]), "n_days": float(len(d))}
    else:
        stats |= {"alpha_annual": np.nan, "alpha_ci_low": np.nan, "alpha_ci_high": np.nan, "alpha_t_nw": np.nan,
                  "alpha_p": np.nan, "n_days": float(len(d))}
    return TradedPortfolio(out, stats, int(side), horizon, float(cost_bps), model)


def _factor_frame(panel: ReturnsPanel, model: str) -> pd.DataFrame:
    """The factor columns of *model* on the panel's dates (the market in excess of rf for ``market``)."""
    F = panel.factors
    if model == "market":
        if panel.market is None:
            raise DataError("model 'market' needs a market series in the returns panel")
        rf = F["rf"].to_numpy(float) if F is not None and "rf" in F.columns else 0.0
        return pd.DataFrame({"mkt_rf": panel.market - rf}, index=panel.dates)
    need = _FACT.get(model)
    if need is None:
        raise DataError(f"unknown model {model!r}; choose market, ff3 or carhart")
    if F is None or not set(need) <= set(F.columns):
        raise DataError(f"model {model!r} needs factors {need} in the returns panel",
                        hint="load_factors(...) and returns_panel(..., factors=...)")
    return F.loc[:, list(need)].set_axis(panel.dates)
