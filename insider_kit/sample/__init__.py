"""The synthetic teaching market: generator, spec and planted truth (never imported by loaders)."""

from __future__ import annotations

from .generate import MARKET_TICKER, generate_sample
from .spec import SampleSpec, load_spec
from .truth import planted_labels

__all__ = ["MARKET_TICKER", "SampleSpec", "generate_sample", "load_spec", "planted_labels"]
