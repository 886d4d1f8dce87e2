"""What the transcript keeps per model entry: where it sits in the document and what rendering it needs again
(the Markdown stream's settled blocks, the copyable code, the open prompt). The text itself stays in the model."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QTextCursor

from gemini_desktop.conversation.model import (
    AnswerText,
    Entry,
    Thoughts,
    ToolCallEntry,
)
from gemini_desktop.ui.code_highlight import CodeHighlighter
from gemini_desktop.ui.markdown_limits import HighlightBudget
from gemini_desktop.ui.markdown_stream import MarkdownStream
from gemini_desktop.ui.tool_card import PermissionPrompt
from gemini_desktop.ui.transcript.regions import Region


@dataclass(eq=False)
class Item:
    source: Entry
    region: Region | None = field(default=None, init=False)

    @property
    def id(self) -> int:
        """The model entry's id: links in the document (copy code, toggle thoughts) name it."""
        return self.source.id

    @property
    def settled(self) -> bool:
        """A settled item is never touched again, so it may be laid out as part of a bigger batch."""
        return self.source.settled


@dataclass(eq=False)
class TextItem(Item):
    source: AnswerText
    stream: MarkdownStream = field(default_factory=MarkdownStream)
    live: bool = True  # as last rendered: the model's entry may have settled since
    tail: QTextCursor | None = None
    codes: list[str] = field(default_factory=list)
    settled_codes: int = 0
    render_count: int = 0
    highlight_budget: HighlightBudget = field(default_factory=HighlightBudget)

    @property
    def settled(self) -> bool:
        return not self.live


@dataclass(eq=False)
class ThoughtItem(Item):
    source: Thoughts
    live: bool = True
    expanded: bool = False

    @property
    def settled(self) -> bool:
        return not self.live


@dataclass(eq=False)
class Prompt:
    widget: PermissionPrompt
    height: int  # the prompt's size hint, taken once: asking a widget for it again costs a layout pass


@dataclass(eq=False)
class ToolItem(Item):
    source: ToolCallEntry
    permission_region: Region | None = None
    prompt: Prompt | None = None
    expanded: bool = False  # a finished card shows one line until the user opens it

    @property
    def settled(self) -> bool:
        return self.prompt is None and self.source.settled


@dataclass(eq=False)
class HighlightJob:
    """A settled code block shown plain until its highlighted version is ready to take its place."""

    region: Region
    highlighter: CodeHighlighter


def item_for(entry: Entry) -> Item:
    if isinstance(entry, AnswerText):
        return TextItem(entry, stream=MarkdownStream(entry.text), live=entry.live)
    if isinstance(entry, Thoughts):
        return ThoughtItem(entry, live=entry.live)
    if isinstance(entry, ToolCallEntry):
        return ToolItem(entry)
    return Item(entry)
