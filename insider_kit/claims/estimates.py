"""What every claim's estimate is made of: the data a claim is tested on, and the mean CAR or difference of mean
CARs with its interval from standard errors clustered by firm and calendar month.

The claims functions (:mod:`.ledger`, :mod:`.robustness`) are pure: they take a :class:`ClaimsData` (a
:class:`~insider_kit.Study` is one) and compute.  What they produce is kept by their data through
:func:`derived` (a study keeps it in its cache and in the persistent study); the claims hold no cache, start no
worker and warm nothing.  Which work overlaps (event variants built by a worker, grids computed while it runs)
is arranged by :mod:`insider_kit.study` and the report runner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from ..errors import DataError
from ..eventstudy.regression import MaskedClusters, cluster_codes, clustered_mean, clustered_ols
from ..prices.panel import ReturnsPanel

__all__ = ["ClaimsData", "Result", "derived", "difference_estimate", "empty_estimate", "mean_estimate", "sale_pattern_fit",
           "strongest_sell_signal"]

#: One claim's numbers (``estimate``, ``ci_low``, ``ci_high``, ``p``, ``n``, ``n_ref`` and, where they apply,
#: ``reason``, ``boot_low``/``boot_high``, the controlled estimate ...): a row of the ledger before its verdict.
Result = dict[str, Any]


class ClaimsData(Protocol):
    """What the claims are tested on (a :class:`~insider_kit.Study` is one): the events and their returns
    panel, how the events are dated, the other event variants, and the market's net purchase ratio."""

    @property
    def events(self) -> pd.DataFrame:
        """The events (filing-dated firm-day events with signals)."""
        ...

    @property
    def panel(self) -> ReturnsPanel:
        """Their returns panel."""
        ...

    @property
    def dated_by(self) -> Literal["filing", "trade"]:
        """How the events are dated."""
        ...

    def events_by(self, date: Literal["filing", "trade"] = "filing", codes: tuple[str, ...] = ("P", "S"),
                  by_class: bool = False, signals: bool = True) -> pd.DataFrame:
        """Events built another way (:meth:`insider_kit.Study.events_by`)."""
        ...

    def net_purchase_ratio(self) -> pd.DataFrame:
        """The monthly net purchase ratio (:meth:`insider_kit.Study.net_purchase_ratio`)."""
        ...


def derived(data: object, name: str, build: Callable[[], Any], *, persist: bool = True) -> Any:
    """``build()``, kept by *data* when it keeps derived results (a study's ``derived``: memory and, with
    *persist*, the persistent study); computed each time for data that keep nothing.

    Parameters
    ----------
    data
        The claims' data.
    name
        The result's name (encoding its settings).
    build
        Computes it.
    persist
        Whether *data* may keep it on disk (frames only).

    Returns
    -------
    object
        The result.

    Examples
    --------
    >>> derived(object(), "x", lambda: 1 + 1)
    2
    """
    keep = getattr(data, "derived", None)
    return keep(name, build, persist=persist) if callable(keep) else build()


def empty_estimate(n: int = 0, n_ref: float = np.nan, reason: str = "") -> Result:
    """A claim with no estimate: its counts and, when the data cannot test it, why.

    Parameters
    ----------
    n, n_ref
        Events on each side.
    reason
        Why there is no estimate ('' when it is only too few events).

    Returns
    -------
    dict
        The claim's ``Result``.

    Examples
    --------
    >>> empty_estimate(3, 0, "no disposals")["reason"]
    'no disposals'
    """
    return {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "n": n, "n_ref": n_ref,
            "reason": reason}


def mean_estimate(events: pd.DataFrame, car: np.ndarray, mask: np.ndarray, mc: MaskedClusters | None = None) -> Result:
    """Mean CAR of the events in *mask* with its 95% CI, standard error clustered by firm and month
    (:func:`~insider_kit.eventstudy.regression.clustered_mean`; *mc*: the events' :class:`MaskedClusters` when
    the caller made them once for many claims, the same numbers from compiled passes).

    Parameters
    ----------
    events
        The events (their ``ticker`` and ``day0`` make the clusters).
    car
        One CAR per event.
    mask
        The events of the claim.
    mc
        The events' masked clusters (optional).

    Returns
    -------
    dict
        ``estimate``, ``ci_low``, ``ci_high``, ``p``, ``n`` and ``n_ref`` (NaN).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ev = pd.DataFrame({"ticker": list("ABCDEF"), "day0": pd.to_datetime(["2024-01-02"] * 3 + ["2024-02-05"] * 3)})
    >>> r = mean_estimate(ev, np.array([0.01, 0.03, -0.01, 0.05, 0.02, 0.04]), np.ones(6, bool))
    >>> round(r["estimate"], 4), r["n"]
    (0.0233, 6)
    """
    if mc is None:
        m = mask & np.isfinite(car)
        out = clustered_mean(car[m], cluster_codes(events, ("firm", "month"), mask=m))
    else:
        out = mc.mean(car, mask)
    return {k: out[k] for k in ("estimate", "ci_low", "ci_high", "p", "n")} | {"n_ref": np.nan}


def difference_estimate(car: np.ndarray, a: np.ndarray, b: np.ndarray, mc: MaskedClusters, *,
                        flip_b: bool = False) -> Result:
    """Mean CAR of *a* minus that of *b* (sign-flipped when *flip_b*; an event in both is in *a*) as the slope of
    an OLS on an *a* dummy, standard errors clustered by firm and month through the events' *mc*: the clustered
    regression of :func:`~insider_kit.compare` without its Welch test and bootstrap.

    Parameters
    ----------
    car
        One CAR per event.
    a, b
        The two sides' masks.
    mc
        The events' :class:`MaskedClusters` (required: a claim's interval is always clustered).
    flip_b
        Count *b*'s CARs with the opposite sign (sales on the purchases' scale).

    Returns
    -------
    dict
        ``estimate``, ``ci_low``, ``ci_high``, ``p``, ``n`` (events of *a*), ``n_ref`` (of *b*); NaN with fewer
        than two events on a side.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from insider_kit.eventstudy.regression import MaskedClusters, cluster_codes
    >>> rng = np.random.default_rng(0)
    >>> ev = pd.DataFrame({"ticker": rng.choice(list("ABCDEFGH"), 80),
    ...                    "day0": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200, 80), unit="D")})
    >>> a = rng.random(80) < 0.5
    >>> car = np.where(a, 0.03, 0.0) + rng.normal(0, 0.01, 80)
    >>> mc = MaskedClusters(cluster_codes(ev, ("firm", "month"), intersection=True))
    >>> r = difference_estimate(car, a, ~a, mc)
    >>> r["ci_low"] < 0.03 < r["ci_high"]
    True
    """
    if not isinstance(mc, MaskedClusters):
        raise DataError("a claim's difference needs the events' cluster codes (MaskedClusters): its interval is "
                        "clustered by firm and month, never an unclustered (HC1) one")
    d = mc.difference(car, a, b, flip_b=flip_b)
    n, n_ref = int(d["n"]), int(d["n_ref"])
    if n < 2 or n_ref < 2:
        return empty_estimate(n, n_ref)
    est, se, p = d["estimate"], d["se"], d["p"]
    return {"estimate": est, "ci_low": est - 1.96 * se, "ci_high": est + 1.96 * se, "p": p, "n": n, "n_ref": n_ref}


def sale_pattern_fit(events: pd.DataFrame, car: np.ndarray, patterns: dict[str, np.ndarray]
                     ) -> tuple[Any, list[str], pd.DataFrame]:
    """The regression of sale CARs on the sale-pattern dummies (other sales the base), standard errors clustered
    by firm and month (:func:`~insider_kit.eventstudy.regression.clustered_ols`).

    Parameters
    ----------
    events
        Sale events (``ticker``, ``day0`` make the clusters).
    car
        Their CARs.
    patterns
        Each pattern's mask over *events* (:meth:`~insider_kit.claims.Selections.sale_patterns`).

    Returns
    -------
    (fit, list of str, pandas.DataFrame)
        The clustered fit, the patterns with at least two events (its regressors besides ``const``), the design.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ev = pd.DataFrame({"ticker": rng.choice(list("ABCDEFGH"), 60),
    ...                    "day0": pd.Timestamp("2020-01-02") + pd.to_timedelta(rng.integers(0, 300, 60), unit="D")})
    >>> fit, keep, X = sale_pattern_fit(ev, rng.normal(size=60), {"cluster": rng.random(60) < 0.3})
    >>> keep, X.columns.tolist()
    (['cluster'], ['const', 'cluster'])
    """
    dummies = patterns
    m = np.isfinite(car)
    X = pd.DataFrame({"const": 1.0, **{k: v[m].astype(float) for k, v in dummies.items()}})
    keep = [k for k in dummies if X[k].sum() >= 2]
    X = X[["const", *keep]]
    return clustered_ols(car[m], X, cluster_codes(events, ("firm", "month"), mask=m)), keep, X


def strongest_sell_signal(events: pd.DataFrame, car: np.ndarray, patterns: dict[str, np.ndarray], *,
                          signal: str = "cluster") -> pd.DataFrame:
    """The ranking test of "*signal* is the strongest sell signal": from the regression of
    :func:`insider_kit.claims.robustness.sell_signal_ranking` (:func:`sale_pattern_fit`: sale CARs on the pattern
    dummies, standard errors clustered by firm and month),
    *signal*'s CAR minus every other pattern's and minus other sales', each with its 95% CI and p.

    The claim holds only when every contrast is negative with its CI below zero (a stronger sell signal is
    followed by lower returns): the claims ledger's ``cluster_strongest_sell_signal`` takes the contrast whose
    CI reaches highest (the one closest to refuting the claim) as its estimate.

    Parameters
    ----------
    events
        Sale events (with the signals of :func:`insider_kit.build_events`).
    car
        Their CARs.
    patterns
        Each pattern's mask over *events* (:meth:`~insider_kit.claims.Selections.sale_patterns`).
    signal
        The pattern claimed strongest.

    Returns
    -------
    pandas.DataFrame
        One row per other pattern (and ``other sales``): ``b``, ``difference``, ``ci_low``, ``ci_high``, ``p``,
        ``n`` (events of *signal*), ``n_b``; empty when *signal* has fewer than two events.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> ev = study.events[study.events["direction"] == "sell"]
    >>> res = ik.event_study(ev, study.panel, model="market_adjusted", window=(-5, 60), car_windows=[(0, 60)],
    ...                      min_estimation=60, tests=False)
    >>> patterns = ik.claims.Selections(res.events).sale_patterns()
    >>> con = strongest_sell_signal(res.events, res.car[(0, 60)].to_numpy(), patterns)
    >>> con["b"].tolist()[-1], con.columns.tolist()[:4]
    ('other sales', ['b', 'difference', 'ci_low', 'ci_high'])
    """
    import math

    fit, keep, X = sale_pattern_fit(events, car, patterns)
    cols = ["b", "difference", "ci_low", "ci_high", "p", "n", "n_b"]
    if signal not in keep:
        return pd.DataFrame(columns=cols)
    cov = fit.cov.to_numpy()
    pos = {k: i for i, k in enumerate(fit.cov.index)}
    n_sig = int(X[signal].sum())
    rows = []
    others = [k for k in keep if k != signal]
    for b in [*others, "other sales"]:
        ia = pos[signal]
        if b == "other sales":
            d, var = float(fit.params[signal]), float(cov[ia, ia])
            n_b = int((X[keep].sum(axis=1) == 0).sum())
        else:
            ib = pos[b]
            d, var = float(fit.params[signal] - fit.params[b]), float(cov[ia, ia] + cov[ib, ib] - 2 * cov[ia, ib])
            n_b = int(X[b].sum())
        se = math.sqrt(max(var, 0.0))
        p = math.erfc(abs(d / se) / math.sqrt(2.0)) if se > 0 else float("nan")
        rows.append({"b": b, "difference": d, "ci_low": d - 1.96 * se, "ci_high": d + 1.96 * se, "p": p,
                     "n": n_sig, "n_b": n_b})
    return pd.DataFrame(rows, columns=cols)
