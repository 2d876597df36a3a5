"""Compile the kit's numba kernels once, when the kit is installed (the Makefile's install step runs this).

The engine, the signals and the ledger run compiled kernels that numba caches on disk next to their sources
(``cache=True``).  Without this step the first analysis after installing compiles them: about half a minute on a
2-core machine, inside the user's first ``make report``.  Here the report's stages run once on a tiny teaching
market in a temporary directory (deleted afterwards): building the study, the claims ledger with its grids,
an event study under every return model with every statistic and its abnormal returns, and a power
simulation, which compiles every kernel the report and the notebooks call (a report rendered afterwards compiles
nothing more).  Nothing is written outside numba's cache.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path


def main() -> None:
    """Run the report's stages on a tiny teaching market; print how long compiling took."""
    t0 = time.perf_counter()
    import insider_kit as ik
    from insider_kit.claims import robustness
    from insider_kit.eventstudy import simulate_power
    from insider_kit.sample import SampleSpec, generate_sample

    with tempfile.TemporaryDirectory(prefix="insider-kit-compile-") as d:
        root = Path(d) / "sample"
        generate_sample(root, spec=SampleSpec(n_firms=60, start="2018-01-02", end="2021-12-31", edgar_weeks=1),
                        progress=False)
        for _ in range(2):  # the study built, then read back from its cache (memory-mapped returns)
            study = ik.load_study(root)
        ik.run_ledger(study)
        robustness(study)
        for model in ("market_adjusted", "market_model", "ff3", "carhart"):
            res = ik.event_study(study.events, study.panel, model=model, group="direction", max_loss=None)
            _ = res.ar  # (built on first use, by a kernel of its own)
            _ = ik.event_study(study.events.iloc[:1], study.panel, model=model, max_loss=None).ar  # (one event)
        simulate_power(study.panel, effects=(0.01,), n_events=(25,), reps=2)  # (a panel with planted returns)
    print(f"compiled the kit's kernels ({time.perf_counter() - t0:.0f} s, once after installing)")


if __name__ == "__main__":
    main()
