"""Pages of the documentation site written at build time (never in git).

* ``claims/``: the claims ledger run on the synthetic teaching market, one page per claim (the report's
  claim pages, :func:`insider_kit.reports.claim_pages`), and an index of all of them;
* ``guide/cli-reference.md``: every ``insider-kit`` command's ``--help``, from the CLI's own parser;
* ``_build/static/insider-kit.css``: the report's component styles (banner, verdict badges, ledger table);
* ``_build/static/mathjax/``: the kit's local MathJax (math renders with no network);
* ``_build/static/course/``: each chapter to download, as a notebook (``.ipynb``, unexecuted) and as its
  jupytext source (``.py``).

A file is rewritten only when its content changes, so Sphinx's incremental build stays incremental.
"""

from __future__ import annotations

import argparse
import os
import re
import time
import types
import typing
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent

#: The course chapter that discusses each claim (linked from its page).
CHAPTER_OF = {"purchases_positive": "02_buy_vs_sell", "single_insider_purchases": "02_buy_vs_sell",
              "sales_little_information": "02_buy_vs_sell", "buys_stronger_than_sales": "02_buy_vs_sell",
              "market_selling_after_advance": "04_market_timing", "pre_filing_information": "05_event_study_101"}
DEFAULT_CHAPTER = "03_when_selling_matters"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _raw(html: str) -> str:
    return "```{raw} html\n" + html + "\n```\n"


def claims_pages() -> None:
    """The ledger on the teaching market: ``claims/index.md`` and ``claims/<id>.md``."""
    import insider_kit as ik
    from insider_kit.reports import claim_pages, ledger_html

    t0 = time.time()
    data = Path(os.environ.get("INSIDER_KIT_DATA", DOCS.parent / "data"))
    study = ik.load_study(data / "sample" if (data / "sample").is_dir() else data)
    ledger = ik.run_ledger(study)
    settings = ledger.attrs["settings"]
    window = tuple(settings["window"])
    out = DOCS / "claims"
    names = ["index"]
    index = [
        "# The claims on the teaching market\n",
        "Every claim of the ledger ({func}`insider_kit.run_ledger`), tested on the **synthetic** teaching market "
        f"with {settings['model'].replace('_', '-')} returns over trading days {window[0]} to {window[1]} after "
        "the filing became public. The verdict rule is in the {doc}`user guide <../guide/ledger>`; chapter 3 of "
        "the {doc}`course <../course/index>` walks through these tests. The teaching market's effects were "
        "planted, so these verdicts show what the method recovers, not what real markets do.\n",
        _raw(ledger_html(ledger, links=True, link_format="{id}.html")),
        "```{toctree}\n:hidden:\n\n" + "\n".join(ledger["id"]) + "\n```\n",
    ]
    _write(out / "index.md", "\n".join(index))
    for page in claim_pages(study, ledger, model=str(settings["model"]), window=window,  # type: ignore[arg-type]
                            back_link="index.html", events_link=False, heading=False):
        chapter = CHAPTER_OF.get(page.id, DEFAULT_CHAPTER)
        text = (f"# {page.title}\n\n" + _raw(page.body) +
                f"\nDiscussed in the course: {{doc}}`../course/{chapter}`. "
                f"Reproduce: `ik.run_ledger(ik.load_study('sample')).set_index('id').loc['{page.id}']`.\n")
        _write(out / f"{page.id}.md", text)
        names.append(page.id)
    for stale in out.glob("*.md"):
        if stale.stem not in names:
            stale.unlink()
    print(f"insider-kit docs: {len(names) - 1} claim pages from the teaching market ({time.time() - t0:.0f}s)")


def cli_reference() -> None:
    """``guide/cli-reference.md``: the help of every command, walked from :func:`insider_kit.cli.build_parser`."""
    from insider_kit.cli import build_parser

    parts = ["# CLI reference\n", "Every command's `--help`, generated from the parser itself.\n"]

    def walk(parser: argparse.ArgumentParser, depth: int) -> None:
        parts.append(f"{'#' * min(depth, 4)} `{parser.prog}`\n\n```text\n{parser.format_help().rstrip()}\n```\n")
        for action in parser._actions:  # argparse keeps subcommands only here
            if isinstance(action, argparse._SubParsersAction):
                for sub in dict.fromkeys(action.choices.values()):
                    walk(sub, depth + 1)

    walk(build_parser(), 2)
    _write(DOCS / "guide" / "cli-reference.md", "\n".join(parts))


def api_modules() -> None:
    """``api/modules/<module>.rst``: every public module of the package, its ``__all__`` documented."""
    import importlib
    import pkgutil

    import insider_kit

    out = DOCS / "api" / "modules"
    names = []
    for info in pkgutil.walk_packages(insider_kit.__path__, prefix="insider_kit."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        title = f"``{info.name}``"
        if info.ispkg:  # its docstring only: a package re-exports its modules' names, documented where defined
            names.append(info.name)
            _write(out / f"{info.name}.rst", f"{title}\n{'=' * len(title)}\n\n.. automodule:: {info.name}\n   :no-members:\n")
            continue
        if not getattr(module, "__all__", None):
            continue
        names.append(info.name)
        # a name the top level re-exports has its page there (one target per object for cross-references)
        top = [n for n in module.__all__ if n in insider_kit.__all__ and getattr(insider_kit, n) is getattr(module, n)]
        # a bare generic alias (``Window = tuple[int, int]``) is described in its module's docstring instead
        alias = [n for n in module.__all__ if type(getattr(module, n)) is types.GenericAlias]
        text = f"{title}\n{'=' * len(title)}\n\n.. automodule:: {info.name}\n   :members:\n   :undoc-members:\n"
        if top or alias:
            text += f"   :exclude-members: {', '.join(top + alias)}\n"
        if top:
            text += "\nAlso defined here, documented at the top level: "
            text += ", ".join(f":obj:`insider_kit.{n}`" for n in top) + ".\n"
        _write(out / f"{info.name}.rst", text)
    for stale in out.glob("*.rst"):
        if stale.stem not in names:
            stale.unlink()


def component_css() -> None:
    from insider_kit.reports import COMPONENTS_CSS

    _write(DOCS / "_build" / "static" / "insider-kit.css", COMPONENTS_CSS.lstrip())


def offline_math() -> None:
    """MathJax beside the site's pages (``mathjax_path`` in conf.py points here)."""
    from insider_kit._offline import write_mathjax

    write_mathjax(DOCS / "_build" / "static")


def chapter_downloads() -> None:
    """Every course chapter as ``.ipynb`` (converted from its jupytext source, outputs empty) and ``.py``."""
    import jupytext

    out = DOCS / "_build" / "static" / "course"
    for src in sorted((DOCS / "course").glob("*.py")):
        text = src.read_text(encoding="utf-8")
        _write(out / src.name, text)
        _write(out / f"{src.stem}.ipynb", jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="ipynb"))


def literal_aliases() -> set[str]:
    """The ``Literal[...]`` type aliases of the public modules: documented by their ``#:`` comment (numpydoc
    cannot see it, so they are excluded from its missing-docstring check)."""
    import importlib
    import pkgutil

    import insider_kit

    found = set()
    for info in pkgutil.walk_packages(insider_kit.__path__, prefix="insider_kit."):
        module = importlib.import_module(info.name)
        for n in getattr(module, "__all__", []):
            if typing.get_origin(getattr(module, n)) is typing.Literal:
                found.add("^" + re.escape(f"{info.name}.{n}") + "$")
    return found


def on_builder_inited(app: object) -> None:
    component_css()
    offline_math()
    chapter_downloads()
    api_modules()
    cli_reference()
    claims_pages()


def resolve_alias(app, env, node, contnode):
    """Resolve a reference to a name the kit re-exports (``insider_kit.prices.ReturnsPanel``), a name written
    relative to its module (``compare``), or a class attribute (``insider_kit.Study.events``) to where the
    object is documented; anything else stays unresolved (and fails the build, which runs with ``-n -W``)."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    domain = env.get_domain("py")
    objects = domain.objects
    candidates: list[str] = []
    try:  # an import path to the object itself
        import importlib

        mod, _, name = target.rpartition(".")
        obj = getattr(importlib.import_module(mod), name) if mod else None
        where = getattr(obj, "__module__", None)
        if where and getattr(obj, "__qualname__", None):
            candidates += [f"insider_kit.{obj.__name__}", f"{where}.{obj.__qualname__}"]
    except (ImportError, AttributeError, ValueError):
        pass
    short = target.rpartition(".")[2]
    candidates += sorted(k for k in objects if k.endswith("." + short) and k.startswith("insider_kit."))[:1]
    owner = target.rpartition(".")[0]
    if owner in objects and objects[owner].objtype == "class":  # a dataclass field or attribute
        candidates.append(owner)
    for cand in candidates:
        if cand in objects:
            entry = objects[cand]
            from sphinx.util.nodes import make_refnode

            return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, cand)
    return None
