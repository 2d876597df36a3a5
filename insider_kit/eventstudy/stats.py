"""Event-study test statistics (vectorised over events).

Each function documents its formula and source.  Notation: N events, CAR_i the
cumulative abnormal return of event i over a window of L days, SCAR_i the CAR
standardised by its estimation-period forecast-error standard deviation,
n_i the number of estimation days.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as st

__all__ = [
    "bmp_t",
    "corrado_from_ubar",
    "corrado_rank_z",
    "cross_sectional_t",
    "generalized_sign_z",
    "kolari_pynnonen_t",
    "masked_ols_1",
    "masked_ols_k",
    "mean_residual_correlation",
    "patell_z",
    "positive_share",
    "rank_ubar",
    "skewness_adjusted_t",
    "test_table",
]


def masked_ols_1(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise OLS of y on [1, x] using only days where both are finite.

    Returns alpha, beta, the mean of x used, and S_xx = sum (x - mean x)^2.
    Two passes: means first, then centred cross-products (numerically safe, few temporaries).
    """
    m = np.isfinite(x) & np.isfinite(y)
    n = m.sum(axis=1).astype(float)
    xm = np.where(m, x, 0.0)
    ym = np.where(m, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = xm.sum(1) / n
        my = ym.sum(1) / n
        xm -= mx[:, None]
        xm *= m  # centred x, zero where masked
        sxx = np.einsum("ij,ij->i", xm, xm)
        sxy = np.einsum("ij,ij->i", xm, ym)  # sum (x - mx) y = sum (x - mx)(y - my) over used days
        b = sxy / sxx
        a = my - b * mx
    return a, b, mx, sxx


def masked_ols_k(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row-wise OLS with k regressors (X: n x L x k, y: n x L), skipping non-finite days."""
    m = np.isfinite(y) & np.isfinite(X).all(axis=2)
    Xm = np.where(m[:, :, None], X, 0.0)
    ym = np.where(m, y, 0.0)
    XtX = np.einsum("nlk,nlj->nkj", Xm, Xm)
    Xty = np.einsum("nlk,nl->nk", Xm, ym)
    k = X.shape[2]
    bad = np.linalg.matrix_rank(XtX) < k if len(XtX) else np.zeros(0, bool)
    XtX[bad] = np.eye(k)
    coef = np.linalg.solve(XtX, Xty[..., None])[..., 0]
    coef[bad] = np.nan
    return coef


def cross_sectional_t(car: np.ndarray) -> tuple[float, float]:
    """t = mean(CAR) / (sd(CAR) / sqrt(N)) (Brown & Warner 1985); two-sided p from t(N-1)."""
    car = car[np.isfinite(car)]
    n = len(car)
    if n < 2:
        return np.nan, np.nan
    t = car.mean() / (car.std(ddof=1) / np.sqrt(n))
    return float(t), float(2 * st.t.sf(abs(t), n - 1))


def patell_z(scar: np.ndarray, n_est: np.ndarray, k_params: int = 2) -> tuple[float, float]:
    """Patell (1976): Z = sum SCAR_i / sqrt(sum (n_i - k)/(n_i - k - 2)); normal p."""
    ok = np.isfinite(scar) & (n_est > k_params + 2)
    if ok.sum() < 1:
        return np.nan, np.nan
    v = (n_est[ok] - k_params) / (n_est[ok] - k_params - 2)
    z = scar[ok].sum() / np.sqrt(v.sum())
    return float(z), float(2 * st.norm.sf(abs(z)))


def bmp_t(scar: np.ndarray) -> tuple[float, float]:
    """Boehmer, Musumeci & Poulsen (1991): t = mean(SCAR) / (sd(SCAR)/sqrt(N)); p from t(N-1)."""
    return cross_sectional_t(scar)


def mean_residual_correlation(resid: np.ndarray, est_start: np.ndarray, *, pairs: int, rng: np.random.Generator,
                              min_overlap: int = 30, rows: np.ndarray | None = None) -> float:
    """Average pairwise correlation of calendar-aligned estimation residuals (Kolari & Pynnönen 2010).

    Residuals of events i and k are paired on the calendar days their estimation
    windows share; for large N a random sample of *pairs* pairs is used.  *rows*
    restricts the events to a subset (indices into *resid*) without copying it.
    """
    rows = np.arange(resid.shape[0]) if rows is None else np.asarray(rows)
    N, L = len(rows), resid.shape[1]
    if N < 2:
        return 0.0
    all_pairs = N * (N - 1) // 2
    if all_pairs <= pairs:
        a, b = np.triu_indices(N, 1)
    else:
        a = rng.integers(0, N, pairs * 2)
        b = rng.integers(0, N, pairs * 2)
        keep = a != b
        a, b = a[keep][:pairs], b[keep][:pairs]
    a, b = rows[a], rows[b]
    # all sampled pairs at once: position t of event a's window is calendar day est_start[a] + t,
    # which is position t - off of event b's window (off = est_start[b] - est_start[a])
    off = (est_start[b] - est_start[a]).astype(np.int64)
    t = np.arange(L)[None, :]
    tk = t - off[:, None]
    inside = (tk >= 0) & (tk < L)
    xi = resid[a].astype(float)
    xk = np.take_along_axis(resid[b].astype(float), np.clip(tk, 0, L - 1), axis=1)
    m = inside & np.isfinite(xi) & np.isfinite(xk)
    n = m.sum(axis=1)
    xi = np.where(m, xi, 0.0)
    xk = np.where(m, xk, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mi = xi.sum(1) / n
        mk = xk.sum(1) / n
        di = np.where(m, xi - mi[:, None], 0.0)
        dk = np.where(m, xk - mk[:, None], 0.0)
        c = (di * dk).sum(1) / np.sqrt((di**2).sum(1) * (dk**2).sum(1))
    good = (n >= min_overlap) & np.isfinite(c)
    return float(c[good].mean()) if good.any() else 0.0


def kolari_pynnonen_t(t_bmp: float, n: int, rbar: float) -> tuple[float, float]:
    """Kolari & Pynnönen (2010): t_KP = t_BMP * sqrt((1 - r) / (1 + (N - 1) r)), r the mean residual correlation."""
    if not np.isfinite(t_bmp) or n < 2:
        return np.nan, np.nan
    adj = np.sqrt((1 - rbar) / (1 + (n - 1) * rbar)) if 1 + (n - 1) * rbar > 0 else np.nan
    t = t_bmp * adj
    return float(t), float(2 * st.t.sf(abs(t), n - 1))


def positive_share(resid: np.ndarray, rows: np.ndarray | None = None, chunk: int = 100_000) -> float:
    """Share of positive values among the finite estimation residuals (of *rows*), in chunks."""
    rows = np.arange(resid.shape[0]) if rows is None else rows
    pos = tot = 0
    for s0 in range(0, len(rows), chunk):
        r = resid[rows[s0:s0 + chunk]]
        f = np.isfinite(r)
        pos += int((r > 0).sum())
        tot += int(f.sum())
    return pos / tot if tot else np.nan


def generalized_sign_z(car: np.ndarray, resid: np.ndarray | None = None, *, p: float | None = None) -> tuple[float, float]:
    """Cowan (1992) generalized sign: Z = (w - N p) / sqrt(N p (1 - p)), p the share of positive estimation residuals."""
    car = car[np.isfinite(car)]
    n = len(car)
    if p is None:
        p = positive_share(resid) if resid is not None else np.nan
    if n < 1 or not np.isfinite(p):
        return np.nan, np.nan
    if p in (0.0, 1.0):
        return np.nan, np.nan
    w = float((car > 0).sum())
    z = (w - n * p) / np.sqrt(n * p * (1 - p))
    return float(z), float(2 * st.norm.sf(abs(z)))


def rank_ubar(resid: np.ndarray, ar: np.ndarray, codes: np.ndarray, n_groups: int,
              chunk: int = 50_000) -> np.ndarray:
    """Mean Corrado rank deviation per group and day, over estimation + event-window days.

    For each event the finite values of ``[resid | ar]`` are ranked (ordinal ranks; ties
    between continuous residuals are negligible), ``U = rank / (n_i + 1) - 0.5``; the result
    is the cross-sectional mean of U per group (*codes* in ``0..n_groups-1``) and day, shape
    ``(n_groups, L_est + L_win)``.  Computed in chunks of events (bounded memory).
    """
    L = resid.shape[1] + ar.shape[1]

    def part(s0: int) -> tuple[np.ndarray, np.ndarray]:
        sums = np.zeros((n_groups, L))
        cnts = np.zeros((n_groups, L))
        v = np.concatenate([resid[s0:s0 + chunk].astype(np.float32), ar[s0:s0 + chunk].astype(np.float32)], axis=1)
        fin = np.isfinite(v)
        order = np.argsort(np.where(fin, v, np.inf), axis=1)
        ranks = np.empty(v.shape, dtype=np.float32)
        np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, L + 1, dtype=np.float32), v.shape), axis=1)
        n = fin.sum(axis=1, keepdims=True).astype(np.float32)
        U = np.where(fin, ranks / (n + 1) - 0.5, 0.0)
        cg = codes[s0:s0 + chunk]
        for g in np.unique(cg):
            m = cg == g
            sums[g] += U[m].sum(axis=0)
            cnts[g] += fin[m].sum(axis=0)
        return sums, cnts

    from concurrent.futures import ThreadPoolExecutor

    starts = list(range(0, resid.shape[0], chunk))
    with ThreadPoolExecutor(max_workers=min(len(starts), os.cpu_count() or 1) or 1) as pool:
        results = list(pool.map(part, starts))  # numpy sorts release the GIL: chunks run on all cores
    sums = np.zeros((n_groups, L))
    cnts = np.zeros((n_groups, L))
    for a, b in results:
        sums += a
        cnts += b
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnts > 0, sums / cnts, np.nan)


def corrado_from_ubar(ubar: np.ndarray, start: int, stop: int) -> float:
    """Corrado (1989) rank Z for the days ``start:stop`` of *ubar* (Cowan 1992 multi-day form).

    Z = sum_{t in window} Ubar_t / sqrt(L * mean_{all t} Ubar_t^2).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # days where every event is missing
        s = np.sqrt(np.nanmean(ubar**2))
    L = stop - start
    return float(np.nansum(ubar[start:stop]) / (np.sqrt(L) * s)) if s > 0 else np.nan


def corrado_rank_z(resid: np.ndarray, ar_window: np.ndarray) -> float:
    """Corrado (1989) rank test for a multi-day window (Cowan 1992 form), ranking each event's
    estimation residuals and window ARs together (see :func:`rank_ubar`, :func:`corrado_from_ubar`)."""
    ubar = rank_ubar(resid, ar_window, np.zeros(resid.shape[0], dtype=np.int64), 1)[0]
    return corrado_from_ubar(ubar, resid.shape[1], ubar.shape[0])


def skewness_adjusted_t(x: np.ndarray) -> tuple[float, float]:
    """Hall (1992) / Lyon, Barber & Tsai (1999): t_sa = sqrt(N)(S + g S^2/3 + g/(6N)), S = mean/sd, g = skewness."""
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 3:
        return np.nan, np.nan
    sd = x.std(ddof=1)
    S = x.mean() / sd
    g = ((x - x.mean()) ** 3).sum() / (n * sd**3)
    t = np.sqrt(n) * (S + g * S**2 / 3 + g / (6 * n))
    return float(t), float(2 * st.norm.sf(abs(t)))


def test_table(*, groups: np.ndarray, car: dict, scar: dict, n_est: np.ndarray, ar: np.ndarray, resid: np.ndarray,
               rel: np.ndarray, cws: Sequence[tuple[int, int]], est_start: np.ndarray, bhar: dict, kp_pairs: int,
               rng: np.random.Generator, k_params: int) -> pd.DataFrame:
    """All statistics per group and CAR window (one row each)."""
    rows = []
    uniq = pd.unique(groups)
    codes = pd.Index(uniq).get_indexer(groups)
    ubar = rank_ubar(resid, ar, codes, len(uniq))  # ranks over estimation + event window, once
    L_est = resid.shape[1]
    for gi, g in enumerate(uniq):
        m = groups == g
        idx = np.nonzero(m)[0]
        rbar = mean_residual_correlation(resid, est_start, pairs=kp_pairs, rng=rng, rows=idx)
        p_pos = positive_share(resid, idx)
        for c in cws:
            x = car[c][m]
            n = int(np.isfinite(x).sum())
            mean = float(np.nanmean(x)) if n else np.nan
            sd = float(np.nanstd(x, ddof=1)) if n > 1 else np.nan
            tcrit = st.t.ppf(0.975, n - 1) if n > 1 else np.nan
            t_cs, p_cs = cross_sectional_t(x)
            z_p, p_p = patell_z(scar[c][m], n_est[m], k_params)
            t_b, p_b = bmp_t(scar[c][m])
            t_kp, p_kp = kolari_pynnonen_t(t_b, n, rbar)
            z_s, p_s = generalized_sign_z(x, p=p_pos)
            a_, b_ = c[0] - rel[0], c[1] - rel[0] + 1
            z_r = corrado_from_ubar(ubar[gi], L_est + a_, L_est + b_)
            try:
                p_w = float(st.wilcoxon(x[np.isfinite(x)]).pvalue) if n >= 10 else np.nan
            except ValueError:
                p_w = np.nan
            row = {
                "group": g, "window": f"({c[0]:+d},{c[1]:+d})", "n": n, "mean_car": mean,
                "median_car": float(np.nanmedian(x)) if n else np.nan,
                "ci_low": mean - tcrit * sd / np.sqrt(n) if n > 1 else np.nan,
                "ci_high": mean + tcrit * sd / np.sqrt(n) if n > 1 else np.nan,
                "pct_positive": float((x[np.isfinite(x)] > 0).mean()) if n else np.nan,
                "t_cs": t_cs, "p_cs": p_cs, "patell_z": z_p, "p_patell": p_p, "bmp_t": t_b, "p_bmp": p_b,
                "kp_t": t_kp, "p_kp": p_kp, "rbar": rbar, "rank_z": z_r,
                "p_rank": float(2 * st.norm.sf(abs(z_r))) if np.isfinite(z_r) else np.nan,
                "sign_z": z_s, "p_sign": p_s, "p_wilcoxon": p_w,
            }
            if c in bhar:
                t_sa, p_sa = skewness_adjusted_t(bhar[c][m])
                row |= {"mean_bhar": float(np.nanmean(bhar[c][m])), "skew_adj_t": t_sa, "p_skew_adj": p_sa}
            rows.append(row)
    return pd.DataFrame(rows).set_index(["group", "window"])
