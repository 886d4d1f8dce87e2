"""The text of one streaming message, split into what is settled (rendered for good) and what may still change."""

from __future__ import annotations

from gemini_desktop.ui.markdown_limits import OversizedBlock
from gemini_desktop.ui.qt_safe_text import clean_text


class MarkdownStream:
    """The Markdown of one streaming message: appends are O(chunk), and text before `settled` is never re-parsed
    nor copied again (settled pieces are kept apart, joined only when the whole text is asked for)."""

    def __init__(self, text: str = "") -> None:
        self._settled_parts: list[str] = []
        self._unsettled = clean_text(text)
        self._pending: list[str] = []
        self.oversized: OversizedBlock | None = None
        """The last block is too long to re-render per flush: it is shown plain as it arrives."""
        self.plain_only = False
        """Formatting this message failed: the rest of it is shown as plain text."""

    def append(self, chunk: str) -> None:
        if chunk:
            self._pending.append(clean_text(chunk))

    @property
    def text(self) -> str:
        return "".join(self._settled_parts) + self.unsettled

    @property
    def unsettled(self) -> str:
        if self._pending:
            self._unsettled += "".join(self._pending)
            self._pending.clear()
        return self._unsettled

    @property
    def has_unsettled(self) -> bool:
        return bool(self._pending) or bool(self._unsettled)

    def settle(self, length: int) -> None:
        unsettled = self.unsettled
        if length:
            self._settled_parts.append(unsettled[:length])
            self._unsettled = unsettled[length:]

    def reset(self) -> None:
        """Everything unsettled again, for a full re-layout (e.g. after the colour scheme changed)."""
        self._unsettled = self.text
        self._settled_parts.clear()
        self.oversized = None
        self.plain_only = False
