"""Fuzz driver of the transaction importers, run by tests/test_import_fuzz.py in a subprocess (so that a crash
signal fails the test instead of killing pytest).

Usage: ``python tests/_fuzz_importers.py FORMAT N SEED WORKDIR`` prints one JSON line: how many mutated files
were read, how many gave rows, were skipped or refused (an InsiderKitError), the invariant violations found in
the rows kept, and any other exception (a bug) with the file that raised it.

Mutations (1 to 3 per file, seeded): hostile numbers in a numeric cell (huge exponents, unicode minus,
parentheses, currencies, decimal commas, overflow, junk), hostile dates in a date cell (both day orders, offsets,
``Z``, impossible days, years 0013 and 2200), hostile codes, re-encoding (cp1252, UTF-16, a BOM), truncation,
random byte flips and insertions (NUL, quotes, separators, ``<``), an HTML tag at the start, duplicated or
deleted lines, another separator.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

NB = "\u00a0"
BASES: dict[str, tuple[str, dict[str, str] | None, list[int], list[int], list[int]]] = {
    # format: (text, mapping, numeric columns, date columns, code columns)
    "openinsider": (
        f"X,Filing{NB}Date,Trade{NB}Date,Ticker,Company{NB}Name,Insider{NB}Name,Title,Trade{NB}Type,Price,Qty,Owned,"
        "ΔOwn,Value,1d,1w,1m,6m\n"
        'M,2024-11-29 16:05:22,2024-11-27,ACME,Acme Corp,"Doe John",CEO,P - Purchase,$145.99,"+4,000","24,000",+20%,'
        '"+$583,960",,,,\n'
        'A,2024-11-28 09:15:00,2024-11-26,ACME,Acme Corp,"Roe Jane","CFO, Dir",S - Sale,$150.00,"14,877",0,-100%,'
        '"-$2,231,550",1.2%,,,\n'
        'D,2024-11-27 18:30:00,2024-11-25,brk.b,Berkshire,"Poe Max",10%,S - Sale+OE,$12.50,"-1,000","9,000",-10%,'
        '"-$12,500",,,,\n'
        ',2024-11-26 12:00:00,2024-11-22,ZZZ,Zed Inc,"Moe Al",COB,P - Purchase,$2.00,+500,500,New,"+$1,000",,,,\n'
        ',2024-11-26 12:00:00,2024-11-21,ZZZ,Zed Inc,"Moe Al",COB,G - Gift,$0.00,-500,0,-100%,$0,,,,\n'
        ',2024-11-25 08:00:00,2024-11-21,QQQ,Q Inc,"Li Wei","Pres, CEO",M - OptEx,$1.00,"+2,000","3,000",+200%,'
        '"+$2,000",,,,\n',
        None, [8, 9, 10, 12], [1, 2], [7]),
    "tfn": (
        "ticker,cusip6,cusip2,personid,owner,rolecode1,rolecode2,rolecode3,rolecode4,trancode,acqdisp,trandate,"
        "fdate,secdate,shares,tprice,sharesheld,cleanse,dcn,seqnum,formtype\n"
        "ACME,000001,10,1001,DOE JOHN,CEO,D,,,P,A,20240102,20240104,20240104,1000,10.5,5000,R,A1,1,4\n"
        "ACME,000001,10,1002,ROE JANE,CFO,,,,S,D,20240103,20240105,20240105,200,11,800,H,A2,1,4\n"
        "ACME,000001,10,1003,POE MAX,D,,,,S,,20240103,20240105,,300,11,0,R,A3,1,4\n"
        "ACME,000001,10,1004,MOE AL,B,,,,S,D,20240103,20240105,20240106,50,11,10,I,A4,1,4\n"
        "BBB,000002,10,1005,LI WEI,P,,,,M,A,20240110,20240111,20240111,700,0,700,R,B1,2,4\n",
        None, [14, 15, 16, 19], [11, 12, 13], [9, 10]),
    "csv": (
        "acc,side,usd,qty,px,date,filed,role,tkr,plan,dir\n"
        "0000002488-25-000014,buy,499616.20,1000,499.6162,2025-02-07,2025-02-10,OFFICER,AMD,0,no\n"
        "0000002488-25-000016,sell,1987545.16,,,2025-02-14,2025-02-18,DIRECTOR,AMD,1,yes\n"
        "0000003570-25-000038,Sale,5081343.54,-20000,254.07,2025-02-26,2025-02-27,TENPERCENTOWNER,LNG,,\n"
        "0000003570-25-000040,P,1975590.00,1000,1975.59,2025-02-27,2025-03-03,CEO,LNG,true,false\n"
        "0000004127-25-000028,purchase,661300.00,,,02/25/2025,02/26/2025,\"Chief Financial Officer\",SWKS,1,\n",
        {"acc": "accession", "side": "trans_code", "usd": "value", "qty": "shares", "px": "price", "date": "trans_date",
         "filed": "filing_date", "role": "role", "tkr": "ticker", "plan": "plan_10b5_1", "dir": "is_director"},
        [2, 3, 4], [5, 6], [1]),
}
NUMBERS = ["1e2147483648", "-1e2147483648", "1e-2147483648", "1e308", "-1e308", "1e40", "inf", "-inf", "nan", "NaN",
           "(1,000)", "\u22125", "\u22121,000", "$1,2,3", "4.000,5", "€5", "£(5)", "($5)", "-$5", "$-5", "--5", "9" * 400,
           "0x1F", "1_000", "", " ", "+", "-", "$", "()", "1e", ".", "\u0661\u0662", "0", "-0", "0.0000001",
           "12 345", "1,000.5.5", "1e+999999999999", "NaN%", "5%", "+$583,960", "\u00a0123\u00a0"]
DATES = ["03/11/2024", "25/11/2024", "11/25/2024", "3/4/24", "2024-11-28T21:05:22Z", "2024-11-28 10:00:00+05:30",
         "2024-11-28T10:00:00-0500", "0013-01-01", "2200-01-01", "9999-12-31", "2024-02-30", "20241128", "28-NOV-2024",
         "Nov 28, 2024", "", "99/99/9999", "2024-11-28T25:61:00Z", "1e2147483648", "1985-12-31", "2024-13-01",
         "2024-11-28 16:05:22 PM", "28.11.2024", "2024/11/28", "-1", "20241128.0", "2024-11-28T10:00:00+99:00"]
CODES = ["", "Q - Quux", "P", "S - Sale", "p", "sell", "buy", "X" * 50, "G - Gift", "S - Sale+OE", "A", "D", "Z",
         "\u00d7", "P - Purchase\n", "1", "SELL", "-"]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _write(rows: list[list[str]], sep: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\n").writerows(rows)
    return out.getvalue()


def mutate(fmt: str, rng: np.random.Generator) -> bytes:
    """One mutated file of *fmt* (module docstring)."""
    text, _, num_cols, date_cols, code_cols = BASES[fmt]
    rows = _rows(text)
    sep = ","
    as_text: str | None = None
    for _ in range(int(rng.integers(1, 4))):
        kind = int(rng.integers(0, 12))
        r = int(rng.integers(1, len(rows)))
        if kind <= 2:
            rows[r][int(rng.choice(num_cols))] = str(rng.choice(NUMBERS))
        elif kind <= 4:
            rows[r][int(rng.choice(date_cols))] = str(rng.choice(DATES))
        elif kind == 5:
            rows[r][int(rng.choice(code_cols))] = str(rng.choice(CODES))
        elif kind == 6:
            rows.insert(r, list(rows[r]))  # a duplicated line
        elif kind == 7 and len(rows) > 2:
            del rows[r]
        elif kind == 8:
            sep = str(rng.choice([";", "\t", ","]))
        elif kind == 9:
            c = int(rng.integers(0, len(rows[0])))
            rows[r][c], rows[0][c] = rows[0][c], rows[r][c]  # a header cell swapped with a value
        else:
            as_text = _write(rows, sep) if as_text is None else as_text
            as_text = _text_mutation(as_text, rng)
    data = as_text if as_text is not None else _write(rows, sep)
    return _encode(data, rng)


def _text_mutation(text: str, rng: np.random.Generator) -> str:
    k = int(rng.integers(0, 6))
    pos = int(rng.integers(0, max(1, len(text))))
    if k == 0:
        return text[:pos]  # truncated
    if k == 1:
        return text[:pos] + str(rng.choice(["\x00", '"', ",", "\n", "<", "<tr>", "\r", "\ufeff", "&amp;lt;",
                                            "\u2028", "'", ";", "\t"])) + text[pos:]
    if k == 2:
        return str(rng.choice(["<html><table><tr><td>x</td></tr></table>", "<tr>", " \n<!DOCTYPE html>", "[", "{",
                               "No results\n", "<?xml version='1.0'?>"])) + text
    if k == 3:
        return text[:pos] + text[pos + int(rng.integers(1, 20)):]  # a piece cut out
    if k == 4:
        return text.replace("\n", "\r\n")
    return text + text.split("\n", 1)[-1]  # the rows twice


def _encode(text: str, rng: np.random.Generator) -> bytes:
    k = int(rng.integers(0, 10))
    if k == 0:
        data = text.encode("cp1252", errors="replace")
    elif k == 1:
        data = text.encode("utf-16")
    elif k == 2:
        data = b"\xef\xbb\xbf" + text.encode()
    else:
        data = text.encode("utf-8", errors="surrogatepass")
    if int(rng.integers(0, 4)) == 0 and data:  # random bytes flipped
        b = bytearray(data)
        for _ in range(int(rng.integers(1, 6))):
            b[int(rng.integers(0, len(b)))] = int(rng.integers(0, 256))
        data = bytes(b)
    return data


def check(tx: pd.DataFrame) -> list[str]:
    """The invariants every kept row satisfies (a violation is a silent wrong answer)."""
    from insider_kit._parse import ERA_START, LIMITS, era_end
    from insider_kit.filings.codes import TRANSACTION_CODES

    bad = []
    for c, lim in (("shares", LIMITS["shares"]), ("price", LIMITS["price"]), ("value", LIMITS["value"])):
        v = tx[c].to_numpy(float)
        if ((v < 0) | (v > lim) | np.isinf(v)).any():
            bad.append(f"{c} outside [0, {lim:g}]: {v[(v < 0) | (v > lim) | np.isinf(v)][:3]}")
    ps = tx["trans_code"].isin(["P", "S"]).to_numpy(bool)
    if (ps & (tx["price"].to_numpy(float) <= 0)).any():
        bad.append("an open-market trade at a price <= 0")
    if not tx["trans_code"].isin(list(TRANSACTION_CODES)).all():
        bad.append(f"codes {set(tx['trans_code'])}")
    if not tx["acquired_disposed"].isin(["A", "D"]).all():
        bad.append("A/D not A or D")
    if ((tx["trans_code"] == "P") & (tx["acquired_disposed"] != "A")).any() or \
            ((tx["trans_code"] == "S") & (tx["acquired_disposed"] != "D")).any():
        bad.append("a purchase disposed or a sale acquired")
    for c in ("trans_date", "filing_date"):
        d = tx[c].dropna()
        if ((d < ERA_START) | (d > era_end())).any():
            bad.append(f"{c} outside the era")
    if (tx["trans_date"] > tx["filing_date"]).fillna(False).any():
        bad.append("traded after filing")
    if tx["trans_date"].isna().any() or tx["filing_date"].isna().any():
        bad.append("missing date kept")
    return bad


def main() -> None:
    from insider_kit.config import DataPaths
    from insider_kit.errors import InsiderKitError
    from insider_kit.filings.importers import import_transactions, read_transactions_file

    fmt, n, seed, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    _, mapping, *_ = BASES[fmt]
    rng = np.random.default_rng(seed)
    out = {"format": fmt, "files": 0, "imported": 0, "skipped": 0, "refused": 0, "duplicate": 0, "rows": 0,
           "single_file_reads": 0, "violations": [], "bugs": []}
    batch = 500
    for b in range(0, n, batch):
        folder = work / f"{fmt}-{b}"
        folder.mkdir(parents=True)
        for k in range(b, min(n, b + batch)):
            (folder / f"m{k:05d}.csv").write_bytes(mutate(fmt, rng))
        try:
            rep = import_transactions(DataPaths(work / f"data-{fmt}-{b}"), [folder], format=fmt, mapping=mapping,
                                      skip_bad=True)
        except InsiderKitError as exc:  # (only an error of the whole import, e.g. no file: none expected here)
            out["bugs"].append(f"batch {b}: whole import refused: {exc}")
            continue
        except Exception:
            out["bugs"].append(f"batch {b}: {traceback.format_exc(limit=4)}")
            for f in sorted(folder.iterdir()):  # the file(s) that raise it
                try:
                    read_transactions_file(f, format=fmt, mapping=mapping)
                except InsiderKitError:
                    pass
                except Exception:
                    out["bugs"].append(f"{f.name}: {traceback.format_exc(limit=4)}")
            continue
        st = rep.files["status"].value_counts()
        out["files"] += len(rep.files)
        for s_, key in (("imported", "imported"), ("skipped", "skipped"), ("bad", "refused"),
                        ("duplicate", "duplicate")):
            out[key] += int(st.get(s_, 0))
        if rep.dest is not None:
            tx = pd.read_parquet(rep.dest)
            out["rows"] += len(tx)
            out["violations"] += check(tx)
        # a sample read one file at a time, through the single-file API
        for f in sorted(folder.iterdir())[:: 25]:
            out["single_file_reads"] += 1
            try:
                t = read_transactions_file(f, format=fmt, mapping=mapping)
                out["violations"] += check(t)
            except InsiderKitError:
                pass
            except Exception:
                out["bugs"].append(f"{f.name}: {traceback.format_exc(limit=3)}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
