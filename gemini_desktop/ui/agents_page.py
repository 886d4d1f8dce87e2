"""Settings › Agents: each agent profile with where its program is and its version, how it signs in, a chosen
program, Install (with progress and cancel) for archive agents, and the default agent for new conversations.

Finding a program and asking its version can take seconds, and an install minutes: both run on worker threads
and report back through queued Qt signals; the settings stay the only copy of what the user chose."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gemini_desktop.engine.agents.install import InstallError, acp_version, agents_dir, install_archive
from gemini_desktop.engine.agents.locate import find_agent
from gemini_desktop.engine.agents.profiles import DEFAULT_AGENT, PROFILES, AgentProfile, Locate
from gemini_desktop.engine.types import EngineError
from gemini_desktop.settings import AppSettings

PROBE_TIMEOUT = 10.0


class _Reports(QObject):
    """Signals a worker thread emits; Qt queues them to the page's thread."""

    status = Signal(str, str)  # agent name, text
    progress = Signal(str, int, int)  # agent name, bytes done, bytes expected (0: unknown)
    finished = Signal(str, str)  # agent name, error ("" on success)

    def send(self, signal_name: str, *args: object) -> None:
        """Emit from a worker; a page closed meanwhile (its C++ side gone) simply hears nothing."""
        with contextlib.suppress(RuntimeError):
            getattr(self, signal_name).emit(*args)


def probe(profile: AgentProfile, explicit: str | None, root: Path) -> str:
    """What the page says about an agent: its path and version, or why it is not found (bounded in time)."""
    try:
        command = find_agent(profile, explicit, root)
    except EngineError as exc:
        return str(exc)
    try:
        version = command.version or acp_version(profile, command, PROBE_TIMEOUT)
    except InstallError as exc:
        return f"{command.program} — {exc}"
    return f"{command.program} — {version or '?'}"


class AgentsPage(QWidget):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None, *, root: Path | None = None,
                 download_url: str | None = None) -> None:
        """`root`: where agents are installed (the app's data folder); `download_url` replaces the archive's
        address (a local mirror, the tests)."""
        super().__init__(parent)
        self.setObjectName("agentsPage")
        self.settings = settings
        self.root = root or agents_dir()
        self.download_url = download_url
        self.reports = _Reports(self)
        self.reports.status.connect(self._show_status)
        self.reports.progress.connect(self._show_progress)
        self.reports.finished.connect(self._finished)
        self.statuses: dict[str, QLabel] = {}
        self.bars: dict[str, QProgressBar] = {}
        self.install_buttons: dict[str, QPushButton] = {}
        self._cancels: dict[str, threading.Event] = {}
        self.default_box = QComboBox(self)
        self.default_box.setObjectName("defaultAgentBox")
        self.default_box.setAccessibleName(self.tr("Default agent"))
        form = QFormLayout()
        form.addRow(self.tr("Default agent:"), self.default_box)
        for profile in PROFILES.values():
            if profile.locate is Locate.CUSTOM:
                continue
            self.default_box.addItem(profile.display_name, profile.name)
            form.addRow(profile.display_name + ":", self._agent_row(profile))
        chosen = self.default_box.findData(settings.default_agent or DEFAULT_AGENT)
        self.default_box.setCurrentIndex(max(0, chosen))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch()
        for profile in PROFILES.values():
            if profile.name in self.statuses:
                self.refresh(profile)

    def _agent_row(self, profile: AgentProfile) -> QWidget:
        row = QWidget(self)
        column = QVBoxLayout(row)
        column.setContentsMargins(0, 0, 0, 0)
        status = QLabel(self.tr("Looking…"), row)
        status.setObjectName(f"agentStatus_{profile.name}")
        status.setWordWrap(True)
        self.statuses[profile.name] = status
        notes = QLabel(self.tr("Signs in: {how}").format(how=profile.auth_notes), row)
        notes.setWordWrap(True)
        buttons = QHBoxLayout()
        choose = QPushButton(self.tr("Choose program…"), row)
        choose.setObjectName(f"chooseProgram_{profile.name}")
        choose.setAccessibleName(self.tr("Choose the program of {agent}").format(agent=profile.display_name))
        choose.clicked.connect(lambda: self._choose(profile))
        buttons.addWidget(choose)
        if profile.locate is Locate.ARCHIVE:
            install = QPushButton(self.tr("Install"), row)
            install.setObjectName(f"install_{profile.name}")
            install.setAccessibleName(self.tr("Install {agent}").format(agent=profile.display_name))
            install.clicked.connect(lambda: self.install(profile))
            bar = QProgressBar(row)
            bar.setObjectName(f"installProgress_{profile.name}")
            bar.setAccessibleName(self.tr("Install progress of {agent}").format(agent=profile.display_name))
            bar.hide()
            self.install_buttons[profile.name] = install
            self.bars[profile.name] = bar
            buttons.addWidget(install)
            buttons.addWidget(bar)
        buttons.addStretch()
        column.addWidget(status)
        column.addWidget(notes)
        column.addLayout(buttons)
        return row

    def refresh(self, profile: AgentProfile) -> None:
        """Find the program and ask its version on a worker thread; the row says "Looking…" meanwhile."""
        explicit = self.settings.agent_program(profile.name)
        self.statuses[profile.name].setText(self.tr("Looking…"))
        threading.Thread(target=lambda: self.reports.send("status", profile.name, probe(profile, explicit, self.root)),
                         daemon=True).start()

    def install(self, profile: AgentProfile) -> None:
        """Start installing, or cancel the install under way (the button says which)."""
        if profile.name in self._cancels:
            self._cancels[profile.name].set()
            return
        cancel = self._cancels[profile.name] = threading.Event()
        self.install_buttons[profile.name].setText(self.tr("Cancel"))
        bar = self.bars[profile.name]
        bar.setRange(0, 0)
        bar.show()

        def report(done: int, total: int | None) -> None:
            self.reports.send("progress", profile.name, done, total or 0)

        def work() -> None:
            try:
                install_archive(profile, url=self.download_url, root=self.root, cancel=cancel, progress=report)
            except InstallError as exc:
                self.reports.send("finished", profile.name, str(exc))
                return
            self.reports.send("finished", profile.name, "")

        threading.Thread(target=work, daemon=True).start()

    def _show_status(self, name: str, text: str) -> None:
        self.statuses[name].setText(text)

    def _show_progress(self, name: str, done: int, total: int) -> None:
        bar = self.bars[name]
        scale = 1024  # a QProgressBar holds an int: count in KiB
        bar.setRange(0, total // scale if total else 0)
        bar.setValue(done // scale)

    def _finished(self, name: str, error: str) -> None:
        self._cancels.pop(name, None)
        self.install_buttons[name].setText(self.tr("Install"))
        self.bars[name].hide()
        if error:
            self.statuses[name].setText(error)
        else:
            self.refresh(PROFILES[name])

    def _choose(self, profile: AgentProfile) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Locate the program of {agent}").format(
            agent=profile.display_name), self.settings.agent_program(profile.name) or "")
        if path:
            self.settings.set_agent_program(profile.name, path)
            self.refresh(profile)

    def save(self) -> None:
        name = str(self.default_box.currentData())
        self.settings.default_agent = "" if name == DEFAULT_AGENT else name

    def cancel_installs(self) -> None:
        for cancel in self._cancels.values():
            cancel.set()
