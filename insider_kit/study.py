"""One call from a data directory to everything a notebook needs (transactions, returns, events).

``load_study("sample")`` builds the tidy tables when they are missing or older than the raw files, loads
prices and factors, builds the returns panel and the firm-day events with every point-in-time signal, and
says whether the data are the synthetic teaching market.

The persistent study
--------------------
The events table and the returns panel take most of the work, and every notebook of a report needs them.
``load_study`` therefore keeps them under ``cache/study/<fingerprint>/`` in the data directory (Parquet
and NumPy files, written into a temporary directory and renamed into place, with a CRC-32 of every file in
``manifest.json``).  The fingerprint covers the raw inputs (every file under ``raw/`` and ``firms.csv``:
name, size and modification time), the kit's version, the signal parameters and the market series, so a
changed input or parameter is detected and the study rebuilt.  A cache that fails its checksums, or cannot
be read, is rebuilt with a warning, never used.  Tables derived from the study are kept beside it when first
built: the other event variants (:meth:`Study.events_by`), the market's net purchase ratio
(:meth:`Study.net_purchase_ratio`) and the robustness and claim grids the report and notebook 02 show; the
fingerprint covers them too, and an unreadable one is rebuilt with a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
import weakref
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from . import __version__, _progress
from ._io import read_parquet_tables, walk_entries
from .config import DataPaths, study_dir
from .errors import DataError
from .events import EVENT_INPUTS, EventDate, build_events
from .filings.schema import TIDY_COLUMNS
from .filings.tidy import build_tidy, load_transactions, tidy_is_current
from .prices import load_factors, load_prices, returns_panel
from .prices.panel import ReturnsPanel
from .signals import SignalParams
from .tickers import cik_ticker_map, load_company_tickers
from .warnings import InsiderKitWarning

if TYPE_CHECKING:
    from .eventstudy import Model
    from .quality import QualityReport

__all__ = [
    "DELISTINGS_FILE",
    "SYNTHETIC_BANNER",
    "Study",
    "StudyCache",
    "banner",
    "event_dating",
    "load_study",
    "market_ticker",
    "raw_fingerprint",
    "read_delistings",
    "run_ledger",
    "tickers_from_transactions",
    "warm_grids",
]

#: The one banner shown wherever synthetic data is analysed (notebooks, reports, figures).
SYNTHETIC_BANNER = ("**SYNTHETIC DATA** — this is the generated teaching market, not real filings or prices. "
                    "Its effects were planted on purpose and are listed in `truth.json`.")

#: Bump when the cached study's layout changes (the kit's version is part of the fingerprint as well).
_CACHE_LAYOUT = 3  # 2: data errors excluded from the returns, delisting flags kept; 3: insiders' track records


def market_ticker(paths: DataPaths, market: str = "auto") -> str:
    """The market series' ticker: *market*, or with ``"auto"`` the teaching market's own index (from its
    ``truth.json``) for synthetic data, else ``SPY``.

    Parameters
    ----------
    paths
        The data directory.
    market
        A ticker, or ``"auto"``.

    Returns
    -------
    str
        The ticker whose returns are the market.

    Examples
    --------
    >>> from insider_kit.config import paths
    >>> import insider_kit as ik
    >>> market_ticker(paths("sample")) == ik.load_study("sample").market
    True
    >>> market_ticker(paths("sample"), "VTI")
    'VTI'
    """
    if market != "auto":
        return market
    from .prices.imports import imported_market

    declared = imported_market(paths)
    if declared is not None:
        return declared
    if paths.truth.exists():
        try:
            return str(json.loads(paths.truth.read_text()).get("market_ticker", "SPY"))
        except (OSError, ValueError):
            pass
    return "SPY"


def banner(paths: DataPaths) -> str:
    """Markdown banner for a data directory: :data:`SYNTHETIC_BANNER`, or where the real data come from.

    Parameters
    ----------
    paths
        The data directory.

    Returns
    -------
    str
        One Markdown paragraph.

    Examples
    --------
    >>> from insider_kit.config import paths
    >>> "synthetic" in banner(paths("sample")).lower()
    True
    """
    from ._markup import md_code

    # (the folder's name in a code span that no character of it can end: issue #39.11)
    return SYNTHETIC_BANNER if paths.is_synthetic else f"Data: {md_code(paths.root.resolve())} (real data)."


class StudyCache:
    """What a :class:`Study` has derived or loaded since it was made, kept beside the (frozen) study: tables in
    memory, the persistent study's folder, the lazily loaded transactions and prices, and the event variants a
    worker process is building.  The only mutable state of a study; nothing here changes a number.

    Parameters
    ----------
    directory
        The persistent study's folder (None: memory only).
    sources
        How to load a table when it is first asked for (``transactions``, ``prices``): a table, or a function
        returning it.
    """

    def __init__(self, directory: Path | None = None,
                 sources: dict[str, pd.DataFrame | Callable[[], pd.DataFrame]] | None = None) -> None:
        self.directory = directory
        self.tables: dict[str, pd.DataFrame] = {}  # derived tables (also in the persistent study)
        self.values: dict[str, Any] = {}  # derived values kept in memory only
        self.pending: dict[str, Any] = {}  # event variant key -> the worker's Future (Study.prefetch)
        self.owner: Any = None  # a weak reference to the study this cache belongs to (set by Study)
        self._sources = dict(sources or {})

    def loaded(self, name: str) -> bool:
        """Whether the source table *name* is in memory (not a loader still to run)."""
        return not callable(self._sources.get(name))

    def source(self, name: str) -> pd.DataFrame:
        """The source table *name*, loaded on first use."""
        src = self._sources[name]
        if callable(src):
            src = self._sources[name] = src()
        return src

    def has(self, name: str) -> bool:
        """Whether the derived table *name* is held (in memory or in the persistent study)."""
        return name in self.tables or bool(self.directory and (self.directory / f"{name}.parquet").exists())

    def frame(self, name: str, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """A table derived from the study: built once, kept in memory and in the persistent study (its
        fingerprint covers every input), read back by later runs; an unreadable file is rebuilt with a warning.
        *build* returns a frame with a plain index."""
        if name in self.tables:
            return self.tables[name]
        f = self.directory / f"{name}.parquet" if self.directory else None
        df = None
        if f is not None and f.exists():
            try:
                df = pd.read_parquet(f)
            except (OSError, ValueError) as exc:
                warnings.warn(f"{f}: unreadable cached table ({exc}); rebuilding it", InsiderKitWarning, stacklevel=3)
        if df is None:
            df = build()
            if f is not None:
                try:
                    _write_atomic_parquet(df, f)
                except OSError:  # a read-only data directory: kept in memory only
                    pass
        self.tables[name] = df
        return df

    def value(self, name: str, build: Callable[[], Any]) -> Any:
        """A value derived from the study, built once and kept in memory only."""
        if name not in self.values:
            self.values[name] = build()
        return self.values[name]


@dataclass(frozen=True, eq=False)
class Study:
    """Loaded data of one directory; ``events`` are filing-date firm-day events with signals.

    A frozen data object: what it was made with never changes.  What is derived from it later (event variants,
    the net purchase ratio, the ledger and its grids, the quality report) is kept in :attr:`cache` beside it
    (a :class:`StudyCache`), and in the persistent study on disk.

    Attributes
    ----------
    paths
        The data directory's paths.
    transactions
        The tidy transactions table (loaded when first used).
    prices
        Adjusted closes, dates x tickers (the market index included; loaded when first used).
    panel
        The returns panel the events are studied on.
    events
        Firm-day events (filing date, open-market P/S) with every signal.
    firms
        ``firms.csv`` when present (IPO dates, shares outstanding).
    market
        The market series' ticker.
    synthetic
        True for the generated teaching market.
    params
        The signal parameters the events were built with.
    truth
        The teaching market's planted truth (``truth.json``), else None.
    meta
        Fingerprint, cache status and timings.
    dated_by
        ``"filing"``: events are dated when their filing became public; ``"trade"``: the data carry trade dates
        only (no filing dates, or filing dates equal to the trade dates: :func:`event_dating`), so events are
        dated by trade and the claims that need a filing date are not testable.
    cache
        The :class:`StudyCache` beside the study.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> study.market in study.prices.columns
    True
    >>> trade = study.events_by(date="trade")  # day 0 = the trade date: a look-ahead, for comparison
    >>> bool(trade["date"].max() <= study.events["date"].max())
    True
    """

    paths: DataPaths
    transactions_source: pd.DataFrame | Callable[[], pd.DataFrame] = field(repr=False)  # a table, or its loader
    prices_source: pd.DataFrame | Callable[[], pd.DataFrame] = field(repr=False)  # a table, or its loader
    panel: ReturnsPanel
    events: pd.DataFrame
    firms: pd.DataFrame | None
    market: str
    synthetic: bool
    params: SignalParams
    truth: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    dated_by: Literal["filing", "trade"] = "filing"
    cache: StudyCache = field(default=None, repr=False, compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.cache is None:
            cdir = self.meta.get("cache_dir")
            object.__setattr__(self, "cache", StudyCache(Path(cdir) if cdir else None,
                                                         {"transactions": self.transactions_source,
                                                          "prices": self.prices_source}))
        elif self.cache.owner is not None and self.cache.owner() is not None:
            # a study made from another (dataclasses.replace, with other events or another panel) does not read
            # the other's derived results: its own cache, in memory, with the same sources
            object.__setattr__(self, "cache", StudyCache(None, {"transactions": self.transactions_source,
                                                                "prices": self.prices_source}))
        self.cache.owner = weakref.ref(self)

    @property
    def transactions(self) -> pd.DataFrame:
        """The tidy transactions table (read from the data directory when first used: a cached study's events
        and returns do not need it)."""
        return self.cache.source("transactions")

    @property
    def prices(self) -> pd.DataFrame:
        """Adjusted closes, dates x tickers (read from the persistent study when first used: the event studies
        need only the returns panel)."""
        return self.cache.source("prices")

    def events_by(self, date: EventDate = "filing", codes: tuple[str, ...] = ("P", "S"),
                  by_class: bool = False, signals: bool = True) -> pd.DataFrame:
        """Events built another way (trade date, other codes), with the same signals (without any with
        ``signals=False``: the arguments of :func:`~insider_kit.build_events`).

        Each variant is built once per study (and kept in the persistent study when there is one); one that a
        worker is building (:meth:`prefetch`) is waited for.
        """
        key = _variant_key((date, codes, by_class, signals))
        if key == "filing-P_S-all":
            return self.events
        c = self.cache
        if f"events_{key}" in c.tables:
            return c.tables[f"events_{key}"]
        if key in c.pending:  # being built by a worker (prefetch): wait for it, then read its file
            try:
                c.pending.pop(key).result()
            except Exception as exc:  # any failure of the worker: build the variant here
                warnings.warn(f"building the {key} events in a worker process failed ({type(exc).__name__}: "
                              f"{exc}); building them here", InsiderKitWarning, stacklevel=2)
        f = c.directory / f"events_{key}.parquet" if c.directory else None
        ev = None
        if f is not None and f.exists():
            try:
                ev = _read_events(f, self.events.attrs)
            except (OSError, ValueError) as exc:
                warnings.warn(f"{f}: unreadable cached events ({exc}); rebuilding them", InsiderKitWarning,
                              stacklevel=2)
        if ev is None:
            ev = _variant_events(self.transactions, self.panel, (date, codes, by_class, signals), self.firms,
                                 self.params, f)
        c.tables[f"events_{key}"] = ev
        return ev

    def prefetch(self, variants: Sequence[Variant]) -> None:
        """Start building the event *variants* (``(date, codes, by_class[, signals])``, the arguments of
        :meth:`events_by`) that the persistent study does not hold yet, in one worker process, in the order
        given; a later :meth:`events_by` waits for its variant.  The worker reads the transactions and returns
        once for all of them, and this process keeps the other core for its own work meanwhile: on two cores,
        one worker per variant only made three processes share them.

        Nothing happens without a persistent study, on one core, or inside a worker process; a worker that
        fails leaves the variant to be built by :meth:`events_by` (with a warning).

        Parameters
        ----------
        variants
            ``(date, codes, by_class)`` or ``(date, codes, by_class, signals)`` of each variant.

        Returns
        -------
        None

        Examples
        --------
        >>> import insider_kit as ik
        >>> study = ik.load_study("sample")
        >>> study.prefetch([("trade", ("P", "S"), False)])
        >>> trade = study.events_by(date="trade")  # waits for the worker, reads what it wrote
        >>> len(trade) > 0
        True
        """
        import multiprocessing

        c = self.cache
        if not c.directory or (os.cpu_count() or 1) < 2 or multiprocessing.current_process().daemon:
            return
        todo = [v for v in variants if (k := _variant_key(v)) != "filing-P_S-all" and f"events_{k}" not in c.tables
                and k not in c.pending and not (c.directory / f"events_{k}.parquet").exists()]
        if not todo:
            return
        # forkserver: a clean worker (no copy of this process's threads or tables), ended with this process; it
        # reads the persistent study's returns and the tidy transactions itself
        from ._workers import process_pool, starting_workers

        pool = process_pool(1)
        with starting_workers():  # (an unguarded main script is not re-run by the workers)
            for v in todo:
                c.pending[_variant_key(v)] = pool.submit(_variant_worker, str(self.paths.root), str(c.directory), v,
                                                         self.params)
        pool.shutdown(wait=False)  # the workers finish their variants; the futures stay valid

    def building(self, v: Variant) -> bool:
        """Whether a worker (:meth:`prefetch`) is still building event variant *v*.

        Parameters
        ----------
        v
            The variant.

        Returns
        -------
        bool
            True while its worker runs.
        """
        f = self.cache.pending.get(_variant_key(v))
        return f is not None and not f.done()

    def derived(self, name: str, build: Callable[[], Any], *, persist: bool = True) -> Any:
        """A table (or value) derived from this study, built once and kept in :attr:`cache` — with *persist*, a
        frame kept in the persistent study too, which later sessions read back.  The analysis functions that
        take a study (the claims ledger, its grids) ask for their results through this method, so they hold no
        cache of their own.

        Parameters
        ----------
        name
            The result's name (it encodes the settings it was made with).
        build
            Makes it.
        persist
            Keep it in the persistent study (a frame with a plain index) as well as in memory.

        Returns
        -------
        object
            The result.

        Examples
        --------
        >>> import insider_kit as ik, pandas as pd
        >>> study = ik.load_study("sample")
        >>> study.derived("example_in_memory", lambda: 42, persist=False)
        42
        """
        return self.cache.frame(name, build) if persist else self.cache.value(name, build)

    def net_purchase_ratio(self) -> pd.DataFrame:
        """The monthly market-wide net purchase ratio with the market's past and forward returns
        (:func:`insider_kit.net_purchase_ratio` of the transactions and the panel's market series), built once
        per study and kept in the persistent study (the ledger's market claim and notebook 04 share it).

        Returns
        -------
        pandas.DataFrame
            One row per month.

        Examples
        --------
        >>> import insider_kit as ik
        >>> study = ik.load_study("sample")
        >>> npr = study.net_purchase_ratio()
        >>> npr.equals(ik.net_purchase_ratio(study.transactions, study.panel.market_series()))
        True
        """
        def build() -> pd.DataFrame:
            from .signals.trades import TRADE_INPUTS

            # the trades' columns only, unless the whole table is already in memory
            tx = self.transactions if self.cache.loaded("transactions") else _transactions(self.paths, TRADE_INPUTS)
            return _npr_table(tx, self.panel)

        d = self.cache.frame("npr", build)
        return d.set_index(pd.PeriodIndex(d["month"], freq="M", name="month")).drop(columns="month")

    def banner(self) -> str:
        """Markdown banner for notebooks (synthetic or real)."""
        return banner(self.paths)

    def quality(self) -> QualityReport:
        """The data-quality report: events not studied by reason, survivorship, suspicious prices, calendars
        (:func:`insider_kit.quality.data_quality`)."""
        from .quality import data_quality

        return self.cache.value("quality", lambda: data_quality(self))

    def market_caps(self) -> pd.DataFrame | None:
        """Market capitalisation per day and ticker (adjusted close x shares outstanding from ``firms.csv``),
        a size proxy for value weighting; None when the data have no shares outstanding."""
        if self.firms is None or "shares_outstanding" not in self.firms.columns:
            return None
        so = (self.firms.dropna(subset=["shares_outstanding"]).drop_duplicates("ticker").set_index("ticker")
              ["shares_outstanding"].astype(float))
        cols = so.index.intersection(self.prices.columns)
        return self.prices[cols] * so[cols] if len(cols) else None

    def __repr__(self) -> str:
        return (f"Study({self.paths.root}{' [SYNTHETIC]' if self.synthetic else ''}: {self._n_transactions():,} "
                f"transactions, {len(self.events):,} events, {self.panel!r})")

    def _n_transactions(self) -> int:
        """The transactions' count, from the tidy files' metadata when the table is not loaded (showing a
        cached study must not read millions of rows)."""
        if self.cache.loaded("transactions"):
            return len(self.transactions)
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(f).metadata.num_rows for f in sorted(self.paths.transactions.glob("quarter=*/*.parquet")))


def tickers_from_transactions(p: DataPaths) -> list[str]:
    """Every ticker with open-market trades (P/S) in the tidy transactions of *p*.

    Parameters
    ----------
    p
        The data directory (its tidy tables must be built).

    Returns
    -------
    list of str
        Sorted tickers.

    Examples
    --------
    >>> from insider_kit.config import paths
    >>> tickers = tickers_from_transactions(paths("sample"))
    >>> tickers == sorted(tickers) and len(tickers) > 0
    True
    """
    tx = load_transactions(p, columns=["ticker", "trans_code"])
    t = tx.loc[tx["trans_code"].isin(["P", "S"]), "ticker"].dropna().unique()
    return sorted(str(x) for x in t)


# ----------------------------------------------------------------------------------------------- fingerprint
def raw_fingerprint(p: DataPaths) -> str:
    """A digest of the raw inputs of *p*: every file under ``raw/`` and ``firms.csv`` (relative name, size,
    modification time in nanoseconds).  A new, removed, rewritten or touched file changes it.

    Parameters
    ----------
    p
        The data directory.

    Returns
    -------
    str
        A hexadecimal digest (the persistent study's key, with the kit's version and the signal parameters).

    Examples
    --------
    >>> from insider_kit.config import paths
    >>> raw_fingerprint(paths("sample")) == raw_fingerprint(paths("sample"))
    True
    """
    h = hashlib.sha256()
    entries: list[tuple[str, int, int]] = []
    prefix = str(p.root) + os.sep
    for e in walk_entries(p.raw):  # (text paths: a real universe has tens of thousands of raw files)
        if not e.name.startswith("."):
            st = e.stat()
            rel = e.path[len(prefix):] if e.path.startswith(prefix) else Path(e.path).relative_to(p.root).as_posix()
            entries.append((rel.replace(os.sep, "/"), st.st_size, st.st_mtime_ns))
    entries.sort()
    if p.firms.exists():
        st = p.firms.stat()
        entries.append((p.firms.relative_to(p.root).as_posix(), st.st_size, st.st_mtime_ns))
    for name, size, mtime in entries:
        h.update(f"{name}\0{size}\0{mtime}\n".encode())
    return h.hexdigest()


def _study_fingerprint(raw: str, params: SignalParams, market: str, with_factors: bool) -> str:
    key = {"raw": raw, "kit": __version__, "layout": _CACHE_LAYOUT, "params": asdict(params), "market": market,
           "factors": with_factors}
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:24]


# ----------------------------------------------------------------------------------------------- the cache
def _crc(path: Path) -> str:
    c = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            c = zlib.crc32(chunk, c)
    return f"{c:08x}"


def _without_attrs(df: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy without ``attrs`` (they hold Python objects, and Parquet stores attrs as JSON)."""
    out = df.copy(deep=False)
    out.attrs = {}
    return out


#: An event variant: ``(date, codes, by_class)`` or ``(date, codes, by_class, signals)``, the arguments of
#: :meth:`Study.events_by`.
Variant = tuple[str, tuple[str, ...], bool] | tuple[str, tuple[str, ...], bool, bool]


def _variant_args(v: Variant) -> tuple[str, tuple[str, ...], bool, bool]:
    return (v[0], v[1], v[2], True) if len(v) == 3 else (v[0], v[1], v[2], v[3])


def _variant_key(v: Variant) -> str:
    date, codes, by_class, signals = _variant_args(v)
    return f"{date}-{'_'.join(codes)}-{'class' if by_class else 'all'}" + ("" if signals else "-bare")


def _variant_events(tx: pd.DataFrame, panel: ReturnsPanel, v: Variant, firms: pd.DataFrame | None,
                    params: SignalParams, f: Path | None) -> pd.DataFrame:
    """Build event variant *v* and keep it at *f* (the persistent study), when given and writable."""
    date, codes, by_class, signals = _variant_args(v)
    ev = build_events(tx, panel, date=date, codes=codes, by_class=by_class, firms=firms,  # type: ignore[arg-type]
                      params=params, signals=signals)
    if f is not None:
        try:
            _write_atomic_parquet(ev, f)
        except OSError:  # a read-only data directory: the variant stays in memory only
            pass
    return ev


def _variant_worker(root: str, cdir: str, v: Variant, params: SignalParams) -> None:
    """In a worker process (:meth:`Study.prefetch`): build variant *v* from the persistent study in *cdir*
    and write it there; nothing when that study is gone (the caller then builds the variant itself)."""
    p = DataPaths(Path(root))
    f = Path(cdir) / f"events_{_variant_key(v)}.parquet"
    if f.exists() or not (Path(cdir) / "manifest.json").exists():
        return
    if _WORKER_INPUTS.get("cdir") != cdir:  # (read once per worker: its later variants share them)
        _WORKER_INPUTS.clear()
        _, panel, _, _ = _read_cache(Path(cdir), p.raw_prices, events=False)
        firms = pd.read_csv(p.firms, dtype={"issuer_cik": str}) if p.firms.exists() else None
        _WORKER_INPUTS.update(cdir=cdir, panel=panel, firms=firms, tx=_transactions(p, EVENT_INPUTS))
    w = _WORKER_INPUTS
    _variant_events(w["tx"], w["panel"], v, w["firms"], params, f)


#: A variant worker's inputs (the returns panel, the firms, the transactions' event columns), read by its first
#: variant and kept for the others (:func:`_variant_worker`).
_WORKER_INPUTS: dict[str, Any] = {}


def _npr_table(tx: pd.DataFrame, panel: ReturnsPanel) -> pd.DataFrame:
    """The net purchase ratio as the persistent study keeps it (:meth:`Study.net_purchase_ratio`): the month as
    text in a column (Parquet has no period type)."""
    from .signals import net_purchase_ratio

    npr = net_purchase_ratio(tx, panel.market_series())
    return npr.set_axis(npr.index.astype(str), axis=0).reset_index()


def _write_atomic_parquet(df: pd.DataFrame, dest: Path) -> None:
    from ._io import atomic_path

    with atomic_path(dest) as tmp:
        _without_attrs(df).to_parquet(tmp, index=False)


def _read_events(f: Path, attrs: dict[Any, Any]) -> pd.DataFrame:
    ev = read_parquet_tables([f])
    ev.attrs.update(attrs)
    return ev


def _write_cache(cdir: Path, *, events: pd.DataFrame, panel: ReturnsPanel, prices: pd.DataFrame,
                 meta: dict[str, Any], derived: dict[str, pd.DataFrame] | None = None) -> None:
    """Write the study into *cdir* atomically: a sibling temporary directory, renamed into place; *derived*:
    tables of :meth:`StudyCache.frame` made with the study (``{name}.parquet``)."""
    cdir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{cdir.name}.", suffix=".part", dir=cdir.parent))
    try:
        _without_attrs(events).to_parquet(tmp / "events.parquet", index=False)
        for name, df in (derived or {}).items():
            df.to_parquet(tmp / f"{name}.parquet", index=False)
        np.save(tmp / "returns.npy", panel.values)
        np.save(tmp / "prices.npy", prices.to_numpy(float))
        if panel.market is not None:
            np.save(tmp / "market.npy", panel.market)
        pd.DataFrame({"date": panel.dates}).to_parquet(tmp / "dates.parquet", index=False)
        pd.DataFrame({"ticker": panel.tickers.astype(str)}).to_parquet(tmp / "tickers.parquet", index=False)
        pd.DataFrame({"date": prices.index}).to_parquet(tmp / "price_dates.parquet", index=False)
        pd.DataFrame({"ticker": prices.columns.astype(str)}).to_parquet(tmp / "price_tickers.parquet", index=False)
        if panel.factors is not None:
            panel.factors.to_parquet(tmp / "factors.parquet")
        panel.suspicious.astype({"ticker": str}).to_parquet(tmp / "suspicious.parquet", index=False)
        if panel.delisted is not None:
            np.save(tmp / "delisted.npy", panel.delisted)
        files = {f.name: _crc(f) for f in sorted(tmp.iterdir())}
        (tmp / "manifest.json").write_text(json.dumps({"files": files, **meta}, default=str, indent=1))
        if cdir.exists():
            shutil.rmtree(cdir)
        os.replace(tmp, cdir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _read_cache(cdir: Path, raw_prices: Path, *, events: bool = True
                ) -> tuple[pd.DataFrame, ReturnsPanel, Callable[[], pd.DataFrame], dict[str, Any]]:
    """Read and verify a cached study; raises :class:`DataError` when anything is missing or damaged.
    *events* False: the events table is verified but not read (an empty frame in its place: a variant worker
    needs the returns panel only)."""
    try:
        man = json.loads((cdir / "manifest.json").read_text())
        for name, crc in man["files"].items():
            if name not in _LAZY and _crc(cdir / name) != crc:  # (the prices are checked when read)
                raise DataError(f"cached file {name} fails its checksum", path=cdir)
        ev = read_parquet_tables([cdir / "events.parquet"]) if events else pd.DataFrame()
        dates = pd.DatetimeIndex(pd.read_parquet(cdir / "dates.parquet")["date"])
        tickers = pd.Index(pd.read_parquet(cdir / "tickers.parquet")["ticker"].astype(object))
        # memory-mapped (read-only, like every panel): the pages are the page cache's, shared by the report's
        # notebook kernels instead of a private copy in each (not on Windows, where a mapped file cannot be
        # replaced by a rebuild)
        values = np.asarray(np.load(cdir / "returns.npy", allow_pickle=False,
                                    mmap_mode="r" if os.name == "posix" else None))
        market = np.load(cdir / "market.npy", allow_pickle=False) if (cdir / "market.npy").exists() else None
        factors = pd.read_parquet(cdir / "factors.parquet") if (cdir / "factors.parquet").exists() else None
        susp = pd.read_parquet(cdir / "suspicious.parquet")
        delisted = np.load(cdir / "delisted.npy", allow_pickle=False) if (cdir / "delisted.npy").exists() else None
    except DataError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"cached study cannot be read ({type(exc).__name__}: {exc})", path=cdir) from exc
    panel = ReturnsPanel(values, dates, tickers, market, man.get("market"), factors, susp, delisted)
    return ev, panel, _cached_prices(cdir, man, raw_prices), man


#: Cache files read on first use, not with the study (their checksums are verified then).
_LAZY = frozenset({"prices.npy"})


def _cached_prices(cdir: Path, man: dict[str, Any], raw_prices: Path) -> Callable[[], pd.DataFrame]:
    """How to read the cached adjusted closes when first used: verified against the manifest's checksum; a
    damaged or missing file is not used (the prices are read from the price files again, with a warning)."""
    def read() -> pd.DataFrame:
        try:
            if _crc(cdir / "prices.npy") != man["files"]["prices.npy"]:
                raise DataError("cached file prices.npy fails its checksum", path=cdir)
            return pd.DataFrame(np.load(cdir / "prices.npy", allow_pickle=False),
                                index=pd.DatetimeIndex(pd.read_parquet(cdir / "price_dates.parquet")["date"], name="date"),
                                columns=pd.Index(pd.read_parquet(cdir / "price_tickers.parquet")["ticker"].astype(object),
                                                 name="ticker"))
        except (DataError, OSError, ValueError, KeyError) as exc:
            warnings.warn(f"{exc}; reading the prices from the price files", InsiderKitWarning, stacklevel=3)
            return load_prices(raw_prices)
    return read


def event_dating(tx: pd.DataFrame, *, same_share: float = 0.9) -> tuple[Literal["filing", "trade"], str]:
    """How the open-market trades of *tx* can be dated: by filing (the public date: the default) or only by
    trade, and why.

    Data dated by trade only: no filing dates at all, or filing dates equal to the trade dates for at least
    *same_share* of the trades (a source that knows only the trade date, copied into the filing date; Form 4
    is due two business days after the trade, so real filing dates mostly differ).

    Parameters
    ----------
    tx
        Transactions with ``trans_code``, ``filing_date`` and ``trans_date``.
    same_share
        The share of equal dates from which the filing dates are taken to be trade dates.

    Returns
    -------
    (str, str)
        ``"filing"`` or ``"trade"``, and the reason ('' for filing).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"trans_code": ["P", "S"], "trans_date": pd.to_datetime(["2024-01-02", "2024-01-03"]),
    ...                    "filing_date": pd.to_datetime(["2024-01-02", "2024-01-03"])})
    >>> event_dating(tx)
    ('trade', 'the filing dates equal the trade dates for 100% of the open-market trades')
    """
    if not {"trans_code", "filing_date", "trans_date"} <= set(tx.columns):
        return "filing", ""
    om = tx["trans_code"].isin(["P", "S"]).to_numpy(bool)
    if not om.any():
        return "filing", ""
    fd = pd.to_datetime(tx.loc[om, "filing_date"])
    td = pd.to_datetime(tx.loc[om, "trans_date"])
    if fd.isna().all():
        return "trade", "the data carry no filing dates"
    both = fd.notna() & td.notna()
    same = float((fd[both] == td[both]).mean()) if both.any() else 0.0
    if same >= same_share:
        return "trade", f"the filing dates equal the trade dates for {same:.0%} of the open-market trades"
    return "filing", ""


#: Known delisting returns beside the price files (``ticker,date,dlret``: CRSP's convention; the teaching market
#: writes one, and so may a user).
DELISTINGS_FILE = "delistings.csv"


def read_delistings(p: DataPaths) -> pd.DataFrame | None:
    """The delisting returns of a data directory (``raw/prices/delistings.csv``), or None when it has none.

    Parameters
    ----------
    p
        The data directory.

    Returns
    -------
    pandas.DataFrame or None
        ``ticker, date, dlret``.

    Raises
    ------
    DataError
        The file lacks a column or holds a value that is not a date or a number (named).

    Examples
    --------
    >>> from insider_kit.config import paths
    >>> dl = read_delistings(paths("sample"))
    >>> dl is None or list(dl.columns) == ["ticker", "date", "dlret"]
    True
    """
    f = p.raw_prices / DELISTINGS_FILE
    if not f.exists():
        return None
    try:
        df = pd.read_csv(f, dtype=str)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read the delisting returns ({exc})", path=f) from exc
    df.columns = [c.strip().lower() for c in df.columns]
    if not {"ticker", "date", "dlret"} <= set(df.columns):
        raise DataError(f"delisting returns need columns ticker, date, dlret; found {list(df.columns)}", path=f)
    from .days import parse_dates

    out = pd.DataFrame({"ticker": df["ticker"].str.strip(), "date": parse_dates(df["date"]),
                        "dlret": pd.to_numeric(df["dlret"].where(df["dlret"].str.fullmatch(r"\s*-?\d*\.?\d+\s*")),
                                               errors="coerce")})
    bad = out["date"].isna() | out["dlret"].isna() | out["ticker"].isna()
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"row {k + 2}: not a ticker, a date (YYYY-MM-DD) and a return: {df.iloc[k].tolist()}", path=f)
    return out


# ----------------------------------------------------------------------------------------------- load_study
def _transactions(p: DataPaths, columns: frozenset[str] | None = None) -> pd.DataFrame:
    """The tidy transactions, tickers filled from the SEC's CIK map where a filing has none (its own symbol
    wins); *columns*: only those of the tidy columns (the events' or the trades' inputs: the long text columns
    are half the reading)."""
    tx = load_transactions(p, columns=None if columns is None else [c for c in TIDY_COLUMNS if c in columns])
    if p.company_tickers.exists() and tx["ticker"].isna().any():
        m = cik_ticker_map(load_company_tickers(p.company_tickers), tx[["issuer_cik", "ticker"]])
        tx["ticker"] = tx["ticker"].fillna(tx["issuer_cik"].map(m))
    return tx


def _with_track_record(events: pd.DataFrame, tx: pd.DataFrame, panel: ReturnsPanel) -> pd.DataFrame:
    """*events* with their insiders' point-in-time track record (:func:`insider_kit.insider_track_record`:
    ``track_car``, ``track_n``, ``track_hit``, ``days_since_previous``); unchanged when the data name no insider
    (the claims that need a track record then say *not testable*, and why)."""
    from .signals.track import insider_track_record

    if events.empty:
        return events
    try:
        return events.join(insider_track_record(events, tx, panel))
    except DataError:
        return events


def load_study(data_dir: str | Path | None = None, *, market: str = "auto", params: SignalParams | None = None,
               with_factors: bool = True, progress: bool = False, cache: bool = True) -> Study:
    """Load (and build when missing or stale) everything a study needs from one data directory.

    Parameters
    ----------
    data_dir
        The data directory, or ``"sample"`` for the teaching market; default: the configured one
        (:func:`insider_kit.config.study_dir`: ``$INSIDER_KIT_DATA``, else ``./data``; its ``sample/`` when it
        holds no data of its own).
    market
        The market series' ticker among the prices; ``"auto"``: the teaching-market index for synthetic
        data, else ``SPY``.
    params
        Signal parameters (default :class:`~insider_kit.signals.SignalParams`).
    with_factors
        Load Fama-French factors when the directory has them.
    progress
        Progress bars for the tidy build.
    cache
        Use and write the persistent study (module docstring).

    Returns
    -------
    Study

    Raises
    ------
    ConfigError
        The directory does not exist (the message names it and the command that creates it).
    DataError
        No filings or prices in it, or a file that cannot be read.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> study.synthetic
    True
    >>> sorted(study.events["direction"].unique())
    ['buy', 'sell']
    """
    p = DataPaths(study_dir(data_dir))
    if not tidy_is_current(p):
        build_tidy(p, progress=progress)
    truth = json.loads(p.truth.read_text()) if p.truth.exists() else None
    mkt = market_ticker(p, market)
    firms = pd.read_csv(p.firms, dtype={"issuer_cik": str}) if p.firms.exists() else None
    sp = params or SignalParams()
    has_factors = with_factors and p.raw_factors.exists() and any(p.raw_factors.iterdir())
    fp = _study_fingerprint(raw_fingerprint(p), sp, mkt, has_factors)
    cdir = p.study_cache / fp
    meta: dict[str, Any] = {"fingerprint": fp}
    if cache and (cdir / "manifest.json").exists():
        try:
            events, panel, cached_prices, man = _read_cache(cdir, p.raw_prices)
            events.attrs.update({"no_ticker": man.get("no_ticker", 0), "params": sp})
            meta.update(cache="hit", cache_dir=str(cdir), dating=man.get("dating", ""))
            return Study(p, lambda: _transactions(p), cached_prices, panel, events, firms, mkt, p.is_synthetic, sp,
                         truth, meta, man.get("dated_by", "filing"))
        except DataError as exc:
            warnings.warn(f"{exc}; rebuilding the study", InsiderKitWarning, stacklevel=2)
    from concurrent.futures import ThreadPoolExecutor

    note = _progress.begin(f"building the study for {p.root} (first time for these files, ~20 s on the teaching "
                           "market; cached afterwards) ...", done=f"built the study for {p.root}")
    with ThreadPoolExecutor(max_workers=1) as pool:  # (Parquet and Arrow release the GIL: read while prices load)
        tx_events = pool.submit(_transactions, p, EVENT_INPUTS)  # only the columns events are built from
        prices = load_prices(p.raw_prices)
        factors = load_factors(p.raw_factors) if has_factors else None
        panel = returns_panel(prices, market=mkt, factors=factors, delistings=read_delistings(p))
        tx = tx_events.result()
    dated_by, dating = event_dating(tx)
    events = _with_track_record(build_events(tx, panel, firms=firms, params=sp, date=dated_by), tx, panel)
    # the market's net purchase ratio (the ledger's market claim, notebook 04) from the trades already read,
    # not from a second read of the transactions later
    derived: dict[str, pd.DataFrame] = {}
    if panel.market is not None:
        try:
            derived["npr"] = _npr_table(tx, panel)
        except DataError:  # (no open-market trades: Study.net_purchase_ratio says so when it is asked for)
            pass
    del tx
    meta["cache"] = "built"
    if cache:
        try:
            _write_cache(cdir, events=events, panel=panel, prices=prices, derived=derived,
                         meta={"fingerprint": fp, "market": mkt, "no_ticker": events.attrs.get("no_ticker", 0),
                               "dated_by": dated_by, "dating": dating,
                               "kit": __version__})
            meta["cache_dir"] = str(cdir)
            for old in p.study_cache.iterdir():  # older fingerprints of this directory are stale
                if old.is_dir() and old.name != fp and not old.name.startswith("."):
                    shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:  # a read-only directory: carry on without the cache, say so
            warnings.warn(f"cannot write the study cache under {p.study_cache} ({exc}); it will be rebuilt "
                          "next time", InsiderKitWarning, stacklevel=2)
    meta["dating"] = dating
    study = Study(p, lambda: _transactions(p), prices, panel, events, firms, mkt, p.is_synthetic, sp, truth, meta,
                  dated_by)
    study.cache.tables.update(derived)
    note.end()
    return study


def warm_grids(study: Study, date: Literal["filing", "trade"]) -> None:
    """Compute the default robustness and claim grids' rows of event *date* now (kept in the study's memory),
    unless the grids are already kept by the study: :func:`run_ledger` does this while a worker builds the event
    variants the ledger waits for, so the grids asked for later (the report's, notebook 02's) are assembled
    from rows already made.

    Parameters
    ----------
    study
        The study.
    date
        ``filing`` or ``trade``.

    Returns
    -------
    None

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> warm_grids(study, "filing")
    """
    from .claims.robustness import DEFAULT_GRID, grid_names, grid_rows

    models, windows = DEFAULT_GRID
    if study.cache.has(grid_names(models, windows, ("filing", "trade"))[0]):
        return
    try:
        grid_rows(study, models, windows, date)
    except DataError:  # (no grid study can be made: the ledger says why, and a grid asked for later raises)
        return


def run_ledger(study: Study, *, model: Model = "market_adjusted", window: tuple[int, int] = (0, 60),
               negligible: float = 0.01, min_n: int = 30, min_n_months: int = 3, runup_quintile: int = 5,
               plan_threshold: float = 0.5, alpha: float = 0.05, implausible: float = 1.0,
               progress: bool = False) -> pd.DataFrame:
    """The claims ledger of *study*: :func:`insider_kit.claims.run_ledger` (the same table, kept with the
    study), with the work around it arranged to use both cores.

    When the study does not hold this ledger yet, a worker process builds the event variants the ledger needs
    (:data:`~insider_kit.claims.ledger.LEDGER_VARIANTS`, :meth:`Study.prefetch`) while this process computes
    the default grids' filing-date rows (:func:`warm_grids`) and then tests the claims in the catalogue's order
    (waiting for a variant only if the worker is not done).  The ledger itself is a pure function of the
    events and the panel: this only changes when its inputs are made.

    Parameters
    ----------
    study
        A loaded study (:func:`load_study`).
    model, window, negligible, min_n, min_n_months, runup_quintile, plan_threshold, alpha, implausible, progress
        The settings of :func:`insider_kit.claims.run_ledger` (see there).

    Returns
    -------
    pandas.DataFrame
        The ledger (:class:`~insider_kit.claims.ledger.Ledger`, columns
        :data:`~insider_kit.claims.LEDGER_COLUMNS`).

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> led = ik.run_ledger(study)
    >>> from insider_kit.claims import run_ledger as pure
    >>> led.equals(pure(study))
    True
    """
    from .claims.ledger import LEDGER_VARIANTS, ledger_name
    from .claims.ledger import run_ledger as ledger

    settings: dict[str, Any] = {
        "model": model, "window": tuple(window), "negligible": negligible, "min_n": min_n,
        "min_n_months": min_n_months, "runup_quintile": runup_quintile, "plan_threshold": plan_threshold,
        "alpha": alpha, "implausible": implausible}
    if not study.events.empty and not study.cache.has(ledger_name(**settings)):
        study.prefetch(LEDGER_VARIANTS)
        if any(study.building(v) for v in LEDGER_VARIANTS):  # this core's work while the worker builds them
            warm_grids(study, "filing")
    return ledger(study, progress=progress, **settings)
