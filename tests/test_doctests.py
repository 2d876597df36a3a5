"""The docstrings' Examples sections run as doctests (issue #20): an example that drifts
from the code fails here, not in a reader's notebook."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import insider_kit

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(insider_kit.__path__, prefix="insider_kit.")
    if not m.name.endswith("__main__")
)


def test_the_package_has_examples() -> None:
    """Guard against the collection silently finding nothing."""
    n = 0
    finder = doctest.DocTestFinder()
    for name in MODULES:
        n += sum(len(t.examples) for t in finder.find(importlib.import_module(name)))
    assert n >= 10, f"only {n} doctest examples found in insider_kit"


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             report=True, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in {name}"
