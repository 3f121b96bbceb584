"""The house keeps its shape: each package is used through its public face."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("records", "access", "cases", "figures", "policies", "reporting", "service")


def _app_files() -> list[Path]:
    files = [ROOT / "app.py", ROOT / "dashboard.py"]
    for folder in ("analytics", "ui", "views", "bench"):
        files.extend((ROOT / folder).rglob("*.py"))
    return files


def _package_of(parts: tuple[str, ...]) -> str | None:
    if len(parts) > 2 and parts[0] == "analytics" and parts[1] in PACKAGES:
        return parts[1]
    return None


def test_every_package_is_used_through_its_public_face():
    reaching_in = []
    for path in _app_files():
        own = _package_of(path.relative_to(ROOT).parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                used = _package_of(tuple(node.module.split(".")))
                if used and used != own:
                    reaching_in.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
    assert reaching_in == []


def test_every_package_says_what_it_decides_and_names_its_public_face():
    for package in PACKAGES:
        tree = ast.parse((ROOT / "analytics" / package / "__init__.py").read_text())
        assert ast.get_docstring(tree), package
        exported = next(
            node.value
            for node in tree.body
            if isinstance(node, ast.Assign) and node.targets[0].id == "__all__"
        )
        assert len(exported.elts) > 0, package


def test_the_map_names_every_package_and_every_floor_of_the_contract():
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for package in PACKAGES:
        assert f"`{package}`" in architecture and f"analytics.{package}" in architecture
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "[tool.importlinter]" in pyproject
