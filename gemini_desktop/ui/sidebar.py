"""The sidebar: the open conversations first (each with its activity and an unread mark), the history below."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QSplitter, QVBoxLayout, QWidget

from gemini_desktop.store import HistoryStore
from gemini_desktop.ui.history_panel import HistoryPanel
from gemini_desktop.untrusted_text import isolated

UNREAD_MARK = "●"


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


@dataclass(frozen=True)
class OpenRow:
    title: str
    folder: str
    activity: str
    queued: int = 0
    unread: bool = False
    waiting_for: tuple[str, int, int] | None = None  # agent, busy, cap: while waiting for a free process
    agent: str = ""  # its agent's name, when the open conversations are not all of one agent


class Sidebar(QWidget):
    conversation_chosen = Signal(int)  # row of an open conversation

    def __init__(self, store: HistoryStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        heading = QLabel(self.tr("Open conversations"), self)
        self.open_list = QListWidget(self)
        self.open_list.setObjectName("openConversations")
        self.open_list.setAccessibleName(self.tr("Open conversations"))
        # A long title gives way in its middle, so the row's state at its end stays readable without scrolling.
        self.open_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.open_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.open_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the composer keeps the keyboard
        self.open_list.itemClicked.connect(lambda item: self.conversation_chosen.emit(self.open_list.row(item)))
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(4, 4, 4, 0)
        top_layout.addWidget(heading)
        top_layout.addWidget(self.open_list, 1)
        self.history_panel = HistoryPanel(store, self)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(top)
        splitter.addWidget(self.history_panel)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def set_rows(self, rows: list[OpenRow], current: int) -> None:
        """Show the open conversations in order; cheap enough to call on every change."""
        while self.open_list.count() > len(rows):
            self.open_list.takeItem(self.open_list.count() - 1)
        for index, row in enumerate(rows):
            item = self.open_list.item(index)
            if item is None:
                item = QListWidgetItem(self.open_list)
            mark = f"{UNREAD_MARK} " if row.unread else ""
            agent = f" · {row.agent}" if row.agent else ""
            activity = activity_text(row.activity, row.queued, row.waiting_for)
            item.setText(f"{mark}{isolated(row.title)}{agent} — {activity}")
            item.setToolTip(f"{isolated(row.title)}\n{isolated(row.folder)}")
            item.setData(Qt.ItemDataRole.UserRole, row.activity)
        self.open_list.setCurrentRow(current)

    def row_text(self, row: int) -> str:
        item = self.open_list.item(row)
        return item.text() if item is not None else ""
