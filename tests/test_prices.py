"""Prices: yfinance-shaped frames, the cache, bring-your-own files, French factors, tickers, the panel."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insider_kit.errors import DataError, NotFoundError
from insider_kit.filings.edgar import EdgarClient, RateLimiter
from insider_kit.prices import (
    fetch_prices,
    load_factors,
    load_prices,
    parse_french_csv,
    read_price_file,
    returns_panel,
)
from insider_kit.prices.french import fetch_french_factors
from insider_kit.prices.yf import read_cached
from insider_kit.tickers import cik_ticker_map, normalise_ticker, parse_company_tickers
from tests.conftest import LoopbackServer

DATES = pd.bdate_range("2024-01-02", periods=5)


def multi(tickers: list[str], start: int = 0) -> pd.DataFrame:
    """The shape yfinance.download returns for several tickers (group_by='column')."""
    cols = pd.MultiIndex.from_product([["Close", "High", "Low", "Open", "Volume"], tickers], names=["Price", "Ticker"])
    data = np.arange(len(DATES) * len(cols), dtype=float).reshape(len(DATES), len(cols)) + 100 + start
    return pd.DataFrame(data, index=pd.DatetimeIndex(DATES, name="Date"), columns=cols)


class FakeYF:
    """Hands out prepared yfinance-shaped frames and records the calls (not the network layer)."""

    def __init__(self, *frames: pd.DataFrame | Exception) -> None:
        self.frames = list(frames)
        self.calls: list[tuple[list[str], str, str | None]] = []

    def __call__(self, tickers: list[str], start: str, end: str | None) -> pd.DataFrame:
        self.calls.append((list(tickers), start, end))
        f = self.frames.pop(0)
        if isinstance(f, Exception):
            raise f
        return f


def test_multiindex_frame_and_partial_failure(tmp_path: Path) -> None:
    """A ticker absent from yfinance's answer (it only logs) must be reported failed, not dropped silently."""
    frame = multi(["AAPL", "MSFT"])
    frame.loc[:, ("Close", "MSFT")] = np.nan  # yfinance's shape for a failed ticker in a batch
    yf = FakeYF(frame)
    rep = fetch_prices(["AAPL", "MSFT"], "2024-01-01", "2024-01-09", cache=tmp_path, downloader=yf, progress=False)
    st = rep.summary().set_index("ticker")["status"].to_dict()
    assert st == {"AAPL": "fetched", "MSFT": "failed"}
    s, meta = read_cached(tmp_path / "AAPL.parquet")
    assert list(s.values) == list(frame[("Close", "AAPL")].values)
    assert meta["source"] == "yfinance" and meta["auto_adjust"] is True and meta["last"] == "2024-01-08"


def test_single_ticker_flat_columns(tmp_path: Path) -> None:
    frame = multi(["SPY"]).droplevel("Ticker", axis=1)
    rep = fetch_prices(["SPY"], "2024-01-01", None, cache=tmp_path, downloader=FakeYF(frame), progress=False)
    assert rep.failed == [] and rep.rows[0]["rows"] == 5


def test_empty_frame_with_columns_is_a_failure_with_a_reason(tmp_path: Path) -> None:
    empty = multi(["ZZZZ"]).iloc[0:0]
    rep = fetch_prices(["ZZZZ"], "2024-01-01", None, cache=tmp_path, downloader=FakeYF(empty), progress=False)
    assert rep.failed == ["ZZZZ"]
    assert "empty download" in rep.rows[0]["reason"]
    assert not (tmp_path / "ZZZZ.parquet").exists()


def test_rate_limit_retried_with_backoff(tmp_path: Path) -> None:
    class YFRateLimitError(Exception):
        pass

    waits: list[float] = []
    yf = FakeYF(YFRateLimitError("Too Many Requests. Rate limited."), multi(["AAPL"]))
    rep = fetch_prices(["AAPL"], "2024-01-01", None, cache=tmp_path, downloader=yf, progress=False,
                       backoff=1.5, sleep=waits.append)
    assert rep.failed == [] and waits == [1.5] and len(yf.calls) == 2


def test_other_exception_marks_batch_failed(tmp_path: Path) -> None:
    yf = FakeYF(ConnectionError("network unreachable"))
    rep = fetch_prices(["AAPL", "MSFT"], "2024-01-01", None, cache=tmp_path, downloader=yf, progress=False)
    assert rep.failed == ["AAPL", "MSFT"]
    assert all("network unreachable" in r["reason"] for r in rep.rows)


def test_cache_fetches_only_the_missing_range(tmp_path: Path) -> None:
    yf = FakeYF(multi(["AAPL"]), multi(["AAPL"], start=1000).set_axis(pd.bdate_range("2024-01-09", periods=5), axis=0))
    fetch_prices(["AAPL"], "2024-01-02", "2024-01-09", cache=tmp_path, downloader=yf, progress=False)
    fetch_prices(["AAPL"], "2024-01-02", "2024-01-16", cache=tmp_path, downloader=yf, progress=False)
    assert yf.calls[1][1] == "2023-12-18"  # asked again from 21 days before the cached last date (the overlap)
    s, _ = read_cached(tmp_path / "AAPL.parquet")
    assert len(s) == 10 and s.index.is_monotonic_increasing
    again = fetch_prices(["AAPL"], "2024-01-02", "2024-01-12", cache=tmp_path, downloader=yf, progress=False)
    assert again.rows[0]["status"] == "cached" and len(yf.calls) == 2
    wide = load_prices(tmp_path, ["AAPL", "NOPE"])
    assert list(wide.columns) == ["AAPL"] and wide.attrs["missing"] == ["NOPE"]
    with pytest.raises(NotFoundError, match="NOPE"):
        load_prices(tmp_path, ["NOPE"], strict=True)


def test_a_split_between_two_fetches_is_not_a_fake_return(tmp_path: Path) -> None:
    """Guards against splicing re-adjusted prices onto old ones: Yahoo halves every earlier adjusted close after
    a 2:1 split, so appending the new days would put a -50% return at the seam."""
    days = pd.bdate_range("2024-01-02", periods=30)
    before = pd.Series(np.linspace(100, 110, 20), index=days[:20])
    after = pd.concat([before / 2, pd.Series(np.linspace(55, 56, 10), index=days[20:])])  # split on day 20

    def frame(s: pd.Series) -> pd.DataFrame:
        return pd.DataFrame({("Close", "XYZ"): s.to_numpy()}, index=s.index)

    calls: list[tuple[str, str | None]] = []

    def dl(tickers: list[str], start: str, end: str | None) -> pd.DataFrame:
        calls.append((start, end))
        src = before if len(calls) == 1 else after
        return frame(src[(src.index >= pd.Timestamp(start)) & (src.index <= pd.Timestamp(end or "2100-01-01"))])

    fetch_prices(["XYZ"], "2024-01-02", str(days[19].date()), cache=tmp_path, downloader=dl, progress=False)
    rep = fetch_prices(["XYZ"], "2024-01-02", str(days[29].date()), cache=tmp_path, downloader=dl, progress=False)
    assert rep.rows[0]["status"].startswith("refetched")
    s, _ = read_cached(tmp_path / "XYZ.parquet")
    r = s.pct_change().dropna()
    assert len(s) == 30 and r.min() > -0.1  # no -50% at the seam
    np.testing.assert_allclose(s.to_numpy(), after.to_numpy())


def test_ticker_rules() -> None:
    assert normalise_ticker("BRK.B") == "BRK-B"
    assert normalise_ticker("nasdaq:abcd") == "ABCD"
    assert normalise_ticker("NYSE: xyz") == "XYZ"
    assert [normalise_ticker(x) for x in ("NONE", "N/A", "", None, "  ")] == [None] * 5


# --------------------------------------------------------------------------- files
def test_wide_and_long_files(tmp_path: Path) -> None:
    (tmp_path / "w.csv").write_text("Date,AAA,BRK.B\n2024-01-02,10,20\n2024-01-03,11,\n")
    w, kind = read_price_file(tmp_path / "w.csv")
    assert kind == "price" and list(w.columns) == ["AAA", "BRK-B"] and np.isnan(w.loc["2024-01-03", "BRK-B"])
    (tmp_path / "l.csv").write_text("date,permno,ret,dlret\n2024-01-02,1,0.10,\n2024-01-03,1,0.10,-0.5\n")
    lf, kind = read_price_file(tmp_path / "l.csv")
    assert kind == "return" and lf.iloc[1, 0] == pytest.approx(0.10)
    # the delisting return is kept apart, dated by the stock's last return (the panel puts it on the next day)
    assert lf.attrs["delistings"].values.tolist() == [["1", pd.Timestamp("2024-01-03"), -0.5]]


@pytest.mark.parametrize("text,match", [
    ("when,AAA\n2024-01-02,1\n", "no date column"),
    ("Date,AAA\n2024-01-02,1\nnot a date,2\n", "unparseable date"),
    ("Date,AAA\n2024-01-02,1\n2024-01-02,2\n", "duplicate date 2024-01-02"),
    ("Date,AAA\n2024-01-02,1\n2024-01-03,abc\n", "'AAA', line 3: non-numeric.*abc"),
    ("date,ticker,volume\n2024-01-02,A,1\n", "no value column"),
])
def test_bad_files_name_file_and_column(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(DataError, match=rf"bad.csv.*{match}"):
        read_price_file(tmp_path / "bad.csv")


# --------------------------------------------------------------------------- French + company tickers
FF = """This file was created by hand in the layout of the CRSP-based French files.
The Tbill return is the simple daily rate.

,Mkt-RF,SMB,HML,RF
20240102,   -0.71,   -0.10,    1.00,    0.02
20240103,    1.50,    0.20,   -0.30,    0.02

  Annual Factors: January-December
,Mkt-RF,SMB,HML,RF
  2024,   20.00,   -5.00,    3.00,    5.00

Copyright 2024 Eugene F. Fama and Kenneth R. French
"""


FF5 = """This file was created by hand in the layout of the five-factor (2x3) daily file.

,Mkt-RF,SMB,HML,RMW,CMA,RF
20240102,   -0.71,   -0.15,    1.00,    0.31,   -0.12,    0.02
20240103,    1.50,    0.18,   -0.30,   -0.44,    0.25,    0.02

Copyright 2024 Eugene F. Fama and Kenneth R. French
"""


def test_french_parser_stops_before_annual_section_and_converts_percent() -> None:
    f = parse_french_csv(FF)
    assert list(f.columns) == ["Mkt-RF", "SMB", "HML", "RF"] and len(f) == 2
    assert f.loc["2024-01-02", "Mkt-RF"] == pytest.approx(-0.0071)


def test_french_zip_served_over_http(server: LoopbackServer, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("F-F_Research_Data_Factors_daily.CSV", FF)
    mom = io.BytesIO()
    with zipfile.ZipFile(mom, "w") as zf:
        zf.writestr("F-F_Momentum_Factor_daily.CSV", FF.replace(",Mkt-RF,SMB,HML,RF", ",Mom"))
    five = io.BytesIO()
    with zipfile.ZipFile(five, "w") as zf:
        zf.writestr("F-F_Research_Data_5_Factors_2x3_daily.CSV", FF5)
    server.serve_bytes("/F-F_Research_Data_Factors_daily_CSV.zip", buf.getvalue())
    server.serve_bytes("/F-F_Momentum_Factor_daily_CSV.zip", mom.getvalue())
    server.serve_bytes("/F-F_Research_Data_5_Factors_2x3_daily_CSV.zip", five.getvalue())
    saved = fetch_french_factors(tmp_path, base_url=server.url)
    assert sorted(p.name for p in saved) == ["ff3_daily.csv", "ff5_daily.csv", "mom_daily.csv"]
    f = load_factors(tmp_path)
    assert list(f.columns) == ["mkt_rf", "smb", "hml", "rf", "mom", "rmw", "cma", "smb5"]
    assert f["rf"].iloc[0] == pytest.approx(0.0002)
    # the five-factor file's own values, hand-read from FF5 below: RMW, CMA and its SMB (not the 3-factor SMB)
    np.testing.assert_allclose(f[["rmw", "cma", "smb5"]].to_numpy(), [[0.0031, -0.0012, -0.0015], [-0.0044, 0.0025, 0.0018]])
    np.testing.assert_allclose(f["smb"], [-0.0010, 0.0020])


def test_fetch_factors_saves_nothing_when_one_file_is_missing(server: LoopbackServer, tmp_path: Path) -> None:
    """Guards against a half-updated factor folder: the five-factor file missing at a mirror (HTTP 404) stops
    the fetch before any file is written."""
    from insider_kit.errors import NetworkError

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("F-F_Research_Data_Factors_daily.CSV", FF)
    server.serve_bytes("/F-F_Research_Data_Factors_daily_CSV.zip", buf.getvalue())
    server.serve_bytes("/F-F_Momentum_Factor_daily_CSV.zip", buf.getvalue())  # the wrong file at that address
    with pytest.raises(DataError, match="expected the mom daily file, got the ff3 daily one"):
        fetch_french_factors(tmp_path, base_url=server.url)
    server.serve_bytes("/F-F_Momentum_Factor_daily_CSV.zip", FF.replace(",Mkt-RF,SMB,HML,RF", ",Mom").encode())
    with pytest.raises(NetworkError, match=r"5_Factors.*HTTP 404"):
        fetch_french_factors(tmp_path, base_url=server.url)
    assert list(tmp_path.iterdir()) == []


def test_company_tickers_via_edgar_client(server: LoopbackServer) -> None:
    body = json.dumps({"0": {"cik_str": 320193, "ticker": "AAPL", "title": "Apple Inc."},
                       "1": {"cik_str": 1067983, "ticker": "BRK.B", "title": "Berkshire"},
                       "2": {"cik_str": 1067983, "ticker": "BRK.A", "title": "Berkshire"}}).encode()
    server.serve_bytes("/files/company_tickers.json", body)
    c = EdgarClient("t t@example.org", base_url=server.url, limiter=RateLimiter(100))
    ct = parse_company_tickers(c.get(c.company_tickers_url()))
    m = cik_ticker_map(ct)
    assert m["0000320193"] == "AAPL" and m["0001067983"] == "BRK-B"
    filed = pd.DataFrame({"issuer_cik": ["0000320193"], "ticker": ["AAPL2"]})
    assert cik_ticker_map(ct, filed)["0000320193"] == "AAPL2"  # the filing's own symbol wins
    with pytest.raises(DataError, match="JSON"):
        parse_company_tickers(b"<html>")


def test_cli_fetch_tickers_writes_only_a_valid_map(server: LoopbackServer, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against saving an HTML error page as the ticker map (a later build would silently lose tickers)."""
    from insider_kit.cli import main

    body = json.dumps({"0": {"cik_str": 320193, "ticker": "AAPL", "title": "Apple Inc."}}).encode()
    server.serve_bytes("/files/company_tickers.json", body)
    assert main(["-q", "fetch", "tickers", "--data", str(tmp_path), "--base-url", server.url]) == 0
    assert (tmp_path / "raw" / "company_tickers.json").read_bytes() == body
    assert "1 issuers" in capsys.readouterr().out
    bad = tmp_path / "bad"
    server.serve_bytes("/files/company_tickers.json", b"<html>rate limited</html>")
    assert main(["-q", "fetch", "tickers", "--data", str(bad), "--base-url", server.url]) == 2
    assert "company_tickers.json" in capsys.readouterr().err
    assert not (bad / "raw" / "company_tickers.json").exists()


# --------------------------------------------------------------------------- panel
def test_panel_hand_computed_with_gap_and_suspicious() -> None:
    px = pd.DataFrame({"A": [10.0, 11.0, np.nan, 12.1, 30.0], "SPY": [100.0, 101.0, 102.01, 100.9899, 100.9899]},
                      index=pd.bdate_range("2024-01-02", periods=5))
    p = returns_panel(px, market="SPY")
    np.testing.assert_allclose(p.values[:, 0], [np.nan, 0.1, np.nan, np.nan, 30 / 12.1 - 1], rtol=1e-12)
    np.testing.assert_allclose(p.market, [np.nan, 0.01, 0.01, -0.01, 0.0], atol=1e-12)
    assert len(p.suspicious) == 1 and p.suspicious.iloc[0]["ticker"] == "A"
    with pytest.raises(DataError, match="QQQ"):
        returns_panel(px, market="QQQ")


# --------------------------------------------------------------------------- real files
@pytest.mark.real_data
def test_real_wide_prices_and_french(real: Path) -> None:
    """Real yfinance wide CSV (100 S&P stocks) and the real French daily file: shapes and a known value."""
    w, kind = read_price_file(real / "diviprog__pairs_trading_sp" / "sp500_prices.csv")
    assert kind == "price" and w.shape == (1255, 100) and "BRK-B" in w.columns
    ff = parse_french_csv((real / "tommy66779__Comparaison-IA-DotCom" / "F-F_Research_Data_Factors_daily.csv").read_text("latin-1"))
    assert ff.index[0] == pd.Timestamp("1926-07-01") and ff.loc["1926-07-01", "Mkt-RF"] == pytest.approx(0.0009)
    assert ff.index[-1] == pd.Timestamp("2026-04-30") and ff["RF"].max() < 0.01


@pytest.mark.real_data
def test_real_skfolio_and_arch_files(real: Path) -> None:
    sk, _ = read_price_file(real / "pypi__skfolio" / "sp500_dataset.csv.gz")
    assert sk.shape[1] == 20 and sk.index.is_monotonic_increasing
    ar, _ = read_price_file(real / "pypi__arch" / "sp500.csv.gz", ticker="^GSPC")
    assert list(ar.columns) == ["^GSPC"] and ar.index[0] == pd.Timestamp("1999-01-04")
    assert ar.iloc[0, 0] == pytest.approx(1228.099976)
