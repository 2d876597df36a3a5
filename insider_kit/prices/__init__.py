"""Prices, factors, tickers and the returns panel (knows nothing about filings)."""

from __future__ import annotations

from .files import read_price_file
from .french import fetch_french_factors, load_factors, parse_french_csv
from .panel import ReturnsPanel, returns_panel
from .tickers import cik_ticker_map, normalise_ticker, normalise_tickers, parse_company_tickers
from .yf import FetchReport, fetch_prices, load_prices

__all__ = [
    "FetchReport",
    "ReturnsPanel",
    "cik_ticker_map",
    "fetch_french_factors",
    "fetch_prices",
    "load_factors",
    "load_prices",
    "normalise_ticker",
    "normalise_tickers",
    "parse_company_tickers",
    "parse_french_csv",
    "read_price_file",
    "returns_panel",
    "tickers_from_transactions",
]


def tickers_from_transactions(p: object) -> list[str]:
    """Every ticker with open-market trades (P/S) in the tidy transactions of data paths *p*."""
    from ..filings.tidy import load_transactions

    tx = load_transactions(p, columns=["ticker", "trans_code"])  # type: ignore[arg-type]
    t = tx.loc[tx["trans_code"].isin(["P", "S"]), "ticker"].dropna().unique()
    return sorted(str(x) for x in t)


