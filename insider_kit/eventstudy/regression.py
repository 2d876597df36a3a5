"""Cross-sectional regressions of CARs with clustered standard errors (the kit's one clustered estimator).

Events of one firm, and events in one calendar month, are not independent; every standard error of a
mean or a difference of CARs in the kit is therefore clustered by firm and month (two-way: Cameron,
Gelbach & Miller 2011; Petersen 2009), through :func:`clustered_ols` (equal to the statsmodels-backed :func:`ols_clustered`,
linear in events).  :func:`car_regression` exposes the
same machinery with a statsmodels formula over a study's events and their CARs, so a difference between
groups can be estimated with controls (size, trade value, role, year fixed effects).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from .results import window_of

if TYPE_CHECKING:
    from .results import EventStudyResult

__all__ = ["CarRegression", "Cluster", "ClusteredFit", "car_regression", "cluster_codes", "clustered_mean", "clustered_ols",
           "hac_ols", "ols_clustered"]

#: The dimensions standard errors can be clustered by.
Cluster = Literal["firm", "month"]


def cluster_codes(events: pd.DataFrame, cluster: Sequence[str], *, mask: np.ndarray | None = None,
                  intersection: bool = False) -> np.ndarray | None:
    """Integer cluster codes of *events* (rows where *mask*), one column per dimension: ``firm`` (ticker) and
    ``month`` (calendar month of ``day0``, else of ``date``).  None when *cluster* is empty.

    Parameters
    ----------
    events
        Events with ``ticker`` and ``day0`` or ``date``.
    cluster
        Dimensions among ``firm`` and ``month``.
    mask
        Rows to keep (all when None).
    intersection
        With two dimensions, a third column: the codes of their intersection (firm-months), which
        :func:`clustered_ols` then uses instead of forming them (a caller fitting many subsets of one set of
        events forms them once).

    Returns
    -------
    numpy.ndarray or None
        ``(n, len(cluster))`` integer codes (``(n, 3)`` with *intersection*).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"ticker": ["A", "A", "B"], "date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-01-09"])})
    >>> cluster_codes(ev, ["firm", "month"]).tolist()
    [[0, 0], [0, 1], [1, 0]]
    """
    cols = []
    for c in cluster:
        if c == "firm":
            v = events["ticker"].astype(str).to_numpy()
        elif c == "month":  # months since 1970 (no per-row formatting: the ledger calls this for every claim)
            d = events["day0"] if "day0" in events else events["date"]
            if getattr(d.dtype, "tz", None) is not None:  # the local calendar month
                d = d.dt.tz_localize(None)
            dt = d.to_numpy() if d.dtype.kind == "M" else pd.to_datetime(d).to_numpy()
            v = dt.astype("datetime64[M]").astype(np.int64)
        else:
            raise DataError(f"unknown cluster dimension {c!r}", hint="use 'firm', 'month', both, or ()")
        if mask is not None:
            v = v[mask]
        cols.append(pd.factorize(v)[0])
    if not cols:
        return None
    if intersection and len(cols) == 2:
        cols.append(pd.factorize(cols[0].astype(np.int64) * (int(cols[1].max(initial=0)) + 1) + cols[1])[0])
    return np.column_stack(cols) if len(cols) > 1 else cols[0]


def ols_clustered(y: np.ndarray, X: pd.DataFrame, groups: np.ndarray | None) -> Any:
    """OLS of *y* on *X* with standard errors clustered by *groups* (one or two columns; HC1 when None).

    Returns the statsmodels results object.  Two-way clustering is statsmodels' Cameron-Gelbach-Miller
    estimator (the two one-way covariances minus the intersection's), with its small-sample correction.
    It is the reference the fast :func:`clustered_ols` is tested against.

    Parameters
    ----------
    y
        The dependent variable.
    X
        The regressors.
    groups
        ``(n, 1)`` or ``(n, 2)`` integer cluster codes, or None.

    Returns
    -------
    statsmodels.regression.linear_model.RegressionResultsWrapper
        The fit.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> X = pd.DataFrame({"const": 1.0, "x": np.arange(6.0)})
    >>> fit = ols_clustered(np.array([0.0, 1.1, 1.9, 3.2, 3.9, 5.1]), X, None)
    >>> round(float(fit.params["x"]), 3)
    1.006
    """
    import warnings

    import statsmodels.api as sm

    model = sm.OLS(np.asarray(y, dtype=float), X)
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        # a two-way clustered variance can come out negative in tiny samples: its SE is then NaN, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = model.fit(cov_type="HC1") if groups is None else model.fit(cov_type="cluster", cov_kwds={"groups": groups})
        _ = (fit.bse, fit.tvalues, fit.pvalues)  # computed (and cached by statsmodels) under the same filter
    return fit


@dataclass(frozen=True)
class ClusteredFit:
    """OLS coefficients with clustered standard errors and normal p-values (:func:`clustered_ols`)."""

    params: pd.Series
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    nobs: int


def clustered_ols(y: np.ndarray, X: pd.DataFrame, groups: np.ndarray | None) -> ClusteredFit:
    r"""OLS of *y* on *X* with standard errors clustered by *groups* (one or two columns of integer codes; HC1
    when None): the numbers of :func:`ols_clustered` (statsmodels), in O(n k) with no sorting.

    Parameters
    ----------
    y
        The dependent variable.
    X
        The regressors (with a constant column when one is wanted); the column names name the coefficients.
    groups
        ``(n, 1)`` or ``(n, 2)`` integer cluster codes, or None; ``(n, 3)``: two dimensions and the codes of
        their intersection (:func:`cluster_codes` with ``intersection=True``).

    Returns
    -------
    ClusteredFit
        ``params``, ``bse``, ``tvalues``, ``pvalues`` (normal), ``nobs``, as statsmodels names them.

    Notes
    -----
    :math:`\hat V_g = c_g\,(X'X)^{-1} \big(\sum_{c} s_c s_c'\big) (X'X)^{-1}`, :math:`s_c = \sum_{i \in c}
    x_i \hat u_i`, with statsmodels' small-sample factor :math:`c_g = \frac{G}{G-1}\frac{n-1}{n-k}` (G clusters);
    two-way: :math:`\hat V_{firm} + \hat V_{month} - \hat V_{firm \cap month}` (Cameron, Gelbach & Miller
    2011); HC1: :math:`\frac{n}{n-k}(X'X)^{-1}(\sum_i \hat u_i^2 x_i x_i')(X'X)^{-1}`.  The cluster sums are
    ``bincount``\ s, so the cost is linear in events (the ledger fits dozens of these on hundreds of thousands).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"const": 1.0, "x": rng.normal(size=200)})
    >>> y = 0.5 + 2.0 * X["x"].to_numpy() + rng.normal(size=200)
    >>> g = rng.integers(0, 20, size=(200, 1))
    >>> fit = clustered_ols(y, X, g)
    >>> ref = ols_clustered(y, X, g)
    >>> bool(np.allclose(fit.bse, ref.bse, rtol=1e-10))
    True
    """
    Xv = np.asarray(X, dtype=np.float64)
    yv = np.asarray(y, dtype=np.float64)
    n, k = Xv.shape
    inv = np.linalg.pinv(Xv.T @ Xv)
    beta = inv @ (Xv.T @ yv)
    scores = Xv * (yv - Xv @ beta)[:, None]

    def cov(codes: np.ndarray | None) -> np.ndarray:
        if codes is None:
            return n / (n - k) * inv @ (scores.T @ scores) @ inv
        G = int(codes.max()) + 1
        S = np.empty((G, k))  # the cluster sums of the scores, one bincount per regressor
        for j in range(k):
            S[:, j] = np.bincount(codes, weights=scores[:, j], minlength=G)
        used = int(np.count_nonzero(np.bincount(codes, minlength=G)))
        return used / (used - 1) * (n - 1) / (n - k) * inv @ (S.T @ S) @ inv

    if groups is None:
        V = cov(None)
    else:
        g = np.asarray(groups)
        if g.ndim == 1 or g.shape[1] == 1:  # one-way: a vector or one column of codes
            V = cov(_bin_codes(g.reshape(len(g), -1)[:, 0], n, k))
        else:
            g0, g1 = _bin_codes(g[:, 0], n, k), _bin_codes(g[:, 1], n, k)
            both = g[:, 2] if g.shape[1] == 3 else g0.astype(np.int64) * (int(g1.max()) + 1) + g1
            V = cov(g0) + cov(g1) - cov(_bin_codes(both, n, k))
    return _fit(beta, V, X)


def hac_ols(y: np.ndarray, X: pd.DataFrame, lags: int) -> ClusteredFit:
    r"""OLS of *y* on *X* with Newey-West (1987) heteroskedasticity- and autocorrelation-consistent standard
    errors over *lags* lags (Bartlett weights) and normal p-values: the numbers of statsmodels'
    ``OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": lags})``, without importing statsmodels (the ledger's
    market claim fits one such regression; statsmodels' import costs more than the fit).

    Parameters
    ----------
    y
        The dependent variable, in time order.
    X
        The regressors (with a constant column when one is wanted), in the same order.
    lags
        The number of lags *L* of the Bartlett kernel (forward returns over *h* months overlap for *h* - 1).

    Returns
    -------
    ClusteredFit
        ``params``, ``bse``, ``tvalues``, ``pvalues`` (normal), ``nobs``.

    Notes
    -----
    :math:`\hat V = (X'X)^{-1} \big(\sum_t s_t s_t' + \sum_{l=1}^{L} (1 - \tfrac{l}{L+1}) \sum_{t>l} (s_t s_{t-l}'
    + s_{t-l} s_t')\big) (X'X)^{-1}` with :math:`s_t = x_t \hat u_t` and no small-sample factor, as statsmodels
    computes it by default (Newey & West 1987, Econometrica 55).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"const": 1.0, "x": rng.normal(size=120)})
    >>> y = 0.1 + 0.5 * X["x"].to_numpy() + rng.normal(size=120)
    >>> fit = hac_ols(y, X, lags=3)
    >>> round(float(fit.params["x"]), 3) == round(float(np.polyfit(X["x"], y, 1)[0]), 3)
    True
    """
    Xv = np.asarray(X, dtype=np.float64)
    yv = np.asarray(y, dtype=np.float64)
    n = len(Xv)
    if lags < 0:
        raise DataError(f"hac_ols needs lags >= 0, got {lags}")
    inv = np.linalg.pinv(Xv.T @ Xv)
    beta = inv @ (Xv.T @ yv)
    s = Xv * (yv - Xv @ beta)[:, None]
    S = s.T @ s
    for lag in range(1, min(lags, n - 1) + 1):
        G = s[lag:].T @ s[:-lag]
        S += (1.0 - lag / (lags + 1.0)) * (G + G.T)
    return _fit(beta, inv @ S @ inv, X)


def _fit(beta: np.ndarray, V: np.ndarray, X: pd.DataFrame) -> ClusteredFit:
    """Coefficients *beta* with covariance *V* as a :class:`ClusteredFit` (normal p-values; named by *X*'s
    columns)."""
    from scipy.special import ndtr  # (the normal CDF scipy.stats.norm.sf evaluates; a lighter import)

    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(V))  # a two-way variance can come out negative in tiny samples: its SE is NaN
        t = beta / se
    names = list(X.columns) if isinstance(X, pd.DataFrame) else list(range(len(beta)))
    return ClusteredFit(pd.Series(beta, names), pd.Series(se, names), pd.Series(t, names),
                        pd.Series(2 * ndtr(-np.abs(t)), names), len(X))


def _bin_codes(codes: np.ndarray, n: int, k: int = 1) -> np.ndarray:
    """*codes* as ``bincount`` bins for *k* regressors: non-negative integers whose bins (times *k*) are not
    many more than the values are used as they are (empty bins count no cluster; :func:`cluster_codes` gives
    such codes, and a subset keeps them); anything else, such as the sparse firm-by-month intersection, is
    factorized (hashing the values costs less than *k* passes over mostly empty bins)."""
    if (codes.dtype.kind in "iu" and len(codes) and int(codes.min()) >= 0
            and (int(codes.max()) + 1) * k <= 8 * n + 4096):
        return codes.astype(np.intp, copy=False)
    return pd.factorize(codes)[0]


def _normal_p(t: float) -> float:
    return math.erfc(abs(t) / math.sqrt(2.0)) if np.isfinite(t) else np.nan


class MaskedClusters:
    """Two-way (firm and month) clustered means and differences of means over subsets of one set of events,
    each given as a mask: the numbers of :func:`clustered_mean` and of :func:`clustered_ols` on a dummy of one
    subset, from compiled passes over the rows (no subset of the values or the codes is formed, and only the
    bins are kept between calls).  For the ledger and its grids, which fit hundreds of these on the same
    events.  One object serves one thread at a time (its scratch arrays are shared; a lock keeps calls apart).

    Parameters
    ----------
    codes
        ``(n, 3)`` codes of all events from :func:`cluster_codes` with ``intersection=True``.
    """

    def __init__(self, codes: np.ndarray | None) -> None:
        import threading

        if codes is None or codes.ndim != 2 or codes.shape[1] != 3:
            raise DataError("MaskedClusters needs the (n, 3) codes of cluster_codes(..., intersection=True)")
        self.codes = np.ascontiguousarray(codes, dtype=np.int64)
        self.sizes = (self.codes.max(axis=0, initial=-1) + 1).astype(np.int64)
        self._off = np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)
        total = int(self._off[-1])
        # scratch of the kernels, one entry per cluster of every dimension: zero / false between calls
        self._acc = np.zeros(total)
        self._seen = np.zeros(total, dtype=np.bool_)
        self._lock = threading.Lock()

    def _variance(self, out: np.ndarray, n: int, k: int) -> float:
        """firm + month - firm-month, each with :func:`clustered_ols`' small-sample factor (NaN when negative)."""
        var = 0.0
        for d, sign in ((0, 1.0), (1, 1.0), (2, -1.0)):
            used = out[d, 1]
            var += sign * used / (used - 1) * (n - 1) / (n - k) * out[d, 0]
        return var

    def se(self, score: np.ndarray, rows: np.ndarray, k: int, denom: float) -> float:
        """The two-way clustered standard error of one coefficient from its per-observation *score* at the
        events *rows* (its row of ``(X'X)^-1 X'`` times the residuals, up to *denom*), in a regression with *k*
        regressors: firm + month - firm-month, each with :func:`clustered_ols`' small-sample factor; NaN when
        the variance comes out negative."""
        from ._kernels import cluster_square_sums

        out = np.empty((3, 2))
        with self._lock:
            cluster_square_sums(np.ascontiguousarray(score, dtype=np.float64), np.asarray(rows, dtype=np.int64),
                                self.codes, self._off, self._acc, self._seen, out)
        var = self._variance(out, len(rows), k)
        return float(np.sqrt(var)) / denom if var >= 0 else np.nan

    def _moments(self, y: np.ndarray, a: np.ndarray, b: np.ndarray, flip_b: bool, diff: bool
                 ) -> tuple[np.ndarray, np.ndarray]:
        from ._kernels import masked_cluster_moments

        head, out = np.empty(4), np.empty((3, 2))
        if len(y) != len(self.codes) or len(a) != len(y) or len(b) != len(y):
            raise DataError(f"MaskedClusters has {len(self.codes):,} events; got {len(y):,} values and masks of "
                            f"{len(a):,} and {len(b):,}")
        with self._lock:
            masked_cluster_moments(np.ascontiguousarray(y, dtype=np.float64), np.ascontiguousarray(a, dtype=np.bool_),
                                   np.ascontiguousarray(b, dtype=np.bool_), bool(flip_b), diff, self.codes,
                                   self._off, self._acc, self._seen, head, out)
        return head, out

    def mean(self, y: np.ndarray, mask: np.ndarray) -> dict[str, float]:
        """:func:`clustered_mean` of the finite values of ``y[mask]``."""
        mask = np.asarray(mask, dtype=np.bool_)
        head, out = self._moments(y, mask, mask, False, False)
        n = int(head[0])
        if n < 3:
            v = np.asarray(y)[mask]
            return clustered_mean(v[np.isfinite(v)], None)
        est = float(head[2])
        var = self._variance(out, n, 1)
        se = float(np.sqrt(var)) / n if var >= 0 else np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            t = est / se
        return {"estimate": est, "se": se, "ci_low": est - 1.96 * se, "ci_high": est + 1.96 * se, "p": _normal_p(t),
                "n": n}

    def difference(self, y: np.ndarray, a: np.ndarray, b: np.ndarray, *, flip_b: bool = False) -> dict[str, float]:
        """The slope of ``y`` on a dummy of *a* among the finite values of the rows of *a* or *b* (the difference of
        their means; a row in both is in *a*; a row of *b* counts as ``-y`` when *flip_b*), as :func:`clustered_ols`
        gives it: ``estimate``, ``se``, ``p``, ``n`` (rows of *a*), ``n_ref`` (of *b*); NaN with fewer than two
        rows on a side."""
        head, out = self._moments(y, np.asarray(a, dtype=np.bool_), np.asarray(b, dtype=np.bool_), flip_b, True)
        na, nb = int(head[0]), int(head[1])
        if na < 2 or nb < 2:
            return {"estimate": np.nan, "se": np.nan, "p": np.nan, "n": na, "n_ref": nb}
        n = na + nb
        est = float(head[2] - head[3])
        var = self._variance(out, n, 2)
        se = float(np.sqrt(var)) / (na * nb / n) if var >= 0 else np.nan  # x'x of the demeaned dummy: na nb / n
        with np.errstate(divide="ignore", invalid="ignore"):
            t = est / se
        return {"estimate": est, "se": se, "p": _normal_p(t), "n": na, "n_ref": nb}


def clustered_mean(y: np.ndarray, groups: np.ndarray | None) -> dict[str, float]:
    """Mean of *y* with its clustered standard error: ``estimate, se, ci_low, ci_high, p, n`` (95% CI).

    The intercept-only case of :func:`clustered_ols` (one- or two-way clusters; HC1 when *groups* is None),
    with a normal 95% interval and p-value (the ledger's samples have hundreds of clusters); fewer than
    three values give the mean alone.

    Parameters
    ----------
    y
        The values (finite; the caller drops missing ones with their groups).
    groups
        ``(n, 1)`` or ``(n, 2)`` integer cluster codes (:func:`cluster_codes`), or None.

    Returns
    -------
    dict of str to float
        ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p``, ``n``.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0.01, 0.03, -0.01, 0.05, 0.02, 0.04])
    >>> r = clustered_mean(y, None)
    >>> round(r["estimate"], 4), r["n"]
    (0.0233, 6)
    """
    n = len(y)
    if n < 3:
        return {"estimate": float(np.mean(y)) if n else np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "p": np.nan, "n": n}
    fit = clustered_ols(y, pd.DataFrame({"const": np.ones(n)}), groups)
    est, se = float(fit.params.iloc[0]), float(fit.bse.iloc[0])
    return {"estimate": est, "se": se, "ci_low": est - 1.96 * se, "ci_high": est + 1.96 * se,
            "p": float(fit.pvalues.iloc[0]), "n": n}


@dataclass(repr=False)
class CarRegression:
    """Result of :func:`car_regression`: coefficients with clustered standard errors.

    Attributes
    ----------
    params
        One row per regressor: ``coef``, ``se``, ``t``, ``p``, ``ci_low``, ``ci_high`` (at *level*).
    formula, window, cluster
        What was estimated.
    nobs
        Events in the regression (rows with a missing regressor are left out; see ``dropped``).
    dropped
        Events of the study not in the regression.
    fit
        The statsmodels results object, for everything else.
    """

    params: pd.DataFrame
    formula: str
    window: tuple[int, int]
    cluster: tuple[str, ...]
    nobs: int
    rsquared: float
    dropped: int
    fit: Any = field(repr=False)

    def summary(self) -> pd.DataFrame:
        """The coefficient table (CARs in decimals)."""
        return self.params

    def __repr__(self) -> str:
        return (f"CAR{self.window} regression: {self.formula}; N={self.nobs:,}, R2={self.rsquared:.3f}, SE clustered by "
                f"{'+'.join(self.cluster) or 'none (HC1)'}\n" + self.params.round(5).to_string())

    def _repr_html_(self) -> str:
        import html

        from ..tables import style_table

        head = (f"<p><b>CAR{self.window} regression</b> <code>{html.escape(self.formula)}</code>: N = {self.nobs:,}, "
                f"R² = {self.rsquared:.3f}, standard errors clustered by {'+'.join(self.cluster) or 'none (HC1)'}"
                f"{f'; {self.dropped:,} events without every regressor left out' if self.dropped else ''}</p>")
        return head + style_table(self.params, percent=("coef", "se", "ci_low", "ci_high"), stat=("t",), pvalue=("p",))


def car_regression(result: EventStudyResult, formula: str, *, window: tuple[int, int] = (0, 60),
                   cluster: Sequence[Cluster] = ("firm", "month"), level: float = 0.95,
                   data: pd.DataFrame | None = None) -> CarRegression:
    """Cross-sectional regression of each event's CAR on its characteristics, standard errors clustered.

    Parameters
    ----------
    result
        An event study (its ``events`` and their CARs).
    formula
        A statsmodels/patsy formula whose left-hand side is ``car`` (the CAR over *window*), e.g.
        ``"car ~ cluster + np.log(value) + C(top_role) + fraction + C(year)"``.  Available: every column of
        ``result.events``, ``car``, ``year`` and ``month`` (of day 0).
    window
        The CAR window, one of the study's ``car_windows``.
    cluster
        ``("firm", "month")`` (two-way, the default), ``("firm",)``, ``("month",)`` or ``()`` (HC1).
    level
        Confidence level of the intervals.
    data
        Extra per-event columns aligned with ``result.events`` (same index).

    Returns
    -------
    CarRegression

    Notes
    -----
    :math:`CAR_i = x_i'\\beta + u_i`, OLS; the covariance of :math:`\\hat\\beta` is the cluster-robust
    sandwich :math:`(X'X)^{-1}(\\sum_g X_g'u_gu_g'X_g)(X'X)^{-1}` with statsmodels' small-sample factor, and
    for two dimensions :math:`V_{firm} + V_{month} - V_{firm \\cap month}` (Cameron, Gelbach & Miller 2011).
    Rows with a missing value in any term are left out and counted in ``dropped``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> res = ik.event_study(study.events, study.panel, model="market_adjusted", car_windows=[(0, 60)])
    >>> reg = ik.car_regression(res, "car ~ C(direction) + np.log(value)", window=(0, 60))
    >>> "C(direction)[T.sell]" in reg.params.index
    True
    """
    import patsy
    from scipy import stats as st

    window = window_of(window, result.car_windows)
    ev = result.events.copy()
    if data is not None:
        ev = ev.join(data.drop(columns=[c for c in data.columns if c in ev.columns]), how="left")
    ev["car"] = result.car[window].to_numpy()
    d0 = pd.to_datetime(ev["day0"])
    ev["year"] = d0.dt.year
    ev["month"] = pd.Categorical(d0.dt.to_period("M"))
    for c in ev.columns:  # booleans and nullable types as plain floats, text as categoricals, which patsy reads
        if ev[c].dtype == bool or str(ev[c].dtype) == "boolean":
            ev[c] = ev[c].astype("float")
        elif str(ev[c].dtype) in ("Int64", "Float64"):
            ev[c] = ev[c].astype(float)
        elif str(ev[c].dtype).startswith("string") or ev[c].dtype == object:
            # (patsy sniffs the levels of a text column value by value in Python; a categorical's are known)
            ev[c] = ev[c].astype("category")
    ev = ev.reset_index(drop=True)
    try:
        # a log of a non-positive value is NaN or -inf, and that row is left out (counted in dropped)
        with np.errstate(divide="ignore", invalid="ignore"):
            y, X = patsy.dmatrices(formula, ev, return_type="dataframe", NA_action="drop")
    except (patsy.PatsyError, KeyError, NameError, TypeError, ValueError) as exc:
        raise DataError(f"cannot build the regression {formula!r}: {exc}",
                        hint=f"columns: {', '.join(map(str, result.events.columns[:20]))}, car, year, month") from exc
    if y.shape[1] != 1:
        raise DataError(f"the formula's left-hand side must be one column (usually 'car'), got {list(y.columns)}")
    lhs = y.columns[0]
    rows = y.index.to_numpy()
    fin = np.isfinite(y[lhs].to_numpy()) & np.isfinite(X.to_numpy()).all(axis=1)
    rows, y, X = rows[fin], y[fin], X[fin]
    if len(rows) <= X.shape[1]:
        raise DataError(f"too few events ({len(rows)}) for {X.shape[1]} regressors in {formula!r}")
    mask = np.zeros(len(ev), bool)
    mask[rows] = True
    groups = cluster_codes(ev, cluster, mask=mask)  # (patsy keeps the rows' order, so the mask's is the fit's)
    fit = ols_clustered(y[lhs].to_numpy(), X, groups)
    q = st.norm.ppf(0.5 + level / 2)
    params = pd.DataFrame({"coef": fit.params, "se": fit.bse, "t": fit.tvalues, "p": fit.pvalues})
    params["ci_low"] = params["coef"] - q * params["se"]
    params["ci_high"] = params["coef"] + q * params["se"]
    params.index.name = "term"
    return CarRegression(params, formula, window, tuple(cluster), int(fit.nobs), float(fit.rsquared),
                         len(ev) - len(rows), fit)
