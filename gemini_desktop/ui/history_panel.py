"""The history browser: every stored conversation, grouped by date and working folder, with instant search.

It talks only to the store's public API. Everything shown comes from users or the model, so it is shown as
plain text or escaped rich text, never as markup of its own.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from enum import IntEnum
from pathlib import Path

from PySide6.QtCore import (
    QDate,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QPainter, QStandardItem, QStandardItemModel, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from gemini_desktop.engine.agents.profiles import GEMINI, display_name
from gemini_desktop.store import HistoryStore, SearchHit, SessionRecord, StoreError
from gemini_desktop.untrusted_text import FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE, isolated

log = logging.getLogger(__name__)

PAGE_SIZE = 100
SEARCH_DELAY_MS = 150
SEARCH_LIMIT = 100
UNDO_VISIBLE_MS = 15000
SESSION_ID_ROLE = Qt.ItemDataRole.UserRole + 1
MESSAGE_ID_ROLE = Qt.ItemDataRole.UserRole + 2
HTML_ROLE = Qt.ItemDataRole.UserRole + 3


class Bucket(IntEnum):
    TODAY = 0
    YESTERDAY = 1
    THIS_WEEK = 2
    OLDER = 3


def bucket_of(moment: datetime, today: date) -> Bucket:
    day = moment.astimezone().date()
    if day >= today:
        return Bucket.TODAY
    if day == today - timedelta(days=1):
        return Bucket.YESTERDAY
    if day > today - timedelta(days=7):
        return Bucket.THIS_WEEK
    return Bucket.OLDER


def short_time(moment: datetime, today: date) -> str:
    """Time of day for today, weekday for this week, the date before that: what fits a narrow column."""
    local = moment.astimezone()
    if local.date() >= today:
        return local.strftime("%H:%M")
    if local.date() > today - timedelta(days=7):
        weekday = QLocale().toString(QDate(local.year, local.month, local.day), "ddd")
        return f"{weekday} {local:%H:%M}"
    return local.strftime("%Y-%m-%d")


def highlighted_html(text: str, matches: tuple[tuple[int, int], ...]) -> str:
    """Escape everything, then mark the matched spans."""
    pieces: list[str] = []
    position = 0
    for start, length in sorted(matches):
        if start < position:
            continue
        pieces.append(html.escape(text[position:start]))
        pieces.append(f"<b><u>{html.escape(text[start:start + length])}</u></b>")
        position = start + length
    pieces.append(html.escape(text[position:]))
    return "".join(pieces)


class SessionTreeModel(QStandardItemModel):
    """Date bucket -> working folder -> sessions, newest first, one page at a time.

    Paging is driven by the view's scroll bar rather than Qt's fetchMore: a grouped tree keeps few top-level
    rows, so QTreeView's fetchMore heuristics would pull in page after page while laying out.
    """

    def __init__(self, store: HistoryStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._loaded = 0
        self._exhausted = False
        self._buckets: dict[Bucket, QStandardItem] = {}
        self._folders: dict[tuple[Bucket, str], QStandardItem] = {}
        self._today = date.today()
        self.setHorizontalHeaderLabels([self.tr("Conversation"), self.tr("Messages"), self.tr("Model"),
                                        self.tr("Last activity")])

    def reload(self) -> None:
        self.removeRows(0, self.rowCount())
        self._buckets.clear()
        self._folders.clear()
        self._loaded = 0
        self._exhausted = False
        self._today = date.today()
        self.load_page()

    def load_page(self) -> None:
        """Append the next page of sessions; does nothing once everything is loaded."""
        if self._exhausted:
            return
        records = self._store.list_sessions(offset=self._loaded, limit=PAGE_SIZE)
        self._loaded += len(records)
        self._exhausted = len(records) < PAGE_SIZE
        for record in records:
            self._folder_item(record).appendRow(self._session_row(record))

    @property
    def loaded_sessions(self) -> int:
        return self._loaded

    def _bucket_item(self, bucket: Bucket) -> QStandardItem:
        if bucket not in self._buckets:
            labels = {Bucket.TODAY: self.tr("Today"), Bucket.YESTERDAY: self.tr("Yesterday"),
                      Bucket.THIS_WEEK: self.tr("This week"), Bucket.OLDER: self.tr("Older")}
            item = _group_item(labels[bucket])
            self._buckets[bucket] = item
            self.appendRow([item, *(_group_item("") for _ in range(self.columnCount() - 1))])
        return self._buckets[bucket]

    def _folder_item(self, record: SessionRecord) -> QStandardItem:
        bucket = bucket_of(record.updated, self._today)
        key = (bucket, record.cwd)
        if key not in self._folders:
            item = _group_item(Path(record.cwd).name or record.cwd if record.cwd else self.tr("Unknown folder"))
            item.setToolTip(_plain_tooltip(record.cwd))
            self._folders[key] = item
            self._bucket_item(bucket).appendRow([item, *(_group_item("") for _ in range(self.columnCount() - 1))])
        return self._folders[key]

    def _session_row(self, record: SessionRecord) -> list[QStandardItem]:
        title = record.title or self.tr("Untitled conversation")
        agent = display_name(record.agent) if record.agent not in ("", GEMINI.name) else ""
        shown = f"{title} · {agent}" if agent else title  # only another agent than gemini is worth the room
        cells = [shown, str(record.message_count), record.model or "", short_time(record.updated, self._today)]
        row = [_plain_item(text) for text in cells]
        row[0].setData(record.id, SESSION_ID_ROLE)
        source = self.tr("imported from gemini CLI") if record.source == "cli-import" else ""
        when = record.updated.astimezone().strftime("%Y-%m-%d %H:%M")
        count = self.tr("%n message(s)", "", record.message_count)
        row[0].setToolTip(_plain_tooltip(*(part for part in (title, agent, record.cwd, record.model or "", when, count,
                                                             source) if part)))
        row[1].setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return row


def _plain_tooltip(*lines: str) -> str:
    """Tooltip lines of untrusted text: escaped (Qt would render a title holding a tag as rich text) and each
    a bidi isolate (a right-to-left mark in a title must not reorder the folder below it)."""
    return "<p style='white-space:pre'>" + "<br>".join(html.escape(isolated(line)) for line in lines) + "</p>"


def _plain_item(text: str) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    return item


def _group_item(text: str) -> QStandardItem:
    item = _plain_item(text)
    item.setSelectable(False)
    font = item.font()
    font.setBold(True)
    item.setFont(font)
    return item


class HighlightDelegate(QStyledItemDelegate):
    """Paints a search result's escaped rich text (title line plus the snippet with the match marked)."""

    def _document(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setHtml(str(index.data(HTML_ROLE) or ""))
        document.setTextWidth(max(option.rect.width(), 200))
        return document

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        options = QStyleOptionViewItem(option)
        self.initStyleOption(options, index)
        options.text = ""
        widget = options.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, options, painter, widget)
        document = self._document(option, index)
        painter.save()
        painter.translate(option.rect.topLeft())
        document.drawContents(painter)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        document = self._document(option, index)
        return QSize(int(document.idealWidth()), int(document.size().height()) + 4)


class HistoryPanel(QWidget):
    """Browse, search, open, resume, rename, delete (with undo) and export stored conversations."""

    resume_requested = Signal(int)  # open and start its gemini now (double click, Resume)
    open_requested = Signal(int, object, str)  # session id, the message id of a search hit or None, the word

    def __init__(self, store: HistoryStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self._store = store
        self._undo_token: str | None = None

        self.search_field = QLineEdit(self)
        self.search_field.setObjectName("historySearch")
        self.search_field.setPlaceholderText(self.tr("Search all conversations…"))
        self.search_field.setAccessibleName(self.tr("Search conversations"))
        self.search_field.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self.search_field.textChanged.connect(self._search_timer.start)

        self.model = SessionTreeModel(store, self)
        self.tree = QTreeView(self)
        self.tree.setObjectName("historyTree")
        self.tree.setAccessibleName(self.tr("Conversations"))
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.tree.header()
        header.setAccessibleName(self.tr("Conversation columns"))
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2):  # message count and model are in each row's tooltip: the title needs the room
            self.tree.setColumnHidden(column, True)
        self.tree.setIndentation(14)
        self.model.rowsInserted.connect(self._expand_groups)
        self.tree.verticalScrollBar().valueChanged.connect(self._load_more_near_end)
        self.tree.selectionModel().currentRowChanged.connect(self._update_actions)
        self.tree.clicked.connect(self.open_selected)
        self.tree.activated.connect(self.open_selected)
        self.tree.doubleClicked.connect(self.resume_selected)
        self.tree.customContextMenuRequested.connect(self._context_menu)

        self.results_model = QStandardItemModel(self)
        self.results = QListView(self)
        self.results.setObjectName("historyResults")
        self.results.setAccessibleName(self.tr("Search results"))
        self.results.setModel(self.results_model)
        self.results.setItemDelegate(HighlightDelegate(self.results))
        self.results.setWordWrap(True)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.results.selectionModel().currentRowChanged.connect(self._update_actions)
        self.results.clicked.connect(self.open_selected)
        self.results.activated.connect(self.open_selected)
        self.results.doubleClicked.connect(self.resume_selected)
        self.results.customContextMenuRequested.connect(self._context_menu)

        self.lists = QStackedWidget(self)
        self.lists.addWidget(self.tree)
        self.lists.addWidget(self.results)

        self.status_label = QLabel(self)
        self.status_label.setObjectName("historyStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setWordWrap(True)
        self.status_label.hide()

        self.resume_action = self._action(self.tr("Resume"), self.resume_selected)
        self.rename_action = self._action(self.tr("Rename…"), self.rename_selected)
        self.delete_action = self._action(self.tr("Delete"), self.delete_selected)
        self.export_markdown_action = self._action(self.tr("Export as Markdown…"), self.export_selected_markdown)
        self.export_json_action = self._action(self.tr("Export as JSON…"), self.export_selected_json)
        self._session_actions = [self.resume_action, self.rename_action, self.delete_action,
                                 self.export_markdown_action, self.export_json_action]
        buttons = QHBoxLayout()
        for action in (self.resume_action, self.rename_action, self.delete_action):
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setAccessibleName(action.text().rstrip("…"))
            buttons.addWidget(button)
        export_menu = QMenu(self)
        export_menu.addActions([self.export_markdown_action, self.export_json_action])
        self.export_button = QToolButton(self)
        self.export_button.setObjectName("historyExport")
        self.export_button.setText(self.tr("Export"))
        self.export_button.setAccessibleName(self.tr("Export the selected conversation"))
        self.export_button.setMenu(export_menu)
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)

        self.undo_bar = QFrame(self)
        self.undo_bar.setObjectName("historyUndoBar")
        self.undo_bar.setFrameShape(QFrame.Shape.StyledPanel)
        undo_layout = QHBoxLayout(self.undo_bar)
        undo_layout.setContentsMargins(6, 2, 6, 2)
        self._undo_label = QLabel(self.tr("Conversation deleted."), self.undo_bar)
        self.undo_button = QPushButton(self.tr("Undo"), self.undo_bar)
        self.undo_button.setObjectName("historyUndo")
        self.undo_button.setAccessibleName(self.tr("Undo delete"))
        self.undo_button.clicked.connect(self.undo_delete)
        undo_layout.addWidget(self._undo_label, 1)
        undo_layout.addWidget(self.undo_button)
        self.undo_bar.hide()
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(UNDO_VISIBLE_MS)
        self._undo_timer.timeout.connect(self._forget_undo)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search_field)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addWidget(self.lists, 1)
        layout.addWidget(self.undo_bar)
        self._update_actions()
        self.refresh()

    def _action(self, text: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        return action

    # -- listing and searching -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload from the store (after a new conversation, an import, a rename...)."""
        try:
            self.model.reload()
        except StoreError as exc:
            self._show_status(str(exc))
            return
        if self.search_field.text().strip():
            self._run_search()
        else:
            self._show_status("")
        self._update_actions()

    def _expand_groups(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid() and parent.parent().isValid():
            return
        for row in range(first, last + 1):
            self.tree.expand(self.model.index(row, 0, parent))

    def _load_more_near_end(self, value: int) -> None:
        if value >= self.tree.verticalScrollBar().maximum() - 2:
            self._guarded(self.model.load_page)

    def _run_search(self) -> None:
        self._search_timer.stop()
        query = self.search_field.text().strip()
        self.results_model.clear()
        if not query:
            self.lists.setCurrentWidget(self.tree)
            self._show_status("")
            self._update_actions()
            return
        self.lists.setCurrentWidget(self.results)
        try:
            hits = self._store.search(query, limit=SEARCH_LIMIT)
        except StoreError as exc:
            self._show_status(str(exc))
            return
        for hit in hits:
            self.results_model.appendRow(self._result_item(hit))
        self._show_status("" if hits else self.tr("No conversation contains “%1”.").replace("%1", query))
        self._update_actions()

    def _result_item(self, hit: SearchHit) -> QStandardItem:
        title = hit.session.title or self.tr("Untitled conversation")
        who = self.tr("You") if hit.role == "user" else self.tr("Gemini")
        when = hit.created.astimezone().strftime("%Y-%m-%d %H:%M")
        item = _plain_item(f"{isolated(title)} — {who}: {isolated(hit.snippet)}")
        item.setData(hit.session.id, SESSION_ID_ROLE)
        item.setData(hit.message_id, MESSAGE_ID_ROLE)
        item.setData(
            f"<b>{html.escape(isolated(title))}</b> <small>· {html.escape(isolated(hit.session.cwd))} · "
            f"{html.escape(when)}</small><br>{html.escape(who)}: "
            f"{FIRST_STRONG_ISOLATE}{highlighted_html(hit.snippet, hit.matches)}{POP_DIRECTIONAL_ISOLATE}",
            HTML_ROLE,
        )
        return item

    def _show_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    # -- selection and opening --------------------------------------------------------------------------------

    def selected_session_id(self) -> int | None:
        view = self.results if self.lists.currentWidget() is self.results else self.tree
        index = view.currentIndex()
        if not index.isValid():
            return None
        value = index.siblingAtColumn(0).data(SESSION_ID_ROLE)
        return int(value) if value is not None else None

    def select_session(self, session_id: int) -> bool:
        """Make a loaded session the current one in the tree (clearing any search)."""
        self.search_field.clear()
        self._run_search()
        found = self.model.match(self.model.index(0, 0), SESSION_ID_ROLE, session_id, 1,
                                 Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        if not found:
            return False
        self.tree.setCurrentIndex(found[0])
        return True

    def open_selected(self, *_: object) -> None:
        """A click shows the conversation in the main area at once (read-only until it is sent to or resumed);
        from a search hit, with that message laid out and the searched word selected."""
        session_id = self.selected_session_id()
        if session_id is None:
            return
        searching = self.lists.currentWidget() is self.results
        hit = self.results.currentIndex().data(MESSAGE_ID_ROLE) if searching else None
        query = self.search_field.text().strip().split()
        self.open_requested.emit(session_id, hit, query[0] if searching and query else "")

    def _update_actions(self, *_: object) -> None:
        has_session = self.selected_session_id() is not None
        for action in self._session_actions:
            action.setEnabled(has_session)
        self.export_button.setEnabled(has_session)

    def _context_menu(self, position: QPoint) -> None:
        if self.selected_session_id() is None:
            return
        menu = QMenu(self)
        menu.addActions(self._session_actions)
        view = self.results if self.lists.currentWidget() is self.results else self.tree
        menu.exec(view.viewport().mapToGlobal(position))

    # -- actions -------------------------------------------------------------------------------------------

    def resume_selected(self) -> None:
        session_id = self.selected_session_id()
        if session_id is not None:
            self.resume_requested.emit(session_id)

    def _selected_record(self) -> SessionRecord | None:
        session_id = self.selected_session_id()
        if session_id is None:
            return None
        try:
            return self._store.get_session(session_id)
        except StoreError as exc:
            self._report_failure(str(exc))
            return None

    def rename_selected(self) -> None:
        session = self._selected_record()
        if session is None:
            return
        title, accepted = QInputDialog.getText(self, self.tr("Rename conversation"), self.tr("Title:"),
                                               QLineEdit.EchoMode.Normal, session.title)
        if accepted:
            self._guarded(lambda: self._store.rename_session(session.id, title))
            self.refresh()
            self.select_session(session.id)

    def delete_selected(self) -> None:
        session_id = self.selected_session_id()
        if session_id is None:
            return
        try:
            self._undo_token = self._store.delete_session(session_id)
        except StoreError as exc:
            self._report_failure(str(exc))
            return
        self.undo_bar.show()
        self._undo_timer.start()
        self.refresh()

    def undo_delete(self) -> None:
        token, self._undo_token = self._undo_token, None
        self.undo_bar.hide()
        self._undo_timer.stop()
        if token is not None:
            self._guarded(lambda: self._store.undo_delete(token))
            self.refresh()

    def _forget_undo(self) -> None:
        self._undo_token = None
        self.undo_bar.hide()

    def export_selected_markdown(self) -> None:
        self._export(self.tr("Export as Markdown"), self.tr("Markdown (*.md)"), ".md", self._store.export_markdown)

    def export_selected_json(self) -> None:
        self._export(self.tr("Export as JSON"), self.tr("JSON (*.json)"), ".json", self._store.export_json)

    def _export(self, caption: str, file_filter: str, suffix: str, render: Callable[[int], str]) -> None:
        session = self._selected_record()
        if session is None:
            return
        stem = "".join(c if c.isalnum() or c in "-_ " else "_" for c in session.title)
        suggested = (stem.strip()[:60] or "conversation") + suffix
        target, _ = QFileDialog.getSaveFileName(self, caption, suggested, file_filter)
        if not target:
            return
        try:
            Path(target).write_text(render(session.id), encoding="utf-8")
        except (OSError, StoreError) as exc:
            self._report_failure(self.tr("The export failed: %1").replace("%1", str(exc)))

    def _guarded(self, change: Callable[[], object]) -> None:
        try:
            change()
        except StoreError as exc:
            self._report_failure(str(exc))

    def _report_failure(self, text: str) -> None:
        log.error("history panel: %s", text)
        QMessageBox.warning(self, self.tr("History"), text)
