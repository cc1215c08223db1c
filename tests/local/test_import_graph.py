"""The local product's rooms stay apart: read from the source's own imports (ast), so a new
import across a wall fails here before it grows a cycle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[str]:
    """Every module `path` imports, relative imports resolved, function-level ones included."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


GRAPH = {_module_name(path): set(_imports(path)) for path in sorted((ROOT / "local").rglob("*.py"))}


ROOMS = (
    "local.emulator.server",
    "local.emulator.caller",
    "local.emulator.wire",
    "local.emulator",
    "local.gateway",
    "local.hosted_ui",
    "local.runtime",
)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _crossings(source: str, target: str) -> list[str]:
    return sorted(
        f"{module} -> {imported}"
        for module, imported_set in GRAPH.items()
        if _within(module, source)
        for imported in imported_set
        if _within(imported, target)
    )


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("local.gateway", "local.emulator"),
        ("local.emulator", "local.gateway"),
        ("local.hosted_ui", "local.emulator.server"),
        ("local.emulator.server", "local.emulator.caller"),
        ("local.emulator.caller", "local.emulator.server"),
        ("local.emulator.wire", "local"),
    ],
)
def test_no_import_crosses_a_wall_between_rooms(source: str, target: str) -> None:
    """GIVEN the local product's source WHEN its imports are read THEN the gateway and the
    emulator never import each other, the hosted UI nothing of the emulator's server side,
    the emulator's two sides not each other, and their shared wire module nothing at all."""
    assert _crossings(source, target) == []


def test_the_runtime_is_the_ground_floor() -> None:
    """GIVEN local/runtime WHEN its imports are read THEN it imports nothing of local/ but
    itself and local.private_files (everything else stands on it, never the other way)."""
    found = _crossings("local.runtime", "local")
    assert found  # the walk sees the runtime's own imports at all
    outside = [c for c in found if not _within(c.split(" -> ")[1], "local.runtime")]
    assert all(_within(c.split(" -> ")[1], "local.private_files") for c in outside), outside


def test_the_local_packages_import_no_cycle() -> None:
    """GIVEN the imports between local's rooms (its packages, the emulator's two sides apart;
    a top-level module is a room of its own) WHEN followed THEN none comes back to itself."""

    def package(module: str) -> str:
        return next((room for room in ROOMS if _within(module, room)), module)

    edges: dict[str, set[str]] = {}
    for module, imported_set in GRAPH.items():
        for imported in imported_set:
            source, target = package(module), package(imported)
            if imported in GRAPH and source != target and not _within(source, target):
                edges.setdefault(source, set()).add(target)  # (not a package's own __init__)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in edges.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert "local.runtime" in edges.get("local.gateway", set())  # the walk sees real edges
    assert sorted(p for p in edges if reaches(p, p, {p})) == []
