"""Sphinx configuration of the insider-kit documentation (``make docs``).

Sphinx with myst-nb (the course: the notebooks, executed at build time on the synthetic
teaching market; outputs live in the site, never in git), numpydoc (the API reference from
the docstrings) and autosummary. No network is used at build time: no intersphinx, no
remote assets.
"""

from __future__ import annotations

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
release = insider_kit.__version__
version = release

extensions = [
    "myst_nb",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]

# the notebooks are jupytext percent scripts in ../notebooks; docs/course/*.py are symlinks
nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}
nb_execution_mode = os.environ.get("INSIDER_KIT_DOCS_EXECUTE", "cache")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
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
    ("py:.*", r"(pathlib|collections|datetime|os|typing|argparse|concurrent|enum|dataclasses|io|zipfile)(\..*)?"),
    ("py:.*", r"(Axes|Figure|Path|Sequence|Callable|Iterable|Iterator|Mapping|Any|Literal)"),
    ("py:class", r"(dict|list|tuple|set|frozenset)\[.*|.*\]"),  # pieces of a generic annotation
]

exclude_patterns = ["_build", "jupyter_execute", ".jupyter_cache", "conf.py", "_ext"]
html_theme = "alabaster"
html_title = f"insider-kit {release}"
(Path(__file__).resolve().parent / "_build" / "static").mkdir(parents=True, exist_ok=True)
html_static_path = ["_build/static"]
html_css_files = ["insider-kit.css"]


def setup(app):
    """Write the generated pages (the claims on the teaching market, the CLI reference) before reading."""
    app.connect("builder-inited", generate.on_builder_inited)
    app.connect("missing-reference", generate.resolve_alias)
    return {"parallel_read_safe": True}
