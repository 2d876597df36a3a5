"""Size and power of event-study tests by simulation (Brown & Warner 1985), on any returns panel.

Each replication draws placebo events, optionally adds a planted CAR spread evenly over the CAR window,
and runs the study.  **Each placebo event sees only its own planted effect**: every event gets its own column
of a working panel (a copy of its stock's returns, the plant added to its window days only), so no event's
estimation or CAR window picks up another event's — or another replication's — planted returns (planting
every replication's effects into one shared panel made each study pick up the others' and overstated
power: a planted 1% read as a 2.2% mean CAR on a real panel).  Replications go through the engine in
batches (one group per replication), so thousands of studies take seconds.  Placebo events are drawn uniformly over firms and dates, or — with
``like=`` — like a study's real events: tickers from the real events' tickers and dates from their dates
(drawn independently, so no real event's own effect comes along), which reproduces the clustering of the
real data in calendar time and across firms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataError
from ..prices.panel import ReturnsPanel
from ..tables import display_frame
from .engine import Model, event_study

__all__ = ["TESTS", "placebo_tests", "power_table", "simulate_power"]

#: The statistics whose rejection rates :func:`simulate_power` reports: (name, p-value column).
TESTS: tuple[tuple[str, str], ...] = (
    ("cross-sectional t", "p_cs"), ("Patell z", "p_patell"), ("BMP t", "p_bmp"), ("Kolari-Pynnönen t", "p_kp"),
    ("standardized rank z (Corrado-Zivney)", "p_rank"), ("GRANK t", "p_grank"), ("generalized sign z", "p_sign"), ("Wilcoxon", "p_wilcoxon"),
)


def _wilson(k: np.ndarray, n: int, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    p = k / n
    den = 1 + z**2 / n
    c = (p + z**2 / (2 * n)) / den
    h = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return np.clip(c - h, 0, 1), np.clip(c + h, 0, 1)


def simulate_power(panel: ReturnsPanel, *, effects: Sequence[float] = (0.0, 0.01, 0.02),
                   n_events: Sequence[int] = (25, 100, 400), reps: int = 100, window: tuple[int, int] = (0, 20),
                   model: Model = "market_model", level: float = 0.05, seed: int = 0,
                   like: pd.DataFrame | None = None,
                   tests: Sequence[str] | Literal["all"] = ("cross-sectional t", "BMP t")) -> pd.DataFrame:
    """Rejection rates of event-study tests for each planted effect and sample size.

    Parameters
    ----------
    panel
        The returns panel the placebo events are drawn on.
    effects
        Planted CARs (decimals) spread evenly over *window*; ``0.0`` measures the tests' size.
    n_events
        Events per simulated study.
    reps
        Simulated studies per (effect, size).
    window
        The CAR window tested.
    model
        Return model (:func:`insider_kit.event_study`).
    level
        Nominal level of the tests.
    seed
        Random seed.
    like
        Real events (``ticker``, ``date``) whose firms and calendar distribution the placebo events copy.
    tests
        Names among :data:`TESTS`, or ``"all"``.

    Returns
    -------
    pandas.DataFrame
        One row per (effect, n_events, test): ``rejection_rate`` with its 95% Wilson interval ``ci_low``,
        ``ci_high`` over the *reps* studies; with ``effect == 0`` it is the test's size (near *level* when
        the test is well specified).

    Notes
    -----
    Brown & Warner (1985): draw placebo events, add the effect to their returns over the window, run the
    event study, count rejections; a test's size is its rejection rate with nothing planted.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> pw = simulate_power(study.panel, effects=(0.0, 0.02), n_events=(50,), reps=10, like=study.events)
    >>> sorted(pw["effect"].unique().tolist()), bool(pw["rejection_rate"].between(0, 1).all())
    ([0.0, 0.02], True)
    """
    want = [t for t in TESTS if tests == "all" or t[0] in tests]
    if not want:
        raise DataError(f"unknown test(s) {tests!r}", hint="choose among " + ", ".join(t for t, _ in TESTS))
    rng = np.random.default_rng(seed)
    T, N = panel.values.shape
    lo, hi = 260, T - window[1] - 2
    if hi <= lo:
        raise DataError(f"the panel's {T} days are too few for a 250-day estimation window and window {window}")
    if like is not None:
        col = pd.Series(np.arange(N), index=panel.tickers)
        col = col[~col.index.duplicated()]
        pool_j = like["ticker"].astype(str).map(col).dropna().astype(int).to_numpy()
        pool_d = np.searchsorted(panel.dates.to_numpy(), pd.to_datetime(like["date"]).to_numpy())
        pool_d = pool_d[(pool_d >= lo) & (pool_d < hi)]
        if len(pool_j) == 0 or len(pool_d) == 0:
            raise DataError("the events given as like= have no tickers or dates usable on this panel")
    rows = []
    for eff in effects:
        for n in n_events:
            if like is not None:
                j = pool_j[rng.integers(0, len(pool_j), (reps, n))]
                d = pool_d[rng.integers(0, len(pool_d), (reps, n))]
            else:
                j = rng.integers(0, N, (reps, n))
                d = rng.integers(lo, hi, (reps, n))
            t = placebo_tests(panel, j, d, eff, window=window, model=model)
            for name, pcol in want:
                rej = (t[pcol].to_numpy(float) < level)
                k = int(rej.sum())
                ci = _wilson(np.array([k]), len(rej))
                rows.append({"effect": eff, "n_events": n, "test": name, "rejection_rate": k / len(rej),
                             "ci_low": float(ci[0][0]), "ci_high": float(ci[1][0]), "reps": len(rej)})
    return display_frame(pd.DataFrame(rows), percent=("effect",))


#: Values of a working panel (dates x event columns) per engine call: bounds the memory of a batch.
_BATCH_VALUES = 8_000_000


def placebo_tests(panel: ReturnsPanel, j: np.ndarray, d: np.ndarray, effect: float, *,
                  window: tuple[int, int] = (0, 20), model: Model = "market_model") -> pd.DataFrame:
    """The test table of each simulated study: replication ``r`` holds the events ``(j[r, k], d[r, k])``
    (panel column, day index), each with *effect* planted over *window* on **its own** returns only.

    Every event gets its own column of a working panel — a copy of its stock's returns with the plant added on
    its window days — so an event never sees another event's plant (module docstring).  Replications run in
    batches of at most eight million working values, one group per replication.

    Parameters
    ----------
    panel
        The returns panel.
    j, d
        ``replications x events`` panel columns and day-0 indices.
    effect
        The planted CAR (decimal), spread evenly over *window*.
    window
        The CAR window.
    model
        The return model.

    Returns
    -------
    pandas.DataFrame
        :attr:`EventStudyResult.tests` rows, one per replication (index ``rep``).

    Examples
    --------
    >>> import numpy as np, insider_kit as ik
    >>> panel = ik.load_study("sample").panel
    >>> rng = np.random.default_rng(0)
    >>> j, d = rng.integers(0, 50, (3, 40)), rng.integers(300, 900, (3, 40))
    >>> t = placebo_tests(panel, j, d, 0.05, model="market_adjusted")
    >>> len(t), bool(t["mean_car"].mean() > 0.02)
    (3, True)
    """
    reps, n = j.shape
    T = len(panel.dates)
    L = window[1] - window[0] + 1
    if d.shape != j.shape or (d.size and (d.min() + min(-5, window[0]) < 0 or d.max() + window[1] >= T)):
        raise DataError(f"placebo days must be {j.shape} day indices whose windows {window} lie inside the panel's "
                        f"{T} days")
    per_batch = max(1, _BATCH_VALUES // max(T * n, 1))
    out = []
    for r0 in range(0, reps, per_batch):
        jb, db = j[r0: r0 + per_batch].ravel(), d[r0: r0 + per_batch].ravel()
        vals = panel.values[:, jb].copy()  # one column per event: its stock's returns
        if effect:
            cols = np.arange(len(jb))
            for k in range(window[0], window[1] + 1):  # over the window's days, not the events
                vals[db + k, cols] += effect / L
        names = pd.Index([f"e{k}" for k in range(len(jb))])
        flags = None if panel.delisted is None else np.asarray(panel.delisted)[jb]
        p = ReturnsPanel(vals, panel.dates, names, panel.market, panel.market_name, panel.factors, delisted=flags)
        reps_b = len(jb) // n
        ev = pd.DataFrame({"ticker": names, "date": panel.dates[db],
                           "rep": np.repeat(np.arange(r0, r0 + reps_b), n).astype(str)})
        res = event_study(ev, p, model=model, group="rep", window=(min(-5, window[0]), window[1]),
                          car_windows=[window], min_estimation=100, max_loss=0.5)
        out.append(res.tests.droplevel(["start", "end"]))
    return pd.concat(out)


def power_table(study: object, *, n_events: int = 200, reps: int = 100, window: tuple[int, int] = (0, 20),
                model: Model = "market_adjusted", seed: int = 0) -> pd.DataFrame:
    """Each test's size and power on a study's own data: placebo events drawn like its events (``like=``),
    ``n_events`` per study, nothing planted / +1% / +2% over *window*.

    Parameters
    ----------
    study
        A loaded study.
    n_events
        Events per simulated study.
    reps
        Simulated studies per cell.
    window
        The CAR window tested.
    model
        The return model.
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        One row per test: ``size (0%)`` (the rejection rate at 5% with nothing planted: the size measured on
        this data), ``simulation error`` (two binomial standard errors of a 5% rate in *reps* studies: a size
        further than this from 5% is the test's, not the simulation's), ``size off`` (``"over-rejects"``,
        ``"under-rejects"`` or empty), ``power (+1%)``, ``power (+2%)`` and the studies simulated per cell.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> tab = power_table(study, n_events=50, reps=20)
    >>> tab.columns.tolist()
    ['size (0%)', 'simulation error', 'size off', 'power (+1%)', 'power (+2%)', 'studies']
    """
    panel = study.panel  # type: ignore[attr-defined]
    ev = study.events  # type: ignore[attr-defined]
    pw = simulate_power(panel, effects=(0.0, 0.01, 0.02), n_events=(n_events,), reps=reps, window=window,
                        model=model, seed=seed, like=ev, tests="all")
    t = pw.pivot_table(index="test", columns="effect", values="rejection_rate", sort=False)
    t.columns = ["size (0%)", "power (+1%)", "power (+2%)"]
    err = 2 * np.sqrt(0.05 * 0.95 / reps)
    size = t["size (0%)"].to_numpy(float)
    t.insert(1, "simulation error", err)
    t.insert(2, "size off", np.where(size > 0.05 + err, "over-rejects", np.where(size < 0.05 - err, "under-rejects", "")))
    t["studies"] = reps
    t.attrs["n_events"] = n_events
    return display_frame(t)

