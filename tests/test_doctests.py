"""The docstrings' Examples sections run as doctests (issue #20): an example that drifts
from the code fails here, not in a reader's notebook."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import insider_kit
from insider_kit.sample import SampleSpec, generate_sample

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


@pytest.fixture(scope="module")
def examples_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data directory the examples read as ``load_study("sample")``: a small teaching market."""
    root = tmp_path_factory.mktemp("examples")
    generate_sample(root / "sample", seed=7, spec=SampleSpec(n_firms=60, start="2017-01-03", end="2021-12-31"),
                    progress=False)
    return root


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str, examples_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSIDER_KIT_DATA", str(examples_data))
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             report=True, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in {name}"


@pytest.mark.parametrize("name", [n for n in insider_kit.__all__ if n != "__version__"])
def test_top_level_names_have_a_reference_page(name: str) -> None:
    """Every top-level name: a summary line and an Examples section; functions also Parameters and Returns
    (numpydoc's own parser reads the docstring, as the documentation site does)."""
    import inspect

    from numpydoc.docscrape import ClassDoc, FunctionDoc

    obj = getattr(insider_kit, name)
    if issubclass(obj, Exception) if isinstance(obj, type) else False:
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
        return
    doc = ClassDoc(obj) if inspect.isclass(obj) else FunctionDoc(obj)
    assert doc["Summary"], f"{name}: no summary line"
    assert doc["Examples"], f"{name}: no Examples section"
    if inspect.isfunction(obj):
        documented = {p.name.strip() for p in doc["Parameters"]}
        documented = {part.strip() for n in documented for part in n.split(",")}
        params = [p for p in inspect.signature(obj).parameters if p not in ("self", "kw", "kwargs")]
        assert set(params) <= documented, f"{name}: parameters without a description: {set(params) - documented}"
        assert doc["Returns"], f"{name}: no Returns section"


def test_every_public_name_has_a_docstring() -> None:
    """Every name in every public module's ``__all__`` (functions, classes, and their public methods)."""
    import inspect

    missing = []
    for name in MODULES:
        if any(part.startswith("_") for part in name.split(".")):
            continue
        module = importlib.import_module(name)
        for n in getattr(module, "__all__", []):
            obj = getattr(module, n)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                if not (inspect.getdoc(obj) or "").strip():
                    missing.append(f"{name}.{n}")
                if inspect.isclass(obj) and not issubclass(obj, Exception):
                    for m, member in vars(obj).items():
                        fn = member.fget if isinstance(member, property) else member
                        if not m.startswith("_") and inspect.isfunction(fn) and not (fn.__doc__ or "").strip():
                            missing.append(f"{name}.{n}.{m}")
    assert not missing, f"public names without a docstring: {sorted(set(missing))}"


def _public_functions() -> list[str]:
    """``module.name`` of every function in a public module's ``__all__`` (each function once, where defined)."""
    import inspect

    seen, out = set(), []
    for name in MODULES:
        if any(part.startswith("_") for part in name.split(".")):
            continue
        module = importlib.import_module(name)
        for n in getattr(module, "__all__", []):
            obj = getattr(module, n)
            if inspect.isfunction(obj) and (obj.__module__, obj.__qualname__) not in seen:
                seen.add((obj.__module__, obj.__qualname__))
                out.append(f"{obj.__module__}:{obj.__qualname__}")
    return sorted(out)


def test_public_functions_are_found() -> None:
    assert len(_public_functions()) >= 140


@pytest.mark.parametrize("qualified", _public_functions())
def test_every_public_function_has_parameters_returns_and_an_example(qualified: str) -> None:
    """Issue #20: every public function's reference page gives its parameters, what it returns and an example
    (numpydoc's parser, as the documentation site reads the docstring)."""
    import inspect

    from numpydoc.docscrape import FunctionDoc

    mod, name = qualified.split(":")
    obj = getattr(importlib.import_module(mod), name)
    doc = FunctionDoc(obj)
    documented = {part.strip().lstrip("*") for p in doc["Parameters"] for part in p.name.split(",")}
    params = [p for p in inspect.signature(obj).parameters if p != "self"]
    assert set(params) <= documented, f"{qualified}: parameters without a description: {set(params) - documented}"
    assert doc["Returns"] or doc["Yields"], f"{qualified}: no Returns section"
    assert doc["Examples"], f"{qualified}: no Examples section"
    assert any(">>>" in line for line in doc["Examples"]), f"{qualified}: the Examples section has no example"
