"""The results object of :func:`~insider_kit.eventstudy.event_study` (labelled pandas properties)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

__all__ = ["EventStudyResult"]


@dataclass(repr=False)
class EventStudyResult:
    """Abnormal returns, CARs and tests of one event study.

    Properties return labelled pandas objects: ``ar`` (events x relative day),
    ``car`` (events x window), ``aar`` and ``caar`` (per group, with a 95%
    confidence band), ``tests`` (per group and window), ``dropped`` (every
    event not used, with its reason).
    """

    events: pd.DataFrame
    rel_days: np.ndarray
    ar_values: np.ndarray
    car_windows: list[tuple[int, int]]
    car_values: dict[tuple[int, int], np.ndarray]
    car_n: dict[tuple[int, int], np.ndarray]
    scar_values: dict[tuple[int, int], np.ndarray]
    bhar_values: dict[tuple[int, int], np.ndarray]
    groups: pd.Series
    group_name: str | None
    tests: pd.DataFrame
    dropped: pd.DataFrame
    n_input: int
    model: str
    estimation: tuple[int, int]
    window: tuple[int, int]
    meta: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def _wname(c: tuple[int, int]) -> str:
        return f"({c[0]:+d},{c[1]:+d})"

    @property
    def ar(self) -> pd.DataFrame:
        """Abnormal returns: one row per used event, one column per relative day."""
        return pd.DataFrame(self.ar_values, index=self.events.index, columns=pd.Index(self.rel_days, name="rel_day"))

    @property
    def car(self) -> pd.DataFrame:
        """CAR per used event (rows aligned with ``events``) and window."""
        return pd.DataFrame({self._wname(c): v for c, v in self.car_values.items()}, index=self.events.index)

    @property
    def bhar(self) -> pd.DataFrame:
        return pd.DataFrame({self._wname(c): v for c, v in self.bhar_values.items()}, index=self.events.index)

    @property
    def aar(self) -> pd.DataFrame:
        """Average abnormal return per relative day (rows) and group (columns)."""
        df = self.ar.groupby(self.groups.to_numpy()).mean().T
        df.columns.name = self.group_name or "group"
        return df

    def caar(self, start: int | None = None, level: float = 0.95, flip: tuple[str, ...] = ()) -> pd.DataFrame:
        """Cumulative average abnormal return from *start* (default: window start), per group.

        Long format: ``group, rel_day, caar, lower, upper, n``; the band is the
        cross-sectional confidence interval of the cumulated ARs at *level*.
        Groups in *flip* are sign-flipped (e.g. ``("sell",)`` to put sales on the purchases' scale)
        and labelled ``"-<group>"``.
        """
        start = self.rel_days[0] if start is None else start
        rows = []
        sel = self.rel_days >= start
        cum = np.nancumsum(np.where(sel[None, :], self.ar_values, 0.0), axis=1)[:, sel]
        for g in pd.unique(self.groups):
            m = (self.groups == g).to_numpy()
            x = cum[m]
            n = x.shape[0]
            mean = x.mean(axis=0)
            se = x.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(x.shape[1], np.nan)
            q = st.t.ppf(0.5 + level / 2, max(n - 1, 1))
            s_ = -1.0 if g in flip else 1.0
            rows.append(pd.DataFrame({"group": f"-{g}" if g in flip else g, "rel_day": self.rel_days[sel],
                                      "caar": s_ * mean, "lower": s_ * mean - q * se, "upper": s_ * mean + q * se,
                                      "n": n}))
        return pd.concat(rows, ignore_index=True)

    def summary(self, windows: list[str] | None = None) -> pd.DataFrame:
        """Compact table: N, mean CAR with 95% CI, the main test statistics."""
        cols = ["n", "mean_car", "ci_low", "ci_high", "t_cs", "p_cs", "bmp_t", "kp_t", "patell_z", "rank_z", "sign_z"]
        t = self.tests[cols]
        if windows:
            t = t[t.index.get_level_values("window").isin(windows)]
        return t

    def __repr__(self) -> str:
        return self.__str__()

    def __str__(self) -> str:
        head = (f"Event study: {len(self.events):,} of {self.n_input:,} events used "
                f"({len(self.dropped):,} dropped), model={self.model}, estimation={self.estimation}, "
                f"window={self.window}")
        return head + "\n" + self.summary().round(4).to_string()

    def _repr_html_(self) -> str:
        s = self.summary().style.format(
            {"mean_car": "{:.2%}", "ci_low": "{:.2%}", "ci_high": "{:.2%}", "t_cs": "{:.2f}", "p_cs": "{:.3f}",
             "bmp_t": "{:.2f}", "kp_t": "{:.2f}", "patell_z": "{:.2f}", "rank_z": "{:.2f}", "sign_z": "{:.2f}"})
        reasons = self.dropped["reason"].str.replace(r" \(.*", "", regex=True).value_counts() if len(self.dropped) else None
        drop = "" if reasons is None else "<br>dropped: " + ", ".join(f"{r} ({c})" for r, c in reasons.items())
        return (f"<p><b>Event study</b>: {len(self.events):,} of {self.n_input:,} events used, model "
                f"<code>{self.model}</code>, estimation {self.estimation}, window {self.window}{drop}</p>" + s.to_html())

    def plot(self, ax: Any = None, **kw: Any) -> Any:
        """CAAR curves with confidence bands (drawn by :mod:`insider_kit.plots`)."""
        from ..plots import plot_caar

        return plot_caar(self.caar(start=kw.pop("start", -1), flip=tuple(kw.pop("flip", ()))), ax=ax, **kw)
