"""One test per reproducer of issues #35 and #39 on the transaction importers: each docstring names the silent
wrong answer or traceback it guards against.  Fixtures are small files written here from the formats' public
descriptions (OpenInsider's screener table, WRDS TFN Table 1, a mapped CSV/JSON/Parquet)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import insider_kit as ik
from insider_kit.cli import main
from insider_kit.config import DataPaths
from insider_kit.filings.importers import import_transactions, read_transactions_file

NB = "\u00a0"
OI_HEADER = (f"X,Filing{NB}Date,Trade{NB}Date,Ticker,Company{NB}Name,Insider{NB}Name,Title,Trade{NB}Type,Price,Qty,"
             "Owned,ΔOwn,Value,1d,1w,1m,6m")


def oi_row(*, filed: str = "2024-11-28 09:15:00", traded: str = "2024-11-26", ticker: str = "ACME",
           name: str = "Roe Jane", title: str = "CFO", kind: str = "P - Purchase", price: str = "$150.00",
           qty: str = '"+1,000"', value: str = '"+$150,000"', flags: str = "") -> str:
    return f'{flags},{filed},{traded},{ticker},Acme Corp,"{name}",{title},{kind},{price},{qty},"10,000",+5%,{value},,,,'


def oi_file(tmp: Path, rows: list[str], name: str = "oi.csv", *, encoding: str = "utf-8") -> Path:
    f = tmp / name
    f.write_bytes((OI_HEADER + "\n" + "\n".join(rows) + "\n").encode(encoding, errors="replace"))
    return f


def reasons(tx: pd.DataFrame) -> list[str]:
    return tx.attrs["dropped"]["reason"].tolist()


# ------------------------------------------------------------------------------------------------ direction
def test_unsigned_sale_stays_a_sale(tmp_path: Path) -> None:
    """#39.2: an OpenInsider ``S - Sale`` with ``Qty 14,877`` (no minus) became a purchase, emptying the sales
    claims and moving the purchase CAR from 5.0% to 0.8%."""
    f = oi_file(tmp_path, [oi_row(kind="S - Sale", qty='"14,877"', value='"$2,231,550"'),
                           oi_row(kind="S - Sale+OE", qty='"-14,877"', value='"-$2,231,550"', name="Doe John")])
    tx = read_transactions_file(f, format="openinsider")
    assert tx["trans_code"].tolist() == ["S", "S"] and tx["acquired_disposed"].tolist() == ["D", "D"]
    assert tx["shares"].tolist() == [14877.0, 14877.0] and tx["value"].tolist() == [2231550.0, 2231550.0]
    assert (tx["ad_source"] == "derived").all()


def test_signs_that_contradict_the_code_are_dropped_never_flipped(tmp_path: Path) -> None:
    """#39.2: a purchase with a negative quantity became a sale, and ``(1,000)`` on a purchase a disposal; the code
    decides and a conflicting sign drops the row with its reason."""
    f = oi_file(tmp_path, [oi_row(qty='"-1,000"', value='"$150,000"'),
                           oi_row(qty='"(1,000)"', value="", name="B"),
                           oi_row(kind="S - Sale", qty='"+1,000"', value="", name="C"),
                           oi_row(qty='"1,000"', value='"-$150,000"', name="D"),
                           oi_row(name="E")])
    tx = read_transactions_file(f, format="openinsider")
    assert tx["owner_name"].tolist() == ["E"] and tx["acquired_disposed"].tolist() == ["A"]
    assert reasons(tx) == ["code P is an acquisition but the quantity is negative"] * 2 + [
        "code S is a disposal but the quantity is positive", "code P is an acquisition but the value is negative"]


def test_missing_or_unknown_trade_code_is_dropped(tmp_path: Path) -> None:
    """#39.3: a row without a trade code was kept (and counted as a trade of no direction)."""
    f = oi_file(tmp_path, [oi_row(kind=""), oi_row(kind="Q - Quux", name="B"), oi_row(kind="Purchase", name="C"),
                           oi_row(kind="G - Gift", qty='"1,000"', value="", name="D"),
                           oi_row(kind="G - Gift", qty='"-1,000"', value="", name="E")])
    tx = read_transactions_file(f, format="openinsider")
    assert tx["owner_name"].tolist() == ["E"] and tx["acquired_disposed"].tolist() == ["D"]  # a gift given: signed
    assert reasons(tx) == ["no transaction code", "transaction code 'Q' is not a Form 4 code",
                           "transaction code 'Purchase' is not understood",
                           "code G has no fixed direction and the row gives none (no A/D column, no sign)"]


TFN_HEAD = ("ticker,cusip6,cusip2,personid,owner,rolecode1,rolecode2,rolecode3,rolecode4,trancode,acqdisp,trandate,"
            "fdate,secdate,shares,tprice,sharesheld,cleanse,dcn,seqnum,formtype")


def test_tfn_code_and_acqdisp_that_disagree_are_dropped(tmp_path: Path) -> None:
    """#39.3: TFN rows whose trade code and A/D disagree (a P filed as disposed) were kept with the A/D's
    direction."""
    f = tmp_path / "tfn.csv"
    f.write_text(TFN_HEAD + "\n" + "\n".join([
        "ACME,000001,10,1001,DOE JOHN,CEO,,,,P,D,20240102,20240104,20240104,1000,10.5,5000,R,A1,1,4",
        "ACME,000001,10,1002,ROE JANE,CFO,,,,S,A,20240103,20240105,20240105,200,11,800,R,A2,1,4",
        "ACME,000001,10,1003,POE MAX,D,,,,P,A,20240103,20240105,20240105,300,11,0,R,A3,1,4",
        "ACME,000001,10,1004,MOE AL,D,,,,,A,20240103,20240105,20240105,300,11,0,R,A4,1,4",
        "ACME,000001,10,1005,LOE BO,D,,,,G,X,20240103,20240105,20240105,300,11,0,R,A5,1,4"]) + "\n")
    tx = read_transactions_file(f, format="tfn")
    assert tx["owner_name"].tolist() == ["POE MAX"] and tx["ad_source"].tolist() == ["filed"]
    assert reasons(tx) == ["code P is an acquisition but the A/D column says D",
                           "code S is a disposal but the A/D column says A", "no transaction code",
                           "acquired/disposed code 'X' is not A or D"]


# -------------------------------------------------------------------------------------------------- numbers
def test_junk_and_implausible_numbers_are_dropped_with_reasons(tmp_path: Path) -> None:
    """#39.1 and #39.3: ``$1,2,3`` was read as 123, ``4.000,5`` as 4.0005, ``-$5`` as 5; prices of ``inf``,
    ``1e308``, zero or negative and 1e40 shares reached the tidy table; ``1e2147483648`` killed the process."""
    prices = ['"$1,2,3"', '"4.000,5"', "-$5", "inf", "1e308", "$0.00", "$150.00", "$150.00", "$150.00"]
    qtys = ['"1,000"'] * 6 + ['"1e40"', "1e2147483648", '"1,000"']
    rows = [oi_row(price=p, qty=q, value="", name=f"N{k}") for k, (p, q) in enumerate(zip(prices, qtys, strict=True))]
    tx = read_transactions_file(oi_file(tmp_path, rows), format="openinsider")
    assert tx["owner_name"].tolist() == ["N8"] and tx["price"].tolist() == [150.0] and tx["value"].tolist() == [150000.0]
    assert reasons(tx) == [
        "Price '$1,2,3' is not a number",
        "Price '4.000,5' is not a number (it looks written with a decimal comma: say decimal=',')",
        "price -5 is negative", "Price 'inf' is not a number", "Price '1e308' is beyond the plausible bound 1e+07",
        "an open-market purchase at a price of 0", "Qty '1e40' is beyond the plausible bound 1e+11",
        "Qty '1e2147483648' is too large to be a number"]
    shifted = oi_file(tmp_path, [oi_row(price="$1,2,3", value=""), oi_row(name="B")], name="shifted.csv")
    t = read_transactions_file(shifted, format="openinsider")  # the unquoted commas shift the row's cells
    assert t["owner_name"].tolist() == ["B"] and t.attrs["dropped"]["line"].tolist() == [1]
    assert reasons(t) == ["row has 19 fields but the header 17 (a separator inside an unquoted value?)"]
    eu = oi_file(tmp_path, [oi_row(price='"4.000,5"', qty='"1.000"', value="")], name="eu.csv")
    t = read_transactions_file(eu, format="openinsider", decimal=",")
    assert t["price"].tolist() == [4000.5] and t["shares"].tolist() == [1000.0]


# ---------------------------------------------------------------------------------------------------- dates
def test_ambiguous_day_order_is_refused_and_decided_when_it_can_be(tmp_path: Path) -> None:
    """#39.4: ``03/11/2024`` was parsed with a mixed format (filed before traded, a day-first export moving the
    sales CAR from 0.09% to 1.03%); the file's own values decide, or the import refuses naming --date-order."""
    amb = oi_file(tmp_path, [oi_row(filed="03/11/2024", traded="03/10/2024")], name="amb.csv")
    with pytest.raises(ik.DataError, match="ambiguous") as e:
        read_transactions_file(amb, format="openinsider")
    assert "--date-order" in (e.value.hint or "") and "amb.csv" in e.value.message
    assert read_transactions_file(amb, format="openinsider", date_order="dmy")["filing_date"].tolist() == [
        pd.Timestamp("2024-11-03")]
    decided = oi_file(tmp_path, [oi_row(filed="03/11/2024", traded="03/10/2024"),
                                 oi_row(filed="25/11/2024", traded="22/11/2024", name="B")], name="dmy.csv")
    tx = read_transactions_file(decided, format="openinsider")
    assert tx["filing_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-11-03", "2024-11-25"]
    assert tx["trans_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-10-03", "2024-11-22"]


def test_trades_after_filing_and_filings_out_of_era_are_dropped(tmp_path: Path) -> None:
    """#39.4: a filing in 2200 and a trade after its filing were accepted; #35.6: year 0013 gave
    ``KeyError: "['accession'] not in index"``."""
    f = oi_file(tmp_path, [oi_row(traded="2024-11-29"), oi_row(filed="2200-01-01 10:00:00", name="B"),
                           oi_row(traded="0013-01-01", name="C"), oi_row(name="D")])
    tx = read_transactions_file(f, format="openinsider")
    assert tx["owner_name"].tolist() == ["D"]
    r = reasons(tx)
    assert r[0] == "traded 2024-11-29, after its filing date 2024-11-28"
    assert r[1].startswith("Filing Date '2200-01-01 10:00:00' is outside 1986-01-01..")
    assert r[2].startswith("Trade Date '0013-01-01' is outside 1986-01-01..")


def test_filing_times_with_offsets_and_z(tmp_path: Path) -> None:
    """#39.4: a filing date with a UTC offset or ``Z`` was a traceback; it is EDGAR's acceptance in New York."""
    f = oi_file(tmp_path, [oi_row(filed="2024-11-28T21:05:22Z"), oi_row(filed="2024-11-28 10:00:00-05:00", name="B")])
    tx = read_transactions_file(f, format="openinsider")
    assert tx["accepted_at"].tolist() == [pd.Timestamp("2024-11-28 16:05:22", tz="America/New_York"),
                                          pd.Timestamp("2024-11-28 10:00:00", tz="America/New_York")]


# ----------------------------------------------------------------------------------------------------- text
def test_a_csv_mentioning_tr_is_read_as_csv(tmp_path: Path) -> None:
    """#39.12: ``<tr`` anywhere in the first 64 KB made a CSV be read as HTML (and fail)."""
    f = oi_file(tmp_path, [oi_row(name="Smith <tr> Jr"), oi_row(name="B")])
    tx = read_transactions_file(f, format="openinsider")
    assert tx["owner_name"].tolist() == ["Smith <tr> Jr", "B"]


def test_html_cells_are_unescaped_once(tmp_path: Path) -> None:
    """#39.12: HTML cells were unescaped twice (``&amp;lt;`` became ``<``)."""
    head = "".join(f"<th>{h}</th>" for h in OI_HEADER.split(","))
    cells = ["", "2024-11-28 09:15:00", "2024-11-26", "ACME", "Acme &amp; Co", "Roe &amp;lt;Jane&amp;gt;", "CFO",
             "P - Purchase", "$150.00", "+1,000", "10,000", "+5%", "+$150,000", "", "", "", ""]
    page = (" \n<!DOCTYPE html><html><body><table class='tinytable'><thead><tr>" + head + "</tr></thead><tbody><tr>"
            + "".join(f"<td>{c}</td>" for c in cells) + "</tr></tbody></table></body></html>")
    f = tmp_path / "page.html"
    f.write_text(page, encoding="utf-8")
    tx = read_transactions_file(f, format="openinsider")
    assert tx["owner_name"].tolist() == ["Roe &lt;Jane&gt;"] and tx["issuer_name"].tolist() == ["Acme & Co"]


def test_latin1_export_and_utf8_bom(tmp_path: Path) -> None:
    """#39.12: a latin-1 export (the non-breaking space of its header a single byte 0xA0) was refused, and a UTF-8
    BOM broke the first header."""
    f = oi_file(tmp_path, [oi_row(name="Müller José")], encoding="cp1252")
    assert b"\xa0" in f.read_bytes()
    tx = read_transactions_file(f, format="openinsider")
    assert tx["owner_name"].tolist() == ["Müller José"] and tx.attrs["file"]["encoding"] == "cp1252"
    g = tmp_path / "bom.csv"
    g.write_bytes(b"\xef\xbb\xbf" + f.read_bytes().decode("cp1252").replace("X,", "X,", 1).encode("utf-8"))
    assert read_transactions_file(g, format="openinsider").attrs["file"]["encoding"] == "utf-8 (BOM)"
    rep = import_transactions(DataPaths(tmp_path / "d"), [f], format="openinsider")
    assert any("cp1252" in n for n in rep.notes)


# ------------------------------------------------------------------------------------- folders, all or nothing
def _folder(tmp: Path) -> Path:
    d = tmp / "exports"
    (d / "more").mkdir(parents=True)
    oi_file(d, [oi_row(ticker="AAA")], name="AAA.csv")
    oi_file(d / "more", [oi_row(ticker="BBB")], name="BBB.csv")
    (d / "CCC.csv").write_text("No results found\n")
    (d / "DDD.csv").write_text("")
    (d / "EEE.html").write_text("<html><body><h3>No results.</h3></body></html>")
    (d / "notes.md").write_text("my notes")
    return d


def test_folders_and_globs_import_with_placeholders_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """#35.7: ``import transactions DIR`` said "file not found" for an existing folder, and one placeholder file
    aborted the run after 56 files were already written."""
    d = _folder(tmp_path)
    data = tmp_path / "data"
    assert main(["-q", "import", "transactions", str(d), "--format", "openinsider", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "skipped: no-results placeholder" in out and "skipped: empty file" in out and "rows kept" in out
    t = pd.read_parquet(next((data / "raw/imported/transactions").glob("batch-*[0-9a-f].parquet")))
    assert sorted(t["ticker"]) == ["AAA", "BBB"]
    manifest = json.loads((data / "raw/imported/manifest.json").read_text())
    assert sorted((Path(e["file"]).name, e["status"]) for e in manifest) == [
        ("AAA.csv", "imported"), ("BBB.csv", "imported"), ("CCC.csv", "skipped"), ("DDD.csv", "skipped"),
        ("EEE.html", "skipped")]
    rep = import_transactions(DataPaths(tmp_path / "data2"), [str(d / "**" / "*.csv")], format="openinsider")
    assert rep.rows_kept == 2 and list(rep.files["status"]) == ["imported", "skipped", "skipped", "imported"]


def test_an_import_is_all_or_nothing_unless_skip_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """#35.7: one bad file aborted the import after the files before it were written; now nothing is written, and
    ``--skip-bad`` imports the others and lists the bad one with its reason."""
    d = _folder(tmp_path)
    (d / "BAD.csv").write_text("a,b\n1,2\n")
    data = tmp_path / "data"
    assert main(["-q", "import", "transactions", str(d), "--format", "openinsider", "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "BAD.csv: not an OpenInsider table" in err and "--format" in err and len(err.strip().splitlines()) == 2
    assert not data.exists() or not any(p.is_file() for p in data.rglob("*") if not p.name.startswith("."))
    assert main(["-q", "import", "transactions", str(d), "--format", "openinsider", "--data", str(data),
                 "--skip-bad"]) == 0
    out = capsys.readouterr().out
    assert "bad files (not imported):" in out and "BAD.csv: not an OpenInsider table" in out
    ik.build_tidy(DataPaths(data), progress=False)
    assert sorted(ik.load_transactions(DataPaths(data))["ticker"]) == ["AAA", "BBB"]


def test_duplicate_lines_and_files_are_removed_and_counted(tmp_path: Path) -> None:
    """#39.5: exact duplicate rows, or the same export imported under two names (identical SHA-256), doubled every
    trade (2,812 rows instead of 1,406) and the events' value and shares."""
    a = oi_file(tmp_path, [oi_row(ticker="AAA"), oi_row(ticker="AAA"), oi_row(ticker="AAA", name="B")], name="a.csv")
    b = oi_file(tmp_path, [oi_row(ticker="AAA", name="B"), oi_row(ticker="AAA", name="C")], name="b.csv")
    (tmp_path / "a copy.csv").write_bytes(a.read_bytes())
    p = DataPaths(tmp_path / "data")
    rep = import_transactions(p, [a, b, tmp_path / "a copy.csv"], format="openinsider")
    assert rep.rows_kept == 3 and rep.duplicate_rows == 2
    assert rep.files["status"].tolist() == ["imported", "imported", "duplicate"]
    assert rep.files["duplicates"].tolist() == [1, 1, 0] and rep.files["kept"].tolist() == [2, 1, 0]
    assert "duplicate rows removed" in str(rep) and "same content as another file" in str(rep)
    again = import_transactions(p, [tmp_path / "a copy.csv"], format="openinsider")
    assert again.dest is None and again.files["note"].tolist() == ["imported before (as a.csv)"]
    c = oi_file(tmp_path, [oi_row(ticker="AAA", name="C"), oi_row(ticker="AAA", name="D")], name="c.csv")
    third = import_transactions(p, [c], format="openinsider")  # a later export overlapping an earlier one
    assert third.rows_kept == 1 and third.duplicate_rows == 1
    ik.build_tidy(p, progress=False)
    assert sorted(ik.load_transactions(p)["owner_name"]) == ["B", "C", "D", "Roe Jane"]


def test_damaged_manifest_stops_before_any_row_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """#39.9: a damaged ``raw/imported/manifest.json`` was a traceback, and the rows were already written."""
    data = tmp_path / "data"
    (data / "raw/imported").mkdir(parents=True)
    (data / "raw/imported/manifest.json").write_text('[{"kind": "prices"')
    f = oi_file(tmp_path, [oi_row()])
    assert main(["-q", "import", "transactions", str(f), "--format", "openinsider", "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json: the import record is damaged" in err and "mv " in err
    assert not (data / "raw/imported/transactions").exists()


# --------------------------------------------------------------------------------------------------- mapped
MAP = {"Sym": "ticker", "Filed": "filing_date", "Traded": "trans_date", "Code": "trans_code", "Qty": "shares",
       "Px": "price"}
ROWS = [{"Sym": "acme", "Filed": "2024-01-05", "Traded": "2024-01-03", "Code": "P", "Qty": "100", "Px": "9.5"},
        {"Sym": "zed", "Filed": "2024-01-08", "Traded": "2024-01-04", "Code": "S", "Qty": "-50", "Px": "20"}]


@pytest.mark.parametrize("kind", ["csv", "tsv", "json-records", "json-columns", "jsonl", "parquet"])
def test_mapped_formats(tmp_path: Path, kind: str) -> None:
    """#35.4: JSON input was read as CSV and failed after 28 s; TSV, JSON (records, columns, lines) and Parquet are
    sniffed by content and read with the same mapping."""
    df = pd.DataFrame(ROWS)
    f = tmp_path / f"t.{kind.split('-')[0]}"
    if kind == "csv":
        df.to_csv(f, index=False)
    elif kind == "tsv":
        df.to_csv(f, index=False, sep="\t")
    elif kind == "json-records":
        f.write_text(json.dumps(ROWS))
    elif kind == "json-columns":
        df.assign(Qty=df["Qty"].astype(int), Px=df["Px"].astype(float)).to_json(f, orient="columns")
    elif kind == "jsonl":
        f.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    else:
        df.assign(Qty=df["Qty"].astype(int), Px=df["Px"].astype(float),
                  Filed=pd.to_datetime(df["Filed"])).to_parquet(f.with_suffix(".bin"))
        f = f.with_suffix(".bin")  # (sniffed by its magic, not its name)
    tx = read_transactions_file(f, format="csv", mapping=MAP)
    assert tx["ticker"].tolist() == ["ACME", "ZED"] and tx["acquired_disposed"].tolist() == ["A", "D"]
    assert tx["shares"].tolist() == [100.0, 50.0] and tx["value"].tolist() == [950.0, 1000.0]
    assert tx["filing_date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-08")]


def test_mapping_inline_long_or_from_a_file_and_its_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """#35.6 / #39.9: an inline ``--mapping`` over 255 characters crashed with ``OSError: File name too long``;
    ``--mapping 123``, a JSON list and two columns mapped to one target were tracebacks."""
    f = tmp_path / "t.csv"
    pd.DataFrame(ROWS).to_csv(f, index=False)
    inline = json.dumps(MAP, indent=24)  # (a long mapping typed inline)
    assert len(inline) > 255
    base = ["-q", "import", "transactions", str(f), "--format", "csv", "--data", str(tmp_path / "d1")]
    assert main([*base, "--mapping", inline]) == 0
    mf = tmp_path / "map.json"
    mf.write_text(json.dumps(MAP))
    assert main(["-q", "import", "transactions", str(f), "--format", "csv", "--data", str(tmp_path / "d2"),
                 "--mapping", str(mf)]) == 0
    capsys.readouterr()
    for bad, msg in (("123", "must be a JSON object"), ('["Sym"]', "must be a JSON object"),
                     (json.dumps({"Sym": "ticker", "Qty": "ticker"}), "both map to 'ticker'"),
                     (json.dumps({**MAP, "Px": "prize"}), "unknown tidy column"),
                     ("no/such/file.json", "neither a JSON object nor an existing file"),
                     ("x" * 300, "neither a JSON object nor an existing file")):
        assert main(["-q", "import", "transactions", str(f), "--format", "csv", "--data", str(tmp_path / "d3"),
                     "--mapping", bad]) == 2
        err = capsys.readouterr().err
        assert msg in err and "Traceback" not in err, (bad, err)


def test_non_boolean_role_flags_are_an_error_naming_column_and_values(tmp_path: Path) -> None:
    """#39.9: non-boolean role flags were a traceback."""
    f = tmp_path / "t.csv"
    pd.DataFrame(ROWS).assign(Dir=["yes", "maybe"]).to_csv(f, index=False)
    with pytest.raises(ik.DataError, match=r"column 'Dir' \(is_director\) holds values that are not true/false: 'maybe'"):
        read_transactions_file(f, format="csv", mapping={**MAP, "Dir": "is_director"})


def test_unparseable_filing_date_in_a_mapped_csv_is_dropped(tmp_path: Path) -> None:
    """#39.9: a mapped CSV with an unparseable filing date gave ``KeyError 'accession'``."""
    f = tmp_path / "t.csv"
    pd.DataFrame(ROWS).assign(Filed=["not a date", "0013-01-08"]).to_csv(f, index=False)
    tx = read_transactions_file(f, format="csv", mapping=MAP)
    assert len(tx) == 0
    assert reasons(tx)[0] == "filing_date 'not a date' is not a date"
    assert reasons(tx)[1].startswith("filing_date '0013-01-08' is outside 1986-01-01..")


def test_trade_dated_data_without_names_imports_with_dated_by_trade(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """#35 (b): a dump of parsed trades with trade dates only, a buy/sell column, dollar values without shares, one
    role column and a 0/1 plan flag could not be imported; without --dated-by the refusal names it."""
    f = tmp_path / "dump.json"
    f.write_text(json.dumps([
        {"acc": "0000002488-25-000014", "side": "buy", "usd": 499616.2, "date": "2025-02-07", "role": "OFFICER",
         "tkr": "AMD", "plan": 0},
        {"acc": "0000002488-25-000016", "side": "sell", "usd": 1987545.16, "date": "2025-02-14", "role": "DIRECTOR",
         "tkr": "AMD", "plan": 1},
        {"acc": "0000003570-25-000038", "side": "Sale", "usd": 5081343.54, "date": "2025-02-26",
         "role": "TENPERCENTOWNER", "tkr": "LNG", "plan": None},
        {"acc": "0000003570-25-000040", "side": "purchase", "usd": 10.0, "date": "2025-02-27", "role": "CEO",
         "tkr": "LNG", "plan": "1"}]))
    mapping = json.dumps({"acc": "accession", "side": "trans_code", "usd": "value", "date": "trans_date",
                          "role": "role", "tkr": "ticker", "plan": "plan_10b5_1"})
    data = tmp_path / "data"
    args = ["-q", "import", "transactions", str(f), "--format", "csv", "--mapping", mapping, "--data", str(data)]
    assert main(args) == 2
    assert "--dated-by trade" in capsys.readouterr().err
    assert main([*args, "--dated-by", "trade"]) == 0
    assert "claims that need when a trade became public (the filing date) will not be testable" in capsys.readouterr().out
    ik.build_tidy(DataPaths(data), progress=False)
    tx = ik.load_transactions(DataPaths(data))
    assert tx["trans_code"].tolist() == ["P", "S", "S", "P"] and tx["filing_date"].isna().all()
    assert tx["value"].tolist() == [499616.2, 1987545.16, 5081343.54, 10.0] and tx["shares"].isna().all()
    assert tx["role"].astype(str).tolist() == ["OtherOfficer", "Director", "TenPercentOwner", "CEO"]
    assert tx["plan_10b5_1"].tolist() == [False, True, pd.NA, True]
    assert tx["owner_name"].isna().all() and tx["owner_cik"].isna().all()


def test_net_purchase_ratio_without_insider_names(tmp_path: Path) -> None:
    """#35.6: data without insider names raised ``ValueError: start and end must not be NaT`` in the net purchase
    ratio; an unnamed insider counts once per filing (reference: the counts by hand), and data without any filing
    date is a one-line error."""
    from insider_kit.filings.schema import finalize_columns

    tx = finalize_columns(pd.DataFrame({
        "accession": ["a1", "a1", "a2", "a3", "a4"], "ticker": ["A", "A", "A", "B", "B"],
        "trans_code": ["P", "P", "P", "S", "P"], "acquired_disposed": ["A", "A", "A", "D", "A"],
        "trans_date": pd.to_datetime(["2024-01-02"] * 3 + ["2024-01-03", "2024-02-05"]),
        "filing_date": pd.to_datetime(["2024-01-04"] * 3 + ["2024-01-05", "2024-02-06"]),
        "shares": 1.0, "price": 10.0, "value": [10.0, 10.0, 20.0, 30.0, 40.0], "table": "nonderivative"}))
    market = pd.Series(0.001, index=pd.bdate_range("2023-06-01", "2024-12-31"))
    npr = ik.net_purchase_ratio(tx, market)
    assert npr.loc[pd.Period("2024-01", "M"), ["n_purchases", "n_sales"]].tolist() == [2, 1]  # a1's two lots: one
    assert npr.loc[pd.Period("2024-01", "M"), "value_purchases"] == 40.0
    assert npr.loc[pd.Period("2024-02", "M"), "npr_count"] == 1.0
    with pytest.raises(ik.DataError, match="with a public date"):
        ik.net_purchase_ratio(tx.assign(filing_date=pd.NaT), market)


# ---------------------------------------------------------------------------------------------- concurrency
def _import_many(root: str, data: str, tag: str, n: int) -> None:
    from insider_kit.config import DataPaths as DP
    from insider_kit.filings.importers import import_transactions as imp

    for k in range(n):
        f = Path(root) / f"{tag}{k}.csv"
        f.write_text(OI_HEADER + "\n" + oi_row(ticker=f"{tag}{k}"[:6].upper(), name=f"{tag} {k}") + "\n")
        imp(DP(Path(data)), [f], format="openinsider")


def _record_many(folder: str, tag: str, n: int) -> None:
    from insider_kit._manifest import record_imports

    for k in range(n):
        record_imports(Path(folder), [{"kind": "prices", "tag": tag, "k": k}])


def test_two_processes_importing_at_once_lose_no_manifest_entry(tmp_path: Path) -> None:
    """#39.10: manifest writes were not locked (192 of 400 entries lost with two writers in a tight loop)."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    folder = tmp_path / "raw" / "imported"
    procs = [ctx.Process(target=_record_many, args=(str(folder), t, 200)) for t in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    entries = json.loads((folder / "manifest.json").read_text())
    assert sorted((e["tag"], e["k"]) for e in entries) == sorted((t, k) for t in "ab" for k in range(200))
    (tmp_path / "in").mkdir()
    data = tmp_path / "data"
    procs = [ctx.Process(target=_import_many, args=(str(tmp_path / "in"), str(data), t, 25)) for t in ("x", "y")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    manifest = json.loads((data / "raw/imported/manifest.json").read_text())
    assert sorted(Path(e["file"]).name for e in manifest) == sorted(f"{t}{k}.csv" for t in "xy" for k in range(25))
    ik.build_tidy(DataPaths(data), progress=False)
    assert len(ik.load_transactions(DataPaths(data))) == 50


def test_value_without_shares_and_rows_without_either(tmp_path: Path) -> None:
    """#35.4: a dollar value without shares was refused; a row with neither is dropped with its reason."""
    f = tmp_path / "t.csv"
    pd.DataFrame({"t": ["A", "B"], "d": ["2024-01-02", "2024-01-02"], "f": ["2024-01-03", "2024-01-03"],
                  "s": ["sell", "buy"], "v": ["$1,000", ""]}).to_csv(f, index=False)
    tx = read_transactions_file(f, format="csv", mapping={"t": "ticker", "d": "trans_date", "f": "filing_date",
                                                          "s": "trans_code", "v": "value"})
    assert tx["value"].tolist() == [1000.0] and np.isnan(tx["shares"].iloc[0]) and np.isnan(tx["price"].iloc[0])
    assert reasons(tx) == ["no shares and no value"]


def test_a_folder_read_at_once_equals_its_files_read_one_by_one() -> None:
    """The grouped read of same-header exports (one Arrow read for a folder) gives each file exactly the table,
    skip reason or error its own read gives, on clean, mutated, CRLF and quote-broken files (the slow,
    obviously correct reference: one read per file)."""
    import sys

    from insider_kit.errors import DataError
    from insider_kit.filings._sources import read_table_bytes, read_tables

    sys.path.insert(0, str(Path(__file__).parent))
    from _fuzz_importers import BASES, mutate

    rng = np.random.default_rng(5)
    items = [(BASES["openinsider"][0].encode(), Path("clean.csv")),
             (BASES["openinsider"][0].replace("\n", "\r\n").encode(), Path("crlf.csv")),
             (BASES["openinsider"][0].replace('"Doe John"', '"Doe\nJohn"').encode(), Path("spans.csv")),
             (BASES["openinsider"][0].replace('"Doe John"', '"Doe John').encode(), Path("open-quote.csv"))]
    items += [(mutate(fmt, rng), Path(f"m{k}.csv")) for k in range(300) for fmt in ("openinsider", "tfn")]
    together = read_tables(items)
    for (data, path), got in zip(items, together, strict=True):
        try:
            alone = read_table_bytes(data, path)
        except DataError as exc:
            assert isinstance(got, DataError) and got.message == exc.message, path
            continue
        assert not isinstance(got, DataError), (path, got)
        assert (got.skipped, got.kind, got.encoding, got.bad_rows) == (alone.skipped, alone.kind, alone.encoding,
                                                                      alone.bad_rows), path
        assert (got.table is None) == (alone.table is None), path
        if got.table is not None and alone.table is not None:
            assert got.table.to_pydict() == alone.table.to_pydict(), path


def test_a_failed_record_leaves_no_imported_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All or nothing at the write too: when recording the import fails (a full or read-only disk), the rows
    already written by this import are removed again and the error is one line (not a traceback)."""
    import insider_kit._manifest as manifest

    def full(*_: object, **__: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(manifest, "append_entries", full)
    p = DataPaths(tmp_path / "data")
    with pytest.raises(ik.DataError, match=r"cannot write into the data directory \(No space left on device\)"):
        import_transactions(p, [oi_file(tmp_path, [oi_row()])], format="openinsider")
    left = [f.name for f in (p.raw_imported).rglob("*") if f.is_file() and not f.name.startswith(".")]
    assert left == []
