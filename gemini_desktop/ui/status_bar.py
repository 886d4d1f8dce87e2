"""Status bar: engine state with a busy indicator, model and approval-mode pickers, folder, queue, tokens."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from gemini_desktop.engine.events import Choice
from gemini_desktop.engine.types import SessionState, Usage
from gemini_desktop.ui.context_meter import ContextMeter

if TYPE_CHECKING:
    from gemini_desktop.ui.conversation_view import ConversationView

BUSY_STATES = {SessionState.STARTING, SessionState.BUSY, SessionState.RESTARTING}


NOT_SET_UP = "not-set-up"  # no usable gemini CLI yet: not an engine state, there is no engine


def state_label(state: str) -> str:
    labels = {
        SessionState.STOPPED: QCoreApplication.translate("StatusBar", "stopped"),
        SessionState.STARTING: QCoreApplication.translate("StatusBar", "starting…"),
        SessionState.READY: QCoreApplication.translate("StatusBar", "ready"),
        SessionState.BUSY: QCoreApplication.translate("StatusBar", "thinking…"),
        SessionState.RESTARTING: QCoreApplication.translate("StatusBar", "restarting…"),
        SessionState.CRASHED: QCoreApplication.translate("StatusBar", "crashed"),
        SessionState.FAILED: QCoreApplication.translate("StatusBar", "failed"),
        NOT_SET_UP: QCoreApplication.translate("StatusBar", "not set up"),
    }
    return labels.get(state, state)  # type: ignore[call-overload]


def format_usage(usage: Usage | None) -> str:
    if usage is None:
        return "–"
    return QCoreApplication.translate("StatusBar", "{total} ({inp} in / {out} out)").format(
        total=usage.total_tokens, inp=usage.input_tokens, out=usage.output_tokens
    )


class ChoiceBox(QComboBox):
    """A combo box of agent choices that calls back only when the user picks, never when we refill it."""

    chosen = Signal(str)

    def __init__(self, object_name: str, tooltip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setToolTip(tooltip)
        self.setAccessibleName(tooltip)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setEnabled(False)
        self.activated.connect(lambda index: self.chosen.emit(str(self.itemData(index))))

    def reset(self) -> None:
        """No choices known (a conversation whose gemini has not started yet)."""
        self.clear()
        self.setEnabled(False)

    def set_choices(self, current: str, available: Sequence[Choice]) -> None:
        self.blockSignals(True)
        try:
            if available:
                self.clear()
                for choice in available:
                    self.addItem(choice.name or choice.id, choice.id)
                    self.setItemData(self.count() - 1, choice.description or choice.id,
                                     Qt.ItemDataRole.ToolTipRole)
            index = self.findData(current)
            if index < 0 and current:
                self.addItem(current, current)
                index = self.count() - 1
            self.setCurrentIndex(index)
            self.setEnabled(self.count() > 0)
        finally:
            self.blockSignals(False)


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._agent = ""  # the shown conversation's agent when it is not gemini
        self.engine_label = QLabel(self)
        self.engine_label.setObjectName("statusEngine")
        self.busy = QProgressBar(self)
        self.busy.setObjectName("statusBusy")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(80)
        self.busy.setMaximumHeight(12)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.queue_label = QLabel(self)
        self.queue_label.setObjectName("statusQueue")
        self.model_box = ChoiceBox("modelBox", self.tr("Model"), self)
        self.mode_box = ChoiceBox("modeBox", self.tr("Approval mode"), self)
        self.folder_label = QLabel(self)
        self.folder_label.setObjectName("statusFolder")
        self.usage_label = QLabel(self)
        self.usage_label.setObjectName("statusUsage")
        self.context_meter = ContextMeter(self)
        self.mcp_button = QToolButton(self)
        self.mcp_button.setObjectName("mcpStatus")
        self.mcp_button.setAutoRaise(True)
        self.mcp_button.setToolTip(self.tr("MCP servers a new conversation gets: click to see, add or test them"))
        self.set_mcp_count(None)
        for widget in (self.engine_label, self.busy, self.queue_label):
            self.addWidget(widget)
        for widget in (self.folder_label, self.model_box, self.mode_box, self.usage_label, self.context_meter,
                       self.mcp_button):
            self.addPermanentWidget(widget)
        self.set_state(SessionState.STOPPED)
        self.set_queued(0)
        self.set_usage(None, None)

    def show_conversation(self, view: ConversationView, *, gemini_missing: bool) -> None:
        """Everything the bar says is about the shown conversation: its state, queue, folder, usage, pickers."""
        client = view.client
        self._agent = view.agent_label
        self.set_state(NOT_SET_UP if gemini_missing and client is None else view.state)
        self.set_queued(client.queued_count if client is not None else 0)
        self.set_folder(view.folder)
        self.set_usage(*view.usage)
        self.context_meter.show_usage(*view.context)
        for update, box in ((client.models if client else None, self.model_box),
                            (client.modes if client else None, self.mode_box)):
            if update is not None:
                box.set_choices(update.current, update.available)
            else:
                box.reset()

    def set_state(self, state: str) -> None:
        if self._agent:
            self.engine_label.setText(self.tr("{agent}: {state}").format(agent=self._agent, state=state_label(state)))
        else:
            self.engine_label.setText(self.tr("Gemini: {state}").format(state=state_label(state)))
        self.engine_label.setProperty("engineState", state)
        self.busy.setVisible(state in BUSY_STATES)

    def set_sign_in(self, summary: str) -> None:
        """`summary`: the way in new conversations use, never a secret ("" when gemini's own settings decide)."""
        self.engine_label.setToolTip(self.tr("Signed in with: {way}").format(way=summary) if summary
                                     else self.tr("Signed in as gemini's own settings say"))

    def set_queued(self, count: int) -> None:
        self.queue_label.setText(self.tr("{count} queued").format(count=count) if count else "")
        self.queue_label.setVisible(count > 0)

    def set_folder(self, folder: Path) -> None:
        self.folder_label.setText(folder.name or str(folder))
        self.folder_label.setToolTip(self.tr("Working folder: {path}").format(path=folder))

    def set_mcp_count(self, count: int | None) -> None:
        """None while not known yet."""
        self.mcp_button.setText(self.tr("MCP: {count}").format(count="…" if count is None else count))

    def set_usage(self, last_turn: Usage | None, session: Usage | None) -> None:
        self.usage_label.setText(
            self.tr("Tokens: last {last} · session {session}").format(
                last=format_usage(last_turn), session=format_usage(session)
            )
        )

