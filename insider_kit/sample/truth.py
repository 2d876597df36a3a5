"""Attach the teaching market's planted truth to events (for checking what the methods recover)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..eventstudy.engine import Model
from ..signals import trade_table

__all__ = ["expected_verdicts", "planted_daily", "planted_in_window", "planted_labels", "planted_recovery",
           "truth_events"]


def truth_events(root: str | Path) -> pd.DataFrame:
    """The teaching market's planted events (``truth_events.parquet``: one row per generated filing with its
    class, planted CAR, dates, role ...).

    Parameters
    ----------
    root
        The teaching market's data directory.

    Returns
    -------
    pandas.DataFrame
        ``accession``, ``issuer_cik``, ``ticker``, ``owner_cik``, ``role``, ``class``, ``group``,
        ``trade_date``, ``filing_date``, ``codes``, ``planted_car``, ``plan``, ``routine``.

    Raises
    ------
    NotFoundError
        When *root* is not a teaching market (no planted events).

    Examples
    --------
    >>> from insider_kit.config import paths
    >>> te = truth_events(paths("sample").root)
    >>> bool(te["accession"].is_unique)
    True
    """
    from ..config import DataPaths
    from ..errors import DataError

    p = DataPaths(Path(root))
    try:
        return pd.read_parquet(p.truth_events)
    except (OSError, ValueError) as exc:
        raise DataError(f"no readable planted events ({exc})", path=p.truth_events,
                        hint="this is not the teaching market, or it predates this kit: run 'insider-kit sample'") from exc


def planted_labels(events: pd.DataFrame, transactions: pd.DataFrame, planted: pd.DataFrame) -> pd.DataFrame:
    """Add ``planted_class`` (the generator's classes of the event's filings, comma-joined) and
    ``planted_car`` (the sum of effects planted at this event) to *events*, joined through accession numbers.

    Parameters
    ----------
    events
        Events (:func:`insider_kit.build_events`).
    transactions
        The tidy transactions the events were built from (they link events to accessions).
    planted
        :func:`truth_events`.

    Returns
    -------
    pandas.DataFrame
        *events* with the two columns.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> lab = planted_labels(study.events, study.transactions, truth_events(study.paths.root))
    >>> len(lab) == len(study.events), bool(lab["planted_class"].notna().all())
    (True, True)
    """
    t = trade_table(transactions, codes=("P", "S"))
    tr = planted[["accession", "class", "planted_car"]]
    t = t.merge(tr, on="accession", how="left").drop_duplicates(["accession", "ticker", "date"])
    t["ticker"] = t["ticker"].astype(str)
    key = ["ticker", "date"]
    g = t.groupby(key, observed=True).agg(planted_car=("planted_car", "sum"))
    # the distinct classes of each (ticker, date), sorted and comma-joined: most have one, which is its own
    # label; only the others are joined (one Python call per group would cost minutes at universe scale)
    c = t.loc[t["class"].notna(), [*key, "class"]].drop_duplicates().sort_values([*key, "class"], kind="stable")
    n = c.groupby(key, observed=True)["class"].transform("size").to_numpy()
    labels = pd.concat([c[n == 1].set_index(key)["class"],
                        c[n > 1].groupby(key, observed=True)["class"].agg(",".join)])
    g.insert(0, "planted_class", labels.reindex(g.index).fillna(""))
    out = events.copy()
    out["ticker"] = out["ticker"].astype(str)
    return out.join(g, on=["ticker", "date"])


def expected_verdicts(spec: dict[str, Any]) -> dict[str, str]:
    """What the teaching market's spec planted, per claim: ``"supported"`` or ``"not supported"``.

    Only claims the spec decides are listed (others depend on mixtures and power).  A class whose effect fades
    (``fade_class``) counts with its average over the span insiders trade in.

    Parameters
    ----------
    spec
        The spec as written to ``truth.json`` (its ``"spec"`` entry).

    Returns
    -------
    dict of str to str
        Claim id -> expected verdict.

    Examples
    --------
    >>> import json
    >>> from insider_kit.config import paths
    >>> spec = json.loads(paths("sample").truth.read_text())["spec"]
    >>> expected_verdicts(spec)["purchases_positive"]
    'supported'
    """
    e = dict(spec["effects"])
    fade, after = spec.get("fade_class"), spec.get("fade_after")
    if fade in e and after is not None:
        # the fading class's effect over the span insiders trade in (from a year after the start to 70 days
        # before the end), weighted by the share of that span before and after the fade
        lo = pd.Timestamp(spec["start"]) + pd.DateOffset(years=1)
        hi = pd.Timestamp(spec["end"]) - pd.Timedelta(days=70)
        share = float(np.clip((pd.Timestamp(after) - lo) / (hi - lo), 0.0, 1.0)) if hi > lo else 1.0
        e[fade] = share * e[fade] + (1 - share) * spec.get("fade_to", 0.0)
    out: dict[str, str] = {}
    out["purchases_positive"] = "supported" if e["opportunistic_purchase"] > 0 else "not supported"
    out["cluster_selling"] = "supported" if e["cluster_sale"] <= -0.02 else "not supported"
    out["exec_unscheduled_sales"] = "supported" if e["exec_unscheduled_sale"] <= -0.02 else "not supported"
    out["lockup_selling"] = "supported" if e["lockup_sale"] <= -0.02 else "not supported"
    out["selling_after_runup"] = "not supported"  # the generator plants no run-up effect
    out["large_fraction"] = "supported" if e["exec_unscheduled_sale"] <= -0.02 else "not supported"
    out["buys_stronger_than_sales"] = ("supported" if e["opportunistic_purchase"] > 0.02 and e["ordinary_sale"] > -0.01
                                       else "not supported")
    if spec.get("market_selling_wave"):
        out["market_selling_after_advance"] = "supported" if spec["market_wave_effect"] <= -0.02 else "not supported"
    else:
        out["market_selling_after_advance"] = "not supported"
    out["pre_filing_information"] = ("supported" if spec["info_leak"] > 0 and e["opportunistic_purchase"] > 0.02
                                     else "not supported")
    return out


def planted_daily(study: Any) -> pd.DataFrame:
    """The planted abnormal returns day by day, as the generator added them to each firm's returns: of each
    effect-bearing filing, ``info_leak`` of its CAR spread over the days between trade and filing, the rest over
    the ``effect_days`` from the filing day on (``insider_kit.sample.generate._plant``).

    Parameters
    ----------
    study
        A :class:`~insider_kit.study.Study` of the teaching market.

    Returns
    -------
    pandas.DataFrame
        Dates x tickers, the planted part of each daily return (0 where nothing was planted).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> daily = planted_daily(study)
    >>> te = truth_events(study.paths.root)
    >>> bool(abs(daily.to_numpy().sum() - te["planted_car"].sum()) < 0.05 * abs(te["planted_car"].sum()))
    True
    """
    from ..days import day_index
    from ..errors import DataError

    if study.truth is None:
        raise DataError("planted_daily needs the teaching market (its truth.json)", path=study.paths.root)
    spec = study.truth["spec"]
    dates = study.panel.dates
    T = len(dates)
    col = {t: k for k, t in enumerate(study.panel.tickers.astype(str))}
    te = truth_events(study.paths.root)
    te = te[(te["planted_car"] != 0) & te["ticker"].astype(str).isin(col)]
    out = np.zeros((T, len(col)))
    ti = day_index(dates, pd.to_datetime(te["trade_date"]))
    fi = day_index(dates, pd.to_datetime(te["filing_date"]))
    for j, t, f, e in zip(te["ticker"].astype(str).map(col), ti, fi, te["planted_car"], strict=True):
        leak_days = np.arange(t + 1, min(f, T))
        post = np.arange(f, min(T, f + int(spec["effect_days"])))
        leak = float(spec["info_leak"]) * e if len(leak_days) else 0.0
        out[leak_days, j] += leak / max(len(leak_days), 1)
        if len(post):
            out[post, j] += (e - leak) / len(post)
    return pd.DataFrame(out, index=dates, columns=study.panel.tickers)


def planted_in_window(study: Any, events: pd.DataFrame, window: tuple[int, int] = (0, 60)) -> pd.Series:
    """What an event study of each event should find on the teaching market: the planted abnormal returns of
    its firm that fall inside its CAR window — its own effect and those of the firm's other events whose
    effects overlap it (a cluster's effect is planted once, at its third filing, so every filing of the cluster
    sees it; a purchase a month before a sale lends the sale part of its drift).

    Parameters
    ----------
    study
        A :class:`~insider_kit.study.Study` of the teaching market.
    events
        Events with ``ticker`` and ``day0`` (e.g. ``EventStudyResult.events``).
    window
        The CAR window (trading days relative to day 0).

    Returns
    -------
    pandas.Series
        One value per event (on *events*' index): the sum of the planted daily abnormal returns of its ticker
        over days ``day0 + window[0] .. day0 + window[1]``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> res = ik.event_study(study.events.head(200), study.panel, model="market_adjusted", window=(-5, 60),
    ...                      car_windows=[(0, 60)], min_estimation=60, max_loss=None)
    >>> planted_in_window(study, res.events).index.equals(res.events.index)
    True
    """
    from ..days import day_index

    daily = planted_daily(study)
    cum = np.vstack([np.zeros(daily.shape[1]), np.cumsum(daily.to_numpy(), axis=0)])
    T = daily.shape[0]
    j = daily.columns.get_indexer(pd.Index(events["ticker"].astype(str)))
    d0 = day_index(pd.DatetimeIndex(daily.index), events["day0"])
    a = np.clip(d0 + window[0], 0, T)
    b = np.clip(d0 + window[1] + 1, 0, T)
    ok = j >= 0
    val = np.where(ok, cum[b, np.maximum(j, 0)] - cum[a, np.maximum(j, 0)], np.nan)
    return pd.Series(val, index=events.index, name="planted_in_window")


def planted_recovery(study: Any, *, model: Model = "market_adjusted", window: tuple[int, int] = (0, 60)) -> pd.DataFrame:
    """What an event study of the teaching market recovers of each planted class: N, mean CAR with its 95% CI,
    the mean planted CAR of the class's events, and whether the CI covers it.

    Parameters
    ----------
    study
        A :class:`~insider_kit.study.Study` of the teaching market (its ``truth`` is needed).
    model, window
        Return model and CAR window.

    Returns
    -------
    pandas.DataFrame
        One row per planted class: ``n``, ``mean_car``, ``ci_low``, ``ci_high``; ``planted_mean``, the class's own
        planted CAR; ``planted_in_window``, every planted abnormal return inside the events' windows (their own
        and overlapping ones: :func:`planted_in_window`), which is what the estimate should recover; ``covered``,
        whether the CI covers ``planted_in_window``, and ``covered_own``, whether it covers ``planted_mean``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> rec = planted_recovery(ik.load_study("sample"))
    >>> rec.columns.tolist()
    ['n', 'mean_car', 'ci_low', 'ci_high', 'planted_mean', 'planted_in_window', 'covered', 'covered_own']
    """
    from ..errors import DataError
    from ..eventstudy import event_study

    if study.truth is None:
        raise DataError("planted_recovery needs the teaching market (its truth.json)", path=study.paths.root)
    lab = planted_labels(study.events, study.transactions, truth_events(study.paths.root))
    lab["cls"] = lab["planted_class"].fillna("").str.split(",").str[0].replace("", "unlabelled")
    rec = event_study(lab, study.panel, model=model, group="cls", window=(min(-5, window[0]), window[1]),
                      car_windows=[window], min_estimation=60, max_loss=0.9)
    tab = rec.summary()[["n", "mean_car", "ci_low", "ci_high"]].reset_index(["start", "end"], drop=True)
    used = rec.events  # (each mean over the events whose window is studied, as the estimate's)
    studied = rec.car[window].notna()
    tab["planted_mean"] = used["planted_car"].where(studied).groupby(used["cls"]).mean().reindex(tab.index)
    piw = planted_in_window(study, used, window).where(studied)
    tab["planted_in_window"] = piw.groupby(used["cls"]).mean().reindex(tab.index)
    tab["covered"] = (tab["ci_low"] <= tab["planted_in_window"]) & (tab["planted_in_window"] <= tab["ci_high"])
    tab["covered_own"] = (tab["ci_low"] <= tab["planted_mean"]) & (tab["planted_mean"] <= tab["ci_high"])
    from ..tables import display_frame

    return display_frame(tab)
