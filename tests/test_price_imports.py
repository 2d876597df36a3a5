"""Price and factor files as researchers hold them (issues #35.2, #35.5, #39.1, #39.6, #39.7): what a file holds
(prices or returns, adjusted or not) decided from its values and columns, tickers from file names, folders with
placeholders and junk, all-or-nothing imports, the coverage of the trades, and Kenneth French's daily files.

Each test's docstring names the silent wrong answer it guards against.  The fixtures are written here in the
public layouts: yfinance ``Date,Open,High,Low,Close,Adj Close,Volume`` (with and without UTC offsets, and its
multi-level CSV), AlphaVantage ``timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,
split_coefficient``, wide and long files, CRSP ``date,permno,ret,dlret`` and French's daily CSVs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import insider_kit as ik
from insider_kit.cli import main
from insider_kit.config import DataPaths
from insider_kit.errors import DataError
from insider_kit.prices import load_factors, read_price_file
from insider_kit.prices.imports import import_prices, imported_market
from insider_kit.prices.yf import read_cached

DAYS = pd.bdate_range("2019-01-02", periods=300)


def walk(seed: int, n: int = 300, start: float = 50.0, vol: float = 0.015) -> np.ndarray:
    """A positive price path (geometric random walk)."""
    r = np.random.default_rng(seed).normal(0.0003, vol, n)
    return start * np.exp(np.cumsum(r))


def rets(seed: int, n: int = 300, vol: float = 0.01) -> np.ndarray:
    """Daily decimal returns of an index."""
    return np.random.default_rng(seed).normal(0.0003, vol, n)


def yf_csv(path: Path, adj: np.ndarray, close: np.ndarray | None = None, *, days: pd.DatetimeIndex = DAYS,
           offsets: bool = False, adj_column: bool = True) -> Path:
    """A per-ticker file as ``yf.download(t).to_csv()`` wrote it before version 0.2.51 (UTC offsets as
    ``Ticker.history`` writes them when *offsets*)."""
    close = adj if close is None else close
    d = days[: len(adj)]
    date = (d.tz_localize("America/New_York").strftime("%Y-%m-%d %H:%M:%S%z")
            .str.replace(r"(\d{2})(\d{2})$", r"\1:\2", regex=True) if offsets else d.strftime("%Y-%m-%d"))
    df = pd.DataFrame({"Date": date, "Open": close, "High": close * 1.01, "Low": close * 0.99, "Close": close})
    if adj_column:
        df["Adj Close"] = adj
    df["Volume"] = 1000
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return path


def series_csv(path: Path, header: str, values: np.ndarray, *, days: pd.DatetimeIndex = DAYS,
               date_header: str = "Date", fmt: str = "%Y-%m-%d") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{date_header},{header}\n" + "".join(f"{d:{fmt}},{float(v)!r}\n" for d, v in zip(days, values, strict=False)))
    return path


def cached(p: DataPaths, ticker: str) -> tuple[pd.Series, dict[str, object]]:
    return read_cached(p.raw_prices / f"{ticker}.parquet")


# --------------------------------------------------------------------------- prices or returns
@pytest.mark.parametrize("header", ["Close", "value", "vwretd", "sprtrn", "SP500", "Adj Close", "ret"])
def test_a_returns_file_is_returns_whatever_its_column_is_called(tmp_path: Path, header: str) -> None:
    """Guards against storing daily returns as a price index because the value column is not called ``ret``
    (issue #35.2: purchase CARs of +11,860%): the values decide, and the market's returns come back exactly."""
    r = rets(1)
    f = series_csv(tmp_path / "spx.csv", header, r)
    p = DataPaths(tmp_path / "data")
    out = import_prices(p, [yf_csv(tmp_path / "in" / "AAA.csv", walk(2))], market=str(f))
    assert out.attrs["market"] == ("SP500" if header == "SP500" else "SPX")  # a wide file's column names its ticker
    assert "returns, from the values" in out.attrs["market_reason"]
    s, meta = cached(p, out.attrs["market"])
    assert meta["kind"] == "return"
    np.testing.assert_allclose(s.pct_change().to_numpy()[1:], r[1:], rtol=1e-12, atol=1e-15)
    assert s.pct_change().abs().max() < 0.1  # not 250x a day


def test_the_readme_vwretd_example(tmp_path: Path) -> None:
    """The README's own ``--market vwretd.csv`` (a CRSP index file ``caldt,vwretd``, dates YYYYMMDD) is read as
    returns: the issue found it would be stored as prices."""
    r = rets(3)
    f = series_csv(tmp_path / "vwretd.csv", "vwretd", r, date_header="caldt", fmt="%Y%m%d")
    p = DataPaths(tmp_path / "data")
    yf_csv(tmp_path / "px" / "AAA.csv", walk(4))
    assert main(["-q", "import", "prices", str(tmp_path / "px"), "--market", str(f), "--data", str(p.root)]) == 0
    s, meta = cached(p, "VWRETD")
    assert meta["kind"] == "return" and imported_market(p) == "VWRETD"
    np.testing.assert_allclose(s.pct_change().to_numpy()[1:], r[1:], rtol=1e-12, atol=1e-15)


def test_adjusted_column_preferred_and_a_close_only_file_is_flagged(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against reading ``Close`` when ``Adj Close`` is there (a 2:1 split became a -50% day) and against
    importing a close-only file without saying it may be unadjusted."""
    adj = walk(5)
    close = adj.copy()
    close[:150] *= 2.0  # the raw close before a 2:1 split on day 150
    yf_csv(tmp_path / "px" / "SPLT.csv", adj, close, offsets=True)
    yf_csv(tmp_path / "px" / "RAW.csv", close, adj_column=False)
    p = DataPaths(tmp_path / "data")
    assert main(["-q", "import", "prices", str(tmp_path / "px"), "--data", str(p.root)]) == 0
    s, meta = cached(p, "SPLT")
    np.testing.assert_allclose(s.to_numpy(), adj, rtol=1e-12)
    assert meta["adjusted"] is True and meta["value_column"] == "Adj Close"
    assert s.pct_change().min() > -0.2  # no split day
    _, raw = cached(p, "RAW")
    assert raw["adjusted"] is False and raw["value_column"] == "Close"
    out = capsys.readouterr().out
    assert "not adjusted (a close only: a split shows as a jump): 1 series: RAW" in out
    from insider_kit.prices.imports import price_provenance

    prov = price_provenance(p).set_index("ticker")  # what the data-quality section can show
    assert prov["adjusted"].to_dict() == {"RAW": False, "SPLT": True}
    assert (prov["kind"] == "price").all() and prov.loc["RAW", "value_column"] == "Close"


def test_alphavantage_layout_and_file_names(tmp_path: Path) -> None:
    """AlphaVantage files (``timestamp,...,close,adjusted_close,...``, newest first, named
    ``DA-AAPL-T-2021-04-21.csv``): the adjusted column is used (the 4:1 split in ``close`` is not a -75% day),
    the ticker comes from ``--ticker-pattern``, and without the pattern the name is refused with that hint
    (issue #35: tickers taken from such names matched none of the trades, with no warning)."""
    d = pd.bdate_range("2020-06-01", periods=120)
    adj = walk(6, 120, start=120.0)
    close = np.where(np.arange(120) < 60, adj * 4, adj)
    folder = tmp_path / "av"
    folder.mkdir()
    for t, a, c in (("AAPL", adj, close), ("MSFT", walk(7, 120), walk(7, 120))):
        rows = [f"{x:%Y-%m-%d},{ci},{ci},{ci},{ci},{ai},1000,0.0000,{4.0 if k == 60 else 1.0}"
                for k, (x, ai, ci) in enumerate(zip(d, a, c, strict=True))]
        (folder / f"DA-{t}-T-2021-04-21.csv").write_text(
            "timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient\n"
            + "\n".join(reversed(rows)) + "\n")
    p = DataPaths(tmp_path / "data")
    with pytest.raises(DataError, match=r"DA-AAPL-T-2021-04-21\.csv.*not a ticker") as e:
        import_prices(p, [folder])
    assert "--ticker-pattern '^DA-(?P<ticker>[^-]+)-'" in (e.value.hint or "")
    assert not p.raw_prices.exists()  # nothing written
    out = import_prices(p, [folder], ticker_pattern=r"DA-(?P<ticker>[^-]+)-T-")
    assert sorted(out["ticker"]) == ["AAPL", "MSFT"] and out["adjusted"].all()
    s, meta = cached(p, "AAPL")
    assert meta["value_column"] == "adjusted_close" and s.index.is_monotonic_increasing
    np.testing.assert_allclose(s.to_numpy(), adj, rtol=1e-12)
    assert s.pct_change().min() > -0.2


@pytest.mark.parametrize("adj_close", [True, False])
def test_yfinance_multi_level_csv(tmp_path: Path, adj_close: bool) -> None:
    """yfinance 0.2.51+ writes ``Price,...`` / ``Ticker,...`` / ``Date,,,`` header rows: the tickers come from
    its Ticker row (not from the file's name or the first header row), and Adj Close is used when present;
    without it (auto_adjust=True) Close holds the adjusted prices."""
    a, b = walk(8, 40), walk(9, 40)
    fields = (["Adj Close"] if adj_close else []) + ["Close", "High", "Low", "Open", "Volume"]
    cols = [(fld, t) for fld in fields for t in ("AAPL", "BRK.B")]
    lines = ["Price," + ",".join(c[0] for c in cols), "Ticker," + ",".join(c[1] for c in cols), "Date" + "," * len(cols)]
    for k, d in enumerate(DAYS[:40]):
        vals = {("Adj Close", "AAPL"): a[k], ("Adj Close", "BRK.B"): b[k], ("Close", "AAPL"): a[k] * (1 if not adj_close else 3),
                ("Close", "BRK.B"): b[k] * (1 if not adj_close else 3)}
        lines.append(f"{d:%Y-%m-%d}," + ",".join(repr(float(vals.get(c, 1.0))) for c in cols))
    f = tmp_path / "download.csv"
    f.write_text("\n".join(lines) + "\n")
    w, kind = read_price_file(f)
    assert kind == "price" and list(w.columns) == ["AAPL", "BRK-B"] and w.attrs["adjusted"] is True
    np.testing.assert_allclose(w["AAPL"].to_numpy(), a, rtol=1e-12)
    np.testing.assert_allclose(w["BRK-B"].to_numpy(), b, rtol=1e-12)


def test_returns_in_percent_refused_unless_said_and_then_divided(tmp_path: Path) -> None:
    """Guards against market returns in percent read as decimals (issue #39.7: the planted purchase effect became
    "contradicted" at about -536%): refused with the option named; converted only when the user says so."""
    r = rets(10)
    f = series_csv(tmp_path / "spx.csv", "Close", r * 100)
    p = DataPaths(tmp_path / "data")
    px = yf_csv(tmp_path / "px" / "AAA.csv", walk(11))
    with pytest.raises(DataError, match="look like percent") as e:
        import_prices(p, [px], market=str(f))
    assert "--returns-in percent" in (e.value.hint or "")
    assert not p.raw_prices.exists()
    assert main(["-q", "import", "prices", str(px), "--market", str(f), "--returns-in", "percent",
                 "--data", str(p.root)]) == 0
    s, _ = cached(p, "SPX")
    np.testing.assert_allclose(s.pct_change().to_numpy()[1:], r[1:], rtol=1e-9)
    # percent stated for decimals: refused, not divided again
    g = series_csv(tmp_path / "dec.csv", "ret", r)
    with pytest.raises(DataError, match="look like decimals already"):
        import_prices(p, [px], market=str(g), returns_in="percent")


def test_a_return_below_minus_100_percent_is_refused(tmp_path: Path) -> None:
    """Guards against a -150% "return" (a percent value among decimals, or a corrupt cell) kept in a market
    series: refused with its date."""
    r = rets(12)
    r[100] = -1.5
    f = series_csv(tmp_path / "m.csv", "ret", r)
    with pytest.raises(DataError, match=rf"below -100% \(-1.5\) on {DAYS[100]:%Y-%m-%d}"):
        read_price_file(f)
    r[100] = 500.0  # +50,000% in a day: a corrupt cell, whose compounded index would leave the float range
    series_csv(f, "ret", r)
    with pytest.raises(DataError, match=rf"a return of 500 \(50000%\) on {DAYS[100]:%Y-%m-%d}: not a daily return"):
        read_price_file(f)


def test_unclear_values_are_refused_with_the_option_to_say_it(tmp_path: Path) -> None:
    """Three small positive numbers could be a penny stock's prices or three returns: never guessed.  The market
    file's refusal names ``--market-kind``, a price file's ``--kind``; saying it imports."""
    f = tmp_path / "idx.csv"
    f.write_text("Date,IDX\n2024-01-02,0.0100\n2024-01-03,0.0120\n2024-01-04,0.0110\n")
    px = yf_csv(tmp_path / "px" / "AAA.csv", walk(13))
    p = DataPaths(tmp_path / "data")
    with pytest.raises(DataError, match="cannot tell whether the values are prices or returns") as e:
        import_prices(p, [px], market=str(f))
    assert "--market-kind price or --market-kind return" in (e.value.hint or "")
    import_prices(p, [px], market=str(f), market_kind="return")
    assert cached(p, "IDX")[1]["kind"] == "return"
    g = tmp_path / "wide" / "w.csv"
    g.parent.mkdir()
    g.write_text("Date,PNY\n2024-01-02,0.0100\n2024-01-03,0.0120\n")
    with pytest.raises(DataError, match="cannot tell") as e:
        import_prices(p, [g])
    assert "--kind price or --kind return" in (e.value.hint or "")
    assert import_prices(p, [g], kind="price")["kind"].tolist() == ["price"]


def test_one_file_holds_one_kind(tmp_path: Path) -> None:
    """A wide file with a price column beside a returns column is refused (one of the two would be misread)."""
    f = tmp_path / "w.csv"
    pd.DataFrame({"Date": DAYS.strftime("%Y-%m-%d"), "AAA": walk(14), "SPX": rets(15)}).to_csv(f, index=False)
    with pytest.raises(DataError, match=r"like prices \(AAA.*like returns \(SPX"):
        read_price_file(f)
    with pytest.raises(DataError, match="stated to hold prices, but column 'SPX' looks like returns"):
        read_price_file(f, kind="price")


@pytest.mark.parametrize("values,verdict", [
    (list(walk(20)), "price"),
    (list(walk(21, start=0.02)), "price"),  # a penny stock: small levels, small relative changes
    ([*walk(22)[:298], -1.0, 0.0], "price"),  # two data errors among 300 prices
    ([10.0, 10.5], "price"),  # two levels: a 5% move, not a +1,000% return
    (list(rets(23)), "return"),
    (list(np.where(np.arange(300) % 3 == 0, 0.0, rets(24))), "return"),  # a third of the days without a trade
    (list(rets(25) * 100), "percent"),
    ([0.01, 0.012, 0.011], "unknown"),
    (list(np.abs(rets(26)) + 0.001), "unknown"),  # all positive but jumping: neither
    ([], "empty"),
])
def test_classify_values(values: list[float], verdict: str) -> None:
    from insider_kit.prices.files import classify_values

    assert classify_values(np.asarray(values, dtype=float))[0] == verdict


# --------------------------------------------------------------------------- numbers and text
@pytest.mark.parametrize("text,decimal,value", [
    ("1234.5", ".", 1234.5), ("1,234.5", ".", 1234.5), ("$1,234.50", ".", 1234.5), ("-$5", ".", -5.0),
    ("(5)", ".", -5.0), ("\u22125.5", ".", -5.5), ("1.2e3", ".", 1200.0), ("  7 ", ".", 7.0), ("3,3375", ",", 3.3375),
    ("1.234,5", ",", 1234.5), ("null", ".", None), ("", ".", None), ("#N/A", ".", None), ("NaN", ".", None),
    ("1,2,3", ".", "bad"), ("4.000,5", ".", "bad"), ("1e2147483648", ".", "bad"), ("1e308", ".", "bad"),
    ("inf", ".", "bad"), ("12abc", ".", "bad"), ("(-5)", ".", "bad"), ("--5", ".", "bad"), ("1e-2147483649", ".", 0.0),
    ("123,45", ".", "bad"),
])
def test_numbers_by_rule(text: str, decimal: str, value: float | str | None) -> None:
    """The one numeric path of the price readers (the kit's bounded parser, ``insider_kit._parse``, after the
    price files' missing markers): by rule, bounded (no exponent reaches a parser that can crash), a junk cell
    flagged rather than read as something else (``1,2,3`` is not 123, ``123,45`` not 12,345)."""
    from insider_kit.prices.files import column_numbers

    v, why = column_numbers(pd.Series([text], dtype=object), decimal)
    if value == "bad":
        assert why[0] is not None and np.isnan(v[0])
    elif value is None:
        assert why[0] is None and np.isnan(v[0])
    else:
        assert why[0] is None and v[0] == pytest.approx(value)


def test_a_huge_exponent_is_an_error_not_a_crash(tmp_path: Path) -> None:
    """Issue #39.1: one cell ``1e2147483648`` killed the process with a segmentation fault (pandas' number
    parser).  Run in a child process, so a crash fails this test instead of the whole run."""
    f = tmp_path / "AAA.csv"
    f.write_text("Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,1,1,1,1e2147483648,1\n2024-01-03,1,1,1,1,2,1\n")
    r = subprocess.run([sys.executable, "-m", "insider_kit.cli", "-q", "import", "prices", str(f),
                        "--data", str(tmp_path / "d")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, (r.returncode, r.stderr[-500:])
    assert "column 'Adj Close', line 2: non-numeric value (beyond +/-1e+10): '1e2147483648'" in r.stderr
    assert "Traceback" not in r.stderr


def test_bom_latin1_utf16_and_decimal_commas(tmp_path: Path) -> None:
    """A UTF-8 BOM gave "no date column" (issue #39.12); latin-1 and UTF-16 files and ``;``-separated files
    with decimal commas (as European spreadsheets save them) are read to the same numbers."""
    a, b = walk(30, 20), walk(31, 20)
    plain = "Date,AAA,BBB\n" + "".join(f"{d:%Y-%m-%d},{float(x)!r},{float(y)!r}\n" for d, x, y in zip(DAYS, a, b, strict=False))
    ref, _ = read_price_file(_write(tmp_path / "plain.csv", plain.encode()))
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + plain.encode())
    (tmp_path / "u16.csv").write_bytes(plain.replace("BBB\n", "BBB,Soci\u00e9t\u00e9\n").encode("utf-16"))
    (tmp_path / "l1.csv").write_bytes(plain.replace("BBB\n", "BBB,Soci\u00e9t\u00e9\n").encode("latin-1"))
    euro = plain.replace(",", ";").replace(".", ",").replace("-", "-")
    (tmp_path / "eu.csv").write_bytes(b"\xef\xbb\xbf" + euro.encode())
    for name in ("bom.csv", "u16.csv", "l1.csv", "eu.csv"):
        w, kind = read_price_file(tmp_path / name)
        assert kind == "price"
        pd.testing.assert_frame_equal(w[["AAA", "BBB"]], ref, rtol=1e-12, check_freq=False)
    skipped = read_price_file(tmp_path / "l1.csv")[0].attrs["skipped"]
    assert skipped == [{"column": "Soci\u00e9t\u00e9", "reason": "not a ticker, no values"}]  # decoded, listed


def _write(f: Path, data: bytes) -> Path:
    f.write_bytes(data)
    return f


def test_bad_cells_and_dates_are_named_by_line(tmp_path: Path) -> None:
    f = tmp_path / "AAA.csv"
    f.write_text("Date,Adj Close\n2024-01-02,10\n2024-01-03,11\n2024-01-04,1,2,3\n")
    with pytest.raises(DataError, match=r"AAA\.csv: cannot read as a table"):
        read_price_file(f)
    f.write_text("Date,Adj Close\n2024-01-02,10\n2024-01-03,11\n2024-01-04,eleven\n")
    with pytest.raises(DataError, match=r"AAA\.csv: column 'Adj Close', line 4: non-numeric value: 'eleven'"):
        read_price_file(f)
    f.write_text("Date,Adj Close\n2024-01-02,10\n2024-02-30,11\n")
    with pytest.raises(DataError, match=r"column 'Date', line 3: unparseable date.*'2024-02-30'"):
        read_price_file(f)


# --------------------------------------------------------------------------- tickers from file names
def test_ticker_from_filename() -> None:
    from insider_kit.tickers import TickerNameError, ticker_from_filename

    assert [ticker_from_filename(n) for n in ("AAPL.csv", "BRK.B.csv", "BRK-B.csv", "brk.a.csv", "^GSPC.csv",
                                              "AAPL.csv.gz", "EURUSD=X.parquet", "SIE.DE.csv")] == \
        ["AAPL", "BRK-B", "BRK-B", "BRK-A", "^GSPC", "AAPL", "EURUSD=X", "SIE-DE"]
    for junk in ("AB CD.csv", "NONE.csv", "N/A.csv", "UHAL,UHALB.csv", "(CALX).csv", "-.csv", "DA-AAPL-T-2021-04-21.csv",
                 "aapl prices.csv", ".csv"):
        with pytest.raises(TickerNameError):
            ticker_from_filename(junk)
    assert ticker_from_filename("AAPL_daily.csv", r"^(?P<ticker>[^_]+)_") == "AAPL"
    with pytest.raises(TickerNameError, match="does not match"):
        ticker_from_filename("x.csv", r"DA-(?P<ticker>[^-]+)-T-")


def test_share_classes_stay_apart_and_collisions_are_named(tmp_path: Path) -> None:
    """Issue #39.6: ``BRK.A.csv`` and ``BRK.B.csv`` both became ``BRK`` (one series lost, the other mislabelled,
    "imported 2" reported) and ``aaa.csv``/``AAA.csv`` overwrote each other.  Share classes are two tickers;
    two files for one ticker are an error naming both, nothing written; byte-identical ones are kept once."""
    folder = tmp_path / "px"
    a, b = walk(40, start=600_000.0), walk(41, start=400.0)
    yf_csv(folder / "BRK.A.csv", a)
    yf_csv(folder / "BRK.B.csv", b)
    p = DataPaths(tmp_path / "data")
    out = import_prices(p, [folder])
    assert sorted(out["ticker"]) == ["BRK-A", "BRK-B"]
    np.testing.assert_allclose(cached(p, "BRK-A")[0].to_numpy(), a)
    np.testing.assert_allclose(cached(p, "BRK-B")[0].to_numpy(), b)
    for other, name in (("aaa.csv", "AAA.csv"), ("BRK-B.csv", "BRK.B.csv")):
        f2 = tmp_path / f"clash-{name}"
        yf_csv(f2 / name, walk(42))
        yf_csv(f2 / other, walk(43))
        q = DataPaths(tmp_path / f"d-{name}")
        with pytest.raises(DataError, match=rf"({name}|{other}) and ({name}|{other}) both give ticker") as e:
            import_prices(q, [f2])
        assert "nothing was imported" in (e.value.hint or "")
        assert not q.raw_prices.exists()
        (f2 / other).write_bytes((f2 / name).read_bytes())  # the same file saved twice
        out = import_prices(q, [f2])
        assert len(out) == 1 and "the same bytes as" in out.attrs["skipped"]["reason"].iloc[0]


def test_junk_file_names_are_refused_not_truncated(tmp_path: Path) -> None:
    """``AB CD.csv`` became ticker ``AB`` and ``NONE.csv`` a ticker called NONE: each refused by name, and with
    --skip-bad listed while the rest is imported."""
    folder = tmp_path / "px"
    for n in ("AB CD", "NONE", "GOOD"):
        yf_csv(folder / f"{n}.csv", walk(44))
    p = DataPaths(tmp_path / "data")
    with pytest.raises(DataError, match=r"AB CD\.csv: the file name 'AB CD' is not a ticker.*and 1 more file"):
        import_prices(p, [folder])
    out = import_prices(p, [folder], skip_bad=True)
    assert out["ticker"].tolist() == ["GOOD"]
    sk = out.attrs["skipped"]
    assert sorted(Path(f).name for f in sk["file"]) == ["AB CD.csv", "NONE.csv"]
    assert not (p.raw_prices / "AB.parquet").exists() and not (p.raw_prices / "NONE.parquet").exists()


def test_wide_file_junk_and_empty_columns(tmp_path: Path) -> None:
    """A wide download with empty columns under junk symbols (``(CALX)``, ``-``, ``UHAL,UHALB``) and empty
    tickers: skipped and listed.  A junk symbol that holds values (``WSO; WSOB``) is refused, never cut to
    ``WSO`` or invented; with skip_bad it is listed and left out."""
    df = pd.DataFrame({"Date": DAYS.strftime("%Y-%m-%d"), "(CALX)": np.nan, "-": np.nan, "AAA": walk(45),
                       "UHAL,UHALB": np.nan, "ZZZ": np.nan, "WSO; WSOB": walk(46), "^GSPC": walk(47, start=4000.0)})
    f = tmp_path / "wide.csv"
    df.to_csv(f, index=False)
    p = DataPaths(tmp_path / "data")
    with pytest.raises(DataError, match=r"column 'WSO; WSOB' holds 300 values but is not a ticker"):
        import_prices(p, [f], market="^GSPC")
    out = import_prices(p, [f], market="^GSPC", skip_bad=True)
    assert sorted(out["ticker"]) == ["AAA", "^GSPC"] and imported_market(p) == "^GSPC"
    reasons = dict(zip(out.attrs["skipped"]["column"], out.attrs["skipped"]["reason"], strict=True))
    assert reasons == {"(CALX)": "not a ticker, no values", "-": "not a ticker, no values",
                       "UHAL,UHALB": "not a ticker, no values", "ZZZ": "no values",
                       "WSO; WSOB": "not a ticker (300 values)"}


def test_long_files_and_crsp_with_a_link(tmp_path: Path) -> None:
    """CRSP ``date,permno,ret,dlret``: tickers through the link, delisting returns compounded, CRSP's missing
    codes (``C``, -99) missing rather than -9,900%; a link row with a junk ticker is refused by its line (it
    became a ticker called ``None``), a missing or binary link is one line, a PERMNO without a link refused."""
    crsp = tmp_path / "dsf.csv"
    crsp.write_text("date,permno,ret,dlret\n20240102,10001,C,\n20240103,10001,0.10,\n20240104,10001,0.10,-0.5\n"
                    "20240102,10002,0.01,\n20240103,10002,-99,\n20240104,10002,-0.02,\n"
                    "20240102,10003,0.02,\n20240103,10003,-0.01,\n20240104,10003,0.03,\n")
    link = tmp_path / "link.csv"
    link.write_text("permno,ticker\n10001,AAA\n10002,brk.b\n10003,CCC\n")
    p = DataPaths(tmp_path / "data")
    mkt = series_csv(tmp_path / "vwretd.csv", "vwretd", rets(5, 7), days=pd.bdate_range("2024-01-02", periods=7))
    out = import_prices(p, [crsp], link=link, market=str(mkt))
    assert sorted(out["ticker"]) == ["AAA", "BRK-B", "CCC"]
    s, meta = cached(p, "AAA")
    assert meta["kind"] == "return" and meta["value_column"] == "ret"
    assert s.pct_change().iloc[-1] == pytest.approx(0.10)
    b, _ = cached(p, "BRK-B")
    assert len(b) == 2  # -99 is CRSP's "no price", not a return
    # the delisting return goes where the returns panel reads it, and the panel puts it on the next trading day
    from insider_kit.study import read_delistings

    dl = read_delistings(p)
    assert dl is not None and dl.values.tolist() == [["AAA", pd.Timestamp("2024-01-04"), -0.5]]
    panel = ik.returns_panel(ik.load_prices(p.raw_prices), market="VWRETD", delistings=dl)
    j = list(panel.tickers).index("AAA")
    assert panel.values[panel.dates.get_loc(pd.Timestamp("2024-01-05")), j] == pytest.approx(-0.5)
    import_prices(p, [crsp], link=link)  # imported again: the row replaced, not doubled
    assert len(read_delistings(p)) == 1  # type: ignore[arg-type]
    bad = tmp_path / "bad_link.csv"
    bad.write_text("permno,ticker\n10001,AAA\n10002,NONE\n10003,CCC\n")
    with pytest.raises(DataError, match=r"bad_link\.csv: line 3: 'NONE' is not a ticker \(PERMNO 10002\)"):
        import_prices(DataPaths(tmp_path / "d2"), [crsp], link=bad)
    with pytest.raises(DataError, match="identifies stocks by PERMNO") as e:
        import_prices(DataPaths(tmp_path / "d3"), [crsp])
    assert "--link" in (e.value.hint or "")
    short = tmp_path / "short.csv"
    short.write_text("permno,ticker\n10001,AAA\n")
    with pytest.raises(DataError, match=r"PERMNO\(s\) 10002, 10003 are not in the link file"):
        import_prices(DataPaths(tmp_path / "d4"), [crsp], link=short)
    binary = tmp_path / "link.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    for lk in (tmp_path / "missing.csv", binary):
        r = subprocess.run([sys.executable, "-m", "insider_kit.cli", "-q", "import", "prices", str(crsp), "--link", str(lk),
                            "--data", str(tmp_path / "d5")], capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and "Traceback" not in r.stderr and lk.name in r.stderr, r.stderr
    assert not (tmp_path / "d5" / "raw" / "prices").exists()


def test_long_file_with_two_spellings_of_one_ticker(tmp_path: Path) -> None:
    f = tmp_path / "long.csv"
    f.write_text("date,ticker,adj_close\n2024-01-02,aaa,10\n2024-01-02,AAA,11\n2024-01-03,AAA,12\n")
    with pytest.raises(DataError, match="ticker AAA is written 'aaa', 'AAA'"):
        read_price_file(f)
    f.write_text("date,ticker,adj_close\n2024-01-02,AAA,10\n2024-01-03,N/A,12\n")
    with pytest.raises(DataError, match=r"line 3: 'N/A' in column 'ticker' is not a ticker"):
        read_price_file(f)


# --------------------------------------------------------------------------- folders
def test_folder_all_or_nothing_placeholders_and_skip_bad(tmp_path: Path) -> None:
    """Issue #35.7: one bad file aborted the run after 56 files were already written.  Now nothing is written when
    a file fails; placeholders (empty, header-only, no values) are skipped and listed either way; --skip-bad
    imports the rest and lists the bad file."""
    folder = tmp_path / "px"
    for k in range(30):
        yf_csv(folder / f"T{k:02d}.csv", walk(100 + k))
    (folder / "EMPTY.csv").write_bytes(b"")
    (folder / "HDR.csv").write_text("Date,Open,High,Low,Close,Adj Close,Volume\n")
    (folder / "NOVAL.csv").write_text("Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,,,,,,\n2024-01-03,,,,,,\n")
    (folder / "notes.json").write_text("{}")
    bad = yf_csv(folder / "T15.csv", walk(115))
    lines = bad.read_text().split("\n")
    lines[41] = lines[41].rsplit(",", 2)[0] + ",n/a?,1000"  # an Adj Close cell that is not a number
    bad.write_text("\n".join(lines))
    p = DataPaths(tmp_path / "data")
    with pytest.raises(DataError, match=r"T15\.csv: column 'Adj Close', line 42: non-numeric value: 'n/a\?'"):
        import_prices(p, [folder])
    assert not p.raw_prices.exists() and not (p.raw_imported / "manifest.json").exists()
    out = import_prices(p, [folder], skip_bad=True)
    assert len(out) == 29 and "T15" not in set(out["ticker"])
    sk = out.attrs["skipped"].assign(name=lambda d: d["file"].map(lambda x: Path(x).name)).set_index("name")["reason"]
    assert sk["EMPTY.csv"].startswith("placeholder: file is empty")
    assert sk["HDR.csv"] == "placeholder: a header without rows"
    assert sk["NOVAL.csv"].startswith("placeholder: no values")
    assert "not a price file name" in sk["notes.json"] and "non-numeric" in sk["T15.csv"]
    assert sorted(f.stem for f in p.raw_prices.glob("*.parquet")) == sorted(out["ticker"])
    man = json.loads((p.raw_imported / "manifest.json").read_text())
    assert man[-1]["kind"] == "prices" and man[-1]["tickers"] == 29 and man[-1]["skipped"] == 5


def test_globs_and_a_damaged_record(tmp_path: Path) -> None:
    folder = tmp_path / "px"
    for k, t in enumerate(("AAA", "ABB", "BBB")):
        yf_csv(folder / f"{t}.csv", walk(80 + k))  # (distinct series: identical files under two tickers are refused)
    p = DataPaths(tmp_path / "data")
    assert sorted(import_prices(p, [str(folder / "A*.csv")])["ticker"]) == ["AAA", "ABB"]
    with pytest.raises(DataError, match="no file matches"):
        import_prices(p, [str(folder / "Z*.csv")])
    q = DataPaths(tmp_path / "d2")
    q.raw_imported.mkdir(parents=True)
    (q.raw_imported / "manifest.json").write_text('[{"kind": "prices"')
    with pytest.raises(DataError, match=r"manifest\.json: the import record is damaged"):
        import_prices(q, [folder])
    assert not q.raw_prices.exists()  # checked before any price file is written


def test_two_importers_at_once_lose_no_record(tmp_path: Path) -> None:
    """Issue #39.10: manifest writes were not locked (192 of 400 entries lost with two writers).  A price import
    takes the import lock (``raw/imported/.import.lock``, the one the transaction importer takes): while another
    process holds it, the import waits and writes nothing; two importers in a loop keep every entry."""
    import time

    from insider_kit._io import directory_lock

    folder = tmp_path / "px"
    yf_csv(folder / "AAA.csv", walk(50, 20))
    data = tmp_path / "data"
    code = ("import sys\nfrom insider_kit.config import DataPaths\nfrom insider_kit.prices.imports import import_prices\n"
            "print('ready', flush=True)\n"
            f"for _ in range(int(sys.argv[1])):\n    import_prices(DataPaths({str(data)!r}), [{str(folder)!r}])\n")
    imported = data / "raw" / "imported"
    imported.mkdir(parents=True)
    with directory_lock(imported / ".import.lock"):
        waiting = subprocess.Popen([sys.executable, "-c", code, "1"], stdout=subprocess.PIPE, text=True)
        assert waiting.stdout is not None and waiting.stdout.readline().strip() == "ready"
        time.sleep(3.0)  # (an unlocked import of one 20-row file is done well before this)
        assert waiting.poll() is None  # still waiting for the lock
        assert not (imported / "manifest.json").exists() and not (data / "raw" / "prices").exists()
    assert waiting.wait(timeout=120) == 0
    procs = [subprocess.Popen([sys.executable, "-c", code, "12"], stdout=subprocess.DEVNULL) for _ in range(2)]
    assert [pr.wait(timeout=300) for pr in procs] == [0, 0]
    assert len(json.loads((imported / "manifest.json").read_text())) == 25


# --------------------------------------------------------------------------- coverage
def _trades(p: DataPaths, rows: list[tuple[str, str, str]]) -> None:
    d = p.raw_imported / "transactions"
    d.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=["ticker", "trans_code", "filing_date"]).assign(
        filing_date=lambda x: pd.to_datetime(x["filing_date"]), trans_date=lambda x: x["filing_date"]
    ).to_parquet(d / "mine.parquet")


def test_coverage_of_the_trades_at_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue #35: prices ending in 2021-07 against trades running to 2026 and file-name tickers matching no trade
    were imported without a word.  The coverage is printed and returned, each count checked by hand."""
    p = DataPaths(tmp_path / "data")
    _trades(p, [("AAA", "P", "2019-03-01"), ("AAA", "S", "2019-06-03"), ("AAA", "P", "2026-05-01"),
                ("BBB", "S", "2019-04-01"), ("CCC", "P", "2019-05-01"), ("CCC", "A", "2019-05-01"),
                ("DDD", "S", "2019-05-02")])
    folder = tmp_path / "px"
    for t in ("AAA", "BBB", "XYZ"):
        yf_csv(folder / f"{t}.csv", walk(60 + len(t) + ord(t[0])))  # 300 days from 2019-01-02: the last is 2020-02-25
    assert main(["-q", "import", "prices", str(folder), "--data", str(p.root)]) == 0
    text = capsys.readouterr().out
    cov = import_prices(p, [folder]).attrs["coverage"].set_index("measure")
    # event tickers AAA, BBB, CCC, DDD (the A grant is not a P/S trade): prices for AAA and BBB
    assert cov.loc["event tickers with prices", ["count", "of"]].tolist() == [2, 4]
    assert cov.loc["event tickers with prices", "detail"] == "without prices: CCC, DDD"
    assert cov.loc["P/S trades whose ticker has prices", ["count", "of"]].tolist() == [4, 6]
    assert cov.loc["P/S trades after their ticker's last price", ["count", "of"]].tolist() == [1, 4]
    assert cov.loc["imported tickers that match no trade", "detail"] == "XYZ"
    assert "trades after 2020-02-25 cannot be studied" in cov.loc["date span", "detail"]
    assert "event tickers with prices: 2 of 4 (50.0%); without prices: CCC, DDD" in text
    assert "stock prices 2019-01-02 .. 2020-02-25, trades 2019-03-01 .. 2026-05-01: trades after 2020-02-25 cannot be studied" in text
    q = DataPaths(tmp_path / "none")
    out = import_prices(q, [folder])
    assert out.attrs["coverage"].empty  # no trades: nothing to say


def test_coverage_reads_the_tidy_tables(tmp_path: Path) -> None:
    p = DataPaths(tmp_path / "data")
    part = p.transactions / "quarter=2019q1"
    part.mkdir(parents=True)
    pd.DataFrame({"ticker": ["AAA", "BBB"], "trans_code": ["P", "S"], "table": ["nonderivative", "derivative"],
                  "filing_date": pd.to_datetime(["2019-02-01", "2019-02-01"]),
                  "trans_date": pd.to_datetime(["2019-01-30", "2019-01-30"])}).to_parquet(part / "part-0.parquet")
    cov = import_prices(p, [yf_csv(tmp_path / "AAA.csv", walk(61))]).attrs["coverage"]
    assert cov.attrs["source"] == "tidy/transactions"
    assert cov.set_index("measure").loc["P/S trades whose ticker has prices", ["count", "of"]].tolist() == [1, 1]


# --------------------------------------------------------------------------- French factors
def _french(cols: list[str], rows: list[tuple[str, list[float]]], *, sep: str = ",", dec: str = ".") -> str:
    lines = ["This file was created by hand in the layout of Kenneth French's daily files.", "",
             sep + sep.join(cols)]
    lines += [d + sep + sep.join(f"{v:8.2f}".replace(".", dec) for v in vals) for d, vals in rows]
    lines += ["", "  Annual Factors: January-December", sep + sep.join(cols), "  2019" + (sep + " 1.00") * len(cols), "",
              "Copyright 2024 Eugene F. Fama and Kenneth R. French", ""]
    return "\r\n".join(lines)


def _rows(seed: int, k: int, days: pd.DatetimeIndex = DAYS[:60]) -> list[tuple[str, list[float]]]:
    v = np.round(np.random.default_rng(seed).normal(0, 0.9, (len(days), k)), 2)
    v[:, -1] = 0.01 if k > 1 else v[:, -1]
    return [(f"{d:%Y%m%d}", list(x)) for d, x in zip(days, v, strict=True)]


def test_import_factors_several_files_as_downloaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue #35.7: there was no offline way to add the Fama-French files.  The three-factor zip, the momentum
    CSV and the five-factor CSV at once: saved under the names the loader reads, decimals, footer left out."""
    r3, rm, r5 = _rows(1, 4), _rows(2, 1), _rows(3, 6)
    z = tmp_path / "F-F_Research_Data_Factors_daily_CSV.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("F-F_Research_Data_Factors_daily.CSV", _french(["Mkt-RF", "SMB", "HML", "RF"], r3))
    m = tmp_path / "F-F_Momentum_Factor_daily.CSV"
    m.write_text(_french(["Mom   "], rm))
    f5 = tmp_path / "F-F_Research_Data_5_Factors_2x3_daily.csv"
    f5.write_text(_french(["Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"], r5))
    data = tmp_path / "data"
    assert main(["-q", "import", "factors", str(z), str(m), str(f5), "--data", str(data)]) == 0
    assert sorted(x.name for x in (data / "raw" / "factors").iterdir()) == ["ff3_daily.csv", "ff5_daily.csv", "mom_daily.csv"]
    assert "ff5_daily.csv: Mkt-RF, SMB, HML, RMW, CMA, RF, 2019-01-02 .. 2019-03-26 (60 days)" in capsys.readouterr().out
    f = load_factors(data / "raw" / "factors")
    assert list(f.columns) == ["mkt_rf", "smb", "hml", "rf", "mom", "rmw", "cma", "smb5"] and len(f) == 60
    np.testing.assert_allclose(f["mkt_rf"], [v[0] / 100 for _, v in r3])
    np.testing.assert_allclose(f["mom"], [v[0] / 100 for _, v in rm])
    np.testing.assert_allclose(f[["rmw", "cma", "smb5"]], [[v[3] / 100, v[4] / 100, v[1] / 100] for _, v in r5])


def test_the_five_factor_file_alone_is_enough(tmp_path: Path) -> None:
    r5 = _rows(4, 6)
    (tmp_path / "ff5_daily.csv").write_text(_french(["Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"], r5))
    f = load_factors(tmp_path)
    assert list(f.columns) == ["mkt_rf", "smb", "hml", "rf", "rmw", "cma", "smb5"]
    np.testing.assert_allclose(f["smb"], f["smb5"])


@pytest.mark.parametrize("make,match", [
    (lambda: _french(["Mkt-RF", "SMB", "HML", "RF"], [(f"{d:%Y%m}", [0.5, 0.1, 0.2, 0.01]) for d in
                                                      pd.date_range("2019-01-31", periods=24, freq="ME")]),
     "a monthly .* file: the kit needs the daily one"),
    (lambda: _french(["Mkt-RF", "SMB", "HML", "RF"], _rows(5, 4, pd.date_range("2019-01-04", periods=40, freq="W-FRI"))),
     "a weekly file"),
    (lambda: _french(["Mkt-RF", "SMB", "HML", "RF"], [(d, [x / 100 for x in v]) for d, v in _rows(6, 4)]),
     "look like decimals already"),
    (lambda: _french(["Lo 10", "Dec 2", "Hi 10"], _rows(7, 3)), "not one of the daily factor files"),
    (lambda: _french(["Mkt-RF", "SMB", "HML", "RF"], [("20190102", [150.0, 0, 0, 0.01]), *_rows(8, 4)[1:]]),
     r"beyond 100%"),
    (lambda: _french(["Mkt-RF", "SMB", "HML", "RF"], [*_rows(9, 4)[:3], ("20190103", [1, 1, 1, 0.01])]),
     "out of order or repeated"),
])
def test_import_factors_refusals(tmp_path: Path, make: object, match: str) -> None:
    """Guards against factors that would enter a model wrongly: a monthly or weekly file, values converted to
    decimals already (divided by 100 twice), another of French's files, a corrupt value, dates out of order."""
    from insider_kit.prices.french import import_factors

    f = tmp_path / "ff.csv"
    f.write_text(make())  # type: ignore[operator]
    with pytest.raises(DataError, match=match):
        import_factors(tmp_path / "factors", [f])
    assert not (tmp_path / "factors").exists()


def test_factor_file_with_semicolons_and_decimal_commas_and_bad_inputs(tmp_path: Path) -> None:
    from insider_kit.prices.french import import_factors

    r3 = _rows(10, 4)
    f = tmp_path / "eu.csv"
    f.write_text(_french(["Mkt-RF", "SMB", "HML", "RF"], r3, sep=";", dec=","))
    import_factors(tmp_path / "factors", [f])
    np.testing.assert_allclose(load_factors(tmp_path / "factors")["hml"], [v[2] / 100 for _, v in r3])
    g = tmp_path / "two.csv"
    g.write_text(_french(["Mkt-RF", "SMB", "HML", "RF"], _rows(11, 4)))
    with pytest.raises(DataError, match=r"eu\.csv and two\.csv are both the ff3 daily file"):
        import_factors(tmp_path / "f2", [f, g])
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + bytes(200))
    r = subprocess.run([sys.executable, "-m", "insider_kit.cli", "-q", "import", "factors", str(broken), "--data",
                        str(tmp_path / "d")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "broken.zip" in r.stderr and "Traceback" not in r.stderr


# --------------------------------------------------------------------------- a researcher's folder, end to end
def test_a_researchers_folder_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As a researcher holds it: a yfinance folder of 300 per-ticker CSVs (placeholders among them, one ticker
    with an unadjusted 2:1 split in Close but a correct Adj Close, UTC offsets in half of them), an
    AlphaVantage-named file, trades imported first, and an S&P 500 *returns* file under a ``Close`` header that
    runs years past the prices.  The natural command imports adjusted prices, reads the market as returns and
    prints the coverage; every stored series equals its source (Adj Close, or the index of the returns)."""
    days = pd.bdate_range("2020-01-02", "2021-07-30")
    folder = tmp_path / "yf_csvs"
    truth: dict[str, np.ndarray] = {}
    for k in range(300):
        t = f"T{k:03d}"
        if k % 50 == 7:
            (folder / f"{t}.csv").parent.mkdir(parents=True, exist_ok=True)
            (folder / f"{t}.csv").write_text("Date,Open,High,Low,Close,Adj Close,Volume\n")  # a failed download
            continue
        adj = walk(1000 + k, len(days), start=20 + k)
        close = adj * np.where(np.arange(len(days)) < 200, 2.0, 1.0) if t == "T010" else adj
        yf_csv(folder / f"{t}.csv", adj, close, days=days, offsets=k % 2 == 1)
        truth[t] = adj
    av = walk(77, len(days), start=130.0)
    (folder / "DA-AAPL-T-2021-04-21.csv").write_text(
        "timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient\n"
        + "".join(f"{d:%Y-%m-%d},{c * 4},{c * 4},{c * 4},{c * 4},{c},10,0.0,1.0\n" for d, c in zip(days[::-1], av[::-1],
                                                                                            strict=True)))
    mdays = pd.bdate_range("2010-01-04", "2026-05-01")
    mret = rets(78, len(mdays))
    series_csv(tmp_path / "SP500.csv", "Close", mret, days=mdays)
    trades = tmp_path / "trades.csv"
    trades.write_text("Sym,Filed,Traded,Code,Qty,Px\n" + "".join(
        f"T{k:03d},2020-06-0{1 + k % 5},2020-05-29,{'P' if k % 2 else 'S'},100,10\n" for k in range(0, 330, 3))
        + "T001,2024-05-01,2024-04-29,P,100,10\nAAPL,2020-03-03,2020-02-28,S,100,10\n")
    data = tmp_path / "mydata"
    mapping = json.dumps({"Sym": "ticker", "Filed": "filing_date", "Traded": "trans_date", "Code": "trans_code",
                          "Qty": "shares", "Px": "price"})
    assert main(["-q", "import", "transactions", str(trades), "--format", "csv", "--mapping", mapping,
                 "--data", str(data)]) == 0
    capsys.readouterr()
    args = ["-q", "import", "prices", str(folder), "--market", str(tmp_path / "SP500.csv"), "--data", str(data)]
    assert main(args) == 2  # the AlphaVantage name is not a ticker: nothing imported, the fix named
    err = capsys.readouterr().err
    assert "DA-AAPL-T-2021-04-21.csv" in err and "--ticker-pattern" in err and "nothing was imported" in err
    assert not (data / "raw" / "prices").exists()
    (folder / "DA-AAPL-T-2021-04-21.csv").rename(folder / "AAPL.csv")
    assert main(args) == 0
    out = capsys.readouterr().out
    p = DataPaths(data)
    assert "imported 295 price series" in out and "market series: SP500 (returns, 2010-01-04 .. 2026-05-01)" in out
    assert "T007.csv: placeholder: a header without rows" in out
    assert "event tickers with prices: 100 of 112" in out  # T000..T327 step 3 (110) + AAPL + T001; 10 placeholders/absent
    assert "trades after 2021-07-30 cannot be studied" in out
    for t in ("T010", "T011", "T299"):
        np.testing.assert_allclose(cached(p, t)[0].to_numpy(), truth[t], rtol=1e-12)
    np.testing.assert_allclose(cached(p, "AAPL")[0].to_numpy(), av, rtol=1e-12)
    px = ik.load_prices(p.raw_prices)
    assert px["T010"].dropna().pct_change().abs().max() < 0.2  # the split in Close never reached the prices
    np.testing.assert_allclose(px["SP500"].dropna().pct_change().to_numpy()[1:], mret[1:], rtol=1e-9, atol=1e-14)


# --------------------------------------------------------------------------- real files
@pytest.mark.real_data
def test_real_wide_parquet_with_the_index_inside(real: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """jefreybulla/insider-trading-signal: wide Adj Close for 2,372 symbols (1,179 columns empty, junk symbols
    such as ``(CALX)``, ``-``, ``UHAL,UHALB``), ``^GSPC`` among the columns.  The natural command refuses the one
    junk column that holds values (``WSO; WSOB``) by name; with --skip-bad the 1,192 other series import, the
    1,180 columns left out are listed, ^GSPC is the market."""
    f = real / "jefreybulla__insider-trading-signal" / "price_data_2025Q1.parquet"
    ref = pd.read_parquet(f)
    data = tmp_path / "d"
    assert main(["-q", "import", "prices", str(f), "--market", "^GSPC", "--data", str(data)]) == 2
    assert "column 'WSO; WSOB' holds 190 values but is not a ticker" in capsys.readouterr().err
    assert main(["-q", "import", "prices", str(f), "--market", "^GSPC", "--skip-bad", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert "imported 1,192 price series" in out and "left out: 1,180 file(s)/column(s)" in out
    p = DataPaths(data)
    assert imported_market(p) == "^GSPC" and len(list(p.raw_prices.glob("*.parquet"))) == 1192
    s, meta = cached(p, "^GSPC")
    np.testing.assert_allclose(s.to_numpy(), ref["^GSPC"].dropna().to_numpy())
    assert meta["kind"] == "price"


@pytest.mark.real_data
def test_real_french_files_and_a_european_price_file(real: Path, tmp_path: Path) -> None:
    """Kenneth French's daily three-factor and momentum files as distributed (prose header, CRLF, copyright
    footer) imported offline; a ``;``-separated price file with decimal commas, a BOM and month-first dates
    (its ``SP500`` column holds index levels: prices)."""
    from insider_kit.prices.french import import_factors

    d = real / "tommy66779__Comparaison-IA-DotCom"
    done = import_factors(tmp_path / "factors", [d / "F-F_Research_Data_Factors_daily.csv",
                                                  d / "F-F_Momentum_Factor_daily.csv"])
    assert done["days"].tolist() == [26233, 26132]
    f = load_factors(tmp_path / "factors")
    assert f.index[0] == pd.Timestamp("1926-07-01") and f.loc["1926-07-01", "mkt_rf"] == pytest.approx(0.0009)
    assert f.index[-1] == pd.Timestamp("2026-04-30") and f["mom"].notna().sum() == 26132
    w, kind = read_price_file(d / "IT-AI_2019_2026.csv")
    ref = pd.read_csv(d / "IT-AI_2019_2026.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert kind == "price" and w.shape == (len(ref), 31) and w.index[0] == pd.Timestamp("2018-12-31")
    np.testing.assert_allclose(w["SP500"].to_numpy(), ref["SP500"].to_numpy())
    assert w.loc["2018-12-31", "NVDA"] == pytest.approx(3.3375)


@pytest.mark.parametrize("args,match", [
    (["prices", "{px}", "--data", "{afile}"], "is a file, not a directory"),
    (["prices", "{px}", "--data", "{long}"], "too long"),
    (["prices", "{px}", "--ticker-pattern", "(", "--data", "{d}"], "--ticker-pattern '(' is not a regular expression"),
    (["prices", "{px}", "--ticker-pattern", "[A-Z]+", "--data", "{d}"], "needs a group named ticker"),
    (["prices", "{tmp}/nothing/", "--data", "{d}"], "no such file or folder"),
    (["prices", "{px}", "--market", "QQQ", "--data", "{d}"], "market 'QQQ' is neither a file nor a ticker"),
    (["factors", "{ff}", "--data", "{afile}"], "is a file, not a directory"),
    (["factors", "{px}", "--data", "{d}"], "no daily data rows"),
])
def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], match: str) -> None:
    """Issue #39.9: unwritable or impossible data directories and bad options were tracebacks; each is one line
    naming the input, exit status 2, nothing written."""
    px = yf_csv(tmp_path / "AAA.csv", walk(70, 30))
    ff = tmp_path / "ff.csv"
    ff.write_text(_french(["Mkt-RF", "SMB", "HML", "RF"], _rows(12, 4)))
    (tmp_path / "afile").write_text("")
    subs = {"px": str(px), "ff": str(ff), "afile": str(tmp_path / "afile"), "long": str(tmp_path / ("x" * 300)),
            "d": str(tmp_path / "d"), "tmp": str(tmp_path)}
    assert main(["-q", "import", *[a.format(**subs) for a in args]]) == 2
    err = capsys.readouterr().err
    assert err.startswith("insider-kit: error: ") and match in err and "Traceback" not in err
    assert len(err.strip().split("\n")) <= 2  # the message and its hint
    assert not (tmp_path / "d" / "raw" / "prices").exists()
