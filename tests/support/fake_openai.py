"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1, for agents that speak that API (Qwen Code
with `--auth-type openai`): streamed answers as `chat.completion.chunk` SSE events ending in `data: [DONE]`.

With nothing queued it echoes the last user text, and every request is recorded, so a test can prove that
turn 2 went out with turn 1's context.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.scripted_http import JsonHandler, ScriptedServer

DEFAULT_MODEL = "fake-coder"


@dataclass
class Reply:
    text: str
    hold: bool = False  # wait after the first piece until release() (or the client goes away)
    tool: str | None = None  # after the text, a call of this function with `tool_args`
    tool_args: dict[str, Any] = field(default_factory=dict)
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

    def tool_results(self) -> list[str]:
        """What the agent sent back for the model's function calls (role "tool" messages)."""
        return [_text_of(m.get("content")) for m in self.body.get("messages", []) if m.get("role") == "tool"]

    def last_user_text(self) -> str:
        users = [m for m in self.body.get("messages", []) if m.get("role") == "user"]
        return _text_of(users[-1].get("content")) if users else ""


class FakeOpenAI(ScriptedServer[Reply, ChatRequest]):
    @property
    def base_url(self) -> str:
        return f"{self.address}/v1"

    def __enter__(self) -> FakeOpenAI:
        super().__enter__()
        return self

    def reply(self, text: str, *, hold: bool = False, tool: str | None = None,
              tool_args: dict[str, Any] | None = None) -> Reply:
        return self.queue(Reply(text, hold, tool=tool, tool_args=tool_args or {}))

    def record(self, request: ChatRequest) -> Reply:
        return self.take(request, request.stream) or Reply(f"echo: {request.last_user_text()}")

    def stream_requests(self) -> list[ChatRequest]:
        return self.matching(lambda request: request.stream)

    def wait_for_stream_requests(self, count: int, timeout: float = 30.0) -> list[ChatRequest]:
        return self.wait_for(lambda request: request.stream, count, timeout)


class _Handler(JsonHandler):
    fake: FakeOpenAI

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self.send_json(200, {"object": "list", "data": [{"id": DEFAULT_MODEL, "object": "model",
                                                             "owned_by": "t"}]})
        else:
            self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        body = self.read_json()
        if not self.path.rstrip("/").endswith("/chat/completions") or not isinstance(body, dict):
            self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        request = ChatRequest(body, self.headers.get("Authorization") or "")
        reply = self.fake.record(request)
        model = str(body.get("model") or DEFAULT_MODEL)
        if not request.stream:
            self.send_json(200, {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                                 "model": model, "choices": [{"index": 0, "finish_reason": "stop", "message": {
                                     "role": "assistant", "content": reply.text}}],
                                 "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}})
            return
        self._stream(reply, model)

    def _stream(self, reply: Reply, model: str) -> None:
        self.start_events()
        words = reply.text.split(" ")
        pieces = [word + (" " if index < len(words) - 1 else "") for index, word in enumerate(words)]
        try:
            for index, piece in enumerate(pieces):
                delta = {"role": "assistant", "content": piece} if index == 0 else {"content": piece}
                self.send_event(self._chunk(model, delta, None))
                if index == 0 and reply.hold:
                    reply.released.wait(60)
            if reply.tool is not None:
                call = {"index": 0, "id": "call_fake_1", "type": "function",
                        "function": {"name": reply.tool, "arguments": json.dumps(reply.tool_args)}}
                self.send_event(self._chunk(model, {"tool_calls": [call]}, None))
            self.send_event(self._chunk(model, {}, "stop" if reply.tool is None else "tool_calls"))
            self.send_event({**self._chunk(model, {}, None), "choices": [],
                         "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except OSError:  # the agent hung up (a cancelled turn)
            return

    @staticmethod
    def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


FakeOpenAI.handler = _Handler
