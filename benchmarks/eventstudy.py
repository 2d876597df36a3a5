"""Event-study engine benchmark: universe-scale panel, a million events, and the per-event statsmodels loop.

Run: ``python benchmarks/eventstudy.py [--events 1000000] [--tickers 8000] [--days 5000]``.
Prints wall time, peak memory (RSS high-water mark) and the speed-up over statsmodels
on the same 2,000 events, with the largest difference in CARs.
Targets (issue #6): <= 3 s and <= 4 GB for 1,000,000 events; >= 300x statsmodels.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np
import pandas as pd


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux: KiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--tickers", type=int, default=8000)
    ap.add_argument("--days", type=int, default=5000)
    ap.add_argument("--sm-events", type=int, default=2000)
    a = ap.parse_args()

    import statsmodels.api as sm

    from insider_kit import event_study
    from insider_kit.prices.panel import ReturnsPanel

    rng = np.random.default_rng(0)
    T, N = a.days, a.tickers
    t0 = time.perf_counter()
    m = rng.normal(0.0003, 0.01, T)
    R = (rng.uniform(0.5, 1.5, N).astype(np.float64) * m[:, None] + rng.standard_normal((T, N)) * 0.02)
    R[rng.random((T, N)) < 0.01] = np.nan
    dates = pd.bdate_range("2000-01-03", periods=T)
    tickers = pd.Index([f"T{i:05d}" for i in range(N)])
    panel = ReturnsPanel(R, dates, tickers, m, "MKT")
    ev = pd.DataFrame({"ticker": tickers[rng.integers(0, N, a.events)],
                       "date": dates[rng.integers(260, T - 70, a.events)],
                       "direction": np.where(rng.random(a.events) < 0.3, "buy", "sell")})
    print(f"panel {T:,} days x {N:,} tickers (1% missing), {a.events:,} events; setup {time.perf_counter() - t0:.1f}s, "
          f"RSS so far {peak_gb():.2f} GB")
    cws = [(-1, 1), (0, 5), (0, 20), (0, 40), (0, 60)]
    kw = {"model": "market_model", "estimation": (-250, -21), "window": (-20, 60), "car_windows": cws,
          "group": "direction", "min_estimation": 120}
    base = peak_gb()
    t0 = time.perf_counter()
    res = event_study(ev, panel, **kw)  # type: ignore[arg-type]
    wall = time.perf_counter() - t0
    print(f"engine: {len(res.events):,} events used, {wall:.2f} s wall, peak RSS {peak_gb():.2f} GB "
          f"(panel+events before the call {base:.2f} GB); tests computed: {', '.join(res.tests.columns[:12])} ...")
    print(f"target <= 3 s: {'MET' if wall <= 3 else 'NOT MET'}; <= 4 GB: {'MET' if peak_gb() <= 4 else 'NOT MET'}")

    # the same 2,000 events, engine vs a per-event statsmodels loop
    sub = ev.iloc[: a.sm_events]
    t0 = time.perf_counter()
    r2 = event_study(sub, panel, **kw)  # type: ignore[arg-type]
    t_engine = time.perf_counter() - t0
    t0 = time.perf_counter()
    cars = []
    d0s = np.searchsorted(dates, pd.to_datetime(r2.events["date"]))
    for tk, d0 in zip(r2.events["ticker"], d0s, strict=True):
        j = tickers.get_loc(tk)
        y, x = R[d0 - 250:d0 - 20, j], m[d0 - 250:d0 - 20]
        ok = np.isfinite(y)
        fit = sm.OLS(y[ok], sm.add_constant(x[ok])).fit()
        ar = R[d0:d0 + 61, j] - fit.params[0] - fit.params[1] * m[d0:d0 + 61]
        cars.append(np.nansum(ar))
    t_sm = time.perf_counter() - t0
    diff = np.max(np.abs(np.array(cars) - r2.car_values[(0, 60)]))
    print(f"{len(cars):,} events: engine {t_engine * 1000:.1f} ms (all tests included), statsmodels loop {t_sm:.2f} s "
          f"-> {t_sm / t_engine:,.0f}x faster; max |CAR difference| = {diff:.2e}")
    print(f"target >= 300x: {'MET' if t_sm / t_engine >= 300 else 'NOT MET'}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
