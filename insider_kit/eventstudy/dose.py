r"""Dose-response of a continuous signal: CAR by quantile of the signal, the top-minus-bottom difference, and
Patton & Timmermann's (2010) monotonic-relation test adapted to cross-sections of events.

"Selling 5% of a holding is different from selling 70%" is a statement about a whole curve, not one binary
split.  :func:`insider_kit.dose_response` sorts the events of an event study into quantiles of a signal (trade value,
fraction of the holding, insiders in the cluster, pre-event run-up, days since the insider's previous trade,
the insider's track record ...) and reports, per quantile, the mean CAR with its 95% CI clustered by firm and
calendar month (the kit's one estimator, ``MaskedClusters`` (:mod:`insider_kit.eventstudy.regression`)), the
top-minus-bottom difference with its clustered CI, and whether the relation is monotonic — the way alphalens
shows a factor's quantile returns (``performance.mean_return_by_quantile``), but for events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from .regression import MaskedClusters, cluster_codes
from .results import ResultsBase, window_label, window_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .results import EventStudyResult

__all__ = ["Direction", "DoseResponse", "ResampleBy", "dose_response", "monotonic_relation_test"]

#: The direction of the monotonic relation the MR test looks for.
Direction = Literal["increasing", "decreasing"]
#: The clusters the MR test's bootstrap resamples (:func:`monotonic_relation_test`).
ResampleBy = Literal["month", "firm"]


def monotonic_relation_test(values: np.ndarray, bins: np.ndarray, clusters: np.ndarray, *, n_bins: int,
                            direction: Direction = "increasing", n_boot: int = 1000,
                            seed: int = 0) -> dict[str, float]:
    r"""Patton & Timmermann's (2010) monotonic-relation (MR) test on the mean of *values* across ordered *bins*,
    with a bootstrap that resamples whole *clusters* of events.

    Parameters
    ----------
    values
        One value per event (a CAR), finite.
    bins
        The event's bin, ``0 .. n_bins - 1`` in the order of the signal.
    clusters
        The event's cluster (integer codes): the bootstrap draws clusters with replacement and keeps every
        event of a drawn cluster (and its bin).
    n_bins
        The number of bins.
    direction
        ``"increasing"``: H1 is :math:`\mu_1 < \mu_2 < \dots < \mu_K`; ``"decreasing"``: the reverse.
    n_boot
        Bootstrap draws.
    seed
        Seed of the draws (the same seed gives the same p-value).

    Returns
    -------
    dict of str to float
        ``stat`` (:math:`J = \min_k \hat\Delta_k`, in the direction tested), ``p`` (bootstrap p-value),
        ``n_boot``, ``n_clusters``.

    Notes
    -----
    With :math:`\hat\mu_k` the mean of bin *k* and :math:`\hat\Delta_k = \hat\mu_k - \hat\mu_{k-1}`
    (:math:`k = 2..K`; sign-flipped for a decreasing relation), the null is :math:`\Delta_k \le 0` for some
    *k* (no monotonic increase), the alternative :math:`\min_k \Delta_k > 0`.  The statistic is
    :math:`J = \min_k \hat\Delta_k`; each bootstrap draw *b* recomputes :math:`\hat\Delta^{*}_{k}(b)` and
    :math:`J^{*}(b) = \min_k (\hat\Delta^{*}_{k}(b) - \hat\Delta_k)` (centred at the estimates: the least
    favourable null, all :math:`\Delta_k = 0`), and the p-value is the share of draws with
    :math:`J^{*}(b) > J` (Patton & Timmermann 2010, J. Financial Economics 98, 605-625, section 2, the
    non-studentised MR test).

    The paper resamples *time periods* of portfolio returns with the stationary bootstrap of Politis & Romano
    (1994).  Events are a cross-section, not a time series: the dependence to keep is between events that
    share market-wide news (the same calendar month) or a firm.  The draws therefore resample whole clusters
    (calendar months by default), each event keeping its bin, so a month's common shock moves every bin of
    that month together in each draw, as it did in the data.  A draw in which a bin has no event is left out
    of the p-value (it cannot say whether that bin's mean is in order); with the kit's quantiles of hundreds
    of events this does not happen.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> bins = np.repeat(np.arange(4), 200)
    >>> y = 0.01 * bins + rng.normal(0, 0.02, 800)
    >>> r = monotonic_relation_test(y, bins, rng.integers(0, 80, 800), n_bins=4, n_boot=500)
    >>> r["stat"] > 0, r["p"] < 0.05
    (True, True)
    """
    y = np.asarray(values, dtype=float)
    b = np.asarray(bins, dtype=np.int64)
    g = pd.factorize(np.asarray(clusters))[0]
    if not (len(y) == len(b) == len(g)) or not np.isfinite(y).all():
        raise DataError("the MR test needs one finite value, bin and cluster per event")
    if n_bins < 2 or b.min(initial=0) < 0 or b.max(initial=0) >= n_bins:
        raise DataError(f"the MR test needs bins 0..{n_bins - 1} with at least two bins")
    sign = 1.0 if direction == "increasing" else -1.0
    G = int(g.max(initial=-1)) + 1
    # per cluster and bin: the sum of the values and the count of events (a draw is a weighted sum of these)
    S = np.zeros((G, n_bins))
    N = np.zeros((G, n_bins))
    np.add.at(S, (g, b), y)
    np.add.at(N, (g, b), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = S.sum(axis=0) / N.sum(axis=0)
    delta = sign * np.diff(mu)
    stat = float(delta.min())
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, G, size=(n_boot, G))  # the clusters of each draw (with replacement)
    W = np.zeros((n_boot, G))
    np.add.at(W, (np.repeat(np.arange(n_boot), G), draws.ravel()), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu_b = (W @ S) / (W @ N)
    j_b = (sign * np.diff(mu_b, axis=1) - delta).min(axis=1)
    ok = np.isfinite(j_b)
    p = float(np.mean(j_b[ok] > stat)) if ok.any() and np.isfinite(stat) else np.nan
    return {"stat": stat, "p": p, "n_boot": int(ok.sum()), "n_clusters": G}


@dataclass(repr=False)
class DoseResponse(ResultsBase):
    """CAR by quantile of a signal (:func:`insider_kit.dose_response`): ``table`` (one row per quantile), ``difference``
    (top minus bottom), ``mr`` (the monotonic-relation test) and ``to_frame()`` / ``summary()`` (the table
    with the difference as its last row).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> res = ik.event_study(study.events[study.events["direction"] == "buy"], study.panel)
    >>> dr = ik.dose_response(res, "value", quantiles=3, n_boot=200)
    >>> dr.table.index.tolist()
    ['Q1', 'Q2', 'Q3']
    """

    _percent = ("mean_car", "se", "ci_low", "ci_high")
    _count = ("n",)
    _stat = ()
    _pvalue = ("p",)
    _title = "Dose-response"

    signal: str
    window: tuple[int, int]
    table: pd.DataFrame
    difference: dict[str, float]
    mr: dict[str, float]
    direction: Direction
    resample: ResampleBy
    n_dropped: int = 0
    meta: dict[str, object] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The quantile table with the top-minus-bottom difference as its last row."""
        d = self.difference
        k = len(self.table)
        row = pd.DataFrame({"n": [d["n"] + d["n_ref"]], "signal_low": [np.nan], "signal_high": [np.nan],
                            "mean_car": [d["estimate"]], "se": [d["se"]], "ci_low": [d["ci_low"]],
                            "ci_high": [d["ci_high"]], "p": [d["p"]]}, index=[f"Q{k} - Q1"])
        return pd.concat([self.table, row])

    def summary(self) -> pd.DataFrame:
        """The table of :meth:`to_frame`."""
        return self.to_frame()

    def _head(self) -> str:
        mr = self.mr
        return (f"CAR{window_label(self.window)} by quantile of {self.signal} (95% CIs clustered by firm and month); "
                f"MR test of a {self.direction} relation (Patton & Timmermann 2010, {int(mr['n_boot']):,} "
                f"draws of {self.resample}s): J = {mr['stat']:.2%}, p = {mr['p']:.3f}"
                + (f"; {self.n_dropped:,} events without the signal left out" if self.n_dropped else ""))

    def plot(self, ax: Axes | None = None) -> Axes:
        """Mean CAR with its CI per quantile (:func:`insider_kit.plots.plot_dose_response`)."""
        from ..plots import plot_dose_response

        return plot_dose_response(self.table, signal=self.signal, window=window_label(self.window),
                                  note=f"MR test ({self.direction}) p = {self.mr['p']:.3f}", ax=ax)


# long: validation, the quantiles, the clustered table and the test, in the order a reader checks them
def dose_response(result: EventStudyResult, signal: str | pd.Series, *, quantiles: int = 5,
                  window: tuple[int, int] = (0, 60), direction: Direction = "increasing",
                  resample: ResampleBy = "month", n_boot: int = 1000, seed: int = 0) -> DoseResponse:
    r"""CAR by quantile of a continuous *signal*, the top-minus-bottom difference and the MR test.

    Parameters
    ----------
    result
        An event study (:func:`insider_kit.event_study`) whose CAR windows include *window*.
    signal
        A column of ``result.events`` (e.g. ``value``, ``fraction``, ``n_cluster``, ``runup``), or a Series on
        ``result.events``' index (e.g. :func:`insider_kit.insider_track_record`'s ``track_car``).
    quantiles
        Number of quantile bins (fewer when ties leave equal edges: a signal with few values).
    window
        The CAR window.
    direction
        The monotonic relation the MR test looks for (say it before looking: for sales, a larger fraction sold
        should mean a *decreasing* CAR).
    resample
        The clusters the MR test's bootstrap draws: calendar ``month`` (default) or ``firm``.
    n_boot, seed
        Bootstrap draws and their seed.

    Returns
    -------
    DoseResponse
        ``table``: per quantile ``n``, ``signal_low``, ``signal_high`` (the signal's range in the bin),
        ``mean_car``, ``se``, ``ci_low``, ``ci_high``, ``p``; ``difference``: top minus bottom with its
        clustered ``se``, CI and ``p``; ``mr``: the MR test's ``stat`` and ``p``.

    Raises
    ------
    DataError
        An unknown signal column, a Series not on the events' index, a window not computed, or fewer than
        two quantiles with events.

    Notes
    -----
    Bins are ``pandas.qcut`` quantiles of the signal over the events that have it (and a CAR); events without
    the signal are left out and counted (``n_dropped``).  Each bin's mean CAR and the top-minus-bottom
    difference (the slope on a top-bin dummy among the events of the two extreme bins) have two-way clustered
    standard errors, firm + month - firm-month (Cameron, Gelbach & Miller 2011), from
    ``MaskedClusters`` (:mod:`insider_kit.eventstudy.regression`), and normal 95% intervals.  The monotonicity
    test is :func:`monotonic_relation_test` (its Notes say how the bootstrap is adapted to events).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> sells = ik.event_study(study.events[study.events["direction"] == "sell"], study.panel)
    >>> dr = ik.dose_response(sells, "fraction", direction="decreasing", n_boot=200)
    >>> dr.summary().index[-1]
    'Q5 - Q1'
    """
    w = window_of(window, result.car_windows)
    ev = result.events
    if isinstance(signal, str):
        if signal not in ev.columns:
            raise DataError(f"the events have no signal column {signal!r}",
                            hint="name a column of result.events, or pass the signal as a Series on its index")
        s = pd.to_numeric(ev[signal], errors="coerce")
        name = signal
    else:
        if not signal.index.equals(ev.index):
            try:
                s = signal.reindex(ev.index)
            except ValueError as exc:
                raise DataError("the signal Series is not on the events' index (it has duplicate labels)") from exc
        else:
            s = signal
        s = pd.to_numeric(s, errors="coerce")
        name = str(signal.name or "signal")
    car = result.car[w].to_numpy(float)
    x = s.to_numpy(float)
    keep = np.isfinite(x) & np.isfinite(car)
    n_dropped = int((~keep).sum())
    if keep.sum() < 2 * max(quantiles, 2):
        raise DataError(f"only {int(keep.sum()):,} events have both the signal {name!r} and a CAR{window_label(w)}")
    sub = ev.iloc[np.flatnonzero(keep)]
    y = car[keep]
    bins = np.asarray(pd.qcut(x[keep], quantiles, labels=False, duplicates="drop"), dtype=np.int64)
    k = int(bins.max()) + 1
    if k < 2:
        raise DataError(f"the signal {name!r} takes one value on these events: no quantiles to compare")
    mc = MaskedClusters(cluster_codes(sub, ("firm", "month"), intersection=True))
    rows = []
    xs = x[keep]
    for q in range(k):
        m = bins == q
        r = mc.mean(y, m)
        rows.append({"n": int(m.sum()), "signal_low": float(xs[m].min()), "signal_high": float(xs[m].max()),
                     "mean_car": r["estimate"], "se": r["se"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                     "p": r["p"]})
    table = pd.DataFrame(rows, index=[f"Q{q + 1}" for q in range(k)])
    table.index.name = "quantile"
    d = mc.difference(y, bins == k - 1, bins == 0)
    d["ci_low"] = d["estimate"] - 1.96 * d["se"]
    d["ci_high"] = d["estimate"] + 1.96 * d["se"]
    groups = cluster_codes(sub, (resample,))
    assert groups is not None
    mr = monotonic_relation_test(y, bins, groups, n_bins=k, direction=direction, n_boot=n_boot, seed=seed)
    return DoseResponse(name, w, table, d, mr, direction, resample, n_dropped,
                        {"quantiles_asked": quantiles, "quantiles": k})
