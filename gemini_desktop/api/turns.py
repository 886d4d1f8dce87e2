"""One message sent through the API, and its answer as a stream of events read from the conversation's model.

The API never talks to the gemini client: it sends through the conversation's controller and follows what the
controller writes into the model (text and thought deltas, tool calls, permission requests) until the controller
says how the turn ended. So the window and the API always show the same turn.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.conversation.model import AnswerText, Change, ModelEvent, Thoughts, ToolCallEntry
from gemini_desktop.conversation.turns import TurnEnd
from gemini_desktop.engine.types import Usage


@dataclass(frozen=True)
class ApiEvent:
    kind: str  # text | thought | tool_call | permission_request | done | error
    data: dict[str, Any]

    @property
    def final(self) -> bool:
        return self.kind in ("done", "error")


def usage_json(usage: Usage | None) -> dict[str, int]:
    usage = usage or Usage()
    return {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
            "total_tokens": usage.total_tokens}


def tool_call_json(entry: ToolCallEntry) -> dict[str, Any]:
    call = entry.call
    return {"tool_call_id": call.tool_call_id, "title": call.title, "kind": call.kind, "status": str(call.status),
            "paths": list(call.paths)}


def permission_json(entry: ToolCallEntry) -> dict[str, Any]:
    options = entry.request.options if entry.request is not None else ()
    return {**tool_call_json(entry),
            "options": [{"option_id": o.option_id, "name": o.name, "kind": o.kind} for o in options]}


def end_event(end: TurnEnd) -> ApiEvent:
    if end.state in ("complete", "cancelled"):
        return ApiEvent("done", {"state": end.state, "stop_reason": end.stop_reason or end.state,
                                 "usage": usage_json(end.usage)})
    return ApiEvent("error", {"state": end.state, "message": end.error or f"the answer was {end.state}"})


@dataclass
class TurnFeed:
    """Sends one message and queues its answer's events; `events()` yields them until the final one."""

    controller: ConversationController
    user_key: int | None = None
    answer_key: int | None = None
    text: list[str] = field(default_factory=list)
    _queue: asyncio.Queue[ApiEvent] = field(default_factory=asyncio.Queue)
    _shown: dict[str, tuple[str, bool]] = field(default_factory=dict)
    _early: dict[int, list[int | TurnEnd]] = field(default_factory=dict)
    _ended: bool = False

    def send(self, text: str) -> int:
        """Queue the message (FIFO behind the running turn); returns its key in the model."""
        controller = self.controller
        controller.model.subscribe(self._on_model)
        controller.turn_began.connect(self._on_began)
        controller.turn_ended.connect(self._on_ended)
        self.user_key = controller.submit(text)
        early, self._early = self._early.get(self.user_key, []), {}
        for signal in early:  # what the controller said while submit() ran, before the key was known
            if isinstance(signal, TurnEnd):
                self._on_ended(self.user_key, signal)
            else:
                self._on_began(self.user_key, signal)
        return self.user_key

    def _on_began(self, user_key: int, answer_key: int) -> None:
        if self.user_key is None:
            self._early.setdefault(user_key, []).append(answer_key)
        elif user_key == self.user_key:
            self.answer_key = answer_key

    def _on_ended(self, user_key: int, end: TurnEnd) -> None:
        if self.user_key is None:
            self._early.setdefault(user_key, []).append(end)
        elif user_key == self.user_key and not self._ended:
            self._put(end_event(end))
            self._detach()

    def _on_model(self, event: ModelEvent) -> None:
        if self.answer_key is None or self._ended:
            return
        if event.change == Change.APPENDED:
            entry = event.entries[0]
            if entry.message == self.answer_key and isinstance(entry, AnswerText):
                self.text.append(event.delta)
                self._put(ApiEvent("text", {"text": event.delta}))
            elif entry.message == self.answer_key and isinstance(entry, Thoughts):
                self._put(ApiEvent("thought", {"text": event.delta}))
        elif event.change in (Change.ADDED, Change.CHANGED):
            for entry in event.entries:
                if isinstance(entry, ToolCallEntry):
                    self._show_tool_call(entry)

    def _show_tool_call(self, entry: ToolCallEntry) -> None:
        """A tool call's state and its permission request, each told once per change."""
        seen = (str(entry.call.status), entry.pending)
        if self._shown.get(entry.call.tool_call_id) == seen:
            return
        self._shown[entry.call.tool_call_id] = seen
        self._put(ApiEvent("permission_request", permission_json(entry)) if entry.pending
                  else ApiEvent("tool_call", {**tool_call_json(entry), "decision": decision_of(entry)}))

    def _put(self, event: ApiEvent) -> None:
        self._queue.put_nowait(event)

    def _detach(self) -> None:
        self._ended = True
        self.controller.model.unsubscribe(self._on_model)
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            self.controller.turn_began.disconnect(self._on_began)
            self.controller.turn_ended.disconnect(self._on_ended)

    async def events(self) -> AsyncIterator[ApiEvent]:
        while True:
            event = await self._queue.get()
            yield event
            if event.final:
                return

    async def result(self) -> tuple[str, ApiEvent]:
        """The whole answer and its final event."""
        async for event in self.events():
            if event.final:
                return "".join(self.text), event
        raise AssertionError("unreachable: events() ends with a final event")

    def abandon(self) -> None:
        """The client went away: stop following (the turn goes on; the history keeps it)."""
        if not self._ended:
            self._detach()


def decision_of(entry: ToolCallEntry) -> str | None:
    if not entry.decided:
        return None
    return entry.decision.option_id if entry.decision is not None else "rejected"
