"""File › New conversation with ▸ one entry per agent (and the same in the command palette).

Ctrl+N stays the default agent's; this is where another agent is chosen. An agent whose program cannot be
found is still listed, marked "not installed": choosing it opens a conversation that says how to get it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from gemini_desktop.engine.agents.profiles import PROFILES

if TYPE_CHECKING:
    from gemini_desktop.ui.main_window import MainWindow


class AgentMenu(QObject):
    """The submenu, and a palette command per agent (the palette lists the window's own actions; the
    submenu's entries are its own children, so the palette shows each agent once, with the full phrase)."""

    def __init__(self, window: MainWindow, file_menu: QMenu, *, before: QAction) -> None:
        super().__init__(window)
        self.window = window
        self.menu = QMenu(self.tr("New conversation &with"))  # not the window's child: see the class doc
        self.menu.setObjectName("newWithAgentMenu")
        self.menu.aboutToShow.connect(self.refresh)
        self.entries: dict[str, QAction] = {}
        self.commands: dict[str, QAction] = {}
        for name in PROFILES:
            entry = self.menu.addAction("")
            entry.setObjectName(f"newWith_{name}")
            entry.triggered.connect(lambda _checked=False, agent=name: self.open(agent))
            self.entries[name] = entry
            command = QAction(window)
            command.setObjectName(f"newWithCommand_{name}")
            command.triggered.connect(lambda _checked=False, agent=name: self.open(agent))
            window.addAction(command)
            self.commands[name] = command
        file_menu.insertMenu(before, self.menu)
        self.refresh()

    def refresh(self) -> None:
        """Each agent's name, marked when its program is not found now (looked up again each time)."""
        workspace = self.window.workspace
        default = workspace.default_agent
        for name, profile in PROFILES.items():
            label = profile.display_name
            if not workspace.agent_installed(name):
                label = self.tr("{agent} (not installed)").format(agent=label)
            if name == default:
                label = self.tr("{agent} (default)").format(agent=label)
            self.entries[name].setText(label.replace("&", "&&"))
            self.commands[name].setText(self.tr("New conversation with {agent}").format(agent=label)
                                        .replace("&", "&&"))

    def open(self, agent: str) -> None:
        self.window.new_session(agent=agent)
