"""The headline comparison across return models, CAR windows and event dates (filing vs trade date)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from ..eventstudy import event_study
from ..eventstudy.regression import MaskedClusters, cluster_codes
from ..eventstudy.results import EventStudyResult
from ..study import Study
from .ledger import _diff_clustered, _mean

__all__ = ["SELL_SIGNAL_RANKING", "claim_grids", "robustness", "runup_model_bias", "sell_signal_ranking"]


def _grid_studies(study: Study, models: tuple[str, ...], windows: tuple[tuple[int, int], ...],
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


def robustness(study: Study, *, models: tuple[str, ...] = ("market_adjusted", "market_model", "ff3"),
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
    return rob[["date", "model", "window", "buys", "sales", "difference", "ci_low", "ci_high", "n_buys", "n_sales"]]


def runup_model_bias(study: Study, *, models: tuple[str, ...] = ("market_model", "market_adjusted"),
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
    return pd.DataFrame(cols).sort_index().rename_axis("run-up quintile")


def claim_grids(study: Study, *, models: tuple[str, ...] = ("market_adjusted", "market_model", "ff3"),
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


def _grids(study: Study, models: tuple[str, ...], windows: tuple[tuple[int, int], ...], dates: tuple[str, ...]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The robustness grid and every claim's grid from one pass over the grid's event studies (one per date and
    model), kept with the study: notebook 02's robustness table and the report's claim pages share them."""
    key = _grid_key(models, windows, dates)
    state: dict[str, pd.DataFrame] = {}

    def part(name: str) -> pd.DataFrame:
        if name not in state:
            state["rob"], state["claims"] = _grid_tables(study, models, windows, dates)
        return state[name]

    rob = study._cached_frame(f"robustness_{key}", lambda: part("rob"))
    claims = study._cached_frame(f"claim_grids_{key}", lambda: part("claims"))
    return rob, claims


def _grid_tables(study: Study, models: tuple[str, ...], windows: tuple[tuple[int, int], ...], dates: tuple[str, ...]
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The robustness rows (purchases minus sign-flipped sales) and the claims' rows of every (date, model,
    window), from one event study per (date, model)."""
    rob: list[dict[str, object]] = []
    rows: list[dict[str, object]] = []
    if "trade" in dates:  # built by a worker while the filing-date studies run here
        study.prefetch([("trade", ("P", "S"), False)])
    for date in dates:
        r, c = _date_rows(study, models, windows, date)
        rob += r
        rows += c
    cols = ["claim", "date", "model", "start", "end", "n", "n_ref", "estimate", "ci_low", "ci_high"]
    return pd.DataFrame(rob), pd.DataFrame(rows, columns=cols)


#: The grids' defaults (:func:`robustness`, :func:`claim_grids`: the report's and notebook 02's).
_DEFAULTS: tuple[tuple[str, ...], tuple[tuple[int, int], ...]] = (
    ("market_adjusted", "market_model", "ff3"), ((0, 5), (0, 20), (0, 60)))


def _date_rows(study: Study, models: tuple[str, ...], windows: tuple[tuple[int, int], ...], date: str
               ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The robustness and claim rows of one event date (one event study per model), kept in the study's
    memory (:func:`warm_grids` computes them before the grids are asked for)."""
    from .catalog import CLAIMS, Selections

    key = f"grid_rows_{models!r}_{windows!r}_{date}"
    if key in study._alt_meta:
        return study._alt_meta[key]
    rob: list[dict[str, object]] = []
    rows: list[dict[str, object]] = []
    for _, model, res in _grid_studies(study, models, windows, (date,), tests=False):
        sel = Selections(res.events)
        mc = MaskedClusters(cluster_codes(res.events, ("firm", "month"), intersection=True))  # once per study
        buy = (res.events["direction"] == "buy").to_numpy()
        for w in windows:
            car = res.car[w].to_numpy()
            d = _diff_clustered(car, buy, ~buy, mc, flip_b=True)
            b, s_ = _mean(res, car, buy, mc), _mean(res, car, ~buy, mc)
            rob.append({"date": date, "model": model, "start": w[0], "end": w[1], "buys": b["estimate"],
                        "sales": s_["estimate"], "difference": d["estimate"], "ci_low": d["ci_low"],
                        "ci_high": d["ci_high"], "n_buys": b["n"], "n_sales": s_["n"]})
        for c in CLAIMS:
            if c.select is None:
                continue
            a, ref = c.select(sel)
            for w in windows:
                car = res.car[w].to_numpy()
                r = _mean(res, car, a, mc) if ref is None else _diff_clustered(car, a, ref, mc, c.flip_ref)
                rows.append({"claim": c.id, "date": date, "model": model, "start": w[0], "end": w[1], "n": r["n"],
                             "n_ref": r["n_ref"], "estimate": r["estimate"], "ci_low": r["ci_low"],
                             "ci_high": r["ci_high"]})
    study._alt_meta[key] = (rob, rows)
    return rob, rows


def warm_grids(study: Study, date: str) -> None:
    """Compute the default grids' rows of event *date* (``filing`` or ``trade``) now, unless the grids are
    already built: the ledger calls this while a worker is still building event variants it waits for (the
    filing-date half while it waits for the trade-dated events, the trade-date half while it waits for the
    disposals), so the grids built later (the report's, notebook 02's) are assembled from rows already made."""
    models, windows = _DEFAULTS
    if study._has_frame(f"robustness_{_grid_key(models, windows, ('filing', 'trade'))}"):
        return
    _date_rows(study, models, windows, date)


def _grid_key(models: tuple[str, ...], windows: tuple[tuple[int, int], ...], dates: tuple[str, ...]) -> str:
    import hashlib

    return hashlib.sha256(repr((models, windows, dates)).encode()).hexdigest()[:12]


#: The sources' ranking of sell signals, strongest first ("high", "medium", "situational").
SELL_SIGNAL_RANKING: tuple[tuple[str, str], ...] = (
    ("cluster", "high"), ("after run-up", "medium"), ("large unscheduled CEO/CFO", "medium"), ("lock-up", "situational"))


def sell_signal_ranking(study: Study, *, model: str = "market_adjusted", window: tuple[int, int] = (0, 60)
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
    import numpy as np

    from ..eventstudy.regression import cluster_codes, ols_clustered
    from .catalog import Selections

    ev = study.events[study.events["direction"] == "sell"]
    res = event_study(ev, study.panel, model=model, window=(min(-5, window[0]), window[1]),  # type: ignore[arg-type]
                      car_windows=[window], min_estimation=60, max_loss=0.95, tests=False)
    s = Selections(res.events)
    dummies = {"cluster": s.cluster, "after run-up": s.runup_top, "large unscheduled CEO/CFO": s.exec_unscheduled,
               "lock-up": s.lockup}
    car = res.car[window].to_numpy()
    m = np.isfinite(car)
    X = pd.DataFrame({"const": 1.0, **{k: v[m].astype(float) for k, v in dummies.items()}})
    keep = [k for k in dummies if X[k].sum() >= 2]
    X = X[["const", *keep]]
    fit = ols_clustered(car[m], X, cluster_codes(res.events, ("firm", "month"), mask=m))
    cov = fit.cov_params()
    rank = dict(SELL_SIGNAL_RANKING)
    order = [k for k, _ in SELL_SIGNAL_RANKING]
    eff = pd.DataFrame({"estimate": fit.params[keep], "se": fit.bse[keep],
                        "n": [int(X[k].sum()) for k in keep], "sources_rank": [rank[k] for k in keep]})
    eff["ci_low"], eff["ci_high"] = eff["estimate"] - 1.96 * eff["se"], eff["estimate"] + 1.96 * eff["se"]
    rows = []
    for i, a in enumerate(keep):
        for b in keep[i + 1:]:
            d = float(fit.params[a] - fit.params[b])
            se = float(np.sqrt(max(cov.loc[a, a] + cov.loc[b, b] - 2 * cov.loc[a, b], 0.0)))
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
    return eff.drop(columns="se"), pd.DataFrame(rows)
