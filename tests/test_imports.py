"""Bring your own data: OpenInsider exports, WRDS TFN Table 1, mapped CSVs and folders of yfinance CSVs, read
into the tidy schema with values checked by hand, then imported into an empty data directory and studied."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import insider_kit as ik
from insider_kit.config import DataPaths
from insider_kit.filings.importers import import_transactions, read_transactions_file
from insider_kit.prices.imports import import_prices

NB = "\u00a0"
# OpenInsider's screener columns as a user saves them (non-breaking spaces in the headers, as on the site)
OI_HEADER = f"X,Filing{NB}Date,Trade{NB}Date,Ticker,Company{NB}Name,Insider{NB}Name,Title,Trade{NB}Type,Price,Qty,Owned,ΔOwn,Value,1d,1w,1m,6m"
OI_ROWS = [
    'M,2024-11-29 16:05:22,2024-11-27,ACME,Acme Corp,"Doe John",CEO,P - Purchase,$145.99,"+4,000","24,000",+20%,"+$583,960",,,,',
    'A,2024-11-28 09:15:00,2024-11-26,ACME,Acme Corp,"Roe Jane","CFO, Dir",S - Sale,$150.00,-14877,0,-100%,"-$2,231,550",1.2%,,,',
    'D,2024-11-27 18:30:00,2024-11-25,brk.b,Berkshire,"Poe Max",10%,S - Sale+OE,$12.50,"-1,000","9,000",-10%,"-$12,500",,,,',
    ',2024-11-26 12:00:00,2024-11-22,ZZZ,Zed Inc,"Moe Al",COB,P - Purchase,$2.00,"+500",500,New,"+$1,000",,,,',
]


def _oi_file(tmp_path: Path, rows: list[str] | None = None) -> Path:
    f = tmp_path / "openinsider.csv"
    f.write_text(OI_HEADER + "\n" + "\n".join(rows or OI_ROWS) + "\n", encoding="utf-8")
    return f


def test_openinsider_rows_into_the_tidy_schema(tmp_path: Path) -> None:
    tx = read_transactions_file(_oi_file(tmp_path), format="openinsider")
    assert list(tx.columns)[:3] == ["accession", "filing_date", "accepted_at"] and (tx["source"] == "openinsider").all()
    a = tx.iloc[0]
    assert a["ticker"] == "ACME" and a["trans_code"] == "P" and a["acquired_disposed"] == "A"
    assert a["shares"] == 4000.0 and a["price"] == 145.99 and a["value"] == 583_960.0 and a["shares_after"] == 24_000
    assert a["role"] == "CEO" and a["ad_source"] == "derived"
    assert a["accepted_at"] == pd.Timestamp("2024-11-29 16:05:22", tz="America/New_York")  # after 16:00: public next day
    assert pd.isna(a["accession"]) and pd.isna(a["issuer_cik"]) and pd.isna(a["plan_10b5_1"])  # never invented
    b = tx.iloc[1]
    assert b["form_type"] == "4/A" and b["acquired_disposed"] == "D" and b["shares"] == 14_877 and b["role"] == "CFO"
    assert b["is_director"] and b["shares_after"] == 0
    c = tx.iloc[2]
    assert c["ticker"] == "BRK-B" and c["trans_code"] == "S" and c["role"] == "TenPercentOwner"
    assert "D" in c["footnotes"]  # the flags are kept
    assert tx.iloc[3]["role"] == "Chair"


def test_openinsider_html_table(tmp_path: Path) -> None:
    cells = [r for r in (OI_HEADER.split(","),)]
    html = "<html><body><table class='tinytable'><tr>" + "".join(f"<th>{h}</th>" for h in cells[0]) + "</tr>"
    html += ("<tr><td>M</td><td>2024-11-29 16:05:22</td><td>2024-11-27</td><td>ACME</td><td>Acme Corp</td>"
             "<td>Doe John</td><td>CEO</td><td>P - Purchase</td><td>$145.99</td><td>+4,000</td><td>24,000</td>"
             "<td>+20%</td><td>+$583,960</td><td></td><td></td><td></td><td></td></tr></table></body></html>")
    f = tmp_path / "page.html"
    f.write_text(html, encoding="utf-8")
    tx = read_transactions_file(f, format="openinsider")
    assert len(tx) == 1 and tx.iloc[0]["shares"] == 4000 and tx.iloc[0]["value"] == 583_960


def test_openinsider_bad_rows_are_dropped_with_reasons(tmp_path: Path) -> None:
    rows = [*OI_ROWS, ',not a date,2024-11-22,QQQ,Q,"X Y",Dir,P - Purchase,$1,+10,10,New,+$10,,,,',
            ',2024-11-26 12:00:00,2024-11-22,QQQ,Q,"X Y",Dir,P - Purchase,$1,abc,10,New,+$10,,,,']
    tx = read_transactions_file(_oi_file(tmp_path, rows), format="openinsider")
    d = tx.attrs["dropped"]
    assert len(tx) == 4 and len(d) == 2
    assert set(d["reason"]) == {"Filing Date 'not a date' is not a date", "Qty 'abc' is not a number"}
    assert list(d["line"]) == [5, 6] and set(d["file"]) == {"openinsider.csv"}
    with pytest.raises(ik.DataError, match="not an OpenInsider table"):
        f = tmp_path / "x.csv"
        f.write_text("a,b\n1,2\n")
        read_transactions_file(f, format="openinsider")


TFN = """ticker,cusip6,cusip2,personid,owner,rolecode1,rolecode2,rolecode3,rolecode4,trancode,acqdisp,trandate,fdate,secdate,shares,tprice,sharesheld,cleanse,dcn,seqnum,formtype
ACME,000001,10,1001,DOE JOHN,CEO,D,,,P,A,20240102,20240104,20240104,1000,10.5,5000,R,A1,1,4
ACME,000001,10,1002,ROE JANE,CFO,,,,S,D,20240103,20240105,20240105,200,11,800,H,A2,1,4
ACME,000001,10,1003,POE MAX,D,,,,S,,20240103,20240105,,300,11,0,R,A3,1,4
ACME,000001,10,1004,MOE AL,B,,,,S,D,20240103,20240105,20240106,50,11,10,I,A4,1,4
"""


def test_tfn_table1_roles_cleanse_and_derived_codes(tmp_path: Path) -> None:
    f = tmp_path / "tfn.csv"
    f.write_text(TFN)
    tx = read_transactions_file(f, format="tfn")
    assert list(tx["owner_name"]) == ["DOE JOHN", "ROE JANE", "POE MAX"]  # the 'I' (improbable) record is dropped
    assert list(tx["role"].astype(str)) == ["CEO", "CFO", "Director"]
    assert tx.iloc[0]["is_director"] and tx.iloc[0]["value"] == 10_500 and tx.iloc[0]["filing_date"] == pd.Timestamp("2024-01-04")
    assert tx.iloc[2]["acquired_disposed"] == "D" and tx.iloc[2]["ad_source"] == "derived"  # no acqdisp: from the code
    assert tx.iloc[2]["filing_date"] == pd.Timestamp("2024-01-05")  # no secdate: the form's date
    d = tx.attrs["dropped"]
    assert len(d) == 1 and "cleanse indicator I" in d["reason"].iloc[0]
    assert (tx["owner_cik"].str.startswith("tfn:")).all()


def test_mapped_csv(tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    f.write_text("Sym,Filed,Traded,Code,Qty,Px\nacme,2024-01-05,2024-01-03,P,100,9.5\n")
    tx = read_transactions_file(f, format="csv", mapping={"Sym": "ticker", "Filed": "filing_date",
                                                          "Traded": "trans_date", "Code": "trans_code",
                                                          "Qty": "shares", "Px": "price"})
    r = tx.iloc[0]
    assert r["ticker"] == "ACME" and r["acquired_disposed"] == "A" and r["ad_source"] == "derived" and r["value"] == 950
    with pytest.raises(ik.DataError, match="mapping"):
        read_transactions_file(f, format="csv")


def test_price_folder_and_market_file(tmp_path: Path) -> None:
    folder = tmp_path / "yf"
    folder.mkdir()
    for t, base in (("AAA", 10.0), ("BBB", 20.0)):
        (folder / f"{t}.csv").write_text(
            "Date,Open,High,Low,Close,Adj Close,Volume\n"
            f"2024-03-08 00:00:00-05:00,{base},{base},{base},{base},{base},1\n"
            f"2024-03-11 00:00:00-04:00,{base * 1.1},{base},{base},{base * 1.1},{base * 1.1},1\n")
    mk = tmp_path / "SPX.csv"
    mk.write_text("date,ret\n2024-03-08,0.01\n2024-03-11,-0.02\n")
    p = DataPaths(tmp_path / "data")
    out = import_prices(p, [folder], market=str(mk))
    assert sorted(out["ticker"]) == ["AAA", "BBB"]
    px = ik.load_prices(p.raw_prices)
    assert px.loc["2024-03-11", "AAA"] == pytest.approx(11.0)
    from insider_kit.study import market_ticker

    assert market_ticker(p) == "SPX" and "SPX" in px.columns
    ret = px["SPX"].pct_change().iloc[-1]
    assert ret == pytest.approx(-0.02)  # returns stored as an index: recovered exactly


def _export_teaching_market(root: Path, dest: Path) -> tuple[Path, Path]:
    """The teaching market as a user of OpenInsider and yfinance would hold it: one CSV of P/S rows in the
    screener's format and a folder of per-ticker yfinance CSVs."""
    study = ik.load_study(root, cache=False)
    t = study.transactions
    t = t[t["trans_code"].isin(["P", "S"]) & (t["table"].astype(str) == "nonderivative")]
    acc = t["accepted_at"].dt.tz_localize(None).fillna(t["filing_date"] + pd.Timedelta(hours=12))
    sign = np.where(t["acquired_disposed"] == "A", 1, -1)
    lines = [OI_HEADER]
    for r, a, s_ in zip(t.itertuples(), acc, sign, strict=True):
        title = {"CEO": "CEO", "CFO": "CFO", "Director": "Dir", "TenPercentOwner": "10%"}.get(str(r.role), "VP")
        lines.append(f',{a:%Y-%m-%d %H:%M:%S},{r.trans_date:%Y-%m-%d},{r.ticker},"{r.issuer_name}","{r.owner_name}",'
                     f'{title},{r.trans_code} - {"Purchase" if r.trans_code == "P" else "Sale"},"${r.price:,.2f}",'
                     f'"{s_ * r.shares:+,.0f}","{r.shares_after:,.0f}",,"{s_ * r.value:+,.0f}",,,,')
    f = dest / "oi.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    folder = dest / "prices"
    folder.mkdir()
    for tk in study.prices.columns:
        s = study.prices[tk].dropna()
        idx = s.index.tz_localize("America/New_York")  # yfinance writes local midnight with its UTC offset
        pd.DataFrame({"Date": idx.strftime("%Y-%m-%d %H:%M:%S%z").str.replace(r"(\d{2})(\d{2})$", r"\1:\2", regex=True),
                      "Open": s.values, "High": s.values, "Low": s.values, "Close": s.values, "Adj Close": s.values,
                      "Volume": 1}).to_csv(folder / f"{tk}.csv", index=False)
    return f, folder


@pytest.mark.slow
def test_openinsider_and_yfinance_folder_end_to_end(tmp_path: Path) -> None:
    """An OpenInsider export and a folder of yfinance CSVs, imported into an empty directory: load_study and
    run_ledger run with no other step, and the ledger says what the data cannot support."""
    from insider_kit.sample import SampleSpec, generate_sample

    root = tmp_path / "teach"
    generate_sample(root, seed=4, spec=SampleSpec(n_firms=80, start="2018-01-02", end="2022-12-30"), progress=False)
    oi, folder = _export_teaching_market(root, tmp_path)
    data = DataPaths(tmp_path / "mine")
    import_transactions(data, [oi], format="openinsider")
    import_prices(data, [folder], market="^SYNMKT")
    study = ik.load_study(data.root)
    assert not study.synthetic and len(study.events) > 500
    led = ik.run_ledger(study).set_index("id")
    assert led.loc["plan_sales_less_information", "verdict"] == "not testable"
    assert led.loc["open_market_vs_other_disposals", "verdict"] == "not testable"  # no F/G/J rows in the export
    assert led.loc["purchases_positive", "estimate"] > 0.01  # the planted purchase effect survives the round trip


def test_quality_report_says_what_the_data_cannot_support(tmp_path: Path) -> None:
    """A survivorship-biased price folder (every series ends on one day), an unadjusted 2:1 split, a zero price
    and events on a ticker without prices: each is named in the report."""
    from insider_kit.quality import data_quality
    from insider_kit.study import Study

    rng = np.random.default_rng(1)
    days = pd.bdate_range("2019-01-01", periods=700)
    px = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.01, (700, 30)), axis=0)), index=days,
                      columns=[f"T{i:02d}" for i in range(29)] + ["MKT"])
    px.iloc[400:, 3] /= 2.0  # a 2:1 split left unadjusted
    px.iloc[500, 4] = 0.0  # a zero price
    panel = ik.returns_panel(px, market="MKT")
    ev = pd.DataFrame({"ticker": ["T01", "T02", "GONE", "GONE"], "date": days[[300, 350, 300, 320]],
                       "direction": "buy"})
    study = Study(DataPaths(tmp_path), pd.DataFrame(), px, panel, ev, None, "MKT", False, ik.SignalParams())
    q = data_quality(study)
    text = repr(q)
    assert "survivorship" in text and "biased upward" in text
    assert q.suspicious["reason"].str.startswith("likely unadjusted split").sum() == 1
    assert q.suspicious["reason"].str.contains("price <= 0").any()
    assert q.dropped_events.loc["no prices for ticker", "events"] == 2
    assert "1 of 3 event tickers" in text
    assert "Data quality" in q._repr_html_()


def _oi_exports(root: Path, rng: np.random.Generator, n_tickers: int) -> set[tuple[object, ...]]:
    """A folder of per-ticker OpenInsider exports (as a user saves one screener page per ticker), some sales with
    unsigned quantities, "no results" placeholders and empty files among them, and one filing line exported twice
    (a second, overlapping export of one ticker).  Returns the distinct trades written, built from the generator's
    own values: (ticker, insider, trade date, filing date, code, A/D, shares, price)."""
    truth: set[tuple[object, ...]] = set()
    first_line = ""
    for k in range(n_tickers):
        tk = f"T{k:03d}"
        if k % 15 == 7:
            (root / f"{tk}.csv").write_text("No results found\n" if k % 2 else "")
            continue
        lines = [OI_HEADER]
        for j in range(int(rng.integers(1, 9))):
            code = "P" if rng.random() < 0.3 else "S"
            traded = pd.Timestamp("2015-01-02") + pd.Timedelta(days=int(rng.integers(0, 3000)))
            filed = traded + pd.Timedelta(days=int(rng.integers(0, 4)), hours=int(rng.integers(6, 22)), minutes=j)
            qty = int(rng.integers(1, 50_000))
            price = round(float(rng.uniform(1, 300)), 2)
            signed = f"+{qty:,}" if code == "P" else (f"-{qty:,}" if rng.random() < 0.5 else f"{qty:,}")
            value = f"+${qty * price:,.0f}" if code == "P" else f"-${qty * price:,.0f}"
            kind = "P - Purchase" if code == "P" else "S - Sale"
            name = f"Insider {k}-{j}"
            lines.append(f',{filed:%Y-%m-%d %H:%M:%S},{traded:%Y-%m-%d},{tk},Firm {k},"{name}",Dir,{kind},'
                         f'"${price:,.2f}","{signed}","1,000",,"{value}",,,,')
            truth.add((tk, name, traded, filed.normalize(), code, "A" if code == "P" else "D", float(qty), price))
        (root / f"{tk}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        if not first_line:  # a second export of this ticker, overlapping the first by one line
            first_line = lines[1]
            extra = f',2016-05-05 10:00:00,2016-05-04,{tk},Firm {k},"Late Filer",Dir,P - Purchase,"$10.00","+100",,,"+$1,000",,,,'
            (root / f"{tk}-again.csv").write_text(OI_HEADER + "\n" + first_line + "\n" + extra + "\n", encoding="utf-8")
            truth.add((tk, "Late Filer", pd.Timestamp("2016-05-04"), pd.Timestamp("2016-05-05"), "P", "A", 100.0, 10.0))
    return truth


def test_openinsider_folder_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """#35 (a) and #39.2/#39.5, end to end: a folder of a few hundred per-ticker OpenInsider exports with
    placeholders among them and one filing line in two files -> ``insider-kit import transactions DIR --format
    openinsider`` -> ``build`` -> the tidy table holds exactly the distinct lines written, sales as sales (no
    unsigned sale turned into a purchase, no line twice)."""
    from insider_kit.cli import main

    folder = tmp_path / "exports"
    folder.mkdir()
    truth = _oi_exports(folder, np.random.default_rng(35), 300)
    data = tmp_path / "data"
    assert main(["-q", "import", "transactions", str(folder), "--format", "openinsider", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "skipped: no-results placeholder" in out and "skipped: empty file" in out
    assert re.search(r"duplicate rows removed +1\n", out) and re.search(r"skipped: no-results placeholder +10\n", out)
    assert main(["-q", "build", "--data", str(data)]) == 0
    tx = ik.load_transactions(DataPaths(data))
    got = {(r.ticker, r.owner_name, r.trans_date, r.filing_date, r.trans_code, r.acquired_disposed, r.shares, r.price)
           for r in tx.itertuples()}
    assert len(tx) == len(truth) == len(got)  # every line once
    assert got == truth
    assert (tx.loc[tx["trans_code"] == "S", "acquired_disposed"] == "D").all()
    assert tx["value"].to_numpy() == pytest.approx((tx["shares"] * tx["price"]).to_numpy(), abs=0.51)  # (rounded $)


MAPPING_REAL = {"ACCESSION_NUMBER": "accession", "side": "trans_code", "dollar_value": "value", "date": "trans_date",
                "role": "role", "ticker": "ticker", "is_10b5_1": "plan_10b5_1"}


@pytest.mark.real_data
def test_trade_dated_real_file_imports_with_the_natural_command(real: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """#35 (b) on a real file: SEC 2025q1 open-market trades, one row per filing (jefreybulla/insider-trading-signal:
    ``side`` buy/sell, ``dollar_value``, trade ``date`` only, ``role``, ``is_10b5_1``, no names): imported with the
    natural command, every row kept, the counts equal the file's own."""
    import json

    from insider_kit.cli import main

    src = real / "jefreybulla__insider-trading-signal" / "events_2025Q1.parquet"
    raw = pd.read_parquet(src)
    data = tmp_path / "data"
    args = ["-q", "import", "transactions", str(src), "--format", "csv", "--mapping", json.dumps(MAPPING_REAL),
            "--data", str(data)]
    assert main(args) == 2 and "--dated-by trade" in capsys.readouterr().err
    assert main([*args, "--dated-by", "trade"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"rows kept +11,733\n", out) and re.search(r"rows dropped +0\n", out)
    assert "claims that need when a trade became public (the filing date) will not be testable" in out
    assert main(["-q", "build", "--data", str(data)]) == 0
    tx = ik.load_transactions(DataPaths(data))
    assert len(tx) == len(raw) == 11_733
    side = raw["side"].map({"buy": "P", "sell": "S"})
    assert (tx["trans_code"] == "P").sum() == (side == "P").sum() == 2_571
    assert (tx["trans_code"] == "S").sum() == (side == "S").sum() == 9_162
    merged = tx.merge(raw.rename(columns={"role": "file_role"}), left_on="accession", right_on="ACCESSION_NUMBER",
                      validate="one_to_one")
    assert len(merged) == len(raw)
    assert (merged["trans_code"] == merged["side"].map({"buy": "P", "sell": "S"})).all()
    assert (merged["acquired_disposed"] == merged["side"].map({"buy": "A", "sell": "D"})).all()
    np.testing.assert_allclose(merged["value"], merged["dollar_value"], rtol=1e-15)
    assert (merged["trans_date"] == merged["date"]).all() and tx["filing_date"].isna().all()
    assert (merged["plan_10b5_1"].astype(bool) == merged["is_10b5_1"].astype(bool)).all()
    roles = {"OFFICER": "OtherOfficer", "DIRECTOR": "Director", "TENPERCENTOWNER": "TenPercentOwner", "OTHER": "Other"}
    assert (merged["role"].astype(str) == merged["file_role"].map(roles)).all()
    assert tx["shares"].isna().all() and tx["owner_name"].isna().all()


def test_openinsider_sale_with_option_exercise_is_exercise_and_sell(tmp_path: Path) -> None:
    """OpenInsider's "S - Sale+OE" (a sale made with an option exercise) keeps its "+OE": it is an exercise-and-sell
    disposal, as an S filed with M/X lines is in SEC data (before, it became a plain open-market sale and the
    disposals claim said the data held no exercise-and-sell); plain sales stay sales; the flag is never invented
    for a source that does not give it."""
    from insider_kit.signals.trades import transaction_class

    tx = read_transactions_file(_oi_file(tmp_path), format="openinsider")
    assert tx["sale_with_exercise"].tolist() == [False, False, True, False]
    assert transaction_class(tx).tolist() == ["purchase", "sale", "exercise_and_sell", "purchase"]
    mapped = tmp_path / "mapped.csv"
    mapped.write_text("ticker,trans_date,filing_date,trans_code,shares,price,owner\nACME,2024-01-02,2024-01-03,S,10,5,A\n")
    m = read_transactions_file(mapped, format="csv", mapping={c: c for c in ("ticker", "trans_date", "filing_date",
                                                                             "trans_code", "shares", "price")}
                               | {"owner": "owner_name"})
    assert m["sale_with_exercise"].isna().all() and transaction_class(m).tolist() == ["sale"]
