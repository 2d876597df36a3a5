"""What the data can and cannot support: the data-quality report of a study (``Study.quality()``).

Four parts, each a table plus plain-language findings:

* **events not studied**, by reason (no price file, too little estimation history, window past the data,
  no market return ...), from the default event study of the study's events;
* **survivorship**: the share of event tickers without prices; price series that all end on one date (no
  firm delisted: the price source holds only firms still listed, so CARs are biased upward); no delisting
  returns;
* **suspicious prices**: zero or negative prices (left out of the returns), daily moves beyond +/-50% with
  their dates, long runs of an unchanged price, likely unadjusted splits (a one-day return near -50%,
  -66.7%, -75%, +100% or +200%);
* **calendars**: tickers with returns on days the market series has none.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .tables import style_table

if TYPE_CHECKING:
    from .study import Study

__all__ = ["QualityReport", "data_quality"]

#: One-day returns that look like an unadjusted split (2:1, 3:1, 4:1 and the reverse), +/- 1 point.
SPLIT_RETURNS = (-0.5, -2 / 3, -0.75, 1.0, 2.0)


@dataclass(repr=False)
class QualityReport:
    """The data-quality report (module docstring): ``findings`` in words, and the tables behind them."""

    findings: list[str]
    dropped_events: pd.DataFrame
    survivorship: pd.DataFrame
    suspicious: pd.DataFrame
    calendar: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """The findings as a one-column table (warnings first)."""
        return pd.DataFrame({"finding": [*self.warnings, *self.findings]})

    def __repr__(self) -> str:
        return "Data quality:\n" + "\n".join(f"  - {f}" for f in [*self.warnings, *self.findings])

    def _repr_html_(self) -> str:
        warn = "".join(f"<li><b>{html.escape(w)}</b></li>" for w in self.warnings)
        items = "".join(f"<li>{html.escape(f)}</li>" for f in self.findings)
        out = f"<h3>Data quality</h3><ul>{warn}{items}</ul>"
        if len(self.dropped_events):
            out += "<p>Events not studied, by reason</p>" + style_table(self.dropped_events, count=("events",),
                                                                        percent=("share",))
        if len(self.suspicious):
            out += ("<details><summary>Suspicious prices (first 50)</summary>"
                    + style_table(self.suspicious.head(50), percent=("value",)) + "</details>")
        return out


def data_quality(study: Study, *, big_move: float = 0.5, flat_run: int = 10) -> QualityReport:
    """The data-quality report of *study* (module docstring).

    Parameters
    ----------
    study
        A loaded study.
    big_move
        Daily moves beyond +/- this are listed.
    flat_run
        Runs of at least this many days with a zero return (an unchanged price) are listed.

    Returns
    -------
    QualityReport
        The findings in words and the tables behind them (dropped events by reason, survivorship, suspicious
        prices, calendar coverage).

    Examples
    --------
    >>> import insider_kit as ik
    >>> rep = data_quality(ik.load_study("sample"))
    >>> rep.summary().columns.tolist()
    ['finding']
    >>> len(rep.findings) > 0
    True
    """
    from .eventstudy import event_study

    findings: list[str] = []
    warnings: list[str] = []
    panel = study.panel
    ev = study.events
    # events not studied
    res = event_study(ev, panel, model="market_adjusted", window=(-5, 60), car_windows=[(0, 60)],
                      min_estimation=60, max_loss=None, tests=False)
    reasons = res.dropped["reason"].str.replace(r" \(.*", "", regex=True).value_counts()
    dropped = pd.DataFrame({"events": reasons.astype(int), "share": reasons / max(len(ev), 1)})
    dropped.index.name = "reason"
    findings.append(f"{len(res.events):,} of {len(ev):,} events can be studied (market-adjusted, CAR 0..60); "
                    f"{int(reasons.sum()):,} cannot, by reason below.")
    # survivorship
    vals = panel.values
    has = np.isfinite(vals)
    last = np.where(has.any(axis=0), len(panel.dates) - 1 - np.argmax(has[::-1], axis=0), -1)
    end_day = panel.dates[-1]
    ends_last = (last == len(panel.dates) - 1)
    n_t = len(panel.tickers)
    ev_tk = pd.Index(ev["ticker"].astype(str).unique())
    no_px = ev_tk.difference(pd.Index(panel.tickers.astype(str)))
    surv = pd.DataFrame({"value": [len(ev_tk), len(no_px), n_t, int(ends_last.sum()), int((~ends_last).sum())]},
                        index=["event tickers", "event tickers without prices", "price series",
                               f"series ending on the last date ({end_day:%Y-%m-%d})", "series ending earlier"])
    if len(no_px):
        findings.append(f"{len(no_px):,} of {len(ev_tk):,} event tickers ({len(no_px) / max(len(ev_tk), 1):.0%}) have "
                        f"no prices, e.g. {', '.join(no_px[:5])}.")
    if n_t >= 20 and ends_last.mean() > 0.98 and len(panel.dates) > 500:
        warnings.append(f"{ends_last.mean():.0%} of the {n_t:,} price series end on {end_day:%Y-%m-%d}: the price "
                        "source seems to hold only firms still listed (survivorship). Firms that failed or were "
                        "delisted are missing, so CARs are biased upward.")
    if not study.synthetic:
        findings.append("delisting returns: only CRSP files carry them; other price sources end a delisted firm's "
                        "series without its last return.")
    # suspicious prices
    parts = [study.panel.suspicious.assign(kind=study.panel.suspicious.get("reason"))] if len(study.panel.suspicious) else []
    with np.errstate(invalid="ignore"):
        big = np.abs(vals) > big_move
    if big.any():
        i, j = np.nonzero(big)
        r = vals[i, j]
        split = np.zeros(len(r), bool)
        for s in SPLIT_RETURNS:
            split |= np.abs(r - s) <= 0.01 * max(1.0, abs(s))
        parts.append(pd.DataFrame({"date": panel.dates[i], "ticker": panel.tickers[j], "value": r,
                                   "reason": np.where(split, "likely unadjusted split", f"daily move beyond +/-{big_move:.0%}")}))
    zero = (vals == 0).astype(np.int8)
    if zero.any():
        # longest run of zero returns per ticker (an unchanged price), vectorised over the days
        run = np.zeros(vals.shape[1], dtype=np.int64)
        cur = np.zeros(vals.shape[1], dtype=np.int64)
        for t in range(vals.shape[0]):  # (days, not events or firms: a few thousand steps)
            cur = (cur + 1) * zero[t]
            run = np.maximum(run, cur)
        flat = np.flatnonzero(run >= flat_run)
        if len(flat):
            parts.append(pd.DataFrame({"date": pd.NaT, "ticker": panel.tickers[flat], "value": run[flat].astype(float),
                                       "reason": f"run of unchanged prices (days, >= {flat_run})"}))
    susp = pd.concat(parts, ignore_index=True)[["date", "ticker", "value", "reason"]] if parts else \
        pd.DataFrame(columns=["date", "ticker", "value", "reason"])
    if len(susp):
        counts = susp["reason"].value_counts()
        findings.append("suspicious prices: " + "; ".join(f"{r} ({c:,})" for r, c in counts.items()) + ".")
    # calendars
    cal = pd.DataFrame(columns=["ticker", "days_without_market"])
    if panel.market is not None:
        no_mkt = ~np.isfinite(panel.market)
        off = (has & no_mkt[:, None]).sum(axis=0)
        bad = np.flatnonzero(off > 0)
        cal = pd.DataFrame({"ticker": panel.tickers[bad], "days_without_market": off[bad]})
        if len(bad):
            findings.append(f"{len(bad):,} tickers have returns on days the market series has none "
                            f"(up to {int(off.max()):,} days): their calendars do not match the market's.")
    else:
        warnings.append("there is no market series: market-adjusted and market-model studies cannot run.")
    if study.synthetic:
        findings.append("these are the synthetic teaching market's data, generated with known effects.")
    return QualityReport(findings, dropped, surv, susp, cal, warnings)
