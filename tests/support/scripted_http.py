"""The plumbing the scripted model servers share (tests/support/fake_openai.py, fake_anthropic.py): a threaded
HTTP server on 127.0.0.1 with a queue of scripted replies and a record of every request, and a handler that
reads JSON bodies and writes JSON answers or server-sent events."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Protocol, TypeVar


class Releasable(Protocol):
    def release(self) -> None: ...


R = TypeVar("R", bound=Releasable)
Q = TypeVar("Q")


SHUTDOWN_POLL_S = 0.02


def serve_in_background(server: ThreadingHTTPServer, name: str) -> None:
    """Serve on a daemon thread that notices `shutdown()` within SHUTDOWN_POLL_S: at serve_forever's default of
    0.5 s, stopping a fake server cost every test that used one about 0.4 s."""
    threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL_S,), name=name, daemon=True).start()


class ScriptedServer(Generic[R, Q]):
    """Replies queued by a test, requests recorded as they come; `handler` serves each request."""

    handler: type[BaseHTTPRequestHandler]

    def __init__(self) -> None:
        self.replies: deque[R] = deque()
        self.requests: list[Q] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def address(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ScriptedServer[R, Q]:
        handler = type("Handler", (self.handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        serve_in_background(self._server, type(self).__name__)
        return self

    def __exit__(self, *exc: object) -> None:
        for reply in self.replies:
            reply.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def queue(self, reply: R) -> R:
        with self._lock:
            self.replies.append(reply)
        return reply

    def take(self, request: Q, scripted: bool) -> R | None:
        """Record `request`; the next queued reply if it is one a script answers (else None)."""
        with self._lock:
            self.requests.append(request)
            return self.replies.popleft() if scripted and self.replies else None

    def matching(self, wanted: Callable[[Q], bool]) -> list[Q]:
        with self._lock:
            return [request for request in self.requests if wanted(request)]

    def wait_for(self, wanted: Callable[[Q], bool], count: int, timeout: float = 30.0) -> list[Q]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.matching(wanted)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} matching requests, got {len(self.matching(wanted))}")


class JsonHandler(BaseHTTPRequestHandler):
    """JSON in, JSON or server-sent events out; quiet."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            return json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return None

    def send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def start_events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def send_event(self, payload: dict[str, Any], name: str = "") -> None:
        head = f"event: {name}\n".encode() if name else b""
        self.wfile.write(head + b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()
