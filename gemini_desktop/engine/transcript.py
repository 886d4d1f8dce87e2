"""The conversation's own copy as plain turns: built from a load's replay, counted, and seeded into a new session.

A resume never trusts the CLI's file as the only copy; these helpers let the client compare the replay with its
own transcript and the backup, and send the earlier conversation along when nothing could be loaded.
"""

from __future__ import annotations

from collections.abc import Sequence

from gemini_desktop.cli_format import is_preamble
from gemini_desktop.engine.attachments import Message, attached_note
from gemini_desktop.engine.types import TranscriptTurn

FUNCTION_RESPONSE_PREFIX = "[Function Response"


def consolidate_replay(chunks: Sequence[tuple[str, str]]) -> list[TranscriptTurn]:
    """Replayed chunks -> whole messages, without the CLI's preamble and tool-result echoes.

    gemini-cli replays each stored user message as one chunk, and the preamble is a user message of its own, right
    before the first one typed: user chunks are never joined, else the first question sinks into the preamble and
    every load looks one message short. Assistant chunks are joined (thoughts and tool steps split an answer).
    """
    turns: list[TranscriptTurn] = []
    for role, text in chunks:
        if role == "user" and (is_preamble(text) or text.lstrip().startswith(FUNCTION_RESPONSE_PREFIX)):
            continue
        if role == "assistant" and turns and turns[-1].role == role:
            turns[-1] = TranscriptTurn(role, turns[-1].text + text)
        else:
            turns.append(TranscriptTurn(role, text))
    return [t for t in turns if t.text.strip()]


def remembered_text(message: Message) -> str:
    """A message as the conversation's own copy keeps it: the text, then the attached paths, so a conversation
    rebuilt or seeded from that copy still names its files (image bytes are not repeated)."""
    return message.text + attached_note([str(a.path) if a.path is not None else a.name for a in message.attachments])


def user_turn_count(turns: Sequence[TranscriptTurn]) -> int:
    return sum(1 for t in turns if t.role == "user")


def seed_prompt(turns: Sequence[TranscriptTurn], message: str) -> str:
    """The first prompt of a session that could not be loaded: the earlier conversation, then the new message."""
    lines = ["This continues an earlier conversation, which follows. Carry on from it.", ""]
    lines += [f"{'User' if t.role == 'user' else 'Assistant'}: {t.text}" for t in turns]
    return "\n".join([*lines, "", "User:", message])
