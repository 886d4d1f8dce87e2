"""Panels that replace silence with a next step: the engine crashed or gemini is missing (signing in: sign_in_panel).

Colours come from the palette (the highlight/alternate roles) so they follow the system's light or dark scheme.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QGuiApplication, QPalette, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gemini_desktop.engine.locate import GeminiNotFound, GeminiTooOld
from gemini_desktop.logs import redact
from gemini_desktop.ui.npm_installer import NpmInstaller

INSTALL_COMMAND = "npm install -g @google/gemini-cli"


def plain_label(text: str, parent: QWidget, *, selectable: str = "") -> QLabel:
    """Labels show engine text as plain text: nothing from the CLI may become markup. A `selectable` one takes
    the keyboard on a click, so it carries that accessible name (its text may still be empty)."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName(selectable)
    return label


class Banner(QFrame):
    """A framed strip using the palette's alternate base, so it stands out in light and dark themes."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.layout_ = QVBoxLayout(self)


class Details:
    """A "Details" toggle and the text it shows: what a program said, kept out of sight until asked for."""

    def __init__(self, object_name: str, parent: QWidget) -> None:
        self.toggle = QToolButton(parent)
        self.toggle.setText(QCoreApplication.translate("Details", "Details"))
        self.toggle.setCheckable(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.toggled.connect(self._show)
        self.view = QPlainTextEdit(parent)
        self.view.setObjectName(object_name)
        self.view.setAccessibleName(QCoreApplication.translate("Details", "Details"))
        self.view.setReadOnly(True)
        self.view.setMaximumHeight(160)
        self.view.hide()

    def _show(self, shown: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.view.setVisible(shown)


class CrashBanner(Banner):
    restart_requested = Signal()
    new_session_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("crashBanner", parent)
        self.reason = plain_label("", self, selectable=self.tr("Why gemini stopped"))
        self.reason.setObjectName("crashReason")
        self.details = Details("crashStderr", self)
        self.details_toggle, self.stderr_view = self.details.toggle, self.details.view
        self.restart_button = QPushButton(self.tr("Restart"), self)
        self.restart_button.setObjectName("crashRestartButton")
        self.restart_button.setToolTip(self.tr("Start gemini again and continue this conversation"))
        self.restart_button.clicked.connect(self.restart_requested)
        self.new_button = QPushButton(self.tr("New session"), self)
        self.new_button.setObjectName("crashNewSessionButton")
        self.new_button.clicked.connect(self.new_session_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.details_toggle)
        buttons.addStretch(1)
        buttons.addWidget(self.restart_button)
        buttons.addWidget(self.new_button)
        self.layout_.addWidget(self.reason)
        self.layout_.addLayout(buttons)
        self.layout_.addWidget(self.stderr_view)
        self.hide()

    def show_crash(self, reason: str, stderr_tail: str) -> None:
        """What gemini printed is masked like the log: details get copied into bug reports and screenshots."""
        self.reason.setText(self.tr("Gemini stopped unexpectedly: {reason}").format(reason=redact(reason)))
        self.stderr_view.setPlainText(redact(stderr_tail) or self.tr("(gemini printed nothing on stderr)"))
        self.show()



class GeminiMissingPanel(Banner):
    """First run: explain, offer the global install command, a private install, Locate… and Retry."""

    retry_requested = Signal()
    located = Signal(str)
    installed = Signal(str)  # the prefix gemini-cli was installed into

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("geminiMissingPanel", parent)
        title = QLabel(self.tr("<b>Gemini CLI is needed</b>"), self)
        self.explanation = plain_label("", self)
        self.explanation.setObjectName("geminiMissingReason")
        command_row = QHBoxLayout()
        self.command_field = QLineEdit(INSTALL_COMMAND, self)
        self.command_field.setObjectName("installCommand")
        self.command_field.setReadOnly(True)
        self.command_field.setAccessibleName(self.tr("Install command"))
        copy_button = QPushButton(self.tr("Copy"), self)
        copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(INSTALL_COMMAND))
        command_row.addWidget(self.command_field, 1)
        command_row.addWidget(copy_button)
        self.install_button = QPushButton(self.tr("Install for this app"), self)
        self.install_button.setObjectName("installForAppButton")
        self.install_button.setToolTip(self.tr("Runs npm to install gemini-cli into this app's own data folder"))
        self.install_button.clicked.connect(self.install)
        locate_button = QPushButton(self.tr("Locate…"), self)
        locate_button.clicked.connect(self._locate)
        retry_button = QPushButton(self.tr("Retry"), self)
        retry_button.setObjectName("retryButton")
        retry_button.clicked.connect(self.retry_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.install_button)
        buttons.addWidget(locate_button)
        buttons.addStretch(1)
        buttons.addWidget(retry_button)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.install_status = plain_label("", self)
        self.install_status.setObjectName("installStatus")
        self.install_log = QPlainTextEdit(self)
        self.install_log.setObjectName("installLog")
        self.install_log.setReadOnly(True)
        self.install_log.setAccessibleName(self.tr("Install output"))
        self.install_log.hide()
        for widget in (title, self.explanation, plain_label(
                self.tr("Install it for all your terminals with this command, then press Retry:"), self)):
            self.layout_.addWidget(widget)
        self.layout_.addLayout(command_row)
        self.layout_.addLayout(buttons)
        self.layout_.addWidget(self.progress)
        self.layout_.addWidget(self.install_status)
        self.layout_.addWidget(self.install_log, 1)
        self.installer = NpmInstaller(parent=self)
        self.installer.output.connect(self._append_log)
        self.installer.finished.connect(self._install_finished)
        self.hide()

    def show_problem(self, reason: str) -> None:
        self.explanation.setText(reason)
        self.show()

    def install(self) -> None:
        self.install_log.clear()
        self.install_log.show()
        self.install_status.setText(self.tr("Installing gemini-cli with npm…"))
        self.install_button.setEnabled(False)
        self.progress.show()
        if not self.installer.start():
            self.progress.hide()
            self.install_button.setEnabled(True)

    def _append_log(self, text: str) -> None:
        self.install_log.moveCursor(QTextCursor.MoveOperation.End)
        self.install_log.insertPlainText(text)

    def _install_finished(self, ok: bool, message: str) -> None:
        self.progress.hide()
        self.install_button.setEnabled(True)
        self.install_status.setText(message)
        if ok:
            self.installed.emit(str(self.installer.prefix))

    def _locate(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Locate the gemini program"), "",
            self.tr("gemini (gemini gemini.cmd gemini.exe *.js *.mjs);;All files (*)"),
        )
        if path:
            self.located.emit(path)


def describe_missing(error: Exception) -> str:
    """Why gemini cannot be used, for the first-run panel."""
    if isinstance(error, GeminiTooOld):
        return QCoreApplication.translate(
            "MainWindow", "gemini {version} ({path}) is too old: Gemini Desktop needs gemini {minimum} or newer. "
            "Update it with: {command}").format(
            version=error.version, path=error.path, minimum=error.minimum, command=error.update_command)
    if isinstance(error, GeminiNotFound):
        return QCoreApplication.translate(
            "MainWindow", "Gemini Desktop talks to Google's gemini command-line tool, and it was not found "
            "on this computer.")
    return str(error)
