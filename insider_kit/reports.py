"""Render every notebook with papermill, export HTML, and write the landing page and the claim pages.

No analysis logic here: the ledger comes from :func:`insider_kit.run_ledger` on the study the notebooks
load (the persistent study, so it is built once per report), the figures from :mod:`insider_kit.plots`.

Notebook sources are jupytext percent files (``notebooks/*.py``); each is converted to ``.ipynb`` only to
be executed, under ``<out>/.notebooks/``.  Parameters passed to a report are checked against each
notebook's declared parameters (name and type) before anything runs.
"""

from __future__ import annotations

import base64
import html
import io
import json
import platform
import sys
import textwrap
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import __version__
from ._io import atomic_write_bytes, atomic_write_text
from .config import DataPaths
from .errors import ConfigError, DataError
from .tables import fmt_count, fmt_p_is, fmt_pct, fmt_pvalue, glossary_html, style_table

if TYPE_CHECKING:
    from .study import Study

__all__ = [
    "COMPONENTS_CSS",
    "CSS",
    "FILING_DATES",
    "NOTEBOOK_QUESTIONS",
    "PACKAGE_NOTEBOOKS",
    "SOLUTION_TAG",
    "STUDIED_EVENTS",
    "TEACHING_ONLY",
    "ClaimPage",
    "RenderResult",
    "check_parameters",
    "claim_pages",
    "headline",
    "ledger_html",
    "notebook_sources",
    "render_reports",
    "student_edition",
    "to_notebook",
    "unstudiable",
]

#: What each notebook answers, one line each (the landing page lists them).
NOTEBOOK_QUESTIONS: dict[str, str] = {
    "00_quickstart": "From raw filings to a buy-vs-sell CAAR plot in ten cells.",
    "01_data_tour": "What is in the filings: codes, roles, 10b5-1 plans, amendments, lags; net insider sales.",
    "02_buy_vs_sell": "Is buying a stronger signal than selling? Tests, the difference, calendar time, robustness.",
    "03_when_selling_matters": "Which kinds of selling matter: clusters, run-ups, CEO/CFO, lock-ups, plans, the ledger.",
    "04_market_timing": "Does heavy insider selling across the market precede weaker market returns?",
    "05_event_study_101": "Teaching: an event study step by step, size and power, pitfalls, exercises.",
    "06_company": "One company: its insiders, their trades and classifications.",
    "07_screen": "The screens a trader runs, and how each did historically.",
    "08_dose_response": "How much is enough, and whose trades? Dose-response, track records, out-of-sample checks.",
}

#: The components of a page (banner, verdict badges, the ledger table); also used by the documentation site.
COMPONENTS_CSS = """
.banner { background: #fde68a; border: 1px solid #d4a72c; padding: 0.6em 1em; border-radius: 6px; font-weight: 600; }
.real { background: #dafbe1; border-color: #4ac26b; }
.badge { display: inline-block; padding: 0.1em 0.55em; border-radius: 1em; color: white; font-size: 0.85em;
         font-weight: 600; white-space: nowrap; }
.supported { background: #1a7f37; } .contradicted { background: #cf222e; } .inconclusive { background: #6e7781; }
.not-testable { background: #bf8700; } .check-the-data { background: #8250df; }
.headline { font-size: 1.08em; background: #f6f8fa; border-left: 4px solid #0969da; padding: 0.6em 1em; }
.notice { background: #fff8c5; border: 1px solid #d4a72c; padding: 0.5em 1em; border-radius: 6px; }
table.ledger { border-collapse: collapse; width: 100%; font-size: 0.9em; }
table.ledger th, table.ledger td { border-bottom: 1px solid #eaeef2; padding: 4px 6px; text-align: left;
                                    vertical-align: top; }
table.ledger td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
img.figure { max-width: 100%; }
.small { color: #59636e; font-size: 0.88em; }
dl.ik-glossary dt { font-weight: 600; } dl.ik-glossary dd { margin: 0 0 0.4em 1.2em; }
"""

#: A whole self-contained report page.
CSS = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #1f2328; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em; margin-top: 1.6em; }
""" + COMPONENTS_CSS + """
@media print { body { max-width: none; } .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


@dataclass
class RenderResult:
    """What a report run did: notebooks rendered, failed and skipped (with why), the landing page."""

    rendered: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    index: Path | None = None

    @property
    def ok(self) -> bool:
        """True when every notebook rendered."""
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


def notebook_sources(notebooks_dir: Path) -> list[Path]:
    r"""The notebooks of *notebooks_dir*: jupytext percent sources (``*.py`` files with a jupytext header) and
    plain ``*.ipynb`` files (a source wins over an ``.ipynb`` of the same name).

    Parameters
    ----------
    notebooks_dir
        The folder.

    Returns
    -------
    list of pathlib.Path
        Sorted by name.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.py").write_text("# ---\n# jupyter:\n#   jupytext:\n#     formats: py:percent\n# ---\n")
    >>> for name in ("a.ipynb", "b.ipynb", "helper.py"):  # helper.py has no jupytext header
    ...     _ = (d / name).write_text("")
    >>> [p.name for p in notebook_sources(d)]
    ['a.py', 'b.ipynb']
    """
    d = Path(notebooks_dir)
    py = {p.stem: p for p in d.glob("*.py") if not p.name.startswith(".") and "jupytext" in p.read_text()[:800]}
    ipynb = {p.stem: p for p in d.glob("*.ipynb") if not p.name.startswith(".")}
    return sorted({**ipynb, **py}.values(), key=lambda p: p.stem)


def to_notebook(source: Path, dest: Path) -> Path:
    r"""Convert a jupytext source to an ``.ipynb`` at *dest* (an ``.ipynb`` is copied); returns *dest*.

    Parameters
    ----------
    source
        A jupytext percent ``.py`` or an ``.ipynb``.
    dest
        The notebook written (atomically).

    Returns
    -------
    pathlib.Path
        *dest*.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "n.py").write_text("# %% [markdown]\n# A title\n\n# %%\nx = 1\n")
    >>> nb = nbformat.read(str(to_notebook(d / "n.py", d / "n.ipynb")), as_version=4)
    >>> [c.cell_type for c in nb.cells]
    ['markdown', 'code']
    """
    import jupytext
    import nbformat

    nb = jupytext.read(str(source)) if source.suffix == ".py" else nbformat.read(str(source), as_version=4)
    buf = io.StringIO()
    nbformat.write(nb, buf)
    atomic_write_text(dest, buf.getvalue())
    return dest


#: The notebook cells a student edition leaves out (tagged in the jupytext source).
SOLUTION_TAG = "solution"


def student_edition(source: Path, dest: Path) -> Path:
    r"""Write the student edition of a teaching notebook: every cell tagged ``solution`` left out (the exercises,
    their empty cells and their ``check(...)`` stay), as an ``.ipynb`` without outputs at *dest*.

    Parameters
    ----------
    source
        A jupytext percent ``.py`` (or an ``.ipynb``): the instructor edition.
    dest
        The ``.ipynb`` written (atomically).

    Returns
    -------
    pathlib.Path
        *dest*.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "n.py").write_text('# %% [markdown]\n# Exercise\n\n# %%\n# Try it here.\n\n'
    ...                             '# %% tags=["solution"]\nanswer = 42\n')
    >>> nb = nbformat.read(str(student_edition(d / "n.py", d / "n.ipynb")), as_version=4)
    >>> [c.source for c in nb.cells]
    ['Exercise', '# Try it here.']
    """
    import jupytext
    import nbformat

    nb = jupytext.read(str(source)) if Path(source).suffix == ".py" else nbformat.read(str(source), as_version=4)
    nb.cells = [c for c in nb.cells if SOLUTION_TAG not in c.get("metadata", {}).get("tags", [])]
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    buf = io.StringIO()
    nbformat.write(nb, buf)
    atomic_write_text(Path(dest), buf.getvalue())
    return Path(dest)


#: Modules whose ``Literal`` aliases a notebook parameter may be annotated with.
_LITERAL_MODULES = ("insider_kit.eventstudy.engine", "insider_kit.events", "insider_kit.eventstudy.regression",
                    "insider_kit.filings.importers", "insider_kit.prices.files")


def _literal_choices(type_name: str) -> tuple[Any, ...] | None:
    """The choices of the kit's ``Literal`` alias named *type_name* (``Model``, ``ik.events.EventDate``), or
    None when it names none."""
    import importlib
    import typing

    short = type_name.rsplit(".", 1)[-1]
    for name in _LITERAL_MODULES:
        module = importlib.import_module(name)
        alias = getattr(module, short, None) if short in getattr(module, "__all__", ()) else None
        if alias is not None and typing.get_origin(alias) is typing.Literal:
            return typing.get_args(alias)
    return None


def check_parameters(params: dict[str, Any], declared: dict[str, dict[str, Any]], notebook: str) -> None:
    """Refuse a parameter whose value does not fit the type the notebook declares (before anything runs).

    Parameters
    ----------
    params
        The parameters given.
    declared
        The notebook's parameters as papermill infers them (``inferred_type_name``, ``default``).
    notebook
        The notebook's name, for the message.

    Returns
    -------
    None

    Raises
    ------
    ConfigError
        Naming the notebook, the parameter, its declared type and the value given.

    Examples
    --------
    >>> declared = {"window_end": {"inferred_type_name": "int", "default": "60"}}
    >>> check_parameters({"window_end": 20, "other": "x"}, declared, "02_buy_vs_sell")
    >>> check_parameters({"window_end": "20"}, declared, "02_buy_vs_sell")
    Traceback (most recent call last):
    ...
    insider_kit.errors.ConfigError: parameter 'window_end' of 02_buy_vs_sell is declared int, got '20' (str) ...

    A parameter annotated with one of the kit's ``Literal`` aliases (``model: Model = "market_adjusted"``, so
    that the notebook passes it on type-checked) takes one of its choices:

    >>> check_parameters({"model": "market"}, {"model": {"inferred_type_name": "Model"}}, "02_buy_vs_sell")
    Traceback (most recent call last):
    ...
    insider_kit.errors.ConfigError: parameter 'model' of 02_buy_vs_sell is one of 'raw', 'mean_adjusted', ...
    """
    kinds: dict[str, tuple[type, ...]] = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}
    for k, v in params.items():
        if k not in declared:
            continue
        t = str(declared[k].get("inferred_type_name", "None"))
        choices = _literal_choices(t)
        if choices is not None and v not in choices:
            raise ConfigError(f"parameter {k!r} of {notebook} is one of {', '.join(map(repr, choices))} ({t}), "
                              f"got {v!r}", hint=f"e.g. -p {k} {choices[0]}")
        ok_types = kinds.get(t)
        if ok_types is None:
            continue
        bad = not isinstance(v, ok_types) or (t in ("int", "float") and isinstance(v, bool))
        if bad:
            raise ConfigError(f"parameter {k!r} of {notebook} is declared {t}, got {v!r} ({type(v).__name__})",
                              hint=f"pass a {t}, e.g. -p {k} {declared[k].get('default', '')}")


def _png(ax: Any) -> str:
    import matplotlib.pyplot as plt

    fig = ax.figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _badge(v: str) -> str:
    return f'<span class="badge {html.escape(v.replace(" ", "-"))}">{html.escape(v)}</span>'


def ledger_html(ledger: pd.DataFrame, *, links: bool = False, literature: pd.DataFrame | None = None,
                link_format: str = "claims/{id}.html") -> str:
    """The ledger as a styled HTML table: claim, N, estimate and 95% CI in percent, adjusted p, verdict badge
    (and, when present, the controlled estimate and the literature's value).

    Parameters
    ----------
    ledger
        :func:`insider_kit.run_ledger`'s table.
    links
        Link each claim to its page.
    literature
        :func:`insider_kit.claims.literature_agreement` of the ledger, shown beside each claim.
    link_format
        The pages' addresses (``{id}`` is the claim id).

    Returns
    -------
    str
        The HTML table.

    Examples
    --------
    >>> import insider_kit as ik
    >>> ledger = ik.run_ledger(ik.load_study("sample"))
    >>> page = ledger_html(ledger, links=True)
    >>> page.startswith("<table class='ledger'>"), "claims/purchases_positive.html" in page
    (True, True)
    """
    rows = []
    for _, r in ledger.iterrows():
        claim = html.escape(str(r["claim"]))
        if links:
            claim = f'<a href="{html.escape(link_format.format(id=r["id"]))}">{claim}</a>'
        n = fmt_count(r["n"]) + (f" / {fmt_count(r['n_ref'])}" if pd.notna(r.get("n_ref")) else "")
        ci = f"[{fmt_pct(r['ci_low'])}, {fmt_pct(r['ci_high'])}]" if pd.notna(r.get("ci_low")) else ""
        ctrl = ""
        if "controlled" in r and pd.notna(r.get("controlled")):
            ctrl = f"{fmt_pct(r['controlled'])} [{fmt_pct(r['controlled_low'])}, {fmt_pct(r['controlled_high'])}]"
        lit = ""
        if str(r.get("literature_agrees") or "") == "practitioner articles only":
            # (said once: the value, the source and the agreement would repeat it three times)
            src = str(r.get("literature_source", ""))
            extra = src.replace("practitioner articles", "").strip(" ;") if src != "practitioner articles" else ""
            lit = "practitioner articles only" + (f"<br><i>see also {html.escape(extra)}</i>" if extra else "")
        elif str(r.get("literature") or ""):
            lit = (f"{html.escape(str(r['literature']))}<br><i>{html.escape(str(r.get('literature_source', '')))}</i>"
                   f"<br>{html.escape(str(r.get('literature_agrees', '')))}")
        why = f'<div class="small">{html.escape(str(r["reason"]))}</div>' if str(r.get("reason") or "") else ""
        rows.append(f"<tr><td>{claim}<div class='small'>{html.escape(str(r['test']))}</div>{why}</td>"
                    f"<td class='num'>{n}</td><td class='num'>{fmt_pct(r['estimate'])}</td><td class='num'>{ci}</td>"
                    f"<td class='num'>{ctrl}</td><td class='num'>{fmt_pvalue(r.get('q_bh'))}</td>"
                    f"<td>{_badge(str(r['verdict']))}</td><td class='small'>{lit}</td></tr>")
    head = ("<tr><th>claim and test</th><th>N (claim / reference)</th><th>estimate</th><th>95% CI</th>"
            "<th>controlled estimate</th><th>BH q</th><th>verdict</th><th>literature</th></tr>")
    return f"<table class='ledger'><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _page(title: str, body: str, *, static: str = "_static") -> str:
    """A self-contained page; when *body* holds TeX math (``\\(...\\)``, ``$$...$$``), MathJax is loaded from the
    report's own copy (*static* is the report's ``_static/`` relative to the page): no network, works from
    ``file://``."""
    math = ""
    if "\\(" in body or "$$" in body or "\\[" in body:
        from ._offline import MATHJAX_CONFIG, MATHJAX_FILE

        math = f"<script>{MATHJAX_CONFIG}</script><script defer src='{static}/mathjax/{MATHJAX_FILE}'></script>"
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style>{math}</head><body>{body}</body></html>")


def _banner(paths: DataPaths) -> str:
    if paths.is_synthetic:
        return ("<p class='banner'>SYNTHETIC DATA — these reports use the generated teaching market, not real "
                "filings or prices. Its effects were planted on purpose (truth.json).</p>")
    return f"<p class='banner real'>Real data: {html.escape(str(paths.root.resolve()))}</p>"


def _manifest(study: Study, params: dict[str, Any]) -> dict[str, Any]:
    import importlib.metadata as md

    pkgs: dict[str, str | None] = {}
    for name in ("numpy", "pandas", "numba", "scipy", "statsmodels", "pyarrow", "matplotlib", "papermill", "jupytext"):
        try:
            pkgs[name] = md.version(name)
        except md.PackageNotFoundError:
            pkgs[name] = None
    ev = study.events
    return {"created": datetime.now(UTC).isoformat(timespec="seconds"), "insider_kit": __version__,
            "python": sys.version.split()[0], "platform": platform.platform(), "packages": pkgs,
            "data": str(study.paths.root.resolve()), "synthetic": study.synthetic,
            "fingerprint": study.meta.get("fingerprint"), "parameters": params,
            "coverage": {"transactions": len(study.transactions), "events": len(ev),
                         "first_event": str(pd.to_datetime(ev["date"]).min().date()) if len(ev) else None,
                         "last_event": str(pd.to_datetime(ev["date"]).max().date()) if len(ev) else None,
                         "tickers_with_prices": len(study.panel.tickers),
                         "trading_days": len(study.panel.dates), "market": study.market}}


#: The columns of a claim's events table (its CSV): which event, which side of the claim, its CAR, and the
#: signals the claims select on (every other column is in the study's events; a universe-sized claim has
#: hundreds of thousands of rows, so the file stays to what a reader checks).
EVENT_CSV_COLUMNS: tuple[str, ...] = (
    "ticker", "date", "direction", "claim_group", "car", "n_insiders", "top_role", "value", "plan_share",
    "code_class", "routine_class", "fraction_bucket", "silent", "exec_unscheduled", "cluster", "runup_q", "dip",
    "lockup")


@dataclass
class ClaimPage:
    """One claim's page: its HTML body (self-contained: figures embedded) and the events behind it."""

    id: str
    title: str
    body: str
    events: pd.DataFrame | None = None


def claim_pages(study: Study, ledger: pd.DataFrame, *, model: str, window: tuple[int, int],
                back_link: str = "../index.html", events_link: bool = True, heading: bool = True) -> list[ClaimPage]:
    """One page per claim of the ledger: estimate and verdict, the CAAR of its two groups, the test table,
    the robustness grid, and the events behind it (used by the report and by the documentation site).

    Parameters
    ----------
    study
        The study the ledger was run on.
    ledger
        :func:`insider_kit.run_ledger`'s table (its ``attrs["settings"]`` give the default model and window).
    model, window
        The event study drawn on each page.
    back_link
        Where the page's "all claims" link points.
    heading
        Start the body with the claim as an ``<h1>`` (off when the caller titles the page itself).
    events_link
        Link each page to ``<id>_events.csv`` (written by the caller from :attr:`ClaimPage.events`).

    Returns
    -------
    list of ClaimPage
        In the order of :data:`insider_kit.claims.CLAIMS`.

    Examples
    --------
    >>> import insider_kit as ik
    >>> study = ik.load_study("sample")
    >>> pages = claim_pages(study, ik.run_ledger(study), model="market_adjusted", window=(0, 60))
    >>> pages[0].id, "Verdict:" in pages[0].body
    ('purchases_positive', True)
    """
    from .claims import CLAIMS, Selections
    from .claims.robustness import claim_grids
    from .eventstudy import event_study
    from .plots import plot_caar

    try:
        res = event_study(study.events, study.panel, model=model, window=(min(-5, window[0]), window[1]),  # type: ignore[arg-type]
                          car_windows=[window], min_estimation=60, max_loss=0.9, group="direction")
        sel: Selections | None = Selections(res.events)
        grids = claim_grids(study)
    except DataError:  # (no event, or too few, can be studied: each claim's page says why, from the ledger)
        sel, grids = None, {}
    led = ledger.set_index("id")
    pages = []
    for c in CLAIMS:
        r = led.loc[c.id]
        body = [f"<p><a href='{html.escape(back_link)}'>← all claims</a></p>" if back_link else "",
                f"<h1>{html.escape(c.text)}</h1>" if heading else "", _banner(study.paths),
                f"<p>Source: {html.escape(c.source)}. Test: {html.escape(c.test)}.</p>",
                f"<p>Verdict: {_badge(str(r['verdict']))} — estimate {fmt_pct(r['estimate'])} "
                f"[{fmt_pct(r['ci_low'])}, {fmt_pct(r['ci_high'])}], {fmt_p_is(r['p'])}, "
                f"{fmt_p_is(r['p_holm'], 'Holm p')}, {fmt_p_is(r['q_bh'], 'BH q')}, N = {fmt_count(r['n'])}"
                + (f" vs {fmt_count(r['n_ref'])}" if pd.notna(r["n_ref"]) else "") + ".</p>"]
        events = None
        if r.get("reason"):
            body.append(f"<p><b>Not testable</b>: {html.escape(str(r['reason']))}</p>")
        if c.select is not None and not r.get("reason") and sel is not None:
            a, b = c.select(sel)
            la, lb = c.labels
            lab = np.where(a, la, np.where(b if b is not None else np.zeros(len(a), bool), lb, ""))
            keep = lab != ""
            ev = res.events[keep].assign(claim_group=lab[keep])
            if len(ev):
                sub = event_study(ev, study.panel, model=model, group="claim_group",  # type: ignore[arg-type]
                                  window=(min(-5, window[0]), window[1]), car_windows=[window], min_estimation=60,
                                  max_loss=0.9)
                flip = (lb,) if c.flip_ref else ()
                cur = sub.caar(start=window[0], flip=flip)  # from the window's first day: it ends at the table's CAR
                cur["group"] = cur["group"].replace({f"-{lb}": f"{lb} (sign-flipped)"})
                ax = plot_caar(cur, title=f"CAAR from day {window[0]}: {textwrap.shorten(c.text, 70)}",
                               synthetic=study.synthetic)
                body.append(f"<img class='figure' alt='CAAR of {html.escape(c.text)}' src='data:image/png;base64,{_png(ax)}'>")
                stat_used = str(r.get("statistic", "") or "")
                body.append("<h2>Test table</h2>" + (
                    f"<p class='small'>The verdict's interval and p come from the {html.escape(stat_used)}, the "
                    "statistic the kit's validity rule picks for these events. In the table, <i>not valid here</i> "
                    "lists the statistics whose assumptions these events break (measured cross-correlation and "
                    "window overlap, event-induced variance) and <i>recommended</i> the one to read.</p>"
                    if stat_used else "") + style_table(
                    sub.summary(), percent=("mean_car", "ci_low", "ci_high"), count=("n",),
                    stat=("t_cs", "bmp_t", "kp_t", "rank_z", "sign_z"), pvalue=("p_cs", "p_kp"), words=True, auto=True)
                    + glossary_html(sub.summary().columns))
                events = ev.assign(car=sub.car[window].reindex(ev.index))
                events = events[[c for c in EVENT_CSV_COLUMNS if c in events.columns]]
                if events_link:
                    body.append(f"<p><a href='{html.escape(c.id)}_events.csv'>The {len(ev):,} events behind this "
                                "claim (CSV)</a></p>")
        if c.id in DOSE_SIGNALS and not r.get("reason"):
            body.append(_dose_html(study, c.id, model, window))
        if c.id in grids and len(grids[c.id]):
            g = grids[c.id].set_index(["date", "model", "start", "end"])
            body.append("<h2>Robustness: models × windows × filing or trade date</h2><p class='small'>Trade-date "
                        "rows use information the public did not have yet (look-ahead).</p>"
                        + style_table(g, percent=("estimate", "ci_low", "ci_high"), count=("n", "n_ref"), auto=True))
        pages.append(ClaimPage(c.id, c.text, "".join(body), events))
    return pages


#: The claims whose pages show the whole dose-response of their signal (the claim tests one split of it):
#: the signal column and the direction the sources expect.
DOSE_SIGNALS: dict[str, tuple[str, str, str]] = {"large_fraction": ("fraction", "decreasing", "sell"),
                                                 "cluster_selling": ("n_cluster", "decreasing", "sell"),
                                                 "track_record": ("track_car", "increasing", "buy")}


def _dose_html(study: Study, claim_id: str, model: str, window: tuple[int, int]) -> str:
    """A claim page's dose-response section: the claim's events' (sales' or purchases') CAR by quantile of the
    claim's signal, the top-minus-bottom difference and the monotonic-relation test
    (:func:`insider_kit.dose_response`)."""
    from .errors import InsiderKitError
    from .eventstudy import event_study
    from .eventstudy.dose import dose_response
    from .plots import mark_synthetic

    signal, direction, side = DOSE_SIGNALS[claim_id]
    chosen = study.events[study.events["direction"] == side]
    if signal not in chosen.columns or chosen[signal].notna().sum() < 50:
        return ""
    who = "Sales'" if side == "sell" else "Purchases'"
    try:
        sub = event_study(chosen[chosen[signal].notna()], study.panel, model=model, window=(min(-5, window[0]), window[1]),  # type: ignore[arg-type]
                          car_windows=[window], min_estimation=60, max_loss=0.9, tests=False)
        dr = dose_response(sub, signal, window=window, direction=direction)  # type: ignore[arg-type]
    except InsiderKitError as exc:
        return f"<h2>How much is enough?</h2><p class='small'>not estimated: {html.escape(exc.message)}</p>"
    ax = dr.plot()
    mark_synthetic(ax, study.synthetic)
    return (f"<h2>How much is enough? {who} CAR by quantile of {html.escape(signal)}</h2>"
            f"<img class='figure' alt='dose-response of {html.escape(signal)}' src='data:image/png;base64,{_png(ax)}'>"
            + dr._repr_html_())


def _claim_pages(study: Study, ledger: pd.DataFrame, out: Path, *, model: str, window: tuple[int, int]) -> None:
    """Write :func:`claim_pages` under ``out/claims/``: one self-contained HTML page and one CSV per claim."""
    d = out / "claims"
    d.mkdir(parents=True, exist_ok=True)
    for page in claim_pages(study, ledger, model=model, window=window):
        if page.events is not None:
            atomic_write_text(d / f"{page.id}_events.csv", page.events.to_csv(index=False, float_format="%.6g"))
        atomic_write_text(d / f"{page.id}.html", _page(page.title, page.body, static="../_static"))


def _index(study: Study, ledger: pd.DataFrame, res: RenderResult, manifest: dict[str, Any], out: Path) -> str:
    from .plots import plot_forest

    cov = manifest["coverage"]
    w = tuple(ledger.attrs.get("settings", {}).get("window", (0, 60)))
    if np.isfinite(ledger["estimate"].astype(float)).any():
        ax = plot_forest(ledger.assign(quantity=ledger["id"].map(_quantities(w))), label="claim", group="quantity",
                         title="Claims: estimate and 95% CI, by the quantity measured", synthetic=study.synthetic)
        forest = f"<img class='figure' alt='forest plot of the claims' src='data:image/png;base64,{_png(ax)}'>"
    else:
        forest = "<p><b>No claim has an estimate on these data</b>: each says why in the ledger below.</p>"
    nb_items = []
    for r in res.rendered:
        q = html.escape(NOTEBOOK_QUESTIONS.get(r.stem, ""))
        fail = f" — <b>FAILED</b>: {html.escape(res.failed[r.stem])}" if r.stem in res.failed else ""
        nb_items.append(f'<li><a href="{html.escape(r.name)}">{html.escape(r.stem)}</a> — {q}{fail}</li>')
    for stem, err in res.failed.items():
        if not any(r.stem == stem for r in res.rendered):
            nb_items.append(f"<li>{html.escape(stem)} — <b>FAILED</b>: {html.escape(err)}</li>")
    for stem, why in res.skipped.items():
        nb_items.append(f"<li>{html.escape(stem)} — {html.escape(NOTEBOOK_QUESTIONS.get(stem, ''))} <i>Not rendered: "
                        f"{html.escape(why)}.</i></li>")
    quality = study.quality() if hasattr(study, "quality") else None
    qhtml = quality._repr_html_() if quality is not None else ""
    from .eventstudy.simulate import power_table

    try:
        pw = power_table(study, reps=100)
        off = [str(k) for k, v in pw["size off"].items() if v]
        phtml = ("<h2>Size and power on this data</h2><p class='small'>Placebo events drawn like the real ones "
                 f"(same firms, same calendar of dates), {pw.attrs['n_events']} events per study, 100 studies: "
                 "the share rejecting at 5% with nothing planted (size; near 5% when the test is right for these "
                 "data) next to 5% ± its simulation error (two binomial standard errors), and the share rejecting "
                 "with a planted +1% or +2% CAR(0,20).</p>"
                 + (f"<p><b>Size off on this data</b>: {html.escape(', '.join(off))} — read the statistic each test "
                    "table recommends (its <i>recommended</i> column), not these.</p>" if off else
                    "<p class='small'>Every test holds its size on this data within simulation error.</p>")
                 + style_table(pw, percent=("size (0%)", "simulation error", "power (+1%)", "power (+2%)"),
                               count=("studies",), auto=True))
    except Exception as exc:  # a data set too small for the simulation: say so instead of a table
        phtml = f"<h2>Size and power on this data</h2><p class='small'>not simulated: {html.escape(str(exc))}</p>"
    st_ = ledger.attrs.get("settings", {})
    neg = st_.get("negligible", 0.01)
    verdicts = ("<p class='small'><b>Verdicts</b>: <i>supported</i> — the 95% CI (standard errors clustered by firm "
                "and month) excludes zero on the claimed side <b>and</b> the Benjamini–Hochberg q-value across the "
                f"ledger is below {fmt_pvalue(st_.get('alpha', 0.05))}; <i>contradicted</i> — the CI excludes zero on "
                f"the other side (q below the same level), or lies within ±{fmt_pct(neg)} (an effect precisely too "
                "small to matter); for a claim of <i>no</i> effect, supported when the CI lies within that band; "
                "<i>inconclusive</i> — none of these (a CI that excludes zero with q above the level is "
                f"inconclusive); <i>not testable</i> — the data lack an ingredient of the claim, or N is below "
                f"{fmt_count(st_.get('min_n', 30))} on a side; <i>check the data</i> — a degenerate interval, an "
                f"estimate beyond ±{fmt_pct(st_.get('implausible', 1.0), 0)}, or a market series on another "
                "calendar: a data problem, not a finding. BH q: Benjamini–Hochberg q-value across the ledger. "
                f"Estimates are CARs over trading days {html.escape(str(st_.get('window', '')))} after the "
                + ("trade (the data carry trade dates only)." if study.dated_by == "trade" else
                   "filing became public.") + "</p>")
    dating = ""
    if study.dated_by == "trade":
        dating = ("<p class='notice'><b>Dated by trade only</b> ("
                  + html.escape(str(study.meta.get("dating", "") or "the data carry trade dates only"))
                  + "): day 0 of every event is the trade date, which an outside investor did not know yet, so the "
                  "estimates include what happened before the trades were public; the claims that need a filing "
                  "date are not testable.</p>")
    body = (f"<h1>insider-kit report</h1><p>Is insider buying a stronger signal than insider selling — and when "
            f"does selling matter after all?</p>{_banner(study.paths)}{dating}{headline(ledger)}"
            f"<h2>Data</h2><p>{fmt_count(cov['transactions'])} transaction rows, {fmt_count(cov['events'])} "
            f"events from {cov['first_event']} to {cov['last_event']}, {fmt_count(cov['tickers_with_prices'])} "
            f"tickers with prices over {fmt_count(cov['trading_days'])} trading days; market series "
            f"{html.escape(str(cov['market']))}.</p>{qhtml}"
            f"<h2>Claims ledger</h2>{verdicts}{ledger_html(ledger, links=True)}{forest}{_replication_html(study, ledger)}"
            f"{phtml}"
            f"<p><a href='claims.csv'>claims.csv</a> (decimals) · <a href='manifest.json'>manifest.json</a></p>"
            f"<h2>Notebooks</h2><ul>{''.join(nb_items)}</ul>"
            f"<h2>Run</h2><p class='small'>insider-kit {html.escape(__version__)}, "
            f"{html.escape(manifest['created'])}, data fingerprint {html.escape(str(manifest['fingerprint']))}; "
            f"parameters {html.escape(json.dumps(manifest['parameters']))}.</p>")
    return _page("insider-kit report", body)


def _replication_html(study: Study, ledger: pd.DataFrame) -> str:
    """Does each claim replicate? The ledger on a discovery period and again on the later one
    (:func:`insider_kit.replicate`): split at the teaching market's planted fading date, else at 60% of the
    events by date."""
    from .claims.replication import REPLICATION_RULE, replicate

    spec = (study.truth or {}).get("spec", {})
    split: str | float = spec.get("fade_after") or 0.6
    st_ = ledger.attrs.get("settings", {})
    kw = {k: st_[k] for k in ("model", "window", "negligible", "min_n", "alpha") if k in st_}
    try:
        rep = replicate(study, split, **kw)
    except Exception as exc:  # (a data set too short to split: say so instead of a table)
        from .errors import InsiderKitError

        if not isinstance(exc, InsiderKitError):
            raise
        return f"<h2>Does it replicate?</h2><p class='small'>not tested: {html.escape(exc.message)}</p>"
    info = rep.attrs.get("split", {})
    rows = []
    for _, r in rep.iterrows():
        rv = r["replicates"]
        mark = "" if pd.isna(rv) else ("<b>replicates</b>" if bool(rv) else "<b>does not replicate</b>")
        rows.append(f"<tr><td>{html.escape(str(r['claim']))}</td>"
                    f"<td class='num'>{fmt_pct(r['discovery_estimate'])}</td><td>{_badge(str(r['discovery_verdict']))}</td>"
                    f"<td class='num'>{fmt_pct(r['later_estimate'])}</td><td>{_badge(str(r['later_verdict']))}</td>"
                    f"<td>{mark}</td></tr>")
    when = html.escape(str(info.get("date", split)))[:10]
    return ("<h2>Does it replicate?</h2><p class='small'>The ledger again on the events before "
            f"{when} (discovery: {fmt_count(info.get('discovery_events'))} events) and from then on (later: "
            f"{fmt_count(info.get('later_events'))} events); {html.escape(REPLICATION_RULE)}.</p>"
            "<table class='ledger'><thead><tr><th>claim</th><th>discovery estimate</th><th>verdict</th>"
            "<th>later estimate</th><th>verdict</th><th>out of sample</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _quantities(window: tuple[int, int]) -> dict[str, str]:
    """What each claim's estimate measures (the forest plot's panels): quantities on different scales are not
    put on one axis."""
    from .claims import CLAIMS

    w = f"CAR({window[0]},{window[1]})"
    names = {"mean": f"mean {w}", "difference": f"difference of mean {w}s", "disposals": f"difference of mean {w}s",
             "ranking": f"difference of mean {w}s",
             "market": "difference of 3-month forward market returns", "pre_filing": "return between trade and filing"}
    return {c.id: names[c.kind] for c in CLAIMS}


def headline(ledger: pd.DataFrame) -> str:
    """The landing page's answer, first: the asymmetry in numbers (purchases, sales, their difference, each
    with its 95% CI, N and verdict), every number taken from the ledger.

    Parameters
    ----------
    ledger
        :func:`insider_kit.run_ledger`'s table.

    Returns
    -------
    str
        One HTML paragraph.

    Examples
    --------
    >>> import insider_kit as ik
    >>> h = headline(ik.run_ledger(ik.load_study("sample")))
    >>> h.startswith("<p class='headline'>") and "purchases" in h
    True
    """
    led = ledger.set_index("id")
    w = tuple(ledger.attrs.get("settings", {}).get("window", (0, 60)))

    def part(cid: str, what: str) -> str:
        if cid not in led.index:
            return ""
        r = led.loc[cid]
        if not np.isfinite(float(r["estimate"])):  # type: ignore[arg-type]
            return f"{what}: not testable ({html.escape(str(r['reason']))})"
        n = fmt_count(r["n"]) + (f" vs {fmt_count(r['n_ref'])}" if pd.notna(r["n_ref"]) else "")
        return (f"{what} <b>{fmt_pct(r['estimate'])}</b> [{fmt_pct(r['ci_low'])}, {fmt_pct(r['ci_high'])}], "
                f"N = {n} (“{html.escape(str(r['claim']))}”: {_badge(str(r['verdict']))})")

    ids = [c for c in ("purchases_positive", "sales_little_information", "buys_stronger_than_sales") if c in led.index]
    whys = {str(led.loc[c, "reason"]) for c in ids if not np.isfinite(float(led.loc[c, "estimate"]))}  # type: ignore[arg-type]
    if ids and len(whys) == 1 and all(not np.isfinite(float(led.loc[c, "estimate"])) for c in ids):  # type: ignore[arg-type]
        return ("<p class='headline'><b>No answer on these data</b>: purchases and sales are not testable ("
                + html.escape(whys.pop()) + ").</p>")
    items = [part("purchases_positive", f"purchases are followed by a mean CAR({w[0]},{w[1]}) of"),
             part("sales_little_information", "sales by"),
             part("buys_stronger_than_sales", "purchases minus sign-flipped sales:")]
    text = "; ".join(i for i in items if i)
    return ("<p class='headline'><b>The answer on these data.</b> " + text[:1].upper() + text[1:]
            + ". Each number is the ledger's, below, with its 95% CI (standard errors clustered by firm and "
            "month).</p>")


def _report_params(params: dict[str, Any] | None, params_file: Path | None, data: Path) -> dict[str, Any]:
    """The report's parameters: the file's, then the explicit ones, and ``data_dir`` (absolute)."""
    p: dict[str, Any] = {}
    if params_file is not None:
        try:
            got = json.loads(Path(params_file).read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read parameters file {params_file}: {exc}") from exc
        if not isinstance(got, dict):
            raise ConfigError(f"parameters file {params_file} holds a JSON {type(got).__name__}, not an object",
                              hint='write it as {"window_end": 20, "model": "market_model"}')
        p.update(got)
    p.update(params or {})
    p.setdefault("data_dir", str(Path(data).resolve()))
    return p


def _ledger_settings(p: dict[str, Any]) -> dict[str, Any]:
    """The :func:`~insider_kit.claims.run_ledger` settings among the report's parameters (notebook 03's)."""
    out: dict[str, Any] = {k: p[k] for k in ("model", "negligible", "min_n") if k in p}
    if "window_end" in p:
        out["window"] = (0, int(p["window_end"]))
    return out


#: The order notebooks are rendered in before a report has timed them: the slowest first, as measured at
#: 10,000 firms (the others follow by name).
_SLOWEST_FIRST = ("05_event_study_101", "03_when_selling_matters", "02_buy_vs_sell", "00_quickstart")


class _Timings:
    """Each notebook's last rendering time on this study, kept with the persistent study
    (``report_timings.json``): the next report starts the longest notebooks first, so that its lanes end
    together (longest-processing-time-first scheduling; Graham 1969)."""

    def __init__(self, study: Any) -> None:
        cdir = study.meta.get("cache_dir")
        self.file = Path(cdir) / "report_timings.json" if cdir else None
        self.secs: dict[str, float] = {}
        if self.file is not None and self.file.exists():
            try:
                got = json.loads(self.file.read_text())
                self.secs = {str(k): float(v) for k, v in got.items()} if isinstance(got, dict) else {}
            except (OSError, ValueError, TypeError):  # unreadable: the static order, and rewritten after this run
                self.secs = {}

    def longest_first(self, nbs: list[Path]) -> list[Path]:
        """*nbs* longest first by the recorded times; a notebook never timed goes first (it may be long),
        then :data:`_SLOWEST_FIRST`'s order, then by name."""
        def key(nb: Path) -> tuple[float, int, str]:
            rank = _SLOWEST_FIRST.index(nb.stem) if nb.stem in _SLOWEST_FIRST else len(_SLOWEST_FIRST)
            return (-self.secs.get(nb.stem, float("inf")), rank, nb.stem)
        return sorted(nbs, key=key)

    def record(self, stem: str, secs: float) -> None:
        self.secs[stem] = round(float(secs), 2)

    def save(self) -> None:
        if self.file is None:
            return
        try:
            atomic_write_text(self.file, json.dumps(self.secs, indent=1, sort_keys=True))
        except OSError:  # a read-only data directory: the static order next time
            pass


def _execute(nb: Path, executed: Path, parameters: dict[str, Any], timeout: int) -> str | None:
    """Run one notebook with papermill into *executed*; the failing cell and its error, or None."""
    import os

    import papermill as pm

    try:
        pm.execute_notebook(str(nb), str(executed), parameters=parameters,
                            # no cwd=: papermill's chdir is process-wide and notebooks run in threads;
                            # every path passed in is absolute
                            progress_bar=False, execution_timeout=timeout, kernel_name="python3",
                            log_output=False,
                            # parent_handle: ipykernel's parent poller ends the kernel when this process ends
                            # (however it ends: a kill -9 of the report must not leave kernels behind); its
                            # own workers end with it (insider_kit._workers.die_with)
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL",
                                             f"--IPKernelApp.parent_handle={os.getpid()}"])
    except Exception as exc:  # papermill raises PapermillExecutionError and others
        return _failing_cell(executed) or f"{type(exc).__name__}: {exc}"
    return None


#: The notebooks shipped with the kit (jupytext sources inside the package, so ``insider-kit report`` finds them
#: from any folder after ``pip install``).
PACKAGE_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


#: The notebook metadata (``insider_kit: {needs: teaching_market}`` in a jupytext header) of a teaching notebook
#: that needs the teaching market's planted truth: skipped, with a note, on real data.
TEACHING_ONLY = "teaching_market"
#: The notebook metadata (``insider_kit: {needs: studied_events}``) of a notebook whose every section is an event
#: study: skipped, with the reason, on data where no event can be studied.
STUDIED_EVENTS = "studied_events"
#: The notebook metadata (``insider_kit: {needs: filing_dates}``) of a notebook about when trades became public
#: (the market's net purchase ratio, portfolios bought after the filing): skipped on trade-dated data.
FILING_DATES = "filing_dates"


def _needs(nb: Path) -> set[str]:
    """What notebook *nb* declares it needs (its ``insider_kit: {needs: ...}`` metadata: one name or a list)."""
    import jupytext

    meta = jupytext.read(str(nb)).metadata.get("insider_kit", {})  # (a jupytext source or a notebook)
    need = meta.get("needs", ()) if isinstance(meta, dict) else ()
    return {need} if isinstance(need, str) else set(need)


def _skip_notebooks(nbs: list[Path], study: Study, unstudiable: str, res: RenderResult) -> list[Path]:
    """The notebooks to run: on real data, those that need the teaching market are left out; where no event
    can be studied (*unstudiable* says why), those that study events; on trade-dated data, those about when
    trades became public.  Each is noted with its reason."""
    keep = []
    for nb in nbs:
        need = _needs(nb)
        if TEACHING_ONLY in need and not study.synthetic:
            res.skipped[nb.stem] = ("a teaching notebook: it needs the teaching market's planted truth "
                                    "(insider-kit sample), not real data")
        elif STUDIED_EVENTS in need and unstudiable:
            res.skipped[nb.stem] = "no event can be studied on these data (the landing page says why)"
        elif FILING_DATES in need and study.dated_by == "trade":
            res.skipped[nb.stem] = ("it needs when each trade became public (filing dates); these data are dated "
                                    "by trade date only")
        else:
            keep.append(nb)
            continue
        print(f"skipped {nb.stem}: {res.skipped[nb.stem]}")
    return keep


def unstudiable(study: Study) -> str:
    """Why no event of *study* can be studied by the kit's standard event study ('' when some can): the data's
    price histories too short for the estimation window, tickers without prices, ...

    Parameters
    ----------
    study
        A loaded study.

    Returns
    -------
    str
        The reason, with the main reasons events were dropped; empty when at least one event can be studied.

    Examples
    --------
    >>> import insider_kit as ik
    >>> unstudiable(ik.load_study("sample"))
    ''
    """
    from .quality import standard_study

    if study.events.empty:
        return "the data hold no open-market purchase or sale with a price"
    try:
        res = standard_study(study.events, study.panel, tests=False, max_loss=None)
    except DataError as exc:
        return exc.message + (f" ({exc.hint})" if exc.hint else "")
    return "" if len(res.events) else "no event could be used"


def _declared(nbs: list[Path], p: dict[str, Any], given: dict[str, Any] | None) -> dict[Path, dict[str, Any]]:
    """Each notebook's declared parameters (papermill's inspection), with *p* checked against them and every
    parameter the user gave (*given*) declared by some notebook."""
    import papermill as pm

    declared = {nb: pm.inspect_notebook(str(nb)) for nb in nbs}
    for nb in nbs:
        check_parameters(p, declared[nb], nb.stem)
    unknown = sorted(set(given or {}) - set().union(*(set(d) for d in declared.values()))) if nbs else []
    if unknown:
        raise ConfigError(f"no notebook declares parameter(s) {', '.join(unknown)}",
                          hint="papermill --help-notebook <notebook> lists a notebook's parameters")
    return declared


def _select_notebooks(notebooks_dir: Path | None, only: list[str] | None) -> list[Path]:
    """The notebook sources to render: those of *notebooks_dir* (the kit's own when None), restricted to *only*;
    a missing or empty folder, or a name in *only* that is not there, is a :class:`ConfigError`."""
    folder = PACKAGE_NOTEBOOKS if notebooks_dir is None else Path(notebooks_dir)
    if not folder.is_dir():
        raise ConfigError(f"notebook folder {folder.resolve()} does not exist",
                          hint="leave --notebooks out to render the kit's own notebooks")
    srcs = notebook_sources(folder)
    if not srcs:
        raise ConfigError(f"no notebooks (jupytext .py or .ipynb) in {folder.resolve()}",
                          hint="leave --notebooks out to render the kit's own notebooks")
    if only:
        names = {p.stem for p in srcs}
        unknown = [o for o in only if o not in names and Path(o).stem not in names]
        if unknown:
            raise ConfigError(f"no notebook named {', '.join(unknown)} in {folder.resolve()}",
                              hint="choose among " + ", ".join(sorted(names)))
        srcs = [p for p in srcs if p.stem in only or p.name in only]
    return srcs


def _output_folder(out: Path) -> Path:
    """*out*, absolute, created when absent and checked writable before any work: a ConfigError naming it when it
    is a file, cannot be created or refuses a file (a FileExistsError or PermissionError traceback before)."""
    from ._io import writable_directory

    return writable_directory(out.resolve(), "the output folder")


def render_reports(*, data: Path, out: Path, notebooks_dir: Path | None = None,
                   params: dict[str, Any] | None = None, params_file: Path | None = None, hide_code: bool = False,
                   only: list[str] | None = None, timeout: int = 900, jobs: int = 2,
                   progress: bool = False) -> RenderResult:
    """Render every notebook of *notebooks_dir* on the data in *data* and write the landing page.

    Parameters
    ----------
    data
        The data directory (every notebook's ``data_dir``).
    out
        Output directory: ``index.html``, ``claims.csv``, ``manifest.json``, ``claims/``, one HTML per notebook.
    notebooks_dir
        Where the notebook sources are (jupytext ``*.py`` or ``*.ipynb``); default: the kit's own
        (:data:`PACKAGE_NOTEBOOKS`).
    params, params_file
        Parameters for the notebooks (a notebook gets only those it declares; types are checked first).
    hide_code
        Export without code cells.
    only
        Render only these notebooks (stems).
    timeout
        Seconds per cell.
    jobs
        Notebooks rendered at once (each in its own kernel).
    progress
        Print one line per notebook as it finishes.

    Returns
    -------
    RenderResult
        A failing notebook is named with its failing cell and error; the others still render.

    Examples
    --------
    From the project's folder (each notebook runs in a Jupyter kernel, about 40 s for the eight on the
    teaching market; ``make report`` and the test suite run it):

    >>> res = render_reports(data=Path("data/sample"), out=Path("reports"), only=["00_quickstart"])  # doctest: +SKIP
    >>> res.ok, res.index  # doctest: +SKIP
    (True, PosixPath('reports/index.html'))
    """
    from ._io import directory_lock

    # (one report at a time into a folder: a second one waits for the first, instead of reading its half-written
    # notebooks)
    folder = _output_folder(Path(out))
    with directory_lock(folder / ".report.lock", what="a report into this folder", timeout=3600):
        return _render_reports(data=data, out=folder, notebooks_dir=notebooks_dir, params=params,
                               params_file=params_file, hide_code=hide_code, only=only, timeout=timeout, jobs=jobs,
                               progress=progress)


def _render_reports(*, data: Path, out: Path, notebooks_dir: Path | None = None,
                    params: dict[str, Any] | None = None, params_file: Path | None = None, hide_code: bool = False,
                    only: list[str] | None = None, timeout: int = 900, jobs: int = 2,
                    progress: bool = False) -> RenderResult:
    """:func:`render_reports`, in its output folder's lock."""
    import nbformat

    from ._offline import html_exporter, strip_widgets, write_mathjax
    from .claims.robustness import claim_grids
    from .study import load_study, run_ledger  # (run_ledger: the event variants built by a worker meanwhile)

    res = RenderResult()
    if not Path(data).exists():
        raise ConfigError(f"data directory {Path(data).resolve()} does not exist",
                          hint="generate the teaching market with 'insider-kit sample' (or 'make report')")
    srcs = _select_notebooks(notebooks_dir, only)
    out = _output_folder(Path(out))
    p = _report_params(params, params_file, data)
    build = out / ".notebooks"
    nbs = [to_notebook(s, build / f"{s.stem}.ipynb") for s in srcs]
    declared = _declared(nbs, p, params)

    # the study every notebook loads, built (and cached) once; its ledger with notebook 03's settings (claims.csv)
    t0 = time.time()
    print(f"loading the study of {Path(data).resolve()} (built on first use, then cached) ...", flush=True)
    study = load_study(Path(data), progress=progress)
    print(f"running the claims ledger on {len(study.events):,} events ...", flush=True)
    ledger = run_ledger(study, **_ledger_settings(p))
    why_not = unstudiable(study)
    if why_not:
        print(f"no event can be studied on these data: {why_not}; every claim says why it is not testable, and "
              "the notebooks that study events are skipped", flush=True)
    else:
        print("computing the robustness grids ...", flush=True)
        claim_grids(study)  # the robustness and claim grids, kept with the study: notebook 02 and the claim pages read them
    atomic_write_text(out / "claims.csv", ledger.assign(synthetic=study.synthetic).to_csv(index=False))
    manifest = _manifest(study, p)
    atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=1, default=str))
    print(f"study and claims ledger ready ({time.time() - t0:.1f}s)")

    write_mathjax(out / "_static")  # pages that work offline and from file://: MathJax beside them, no CDN script
    exporter = html_exporter(static_url="_static", hide_code=hide_code)
    nbs = _skip_notebooks(nbs, study, why_not, res)

    def run(nb: Path) -> tuple[Path, float, str | None]:
        t1 = time.time()
        err = _execute(nb, out / f"{nb.stem}.ipynb", {k: v for k, v in p.items() if k in declared[nb]}, timeout)
        return nb, time.time() - t1, err

    from concurrent.futures import ThreadPoolExecutor, as_completed

    import IPython  # noqa: F401  (imported before the threads: pyplot, imported by the claim pages, reads it from
    import matplotlib.pyplot  # noqa: F401  sys.modules and failed on a module a notebook's thread was importing)

    timings = _Timings(study)
    window = tuple(ledger.attrs["settings"]["window"])
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(run, nb) for nb in timings.longest_first(nbs)]
        # the claim pages (an event study and a figure per claim) are written here while the kernels run: the
        # cores are shared instead of the pages waiting for the last notebook
        t1 = time.time()
        print(f"rendering {len(nbs)} notebook(s), {max(1, jobs)} at a time, and the claim pages ...", flush=True)
        _claim_pages(study, ledger, out, model=str(ledger.attrs["settings"]["model"]), window=window)
        print(f"claim pages written ({time.time() - t1:.1f}s)")
        for fut in as_completed(futures):
            nb, secs, err = fut.result()
            if not err:
                timings.record(nb.stem, secs)
            executed = out / f"{nb.stem}.ipynb"
            if err:
                res.failed[nb.stem] = err
                print(f"FAILED {nb.stem}: {err}")
            if executed.exists():
                body, _ = exporter.from_notebook_node(strip_widgets(nbformat.read(str(executed), as_version=4)))
                dest = out / f"{nb.stem}.html"
                atomic_write_text(dest, body)
                res.rendered.append(dest)
                if not err:
                    print(f"rendered {nb.stem} ({secs:.1f}s)")
    timings.save()
    res.rendered.sort()
    idx = out / "index.html"
    print("writing the landing page (size and power simulated on this data) ...", flush=True)
    atomic_write_bytes(idx, _index(study, ledger, res, manifest, out).encode("utf-8"))
    res.index = idx
    ok = len([r for r in res.rendered if r.stem not in res.failed])
    print(f"index: {idx}  ({ok} rendered, {len(res.failed)} failed, {len(res.skipped)} skipped)")
    return res
