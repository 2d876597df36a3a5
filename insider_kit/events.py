"""From tidy transactions to events: one per issuer, day 0 and direction.

Default: open-market trades (``P`` purchases, ``S`` sales) aggregated by
issuer and event date; the event date is the filing date (what an outside
investor could act on) or, optionally, the transaction date.  With
``date="filing"``, a filing accepted after 16:00 New York time has the next
calendar day as its event date, so day 0 (the first trading day on or after
the event date) is the next trading day.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = ["build_events"]


def build_events(transactions: pd.DataFrame, *, date: Literal["filing", "trade"] = "filing",
                 codes: tuple[str, ...] = ("P", "S"), nonderivative_only: bool = True) -> pd.DataFrame:
    """Aggregate transactions into firm-day events.

    Returns
    -------
    pandas.DataFrame
        ``ticker, issuer_cik, date, direction ('buy'/'sell'), n_insiders, n_trades, shares, value,
        plan_share, top_exec, first_trade_date, last_filing_date``; rows without a ticker are
        left out and counted in ``attrs['no_ticker']``.
    """
    need = {"ticker", "issuer_cik", "trans_code", "filing_date", "trans_date", "shares", "acquired_disposed"}
    missing = need - set(transactions.columns)
    if missing:
        raise DataError(f"transactions lack column(s) {sorted(missing)}")
    tx = transactions[transactions["trans_code"].isin(codes)]
    if nonderivative_only and "table" in tx.columns:
        tx = tx[tx["table"].astype(str) == "nonderivative"]
    no_ticker = int(tx["ticker"].isna().sum())
    tx = tx[tx["ticker"].notna()].copy()
    if date == "filing":
        d = tx["filing_date"]
        if "accepted_at" in tx.columns:
            acc = tx["accepted_at"]
            after = acc.notna() & (acc.dt.hour >= 16)
            d = d.where(~after.to_numpy(), d + pd.Timedelta(days=1))
        tx["date"] = d
    else:
        tx["date"] = tx["trans_date"]
    signed = np.where(tx["acquired_disposed"].astype(str) == "A", 1.0, -1.0) * tx["shares"].fillna(0).to_numpy()
    tx["signed_shares"] = signed
    tx["value_f"] = tx["value"].fillna(0.0) if "value" in tx.columns else 0.0
    tx["plan_shares"] = np.where(tx.get("plan_10b5_1", pd.Series(False, index=tx.index)).fillna(False).astype(bool),
                                 tx["shares"].fillna(0), 0.0)
    tx["top"] = tx["role"].astype(str).isin(["CEO", "CFO"]) if "role" in tx.columns else False
    g = tx.groupby(["ticker", "issuer_cik", "date"], observed=True, sort=True)
    ev = g.agg(net_shares=("signed_shares", "sum"), shares=("shares", "sum"), value=("value_f", "sum"),
               plan_shares=("plan_shares", "sum"), n_trades=("trans_code", "size"),
               n_insiders=("owner_cik", "nunique"), top_exec=("top", "any"),
               first_trade_date=("trans_date", "min"), last_filing_date=("filing_date", "max")).reset_index()
    ev = ev[ev["net_shares"] != 0].copy()
    ev["direction"] = np.where(ev["net_shares"] > 0, "buy", "sell")
    with np.errstate(invalid="ignore", divide="ignore"):
        ev["plan_share"] = ev["plan_shares"] / ev["shares"]
    ev = ev.drop(columns=["plan_shares"]).reset_index(drop=True)
    ev.attrs["no_ticker"] = no_ticker
    return ev
