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

QT_FREE = {
    "engine": ("PySide6.QtWidgets", "PySide6.QtGui"),  # QtCore only: it runs headless, under the API too
    "conversation": ("PySide6.QtWidgets", "PySide6.QtGui"),  # model and controller: what every view shares
    "store": ("PySide6",),  # no Qt at all: scripts and threads use it as plain Python
}


def venv_tool(name: str) -> str:
    tool = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert tool, f"{name} is part of the test extras"
    return tool


def test_the_import_contract_in_pyproject_is_kept() -> None:
    """Layers (app > ui > engine | store > helpers) as import-linter sees every module of the package."""
    result = subprocess.run([venv_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.parametrize("layer", sorted(QT_FREE))
def test_importing_a_layer_loads_no_forbidden_qt_module(layer: str) -> None:
    """What a layer really loads, transitively: a lazy or indirect import of a widget module counts too."""
    modules = sorted(".".join(path.relative_to(ROOT).with_suffix("").parts)
                     for path in (PACKAGE / layer).rglob("*.py"))
    probe = ("import importlib, sys\n"
             f"for name in {modules!r}: importlib.import_module(name)\n"
             f"print(sorted(m for m in sys.modules if m.startswith({QT_FREE[layer]!r})))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]", f"{layer} loads {result.stdout.strip()}"


def test_ruff_is_clean() -> None:
    result = subprocess.run([venv_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
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
