"""The parameters of the signal definitions (see :mod:`insider_kit.signals`)."""

from __future__ import annotations

from dataclasses import dataclass

from ..filings.roles import TOP_EXECUTIVES

__all__ = ["FRACTION_BUCKETS", "TOP_EXEC", "SignalParams"]

FRACTION_BUCKETS = ("<=10%", "10-50%", ">50%")
TOP_EXEC = tuple(sorted(TOP_EXECUTIVES))


@dataclass(frozen=True)
class SignalParams:
    """Parameters of the signal definitions (module docstring)."""

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


