"""A polite EDGAR client following the SEC's fair-access rules.

* a declared User-Agent with a contact address (``SEC_USER_AGENT``);
* at most 10 requests per second across the whole process (one shared limiter);
* retries with exponential back-off on 429 and 5xx, honouring ``Retry-After``,
  and on dropped connections / truncated bodies;
* a host that cannot be reached at all (connection refused, unknown name, no route, no answer to the connection
  within ``connect_timeout``) is not a server having a bad moment: one short retry, then a
  :class:`~insider_kit.errors.NetworkError` naming the address, at once (it was 316 s of silence);
* addresses checked before any request (an ``http(s)://host[:port]`` base, a template with ``{q}``);
* raw files written atomically; files already on disk are skipped.

URLs (overridable for tests and mirrors with ``base_url``/``archive_url``)::

    {base}/files/structureddata/data/form-345-data-sets/{YYYY}q{N}_form345.zip
    {archive}/Archives/edgar/daily-index/{YYYY}/QTR{N}/form.{YYYYMMDD}.idx
    {archive}/Archives/edgar/data/{cik}/{accession}.txt
    {base}/files/company_tickers.json
"""

from __future__ import annotations

import email.utils
import re
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import requests

from .._io import atomic_open, safe_component
from ..config import sec_user_agent
from ..errors import ConfigError, DataError, NetworkError

__all__ = ["LANDING_PAGES", "QUARTERLY_PATTERNS", "EdgarClient", "HostUnreachableError", "RateLimiter",
           "check_base_url", "check_url_template", "fetch_quarterly", "fetch_recent_form4", "parse_form_index",
           "quarter_links", "quarters"]

SEC_BASE = "https://www.sec.gov"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class RateLimiter:
    """Minimum spacing between request starts, shared by every thread that holds it.

    ``margin`` widens the spacing a little (5% by default) so that network
    jitter never lets the server see more than ``max_per_second``.
    """

    def __init__(self, max_per_second: float, *, margin: float = 0.05) -> None:
        self.interval = (1.0 + margin) / max_per_second
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        """Block until one more request fits within the rate limit."""
        with self._lock:
            now = time.monotonic()
            if self._next > now:
                time.sleep(self._next - now)
                now = self._next
            self._next = now + self.interval


#: The process-wide limiter: 10 requests per second, the SEC's published ceiling.
PROCESS_LIMITER = RateLimiter(10.0)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        dt = email.utils.parsedate_to_datetime(value)
        return max(0.0, dt.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class HostUnreachableError(NetworkError):
    """No connection to the host at all (refused, unknown name, no route, connection timed out): retrying for
    minutes cannot help, so every caller stops at once with the address."""


def _connection_failure(exc: requests.RequestException) -> bool:
    """Whether *exc* failed to open a connection (as opposed to losing one, or a slow answer)."""
    import urllib3.exceptions as ue

    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:  # (requests wraps urllib3's MaxRetryError, whose reason is the NewConnectionError)
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, ue.NewConnectionError | ConnectionRefusedError):  # (an unknown name too: a subclass)
            return True
        stack += [getattr(e, "reason", None), e.__cause__, e.__context__,
                  *(a for a in getattr(e, "args", ()) if isinstance(a, BaseException))]
    return False


def check_base_url(url: str, *, option: str = "base_url", base: bool = True) -> str:
    """*url* as a base address: ``http(s)://host[:port][/path]``, without a trailing slash.

    Parameters
    ----------
    url
        The address given.
    option
        The option's name, for the message.
    base
        A base that paths are appended to (no query or fragment); False: a whole address.

    Returns
    -------
    str
        The address.

    Raises
    ------
    ConfigError
        Not an http(s) address with a host and a valid port, or with a query or fragment.

    Examples
    --------
    >>> check_base_url("http://127.0.0.1:8080/")
    'http://127.0.0.1:8080'
    >>> check_base_url("ftp://mirror", option="--base-url")
    Traceback (most recent call last):
    ...
    insider_kit.errors.ConfigError: --base-url 'ftp://mirror' is not an http(s) address ...
    """
    from urllib.parse import urlsplit

    hint = "give an address like https://www.sec.gov or http://127.0.0.1:8080"
    try:
        u = urlsplit(str(url).strip())
        _ = u.port  # (raises ValueError for a port out of range)
        host = u.hostname
    except ValueError as exc:
        raise ConfigError(f"{option} {url!r} is not a valid address ({exc})", hint=hint) from exc
    if u.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{option} {url!r} is not an http(s) address with a host", hint=hint)
    if (base and (u.query or u.fragment)) or any(c.isspace() for c in str(url).strip()):
        raise ConfigError(f"{option} {url!r} has a query, a fragment or spaces; give the base address only",
                          hint=hint)
    return str(url).strip().rstrip("/")


def check_url_template(template: str) -> str:
    """*template* as a quarterly zip's address pattern: ``{q}`` (the quarter, e.g. ``2024q3``) its only field,
    and an http(s) address once filled.

    Parameters
    ----------
    template
        E.g. ``https://mirror.example/sec/{q}_form345.zip``.

    Returns
    -------
    str
        The template.

    Raises
    ------
    ConfigError
        A field other than ``{q}`` (``{0}``, ``{quarter}``), no ``{q}``, unbalanced braces, or not an address.

    Examples
    --------
    >>> check_url_template("https://mirror.example/{q}_form345.zip")
    'https://mirror.example/{q}_form345.zip'
    >>> check_url_template("{0}")
    Traceback (most recent call last):
    ...
    insider_kit.errors.ConfigError: --url-template '{0}' ...
    """
    import string

    hint = "write the quarter as {q}, e.g. --url-template 'https://mirror.example/{q}_form345.zip'"
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise ConfigError(f"--url-template {template!r} is not a template ({exc})", hint=hint) from exc
    if any(f != "q" for f in fields) or "q" not in fields:
        raise ConfigError(f"--url-template {template!r} must have {{q}} as its only field "
                          f"(found {', '.join('{' + f + '}' for f in fields) or 'none'})", hint=hint)
    check_base_url(template.format(q="2024q1"), option="--url-template", base=False)
    return template


class EdgarClient:
    """HTTP client for SEC EDGAR.

    Parameters
    ----------
    user_agent
        Declared identity; default ``$SEC_USER_AGENT`` (required: a ConfigError says how to set it).
    base_url, archive_url
        Hosts for ``/files/...`` and ``/Archives/...`` (default ``https://www.sec.gov``).
    max_retries, backoff, max_backoff
        Retry policy: wait ``backoff * 2**attempt`` seconds (capped), or the server's Retry-After.
    timeout
        Seconds per request (waiting for the answer).
    connect_timeout
        Seconds to open a connection; a host that cannot be reached is retried once, then
        :class:`HostUnreachableError`.
    limiter
        Rate limiter; the process-wide 10/s one by default.
    """

    def __init__(
        self,
        user_agent: str | None = None,
        *,
        base_url: str | None = None,
        archive_url: str | None = None,
        max_retries: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.user_agent = sec_user_agent(user_agent)
        self.base_url = check_base_url(base_url or SEC_BASE, option="--base-url")
        self.archive_url = check_base_url(archive_url or base_url or SEC_BASE, option="--archive-url")
        self.connect_timeout = connect_timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.limiter = limiter or PROCESS_LIMITER
        self._sleep = sleep
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"})
        self.requests_made = 0

    # ------------------------------------------------------------------ core
    def _request(self, url: str, *, stream: bool) -> requests.Response:
        last: str = ""
        unreachable = 0
        for attempt in range(self.max_retries + 1):
            self.limiter.wait()
            self.requests_made += 1
            try:
                r = self.session.get(url, timeout=(self.connect_timeout, self.timeout), stream=stream)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = f"{type(exc).__name__}: {exc}"
                if _connection_failure(exc):  # (no connection at all: one short retry, then stop)
                    unreachable += 1
                    if unreachable >= 2:
                        raise self._unreachable(url, exc) from exc
                    self._sleep(min(0.5, self.backoff))
                    continue
                self._sleep(min(self.max_backoff, self.backoff * 2**attempt))
                continue
            except requests.RequestException as exc:  # (an address requests cannot use at all)
                raise NetworkError(f"{url}: {type(exc).__name__}: {exc}") from exc
            if r.status_code in RETRY_STATUS:
                last = f"HTTP {r.status_code}"
                wait = _retry_after(r.headers.get("Retry-After"))
                r.close()
                self._sleep(min(self.max_backoff, wait if wait is not None else self.backoff * 2**attempt))
                continue
            if r.status_code == 403:
                r.close()
                raise NetworkError(
                    f"{url}: HTTP 403 Forbidden",
                    hint="the SEC refuses requests without a valid User-Agent or above 10/s; check SEC_USER_AGENT",
                )
            return r
        raise NetworkError(f"{url}: failed after {self.max_retries + 1} attempts ({last})")

    @staticmethod
    def _unreachable(url: str, exc: BaseException) -> HostUnreachableError:
        from urllib.parse import urlsplit

        u = urlsplit(url)
        why = "refused the connection" if "refused" in str(exc).lower() else (
            "did not answer in time" if isinstance(exc, requests.ConnectTimeout) else "cannot be reached")
        return HostUnreachableError(
            f"{u.scheme}://{u.netloc} {why} (twice, for {url})",
            hint="check the address (--base-url, --url-template) and the network; nothing was downloaded from it")

    def get(self, url: str) -> bytes:
        """GET *url* and return the body; retries truncated bodies. 404 raises :class:`NetworkError`."""
        for attempt in range(self.max_retries + 1):
            r = self._request(url, stream=False)
            if r.status_code == 404:
                raise NetworkError(f"{url}: HTTP 404 Not Found")
            if r.status_code >= 400:
                raise NetworkError(f"{url}: HTTP {r.status_code}")
            try:
                body = r.content
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
                    requests.ConnectionError) as exc:
                self._sleep(min(self.max_backoff, self.backoff * 2**attempt))
                last = str(exc)
                continue
            return body
        raise NetworkError(f"{url}: body truncated on every attempt ({last})")

    def download(self, url: str, dest: Path, *, skip_existing: bool = True) -> str:
        """Stream *url* to *dest* atomically.  Returns ``'cached'``, ``'downloaded'`` or ``'missing'`` (404)."""
        dest = Path(dest)
        if skip_existing and dest.exists() and dest.stat().st_size > 0:
            return "cached"
        last = ""
        for attempt in range(self.max_retries + 1):
            r = self._request(url, stream=True)
            if r.status_code == 404:
                r.close()
                return "missing"
            if r.status_code >= 400:
                r.close()
                raise NetworkError(f"{url}: HTTP {r.status_code}")
            expected = r.headers.get("Content-Length")
            enc = r.headers.get("Content-Encoding", "")
            try:
                n = 0
                with atomic_open(dest) as fh:
                    for chunk in r.raw.stream(1 << 16, decode_content=True):
                        fh.write(chunk)
                        n += len(chunk)
                    if expected is not None and not enc and n != int(expected):
                        raise _Truncated(f"got {n} of {expected} bytes")
                return "downloaded"
            except (_Truncated, requests.RequestException, OSError, Exception) as exc:  # urllib3 errors too
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                last = f"{type(exc).__name__}: {exc}"
                self._sleep(min(self.max_backoff, self.backoff * 2**attempt))
            finally:
                r.close()
        raise NetworkError(f"{url}: download incomplete after {self.max_retries + 1} attempts ({last})")

    # ------------------------------------------------------------------ URLs
    def quarterly_url(self, quarter: str) -> str:
        """Address of a quarter's data-set zip under the pattern the SEC uses today."""
        return f"{self.base_url}/files/structureddata/data/form-345-data-sets/{quarter}_form345.zip"

    def daily_index_url(self, day: date) -> str:
        """Address of the EDGAR daily form index of *day*."""
        q = (day.month - 1) // 3 + 1
        return f"{self.archive_url}/Archives/edgar/daily-index/{day.year}/QTR{q}/form.{day:%Y%m%d}.idx"

    def filing_url(self, file_name: str) -> str:
        """Address of a filing in the EDGAR archive, from its index ``File Name``."""
        return f"{self.archive_url}/Archives/{file_name.lstrip('/')}"

    def company_tickers_url(self) -> str:
        """Address of the SEC's CIK-to-ticker map."""
        return f"{self.base_url}/files/company_tickers.json"


class _Truncated(Exception):
    pass


def quarters(start: str, end: str) -> list[str]:
    """The quarters from *start* to *end*, both included.

    Parameters
    ----------
    start, end
        Quarters written like ``2024q3``.

    Returns
    -------
    list of str
        The quarters in order.

    Raises
    ------
    DataError
        A malformed quarter, or *start* after *end*.

    Examples
    --------
    >>> quarters("2023q3", "2024q1")
    ['2023q3', '2023q4', '2024q1']
    """
    def parse(q: str) -> tuple[int, int]:
        q = q.strip().lower()
        if len(q) != 6 or q[4] != "q" or not q[:4].isdigit() or q[5] not in "1234":
            raise DataError(f"bad quarter {q!r}; expected like 2024q3")
        return int(q[:4]), int(q[5])
    (y0, q0), (y1, q1) = parse(start), parse(end)
    if (y0, q0) > (y1, q1):
        raise DataError(f"quarter {start} is after {end}; give the earlier quarter first")
    out = []
    while (y0, q0) <= (y1, q1):
        out.append(f"{y0}q{q0}")
        y0, q0 = (y0 + 1, 1) if q0 == 4 else (y0, q0 + 1)
    return out


#: Where the SEC has published the quarterly data sets (it has moved them more than once); tried in order
#: after the links found on the landing page.
QUARTERLY_PATTERNS: tuple[str, ...] = (
    "/files/structureddata/data/form-345-data-sets/{q}_form345.zip",
    "/files/structureddata/data/insider-transactions-data-sets/{q}_form345.zip",
    "/files/dera/data/form-345/{q}_form345.zip",
)
#: The SEC's landing pages for the Insider Transactions Data Sets (their links name each quarter's zip).
LANDING_PAGES: tuple[str, ...] = (
    "/data-research/sec-markets-data/insider-transactions-data-sets",
    "/dera/data/form-345",
)
_ZIP_LINK = re.compile(r"""href\s*=\s*["']([^"']*?(\d{4}q[1-4])_form345\.zip)["']""", re.IGNORECASE)


def quarter_links(client: EdgarClient) -> dict[str, str]:
    """Quarter -> address of its zip, read from the SEC's landing page (the first page that answers).

    Parameters
    ----------
    client
        The fair-access client.

    Returns
    -------
    dict of str to str
        ``{"2024q1": "https://www.sec.gov/files/structureddata/data/...zip", ...}``; empty when no page
        answers.

    Examples
    --------
    Reaches the SEC, so it does not run offline (the tests serve the same files from 127.0.0.1):

    >>> links = quarter_links(EdgarClient())  # doctest: +SKIP
    """
    from urllib.parse import urljoin

    for page in LANDING_PAGES:
        url = client.base_url + page
        try:
            text = client.get(url).decode("utf-8", "replace")
        except HostUnreachableError:
            raise
        except NetworkError:
            continue
        links = {m.group(2).lower(): urljoin(url, m.group(1)) for m in _ZIP_LINK.finditer(text)}
        if links:
            return links
    return {}


def _is_zip(path: Path) -> bool:
    import zipfile

    try:
        with open(path, "rb") as fh:
            if fh.read(4) != b"PK\x03\x04":
                return False
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def fetch_quarterly(client: EdgarClient, start: str, end: str, dest: Path, *, progress: bool = True,
                    url_template: str | None = None) -> pd.DataFrame:
    """Download the quarterly data sets ``start``..``end`` into *dest*; returns a status table.

    Each quarter's address is looked for in turn: *url_template* when given (``{q}`` is the quarter, e.g.
    ``https://mirror.example/{q}_form345.zip``), the link on the SEC's landing page, then the addresses the SEC
    has used before (:data:`QUARTERLY_PATTERNS`).  Only a real zip is accepted (an HTML error page answered
    with status 200 is not); a quarter found nowhere is ``missing`` with every address tried in ``error``.

    Parameters
    ----------
    client
        The fair-access client (declared User-Agent, at most 10 requests a second, retries with back-off).
    start, end
        Quarters like ``2006q1``.
    dest
        The folder the zips are written to (atomically, as ``<quarter>_form345.zip``).
    progress
        Show a progress bar.
    url_template
        A mirror's address pattern, tried first.

    Returns
    -------
    pandas.DataFrame
        One row per quarter: ``quarter``, ``status`` (``downloaded``/``cached``/``missing``), ``url``,
        ``bytes``, ``error``.

    Examples
    --------
    Reaches the SEC, so it does not run offline (the tests serve the same files from 127.0.0.1):

    >>> from insider_kit.config import paths
    >>> status = fetch_quarterly(EdgarClient(), "2023q1", "2024q4", paths().raw_sec)  # doctest: +SKIP
    """
    import os

    from .._progress import tqdm

    rows = []
    qs = quarters(start, end)
    if url_template is not None:
        check_url_template(url_template)  # (before any request)
    links: dict[str, str] | None = None
    for q in tqdm(qs, desc="SEC quarterly data sets", unit="quarter", disable=not progress):
        final = Path(dest) / f"{q}_form345.zip"
        if final.exists() and _is_zip(final):
            rows.append({"quarter": q, "status": "cached", "error": "", "url": ""})
            continue
        if links is None:
            links = quarter_links(client) if url_template is None else {}
        cands = ([url_template.format(q=q)] if url_template else []) + ([links[q]] if q in links else []) + \
            [client.base_url + pat.format(q=q) for pat in QUARTERLY_PATTERNS]
        tried: list[str] = []
        got = None
        for url in dict.fromkeys(cands):
            tmp = final.with_name(f".{q}_form345.candidate")
            try:
                st = client.download(url, tmp, skip_existing=False)
            except HostUnreachableError:
                raise
            except NetworkError as exc:
                tried.append(f"{url} ({exc})")
                continue
            if st == "missing":
                tried.append(f"{url} (404)")
                continue
            if not _is_zip(tmp):
                tried.append(f"{url} (answered, but not a zip: an HTML page?)")
                tmp.unlink(missing_ok=True)
                continue
            os.replace(tmp, final)
            got = url
            break
        if got:
            rows.append({"quarter": q, "status": "downloaded", "error": "", "url": got})
        else:
            rows.append({"quarter": q, "status": "missing", "error": "tried: " + "; ".join(tried), "url": ""})
    return pd.DataFrame(rows, columns=["quarter", "status", "error", "url"])


def parse_form_index(text: str, *, name: str = "form index") -> pd.DataFrame:
    r"""Parse an EDGAR ``form.YYYYMMDD.idx`` (fixed-width, after a dashed rule line).

    Parameters
    ----------
    text
        The index file's text.
    name
        The file's name, for error messages.

    Returns
    -------
    pandas.DataFrame
        ``form_type``, ``company``, ``cik``, ``date_filed``, ``file_name``.

    Raises
    ------
    DataError
        No rule line, or a header without the four column names.

    Examples
    --------
    >>> idx = ("Form Type   Company Name      CIK         Date Filed  File Name\n"
    ...        "---------------------------------------------------------------------\n"
    ...        "4           ACME CORP         1234567     20240304    edgar/data/1234567/0001-24-000001.txt\n")
    >>> parse_form_index(idx)[["form_type", "cik", "date_filed"]].values.tolist()
    [['4', '1234567', '20240304']]
    """
    lines = text.splitlines()
    try:
        start = next(i for i, ln in enumerate(lines) if ln.startswith("----"))
    except StopIteration as exc:
        raise DataError("no '-----' rule line; not an EDGAR form index", path=name) from exc
    header = lines[start - 1] if start > 0 else ""
    try:
        c_company, c_cik, c_date, c_file = (header.index(h) for h in ("Company Name", "CIK", "Date Filed", "File Name"))
    except ValueError as exc:
        raise DataError("header line lacks Company Name / CIK / Date Filed / File Name", path=name) from exc
    rows = []
    for ln in lines[start + 1:]:
        if not ln.strip():
            continue
        rows.append((ln[:c_company].strip(), ln[c_company:c_cik].strip(), ln[c_cik:c_date].strip(),
                     ln[c_date:c_file].strip(), ln[c_file:].strip()))
    return pd.DataFrame(rows, columns=["form_type", "company", "cik", "date_filed", "file_name"])


def fetch_recent_form4(client: EdgarClient, since: str | date, until: str | date | None, dest: Path, *,
                       forms: tuple[str, ...] = ("4", "4/A"), progress: bool = True) -> pd.DataFrame:
    """Walk the daily form indexes from *since* to *until* and download matching submissions.

    Each submission is saved whole (SGML header + XML), which keeps the
    acceptance date-time, as ``dest/<cik>/<accession>.txt``.  Days without an
    index (weekends, holidays) are skipped.

    Parameters
    ----------
    client
        The fair-access client.
    since, until
        The filing days (*until* None: today).
    dest
        The folder submissions are written to (atomically; an existing file is not downloaded again).
    forms
        Form types to download.
    progress
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per filing with its status (``downloaded``/``cached``/``missing``/``failed``).

    Examples
    --------
    Reaches the SEC, so it does not run offline (the tests serve the same files from 127.0.0.1):

    >>> from insider_kit.config import paths
    >>> status = fetch_recent_form4(EdgarClient(), "2024-03-01", None, paths().raw_edgar)  # doctest: +SKIP
    """
    from .._progress import tqdm

    d0 = pd.Timestamp(since).date()
    d1 = pd.Timestamp(until).date() if until is not None else date.today()
    if d1 < d0:
        raise DataError(f"--until {d1} is before --since {d0}")
    entries = []
    day = d0
    days = []
    while day <= d1:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    for day in tqdm(days, desc="EDGAR daily indexes", disable=not progress):
        url = client.daily_index_url(day)
        try:
            text = client.get(url).decode("latin-1")
        except HostUnreachableError:
            raise
        except NetworkError as exc:
            if str(exc).endswith("HTTP 404 Not Found"):  # (not "404" anywhere: a port or path may hold it)
                continue
            raise
        idx = parse_form_index(text, name=url)
        entries.append(idx[idx["form_type"].isin(forms)])
    if not entries:
        return pd.DataFrame(columns=["file_name", "cik", "accession", "status", "error"])
    todo = pd.concat(entries).drop_duplicates("file_name")
    out = []
    for fn in tqdm(todo["file_name"], desc="Form 4 submissions", disable=not progress):
        parts = fn.strip("/").split("/")
        if len(parts) < 4 or not parts[-1].endswith(".txt"):
            out.append({"file_name": fn, "cik": "", "accession": "", "status": "failed", "error": "unexpected file name"})
            continue
        cik = safe_component(parts[-2], what="CIK")
        acc = safe_component(parts[-1][:-4], what="accession")
        try:
            st = client.download(client.filing_url(fn), Path(dest) / cik / f"{acc}.txt")
            out.append({"file_name": fn, "cik": cik, "accession": acc, "status": st, "error": ""})
        except HostUnreachableError:
            raise
        except NetworkError as exc:
            out.append({"file_name": fn, "cik": cik, "accession": acc, "status": "failed", "error": str(exc)})
    return pd.DataFrame(out)
