"""Market-wide insider activity: the monthly net purchase ratio beside past and forward market returns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..tables import display_frame
from .trades import TRADE_INPUTS, trade_table

__all__ = ["forward_returns_by_quintile", "net_purchase_ratio"]


def net_purchase_ratio(tx: pd.DataFrame, market: pd.Series, *, horizons: tuple[int, ...] = (1, 3, 6, 12),
                       past: int = 6) -> pd.DataFrame:
    """Monthly market-wide net purchase ratio with past and forward market returns.

    ``npr_count = purchases / (purchases + sales)`` over open-market trades (one per
    owner, issuer, transaction day and code) made public in the month (public date);
    ``npr_value`` the same in dollars.  ``fwd_{h}m`` is the compounded market return from
    the end of the month to the end of month +h (NaN when the data end earlier);
    ``past_{past}m`` the return over the *past* months up to the end of the month.
    Point-in-time: a month's ratio uses only filings public in that month, and its forward
    returns start after it.

    Parameters
    ----------
    tx
        Tidy transactions (:func:`insider_kit.load_transactions`).
    market
        Daily market returns (a Series on trading days).
    horizons
        Forward horizons in months.
    past
        Months of the past market return.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``n_purchases, n_sales, npr_count, npr_value, past_{past}m, fwd_{h}m``.

    Notes
    -----
    Lakonishok & Lee (2001), "Are Insider Trades Informative?", RFS 14, and Seyhun (1988): aggregate
    insider buying is followed by higher market returns.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> npr = ik.net_purchase_ratio(study.transactions, study.panel.market_series())
    >>> bool(npr["npr_count"].dropna().between(0, 1).all())
    True
    """
    cols = [c for c in tx.columns if c in TRADE_INPUTS]
    if "trans_code" in tx.columns:  # only the P/S rows are copied (their code classes are not read here)
        tx = tx.loc[tx["trans_code"].isin(("P", "S")).fillna(False).to_numpy(bool), cols]
    t = trade_table(tx[cols], codes=("P", "S"))
    if t.empty:
        raise DataError("no open-market purchases or sales to compute a net purchase ratio from")
    t["month"] = t["public_date"].dt.to_period("M")
    # who traded: the owner's CIK, else the name, else the filing (imported data may carry neither: the lots of
    # one filing are one trade), else the row itself; the issuer's CIK, else the ticker
    t["_owner"] = t["owner_cik"].astype("string").fillna(t["owner_name"].astype("string")) \
        if "owner_name" in t.columns else t["owner_cik"].astype("string")
    if "accession" in t.columns:
        t["_owner"] = t["_owner"].fillna(t["accession"].astype("string").radd("filing:"))
    t["_owner"] = t["_owner"].fillna(pd.Series(np.arange(len(t)), index=t.index).astype(str).radd("row:"))
    t["_issuer"] = t["issuer_cik"].astype("string").fillna(t["ticker"].astype("string")).fillna("?")
    t = t[t["month"].notna()]
    if t.empty:
        raise DataError("no open-market purchases or sales with a public date to compute a net purchase ratio from")
    t = t.groupby(["_owner", "_issuer", "trans_date", "trans_code", "month"], observed=True,
                  as_index=False)["value"].sum()  # type: ignore[assignment]
    g = t.groupby(["month", "trans_code"]).agg(n=("value", "size"), v=("value", "sum")).unstack("trans_code", fill_value=0)
    out = pd.DataFrame(index=g.index)
    out["n_purchases"] = g[("n", "P")] if ("n", "P") in g.columns else 0
    out["n_sales"] = g[("n", "S")] if ("n", "S") in g.columns else 0
    out["value_purchases"] = g[("v", "P")] if ("v", "P") in g.columns else 0.0
    out["value_sales"] = g[("v", "S")] if ("v", "S") in g.columns else 0.0
    out["npr_count"] = out["n_purchases"] / (out["n_purchases"] + out["n_sales"])
    out["npr_value"] = out["value_purchases"] / (out["value_purchases"] + out["value_sales"])
    m = market.dropna()
    level = np.exp(np.log1p(m).cumsum())
    month_end = level.groupby(level.index.to_period("M")).last()
    out = out.reindex(pd.period_range(out.index.min(), out.index.max(), freq="M"))
    for h in horizons:
        out[f"fwd_{h}m"] = (month_end.shift(-h) / month_end - 1.0).reindex(out.index)
    out[f"past_{past}m"] = (month_end / month_end.shift(past) - 1.0).reindex(out.index)
    out.index.name = "month"
    out = out[out.index.isin(month_end.index)]  # months the market series covers
    return out  # (a data table the study keeps in its cache, read back as a plain frame: notebooks display it styled)


def forward_returns_by_quintile(npr: pd.DataFrame, *, column: str = "npr_count") -> pd.DataFrame:
    """Mean forward market returns by quintile of the monthly net purchase ratio (1 = most selling), from
    :func:`net_purchase_ratio`'s table; months without a forward return are left out of that horizon.

    Parameters
    ----------
    npr
        :func:`net_purchase_ratio`'s monthly table.
    column
        The ratio to sort months on (``npr_count`` or ``npr_value``).

    Returns
    -------
    pandas.DataFrame
        One row per quintile: the number of months and the mean of each ``fwd_{h}m`` column.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> npr = ik.net_purchase_ratio(study.transactions, study.panel.market_series())
    >>> q = forward_returns_by_quintile(npr)
    >>> q.index.tolist()
    ['1 (most selling)', '2', '3', '4', '5 (most buying)']
    """
    fwd = [c for c in npr.columns if c.startswith("fwd_")]
    d = npr.dropna(subset=[column])
    if len(d) < 5:
        raise DataError(f"only {len(d)} months with a net purchase ratio; quintiles need at least 5")
    q = pd.qcut(d[column], 5, labels=["1 (most selling)", "2", "3", "4", "5 (most buying)"])
    out = d.groupby(q, observed=True)[fwd].mean()
    out.insert(0, "months", d.groupby(q, observed=True).size())
    out.index.name = "net purchase ratio quintile"
    return display_frame(out)
