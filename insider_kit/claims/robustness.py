"""The headline comparison across return models, CAR windows and event dates (filing vs trade date).

Pure functions of a study's events and panel (:class:`~.estimates.ClaimsData`); their results are kept by the
study (:func:`~.estimates.derived`), so the report's claim pages and notebook 02 share one computation.  The
grids of one event date can be computed ahead (:func:`grid_rows`) while other work waits: that is arranged by
:mod:`insider_kit.study`, never here.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from ..eventstudy import event_study
from ..eventstudy.regression import MaskedClusters, cluster_codes
from ..eventstudy.results import EventStudyResult
from ..tables import display_frame
from .catalog import Selections
from .estimates import ClaimsData, derived, difference_estimate, mean_estimate, sale_pattern_fit

__all__ = ["DEFAULT_GRID", "SELL_SIGNAL_RANKING", "claim_grids", "grid_names", "grid_rows", "robustness",
           "runup_model_bias", "sell_signal_ranking"]


def _grid_studies(study: ClaimsData, models: tuple[str, ...], windows: tuple[tuple[int, int], ...],
                  dates: tuple[str, ...], *, tests: bool) -> Iterator[tuple[str, str, EventStudyResult]]:
    """One event study per (event date, model) of the grid (factor models skipped without factors)."""
    for date in dates:
        ev = study.events if date == "filing" else study.events_by(date="trade")
        for model in models:
            if model in ("ff3", "carhart") and study.panel.factors is None:
                continue
            yield date, model, event_study(ev, study.panel, model=model, window=(-5, max(w[1] for w in windows)),  # type: ignore[arg-type]
                                           car_windows=list(windows), min_estimation=60, max_loss=0.95, tests=tests,
                                           group="direction")


def robustness(study: ClaimsData, *, models: tuple[str, ...] = ("market_adjusted", "market_model", "ff3"),
               windows: tuple[tuple[int, int], ...] = ((0, 5), (0, 20), (0, 60)),
               dates: tuple[str, ...] = ("filing", "trade")) -> pd.DataFrame:
    """Purchases minus sign-flipped sales across models, CAR windows and event dates (clustered CIs).

    Parameters
    ----------
    study
        A loaded study.
    models, windows, dates
        The grid; models needing factors are skipped when the panel has none.

    Returns
    -------
    pandas.DataFrame
        One row per (date, model, window): ``buys``, ``sales``, ``difference`` with its 95% CI (firm and month
        clustered), ``n_buys``, ``n_sales``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> grid = robustness(study, models=("market_adjusted",), windows=((0, 20), (0, 60)))
    >>> len(grid), grid["model"].unique().tolist()
    (4, ['market_adjusted'])
    """
    rob = _grids(study, models, windows, dates)[0].copy()
    rob["window"] = pd.Series(list(zip(rob.pop("start"), rob.pop("end"), strict=True)), index=rob.index, dtype=object)
    return display_frame(rob[["date", "model", "window", "buys", "sales", "difference", "ci_low", "ci_high", "n_buys",
                              "n_sales"]], percent=("buys", "sales"), count=("n_buys", "n_sales"))


def runup_model_bias(study: ClaimsData, *, models: tuple[str, ...] = ("market_model", "market_adjusted"),
                     window: tuple[int, int] = (0, 60)) -> pd.DataFrame:
    """Mean CAR of sales by run-up quintile under each return model: the market model's intercept, estimated
    over months that include a run-up, makes sales after run-ups look like reversals (notebook 05).

    Parameters
    ----------
    study
        A loaded study.
    models
        The return models compared.
    window
        The CAR window.

    Returns
    -------
    pandas.DataFrame
        One row per run-up quintile, one column per model.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> tab = runup_model_bias(study)
    >>> tab.columns.tolist(), tab.index.name
    (['market_model', 'market_adjusted'], 'run-up quintile')
    """
    s = study.events[study.events["direction"] == "sell"].dropna(subset=["runup_q"])
    s = s.assign(q=s["runup_q"].astype(str))
    cols = {}
    for m in models:
        r = event_study(s, study.panel, model=m, group="q", window=(-5, window[1]), car_windows=[window],  # type: ignore[arg-type]
                        min_estimation=60)
        cols[m] = r.summary()["mean_car"].reset_index(["start", "end"], drop=True)
    return display_frame(pd.DataFrame(cols).sort_index().rename_axis("run-up quintile"), percent=tuple(models))


def claim_grids(study: ClaimsData, *, models: tuple[str, ...] = ("market_adjusted", "market_model", "ff3"),
                windows: tuple[tuple[int, int], ...] = ((0, 5), (0, 20), (0, 60)),
                dates: tuple[str, ...] = ("filing", "trade")) -> dict[str, pd.DataFrame]:
    """Every mean and difference claim's estimate across return models, CAR windows and event dates.

    One event study per (date, model) serves every claim (the claims' selections are masks over its events),
    so the whole grid costs six studies.  Estimates and 95% CIs are clustered by firm and month (no bootstrap).

    Parameters
    ----------
    study
        A loaded study.
    models, windows, dates
        The grid (models needing factors are skipped when the panel has none).

    Returns
    -------
    dict
        Claim id -> a table with ``date, model, start, end, n, n_ref, estimate, ci_low, ci_high``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> grids = claim_grids(study, models=("market_adjusted",), windows=((0, 20),), dates=("filing",))
    >>> grids["purchases_positive"].columns.tolist()
    ['date', 'model', 'start', 'end', 'n', 'n_ref', 'estimate', 'ci_low', 'ci_high']
    """
    from .catalog import CLAIMS

    grids = _grids(study, models, windows, dates)[1]
    return {c.id: grids[grids["claim"] == c.id].drop(columns="claim").reset_index(drop=True)
            for c in CLAIMS if c.select is not None}


def grid_names(models: tuple[str, ...], windows: tuple[tuple[int, int], ...], dates: tuple[str, ...]
               ) -> tuple[str, str]:
    """The names the robustness grid and the claims' grids of these settings are kept under by their data.

    Parameters
    ----------
    models, windows, dates
        The grid.

    Returns
    -------
    (str, str)
        ``robustness_<hash>`` and ``claim_grids_<hash>``.

    Examples
    --------
    >>> grid_names(*DEFAULT_GRID, ("filing",))[0].startswith("robustness_")
    True
    """
    import hashlib

    key = hashlib.sha256(repr((models, windows, dates)).encode()).hexdigest()[:12]
    return f"robustness_{key}", f"claim_grids_{key}"


def _grids(study: ClaimsData, models: tuple[str, ...], windows: tuple[tuple[int, int], ...], dates: tuple[str, ...]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The robustness grid and every claim's grid from one pass over the grid's event studies (one per date and
    model), kept by the study: notebook 02's robustness table and the report's claim pages share them."""
    state: dict[str, pd.DataFrame] = {}

    def part(name: str) -> pd.DataFrame:
        if name not in state:
            state["rob"], state["claims"] = _grid_tables(study, models, windows, dates)
        return state[name]

    rob_name, claims_name = grid_names(models, windows, dates)
    return derived(study, rob_name, lambda: part("rob")), derived(study, claims_name, lambda: part("claims"))


def _grid_tables(study: ClaimsData, models: tuple[str, ...], windows: tuple[tuple[int, int], ...],
                 dates: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The robustness rows (purchases minus sign-flipped sales) and the claims' rows of every (date, model,
    window), from one event study per (date, model)."""
    rob: list[dict[str, object]] = []
    rows: list[dict[str, object]] = []
    for date in dates:
        r, c = grid_rows(study, models, windows, date)
        rob += r
        rows += c
    cols = ["claim", "date", "model", "start", "end", "n", "n_ref", "estimate", "ci_low", "ci_high"]
    return pd.DataFrame(rob), pd.DataFrame(rows, columns=cols)


#: The grids' defaults (:func:`robustness`, :func:`claim_grids`: the report's and notebook 02's): models, windows.
DEFAULT_GRID: tuple[tuple[str, ...], tuple[tuple[int, int], ...]] = (
    ("market_adjusted", "market_model", "ff3"), ((0, 5), (0, 20), (0, 60)))


def grid_rows(study: ClaimsData, models: tuple[str, ...], windows: tuple[tuple[int, int], ...], date: str
              ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The robustness rows and the claims' rows of one event date (one event study per model), kept by the study
    in memory (so they can be computed ahead, while other work waits, and assembled later).

    Parameters
    ----------
    study
        The claims' data.
    models, windows
        The grid.
    date
        ``filing`` or ``trade``.

    Returns
    -------
    (list, list)
        The robustness rows and the claims' rows (dicts).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> rob, rows = grid_rows(study, ("market_adjusted",), ((0, 20),), "filing")
    >>> len(rob), rob[0]["model"]
    (1, 'market_adjusted')
    """
    return derived(study, f"grid_rows_{models!r}_{windows!r}_{date}",
                   lambda: _date_rows(study, models, windows, date), persist=False)


def _date_rows(study: ClaimsData, models: tuple[str, ...], windows: tuple[tuple[int, int], ...], date: str
               ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    from .catalog import CLAIMS, Selections

    rob: list[dict[str, object]] = []
    rows: list[dict[str, object]] = []
    for _, model, res in _grid_studies(study, models, windows, (date,), tests=False):
        sel = Selections(res.events)
        mc = MaskedClusters(cluster_codes(res.events, ("firm", "month"), intersection=True))  # once per study
        buy = (res.events["direction"] == "buy").to_numpy()
        for w in windows:
            car = res.car[w].to_numpy()
            d = difference_estimate(car, buy, ~buy, mc, flip_b=True)
            b, s_ = mean_estimate(res.events, car, buy, mc), mean_estimate(res.events, car, ~buy, mc)
            rob.append({"date": date, "model": model, "start": w[0], "end": w[1], "buys": b["estimate"],
                        "sales": s_["estimate"], "difference": d["estimate"], "ci_low": d["ci_low"],
                        "ci_high": d["ci_high"], "n_buys": b["n"], "n_sales": s_["n"]})
        for c in CLAIMS:
            if c.select is None:
                continue
            a, ref = c.select(sel)
            for w in windows:
                car = res.car[w].to_numpy()
                r = mean_estimate(res.events, car, a, mc) if ref is None else \
                    difference_estimate(car, a, ref, mc, flip_b=c.flip_ref)
                rows.append({"claim": c.id, "date": date, "model": model, "start": w[0], "end": w[1], "n": r["n"],
                             "n_ref": r["n_ref"], "estimate": r["estimate"], "ci_low": r["ci_low"],
                             "ci_high": r["ci_high"]})
    return rob, rows


#: The sources' ranking of sell signals, strongest first ("high", "medium", "situational").
SELL_SIGNAL_RANKING: tuple[tuple[str, str], ...] = (
    ("cluster", "high"), ("after run-up", "medium"), ("large unscheduled CEO/CFO", "medium"), ("lock-up", "situational"))


def sell_signal_ranking(study: ClaimsData, *, model: str = "market_adjusted", window: tuple[int, int] = (0, 60)
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sources' ranking of sell signals tested as a ranking: one regression of sale CARs on the four
    pattern dummies (cluster, after a run-up, large unscheduled CEO/CFO, lock-up; other sales the base), standard
    errors clustered by firm and month, then every pairwise contrast with its 95% CI from the robust covariance.

    Parameters
    ----------
    study
        A loaded study.
    model
        The return model.
    window
        The CAR window.

    Returns
    -------
    (effects, contrasts)
        *effects*: each pattern's CAR relative to other sales with its CI, N and the sources' rank;
        *contrasts*: ``a - b`` for every pair, its CI, and whether the data order them as the sources do
        (``a`` stronger, i.e. more negative, when the sources rank it higher).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> effects, contrasts = sell_signal_ranking(study)
    >>> contrasts.columns.tolist()
    ['a', 'b', 'difference', 'ci_low', 'ci_high', 'data_say']
    """
    ev = study.events[study.events["direction"] == "sell"]
    res = event_study(ev, study.panel, model=model, window=(min(-5, window[0]), window[1]),  # type: ignore[arg-type]
                      car_windows=[window], min_estimation=60, max_loss=0.95, tests=False)
    fit, keep, X = sale_pattern_fit(res.events, res.car[window].to_numpy(), Selections(res.events).sale_patterns())
    cov = fit.cov.to_numpy()
    pos = {k: i for i, k in enumerate(fit.cov.index)}
    rank = dict(SELL_SIGNAL_RANKING)
    order = [k for k, _ in SELL_SIGNAL_RANKING]
    eff = pd.DataFrame({"estimate": fit.params[keep], "se": fit.std_errors[keep],
                        "n": [int(X[k].sum()) for k in keep], "sources_rank": [rank[k] for k in keep]})
    eff["ci_low"], eff["ci_high"] = eff["estimate"] - 1.96 * eff["se"], eff["estimate"] + 1.96 * eff["se"]
    rows = []
    for i, a in enumerate(keep):
        for b in keep[i + 1:]:
            d = float(fit.params[a] - fit.params[b])
            ia, ib = pos[a], pos[b]
            se = float(np.sqrt(max(float(cov[ia, ia] + cov[ib, ib] - 2 * cov[ia, ib]), 0.0)))
            lo, hi = d - 1.96 * se, d + 1.96 * se
            higher = order.index(a) < order.index(b) and rank[a] != rank[b]
            if rank[a] == rank[b]:
                says = "sources rank them alike"
            elif hi < 0:
                says = "as the sources rank them" if higher else "opposite to the sources"
            elif lo > 0:
                says = "opposite to the sources" if higher else "as the sources rank them"
            else:
                says = "not distinguishable"
            rows.append({"a": a, "b": b, "difference": d, "ci_low": lo, "ci_high": hi, "data_say": says})
    return display_frame(eff.drop(columns="se")), display_frame(pd.DataFrame(rows))
