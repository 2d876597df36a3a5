"""The screens a trader opens: cluster buys, large purchases, dip buys, and net insider sales since a date.

The screens use the same event definitions as the event studies (see
:mod:`insider_kit.signals`), so a notebook can put each screen's latest hits
beside its historical performance (:func:`screen_flags` marks every past event).
Each returns a ranked table with the evidence columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError
from .signals import trade_table

__all__ = ["cluster_buys", "dip_buys", "large_purchases", "net_insider_sales", "screen_flags"]

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
    return ev[[c for c in _EVIDENCE + extra if c in ev.columns]].reset_index(drop=True)


def screen_flags(events: pd.DataFrame, *, min_value: float = 100_000.0) -> pd.DataFrame:
    """Boolean columns ``cluster_buy``, ``large_purchase``, ``dip_buy`` for every event (for back-tests)."""
    buy = events["direction"] == "buy"
    out = pd.DataFrame(index=events.index)
    out["cluster_buy"] = buy & events.get("cluster", pd.Series(False, index=events.index)).astype(bool)
    out["large_purchase"] = buy & (events["value"] >= min_value)
    out["dip_buy"] = buy & events.get("dip", pd.Series(False, index=events.index)).astype(bool)
    return out


def cluster_buys(events: pd.DataFrame, since: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Purchases made while at least ``cluster_k`` insiders of the issuer were buying, most insiders first."""
    if "n_cluster" not in events.columns:
        raise DataError("events have no cluster signal", hint="build them with insider_kit.build_events")
    ev = _since(events, since)
    ev = ev[ev["cluster"].astype(bool)].sort_values(["n_cluster", "value"], ascending=[False, False])
    return _cols(ev, ["n_cluster", "cluster_first", "runup", "drawdown"])


def large_purchases(events: pd.DataFrame, since: str | pd.Timestamp | None = None, *,
                    min_value: float = 100_000.0) -> pd.DataFrame:
    """Purchases of at least *min_value* dollars, largest relative to market value first (else largest value)."""
    ev = _since(events, since)
    ev = ev[ev["value"] >= min_value]
    key = "value_to_mcap" if "value_to_mcap" in ev.columns and ev["value_to_mcap"].notna().any() else "value"
    return _cols(ev.sort_values(key, ascending=False), ["value_to_mcap", "mcap", "top_exec", "routine_class"])


def dip_buys(events: pd.DataFrame, since: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Purchases after a drawdown (``dip`` signal), deepest drawdown first."""
    if "dip" not in events.columns:
        raise DataError("events have no dip signal", hint="build them with a returns panel: build_events(tx, panel)")
    ev = _since(events, since)
    ev = ev[ev["dip"].astype(bool)].sort_values("drawdown")
    return _cols(ev, ["drawdown", "runup", "cluster"])


def net_insider_sales(transactions: pd.DataFrame, prices: pd.DataFrame, start: str | pd.Timestamp,
                      end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Net open-market insider sales in dollars per stock since *start*, beside the stock's return since then.

    Trades count by public date in ``[start, end]``; the return runs from the last adjusted
    close on or before *start* to the last one on or before *end* (NaN without prices).
    """
    start = pd.Timestamp(start)
    end = pd.Timestamp(end) if end is not None else None
    t = trade_table(transactions, codes=("P", "S"))
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
    return g[cols]
