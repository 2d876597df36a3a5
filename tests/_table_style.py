"""A reader's check of the kit's one number style (``insider_kit.tables``) on rendered HTML: every table of a page
or of a notebook's outputs is parsed, each column is classified by the words of its header, and each numeric
cell is checked against the style of its column.  Used by ``tests/test_table_style.py``; run as a script on a
report folder (``python tests/_table_style.py reports``) it prints what it finds.

The rules (a cell is *numeric* when it reads as a number, with or without ``%``, ``$`` and separators):

* a column whose header names a return (CAR, CAAR, BHAR, AR, return, estimate, alpha, effect, difference, CI
  bounds, size and power, shares) shows percentages;
* a count column (N, events, studies, firms, trades, insiders, rows, days ...) shows integers with thousands
  separators;
* a p- or q-value column shows one format: three decimals, or ``< 0.001``;
* a price column shows prices, never percentages;
* anywhere: no date with a 00:00:00 time, no number in scientific notation, none with more than four decimals, no integer of five or more
  digits without separators (years excepted), and no 0, 1, 2 ... row index where rows have names.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

NUM = re.compile(r"^[−+-]?\$?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?%?$")
PVAL = re.compile(r"^(< 0\.001|[01]\.\d{3})$")
MIDNIGHT = re.compile(r"^\d{4}-\d\d-\d\d 00:00:00$")
COUNT = re.compile(r"^[−-]?\d{1,3}(,\d{3})*$")

# headers, in words (case-insensitive); the first matching kind wins, in this order
KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pvalue", re.compile(r"(^|[\s(_/])(p|q|bh q|holm p|q_bh|p_holm|p-value|q-value|p_[a-z_]+)($|[\s)_:])|^p \(|"
                          r"p-value|q-value|\bp\b.*\btest\b", re.I)),
    ("price", re.compile(r"\b(price|close|adj close)\b", re.I)),
    ("stat", re.compile(r"(\bt\b|\bz\b|_t$|_z$|_t_|^t_|^z_|\bscar\b|t-stat|\bt \(|\bz \(|statistic|ratio$|beta|\brbar\b|"
                        r"correlation|turnover|sharpe)", re.I)),
    ("count", re.compile(r"(^n$|^n[ _(]|\bn_|^n_|\bevents?\b|\bstudies\b|\bfirms\b|\btrades\b|\binsiders\b|"
                         r"\brows\b|\bcount\b|\bdays\b|\btickers\b|\bfilings\b|\bobs\b|nobs|\bnumber\b|\bstocks\b|"
                         r"\bmonths\b|\bshares\b(?! of)|\bn_est\b)", re.I)),
    ("percent", re.compile(r"(car|caar|bhar|\bar\b|return|estimate|alpha|effect|difference|diff|ci[ _]low|"
                           r"ci[ _]high|ci,|\bsize\b|power|share|drawdown|planted|spread|rate|mean|median|lower|"
                           r"upper|premium|gap|excess|\bbias\b|^se$|standard error|std_error)", re.I)),
)
NOT_STYLED = re.compile(r"(\byear\b|\bdate\b|\bquarter\b|\bmonth\b|\bday\b|\bticker\b|\bcik\b|\bwindow\b|"
                        r"\bstart\b|\bend\b|\bquantile\b|\bquintile\b|\bdecile\b|\bbucket\b|\brank\b|horizon)",
                        re.I)


def column_kind(header: str) -> str | None:
    """The style a column's header asks for (``None``: no rule beyond the general ones)."""
    h = header.strip()
    if not h or NOT_STYLED.search(h):
        return None
    for kind, rx in KINDS:
        if rx.search(h):
            return kind
    return None


@dataclass
class Problem:
    where: str
    table: int
    column: str
    cell: str
    rule: str

    def __str__(self) -> str:
        return f"{self.where} table {self.table}: column {self.column!r} cell {self.cell!r}: {self.rule}"


def _grid(rows: list[object]) -> list[list[tuple[str, bool]]]:
    """The rows of a table section as a grid of (text, is_header), colspans and rowspans expanded."""
    grid: list[list[tuple[str, bool]]] = []
    pending: dict[tuple[int, int], tuple[str, bool]] = {}
    for i, tr in enumerate(rows):
        out: list[tuple[str, bool]] = []
        col = 0
        for cell in tr.xpath("./th|./td"):  # type: ignore[attr-defined]
            while (i, col) in pending:
                out.append(pending.pop((i, col)))
                col += 1
            text = " ".join(cell.text_content().split())
            span, rspan = int(cell.get("colspan", 1) or 1), int(cell.get("rowspan", 1) or 1)
            for _ in range(span):
                out.append((text, cell.tag == "th"))
                for r in range(1, rspan):
                    pending[(i + r, col)] = (text, cell.tag == "th")
                col += 1
        while (i, col) in pending:
            out.append(pending.pop((i, col)))
            col += 1
        grid.append(out)
    return grid


def tables(page: str) -> Iterator[tuple[list[str], list[list[tuple[str, bool]]]]]:
    """Each ``<table>`` of an HTML fragment: its column headers (the head rows joined per column) and body grid."""
    import lxml.html

    if "<table" not in page:
        return
    doc = lxml.html.fromstring(f"<div>{page}</div>")
    for t in doc.iter("table"):
        head_rows = t.xpath("./thead/tr")
        body_rows = t.xpath("./tbody/tr") or [tr for tr in t.xpath("./tr") if tr.xpath("./td")]
        if not head_rows:
            head_rows = [tr for tr in t.xpath("./tr") if not tr.xpath("./td")]
        head = _grid(head_rows)
        body = _grid(body_rows)
        width = max([len(r) for r in head + body] or [0])
        headers = [" ".join(dict.fromkeys(r[k][0] for r in head if k < len(r) and r[k][0])) for k in range(width)]
        yield headers, body


def _number(text: str) -> float | None:
    t = text.replace("−", "-").replace(",", "").replace("$", "").rstrip("%")
    try:
        return float(t)
    except ValueError:
        return None


def check_table(headers: list[str], body: list[list[tuple[str, bool]]], where: str, k: int) -> list[Problem]:
    """The problems of one table (module docstring)."""
    out: list[Problem] = []
    # a 0, 1, 2 ... row index where rows have names (or none needed): the index column of a default frame
    idx = [r[0][0] for r in body if r and r[0][1]]
    if len(idx) >= 2 and len(idx) == len(body) and idx == [str(i) for i in range(len(idx))]:
        out.append(Problem(where, k, headers[0] if headers else "", idx[0], "a 0..n-1 row index"))
    for r in body:
        for c, (text, _is_th) in enumerate(r):
            if MIDNIGHT.match(text):
                out.append(Problem(where, k, headers[c] if c < len(headers) else "", text,
                                   "a date shown with a midnight time"))
                continue
            if not text or not NUM.match(text.replace(" ", "")) or not any(ch.isdigit() for ch in text):
                if text.startswith("<") and not PVAL.match(text):
                    pass
                continue
            header = headers[c] if c < len(headers) else ""
            kind = column_kind(header)
            v = _number(text)
            decimals = len(text.rstrip("%").split(".")[1]) if "." in text and "e" not in text.lower() else 0
            if "e" in text.lower():
                out.append(Problem(where, k, header, text, "scientific notation"))
                continue
            if kind == "pvalue":
                if not PVAL.match(text):
                    out.append(Problem(where, k, header, text, "a p/q-value not in the one format (0.123 or < 0.001)"))
                continue
            if kind == "percent" and not text.endswith("%"):
                out.append(Problem(where, k, header, text, "a return or share not in percent"))
                continue
            if kind == "price" and text.endswith("%"):
                out.append(Problem(where, k, header, text, "a price shown as a percentage"))
                continue
            if kind == "count" and not text.endswith("%") and not COUNT.match(text):
                out.append(Problem(where, k, header, text, "a count not an integer with thousands separators"))
                continue
            if decimals > 4:
                out.append(Problem(where, k, header, text, "more than four decimals"))
            elif v is not None and abs(v) >= 10_000 and "," not in text and not NOT_STYLED.search(header):
                out.append(Problem(where, k, header, text, "a large number without thousands separators"))
    return out


def html_outputs(notebook: Path) -> Iterator[tuple[str, str]]:
    """Each HTML output of an executed notebook: (``name[cell n]``, html)."""
    nb = json.loads(notebook.read_text())
    for n, cell in enumerate(nb["cells"]):
        for o in cell.get("outputs", []):
            h = o.get("data", {}).get("text/html")
            if h:
                yield f"{notebook.name}[cell {n}]", "".join(h) if isinstance(h, list) else h


def text_tables(notebook: Path) -> Iterator[tuple[str, str]]:
    """Each output of an executed notebook that is a table printed as text (a pandas Series or frame with no HTML
    view: none of the kit's formats apply to it)."""
    nb = json.loads(notebook.read_text())
    for n, cell in enumerate(nb["cells"]):
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            text = "".join(data.get("text/plain", ""))
            if text and "text/html" not in data and re.search(r"\n(Name: .*, )?dtype: \w+", text):
                yield f"{notebook.name}[cell {n}]", text


def scan_page(page: str, where: str) -> list[Problem]:
    """The problems of every table in an HTML page or fragment."""
    return [p for k, (h, b) in enumerate(tables(page)) for p in check_table(h, b, where, k)]


def scan_folder(folder: Path) -> list[Problem]:
    """The problems of every table of a report folder: its executed notebooks' outputs, the landing page and the
    claim pages."""
    out: list[Problem] = []
    for nb in sorted(folder.glob("*.ipynb")):
        for where, h in html_outputs(nb):
            out += scan_page(h, where)
        out += [Problem(where, 0, "", t.splitlines()[0], "a table printed as text (no kit style)")
                for where, t in text_tables(nb)]
    for page in [folder / "index.html", *sorted((folder / "claims").glob("*.html"))]:
        if page.exists():
            out += scan_page(page.read_text(), str(page.relative_to(folder)))
    return out


if __name__ == "__main__":
    probs = scan_folder(Path(sys.argv[1] if len(sys.argv) > 1 else "reports"))
    for p in probs:
        print(p)
    print(f"{len(probs)} problems")
