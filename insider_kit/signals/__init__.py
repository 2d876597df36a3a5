"""Point-in-time signals behind each claim: one documented function per ingredient.

Every function here only uses information that was public on the event date
``D`` (the first calendar day an outside investor could act on the filing):

* another insider trade counts only if its *public date* (filing date; the next
  day when EDGAR accepted it after 16:00 New York time) is strictly before ``D``,
  or equal to ``D`` for the clustering window, which ends on the event day;
* prices count only up to the trading day before day 0.

So deleting or changing any transaction made public after ``D``, or any price
on or after day 0, never changes an event's signals (tested with hypothesis).

Definitions and defaults (all configurable through :class:`SignalParams`):

======================  ==========================================================================
signal                  definition
======================  ==========================================================================
code class              ``purchase`` (P), ``sale`` (S), ``exercise_and_sell`` (S in a filing where the
                        same owner exercises: M/X/O), ``exercise`` (M/X/O/C), ``tax`` (F), ``grant``
                        (A), ``gift`` (G), ``other``
role / top executive    normalised role; ``top_exec`` = a CEO or CFO among the event's insiders
10b5-1                  ``plan_share``: share of the event's shares flagged as made under a plan
cluster                 ``n_cluster``: distinct insiders of the issuer trading in the event's direction
                        whose trades became public within the last ``cluster_window`` trading days
                        (event day included); ``cluster`` = ``n_cluster >= cluster_k``;
                        ``cluster_first`` = the first event of that cluster (Alldredge & Blank 2019
                        use three insiders; the window is configurable)
run-up                  market-adjusted buy-and-hold return over the ``runup_days`` trading days
                        before day 0; ``runup_q`` its quintile against *all* stocks at the end of the
                        previous month (breakpoints known before the event)
fraction of holding     shares sold / (shares sold + shares owned after), per insider; the event
                        takes the largest; buckets ``<=10%``, ``10-50%``, ``>50%``
routine/opportunistic   Cohen, Malloy & Pomorski (2012): routine if the insider traded in the same
                        calendar month in each of the three prior years; opportunistic if they traded
                        in each of those years but not always in that month; ``unclassified``
                        without three years of history
silence                 ``silent``: the insider's first open-market sale in at least ``silence_days``
                        calendar days (unknown when the data do not reach back that far)
large unscheduled exec  ``exec_unscheduled``: a CEO/CFO sale not under a 10b5-1 plan, after silence,
                        of at least ``large_fraction`` of the holding
lock-up                 a sale within +/- ``lockup_band`` trading days of IPO + ``lockup_days``
                        calendar days (IPO date from the firms table, else the first price if it
                        is later than the start of the price data)
track record            ``track_car``, ``track_n``, ``track_hit``: the signed market-adjusted CARs that
                        followed the event's insiders' earlier trades whose windows had closed before
                        day 0 (:func:`insider_kit.insider_track_record`); ``days_since_previous``
dip buying              a purchase after a drawdown of at least ``dip_drawdown`` from the highest
                        price of the ``dip_days`` trading days before day 0
value                   dollar value and value / market value (shares outstanding x trade price)
======================  ==========================================================================

References: Cohen, Malloy & Pomorski (2012) "Decoding Inside Information", JF 67;
Alldredge & Blank (2019) "Do Insiders Cluster Trades with Colleagues?", Journal of Financial Research 42;
Lakonishok & Lee (2001) "Are Insider Trades Informative?", RFS 14;
Field & Hanka (2001) "The Expiration of IPO Share Lockups", JF 56.
"""

from __future__ import annotations

from ..days import public_date
from .features import (
    add_price_signals,
    cluster_counts,
    fraction_bucket,
    fraction_of_holding,
    lockup_flags,
    routine_class,
    silence,
)
from .market import net_purchase_ratio
from .params import FRACTION_BUCKETS, TOP_EXEC, SignalParams
from .track import insider_track_record, trade_outcomes
from .trades import trade_table, transaction_class

__all__ = [
    "FRACTION_BUCKETS",
    "TOP_EXEC",
    "SignalParams",
    "add_price_signals",
    "cluster_counts",
    "fraction_bucket",
    "fraction_of_holding",
    "insider_track_record",
    "lockup_flags",
    "net_purchase_ratio",
    "public_date",
    "routine_class",
    "silence",
    "trade_outcomes",
    "trade_table",
    "transaction_class",
]
