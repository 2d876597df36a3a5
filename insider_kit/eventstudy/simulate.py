"""Size and power of event-study tests by simulation (Brown & Warner 1985), on any returns panel.

Each replication draws random (ticker, date) events, optionally adds a planted
CAR spread evenly over the CAR window, and runs the study; all replications go
through the engine at once (one group per replication), so thousands of studies
take seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..prices.panel import ReturnsPanel
from .engine import event_study

__all__ = ["simulate_power"]


def simulate_power(panel: ReturnsPanel, *, effects: Sequence[float] = (0.0, 0.01, 0.02), n_events: Sequence[int] = (25, 100, 400),
                   reps: int = 100, window: tuple[int, int] = (0, 20), model: str = "market_model",
                   level: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """Rejection rates of the cross-sectional t and BMP tests for each planted effect and sample size.

    Returns one row per (effect, n_events, test) with ``rejection_rate``; with ``effect=0`` it is the
    test's size (should be near *level*).
    """
    from scipy import stats as st

    rng = np.random.default_rng(seed)
    T, N = panel.values.shape
    lo, hi = 260, T - window[1] - 2
    rows = []
    for eff in effects:
        for n in n_events:
            j = rng.integers(0, N, (reps, n))
            d = rng.integers(lo, hi, (reps, n))
            vals = panel.values
            if eff:
                vals = panel.values.copy()
                L = window[1] - window[0] + 1
                for k in range(window[0], window[1] + 1):  # loop over days of the window, not events
                    np.add.at(vals, (d.ravel() + k, j.ravel()), eff / L)
            p = ReturnsPanel(vals, panel.dates, panel.tickers, panel.market, panel.market_name, panel.factors)
            ev = pd.DataFrame({"ticker": panel.tickers[j.ravel()], "date": panel.dates[d.ravel()],
                               "rep": np.repeat(np.arange(reps), n).astype(str)})
            res = event_study(ev, p, model=model, group="rep", window=(min(-5, window[0]), window[1]),  # type: ignore[arg-type]
                              car_windows=[window], min_estimation=100, max_loss=0.5)
            t = res.tests
            for name, stat in (("cross-sectional t", t["t_cs"]), ("BMP t", t["bmp_t"])):
                rej = 2 * st.norm.sf(np.abs(stat.to_numpy(float))) < level
                rows.append({"effect": eff, "n_events": n, "test": name, "rejection_rate": float(rej.mean()),
                             "reps": reps})
    return pd.DataFrame(rows)
