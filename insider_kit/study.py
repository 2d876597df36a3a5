"""One call from a data directory to everything a notebook needs (transactions, returns, events).

``load_study("data/sample")`` builds the tidy tables when they are missing, loads
prices and factors, builds the returns panel and the firm-day events with all
signals, and says whether the data are the synthetic teaching market.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from .config import DataPaths
from .errors import DataError
from .events import build_events
from .filings.tidy import build_tidy, load_transactions
from .prices import load_factors, load_prices, returns_panel
from .prices.panel import ReturnsPanel
from .signals import SignalParams

__all__ = ["SYNTHETIC_BANNER", "Study", "load_study"]

SYNTHETIC_BANNER = ("**SYNTHETIC DATA** — this is the generated teaching market, not real filings or prices. "
                    "Its effects were planted on purpose and are listed in `truth.json`.")


@dataclass
class Study:
    """Loaded data of one directory; ``events`` are filing-date firm-day events with signals."""

    paths: DataPaths
    transactions: pd.DataFrame
    prices: pd.DataFrame
    panel: ReturnsPanel
    events: pd.DataFrame
    firms: pd.DataFrame | None
    market: str
    synthetic: bool
    params: SignalParams
    truth: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def events_by(self, date: Literal["filing", "trade"] = "filing", codes: tuple[str, ...] = ("P", "S"),
                  by_class: bool = False) -> pd.DataFrame:
        """Events built another way (trade date, other codes), with the same signals."""
        return build_events(self.transactions, self.panel, date=date, codes=codes, by_class=by_class,
                            firms=self.firms, params=self.params)

    def banner(self) -> str:
        """Markdown banner for notebooks (synthetic or real)."""
        return SYNTHETIC_BANNER if self.synthetic else f"Data: `{self.paths.root}` (real data)."

    def __repr__(self) -> str:
        return (f"Study({self.paths.root}{' [SYNTHETIC]' if self.synthetic else ''}: {len(self.transactions):,} "
                f"transactions, {len(self.events):,} events, {self.panel!r})")


def load_study(data_dir: str | Path, *, market: str = "auto", params: SignalParams | None = None,
               with_factors: bool = True, progress: bool = False) -> Study:
    """Load (and build when missing) everything under *data_dir*.

    ``market="auto"`` uses the teaching-market index for synthetic data, else ``SPY``.
    A ``firms.csv`` (``ticker``, ``ipo_date``, ``shares_outstanding``) is used when present.
    """
    p = DataPaths(Path(data_dir))
    if not p.root.exists():
        raise DataError(f"data directory {p.root} does not exist",
                        hint="create the teaching market with 'insider-kit sample' or fetch real data")
    if not p.transactions.exists():
        build_tidy(p, progress=progress)
    tx = load_transactions(p)
    ct_file = p.raw / "company_tickers.json"
    if ct_file.exists() and tx["ticker"].isna().any():
        # the filing's own symbol wins; the SEC's map fills filings without one
        from .prices.tickers import cik_ticker_map, load_company_tickers

        m = cik_ticker_map(load_company_tickers(ct_file), tx[["issuer_cik", "ticker"]])
        tx["ticker"] = tx["ticker"].fillna(tx["issuer_cik"].map(m))
    prices = load_prices(p.raw_prices)
    truth = json.loads(p.truth.read_text()) if p.truth.exists() else None
    mkt = (truth or {}).get("market_ticker", "SPY") if market == "auto" else market
    factors = None
    if with_factors and p.raw_factors.exists() and any(p.raw_factors.iterdir()):
        factors = load_factors(p.raw_factors)
    panel = returns_panel(prices, market=mkt, factors=factors)
    firms = None
    if (p.root / "firms.csv").exists():
        firms = pd.read_csv(p.root / "firms.csv", dtype={"issuer_cik": str})
    sp = params or SignalParams()
    events = build_events(tx, panel, firms=firms, params=sp)
    return Study(p, tx, prices, panel, events, firms, mkt, p.is_synthetic, sp, truth)
