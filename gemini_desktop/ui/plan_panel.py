"""The agent's plan as a live checklist pinned above the composer while a turn runs (collapsible).

It only shows the model's current plan (`ConversationModel.plan`): the model is the one copy, and the
transcript keeps the same plan in its place in the conversation once the turn is over.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFrame, QLabel, QToolButton, QVBoxLayout, QWidget

from gemini_desktop.conversation import ConversationModel, ModelEvent
from gemini_desktop.conversation.model import PlanEntry
from gemini_desktop.ui.banners import plain_label

SHOWN_ITEMS_MAX = 50
MARKS = {"completed": "☑", "in_progress": "◐", "cancelled": "☒", "blocked": "⊘"}


def status_name(status: str) -> str:
    names = {
        "pending": QCoreApplication.translate("PlanPanel", "pending"),
        "in_progress": QCoreApplication.translate("PlanPanel", "in progress"),
        "completed": QCoreApplication.translate("PlanPanel", "completed"),
        "cancelled": QCoreApplication.translate("PlanPanel", "cancelled"),
        "blocked": QCoreApplication.translate("PlanPanel", "blocked"),
    }
    return names.get(status, status)


def item_line(content: str, status: str) -> str:
    """One item as plain text: its mark, its text and (for a screen reader and a tooltip-less look) its status."""
    return f"{MARKS.get(status, '☐')} {content}  ({status_name(status)})"


class PlanPanel(QFrame):
    """Shows the model's plan while `running`; the header collapses the items to one line of progress."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._model: ConversationModel | None = None
        self._running = False
        self.header = QToolButton(self)
        self.header.setObjectName("planHeader")
        self.header.setAccessibleName(self.tr("Plan"))
        self.header.setAccessibleDescription(self.tr("Show or hide the agent's plan"))
        self.header.setCheckable(True)
        self.header.setChecked(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setArrowType(Qt.ArrowType.DownArrow)
        self.header.toggled.connect(self._set_expanded)
        self.body = QWidget(self)
        self._items = QVBoxLayout(self.body)
        self._items.setContentsMargins(16, 0, 4, 4)
        self._items.setSpacing(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.header)
        layout.addWidget(self.body)
        self.hide()

    @property
    def expanded(self) -> bool:
        return self.header.isChecked()

    def set_model(self, model: ConversationModel) -> None:
        if self._model is not None:
            self._model.unsubscribe(self._follow)
        self._model = model
        model.subscribe(self._follow)
        self.refresh()

    def set_running(self, running: bool) -> None:
        self._running = running
        self.refresh()

    def _follow(self, event: ModelEvent) -> None:
        if not event.entries or any(isinstance(entry, PlanEntry) for entry in event.entries):
            self.refresh()

    def _set_expanded(self, expanded: bool) -> None:
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)

    def item_texts(self) -> list[str]:
        return [label.text() for label in self.body.findChildren(QLabel)]

    def refresh(self) -> None:
        plan = self._model.plan if self._model is not None else None
        entries = plan.plan.entries if plan is not None else ()
        self.setVisible(self._running and bool(entries))
        done = sum(entry.status == "completed" for entry in entries)
        self.header.setText(self.tr("Plan: {done} of {total} done").format(done=done, total=len(entries)))
        while self._items.count():
            widget = self._items.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
                widget.setParent(None)
        for entry in entries[:SHOWN_ITEMS_MAX]:
            label = plain_label(item_line(entry.content, entry.status), self.body)
            label.setObjectName(f"planItem_{entry.status}")
            self._items.addWidget(label)
        if len(entries) > SHOWN_ITEMS_MAX:
            more = self.tr("… {count} more").format(count=len(entries) - SHOWN_ITEMS_MAX)
            self._items.addWidget(plain_label(more, self.body))
        self.body.setVisible(self.expanded)
