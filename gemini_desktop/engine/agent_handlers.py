"""What the agent sends the client: session updates (turned into events, the todo list read back from gemini's
session file) and permission requests. A mixin of GeminiSessionClient (it uses the client's turn and tools).
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from acp import schema

from gemini_desktop.engine import cli_sessions, todos, translate
from gemini_desktop.engine.events import MessageChunk, PermissionRequest, SessionEvent, ThoughtChunk, ToolCall
from gemini_desktop.engine.mcp import acp_mcp_servers
from gemini_desktop.engine.permissions import permission_response

log = logging.getLogger(__name__)

PLAN_READ_ATTEMPTS = 20
PLAN_READ_INTERVAL = 0.1


class AgentHandlers:
    """The callbacks the ACP connection calls, and what the client tells the agent it can do."""

    _config: Any

    def _on_session_update(self, session_id: str, update: Any) -> None:
        if session_id != self._session_id:
            log.debug("update for another session %s ignored", session_id)
            return
        for event in self._offer.events(update, self._tools):
            self._on_event(session_id, event)

    def _on_event(self, session_id: str, event: SessionEvent) -> None:
        if self._replay is not None and isinstance(event, MessageChunk):
            self._replay.append((event.role, event.text))
            self._replay_last = time.monotonic()
            return
        if self._aftermath.late(event):  # the text of a cancelled turn must not open the next answer
            return
        turn = self._current
        if turn is not None and isinstance(event, MessageChunk) and event.role == "assistant":
            turn.chunks.append(event.text)
        elif turn is not None and isinstance(event, ThoughtChunk):
            turn.thoughts.append(event.text)
        elif isinstance(event, ToolCall):
            self._files.observe(event)
            if todos.may_be_todos(event):
                self._plans_asked += 1
                self._tasks.spawn(self._read_plan(session_id, event.tool_call_id, self._plans_asked))
        self.event.emit(event)

    async def _read_plan(self, session_id: str, tool_call_id: str, number: int) -> None:
        """gemini's todo list, from its session file: it records the call just after telling us it completed.
        Reads may finish out of order: a plan older than one already shown is dropped."""
        home = cli_sessions.cli_home(self._child_env(), Path.home())
        for _ in range(PLAN_READ_ATTEMPTS):
            files = await asyncio.to_thread(cli_sessions.session_files, home, session_id)
            plan = await asyncio.to_thread(todos.plan_from_session_files, files, tool_call_id)
            if plan is not None:
                if session_id == self._session_id and number > self._plans_shown:
                    self._plans_shown = number
                    self.event.emit(plan)
                return
            await asyncio.sleep(PLAN_READ_INTERVAL)
        log.warning("the todo list of tool call %s was not found in gemini's session file", tool_call_id)

    async def _on_permission(self, session_id: str, tool_call: Any,
                             options: list[Any]) -> schema.RequestPermissionResponse:
        request = translate.permission_request(tool_call, options, self._tools)
        self.event.emit(request.tool_call)
        turn = self._current
        chosen = None
        if turn is not None and not turn.cancel_requested.is_set():
            chosen = await self._permissions.ask(self.permission_handler, request, self._config.permission_timeout)
        cancelled = turn is not None and turn.cancel_requested.is_set()
        if chosen is not None and not cancelled:
            self._files_allowed(request, chosen)
        return permission_response(request, chosen, cancelled)

    def _files_allowed(self, request: PermissionRequest, chosen: str) -> None:
        """An approved tool call may use the paths it named, even outside the working folder."""
        if any(o.option_id == chosen and o.kind.startswith("allow") for o in request.options):
            self._files.allow(request.tool_call)

    def _client_capabilities(self) -> schema.ClientCapabilities:
        serve = self._config.serve_files
        reads = serve and not self._config.agent.reads_files_itself  # the undo journal needs the writes only
        return schema.ClientCapabilities(fs=schema.FileSystemCapabilities(read_text_file=reads,
                                                                          write_text_file=serve))

    def _mcp_servers(self) -> list[Any]:
        return acp_mcp_servers(self._config.mcp_servers)
