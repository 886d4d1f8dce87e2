"""The conversation view: one read-only QTextDocument, a view of a ConversationModel.

It replays the model, then follows its change events; it keeps no conversation of its own, only where each
entry sits in the document and what rendering it needs again. Why one document: selecting and copying across
messages just works, and Qt lays out only what changed. Finished entries are laid out once; a streaming answer
re-renders only its last, still growing Markdown block, and only on a short coalescing timer, so a chunk costs
the same whether the transcript holds ten messages or ten thousand. A stored conversation is laid out a page at
a time, in one pass per page.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QCursor,
    QDesktopServices,
    QFont,
    QFontInfo,
    QGuiApplication,
    QPaintEvent,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QMenu, QTextBrowser, QToolButton, QToolTip, QVBoxLayout, QWidget

from gemini_desktop.conversation.model import Change, ConversationModel, Entry, ModelEvent, ShownAttachment
from gemini_desktop.ui import design
from gemini_desktop.ui.empty_state import EmptyState
from gemini_desktop.ui.markdown_render import MarkdownRenderer
from gemini_desktop.ui.markdown_tables import grid_font
from gemini_desktop.ui.theme import Theme
from gemini_desktop.ui.tool_card import PermissionPrompt
from gemini_desktop.ui.transcript.attachments import (
    ICON_SCHEME,
    OPEN_SCHEME,
    THUMB_SCHEME,
    Thumbnails,
    attachment_entry_id,
    attachment_named,
    chip_icon,
    open_attachment,
)
from gemini_desktop.ui.transcript.find import FindInConversation
from gemini_desktop.ui.transcript.hover_actions import MessageActionBar
from gemini_desktop.ui.transcript.items import Item, TextItem, ThoughtItem, ToolItem, item_for
from gemini_desktop.ui.transcript.layout import DocumentLayout
from gemini_desktop.ui.transcript.links import (
    confirm_link,
    first_anchor_position,
    link_may_deceive,
    link_target_text,
)
from gemini_desktop.ui.transcript.message_menu import add_message_actions, message_at
from gemini_desktop.ui.transcript.prompts import Decide, PermissionPrompts
from gemini_desktop.ui.transcript.regions import Region, editing, insert_html
from gemini_desktop.ui.transcript.renderers import EntryRenderer

log = logging.getLogger(__name__)

DOCUMENT_MARGIN = 12
ZOOM_STEP = 0.1  # Ctrl++ / Ctrl+- change the transcript's text by 10% of the window's font

HISTORY_PAGE = 100
"""A stored conversation opens with its last HISTORY_PAGE messages laid out; older ones follow a page at a time
when asked for, so opening a conversation of thousands of messages costs what opening a short one does."""
BOTTOM_SLACK_PX = 4
TABLE_SLACK_PX = 24  # room for the scroll bar appearing later
MIN_TABLE_CHARS = 40


class _Browser(QTextBrowser):
    """The document's view: nothing is loaded from anywhere, and paints are observable for the benchmark."""

    painted = Signal()
    copy_conversation_requested = Signal()
    thumbnails: Thumbnails | None = None

    def loadResource(self, kind: int, name: QUrl) -> object:
        """Only our own thumbnails of attached images; images in model output are shown as alt text, and
        nothing may reach the network or disk."""
        if name.scheme() == THUMB_SCHEME and self.thumbnails is not None:
            return self.thumbnails.image(name.toString())
        if name.scheme() == ICON_SCHEME:
            return chip_icon(name.toString(), self)
        return None

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        self.painted.emit()

    message_actions: Callable[[QMenu, int], None] | None = None  # adds the actions of the message at a position

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.createStandardContextMenu(event.pos())
        if self.message_actions is not None:
            self.message_actions(menu, self.cursorForPosition(event.pos()).position())
        menu.addSeparator()
        action = menu.addAction(self.tr("Copy conversation as Markdown"))
        action.triggered.connect(self.copy_conversation_requested)
        menu.exec(event.globalPos())
        menu.deleteLater()


def _groups(entries: Sequence[Entry]) -> list[list[Entry]]:
    """The entries of each stored message."""
    groups: list[list[Entry]] = []
    for entry in entries:
        if groups and groups[-1][0].message == entry.message:
            groups[-1].append(entry)
        else:
            groups.append([entry])
    return groups


class TranscriptView(QWidget):
    link_clicked = Signal(QUrl)
    link_hovered = Signal(str)
    """The real target of the link under the mouse (see link_target_text), or "" when it leaves the link."""
    permission_focus_released = Signal()  # a decided prompt had the keyboard: give it back to the composer
    attachment_opened = Signal(object)  # the ShownAttachment the user clicked
    undo_requested = Signal(int, bool)  # "Undo changes" (True) or "Redo" clicked on a turn's or a tool card's entry
    message_action = Signal(str, int)  # "retry", "edit", "undo" or "redo" chosen on the message with this key

    def __init__(self, parent: QWidget | None = None, *, model: ConversationModel | None = None,
                 decide: Decide | None = None, welcome: bool = True) -> None:
        """`welcome`: greet in an empty transcript (not in a preview, where empty means nothing is selected).
        `decide` receives the user's answers to permission requests (the conversation's controller)."""
        super().__init__(parent)
        self.setObjectName("transcriptView")
        self._greets = welcome
        self._theme = Theme.from_palette(self.palette())
        self.renderer = MarkdownRenderer(self._theme)
        self._entries = EntryRenderer(self._theme, self.renderer, lambda item: self._prompts.slot_html(item))
        self._model = ConversationModel()
        self._earlier: list[list[Entry]] = []  # the stored messages not laid out yet
        self._earlier_region: Region | None = None
        self._expanded: set[int] = set()  # thoughts and tool cards the user opened (kept across a relayout)
        self._following = True
        self._scrolling = False

        self._browser = _Browser(self)
        self._browser.setObjectName("transcriptDocument")
        self._browser.setAccessibleName(self.tr("Conversation"))
        self._browser.setOpenLinks(False)
        self._browser.setOpenExternalLinks(False)
        self._browser.setUndoRedoEnabled(False)
        self._document = self._browser.document()
        self._document.setUndoRedoEnabled(False)
        self._document.setDocumentMargin(DOCUMENT_MARGIN)
        self._browser.anchorClicked.connect(self._on_anchor)
        self._browser.highlighted.connect(self._on_link_hovered)
        self._browser.copy_conversation_requested.connect(self._copy_conversation)
        self._browser.message_actions = self._add_message_actions
        self.action_bar = MessageActionBar(self._browser, lambda: self._model, self.message_action.emit)
        self.thumbnails = Thumbnails(self._document, self._attachment_named, self._browser.viewport().update, self)
        self._browser.thumbnails = self.thumbnails
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

        self._welcome = self.welcome = EmptyState(self)  # the examples fill the composer: its view wires them

        self._layout = DocumentLayout(self._document, self._entries, self._welcome.hide, self._after_output, self)
        self._prompts = PermissionPrompts(self._browser, self._layout, self._after_output, self.scroll_by, self)
        self._prompts.focus_released.connect(self.permission_focus_released)
        self._finder = FindInConversation(self, self._browser)
        bar = self._browser.verticalScrollBar()
        bar.rangeChanged.connect(self._on_range_changed)
        bar.valueChanged.connect(self._on_scrolled)
        self._document.documentLayout().documentSizeChanged.connect(self._prompts.place_soon)
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: self._on_palette_changed())
        self.set_model(model if model is not None else self._model, decide)

    # --- the model ---

    @property
    def model(self) -> ConversationModel:
        return self._model

    def set_model(self, model: ConversationModel, decide: Decide | None = None) -> None:
        """Show `model`: replay it, then follow its changes. `decide` (if given) receives permission answers."""
        self._model.unsubscribe(self._on_model)
        self._model = model
        if decide is not None:
            self._prompts.decide = decide
        self._expanded.clear()
        model.subscribe(self._on_model)
        self._replay()

    def _on_model(self, event: ModelEvent) -> None:
        if event.change is Change.RESET:
            self._expanded.clear()
            self._replay()
            return
        if event.change is Change.APPENDED:
            item = self._layout.items.get(event.entries[0].id)
            if isinstance(item, (TextItem, ThoughtItem)):
                self._layout.stream_into(item, event.delta)
            return
        edits = QTextCursor(self._document)
        edits.beginEditBlock()  # many withdrawn requests: Qt lays the document out once, not once per request
        try:
            for entry in event.entries:
                if event.change is Change.ADDED:
                    self._follow_added(entry)
                else:
                    self._follow_changed(entry)
        finally:
            edits.endEditBlock()
        self._after_output()

    def _follow_added(self, entry: Entry) -> None:
        item = item_for(entry)
        self._layout.items[entry.id] = item
        self._layout.add_item(item)
        if isinstance(item, ToolItem) and item.source.request is not None:
            self._prompts.open_prompt(item)

    def _follow_changed(self, entry: Entry) -> None:
        item = self._layout.items.get(entry.id)
        if item is None:
            return
        if isinstance(item, (TextItem, ThoughtItem)):
            if item.live and not entry.settled:
                return
            self._layout.settle(item)
        elif isinstance(item, ToolItem):
            self._layout.render_item(item)
            if item.source.request is not None and item.prompt is None:
                self._prompts.open_prompt(item)
            elif item.source.request is None and item.prompt is not None:
                self._prompts.close_prompt(item)
        else:
            self._layout.render_item(item)

    def _replay(self, hidden: int | None = None) -> None:
        """Everything again from the model: stored messages from the page that `hidden` leaves (the last page
        by default), then what followed them, runs of settled entries each in one batch."""
        self._reset_layout()
        entries = self._model.entries
        stored = _groups(entries[:self._model.stored])
        if hidden is None:
            hidden = max(0, len(stored) - HISTORY_PAGE)
        self._earlier = stored[:hidden]
        if self._earlier:
            self._earlier_region = Region(self._document, 0)
            self._earlier_region.fill(self._entries.earlier_line(len(self._earlier), HISTORY_PAGE))
        self._lay_out([entry for group in stored[hidden:] for entry in group] + list(entries[self._model.stored:]))
        self._welcome.setVisible(self._greets and not self._layout.laid_out and not self._earlier)
        self._fit_column()  # clearing and refilling the document reset its root frame: the column again
        self._after_output()

    def _reset_layout(self) -> None:
        self._layout.reset()
        self._prompts.discard_all()
        self._earlier = []
        self._earlier_region = None
        self._document.clear()
        self.thumbnails.forget()
        self._following = True
        self._jump.hide()

    def _lay_out(self, entries: Sequence[Entry]) -> None:
        batch: list[Item] = []
        for entry in entries:
            item = item_for(entry)
            self._layout.items[entry.id] = item
            if isinstance(item, ThoughtItem | ToolItem):  # they keep a region to open and close
                item.expanded = entry.id in self._expanded
            elif item.settled:
                batch.append(item)
                continue
            self._layout.lay_out_batch(batch)
            batch = []
            self._layout.add_item(item)
            if isinstance(item, ToolItem) and item.source.request is not None:
                self._prompts.open_prompt(item)
        self._layout.lay_out_batch(batch)

    # --- paging ---

    def show_earlier(self) -> int:
        """Lay out the next page of earlier messages above the shown ones, keeping the view where it was;
        returns how many messages are still hidden."""
        return self._show_last_hidden(HISTORY_PAGE)

    def show_from(self, message_index: int) -> None:
        """Lay out the stored messages from this one on (a search hit, a find)."""
        self._show_last_hidden(len(self._earlier) - message_index)

    def _show_last_hidden(self, count: int) -> int:
        region = self._earlier_region
        if region is None or not self._earlier or count <= 0:
            return len(self._earlier)
        page = self._earlier[-count:]
        del self._earlier[-count:]
        items = [item_for(entry) for group in page for entry in group]
        self._layout.items.update((item.source.id, item) for item in items)
        bar = self._browser.verticalScrollBar()
        offset = bar.maximum() - bar.value()
        cursor = editing(region.end)
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        insert_html(cursor, self._layout.batch_html(items))
        self._layout.laid_out[:0] = items
        region.fill(self._entries.earlier_line(len(self._earlier), HISTORY_PAGE))
        self._scrolling = True
        try:
            bar.setValue(bar.maximum() - offset)
        finally:
            self._scrolling = False
        self._following = self.is_at_bottom()
        return len(self._earlier)

    def earlier_count(self) -> int:
        return len(self._earlier)

    def hidden_groups(self) -> Sequence[Sequence[Entry]]:
        """The entries of each stored message not laid out yet, oldest first."""
        return self._earlier

    def earlier_entries(self) -> list[Entry]:
        return [entry for group in self._earlier for entry in group]

    # --- find ---

    def find(self, text: str, *, backward: bool = False, again: bool = True) -> tuple[int, int]:
        """Select a match of `text` (case-insensitive) in the whole conversation and mark the laid-out ones;
        a match in a page not laid out yet is laid out first. Returns (which match, from 1; how many)."""
        return self._finder.find(text, backward=backward, again=again)

    def find_colour(self) -> str:
        return self._theme.find_bg

    def end_find(self) -> None:
        self._finder.end()

    def selected_text(self) -> str:
        return self._browser.textCursor().selectedText()

    # --- state ---

    def is_at_bottom(self) -> bool:
        bar = self._browser.verticalScrollBar()
        return bar.value() >= bar.maximum() - BOTTOM_SLACK_PX

    def scroll_to_bottom(self) -> None:
        self._following = True
        self._jump.hide()
        self._scroll_to_end()

    def set_zoom(self, steps: int) -> None:
        """Text `steps` x 10% larger (or smaller) than the window's font; the document lays out once again."""
        font = QFont(self.font())
        font.setPointSizeF(max(4.0, self.font().pointSizeF() * (1 + ZOOM_STEP * steps)))
        self._browser.setFont(font)
        self._fit_tables_to_width()

    def zoom(self) -> float:
        """The shown text size against the window's font (1.0 = not zoomed)."""
        return self._browser.font().pointSizeF() / self.font().pointSizeF()

    # --- permissions ---

    def answer_permission(self, key: Qt.Key) -> bool:
        """Answer the first open request in the conversation as the shortcut `key` (Y, A or N) says."""
        return self._prompts.answer_first(key)

    def reject_pending_permissions(self) -> None:
        """Reject every open request (Stop, closing); redrawn in one edit block: Qt lays the document out once."""
        edits = QTextCursor(self._document)
        edits.beginEditBlock()
        try:
            self._prompts.reject_all()
        finally:
            edits.endEditBlock()

    def pending_prompt(self, tool_call_id: str) -> PermissionPrompt | None:
        entry = self._model.tool_call(tool_call_id)
        item = self._layout.items.get(entry.id) if entry is not None else None
        return item.prompt.widget if isinstance(item, ToolItem) and item.prompt is not None else None

    def scroll_by(self, pixels: int) -> None:
        """Move the view without counting it as the user's scroll; it follows the end only if it is there."""
        bar = self._browser.verticalScrollBar()
        self._scrolling = True
        try:
            bar.setValue(bar.value() + pixels)
        finally:
            self._scrolling = False
        self._following = self.is_at_bottom()

    # --- scrolling ---

    def _after_output(self) -> None:
        if self._following:
            self._scroll_to_end()
        elif not self.is_at_bottom():
            self._show_jump()
        self._prompts.place_soon()

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
        self._prompts.place_soon()
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
        self._prompts.place_soon()
        if self._following:
            self._scroll_to_end()

    def _fit_column(self) -> None:
        """Keep a readable line length: past `MESSAGE_WIDTH_EM` the text stays a centred column (the root
        frame's side margins; only a width change moves them, and that relays out the document anyway)."""
        em = QFontInfo(self._browser.font()).pixelSize()
        side = max(DOCUMENT_MARGIN, (self.width() - design.MESSAGE_WIDTH_EM * em) // 2)  # the browser fills us
        root = self._document.rootFrame()
        frame = root.frameFormat()
        if frame.leftMargin() != side:
            frame.setLeftMargin(side)
            frame.setRightMargin(side)
            root.setFrameFormat(frame)

    def column_width(self) -> int:
        """The width the messages are laid out in."""
        return self.width() - 2 * int(self._document.rootFrame().frameFormat().leftMargin())

    def _fit_tables_to_width(self) -> None:
        """Tables rendered from now on wrap their cells to fit the view (ones already shown keep their grid)."""
        self._fit_column()
        usable = self.column_width() - TABLE_SLACK_PX
        self.renderer.table_width = max(MIN_TABLE_CHARS, int(usable / max(1.0, grid_font().width(" "))))

    # --- links and actions ---

    def _on_anchor(self, url: QUrl) -> None:
        scheme = url.scheme().lower()
        if scheme in ("http", "https"):
            if link_may_deceive(self._document, url) and not confirm_link(self, url):
                return
            QDesktopServices.openUrl(url)
            self.link_clicked.emit(url)
        elif scheme == "mailto":
            QGuiApplication.clipboard().setText(url.path())
            QToolTip.showText(QCursor.pos(), self.tr("Address copied"), self)
        elif scheme == "gd-copy":
            self._copy_code(url.path())
        elif scheme in ("gd-thoughts", "gd-tool"):
            self._toggle(url.path())
        elif scheme == "gd-earlier":
            self.show_earlier()
        elif scheme == OPEN_SCHEME:
            self._open_attachment(url)
        elif scheme in ("gd-undo", "gd-redo") and url.path().isdigit():
            self.undo_requested.emit(int(url.path()), scheme == "gd-undo")
        else:
            log.warning("ignored a click on a link with scheme %r", scheme)

    def _on_link_hovered(self, url: QUrl) -> None:
        if url.scheme().lower() not in ("http", "https", "mailto"):
            self.link_hovered.emit("")
            return
        target = link_target_text(url)
        self.link_hovered.emit(target)
        QToolTip.showText(QCursor.pos(), f"<p style='white-space:pre'>{html.escape(target)}</p>", self._browser)

    def _copy_code(self, path: str) -> None:
        entry_id, _, index = path.partition("/")
        item = self._layout.items.get(int(entry_id)) if entry_id.isdigit() else None
        if isinstance(item, TextItem) and index.isdigit() and int(index) < len(item.codes):
            QGuiApplication.clipboard().setText(item.codes[int(index)])  # control characters written out
            QToolTip.showText(QCursor.pos(), self.tr("Code copied"), self)

    def _toggle(self, path: str) -> None:
        """Open or close thoughts or a finished tool card (kept across a relayout)."""
        item = self._layout.items.get(int(path)) if path.isdigit() else None
        if isinstance(item, ThoughtItem | ToolItem):
            item.expanded = not item.expanded
            self._expanded.symmetric_difference_update({item.source.id})
            self._layout.render_item(item)
            self._prompts.place_soon()

    def _attachment_named(self, name: str) -> ShownAttachment | None:
        item = self._layout.items.get(attachment_entry_id(name))
        return attachment_named(item.source, name) if item is not None else None

    def _open_attachment(self, url: QUrl) -> None:
        attachment = self._attachment_named(url.toString())
        if attachment is None:
            return
        problem = open_attachment(attachment, self, QDesktopServices.openUrl)
        if problem:
            QToolTip.showText(QCursor.pos(), problem, self)
        self.attachment_opened.emit(attachment)

    def _add_message_actions(self, menu: QMenu, position: int) -> None:
        key = message_at(self._document, position)
        if key is not None:
            add_message_actions(menu, self._model, key, QGuiApplication.clipboard().setText, self.message_action.emit)

    def _copy_conversation(self) -> None:
        QGuiApplication.clipboard().setText(self._model.to_markdown())

    # --- theme ---

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._on_palette_changed()

    def _on_palette_changed(self) -> None:
        theme = Theme.from_palette(self.palette())
        if theme != self._theme:
            self._theme = self._entries.theme = self.renderer.theme = theme
            QTimer.singleShot(0, lambda: self._replay(hidden=len(self._earlier)))

    def set_agent_name(self, name: str) -> None:
        """Who answers in this conversation, in each answer's header ("": gemini); the answers drawn from now on."""
        self._entries.agent_name = name

    def anchor_position(self, href: str) -> QPoint | None:
        """Viewport position of the first anchor with this href (for tests and accessibility tooling)."""
        position = first_anchor_position(self._document, href)
        if position is None:
            return None
        cursor = QTextCursor(self._document)
        cursor.setPosition(position)
        return self._browser.cursorRect(cursor).center()
