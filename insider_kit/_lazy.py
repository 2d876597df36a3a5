"""Modules imported on first use: ``import insider_kit`` (and a cached ``load_study``) does not pay for
``scipy.stats`` (about 0.9 s) until a statistic needs it (the lazy loading of Scientific Python's SPEC 1)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """A stand-in for module *name*, imported on the first attribute read."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{'' if self._module is None else ' (imported)'}>"


#: ``scipy.stats``, imported when first used.
scipy_stats: Any = LazyModule("scipy.stats")
