"""The ACP SDK's message transport on top of AgentProcess, so the official SDK drives a QProcess child."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from gemini_desktop.engine.process import AgentProcess, ProcessOutcome

log = logging.getLogger(__name__)


class QProcessTransport:
    """`send`/`receive`/`close` as `acp.ClientSideConnection` expects; EOF (None) when the child ends."""

    def __init__(self, process: AgentProcess) -> None:
        self._process = process
        self._inbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.last_activity = time.monotonic()
        self.observers: list[Callable[[dict[str, Any]], None]] = []
        process.message_received.connect(self._on_message)
        process.stderr_line.connect(self._on_activity)
        process.finished.connect(self._on_finished)

    async def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8")
        if not self._process.write(data):
            raise ConnectionError("the gemini process is not running")

    async def receive(self) -> dict[str, Any] | None:
        return await self._inbox.get()

    async def close(self) -> None:
        self._process.close_stdin()

    def _on_activity(self, *_: object) -> None:
        self.last_activity = time.monotonic()

    def _on_message(self, message: dict[str, Any]) -> None:
        self._on_activity()
        for observe in self.observers:
            observe(message)
        self._inbox.put_nowait(message)

    def _on_finished(self, outcome: ProcessOutcome) -> None:
        self._inbox.put_nowait(None)
