# ---
# jupyter:
#   insider_kit:
#     needs: studied_events
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · How much is enough, and whose trades? Dose-response, track records, and a second sample
#
# The claims ledger asks yes-or-no questions ("do sales of more than half a holding matter more than sales of
# a tenth?"). Here each signal gets its whole curve: the mean CAR in each quantile of the signal, with 95%
# confidence intervals clustered by firm and month, the top-minus-bottom difference, and Patton &
# Timmermann's (2010) test of whether the relation is monotonic. Then the insiders' own track records, point
# in time, and a check of every claim on a later period it was not found on.
#
# **Learning goals**: read a dose-response table and its monotonicity test; say why a track record must use
# only trades whose outcome was known before the event; tell a claim that replicates from one that does not.

# %% tags=["parameters"]
from insider_kit.eventstudy import Model

data_dir: str = ""  # data directory (empty: the configured one, INSIDER_KIT_DATA or else the teaching market)
model: Model = "market_adjusted"  # return model for CARs
window_end: int = 60  # CAR window is trading days 0..window_end after the filing is public
quantiles: int = 5  # quantile bins of each signal
buy_signals: str = "value,n_cluster,runup,days_since_previous,track_car"  # signals of purchases (comma-separated)
sell_signals: str = "fraction,value,n_cluster,runup,track_car"  # signals of sales (comma-separated)
track_window: int = 60  # an earlier trade's outcome: its CAR over trading days 0..track_window
n_boot: int = 1000  # bootstrap draws of the monotonicity test
split: str = "auto"  # out-of-sample split date (auto: the teaching market's fade date, else 60% of events)

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import insider_kit as ik
from insider_kit.plots import mark_synthetic
from insider_kit.tables import DisplayFrame, display_frame


def overview(rows: dict[str, dict[str, float]]) -> DisplayFrame:
    """One row per signal, in the kit's table style."""
    return display_frame(pd.DataFrame(rows).T, percent=["Q1 CAR", "top CAR", "top - Q1", "ci_low", "ci_high"],
                         count=["N"], pvalue=["MR p"])


study = ik.load_study(data_dir or None)
display(Markdown("> " + study.banner()))
study

# %% [markdown]
# ## The insiders' track records, point in time
# For every open-market trade, its outcome is the market-adjusted CAR over trading days 0..`track_window`
# after it became public, signed by its direction (a sale followed by a fall counts as informed). An event's
# record pools the earlier trades of its insiders whose outcome window had **closed before the event's day
# 0**: nothing an investor could not have known then. Data without insider identities (neither CIK nor name)
# cannot have a track record; this section then says so and the signal is left out.

# %%
events = study.events
try:
    track = ik.insider_track_record(events, study.transactions, study.panel, window=(0, track_window))
    events = events.drop(columns=track.columns, errors="ignore").join(track)  # (this window's record)
    has = track["track_n"] > 0
    display(Markdown(
        f"{int(has.sum()):,} of {len(track):,} events ({has.mean():.0%}) have at least one earlier trade with a "
        f"closed window; among them the median record holds {int(track.loc[has, 'track_n'].median()):,} "
        f"trades, and the insider's earlier trades were followed by a signed CAR of "
        f"{track.loc[has, 'track_car'].median():.2%} at the median."))
except ik.DataError as exc:
    track = None
    display(Markdown(f"**No track record on these data**: {exc}"))
    buy_signals = ",".join(s for s in buy_signals.split(",") if s not in ("track_car", "days_since_previous"))
    sell_signals = ",".join(s for s in sell_signals.split(",") if s not in ("track_car", "days_since_previous"))

# %% [markdown]
# ## Dose-response of purchases
# One row per quantile of each signal: its range, N, mean CAR with the clustered CI; the last row is the top
# minus the bottom quantile. The monotonicity test (MR) asks whether every step up the quantiles raises the
# mean CAR; its bootstrap redraws whole calendar months of events, so a month's market news moves all
# quantiles together as it did in the data.

# %%
window = (0, window_end)
kw = dict(model=model, window=(-5, window_end), car_windows=[window], min_estimation=60, max_loss=0.9)
buys = ik.event_study(events[events["direction"] == "buy"], study.panel, **kw)
sells = ik.event_study(events[events["direction"] == "sell"], study.panel, **kw)


def curves(res: ik.EventStudyResult, signals: str, direction: str) -> dict[str, ik.DoseResponse]:
    """The dose-response of each signal that the events carry (a signal with too few values is skipped)."""
    out = {}
    for s in [x.strip() for x in signals.split(",") if x.strip()]:
        try:
            out[s] = ik.dose_response(res, s, quantiles=quantiles, window=window, direction=direction,
                                      n_boot=n_boot)
        except ik.DataError as exc:
            display(Markdown(f"*{s}*: not shown ({exc})."))
    return out


buy_curves = curves(buys, buy_signals, "increasing")
rows = {s: {"Q1 CAR": d.table["mean_car"].iloc[0], "top CAR": d.table["mean_car"].iloc[-1],
            "top - Q1": d.difference["estimate"], "ci_low": d.difference["ci_low"],
            "ci_high": d.difference["ci_high"], "MR p": d.mr["p"], "N": int(d.table["n"].sum())}
        for s, d in buy_curves.items()}
buy_overview = overview(rows)
buy_overview

# %%
for d in buy_curves.values():
    display(d)
    ax = d.plot()
    mark_synthetic(ax, study.synthetic)
    plt.show()

# %% [markdown]
# ## Dose-response of sales
# For sales the claim is that *more* is worse: a larger fraction of the holding sold, a larger sale, more
# insiders selling together should come with a *lower* CAR, so the monotonicity test looks for a decreasing
# relation.

# %%
sell_curves = curves(sells, sell_signals, "decreasing")
rows = {s: {"Q1 CAR": d.table["mean_car"].iloc[0], "top CAR": d.table["mean_car"].iloc[-1],
            "top - Q1": d.difference["estimate"], "ci_low": d.difference["ci_low"],
            "ci_high": d.difference["ci_high"], "MR p": d.mr["p"], "N": int(d.table["n"].sum())}
        for s, d in sell_curves.items()}
sell_overview = overview(rows)
sell_overview

# %%
for d in sell_curves.values():
    display(d)
    ax = d.plot()
    mark_synthetic(ax, study.synthetic)
    plt.show()

# %%
lines = []
for label, table in (("purchases", buy_overview), ("sales", sell_overview)):
    for s, r in table.iterrows():
        mono = "a monotonic relation (MR p < 0.05)" if r["MR p"] < 0.05 else "no evidence of a monotonic relation"
        side = "excludes" if (r["ci_low"] > 0 or r["ci_high"] < 0) else "includes"
        lines.append(f"- **{label}, {s}**: top minus bottom quantile {r['top - Q1']:.2%} (95% CI "
                     f"{r['ci_low']:.2%} to {r['ci_high']:.2%}, which {side} zero); {mono}.")
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Does each claim hold on a later period?
# The ledger's claims are tested on the events before a split date (discovery) and again on the events from
# that date on (the later period), each with the ledger's whole verdict rule. Events whose CAR window runs
# past the split are left out of discovery, so the two periods share no returns. On the teaching market one
# planted effect fades at a date written in its spec: the lesson is that a claim found on one sample can
# fail on the next.

# %%
if split == "auto":
    fade = (study.truth or {}).get("spec", {}).get("fade_after")
    dates = pd.to_datetime(study.events["date"])
    split_at: str | float = fade if fade and dates.min() < pd.Timestamp(fade) < dates.max() else 0.6
else:
    split_at = split
try:
    rep = ik.replicate(study, split_at, model=model, window=window)
except ik.DataError as exc:
    rep = None
    display(Markdown(f"**No out-of-sample check on these data**: {exc}"))
if rep is not None:
    info = rep.attrs["split"]
    display(Markdown(f"Split at {info['date']}: {info['discovery_events']:,} events in discovery, "
                     f"{info['later_events']:,} in the later period. Rule: {info['rule']}."))
    display(rep[["id", "discovery_n", "discovery_estimate", "discovery_verdict", "later_n", "later_estimate",
                 "later_verdict", "replicates"]])

# %%
if rep is not None:
    found = rep[rep["discovery_verdict"] == "supported"]
    failed = found[found["replicates"] == False]  # noqa: E712 (a nullable boolean)
    text = (f"Of the {len(found):,} claims supported in discovery, {len(found) - len(failed):,} are supported again "
            f"in the later period" + (f"; these are not: {', '.join(failed['id'])}." if len(failed) else "."))
    fade_class = (study.truth or {}).get("spec", {}).get("fade_class")
    if study.synthetic and fade_class == "cluster_sale" and "cluster_selling" in set(found["id"]):
        r = rep.set_index("id").loc["cluster_selling"]
        text += (f" The planted fading effect is cluster selling: {r['discovery_estimate']:.2%} in discovery, "
                 f"{r['later_estimate']:.2%} later, where nothing was planted.")
    display(Markdown(text))
