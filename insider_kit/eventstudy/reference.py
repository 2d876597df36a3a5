r"""The definitions: every number the kit reports, as a short plain-numpy function with its formula and paper.

This module is what a referee reads.  The engine's compiled kernels (``insider_kit.eventstudy._kernels``)
compute only *sufficient statistics* (per-event moments, per-group sums, cluster sums of scores) and the final
numbers come from calling the functions below; where a kernel does more (the fused per-event pass that fits
the return model and forms CARs and SCARs), ``tests/test_reference.py`` proves it equal to
:func:`event_abnormal_returns` on random inputs, with the JIT on and off (``NUMBA_DISABLE_JIT=1``).

Three parts:

* **Per event** — :func:`ols_fit`, :func:`event_abnormal_returns`: abnormal returns (AR), cumulative abnormal
  returns (CAR), the CAR's forecast-error variance (Campbell, Lo & MacKinlay 1997, eq. 4.4.14 and its
  multi-factor analogue), the standardized CAR (SCAR) and the buy-and-hold abnormal return (BHAR).
* **Test statistics from their sufficient statistics** — each a function of a few per-group numbers
  (count, mean, standard deviation, sums), vectorised over groups and windows, and the table
  :data:`STATISTICS` that lists them: adding a statistic is one function here, its sufficient statistics in
  :func:`insider_kit.eventstudy.stats.test_table` and one row of :data:`STATISTICS`.
* **One clustered covariance** — :func:`cluster_covariance` (one- and two-way, Cameron, Gelbach & Miller
  2011), the one estimator behind every clustered standard error of the kit, and :func:`hc1_covariance`.

Every function takes and returns numpy arrays or floats (no pandas), and none is compiled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special as sp

#: A number or an array of numbers (the formulas broadcast over samples).
Num = float | np.ndarray

__all__ = [
    "STATISTICS",
    "Statistic",
    "bhar",
    "bootstrap_skewness_p",
    "car",
    "car_variance",
    "cluster_covariance",
    "cluster_meat",
    "daily_standardized_car",
    "event_abnormal_returns",
    "generalized_ranks",
    "generalized_sign_z",
    "grank_t",
    "hc1_covariance",
    "kolari_pynnonen_t",
    "mean_rank_deviation",
    "normal_p",
    "ols_fit",
    "patell_variance",
    "patell_z",
    "rank_z",
    "scar",
    "skewness_adjusted_t",
    "student_p",
    "t_interval",
    "t_statistic",
    "wilcoxon_p",
]


# ------------------------------------------------------------------------------------------------- per event
def ols_fit(y: np.ndarray, Z: np.ndarray, *, const: bool = True) -> tuple[np.ndarray, float, int, np.ndarray]:
    r"""The return model fitted on the estimation days: OLS of *y* on a constant (when *const*) and *Z*.

    Days where *y* or a column of *Z* is missing are left out.  :math:`\hat\sigma^2 = \sum \hat e_t^2 / (n - k)`
    with *k* the parameters (so for the market-adjusted and raw models, *k* = 0, it is the mean square of the
    abnormal returns).

    Parameters
    ----------
    y
        The estimation days' returns (minus the model's offset: the market for the market-adjusted model, the
        risk-free rate for factor models).
    Z
        ``days x regressors`` (the market; the factors), possibly with no column.
    const
        Whether the model has a constant.

    Returns
    -------
    (numpy.ndarray, float, int, numpy.ndarray)
        The coefficients (constant first), :math:`\hat\sigma^2`, the days used *n* and :math:`(X'X)^{-1}`.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([0.01, -0.02, 0.03, 0.0, 0.01])
    >>> coef, s2, n, _ = ols_fit(0.001 + 1.5 * m, m.reshape(-1, 1))
    >>> np.round(coef, 6).tolist(), n
    ([0.001, 1.5], 5)
    """
    Z = np.asarray(Z, dtype=float).reshape(len(y), -1)
    ok = np.isfinite(y) & np.isfinite(Z).all(axis=1)
    X = np.column_stack([np.ones(int(ok.sum())), Z[ok]]) if const else Z[ok]
    n, k = X.shape
    inv = np.linalg.inv(X.T @ X) if k else np.zeros((0, 0))
    coef = inv @ (X.T @ y[ok]) if k else np.zeros(0)
    e = y[ok] - X @ coef
    s2 = float(e @ e / (n - k)) if n > k else np.nan
    return coef, s2, n, inv


def car(ar: np.ndarray) -> float:
    r""":math:`CAR_i(\tau_1, \tau_2) = \sum_{t=\tau_1}^{\tau_2} AR_{it}` (MacKinlay 1997, eq. 11); a missing
    day inside a covered window counts as zero.

    Parameters
    ----------
    ar
        The window's abnormal returns.

    Returns
    -------
    float
        The CAR.

    Examples
    --------
    >>> import numpy as np
    >>> car(np.array([0.01, np.nan, 0.02]))
    0.03
    """
    return float(np.nansum(ar))


def car_variance(s2: float, inv: np.ndarray, x_sum: np.ndarray, length: int) -> float:
    r"""The CAR's forecast-error variance, estimation error included (Campbell, Lo & MacKinlay 1997, eq. 4.4.14,
    and its multi-factor analogue): :math:`\sigma^2_i(\tau_1, \tau_2) = \hat\sigma^2 \big(L + \iota' X^*
    (X'X)^{-1} X^{*\prime} \iota\big)`, with :math:`X^*` the window's regressors (constant first), so that
    :math:`\iota' X^*` is their sum over the window's *L* days.

    For the market model this is :math:`\hat\sigma^2 (L + L^2/n + (\sum_w m - L \bar m)^2 / S_{mm})`; for the
    mean-adjusted model :math:`\hat\sigma^2 (L + L^2/n)`; for the market-adjusted and raw models (no estimated
    parameter) :math:`\hat\sigma^2 L`.

    Parameters
    ----------
    s2
        :math:`\hat\sigma^2` of :func:`ols_fit`.
    inv
        :math:`(X'X)^{-1}` of :func:`ols_fit`.
    x_sum
        :math:`\iota' X^*`: the window's sum of each regressor (*L* for the constant).
    length
        *L*, the window's days.

    Returns
    -------
    float
        The variance.

    Examples
    --------
    >>> import numpy as np
    >>> car_variance(0.0004, np.zeros((0, 0)), np.zeros(0), 5)  # no estimated parameter: sigma^2 L
    0.002
    """
    x_sum = np.asarray(x_sum, dtype=float)
    return float(s2 * (length + (x_sum @ inv @ x_sum if len(x_sum) else 0.0)))


def scar(car_value: float, variance: float) -> float:
    r""":math:`SCAR_i = CAR_i / \hat\sigma_i(\tau_1, \tau_2)` (Campbell, Lo & MacKinlay 1997, eq. 4.4.17
    standardises each event's CAR by its own forecast-error standard deviation, :func:`car_variance`).

    Parameters
    ----------
    car_value, variance
        The CAR and its variance.

    Returns
    -------
    float
        The SCAR.

    Examples
    --------
    >>> scar(0.04, 0.0004)
    2.0
    """
    return float(car_value / np.sqrt(variance))


def bhar(r: np.ndarray, benchmark: np.ndarray) -> float:
    r"""Buy-and-hold abnormal return (Barber & Lyon 1997): :math:`\prod_t (1 + R_{it}) - \prod_t (1 + R_{bt})`
    over the window's days; a missing return counts as zero.

    Parameters
    ----------
    r, benchmark
        The stock's and the benchmark's (the market's) returns over the window.

    Returns
    -------
    float
        The BHAR.

    Examples
    --------
    >>> import numpy as np
    >>> round(bhar(np.array([0.1, 0.1]), np.array([0.0, 0.1])), 10)
    0.11
    """
    return float(np.prod(1 + np.nan_to_num(r)) - np.prod(1 + np.nan_to_num(benchmark)))


def event_abnormal_returns(y: np.ndarray, Z: np.ndarray, offset: np.ndarray, *, est: slice, win: slice,
                           car_windows: Sequence[tuple[int, int]], const: bool, market: np.ndarray | None = None
                           ) -> dict[str, np.ndarray | float]:
    r"""One event, by definition: fit on the estimation days, abnormal returns on the event window, and each
    CAR window's CAR, SCAR and BHAR.

    :math:`AR_{it} = R_{it} - \text{offset}_t - x_t'\hat\theta_i` (MacKinlay 1997, eq. 7 for the market model),
    :func:`car`, :func:`car_variance`, :func:`scar`, :func:`bhar`.

    Parameters
    ----------
    y
        The stock's returns on the calendar (estimation and event windows inside it).
    Z, offset
        The model's regressors (``days x p``) and offset on the same calendar (:func:`ols_fit`).
    est, win
        The estimation and event windows as slices of the calendar.
    car_windows
        Each CAR window as ``(a, b)``: positions ``a .. b - 1`` of the event window (half-open).
    const
        Whether the model has a constant.
    market
        The benchmark of the BHAR (none: no BHAR).

    Returns
    -------
    dict
        ``coef``, ``sigma2``, ``n_est``, ``ar`` (the event window's), ``car``, ``scar``, ``bhar`` (one per CAR
        window).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> m = rng.normal(0, 0.01, 130)
    >>> y = 0.0005 + 1.2 * m + rng.normal(0, 0.01, 130)
    >>> out = event_abnormal_returns(y, m.reshape(-1, 1), np.zeros(130), est=slice(0, 100), win=slice(100, 130),
    ...                              car_windows=[(0, 10)], const=True)
    >>> bool(np.isclose(out["car"][0], out["ar"][:10].sum()))
    True
    """
    Z = np.asarray(Z, dtype=float).reshape(len(y), -1)
    yy = y - offset
    coef, s2, n, inv = ols_fit(yy[est], Z[est], const=const)
    Xw = np.column_stack([np.ones(len(Z[win])), Z[win]]) if const else Z[win]
    ar = yy[win] - Xw @ coef
    cars, scars, bhars = [], [], []
    for a, b in car_windows:
        c = car(ar[a:b])
        cars.append(c)
        scars.append(scar(c, car_variance(s2, inv, Xw[a:b].sum(axis=0), b - a)))
        if market is not None:
            bhars.append(bhar(y[win][a:b], market[win][a:b]))
    return {"coef": coef, "sigma2": s2, "n_est": n, "ar": ar, "car": np.array(cars), "scar": np.array(scars),
            "bhar": np.array(bhars)}


# ------------------------------------------------------------------------------- p-values and intervals
def student_p(t: np.ndarray | float, df: np.ndarray | float) -> np.ndarray:
    """Two-sided p-value of *t* under Student's t with *df* degrees of freedom: ``2 F(-|t|)``.

    Parameters
    ----------
    t, df
        Statistics and degrees of freedom (broadcast).

    Returns
    -------
    numpy.ndarray
        The p-values.

    Examples
    --------
    >>> round(float(student_p(2.0, 30)), 4)
    0.0546
    """
    return 2 * sp.stdtr(np.maximum(df, 1), -np.abs(t))


def normal_p(z: np.ndarray | float) -> np.ndarray:
    """Two-sided p-value of *z* under the standard normal: ``2 Phi(-|z|)``.

    Parameters
    ----------
    z
        Statistics.

    Returns
    -------
    numpy.ndarray
        The p-values.

    Examples
    --------
    >>> round(float(normal_p(1.959963984540054)), 6)
    0.05
    """
    return 2 * sp.ndtr(-np.abs(z))


def t_interval(n: Num, mean: Num, sd: Num, level: float = 0.95
               ) -> tuple[np.ndarray, np.ndarray]:
    r"""The cross-sectional confidence interval of a mean: :math:`\bar x \pm t_{N-1, (1+\text{level})/2}\,
    s / \sqrt N` (NaN for fewer than two values).

    Parameters
    ----------
    n, mean, sd
        Count, mean and standard deviation (``ddof=1``) of each sample.
    level
        The confidence level.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The lower and upper bounds.

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = t_interval(np.array([4.0]), np.array([1.0]), np.array([2.0]))
    >>> bool(np.isclose(hi[0] - 1.0, 3.182446305284263 * 2.0 / 2.0))
    True
    """
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(n > 1, sp.stdtrit(np.maximum(n - 1, 1), 0.5 + level / 2), np.nan)
        half = q * sd / np.sqrt(n)
    return mean - half, mean + half


# ----------------------------------------------------------------------- test statistics from sufficient stats
def t_statistic(n: Num, mean: Num, sd: Num) -> tuple[np.ndarray, np.ndarray]:
    r"""The cross-sectional t: :math:`t = \bar x / (s / \sqrt N)`, p from t(N - 1) (NaN for N < 2).

    On CARs it is the cross-sectional t (Brown & Warner 1985); on SCARs it is the standardized cross-sectional
    test of Boehmer, Musumeci & Poulsen (1991, BMP), robust to an event-induced increase in variance.

    Parameters
    ----------
    n, mean, sd
        Count, mean and standard deviation (``ddof=1``) of each sample.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The statistics and their two-sided p-values.

    Examples
    --------
    >>> import numpy as np, scipy.stats as st
    >>> x = np.random.default_rng(0).normal(0.01, 0.05, 40)
    >>> t, p = t_statistic(np.array(40.0), x.mean(), x.std(ddof=1))
    >>> bool(np.allclose((t, p), tuple(st.ttest_1samp(x, 0.0))))
    True
    """
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n > 1, mean / (sd / np.sqrt(n)), np.nan)
    return t, student_p(t, n - 1)


def patell_variance(n_est: Num, k_params: int) -> np.ndarray:
    r"""The variance of one event's SCAR under the null, :math:`(n_i - k)/(n_i - k - 2)` (the t distribution's
    with :math:`n_i - k` degrees of freedom; Patell 1976); 0 (the event not counted) when
    :math:`n_i \le k + 2`.

    Parameters
    ----------
    n_est
        Each event's estimation days.
    k_params
        The model's parameters.

    Returns
    -------
    numpy.ndarray
        The variances.

    Examples
    --------
    >>> import numpy as np
    >>> patell_variance(np.array([102, 3]), 2).tolist()
    [1.0204081632653061, 0.0]
    """
    n = np.asarray(n_est, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > k_params + 2, (n - k_params) / (n - k_params - 2), 0.0)


def daily_standardized_car(ar: np.ndarray, leverage: np.ndarray, s2: float) -> tuple[float, int]:
    r"""One event's cumulated *daily* standardized abnormal returns, the other Patell convention (Patell 1976;
    eventstudytools' and Stata eventstudy2's "Patell Z"): each window day's AR over its own forecast-error
    standard deviation, :math:`SAR_{it} = AR_{it} / (\hat\sigma_i \sqrt{1 + x_t'(X'X)^{-1}x_t})`, summed over
    the window's days with an AR: :math:`CSAR_i = \sum_t SAR_{it}`, whose null variance is taken as
    :math:`L_i (n_i - k)/(n_i - k - 2)` (:func:`patell_variance` times the days).  Unlike :func:`scar` it leaves
    out the covariance of the estimation error across the window's days, and its variance counts the days with
    an AR where the SCAR's counts the window's; the two agree when nothing is estimated (market-adjusted, raw)
    and no window day is missing.

    Parameters
    ----------
    ar
        The window's abnormal returns (NaN: no return that day).
    leverage
        :math:`x_t'(X'X)^{-1}x_t` of each window day (0 when nothing is estimated).
    s2
        :math:`\hat\sigma^2_i`.

    Returns
    -------
    (float, int)
        :math:`CSAR_i` and :math:`L_i`, the days summed.

    Examples
    --------
    >>> import numpy as np
    >>> csar, L = daily_standardized_car(np.array([0.02, np.nan, -0.01]), np.array([0.0, 0.0, 0.0]), 0.0001)
    >>> round(csar, 10), L
    (1.0, 2)
    """
    sar = np.asarray(ar, dtype=float) / np.sqrt(s2 * (1 + np.asarray(leverage, dtype=float)))
    ok = np.isfinite(sar)
    return float(sar[ok].sum()), int(ok.sum())


def patell_z(sum_scar: Num, sum_variance: Num) -> tuple[np.ndarray, np.ndarray]:
    r"""Patell (1976) in the Campbell, Lo & MacKinlay (1997, eq. 4.4.22) SCAR form:
    :math:`Z = \sum_i SCAR_i / \sqrt{\sum_i (n_i - k)/(n_i - k - 2)}`, normal p.

    The sums run over the events with a finite SCAR and more than :math:`k + 2` estimation days
    (:func:`patell_variance`).  With ``event_study(patell="daily")`` the same formula takes the sums of
    :func:`daily_standardized_car` and :math:`\sum_i L_i (n_i - k)/(n_i - k - 2)` instead: the convention of
    packages that standardize each day (up to about 8% apart on multi-day windows of the market model).

    Parameters
    ----------
    sum_scar, sum_variance
        :math:`\sum SCAR_i` and :math:`\sum (n_i - k)/(n_i - k - 2)` of each sample.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The statistics and their two-sided p-values.

    Examples
    --------
    >>> import numpy as np
    >>> z, _ = patell_z(np.array(3.0), np.array(3 * 100 / 98))
    >>> bool(np.isclose(z, 3.0 / np.sqrt(3 * 100 / 98)))
    True
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(np.asarray(sum_variance) > 0, sum_scar / np.sqrt(sum_variance), np.nan)
    return z, normal_p(z)


def kolari_pynnonen_t(t_bmp: Num, n: Num, rbar: Num, overlap: Num = 1.0
                      ) -> tuple[np.ndarray, np.ndarray]:
    r"""Kolari & Pynnönen (2010), with the window-overlap factor for events whose CAR windows share calendar
    days only in part: :math:`t_{KP} = t_{BMP}\sqrt{(1 - \bar r w) / (1 + (N - 1)\bar r w)}`, p from t(N - 1).

    :math:`\bar r` is the mean correlation of the events' daily estimation residuals
    (:func:`insider_kit.eventstudy.stats.mean_residual_correlation`), bounded below at zero; *w* the mean share
    of CAR-window days that pairs of events share in calendar time
    (:func:`insider_kit.eventstudy.stats.mean_window_overlap`; 1 when unknown).  With every event on one date
    (w = 1) it is Kolari and Pynnönen's own; with no overlapping windows (w = 0) it is BMP.  Derivation: the
    variance of the mean SCAR is :math:`N^{-1}(1 + (N - 1)\bar r w)` and the cross-sectional variance BMP uses
    has expectation :math:`1 - \bar r w`.

    Parameters
    ----------
    t_bmp
        The BMP t (:func:`t_statistic` of the SCARs).
    n
        Events.
    rbar, overlap
        :math:`\bar r` and *w*.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The adjusted t and its two-sided p-value.

    Examples
    --------
    >>> t, _ = kolari_pynnonen_t(3.0, 50, 0.05)
    >>> round(float(t), 4), float(kolari_pynnonen_t(3.0, 50, 0.05, overlap=0.0)[0])
    (1.5742, 3.0)
    """
    n = np.asarray(n, dtype=float)
    w = np.where(np.isfinite(overlap), overlap, 1.0)
    r = np.maximum(np.asarray(rbar, dtype=float), 0.0) * w
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where((n > 1) & np.isfinite(t_bmp), t_bmp * np.sqrt((1 - r) / (1 + (n - 1) * r)), np.nan)
    return t, student_p(t, n - 1)


def mean_rank_deviation(values: np.ndarray) -> np.ndarray:
    r"""The standardized ranks' daily means, :math:`\bar U_t`, the sufficient statistic of :func:`rank_z`.

    Each event's (row's) finite values — its estimation residuals then its window ARs — are ranked together
    (mid-ranks for ties), :math:`U_{it} = \text{rank}_{it}/(n_i + 1) - 1/2` with :math:`n_i` the event's finite
    values (Corrado & Zivney 1992); :math:`\bar U_t` is the mean of :math:`U_{it}` over the events with a value on
    day t (NaN where none has).  The engine accumulates the same sums from compiled sort keys (``_kernels.rank``);
    ``tests/test_eventstudy.py`` checks its ``rank_z`` against this definition.

    Parameters
    ----------
    values
        ``events x days``: each event's estimation residuals, then its window's abnormal returns.

    Returns
    -------
    numpy.ndarray
        :math:`\bar U_t`, one per day.

    Examples
    --------
    >>> import numpy as np
    >>> mean_rank_deviation(np.array([[0.1, -0.2, 0.3], [0.0, 0.5, np.nan]])).round(4).tolist()  # [(0 - 1/6)/2, (-1/4 + 1/6)/2, 1/4]
    [-0.0833, -0.0417, 0.25]
    """
    from scipy.stats import rankdata

    v = np.asarray(values, dtype=float)
    U = np.full(v.shape, np.nan)
    for i in range(v.shape[0]):  # one event at a time: the definition, not the fast path
        f = np.isfinite(v[i])
        U[i, f] = rankdata(v[i, f]) / (f.sum() + 1) - 0.5
    n = np.isfinite(U).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.nansum(U, axis=0) / np.maximum(n, 1), np.nan)


def rank_z(ubar: np.ndarray, start: int, stop: int) -> float:
    r"""The standardized rank test over a multi-day window: Corrado (1989) ranks standardized as in Corrado &
    Zivney (1992), cumulated over the window as Cowan (1992) does:
    :math:`Z = \sum_{t \in \text{window}} \bar U_t / \sqrt{L \cdot \overline{\bar U^2}}`, with
    :math:`U_{it} = \text{rank}_{it}/(n_i + 1) - 1/2` (each event's estimation residuals and window ARs ranked
    together), :math:`\bar U_t` their mean over the events with a value on day t, and
    :math:`\overline{\bar U^2}` the mean of :math:`\bar U_t^2` over every day with one.

    Parameters
    ----------
    ubar
        :math:`\bar U_t` of each position (estimation days, then the event window's days); NaN where no event
        has a value.
    start, stop
        The window's positions (half-open); :math:`L` = *stop* - *start*.

    Returns
    -------
    float
        The statistic (normal under the null).

    Examples
    --------
    >>> import numpy as np
    >>> u = np.r_[np.tile([0.1, -0.1], 50), np.full(5, 0.2)]
    >>> bool(np.isclose(rank_z(u, 100, 105), 1.0 / np.sqrt(5 * np.mean(u**2))))
    True
    """
    fin = np.isfinite(ubar)
    s = np.sqrt(np.mean(ubar[fin] ** 2)) if fin.any() else np.nan
    length = stop - start
    return float(np.nansum(ubar[start:stop]) / (np.sqrt(length) * s)) if s > 0 else np.nan


def generalized_ranks(sar: np.ndarray, scar_star: float) -> tuple[np.ndarray, float]:
    r"""One event's generalized standardized ranks (Kolari & Pynnönen 2011, the GRANK test).

    The event's generalized standardized abnormal returns are its standardized estimation residuals
    :math:`SAR_{it} = \hat e_{it}/\hat\sigma_i` and, as one more "day", its re-standardized CAR
    :math:`SCAR^*_i = SCAR_i / S_{SCAR}` (the SCAR of :func:`scar` over the cross-sectional standard deviation of
    its sample's SCARs, which removes event-induced volatility).  They are ranked together (mid-ranks for ties)
    and standardized as Corrado & Zivney (1992) do: :math:`U_{it} = \text{rank}_{it}/(T_i + 1) - 1/2`, with
    :math:`T_i` the event's finite values.

    Parameters
    ----------
    sar
        The standardized estimation residuals (NaN on days without one).
    scar_star
        The re-standardized CAR.

    Returns
    -------
    (numpy.ndarray, float)
        :math:`U_{it}` of the estimation days (NaN where *sar* is) and :math:`U_{i0}` of the CAR.

    Examples
    --------
    >>> import numpy as np
    >>> u, u0 = generalized_ranks(np.array([0.5, -1.0, 2.0]), 1.0)
    >>> (u + 0.5).round(2).tolist(), round(u0 + 0.5, 2)  # ranks 2, 1, 4 and 3 over T_i + 1 = 5
    ([0.4, 0.2, 0.8], 0.6)
    """
    from scipy.stats import rankdata

    f = np.isfinite(sar)
    r = rankdata(np.r_[sar[f], scar_star])
    U = r / (len(r) + 1) - 0.5
    out = np.full(len(sar), np.nan)
    out[f] = U[:-1]
    return out, float(U[-1])


def grank_t(ubar: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The generalized rank t of Kolari & Pynnönen (2011, "Nonparametric rank tests for event studies", J.
    Empirical Finance 18, eqs. 10-14) for a CAR window, from the mean generalized ranks.

    :math:`\bar U_t` is the mean of :math:`U_{it}` (:func:`generalized_ranks`) over the :math:`n_t` events with a
    value on position *t* — the estimation days, then the CAR as position 0 (last here).  With *n* the events,
    *T* the positions with a value,
    :math:`S^2_{\bar U} = T^{-1} \sum_t (n_t/n)\, \bar U_t^2`,
    :math:`Z = \bar U_0 / S_{\bar U}` and
    :math:`t_{grank} = Z \sqrt{(T - 2)/(T - 1 - Z^2)}`, p from t(T - 2).  Robust to event-induced volatility
    (the SCARs are re-standardized) and to the cross-correlation of events on the same date (carried by the
    estimation days' :math:`\bar U_t`); not to windows that overlap at staggered dates (:mod:`.validity`).

    Parameters
    ----------
    ubar, counts
        ``(..., T)`` mean generalized ranks and events per position, the CAR's position last.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The statistics and their two-sided p-values (NaN with fewer than 2 events or 3 positions).

    Examples
    --------
    >>> import numpy as np
    >>> t, p = grank_t(np.array([0.01, -0.02, 0.015, 0.03]), np.array([10.0, 10.0, 10.0, 10.0]))
    >>> z = 0.03 / np.sqrt(np.mean(np.array([0.01, -0.02, 0.015, 0.03]) ** 2))
    >>> bool(np.isclose(t, z * np.sqrt(2 / (3 - z**2))))
    True
    """
    ubar = np.asarray(ubar, dtype=float)
    counts = np.asarray(counts, dtype=float)
    n = counts[..., -1]
    has = counts > 0
    T = has.sum(axis=-1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        s2 = np.where(has, counts / n[..., None] * np.nan_to_num(ubar) ** 2, 0.0).sum(axis=-1) / T
        z = ubar[..., -1] / np.sqrt(s2)
        t = np.where((n >= 2) & (T >= 3) & (T - 1 - z**2 > 0), z * np.sqrt((T - 2) / (T - 1 - z**2)), np.nan)
    return t, student_p(t, T - 2)


def generalized_sign_z(positives: Num, n: Num, p0: Num) -> tuple[np.ndarray, np.ndarray]:
    r"""Cowan (1992) generalized sign test: :math:`Z = (w - N\hat p)/\sqrt{N\hat p(1 - \hat p)}`, normal p.

    *w* counts the events with a positive CAR; :math:`\hat p` is the expected share of positive CARs under the
    null, estimated from the estimation residuals.  Two conventions (``event_study(sign_p=...)``): the kit's
    default pools them — positive residuals over residual days of the sample's events, :math:`\hat p =
    \sum_i n^+_i / \sum_i n_i` — while Cowan (1992, eq. 4) averages each firm's share, :math:`\hat p = N^{-1}
    \sum_i n^+_i/n_i` (``sign_p="per_firm"``, as estudy2 and eventstudytools do).  They differ when the events'
    estimation lengths differ and their shares with them.

    Parameters
    ----------
    positives, n, p0
        *w*, *N* and :math:`\hat p` of each sample.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The statistics and their two-sided p-values.

    Examples
    --------
    >>> import numpy as np
    >>> z, _ = generalized_sign_z(3, 4, 0.5)  # w = 3 of N = 4
    >>> bool(np.isclose(z, (3 - 2) / np.sqrt(4 * 0.25)))
    True
    """
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where((p0 > 0) & (p0 < 1) & (n > 0), (positives - n * p0) / np.sqrt(n * p0 * (1 - p0)), np.nan)
    return z, normal_p(z)


def wilcoxon_p(n: int, w_plus: float, ties: float) -> float:
    r"""Two-sided p of the Wilcoxon signed-rank test of median zero, normal approximation with the tie
    correction (as scipy's ``method="approx"``):
    :math:`z = (W^+ - n(n+1)/4)/\sqrt{n(n+1)(2n+1)/24 - \sum (t^3 - t)/48}`.

    Parameters
    ----------
    n
        Non-zero values.
    w_plus
        :math:`W^+`, the sum of the mid-ranks of :math:`|x|` of the positive values.
    ties
        :math:`\sum (t^3 - t)` over the tie groups of :math:`|x|`.

    Returns
    -------
    float
        The p-value (NaN when the variance is not positive).

    Examples
    --------
    >>> import numpy as np, scipy.stats as st
    >>> z = (3000.0 - 100 * 101 / 4) / np.sqrt(100 * 101 * 201 / 24)
    >>> bool(np.isclose(wilcoxon_p(100, 3000.0, 0.0), 2 * st.norm.sf(z)))
    True
    """
    var = n * (n + 1) * (2 * n + 1) / 24.0 - ties / 48.0
    if n == 0 or var <= 0:
        return np.nan
    z = (w_plus - n * (n + 1) / 4.0) / np.sqrt(var)
    return float(normal_p(z))


def skewness_adjusted_t(n: Num, mean: Num, sd: Num, m3: Num
                        ) -> tuple[np.ndarray, np.ndarray]:
    r"""Hall (1992) skewness-adjusted t, as Lyon, Barber & Tsai (1999, eq. 5) apply it to BHARs:
    :math:`t_{sa} = \sqrt N (S + \hat\gamma S^2/3 + \hat\gamma/(6N))`, :math:`S = \bar x / s`,
    :math:`\hat\gamma = \sum (x_i - \bar x)^3 / (N s^3)`; normal p (NaN for N < 3).

    Parameters
    ----------
    n, mean, sd
        Count, mean and standard deviation (``ddof=1``).
    m3
        :math:`\sum (x_i - \bar x)^3`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The statistics and their two-sided p-values.

    Examples
    --------
    >>> import numpy as np
    >>> t, _ = skewness_adjusted_t(np.array(10.0), np.array(0.0), np.array(1.0), np.array(0.0))
    >>> float(t)
    0.0
    """
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        S = mean / sd
        g = m3 / (n * sd**3)
        t = np.where(n >= 3, np.sqrt(n) * (S + g * S**2 / 3 + g / (6 * n)), np.nan)
    return t, normal_p(t)


def bootstrap_skewness_p(x: np.ndarray, *, resamples: int = 1000, rng: np.random.Generator
                         ) -> tuple[float, float]:
    r"""The skewness-adjusted t with bootstrapped critical values (Lyon, Barber & Tsai 1999, "Improved methods
    for tests of long-run abnormal stock returns", J. Finance 54, section III.B; Sutton 1993).

    *resamples* samples of :math:`n_b = \lfloor N/4 \rfloor` values are drawn with replacement from *x*; in each,
    :math:`t^b_{sa} = \sqrt{n_b}(S^b + \hat\gamma^b (S^b)^2/3 + \hat\gamma^b/(6 n_b))` with
    :math:`S^b = (\bar x^b - \bar x)/s^b` (centred at the sample mean: the null imposed) and
    :math:`\hat\gamma^b` the resample's skewness as in :func:`skewness_adjusted_t`.  The sample's
    :math:`t_{sa}` is compared with that distribution: two-sided :math:`p = 2\min(P^*(t^b \le t_{sa}),
    P^*(t^b \ge t_{sa}))`, at most 1.  Lyon, Barber & Tsai find it the best specified test of long-run BHARs,
    whose positive skewness biases the t (and the skewness-adjusted t with normal critical values).

    Parameters
    ----------
    x
        The sample (one BHAR per event; at least 12 values, so a resample holds 3).
    resamples
        Bootstrap resamples.
    rng
        The random generator.

    Returns
    -------
    (float, float)
        :math:`t_{sa}` of the sample and its bootstrapped two-sided p.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).lognormal(0, 1, 200) - np.exp(0.5)  # skewed, mean zero
    >>> t, p = bootstrap_skewness_p(x, resamples=500, rng=np.random.default_rng(1))
    >>> bool(0 < p <= 1)
    True
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    mean, sd = x.mean(), x.std(ddof=1)
    t, _ = skewness_adjusted_t(np.float64(n), mean, sd, ((x - mean) ** 3).sum())
    nb = n // 4
    if nb < 3 or resamples < 1 or not np.isfinite(t):
        return float(t), np.nan
    tb = np.empty(resamples)
    step = max(1, 4_000_000 // nb)
    for b0 in range(0, resamples, step):  # (blocks of resamples: bounded memory)
        xb = x[rng.integers(0, n, (min(step, resamples - b0), nb))]
        mb = xb.mean(axis=1)
        sb = xb.std(axis=1, ddof=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            S = (mb - mean) / sb
            g = ((xb - mb[:, None]) ** 3).sum(axis=1) / (nb * sb**3)
            tb[b0: b0 + len(xb)] = np.sqrt(nb) * (S + g * S**2 / 3 + g / (6 * nb))
    tb = tb[np.isfinite(tb)]
    p = min(1.0, 2.0 * min(float(np.mean(tb <= t)), float(np.mean(tb >= t)))) if len(tb) else np.nan
    return float(t), p


# ------------------------------------------------------------------------------------- the table of tests
#: The sufficient statistics of one sample (a group's events in one CAR window), each an array over samples.
Sufficient = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Statistic:
    """One reported test statistic: its columns in ``EventStudyResult.tests``, the sufficient statistics it
    needs (computed by :func:`insider_kit.eventstudy.stats.test_table`), the formula (a function of this
    module) and the paper."""

    name: str
    columns: tuple[str, str]
    needs: tuple[str, ...]
    formula: Callable[[Sufficient], tuple[np.ndarray, np.ndarray]]
    paper: str


#: The test statistics of every test table, in the order of its columns.  Sufficient statistics: ``n, mean,
#: sd`` of the CARs; ``n_s, mean_s, sd_s`` of the SCARs; ``sum_scar, sum_var`` (Patell); ``rbar, overlap``
#: (Kolari-Pynnönen); ``rank_z`` (from U-bar, :func:`rank_z`); ``positives, p0`` (sign); ``grank_ubar, grank_n``
#: (GRANK: the mean generalized ranks per position, :func:`grank_t`); ``p_wilcoxon`` (from each sample's sorted
#: CARs, :func:`wilcoxon_p`).
STATISTICS: tuple[Statistic, ...] = (
    Statistic("cross-sectional t", ("t_cs", "p_cs"), ("n", "mean", "sd"),
              lambda s: t_statistic(s["n"], s["mean"], s["sd"]), "Brown & Warner (1985)"),
    Statistic("Patell Z", ("patell_z", "p_patell"), ("sum_scar", "sum_var"),
              lambda s: patell_z(s["sum_scar"], s["sum_var"]), "Patell (1976); Campbell, Lo & MacKinlay (1997)"),
    Statistic("BMP t", ("bmp_t", "p_bmp"), ("n_s", "mean_s", "sd_s"),
              lambda s: t_statistic(s["n_s"], s["mean_s"], s["sd_s"]), "Boehmer, Musumeci & Poulsen (1991)"),
    Statistic("Kolari-Pynnönen t", ("kp_t", "p_kp"), ("bmp_t", "n", "rbar", "overlap"),
              lambda s: kolari_pynnonen_t(s["bmp_t"], s["n"], s["rbar"], s["overlap"]), "Kolari & Pynnönen (2010)"),
    Statistic("standardized rank Z", ("rank_z", "p_rank"), ("rank_z",),
              lambda s: (s["rank_z"], normal_p(s["rank_z"])), "Corrado (1989); Corrado & Zivney (1992); Cowan (1992)"),
    Statistic("generalized sign Z", ("sign_z", "p_sign"), ("positives", "n", "p0"),
              lambda s: generalized_sign_z(s["positives"], s["n"], s["p0"]), "Cowan (1992)"),
    Statistic("GRANK t", ("grank_t", "p_grank"), ("grank_ubar", "grank_n"),
              lambda s: grank_t(s["grank_ubar"], s["grank_n"]), "Kolari & Pynnönen (2011)"),
)


# ---------------------------------------------------------------------------------- clustered covariance
def cluster_meat(scores: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, int]:
    r"""The sufficient statistics of one cluster dimension: :math:`\sum_c s_c s_c'` with
    :math:`s_c = \sum_{i \in c} x_i \hat u_i` the cluster sums of the scores, and the number of clusters *G*.

    Parameters
    ----------
    scores
        ``n x k`` scores :math:`x_i \hat u_i`.
    codes
        Each observation's cluster (non-negative integers).

    Returns
    -------
    (numpy.ndarray, int)
        The ``k x k`` meat and *G* (clusters with at least one observation).

    Examples
    --------
    >>> import numpy as np
    >>> meat, G = cluster_meat(np.array([[1.0], [2.0], [3.0]]), np.array([0, 0, 1]))
    >>> meat.tolist(), G
    ([[18.0]], 2)
    """
    scores = np.asarray(scores, dtype=float).reshape(len(codes), -1)
    nb = int(codes.max()) + 1 if len(codes) else 0
    S = np.column_stack([np.bincount(codes, weights=scores[:, j], minlength=nb) for j in range(scores.shape[1])])
    return S.T @ S, int(np.count_nonzero(np.bincount(codes, minlength=nb)))


def cluster_covariance(bread: np.ndarray, meats: Sequence[tuple[np.ndarray, int]], n: int, k: int
                       ) -> np.ndarray:
    r"""The cluster-robust covariance, one- or two-way: the kit's one clustered estimator.

    One dimension: :math:`\hat V = c\,B\,M\,B` with :math:`B = (X'X)^{-1}` (the *bread*), :math:`M = \sum_c
    s_c s_c'` (:func:`cluster_meat`) and the small-sample factor :math:`c = \frac{G}{G-1}\frac{n-1}{n-k}`.
    Two dimensions (firm and month; Cameron, Gelbach & Miller 2011; Thompson 2011): :math:`\hat V_{firm} +
    \hat V_{month} - \hat V_{firm \cap month}`, each with its own factor — statsmodels'
    ``cov_cluster_2groups`` and ``OLS.fit(cov_type="cluster")``, linearmodels' ``cov_cluster`` up to that
    factor.  A diagonal entry may come out negative in tiny samples (its standard error is then NaN).

    Parameters
    ----------
    bread
        :math:`(X'X)^{-1}` (``k x k``; for a single coefficient from the Frisch-Waugh-Lovell theorem,
        ``[[1 / x'x]]``).
    meats
        One ``(M, G)`` per dimension: one entry (one-way) or three (firm, month, firm-month: two-way).
    n, k
        Observations and regressors of the full regression.

    Returns
    -------
    numpy.ndarray
        The ``k x k`` covariance.

    Examples
    --------
    >>> import numpy as np
    >>> B, M = np.array([[0.5]]), np.array([[4.0]])
    >>> float(cluster_covariance(B, [(M, 2)], 10, 1)[0, 0])  # 2/1 * 9/9 * 0.5 * 4 * 0.5
    2.0
    """
    if len(meats) not in (1, 3):
        raise ValueError(f"cluster_covariance takes one dimension or two and their intersection, got {len(meats)}")
    V = np.zeros_like(np.asarray(bread, dtype=float))
    for (M, G), sign in zip(meats, (1.0, 1.0, -1.0), strict=False):
        g = np.float64(G)
        with np.errstate(invalid="ignore", divide="ignore"):
            V = V + sign * (g / (g - 1) * (n - 1) / (n - k)) * (bread @ np.asarray(M, dtype=float) @ bread)
    return V


def hc1_covariance(bread: np.ndarray, scores: np.ndarray) -> np.ndarray:
    r"""White's heteroskedasticity-robust covariance with the HC1 factor (MacKinnon & White 1985):
    :math:`\frac{n}{n-k} (X'X)^{-1} (\sum_i \hat u_i^2 x_i x_i') (X'X)^{-1}` — for independent observations
    only; the kit uses it only where a caller asks for no clusters by name.

    Parameters
    ----------
    bread
        :math:`(X'X)^{-1}`.
    scores
        ``n x k`` scores :math:`x_i \hat u_i`.

    Returns
    -------
    numpy.ndarray
        The covariance.

    Examples
    --------
    >>> import numpy as np
    >>> float(hc1_covariance(np.array([[0.5]]), np.array([[1.0], [1.0]]))[0, 0])
    1.0
    """
    n, k = scores.shape
    return n / (n - k) * bread @ (scores.T @ scores) @ bread
