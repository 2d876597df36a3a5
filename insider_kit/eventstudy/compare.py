"""The test of a difference itself: mean CAR of one group of events minus another.

Testing buys and sales separately and eyeballing the two t-statistics is not a
test of the asymmetry; :func:`compare` tests the difference directly, three ways:

* Welch's t for a difference of means with unequal variances (Welch 1947);
* a percentile bootstrap confidence interval (events resampled within each group);
* a cross-sectional OLS of CAR on a group dummy (and optional controls) with
  standard errors clustered by firm and by calendar month (two-way: Cameron,
  Gelbach & Miller 2011; Petersen 2009), because events of one firm and events
  in one month are not independent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._lazy import scipy_stats as st
from ..errors import DataError
from . import reference as R
from .regression import cluster_codes, cluster_dims, clustered_ols
from .results import Estimates, EventStudyResult, window_label, window_of

__all__ = ["Comparison", "compare", "welch_and_bootstrap"]


@dataclass(repr=False)
class Comparison(Estimates):
    """Result of :func:`compare`: the difference ``a - b`` three ways (``summary()``: one row per way;
    ``table()``: every field in one tidy row).

    In the results protocol the estimate is the clustered regression's (``params``, ``std_errors``,
    ``pvalues``, ``conf_int(level)``, and ``ci_low``/``ci_high`` at ``level``: standard errors clustered as
    ``reg_cluster`` says, as the ledger's ``ci_low``/``ci_high`` are); the percentile bootstrap's interval is
    ``boot_low``/``boot_high`` and Welch's test ``welch_t``/``welch_se``/``welch_p``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> res = ik.event_study(study.events, study.panel, model="market_adjusted", group="direction")
    >>> cmp = ik.compare(res, a="buy", b="sell", sign={"sell": -1}, window=(0, 60))
    >>> n = res.tests["n"]
    >>> (cmp.n_a, cmp.n_b) == (n[("buy", 0, 60)], n[("sell", 0, 60)])
    True
    """

    _percent = ("estimate", "ci_low", "ci_high", "mean_a", "mean_b")
    _count = ("n_a", "n_b")
    _stat = ("t",)
    _pvalue = ("p",)
    _title = "Comparison"

    a: str
    b: str
    window: str
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    diff: float
    welch_t: float
    welch_df: float
    welch_se: float
    welch_p: float
    boot_low: float
    boot_high: float
    level: float
    reg_coef: float
    reg_se: float
    reg_t: float
    reg_p: float
    reg_cluster: str
    reg_params: pd.DataFrame

    # ------------------------------------------------------------------------------------ results protocol
    @property
    def params(self) -> pd.Series:
        """The difference ``a - b`` as the regression estimates it (controls included)."""
        return pd.Series([self.reg_coef], index=[f"{self.a} - {self.b}"], name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Its clustered standard error."""
        return pd.Series([self.reg_se], index=self.params.index, name="std_error")

    @property
    def pvalues(self) -> pd.Series:
        """Its two-sided normal p-value."""
        return pd.Series([self.reg_p], index=self.params.index, name="p")

    @property
    def nobs(self) -> int:
        """Events compared (both groups)."""
        return self.n_a + self.n_b

    @property
    def ci_method(self) -> str:
        """How :meth:`conf_int` (and ``ci_low``/``ci_high``) make the interval."""
        how = "HC1 (no clusters)" if self.reg_cluster == "none (HC1)" else f"clustered by {self.reg_cluster}"
        return f"regression, standard errors {how}, normal"

    @property
    def ci_low(self) -> float:
        """Lower bound of the clustered interval at ``level`` (the bootstrap's: ``boot_low``)."""
        return float(self.conf_int(self.level)["lower"].iloc[0])

    @property
    def ci_high(self) -> float:
        """Upper bound of the clustered interval at ``level`` (the bootstrap's: ``boot_high``)."""
        return float(self.conf_int(self.level)["upper"].iloc[0])

    def table(self) -> pd.DataFrame:
        """Every field as a one-row table (comparisons stack into one frame with :func:`pandas.concat`)."""
        cols = ["a", "b", "window", "n_a", "n_b", "mean_a", "mean_b", "diff", "ci_low", "ci_high", "boot_low",
                "boot_high", "welch_t", "welch_p", "reg_coef", "reg_se", "reg_t", "reg_p", "reg_cluster"]
        return pd.DataFrame([{c: getattr(self, c) for c in cols}])

    def summary(self) -> pd.DataFrame:
        """The difference by each method: Welch's t (its CI from the t distribution), the bootstrap's percentile
        CI, and the clustered regression (coefficient, normal CI)."""
        q_w = st.t.ppf(0.5 + self.level / 2, self.welch_df) if np.isfinite(self.welch_df) else np.nan
        return pd.DataFrame({
            "estimate": [self.diff, self.diff, self.reg_coef],
            "ci_low": [self.diff - q_w * self.welch_se, self.boot_low, self.ci_low],
            "ci_high": [self.diff + q_w * self.welch_se, self.boot_high, self.ci_high],
            "t": [self.welch_t, np.nan, self.reg_t], "p": [self.welch_p, np.nan, self.reg_p],
        }, index=pd.Index(["Welch t", "bootstrap", f"regression ({self.reg_cluster})"], name="method"))

    def _head(self) -> str:
        return (f"{self.a} − {self.b}, CAR{self.window}: N = {self.n_a:,} vs {self.n_b:,}; means "
                f"{self.mean_a:.2%} and {self.mean_b:.2%}; {self.level:.0%} intervals")


def _welch(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """Welch t, its Welch-Satterthwaite degrees of freedom, two-sided p and the difference's standard error."""
    va, vb = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = np.sqrt(va + vb)
    t = (x.mean() - y.mean()) / se
    df = (va + vb) ** 2 / (va**2 / (len(x) - 1) + vb**2 / (len(y) - 1))
    return float(t), float(df), float(R.student_p(t, df)), float(se)


def _bootstrap(x: np.ndarray, y: np.ndarray, n_boot: int, level: float, rng: np.random.Generator) -> tuple[float, float]:
    """Percentile bootstrap CI of mean(x) - mean(y), resampling within each group (Efron & Tibshirani 1993,
    ch. 13): the resample means come from a compiled kernel on all cores (no index arrays in memory)."""
    from ._kernels import bootstrap_means

    mx, my = np.empty(n_boot), np.empty(n_boot)
    seeds = rng.integers(0, 2**62, size=2)
    bootstrap_means(np.ascontiguousarray(x, dtype=np.float64), n_boot, int(seeds[0]), mx)
    bootstrap_means(np.ascontiguousarray(y, dtype=np.float64), n_boot, int(seeds[1]), my)
    lo, hi = np.quantile(mx - my, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def welch_and_bootstrap(x_a: np.ndarray, x_b: np.ndarray, *, n_boot: int = 2000, level: float = 0.95,
                        seed: int = 0) -> dict[str, float]:
    """The two tests of :func:`compare` that need no clusters, on the (sign-adjusted) CARs of each group:
    Welch's t with its degrees of freedom and p, and the percentile bootstrap CI of ``mean(x_a) - mean(x_b)``
    (the same numbers :func:`compare` reports for the same values, *n_boot*, *level* and *seed*).

    Parameters
    ----------
    x_a, x_b
        The two groups' values (finite, at least two each).
    n_boot
        Bootstrap resamples.
    level
        Confidence level of the bootstrap interval.
    seed
        Seed of the bootstrap.

    Returns
    -------
    dict of str to float
        ``welch_t``, ``welch_df``, ``welch_se``, ``welch_p``, ``boot_low``, ``boot_high``.

    Examples
    --------
    >>> import numpy as np
    >>> r = welch_and_bootstrap(np.array([0.05, 0.07, 0.06, 0.08]), np.array([0.01, 0.0, 0.02, 0.01]), n_boot=500)
    >>> r["boot_low"] > 0, r["welch_p"] < 0.01
    (True, True)
    """
    if len(x_a) < 2 or len(x_b) < 2:
        raise DataError(f"too few values to compare: {len(x_a)} and {len(x_b)} (two each at least)")
    t, df, p, se = _welch(x_a, x_b)
    lo, hi = _bootstrap(x_a, x_b, n_boot, level, np.random.default_rng(seed))
    return {"welch_t": t, "welch_df": df, "welch_se": se, "welch_p": p, "boot_low": lo, "boot_high": hi}


def compare(result: EventStudyResult, *, by: str | Sequence[object] | np.ndarray | pd.Series | None = None, a: str | None = None, b: str | None = None,
            window: str | tuple[int, int] | None = None, sign: Mapping[str, float] | None = None,
            controls: Sequence[str] = (), cluster: str | Sequence[str] | None = ("firm", "month"), n_boot: int = 2000,
            level: float = 0.95, seed: int = 0) -> Comparison:
    r"""Difference of mean CAR between two groups of events, with Welch t, bootstrap CI and a clustered regression.

    Parameters
    ----------
    result
        An :class:`EventStudyResult`.
    by
        Column of ``result.events`` defining the groups (default: the study's group column), or one
        label per used event (aligned with ``result.events``).
    a, b
        The two group values compared as ``a - b`` (default: the first two values in order of appearance).
        ``b`` may be ``"rest"`` for every event not in ``a``.
    window
        CAR window, e.g. ``(0, 60)`` (or its label ``"(+0,+60)"``; default: the last one).
    sign
        Multipliers per group value, e.g. ``{"sell": -1}`` to compare purchases with sign-flipped sales.
    controls
        Numeric columns of ``result.events`` added to the regression.
    cluster
        ``"firm"`` (ticker), ``"month"`` (calendar month of day 0), both (two-way), or empty (HC1).
    n_boot
        Bootstrap resamples.
    level
        Confidence level of every interval.
    seed
        Seed of the bootstrap.

    Returns
    -------
    Comparison

    Notes
    -----
    With :math:`y_i` the (sign-adjusted) CAR of event i over *window*:
    Welch (1947): :math:`t = (\bar y_a - \bar y_b) / \sqrt{s_a^2/n_a + s_b^2/n_b}` with the
    Welch-Satterthwaite degrees of freedom; the percentile bootstrap (Efron & Tibshirani 1993) resamples
    each group's events with replacement, *n_boot* times; the regression :math:`y_i = \alpha + \delta
    \,1[i \in a] + x_i'\gamma + u_i` estimates :math:`\delta` with standard errors clustered by firm and
    calendar month (Cameron, Gelbach & Miller 2011; Petersen 2009), normal p-values.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> res = ik.event_study(study.events, study.panel, model="market_adjusted", group="direction")
    >>> cmp = ik.compare(res, by="direction", a="buy", b="sell", sign={"sell": -1}, window=(0, 60))
    >>> cmp.summary().index.tolist()
    ['Welch t', 'bootstrap', 'regression (firm+month)']
    """

    ev = result.events
    if by is None:
        by = result.group_name
    if isinstance(by, str) or by is None:
        if by is None or by not in ev.columns:
            raise DataError(f"compare needs a group column; {by!r} is not in the events",
                            hint=f"columns: {', '.join(map(str, ev.columns[:15]))}")
        labels = ev[by]
    else:
        labels = pd.Series(np.asarray(by, dtype=object), index=ev.index)
        if len(labels) != len(ev):
            raise DataError(f"compare got {len(labels):,} group labels for {len(ev):,} events")
        by = "labels"
    win = result.car_windows[-1] if window is None else window_of(window, result.car_windows)
    wname = window_label(win)
    car = result.car[win].to_numpy(float)
    # each event's group as a code into the distinct values (first-seen order): no per-event Python work
    gcode, uniq = pd.factorize(labels.astype("string").fillna("<NA>"))
    vals = [str(v) for v in uniq]
    a = a if a is not None else (vals[0] if vals else None)
    if a is None or a not in vals:
        raise DataError(f"group {a!r} has no events in column {by!r}; values: {vals[:10]}")
    if b is None:
        rest = [v for v in vals if v != a]
        if not rest:
            raise DataError(f"only one group ({a!r}) in column {by!r}; nothing to compare with")
        b = rest[0]
    in_a = gcode == vals.index(a)
    in_b = ~in_a if b == "rest" else (gcode == vals.index(b) if b in vals else np.zeros(len(gcode), bool))
    if not in_b.any():
        raise DataError(f"group {b!r} has no events in column {by!r}; values: {vals[:10]}")
    mult = np.array([float((sign or {}).get(v, 1.0)) for v in vals])[gcode]
    y = car * mult
    use = (in_a | in_b) & np.isfinite(y)
    x_a, x_b = y[use & in_a], y[use & in_b]
    if len(x_a) < 2 or len(x_b) < 2:
        raise DataError(f"too few events to compare: {len(x_a)} in {a!r}, {len(x_b)} in {b!r}")
    wb = welch_and_bootstrap(x_a, x_b, n_boot=n_boot, level=level, seed=seed)
    cluster = cluster_dims(cluster)
    X = pd.DataFrame({"const": 1.0, f"is_{a}": in_a[use].astype(float)})
    for c in controls:
        if c not in ev.columns:
            raise DataError(f"control {c!r} is not a column of the events")
        X[c] = pd.to_numeric(ev[c], errors="coerce").to_numpy(float)[use]
    ok = np.isfinite(X.to_numpy()).all(axis=1)
    rows = np.zeros(len(ev), dtype=bool)
    rows[np.flatnonzero(use)[ok]] = True
    fit = clustered_ols(y[use][ok], X[ok], cluster_codes(ev, tuple(cluster), mask=rows))
    name = f"is_{a}"
    params = pd.DataFrame({"coef": fit.params, "se": fit.std_errors, "t": fit.tvalues, "p": fit.pvalues})
    return Comparison(
        a=str(a), b=str(b), window=wname, n_a=len(x_a), n_b=len(x_b), mean_a=float(x_a.mean()),
        mean_b=float(x_b.mean()), diff=float(x_a.mean() - x_b.mean()), welch_t=wb["welch_t"], welch_df=wb["welch_df"],
        welch_se=wb["welch_se"], welch_p=wb["welch_p"], boot_low=wb["boot_low"], boot_high=wb["boot_high"],
        level=level, reg_coef=float(fit.params[name]), reg_se=float(fit.std_errors[name]),
        reg_t=float(fit.tvalues[name]), reg_p=float(fit.pvalues[name]),
        reg_cluster="+".join(cluster) if cluster else "none (HC1)", reg_params=params,
    )
