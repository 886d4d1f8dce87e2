"""Preferences: which gemini to run, the default model and folder, the language, the way in (and signing out), how many
gemini processes the open conversations may keep (each costs about 250 MB), the local API (on/off, port, its
token to copy or regenerate), and the undo snapshots (ui/undo_settings)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSystemTrayIcon,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gemini_desktop.engine.sign_in import SignIn
from gemini_desktop.i18n import SOURCE_LANGUAGE, SYSTEM_LANGUAGE
from gemini_desktop.paths import api_token, regenerate_api_token
from gemini_desktop.settings import MIN_API_PORT, AppSettings
from gemini_desktop.ui.agents_page import AgentsPage
from gemini_desktop.ui.undo_settings import UndoSettings


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None, *, api_address: str = "",
                 sign_in: SignIn | None = None, sign_out: Callable[[], None] | None = None) -> None:
        """`api_address`: where the local API listens now ("" when it is off); `sign_in`: the way in in use
        (None: gemini's own settings decide), which `sign_out` forgets."""
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.settings = settings
        self.gemini_field = QLineEdit(settings.gemini_path or "", self)
        self.gemini_field.setObjectName("geminiPathField")
        self.gemini_field.setPlaceholderText(self.tr("found automatically"))
        browse_gemini = QPushButton(self.tr("Browse…"), self)
        browse_gemini.clicked.connect(self._browse_gemini)
        self.model_field = QLineEdit(settings.model or "", self)
        self.model_field.setObjectName("modelField")
        self.model_field.setPlaceholderText(self.tr("gemini's default"))
        folder = settings.working_dir
        self.folder_field = QLineEdit(str(folder) if folder else "", self)
        self.folder_field.setObjectName("folderField")
        self.folder_field.setPlaceholderText(self.tr("your home folder"))
        browse_folder = QPushButton(self.tr("Browse…"), self)
        browse_folder.clicked.connect(self._browse_folder)
        self.language_box = QComboBox(self)
        self.language_box.setObjectName("languageBox")
        self.language_box.setAccessibleName(self.tr("Language"))
        self.language_box.addItem(self.tr("Follow the system"), SYSTEM_LANGUAGE)
        self.language_box.addItem("English", SOURCE_LANGUAGE)
        self.language_box.addItem("简体中文", "zh_CN")
        self.language_box.setCurrentIndex(max(0, self.language_box.findData(settings.language or SYSTEM_LANGUAGE)))
        self._sign_out = sign_out
        self.sign_in_label = QLabel(sign_in.summary() if sign_in is not None
                                    else self.tr("as gemini's own settings say"), self)
        self.sign_in_label.setObjectName("signInSummary")
        self.sign_out_button = QPushButton(self.tr("Sign out"), self)
        self.sign_out_button.setObjectName("signOutButton")
        self.sign_out_button.setToolTip(self.tr("Forget the way in and its secrets in the keyring; the next gemini "
                                                "started asks how to sign in"))
        self.sign_out_button.setEnabled(sign_in is not None and sign_out is not None)
        self.sign_out_button.clicked.connect(self._sign_out_now)
        self.wants_sign_in_change = False  # "Change…": the window shows the sign-in panel once this closes
        change = QPushButton(self.tr("Change…"), self)
        change.setObjectName("changeSignInButton")
        change.setToolTip(self.tr("Save these settings and choose another way in"))
        change.clicked.connect(self._change_sign_in)
        self.cap_box = self._spin_box("processCapBox", 1, 32, settings.max_live_processes, "")
        self.idle_box = self._spin_box("idleMinutesBox", 0, 24 * 60, settings.idle_suspend_minutes,
                                       self.tr(" min"))
        self.memory_box = self._spin_box("recycleMemoryBox", 0, 64 * 1024, settings.recycle_memory_mb,
                                         self.tr(" MB"))
        self.memory_box.setSingleStep(256)
        self.spare_box = QCheckBox(self.tr("Keep one gemini started, so a new conversation is ready at once"), self)
        self.spare_box.setObjectName("warmSpareBox")
        self.spare_box.setChecked(settings.warm_spare)
        self.tray_box = QCheckBox(self.tr("Closing the window keeps the app running in the tray"), self)
        self.tray_box.setObjectName("closeToTrayBox")
        self.tray_box.setChecked(settings.close_to_tray)
        self.tray_box.setEnabled(QSystemTrayIcon.isSystemTrayAvailable())
        self.api_box = QCheckBox(self.tr("Serve the local API to programs on this computer"), self)
        self.api_box.setObjectName("apiEnabledBox")
        self.api_box.setChecked(settings.api_enabled)
        self.api_port = self._spin_box("apiPortBox", MIN_API_PORT, 65535, settings.api_port, "")
        self.api_port.setAccessibleName(self.tr("Local API port"))
        self.api_status = QLabel(self.tr("Listening on {address}").format(address=api_address) if api_address
                                 else self.tr("Off"), self)
        self.api_status.setObjectName("apiStatus")
        copy_token = QPushButton(self.tr("Copy token"), self)
        copy_token.setObjectName("copyTokenButton")
        copy_token.clicked.connect(self._copy_token)
        new_token = QPushButton(self.tr("Regenerate token"), self)
        new_token.setObjectName("regenerateTokenButton")
        new_token.clicked.connect(self._regenerate_token)

        form = QFormLayout()
        form.addRow(self.tr("gemini program:"), self._row(self.gemini_field, browse_gemini))
        form.addRow(self.tr("Default model:"), self.model_field)
        form.addRow(self.tr("Default working folder:"), self._row(self.folder_field, browse_folder))
        form.addRow(self.tr("Language:"), self.language_box)
        form.addRow(self.tr("Signed in with:"), self._row(self.sign_in_label, change, self.sign_out_button))
        form.addRow(self.tr("gemini processes at most:"), self.cap_box)
        form.addRow(self.tr("Suspend a conversation idle for:"), self.idle_box)
        form.addRow(self.tr("Restart an idle gemini above:"), self.memory_box)
        form.addRow("", self.spare_box)
        form.addRow("", self.tray_box)
        form.addRow(self.tr("Local API:"), self._row(self.api_box, self.api_port, self.api_status))
        form.addRow(self.tr("Local API token:"), self._row(copy_token, new_token))
        self.undo_settings = UndoSettings(settings, self._spin_box, self)
        form.addRow(self.tr("Undo snapshots:"), self.undo_settings)
        note = QLabel(self.tr("Changes apply to the next session or the next start."), self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   parent=self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        general = QWidget(self)
        general.setLayout(form)
        self.agents_page = AgentsPage(settings, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settingsTabs")
        self.tabs.addTab(general, self.tr("General"))
        self.tabs.addTab(self.agents_page, self.tr("Agents"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _spin_box(self, name: str, low: int, high: int, value: int, suffix: str) -> QSpinBox:
        box = QSpinBox(self)
        box.setObjectName(name)
        box.setRange(low, high)
        box.setValue(value)
        box.setSuffix(suffix)
        if low == 0:
            box.setSpecialValueText(self.tr("never"))
        return box

    def _row(self, *widgets: QWidget) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in widgets:
            layout.addWidget(widget)
        return row

    def _browse_gemini(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Locate the gemini program"), self.gemini_field.text())
        if path:
            self.gemini_field.setText(path)

    def _browse_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Default working folder"), self.folder_field.text())
        if folder:
            self.folder_field.setText(folder)

    def _change_sign_in(self) -> None:
        self.wants_sign_in_change = True
        self.accept()

    def _sign_out_now(self) -> None:
        assert self._sign_out is not None
        self._sign_out()
        self.sign_in_label.setText(self.tr("Signed out: the next gemini started asks how to sign in."))
        self.sign_out_button.setEnabled(False)

    def _copy_token(self) -> None:
        self._with_token(api_token, self.tr("Token copied."))

    def _regenerate_token(self) -> None:
        self._with_token(regenerate_api_token,
                         self.tr("New token copied; programs using the old one must be given the new one."))

    def _with_token(self, get: Callable[[], str], done: str) -> None:
        """The token goes to the clipboard only, never on screen (screen sharing, screenshots)."""
        try:
            QGuiApplication.clipboard().setText(get())
        except OSError as failure:
            self.api_status.setText(self.tr("The token file cannot be written: {error}").format(error=failure))
            return
        self.api_status.setText(done)

    def done(self, result: int) -> None:
        self.agents_page.cancel_installs()
        super().done(result)

    def accept(self) -> None:
        if not self.agents_page.check():
            self.tabs.setCurrentWidget(self.agents_page)
            return
        self.settings.gemini_path = self.gemini_field.text().strip() or None
        self.settings.model = self.model_field.text().strip() or None
        folder = self.folder_field.text().strip()
        self.settings.working_dir = Path(folder) if folder and Path(folder).is_dir() else None
        self.settings.language = str(self.language_box.currentData())
        self.settings.max_live_processes = self.cap_box.value()
        self.settings.idle_suspend_minutes = self.idle_box.value()
        self.settings.recycle_memory_mb = self.memory_box.value()
        self.settings.warm_spare = self.spare_box.isChecked()
        self.settings.close_to_tray = self.tray_box.isChecked()
        self.settings.api_enabled = self.api_box.isChecked()
        self.settings.api_port = self.api_port.value()
        self.agents_page.save()
        self.undo_settings.save(self.settings)
        self.settings.sync()
        super().accept()
