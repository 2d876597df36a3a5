"""The persistent study (issue #15): keyed by a fingerprint of the raw inputs, the kit's version and the signal
parameters; an unchanged rerun reads it, any change rebuilds it, a damaged or partial cache is never used."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import insider_kit as ik
import insider_kit.study as study_mod
from insider_kit.sample import SampleSpec, generate_sample
from insider_kit.signals import SignalParams
from insider_kit.warnings import InsiderKitWarning

SMALL = SampleSpec(n_firms=30, start="2018-01-02", end="2021-12-31", edgar_weeks=2)


@pytest.fixture()
def market(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    generate_sample(root, seed=3, spec=SMALL, progress=False)
    return root


def _cache_dirs(root: Path) -> list[Path]:
    d = root / "cache" / "study"
    return sorted(x for x in d.iterdir() if x.is_dir() and not x.name.startswith(".")) if d.exists() else []


def test_an_unchanged_rerun_reads_the_cache_and_gets_the_same_study(market: Path) -> None:
    first = ik.load_study(market)
    assert first.meta["cache"] == "built"
    again = ik.load_study(market)
    assert again.meta["cache"] == "hit" and again.meta["fingerprint"] == first.meta["fingerprint"]
    pd.testing.assert_frame_equal(again.events, first.events, check_like=False)
    assert (again.panel.values == first.panel.values).sum() == (first.panel.values == first.panel.values).sum()
    pd.testing.assert_frame_equal(again.prices, first.prices, check_names=False, check_freq=False)
    assert len(_cache_dirs(market)) == 1


def test_a_changed_raw_file_rebuilds(market: Path) -> None:
    first = ik.load_study(market)
    price = sorted((market / "raw" / "prices").glob("*.parquet"))[0]
    st = price.stat()
    os.utime(price, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # touched: a new download
    again = ik.load_study(market)
    assert again.meta["cache"] == "built" and again.meta["fingerprint"] != first.meta["fingerprint"]
    assert len(_cache_dirs(market)) == 1  # the stale study is removed


def test_a_new_raw_file_rebuilds(market: Path) -> None:
    first = ik.load_study(market)
    price = sorted((market / "raw" / "prices").glob("*.parquet"))[0]
    shutil.copy(price, price.with_name("NEWT.parquet"))  # another ticker's prices arrive
    again = ik.load_study(market)
    assert again.meta["cache"] == "built" and again.meta["fingerprint"] != first.meta["fingerprint"]
    assert "NEWT" in set(again.panel.tickers) and "NEWT" not in set(first.panel.tickers)


def test_a_changed_signal_parameter_rebuilds(market: Path) -> None:
    first = ik.load_study(market)
    other = ik.load_study(market, params=SignalParams(cluster_k=2))
    assert other.meta["cache"] == "built" and other.meta["fingerprint"] != first.meta["fingerprint"]
    assert int(other.events["cluster"].sum()) >= int(first.events["cluster"].sum())  # fewer insiders make one
    assert ik.load_study(market, params=SignalParams(cluster_k=2)).meta["cache"] == "hit"


def test_a_kit_upgrade_rebuilds(market: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = ik.load_study(market)
    monkeypatch.setattr(study_mod, "__version__", study_mod.__version__ + ".post1")
    again = ik.load_study(market)
    assert again.meta["cache"] == "built" and again.meta["fingerprint"] != first.meta["fingerprint"]


def test_a_damaged_cache_is_rebuilt_with_a_message_never_used(market: Path) -> None:
    first = ik.load_study(market)
    cdir = Path(first.meta["cache_dir"])
    ev = cdir / "events.parquet"
    ev.write_bytes(ev.read_bytes()[: ev.stat().st_size // 2])  # a truncated file
    with pytest.warns(InsiderKitWarning, match="checksum"):
        again = ik.load_study(market)
    assert again.meta["cache"] == "built"
    pd.testing.assert_frame_equal(again.events, first.events)
    assert ik.load_study(market).meta["cache"] == "hit"  # and the rebuilt cache is whole again


def test_a_partial_cache_without_its_manifest_is_not_used(market: Path) -> None:
    first = ik.load_study(market)
    (Path(first.meta["cache_dir"]) / "manifest.json").unlink()  # as if a write had stopped before the end
    again = ik.load_study(market)
    assert again.meta["cache"] == "built"
    pd.testing.assert_frame_equal(again.events, first.events)


def test_a_failed_cache_write_leaves_no_partial_study(market: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache is written in a temporary sibling and renamed into place: a failure midway leaves nothing
    a later run could mistake for a study."""
    def boom(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(study_mod.np, "save", boom)
    with pytest.warns(InsiderKitWarning, match="cannot write the study cache"):
        s = ik.load_study(market)
    assert s.meta["cache"] == "built" and "cache_dir" not in s.meta
    assert _cache_dirs(market) == []
    leftovers = [x.name for x in (market / "cache" / "study").iterdir()]
    assert not [n for n in leftovers if n.endswith(".part")], leftovers


def test_derived_tables_are_kept_with_the_study(market: Path) -> None:
    """The net purchase ratio and the trade-date events are built once and read back from the cache."""
    first = ik.load_study(market)
    # the net purchase ratio is made with the study, from the trades it has read (no second read later)
    man = (Path(first.meta["cache_dir"]) / "manifest.json").read_text()
    assert (Path(first.meta["cache_dir"]) / "npr.parquet").exists() and '"npr.parquet"' in man
    npr = first.net_purchase_ratio()
    ref = ik.net_purchase_ratio(first.transactions, first.panel.market_series())
    pd.testing.assert_frame_equal(npr, ref)
    trade = first.events_by(date="trade")
    cdir = Path(first.meta["cache_dir"])
    assert (cdir / "npr.parquet").exists() and (cdir / "events_trade-P_S-all.parquet").exists()
    again = ik.load_study(market)
    pd.testing.assert_frame_equal(again.net_purchase_ratio(), ref)
    pd.testing.assert_frame_equal(again.events_by(date="trade"), trade)
    assert not again.cache.loaded("transactions"), "reading cached derived tables must not load the transactions"
    from insider_kit.claims.robustness import claim_grids, robustness

    grid, grids = robustness(first), claim_grids(first)  # one pass over the grid's studies serves both
    third = ik.load_study(market)
    pd.testing.assert_frame_equal(robustness(third), grid)
    assert list(claim_grids(third)) == list(grids)
    for k, g in claim_grids(third).items():
        pd.testing.assert_frame_equal(g, grids[k])
    assert "date" in grid.columns and isinstance(grid["window"].iloc[0], tuple)


def test_showing_a_cached_study_does_not_read_the_transactions(market: Path) -> None:
    n = len(ik.load_study(market).transactions)
    s = ik.load_study(market)
    assert f"{n:,} transactions" in repr(s)
    assert not s.cache.loaded("transactions")


def test_cached_prices_are_read_on_first_use_and_a_damaged_file_is_not_used(market: Path) -> None:
    first = ik.load_study(market)
    again = ik.load_study(market)
    assert not again.cache.loaded("prices"), "a cached study reads its prices only when they are used"
    pd.testing.assert_frame_equal(again.prices, first.prices, check_freq=False)
    npy = Path(first.meta["cache_dir"]) / "prices.npy"
    npy.write_bytes(npy.read_bytes()[:-64])  # damaged after the study was written
    third = ik.load_study(market)
    assert third.meta["cache"] == "hit"  # the events and returns are whole
    with pytest.warns(InsiderKitWarning, match="prices.npy"):
        px = third.prices
    pd.testing.assert_frame_equal(px, first.prices, check_freq=False, check_names=False)  # read from the price files


def test_prefetched_variants_equal_variants_built_here(market: Path) -> None:
    """Variants built by worker processes (Study.prefetch) are the variants events_by builds itself; a study
    without a persistent cache prefetches nothing; a failed worker leaves the variant to events_by, with a
    warning."""
    from concurrent.futures import Future

    study = ik.load_study(market)
    from insider_kit.events import BARE_COLUMNS

    variants = [("trade", ("P", "S"), False), ("filing", ("S", "F", "G", "J"), True),
                ("filing", ("S", "F", "G", "J"), True, False)]
    study.prefetch(variants)
    assert len(study.cache.pending) == 3
    got = [study.events_by(date="trade"), study.events_by(codes=("S", "F", "G", "J"), by_class=True)]
    bare = study.events_by(codes=("S", "F", "G", "J"), by_class=True, signals=False)
    assert not study.cache.pending
    expect = [ik.build_events(study.transactions, study.panel, date="trade", firms=study.firms, params=study.params),
              ik.build_events(study.transactions, study.panel, codes=("S", "F", "G", "J"), by_class=True,
                              firms=study.firms, params=study.params)]
    for g, e in zip(got, expect, strict=True):
        pd.testing.assert_frame_equal(g.reset_index(drop=True), e.reset_index(drop=True), check_dtype=False)
    # without signals: the same events and aggregates, no signal column
    assert set(bare.columns) == set(BARE_COLUMNS)
    pd.testing.assert_frame_equal(bare.reset_index(drop=True), expect[1][list(bare.columns)].reset_index(drop=True),
                                  check_dtype=False)
    study.prefetch(variants)  # both kept with the study now: nothing to do
    assert not study.cache.pending
    plain = ik.load_study(market, cache=False)
    plain.prefetch(variants)
    assert not plain.cache.pending
    failed: Future[None] = Future()
    failed.set_exception(RuntimeError("worker died"))
    fresh = ik.load_study(market)
    for f in _cache_dirs(market)[0].glob("events_*.parquet"):
        f.unlink()
    fresh.cache.pending["trade-P_S-all"] = failed
    with pytest.warns(InsiderKitWarning, match="worker process failed"):
        again = fresh.events_by(date="trade")
    pd.testing.assert_frame_equal(again.reset_index(drop=True), expect[0].reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("kw", [{}, {"date": "trade"}, {"codes": ("S", "F", "G", "J"), "by_class": True}])
def test_events_built_from_their_codes_rows_equal_events_from_every_row(market: Path, monkeypatch: pytest.MonkeyPatch,
                                                                        kw: dict[str, object]) -> None:
    """build_events reads only the rows of the codes asked for, the open-market history and the exercises, and
    the data's first public day from the earliest filings: the events (every signal) equal those built from
    every row, with the first public day taken over every row's public date."""
    import numpy as np

    import insider_kit.events as ev_mod
    from insider_kit.signals import trade_table

    study = ik.load_study(market)
    tx = study.transactions
    assert (~ev_mod._rows_for_events(tx, ("P", "S"))).sum() > len(tx) / 4  # (the market has awards to leave out)
    # an award filed two years before anything else: the data start then (silence is censored less)
    early = tx[(tx["trans_code"] == "A") & (tx["table"] == "nonderivative")].head(1).copy()
    for col in ("filing_date", "trans_date"):
        early[col] = pd.to_datetime(tx[col]).min() - pd.Timedelta(days=730)
    if "accepted_at" in early.columns:
        early["accepted_at"] = pd.NaT
    tx = pd.concat([early, tx], ignore_index=True)
    assert ev_mod._data_start(tx, True) < pd.to_datetime(study.transactions["filing_date"]).min()
    got = ik.build_events(tx, study.panel, firms=study.firms, params=study.params, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(ev_mod, "_rows_for_events", lambda t, codes: np.ones(len(t), dtype=bool))
    monkeypatch.setattr(ev_mod, "_data_start",
                        lambda t, nd: trade_table(t, codes=None, nonderivative_only=nd)["public_date"].min())
    ref = ik.build_events(tx, study.panel, firms=study.firms, params=study.params, **kw)  # type: ignore[arg-type]
    assert len(got) > 20
    pd.testing.assert_frame_equal(got, ref)


def test_a_script_without_a_main_guard_builds_and_prefetches_with_workers(tmp_path: Path) -> None:
    """A plain script (no ``if __name__ == "__main__":``) whose first load_study builds the tidy tables with
    worker processes and prefetches a variant finishes, and its workers did the work (no fallback warning):
    the workers do not re-run the script."""
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(f"""
        from pathlib import Path
        import insider_kit as ik
        from insider_kit.sample import SampleSpec, generate_sample
        root = Path({str(tmp_path / "sample")!r})
        generate_sample(root, seed=3, spec=SampleSpec(n_firms=30, start="2018-01-02", end="2021-12-31",
                                                      edgar_weeks=2), progress=False)
        study = ik.load_study(root)
        study.prefetch([("trade", ("P", "S"), False)])
        print("pending", len(study.cache.pending))
        print("trade events", len(study.events_by(date="trade")))
        """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "pending 1" in out.stdout and "trade events" in out.stdout, out.stdout
    assert "failed" not in out.stderr and "Traceback" not in out.stderr, out.stderr[-2000:]


def test_starting_workers_restores_the_main_module() -> None:
    import sys

    from insider_kit._workers import starting_workers

    main = sys.modules["__main__"]
    before = (getattr(main, "__file__", None), getattr(main, "__spec__", None))
    with starting_workers():
        assert getattr(main, "__file__", None) is None and main.__spec__ is None
    assert (getattr(main, "__file__", None), getattr(main, "__spec__", None)) == before
