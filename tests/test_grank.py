"""The statistics added for issue #37 against slow references written from the papers: GRANK (Kolari & Pynnönen
2011), the bootstrapped skewness-adjusted t (Lyon, Barber & Tsai 1999), the five-factor model (Fama & French
2015) against per-event statsmodels OLS, and Cowan's per-firm sign test."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as st

import insider_kit as ik
from insider_kit.eventstudy import reference as R
from insider_kit.eventstudy import stats as S
from insider_kit.prices import returns_panel


def _panel(seed: int = 0, T: int = 700, K: int = 40, miss: float = 0.02):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2012-01-02", periods=T)
    m = rng.normal(0.0003, 0.01, T)
    R_ = 0.0001 + rng.uniform(0.5, 1.5, K) * m[:, None] + rng.standard_t(4, (T, K)) * 0.012
    R_[rng.random((T, K)) < miss] = np.nan
    panel = returns_panel(pd.DataFrame(R_, index=dates, columns=[f"G{i:02d}" for i in range(K)]),
                          market=pd.Series(m, index=dates, name="MKT"), kind="return")
    return panel, rng


def _slow_grank(panel, ev: pd.DataFrame, est: tuple[int, int], window: tuple[int, int]) -> tuple[float, float]:
    """GRANK from the paper, one event at a time: the market model by OLS (statsmodels) on the estimation days,
    SAR = residual / sigma, the CAR's variance by Campbell, Lo & MacKinlay (eq. 4.4.14), SCAR* = SCAR over the
    cross-sectional sd of the SCARs; each event's SARs and SCAR* ranked together (scipy's mid-ranks),
    U = rank / (T_i + 1) - 1/2; then Kolari & Pynnönen's (2011) Z and t."""
    sars, scars = [], []
    a, b = window
    for _, r in ev.iterrows():
        d0 = panel.dates.searchsorted(r["date"])
        j = list(panel.tickers).index(r["ticker"])
        pad = max(0, -(d0 + est[0]))  # days of the estimation window before the data: missing
        y = np.r_[np.full(pad, np.nan), panel.values[max(0, d0 + est[0]): d0 + est[1] + 1, j]]
        x = np.r_[np.full(pad, np.nan), panel.market[max(0, d0 + est[0]): d0 + est[1] + 1]]
        ok = np.isfinite(y)
        fit = sm.OLS(y[ok], sm.add_constant(x[ok])).fit()
        s2 = fit.mse_resid
        sar = np.full(len(y), np.nan)
        sar[ok] = fit.resid / np.sqrt(s2)
        yw, xw = panel.values[d0 + a: d0 + b + 1, j], panel.market[d0 + a: d0 + b + 1]
        car = np.nansum(yw - fit.params[0] - fit.params[1] * xw)
        L, n = b - a + 1, ok.sum()
        xe = x[ok]
        var = s2 * (L + L**2 / n + (xw.sum() - L * xe.mean()) ** 2 / ((xe - xe.mean()) ** 2).sum())
        sars.append(sar)
        scars.append(car / np.sqrt(var))
    scars_ = np.array(scars)
    star = scars_ / scars_.std(ddof=1)
    U = np.full((len(ev), len(sars[0]) + 1), np.nan)
    for i, (sar, s) in enumerate(zip(sars, star, strict=True)):
        f = np.isfinite(sar)
        vals = np.r_[sar[f], s]
        u = st.rankdata(vals) / (len(vals) + 1) - 0.5
        U[i, np.flatnonzero(f)] = u[:-1]
        U[i, -1] = u[-1]
    n_t = np.isfinite(U).sum(axis=0)
    ubar = np.nanmean(U, axis=0)
    n = n_t[-1]
    T = int((n_t > 0).sum())
    S_u = np.sqrt(np.sum(n_t / n * ubar**2) / T)
    Z = ubar[-1] / S_u
    t = Z * np.sqrt((T - 2) / (T - 1 - Z**2))
    return t, 2 * st.t.sf(abs(t), T - 2)


@pytest.mark.nojit
def test_grank_equals_a_slow_reference_from_the_paper() -> None:
    panel, rng = _panel(1, K=60)
    n = 45
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, n, replace=False),
                       "date": panel.dates[rng.integers(300, 650, n)]})
    ev.loc[:10, "date"] = panel.dates[400]  # some on one date
    ev.loc[40:, "date"] = panel.dates[150]  # and some whose estimation window starts before the data
    for window in ((0, 0), (0, 5), (-1, 10)):
        res = ik.event_study(ev, panel, window=(-5, 20), car_windows=[window], grank=True, min_estimation=100)
        assert (res.events["n_est"] < 200).sum() >= 5
        ref_t, ref_p = _slow_grank(panel, res.events, (-250, -21), window)
        row = res.tests.iloc[0]
        assert row["grank_t"] == pytest.approx(ref_t, rel=1e-9, abs=1e-12), window
        assert row["p_grank"] == pytest.approx(ref_p, rel=1e-9, abs=1e-14), window


def test_grank_sums_equal_the_per_event_definition_with_ties_and_gaps() -> None:
    rng = np.random.default_rng(3)
    n, L, W, G = 60, 40, 3, 4
    sar = np.round(rng.normal(size=(n, L)), 1)  # ties inside an event and with its SCAR*
    sar[rng.random((n, L)) < 0.1] = np.nan
    star = np.round(rng.normal(size=(n, W)), 1)
    star[rng.random((n, W)) < 0.1] = np.nan
    codes = rng.integers(0, G, n)
    got = S.grank_sums(sar, star, codes, G)
    sums, cnts = np.zeros((G, W, L + 1)), np.zeros((G, W, L + 1))
    for i in range(n):
        for w in range(W):
            if not np.isfinite(star[i, w]):
                continue
            u, u0 = R.generalized_ranks(sar[i], star[i, w])
            f = np.isfinite(u)
            sums[codes[i], w, :L][f] += u[f]
            cnts[codes[i], w, :L][f] += 1
            sums[codes[i], w, L] += u0
            cnts[codes[i], w, L] += 1
    np.testing.assert_allclose(got.sums, sums, atol=1e-12)
    np.testing.assert_array_equal(got.counts, cnts)


def test_grank_is_opt_in_on_large_studies_and_nan_without_it() -> None:
    panel, rng = _panel(2, K=20)
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, 30), "date": panel.dates[rng.integers(300, 650, 30)]})
    off = ik.event_study(ev, panel, window=(-5, 20), car_windows=[(0, 5)], grank=False)
    assert np.isnan(off.tests["grank_t"]).all()
    assert (off.tests["recommended"] != "grank_t").all()  # a statistic not computed is never recommended
    on = ik.event_study(ev, panel, window=(-5, 20), car_windows=[(0, 5)])  # small: computed by default
    assert np.isfinite(on.tests["grank_t"]).all()


def test_bootstrapped_skewness_adjusted_p_equals_a_slow_loop_within_monte_carlo_error() -> None:
    """Lyon, Barber & Tsai (1999): resamples of N/4 drawn with replacement, t_sa of each centred at the sample
    mean, the sample's t_sa placed in that distribution.  Reference: the same procedure as a plain loop with
    scipy's skewness (bias=True: sum (x - mean)^3 / (n s^3) with the ddof-1 s as in the paper's gamma hat uses
    ... computed here by hand), another seed; the two p's agree within their Monte Carlo error."""
    x = np.random.default_rng(5).lognormal(0, 1.0, 240) - np.exp(0.5) + 0.12  # right-skewed BHAR-like sample
    B = 20_000
    t, p = R.bootstrap_skewness_p(x, resamples=B, rng=np.random.default_rng(11))
    n = len(x)
    S_ = x.mean() / x.std(ddof=1)
    g = ((x - x.mean()) ** 3).sum() / (n * x.std(ddof=1) ** 3)
    assert t == pytest.approx(np.sqrt(n) * (S_ + g * S_**2 / 3 + g / (6 * n)), rel=1e-12)
    rng = np.random.default_rng(99)
    nb = n // 4
    tb = np.empty(B)
    for b in range(B):
        xb = x[rng.integers(0, n, nb)]
        sb = xb.std(ddof=1)
        Sb = (xb.mean() - x.mean()) / sb
        gb = ((xb - xb.mean()) ** 3).sum() / (nb * sb**3)
        tb[b] = np.sqrt(nb) * (Sb + gb * Sb**2 / 3 + gb / (6 * nb))
    p_ref = 2 * min(np.mean(tb <= t), np.mean(tb >= t))
    assert abs(p - p_ref) < 4 * np.sqrt(2 * p_ref * (1 - p_ref) / B) + 1e-9, (p, p_ref)
    # and the normal critical values it replaces are not the same test on this skewed sample
    assert abs(p - float(R.normal_p(t))) > 0.005


def test_bootstrapped_p_in_the_engine_and_its_arguments() -> None:
    panel, rng = _panel(4, K=30)
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, 80), "date": panel.dates[rng.integers(300, 650, 80)]})
    res = ik.event_study(ev, panel, window=(-5, 20), car_windows=[(0, 20)], bhar=True, bootstrap=500, seed=3)
    x = res.bhar[(0, 20)].to_numpy()
    x = x[np.isfinite(x)]
    _, p = R.bootstrap_skewness_p(x, resamples=500, rng=np.random.default_rng([3, 0, 0]))
    assert res.tests["p_skew_boot"].iloc[0] == pytest.approx(p, rel=1e-12)
    with pytest.raises(ik.DataError, match="BHAR"):
        ik.event_study(ev, panel, window=(-5, 20), bootstrap=100)
    with pytest.raises(ik.DataError, match="sign_p"):
        ik.event_study(ev, panel, window=(-5, 20), sign_p="firm")  # type: ignore[arg-type]


@pytest.mark.nojit
def test_ff5_equals_per_event_statsmodels_ols() -> None:
    panel, rng = _panel(6, T=600)
    T = len(panel.dates)
    f = pd.DataFrame({"mkt_rf": panel.market - 0.0001, **{c: rng.normal(0, 0.005, T) for c in ("smb5", "hml", "rmw",
                                                                                                 "cma", "smb")},
                      "rf": 0.0001}, index=panel.dates)
    f.iloc[rng.integers(0, T, 15), 3] = np.nan  # missing factor days drop out of the fit
    panel = dataclasses.replace(panel, factors=f)
    ev = pd.DataFrame({"ticker": ["G03", "G07", "G11"], "date": panel.dates[[320, 400, 555]]})
    res = ik.event_study(ev, panel, model="ff5", window=(-5, 20), car_windows=[(0, 10), (0, 20)])
    cols = ["mkt_rf", "smb5", "hml", "rmw", "cma"]
    for i, r in ev.iterrows():
        d0 = panel.dates.searchsorted(r["date"])
        j = list(panel.tickers).index(r["ticker"])
        y = panel.values[d0 - 250: d0 - 20, j] - 0.0001
        X = sm.add_constant(f.iloc[d0 - 250: d0 - 20][cols].to_numpy())
        ok = np.isfinite(y) & np.isfinite(X).all(axis=1)
        fit = sm.OLS(y[ok], X[ok]).fit()
        yw = panel.values[d0 - 5: d0 + 21, j] - 0.0001
        Xw = sm.add_constant(f.iloc[d0 - 5: d0 + 21][cols].to_numpy(), has_constant="add")
        np.testing.assert_allclose(res.ar.loc[i], yw - Xw @ fit.params, atol=1e-10)
        assert res.events.loc[i, "sigma"] == pytest.approx(np.sqrt(fit.mse_resid), rel=1e-9)
        assert res.car.loc[i, (0, 20)] == pytest.approx(np.nansum((yw - Xw @ fit.params)[5:]), abs=1e-12)
    three = dataclasses.replace(panel, factors=f.drop(columns=["rmw", "cma", "smb5"]))
    with pytest.raises(ik.DataError, match="five-factor"):
        ik.event_study(ev, three, model="ff5", window=(-5, 20))


def test_sign_test_per_firm_is_cowans_average_of_each_events_share() -> None:
    panel, rng = _panel(7, K=30, miss=0.08)  # gaps: the events' estimation lengths differ
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, 70), "date": panel.dates[rng.integers(300, 650, 70)]})
    kw = {"window": (-5, 20), "car_windows": [(0, 5)], "model": "market_model"}
    pooled = ik.event_study(ev, panel, **kw).tests.iloc[0]
    per = ik.event_study(ev, panel, sign_p="per_firm", **kw).tests.iloc[0]
    res = ik.event_study(ev, panel, **kw)
    shares, n_days, n_pos = [], [], []
    for _, r in res.events.iterrows():
        d0 = panel.dates.searchsorted(r["day0"])
        j = list(panel.tickers).index(r["ticker"])
        y, x = panel.values[d0 - 250: d0 - 20, j], panel.market[d0 - 250: d0 - 20]
        ok = np.isfinite(y)
        e = sm.OLS(y[ok], sm.add_constant(x[ok])).fit().resid
        shares.append((e > 0).mean())
        n_days.append(len(e))
        n_pos.append((e > 0).sum())
    car = res.car[(0, 5)].to_numpy()
    w, N = (car > 0).sum(), len(car)
    for p0, row in ((np.mean(shares), per), (np.sum(n_pos) / np.sum(n_days), pooled)):
        assert row["sign_z"] == pytest.approx((w - N * p0) / np.sqrt(N * p0 * (1 - p0)), rel=1e-10)
    assert per["sign_z"] != pooled["sign_z"]


@pytest.mark.slow
def test_sizes_of_the_bootstrapped_skewness_adjusted_t_and_of_ff5_studies() -> None:
    """Sized by simulation (fixed seeds, binomial bands at 0.999): the bootstrapped skewness-adjusted t on
    right-skewed, mean-zero BHAR-like samples (Lyon, Barber & Tsai's case); and the cross-sectional t, BMP and
    GRANK of five-factor event studies on returns generated by five factors, with nothing planted."""
    reps = 400
    lo, hi = st.binom.ppf(0.0005, reps, 0.05) / reps, st.binom.ppf(0.9995, reps, 0.05) / reps
    rng = np.random.default_rng(0)
    rej = 0
    for _ in range(reps):
        x = rng.lognormal(0, 1.0, 200) - np.exp(0.5)
        rej += R.bootstrap_skewness_p(x, resamples=500, rng=rng)[1] < 0.05
    assert lo <= rej / reps <= hi, rej / reps
    T, N, n = 1100, 400, 50
    dates = pd.bdate_range("2010-01-04", periods=T)
    F = rng.normal(0, 0.006, (T, 5))
    F[:, 0] += 0.0003
    rf = np.full(T, 0.0001)
    R_ = rf[:, None] + F @ rng.uniform(-0.5, 1.4, (5, N)) + rng.normal(0, 0.015, (T, N))
    f = pd.DataFrame(F, index=dates, columns=["mkt_rf", "smb5", "hml", "rmw", "cma"]).assign(rf=rf)
    panel = dataclasses.replace(returns_panel(pd.DataFrame(R_, index=dates, columns=[f"F{i:03d}" for i in range(N)]),
                                              market=pd.Series(F[:, 0] + rf, index=dates), kind="return"), factors=f)
    ev = pd.DataFrame({"ticker": panel.tickers[np.concatenate([rng.choice(N, n, replace=False) for _ in range(reps)])],
                       "date": dates[rng.integers(260, T - 30, reps * n)], "rep": np.repeat(np.arange(reps), n).astype(str)})
    t = ik.event_study(ev, panel, model="ff5", group="rep", window=(-5, 10), car_windows=[(0, 10)], grank=True).tests
    for col in ("p_cs", "p_bmp", "p_grank", "p_kp"):
        assert lo <= (t[col] < 0.05).mean() <= hi, (col, (t[col] < 0.05).mean())


@pytest.mark.nojit
@pytest.mark.parametrize("model", ["market_model", "ff5", "market_adjusted"])
def test_patell_daily_convention_equals_statsmodels_prediction_errors(model: str) -> None:
    """``patell="daily"``: each window day's AR over statsmodels' prediction standard error of that day
    (``get_prediction(...).se_obs``), summed per event; Z = sum CSAR / sqrt(sum L_i (n_i-k)/(n_i-k-2)).  It
    equals the SCAR form when nothing is estimated (market-adjusted) and no window day is missing, and differs
    from it otherwise."""
    panel, rng = _panel(8, K=40, miss=0.0 if model == "market_adjusted" else 0.03)
    T = len(panel.dates)
    cols = ["mkt_rf", "smb5", "hml", "rmw", "cma"]
    f = pd.DataFrame({"mkt_rf": panel.market - 0.0001, **{c: rng.normal(0, 0.005, T) for c in cols[1:]}, "rf": 0.0001},
                     index=panel.dates)
    panel = dataclasses.replace(panel, factors=f)
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, 40, replace=False), "date": panel.dates[rng.integers(300, 650, 40)]})
    window = (0, 10)
    kw = {"model": model, "window": (-5, 20), "car_windows": [window]}
    daily = ik.event_study(ev, panel, patell="daily", **kw).tests.iloc[0]
    scar = ik.event_study(ev, panel, **kw).tests.iloc[0]
    res = ik.event_study(ev, panel, **kw)
    num, den = 0.0, 0.0
    for _, r in res.events.iterrows():
        d0 = panel.dates.searchsorted(r["day0"])
        j = list(panel.tickers).index(r["ticker"])
        if model == "market_adjusted":
            e = panel.values[d0 - 250: d0 - 20, j] - panel.market[d0 - 250: d0 - 20]
            e = e[np.isfinite(e)]
            s2, n, k = float(e @ e / len(e)), len(e), 0
            ar = panel.values[d0: d0 + 11, j] - panel.market[d0: d0 + 11]
            se = np.full(11, np.sqrt(s2))
        else:
            names = ["mkt_rf"] if model == "market_model" else cols
            off = 0.0 if model == "market_model" else 0.0001
            X = sm.add_constant(f.iloc[d0 - 250: d0 - 20][names].to_numpy()) if model != "market_model" else \
                sm.add_constant(panel.market[d0 - 250: d0 - 20])
            y = panel.values[d0 - 250: d0 - 20, j] - off
            ok = np.isfinite(y)
            fit = sm.OLS(y[ok], X[ok]).fit()
            Xw = sm.add_constant(f.iloc[d0: d0 + 11][names].to_numpy(), has_constant="add") if model != "market_model" \
                else sm.add_constant(panel.market[d0: d0 + 11], has_constant="add")
            ar = panel.values[d0: d0 + 11, j] - off - Xw @ fit.params
            se = fit.get_prediction(Xw).se_obs
            n, k = int(ok.sum()), X.shape[1]
        sar = ar / se
        num += np.nansum(sar)
        den += np.isfinite(sar).sum() * (n - k) / (n - k - 2)
    assert daily["patell_z"] == pytest.approx(num / np.sqrt(den), rel=1e-9)
    if model == "market_adjusted":
        assert daily["patell_z"] == pytest.approx(scar["patell_z"], rel=1e-9)
    else:
        assert abs(daily["patell_z"] - scar["patell_z"]) > 1e-6 * abs(scar["patell_z"])
    with pytest.raises(ik.DataError, match="patell"):
        ik.event_study(ev, panel, patell="sum", **kw)  # type: ignore[arg-type]
