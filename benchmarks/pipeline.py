"""The whole pipeline at universe scale: every stage a user runs, its wall time and peak memory, next to its
target (issue #15).

Run: ``python benchmarks/pipeline.py [--firms 10000] [--start 2006-01-03] [--end 2024-12-31]``.
The teaching-market generator writes a market of that size (every quarter as an SEC zip, the last weeks as
EDGAR submissions); then, each stage in its own process (so each peak memory is that stage's own):
generation, ``build``, one new quarter added to an existing build, the first ``load_study`` (events with
every point-in-time signal), a cached ``load_study``, ``build_events`` alone, the point-in-time check at this
scale (``PIT_CHECK``: a stage that fails if a later filing changes an earlier event), the event study of all events
with every statistic, ``run_ledger`` with the robustness grid, one notebook rendered, and ``insider-kit
report`` of every notebook.  Targets are the issue's, for 10,000 firms; a smaller ``--firms`` prints the
same targets for comparison (they are met or not at that size).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# stage -> (target seconds, target GB or None)
TARGETS = {
    "generate": (240, 4.0), "build": (60, 6.0), "build + one quarter": (5, None), "load_study (first)": (45, None),
    "load_study (cached)": (3, None), "build_events": (None, None), "point-in-time check": (None, None),
    "event study (all, every statistic)": (None, None),
    "run_ledger + robustness": (45, None), "one notebook": (None, None), "report (every notebook)": (300, 8.0),
}


# The point-in-time property of tests/test_signals.py at the universe's scale: the events made public by a date
# D (the median filing date) keep every column (the track records included) when the rows filed after D are removed, and when those rows are
# changed into late reports of old trades by the same insiders (what a look-ahead would pick up).
PIT_CHECK = """
    import numpy as np, pandas as pd
    import insider_kit as ik
    s = ik.load_study(root)
    tx = s.transactions
    fd = pd.to_datetime(tx["filing_date"]).to_numpy()
    later = fd > np.sort(fd[~np.isnat(fd)])[len(fd) // 2]
    D = pd.Timestamp(fd[~later].max())
    key = ["ticker", "issuer_cik", "date"]
    def before(ev):
        return ev[ev["date"] <= D].sort_values(key).reset_index(drop=True)
    def events(t):  # (as load_study makes them: every signal and the insiders' track records)
        ev = ik.build_events(t, s.panel, firms=s.firms, params=s.params)
        return ev.join(ik.insider_track_record(ev, t, s.panel))
    ref = before(s.events)
    cut = before(events(tx[~later]))
    pd.testing.assert_frame_equal(ref, cut)  # (a failure fails the stage, with the difference)
    late = tx.copy()
    back = pd.to_timedelta(365 * (1 + np.arange(int(later.sum())) % 3), unit="D")
    late.loc[later, "trans_date"] = (pd.Timestamp(D) - back).to_numpy()
    late.loc[later, "shares"] = late.loc[later, "shares"] * 7 + 1
    changed = before(events(late))
    pd.testing.assert_frame_equal(ref, changed)
    what = (f"{len(ref):,} events public by {D:%Y-%m-%d} unchanged, every column, without the {int(later.sum()):,} "
            "rows filed later and with them made late reports of old trades")
    """


def run_stage(code: str, *, env_root: Path) -> dict[str, object]:
    """Run *code* in a fresh interpreter; it prints one JSON line with what it did (``what``)."""
    prog = textwrap.dedent("""
        import json, resource, sys, time
        from pathlib import Path
        root = Path(sys.argv[1])
        t0 = time.perf_counter()
        what = None
        """) + textwrap.dedent(code) + textwrap.dedent("""
        print(json.dumps({"wall": time.perf_counter() - t0, "what": what,
                          "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
        """)
    out = subprocess.run([sys.executable, "-c", prog, str(env_root)], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"stage failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--firms", type=int, default=10_000)
    ap.add_argument("--start", default="2006-01-03")
    ap.add_argument("--end", default="2024-12-31")
    ap.add_argument("--keep", action="store_true", help="keep the generated market")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ik-pipeline-"))
    root = work / "sample"
    stages: list[tuple[str, dict[str, object]]] = []
    spec = {"n_firms": a.firms, "start": a.start, "end": a.end}
    print(f"universe: {a.firms:,} firms, {a.start} .. {a.end} (teaching-market generator), under {work}")
    sys.stdout.flush()
    try:
        stages.append(("generate", run_stage(f"""
            from insider_kit.sample import SampleSpec, generate_sample
            info = generate_sample(root, spec=SampleSpec(**{spec!r}), progress=False)
            what = (f"{{info['filings']:,}} filings, {{info['sec_transaction_rows']:,}} SEC rows, "
                    f"{{info['quarterly_zips']}} zips, {{info['edgar_submissions']:,}} EDGAR submissions")
            """, env_root=root)))
        stages.append(("build", run_stage("""
            from insider_kit.config import DataPaths
            from insider_kit.filings import build_tidy
            s = build_tidy(DataPaths(root), progress=False)
            what = f"{int(s.loc[s['source'] == 'TOTAL', 'kept'].iloc[0]):,} tidy rows"
            """, env_root=root)))
        last = sorted((root / "raw" / "sec").glob("*_form345.zip"))[-1]
        held = work / last.name
        shutil.move(last, held)
        run_stage("""
            from insider_kit.config import DataPaths
            from insider_kit.filings import build_tidy
            build_tidy(DataPaths(root), progress=False)
            """, env_root=root)
        shutil.move(held, last)
        stages.append(("build + one quarter", run_stage(f"""
            from insider_kit.config import DataPaths
            from insider_kit.filings import build_tidy
            build_tidy(DataPaths(root), progress=False)
            what = "{last.name} added to a build of the other quarters"
            """, env_root=root)))
        stages.append(("load_study (first)", run_stage("""
            import insider_kit as ik
            s = ik.load_study(root)
            what = f"{len(s.transactions):,} rows -> {len(s.events):,} events; panel {len(s.panel.dates):,} days x {len(s.panel.tickers):,} tickers"
            """, env_root=root)))
        stages.append(("load_study (cached)", run_stage("""
            import insider_kit as ik
            s = ik.load_study(root)
            what = f"cache {s.meta.get('cache')}"
            """, env_root=root)))
        stages.append(("build_events", run_stage("""
            import insider_kit as ik
            s = ik.load_study(root)
            t0 = time.perf_counter()
            ev = ik.build_events(s.transactions, s.panel, firms=s.firms, params=s.params)
            what = f"{len(ev):,} events with every signal"
            """, env_root=root)))
        stages.append(("point-in-time check", run_stage(PIT_CHECK, env_root=root)))
        stages.append(("event study (all, every statistic)", run_stage("""
            import insider_kit as ik
            s = ik.load_study(root)
            t0 = time.perf_counter()
            r = ik.event_study(s.events, s.panel, group="direction", max_loss=0.9)
            what = f"{len(r.events):,} events, {len(r.tests.columns)} statistics x {len(r.car_windows)} windows"
            """, env_root=root)))
        stages.append(("run_ledger + robustness", run_stage("""
            import insider_kit as ik
            from insider_kit.claims import robustness
            s = ik.load_study(root)
            t0 = time.perf_counter()
            led = ik.run_ledger(s)
            rob = robustness(s)
            what = f"{len(led)} claims, {len(rob)} robustness cells"
            """, env_root=root)))
        out = work / "reports"
        stages.append(("one notebook", run_stage(f"""
            from insider_kit.reports import render_reports
            r = render_reports(data=root, out=Path({str(out)!r}) / "one", notebooks_dir=None,
                               only=["02_buy_vs_sell"])
            what = "02_buy_vs_sell (with the study and ledger the report prepares)"
            """, env_root=root)))
        stages.append(("report (every notebook)", run_stage(f"""
            from insider_kit.reports import render_reports
            r = render_reports(data=root, out=Path({str(out)!r}) / "all", notebooks_dir=None)
            what = f"{{len(r.rendered)}} notebooks, {{len(r.failed)}} failed"
            """, env_root=root)))
    finally:
        print()
        print(f"{'stage':38s} {'wall':>9s} {'peak':>8s}  {'target':>16s}  status   what")
        for name, r in stages:
            tw, tm = TARGETS[name]
            wall, peak = float(r["wall"]), float(r["peak_gb"])  # type: ignore[arg-type]
            tgt = (f"<= {tw} s" if tw else "") + (f", <= {tm} GB" if tm else "")
            ok = (tw is None or wall <= tw) and (tm is None or peak <= tm)
            status = "MET" if ok else "NOT MET"
            if not tw and not tm:
                status = ""
            print(f"{name:38s} {wall:8.1f}s {peak:6.2f}GB  {tgt:>16s}  {status:7s}  {r['what']}")
        if a.firms != 10_000:
            print(f"(targets are for 10,000 firms; this run has {a.firms:,})")
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        sys.stdout.flush()


if __name__ == "__main__":
    t = time.time()
    main()
    print(f"pipeline benchmark: {time.time() - t:.0f} s")
