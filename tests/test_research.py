"""Issue #40's research tools against slow references: dose-response (quantile table, clustered CIs, the
Patton-Timmermann MR test and its size and power), the point-in-time insider track record, and the screens
traded as portfolios (daily returns against a loop over holdings, costs included)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import insider_kit as ik
from insider_kit.days import day_index
from insider_kit.eventstudy.calendar import corwin_schultz_spread, traded_portfolio
from insider_kit.eventstudy.dose import dose_response, monotonic_relation_test
from insider_kit.eventstudy.regression import cluster_codes, ols_clustered
from insider_kit.prices.panel import ReturnsPanel
from insider_kit.sample import SampleSpec, generate_sample
from insider_kit.signals.track import insider_track_record, trade_outcomes
from insider_kit.study import load_study

SMALL = dict(n_firms=30, start="2019-01-02", end="2022-12-30", edgar_weeks=4)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> ik.Study:
    root = tmp_path_factory.mktemp("research") / "sample"
    generate_sample(root, seed=4, spec=SampleSpec(**SMALL), progress=False)
    return load_study(root)


# ---------------------------------------------------------------------------------------------- dose-response

def _synthetic_result(n: int = 600, seed: int = 0) -> tuple[ik.EventStudyResult, pd.DataFrame]:
    """A market-adjusted event study of *n* events on a random panel (CARs of any distribution will do)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2018-01-01", periods=900)
    tickers = [f"T{i:02d}" for i in range(40)]
    R = rng.normal(0.0003, 0.02, (len(dates), len(tickers)))
    panel = ReturnsPanel(R, dates, pd.Index(tickers), rng.normal(0.0003, 0.01, len(dates)), "MKT")
    ev = pd.DataFrame({"ticker": rng.choice(tickers, n), "date": dates[rng.integers(300, 800, n)],
                       "signal": rng.lognormal(11, 1.5, n)})
    ev = ev.drop_duplicates(["ticker", "date"]).reset_index(drop=True)
    res = ik.event_study(ev, panel, model="market_adjusted", car_windows=[(0, 20)], window=(-5, 20))
    return res, ev


def test_quantile_table_equals_a_hand_computed_split_and_statsmodels_clusters() -> None:
    res, _ = _synthetic_result()
    dr = dose_response(res, "signal", quantiles=4, window=(0, 20), n_boot=50)
    ev = res.events
    x = ev["signal"].to_numpy()
    car = res.car[(0, 20)].to_numpy()
    edges = np.quantile(x, [0, 0.25, 0.5, 0.75, 1.0])
    codes = cluster_codes(ev, ("firm", "month"))
    assert codes is not None
    for q in range(4):
        m = (x >= edges[q]) & (x <= edges[q + 1]) if q == 0 else (x > edges[q]) & (x <= edges[q + 1])
        row = dr.table.iloc[q]
        assert row["n"] == m.sum()
        assert row["mean_car"] == pytest.approx(car[m].mean(), abs=1e-14)
        fit = ols_clustered(car[m], pd.DataFrame({"const": np.ones(m.sum())}), codes[m])
        assert row["se"] == pytest.approx(float(fit.bse.iloc[0]), rel=1e-9)
        assert row["signal_low"] == x[m].min() and row["signal_high"] == x[m].max()
    # top minus bottom: the slope on a top dummy among the two extreme quartiles, statsmodels two-way clusters
    top, bot = (x > edges[3]), (x <= edges[1])
    both = top | bot
    X = pd.DataFrame({"const": 1.0, "top": top[both].astype(float)})
    fit = ols_clustered(car[both], X, codes[both])
    assert dr.difference["estimate"] == pytest.approx(car[top].mean() - car[bot].mean(), abs=1e-14)
    assert dr.difference["se"] == pytest.approx(float(fit.bse["top"]), rel=1e-9)
    assert dr.to_frame().index[-1] == "Q4 - Q1"


def test_dose_response_refuses_unknown_signals_and_takes_a_series() -> None:
    res, _ = _synthetic_result()
    with pytest.raises(ik.DataError, match="no signal column"):
        dose_response(res, "nothing", window=(0, 20))
    s = res.events["signal"].rename("my_signal")
    a = dose_response(res, s, quantiles=3, window=(0, 20), n_boot=20)
    b = dose_response(res, "signal", quantiles=3, window=(0, 20), n_boot=20)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.signal == "my_signal"
    with pytest.raises(ik.DataError, match="not computed"):
        dose_response(res, "signal", window=(0, 60))


def _mr_reference(y: np.ndarray, bins: np.ndarray, clusters: np.ndarray, k: int, direction: str, n_boot: int,
                  seed: int) -> tuple[float, float]:
    """Patton & Timmermann (2010), section 2, written out: resample whole clusters (the same draws as the kit:
    ``integers(0, G, size=(B, G))`` on the factorized clusters), rebuild the sample, recompute every bin mean."""
    sign = 1.0 if direction == "increasing" else -1.0
    codes, _ = pd.factorize(clusters)
    G = codes.max() + 1
    members = [np.flatnonzero(codes == g) for g in range(G)]

    def deltas(idx: list[int]) -> list[float]:
        means = []
        for q in range(k):
            vals = [y[i] for i in idx if bins[i] == q]
            means.append(sum(vals) / len(vals) if vals else float("nan"))
        return [sign * (means[q] - means[q - 1]) for q in range(1, k)]

    d = deltas(list(range(len(y))))
    J = min(d)
    draws = np.random.default_rng(seed).integers(0, G, size=(n_boot, G))
    exceed, used = 0, 0
    for b in range(n_boot):
        idx = [int(i) for g in draws[b] for i in members[g]]
        db = deltas(idx)
        if any(np.isnan(v) for v in db):
            continue
        used += 1
        exceed += min(v - w for v, w in zip(db, d, strict=True)) > J
    return J, exceed / used


@pytest.mark.parametrize("direction", ["increasing", "decreasing"])
def test_mr_statistic_and_p_value_equal_a_slow_reference(direction: str) -> None:
    rng = np.random.default_rng(7)
    n, k = 300, 4
    bins = rng.integers(0, k, n)
    clusters = rng.choice([f"m{i}" for i in range(25)], n)
    y = 0.004 * bins + rng.normal(0, 0.03, n)
    got = monotonic_relation_test(y, bins, clusters, n_bins=k, direction=direction, n_boot=150, seed=3)  # type: ignore[arg-type]
    J, p = _mr_reference(y, bins, clusters, k, direction, 150, 3)
    assert got["stat"] == pytest.approx(J, abs=1e-14)
    assert got["p"] == pytest.approx(p, abs=1e-12)


def _simulated_events(rng: np.random.Generator, step: float, months: int = 48, per_month: int = 25,
                      k: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events in *months* calendar months; CAR = step * bin + a month shock whose loading differs by bin (so
    months move the bins' differences: a bootstrap of single events would understate their variance) + noise."""
    month = np.repeat(np.arange(months), per_month)
    bins = rng.integers(0, k, len(month))
    shock = rng.normal(0, 0.02, months)[month]
    y = step * bins + shock * (1 + 0.5 * bins) + rng.normal(0, 0.04, len(month))
    return y, bins, month


def test_mr_test_size_and_power_by_simulation() -> None:
    """At 5%: under a flat relation (the least favourable null) the rejection rate stays within the binomial
    band of 5%; with a monotonic step of 1.5% per quintile it rejects in most samples; with a hump it rarely
    does."""
    reps, B, alpha = 300, 300, 0.05
    rng = np.random.default_rng(2024)
    rej_null = rej_alt = rej_hump = 0
    for r in range(reps):
        y, b, m = _simulated_events(rng, 0.0)
        rej_null += monotonic_relation_test(y, b, m, n_bins=5, n_boot=B, seed=r)["p"] < alpha
        y, b, m = _simulated_events(rng, 0.015)
        rej_alt += monotonic_relation_test(y, b, m, n_bins=5, n_boot=B, seed=r)["p"] < alpha
        y, b, m = _simulated_events(rng, 0.0)
        y = y + 0.02 * np.minimum(b, 4 - b)  # up then down
        rej_hump += monotonic_relation_test(y, b, m, n_bins=5, n_boot=B, seed=r)["p"] < alpha
    hi = stats.binom.ppf(0.999, reps, alpha) / reps
    assert rej_null / reps <= hi, rej_null
    assert rej_alt / reps >= 0.8, rej_alt
    assert rej_hump / reps <= hi, rej_hump


# ---------------------------------------------------------------------------------------------- track record

def _track_reference(events: pd.DataFrame, tx: pd.DataFrame, panel: ReturnsPanel, window: tuple[int, int],
                     min_coverage: float) -> pd.DataFrame:
    """Row by row: for each event, its insiders (P/S trades in its direction made public on its date), and for
    each of them every earlier trade whose outcome window closed before the event's day 0."""
    t = ik.signals.trade_table(tx, codes=("P", "S"))
    t = t[t["owner_cik"].notna() & t["ticker"].notna()]
    cal = list(panel.dates)
    T = len(cal)

    def day0(d: pd.Timestamp) -> int:
        for i, c in enumerate(cal):
            if c >= d:
                return i
        return T

    col = {str(c): j for j, c in enumerate(panel.tickers)}
    trades = {(str(r.owner_cik), str(r.ticker), pd.Timestamp(r.date), int(r.side)) for r in t.itertuples()}
    outcome = {}
    for ins, tk, d, side in trades:
        s0 = day0(d)
        a, b = s0 + window[0], s0 + window[1]
        if tk not in col or a < 0 or b >= T:
            continue
        vals = [panel.values[i, col[tk]] - panel.market[i] for i in range(a, b + 1)]
        fin = [v for v in vals if np.isfinite(v)]
        if len(fin) >= min_coverage * (b - a + 1):
            outcome[(ins, tk, d, side)] = (side * sum(fin), b)
    rows = []
    for e in events.itertuples():
        side = 1 if e.direction == "buy" else -1
        d = pd.Timestamp(e.date)
        e0 = day0(d)
        insiders = {ins for ins, tk, dd, s in trades if tk == str(e.ticker) and dd == d and s == side}
        past = [o for (ins, tk, dd, s), (o, close) in outcome.items() if ins in insiders and close < e0]
        gaps = [(d - dd).days for ins, tk, dd, s in trades if ins in insiders and dd < d]
        rows.append({"track_car": np.mean(past) if past else np.nan, "track_n": len(past),
                     "track_hit": np.mean([o > 0 for o in past]) if past else np.nan,
                     "days_since_previous": float(min(gaps)) if gaps else np.nan})
    return pd.DataFrame(rows, index=events.index)


def test_track_record_equals_a_row_by_row_scan(small: ik.Study) -> None:
    ev = small.events
    ev = ev.iloc[np.linspace(0, len(ev) - 1, 150).astype(int)]
    got = insider_track_record(ev, small.transactions, small.panel, window=(0, 20))
    ref = _track_reference(ev, small.transactions, small.panel, (0, 20), 0.9)
    assert (got["track_n"] > 0).sum() >= 30  # the scan has something to compare
    pd.testing.assert_frame_equal(got, ref, check_dtype=False, rtol=1e-10, atol=1e-12)


def test_a_later_trade_never_changes_an_earlier_events_track_record(small: ik.Study) -> None:
    """Deleting every filing made public after D, or turning those filings into late reports of old trades,
    leaves the track record of every event dated on or before D unchanged."""
    tx, panel = small.transactions, small.panel
    ev = small.events
    before = insider_track_record(ev, tx, panel)
    pub = pd.to_datetime(tx["filing_date"])
    for D in (pd.Timestamp("2020-09-01"), pd.Timestamp("2021-06-15")):
        later = (pub > D).to_numpy()
        cut = tx[~later]
        tx2 = tx.copy()
        back = pd.to_timedelta(120 * (1 + np.arange(int(later.sum())) % 5), unit="D")
        tx2.loc[later, "trans_date"] = (D - back).to_numpy()
        early = (pd.to_datetime(ev["date"]) <= D).to_numpy()
        for other in (cut, tx2):
            after = insider_track_record(ev, other, panel)
            pd.testing.assert_frame_equal(before[early], after[early])
        assert before.loc[early, "track_n"].gt(0).any()


def test_no_insider_identity_means_no_track_record(small: ik.Study) -> None:
    tx = small.transactions.drop(columns=["owner_cik", "owner_name"])
    with pytest.raises(ik.DataError, match="no insider identity"):
        insider_track_record(small.events, tx, small.panel)


def test_trade_outcomes_are_signed_market_adjusted_cars(small: ik.Study) -> None:
    out = trade_outcomes(small.transactions, small.panel, window=(0, 10))
    o = out.dropna(subset=["car"]).iloc[5]
    j = list(small.panel.tickers).index(o["ticker"])
    d0 = day_index(small.panel.dates, pd.Series([o["date"]]))[0]
    ar = small.panel.values[d0:d0 + 11, j] - small.panel.market[d0:d0 + 11]
    assert o["car"] == pytest.approx(np.nansum(ar), rel=1e-12)
    assert o["outcome"] == pytest.approx(o["side"] * o["car"], rel=1e-15)


# ---------------------------------------------------------------------------------------------- portfolios

def _loop_portfolio(events: pd.DataFrame, panel: ReturnsPanel, horizon: int, side: int, cost_bps: float,
                    hs: pd.DataFrame | None) -> pd.DataFrame:
    """Day by day with dictionaries of holdings: target weights from the events held, drift of yesterday's
    weights, trades, costs."""
    dates = list(panel.dates)
    T = len(dates)
    tick = [str(t) for t in panel.tickers]
    held_by_day: list[set[str]] = [set() for _ in range(T)]
    for e in events.itertuples():
        d0 = next((i for i, d in enumerate(dates) if d >= pd.Timestamp(e.date)), T)
        for t in range(d0 + 1, min(T, d0 + 1 + horizon)):
            held_by_day[t].add(str(e.ticker))
    prev: dict[str, float] = {}
    prev_ret: dict[str, float] = {}
    rows = []
    for t in range(T):
        r = {k: (panel.values[t, tick.index(k)] if np.isfinite(panel.values[t, tick.index(k)]) else 0.0)
             for k in held_by_day[t] | set(prev)}
        # drift of yesterday's weights through yesterday's returns
        port_prev = sum(w * prev_ret[k] for k, w in prev.items())
        drifted = {k: w * (1 + prev_ret[k]) / (1 + port_prev) for k, w in prev.items()}
        target = {k: 1.0 / len(held_by_day[t]) for k in held_by_day[t]}
        cost = 0.0
        turnover = 0.0
        for k in set(target) | set(drifted):
            dw = abs(target.get(k, 0.0) - drifted.get(k, 0.0))
            unit = cost_bps / 1e4
            if hs is not None and t > 0:
                v = hs.iloc[t - 1][k] if k in hs.columns else np.nan
                unit += v if np.isfinite(v) else 0.0
            cost += unit * dw
            turnover += dw
        gross = side * sum(w * r[k] for k, w in target.items())
        rows.append({"gross": gross, "cost": cost, "net": gross - cost, "turnover": turnover})
        prev = target
        prev_ret = {k: r[k] for k in target}
    return pd.DataFrame(rows, index=panel.dates)


@pytest.mark.parametrize("side,cost,spread", [(1, 0.0, False), (1, 25.0, False), (-1, 10.0, True)])
def test_portfolio_daily_returns_equal_a_loop_over_holdings(side: int, cost: float, spread: bool) -> None:
    rng = np.random.default_rng(11)
    dates = pd.bdate_range("2021-01-04", periods=160)
    tickers = [f"S{i}" for i in range(8)]
    R = rng.normal(0.001, 0.02, (160, 8))
    R[rng.random(R.shape) < 0.03] = np.nan  # a missing return is carried flat
    panel = ReturnsPanel(R, dates, pd.Index(tickers), rng.normal(0.0, 0.01, 160), "MKT")
    ev = pd.DataFrame({"ticker": rng.choice(tickers, 25), "date": dates[rng.integers(0, 150, 25)]
                       + pd.to_timedelta(rng.integers(0, 2, 25), unit="D")})
    hs = pd.DataFrame(rng.uniform(0, 0.004, R.shape), index=dates, columns=tickers) if spread else None
    got = traded_portfolio(ev, panel, horizon=7, side=side, cost_bps=cost, half_spread=hs, model="market")  # type: ignore[arg-type]
    ref = _loop_portfolio(ev, panel, 7, side, cost, hs)
    pd.testing.assert_frame_equal(got.returns[["gross", "cost", "net", "turnover"]], ref, rtol=1e-10, atol=1e-13)
    assert (got.returns["turnover"] > 0).any()
    if cost > 0:
        assert (got.returns["cost"] > 0).sum() >= 10


def test_corwin_schultz_equals_the_papers_formula_by_hand() -> None:
    idx = pd.bdate_range("2024-01-01", periods=2)
    hi = pd.DataFrame({"A": [10.30, 10.40]}, index=idx)
    lo = pd.DataFrame({"A": [10.00, 10.05]}, index=idx)
    beta = np.log(10.30 / 10.00) ** 2 + np.log(10.40 / 10.05) ** 2
    gamma = np.log(10.40 / 10.00) ** 2
    k = 3 - 2 * np.sqrt(2)
    a = (np.sqrt(2 * beta) - np.sqrt(beta)) / k - np.sqrt(gamma / k)
    want = max(0.0, 2 * (np.exp(a) - 1) / (1 + np.exp(a)))
    got = corwin_schultz_spread(hi, lo, days=1)
    assert got["A"].iloc[1] == pytest.approx(want, abs=1e-15)


def test_screen_portfolios_pay_more_when_costs_rise(small: ik.Study) -> None:
    from insider_kit.screens import screen_portfolios, screen_sensitivity

    tab = screen_sensitivity(small.events, small.panel, costs=(0.0, 50.0), horizons=(10,), model="market")
    for screen in tab.index.get_level_values("screen").unique():
        assert tab.loc[(screen, 10, 50.0), "ann_return_net"] < tab.loc[(screen, 10, 0.0), "ann_return_net"]
    sp = screen_portfolios(small.events, small.panel, horizon=10, model="market")
    assert set(sp.summary()["side"]) <= {"long", "short"}
    assert sp.cumulative().shape[1] == len(sp.portfolios)


def test_dose_response_and_portfolio_plots_render(small: ik.Study) -> None:
    import matplotlib.pyplot as plt

    from insider_kit.screens import screen_portfolios

    res = ik.event_study(small.events, small.panel)
    ax = dose_response(res, "value", quantiles=3, n_boot=50).plot()
    assert "value" in ax.get_title()
    plt.close("all")
    ax = screen_portfolios(small.events, small.panel, horizon=10, model="market").plot()
    assert ax.get_yscale() == "log"
    plt.close("all")


def test_the_generator_fades_the_planted_effect_after_its_date(tmp_path: Path) -> None:
    root = tmp_path / "s"
    generate_sample(root, seed=2, spec=SampleSpec(**SMALL, fade_after="2021-01-04", fade_to=0.0), progress=False)
    te = ik.sample.truth_events(root) if hasattr(ik, "sample") else None
    from insider_kit.sample import truth_events

    te = truth_events(root)
    cl = te[(te["class"] == "cluster_sale") & (te["planted_car"] != 0)]
    assert len(cl) and (pd.to_datetime(cl["filing_date"]) < "2021-01-04").all()
    late = te[(te["class"] == "cluster_sale") & (pd.to_datetime(te["filing_date"]) >= "2021-01-04")]
    assert len(late) and (late["planted_car"] == 0).all()


def test_track_record_boundary_a_window_closing_on_day_0_is_not_yet_known() -> None:
    """A trade whose outcome window ends on the event's day 0 is not in the record (its last return is made on
    that day); one day later it is, with its exact market-adjusted CAR; a sale counts with its sign flipped."""
    dates = pd.bdate_range("2024-01-01", periods=40)
    R = np.full((40, 1), 0.01)
    mkt = np.full(40, 0.004)
    panel = ReturnsPanel(R, dates, pd.Index(["AAA"]), mkt, "MKT")

    def row(day: int, code: str) -> dict[str, object]:
        return {"accession": f"a{day}{code}", "issuer_cik": "1", "ticker": "AAA", "owner_cik": "42",
                "owner_name": "X", "table": "nonderivative", "trans_code": code,
                "acquired_disposed": "A" if code == "P" else "D", "filing_date": dates[day],
                "trans_date": dates[day], "shares": 100.0, "price": 10.0, "value": 1000.0, "accepted_at": pd.NaT}

    tx = pd.DataFrame([row(10, "P"), row(12, "S"), row(15, "P"), row(16, "P"), row(18, "P")])
    ev = pd.DataFrame({"ticker": "AAA", "date": dates[[15, 16, 18]], "direction": "buy"}, index=[7, 8, 9])
    tr = insider_track_record(ev, tx, panel, window=(0, 5))
    assert tr["track_n"].tolist() == [0, 1, 2]  # day 15: none closed; 16: the buy of day 10; 18: and the sale of 12
    car = 6 * (0.01 - 0.004)
    assert tr.loc[8, "track_car"] == pytest.approx(car, rel=1e-12)
    assert tr.loc[9, "track_car"] == pytest.approx((car - car) / 2, abs=1e-15)  # the sale's outcome is -car
    assert tr.loc[9, "track_hit"] == 0.5
    assert tr["days_since_previous"].tolist() == [(dates[15] - dates[12]).days, 1.0, 2.0]
