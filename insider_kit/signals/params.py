"""The parameters of the signal definitions (see :mod:`insider_kit.signals`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..filings.roles import TOP_EXECUTIVES

__all__ = ["FRACTION_BUCKETS", "TOP_EXEC", "SignalParams"]

#: The buckets of the fraction of a holding sold.
FRACTION_BUCKETS = ("<=10%", "10-50%", ">50%")
#: The top-executive roles, sorted (from :data:`insider_kit.filings.TOP_EXECUTIVES`).
TOP_EXEC = tuple(sorted(TOP_EXECUTIVES))


@dataclass(frozen=True)
class SignalParams:
    """Parameters of the signal definitions (module docstring).

    Attributes
    ----------
    cluster_k, cluster_window
        Distinct insiders, and trading days (event day included), that make a cluster.
    runup_days, runup_min_obs
        The run-up's length in trading days, and the fewest returns it needs.
    silence_days
        Calendar days without an open-market sale before a sale counts as after silence.
    large_fraction
        Share of the holding from which a CEO/CFO sale counts as large.
    lockup_days, lockup_band
        Calendar days from the IPO to the lock-up expiry, and trading days around it.
    dip_days, dip_drawdown
        Trading days of the look-back, and the drawdown from its high that makes a dip.
    routine_years
        Prior years of the routine/opportunistic classification (Cohen, Malloy & Pomorski 2012).

    Examples
    --------
    >>> import insider_kit as ik
    >>> params = ik.SignalParams(cluster_k=2, cluster_window=5)
    >>> study = ik.load_study("sample", params=params)
    >>> study.params.cluster_k
    2
    """

    cluster_k: int = 3
    cluster_window: int = 10  # trading days, event day included
    runup_days: int = 126  # about six months
    runup_min_obs: int = 100
    silence_days: int = 365
    large_fraction: float = 0.25
    lockup_days: int = 180
    lockup_band: int = 10
    dip_days: int = 21
    dip_drawdown: float = 0.10
    routine_years: int = 3


