"""Hostile but realistic input: every bad file gets an InsiderKitError naming it or a reason in a dropped table;
nothing silent, nothing lost.  One test per class of failure, each on a minimal hand-made input, then a fuzz
test (mutated Form 4 documents and damaged SEC zips) and a concurrency test (two builds on one directory)."""

from __future__ import annotations

import multiprocessing as mp
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import insider_kit as ik
from insider_kit.config import DataPaths
from insider_kit.errors import InsiderKitError
from insider_kit.filings import build_tidy, load_transactions, parse_form4, read_quarter
from insider_kit.filings.tidy import tidy_is_current
from insider_kit.prices import read_price_file, returns_panel
from insider_kit.prices.yf import read_cached, write_cached
from tests.fixtures.form4_docs import NEW_SCHEMA_SUBMISSION, SGML_FOOTER, SGML_HEADER
from tests.fixtures.form345 import NONDERIV, write_form345_zip


def _rezip(src: Path, dest: Path, edit: dict[str, bytes] | None = None, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", method) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, (edit or {}).get(info.filename, zin.read(info)))
    return dest


# ----------------------------------------------------------------------------------------- zips
def test_damaged_compressed_data_is_a_data_error_naming_the_member(tmp_path: Path) -> None:
    """Guards against zlib.error escaping: the central directory is intact, the deflate stream is not."""
    z = write_form345_zip(tmp_path / "2024q3_form345.zip")
    data = bytearray(z.read_bytes())
    with zipfile.ZipFile(z) as zf:
        info = zf.getinfo("NONDERIV_TRANS.tsv")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start + 5, start + 40):
        data[k] ^= 0xFF
    z.write_bytes(bytes(data))
    with pytest.raises(ik.DataError, match=r"2024q3_form345.zip.*NONDERIV_TRANS.tsv"):
        read_quarter(z)


def test_unknown_compression_method_is_refused(tmp_path: Path) -> None:
    z = write_form345_zip(tmp_path / "a.zip")
    raw = bytearray(z.read_bytes())
    with zipfile.ZipFile(z) as zf:
        infos = zf.infolist()
    for info in infos:  # set the method to 99 in every local header and central directory entry
        raw[info.header_offset + 8: info.header_offset + 10] = (99).to_bytes(2, "little")
    cd = raw.find(b"PK\x01\x02")
    while cd >= 0:
        raw[cd + 10: cd + 12] = (99).to_bytes(2, "little")
        cd = raw.find(b"PK\x01\x02", cd + 4)
    z.write_bytes(bytes(raw))
    with pytest.raises(ik.DataError, match="unsupported compression"):
        read_quarter(z)


def test_header_only_tables_are_empty_tables(tmp_path: Path) -> None:
    z = write_form345_zip(tmp_path / "2024q3_form345.zip", nonderiv=[])
    with zipfile.ZipFile(z) as zf:
        names = zf.namelist()
        content = {n: zf.read(n) for n in names}
    header_only = {n: c.split(b"\n", 1)[0] + b"\n" for n, c in content.items()}
    zz = tmp_path / "raw" / "sec" / "2024q4_form345.zip"
    zz.parent.mkdir(parents=True)
    with zipfile.ZipFile(zz, "w") as zf:
        for n, c in header_only.items():
            zf.writestr(n, c)
    q = read_quarter(zz)
    assert len(q.transactions) == 0 and q.stats["transaction_rows"] == 0
    out = build_tidy(DataPaths(tmp_path), progress=False)
    assert out.loc[out["source"] == "TOTAL", "kept"].iloc[0] == 0


def test_a_row_with_an_extra_tab_is_dropped_not_shifted(tmp_path: Path) -> None:
    """Guards against a stray tab shifting shares, price and A/D of a row into the wrong columns."""
    z = write_form345_zip(tmp_path / "2024q3_form345.zip")
    with zipfile.ZipFile(z) as zf:
        nd = zf.read("NONDERIV_TRANS.tsv").decode()
    lines = nd.split("\n")
    cols = lines[0].split("\t")
    i = cols.index("SECURITY_TITLE")
    bad = lines[2].split("\t")
    bad[i] = bad[i] + "\tstray"
    lines[2] = "\t".join(bad)
    _rezip(z, tmp_path / "b.zip", {"NONDERIV_TRANS.tsv": "\n".join(lines).encode()})
    q = read_quarter(tmp_path / "b.zip")
    assert "0000000002-24-000002" not in set(q.transactions["accession"])  # the shifted row is gone...
    r = q.dropped[q.dropped["accession"] == "0000000002-24-000002"]
    assert len(r) == 1 and "fields" in r["reason"].iloc[0]  # ...and reported with its reason
    assert q.stats["kept"] + q.stats["dropped"] == q.stats["transaction_rows"]
    good = q.transactions.set_index("accession").loc["0000000001-24-000001"]
    assert good["shares"] == 1000.0 and good["price"] == 25.5  # the other rows are untouched


@pytest.mark.parametrize("shares,ad,code", [("abc", "D", "S"), ("1e400", "D", "S"), ("-50", "D", "S"),
                                            ("100", "", "P"), ("100", "X", "P")])
def test_invalid_shares_and_codes_go_to_the_dropped_table(tmp_path: Path, shares: str, ad: str, code: str) -> None:
    """Guards against NaN/negative shares vanishing later without a count, and a P with a blank A/D becoming a sale."""
    rows = [dict(NONDERIV[0]), *NONDERIV[1:]]
    rows[0].update(TRANS_SHARES=shares, TRANS_ACQUIRED_DISP_CD=ad, TRANS_CODE=code)
    q = read_quarter(write_form345_zip(tmp_path / "2024q3_form345.zip", nonderiv=rows))
    assert "0000000001-24-000001" not in set(q.transactions["accession"])
    reason = q.dropped.loc[q.dropped["accession"] == "0000000001-24-000001", "reason"].iloc[0]
    assert ("shares" in reason) if ad in ("D",) else ("not A or D" in reason)


def test_the_same_quarter_twice_is_read_once(tmp_path: Path) -> None:
    p = DataPaths(tmp_path)
    a = write_form345_zip(p.raw_sec.mkdir(parents=True) or p.raw_sec / "2024q3_form345.zip")
    (p.raw_sec / "copy_2024q3_form345.zip").write_bytes(a.read_bytes())
    out = build_tidy(p, progress=False)
    one = DataPaths(tmp_path / "one")
    one.raw_sec.mkdir(parents=True)
    (one.raw_sec / "2024q3_form345.zip").write_bytes(a.read_bytes())
    build_tidy(one, progress=False)
    assert len(load_transactions(p)) == len(load_transactions(one))
    assert out["absent_columns"].astype(str).str.contains("same bytes").any()


def test_two_members_for_one_table_are_refused_naming_both(tmp_path: Path) -> None:
    """Guards against a zip with a second, header-only SUBMISSION.tsv winning silently: every row was dropped as
    'accession not in SUBMISSION' and the build exited 0."""
    z = write_form345_zip(tmp_path / "a.zip")
    two = tmp_path / "2024q3_form345.zip"
    with zipfile.ZipFile(z) as zin, zipfile.ZipFile(two, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        zout.writestr("old/SUBMISSION.tsv", "ACCESSION_NUMBER\tFILING_DATE\tDOCUMENT_TYPE\tISSUERCIK\n")
    with pytest.raises(ik.DataError, match=r"2024q3_form345\.zip: two members hold table SUBMISSION: "
                                           r"SUBMISSION\.tsv and old/SUBMISSION\.tsv"):
        read_quarter(two)


def test_a_repeated_accession_is_listed_with_its_line_and_reason(tmp_path: Path) -> None:
    """Guards against the first copy of a repeated SUBMISSION row being kept silently (the second, which may be
    the corrected one, vanished without a trace)."""
    from tests.fixtures.form345 import SUBMISSIONS

    subs = [*SUBMISSIONS, dict(SUBMISSIONS[0], ISSUERNAME="Alpha Widgets (restated)"), dict(SUBMISSIONS[1])]
    q = read_quarter(write_form345_zip(tmp_path / "2024q3_form345.zip", submissions=subs))
    again = q.dropped[q.dropped["table"] == "SUBMISSION"].sort_values("line")
    assert again["accession"].tolist() == ["0000000001-24-000001", "0000000002-24-000002"]
    assert again["line"].tolist() == [7, 8]  # lines of the file (header = line 1)
    assert "differ in ISSUERNAME" in again["reason"].iloc[0] and "line 2, is kept" in again["reason"].iloc[0]
    assert "identical copy" in again["reason"].iloc[1]
    assert q.stats["filings_repeated"] == 2
    # the transactions are those of one copy each: nothing doubled, the first copy's name
    one = q.transactions[q.transactions["accession"] == "0000000001-24-000001"]
    assert len(one) == 1 and one["issuer_name"].iloc[0] == "Alpha Widgets Inc"


def test_placeholder_symbols_are_rows_without_a_ticker_and_counted(tmp_path: Path) -> None:
    """Guards against placeholders a filer types for the symbol becoming tickers of their first piece (N/A. -> N,
    NOT TRADED -> NOT, N.A -> N-A, possibly another firm's) or vanishing uncounted: each such row is a row
    without a ticker, counted in the build summary and in the events' no-ticker figure."""
    import tests.fixtures.form345 as F

    symbols = ["N/A.", "NOT TRADED", "N.A", "NOT PUBLICLY TRADED", "nan", "N/A - PRIVATE", "NONE", "", "AAPL", "BRK.A"]
    subs, owners, rows = [], [], []
    for i, sym in enumerate(symbols):
        acc = f"00000000{i:02d}-24-0000{i:02d}"
        subs.append(dict(ACCESSION_NUMBER=acc, FILING_DATE="02-JUL-2024", DOCUMENT_TYPE="4", ISSUERCIK=str(100 + i),
                         ISSUERNAME=f"Co {i}", ISSUERTRADINGSYMBOL=sym))
        owners.append(dict(ACCESSION_NUMBER=acc, RPTOWNERCIK=str(900 + i), RPTOWNERNAME=f"Owner {i}",
                           RPTOWNER_RELATIONSHIP="Director"))
        rows.append(dict(ACCESSION_NUMBER=acc, NONDERIV_TRANS_SK=str(i + 1), SECURITY_TITLE="Common", TRANS_CODE="P",
                         TRANS_DATE="28-JUN-2024", TRANS_SHARES="100", TRANS_PRICEPERSHARE="10",
                         TRANS_ACQUIRED_DISP_CD="A"))
    p = DataPaths(tmp_path)
    p.raw_sec.mkdir(parents=True)
    saved = list(F.OWNERS)
    try:
        F.OWNERS[:] = owners
        write_form345_zip(p.raw_sec / "2024q3_form345.zip", submissions=subs, nonderiv=rows)
    finally:
        F.OWNERS[:] = saved
    summary = build_tidy(p, progress=False).set_index("source")
    assert summary.loc["TOTAL", "kept_without_ticker"] == 9  # the 8 placeholder purchases and an exercise of one
    ev = ik.build_events(load_transactions(p))
    assert sorted(ev["ticker"]) == ["AAPL", "BRK-A"]
    assert ev.attrs["no_ticker"] == 8  # every P row of a placeholder symbol, none lost


@pytest.mark.parametrize("reader", ["arrow", "pandas"])
def test_a_huge_exponent_in_a_share_count_is_a_dropped_row_not_a_crash(tmp_path: Path, reader: str) -> None:
    """Guards against the process dying with a segmentation fault (exit 139, no message): pandas' numeric
    parsing crashes on exponents of 2**31 and more, such as 1e2147483648.  Both table readers (Arrow's, and
    pandas' for text that is not valid UTF-8) keep the cells as text; the numbers are parsed after.  Run in a
    subprocess, so that a crash signal fails this test instead of killing the test run."""
    import subprocess
    import sys

    rows = [dict(NONDERIV[0]), *(dict(r) for r in NONDERIV[1:])]
    rows[0].update(TRANS_SHARES="1e2147483648")
    rows[1].update(TRANS_PRICEPERSHARE="-1e2147483648", SHRS_OWND_FOLWNG_TRANS="1e9999999999", NONDERIV_TRANS_SK="9e2147483648")
    z = write_form345_zip(tmp_path / "2024q3_form345.zip", nonderiv=rows)
    if reader == "pandas":  # (a byte that is not UTF-8 in another row's title: Arrow's reader declines the table)
        with zipfile.ZipFile(z) as zf:
            nd = zf.read("NONDERIV_TRANS.tsv")
        z = _rezip(z, tmp_path / "latin_2024q3_form345.zip",
                   {"NONDERIV_TRANS.tsv": nd.replace(b"Class B Common", b"Class B Comm\xf6n", 1)})
    code = ("import sys; from insider_kit.filings import read_quarter; q = read_quarter(sys.argv[1]); "
            "d = q.dropped.set_index('accession'); t = q.transactions.set_index('accession'); "
            "print(d.loc['0000000001-24-000001', 'reason']); "
            "print([float(x) for x in t.loc['0000000002-24-000002', ['price', 'shares_after', 'line']]]); "
            "print(ascii(t.loc['0000000002-24-000002', 'security_title']))")
    r = subprocess.run([sys.executable, "-c", code, str(z)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    reason, kept, title = r.stdout.strip().splitlines()
    assert "1e2147483648" in reason and "not a non-negative number" in reason
    assert ("\\ufffd" in title) == (reader == "pandas")  # (the pandas reader replaced the byte: it read the table)
    assert kept == "[nan, nan, -1.0]"  # an overflowing price or holding is unknown, not -inf; the line number junk


def test_a_zip_declaring_an_unknown_version_is_a_one_line_error(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against NotImplementedError('zip file version 9.9') escaping as a traceback from the central
    directory's 'version needed to extract' field."""
    from insider_kit.cli import main

    p = DataPaths(tmp_path)
    p.raw_sec.mkdir(parents=True)
    z = write_form345_zip(p.raw_sec / "2024q3_form345.zip")
    raw = bytearray(z.read_bytes())
    cd = raw.find(b"PK\x01\x02")
    raw[cd + 6: cd + 8] = (99).to_bytes(2, "little")
    z.write_bytes(bytes(raw))
    with pytest.raises(ik.DataError, match=r"2024q3_form345\.zip: not a readable zip.*version 9\.9"):
        read_quarter(z)
    assert main(["-q", "build", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "version 9.9" in err and "Traceback" not in err


# ----------------------------------------------------------------------------------------- EDGAR XML
@pytest.mark.parametrize("header", [b"<ACCEPTANCE-DATETIME>20251302163001", b"FILED AS OF DATE:\t\t16000307"])
def test_impossible_header_dates_are_data_errors(header: bytes) -> None:
    doc = NEW_SCHEMA_SUBMISSION
    if header.startswith(b"<ACC"):
        doc = doc.replace(b"<ACCEPTANCE-DATETIME>20250602163001", header)
    else:
        doc = doc.replace(b"FILED AS OF DATE:\t\t20250602", header)
    with pytest.raises(ik.DataError, match="impossible"):
        parse_form4(doc)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-be"])
def test_doctype_in_utf16_or_utf32_is_refused_after_decoding(encoding: str) -> None:
    """Guards against a multi-byte encoding hiding <!ENTITY from the byte-level refusal."""
    body = (f'<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE d [<!ENTITY e "x">]>\n'
            "<ownershipDocument><issuer><issuerCik>1</issuerCik></issuer></ownershipDocument>")
    with pytest.raises(ik.DataError, match="DOCTYPE"):
        parse_form4(body.encode(encoding))


def test_xml_rows_without_a_date_or_with_a_bad_code_are_dropped_with_reasons(tmp_path: Path) -> None:
    body = NEW_SCHEMA_SUBMISSION.replace(b"<transactionAcquiredDisposedCode><value>D</value>",
                                         b"<transactionAcquiredDisposedCode><value>Q</value>", 1)
    f = tmp_path / "raw" / "edgar" / "0000000001" / "0009999999-25-000042.txt"
    f.parent.mkdir(parents=True)
    f.write_bytes(body)
    from insider_kit.filings.form4 import parse_form4_files

    tx, _, skipped = parse_form4_files([f])
    assert (skipped["reason"].str.contains("not A or D")).any()
    assert not tx["acquired_disposed"].isin(["Q"]).any()


@pytest.mark.parametrize("symbol,ticker", [(b"N/A.", None), (b"NOT TRADED", None), (b"nan", None),
                                           (b"nwcr", "NWCR"), (b"BRK.B", "BRK-B")])
def test_an_edgar_placeholder_symbol_is_no_ticker(symbol: bytes, ticker: str | None) -> None:
    """Guards against the EDGAR path making a ticker of a placeholder's first piece (N/A. -> N, NOT TRADED -> NOT),
    as the quarterly data sets' reader no longer does."""
    doc = NEW_SCHEMA_SUBMISSION.replace(b"<issuerTradingSymbol>NWCR<", b"<issuerTradingSymbol>" + symbol + b"<")
    assert parse_form4(doc).ticker == ticker


# ----------------------------------------------------------------------------------------- price files
def test_yfinance_csv_with_utc_offsets_across_a_dst_change(tmp_path: Path) -> None:
    f = tmp_path / "AAA.csv"
    f.write_text("Date,Open,High,Low,Close,Adj Close,Volume\n"
                 "2024-03-08 00:00:00-05:00,10,10,10,10,10,1\n"
                 "2024-03-11 00:00:00-04:00,11,11,11,11,11,1\n")
    wide, kind = read_price_file(f)
    assert list(wide.index) == [pd.Timestamp("2024-03-08"), pd.Timestamp("2024-03-11")] and kind == "price"


@pytest.mark.parametrize("text,match", [
    ("", "empty"),
    ("Date,AAA\n02/01/2024,1\n03/01/2024,2\n", "day-first or month-first"),
    ("Date,AAA,aaa\n2024-01-02,1,2\n", "appears twice"),  # one ticker, one column
    ("Date,AAA,N/A\n2024-01-02,1,2\n", "not a ticker"),
])
def test_bad_price_files_are_refused_with_the_reason(tmp_path: Path, text: str, match: str) -> None:
    f = tmp_path / "p.csv"
    f.write_text(text)
    with pytest.raises(ik.DataError, match=match):
        read_price_file(f)


def test_day_first_and_crsp_integer_dates(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("Date,AAA\n13/01/2024,1\n14/01/2024,2\n")
    assert read_price_file(f)[0].index[0] == pd.Timestamp("2024-01-13")  # a day above 12 decides the order
    f.write_text("Date,AAA\n02/01/2024,1\n03/01/2024,2\n")
    assert read_price_file(f, date_order="dmy")[0].index[0] == pd.Timestamp("2024-01-02")
    g = tmp_path / "crsp.csv"
    g.write_text("date,permno,ret\n20240102,10001,0.01\n20240103,10001,-0.02\n")
    assert read_price_file(g)[0].index[0] == pd.Timestamp("2024-01-02")  # not 1970


def test_corrupt_gzip_csv(tmp_path: Path) -> None:
    import gzip

    f = tmp_path / "p.csv.gz"
    f.write_bytes(gzip.compress(b"Date,AAA\n2024-01-02,1\n" * 50)[:60])
    with pytest.raises(ik.DataError, match=r"p\.csv\.gz"):
        read_price_file(f)


def test_zero_or_negative_prices_are_dropped_not_minus_100_percent() -> None:
    d = pd.bdate_range("2024-01-01", periods=5)
    px = pd.DataFrame({"AAA": [10.0, 0.0, 10.0, -1.0, 11.0], "M": [1, 1, 1, 1, 1.0]}, index=d)
    p = returns_panel(px, market="M")
    assert not (p.values <= -1).any()
    assert (p.suspicious["reason"].str.contains("price <= 0")).sum() == 2


def test_cached_price_files_are_checked(tmp_path: Path) -> None:
    f = tmp_path / "AAA.parquet"
    s = pd.Series([1.0, 2.0, 3.0], index=pd.bdate_range("2024-01-01", periods=3))
    write_cached(f, s, {"source": "test"})
    assert read_cached(f)[0].tolist() == [1.0, 2.0, 3.0]
    raw = bytearray(f.read_bytes())
    k = raw.find(np.float64(2.0).tobytes())
    raw[k + 7] ^= 0x01  # one bit of one price
    f.write_bytes(bytes(raw))
    with pytest.raises(ik.DataError, match=r"checksum|unreadable"):
        read_cached(f)
    import pyarrow as pa
    import pyarrow.parquet as pq

    g = tmp_path / "BBB.parquet"
    pq.write_table(pa.table({"adj_close": ["a", "b"]}), g)
    with pytest.raises(ik.DataError, match="numeric"):
        read_cached(g)


# ----------------------------------------------------------------------------------------- the study
def _panel() -> ik.prices.ReturnsPanel:
    rng = np.random.default_rng(0)
    T = 400
    d = pd.bdate_range("2020-01-01", periods=T)
    R = pd.DataFrame({"A": rng.normal(0, 0.01, T), "FLAT": 0.0, "B": rng.normal(0, 0.01, T)}, index=d)
    return returns_panel(R, market=pd.Series(rng.normal(0, 0.01, T), index=d), kind="return")


def test_constant_prices_and_duplicate_events_are_dropped_with_reasons() -> None:
    p = _panel()
    day = p.dates[300]
    ev = pd.DataFrame({"ticker": ["A", "A", "A", "FLAT", "B"], "date": [day, day, day, day, day]})
    res = ik.event_study(ev, p, window=(-5, 10), car_windows=[(0, 10)], max_loss=None)
    assert len(res.events) == 2
    reasons = res.dropped["reason"].tolist()
    assert sum("duplicate" in r for r in reasons) == 2 and sum("no variation" in r for r in reasons) == 1


def test_time_zone_aware_dates_use_the_new_york_date() -> None:
    p = _panel()
    d0 = p.dates[300]
    aware = pd.Series([d0 + pd.Timedelta(hours=3)]).dt.tz_localize("Europe/Paris")  # still the day before in NY
    res = ik.event_study(pd.DataFrame({"ticker": ["A"], "date": aware}), p, window=(-5, 10), car_windows=[(0, 10)])
    assert res.events["day0"].iloc[0] == d0


def test_bhar_against_a_missing_market_is_refused() -> None:
    p = _panel()
    import dataclasses

    q = dataclasses.replace(p, market=np.full(len(p.dates), np.nan))
    with pytest.raises(ik.DataError, match="market"):
        ik.event_study(pd.DataFrame({"ticker": ["A"], "date": [p.dates[300]]}), q, model="raw", bhar=True)


def test_cli_refuses_bad_arguments_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from insider_kit.cli import main

    for argv in (["fetch", "sec", "--from", "2024q3", "--to", "2024q1"], ["sample", "--data", str(tmp_path / "f")]):
        (tmp_path / "f").write_text("a file")
        assert main(argv) == 2
    with pytest.raises(SystemExit):
        main(["fetch", "edgar", "--since", "2024-02-30"])
    assert "real calendar day" in capsys.readouterr().err


def test_report_parameter_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    from insider_kit.reports import check_parameters

    declared = {"window_end": {"inferred_type_name": "int", "default": "60"}}
    with pytest.raises(ik.ConfigError, match="window_end"):
        check_parameters({"window_end": "abc"}, declared, "02_buy_vs_sell")
    check_parameters({"window_end": 20}, declared, "02_buy_vs_sell")


# ----------------------------------------------------------------------------------------- fuzz
def _mutations(doc: bytes, rng: np.random.Generator, n: int) -> list[bytes]:
    out = []
    for _ in range(n):
        b = bytearray(doc)
        kind = rng.integers(0, 4)
        k = int(rng.integers(1, 3))
        for _ in range(k):
            pos = int(rng.integers(0, len(b)))
            if kind == 0:
                b[pos] = int(rng.integers(0, 256))  # a random byte
            elif kind == 1:
                del b[pos: pos + int(rng.integers(1, 30))]  # a cut
            elif kind == 2:
                b[pos:pos] = bytes(rng.choice(list(b"<>&;\"'/=0123456789-:\t\n"), int(rng.integers(1, 8))))
            else:
                b[pos] = ord(str(rng.integers(0, 10)))  # a digit (dates, numbers)
        out.append(bytes(b))
    return out


def test_fuzz_form4_documents_and_damaged_zips(tmp_path: Path) -> None:
    """2,000 mutated Form 4 submissions and 300 damaged SEC zips: every outcome is a parsed document, an
    InsiderKitError, or rows in the dropped table — no other exception."""
    rng = np.random.default_rng(2024)
    base = SGML_HEADER + NEW_SCHEMA_SUBMISSION[len(SGML_HEADER):-len(SGML_FOOTER)] + SGML_FOOTER
    parsed = errors = 0
    for doc in _mutations(base, rng, 2000):
        try:
            parse_form4(doc)
            parsed += 1
        except InsiderKitError:
            errors += 1
    assert parsed + errors == 2000 and parsed > 0 and errors > 0
    z = write_form345_zip(tmp_path / "2024q3_form345.zip").read_bytes()
    outcomes = {"read": 0, "error": 0}
    for k in range(300):
        b = bytearray(z)
        for _ in range(int(rng.integers(1, 4))):
            b[int(rng.integers(0, len(b)))] ^= 1 << int(rng.integers(0, 8))
        f = tmp_path / f"m{k}_form345.zip"
        f.write_bytes(bytes(b))
        try:
            q = read_quarter(f)
            assert q.stats["kept"] + q.stats["dropped"] == q.stats["transaction_rows"]
            outcomes["read"] += 1
        except InsiderKitError:
            outcomes["error"] += 1
        f.unlink()
    assert sum(outcomes.values()) == 300 and outcomes["error"] > 0


# ----------------------------------------------------------------------------------------- concurrency
def _build(root: str) -> str:
    try:
        build_tidy(DataPaths(Path(root)), progress=False)
        return "ok"
    except InsiderKitError as exc:
        return f"error: {exc}"


def test_two_builds_at_once_equal_one_build(tmp_path: Path) -> None:
    from insider_kit.sample import SampleSpec, generate_sample

    root = tmp_path / "s"
    generate_sample(root, seed=9, spec=SampleSpec(n_firms=30, start="2019-01-02", end="2021-12-31"), progress=False)
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        outcomes = pool.map(_build, [str(root), str(root)])
    assert outcomes == ["ok", "ok"]  # the second waited for the first's lock
    p = DataPaths(root)
    assert tidy_is_current(p)
    both = load_transactions(p)
    one = tmp_path / "one"
    generate_sample(one, seed=9, spec=SampleSpec(n_firms=30, start="2019-01-02", end="2021-12-31"), progress=False)
    build_tidy(DataPaths(one), progress=False)
    pd.testing.assert_frame_equal(both, load_transactions(DataPaths(one)))


def test_a_kill_between_the_two_renames_is_recovered(tmp_path: Path) -> None:
    from insider_kit.sample import SampleSpec, generate_sample

    root = tmp_path / "s"
    generate_sample(root, seed=9, spec=SampleSpec(n_firms=10, start="2020-01-02", end="2021-06-30"), progress=False)
    p = DataPaths(root)
    build_tidy(p, progress=False)
    before = load_transactions(p)
    p.tidy.rename(p.tidy_old)  # the state a build killed after its first rename leaves (no complete staging)
    assert not p.tidy.exists()
    pd.testing.assert_frame_equal(load_transactions(p), before)  # the old table is put back
    assert not p.tidy_old.exists()


def test_unwritable_data_directory_is_a_clear_error(tmp_path: Path) -> None:
    """A directory the build cannot write into (here: its lock file cannot be created, which also holds as
    root, who ignores permission bits) stops with a DataError naming it, before any work."""
    from insider_kit.sample import SampleSpec, generate_sample

    root = tmp_path / "s"
    generate_sample(root, seed=9, spec=SampleSpec(n_firms=10, start="2020-01-02", end="2021-06-30"), progress=False)
    DataPaths(root).lock.mkdir()  # open(..., "a+") on it fails like on a read-only directory
    with pytest.raises(ik.DataError, match="writable"):
        build_tidy(DataPaths(root), progress=False)
