"""JupyterLab on the kit's notebooks (``make lab``): opening a notebook does not mark it modified.

A jupytext percent source carries no ``language_info`` (jupytext leaves it out of the text), so JupyterLab
added it when the kernel connected, and the notebook showed as modified as soon as it opened: closing it
asked to save and rewrite the tracked source.  This contents manager (jupytext's, for the same files) gives
each Python notebook it opens the ``language_info`` the kit's kernel reports, so the kernel's answer
changes nothing; jupytext still leaves it out of the text on save.  What jupytext writes back in the
header is set by ``insider_kit/notebooks/jupytext.toml`` (no jupytext or format version: the committed
headers are exactly what a save writes).

Use: ``jupyter lab --ServerApp.contents_manager_class=insider_kit._lab.ContentsManager`` (``make lab`` does).
"""

from __future__ import annotations

import sys
from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

__all__ = ["ContentsManager", "python_language_info"]


def python_language_info() -> dict[str, Any]:
    """The ``language_info`` an IPython kernel on this interpreter reports (ipykernel's own, when importable).

    Returns
    -------
    dict
        ``name``, ``version``, ``mimetype``, ``codemirror_mode``, ``pygments_lexer``, ``nbconvert_exporter``,
        ``file_extension``.

    Examples
    --------
    >>> info = python_language_info()
    >>> info["name"], info["version"] == sys.version.split()[0]
    ('python', True)
    """
    try:
        from ipykernel.ipkernel import IPythonKernel

        return dict(IPythonKernel.language_info)
    except (ImportError, AttributeError, TypeError):  # the same fields, as ipykernel writes them
        return {"name": "python", "version": sys.version.split()[0], "mimetype": "text/x-python",
                "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
                "pygments_lexer": f"ipython{sys.version_info[0]}", "nbconvert_exporter": "python",
                "file_extension": ".py"}


class ContentsManager(build_async_jupytext_contents_manager_class(AsyncLargeFileManager)):  # type: ignore[misc]
    """Jupytext's contents manager; a Python notebook opens with the kernel's ``language_info``."""

    async def get(self, path: str, content: bool = True, type: str | None = None, format: str | None = None,
                  **kwargs: Any) -> dict[str, Any]:
        model: dict[str, Any] = await super().get(path, content=content, type=type, format=format, **kwargs)
        if content and model.get("type") == "notebook" and model.get("content") is not None:
            meta = model["content"].metadata
            if meta.get("kernelspec", {}).get("language", "python") == "python" and "language_info" not in meta:
                meta["language_info"] = python_language_info()
        return model
