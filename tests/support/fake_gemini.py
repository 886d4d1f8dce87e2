"""A scripted stand-in for the Gemini API on 127.0.0.1, so the real gemini-cli runs offline in tests.

Each test queues the replies it wants; every request is recorded so a test can prove what the CLI sent
(for example that turn 2 carried turn 1's context). With nothing queued, a stream request is answered
with an echo of the last user text, which keeps GUI tests and benchmarks short to write.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from tests.support.scripted_http import JsonHandler, serve_in_background

DEFAULT_MODEL = "gemini-2.5-flash"


@dataclass(frozen=True)
class FunctionCall:
    name: str
    args: dict[str, Any]


@dataclass
class Reply:
    """One streamed answer: text pieces and function calls, sent as separate SSE events."""

    parts: list[str | FunctionCall]
    delay: float = 0.0
    status: int = 200
    error_message: str = ""
    error_status: str = "INVALID_ARGUMENT"  # google.rpc status name of an error reply
    error_details: tuple[dict[str, Any], ...] = ()  # google.rpc details (ErrorInfo reason, RetryInfo delay)
    hold_after: int | None = None
    usage: tuple[int, int] = (12, 7)  # promptTokenCount, candidatesTokenCount of the final chunk
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case

    @property
    def is_stream(self) -> bool:
        return ":streamGenerateContent" in self.path

    def texts(self) -> list[str]:
        """All text parts of the conversation in this request, in order."""
        found: list[str] = []
        for content in self.body.get("contents", []):
            for part in content.get("parts", []):
                if isinstance(part.get("text"), str):
                    found.append(part["text"])
        return found

    def last_user_text(self) -> str:
        for content in reversed(self.body.get("contents", [])):
            if content.get("role") != "user":
                continue
            texts = [p["text"] for p in content.get("parts", [])
                     if isinstance(p.get("text"), str) and not p["text"].startswith("<session_context>")]
            if texts:
                return "\n".join(texts)
        return ""

    def function_responses(self) -> list[dict[str, Any]]:
        return [
            part["functionResponse"]
            for content in self.body.get("contents", [])
            for part in content.get("parts", [])
            if "functionResponse" in part
        ]


FAKE_ACCESS_TOKEN = "fake-access-token-from-the-token-exchange"


class FakeGemini:
    """Threaded HTTP server speaking just enough of the Gemini REST API for gemini-cli."""

    def __init__(self) -> None:
        self._replies: deque[Reply] = deque()
        self._lock = threading.Condition()
        self.requests: list[RecordedRequest] = []
        # What a fake Code Assist server answers to loadCodeAssist (gemini's Google login path, CODE_ASSIST_ENDPOINT)
        self.code_assist: dict[str, Any] = {}
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        owner = self

        class Handler(_Handler):
            fake = owner

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        serve_in_background(self._server, "fake-gemini")
        return self.base_url

    def stop(self) -> None:
        with self._lock:
            for reply in self._replies:
                reply.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGemini:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reply(self, *parts: str | FunctionCall, delay: float = 0.0, hold_after: int | None = None,
              usage: tuple[int, int] = (12, 7)) -> Reply:
        """Queue a streamed reply. `hold_after=N` sends N parts, then waits for `release()` (or shutdown);
        `usage` is the (prompt, candidates) token count it reports."""
        reply = Reply(list(parts), delay=delay, hold_after=hold_after, usage=usage)
        with self._lock:
            self._replies.append(reply)
        return reply

    def reply_error(self, status: int, message: str, error_status: str = "INVALID_ARGUMENT",
                    details: tuple[dict[str, Any], ...] = ()) -> Reply:
        """Queue an error answer shaped as Google's APIs send it (code, message, status, details)."""
        reply = Reply([], status=status, error_message=message, error_status=error_status, error_details=details)
        with self._lock:
            self._replies.append(reply)
        return reply

    def next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return Reply([f"Echo: {request.last_user_text()}"])

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)
            self._lock.notify_all()

    def stream_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.is_stream]

    def wait_for_stream_requests(self, count: int, timeout: float = 30.0) -> list[RecordedRequest]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while sum(r.is_stream for r in self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"expected {count} stream requests, got {len(self.stream_requests())}")
                self._lock.wait(remaining)
            return [r for r in self.requests if r.is_stream]


def _chunk(part: str | FunctionCall) -> dict[str, Any]:
    if isinstance(part, FunctionCall):
        payload: dict[str, Any] = {"functionCall": {"name": part.name, "args": part.args}}
    else:
        payload = {"text": part}
    return {"candidates": [{"content": {"role": "model", "parts": [payload]}, "index": 0}]}


def _final_chunk(usage: tuple[int, int]) -> dict[str, Any]:
    prompt, candidates = usage
    return {
        "candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": prompt, "candidatesTokenCount": candidates,
                          "totalTokenCount": prompt + candidates},
    }


class _Handler(JsonHandler):
    fake: FakeGemini

    def _body(self) -> dict[str, Any]:
        body = self.read_json()
        return body if isinstance(body, dict) else {}

    def do_GET(self) -> None:
        self.fake.record(RecordedRequest("GET", self.path, {}))
        self.send_json(200, {"models": [{"name": f"models/{DEFAULT_MODEL}"}]})

    def do_POST(self) -> None:
        request = RecordedRequest("POST", self.path, self._body(),
                                  {name.lower(): value for name, value in self.headers.items()})
        self.fake.record(request)
        if ":countTokens" in self.path:
            self.send_json(200, {"totalTokens": 42})
        elif self.path.endswith("/sts/token"):  # Google's token exchange, for workload-identity credentials
            self.send_json(200, {"access_token": FAKE_ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 3600,
                             "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"})
        elif self.path.startswith("/v1internal:loadCodeAssist"):
            self.send_json(200, self.fake.code_assist)
        elif self.path.startswith("/v1internal:onboardUser"):
            self.send_json(200, {})
        elif ":streamGenerateContent" in self.path:
            self._stream(self.fake.next_reply(request))
        elif ":generateContent" in self.path:
            text = json.dumps({"reasoning": "fake", "next_speaker": "user", "model_choice": "flash"})
            self.send_json(200, {"candidates": [{"content": {"role": "model", "parts": [{"text": text}]},
                                             "finishReason": "STOP", "index": 0}]})
        else:
            self.send_json(404, {"error": {"code": 404, "message": f"fake server has no {self.path}"}})

    def _stream(self, reply: Reply) -> None:
        if reply.status != 200:
            self.send_json(reply.status, {"error": {"code": reply.status, "message": reply.error_message,
                                                "status": reply.error_status,
                                                "details": list(reply.error_details)}})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for index, part in enumerate(reply.parts):
                if reply.hold_after is not None and index == reply.hold_after:
                    reply.released.wait(120)
                self._event(_chunk(part))
                if reply.delay:
                    time.sleep(reply.delay)
            if reply.hold_after is not None and reply.hold_after >= len(reply.parts):
                reply.released.wait(120)
            self._event(_final_chunk(reply.usage))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _event(self, payload: dict[str, Any]) -> None:
        data = f"data: {json.dumps(payload)}\r\n\r\n".encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def main() -> None:
    """Run standalone (for the frozen-app smoke test and manual runs): prints the base URL, serves echoes."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port-file", help="write the base URL to this file once listening")
    args = parser.parse_args()
    fake = FakeGemini()
    url = fake.start()
    print(url, flush=True)
    if args.port_file:
        with open(args.port_file, "w", encoding="utf-8") as handle:
            handle.write(url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
