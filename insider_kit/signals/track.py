r"""Insiders' track records, point in time: what followed an insider's earlier trades, known before this one.

Insider-data services rank insiders by the returns that followed their past trades.  For an event study the
ranking must be *point in time*: an event may use only the earlier trades whose return windows had fully
closed before the event became public, and only trades that were themselves public by then.

For each open-market trade (``P``/``S``) of an insider, the **outcome** is its market-adjusted CAR over
trading days ``window`` relative to its own day 0 (the first trading day on or after its public date,
:func:`insider_kit.days.public_date`), signed by its direction (a sale followed by a fall counts as a
positive outcome: it was informed).  The record of an insider at event *e* holds the insider's trades whose
window closed strictly before *e*'s day 0 (``day0_prior + window[1] < day0_e``); since the window starts at
the prior trade's public day, every trade in it was public before *e*.

Insider identity: ``owner_cik``, else the owner's name (as :func:`insider_kit.signals.trade_table` fills it);
data with neither cannot have a track record, and :func:`insider_kit.insider_track_record` says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..days import day_index
from ..errors import DataError
from .trades import trade_table

if TYPE_CHECKING:
    from ..prices.panel import ReturnsPanel

__all__ = ["TRACK_COLUMNS", "insider_track_record", "trade_outcomes"]

#: The columns :func:`insider_kit.insider_track_record` returns.
TRACK_COLUMNS = ["track_car", "track_n", "track_hit", "days_since_previous"]


def _insider_trades(transactions: pd.DataFrame, panel: ReturnsPanel) -> pd.DataFrame:
    """One row per (insider, ticker, public day, side) of open-market trades: ``insider``, ``ticker``,
    ``date`` (public date), ``side``, ``day0`` (index in the panel's calendar)."""
    if "owner_cik" not in transactions.columns and "owner_name" not in transactions.columns:
        raise DataError("the transactions have no insider identity (neither owner_cik nor owner_name)",
                        hint="a track record needs to know who traded; data without insider names cannot have one")
    tx = transactions
    if "owner_cik" not in tx.columns:
        tx = tx.assign(owner_cik=pd.Series(pd.NA, index=tx.index, dtype="string"))
    t = trade_table(tx, codes=("P", "S"))
    t = t[t["owner_cik"].notna() & t["ticker"].notna()]
    if t.empty:
        raise DataError("no open-market trade has an insider identity (owner_cik or owner_name)",
                        hint="a track record needs to know who traded")
    out = pd.DataFrame({"insider": t["owner_cik"].astype(str).to_numpy(), "ticker": t["ticker"].astype(str).to_numpy(),
                        "date": pd.to_datetime(t["date"]).to_numpy(), "side": t["side"].to_numpy(np.int64)})
    out = out.drop_duplicates().reset_index(drop=True)
    out["day0"] = day_index(panel.dates, out["date"])
    return out


def trade_outcomes(transactions: pd.DataFrame, panel: ReturnsPanel, *, window: tuple[int, int] = (0, 60),
                   min_coverage: float = 0.9) -> pd.DataFrame:
    r"""Every insider's open-market trades (one row per insider, ticker, public day and side) with the signed
    market-adjusted CAR that followed each.

    Parameters
    ----------
    transactions
        Tidy transactions (:func:`insider_kit.load_transactions`).
    panel
        The returns panel (with its market series).
    window
        Trading days relative to the trade's day 0 (its public day) over which its outcome is measured.
    min_coverage
        Smallest share of the window's days with a return (else the outcome is missing).

    Returns
    -------
    pandas.DataFrame
        ``insider``, ``ticker``, ``date``, ``side`` (+1 bought, -1 sold), ``day0``, ``close_day`` (the window's
        last trading day, as an index of the panel's calendar), ``car`` (market-adjusted, summed over the days
        with a return) and ``outcome`` (``side * car``).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> out = trade_outcomes(study.transactions, study.panel)
    >>> bool((out["close_day"] - out["day0"] == 60).all())
    True
    """
    if panel.market is None:
        raise DataError("a track record needs the market series of the returns panel (market-adjusted CARs)")
    t = _insider_trades(transactions, panel)
    T = len(panel.dates)
    a, b = window
    col = pd.Series(np.arange(len(panel.tickers)), index=panel.tickers.astype(str))
    col = col[~col.index.duplicated()]
    j = t["ticker"].map(col).to_numpy(float)
    ar = panel.values - panel.market[:, None]
    fin = np.isfinite(ar)
    # cumulative sums over the days (a leading zero row): the CAR of days s..e is C[e+1] - C[s]
    C = np.vstack([np.zeros((1, ar.shape[1])), np.cumsum(np.where(fin, ar, 0.0), axis=0)])
    K = np.vstack([np.zeros((1, ar.shape[1]), dtype=np.int64), np.cumsum(fin, axis=0)])
    s = t["day0"].to_numpy() + a
    e = t["day0"].to_numpy() + b
    ok = np.isfinite(j) & (s >= 0) & (e < T)
    jj = np.where(ok, j, 0).astype(np.int64)
    ss, ee = np.where(ok, s, 0), np.where(ok, e, 0)
    car = C[ee + 1, jj] - C[ss, jj]
    days = K[ee + 1, jj] - K[ss, jj]
    ok &= days >= min_coverage * (b - a + 1)
    t["close_day"] = t["day0"].to_numpy() + b
    t["car"] = np.where(ok, car, np.nan)
    t["outcome"] = t["side"] * t["car"]
    return t


# long: the event-insider pairs, then one vectorised look-up of each pair's closed history
def insider_track_record(events: pd.DataFrame, transactions: pd.DataFrame, panel: ReturnsPanel, *,
                         window: tuple[int, int] = (0, 60), min_coverage: float = 0.9) -> pd.DataFrame:
    r"""Point-in-time track record of each event's insiders (module docstring).

    Parameters
    ----------
    events
        Events (:func:`insider_kit.build_events`, filing-date): ``ticker``, ``date``, ``direction``.
    transactions
        The tidy transactions the events were built from.
    panel
        The returns panel (with its market series).
    window
        The window of each earlier trade's outcome (trading days relative to its public day).
    min_coverage
        Passed to :func:`trade_outcomes`.

    Returns
    -------
    pandas.DataFrame
        On *events*' index: ``track_car`` (mean signed outcome of the insiders' earlier trades whose windows had
        closed before the event's day 0), ``track_n`` (their count), ``track_hit`` (the share with a positive
        signed outcome), ``days_since_previous`` (calendar days from the most recent earlier public trade of
        any of the event's insiders, in either direction, to the event's date; missing for a first trade).
        ``track_car`` and ``track_hit`` are missing when ``track_n`` is 0.

    Raises
    ------
    DataError
        When the data have no insider identity (neither ``owner_cik`` nor ``owner_name``): no track record can
        be computed, and claims that need one are not testable.

    Notes
    -----
    **Multi-insider events.**  An event (issuer, day, direction) may hold several insiders' trades.  Its
    record pools the closed earlier trades of all of them: ``track_car`` is the mean over the pooled trades
    (so an insider with more history weighs more, as each trade is one observation of informedness),
    ``track_n`` their total count, ``track_hit`` the pooled share of hits.  ``days_since_previous`` is the
    shortest gap among the event's insiders.

    **Point in time.**  Every input of an event's values was public before its day 0: an earlier trade counts
    only when its whole window ``[day0 + window[0], day0 + window[1]]`` ended before the event's day 0, and a
    filing made public later (a late report of an old trade) has a later day 0, so it cannot enter.  A trade
    public on the event's own day is not "earlier" (``days_since_previous`` looks at trades public strictly
    before the event's date).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> tr = insider_track_record(study.events, study.transactions, study.panel)
    >>> tr.columns.tolist()
    ['track_car', 'track_n', 'track_hit', 'days_since_previous']
    >>> bool((tr.loc[tr["track_n"] == 0, "track_car"].isna()).all())
    True
    """
    need = {"ticker", "date", "direction"}
    if not need <= set(events.columns):
        raise DataError(f"events lack column(s) {sorted(need - set(events.columns))}",
                        hint="build them with insider_kit.build_events(transactions, panel)")
    out_t = trade_outcomes(transactions, panel, window=window, min_coverage=min_coverage)
    # the event's insiders: trades in the event's direction on its public day
    ek = pd.DataFrame({"_row": np.arange(len(events)), "ticker": events["ticker"].astype(str).to_numpy(),
                       "date": pd.to_datetime(events["date"]).to_numpy(),
                       "side": np.where(events["direction"].to_numpy() == "buy", 1, -1)})
    pairs = ek.merge(out_t[["insider", "ticker", "date", "side"]].drop_duplicates(), on=["ticker", "date", "side"])
    pairs = pairs.drop_duplicates(["_row", "insider"])
    pairs["day0"] = day_index(panel.dates, pairs["date"])
    # each insider's trades with an outcome, sorted by insider then close day: cumulative sums answer "how many,
    # what total, how many hits closed before day d" by one binary search per pair
    codes, names = pd.factorize(pd.concat([out_t["insider"], pairs["insider"]], ignore_index=True))
    ic_t, ic_p = codes[:len(out_t)], codes[len(out_t):]
    has = out_t["outcome"].notna().to_numpy()
    big = np.int64(len(panel.dates) + window[1] + 2)
    key_t = ic_t[has].astype(np.int64) * big + out_t["close_day"].to_numpy(np.int64)[has]
    order = np.argsort(key_t, kind="stable")
    key_t = key_t[order]
    o = out_t["outcome"].to_numpy(float)[has][order]
    csum = np.r_[0.0, np.cumsum(o)]
    chit = np.r_[0, np.cumsum(o > 0)]
    first = np.searchsorted(key_t, ic_p.astype(np.int64) * big, side="left")
    upto = np.searchsorted(key_t, ic_p.astype(np.int64) * big + pairs["day0"].to_numpy(np.int64), side="left")
    pairs["n"] = upto - first
    pairs["sum"] = csum[upto] - csum[first]
    pairs["hits"] = chit[upto] - chit[first]
    # days since the insider's previous public trade (any side, any issuer), strictly before the event's date
    pub_key = codes[:len(out_t)].astype(np.int64)
    dnum = out_t["date"].to_numpy("datetime64[D]").astype(np.int64)
    ord2 = np.lexsort((dnum, pub_key))
    k2 = pub_key[ord2] * np.int64(10**6) + dnum[ord2]
    pdn = pairs["date"].to_numpy("datetime64[D]").astype(np.int64)
    pos = np.searchsorted(k2, ic_p.astype(np.int64) * np.int64(10**6) + pdn, side="left") - 1
    same = (pos >= 0) & (pub_key[ord2][np.clip(pos, 0, None)] == ic_p)
    pairs["gap"] = np.where(same, pdn - dnum[ord2][np.clip(pos, 0, None)], np.nan)
    agg = pairs.groupby("_row").agg(n=("n", "sum"), s=("sum", "sum"), h=("hits", "sum"), gap=("gap", "min"))
    agg = agg.reindex(np.arange(len(events)))
    n = agg["n"].fillna(0).to_numpy(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        res = pd.DataFrame({"track_car": np.where(n > 0, agg["s"].to_numpy(float) / n, np.nan),
                            "track_n": n,
                            "track_hit": np.where(n > 0, agg["h"].to_numpy(float) / n, np.nan),
                            "days_since_previous": agg["gap"].to_numpy(float)}, index=events.index)
    del names
    return res
