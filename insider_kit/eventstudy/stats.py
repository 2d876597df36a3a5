"""Event-study test statistics: from the events' CARs and residuals to the sufficient statistics of each
test, and from those to the number through the definitions of :mod:`.reference`.

The functions taking one sample (``cross_sectional_t(car)``, ``bmp_t(scar)`` ...) compute the sample's
sufficient statistics and call the formula in :mod:`.reference`; :func:`test_table` computes the same
sufficient statistics for every group and CAR window at once (compiled passes) and calls the same formulas,
row by row of :data:`.reference.STATISTICS`.  Notation: N events, CAR_i the cumulative abnormal return of
event i over a window of L days, SCAR_i the CAR standardised by its estimation-period forecast-error standard
deviation, n_i the number of estimation days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .._lazy import scipy_stats as st
from . import reference as R

__all__ = [
    "GrankSums",
    "PatellForm",
    "SignP",
    "bmp_t",
    "corrado_from_ubar",
    "corrado_rank_z",
    "cross_sectional_t",
    "generalized_sign_z",
    "grank_sums",
    "kolari_pynnonen_t",
    "mean_residual_correlation",
    "mean_window_overlap",
    "pair_correlation_mean",
    "patell_z",
    "positive_share",
    "sample_pairs",
    "skewness_adjusted_t",
    "sufficient_statistics",
    "test_table",
    "wilcoxon_p",
]

#: Patell's convention: each event's SCAR (Campbell, Lo & MacKinlay; the default) or its daily standardized ARs
#: summed (:func:`.reference.daily_standardized_car`).
PatellForm = Literal["scar", "daily"]

#: How the generalized sign test's share of positive estimation residuals is made: pooled over the sample's
#: estimation days (the kit's default), or each event's share averaged over the events (Cowan 1992).
SignP = Literal["pooled", "per_firm"]


def cross_sectional_t(car: np.ndarray) -> tuple[float, float]:
    """t = mean(CAR) / (sd(CAR) / sqrt(N)) (Brown & Warner 1985); two-sided p from t(N-1).

    Parameters
    ----------
    car
        One CAR per event (non-finite values are left out).

    Returns
    -------
    (float, float)
        The statistic and its two-sided p-value.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(0.01, 0.05, 40)
    >>> import scipy.stats as st
    >>> np.allclose(cross_sectional_t(x), tuple(st.ttest_1samp(x, 0.0)))
    True
    """
    car = car[np.isfinite(car)]
    n = len(car)
    if n < 2:
        return np.nan, np.nan
    t, p = R.t_statistic(np.float64(n), car.mean(), car.std(ddof=1))
    return float(t), float(p)


def patell_z(scar: np.ndarray, n_est: np.ndarray, k_params: int = 2) -> tuple[float, float]:
    """Patell (1976) in the Campbell, Lo & MacKinlay (1997, eq. 4.4.22) SCAR form:
    Z = sum SCAR_i / sqrt(sum (n_i - k)/(n_i - k - 2)); normal p.

    Convention: each SCAR is the event's CAR over its own forecast-error standard deviation for the whole window
    (:func:`.reference.car_variance`); packages that standardise each day's AR and sum them leave out the
    covariance of the estimation error across the window's days and differ by up to about 8% on multi-day
    windows (``docs/guide/engine.md``, conventions).

    Parameters
    ----------
    scar
        One standardised CAR per event.
    n_est
        Each event's estimation-period length.
    k_params
        Parameters of the return model (2 for the market model).

    Returns
    -------
    (float, float)
        The statistic and its two-sided p-value.

    Examples
    --------
    >>> import numpy as np
    >>> z, p = patell_z(np.array([1.0, 0.5, 1.5]), np.array([102, 102, 102]))  # (n-k)/(n-k-2) = 100/98
    >>> bool(np.isclose(z, 3.0 / np.sqrt(3 * 100 / 98)))
    True
    """
    ok = np.isfinite(scar) & (n_est > k_params + 2)
    if ok.sum() < 1:
        return np.nan, np.nan
    z, p = R.patell_z(scar[ok].sum(), R.patell_variance(n_est[ok], k_params).sum())
    return float(z), float(p)


def bmp_t(scar: np.ndarray) -> tuple[float, float]:
    """Boehmer, Musumeci & Poulsen (1991): t = mean(SCAR) / (sd(SCAR)/sqrt(N)); p from t(N-1).

    The cross-sectional t of standardised CARs: robust to an event-induced increase in variance.

    Parameters
    ----------
    scar
        One standardised CAR per event.

    Returns
    -------
    (float, float)
        The statistic and its two-sided p-value.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(0.01, 0.05, 40)
    >>> bmp_t(x / 0.05) == cross_sectional_t(x / 0.05)
    True
    """
    return cross_sectional_t(scar)


def sample_pairs(n: int, pairs: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(a, b)``, ``a != b``, among *n* items: all ``a < b`` pairs when there are at most *pairs*,
    else *pairs* pairs drawn uniformly with replacement.

    Parameters
    ----------
    n
        Items.
    pairs
        Most pairs returned.
    rng
        The random generator (used only when sampling).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The two index arrays.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = sample_pairs(4, 10, np.random.default_rng(0))
    >>> list(zip(a.tolist(), b.tolist()))
    [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    """
    if n < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if n * (n - 1) // 2 <= pairs:
        a, b = np.triu_indices(n, 1)
        return a.astype(np.int64), b.astype(np.int64)
    a = rng.integers(0, n, pairs * 2)
    b = rng.integers(0, n, pairs * 2)
    keep = a != b
    return a[keep][:pairs], b[keep][:pairs]


def pair_correlation_mean(resid: np.ndarray, est_start: np.ndarray, a: np.ndarray, b: np.ndarray,
                          min_overlap: int = 30) -> float:
    """Mean correlation of the residual rows ``a[k]`` and ``b[k]`` on the calendar days their windows share.

    Position t of row a's window is calendar day ``est_start[a] + t``, i.e. position ``t - off``
    of row b's window (``off = est_start[b] - est_start[a]``); pairs sharing fewer than
    *min_overlap* finite days are left out (0.0 when none is left).

    Parameters
    ----------
    resid
        ``events x estimation days`` residuals.
    est_start
        Each event's first estimation day (calendar index).
    a, b
        The pairs' rows.
    min_overlap
        Fewest shared finite days for a pair to count.

    Returns
    -------
    float
        The mean correlation.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.random.default_rng(0).normal(size=(2, 120))
    >>> same = pair_correlation_mean(np.vstack([r[0], r[0]]), np.array([0, 0]), np.array([0]), np.array([1]))
    >>> round(same, 12)
    1.0
    """
    if len(a) == 0:
        return 0.0
    from ._kernels import pair_correlations

    c = np.empty(len(a))
    pair_correlations(np.ascontiguousarray(resid, dtype=np.float64), np.asarray(est_start, dtype=np.int64),
                      np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64), min_overlap, c)
    good = np.isfinite(c)
    return float(c[good].mean()) if good.any() else 0.0


def mean_residual_correlation(resid: np.ndarray, est_start: np.ndarray, *, pairs: int, rng: np.random.Generator,
                              min_overlap: int = 30, rows: np.ndarray | None = None) -> float:
    """Average pairwise correlation of calendar-aligned estimation residuals (Kolari & Pynnönen 2010).

    Residuals of events i and k are paired on the calendar days their estimation
    windows share; for large N a random sample of *pairs* pairs is used
    (:func:`sample_pairs`, :func:`pair_correlation_mean`).  *rows* restricts the
    events to a subset (indices into *resid*).

    Parameters
    ----------
    resid
        ``events x estimation days`` residuals.
    est_start
        Each event's first estimation day (calendar index).
    pairs
        Most pairs used.
    rng
        The random generator for the pair sample.
    min_overlap
        Fewest shared finite days for a pair to count.
    rows
        The events to use (all when None).

    Returns
    -------
    float
        The mean correlation (near 0 for independent residuals).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> common = rng.normal(size=200)
    >>> resid = 0.6 * common + 0.8 * rng.normal(size=(20, 200))  # correlation 0.36 between events
    >>> r = mean_residual_correlation(resid, np.zeros(20, dtype=int), pairs=500, rng=rng)
    >>> 0.25 < r < 0.45
    True
    """
    rows = np.arange(resid.shape[0]) if rows is None else np.asarray(rows)
    a, b = sample_pairs(len(rows), pairs, rng)
    return pair_correlation_mean(resid, est_start, rows[a], rows[b], min_overlap)


def mean_window_overlap(day0: np.ndarray, length: int) -> float:
    """Average, over all pairs of events, of the share of their CAR windows' days that fall on the same
    calendar days: ``max(0, L - |d_i - d_j|) / L`` for windows of *length* L trading days starting at day
    indices ``d_i + a`` and ``d_j + a`` (1 for events on one date, 0 for events further apart than L).

    Computed from the events' day counts: pairs at distance k number ``sum_t c_t c_{t+k}`` (``c_t (c_t - 1) / 2``
    at distance 0), so the cost is ``O(L x days)``, not ``O(N^2)``.  NaN for fewer than two events.

    Parameters
    ----------
    day0
        The events' day-0 indices.
    length
        The CAR window's length in trading days.

    Returns
    -------
    float
        The mean overlap share.

    Examples
    --------
    >>> import numpy as np
    >>> mean_window_overlap(np.array([10, 10, 15]), 10)  # pairs: 1, 0.5, 0.5
    0.6666666666666666
    """
    d = np.asarray(day0, dtype=np.int64)
    if len(d) < 2 or length < 1:
        return np.nan
    return overlap_from_counts(np.bincount(d - d.min()).astype(np.float64), length)


def overlap_from_counts(c: np.ndarray, length: int) -> float:
    """:func:`mean_window_overlap` from the events' counts per calendar day (``c[t]``: events on day t).

    Parameters
    ----------
    c
        Events per day (consecutive days).
    length
        The CAR window's length in trading days.

    Returns
    -------
    float
        The mean overlap share (NaN for fewer than two events).

    Examples
    --------
    >>> import numpy as np
    >>> overlap_from_counts(np.array([2.0, 0, 0, 0, 0, 1.0]), 10) == mean_window_overlap(np.array([10, 10, 15]), 10)
    True
    """
    n = float(c.sum())
    if n < 2 or length < 1:
        return np.nan
    tot = float((c * (c - 1.0)).sum() / 2.0) * length
    for k in range(1, min(length, len(c))):
        tot += float(c[:-k] @ c[k:]) * (length - k)
    return tot / (length * n * (n - 1) / 2.0)


def kolari_pynnonen_t(t_bmp: float, n: int, rbar: float, overlap: float = 1.0) -> tuple[float, float]:
    r"""Kolari & Pynnönen (2010), for events whose CAR windows overlap in calendar time only in part.

    :math:`t_{KP} = t_{BMP} \sqrt{(1 - \bar r w) / (1 + (N - 1) \bar r w)}`, with :math:`\bar r` the mean
    correlation of the events' daily residuals and *w* = *overlap* the mean share of CAR-window days that
    pairs of events share in calendar time (:func:`mean_window_overlap`).

    Parameters
    ----------
    t_bmp
        The BMP t (:func:`bmp_t`).
    n
        Events.
    rbar
        Their mean residual correlation (:func:`mean_residual_correlation`).
    overlap
        The mean window overlap *w* (1: every event on one date).

    Returns
    -------
    (float, float)
        The adjusted t and its two-sided p from t(N-1).

    Notes
    -----
    The variance of the mean standardised CAR is :math:`N^{-2} \sum_i \sum_j Cov(z_i, z_j)`.  With unit
    variances and daily residual correlation :math:`\rho`, two events whose L-day windows share
    :math:`o_{ij}` calendar days have :math:`Cov(z_i, z_j) = \rho\, o_{ij} / L`, and events whose windows do
    not overlap have none.  Averaging over pairs, :math:`Var(\bar z) = N^{-1}(1 + (N - 1) \bar r w)` with
    :math:`w` the mean of :math:`o_{ij}/L`, and the cross-sectional variance that BMP uses has expectation
    :math:`1 - \bar r w`; hence the formula.  With every event on one date (w = 1) it is Kolari and
    Pynnönen's own; with no overlapping windows (w = 0) it is BMP.  A negative :math:`\bar r` (sampling error
    around zero in practice) is bounded at zero, so the adjustment never inflates BMP nor vanishes when
    :math:`1 + (N - 1)\bar r \le 0`.

    Examples
    --------
    >>> t, _ = kolari_pynnonen_t(3.0, 50, 0.05)
    >>> round(t, 4), kolari_pynnonen_t(3.0, 50, 0.05, overlap=0.0)[0]
    (1.5742, 3.0)
    """
    if not np.isfinite(t_bmp) or n < 2:
        return np.nan, np.nan
    t, p = R.kolari_pynnonen_t(t_bmp, n, rbar, overlap)
    return float(t), float(p)


def positive_share(resid: np.ndarray) -> float:
    """Share of positive values among the finite estimation residuals.

    Parameters
    ----------
    resid
        Residuals (any shape; NaN and infinite values are left out).

    Returns
    -------
    float
        The share (NaN when there is no finite value).

    Examples
    --------
    >>> import numpy as np
    >>> positive_share(np.array([0.1, -0.2, np.nan, 0.3]))
    0.6666666666666666
    """
    tot = int(np.isfinite(resid).sum())
    return float((resid > 0).sum()) / tot if tot else np.nan


def generalized_sign_z(car: np.ndarray, resid: np.ndarray | None = None, *, p: float | None = None) -> tuple[float, float]:
    """Cowan (1992) generalized sign: Z = (w - N p) / sqrt(N p (1 - p)), p the share of positive estimation
    residuals — pooled over the events' residual days here (the engine's default; Cowan averages each firm's
    share: ``event_study(sign_p="per_firm")``, :func:`.reference.generalized_sign_z`).

    Parameters
    ----------
    car
        One CAR per event; *w* is the number of positive ones.
    resid
        The estimation residuals *p* is computed from (:func:`positive_share`).
    p
        The share directly (instead of *resid*).

    Returns
    -------
    (float, float)
        The statistic and its two-sided p-value.

    Examples
    --------
    >>> import numpy as np
    >>> z, _ = generalized_sign_z(np.array([0.1, 0.2, -0.1, 0.3]), p=0.5)  # w = 3 of N = 4
    >>> bool(np.isclose(z, (3 - 2) / np.sqrt(4 * 0.25)))
    True
    """
    car = car[np.isfinite(car)]
    n = len(car)
    if p is None:
        p = positive_share(resid) if resid is not None else np.nan
    if n < 1 or not np.isfinite(p):
        return np.nan, np.nan
    z, pv = R.generalized_sign_z(float((car > 0).sum()), n, p)
    return float(z), float(pv)


def corrado_from_ubar(ubar: np.ndarray, start: int, stop: int) -> float:
    """The standardized rank Z for the days ``start:stop`` of *ubar*: Corrado (1989) ranks standardized as in
    Corrado & Zivney (1992), ``U = rank / (n_i + 1) - 1/2``, cumulated over the window as Cowan (1992) does.

    Z = sum_{t in window} Ubar_t / sqrt(L * mean_{all t} Ubar_t^2).

    Parameters
    ----------
    ubar
        The mean rank deviation of each day of the estimation and event windows.
    start, stop
        The window's positions in *ubar* (half-open); L = stop - start.

    Returns
    -------
    float
        The rank statistic (normal under the null).

    Examples
    --------
    >>> import numpy as np
    >>> u = np.r_[np.tile([0.1, -0.1], 50), np.full(5, 0.2)]
    >>> z = corrado_from_ubar(u, 100, 105)
    >>> bool(np.isclose(z, 1.0 / np.sqrt(5 * np.mean(u**2))))
    True
    """
    return R.rank_z(ubar, start, stop)


def corrado_rank_z(resid: np.ndarray, ar_window: np.ndarray) -> float:
    """The standardized rank test for a multi-day window, the plain definition: Corrado (1989) ranks standardized
    as in Corrado & Zivney (1992), summed over the window as Cowan (1992) does.

    :func:`.reference.mean_rank_deviation` (each event's finite estimation residuals and window ARs ranked
    together, ``U = rank / (n_i + 1) - 0.5``, averaged per day), then :func:`.reference.rank_z` over the window
    days.  The engine computes the same ``Ubar`` with compiled kernels (``_kernels``).

    Parameters
    ----------
    resid
        ``events x estimation days`` residuals.
    ar_window
        ``events x window days`` abnormal returns.

    Returns
    -------
    float
        The rank Z.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> corrado_rank_z(rng.normal(size=(30, 100)), rng.normal(0.5, 1.0, (30, 10))) > 2
    True
    """
    ubar = R.mean_rank_deviation(np.concatenate([resid, ar_window], axis=1))
    return R.rank_z(ubar, resid.shape[1], ubar.shape[0])


def wilcoxon_p(x: np.ndarray) -> float:
    r"""Two-sided p of the Wilcoxon signed-rank test of median zero (zeros dropped, mid-ranks for ties).

    Fewer than 10 values: NaN.  Up to 50: :func:`scipy.stats.wilcoxon` (exact where it applies).
    More: the normal approximation with the tie correction, as scipy's ``method="approx"``:
    :math:`z = (W^+ - n(n+1)/4) / \sqrt{n(n+1)(2n+1)/24 - \sum (t^3 - t)/48}` — computed from one
    sort of ``|x|`` carrying the sign in the lowest bit (fast for a million values).

    Parameters
    ----------
    x
        The values (non-finite ones are left out).

    Returns
    -------
    float
        The p-value.

    Examples
    --------
    >>> import numpy as np, scipy.stats as st
    >>> x = np.random.default_rng(1).normal(0.1, 1.0, 500)
    >>> bool(np.isclose(wilcoxon_p(x), st.wilcoxon(x, method="approx").pvalue, rtol=1e-9))
    True
    """
    x = x[np.isfinite(x)]
    if len(x) < 10:
        return np.nan
    if len(x) <= 50:
        try:
            return float(st.wilcoxon(x).pvalue)
        except ValueError:
            return np.nan
    d = x[x != 0]
    n = len(d)
    if n == 0:
        return np.nan
    # non-negative float64 bit patterns order like the values; shift left one bit and store the sign there
    key = (np.abs(d).view(np.uint64) << np.uint64(1)) | (d > 0).astype(np.uint64)
    key.sort()
    v = key >> np.uint64(1)
    first = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
    size = np.diff(np.r_[first, n])
    avg = first + (size + 1) / 2.0  # mid-rank of each tie group
    w_plus = float(np.repeat(avg, size) @ (key & np.uint64(1)).astype(float))
    return R.wilcoxon_p(n, w_plus, float(((size.astype(float) ** 3) - size).sum()))


def skewness_adjusted_t(x: np.ndarray) -> tuple[float, float]:
    """Hall (1992) / Lyon, Barber & Tsai (1999, eq. 5): t_sa = sqrt(N)(S + g S^2/3 + g/(6N)), S = mean/sd,
    g = sum (x - mean)^3 / (N sd^3) with the N - 1 sd (scipy's ``skew(bias=False)`` differs slightly); normal p.

    For long-horizon BHARs, whose positive skewness biases the plain t.  Lyon, Barber & Tsai recommend
    bootstrapped critical values instead of the normal's: :func:`.reference.bootstrap_skewness_p`
    (``event_study(bhar=True, bootstrap=1000)``, column ``p_skew_boot``).

    Parameters
    ----------
    x
        One BHAR per event.

    Returns
    -------
    (float, float)
        The statistic and its two-sided p-value.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(0.01, 0.05, 40)
    >>> import scipy.stats as st
    >>> S, g, n = x.mean() / x.std(ddof=1), st.skew(x, bias=False), len(x)
    >>> bool(np.isclose(skewness_adjusted_t(x)[0], np.sqrt(n) * (S + g * S**2 / 3 + g / (6 * n)), rtol=1e-2))
    True
    """
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 3:
        return np.nan, np.nan
    t, p = R.skewness_adjusted_t(np.float64(n), x.mean(), x.std(ddof=1), ((x - x.mean()) ** 3).sum())
    return float(t), float(p)


@dataclass
class GrankSums:
    """GRANK's sufficient statistics: per group, CAR window and position (the estimation days, then the
    cumulative day last), the sum of the events' generalized standardized ranks and how many events have one
    (:func:`.reference.generalized_ranks`, :func:`.reference.grank_t`)."""

    sums: np.ndarray
    counts: np.ndarray


def grank_sums(sar: np.ndarray, scar_star: np.ndarray, codes: np.ndarray, n_groups: int,
               out: GrankSums | None = None) -> GrankSums:
    """Add the generalized ranks of a block of events to GRANK's sums (the fast path of
    :func:`.reference.generalized_ranks`: one compiled pass, ``_kernels.grank_accumulate``).

    Each event's finite standardized estimation residuals *sar* and its re-standardized SCAR of each window
    (*scar_star*, NaN where the window does not count) are ranked together: the SCAR's mid-rank is ``1 + #less
    + #equal / 2``, an estimation day's is its mid-rank among the residuals plus one when the SCAR is below it
    (a half when equal); ``U = rank / (T_i + 1) - 1/2`` with ``T_i`` the event's finite residuals plus one.
    ``tests/test_grank.py`` checks the sums against the per-event definition.

    Parameters
    ----------
    sar
        ``events x estimation days``: residual / the event's estimation sigma (NaN on days the fit skipped).
    scar_star
        ``events x windows``: SCAR over the cross-sectional standard deviation of its group's SCARs.
    codes, n_groups
        Each event's group, the number of groups.
    out
        Sums to add to (new ones when None).

    Returns
    -------
    GrankSums
        ``groups x windows x (days + 1)`` sums and counts.

    Examples
    --------
    >>> import numpy as np
    >>> g = grank_sums(np.array([[0.5, -1.0, 2.0]]), np.array([[1.0]]), np.zeros(1, dtype=np.int64), 1)
    >>> (g.sums[0, 0] + 0.5).round(12).tolist()  # ranks 2, 1, 4 and 3 of 4 values, over 5
    [0.4, 0.2, 0.8, 0.6]
    """
    from . import _kernels as K

    L = sar.shape[1]
    W = scar_star.shape[1]
    if out is None:
        out = GrankSums(np.zeros((n_groups, W, L + 1)), np.zeros((n_groups, W, L + 1)))
    K.grank_accumulate(np.ascontiguousarray(sar, dtype=np.float64), np.ascontiguousarray(scar_star, dtype=np.float64),
                       np.ascontiguousarray(codes, dtype=np.int64), out.sums, out.counts)
    return out


def _bootstrap_skew(codes: np.ndarray, bhar: np.ndarray, n_groups: int, resamples: int, seed: int) -> np.ndarray:
    """``groups x windows``: the bootstrapped p of each sample's skewness-adjusted t
    (:func:`.reference.bootstrap_skewness_p`), each sample seeded by its group and window."""
    W = bhar.shape[1]
    p = np.full((n_groups, W), np.nan)
    for g in range(n_groups):
        for w in range(W):
            x = bhar[codes == g, w]
            x = x[np.isfinite(x)]
            if len(x) >= 12:  # (resamples of N / 4 >= 3 values)
                p[g, w] = R.bootstrap_skewness_p(x, resamples=resamples, rng=np.random.default_rng([seed, g, w]))[1]
    return p


def _wilcoxon_p_sorted(v: np.ndarray) -> float:
    """:func:`wilcoxon_p` of the finite values *v*, already sorted (the engine's path: one compiled merge
    instead of a sort of ``|x|``; :func:`wilcoxon_p` stays the plain definition the tests compare with)."""
    if len(v) <= 50:
        return wilcoxon_p(v)
    from ._kernels import wilcoxon_sorted

    return R.wilcoxon_p(*wilcoxon_sorted(v))


def _median_sorted(v: np.ndarray) -> float:
    n = len(v)
    if n == 0:
        return np.nan
    return float(v[n // 2]) if n % 2 else float((v[n // 2 - 1] + v[n // 2]) / 2)


def _window_sums(codes: np.ndarray, fin: np.ndarray, x: np.ndarray, G: int) -> np.ndarray:
    """``groups x windows``: the sum of *x* over each group's events whose window is covered (*fin*)."""
    out = np.empty((G, fin.shape[1]))
    for k in range(fin.shape[1]):
        # (a window covered for every event, the usual case, needs no mask; an event it does not cover weighs 0)
        w = x if fin[:, k].all() else np.where(fin[:, k], x, 0.0)
        out[:, k] = np.bincount(codes, weights=w, minlength=G)
    return out


def sufficient_statistics(*, codes: np.ndarray, n_groups: int, car: np.ndarray, scar: np.ndarray,
                          n_est: np.ndarray, k_params: int, ubar: np.ndarray, L_est: int, cw: np.ndarray,
                          npos: np.ndarray, rbar: np.ndarray, bhar: np.ndarray | None,
                          day0: np.ndarray | None = None, grank: GrankSums | None = None,
                          sign_p: SignP = "pooled", patell_sums: tuple[np.ndarray, np.ndarray] | None = None
                          ) -> dict[str, np.ndarray]:
    """The sufficient statistics of every test of :data:`.reference.STATISTICS`, ``groups x windows`` each
    (arguments as :func:`test_table`): ``n, mean, sd, positives`` of the CARs, ``n_s, mean_s, sd_s`` of the
    SCARs, ``sum_scar, sum_var`` (Patell), ``rbar, overlap`` (Kolari-Pynnönen), ``rank_z`` (from U-bar),
    ``p0`` (the sign test's share of positive estimation residuals: pooled over the sample's estimation days, or
    averaged per event with ``sign_p="per_firm"``), the median and the Wilcoxon p from each sample's sorted CARs,
    ``n_b, mean_b, sd_b, m3_b`` of the BHARs, ``same_date`` (the share of pairs of events on one day 0) and
    ``grank_ubar, grank_n`` (GRANK's mean generalized ranks, :class:`GrankSums`; NaN without them).  Patell's
    ``sum_scar, sum_var`` are *patell_sums* when given (the daily-standardized convention,
    :func:`.reference.daily_standardized_car`).

    Each window's sample is the events whose window is covered (finite CAR): the estimation-side quantities of
    the sign test (p-hat), the rank test (U-bar) and Kolari-Pynnönen (r-bar) are from those events.  Moments and
    Patell's sums come from compiled passes over the event arrays (no per-group copies); the median and the
    Wilcoxon sums from each group's and window's finite CARs, sorted once (``_kernels.sort_segments``).

    Parameters
    ----------
    codes, n_groups, car, scar, n_est, k_params, ubar, L_est, cw, npos, rbar, bhar, day0, grank, sign_p, patell_sums
        As :func:`test_table`.

    Returns
    -------
    dict of str to numpy.ndarray
        The statistics by name, each ``n_groups x windows``.

    Examples
    --------
    >>> import numpy as np
    >>> car = np.array([[0.01], [0.03], [-0.01]])
    >>> s = sufficient_statistics(codes=np.zeros(3, dtype=np.int64), n_groups=1, car=car, scar=car, n_est=np.full(3, 100),
    ...                           k_params=2, ubar=np.zeros((1, 101)), L_est=100, cw=np.array([[0, 1]]),
    ...                           npos=np.full(3, 50), rbar=np.zeros(1), bhar=None)
    >>> round(float(s["mean"][0, 0]), 6), int(s["positives"][0, 0])
    (0.01, 2)
    """
    from . import _kernels as K

    G, W = n_groups, car.shape[1]
    codes = np.ascontiguousarray(codes, dtype=np.int64)

    def moments(X: np.ndarray) -> tuple[np.ndarray, ...]:
        o = tuple(np.empty((G, W)) for _ in range(5))
        K.group_moments(codes, np.ascontiguousarray(X, dtype=np.float64), *o)
        return o  # n, mean, sd, centred third-moment sum, positives

    s: dict[str, np.ndarray] = {}
    s["n"], s["mean"], s["sd"], _, s["positives"] = moments(car)
    s["n_s"], s["mean_s"], s["sd_s"], _, _ = moments(scar)
    s["sum_scar"], s["sum_var"] = np.empty((G, W)), np.empty((G, W))
    K.patell_sums(codes, np.ascontiguousarray(scar, dtype=np.float64), np.asarray(n_est, dtype=np.int64), k_params,
                  s["sum_scar"], s["sum_var"])
    if patell_sums is not None:
        s["sum_scar"], s["sum_var"] = (np.asarray(x, dtype=float) for x in patell_sums)
    offsets = np.empty(G * W + 1, dtype=np.int64)
    vals = np.empty(int(s["n"].sum()))
    K.gather_finite(codes, np.ascontiguousarray(car, dtype=np.float64), G, offsets, vals)
    wil = K.sort_segments(vals, offsets, parallel=len(car) >= 20_000)
    seg = [vals[offsets[q]: offsets[q + 1]] for q in range(G * W)]
    s["median"] = np.array([_median_sorted(v) for v in seg]).reshape(G, W)
    s["p_wilcoxon"] = np.array([wilcoxon_p(v) if len(v) <= 50 else R.wilcoxon_p(int(wil[q, 0]), wil[q, 1], wil[q, 2])
                                for q, v in enumerate(seg)]).reshape(G, W)
    fin = np.isfinite(car)
    days_est = _window_sums(codes, fin, np.asarray(n_est, dtype=float), G)
    with np.errstate(invalid="ignore", divide="ignore"):
        if sign_p == "per_firm":  # Cowan (1992): each event's share of positive residuals, averaged over the events
            share = np.asarray(npos, dtype=float) / np.maximum(np.asarray(n_est, dtype=float), 1)
            s["p0"] = np.where(s["n"] > 0, _window_sums(codes, fin, share, G) / np.maximum(s["n"], 1), np.nan)
        else:
            s["p0"] = np.where(days_est > 0, _window_sums(codes, fin, np.asarray(npos, dtype=float), G)
                               / np.maximum(days_est, 1), np.nan)
    s["rbar"] = np.array(np.broadcast_to(np.asarray(rbar, dtype=float).reshape(G, -1), (G, W)))
    s["overlap"] = np.ones((G, W))
    s["same_date"] = np.ones((G, W))
    if day0 is not None:  # (the events that count in each window: those whose window is covered)
        d = np.asarray(day0, dtype=np.int64)
        span = int(d.max()) + 1 if len(d) else 1
        counts: np.ndarray = np.zeros((G, span))
        for k, (a, b) in enumerate(cw):
            if not (k and np.array_equal(fin[:, k], fin[:, k - 1])):  # (else: the window before's events)
                counts = np.bincount(codes[fin[:, k]] * span + d[fin[:, k]], minlength=G * span).reshape(G, span)
            s["overlap"][:, k] = [overlap_from_counts(counts[g].astype(np.float64), int(b - a)) for g in range(G)]
            s["same_date"][:, k] = [overlap_from_counts(counts[g].astype(np.float64), 1) for g in range(G)]
    ubar = np.asarray(ubar, dtype=float)
    if ubar.ndim == 2:  # one U-bar per group for every window
        ubar = np.broadcast_to(ubar[:, None, :], (G, W, ubar.shape[1]))
    s["rank_z"] = np.array([[R.rank_z(ubar[g, k], L_est + int(a), L_est + int(b)) for k, (a, b) in enumerate(cw)]
                            for g in range(G)]).reshape(G, W)
    if bhar is not None:
        s["n_b"], s["mean_b"], s["sd_b"], s["m3_b"], _ = moments(bhar)
    if grank is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            s["grank_ubar"] = np.where(grank.counts > 0, grank.sums / np.maximum(grank.counts, 1), np.nan)
        s["grank_n"] = grank.counts
    else:
        s["grank_ubar"] = np.full((G, W, 1), np.nan)
        s["grank_n"] = np.zeros((G, W, 1))
    return s


def test_table(*, codes: np.ndarray, n_groups: int, car: np.ndarray, scar: np.ndarray, n_est: np.ndarray,
               k_params: int, ubar: np.ndarray, L_est: int, cw: np.ndarray, npos: np.ndarray, rbar: np.ndarray,
               bhar: np.ndarray | None, day0: np.ndarray | None = None, grank: GrankSums | None = None,
               sign_p: SignP = "pooled", bootstrap: int = 0, seed: int = 0,
               patell_sums: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Every statistic per group (``codes`` in ``0..n_groups-1``) and CAR window: the sufficient statistics of
    :func:`sufficient_statistics`, then each formula of :mod:`.reference`, row by row of
    :data:`.reference.STATISTICS`.

    *car*, *scar* (and *bhar*) are ``events x windows``; *ubar* the mean rank deviation per group
    and position (estimation days then window days), one per group or one per group and window (``groups x
    windows x positions``: from the events each window covers); *cw* the window bounds as positions in the
    event window (half-open); *npos* each event's count of positive estimation residuals; *rbar*
    each group's mean residual correlation (or one per group and window); *day0* each event's day-0 index (for
    the share of CAR-window days that pairs of events share, which scales the Kolari-Pynnönen adjustment; all
    events on one date without it); *grank* GRANK's sums (:func:`grank_sums`; no GRANK without them);
    *sign_p* how the generalized sign test's p-hat is made (``"pooled"`` over the sample's estimation days, or
    ``"per_firm"``: each event's share averaged, as Cowan 1992); *bootstrap* the resamples of the bootstrapped
    skewness-adjusted t of the BHARs (0: none; :func:`.reference.bootstrap_skewness_p`, seeded by *seed*);
    *patell_sums* Patell's sums in the daily-standardized convention (``groups x windows`` each; the SCAR form
    without them).  Rows are group-major.

    Parameters
    ----------
    codes, n_groups
        Each event's group and the number of groups.
    car, scar, bhar
        ``events x windows`` CARs, standardised CARs and BHARs (*bhar* None: no skewness-adjusted t).
    n_est, k_params, L_est
        Each event's estimation length, the model's parameters and the estimation window's length.
    ubar, cw, npos, rbar, day0, grank, sign_p, bootstrap, seed, patell_sums
        As above.

    Returns
    -------
    dict of str to numpy.ndarray
        One array per statistic (``n``, ``mean_car``, ``ci_low``, ``t_cs``, ``patell_z``, ``bmp_t``,
        ``kp_t``, ``rank_z``, ``sign_z``, ``p_wilcoxon`` ... and their p-values), ``n_groups x windows`` long.

    Examples
    --------
    >>> import numpy as np
    >>> car = np.random.default_rng(0).normal(0.01, 0.05, (40, 1))
    >>> out = test_table(codes=np.zeros(40, dtype=np.int64), n_groups=1, car=car, scar=car / 0.05,
    ...                  n_est=np.full(40, 100), k_params=2, ubar=np.zeros((1, 110)), L_est=100,
    ...                  cw=np.array([[5, 10]]), npos=np.full(40, 50), rbar=np.zeros(1), bhar=None)
    >>> bool(np.isclose(out["t_cs"][0], cross_sectional_t(car[:, 0])[0]))
    True
    """
    s = sufficient_statistics(codes=codes, n_groups=n_groups, car=car, scar=scar, n_est=n_est, k_params=k_params,
                              ubar=ubar, L_est=L_est, cw=cw, npos=npos, rbar=rbar, bhar=bhar, day0=day0, grank=grank,
                              sign_p=sign_p, patell_sums=patell_sums)
    lo, hi = R.t_interval(s["n"], s["mean"], s["sd"])
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"n": s["n"], "mean_car": s["mean"], "median_car": s["median"], "ci_low": lo, "ci_high": hi,
               "se_car": np.where(s["n"] > 1, s["sd"] / np.sqrt(s["n"]), np.nan),
               "pct_positive": s["positives"] / s["n"]}
    for stat in R.STATISTICS:
        out[stat.columns[0]], out[stat.columns[1]] = stat.formula(s)
        s[stat.columns[0]] = out[stat.columns[0]]  # (Kolari-Pynnönen adjusts the BMP t)
        if stat.columns[0] == "kp_t":
            out["kp_overlap"], out["rbar"] = s["overlap"], s["rbar"]
    out["p_wilcoxon"] = s["p_wilcoxon"]
    # the validity rule's measurements (:mod:`.validity`): pairs on one date, the SCARs' cross-sectional variance
    out["same_date"], out["var_scar"] = s["same_date"], s["sd_s"] ** 2
    if bhar is not None:
        out["mean_bhar"] = s["mean_b"]
        out["skew_adj_t"], out["p_skew_adj"] = R.skewness_adjusted_t(s["n_b"], s["mean_b"], s["sd_b"], s["m3_b"])
        if bootstrap:
            out["p_skew_boot"] = _bootstrap_skew(codes, bhar, n_groups, bootstrap, seed)
    return {k: np.asarray(v, dtype=float).reshape(-1) for k, v in out.items()}
