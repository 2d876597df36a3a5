"""The results object of :func:`~insider_kit.eventstudy.event_study` (labelled pandas properties).

The engine stores plain arrays; the labelled pandas views (``events``, ``car``,
``tests``, ``dropped``, ...) are built from them on first access and cached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from ..errors import InsiderKitError

__all__ = ["EventStudyResult"]


@dataclass(repr=False, eq=False)
class EventStudyResult:
    """Abnormal returns, CARs and tests of one event study.

    Properties return labelled pandas objects: ``events`` (the used events with
    ``day0``, ``n_est`` and ``sigma``), ``ar`` (events x relative day), ``car``
    (events x window), ``aar`` and ``caar`` (per group, with a 95% confidence
    band), ``tests`` (per group and window), ``dropped`` (every event not used,
    with its reason).
    """

    source: pd.DataFrame
    used_index: np.ndarray
    day0: pd.DatetimeIndex
    n_est: np.ndarray
    sigma: np.ndarray
    rel_days: np.ndarray
    ar_source: Callable[[], np.ndarray]
    car_windows: list[tuple[int, int]]
    car_matrix: np.ndarray
    car_n_matrix: np.ndarray
    scar_matrix: np.ndarray
    bhar_matrix: np.ndarray | None
    groups_source: tuple[np.ndarray, list[str]] | Callable[[], tuple[np.ndarray, list[str]]]
    group_name: str | None
    stats: dict[str, np.ndarray] | None
    dropped_index: np.ndarray
    dropped_reason: np.ndarray
    n_input: int
    model: str
    estimation: tuple[int, int]
    window: tuple[int, int]
    meta: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def _wname(c: tuple[int, int]) -> str:
        return f"({c[0]:+d},{c[1]:+d})"

    def _by_window(self, m: np.ndarray | None) -> dict[tuple[int, int], np.ndarray]:
        return {} if m is None else {c: m[:, k] for k, c in enumerate(self.car_windows)}

    @cached_property
    def _group_codes_labels(self) -> tuple[np.ndarray, list[str]]:
        src = self.groups_source
        return src() if callable(src) else src

    @property
    def group_codes(self) -> np.ndarray:
        """Group of each used event, as a position in :attr:`group_labels`."""
        return self._group_codes_labels[0]

    @property
    def group_labels(self) -> list[str]:
        """The groups with used events, in order of first appearance in the input."""
        return self._group_codes_labels[1]

    @cached_property
    def ar_values(self) -> np.ndarray:
        """Abnormal returns, ``events x relative days`` (computed from the fitted models on first use:
        a million events x 81 days is 650 MB that most studies never look at)."""
        return self.ar_source()

    @property
    def car_values(self) -> dict[tuple[int, int], np.ndarray]:
        """CAR per used event, by window (arrays aligned with ``events``)."""
        return self._by_window(self.car_matrix)

    @property
    def car_n(self) -> dict[tuple[int, int], np.ndarray]:
        """Days with a return inside each CAR window (missing days count as zero in the CAR)."""
        return self._by_window(self.car_n_matrix)

    @property
    def scar_values(self) -> dict[tuple[int, int], np.ndarray]:
        return self._by_window(self.scar_matrix)

    @property
    def bhar_values(self) -> dict[tuple[int, int], np.ndarray]:
        return self._by_window(self.bhar_matrix)

    @cached_property
    def events(self) -> pd.DataFrame:
        """The used events with ``day0``, ``n_est`` and ``sigma``.

        Rows are in the order the engine works in (the panel's ticker order, then date; ties
        in input order) and keep the index labels of the events passed in, so
        ``result.events.index`` points back to the caller's rows.  ``ar``, ``car`` and
        every per-event array are aligned with these rows.
        """
        return self.source.iloc[self.used_index].assign(day0=self.day0, n_est=self.n_est, sigma=self.sigma)

    @cached_property
    def dropped(self) -> pd.DataFrame:
        """Every event not used, with its input columns and the reason."""
        return self.source.iloc[self.dropped_index].assign(reason=self.dropped_reason)

    @cached_property
    def groups(self) -> pd.Series:
        """Group label of each used event (``"all"`` without a group column)."""
        cat = pd.Categorical.from_codes(self.group_codes, categories=pd.Index(self.group_labels, dtype=object))
        return pd.Series(np.asarray(cat, dtype=object), index=self.source.index[self.used_index], name=self.group_name or "group",
                         dtype="string")

    @cached_property
    def tests(self) -> pd.DataFrame:
        """Every test statistic, one row per group and CAR window."""
        if self.stats is None:
            raise InsiderKitError("this study was run with tests=False: no test statistics were computed")
        idx = pd.MultiIndex.from_product([self.group_labels, [self._wname(c) for c in self.car_windows]],
                                         names=["group", "window"])
        df = pd.DataFrame(self.stats, index=idx)
        df["n"] = df["n"].astype(int)
        return df

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
        for gi, g in enumerate(self.group_labels):
            x = cum[self.group_codes == gi]
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

    def _head(self) -> str:
        return (f"{len(self.used_index):,} of {self.n_input:,} events used ({len(self.dropped_index):,} dropped), "
                f"model={self.model}, estimation={self.estimation}, window={self.window}")

    def __str__(self) -> str:
        head = "Event study: " + self._head()
        return head if self.stats is None else head + "\n" + self.summary().round(4).to_string()

    def _repr_html_(self) -> str:
        reasons = pd.Series(self.dropped_reason).str.replace(r" \(.*", "", regex=True).value_counts()
        drop = "" if reasons.empty else "<br>dropped: " + ", ".join(f"{r} ({c})" for r, c in reasons.items())
        head = (f"<p><b>Event study</b>: {len(self.used_index):,} of {self.n_input:,} events used, model "
                f"<code>{self.model}</code>, estimation {self.estimation}, window {self.window}{drop}</p>")
        if self.stats is None:
            return head
        s = self.summary().style.format(
            {"mean_car": "{:.2%}", "ci_low": "{:.2%}", "ci_high": "{:.2%}", "t_cs": "{:.2f}", "p_cs": "{:.3f}",
             "bmp_t": "{:.2f}", "kp_t": "{:.2f}", "patell_z": "{:.2f}", "rank_z": "{:.2f}", "sign_z": "{:.2f}"})
        return head + s.to_html()

    def plot(self, ax: Any = None, **kw: Any) -> Any:
        """CAAR curves with confidence bands (drawn by :mod:`insider_kit.plots`)."""
        from ..plots import plot_caar

        return plot_caar(self.caar(start=kw.pop("start", -1), flip=tuple(kw.pop("flip", ()))), ax=ax, **kw)
