"""Settings › Agents: every agent profile with the program found and its version (or how to get it), how it signs
in, a program chosen instead of looking it up, Install (with progress and Cancel) where the app can install it,
the custom ACP agent (command, arguments, environment) and the default agent for new conversations.

What the page knows comes from conversation/agents_overview.py, on worker threads (a lookup can take seconds, an
install minutes) that report back through queued Qt signals; the settings stay the only copy of what is chosen."""

from __future__ import annotations

import contextlib
import logging
import shlex
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gemini_desktop.conversation.agents_overview import (
    AgentRow,
    CustomAgentInvalid,
    InstallAction,
    InstallJob,
    InstallWay,
    custom_profile,
    inspect,
    install_action,
    install_way,
    missing_tools,
    read_custom_agent,
)
from gemini_desktop.engine.agents.install import agents_dir
from gemini_desktop.engine.agents.profiles import CUSTOM, DEFAULT_AGENT, PROFILES, AgentProfile
from gemini_desktop.settings import AppSettings, CustomAgent
from gemini_desktop.ui.npm_installer import app_install_dir

log = logging.getLogger(__name__)


class _Reports(QObject):
    """Signals a worker thread emits; Qt queues them to the page's thread."""

    status = Signal(str, object)  # agent name, AgentRow
    progress = Signal(str, int, int)  # agent name, bytes done, bytes expected (0: unknown)
    finished = Signal(str, str)  # agent name, error ("" on success)
    custom = Signal(object)  # the saved CustomAgent, secrets read from the keyring

    def send(self, signal_name: str, *args: object) -> None:
        """Emit from a worker; a page closed meanwhile (its C++ side gone) simply hears nothing."""
        with contextlib.suppress(RuntimeError):
            getattr(self, signal_name).emit(*args)


class AgentsPage(QWidget):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None, *, root: Path | None = None,
                 sources: dict[str, str] | None = None) -> None:
        """`root`: where agents are installed (the app's data folder); `sources` replaces where an agent's Install
        gets it from (an archive address or an npm package: a local mirror, the tests)."""
        super().__init__(parent)
        self.setObjectName("agentsPage")
        self.settings = settings
        self.root = root or agents_dir()
        self.sources = sources or {}
        self.reports = _Reports(self)
        self.reports.status.connect(self._show_status)
        self.reports.progress.connect(self._show_progress)
        self.reports.finished.connect(self._finished)
        self.reports.custom.connect(self._show_custom)
        self.statuses: dict[str, QLabel] = {}
        self.program_fields: dict[str, QLineEdit] = {}
        self.bars: dict[str, QProgressBar] = {}
        self.install_buttons: dict[str, QPushButton] = {}
        self.rows: dict[str, AgentRow] = {}
        self._jobs: dict[str, InstallJob] = {}
        self.saved_custom: CustomAgent | None = None  # as loaded from the settings and the keyring
        self.custom_saved_in_keyring = True  # False after save() when an env value could not reach the keyring
        self.default_box = QComboBox(self)
        self.default_box.setObjectName("defaultAgentBox")
        self.default_box.setAccessibleName(self.tr("Default agent"))
        for profile in PROFILES.values():
            self.default_box.addItem(profile.display_name, profile.name)
        chosen = self.default_box.findData(settings.default_agent or DEFAULT_AGENT)
        self.default_box.setCurrentIndex(max(0, chosen))
        self.message = QLabel(self)  # what went wrong with the custom agent's fields
        self.message.setObjectName("agentsPageMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        inner = QWidget(self)
        column = QVBoxLayout(inner)
        top = QFormLayout()
        top.addRow(self.tr("Default agent:"), self.default_box)
        column.addLayout(top)
        column.addWidget(self.message)
        for profile in PROFILES.values():
            column.addWidget(self._agent_box(profile, inner))
        column.addStretch()
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        for profile in PROFILES.values():
            if profile is not CUSTOM:
                self.refresh(profile)
        path = settings.path
        threading.Thread(target=lambda: self.reports.send("custom", AppSettings(path).custom_agent()),
                         daemon=True).start()

    # ----- building --------------------------------------------------------------------------------------------

    def _agent_box(self, profile: AgentProfile, parent: QWidget) -> QGroupBox:
        box = QGroupBox(profile.display_name, parent)
        box.setObjectName(f"agentBox_{profile.name}")
        column = QVBoxLayout(box)
        status = QLabel(self.tr("Looking…"), box)
        status.setObjectName(f"agentStatus_{profile.name}")
        status.setWordWrap(True)
        status.setTextFormat(Qt.TextFormat.PlainText)
        self.statuses[profile.name] = status
        column.addWidget(status)
        if profile.auth_notes:
            notes = QLabel(self.tr("Signs in: {how}").format(how=self.sign_in_notes(profile)), box)
            notes.setWordWrap(True)
            column.addWidget(notes)
        if profile is CUSTOM:
            column.addLayout(self._custom_fields(box))
        elif profile.is_gemini:
            column.addWidget(QLabel(self.tr("Its program is chosen on the General page."), box))
        else:
            column.addLayout(self._program_row(profile, box))
        way = install_way(profile)
        if way in (InstallWay.NPM, InstallWay.ARCHIVE):
            column.addLayout(self._install_row(profile, box))
        return box

    def sign_in_notes(self, profile: AgentProfile) -> str:
        """The profile's auth_notes in the interface's language (a profile this page does not know: as written)."""
        notes = {
            "gemini": self.tr("Google login, a Gemini API key, Vertex AI, Code Assist or a gateway."),
            "antigravity": self.tr("A Google account, through its own method."),
            "qwen-code": self.tr("Qwen OAuth, or an OpenAI-compatible key (--auth-type openai)."),
            "claude-code": self.tr("ANTHROPIC_API_KEY in its environment, or a Claude login."),
            "codex": self.tr("OPENAI_API_KEY in its environment, or a ChatGPT login."),
            "copilot": self.tr("A GitHub login made with `copilot` in a terminal."),
            "opencode": self.tr("Providers configured with `opencode auth login`."),
        }
        return notes.get(profile.name, profile.auth_notes)

    def _program_row(self, profile: AgentProfile, box: QWidget) -> QHBoxLayout:
        field = QLineEdit(self.settings.agent_program(profile.name) or "", box)
        field.setObjectName(f"agentProgram_{profile.name}")
        field.setPlaceholderText(self.tr("found automatically"))
        field.setAccessibleName(self.tr("Program of {agent}").format(agent=profile.display_name))
        field.editingFinished.connect(lambda: self.refresh(profile))
        self.program_fields[profile.name] = field
        choose = QPushButton(self.tr("Choose program…"), box)
        choose.setObjectName(f"chooseProgram_{profile.name}")
        choose.setAccessibleName(self.tr("Choose the program of {agent}").format(agent=profile.display_name))
        choose.clicked.connect(lambda: self._choose(profile))
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Program:"), box))
        row.addWidget(field, 1)
        row.addWidget(choose)
        return row

    def _install_row(self, profile: AgentProfile, box: QWidget) -> QHBoxLayout:
        install = QPushButton(self.tr("Install"), box)
        install.setObjectName(f"install_{profile.name}")
        install.setAccessibleName(self.tr("Install {agent}").format(agent=profile.display_name))
        install.clicked.connect(lambda: self.install(profile))
        bar = QProgressBar(box)
        bar.setObjectName(f"installProgress_{profile.name}")
        bar.setAccessibleName(self.tr("Install progress of {agent}").format(agent=profile.display_name))
        bar.hide()
        self.install_buttons[profile.name] = install
        self.bars[profile.name] = bar
        row = QHBoxLayout()
        row.addWidget(install)
        row.addWidget(bar, 1)
        row.addStretch()
        return row

    def _custom_fields(self, box: QWidget) -> QFormLayout:
        self.command_field = self._program_row(CUSTOM, box)
        command = self.program_fields[CUSTOM.name]
        command.setPlaceholderText(self.tr("the program that speaks ACP on stdin/stdout"))
        self.args_field = QLineEdit(box)
        self.args_field.setObjectName("customAgentArgs")
        self.args_field.setAccessibleName(self.tr("Arguments of the custom agent"))
        self.args_field.setPlaceholderText(self.tr("as in a shell, e.g. --acp --model \"my model\""))
        self.env_field = QPlainTextEdit(box)
        self.env_field.setObjectName("customAgentEnv")
        self.env_field.setAccessibleName(self.tr("Environment of the custom agent"))
        self.env_field.setPlaceholderText(self.tr("NAME=value, one per line (values kept in the system keyring)"))
        self.env_field.setMaximumHeight(80)
        check = QPushButton(self.tr("Check"), box)
        check.setObjectName("checkCustomAgent")
        check.setToolTip(self.tr("Start the agent and ask it ACP initialize"))
        check.clicked.connect(lambda: self.refresh(CUSTOM))
        self.custom_widgets: list[QWidget] = [command, self.args_field, self.env_field, check]
        for widget in self.custom_widgets:
            widget.setEnabled(False)  # until the saved agent is read (its env values from the keyring)
        form = QFormLayout()
        form.addRow(self.command_field)
        form.addRow(self.tr("Arguments:"), self.args_field)
        form.addRow(self.tr("Environment:"), self.env_field)
        checking = QHBoxLayout()
        checking.addWidget(check)
        checking.addStretch()
        form.addRow("", checking)
        return form

    # ----- what each agent is now ------------------------------------------------------------------------------

    def _program(self, profile: AgentProfile) -> str | None:
        field = self.program_fields.get(profile.name)
        if profile.is_gemini:
            return self.settings.gemini_path
        return (field.text().strip() or None) if field is not None else None

    def refresh(self, profile: AgentProfile) -> None:
        """Find the program and ask its version on a worker thread; the row says "Looking…" meanwhile."""
        explicit = self._program(profile)
        looked_up = profile
        if profile is CUSTOM:
            try:
                looked_up = custom_profile(self.custom_agent())
            except CustomAgentInvalid as invalid:
                self._say(self._invalid_text(invalid))
                return
        self._say("")
        self.statuses[profile.name].setText(self.tr("Looking…"))
        root, gemini_dir = self.root, app_install_dir()
        threading.Thread(target=lambda: self.reports.send(
            "status", profile.name, inspect(looked_up, explicit, root, gemini_install_dir=gemini_dir)),
            daemon=True).start()

    def _show_status(self, name: str, row: AgentRow) -> None:
        self.rows[name] = row
        self.statuses[name].setText(self.describe(row))
        button = self.install_buttons.get(name)
        if button is not None and name not in self._jobs:
            action = install_action(row, self.root)
            button.setVisible(action is not InstallAction.NONE)
            button.setText({InstallAction.UPDATE: self.tr("Update"), InstallAction.REINSTALL: self.tr("Reinstall")}
                           .get(action, self.tr("Install")))

    def describe(self, row: AgentRow) -> str:
        """The row's status line: where the program is and its version, else why not and how to get it."""
        if row.found and row.problem:
            return self.tr("Found {program}, but it does not run: {problem}").format(
                program=row.program, problem=row.problem)
        if row.found:
            version = row.version or self.tr("version unknown")
            return self.tr("{program} — {version}").format(program=row.program, version=version)
        profile = row.profile
        way = install_way(profile)
        chosen = self._program(profile)
        if way is InstallWay.COMMAND:
            return (self.tr("{agent}: no program {command} was found.").format(agent=profile.display_name,
                                                                              command=chosen) if chosen
                    else self.tr("{agent} has no command yet: type the program that speaks ACP.").format(
                        agent=profile.display_name))
        head = (self.tr("Not found at {path}.").format(path=chosen) if chosen
                else self.tr("Not installed."))
        if way is InstallWay.NPM:
            how = self.tr("Install puts {package} into this app's own folder with npm (or run `npm install -g "
                          "{package}`), or choose its program.").format(package=profile.npm_package)
            missing = missing_tools(way)
            if missing:
                how += " " + self.tr("{tools} not found: install Node.js 20 or newer first.").format(
                    tools=" and ".join(missing))
        elif way is InstallWay.ARCHIVE:
            how = self.tr("Install downloads it for this computer into this app's own folder, or choose its "
                          "program.")
        elif profile.is_gemini:
            how = self.tr("Run `npm install -g {package}`, or install it from the window's first-run panel.").format(
                package=profile.npm_package)
        else:
            how = self.tr("Install `{program}` as its maker says so that it is on PATH, or choose its program."
                          ).format(program=profile.program)
        return self.tr("{status} {how}").format(status=head, how=how)

    # ----- installing ------------------------------------------------------------------------------------------

    def install(self, profile: AgentProfile) -> None:
        """Start installing, or cancel the install under way (the button says which)."""
        job = self._jobs.get(profile.name)
        if job is not None:
            job.cancel()
            return
        self._jobs[profile.name] = job = InstallJob(
            profile, self.root, source=self.sources.get(profile.name),
            progress=lambda done, total: self.reports.send("progress", profile.name, done, total or 0),
            finished=lambda error: self.reports.send("finished", profile.name, error))
        self.install_buttons[profile.name].setText(self.tr("Cancel"))
        bar = self.bars[profile.name]
        bar.setRange(0, 0)
        bar.show()
        self.statuses[profile.name].setText(self.tr("Installing…"))
        job.start()

    def _show_progress(self, name: str, done: int, total: int) -> None:
        bar = self.bars[name]
        scale = 1024  # a QProgressBar holds an int: count in KiB
        bar.setRange(0, total // scale if total else 0)
        bar.setValue(done // scale)

    def _finished(self, name: str, error: str) -> None:
        self._jobs.pop(name, None)
        self.install_buttons[name].setText(self.tr("Install"))
        self.bars[name].hide()
        if error:
            log.warning("Settings › Agents: %s", error)
            self.statuses[name].setText(error)
        else:
            self.refresh(PROFILES[name])

    def cancel_installs(self) -> None:
        for job in self._jobs.values():
            job.cancel()

    # ----- the custom agent and saving -------------------------------------------------------------------------

    def _show_custom(self, agent: CustomAgent) -> None:
        self.saved_custom = agent
        self.program_fields[CUSTOM.name].setText(agent.command)
        self.args_field.setText(shlex.join(agent.args))
        self.env_field.setPlainText("\n".join(f"{name}={value}" for name, value in agent.env))
        for widget in self.custom_widgets:
            widget.setEnabled(True)
        self.refresh(CUSTOM)

    def custom_agent(self) -> CustomAgent:
        """What the custom agent's fields say; CustomAgentInvalid naming the field that cannot be read."""
        return read_custom_agent(self.program_fields[CUSTOM.name].text(), self.args_field.text(),
                                 self.env_field.toPlainText())

    def _invalid_text(self, invalid: CustomAgentInvalid) -> str:
        if invalid.field == "args":
            return self.tr("The arguments of the custom agent cannot be read: {error}.").format(error=invalid.detail)
        return self.tr("Environment line {line} of the custom agent is not NAME=value.").format(line=invalid.detail)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def check(self) -> bool:
        """Whether save() can keep what the page says; if not, the page says why."""
        if self.saved_custom is None:
            return True  # not loaded yet: nothing of it was edited
        try:
            self.custom_agent()
        except CustomAgentInvalid as invalid:
            self._say(self._invalid_text(invalid))
            return False
        return True

    def _choose(self, profile: AgentProfile) -> None:
        field = self.program_fields[profile.name]
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Locate the program of {agent}").format(
            agent=profile.display_name), field.text())
        if path:
            field.setText(path)
            self.refresh(profile)

    def save(self) -> None:
        """Into the settings (call check() first): the default agent, the chosen programs, the custom agent (its
        env values into the keyring)."""
        name = str(self.default_box.currentData())
        self.settings.default_agent = "" if name == DEFAULT_AGENT else name
        for agent, field in self.program_fields.items():
            if agent != CUSTOM.name:
                self.settings.set_agent_program(agent, field.text().strip() or None)
        if self.saved_custom is not None:
            custom = self.custom_agent()
            if custom != self.saved_custom:
                self.custom_saved_in_keyring = self.settings.save_custom_agent(custom, self.saved_custom)
                self.saved_custom = custom

