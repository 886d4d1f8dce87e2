"""The open permission requests of one conversation, and the futures the engine awaits for them.

Views only show a request and report the user's answer (`decide`); nothing here waits on a widget. A request
the engine stops waiting for (a timeout, the session ending) is rejected, and many of those are closed in one
model event, so a view redraws them in one pass.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from gemini_desktop.conversation.model import ConversationModel
from gemini_desktop.engine.events import PermissionOption, PermissionRequest

Decided = Callable[[str, "str | None"], None]
"""Told (tool call id, the engine's answer: an option id, or None for a rejection) after every decision."""


def engine_answer(option: PermissionOption | None) -> str | None:
    """What the engine's permission handler returns: a one-off rejection is None, per the engine's contract."""
    if option is None or option.kind == "reject_once":
        return None
    return option.option_id


class PermissionDesk:
    def __init__(self, model: ConversationModel, on_decided: Decided | None = None) -> None:
        self._model = model
        self._on_decided = on_decided
        self._futures: dict[str, asyncio.Future[str | None]] = {}
        self._withdrawn: list[str] = []

    def ask(self, request: PermissionRequest) -> asyncio.Future[str | None]:
        """Put the request on the model; the future resolves with the user's answer (None: reject). Cancelling
        the future withdraws the request (it is then shown as rejected)."""
        tool_call_id = request.tool_call.tool_call_id
        if tool_call_id in self._futures:
            self._settle([(tool_call_id, None)])
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = asyncio.get_event_loop()
        future: asyncio.Future[str | None] = loop.create_future()
        self._futures[tool_call_id] = future
        self._model.request_permission(request)
        future.add_done_callback(lambda done: self._on_done(tool_call_id, done))
        return future

    def decide(self, tool_call_id: str, option_id: str | None) -> None:
        """The user's answer to an open request (None: reject); anything but an offered option rejects."""
        entry = self._model.tool_call(tool_call_id)
        if entry is None or entry.request is None:
            return
        option = next((o for o in entry.request.options if o.option_id == option_id), None)
        self._settle([(tool_call_id, option)])

    def reject_all(self) -> None:
        self._settle([(tool_call_id, None) for tool_call_id in list(self._futures)])

    @property
    def open_count(self) -> int:
        return len(self._futures)

    def _on_done(self, tool_call_id: str, future: asyncio.Future[str | None]) -> None:
        if self._futures.get(tool_call_id) is not future:
            return
        self._withdrawn.append(tool_call_id)
        if len(self._withdrawn) == 1:
            future.get_loop().call_soon(self._reject_withdrawn)

    def _reject_withdrawn(self) -> None:
        withdrawn, self._withdrawn = self._withdrawn, []
        self._settle([(tool_call_id, None) for tool_call_id in withdrawn])

    def _settle(self, decisions: list[tuple[str, PermissionOption | None]]) -> None:
        decisions = [(tool_call_id, option) for tool_call_id, option in decisions if tool_call_id in self._futures]
        if not decisions:
            return
        self._model.record_decisions(decisions)
        for tool_call_id, option in decisions:
            future = self._futures.pop(tool_call_id)
            answer = engine_answer(option)
            if not future.done():
                future.set_result(answer)
            if self._on_decided is not None:
                self._on_decided(tool_call_id, answer)
