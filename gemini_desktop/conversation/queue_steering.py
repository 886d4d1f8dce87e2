"""Steering the messages waiting behind the running turn: edit, remove or move one, "Send now", "Retry".

A mixin of ConversationController: these change the controller's waiting turns and the engine's queue together,
so the two never disagree on what goes out next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gemini_desktop.conversation.model import ConversationModel, UserMessage
from gemini_desktop.conversation.turns import Turn
from gemini_desktop.engine.attachments import Message

if TYPE_CHECKING:
    from gemini_desktop.engine.client import GeminiSessionClient


class QueueSteering:
    """The user's changes to queued messages before they are sent."""

    _client: GeminiSessionClient
    _waiting: list[Turn]
    _current: Turn | None
    model: ConversationModel

    def _queued(self, key: int) -> Turn | None:
        return next((turn for turn in self._waiting if turn.user_key == key and turn.held), None)

    def edit_queued(self, key: int, text: str) -> bool:
        """New text for a message still waiting (its attachments stay); False once it was sent."""
        turn = self._queued(key)
        if turn is None or turn.message is None or turn.turn_id is None or not text.strip():
            return False
        message = Message(text, turn.message.attachments)
        if not self._client.edit_queued(turn.turn_id, message):
            return False
        turn.message, turn.text = message, text
        return self.model.queue.edit(key, text)

    def remove_queued(self, key: int) -> bool:
        """Take back a waiting message: it is never sent nor kept."""
        turn = self._queued(key)
        if turn is None or turn.turn_id is None or not self._client.withdraw(turn.turn_id):
            return False
        self._waiting.remove(turn)
        self.model.queue.take(key)
        return True

    def move_queued(self, key: int, index: int) -> bool:
        """Move a waiting message to `index` among the waiting ones."""
        if self._queued(key) is None or not self.model.queue.move(key, index):
            return False
        rank = {queued: number for number, queued in enumerate(self.model.queue.keys())}
        held = sorted((turn for turn in self._waiting if turn.held), key=lambda turn: rank.get(turn.user_key, 0))
        self._waiting = [turn for turn in self._waiting if not turn.held] + held
        self._client.reorder_queue([turn.turn_id for turn in self._waiting if turn.turn_id is not None])
        return True

    def send_now(self, key: int) -> bool:
        """Stop the running turn (protocol cancel, the rest of the queue stays) and send this message next."""
        if not self.move_queued(key, 0):
            return False
        if self._current is not None:
            self._client.cancel(keep_queue=True)
            self.reject_pending_permissions()
        return True

    def retry(self) -> int | None:
        """Send the last message again, with its attachments when this run sent it; the answer before stays."""
        if self._last_sent is not None:
            return self.submit(self._last_sent)
        last = next((entry for entry in reversed(self.model.entries) if isinstance(entry, UserMessage)), None)
        return self.submit(last.text) if last is not None else None
