"""The user's messages waiting behind the running turn, as the model keeps them (Qt-free).

They are not in the transcript yet: they join it when they are sent, so the answer streaming meanwhile is
not split by them, and until then the user may edit, reorder or remove them (the queue panel shows them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gemini_desktop.conversation.model import UserMessage


class MessageQueue:
    """Queued messages in the order they will be sent; observers hear of every change (no details: redraw)."""

    def __init__(self) -> None:
        self._items: list[UserMessage] = []
        self._observers: list[Callable[[], None]] = []

    @property
    def items(self) -> Sequence[UserMessage]:
        return tuple(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def subscribe(self, observer: Callable[[], None]) -> None:
        self._observers.append(observer)

    def unsubscribe(self, observer: Callable[[], None]) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    def _changed(self) -> None:
        for observer in list(self._observers):
            observer()

    def find(self, key: int) -> UserMessage | None:
        return next((item for item in self._items if item.message == key), None)

    def add(self, message: UserMessage) -> None:
        self._items.append(message)
        self._changed()

    def take(self, key: int) -> UserMessage | None:
        """Remove it (sent, or taken back by the user)."""
        found = self.find(key)
        if found is not None:
            self._items.remove(found)
            self._changed()
        return found

    def edit(self, key: int, text: str) -> bool:
        found = self.find(key)
        if found is None:
            return False
        if found.text != text:
            found.text = text
            self._changed()
        return True

    def move(self, key: int, index: int) -> bool:
        """To position `index` (clamped); False when it is not queued."""
        found = self.find(key)
        if found is None:
            return False
        self._items.remove(found)
        self._items.insert(max(0, min(index, len(self._items))), found)
        self._changed()
        return True

    def keys(self) -> list[int]:
        return [item.message for item in self._items]
