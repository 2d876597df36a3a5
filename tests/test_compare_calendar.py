"""compare() and calendar_time() against independent references (scipy, a hand-written sandwich, a per-day loop)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as st

import insider_kit as ik
from insider_kit.eventstudy.calendar import portfolio_returns
from insider_kit.prices.panel import ReturnsPanel


def _panel(T: int = 700, N: int = 40, seed: int = 1, effect: float = 0.0) -> tuple[ReturnsPanel, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-01", periods=T)
    m = rng.normal(0.0004, 0.01, T)
    beta = rng.uniform(0.5, 1.5, N)
    R = beta * m[:, None] + rng.normal(0, 0.02, (T, N))
    tickers = pd.Index([f"T{i:02d}" for i in range(N)])
    n_ev = 300
    ev = pd.DataFrame({"ticker": tickers[rng.integers(0, N, n_ev)], "date": dates[rng.integers(260, T - 70, n_ev)],
                       "direction": np.where(rng.random(n_ev) < 0.4, "buy", "sell")})
    if effect:
        for _, e in ev[ev["direction"] == "buy"].iterrows():
            d = dates.get_loc(e["date"])
            R[d:d + 20, tickers.get_loc(e["ticker"])] += effect / 20
    f = pd.DataFrame({"mkt_rf": m - 0.0001, "smb": rng.normal(0, 0.005, T), "hml": rng.normal(0, 0.005, T),
                      "rf": 0.0001}, index=dates)
    return ReturnsPanel(R, dates, tickers, m, "MKT", f), ev


def test_compare_matches_scipy_welch_and_the_regression_is_the_mean_difference() -> None:
    panel, ev = _panel(effect=0.05)
    res = ik.event_study(ev, panel, group="direction", window=(-5, 30), car_windows=[(0, 20)])
    c = ik.compare(res, by="direction", a="buy", b="sell", sign={"sell": -1}, cluster=(), n_boot=500)
    car = res.car[(0, 20)].to_numpy()
    d = res.events["direction"].to_numpy()
    x, y = car[d == "buy"], -car[d == "sell"]
    ref = st.ttest_ind(x, y, equal_var=False)
    assert c.welch_t == pytest.approx(ref.statistic, rel=1e-10) and c.welch_p == pytest.approx(ref.pvalue, rel=1e-8)
    assert c.diff == pytest.approx(x.mean() - y.mean(), rel=1e-12)
    assert c.reg_coef == pytest.approx(c.diff, rel=1e-9)  # a dummy regression estimates the difference of means
    assert c.boot_low < c.diff < c.boot_high
    se_normal = np.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
    assert (c.boot_high - c.boot_low) == pytest.approx(2 * 1.96 * se_normal, rel=0.2)  # bootstrap ~ normal width
    assert c.diff > 0.02 and c.welch_p < 0.01  # the planted 5% effect is found
    by_labels = ik.compare(res, by=d, a="buy", b="sell", sign={"sell": -1}, cluster=(), n_boot=500)
    assert by_labels.welch_t == c.welch_t and by_labels.boot_low == c.boot_low  # labels instead of a column
    assert "labels" not in res.events.columns


def test_compare_firm_clustered_standard_error_matches_a_hand_written_sandwich() -> None:
    panel, ev = _panel()
    res = ik.event_study(ev, panel, group="direction", window=(-5, 30), car_windows=[(0, 20)])
    c = ik.compare(res, by="direction", a="buy", b="sell", cluster=("firm",), n_boot=200)
    y = res.car[(0, 20)].to_numpy()
    X = np.column_stack([np.ones(len(y)), (res.events["direction"] == "buy").to_numpy(float)])
    g = pd.factorize(res.events["ticker"])[0]
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    u = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    meat = sum(np.outer(X[g == k].T @ u[g == k], X[g == k].T @ u[g == k]) for k in np.unique(g))
    G, n, k = len(np.unique(g)), len(y), X.shape[1]
    V = bread @ meat @ bread * G / (G - 1) * (n - 1) / (n - k)  # Stata's small-sample correction
    assert c.reg_se == pytest.approx(np.sqrt(V[1, 1]), rel=1e-8)


def test_compare_errors_name_the_problem() -> None:
    panel, ev = _panel()
    res = ik.event_study(ev, panel, group="direction", window=(-5, 30), car_windows=[(0, 20)])
    with pytest.raises(ik.DataError, match="nope"):
        ik.compare(res, by="direction", a="nope")
    with pytest.raises(ik.DataError, match=r"\(\+0,\+60\) was not computed"):
        ik.compare(res, by="direction", window=(0, 60))


def test_portfolio_returns_match_a_per_day_loop() -> None:
    panel, ev = _panel(T=400, N=12)
    ev = ev[ev["date"] < panel.dates[330]]
    vals = panel.values.copy()
    vals[np.random.default_rng(3).random(vals.shape) < 0.05] = np.nan
    panel = dataclasses.replace(panel, values=vals)
    size = pd.Series(np.arange(1, 13, dtype=float), index=panel.tickers)
    for weighting in ("equal", "value"):
        r, n = portfolio_returns(ev, panel, holding=(1, 20), weighting=weighting, size=size)  # type: ignore[arg-type]
        d0 = np.searchsorted(panel.dates, ev["date"])
        for t in range(0, 400, 7):
            held = {tk for tk, d in zip(ev["ticker"], d0, strict=True) if d + 1 <= t <= d + 20}
            vals = [(panel.values[t, panel.tickers.get_loc(tk)], size[tk]) for tk in held]
            vals = [(v, w) for v, w in vals if np.isfinite(v)]
            if not vals:
                assert np.isnan(r.iloc[t]) and n.iloc[t] == 0
                continue
            v, w = np.array(vals).T
            ref = v.mean() if weighting == "equal" else (v * w).sum() / w.sum()
            assert r.iloc[t] == pytest.approx(ref, rel=1e-12) and n.iloc[t] == len(vals)


def test_calendar_time_alpha_matches_statsmodels_hac_and_finds_a_planted_effect() -> None:
    panel, ev = _panel(effect=0.08)
    ct = ik.calendar_time(ev, panel, holding=(0, 19), model="ff3", min_firms=1, lags=5)
    r, _ = portfolio_returns(ev[ev["direction"] == "buy"], panel, holding=(0, 19))
    F = panel.factors
    assert F is not None
    y = r - F["rf"]
    X = sm.add_constant(F[["mkt_rf", "smb", "hml"]])
    ok = y.notna()
    fit = sm.OLS(y[ok], X[ok]).fit(cov_type="HAC", cov_kwds={"maxlags": 5})
    assert ct.table.loc["long", "alpha_daily"] == pytest.approx(fit.params["const"], rel=1e-9)
    assert ct.table.loc["long", "t_nw"] == pytest.approx(fit.tvalues["const"], rel=1e-9)
    # planted: +8% over 20 days = +0.4%/day on held firms
    assert ct.table.loc["long", "alpha_daily"] == pytest.approx(0.004, abs=0.0015)
    assert abs(ct.table.loc["short", "t_nw"]) < 3
    assert ct.table.loc["long_short", "t_nw"] > 3


def test_value_weighting_without_size_says_so() -> None:
    panel, ev = _panel()
    with pytest.raises(ik.DataError, match="size proxy"):
        ik.calendar_time(ev, panel, weighting="value")


@pytest.mark.slow
def test_null_rejection_rate_is_near_five_percent() -> None:
    """Size of the cross-sectional t and BMP tests under no effect: 5% rejections at 5% (binomial bounds)."""
    rng = np.random.default_rng(7)
    T, N, reps, n_ev = 1500, 200, 200, 60
    m = rng.normal(0.0003, 0.01, T)
    R = rng.uniform(0.5, 1.5, N) * m[:, None] + rng.standard_t(5, (T, N)) * 0.015
    panel = ReturnsPanel(R, pd.bdate_range("2010-01-01", periods=T), pd.Index([f"S{i}" for i in range(N)]), m, "M")
    rows = []
    for k in range(reps):
        rows.append(pd.DataFrame({"ticker": panel.tickers[rng.integers(0, N, n_ev)],
                                  "date": panel.dates[rng.integers(260, T - 30, n_ev)], "rep": str(k)}))
    ev = pd.concat(rows, ignore_index=True)
    res = ik.event_study(ev, panel, group="rep", window=(-5, 20), car_windows=[(0, 10)])
    p_cs = res.tests["p_cs"].to_numpy()
    rate = (p_cs < 0.05).mean()
    lo, hi = st.binom.ppf([0.001, 0.999], reps, 0.05) / reps
    assert lo <= rate <= hi, rate
    bmp_p = 2 * st.norm.sf(np.abs(res.tests["bmp_t"].to_numpy()))
    assert lo <= (bmp_p < 0.05).mean() <= hi


def test_bootstrap_kernel_resamples_uniformly_and_reproducibly() -> None:
    """The compiled percentile bootstrap draws each element with probability 1/n (chi-square test on the draws
    of a one-hot x), its resample means have the mean and variance of the nonparametric bootstrap, and a seed
    gives the same resamples however many are asked for."""
    from scipy import stats

    from insider_kit.eventstudy._kernels import bootstrap_means

    n, B = 7, 40_000  # (7: draws from the four-at-a-time loop and from the tail)
    counts = np.empty(n)
    for j in range(n):  # x = e_j: each resample mean is (draws of element j) / n
        out = np.empty(B)
        bootstrap_means(np.eye(n)[j], B, 11, out)
        counts[j] = out.sum() * n
    chi2 = stats.chisquare(counts, np.full(n, B * n / n))
    assert chi2.pvalue > 1e-3, chi2
    rng = np.random.default_rng(5)
    x = rng.standard_t(4, 2_001)
    out = np.empty(B)
    bootstrap_means(x, B, 99, out)
    var = x.var() / len(x)  # the bootstrap variance of a mean: the plug-in variance over n
    assert abs(out.mean() - x.mean()) < 4 * np.sqrt(var / B)
    assert out.var() == pytest.approx(var, rel=4 * np.sqrt(2 / B))
    few = np.empty(10)
    bootstrap_means(x, 10, 99, few)
    assert np.array_equal(few, out[:10])
