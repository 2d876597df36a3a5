"""Run every claim of :data:`~insider_kit.claims.catalog.CLAIMS` on a study and give each a verdict.

Verdict rule (from the estimate's 95% CI and N; standard errors clustered by firm and calendar month,
Newey-West for monthly market series).  A verdict is given only where the data can carry one:

* ``not testable`` when the data lack an ingredient of the claim (e.g. no filing dates, no 10b5-1 field), or
  N (either side of a difference) is below ``min_n`` (``min_n_months`` for the market claim), or there is no
  confidence interval; the reason is in ``reason``;
* ``check the data`` when the interval is degenerate (zero width: every event the same number, as trade-dated
  data with one price can give), the estimate is implausible (beyond +/- ``implausible``, 100% by default, for
  a CAR over months), or the market series is on another calendar than the stocks'
  (:func:`insider_kit.quality.calendar_mismatch` above 5%) — never *supported* or *contradicted*;
* claims of an effect (``expect = "positive"`` or ``"negative"``): ``supported`` when the CI excludes zero
  on the claimed side and the claim's Benjamini-Hochberg q-value across the ledger is below ``alpha``;
  ``contradicted`` when the CI excludes zero on the other side (q below ``alpha`` too), or lies entirely
  within +/- ``negligible`` (an effect precisely estimated to be too small to matter); else ``inconclusive``;
* claims of no effect (``expect = "none"``): ``supported`` when the CI lies within +/- ``negligible``;
  ``contradicted`` when it excludes the whole band on one side; else ``inconclusive``.

**The verdict's statistic** (the ``statistic`` column) is chosen by the kit's validity rule
(:mod:`insider_kit.eventstudy.validity`): for a claim of a mean CAR, the two-way clustered t (firm and month)
unless the claim's events are cross-correlated across months — measured by their mean residual correlation
r̄ (the event study's, of their direction) and the mean overlap *w* of their CAR windows in calendar time — by
more than clustering by month captures: when the Kolari-Pynnönen standard error
:math:`s/\\sqrt N \\cdot \\sqrt{(1 + (N-1)\bar r w)/(1 - \bar r w)}` exceeds the clustered one and the rule
finds the cross-sectional t not valid (implied size above 7.5%), the interval and p come from it
(:func:`verdict_statistic`).  A difference of two sides' means keeps the clustered t: what is common to both
sides' calendar cancels in part, which r̄ and *w* of one side cannot measure.  The market claim's is
Newey-West's.

Many claims are tested at once, so the ledger also reports Holm-adjusted p-values and Benjamini-Hochberg
q-values across the claims that have a p-value (``p_holm``, ``q_bh``; the unadjusted ``p`` stays).

CARs are over ``window`` (default trading days 0..60 after the filing became public) with
market-adjusted returns by default: the market model's intercept, estimated on the months before the
event, absorbs a pre-event run-up and makes sales after run-ups look like reversals even when nothing
follows (notebook 05).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..days import day_index
from ..errors import DataError
from ..eventstudy import Model, event_study
from ..eventstudy.compare import welch_and_bootstrap
from ..eventstudy.regression import MaskedClusters, cluster_codes, hac_ols
from ..eventstudy.results import EventStudyResult
from ..eventstudy.stats import mean_window_overlap
from ..eventstudy.validity import MAX_SIZE, implied_size, variance_factors
from .catalog import CLAIMS, Claim, Expect, Selections
from .estimates import (
    ClaimsData,
    Result,
    derived,
    difference_estimate,
    empty_estimate,
    mean_estimate,
    strongest_sell_signal,
)
from .literature import literature_agreement

__all__ = ["CLUSTERED_T", "KP_T", "LEDGER_COLUMNS", "LEDGER_VARIANTS", "VERDICTS", "Ledger", "adjust_pvalues",
           "benjamini_hochberg", "holm",
           "ledger_name", "ledger_table", "market_claim", "run_ledger", "verdict", "verdict_reason", "verdict_statistic"]

#: Columns of the ledger, in order.
LEDGER_COLUMNS = ["id", "claim", "source", "test", "expect", "n", "n_ref", "estimate", "ci_low", "ci_high", "p",
                  "p_holm", "q_bh", "boot_low", "boot_high", "controlled", "controlled_low", "controlled_high",
                  "controlled_p", "controls_agree", "literature", "literature_source", "literature_agrees", "verdict",
                  "reason", "statistic"]

#: The controls of every differential claim's CAR regression (terms whose columns the events lack are left out);
#: ``log_value`` and ``log_mcap`` are the logs of the trade's dollar value and the firm's market value (missing
#: where the value is zero or unknown).
CONTROLS = ("log_value", "log_mcap", "C(top_role)", "C(year)")


#: The verdicts of the ledger, in the order the report explains them.
VERDICTS = ("supported", "contradicted", "inconclusive", "not testable", "check the data")


class Ledger(pd.DataFrame):
    """The claims ledger: a DataFrame (one row per claim, :data:`LEDGER_COLUMNS`) that also writes itself for a
    paper (:meth:`paper_table`, :meth:`to_latex`, :meth:`to_markdown`).

    Its ``ci_low``/``ci_high`` are 95% intervals from standard errors clustered by firm and month (Newey-West for
    the market claim), as ``compare``'s and every results object's ``ci_low``/``ci_high``; ``boot_low``/``boot_high``
    are the percentile bootstrap's.
    """

    _metadata: ClassVar[list[str]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """A DataFrame's constructor (the ledger's rows and columns)."""
        super().__init__(*args, **kwargs)

    @property
    def _constructor(self) -> type[Ledger]:
        return Ledger

    def paper_table(self) -> pd.DataFrame:
        """One row per claim as a paper shows it: the claim, N (each side), the estimate, its 95% CI, p, the
        Benjamini-Hochberg q and the verdict.

        Returns
        -------
        pandas.DataFrame
            Indexed by claim id; estimate and CI bounds in decimals (formatted as percent on output).
        """
        out = pd.DataFrame({"claim": self["claim"].to_numpy(), "N": self["n"].to_numpy(),
                            "N (reference)": pd.to_numeric(self["n_ref"], errors="coerce").to_numpy(),
                            "estimate": self["estimate"].to_numpy(float), "CI low": self["ci_low"].to_numpy(float),
                            "CI high": self["ci_high"].to_numpy(float), "p": self["p"].to_numpy(float),
                            "q (BH)": self["q_bh"].to_numpy(float), "verdict": self["verdict"].to_numpy()},
                           index=pd.Index(self["id"].to_numpy(), name="id"))
        return out

    _formats: ClassVar[dict[str, tuple[str, ...]]] = {"percent": ("estimate", "CI low", "CI high"),
                                           "count": ("N", "N (reference)"), "pvalue": ("p", "q (BH)")}

    def to_latex(self, *, caption: str | None = None, label: str | None = None) -> str:  # type: ignore[override]
        """:meth:`paper_table` as a LaTeX table (booktabs), returns in percent, with a note on the intervals.

        Parameters
        ----------
        caption, label
            Optional caption and ``\\label``.

        Returns
        -------
        str
            The LaTeX source.
        """
        from ..tables import latex_table

        return latex_table(self.paper_table(), caption=caption, label=label,
                           notes="95% confidence intervals from standard errors clustered by firm and month "
                                 "(Newey-West for the market claim); q: Benjamini-Hochberg across the ledger.",
                           **self._formats)  # type: ignore[arg-type]

    def to_markdown(self) -> str:  # type: ignore[override]
        """:meth:`paper_table` as a Markdown table, returns in percent.

        Returns
        -------
        str
            The Markdown source.
        """
        from ..tables import markdown_table

        return markdown_table(self.paper_table(), **self._formats)  # type: ignore[arg-type]


def verdict_reason(est: float, lo: float, hi: float, n: int, expect: Expect, *, negligible: float, min_n: int,
                   q: float | None = None, alpha: float = 0.05, implausible: float = 1.0) -> tuple[str, str]:
    """The verdict of the module docstring's rule and, when the data cannot carry a verdict, why.

    Parameters
    ----------
    est, lo, hi
        The estimate and its 95% CI.
    n
        Events behind the estimate (the smaller side of a difference).
    expect
        What the claim says: ``positive``, ``negative`` or ``none``.
    negligible
        The size below which an effect is treated as none.
    min_n
        Fewest events for a verdict.
    q
        The multiple-testing adjusted p-value (None: the CI alone decides).
    alpha
        The level *q* is compared with.
    implausible
        Estimates beyond +/- this are data problems, not findings.

    Returns
    -------
    (str, str)
        The verdict (one of :data:`VERDICTS`) and the reason ('' for a verdict on the evidence).

    Examples
    --------
    >>> verdict_reason(0.02, 0.01, 0.03, 12, "positive", negligible=0.005, min_n=30)
    ('not testable', 'too few events: N = 12 < 30')
    >>> verdict_reason(-0.02, -0.02, -0.02, 500, "positive", negligible=0.005, min_n=30)[0]
    'check the data'
    >>> verdict_reason(2.5, 2.0, 3.0, 500, "positive", negligible=0.005, min_n=30)[1][:22]
    'implausible estimate ('
    """
    if n < min_n:
        return "not testable", ("no events" if n == 0 else f"too few events: N = {n:,} < {min_n:,}")
    if not (np.isfinite(est) and np.isfinite(lo) and np.isfinite(hi)):
        return "not testable", "no confidence interval (too few events or clusters to estimate one)"
    if not hi - lo > 1e-12 * max(1.0, abs(est)):
        return "check the data", (f"degenerate confidence interval [{lo:.4g}, {hi:.4g}]: the events do not vary "
                                  "(e.g. one price per stock, or returns filled with a constant)")
    if abs(est) > implausible:
        return "check the data", (f"implausible estimate ({est:+.0%}, beyond +/-{implausible:.0%}): look for data "
                                  "errors (unadjusted prices, returns read as prices, percent units)")
    return verdict(est, lo, hi, n, expect, negligible=negligible, min_n=min_n, q=q, alpha=alpha), ""


def verdict(est: float, lo: float, hi: float, n: int, expect: Expect, *, negligible: float, min_n: int,
            q: float | None = None, alpha: float = 0.05) -> str:
    """The verdict rule on the evidence (module docstring), for a claim the data can test (see
    :func:`verdict_reason`, which decides that first); *q* is the claim's multiple-testing adjusted p-value
    (None: the CI alone decides).

    Parameters
    ----------
    est, lo, hi
        The estimate and its 95% CI.
    n
        Events behind the estimate.
    expect
        What the claim says: ``positive``, ``negative`` or ``none`` (no effect).
    negligible
        The size below which an effect is treated as none (for ``none`` claims).
    min_n
        Fewest events for a verdict other than ``inconclusive``.
    q
        The adjusted p-value.
    alpha
        The level *q* is compared with.

    Returns
    -------
    str
        ``supported``, ``contradicted`` or ``inconclusive``.

    Examples
    --------
    >>> verdict(0.02, 0.01, 0.03, 500, "positive", negligible=0.005, min_n=30)
    'supported'
    >>> verdict(-0.02, -0.03, -0.01, 500, "positive", negligible=0.005, min_n=30)
    'contradicted'
    >>> verdict(0.001, -0.002, 0.003, 500, "none", negligible=0.005, min_n=30)  # CI inside +/- 0.5%
    'supported'
    """
    if n < min_n or not (np.isfinite(lo) and np.isfinite(hi)):
        return "inconclusive"
    significant = q is None or (np.isfinite(q) and q < alpha)
    if expect == "none":
        if -negligible <= lo and hi <= negligible:
            return "supported"
        if lo > negligible or hi < -negligible:
            return "contradicted"
        return "inconclusive"
    right = (lo > 0 if expect == "positive" else hi < 0) and significant
    wrong = (hi < 0 if expect == "positive" else lo > 0) and significant
    if right:
        return "supported"
    if wrong or (-negligible <= lo and hi <= negligible):
        return "contradicted"
    return "inconclusive"


def holm(p: np.ndarray) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values: sorted ascending, ``max_{j<=k} min(1, (m - j + 1) p_(j))``.

    Parameters
    ----------
    p
        The family's p-values (finite).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input's order (controls the family-wise error rate).

    Examples
    --------
    >>> import numpy as np
    >>> holm(np.array([0.01, 0.04, 0.03])).tolist()  # 3 x 0.01, max(2 x 0.03, ...), then 1 x 0.04 -> 0.06
    [0.03, 0.06, 0.06]
    """
    m = len(p)
    o = np.argsort(p, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[o]))
    out = np.empty(m)
    out[o] = adj
    return out


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini & Hochberg (1995) q-values: sorted ascending, ``min_{j>=k} min(1, m p_(j) / j)``.

    Parameters
    ----------
    p
        The family's p-values (finite).

    Returns
    -------
    numpy.ndarray
        q-values in the input's order (control the false discovery rate).

    Examples
    --------
    >>> import numpy as np
    >>> benjamini_hochberg(np.array([0.01, 0.04, 0.03])).tolist()
    [0.03, 0.04, 0.04]
    """
    m = len(p)
    o = np.argsort(p, kind="stable")
    q = np.minimum(1.0, np.minimum.accumulate((m * p[o] / np.arange(1, m + 1))[::-1])[::-1])
    out = np.empty(m)
    out[o] = q
    return out


def adjust_pvalues(p: pd.Series) -> pd.DataFrame:
    """Holm-adjusted p-values and Benjamini-Hochberg q-values across the finite entries of *p* (NaN
    elsewhere): the family is every claim with a p-value.

    Parameters
    ----------
    p
        One p-value per claim (NaN for a claim not tested).

    Returns
    -------
    pandas.DataFrame
        ``p_holm`` and ``q_bh`` on *p*'s index.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> adjust_pvalues(pd.Series([0.01, np.nan, 0.04])).round(3).values.tolist()
    [[0.02, 0.02], [nan, nan], [0.04, 0.04]]
    """
    out = pd.DataFrame({"p_holm": np.nan, "q_bh": np.nan}, index=p.index)
    ok = p.notna() & np.isfinite(p.astype(float))
    if ok.any():
        v = p[ok].astype(float).to_numpy()
        out.loc[ok, "p_holm"] = holm(v)
        out.loc[ok, "q_bh"] = benjamini_hochberg(v)
    return out


#: The verdict statistic of most claims, in words: the two-way clustered t.
CLUSTERED_T = "two-way clustered t (firm, month)"
#: The verdict statistic of a claim of a mean whose events the validity rule finds cross-correlated, in words.
KP_T = "Kolari-Pynnönen t (cross-correlated overlapping windows)"


def verdict_statistic(est: Result, car: np.ndarray, mask: np.ndarray, day0: np.ndarray, rbar: float,
                      length: int) -> Result:
    """The estimate of a claim of a mean CAR with the interval and p of the statistic the validity rule picks
    (module docstring): the clustered estimate *est* as it is, or its Kolari-Pynnönen version.

    Parameters
    ----------
    est
        :func:`~.estimates.mean_estimate`'s result (two-way clustered).
    car, mask
        Every event's CAR and the claim's events.
    day0
        Every event's day-0 index (trading days).
    rbar
        The claim's events' mean residual correlation.
    length
        The CAR window's trading days.

    Returns
    -------
    dict
        *est* with ``statistic`` (:data:`CLUSTERED_T` or :data:`KP_T`) and, for the latter, its ``ci_low``,
        ``ci_high`` (normal, 95%) and ``p``; ``size_cs`` is the cross-sectional t's implied size on these events.

    Examples
    --------
    >>> import numpy as np
    >>> car = np.random.default_rng(0).normal(0.01, 0.05, 200)
    >>> est = {"estimate": car.mean(), "ci_low": car.mean() - 0.007, "ci_high": car.mean() + 0.007, "p": 0.01,
    ...        "n": 200}
    >>> verdict_statistic(est, car, np.ones(200, bool), np.full(200, 10), 0.05, 61)["statistic"]  # one date
    'Kolari-Pynnönen t (cross-correlated overlapping windows)'
    >>> verdict_statistic(est, car, np.ones(200, bool), np.arange(200) * 100, 0.05, 61)["statistic"]  # apart
    'two-way clustered t (firm, month)'
    """
    m = mask & np.isfinite(car)
    n = int(m.sum())
    out = dict(est, statistic=CLUSTERED_T)
    if n < 3 or not np.isfinite(est.get("estimate", np.nan)):
        return out
    w = mean_window_overlap(day0[m], length)
    f = float(variance_factors(n=np.array([n]), rbar=np.array([rbar]), overlap=np.array([w]),
                               same_date=np.array([np.nan]), var_scar=np.array([np.nan]))["t_cs"][0])
    size = float(implied_size(f))
    out["size_cs"] = size
    se_cl = (est["ci_high"] - est["ci_low"]) / (2 * 1.959963984540054)
    se_kp = float(np.std(car[m], ddof=1) / np.sqrt(n) * np.sqrt(f))
    if size > MAX_SIZE and se_kp > se_cl:
        e = float(est["estimate"])
        out.update(ci_low=e - 1.959963984540054 * se_kp, ci_high=e + 1.959963984540054 * se_kp,
                   p=math.erfc(abs(e / se_kp) / math.sqrt(2.0)), statistic=KP_T)
    return out


def _diff(res: EventStudyResult, window: tuple[int, int], a: np.ndarray, b: np.ndarray, mc: MaskedClusters,
          flip_b: bool = False, n_boot: int = 1000) -> Result:
    """Mean CAR of *a* minus that of *b* (sign-flipped when *flip_b*): the numbers of :func:`compare` with *a* and
    *b* as its groups (an event in both counts in *a*), its clustered regression from the result's cluster codes
    *mc* (made once for every claim) and its Welch test and bootstrap (:func:`welch_and_bootstrap`)."""
    b = b & ~a
    car = res.car[window].to_numpy()
    out = difference_estimate(car, a, b, mc, flip_b=flip_b)
    if not np.isfinite(out["estimate"]):  # (fewer than two events on a side)
        return out
    y = np.where(b & flip_b, -car, car)
    ok = np.isfinite(y)
    wb = welch_and_bootstrap(y[a & ok], y[b & ok], n_boot=n_boot)
    return out | {"boot_low": wb["boot_low"], "boot_high": wb["boot_high"], "welch_p": wb["welch_p"]}


class _Controls:
    """The controls of :data:`CONTROLS` for every event of one event study, computed once for all the claims
    that subset them: the logs of the continuous terms (NaN where missing or not positive) and integer codes of
    the categorical ones (levels in sorted order, as patsy orders them; -1 where missing)."""

    def __init__(self, events: pd.DataFrame) -> None:
        self.logs: dict[str, np.ndarray] = {}
        self.cats: dict[str, np.ndarray] = {}
        for term in CONTROLS:
            if term.startswith("C("):
                name = term[2:-1]
                if name == "year":
                    values: Any = pd.to_datetime(events["day0"]).dt.year.to_numpy()
                elif name in events.columns:
                    col_v = events[name]
                    values = col_v.to_numpy()
                    if col_v.dtype == object:  # (levels as text, as the formula's C() sorts them; missing stay missing)
                        values = col_v.astype(str).to_numpy().astype(object)
                        values[col_v.isna().to_numpy()] = None
                else:
                    continue
                self.cats[name] = pd.factorize(values, sort=True, use_na_sentinel=True)[0]
                continue
            col = term.removeprefix("log_")
            if col in events.columns:
                v = pd.to_numeric(events[col], errors="coerce").to_numpy(float)
                with np.errstate(divide="ignore", invalid="ignore"):
                    self.logs[term] = np.where(v > 0, np.log(np.where(v > 0, v, 1.0)), np.nan)


def _partial_out(T: np.ndarray, cont: np.ndarray, cats: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """Residuals of the columns of *T* on an intercept, the columns of *cont* and dummies of each categorical code
    vector in *cats* (one level of each left out, as a formula's treatment coding does: the same column space),
    and the number of regressors that makes.  The normal equations are assembled from ``bincount``\\ s of the
    codes, so no dummy matrix is formed (the ledger's controls have dozens of levels over ~10^6 events)."""
    n = len(T)
    Xc = np.column_stack([np.ones(n), cont - cont.mean(axis=0)]) if cont.shape[1] else np.ones((n, 1))
    pc = Xc.shape[1]
    levels = [int(c.max(initial=-1)) + 1 for c in cats]
    off = np.cumsum([pc, *levels])
    m = int(off[-1])
    G = np.zeros((m, m))
    R = np.zeros((m, T.shape[1]))
    G[:pc, :pc] = Xc.T @ Xc
    R[:pc] = Xc.T @ T
    keep = list(range(pc))
    for a, (ca, La) in enumerate(zip(cats, levels, strict=True)):
        oa = int(off[a])
        cnt = np.bincount(ca, minlength=La).astype(float)
        G[oa:oa + La, oa:oa + La] = np.diag(cnt)
        for j in range(pc):
            G[j, oa:oa + La] = G[oa:oa + La, j] = np.bincount(ca, weights=Xc[:, j], minlength=La)
        for t in range(T.shape[1]):
            R[oa:oa + La, t] = np.bincount(ca, weights=T[:, t], minlength=La)
        for b in range(a + 1, len(cats)):
            ob, Lb = int(off[b]), levels[b]
            cross = np.bincount(ca * Lb + cats[b], minlength=La * Lb).reshape(La, Lb).astype(float)
            G[oa:oa + La, ob:ob + Lb] = cross
            G[ob:ob + Lb, oa:oa + La] = cross.T
        keep += [oa + lev for lev in np.flatnonzero(cnt)[1:]]  # the levels present, the first left out
    ix = np.asarray(keep)
    coef = np.zeros((m, T.shape[1]))
    coef[ix] = np.linalg.pinv(G[np.ix_(ix, ix)]) @ R[ix]
    fitted = Xc @ coef[:pc]
    for a, ca in enumerate(cats):
        fitted += coef[int(off[a]):int(off[a]) + levels[a]][ca]
    return T - fitted, len(ix)


def _controlled(res: EventStudyResult, window: tuple[int, int], a: np.ndarray, b: np.ndarray,
                flip_b: bool, controls: _Controls | None = None, mc: MaskedClusters | None = None) -> Result:
    """The difference of *a* and *b* with controls (trade value, market value, the top role, year fixed
    effects): the coefficient of ``in_a`` in a CAR regression, standard errors clustered by firm and month.

    It is the regression :func:`~insider_kit.eventstudy.car_regression` fits from the formula
    ``y ~ in_a + log_value + log_mcap + C(top_role) + C(year)`` (tested equal), computed through the
    Frisch-Waugh-Lovell theorem: with ``x`` and ``e`` the residuals of ``in_a`` and ``y`` on the controls, the
    coefficient is ``x'e / x'x``, the full regression's residuals are ``u = e - coef x``, and the ``in_a`` entry of
    the clustered sandwich is ``c_g sum_c (sum_{i in c} x_i u_i)^2 / (x'x)^2`` (with the full regression's
    small-sample factor ``c_g``).  No design matrix with dummies of every year and role is formed.
    *controls* and *mc* (the result's :class:`_Controls` and :class:`MaskedClusters`) are made when not given.
    """
    if a.sum() < 5 or b.sum() < 5:
        return {}
    ctl = _Controls(res.events) if controls is None else controls
    keep = a | b
    car = res.car[window].to_numpy()
    y = np.where(b & flip_b, -car, car)
    ok = keep & np.isfinite(y)
    logs = [v for v in ctl.logs.values() if np.isfinite(v[keep]).sum() >= 10]
    for v in logs:
        ok &= np.isfinite(v)
    for c in ctl.cats.values():
        ok &= c >= 0
    n = int(ok.sum())
    cats = [c[ok] for c in ctl.cats.values()]
    # regressors: intercept, in_a, the logs, and each categorical's present levels but one
    k = 2 + len(logs) + sum(max(int(np.count_nonzero(np.bincount(c))) - 1, 0) if len(c) else 0 for c in cats)
    if n <= k:
        return {}
    mcl = MaskedClusters(cluster_codes(res.events, ("firm", "month"), intersection=True)) if mc is None else mc
    try:
        cont = np.column_stack([v[ok] for v in logs]) if logs else np.empty((n, 0))
        E, _ = _partial_out(np.column_stack([y[ok], a[ok].astype(float)]), cont, cats)
    except (ValueError, np.linalg.LinAlgError):
        return {}
    e, x = E[:, 0], E[:, 1]
    xx = float(x @ x)
    if not xx > 1e-12 * n:  # in_a is (nearly) a combination of the controls: not identified
        return {}
    coef = float(x @ e) / xx
    se = mcl.se(x * (e - coef * x), np.flatnonzero(ok), k, xx)
    q = 1.959963984540054  # the normal's 97.5% quantile
    pv = math.erfc(abs(coef / se) / math.sqrt(2.0)) if np.isfinite(se) and se > 0 else np.nan
    return {"controlled": coef, "controlled_low": coef - q * se, "controlled_high": coef + q * se,
            "controlled_p": pv}


#: The verdict statistic of the claims that :func:`verdict_statistic` does not choose for.
_STATISTIC_OF = {"market": "Newey-West t (3 monthly lags)", "difference": CLUSTERED_T, "disposals": CLUSTERED_T,
                 "pre_filing": CLUSTERED_T}


def _claim_rbar(rbar_of: pd.Series, direction: np.ndarray | None, mask: np.ndarray) -> float:
    """The mean residual correlation of a claim's events: their directions' (the event study's groups), weighted
    by how many of the claim's events each holds."""
    if direction is None or not mask.any():
        return float(rbar_of.mean()) if len(rbar_of) else 0.0
    d, k = np.unique(direction[mask], return_counts=True)
    r = np.array([float(rbar_of.get(str(x), np.nan)) for x in d])
    ok = np.isfinite(r)
    return float(np.average(r[ok], weights=k[ok])) if ok.any() else 0.0


def _agree(raw_lo: float, raw_hi: float, lo: float, hi: float) -> str:
    """Whether the controlled estimate tells the raw one's story: ``agree`` / ``differs`` (significance on one
    side only) / ``opposite`` (both significant, opposite signs); empty without a controlled estimate."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    side = lambda a, b: 1 if a > 0 else (-1 if b < 0 else 0)  # noqa: E731
    s_raw, s_ctl = side(raw_lo, raw_hi), side(lo, hi)
    if s_raw == s_ctl:
        return "agree"
    return "opposite" if s_raw * s_ctl < 0 else "differs"


def market_claim(study: ClaimsData, *, horizon: int = 3, heavy_q: float = 0.1) -> Result:
    """Forward market return after heavy-selling months that followed an advance, minus other months (HAC, lags=h).

    A month is "heavy selling after an advance" when its net purchase ratio is in the lowest *heavy_q* of
    months and the market's past six-month return is above its median (an advance); the difference of mean
    *horizon*-month forward market returns is an OLS slope on a heavy-month dummy with a Newey-West standard
    error of *horizon* lags (the forward returns of consecutive months overlap).

    Parameters
    ----------
    study
        A loaded study (or any :class:`~insider_kit.claims.estimates.ClaimsData`).
    horizon
        Forward horizon in months.
    heavy_q
        The share of months with the most selling that count as heavy.

    Returns
    -------
    dict
        ``estimate``, ``ci_low``, ``ci_high``, ``p``, ``n`` (heavy months) and ``n_ref`` (other months).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> r = market_claim(study)
    >>> sorted(r)
    ['ci_high', 'ci_low', 'estimate', 'n', 'n_ref', 'p']
    """
    if study.panel.market is None:
        return empty_estimate(0, 0, "no market series")
    try:
        npr = study.net_purchase_ratio()
    except DataError as exc:  # (no open-market trade with a public date: trade-dated data, for one)
        return empty_estimate(0, 0, f"no monthly net purchase ratio: {exc.message}")
    d = npr.dropna(subset=[f"fwd_{horizon}m", "past_6m", "npr_count"])
    heavy = (d["npr_count"] <= d["npr_count"].quantile(heavy_q)) & (d["past_6m"] > d["past_6m"].median())
    if heavy.sum() < 1 or (~heavy).sum() < 2:
        return empty_estimate(int(heavy.sum()), int((~heavy).sum()))
    X = pd.DataFrame({"const": 1.0, "heavy": heavy.astype(float).to_numpy()})
    fit = hac_ols(d[f"fwd_{horizon}m"].to_numpy(float), X, lags=horizon)
    est, se = float(fit.params["heavy"]), float(fit.bse["heavy"])
    return {"estimate": est, "ci_low": est - 1.96 * se, "ci_high": est + 1.96 * se, "p": float(fit.pvalues["heavy"]),
            "n": int(heavy.sum()), "n_ref": int((~heavy).sum())}


#: The event variants the ledger and its robustness grids use besides the study's events
#: (``(date, codes, by_class, signals)``, the arguments of :meth:`~insider_kit.Study.events_by`), in the order
#: the ledger first needs them: the disposal comparison's classes (without signals) and the trade-dated events
#: (the pre-filing claim, the last of the catalogue, and half the grids need them).
LEDGER_VARIANTS: tuple[tuple[str, tuple[str, ...], bool, bool], ...] = (
    ("filing", ("S", "F", "G", "J"), True, False), ("trade", ("P", "S"), False, True))


def _ranking(events: pd.DataFrame, car: np.ndarray, sel: Selections) -> Result:
    """The ranking claim: cluster sales against every other sale pattern and other sales
    (:func:`~insider_kit.claims.estimates.strongest_sell_signal`); the estimate is the contrast whose CI reaches
    highest — supported only when even that one lies below zero."""
    sub = Selections(events[sel.sell])
    con = strongest_sell_signal(events[sel.sell], car[sel.sell], sub.sale_patterns())
    if con.empty or not np.isfinite(con["ci_high"]).any():
        return empty_estimate(int((sel.sell & sel.cluster).sum()), np.nan,
                              "fewer than two cluster sales, or no other sale pattern to rank them against")
    w = con.iloc[int(np.nanargmax(con["ci_high"].to_numpy(float)))]
    return {"estimate": float(w["difference"]), "ci_low": float(w["ci_low"]), "ci_high": float(w["ci_high"]),
            "p": float(w["p"]), "n": int(w["n"]), "n_ref": int(w["n_b"]),
            "statistic": f"{CLUSTERED_T}: cluster vs {w['b']}, the least favourable of {len(con)} contrasts"}


def _disposals(study: ClaimsData, common: dict[str, Any], window: tuple[int, int]) -> Result:
    ev = study.events_by(codes=("S", "F", "G", "J"), by_class=True, signals=False)  # (classes only: no signals)
    ev = ev[ev["direction"] == "sell"]
    if ev.empty:
        return empty_estimate(0, 0, "no disposals (F/G/J) in the data")
    other = ["tax", "gift", "other", "exercise_and_sell"]
    if not ev["code_class"].isin(other).any():
        return empty_estimate(int((ev["code_class"] == "sale").sum()), 0,
                      "the data hold no tax-withholding, gift, other or exercise-and-sell disposals (F/G/J, S with M/X)")
    res = event_study(ev, study.panel, group="code_class", **common)  # (one event per firm, day and class)
    cls = res.events["code_class"].to_numpy()
    mc = MaskedClusters(cluster_codes(res.events, ("firm", "month"), intersection=True))
    return _diff(res, window, cls == "sale", np.isin(cls, other), mc)


def _pre_filing(study: ClaimsData, common: dict[str, Any]) -> Result:
    """Sum of a purchase's abnormal returns on the trading days after the trade and before the public day."""
    if study.dated_by == "trade":
        return empty_estimate(0, np.nan, "the data carry trade dates only (no filing dates, or filing dates equal to the "
                                 "trade dates): nothing is known about when the trades became public")
    ev = study.events_by(date="trade")
    ev = ev[ev["direction"] == "buy"]
    if ev.empty:
        return empty_estimate(0, np.nan, "no purchases")
    res = event_study(ev, study.panel, **common)
    d0 = day_index(study.panel.dates, res.events["day0"])
    dp = day_index(study.panel.dates, res.events["public_date"])
    lag = dp - d0  # trading days from the trade to the public day
    rel = res.rel_days
    between = (rel[None, :] >= 1) & (rel[None, :] < lag[:, None])
    car = np.where(between, np.nan_to_num(res.ar.to_numpy()), 0.0).sum(axis=1)
    out = mean_estimate(res.events, car, np.ones(len(car), bool))
    out["n_with_gap"] = int((lag >= 2).sum())
    return out


def _not_testable(c: Claim, events: pd.DataFrame) -> str:
    """Why the events cannot test claim *c* ('' when they can)."""
    for col in c.needs:
        if col not in events.columns:
            return f"the events have no '{col}' (the data lack this ingredient)"
        v = events[col]
        if v.isna().all() or (v.dtype == bool and not v.any()):
            return f"'{col}' is unknown for every event (the data lack this ingredient)"
    return ""


def _untestable_ledger(why: str) -> Ledger:
    """The ledger when the data carry no study at all: every claim *not testable*, with *why*."""
    rows = [{"id": c.id, "claim": c.text, "source": c.source, "test": c.test, "expect": c.expect, "n": 0,
             "n_ref": np.nan, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan,
             "boot_low": np.nan, "boot_high": np.nan, "verdict": "not testable", "reason": why,
             "controlled": np.nan, "controlled_low": np.nan, "controlled_high": np.nan, "controlled_p": np.nan,
             "controls_agree": "", "statistic": ""} for c in CLAIMS]
    led = pd.DataFrame(rows)
    led = led.join(adjust_pvalues(led["p"]))
    return Ledger(led.join(literature_agreement(led))[LEDGER_COLUMNS])


def ledger_name(**settings: Any) -> str:
    """The name a ledger with these settings is kept under by its data (:func:`~.estimates.derived`): a hash
    of the settings, the catalogue's claims and the ledger's columns (the persistent study's fingerprint covers
    every input and the kit's version).

    Parameters
    ----------
    **settings
        :func:`run_ledger`'s settings, every one of them.

    Returns
    -------
    str
        ``ledger_<hash>``.

    Examples
    --------
    >>> ledger_name(model="market_adjusted", window=(0, 60)).startswith("ledger_")
    True
    """
    import hashlib

    # (the catalogue's claims and the ledger's columns too: a ledger kept before a claim or a column was added is
    # not read back as if it were complete)
    key = (sorted(settings.items()), tuple(c.id for c in CLAIMS), tuple(LEDGER_COLUMNS))
    return "ledger_" + hashlib.sha256(repr(key).encode()).hexdigest()[:12]


def run_ledger(study: ClaimsData, *, model: Model = "market_adjusted", window: tuple[int, int] = (0, 60),
               negligible: float = 0.01, min_n: int = 30, min_n_months: int = 3, runup_quintile: int = 5,
               plan_threshold: float = 0.5, alpha: float = 0.05, implausible: float = 1.0,
               progress: bool = False) -> Ledger:
    r"""Test every claim in :data:`~insider_kit.claims.CLAIMS` on *study* and return the ledger.

    A pure function of the study's events, panel and event variants: the claims are tested one after the
    other in the catalogue's order.  The result is kept by the study (:meth:`~insider_kit.Study.derived`: the
    report tests the claims once and every notebook that shows the ledger reads it back).  To have the event
    variants built by a worker process meanwhile, call :func:`insider_kit.run_ledger` (the same ledger, with
    the work arranged by :mod:`insider_kit.study`).

    Parameters
    ----------
    study
        A loaded study (:func:`insider_kit.load_study`), or any :class:`~.estimates.ClaimsData`.
    model
        Return model of the event studies (see :func:`insider_kit.event_study`).
    window
        The CAR window, trading days relative to day 0 (the public date).
    negligible
        Half-width of the "too small to matter" band of the verdict rule (decimal CAR).
    min_n, min_n_months
        Fewest events (months, for the market claim) on each side for a verdict (fewer: not testable).
    implausible
        An estimate beyond +/- this is a data problem: *check the data*, not a verdict.
    alpha
        The Benjamini-Hochberg q-value below which an effect counts (false discovery rate across the ledger).
    runup_quintile, plan_threshold
        Selection options (:class:`~insider_kit.claims.catalog.Selections`).
    progress
        Show a progress bar over the claims.

    Returns
    -------
    Ledger
        One row per claim, columns :data:`LEDGER_COLUMNS` (a DataFrame with ``to_latex()`` and
        ``to_markdown()``); ``attrs['settings']`` records the settings.

    Notes
    -----
    Each claim's estimate is a mean CAR or a difference of mean CARs over *window*, with its 95% CI from
    standard errors clustered by firm and calendar month (Cameron, Gelbach & Miller 2011); the market
    claim's from Newey-West (1987) standard errors.  p-values are adjusted across the ledger by Holm (1979)
    and Benjamini & Hochberg (1995); the verdict rule is in the module docstring.

    Examples
    --------
    >>> import insider_kit as ik
    >>> ledger = run_ledger(ik.load_study("sample"))
    >>> ledger[["id", "n", "estimate", "ci_low", "ci_high", "verdict"]].shape[1]
    6
    >>> set(ledger["verdict"]) <= set(VERDICTS)
    True
    """
    settings: dict[str, Any] = {
        "model": model, "window": tuple(window), "negligible": negligible, "min_n": min_n,
        "min_n_months": min_n_months, "runup_quintile": runup_quintile, "plan_threshold": plan_threshold,
        "alpha": alpha, "implausible": implausible}
    if study.events.empty:
        raise DataError("no events to test the claims on")
    led = Ledger(derived(study, ledger_name(**settings), lambda: ledger_table(study, progress=progress, **settings)).copy())
    paths = getattr(study, "paths", None)
    led.attrs["settings"] = {"model": model, "window": window, "negligible": negligible, "min_n": min_n,
                             "alpha": alpha, "synthetic": getattr(study, "synthetic", None),
                             "data": str(paths.root) if paths is not None else ""}
    return led


def ledger_table(study: ClaimsData, *, model: Model, window: tuple[int, int], negligible: float, min_n: int,
                 min_n_months: int, runup_quintile: int, plan_threshold: float, alpha: float, implausible: float = 1.0,
                 progress: bool = False) -> Ledger:
    """The ledger of :func:`run_ledger` (see there), computed: every claim in catalogue order, then the
    multiple-testing adjustment and the verdicts.

    Parameters
    ----------
    study
        The claims' data.
    model, window, negligible, min_n, min_n_months, runup_quintile, plan_threshold, alpha, implausible, progress
        As :func:`run_ledger`.

    Returns
    -------
    Ledger
        The ledger.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> settings = dict(model="market_adjusted", window=(0, 60), negligible=0.01, min_n=30, min_n_months=3,
    ...                 runup_quintile=5, plan_threshold=0.5, alpha=0.05)
    >>> ledger_table(study, **settings).equals(run_ledger(study, **settings))
    True
    """
    from .._progress import tqdm

    ev = study.events
    w = (min(-5, window[0]), window[1])
    common: dict[str, Any] = {"model": model, "estimation": (-250, -21), "window": w,
                              "car_windows": [(-5, -1), window], "min_estimation": 60, "max_loss": 0.9,
                              "grank": False}  # (the ledger reads the clustered and KP statistics, not GRANK)
    # (grouped by direction: a purchase and a sale of one firm on one day are two events, not duplicates)
    try:
        res = event_study(ev, study.panel, group="direction", **common)
    except DataError as exc:  # (no event, or too few, can be studied: every claim says why, no verdict)
        return _untestable_ledger(f"the events cannot be studied: {exc.message}")
    car = res.car[window].to_numpy()
    sel = Selections(res.events, runup_quintile=runup_quintile, plan_threshold=plan_threshold)
    codes = cluster_codes(res.events, ("firm", "month"), intersection=True)  # once: every claim subsets them
    mc = MaskedClusters(codes)
    controls = _Controls(res.events)  # (likewise)
    day0 = day_index(study.panel.dates, res.events["day0"])
    rbar_of = res.tests["rbar"].xs((window[0], window[1]), level=("start", "end"))  # per direction
    direction = res.events["direction"].to_numpy() if "direction" in res.events.columns else None
    out: dict[str, Result] = {}
    for c in tqdm(CLAIMS, desc="claims", disable=not progress):
        why = _not_testable(c, res.events)
        if why:
            out[c.id] = empty_estimate(0, np.nan, why)
        elif c.kind == "mean":
            assert c.select is not None
            mask = c.select(sel)[0]
            out[c.id] = verdict_statistic(mean_estimate(res.events, car, mask, mc), car, mask, day0,
                                          _claim_rbar(rbar_of, direction, mask), window[1] - window[0] + 1)
        elif c.kind == "difference":
            assert c.select is not None
            a, b = c.select(sel)
            assert b is not None
            out[c.id] = _diff(res, window, a, b, mc, flip_b=c.flip_ref) | _controlled(res, window, a, b,
                                                                                       c.flip_ref, controls, mc)
        elif c.kind == "ranking":
            out[c.id] = _ranking(res.events, car, sel)
        elif c.kind == "disposals":
            out[c.id] = _disposals(study, common, window)
        elif c.kind == "pre_filing":
            out[c.id] = _pre_filing(study, common)
        else:
            out[c.id] = market_claim(study)
    # the multiple-testing family is the claims the data can test: a claim with a reason, or with fewer events
    # (months) on a side than the minimum, is not testable, and its p-value would only make the others' q smaller
    def n_min(r: Result) -> int:
        return int(min(r["n"], r["n_ref"]) if np.isfinite(r.get("n_ref", np.nan)) else r["n"])

    family = {c.id: not r.get("reason") and n_min(r) >= (min_n_months if c.kind == "market" else min_n)
              for c in CLAIMS for r in [out[c.id]]}
    q_all = adjust_pvalues(pd.Series({c.id: out[c.id]["p"] if family[c.id] else np.nan for c in CLAIMS},
                                     dtype=float))["q_bh"]
    from ..quality import calendar_mismatch

    off_calendar = calendar_mismatch(study.panel)
    rows = []
    for c in CLAIMS:
        r = out[c.id]
        need = min_n_months if c.kind == "market" else min_n
        why = str(r.get("reason") or "")
        if why:
            v = "not testable"
        else:
            v, why = verdict_reason(r["estimate"], r["ci_low"], r["ci_high"], n_min(r), c.expect,
                                    negligible=negligible * c.negligible_scale, min_n=need, q=float(q_all[c.id]),
                                    alpha=alpha, implausible=implausible)
            if v in ("supported", "contradicted", "inconclusive") and off_calendar > 0.05:
                v, why = "check the data", (f"{off_calendar:.0%} of the stocks' returns fall on days the market "
                                            "series has none: the market file is on another calendar")
        if not family[c.id]:  # (no interval or p-value from too few events: the estimate is shown, and N)
            r = r | {"ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "boot_low": np.nan, "boot_high": np.nan}
        rows.append({"id": c.id, "claim": c.text, "source": c.source, "test": c.test, "expect": c.expect,
                     "n": int(r["n"]), "n_ref": r.get("n_ref", np.nan), "estimate": r["estimate"],
                     "ci_low": r["ci_low"], "ci_high": r["ci_high"], "p": r["p"],
                     "boot_low": r.get("boot_low", np.nan), "boot_high": r.get("boot_high", np.nan), "verdict": v,
                     "reason": why, "controlled": r.get("controlled", np.nan),
                     "controlled_low": r.get("controlled_low", np.nan), "controlled_high": r.get("controlled_high", np.nan),
                     "controlled_p": r.get("controlled_p", np.nan),
                     "statistic": "" if v == "not testable" else r.get("statistic", _STATISTIC_OF.get(c.kind, CLUSTERED_T)),
                     "controls_agree": _agree(r["ci_low"], r["ci_high"], r.get("controlled_low", np.nan),
                                              r.get("controlled_high", np.nan))})
    led = pd.DataFrame(rows)
    led = led.join(adjust_pvalues(led["p"]))
    return Ledger(led.join(literature_agreement(led))[LEDGER_COLUMNS])
