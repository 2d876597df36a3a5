"""The claims ledger: every claim from the source articles, the test that answers it, and a verdict.

:mod:`.catalog` holds the claims (each with its selection of events and its test), :mod:`.ledger` runs
them and applies the verdict rule, :mod:`.robustness` repeats the headline comparison across models,
windows and event dates, :mod:`.replication` re-tests every claim out of sample.
"""

from __future__ import annotations

from .catalog import CLAIMS, SALE_PATTERNS, Claim, Selections, sale_pattern
from .ledger import LEDGER_COLUMNS, adjust_pvalues, market_claim, run_ledger, verdict
from .literature import literature
from .replication import replicate
from .robustness import robustness, runup_model_bias

__all__ = ["CLAIMS", "LEDGER_COLUMNS", "SALE_PATTERNS", "Claim", "Selections", "adjust_pvalues", "literature", "market_claim",
           "replicate", "robustness", "run_ledger", "runup_model_bias", "sale_pattern", "verdict"]
