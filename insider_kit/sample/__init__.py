"""The synthetic teaching market: generator, spec and planted truth (never imported by loaders)."""

from __future__ import annotations

from .generate import MARKET_TICKER, generate_sample
from .spec import SampleSpec, load_spec
from .truth import (
           expected_verdicts,
           planted_daily,
           planted_in_window,
           planted_labels,
           planted_recovery,
           truth_events,
)

__all__ = ["MARKET_TICKER", "SampleSpec", "expected_verdicts", "generate_sample", "load_spec", "planted_daily",
           "planted_in_window", "planted_labels", "planted_recovery", "truth_events"]
