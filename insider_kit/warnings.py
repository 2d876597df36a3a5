"""Warning categories the kit emits (tests turn them into errors)."""

from __future__ import annotations

__all__ = ["InsiderKitWarning", "SyntheticDataWarning"]


class InsiderKitWarning(UserWarning):
    """Something was suspicious but the kit could carry on (and reported it)."""


class SyntheticDataWarning(InsiderKitWarning):
    """The data being analysed is the generated teaching market, not real filings."""
