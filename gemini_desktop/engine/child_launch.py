"""How the gemini child is launched: its arguments, its environment and the settings overlay it reads.

The overlay turns session retention off because gemini-cli 0.61 deletes resumed conversations with it on
(upstream #27368); it lives in our private state folder, not under /tmp, because gemini ignores a settings file
below a world-writable folder as insecure.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from gemini_desktop import paths
from gemini_desktop.engine.types import EngineConfig

log = logging.getLogger(__name__)

RETENTION_OFF = '{"general": {"sessionRetention": {"enabled": false}}}\n'


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


def child_env(config: EngineConfig, api_key_in_env: bool) -> dict[str, str]:
    """The child's environment; the API key goes in only for a gemini that cannot take it over ACP. The
    settings overlay and the no-relaunch switch are gemini-cli's own."""
    env = dict(os.environ)
    env.update(config.agent.env)
    env.update(config.env)
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
