"""Parser for SEC ownership documents (Forms 3, 4, 5 and amendments) in EDGAR XML.

Accepts either a bare ``<ownershipDocument>`` XML document or a complete EDGAR
submission text file (``<SEC-DOCUMENT>`` with its SGML header), from which it
takes the accession number, the filing date and the acceptance date-time.

Safety: the document is untrusted.  A DOCTYPE is refused outright (no internal
entities, so no "billion laughs"; no external entities, so no XXE); the lxml
parser is also built with entity resolution, DTD loading and network access
off; documents larger than ``max_bytes`` are refused before parsing.

Schema versions X0101 (2003) through X0508 (2023-, with the ``aff10b5One``
checkbox) share the element names used here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from lxml import etree

from ..days import parse_date
from ..errors import DataError
from ..tickers import normalise_ticker
from .plan import NEG_RE, PLAN_RE
from .roles import normalise_role

__all__ = ["Form4", "parse_form4", "parse_form4_files"]


def _ticker(raw: str | None) -> str | None:
    """The issuer's ticker from the filed symbol (a placeholder such as ``N/A.`` or ``NOT TRADED`` is none)."""
    from .dataset import is_placeholder_symbol

    return None if raw is None or is_placeholder_symbol(raw) else normalise_ticker(raw)

MAX_BYTES = 10 * 1024 * 1024
NY = ZoneInfo("America/New_York")
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
    remove_comments=True, remove_pis=True,
)
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_HDR = {
    "accession": re.compile(rb"^ACCESSION NUMBER:\s*(\S+)", re.MULTILINE),
    "form": re.compile(rb"^CONFORMED SUBMISSION TYPE:\s*(\S+)", re.MULTILINE),
    "filed": re.compile(rb"^FILED AS OF DATE:\s*(\d{8})", re.MULTILINE),
    "accepted": re.compile(rb"<ACCEPTANCE-DATETIME>\s*(\d{14})"),
}
_XML_BLOCK = re.compile(rb"<XML>\s*(.*?)\s*</XML>", re.DOTALL | re.IGNORECASE)
_TRUE = {"1", "true", "y", "yes", "x"}
_FALSE = {"0", "false", "n", "no"}


@dataclass
class Form4:
    """One parsed ownership document."""

    accession: str | None
    form_type: str
    filing_date: pd.Timestamp | None
    accepted_at: pd.Timestamp | None
    schema_version: str | None
    issuer_cik: str
    issuer_name: str | None
    ticker: str | None
    period_of_report: pd.Timestamp | None
    aff10b5one: bool | None
    remarks: str | None
    owners: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    footnotes: dict[str, str] = field(default_factory=dict)


def _txt(el: Any, path: str) -> str | None:
    v = el.findtext(path)
    if v is None:
        return None
    v = v.strip()
    return v or None


def _bool(v: str | None) -> bool | None:
    if v is None:
        return None
    v = v.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    return None


def _float(v: str | None) -> float | None:
    if v is None:
        return None
    try:
        return float(v.replace(",", "").replace("$", ""))
    except ValueError:
        return None


def _date(v: str | None) -> pd.Timestamp | None:
    """An XML date (``YYYY-MM-DD``, possibly with a time-zone suffix) through the kit's bounded parser."""
    return parse_date(v.strip()[:10]) if v else None


def _decoded(data: bytes, name: str) -> bytes:
    """The document as UTF-8 bytes: a UTF-16 or UTF-32 document (byte-order mark or NUL-padded declaration) is
    decoded first, so the DOCTYPE/ENTITY refusal sees the text an XML parser would see."""
    head = data[:4]
    enc = None
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        enc = "utf-32"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16"
    elif head == b"<\x00\x00\x00":
        enc = "utf-32-le"
    elif head == b"\x00\x00\x00<":
        enc = "utf-32-be"
    elif head[:2] == b"<\x00":
        enc = "utf-16-le"
    elif head[:2] == b"\x00<":
        enc = "utf-16-be"
    if enc is None:
        return data
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        raise DataError(f"document looks {enc}-encoded but does not decode: {exc}", path=name) from exc
    text = re.sub(r"^\ufeff", "", text)
    text = re.sub(r"(<\?xml[^>]*?)\s+encoding=[\"'][^\"']*[\"']", r"\1", text, count=1)
    return text.encode("utf-8")


def _split_submission(data: bytes, name: str) -> tuple[bytes, dict[str, Any]]:
    head: dict[str, Any] = {}
    if b"<SEC-DOCUMENT>" not in data[:2000] and b"<SEC-HEADER>" not in data[:5000] and b"<XML>" not in data[:20000].upper():
        return data, head
    hdr_end = data.find(b"</SEC-HEADER>")
    hdr = data[: hdr_end if hdr_end > 0 else 20000]
    for k, rx in _HDR.items():
        m = rx.search(hdr)
        if m:
            head[k] = m.group(1).decode("ascii", "replace")
    for m in _XML_BLOCK.finditer(data):
        if b"ownershipDocument" in m.group(1):
            return m.group(1), head
    raise DataError("EDGAR submission has no <XML> block with an ownershipDocument", path=name)


def parse_form4(data: bytes, *, name: str = "<document>", accession: str | None = None,
                filing_date: str | pd.Timestamp | None = None, max_bytes: int = MAX_BYTES) -> Form4:
    """Parse one ownership document.

    Parameters
    ----------
    data
        Raw bytes: a bare XML document or a full EDGAR submission text file.
    name
        Name used in error messages (usually the file path).
    accession, filing_date
        For bare XML documents, which carry neither; the SGML header wins when present.
    max_bytes
        Refuse larger documents.

    Returns
    -------
    Form4
        Header fields, ``owners`` and ``rows`` (one dict per transaction line,
        in tidy column names).  Forms 3 and 5 and holdings-only documents give
        ``rows == []``.

    Raises
    ------
    DataError
        Oversized, a DOCTYPE/ENTITY declaration, malformed XML, not an
        ``ownershipDocument``, or no issuer CIK.

    Examples
    --------
    >>> import insider_kit as ik
    >>> doc = b'''<ownershipDocument><documentType>4</documentType><periodOfReport>2024-03-01</periodOfReport>
    ... <issuer><issuerCik>0000000001</issuerCik><issuerName>Example Corp</issuerName>
    ... <issuerTradingSymbol>EXC</issuerTradingSymbol></issuer>
    ... <reportingOwner><reportingOwnerId><rptOwnerCik>0000000002</rptOwnerCik><rptOwnerName>Doe Jane</rptOwnerName>
    ... </reportingOwnerId><reportingOwnerRelationship><isOfficer>1</isOfficer><officerTitle>Chief Executive Officer
    ... </officerTitle></reportingOwnerRelationship></reportingOwner>
    ... <nonDerivativeTable><nonDerivativeTransaction><securityTitle><value>Common Stock</value></securityTitle>
    ... <transactionDate><value>2024-03-01</value></transactionDate><transactionCoding><transactionFormType>4
    ... </transactionFormType><transactionCode>P</transactionCode><equitySwapInvolved>0</equitySwapInvolved>
    ... </transactionCoding><transactionAmounts><transactionShares><value>1000</value></transactionShares>
    ... <transactionPricePerShare><value>12.50</value></transactionPricePerShare>
    ... <transactionAcquiredDisposedCode><value>A</value></transactionAcquiredDisposedCode></transactionAmounts>
    ... <postTransactionAmounts><sharesOwnedFollowingTransaction><value>5000</value>
    ... </sharesOwnedFollowingTransaction></postTransactionAmounts></nonDerivativeTransaction></nonDerivativeTable>
    ... </ownershipDocument>'''
    >>> f = ik.parse_form4(doc, accession="0000000002-24-000001", filing_date="2024-03-04")
    >>> [(r["trans_code"], r["shares"], r["price"]) for r in f.rows]
    [('P', 1000.0, 12.5)]
    >>> ik.parse_form4(b'<!DOCTYPE x [<!ENTITY a "b">]><ownershipDocument/>')
    Traceback (most recent call last):
    ...
    insider_kit.errors.DataError: ...
    """
    root, head = _parse_root(data, name, max_bytes)
    doc = _header(root, head, name, accession, filing_date)
    doc.owners.extend(_owners(root, doc))
    if not doc.form_type.startswith("3"):  # Form 3: holdings only, no transactions
        doc.rows.extend(_transaction_rows(root, doc))
    return doc


def _parse_root(data: bytes, name: str, max_bytes: int) -> tuple[Any, dict[str, str]]:
    """The ``<ownershipDocument>`` element (namespaces stripped) and the SGML header's fields, after every
    safety check: size, encoding, no DOCTYPE/ENTITY, well-formed XML with the expected root."""
    if len(data) > max_bytes:
        raise DataError(f"document is {len(data):,} bytes, over the {max_bytes:,}-byte limit", path=name)
    xml, head = _split_submission(_decoded(data, name), name)
    xml = _decoded(xml, name)
    if _DOCTYPE.search(xml[:4096]) or _DOCTYPE.search(xml):
        raise DataError("XML declares a DOCTYPE/ENTITY; refused (entity expansion and external entities are unsafe)", path=name)
    try:
        root = etree.fromstring(xml.lstrip(), parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise DataError(f"malformed XML: {exc}", path=name) from exc
    if root is None or etree.QName(root).localname != "ownershipDocument":
        tag = etree.QName(root).localname if root is not None else "nothing"
        raise DataError(f"root element is <{tag}>, expected <ownershipDocument>", path=name)
    if root.nsmap:  # strip namespaces if any
        for el in root.iter():
            if isinstance(el.tag, str) and "}" in el.tag:
                el.tag = el.tag.split("}", 1)[1]
    return root, head


def _header(root: Any, head: dict[str, str], name: str, accession: str | None,
            filing_date: str | pd.Timestamp | None) -> Form4:
    """The filing's header: issuer, form type (an amendment per the SGML header), filing date and acceptance
    time (impossible header dates are data errors), 10b5-1 checkbox, footnotes."""
    issuer_cik = _txt(root, "issuer/issuerCik")
    if not issuer_cik or not issuer_cik.isdigit():
        raise DataError(f"no valid issuerCik ({issuer_cik!r})", path=name)
    form_type = (_txt(root, "documentType") or head.get("form") or "").upper()
    if head.get("form", "").upper().endswith("/A") and not form_type.endswith("/A"):
        form_type += "/A"
    if "filed" in head:
        fd = parse_date(head["filed"], ("%Y%m%d",))
        if fd is None:
            raise DataError(f"impossible FILED AS OF DATE {head['filed']!r} in the EDGAR header", path=name)
    else:
        fd = parse_date(str(pd.Timestamp(filing_date).date())) if filing_date is not None else None
    acc_at = None
    if "accepted" in head:
        day = parse_date(head["accepted"][:8], ("%Y%m%d",))
        try:
            t = datetime.strptime(head["accepted"][8:14], "%H%M%S").time()
        except ValueError:
            t = None
        if day is None or t is None:
            raise DataError(f"impossible ACCEPTANCE-DATETIME {head['accepted']!r} in the EDGAR header", path=name)
        acc_at = pd.Timestamp(datetime.combine(day.date(), t)).tz_localize(NY, ambiguous=True,
                                                                           nonexistent="shift_forward")
    doc = Form4(
        accession=head.get("accession") or accession,
        form_type=form_type,
        filing_date=fd,
        accepted_at=acc_at,
        schema_version=_txt(root, "schemaVersion"),
        issuer_cik=issuer_cik.zfill(10),
        issuer_name=_txt(root, "issuer/issuerName"),
        ticker=_ticker(_txt(root, "issuer/issuerTradingSymbol")),
        period_of_report=_date(_txt(root, "periodOfReport")),
        aff10b5one=_bool(_txt(root, "aff10b5One")),
        remarks=_txt(root, "remarks"),
    )
    for fn in root.iterfind("footnotes/footnote"):
        fid = fn.get("id")
        if fid:
            doc.footnotes[fid.strip()] = " ".join("".join(fn.itertext()).split())
    return doc


def _owners(root: Any, doc: Form4) -> list[dict[str, Any]]:
    """Every reporting owner, in the order listed, with the relationship flags and the normalised role."""
    owners = []
    for i, ro in enumerate(root.iterfind("reportingOwner")):
        rel = ro.find("reportingOwnerRelationship")
        flags = {
            k: bool(_bool(_txt(rel, t)) if rel is not None else False)
            for k, t in (("is_director", "isDirector"), ("is_officer", "isOfficer"),
                         ("is_ten_percent_owner", "isTenPercentOwner"), ("is_other", "isOther"))
        }
        title = _txt(rel, "officerTitle") if rel is not None else None
        cik = _txt(ro, "reportingOwnerId/rptOwnerCik")
        owners.append({
            "accession": doc.accession,
            "owner_cik": cik.zfill(10) if cik and cik.isdigit() else cik,
            "owner_name": _txt(ro, "reportingOwnerId/rptOwnerName"),
            **flags,
            "officer_title": title,
            "role": normalise_role(flags["is_director"], flags["is_officer"], flags["is_ten_percent_owner"],
                                   flags["is_other"], title),
            "owner_order": i,
            "filing_date": doc.filing_date,
            "issuer_cik": doc.issuer_cik,
        })
    return owners


def _plan_flag(notes: str | None, checkbox: bool | None) -> tuple[bool | None, str | None]:
    """Whether a line was under a 10b5-1 plan, and the source that says so: a footnote naming the rule (and not
    denying it) wins over the checkbox; neither leaves it unknown."""
    if notes and PLAN_RE.search(notes) and not NEG_RE.search(notes):
        return True, "footnote"
    if checkbox is not None:
        return checkbox, "checkbox"
    return None, None


def _transaction_rows(root: Any, doc: Form4) -> list[dict[str, Any]]:
    """One row per transaction line (non-derivative, then derivative), in tidy column names, attributed to the
    first reporting owner (``n_owners`` says how many filed jointly), with its footnotes' texts."""
    primary = doc.owners[0] if doc.owners else {}
    rows = []
    line = 0
    for tbl, path in (("nonderivative", "nonDerivativeTable/nonDerivativeTransaction"),
                      ("derivative", "derivativeTable/derivativeTransaction")):
        for tr in root.iterfind(path):
            line += 1
            seen = list(dict.fromkeys(fid for f in tr.iter("footnoteId") if (fid := f.get("id", "").strip())))
            notes = " | ".join(doc.footnotes[f] for f in seen if f in doc.footnotes) or None
            shares_txt = _txt(tr, "transactionAmounts/transactionShares/value")
            shares = _float(shares_txt)
            price = _float(_txt(tr, "transactionAmounts/transactionPricePerShare/value"))
            plan, src = _plan_flag(notes, doc.aff10b5one)
            rows.append({
                "accession": doc.accession,
                "filing_date": doc.filing_date,
                "accepted_at": doc.accepted_at,
                "form_type": doc.form_type,
                "issuer_cik": doc.issuer_cik,
                "issuer_name": doc.issuer_name,
                "ticker": doc.ticker,
                "owner_cik": primary.get("owner_cik"),
                "owner_name": primary.get("owner_name"),
                "n_owners": len(doc.owners),
                "is_director": primary.get("is_director", False),
                "is_officer": primary.get("is_officer", False),
                "is_ten_percent_owner": primary.get("is_ten_percent_owner", False),
                "is_other": primary.get("is_other", False),
                "officer_title": primary.get("officer_title"),
                "role": primary.get("role", "Other"),
                "table": tbl,
                "security_title": _txt(tr, "securityTitle/value"),
                "trans_date": _date(_txt(tr, "transactionDate/value")),
                "deemed_execution_date": _date(_txt(tr, "deemedExecutionDate/value")),
                "trans_code": (_txt(tr, "transactionCoding/transactionCode") or "").upper() or None,
                "acquired_disposed": (_txt(tr, "transactionAmounts/transactionAcquiredDisposedCode/value") or "").upper() or None,
                "shares": shares,
                "price": price,
                "value": shares * price if shares is not None and price is not None else None,
                "shares_after": _float(_txt(tr, "postTransactionAmounts/sharesOwnedFollowingTransaction/value")),
                "ownership": (_txt(tr, "ownershipNature/directOrIndirectOwnership/value") or "").upper() or None,
                "plan_10b5_1": plan,
                "plan_source": src,
                "footnotes": notes,
                "source": "edgar_xml",
                "period_of_report": doc.period_of_report,
                "date_of_orig_sub": None,
                "line": line,
                "shares_raw": shares_txt,
            })
    return rows


def parse_form4_files(files: Iterable[Path], *, progress: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Parse many EDGAR files into (transactions, owners, skipped).

    ``skipped`` lists documents without transactions (Forms 3, holdings-only)
    with the reason.  A file that cannot be parsed raises :class:`DataError`
    naming it: the build refuses to continue rather than lose a filing silently.

    Parameters
    ----------
    files
        Submissions (``.txt``, SGML header and XML) or bare ownership documents (``.xml``).
    progress
        Show a progress bar.

    Returns
    -------
    (transactions, owners, skipped)
        Tidy transactions (one row per reporting owner and line), the reporting owners, and the documents
        without transactions.

    Examples
    --------
    >>> from insider_kit.config import paths
    >>> from insider_kit.filings.tidy import filing_sources
    >>> tx, owners, skipped = parse_form4_files(filing_sources(paths("sample"))[1][:3])
    >>> tx["accession"].nunique() + len(skipped)
    3
    """
    from .._progress import tqdm
    from .schema import finalize_columns, validate_rows

    rows: list[dict[str, Any]] = []
    owners: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    files_by_acc: dict[str, str] = {}
    files = list(files)
    for f in tqdm(files, desc="Form 4 XML", unit="doc", disable=not progress):
        p = Path(f)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise DataError(f"cannot read: {exc}", path=p) from exc
        doc = parse_form4(data, name=str(p), accession=p.stem)
        if doc.filing_date is None:
            raise DataError("no filing date (bare XML without an EDGAR header)", path=p,
                            hint="store EDGAR files as complete submission .txt files")
        files_by_acc[str(doc.accession)] = p.name
        owners.extend(doc.owners)
        if not doc.rows:
            skipped.append({"file": p.name, "accession": doc.accession, "reason": f"form {doc.form_type}: no transactions"})
        rows.extend(doc.rows)
    raw = pd.DataFrame(rows)
    shares_raw = raw.pop("shares_raw") if "shares_raw" in raw else None
    tx = finalize_columns(raw) if rows else finalize_columns(pd.DataFrame(columns=["accession"]))
    if rows:
        tx, invalid = validate_rows(tx, shares_raw=shares_raw)
        tx = tx.reset_index(drop=True)
        for r in invalid.itertuples():
            skipped.append({"file": files_by_acc.get(str(r.accession), ""), "accession": r.accession, "reason": r.reason})
    own = pd.DataFrame(owners)
    return tx, own, pd.DataFrame(skipped, columns=["file", "accession", "reason"])
