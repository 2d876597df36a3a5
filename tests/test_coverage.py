"""Coverage from the stock's own data (issue #35): an event is studied for a window only where the stock's own
price history covers it; a market series longer than the prices changes nothing; missing is never zero."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insider_kit.eventstudy import event_study
from insider_kit.prices import returns_panel


def _market_longer_than_prices(seed: int = 3, T: int = 900, K: int = 12, end: int = 600):
    """Stock prices that all end on day *end* (a yfinance folder downloaded in mid-2021) and a market index that
    runs to day T (downloaded today); one stock starts late (an IPO)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-02", periods=T)
    m = rng.normal(0.0003, 0.01, T)
    R = 0.0002 + m[:, None] * rng.uniform(0.6, 1.4, K) + rng.normal(0, 0.015, (T, K))
    R[end + 1:, :] = np.nan  # no stock price after day `end`
    R[:150, 0] = np.nan  # Z00 lists late
    rets = pd.DataFrame(R, index=dates, columns=[f"Z{i:02d}" for i in range(K)])
    return rets, pd.Series(m, index=dates, name="MKT"), rng


def _reference_car(rets: pd.DataFrame, mkt: pd.Series, ticker: str, day0: int, a: int, b: int) -> float:
    """The slow definition: market-adjusted CAR over days day0+a..day0+b of the stock's own returns, or NaN when
    the stock's own returns do not span the window (its first and last return) or miss over 20% of its days."""
    r = rets[ticker].to_numpy()
    have = np.flatnonzero(np.isfinite(r))
    first, last = have[0], have[-1]
    if day0 + a < first or day0 + b > last:
        return np.nan
    ar = r[day0 + a: day0 + b + 1] - mkt.to_numpy()[day0 + a: day0 + b + 1]
    if np.isfinite(ar).sum() < np.floor(0.8 * (b - a + 1)):
        return np.nan
    return float(np.nansum(ar))


def test_a_market_longer_than_the_prices_changes_nothing() -> None:
    """The market ran to 2026, the stock prices to 2021-07: events after a stock's last price were studied with
    a CAR of exactly 0, windows past it truncated; cutting the market file by hand moved the purchase CAR(0,60)
    from 4.5% to 5.7%.  Now every studied number equals a hand-built study of the stock's own data, and the
    cut market gives the same numbers."""
    rets, mkt, rng = _market_longer_than_prices()
    end = 600
    d = np.r_[rng.integers(260, 860, 300), end - 3, end, end + 1]
    ev = pd.DataFrame({"ticker": rng.choice(rets.columns, len(d)), "date": rets.index[d]})
    ev.loc[len(ev) - 3:, "ticker"] = "Z05"
    ev = ev.drop_duplicates(ignore_index=True)  # (a repeated event is dropped as a duplicate: tested elsewhere)
    wins = [(0, 5), (0, 60)]
    kw = dict(model="market_adjusted", estimation=(-250, -21), window=(-5, 60), car_windows=wins,
              min_estimation=60, max_loss=None)
    long = event_study(ev, returns_panel(rets, market=mkt, kind="return"), **kw)
    cut = event_study(ev, returns_panel(rets.iloc[: end + 1], market=mkt.iloc[: end + 1], kind="return"), **kw)
    day = {t: i for i, t in enumerate(rets.index)}
    for w in wins:
        ref = pd.Series([_reference_car(rets, mkt, r.ticker, day[r.date], *w) for r in ev.itertuples()],
                        index=ev.index)
        got = long.car[w].reindex(ev.index)
        # studied exactly where the reference is defined (events dropped altogether count as not studied)
        assert (got.notna() == ref.notna()).all(), w
        np.testing.assert_allclose(got.dropna(), ref[got.notna()], rtol=0, atol=1e-12)
        row = long.tests.loc[("all", *w)]
        assert row["n"] == ref.notna().sum() and row["mean_car"] == pytest.approx(ref.mean(), abs=1e-12)
    # the longest window's numbers do not depend on how far the market series runs (cut by hand, or not)
    pd.testing.assert_series_equal(cut.tests.loc[("all", 0, 60)], long.tests.loc[("all", 0, 60)])
    assert long.coverage.loc[(0, 60), "studied"] == long.tests.loc[("all", 0, 60), "n"]
    # the event a day after the stock's last price is dropped with its own reason, and the one on the last day
    # has no covered window
    reasons = long.dropped.set_index("date")["reason"]
    assert reasons[rets.index[end + 1]] == "event date after the stock's last price"
    assert reasons[rets.index[end]].startswith("no CAR window inside the stock's own price history")
    # no studied window runs past its stock's last price
    last = {t: np.flatnonzero(rets[t].notna().to_numpy())[-1] for t in rets.columns}
    for (a, b) in wins:
        ok = long.car[(a, b)].notna()
        ends = long.events["day0"].map(day) + b
        assert (ends[ok] <= long.events.loc[ok, "ticker"].map(last)).all()


def test_the_caar_curve_stops_at_each_stocks_last_price() -> None:
    """A cumulated curve counted an event's missing days after its last price as zeros (a flat line that pulls
    the CAAR toward zero): now an event leaves the curve after its stock's last price and ``n`` says so."""
    rets, mkt, _ = _market_longer_than_prices()
    end = 600
    ev = pd.DataFrame({"ticker": ["Z01", "Z02"], "date": [rets.index[400], rets.index[end - 10]]})
    res = event_study(ev, returns_panel(rets, market=mkt, kind="return"), model="market_adjusted",
                      window=(-5, 60), car_windows=[(0, 5)], min_estimation=60, max_loss=None)
    c = res.caar(start=0).set_index("rel_day")
    assert c.loc[10, "n"] == 2 and c.loc[11, "n"] == 1 and c.loc[60, "n"] == 1
    ar = res.ar.loc[0].to_numpy()
    assert c.loc[60, "caar"] == pytest.approx(np.nansum(ar[res.rel_days >= 0]), abs=1e-12)


def test_a_known_delisting_return_covers_the_window() -> None:
    """With a delisting return known, the window past the stock's last price is covered: the delisting return
    is its last return and the proceeds are held in the market (zero abnormal return afterwards)."""
    import dataclasses

    rets, mkt, _ = _market_longer_than_prices()
    end = 600
    panel = returns_panel(rets, market=mkt, kind="return")
    ev = pd.DataFrame({"ticker": ["Z03"], "date": [rets.index[end - 10]]})
    kw = dict(model="market_adjusted", window=(-5, 60), car_windows=[(0, 60)], min_estimation=60, max_loss=None)
    from insider_kit.errors import DataError

    with pytest.raises(DataError, match="no CAR window inside the stock's own price history"):
        event_study(ev, panel, **kw)
    flags = np.zeros(len(panel.tickers), dtype=bool)
    flags[list(panel.tickers).index("Z03")] = True
    res = event_study(ev, dataclasses.replace(panel, delisted=flags), **kw)
    ar = (rets["Z03"] - mkt).to_numpy()[end - 10: end + 1]
    assert res.car[(0, 60)].iloc[0] == pytest.approx(ar.sum(), abs=1e-12)


def test_short_price_histories_are_studied_and_reported(default_market) -> None:  # type: ignore[no-untyped-def]
    """With every stock's prices starting late (the first 200 trading days cut), events in the first year are
    studied on the estimation days their stock has (60 or more) instead of dropped, and the data-quality
    section counts the studied events whose estimation window is short, with the median days."""
    import dataclasses

    import insider_kit as ik
    from insider_kit.quality import data_quality, standard_study

    study = ik.load_study(default_market)
    p = study.panel
    vals = np.array(p.values)
    vals[:200] = np.nan
    cut = dataclasses.replace(study, panel=dataclasses.replace(p, values=vals))
    full = standard_study(study.events, p, tests=False)
    short = standard_study(cut.events, cut.panel, tests=False)
    d0 = p.dates.searchsorted(pd.to_datetime(short.events["day0"]))
    early = (d0 - 250 < 200) & (d0 - 21 >= 200 + 60)  # estimation window starts before the cut, 60+ days after it
    assert early.sum() > 20
    n_est = short.events["n_est"].to_numpy()
    assert (n_est[early] < 230).all() and (n_est[early] >= 60).all()
    # an event's CAR does not depend on its estimation window under the market-adjusted model
    both = short.events.index.intersection(full.events.index)
    np.testing.assert_allclose(short.car.loc[both, (0, 60)], full.car.loc[both, (0, 60)], rtol=0, atol=1e-12)
    # the quality section counts them (the teaching market's own newly listed stocks have short windows too)
    def counted(s: ik.Study) -> int:
        found = [f for f in data_quality(s).findings if "estimation days (median" in f]
        return int(found[0].split(" of ")[0].replace(",", "")) if found else 0

    n_short = int((short.events["n_est"] < 207).sum())
    assert counted(cut) == n_short > int((full.events["n_est"] < 207).sum()) == counted(study)
