"""Per-trade and per-event signals, each one documented function (definitions in :mod:`insider_kit.signals`).

Every function uses only what was public on the event date (trades by public date, prices before day 0).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..days import day_index
from ..prices.panel import ReturnsPanel
from ._kernels import cumlog_into, drawdowns
from .params import FRACTION_BUCKETS, SignalParams

__all__ = ["add_price_signals", "cluster_counts", "fraction_bucket", "fraction_of_holding", "lockup_flags",
           "routine_class", "silence"]


def fraction_of_holding(shares: pd.Series, shares_after: pd.Series) -> pd.Series:
    """``shares / (shares + shares_after)``: the part of the holding this trade disposed of (NaN when unknown).

    A sale of the whole holding (``shares_after == 0``) gives 1.0.

    Parameters
    ----------
    shares
        Shares sold.
    shares_after
        Shares held after the trade (as reported on the form).

    Returns
    -------
    pandas.Series
        Fractions in [0, 1].

    Examples
    --------
    >>> import pandas as pd
    >>> fraction_of_holding(pd.Series([100.0, 50.0, 10.0]), pd.Series([900.0, 0.0, float("nan")])).tolist()
    [0.1, 1.0, nan]
    """
    s = pd.to_numeric(shares, errors="coerce").astype(float)
    a = pd.to_numeric(shares_after, errors="coerce").astype(float)
    den = s + a
    out = s / den.where(den > 0)
    return out.where((s >= 0) & (a >= 0))


def fraction_bucket(frac: pd.Series) -> pd.Series:
    """``<=10%``, ``10-50%``, ``>50%`` (NA when unknown).

    Parameters
    ----------
    frac
        Fractions of the holding (:func:`fraction_of_holding`).

    Returns
    -------
    pandas.Series
        The bucket of each row.

    Examples
    --------
    >>> import pandas as pd
    >>> fraction_bucket(pd.Series([0.05, 0.3, 0.9, float("nan")])).tolist()
    ['<=10%', '10-50%', '>50%', nan]
    """
    cat = pd.cut(frac, [-np.inf, 0.10, 0.50, np.inf], labels=list(FRACTION_BUCKETS), right=True)
    return cat.astype(pd.CategoricalDtype(list(FRACTION_BUCKETS), ordered=True))


def routine_class(trades: pd.DataFrame, history: pd.DataFrame, *, years: int = 3) -> pd.Series:
    """Cohen-Malloy-Pomorski classification of each row of *trades* (``routine``/``opportunistic``/``unclassified``).

    *history* holds the insiders' open-market trades (``owner_cik, issuer_cik,
    trans_date, public_date``); only those public before the row's ``date`` count,
    and only from the *years* calendar years before the row's transaction year.
    An insider who traded in the same calendar month in each of those years is routine; one who traded in
    each year but not always in that month is opportunistic; one without a trade in each of them is
    unclassified (Cohen, Malloy & Pomorski 2012, *Decoding Inside Information*, JF 67(3)).

    Parameters
    ----------
    trades
        The rows to classify (``owner_cik``, ``issuer_cik``, ``trans_date``, ``date``).
    history
        The insiders' open-market trades.
    years
        Calendar years of history required.

    Returns
    -------
    pandas.Series
        The class of each row, on *trades*' index.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.to_datetime
    >>> history = pd.DataFrame({"owner_cik": ["A"] * 3 + ["B"] * 3, "issuer_cik": "X", "side": -1,
    ...                         "trans_date": d(["2021-03-10", "2022-03-10", "2023-03-10",
    ...                                          "2021-01-10", "2022-05-10", "2023-09-10"])})
    >>> history["public_date"] = history["trans_date"] + pd.Timedelta(days=2)
    >>> trades = pd.DataFrame({"owner_cik": ["A", "B", "C"], "issuer_cik": "X", "trans_date": d(["2024-03-11"] * 3)})
    >>> trades["date"] = trades["trans_date"] + pd.Timedelta(days=2)
    >>> routine_class(trades, history).tolist()  # A every March; B every year, other months; C no history
    ['routine', 'opportunistic', 'unclassified']
    """
    # (owner, issuer) as one integer, then (pair, year) and (pair, year, month) as int64 keys: the earliest
    # public date of each key in sorted arrays, looked up by binary search (no string joins)
    tkey, hkey = _pair_keys(trades, history)
    h_pub = _ns(history["public_date"])
    h_y, h_m = _year_month(history["trans_date"])
    keep = (h_pub != _NAT) & (hkey >= 0)  # a missing public date or CIK never makes a trade count
    ky, pub_y = _first_by(_ym_key(hkey, h_y)[keep], h_pub[keep])
    kym, pub_ym = _first_by(_ym_key(hkey, h_y, h_m)[keep], h_pub[keep])
    t_y, t_m = _year_month(trades["trans_date"])
    t_date = _ns(trades["date"])
    dated = (t_date != _NAT) & (tkey >= 0)
    has_hist = dated.copy()
    same_month = dated.copy()
    for k in range(1, years + 1):
        has_hist &= _looked_up(ky, pub_y, _ym_key(tkey, t_y - k)) < t_date
        same_month &= _looked_up(kym, pub_ym, _ym_key(tkey, t_y - k, t_m)) < t_date
    out = np.where(~has_hist, "unclassified", np.where(same_month, "routine", "opportunistic"))
    return pd.Series(out, index=trades.index, name="routine_class")


_NAT = np.iinfo(np.int64).min
_NEVER = np.iinfo(np.int64).max


def _ns(s: pd.Series) -> np.ndarray:
    """Datetimes as int64 nanoseconds (NaT as the int64 minimum), time zones dropped."""
    d = s.dt.tz_localize(None) if getattr(s.dtype, "tz", None) is not None else s
    return pd.to_datetime(d).to_numpy("datetime64[ns]").view(np.int64)


def _year_month(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Calendar year and month of each date (0 for a missing date)."""
    ym = pd.to_datetime(s).to_numpy("datetime64[M]")
    ok = ~np.isnat(ym)
    m = np.where(ok, ym.view(np.int64), 0)
    return np.where(ok, m // 12 + 1970, 0), np.where(ok, m % 12 + 1, 0)


def _pair_keys(*frames: pd.DataFrame) -> list[np.ndarray]:
    """One integer per (owner_cik, issuer_cik) pair, the same across *frames*; -1 when either is missing (such
    a row matches nothing, as a missing key matches nothing in a join).  Frames cut from one table that carries
    these integers as ``_pair`` (:func:`pair_key`; :func:`insider_kit.build_events` adds it once for all its
    signals) are not factorized again."""
    if all("_pair" in f.columns for f in frames):
        return [f["_pair"].to_numpy(np.int64) for f in frames]
    lens = [len(f) for f in frames]
    own = pd.factorize(pd.concat([f["owner_cik"].astype("string") for f in frames], ignore_index=True))[0]
    iss = pd.factorize(pd.concat([f["issuer_cik"].astype("string") for f in frames], ignore_index=True))[0]
    key = np.where((own < 0) | (iss < 0), -1, own.astype(np.int64) * (int(iss.max(initial=0)) + 1) + iss)
    return np.split(key, np.cumsum(lens)[:-1])


def pair_key(t: pd.DataFrame) -> np.ndarray:
    """One integer per (owner_cik, issuer_cik) pair of *t*'s rows (-1 when either is missing): the ``_pair``
    column through which subsets of *t* share one coding in :func:`routine_class` and :func:`silence`."""
    return _pair_keys(t[["owner_cik", "issuer_cik"]])[0]


def _ym_key(pair: np.ndarray, y: np.ndarray, m: np.ndarray | None = None) -> np.ndarray:
    """Pair x year (x month) as one int64 (years 0..9999, months 1..12)."""
    k = pair * 10_000 + y
    return k if m is None else k * 13 + m


def _first_by(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct *keys* and the minimum of *values* for each."""
    order = np.argsort(keys, kind="stable")
    k, v = keys[order], values[order]
    start = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if len(k) else np.zeros(0, np.int64)
    return k[start], (np.minimum.reduceat(v, start) if len(k) else v)


def _looked_up(keys: np.ndarray, values: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The value of each query key (sorted *keys*), or the int64 maximum when absent."""
    i = np.searchsorted(keys, q)
    found = i < len(keys)
    found[found] = keys[i[found]] == q[found]
    out = np.full(len(q), _NEVER)
    out[found] = values[i[found]]
    return out


def silence(trades: pd.DataFrame, history: pd.DataFrame, *, days: int = 365,
            data_start: pd.Timestamp | None = None) -> pd.Series:
    """True when the row's insider made no open-market sale at this issuer in the *days* before its trade.

    Only sales public before the row's ``date`` count.  NA when there is no such
    sale and the data start less than *days* before the trade (left-censored).

    Parameters
    ----------
    trades
        The rows (``owner_cik``, ``issuer_cik``, ``trans_date``, ``date``).
    history
        The insiders' open-market trades with ``side`` (-1 for sales) and ``public_date``.
    days
        The quiet period in calendar days.
    data_start
        The first day of the data (None: the history's first transaction date).

    Returns
    -------
    pandas.Series
        Nullable booleans on *trades*' index.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.to_datetime
    >>> history = pd.DataFrame({"owner_cik": ["A"] * 3 + ["B"] * 3, "issuer_cik": "X", "side": -1,
    ...                         "trans_date": d(["2021-03-10", "2022-03-10", "2023-03-10",
    ...                                          "2021-01-10", "2022-05-10", "2023-09-10"])})
    >>> history["public_date"] = history["trans_date"] + pd.Timedelta(days=2)
    >>> trades = pd.DataFrame({"owner_cik": ["A", "B", "C"], "issuer_cik": "X", "trans_date": d(["2024-03-11"] * 3)})
    >>> trades["date"] = trades["trans_date"] + pd.Timedelta(days=2)
    >>> silence(trades, history, data_start=d("2021-01-01")).tolist()  # B sold in September 2023
    [True, False, True]
    """
    s = history[history["side"] < 0][["owner_cik", "issuer_cik", "trans_date", "public_date"]]
    s = s.sort_values("public_date")
    # the latest trade date among sales already public (cumulative max in publication order)
    s = s.assign(last_trade=s.groupby(["owner_cik", "issuer_cik"], observed=True)["trans_date"].cummax())
    s = s.drop_duplicates(["owner_cik", "issuer_cik", "public_date"], keep="last")
    tkey, skey = _pair_keys(trades, s)  # the (owner, issuer) pair as one integer: an integer "by" key
    left = pd.DataFrame({"_row": np.arange(len(trades)), "pair": tkey, "date": trades["date"].to_numpy(),
                         "trans_date": trades["trans_date"].to_numpy()}).sort_values("date")
    right = pd.DataFrame({"pair": skey, "date": s["public_date"].to_numpy(),
                          "last_trade": s["last_trade"].to_numpy()})
    right = right[right["pair"] >= 0].sort_values("date")  # a sale without CIKs matches no trade
    m = pd.merge_asof(left, right, on="date", by="pair", allow_exact_matches=False)
    m = m.set_index("_row").reindex(np.arange(len(trades)))
    m.index = trades.index
    gap = (m["trans_date"] - m["last_trade"]).dt.days
    start = data_start if data_start is not None else history["trans_date"].min()
    censored = (m["trans_date"] - start).dt.days < days
    out = pd.Series(pd.NA, index=trades.index, dtype="boolean")
    out[gap.notna().to_numpy()] = (gap[gap.notna()] >= days).to_numpy()
    none_before = gap.isna().to_numpy()
    out[none_before & ~censored.to_numpy(bool)] = True
    return out.rename("silent")


def cluster_counts(keys: pd.DataFrame, day: np.ndarray, trades_keys: pd.DataFrame, trades_day: np.ndarray,
                   trades_owner: pd.Series, window: int) -> np.ndarray:
    """Distinct owners with a trade (same key) whose trading-day index lies in ``[day - window + 1, day]``.

    Each owner's trades are turned into coverage intervals ``[d, d + window - 1]``,
    merged per owner (so an owner counts once), and the count of intervals covering
    a day is ``#starts <= day - #ends < day``, with searchsorted on composite keys.

    Parameters
    ----------
    keys
        The key columns of each query (e.g. issuer and direction).
    day
        The query's trading-day index.
    trades_keys
        The same key columns for every trade.
    trades_day
        Each trade's trading-day index.
    trades_owner
        Each trade's owner.
    window
        Window length in trading days.

    Returns
    -------
    numpy.ndarray
        Integer counts, one per query.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> q = pd.DataFrame({"issuer": [1, 1]})
    >>> t = pd.DataFrame({"issuer": [1, 1, 1]})
    >>> cluster_counts(q, np.array([10, 30]), t, np.array([5, 8, 9]), pd.Series([7, 8, 8]), window=10).tolist()
    [2, 0]
    """
    if len(trades_day) == 0:
        return np.zeros(len(day), dtype=np.int64)
    gt, ge = _shared_codes(trades_keys, keys)
    owner = pd.factorize(trades_owner, use_na_sentinel=False)[0]  # (a missing owner is one owner, as "<NA>" was)
    # one row per (key, owner, day), sorted: an integer sort key (key, owner, day), no string comparisons
    td = trades_day.astype(np.int64)
    dmin = int(td.min())  # days as offsets from the first (day indices can be negative: before the calendar)
    n_o, n_d = int(owner.max()) + 2, int(td.max()) - dmin + 2
    comp = np.unique((gt.astype(np.int64) * n_o + owner) * n_d + (td - dmin))
    d = comp % n_d + dmin
    go = comp // n_d
    g = go // n_o
    same = go[1:] == go[:-1]
    new = np.concatenate([[True], ~(same & (d[1:] <= d[:-1] + window - 1))])
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, len(d) - 1]
    starts = d[first]  # a run's days are sorted: its first and last are its min and max
    ends = d[last] + window - 1
    gr = g[first]
    big = np.int64(1) << 32
    s_key = np.sort(gr.astype(np.int64) * big + starts)
    e_key = np.sort(gr.astype(np.int64) * big + ends)
    q = ge.astype(np.int64) * big + day.astype(np.int64)
    n_start = np.searchsorted(s_key, q, side="right") - np.searchsorted(s_key, ge.astype(np.int64) * big, side="left")
    n_end = np.searchsorted(e_key, q, side="left") - np.searchsorted(e_key, ge.astype(np.int64) * big, side="left")
    return np.where(ge >= 0, n_start - n_end, 0)


def _shared_codes(a: pd.DataFrame, b: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of the rows of *a* and *b* (same columns) such that equal rows, compared as text, get equal
    codes (one factorize per column, then of the combined code: no per-row string joins)."""
    code = np.zeros(len(a) + len(b), dtype=np.int64)
    for c in a.columns:
        # each side factorized in its own dtype, then only the distinct values compared as text (a missing
        # value is the text "<NA>" on both sides)
        fa, ua = pd.factorize(a[c])
        fb, ub = pd.factorize(b[c])
        text = pd.Index([*map(str, ua), *map(str, ub), "<NA>"])
        tcode = pd.factorize(text)[0]
        f = np.concatenate([tcode[np.where(fa >= 0, fa, len(text) - 1)],
                            tcode[np.where(fb >= 0, len(ua) + fb, len(text) - 1)]])
        code = pd.factorize(code * (len(text) + 1) + f)[0].astype(np.int64)  # re-coded: no overflow
    return code[: len(a)], code[len(a):]


def lockup_flags(day: np.ndarray, ipo_day: np.ndarray, band: int) -> np.ndarray:
    """True where a trading-day index lies within +/- *band* of the lock-up expiry index (NaN expiry: False).

    Parameters
    ----------
    day
        The events' trading-day index.
    ipo_day
        The trading-day index of each event's lock-up expiry (NaN when the firm had no IPO in the data).
    band
        Trading days either side.

    Returns
    -------
    numpy.ndarray
        Booleans.

    Examples
    --------
    >>> import numpy as np
    >>> lockup_flags(np.array([170, 200, 300]), np.array([175.0, 175.0, np.nan]), band=5).tolist()
    [True, False, False]
    """
    with np.errstate(invalid="ignore"):
        return np.isfinite(ipo_day) & (np.abs(day - ipo_day) <= band)


# ---------------------------------------------------------------------------- price-based signals

def _cumlog(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative log(1+r) and count of valid days, with a leading zero row (C[t] = sum over days < t)."""
    # a return of -100% or below (a zero or negative price) has no log; it counts as a missing day
    shape = (values.shape[0] + 1, *values.shape[1:])
    if values.ndim == 2 and values.dtype == np.float64:  # the panel: one compiled pass on all cores
        c = np.empty(shape)
        n = np.empty(shape, dtype=np.int32)
        cumlog_into(values, c, n)
        return c, n
    with np.errstate(invalid="ignore"):
        valid = values > -1.0  # (False for NaN)
    valid &= np.isfinite(values)
    c = np.zeros(shape)  # written in place: no full-size temporaries
    np.log1p(values, out=c[1:], where=valid)
    np.cumsum(c[1:], axis=0, out=c[1:])
    n = np.zeros(shape, dtype=np.int32)
    np.cumsum(valid, axis=0, out=n[1:])
    return c, n


def add_price_signals(events: pd.DataFrame, panel: ReturnsPanel, *, params: SignalParams | None = None,
                      firms: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add ``runup``, ``runup_q``, ``drawdown``, ``dip``, ``ipo_date``, ``lockup`` and ``mcap`` columns.

    Uses returns strictly before day 0 (the first trading day on or after ``date``).
    ``firms`` may carry ``ticker`` with ``ipo_date`` and ``shares_outstanding``.

    Parameters
    ----------
    events
        Events with ``ticker``, ``date`` and ``direction``.
    panel
        The returns panel.
    params
        The signals' parameters (:class:`SignalParams`; its defaults when None).
    firms
        Firm data (IPO dates for the lock-up signal, shares outstanding for market values).

    Returns
    -------
    pandas.DataFrame
        *events* with the price signals (NaN where the panel has too little history).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> ev = add_price_signals(study.events[["ticker", "date", "direction"]], study.panel)
    >>> ev[["runup", "drawdown", "dip"]].columns.tolist()
    ['runup', 'drawdown', 'dip']
    >>> bool(ev["dip"].sum() > 0)
    True
    """
    p = params or SignalParams()
    ev = events.copy()
    cal = panel.dates
    T = len(cal)
    d0 = day_index(cal, ev["date"])
    col = pd.Series(np.arange(len(panel.tickers)), index=panel.tickers)
    col = col[~col.index.duplicated()]
    j = ev["ticker"].astype(str).map(col).to_numpy(dtype=float)
    ok = np.isfinite(j) & (d0 < T)
    jj = np.where(ok, j, 0).astype(np.int64)
    C, N = _cumlog(panel.values)
    L = p.runup_days
    lo = np.clip(d0 - L, 0, T)
    hi = np.clip(d0, 0, T)
    stock = np.exp(C[hi, jj] - C[lo, jj]) - 1.0
    nobs = N[hi, jj] - N[lo, jj]
    runup = np.full(len(ev), np.nan)
    if panel.market is not None:
        Cm, _ = _cumlog(panel.market)
        mkt = np.exp(Cm[hi] - Cm[lo]) - 1.0
        valid = ok & (d0 - L >= 0) & (nobs >= p.runup_min_obs)
        runup[valid] = (stock - mkt)[valid]
        # breakpoints: all stocks at the last trading day of the previous month
        month = cal.to_period("M")
        last_of_month = np.nonzero(np.r_[month[1:] != month[:-1], True])[0]  # index of each month's last day
        t_end = last_of_month + 1  # C index just after that day
        lo_e = np.clip(t_end - L, 0, T)
        allrun = np.exp(C[t_end] - C[lo_e]) - 1.0 - (np.exp(Cm[t_end] - Cm[lo_e]) - 1.0)[:, None]
        allrun[(N[t_end] - N[lo_e]) < p.runup_min_obs] = np.nan
        allrun[t_end - L < 0] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # months before any stock has a full run-up
            bps = np.nanquantile(allrun, [0.2, 0.4, 0.6, 0.8], axis=1).T  # (n_months, 4)
        ev_month = pd.PeriodIndex(pd.to_datetime(ev["date"]), freq="M")
        prev = ev_month - 1
        mpos = pd.Index(month[last_of_month]).get_indexer(prev)
        q = np.full(len(ev), np.nan)
        has = (mpos >= 0) & np.isfinite(runup)
        if has.any():
            b = bps[mpos[has]]
            good = np.isfinite(b).all(axis=1)
            qq = 1 + (runup[has][:, None] > b).sum(axis=1)
            q[np.nonzero(has)[0][good]] = qq[good]
        ev["runup_q"] = pd.array(np.where(np.isfinite(q), q, np.nan), dtype="Float64").astype("Int64")
    else:
        ev["runup_q"] = pd.array([pd.NA] * len(ev), dtype="Int64")
    ev["runup"] = runup
    # drawdown from the highest (relative) price of the previous dip_days trading days to day -1
    D = p.dip_days
    dd = np.empty(len(ev))
    drawdowns(C, np.ascontiguousarray(d0, dtype=np.int64), jj, D, dd)
    dd_ok = ok & (d0 - D >= 0)
    ev["drawdown"] = np.where(dd_ok, dd, np.nan)
    ev["dip"] = dd_ok & (dd <= -p.dip_drawdown) & (ev["direction"].to_numpy() == "buy" if "direction" in ev else True)
    # lock-up expiry
    ipo = pd.Series(pd.NaT, index=ev.index, dtype="datetime64[ns]")
    if firms is not None and "ipo_date" in firms.columns:
        fm = firms.dropna(subset=["ipo_date"]).drop_duplicates("ticker").set_index("ticker")["ipo_date"]
        ipo = pd.to_datetime(ev["ticker"].astype(str).map(fm))
    else:
        vals = panel.values
        first = np.argmax(np.isfinite(vals), axis=0)  # the first return is the day after the first price
        has_any = np.isfinite(vals).any(axis=0)
        first_px = np.where(has_any & (first > 1), first - 1, -1)
        fp = pd.Series(np.where(first_px >= 0, first_px, -1), index=panel.tickers)
        fp = fp[~fp.index.duplicated()]
        k = ev["ticker"].astype(str).map(fp).fillna(-1).astype(int).to_numpy()
        ipo = pd.Series(cal[np.clip(k, 0, T - 1)], index=ev.index).where(k >= 0)
    expiry = pd.to_datetime(ipo) + pd.Timedelta(days=p.lockup_days)
    exp_idx = np.where(expiry.notna(), day_index(cal, expiry.fillna(cal[0])), np.nan).astype(float)
    ev["ipo_date"] = ipo
    ev["lockup"] = lockup_flags(d0.astype(float), exp_idx, p.lockup_band) & (ev["direction"].to_numpy() == "sell")
    # market value at the trade price
    if firms is not None and "shares_outstanding" in firms.columns and "price" in ev.columns:
        so = firms.drop_duplicates("ticker").set_index("ticker")["shares_outstanding"]
        ev["mcap"] = ev["ticker"].astype(str).map(so).astype(float) * ev["price"].astype(float)
        ev["value_to_mcap"] = ev["value"] / ev["mcap"]
    return ev
