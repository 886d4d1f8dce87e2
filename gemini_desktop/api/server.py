"""The local API's HTTP server: uvicorn as a task on the app's (qasync) loop, listening on loopback only.

The sockets are bound here, to 127.0.0.1 and ::1 on one port, so nothing but this machine can connect whatever
uvicorn's defaults are; connections are bounded in time and number (connections.py). uvicorn logs through the
app's logging (redacted); its access log is off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable

import uvicorn

from gemini_desktop.api.connections import ConnectionGate, ConnectionLimits, GatedListener, bounded_protocol
from gemini_desktop.api.routes import build_app
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.settings import DEFAULT_API_PORT

log = logging.getLogger(__name__)


def loopback_sockets(port: int, gate: ConnectionGate) -> list[socket.socket]:
    """Listening sockets on 127.0.0.1 and (where the machine has IPv6) ::1, on the same port, both admitting
    connections through `gate`; port 0 picks a free one. OSError when the port is taken."""
    ipv4 = GatedListener(socket.AF_INET, socket.SOCK_STREAM)
    ipv4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        ipv4.bind(("127.0.0.1", port))
    except OSError:
        ipv4.close()
        raise
    sockets = [ipv4]
    port = ipv4.getsockname()[1]
    if socket.has_ipv6:
        ipv6 = GatedListener(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            ipv6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            ipv6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ipv6.bind(("::1", port))
            sockets.append(ipv6)
        except OSError as failure:  # no IPv6 loopback here: 127.0.0.1 alone
            log.info("local API not on ::1: %s", failure)
            ipv6.close()
    for listener in sockets:
        listener.gate = gate
        listener.listen(128)
        listener.setblocking(False)
    return sockets


class ApiServer:
    """Start and stop the local API; `port` is the one it really listens on (useful with port 0)."""

    def __init__(self, conversations: OpenConversations, token: Callable[[], str],
                 port: int = DEFAULT_API_PORT, limits: ConnectionLimits | None = None) -> None:
        self._conversations = conversations
        self._limits = limits or ConnectionLimits()
        self._token = token
        self._requested_port = port
        self._sockets: list[socket.socket] = []
        self._gate: ConnectionGate | None = None
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> int:
        """Listen now (OSError when the port is taken); requests are served by a task on the running loop."""
        self._gate = ConnectionGate(self._limits)
        try:
            self._sockets = loopback_sockets(self._requested_port, self._gate)
        except OSError:
            self._gate.close()
            raise
        self.port = self._sockets[0].getsockname()[1]
        config = uvicorn.Config(build_app(self._conversations, self._token), log_config=None, access_log=False,
                                lifespan="off", timeout_graceful_shutdown=2, server_header=False,
                                http=bounded_protocol(self._gate), timeout_keep_alive=5)
        self._server = uvicorn.Server(config)
        self._task = asyncio.ensure_future(self._server.serve(sockets=self._sockets))
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()  # uvicorn failed to start: its error, here
        log.info("local API listening on 127.0.0.1:%s%s", self.port, " and [::1]" if len(self._sockets) > 1 else "")
        return self.port

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.shield(self._task), 5)
            if not self._task.done():
                self._task.cancel()
        for listener in self._sockets:
            listener.close()
        if self._gate is not None:
            self._gate.close()
        self._sockets, self._gate, self._server, self._task = [], None, None, None
        log.info("local API stopped")
