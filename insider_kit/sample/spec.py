"""The planted-effect specification of the teaching market (defaults near published magnitudes).

Abnormal returns are cumulative over the 60 trading days after the *filing*,
in decimals; ``info_leak`` of each effect reaches prices between the trade and
the filing (as in reality, part of the information moves prices before it is
public), so trade-date and filing-date event studies differ.

Magnitudes: Lakonishok & Lee (2001), Jeng, Metrick & Zeckhauser (2003) and
Cohen, Malloy & Pomorski (2012) find purchase abnormal returns of a few percent
over months and sales near zero; opportunistic and clustered sales carry a
negative signal of a few percent.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["SampleSpec", "load_spec"]


@dataclass
class SampleSpec:
    """Everything the generator needs; all fields can be overridden from a JSON file."""

    n_firms: int = 500
    start: str = "2017-01-03"
    end: str = "2024-12-31"
    edgar_weeks: int = 4  # the last weeks are written as EDGAR XML, not in a quarterly zip
    ipo_share: float = 0.12
    lockup_days: int = 180
    market_drift: float = 0.0003
    market_vol: float = 0.011
    # planted cumulative abnormal returns (decimals, over 60 days after filing)
    effects: dict[str, float] = field(default_factory=lambda: {
        "opportunistic_purchase": 0.045,
        "routine_purchase": 0.0,
        "ordinary_sale": 0.0,
        "routine_sale": 0.0,
        "plan_sale": 0.0,
        # a touch above the published magnitudes, so that the 500-firm market detects them after the ledger's
        # multiple-testing adjustment (Benjamini-Hochberg across the claims)
        "cluster_sale": -0.07,  # until fade_after (below), then fade_to: about -5% over the default span
        "exec_unscheduled_sale": -0.05,
        "lockup_sale": 0.0,
    })
    # one planted effect fades after a date, so that out-of-sample confirmation has a lesson to teach
    # (insider_kit.claims.replicate, issue #40): filings of fade_class made public on or after fade_after carry
    # fade_to instead of their effect (None: no fading)
    fade_class: str = "cluster_sale"
    fade_after: str | None = "2023-01-01"
    fade_to: float = 0.0
    info_leak: float = 0.3
    effect_days: int = 60
    # yearly counts per firm (Poisson means)
    rates: dict[str, float] = field(default_factory=lambda: {
        "opportunistic_purchase": 0.45,
        "ordinary_sale": 0.9,
        "cluster_sale": 0.12,
        "exec_unscheduled_sale": 0.10,
        "plan_sale": 0.5,
        "exercise_and_sell": 0.5,
        "gift": 0.15,
        "other_j": 0.05,
        "conversion": 0.03,
    })
    routine_share: float = 0.2  # insiders who trade in the same calendar month every year
    late_filing_share: float = 0.03
    amendment_share: float = 0.01
    joint_filing_share: float = 0.5  # of 10% owners, who file jointly with their fund manager
    # market-wide selling waves: in some months after a strong market advance, many insiders across
    # firms sell at once (with no firm-level effect); the market then drifts lower for a few months
    market_selling_wave: bool = True
    market_wave_months: int = 8  # how many waves (at most; months at least 6 apart)
    market_wave_share: float = 0.6  # share of firms with an extra sale in a wave month
    market_wave_effect: float = -0.03  # extra market return per month after a wave
    market_wave_horizon: int = 3  # months the drag lasts
    # planted data problems (issue #38): each warning the data-quality report raises on the teaching market is
    # true.  Drawn from their own random stream, so the rest of the market is the same with or without them.
    delisting_share: float = 0.03  # firms whose price file ends early, with a delisting return (delistings.csv)
    split_share: float = 0.04  # firms with a stock split in the sample
    unadjusted_split_share: float = 0.5  # of the splits, left unadjusted in the price files (a documented subset)
    generated_at: str = "2025-01-02T00:00:00Z"  # fixed, so the same seed gives identical bytes

    def to_dict(self) -> dict[str, Any]:
        """The spec as a JSON-ready dictionary (what ``--spec`` files contain)."""
        return asdict(self)


def load_spec(path: str | Path) -> SampleSpec:
    """Read a JSON spec file; unknown keys are an error (a typo must not be ignored).

    Parameters
    ----------
    path
        A JSON object of :class:`SampleSpec` fields (``effects`` and ``rates`` may give only the entries they
        change).

    Returns
    -------
    SampleSpec
        The spec, the defaults for every key the file does not give.

    Raises
    ------
    ConfigError
        A missing file, invalid JSON or an unknown key.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> f = Path(tempfile.mkdtemp()) / "spec.json"
    >>> _ = f.write_text(json.dumps({"n_firms": 2000, "start": "2006-01-03"}))
    >>> load_spec(f).n_firms
    2000
    >>> _ = f.write_text(json.dumps({"n_frims": 2000}))
    >>> load_spec(f)
    Traceback (most recent call last):
    ...
    insider_kit.errors.ConfigError: spec file ...: unknown key(s) n_frims ...
    """
    p = Path(path)
    try:
        obj = json.loads(p.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"spec file {p} not found") from exc
    except ValueError as exc:
        raise ConfigError(f"spec file {p} is not valid JSON: {exc}") from exc
    known = {f.name for f in fields(SampleSpec)}
    bad = sorted(set(obj) - known)
    if bad:
        raise ConfigError(f"spec file {p}: unknown key(s) {', '.join(bad)}", hint=f"known keys: {', '.join(sorted(known))}")
    base = SampleSpec()
    for k in ("effects", "rates"):
        if k in obj:
            merged = dict(getattr(base, k))
            unknown = sorted(set(obj[k]) - set(merged))
            if unknown:
                raise ConfigError(f"spec file {p}: unknown {k} key(s) {', '.join(unknown)}")
            merged.update(obj[k])
            obj[k] = merged
    return SampleSpec(**{**base.to_dict(), **obj})
