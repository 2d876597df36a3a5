"""Event-study engine vs a slow, obviously-correct per-event statsmodels implementation; hand-computed tests."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as st

import insider_kit.errors as ik_errors
from insider_kit.errors import DataError, TooMuchDataLossError
from insider_kit.eventstudy import event_study
from insider_kit.eventstudy import stats as S
from insider_kit.prices import returns_panel


def make_panel(seed: int = 0, T: int = 600, K: int = 30, miss: float = 0.03):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2016-01-04", periods=T)
    m = rng.normal(0.0003, 0.01, T)
    R = 0.0001 + rng.uniform(0.5, 1.5, K) * m[:, None] + rng.standard_t(4, (T, K)) * 0.012
    R[rng.random((T, K)) < miss] = np.nan
    rets = pd.DataFrame(R, index=dates, columns=[f"Z{i:02d}" for i in range(K)])
    panel = returns_panel(rets, market=pd.Series(m, index=dates, name="MKT"), kind="return")
    return panel, rng


def reference(panel, ticker, date, est=(-250, -21), win=(-20, 120), windows=((0, 5), (-1, 1))):
    """Per-event OLS with statsmodels: the slow, obviously-correct implementation."""
    d0 = panel.dates.searchsorted(pd.Timestamp(date))
    j = list(panel.tickers).index(ticker)
    y = panel.values[d0 + est[0]: d0 + est[1] + 1, j]
    x = panel.market[d0 + est[0]: d0 + est[1] + 1]
    ok = np.isfinite(y) & np.isfinite(x)
    fit = sm.OLS(y[ok], sm.add_constant(x[ok])).fit()
    a, b = fit.params
    yw = panel.values[d0 + win[0]: d0 + win[1] + 1, j]
    xw = panel.market[d0 + win[0]: d0 + win[1] + 1]
    ar = yw - a - b * xw
    cars = {w: np.nansum(ar[w[0] - win[0]: w[1] - win[0] + 1]) for w in windows}
    return ar, cars, np.sqrt(fit.mse_resid), int(ok.sum())


@pytest.mark.nojit
def test_engine_matches_statsmodels_per_event_with_gaps_and_edges() -> None:
    panel, rng = make_panel()
    T = len(panel.dates)
    # include events right at the usable edges: earliest day0 = 250, latest = T-121
    d = np.r_[rng.integers(250, T - 121, 60), 250, T - 121]
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, len(d)), "date": panel.dates[d]})
    res = event_study(ev, panel, car_windows=[(0, 5), (-1, 1)], min_estimation=100, max_loss=None)
    assert len(res.events) == len(ev)
    assert sorted(res.events.index) == list(ev.index)  # rows keep the caller's index labels
    for i, r in ev.iterrows():
        ar_ref, cars, sigma, n = reference(panel, r["ticker"], r["date"])
        np.testing.assert_allclose(res.ar.loc[i].to_numpy(), ar_ref, rtol=0, atol=1e-9, equal_nan=True)
        assert res.car.loc[i, (0, 5)] == pytest.approx(cars[(0, 5)], abs=1e-9)
        assert res.car.loc[i, (-1, 1)] == pytest.approx(cars[(-1, 1)], abs=1e-9)
        assert res.events.loc[i, "sigma"] == pytest.approx(sigma, rel=1e-9)
        assert res.events.loc[i, "n_est"] == n
    # an event's numbers do not depend on the other events of the study (chunks, order, threads)
    few = event_study(ev.iloc[[5, 2]], panel, car_windows=[(0, 5), (-1, 1)], min_estimation=100, max_loss=None)
    np.testing.assert_array_equal(few.ar.to_numpy(), res.ar.loc[few.events.index].to_numpy())


def test_dropped_events_have_reasons_and_max_loss() -> None:
    panel, _ = make_panel(T=400)
    ev = pd.DataFrame({"ticker": ["Z01", "NOPE", "Z02", "Z03", "Z04"],
                       "date": [panel.dates[300], panel.dates[300], panel.dates[15], panel.dates[-10], "2030-01-01"]})
    res = event_study(ev, panel, window=(-5, 20), max_loss=None)
    reasons = dict(zip(res.dropped["ticker"], res.dropped["reason"], strict=True))
    assert reasons == {"NOPE": "no prices for ticker", "Z02": "estimation window ends before the data (no estimation day)",
                       "Z03": "event window runs beyond the returns panel's last date",
                       "Z04": "event date after the stock's last price"}
    assert len(res.events) == 1
    with pytest.raises(TooMuchDataLossError, match="4 of 5 events dropped"):
        event_study(ev, panel, window=(-5, 20), max_loss=0.5)
    with pytest.raises(DataError, match="'date' does not hold dates"):
        event_study(ev.assign(date="not a date"), panel, window=(-5, 20), max_loss=None)


def test_used_and_dropped_events_keep_the_callers_rows_and_leave_them_alone() -> None:
    """``events`` and ``dropped`` are the caller's rows (every column, its index labels) with the engine's columns
    added, and together they are every input row once; the caller's frame is not changed, and setting a column of
    a result's frame raises no SettingWithCopyWarning (a silent partial write)."""
    import warnings

    panel, _ = make_panel(T=400)
    ev = pd.DataFrame({"ticker": ["Z01", "NOPE", "Z02", "Z03", "Z01"], "note": list("abcde"),
                       "date": [panel.dates[300], panel.dates[300], panel.dates[100], panel.dates[-10],
                                panel.dates[320]]}, index=[10, 11, 12, 13, 14])
    before = ev.copy()
    res = event_study(ev, panel, window=(-5, 20), max_loss=None)
    assert sorted([*res.events.index, *res.dropped.index]) == list(ev.index)
    pd.testing.assert_frame_equal(res.events[ev.columns], ev.loc[res.events.index])
    pd.testing.assert_frame_equal(res.dropped[ev.columns], ev.loc[res.dropped.index])
    assert list(res.events.columns) == [*ev.columns, "day0", "n_est", "sigma"]
    assert list(res.dropped.columns) == [*ev.columns, "reason"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res.events["extra"] = 1.0
        res.dropped["extra"] = 1.0
    pd.testing.assert_frame_equal(ev, before)


def test_min_estimation_drops_sparse_events() -> None:
    panel, _ = make_panel(T=400, miss=0.6)
    ev = pd.DataFrame({"ticker": ["Z01"], "date": [panel.dates[300]]})
    with pytest.raises(DataError, match="too little estimation data"):
        event_study(ev, panel, window=(-5, 20), min_estimation=200, max_loss=None)


def test_models_mean_and_market_adjusted_by_hand() -> None:
    panel, _ = make_panel(T=400, miss=0.0)
    ev = pd.DataFrame({"ticker": ["Z05"], "date": [panel.dates[300]]})
    j = list(panel.tickers).index("Z05")
    ma = event_study(ev, panel, model="market_adjusted", window=(0, 3), car_windows=[(0, 3)])
    np.testing.assert_allclose(ma.ar.iloc[0], panel.values[300:304, j] - panel.market[300:304], atol=1e-12)
    mean = event_study(ev, panel, model="mean_adjusted", window=(0, 3), car_windows=[(0, 3)])
    mu = panel.values[50:280, j].mean()
    np.testing.assert_allclose(mean.ar.iloc[0], panel.values[300:304, j] - mu, atol=1e-12)


def test_factor_model_matches_statsmodels() -> None:
    panel, rng = make_panel(T=500, miss=0.02)
    f = pd.DataFrame({"mkt_rf": panel.market - 0.0001, "smb": rng.normal(0, 0.005, 500),
                      "hml": rng.normal(0, 0.005, 500), "mom": rng.normal(0, 0.005, 500), "rf": 0.0001},
                     index=panel.dates)
    panel = dataclasses.replace(panel, factors=f)
    ev = pd.DataFrame({"ticker": ["Z03", "Z07"], "date": [panel.dates[320], panel.dates[400]]})
    res = event_study(ev, panel, model="carhart", window=(0, 10), car_windows=[(0, 10)])
    for i, r in ev.iterrows():
        d0 = panel.dates.searchsorted(r["date"])
        j = list(panel.tickers).index(r["ticker"])
        y = panel.values[d0 - 250: d0 - 20, j] - 0.0001
        X = sm.add_constant(f.iloc[d0 - 250: d0 - 20][["mkt_rf", "smb", "hml", "mom"]].to_numpy())
        ok = np.isfinite(y)
        b = sm.OLS(y[ok], X[ok]).fit().params
        yw = panel.values[d0: d0 + 11, j] - 0.0001
        Xw = sm.add_constant(f.iloc[d0: d0 + 11][["mkt_rf", "smb", "hml", "mom"]].to_numpy(), has_constant="add")
        np.testing.assert_allclose(res.ar.loc[i], yw - Xw @ b, atol=1e-9)


def test_factor_model_fit_with_missing_factor_days_and_collinear_factors() -> None:
    """FF3 on a gappy panel whose factors also have missing days: ARs, sigma and the estimation days equal
    statsmodels' on the days where the return and every factor are known; a factor that is a multiple of
    another makes the fit singular, and the event is dropped with its own reason."""
    panel, rng = make_panel(seed=3, T=600, K=12, miss=0.05)
    f = pd.DataFrame({"mkt_rf": panel.market - 0.0001, "smb": rng.normal(0, 0.005, 600),
                      "hml": rng.normal(0, 0.005, 600), "rf": 0.0001}, index=panel.dates)
    f.iloc[rng.choice(600, 25, replace=False), 1] = np.nan  # smb unknown on 25 days
    panel = dataclasses.replace(panel, factors=f)
    n = 30
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, n), "date": panel.dates[rng.integers(260, 560, n)]})
    res = event_study(ev, panel, model="ff3", window=(-3, 30), car_windows=[(0, 30)], min_estimation=100)
    assert len(res.events) >= n - 3  # (the few dropped ones start before the data)
    X_all = f[["mkt_rf", "smb", "hml"]].to_numpy()
    for k, (i, r) in enumerate(res.events.iterrows()):
        d0 = panel.dates.searchsorted(r["date"])
        j = list(panel.tickers).index(r["ticker"])
        y = panel.values[d0 - 250: d0 - 20, j] - 0.0001
        X = X_all[d0 - 250: d0 - 20]
        ok = np.isfinite(y) & np.isfinite(X).all(1)
        fit = sm.OLS(y[ok], sm.add_constant(X[ok])).fit()
        yw = panel.values[d0 - 3: d0 + 31, j] - 0.0001
        ar_ref = yw - sm.add_constant(X_all[d0 - 3: d0 + 31], has_constant="add") @ fit.params
        np.testing.assert_allclose(res.ar.loc[i].to_numpy(), ar_ref, rtol=0, atol=1e-9, equal_nan=True)
        assert res.events["n_est"].iloc[k] == ok.sum()
        assert res.events["sigma"].iloc[k] == pytest.approx(np.sqrt(fit.mse_resid), rel=1e-9)
    # hml a multiple of smb until day 400: events whose estimation window ends before then cannot be fitted
    f2 = f.assign(hml=np.where(np.arange(600) < 400, 2.0 * f["smb"], f["hml"]))
    panel = dataclasses.replace(panel, factors=f2)
    mixed = event_study(ev, panel, model="ff3", window=(-3, 30), car_windows=[(0, 30)], min_estimation=100,
                        max_loss=None, tests=False)
    day0 = panel.dates.searchsorted(ev["date"])
    collinear = ev.index[day0 - 20 < 400]
    assert len(collinear) and len(mixed.events)
    assert (mixed.dropped.loc[collinear, "reason"] == "return model could not be fitted (collinear regressors)").all()
    assert not mixed.events.index.isin(collinear).any()


# --------------------------------------------------------------------------- hand-computed statistics
def test_cross_sectional_t_hand() -> None:
    car = np.array([0.01, 0.03, -0.01, 0.05])
    mean, sd = 0.02, np.sqrt(((-0.01) ** 2 + 0.01**2 + 0.03**2 + 0.03**2) / 3)
    t, p = S.cross_sectional_t(car)
    assert t == pytest.approx(mean / (sd / 2))
    assert p == pytest.approx(2 * st.t.sf(abs(mean / (sd / 2)), 3))


def test_patell_bmp_kp_sign_skew_hand() -> None:
    scar = np.array([1.0, 2.0, -0.5, 1.5])
    n_est = np.array([102, 102, 102, 102])
    z, _ = S.patell_z(scar, n_est, k_params=2)
    assert z == pytest.approx(4.0 / np.sqrt(4 * 100 / 98))
    t_b, _ = S.bmp_t(scar)
    assert t_b == pytest.approx(scar.mean() / (scar.std(ddof=1) / 2))
    t_kp, _ = S.kolari_pynnonen_t(3.0, 10, 0.1)
    assert t_kp == pytest.approx(3.0 * np.sqrt(0.9 / 1.9))
    resid = np.array([[0.1, -0.2, 0.3, 0.4]])  # 3 of 4 positive: p = 0.75
    zs, _ = S.generalized_sign_z(np.array([0.1, 0.2, -0.1, 0.3]), resid)
    assert zs == pytest.approx((3 - 4 * 0.75) / np.sqrt(4 * 0.75 * 0.25))
    x = np.array([0.1, -0.05, 0.2, 0.0, 0.4])
    sd = x.std(ddof=1)
    Sx, g = x.mean() / sd, ((x - x.mean()) ** 3).sum() / (5 * sd**3)
    t_sa, _ = S.skewness_adjusted_t(x)
    assert t_sa == pytest.approx(np.sqrt(5) * (Sx + g * Sx**2 / 3 + g / 30))


def test_corrado_rank_hand() -> None:
    # two events, 3 estimation + 1 window day; each event's window AR is its largest value
    resid = np.array([[0.1, 0.2, 0.3], [-1.0, 0.0, 1.0]])
    win = np.array([[0.5], [2.0]])
    U = np.array([[1, 2, 3, 4], [1, 2, 3, 4]]) / 5 - 0.5
    Ubar = U.mean(0)
    expected = Ubar[-1] / np.sqrt(np.mean(Ubar**2))
    assert S.corrado_rank_z(resid, win) == pytest.approx(expected)


def test_mean_residual_correlation_uses_calendar_alignment() -> None:
    rng = np.random.default_rng(3)
    common = rng.normal(size=300)
    # event B's estimation window starts 50 days after A's: aligned residuals share `common`
    a = common[0:200] + 0.5 * rng.normal(size=200)
    b = common[50:250] + 0.5 * rng.normal(size=200)
    r = S.mean_residual_correlation(np.vstack([a, b]), np.array([0, 50]), pairs=10, rng=rng)
    assert r == pytest.approx(np.corrcoef(a[50:], b[:150])[0, 1])
    assert r > 0.6


def test_caar_band_and_groups() -> None:
    panel, rng = make_panel()
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, 80), "date": panel.dates[rng.integers(260, 470, 80)],
                       "side": rng.choice(["buy", "sell"], 80)})
    res = event_study(ev, panel, group="side", window=(-5, 20), car_windows=[(0, 20)])
    c = res.caar(start=0)
    last = c[(c["group"] == "buy") & (c["rel_day"] == 20)].iloc[0]
    cars = res.car.loc[res.groups.to_numpy() == "buy", (0, 20)]
    assert last["caar"] == pytest.approx(cars.mean(), abs=1e-12)
    assert res.tests.loc[("buy", 0, 20), "n"] == len(cars)
    assert set(res.aar.columns) == {"buy", "sell"}
    assert "Event study" in res._repr_html_()


def test_mean_residual_correlation_matches_a_pair_loop() -> None:
    """The vectorised pair computation equals a slow loop over all pairs (gaps and partial overlaps included)."""
    rng = np.random.default_rng(5)
    common = rng.normal(size=600)
    starts = np.array([0, 17, 60, 150, 151, 300, 390])
    L = 200
    resid = np.vstack([common[s:s + L] + rng.normal(size=L) for s in starts])
    resid[rng.random(resid.shape) < 0.1] = np.nan
    got = S.mean_residual_correlation(resid, starts, pairs=10_000, rng=rng)
    rs = []
    for i in range(len(starts)):
        for k in range(i + 1, len(starts)):
            off = starts[k] - starts[i]
            if abs(off) >= L:
                continue  # no common calendar days
            xi = resid[i, max(0, off):L + min(0, off)]
            xk = resid[k, max(0, -off):L - max(0, off)]
            m = np.isfinite(xi) & np.isfinite(xk)
            if m.sum() >= 30:
                rs.append(np.corrcoef(xi[m], xk[m])[0, 1])
    assert got == pytest.approx(np.mean(rs), rel=1e-12)


# --------------------------------------------------------------------------- the compiled path vs plain references
def _pair_overlap(day0: np.ndarray, L: int) -> float:
    """Mean over pairs of the share of their L-day windows on common calendar days, by a loop over pairs."""
    sh = [max(0, L - abs(int(a) - int(b))) / L for i, a in enumerate(day0) for b in day0[i + 1:]]
    return float(np.mean(sh))


def _plain_table(panel, res, est=(-250, -21)):
    """Every statistic of ``res.tests`` recomputed from per-event statsmodels fits, scipy's rankdata and
    wilcoxon, and the scalar functions of ``stats`` (one group at a time, no shared code with the kernels)."""
    rows = {}
    w0 = int(res.rel_days[0])
    for g in res.group_labels:
        sel = (res.groups == g).to_numpy()
        evs = res.events[sel]
        resid, wins = [], []
        for _, r in evs.iterrows():
            d0 = panel.dates.searchsorted(pd.Timestamp(r["date"]))
            j = list(panel.tickers).index(r["ticker"])
            y = panel.values[d0 + est[0]: d0 + est[1] + 1, j]
            x = panel.market[d0 + est[0]: d0 + est[1] + 1]
            ok = np.isfinite(y) & np.isfinite(x)
            a, b = sm.OLS(y[ok], sm.add_constant(x[ok])).fit().params
            e = y - a - b * x
            resid.append(np.where(ok, e, np.nan))
            wins.append(panel.values[d0 + w0: d0 + res.rel_days[-1] + 1, j] - a - b *
                        panel.market[d0 + w0: d0 + res.rel_days[-1] + 1])
        resid, wins = np.array(resid), np.array(wins)
        starts = panel.dates.searchsorted(pd.to_datetime(evs["date"])) + est[0]
        for c in res.car_windows:
            car = np.nansum(wins[:, c[0] - w0: c[1] - w0 + 1], axis=1)
            scar = res.scar[c].to_numpy()[sel]
            t_b, _ = S.bmp_t(scar)
            rbar = S.mean_residual_correlation(resid, starts, pairs=10**9, rng=np.random.default_rng(0))
            # Corrado: rank each event's residuals and window ARs together (scipy mid-ranks), average per day
            U = []
            for e, w in zip(resid, wins, strict=True):
                v = np.r_[e, w]
                f = np.isfinite(v)
                u = np.full(len(v), np.nan)
                u[f] = st.rankdata(v[f]) / (f.sum() + 1) - 0.5
                U.append(u)
            ubar = np.nanmean(np.array(U), axis=0)
            L_est = resid.shape[1]
            rows[(g, c[0], c[1])] = {
                "n": len(car), "mean_car": car.mean(), "median_car": np.median(car),
                "t_cs": S.cross_sectional_t(car)[0],
                "patell_z": S.patell_z(scar, res.events["n_est"].to_numpy()[sel], 2)[0], "bmp_t": t_b,
                "kp_t": S.kolari_pynnonen_t(t_b, len(car), rbar, _pair_overlap(starts - est[0], c[1] - c[0] + 1))[0],
                "rbar": rbar,
                "sign_z": S.generalized_sign_z(car, resid)[0],
                "rank_z": S.corrado_from_ubar(ubar, L_est + c[0] - w0, L_est + c[1] - w0 + 1),
                "p_wilcoxon": st.wilcoxon(car).pvalue,
            }
    return pd.DataFrame(rows).T


@pytest.mark.nojit
def test_test_table_matches_plain_references() -> None:
    panel, rng = make_panel(T=700, K=25, miss=0.04)
    n = 140  # > 50 per group: the Wilcoxon normal approximation is the kit's own code
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, n), "date": panel.dates[rng.integers(260, 570, n)],
                       "side": np.where(rng.random(n) < 0.5, "buy", "sell")})
    res = event_study(ev, panel, group="side", window=(-5, 30), car_windows=[(0, 5), (-1, 1), (0, 30)],
                      min_estimation=100, kp_pairs=10**9)
    ref = _plain_table(panel, res)
    got = res.tests.loc[ref.index, ref.columns].astype(float)
    assert (res.tests["n"] > 50).all()
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(float), rtol=1e-7, atol=1e-12)


@pytest.mark.nojit
def test_rank_test_with_ties_uses_the_exact_path() -> None:
    """Raw returns with many exact zeros (stale prices): every event has ties, so every event goes
    through the exact mid-rank fallback, which must equal scipy's rankdata."""
    rng = np.random.default_rng(4)
    T, K = 500, 6
    dates = pd.bdate_range("2015-01-01", periods=T)
    R = np.round(rng.normal(0, 0.01, (T, K)), 3)  # a 0.1% tick: ties everywhere
    panel = returns_panel(pd.DataFrame(R, index=dates, columns=[f"Q{i}" for i in range(K)]),
                          market=pd.Series(R.mean(1), index=dates), kind="return")
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, 40), "date": dates[rng.integers(260, 480, 40)]})
    res = event_study(ev, panel, model="raw", window=(0, 10), car_windows=[(0, 10)], estimation=(-250, -21))
    assert res.meta["rank_exact_events"] == len(res.events)
    U = []
    for _, r in res.events.iterrows():
        d0 = dates.searchsorted(r["date"])
        j = list(panel.tickers).index(r["ticker"])
        v = np.r_[panel.values[d0 - 250: d0 - 20, j], panel.values[d0: d0 + 11, j]]
        U.append(st.rankdata(v) / (len(v) + 1) - 0.5)
    ubar = np.mean(U, axis=0)
    assert res.tests["rank_z"].iloc[0] == pytest.approx(S.corrado_from_ubar(ubar, 230, 241), rel=1e-12)


@pytest.mark.nojit
def test_tests_false_lazy_ar_and_cars_agree() -> None:
    panel, rng = make_panel(T=600, K=20)
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, 300), "date": panel.dates[rng.integers(260, 470, 300)]})
    full = event_study(ev, panel, window=(-5, 20), car_windows=[(0, 20), (-5, 5)])
    bare = event_study(ev, panel, window=(-5, 20), car_windows=[(0, 20), (-5, 5)], tests=False)
    np.testing.assert_array_equal(bare.car.to_numpy(), full.car.to_numpy())
    with pytest.raises(ik_errors.InsiderKitError, match="tests=False"):
        _ = bare.tests
    # the AR matrix, built on first use, sums to the CARs the kernel computed while fitting
    np.testing.assert_allclose(np.nansum(full.ar.to_numpy()[:, 5:], axis=1), full.car[(0, 20)].to_numpy(), rtol=0, atol=1e-15)
    np.testing.assert_allclose(np.nansum(full.ar.to_numpy()[:, :11], axis=1), full.car[(-5, 5)].to_numpy(), rtol=0, atol=1e-15)


def test_wilcoxon_p_matches_scipy_with_ties_and_zeros() -> None:
    rng = np.random.default_rng(8)
    for n in (60, 500, 5000):
        x = np.round(rng.normal(0.1, 1, n), 1)  # ties and exact zeros
        assert S.wilcoxon_p(x) == pytest.approx(st.wilcoxon(x, method="approx").pvalue, rel=1e-10)
    x = rng.normal(0.3, 1, 30)
    assert S.wilcoxon_p(x) == pytest.approx(st.wilcoxon(x).pvalue, rel=1e-12)  # small: scipy's exact test
    assert np.isnan(S.wilcoxon_p(x[:9]))


def test_day_index_table_path_equals_searchsorted() -> None:
    from insider_kit.days import day_index

    cal = pd.bdate_range("2001-01-01", periods=3000).delete([10, 11, 500])  # holidays
    rng = np.random.default_rng(1)
    d = pd.Series(pd.Timestamp("2000-06-01") + pd.to_timedelta(rng.integers(0, 5000, 50_000), unit="D")
                  + pd.to_timedelta(rng.integers(0, 3, 50_000) * 7, unit="h"))
    d[::97] = pd.NaT
    ref = np.searchsorted(cal.to_numpy(), d.to_numpy(), side="left")
    np.testing.assert_array_equal(day_index(cal, d), ref)  # > 10,000 dates: the lookup-table path
    np.testing.assert_array_equal(day_index(cal, d.iloc[:500]), ref[:500])  # binary search path


def test_panel_values_are_read_only_and_a_replaced_panel_gets_its_own_cache() -> None:
    from insider_kit.eventstudy import _panel_cache as PC

    panel, _ = make_panel(T=300, K=4)
    with pytest.raises(ValueError, match="read-only"):
        panel.values[0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        panel.values = panel.values.copy()  # type: ignore[misc]
    first = PC.by_ticker(panel)
    assert PC.by_ticker(panel) is first
    new = panel.values.copy()
    new[:, 0] = 0.5
    other = dataclasses.replace(panel, values=new)
    np.testing.assert_array_equal(PC.by_ticker(other)[0], 0.5)
    np.testing.assert_array_equal(PC.by_ticker(panel), panel.values.T)  # the first panel's copy is unchanged
    # the market is read-only too; its running sum and the calendar's day table belong to their panel
    with pytest.raises(ValueError, match="read-only"):
        panel.market[0] = 1.0
    assert PC.market_cumsum(panel) is PC.market_cumsum(panel)
    flat = dataclasses.replace(panel, market=np.full(len(panel.dates), 0.01))
    np.testing.assert_allclose(PC.market_cumsum(flat)[-1], 0.01 * len(panel.dates))
    probe = pd.Series(pd.to_datetime(["2016-01-09", "2016-03-01"]))  # a Saturday: the next trading day
    np.testing.assert_array_equal(PC.day_index(panel, probe), panel.dates.searchsorted(probe))
    later = dataclasses.replace(panel, dates=panel.dates + pd.Timedelta(days=7))
    np.testing.assert_array_equal(PC.day_index(later, probe), later.dates.searchsorted(probe))


# --------------------------------------------------------------------------- compiled helpers vs numpy / scipy
def _awkward_doubles(rng: np.random.Generator, n: int) -> np.ndarray:
    """Negatives, both zeros, exact ties, tiny (subnormal) and huge magnitudes."""
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-5, 5, n)
    x[rng.random(n) < 0.1] = 0.0
    x[rng.random(n) < 0.05] = -0.0
    x[rng.random(n) < 0.05] = 5e-324
    x[rng.random(n) < 0.05] = -1e300
    x[: n // 10] = np.round(x[: n // 10], 1)  # ties
    return x


def test_sort_finite_equals_numpy_sort() -> None:
    from insider_kit.eventstudy import _kernels as K

    rng = np.random.default_rng(11)
    for n in (0, 1, 2, 7, 1000, 50_000):
        x = _awkward_doubles(rng, n)
        v = x.copy()
        K.sort_finite(v, np.empty_like(v))
        np.testing.assert_array_equal(v, np.sort(x))  # -0.0 == 0.0, so only the order of values is checked
        assert np.array_equal(np.sort(v.view(np.int64)), np.sort(x.view(np.int64)))  # and no bits were lost
    v = np.full(100, 0.25)  # every digit shared: every pass skipped
    K.sort_finite(v, np.empty_like(v))
    np.testing.assert_array_equal(v, 0.25)


@pytest.mark.nojit
def test_wilcoxon_from_sorted_values_equals_scipy() -> None:
    rng = np.random.default_rng(12)
    for n in (51, 400, 20_000):
        x = np.round(rng.normal(0.05, 1, n), 1)  # ties across signs and exact zeros
        got = S._wilcoxon_p_sorted(np.sort(x))
        assert got == pytest.approx(st.wilcoxon(x, method="approx").pvalue, rel=1e-10)
        assert got == pytest.approx(S.wilcoxon_p(x), rel=1e-12)
    x = rng.normal(0.2, 1, 40)  # <= 50 values: scipy's exact test, as wilcoxon_p
    assert S._wilcoxon_p_sorted(np.sort(x)) == pytest.approx(st.wilcoxon(x).pvalue, rel=1e-12)
    assert np.isnan(S._wilcoxon_p_sorted(np.zeros(60)))  # nothing left once zeros are dropped


def test_finite_min_max_on_bit_patterns() -> None:
    from insider_kit.eventstudy._kernels import fit as K

    rng = np.random.default_rng(13)
    scratch = np.empty(2, dtype=np.int64)
    for _ in range(20):
        x = _awkward_doubles(rng, 311)
        x[rng.random(311) < 0.1] = np.nan
        x[rng.random(311) < 0.02] = np.inf
        x[rng.random(311) < 0.02] = -np.inf
        fin = x[np.isfinite(x)]
        assert K._finite_min_max(x, scratch) == (fin.min(), fin.max())
    assert K._finite_min_max(np.array([np.nan, np.inf, -np.inf]), scratch) == (np.inf, -np.inf)
    assert K._finite_min_max(np.array([-0.0, 2.0, -3.5]), scratch) == (-3.5, 2.0)


def test_group_kernels_equal_numpy_per_group() -> None:
    from insider_kit.eventstudy import _kernels as K

    rng = np.random.default_rng(14)
    N, W, G = 3000, 4, 3
    codes = rng.integers(0, G, N)
    X = rng.standard_t(3, (N, W))
    X[rng.random((N, W)) < 0.05] = np.nan
    ne = rng.integers(1, 250, N)
    n, mean, sd, m3, npos = (np.empty((G, W)) for _ in range(5))
    K.group_moments(codes, X, n, mean, sd, m3, npos)
    zs, vs = np.empty((G, W)), np.empty((G, W))
    K.patell_sums(codes, X, ne, 2, zs, vs)
    offsets = np.empty(G * W + 1, dtype=np.int64)
    vals = np.empty(int(np.isfinite(X).sum()))
    K.gather_finite(codes, X, G, offsets, vals)
    for g in range(G):
        for k in range(W):
            x = X[codes == g, k]
            f = x[np.isfinite(x)]
            assert n[g, k] == len(f) and npos[g, k] == (f > 0).sum()
            assert mean[g, k] == pytest.approx(f.mean(), rel=1e-12)
            assert sd[g, k] == pytest.approx(f.std(ddof=1), rel=1e-12)
            assert m3[g, k] == pytest.approx(((f - f.mean()) ** 3).sum(), rel=1e-9)
            np.testing.assert_array_equal(vals[offsets[g * W + k]: offsets[g * W + k + 1]], f)  # input order kept
            ok = np.isfinite(x) & (ne[codes == g] > 4)
            assert zs[g, k] == pytest.approx(x[ok].sum(), rel=1e-12)
            assert vs[g, k] == pytest.approx(((ne[codes == g][ok] - 2) / (ne[codes == g][ok] - 4)).sum(), rel=1e-12)


def test_ticker_lookup_fast_path_equals_get_indexer() -> None:
    from insider_kit.eventstudy.engine import _ticker_columns

    panel, rng = make_panel(T=300, K=30)
    asked = np.array([*rng.choice(panel.tickers, 200), "NOPE", None, np.nan, 3, "z00", "Z00 "], dtype=object)
    want = panel.tickers.get_indexer(pd.Index(asked))
    np.testing.assert_array_equal(_ticker_columns(panel, asked), want)
    assert (want[-6:] == -1).all()


def test_groups_without_tests_equal_the_eager_groups() -> None:
    panel, rng = make_panel(T=600, K=20)
    n = 300
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, n), "date": panel.dates[rng.integers(260, 470, n)],
                       "side": rng.choice(["c", "a", "b"], n)})
    ev.loc[0, ["ticker", "side"]] = ["NOPE", "first"]  # the group seen first in the input is dropped entirely
    eager = event_study(ev, panel, group="side", window=(-5, 20), car_windows=[(0, 20)])
    lazy = event_study(ev, panel, group="side", window=(-5, 20), car_windows=[(0, 20)], tests=False)
    first_seen = list(pd.unique(ev["side"].iloc[1:]))
    ev["side"] = "changed after the call"  # the lazy result keeps the groups as they were
    assert lazy.group_labels == eager.group_labels == first_seen
    np.testing.assert_array_equal(lazy.group_codes, eager.group_codes)
    pd.testing.assert_frame_equal(lazy.caar(), eager.caar())


@pytest.mark.nojit
def test_share_runs_every_chunk_exactly_once() -> None:
    from itertools import pairwise

    from insider_kit.eventstudy._kernels import share_chunks as _share

    def run_into(seen: list[tuple[int, int]]):
        def run(a: int, b: int) -> tuple[np.ndarray, np.ndarray, int]:
            seen.append((a, b))  # list.append is atomic
            return np.zeros(1), np.zeros(1), b - a
        return run

    for n, chunk in ((0, 4096), (1, 4096), (1023, 4096), (5000, 4096), (100_000, 4096), (100_000, 10**6)):
        seen: list[tuple[int, int]] = []
        parts = _share(run_into(seen), n, chunk)
        assert sum(p[2] for p in parts) == n and len(parts) == len(seen)
        spans = sorted(seen)
        assert all(b0 == a1 for (_, b0), (a1, _) in pairwise(spans))  # contiguous, no overlap
        assert ((spans[0][0], spans[-1][1]) == (0, n)) if n else (spans == [])
        assert all(b - a <= max(chunk, 1024) for a, b in spans)


@pytest.mark.parametrize("model", ["market_model", "ff3", "carhart", "mean_adjusted", "market_adjusted"])
def test_scar_includes_the_estimation_error_term(model: str) -> None:
    """SCAR = CAR / sqrt(sigma^2 x' (I + X_w (X_e'X_e)^-1 X_w') x) with x summing the window: computed here
    from the regression matrices by statsmodels/numpy (Campbell, Lo & MacKinlay eq. 4.4.14 and its
    multi-factor analogue); guards against a SCAR that ignores the model's estimation error."""
    panel, rng = make_panel(seed=9, T=500, K=10, miss=0.0)
    f = pd.DataFrame({"mkt_rf": panel.market - 0.0001, "smb": rng.normal(0, 0.005, 500),
                      "hml": rng.normal(0, 0.005, 500), "mom": rng.normal(0, 0.005, 500), "rf": 0.0001},
                     index=panel.dates)
    panel = dataclasses.replace(panel, factors=f)
    ev = pd.DataFrame({"ticker": ["Z01", "Z04"], "date": [panel.dates[320], panel.dates[410]]})
    res = event_study(ev, panel, model=model, window=(-2, 20), car_windows=[(0, 10), (-2, 20)], tests=False)
    names = {"ff3": ["mkt_rf", "smb", "hml"], "carhart": ["mkt_rf", "smb", "hml", "mom"],
             "market_model": None, "mean_adjusted": [], "market_adjusted": None}[model]
    for k, (_, r) in enumerate(res.events.iterrows()):
        d0 = panel.dates.searchsorted(r["date"])
        j = list(panel.tickers).index(r["ticker"])
        est, win = slice(d0 - 250, d0 - 20), slice(d0 - 2, d0 + 21)
        y = panel.values[:, j] - (0.0001 if model in ("ff3", "carhart") else 0.0)
        if model == "market_adjusted":
            Xe, Xw = np.zeros((230, 0)), np.zeros((23, 0))
            ye = y[est] - panel.market[est]
        elif model == "market_model":
            Xe, Xw = sm.add_constant(panel.market[est]), sm.add_constant(panel.market[win], has_constant="add")
            ye = y[est]
        else:
            Xe = sm.add_constant(f[names].to_numpy()[est], has_constant="add")
            Xw = sm.add_constant(f[names].to_numpy()[win], has_constant="add")
            ye = y[est]
        if Xe.shape[1]:
            fit = sm.OLS(ye, Xe).fit()
            s2, V = fit.mse_resid, np.linalg.inv(Xe.T @ Xe)
        else:
            s2, V = (ye @ ye) / len(ye), np.zeros((0, 0))
        for (a, b) in [(0, 10), (-2, 20)]:
            x = np.zeros(23)
            x[a + 2: b + 3] = 1.0
            var = s2 * (x @ x + (x @ Xw @ V @ Xw.T @ x if Xe.shape[1] else 0.0))
            assert res.scar.iloc[k][(a, b)] == pytest.approx(res.car.iloc[k][(a, b)] / np.sqrt(var), rel=1e-8)


@pytest.mark.nojit
@pytest.mark.parametrize("model", ["market_model", "ff3", "market_adjusted"])
def test_an_estimation_window_that_starts_before_the_data_uses_the_days_it_has(model: str) -> None:
    """Events in the panel's first year (and a stock whose prices start late) are studied on the estimation
    days the data hold, when there are at least ``min_estimation`` of them (short histories: all events of a
    panel shorter than the estimation window were dropped as "estimation window starts before the data").
    ARs, sigma, estimation days, CARs and SCARs equal statsmodels fitted on those days."""
    panel, rng = make_panel(seed=4, T=420, K=8, miss=0.02)
    vals = panel.values.copy()
    vals[:70, 3] = np.nan  # Z03's own prices start on day 70
    f = pd.DataFrame({"mkt_rf": panel.market - 0.0001, "smb": rng.normal(0, 0.005, 420),
                      "hml": rng.normal(0, 0.005, 420), "rf": 0.0001}, index=panel.dates)
    panel = returns_panel(pd.DataFrame(vals, index=panel.dates, columns=panel.tickers),
                          market=pd.Series(panel.market, index=panel.dates, name="MKT"), kind="return")
    panel = dataclasses.replace(panel, factors=f)
    days = {"Z01": 95, "Z02": 150, "Z03": 160, "Z04": 300, "Z05": 40, "Z06": 10}
    ev = pd.DataFrame({"ticker": list(days), "date": [panel.dates[d] for d in days.values()]})
    win = (-3, 30)
    res = event_study(ev, panel, model=model, window=win, car_windows=[(0, 10), (0, 30)], min_estimation=60,
                      max_loss=None)
    reasons = dict(zip(res.dropped["ticker"], res.dropped["reason"], strict=True))
    assert reasons["Z05"].startswith("too little estimation data")  # days 0..19: 20 < 60
    assert reasons["Z06"] == "estimation window ends before the data (no estimation day)"
    assert sorted(res.events["ticker"]) == ["Z01", "Z02", "Z03", "Z04"]
    X_all = {"market_model": panel.market[:, None], "ff3": f[["mkt_rf", "smb", "hml"]].to_numpy(),
             "market_adjusted": np.zeros((420, 0))}[model]
    for i, r in res.events.iterrows():
        d0, j = days[r["ticker"]], list(panel.tickers).index(r["ticker"])
        est = np.arange(max(0, d0 - 250), d0 - 20)
        y = panel.values[:, j] - (0.0001 if model == "ff3" else 0.0) - (panel.market if model == "market_adjusted" else 0.0)
        ok = np.isfinite(y[est]) & np.isfinite(X_all[est]).all(axis=1)
        e = est[ok]
        w = np.arange(d0 + win[0], d0 + win[1] + 1)
        if model == "market_adjusted":
            s2, ar, V = (y[e] @ y[e]) / len(e), y[w], None
        else:
            Xe = sm.add_constant(X_all[e], has_constant="add")
            fit = sm.OLS(y[e], Xe).fit()
            Xw = sm.add_constant(X_all[w], has_constant="add")
            s2, ar, V = fit.mse_resid, y[w] - Xw @ fit.params, np.linalg.inv(Xe.T @ Xe)
        assert r["n_est"] == len(e) and len(e) < 230
        assert r["sigma"] == pytest.approx(np.sqrt(s2), rel=1e-9)
        np.testing.assert_allclose(res.ar.loc[i].to_numpy(), ar, rtol=0, atol=1e-10, equal_nan=True)
        for a, b in [(0, 10), (0, 30)]:
            x = np.zeros(len(w))
            x[a - win[0]: b - win[0] + 1] = 1.0
            car = np.nansum(ar * x)  # (a missing day counts as zero in the CAR; the variance keeps its length)
            assert res.car.loc[i, (a, b)] == pytest.approx(car, abs=1e-10)
            if V is not None:
                Xw0 = np.where(np.isfinite(Xw), Xw, 0.0)
                var = s2 * (x @ x + x @ Xw0 @ V @ Xw0.T @ x)
                assert res.scar.loc[i, (a, b)] == pytest.approx(car / np.sqrt(var), rel=1e-8)
