"""The results objects of the engine, in the linearmodels mould: labelled pandas properties, ``summary()``,
``conf_int(level)``, ``_repr_html_`` and ``plot()``; and :class:`Estimates`, the one results protocol every
estimate of the kit follows (event studies, comparisons, clustered fits, CAR regressions, calendar-time
portfolios, the ledger's claims).

The engine stores plain arrays; the labelled views (``events``, ``car``, ``tests``, ``dropped``, ...) are
built from them on first access and cached.  CAR windows are keyed by ``(start, end)`` integer tuples
(trading days relative to day 0, inclusive); :func:`window_label` gives the display form ``"(+0,+60)"``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._lazy import scipy_stats as st
from ..errors import DataError, InsiderKitError
from ..tables import DisplayFrame, display_frame, glossary_html, latex_table, markdown_table, style_table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Estimates", "EventStudyResult", "ResultsBase", "Window", "window_label", "window_of"]

#: A CAR window: ``(start, end)`` trading days relative to day 0, inclusive.
Window = tuple[int, int]


def window_label(w: Window) -> str:
    """The display label of a CAR window.

    Parameters
    ----------
    w
        A ``(start, end)`` tuple of trading days relative to day 0.

    Returns
    -------
    str
        The label used in tables and plots.

    Examples
    --------
    >>> window_label((0, 60)), window_label((-5, -1))
    ('(+0,+60)', '(-5,-1)')
    """
    return f"({w[0]:+d},{w[1]:+d})"


def window_of(w: Window | str, available: Sequence[Window]) -> Window:
    """The window *w* (a ``(start, end)`` tuple, or its display label) among *available*.

    Parameters
    ----------
    w
        The window asked for.
    available
        The windows a result has.

    Returns
    -------
    tuple of (int, int)
        The window.

    Raises
    ------
    DataError
        When *w* is not among *available* (the message lists them).

    Examples
    --------
    >>> window_of("(+0,+60)", [(0, 20), (0, 60)])
    (0, 60)
    >>> window_of((0, 5), [(0, 20)])
    Traceback (most recent call last):
    ...
    insider_kit.errors.DataError: ...
    """
    if isinstance(w, str):
        found = [c for c in available if window_label(c) == w.replace(" ", "")]
        if not found:
            raise DataError(f"CAR window {w} was not computed; available: {', '.join(map(window_label, available))}")
        return found[0]
    t = (int(w[0]), int(w[1]))
    if t not in [tuple(c) for c in available]:
        raise DataError(f"CAR window {window_label(t)} was not computed; available: {', '.join(map(window_label, available))}")
    return t


def _window_columns(windows: Sequence[Window]) -> pd.MultiIndex:
    return pd.MultiIndex.from_tuples([tuple(w) for w in windows], names=["start", "end"])


def _with_columns(source: pd.DataFrame, rows: np.ndarray, **columns: np.ndarray) -> pd.DataFrame:
    """``source.iloc[rows].assign(**columns)`` with one copy of the rows, not two (``assign`` copies the whole
    frame again before it adds a column: at a million events with text columns, most of a result's cost)."""
    out = source.take(rows)  # (a new frame: its columns can be set without touching *source*)
    for name, values in columns.items():
        out[name] = values
    return out


class ResultsBase:
    """What every results object of the kit shares: ``summary()`` (a frame), ``__str__``, and an HTML view in
    the kit's table style (:mod:`insider_kit.tables`) with a one-paragraph head.  Subclasses give
    :meth:`summary`, ``_head()`` and the column formats."""

    _percent: tuple[str, ...] = ()
    _count: tuple[str, ...] = ()
    _stat: tuple[str, ...] = ()
    _pvalue: tuple[str, ...] = ()
    _title: str = "Result"

    def summary(self) -> pd.DataFrame:  # pragma: no cover - abstract
        """The object as one table (each subclass says which)."""
        raise NotImplementedError

    def _head(self) -> str:
        return ""

    def _display(self, df: pd.DataFrame) -> DisplayFrame:
        """*df* shown in the kit's style with this object's column formats (:func:`insider_kit.tables.display_frame`)."""
        return display_frame(df, percent=self._percent, count=self._count, stat=self._stat, pvalue=self._pvalue)

    def __str__(self) -> str:
        s = self.summary()
        return f"{self._title}: {self._head()}" + ("" if s is None else "\n" + s.to_string(float_format=lambda x: f"{x:.4g}"))

    def __repr__(self) -> str:
        return self.__str__()

    def _repr_html_(self) -> str:
        import html

        s = self.summary()
        body = "" if s is None else style_table(s, percent=self._percent, count=self._count, stat=self._stat,
                                                pvalue=self._pvalue, auto=True)
        glossary = glossary_html(s.columns) if s is not None else ""
        return f"<p><b>{html.escape(self._title)}</b>: {html.escape(self._head())}</p>" + body + glossary


class Estimates(ResultsBase):
    """The results protocol: every estimate of the kit answers the same questions with the same names.

    ``params``
        The estimates (a labelled Series; one entry for a single estimate).
    ``std_errors``, ``pvalues``
        Their standard errors and two-sided p-values (same labels).
    ``nobs``
        Observations behind each estimate (an int, or a Series with the same labels).
    ``conf_int(level)``
        ``lower`` and ``upper`` at *level*, from ``params`` and ``std_errors`` with the critical value of the
        estimate's own method; the method is named in ``ci_method`` and in the frame's ``attrs["method"]``.
    ``summary()``, ``_repr_html_``, ``to_frame()``, ``to_latex()``, ``to_markdown()``
        The object as a table: ``to_frame()`` has one row per estimate with ``estimate, std_error, ci_low,
        ci_high, p, nobs`` (``ci_low``/``ci_high`` are always the interval of ``ci_method``, at 95%).

    A subclass provides ``params``, ``std_errors``, ``pvalues``, ``nobs`` and ``ci_method``, and overrides
    ``_critical(level)`` when its interval is not normal (a t with N - 1 degrees of freedom, say).
    """

    _latex_percent: tuple[str, ...] = ("estimate", "std_error", "ci_low", "ci_high")

    if TYPE_CHECKING:
        @property
        def params(self) -> pd.Series: ...

        @property
        def std_errors(self) -> pd.Series: ...

        @property
        def pvalues(self) -> pd.Series: ...

        @property
        def nobs(self) -> int | pd.Series: ...

        @property
        def ci_method(self) -> str: ...

    def _critical(self, level: float) -> np.ndarray | float:
        """The critical value of a two-sided interval at *level* (normal unless the subclass says otherwise)."""
        return float(st.norm.ppf(0.5 + level / 2))

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals of ``params`` at *level*: ``params -/+ q * std_errors`` with the critical value
        *q* of ``ci_method``.

        Parameters
        ----------
        level
            The confidence level.

        Returns
        -------
        pandas.DataFrame
            ``lower`` and ``upper``, indexed like ``params``; ``attrs["method"]`` names the method.
        """
        if not 0 < level < 1:
            raise DataError(f"level={level!r} is not a probability in (0, 1)")
        q = self._critical(level)
        est, se = self.params.to_numpy(float), self.std_errors.to_numpy(float)
        out = pd.DataFrame({"lower": est - q * se, "upper": est + q * se}, index=self.params.index)
        out.attrs["method"] = self.ci_method
        out.attrs["level"] = level
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per estimate: ``estimate, std_error, ci_low, ci_high`` (95%, :attr:`ci_method`), ``p``,
        ``nobs``.

        Returns
        -------
        pandas.DataFrame
            The table (``attrs["ci_method"]`` names the interval).
        """
        ci = self.conf_int(0.95)
        nobs = self.nobs
        out = pd.DataFrame({"estimate": self.params, "std_error": self.std_errors, "ci_low": ci["lower"],
                            "ci_high": ci["upper"], "p": self.pvalues,
                            "nobs": nobs if isinstance(nobs, pd.Series) else int(nobs)}, index=self.params.index)
        out.attrs["ci_method"] = self.ci_method
        return out

    def to_latex(self, *, caption: str | None = None, label: str | None = None) -> str:
        """:meth:`to_frame` as a LaTeX table (booktabs), returns in percent, with a note naming the interval.

        Parameters
        ----------
        caption, label
            Optional caption and ``\\label`` (then the tabular is wrapped in a ``table`` float).

        Returns
        -------
        str
            The LaTeX source.
        """
        return latex_table(self.to_frame(), percent=self._latex_percent, count=("nobs",), pvalue=("p",),
                           caption=caption, label=label, notes=f"95% confidence intervals: {self.ci_method}.")

    def to_markdown(self) -> str:
        """:meth:`to_frame` as a Markdown table, returns in percent.

        Returns
        -------
        str
            The Markdown source.
        """
        return markdown_table(self.to_frame(), percent=self._latex_percent, count=("nobs",), pvalue=("p",))


class EventStudyResult(Estimates):
    """Abnormal returns, CARs and tests of one event study (made by :func:`insider_kit.event_study`).

    Properties return labelled pandas objects, aligned with ``events``:

    ``events``
        The used events with ``day0``, ``n_est`` (estimation days) and ``sigma`` (estimation residual sd).
    ``ar``
        Abnormal returns, events x relative day.
    ``car``, ``scar``, ``bhar``
        CAR, standardised CAR and buy-and-hold abnormal return per event; columns ``(start, end)``.
    ``aar``, ``caar()``
        Average abnormal return per relative day and group; its cumulative form with a confidence band.
    ``tests``
        Every test statistic, one row per ``(group, start, end)``.
    ``dropped``
        Every event not used, with its input columns and the reason.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> res = ik.event_study(study.events, study.panel, group="direction", car_windows=[(0, 20), (0, 60)])
    >>> res.car.columns.tolist()
    [(0, 20), (0, 60)]
    >>> ci = res.conf_int(level=0.9)
    >>> bool((ci["lower"] <= ci["mean_car"]).all())
    True
    """

    _percent = ("mean_car", "ci_low", "ci_high", "same_date")
    _count = ("n",)
    _stat = ("t_cs", "bmp_t", "kp_t", "patell_z", "rank_z", "sign_z", "grank_t", "var_scar")  # (in ``tests``)
    _pvalue = ("p_cs", "p_kp", "p_grank")
    _title = "Event study"

    def __init__(self, *, source: pd.DataFrame, used_index: np.ndarray, day0: np.ndarray, n_est: np.ndarray,
                 sigma: np.ndarray, rel_days: np.ndarray, ar_source: Callable[[], np.ndarray],
                 car_windows: Sequence[Window], car_matrix: np.ndarray, car_n_matrix: np.ndarray,
                 scar_matrix: np.ndarray, bhar_matrix: np.ndarray | None,
                 groups_source: tuple[np.ndarray, list[str]] | Callable[[], tuple[np.ndarray, list[str]]],
                 group_name: str | None, stats: dict[str, np.ndarray] | None, dropped_index: np.ndarray,
                 dropped_reason: np.ndarray, n_input: int, model: str, estimation: Window, window: Window,
                 last_rel: np.ndarray | None = None, meta: dict[str, Any] | None = None) -> None:
        self._source = source
        self._used = used_index
        self._day0 = day0
        self._n_est = n_est
        self._sigma = sigma
        self._rel = rel_days
        self._ar_source = ar_source
        self._windows = [tuple(map(int, c)) for c in car_windows]
        self._car = car_matrix
        self._car_n = car_n_matrix
        self._scar = scar_matrix
        self._bhar = bhar_matrix
        self._groups_source = groups_source
        self.group_name = group_name
        self._stats = stats
        self._dropped_index = dropped_index
        self._dropped_reason = dropped_reason
        self.n_input = n_input
        self.model = model
        self.estimation = estimation
        self.window = window
        # each event's last relative day with the stock's own data (beyond it the cumulated curves stop)
        self._last_rel = np.full(len(used_index), np.iinfo(np.int32).max, dtype=np.int64) if last_rel is None \
            else np.asarray(last_rel, dtype=np.int64)
        self.meta = meta or {}

    # ------------------------------------------------------------------------------------------ labels
    @property
    def car_windows(self) -> list[Window]:
        """The CAR windows, ``(start, end)`` trading days relative to day 0 (inclusive)."""
        return list(self._windows)  # type: ignore[arg-type]

    @property
    def rel_days(self) -> np.ndarray:
        """The relative days of the event window (the columns of ``ar``)."""
        return self._rel

    @cached_property
    def _group_codes_labels(self) -> tuple[np.ndarray, list[str]]:
        src = self._groups_source
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
    def groups(self) -> pd.Series:
        """Group label of each used event (``"all"`` without a group column)."""
        cat = pd.Categorical.from_codes(self.group_codes, categories=pd.Index(self.group_labels, dtype=object))
        return pd.Series(np.asarray(cat, dtype=object), index=self._source.index[self._used],
                         name=self.group_name or "group", dtype="string")

    # ------------------------------------------------------------------------------------------ per event
    @cached_property
    def events(self) -> pd.DataFrame:
        """The used events with ``day0``, ``n_est`` and ``sigma``.

        Rows are in the order the engine works in (the panel's ticker order, then date; ties in input order)
        and keep the index labels of the events passed in, so ``result.events.index`` points back to the
        caller's rows.  ``ar``, ``car`` and every per-event frame are aligned with these rows.
        """
        return _with_columns(self._source, self._used, day0=self._day0, n_est=self._n_est, sigma=self._sigma)

    @cached_property
    def dropped(self) -> pd.DataFrame:
        """Every event not used, with its input columns and the reason."""
        return _with_columns(self._source, self._dropped_index, reason=self._dropped_reason)

    @cached_property
    def _ar(self) -> np.ndarray:
        # built on first use: a million events x 81 days is 650 MB that most studies never look at
        return self._ar_source()

    @property
    def ar(self) -> pd.DataFrame:
        """Abnormal returns: one row per used event, one column per relative day."""
        return pd.DataFrame(self._ar, index=self.events.index, columns=pd.Index(self._rel, name="rel_day"))

    def _per_window(self, m: np.ndarray | None, what: str) -> pd.DataFrame:
        if m is None:
            raise InsiderKitError(f"this study computed no {what} (pass bhar=True)")
        return pd.DataFrame(m, index=self.events.index, columns=_window_columns(self._windows))  # type: ignore[arg-type]

    @property
    def car(self) -> pd.DataFrame:
        """CAR per used event (rows aligned with ``events``); columns ``(start, end)``, e.g. ``res.car[(0, 60)]``.

        NaN where the stock's own prices do not cover the window (it runs past the stock's last price, or too
        many of its days have no return: :func:`~insider_kit.event_study`'s coverage rule); the event is then
        not counted in that window.  ``car_days`` counts the days with a return inside each window."""
        return self._per_window(self._car, "CARs")

    @property
    def coverage(self) -> pd.DataFrame:
        """Events studied per CAR window: the used events, those whose window the stock's own prices cover
        (the window's N, the one definition of "events studied" every table and page uses), and those not
        covered (the window runs past the stock's last price, or has too many missing days)."""
        studied = np.isfinite(self._car).sum(axis=0)
        n = len(self._used)
        return pd.DataFrame({"events used": n, "studied": studied, "not covered": n - studied},
                            index=_window_columns(self._windows))  # type: ignore[arg-type]

    @property
    def car_days(self) -> pd.DataFrame:
        """Days with a return inside each CAR window."""
        return self._per_window(self._car_n, "CARs")

    @property
    def scar(self) -> pd.DataFrame:
        """Standardised CAR: CAR over its forecast-error standard deviation, estimation error included
        (Campbell, Lo & MacKinlay 1997, eq. 4.4.14, for the market model)."""
        return self._per_window(self._scar, "SCARs")

    @property
    def bhar(self) -> pd.DataFrame:
        """Buy-and-hold abnormal return against the market per event and window (with ``bhar=True``)."""
        return self._per_window(self._bhar, "BHARs")

    # ------------------------------------------------------------------------------------------ per group
    @cached_property
    def tests(self) -> pd.DataFrame:
        """Every test statistic, one row per group and CAR window (index ``group, start, end``)."""
        if self._stats is None:
            raise InsiderKitError("this study was run with tests=False: no test statistics were computed")
        idx = pd.MultiIndex.from_tuples([(g, w[0], w[1]) for g in self.group_labels for w in self._windows],
                                        names=["group", "start", "end"])
        df = pd.DataFrame(self._stats, index=idx)
        df["n"] = df["n"].astype(int)
        v = self._assess(df)
        df["not_valid"], df["recommended"] = v["not_valid"], v["recommended"]
        return self._display(df)

    @staticmethod
    def _assess(df: pd.DataFrame) -> pd.DataFrame:
        from .validity import assess

        return assess(n=df["n"].to_numpy(float), rbar=df["rbar"].to_numpy(float),
                      overlap=df["kp_overlap"].to_numpy(float), same_date=df["same_date"].to_numpy(float),
                      var_scar=df["var_scar"].to_numpy(float),
                      available={"grank_t": np.isfinite(df["grank_t"].to_numpy(float))}, index=df.index)

    def validity(self) -> pd.DataFrame:
        """The validity rule (:func:`insider_kit.eventstudy.validity.assess`) on each group and window: the
        measured dependence and variance (``rbar``, ``kp_overlap``, ``same_date``, ``var_scar``), each
        statistic's implied size at a nominal 5% (``size_<statistic>``), the statistics not valid on these
        events and why, and the statistic the kit recommends.

        Returns
        -------
        pandas.DataFrame
            One row per group and window (the index of :attr:`tests`).

        Examples
        --------
        >>> import insider_kit as ik
        >>> study = ik.load_study("sample")
        >>> res = ik.event_study(study.events, study.panel, model="market_adjusted", group="direction")
        >>> v = res.validity()
        >>> bool(v["recommended"].isin(["grank_t", "kp_t", "bmp_t", "t_cs"]).all())
        True
        """
        t = self.tests
        out = pd.DataFrame(t[["n", "rbar", "kp_overlap", "same_date", "var_scar"]]).join(self._assess(t))
        return display_frame(out, percent=["same_date", *[c for c in out.columns if c.startswith("size_")]],
                             stat=["rbar", "kp_overlap", "var_scar"], count=["n"])

    @property
    def aar(self) -> pd.DataFrame:
        """Average abnormal return per relative day (rows) and group (columns)."""
        df = self.ar.groupby(self.groups.to_numpy()).mean().T
        df.columns.name = self.group_name or "group"
        return df[[g for g in self.group_labels if g in df.columns]]

    def caar(self, start: int | None = None, level: float = 0.95, flip: tuple[str, ...] = ()) -> pd.DataFrame:
        """Cumulative average abnormal return from *start* (default: window start), per group.

        Long format: ``group, rel_day, caar, lower, upper, n``; the band is the cross-sectional confidence
        interval of the cumulated ARs at *level*; ``n`` counts the events with the stock's own data on that day
        (an event leaves the curve after its stock's last price).  Groups in *flip* are sign-flipped (e.g. ``("sell",)`` to put
        sales on the purchases' scale) and labelled ``"-<group>"``.
        """
        start = self._rel[0] if start is None else start
        rows = []
        sel = self._rel >= start
        cum = np.nancumsum(np.where(sel[None, :], self._ar, 0.0), axis=1)[:, sel]
        # past the stock's own last price an event has no cumulated return (never a flat line of zeros)
        cum[self._rel[sel][None, :] > self._last_rel[:, None]] = np.nan
        for gi, g in enumerate(self.group_labels):
            x = cum[self.group_codes == gi]
            n = np.isfinite(x).sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.nansum(x, axis=0) / n
                dev = np.where(np.isfinite(x), x - mean, 0.0)
                se = np.where(n > 1, np.sqrt((dev**2).sum(axis=0) / np.maximum(n - 1, 1)) / np.sqrt(n), np.nan)
            q = st.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1))
            s_ = -1.0 if g in flip else 1.0
            rows.append(pd.DataFrame({"group": f"-{g}" if g in flip else g, "rel_day": self._rel[sel],
                                      "caar": s_ * mean, "lower": s_ * mean - q * se, "upper": s_ * mean + q * se,
                                      "n": n}))
        return pd.concat(rows, ignore_index=True)

    # ------------------------------------------------------------------------------------ results protocol
    @property
    def params(self) -> pd.Series:
        """Mean CAR per group and window (index ``group, start, end``)."""
        return self.tests["mean_car"].rename("mean_car")

    @property
    def std_errors(self) -> pd.Series:
        """Standard error of each mean CAR: sd / sqrt N (cross-sectional)."""
        return self.tests["se_car"].rename("std_error")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p of the cross-sectional t (every other test: ``tests``)."""
        return self.tests["p_cs"].rename("p")

    @property
    def nobs(self) -> pd.Series:
        """Events behind each mean CAR (those whose window the stock's own prices cover)."""
        return self.tests["n"].rename("nobs")

    #: How :meth:`conf_int` makes its interval.
    ci_method = "cross-sectional t (Student t, N - 1 degrees of freedom)"

    def _critical(self, level: float) -> np.ndarray:
        return np.asarray(st.t.ppf(0.5 + level / 2, np.maximum(self.nobs.to_numpy(float) - 1, 1)))

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Mean CAR and its confidence interval at *level* (cross-sectional t), per group and window.

        Parameters
        ----------
        level
            The confidence level.

        Returns
        -------
        pandas.DataFrame
            ``mean_car``, ``lower``, ``upper``; ``attrs["method"]`` names the interval.
        """
        out = super().conf_int(level)
        out.insert(0, "mean_car", self.params)
        return out

    def summary(self, windows: Sequence[Window | str] | None = None) -> pd.DataFrame:
        """Compact table: N, mean CAR with 95% CI, the main test statistics, the statistic the validity rule
        recommends for these events and the statistics not valid on them (every column: ``tests``; the rule:
        :meth:`validity`)."""
        cols = ["n", "mean_car", "ci_low", "ci_high", "t_cs", "p_cs", "kp_t", "rank_z", "recommended", "not_valid"]
        if self._stats is None:
            return None  # type: ignore[return-value]
        t = self.tests[cols]
        if windows:
            want = [window_of(w, self._windows) for w in windows]  # type: ignore[arg-type]
            keys = list(zip(t.index.get_level_values("start"), t.index.get_level_values("end"), strict=True))
            t = t[[k in want for k in keys]]
        return self._display(t)

    def _head(self) -> str:
        reasons = pd.Series(self._dropped_reason, dtype=object).str.replace(r" \(.*", "", regex=True).value_counts()
        drop = "" if reasons.empty else "; dropped: " + ", ".join(f"{r} ({c:,})" for r, c in reasons.items())
        return (f"{len(self._used):,} of {self.n_input:,} events used, model {self.model}, estimation "
                f"{self.estimation}, window {self.window}{drop}")

    def plot(self, ax: Axes | None = None, **kw: Any) -> Axes:
        """CAAR curves with confidence bands (drawn by :func:`insider_kit.plots.plot_caar`)."""
        from ..plots import plot_caar

        return plot_caar(self.caar(start=kw.pop("start", -1), flip=tuple(kw.pop("flip", ()))), ax=ax, **kw)
