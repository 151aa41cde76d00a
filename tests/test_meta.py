"""Meta-tests: the public surface equals `__all__`, and CI collects every test directory"""

from __future__ import annotations

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
