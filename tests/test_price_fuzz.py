"""Hostile price and factor files (issue #39.1, #39.12): thousands of mutations of small files in the public
layouts, each read by the price reader (or the French parser).  Every outcome must be a parsed frame or an
:class:`~insider_kit.errors.InsiderKitError`; the run happens in a child process, so a crash signal (pandas'
number parser died with a segmentation fault on ``1e2147483648``) fails the test instead of killing the run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CHILD = r'''
import gzip, json, random, sys, traceback
from pathlib import Path

import numpy as np
import pandas as pd

from insider_kit.errors import InsiderKitError
from insider_kit.prices.files import VALUE_LIMIT, read_price_file
from insider_kit.prices.french import parse_french_csv

root, n, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
days = pd.bdate_range("2024-01-02", periods=12)
px = [f"{100 + k * 0.7:.4f}" for k in range(12)]
BASES = {
    "AAA.csv": "Date,Open,High,Low,Close,Adj Close,Volume\n" + "".join(
        f"{d:%Y-%m-%d},{p},{p},{p},{p},{p},1000\n" for d, p in zip(days, px)),
    "BBB.csv": "Date,Open,High,Low,Close,Adj Close,Volume\n" + "".join(
        f"{d:%Y-%m-%d} 00:00:00-05:00,{p},{p},{p},{p},{p},1000\n" for d, p in zip(days, px)),
    "DA-CCC-T-2021.csv": "timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient\n" + "".join(
        f"{d:%Y-%m-%d},{p},{p},{p},{p},{p},10,0.0,1.0\n" for d, p in zip(days[::-1], px)),
    "wide.csv": "Date,AAA,BRK.B,^GSPC\n" + "".join(f"{d:%Y-%m-%d},{p},{p},{4000 + k}\n" for k, (d, p) in enumerate(zip(days, px))),
    "long.csv": "date,ticker,adj_close\n" + "".join(f"{d:%Y-%m-%d},{t},{p}\n" for t in ("AAA", "BBB") for d, p in zip(days, px)),
    "crsp.csv": "date,permno,ret,dlret\n" + "".join(f"{d:%Y%m%d},10001,{0.01 * (-1) ** k:.4f},\n" for k, d in enumerate(days)),
    "spx.csv": "Date,Close\n" + "".join(f"{d:%Y-%m-%d},{0.004 * (-1) ** k * (1 + k % 3):.5f}\n" for k, d in enumerate(days)),
    "multi.csv": "Price,Close,Close\nTicker,AAA,BBB\nDate,,\n" + "".join(f"{d:%Y-%m-%d},{p},{p}\n" for d, p in zip(days, px)),
}
FRENCH = ("This file was created by CMPT_ME_BEME_RETS_DAILY using the 202404 CRSP database.\r\n\r\n"
          ",Mkt-RF,SMB,HML,RF\r\n" + "".join(f"{d:%Y%m%d},{0.5 * (-1) ** k:8.2f},{0.1:8.2f},{-0.2:8.2f},{0.02:8.2f}\r\n"
                                              for k, d in enumerate(days)) + "\r\nCopyright 2024 Eugene F. Fama and Kenneth R. French\r\n")
NUMS = ["1e2147483648", "1e-2147483649", "9" * 400, "\u22120.5", "$12.3", "\u20ac1,2", "(3.5)", "1,2,3", "4.000,5", "inf",
        "-inf", "nan", "1e308", "0x1F", "\uff11\uff12", "1_000", "", " ", "NaN", "#N/A", "null", "-", "1e999", "-1e-999",
        "12.5.6", "+-3", "1e", "e5", ".", "1,234.5", "\u00a0 12", "12%", "(1,000)", "-$5", "\u00a312", "1.0e+308",
        "2.2250738585072014e-308", "123456789012345678901234567890", "-0", "0"]
DATES = ["03/11/2024", "11/03/2024", "13/01/2024", "2024-02-30", "0013-01-01", "2200-01-01", "2024-03-08T00:00:00Z",
         "2024-03-08 00:00:00+05:30", "20240230", "yesterday", "", "2024-13-01", "1e2147483648", "2024/01/05",
         "05-MAR-2024", "2024-01-05 25:61:00-05:00", "9999-12-31", "2024-01-05T10:00:00.123456789Z", "1700000000",
         "\u0662\u0660\u0662\u0664-01-05"]
JUNK = ["AB CD", "NONE", "", "UHAL,UHALB", "(CALX)", "aaa", "AAA", "BRK-B", "\u00e9\u00e9", "N/A", "=cmd|' /C calc'!A0",
        "<script>", "../../etc/passwd", "A" * 300]


def mutate(text):
    lines = text.split("\n")
    op = rng.randrange(14)
    k = rng.randrange(1, max(2, len(lines) - 1))
    if op <= 3:  # a number cell
        parts = lines[k].split(",")
        if len(parts) > 1:
            parts[rng.randrange(1, len(parts))] = rng.choice(NUMS)
        lines[k] = ",".join(parts)
    elif op <= 5:  # a date cell
        parts = lines[k].split(",")
        parts[0] = rng.choice(DATES)
        lines[k] = ",".join(parts)
    elif op == 6:  # a header name
        parts = lines[0].split(",")
        parts[rng.randrange(len(parts))] = rng.choice(JUNK)
        lines[0] = ",".join(parts)
    elif op == 7:
        del lines[k]
    elif op == 8:
        lines.insert(k, lines[k])
    elif op == 9:
        lines[k] = lines[k] + "," + rng.choice(NUMS)
    elif op == 10:
        lines = [ln.replace(",", rng.choice([";", "\t", "|", ",,"])) for ln in lines]
    elif op == 11:
        for _ in range(rng.randrange(1, 4)):
            r = rng.randrange(1, len(lines))
            parts = lines[r].split(",")
            if len(parts) > 1:
                parts[rng.randrange(1, len(parts))] = rng.choice(NUMS)
            lines[r] = ",".join(parts)
    elif op == 12:
        lines = lines[: rng.randrange(1, len(lines) + 1)]
    return "\n".join(lines)


def encode(text):
    op = rng.randrange(10)
    if op == 0:
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if op == 1:
        return text.encode("utf-16")
    if op == 2:
        return text.encode("latin-1", errors="replace")
    data = bytearray(text.encode("utf-8"))
    if op == 3 and data:  # byte flips
        for _ in range(rng.randrange(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif op == 4 and data:  # truncation
        data = data[: rng.randrange(len(data))]
    elif op == 5:  # random bytes inserted
        at = rng.randrange(len(data) + 1)
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 20)))
    elif op == 6:
        data = bytearray(gzip.compress(bytes(data)))
        if rng.random() < 0.5:
            data = data[: rng.randrange(len(data))]
    return bytes(data)


stats = {"n": 0, "parsed": 0, "errors": 0, "other": [], "french": 0}
names = sorted(BASES)
for i in range(n):
    name = names[i % len(names)]
    data = encode(mutate(BASES[name]) if rng.random() < 0.9 else BASES[name])
    suffix = ".gz" if data[:2] == b"\x1f\x8b" else ""
    f = root / f"{i:05d}" / (name + suffix)
    f.parent.mkdir()
    f.write_bytes(data)
    stats["n"] += 1
    try:
        w, kind = read_price_file(f, date_order=rng.choice(["auto", "mdy", "dmy"]),
                                  returns_in=rng.choice(["decimal", "decimal", "percent"]))
    except InsiderKitError:
        stats["errors"] += 1
        continue
    except Exception:
        stats["other"].append(f"{f}: {traceback.format_exc()[-600:]}")
        continue
    v = w.to_numpy(float)
    fine = (kind in ("price", "return") and isinstance(w.index, pd.DatetimeIndex) and w.index.is_monotonic_increasing
            and not w.index.has_duplicates and w.shape[1] >= 1 and not np.isinf(v).any()
            and (np.abs(v[~np.isnan(v)]) <= VALUE_LIMIT).all() and w.index.min() >= pd.Timestamp("1900-01-01")
            and w.index.max() <= pd.Timestamp("2199-12-31") and (kind == "price" or not (v[~np.isnan(v)] < -1).any()))
    if fine:
        stats["parsed"] += 1
    else:
        stats["other"].append(f"{f}: implausible frame {kind} {w.shape} {w.head(3).to_dict()}")
for i in range(n // 5):
    text = mutate(FRENCH.replace("\r\n", "\n")) if rng.random() < 0.9 else FRENCH
    data = encode(text)
    try:
        parse_french_csv(data.decode("latin-1"), name=f"french-{i}")
        stats["french"] += 1
    except InsiderKitError:
        stats["french"] += 1
    except Exception:
        stats["other"].append(f"french {i}: {traceback.format_exc()[-600:]}")
print(json.dumps(stats))
'''


def test_price_and_factor_readers_survive_mutations(tmp_path: Path) -> None:
    """2,400 mutated price files (huge exponents, unicode minus, currencies, parentheses, mixed date orders and
    impossible dates, junk headers, BOM, UTF-16, latin-1, truncation, byte flips, random bytes, damaged gzip) and
    480 mutated French files: each is a parsed, plausible frame or an InsiderKitError — no other exception, no
    warning, and no crash of the child process."""
    r = subprocess.run([sys.executable, "-W", "error", "-c", CHILD, str(tmp_path), "2400", "39"], capture_output=True,
                       text=True, timeout=600)  # (-W error: a warning printed by a library is a failure too)
    assert r.returncode == 0, f"child exited {r.returncode} (a negative value is a signal): {r.stderr[-2000:]}"
    stats = json.loads(r.stdout.strip().splitlines()[-1])
    assert stats["other"] == [], "\n\n".join(stats["other"][:5])
    assert stats["n"] == 2400 and stats["french"] == 480
    assert stats["parsed"] > 300 and stats["errors"] > 300  # both outcomes exercised, not all refused
