"""The window's own behaviour without a gemini session: first run, menus, persistence, banners, links."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from gemini_desktop.engine import SessionState, Usage
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import HistoryStore
from gemini_desktop.ui import npm_installer
from gemini_desktop.ui.banners import CrashBanner, GeminiMissingPanel
from gemini_desktop.ui.main_window import MainWindow
from gemini_desktop.ui.settings_dialog import SettingsDialog
from gemini_desktop.ui.sign_in_panel import SignInPanel
from gemini_desktop.ui.status_bar import StatusBar
from tests.support.qt_async import until

WindowFactory = Callable[..., MainWindow]




@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.ini"


@pytest.fixture
def make_window(tmp_path: Path, settings_path: Path, run_async: Callable[..., Any],
                monkeypatch: pytest.MonkeyPatch) -> Iterator[WindowFactory]:
    """Windows whose gemini can never be found (an explicit path that does not exist, nothing on PATH)."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    made: list[tuple[MainWindow, HistoryStore]] = []

    def make(start: bool = True) -> MainWindow:
        store = HistoryStore.open(tmp_path / "history.sqlite3")
        options = LaunchOptions(gemini=str(tmp_path / "no-gemini-here"))
        window = MainWindow(store, AppSettings(settings_path), options)
        made.append((window, store))
        window.show()
        if start:
            started = window.start()
            assert started is not None
            run_async(started)
        return window

    yield make
    for window, store in made:
        close(window, run_async)
        store.close()


def close(window: MainWindow, run_async: Callable[..., Any]) -> None:
    if not window.is_shut_down:
        window.close()
        run_async(until(lambda: window.is_shut_down))


def test_missing_gemini_shows_the_first_run_panel(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    panel = window.missing_panel
    assert panel.isVisible()
    assert "was not found" in panel.explanation.text()
    assert panel.command_field.text() == "npm install -g @google/gemini-cli"
    assert window.controller is None and window.client is None
    assert window.status.engine_label.text() == "Gemini: not set up"
    qtbot.keyClicks(window.prompt, "hello")
    window.prompt.submit()
    assert "not available" in window.status.currentMessage()
    assert window.prompt.toPlainText() == "hello"  # given back, not lost


def test_install_without_npm_says_what_is_missing(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    panel = window.missing_panel
    panel.install_button.click()
    assert "node and npm not found" in panel.install_status.text()
    assert "nodejs.org" in panel.install_status.text()
    assert panel.install_button.isEnabled()
    assert not panel.progress.isVisible()


def test_npm_install_runs_into_the_app_data_dir(tmp_path: Path, qtbot: QtBot,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in npm proves the command line and that the log and the result reach the panel."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool, script in {
        "node": "#!/bin/sh\nexit 0\n",
        "npm": "#!/bin/sh\necho \"npm $*\"\nmkdir -p \"$3/node_modules/@google/gemini-cli\"\n"
               "echo '{}' > \"$3/node_modules/@google/gemini-cli/package.json\"\n",
    }.items():
        (bin_dir / tool).write_text(script)
        (bin_dir / tool).chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), "/bin", "/usr/bin"]))
    panel = GeminiMissingPanel()
    qtbot.addWidget(panel)
    panel.installer.prefix = tmp_path / "prefix"
    with qtbot.waitSignal(panel.installed, timeout=10000) as installed:
        panel.install_button.click()
        assert not panel.install_button.isEnabled()
    assert installed.args == [str(tmp_path / "prefix")]
    log = panel.install_log.toPlainText()
    assert f"npm install --prefix {tmp_path / 'prefix'}" in log
    assert "@google/gemini-cli" in log
    assert panel.install_status.text() == "gemini-cli was installed for this app."
    assert panel.install_button.isEnabled()
    assert npm_installer.app_install_dir().name == "gemini-cli"


def test_menus_have_the_standard_shortcuts(make_window: WindowFactory) -> None:
    window = make_window(start=False)
    expected = {
        "newSessionAction": "Ctrl+N", "restartAction": "Ctrl+R", "quitAction": "Ctrl+Q",
        "historyAction": "Ctrl+H", "stopAction": "Esc",
    }
    for name, keys in expected.items():
        action = window.findChild(type(window.menus.restart_action), name)
        assert action is not None, name
        assert action.shortcut() == QKeySequence(keys), name
    titles = [action.text().replace("&", "") for action in window.menuBar().actions()]
    assert titles == ["File", "View", "Help"]
    for name in ("transcriptView", "promptInput", "sendButton", "stopButton", "statusEngine", "sidebar"):
        assert window.findChild(object, name) is not None, name


def test_ctrl_f_finds_in_the_conversation_and_esc_gives_the_prompt_back(make_window: WindowFactory,
                                                                        qtbot: QtBot) -> None:
    window = make_window(start=False)
    window.transcript.model.load_history([("user", "where is the needle?", "complete")])
    assert window.menus.find_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    window.menus.find_action.trigger()
    assert window.find_bar.isVisible() and window.focusWidget() is window.find_bar.field
    qtbot.keyClicks(window.find_bar.field, "needle")
    assert window.find_bar.status.text() == "1 of 1"
    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Escape)
    assert window.find_bar.isHidden() and window.focusWidget() is window.prompt


def test_history_toggle_and_geometry_persist(make_window: WindowFactory, settings_path: Path,
                                             run_async: Callable[..., Any]) -> None:
    window = make_window(start=False)
    assert window.sidebar.isVisible()
    window.menus.history_action.trigger()
    assert not window.sidebar.isVisible()
    window.resize(700, 500)
    close(window, run_async)
    assert settings_path.is_file()
    again = make_window(start=False)
    assert not again.sidebar.isVisible()
    assert not again.menus.history_action.isChecked()
    assert (again.width(), again.height()) == (700, 500)
    again.menus.history_action.trigger()
    assert again.sidebar.isVisible()


def test_about_names_every_version(make_window: WindowFactory) -> None:
    text = make_window(start=False).about_text()
    for part in ("Gemini Desktop", "Qt:", "PySide6:", "gemini-cli:"):
        assert part in text


def test_status_bar_shows_state_busy_queue_and_usage(qtbot: QtBot) -> None:
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.set_state(SessionState.BUSY)
    assert bar.engine_label.text() == "Gemini: thinking…"
    assert bar.busy.isVisible()
    bar.set_state(SessionState.CRASHED)
    assert bar.engine_label.text() == "Gemini: crashed"
    assert not bar.busy.isVisible()
    bar.set_queued(2)
    assert bar.queue_label.text() == "2 queued"
    bar.set_usage(Usage(12, 7), Usage(30, 20))
    assert bar.usage_label.text() == "Tokens: last 19 (12 in / 7 out) · session 50 (30 in / 20 out)"


def test_choice_box_reports_only_user_choices(qtbot: QtBot) -> None:
    from gemini_desktop.engine import Choice

    bar = StatusBar()
    qtbot.addWidget(bar)
    picked: list[str] = []
    bar.mode_box.chosen.connect(picked.append)
    bar.mode_box.set_choices("default", (Choice("default", "Default"), Choice("yolo", "YOLO")))
    assert bar.mode_box.currentText() == "Default" and bar.mode_box.isEnabled()
    assert picked == []
    bar.mode_box.activated.emit(1)
    assert picked == ["yolo"]


def test_crash_banner_shows_reason_as_plain_text_and_details_on_demand(qtbot: QtBot) -> None:
    banner = CrashBanner()
    qtbot.addWidget(banner)
    banner.show_crash("<b>killed</b> by signal 9", "stderr line 1\nstderr line 2")
    banner.show()
    assert banner.isVisible()
    assert "<b>killed</b>" in banner.reason.text()
    assert not banner.stderr_view.isVisible()
    banner.details_toggle.click()
    assert banner.stderr_view.isVisible()
    assert banner.stderr_view.toPlainText() == "stderr line 1\nstderr line 2"
    with qtbot.waitSignal(banner.restart_requested, timeout=1000):
        banner.restart_button.click()


def test_auth_panel_hands_over_the_key_and_clears_it(qtbot: QtBot) -> None:
    panel = SignInPanel()
    qtbot.addWidget(panel)
    keys: list[str] = []
    panel.sign_in_chosen.connect(lambda sign_in: keys.append(sign_in.api_key))
    panel.key_field.setText("  ")
    panel.key_field.returnPressed.emit()
    assert keys == [] and "Paste an API key" in panel.status.text()
    assert panel.key_field.echoMode() == panel.key_field.EchoMode.Password
    panel.key_field.setText("AIza-secret")
    panel.key_field.returnPressed.emit()
    assert keys == ["AIza-secret"]
    assert panel.key_field.text() == ""


def test_settings_dialog_saves_to_the_ini(tmp_path: Path, qtbot: QtBot) -> None:
    settings = AppSettings(tmp_path / "s.ini")
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.gemini_field.setText("/opt/gemini/bin/gemini")
    dialog.model_field.setText("gemini-2.5-pro")
    dialog.folder_field.setText(str(tmp_path))
    assert dialog.language_box.currentData() == "system"
    dialog.language_box.setCurrentIndex(dialog.language_box.findData("zh_CN"))
    dialog.accept()
    reread = AppSettings(tmp_path / "s.ini")
    assert reread.language == "zh_CN"
    assert reread.gemini_path == "/opt/gemini/bin/gemini"
    assert reread.model == "gemini-2.5-pro"
    assert reread.working_dir == tmp_path
    assert "gemini_path" in (tmp_path / "s.ini").read_text()


def test_a_finished_answer_alerts_only_when_the_window_is_in_the_background(
        make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(start=False)
    alerts: list[object] = []
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    monkeypatch.setattr(QApplication, "alert", staticmethod(lambda widget, msec=0: alerts.append(widget)))
    monkeypatch.setattr(window, "isActiveWindow", lambda: True)
    window.notify_answer("seen already")
    assert alerts == []
    monkeypatch.setattr(window, "isActiveWindow", lambda: False)
    window.notify_answer("done while you were away")
    assert alerts == [window]
