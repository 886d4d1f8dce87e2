""""Edit and resend": a new conversation from the turns before one of the user's messages, sent the new text.

The original conversation is left as it is (the store links the two); the branch is opened like any conversation
of the history, so gemini gets the earlier turns through the engine's safe resume.
"""

from __future__ import annotations

import asyncio
import logging

from gemini_desktop.conversation.model import ConversationModel, UserMessage
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.store import StoreError
from gemini_desktop.store.branch import branch_before

log = logging.getLogger(__name__)


def user_ordinal(model: ConversationModel, key: int) -> int | None:
    """Which of the user's messages (0-based) has this key; None when it is none of them."""
    users = [entry.message for entry in model.entries if isinstance(entry, UserMessage)]
    return users.index(key) if key in users else None


async def edit_and_resend(conversations: OpenConversations, history_id: int, ordinal: int,
                          text: str) -> str | None:
    """The key of the opened branch, its first new message sent; None (logged) when it could not be made."""
    try:
        branch = await asyncio.to_thread(branch_before, conversations.store, history_id, ordinal)
    except StoreError as failure:
        log.warning("edit and resend of session %s failed: %s", history_id, failure)
        return None
    key = await conversations.open_history(branch)
    controller = conversations.get(key) if key is not None else None
    if controller is None:
        return None
    controller.submit(text)
    return key
