"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for agents that speak that API (Qwen Code
with `--auth-type openai`): streamed answers as `chat.completion.chunk` SSE events ending in `data: [DONE]`.

With nothing queued it echoes the last user text, and every request is recorded, so a test can prove that
turn 2 went out with turn 1's context.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_MODEL = "fake-coder"


@dataclass
class Reply:
    text: str
    hold: bool = False  # wait after the first piece until release() (or the client goes away)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


@dataclass(frozen=True)
class ChatRequest:
    body: dict[str, Any]
    authorization: str = ""  # the Authorization header: which key the agent was given

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    def texts(self) -> list[str]:
        return [_text_of(message.get("content")) for message in self.body.get("messages", [])]

    def last_user_text(self) -> str:
        users = [m for m in self.body.get("messages", []) if m.get("role") == "user"]
        return _text_of(users[-1].get("content")) if users else ""


class FakeOpenAI:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[ChatRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for reply in self.replies:
            reply.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def reply(self, text: str, *, hold: bool = False) -> Reply:
        reply = Reply(text, hold)
        with self._lock:
            self.replies.append(reply)
        return reply

    def record(self, request: ChatRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if request.stream and self.replies:
                return self.replies.popleft()
        return Reply(f"echo: {request.last_user_text()}")

    def stream_requests(self) -> list[ChatRequest]:
        with self._lock:
            return [request for request in self.requests if request.stream]

    def wait_for_stream_requests(self, count: int, timeout: float = 30.0) -> list[ChatRequest]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.stream_requests()
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} streamed requests, got {len(self.stream_requests())}")


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": DEFAULT_MODEL, "object": "model", "owned_by": "t"}]})
        else:
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        if not self.path.rstrip("/").endswith("/chat/completions") or not isinstance(body, dict):
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        request = ChatRequest(body, self.headers.get("Authorization") or "")
        reply = self.fake.record(request)
        model = str(body.get("model") or DEFAULT_MODEL)
        if not request.stream:
            self._json(200, {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                             "model": model, "choices": [{"index": 0, "finish_reason": "stop", "message": {
                                 "role": "assistant", "content": reply.text}}],
                             "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}})
            return
        self._stream(reply, model)

    def _stream(self, reply: Reply, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        words = reply.text.split(" ")
        pieces = [word + (" " if index < len(words) - 1 else "") for index, word in enumerate(words)]
        try:
            for index, piece in enumerate(pieces):
                delta = {"role": "assistant", "content": piece} if index == 0 else {"content": piece}
                self._event(self._chunk(model, delta, None))
                if index == 0 and reply.hold:
                    reply.released.wait(60)
            self._event(self._chunk(model, {}, "stop"))
            self._event({**self._chunk(model, {}, None), "choices": [],
                         "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except OSError:  # the agent hung up (a cancelled turn)
            return

    @staticmethod
    def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()
