"""The local API inside the running app: on or off and on which port, as the settings say (off by default).

The app layer owns one and calls `apply()` whenever the settings were saved; the window only reads `address`
(it never imports this package).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from gemini_desktop.api.server import ApiServer
from gemini_desktop.conversation.open_conversations import OpenConversations

log = logging.getLogger(__name__)


class LocalApiSwitch(QObject):
    changed = Signal(str)  # the address it listens on, "" when off

    def __init__(self, conversations: OpenConversations, enabled: Callable[[], bool], port: Callable[[], int],
                 token: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._conversations = conversations
        self._enabled = enabled
        self._port = port
        self._token = token
        self._server: ApiServer | None = None
        self.problem = ""  # why it is not listening although enabled (the port is taken...)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self._server.port}" if self._server is not None else ""

    async def apply(self) -> str:
        """Start, stop or move the server to match the settings; returns the address ("" when off)."""
        wanted = self._port() if self._enabled() else None
        if self._server is not None and wanted != self._server.port:
            await self.stop()
        if wanted is not None and self._server is None:
            server = ApiServer(self._conversations, self._token, wanted)
            try:
                await server.start()
            except OSError as failure:
                self.problem = str(failure)
                log.warning("local API not started on port %s: %s", wanted, failure)
            else:
                self._server, self.problem = server, ""
        self.changed.emit(self.address)
        return self.address

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()
            self.changed.emit("")
