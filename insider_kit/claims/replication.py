"""Out-of-sample confirmation: test every claim on a discovery period and re-test it on the later period.

Adjusted p-values help against testing many claims on one sample, but the strongest evidence a researcher can
show is a claim that holds again on data it was not found on.  :func:`insider_kit.replicate` splits a study's events by
date, runs the ledger (:func:`insider_kit.claims.run_ledger`, the public entry point, unchanged) on each
period, and sets the two ledgers side by side with a ``replicates`` flag per claim.

The periods are sub-studies: the same returns panel, transactions and signals (every signal is point in
time, so an event's signals are the same whichever period it is studied in), with the events — and the
ledger's other event variants and its monthly market table — restricted to the period's dates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..days import day_index
from ..errors import DataError
from ..tables import display_frame
from .estimates import ClaimsData

__all__ = ["REPLICATION_RULE", "replicate", "split_date"]

#: The rule of the ``replicates`` column of :func:`insider_kit.replicate`, in words (the landing page quotes it).
REPLICATION_RULE = ("a claim replicates when it is supported in the discovery period and supported again, by "
                    "the same verdict rule (CI on the claimed side, Benjamini-Hochberg q below alpha across the "
                    "later period's ledger, beyond the negligible band), in the later period; a claim not "
                    "supported in discovery has nothing to replicate (shown as missing)")


def split_date(study: ClaimsData, split: str | pd.Timestamp | float) -> pd.Timestamp:
    """The date that splits *study*'s events: *split* itself, or the date before which that fraction of the
    events (by date) falls.

    Parameters
    ----------
    study
        A loaded study.
    split
        A date, or a fraction in (0, 1).

    Returns
    -------
    pandas.Timestamp
        The first day of the later period.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> d = split_date(study, 0.5)
    >>> bool(abs((study.events["date"] < d).mean() - 0.5) < 0.01)
    True
    """
    dates = pd.to_datetime(study.events["date"])
    if isinstance(split, float | int) and not isinstance(split, bool):
        f = float(split)
        if not 0.0 < f < 1.0:
            raise DataError(f"a split fraction must be between 0 and 1, got {split}")
        return pd.Timestamp(np.sort(dates.to_numpy())[round(f * len(dates))])
    try:
        d = pd.Timestamp(split)
    except (TypeError, ValueError) as exc:
        raise DataError(f"the split {split!r} is neither a date nor a fraction") from exc
    if d <= dates.min() or d > dates.max():
        raise DataError(f"the split {d:%Y-%m-%d} leaves no events on one side "
                        f"(events run from {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d})")
    return d


class _Period:
    """A study seen through a date range: what the ledger reads of its data (:class:`~.estimates.ClaimsData`:
    the events, their variants, the monthly market table, the panel), restricted to the period; the parent
    study keeps what it derives, the period keeps nothing."""

    def __init__(self, parent: ClaimsData, keep: Callable[[pd.DataFrame], np.ndarray],
                 months: Callable[[pd.Index], np.ndarray]) -> None:
        self._parent = parent
        self._keep = keep
        self._months = months
        self.panel = parent.panel
        self.dated_by = parent.dated_by
        self.synthetic = getattr(parent, "synthetic", None)
        self.paths = getattr(parent, "paths", None)
        self.events = self._restrict(parent.events)

    def _restrict(self, ev: pd.DataFrame) -> pd.DataFrame:
        out = ev[self._keep(ev)]
        out.attrs = dict(ev.attrs)
        return out

    def events_by(self, date: str = "filing", codes: tuple[str, ...] = ("P", "S"), by_class: bool = False,
                  signals: bool = True) -> pd.DataFrame:
        # (by the event date, where its CAR window starts: the trade date for the trade-dated variant)
        ev = self._parent.events_by(date=date, codes=codes, by_class=by_class, signals=signals)  # type: ignore[arg-type]
        return self._restrict(ev)

    def net_purchase_ratio(self) -> pd.DataFrame:
        npr = self._parent.net_purchase_ratio()
        return npr[self._months(npr.index)]


def _month_starts(index: pd.Index) -> pd.DatetimeIndex:
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp()
    return pd.DatetimeIndex(pd.to_datetime(index)).to_period("M").to_timestamp()


# long: the two periods, their ledgers and the table, in the order a reader checks them
def replicate(study: ClaimsData, split: str | pd.Timestamp | float = "2015-01-01", *, purge: bool = True,
              **kw: Any) -> pd.DataFrame:
    """Run the ledger on the discovery period (events before *split*) and re-test every claim on the later
    period (events from *split* on).

    Parameters
    ----------
    study
        A loaded study (:func:`insider_kit.load_study`).
    split
        The first day of the later period, or a fraction of the events (by date) for the discovery period.
    purge
        Leave out of the discovery period the events whose CAR window runs past the split (and the months
        whose forward market return does): without it the two periods share the returns of the boundary.
    **kw
        Options of :func:`insider_kit.claims.run_ledger` (``model``, ``window``, ``alpha`` ...), the same for
        both periods.

    Returns
    -------
    pandas.DataFrame
        One row per claim: ``id``, ``claim``, ``expect``; for each period (prefix ``discovery_`` and
        ``later_``) ``n``, ``estimate``, ``ci_low``, ``ci_high``, ``q_bh``, ``verdict``; ``same_sign`` (the
        later estimate on the discovery estimate's side of zero) and ``replicates`` (:data:`REPLICATION_RULE`;
        missing where discovery did not support the claim).  ``attrs['split']`` holds the split date and the
        events in each period.

    Raises
    ------
    DataError
        A split that leaves no events on one side.

    Notes
    -----
    Each period is tested with the whole verdict rule of the ledger, the Benjamini-Hochberg adjustment made
    within that period's ledger.  Signals are point in time, so an event has the same signals in the
    sub-study as in the whole study; estimation windows of later-period events reach back into the discovery
    period, which is only the pre-event benchmark, not an outcome.  Purging the boundary follows the practice
    for overlapping outcomes in time-series cross-validation (López de Prado 2018, *Advances in Financial
    Machine Learning*, ch. 7).

    Examples
    --------
    >>> import insider_kit as ik
    >>> from insider_kit.claims import replicate
    >>> study = ik.load_study("sample")
    >>> rep = replicate(study, "2021-07-01")
    >>> rep.columns.tolist()[:4]
    ['id', 'claim', 'expect', 'discovery_n']
    >>> bool(rep.loc[rep["discovery_verdict"] != "supported", "replicates"].isna().all())
    True
    """
    from .ledger import run_ledger

    d = split_date(study, split)
    window = tuple(kw.get("window", (0, 60)))
    dates = study.panel.dates
    cut = int(day_index(dates, pd.DatetimeIndex([d]))[0])

    def before(ev: pd.DataFrame) -> np.ndarray:
        dd = pd.to_datetime(ev["date"])
        keep = (dd < d).to_numpy()
        if purge:
            keep &= day_index(dates, dd) + int(window[1]) < cut
        return keep

    def after(ev: pd.DataFrame) -> np.ndarray:
        return (pd.to_datetime(ev["date"]) >= d).to_numpy()

    horizon = 3  # the market claim's forward horizon in months (market_claim's default)
    first = pd.Timestamp(d.year, d.month, 1)

    def months_before(idx: pd.Index) -> np.ndarray:
        m = _month_starts(idx)
        lim = first - pd.DateOffset(months=horizon) if purge else first
        return np.asarray(m < lim)

    def months_after(idx: pd.Index) -> np.ndarray:
        return np.asarray(_month_starts(idx) >= (first if d == first else first + pd.DateOffset(months=1)))

    periods = {"discovery": _Period(study, before, months_before), "later": _Period(study, after, months_after)}
    ledgers = {}
    for name, sub in periods.items():
        if sub.events.empty:
            raise DataError(f"the split {d:%Y-%m-%d} leaves no events in the {name} period")
        ledgers[name] = run_ledger(sub, **kw).set_index("id")
    cols = ["n", "estimate", "ci_low", "ci_high", "q_bh", "verdict"]
    a, b = ledgers["discovery"], ledgers["later"]
    out = a[["claim", "expect"]].copy()
    for name, led in ledgers.items():
        for c in cols:
            out[f"{name}_{c}"] = led[c].reindex(out.index)
    same = np.sign(a["estimate"]) == np.sign(b["estimate"].reindex(a.index))
    out["same_sign"] = same.where(a["estimate"].notna() & b["estimate"].reindex(a.index).notna())
    sup = a["verdict"] == "supported"
    rep = pd.Series(pd.NA, index=out.index, dtype="boolean")
    rep[sup] = (b["verdict"].reindex(a.index)[sup] == "supported").to_numpy()
    out["replicates"] = rep
    out = out.reset_index()
    out.attrs["split"] = {"date": f"{d:%Y-%m-%d}", "purge": purge,
                          "discovery_events": len(periods["discovery"].events),
                          "later_events": len(periods["later"].events), "rule": REPLICATION_RULE}
    return display_frame(out)
