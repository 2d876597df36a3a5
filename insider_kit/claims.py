"""The claims ledger: every claim from the source articles, the test that answers it, and a verdict.

Each claim names what would support it (a positive or negative effect, or an
effect too small to matter) and its test: a mean CAR of one set of events, or
the difference of mean CARs between two sets (buys vs sign-flipped sales,
cluster sales vs other sales, ...), or, for the market-wide claim, the
difference in forward market returns between months.

Verdict rule (from the estimate's 95% CI and N; standard errors clustered by
firm and calendar month, Newey-West for monthly market series):

* ``inconclusive`` when N (either side of a difference) is below ``min_n``;
* claims of an effect (``expect = "positive"`` or ``"negative"``): ``supported`` when
  the CI excludes zero on the claimed side; ``contradicted`` when it excludes zero
  on the other side, or lies entirely within +/- ``negligible`` (an effect
  precisely estimated to be too small to matter); else ``inconclusive``;
* claims of no effect (``expect = "none"``): ``supported`` when the CI lies within
  +/- ``negligible``; ``contradicted`` when it excludes the whole band on one side;
  else ``inconclusive``.

CARs are over ``window`` (default trading days 0..60 after the filing became
public) with market-adjusted returns by default: the market model's intercept,
estimated on the months before the event, absorbs a pre-event run-up and makes
sales after run-ups look like reversals even when nothing follows (notebook 05).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .days import day_index
from .errors import DataError
from .eventstudy import compare, event_study
from .eventstudy.results import EventStudyResult
from .signals import net_purchase_ratio
from .study import Study

__all__ = ["CLAIMS", "Claim", "expected_verdicts", "market_claim", "robustness", "run_ledger", "verdict"]

Expect = Literal["positive", "negative", "none"]


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    source: str
    test: str
    expect: Expect


CLAIMS: tuple[Claim, ...] = (
    Claim("purchases_positive", "Insider purchases are followed by positive abnormal returns",
          "Lakonishok & Lee (2001); Jeng, Metrick & Zeckhauser (2003); practitioner articles",
          "mean CAR of purchase events", "positive"),
    Claim("sales_little_information", "Insider sales on average carry little information",
          "Lakonishok & Lee (2001); practitioner articles (sales have many reasons)",
          "mean CAR of sale events within +/- negligible", "none"),
    Claim("buys_stronger_than_sales", "Purchases are a stronger signal than sales",
          "Lakonishok & Lee (2001); Jeng et al. (2003)", "CAR(purchases) - (-CAR(sales))", "positive"),
    Claim("cluster_selling", "Cluster selling by several insiders is a (the strongest) sell signal",
          "practitioner articles; Alldredge & Blank (2019)", "CAR(cluster sales) - CAR(other sales)", "negative"),
    Claim("selling_after_runup", "Selling after a price run-up matters",
          "practitioner articles", "CAR(sales in the top run-up quintile) - CAR(other sales)", "negative"),
    Claim("exec_unscheduled_sales", "Large unscheduled sales by a CEO/CFO who rarely sells matter",
          "practitioner articles", "CAR(large unscheduled CEO/CFO sales) - CAR(other sales)", "negative"),
    Claim("lockup_selling", "Selling at lock-up expiry is followed by lower returns",
          "Field & Hanka (2001); practitioner articles", "CAR(lock-up sales) - CAR(other sales)", "negative"),
    Claim("open_market_vs_other_disposals", "Open-market sales say more than option-exercise, tax, gift or other disposals",
          "practitioner articles", "CAR(open-market sales) - CAR(F/G/J disposals and exercise-and-sell)", "negative"),
    Claim("plan_sales_less_information", "10b5-1 plan sales carry less information than discretionary sales",
          "practitioner articles; Jagolinzer (2009)", "CAR(plan sales) - CAR(discretionary sales)", "positive"),
    Claim("large_fraction", "Selling a large fraction of a holding matters more than a small one",
          "practitioner articles", "CAR(sales of >50% of the holding) - CAR(sales of <=10%)", "negative"),
    Claim("routine_no_signal", "Routine sellers carry no signal",
          "Cohen, Malloy & Pomorski (2012)", "mean CAR of routine sales within +/- negligible", "none"),
    Claim("opportunistic_sales", "Opportunistic (non-routine) sellers carry a signal that routine ones do not",
          "Cohen, Malloy & Pomorski (2012)", "CAR(opportunistic sales) - CAR(routine sales)", "negative"),
    Claim("market_selling_after_advance", "Heavy insider selling across the market after a big advance precedes "
          "weaker market returns", "practitioner articles; Seyhun (1988)",
          "3-month forward market return: heavy-selling months after an advance - other months", "negative"),
    Claim("pre_filing_information", "Part of the information reaches prices before the filing is public",
          "Cheng, Nagar & Rajan (2007); trade vs filing date",
          "abnormal return of purchases between the trade and the day the filing became public", "positive"),
)


def verdict(est: float, lo: float, hi: float, n: int, expect: Expect, *, negligible: float, min_n: int) -> str:
    """The verdict rule of the module docstring."""
    if n < min_n or not (np.isfinite(lo) and np.isfinite(hi)):
        return "inconclusive"
    if expect == "none":
        if -negligible <= lo and hi <= negligible:
            return "supported"
        if lo > negligible or hi < -negligible:
            return "contradicted"
        return "inconclusive"
    right = lo > 0 if expect == "positive" else hi < 0
    wrong = hi < 0 if expect == "positive" else lo > 0
    if right:
        return "supported"
    if wrong or (-negligible <= lo and hi <= negligible):
        return "contradicted"
    return "inconclusive"


def _clustered_mean(res: EventStudyResult, car: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """Mean with a firm+month two-way clustered standard error (OLS on a constant)."""
    import statsmodels.api as sm

    m = mask & np.isfinite(car)
    n = int(m.sum())
    if n < 3:
        return {"estimate": float(np.nanmean(car[m])) if n else np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "p": np.nan, "n": n, "n_ref": np.nan}
    ev = res.events
    g1 = pd.factorize(ev["ticker"].astype(str).to_numpy()[m])[0]
    g2 = pd.factorize(pd.to_datetime(ev["day0"]).dt.to_period("M").astype(str).to_numpy()[m])[0]
    groups = np.column_stack([g1, g2])
    fit = sm.OLS(car[m], np.ones((n, 1))).fit(cov_type="cluster", cov_kwds={"groups": groups})
    est, se = float(fit.params[0]), float(fit.bse[0])
    return {"estimate": est, "ci_low": est - 1.96 * se, "ci_high": est + 1.96 * se, "p": float(fit.pvalues[0]),
            "n": n, "n_ref": np.nan}


def _diff(res: EventStudyResult, window: str, a: np.ndarray, b: np.ndarray, flip_b: bool = False,
          n_boot: int = 1000) -> dict[str, float]:
    """Mean CAR of *a* minus that of *b* (sign-flipped when *flip_b*), via :func:`compare`."""
    if a.sum() < 2 or b.sum() < 2:
        return {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "n": int(a.sum()),
                "n_ref": int(b.sum())}
    c = compare(res, by=np.where(a, "a", np.where(b, "b", "x")), a="a", b="b", window=window, sign={"b": -1.0} if flip_b else None,
                n_boot=n_boot)
    return {"estimate": c.reg_coef, "ci_low": c.reg_coef - 1.96 * c.reg_se, "ci_high": c.reg_coef + 1.96 * c.reg_se,
            "p": c.reg_p, "n": c.n_a, "n_ref": c.n_b, "boot_low": c.ci_low, "boot_high": c.ci_high,
            "welch_p": c.welch_p}


def market_claim(study: Study, *, horizon: int = 3, heavy_q: float = 0.1) -> dict[str, float]:
    """Forward market return after heavy-selling months that followed an advance, minus other months (HAC, lags=h)."""
    import statsmodels.api as sm

    if study.panel.market is None:
        return {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "n": 0, "n_ref": 0}
    npr = net_purchase_ratio(study.transactions, study.panel.market_series())
    d = npr.dropna(subset=[f"fwd_{horizon}m", "past_6m", "npr_count"])
    heavy = (d["npr_count"] <= d["npr_count"].quantile(heavy_q)) & (d["past_6m"] > d["past_6m"].median())
    if heavy.sum() < 1 or (~heavy).sum() < 2:
        return {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "n": int(heavy.sum()),
                "n_ref": int((~heavy).sum())}
    X = sm.add_constant(heavy.astype(float).rename("heavy"))
    fit = sm.OLS(d[f"fwd_{horizon}m"], X).fit(cov_type="HAC", cov_kwds={"maxlags": horizon})
    est, se = float(fit.params["heavy"]), float(fit.bse["heavy"])
    return {"estimate": est, "ci_low": est - 1.96 * se, "ci_high": est + 1.96 * se, "p": float(fit.pvalues["heavy"]),
            "n": int(heavy.sum()), "n_ref": int((~heavy).sum())}


def run_ledger(study: Study, *, model: str = "market_adjusted", window: tuple[int, int] = (0, 60),
               negligible: float = 0.01, min_n: int = 30, min_n_months: int = 3, runup_quintile: int = 5,
               plan_threshold: float = 0.5, progress: bool = False) -> pd.DataFrame:
    """Test every claim in :data:`CLAIMS` on *study* and return the ledger (one row per claim).

    Columns: ``id, claim, source, test, expect, n, n_ref, estimate, ci_low, ci_high, p, verdict`` (+ bootstrap
    CI of differences).  ``attrs['settings']`` records the model, window and rule parameters.
    """
    from tqdm.auto import tqdm

    ev = study.events
    if ev.empty:
        raise DataError("no events to test the claims on")
    w = (min(-5, window[0]), window[1])
    cw = [(-5, -1), window]
    wname = EventStudyResult._wname(window)
    common: dict[str, Any] = {"model": model, "estimation": (-250, -21), "window": w, "car_windows": cw,
                              "min_estimation": 60, "max_loss": 0.9}
    res = event_study(ev, study.panel, **common)
    E = res.events
    car = res.car_values[window]
    buy = (E["direction"] == "buy").to_numpy()
    sell = ~buy
    runup_q = pd.to_numeric(E["runup_q"], errors="coerce").to_numpy() if "runup_q" in E else np.full(len(E), np.nan)
    plan = E["plan_share"].fillna(0).to_numpy() >= plan_threshold
    fb = E["fraction_bucket"].astype(object).to_numpy()
    rc = E["routine_class"].to_numpy()

    def flag(col: str) -> np.ndarray:
        return E[col].fillna(False).to_numpy(bool) if col in E else np.zeros(len(E), bool)

    out: dict[str, dict[str, float]] = {}
    tests: dict[str, Callable[[], dict[str, float]]] = {
        "purchases_positive": lambda: _clustered_mean(res, car, buy),
        "sales_little_information": lambda: _clustered_mean(res, car, sell),
        "buys_stronger_than_sales": lambda: _diff(res, wname, buy, sell, flip_b=True),
        "cluster_selling": lambda: _diff(res, wname, sell & flag("cluster"), sell & ~flag("cluster")),
        "selling_after_runup": lambda: _diff(res, wname, sell & (runup_q == runup_quintile),
                                             sell & np.isfinite(runup_q) & (runup_q != runup_quintile)),
        "exec_unscheduled_sales": lambda: _diff(res, wname, sell & flag("exec_unscheduled"),
                                                sell & ~flag("exec_unscheduled")),
        "lockup_selling": lambda: _diff(res, wname, sell & flag("lockup"), sell & ~flag("lockup")),
        "open_market_vs_other_disposals": lambda: _disposals(study, common, window, wname),
        "plan_sales_less_information": lambda: _diff(res, wname, sell & plan, sell & ~plan),
        "large_fraction": lambda: _diff(res, wname, sell & (fb == ">50%"), sell & (fb == "<=10%")),
        "routine_no_signal": lambda: _clustered_mean(res, car, sell & (rc == "routine")),
        "opportunistic_sales": lambda: _diff(res, wname, sell & (rc == "opportunistic"), sell & (rc == "routine")),
        "market_selling_after_advance": lambda: market_claim(study),
        "pre_filing_information": lambda: _pre_filing(study, common),
    }
    for c in tqdm(CLAIMS, desc="claims", disable=not progress):
        out[c.id] = tests[c.id]()
    rows = []
    for c in CLAIMS:
        r = out[c.id]
        n_min = min(r["n"], r["n_ref"]) if np.isfinite(r.get("n_ref", np.nan)) else r["n"]
        need = min_n_months if c.id == "market_selling_after_advance" else min_n
        neg = negligible if c.id != "pre_filing_information" else negligible / 4
        v = verdict(r["estimate"], r["ci_low"], r["ci_high"], int(n_min), c.expect, negligible=neg, min_n=need)
        rows.append({"id": c.id, "claim": c.text, "source": c.source, "test": c.test, "expect": c.expect,
                     "n": int(r["n"]), "n_ref": r.get("n_ref", np.nan), "estimate": r["estimate"],
                     "ci_low": r["ci_low"], "ci_high": r["ci_high"], "p": r["p"],
                     "boot_low": r.get("boot_low", np.nan), "boot_high": r.get("boot_high", np.nan), "verdict": v})
    led = pd.DataFrame(rows)
    led.attrs["settings"] = {"model": model, "window": window, "negligible": negligible, "min_n": min_n,
                             "synthetic": study.synthetic, "data": str(study.paths.root)}
    return led


def _disposals(study: Study, common: dict[str, Any], window: tuple[int, int], wname: str) -> dict[str, float]:
    ev = study.events_by(codes=("S", "F", "G", "J"), by_class=True)
    ev = ev[ev["direction"] == "sell"]
    if ev.empty:
        return {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "n": 0, "n_ref": 0}
    res = event_study(ev, study.panel, **common)
    cls = res.events["code_class"].to_numpy()
    return _diff(res, wname, cls == "sale", np.isin(cls, ["tax", "gift", "other", "exercise_and_sell"]))


def _pre_filing(study: Study, common: dict[str, Any]) -> dict[str, float]:
    """Sum of a purchase's abnormal returns on the trading days after the trade and before the public day."""
    ev = study.events_by(date="trade")
    ev = ev[ev["direction"] == "buy"]
    res = event_study(ev, study.panel, **common)
    d0 = day_index(study.panel.dates, res.events["day0"])
    dp = day_index(study.panel.dates, res.events["public_date"])
    lag = dp - d0  # trading days from the trade to the public day
    rel = res.rel_days
    between = (rel[None, :] >= 1) & (rel[None, :] < lag[:, None])
    car = np.where(between, np.nan_to_num(res.ar_values), 0.0).sum(axis=1)
    out = _clustered_mean(res, car, np.ones(len(car), bool))
    out["n_with_gap"] = int((lag >= 2).sum())
    return out


def expected_verdicts(spec: dict[str, Any]) -> dict[str, str]:
    """What the teaching market's spec planted, per claim: ``"supported"`` or ``"not supported"``.

    Only claims the spec decides are listed (others depend on mixtures and power).
    """
    e = spec["effects"]
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


def robustness(study: Study, *, models: tuple[str, ...] = ("market_adjusted", "market_model", "ff3"),
               windows: tuple[tuple[int, int], ...] = ((0, 5), (0, 20), (0, 60)),
               dates: tuple[str, ...] = ("filing", "trade")) -> pd.DataFrame:
    """Purchases minus sign-flipped sales across models, CAR windows and event dates (clustered CIs).

    Models needing factors are skipped when the panel has none.
    """
    rows = []
    for date in dates:
        ev = study.events if date == "filing" else study.events_by(date="trade")
        for model in models:
            if model in ("ff3", "carhart") and study.panel.factors is None:
                continue
            res = event_study(ev, study.panel, model=model, window=(-5, max(w[1] for w in windows)),  # type: ignore[arg-type]
                              car_windows=list(windows), min_estimation=60, max_loss=0.9)
            buy = (res.events["direction"] == "buy").to_numpy()
            for w in windows:
                car = res.car_values[w]
                d = _diff(res, EventStudyResult._wname(w), buy, ~buy, flip_b=True, n_boot=200)
                b = _clustered_mean(res, car, buy)
                s_ = _clustered_mean(res, car, ~buy)
                rows.append({"date": date, "model": model, "window": EventStudyResult._wname(w),
                             "buys": b["estimate"], "sales": s_["estimate"], "difference": d["estimate"],
                             "ci_low": d["ci_low"], "ci_high": d["ci_high"], "n_buys": b["n"], "n_sales": s_["n"]})
    return pd.DataFrame(rows)
