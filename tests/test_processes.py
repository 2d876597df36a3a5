"""No process of a run survives the kit process that started it (issue #39.10).

A ``kill -9`` of ``insider-kit build`` or ``insider-kit report`` left 3-4 worker processes (233-690 MB each)
running ten minutes later.  Each test starts a real run in a subprocess with a marker in its environment (every
process of the run inherits it: fork server, workers, Jupyter kernels and theirs), kills the kit process with
SIGKILL once the processes under test exist, and asserts that every marked process is gone within a grace
period.  Linux only (the processes are found through ``/proc``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from insider_kit.sample import SampleSpec, generate_sample

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")

#: Seconds the processes of a killed run get to end (the parent watch reacts within one; a worker still
#: importing the kit notices when its initializer runs; a kernel's parent poller checks once a second).
GRACE = 30.0


def _run_processes(tag: str) -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every live process whose environment carries ``IK_KILLTEST=tag``."""
    out = []
    marker = f"IK_KILLTEST={tag}".encode()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if marker not in (d / "environ").read_bytes().split(b"\0"):
                continue
            stat = (d / "stat").read_text()
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if state in ("Z", "X"):  # (a zombie has ended; its parent has not collected it)
                continue
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            out.append((int(d.name), int(ppid), cmd))
        except OSError:
            continue
    return out


def _kill_and_survivors(cmd: list[str], ready: Callable[[int, list[tuple[int, int, str]]], bool],
                        timeout: float = 300.0) -> list[tuple[int, int, str]]:
    """Start *cmd*, SIGKILL it once ``ready(pid, processes of the run)``, and return the processes of the run still
    alive after :data:`GRACE` seconds (every one of them is killed before returning)."""
    tag = uuid.uuid4().hex
    env = {**os.environ, "IK_KILLTEST": tag}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        t0 = time.monotonic()
        while not ready(proc.pid, _run_processes(tag)):
            if proc.poll() is not None:
                pytest.fail(f"the run ended (exit {proc.returncode}) before its processes were there to kill: "
                            f"{proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
            if time.monotonic() - t0 > timeout:
                pytest.fail("the run's processes did not appear in time")
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        end = time.monotonic() + GRACE
        while (left := _run_processes(tag)) and time.monotonic() < end:
            time.sleep(0.25)
        return left
    finally:
        for pid, _, _ in _run_processes(tag):  # (a failing run leaves nothing behind either)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _forkserver_workers(procs: list[tuple[int, int, str]]) -> list[int]:
    """The fork server's children among *procs* (the pool's workers)."""
    servers = {pid for pid, _, cmd in procs if "multiprocessing.forkserver" in cmd}
    return [pid for pid, ppid, _ in procs if ppid in servers]


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A small teaching market with 40 quarterly zips (enough for the build to start its two workers and keep
    them busy for a few seconds)."""
    root = tmp_path_factory.mktemp("kill") / "data"
    generate_sample(root, seed=5, spec=SampleSpec(n_firms=40, start="2012-01-03", end="2021-12-31"), progress=False)
    yield root


def test_build_workers_end_with_a_killed_build(market: Path) -> None:
    """Guards against the tidy build's two quarter readers (and the fork server) running on after ``kill -9`` of
    ``insider-kit build``: they waited on their task queue forever."""
    def ready(pid: int, procs: list[tuple[int, int, str]]) -> bool:
        return len(_forkserver_workers(procs)) >= 2

    cmd = [sys.executable, "-m", "insider_kit.cli", "-q", "build", "--data", str(market)]
    left = _kill_and_survivors(cmd, ready)
    assert not left, f"processes of the killed build still running after {GRACE:.0f} s: {left}"


def test_a_prefetch_worker_ends_with_its_study(market: Path, tmp_path: Path) -> None:
    """Guards against the worker of ``Study.prefetch`` (started from a notebook or a script) outliving the
    process that loaded the study."""
    script = tmp_path / "prefetch.py"
    script.write_text(
        "import sys, time\n"
        "import insider_kit as ik\n"
        "if __name__ == '__main__':\n"
        "    study = ik.load_study(sys.argv[1])\n"
        "    study.prefetch([('trade', ('P', 'S'), False), ('trade', ('P', 'S'), True)])\n"
        "    time.sleep(600)\n")
    subprocess.run([sys.executable, "-m", "insider_kit.cli", "-q", "build", "--data", str(market)], check=True,
                   capture_output=True)

    def ready(pid: int, procs: list[tuple[int, int, str]]) -> bool:
        return len(_forkserver_workers(procs)) >= 1

    left = _kill_and_survivors([sys.executable, str(script), str(market)], ready)
    assert not left, f"processes of the killed script still running after {GRACE:.0f} s: {left}"


@pytest.mark.parametrize("stage", ["ledger", "notebooks"])
def test_report_processes_end_with_a_killed_report(market: Path, tmp_path: Path, stage: str) -> None:
    """Guards against the processes of ``insider-kit report`` running on after ``kill -9`` of the report: the
    workers its claims ledger starts (``Study.prefetch``, killed while they build the event variants) and the
    Jupyter kernels of the notebooks (killed while they run)."""
    import shutil

    data = tmp_path / "data"  # (without the persistent study: the report builds it and its variants)
    shutil.copytree(market, data, ignore=shutil.ignore_patterns("study"))

    def ready(pid: int, procs: list[tuple[int, int, str]]) -> bool:
        if stage == "ledger":
            servers = {p for p, ppid, cmd in procs if "multiprocessing.forkserver" in cmd and ppid == pid}
            return any(ppid in servers for _, ppid, _ in procs)
        kernels = [p for p, ppid, cmd in procs if "ipykernel" in cmd and ppid == pid]
        if kernels and not hasattr(ready, "t"):
            ready.t = time.monotonic()  # type: ignore[attr-defined]
        return bool(kernels) and time.monotonic() - ready.t > 2.0  # type: ignore[attr-defined]  # (kernels running)

    cmd = [sys.executable, "-m", "insider_kit.cli", "-q", "report", "--data", str(data), "--out",
           str(tmp_path / "reports"), "--only", "00_quickstart", "01_data_tour", "--jobs", "2"]
    left = _kill_and_survivors(cmd, ready)
    assert not left, f"processes of the killed report still running after {GRACE:.0f} s: {left}"


def test_two_reports_into_one_folder_run_one_after_the_other(default_market: Path, tmp_path: Path) -> None:
    """Two `insider-kit report` runs started together into the same --out both finish (rc 0), the second after
    the first (before: one read the other's half-written notebook and died with nbformat's NotJSONError)."""
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "insider_kit.cli", "-q", "report", "--data", str(default_market), "--out", str(out),
           "--only", "01_data_tour"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (o, e) in zip(procs, outs, strict=True):
        assert p.returncode == 0, o[-1500:] + e[-1500:]
        assert "Traceback" not in e
    assert (out / "index.html").exists() and (out / "01_data_tour.html").exists()
