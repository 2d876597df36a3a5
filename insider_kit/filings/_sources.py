"""Files people bring, read as tables of text: what a file is (sniffed from its bytes), how it is encoded, and
whether it holds anything at all.

* **What it is**, by content first: Parquet by its ``PAR1`` magic; HTML when the document *starts* with a tag
  (after a byte-order mark and white space; a ``<tr`` further down a CSV is just text); JSON when it starts
  with ``[`` or ``{`` (records, columns or split orientation, or JSON lines); else a delimited text file whose
  separator is the header line's most frequent of tab, comma and semicolon (``.tsv``: tab).  SAS7BDAT and
  Stata files by their suffix.
* **Encoding**: UTF-8 (a byte-order mark removed), else UTF-16 with its byte-order mark, else Windows-1252,
  else Latin-1 (which reads any byte); the one used is reported.  A text file holding NUL bytes is refused.
* **Cells are text**: a delimited file is read by Arrow's CSV reader with every column typed as text (pandas'
  own reader would parse numbers, and its parser kills the process on an exponent of 2**31 or more); JSON
  numbers are kept as their text (``json.loads(parse_float=str)``); HTML cell text is unescaped once (lxml
  does it).  Parquet and the statistical formats keep their own types.
* **Nothing to read**: an empty file, a table without rows, and an OpenInsider "no results" page are not
  errors: they are reported as skipped, with the reason.

Every failure is a :class:`~insider_kit.errors.DataError` naming the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import DataError

__all__ = ["TABLE_SUFFIXES", "RawTable", "expand_inputs", "read_table_bytes", "read_tables"]

#: Suffixes of the files a folder contributes (other files in it are listed as ignored).
TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".parquet",
                                   ".pq", ".sas7bdat", ".dta")
_GLOB = re.compile(r"[*?\[]")
_NO_RESULT = re.compile(r"\bno\s+(?:results?|matches|records|data|trades|transactions)\b(?:\s+found)?", re.I)


@dataclass
class RawTable:
    """One file as read: its cells (text for text formats) or why it holds nothing."""

    #: the cells, one text column per header (None when the file was skipped)
    table: pa.Table | None
    #: ``utf-8``, ``utf-8 (BOM)``, ``utf-16``, ``cp1252``, ``latin-1``, or ``binary`` (Parquet, SAS, Stata)
    encoding: str
    #: ``csv``, ``tsv``, ``semicolon``, ``html``, ``json``, ``jsonl``, ``parquet``, ``sas7bdat``, ``stata``
    kind: str
    #: why the file holds nothing to import (``empty file``, ``no rows``, ``no-results placeholder``), else None
    skipped: str | None = None
    #: things a reader should know (``no line break at the end: the last row may be cut``)
    notes: list[str] = field(default_factory=list)
    #: the data-row number (1 = first after the header) of each row of *table* (None: 1, 2, 3 ...)
    row_numbers: np.ndarray | None = None
    #: rows set aside (data-row number, reason): a width other than the header's
    bad_rows: list[tuple[int, str]] = field(default_factory=list)


def expand_inputs(inputs: list[str | Path]) -> tuple[list[Path], list[Path]]:
    """Files named on a command line: files as given, folders walked (hidden names left out), glob patterns
    (``'exports/*.csv'``, ``**`` for sub-folders) expanded, each file once.

    Parameters
    ----------
    inputs
        Files, folders and patterns.

    Returns
    -------
    (files, ignored)
        The table files, in order (each folder's sorted), and the other files found in folders.

    Raises
    ------
    DataError
        An input that is neither a file, a folder nor a pattern matching something; a folder without a table
        file.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> for name in ("b.csv", "a.csv", "README.md", ".hidden.csv"):
    ...     _ = (d / name).write_text("x")
    >>> files, ignored = expand_inputs([d, str(d / "*.csv")])
    >>> [f.name for f in files], [f.name for f in ignored]
    (['a.csv', 'b.csv'], ['README.md'])
    """
    import glob
    import os

    from .._io import walk_files

    files: list[Path] = []
    ignored: list[Path] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            found = [f for f in walk_files(p) if not any(part.startswith(".") for part in f.relative_to(p).parts)]
            tables = [f for f in found if f.suffix.lower() in TABLE_SUFFIXES]
            if not tables:
                raise DataError(f"folder holds no table file ({', '.join(TABLE_SUFFIXES)})", path=p)
            files += tables
            ignored += [f for f in found if f.suffix.lower() not in TABLE_SUFFIXES]
        elif p.is_file():
            files.append(p)
        elif _GLOB.search(str(raw)):
            hits = sorted(Path(h) for h in glob.glob(os.path.expanduser(str(raw)), recursive=True))
            hits = [h for h in hits if h.is_file()]
            if not hits:
                raise DataError("no file matches this pattern", path=raw, hint="quote the pattern or check the folder")
            files += hits
        else:
            raise DataError("no such file or folder", path=p)
    seen: set[Path] = set()
    out = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out, ignored


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """The text of *data* and the encoding that read it (module docstring)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8 (BOM)"
        except UnicodeDecodeError:
            data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DataError(f"starts with a UTF-16 byte-order mark but is not UTF-16 ({exc.reason})", path=path) from exc
    for enc in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any byte")  # pragma: no cover


def read_table_bytes(data: bytes, path: Path, *, want: Callable[[list[str]], bool] | None = None) -> RawTable:
    """The cells of one file (module docstring), from its bytes.

    Parameters
    ----------
    data
        The file's bytes.
    path
        Its path (for the suffix and for messages).
    want
        For HTML pages: whether a table's header row is the one wanted (default: the first table with a header
        and a row).

    Returns
    -------
    RawTable
        The table, its encoding and kind, or why the file holds nothing.

    Raises
    ------
    DataError
        A file that is not a table of any kind read here, a damaged Parquet file, a text file with NUL bytes,
        malformed JSON.

    Examples
    --------
    >>> t = read_table_bytes("\\ufeffa,b\\n1e2147483648,<tr>\\n".encode(), Path("x.csv"))
    >>> t.kind, t.encoding, t.table.to_pydict()
    ('csv', 'utf-8 (BOM)', {'a': ['1e2147483648'], 'b': ['<tr>']})
    """
    suffix = path.suffix.lower()
    if data[:4] == b"PAR1" or (suffix in (".parquet", ".pq") and data):
        return RawTable(_parquet(data, path), "binary", "parquet")
    if suffix in (".sas7bdat", ".dta"):
        return RawTable(_statistical(data, path, suffix), "binary", "sas7bdat" if suffix == ".sas7bdat" else "stata")
    if not data.strip():
        return RawTable(None, "", "empty", skipped="empty file")
    text, encoding = _decode(data, path)
    if "\x00" in text:
        raise DataError("holds NUL bytes: a binary file, not a text table", path=path,
                        hint="export the table as CSV, JSON or Parquet")
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        return RawTable(None, encoding, "empty", skipped="empty file")
    if body[0] == "<" and len(body) > 1 and (body[1].isalpha() or body[1] == "!"):
        return _html(body, path, encoding, want)
    if body[0] in "[{":
        return _json(body, path, encoding)
    if _NO_RESULT.search(body[:2000]) and body.count("\n") <= 2:
        return RawTable(None, encoding, "csv", skipped="no-results placeholder")
    return _delimited(body, path, encoding, suffix)


def read_tables(items: list[tuple[bytes, Path]], *,
                want: Callable[[list[str]], bool] | None = None) -> list[RawTable | DataError]:
    r""":func:`read_table_bytes` of many files, each result (or the file's error) in order.  Delimited files with
    the same header line and no value spanning lines (a folder of exports from one site) are parsed by one Arrow
    read of their rows put together, then cut back into files: the same tables, without a reader per file.

    Parameters
    ----------
    items
        (bytes, path) of each file.
    want
        As for :func:`read_table_bytes`.

    Returns
    -------
    list
        A :class:`RawTable` or the :class:`DataError` of each file.

    Examples
    --------
    >>> got = read_tables([(b"a,b\n1,2\n", Path("x.csv")), (b"a,b\n3,4\n5,6\n", Path("y.csv")), (b"", Path("z.csv"))])
    >>> [g.table.to_pydict() if g.table is not None else g.skipped for g in got]
    [{'a': ['1'], 'b': ['2']}, {'a': ['3', '5'], 'b': ['4', '6']}, 'empty file']
    """
    out: list[RawTable | DataError | None] = [None] * len(items)
    groups: dict[tuple[str, str], list[tuple[int, str, str, str]]] = {}
    for k, (data, path) in enumerate(items):
        try:
            simple = _simple_csv(data, path)
            if simple is None:
                out[k] = read_table_bytes(data, path, want=want)
            else:
                header, sep, body, encoding = simple
                groups.setdefault((header, sep), []).append((k, body, encoding, path.suffix.lower()))
        except DataError as exc:
            out[k] = exc
    for (header, sep), members in groups.items():
        got: list[RawTable] | list[None] = (_grouped(header, sep, members, [items[m[0]][1] for m in members])
                                            if len(members) > 1 else None) or [None] * len(members)
        for m, g in zip(members, got, strict=True):
            k, body, encoding, suffix = m
            try:
                out[k] = g if g is not None else _delimited(header + "\n" + body, items[k][1], encoding, suffix)
            except DataError as exc:
                out[k] = exc
    return [o if o is not None else DataError("not read", path=items[k][1]) for k, o in enumerate(out)]


def _simple_csv(data: bytes, path: Path) -> tuple[str, str, str, str] | None:
    """(header line, separator, body, encoding) of a delimited text whose values never span lines and that is
    not a placeholder, else None (the file is read on its own)."""
    if data[:4] == b"PAR1" or path.suffix.lower() in (".parquet", ".pq", ".sas7bdat", ".dta") or not data.strip():
        return None
    text, encoding = _decode(data, path)
    body = text.lstrip("\ufeff \t\r\n")
    if "\r" in body:
        body = body.replace("\r\n", "\n")  # (Windows line ends; a lone carriage return: read on its own)
    if not body or body[0] in "<[{" or "\x00" in body or "\r" in body:
        return None
    header, _, rest = body.partition("\n")
    if not rest.strip() or (body.count("\n", 0, 4000) <= 2 and _NO_RESULT.search(body[:2000])):
        return None
    counts = {"\t": header.count("\t"), ",": header.count(","), ";": header.count(";")}
    sep = "\t" if path.suffix.lower() == ".tsv" else max(counts, key=lambda c: (counts[c], c == "\t", c == ","))
    return header, sep, rest, encoding


def _grouped(header: str, sep: str, members: list[tuple[int, str, str, str]], paths: list[Path]) -> list[RawTable] | None:
    """The members' rows parsed by one Arrow read and cut back into files (None: read them one by one)."""
    try:
        names = _unique_names([h.strip() for h in next(csv.reader(io.StringIO(header, newline=""), delimiter=sep))],
                              paths[0])
    except (csv.Error, StopIteration, DataError):
        return None
    bodies = [m[1] if m[1].endswith("\n") else m[1] + "\n" for m in members]
    counts = [b.count("\n") if "\n\n" not in b else sum(1 for line in b.split("\n") if line) for b in bodies]
    table = _arrow_csv(header + "\n" + "".join(bodies), sep, len(names))
    # every line one row (a row never takes less than a line: equal counts mean no value spanned lines and no
    # quote ran into the next file, so the rows cut back exactly)
    if table is None or table.num_rows != sum(counts) or not any(names):
        return None
    table = table.rename_columns(names)
    kind = {"\t": "tsv", ",": "csv", ";": "semicolon"}[sep]
    out, start = [], 0
    for m, n in zip(members, counts, strict=True):
        notes = [] if m[1].endswith("\n") else ["no line break at the end: its last row may be cut short"]
        part = table.slice(start, n)
        start += n
        out.append(RawTable(part, m[2], kind, notes=notes) if n else
                   RawTable(None, m[2], kind, skipped="no rows (a header only)", notes=notes))
    return out


def _delimited(text: str, path: Path, encoding: str, suffix: str) -> RawTable:
    """A CSV/TSV text as a table of text columns (Arrow's reader; Python's csv module when rows are ragged)."""
    first = text.split("\n", 1)[0]
    counts = {"\t": first.count("\t"), ",": first.count(","), ";": first.count(";")}
    sep = "\t" if suffix == ".tsv" else max(counts, key=lambda k: (counts[k], k == "\t", k == ","))
    kind = {"\t": "tsv", ",": "csv", ";": "semicolon"}[sep]
    try:
        header = [h.strip() for h in next(csv.reader(io.StringIO(text, newline=""), delimiter=sep), [])]
    except csv.Error as exc:
        raise DataError(f"unreadable header line ({exc})", path=path) from exc
    if not any(header):
        raise DataError("no header line", path=path)
    notes = [] if text.endswith(("\n", "\r")) else ["no line break at the end: its last row may be cut short"]
    table = _arrow_csv(text, sep, len(header))
    numbers: np.ndarray | None = None
    bad: list[tuple[int, str]] = []
    if table is None:
        table, numbers, bad = _python_csv(text, sep, len(header), path)
    names = _unique_names(header, path)
    table = table.rename_columns(names)
    if table.num_rows == 0 and not bad:
        return RawTable(None, encoding, kind, skipped="no rows (a header only)", notes=notes)
    return RawTable(table, encoding, kind, notes=notes, row_numbers=numbers, bad_rows=bad)


def _unique_names(header: list[str], path: Path) -> list[str]:
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            raise DataError(f"column {h!r} appears twice in the header", path=path, hint="rename one of them")
        seen.add(h)
    return [h or f"unnamed_{k}" for k, h in enumerate(header)]


def _arrow_csv(text: str, sep: str, width: int) -> pa.Table | None:
    """Every cell as text through Arrow's reader, the header row skipped; None when Arrow cannot (ragged rows)."""
    import pyarrow.csv as pacsv

    names = [f"f{k}" for k in range(width)]
    try:
        return pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _python_csv(text: str, sep: str, width: int, path: Path) -> tuple[pa.Table, np.ndarray, list[tuple[int, str]]]:
    """Python's csv module for the files Arrow refuses (rows of another width than the header): such a row is
    set aside with its reason (a row shifted by an unquoted separator must not be read with its cells in the
    wrong columns), unless every longer row has the same width and only blanks beyond the header (a trailing
    separator on each line).  Returns the table, the data-row numbers of its rows, and the rows set aside."""
    from collections import Counter

    try:
        rows = [r for r in list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False))[1:]
                if r and any(c.strip() for c in r)]
    except csv.Error as exc:
        raise DataError(f"not a readable {'TSV' if sep == chr(9) else 'CSV'} file ({exc})", path=path) from exc
    longer = Counter(len(r) for r in rows if len(r) > width)
    trailing = len(longer) == 1 and all(not any(c.strip() for c in r[width:]) for r in rows if len(r) > width) \
        and next(iter(longer.values())) > sum(len(r) == width for r in rows)
    good, numbers, bad = [], [], []
    for k, r in enumerate(rows, start=1):
        if len(r) == width or (trailing and len(r) > width):
            good.append(r)
            numbers.append(k)
        else:
            bad.append((k, f"row has {len(r)} fields but the header {width}"
                           + (" (cut short?)" if len(r) < width else " (a separator inside an unquoted value?)")))
    cols = [pa.array([r[j] for r in good], pa.string()) for j in range(width)]
    return pa.table(cols, names=[f"f{k}" for k in range(width)]), np.array(numbers, dtype=np.int64), bad


def _html(text: str, path: Path, encoding: str, want: Callable[[list[str]], bool] | None) -> RawTable:
    """The first table of an HTML page whose header row is the one wanted (lxml unescapes the cells once)."""
    from lxml import etree

    parser = etree.HTMLParser(no_network=True, remove_comments=True, huge_tree=False)
    try:
        doc = etree.fromstring(text, parser)
    except (etree.ParserError, ValueError) as exc:
        raise DataError(f"not a readable HTML page ({exc})", path=path) from exc
    if doc is None:
        raise DataError("an HTML page without content", path=path)
    for tbl in doc.iter("table"):
        rows = [[" ".join("".join(c.itertext()).split()) for c in tr if c.tag in ("td", "th")] for tr in tbl.iter("tr")]
        rows = [r for r in rows if r]
        if not rows or not (want(rows[0]) if want is not None else len(rows) >= 2):
            continue
        header = _unique_names([h.strip() for h in rows[0]], path)
        body = [r for r in rows[1:] if len(r) > 1 or (r and r[0].strip())]
        if not body:
            return RawTable(None, encoding, "html", skipped="no rows (a header only)")
        width = len(header)
        cols = [pa.array([r[j] if j < len(r) else "" for r in body], pa.string()) for j in range(width)]
        return RawTable(pa.table(cols, names=header), encoding, "html")
    page = " ".join("".join(doc.itertext()).split())
    if _NO_RESULT.search(page):
        return RawTable(None, encoding, "html", skipped="no-results placeholder")
    raise DataError("HTML page without the expected table" + (f" (it says: {page[:80]!r})" if page else ""), path=path,
                    hint="save the screener's result page, or export the table as CSV")


def _json(text: str, path: Path, encoding: str) -> RawTable:
    """Records (``[{...}, ...]``), columns (``{"col": [...]}`` or ``{"col": {"0": ...}}``), split
    (``{"columns": [...], "data": [[...]]}``) or JSON lines, numbers kept as their text."""
    def load(s: str) -> Any:
        return json.loads(s, parse_float=str, parse_int=str, parse_constant=str)

    kind = "json"
    try:
        obj = load(text)
    except (ValueError, RecursionError) as exc:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) < 2 or not lines[0].lstrip().startswith("{"):
            raise DataError(f"not valid JSON ({exc})", path=path) from exc
        try:
            obj = [load(ln) for ln in lines]
        except (ValueError, RecursionError) as exc2:
            raise DataError(f"not valid JSON lines ({exc2})", path=path) from exc2
        kind = "jsonl"
    columns = _json_columns(obj, path)
    if not columns:
        return RawTable(None, encoding, kind, skipped="no rows (empty JSON)")
    n = {len(v) for v in columns.values()}
    if n == {0}:
        return RawTable(None, encoding, kind, skipped="no rows (empty JSON)")
    if len(n) != 1:
        raise DataError("JSON columns of different lengths", path=path, hint="write records: [{col: value, ...}, ...]")
    return RawTable(pa.table({k: pa.array([_cell(x) for x in v], pa.string()) for k, v in columns.items()}),
                    encoding, kind)


def _json_columns(obj: Any, path: Path) -> dict[str, list[Any]]:
    if isinstance(obj, dict) and set(obj) >= {"columns", "data"} and isinstance(obj["data"], list):
        cols = [str(c) for c in obj["columns"]]
        rows = obj["data"]
        if not all(isinstance(r, list) and len(r) == len(cols) for r in rows):
            raise DataError("JSON split orientation: a data row does not match the columns", path=path)
        return {c: [r[j] for r in rows] for j, c in enumerate(cols)}
    if isinstance(obj, list):
        if not all(isinstance(r, dict) for r in obj):
            raise DataError("a JSON list whose items are not records (objects)", path=path,
                            hint="write records: [{col: value, ...}, ...]")
        names: dict[str, None] = {}
        for r in obj:
            names.update(dict.fromkeys(map(str, r)))
        return {c: [r.get(c) for r in obj] for c in names}
    if isinstance(obj, dict):
        if all(isinstance(v, list) for v in obj.values()):
            return {str(k): v for k, v in obj.items()}
        if all(isinstance(v, dict) for v in obj.values()):  # {"col": {"0": v, "1": v}} (pandas' default)
            keys: dict[str, None] = {}
            for v in obj.values():
                keys.update(dict.fromkeys(map(str, v)))
            return {str(k): [v.get(i) for i in keys] for k, v in obj.items()}
    raise DataError("JSON that is not a table (records, columns or split orientation)", path=path)


def _cell(x: Any) -> str | None:
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, bool):
        return "true" if x else "false"
    return json.dumps(x)


def _parquet(data: bytes, path: Path) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"not a readable Parquet file ({exc})", path=path) from exc
    cols = []
    for col in table.columns:
        t = col.type
        if pa.types.is_dictionary(t):
            col = col.cast(t.value_type)
        elif pa.types.is_nested(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
            raise DataError(f"Parquet column of type {t} is not a table cell", path=path)
        cols.append(col)
    return pa.table(cols, names=[str(n) for n in table.column_names])


def _statistical(data: bytes, path: Path, suffix: str) -> pa.Table:
    import pandas as pd

    try:
        if suffix == ".sas7bdat":
            df = pd.read_sas(io.BytesIO(data), format="sas7bdat", encoding="latin-1")
        else:
            df = pd.read_stata(io.BytesIO(data))
        return pa.Table.from_pandas(df, preserve_index=False)
    except (ValueError, OSError, KeyError, IndexError, TypeError, UnicodeDecodeError, pa.ArrowException) as exc:
        raise DataError(f"not a readable {suffix[1:]} file ({type(exc).__name__}: {exc})", path=path) from exc
