"""Cross-sectional regressions of CARs with clustered standard errors.

Events of one firm, and events in one calendar month, are not independent; every standard error of a
mean or a difference of CARs in the kit is therefore clustered by firm and month (two-way: Cameron,
Gelbach & Miller 2011; Petersen 2009).  Every one goes through the kit's one clustered estimator,
:func:`~insider_kit.eventstudy.reference.cluster_covariance`: :func:`clustered_ols` (linear in events),
:func:`clustered_mean`, :class:`MaskedClusters` (the ledger's compiled sums over subsets of one set of events)
and :func:`car_regression`, which fits a formula over a study's events and their CARs, so a difference between
groups can be estimated with controls (size, trade value, role, year fixed effects).  :func:`ols_clustered`
(statsmodels) computes no number of the kit: it is the independent reference the tests compare with.
:func:`~insider_kit.regression_table` sets several CAR regressions side by side for a paper.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from . import reference as R
from .results import Estimates, window_of

if TYPE_CHECKING:
    from .results import EventStudyResult

__all__ = ["CarRegression", "Cluster", "ClusteredFit", "MaskedClusters", "RegressionTable", "car_regression", "cluster_codes", "cluster_dims",
           "clustered_mean", "clustered_ols", "hac_ols", "ols_clustered", "regression_table"]

#: The dimensions standard errors can be clustered by.
Cluster = Literal["firm", "month"]


def cluster_codes(events: pd.DataFrame, cluster: str | Sequence[str], *, mask: np.ndarray | None = None,
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
    for c in cluster_dims(cluster):
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
    It is the independent reference :func:`clustered_ols` is tested against; no number of the kit is
    computed with it.

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


@dataclass(frozen=True, repr=False)
class ClusteredFit(Estimates):
    """OLS coefficients with robust standard errors and normal p-values (:func:`clustered_ols`,
    :func:`hac_ols`): the results protocol (``params``, ``std_errors``, ``conf_int(level)``, ``pvalues``,
    ``nobs``, ``to_frame()``, ``to_latex()`` ...) plus the covariance ``cov``."""

    _stat = ("t",)
    _pvalue = ("p",)
    _count = ("nobs",)
    _title = "OLS"

    params: pd.Series
    std_errors: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    nobs: int
    cov: pd.DataFrame
    ci_method: str = "robust standard errors, normal"
    rsquared: float = float("nan")

    @property
    def bse(self) -> pd.Series:
        """The standard errors under statsmodels' name (= ``std_errors``)."""
        return self.std_errors

    def summary(self) -> pd.DataFrame:
        """Coefficients, standard errors, t, p and the 95% interval (:meth:`to_frame`)."""
        return self.to_frame().assign(t=self.tvalues)[["estimate", "std_error", "t", "p", "ci_low", "ci_high"]]

    def _head(self) -> str:
        return f"N = {self.nobs:,}; {self.ci_method}"


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
    if groups is None:
        V = R.hc1_covariance(inv, scores)
    else:
        g = np.asarray(groups)
        if g.ndim == 1 or g.shape[1] == 1:  # one-way: a vector or one column of codes
            dims = [_bin_codes(g.reshape(len(g), -1)[:, 0], n, k)]
        else:
            g0, g1 = _bin_codes(g[:, 0], n, k), _bin_codes(g[:, 1], n, k)
            both = g[:, 2] if g.shape[1] == 3 else g0.astype(np.int64) * (int(g1.max()) + 1) + g1
            dims = [g0, g1, _bin_codes(both, n, k)]
        V = R.cluster_covariance(inv, [R.cluster_meat(scores, c) for c in dims], n, k)
    method = "HC1 (no clusters), normal" if groups is None else \
        f"clustered ({'one' if len(dims) == 1 else 'two'}-way), normal"
    return _fit(beta, V, X, yv, method)


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
    return _fit(beta, inv @ S @ inv, X, yv, f"Newey-West HAC ({lags} lags), normal")


def _fit(beta: np.ndarray, V: np.ndarray, X: pd.DataFrame, y: np.ndarray, method: str) -> ClusteredFit:
    """Coefficients *beta* with covariance *V* as a :class:`ClusteredFit` (normal p-values; named by *X*'s
    columns; R² centred when *X* has a constant column, as statsmodels computes it)."""
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(V))  # a two-way variance can come out negative in tiny samples: its SE is NaN
        t = beta / se
    names = list(X.columns) if isinstance(X, pd.DataFrame) else list(range(len(beta)))
    Xv = np.asarray(X, dtype=float)
    resid = y - Xv @ beta
    const = bool(len(Xv)) and bool(np.any(np.all(Xv == Xv[:1], axis=0) & (Xv[0] != 0)))
    tss = float(((y - y.mean()) ** 2).sum()) if const else float(y @ y)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = 1.0 - float(resid @ resid) / tss if tss > 0 else np.nan
    return ClusteredFit(pd.Series(beta, names), pd.Series(se, names), pd.Series(t, names),
                        pd.Series(R.normal_p(t), names), len(X), pd.DataFrame(V, index=names, columns=names), method,
                        r2)


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

    @staticmethod
    def _variance(out: np.ndarray, n: int, k: int, denom: float) -> float:
        """The two-way clustered variance of one coefficient from the kernel's cluster sums *out* (per
        dimension: the sum of squared cluster sums of the score and the clusters), its bread ``1 / denom``:
        :func:`~insider_kit.eventstudy.reference.cluster_covariance`, the kit's one estimator."""
        meats = [(np.array([[out[d, 0]]]), out[d, 1]) for d in range(3)]
        return float(R.cluster_covariance(np.array([[1.0 / denom]]), meats, n, k)[0, 0])

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
        var = self._variance(out, len(rows), k, denom)
        return float(np.sqrt(var)) if var >= 0 else np.nan

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
        var = self._variance(out, n, 1, float(n))
        se = float(np.sqrt(var)) if var >= 0 else np.nan
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
        var = self._variance(out, n, 2, na * nb / n)  # x'x of the demeaned dummy: na nb / n
        se = float(np.sqrt(var)) if var >= 0 else np.nan
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
class CarRegression(Estimates):
    """Result of :func:`car_regression`: coefficients with clustered standard errors, in the results protocol
    (``params``, ``std_errors``, ``conf_int(level)``, ``pvalues``, ``nobs``, ``summary()``, ``to_frame()``,
    ``to_latex()``, ``to_markdown()``); several set side by side with :func:`~insider_kit.regression_table`.

    Attributes
    ----------
    formula, window, cluster
        What was estimated.
    fit
        The fit (:class:`ClusteredFit`: coefficients, standard errors, covariance ``cov``).
    nobs
        Events in the regression (rows with a missing regressor are left out; see ``dropped``).
    rsquared
        R² of the regression.
    dropped
        Events of the study not in the regression.
    level
        Confidence level of :meth:`summary`'s interval.
    """

    _percent = ("coef", "se", "ci_low", "ci_high")
    _stat = ("t",)
    _pvalue = ("p",)
    _title = "CAR regression"

    formula: str
    window: tuple[int, int]
    cluster: tuple[str, ...]
    nobs: int
    rsquared: float
    dropped: int
    fit: ClusteredFit = field(repr=False)
    level: float = 0.95

    @property
    def params(self) -> pd.Series:
        """The coefficients (decimal CAR per unit of each regressor)."""
        return self.fit.params

    @property
    def std_errors(self) -> pd.Series:
        """Their clustered standard errors."""
        return self.fit.std_errors

    @property
    def tvalues(self) -> pd.Series:
        """Their t-statistics."""
        return self.fit.tvalues

    @property
    def pvalues(self) -> pd.Series:
        """Their two-sided normal p-values."""
        return self.fit.pvalues

    @property
    def cov(self) -> pd.DataFrame:
        """The clustered covariance of the coefficients."""
        return self.fit.cov

    @property
    def ci_method(self) -> str:
        """How the intervals are made."""
        return f"standard errors clustered by {'+'.join(self.cluster)}, normal" if self.cluster else "HC1 (no clusters), normal"

    def summary(self) -> pd.DataFrame:
        """The coefficient table: ``coef``, ``se``, ``t``, ``p``, ``ci_low``, ``ci_high`` (at ``level``; CARs in
        decimals), one row per term."""
        ci = self.conf_int(self.level)
        out = pd.DataFrame({"coef": self.params, "se": self.std_errors, "t": self.tvalues, "p": self.pvalues,
                            "ci_low": ci["lower"], "ci_high": ci["upper"]})
        out.index.name = "term"
        return out

    def _head(self) -> str:
        return (f"CAR{self.window} {self.formula}: N = {self.nobs:,}, R² = {self.rsquared:.3f}, {self.ci_method}"
                f"{f'; {self.dropped:,} events without every regressor left out' if self.dropped else ''}")


def cluster_dims(cluster: str | Sequence[str] | None) -> tuple[str, ...]:
    """The cluster dimensions of a ``cluster=`` argument: one name as a string, several as a sequence, none as
    ``()`` or None.

    Parameters
    ----------
    cluster
        ``"firm"``, ``"month"``, ``("firm", "month")``, ``()`` or None.

    Returns
    -------
    tuple of str
        The dimensions.

    Raises
    ------
    DataError
        For a name other than ``firm`` and ``month``.

    Examples
    --------
    >>> cluster_dims("firm"), cluster_dims(("firm", "month")), cluster_dims(None)
    (('firm',), ('firm', 'month'), ())
    """
    dims = () if cluster is None else ((cluster,) if isinstance(cluster, str) else tuple(cluster))
    bad = [c for c in dims if c not in ("firm", "month")]
    if bad:
        raise DataError(f"unknown cluster dimension {bad[0]!r}", hint="use 'firm', 'month', both, or ()")
    return dims


def car_regression(result: EventStudyResult, formula: str, *, window: tuple[int, int] = (0, 60),
                   cluster: Cluster | Sequence[Cluster] | None = ("firm", "month"), level: float = 0.95,
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
        ``("firm", "month")`` (two-way, the default), ``"firm"`` (or ``("firm",)``), ``"month"``, or ``()``
        (HC1: independent events, which insider trades are not; said so in the result).
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
    >>> ik.car_regression(res, "car ~ C(direction)", window=(0, 60), cluster="firm").cluster
    ('firm',)
    """
    import patsy

    window = window_of(window, result.car_windows)
    dims = cluster_dims(cluster)
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
    groups = cluster_codes(ev, dims, mask=mask)  # (patsy keeps the rows' order, so the mask's is the fit's)
    fit = clustered_ols(y[lhs].to_numpy(), X, groups)
    return CarRegression(formula, window, dims, int(fit.nobs), float(fit.rsquared), len(ev) - len(rows), fit,
                         level)


def _stars(p: float, levels: tuple[float, ...]) -> str:
    return "*" * sum(1 for lv in levels if np.isfinite(p) and p < lv)


@dataclass(repr=False)
class RegressionTable:
    """Several CAR regressions side by side, as a paper shows them (:func:`~insider_kit.regression_table`): one column per
    regression, each coefficient with its standard error in parentheses below it and stars for its p-value,
    rows saying which fixed effects each includes, then N and R².

    Coefficients and standard errors are shown in percent (CAR x 100, the kit's style for returns); the note
    under the table says so, names the standard errors and the star levels.
    """

    regressions: tuple[CarRegression, ...]
    names: tuple[str, ...]
    fixed_effects: tuple[str, ...]
    stars: tuple[float, ...] = (0.10, 0.05, 0.01)

    def _is_fe(self, term: str) -> str | None:
        for fe in self.fixed_effects:
            if term.startswith((f"C({fe})", f"C({fe},")):
                return fe
        return None

    def terms(self) -> list[str]:
        """The coefficients shown (every regression's, fixed effects and the intercept aside; the intercept
        last), in order of first appearance."""
        seen: list[str] = []
        for r in self.regressions:
            seen += [t for t in r.params.index if t not in seen and not self._is_fe(t) and t != "Intercept"]
        if any("Intercept" in r.params.index for r in self.regressions):
            seen.append("Intercept")
        return seen

    def note(self) -> str:
        """The note under the table."""
        how = sorted({r.ci_method.split(", normal")[0] for r in self.regressions})
        lv = ", ".join(f"{'*' * (k + 1)} p < {p:g}" for k, p in enumerate(sorted(self.stars, reverse=True)))
        return (f"Coefficients and standard errors (in parentheses) in percent of CAR; {'; '.join(how)}; {lv}.")

    def to_frame(self) -> pd.DataFrame:
        """The table as text, one column per regression: a coefficient row and a standard-error row per term,
        a row per fixed effect, ``N`` and ``R²``.

        Returns
        -------
        pandas.DataFrame
            Strings (the numbers: each regression's ``summary()``).
        """
        rows: dict[str, list[str]] = {}
        levels = tuple(sorted(self.stars, reverse=True))
        for t in self.terms():
            coef, se = [], []
            for r in self.regressions:
                if t in r.params.index:
                    coef.append(f"{100 * float(r.params[t]):.2f}{_stars(float(r.pvalues[t]), levels)}")
                    se.append(f"({100 * float(r.std_errors[t]):.2f})" if np.isfinite(r.std_errors[t]) else "")
                else:
                    coef.append("")
                    se.append("")
            rows[t] = coef
            rows[f"{t} (se)"] = se
        for fe in self.fixed_effects:  # (a row for each fixed effect some regression includes)
            has = ["Yes" if any(self._is_fe(t) == fe for t in r.params.index) else "No" for r in self.regressions]
            if "Yes" in has:
                rows[f"{fe} fixed effects"] = has
        rows["N"] = [f"{r.nobs:,}" for r in self.regressions]
        rows["R²"] = [f"{r.rsquared:.3f}" for r in self.regressions]
        return pd.DataFrame(rows, index=list(self.names)).T

    def to_latex(self, *, caption: str | None = None, label: str | None = None) -> str:
        """The table as LaTeX (booktabs): numbered columns headed by the regressions' names, standard errors
        in parentheses, stars as superscripts, a rule before the fixed-effect rows, N and R², the note below.

        Parameters
        ----------
        caption, label
            Optional caption and ``\\label`` (then the tabular is wrapped in a ``table`` float).

        Returns
        -------
        str
            The LaTeX source.
        """
        from ..tables import latex_escape

        f = self.to_frame()
        k = len(self.names)
        lines = [f"\\begin{{tabular}}{{l{'c' * k}}}", "\\toprule",
                 " & " + " & ".join(f"({i + 1})" for i in range(k)) + " \\\\",
                 " & " + " & ".join(latex_escape(n) for n in self.names) + " \\\\", "\\midrule"]

        def cell(v: str) -> str:
            body = v.rstrip("*")
            st = v[len(body):]
            return latex_escape(body) + (f"$^{{{st}}}$" if st else "")

        n_terms = len(self.terms())
        for i, (name, vals) in enumerate(f.iterrows()):
            if i == 2 * n_terms:
                lines.append("\\midrule")
            label_ = "" if str(name).endswith(" (se)") else latex_escape(name).replace("R$^2$", "$R^2$")
            lines.append(label_ + " & " + " & ".join(cell(str(v)) for v in vals) + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}", f"\\par\\footnotesize {latex_escape(self.note())}"]
        if caption or label:
            lines = ["\\begin{table}[htbp]", "\\centering"] + ([f"\\caption{{{latex_escape(caption)}}}"] if caption else []) \
                + ([f"\\label{{{label}}}"] if label else []) + lines + ["\\end{table}"]
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """The table as Markdown, the note below it.

        Returns
        -------
        str
            The Markdown source.
        """
        from ..tables import markdown_table

        f = self.to_frame()
        f.index = ["" if str(i).endswith(" (se)") else str(i) for i in f.index]
        return markdown_table(f) + "\n" + self.note() + "\n"

    def _repr_html_(self) -> str:
        from ..tables import style_table

        f = self.to_frame()
        f.index = ["" if str(i).endswith(" (se)") else str(i) for i in f.index]
        import html

        return style_table(f) + f"<p><small>{html.escape(self.note())}</small></p>"

    def __repr__(self) -> str:
        f = self.to_frame()
        f.index = ["" if str(i).endswith(" (se)") else str(i) for i in f.index]
        return f.to_string() + "\n" + self.note()


def regression_table(regressions: Sequence[CarRegression], *, names: Sequence[str] | None = None,
                     fixed_effects: Sequence[str] = ("year", "month", "top_role"),
                     stars: tuple[float, ...] = (0.10, 0.05, 0.01)) -> RegressionTable:
    """Set several CAR regressions side by side (as linearmodels' ``compare`` and stargazer do): coefficients
    with standard errors in parentheses and stars, rows for the fixed effects each includes, N and R²; with
    ``to_latex()``, ``to_markdown()`` and an HTML view.

    Parameters
    ----------
    regressions
        The regressions (:func:`car_regression`), one column each.
    names
        Column headings (default: the left-hand side and window, e.g. ``CAR(0,60)``).
    fixed_effects
        Categorical terms shown as one "fixed effects: Yes/No" row instead of one row per level (a term
        ``C(year)`` of the formula is the ``year`` fixed effects); a row only for those some regression has.
    stars
        p-value thresholds of one, two and three stars.

    Returns
    -------
    RegressionTable

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> res = ik.event_study(study.events, study.panel, model="market_adjusted", car_windows=[(0, 60)])
    >>> a = ik.car_regression(res, "car ~ C(direction)", window=(0, 60))
    >>> b = ik.car_regression(res, "car ~ C(direction) + np.log(value) + C(year)", window=(0, 60))
    >>> tab = ik.regression_table([a, b])
    >>> tab.to_frame().loc["year fixed effects"].tolist()
    ['No', 'Yes']
    >>> tab.to_latex().startswith("\\\\begin{tabular}{lcc}")
    True
    """
    regs = tuple(regressions)
    if not regs:
        raise DataError("regression_table needs at least one regression")
    if names is None:
        names = [f"CAR({r.window[0]},{r.window[1]})" for r in regs]
    if len(names) != len(regs):
        raise DataError(f"{len(names)} names for {len(regs)} regressions")
    return RegressionTable(regs, tuple(map(str, names)), tuple(fixed_effects), tuple(stars))
