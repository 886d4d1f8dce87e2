"""Settings > Local API: off by default, the port and the switch saved, the token copied or regenerated (issue 11)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from gemini_desktop.paths import api_token
from gemini_desktop.settings import DEFAULT_API_PORT, AppSettings
from gemini_desktop.ui.settings_dialog import SettingsDialog


def test_the_local_api_is_off_by_default_and_the_dialog_saves_it_and_hands_out_the_token_only_by_clipboard(
        tmp_path: Path, qtbot: QtBot) -> None:
    settings = AppSettings(tmp_path / "s.ini")
    assert not settings.api_enabled and settings.api_port == DEFAULT_API_PORT
    dialog = SettingsDialog(settings, api_address="")
    qtbot.addWidget(dialog)
    assert not dialog.api_box.isChecked() and dialog.api_status.text() == "Off"
    token = api_token()
    dialog.findChild(QPushButton, "copyTokenButton").click()
    assert QGuiApplication.clipboard().text() == token
    assert token not in " ".join(label.text() for label in dialog.findChildren(QLabel))
    dialog.findChild(QPushButton, "regenerateTokenButton").click()
    assert api_token() != token and QGuiApplication.clipboard().text() == api_token()
    dialog.api_box.setChecked(True)
    dialog.api_port.setValue(9123)
    dialog.accept()
    reread = AppSettings(tmp_path / "s.ini")
    assert reread.api_enabled and reread.api_port == 9123
    shown = SettingsDialog(reread, api_address="http://127.0.0.1:9123")
    qtbot.addWidget(shown)
    assert "127.0.0.1:9123" in shown.api_status.text()
