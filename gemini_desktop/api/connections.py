"""The local API's connection bounds: a cap on open connections enforced at accept, and a deadline for each
request head.

uvicorn (0.55, h11) arms no timer before a request's head is complete (its keep-alive timer covers only the wait
for the first byte of a following request), and its `limit_concurrency` answers 503 only once a whole head has
arrived: a local client that sends half a header holds an open file of the app's for ever, and a few thousand of
them exhaust a desktop's 1,024 open files (history, logs and the children's pipes then fail). Refusing in the
protocol is too late as well: asyncio accepts a whole backlog (100 sockets) per wake-up before any protocol
runs, and once accept() fails with EMFILE it logs a traceback per attempt and keeps retrying.

So the listening sockets are `GatedListener`s: their accept() (called by asyncio's own accept loop) closes a
connection beyond `max_connections` at once, with a 503 when it can, before any protocol or transport exists;
at the cap, the oldest connection that has waited for its head longer than `slow_head` makes room instead (a
real client sends its head within milliseconds). Out of files, one spare descriptor is released to accept and
close the newcomer, so the backlog drains and nothing spins. Every connection has `head_timeout` seconds to
complete its head, counted from the connection (never reset by a trickle of bytes). Refusals and closings are
logged as one summary line per interval, so a flood cannot flood the log either.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

REFUSAL = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
           b"content-length: 36\r\nconnection: close\r\n\r\nToo many connections; try again soon.")
OUT_OF_FILES = (errno.EMFILE, errno.ENFILE)
REFUSALS_PER_WAKE_UP = 256  # then back to the loop, so a flood of connections cannot starve it
SUMMARY_INTERVAL = 10.0


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = 64
    head_timeout: float = 5.0  # seconds from the connection (or the end of the previous answer) to a whole head
    slow_head: float = 1.0  # at the cap, a connection still without its head after this long gives way


class ConnectionGate:
    """One server's open connections, counted from accept() to the socket's close, and what was turned away."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self.waiting: set[BoundedH11Protocol] = set()  # connections with a protocol, whose head has not come
        self._admitted: set[socket.socket] = set()
        self._spare: int | None = os.open(os.devnull, os.O_RDONLY)
        self._turned_away = {"refused": 0, "closed without a whole request head": 0}
        self._summary_at = 0.0

    def admit(self, connection: socket.socket) -> bool:
        """True when `connection` may be served; otherwise it has been answered 503 and closed."""
        self._admitted = {sock for sock in self._admitted if sock.fileno() != -1}  # closed by their transports
        if len(self._admitted) < self.limits.max_connections or self._evict_slowest():
            self._admitted.add(connection)
            return True
        refuse(connection)
        self.count("refused")
        return False

    def shed(self, listener: socket.socket) -> None:
        """Out of files: give back the spare descriptor for as long as it takes to accept and close one."""
        if self._spare is None:
            return
        os.close(self._spare)
        try:
            connection, _address = socket.socket.accept(listener)
            connection.close()
            self.count("refused")
        except OSError:
            log.debug("local API: out of files, and the spare did not accept a connection either")
        finally:
            self._spare = os.open(os.devnull, os.O_RDONLY)

    def _evict_slowest(self) -> bool:
        """Close the connection that has waited longest for its head, if it is slow; True when one was."""
        now = time.monotonic()
        slow = [c for c in self.waiting if c.head_since is not None and now - c.head_since >= self.limits.slow_head]
        if not slow:
            return False
        min(slow, key=lambda c: c.head_since or now).drop()
        return True

    def count(self, event: str) -> None:
        self._turned_away[event] += 1
        if time.monotonic() - self._summary_at >= SUMMARY_INTERVAL:
            self._summarize()

    def _summarize(self) -> None:
        if any(self._turned_away.values()):
            log.warning("local API at its bounds (%d connections at most): %s", self.limits.max_connections,
                        ", ".join(f"{n} {event}" for event, n in self._turned_away.items()))
        self._turned_away = dict.fromkeys(self._turned_away, 0)
        self._summary_at = time.monotonic()

    def close(self) -> None:
        self._summarize()
        if self._spare is not None:
            os.close(self._spare)
            self._spare = None


def refuse(connection: socket.socket) -> None:
    """Answer 503 and close, without waiting: what the client already sent is read first, so that closing
    with unread data does not reset the connection before the answer is read."""
    with contextlib.suppress(OSError):
        connection.setblocking(False)
        connection.recv(65536)
    with contextlib.suppress(OSError):
        connection.send(REFUSAL)
    connection.close()


class GatedListener(socket.socket):
    """A listening socket whose accept() hands asyncio only the connections its gate admits."""

    gate: ConnectionGate | None = None

    def accept(self) -> tuple[socket.socket, Any]:
        gate = self.gate
        assert gate is not None, "a GatedListener is given its gate before it listens"
        for _ in range(REFUSALS_PER_WAKE_UP):
            try:
                connection, address = super().accept()
            except OSError as failure:
                if failure.errno not in OUT_OF_FILES:
                    raise
                gate.shed(self)
                continue
            if gate.admit(connection):
                return connection, address
        raise BlockingIOError(errno.EAGAIN, "more connections wait; accepted on the next wake-up")


def bounded_protocol(gate: ConnectionGate) -> type[H11Protocol]:
    """uvicorn's h11 protocol under `gate` (a class per server: uvicorn builds the protocol itself)."""
    return type("BoundedH11Protocol", (BoundedH11Protocol,), {"gate": gate})


class BoundedH11Protocol(H11Protocol):
    gate: ConnectionGate

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_since: float | None = None  # when the wait for the current request head began
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def _await_head(self) -> None:
        if self._head_deadline is None:
            self.head_since = time.monotonic()
            self._head_deadline = self.loop.call_later(self.gate.limits.head_timeout, self.drop)
            self.gate.waiting.add(self)

    def _head_done(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
        self._head_deadline, self.head_since = None, None
        self.gate.waiting.discard(self)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self._await_head()  # part of a head (of the first request or of a kept-alive one's next)
        else:
            self._head_done()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # arms uvicorn's keep-alive timer for the first byte of the next request
        self._head_done()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_done()
        super().connection_lost(exc)

    def drop(self) -> None:
        """Close a connection that has not sent a whole request head (nothing was answered on it): at its
        deadline, or to make room at the cap."""
        self._head_done()
        if not self.transport.is_closing():
            self.gate.count("closed without a whole request head")
            self.transport.close()
        self.connections.discard(self)
