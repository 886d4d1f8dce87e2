"""What an MCP server the app hands to gemini looks like: Qt-free, SDK-free, shared by the settings and the engine.

A leaf module so that both the settings (which persist the app's own list) and the engine (which passes it to
every new session and probes a server) can use the same type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class McpTransport(StrEnum):
    STDIO = "stdio"
    HTTP = "http"  # streamable HTTP
    SSE = "sse"


@dataclass(frozen=True)
class McpServerConfig:
    """One MCP server: a command to start (stdio) or a URL to connect to (http/sse).

    `env` and `headers` values are secrets (tokens, keys): they are kept out of the repr, so a log line never
    shows them, and the settings keep them in the keyring.
    """

    name: str
    transport: McpTransport = McpTransport.STDIO
    command: str = ""
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    url: str = ""
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    enabled: bool = True

    def problems(self) -> list[str]:
        """What keeps this server from being used, in words for the user; empty when it is usable."""
        found: list[str] = []
        if not self.name.strip():
            found.append("The server has no name.")
        if self.transport == McpTransport.STDIO and not self.command.strip():
            found.append("A stdio server needs a command to start.")
        if self.transport != McpTransport.STDIO and not self.url.startswith(("http://", "https://")):
            found.append("An http or sse server needs a URL starting with http:// or https://.")
        return found


def parse_pairs(text: str, separator: str) -> tuple[tuple[str, str], ...]:
    """`NAME=value` (env) or `Name: value` (headers) lines; raises ValueError naming the line that is neither."""
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, found, value = line.partition(separator)
        if not found or not name.strip():
            raise ValueError(str(number))
        pairs.append((name.strip(), value.strip()))
    return tuple(pairs)
