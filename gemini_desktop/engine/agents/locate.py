"""Find an agent's program: a path the user chose, then PATH, then the app's own private install.

npm agents installed privately run as `node ENTRY` (read from the package's `bin`), for the same reasons as
gemini (engine/locate.py): no shell shim in between, and killing the PID stops the agent.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from pathlib import Path

from gemini_desktop.engine import locate as gemini_locate
from gemini_desktop.engine.agents.profiles import AgentProfile, Locate
from gemini_desktop.engine.types import EngineError, GeminiCommand

log = logging.getLogger(__name__)


class AgentNotFound(EngineError):
    """Names the agent, where it was looked for and how to get it."""

    def __init__(self, profile: AgentProfile, searched: list[str], explicit: str | None = None) -> None:
        how = (f"Install it with `npm install -g {profile.npm_package}` or from Settings › Agents"
               if profile.npm_package else "Install it from Settings › Agents" if profile.locate is Locate.ARCHIVE
               else f"Put `{profile.program}` on PATH" if profile.program else "Check its command in Settings › Agents")
        if profile.locate is Locate.CUSTOM and not explicit:
            message = f"{profile.display_name} has no command yet: set one in Settings › Agents."
        else:
            where = f" (no program `{explicit}`)" if explicit else ""
            message = f"{profile.display_name} was not found{where}. {how}, or choose its location."
        super().__init__(message)
        self.profile = profile
        self.searched = searched


def private_dir(profile: AgentProfile, agents_dir: Path) -> Path:
    """The folder the app installs this agent into."""
    return agents_dir / profile.name


def _npm_entry(profile: AgentProfile, prefix: Path) -> tuple[Path, str] | None:
    package = prefix / "node_modules" / Path(*profile.npm_package.split("/"))
    try:
        manifest = json.loads((package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    bin_field = manifest.get("bin") if isinstance(manifest, dict) else None
    script = bin_field if isinstance(bin_field, str) else (bin_field or {}).get(profile.program)
    entry = package / script if isinstance(script, str) else None
    return (entry, str(manifest.get("version", ""))) if entry is not None and entry.is_file() else None


def unpacked_program(profile: AgentProfile, folder: Path) -> Path | None:
    """The program inside an unpacked archive (the registry ships Antigravity as NAME.par / NAME.exe)."""
    names = {profile.program, profile.program + ".exe", profile.program + ".par"}
    found = sorted((path for path in folder.rglob("*") if path.name in names and path.is_file()),
                   key=lambda path: len(path.parts)) if folder.is_dir() else []
    return found[0] if found else None


def find_agent(profile: AgentProfile, explicit: str | None = None, agents_dir: Path | None = None,
               gemini_install_dir: Path | None = None) -> GeminiCommand:
    """How to run `profile`'s agent. An explicit path that does not exist is an error, not a reason to look on."""
    if profile.is_gemini:
        return gemini_locate.find_gemini(explicit, gemini_install_dir)
    searched: list[str] = []
    if explicit:
        path = Path(explicit).expanduser()
        if not path.exists() and shutil.which(explicit) is None:
            raise AgentNotFound(profile, [explicit], explicit)
        return GeminiCommand(program=str(path) if path.exists() else str(shutil.which(explicit)), acp_flag="")
    if profile.program:
        searched.append(f"PATH: {profile.program}")
        on_path = shutil.which(profile.program)
        if on_path:
            return GeminiCommand(program=on_path, acp_flag="")
    if agents_dir is not None:
        folder = private_dir(profile, agents_dir)
        searched.append(str(folder))
        node = shutil.which("node")
        entry = _npm_entry(profile, folder) if profile.locate is Locate.NPM else None
        if entry is not None and node is not None:
            return GeminiCommand(program=node, args=(str(entry[0]),), version=entry[1], acp_flag="")
        unpacked = unpacked_program(profile, folder) if profile.locate is Locate.ARCHIVE else None
        if unpacked is not None:
            return GeminiCommand(program=str(unpacked), acp_flag="")
    raise AgentNotFound(profile, searched)


def agent_version(profile: AgentProfile, command: GeminiCommand, timeout: float = 15.0) -> str:
    """The version the agent prints (known without running it for npm installs); "" when it says none."""
    if command.version:
        return command.version
    try:
        out = subprocess.run([command.program, *command.args, *profile.version_args], capture_output=True,
                             text=True, timeout=timeout, env=dict(os.environ, **profile.env), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("could not read the version of %s: %s", profile.display_name, exc)
        return ""
    parsed = gemini_locate.parse_version(out.stdout)
    return ".".join(map(str, parsed)) if parsed else ""
