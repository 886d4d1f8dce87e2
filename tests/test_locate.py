"""Finding gemini: explicit path, environment, PATH, npm folders; node + entry script; version gates."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from gemini_desktop.engine import GeminiNotFound, GeminiTooOld, find_gemini
from gemini_desktop.engine.locate import acp_flag_for, parse_version


def fake_package(root: Path, version: str) -> Path:
    package = root / "lib" / "node_modules" / "@google" / "gemini-cli"
    (package / "bundle").mkdir(parents=True)
    (package / "bundle" / "gemini.js").write_text("// entry\n")
    (package / "package.json").write_text(json.dumps({"name": "@google/gemini-cli", "version": version,
                                                      "bin": {"gemini": "bundle/gemini.js"}}))
    return package


@pytest.fixture
def no_path_gemini(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node
    bin_dir = tmp_path / "only-node"
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(node)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GEMINI_DESKTOP_GEMINI", raising=False)
    monkeypatch.delenv("NPM_CONFIG_PREFIX", raising=False)
    monkeypatch.setattr("gemini_desktop.engine.locate._npm_global_dirs", lambda: iter(()))


def test_symlinked_npm_bin_runs_the_entry_script_with_node(tmp_path: Path, no_path_gemini: None) -> None:
    package = fake_package(tmp_path, "0.61.0")
    shim = tmp_path / "bin" / "gemini"
    shim.parent.mkdir()
    shim.symlink_to(package / "bundle" / "gemini.js")
    command = find_gemini(str(shim))
    assert Path(command.program).name == "node"
    assert command.args == (str(package / "bundle" / "gemini.js"),)
    assert command.version == "0.61.0"
    assert command.acp_flag == "--acp"


def test_windows_style_shim_finds_the_package_beside_it(tmp_path: Path, no_path_gemini: None) -> None:
    npm_dir = tmp_path / "npm"
    package = npm_dir / "node_modules" / "@google" / "gemini-cli"
    (package / "bundle").mkdir(parents=True)
    (package / "bundle" / "gemini.js").write_text("")
    (package / "package.json").write_text(json.dumps({"name": "@google/gemini-cli", "version": "0.27.4",
                                                      "bin": {"gemini": "bundle/gemini.js"}}))
    (npm_dir / "gemini.cmd").write_text("@echo off\r\n")
    command = find_gemini(str(npm_dir / "gemini.cmd"))
    assert command.args == (str(package / "bundle" / "gemini.js"),)
    assert command.acp_flag == "--experimental-acp"


def test_environment_variable_is_used(tmp_path: Path, no_path_gemini: None, monkeypatch: pytest.MonkeyPatch) -> None:
    package = fake_package(tmp_path, "0.61.0")
    monkeypatch.setenv("GEMINI_DESKTOP_GEMINI", str(package / "bundle" / "gemini.js"))
    assert find_gemini().args == (str(package / "bundle" / "gemini.js"),)


def test_app_install_dir_is_the_last_resort(tmp_path: Path, no_path_gemini: None) -> None:
    install = tmp_path / "app-install"
    package = install / "node_modules" / "@google" / "gemini-cli"
    package.parent.mkdir(parents=True)
    fake_package(tmp_path, "0.61.0").rename(package)
    assert find_gemini(app_install_dir=install).args == (str(package / "bundle" / "gemini.js"),)


def test_too_old_is_refused_with_the_minimum(tmp_path: Path, no_path_gemini: None) -> None:
    package = fake_package(tmp_path, "0.22.4")
    with pytest.raises(GeminiTooOld, match=r"gemini 0\.22\.4 at .* needs gemini 0\.24\.0 or newer"):
        find_gemini(str(package / "bundle" / "gemini.js"))


def test_not_found_lists_where_it_looked(no_path_gemini: None) -> None:
    with pytest.raises(GeminiNotFound, match="npm install -g @google/gemini-cli") as failure:
        find_gemini()
    assert failure.value.searched == []


def test_explicit_missing_path_is_an_error(tmp_path: Path, no_path_gemini: None) -> None:
    with pytest.raises(GeminiNotFound) as failure:
        find_gemini(str(tmp_path / "nowhere" / "gemini"))
    assert failure.value.searched == [str(tmp_path / "nowhere" / "gemini")]


def test_plain_executable_version_is_read_by_running_it(tmp_path: Path, no_path_gemini: None) -> None:
    script = tmp_path / "gemini"
    script.write_text("#!/bin/sh\necho 0.40.1\n")
    script.chmod(0o755)
    command = find_gemini(str(script))
    assert command.program == str(script)
    assert command.version == "0.40.1"


def test_pinned_cli_is_found_and_recent(gemini_command: object) -> None:
    entry = gemini_command.args[0]  # type: ignore[attr-defined]
    command = find_gemini(entry)
    assert command.version == "0.61.0"
    assert command.acp_flag == "--acp"
    assert os.path.samefile(command.args[0], entry)


@pytest.mark.parametrize(("text", "expected"), [("0.61.0", (0, 61, 0)), ("gemini 1.2.3-nightly", (1, 2, 3)),
                                                ("", None)])
def test_parse_version(text: str, expected: tuple[int, ...] | None) -> None:
    assert parse_version(text) == expected


def test_acp_flag_by_version() -> None:
    assert acp_flag_for("0.32.9") == "--experimental-acp"
    assert acp_flag_for("0.33.0") == "--acp"
    assert acp_flag_for("") == "--acp"
