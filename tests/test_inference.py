"""Inference a referee would sign: the overlap-weighted Kolari-Pynnönen t, test sizes under cross-correlation
(simulations with binomial tolerances), CAR regressions vs statsmodels, multiple-testing adjustments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as st
from statsmodels.stats.multitest import multipletests

import insider_kit as ik
from insider_kit.claims.ledger import benjamini_hochberg, holm
from insider_kit.eventstudy import stats as S
from insider_kit.prices.panel import ReturnsPanel


def _factor_panel(seed: int, T: int = 1400, N: int = 300, load: float = 0.6) -> ReturnsPanel:
    """Returns with a market factor and a common non-market factor (cross-correlated market-model residuals)."""
    rng = np.random.default_rng(seed)
    m = rng.normal(0.0003, 0.01, T)
    f = rng.normal(0, 0.01, T)  # the common non-market factor
    R = rng.uniform(0.6, 1.4, N) * m[:, None] + load * f[:, None] + rng.normal(0, 0.012, (T, N))
    return ReturnsPanel(R, pd.bdate_range("2005-01-03", periods=T), pd.Index([f"S{i:03d}" for i in range(N)]), m, "M")


def test_mean_window_overlap_equals_a_pair_loop() -> None:
    rng = np.random.default_rng(0)
    d = rng.integers(0, 400, 250)
    d[:30] = 100  # ties
    for L in (1, 3, 21, 61):
        ref = np.mean([max(0, L - abs(int(a) - int(b))) / L for i, a in enumerate(d) for b in d[i + 1:]])
        assert S.mean_window_overlap(d, L) == pytest.approx(ref, rel=1e-12)
    assert S.mean_window_overlap(np.full(10, 7), 21) == 1.0
    assert S.mean_window_overlap(np.arange(10) * 100, 21) == 0.0


def test_kp_equals_the_classic_formula_on_one_date_and_bmp_without_overlap() -> None:
    """Guards the two limits of the overlap weighting: one event date (KP's own formula with the group's
    rbar) and windows that never share a calendar day (no adjustment: BMP)."""
    panel = _factor_panel(1, T=900, N=120)
    one_date = pd.DataFrame({"ticker": panel.tickers[:80], "date": panel.dates[600]})
    r1 = ik.event_study(one_date, panel, window=(-5, 20), car_windows=[(0, 10)], kp_pairs=10**6)
    t = r1.tests.iloc[0]
    assert t["rbar"] > 0.05  # the common factor is there
    classic = t["bmp_t"] * np.sqrt((1 - t["rbar"]) / (1 + (t["n"] - 1) * t["rbar"]))
    assert t["kp_t"] == pytest.approx(classic, rel=1e-12) and t["kp_overlap"] == 1.0
    spaced = pd.DataFrame({"ticker": panel.tickers[:20], "date": panel.dates[260 + 30 * np.arange(20)]})
    r2 = ik.event_study(spaced, panel, window=(-5, 20), car_windows=[(0, 10)])
    t2 = r2.tests.iloc[0]
    assert t2["kp_overlap"] == 0.0 and t2["kp_t"] == pytest.approx(t2["bmp_t"], rel=1e-12)


def test_kp_never_vanishes_with_a_negative_mean_correlation() -> None:
    t, p = S.kolari_pynnonen_t(2.5, 100_000, -0.01, overlap=1.0)
    assert t == pytest.approx(2.5) and np.isfinite(p)


def _rejection(panel: ReturnsPanel, *, reps: int, n: int, same_date: bool, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    T, N = panel.values.shape
    rows = []
    for k in range(reps):
        j = rng.choice(N, n, replace=False)
        d = np.full(n, rng.integers(260, T - 30)) if same_date else rng.integers(260, T - 30, n)
        rows.append(pd.DataFrame({"ticker": panel.tickers[j], "date": panel.dates[d], "rep": str(k)}))
    res = ik.event_study(pd.concat(rows, ignore_index=True), panel, group="rep", window=(-5, 10),
                         car_windows=[(0, 10)], kp_pairs=3000)
    t = res.tests
    return {c: float((t[c].to_numpy() < 0.05).mean())
            for c in ("p_cs", "p_patell", "p_bmp", "p_kp", "p_rank", "p_sign", "p_wilcoxon")}


@pytest.mark.slow
def test_sizes_under_cross_correlation_independent_and_common_dates() -> None:
    """(a) independent event dates with cross-correlated residuals: every statistic rejects in [3%, 7.5%] at
    5%; (b) every event of a study on one date: the plain t and BMP over-reject, KP and the rank test do not
    (Kolari & Pynnönen 2010; Kolari & Pynnönen 2011 for the rank test)."""
    reps = 1000
    lo, hi = 0.03, 0.075
    a = _rejection(_factor_panel(2, load=0.3), reps=reps, n=60, same_date=False, seed=3)
    for k, v in a.items():
        assert lo <= v <= hi, (k, a)
    b = _rejection(_factor_panel(4, load=0.9), reps=reps, n=60, same_date=True, seed=5)
    over = st.binom.ppf(0.999, reps, 0.05) / reps  # beyond what 5% could give by chance
    assert b["p_cs"] > over and b["p_bmp"] > over, b
    assert b["p_kp"] <= hi and b["p_rank"] <= hi, b


@pytest.mark.nojit
def test_car_regression_equals_statsmodels_with_two_way_clusters() -> None:
    panel = _factor_panel(6, T=700, N=40)
    rng = np.random.default_rng(7)
    n = 400
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, n), "date": panel.dates[rng.integers(260, 660, n)],
                       "value": np.exp(rng.normal(11, 1, n)), "side": rng.choice(["buy", "sell"], n)})
    res = ik.event_study(ev, panel, window=(-5, 20), car_windows=[(0, 20)])
    reg = ik.car_regression(res, "car ~ C(side) + np.log(value)", window=(0, 20))
    E = res.events
    y = res.car[(0, 20)].to_numpy()
    X = pd.DataFrame({"const": 1.0, "sell": (E["side"] == "sell").astype(float).to_numpy(),
                      "lv": np.log(E["value"].to_numpy())})
    firm = pd.factorize(E["ticker"])[0]
    month = pd.factorize(pd.to_datetime(E["day0"]).dt.to_period("M"))[0]
    ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": np.column_stack([firm, month])})
    np.testing.assert_allclose(reg.params.to_numpy(), ref.params.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(reg.std_errors.to_numpy(), ref.bse.to_numpy(), rtol=1e-10)
    one = ik.car_regression(res, "car ~ C(side)", window=(0, 20), cluster=("firm",))
    ref1 = sm.OLS(y, X[["const", "sell"]]).fit(cov_type="cluster", cov_kwds={"groups": firm})
    np.testing.assert_allclose(one.std_errors.to_numpy(), ref1.bse.to_numpy(), rtol=1e-10)
    assert "car ~ C(side)" in one._repr_html_()
    with pytest.raises(ik.DataError, match="cannot build the regression"):
        ik.car_regression(res, "car ~ nope", window=(0, 20))


def test_holm_and_bh_equal_statsmodels() -> None:
    rng = np.random.default_rng(8)
    for _ in range(20):
        p = np.r_[rng.uniform(0, 1, 10), rng.uniform(0, 0.01, 4), 0.02, 0.02]
        np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=1e-12)
        np.testing.assert_allclose(benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1], rtol=1e-12)


@pytest.mark.nojit
def test_fast_clustered_ols_equals_statsmodels() -> None:
    """The linear-time clustered OLS the ledger and compare use gives statsmodels' coefficients, standard errors
    and p-values (HC1, one-way and two-way clusters; one to three regressors)."""
    import pandas as pd

    from insider_kit.eventstudy.regression import cluster_codes, clustered_ols, ols_clustered

    rng = np.random.default_rng(1)
    for _ in range(20):
        n, k = int(rng.integers(50, 3000)), int(rng.integers(1, 4))
        X = pd.DataFrame({"const": np.ones(n), **{f"x{j}": rng.normal(size=n) for j in range(k - 1)}})
        y = X.to_numpy() @ rng.normal(size=k) + rng.standard_t(4, size=n)
        g0, g1 = rng.integers(0, max(2, n // 20), n), rng.integers(0, 12, n)
        sparse = g0 * 7 + 3  # codes with empty bins (a subset of the events keeps the full set's codes)
        huge = g1 * 10**12  # codes too far apart to count in bins
        for groups in (None, g0, g0[:, None], np.column_stack([g0, g1]), np.column_stack([sparse, huge]),
                       sparse):  # one-way as a vector and as a column
            ref, got = ols_clustered(y, X, groups), clustered_ols(y, X, groups)
            for attr in ("params", "bse", "pvalues"):
                np.testing.assert_allclose(np.asarray(getattr(got, attr)), np.asarray(getattr(ref, attr)),
                                           rtol=1e-9, atol=1e-14)
        # firm-month codes formed once by cluster_codes (a third column), then a subset of them, as the ledger does
        ev = pd.DataFrame({"ticker": np.array([f"T{v}" for v in g0]),
                           "day0": pd.Timestamp("2020-01-01") + pd.to_timedelta(g1 * 31, unit="D")})
        three = cluster_codes(ev, ("firm", "month"), intersection=True)
        assert three.shape == (n, 3)
        sub = rng.random(n) < 0.5
        for rows in (np.ones(n, bool), sub):
            Xs = X[rows].reset_index(drop=True)
            ref = ols_clustered(y[rows], Xs, three[rows][:, :2])
            got = clustered_ols(y[rows], Xs, three[rows])
            for attr in ("params", "bse", "pvalues"):
                np.testing.assert_allclose(np.asarray(getattr(got, attr)), np.asarray(getattr(ref, attr)),
                                           rtol=1e-9, atol=1e-14)


def test_hac_ols_equals_statsmodels_newey_west() -> None:
    """The ledger's Newey-West regression (the market claim) gives statsmodels' HAC coefficients, standard errors
    and p-values for any number of lags, including none and more lags than a short series has."""
    import pandas as pd
    import statsmodels.api as sm

    from insider_kit.errors import DataError
    from insider_kit.eventstudy.regression import hac_ols

    rng = np.random.default_rng(4)
    for _ in range(20):
        n, k = int(rng.integers(8, 400)), int(rng.integers(1, 4))
        X = pd.DataFrame({"const": np.ones(n), **{f"x{j}": rng.normal(size=n) for j in range(k - 1)}})
        if k > 1 and rng.random() < 0.5:
            X["x0"] = (rng.random(n) < 0.15).astype(float)  # a dummy, as the market claim's heavy months
        e = rng.normal(size=n)
        y = X.to_numpy() @ rng.normal(size=k) + np.convolve(e, np.ones(3), "same")  # overlapping: autocorrelated
        for lags in (0, 1, 3, 12):
            if lags >= n:
                continue
            ref = sm.OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
            got = hac_ols(y, X, lags)
            for attr in ("params", "bse", "pvalues"):
                np.testing.assert_allclose(np.asarray(getattr(got, attr)), np.asarray(getattr(ref, attr)),
                                           rtol=1e-9, atol=1e-14)
            assert got.nobs == n
    with pytest.raises(DataError, match="lags"):
        hac_ols(np.ones(5), pd.DataFrame({"const": np.ones(5)}), -1)


@pytest.mark.nojit
def test_masked_clustered_means_and_differences_equal_statsmodels() -> None:
    """The ledger's masked two-way clustered mean and difference of means (one compiled pass over the rows of
    the full set's codes) give statsmodels' estimates, standard errors and p-values on the subsets."""
    import pandas as pd

    from insider_kit.errors import DataError
    from insider_kit.eventstudy.regression import MaskedClusters, cluster_codes, ols_clustered

    rng = np.random.default_rng(7)
    for _ in range(15):
        n = int(rng.integers(100, 4000))
        g0, g1 = rng.integers(0, max(3, n // 15), n), rng.integers(0, 24, n)
        ev = pd.DataFrame({"ticker": np.array([f"T{v}" for v in g0]),
                           "day0": pd.Timestamp("2015-01-01") + pd.to_timedelta(g1 * 31, unit="D")})
        codes = cluster_codes(ev, ("firm", "month"), intersection=True)
        y = rng.standard_t(4, n) + 0.3 * rng.normal(size=g0.max() + 1)[g0]  # firm effects: clustering matters
        mc = MaskedClusters(codes)
        m = rng.random(n) < rng.uniform(0.2, 1.0)
        got = mc.mean(y, m)
        ref = ols_clustered(y[m], pd.DataFrame({"const": np.ones(m.sum())}), codes[m][:, :2])
        assert got["n"] == m.sum()
        np.testing.assert_allclose([got["estimate"], got["se"], got["p"]],
                                   [ref.params.iloc[0], ref.bse.iloc[0], ref.pvalues.iloc[0]], rtol=1e-9)
        assert got["ci_low"] == pytest.approx(got["estimate"] - 1.96 * got["se"], rel=1e-12)
        a = m & (rng.random(n) < 0.4)
        b = m & ~a
        d = mc.difference(y + 0.5 * a, a, b)
        X = pd.DataFrame({"const": 1.0, "in_a": a[m].astype(float)})
        ref = ols_clustered((y + 0.5 * a)[m], X, codes[m][:, :2])
        np.testing.assert_allclose([d["estimate"], d["se"], d["p"]],
                                   [ref.params["in_a"], ref.bse["in_a"], ref.pvalues["in_a"]], rtol=1e-9)
        assert (d["n"], d["n_ref"]) == (a.sum(), b.sum())
        # the same object again (its scratch bins must be clear after every call), with missing values, a sign-
        # flipped reference group and masks that overlap (an event in both counts in a) and reach outside m
        yn = np.where(rng.random(n) < 0.05, np.nan, y)
        a2, b2 = rng.random(n) < 0.3, rng.random(n) < 0.6
        for _rep in range(2):
            d = mc.difference(yn, a2, b2, flip_b=True)
            bo = b2 & ~a2
            yy = np.where(bo, -yn, yn)
            keep = (a2 | bo) & np.isfinite(yy)
            ref = ols_clustered(yy[keep], pd.DataFrame({"const": 1.0, "in_a": a2[keep].astype(float)}),
                                codes[keep][:, :2])
            np.testing.assert_allclose([d["estimate"], d["se"], d["p"]],
                                       [ref.params["in_a"], ref.bse["in_a"], ref.pvalues["in_a"]], rtol=1e-9)
            assert (d["n"], d["n_ref"]) == ((a2 & keep).sum(), (bo & keep).sum())
            got = mc.mean(yn, a2)
            fin = a2 & np.isfinite(yn)
            ref = ols_clustered(yn[fin], pd.DataFrame({"const": np.ones(fin.sum())}), codes[fin][:, :2])
            np.testing.assert_allclose([got["estimate"], got["se"]], [ref.params.iloc[0], ref.bse.iloc[0]], rtol=1e-9)
        few = mc.difference(y, np.arange(n) == 0, np.ones(n, bool))  # one event on a side: no estimate
        assert few["n"] == 1 and np.isnan(few["estimate"])
    with pytest.raises(DataError, match="intersection"):
        MaskedClusters(codes[:, :2])
    with pytest.raises(DataError, match="events"):
        mc.mean(y[:-1], m[:-1])
