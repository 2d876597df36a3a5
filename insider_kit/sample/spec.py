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
    if not isinstance(obj, dict):
        raise ConfigError(f"spec file {p} must hold a JSON object of settings, not {type(obj).__name__}",
                          hint='e.g. {"n_firms": 200, "start": "2015-01-02"}')
    known = {f.name for f in fields(SampleSpec)}
    bad = sorted(set(obj) - known)
    if bad:
        raise ConfigError(f"spec file {p}: unknown key(s) {', '.join(bad)}", hint=f"known keys: {', '.join(sorted(known))}")
    base = SampleSpec()
    for k in ("effects", "rates"):
        if k in obj:
            if not isinstance(obj[k], dict):
                raise ConfigError(f"spec file {p}: {k} must be an object of name -> number, got {obj[k]!r}")
            merged = dict(getattr(base, k))
            unknown = sorted(set(obj[k]) - set(merged))
            if unknown:
                raise ConfigError(f"spec file {p}: unknown {k} key(s) {', '.join(unknown)}")
            for name, v in obj[k].items():
                if not _fits(v, float):
                    raise ConfigError(f"spec file {p}: {k}.{name} must be a number, got {v!r}")
            merged.update(obj[k])
            obj[k] = merged
    _check_types(obj, p)
    return SampleSpec(**{**base.to_dict(), **obj})


def _fits(value: object, hint: object) -> bool:
    """Whether a JSON *value* fits a :class:`SampleSpec` field's annotation (``int``, ``float``, ``str``,
    ``bool``, ``dict[str, float]`` and their ``| None``)."""
    import math
    import types
    import typing

    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(_fits(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if hint is str:
        return isinstance(value, str)
    if typing.get_origin(hint) is dict:
        kt, vt = typing.get_args(hint)
        return isinstance(value, dict) and all(_fits(k, kt) and _fits(v, vt) for k, v in value.items())
    return True


def _check_types(obj: dict[str, Any], p: Path) -> None:
    """Refuse a spec value of the wrong type (``"n_firms": "abc"`` crashed the generator; ``"start": 5`` silently
    generated a market from 1970) or dates that are not dates in order."""
    import typing

    import pandas as pd

    hints = typing.get_type_hints(SampleSpec)
    for k, v in obj.items():
        if not _fits(v, hints[k]):
            want = str(hints[k]).replace("<class '", "").replace("'>", "")
            raise ConfigError(f"spec file {p}: {k} must be {want}, got {v!r} ({type(v).__name__})",
                              hint=f"the default is {getattr(SampleSpec(), k)!r}")
    spec = {**SampleSpec().to_dict(), **obj}
    try:
        start, end = pd.Timestamp(spec["start"]), pd.Timestamp(spec["end"])
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"spec file {p}: start and end must be dates written YYYY-MM-DD ({exc})") from exc
    if not start < end:
        raise ConfigError(f"spec file {p}: start {spec['start']} is not before end {spec['end']}")
    if not 1 <= spec["n_firms"] <= 100_000:
        raise ConfigError(f"spec file {p}: n_firms must be between 1 and 100,000, got {spec['n_firms']}")
