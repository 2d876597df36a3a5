"""The lab, the report and the docs in a real browser: JupyterLab started on 127.0.0.1, opened in headless
Chromium, the quickstart notebook (a jupytext source) opened unmodified, saved unchanged and run with Run All;
the report's landing page, a claim page and a rendered notebook with math (05), and a docs page with math,
loaded from ``file://`` with every network name unresolvable: no console error, no raw LaTeX left in the
rendered text.  Needs Debian's ``chromium`` and ``chromium-driver`` (``make test`` installs them when root);
skipped without."""

from __future__ import annotations

import os
import re
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
DOCS_HTML = Path(__file__).parents[1] / "docs" / "_build" / "html"

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
              "--window-size=1400,1000", "--disable-dev-shm-usage",
              # no network at all: a page that needs a CDN fails here as it would offline
              "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
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
    shutil.copy(NB_DIR / "jupytext.toml", work / "jupytext.toml")  # (what make lab serves beside the notebooks)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "INSIDER_KIT_DATA": str(market), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"), "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    proc = subprocess.Popen([sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
                             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", "--allow-root",
                             f"--ServerApp.root_dir={work}", "--expose-app-in-browser",
                             # as make lab runs it (the news pop-up is off by the installed settings overrides)
                             "--ServerApp.contents_manager_class=insider_kit._lab.ContentsManager",
                             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
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
  for (let i = 0; i < 60; i++) {  // the kernel connected and answered (JupyterLab then sets language_info)
    const k = w.sessionContext.session && w.sessionContext.session.kernel;
    if (k && k.status === 'idle' && k.info) break;
    await new Promise(r => setTimeout(r, 250));
  }
  await new Promise(r => setTimeout(r, 1500));
  const dirtyOnOpen = w.context.model.dirty;
  const toasts = [...document.querySelectorAll('.Toastify__toast')].map(e => e.innerText);
  await w.context.save();
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
  done({cells: outs, text: document.body.innerText, dirtyOnOpen, toasts});
})().catch(e => done({error: String(e)}));
"""


def test_quickstart_runs_in_jupyterlab(driver: object, lab: str, tmp_path: Path) -> None:
    """Run All works; and opening the notebook did not mark it modified (JupyterLab added language_info when
    the kernel connected), saving it rewrote the same text (jupytext added its version to the header), and
    no news pop-up appeared."""
    from selenium.webdriver.support.ui import WebDriverWait

    source = (NB_DIR / "00_quickstart.py").read_text()
    d = driver
    d.get(lab)  # type: ignore[attr-defined]
    WebDriverWait(d, 120).until(lambda x: x.execute_script("return !!window.jupyterapp"))  # type: ignore[attr-defined]
    res = d.execute_async_script(RUN_ALL)  # type: ignore[attr-defined]
    assert "error" not in res, res.get("error")
    assert res["dirtyOnOpen"] is False, "the notebook shows as modified as soon as it opens"
    assert not res["toasts"], res["toasts"]
    saved = (tmp_path / "nb" / "00_quickstart.py").read_text()
    assert saved == source, "saving an unchanged notebook rewrote its source"
    cells = res["cells"]
    assert cells and all(c["count"] is not None for c in cells), "a cell did not run"
    errors = [o for c in cells for o in c["outputs"] if o.get("output_type") == "error"
              or (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    assert not errors, errors[:2]
    assert any("image/png" in o.get("data", {}) for c in cells for o in c["outputs"]), "no figure was drawn"
    assert "SYNTHETIC DATA" in res["text"], "the SYNTHETIC banner is not on the page"


#: Waits until MathJax has typeset the page (when it loads it), then returns the rendered text and how many
#: formulas were typeset.
TYPESET = """
const done = arguments[arguments.length - 1];
(async () => {
  for (let i = 0; i < 100 && document.readyState !== 'complete'; i++) await new Promise(r => setTimeout(r, 50));
  const wants = !!document.querySelector('script[src*="mathjax"]');
  for (let i = 0; wants && i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
    await new Promise(r => setTimeout(r, 50));
  if (wants && window.MathJax && MathJax.startup) await MathJax.startup.promise;
  done({text: document.body.innerText, formulas: document.querySelectorAll('mjx-container').length, wants});
})().catch(e => done({error: String(e)}));
"""

#: TeX a reader should never see: delimiters or commands left in the text after typesetting.
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\$[^$\s][^$]*\\[a-zA-Z]+[^$]*\$|\\(hat|frac|alpha|beta|sum|bar|mathrm|varepsilon)\b|[A-Za-z]_\{")


def _load(d: object, url: str) -> dict[str, object]:
    """Open *url*, wait for its math, and return its text, its typeset formulas and its console errors."""
    d.get(url)  # type: ignore[attr-defined]
    res = d.execute_async_script(TYPESET)  # type: ignore[attr-defined]
    assert "error" not in res, res
    res["severe"] = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]  # type: ignore[attr-defined]
    res["raw"] = RAW_TEX.findall(res["text"])
    return res


def test_the_raw_tex_check_finds_raw_tex() -> None:
    for raw in (r"the model \(R_{it} - \hat\alpha_i\)", r"$$AR_{it}$$", r"fit $R_{it} = \alpha_i$ on", r"\[x\]"):
        assert RAW_TEX.search(raw), raw
    assert not RAW_TEX.search("a price of $5 and $6; CAR(0,60) = 3.4%; P/E; t_cs")


def test_report_pages_work_offline(driver: object, market: Path, tmp_path: Path) -> None:
    """The landing page, a claim page and notebook 05 (formulas in its lesson) from file:// with no network:
    MathJax from the report's own copy typesets every formula; nothing is loaded from a CDN (require.js, the
    widget manager and MathJax were)."""
    from insider_kit.reports import render_reports

    out = tmp_path / "reports"
    res = render_reports(data=market, out=out, notebooks_dir=NB_DIR, only=["00_quickstart", "05_event_study_101"],
                         params={"min_estimation": 60})
    assert res.ok, res.failed
    assert not re.search(r"<script[^>]+src=[\"']https?://", (out / "05_event_study_101.html").read_text())
    index = _load(driver, (out / "index.html").as_uri())
    assert "Claims ledger" in str(index["text"]) and not index["severe"], index["severe"]
    claim = _load(driver, (out / "claims" / "purchases_positive.html").as_uri())
    assert "SYNTHETIC DATA" in str(claim["text"])
    assert not claim["severe"] and not claim["raw"], (claim["severe"], claim["raw"])
    lesson = _load(driver, (out / "05_event_study_101.html").as_uri())
    assert not lesson["severe"], lesson["severe"]
    assert lesson["wants"] and int(lesson["formulas"]) >= 2, lesson["formulas"]  # type: ignore[call-overload]
    assert not lesson["raw"], lesson["raw"]


@pytest.mark.skipif(not (DOCS_HTML / "guide" / "engine.html").exists(),
                    reason="the docs are not built (make test runs this test again after make docs)")
def test_docs_pages_work_offline(driver: object) -> None:
    """The guide's table of return models and the lesson's formulas on the docs site: typeset from the site's
    own MathJax with no network, no console error."""
    for page, least in (("guide/engine.html", 10), ("course/05_event_study_101.html", 2)):
        got = _load(driver, (DOCS_HTML / page).as_uri())
        assert not got["severe"], (page, got["severe"])
        assert int(got["formulas"]) >= least, (page, got["formulas"])  # type: ignore[call-overload]
        assert not got["raw"], (page, got["raw"])
