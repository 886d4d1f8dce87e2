"""HTML for each kind of entry, one renderer per type. Nothing here creates a Qt table or frame (bubbles and
cards are tinted blocks, Markdown tables are text grids): Qt's layout walks every frame of the document on each
edit, which would make streaming into a long conversation slower and slower."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from gemini_desktop.conversation.model import EndMark, Entry, Notice, PlanEntry, ToolCallEntry, TurnEdits, UserMessage
from gemini_desktop.engine.events import PlanUpdate
from gemini_desktop.ui.markdown_limits import MAX_LIVE_BLOCK_CHARS
from gemini_desktop.ui.markdown_render import MarkdownRenderer
from gemini_desktop.ui.qt_safe_text import breakable, clean_text, shortened
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.tool_card import decision_text, tool_card_html
from gemini_desktop.ui.transcript.attachments import attachments_html
from gemini_desktop.ui.transcript.items import Item, ThoughtItem, ToolItem

MAX_NOTICE_CHARS = 2000


def state_label(state: str) -> str:
    labels = {
        "streaming": QCoreApplication.translate("TranscriptView", "Still being written"),
        "interrupted": QCoreApplication.translate("TranscriptView", "Interrupted"),
        "failed": QCoreApplication.translate("TranscriptView", "Failed"),
        "cancelled": QCoreApplication.translate("TranscriptView", "Cancelled"),
    }
    return labels.get(state, state)


MESSAGE_ANCHOR = "gd-msg:"
"""Names the header of each message in the document, so a position there leads back to its message."""

NAMED_FILES = 3  # a turn's "Undo changes" names this many of its files


class EntryRenderer:
    """Renders entries in the current theme; `slot_html` draws the room a permission prompt is placed over."""

    def __init__(self, theme: Theme, markdown: MarkdownRenderer, slot_html: Callable[[ToolItem], str]) -> None:
        self.theme = theme
        self.markdown = markdown
        self._slot_html = slot_html
        self.agent_name = ""  # who answers, in each answer's header ("": gemini)

    def html(self, item: Item) -> str:
        """Every entry but an answer's text (see TranscriptView._render_text)."""
        entry = item.source
        if isinstance(item, ThoughtItem):
            return self.thoughts(item)
        if isinstance(item, ToolItem):
            own_region = item.permission_region is not None  # laid out in a batch: the decision goes here
            expanded = item.expanded or item.prompt is not None or entry.request is not None
            card = tool_card_html(entry.call, self.theme, link=f"gd-tool:{entry.id}", expanded=expanded)
            return (card + ("" if own_region else self.permission(item))
                    + self.undo(entry))
        if isinstance(entry, TurnEdits):
            return self.undo(entry)
        if isinstance(entry, UserMessage):
            return self.user(entry)
        if isinstance(entry, PlanEntry):
            return self.plan(entry.plan)
        if isinstance(entry, Notice):
            colour = self.theme.error if entry.kind == "error" else self.theme.muted
            text = breakable(shortened(entry.text, MAX_NOTICE_CHARS))
            return f'<p align="center" style="color:{colour}">{html.escape(text)}</p>'
        if isinstance(entry, EndMark):
            colour = self.theme.error if entry.state == "failed" else self.theme.warning
            return (f'<p style="margin-top:0px; color:{colour}"><small>⚠ {html.escape(state_label(entry.state))}'
                    "</small></p>")
        return ""

    def undo(self, entry: Entry) -> str:
        """"Undo changes" under a turn or a tool card that changed files; once done, that it was, and "Redo"."""
        skipped = ""
        if isinstance(entry, ToolCallEntry):
            if not entry.edited:
                return ""
            label = QCoreApplication.translate("TranscriptView", "Undo this call's changes")
        elif isinstance(entry, TurnEdits) and entry.changed_files:
            label = QCoreApplication.translate("TranscriptView", "Undo changes") + _named(entry.paths)
            if entry.skipped:
                skipped = QCoreApplication.translate(
                    "TranscriptView", "Not in the snapshot (too big or too many files): {files}").format(
                    files=", ".join(entry.skipped))
        else:
            return ""
        style = f'style="margin-top:2px; margin-bottom:0px; color:{self.theme.muted}"'
        note = f"<p {style}><small>{html.escape(skipped)}</small></p>" if skipped else ""
        if isinstance(entry, TurnEdits) and entry.checking:
            checking = QCoreApplication.translate("TranscriptView", "Looking at what this turn changed…")
            return f"<p {style}><small>↶ {html.escape(checking)}</small></p>"
        if entry.undone:
            done = QCoreApplication.translate("TranscriptView", "Changes undone")
            redo = QCoreApplication.translate("TranscriptView", "Redo")
            return (f"<p {style}><small>↶ {html.escape(done)}</small> · <a href=\"gd-redo:{entry.id}\" "
                    f'style="color:{self.theme.link}">↷ {html.escape(redo)}</a></p>{note}')
        return (f'<p {style}><a href="gd-undo:{entry.id}" style="color:{self.theme.link}">↶ '
                f"{html.escape(label)}</a></p>{note}")

    def assistant_header(self, key: int) -> str:
        gemini = self.agent_name or QCoreApplication.translate("TranscriptView", "Gemini")
        return (f'<p style="margin-top:16px; margin-bottom:2px; color:{self.theme.muted}">'
                f'<span style="color:{self.theme.running}">✦</span> '
                f'<a name="{MESSAGE_ANCHOR}{key}"><b>{html.escape(gemini)}</b></a></p>')

    def user(self, entry: UserMessage) -> str:
        """A tinted, indented run of blocks: a bubble without a table (see MarkdownRenderer grid tables)."""
        theme = self.theme
        bubble = f"background-color:{theme.user_bg}; margin-left:48px; margin-top:0px; margin-bottom:0px"
        body = self.markdown.render(clean_text(entry.text), block_style=bubble).html
        you = QCoreApplication.translate("TranscriptView", "You")
        attached = attachments_html(entry, theme, f"{bubble}; margin-top:4px")
        anchor = f'<a name="{MESSAGE_ANCHOR}{entry.message}"><b>{html.escape(you)}</b></a>'
        return (f'<p style="{bubble}; margin-top:16px; color:{theme.muted}">'
                f'<span style="color:{theme.link}">●</span> {anchor}'
                f"</p>{body}{attached}<p style=\"{bubble}; font-size:4px\"></p>")

    def thoughts(self, item: ThoughtItem) -> str:
        theme = self.theme
        if item.live:
            state = QCoreApplication.translate("TranscriptView", "Thinking…")
        else:
            state = QCoreApplication.translate("TranscriptView", "Thoughts")
        if item.expanded:
            toggle = QCoreApplication.translate("TranscriptView", "Hide thoughts")
        else:
            toggle = QCoreApplication.translate("TranscriptView", "Show thoughts")
        arrow = "▾" if item.expanded else "▸"
        header = (f'<p style="margin-top:6px; margin-bottom:0px; color:{theme.muted}">💭 <i>{html.escape(state)}'
                  f'</i> &nbsp;<a href="gd-thoughts:{item.source.id}" style="color:{theme.link}">{arrow} '
                  f"{html.escape(toggle)}</a></p>")
        if not item.expanded:
            return header
        text = clean_text(item.source.text)
        earlier = ""
        if item.live and len(text) > MAX_LIVE_BLOCK_CHARS:  # re-rendered per flush: only its latest part
            start = text.find("\n\n", len(text) - MAX_LIVE_BLOCK_CHARS)
            text = text[start if start >= 0 else len(text) - MAX_LIVE_BLOCK_CHARS:]
            note = QCoreApplication.translate("TranscriptView",
                                              "… earlier thoughts are shown in full when thinking ends")
            earlier = f"<p><small>{html.escape(note)}</small></p>"
        body = self.markdown.render(text).html
        return f'{header}<div style="color:{theme.muted}; font-style:italic">{earlier}{body}</div>'

    def plan(self, plan: PlanUpdate) -> str:
        theme = self.theme
        marks = {"completed": ("☑", theme.success), "in_progress": ("◐", theme.running)}
        title = QCoreApplication.translate("TranscriptView", "Plan")
        rows = [f'<p style="margin-top:6px; margin-bottom:2px"><b>{html.escape(title)}</b></p>']
        for entry in plan.entries:
            mark, colour = marks.get(entry.status, ("☐", theme.muted))
            rows.append(f'<p style="margin:0px; margin-left:12px"><span style="color:{colour}">{mark}</span> '
                        f"{html.escape(breakable(shortened(entry.content, 2000)))}</p>")
        return "".join(rows)

    def permission(self, item: ToolItem) -> str:
        """The prompt's slot while the request is open; afterwards, the decision."""
        if item.prompt is not None:
            return self._slot_html(item)
        entry = item.source
        if not entry.decided:
            return ""
        decision = decision_text(entry.decision)
        colour = self.theme.error if decision.startswith("✗") else self.theme.success
        return f'<p style="margin:0px; color:{colour}">{html.escape(decision)}</p>'

    def earlier_line(self, hidden: int, page: int) -> str:
        """The line above the shown messages: a link to the `hidden` ones, or once all are shown, a mark that
        this is where the conversation begins (the region stays: an empty one would merge with what follows)."""
        muted = f'<p align="center" style="color:{self.theme.muted}">'
        if not hidden:
            start = QCoreApplication.translate("TranscriptView", "This is the beginning of the conversation.")
            return f"{muted}<small>{html.escape(start)}</small></p>"
        label = QCoreApplication.translate("TranscriptView", "{hidden} earlier messages are not shown.").format(
            hidden=hidden)
        more = QCoreApplication.translate("TranscriptView", "Show {count} more").format(count=min(hidden, page))
        return (f'{muted}{html.escape(label)} &nbsp;'
                f'<a href="gd-earlier:" style="color:{self.theme.link}">{html.escape(more)}</a></p>')


def _named(paths: tuple[str, ...]) -> str:
    """": a.txt, b.txt and 3 more" after a turn's "Undo changes" (nothing before its files are known)."""
    if not paths:
        return ""
    named = ": " + ", ".join(paths[:NAMED_FILES])
    if len(paths) > NAMED_FILES:
        named += QCoreApplication.translate("TranscriptView", " and {count} more").format(
            count=len(paths) - NAMED_FILES)
    return named
