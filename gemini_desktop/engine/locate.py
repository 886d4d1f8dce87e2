"""Find the gemini CLI and decide how to run it.

We always run the package's entry script with `node` when we can find it: on Windows the npm `gemini.cmd`
shim re-parses arguments through cmd.exe and killing it orphans node, and everywhere it saves the relaunching
wrapper. The version is read from the package's package.json (no process start needed).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from gemini_desktop.engine.types import EngineError, GeminiCommand

log = logging.getLogger(__name__)

PACKAGE_NAME = "@google/gemini-cli"
# Tried over ACP with the app's own initialize: 0.10.0, 0.20.0, 0.20.2, 0.21.3 and 0.22.4 answer it with
# "Invalid params" (their ACP schema still requires `clientCapabilities.fs`, which the current schema leaves out
# when it holds only defaults); 0.24.0, the next release, is the first that starts a session and answers a prompt.
# Since the app declares `fs` (it serves gemini's file edits), those older releases may start again: that is not
# verified end to end, so the floor stays at the first release that is.
MIN_GEMINI_VERSION = (0, 24, 0)
STABLE_ACP_VERSION = (0, 33, 0)  # `--acp` replaced `--experimental-acp`
ENV_VAR = "GEMINI_DESKTOP_GEMINI"
INSTALL_HINT = "npm install -g @google/gemini-cli"


class GeminiNotFound(EngineError):
    def __init__(self, searched: list[str]) -> None:
        super().__init__(
            "The gemini CLI was not found. Install it with `" + INSTALL_HINT + "`, or choose its location."
        )
        self.searched = searched


class GeminiTooOld(EngineError):
    """Names the installed and the needed version and the update command, so the user can act on it."""

    minimum = ".".join(map(str, MIN_GEMINI_VERSION))
    update_command = f"{INSTALL_HINT}@latest"

    def __init__(self, version: str, path: str) -> None:
        super().__init__(
            f"gemini {version} at {path} is too old: Gemini Desktop needs gemini {self.minimum} or newer. "
            f"Update it with `{self.update_command}`."
        )
        self.version = version
        self.path = path


def parse_version(text: str) -> tuple[int, ...] | None:
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(part) for part in match.groups()) if match else None


def acp_flag_for(version: str) -> str:
    parsed = parse_version(version)
    if parsed is not None and parsed < STABLE_ACP_VERSION:
        return "--experimental-acp"
    return "--acp"


def _package_root(start: Path) -> Path | None:
    """The @google/gemini-cli package folder that contains `start` (a resolved file inside it).

    Older releases ship a copy of their package.json in `dist/`, whose `bin` path is relative to the real
    package folder: a folder counts only if its entry script exists."""
    for folder in [start, *start.parents]:
        manifest = folder / "package.json"
        if manifest.is_file():
            try:
                named = json.loads(manifest.read_text(encoding="utf-8")).get("name") == PACKAGE_NAME
            except (OSError, ValueError, AttributeError):
                continue
            entry = _entry_script(folder) if named else None
            if entry is not None and entry[0].is_file():
                return folder
    return None


def _entry_script(package: Path) -> tuple[Path, str] | None:
    try:
        manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    bin_field = manifest.get("bin")
    script = bin_field if isinstance(bin_field, str) else (bin_field or {}).get("gemini")
    if not script:
        return None
    return package / script, str(manifest.get("version", ""))


def _package_next_to_shim(shim: Path) -> Path | None:
    """npm on Windows puts `gemini.cmd` beside `node_modules/@google/gemini-cli`."""
    for base in (shim.parent, shim.parent.parent / "lib"):
        candidate = base / "node_modules" / "@google" / "gemini-cli"
        if (candidate / "package.json").is_file():
            return candidate
    return None


def _version_by_running(path: Path) -> str:
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=20,
                             env=dict(os.environ, GEMINI_CLI_NO_RELAUNCH="true"))
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("could not read the version of %s: %s", path, exc)
        return ""
    return out.stdout.strip()


def resolve(path: Path) -> GeminiCommand:
    """Turn a user-given path (executable, shim, entry script or package folder) into a command."""
    path = path.expanduser()
    if path.is_dir():
        package = _package_root(path / "package.json") or _package_next_to_shim(path / "gemini")
    else:
        package = _package_root(path.resolve().parent) or _package_next_to_shim(path)
    node = shutil.which("node")
    if package is not None and node is not None:
        entry = _entry_script(package)
        if entry is not None and entry[0].is_file():
            script, version = entry
            return GeminiCommand(program=node, args=(str(script),), version=version, acp_flag=acp_flag_for(version))
    if path.suffix.lower() in {".js", ".mjs", ".cjs"}:
        if node is None:
            raise EngineError("Node.js is needed to run gemini, but `node` was not found on PATH.")
        return GeminiCommand(program=node, args=(str(path),), acp_flag="--acp")
    if sys.platform == "win32" and path.suffix.lower() in {".cmd", ".bat", ".ps1"}:
        raise EngineError(f"{path} is an npm shim and its gemini-cli package was not found beside it.")
    version = _version_by_running(path)
    return GeminiCommand(program=str(path), version=version, acp_flag=acp_flag_for(version))


def _npm_global_dirs() -> Iterator[Path]:
    home = Path.home()
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        if appdata:
            yield Path(appdata) / "npm"
        yield Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "nodejs"
    else:
        prefix = os.environ.get("NPM_CONFIG_PREFIX")
        if prefix:
            yield Path(prefix) / "bin"
        yield home / ".npm-global" / "bin"
        yield home / ".local" / "bin"
        yield Path("/usr/local/bin")
        yield Path("/opt/homebrew/bin")
        yield Path("/usr/bin")
        yield home / ".volta" / "bin"
        yield from sorted((home / ".nvm" / "versions" / "node").glob("*/bin"), reverse=True)


def candidates(explicit: str | None, app_install_dir: Path | None) -> Iterator[Path]:
    if explicit:
        yield Path(explicit)
    if os.environ.get(ENV_VAR):
        yield Path(os.environ[ENV_VAR])
    on_path = shutil.which("gemini")
    if on_path:
        yield Path(on_path)
    names = ("gemini.cmd", "gemini") if sys.platform == "win32" else ("gemini",)
    for folder in _npm_global_dirs():
        for name in names:
            yield folder / name
    if app_install_dir is not None:
        yield app_install_dir / "node_modules" / "@google" / "gemini-cli"


def find_gemini(explicit: str | None = None, app_install_dir: Path | None = None) -> GeminiCommand:
    """Explicit path, then $GEMINI_DESKTOP_GEMINI, then PATH, then npm's usual global folders, then our own install.

    An explicit path that does not work is an error (the user asked for it), not a reason to look elsewhere.
    """
    searched: list[str] = []
    for index, path in enumerate(candidates(explicit, app_install_dir)):
        searched.append(str(path))
        if not path.exists():
            if index == 0 and explicit:
                raise GeminiNotFound([str(path)])
            continue
        command = resolve(path)
        parsed = parse_version(command.version)
        if parsed is not None and parsed < MIN_GEMINI_VERSION:
            raise GeminiTooOld(command.version, str(path))
        log.info("using gemini %s: %s %s", command.version or "(version unknown)", command.program,
                 " ".join(command.args))
        return command
    raise GeminiNotFound(searched)
