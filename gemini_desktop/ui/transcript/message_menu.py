"""Per-message actions: copy as Markdown or plain text, retry, edit and resend, undo (or redo) the turn's changes.

One list (`message_actions`) serves the context menu and the hover bar (hover_actions), so both offer the same.

The document names each message's header (`MESSAGE_ANCHOR`), so the message under the mouse is found from the
document alone, also for messages laid out in one batch (which keep no region of their own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QMenu

from gemini_desktop.conversation import ConversationModel
from gemini_desktop.conversation.model import AnswerText, TurnEdits, UserMessage
from gemini_desktop.ui.transcript.renderers import MESSAGE_ANCHOR


def message_header_at(document: QTextDocument, position: int) -> tuple[int, int] | None:
    """The key of the message whose header comes last at or before `position`, and where that header is."""
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
                    found = (int(name[len(MESSAGE_ANCHOR):]), fragment.position())
            iterator += 1
        if found is not None:
            return found
        block = block.previous()
    return None


def message_at(document: QTextDocument, position: int) -> int | None:
    """The key of the message whose header comes last at or before `position`."""
    found = message_header_at(document, position)
    return found[0] if found is not None else None


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


def turn_undo_of(model: ConversationModel, key: int) -> TurnEdits | None:
    """The answer's "Undo changes" (or, once undone, its "Redo"), when its turn changed files."""
    return next((entry for entry in model.entries if isinstance(entry, TurnEdits) and entry.message == key
                 and entry.changed_files and not entry.checking), None)


@dataclass(frozen=True)
class MessageAction:
    name: str  # "copy", "copy-plain", "edit", "retry", "undo" or "redo"
    label: str
    icon: str  # a bundled Lucide icon


def message_actions(model: ConversationModel, key: int) -> list[MessageAction]:
    """Copy for every message; "Edit and resend" on the user's, "Retry" on the last answer, and the undo (or the
    redo) of an answer whose turn changed files."""
    text, mine = message_markdown(model, key)
    if not text and turn_undo_of(model, key) is None:
        return []
    named = {
        "copy": (QCoreApplication.translate("TranscriptView", "Copy message as Markdown"), "copy"),
        "copy-plain": (QCoreApplication.translate("TranscriptView", "Copy message as plain text"), "type"),
        "edit": (QCoreApplication.translate("TranscriptView", "Edit and resend…"), "pencil"),
        "retry": (QCoreApplication.translate("TranscriptView", "Retry"), "rotate-ccw"),
        "undo": (QCoreApplication.translate("TranscriptView", "Undo this turn's changes…"), "undo-2"),
        "redo": (QCoreApplication.translate("TranscriptView", "Redo this turn's changes"), "redo-2"),
    }
    chosen = ["copy", "copy-plain"] if text else []
    if mine:
        chosen.append("edit")
    elif is_last_answer(model, key):
        chosen.append("retry")
    turn = turn_undo_of(model, key)
    if turn is not None:
        chosen.append("redo" if turn.undone else "undo")
    actions = [MessageAction(name, *named[name]) for name in chosen]
    return actions


def run_message_action(model: ConversationModel, key: int, name: str, copy: Callable[[str], None],
                       act: Callable[[str, int], None]) -> None:
    """Copies are done here; the rest goes to the conversation's view (`act(name, key)`)."""
    if name in ("copy", "copy-plain"):
        text = message_markdown(model, key)[0]
        copy(text if name == "copy" else plain_text(text))
    else:
        act(name, key)


def add_message_actions(menu: QMenu, model: ConversationModel, key: int, copy: Callable[[str], None],
                        act: Callable[[str, int], None]) -> None:
    actions = message_actions(model, key)
    if actions:
        menu.addSeparator()
    for action in actions:
        menu.addAction(action.label).triggered.connect(
            lambda _checked=False, name=action.name: run_message_action(model, key, name, copy, act))
