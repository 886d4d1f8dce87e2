"""What sits between the transcript and the composer while a turn runs: the agent's plan and the queue.

One small hook in the conversation view (`attach`), so the view itself stays about layout.
"""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from gemini_desktop.conversation import ConversationController
from gemini_desktop.ui.plan_panel import PlanPanel
from gemini_desktop.ui.queue_panel import QueuePanel


class TurnDock(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("turnDock")
        self.plan = PlanPanel(self)
        self.queue = QueuePanel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plan)
        layout.addWidget(self.queue)

    def attach(self, controller: ConversationController) -> None:
        self.plan.set_model(controller.model)
        self.queue.set_controller(controller)
        self.plan.set_running(controller.busy)
        controller.turn_began.connect(lambda *_: self.plan.set_running(controller.busy))
        controller.turn_ended.connect(lambda *_: self.plan.set_running(controller.busy))
