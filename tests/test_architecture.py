"""The rules of direction (ARCHITECTURE.md) hold: import-linter contracts in pyproject.toml."""

from __future__ import annotations

from importlinter.cli import lint_imports


def test_import_contracts_are_kept() -> None:
    assert lint_imports(no_cache=True) == 0
