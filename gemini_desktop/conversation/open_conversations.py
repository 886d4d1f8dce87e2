"""The open conversations' controllers, by the session manager's key: the one place any view finds them.

A conversation has exactly one controller (the only subscriber to its client, the owner of its permission
futures, the writer of its history). The window and the local API are two views of the same ones: whichever
opens a conversation, the other finds it here (and hears `opened`), so it is never driven twice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.conversation.model import ConversationModel
from gemini_desktop.conversation.turn_snapshots import attach_snapshots
from gemini_desktop.engine.types import TranscriptTurn
from gemini_desktop.store import HistoryStore, StoreError

if TYPE_CHECKING:
    from gemini_desktop.conversation.workspace import Workspace
    from gemini_desktop.engine.session_manager import Conversation

log = logging.getLogger(__name__)


class OpenConversations(QObject):
    opened = Signal(str)  # key
    closed = Signal(str)  # key

    def __init__(self, workspace: Workspace, store: HistoryStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.store = store
        self._controllers: dict[str, ConversationController] = {}
        self._conversations: dict[str, Conversation] = {}

    def get(self, key: str) -> ConversationController | None:
        return self._controllers.get(key)

    def conversation(self, key: str) -> Conversation | None:
        return self._conversations.get(key)

    def open_keys(self) -> list[str]:
        return list(self._controllers)

    def key_of_history(self, history_id: int) -> str | None:
        return next((key for key, controller in self._controllers.items()
                     if controller.store_session_id == history_id), None)

    async def open_new(self, folder: Path | None = None, model: str | None = None,
                       mode: str | None = None, agent: str | None = None) -> str | None:
        """A new conversation with `agent` (None: the default) ready to send; None when the engine is unusable
        or the app is quitting (EngineError when that agent cannot be launched)."""
        conversation = await self.workspace.open_new(folder, on_open=self.adopt, model=model, mode=mode,
                                                     agent=agent)
        return conversation.key if conversation is not None else None

    async def open_seeded(self, transcript: Sequence[TranscriptTurn], folder: Path | None = None,
                          model: str | None = None, agent: str | None = None) -> str | None:
        """A new conversation that starts from an earlier exchange held elsewhere (another tool's history):
        gemini gets it as context on the first message, through the engine's safe resume."""
        manager = await self.workspace.ready()
        if manager is None or self.workspace.closing:
            return None
        workspace = self.workspace
        conversation = await manager.open_existing(
            f"seeded-{uuid.uuid4().hex}", list(transcript), folder or workspace.default_folder,
            model or workspace.model_for(agent), agent=agent or workspace.default_agent)
        self.adopt(conversation)
        return conversation.key

    async def open_history(self, history_id: int) -> str | None:
        """A conversation of the history, continued (an open one is returned as it is); None when it is not
        in the history or gemini is unusable."""
        key = self.key_of_history(history_id)
        if key is not None:
            return key
        try:
            record = self.store.get_session(history_id)
        except StoreError as failure:
            log.error("reading history %s failed: %s", history_id, failure)
            return None
        if record is None:
            return None
        folder = Path(record.cwd) if Path(record.cwd).is_dir() else self.workspace.default_folder
        conversation = await self.workspace.open_suspended(history_id, record.gemini_session_id, [], folder,
                                                           record.agent)
        if conversation is None:
            return None
        key = conversation.key
        if not await self.adopt(conversation).resume(history_id):
            await self.close(key)
            return None
        return key

    def adopt(self, conversation: Conversation, model: ConversationModel | None = None) -> ConversationController:
        """The conversation's one controller: the existing one, else a new one writing into `model` (what the
        opening view already shows) or a model of its own."""
        key = conversation.key
        controller = self._controllers.get(key)
        if controller is None:
            self._conversations[key] = conversation
            controller = self._controllers[key] = ConversationController(conversation.client, self.store, model,
                                                                         parent=self)
            attach_snapshots(controller, self.store, self.workspace.settings)
            self.opened.emit(key)
        return controller

    async def close(self, key: str) -> bool:
        """End its turns (keeping what streamed), stop its child and forget it; it stays in the history."""
        controller = self._controllers.get(key)
        if controller is None:
            return False
        await controller.shutdown()
        await self.forget(key)
        return True

    async def forget(self, key: str) -> None:
        """A conversation whose controller was shut down already: stop its child, and tell every view."""
        controller = self._controllers.pop(key, None)
        self._conversations.pop(key, None)
        await self.workspace.close(key)
        if controller is not None:
            controller.deleteLater()
            self.closed.emit(key)

    async def close_all(self) -> None:
        for key in list(self._controllers):
            await self.close(key)
