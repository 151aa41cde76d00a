"""Meta-tests: the public surface equals `__all__`, and CI collects every test directory"""

from __future__ import annotations

import ast
import graphlib
import importlib
import pkgutil
from pathlib import Path

import pytest

import iamwarden

ROOT = Path(__file__).resolve().parents[1]


def _packages() -> list[str]:
    return sorted(
        name
        for _, name, is_package in pkgutil.walk_packages(iamwarden.__path__, "iamwarden.")
        if is_package
    )


@pytest.mark.parametrize("name", _packages())
def test_every_package_declares_its_public_names(name: str) -> None:
    module = importlib.import_module(name)
    names = getattr(module, "__all__", None)
    assert names is not None, f"{name} has no __all__"
    assert all(hasattr(module, n) for n in names), f"{name}.__all__ names a missing attribute"


def test_every_test_directory_is_collected() -> None:
    for directory in (ROOT / "tests").rglob("*"):
        if directory.is_dir() and any(directory.glob("test_*.py")):
            assert (directory / "__init__.py").exists(), f"{directory} is not a test package"


def _imports() -> dict[str, set[str]]:
    """Every iamwarden module and the iamwarden modules it imports (at any depth)"""
    source = ROOT / "src"
    graph: dict[str, set[str]] = {}
    for path in (source / "iamwarden").rglob("*.py"):
        parts = path.relative_to(source).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        graph[name] = {
            node.module
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("iamwarden")
            # a package importing its own modules to re-export them is not a cycle
            and not (node.module == name or node.module.startswith(name + "."))
        }
    return graph


def test_no_import_cycles() -> None:
    """DESIGN.md: arrows only point down the package table; a cycle is a design bug"""
    graph = _imports()
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


def test_the_cycle_check_sees_cycles() -> None:
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter({"a": {"b"}, "b": {"a"}}).static_order())
    assert "iamwarden.cli.exit_codes" in _imports()["iamwarden.cli.assess_cmd"]
