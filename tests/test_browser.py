"""The lab and the report in a real browser: JupyterLab started on 127.0.0.1, opened in headless Chromium, the
quickstart notebook (a jupytext source) run with Run All; and the report's index.html loaded with no console
errors.  Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); skipped without."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
NB_DIR = Path(__file__).parents[1] / "notebooks"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                                  reason="headless Chromium not installed (apt-get install chromium chromium-driver)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from insider_kit.sample import SampleSpec, generate_sample

    root = tmp_path_factory.mktemp("browser") / "sample"
    generate_sample(root, seed=3, spec=SampleSpec(n_firms=40, start="2018-01-02", end="2022-12-30"), progress=False)
    return root


@pytest.fixture
def driver() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM  # type: ignore[assignment]
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--window-size=1400,1000", "--disable-dev-shm-usage"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    d.set_script_timeout(300)
    try:
        yield d
    finally:
        d.quit()


@pytest.fixture
def lab(market: Path, tmp_path: Path) -> Iterator[str]:
    work = tmp_path / "nb"
    work.mkdir()
    shutil.copy(NB_DIR / "00_quickstart.py", work / "00_quickstart.py")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "INSIDER_KIT_DATA": str(market), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"), "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
                             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", "--allow-root",
                             f"--ServerApp.root_dir={work}", "--expose-app-in-browser",
                             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start")
        yield f"{url}/lab?token={token}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


RUN_ALL = """
const done = arguments[arguments.length - 1];
(async () => {
  const app = window.jupyterapp;
  await app.started; await app.restored;
  const w = await app.commands.execute('docmanager:open', {path: '00_quickstart.py', factory: 'Jupytext Notebook'});
  await w.context.ready; await w.sessionContext.ready;
  await app.commands.execute('notebook:run-all-cells');
  const code = () => w.content.widgets.filter(c => c.model.type === 'code');
  for (let i = 0; i < 600; i++) {
    const k = w.sessionContext.session && w.sessionContext.session.kernel;
    const ran = code().every(c => c.model.executionCount !== null);
    if (ran && k && k.status === 'idle') break;
    await new Promise(r => setTimeout(r, 500));
  }
  const outs = [];
  for (const c of code()) {
    const o = c.model.outputs.toJSON();
    outs.push({count: c.model.executionCount, outputs: o});
  }
  done({cells: outs, text: document.body.innerText});
})().catch(e => done({error: String(e)}));
"""


def test_quickstart_runs_in_jupyterlab(driver: object, lab: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    d = driver
    d.get(lab)  # type: ignore[attr-defined]
    WebDriverWait(d, 120).until(lambda x: x.execute_script("return !!window.jupyterapp"))  # type: ignore[attr-defined]
    res = d.execute_async_script(RUN_ALL)  # type: ignore[attr-defined]
    assert "error" not in res, res.get("error")
    cells = res["cells"]
    assert cells and all(c["count"] is not None for c in cells), "a cell did not run"
    errors = [o for c in cells for o in c["outputs"] if o.get("output_type") == "error"
              or (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    assert not errors, errors[:2]
    assert any("image/png" in o.get("data", {}) for c in cells for o in c["outputs"]), "no figure was drawn"
    assert "SYNTHETIC DATA" in res["text"], "the SYNTHETIC banner is not on the page"


def test_report_index_loads_without_console_errors(driver: object, market: Path, tmp_path: Path) -> None:
    from insider_kit.reports import render_reports

    out = tmp_path / "reports"
    render_reports(data=market, out=out, notebooks_dir=NB_DIR, only=["00_quickstart"], params={"min_estimation": 60})
    d = driver
    d.get((out / "index.html").as_uri())  # type: ignore[attr-defined]
    assert "Claims ledger" in d.page_source  # type: ignore[attr-defined]
    severe = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]  # type: ignore[attr-defined]
    assert not severe, severe
    d.get((out / "claims" / "purchases_positive.html").as_uri())  # type: ignore[attr-defined]
    assert "SYNTHETIC DATA" in d.page_source  # type: ignore[attr-defined]
    assert not [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]  # type: ignore[attr-defined]
