"""One message the user sent and the answer to it, as the controller follows it, and how such an answer ended."""

from __future__ import annotations

from dataclasses import dataclass, field

from gemini_desktop.engine.attachments import Message
from gemini_desktop.engine.types import Usage
from gemini_desktop.store import RowRef


@dataclass
class Turn:
    """One message the user sent and the answer to it, as far as it got. The answer itself is in the model;
    `chunks` and `thoughts` hold only what streamed since the last checkpoint."""

    user_key: int
    text: str = ""  # what the user wrote (held for a resend when a refused sign-in kept it from gemini)
    turn_id: int | None = None
    assistant_key: int | None = None
    assistant_row: RowRef | None = None
    chunks: list[str] = field(default_factory=list)
    thoughts: list[str] = field(default_factory=list)
    message: Message | None = None  # what was sent, for a retry
    held: bool = False  # queued: it goes to the history when it is sent (until then it may still change)

    def take_unsaved(self) -> tuple[str, str]:
        """The text and thoughts streamed since the last call: a checkpoint costs what is new, not the answer."""
        text, thoughts = "".join(self.chunks), "".join(self.thoughts)
        self.chunks.clear()
        self.thoughts.clear()
        return text, thoughts


@dataclass(frozen=True)
class TurnEnd:
    """How one message's answer ended, for a view that follows a single turn (the local API)."""

    state: str  # one of model.FINISH_STATES
    stop_reason: str | None = None
    usage: Usage | None = None
    error: str | None = None
