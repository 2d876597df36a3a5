"""From tidy transactions to events: one per issuer, day 0 and direction, with point-in-time signals.

Default: open-market trades (``P`` purchases, ``S`` sales) aggregated by
issuer and event date; the event date is the public date of the filing (what an
outside investor could act on: the filing date, or the next day when EDGAR
accepted the filing after 16:00 New York time) or, optionally, the transaction
date.  Day 0 of the event study is the first trading day on or after it.

Each event carries the signals of :mod:`insider_kit.signals`, computed from the
trades in the event's direction and from information public on the event date.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ._io import text_objects
from .days import day_index, public_date
from .errors import DataError
from .filings.roles import ROLES
from .prices.panel import ReturnsPanel
from .signals import (
    TOP_EXEC,
    SignalParams,
    add_price_signals,
    cluster_counts,
    fraction_bucket,
    fraction_of_holding,
    routine_class,
    silence,
    trade_table,
)
from .signals.features import pair_key
from .signals.trades import TRADE_INPUTS

__all__ = ["EventDate", "build_events"]

#: The date an event is dated by: ``filing`` (when the trade became public: what an outside investor could act
#: on) or ``trade`` (the transaction date: look-ahead, for comparison).  Annotate a notebook parameter with it
#: (``event_date: EventDate = "filing"``) and the value passes type-checked into :func:`build_events`.
EventDate = Literal["filing", "trade"]

EVENT_COLUMNS = ["ticker", "issuer_cik", "date", "direction", "n_trades", "n_insiders", "shares", "value",
                 "top_exec", "first_trade_date", "last_filing_date", "public_date", "issuer_name", "code_class", "roles", "top_role",
                 "plan_share", "price", "fraction", "exec_unscheduled", "silent", "fraction_bucket", "routine_class",
                 "filing_lag_days", "n_cluster", "cluster", "cluster_first", "plan_flag_known"]


def build_events(transactions: pd.DataFrame, panel: ReturnsPanel | None = None, *,
                 date: EventDate = "filing", codes: tuple[str, ...] = ("P", "S"),
                 by_class: bool = False, unit: Literal["firm-day"] = "firm-day", nonderivative_only: bool = True,
                 firms: pd.DataFrame | None = None, params: SignalParams | None = None,
                 signals: bool = True) -> pd.DataFrame:
    r"""Aggregate transactions into firm-day events with their signals.

    Parameters
    ----------
    transactions
        The tidy transactions table (:func:`insider_kit.load_transactions`).
    panel
        A returns panel; when given, the trading calendar for the cluster window and the
        price-based signals (run-up, dip, lock-up) come from it.  Without it the calendar is
        business days and price signals are left out.
    date
        ``"filing"`` (public date, point-in-time) or ``"trade"`` (transaction date: look-ahead,
        for comparison).
    codes
        Transaction codes to build events from (``("S", "F", "G", "J")`` for the disposal comparison).
    by_class
        One event per issuer, day *and code class* (``sale``, ``exercise_and_sell``, ``tax``, ...).
    unit
        The event unit: ``"firm-day"`` (every trade of one issuer, direction and public date).
    nonderivative_only
        Only non-derivative lines (derivative lines record options, not shares traded).
    firms
        Optional table with ``ticker`` and ``ipo_date`` / ``shares_outstanding``.
    params
        The signal definitions' parameters (default :class:`~insider_kit.signals.SignalParams`).
    signals
        False: the events' aggregates only (key, direction, counts, shares, value, price, plan share, roles,
        code class, dates), none of the signals (for a comparison that needs none: the ledger's disposal
        classes).

    Returns
    -------
    pandas.DataFrame
        One row per event: ``ticker, issuer_cik, date, direction ('buy'/'sell'), code_class, n_insiders,
        n_trades, shares, value, price, plan_share, top_exec, top_role, roles, fraction, fraction_bucket,
        routine_class, silent, exec_unscheduled, n_cluster, cluster, cluster_first, first_trade_date,
        last_filing_date`` (+ price signals with *panel*).  Rows without a ticker are left out and
        counted in ``attrs['no_ticker']``.

    Notes
    -----
    An event is every open-market trade of one issuer in one direction made public on one day (its net
    shares decide the direction); its ``date`` is the public date (:func:`insider_kit.signals.public_date`).
    Every signal uses only what was public on that date (:mod:`insider_kit.signals`, where each signal's
    definition and paper are listed), which a property test checks.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> ev = ik.build_events(study.transactions, study.panel)
    >>> ev[["ticker", "date", "direction", "n_insiders", "cluster"]].columns.tolist()
    ['ticker', 'date', 'direction', 'n_insiders', 'cluster']
    >>> bool((ev["n_cluster"] >= ev["n_insiders"]).all())
    True
    """
    if unit != "firm-day":
        raise DataError(f"unknown event unit {unit!r}; only 'firm-day' is implemented")
    p = params or SignalParams()
    if "ticker" not in transactions.columns:
        raise DataError("transactions lack column 'ticker'")
    # only the columns events are built from (filtering the long text columns, footnotes and titles, costs), and
    # only the rows of the codes asked for, the open-market history and the exercises that make a sale an
    # exercise-and-sell (at universe scale awards and other codes are two thirds of the rows)
    cols = [c for c in transactions.columns if c in EVENT_INPUTS]
    rows = _rows_for_events(transactions, codes)
    if nonderivative_only and "table" in transactions.columns:  # (here, in the same one copy of the rows)
        rows &= (transactions["table"] == "nonderivative").fillna(False).to_numpy(bool)
    allt = trade_table(transactions.loc[rows, cols], date=date, codes=None, nonderivative_only=False)
    if signals:  # (the insider-issuer pairs coded once for every signal: the trades and history are cut from allt)
        allt["_pair"] = pair_key(allt)
    hist = allt[allt["trans_code"].isin(["P", "S"])]
    in_codes = allt["trans_code"].isin(codes).fillna(False).to_numpy(bool)
    has_ticker = allt["ticker"].notna().to_numpy(bool)
    no_ticker = int((in_codes & ~has_ticker).sum())
    t = allt[in_codes & has_ticker].copy()  # one filter: each one copies every column
    if t.empty:
        return _empty(no_ticker, p)
    data_start = _data_start(transactions, nonderivative_only)  # first day the data cover (a later row cannot move it)
    if signals:
        t["routine_class"] = routine_class(t, hist, years=p.routine_years)
        t["silent"] = silence(t, hist, days=p.silence_days, data_start=data_start)
    else:
        t["routine_class"] = None  # (read by the aggregation; its columns are left out below)
    key = ["ticker", "issuer_cik", "date"] + (["code_class"] if by_class else [])
    t = _in_event_direction(t, key)
    if t.empty:
        ev = _empty(no_ticker, p)
        return ev if signals else ev[[c for c in EVENT_COLUMNS if c in BARE_COLUMNS]]
    ev = _aggregate(t, key, by_class)
    if not signals:
        ev = ev.drop(columns=["plan_shares", "role_rank", "any_opp", "any_rout", "_eid"]).reset_index(drop=True)
        ev.attrs["no_ticker"] = no_ticker
        ev.attrs["params"] = p
        return ev
    ev = ev.merge(_per_owner(t, p), on="_eid", how="left").drop(columns="_eid")
    ev["silent"] = ev["silent"].astype("boolean")
    ev["fraction_bucket"] = fraction_bucket(ev["fraction"])
    ev["routine_class"] = np.where(ev["any_opp"], "opportunistic", np.where(ev["any_rout"], "routine", "unclassified"))
    ev["filing_lag_days"] = (ev["last_filing_date"] - ev["first_trade_date"]).dt.days
    _add_clusters(ev, hist, panel, p)
    ev = ev.drop(columns=["plan_shares", "role_rank", "any_opp", "any_rout"])
    if panel is not None:
        ev = add_price_signals(ev, panel, params=p, firms=firms)
    ev = ev.reset_index(drop=True)
    ev.attrs["no_ticker"] = no_ticker
    ev.attrs["params"] = p
    return ev


#: The columns of ``build_events(..., signals=False)``.
BARE_COLUMNS = ("ticker", "issuer_cik", "date", "direction", "n_trades", "n_insiders", "shares", "value",
                "plan_flag_known", "top_exec", "first_trade_date", "last_filing_date", "public_date", "issuer_name",
                "code_class", "roles", "top_role", "plan_share", "price")

#: The transaction columns build_events reads (the others are not copied through its filters).
EVENT_INPUTS = TRADE_INPUTS | {"issuer_name", "role", "shares_after", "line"}


def _rows_for_events(tx: pd.DataFrame, codes: tuple[str, ...]) -> np.ndarray:
    """Rows whose code is among *codes* or whose code's first letter (as :func:`transaction_class` reads it) is an
    open-market trade (P, S) or an exercise (M, X, O)."""
    if "trans_code" not in tx.columns:  # (trade_table names what is missing)
        return np.ones(len(tx), dtype=bool)
    code, uniq = pd.factorize(tx["trans_code"])
    wanted = set(codes)
    keep = np.array([isinstance(u, str) and (u in wanted or u.upper()[:1] in ("P", "S", "M", "X", "O")) for u in uniq]
                    + [False])
    return keep[code]  # (code -1, a missing code: the last entry)


def _data_start(tx: pd.DataFrame, nonderivative_only: bool) -> pd.Timestamp | None:
    """The earliest public date of any (non-derivative) row, whatever its code: the first day the data cover.
    A public date is its filing's New York date or the day after, so only the rows filed within a week of the
    earliest filing date can hold it (their public dates are computed, not every row's)."""
    fd = pd.to_datetime(tx["filing_date"]).to_numpy("datetime64[ns]")
    ok = ~np.isnat(fd)
    if nonderivative_only and "table" in tx.columns:
        ok &= (tx["table"] == "nonderivative").fillna(False).to_numpy(bool)
    if not ok.any():
        return None
    rows = ok & (fd <= fd[ok].min() + np.timedelta64(7, "D"))  # (a mask over the columns: no copy of the table)
    t = tx.loc[rows, [c for c in ("filing_date", "accepted_at") if c in tx.columns]]
    return public_date(t["filing_date"], t["accepted_at"] if "accepted_at" in t.columns else None).min()


#: The trade columns the aggregation and the per-insider signals read (the others are not carried past the
#: sort: each carried column is one more take of a million rows).
_CARRIED = ("issuer_name", "owner_cik", "role", "trans_date", "filing_date", "public_date", "code_class", "shares",
            "shares_after", "value_f", "plan", "plan_known", "plan_shares", "routine_class", "silent")


def _in_event_direction(t: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """The trades of each event in the event's direction (the sign of its net shares; events that net to zero
    are left out), with ``direction``, sorted by event, owner, trade date and line: the key and
    :data:`_CARRIED` columns."""
    # a trade without a day 0 (no filing date in filing-dated events) or issuer is in no event (ngroup would
    # give it NaN, and NaN cast to an integer id is garbage)
    has_key = t[key].notna().all(axis=1).to_numpy()
    if not has_key.all():
        t = t[has_key].copy()
    t["value_f"] = t["value"].fillna(0.0)
    t["plan_shares"] = np.where(t["plan"], t["shares"].fillna(0.0), 0.0)
    # each event as an integer id in the sorted order of its key (text keys sort as Python's str): every later
    # grouping is by this id
    eid = t.groupby(key, observed=True, sort=True).ngroup().to_numpy(np.int64)
    side_row = t["side"].to_numpy()
    signed = side_row * t["shares"].fillna(0.0).to_numpy()
    net = pd.Series(signed).groupby(eid).sum().to_numpy()  # (ids are 0..n-1, all present; compensated sums)
    # an event none of whose rows gives its shares (imported data with dollar values only) nets its signed values,
    # and without those its signed trades: never dropped for a number the source lacks
    no_shares = pd.Series(t["shares"].notna().to_numpy()).groupby(eid).sum().to_numpy() == 0
    if no_shares.any():
        by_value = pd.Series(side_row * t["value_f"].to_numpy()).groupby(eid).sum().to_numpy()
        by_count = pd.Series(side_row.astype(float)).groupby(eid).sum().to_numpy()
        net = np.where(no_shares, np.where(by_value != 0, by_value, by_count), net)
    side = np.where(net > 0, 1, -1)
    keep = (net[eid] != 0) & (side_row == side[eid])  # the trades in the event's direction
    if not keep.any():
        return t.iloc[:0]
    rows = np.flatnonzero(keep)
    # sorted by event, owner, trade date and line (a stable sort on integer codes: ties keep their order); the
    # kept rows are taken once, in that order
    owner = text_objects(t["owner_cik"].iloc[rows])
    cols = [eid[rows], pd.factorize(owner, sort=True)[0], t["trans_date"].to_numpy("datetime64[ns]").view(np.int64)[rows]]
    if "line" in t.columns:
        cols.append(pd.to_numeric(t["line"], errors="coerce").fillna(-1).to_numpy(np.int64)[rows])
    order = np.lexsort(cols[::-1])
    take = rows[order]
    carried = [c for c in dict.fromkeys([*key, *_CARRIED]) if c in t.columns and c != "owner_cik"]
    out = t[carried].take(take).reset_index(drop=True)
    for c in ("ticker", "issuer_cik"):
        out[c] = text_objects(out[c])
    out["owner_cik"] = owner[order]
    out["_eid"] = eid[take]
    out["direction"] = np.where(side[out["_eid"].to_numpy()] > 0, "buy", "sell").astype(object)
    return out


def _per_owner(t: pd.DataFrame, p: SignalParams) -> pd.DataFrame:
    """Per insider within each event, then per event: the largest fraction of a holding sold, a large
    unscheduled CEO/CFO sale after silence, and whether some insider broke a silence (unknown when no
    insider's history reaches back far enough)."""
    # t is sorted by event, owner, trade date, line: the owner's last row carries the holding after the event's
    # trades, missing when that row does not report it
    owner_key = ["_eid", "owner_cik"]
    last_row = t.groupby(owner_key, observed=True, sort=False).cumcount(ascending=False).to_numpy() == 0
    t["_after_last"] = t["shares_after"].where(last_row)
    per_owner = t.groupby(owner_key, observed=True, sort=False).agg(
        shares=("shares", "sum"), after=("_after_last", "max"), plan_all=("plan", "all"),
        silent=("silent", "first"), role=("role", "first"), direction=("direction", "first"),
    ).reset_index()
    per_owner["fraction"] = fraction_of_holding(per_owner["shares"], per_owner["after"])
    per_owner.loc[per_owner["direction"] == "buy", "fraction"] = np.nan
    per_owner["exec_unscheduled"] = (per_owner["role"].astype(str).isin(TOP_EXEC) & (per_owner["direction"] == "sell")
                                     & ~per_owner["plan_all"] & per_owner["silent"].fillna(False).astype(bool)
                                     & (per_owner["fraction"] >= p.large_fraction).fillna(False))
    sil = per_owner["silent"].astype("boolean")
    po = per_owner.assign(_sil_any=sil.fillna(False).astype(bool), _sil_known=sil.notna().to_numpy()).groupby(
        "_eid", sort=True).agg(fraction=("fraction", "max"), exec_unscheduled=("exec_unscheduled", "any"),
                                           _sil_any=("_sil_any", "any"), _sil_known=("_sil_known", "any"))
    po["silent"] = pd.array(np.where(po["_sil_known"], po["_sil_any"], False), dtype="boolean")
    po.loc[~po["_sil_known"].to_numpy(bool), "silent"] = pd.NA
    return po.drop(columns=["_sil_any", "_sil_known"]).reset_index()


def _aggregate(t: pd.DataFrame, key: list[str], by_class: bool) -> pd.DataFrame:
    """One row per event: counts, shares, value, price, plan share, roles, routine classes, dates.  *t* is sorted
    by event (``_eid``, increasing in the keys' order) and, within one, by owner: each event is a run of rows, its key
    the run's first row; sums and extremes are grouped by the integer id."""
    eid = t["_eid"].to_numpy()
    start = np.flatnonzero(np.r_[True, eid[1:] != eid[:-1]])
    n_rows = len(eid)
    role = t["role"].astype("category")  # (a category already: the per-role answers are looked up per level)
    levels = [str(c) for c in role.cat.categories] + ["nan"]  # (code -1, a missing role, reads as 'nan')
    rank = {r: i for i, r in enumerate(ROLES)}
    rcode = role.cat.codes.to_numpy()
    role_rank = np.array([rank.get(v, len(ROLES)) for v in levels], dtype=np.int64)[rcode]
    is_top = np.array([v in TOP_EXEC for v in levels])[rcode]
    rc = t["routine_class"].to_numpy(object)
    owner = t["owner_cik"].to_numpy()
    new_owner = np.r_[True, (eid[1:] != eid[:-1]) | (owner[1:] != owner[:-1])]  # (owners are sorted within events)
    g = t.groupby("_eid", sort=True)
    sums = g[["shares", "value_f", "plan_shares"]].sum()  # (compensated sums, NaN as zero)
    dates = g.agg(first_trade_date=("trans_date", "min"), last_filing_date=("filing_date", "max"),
                  public_date=("public_date", "max"))  # (NaT skipped)
    name_col = "issuer_name" if "issuer_name" in t.columns else "ticker"
    ev = pd.DataFrame({k: t[k].to_numpy()[start] for k in key})
    ev["direction"] = t["direction"].to_numpy()[start]
    ev["n_trades"] = pd.array(np.diff(np.r_[start, n_rows]), dtype="Int64")  # (the dtype of a count of text rows)
    ev["n_insiders"] = np.add.reduceat(new_owner.astype(np.int64), start)
    ev["shares"] = sums["shares"].to_numpy()
    ev["value"] = sums["value_f"].to_numpy()
    ev["plan_shares"] = sums["plan_shares"].to_numpy()
    ev["plan_flag_known"] = np.logical_or.reduceat(t["plan_known"].to_numpy(bool), start)
    ev["top_exec"] = np.logical_or.reduceat(is_top, start)
    ev["role_rank"] = np.minimum.reduceat(role_rank, start)
    ev["any_opp"] = np.logical_or.reduceat(rc == "opportunistic", start)
    ev["any_rout"] = np.logical_or.reduceat(rc == "routine", start)
    for c in dates.columns:
        ev[c] = dates[c].to_numpy()
    ev["issuer_name"] = g[name_col].first().array  # (the first known name)
    ev["_eid"] = eid[start]  # (the ids of events that net to zero are missing)
    if not by_class:
        ev["code_class"] = _mode_per_event(t, ["_eid"], "code_class").to_numpy()
    ev["roles"] = _roles_per_event(t)
    ev["top_role"] = np.asarray(ROLES, dtype=object)[np.minimum(ev["role_rank"].to_numpy(), len(ROLES) - 1)]
    with np.errstate(invalid="ignore", divide="ignore"):
        ev["plan_share"] = ev["plan_shares"] / ev["shares"]
        ev["price"] = ev["value"] / ev["shares"]
    return ev


def _add_clusters(ev: pd.DataFrame, hist: pd.DataFrame, panel: ReturnsPanel | None, p: SignalParams) -> None:
    """``n_cluster`` (distinct insiders of the issuer trading in the event's direction in the trailing window,
    on the panel's calendar, or business days without one), ``cluster`` and ``cluster_first``."""
    if panel is not None:
        cal = panel.dates
    else:
        lo = min(hist["date"].min(), ev["date"].min()) if len(hist) else ev["date"].min()
        hi = max(hist["date"].max(), ev["date"].max()) if len(hist) else ev["date"].max()
        cal = pd.bdate_range(lo - pd.Timedelta(days=7), hi + pd.Timedelta(days=7))
    h = hist[hist["ticker"].notna() | hist["issuer_cik"].notna()]
    hk = pd.DataFrame({"i": h["issuer_cik"].to_numpy(), "s": h["side"].to_numpy(np.int64)})
    ek = pd.DataFrame({"i": ev["issuer_cik"].to_numpy(), "s": np.where(ev["direction"] == "buy", 1, -1)})
    ev_day = day_index(cal, ev["date"])
    ev["n_cluster"] = cluster_counts(ek, ev_day, hk, day_index(cal, h["date"]), h["owner_cik"], p.cluster_window)
    ev["cluster"] = ev["n_cluster"] >= p.cluster_k
    # the first event of a cluster: not continuing a cluster of the same issuer and direction within the window
    iss = pd.factorize(ev["issuer_cik"].astype(str), sort=True)[0]  # integer codes in the text's order
    sell = (ev["direction"].to_numpy() == "sell").astype(np.int8)  # "buy" < "sell"
    order = np.lexsort((ev_day, sell, iss))
    cl = ev["cluster"].to_numpy()[order]
    d_o = ev_day[order]
    i_o, s_o = iss[order], sell[order]
    same = np.r_[False, (i_o[1:] == i_o[:-1]) & (s_o[1:] == s_o[:-1])]
    prev_cl = np.r_[False, cl[:-1]]
    prev_day = np.r_[-10**9, d_o[:-1]]
    continuing = same & prev_cl & (d_o - prev_day < p.cluster_window)
    first = np.empty(len(ev), bool)
    first[order] = cl & ~continuing
    ev["cluster_first"] = first


def _mode_per_event(t: pd.DataFrame, key: list[str], col: str) -> pd.Series:
    """The most frequent value of *col* per event (ties: the smallest value, as :meth:`pandas.Series.mode`),
    in the events' sorted key order."""
    c = t.groupby([*key, col], observed=True, sort=True).size().rename("_n").reset_index()
    c = c.sort_values([*key, "_n", col], ascending=[True] * len(key) + [False, True], kind="stable")
    return c.drop_duplicates(key, keep="first").set_index(key)[col]


def _roles_per_event(t: pd.DataFrame) -> np.ndarray:
    """The sorted, comma-joined distinct roles of each event's insiders, in the events' order (*t* sorted by
    ``_eid``): a bit per role, OR-ed over each event's run of rows, turned into text through a table of the masks
    that occur."""
    code, uniq = pd.factorize(t["role"].astype(str).to_numpy(), sort=True)  # sorted: the bits in sorted order
    bits = np.left_shift(np.int64(1), code.astype(np.int64))
    eid = t["_eid"].to_numpy()
    start = np.flatnonzero(np.r_[True, eid[1:] != eid[:-1]]) if len(eid) else np.zeros(0, np.int64)
    mask = np.bitwise_or.reduceat(bits, start) if len(eid) else bits
    table = {int(m): ",".join(u for k, u in enumerate(uniq) if m >> k & 1) for m in pd.unique(mask)}
    return pd.Series(mask).map(table).to_numpy()


def _empty(no_ticker: int, p: SignalParams) -> pd.DataFrame:
    ev = pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "date" else object) for c in EVENT_COLUMNS})
    ev.attrs["no_ticker"] = no_ticker
    ev.attrs["params"] = p
    return ev
