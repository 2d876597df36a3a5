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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import ArrowException

from .. import __version__
from .._io import (
    atomic_path,
    atomic_write_text,
    directory_lock,
    fingerprint_files,
    isin_text,
    read_parquet_tables,
    walk_files,
)
from ..config import DataPaths
from ..errors import DataError
from .dataset import QuarterData, read_quarter
from .form4 import parse_form4_files
from .schema import DROPPED_COLUMNS, TIDY_COLUMNS, finalize_columns

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
    kept, stats, _, _ = _apply_amendments(tx)
    return kept, stats


_AMEND_KEY = ["issuer_cik", "owner_cik", "period_of_report"]
_AMEND_COLUMNS = ["accession", "form_type", "filing_date", "date_of_orig_sub", *_AMEND_KEY]


def _is_amendment(tx: pd.DataFrame) -> np.ndarray:
    form = tx["form_type"]
    if not isinstance(form.dtype, pd.StringDtype):  # (Arrow-backed text is searched where it is)
        form = form.astype("string")
    return form.str.endswith("/A").fillna(False).to_numpy(bool)


def _amendment_pairs(tx: pd.DataFrame, is_amend: np.ndarray) -> pd.DataFrame:
    """Each amendment of *tx* with each original it replaces (``accession_amd``, ``accession_orig``): same
    issuer, primary owner and period of report, filed no later, on the amendment's ``date_of_orig_sub`` when
    that is given.  (Every row of a filing carries the same issuer, primary owner and period.)"""
    amends = tx.loc[is_amend, _AMEND_COLUMNS]
    amends = amends[_first_of(amends, ["accession"])]
    # an original shares its amendment's issuer and owner: only the filings of the insider-issuer pairs that
    # filed an amendment can match (the inner merge below keeps the matches in the same order either way)
    cand = isin_text(_pair_text(tx), _pair_text(amends))
    missing = tx["issuer_cik"].isna().to_numpy(bool) | tx["owner_cik"].isna().to_numpy(bool)
    if amends["issuer_cik"].isna().any() or amends["owner_cik"].isna().any():
        cand |= missing  # (pandas' merge matches a missing key to a missing key)
    cand &= ~is_amend
    originals = tx.loc[cand, ["accession", "filing_date", *_AMEND_KEY]]
    originals = originals[_first_of(originals, ["accession"])]
    m = amends.drop(columns="form_type").merge(originals, on=_AMEND_KEY, suffixes=("_amd", "_orig"), how="inner")
    ok = (m["filing_date_orig"] <= m["filing_date_amd"]).fillna(False).to_numpy(bool)
    has_date = m["date_of_orig_sub"].notna().to_numpy(bool)
    ok &= ~has_date | (m["filing_date_orig"] == m["date_of_orig_sub"]).fillna(False).to_numpy(bool)
    return m.loc[ok, ["accession_amd", "accession_orig"]].reset_index(drop=True)


def _first_of(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """``~df.duplicated(cols)`` (the first row of each combination of *cols*; missing values equal to each
    other): each column coded by its own factorize, which hashes Arrow-backed text in Arrow."""
    key = np.zeros(len(df), dtype=np.int64)
    for c in cols:
        codes, uniq = df[c].factorize(use_na_sentinel=False)
        key = key * (len(uniq) + 1) + codes  # (a few million rows of a few columns: far from int64's range)
    return ~pd.Series(key).duplicated().to_numpy(bool)


def _pair_text(t: pd.DataFrame) -> pa.ChunkedArray:
    """``issuer_cik`` and ``owner_cik`` joined into one text per row (missing when either is), in Arrow."""
    import pyarrow.compute as pc

    def text(s: pd.Series) -> pa.Array | pa.ChunkedArray:
        if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
            return pa.array(s.array).cast(pa.large_string())  # (the column's own Arrow buffers)
        return pa.array(s.astype(object).where(s.notna(), None).tolist(), pa.large_string())

    return pc.binary_join_element_wise(text(t["issuer_cik"]), text(t["owner_cik"]), pa.scalar("\x1f", pa.large_string()))


def _apply_amendments(tx: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int], pd.DataFrame, list[str]]:
    """:func:`apply_amendments`, and the rows it removed and the accessions of the amendments without an
    original (kept with the tidy tables, so that a later build that adds a quarter can apply the rule to the
    new rows alone)."""
    drop, stats, orphans = _amendment_drops(tx)
    return tx[~drop].reset_index(drop=True), stats, tx[drop].reset_index(drop=True), orphans


def _amendment_drops(tx: pd.DataFrame) -> tuple[np.ndarray, dict[str, int], list[str]]:
    """Which rows of *tx* the amendment rule removes, its counts and the amendments without an original."""
    is_amend = _is_amendment(tx)
    stats = {"amendments": 0, "amendments_replaced_rows": 0, "amendments_orphan": 0}
    if not is_amend.any():
        return np.zeros(len(tx), dtype=bool), stats, []
    pairs = _amendment_pairs(tx, is_amend)
    amend_acc = pd.unique(tx.loc[is_amend, "accession"])
    orphans = sorted(set(amend_acc) - set(pairs["accession_amd"]))
    drop = isin_text(tx["accession"], pairs["accession_orig"]) & ~is_amend
    stats.update(amendments=len(amend_acc), amendments_replaced_rows=int(drop.sum()), amendments_orphan=len(orphans))
    return drop, stats, [str(a) for a in orphans]


def _is_tidy(tx: pd.DataFrame) -> bool:
    """True when *tx* has the tidy columns in order with the schema's types (finalize would not change it)."""
    want = finalize_columns(pd.DataFrame({"accession": pd.Series([], dtype=object)})).dtypes
    return list(tx.columns) == TIDY_COLUMNS and all(tx[c].dtype == want[c] for c in TIDY_COLUMNS)


def _sorted_kept(tx: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows of *tx* where *keep*, in the tidy order (filing date, accession, table, line; stable).  The
    order is found on the key columns alone; the leading rows already in place are filtered, only the rest
    are taken (the quarters arrive sorted, so usually only the EDGAR filings move)."""
    rows = np.flatnonzero(keep)
    order = _stable_order(tx[_TX_ORDER].take(rows))
    moved = np.flatnonzero(order != np.arange(len(order)))
    k = int(moved[0]) if len(moved) else len(order)
    if k == 0:
        return tx.take(rows[order]).reset_index(drop=True)
    end = int(rows[k - 1]) + 1
    head = tx.iloc[:end][keep[:end]] if not keep[:end].all() else tx.iloc[:end]
    if k == len(order):
        return head.reset_index(drop=True)
    return pd.concat([head, tx.take(rows[order[k:]])], ignore_index=True)


def _stable_order(keys: pd.DataFrame) -> np.ndarray:
    """The positions that sort *keys* by its columns in turn: ascending, missing values last, ties in their
    order (``keys.sort_values(list(keys.columns), kind="stable")``'s order).  Arrow's sort, on the columns as
    they are (pandas turns each text key into a categorical first); text compares by its UTF-8 bytes, which is
    the order of code points in which Python compares ``str``.

    Examples
    --------
    >>> import pandas as pd
    >>> keys = pd.DataFrame({"d": pd.to_datetime(["2024-01-02", None, "2024-01-01", "2024-01-02"]),
    ...                      "a": ["b", "a", "z", "a"]})
    >>> _stable_order(keys).tolist()
    [2, 3, 0, 1]
    """
    import pyarrow.compute as pc

    cols = {}
    for i, c in enumerate(keys.columns):
        v = keys[c]
        if isinstance(v.dtype, pd.CategoricalDtype):  # (in the order of its categories, as pandas sorts it)
            codes = v.cat.codes.to_numpy()
            cols[f"k{i}"] = pa.array(codes, mask=codes < 0)
        else:
            cols[f"k{i}"] = pa.array(v, from_pandas=True)
    table = pa.table(cols)
    idx = pc.sort_indices(table, sort_keys=[(c, "ascending") for c in cols])  # (missing values at the end)
    return idx.to_numpy().astype(np.int64)


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


_LAYOUT = "3"  # 2: owners partitioned by quarter, with their source; the replaced rows and orphans kept
# 3: a repeated accession in SUBMISSION listed as dropped; placeholder symbols (N/A., NOT TRADED) no ticker


def _schema_id() -> str:
    """An identifier of the tidy columns, the layout and the kit's version (a build by another kit, whose
    readers may differ, is rebuilt and its per-quarter cache not used)."""
    import hashlib

    key = "\t".join(TIDY_COLUMNS) + f"\nlayout={_LAYOUT}\nkit={__version__}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


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


def _read_quarter_cached(p: DataPaths, z: Path, key: str | None = None) -> QuarterData:
    """:func:`read_quarter`, kept per zip under ``cache/build/`` (keyed by the zip's name, size, modification
    time and the tidy schema) so that a build after adding one quarter re-reads only that quarter.  *key*: the
    key the main process found (a worker then stores under the same one)."""
    key = key or _cache_key(z)
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
    # in the tidy order already (in the worker that read it): the build's sort of all quarters then finds them in
    # order and keeps the rows without moving them
    q.transactions = q.transactions.take(_stable_order(q.transactions[_TX_ORDER])).reset_index(drop=True)
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
    """The build, under the directory's lock: read every source, combine, write all-or-nothing, summarise.

    When the only change since the last build is one or more quarterly zips added after the others (the
    common case: the SEC published a new quarter), only the new zips are read and only the partitions they
    touch are rewritten (:func:`_build_update`); anything else is a full build.  Both give the same tables."""
    zips, xmls = filing_sources(p)
    imported = imported_sources(p)
    if not zips and not xmls and not imported:
        raise DataError(
            f"no insider trades under {p.raw} (expected raw/sec/*_form345.zip, raw/edgar/<cik>/*.txt or files "
            "imported with 'insider-kit import transactions')",
            hint="bring your own with 'insider-kit import transactions FILE --data DIR', download with "
            "'insider-kit fetch sec' / 'fetch edgar', or 'insider-kit sample' for the teaching market",
        )
    fingerprint = fingerprint_files([*zips, *xmls, *imported], p.root)
    others = fingerprint_files([*xmls, *imported], p.root)
    prev = _previous_build(p)
    if prev is not None and (new := _added_zips(p, prev, zips, others)) is not None:
        out = _build_update(p, prev, new, fingerprint, others, zips, progress=progress)
        if out is not None:
            return out
    parts = _Parts()
    read = _read_zips(p, zips, parts, progress=progress)
    n_zip_summary, n_zip_dropped = len(parts.summary), sum(len(d) for d in parts.dropped)
    if xmls:
        tx_x, own_x, skipped = parse_form4_files(xmls, progress=progress)
        parts.add(tx_x, own_x, skipped.assign(table=None, line=-1), source="edgar_xml")
        parts.summary.append({"source": f"edgar ({len(xmls)} files)", "rows_read": len(tx_x), "kept": len(tx_x),
                              "dropped": len(skipped),
                              "kept_without_ticker": int(tx_x["ticker"].isna().sum()) if "ticker" in tx_x else 0})
    _read_imported(imported, parts)
    tx, owners, dropped, counts, replaced, orphans = _combine(parts)
    build = {"sources": fingerprint, "schema": _schema_id(), "zips": [z.name for z in read],
             "edgar_files": len(xmls), "zip_files": [_zip_key(z) for z in zips], "others": others,
             "summary": parts.summary, "n_zip_summary": n_zip_summary, "n_zip_dropped": n_zip_dropped,
             "counts": counts, "orphans": orphans, "rows": len(tx)}
    _swap_in(p, _by_quarter(tx, "filing_date"), _by_quarter(owners, "filing_date"), dropped, replaced, build)
    return _summary(parts.summary, len(tx), counts)


def _summary(rows: list[dict[str, object]], kept: int, counts: dict[str, int]) -> pd.DataFrame:
    """The build's summary: one row per source, the totals, then the rules' counts (also in ``attrs``)."""
    out = pd.DataFrame(rows)
    totals = {"source": "TOTAL", "rows_read": int(out["rows_read"].sum()), "kept": kept,
              "dropped": int(out["dropped"].sum())}
    if "kept_without_ticker" in out.columns:  # (rows no event can use: a placeholder or no symbol filed)
        out["kept_without_ticker"] = out["kept_without_ticker"].fillna(0).astype("int64")
        totals["kept_without_ticker"] = int(out["kept_without_ticker"].sum())
    out = pd.concat([out, pd.DataFrame([totals])], ignore_index=True)
    out.attrs.update(counts)
    for k, v in counts.items():
        out.loc[len(out)] = {"source": k, "rows_read": v, "kept": pd.NA, "dropped": pd.NA}
    if "kept_without_ticker" in out.columns:
        out["kept_without_ticker"] = out["kept_without_ticker"].astype("Int64")
    return out


def _zip_key(z: Path) -> list[object]:
    st = z.stat()
    return [z.name, st.st_size, st.st_mtime_ns]


def _cache_key(z: Path) -> str:
    """The per-quarter build cache's key of zip *z* (its name, size, modification time and the tidy schema)."""
    st = z.stat()
    return f"{z.stem}-{st.st_size}-{st.st_mtime_ns}-{_schema_id()}"


def _previous_build(p: DataPaths) -> dict[str, Any] | None:
    """The manifest of the tables in ``tidy/`` when they are complete and of this kit's layout, else None."""
    f = p.tidy / _BUILD
    try:
        prev = json.loads(f.read_text())
    except (OSError, ValueError):
        return None
    return prev if isinstance(prev, dict) and prev.get("schema") == _schema_id() and "zip_files" in prev else None


def _added_zips(p: DataPaths, prev: dict[str, Any], zips: list[Path], others: str) -> list[Path] | None:
    """The zips added since the build *prev*, when that is the only change (every earlier zip unchanged and
    before them, the EDGAR and imported files unchanged, the earlier zips' reads in the build cache and no
    new zip possibly a copy of another), else None."""
    old = prev["zip_files"]
    cur = [_zip_key(z) for z in zips]
    if prev.get("others") != others or len(cur) <= len(old) or cur[:len(old)] != old:
        return None
    new = zips[len(old):]
    sizes = [k[1] for k in cur]
    if len(set(sizes)) < len(sizes):  # two zips of one size may hold the same bytes: the full build decides
        return None
    read = set(prev.get("zips", []))
    if not all(_is_cached(p, z) for z in zips[:len(old)] if z.name in read):
        return None
    return new


def _build_update(p: DataPaths, prev: dict[str, Any], new: list[Path], fingerprint: str, others: str,
                  zips: list[Path], *, progress: bool) -> pd.DataFrame | None:
    """Add the quarterly zips *new* to the tidy tables of the build *prev* without reading the others: the
    same rules as a full build, applied to the new rows and to the rows they can interact with (the EDGAR
    copies of the same filings, and the filings an amendment among them replaces or that replace one of
    them).  Returns None, for a full build, when a new zip repeats a filing of an earlier zip."""
    parts = _new_zip_parts(p, prev, new, zips, progress=progress)
    if parts is None:
        return None
    new_tx = finalize_columns(pd.concat(parts.tx, ignore_index=True))
    new_own = _owner_columns(pd.concat(parts.owners, ignore_index=True) if parts.owners else None)
    tx_parts, rep, counts, orphans, rows = _updated_transactions(p, prev, new_tx)
    own_parts = _updated_owners(p, new_own.drop_duplicates(["accession", "owner_cik"]))
    # dropped rows: the new zips' after the earlier zips', before the EDGAR and imported files'
    dropped_old = pd.read_parquet(p.dropped)
    n_zip_dropped = int(prev["n_zip_dropped"])
    dropped = _dropped_columns([dropped_old.iloc[:n_zip_dropped], *parts.dropped, dropped_old.iloc[n_zip_dropped:]])
    n_zip = int(prev["n_zip_summary"])
    summary = [*prev["summary"][:n_zip], *parts.summary, *prev["summary"][n_zip:]]
    build = {**prev, "sources": fingerprint, "zips": [*prev["zips"], *(z.name for z in new)],
             "zip_files": [_zip_key(z) for z in zips], "others": others, "summary": summary,
             "n_zip_summary": n_zip + len(parts.summary),
             "n_zip_dropped": n_zip_dropped + sum(len(d) for d in parts.dropped),
             "counts": counts, "orphans": sorted(orphans), "rows": rows}
    _swap_in(p, tx_parts, own_parts, dropped, rep, build)
    return _summary(summary, rows, counts)


def _new_zip_parts(p: DataPaths, prev: dict[str, Any], new: list[Path], zips: list[Path], *,
                   progress: bool) -> _Parts | None:
    """The new zips' rows (through the per-quarter cache), or None when one repeats a filing of an earlier
    zip (the earlier zips' filings are read from the cache's accession columns)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from .._progress import tqdm

    cache = p.cache / "build"
    earlier = [z for z in zips[:len(prev["zip_files"])] if z.name in set(prev.get("zips", []))]
    text = pa.large_string()
    seen = [pq.read_table(cache / f"{_cache_key(z)}.{k}.parquet", columns=["accession"]).column(0)
            .cast(text).combine_chunks() for z in earlier for k in ("tx", "own")]
    parts = _Parts()
    quarters = _read_quarters(p, new)
    for z in tqdm(new, desc="SEC quarterly zips (new)", unit="zip", disable=not progress):
        q = next(quarters)
        acc = pa.chunked_array([pa.array(q.transactions["accession"].astype(object), text),
                                pa.array(q.owners["accession"].astype(object), text)])
        value_set = pa.chunked_array(seen, text).combine_chunks() if seen else pa.array([], text)
        if pc.any(pc.is_in(acc, value_set=value_set)).as_py():  # a re-issued quarter: the full build's rule
            return None
        seen.append(pc.unique(acc))
        parts.add(q.transactions, q.owners, q.dropped.assign(file=z.name), source="sec_dataset")
        parts.summary.append(_zip_summary(z, q))
    return parts


def _updated_transactions(p: DataPaths, prev: dict[str, Any], new_tx: pd.DataFrame
                          ) -> tuple[dict[str, pd.DataFrame | Path], pd.DataFrame, dict[str, int], set[str], int]:
    """The transactions' partitions with the new rows (the EDGAR copy of a filing preferred; amendments
    applied between the new rows and the old), the replaced rows, the rules' counts, the orphan amendments
    and the number of rows."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    tx_set = ds.dataset(p.transactions, format="parquet", partitioning="hive")
    replaced_old = read_parquet_tables([p.tidy / _REPLACED])
    # the EDGAR copy of a filing is preferred to the data set's
    edgar = tx_set.to_table(columns=["accession"], filter=pc.field("source") == "edgar_xml").column(0).to_pandas()
    edgar_acc = set(edgar) | set(replaced_old.loc[replaced_old["source"] == "edgar_xml", "accession"])
    dup_src = isin_text(new_tx["accession"], edgar_acc)
    new_tx = new_tx[~dup_src].reset_index(drop=True)
    # amendments: a new amendment's originals have its period of report and are filed no later; an earlier
    # amendment of a new filing is filed no earlier than it: both lie in the quarters from `lo` on
    is_amd = _is_amendment(new_tx)
    lows = [new_tx.loc[~is_amd, "filing_date"].min(), new_tx.loc[is_amd, "period_of_report"].min()]
    lows = [d for d in lows if pd.notna(d)]
    every = bool(new_tx.loc[is_amd, "period_of_report"].isna().any())
    flt = None if every or not lows else pc.field("quarter") >= _quarter_label(pd.Series([min(lows)])).iloc[0]
    near = _read_tx(tx_set, [*_AMEND_COLUMNS, "source", "quarter"], flt)
    both = pd.concat([near.drop(columns="quarter"), replaced_old[[*_AMEND_COLUMNS, "source"]],
                      new_tx[[*_AMEND_COLUMNS, "source"]]], ignore_index=True)
    pairs = _amendment_pairs(both, _is_amendment(both))
    new_acc = set(new_tx["accession"])
    fresh = pairs[pairs["accession_amd"].isin(new_acc) | pairs["accession_orig"].isin(new_acc)]
    gone = set(fresh["accession_orig"]) - set(replaced_old["accession"])
    new_amends = set(new_tx.loc[is_amd, "accession"])
    orphans = (set(prev["orphans"]) - set(fresh["accession_amd"])) | (new_amends - set(pairs["accession_amd"]))
    # the partitions that change: the new rows' quarters and those of the rows the new amendments replace
    drop_new = isin_text(new_tx["accession"], gone) & ~is_amd
    replaced = [new_tx[drop_new].assign(_rank=1)]
    new_tx = new_tx[~drop_new]
    near_gone = near[isin_text(near["accession"], gone) & ~_is_amendment(near)]
    tx_q = _by_quarter(new_tx, "filing_date")
    tx_parts: dict[str, pd.DataFrame | Path] = {}
    for qlabel in sorted(set(tx_q) | set(near_gone["quarter"].astype(str))):
        old = _read_partition(p.transactions, qlabel)
        if len(old) and len(gone):
            out = isin_text(old["accession"], gone) & ~_is_amendment(old)
            replaced.append(old[out].assign(_rank=_source_rank(old[out])))
            old = old[~out]
        merged = pd.concat([old.assign(_rank=_source_rank(old)), tx_q.get(qlabel, new_tx.iloc[:0]).assign(_rank=1)],
                           ignore_index=True)
        tx_parts[qlabel] = merged.take(_stable_order(merged[[*_TX_ORDER, "_rank"]])).drop(columns="_rank") \
            .reset_index(drop=True)
    for f in _partition_files(p.transactions):
        tx_parts.setdefault(f.parent.name.removeprefix("quarter="), f)
    rep = pd.concat([replaced_old.assign(_rank=_source_rank(replaced_old)), *replaced], ignore_index=True)
    rep = rep.take(_stable_order(rep[[*_TX_ORDER, "_rank"]])).drop(columns="_rank").reset_index(drop=True)
    n_rep = sum(len(r) for r in replaced)
    counts = dict(prev["counts"])
    counts["amendments"] += len(new_amends)
    counts["amendments_replaced_rows"] += n_rep
    counts["amendments_orphan"] = len(orphans)
    counts["duplicate_source_rows"] += int(dup_src.sum())
    rows = int(prev["rows"]) + len(new_tx) - (n_rep - len(replaced[0]))
    return tx_parts, rep, counts, orphans, rows


def _updated_owners(p: DataPaths, new_own: pd.DataFrame) -> dict[str, pd.DataFrame | Path]:
    """The owners' partitions with the new zips' owners, placed before the EDGAR copies of the same owner
    and filing (which go, as in a full build, where the data set's copy comes first)."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    own_set = ds.dataset(p.owners, format="parquet", partitioning="hive")
    edgar_own = own_set.to_table(columns=["accession", "owner_cik", "quarter"],
                                 filter=pc.field("source") == "edgar_xml").to_pandas()
    dup_own = edgar_own.merge(new_own[["accession", "owner_cik"]].astype(str), how="inner",
                              on=["accession", "owner_cik"]) if len(edgar_own) else edgar_own
    own_q = _by_quarter(new_own, "filing_date")
    own_parts: dict[str, pd.DataFrame | Path] = {}
    for qlabel in sorted(set(own_q) | set(dup_own["quarter"].astype(str))):
        old = _read_partition(p.owners, qlabel, strings=False)
        if len(old) and len(dup_own):
            hit = old.set_index(["accession", "owner_cik"]).index.isin(
                pd.MultiIndex.from_frame(dup_own[["accession", "owner_cik"]].astype(str)))
            old = old[~(hit & (old["source"] == "edgar_xml").to_numpy(bool))]
        part = own_q.get(qlabel, new_own.iloc[:0])
        merged = pd.concat([old.assign(_rank=_source_rank(old)), part.assign(_rank=1)], ignore_index=True)
        own_parts[qlabel] = _owner_columns(merged.sort_values("_rank", kind="stable").drop(columns="_rank"))
    for f in _partition_files(p.owners):
        own_parts.setdefault(f.parent.name.removeprefix("quarter="), f)
    return own_parts


_TX_ORDER = ["filing_date", "accession", "table", "line"]
_REPLACED = "replaced.parquet"  # in tidy/: the rows amendments replaced (kept, not lost)


def _source_rank(df: pd.DataFrame) -> np.ndarray:
    """Where rows of an existing table stand against a new zip's in a full build's order: the earlier zips'
    before (0), the EDGAR and imported files' after (2)."""
    return np.where((df["source"] == "sec_dataset").to_numpy(bool), 0, 2) if len(df) else np.zeros(0, int)


def _read_tx(dataset: Any, columns: list[str], flt: Any) -> pd.DataFrame:
    """Columns of the tidy transactions (with their ``quarter``), the schema's Arrow-backed strings."""
    import pyarrow as pa

    strings = pd.StringDtype("pyarrow")
    table = dataset.to_table(columns=columns, filter=flt)
    return table.to_pandas(types_mapper={pa.string(): strings, pa.large_string(): strings}.get)


def _partition_files(d: Path) -> list[Path]:
    return sorted(d.glob("quarter=*/part-0.parquet")) if d.exists() else []


def _read_partition(d: Path, quarter: str, *, strings: bool = True) -> pd.DataFrame:
    """One partition of a tidy table (empty when the quarter has none)."""
    f = d / f"quarter={quarter}" / "part-0.parquet"
    if not f.exists():
        return pd.DataFrame({"source": pd.Series([], dtype="string")})
    return read_parquet_tables([f]) if strings else pd.read_parquet(f)


def _by_quarter(df: pd.DataFrame, date: str) -> dict[str, pd.DataFrame]:
    """*df* split by the quarter of its *date* column (``none`` for a missing date), each part in order.
    A table sorted by the date (the transactions) is cut into slices, not copied group by group."""
    if not len(df):
        return {}
    d = pd.to_datetime(df[date])
    code = (d.dt.year * 4 + d.dt.quarter - 1).fillna(-1).to_numpy(np.int64)
    names = {int(c): ("none" if c < 0 else f"{c // 4}q{c % 4 + 1}") for c in np.unique(code)}
    if len(code) and (np.diff(code) >= 0).all() and code[0] >= 0:
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
        ends = np.r_[starts[1:], len(code)]
        return {names[int(code[a])]: df.iloc[a:b].reset_index(drop=True) for a, b in zip(starts, ends, strict=True)}
    return {names[int(str(k))]: g.reset_index(drop=True) for k, g in df.groupby(code, sort=True)}


OWNER_COLUMNS = ["accession", "owner_cik", "owner_name", "is_director", "is_officer", "is_ten_percent_owner",
                 "is_other", "officer_title", "role", "owner_order", "filing_date", "issuer_cik", "source"]


def _owner_columns(owners: pd.DataFrame | None) -> pd.DataFrame:
    """The owners table's columns in order, with their types."""
    if owners is None or not len(owners):
        owners = pd.DataFrame({c: pd.Series([], dtype=object) for c in OWNER_COLUMNS})
    owners = owners.reindex(columns=OWNER_COLUMNS)
    owners["filing_date"] = pd.to_datetime(owners["filing_date"])
    for c in ("accession", "owner_cik", "owner_name", "officer_title", "issuer_cik", "role", "source"):
        owners[c] = owners[c].astype("string")
    for c in ("is_director", "is_officer", "is_ten_percent_owner", "is_other"):
        owners[c] = owners[c].astype("boolean").fillna(False).astype(bool)
    owners["owner_order"] = pd.to_numeric(owners["owner_order"], errors="coerce").fillna(0).astype("int64")
    return owners.reset_index(drop=True)


def _dropped_columns(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The dropped rows of every source, in order, in the table's columns (:data:`DROPPED_COLUMNS` first)."""
    parts = [d for d in parts if len(d)]
    dropped = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    extra = [c for c in dropped.columns if c not in DROPPED_COLUMNS]
    dropped = dropped.reindex(columns=[*DROPPED_COLUMNS, *extra])
    for c in dropped.columns:
        dropped[c] = pd.to_numeric(dropped[c]).astype("Int64") if c == "line" else dropped[c].astype("string")
    return dropped


def _zip_summary(z: Path, q: QuarterData) -> dict[str, object]:
    return {"source": z.name, "rows_read": q.stats["transaction_rows"], "kept": q.stats["kept"],
            "dropped": q.stats["dropped"], "kept_without_ticker": q.stats.get("no_ticker", 0),
            "absent_columns": "; ".join(f"{k}: {','.join(v)}" for k, v in q.missing_columns.items())}


class _Parts:
    """What the sources gave: transactions, owners and dropped rows per source, and one summary row each."""

    def __init__(self) -> None:
        self.tx: list[pd.DataFrame] = []
        self.owners: list[pd.DataFrame] = []
        self.dropped: list[pd.DataFrame] = []
        self.summary: list[dict[str, object]] = []

    def add(self, tx: pd.DataFrame, owners: pd.DataFrame | None, dropped: pd.DataFrame | None, *,
            source: str) -> None:
        self.tx.append(tx)
        if owners is not None:
            self.owners.append(owners.assign(source=source))
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
        codes, distinct = pd.factorize(q.transactions["accession"], use_na_sentinel=False)
        uniq = np.asarray(distinct.tolist(), dtype=object)  # (Python strings at once, not one by one from Arrow)
        hit = np.fromiter((a in seen_acc for a in uniq), dtype=bool, count=len(uniq))
        again = hit[codes] if len(codes) else np.zeros(0, dtype=bool)
        if again.any():  # the same filing in two zips (a re-issued quarter): keep the first copy, count the rest
            dup = q.transactions.loc[again, ["accession", "table", "line"]].assign(
                reason="accession already read from an earlier zip")
            dup = dup.assign(file=z.name, table=dup["table"].astype(str))
            q.dropped = pd.concat([q.dropped, dup], ignore_index=True) if len(q.dropped) else dup
            q.transactions = q.transactions[~again].reset_index(drop=True)
            q.stats["kept"] -= int(again.sum())
            q.stats["dropped"] += int(again.sum())
        seen_acc.update(uniq[~hit].tolist())
        parts.add(q.transactions, q.owners, q.dropped.assign(file=z.name), source="sec_dataset")
        parts.summary.append(_zip_summary(z, q))
    return zips


def _is_cached(p: DataPaths, z: Path) -> bool:
    return (p.cache / "build" / f"{_cache_key(z)}.json").exists()


def _read_quarters(p: DataPaths, zips: list[Path]) -> Iterator[QuarterData]:
    """:func:`_read_quarter_cached` of every zip, in order; the zips not in the cache are read by two worker
    processes at once when there are several (reading a quarter is pandas work that holds the GIL)."""
    import multiprocessing

    todo = [z for z in zips if not _is_cached(p, z)]
    workers = min(2, os.cpu_count() or 1, len(todo))
    # (a daemonic process, e.g. a multiprocessing.Pool worker, may not start processes of its own)
    if workers < 2 or len(todo) < 4 or multiprocessing.current_process().daemon:
        for z in zips:
            yield _read_quarter_cached(p, z)
        return

    # forkserver: a clean worker (no copy of the parent's threads or its large tables), ended with this process
    from .._workers import process_pool, starting_workers

    with process_pool(workers) as pool:
        with starting_workers():  # (an unguarded main script is not re-run by the workers)
            futures = {z: pool.submit(_read_quarter_cached, p, z, _cache_key(z)) for z in todo}
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
        parts.add(part, None, dd, source="imported")
        n_drop = len(dd) if dd is not None else 0
        parts.summary.append({"source": f"imported {f.name}", "rows_read": len(part) + n_drop, "kept": len(part),
                              "dropped": n_drop,
                              "kept_without_ticker": int(part["ticker"].isna().sum()) if "ticker" in part else 0})


def _combine(parts: _Parts) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, int], pd.DataFrame, list[str]]:
    """One transactions table (the EDGAR copy of an accession preferred to the data set's, the amendment rule
    applied, sorted), the owners and the dropped rows; the rules' counts, the replaced rows and the
    amendments without an original."""
    tx = (pd.concat([t for t in parts.tx if len(t)], ignore_index=True) if any(len(t) for t in parts.tx)
          else pd.DataFrame({"accession": pd.Series(dtype=object)}))
    if not _is_tidy(tx):  # (the quarters' and EDGAR's tables are tidy already: concatenated, they stay so)
        tx = finalize_columns(tx)
    # duplicate source: prefer EDGAR XML copy of an accession
    is_edgar = (tx["source"] == "edgar_xml").to_numpy(bool)
    dup_src = (tx["source"] == "sec_dataset").to_numpy(bool) & isin_text(tx["accession"], tx.loc[is_edgar, "accession"])
    n_dup = int(dup_src.sum())
    if n_dup:
        tx = tx[~dup_src].reset_index(drop=True)
    drop, amend, orphans = _amendment_drops(tx)
    replaced = _sorted_kept(tx, drop)
    tx = _sorted_kept(tx, ~drop)
    owners = pd.concat(nonempty, ignore_index=True) if (nonempty := [o for o in parts.owners if len(o)]) else None
    owners = _owner_columns(owners)
    owners = owners[_first_of(owners, ["accession", "owner_cik"])].reset_index(drop=True)
    dropped = _dropped_columns(parts.dropped)
    return tx, owners, dropped, amend | {"duplicate_source_rows": n_dup}, replaced, orphans


def _swap_in(p: DataPaths, tx: Mapping[str, pd.DataFrame | Path], owners: Mapping[str, pd.DataFrame | Path],
             dropped: pd.DataFrame, replaced: pd.DataFrame, build: dict[str, object]) -> None:
    """Write all-or-nothing: build in a staging directory, mark it complete, then swap it in (see _recover).
    A partition given as a path (unchanged since the last build) is linked, not rewritten."""
    stage, old = p.tidy_staging, p.tidy_old
    if stage.exists():
        shutil.rmtree(stage)
    try:
        for name, parts in (("transactions", tx), ("owners", owners)):
            (stage / name).mkdir(parents=True)
            writes = []
            for q, part in sorted(parts.items()):
                d = stage / name / f"quarter={q}"
                d.mkdir()
                if isinstance(part, Path):
                    _link_or_copy(part, d / "part-0.parquet")
                elif len(part):
                    writes.append((part, d / "part-0.parquet"))
                else:
                    d.rmdir()
            _write_parts(writes)
        dropped.to_parquet(stage / p.dropped.name, index=False)
        replaced.to_parquet(stage / _REPLACED, index=False)
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


def _write_parts(writes: list[tuple[pd.DataFrame, Path]]) -> None:
    """Write each frame to its Parquet file, two at a time (Arrow encodes and compresses without holding the
    GIL: the build's last step has both cores to itself); the first error is raised after the others end."""
    from concurrent.futures import ThreadPoolExecutor

    def write(w: tuple[pd.DataFrame, Path]) -> None:
        w[0].to_parquet(w[1], index=False)

    if len(writes) < 2:
        for w in writes:
            write(w)
        return
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1), thread_name_prefix="insider-kit-write") as pool:
        for f in [pool.submit(write, w) for w in writes]:
            f.result()


def _link_or_copy(src: Path, dst: Path) -> None:
    """A hard link of *src* at *dst* (the file is not rewritten), or a copy where links are not possible."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


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
    files = _partition_files(p.owners)
    if not files:
        raise DataError(f"no tidy owners table under {p.owners}", hint="run 'insider-kit build' first")
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
