"""Progress bars that work in a terminal and in JupyterLab and print nothing when switched off.

``tqdm.auto`` warns at import time (``IProgress not found``) when ipywidgets is missing, even for a bar that
is disabled; this helper imports it only when the widget bar can be drawn, else the plain bar.
"""

from __future__ import annotations

import importlib.util
from typing import Any

__all__ = ["tqdm"]


def tqdm(*args: Any, **kwargs: Any) -> Any:
    """``tqdm.auto.tqdm`` when ipywidgets is installed, else the plain ``tqdm.tqdm`` (same arguments)."""
    if kwargs.get("disable"):
        from tqdm import tqdm as plain

        return plain(*args, **kwargs)
    if importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm as auto

        return auto(*args, **kwargs)
    from tqdm import tqdm as plain

    return plain(*args, **kwargs)
