"""What the transcript's per-message actions do in an open conversation: Retry, Edit and resend, and the undo
(or redo) of the turn's changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QInputDialog

from gemini_desktop.conversation import run_soon
from gemini_desktop.conversation.branching import edit_and_resend, user_ordinal
from gemini_desktop.ui.transcript.message_menu import message_markdown, turn_undo_of

if TYPE_CHECKING:
    from gemini_desktop.conversation.open_conversations import OpenConversations
    from gemini_desktop.ui.conversation_view import ConversationView


def on_message_action(view: ConversationView, conversations: OpenConversations, action: str, key: int) -> None:
    controller = view.controller
    turn = turn_undo_of(view.transcript.model, key)
    if action in ("undo", "redo") and turn is not None:
        view.undo_changes(turn.id, action == "undo")
        return
    if action == "retry":
        if controller is None or controller.retry() is None:
            view.status_message.emit(QCoreApplication.translate("MessageActions", "Nothing to retry here yet."), 5000)
        return
    ordinal = user_ordinal(view.transcript.model, key)
    if view.history_id is None or ordinal is None:
        view.status_message.emit(
            QCoreApplication.translate("MessageActions", "This message is not in the history yet."), 5000)
        return
    text, chosen = QInputDialog.getMultiLineText(
        view, QCoreApplication.translate("MessageActions", "Edit and resend"),
        QCoreApplication.translate(
            "MessageActions", "A new conversation starts from the turns before this message; this one is kept."),
        message_markdown(view.transcript.model, key)[0])
    if chosen and text.strip():
        run_soon(edit_and_resend(conversations, view.history_id, ordinal, text))
