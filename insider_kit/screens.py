"""The screens a trader opens: cluster buys, large purchases, dip buys, and net insider sales since a date.

The screens use the same event definitions as the event studies (see
:mod:`insider_kit.signals`), so a notebook can put each screen's latest hits
beside its historical performance (:func:`screen_flags` marks every past event).
Each returns a ranked table with the evidence columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from .errors import DataError
from .eventstudy.results import ResultsBase
from .prices.panel import ReturnsPanel
from .signals import trade_table
from .tables import display_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .eventstudy.calendar import TradedPortfolio

__all__ = ["SEED_SCREENS", "ScreenPortfolios", "cluster_buys", "company_insiders", "dip_buys", "large_purchases",
           "net_insider_sales", "screen_flags", "screen_portfolios", "screen_record", "screen_sensitivity"]

_EVIDENCE = ["ticker", "issuer_name", "date", "n_insiders", "roles", "top_role", "shares", "value", "price"]


def _since(events: pd.DataFrame, since: str | pd.Timestamp | None) -> pd.DataFrame:
    need = {"ticker", "date", "direction"}
    if not need <= set(events.columns):
        raise DataError(f"events lack column(s) {sorted(need - set(events.columns))}",
                        hint="build them with insider_kit.build_events(transactions, panel)")
    ev = events[events["direction"] == "buy"]
    if since is not None:
        ev = ev[pd.to_datetime(ev["date"]) >= pd.Timestamp(since)]
    return ev


def _cols(ev: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
    return display_frame(ev[[c for c in _EVIDENCE + extra if c in ev.columns]].reset_index(drop=True))


def screen_flags(events: pd.DataFrame, *, min_value: float = 100_000.0) -> pd.DataFrame:
    """Boolean columns ``cluster_buy``, ``large_purchase``, ``dip_buy`` for every event (for back-tests).

    Parameters
    ----------
    events
        Events with signals (:func:`insider_kit.build_events`); a missing ``cluster`` or ``dip`` column flags
        nothing for that screen.
    min_value
        The large-purchase threshold (dollars).

    Returns
    -------
    pandas.DataFrame
        Three boolean columns on *events*' index (sales are never flagged).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> flags = screen_flags(study.events)
    >>> flags.columns.tolist()
    ['cluster_buy', 'large_purchase', 'dip_buy']
    >>> bool((study.events.loc[flags["large_purchase"], "value"] >= 100_000).all())
    True
    """
    buy = events["direction"] == "buy"
    out = pd.DataFrame(index=events.index)
    out["cluster_buy"] = buy & events.get("cluster", pd.Series(False, index=events.index)).astype(bool)
    out["large_purchase"] = buy & (events["value"] >= min_value)
    out["dip_buy"] = buy & events.get("dip", pd.Series(False, index=events.index)).astype(bool)
    return out


def cluster_buys(events: pd.DataFrame, since: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Purchases made while at least ``cluster_k`` insiders of the issuer were buying, most insiders first.

    Parameters
    ----------
    events
        Events with signals (:func:`insider_kit.build_events`).
    since
        Only events on or after this date.

    Returns
    -------
    pandas.DataFrame
        The evidence columns (ticker, issuer, date, insiders, roles, shares, value, price) and ``n_cluster``,
        ``cluster_first``, ``runup``, ``drawdown``.

    Raises
    ------
    DataError
        When *events* have no cluster signal.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> hits = cluster_buys(study.events, since="2020-01-01")
    >>> hits.columns[-4:].tolist()
    ['n_cluster', 'cluster_first', 'runup', 'drawdown']
    """
    if "n_cluster" not in events.columns:
        raise DataError("events have no cluster signal", hint="build them with insider_kit.build_events")
    ev = _since(events, since)
    ev = ev[ev["cluster"].astype(bool)].sort_values(["n_cluster", "value"], ascending=[False, False])
    return _cols(ev, ["n_cluster", "cluster_first", "runup", "drawdown"])


def large_purchases(events: pd.DataFrame, since: str | pd.Timestamp | None = None, *,
                    min_value: float = 100_000.0) -> pd.DataFrame:
    """Purchases of at least *min_value* dollars, largest relative to market value first (else largest value).

    Parameters
    ----------
    events
        Events with signals (:func:`insider_kit.build_events`).
    since
        Only events on or after this date.
    min_value
        The threshold in dollars.

    Returns
    -------
    pandas.DataFrame
        The evidence columns and ``value_to_mcap``, ``mcap``, ``top_exec``, ``routine_class``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> hits = large_purchases(study.events, min_value=250_000)
    >>> bool((hits["value"] >= 250_000).all())
    True
    """
    ev = _since(events, since)
    ev = ev[ev["value"] >= min_value]
    key = "value_to_mcap" if "value_to_mcap" in ev.columns and ev["value_to_mcap"].notna().any() else "value"
    return _cols(ev.sort_values(key, ascending=False), ["value_to_mcap", "mcap", "top_exec", "routine_class"])


def dip_buys(events: pd.DataFrame, since: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Purchases after a drawdown (``dip`` signal), deepest drawdown first.

    Parameters
    ----------
    events
        Events with signals built with a returns panel.
    since
        Only events on or after this date.

    Returns
    -------
    pandas.DataFrame
        The evidence columns and ``drawdown``, ``runup``, ``cluster``.

    Raises
    ------
    DataError
        When *events* have no dip signal (built without prices).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> hits = dip_buys(study.events)
    >>> bool(hits["drawdown"].is_monotonic_increasing)
    True
    """
    if "dip" not in events.columns:
        raise DataError("events have no dip signal", hint="build them with a returns panel: build_events(tx, panel)")
    ev = _since(events, since)
    ev = ev[ev["dip"].astype(bool)].sort_values("drawdown")
    return _cols(ev, ["drawdown", "runup", "cluster"])


def net_insider_sales(transactions: pd.DataFrame, prices: pd.DataFrame, start: str | pd.Timestamp,
                      end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Net open-market insider sales in dollars per stock since *start*, beside the stock's return since then.

    Trades count by public date in ``[start, end]``; the return runs from the last adjusted
    close on or before *start* to the last one on or before *end* (NaN without prices).  The two are
    contemporaneous: the table describes, it does not forecast.

    Parameters
    ----------
    transactions
        Tidy transactions.
    prices
        Adjusted closes, one column per ticker.
    start, end
        The period (*end* None: to the last price).

    Returns
    -------
    pandas.DataFrame
        One row per ticker, most net selling first: ``net_sales_usd``, ``sales_usd``, ``purchases_usd``,
        ``n_sellers``, ``n_buyers``, ``return_since``, ``last_filing``.

    Raises
    ------
    DataError
        When no open-market trade was made public in the period.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> ns = net_insider_sales(study.transactions, study.prices, "2021-01-01")
    >>> bool((ns["net_sales_usd"] == ns["sales_usd"] - ns["purchases_usd"]).all())
    True
    """
    start = pd.Timestamp(start)
    end = pd.Timestamp(end) if end is not None else None
    t = trade_table(transactions, codes=("P", "S"))
    if len(t) and t["public_date"].isna().all():
        raise DataError("no trade has a public (filing) date: net insider sales since a date count trades from the "
                        "day they became public", hint="import the trades with their filing dates")
    t = t[t["ticker"].notna() & (t["public_date"] >= start)]
    if end is not None:
        t = t[t["public_date"] <= end]
    if t.empty:
        raise DataError(f"no open-market insider trades made public since {start:%Y-%m-%d}")
    t = t.assign(sale=np.where(t["trans_code"] == "S", t["value"].fillna(0.0), 0.0),
                 purchase=np.where(t["trans_code"] == "P", t["value"].fillna(0.0), 0.0),
                 seller=t["owner_cik"].where(t["trans_code"] == "S"), buyer=t["owner_cik"].where(t["trans_code"] == "P"))
    g = t.groupby("ticker", observed=True).agg(issuer_name=("issuer_name", "first"), sales_usd=("sale", "sum"),
                                               purchases_usd=("purchase", "sum"), n_sellers=("seller", "nunique"),
                                               n_buyers=("buyer", "nunique"), last_filing=("public_date", "max"))
    g["net_sales_usd"] = g["sales_usd"] - g["purchases_usd"]
    px = prices.sort_index()
    p0 = px[px.index <= start].ffill().iloc[-1] if (px.index <= start).any() else pd.Series(np.nan, index=px.columns)
    px_end = px if end is None else px[px.index <= end]
    p1 = px_end.ffill().iloc[-1] if len(px_end) else pd.Series(np.nan, index=px.columns)
    ret = (p1 / p0 - 1.0).rename("return_since")
    g = g.join(ret, how="left")
    g = g.sort_values("net_sales_usd", ascending=False).reset_index()
    cols = ["ticker", "issuer_name", "net_sales_usd", "sales_usd", "purchases_usd", "n_sellers", "n_buyers",
            "return_since", "last_filing"]
    return display_frame(g[cols])


def screen_record(events: pd.DataFrame, panel: ReturnsPanel, *, min_value: float = 100_000.0,
                  model: str = "market_adjusted", windows: tuple[tuple[int, int], ...] = ((0, 20), (0, 60)),
                  min_estimation: int = 60) -> pd.DataFrame:
    """How each screen did historically: every past purchase it flagged against the other purchases.

    Parameters
    ----------
    events
        Events with signals (:func:`insider_kit.build_events`).
    panel
        The returns panel.
    min_value
        The large-purchase threshold (dollars).
    model, windows, min_estimation
        Passed to :func:`insider_kit.event_study`.

    Returns
    -------
    pandas.DataFrame
        One row per screen and CAR window: ``n``, ``mean_car`` with its 95% CI, ``t_cs``, and the other
        purchases' mean CAR for comparison.  A screen that flagged nothing has no rows.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> rec = screen_record(study.events, study.panel, windows=((0, 20),))
    >>> rec.columns.tolist()
    ['n', 'mean_car', 'ci_low', 'ci_high', 't_cs', 'other_purchases_mean_car']
    """
    from .eventstudy import event_study

    flags = screen_flags(events, min_value=min_value)
    buys = events[events["direction"] == "buy"]
    if buys.empty:
        raise DataError("no purchase events to back-test the screens on")
    rows = []
    w = (min(-5, min(a for a, _ in windows)), max(b for _, b in windows))
    for name in flags.columns:
        hit = flags.loc[buys.index, name].to_numpy(bool)
        if not hit.any():
            continue
        e = buys.assign(_screen=np.where(hit, name, "other purchases"))
        r = event_study(e, panel, model=model, group="_screen", window=w, car_windows=list(windows),  # type: ignore[arg-type]
                        min_estimation=min_estimation, max_loss=0.9)
        t = r.tests
        for (a, b) in windows:
            if (name, a, b) not in t.index:
                continue
            row = t.loc[(name, a, b)].to_dict()  # type: ignore[index]
            other = t.loc[("other purchases", a, b), "mean_car"] if ("other purchases", a, b) in t.index else np.nan
            rows.append({"screen": name, "start": a, "end": b, "n": int(row["n"]), "mean_car": row["mean_car"],
                         "ci_low": row["ci_low"], "ci_high": row["ci_high"], "t_cs": row["t_cs"],
                         "other_purchases_mean_car": other})
    return display_frame(pd.DataFrame(rows).set_index(["screen", "start", "end"]) if rows else pd.DataFrame(
        columns=["n", "mean_car", "ci_low", "ci_high", "t_cs", "other_purchases_mean_car"]))


def company_insiders(transactions: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """One company's insiders: their open-market purchases and sales, dollars, first and last trade, and the
    share of their trades the Cohen-Malloy-Pomorski rule classifies as routine (point in time).

    Parameters
    ----------
    transactions
        Tidy transactions (all issuers: the routine rule needs each insider's whole history).
    ticker
        The company.

    Returns
    -------
    pandas.DataFrame
        One row per insider and role, most dollars first: ``purchases``, ``sales``, ``dollars``, ``first``,
        ``last``, ``routine_share``.

    Raises
    ------
    NotFoundError
        The ticker has no open-market insider trades.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> tab = company_insiders(study.transactions, study.events["ticker"].iloc[0])
    >>> tab.index.names
    FrozenList(['owner_name', 'role'])
    """
    from .errors import NotFoundError
    from .signals import routine_class

    allt = trade_table(transactions)
    t = allt[allt["ticker"].astype("string") == ticker]
    if t.empty:
        raise NotFoundError(f"no open-market insider trades for ticker {ticker!r}")
    t = t.assign(routine=routine_class(t, allt).eq("routine"), is_p=t["trans_code"].eq("P"),
                 is_s=t["trans_code"].eq("S"))
    out = t.groupby(["owner_name", "role"], observed=True).agg(
        purchases=("is_p", "sum"), sales=("is_s", "sum"), dollars=("value", "sum"), first=("trans_date", "min"),
        last=("trans_date", "max"), routine_share=("routine", "mean"))
    return display_frame(out.sort_values("dollars", ascending=False))


#: The seed screens an investor would trade, each with its side: the three purchase screens long, heavy net
#: selling (sales of at least ``heavy_sell_value`` dollars) short.
SEED_SCREENS: dict[str, int] = {"cluster_buy": 1, "large_purchase": 1, "dip_buy": 1, "heavy_selling": -1}


def _screen_events(events: pd.DataFrame, min_value: float, heavy_sell_value: float) -> dict[str, pd.DataFrame]:
    flags = screen_flags(events, min_value=min_value)
    sell = (events["direction"] == "sell").to_numpy()
    flags["heavy_selling"] = sell & (events["value"] >= heavy_sell_value).to_numpy()
    return {name: events[flags[name].to_numpy(bool)] for name in SEED_SCREENS}


@dataclass(repr=False)
class ScreenPortfolios(ResultsBase):
    """The seed screens traded as portfolios (:func:`screen_portfolios`): ``portfolios`` by screen, their
    ``summary()`` (one row per screen), ``cumulative()`` and ``drawdown()`` (dates x screens) and ``plot()``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> from insider_kit.screens import screen_portfolios
    >>> study = ik.load_study("sample")
    >>> sp = screen_portfolios(study.events, study.panel, horizon=20)
    >>> set(sp.summary().index) <= {'cluster_buy', 'large_purchase', 'dip_buy', 'heavy_selling'}
    True
    """

    _percent = ("ann_return_gross", "ann_return_net", "ann_vol", "max_drawdown", "alpha_annual",
                "alpha_ci_low", "alpha_ci_high", "invested_share")
    _count = ("n_events", "n_days")
    _stat = ("sharpe", "turnover_annual", "avg_positions", "alpha_t_nw")
    _pvalue = ("alpha_p",)
    _title = "Screens as portfolios"

    portfolios: dict[str, TradedPortfolio]
    horizon: int
    cost_bps: float
    model: str
    meta: dict[str, object] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per screen: side, events, positions, gross and net annual return, volatility, Sharpe,
        maximum drawdown, annual turnover and the factor alpha with its Newey-West t."""
        rows = {k: {"side": "long" if p.side > 0 else "short"} | p.stats for k, p in self.portfolios.items()}
        out = pd.DataFrame(rows).T
        out.index.name = "screen"
        return out

    def _head(self) -> str:
        return (f"bought (short for selling) at the first close after the filing was public, held {self.horizon} "
                f"trading days, {self.cost_bps:g} bp per unit traded; alpha vs {self.model} with Newey-West errors")

    def cumulative(self) -> pd.DataFrame:
        """Growth of 1 invested in each screen (net of costs), dates x screens."""
        return pd.DataFrame({k: p.cumulative() for k, p in self.portfolios.items()})

    def drawdown(self) -> pd.DataFrame:
        """Drawdown of each screen from its running peak, dates x screens."""
        return pd.DataFrame({k: p.drawdown() for k, p in self.portfolios.items()})

    def plot(self, ax: Axes | None = None) -> Axes:
        """Cumulative return (and, without *ax*, drawdown below it) of every screen."""
        from .plots import plot_cumulative, plot_drawdown, two_panels

        if ax is not None:
            return plot_cumulative(self.cumulative(), ax=ax)
        top, bottom = two_panels()
        plot_drawdown(self.drawdown(), ax=bottom)
        return plot_cumulative(self.cumulative(), ax=top)


def screen_portfolios(events: pd.DataFrame, panel: ReturnsPanel, *, horizon: int = 20, cost_bps: float = 10.0,
                      half_spread: pd.DataFrame | None = None, min_value: float = 100_000.0,
                      heavy_sell_value: float = 1_000_000.0, entry_lag: int = 0,
                      model: Literal["market", "ff3", "carhart"] = "ff3", lags: int = 5) -> ScreenPortfolios:
    """Each seed screen (:data:`SEED_SCREENS`) traded as a portfolio: what an investor could have earned.

    Parameters
    ----------
    events
        Events with signals (:func:`insider_kit.build_events`; ``date`` is the day the filing became public).
    panel
        The returns panel (with factors for ``ff3``/``carhart``).
    horizon
        Trading days each position is held.
    cost_bps
        Cost per unit of value traded (basis points), paid on every buy and sell.
    half_spread
        Optional proportional half-spread per day and ticker (half of
        :func:`insider_kit.eventstudy.calendar.corwin_schultz_spread` where the price files carry highs and
        lows), added to the cost.
    min_value
        The large-purchase threshold (dollars).
    heavy_sell_value
        The dollar value from which a sale event counts as heavy net selling (the short leg).
    entry_lag
        Extra trading days after day 0 before entering (0: day 0's close).
    model, lags
        The factor model of the alphas and the Newey-West lags.

    Returns
    -------
    ScreenPortfolios
        One :class:`~insider_kit.eventstudy.calendar.TradedPortfolio` per screen with events.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> sp = screen_portfolios(study.events, study.panel, horizon=20, cost_bps=10)
    >>> bool((sp.summary()["turnover_annual"] > 0).all())
    True
    """
    from .eventstudy.calendar import traded_portfolio

    out = {}
    for name, ev in _screen_events(events, min_value, heavy_sell_value).items():
        if ev.empty:
            continue
        out[name] = traded_portfolio(ev, panel, horizon=horizon, side=1 if SEED_SCREENS[name] > 0 else -1,
                                     cost_bps=cost_bps, half_spread=half_spread, entry_lag=entry_lag, model=model,
                                     lags=lags)
    if not out:
        raise DataError("no screen flagged any event: nothing to trade")
    return ScreenPortfolios(out, horizon, float(cost_bps), model)


def screen_sensitivity(events: pd.DataFrame, panel: ReturnsPanel, *, costs: tuple[float, ...] = (0.0, 10.0, 25.0, 50.0),
                       horizons: tuple[int, ...] = (5, 20, 60, 120), **kw: object) -> pd.DataFrame:
    """How each screen's portfolio fares across trading costs and holding periods.

    Parameters
    ----------
    events, panel
        As for :func:`screen_portfolios`.
    costs
        Costs per unit traded (basis points).
    horizons
        Holding periods (trading days).
    **kw
        Other options of :func:`screen_portfolios` (``half_spread``, ``model`` ...).

    Returns
    -------
    pandas.DataFrame
        Index ``(screen, horizon, cost_bps)``; columns ``ann_return_net``, ``sharpe``, ``max_drawdown``,
        ``turnover_annual``, ``alpha_annual``, ``alpha_t_nw``, ``alpha_p``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> tab = screen_sensitivity(study.events, study.panel, costs=(0.0, 25.0), horizons=(20,))
    >>> tab.index.names
    FrozenList(['screen', 'horizon', 'cost_bps'])
    """
    rows = []
    for h in horizons:
        for c in costs:
            sp = screen_portfolios(events, panel, horizon=h, cost_bps=c, **kw)  # type: ignore[arg-type]
            s = sp.summary()
            for name in s.index:
                rows.append({"screen": name, "horizon": h, "cost_bps": c} | s.loc[name].to_dict())
    cols = ["ann_return_net", "sharpe", "max_drawdown", "turnover_annual", "alpha_annual", "alpha_t_nw", "alpha_p"]
    return display_frame(pd.DataFrame(rows).set_index(["screen", "horizon", "cost_bps"])[cols].astype(float))
