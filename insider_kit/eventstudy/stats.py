"""Event-study test statistics (vectorised over events).

Each function documents its formula and source.  Notation: N events, CAR_i the
cumulative abnormal return of event i over a window of L days, SCAR_i the CAR
standardised by its estimation-period forecast-error standard deviation,
n_i the number of estimation days.
"""

from __future__ import annotations

import warnings
from concurrent.futures import Executor

import numpy as np
from scipy import special as sp

from .._lazy import scipy_stats as st

__all__ = [
    "bmp_t",
    "corrado_from_ubar",
    "corrado_rank_z",
    "cross_sectional_t",
    "generalized_sign_z",
    "kolari_pynnonen_t",
    "mean_residual_correlation",
    "mean_window_overlap",
    "pair_correlation_mean",
    "patell_z",
    "positive_share",
    "sample_pairs",
    "skewness_adjusted_t",
    "test_table",
    "wilcoxon_p",
]


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
    t = car.mean() / (car.std(ddof=1) / np.sqrt(n))
    return float(t), float(2 * st.t.sf(abs(t), n - 1))


def patell_z(scar: np.ndarray, n_est: np.ndarray, k_params: int = 2) -> tuple[float, float]:
    """Patell (1976): Z = sum SCAR_i / sqrt(sum (n_i - k)/(n_i - k - 2)); normal p.

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
    v = (n_est[ok] - k_params) / (n_est[ok] - k_params - 2)
    z = scar[ok].sum() / np.sqrt(v.sum())
    return float(z), float(2 * st.norm.sf(abs(z)))


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
    n = len(d)
    if n < 2 or length < 1:
        return np.nan
    c = np.bincount(d - d.min()).astype(np.float64)
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
    r = max(float(rbar), 0.0) * (float(overlap) if np.isfinite(overlap) else 1.0)
    t = t_bmp * np.sqrt((1 - r) / (1 + (n - 1) * r))
    return float(t), float(2 * st.t.sf(abs(t), n - 1))


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
    residuals.

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
    if p in (0.0, 1.0):
        return np.nan, np.nan
    w = float((car > 0).sum())
    z = (w - n * p) / np.sqrt(n * p * (1 - p))
    return float(z), float(2 * st.norm.sf(abs(z)))


def corrado_from_ubar(ubar: np.ndarray, start: int, stop: int) -> float:
    """Corrado (1989) rank Z for the days ``start:stop`` of *ubar* (Cowan 1992 multi-day form).

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
    fin = np.isfinite(ubar)  # days where every event is missing have no Ubar
    s = np.sqrt(np.mean(ubar[fin] ** 2)) if fin.any() else np.nan
    L = stop - start
    return float(np.nansum(ubar[start:stop]) / (np.sqrt(L) * s)) if s > 0 else np.nan


def corrado_rank_z(resid: np.ndarray, ar_window: np.ndarray) -> float:
    """Corrado (1989) rank test for a multi-day window (Cowan 1992 form), the plain definition.

    Each event's finite estimation residuals and window ARs are ranked together (mid-ranks
    for ties), ``U = rank / (n_i + 1) - 0.5``; ``Ubar_t`` is the mean of U over the events
    with a value on day t; then :func:`corrado_from_ubar` over the window days.  The engine
    computes the same ``Ubar`` with compiled kernels (``_kernels``).

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
    v = np.concatenate([resid, ar_window], axis=1).astype(float)
    U = np.full(v.shape, np.nan)
    for i in range(v.shape[0]):  # the plain definition, one event at a time (small inputs only)
        f = np.isfinite(v[i])
        U[i, f] = st.rankdata(v[i, f]) / (f.sum() + 1) - 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ubar = np.nanmean(U, axis=0)
    return corrado_from_ubar(ubar, resid.shape[1], ubar.shape[0])


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
    return _wilcoxon_normal_p(n, w_plus, float(((size.astype(float) ** 3) - size).sum()))


def _wilcoxon_normal_p(n: int, w_plus: float, ties: float) -> float:
    """Two-sided p of W+ over *n* non-zero values, normal approximation; *ties*: sum of t^3 - t over tie groups."""
    var = n * (n + 1) * (2 * n + 1) / 24.0 - ties / 48.0
    if n == 0 or var <= 0:
        return np.nan
    z = (w_plus - n * (n + 1) / 4.0) / np.sqrt(var)
    return float(2 * sp.ndtr(-abs(z)))


def skewness_adjusted_t(x: np.ndarray) -> tuple[float, float]:
    """Hall (1992) / Lyon, Barber & Tsai (1999): t_sa = sqrt(N)(S + g S^2/3 + g/(6N)), S = mean/sd, g = skewness.

    For long-horizon BHARs, whose positive skewness biases the plain t.

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
    sd = x.std(ddof=1)
    S = x.mean() / sd
    g = ((x - x.mean()) ** 3).sum() / (n * sd**3)
    t = np.sqrt(n) * (S + g * S**2 / 3 + g / (6 * n))
    return float(t), float(2 * st.norm.sf(abs(t)))


def _wilcoxon_p_sorted(v: np.ndarray) -> float:
    """:func:`wilcoxon_p` of the finite values *v*, already sorted (the engine's path: one compiled merge
    instead of a sort of ``|x|``; :func:`wilcoxon_p` stays the plain definition the tests compare with)."""
    if len(v) <= 50:
        return wilcoxon_p(v)
    from ._kernels import wilcoxon_sorted

    return _wilcoxon_normal_p(*wilcoxon_sorted(v))


def _median_sorted(v: np.ndarray) -> float:
    n = len(v)
    if n == 0:
        return np.nan
    return float(v[n // 2]) if n % 2 else float((v[n // 2 - 1] + v[n // 2]) / 2)


# long: every statistic of the test table, vectorised over windows; each block is one statistic with its formula
def test_table(*, codes: np.ndarray, n_groups: int, car: np.ndarray, scar: np.ndarray, n_est: np.ndarray,
               k_params: int, ubar: np.ndarray, L_est: int, cw: np.ndarray, npos: np.ndarray, rbar: np.ndarray,
               bhar: np.ndarray | None, day0: np.ndarray | None = None,
               pool: Executor | None = None) -> dict[str, np.ndarray]:
    """Every statistic per group (``codes`` in ``0..n_groups-1``) and CAR window, vectorised over windows.

    *car*, *scar* (and *bhar*) are ``events x windows``; *ubar* the mean rank deviation per group
    and position (estimation days then window days), one per group or one per group and window (``groups x
    windows x positions``: from the events each window covers); *cw* the window bounds as positions in the
    event window (half-open); *npos* each event's count of positive estimation residuals; *rbar*
    each group's mean residual correlation (or one per group and window); *day0* each event's day-0 index (for the share of CAR-window
    days that pairs of events share, which scales the Kolari-Pynnönen adjustment; all events on one date
    without it).  The formulas are those of the scalar functions of this module (the tests check one
    against the other).  Rows are group-major.

    Moments and Patell's sums come from compiled passes over the event arrays (no per-group copies); the
    median and the Wilcoxon test from each group's and window's finite CARs, sorted once (compiled radix
    sort; the columns are sorted on *pool* when given).

    Parameters
    ----------
    codes, n_groups
        Each event's group and the number of groups.
    car, scar, bhar
        ``events x windows`` CARs, standardised CARs and BHARs (*bhar* None: no skewness-adjusted t).
    n_est, k_params, L_est
        Each event's estimation length, the model's parameters and the estimation window's length.
    ubar, cw, npos, rbar, day0
        As above.
    pool
        A thread pool for the sorts.

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
    from . import _kernels as K

    G, W = n_groups, car.shape[1]
    codes = np.ascontiguousarray(codes, dtype=np.int64)

    def moments(X: np.ndarray) -> tuple[np.ndarray, ...]:
        o = tuple(np.empty((G, W)) for _ in range(5))
        K.group_moments(codes, np.ascontiguousarray(X, dtype=np.float64), *o)
        return o  # n, mean, sd, centred third-moment sum, positives

    n, mean, sd, _, wpos = moments(car)
    ns, ms, ss, _, _ = moments(scar)
    zsum, vsum = np.empty((G, W)), np.empty((G, W))
    K.patell_sums(codes, np.ascontiguousarray(scar, dtype=np.float64), np.asarray(n_est, dtype=np.int64), k_params,
                  zsum, vsum)
    offsets = np.empty(G * W + 1, dtype=np.int64)
    vals = np.empty(int(n.sum()))
    K.gather_finite(codes, np.ascontiguousarray(car, dtype=np.float64), G, offsets, vals)

    def column(q: int) -> tuple[float, float]:
        v = vals[offsets[q]: offsets[q + 1]]
        K.sort_finite(v, np.empty_like(v))
        return _median_sorted(v), _wilcoxon_p_sorted(v)

    cols = list(pool.map(column, range(G * W))) if pool else [column(q) for q in range(G * W)]
    median = np.array([c[0] for c in cols]).reshape(G, W)
    p_wil = np.array([c[1] for c in cols]).reshape(G, W)
    # each window's sample is the events whose window is covered (finite CAR): the estimation-side quantities of
    # the sign test (p-hat), the rank test (U-bar) and Kolari-Pynnonen (r-bar) are from those events
    ubar = np.asarray(ubar, dtype=float)
    if ubar.ndim == 2:  # one U-bar per group for every window
        ubar = np.broadcast_to(ubar[:, None, :], (G, W, ubar.shape[1]))
    rbar = np.broadcast_to(np.asarray(rbar, dtype=float).reshape(G, -1), (G, W))
    fin = np.isfinite(car)
    n_pos_est = np.stack([np.bincount(codes[fin[:, k]], weights=npos[fin[:, k]], minlength=G) for k in range(W)], 1)
    n_days_est = np.stack([np.bincount(codes[fin[:, k]], weights=n_est[fin[:, k]], minlength=G) for k in range(W)], 1)
    if bhar is not None:
        nb, mb, sb, m3b, _ = moments(bhar)

    out: dict[str, list[np.ndarray]] = {}

    def put(name: str, v: np.ndarray | float) -> None:
        out.setdefault(name, []).append(np.broadcast_to(np.asarray(v, dtype=float), (W,)))

    with np.errstate(invalid="ignore", divide="ignore"):
        for g in range(G):
            ng = n[g]
            se = sd[g] / np.sqrt(ng)
            t_cs = np.where(ng > 1, mean[g] / se, np.nan)
            tcrit = np.where(ng > 1, sp.stdtrit(np.maximum(ng - 1, 1), 0.975), np.nan)
            put("n", ng)
            put("mean_car", mean[g])
            put("median_car", median[g])
            put("ci_low", mean[g] - tcrit * se)
            put("ci_high", mean[g] + tcrit * se)
            put("pct_positive", wpos[g] / ng)
            put("t_cs", t_cs)
            put("p_cs", 2 * sp.stdtr(np.maximum(ng - 1, 1), -np.abs(t_cs)))
            # Patell: sum SCAR / sqrt(sum (n_i - k)/(n_i - k - 2))
            z_p = np.where(vsum[g] > 0, zsum[g] / np.sqrt(vsum[g]), np.nan)
            put("patell_z", z_p)
            put("p_patell", 2 * sp.ndtr(-np.abs(z_p)))
            # BMP: cross-sectional t of SCAR; Kolari-Pynnonen adjustment with the group's rbar
            t_b = np.where(ns[g] > 1, ms[g] / (ss[g] / np.sqrt(ns[g])), np.nan)
            put("bmp_t", t_b)
            put("p_bmp", 2 * sp.stdtr(np.maximum(ns[g] - 1, 1), -np.abs(t_b)))
            if day0 is not None:  # (the events that count in each window: those whose window is covered)
                ing = codes == g
                ov = np.array([mean_window_overlap(day0[ing & np.isfinite(car[:, k])], int(b_ - a_))
                               for k, (a_, b_) in enumerate(cw)])
            else:
                ov = np.ones(W)
            r = np.maximum(rbar[g], 0.0) * np.where(np.isfinite(ov), ov, 1.0)
            t_kp = np.where(ng > 1, t_b * np.sqrt((1 - r) / (1 + (ng - 1) * r)), np.nan)
            put("kp_t", t_kp)
            put("kp_overlap", ov)
            put("p_kp", 2 * sp.stdtr(np.maximum(ng - 1, 1), -np.abs(t_kp)))
            put("rbar", rbar[g])
            # Corrado rank (Cowan 1992 multi-day form) from the group's Ubar
            z_r = np.array([corrado_from_ubar(ubar[g, k], L_est + int(a_), L_est + int(b_))
                            for k, (a_, b_) in enumerate(cw)])
            put("rank_z", z_r)
            put("p_rank", 2 * sp.ndtr(-np.abs(z_r)))
            # generalized sign: p from the group's estimation residuals
            p0 = np.where(n_days_est[g] > 0, n_pos_est[g] / np.maximum(n_days_est[g], 1), np.nan)
            z_s = np.where((p0 > 0) & (p0 < 1) & (ng > 0), (wpos[g] - ng * p0) / np.sqrt(ng * p0 * (1 - p0)), np.nan)
            put("sign_z", z_s)
            put("p_sign", 2 * sp.ndtr(-np.abs(z_s)))
            put("p_wilcoxon", p_wil[g])
            if bhar is not None:
                Sb = mb[g] / sb[g]
                gam = m3b[g] / (nb[g] * sb[g] ** 3)
                t_sa = np.where(nb[g] >= 3, np.sqrt(nb[g]) * (Sb + gam * Sb**2 / 3 + gam / (6 * nb[g])), np.nan)
                put("mean_bhar", mb[g])
                put("skew_adj_t", t_sa)
                put("p_skew_adj", 2 * sp.ndtr(-np.abs(t_sa)))
    return {k: np.concatenate(v) if v else np.zeros(0) for k, v in out.items()}
