"""Combine both SEC sources into the tidy ``transactions`` and ``owners`` Parquet tables.

Amendment rule (documented, counted)
------------------------------------
A Form 4/A restates the filing it amends.  An amendment *with transaction rows*
supersedes every transaction row of its original: the non-amended filing by the
same issuer and primary reporting owner whose filing date equals the
amendment's ``DATE_OF_ORIG_SUB`` (when given) and whose period of report equals
the amendment's.  The original's rows are removed and counted in
``amendments_replaced_rows``; amendments whose original is not in the loaded data
(filed in a quarter not loaded) are kept and counted in ``amendments_orphan``.
An amendment without transaction rows replaces nothing.

When the same accession arrives from both sources, the EDGAR XML copy is kept
(it carries the acceptance time) and the quarterly-set copy is counted in
``duplicate_source_rows``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from pyarrow import ArrowException

from .._io import (
    atomic_path,
    atomic_write_text,
    directory_lock,
    fingerprint_files,
    read_parquet_tables,
    walk_files,
)
from ..config import DataPaths
from ..errors import DataError
from .dataset import QuarterData, read_quarter
from .form4 import parse_form4_files
from .schema import TIDY_COLUMNS, finalize_columns

__all__ = ["apply_amendments", "build_tidy", "filing_sources", "load_owners", "load_transactions", "tidy_is_current"]

_BUILD = "_build.json"  # in tidy/: what the tables were built from
_COMPLETE = "_COMPLETE"  # in the staging directory: every table written


def apply_amendments(tx: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Apply the amendment rule (module docstring): a Form 4/A replaces every row of the original filing it
    amends (same issuer, owner and period of report, filed no later, and the original's filing date equal to
    the amendment's ``date_of_orig_sub`` when that is given); an amendment whose original is not in the data
    is kept as it is.

    Parameters
    ----------
    tx
        Transactions from every source.

    Returns
    -------
    (kept, counts)
        The rows that remain, and ``amendments``, ``amendments_replaced_rows``, ``amendments_orphan``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"accession": ["A1", "A1", "A2"], "form_type": ["4", "4", "4/A"],
    ...                    "issuer_cik": "1", "owner_cik": "9", "period_of_report": pd.Timestamp("2024-03-01"),
    ...                    "filing_date": pd.to_datetime(["2024-03-04", "2024-03-04", "2024-03-10"]),
    ...                    "date_of_orig_sub": [pd.NaT, pd.NaT, pd.Timestamp("2024-03-04")]})
    >>> kept, counts = apply_amendments(tx)
    >>> kept["accession"].tolist(), counts
    (['A2'], {'amendments': 1, 'amendments_replaced_rows': 2, 'amendments_orphan': 0})
    """
    is_amend = tx["form_type"].astype(str).str.endswith("/A")
    amends = tx[is_amend].drop_duplicates("accession")
    stats = {"amendments": len(amends), "amendments_replaced_rows": 0, "amendments_orphan": 0}
    if amends.empty:
        return tx, stats
    key = ["issuer_cik", "owner_cik", "period_of_report"]
    originals = tx[~is_amend].drop_duplicates("accession")[["accession", "filing_date", *key]]
    m = amends[["accession", "date_of_orig_sub", "filing_date", *key]].merge(
        originals, on=key, suffixes=("_amd", "_orig"), how="left"
    )
    ok = m["accession_orig"].notna() & (m["filing_date_orig"] <= m["filing_date_amd"])
    has_date = m["date_of_orig_sub"].notna()
    ok &= ~has_date | (m["filing_date_orig"] == m["date_of_orig_sub"])
    matched = m[ok]
    replaced = set(matched["accession_orig"])
    stats["amendments_orphan"] = len(set(amends["accession"]) - set(matched["accession_amd"]))
    drop = tx["accession"].isin(replaced) & ~is_amend
    stats["amendments_replaced_rows"] = int(drop.sum())
    return tx[~drop].reset_index(drop=True), stats


def filing_sources(p: DataPaths) -> tuple[list[Path], list[Path]]:
    """The raw filing files of *p*: SEC quarterly zips and EDGAR submissions (``.txt``/``.xml``).

    Parameters
    ----------
    p
        The data directory.

    Returns
    -------
    (zips, submissions)
        Sorted lists of paths (empty when a folder does not exist).

    Examples
    --------
    >>> from insider_kit.config import paths
    >>> p = paths("sample")
    >>> zips, subs = filing_sources(p)
    >>> zips[0].name.endswith("_form345.zip"), subs[0].suffix
    (True, '.txt')
    """
    zips = sorted(p.raw_sec.glob("*_form345.zip")) if p.raw_sec.exists() else []
    xmls = walk_files(p.raw_edgar, (".txt", ".xml"))
    return zips, xmls


def imported_sources(p: DataPaths) -> list[Path]:
    """Imported third-party transaction tables (``raw/imported/transactions/*.parquet``)."""
    d = p.raw_imported / "transactions"
    return sorted(f for f in d.glob("*.parquet") if not f.name.endswith(".dropped.parquet")) if d.exists() else []


def _sources_fingerprint(p: DataPaths) -> str:
    zips, xmls = filing_sources(p)
    return fingerprint_files([*zips, *xmls, *imported_sources(p)], p.root)


def _schema_id() -> str:
    """An identifier of the tidy columns (a build by a kit with other columns is rebuilt)."""
    import hashlib

    return hashlib.sha256("\t".join(TIDY_COLUMNS).encode()).hexdigest()[:16]


def _recover(p: DataPaths) -> None:
    """Finish or undo a tidy swap that a killed build left half done (call with the lock held).

    The swap is: staging complete (marker written) -> ``tidy`` renamed to ``.tidy.old`` -> staging renamed
    to ``tidy`` -> ``.tidy.old`` removed.  Whatever instant a build died at, one of the two consistent
    tables is put back: the new one when its staging directory is complete, else the old one.
    """
    if p.tidy.exists():
        if p.tidy_old.exists():
            shutil.rmtree(p.tidy_old)
        return
    if (p.tidy_staging / _COMPLETE).exists():
        os.replace(p.tidy_staging, p.tidy)
    elif p.tidy_old.exists():
        os.replace(p.tidy_old, p.tidy)


def tidy_is_current(p: DataPaths) -> bool:
    """True when the tidy tables exist and were built from the raw filing files as they are now.

    Parameters
    ----------
    p
        The data directory.

    Returns
    -------
    bool
        False when the tables are missing or a raw file was added, removed or changed since the build.

    Examples
    --------
    >>> from insider_kit.config import paths
    >>> p = paths("sample")
    >>> import insider_kit as ik
    >>> _ = ik.load_study("sample")  # builds the tidy tables when needed
    >>> tidy_is_current(p)
    True
    """
    if not p.tidy.exists() and (p.tidy_old.exists() or p.tidy_staging.exists()) and p.root.exists():
        try:
            with directory_lock(p.lock, what="a build"):
                _recover(p)
        except DataError:
            return False
    f = p.tidy / _BUILD
    if not p.transactions.exists():
        return False
    if not f.exists():  # built by an earlier version: current if there are no raw files to compare with
        zips, xmls = filing_sources(p)
        return not (zips or xmls)
    try:
        manifest = json.loads(f.read_text())
    except (OSError, ValueError):
        return False
    if manifest.get("schema") != _schema_id():
        return False  # built by a kit with other tidy columns
    built = manifest.get("sources")
    zips, xmls = filing_sources(p)
    return not (zips or xmls or imported_sources(p)) or built == _sources_fingerprint(p)


def _read_quarter_cached(p: DataPaths, z: Path) -> QuarterData:
    """:func:`read_quarter`, kept per zip under ``cache/build/`` (keyed by the zip's name, size, modification
    time and the tidy schema) so that a build after adding one quarter re-reads only that quarter."""
    st = z.stat()
    key = f"{z.stem}-{st.st_size}-{st.st_mtime_ns}-{_schema_id()}"
    d = p.cache / "build"
    files = {k: d / f"{key}.{k}.parquet" for k in ("tx", "own", "drop")}
    meta = d / f"{key}.json"
    if meta.exists() and all(f.exists() for f in files.values()):
        try:
            info = json.loads(meta.read_text())
            # (text as Arrow-backed strings, as read_quarter gives it: no Python string per value)
            q = QuarterData(z, read_parquet_tables([files["tx"]]), read_parquet_tables([files["own"]]), pd.DataFrame(),
                            read_parquet_tables([files["drop"]]), info["stats"], info["missing_columns"])
            return q
        except (OSError, ValueError, KeyError, ArrowException):
            pass  # a damaged cache entry: read the zip again
    q = read_quarter(z)
    try:
        d.mkdir(parents=True, exist_ok=True)
        for old in d.glob(f"{z.stem}-*"):  # older versions of this zip
            old.unlink(missing_ok=True)
        for k, df in (("tx", q.transactions), ("own", q.owners), ("drop", q.dropped)):
            with atomic_path(files[k]) as tmp:
                df.to_parquet(tmp, index=False)
        atomic_write_text(meta, json.dumps({"stats": q.stats, "missing_columns": q.missing_columns}))
    except OSError:
        pass  # an unwritable cache only costs the next build its speed
    return q


def _distinct_by_content(files: list[Path]) -> tuple[list[Path], dict[Path, Path]]:
    """*files* without those whose bytes repeat an earlier file's (the same quarter saved under two names),
    and, for each left out, the file it repeats.  Only files of equal size are hashed."""
    import hashlib

    by_size: dict[int, list[Path]] = {}
    for f in files:
        by_size.setdefault(f.stat().st_size, []).append(f)
    same: dict[Path, Path] = {}
    for group in by_size.values():
        if len(group) < 2:
            continue
        first: dict[str, Path] = {}
        for f in group:
            h = hashlib.sha256()
            with open(f, "rb") as fh:
                while chunk := fh.read(1 << 22):
                    h.update(chunk)
            d = h.hexdigest()
            if d in first:
                same[f] = first[d]
            else:
                first[d] = f
    return [f for f in files if f not in same], same


def _quarter_label(d: pd.Series) -> pd.Series:
    return d.dt.year.astype("Int64").astype(str) + "q" + d.dt.quarter.astype("Int64").astype(str)


def build_tidy(p: DataPaths, *, progress: bool = True) -> pd.DataFrame:
    """Turn everything under ``p.raw`` into ``p.tidy`` (idempotent; all-or-nothing).

    Reads every ``raw/sec/*_form345.zip`` and every ``raw/edgar/**/*.txt|*.xml``,
    applies the duplicate-source and amendment rules, and writes
    ``tidy/transactions/quarter=YYYYqN/part-0.parquet`` and ``tidy/owners/...``
    plus ``tidy/dropped.parquet``.  Nothing under ``tidy/`` changes unless the
    whole build succeeds.

    Returns
    -------
    pandas.DataFrame
        One row per source file with rows read / kept / dropped, then totals.

    Parameters
    ----------
    p
        The data directory's paths (:func:`insider_kit.config.paths`).
    progress
        Show a progress bar over the files.

    Examples
    --------
    >>> import insider_kit as ik
    >>> from insider_kit.config import paths
    >>> summary = ik.build_tidy(paths("sample"), progress=False)
    >>> total = summary.set_index("source").loc["TOTAL"]
    >>> int(total["kept"]) == len(ik.load_transactions(paths("sample")))
    True
    """
    if not p.root.is_dir():  # checked before the lock, which would create the directory
        raise DataError(f"data directory {p.root} does not exist",
                        hint="run 'insider-kit sample' for the teaching market, or 'insider-kit fetch sec' for real data")
    with directory_lock(p.lock, what="a build"):
        _recover(p)
        return _build_locked(p, progress=progress)


def _build_locked(p: DataPaths, *, progress: bool) -> pd.DataFrame:
    """The build, under the directory's lock: read every source, combine, write all-or-nothing, summarise."""
    zips, xmls = filing_sources(p)
    imported = imported_sources(p)
    fingerprint = _sources_fingerprint(p)
    if not zips and not xmls and not imported:
        raise DataError(
            f"no raw filings under {p.raw} (expected raw/sec/*_form345.zip or raw/edgar/<cik>/*.txt)",
            hint="run 'insider-kit fetch sec' / 'fetch edgar', or 'insider-kit sample' for the teaching market",
        )
    parts = _Parts()
    zips = _read_zips(p, zips, parts, progress=progress)
    if xmls:
        tx_x, own_x, skipped = parse_form4_files(xmls, progress=progress)
        parts.add(tx_x, own_x, skipped.assign(table=None, line=-1))
        parts.summary.append({"source": f"edgar ({len(xmls)} files)", "rows_read": len(tx_x), "kept": len(tx_x),
                              "dropped": len(skipped)})
    _read_imported(imported, parts)
    tx, owners, dropped, counts = _combine(parts)
    _swap_in(p, tx, owners, dropped, {"sources": fingerprint, "schema": _schema_id(), "zips": [z.name for z in zips],
                                       "edgar_files": len(xmls)})
    out = pd.DataFrame(parts.summary)
    totals = {"source": "TOTAL", "rows_read": int(out["rows_read"].sum()), "kept": len(tx),
              "dropped": int(out["dropped"].sum())}
    out = pd.concat([out, pd.DataFrame([totals])], ignore_index=True)
    out.attrs.update(counts)
    for k, v in counts.items():
        out.loc[len(out)] = {"source": k, "rows_read": v, "kept": pd.NA, "dropped": pd.NA}
    return out


class _Parts:
    """What the sources gave: transactions, owners and dropped rows per source, and one summary row each."""

    def __init__(self) -> None:
        self.tx: list[pd.DataFrame] = []
        self.owners: list[pd.DataFrame] = []
        self.dropped: list[pd.DataFrame] = []
        self.summary: list[dict[str, object]] = []

    def add(self, tx: pd.DataFrame, owners: pd.DataFrame | None, dropped: pd.DataFrame | None) -> None:
        self.tx.append(tx)
        if owners is not None:
            self.owners.append(owners)
        if dropped is not None:
            self.dropped.append(dropped)


def _read_zips(p: DataPaths, zips: list[Path], parts: _Parts, *, progress: bool) -> list[Path]:
    """Every distinct quarterly zip (through the per-quarter cache); a zip with the same bytes as another, and
    an accession already read from an earlier zip, are read once and counted.  Returns the zips read."""
    from .._progress import tqdm

    zips, same = _distinct_by_content(zips)
    for z, first in same.items():
        parts.summary.append({"source": z.name, "rows_read": 0, "kept": 0, "dropped": 0,
                              "absent_columns": f"skipped: the same bytes as {first.name}"})
    seen_acc: set[str] = set()
    quarters = _read_quarters(p, zips)
    for z in tqdm(zips, desc="SEC quarterly zips", unit="zip", disable=not progress):
        q = next(quarters)
        # membership by the quarter's distinct accessions (isin against the growing set would copy all of it
        # into an array for every zip: quadratic in the number of quarters)
        codes, uniq = pd.factorize(q.transactions["accession"], use_na_sentinel=False)
        hit = np.fromiter((a in seen_acc for a in uniq), dtype=bool, count=len(uniq))
        again = hit[codes] if len(codes) else np.zeros(0, dtype=bool)
        if again.any():  # the same filing in two zips (a re-issued quarter): keep the first copy, count the rest
            dup = q.transactions.loc[again, ["accession", "table", "line"]].assign(
                reason="accession already read from an earlier zip")
            q.dropped = pd.concat([q.dropped, dup.assign(file=z.name, table=dup["table"].astype(str))], ignore_index=True)
            q.transactions = q.transactions[~again].reset_index(drop=True)
            q.stats["kept"] -= int(again.sum())
            q.stats["dropped"] += int(again.sum())
        seen_acc.update(uniq[~hit].tolist())
        parts.add(q.transactions, q.owners, q.dropped.assign(file=z.name))
        parts.summary.append({"source": z.name, "rows_read": q.stats["transaction_rows"], "kept": q.stats["kept"],
                              "dropped": q.stats["dropped"],
                              "absent_columns": "; ".join(f"{k}: {','.join(v)}" for k, v in q.missing_columns.items())})
    return zips


def _is_cached(p: DataPaths, z: Path) -> bool:
    st = z.stat()
    return (p.cache / "build" / f"{z.stem}-{st.st_size}-{st.st_mtime_ns}-{_schema_id()}.json").exists()


def _read_quarters(p: DataPaths, zips: list[Path]) -> Iterator[QuarterData]:
    """:func:`_read_quarter_cached` of every zip, in order; the zips not in the cache are read by two worker
    processes at once when there are several (reading a quarter is pandas work that holds the GIL)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    todo = [z for z in zips if not _is_cached(p, z)]
    workers = min(2, os.cpu_count() or 1, len(todo))
    # (a daemonic process, e.g. a multiprocessing.Pool worker, may not start processes of its own)
    if workers < 2 or len(todo) < 4 or multiprocessing.current_process().daemon:
        for z in zips:
            yield _read_quarter_cached(p, z)
        return

    # forkserver: a clean worker (no copy of the parent's threads or its large tables)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        futures = {z: pool.submit(_read_quarter_cached, p, z) for z in todo}
        for z in zips:
            yield futures[z].result() if z in futures else _read_quarter_cached(p, z)


def _read_imported(imported: list[Path], parts: _Parts) -> None:
    """The third-party tables imported under ``raw/imported/`` (and their dropped rows)."""
    for f in imported:
        try:
            part = pd.read_parquet(f)
        except (OSError, ValueError) as exc:
            raise DataError(f"unreadable imported table ({exc})", path=f, hint="import the file again") from exc
        d = f.with_name(f.name.replace(".parquet", ".dropped.parquet"))
        dd = pd.read_parquet(d) if d.exists() else None
        parts.add(part, None, dd)
        n_drop = len(dd) if dd is not None else 0
        parts.summary.append({"source": f"imported {f.name}", "rows_read": len(part) + n_drop, "kept": len(part),
                              "dropped": n_drop})


def _combine(parts: _Parts) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """One transactions table (the EDGAR copy of an accession preferred to the data set's, the amendment rule
    applied, sorted), the owners and the dropped rows; and the rules' counts."""
    tx = (pd.concat([t for t in parts.tx if len(t)], ignore_index=True) if any(len(t) for t in parts.tx)
          else pd.DataFrame({"accession": pd.Series(dtype=object)}))
    tx = finalize_columns(tx)
    # duplicate source: prefer EDGAR XML copy of an accession
    edgar_acc = set(tx.loc[tx["source"] == "edgar_xml", "accession"])
    dup_src = ((tx["source"] == "sec_dataset") & tx["accession"].isin(edgar_acc)).to_numpy(bool)
    n_dup = int(dup_src.sum())
    tx = tx[~dup_src]
    tx, amend = apply_amendments(tx)
    tx = tx.sort_values(["filing_date", "accession", "table", "line"], kind="stable").reset_index(drop=True)
    owners = pd.concat(nonempty, ignore_index=True) if (nonempty := [o for o in parts.owners if len(o)]) else pd.DataFrame()
    if len(owners):
        owners = owners.drop_duplicates(["accession", "owner_cik"]).reset_index(drop=True)
        owners["filing_date"] = pd.to_datetime(owners["filing_date"])
        for c in ("accession", "owner_cik", "owner_name", "officer_title", "issuer_cik"):
            owners[c] = owners[c].astype("string")
        owners["role"] = owners["role"].astype("string")
    dropped = (pd.concat([d for d in parts.dropped if len(d)], ignore_index=True) if any(len(d) for d in parts.dropped)
               else pd.DataFrame(columns=["accession", "reason", "file"]))
    for c in dropped.columns:
        if c != "line":
            dropped[c] = dropped[c].astype("string")
    return tx, owners, dropped, amend | {"duplicate_source_rows": n_dup}


def _swap_in(p: DataPaths, tx: pd.DataFrame, owners: pd.DataFrame, dropped: pd.DataFrame, build: dict[str, object]) -> None:
    """Write all-or-nothing: build in a staging directory, mark it complete, then swap it in (see _recover)."""
    stage, old = p.tidy_staging, p.tidy_old
    if stage.exists():
        shutil.rmtree(stage)
    try:
        (stage / "transactions").mkdir(parents=True)
        tx_q = tx.assign(quarter=_quarter_label(tx["filing_date"]))
        for q, part in tx_q.groupby("quarter", sort=True):
            d = stage / "transactions" / f"quarter={q}"
            d.mkdir()
            part.drop(columns="quarter").to_parquet(d / "part-0.parquet", index=False)
        (stage / "owners").mkdir()
        if len(owners):
            owners.to_parquet(stage / "owners" / "part-0.parquet", index=False)
        dropped.to_parquet(stage / p.dropped.name, index=False)
        (stage / _BUILD).write_text(json.dumps(build))
        (stage / _COMPLETE).write_text("")
        if old.exists():
            shutil.rmtree(old)
        if p.tidy.exists():
            os.replace(p.tidy, old)
        os.replace(stage, p.tidy)
        (p.tidy / _COMPLETE).unlink()
        if old.exists():
            shutil.rmtree(old)
    except OSError as exc:
        raise DataError(f"cannot write the tidy tables ({exc}); is the data directory writable?", path=p.root) from exc
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def load_transactions(p: DataPaths, *, columns: list[str] | None = None) -> pd.DataFrame:
    """Read the tidy transactions table (all quarters).

    Parameters
    ----------
    p
        The data directory's paths (:func:`insider_kit.config.paths`).
    columns
        Read only these columns (default: all, in the order of :data:`insider_kit.filings.TIDY_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        One row per transaction line of every filing, in the tidy layout.

    Raises
    ------
    NotFoundError
        No tidy tables: run ``insider-kit build`` (or :func:`insider_kit.load_study`, which builds them).

    Examples
    --------
    >>> import insider_kit as ik
    >>> from insider_kit.config import paths
    >>> tx = ik.load_transactions(paths("sample"), columns=["ticker", "trans_code", "shares"])
    >>> tx.columns.tolist()
    ['ticker', 'trans_code', 'shares']
    """
    if not p.tidy.exists():
        tidy_is_current(p)  # finishes a swap a killed build left half done
    d = p.transactions
    files = sorted(d.glob("quarter=*/*.parquet")) if d.exists() else []
    if not files:
        raise DataError(f"no tidy transactions under {d}", hint="run 'insider-kit build' first")
    import pyarrow as pa

    cols = columns or TIDY_COLUMNS
    try:
        tx = read_parquet_tables(files, list(cols))  # text as the schema's Arrow-backed strings
    except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
        raise DataError(f"the tidy tables cannot be read with this version's columns ({exc})", path=d,
                        hint="rebuild them: insider-kit build") from exc
    return tx


def load_owners(p: DataPaths) -> pd.DataFrame:
    """Read the tidy owners table (every reporting owner of every filing).

    Parameters
    ----------
    p
        The data directory's paths (:func:`insider_kit.config.paths`).

    Returns
    -------
    pandas.DataFrame
        One row per reporting owner of each filing: accession, owner CIK and name, role flags, title.

    Examples
    --------
    >>> import insider_kit as ik
    >>> from insider_kit.config import paths
    >>> owners = ik.load_owners(paths("sample"))
    >>> {"accession", "owner_cik"} <= set(owners.columns)
    True
    """
    f = p.owners / "part-0.parquet"
    if not f.exists():
        raise DataError(f"no tidy owners table at {f}", hint="run 'insider-kit build' first")
    return pd.read_parquet(f)


