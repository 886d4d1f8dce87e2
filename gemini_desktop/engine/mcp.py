"""MCP servers and gemini: the app's own list as ACP `mcpServers`, and the servers gemini loads by itself.

gemini merges the `mcpServers` of `session/new` and `session/load` into its settings for that session; on top
of those it loads the servers of the user's (`~/.gemini/settings.json` under its home) and the project's
(`.gemini/settings.json`) settings. The latter are read here only to show them: the app never changes them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from acp import schema

from gemini_desktop.mcp_config import McpServerConfig, McpTransport

log = logging.getLogger(__name__)

# gemini's settings files may carry // and /* */ comments; a string keeps what looks like one.
_JSON_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.DOTALL)


class SettingsSource(StrEnum):
    USER = "user"
    PROJECT = "project"


@dataclass(frozen=True)
class GeminiMcpServer:
    """A server gemini loads from its own settings: shown read-only, with where it comes from."""

    source: SettingsSource
    settings_path: Path
    config: McpServerConfig


@dataclass(frozen=True)
class GeminiMcpServers:
    servers: tuple[GeminiMcpServer, ...]
    problems: tuple[str, ...]  # settings files that could not be read, in words for the user


def acp_mcp_servers(configs: Iterable[McpServerConfig]) -> list[Any]:
    """The enabled, usable servers in the shape `session/new` and `session/load` take."""
    converted: list[Any] = []
    for config in configs:
        if not config.enabled:
            continue
        if config.problems():
            log.warning("MCP server %r left out: %s", config.name, " ".join(config.problems()))
            continue
        if config.transport == McpTransport.STDIO:
            converted.append(schema.McpServerStdio(
                name=config.name, command=config.command, args=list(config.args),
                env=[schema.EnvVariable(name=name, value=value) for name, value in config.env]))
        else:
            server_type = schema.HttpMcpServer if config.transport == McpTransport.HTTP else schema.SseMcpServer
            converted.append(server_type(
                type=str(config.transport), name=config.name, url=config.url,
                headers=[schema.HttpHeader(name=name, value=value) for name, value in config.headers]))
    return converted


def gemini_mcp_servers(cli_home: Path, cwd: Path) -> GeminiMcpServers:
    """The servers of the user's and the project's gemini settings. A missing file has none; a damaged file or
    entry is named in `problems` and skipped, never raised."""
    servers: list[GeminiMcpServer] = []
    problems: list[str] = []
    for source, path in ((SettingsSource.USER, cli_home / ".gemini" / "settings.json"),
                         (SettingsSource.PROJECT, cwd / ".gemini" / "settings.json")):
        settings = _read_settings(path, problems)
        if settings is None:
            continue
        excluded = _excluded_names(settings)
        entries = settings.get("mcpServers")
        if entries is None:
            continue
        if not isinstance(entries, dict):
            problems.append(f"{path}: \"mcpServers\" is not an object.")
            continue
        for name, entry in entries.items():
            config = _server_from_settings(str(name), entry, enabled=name not in excluded)
            if config is None:
                problems.append(f"{path}: the MCP server {name!r} has neither a command nor a URL.")
            else:
                servers.append(GeminiMcpServer(source, path, config))
    return GeminiMcpServers(tuple(servers), tuple(problems))


def _read_settings(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror or exc}).")
        return None
    try:
        settings = json.loads(_JSON_COMMENT.sub(lambda m: m.group(1) or "", text) or "{}")
    except ValueError as exc:
        problems.append(f"{path}: not valid JSON ({exc}).")
        return None
    if not isinstance(settings, dict):
        problems.append(f"{path}: not a JSON object.")
        return None
    return settings


def _excluded_names(settings: Mapping[str, Any]) -> set[str]:
    mcp = settings.get("mcp")
    excluded = mcp.get("excluded") if isinstance(mcp, dict) else None
    return {str(name) for name in excluded} if isinstance(excluded, list) else set()


def _pairs(raw: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in raw.items()) if isinstance(raw, dict) else ()


def _server_from_settings(name: str, entry: Any, *, enabled: bool) -> McpServerConfig | None:
    """gemini's entry shape: `command`/`args`/`env` (stdio), `httpUrl` (streamable http) or `url` (sse, unless
    `type` says http), with `headers`."""
    if not isinstance(entry, dict):
        return None
    if isinstance(entry.get("command"), str) and entry["command"]:
        args = entry.get("args")
        return McpServerConfig(name, McpTransport.STDIO, command=entry["command"],
                               args=tuple(str(a) for a in args) if isinstance(args, list) else (),
                               env=_pairs(entry.get("env")), enabled=enabled)
    if isinstance(entry.get("httpUrl"), str) and entry["httpUrl"]:
        return McpServerConfig(name, McpTransport.HTTP, url=entry["httpUrl"], headers=_pairs(entry.get("headers")),
                               enabled=enabled)
    if isinstance(entry.get("url"), str) and entry["url"]:
        transport = McpTransport.HTTP if entry.get("type") == "http" else McpTransport.SSE
        return McpServerConfig(name, transport, url=entry["url"], headers=_pairs(entry.get("headers")),
                               enabled=enabled)
    return None
