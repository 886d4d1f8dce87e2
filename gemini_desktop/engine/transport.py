"""The ACP SDK's message transport on top of AgentProcess, so the official SDK drives a QProcess child.

It is also the gate between the child and the SDK. The SDK trusts what it receives: a malformed answer kills
its receive loop or raises inside its own tasks, and the request that was waiting for it never ends. So every
message is screened here first: an answer the SDK could not read becomes an error answer to the same request
(`UNREADABLE_ANSWER`), and a request for a method this client did not declare is answered "method not found"
before the SDK sees it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Collection
from typing import Any

from acp import RequestError

from gemini_desktop.engine import translate
from gemini_desktop.engine.process import AgentProcess, ProcessOutcome, UnreadableMessage

log = logging.getLogger(__name__)

UNREADABLE_ANSWER = "gemini sent an answer this app cannot read"
METHOD_NOT_FOUND = -32601
INVALID_REQUEST = -32600
INTERNAL_ERROR = -32603


def is_unreadable(error: RequestError) -> bool:
    """True for the error the transport put in place of an answer that failed screening."""
    return isinstance(error.data, dict) and "unreadable" in error.data


def _error_answer(request_id: int | str, code: int, message: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


def _well_formed_error(error: Any) -> bool:
    return (isinstance(error, dict) and isinstance(error.get("code"), int) and not isinstance(error["code"], bool)
            and isinstance(error.get("message"), str))


class QProcessTransport:
    """`send`/`receive`/`close` as `acp.ClientSideConnection` expects; EOF (None) when the child ends."""

    def __init__(self, process: AgentProcess, client_methods: Collection[str]) -> None:
        self._process = process
        self._client_methods = frozenset(client_methods)
        self._inbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._sent_requests: dict[int | str, str] = {}  # id -> method of our requests still unanswered
        self.last_activity = time.monotonic()
        self.observers: list[Callable[[dict[str, Any]], None]] = []
        process.message_received.connect(self._on_message)
        process.stderr_line.connect(self._on_activity)
        process.finished.connect(self._on_finished)

    async def send(self, message: dict[str, Any]) -> None:
        if not self._write(message):
            raise ConnectionError("the gemini process is not running")
        if "method" in message and message.get("id") is not None:
            self._sent_requests[message["id"]] = message["method"]

    async def receive(self) -> dict[str, Any] | None:
        return await self._inbox.get()

    async def close(self) -> None:
        self._process.close_stdin()

    def _write(self, message: dict[str, Any]) -> bool:
        return self._process.write((json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8"))

    def _on_activity(self, *_: object) -> None:
        self.last_activity = time.monotonic()

    def _on_message(self, message: dict[str, Any] | UnreadableMessage) -> None:
        self._on_activity()
        try:
            screened = self._screen(message)
        except Exception:  # an answer lost here would leave its request waiting for ever
            log.exception("screening a message from gemini failed")
            answer = isinstance(message, dict) and "id" in message and "method" not in message
            screened = self._unreadable_answer(message["id"], "it could not be screened") if answer else None
        if screened is None:
            return
        for observe in self.observers:
            try:
                observe(screened)
            except Exception:
                log.exception("an observer of gemini's messages failed")
        self._inbox.put_nowait(screened)

    def _screen(self, message: dict[str, Any] | UnreadableMessage) -> dict[str, Any] | None:
        """The message as the SDK may see it, or None when it was dealt with (or dropped) here."""
        if isinstance(message, UnreadableMessage):
            if message.method is not None:
                self._refuse(message.request_id, INVALID_REQUEST, "Invalid request", message.reason)
                return None
            return self._unreadable_answer(message.request_id, message.reason)
        method = message.get("method")
        if method is not None:
            if method in self._client_methods:
                return message
            if "id" in message:
                self._refuse(message["id"], METHOD_NOT_FOUND, "Method not found", f"{method} is not supported")
            else:
                log.debug("ignored gemini's notification %s (not supported)", method)
            return None
        if "id" not in message:
            log.warning("ignored a message from gemini that is neither a request nor an answer: %.200r", message)
            return None
        return self._screen_answer(message)

    def _screen_answer(self, message: dict[str, Any]) -> dict[str, Any]:
        request_id = message["id"]
        method = self._sent_requests.pop(request_id, None)
        if "error" in message:
            if _well_formed_error(message["error"]):
                return message
            return self._unreadable_answer(request_id, f"malformed error {message['error']!r:.200}")
        if "result" not in message:
            return self._unreadable_answer(request_id, "neither a result nor an error")
        problem = translate.result_problem(method, message["result"]) if method is not None else None
        if problem is not None:
            return self._unreadable_answer(request_id, f"{method}: {problem}")
        return message

    def _unreadable_answer(self, request_id: int | str, reason: str) -> dict[str, Any]:
        log.warning("gemini's answer to request %r cannot be read: %s", request_id, reason)
        self._sent_requests.pop(request_id, None)
        return _error_answer(request_id, INTERNAL_ERROR, UNREADABLE_ANSWER, {"unreadable": reason})

    def _refuse(self, request_id: int | str, code: int, message: str, details: str) -> None:
        log.info("refused gemini's request %r: %s", request_id, details)
        self._write(_error_answer(request_id, code, message, {"details": details}))

    def _on_finished(self, outcome: ProcessOutcome) -> None:
        self._inbox.put_nowait(None)
