"""Imports point inward: pure code ← I/O ← orchestration, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PURE = ("extractors", "parsers", "models")
IO = ("crawl", "warehouse", "docstore")
ORCHESTRATION = ("flows", "inclusio")

FORBIDDEN = {
    "pure": {"prefect", "duckdb", "httpx", "requests", "urllib.request", "socket", "pathlib"}
    | set(IO)
    | set(ORCHESTRATION),
    "io": {"prefect"} | set(ORCHESTRATION),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _violations(packages: tuple[str, ...], forbidden: set[str]) -> list[str]:
    found = []
    for pkg in packages:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            for name in _imports(path):
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_pure_layer_imports_no_io_or_orchestration() -> None:
    assert _violations(PURE, FORBIDDEN["pure"]) == []


def test_pure_layer_opens_no_files() -> None:
    offenders = []
    for pkg in PURE:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_io_layer_imports_no_orchestration() -> None:
    assert _violations(IO, FORBIDDEN["io"]) == []


def test_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "m.py"
    bad.write_text("import duckdb\nfrom prefect import flow\n")
    assert {"duckdb", "prefect"} <= _imports(bad)
