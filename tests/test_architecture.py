"""The package's layering and its public surface (shared/DESIGN.md): a refactor cannot add a forbidden import
arrow or drop a public name without this file changing."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "insider_kit"

# (importer prefix, imported prefix): arrows DESIGN.md forbids
FORBIDDEN = [
    ("insider_kit.filings", "insider_kit.prices"),
    ("insider_kit.prices", "insider_kit.filings"),
    ("insider_kit.prices", "insider_kit.eventstudy"),
    ("insider_kit.filings", "insider_kit.sample"),
    ("insider_kit.prices", "insider_kit.sample"),
    ("insider_kit.study", "insider_kit.sample"),
    ("insider_kit.tickers", "insider_kit.filings"),
    ("insider_kit.tickers", "insider_kit.prices"),
    ("insider_kit.eventstudy", "insider_kit.filings"),
    ("insider_kit.eventstudy", "insider_kit.cli"),
    ("insider_kit.eventstudy", "insider_kit.reports"),
    ("insider_kit.signals", "insider_kit.eventstudy"),
    ("insider_kit.events", "insider_kit.eventstudy"),
    ("insider_kit.plots", "insider_kit.eventstudy"),
    ("insider_kit.plots", "insider_kit.claims"),
]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module *path* imports, at any depth in the file (local imports included), made absolute."""
    mod = _module_name(path)
    pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.add(target)
            out |= {f"{target}.{a.name}" for a in node.names}
    return out


def _edges() -> list[tuple[str, str]]:
    return [(_module_name(f), imp) for f in PKG.rglob("*.py") for imp in _imports(f) if imp.startswith("insider_kit")]


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_no_forbidden_import_arrow() -> None:
    bad = [(a, b) for a, b in _edges() for src, dst in FORBIDDEN if _under(a, src) and _under(b, dst)]
    assert not bad, "forbidden imports (DESIGN.md): " + "; ".join(f"{a} -> {b}" for a, b in sorted(set(bad)))


def test_nothing_imports_the_cli() -> None:
    bad = [(a, b) for a, b in _edges() if _under(b, "insider_kit.cli") and not _under(a, "insider_kit.cli")]
    assert not bad, bad


def test_the_layering_check_catches_an_arrow(tmp_path: Path) -> None:
    """Guards against a checker that finds nothing: a local import inside a function is seen too."""
    f = PKG / "filings" / "_probe_layering.py"
    f.write_text("def f():\n    from ..prices import panel\n    return panel\n")
    try:
        assert any(_under(a, "insider_kit.filings") and _under(b, "insider_kit.prices") for a, b in _edges())
    finally:
        f.unlink()


PUBLIC = {
    "insider_kit": ["CalendarTimeResult", "Comparison", "ConfigError", "DataError", "DoseResponse", "EventStudyResult",
                    "InsiderKitError", "NetworkError", "SignalParams", "Study", "__version__", "build_events",
                    "build_tidy", "calendar_time", "car_regression", "compare", "dose_response", "event_study",
                    "insider_track_record", "load_factors", "load_owners", "load_prices", "load_study",
                    "load_transactions", "net_purchase_ratio", "parse_form4", "read_price_file", "read_quarter",
                    "replicate", "returns_panel", "run_ledger"],
    "insider_kit.eventstudy": ["DEFAULT_CAR_WINDOWS", "CalendarTimeResult", "CarRegression", "Comparison",
                               "DoseResponse", "EventStudyResult", "Model", "TradedPortfolio", "calendar_time",
                               "car_regression", "compare", "dose_response", "event_study", "monotonic_relation_test",
                               "portfolio_returns", "simulate_power", "traded_portfolio", "window_label"],
    "insider_kit.claims": ["CLAIMS", "LEDGER_COLUMNS", "SALE_PATTERNS", "Claim", "Selections", "adjust_pvalues", "literature",
                           "market_claim", "replicate", "robustness", "run_ledger", "runup_model_bias", "sale_pattern",
                           "verdict"],
    "insider_kit.prices": ["FetchReport", "PriceErrorRule", "ReturnsPanel", "fetch_french_factors", "fetch_prices", "load_factors",
                           "load_prices", "parse_french_csv", "read_price_file", "returns_panel"],
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_public_api_is_pinned(module: str) -> None:
    m = importlib.import_module(module)
    assert sorted(m.__all__) == sorted(PUBLIC[module]), f"{module}.__all__ changed: update PUBLIC on purpose"
    for name in m.__all__:
        assert hasattr(m, name), f"{module}.{name} is in __all__ but missing"


def test_functions_are_short_or_say_why() -> None:
    """No function body (its docstring aside) is longer than about 80 lines without a ``# long:`` comment just
    above it saying why (issue #14)."""
    limit = 85
    offenders = []
    for path in sorted(PKG.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").split("\n")
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            first = node.body[0]
            has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                and isinstance(first.value.value, str)
            start = first.end_lineno + 1 if has_doc else first.lineno  # type: ignore[operator]
            if node.end_lineno - start + 1 <= limit:  # type: ignore[operator]
                continue
            top = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1  # 0-based line of def/decorator
            if not any(ln.startswith("# long:") for ln in lines[max(0, top - 3):top]):
                offenders.append(f"{path.relative_to(PKG)}:{node.name} "
                                 f"({node.end_lineno - start + 1} lines)")
    assert not offenders, f"functions over {limit} lines without a '# long:' reason: {offenders}"
