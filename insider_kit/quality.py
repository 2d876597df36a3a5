"""What the data can and cannot support: the data-quality report of a study (``Study.quality()``).

Five parts, each a table plus plain-language findings:

* **events studied**, from the kit's standard event study (:data:`STANDARD_STUDY`: the one whose N every page
  of a report shows): how many events are studied for CAR(0,60), and the others by reason (no price file,
  too little estimation history, the event after the stock's last price, windows the stock's own prices do
  not cover ...);
* **coverage and survivorship**, judged per price series against the market's last date and the trades'
  last date (never the panel's, which a longer market series stretches): prices that end before the trades,
  series that all end on one date (the price source holds only firms still listed: CARs are biased upward),
  delisting returns known or not;
* **data errors**: the one-day moves the returns panel's rule excluded
  (:class:`~insider_kit.prices.panel.PriceErrorRule`: zero or negative prices, bad prints that reverse, likely
  unadjusted splits, implausible moves), how many events each touched, and what they would have done to the mean CARs had they been kept;
* **large moves kept**: daily moves beyond +/-50% that the rule kept, and long runs of an unchanged price;
* **calendars**: tickers with returns on days the market series has none (a shifted or foreign calendar).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from .tables import style_table

if TYPE_CHECKING:
    from .eventstudy.results import EventStudyResult
    from .prices.panel import ReturnsPanel


class Study(Protocol):
    """What the quality report reads of a study (:class:`insider_kit.Study` is one; named here so that this
    module does not import :mod:`insider_kit.study`, which imports it)."""

    @property
    def events(self) -> pd.DataFrame:
        """The events."""
        ...

    @property
    def panel(self) -> ReturnsPanel:
        """The returns panel."""
        ...

    @property
    def synthetic(self) -> bool:
        """Whether the data are the teaching market."""
        ...

    @property
    def prices(self) -> pd.DataFrame:
        """Adjusted closes."""
        ...

__all__ = ["STANDARD_STUDY", "QualityReport", "calendar_mismatch", "data_quality", "standard_study"]

#: The kit's standard event study: market-adjusted returns (the market model's intercept absorbs a pre-event
#: run-up: notebook 05), an estimation window of trading days -250..-21 with at least 60 returns (for the
#: standardised tests), events split by direction.  Its N per CAR window is "events studied" on every page of
#: a report: the data-quality section, the ledger, the claim pages, and notebooks 02 and 03 by default.
STANDARD_STUDY: dict[str, Any] = {"model": "market_adjusted", "estimation": (-250, -21), "min_estimation": 60,
                                  "group": "direction"}


def standard_study(events: pd.DataFrame, panel: ReturnsPanel, window: tuple[int, int] = (0, 60), *,
                   extra_windows: tuple[tuple[int, int], ...] = (), tests: bool = True,
                   max_loss: float | None = None) -> EventStudyResult:
    """The kit's standard event study (:data:`STANDARD_STUDY`) of *events* for the CAR *window*.

    Parameters
    ----------
    events
        Events with ``ticker``, ``date`` and ``direction``.
    panel
        The returns panel.
    window
        The CAR window whose N is "events studied".
    extra_windows
        Further CAR windows computed alongside.
    tests
        Compute the test statistics.
    max_loss
        :func:`~insider_kit.event_study`'s ``max_loss``.

    Returns
    -------
    EventStudyResult

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> res = standard_study(study.events, study.panel)
    >>> int(res.coverage.loc[(0, 60), "studied"]) == int(res.tests.xs((0, 60), level=["start", "end"])["n"].sum())
    True
    """
    from .eventstudy import event_study

    s = STANDARD_STUDY
    group = s["group"] if s["group"] in events.columns else None
    return event_study(events, panel, model=s["model"], estimation=s["estimation"],
                       window=(min(-5, window[0]), window[1]), car_windows=[*extra_windows, window],
                       min_estimation=s["min_estimation"], group=group, max_loss=max_loss, tests=tests)


@dataclass(repr=False)
class QualityReport:
    """The data-quality report (module docstring): ``findings`` in words, and the tables behind them."""

    findings: list[str]
    dropped_events: pd.DataFrame
    survivorship: pd.DataFrame
    suspicious: pd.DataFrame
    calendar: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    effect: pd.DataFrame = field(default_factory=pd.DataFrame)

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
            out += "<p>Events not studied for CAR(0,60), by reason</p>" + style_table(
                self.dropped_events, count=("events",), percent=("share",), auto=True)
        if len(self.effect):
            out += ("<p>What the excluded data errors would have done to the mean CAR(0,60)</p>"
                    + style_table(self.effect, percent=("mean CAR (errors excluded)", "mean CAR (errors kept)",
                                                        "difference"), count=("events", "events touched"), auto=True))
        if len(self.suspicious):
            out += ("<details><summary>Data errors and large moves (first 50)</summary>"
                    + style_table(self.suspicious.head(50), percent=("return",), price=("price",),
                                  count=("events touched",), auto=True)
                    + "</details>")
        return out


def calendar_mismatch(panel: ReturnsPanel) -> float:
    """The share of the stocks' daily returns on days the market series has none (0 when there is no market
    series): near 0 when the calendars match; a market file on another calendar (shifted by a day, another
    exchange's holidays) makes market-adjusted abnormal returns meaningless.

    Parameters
    ----------
    panel
        The returns panel.

    Returns
    -------
    float
        The share.

    Examples
    --------
    >>> import insider_kit as ik
    >>> calendar_mismatch(ik.load_study("sample").panel) < 0.01
    True
    """
    if panel.market is None:
        return 0.0
    has = np.isfinite(panel.values)
    n = int(has.sum())
    if n == 0:
        return 0.0
    no_mkt = ~np.isfinite(panel.market)
    return float(has[no_mkt].sum()) / n


def _series_ends(panel: ReturnsPanel) -> tuple[np.ndarray, np.ndarray]:
    """Each series' last date with a return (NaT for none), and its delisting flag."""
    has = np.isfinite(panel.values)
    anyv = has.any(axis=0)
    last = np.where(anyv, len(panel.dates) - 1 - np.argmax(has[::-1], axis=0), 0)
    ends = np.where(anyv, panel.dates.to_numpy()[last], np.datetime64("NaT"))
    dl = np.zeros(len(panel.tickers), bool) if panel.delisted is None else np.asarray(panel.delisted, bool)
    return ends, dl


def _coverage_findings(study: Study, warnings: list[str], findings: list[str]) -> pd.DataFrame:
    """Coverage and survivorship, judged per series against the market's and the trades' last dates."""
    panel, ev = study.panel, study.events
    ends, dl = _series_ends(panel)
    ends_s = pd.Series(ends, index=panel.tickers.astype(str)).dropna()
    ev_tk = pd.Index(ev["ticker"].astype(str).unique()) if len(ev) else pd.Index([])
    no_px = ev_tk.difference(ends_s.index)
    rows: dict[str, Any] = {"event tickers": len(ev_tk), "event tickers without prices": len(no_px),
                            "price series": len(ends_s)}
    if len(no_px):
        findings.append(f"{len(no_px):,} of {len(ev_tk):,} event tickers ({len(no_px) / max(len(ev_tk), 1):.0%}) "
                        f"have no prices, e.g. {', '.join(map(str, no_px[:5]))}.")
    if ends_s.empty:
        return pd.DataFrame({"value": pd.Series(rows)})
    prices_end = ends_s.max()
    tx_end = pd.to_datetime(ev["date"]).max() if len(ev) else pd.NaT
    mkt_end = (panel.dates[np.flatnonzero(np.isfinite(panel.market))[-1]]
               if panel.market is not None and np.isfinite(panel.market).any() else pd.NaT)
    rows.update({"last stock price": prices_end.date(), "last market return": getattr(mkt_end, "date", lambda: None)(),
                 "last event": getattr(tx_end, "date", lambda: None)()})
    if pd.notna(tx_end) and tx_end > prices_end + pd.Timedelta(days=7):
        after = int((pd.to_datetime(ev["date"]) > prices_end).sum())
        warnings.append(f"The stock prices end on {prices_end:%Y-%m-%d} but the events run to {tx_end:%Y-%m-%d}: "
                        f"{after:,} events after the last price cannot be studied (they are not counted as zeros).")
    if pd.notna(mkt_end) and mkt_end > prices_end + pd.Timedelta(days=7):
        findings.append(f"The market series runs to {mkt_end:%Y-%m-%d}, past the last stock price "
                        f"({prices_end:%Y-%m-%d}); each event is studied only where its stock's own prices cover "
                        "its windows.")
    near = ends_s >= prices_end - pd.Timedelta(days=7)  # series ending with the data, within a week
    rows.update({"series ending within a week of the last price": int(near.sum()),
                 "series ending earlier": int((~near).sum()),
                 "series ending with a known delisting return": int(dl.sum())})
    long_enough = len(panel.dates) > 500
    if len(ends_s) >= 20 and near.mean() > 0.98 and long_enough and not dl.any():
        warnings.append(f"{near.mean():.0%} of the {len(ends_s):,} price series end within a week of "
                        f"{prices_end:%Y-%m-%d}: the price source seems to hold only firms still listed then "
                        "(survivorship). Firms that failed or were delisted are missing, so CARs are biased upward.")
    early = int((~near).sum() - dl.sum())
    if early > 0:
        findings.append(f"{early:,} price series end before the others without a known delisting return: events "
                        "whose windows run past a stock's last price are not studied for those windows.")
    if dl.any():
        findings.append(f"{int(dl.sum()):,} series end with a known delisting return (used as the stock's last "
                        "return; afterwards the position is held in the market).")
    elif not study.synthetic:
        findings.append("delisting returns: none known (only CRSP files carry them); a delisted firm's series ends "
                        "without its last return.")
    return pd.DataFrame({"value": pd.Series(rows)})


def _events_touched(susp: pd.DataFrame, res: EventStudyResult, panel: ReturnsPanel) -> np.ndarray:
    """For each flagged day, the studied events of its ticker whose estimation or event window includes it."""
    if susp.empty or res is None:
        return np.zeros(len(susp), dtype=np.int64)
    ev = res.events
    d0 = np.searchsorted(panel.dates.to_numpy(), ev["day0"].to_numpy("datetime64[ns]"))
    lo, hi = d0 + res.estimation[0], d0 + res.window[1]
    by_t: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    tk = ev["ticker"].astype(str).to_numpy()
    for t in pd.unique(susp["ticker"].astype(str)):
        m = tk == t
        by_t[t] = (lo[m], hi[m])
    day = np.searchsorted(panel.dates.to_numpy(), pd.to_datetime(susp["date"]).to_numpy("datetime64[ns]"))
    out = np.zeros(len(susp), dtype=np.int64)
    for k, (t, d) in enumerate(zip(susp["ticker"].astype(str), day, strict=True)):
        a, b = by_t.get(t, (np.zeros(0), np.zeros(0)))
        out[k] = int(((a <= d) & (d <= b)).sum())
    return out


def _touched_mask(days: pd.DataFrame, res: EventStudyResult, panel: ReturnsPanel) -> np.ndarray:
    """For each studied event: whether one of *days* (``ticker``, ``date``) falls in its estimation or event
    window (the one definition of an event "touched" by a data error: the finding and the effect table count
    these events, each once)."""
    ev = res.events
    out = np.zeros(len(ev), dtype=bool)
    if days.empty or ev.empty:
        return out
    dates = panel.dates.to_numpy()
    d0 = np.searchsorted(dates, ev["day0"].to_numpy("datetime64[ns]"))
    lo, hi = d0 + res.estimation[0], d0 + res.window[1]
    by_t = pd.Series(np.arange(len(ev))).groupby(ev["ticker"].astype(str).to_numpy()).indices
    day = np.searchsorted(dates, pd.to_datetime(days["date"]).to_numpy("datetime64[ns]"))
    for t, d in zip(days["ticker"].astype(str), day, strict=True):
        pos = by_t.get(t)
        if pos is not None:
            out[pos] |= (lo[pos] <= d) & (d <= hi[pos])
    return out


def _error_effect(study: Study, res: EventStudyResult, excluded: pd.DataFrame) -> pd.DataFrame:
    """Mean CAR(0,60) per direction with the excluded data errors, and as they would be with them kept: the
    returns of the touched tickers recomputed from the raw prices (or, for a file of returns, put back)."""
    import dataclasses

    tick = pd.unique(excluded["ticker"].astype(str))
    panel = study.panel
    cols = [j for j, t in enumerate(panel.tickers.astype(str)) if t in set(tick)]
    if not cols:
        return pd.DataFrame()
    raw = panel.values.copy()
    px = study.prices
    for j in cols:
        t = panel.tickers[j]
        if t in px.columns:  # prices: the plain returns, errors and all
            p_ = px[t].reindex(panel.dates).to_numpy(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                r = np.r_[np.nan, p_[1:] / p_[:-1] - 1.0]
            raw[:, j] = np.where(np.isfinite(r) & (p_ > 0) & np.r_[False, p_[:-1] > 0], r, raw[:, j])
    for day, t, r in zip(excluded["date"], excluded["ticker"], excluded["return"], strict=True):
        if pd.notna(r) and str(t) not in px.columns:  # a file of returns: the excluded values themselves
            raw[panel.dates.get_loc(pd.Timestamp(day)), panel.tickers.get_loc(t)] = r
    of_ticker = res.events["ticker"].astype(str).isin(set(tick)).to_numpy()
    touched = _touched_mask(excluded, res, panel)  # (the events whose windows hold an excluded day)
    if not touched.any():
        return pd.DataFrame()
    kept = standard_study(res.events[of_ticker], dataclasses.replace(panel, values=raw), tests=False)
    car = res.car[(0, 60)]
    alt = car.copy()
    alt.loc[kept.events.index] = kept.car[(0, 60)].to_numpy()
    rows = []
    for g, idx in res.events.groupby("direction").groups.items() if "direction" in res.events else [("all", car.index)]:
        a, b = car.loc[idx], alt.loc[idx]
        rows.append({"direction": g, "events": int(a.notna().sum()), "events touched": int(touched[
            res.events.index.get_indexer(idx)].sum()), "mean CAR (errors excluded)": a.mean(),
            "mean CAR (errors kept)": b.mean(), "difference": b.mean() - a.mean()})
    return pd.DataFrame(rows).set_index("direction")


def _flagged_table(study: Study, res: EventStudyResult | None, big_move: float, flat_run: int,
                   findings: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Data errors the panel excluded and large moves it kept, with the events each touched; the effect table."""
    panel = study.panel
    susp = panel.suspicious.copy()
    vals = panel.values
    price_rows = susp["reason"].astype(str).str.startswith(("price <= 0", "bad print")) if len(susp) else \
        pd.Series(dtype=bool)
    parts = []
    if len(susp):
        parts.append(pd.DataFrame({"date": susp["date"], "ticker": susp["ticker"],
                                   "return": np.where(price_rows, np.nan, susp["value"].astype(float)),
                                   "price": np.where(price_rows, susp["value"].astype(float), np.nan),
                                   "reason": susp["reason"]}))
    with np.errstate(invalid="ignore"):
        big = (np.abs(vals) > big_move) & (vals <= 1.0)  # (above +100% is listed by the panel already)
    if big.any():
        i, j = np.nonzero(big)
        # a known delisting return (CRSP's dlret, the series' last return) is named as such: a true loss, not a
        # data error nor an unexplained move
        ends, dl = _series_ends(panel)
        at_delisting = dl[j] & (panel.dates.to_numpy()[i] == ends[j])
        parts.append(pd.DataFrame({"date": panel.dates[i], "ticker": panel.tickers[j], "return": vals[i, j],
                                   "price": np.nan, "reason": np.where(
                                       at_delisting, "delisting return (kept: the return realised at delisting)",
                                       f"daily move beyond +/-{big_move:.0%} (kept)")}))
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
            parts.append(pd.DataFrame({"date": pd.NaT, "ticker": panel.tickers[flat], "return": np.nan,
                                       "price": np.nan, "reason": f"run of {flat_run}+ unchanged prices (kept)"}))
    cols = ["date", "ticker", "return", "price", "reason", "events touched"]
    if not parts:
        return pd.DataFrame(columns=cols), pd.DataFrame()
    table = pd.concat(parts, ignore_index=True)
    table["events touched"] = _events_touched(table, res, panel) if res is not None else 0
    excluded = table[table["reason"].str.endswith("(excluded)")]
    counts = table["reason"].str.replace(r" \(.*", "", regex=True).value_counts()
    findings.append("flagged days: " + "; ".join(f"{r} ({c:,})" for r, c in counts.items()) + ".")
    effect = pd.DataFrame()
    if len(excluded) and res is not None:
        n_ev = int(_touched_mask(excluded, res, panel).sum())  # (an event with two such days counts once)
        findings.append(f"{len(excluded):,} one-day moves were excluded from the returns as data errors (rule: "
                        f"insider_kit.prices.PriceErrorRule); they fall in the windows of {n_ev:,} studied events.")
        effect = _error_effect(study, res, excluded)
    return table[cols], effect


def _short_estimation_finding(res: EventStudyResult) -> list[str]:
    """A finding on the studied events whose estimation window holds under 90% of its days (a stock whose prices
    start inside the window, or gaps): their variances, and so their test statistics, rest on fewer days."""
    e0, e1 = res.estimation
    full = e1 - e0 + 1
    n_est = res.events["n_est"].to_numpy()
    short = n_est < 0.9 * full
    if not short.any():
        return []
    return [f"{int(short.sum()):,} of {len(n_est):,} studied events have fewer than {int(0.9 * full)} of the {full} "
            f"estimation days (median {int(np.median(n_est[short])):,}): the stock's prices start inside the "
            "estimation window, or have gaps; their standardized statistics rest on fewer days."]


def data_quality(study: Study, *, big_move: float = 0.5, flat_run: int = 10) -> QualityReport:
    """The data-quality report of *study* (module docstring).

    Parameters
    ----------
    study
        A loaded study.
    big_move
        Daily moves beyond +/- this that the data-error rule kept are listed.
    flat_run
        Runs of at least this many days with a zero return (an unchanged price) are listed.

    Returns
    -------
    QualityReport
        The findings in words and the tables behind them (dropped events by reason, survivorship, data errors
        and large moves, calendar coverage, the data errors' effect on the mean CARs).

    Examples
    --------
    >>> import insider_kit as ik
    >>> rep = data_quality(ik.load_study("sample"))
    >>> rep.summary().columns.tolist()
    ['finding']
    >>> len(rep.findings) > 0
    True
    """
    from .errors import DataError

    findings: list[str] = []
    warnings: list[str] = []
    panel, ev = study.panel, study.events
    res = None
    dropped = pd.DataFrame({"events": pd.Series(dtype=int), "share": pd.Series(dtype=float)})
    if panel.market is None or not np.isfinite(panel.market).any():
        warnings.append("there is no market series: market-adjusted and market-model studies cannot run.")
    elif len(ev):
        try:
            res = standard_study(ev, panel, tests=False)
        except DataError as exc:
            warnings.append(f"no event can be studied: {exc.message}")
    if res is not None:
        reasons = res.dropped["reason"].str.replace(r" \(.*", "", regex=True).value_counts()
        cov = res.coverage
        not_cov = int(cov["not covered"].iloc[-1])
        if not_cov:
            reasons["CAR(0,60) window not covered by the stock's own prices"] = not_cov
        dropped = pd.DataFrame({"events": reasons.astype(int), "share": reasons / max(len(ev), 1)})
        dropped.index.name = "reason"
        studied = int(cov["studied"].iloc[-1])
        findings.insert(0, f"{studied:,} of {len(ev):,} events are studied for CAR(0,60) (the kit's standard "
                        f"study: market-adjusted, estimation -250..-21 with 60+ returns); {len(ev) - studied:,} "
                        "are not, by reason below.")
        findings.extend(_short_estimation_finding(res))
    surv = _coverage_findings(study, warnings, findings)
    susp, effect = _flagged_table(study, res, big_move, flat_run, findings)
    cal = pd.DataFrame(columns=["ticker", "days_without_market"])
    if panel.market is not None:
        has = np.isfinite(panel.values)
        off = (has & ~np.isfinite(panel.market)[:, None]).sum(axis=0)
        bad = np.flatnonzero(off > 0)
        cal = pd.DataFrame({"ticker": panel.tickers[bad], "days_without_market": off[bad]})
        share = calendar_mismatch(panel)
        if share > 0.05:
            warnings.append(f"{share:.0%} of the stocks' returns fall on days the market series has none: the market "
                            "file is on another calendar (shifted by a day, or another exchange's): market-adjusted "
                            "abnormal returns are not meaningful and the ledger gives no verdicts.")
        elif len(bad):
            findings.append(f"{len(bad):,} tickers have returns on days the market series has none "
                            f"(up to {int(off.max()):,} days): their calendars do not match the market's.")
    if study.synthetic:
        findings.append("these are the synthetic teaching market's data, generated with known effects.")
    return QualityReport(findings, dropped, surv, susp, cal, warnings, effect)
