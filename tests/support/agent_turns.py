"""What a conversation shows of an agent's turn, read from its model as the transcript would show it: the tests
of each real agent (Claude Code, Qwen Code) ask the same questions of it."""

from __future__ import annotations

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.conversation.model import AnswerText, ToolCallEntry


def answer_texts(controller: ConversationController) -> list[str]:
    return [entry.text for entry in controller.model.entries if isinstance(entry, AnswerText)]


def asked(controller: ConversationController) -> ToolCallEntry | None:
    """The tool call waiting for the user's answer."""
    return next((entry for entry in controller.model.entries if isinstance(entry, ToolCallEntry) and entry.pending),
                None)


def option_of(entry: ToolCallEntry, kind: str) -> str:
    assert entry.request is not None
    return next(option.option_id for option in entry.request.options if option.kind == kind)
