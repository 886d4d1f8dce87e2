"""A new conversation from an earlier one, up to one of the user's messages ("Edit and resend").

The original is never changed: the branch gets copies of the messages before that one (attachments included;
images are blobs, shared, not copied) and a link to it, so the history can lead from either to the other.
"""

from __future__ import annotations

import uuid

from gemini_desktop.store.history import HistoryStore
from gemini_desktop.store.records import StoreError


def branch_before(store: HistoryStore, session_id: int, user_ordinal: int) -> int:
    """A new session holding the messages of `session_id` before its `user_ordinal`-th user message (0-based);
    returns its id. StoreError when the conversation or that message is not in the history."""
    record = store.get_session(session_id)
    if record is None:
        raise StoreError("That conversation is no longer in the history.")
    messages = store.messages(session_id)
    users = [index for index, message in enumerate(messages) if message.role == "user"]
    if not 0 <= user_ordinal < len(users):
        raise StoreError("That message is not in the history (yet).")
    title = f"{record.user_title} (edited)" if record.user_title else None
    # An id gemini has never seen: resuming the branch then rebuilds gemini's session from these copies.
    branch = store.create_session(record.cwd, model=record.model, title=title, gemini_session_id=str(uuid.uuid4()),
                                  agent=record.agent)
    for message in messages[:users[user_ordinal]]:
        state = message.state if message.state != "streaming" else "interrupted"
        store.add_message(branch.id, message.role, message.text, state=state, thoughts=message.thoughts,
                          attachments=message.attachments)
    store.link_branch(branch.id, session_id)
    return branch.id
