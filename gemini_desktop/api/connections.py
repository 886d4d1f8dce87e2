"""The local API's connection bounds: a deadline for each request head, and a cap on open connections.

uvicorn (0.55, h11) arms no timer before a request's head is complete (its keep-alive timer covers only the wait
for the first byte of a following request), and its `limit_concurrency` answers 503 only once a whole head has
arrived: a local client that sends half a header holds an open file of the app's for ever, and a few thousand of
them exhaust a desktop's 1,024 open files (history, logs and the children's pipes then fail). So every
connection here has `head_timeout` seconds to complete its head, counted from the connection (never reset by a
trickle of bytes), and at most `max_connections` are open: at the cap, the oldest one that has been waiting
for its head longer than `slow_head` makes room (a real client sends its head within milliseconds); when none
has, the newcomer is answered 503 and closed at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

REFUSAL = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
           b"content-length: 36\r\nconnection: close\r\n\r\nToo many connections; try again soon.")


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = 64
    head_timeout: float = 5.0  # seconds from the connection (or the end of the previous answer) to a whole head
    slow_head: float = 1.0  # at the cap, a connection still without its head after this long gives way


def bounded_protocol(limits: ConnectionLimits) -> type[H11Protocol]:
    """uvicorn's h11 protocol under `limits` (a class per server: uvicorn builds the protocol itself)."""
    return type("BoundedH11Protocol", (BoundedH11Protocol,), {"limits": limits})


class BoundedH11Protocol(H11Protocol):
    limits = ConnectionLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_since: float | None = None  # when the wait for the current request head began
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.limits.max_connections and not self._evict_slowest():
            log.warning("local API: %d connections open, one more refused", len(self.connections))
            transport.write(REFUSAL)
            transport.close()
            return
        super().connection_made(transport)
        self._await_head()

    def _evict_slowest(self) -> bool:
        """Close the connection that has waited longest for its head, if it is slow; True when one was."""
        now = time.monotonic()
        waiting = [c for c in self.connections
                   if isinstance(c, BoundedH11Protocol) and c.head_since is not None
                   and now - c.head_since >= self.limits.slow_head]
        if not waiting:
            return False
        slowest = min(waiting, key=lambda c: c.head_since or now)
        slowest.drop("it gave way to a new connection")
        return True

    def _await_head(self) -> None:
        if self._head_deadline is None:
            self.head_since = time.monotonic()
            self._head_deadline = self.loop.call_later(self.limits.head_timeout, self.drop,
                                                       "its request head took too long")

    def _head_done(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
        self._head_deadline, self.head_since = None, None

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
        if self.transport is not None:  # None: refused in connection_made, never counted
            super().connection_lost(exc)

    def drop(self, reason: str) -> None:
        """Close a connection that has not sent a whole request head (nothing was answered on it)."""
        self._head_done()
        if not self.transport.is_closing():
            log.info("local API: a connection closed: %s", reason)
            self.transport.close()
        self.connections.discard(self)
