"""Sphinx configuration of the insider-kit documentation (``make docs``).

Sphinx with myst-nb (the course: the notebooks, executed at build time on the synthetic
teaching market; outputs live in the site, never in git), numpydoc (the API reference from
the docstrings) and autosummary, in the PyData Sphinx theme with copy buttons. No network is
used at build time or when reading the site: no intersphinx, no remote assets (MathJax is the
kit's local copy, widget scripts are not loaded).
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import insider_kit  # noqa: E402

# quiet kernels: the executed notebooks' kernels read this config (as the report runner's do)
_IPYTHON_DIR = Path(__file__).resolve().parent / "_build" / "ipython"
(_IPYTHON_DIR / "profile_default").mkdir(parents=True, exist_ok=True)
(_IPYTHON_DIR / "profile_default" / "ipython_kernel_config.py").write_text("c.IPKernelApp.log_level = 'CRITICAL'\n")
os.environ["IPYTHONDIR"] = str(_IPYTHON_DIR)

project = "insider-kit"
author = "insider-kit contributors"
_years = sorted({2026, datetime.date.today().year})  # (the project's first year, and this one)
copyright = f"{'–'.join(map(str, _years))}, {author} (MIT licence)"
release = insider_kit.__version__
version = release

extensions = [
    "myst_nb",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx_copybutton",
]

# the notebooks are jupytext percent scripts in ../notebooks; docs/course/*.py are symlinks
nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}
nb_execution_mode = os.environ.get("INSIDER_KIT_DOCS_EXECUTE", "cache")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
# static pages: no require.js or widget manager from a CDN; a widget's view is not rendered (its output's HTML
# note says what the control is), as in the report's notebooks
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# a public name without a docstring fails the build
numpydoc_validation_checks = {"GL08"}
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))
import generate  # noqa: E402 - docs/_ext/generate.py

# a class documents its constructor; a Literal alias is documented by its #: comment
numpydoc_validation_exclude = {r"\.__init__$", *generate.literal_aliases()}

# broken cross-references fail the build (-n -W); the standard library and the scientific stack have no
# inventory offline (no intersphinx: no network at build time), so their types are plain text
nitpicky = True
nitpick_ignore_regex = [
    ("py:.*", r"(pandas|pd|numpy|np|scipy|statsmodels|matplotlib|pyarrow|numba|requests|lxml|tqdm|papermill)(\..*)?"),
    ("py:.*", r"(pathlib|collections|datetime|os|typing|argparse|concurrent|enum|dataclasses|io|zipfile|weakref)(\..*)?"),
    ("py:.*", r"(Axes|Figure|Path|Sequence|Callable|Iterable|Iterator|Mapping|Any|Literal)"),
    ("py:class", r"(dict|list|tuple|set|frozenset)\[.*|.*\]"),  # pieces of a generic annotation
]

exclude_patterns = ["_build", "jupyter_execute", ".jupyter_cache", "conf.py", "_ext", "_templates"]

html_theme = "pydata_sphinx_theme"
html_title = f"insider-kit {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["chapter-download", "page-toc"],
    "footer_start": ["footer-licence"],
    "footer_center": [],
    "footer_end": [],
    "article_footer_items": [],
    "navbar_align": "left",
}
html_context = {"default_mode": "light"}
templates_path = ["_templates"]
html_show_sourcelink = False
(Path(__file__).resolve().parent / "_build" / "static").mkdir(parents=True, exist_ok=True)
# generated files (the report's component styles, MathJax, the chapters to download) and the site's own CSS
html_static_path = ["_build/static", "_static"]
html_css_files = ["insider-kit.css", "insider-kit-docs.css"]
# math offline: MathJax 3 from the kit's own copy (insider_kit._offline, written into _build/static/mathjax/)
mathjax_path = "mathjax/tex-svg-full.js"

# copy buttons copy the code, not the prompts
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_exclude = ".linenos, .gp, .go"


def setup(app):
    """Write the generated pages (the claims on the teaching market, the CLI reference) before reading."""
    app.connect("builder-inited", generate.on_builder_inited)
    app.connect("missing-reference", generate.resolve_alias)
    return {"parallel_read_safe": True}
