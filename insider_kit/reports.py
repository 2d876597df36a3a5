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
                   timeout: int = 900) -> RenderResult:
    """Execute each ``notebooks/*.ipynb`` with papermill (``data_dir`` set to *data*) and export HTML.

    A failing notebook is named with its failing cell and error; the others still render.
    """
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter
    from tqdm.auto import tqdm

    res = RenderResult()
    nbs = sorted(p for p in Path(notebooks_dir).glob("*.ipynb") if not p.name.startswith("."))
    if only:
        nbs = [p for p in nbs if p.stem in only or p.name in only]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    p: dict[str, Any] = {}
    if params_file is not None:
        try:
            p.update(json.loads(Path(params_file).read_text()))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read parameters file {params_file}: {exc}") from exc
    p.update(params or {})
    p.setdefault("data_dir", str(Path(data).resolve()))
    if not nbs:
        print(f"insider-kit report: no notebooks in {notebooks_dir}/ yet; nothing to render")
    exporter = HTMLExporter(exclude_input=hide_code)
    for nb in tqdm(nbs, desc="notebooks", unit="nb"):
        executed = out / f"{nb.stem}.ipynb"
        t0 = time.time()
        try:
            pm.execute_notebook(str(nb), str(executed), parameters=p, progress_bar=False, cwd=str(nb.parent),
                                execution_timeout=timeout, kernel_name="python3")
        except Exception as exc:  # papermill raises PapermillExecutionError and others
            res.failed[nb.stem] = _failing_cell(executed) or f"{type(exc).__name__}: {exc}"
            print(f"FAILED {nb.name}: {res.failed[nb.stem]}")
        if executed.exists():
            body, _ = exporter.from_notebook_node(nbformat.read(str(executed), as_version=4))
            dest = out / f"{nb.stem}.html"
            atomic_write_text(dest, body)
            res.rendered.append(dest)
            print(f"rendered {nb.name} -> {dest} ({time.time() - t0:.1f}s)")
    items = "".join(
        f'<li><a href="{html.escape(r.name)}">{html.escape(r.stem)}</a>'
        + (f' — <b>FAILED</b>: {html.escape(res.failed[r.stem])}' if r.stem in res.failed else "") + "</li>"
        for r in res.rendered)
    ledger = '<p><a href="claims.csv">claims ledger (claims.csv)</a></p>' if (out / "claims.csv").exists() else ""
    synth = (Path(data) / "SYNTHETIC").exists()
    banner = "<p style='background:#fde68a;padding:8px'><b>SYNTHETIC DATA</b>: these reports use the generated " \
             "teaching market, not real filings.</p>" if synth else ""
    idx = out / "index.html"
    atomic_write_text(idx, f"<html><head><meta charset='utf-8'><title>insider-kit reports</title></head><body>"
                           f"<h1>insider-kit reports</h1>{banner}<p>data: {html.escape(str(data))}</p><ul>{items}</ul>"
                           f"{ledger}</body></html>")
    res.index = idx
    print(f"index: {idx.resolve()}  ({len(res.rendered)} rendered, {len(res.failed)} failed)")
    return res
