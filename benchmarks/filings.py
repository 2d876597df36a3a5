"""Filings benchmarks: a realistic-size SEC quarter from zip to tidy Parquet, and Form 4 XML documents per second.

Run: ``python benchmarks/filings.py [--filings 60000] [--docs 3000]``.
Targets (issue #3): a quarter of ~60,000 filings / ~150,000 transaction rows in <= 3 s;
Form 4 XML parsing >= 1,000 documents per second.  Inputs are generated in the real formats
(the SEC's column names, tab-separated tables, DD-MON-YYYY dates; EDGAR SGML submissions).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from insider_kit.config import DataPaths
from insider_kit.filings import build_tidy, parse_form4
from insider_kit.sample.generate import (
    SEC_DT,
    SEC_FOOT,
    SEC_HOLD,
    SEC_NDT,
    SEC_OWN,
    SEC_SUB,
    Trade,
    _form4_submission,
)


def quarter_zip(path: Path, n_filings: int, rng: np.random.Generator) -> int:
    """Write a quarter zip with *n_filings* Form 4s and ~2.5 transaction lines each; return the line count."""
    acc = np.array([f"{8_000_000 + i % 40_000:010d}-24-{i:06d}" for i in range(n_filings)])
    days = pd.bdate_range("2024-01-02", "2024-03-29")
    fdate = days[rng.integers(0, len(days), n_filings)]
    sec = lambda d: pd.Series(d).dt.strftime("%d-%b-%Y").str.upper().to_numpy()  # noqa: E731
    issuer = rng.integers(0, 6000, n_filings)
    sub = pd.DataFrame({"ACCESSION_NUMBER": acc, "FILING_DATE": sec(fdate), "PERIOD_OF_REPORT": sec(fdate),
                        "DOCUMENT_TYPE": "4", "ISSUERCIK": [f"{9_000_000 + i:010d}" for i in issuer],
                        "ISSUERNAME": [f"Bench Issuer {i} Inc" for i in issuer],
                        "ISSUERTRADINGSYMBOL": [f"B{i:04d}" for i in issuer], "NOT_SUBJECT_SEC16": "0",
                        "AFF10B5ONE": rng.choice(["0", "1"], n_filings)}).reindex(columns=[*SEC_SUB, "AFF10B5ONE"])
    own = pd.DataFrame({"ACCESSION_NUMBER": acc, "RPTOWNERCIK": [a[:10] for a in acc],
                        "RPTOWNERNAME": "Bench Person", "RPTOWNER_RELATIONSHIP": rng.choice(["Director", "Officer"], n_filings),
                        "RPTOWNER_TITLE": rng.choice(["", "Chief Executive Officer", "EVP & CFO"], n_filings)}
                       ).reindex(columns=SEC_OWN)
    k = rng.integers(1, 5, n_filings)
    line_acc = np.repeat(acc, k)
    n = len(line_acc)
    nd = pd.DataFrame({"ACCESSION_NUMBER": line_acc, "NONDERIV_TRANS_SK": np.arange(n), "SECURITY_TITLE": "Common Stock",
                       "TRANS_DATE": sec(np.repeat(fdate, k)), "TRANS_FORM_TYPE": "4",
                       "TRANS_CODE": rng.choice(list("SSSPAFMG"), n), "EQUITY_SWAP_INVOLVED": "0",
                       "TRANS_SHARES": rng.integers(1, 100_000, n).astype(float),
                       "TRANS_PRICEPERSHARE": np.round(rng.uniform(1, 300, n), 2),
                       "TRANS_ACQUIRED_DISP_CD": rng.choice(["A", "D"], n),
                       "SHRS_OWND_FOLWNG_TRANS": rng.integers(0, 1_000_000, n).astype(float),
                       "DIRECT_INDIRECT_OWNERSHIP": "D"}).reindex(columns=SEC_NDT)
    foot = pd.DataFrame({"ACCESSION_NUMBER": acc[::5], "FOOTNOTE_ID": "F1",
                         "FOOTNOTE_TXT": "Sold pursuant to a Rule 10b5-1 trading plan adopted on May 1, 2023."})
    tables = {"SUBMISSION.tsv": sub, "REPORTINGOWNER.tsv": own, "NONDERIV_TRANS.tsv": nd,
              "DERIV_TRANS.tsv": pd.DataFrame(columns=SEC_DT), "NONDERIV_HOLDING.tsv": pd.DataFrame(columns=SEC_HOLD),
              "FOOTNOTES.tsv": foot.reindex(columns=SEC_FOOT)}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, df in tables.items():
            buf = io.StringIO()
            df.to_csv(buf, sep="\t", index=False)
            zf.writestr(name, buf.getvalue())
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--filings", type=int, default=60_000)
    ap.add_argument("--docs", type=int, default=3000)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        p = DataPaths(Path(tmp))
        p.raw_sec.mkdir(parents=True)
        t0 = time.perf_counter()
        n_lines = quarter_zip(p.raw_sec / "2024q1_form345.zip", a.filings, rng)
        size = (p.raw_sec / "2024q1_form345.zip").stat().st_size / 1e6
        print(f"generated a quarter: {a.filings:,} filings, {n_lines:,} transaction rows, {size:.1f} MB zip "
              f"({time.perf_counter() - t0:.1f}s)")
        t0 = time.perf_counter()
        build_tidy(p, progress=False)
        wall = time.perf_counter() - t0
        print(f"zip -> tidy Parquet (read, join owners and footnotes, amendments, write): {wall:.2f} s "
              f"-> target <= 3 s {'MET' if wall <= 3 else 'NOT MET'}")

    docs = []
    day = pd.Timestamp("2024-12-02")
    for i in range(a.docs):
        rows = [(Trade("S", "D", "nonderivative", weighted_avg=True), 1000.0 + i, 12.5, 5000.0),
                (Trade("M", "A", "nonderivative"), 500.0, 0.0, 5500.0)]
        owners = [(8_000_000 + i, f"Bench Person {i}", "Director,Officer", "Chief Executive Officer")]
        acc = f"{8_000_000 + i:010d}-24-{i:06d}"
        docs.append(_form4_submission(acc, day, 17, 5, 9_000_000 + i, f"Bench Issuer {i}", f"B{i:04d}", owners, day,
                                      rows, {"F1": "Rule 10b5-1 plan", "F2": "Weighted average price."}, True, True))
    t0 = time.perf_counter()
    for i, d in enumerate(docs):
        parse_form4(d, name=f"doc{i}")
    wall = time.perf_counter() - t0
    rate = len(docs) / wall
    print(f"Form 4 XML (EDGAR submission with SGML header): {len(docs):,} documents in {wall:.2f} s = {rate:,.0f} docs/s "
          f"-> target >= 1,000/s {'MET' if rate >= 1000 else 'NOT MET'}")


if __name__ == "__main__":
    main()
