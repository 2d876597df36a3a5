"""The validity rule (issue #37): by simulation with fixed seeds and binomial tolerances, each statistic's size
under independent events, events on one date, windows overlapping at staggered dates and event-induced variance
— GRANK's among them — and the rule flagging exactly the statistics that over-reject in each scenario."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

import insider_kit as ik
from insider_kit.eventstudy import validity as V
from insider_kit.prices.panel import ReturnsPanel

REPS, N_EVENTS = 400, 60
#: A 5% test's rejection count in REPS studies lies in this band with probability 0.999.
LO, HI = st.binom.ppf(0.0005, REPS, 0.05) / REPS, st.binom.ppf(0.9995, REPS, 0.05) / REPS
#: Beyond what a test of size 7.5% gives with probability 0.999: over-rejection.
OVER = st.binom.ppf(0.999, REPS, V.MAX_SIZE) / REPS

P_COLS = {"t_cs": "p_cs", "patell_z": "p_patell", "bmp_t": "p_bmp", "kp_t": "p_kp", "rank_z": "p_rank",
          "grank_t": "p_grank", "sign_z": "p_sign", "p_wilcoxon": "p_wilcoxon"}


def _factor_panel(seed: int, load: float, T: int = 1400, N: int = 300) -> ReturnsPanel:
    """Returns with a market factor and a common non-market factor of loading *load* (cross-correlated
    market-model residuals)."""
    rng = np.random.default_rng(seed)
    m = rng.normal(0.0003, 0.01, T)
    f = rng.normal(0, 0.01, T)
    R = rng.uniform(0.6, 1.4, N) * m[:, None] + load * f[:, None] + rng.normal(0, 0.012, (T, N))
    return ReturnsPanel(R, pd.bdate_range("2005-01-03", periods=T), pd.Index([f"S{i:03d}" for i in range(N)]), m, "M")


def _simulate(panel: ReturnsPanel, dates: str, *, window: tuple[int, int], eiv: float = 1.0, seed: int = 5
              ) -> pd.DataFrame:
    """REPS studies of N_EVENTS distinct stocks each, run as one grouped event study: event dates independent
    (``"independent"``), all on one date (``"same"``) or within 15 trading days of each other (``"staggered"``);
    with *eiv* > 1 the event window's returns get extra noise, multiplying their variance by *eiv*
    (each event has its own copy of its stock's returns, so the noise is its own)."""
    rng = np.random.default_rng(seed)
    T, N = panel.values.shape
    js, ds = [], []
    for _ in range(REPS):
        js.append(rng.choice(N, N_EVENTS, replace=False))
        if dates == "same":
            ds.append(np.full(N_EVENTS, rng.integers(260, T - 40)))
        elif dates == "staggered":
            ds.append(rng.integers(260, T - 60) + rng.integers(0, 15, N_EVENTS))
        else:
            ds.append(rng.integers(260, T - 40, N_EVENTS))
    j, d = np.concatenate(js), np.concatenate(ds)
    vals = panel.values[:, j].copy()
    if eiv != 1.0:
        cols = np.arange(len(j))
        for t in range(window[0], window[1] + 1):
            vals[d + t, cols] += rng.normal(0, 0.012 * np.sqrt(eiv - 1), len(j))
    names = pd.Index([f"e{k}" for k in range(len(j))])
    p = ReturnsPanel(vals, panel.dates, names, panel.market, "M")
    ev = pd.DataFrame({"ticker": names, "date": panel.dates[d], "rep": np.repeat(np.arange(REPS), N_EVENTS).astype(str)})
    res = ik.event_study(ev, p, group="rep", window=(-5, window[1]), car_windows=[window], kp_pairs=3000, grank=True)
    return res.tests


def _sizes(t: pd.DataFrame) -> dict[str, float]:
    return {k: float((t[c].to_numpy() < 0.05).mean()) for k, c in P_COLS.items()}


def _flag_share(t: pd.DataFrame) -> dict[str, float]:
    return {k: float(t["not_valid"].str.contains(V.STATISTIC_NAMES[k], regex=False).mean()) for k in P_COLS}


SCENARIOS = {
    # name: (panel seed, loading, dates, window, event-induced variance, the statistics that over-reject)
    "independent": (2, 0.3, "independent", (0, 20), 1.0, set()),
    "one date": (4, 0.9, "same", (0, 10), 1.0, {"t_cs", "patell_z", "bmp_t", "sign_z", "p_wilcoxon"}),
    "staggered CAR(0,5)": (4, 0.9, "staggered", (0, 5), 1.0,
                           {"t_cs", "patell_z", "bmp_t", "sign_z", "p_wilcoxon", "rank_z", "grank_t"}),
    "staggered CAR(0,20)": (4, 0.9, "staggered", (0, 20), 1.0,
                            {"t_cs", "patell_z", "bmp_t", "sign_z", "p_wilcoxon", "rank_z", "grank_t"}),
    "event-induced variance": (2, 0.0, "independent", (0, 10), 3.0, {"patell_z", "rank_z"}),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_sizes_and_the_validity_rule_flags_the_statistics_that_over_reject(name: str) -> None:
    seed, load, dates, window, eiv, over = SCENARIOS[name]
    t = _simulate(_factor_panel(seed, load), dates, window=window, eiv=eiv)
    size, flagged = _sizes(t), _flag_share(t)
    for k in P_COLS:
        if k in over:  # the statistic over-rejects here, and the rule says so in (nearly) every study
            assert size[k] > OVER, (name, k, size)
            assert flagged[k] >= 0.95, (name, k, flagged)
        else:  # the statistic holds its size; the rule leaves it alone (Patell and the rank test: see below)
            assert LO <= size[k] <= HI, (name, k, size)
            if not (name == "independent" and k in ("patell_z", "rank_z")):
                assert flagged[k] <= 0.05, (name, k, flagged)
    # the recommended statistic holds its size in every scenario
    rec = t["recommended"].to_numpy()
    assert (rec != "").all()
    rej = np.array([t[P_COLS[r]].iloc[i] < 0.05 for i, r in enumerate(rec)])
    assert LO <= rej.mean() <= HI, (name, rej.mean(), pd.Series(rec).value_counts().to_dict())
    if name == "independent":
        # Patell and the rank test read var_scar, a point estimate: a false flag is the safe error and is rare
        assert flagged["patell_z"] <= 0.3 and flagged["rank_z"] <= 0.3, flagged


def test_variance_factors_and_implied_sizes_by_hand() -> None:
    f = V.variance_factors(n=np.array([101.0]), rbar=np.array([0.01]), overlap=np.array([0.5]),
                           same_date=np.array([0.1]), var_scar=np.array([2.0]))
    cross = 1 + 100 * 0.01 * 0.5
    assert f["t_cs"][0] == pytest.approx(cross / (1 - 0.005))
    assert f["patell_z"][0] == pytest.approx(cross * 2.0)
    assert f["grank_t"][0] == pytest.approx(cross / (1 + 100 * 0.01 * 0.1))
    assert f["rank_z"][0] == pytest.approx(2.0 * cross / (1 + 100 * 0.01 * 0.1))
    assert f["kp_t"][0] == 1.0
    assert V.implied_size(np.array([1.0]))[0] == pytest.approx(0.05)
    assert V.implied_size(np.array([2.0]))[0] == pytest.approx(2 * st.norm.sf(1.959963984540054 / np.sqrt(2)))
    # a negative mean correlation is no dependence (bounded at zero), missing measurements count as none found
    g = V.variance_factors(n=np.array([50.0]), rbar=np.array([-0.02]), overlap=np.array([np.nan]),
                           same_date=np.array([np.nan]), var_scar=np.array([np.nan]))
    assert all(v[0] == pytest.approx(1.0) for v in g.values())


def test_every_test_table_and_summary_carries_the_rule(default_market: Path) -> None:
    study = ik.load_study(default_market)
    res = ik.event_study(study.events, study.panel, model="market_adjusted", group="direction")
    t = res.tests
    assert {"not_valid", "recommended", "same_date", "var_scar"} <= set(t.columns)
    assert {"not_valid", "recommended"} <= set(res.summary().columns)
    v = res.validity()
    for k in P_COLS:
        assert v[f"size_{k}"].between(0.05 - 1e-12, 1).all()
    assert (v["recommended"] == t["recommended"]).all()
    from insider_kit.tables import COLUMN_NAMES, GLOSSARY

    for col in ("not_valid", "recommended", "grank_t", "var_scar", "same_date", "p_skew_boot"):
        assert col in GLOSSARY and col in COLUMN_NAMES


def test_the_ledgers_verdict_statistic_follows_the_rule(default_market: Path) -> None:
    """A claim of a mean: Kolari-Pynnönen's standard error (by hand) when the events' cross-correlation and
    window overlap make the cross-sectional t invalid and it is the larger; the clustered interval otherwise."""
    from insider_kit.claims.ledger import CLUSTERED_T, KP_T, verdict_statistic

    car = np.random.default_rng(0).normal(0.01, 0.05, 300)
    est = {"estimate": car.mean(), "ci_low": car.mean() - 0.006, "ci_high": car.mean() + 0.006, "p": 0.001, "n": 300}
    one_date = verdict_statistic(est, car, np.ones(300, bool), np.full(300, 50), 0.03, 61)
    f = (1 + 299 * 0.03) / (1 - 0.03)
    se = car.std(ddof=1) / np.sqrt(300) * np.sqrt(f)
    assert one_date["statistic"] == KP_T
    assert one_date["ci_low"] == pytest.approx(car.mean() - 1.959963984540054 * se, rel=1e-12)
    assert one_date["p"] == pytest.approx(2 * st.norm.sf(abs(car.mean()) / se), rel=1e-9)
    apart = verdict_statistic(est, car, np.ones(300, bool), np.arange(300) * 100, 0.03, 61)
    assert apart["statistic"] == CLUSTERED_T and apart["ci_low"] == est["ci_low"]
    # the clustered interval already wider than Kolari-Pynnönen's: it stays
    wide = dict(est, ci_low=car.mean() - 0.5, ci_high=car.mean() + 0.5)
    assert verdict_statistic(wide, car, np.ones(300, bool), np.full(300, 50), 0.03, 61)["statistic"] == CLUSTERED_T
    led = ik.run_ledger(ik.load_study(default_market))
    testable = led["verdict"] != "not testable"
    assert (led.loc[testable, "statistic"].str.len() > 0).all()
    assert set(led.loc[testable & led["id"].isin(["purchases_positive"]), "statistic"]) <= {CLUSTERED_T, KP_T}


def test_the_ranking_claim_is_verdicted_from_every_contrast(default_market: Path) -> None:
    """'Cluster selling is the strongest sell signal': each contrast equals statsmodels' two-way clustered OLS of
    sale CARs on the pattern dummies; the ledger's estimate is the contrast whose CI reaches highest, so the claim
    is supported only when every contrast's CI is below zero."""
    import statsmodels.api as sm

    from insider_kit.claims import Selections
    from insider_kit.claims.estimates import strongest_sell_signal
    from insider_kit.eventstudy.regression import cluster_codes

    rng = np.random.default_rng(1)
    n = 3000
    ev = pd.DataFrame({"ticker": rng.choice([f"T{i}" for i in range(300)], n),
                       "day0": pd.Timestamp("2015-01-02") + pd.to_timedelta(rng.integers(0, 2000, n), unit="D"),
                       "direction": "sell", "cluster": rng.random(n) < 0.1, "runup_q": rng.integers(1, 6, n),
                       "exec_unscheduled": rng.random(n) < 0.05, "lockup": rng.random(n) < 0.04, "plan_share": 0.0})
    X = pd.DataFrame({"const": 1.0, "cluster": ev["cluster"].astype(float), "after run-up": (ev["runup_q"] == 5) * 1.0,
                      "large unscheduled CEO/CFO": ev["exec_unscheduled"] * 1.0, "lock-up": ev["lockup"] * 1.0})
    for strength, supported in ((-0.08, True), (-0.02, False)):
        car = X.to_numpy() @ np.array([0.0, strength, -0.02, -0.03, -0.01]) + rng.normal(0, 0.05, n)
        con = strongest_sell_signal(ev, car, Selections(ev).sale_patterns()).set_index("b")
        ref = sm.OLS(car, X).fit(cov_type="cluster", cov_kwds={"groups": cluster_codes(ev, ("firm", "month"))})
        V = ref.cov_params()
        for b in ("after run-up", "large unscheduled CEO/CFO", "lock-up"):
            d = ref.params["cluster"] - ref.params[b]
            se = np.sqrt(V.loc["cluster", "cluster"] + V.loc[b, b] - 2 * V.loc["cluster", b])
            assert con.loc[b, "difference"] == pytest.approx(d, rel=1e-9)
            assert con.loc[b, "ci_high"] == pytest.approx(d + 1.96 * se, rel=1e-9)
        assert con.loc["other sales", "difference"] == pytest.approx(ref.params["cluster"], rel=1e-9)
        assert bool((con["ci_high"] < 0).all()) is supported
        worst = con["ci_high"].max()
        from insider_kit.claims.ledger import verdict_reason

        v, _ = verdict_reason(con["difference"][con["ci_high"].idxmax()], con["ci_low"][con["ci_high"].idxmax()],
                              worst, int(con["n"].iloc[0]), "negative", negligible=0.001, min_n=30, q=0.001)
        assert (v == "supported") is supported
    led = ik.run_ledger(ik.load_study(default_market)).set_index("id")
    row = led.loc["cluster_strongest_sell_signal"]
    assert "contrasts" in row["statistic"] and row["literature_agrees"] == "practitioner articles only"
    assert row["ci_high"] >= led.loc["cluster_selling", "ci_high"] - 1e-12 or row["verdict"] != "supported"
