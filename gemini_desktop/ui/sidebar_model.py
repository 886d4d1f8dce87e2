"""The sidebar's rows (conversation/sidebar_rows.py) as a Qt list model: one flat list, one scroll.

Updates are applied as the smallest insert / remove / change, never a reset: the activity of an open
conversation changes many times a second while it streams, and the list keeps its scroll position and the
user's selection through that. The history comes a page at a time through Qt's canFetchMore / fetchMore.

Everything shown comes from users or the model: plain text, or escaped rich text for the search hits.
"""

from __future__ import annotations

import html
import logging
from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QDate,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from gemini_desktop.conversation.sidebar_rows import (
    OPEN,
    PREVIOUS_7_DAYS,
    TODAY,
    YESTERDAY,
    Group,
    OpenRow,
    Row,
    RowKind,
    SidebarRows,
)
from gemini_desktop.engine.agents.profiles import GEMINI, display_name
from gemini_desktop.store import HistoryStore, SearchHit, SessionRecord, StoreError
from gemini_desktop.untrusted_text import FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE, isolated

log = logging.getLogger(__name__)

SEARCH_LIMIT = 100
UNREAD_MARK = "●"
ROW_ROLE = Qt.ItemDataRole.UserRole  # the conversation/sidebar_rows.Row
SESSION_ID_ROLE = Qt.ItemDataRole.UserRole + 1
MESSAGE_ID_ROLE = Qt.ItemDataRole.UserRole + 2
HTML_ROLE = Qt.ItemDataRole.UserRole + 3  # a search hit: escaped rich text with the match marked
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 4  # the row's second line: activity, or folder and time
AnyIndex = QModelIndex | QPersistentModelIndex


def activity_text(activity: str, queued: int, waiting_for: tuple[str, int, int] | None = None) -> str:
    """The words for an engine `Activity` value (`waiting_for`: the agent's name, busy processes and the cap)."""
    if activity == "waiting_process" and waiting_for is not None:
        agent, busy, cap = waiting_for
        return QCoreApplication.translate("Sidebar", "waiting for a free {agent} ({busy} of {cap} busy)").format(
            agent=agent, busy=busy, cap=cap)
    texts = {
        "starting": QCoreApplication.translate("Sidebar", "starting"),
        "resuming": QCoreApplication.translate("Sidebar", "resuming"),
        "streaming": QCoreApplication.translate("Sidebar", "streaming"),
        "waiting_approval": QCoreApplication.translate("Sidebar", "waiting for approval"),
        "idle": QCoreApplication.translate("Sidebar", "idle"),
        "suspended": QCoreApplication.translate("Sidebar", "suspended"),
        "crashed": QCoreApplication.translate("Sidebar", "crashed"),
        "failed": QCoreApplication.translate("Sidebar", "not started"),
    }
    if activity == "queued" or (queued and activity == "streaming"):
        return QCoreApplication.translate("Sidebar", "queued {count}").format(count=queued)
    return texts.get(activity, activity)


def group_label(group: Group) -> str:
    labels = {
        OPEN: QCoreApplication.translate("Sidebar", "Open"),
        TODAY: QCoreApplication.translate("Sidebar", "Today"),
        YESTERDAY: QCoreApplication.translate("Sidebar", "Yesterday"),
        PREVIOUS_7_DAYS: QCoreApplication.translate("Sidebar", "Previous 7 days"),
    }
    if group in labels:
        return labels[group]
    year, month = group.year_month
    # A QDate format: the month's name and the year, in the order and words of the user's language.
    month_format = QCoreApplication.translate("Sidebar", "MMMM yyyy")
    return QLocale().toString(QDate(year, month, 1), month_format)


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


def plain_tooltip(*lines: str) -> str:
    """Tooltip lines of untrusted text: escaped (Qt would render a title holding a tag as rich text) and each
    a bidi isolate (a right-to-left mark in a title must not reorder the folder below it)."""
    return "<p style='white-space:pre'>" + "<br>".join(html.escape(isolated(line)) for line in lines) + "</p>"


def folder_name(cwd: str) -> str:
    return cwd.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1] or cwd


class SidebarModel(QAbstractListModel):
    """The flat list of the sidebar over a SidebarRows."""

    def __init__(self, store: HistoryStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.content = SidebarRows(lambda offset, limit: store.list_sessions(offset=offset, limit=limit))
        self._rows: list[Row] = []
        self._today = date.today()

    # -- what changes it

    def reload(self) -> None:
        """The history again from its first page (StoreError when the store cannot be read)."""
        self._today = date.today()
        try:
            self.content.reload()
        finally:
            self._apply()

    def set_open(self, rows: list[OpenRow], current: int) -> None:
        self.content.set_open(rows, current)
        self._apply()

    def search(self, query: str) -> None:
        """The store's hits for `query` ("" goes back to the history); StoreError when it cannot be searched."""
        hits = self._store.search(query.strip(), limit=SEARCH_LIMIT) if query.strip() else []
        self.content.set_search(query, hits)
        self._apply()

    @property
    def loaded_sessions(self) -> int:
        return len(self.content.records)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008 - Qt's default argument
        return not parent.isValid() and self.content.can_load_more

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        try:
            self.content.load_page()
        except StoreError as failure:
            log.error("loading more history failed: %s", failure)
            self.content.exhausted = True
        self._apply()

    def _apply(self) -> None:
        """Move from the rows shown to the new ones by removing and inserting only what differs."""
        new = self.content.rows()
        old = self._rows
        old_keys, new_keys = [row.key() for row in old], [row.key() for row in new]
        prefix = 0
        limit = min(len(old), len(new))
        while prefix < limit and old_keys[prefix] == new_keys[prefix]:
            prefix += 1
        suffix = 0
        while suffix < limit - prefix and old_keys[-1 - suffix] == new_keys[-1 - suffix]:
            suffix += 1
        if len(old) - suffix > prefix:
            self.beginRemoveRows(QModelIndex(), prefix, len(old) - suffix - 1)
            self._rows = old[:prefix] + old[len(old) - suffix:]
            self.endRemoveRows()
        if len(new) - suffix > prefix:
            self.beginInsertRows(QModelIndex(), prefix, len(new) - suffix - 1)
            self._rows = new[:len(new) - suffix] + self._rows[prefix:]
            self.endInsertRows()
        changed = [index for index in range(len(new)) if new[index] != self._rows[index]]
        self._rows = new
        if changed:
            self.dataChanged.emit(self.index(changed[0]), self.index(changed[-1]))

    # -- what it shows

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def row_at(self, index: AnyIndex) -> Row | None:
        return self._rows[index.row()] if index.isValid() and index.row() < len(self._rows) else None

    def rows(self) -> list[Row]:
        return list(self._rows)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        row = self.row_at(index)
        if row is None:
            return Qt.ItemFlag.NoItemFlags
        if row.kind is RowKind.HEADER:
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index)
        if row is None:
            return None
        if role == ROW_ROLE:
            return row
        if role == SESSION_ID_ROLE:
            return row.session_id
        if role == MESSAGE_ID_ROLE:
            return row.hit.message_id if row.hit is not None else None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row)
        if role == DETAIL_ROLE:
            return self._detail(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        if role == HTML_ROLE and row.hit is not None:
            return self._hit_html(row.hit)
        return None

    def _text(self, row: Row) -> str:
        if row.kind is RowKind.HEADER:
            return group_label(row.group)
        if row.open_row is not None:
            open_row = row.open_row
            mark = f"{UNREAD_MARK} " if open_row.unread else ""
            return f"{mark}{isolated(open_row.title)} — {self._detail(row)}"
        if row.hit is not None:
            return f"{isolated(self._title(row.hit.session))} — {self._who(row.hit)}: {isolated(row.hit.snippet)}"
        assert row.session is not None
        agent = self._agent(row.session)
        title = self._title(row.session)
        return f"{title} · {agent}" if agent else title  # only another agent than gemini is worth the room

    def _detail(self, row: Row) -> str:
        if row.open_row is not None:
            open_row = row.open_row
            state = activity_text(open_row.activity, open_row.queued, open_row.waiting_for)
            return f"{open_row.agent} · {state}" if open_row.agent else state
        session = row.session or (row.hit.session if row.hit is not None else None)
        if session is None:
            return ""
        return short_time(session.updated if row.hit is None else row.hit.created, self._today)

    def _tooltip(self, row: Row) -> str | None:
        if row.open_row is not None:
            return plain_tooltip(row.open_row.title, row.open_row.folder)
        record = row.session
        if record is None:
            return None
        title = self._title(record)
        source = self.tr("imported from gemini CLI") if record.source == "cli-import" else ""
        when = record.updated.astimezone().strftime("%Y-%m-%d %H:%M")
        count = self.tr("%n message(s)", "", record.message_count)
        return plain_tooltip(*(part for part in (title, self._agent(record), record.cwd, record.model or "", when,
                                                 count, source) if part))

    def _title(self, record: SessionRecord) -> str:
        return record.title or self.tr("Untitled conversation")

    def _agent(self, record: SessionRecord) -> str:
        return display_name(record.agent) if record.agent not in ("", GEMINI.name) else ""

    def _who(self, hit: SearchHit) -> str:
        return self.tr("You") if hit.role == "user" else self.tr("Gemini")

    def _hit_html(self, hit: SearchHit) -> str:
        title = self._title(hit.session)
        folder = html.escape(isolated(folder_name(hit.session.cwd)))
        words = f"{FIRST_STRONG_ISOLATE}{highlighted_html(hit.snippet, hit.matches)}{POP_DIRECTIONAL_ISOLATE}"
        return (f"<div><b>{html.escape(isolated(title))}</b> <small>· {folder}</small></div>"
                f"<div>{html.escape(self._who(hit))}: {words}</div>")
