"""Event-study engine: every event at once, in chunks, with no Python loop per event.

For each event with day 0 at calendar index ``d`` and ticker column ``j``, the days
``d+e0 .. d+w1`` are one contiguous run of the panel's ticker-major copy
(``_panel_cache.by_ticker``).  A compiled kernel (``_kernels``) fits the
return model on the estimation days it finds (missing days drop out), and writes
abnormal returns, CARs, standardised CARs and the sort keys of the rank test in
one pass per event; chunks of events run concurrently on all cores (scheduled by
``_kernels.schedule``, whose environment variables are the only performance settings).  The test
statistics are then computed per group from these arrays (:mod:`.stats`), by the formulas of
:mod:`.reference`.

References: MacKinlay (1997) "Event Studies in Economics and Finance", JEL 35;
Campbell, Lo & MacKinlay (1997) ch. 4.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal, get_args

import numpy as np
import pandas as pd

from ..errors import DataError, TooMuchDataLossError
from ..prices.panel import ReturnsPanel
from . import _kernels as K
from . import _panel_cache as PC
from . import stats as S
from .results import EventStudyResult

__all__ = ["GRANK_AUTO_EVENTS", "DropReason", "Model", "event_study"]

#: The return models of :func:`event_study`.
Model = Literal["raw", "mean_adjusted", "market_adjusted", "market_model", "ff3", "carhart", "ff5"]
DEFAULT_CAR_WINDOWS: tuple[tuple[int, int], ...] = ((-1, 1), (0, 5), (0, 20), (0, 60), (0, 120))
_MODELS: tuple[str, ...] = get_args(Model)
#: The factors of each factor model.  The five-factor model (Fama & French 2015, "A five-factor asset pricing
#: model", J. Financial Economics 116) uses the five-factor file's own SMB (``smb5``: averaged over three sorts,
#: so it differs slightly from the three-factor file's), RMW and CMA (:func:`insider_kit.prices.load_factors`).
_FACTORS = {"ff3": ("mkt_rf", "smb", "hml"), "carhart": ("mkt_rf", "smb", "hml", "mom"),
            "ff5": ("mkt_rf", "smb5", "hml", "rmw", "cma")}


def event_study(
    events: pd.DataFrame,
    returns: ReturnsPanel | pd.DataFrame,
    *,
    market: pd.Series | None = None,
    model: Model = "market_model",
    estimation: tuple[int, int] = (-250, -21),
    window: tuple[int, int] = (-20, 120),
    car_windows: Sequence[tuple[int, int]] | None = None,
    min_estimation: int = 120,
    min_window_share: float = 0.8,
    group: str | None = None,
    max_loss: float | None = 0.5,
    bhar: bool = False,
    date_col: str = "date",
    ticker_col: str = "ticker",
    kp_pairs: int = 2000,
    seed: int = 0,
    tests: bool = True,
    grank: bool | None = None,
    sign_p: S.SignP = "pooled",
    bootstrap: int = 0,
    patell: S.PatellForm = "scar",
) -> EventStudyResult:
    """Run an event study over all *events* at once.

    Parameters
    ----------
    events
        One row per event with ``ticker`` and ``date`` (day 0 is the first
        trading day on or after ``date``) and optionally a *group* column.
    returns
        A :class:`~insider_kit.prices.ReturnsPanel` (market series required by the
        market-adjusted and market models and by BHAR; factors by ``ff3``/``carhart``/``ff5``), or a
        dates x tickers DataFrame of simple returns with *market*.
    market
        With a DataFrame of returns: the market's returns on the same dates (a Series).
    model
        ``raw``: AR = R.  ``mean_adjusted``: R - mean estimation R.
        ``market_adjusted``: R - R_m.  ``market_model``: R - (a + b R_m), OLS on the
        estimation window.  ``ff3``/``carhart``: R - rf - X f, OLS on Fama-French
        3 factors (+ momentum) of excess returns.  ``ff5``: the same on the Fama-French (2015) five factors
        (``mkt_rf, smb5, hml, rmw, cma``: French's daily five-factor file, ``insider-kit fetch factors``).
    estimation, window
        Relative-day ranges (inclusive) of the estimation and event windows.
    car_windows
        Relative-day ranges over which CARs are summed (each must lie in *window*).
    min_estimation
        Minimum non-missing estimation days; fewer drops the event with a reason.
    min_window_share
        The coverage rule of a CAR window (Notes): the smallest share of the window's days with an abnormal
        return for the window to count.
    group
        Column of *events* whose values define the groups of ``aar``/``caar``/``tests``.
    max_loss
        Raise :class:`~insider_kit.errors.TooMuchDataLossError` when a larger share
        of events is dropped (None disables).
    bhar
        Also compute buy-and-hold abnormal returns against the market for each CAR window.
    kp_pairs
        Event pairs sampled per group for the Kolari-Pynnönen residual correlation (all pairs when fewer).
    date_col, ticker_col
        The columns of *events* holding the event date and the ticker.
    seed
        Seed of the Kolari-Pynnönen pair sampling.
    tests
        Compute the test statistics (``False``: abnormal returns, CARs and SCARs only, e.g. inside
        a simulation that needs nothing else).
    grank
        Compute the generalized rank test (GRANK, Kolari & Pynnönen 2011; ``grank_t``, ``p_grank``): it ranks every
        event's estimation residuals once more, so it costs time on a large study.  None (the default): when at
        most :data:`GRANK_AUTO_EVENTS` events are used.
    sign_p
        The generalized sign test's share of positive estimation residuals: ``"pooled"`` over the sample's
        estimation days (default) or ``"per_firm"`` (each event's share averaged, as Cowan 1992;
        :func:`~insider_kit.eventstudy.reference.generalized_sign_z`).
    bootstrap
        With *bhar*: resamples of the skewness-adjusted t's bootstrapped p (``p_skew_boot``; Lyon, Barber & Tsai
        1999, :func:`~insider_kit.eventstudy.reference.bootstrap_skewness_p`); 0 (default): normal critical
        values only.
    patell
        Patell's convention: ``"scar"`` (default; each event's CAR over its forecast-error sd, Campbell, Lo &
        MacKinlay 1997) or ``"daily"`` (each day's AR over that day's forecast-error sd, summed — the convention
        of packages that standardize daily; :func:`~insider_kit.eventstudy.reference.daily_standardized_car`).

    Returns
    -------
    EventStudyResult
        ``ar``, ``car``, ``aar``, ``caar``, ``tests``, ``dropped``, ``summary()``, ``plot()``.

    Notes
    -----
    Market model: :math:`AR_{it} = R_{it} - \\hat\\alpha_i - \\hat\\beta_i R_{mt}`;
    :math:`CAR_i(\\tau_1,\\tau_2) = \\sum_{t=\\tau_1}^{\\tau_2} AR_{it}` over the window's days with an
    abnormal return (counted in ``car_days``).

    **Coverage.** An event is studied for a CAR window only where the stock's *own* price history covers it:
    the window lies between the stock's first and last return (a stock whose series ends with a known delisting
    return is covered after it: the delisting return is its last return and the proceeds are held in the
    market, so later abnormal returns are zero — Shumway 1997), and at least *min_window_share* of the window's
    days (rounded down) have an abnormal return (a missing price is missing, never a zero return).  A window that fails is
    NaN for that event (it does not count in that window's N or statistics); an event dated after the stock's
    last price, or with no covered window, is dropped with its reason.  The market's or the panel's calendar
    never stands in for the stock's: a market series longer than the prices changes nothing.  The variance of a CAR accounts for estimation
    error (Campbell, Lo & MacKinlay 1997, eq. 4.4.14):
    :math:`\\sigma^2_i (L + L^2/n + (\\sum R_m - L\\bar R_m)^2 / S_{mm})` for the market model; its
    multi-factor analogue :math:`\\sigma^2_i (L + L^2/n + d' S_{zz}^{-1} d)` for FF3, Carhart and FF5, with
    :math:`d` the window's factor sums about their estimation means and :math:`S_{zz}` the factors' centred
    cross-products over the estimation days (the variance of :math:`\\iota' X_w \\hat\\beta`); :math:`\\sigma^2_i
    (L + L^2/n)` for the mean-adjusted model; :math:`\\sigma^2_i L` when nothing is estimated (raw,
    market-adjusted).  SCAR = CAR / its standard deviation.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> res = ik.event_study(study.events, study.panel, model="market_adjusted", group="direction")
    >>> res.car_windows
    [(-1, 1), (0, 5), (0, 20), (0, 60), (0, 120)]
    >>> res.tests.loc[("buy", 0, 60), ["n", "mean_car", "t_cs"]].index.tolist()
    ['n', 'mean_car', 't_cs']
    >>> len(res.events) + len(res.dropped) == len(study.events)
    True
    """
    returns, spec = _validate(events, returns, market=market, model=model, estimation=estimation, window=window,
                              car_windows=car_windows, min_estimation=min_estimation,
                              min_window_share=min_window_share, group=group,
                              max_loss=max_loss, bhar=bhar, date_col=date_col, ticker_col=ticker_col,
                              kp_pairs=kp_pairs, seed=seed, tests=tests, grank=grank, sign_p=sign_p,
                              bootstrap=bootstrap, patell=patell)
    prep = _prepare(events, returns, spec)
    design = _model_design(returns, spec, _lead(spec, prep))
    fit = _run(returns, spec, prep, design)
    return _assemble(events, returns, spec, prep, design, fit)


# --------------------------------------------------------------------------- validate
@dataclass(frozen=True)
class _Spec:
    """The validated arguments of one event study."""

    model: Model
    estimation: tuple[int, int]
    window: tuple[int, int]
    cws: list[tuple[int, int]]
    min_estimation: int
    min_window_share: float
    group: str | None
    max_loss: float | None
    bhar: bool
    date_col: str
    ticker_col: str
    kp_pairs: int
    seed: int
    tests: bool
    grank: bool | None = None
    sign_p: S.SignP = "pooled"
    bootstrap: int = 0
    patell: S.PatellForm = "scar"

    @property
    def L_est(self) -> int:
        return self.estimation[1] - self.estimation[0] + 1

    @property
    def L_win(self) -> int:
        return self.window[1] - self.window[0] + 1


def _validate(events: pd.DataFrame, returns: ReturnsPanel | pd.DataFrame, *, market: pd.Series | None,
              model: Model, estimation: tuple[int, int], window: tuple[int, int],
              car_windows: Sequence[tuple[int, int]] | None, min_estimation: int, min_window_share: float,
              group: str | None,
              max_loss: float | None, bhar: bool, date_col: str, ticker_col: str, kp_pairs: int,
              seed: int, tests: bool, grank: bool | None = None, sign_p: S.SignP = "pooled",
              bootstrap: int = 0, patell: S.PatellForm = "scar") -> tuple[ReturnsPanel, _Spec]:
    """Check every argument before any work (a DataError names what is wrong); a DataFrame becomes a panel."""
    if isinstance(returns, pd.DataFrame):
        from ..prices.panel import returns_panel

        returns = returns_panel(returns, market=market, kind="return")
    elif market is not None:
        raise DataError("market= is for a DataFrame of returns; a ReturnsPanel carries its own market series")
    if ticker_col not in events.columns or date_col not in events.columns:
        raise DataError(f"events need columns {ticker_col!r} and {date_col!r}; got {list(events.columns)[:10]}")
    e0, e1 = estimation
    w0, w1 = window
    if not (e0 < e1 and w0 <= w1):
        raise DataError(f"bad windows: estimation={estimation}, window={window}")
    if e1 >= w0:
        raise DataError(f"estimation window {estimation} overlaps the event window {window}")
    cws = list(car_windows or [c for c in DEFAULT_CAR_WINDOWS if c[0] >= w0 and c[1] <= w1])
    for c in cws:
        if c[0] < w0 or c[1] > w1 or c[0] > c[1]:
            raise DataError(f"CAR window {c} is not inside the event window {window}")
    if model not in _MODELS:
        raise DataError(f"unknown model {model!r}", hint="one of " + ", ".join(_MODELS))
    if not 0.0 < float(min_window_share) <= 1.0:
        raise DataError(f"min_window_share={min_window_share!r} is not a share in (0, 1]")
    needs_mkt = model in ("market_adjusted", "market_model") or bhar
    if needs_mkt and (returns.market is None or not np.isfinite(returns.market).any()):
        raise DataError(f"model {model!r}{' with BHAR' if bhar else ''} needs a market series in the returns panel "
                        "(it has none, or only missing values)")
    if model in _FACTORS:
        if returns.factors is None or not set(_FACTORS[model]) | {"rf"} <= set(returns.factors.columns):
            raise DataError(f"model {model!r} needs factors {_FACTORS[model] + ('rf',)} in the returns panel",
                            hint="load them with insider_kit.prices.load_factors and pass factors= to returns_panel"
                            + (" (the five factors come from French's five-factor file: 'insider-kit fetch factors' "
                               "or 'insider-kit import factors')" if model == "ff5" else ""))
    if group is not None and group not in events.columns:
        raise DataError(f"group column {group!r} is not in the events", hint=f"columns: {list(events.columns)[:10]}")
    if sign_p not in get_args(S.SignP):
        raise DataError(f"sign_p={sign_p!r} is not one of " + ", ".join(get_args(S.SignP)))
    if patell not in get_args(S.PatellForm):
        raise DataError(f"patell={patell!r} is not one of " + ", ".join(get_args(S.PatellForm)))
    if int(bootstrap) < 0 or (bootstrap and not bhar):
        raise DataError(f"bootstrap={bootstrap!r}: the bootstrapped skewness-adjusted t is of BHARs",
                        hint="pass bhar=True and a number of resamples (Lyon, Barber & Tsai use 1000)")
    return returns, _Spec(model, (e0, e1), (w0, w1), cws, min_estimation, float(min_window_share), group, max_loss,
                          bhar, date_col, ticker_col, kp_pairs, seed, tests, grank, sign_p, int(bootstrap), patell)


# --------------------------------------------------------------------------- prepare
@dataclass
class _Prepared:
    """Which events run, in which order: ``idx_ok`` are input rows in working (ticker-then-date) order,
    ``perm`` maps positions of ``in_input_order`` to that order; ``reason`` holds each input row's DropReason."""

    n_all: int
    reason: np.ndarray
    idx_ok: np.ndarray
    perm: np.ndarray
    in_input_order: np.ndarray
    j: np.ndarray
    d0: np.ndarray
    gvals: np.ndarray | None

    @property
    def n_ok(self) -> int:
        return len(self.idx_ok)

    def group_codes(self) -> tuple[np.ndarray, list[str]]:
        """Group code of each event of ``idx_ok`` (groups numbered in order of first appearance in the input)
        and the groups' labels."""
        if self.gvals is None:
            return np.zeros(self.n_ok, dtype=np.int64), ["all"]
        codes, uniq = pd.factorize(self.gvals, use_na_sentinel=False)
        return codes[self.perm], [("<NA>" if pd.isna(u) else str(u)) for u in uniq]


def _prepare(events: pd.DataFrame, returns: ReturnsPanel, spec: _Spec) -> _Prepared:
    """Day 0 and ticker column of every event, the drop reasons known before fitting, the working order, and
    duplicates (the same event passed twice would count twice in N: the copies after the first are dropped)."""
    # (few pandas calls here: a small study's cost is mostly this preparation, not the kernel)
    (_, e1), (_, w1) = spec.estimation, spec.window
    ticker = events[spec.ticker_col].to_numpy()
    n_all = len(ticker)
    T = len(returns.dates)
    j = _ticker_columns(returns, ticker)
    dates = events[spec.date_col]
    dvals = dates.to_numpy() if isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M" else dates
    try:
        d0 = PC.day_index(returns, dvals)
    except (ValueError, TypeError) as exc:
        raise DataError(f"event column {spec.date_col!r} does not hold dates: {exc}",
                        hint="pass dates (datetime64) or ISO strings such as 2024-03-01") from exc
    reason = np.zeros(n_all, dtype=np.int8)  # DropReason codes (0: used)
    _, last = PC.series_span(returns)
    own_last = np.where(j >= 0, last[np.maximum(j, 0)], -1)  # the stock's own last return (-1: none at all)
    # (a missing date maps beyond the last price; named separately)
    # (an estimation window that starts before the data uses the days it has: min_estimation decides)
    for code, bad in ((DropReason.ESTIMATION_BEFORE_DATA, d0 + e1 < 0), (DropReason.WINDOW_BEYOND_DATA, d0 + w1 >= T),
                      (DropReason.AFTER_LAST_PRICE, (d0 > own_last) & (j >= 0)),
                      (DropReason.NO_PRICES, (j < 0) | (own_last < 0))):
        reason[bad] = code  # later assignments win: the reason listed first in DropReason is reported
    no_date = np.isnat(dvals) if isinstance(dvals, np.ndarray) else pd.isna(dates).to_numpy()
    if no_date.any():
        reason[no_date] = DropReason.NO_DATE
    idx_ok = np.flatnonzero(reason == 0)
    # work (and report) in ticker-then-date order: neighbouring events share cached memory, outputs are written
    # sequentially; ``events`` keeps the input's index labels
    perm = _ticker_date_order(j[idx_ok], d0[idx_ok], T)
    in_input_order = idx_ok
    idx_ok = idx_ok[perm]
    # in this order, copies of one event are neighbours
    js, ds = j[idx_ok], d0[idx_ok]
    same = np.flatnonzero((js[1:] == js[:-1]) & (ds[1:] == ds[:-1])) + 1
    if len(same) and spec.group is not None:
        gv = events[spec.group].to_numpy()
        same = same[np.array([_same_value(gv[idx_ok[k]], gv[idx_ok[k - 1]]) for k in same], dtype=bool)]
    if len(same):
        reason[idx_ok[same]] = DropReason.DUPLICATE
        keep_sorted = np.ones(len(idx_ok), dtype=bool)
        keep_sorted[same] = False
        kept_pos = perm[keep_sorted]  # positions in the input order of the kept events, in the working order
        kept_mask = np.zeros(len(perm), dtype=bool)
        kept_mask[kept_pos] = True
        order_pos = np.flatnonzero(kept_mask)  # the kept positions in input order (no sort needed)
        rank = np.cumsum(kept_mask) - 1  # position of each kept input row among the kept rows
        in_input_order = in_input_order[order_pos]
        perm = rank[kept_pos]
        idx_ok = in_input_order[perm]
    # (a copy: the groups may be found after the call, and the caller's frame may have changed by then)
    gvals = events[spec.group].to_numpy()[in_input_order] if spec.group is not None else None
    return _Prepared(n_all, reason, idx_ok, perm, in_input_order, j, d0, gvals)


@dataclass
class _Design:
    """The return model and the days as the kernels take them (see :func:`_design`).  The kernels' arrays start
    *lead* days before the panel's first date (missing values there: an estimation window that starts before
    the data uses the days it has), so the kernels take day indices ``d0 + lead``."""

    m: K.ModelArgs
    days: K.DayArgs
    lead: int = 0

    @property
    def k_params(self) -> int:
        return self.m.k_params


#: The kernels' arrays are padded in front by a multiple of this many days when some event's estimation window
#: starts before the panel (one padded copy of the returns serves every estimation window up to this length).
_LEAD_STEP = 256


def _lead(spec: _Spec, prep: _Prepared) -> int:
    """Days of padding in front of the panel for the events that run: none when every estimation window starts
    within the data, else the shortfall rounded up to :data:`_LEAD_STEP`."""
    if not prep.n_ok:
        return 0
    need = -(int(prep.d0[prep.idx_ok].min()) + spec.estimation[0])
    return 0 if need <= 0 else -(-need // _LEAD_STEP) * _LEAD_STEP


def _padded(a: np.ndarray, lead: int, fill: float) -> np.ndarray:
    """*a* (1-d, or 2-d along its last axis) after *lead* values of *fill*."""
    if lead == 0:
        return a
    pad = np.full((*a.shape[:-1], lead), fill)
    return np.ascontiguousarray(np.concatenate([pad, a], axis=-1))


def _model_design(returns: ReturnsPanel, spec: _Spec, lead: int = 0) -> _Design:
    T = len(returns.dates)
    w0 = spec.window[0]
    M = returns.market if returns.market is not None else np.full(T, np.nan)  # checked when a model needs it
    off, Z, const, k_params = _design(spec.model, returns, M, T)
    Zt = np.ascontiguousarray(Z.T)
    cw = np.array([(c[0] - w0, c[1] - w0 + 1) for c in spec.cws], dtype=np.int64).reshape(-1, 2)
    clm = spec.model == "market_model"
    z1 = Zt[0] if Zt.shape[0] == 1 else np.zeros(T)
    # running sums of each factor (missing days as 0), for the factor models' CAR variance
    zcum = np.zeros((Zt.shape[0], T + 1))
    if Zt.shape[0] >= 2:
        np.cumsum(np.where(np.isfinite(Zt), Zt, 0.0), axis=1, out=zcum[:, 1:])
    mcum = PC.market_cumsum(returns) if clm else np.zeros(T + 1)
    (e0, e1), (_, w1) = spec.estimation, spec.window
    # (the days before the data: returns and regressors missing, running sums 0)
    m = K.ModelArgs(PC.by_ticker(returns, lead), _padded(off, lead, np.nan), _padded(Zt, lead, np.nan),
                    _padded(z1, lead, 0.0 if Zt.shape[0] != 1 else np.nan), _padded(np.asarray(M, float), lead, np.nan),
                    _padded(mcum, lead, 0.0), _padded(zcum, lead, 0.0), const, k_params, clm)
    return _Design(m, K.DayArgs(e0, e1, w0, w1, cw), lead)


# --------------------------------------------------------------------------- run
@dataclass
class _Fit:
    """The kernels' outputs, one row per event of ``idx_ok`` (before the fit-time drops)."""

    n_est: np.ndarray
    sig2: np.ndarray
    coef: np.ndarray
    car: np.ndarray
    car_n: np.ndarray
    scar: np.ndarray
    BH: np.ndarray
    npos: np.ndarray
    gcodes: np.ndarray
    labels: list[str]
    rank_sums: np.ndarray  # (groups x coverage patterns, positions)
    rank_cnts: np.ndarray
    n_exact: int
    n_patterns: int  # coverage patterns the rank sums are kept by (bit w: CAR window w is covered)


def _run(returns: ReturnsPanel, spec: _Spec, prep: _Prepared, dz: _Design) -> _Fit:
    """One compiled pass per event (fit, CARs, SCARs, rank keys), in chunks shared by the cores; the rank test's
    sums per group and relative day accumulated per chunk."""
    n_ok, W, tests, bhar = prep.n_ok, len(spec.cws), spec.tests, spec.bhar
    Lr = spec.L_est + spec.L_win
    n_est = np.zeros(n_ok, dtype=np.int32)
    sig2 = np.empty(n_ok)
    coef = np.empty((n_ok, dz.m.Zt.shape[0] + 1))
    AR = np.empty((0, spec.L_win))  # the events x days matrix is built on first use (EventStudyResult.ar)
    car = np.empty((n_ok, W))
    car_n = np.empty((n_ok, W), dtype=np.int32)
    scar = np.empty((n_ok, W))
    BH = np.full((n_ok, W) if bhar else (0, W), np.nan)
    npos = np.empty(n_ok, dtype=np.int32)
    nval = np.empty(n_ok, dtype=np.int32)
    out = K.EventOut(n_est, sig2, coef, AR, car, car_n, scar, BH, npos, nval)
    # the kernel needs the groups only for the rank test; without tests they are found when first asked for
    gcodes, labels = prep.group_codes() if tests else (np.zeros(n_ok, dtype=np.int64), ["all"])
    # the rank test's sums are kept per group and per coverage pattern (which CAR windows the stock's own prices
    # cover), so each window's statistic is made from the events that count in it
    P = 1 << W if W <= _MAX_PATTERN_WINDOWS else 1
    G = len(labels) * P
    jj, dd = prep.j[prep.idx_ok], prep.d0[prep.idx_ok]
    dk = dd + dz.lead  # (the kernels' day indices: their arrays start dz.lead days before the panel)
    # (the coverage rule's fit-free part, for the tests' coverage patterns: each block only compares its counts)
    inside, need = _coverage_rule(returns, spec, jj, dd) if tests else (np.empty((0, W), bool), np.empty((0, W), np.int32))
    # sort keys of the rank test: (fixed-point value << pb) | position, in 32 bits when the positions leave >= 20
    pb = max(1, int(np.ceil(np.log2(Lr))))
    kdt = np.uint32 if pb <= 12 else np.uint64
    missing = kdt(np.iinfo(kdt).max)
    usable = np.empty(n_ok, dtype=np.int64)  # group code, or -1 for an event about to be dropped

    def run(s0: int, s1: int) -> _Part:
        sums = np.zeros((G, Lr) if tests else (0, 0))
        cnts = np.zeros((G, Lr) if tests else (0, 0))
        n_fl = 0
        # one buffer of rank keys per chunk, reused by its blocks (a fresh one per block costs its page faults)
        key_buf = np.empty((min(_BLOCK, s1 - s0) if tests else 0, Lr), dtype=kdt)
        for b0 in range(s0, s1, _BLOCK):  # blocks small enough for their rank keys to stay in cache
            ix = np.arange(b0, min(b0 + _BLOCK, s1))
            keys = key_buf[: len(ix)]
            K.abnormal(dz.m, dz.days, jj, dk, ix, bhar, keys, pb, missing, out)
            if not tests:
                continue
            cov = inside[ix] & (car_n[ix] >= need[ix])  # (_window_coverage, its fit-free part computed once)
            pattern = cov.astype(np.int64) @ (1 << np.arange(W, dtype=np.int64)) if P > 1 else 0
            usable[ix] = np.where((n_est[ix] >= spec.min_estimation) & np.isfinite(coef[ix, 0]) & (sig2[ix] > 0)
                                  & cov.any(axis=1), gcodes[ix] * P + pattern, -1)
            keys.sort(axis=1)
            flagged = np.empty(len(ix), dtype=np.bool_)
            K.rank_accumulate(keys, ix, nval, usable, pb, sums, cnts, flagged)
            fl = ix[flagged]
            if len(fl):
                K.rank_exact(dz.m, dz.days, jj, dk, coef, fl, usable, sums, cnts)
                n_fl += len(fl)
        return sums, cnts, n_fl

    parts = K.share_chunks(run, n_ok)
    rank_sums = np.sum([p_[0] for p_ in parts], axis=0) if parts and tests else np.zeros((G, Lr))
    rank_cnts = np.sum([p_[1] for p_ in parts], axis=0) if parts and tests else np.zeros((G, Lr))
    n_exact = int(sum(p_[2] for p_ in parts))
    return _Fit(n_est, sig2, coef, car, car_n, scar, BH, npos, gcodes, labels, rank_sums, rank_cnts, n_exact, P)


# --------------------------------------------------------------------------- assemble
def _used_groups(codes: np.ndarray, labels: list[str], keep: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Codes and labels of the used events' groups (those with used events, in order of first appearance),
    and which of the given groups they are."""
    codes = codes[keep]
    present = np.flatnonzero(np.bincount(codes, minlength=len(labels)))
    remap = np.full(len(labels), -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    return remap[codes], [labels[g] for g in present], present


def _assemble(events: pd.DataFrame, returns: ReturnsPanel, spec: _Spec, prep: _Prepared, dz: _Design,
              fit: _Fit) -> EventStudyResult:
    """Drop the events the fit could not use (with reasons), enforce ``max_loss``, compute the test table per
    group and window, and wrap everything in an :class:`EventStudyResult`."""
    w0, w1 = spec.window
    reason, idx_ok, n_all = prep.reason, prep.idx_ok, prep.n_all
    n_est, sig2, coef = fit.n_est, fit.sig2, fit.coef
    short = n_est < spec.min_estimation
    singular = ~short & ~np.isfinite(coef[:, 0])
    flat = ~short & ~singular & ~(sig2 > 0)  # constant returns over the estimation days: SCARs undefined
    reason[idx_ok[short]] = DropReason.SHORT_ESTIMATION
    reason[idx_ok[singular]] = DropReason.SINGULAR
    reason[idx_ok[flat]] = DropReason.ZERO_VARIANCE
    short_days = dict(zip(idx_ok[short].tolist(), n_est[short].tolist(), strict=True))
    jj, dd = prep.j[idx_ok], prep.d0[idx_ok]
    covered = _window_coverage(returns, spec, jj, dd, fit.car_n)
    uncovered = ~short & ~singular & ~flat & ~covered.any(axis=1)
    reason[idx_ok[uncovered]] = DropReason.NO_COVERED_WINDOW
    keep = ~(short | singular | flat | uncovered)
    car, car_n, scar, npos, BH = fit.car, fit.car_n, fit.scar, fit.npos, fit.BH
    # a window the stock's own prices do not cover is missing for that event (module docstring: coverage)
    car[~covered] = np.nan
    scar[~covered] = np.nan
    if spec.bhar:
        BH[~covered] = np.nan
    last_rel = _last_relative_day(returns, jj, dd)
    if not keep.all():
        sig2, n_est, coef, car, car_n, scar = sig2[keep], n_est[keep], coef[keep], car[keep], car_n[keep], scar[keep]
        npos, jj, dd, last_rel, covered = npos[keep], jj[keep], dd[keep], last_rel[keep], covered[keep]
        BH = BH[keep] if spec.bhar else BH
    idx_used = idx_ok[keep]
    idx_drop = np.flatnonzero(reason != 0)
    n_drop = len(idx_drop)
    loss = n_drop / n_all if n_all else 0.0
    if spec.max_loss is not None and n_all and loss > spec.max_loss:
        top = pd.Series([DropReason(r).text for r in reason[idx_drop]]).value_counts().head(3)
        raise TooMuchDataLossError(
            f"{n_drop:,} of {n_all:,} events dropped ({loss:.0%} > max_loss={spec.max_loss:.0%}); main reasons: "
            + "; ".join(f"{r} ({c:,})" for r, c in top.items()),
            hint="check tickers and dates, or pass a larger max_loss",
        )
    if len(idx_used) == 0:
        top = pd.Series([DropReason(r).text for r in reason[idx_drop]]).value_counts().head(3)
        raise DataError("no event could be used; main reasons: " + "; ".join(f"{r} ({c:,})" for r, c in top.items()),
                        hint=f"an event needs prices for its ticker and at least {spec.min_estimation} days of returns in "
                        f"its estimation window {spec.estimation} (relative trading days)")

    stats = None
    groups: tuple[np.ndarray, list[str]] | Callable[[], tuple[np.ndarray, list[str]]]
    if spec.tests:
        gcodes, labels, present = _used_groups(fit.gcodes, fit.labels, keep)
        groups = (gcodes, labels)
        ubar = _window_ubar(fit, present, len(spec.cws))
        rbar = _window_rbar(spec, dz, gcodes, len(present), covered, jj, dd, coef)
        want_grank = spec.grank if spec.grank is not None else len(jj) <= GRANK_AUTO_EVENTS
        gr = _grank_sums(spec, dz, gcodes, len(present), scar, jj, dd, coef, sig2) if want_grank else None
        daily = _daily_patell(spec, dz, gcodes, len(present), car, jj, dd, coef, sig2, n_est) \
            if spec.patell == "daily" else None
        stats = S.test_table(
            codes=gcodes, n_groups=len(present), car=car, scar=scar, n_est=n_est, k_params=dz.k_params,
            ubar=ubar, L_est=spec.L_est, cw=dz.days.cw, npos=npos, rbar=rbar, bhar=BH if spec.bhar else None, day0=dd,
            grank=gr, sign_p=spec.sign_p, bootstrap=spec.bootstrap, seed=spec.seed, patell_sums=daily,
        )
    else:
        groups = lambda: _used_groups(*prep.group_codes(), keep)[:2]  # noqa: E731

    def window_ar() -> np.ndarray:
        dd_k = dd + dz.lead
        out = np.empty((len(jj), spec.L_win))
        step = K.chunk_size()
        spans = [(a_, min(a_ + step, len(jj))) for a_ in range(0, len(jj), step)]
        K.parallel_map(lambda b_: K.window_ar(dz.m, dz.days, jj, dd_k, coef, b_[0], b_[1], out), spans)
        return out

    return EventStudyResult(
        source=events, used_index=idx_used, day0=returns.dates.to_numpy()[dd], n_est=n_est, sigma=np.sqrt(sig2),
        rel_days=np.arange(w0, w1 + 1), ar_source=window_ar,
        car_windows=spec.cws, car_matrix=car, car_n_matrix=car_n, scar_matrix=scar,
        bhar_matrix=BH if spec.bhar else None, groups_source=groups, group_name=spec.group, stats=stats,
        dropped_index=idx_drop,
        dropped_reason=_reason_texts(reason[idx_drop], idx_drop, short_days, spec.min_estimation),
        n_input=n_all, model=spec.model, estimation=spec.estimation, window=spec.window, last_rel=last_rel,
        meta={"rank_exact_events": fit.n_exact, "min_window_share": spec.min_window_share},
    )


def _window_rbar(spec: _Spec, dz: _Design, gcodes: np.ndarray, G: int, covered: np.ndarray, jj: np.ndarray,
                 dd: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """``groups x windows``: the Kolari-Pynnönen mean residual correlation of each group's events that count in
    each window (one estimate per distinct set of events; the pair sample is seeded by the set's events, so the
    same events give the same r-bar whatever else the study holds)."""
    est_start = dd + spec.estimation[0]
    W = len(spec.cws)
    rbar = np.empty((G, W))
    for g in range(G):
        ing = gcodes == g
        done: dict[bytes, float] = {}
        for w in range(W):
            rows = np.flatnonzero(ing & covered[:, w])
            key = rows.tobytes()
            if key not in done:
                ident = zlib.crc32(np.stack([jj[rows], dd[rows]]).astype(np.int64).tobytes())
                a, b = S.sample_pairs(len(rows), spec.kp_pairs, np.random.default_rng([spec.seed, ident]))
                need, inv = np.unique(np.concatenate([rows[a], rows[b]]), return_inverse=True)
                res_ = np.empty((len(need), spec.L_est))
                K.est_residuals(dz.m, dz.days, jj, dd + dz.lead, coef, need, res_)
                done[key] = S.pair_correlation_mean(res_, est_start[need], inv[: len(a)], inv[len(a):])
            rbar[g, w] = done[key]
    return rbar


#: ``event_study(grank=None)`` computes GRANK when at most this many events are used.
GRANK_AUTO_EVENTS = 50_000


def _grank_sums(spec: _Spec, dz: _Design, gcodes: np.ndarray, G: int, scar: np.ndarray, jj: np.ndarray,
                dd: np.ndarray, coef: np.ndarray, sig2: np.ndarray) -> S.GrankSums:
    """GRANK's sums (:func:`.stats.grank_sums`) over the used events, in blocks: each event's estimation residuals
    over its sigma, and its SCARs over the cross-sectional standard deviation of its group's SCARs in each
    window (the events that count in the window)."""
    W = scar.shape[1]
    fin = np.isfinite(scar)
    x = np.where(fin, scar, 0.0)
    sd = np.full((G, W), np.nan)
    for w in range(W):
        c = np.bincount(gcodes[fin[:, w]], minlength=G).astype(float)
        m1 = np.bincount(gcodes, weights=x[:, w], minlength=G) / np.maximum(c, 1)
        dev = np.where(fin[:, w], x[:, w] - m1[gcodes], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd[:, w] = np.where(c > 1, np.sqrt(np.bincount(gcodes, weights=dev**2, minlength=G) / (c - 1)), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        star = scar / sd[gcodes]
    def run(s0: int, s1: int) -> S.GrankSums:  # (chunks of events shared by the cores, each with its own sums)
        part = None
        for a in range(s0, s1, 4096):
            ix = np.arange(a, min(a + 4096, s1))
            res_ = np.empty((len(ix), spec.L_est))
            K.est_residuals(dz.m, dz.days, jj, dd + dz.lead, coef, ix, res_)  # (the kernels' day indices)
            part = S.grank_sums(res_ / np.sqrt(sig2[ix])[:, None], star[ix], gcodes[ix], G, part)
        assert part is not None
        return part

    parts = K.share_chunks(run, len(jj), chunk=8192)
    return S.GrankSums(np.sum([q.sums for q in parts], axis=0), np.sum([q.counts for q in parts], axis=0))


def _daily_patell(spec: _Spec, dz: _Design, gcodes: np.ndarray, G: int, car: np.ndarray, jj: np.ndarray,
                  dd: np.ndarray, coef: np.ndarray, sig2: np.ndarray, n_est: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Patell's sums in the daily-standardized convention (:func:`.reference.daily_standardized_car`), per group
    and window: each window day's AR over its forecast-error sd, with the leverage ``x_t'(X'X)^{-1}x_t`` of the
    event's own estimation days (those its fit used), in blocks of events."""
    W, k = len(spec.cws), dz.k_params
    (e0, e1), (w0, w1) = spec.estimation, spec.window
    Zt, const = dz.m.Zt, dz.m.const
    dk = dd + dz.lead
    sums, var = np.zeros((G, W)), np.zeros((G, W))
    step = 4_000
    for a in range(0, len(jj), step):
        ix = np.arange(a, min(a + step, len(jj)))
        res_ = np.empty((len(ix), spec.L_est))
        K.est_residuals(dz.m, dz.days, jj, dk, coef, ix, res_)
        ar = np.empty((len(ix), spec.L_win))
        K.window_ar(dz.m, dz.days, jj[ix], dk[ix], coef[ix], 0, len(ix), ar)
        used = np.isfinite(res_)
        Xe = Zt[:, dk[ix, None] + np.arange(e0, e1 + 1)].transpose(1, 2, 0)  # events x days x regressors
        Xw = Zt[:, dk[ix, None] + np.arange(w0, w1 + 1)].transpose(1, 2, 0)
        if const:
            Xe = np.concatenate([np.ones((*Xe.shape[:2], 1)), Xe], axis=2)
            Xw = np.concatenate([np.ones((*Xw.shape[:2], 1)), Xw], axis=2)
        if Xe.shape[2]:
            Xe = np.where(used[:, :, None], Xe, 0.0)
            inv = np.linalg.inv(np.einsum("eta,etb->eab", Xe, Xe))
            lev = np.einsum("eta,eab,etb->et", Xw, inv, Xw)
        else:
            lev = np.zeros(ar.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            sar = ar / np.sqrt(sig2[ix, None] * (1 + lev))
        n = n_est[ix].astype(float)
        for w, (c0, c1) in enumerate(dz.days.cw):
            part = sar[:, c0:c1]
            L = np.isfinite(part).sum(axis=1)
            ok = np.isfinite(car[ix, w]) & (n > k + 2)
            v = np.where(ok, L * (n - k) / np.where(ok, n - k - 2, 1.0), 0.0)
            sums[:, w] += np.bincount(gcodes[ix][ok], weights=np.nansum(part, axis=1)[ok], minlength=G)
            var[:, w] += np.bincount(gcodes[ix][ok], weights=v[ok], minlength=G)
    return sums, var


#: Up to this many CAR windows, the rank test is made per window from the events the window covers (its sums
#: kept per coverage pattern, 2^windows of them); beyond it, from every used event of the group.
_MAX_PATTERN_WINDOWS = 8


def _window_ubar(fit: _Fit, present: np.ndarray, W: int) -> np.ndarray:
    """``groups x windows x positions``: the rank test's mean rank deviation of each group's events that count
    in each window (the sums of the coverage patterns that cover it)."""
    P = fit.n_patterns
    Lr = fit.rank_sums.shape[1]
    rs = fit.rank_sums.reshape(-1, P, Lr)[present]
    rc = fit.rank_cnts.reshape(-1, P, Lr)[present]
    bits = (np.arange(P)[:, None] >> np.arange(W)) & 1 if P > 1 else np.ones((1, W), dtype=np.int64)
    out = np.empty((len(present), W, Lr))
    for w in range(W):
        sel = bits[:, w] == 1
        S_, C_ = rs[:, sel].sum(axis=1), rc[:, sel].sum(axis=1)
        out[:, w] = np.where(C_ > 0, S_ / np.maximum(C_, 1), np.nan)
    return out


def _window_coverage(returns: ReturnsPanel, spec: _Spec, jj: np.ndarray, dd: np.ndarray,
                     car_n: np.ndarray) -> np.ndarray:
    """``events x windows``: whether the stock's own price history covers each CAR window (module docstring of
    :func:`event_study`, Notes: coverage): the window between the stock's first and last return (or ending
    after a known delisting return), and at least ``min_window_share`` of its days (up to a delisting) with an
    abnormal return."""
    inside, need = _coverage_rule(returns, spec, jj, dd)
    return inside & (car_n >= need)


def _coverage_rule(returns: ReturnsPanel, spec: _Spec, jj: np.ndarray, dd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The part of :func:`_window_coverage` known before the fit, ``events x windows`` each: whether the window
    lies in the stock's own span, and how many of its days need an abnormal return."""
    first, last = PC.series_span(returns)
    fj, lj = first[jj], last[jj]
    dl = _delisted(returns)[jj]
    inside = np.empty((len(jj), len(spec.cws)), dtype=bool)
    need = np.empty((len(jj), len(spec.cws)), dtype=np.int32)
    for w, (a, b) in enumerate(spec.cws):
        start, end = dd + a, dd + b
        inside[:, w] = (start >= fj) & ((end <= lj) | (dl & (start <= lj)))
        days = np.minimum(end, lj) - start + 1  # the window's days up to the stock's last return
        need[:, w] = np.floor(spec.min_window_share * np.maximum(days, 1) + 1e-9)
    return inside, need


def _delisted(returns: ReturnsPanel) -> np.ndarray:
    """Per ticker: whether its series ends with a known delisting return (``ReturnsPanel.delisted``)."""
    flags = getattr(returns, "delisted", None)
    return np.zeros(len(returns.tickers), dtype=bool) if flags is None else np.asarray(flags, dtype=bool)


def _last_relative_day(returns: ReturnsPanel, jj: np.ndarray, dd: np.ndarray) -> np.ndarray:
    """Each event's last relative day with the stock's own data (a large number after a known delisting, where
    later abnormal returns are zero), for the cumulated curves."""
    _, last = PC.series_span(returns)
    rel = last[jj] - dd
    return np.where(_delisted(returns)[jj], np.iinfo(np.int32).max, rel).astype(np.int64)


class DropReason(IntEnum):
    """Why an event was not used (the ``reason`` column of ``EventStudyResult.dropped``); when several apply,
    the one listed first is reported."""

    USED = 0
    NO_DATE = 1
    NO_PRICES = 2
    AFTER_LAST_PRICE = 3
    WINDOW_BEYOND_DATA = 4
    ESTIMATION_BEFORE_DATA = 5
    SHORT_ESTIMATION = 6
    SINGULAR = 7
    ZERO_VARIANCE = 8
    DUPLICATE = 9
    NO_COVERED_WINDOW = 10

    @property
    def text(self) -> str:
        """The reason in words, as listed in ``dropped``."""
        return _REASON_TEXT[self]


_REASON_TEXT = {
    DropReason.USED: "", DropReason.NO_DATE: "no event date", DropReason.NO_PRICES: "no prices for ticker",
    DropReason.AFTER_LAST_PRICE: "event date after the stock's last price",
    DropReason.WINDOW_BEYOND_DATA: "event window runs beyond the returns panel's last date",
    DropReason.ESTIMATION_BEFORE_DATA: "estimation window ends before the data (no estimation day)",
    DropReason.SHORT_ESTIMATION: "too little estimation data",
    DropReason.SINGULAR: "return model could not be fitted (collinear regressors)",
    DropReason.ZERO_VARIANCE: "no variation in the estimation window's returns (constant price)",
    DropReason.DUPLICATE: "duplicate event (same ticker, day 0 and group as an earlier one)",
    DropReason.NO_COVERED_WINDOW: "no CAR window inside the stock's own price history (its prices end or have "
                                  "gaps there)",
}


def _reason_texts(codes: np.ndarray, rows: np.ndarray, short_days: dict[int, int], min_estimation: int) -> np.ndarray:
    """The reason of each dropped event (a table lookup; the too-little-data ones say how many days they had)."""
    out = np.array([r.text for r in DropReason], dtype=object)[codes]
    for k in np.flatnonzero(codes == DropReason.SHORT_ESTIMATION):
        out[k] = f"{DropReason.SHORT_ESTIMATION.text} ({short_days[int(rows[k])]} < {min_estimation} days)"
    return out


def _same_value(a: object, b: object) -> bool:
    return bool(a == b) or bool(pd.isna(a) and pd.isna(b))  # type: ignore[call-overload]
_BLOCK = 2048
_Part = tuple[np.ndarray, np.ndarray, int]  # one chunk's rank-test sums, counts and exactly ranked events


def _ticker_date_order(j: np.ndarray, d: np.ndarray, T: int) -> np.ndarray:
    """Permutation sorting events by panel column, then day (ties in input order)."""
    if len(j) and j.max() < 2**16 and T < 2**16:  # two stable radix sorts of 16-bit keys
        by_day = np.argsort(d.astype(np.uint16), kind="stable")
        return by_day[np.argsort(j[by_day].astype(np.uint16), kind="stable")]
    return np.lexsort((d, j))


def _ticker_columns(returns: ReturnsPanel, values: np.ndarray) -> np.ndarray:
    """Column of each event's ticker in the panel (-1 when absent; the first column for a duplicated ticker)."""
    tickers = returns.tickers
    if not tickers.is_unique:
        first_pos = pd.Series(np.arange(len(tickers)), index=tickers).groupby(level=0).min()
        found = first_pos.index.get_indexer(pd.Index(values))
        return np.where(found >= 0, first_pos.to_numpy()[found], -1).astype(np.int64)
    if tickers.dtype == object and values.dtype == object:
        try:
            # the index's own hash table, which get_indexer ends in, without get_indexer's type inference over
            # every value (for a few thousand events that inference costs as much as the lookup)
            return np.asarray(tickers._engine.get_indexer(values), dtype=np.int64)  # type: ignore[attr-defined]
        except (AttributeError, TypeError):  # a pandas without this internal: the public route
            pass
    return tickers.get_indexer(pd.Index(values)).astype(np.int64)


def _design(model: str, returns: ReturnsPanel, M: np.ndarray, T: int) -> tuple[np.ndarray, np.ndarray, bool, int]:
    """The model as ``y - off = const + Z b``: the offset subtracted, the regressors, a constant?, parameters counted."""
    zero = np.zeros(T)
    none = np.empty((T, 0))
    if model == "raw":
        return zero, none, False, 0
    if model == "mean_adjusted":
        return zero, none, True, 1
    if model == "market_adjusted":
        return np.ascontiguousarray(M, dtype=float), none, False, 0
    if model == "market_model":
        return zero, np.ascontiguousarray(M, dtype=float).reshape(T, 1), True, 2
    F = returns.factors
    assert F is not None
    names = list(_FACTORS[model])
    return (F["rf"].to_numpy(float).copy(), np.ascontiguousarray(F.loc[:, names].to_numpy(float)), True,
            len(names) + 1)
