"""Data errors do not reach estimates (issue #35): the returns panel's rule excludes them, lists them, and the
estimates equal those on the clean series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import insider_kit as ik
from insider_kit.prices.panel import PriceErrorRule


def _clean_and_dirty(seed: int = 5, T: int = 700, K: int = 40):
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2018-01-02", periods=T)
    mkt = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, T)))
    r = rng.normal(0.0002, 0.02, (T, K))
    r[400, 3] = r[300, 4] = 0.004  # the split days' own returns (inside the rule's tolerance)
    clean = pd.DataFrame(50 * np.exp(np.cumsum(r, axis=0)), index=days, columns=[f"S{i:02d}" for i in range(K)])
    clean["MKT"] = mkt
    dirty = clean.copy()
    dirty.iloc[:400, 3] *= 4.0  # a 4:1 split the source left unadjusted: the price falls to a quarter on day 400
    dirty.iloc[:300, 4] /= 10.0  # a 1:10 reverse split left unadjusted (+900% on day 300)
    dirty.iloc[500, 5] *= 250.0  # a bad print: x250 for one day, then back
    dirty.iloc[550:553, 6] *= 3.0  # a three-day bad print
    dirty.iloc[600, 7] = 0.0  # a zero price
    return clean, dirty, rng


def test_split_bad_print_and_zero_price_are_excluded_listed_and_do_not_move_estimates() -> None:
    """A one-day move of +25,733% (an unadjusted reverse split) was listed under "suspicious prices" but kept:
    three sale events with CARs near +25,000% moved the sales mean by about a point and widened every CI."""
    clean, dirty, _ = _clean_and_dirty()
    pc = ik.returns_panel(clean, market="MKT")
    pd_ = ik.returns_panel(dirty, market="MKT")
    why = pd_.suspicious.set_index(["ticker", "date"])["reason"]
    d = clean.index
    assert why[("S03", d[400])].startswith("likely unadjusted split") and why[("S03", d[400])].endswith("(excluded)")
    assert why[("S04", d[300])].startswith("likely unadjusted split")  # (x10 is a split ratio before implausible)
    assert why[("S05", d[500])].startswith("bad print") and why[("S06", d[551])].startswith("bad print")
    assert why[("S07", d[600])].startswith("price <= 0")
    # every return the rule left out is one of the flagged days (or next to a flagged price)
    diff = np.isfinite(pc.values) & ~np.isfinite(pd_.values)
    i, j = np.nonzero(diff)
    assert {(pd_.tickers[b], a) for a, b in zip(i, j, strict=True)} == {
        ("S03", 400), ("S04", 300), ("S05", 500), ("S05", 501), ("S06", 550), ("S06", 551), ("S06", 552),
        ("S06", 553), ("S07", 600), ("S07", 601)}
    # elsewhere the returns are the clean series' exactly
    both = np.isfinite(pc.values) & np.isfinite(pd_.values)
    np.testing.assert_allclose(pd_.values[both], pc.values[both], rtol=0, atol=1e-14)
    # events whose windows hold the errors: estimates unchanged against the clean series (the excluded days are
    # missing, so the CARs differ from the clean ones only by those days' returns)
    ev = pd.DataFrame({"ticker": [f"S0{k}" for k in (3, 4, 5, 6, 7)] * 4,
                       "date": np.repeat(d[[380, 290, 480, 540]], 5), "direction": "sell"})
    kw = dict(model="market_adjusted", window=(-5, 60), car_windows=[(0, 60)], min_estimation=60, max_loss=None)
    rc, rd = ik.event_study(ev, pc, **kw), ik.event_study(ev, pd_, **kw)
    gap = (rd.car[(0, 60)] - rc.car[(0, 60)]).abs()
    assert gap.max() < 0.15  # a few days' ordinary returns at most, never +25,000%
    assert abs(rd.tests.loc[("all", 0, 60), "mean_car"] - rc.tests.loc[("all", 0, 60), "mean_car"]) < 0.02
    kept = ik.returns_panel(dirty, market="MKT", errors=PriceErrorRule(enabled=False))
    assert np.nanmax(kept.values) > 200  # with the rule off the x250 print is a +24,900% return (listed, kept)
    assert kept.suspicious["reason"].str.endswith("(kept)").any()


def test_a_returns_file_in_percent_is_refused() -> None:
    """Market returns in percent units (1.2 meaning 1.2%) turned the planted purchase effect into -536%."""
    from insider_kit.errors import DataError

    clean, _, _ = _clean_and_dirty()
    rets = clean.drop(columns="MKT").pct_change()
    mkt = clean["MKT"].pct_change() * 100
    with pytest.raises(DataError, match="percent units"):
        ik.returns_panel(rets, market=mkt, kind="return")
    bad = rets.copy()
    bad.iloc[10, 0] = -1.7  # a return below -100%: impossible
    p = ik.returns_panel(bad, market=clean["MKT"].pct_change(), kind="return")
    assert np.isnan(p.values[10, 0]) and p.suspicious["reason"].str.startswith("return below -100%").any()


def test_events_touched_by_data_errors_is_one_number(default_market) -> None:  # type: ignore[no-untyped-def]
    """The quality finding's "they fall in the windows of N studied events" and the effect table's events touched
    are one count (before: 61 in the finding, 394 in the table, which counted every event of an affected ticker),
    each event once, recounted here by hand from the excluded days and the events' windows."""
    import re

    from insider_kit.quality import data_quality, standard_study

    study = ik.load_study(default_market)
    rep = data_quality(study)
    found = [f for f in rep.findings if "fall in the windows of" in f]
    assert found and not rep.effect.empty
    n = int(re.search(r"windows of ([\d,]+) studied", found[0]).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert n == int(rep.effect["events touched"].sum()) > 0
    exc = rep.suspicious[rep.suspicious["reason"].str.endswith("(excluded)")]
    res = standard_study(study.events, study.panel, tests=False)
    d0 = study.panel.dates.searchsorted(pd.to_datetime(res.events["day0"]))
    hit = set()
    for t, day in zip(exc["ticker"].astype(str), pd.to_datetime(exc["date"]), strict=True):
        d = study.panel.dates.searchsorted(day)
        m = (res.events["ticker"].astype(str).to_numpy() == t) & (d0 - 250 <= d) & (d <= d0 + 60)
        hit |= set(np.flatnonzero(m))
    assert n == len(hit)
