"""What the agent may call on us over ACP: session updates, permission requests, and file reads and writes.

Updates and permission requests belong to the session client and go to it. File reads and writes are served here
through FileAccess, off the Qt loop; a refusal is answered as a JSON-RPC error so only that tool call fails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import acp
from acp import schema

from gemini_desktop.engine.file_access import FileAccess, FileRefused

log = logging.getLogger(__name__)

FILE_ERROR_CODE = -32603  # JSON-RPC internal error; gemini-cli 0.61 tells the model only that the write failed


class AgentCallbacks:
    def __init__(self, on_update: Callable[[str, Any], None],
                 on_permission: Callable[[str, Any, list[Any]], Awaitable[schema.RequestPermissionResponse]],
                 files: FileAccess) -> None:
        self.rebind(on_update, on_permission, files)

    def rebind(self, on_update: Callable[[str, Any], None],
               on_permission: Callable[[str, Any, list[Any]], Awaitable[schema.RequestPermissionResponse]],
               files: FileAccess) -> None:
        """Serve another client from now on (its connection was handed over to it)."""
        self._on_update = on_update
        self._on_permission = on_permission
        self._files = files

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        self._on_update(session_id, update)

    async def request_permission(self, session_id: str, tool_call: Any, options: list[Any],
                                 **kwargs: Any) -> schema.RequestPermissionResponse:
        return await self._on_permission(session_id, tool_call, options)

    async def read_text_file(self, session_id: str, path: str, line: int | None = None, limit: int | None = None,
                             **kwargs: Any) -> schema.ReadTextFileResponse:
        try:
            content = await asyncio.to_thread(self._files.read, self._files.check(path), line, limit)
        except FileRefused as exc:
            log.warning("file read refused: %s", exc)
            raise acp.RequestError(FILE_ERROR_CODE, str(exc)) from None
        return schema.ReadTextFileResponse(content=content)

    async def write_text_file(self, session_id: str, path: str, content: str,
                              **kwargs: Any) -> schema.WriteTextFileResponse:
        """The edit's before-image reaches the journal, then the file is replaced atomically (off the loop)."""
        try:
            planned = self._files.plan_write(path)
            await asyncio.to_thread(self._files.write, session_id, planned, content)
        except FileRefused as exc:
            log.warning("file write refused: %s", exc)
            raise acp.RequestError(FILE_ERROR_CODE, str(exc)) from None
        return schema.WriteTextFileResponse()
