"""Per-message actions in the transcript's context menu: copy as Markdown or plain text, retry, edit and resend.

The document names each message's header (`MESSAGE_ANCHOR`), so the message under the mouse is found from the
document alone, also for messages laid out in one batch (which keep no region of their own).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QMenu

from gemini_desktop.conversation import ConversationModel
from gemini_desktop.conversation.model import AnswerText, UserMessage
from gemini_desktop.ui.transcript.renderers import MESSAGE_ANCHOR


def message_at(document: QTextDocument, position: int) -> int | None:
    """The key of the message whose header comes last at or before `position`."""
    block = document.findBlock(position)
    while block.isValid():
        found = None
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.position() > position:
                break
            for name in fragment.charFormat().anchorNames():
                if name.startswith(MESSAGE_ANCHOR) and name[len(MESSAGE_ANCHOR):].isdigit():
                    found = int(name[len(MESSAGE_ANCHOR):])
            iterator += 1
        if found is not None:
            return found
        block = block.previous()
    return None


def message_markdown(model: ConversationModel, key: int) -> tuple[str, bool]:
    """The message's own text as written (Markdown), and whether it is the user's."""
    entries = [entry for entry in model.entries if entry.message == key]
    user = next((entry for entry in entries if isinstance(entry, UserMessage)), None)
    if user is not None:
        return user.text, True
    return "".join(entry.text for entry in entries if isinstance(entry, AnswerText)), False


def plain_text(markdown: str) -> str:
    document = QTextDocument()
    document.setMarkdown(markdown)
    return document.toPlainText()


def is_last_answer(model: ConversationModel, key: int) -> bool:
    return next((entry.message for entry in reversed(model.entries) if isinstance(entry, AnswerText)), None) == key


def add_message_actions(menu: QMenu, model: ConversationModel, key: int, copy: Callable[[str], None],
                        act: Callable[[str, int], None]) -> None:
    """Copy for every message; "Edit and resend" on the user's, "Retry" on the last answer."""
    text, mine = message_markdown(model, key)
    if not text:
        return
    menu.addSeparator()
    menu.addAction(QCoreApplication.translate("TranscriptView", "Copy message as Markdown")).triggered.connect(
        lambda: copy(text))
    menu.addAction(QCoreApplication.translate("TranscriptView", "Copy message as plain text")).triggered.connect(
        lambda: copy(plain_text(text)))
    if mine:
        menu.addAction(QCoreApplication.translate("TranscriptView", "Edit and resend…")).triggered.connect(
            lambda: act("edit", key))
    elif is_last_answer(model, key):
        menu.addAction(QCoreApplication.translate("TranscriptView", "Retry")).triggered.connect(
            lambda: act("retry", key))
