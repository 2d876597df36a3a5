"""Render every notebook with papermill, export HTML, write an index (no analysis logic here)."""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._io import atomic_write_text
from .errors import ConfigError

__all__ = ["RenderResult", "render_reports"]


@dataclass
class RenderResult:
    rendered: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    index: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed


def _failing_cell(nb_path: Path) -> str:
    try:
        nb = json.loads(nb_path.read_text())
    except (OSError, ValueError):
        return ""
    for i, c in enumerate(nb.get("cells", [])):
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                return f"cell {i}: {o.get('ename')}: {o.get('evalue')}"
    return ""


def render_reports(*, data: Path, out: Path, notebooks_dir: Path = Path("notebooks"), params: dict[str, Any] | None = None,
                   params_file: Path | None = None, hide_code: bool = False, only: list[str] | None = None,
                   timeout: int = 900, jobs: int = 2) -> RenderResult:
    """Execute each ``notebooks/*.ipynb`` with papermill (``data_dir`` set to *data*) and export HTML.

    A failing notebook is named with its failing cell and error; the others still render.  *jobs*
    notebooks run at once (each in its own kernel).  Parameters a notebook does not declare are not
    passed to it.
    """
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter
    from tqdm.auto import tqdm

    res = RenderResult()
    if not Path(data).exists():
        raise ConfigError(f"data directory {data} does not exist",
                          hint="generate the teaching market with 'insider-kit sample' (or 'make report')")
    nbs = sorted(p.resolve() for p in Path(notebooks_dir).glob("*.ipynb") if not p.name.startswith("."))
    if only:
        nbs = [p for p in nbs if p.stem in only or p.name in only]
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    p: dict[str, Any] = {}
    if params_file is not None:
        try:
            p.update(json.loads(Path(params_file).read_text()))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read parameters file {params_file}: {exc}") from exc
    p.update(params or {})
    p.setdefault("data_dir", str(Path(data).resolve()))
    p.setdefault("report_dir", str(out.resolve()))  # where notebooks write claims.csv
    if not nbs:
        print(f"insider-kit report: no notebooks in {notebooks_dir}/ yet; nothing to render")
    exporter = HTMLExporter(exclude_input=hide_code)
    declared = {nb: set(pm.inspect_notebook(str(nb)).keys()) for nb in nbs}
    unknown = sorted(set(params or {}) - set().union(*declared.values())) if nbs else []
    if unknown:
        print(f"warning: no notebook declares parameter(s) {', '.join(unknown)}")

    from .config import DataPaths
    from .filings.tidy import build_tidy

    paths = DataPaths(Path(data))
    if nbs and paths.raw.exists() and not paths.transactions.exists():
        print(f"building the tidy tables under {paths.tidy} first (notebooks run in parallel)")
        build_tidy(paths, progress=False)

    def run(nb: Path) -> tuple[Path, float, str | None]:
        executed = out / f"{nb.stem}.ipynb"
        t0 = time.time()
        err = None
        try:
            pm.execute_notebook(str(nb), str(executed), parameters={k: v for k, v in p.items() if k in declared[nb]},
                                # no cwd=: papermill's chdir is process-wide and notebooks run in threads;
                                # every path passed in is absolute
                                progress_bar=False, execution_timeout=timeout,
                                kernel_name="python3", log_output=False)
        except Exception as exc:  # papermill raises PapermillExecutionError and others
            err = _failing_cell(executed) or f"{type(exc).__name__}: {exc}"
        return nb, time.time() - t0, err

    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(run, nb) for nb in nbs]
        for fut in tqdm(as_completed(futures), total=len(futures), desc="notebooks", unit="nb"):
            nb, secs, err = fut.result()
            executed = out / f"{nb.stem}.ipynb"
            if err:
                res.failed[nb.stem] = err
                print(f"FAILED {nb.name}: {err}")
            if executed.exists():
                body, _ = exporter.from_notebook_node(nbformat.read(str(executed), as_version=4))
                dest = out / f"{nb.stem}.html"
                atomic_write_text(dest, body)
                res.rendered.append(dest)
                print(f"rendered {nb.name} -> {dest} ({secs:.1f}s)")
    res.rendered.sort()
    items = "".join(
        f'<li><a href="{html.escape(r.name)}">{html.escape(r.stem)}</a>'
        + (f' — <b>FAILED</b>: {html.escape(res.failed[r.stem])}' if r.stem in res.failed else "") + "</li>"
        for r in res.rendered)
    ledger = ""
    if (out / "claims.csv").exists():
        import pandas as pd

        led = pd.read_csv(out / "claims.csv")
        cols = [c for c in ("claim", "n", "n_ref", "estimate", "ci_low", "ci_high", "verdict") if c in led.columns]
        ledger = ('<h2>Claims ledger</h2><p><a href="claims.csv">claims.csv</a> (estimates are CARs in decimals, 95% CI '
                  'clustered by firm and month; rule in <code>insider_kit.claims</code>)</p>'
                  + led[cols].to_html(index=False, float_format=lambda x: f"{x:.4f}", na_rep=""))
    synth = paths.is_synthetic
    banner = "<p style='background:#fde68a;padding:8px'><b>SYNTHETIC DATA</b>: these reports use the generated " \
             "teaching market, not real filings.</p>" if synth else ""
    idx = out / "index.html"
    atomic_write_text(idx, f"<html><head><meta charset='utf-8'><title>insider-kit reports</title></head><body>"
                           f"<h1>insider-kit reports</h1>{banner}<p>data: {html.escape(str(data))}</p><ul>{items}</ul>"
                           f"{ledger}</body></html>")
    res.index = idx
    print(f"index: {idx.resolve()}  ({len(res.rendered)} rendered, {len(res.failed)} failed)")
    return res
