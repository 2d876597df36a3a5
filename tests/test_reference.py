"""The fast path equals the definitions (:mod:`insider_kit.eventstudy.reference`) on random inputs.

Each test here is a proof obligation of issue #36: the compiled per-event pass, the compiled group statistics
and every clustered standard error equal the plain-numpy definitions a referee reads.  The file is small enough
to run with the kernels as plain Python too (``make test`` runs it again with ``NUMBA_DISABLE_JIT=1``), so the
compiled code is checked against its own Python source as well as against the reference."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.sandwich_covariance import cov_cluster, cov_cluster_2groups

from insider_kit.eventstudy import event_study
from insider_kit.eventstudy import reference as R
from insider_kit.eventstudy import stats as S
from insider_kit.eventstudy.regression import MaskedClusters, cluster_codes, clustered_mean, clustered_ols
from insider_kit.prices import returns_panel

pytestmark = pytest.mark.nojit  # also run with NUMBA_DISABLE_JIT=1 (Makefile: test)

FACTORS = {"ff3": ["mkt_rf", "smb", "hml"], "carhart": ["mkt_rf", "smb", "hml", "mom"]}


def _panel(seed: int, T: int = 420, K: int = 8, miss: float = 0.03):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2016-01-04", periods=T)
    m = rng.normal(0.0003, 0.01, T)
    R_ = 0.0002 + rng.uniform(0.5, 1.5, K) * m[:, None] + rng.standard_t(4, (T, K)) * 0.012
    R_[rng.random((T, K)) < miss] = np.nan
    panel = returns_panel(pd.DataFrame(R_, index=dates, columns=[f"Z{i}" for i in range(K)]),
                          market=pd.Series(m, index=dates), kind="return")
    f = pd.DataFrame({"mkt_rf": m - 0.0001, "smb": rng.normal(0, 0.005, T), "hml": rng.normal(0, 0.005, T),
                      "mom": rng.normal(0, 0.005, T), "rf": 0.0001}, index=dates)
    return dataclasses.replace(panel, factors=f), rng


def _design(panel, model: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """The model as the reference takes it: regressors, offset, constant."""
    T = len(panel.dates)
    if model == "raw":
        return np.zeros((T, 0)), np.zeros(T), False
    if model == "mean_adjusted":
        return np.zeros((T, 0)), np.zeros(T), True
    if model == "market_adjusted":
        return np.zeros((T, 0)), np.asarray(panel.market), False
    if model == "market_model":
        return np.asarray(panel.market).reshape(T, 1), np.zeros(T), True
    return panel.factors[FACTORS[model]].to_numpy(), panel.factors["rf"].to_numpy(), True


@pytest.mark.parametrize("model", ["raw", "mean_adjusted", "market_adjusted", "market_model", "ff3", "carhart"])
def test_engine_equals_the_reference_event_by_event(model: str) -> None:
    """AR, CAR, SCAR (with its estimation-error term), BHAR, sigma and the estimation days of every event, from
    the fused compiled pass, equal :func:`reference.event_abnormal_returns` (missing days included)."""
    panel, rng = _panel(seed=3)
    n = 25
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, n), "date": panel.dates[rng.integers(260, 395, n)]})
    est, win, cws = (-250, -21), (-5, 20), [(0, 5), (-1, 1), (0, 20)]
    res = event_study(ev, panel, model=model, estimation=est, window=win, car_windows=cws, bhar=True,
                      min_estimation=100, max_loss=None)
    assert len(res.events) >= n - 2
    Z, off, const = _design(panel, model)
    for i, r in res.events.iterrows():
        d0 = panel.dates.searchsorted(r["date"])
        j = list(panel.tickers).index(r["ticker"])
        ref = R.event_abnormal_returns(panel.values[:, j], Z, off, est=slice(d0 + est[0], d0 + est[1] + 1),
                                       win=slice(d0 + win[0], d0 + win[1] + 1),
                                       car_windows=[(a - win[0], b - win[0] + 1) for a, b in cws], const=const,
                                       market=np.asarray(panel.market))
        assert r["n_est"] == ref["n_est"]
        assert r["sigma"] == pytest.approx(np.sqrt(ref["sigma2"]), rel=1e-9)
        np.testing.assert_allclose(res.ar.loc[i].to_numpy(), ref["ar"], rtol=1e-9, atol=1e-13, equal_nan=True)
        got = res.car.loc[i].to_numpy()
        ok = np.isfinite(got)  # (a window the stock's own prices do not cover is NaN in the engine)
        assert ok.any()
        np.testing.assert_allclose(got[ok], ref["car"][ok], rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(res.scar.loc[i].to_numpy()[ok], ref["scar"][ok], rtol=1e-8)
        np.testing.assert_allclose(res.bhar.loc[i].to_numpy()[ok], ref["bhar"][ok], rtol=1e-9, atol=1e-13)


def _plain_sufficient(car, scar, n_est, k, npos, codes, G):
    """The sufficient statistics of every (group, window), by numpy one sample at a time."""
    W = car.shape[1]
    out = {k_: np.full((G, W), np.nan) for k_ in ("n", "mean", "sd", "positives", "n_s", "mean_s", "sd_s", "sum_scar",
                                                  "sum_var", "p0", "median")}
    for g in range(G):
        for w in range(W):
            m = (codes == g) & np.isfinite(car[:, w])
            x, z = car[m, w], scar[m, w]
            out["n"][g, w], out["mean"][g, w], out["sd"][g, w] = len(x), x.mean(), x.std(ddof=1)
            out["positives"][g, w] = (x > 0).sum()
            zf = z[np.isfinite(z)]
            out["n_s"][g, w], out["mean_s"][g, w], out["sd_s"][g, w] = len(zf), zf.mean(), zf.std(ddof=1)
            okp = np.isfinite(z) & (n_est[m] > k + 2)
            out["sum_scar"][g, w] = z[okp].sum()
            out["sum_var"][g, w] = ((n_est[m][okp] - k) / (n_est[m][okp] - k - 2)).sum()
            out["p0"][g, w] = npos[m].sum() / n_est[m].sum()
            out["median"][g, w] = np.median(x)
    return out


def test_compiled_sufficient_statistics_equal_numpy_and_the_table_equals_the_formulas() -> None:
    """The compiled group passes give numpy's moments and sums; each column of the test table is the
    :data:`reference.STATISTICS` formula of those numbers."""
    rng = np.random.default_rng(5)
    n, W, G, L_est = 300, 3, 3, 100
    car = rng.normal(0.01, 0.05, (n, W))
    car[rng.random((n, W)) < 0.1] = np.nan
    scar = car / rng.uniform(0.02, 0.08, (n, 1))
    n_est = rng.integers(60, 101, n)
    npos = rng.binomial(n_est, 0.5)
    codes = rng.integers(0, G, n)
    ubar = rng.normal(0, 0.05, (G, L_est + 30))
    cw = np.array([[0, 5], [5, 20], [0, 30]])
    rbar = rng.uniform(-0.01, 0.05, G)
    day0 = rng.integers(0, 500, n)
    cnt = rng.integers(0, 40, (G, W, L_est + 1)).astype(float)
    gr = S.GrankSums(rng.normal(0, 0.3, (G, W, L_est + 1)) * cnt, cnt)  # GRANK's sums (their own test: test_grank)
    got = S.sufficient_statistics(codes=codes, n_groups=G, car=car, scar=scar, n_est=n_est, k_params=2, ubar=ubar,
                                  L_est=L_est, cw=cw, npos=npos, rbar=rbar, bhar=None, day0=day0, grank=gr)
    ref = _plain_sufficient(car, scar, n_est, 2, npos, codes, G)
    for name, v in ref.items():
        np.testing.assert_allclose(got[name], v, rtol=1e-10, atol=1e-14, err_msg=name)
    table = S.test_table(codes=codes, n_groups=G, car=car, scar=scar, n_est=n_est, k_params=2, ubar=ubar, L_est=L_est,
                         cw=cw, npos=npos, rbar=rbar, bhar=None, day0=day0, grank=gr)
    with np.errstate(invalid="ignore", divide="ignore"):
        gu = np.where(cnt > 0, gr.sums / np.maximum(cnt, 1), np.nan)
    s = dict(ref, rbar=np.repeat(rbar[:, None], W, 1), overlap=got["overlap"], rank_z=got["rank_z"], grank_ubar=gu,
             grank_n=cnt)
    s["bmp_t"] = R.t_statistic(ref["n_s"], ref["mean_s"], ref["sd_s"])[0]
    for stat in R.STATISTICS:
        value, p = stat.formula(s)
        np.testing.assert_allclose(table[stat.columns[0]], value.reshape(-1), rtol=1e-9, err_msg=stat.name)
        np.testing.assert_allclose(table[stat.columns[1]], p.reshape(-1), rtol=1e-9, err_msg=stat.name)
    # and the scalar functions, one sample at a time, are the same formulas
    m = (codes == 1) & np.isfinite(car[:, 2])
    assert table["t_cs"][1 * W + 2] == pytest.approx(S.cross_sectional_t(car[m, 2])[0], rel=1e-10)
    assert table["patell_z"][1 * W + 2] == pytest.approx(S.patell_z(scar[m, 2], n_est[m], 2)[0], rel=1e-10)


def test_every_reported_statistic_has_one_definition() -> None:
    """Each test column of an event study's table comes from one row of :data:`reference.STATISTICS` (or is a
    descriptive number): a referee finds its formula in one function."""
    panel, rng = _panel(seed=4)
    ev = pd.DataFrame({"ticker": rng.choice(panel.tickers, 40), "date": panel.dates[rng.integers(260, 395, 40)]})
    res = event_study(ev, panel, window=(-5, 20), car_windows=[(0, 5)], bhar=True, max_loss=None)
    defined = {c for s in R.STATISTICS for c in s.columns}
    descriptive = {"n", "mean_car", "median_car", "ci_low", "ci_high", "se_car", "pct_positive", "kp_overlap", "rbar",
                   "p_wilcoxon", "mean_bhar", "skew_adj_t", "p_skew_adj"}
    validity = {"same_date", "var_scar", "not_valid", "recommended"}  # the validity rule's measurements and verdict
    assert set(res.tests.columns) == defined | descriptive | validity
    assert all(s.paper and callable(s.formula) and s.needs for s in R.STATISTICS)


def _scores(rng, n=400, k=3):
    X = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1))])
    y = X @ rng.normal(size=k) + rng.standard_t(5, n)
    firm, month = rng.integers(0, 40, n), rng.integers(0, 25, n)
    return X, y, firm, month


def test_cluster_covariance_equals_statsmodels_one_and_two_way() -> None:
    """The one estimator equals statsmodels' ``cov_cluster`` (one way) and ``cov_cluster_2groups`` (firm + month
    - intersection, each with G/(G-1) (n-1)/(n-k)) on random data, and HC1 statsmodels' HC1."""
    import statsmodels.api as sm

    rng = np.random.default_rng(9)
    for _ in range(5):
        X, y, firm, month = _scores(rng)
        n, k = X.shape
        fit = sm.OLS(y, X).fit()
        bread = np.linalg.inv(X.T @ X)
        scores = X * fit.resid[:, None]
        one = R.cluster_covariance(bread, [R.cluster_meat(scores, firm)], n, k)
        np.testing.assert_allclose(one, cov_cluster(fit, firm), rtol=1e-10)
        inter = pd.factorize(firm * 100 + month)[0]
        two = R.cluster_covariance(bread, [R.cluster_meat(scores, c) for c in (firm, month, inter)], n, k)
        ref2 = cov_cluster_2groups(fit, firm, month)[0]
        np.testing.assert_allclose(two, ref2, rtol=1e-10)
        np.testing.assert_allclose(R.hc1_covariance(bread, scores), fit.get_robustcov_results("HC1").cov_params(),
                                   rtol=1e-10)


def test_every_clustered_standard_error_goes_through_the_one_estimator(monkeypatch: pytest.MonkeyPatch) -> None:
    """clustered_ols, clustered_mean and the masked fast path all call reference.cluster_covariance, and give
    the numbers it gives from the full design."""
    calls: list[int] = []
    real = R.cluster_covariance

    def counting(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(R, "cluster_covariance", counting)
    rng = np.random.default_rng(2)
    n = 300
    ev = pd.DataFrame({"ticker": rng.choice(list("ABCDEFGHIJKLMNOP"), n),
                       "date": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")})
    y = rng.normal(0.01, 0.05, n)
    codes = cluster_codes(ev, ("firm", "month"), intersection=True)
    a = rng.random(n) < 0.4
    fit = clustered_ols(y, pd.DataFrame({"const": 1.0, "in_a": a.astype(float)}), codes[:, :2])
    assert len(calls) == 1
    mc = MaskedClusters(codes)
    d = mc.difference(y, a, ~a)
    assert len(calls) == 2
    assert d["se"] == pytest.approx(float(fit.std_errors["in_a"]), rel=1e-10)
    m = mc.mean(y, np.ones(n, bool))
    assert m["se"] == pytest.approx(clustered_mean(y, codes[:, :2])["se"], rel=1e-10)
    assert len(calls) == 4
