"""Signals on hand-built transaction tables whose answers can be checked by hand, and point-in-time properties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import insider_kit as ik
from insider_kit.prices.panel import ReturnsPanel
from insider_kit.screens import cluster_buys, dip_buys, large_purchases, net_insider_sales
from insider_kit.signals import SignalParams, fraction_bucket, fraction_of_holding, net_purchase_ratio


def mk(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A tidy-transactions-shaped table from short dicts (defaults for every other column)."""
    out = []
    for k, r in enumerate(rows):
        code = r.get("code", "S")
        td = pd.Timestamp(r["trade"])
        out.append({
            "accession": r.get("acc", f"acc-{k}"), "filing_date": pd.Timestamp(r.get("filed", td)),
            "accepted_at": pd.Timestamp(r["accepted"], tz="America/New_York") if "accepted" in r else pd.NaT,
            "issuer_cik": r.get("issuer", "0000000001"), "issuer_name": "Hand Made Corp",
            "ticker": r.get("ticker", "HMC"), "owner_cik": r.get("owner", "A"), "role": r.get("role", "Director"),
            "table": r.get("table", "nonderivative"), "trans_date": td, "trans_code": code,
            "acquired_disposed": r.get("ad", "A" if code in "PAM" else "D"), "shares": float(r.get("shares", 100)),
            "price": float(r.get("price", 10.0)), "shares_after": r.get("after", 1000.0),
            "plan_10b5_1": r.get("plan", pd.NA), "line": k,
        })
    df = pd.DataFrame(out)
    df["value"] = df["shares"] * df["price"]
    df["shares_after"] = pd.to_numeric(df["shares_after"], errors="coerce")
    df["plan_10b5_1"] = df["plan_10b5_1"].astype("boolean")
    df["accepted_at"] = pd.to_datetime(df["accepted_at"], utc=True).dt.tz_convert("America/New_York")
    return df


def one(ev: pd.DataFrame, date: str, ticker: str = "HMC") -> pd.Series:
    row = ev[(ev["ticker"] == ticker) & (ev["date"] == pd.Timestamp(date))]
    assert len(row) == 1, f"expected one event on {date}, got {len(row)}"
    return row.iloc[0]


# ---------------------------------------------------------------------------- routine / opportunistic

def test_routine_needs_the_same_month_in_each_of_three_prior_years() -> None:
    """Guards against classifying from the current or future years, or from two years of history."""
    tx = mk([
        # R trades every March 2019-2021: routine in March 2022
        {"owner": "R", "trade": "2019-03-05"}, {"owner": "R", "trade": "2020-03-05"}, {"owner": "R", "trade": "2021-03-05"},
        {"owner": "R", "trade": "2022-03-07"},
        # O trades in 2019, 2020, 2021 but in different months: exactly three years of history -> opportunistic
        {"owner": "O", "trade": "2019-05-06", "issuer": "2", "ticker": "OOO"},
        {"owner": "O", "trade": "2020-03-05", "issuer": "2", "ticker": "OOO"},
        {"owner": "O", "trade": "2021-03-05", "issuer": "2", "ticker": "OOO"},
        {"owner": "O", "trade": "2022-03-08", "issuer": "2", "ticker": "OOO"},
        # U has only 2020 and 2021: unclassified
        {"owner": "U", "trade": "2020-03-05", "issuer": "3", "ticker": "UUU"},
        {"owner": "U", "trade": "2021-03-05", "issuer": "3", "ticker": "UUU"},
        {"owner": "U", "trade": "2022-03-09", "issuer": "3", "ticker": "UUU"},
        # L's 2019 trade was reported only in 2023: not public in 2022 -> unclassified
        {"owner": "L", "trade": "2019-03-05", "filed": "2023-01-10", "issuer": "4", "ticker": "LLL"},
        {"owner": "L", "trade": "2020-03-05", "issuer": "4", "ticker": "LLL"},
        {"owner": "L", "trade": "2021-03-05", "issuer": "4", "ticker": "LLL"},
        {"owner": "L", "trade": "2022-03-10", "issuer": "4", "ticker": "LLL"},
    ])
    ev = ik.build_events(tx)
    assert one(ev, "2022-03-07")["routine_class"] == "routine"
    assert one(ev, "2022-03-08", "OOO")["routine_class"] == "opportunistic"
    assert one(ev, "2022-03-09", "UUU")["routine_class"] == "unclassified"
    assert one(ev, "2022-03-10", "LLL")["routine_class"] == "unclassified"
    assert one(ev, "2021-03-05")["routine_class"] == "unclassified"  # only two prior years


# ---------------------------------------------------------------------------- clusters

def test_cluster_straddling_a_weekend_counts_trading_days() -> None:
    """Thu, Fri, Mon are three trading days (five calendar days); guards against calendar-day windows."""
    p = SignalParams(cluster_k=3, cluster_window=3)
    tx = mk([
        {"owner": "A", "trade": "2024-03-07"}, {"owner": "B", "trade": "2024-03-08"},
        {"owner": "C", "trade": "2024-03-11"}, {"owner": "D", "trade": "2024-03-12"},
        {"owner": "A", "trade": "2024-03-12", "code": "P", "shares": 50},  # a purchase does not join a sell cluster
        {"owner": "E", "trade": "2024-03-20"},
    ])
    ev = ik.build_events(tx, params=p)
    thu, fri, mon, tue = (one(ev, d) for d in ("2024-03-07", "2024-03-08", "2024-03-11", "2024-03-12"))
    assert [thu["n_cluster"], fri["n_cluster"], mon["n_cluster"]] == [1, 2, 3]
    assert mon["cluster"] and mon["cluster_first"]
    assert tue["n_cluster"] == 3 and tue["cluster"] and not tue["cluster_first"]  # B, C, D (A's Thu is out)
    assert tue["direction"] == "sell" and tue["n_insiders"] == 1 and tue["shares"] == 100  # sellers only
    assert one(ev, "2024-03-20")["n_cluster"] == 1
    # a window of 2 trading days no longer reaches Thursday from Monday
    ev2 = ik.build_events(tx, params=SignalParams(cluster_k=3, cluster_window=2))
    assert one(ev2, "2024-03-11")["n_cluster"] == 2


def test_one_insider_trading_repeatedly_is_not_a_cluster() -> None:
    tx = mk([{"owner": "A", "trade": f"2024-03-{d:02d}"} for d in (4, 5, 6, 7, 8)])
    ev = ik.build_events(tx)
    assert ev["n_cluster"].max() == 1 and not ev["cluster"].any()


# ---------------------------------------------------------------------------- fractions, silence, exec sales

def test_fraction_of_holding_and_buckets() -> None:
    """A sale of 100% of a holding is 1.0 (>50%); missing shares_after is unknown, not 0% or 100%."""
    f = fraction_of_holding(pd.Series([100.0, 100.0, 10.0, 50.0]), pd.Series([0.0, np.nan, 90.0, 50.0]))
    assert f.iloc[0] == 1.0 and np.isnan(f.iloc[1])
    assert f.iloc[2] == pytest.approx(0.10) and f.iloc[3] == pytest.approx(0.5)
    b = fraction_bucket(f)
    assert list(b.astype(object).fillna("NA")) == [">50%", "NA", "<=10%", "10-50%"]
    tx = mk([{"owner": "A", "trade": "2024-01-10", "shares": 300, "after": 0},
             {"owner": "B", "trade": "2024-01-11", "shares": 300, "after": None}])
    ev = ik.build_events(tx)
    assert one(ev, "2024-01-10")["fraction"] == 1.0 and one(ev, "2024-01-10")["fraction_bucket"] == ">50%"
    assert pd.isna(one(ev, "2024-01-11")["fraction"])


def test_fraction_of_an_insider_selling_in_two_lines_uses_the_last_holding() -> None:
    tx = mk([{"owner": "A", "trade": "2024-01-10", "shares": 100, "after": 300},
             {"owner": "A", "trade": "2024-01-10", "shares": 100, "after": 200}])
    assert one(ik.build_events(tx), "2024-01-10")["fraction"] == pytest.approx(200 / 400)


def test_silence_and_large_unscheduled_exec_sale() -> None:
    """Guards against using a sale not yet public, and against calling a left-censored insider silent."""
    tx = mk([
        {"owner": "X", "trade": "2020-01-06", "code": "P"},  # data start
        {"owner": "C", "role": "CEO", "trade": "2020-06-01", "shares": 10, "after": 990},  # censored: NA
        {"owner": "C", "role": "CEO", "trade": "2020-09-01", "shares": 10, "after": 980},  # sold 3 months ago
        {"owner": "C", "role": "CEO", "trade": "2022-02-01", "shares": 600, "after": 380},  # silent, 61%: exec_unsched
        {"owner": "F", "role": "CFO", "trade": "2021-03-01", "shares": 10, "after": 100,
         "filed": "2022-06-10"},  # a late filing: not public on 2022-03-01
        {"owner": "F", "role": "CFO", "trade": "2022-03-01", "shares": 500, "after": 100, "plan": True},  # plan sale
        {"owner": "G", "role": "CFO", "trade": "2022-04-01", "shares": 100, "after": 900},  # 10%: not large
    ])
    ev = ik.build_events(tx)
    assert pd.isna(one(ev, "2020-06-01")["silent"])
    assert not one(ev, "2020-09-01")["silent"]
    e = one(ev, "2022-02-01")
    assert e["silent"] and e["exec_unscheduled"] and e["top_exec"]
    f = one(ev, "2022-03-01")
    assert f["silent"] and f["plan_share"] == 1.0 and not f["exec_unscheduled"]
    assert one(ev, "2022-04-01")["silent"] and not one(ev, "2022-04-01")["exec_unscheduled"]


def test_exercise_and_sell_and_after_hours_filing() -> None:
    """An S filed with an M by the same owner is exercise-and-sell; accepted after 16:00 -> next day."""
    tx = mk([
        {"owner": "A", "trade": "2024-05-01", "code": "M", "acc": "a1"},
        {"owner": "A", "trade": "2024-05-01", "code": "S", "acc": "a1", "filed": "2024-05-02",
         "accepted": "2024-05-02 17:30"},
        {"owner": "B", "trade": "2024-05-01", "code": "S", "acc": "b1", "filed": "2024-05-02",
         "accepted": "2024-05-02 09:30"},
    ])
    tx.loc[0, "filing_date"] = pd.Timestamp("2024-05-02")
    ev = ik.build_events(tx, codes=("S",), by_class=True)
    assert set(zip(ev["date"].dt.strftime("%m-%d"), ev["code_class"], strict=True)) == {
        ("05-03", "exercise_and_sell"), ("05-02", "sale")}


# ---------------------------------------------------------------------------- price-based signals

def _panel(n_days: int = 400) -> tuple[ReturnsPanel, pd.DataFrame]:
    dates = pd.bdate_range("2020-01-01", periods=n_days)
    r = np.zeros((n_days, 3))
    r[:, 0] = 0.001  # AAA: +0.1%/day
    r[200:221, 1] = -0.01  # BBB: falls ~19% over days 200-220
    r[:250, 2] = np.nan  # NEW: first price on day 249 (an IPO after the data start)
    m = np.full(n_days, 0.0005)
    panel = ReturnsPanel(r, dates, pd.Index(["AAA", "BBB", "NEW"]), m, "MKT")
    return panel, pd.DataFrame({"d": dates})


def test_runup_dip_and_lockup_by_hand() -> None:
    panel, d = _panel()
    dates = d["d"]
    ev = pd.DataFrame({"ticker": ["AAA", "BBB", "BBB", "NEW", "NEW"],
                       "date": [dates[300], dates[221], dates[150], dates[249 + 124 + 3], dates[249 + 124 + 15]],
                       "direction": ["sell", "buy", "buy", "sell", "sell"], "value": 1.0})
    from insider_kit.signals import add_price_signals

    out = add_price_signals(ev, panel)
    # run-up of AAA over the 126 days before day 300: 1.001^126 - 1.0005^126
    assert out.loc[0, "runup"] == pytest.approx(1.001**126 - 1.0005**126, rel=1e-9)
    # closes of days 200..220 (the 21 days before day 0 = 221): the highest is day 200, after the first fall
    assert out.loc[1, "drawdown"] == pytest.approx(0.99**20 - 1, rel=1e-9) and out.loc[1, "dip"]
    assert out.loc[2, "drawdown"] == 0.0 and not out.loc[2, "dip"]
    assert out.loc[3, "ipo_date"] == dates[249]
    expiry_idx = int(np.searchsorted(dates, dates[249] + pd.Timedelta(days=180)))
    assert out.loc[3, "lockup"] == (abs(249 + 124 + 3 - expiry_idx) <= 10)
    assert not out.loc[4, "lockup"] or abs(249 + 124 + 15 - expiry_idx) <= 10
    assert pd.isna(out.loc[0, "ipo_date"])  # AAA's first price is the data start: not an IPO


def test_price_signals_ignore_prices_from_day0_on() -> None:
    panel, d = _panel()
    ev = pd.DataFrame({"ticker": ["AAA", "BBB"], "date": [d["d"][300], d["d"][221]], "direction": ["sell", "buy"],
                       "value": 1.0})
    from insider_kit.signals import add_price_signals

    a = add_price_signals(ev, panel)
    vals = panel.values.copy()
    vals[221:] = np.random.default_rng(0).normal(0, 0.05, vals[221:].shape)
    b = add_price_signals(ev, ReturnsPanel(vals, panel.dates, panel.tickers, panel.market, "MKT"))
    pd.testing.assert_frame_equal(a.iloc[[1]], b.iloc[[1]])


# ---------------------------------------------------------------------------- point-in-time property

_DAYS = pd.bdate_range("2019-01-01", "2023-12-29")


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(5, 50))
    rows = []
    for _ in range(n):
        t = draw(st.integers(0, len(_DAYS) - 10))
        lag = draw(st.sampled_from([0, 0, 1, 2, 40, 400]))  # some filings are very late
        rows.append({"owner": draw(st.sampled_from("ABBCD")), "issuer": draw(st.sampled_from(["1", "1", "2"])),
                     "code": draw(st.sampled_from(["P", "S", "S", "M", "F"])), "trade": _DAYS[t],
                     "filed": _DAYS[min(t + lag, len(_DAYS) - 1)], "shares": draw(st.integers(1, 500)),
                     "after": draw(st.sampled_from([0.0, 100.0, 5000.0, None])),
                     "role": draw(st.sampled_from(["CEO", "CFO", "Director"])),
                     "plan": draw(st.sampled_from([True, False, pd.NA]))})
    for r in rows:
        r["ticker"] = "T" + r["issuer"]
    return mk(rows)


SIGNALS = ["direction", "code_class", "n_insiders", "shares", "value", "plan_share", "top_exec", "fraction",
           "routine_class", "silent", "exec_unscheduled", "n_cluster", "cluster", "cluster_first"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tx=tables(), cut=st.integers(100, len(_DAYS) - 100), change=st.booleans())
def test_rows_made_public_after_the_event_never_change_its_signals(tx: pd.DataFrame, cut: int, change: bool) -> None:
    """Deleting, or changing, every row made public after the event date leaves the event's signals unchanged."""
    D = _DAYS[cut]
    before = ik.build_events(tx)
    later = tx["filing_date"] > D
    if change:
        tx2 = tx.copy()
        tx2.loc[later, "shares"] = tx2.loc[later, "shares"] * 7 + 1
        tx2.loc[later, "trans_code"] = "S"
        tx2.loc[later, "acquired_disposed"] = "D"
        # old trades of the same insiders, reported late: one, two and three years back (routine-looking)
        back = pd.to_timedelta(365 * (1 + np.arange(int(later.sum())) % 3), unit="D")
        tx2.loc[later, "trans_date"] = (D - back).to_numpy()
    else:
        tx2 = tx[~later]
    after = ik.build_events(tx2)
    key = ["ticker", "date"]
    a = before[before["date"] <= D].set_index(key)[SIGNALS].sort_index()
    b = after[after["date"] <= D].set_index(key)[SIGNALS].sort_index()
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


# ---------------------------------------------------------------------------- market-wide and screens

def test_net_purchase_ratio_by_hand() -> None:
    tx = mk([
        {"owner": "A", "trade": "2024-01-10", "code": "P", "shares": 100, "price": 10},
        {"owner": "B", "trade": "2024-01-11", "code": "S", "shares": 100, "price": 30},
        {"owner": "C", "trade": "2024-01-12", "code": "S", "shares": 100, "price": 10},
        {"owner": "A", "trade": "2024-01-31", "filed": "2024-02-01", "code": "P", "shares": 10, "price": 10},
        # not open-market trades: an exercise, an award, a tax withholding, a derivative-table sale
        {"owner": "B", "trade": "2024-01-11", "code": "M", "shares": 100, "price": 1},
        {"owner": "D", "trade": "2024-01-15", "code": "A", "shares": 500, "price": 0},
        {"owner": "D", "trade": "2024-01-16", "code": "F", "shares": 50, "price": 12},
        {"owner": "E", "trade": "2024-01-17", "code": "S", "shares": 70, "price": 12, "table": "derivative"},
    ])
    dates = pd.bdate_range("2023-12-01", "2024-06-28")
    mret = pd.Series(0.001, index=dates)
    out = net_purchase_ratio(tx, mret)
    jan = out.loc[pd.Period("2024-01", "M")]
    assert jan["n_purchases"] == 1 and jan["n_sales"] == 2
    assert jan["npr_count"] == pytest.approx(1 / 3) and jan["npr_value"] == pytest.approx(1000 / 5000)
    assert out.loc[pd.Period("2024-02", "M"), "npr_count"] == 1.0  # filed in February
    n_feb = ((dates.month == 2) & (dates.year == 2024)).sum()
    assert jan["fwd_1m"] == pytest.approx(1.001**n_feb - 1, rel=1e-9)
    assert np.isnan(out.loc[pd.Period("2024-02", "M"), "fwd_6m"])  # data end before


def test_screens_rank_and_filter() -> None:
    tx = mk([
        {"owner": o, "trade": "2024-03-04", "code": "P", "shares": s, "ticker": "CLU", "issuer": "9"}
        for o, s in (("A", 10), ("B", 20), ("C", 30))
    ] + [{"owner": "D", "trade": "2024-03-05", "code": "P", "shares": 50_000, "price": 10},
         {"owner": "E", "trade": "2023-03-05", "code": "P", "shares": 90_000, "price": 10},
         {"owner": "F", "trade": "2024-03-06", "code": "S", "shares": 1000, "price": 10, "ticker": "SEL", "issuer": "8"}])
    ev = ik.build_events(tx)
    cb = cluster_buys(ev, since="2024-01-01")
    assert list(cb["ticker"]) == ["CLU"] and cb.loc[0, "n_cluster"] == 3
    lp = large_purchases(ev, since="2024-01-01", min_value=100_000)
    assert list(lp["ticker"]) == ["HMC"] and lp.loc[0, "value"] == 500_000
    with pytest.raises(ik.DataError, match="dip"):
        dip_buys(ev)
    prices = pd.DataFrame({"SEL": [10.0, 12.0], "HMC": [5.0, 4.0]}, index=pd.to_datetime(["2024-02-29", "2024-03-29"]))
    ns = net_insider_sales(tx, prices, "2024-03-01")
    assert ns.loc[0, "ticker"] == "SEL" and ns.loc[0, "net_sales_usd"] == 10_000
    assert ns.loc[0, "return_since"] == pytest.approx(0.2)
    assert ns.set_index("ticker").loc["HMC", "net_sales_usd"] == -500_000


def test_vectorised_event_aggregates_equal_the_per_group_definitions() -> None:
    """The grouped/sorted aggregations of build_events (mode of the code class, the roles, each insider's
    last reported holding, 'silent') equal their plain per-group definitions on a generated market."""
    import tempfile
    from pathlib import Path

    from insider_kit.events import _mode_per_event, _roles_per_event
    from insider_kit.sample import SampleSpec, generate_sample
    from insider_kit.signals import trade_table

    with tempfile.TemporaryDirectory() as d:
        root = Path(d) / "sample"
        generate_sample(root, seed=5, spec=SampleSpec(n_firms=30, start="2019-01-02", end="2021-12-31"), progress=False)
        tx = ik.load_study(root, cache=False).transactions
    t = trade_table(tx, codes=("P", "S", "F", "G")).dropna(subset=["ticker"])
    key = ["ticker", "issuer_cik", "date"]
    t = t.assign(ticker=t["ticker"].astype(str), issuer_cik=t["issuer_cik"].astype(str)).reset_index(drop=True)
    g = t.groupby(key, observed=True, sort=True)
    pd.testing.assert_series_equal(_mode_per_event(t, key, "code_class").reset_index(drop=True),
                                   g["code_class"].agg(lambda s: s.mode().iloc[0]).reset_index(drop=True),
                                   check_names=False)
    # the roles over each event's run of rows (rows sorted by event, as build_events sorts them)
    ts = t.assign(_eid=g.ngroup().to_numpy()).sort_values("_eid", kind="stable")
    assert np.array_equal(_roles_per_event(ts),
                          g["role"].agg(lambda s: ",".join(sorted(set(map(str, s))))).to_numpy())


def _routine_by_joins(trades: pd.DataFrame, history: pd.DataFrame, years: int = 3) -> pd.Series:
    """The Cohen-Malloy-Pomorski rule as pandas joins on the (owner, issuer, year[, month]) keys: the plain
    definition the integer-key implementation is checked against."""
    h = history[["owner_cik", "issuer_cik", "trans_date", "public_date"]].copy()
    h["y"], h["m"] = h["trans_date"].dt.year, h["trans_date"].dt.month
    first_y = h.groupby(["owner_cik", "issuer_cik", "y"], observed=True)["public_date"].min().rename("pub_y")
    first_ym = h.groupby(["owner_cik", "issuer_cik", "y", "m"], observed=True)["public_date"].min().rename("pub_ym")
    t = trades[["owner_cik", "issuer_cik", "trans_date", "date"]].copy()
    t["y0"], t["m"] = t["trans_date"].dt.year, t["trans_date"].dt.month
    has_hist, same_month = np.ones(len(t), bool), np.ones(len(t), bool)
    for k in range(1, years + 1):
        t["y"] = t["y0"] - k
        has_hist &= (t.join(first_y, on=["owner_cik", "issuer_cik", "y"])["pub_y"] < t["date"]).fillna(False).to_numpy(bool)
        same_month &= (t.join(first_ym, on=["owner_cik", "issuer_cik", "y", "m"])["pub_ym"] < t["date"]).fillna(
            False).to_numpy(bool)
    return pd.Series(np.where(~has_hist, "unclassified", np.where(same_month, "routine", "opportunistic")),
                     index=trades.index)


def _silence_by_scan(trades: pd.DataFrame, history: pd.DataFrame, days: int, start: pd.Timestamp) -> list[object]:
    """'No sale in the *days* before the trade, among sales public before the event date' row by row."""
    sales = history[history["side"] < 0]
    out: list[object] = []
    for _, r in trades.iterrows():
        prior = sales[(sales["owner_cik"] == r["owner_cik"]) & (sales["issuer_cik"] == r["issuer_cik"])
                      & (sales["public_date"] < r["date"])]
        if len(prior):
            out.append(bool((r["trans_date"] - prior["trans_date"].max()).days >= days))
        else:
            out.append(pd.NA if (r["trans_date"] - start).days < days else True)
    return out


def test_routine_and_silence_equal_their_plain_definitions() -> None:
    """On a generated market's trades (and random histories), the integer-key routine classification and the
    asof-merge silence flag equal the plain join and row-by-row definitions."""
    import tempfile
    from pathlib import Path

    from insider_kit.sample import SampleSpec, generate_sample
    from insider_kit.signals import routine_class, silence, trade_table

    with tempfile.TemporaryDirectory() as d:
        root = Path(d) / "sample"
        generate_sample(root, seed=9, spec=SampleSpec(n_firms=40, start="2016-01-04", end="2021-12-31"), progress=False)
        tx = ik.load_study(root, cache=False).transactions
    t = trade_table(tx)
    got = routine_class(t, t)
    pd.testing.assert_series_equal(got, _routine_by_joins(t, t), check_names=False)
    assert set(got) == {"routine", "opportunistic", "unclassified"}
    start = t["trans_date"].min()
    sample = t.sample(400, random_state=1)
    assert silence(sample, t, days=365, data_start=start).astype(object).tolist() == \
        _silence_by_scan(sample, t, 365, start)
    rng = np.random.default_rng(3)  # random histories: few owners and issuers, many collisions of keys
    n = 600
    dates = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 2500, n), unit="D")
    h = pd.DataFrame({"owner_cik": rng.choice(list("ABCD"), n), "issuer_cik": rng.choice(["1", "2"], n),
                      "trans_date": dates, "public_date": dates + pd.to_timedelta(rng.integers(0, 40, n), unit="D"),
                      "side": rng.choice([-1, 1], n)})
    q = h.sample(200, random_state=2).assign(date=lambda x: x["public_date"])
    pd.testing.assert_series_equal(routine_class(q, h), _routine_by_joins(q, h), check_names=False)
    assert silence(q, h, days=200, data_start=dates.min()).astype(object).tolist() == \
        _silence_by_scan(q, h, 200, dates.min())


def test_transaction_class_equals_its_row_by_row_definition() -> None:
    """Each row's class from its code (upper-cased first letter), and a sale filed with an exercise by the same
    owner is exercise_and_sell: the per-distinct-code implementation equals a row-by-row scan, hostile codes
    (lower case, missing, several letters) included."""
    from insider_kit.filings.codes import CODE_CLASSES
    from insider_kit.signals import transaction_class

    rng = np.random.default_rng(4)
    n = 3000
    tx = pd.DataFrame({"accession": rng.choice([f"a{i}" for i in range(400)], n),
                       "owner_cik": rng.choice(["o1", "o2", "o3", None], n),
                       "trans_code": pd.array(rng.choice(["S", "s", "P", "M", "x", "O", "A", "F", "SX", None, ""], n),
                                              dtype="string")})
    got = transaction_class(tx).tolist()
    exercised = {(r.accession, r.owner_cik) for r in tx.itertuples()
                 if isinstance(r.trans_code, str) and r.trans_code[:1].upper() in ("M", "X", "O")}
    want = []
    for r in tx.itertuples():
        letter = r.trans_code[:1].upper() if isinstance(r.trans_code, str) else None
        cls = CODE_CLASSES.get(letter, "other") if letter else "other"
        if letter == "S" and (r.accession, r.owner_cik) in exercised:
            cls = "exercise_and_sell"
        want.append(cls)
    assert got == want
    assert "exercise_and_sell" in got


def test_a_trade_without_a_filing_date_is_in_no_filing_dated_event() -> None:
    """A trade with no filing date has no day 0 in filing-dated events: it is in no event (its group id was NaN cast
    to an integer, a RuntimeWarning and a garbage id), and the other trades' events are as without it."""
    import warnings

    rows = [{"trade": "2021-03-01", "filed": "2021-03-02", "code": "P", "owner": "A"},
            {"trade": "2021-03-01", "filed": "2021-03-02", "code": "P", "owner": "B"},
            {"trade": "2021-05-03", "code": "S", "owner": "C"}]
    tx = mk(rows)
    tx.loc[2, "filing_date"] = pd.NaT
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ev = ik.build_events(tx, signals=False)
        alone = ik.build_events(tx.iloc[:2], signals=False)
        traded = ik.build_events(tx, date="trade", signals=False)
    pd.testing.assert_frame_equal(ev.reset_index(drop=True), alone.reset_index(drop=True))
    assert one(ev, "2021-03-02")["n_insiders"] == 2 and len(ev) == 1
    assert len(traded) == 2 and one(traded, "2021-05-03")["direction"] == "sell"  # (dated by trade, it counts)
