"""How an agent child is launched: its arguments, its environment and the settings overlay gemini reads.

The overlay turns session retention off because gemini-cli 0.61 deletes resumed conversations with it on
(upstream #27368); it lives in our private state folder, not under /tmp, because gemini ignores a settings file
below a world-writable folder as insecure.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path

from gemini_desktop import paths
from gemini_desktop.engine.types import EngineConfig

log = logging.getLogger(__name__)

RETENTION_OFF = '{"general": {"sessionRetention": {"enabled": false}}}\n'
COMPILE_CACHE_FOLDER = "node-compile-cache"
COMPILE_CACHE_SWITCHES = ("NODE_COMPILE_CACHE", "NODE_DISABLE_COMPILE_CACHE")


def state_dir(config: EngineConfig) -> Path:
    """Not under /tmp: gemini ignores a settings file below a world-writable folder as insecure."""
    if config.state_dir is None:
        return paths.state_dir()
    return paths.private_folder(config.state_dir)


def child_args(config: EngineConfig, acp_flag: str) -> list[str]:
    """gemini gets its ACP flag (which depends on its version); other agents the arguments of their profile."""
    agent = config.agent
    args = [*config.gemini.args, *agent.args, *([acp_flag] if agent.acp_flag_by_version and acp_flag else [])]
    if config.model and agent.model_flag:
        args += [agent.model_flag, config.model]
    return [*args, *config.extra_args]


@functools.cache
def compile_cache_folder() -> str | None:
    """Our private folder for Node's compile cache, made at the first agent start; None when it cannot be made
    (a read-only disk): said once, and agents start as before, without the cache."""
    try:
        return str(paths.private_folder(paths.cache_dir() / COMPILE_CACHE_FOLDER))
    except OSError as exc:
        log.warning("cannot create Node's compile cache folder (%s): agents start without it", exc)
        return None


def child_env(config: EngineConfig, api_key_in_env: bool) -> dict[str, str]:
    """The child's environment; the API key goes in only for a gemini that cannot take it over ACP. The
    settings overlay and the no-relaunch switch are gemini-cli's own.

    Every agent gets Node's compile cache (unless the user's environment set it, or turned it off): Node 22.1+
    then reuses the bytecode of the modules it compiled at an earlier start instead of compiling them again
    (~0.5 s of a gemini-cli 0.61 start): an agent starts with ~25% less CPU. Older Node ignores the variable."""
    env = dict(os.environ)
    env.update(config.agent.env)
    env.update(config.env)
    if env.keys().isdisjoint(COMPILE_CACHE_SWITCHES):
        folder = compile_cache_folder()
        if folder is not None:
            env["NODE_COMPILE_CACHE"] = folder
    if config.agent.sandbox_flag_as_root and hasattr(os, "geteuid") and os.geteuid() == 0:
        env["IS_SANDBOX"] = "1"  # it accepts "1" only (not "yes")
    if not config.agent.is_gemini:
        return env
    if config.sign_in is not None:
        env.update(config.sign_in.child_env())
    if api_key_in_env and config.api_key:
        env["GEMINI_API_KEY"] = config.api_key
    env["GEMINI_CLI_NO_RELAUNCH"] = "true"
    if "GEMINI_CLI_SYSTEM_DEFAULTS_PATH" not in env:
        try:
            defaults = state_dir(config) / "system-defaults.json"
            if not defaults.exists():
                paths.write_private_text(defaults, RETENTION_OFF)
        except OSError as exc:  # a read-only profile: gemini still runs, with its own defaults
            log.warning("cannot write gemini's settings overlay (%s): session retention stays on and may "
                        "delete resumed conversations", exc)
            return env
        if paths.in_world_writable_folder(defaults):
            log.warning("gemini will ignore %s (a folder above it is world-writable): session retention "
                        "stays on and may delete resumed conversations", defaults)
        env["GEMINI_CLI_SYSTEM_DEFAULTS_PATH"] = str(defaults)
    return env
