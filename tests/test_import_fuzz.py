"""Fuzz test of the transaction importers in CI (issue #39): 2,000 mutations each of a small OpenInsider CSV, a
WRDS TFN Table 1 and a mapped CSV (huge exponents, unicode minus, parentheses, currencies, both day orders,
offsets, encodings, truncation, random bytes ... see tests/_fuzz_importers.py), imported in batches with
``skip_bad`` and a sample read one file at a time.  Every outcome is a parsed table (whose rows satisfy the
invariants: bounded non-negative amounts, dates in the era, no trade after its filing, P acquired and S
disposed) or an InsiderKitError; the driver runs in a subprocess so that a crash signal (exit -11 / 139) fails
the test instead of killing the run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DRIVER = Path(__file__).with_name("_fuzz_importers.py")
N = 2000


def test_importers_survive_mutated_files(tmp_path: Path) -> None:
    procs = {fmt: subprocess.Popen([sys.executable, str(DRIVER), fmt, str(N), str(seed), str(tmp_path / fmt)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for fmt, seed in (("openinsider", 11), ("tfn", 12), ("csv", 13))}
    for fmt, p in procs.items():
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, f"{fmt}: the fuzz driver died with exit {p.returncode}\n{err[-3000:]}"
        got = json.loads(out.strip().splitlines()[-1])
        assert got["bugs"] == [], f"{fmt}: exceptions that are not InsiderKitError:\n" + "\n".join(got["bugs"][:3])
        assert got["violations"] == [], f"{fmt}: rows kept that break the invariants: {got['violations'][:5]}"
        assert got["files"] == N and got["single_file_reads"] >= N // 25
        # (the mutations exercise every outcome: rows read, files refused, files skipped, duplicates found)
        assert got["imported"] > N // 3 and got["refused"] > N // 20 and got["rows"] > 100
        assert got["skipped"] > 0 and got["duplicate"] > 0


def test_a_crash_signal_is_seen_as_a_failure() -> None:
    """Guards against a harness that cannot fail: a subprocess that dies by a signal reports it in its exit code."""
    code = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert p.returncode in (-11, 139)
