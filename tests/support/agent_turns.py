"""What a conversation shows of an agent's turn, read from its model as the transcript would show it: the tests
of each real agent (Claude Code, Qwen Code) ask the same questions of it."""

from __future__ import annotations

from gemini_desktop.conversation.controller import ConversationController
from gemini_desktop.conversation.model import AnswerText, ToolCallEntry
from tests.support.qt_async import until


def answer_texts(controller: ConversationController) -> list[str]:
    return [entry.text for entry in controller.model.entries if isinstance(entry, AnswerText)]


def asked(controller: ConversationController) -> ToolCallEntry | None:
    """The tool call waiting for the user's answer."""
    return next((entry for entry in controller.model.entries if isinstance(entry, ToolCallEntry) and entry.pending),
                None)


def option_of(entry: ToolCallEntry, kind: str) -> str:
    assert entry.request is not None
    return next(option.option_id for option in entry.request.options if option.kind == kind)


async def answer_the_tool_call(conversation: ConversationController, message: str, approve: bool) -> ToolCallEntry:
    """Send `message`, answer the permission request it leads to (allow or reject once), wait for the turn's end."""
    conversation.submit(message)
    await until(lambda: asked(conversation) is not None, timeout=60)
    entry = asked(conversation)
    assert entry is not None
    conversation.decide(entry.call.tool_call_id, option_of(entry, "allow_once" if approve else "reject_once"))
    await until(lambda: not conversation.busy, timeout=60)
    return entry
