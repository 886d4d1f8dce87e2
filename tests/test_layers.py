"""The folder tree is the architecture: engine and store never reach into each other or the UI; lint is clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gemini_desktop"

FORBIDDEN = {
    "engine": ("gemini_desktop.ui", "gemini_desktop.store", "PySide6.QtWidgets", "PySide6.QtGui"),
    "store": ("gemini_desktop.ui", "gemini_desktop.engine", "PySide6"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(layer: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for name in sorted(imported_modules(path))
        if name.startswith(FORBIDDEN[layer])
    ]
    assert not offences, "\n".join(offences)


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is part of the test extras"
    result = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_translated_string_is_a_literal_lupdate_can_see() -> None:
    """`tr(variable)` or a wrapper around translate() hides the text from lupdate: it would never be translated."""
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            position = {"tr": 0, "translate": 1}.get(node.func.attr)
            if position is None or len(node.args) <= position:
                continue
            if not (isinstance(node.args[position], ast.Constant) and isinstance(node.args[position].value, str)):
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offences, "translate a literal string here: " + ", ".join(offences)


def test_no_string_is_translated_inside_an_f_string() -> None:
    """lupdate does not look inside f-strings: a tr() there never reaches the catalogue, so it stays English."""
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                offences += [f"{path.relative_to(ROOT)}:{inner.lineno}" for inner in ast.walk(node)
                             if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
                             and inner.func.attr in ("tr", "translate")]
    assert not offences, "translate into a variable first, then format it in: " + ", ".join(offences)
