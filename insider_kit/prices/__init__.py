"""Prices, factors and the returns panel (knows nothing about filings or the engine)."""

from __future__ import annotations

from .files import read_price_file
from .french import fetch_french_factors, load_factors, parse_french_csv
from .panel import PriceErrorRule, ReturnsPanel, returns_panel
from .yf import FetchReport, fetch_prices, load_prices

__all__ = [
    "FetchReport",
    "PriceErrorRule",
    "ReturnsPanel",
    "fetch_french_factors",
    "fetch_prices",
    "load_factors",
    "load_prices",
    "parse_french_csv",
    "read_price_file",
    "returns_panel",
]
