""""Test" of an MCP server: start it (stdio) or connect to it (http/sse) with the official `mcp` SDK, list its
tools, and say what went wrong otherwise, within a timeout whatever the server does.

The SDK runs on anyio; it gets a loop of its own on a worker thread, so a server that misbehaves never touches
the app's Qt loop. The SDK's stdio client kills the server's process tree when the probe's deadline cancels it,
and the app's loop stops waiting a little after the deadline even if that kill itself got stuck.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass
from typing import IO, Any

from gemini_desktop.mcp_config import McpServerConfig, McpTransport

log = logging.getLogger(__name__)

KILL_GRACE = 5.0  # seconds after the deadline for the SDK to kill a hung server before we stop waiting
STDERR_TAIL_CHARS = 4000


@dataclass(frozen=True)
class McpTool:
    name: str
    description: str = ""


@dataclass(frozen=True)
class ProbeResult:
    """The server's tools, or `error` in words for the user, with the tail of its stderr (stdio servers)."""

    tools: tuple[McpTool, ...] = ()
    error: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


async def probe_mcp_server(config: McpServerConfig, timeout: float = 15.0) -> ProbeResult:
    """Never raises and never takes much longer than `timeout`."""
    problems = config.problems()
    if problems:
        return ProbeResult(error=" ".join(problems))
    try:
        return await asyncio.wait_for(asyncio.to_thread(_probe_on_own_loop, config, timeout), timeout + KILL_GRACE)
    except TimeoutError:
        log.warning("MCP probe of %r: the server could not be stopped in time", config.name)
        return ProbeResult(error=f"The server {config.name!r} did not answer within {timeout:.0f} s.")


def _probe_on_own_loop(config: McpServerConfig, timeout: float) -> ProbeResult:
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errlog:
        try:
            tools, error = asyncio.run(_list_tools(config, timeout, errlog)), ""
        except Exception as exc:  # every failure of a server becomes a message: the probe exists to report them
            tools, error = (), _describe(config, timeout, exc)
        errlog.seek(0)
        stderr = errlog.read()[-STDERR_TAIL_CHARS:].strip()
    if error:
        log.info("MCP probe of %r failed: %s", config.name, error)
    return ProbeResult(tools, error, stderr)


async def _list_tools(config: McpServerConfig, timeout: float, errlog: IO[str]) -> tuple[McpTool, ...]:
    import anyio
    from mcp import Client

    from gemini_desktop import __version__

    with anyio.fail_after(timeout):
        # The initialize handshake, as gemini-cli's own MCP client does it: the probe sees what gemini will see.
        async with Client(_transport(config, errlog), mode="legacy",
                          client_info=_implementation("gemini-desktop", __version__)) as client:
            listed = await client.list_tools()
    return tuple(McpTool(tool.name, tool.description or "") for tool in listed.tools)


def _implementation(name: str, version: str) -> Any:
    from mcp.types import Implementation

    return Implementation(name=name, version=version)


def _transport(config: McpServerConfig, errlog: IO[str]) -> Any:
    if config.transport == McpTransport.STDIO:
        from mcp.client.stdio import StdioServerParameters, stdio_client

        return stdio_client(StdioServerParameters(command=config.command, args=list(config.args),
                                                  env=dict(config.env)), errlog=errlog)
    headers = dict(config.headers)
    if config.transport == McpTransport.SSE:
        from mcp.client.sse import sse_client

        return sse_client(config.url, headers=headers)
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    return streamable_http_client(config.url, http_client=create_mcp_http_client(headers=headers))


def _innermost(error: BaseException) -> BaseException:
    """anyio's task groups wrap the failure that matters in exception groups."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _describe(config: McpServerConfig, timeout: float, error: BaseException) -> str:
    error = _innermost(error)
    where = config.command if config.transport == McpTransport.STDIO else config.url
    if isinstance(error, TimeoutError):
        return f"The server {config.name!r} did not answer within {timeout:.0f} s."
    if isinstance(error, FileNotFoundError):
        return f"The command {where!r} was not found."
    if isinstance(error, PermissionError):
        return f"The command {where!r} cannot be run (permission denied)."
    if isinstance(error, ConnectionError) or type(error).__name__ in ("ConnectError", "ConnectTimeout"):
        return f"Could not connect to {where}: {error or 'the connection was refused'}."
    if isinstance(error, EOFError) or "connection closed" in str(error).lower():
        return f"The server {config.name!r} stopped before it answered."
    if type(error).__name__ == "MCPError":
        return f"The server {config.name!r} answered with an error: {error}"
    return f"The server {config.name!r} could not be used: {type(error).__name__}: {error}"
