"""Import benchmarks: a folder of small OpenInsider exports, and one large mapped CSV, into an empty data directory.

Run: ``python benchmarks/imports.py [--files 3000] [--rows 1000000]``.
The CPU time (all threads) is printed beside the wall time: on a shared machine the wall time also measures
the other processes.  Targets (issue #35): 3,000 small OpenInsider files (a few hundred rows each, some "no results" placeholders)
imported in <= 20 s (3,131 such files took 4 min 15 s when every file was written as its own Parquet table with
its own copy and manifest rewrite); a 1,000,000-row mapped CSV in <= 10 s.  The inputs are written in the real
formats: the screener's columns and number formats (``$145.99``, ``+4,000``, ``-$2,231,550``, non-breaking spaces
in the headers), a researcher's CSV with a buy/sell column and ISO dates.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from insider_kit.config import DataPaths
from insider_kit.filings.importers import import_transactions

NB = "\u00a0"
HEADER = (f"X,Filing{NB}Date,Trade{NB}Date,Ticker,Company{NB}Name,Insider{NB}Name,Title,Trade{NB}Type,Price,Qty,Owned,"
          "ΔOwn,Value,1d,1w,1m,6m")
TITLES = np.array(["CEO", "CFO", "Dir", "10%", "COB", "Pres, CEO", "EVP", "Dir, 10%"])


def openinsider_folder(root: Path, n_files: int, rng: np.random.Generator) -> int:
    """*n_files* per-ticker exports of 50-400 rows (1 in 20 a "no results" placeholder); returns the rows written."""
    total = 0
    days = pd.bdate_range("2010-01-04", "2024-12-31")
    for k in range(n_files):
        f = root / f"T{k:04d}.csv"
        if k % 20 == 19:
            f.write_text("No results found\n")
            continue
        n = int(rng.integers(50, 400))
        traded = days[rng.integers(0, len(days), n)]
        filed = traded + pd.to_timedelta(rng.integers(0, 3, n), unit="D") + pd.to_timedelta(rng.integers(21_600, 79_200, n),
                                                                                               unit="s")
        sale = rng.random(n) < 0.7
        qty = rng.integers(1, 200_000, n)
        price = np.round(rng.uniform(1, 400, n), 2)
        value = np.round(qty * price)
        lines = [HEADER]
        for j in range(n):
            s = "-" if sale[j] else "+"
            lines.append(f'{"M" if j % 7 == 0 else ""},{filed[j]:%Y-%m-%d %H:%M:%S},{traded[j]:%Y-%m-%d},T{k:04d},'
                         f'Company {k},"Insider {k}-{j % 9}","{TITLES[j % len(TITLES)]}",'
                         f'{"S - Sale" if sale[j] else "P - Purchase"},"${price[j]:,.2f}","{s}{qty[j]:,}",'
                         f'"{qty[j] * 3:,}",{s}10%,"{s}${value[j]:,.0f}",,,,')
        f.write_text("\n".join(lines) + "\n", encoding="utf-8")
        total += n
    return total


def mapped_csv(path: Path, n: int, rng: np.random.Generator) -> None:
    """A researcher's CSV of *n* trades: symbol, trade and filing dates, buy/sell, shares, price."""
    days = pd.bdate_range("2005-01-03", "2024-12-31")
    traded = days[rng.integers(0, len(days), n)]
    filed = traded + pd.to_timedelta(rng.integers(0, 4, n), unit="D")
    pd.DataFrame({"symbol": np.char.add("S", rng.integers(0, 5000, n).astype(str)),
                  "traded": traded.strftime("%Y-%m-%d"), "filed": filed.strftime("%Y-%m-%d"),
                  "side": np.where(rng.random(n) < 0.3, "buy", "sell"), "qty": rng.integers(1, 100_000, n),
                  "px": np.round(rng.uniform(1, 300, n), 2), "insider": np.char.add("P", rng.integers(0, 40_000, n).astype(str))
                  }).to_csv(path, index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "exports"
        folder.mkdir()
        t0 = time.perf_counter()
        n_rows = openinsider_folder(folder, a.files, rng)
        print(f"generated {a.files:,} OpenInsider exports, {n_rows:,} rows ({time.perf_counter() - t0:.1f}s)")
        t0, c0 = time.perf_counter(), time.process_time()
        rep = import_transactions(DataPaths(root / "data"), [folder], format="openinsider")
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        target = 20.0 * a.files / 3000
        print(f"import transactions DIR: {a.files:,} files, {rep.rows_kept:,} rows kept "
              f"({(rep.files['status'] == 'skipped').sum():,} placeholders skipped) in {wall:.2f} s (CPU {cpu:.1f} s) "
              f"-> target <= {target:.0f} s {'MET' if wall <= target else 'NOT MET'}")

        big = root / "trades.csv"
        mapped_csv(big, a.rows, rng)
        size = big.stat().st_size / 1e6
        t0, c0 = time.perf_counter(), time.process_time()
        rep = import_transactions(DataPaths(root / "data2"), [big], format="csv",
                                  mapping={"symbol": "ticker", "traded": "trans_date", "filed": "filing_date",
                                           "side": "trans_code", "qty": "shares", "px": "price", "insider": "owner_name"})
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        target = 10.0 * a.rows / 1_000_000
        print(f"import transactions (mapped CSV): {a.rows:,} rows ({size:.0f} MB), {rep.rows_kept:,} kept, in {wall:.2f} s (CPU {cpu:.1f} s) "
              f"-> target <= {target:.0f} s {'MET' if wall <= target else 'NOT MET'}")


if __name__ == "__main__":
    main()
