"""Pages that work with no network and from ``file://``: MathJax served from a local copy, no require.js, no
widget manager, no CDN.

nbconvert's ``lab`` template loads MathJax 2 from cdnjs, require.js and (for a notebook with widget state) the
widget manager from unpkg; offline, a rendered notebook shows its formulas as raw ``\\(...\\)`` and the
browser console fills with load errors.  Here:

* **math**: MathJax 3's single-file ``tex-svg-full`` component (TeX input, SVG output: no web fonts and no
  further requests, so it works from ``file://``), shipped on PyPI by ``django-static-mathjax`` (MathJax
  3.2.2 as released; the package's Django glue is not used), copied once beside the pages that need it;
* **widgets**: left out of static pages.  A widget output is a live control and needs a kernel; its view is
  dropped from the export (with the notebook's widget state), and what the output carries besides the view
  (the explorer's note, say) is shown instead.

Used by :func:`insider_kit.reports.render_reports` and by the documentation site (``docs/conf.py``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

__all__ = ["MATHJAX_CONFIG", "MATHJAX_FILE", "WIDGET_VIEW", "html_exporter", "mathjax_source", "strip_widgets",
           "write_mathjax"]

#: The MathJax component used (one file: TeX input, SVG output, every TeX extension; MathJax 3.2).
MATHJAX_FILE = "tex-svg-full.js"

#: MathJax 3's configuration for pages rendered from notebooks: the delimiters Jupyter uses (``$...$``,
#: ``\\(...\\)``, ``$$...$$``, ``\\[...\\]``); code, preformatted output and scripts are never typeset.
MATHJAX_CONFIG = r"""
window.MathJax = {
  tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], displayMath: [['$$', '$$'], ['\\[', '\\]']],
        processEscapes: true, processEnvironments: true, tags: 'ams'},
  options: {skipHtmlTags: ['script', 'noscript', 'style', 'textarea', 'pre', 'code'],
            ignoreHtmlClass: 'tex2jax_ignore|jp-OutputArea-output.*-stream', processHtmlClass: 'tex2jax_process'},
  svg: {fontCache: 'global'}
};
"""

#: The MIME type of a widget's view in a notebook output.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def mathjax_source() -> Path:
    """The local MathJax file (from the ``django-static-mathjax`` distribution).

    Returns
    -------
    pathlib.Path
        ``.../mathjax/static/mathjax/es5/tex-svg-full.js``.

    Raises
    ------
    insider_kit.errors.ConfigError
        The package is not installed (it is one of the kit's requirements).
    """
    import importlib.resources

    from .errors import ConfigError

    try:
        base = importlib.resources.files("mathjax")
    except ModuleNotFoundError as exc:
        raise ConfigError("MathJax is not installed, so rendered pages cannot show formulas offline",
                          hint="pip install django-static-mathjax (a requirement of insider-kit)") from exc
    path = Path(str(base)) / "static" / "mathjax" / "es5" / MATHJAX_FILE
    if not path.is_file():
        raise ConfigError(f"MathJax's {MATHJAX_FILE} is missing from {path.parent}",
                          hint="pip install --force-reinstall django-static-mathjax")
    return path


def write_mathjax(folder: Path) -> Path:
    """Copy MathJax into *folder* (``<folder>/mathjax/tex-svg-full.js``) unless an identical copy is there.

    Parameters
    ----------
    folder
        Where the pages' static files live (a report's ``_static/``).

    Returns
    -------
    pathlib.Path
        The copy.

    Examples
    --------
    >>> import tempfile
    >>> p = write_mathjax(Path(tempfile.mkdtemp()) / "_static")
    >>> p.name, p.stat().st_size > 1_000_000
    ('tex-svg-full.js', True)
    """
    from ._io import atomic_path

    src = mathjax_source()
    dest = Path(folder) / "mathjax" / MATHJAX_FILE
    if dest.is_file() and dest.stat().st_size == src.stat().st_size:
        return dest
    with atomic_path(dest) as tmp:
        shutil.copyfile(src, tmp)
    return dest


def strip_widgets(nb: Any) -> Any:
    """Leave widgets out of a notebook for a static page: each output's widget view is dropped (the output is
    kept when it carries something else than the widget's text repr, e.g. an HTML note), and so is the
    notebook's widget state (which made nbconvert load the widget manager from a CDN).

    Parameters
    ----------
    nb
        An ``nbformat`` notebook node (changed in place).

    Returns
    -------
    nbformat.NotebookNode
        *nb*.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(metadata={"widgets": {}})
    >>> out = [nbformat.v4.new_output("display_data", {WIDGET_VIEW: {"model_id": "1"}, "text/plain": "VBox()"}),
    ...        nbformat.v4.new_output("display_data", {WIDGET_VIEW: {}, "text/plain": "VBox()",
    ...                                                "text/html": "<p>note</p>"})]
    >>> nb.cells.append(nbformat.v4.new_code_cell("x", outputs=out))
    >>> [sorted(o.data) for o in strip_widgets(nb).cells[0].outputs], "widgets" in nb.metadata
    ([['text/html', 'text/plain']], False)
    """
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data is not None and WIDGET_VIEW in data:
                data.pop(WIDGET_VIEW)
                if not set(data) - {"text/plain"}:
                    continue  # nothing but "VBox(children=...)": a live control, not shown on a static page
            kept.append(out)
        if "outputs" in cell:
            cell["outputs"] = kept
    return nb


#: The export template: nbconvert's ``lab`` page without its CDN scripts, MathJax from ``{static}/mathjax/``.
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<script>{% raw %}""" + MATHJAX_CONFIG + """{% endraw %}</script>
<script defer src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}
"""


def html_exporter(*, static_url: str, hide_code: bool = False) -> Any:
    """An nbconvert ``HTMLExporter`` whose pages load nothing from the network.

    Parameters
    ----------
    static_url
        Address of the static folder *relative to the page* (``_static`` for a page beside it); MathJax is
        loaded from ``<static_url>/mathjax/tex-svg-full.js`` (:func:`write_mathjax` puts it there).
    hide_code
        Export without code cells.

    Returns
    -------
    nbconvert.HTMLExporter
        Use as usual; pass the notebook through :func:`strip_widgets` first.
    """
    import jinja2
    from nbconvert import HTMLExporter

    loader = jinja2.DictLoader({"insider_kit_offline.html.j2": _TEMPLATE})
    exporter = HTMLExporter(exclude_input=hide_code, extra_loaders=[loader], template_name="lab")
    exporter.template_file = "insider_kit_offline.html.j2"
    exporter.mathjax_url = f"{static_url.rstrip('/')}/mathjax/{MATHJAX_FILE}"
    return exporter
