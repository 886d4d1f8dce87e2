"""The conversation model as Markdown, in the history export's format (Copy conversation, a message's copy)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from gemini_desktop.conversation.model import (
    AnswerText,
    EndMark,
    Entry,
    Notice,
    PlanEntry,
    ShownAttachment,
    Thoughts,
    ToolCallEntry,
    UserMessage,
    paths_and_diffs,
)
from gemini_desktop.untrusted_text import markdown_message


def conversation_markdown(entries: Sequence[Entry]) -> str:
    lines: list[str] = []
    for message in _messages_of(entries):
        lines += _message_markdown(message)
    return "\n".join(lines).strip() + "\n" if lines else ""


def _messages_of(entries: Sequence[Entry]) -> Iterator[list[Entry]]:
    """Runs of entries that make up one message (a notice or a tool call outside a message stands alone)."""
    run: list[Entry] = []
    for entry in entries:
        if run and (entry.message == 0 or entry.message != run[0].message) and not _joins(run, entry):
            yield run
            run = []
        run.append(entry)
    if run:
        yield run


def _joins(run: list[Entry], entry: Entry) -> bool:
    """A tool call during an answer belongs to that answer's section."""
    return isinstance(entry, ToolCallEntry) and isinstance(run[0], (AnswerText, Thoughts))


def _message_markdown(run: list[Entry]) -> list[str]:
    head = run[0]
    if isinstance(head, UserMessage):
        return markdown_message("You", "", head.text, attachments=_attachment_lines(head.attachments))
    if isinstance(head, Notice):
        return markdown_message("Notice", head.kind if head.kind != "info" else "", head.text)
    if isinstance(head, PlanEntry):
        return markdown_message("Plan", "", "\n".join(f"[{'x' if item.status == 'completed' else ' '}] "
                                                     f"{item.content}" for item in head.plan.entries))
    text = "".join(entry.text for entry in run if isinstance(entry, AnswerText))
    thoughts = "".join(entry.text for entry in run if isinstance(entry, Thoughts))
    state = next((entry.state for entry in run if isinstance(entry, EndMark)), "")
    tools = [(f"{entry.call.title or entry.call.kind} — {entry.call.status}" + _decision_suffix(entry),
              "\n".join(paths_and_diffs(entry.call))) for entry in run if isinstance(entry, ToolCallEntry)]
    heading = "Gemini" if isinstance(head, (AnswerText, Thoughts)) else "Tool"
    return markdown_message(heading, state, text, thoughts, tools)


def _attachment_lines(attachments: Sequence[ShownAttachment]) -> str:
    """One line per attachment, as the history export writes them: the name or path quoted as a JSON string, so
    a line break in a file name cannot start a line of its own."""
    return "\n".join(f"{a.kind} {json.dumps(a.path or a.name, ensure_ascii=False)}"
                     + (" (outside the working folder)" if a.outside_folder else "") for a in attachments)


def _decision_suffix(entry: ToolCallEntry) -> str:
    if not entry.decided:
        return ""
    return f" — {entry.decision.option_id if entry.decision is not None else 'rejected'}"
