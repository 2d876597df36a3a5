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
from ..eventstudy.regression import MaskedClusters, cluster_codes, clustered_mean
from ..prices.panel import ReturnsPanel

__all__ = ["ClaimsData", "Result", "derived", "difference_estimate", "empty_estimate", "mean_estimate"]

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
