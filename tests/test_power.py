"""Honest power (issue #37): each simulated study sees only its own planted effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from insider_kit.eventstudy.simulate import placebo_tests, simulate_power
from insider_kit.prices import returns_panel


def _panel(seed: int = 2, T: int = 900, K: int = 15):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2014-01-02", periods=T)
    m = rng.normal(0.0003, 0.01, T)
    R = m[:, None] * rng.uniform(0.6, 1.4, K) + rng.normal(0, 0.02, (T, K))
    return returns_panel(pd.DataFrame(R, index=dates, columns=[f"Q{i:02d}" for i in range(K)]),
                         market=pd.Series(m, index=dates, name="MKT"), kind="return"), rng


def test_each_replication_sees_only_its_own_plant() -> None:
    """Planting every replication's effect into one shared panel made each placebo study pick up the others':
    a planted 1% read as a 2.2% mean placebo CAR.  Reference: each event's CAR computed by hand on its own copy
    of its stock's returns with only its own plant."""
    panel, rng = _panel()
    reps, n, eff, (a, b) = 6, 40, 0.01, (0, 20)
    # few tickers and nearby dates: in a shared panel the events' windows would overlap heavily
    j = rng.integers(0, 4, (reps, n))
    d = rng.integers(300, 340, (reps, n))
    t = placebo_tests(panel, j, d, eff, window=(a, b), model="market_adjusted")
    R, M = panel.values, panel.market
    for r in range(reps):
        cars = [np.sum(R[d[r, k] + a: d[r, k] + b + 1, j[r, k]] + eff / (b - a + 1)
                       - M[d[r, k] + a: d[r, k] + b + 1]) for k in range(n)]
        assert t.loc[str(r), "mean_car"] == pytest.approx(np.mean(cars), abs=1e-12)
        assert t.loc[str(r), "n"] == n
    t0 = placebo_tests(panel, j, d, 0.0, window=(a, b), model="market_adjusted")
    np.testing.assert_allclose(t["mean_car"] - t0["mean_car"], eff, atol=1e-12)


@pytest.mark.slow
def test_the_mean_placebo_car_is_the_planted_effect_and_power_at_zero_is_size() -> None:
    """Over many simulated studies the mean placebo CAR equals the planted effect within Monte Carlo error,
    and the rejection rate with nothing planted is the size (near 5% for the cross-sectional t on independent
    events), within a binomial tolerance."""
    panel, _ = _panel(seed=9, T=1200, K=40)
    pw = simulate_power(panel, effects=(0.0, 0.01), n_events=(60,), reps=200, window=(0, 10),
                        model="market_model", seed=4, tests="all")
    t = pw.set_index(["effect", "test"])
    size = t.loc[(0.0, "cross-sectional t"), "rejection_rate"]
    k = round(size * 200)
    assert st.binomtest(k, 200, 0.05).pvalue > 0.001, size
    rng = np.random.default_rng(4)
    j = rng.integers(0, 40, (200, 60))
    d = rng.integers(260, 1200 - 12, (200, 60))
    m1 = placebo_tests(panel, j, d, 0.01, window=(0, 10), model="market_model")["mean_car"]
    m0 = placebo_tests(panel, j, d, 0.0, window=(0, 10), model="market_model")["mean_car"]
    se = m1.std(ddof=1) / np.sqrt(len(m1))
    assert abs(m1.mean() - 0.01 - m0.mean()) < 1e-10  # exactly the plant, event by event (own returns only)
    assert abs(m1.mean() - 0.01) < 4 * se  # and the placebo CAR itself is the plant within Monte Carlo error
