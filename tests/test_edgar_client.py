"""EDGAR client against a real HTTP server on 127.0.0.1 (no patched network layer)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from insider_kit.errors import ConfigError, NetworkError
from insider_kit.filings.edgar import (
    EdgarClient,
    HostUnreachableError,
    RateLimiter,
    fetch_quarterly,
    fetch_recent_form4,
    parse_form_index,
    quarters,
)
from tests.conftest import LoopbackServer, respond
from tests.fixtures.form4_docs import NEW_SCHEMA_SUBMISSION

UA = "insider-kit tests tests@example.org"


def client(server: LoopbackServer, **kw) -> EdgarClient:
    kw.setdefault("backoff", 0.01)
    kw.setdefault("limiter", RateLimiter(1000))
    return EdgarClient(UA, base_url=server.url, **kw)


def test_user_agent_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEC_USER_AGENT")
    with pytest.raises(ConfigError, match="SEC_USER_AGENT") as e:
        EdgarClient()
    assert "@" in (e.value.hint or "")
    with pytest.raises(ConfigError, match="e-mail"):
        EdgarClient("just-a-name")


def test_user_agent_is_sent_and_enforced(server: LoopbackServer) -> None:
    def route(h):
        ok = h.headers.get("User-Agent") == UA
        respond(200 if ok else 403, b"hello" if ok else b"")(h)

    server.routes["/x"] = route
    assert client(server).get(server.url + "/x") == b"hello"
    assert server.log[-1][2] == UA


def test_429_then_200_honours_retry_after(server: LoopbackServer) -> None:
    server.serve_sequence("/q", [respond(429, b"slow down", {"Retry-After": "1"}), respond(200, b"ok")])
    c = client(server, backoff=0.0)
    assert c.get(server.url + "/q") == b"ok"
    (t0, *_), (t1, *_) = server.log[-2:]
    assert t1 - t0 >= 0.9  # waited for Retry-After: 1, not the 0-second back-off


def test_500s_retried_then_gives_up_with_network_error(server: LoopbackServer) -> None:
    server.serve_sequence("/a", [respond(500), respond(503), respond(200, b"fine")])
    assert client(server).get(server.url + "/a") == b"fine"
    server.serve_sequence("/b", [respond(500)])
    with pytest.raises(NetworkError, match=r"/b.*3 attempts.*HTTP 500"):
        client(server, max_retries=2).get(server.url + "/b")
    assert sum(1 for _, p, _ in server.log if p == "/b") == 3


def test_truncated_body_is_retried_and_never_written(server: LoopbackServer, tmp_path: Path) -> None:
    body = b"x" * 100_000
    server.serve_sequence("/f.zip", [respond(200, body, truncate_to=1000), respond(200, body)])
    dest = tmp_path / "raw" / "f.zip"
    assert client(server).download(server.url + "/f.zip", dest) == "downloaded"
    assert dest.read_bytes() == body
    # always truncated: nothing is left on disk, not even a partial file
    server.serve_sequence("/g.zip", [respond(200, body, truncate_to=10)])
    dest2 = tmp_path / "raw" / "g.zip"
    with pytest.raises(NetworkError, match=r"g\.zip"):
        client(server, max_retries=1).download(server.url + "/g.zip", dest2)
    assert not dest2.exists()
    assert [p.name for p in dest2.parent.iterdir()] == ["f.zip"]


def test_failed_download_keeps_the_previous_file(server: LoopbackServer, tmp_path: Path) -> None:
    dest = tmp_path / "keep.zip"
    dest.write_bytes(b"old good copy")
    server.serve_sequence("/keep.zip", [respond(200, b"y" * 5000, truncate_to=10)])
    with pytest.raises(NetworkError):
        client(server, max_retries=1).download(server.url + "/keep.zip", dest, skip_existing=False)
    assert dest.read_bytes() == b"old good copy"


def test_rate_is_at_most_ten_per_second_across_clients(server: LoopbackServer) -> None:
    """Two clients sharing the process-wide limiter: 21 requests span at least 2 seconds."""
    server.serve_bytes("/r", b".")
    shared = RateLimiter(10)
    a, b = client(server, limiter=shared), client(server, limiter=shared)
    for i in range(21):
        (a if i % 2 else b).get(server.url + "/r")
    times = [t for t, p, _ in server.log if p == "/r"]
    span = times[-1] - times[0]
    rate = (len(times) - 1) / span
    assert rate <= 10.0 + 1e-6, f"measured {rate:.2f} requests/s"
    # and every 1-second window holds at most 10 request starts
    assert max(sum(1 for u in times if t <= u < t + 1.0) for t in times) <= 10


def test_fetch_quarterly_skips_existing_and_reports_missing(server: LoopbackServer, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("SUBMISSION.tsv", "ACCESSION_NUMBER\n")
    server.serve_bytes("/files/structureddata/data/form-345-data-sets/2024q1_form345.zip", buf.getvalue())
    c = client(server)
    res = fetch_quarterly(c, "2024q1", "2024q2", tmp_path, progress=False)
    assert dict(zip(res["quarter"], res["status"])) == {"2024q1": "downloaded", "2024q2": "missing"}
    again = fetch_quarterly(c, "2024q1", "2024q1", tmp_path, progress=False)
    assert again["status"].tolist() == ["cached"]
    assert quarters("2023q4", "2024q2") == ["2023q4", "2024q1", "2024q2"]


INDEX = """Description:           Daily Index of EDGAR Dissemination Feed by Form Type
Last Data Received:    June 2, 2025
Comments:              webmaster@sec.gov
Anonymous FTP:         ftp://ftp.sec.gov/edgar/

Form Type   Company Name                                                  CIK         Date Filed  File Name
---------------------------------------------------------------------------------------------------------------------------------------------
3           SOMEONE ELSE                                                  1111111     20250602    edgar/data/1111111/0001111111-25-000001.txt
4           NEWCO ROBOTICS                                                777777      20250602    edgar/data/777777/0009999999-25-000042.txt
4           Lee Ana                                                       888888      20250602    edgar/data/777777/0009999999-25-000042.txt
"""


def test_fetch_recent_form4_walks_daily_indexes(server: LoopbackServer, tmp_path: Path) -> None:
    server.serve_bytes("/Archives/edgar/daily-index/2025/QTR2/form.20250602.idx", INDEX.encode())
    server.serve_bytes("/Archives/edgar/data/777777/0009999999-25-000042.txt", NEW_SCHEMA_SUBMISSION)
    res = fetch_recent_form4(client(server), "2025-05-31", "2025-06-02", tmp_path, progress=False)
    assert res["status"].tolist() == ["downloaded"]  # listed twice (issuer + owner), fetched once
    saved = tmp_path / "777777" / "0009999999-25-000042.txt"
    assert saved.read_bytes() == NEW_SCHEMA_SUBMISSION
    idx = parse_form_index(INDEX)
    assert idx["form_type"].tolist() == ["3", "4", "4"] and idx["cik"].iloc[1] == "777777"


def test_fetch_quarterly_finds_moved_files_from_the_landing_page(server: LoopbackServer, tmp_path: Path) -> None:
    """The SEC moved the zips: the landing page links to the new place, the old pattern answers an HTML error
    page with status 200 (refused: not a zip), a quarter found nowhere lists every address tried."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("SUBMISSION.tsv", "ACCESSION_NUMBER\n")
    page = ('<html><body><a href="/files/new-home/2024q1_form345.zip">2024 Q1</a>'
            '<a href="https://elsewhere.invalid/2023q4_form345.zip">2023 Q4</a></body></html>')
    server.serve_bytes("/data-research/sec-markets-data/insider-transactions-data-sets", page.encode())
    server.serve_bytes("/files/new-home/2024q1_form345.zip", buf.getvalue())
    server.serve_bytes("/files/structureddata/data/form-345-data-sets/2024q1_form345.zip", b"<html>error</html>")
    server.serve_bytes("/files/structureddata/data/form-345-data-sets/2024q2_form345.zip", b"<html>moved</html>")
    c = client(server)
    res = fetch_quarterly(c, "2024q1", "2024q2", tmp_path, progress=False).set_index("quarter")
    assert res.loc["2024q1", "status"] == "downloaded" and res.loc["2024q1", "url"].endswith("/files/new-home/2024q1_form345.zip")
    assert zipfile.is_zipfile(tmp_path / "2024q1_form345.zip")
    assert res.loc["2024q2", "status"] == "missing"
    err = res.loc["2024q2", "error"]
    # (counted as "(404)": a loopback port such as 40427 also contains the digits)
    assert "not a zip" in err and err.count("(404)") == 2 and not (tmp_path / "2024q2_form345.zip").exists()
    own = fetch_quarterly(c, "2024q2", "2024q2", tmp_path, progress=False,
                          url_template=server.url + "/files/new-home/2024q1_form345.zip?{q}")
    assert own["status"].tolist() == ["downloaded"]  # the user's own address is tried first


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed): a connection to it is refused."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_refused_connection_fails_fast_with_the_address(tmp_path: Path) -> None:
    """Guards against 'fetch sec' retrying a host that refuses connections with back-off, for every quarter and
    every known address (316 s of silence before the message): one short retry, then an error naming it."""
    port = _closed_port()
    slept: list[float] = []
    c = EdgarClient(UA, base_url=f"http://127.0.0.1:{port}", limiter=RateLimiter(1000), sleep=slept.append)
    with pytest.raises(HostUnreachableError, match=rf"http://127\.0\.0\.1:{port} refused the connection"):
        fetch_quarterly(c, "2023q1", "2024q4", tmp_path, progress=False)
    assert c.requests_made == 2 and sum(slept) <= 0.5  # (the default policy: 6 attempts, 31 s per address)
    assert not any(tmp_path.iterdir())


def test_a_refused_connection_through_the_cli_is_one_line(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from insider_kit.cli import main

    port = _closed_port()
    for argv in (["fetch", "sec", "--from", "2024q1", "--to", "2024q2"], ["fetch", "tickers"],
                 ["fetch", "edgar", "--since", "2025-06-02", "--until", "2025-06-02"]):
        assert main(["-q", *argv, "--base-url", f"http://127.0.0.1:{port}", "--data", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert f"127.0.0.1:{port} refused the connection" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 2  # the error and its hint


@pytest.mark.parametrize("args,match", [
    (["--base-url", "http://[::1"], "not a valid address"),
    (["--base-url", "ftp://mirror.example"], "not an http"),
    (["--base-url", "www.sec.gov"], "not an http"),
    (["--base-url", "http://127.0.0.1:99999"], "Port out of range"),
    (["--archive-url", "http://x/?a=1"], "query"),
    (["--url-template", "{0}"], r"\{q\} as its only field \(found \{0\}\)"),
    (["--url-template", "{quarter}.zip"], "only field"),
    (["--url-template", "https://mirror.example/{q"], "not a template"),
    (["--url-template", "mirror/{q}.zip"], "not an http"),
])
def test_malformed_addresses_are_refused_before_any_request(server: LoopbackServer, tmp_path: Path, args: list[str],
                                                            match: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Guards against a malformed --base-url or --url-template '{0}' ending in a requests or IndexError
    traceback (after requests to the SEC's landing page)."""
    import re

    from insider_kit.cli import main

    base = [] if "--base-url" in args else ["--base-url", server.url]
    assert main(["-q", "fetch", "sec", "--from", "2024q1", "--to", "2024q1", *base, *args,
                 "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert re.search(match, err) and "Traceback" not in err
    assert server.log == []  # nothing was asked of the server
