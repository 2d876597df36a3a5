"""The record of imports, ``raw/imported/manifest.json``: one JSON list of entries (what was imported, from
where, when), written by the transaction and the price importers alike.

Every change happens under one exclusive lock (``raw/imported/.import.lock``, an ``fcntl`` lock through
``insider_kit._io.directory_lock``): two importers in a tight loop lose no entry.  The list is rewritten
atomically (a temporary file renamed over it), so a reader never sees half a file.  A damaged record is a
:class:`~insider_kit.errors.DataError` naming the file and the fix, raised *before* anything is imported.

Importers that write data hold :func:`import_lock` for their whole write (data and record together, so that a
concurrent import sees both or neither) and call :func:`read_manifest` / :func:`append_entries` inside it;
one-off records use :func:`record_imports`, which takes the lock itself.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._io import atomic_write_text, directory_lock
from .errors import DataError

__all__ = ["LOCK_NAME", "MANIFEST_NAME", "append_entries", "import_lock", "read_manifest", "record_imports"]

#: The record's file name under ``raw/imported/``.
MANIFEST_NAME = "manifest.json"
#: The lock file beside it.
LOCK_NAME = ".import.lock"


@contextlib.contextmanager
def import_lock(imported: Path, *, timeout: float = 600.0) -> Iterator[None]:
    """Hold the import lock of the ``raw/imported`` folder *imported* for the block (another importer waits).

    Parameters
    ----------
    imported
        The data directory's ``raw/imported`` folder (created if absent).
    timeout
        Seconds to wait for another importer before a :class:`DataError`.

    Yields
    ------
    None

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()) / "raw" / "imported"
    >>> with import_lock(d):
    ...     append_entries(d, [{"kind": "prices", "tickers": 2}])
    >>> read_manifest(d)[0]["tickers"]
    2
    """
    with directory_lock(Path(imported) / LOCK_NAME, what="an import", timeout=timeout):
        yield


def read_manifest(imported: Path) -> list[dict[str, Any]]:
    """The entries of ``manifest.json`` under *imported* (an empty list when there is none).

    Parameters
    ----------
    imported
        The ``raw/imported`` folder.

    Returns
    -------
    list of dict
        The entries, oldest first.

    Raises
    ------
    DataError
        The file is not a JSON list of objects (named, with the fix).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> read_manifest(d)
    []
    >>> _ = (d / MANIFEST_NAME).write_text("[{")
    >>> read_manifest(d)
    Traceback (most recent call last):
    ...
    insider_kit.errors.DataError: .../manifest.json: the import record is damaged (not JSON: ...) ...
    """
    f = Path(imported) / MANIFEST_NAME
    if not f.exists():
        return []
    hint = (f"move it aside (mv {f} {f}.damaged) and import again: the imported tables under {f.parent} stay "
            "usable, only the record of what came from where is lost")
    try:
        items = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DataError(f"the import record is damaged (not JSON: {exc})", path=f, hint=hint) from exc
    if not isinstance(items, list) or not all(isinstance(e, dict) for e in items):
        raise DataError("the import record is damaged (not a list of entries)", path=f, hint=hint)
    return items


def append_entries(imported: Path, entries: list[dict[str, Any]]) -> None:
    """Append *entries* to the record (call with :func:`import_lock` held; atomic rewrite).

    Parameters
    ----------
    imported
        The ``raw/imported`` folder.
    entries
        JSON-serialisable objects (dates and paths are written as text).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> with import_lock(d):
    ...     append_entries(d, [{"kind": "transactions", "file": "a.csv"}])
    ...     append_entries(d, [{"kind": "transactions", "file": "b.csv"}])
    >>> [e["file"] for e in read_manifest(d)]
    ['a.csv', 'b.csv']
    """
    items = read_manifest(imported)
    items.extend(entries)
    atomic_write_text(Path(imported) / MANIFEST_NAME, json.dumps(items, indent=1, default=str))


def record_imports(imported: Path, entries: list[dict[str, Any]]) -> None:
    """Append *entries* to the record under the import lock (for an importer that does not hold it).

    Parameters
    ----------
    imported
        The ``raw/imported`` folder.
    entries
        The entries.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> record_imports(d, [{"kind": "prices", "tickers": 3}])
    >>> len(read_manifest(d))
    1
    """
    with import_lock(imported):
        append_entries(imported, entries)
