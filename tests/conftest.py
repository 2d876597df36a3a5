"""Shared fixtures: the real-data folder (skip cleanly when absent) and a loopback HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if REAL.is_dir():
        return
    skip = pytest.mark.skip(reason=f"real data folder {REAL} is absent")
    for item in items:
        if "real_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def default_market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default teaching market (every test that uses it shares one generation)."""
    from insider_kit.sample import generate_sample

    root = tmp_path_factory.mktemp("teach") / "sample"
    generate_sample(root, progress=False)
    return root


@pytest.fixture(scope="session")
def rendered_reports(default_market: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """Every notebook rendered once per session on the default teaching market, with the landing page and the
    claim pages: (report folder, :class:`~insider_kit.reports.RenderResult`).  The notebook tests and the
    table-style test read the same outputs."""
    from insider_kit.reports import render_reports

    out = tmp_path_factory.mktemp("rendered") / "reports"
    res = render_reports(data=default_market, out=out, notebooks_dir=Path(__file__).parents[1] / "notebooks",
                         params={"min_estimation": 60, "n_reps": 20, "min_n": 10})
    return out, res


@pytest.fixture
def real() -> Path:
    """Path of ../shared/data/real (tests using it carry the real_data marker)."""
    return REAL


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("INSIDER_KIT_DATA", raising=False)
    monkeypatch.setenv("SEC_USER_AGENT", "insider-kit tests tests@example.org")
    monkeypatch.setenv("MPLBACKEND", "Agg")


Route = Callable[[BaseHTTPRequestHandler], None]


class LoopbackServer:
    """A real HTTP server on 127.0.0.1 with per-path handlers and a request log."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[float, str, str]] = []  # (time, path, user-agent)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                import time

                outer.log.append((time.monotonic(), self.path, self.headers.get("User-Agent", "")))
                route = outer.routes.get(self.path.split("?")[0])
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                route(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def serve_bytes(self, path: str, body: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> None:
        def route(h: BaseHTTPRequestHandler) -> None:
            h.send_response(status)
            h.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(body)

        self.routes[path] = route

    def serve_sequence(self, path: str, steps: list[Route]) -> None:
        """Answer successive requests for *path* with successive handlers (last one repeats)."""
        calls = {"n": 0}

        def route(h: BaseHTTPRequestHandler) -> None:
            i = min(calls["n"], len(steps) - 1)
            calls["n"] += 1
            steps[i](h)

        self.routes[path] = route


def respond(status: int, body: bytes = b"", headers: dict[str, str] | None = None, *, truncate_to: int | None = None) -> Route:
    """A route answering *status* with *body*; ``truncate_to`` sends fewer bytes than declared and closes."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if truncate_to is not None:
            h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body if truncate_to is None else body[:truncate_to])
        if truncate_to is not None:
            h.wfile.flush()
            h.close_connection = True

    return route


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    s = LoopbackServer()
    s.thread.start()
    try:
        yield s
    finally:
        s.httpd.shutdown()
        s.httpd.server_close()
