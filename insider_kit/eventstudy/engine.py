"""Vectorised event-study engine: every event at once, in chunks, with no Python loop per event.

For each event with day 0 at calendar index ``d`` and a ticker column ``j``, the
estimation block ``R[d+e0 : d+e1+1, j]`` and the window block
``R[d+w0 : d+w1+1, j]`` are gathered with fancy indexing into ``(n_events, L)``
arrays.  Return models are fitted with closed-form masked sums (market model)
or batched normal equations (factor models), so missing days simply drop out.

References: MacKinlay (1997) "Event Studies in Economics and Finance", JEL 35;
Campbell, Lo & MacKinlay (1997) ch. 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataError, TooMuchDataLossError
from ..prices.panel import ReturnsPanel, day_index
from . import stats as S
from .results import EventStudyResult

__all__ = ["Model", "event_study"]

Model = Literal["raw", "mean_adjusted", "market_adjusted", "market_model", "ff3", "carhart"]
DEFAULT_CAR_WINDOWS: tuple[tuple[int, int], ...] = ((-1, 1), (0, 5), (0, 20), (0, 60), (0, 120))
_FACTORS = {"ff3": ("mkt_rf", "smb", "hml"), "carhart": ("mkt_rf", "smb", "hml", "mom")}


def event_study(
    events: pd.DataFrame,
    returns: ReturnsPanel,
    *,
    model: Model = "market_model",
    estimation: tuple[int, int] = (-250, -21),
    window: tuple[int, int] = (-20, 120),
    car_windows: Sequence[tuple[int, int]] | None = None,
    min_estimation: int = 120,
    group: str | None = None,
    max_loss: float | None = 0.5,
    bhar: bool = False,
    date_col: str = "date",
    ticker_col: str = "ticker",
    kp_pairs: int = 2000,
    chunk: int = 50_000,
    seed: int = 0,
) -> EventStudyResult:
    """Run an event study over all *events* at once.

    Parameters
    ----------
    events
        One row per event with ``ticker`` and ``date`` (day 0 is the first
        trading day on or after ``date``) and optionally a *group* column.
    returns
        A :class:`~insider_kit.prices.ReturnsPanel` (market series required by the
        market-adjusted and market models and by BHAR; factors by ``ff3``/``carhart``).
    model
        ``raw``: AR = R.  ``mean_adjusted``: R - mean estimation R.
        ``market_adjusted``: R - R_m.  ``market_model``: R - (a + b R_m), OLS on the
        estimation window.  ``ff3``/``carhart``: R - rf - X f, OLS on Fama-French
        3 factors (+ momentum) of excess returns.
    estimation, window
        Relative-day ranges (inclusive) of the estimation and event windows.
    car_windows
        Relative-day ranges over which CARs are summed (each must lie in *window*).
    min_estimation
        Minimum non-missing estimation days; fewer drops the event with a reason.
    group
        Column of *events* whose values define the groups of ``aar``/``caar``/``tests``.
    max_loss
        Raise :class:`~insider_kit.errors.TooMuchDataLossError` when a larger share
        of events is dropped (None disables).
    bhar
        Also compute buy-and-hold abnormal returns against the market for each CAR window.

    Returns
    -------
    EventStudyResult
        ``ar``, ``car``, ``aar``, ``caar``, ``tests``, ``dropped``, ``summary()``, ``plot()``.

    Notes
    -----
    Market model: :math:`AR_{it} = R_{it} - \\hat\\alpha_i - \\hat\\beta_i R_{mt}`;
    :math:`CAR_i(\\tau_1,\\tau_2) = \\sum_{t=\\tau_1}^{\\tau_2} AR_{it}` (missing days count as 0
    and are reported in ``car_n``).  The variance of a CAR accounts for estimation
    error (Campbell, Lo & MacKinlay 1997, eq. 4.4.14):
    :math:`\\sigma^2_i (L + L^2/n + (\\sum R_m - L\\bar R_m)^2 / S_{mm})`.
    """
    if ticker_col not in events.columns or date_col not in events.columns:
        raise DataError(f"events need columns {ticker_col!r} and {date_col!r}; got {list(events.columns)[:10]}")
    e0, e1 = estimation
    w0, w1 = window
    if not (e0 < e1 and w0 <= w1):
        raise DataError(f"bad windows: estimation={estimation}, window={window}")
    if e1 >= w0:
        raise DataError(f"estimation window {estimation} overlaps the event window {window}")
    cws = list(car_windows or [c for c in DEFAULT_CAR_WINDOWS if c[0] >= w0 and c[1] <= w1])
    for c in cws:
        if c[0] < w0 or c[1] > w1 or c[0] > c[1]:
            raise DataError(f"CAR window {c} is not inside the event window {window}")
    needs_mkt = model in ("market_adjusted", "market_model") or bhar
    if needs_mkt and returns.market is None:
        raise DataError(f"model {model!r} needs a market series in the returns panel")
    if model in _FACTORS:
        if returns.factors is None or not set(_FACTORS[model]) | {"rf"} <= set(returns.factors.columns):
            raise DataError(f"model {model!r} needs factors {_FACTORS[model] + ('rf',)} in the returns panel",
                            hint="load them with insider_kit.prices.load_factors and pass factors= to returns_panel")

    ev = events.reset_index(drop=True)
    n_all = len(ev)
    T = len(returns.dates)
    col = pd.Series(np.arange(len(returns.tickers)), index=returns.tickers)
    col = col[~col.index.duplicated()]
    j = ev[ticker_col].map(col).to_numpy(dtype=float)
    d0 = day_index(returns.dates, ev[date_col])
    reason = np.full(n_all, "", dtype=object)
    reason[pd.isna(ev[date_col]).to_numpy()] = "no event date"
    reason[(reason == "") & np.isnan(j)] = "no prices for ticker"
    reason[(reason == "") & (d0 >= T)] = "event date after the last price"
    reason[(reason == "") & (d0 + w1 >= T)] = "event window runs beyond the data"
    reason[(reason == "") & (d0 + e0 < 0)] = "estimation window starts before the data"
    ok = reason == ""
    idx_ok = np.nonzero(ok)[0]

    L_est, L_win = e1 - e0 + 1, w1 - w0 + 1
    rel = np.arange(w0, w1 + 1)
    R = returns.values
    M = returns.market if returns.market is not None else np.full(T, np.nan)  # checked above when a model needs it
    AR = np.full((len(idx_ok), L_win), np.nan)
    sig2 = np.full(len(idx_ok), np.nan)
    n_est = np.zeros(len(idx_ok), dtype=int)
    resid_store = np.full((len(idx_ok), L_est), np.nan, dtype=np.float32)
    mm_mean = np.full(len(idx_ok), np.nan)
    mm_sxx = np.full(len(idx_ok), np.nan)
    BH = {c: np.full(len(idx_ok), np.nan) for c in cws} if bhar else {}
    F = returns.factors
    # ticker-major copy: each event's days e0..w1 are then one contiguous run of memory, gathered as a
    # row of a sliding-window view (far fewer cache misses than column gathers from the dates x tickers array)
    # (worth its one copy of the panel only when the events read a good part of it)
    L_all = w1 - e0 + 1
    blocks = None
    if T >= L_all and len(idx_ok) * L_all * 4 >= R.size:
        blocks = np.lib.stride_tricks.sliding_window_view(np.ascontiguousarray(R.T), L_all, axis=1)
    for s0 in range(0, len(idx_ok), chunk):
        sl = slice(s0, s0 + chunk)
        ii = idx_ok[sl]
        jj = j[ii].astype(np.int64)[:, None]
        te = d0[ii][:, None] + np.arange(e0, e1 + 1)[None, :]
        tw = d0[ii][:, None] + rel[None, :]
        if blocks is not None:
            blk = blocks[jj[:, 0], d0[ii] + e0]
            Ye, Yw = blk[:, :L_est], blk[:, w0 - e0:]
        else:
            Ye, Yw = R[te, jj], R[tw, jj]
        if model == "raw":
            ar = Yw
            res = Ye - 0.0
            k = 0
        elif model == "mean_adjusted":
            with np.errstate(invalid="ignore", divide="ignore"):
                cnt = np.isfinite(Ye).sum(axis=1, keepdims=True)
                mu = np.nansum(Ye, axis=1, keepdims=True) / cnt
            ar, res, k = Yw - mu, Ye - mu, 1
        elif model == "market_adjusted":
            ar, res, k = Yw - M[tw], Ye - M[te], 0
        elif model == "market_model":
            Xe, Xw = M[te], M[tw]
            a, b, mx, sxx = S.masked_ols_1(Xe, Ye)
            ar, res, k = Yw - (a[:, None] + b[:, None] * Xw), Ye - (a[:, None] + b[:, None] * Xe), 2
            mm_mean[sl], mm_sxx[sl] = mx, sxx
        else:
            names = _FACTORS[model]
            assert F is not None
            fv = F.loc[:, list(names)].to_numpy(float)
            rf = F["rf"].to_numpy(float)
            Xe = np.concatenate([np.ones((*te.shape, 1)), fv[te]], axis=2)
            Xw = np.concatenate([np.ones((*tw.shape, 1)), fv[tw]], axis=2)
            coef = S.masked_ols_k(Xe, Ye - rf[te])
            ar = (Yw - rf[tw]) - np.einsum("nlk,nk->nl", Xw, coef)
            res = (Ye - rf[te]) - np.einsum("nlk,nk->nl", Xe, coef)
            k = len(names) + 1
        valid = np.isfinite(res)
        n = valid.sum(axis=1)
        n_est[sl] = n
        with np.errstate(invalid="ignore", divide="ignore"):
            sig2[sl] = np.where(n > k, np.nansum(res**2, axis=1) / np.maximum(n - k, 1), np.nan)
        AR[sl] = ar
        resid_store[sl] = res
        if bhar:
            for c in cws:
                a_, b_ = c[0] - w0, c[1] - w0 + 1
                Ri = np.nan_to_num(Yw[:, a_:b_])
                Mi = np.nan_to_num(M[tw][:, a_:b_])
                BH[c][sl] = np.prod(1 + Ri, axis=1) - np.prod(1 + Mi, axis=1)
    blocks = None  # release the ticker-major copy before the statistics
    short = n_est < min_estimation
    reason[idx_ok[short]] = [f"too little estimation data ({k_} < {min_estimation} days)" for k_ in n_est[short]]
    keep = ~short
    idx_used = idx_ok[keep]
    AR, sig2, n_est, resid_store = AR[keep], sig2[keep], n_est[keep], resid_store[keep]
    mm_mean, mm_sxx = mm_mean[keep], mm_sxx[keep]
    BH = {c: v[keep] for c, v in BH.items()}
    dropped = ev.loc[reason != ""].assign(reason=reason[reason != ""])
    loss = len(dropped) / n_all if n_all else 0.0
    if max_loss is not None and n_all and loss > max_loss:
        top = dropped["reason"].str.replace(r" \(.*", "", regex=True).value_counts().head(3)
        raise TooMuchDataLossError(
            f"{len(dropped):,} of {n_all:,} events dropped ({loss:.0%} > max_loss={max_loss:.0%}); main reasons: "
            + "; ".join(f"{r} ({c:,})" for r, c in top.items()),
            hint="check tickers and dates, or pass a larger max_loss",
        )
    if len(idx_used) == 0:
        raise DataError("no event could be used", hint="see the reasons: " + "; ".join(dropped["reason"].unique()[:3]))

    used = ev.iloc[idx_used].reset_index(drop=True)
    used["day0"] = returns.dates[d0[idx_used]]
    used["n_est"] = n_est
    used["sigma"] = np.sqrt(sig2)
    # CARs and their standardisation
    mkt_w = None
    if model == "market_model":
        tw = d0[idx_used][:, None] + rel[None, :]
        mkt_w = M[tw]
    car = {}
    car_n = {}
    scar = {}
    for c in cws:
        a_, b_ = c[0] - w0, c[1] - w0 + 1
        block = AR[:, a_:b_]
        car[c] = np.nansum(block, axis=1)
        car_n[c] = np.isfinite(block).sum(axis=1)
        Lc = b_ - a_
        if model == "market_model" and mkt_w is not None:
            sm = np.nansum(mkt_w[:, a_:b_], axis=1)
            var = sig2 * (Lc + Lc**2 / n_est + (sm - Lc * mm_mean) ** 2 / mm_sxx)
        else:
            var = sig2 * Lc
        scar[c] = car[c] / np.sqrt(var)
    groups = used[group].astype("string").fillna("<NA>") if group else pd.Series("all", index=used.index, dtype="string")
    rng = np.random.default_rng(seed)
    tests = S.test_table(
        groups=groups.to_numpy(), car=car, scar=scar, n_est=n_est, ar=AR, resid=resid_store, rel=rel, cws=cws,
        est_start=d0[idx_used] + e0, bhar=BH, kp_pairs=kp_pairs, rng=rng, k_params=2 if model == "market_model" else 1,
    )
    return EventStudyResult(
        events=used, rel_days=rel, ar_values=AR, car_windows=cws, car_values=car, car_n=car_n, scar_values=scar,
        bhar_values=BH, groups=groups, group_name=group, tests=tests, dropped=dropped.reset_index(drop=True),
        n_input=n_all, model=model, estimation=estimation, window=window,
    )
