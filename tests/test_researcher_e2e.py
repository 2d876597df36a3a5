"""A researcher's files, end to end (issue #35): a folder of per-ticker OpenInsider exports (placeholders among
them, one filing line in two files), a yfinance folder whose prices all end in mid-2021 (placeholders, an
unadjusted split, a 250x bad print), and an S&P 500 *returns* file under a ``Close`` header that runs 18 months
past the prices — imported with the README's commands into an empty directory, reported from another folder,
and every number of the purchases claim checked against a study built here by hand from the same files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import insider_kit as ik
from insider_kit.cli import main

NB = "\u00a0"
OI_HEADER = (f"X,Filing{NB}Date,Trade{NB}Date,Ticker,Company{NB}Name,Insider{NB}Name,Title,Trade{NB}Type,Price,Qty,"
             "Owned,ΔOwn,Value,1d,1w,1m,6m")
CUT = pd.Timestamp("2021-06-30")  # the day the yfinance folder was downloaded


def _write_files(src: Path, dest: Path) -> dict[str, object]:
    """The teaching market written as a researcher holds it; returns what the hand-built study needs."""
    study = ik.load_study(src, cache=False)
    px = study.prices.drop(columns=study.market)
    mkt = study.prices[study.market].pct_change()
    days = px.index
    # (firms listed on the download day: the folder holds only survivors)
    tickers = [t for t in px.columns if px[t].loc[:CUT].notna().sum() > 300 and pd.notna(px[t].get(CUT))][:60]
    split_t, print_t = tickers[3], tickers[7]
    s_day = days[(days > "2020-03-01") & (days < CUT)][10]
    p_day = days[(days > "2020-09-01") & (days < CUT)][5]
    clean: dict[str, pd.Series] = {}
    errors: dict[str, list[pd.Timestamp]] = {split_t: [s_day], print_t: [p_day, days[days.get_loc(p_day) + 1]]}
    yf = dest / "yf_csvs"
    yf.mkdir()
    for t in tickers:
        s = px[t].loc[:CUT].dropna()
        clean[t] = s
        w = s.copy()
        if t == split_t:
            w[w.index < s_day] *= 2.0  # a 2:1 split the source never adjusted for (Close and Adj Close alike)
        if t == print_t:
            w[p_day] *= 250.0  # one bad print, gone the next day
        pd.DataFrame({"Date": w.index.strftime("%Y-%m-%d"), "Open": w.values, "High": w.values, "Low": w.values,
                      "Close": w.values, "Adj Close": w.values, "Volume": 1000}).to_csv(yf / f"{t}.csv", index=False)
    for t in ("ZZPH", "ZZPI"):  # failed downloads
        (yf / f"{t}.csv").write_text("Date,Open,High,Low,Close,Adj Close,Volume\n")
    m = mkt.dropna()
    pd.DataFrame({"Date": m.index.strftime("%Y-%m-%d"), "Close": m.values}).to_csv(dest / "SP500.csv", index=False)
    # OpenInsider: one export per ticker (the screener run ticker by ticker), P and S rows as the site shows them
    tx = study.transactions
    tx = tx[tx["trans_code"].isin(["P", "S"]) & (tx["table"].astype(str) == "nonderivative")
            & tx["ticker"].isin(tickers)]
    acc = tx["accepted_at"].dt.tz_localize(None).fillna(tx["filing_date"] + pd.Timedelta(hours=12))
    oi = dest / "openinsider"
    oi.mkdir()
    lines: dict[str, list[str]] = {}
    for r, a in zip(tx.itertuples(), acc, strict=True):
        sign = 1 if r.trans_code == "P" else -1
        lines.setdefault(r.ticker, []).append(
            f',{a:%Y-%m-%d %H:%M:%S},{r.trans_date:%Y-%m-%d},{r.ticker},"{r.issuer_name}","{r.owner_name}",CEO,'
            f'{r.trans_code} - {"Purchase" if sign > 0 else "Sale"},"${r.price:,.2f}","{sign * r.shares:+,.0f}",'
            f'"{r.shares_after:,.0f}",,"{sign * r.value:+,.0f}",,,,')
    for t, rows in lines.items():
        (oi / f"{t}.csv").write_text(OI_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    dup_t = sorted(lines)[0]
    (oi / "insider-buys-screen.csv").write_text(OI_HEADER + "\n" + lines[dup_t][0] + "\n", encoding="utf-8")
    (oi / "ZZPH.csv").write_text("No results found\n")
    (oi / "ZZPI.csv").write_text("")
    return {"clean": clean, "errors": errors, "market": m, "tx": tx, "acc": acc, "tickers": tickers,
            "split": (split_t, s_day), "print": (print_t, p_day)}


def _reference_purchases(info: dict[str, object], calendar: pd.DatetimeIndex) -> pd.Series:
    """The purchases' CAR(0,60) built here, from the files' clean values: market-adjusted abnormal returns on the
    union calendar; the planted error days left out; an event counts when its stock's own returns cover the
    window (between its first and last return, 80% of the 61 days) and 60 of the 230 estimation days have one."""
    clean: dict[str, pd.Series] = info["clean"]  # type: ignore[assignment]
    errors: dict[str, list[pd.Timestamp]] = info["errors"]  # type: ignore[assignment]
    m = info["market"].reindex(calendar).to_numpy()  # type: ignore[attr-defined]
    tx: pd.DataFrame = info["tx"]  # type: ignore[assignment]
    acc: pd.Series = info["acc"]  # type: ignore[assignment]
    buys = tx.assign(public=acc.dt.normalize() + pd.to_timedelta((acc.dt.hour >= 16).astype(int), unit="D"))
    buys = buys[buys["trans_code"] == "P"][["ticker", "public"]].drop_duplicates()
    out = {}
    T = len(calendar)
    for t, pub in buys.itertuples(index=False):
        p = clean[t].reindex(calendar).to_numpy()
        r = p[1:] / p[:-1] - 1.0
        r = np.r_[np.nan, r]
        for day in errors.get(t, []):
            r[calendar.get_loc(day)] = np.nan
        ar = r - m
        have = np.flatnonzero(np.isfinite(r))
        d0 = int(calendar.searchsorted(pub))
        if d0 - 250 < 0 or d0 + 60 >= T or d0 > have[-1]:
            continue
        if np.isfinite(ar[d0 - 250: d0 - 20]).sum() < 60:
            continue
        w = ar[d0: d0 + 61]
        if d0 < have[0] or d0 + 60 > have[-1] or np.isfinite(w).sum() < 48:
            continue
        out[(t, calendar[d0])] = float(np.nansum(w))
    return pd.Series(out, dtype=float)


@pytest.mark.slow
def test_a_researchers_files_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from insider_kit.sample import SampleSpec, generate_sample

    src = tmp_path / "source"
    generate_sample(src, seed=21, spec=SampleSpec(n_firms=90, start="2017-01-03", end="2022-12-30"), progress=False)
    info = _write_files(src, tmp_path)
    data = tmp_path / "mydata"
    # the README's commands, nothing else
    assert main(["-q", "import", "transactions", str(tmp_path / "openinsider"), "--format", "openinsider",
                 "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "no-results placeholder" in out and "empty file" in out and "duplicate" in out
    assert main(["-q", "import", "prices", str(tmp_path / "yf_csvs"), "--market", str(tmp_path / "SP500.csv"),
                 "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "market series: SP500 (returns" in out and "placeholder" in out
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = subprocess.run([sys.executable, "-m", "insider_kit.cli", "-q", "report", "--data", str(data), "--out",
                        str(tmp_path / "report")], cwd=elsewhere, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "05_event_study_101: a teaching notebook" in r.stdout  # skipped on real data, with the note
    # every studied number of the purchases claim equals the study built by hand from the same files
    study = ik.load_study(data)
    ref = _reference_purchases(info, study.panel.dates)
    led = pd.read_csv(tmp_path / "report" / "claims.csv", keep_default_na=False).set_index("id")
    row = led.loc["purchases_positive"]
    assert int(row["n"]) == len(ref) > 100
    assert float(row["estimate"]) == pytest.approx(ref.mean(), abs=1e-12)
    # the errors were excluded and listed, survivorship and the short prices said, and nothing is a verdict on
    # what the data lack
    susp = study.panel.suspicious.set_index("ticker")["reason"]
    split_t, _ = info["split"]  # type: ignore[misc]
    print_t, _ = info["print"]  # type: ignore[misc]
    assert susp.loc[[split_t]].str.startswith("likely unadjusted split").any()
    assert susp.loc[[print_t]].str.startswith("bad print").all()
    index = (tmp_path / "report" / "index.html").read_text()
    assert "survivorship" in index and "cannot be studied" in index
    assert led.loc["plan_sales_less_information", "verdict"] == "not testable"
    assert set(led["verdict"]) <= {"supported", "contradicted", "inconclusive", "not testable", "check the data"}
    assert abs(led["estimate"].replace("", np.nan).astype(float)).max() < 1.0  # no +11,860%
