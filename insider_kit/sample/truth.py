"""Attach the teaching market's planted truth to events (for checking what the methods recover)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..signals import trade_table

__all__ = ["planted_labels"]


def planted_labels(events: pd.DataFrame, transactions: pd.DataFrame, truth: dict[str, Any]) -> pd.DataFrame:
    """Add ``planted_class`` (the generator's classes of the event's filings, comma-joined) and
    ``planted_car`` (the sum of effects planted at this event) to *events*, joined through accession numbers."""
    t = trade_table(transactions, codes=("P", "S"))
    tr = pd.DataFrame(truth["events"])[["accession", "class", "planted_car"]]
    t = t.merge(tr, on="accession", how="left").drop_duplicates(["accession", "ticker", "date"])
    t["ticker"] = t["ticker"].astype(str)
    g = t.groupby(["ticker", "date"], observed=True).agg(
        planted_class=("class", lambda s: ",".join(sorted(set(s.dropna())))), planted_car=("planted_car", "sum"))
    out = events.copy()
    out["ticker"] = out["ticker"].astype(str)
    return out.join(g, on=["ticker", "date"])
