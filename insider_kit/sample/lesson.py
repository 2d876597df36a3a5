"""The teaching notebook's (05) checks: why a planted class is or is not recovered, and each exercise's
self-check against the teaching market's truth.

Every number the lesson states is computed here or in the notebook's cell and asserted there; nothing in the
prose is typed by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["EXERCISES", "check", "exercise_answer", "leak_share", "recovery_reasons"]

#: The lesson's exercises: what is asked, and what the self-check compares the answer with.
EXERCISES: dict[int, str] = {
    1: "Estimate the mean CAR(0,60) of the opportunistic purchases (planted class 'opportunistic_purchase'). "
       "The check compares it with what the generator planted inside those events' windows.",
    2: "How many events does a study need to detect a 1% CAR(0,20) with 80% power (cross-sectional t at 5%, "
       "market model, events at random dates and firms)? The check compares it with the number implied by the "
       "placebo CARs' spread on these data.",
    3: "Estimate the share of a purchase's planted effect that reaches prices between the trade and the filing "
       "(the generator's info_leak): the purchases' CAR from the day after the trade to the day before the public "
       "date, over their CAR from the day after the trade to day 60 after the public date (purchases filed two or "
       "more trading days after the trade). The check compares it with the spec.",
}


def _need_truth(study: Any) -> dict[str, Any]:
    if getattr(study, "truth", None) is None:
        raise DataError("the lesson's checks need the teaching market (its truth.json)", path=study.paths.root,
                        hint="insider-kit sample")
    return study.truth


def recovery_reasons(study: Any, rec: pd.DataFrame, *, model: str = "market_adjusted",
                     window: tuple[int, int] = (0, 60)) -> pd.DataFrame:
    """For each planted class whose CI misses its own planted CAR: why, from the data.

    ``overlap`` — the CI covers every planted return inside the events' windows (the firm's other events'
    effects overlap them: :func:`insider_kit.sample.truth.planted_in_window`); ``event-date clustering`` — it
    misses even that, but the events fall in few calendar months and their CARs share those months' shocks:
    the Kolari–Pynnönen t, which allows for that, does not reject (the cross-sectional t does); ``unexplained``
    otherwise.

    Parameters
    ----------
    study
        A study of the teaching market.
    rec
        :func:`insider_kit.sample.planted_recovery`'s table for *model* and *window*.
    model, window
        The event study's return model and CAR window.

    Returns
    -------
    pandas.DataFrame
        One row per class missing its own planted CAR: ``reason``, ``months`` (calendar months of its events),
        ``rbar``, ``t_cs``, ``kp_t``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> from insider_kit.sample import planted_recovery
    >>> study = ik.load_study("sample")
    >>> why = recovery_reasons(study, planted_recovery(study))
    >>> set(why["reason"]) <= {"overlap", "event-date clustering", "unexplained"}
    True
    """
    from ..eventstudy import event_study
    from .truth import planted_labels, truth_events

    _need_truth(study)
    missed = rec.index[~rec["covered_own"].astype(bool)]
    lab = planted_labels(study.events, study.transactions, truth_events(study.paths.root))
    lab["cls"] = lab["planted_class"].fillna("").str.split(",").str[0].replace("", "unlabelled")
    lab = lab[lab["cls"].isin(missed)]
    rows = []
    if len(lab):
        res = event_study(lab, study.panel, model=model, group="cls",  # type: ignore[arg-type]
                          window=(min(-5, window[0]), window[1]), car_windows=[window], min_estimation=60,
                          max_loss=0.9)
        t = res.tests.reset_index(["start", "end"], drop=True)
        months = res.events.assign(m=pd.to_datetime(res.events["day0"]).dt.to_period("M")).groupby("cls")["m"].nunique()
        for c in missed:
            if c not in t.index:
                continue
            r = t.loc[c]
            if bool(rec.loc[c, "covered"]):
                why = "overlap"
            elif abs(r["kp_t"]) < 1.96 <= abs(r["t_cs"]):
                why = "event-date clustering"
            else:
                why = "unexplained"
            rows.append({"class": c, "reason": why, "months": int(months.get(c, 0)), "rbar": float(r["rbar"]),
                         "t_cs": float(r["t_cs"]), "kp_t": float(r["kp_t"])})
    from ..tables import display_frame

    return display_frame(pd.DataFrame(rows, columns=["class", "reason", "months", "rbar", "t_cs", "kp_t"]).set_index("class"))


def leak_share(study: Any, *, max_lag: int = 20) -> tuple[float, float, int]:
    """Exercise 3's estimate: the share of the opportunistic purchases' planted effect that reaches prices between
    the trade and the public date, as a ratio of mean abnormal returns, with its delta-method standard error.

    For the purchases (planted class ``opportunistic_purchase``) made public 2 to *max_lag* trading days after the
    trade, with day 0 the trade date (market-adjusted): ``before`` sums the abnormal returns from day 1 to the day
    before the public date, ``total`` from day 1 to 60 days after the public date; the share is
    ``mean(before) / mean(total)``.

    Parameters
    ----------
    study
        A study of the teaching market.
    max_lag
        The longest trade-to-public lag (trading days) used.

    Returns
    -------
    (float, float, int)
        The share, its standard error and the number of purchases.

    Examples
    --------
    >>> import insider_kit as ik
    >>> share, se, n = leak_share(ik.load_study("sample"))
    >>> 0.0 < share < 1.0 and se > 0 and n > 30
    True
    """
    from ..days import day_index
    from ..eventstudy import event_study
    from .truth import planted_labels, truth_events

    _need_truth(study)
    lab = planted_labels(study.events, study.transactions, truth_events(study.paths.root))
    opp = lab.loc[lab["planted_class"] == "opportunistic_purchase", ["ticker", "public_date"]].drop_duplicates()
    trade = study.events_by(date="trade")
    trade = trade[trade["direction"] == "buy"].merge(opp, on=["ticker", "public_date"])
    res = event_study(trade, study.panel, model="market_adjusted", window=(-5, max_lag + 60),
                      car_windows=[(1, max_lag + 60)], min_estimation=60, max_loss=0.9, tests=False)
    lag = day_index(study.panel.dates, res.events["public_date"]) - day_index(study.panel.dates, res.events["day0"])
    keep = (lag >= 2) & (lag <= max_lag)
    ar, rel = res.ar.to_numpy()[keep], res.rel_days
    lag = lag[keep]
    before = np.array([np.nansum(a[(rel >= 1) & (rel < g)]) for a, g in zip(ar, lag, strict=True)])
    total = np.array([np.nansum(a[(rel >= 1) & (rel <= g + 60)]) for a, g in zip(ar, lag, strict=True)])
    n = len(total)
    if n < 3 or not total.mean():
        raise DataError("too few purchases filed two or more trading days after the trade to estimate the share")
    share = before.mean() / total.mean()
    c = np.cov(before, total, ddof=1)
    # delta method for a ratio of means: Var(b/t) ~ (Var b - 2 r Cov(b,t) + r^2 Var t) / (n tbar^2)
    se = np.sqrt(max(c[0, 0] - 2 * share * c[0, 1] + share**2 * c[1, 1], 0.0) / (n * total.mean() ** 2))
    return float(share), float(se), n


def exercise_answer(study: Any, exercise: int) -> tuple[float, float]:
    """The reference answer of an exercise of :data:`EXERCISES` on this teaching market and its tolerance.

    Parameters
    ----------
    study
        A study of the teaching market.
    exercise
        1, 2 or 3.

    Returns
    -------
    (float, float)
        The reference and the half-width within which an answer counts as right.

    Examples
    --------
    >>> import insider_kit as ik
    >>> ref, tol = exercise_answer(ik.load_study("sample"), 3)
    >>> ref, tol >= 0.1
    (0.3, True)
    """
    truth = _need_truth(study)
    spec = truth["spec"]
    if exercise == 1:
        from .truth import planted_recovery

        rec = planted_recovery(study).loc["opportunistic_purchase"]
        se = (rec["ci_high"] - rec["ci_low"]) / (2 * 1.96)
        return float(rec["planted_in_window"]), float(2.5 * se)  # type: ignore[arg-type]  # within sampling error of the truth
    if exercise == 2:
        from ..eventstudy import event_study

        rng = np.random.default_rng(0)
        T, N = study.panel.values.shape
        d = rng.integers(260, T - 25, 3000)
        j = rng.integers(0, N, 3000)
        ev = pd.DataFrame({"ticker": study.panel.tickers[j], "date": study.panel.dates[d]})
        car = event_study(ev, study.panel, model="market_model", window=(-5, 20), car_windows=[(0, 20)],
                          max_loss=0.9, tests=False).car[(0, 20)].dropna()
        n_star = ((1.959964 + 0.841621) * float(car.std()) / 0.01) ** 2  # z_0.975 + z_0.80, Brown & Warner (1985)
        return float(n_star), float(0.35 * n_star)
    if exercise == 3:  # the spec's value, within 0.1 or 2.5 standard errors of the estimate (a small market)
        _, se, _ = leak_share(study)
        return float(spec["info_leak"]), float(max(0.1, 2.5 * se))
    raise DataError(f"no exercise {exercise!r}", hint="exercises: " + ", ".join(map(str, EXERCISES)))


def check(study: Any, exercise: int, answer: float) -> bool:
    """Say whether *answer* to an exercise of :data:`EXERCISES` is right on this teaching market (printed, and
    returned).

    Parameters
    ----------
    study
        A study of the teaching market.
    exercise
        1, 2 or 3.
    answer
        The student's number.

    Returns
    -------
    bool
        True when the answer is within the tolerance of the reference (:func:`exercise_answer`).

    Examples
    --------
    >>> import insider_kit as ik
    >>> check(ik.load_study("sample"), 3, 0.31)
    exercise 3: right — 0.31 is within ... of 0.3.
    True
    """
    ref, tol = exercise_answer(study, exercise)
    ok = bool(np.isfinite(answer) and abs(float(answer) - ref) <= tol)
    fmt = (lambda x: f"{x:.2%}") if exercise == 1 else (lambda x: f"{x:,.0f}") if exercise == 2 else (lambda x: f"{x:.2g}")
    if ok:
        print(f"exercise {exercise}: right — {fmt(answer)} is within {fmt(tol)} of {fmt(ref)}.")
    else:
        print(f"exercise {exercise}: not yet — {fmt(answer)} is more than {fmt(tol)} from the reference. "
              f"{EXERCISES[exercise]}")
    return ok
