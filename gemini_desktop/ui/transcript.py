"""The conversation view: one read-only QTextDocument that only ever grows at its end.

Why one document: selecting and copying across messages just works, and Qt lays out only what changed.
Each message, card or notice owns a *region* (a run of whole blocks between two QTextCursor markers that
Qt keeps up to date as the document changes), so an item can be re-rendered in place without touching
anything else. Finished items are laid out once; a streaming message re-renders only its last, still
growing Markdown block, and only on a short coalescing timer, so a chunk costs the same whether the
transcript holds ten messages or ten thousand. A conversation loaded from history is laid out in one pass.

Nothing here creates a Qt table or frame (bubbles and cards are tinted blocks, Markdown tables are text
grids): Qt's layout walks every frame of the document on each edit, which would make streaming into a long
conversation slower and slower.
"""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
import html
import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QCursor,
    QDesktopServices,
    QGuiApplication,
    QImage,
    QPaintEvent,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QTextBrowser,
    QTextEdit,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from gemini_desktop.engine.events import PermissionOption, PermissionRequest, PlanUpdate, ToolCall, ToolStatus
from gemini_desktop.ui.markdown_limits import MAX_LIVE_BLOCK_CHARS, HighlightBudget
from gemini_desktop.ui.markdown_render import (
    CodeHighlighter,
    MarkdownRenderer,
    MarkdownStream,
    breakable,
    clean_text,
    grid_font,
    link_host,
    shortened,
)
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.tool_card import (
    REJECT_KINDS,
    PermissionPrompt,
    decision_text,
    resolved_value,
    tool_call_markdown,
    tool_card_html,
)
from gemini_desktop.untrusted_text import visible_controls

log = logging.getLogger(__name__)

FLUSH_MIN_MS = 8
FLUSH_MAX_MS = 30
"""The live message re-renders at most every FLUSH_MIN_MS; when one render costs more, the interval grows
(up to FLUSH_MAX_MS) so that rendering never takes more than about two thirds of the event loop's time."""
HIGHLIGHT_SLICE_SECONDS = 0.003
"""Code that settled while streaming is highlighted afterwards in slices this long, between other events;
while text is streaming the slices leave the event loop FLUSH_MIN_MS between them for the stream itself."""
HISTORY_PAGE = 100
"""A stored conversation opens with its last HISTORY_PAGE messages laid out; older ones follow a page at a time
when asked for, so opening a conversation of thousands of messages costs what opening a short one does."""
BOTTOM_SLACK_PX = 4
MAX_FIND_MATCHES = 5000
TABLE_SLACK_PX = 24  # room for the scroll bar appearing later
MIN_TABLE_CHARS = 40
MAX_NOTICE_CHARS = 2000
_LEAD = "\u2060"  # see _insert_html
_PARAGRAPH = "\u2029"
_SLOT_URL = "gd-slot:{}"
_FINISH_STATES = ("complete", "interrupted", "failed", "cancelled")


# --- document regions -------------------------------------------------------------------------------------


def _marker(document: QTextDocument, position: int) -> QTextCursor:
    cursor = QTextCursor(document)
    cursor.setPosition(position)
    cursor.setKeepPositionOnInsert(True)  # only our explicit moves grow a region
    return cursor


def _editing(marker: QTextCursor) -> QTextCursor:
    """A cursor at a marker that, unlike the marker, moves past what it inserts.

    Only a marker's position is meaningful: Qt keeps the position on insert but still moves the anchor.
    """
    cursor = QTextCursor(marker.document())
    cursor.setPosition(marker.position())
    return cursor


def _insert_html(cursor: QTextCursor, markup: str) -> None:
    """insertHtml that keeps the first block's own format.

    Qt merges a fragment's first block into the current block, which would turn a leading code block,
    heading or list item into a plain paragraph; a throw-away first block avoids that.
    """
    start = cursor.position()
    cursor.insertHtml(f"<p>{_LEAD}</p>{markup}")
    end = cursor.position()
    lead = QTextCursor(cursor.document())
    lead.setPosition(start)
    lead.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, 2)
    if lead.selectedText() != _LEAD + _PARAGRAPH:  # a table follows: drop just the character
        lead.setPosition(start)
        lead.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, 1)
    removed = len(lead.selectedText())
    lead.removeSelectedText()
    cursor.setPosition(end - removed)


class _Region:
    """Whole blocks [start, end) owned by one item; the block separators around it belong to nobody."""

    def __init__(self, document: QTextDocument, position: int) -> None:
        self.start = _marker(document, position)
        self.end = _marker(document, position)

    def _cleared(self, start: QTextCursor) -> QTextCursor:
        cursor = _editing(start)
        cursor.setPosition(self.end.position(), QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        cursor.setBlockFormat(QTextBlockFormat())  # what the removed first block leaves behind
        cursor.setCharFormat(QTextCharFormat())
        return cursor

    def fill(self, markup: str) -> None:
        self.replace_from(self.start, markup)

    def replace_from(self, start: QTextCursor, markup: str) -> None:
        cursor = self._cleared(start)
        _insert_html(cursor, markup)
        self.end.setPosition(cursor.position())

    def append(self, markup: str) -> None:
        """Markup in a fresh block at the end of the region, leaving all that is in it in place."""
        cursor = _editing(self.end)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        _insert_html(cursor, markup)
        self.end.setPosition(cursor.position())

    def break_block_at_end(self) -> QTextCursor:
        """A fresh block at the end of the region; returns a marker at its start."""
        cursor = _editing(self.end)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        self.end.setPosition(cursor.position())
        return _marker(cursor.document(), cursor.position())


# --- the items of a conversation --------------------------------------------------------------------------


@dataclass(eq=False)
class _Entry:
    region: _Region | None = field(default=None, init=False)

    @property
    def settled(self) -> bool:
        """A settled entry is never touched again, so it may be laid out as part of a bigger batch."""
        return True

    def markdown(self) -> str:
        return ""


@dataclass(eq=False)
class _UserEntry(_Entry):
    key: int
    text: str
    queued: bool = False

    @property
    def settled(self) -> bool:
        return not self.queued

    def markdown(self) -> str:
        you = QCoreApplication.translate("TranscriptView", "You")
        return f"**{you}:**\n\n{self.text}"


@dataclass(eq=False)
class _TextSegment(_Entry):
    """A run of one assistant message's text; a tool card in between starts the next run."""

    id: int
    key: int
    first: bool
    stream: MarkdownStream = field(default_factory=MarkdownStream)
    live: bool = True
    tail: QTextCursor | None = None
    codes: list[str] = field(default_factory=list)
    settled_codes: int = 0
    render_count: int = 0
    highlight_budget: HighlightBudget = field(default_factory=HighlightBudget)

    @property
    def settled(self) -> bool:
        return not self.live

    def markdown(self) -> str:
        text = self.stream.text
        gemini = QCoreApplication.translate("TranscriptView", "Gemini")
        return f"**{gemini}:**\n\n{text}" if self.first else text


@dataclass(eq=False)
class _ThoughtSegment(_Entry):
    id: int
    key: int
    stream: MarkdownStream = field(default_factory=MarkdownStream)
    live: bool = True
    expanded: bool = False

    @property
    def settled(self) -> bool:
        return not self.live


@dataclass(eq=False)
class _Pending:
    request: PermissionRequest
    future: asyncio.Future[str | None]
    prompt: PermissionPrompt
    height: int  # the prompt's size hint, taken once: asking a widget for it again costs a layout pass


@dataclass(eq=False)
class _ToolEntry(_Entry):
    call: ToolCall
    permission_region: _Region | None = None
    pending: _Pending | None = None
    decision: str = ""

    @property
    def settled(self) -> bool:
        return self.pending is None and self.call.status in (ToolStatus.COMPLETED, ToolStatus.FAILED)

    def markdown(self) -> str:
        return tool_call_markdown(self.call) + (f"\n>\n> {self.decision}" if self.decision else "")


@dataclass(eq=False)
class _PlanEntry(_Entry):
    plan: PlanUpdate
    current: bool = True

    @property
    def settled(self) -> bool:
        return not self.current

    def markdown(self) -> str:
        plan = QCoreApplication.translate("TranscriptView", "Plan")
        lines = [f"**{plan}:**", ""]
        lines += [f"- [{'x' if e.status == 'completed' else ' '}] {clean_text(e.content)}" for e in self.plan.entries]
        return "\n".join(lines)


@dataclass(eq=False)
class _NoticeEntry(_Entry):
    text: str
    kind: str = "info"

    def markdown(self) -> str:
        return f"_{self.text}_"


@dataclass(eq=False)
class _StateEntry(_Entry):
    state: str

    def markdown(self) -> str:
        return f"_({_state_label(self.state)})_"


@dataclass(eq=False)
class _HighlightJob:
    """A settled code block shown plain until its highlighted version is ready to take its place."""

    region: _Region
    highlighter: CodeHighlighter


@dataclass(eq=False)
class _Message:
    key: int
    role: str
    live: bool = True
    user: _UserEntry | None = None
    text: _TextSegment | None = None
    thought: _ThoughtSegment | None = None


def _state_label(state: str) -> str:
    labels = {
        "streaming": QCoreApplication.translate("TranscriptView", "Still being written"),
        "interrupted": QCoreApplication.translate("TranscriptView", "Interrupted"),
        "failed": QCoreApplication.translate("TranscriptView", "Failed"),
        "cancelled": QCoreApplication.translate("TranscriptView", "Cancelled"),
    }
    return labels.get(state, state)


# --- the widget -------------------------------------------------------------------------------------------


class _Browser(QTextBrowser):
    """The document's view: nothing is loaded from anywhere, and paints are observable for the benchmark."""

    painted = Signal()
    copy_conversation_requested = Signal()

    def loadResource(self, kind: int, name: QUrl) -> object:
        return None  # images in model output are shown as alt text; nothing may reach the network or disk

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.painted.emit()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.createStandardContextMenu(event.pos())
        menu.addSeparator()
        action = menu.addAction(self.tr("Copy conversation as Markdown"))
        action.triggered.connect(self.copy_conversation_requested)
        menu.exec(event.globalPos())
        menu.deleteLater()


def link_target_text(url: QUrl) -> str:
    """Where a link really goes, as plain text that cannot pass for another place: the host in punycode
    when it is not plain ASCII, user info and port kept, invisible and bidi characters written out."""
    if url.scheme().lower() not in ("http", "https"):
        return visible_controls(url.toDisplayString())
    host = url.host(QUrl.ComponentFormattingOption.FullyEncoded)
    authority = f"[{host}]" if ":" in host else host
    if url.userInfo():
        authority = f"{url.userInfo()}@{authority}"
    if url.port() != -1:
        authority += f":{url.port()}"
    query = f"?{url.query()}" if url.hasQuery() else ""
    fragment = f"#{url.fragment()}" if url.hasFragment() else ""
    return visible_controls(f"{url.scheme()}://{authority}{url.path()}{query}{fragment}")


class TranscriptView(QWidget):
    link_clicked = Signal(QUrl)
    link_hovered = Signal(str)
    """The real target of the link under the mouse (see link_target_text), or "" when it leaves the link."""
    permission_decided = Signal(str, object)
    permission_focus_released = Signal()  # a decided prompt had the keyboard: give it back to the composer

    def __init__(self, parent: QWidget | None = None, *, welcome: bool = True) -> None:
        """`welcome`: greet in an empty transcript (not in a preview, where empty means nothing is selected)."""
        super().__init__(parent)
        self.setObjectName("transcriptView")
        self._greets = welcome
        self._theme = Theme.from_palette(self.palette())
        self.renderer = MarkdownRenderer(self._theme)
        self._keys = itertools.count(1)
        self._ids = itertools.count(1)
        self._entries: list[_Entry] = []
        self._messages: dict[int, _Message] = {}
        self._segments: dict[int, _TextSegment | _ThoughtSegment] = {}
        self._tools: dict[str, _ToolEntry] = {}
        self._open: list[_ToolEntry] = []  # the open permission requests, in document order
        self._placed: list[_ToolEntry] = []  # those whose prompt is shown now
        self._withdrawn: list[tuple[_ToolEntry, asyncio.Future[str | None]]] = []  # cancelled, not yet redrawn
        self._plan: _PlanEntry | None = None
        self._last_region: _Region | None = None
        self._earlier: list[list[_Entry]] = []  # the entries of each stored message not laid out yet
        self._earlier_region: _Region | None = None
        self._dirty: dict[int, _TextSegment | _ThoughtSegment] = {}
        self._following = True
        self._scrolling = False
        self._flush_interval_ms = FLUSH_MIN_MS
        self._last_flush = 0.0

        self._browser = _Browser(self)
        self._browser.setObjectName("transcriptDocument")
        self._browser.setAccessibleName(self.tr("Conversation"))
        self._browser.setOpenLinks(False)
        self._browser.setOpenExternalLinks(False)
        self._browser.setUndoRedoEnabled(False)
        self._document = self._browser.document()
        self._document.setUndoRedoEnabled(False)
        self._document.setDocumentMargin(12)
        self._browser.anchorClicked.connect(self._on_anchor)
        self._browser.highlighted.connect(self._on_link_hovered)
        self._browser.copy_conversation_requested.connect(self._copy_conversation)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._browser)

        self._jump = QToolButton(self)
        self._jump.setObjectName("jumpToLatest")
        self._jump.setText(self.tr("Jump to latest ↓"))
        self._jump.setAccessibleName(self.tr("Jump to latest"))
        self._jump.setToolTip(self.tr("Scroll to the newest output and keep following it"))
        self._jump.clicked.connect(self.scroll_to_bottom)
        self._jump.hide()

        self._welcome = QLabel(self)
        self._welcome.setObjectName("transcriptWelcome")
        self._welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._welcome.setWordWrap(True)
        self._welcome.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._welcome.setTextFormat(Qt.TextFormat.RichText)
        self._welcome.setText(
            "<p style='font-size:large'><b>" + self.tr("Ask Gemini anything") + "</b></p><p>"
            + self.tr("Enter sends, Shift+Enter starts a new line, / lists gemini's commands.") + "<br>"
            + self.tr("Tool calls ask before they act. Every conversation is kept in History (Ctrl+H).")
            + "</p>")
        self._welcome.setEnabled(False)

        self._highlight_jobs: list[_HighlightJob] = []
        self._highlight_timer = QTimer(self)
        self._highlight_timer.setSingleShot(True)
        self._highlight_timer.timeout.connect(self._highlight_step)

        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._flush)
        self._placement_timer = QTimer(self)
        self._placement_timer.setSingleShot(True)
        self._placement_timer.timeout.connect(self._place_visible_prompts)
        self._withdrawal_timer = QTimer(self)
        self._withdrawal_timer.setSingleShot(True)
        self._withdrawal_timer.timeout.connect(self._reject_withdrawn)
        bar = self._browser.verticalScrollBar()
        bar.rangeChanged.connect(self._on_range_changed)
        bar.valueChanged.connect(self._on_scrolled)
        self._document.documentLayout().documentSizeChanged.connect(self._place_prompts)
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: self._on_palette_changed())

    # --- messages ---

    def add_user_message(self, text: str, *, queued: bool = False) -> int:
        key = next(self._keys)
        entry = _UserEntry(key, clean_text(text), queued)
        self._messages[key] = _Message(key, "user", live=False, user=entry)
        self._add_entry(entry)
        if self._plan is not None:
            self._plan.current = False
            self._plan = None
        return key

    def mark_sent(self, key: int) -> None:
        message = self._messages.get(key)
        if message is None or message.user is None or not message.user.queued:
            return
        message.user.queued = False
        self._render_entry(message.user)

    def begin_assistant_message(self) -> int:
        key = next(self._keys)
        self._messages[key] = _Message(key, "assistant")
        return key

    def append_text(self, key: int, text: str) -> None:
        message = self._message(key)
        if message is None or not text:
            return
        if message.text is None or message.text.region is not self._last_region:
            self._settle(message.text)
            message.text = _TextSegment(next(self._ids), key, first=message.text is None)
            self._segments[message.text.id] = message.text
            self._add_entry(message.text)
        message.text.live = message.live
        self._stream_into(message.text, text)

    def append_thought(self, key: int, text: str) -> None:
        message = self._message(key)
        if message is None or not text:
            return
        if message.thought is None or message.thought.region is not self._last_region:
            self._settle(message.thought)
            message.thought = _ThoughtSegment(next(self._ids), key)
            self._segments[message.thought.id] = message.thought
            self._add_entry(message.thought)
        message.thought.live = message.live
        self._stream_into(message.thought, text)

    def finish_message(self, key: int, *, state: str = "complete") -> None:
        message = self._message(key)
        if message is None:
            return
        if state not in _FINISH_STATES:
            log.warning("unknown message state %r; shown as is", state)
        message.live = False
        self._settle(message.text)
        self._settle(message.thought)
        if state != "complete":
            self._add_entry(_StateEntry(state))
        self._after_output()

    def add_notice(self, text: str, *, kind: str = "info") -> None:
        self._add_entry(_NoticeEntry(shortened(text, MAX_NOTICE_CHARS), kind))
        self._after_output()

    def show_plan(self, plan: PlanUpdate) -> None:
        if self._plan is not None and self._plan.region is not None:
            self._plan.plan = plan
            self._render_entry(self._plan)
        else:
            self._plan = _PlanEntry(plan)
            self._add_entry(self._plan)
        self._after_output()

    def load_history(self, messages: Sequence[tuple[str, str, str]], *, shown_from: int | None = None) -> None:
        """Show a stored conversation in place of what is shown: its latest page in one HTML import, and above
        it a link to the earlier messages; `shown_from` lays out more, from that message on (a search hit)."""
        self.clear()
        stored = [self._stored_message(role, text, state) for role, text, state in messages]
        hidden = max(0, min(len(stored) - HISTORY_PAGE, len(stored) if shown_from is None else shown_from))
        self._earlier = stored[:hidden]
        if self._earlier:
            self._earlier_region = _Region(self._document, 0)
            self._earlier_region.fill(self._earlier_html())
        self._lay_out_batch([entry for message in stored[hidden:] for entry in message])
        self._after_output()

    def show_earlier(self) -> int:
        """Lay out the next page of earlier messages above the shown ones, keeping the view where it was;
        returns how many messages are still hidden."""
        region = self._earlier_region
        if region is None or not self._earlier:
            return 0
        page = self._earlier[-HISTORY_PAGE:]
        del self._earlier[-HISTORY_PAGE:]
        entries = [entry for message in page for entry in message]
        bar = self._browser.verticalScrollBar()
        offset = bar.maximum() - bar.value()
        cursor = _editing(region.end)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        _insert_html(cursor, self._batch_html(entries))
        self._entries[:0] = entries
        region.fill(self._earlier_html())
        self._scrolling = True
        try:
            bar.setValue(bar.maximum() - offset)
        finally:
            self._scrolling = False
        self._following = self.is_at_bottom()
        return len(self._earlier)

    def earlier_count(self) -> int:
        return len(self._earlier)

    def find(self, text: str, *, backward: bool = False, again: bool = True) -> tuple[int, int]:
        """Select a match of `text` (case-insensitive) and mark all of them: the next one after the selection,
        or the previous one, wrapping around; with `again` false the current one may stay (typing on).

        Returns (which match is selected, from 1; how many there are), (0, 0) when there is none. Only laid-out
        messages are searched; the history panel searches everything.
        """
        matches = self._mark_matches(text)
        selected = self._browser.textCursor()
        if not matches:
            selected.clearSelection()
            self._browser.setTextCursor(selected)
            return 0, 0
        here = selected.selectionStart()
        if backward:
            index = next((i for i in reversed(range(len(matches))) if matches[i][0] < here), len(matches) - 1)
        else:
            index = next((i for i, (start, _) in enumerate(matches) if start > here or (start == here and not again)),
                         0)
        start, end = matches[index]
        cursor = QTextCursor(self._document)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self._browser.setTextCursor(cursor)
        self._browser.ensureCursorVisible()
        return index + 1, len(matches)

    def selected_text(self) -> str:
        return self._browser.textCursor().selectedText()

    def end_find(self) -> None:
        """Unmark; the cursor stays where the selected match began, so finding again resumes there."""
        self._mark_matches("")
        cursor = self._browser.textCursor()
        cursor.setPosition(cursor.selectionStart())
        self._browser.setTextCursor(cursor)

    def _mark_matches(self, text: str) -> list[tuple[int, int]]:
        matches: list[tuple[int, int]] = []
        selections = []
        cursor = self._document.find(text, 0) if text else QTextCursor()
        while not cursor.isNull() and len(matches) < MAX_FIND_MATCHES:
            matches.append((cursor.selectionStart(), cursor.selectionEnd()))
            mark = QTextEdit.ExtraSelection()
            mark.cursor = cursor
            mark.format.setBackground(QColor(self._theme.find_bg))
            selections.append(mark)
            cursor = self._document.find(text, cursor)
        self._browser.setExtraSelections(selections)
        return matches

    def _stored_message(self, role: str, text: str, state: str) -> list[_Entry]:
        key = next(self._keys)
        entries: list[_Entry] = []
        if role == "user":
            user = _UserEntry(key, clean_text(text))
            self._messages[key] = _Message(key, "user", live=False, user=user)
            entries.append(user)
        else:
            segment = _TextSegment(next(self._ids), key, first=True, stream=MarkdownStream(text), live=False)
            self._segments[segment.id] = segment
            self._messages[key] = _Message(key, "assistant", live=False, text=segment)
            entries.append(segment)
        if state and state != "complete":
            entries.append(_StateEntry(state))
        return entries

    def _earlier_html(self) -> str:
        """The line above the shown messages: a link to the hidden ones, or once all are shown, a mark that
        this is where the conversation begins (the region stays: an empty one would merge with what follows)."""
        muted = f'<p align="center" style="color:{self._theme.muted}">'
        if not self._earlier:
            start = self.tr("This is the beginning of the conversation.")
            return f"{muted}<small>{html.escape(start)}</small></p>"
        hidden = len(self._earlier)
        label = self.tr("{hidden} earlier messages are not shown.").format(hidden=hidden)
        more = self.tr("Show {count} more").format(count=min(hidden, HISTORY_PAGE))
        return (f'{muted}{html.escape(label)} &nbsp;'
                f'<a href="gd-earlier:" style="color:{self._theme.link}">{html.escape(more)}</a></p>')

    def clear(self) -> None:
        self.reject_pending_permissions()
        self._flush_timer.stop()
        self._dirty.clear()
        self._highlight_jobs.clear()
        self._entries.clear()
        self._messages.clear()
        self._segments.clear()
        self._tools.clear()
        self._plan = None
        self._last_region = None
        self._earlier = []
        self._earlier_region = None
        self._document.clear()
        self._following = True
        self._jump.hide()
        self._welcome.setVisible(self._greets)

    def to_markdown(self) -> str:
        """The whole conversation, earlier messages not laid out included."""
        entries = [entry for message in self._earlier for entry in message] + self._entries
        return "\n\n".join(text for entry in entries if (text := entry.markdown())) + "\n"

    def message_count(self) -> int:
        return len(self._messages)

    def is_at_bottom(self) -> bool:
        bar = self._browser.verticalScrollBar()
        return bar.value() >= bar.maximum() - BOTTOM_SLACK_PX

    def scroll_to_bottom(self) -> None:
        self._following = True
        self._jump.hide()
        self._scroll_to_end()

    # --- tool calls and permissions ---

    def upsert_tool_call(self, call: ToolCall) -> None:
        self._upsert_tool(call)
        self._after_output()

    def ask_permission(self, request: PermissionRequest) -> asyncio.Future[str | None]:
        """Show the request's prompt on its card. It never takes the focus: typing goes on where it was."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = asyncio.get_event_loop()
        future: asyncio.Future[str | None] = loop.create_future()
        entry = self._upsert_tool(request.tool_call)
        if entry.pending is not None:
            self._decide(entry, None)
        prompt = PermissionPrompt(request)  # joins the view while its slot is in view (see _place_visible_prompts)
        prompt.setPalette(self.palette())
        entry.pending = _Pending(request, future, prompt, prompt.sizeHint().height())
        entry.decision = ""
        prompt.decided.connect(lambda option, tool=entry: self._decide(tool, option))
        future.add_done_callback(lambda done, tool=entry: self._on_permission_done(tool, done))
        self._render_permission(entry)
        if entry.permission_region is not None:
            bisect.insort(self._open, entry, key=self._slot_position)
        self._after_output()
        self._reveal(entry)
        return future

    def answer_permission(self, key: Qt.Key) -> bool:
        """Answer the first open request in the conversation as the shortcut `key` (Y, A or N) says."""
        return bool(self._open) and self._open[0].pending is not None and self._open[0].pending.prompt.answer(key)

    def reject_pending_permissions(self) -> None:
        self._reject(list(self._open))

    def _reject(self, entries: Sequence[_ToolEntry]) -> None:
        """Every redraw above the end of the document moves all that follows it, so many requests are
        redrawn in one edit block: Qt lays the document out once, not once per request."""
        batch = QTextCursor(self._document)
        batch.beginEditBlock()
        try:
            for entry in entries:
                self._decide(entry, None)
        finally:
            batch.endEditBlock()

    def pending_prompt(self, tool_call_id: str) -> PermissionPrompt | None:
        entry = self._tools.get(tool_call_id)
        return entry.pending.prompt if entry is not None and entry.pending is not None else None

    def _upsert_tool(self, call: ToolCall) -> _ToolEntry:
        entry = self._tools.get(call.tool_call_id)
        if entry is None:
            entry = _ToolEntry(call)
            self._tools[call.tool_call_id] = entry
            self._add_entry(entry)
        else:
            entry.call = _merged(entry.call, call)
            self._render_entry(entry)
        return entry

    def _decide(self, entry: _ToolEntry, option: PermissionOption | None) -> None:
        pending = entry.pending
        if pending is None:
            return
        entry.pending = None
        for held in (self._open, self._placed):
            if entry in held:
                held.remove(entry)
        value = resolved_value(option)
        entry.decision = decision_text(option)
        had_focus = pending.prompt.holds_focus()
        pending.prompt.hide()
        pending.prompt.deleteLater()
        if not pending.future.done():
            pending.future.set_result(value)
        if (option is None or option.kind in REJECT_KINDS) and entry.call.status == ToolStatus.PENDING:
            entry.call = dataclasses.replace(entry.call, status=ToolStatus.FAILED)  # it will not run: gemini
            self._render_entry(entry)  # sends no further update for a rejected call
        self._render_permission(entry)
        self.permission_decided.emit(entry.call.tool_call_id, value)
        if had_focus:
            self.permission_focus_released.emit()

    def _on_permission_done(self, entry: _ToolEntry, future: asyncio.Future[str | None]) -> None:
        """Cancelled by the caller: a timeout, or the session ending, which withdraws all open requests at once."""
        if entry.pending is not None and entry.pending.future is future:
            self._withdrawn.append((entry, future))
            if not self._withdrawal_timer.isActive():
                self._withdrawal_timer.start(0)

    def _reject_withdrawn(self) -> None:
        withdrawn, self._withdrawn = self._withdrawn, []
        self._reject([entry for entry, future in withdrawn
                      if entry.pending is not None and entry.pending.future is future])

    def _render_permission(self, entry: _ToolEntry) -> None:
        if entry.permission_region is None:
            if entry.region is None:
                return
            entry.permission_region = self._region_after(entry.region)
        entry.permission_region.fill(self._permission_html(entry))

    def _permission_html(self, entry: _ToolEntry) -> str:
        if entry.pending is not None:
            name = _SLOT_URL.format(id(entry))
            self._document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), _blank_image())
            return (f'<p style="margin:0px"><img src="{html.escape(name)}" width="1" '
                    f'height="{entry.pending.height}"></p>')
        colour = self._theme.error if entry.decision.startswith("✗") else self._theme.success
        return f'<p style="margin:0px; color:{colour}">{html.escape(entry.decision)}</p>'

    @staticmethod
    def _slot_position(entry: _ToolEntry) -> int:
        return entry.permission_region.start.position() if entry.permission_region is not None else 0

    def _slot_top(self, entry: _ToolEntry) -> int:
        """Where the entry's prompt goes, in viewport coordinates."""
        if entry.permission_region is None:
            return 0
        return self._browser.cursorRect(entry.permission_region.start).top()

    def _place_prompts(self) -> None:
        """Place the prompts once the current burst of edits and scrolls is over (each edit would ask again)."""
        if (self._open or self._placed) and not self._placement_timer.isActive():
            self._placement_timer.start(0)

    def _place_visible_prompts(self) -> None:
        """Put the prompts whose slots are in view over those slots; take the others out of the view.

        A binary search over the open requests (in document order) finds the first one in view, so a
        placement costs what the visible prompts cost, however many requests wait. Prompts out of view are
        not even children of the viewport: scrolling moves every child widget, hidden or not, which made
        each scroll step cost as much as all open requests together.
        """
        viewport = self._browser.viewport()
        first = bisect.bisect_left(self._open, 0, key=lambda entry: self._slot_top(entry) + self._height(entry))
        visible: list[_ToolEntry] = []
        for entry in self._open[first:]:
            if self._slot_top(entry) > viewport.height():
                break
            visible.append(entry)
        for entry in self._placed:
            assert entry.pending is not None  # a decided entry leaves _placed
            prompt = entry.pending.prompt
            if entry in visible:
                continue
            if prompt.holds_focus():
                visible.append(entry)  # keeps the keyboard even when scrolled out of view
            else:
                prompt.hide()
                prompt.setParent(None)
        width = viewport.width()
        for entry in visible:
            assert entry.pending is not None and entry.permission_region is not None
            prompt = entry.pending.prompt
            if prompt.parent() is not viewport:
                prompt.setParent(viewport)
            left = self._browser.cursorRect(entry.permission_region.start).left()
            prompt.setGeometry(left, self._slot_top(entry), max(100, width - left - 12), entry.pending.height)
            prompt.show()
        self._placed = visible

    @staticmethod
    def _height(entry: _ToolEntry) -> int:
        return entry.pending.height if entry.pending is not None else 0

    def _reveal(self, entry: _ToolEntry) -> None:
        """Scroll a new request's slot into view unless it is already there."""
        if entry.pending is None:
            return
        viewport = self._browser.viewport()
        top = self._slot_top(entry)
        if top < 0 or top + entry.pending.height > viewport.height():
            bar = self._browser.verticalScrollBar()
            self._scrolling = True
            try:
                bar.setValue(bar.value() + top - viewport.height() // 2)
            finally:
                self._scrolling = False
            self._following = self.is_at_bottom()
        self._place_visible_prompts()  # at once, so the new request is visible as soon as it is asked

    # --- streaming ---

    def _message(self, key: int) -> _Message | None:
        message = self._messages.get(key)
        if message is None:
            log.warning("no message with key %s; dropped", key)
        return message

    def _stream_into(self, segment: _TextSegment | _ThoughtSegment, text: str) -> None:
        segment.stream.append(text)
        self._dirty[segment.id] = segment
        if not self._flush_timer.isActive():
            since_ms = (time.perf_counter() - self._last_flush) * 1000
            self._flush_timer.start(max(0, int(self._flush_interval_ms - since_ms)))

    def _flush(self) -> None:
        if not self._dirty:
            return
        started = time.perf_counter()
        dirty = list(self._dirty.values())
        self._dirty.clear()
        for segment in dirty:
            self._render_entry(segment)
        self._last_flush = time.perf_counter()
        cost_ms = (self._last_flush - started) * 1000
        self._flush_interval_ms = min(FLUSH_MAX_MS, max(FLUSH_MIN_MS, 1.5 * cost_ms))
        self._after_output()

    def _settle(self, segment: _TextSegment | _ThoughtSegment | None) -> None:
        if segment is None or not segment.live:
            return
        segment.live = False
        self._dirty.pop(segment.id, None)
        self._render_entry(segment)

    # --- laying out ---

    def _add_entry(self, entry: _Entry) -> None:
        self._welcome.hide()
        position = self._document.characterCount() - 1
        if self._last_region is not None or self._document.characterCount() > 1:
            cursor = QTextCursor(self._document)
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            position = cursor.position()
        entry.region = _Region(self._document, position)
        self._last_region = entry.region
        self._entries.append(entry)
        self._render_entry(entry)

    def _region_after(self, region: _Region) -> _Region:
        cursor = _editing(region.end)  # region.end keeps its place: the new block is outside the region
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        new = _Region(self._document, cursor.position())
        if self._last_region is region:
            self._last_region = new
        return new

    def _render_entry(self, entry: _Entry) -> None:
        region = entry.region
        if region is None:
            return
        if isinstance(entry, _TextSegment):
            self._render_text(entry, region)
        else:
            region.fill(self._entry_html(entry))

    def _render_text(self, segment: _TextSegment, region: _Region) -> None:
        """Append the blocks that settled since the last flush, then redraw only the growing last block."""
        if segment.tail is None:
            region.fill(self._assistant_header() if segment.first else "")
            segment.tail = (region.break_block_at_end() if segment.first
                            else _marker(self._document, region.start.position()))
        segment.render_count += 1
        del segment.codes[segment.settled_codes:]
        settled, tail = self.renderer.render_stream(
            segment.stream, final=not segment.live, code_href=lambda i, s=segment: f"gd-copy:{s.id}/{i}",
            first_code_index=segment.settled_codes, highlight_settled=False, budget=segment.highlight_budget)
        first_new_code = segment.settled_codes
        segment.codes.extend(settled.code_blocks)
        segment.settled_codes = len(segment.codes)
        segment.codes.extend(tail.code_blocks)
        if settled.html:
            settled_from = segment.tail.position()
            region.replace_from(segment.tail, settled.html)
            self._queue_highlights(settled_from, {
                f"gd-copy:{segment.id}/{first_new_code + n}": (segment.codes[first_new_code + n], language)
                for n, (language, wanted) in enumerate(zip(settled.code_languages, settled.to_highlight, strict=True))
                if wanted})
            if tail.html or segment.live:  # what settled stays: the next flush renders below it
                segment.tail = region.break_block_at_end()
        if tail.append:  # the next piece of a long block shown plain: what is shown of it stays
            if tail.html:
                region.append(tail.html)
        elif tail.html or not settled.html:
            region.replace_from(segment.tail, tail.html)

    def _queue_highlights(self, start: int, wanted: dict[str, tuple[str, str]]) -> None:
        """Find each just-inserted plain code block (the blocks after its Copy anchor, `wanted` maps that
        href to the code and its language) and queue it for colouring in idle time.

        Only for blocks near the end of the document: an edit relays out everything below it.
        """
        jobs = []
        block = self._document.findBlock(start)
        while block.isValid() and wanted:
            iterator = block.begin()
            href = ""
            while not iterator.atEnd() and not href:
                href = iterator.fragment().charFormat().anchorHref()
                iterator += 1
            if href in wanted:
                code, language = wanted.pop(href)
                first = block.next()
                last = first
                for _ in range(code.count("\n")):
                    last = last.next()
                region = _Region(self._document, first.position())
                region.end.setPosition(last.position() + last.length() - 1)
                jobs.append(_HighlightJob(region, CodeHighlighter(code, language, self._theme)))
                block = last
            block = block.next()
        self._highlight_jobs.extend(jobs)
        if self._highlight_jobs and not self._highlight_timer.isActive():
            self._highlight_timer.start(0)

    def _highlight_step(self) -> None:
        """One slice: lex a little, or put one finished block in place (never both: each costs a few ms)."""
        if not self._highlight_jobs:
            return
        job = self._highlight_jobs[0]
        if job.highlighter.done:
            self._highlight_jobs.pop(0)
            job.region.fill(job.highlighter.html())
        else:
            job.highlighter.advance(HIGHLIGHT_SLICE_SECONDS)
        if self._highlight_jobs:
            streaming = bool(self._dirty) or self._flush_timer.isActive()
            self._highlight_timer.start(FLUSH_MIN_MS if streaming else 0)

    def _entry_html(self, entry: _Entry) -> str:
        theme = self._theme
        if isinstance(entry, _UserEntry):
            return self._user_html(entry)
        if isinstance(entry, _ThoughtSegment):
            return self._thought_html(entry)
        if isinstance(entry, _ToolEntry):
            decided = entry.decision and entry.permission_region is None  # laid out in a batch: no own region
            return tool_card_html(entry.call, theme) + (self._permission_html(entry) if decided else "")
        if isinstance(entry, _PlanEntry):
            return self._plan_html(entry.plan)
        if isinstance(entry, _NoticeEntry):
            colour = theme.error if entry.kind == "error" else theme.muted
            return f'<p align="center" style="color:{colour}">{html.escape(breakable(entry.text))}</p>'
        if isinstance(entry, _StateEntry):
            colour = theme.error if entry.state == "failed" else theme.warning
            return (f'<p style="margin-top:0px; color:{colour}"><small>⚠ {html.escape(_state_label(entry.state))}'
                    "</small></p>")
        return ""

    def _assistant_header(self) -> str:
        gemini = self.tr("Gemini")
        return (f'<p style="margin-top:12px; margin-bottom:0px; color:{self._theme.muted}">'
                f"<b>{html.escape(gemini)}</b></p>")

    def _user_html(self, entry: _UserEntry) -> str:
        """A tinted, indented run of blocks: a bubble without a table (see MarkdownRenderer grid tables)."""
        theme = self._theme
        bubble = f"background-color:{theme.user_bg}; margin-left:48px; margin-top:0px; margin-bottom:0px"
        badge = ""
        if entry.queued:
            queued = self.tr("queued")
            badge = (f' &nbsp;<span style="color:{theme.warning}; font-size:small">'
                     f"⏳ {html.escape(queued)}</span>")
        body = self.renderer.render(entry.text, block_style=bubble).html
        you = self.tr("You")
        return (f'<p style="{bubble}; margin-top:12px; color:{theme.muted}"><b>{html.escape(you)}</b>'
                f"{badge}</p>{body}<p style=\"{bubble}; font-size:4px\"></p>")

    def _thought_html(self, segment: _ThoughtSegment) -> str:
        theme = self._theme
        state = self.tr("Thinking…") if segment.live else self.tr("Thoughts")
        toggle = self.tr("Hide thoughts") if segment.expanded else self.tr("Show thoughts")
        arrow = "▾" if segment.expanded else "▸"
        header = (f'<p style="margin-top:6px; margin-bottom:0px; color:{theme.muted}">💭 <i>{html.escape(state)}'
                  f'</i> &nbsp;<a href="gd-thoughts:{segment.id}" style="color:{theme.link}">{arrow} '
                  f"{html.escape(toggle)}</a></p>")
        if not segment.expanded:
            return header
        text = segment.stream.text
        earlier = ""
        if segment.live and len(text) > MAX_LIVE_BLOCK_CHARS:  # re-rendered per flush: only its latest part
            start = text.find("\n\n", len(text) - MAX_LIVE_BLOCK_CHARS)
            text = text[start if start >= 0 else len(text) - MAX_LIVE_BLOCK_CHARS:]
            note = self.tr("… earlier thoughts are shown in full when thinking ends")
            earlier = f"<p><small>{html.escape(note)}</small></p>"
        body = self.renderer.render(text).html
        return f'{header}<div style="color:{theme.muted}; font-style:italic">{earlier}{body}</div>'

    def _plan_html(self, plan: PlanUpdate) -> str:
        theme = self._theme
        marks = {"completed": ("☑", theme.success), "in_progress": ("◐", theme.running)}
        title = self.tr("Plan")
        rows = [f'<p style="margin-top:6px; margin-bottom:2px"><b>{html.escape(title)}</b></p>']
        for item in plan.entries:
            mark, colour = marks.get(item.status, ("☐", theme.muted))
            rows.append(f'<p style="margin:0px; margin-left:12px"><span style="color:{colour}">{mark}</span> '
                        f"{html.escape(breakable(shortened(item.content, 2000)))}</p>")
        return "".join(rows)

    def _lay_out_batch(self, batch: Sequence[_Entry]) -> None:
        """Settled entries as one HTML import: much cheaper than one import (and relayout) per entry.

        Code is highlighted right here, not later: an edit far above the end relays out all that follows.
        """
        self._welcome.setVisible(self._greets and not batch and not self._entries)
        if not batch:
            return
        markup = self._batch_html(batch)
        if self._document.isEmpty():
            self._document.setHtml(markup)
        else:
            cursor = QTextCursor(self._document)
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            _insert_html(cursor, markup)
        self._entries.extend(batch)
        self._last_region = None  # the next entry starts below the batch

    def _batch_html(self, batch: Sequence[_Entry]) -> str:
        parts = []
        for entry in batch:
            if isinstance(entry, _TextSegment):
                rendered = self.renderer.render(entry.stream.text, lambda i, s=entry: f"gd-copy:{s.id}/{i}")
                entry.codes = rendered.code_blocks
                entry.settled_codes = len(entry.codes)
                entry.render_count += 1
                parts.append((self._assistant_header() if entry.first else "") + rendered.html)
            else:
                parts.append(self._entry_html(entry))
        return "".join(parts)

    def _rebuild(self) -> None:
        """After a theme change: everything again; runs of settled entries each in one batch."""
        self._flush()
        self._highlight_jobs.clear()
        entries = self._entries
        self._entries = []
        self._last_region = None
        self._document.clear()
        if self._earlier_region is not None:
            self._earlier_region = _Region(self._document, 0)
            self._earlier_region.fill(self._earlier_html())
        batch: list[_Entry] = []
        for entry in entries:
            entry.region = None
            if isinstance(entry, _ToolEntry):
                entry.permission_region = None
            if entry.settled and not isinstance(entry, _ThoughtSegment):  # thoughts keep a region to toggle
                batch.append(entry)
                continue
            self._lay_out_batch(batch)
            batch = []
            if isinstance(entry, _TextSegment):
                entry.tail = None
                entry.stream.reset()
                entry.codes.clear()
                entry.settled_codes = 0
                entry.highlight_budget = HighlightBudget()
            self._add_entry(entry)
            if isinstance(entry, _ToolEntry) and entry.pending is not None:
                self._render_permission(entry)
        self._lay_out_batch(batch)
        self._after_output()

    # --- scrolling ---

    def _after_output(self) -> None:
        if self._following:
            self._scroll_to_end()
        elif not self.is_at_bottom():
            self._show_jump()
        self._place_prompts()

    def _scroll_to_end(self) -> None:
        bar = self._browser.verticalScrollBar()
        if bar.value() == bar.maximum():
            return
        self._scrolling = True
        try:
            bar.setValue(bar.maximum())
        finally:
            self._scrolling = False

    def _on_range_changed(self, _minimum: int, _maximum: int) -> None:
        if self._following:
            self._scroll_to_end()

    def _on_scrolled(self, _value: int) -> None:
        self._place_prompts()
        if self._scrolling:
            return
        self._following = self.is_at_bottom()
        if self._following:
            self._jump.hide()

    def _show_jump(self) -> None:
        if self._jump.isHidden():
            self._jump.adjustSize()
            self._position_jump()
            self._jump.show()
            self._jump.raise_()

    def _position_jump(self) -> None:
        size = self._jump.sizeHint()
        bar = self._browser.verticalScrollBar()
        right = self.width() - (bar.width() if bar.isVisible() else 0) - 16
        self._jump.setGeometry(right - size.width(), self.height() - size.height() - 16, size.width(),
                               size.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_tables_to_width()
        self._welcome.setGeometry(self.rect().adjusted(48, 0, -48, 0))
        self._position_jump()
        self._place_prompts()
        if self._following:
            self._scroll_to_end()

    def _fit_tables_to_width(self) -> None:
        """Tables rendered from now on wrap their cells to fit the view (ones already shown keep their grid)."""
        usable = self.width() - 2 * int(self._document.documentMargin()) - TABLE_SLACK_PX  # the browser fills us
        self.renderer.table_width = max(MIN_TABLE_CHARS, int(usable / max(1.0, grid_font().width(" "))))

    # --- links and actions ---

    def _on_anchor(self, url: QUrl) -> None:
        scheme = url.scheme().lower()
        if scheme in ("http", "https"):
            if self._link_may_deceive(url) and not self._confirm_link(url):
                return
            QDesktopServices.openUrl(url)
            self.link_clicked.emit(url)
        elif scheme == "mailto":
            QGuiApplication.clipboard().setText(url.path())
            QToolTip.showText(QCursor.pos(), self.tr("Address copied"), self)
        elif scheme == "gd-copy":
            self._copy_code(url.path())
        elif scheme == "gd-thoughts":
            self._toggle_thoughts(url.path())
        elif scheme == "gd-earlier":
            self.show_earlier()
        else:
            log.warning("ignored a click on a link with scheme %r", scheme)

    def _on_link_hovered(self, url: QUrl) -> None:
        if url.scheme().lower() not in ("http", "https", "mailto"):
            self.link_hovered.emit("")
            return
        target = link_target_text(url)
        self.link_hovered.emit(target)
        QToolTip.showText(QCursor.pos(), f"<p style='white-space:pre'>{html.escape(target)}</p>", self._browser)

    def _link_may_deceive(self, url: QUrl) -> bool:
        """True when the link's host is not plain ASCII, or a link to it shows a text other than its target
        (a wrapped URL's pieces together count as its own text)."""
        href, shown = self._anchor_texts(url)
        if not (url.host().isascii() and link_host(href).isascii()):
            return True
        return not shown or (any(text != href for text in shown) and "".join(shown) != href)

    def _anchor_texts(self, url: QUrl) -> tuple[str, list[str]]:
        """(the href as written, the text of each run of anchors going to `url`) in the document."""
        href = ""
        runs: list[str] = []
        run_end = -1
        block = self._document.begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                anchor = fragment.charFormat().anchorHref()
                if anchor and QUrl(anchor) == url:
                    href = anchor
                    text = fragment.text().replace("\u200b", "")
                    if fragment.position() == run_end:
                        runs[-1] += text
                    else:
                        runs.append(text)
                    run_end = fragment.position() + fragment.length()
                iterator += 1
            block = block.next()
        return href, runs

    def _confirm_link(self, url: QUrl) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Open this link?"),
                          self.tr("This link may not go where its text says. It really opens:") + "\n\n"
                          + link_target_text(url), parent=self)
        box.setObjectName("confirmLink")
        box.setTextFormat(Qt.TextFormat.PlainText)
        opening = box.addButton(self.tr("Open link"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is opening

    def _copy_code(self, path: str) -> None:
        segment_id, _, index = path.partition("/")
        segment = self._segments.get(int(segment_id)) if segment_id.isdigit() else None
        if isinstance(segment, _TextSegment) and index.isdigit() and int(index) < len(segment.codes):
            QGuiApplication.clipboard().setText(segment.codes[int(index)])  # control characters written out
            QToolTip.showText(QCursor.pos(), self.tr("Code copied"), self)

    def _toggle_thoughts(self, path: str) -> None:
        segment = self._segments.get(int(path)) if path.isdigit() else None
        if isinstance(segment, _ThoughtSegment):
            segment.expanded = not segment.expanded
            self._render_entry(segment)
            self._place_prompts()

    def _copy_conversation(self) -> None:
        QGuiApplication.clipboard().setText(self.to_markdown())

    # --- theme ---

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._on_palette_changed()

    def _on_palette_changed(self) -> None:
        theme = Theme.from_palette(self.palette())
        if theme != self._theme:
            self._theme = theme
            self.renderer.theme = theme
            QTimer.singleShot(0, self._rebuild)

    def anchor_position(self, href: str) -> QPoint | None:
        """Viewport position of the first anchor with this href (for tests and accessibility tooling)."""
        block = self._document.begin()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                if fragment.charFormat().anchorHref() == href:
                    cursor = QTextCursor(self._document)
                    cursor.setPosition(fragment.position() + min(1, fragment.length() - 1))
                    return self._browser.cursorRect(cursor).center()
                iterator += 1
            block = block.next()
        return None


def _merged(old: ToolCall, new: ToolCall) -> ToolCall:
    """A permission request may carry a thinner copy of the call; keep what we already knew."""
    return ToolCall(
        tool_call_id=new.tool_call_id,
        title=new.title or old.title,
        kind=new.kind if new.kind != "other" else old.kind,
        status=new.status,
        paths=new.paths or old.paths,
        diffs=new.diffs or old.diffs,
        text=new.text or old.text,
    )


def _blank_image() -> QImage:
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    return image
