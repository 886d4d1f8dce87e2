"""A scripted Anthropic Messages API on 127.0.0.1, for Claude Code (claude-code-acp with `ANTHROPIC_BASE_URL`):
streamed answers as the Messages SSE events (message_start … message_stop), tool calls as `tool_use` blocks.

Only the agent's main requests (the ones that offer tools) take the queued replies; Claude Code's side requests
(titles, quota checks) get a short answer. With nothing queued the main loop is answered with an echo of the
last user text, and every request is recorded, so a test can prove what the history sent with turn 3 held.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.support.scripted_http import JsonHandler, ScriptedServer

DEFAULT_MODEL = "claude-sonnet-4-5"
_ids = itertools.count(1)


@dataclass
class Reply:
    """One answer: text (streamed a word at a time), then optionally one tool call."""

    text: str
    tool: str = ""  # a tool name as Claude Code names it ("Write"); matched against the offered tools
    tool_input: dict[str, Any] = field(default_factory=dict)
    hold: bool = False  # wait after the first piece until release() (or the agent hangs up)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


def _text_of(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    found: list[str] = []
    for block in content if isinstance(content, list) else []:
        if isinstance(block, dict) and block.get("type") == "text":
            found.append(str(block.get("text", "")))
        elif isinstance(block, dict) and block.get("type") == "tool_result":
            found.extend(_text_of(block.get("content")))
    return found


@dataclass(frozen=True)
class MessagesRequest:
    body: dict[str, Any]

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def main(self) -> bool:
        """The agent's own loop offers its tools; title and quota requests do not."""
        return bool(self.body.get("tools"))

    def tool_names(self) -> list[str]:
        return [str(tool.get("name")) for tool in self.body.get("tools", []) if isinstance(tool, dict)]

    def texts(self) -> list[str]:
        """Every text of the conversation sent, in order (tool results included)."""
        return [text for message in self.body.get("messages", []) for text in _text_of(message.get("content"))]

    def last_user_text(self) -> str:
        users = [m for m in self.body.get("messages", []) if m.get("role") == "user"]
        texts = _text_of(users[-1].get("content")) if users else []
        said = [text for text in texts if not text.lstrip().startswith("<system-reminder>")]
        return said[-1].strip() if said else ""

    def tool_results(self) -> list[dict[str, Any]]:
        return [block for message in self.body.get("messages", []) if isinstance(message.get("content"), list)
                for block in message["content"] if isinstance(block, dict) and block.get("type") == "tool_result"]


class FakeAnthropic(ScriptedServer[Reply, MessagesRequest]):
    @property
    def base_url(self) -> str:
        return self.address

    def __enter__(self) -> FakeAnthropic:
        super().__enter__()
        return self

    def reply(self, text: str, *, tool: str = "", tool_input: dict[str, Any] | None = None,
              hold: bool = False) -> Reply:
        return self.queue(Reply(text, tool, dict(tool_input or {}), hold))

    def record(self, request: MessagesRequest) -> Reply:
        scripted = self.take(request, request.main)
        if scripted is not None:
            return scripted
        return Reply(f"echo: {request.last_user_text()}" if request.main else "Fake title")

    def main_requests(self) -> list[MessagesRequest]:
        return self.matching(lambda request: request.main)

    def wait_for_main_requests(self, count: int, timeout: float = 30.0) -> list[MessagesRequest]:
        return self.wait_for(lambda request: request.main, count, timeout)


def _usage(output: int = 7) -> dict[str, int]:
    return {"input_tokens": 12, "output_tokens": output, "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0}


def _tool_name(reply: Reply, offered: list[str]) -> str:
    """Claude Code may offer a tool under its own MCP prefix (mcp__acp__Write): use the name it offered."""
    return next((name for name in offered if name == reply.tool or name.endswith(f"__{reply.tool}")), reply.tool)


class _Handler(JsonHandler):
    fake: FakeAnthropic

    def do_POST(self) -> None:
        body = self.read_json()
        path = self.path.split("?", 1)[0].rstrip("/")
        if path.endswith("/v1/messages/count_tokens"):
            self.send_json(200, {"input_tokens": 12})
            return
        if not path.endswith("/v1/messages") or not isinstance(body, dict):
            self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "not found"}})
            return
        request = MessagesRequest(body)
        reply = self.fake.record(request)
        model = str(body.get("model") or DEFAULT_MODEL)
        message_id = f"msg_fake_{next(_ids)}"
        tool = _tool_name(reply, request.tool_names()) if reply.tool else ""
        if not request.stream:
            content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}]
            if tool:
                content.append({"type": "tool_use", "id": f"toolu_fake_{next(_ids)}", "name": tool,
                                "input": reply.tool_input})
            self.send_json(200, {"id": message_id, "type": "message", "role": "assistant", "model": model,
                                 "content": content, "stop_reason": "tool_use" if tool else "end_turn",
                                 "stop_sequence": None, "usage": _usage()})
            return
        self._stream(reply, tool, model, message_id)

    def _stream(self, reply: Reply, tool: str, model: str, message_id: str) -> None:
        self.start_events()
        words = reply.text.split(" ")
        pieces = [word + (" " if index < len(words) - 1 else "") for index, word in enumerate(words)]
        try:
            self._send("message_start", message={"id": message_id, "type": "message", "role": "assistant",
                                                 "model": model, "content": [], "stop_reason": None,
                                                 "stop_sequence": None, "usage": _usage(1)})
            self._send("content_block_start", index=0, content_block={"type": "text", "text": ""})
            for index, piece in enumerate(pieces):
                self._send("content_block_delta", index=0, delta={"type": "text_delta", "text": piece})
                if index == 0 and reply.hold:
                    reply.released.wait(60)
            self._send("content_block_stop", index=0)
            if tool:
                self._send("content_block_start", index=1, content_block={
                    "type": "tool_use", "id": f"toolu_fake_{next(_ids)}", "name": tool, "input": {}})
                self._send("content_block_delta", index=1, delta={
                    "type": "input_json_delta", "partial_json": json.dumps(reply.tool_input)})
                self._send("content_block_stop", index=1)
            self._send("message_delta", delta={"stop_reason": "tool_use" if tool else "end_turn",
                                               "stop_sequence": None}, usage={"output_tokens": 7})
            self._send("message_stop")
        except OSError:  # the agent hung up (a cancelled turn)
            return

    def _send(self, kind: str, **fields: Any) -> None:
        self.send_event({"type": kind, **fields}, kind)


FakeAnthropic.handler = _Handler
