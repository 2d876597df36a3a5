"""The claims: what the source articles and papers say, each with its own selection of events and its test.

A claim is one row of the ledger.  ``kind`` says how it is tested:

* ``mean``: the mean CAR of the events its ``select`` picks (``expect`` says positive, negative, or
  too small to matter);
* ``difference``: the mean CAR of the events ``select`` picks minus that of its reference events
  (sign-flipped when ``flip_ref``, to put sales on the purchases' scale);
* ``ranking``: a claim that one sale pattern is the *strongest* sell signal, tested against every other
  pattern at once (:func:`insider_kit.claims.estimates.strongest_sell_signal`): supported only when every
  contrast's CI lies on the claimed side; the ledger reports the contrast closest to refuting it;
* ``disposals``, ``pre_filing``, ``market``: tests that need another set of events or a market series
  (:mod:`insider_kit.claims.ledger`).

The selections are functions of :class:`Selections` (named masks over a study's events), so the ledger,
the sale-pattern breakdown of notebook 03 and the claim pages use one definition of each pattern.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["CLAIMS", "SALE_PATTERNS", "Claim", "ClaimKind", "Expect", "Selections", "sale_pattern"]

#: What a claim expects: a positive or negative effect, or one too small to matter.
Expect = Literal["positive", "negative", "none"]
#: How a claim is tested (module docstring).
ClaimKind = Literal["mean", "difference", "ranking", "disposals", "pre_filing", "market"]


class Selections:
    """Named boolean masks over a set of events (rows of ``events``), the ingredients of every claim.

    Parameters
    ----------
    events
        Events with the signals of :func:`insider_kit.build_events`.
    runup_quintile
        The run-up quintile that counts as "after a run-up" (5: the top fifth).
    plan_threshold
        Share of an event's shares under a 10b5-1 plan from which it counts as a plan sale.
    """

    def __init__(self, events: pd.DataFrame, *, runup_quintile: int = 5, plan_threshold: float = 0.5) -> None:
        E = events
        self.n = len(E)
        self.buy = (E["direction"] == "buy").to_numpy()
        self.sell = ~self.buy
        q = pd.to_numeric(E["runup_q"], errors="coerce").to_numpy(float) if "runup_q" in E else np.full(self.n, np.nan)
        self.runup_known = np.isfinite(q)
        self.runup_top = q == runup_quintile
        self.plan = E["plan_share"].fillna(0).to_numpy() >= plan_threshold
        self.plan_known = E["plan_share"].notna().to_numpy() if "plan_share" in E else np.zeros(self.n, bool)
        fb = E["fraction_bucket"].astype(object).to_numpy() if "fraction_bucket" in E else np.full(self.n, None)
        self.frac_large = fb == ">50%"
        self.frac_small = fb == "<=10%"
        rc = E["routine_class"].to_numpy() if "routine_class" in E else np.full(self.n, "unclassified")
        self.routine = rc == "routine"
        self.opportunistic = rc == "opportunistic"
        self.n_insiders = E["n_insiders"].to_numpy() if "n_insiders" in E else np.ones(self.n)
        # the insiders' point-in-time track record (insider_kit.signals.track): the mean signed CAR of their
        # earlier trades whose windows had closed before the event; unknown without such trades
        tc = pd.to_numeric(E["track_car"], errors="coerce").to_numpy(float) if "track_car" in E else np.full(self.n, np.nan)
        self.track_good = tc > 0
        self.track_poor = tc <= 0  # (NaN compares False: events without a closed earlier trade are in neither)
        for col in ("cluster", "exec_unscheduled", "lockup"):
            setattr(self, col, E[col].fillna(False).to_numpy(bool) if col in E else np.zeros(self.n, bool))

    cluster: np.ndarray
    exec_unscheduled: np.ndarray
    lockup: np.ndarray

    def sale_patterns(self) -> dict[str, np.ndarray]:
        """The sale patterns the sources rank as sell signals, each as a mask (cluster, after a run-up, large
        unscheduled CEO/CFO, lock-up): the regressors of the ranking test
        (:func:`insider_kit.claims.estimates.sale_pattern_fit`).

        Returns
        -------
        dict of str to numpy.ndarray
            The masks by name, in the sources' order.
        """
        return {"cluster": self.cluster, "after run-up": self.runup_top, "large unscheduled CEO/CFO": self.exec_unscheduled,
                "lock-up": self.lockup}


Select = Callable[[Selections], tuple[np.ndarray, np.ndarray | None]]


@dataclass(frozen=True)
class Claim:
    """One claim of the ledger.

    Attributes
    ----------
    id, text, source
        Identifier, the claim as the sources put it, and who says it.
    test
        The test in words.
    expect
        What would support the claim: a ``positive`` or ``negative`` effect, or ``none`` (an effect too
        small to matter).
    kind
        How it is tested (module docstring).
    select
        For ``mean`` and ``difference`` claims: the events tested and (differences) their reference.
    flip_ref
        Sign-flip the reference group (sales on the purchases' scale).
    negligible_scale
        The claim's "too small to matter" band as a multiple of the ledger's ``negligible``.
    needs
        Event columns without which the claim is not testable (e.g. ``plan_share`` for 10b5-1 claims).
    labels
        What the claim's events and its reference events are, in words (legends and tables).
    """

    id: str
    text: str
    source: str
    test: str
    expect: Expect
    kind: ClaimKind = "difference"
    select: Select | None = None
    flip_ref: bool = False
    negligible_scale: float = 1.0
    needs: tuple[str, ...] = ()
    labels: tuple[str, str] = ("claim events", "reference events")


def _sales_vs_rest(mask: Callable[[Selections], np.ndarray]) -> Select:
    def select(s: Selections) -> tuple[np.ndarray, np.ndarray]:
        m = mask(s)
        return s.sell & m, s.sell & ~m
    return select


#: Every claim of the ledger, in the order of the report.
CLAIMS: tuple[Claim, ...] = (
    Claim("purchases_positive", "Insider purchases are followed by positive abnormal returns",
          "Lakonishok & Lee (2001); Jeng, Metrick & Zeckhauser (2003); practitioner articles",
          "mean CAR of purchase events", "positive", "mean", lambda s: (s.buy, None), labels=("purchases", "—")),
    Claim("single_insider_purchases", "A purchase by a single insider is already a strong signal",
          "practitioner articles", "mean CAR of purchase events with one insider", "positive", "mean",
          lambda s: (s.buy & (s.n_insiders == 1), None), labels=("single-insider purchases", "—")),
    Claim("sales_little_information", "Insider sales on average carry little information",
          "Lakonishok & Lee (2001); practitioner articles (sales have many reasons)",
          "mean CAR of sale events within +/- negligible", "none", "mean", lambda s: (s.sell, None), labels=("sales", "—")),
    Claim("buys_stronger_than_sales", "Purchases are a stronger signal than sales",
          "Lakonishok & Lee (2001); Jeng et al. (2003)", "CAR(purchases) - (-CAR(sales))", "positive",
          "difference", lambda s: (s.buy, s.sell), flip_ref=True, labels=("purchases", "sales")),
    Claim("cluster_selling", "Cluster selling by several insiders is a sell signal: cluster sales are followed by lower "
          "returns than other sales",
          "practitioner articles; Alldredge & Blank (2019)", "CAR(cluster sales) - CAR(other sales)", "negative",
          "difference", _sales_vs_rest(lambda s: s.cluster), labels=("cluster sales", "other sales")),
    Claim("cluster_strongest_sell_signal", "Cluster selling is the strongest sell signal: cluster sales are followed "
          "by lower returns than every other sale pattern",
          "practitioner articles", "CAR(cluster sales) - CAR(each other pattern: after a run-up, large unscheduled "
          "CEO/CFO, lock-up, other sales), one regression; the contrast closest to refuting the claim", "negative",
          "ranking", _sales_vs_rest(lambda s: s.cluster), labels=("cluster sales", "other sales")),
    Claim("selling_after_runup", "Selling after a price run-up matters",
          "practitioner articles", "CAR(sales in the top run-up quintile) - CAR(other sales)", "negative",
          "difference", lambda s: (s.sell & s.runup_top, s.sell & s.runup_known & ~s.runup_top), needs=("runup_q",), labels=("sales after a run-up", "other sales")),
    Claim("exec_unscheduled_sales", "Large unscheduled sales by a CEO/CFO who rarely sells matter",
          "practitioner articles", "CAR(large unscheduled CEO/CFO sales) - CAR(other sales)", "negative",
          "difference", _sales_vs_rest(lambda s: s.exec_unscheduled), needs=("fraction",), labels=("large unscheduled CEO/CFO sales", "other sales")),
    Claim("lockup_selling", "Selling at lock-up expiry is followed by lower returns",
          "Field & Hanka (2001); practitioner articles", "CAR(lock-up sales) - CAR(other sales)", "negative",
          "difference", _sales_vs_rest(lambda s: s.lockup), needs=("lockup",), labels=("lock-up sales", "other sales")),
    Claim("open_market_vs_other_disposals",
          "Open-market sales say more than option-exercise, tax, gift or other disposals",
          "practitioner articles", "CAR(open-market sales) - CAR(F/G/J disposals and exercise-and-sell)", "negative",
          "disposals"),
    Claim("plan_sales_less_information", "10b5-1 plan sales carry less information than discretionary sales",
          "practitioner articles; Jagolinzer (2009)", "CAR(plan sales) - CAR(discretionary sales)", "positive",
          "difference", lambda s: (s.sell & s.plan, s.sell & ~s.plan), needs=("plan_flag_known",), labels=("10b5-1 plan sales", "discretionary sales")),
    Claim("large_fraction", "Selling a large fraction of a holding matters more than a small one",
          "practitioner articles", "CAR(sales of >50% of the holding) - CAR(sales of <=10%)", "negative",
          "difference", lambda s: (s.sell & s.frac_large, s.sell & s.frac_small), needs=("fraction",), labels=("sales of >50% of the holding", "sales of <=10%")),
    Claim("small_sales_keep_stake", "Small sales by insiders who keep most of their stake are neutral (they still "
          "have confidence)", "practitioner articles", "mean CAR of sales of at most 10% of the holding within "
          "+/- negligible", "none", "mean", lambda s: (s.sell & s.frac_small, None), needs=("fraction",), labels=("sales of <=10% of the holding", "—")),
    Claim("routine_no_signal", "Routine sellers carry no signal",
          "Cohen, Malloy & Pomorski (2012)", "mean CAR of routine sales within +/- negligible", "none", "mean",
          lambda s: (s.sell & s.routine, None), labels=("routine sales", "—")),
    Claim("opportunistic_sales", "Opportunistic (non-routine) sellers carry a signal that routine ones do not",
          "Cohen, Malloy & Pomorski (2012)", "CAR(opportunistic sales) - CAR(routine sales)", "negative",
          "difference", lambda s: (s.sell & s.opportunistic, s.sell & s.routine), labels=("opportunistic sales", "routine sales")),
    Claim("track_record", "Purchases by insiders whose earlier trades were followed by abnormal returns carry more "
          "information", "Ali & Hirshleifer (2017); insider-data services' rankings of insiders",
          "CAR(purchases by insiders whose earlier closed trades had a positive mean signed CAR) - CAR(purchases "
          "by insiders whose earlier trades had not)", "positive", "difference",
          lambda s: (s.buy & s.track_good, s.buy & s.track_poor), needs=("track_car",),
          labels=("purchases, good track record", "purchases, poor track record")),
    Claim("market_selling_after_advance", "Heavy insider selling across the market after a big advance precedes "
          "weaker market returns", "practitioner articles; Seyhun (1988)",
          "3-month forward market return: heavy-selling months after an advance - other months", "negative",
          "market"),
    Claim("pre_filing_information", "Part of the information reaches prices before the filing is public",
          "Cheng, Nagar & Rajan (2007); trade vs filing date",
          "abnormal return of purchases between the trade and the day the filing became public", "positive",
          "pre_filing", negligible_scale=0.25),
)

#: The sale patterns of notebook 03, in order of precedence (an event takes the first that matches).
SALE_PATTERNS: tuple[tuple[str, Callable[[Selections], np.ndarray]], ...] = (
    ("cluster", lambda s: s.cluster),
    ("large unscheduled CEO/CFO", lambda s: s.exec_unscheduled),
    ("lock-up expiry", lambda s: s.lockup),
    ("after run-up (top quintile)", lambda s: s.runup_top),
    ("10b5-1 plan", lambda s: s.plan),
    ("routine", lambda s: s.routine),
)


def sale_pattern(events: pd.DataFrame, *, other: str = "other sales", **kw: float) -> pd.Series:
    """The first matching pattern of :data:`SALE_PATTERNS` for each sale (NA for purchases), with the same
    definitions as the ledger's claims.

    Parameters
    ----------
    events
        Events with signals (:func:`insider_kit.build_events`).
    other
        The label of a sale that matches no pattern.
    **kw
        :class:`Selections` options (``runup_quintile``, ``plan_threshold``).

    Returns
    -------
    pandas.Series
        The pattern of each event (``string`` dtype), named ``pattern``.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> pat = sale_pattern(study.events)
    >>> bool(pat[study.events["direction"] == "buy"].isna().all()), "cluster" in set(pat.dropna())
    (True, True)
    """
    s = Selections(events, **kw)  # type: ignore[arg-type]
    conds = [f(s) for _, f in SALE_PATTERNS]
    lab = np.select(conds, [name for name, _ in SALE_PATTERNS], other).astype(object)
    lab[~s.sell] = None
    return pd.Series(lab, index=events.index, name="pattern", dtype="string")
