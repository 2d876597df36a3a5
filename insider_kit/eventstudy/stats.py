"""Event-study test statistics (vectorised over events).

Each function documents its formula and source.  Notation: N events, CAR_i the
cumulative abnormal return of event i over a window of L days, SCAR_i the CAR
standardised by its estimation-period forecast-error standard deviation,
n_i the number of estimation days.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as st

__all__ = [
    "bmp_t",
    "corrado_rank_z",
    "cross_sectional_t",
    "generalized_sign_z",
    "kolari_pynnonen_t",
    "masked_ols_1",
    "masked_ols_k",
    "mean_residual_correlation",
    "patell_z",
    "skewness_adjusted_t",
    "test_table",
]


def masked_ols_1(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise OLS of y on [1, x] using only days where both are finite.

    Returns alpha, beta, the mean of x used, and S_xx = sum (x - mean x)^2.
    """
    m = np.isfinite(x) & np.isfinite(y)
    n = m.sum(axis=1).astype(float)
    xm, ym = np.where(m, x, 0.0), np.where(m, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = xm.sum(1) / n
        my = ym.sum(1) / n
        dx = np.where(m, x - mx[:, None], 0.0)
        sxx = (dx**2).sum(1)
        sxy = (dx * np.where(m, y - my[:, None], 0.0)).sum(1)
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
                              min_overlap: int = 30) -> float:
    """Average pairwise correlation of calendar-aligned estimation residuals (Kolari & Pynnönen 2010).

    Residuals of events i and k are paired on the calendar days their estimation
    windows share; for large N a random sample of *pairs* pairs is used.
    """
    N, L = resid.shape
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
    rs = []
    for i, k in zip(a, b, strict=True):  # loop over sampled pairs (bounded), not over events
        off = int(est_start[k] - est_start[i])
        if abs(off) >= L - min_overlap:
            continue
        xi = resid[i, max(0, off):L + min(0, off)]
        xk = resid[k, max(0, -off):L - max(0, off)]
        m = np.isfinite(xi) & np.isfinite(xk)
        if m.sum() < min_overlap:
            continue
        c = np.corrcoef(xi[m], xk[m])[0, 1]
        if np.isfinite(c):
            rs.append(c)
    return float(np.mean(rs)) if rs else 0.0


def kolari_pynnonen_t(t_bmp: float, n: int, rbar: float) -> tuple[float, float]:
    """Kolari & Pynnönen (2010): t_KP = t_BMP * sqrt((1 - r) / (1 + (N - 1) r)), r the mean residual correlation."""
    if not np.isfinite(t_bmp) or n < 2:
        return np.nan, np.nan
    adj = np.sqrt((1 - rbar) / (1 + (n - 1) * rbar)) if 1 + (n - 1) * rbar > 0 else np.nan
    t = t_bmp * adj
    return float(t), float(2 * st.t.sf(abs(t), n - 1))


def generalized_sign_z(car: np.ndarray, resid: np.ndarray) -> tuple[float, float]:
    """Cowan (1992) generalized sign: Z = (w - N p) / sqrt(N p (1 - p)), p the share of positive estimation residuals."""
    car = car[np.isfinite(car)]
    r = resid[np.isfinite(resid)]
    n = len(car)
    if n < 1 or len(r) == 0:
        return np.nan, np.nan
    p = float((r > 0).mean())
    if p in (0.0, 1.0):
        return np.nan, np.nan
    w = float((car > 0).sum())
    z = (w - n * p) / np.sqrt(n * p * (1 - p))
    return float(z), float(2 * st.norm.sf(abs(z)))


def corrado_rank_z(resid: np.ndarray, ar_window: np.ndarray) -> float:
    """Corrado (1989) rank test for a multi-day window (Cowan 1992 form).

    Ranks each event's residuals over estimation + window days together,
    U_it = rank / (n_i + 1) - 0.5; Ubar_t the cross-sectional mean;
    Z = sum_{t in window} Ubar_t / sqrt(L * mean_{all t} Ubar_t^2).
    """
    allv = np.concatenate([resid.astype(float), ar_window], axis=1)
    ranks = st.rankdata(np.where(np.isfinite(allv), allv, np.nan), axis=1, nan_policy="omit")
    n = np.isfinite(allv).sum(axis=1, keepdims=True)
    U = ranks / (n + 1) - 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # days where every event is missing
        Ubar = np.nanmean(U, axis=0)
        s = np.sqrt(np.nanmean(Ubar**2))
    L = ar_window.shape[1]
    win = Ubar[-L:]
    return float(np.nansum(win) / (np.sqrt(L) * s)) if s > 0 else np.nan


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
    for g in pd.unique(groups):
        m = groups == g
        rbar = mean_residual_correlation(resid[m], est_start[m], pairs=kp_pairs, rng=rng)
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
            z_s, p_s = generalized_sign_z(x, resid[m])
            a_, b_ = c[0] - rel[0], c[1] - rel[0] + 1
            z_r = corrado_rank_z(resid[m], ar[m][:, a_:b_])
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
